/* SPDX-License-Identifier: MIT */
/*
 * The forward optimizer: constant folding, algebraic simplification, copy
 * propagation (classes of temps known to hold the same value), redundant
 * move removal, unreachable code after unconditional exits and labels
 * nobody jumps to. Dead code and dead global stores are removed after
 * this by the backward pass in tcg/liveness.c.
 * Known-zero high halves: a temp written by an _i32 op, a zero-extension
 * or a narrow load has bits 32..63 clear, so a later ext32u of it (the
 * x86 translator zero-extends every 32-bit operand and result) is a move.
 * Called by tcg_gen_code() once per block.
 * Knowledge is dropped at every label; plain temps leave their copy
 * classes at every branch, since they die there.
 */
#include "kestrel/osdep.h"
#include "tcg/tcg-eval.h"

typedef struct OptState {
    TCGContext *s;
    bool unreachable;
} OptState;

static void temp_reset(TCGTemp *t)
{
    t->prev_copy->next_copy = t->next_copy;
    t->next_copy->prev_copy = t->prev_copy;
    t->prev_copy = t->next_copy = t;
    t->is_const = t->kind == TEMP_CONST;
    t->cval = t->val;
    t->z32 = t->is_const && t->cval <= UINT32_MAX;
}

static void reset_all(TCGContext *s, bool normals_only)
{
    for (unsigned i = 0; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];

        if (!normals_only || t->kind == TEMP_NORMAL) {
            temp_reset(t);
        }
    }
}

static void reset_globals(TCGContext *s)
{
    for (unsigned i = 0; i < s->nb_globals; i++) {
        temp_reset(&s->temps[i]);
    }
}

static bool temps_are_copies(TCGTemp *a, TCGTemp *b)
{
    if (a == b) {
        return true;
    }
    if (a->is_const && b->is_const) {
        return a->cval == b->cval;
    }
    for (TCGTemp *t = a->next_copy; t != a; t = t->next_copy) {
        if (t == b) {
            return true;
        }
    }
    return false;
}

/* A constant temp, ready for the copy tracking even if new. */
static TCGTemp *opt_const(TCGContext *s, uint64_t v)
{
    TCGTemp *t = tcg_const(s, v);

    if (!t->next_copy) {
        t->prev_copy = t->next_copy = t;
        t->is_const = true;
        t->cval = v;
    }
    return t;
}

/* The best equal temp to read instead of t: a constant, then a global,
 * then a local, then t itself. */
static TCGTemp *best_copy(TCGContext *s, TCGTemp *t)
{
    TCGTemp *best = t;

    if (t->is_const) {
        return t->kind == TEMP_CONST ? t : opt_const(s, t->cval);
    }
    for (TCGTemp *c = t->next_copy; c != t; c = c->next_copy) {
        if (c->kind < best->kind) {
            best = c;
        }
    }
    return best;
}

static void set_mov(TCGContext *s, TCGOp *op, TCGTemp *d, TCGTemp *src)
{
    op->opc = INDEX_op_mov;
    op->nb_oargs = 1;
    op->nb_iargs = 1;
    op->args[0] = temp_arg(d);
    op->args[1] = temp_arg(src);
}

static void set_movi(TCGContext *s, TCGOp *op, TCGTemp *d, uint64_t v)
{
    set_mov(s, op, d, opt_const(s, v));
}

static bool is_const_val(TCGTemp *t, uint64_t v)
{
    return t->is_const && t->cval == v;
}

/* binops come in pairs: _i32 first */
static bool binop_is_i32(TCGOpcode opc)
{
    return (opc - INDEX_op_add_i32) % 2 == 0;
}

static bool op_commutes(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_add_i32: case INDEX_op_add_i64:
    case INDEX_op_mul_i32: case INDEX_op_mul_i64:
    case INDEX_op_and_i32: case INDEX_op_and_i64:
    case INDEX_op_or_i32: case INDEX_op_or_i64:
    case INDEX_op_xor_i32: case INDEX_op_xor_i64:
        return true;
    default:
        return false;
    }
}

/* x OP 0 == x for these */
static bool op_zero_identity(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_add_i32: case INDEX_op_add_i64:
    case INDEX_op_sub_i32: case INDEX_op_sub_i64:
    case INDEX_op_or_i32: case INDEX_op_or_i64:
    case INDEX_op_xor_i32: case INDEX_op_xor_i64:
    case INDEX_op_andc_i32: case INDEX_op_andc_i64:
    case INDEX_op_shl_i32: case INDEX_op_shl_i64:
    case INDEX_op_shr_i32: case INDEX_op_shr_i64:
    case INDEX_op_sar_i32: case INDEX_op_sar_i64:
    case INDEX_op_rotl_i32: case INDEX_op_rotl_i64:
    case INDEX_op_rotr_i32: case INDEX_op_rotr_i64:
        return true;
    default:
        return false;
    }
}

static bool op_is_unop(TCGOpcode opc)
{
    return opc >= INDEX_op_neg_i32 && opc <= INDEX_op_bswap64;
}

static bool op_is_binop(TCGOpcode opc)
{
    return opc >= INDEX_op_add_i32 && opc <= INDEX_op_rotr_i64;
}

/* "d = a" for an op of this width: a plain move, or a zero-extension. */
static void set_copy(TCGContext *s, TCGOp *op, TCGTemp *d, TCGTemp *a,
                     bool i32)
{
    if (!i32) {
        set_mov(s, op, d, a);
    } else if (a->is_const) {
        set_movi(s, op, d, (uint32_t)a->cval);
    } else {
        op->opc = INDEX_op_ext32u;
        op->args[0] = temp_arg(d);
        op->args[1] = temp_arg(a);
        op->nb_oargs = op->nb_iargs = 1;
    }
}

/* Simplify a binop whose result does not need computing; true if done. */
static bool fold_binop(TCGContext *s, TCGOp *op)
{
    TCGOpcode opc = op->opc;
    TCGTemp *d = arg_temp(op->args[0]);
    TCGTemp *a = arg_temp(op->args[1]);
    TCGTemp *b = arg_temp(op->args[2]);
    bool i32 = binop_is_i32(opc);

    if (a->is_const && b->is_const) {
        set_movi(s, op, d, tcg_eval_op(opc, a->cval, b->cval));
        return true;
    }
    if (op_commutes(opc) && a->is_const) {
        op->args[1] = temp_arg(b);
        op->args[2] = temp_arg(a);
        a = arg_temp(op->args[1]);
        b = arg_temp(op->args[2]);
    }
    if (op_zero_identity(opc) && is_const_val(b, 0)) {
        set_copy(s, op, d, a, i32);
        return true;
    }
    switch (opc) {
    case INDEX_op_and_i32: case INDEX_op_and_i64:
    case INDEX_op_mul_i32: case INDEX_op_mul_i64:
        if (is_const_val(b, 0)) {
            set_movi(s, op, d, 0);
            return true;
        }
        break;
    default:
        break;
    }
    if ((opc == INDEX_op_and_i64 && is_const_val(b, UINT64_MAX)) ||
        ((opc == INDEX_op_mul_i64 || opc == INDEX_op_mul_i32) &&
         is_const_val(b, 1))) {
        set_copy(s, op, d, a, i32);
        return true;
    }
    if (temps_are_copies(a, b)) {
        switch (opc) {
        case INDEX_op_and_i32: case INDEX_op_and_i64:
        case INDEX_op_or_i32: case INDEX_op_or_i64:
            set_copy(s, op, d, a, i32);
            return true;
        case INDEX_op_sub_i32: case INDEX_op_sub_i64:
        case INDEX_op_xor_i32: case INDEX_op_xor_i64:
        case INDEX_op_andc_i32: case INDEX_op_andc_i64:
            set_movi(s, op, d, 0);
            return true;
        default:
            break;
        }
    }
    return false;
}

/* Fold ops with constant inputs into moves; true if the op changed. */
static bool fold_op(OptState *os, TCGOp *op)
{
    TCGContext *s = os->s;
    TCGOpcode opc = op->opc;
    TCGTemp *d = op->nb_oargs ? arg_temp(op->args[0]) : NULL;
    TCGTemp *a = op->nb_iargs ? arg_temp(op->args[op->nb_oargs]) : NULL;
    TCGTemp *b = op->nb_iargs > 1 ? arg_temp(op->args[op->nb_oargs + 1])
                                  : NULL;

    if (op_is_binop(opc)) {
        return fold_binop(s, op);
    }
    if (opc == INDEX_op_ext32u && a->z32) {
        set_mov(s, op, d, a);
        return true;
    }
    if (op_is_unop(opc) && a->is_const) {
        set_movi(s, op, d, tcg_eval_op(opc, a->cval, 0));
        return true;
    }
    switch (opc) {
    case INDEX_op_deposit:
        if (a->is_const && b->is_const) {
            set_movi(s, op, d, tcg_eval_deposit(a->cval, b->cval,
                                                op->args[3], op->args[4]));
            return true;
        }
        return false;
    case INDEX_op_extract:
        if (a->is_const) {
            set_movi(s, op, d, tcg_eval_extract(a->cval, op->args[2],
                                                op->args[3]));
            return true;
        }
        return false;
    case INDEX_op_sextract:
        if (a->is_const) {
            set_movi(s, op, d, tcg_eval_sextract(a->cval, op->args[2],
                                                 op->args[3]));
            return true;
        }
        return false;
    case INDEX_op_setcond_i32:
    case INDEX_op_setcond_i64:
        if (a->is_const && b->is_const) {
            bool r = opc == INDEX_op_setcond_i32 ?
                tcg_eval_cond32(op->args[3], a->cval, b->cval) :
                tcg_eval_cond(op->args[3], a->cval, b->cval);

            set_movi(s, op, d, r);
            return true;
        }
        return false;
    case INDEX_op_movcond_i64:
        if (a->is_const && b->is_const) {
            bool r = tcg_eval_cond(op->args[5], a->cval, b->cval);

            set_mov(s, op, d, arg_temp(op->args[r ? 3 : 4]));
            return true;
        }
        if (temps_are_copies(arg_temp(op->args[3]),
                             arg_temp(op->args[4]))) {
            set_mov(s, op, d, arg_temp(op->args[3]));
            return true;
        }
        return false;
    default:
        return false;
    }
}

static void fold_brcond(OptState *os, TCGOp *op)
{
    TCGTemp *a = arg_temp(op->args[0]);
    TCGTemp *b = arg_temp(op->args[1]);
    TCGCond c = op->args[2];
    int r = -1;

    if (a->is_const && b->is_const) {
        r = op->opc == INDEX_op_brcond_i32 ?
            tcg_eval_cond32(c, a->cval, b->cval) :
            tcg_eval_cond(c, a->cval, b->cval);
    } else if (temps_are_copies(a, b) && c != TCG_COND_TSTEQ &&
               c != TCG_COND_TSTNE) {
        r = tcg_eval_cond(c, 0, 0);
    }
    if (r == 0) {
        tcg_op_set_nop(op);
    } else if (r == 1) {
        TCGArg l = op->args[3];

        tcg_op_set_nop(op);
        op->opc = INDEX_op_br;
        op->args[0] = l;
    }
}

/* Replace each input by the best temp known to hold its value. */
static void propagate_inputs(TCGContext *s, TCGOp *op)
{
    for (unsigned i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
        op->args[i] = temp_arg(best_copy(s, arg_temp(op->args[i])));
    }
}

/* Whether the result of op (not a mov) has bits 32..63 clear. */
static bool op_result_z32(TCGOp *op)
{
    TCGOpcode opc = op->opc;

    if (op_is_binop(opc)) {
        return binop_is_i32(opc) ||
               (opc == INDEX_op_and_i64 &&
                (arg_temp(op->args[1])->z32 || arg_temp(op->args[2])->z32));
    }
    switch (opc) {
    case INDEX_op_neg_i32: case INDEX_op_not_i32:
    case INDEX_op_ext8u: case INDEX_op_ext16u: case INDEX_op_ext32u:
    case INDEX_op_bswap16: case INDEX_op_bswap32:
    case INDEX_op_setcond_i32: case INDEX_op_setcond_i64:
    case INDEX_op_ld8u: case INDEX_op_ld16u: case INDEX_op_ld32u:
        return true;
    case INDEX_op_extract:
        return op->args[3] <= 32;
    case INDEX_op_qemu_ld:
        return (op->args[2] & MO_SIZE) <= MO_32 && !(op->args[2] & MO_SIGN);
    case INDEX_op_movcond_i64:
        return arg_temp(op->args[3])->z32 && arg_temp(op->args[4])->z32;
    default:
        return false;
    }
}

static void record_outputs(TCGContext *s, TCGOp *op)
{
    bool z32 = op->nb_oargs == 1 && op->opc != INDEX_op_mov &&
               op_result_z32(op);

    for (unsigned i = 0; i < op->nb_oargs; i++) {
        temp_reset(arg_temp(op->args[i]));
    }
    if (op->nb_oargs == 1) {
        arg_temp(op->args[0])->z32 |= z32;
    }
    if (op->opc == INDEX_op_mov) {
        TCGTemp *d = arg_temp(op->args[0]);
        TCGTemp *src = arg_temp(op->args[1]);

        d->z32 = src->z32;
        if (src->is_const) {
            d->is_const = true;
            d->cval = src->cval;
        } else {
            d->next_copy = src->next_copy;
            d->prev_copy = src;
            src->next_copy->prev_copy = d;
            src->next_copy = d;
        }
    }
}

/* Effects on env: helper calls and env stores may change globals. */
static void record_env_effects(TCGContext *s, TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_call:
        if (!(op_carg(op, 1) & TCG_CALL_NO_WRITE_GLOBALS)) {
            reset_globals(s);
        }
        break;
    case INDEX_op_st8: case INDEX_op_st16:
    case INDEX_op_st32: case INDEX_op_st64: {
        TCGArg alias = op->args[2];

        if (alias == TCG_ALIAS_ALL) {
            reset_globals(s);
        } else if (alias != TCG_NO_ALIAS) {
            temp_reset(&s->temps[alias]);
        }
        break;
    }
    default:
        break;
    }
}

static void optimize_op(OptState *os, TCGOp *op)
{
    TCGContext *s = os->s;
    const TCGOpDef *def = &tcg_op_defs[op->opc];

    if (op->opc == INDEX_op_set_label) {
        reset_all(s, false);
        os->unreachable = false;
        return;
    }
    if (os->unreachable) {
        if (op->opc != INDEX_op_insn_start) {
            tcg_op_set_nop(op);
        }
        return;
    }
    propagate_inputs(s, op);
    if (op->opc == INDEX_op_brcond_i32 || op->opc == INDEX_op_brcond_i64) {
        fold_brcond(os, op);
        def = &tcg_op_defs[op->opc];
    } else if (!(def->flags & TCG_OPF_SIDE_EFFECTS)) {
        fold_op(os, op);
    }
    if (op->opc == INDEX_op_mov &&
        temps_are_copies(arg_temp(op->args[0]), arg_temp(op->args[1]))) {
        tcg_op_set_nop(op);
        return;
    }
    record_outputs(s, op);
    record_env_effects(s, op);
    if (def->flags & TCG_OPF_BB_END) {
        reset_all(s, true);
    }
    if (op->opc == INDEX_op_br || (def->flags & TCG_OPF_EXIT)) {
        os->unreachable = true;
    }
}

/* Labels that no branch targets are not block boundaries. */
static void remove_unused_labels(TCGContext *s)
{
    g_autoptr(GHashTable) used = g_hash_table_new(NULL, NULL);

    for (unsigned i = 0; i < s->nb_ops; i++) {
        TCGOp *op = &s->ops[i];

        if (op->opc == INDEX_op_br) {
            g_hash_table_add(used, (void *)(uintptr_t)op->args[0]);
        } else if (op->opc == INDEX_op_brcond_i32 ||
                   op->opc == INDEX_op_brcond_i64) {
            g_hash_table_add(used, (void *)(uintptr_t)op->args[3]);
        }
    }
    for (unsigned i = 0; i < s->nb_ops; i++) {
        TCGOp *op = &s->ops[i];

        if (op->opc == INDEX_op_set_label &&
            !g_hash_table_contains(used, (void *)(uintptr_t)op->args[0])) {
            tcg_op_set_nop(op);
        }
    }
}

void tcg_optimize(TCGContext *s)
{
    OptState os = { .s = s };

    remove_unused_labels(s);
    for (unsigned i = 0; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];

        t->prev_copy = t->next_copy = t;
        t->is_const = t->kind == TEMP_CONST;
        t->cval = t->val;
        t->z32 = t->is_const && t->cval <= UINT32_MAX;
    }
    for (unsigned i = 0; i < s->nb_ops; i++) {
        optimize_op(&os, &s->ops[i]);
    }
    remove_unused_labels(s);
}
