/* SPDX-License-Identifier: MIT */
/*
 * Backward liveness: removes ops whose results nobody reads (dead code),
 * which includes a global written twice with no read and no sync point in
 * between (dead flag stores: only the last cc_op/cc_src/cc_dst store
 * before a use, a helper call, a memory access or an exit survives), and
 * marks in each op which temp arguments die there, for the register
 * allocator and the interpreter builder.
 * Called by tcg_gen_code() after tcg_optimize().
 * Rules: at block exits only globals are live; at branches and labels
 * globals and locals are live and plain temps are dead; at a sync point
 * (memory access, goto_tb, helper touching globals, env access overlapping
 * a global) the globals concerned are live, since env must hold them.
 */
#include "kestrel/osdep.h"
#include "tcg/tcg-internal.h"

static void set_kind_live(TCGContext *s, bool globals, bool locals)
{
    for (unsigned i = 0; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];

        switch (t->kind) {
        case TEMP_GLOBAL:
            t->live = globals;
            break;
        case TEMP_LOCAL:
            t->live = locals;
            break;
        case TEMP_NORMAL:
            t->live = false;
            break;
        default:
            t->live = true;
            break;
        }
    }
}

static void globals_live(TCGContext *s)
{
    for (unsigned i = 0; i < s->nb_globals; i++) {
        s->temps[i].live = true;
    }
}

static bool op_removable(const TCGOp *op)
{
    if (op->opc == INDEX_op_call) {
        return op->nb_oargs &&
               (op_carg(op, 1) & TCG_CALL_NO_SIDE_EFFECTS);
    }
    return op->nb_oargs && !(tcg_op_defs[op->opc].flags &
                             TCG_OPF_SIDE_EFFECTS);
}

static bool outputs_dead(const TCGOp *op)
{
    for (unsigned i = 0; i < op->nb_oargs; i++) {
        if (arg_temp(op->args[i])->live) {
            return false;
        }
    }
    return true;
}

/* Globals that must be in env before this op runs. */
static void sync_effects(TCGContext *s, const TCGOp *op)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];

    if (def->flags & TCG_OPF_SYNC) {
        globals_live(s);
    }
    switch (op->opc) {
    case INDEX_op_call:
        if ((op_carg(op, 1) & (TCG_CALL_NO_READ_GLOBALS |
                               TCG_CALL_NO_WRITE_GLOBALS)) !=
            (TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS)) {
            globals_live(s);
        }
        break;
    case INDEX_op_ld8u: case INDEX_op_ld16u:
    case INDEX_op_ld32u: case INDEX_op_ld64:
    case INDEX_op_st8: case INDEX_op_st16:
    case INDEX_op_st32: case INDEX_op_st64: {
        TCGArg alias = op_carg(op, 1);

        if (alias == TCG_ALIAS_ALL) {
            globals_live(s);
        } else if (alias != TCG_NO_ALIAS) {
            s->temps[alias].live = true;
        }
        break;
    }
    default:
        break;
    }
}

static void liveness_op(TCGContext *s, TCGOp *op)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    unsigned nt = op->nb_oargs + op->nb_iargs;

    if (op->opc == INDEX_op_nop || op->opc == INDEX_op_insn_start) {
        return;
    }
    if (def->flags & TCG_OPF_BB_END) {
        if (def->flags & TCG_OPF_EXIT) {
            set_kind_live(s, true, false);
        } else {
            set_kind_live(s, true, true);
        }
    }
    if (op_removable(op) && outputs_dead(op)) {
        tcg_op_set_nop(op);
        return;
    }
    op->dead = 0;
    for (unsigned i = 0; i < op->nb_oargs; i++) {
        TCGTemp *t = arg_temp(op->args[i]);

        if (!t->live) {
            op->dead |= 1u << i;
        }
        t->live = false;
    }
    sync_effects(s, op);
    for (unsigned i = op->nb_oargs; i < nt; i++) {
        if (!arg_temp(op->args[i])->live) {
            op->dead |= 1u << i;
        }
    }
    for (unsigned i = op->nb_oargs; i < nt; i++) {
        arg_temp(op->args[i])->live = true;
    }
}

void tcg_liveness(TCGContext *s)
{
    set_kind_live(s, true, false);
    for (unsigned i = s->nb_ops; i-- > 0;) {
        liveness_op(s, &s->ops[i]);
    }
}
