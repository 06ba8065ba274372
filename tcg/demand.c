/* SPDX-License-Identifier: MIT */
/*
 * Demanded high halves: a backward pass that finds values whose bits
 * 32..63 nobody reads, and narrows the ops that make them.
 *
 * The x86 translator computes 32-bit guest operations in 64 bits and
 * zero-extends operands and results (`ext32u t, eax; add_i64 r, t, ...;
 * ext32u eax, r`). When every reader of a value uses only its low 32 bits
 * (an _i32 op, a narrow store or extension, or an op whose own result has
 * no demanded high half and whose low half depends only on the low halves
 * of its inputs: add, sub, mul, logic, neg, not, mov), an ext32u making
 * it is a move and an add/sub/mul/logic/neg/not making it becomes its _i32
 * form, which optimize.c then knows zero-extends (so the ext32u after it
 * becomes a move too).
 * Called by tcg_gen_code() before tcg_optimize().
 * Exactness: the low halves of all values stay as they were, and every
 * value whose high half is read keeps all 64 bits. Globals count as
 * read in full wherever liveness.c keeps them live (block ends, branches,
 * labels, helper calls, memory accesses, env accesses), locals at
 * branches and labels, so env always holds what it held before when
 * anything can look at it.
 */
#include "kestrel/osdep.h"
#include "tcg/tcg-internal.h"

typedef struct DemandState {
    TCGContext *s;
    bool hi[TCG_MAX_TEMPS];             /* bits 32..63 read later */
} DemandState;

/* At a block end or a branch: globals (and locals) are read in full,
 * plain temps are dead. */
static void demand_kinds(DemandState *ds, bool locals)
{
    for (unsigned i = 0; i < ds->s->nb_temps; i++) {
        TCGTemp *t = &ds->s->temps[i];

        ds->hi[i] = t->kind == TEMP_GLOBAL ||
                    (locals && t->kind == TEMP_LOCAL);
    }
}

/* At a sync point: globals are read in full from env. */
static void demand_globals(DemandState *ds)
{
    for (unsigned i = 0; i < ds->s->nb_globals; i++) {
        ds->hi[i] = true;
    }
}

/* The narrow form of a 64-bit op whose low half depends only on the low
 * halves of its inputs, or 0. */
static TCGOpcode narrow_form(const TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_add_i64: return INDEX_op_add_i32;
    case INDEX_op_sub_i64: return INDEX_op_sub_i32;
    case INDEX_op_mul_i64: return INDEX_op_mul_i32;
    case INDEX_op_and_i64: return INDEX_op_and_i32;
    case INDEX_op_or_i64:  return INDEX_op_or_i32;
    case INDEX_op_xor_i64: return INDEX_op_xor_i32;
    case INDEX_op_andc_i64: return INDEX_op_andc_i32;
    case INDEX_op_neg_i64: return INDEX_op_neg_i32;
    case INDEX_op_not_i64: return INDEX_op_not_i32;
    default:               return 0;
    }
}

/* Whether input i (counted among the inputs) of op is read only in its
 * low 32 bits, given whether the op's result has a demanded high half. */
static bool input_low_only(const TCGOp *op, unsigned i, bool out_hi)
{
    switch (op->opc) {
    case INDEX_op_add_i32 ... INDEX_op_rotr_i64:
        if ((op->opc - INDEX_op_add_i32) % 2 == 0) {
            return true;                /* _i32 binop */
        }
        return !out_hi && narrow_form(op);
    case INDEX_op_neg_i32: case INDEX_op_not_i32:
    case INDEX_op_ext8u: case INDEX_op_ext8s:
    case INDEX_op_ext16u: case INDEX_op_ext16s:
    case INDEX_op_ext32u: case INDEX_op_ext32s:
    case INDEX_op_bswap16: case INDEX_op_bswap32:
    case INDEX_op_setcond_i32: case INDEX_op_brcond_i32:
    case INDEX_op_st8: case INDEX_op_st16: case INDEX_op_st32:
        return true;
    case INDEX_op_neg_i64: case INDEX_op_not_i64: case INDEX_op_mov:
        return !out_hi;
    case INDEX_op_extract: case INDEX_op_sextract:
        return op_carg(op, 0) + op_carg(op, 1) <= 32;
    case INDEX_op_deposit:              /* d = deposit(a, b, ofs, len) */
        if (i == 1) {
            return op_carg(op, 1) <= 32;
        }
        return !out_hi && op_carg(op, 0) + op_carg(op, 1) <= 32;
    case INDEX_op_qemu_st:              /* value, address */
        return i == 0 && (op_carg(op, 0) & MO_SIZE) <= MO_32;
    default:
        return false;
    }
}

/* Rewrite op, whose result's high half nobody reads. */
static void narrow_op(TCGOp *op)
{
    TCGOpcode narrow = narrow_form(op);

    if (op->opc == INDEX_op_ext32u || op->opc == INDEX_op_ext32s) {
        op->opc = INDEX_op_mov;
    } else if (narrow) {
        op->opc = narrow;
    }
}

static void demand_op(DemandState *ds, TCGOp *op)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    bool out_hi = false;

    if (op->opc == INDEX_op_nop || op->opc == INDEX_op_insn_start) {
        return;
    }
    if (def->flags & TCG_OPF_BB_END) {
        demand_kinds(ds, !(def->flags & TCG_OPF_EXIT));
    } else if ((def->flags & TCG_OPF_SYNC) || op->opc == INDEX_op_call ||
               (op->opc >= INDEX_op_ld8u && op->opc <= INDEX_op_st64 &&
                op_carg(op, 1) != TCG_NO_ALIAS)) {
        /* as liveness.c, but every global: a superset is safe */
        demand_globals(ds);
    }
    for (unsigned i = 0; i < op->nb_oargs; i++) {
        TCGTemp *t = arg_temp(op->args[i]);

        out_hi |= ds->hi[t->index];
        ds->hi[t->index] = false;
    }
    if (op->nb_oargs == 1 && !out_hi) {
        narrow_op(op);
    }
    for (unsigned i = 0; i < op->nb_iargs; i++) {
        TCGTemp *t = arg_temp(op->args[op->nb_oargs + i]);

        if (!input_low_only(op, i, out_hi)) {
            ds->hi[t->index] = true;
        }
    }
}

void tcg_demand(TCGContext *s)
{
    g_autofree DemandState *ds = g_new(DemandState, 1);

    ds->s = s;
    demand_kinds(ds, false);
    for (unsigned i = s->nb_ops; i-- > 0;) {
        demand_op(ds, &s->ops[i]);
    }
}
