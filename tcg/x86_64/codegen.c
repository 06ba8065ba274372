/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 JIT back-end driver: the prologue/epilogue that enters a
 * chain of blocks, and the walk over a block's ops that lowers moves, env
 * loads/stores, control flow (labels, branches, goto_tb, exit_tb,
 * lookup_and_goto_ptr) and the insn_start table; value ops go to alu.c,
 * memory accesses and calls to ldst.c.
 * Called by tcg_gen_code() (JIT contexts) and tcg_init() (prologue).
 * goto_tb emits a 5-byte JMP whose rel32 is 4-byte aligned, so chaining
 * patches it with one atomic store while other vCPUs may run it.
 * Ref: Intel SDM Vol. 3A 8.1.3 (cross-modifying code), System V AMD64
 * psABI 3.2 (callee-saved registers, stack alignment).
 */
#include "kestrel/osdep.h"
#include "tcg/x86_64/emit.h"

uintptr_t (*tcg_x86_prologue)(CPUEnv *env, const void *code);
static uint8_t *tcg_x86_epilogue;

static const int8_t saved_regs[] = { R_BP, R_BX, R_12, R_13, R_14, R_15 };

size_t tcg_x86_emit_prologue(uint8_t *buf, size_t size)
{
    X86Gen g = { .p = buf };

    /* six pushes keep rsp 8 mod 16; FRAME_SIZE is 8 mod 16 too */
    G_STATIC_ASSERT(FRAME_SIZE % 16 == 8);
    tcg_x86_prologue = (void *)buf;
    for (unsigned i = 0; i < G_N_ELEMENTS(saved_regs); i++) {
        x86_opc(&g, 0x50 + (saved_regs[i] & 7), 0, saved_regs[i], -1);
    }
    x86_mov_rr(&g, TCG_ENV_REG, R_DI);
    x86_alu_ri(&g, P_REXW, ALU_SUB, R_SP, FRAME_SIZE);
    x86_modrm(&g, 0xff, 4, R_SI);                       /* jmp *%rsi */

    tcg_x86_epilogue = g.p;
    x86_alu_ri(&g, P_REXW, ALU_ADD, R_SP, FRAME_SIZE);
    for (unsigned i = G_N_ELEMENTS(saved_regs); i-- > 0;) {
        x86_opc(&g, 0x58 + (saved_regs[i] & 7), 0, saved_regs[i], -1);
    }
    out8(&g, 0xc3);                                     /* ret */
    g_assert((size_t)(g.p - buf) <= size);
    return g.p - buf;
}

static void gen_mov(X86Gen *g, const TCGOp *op)
{
    TCGTemp *d = arg_temp(op->args[0]);
    TCGTemp *a = arg_temp(op->args[1]);
    int r;

    if (a->val_type == TEMP_VAL_CONST) {
        ra_set_const(g, d, a->val);
        return;
    }
    if (a->val_type == TEMP_VAL_REG && op_arg_dead(op, 1) &&
        a->kind != TEMP_CONST) {
        r = a->reg;
        ra_release(g, a);
        ra_set_output(g, d, r);
        return;
    }
    r = ra_alloc(g, ~0u, d->kind != TEMP_NORMAL);
    ra_copy_to(g, a, r);
    ra_set_output(g, d, r);
}

/* env loads/stores; an access overlapping a global syncs it first, and a
 * store makes the allocator forget the global's cached value. */
static void gen_env_access(X86Gen *g, const TCGOp *op)
{
    static const unsigned opc[] = {
        [INDEX_op_ld8u - INDEX_op_ld8u] = 0xb6 | P_EXT,
        [INDEX_op_ld16u - INDEX_op_ld8u] = 0xb7 | P_EXT,
        [INDEX_op_ld32u - INDEX_op_ld8u] = 0x8b,
        [INDEX_op_ld64 - INDEX_op_ld8u] = 0x8b | P_REXW,
        [INDEX_op_st8 - INDEX_op_ld8u] = 0x88 | P_BYTE_R,
        [INDEX_op_st16 - INDEX_op_ld8u] = 0x89 | P_DATA16,
        [INDEX_op_st32 - INDEX_op_ld8u] = 0x89,
        [INDEX_op_st64 - INDEX_op_ld8u] = 0x89 | P_REXW,
    };
    TCGTemp *t = arg_temp(op->args[0]);
    int32_t ofs = op->args[1];
    TCGArg alias = op->args[2];
    bool is_st = op->opc >= INDEX_op_st8;
    int r;

    if (alias == TCG_ALIAS_ALL) {
        ra_sync_globals(g);
    } else if (alias != TCG_NO_ALIAS) {
        ra_sync(g, &g->s->temps[alias]);
    }
    if (is_st) {
        r = ra_load(g, t);
        x86_modrm_ofs(g, opc[op->opc - INDEX_op_ld8u], r, TCG_ENV_REG, ofs);
        if (alias == TCG_ALIAS_ALL) {
            ra_forget_globals(g);
        } else if (alias != TCG_NO_ALIAS && &g->s->temps[alias] != t) {
            ra_release(g, &g->s->temps[alias]);
        } else if (alias != TCG_NO_ALIAS) {
            t->mem_coherent = false;    /* only part of it was stored */
        }
    } else {
        r = ra_alloc(g, ~0u, t->kind != TEMP_NORMAL);
        x86_modrm_ofs(g, opc[op->opc - INDEX_op_ld8u], r, TCG_ENV_REG, ofs);
        ra_set_output(g, t, r);
    }
}

static void emit_label_ref(X86Gen *g, TCGLabel *l)
{
    uint32_t pos = g->p - g->code;

    if (!l->relocs) {
        l->relocs = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    }
    g_array_append_val(l->relocs, pos);
    out32(g, 0);
}

static void gen_jump(X86Gen *g, int cc, TCGLabel *l)
{
    if (l->has_value) {
        if (cc < 0) {
            x86_jmp_abs(g, g->code + l->value);
        } else {
            x86_jcc_abs(g, cc, g->code + l->value);
        }
        return;
    }
    if (cc < 0) {
        out8(g, 0xe9);
    } else {
        out8(g, 0x0f);
        out8(g, 0x80 + cc);
    }
    emit_label_ref(g, l);
}

static void resolve_labels(X86Gen *g)
{
    TCGContext *s = g->s;

    for (unsigned i = 0; i < s->labels->len; i++) {
        TCGLabel *l = g_ptr_array_index(s->labels, i);

        for (unsigned j = 0; l->relocs && j < l->relocs->len; j++) {
            uint8_t *at = g->code + g_array_index(l->relocs, uint32_t, j);

            x86_patch_rel32(at, g->code + l->value);
        }
    }
}

static void gen_brcond(X86Gen *g, const TCGOp *op)
{
    TCGTemp *a = arg_temp(op->args[0]);
    TCGTemp *b = arg_temp(op->args[1]);
    int cc;

    /* write back first; loading a and b below adds nothing dirty */
    ra_sync_bb(g);
    cc = x86_gen_compare(g, op->args[2], a, b,
                         op->opc == INDEX_op_brcond_i64);
    gen_jump(g, cc, (TCGLabel *)(uintptr_t)op->args[3]);
    /* plain temps are dead after a branch; their registers are free */
    ra_bb_end(g, false);
}

/*
 * `ld32u t, ofs; brcond t, 0, eq/ne, L` with t dying at the branch (the
 * exit_flag test at every block's entry) as one compare of env memory
 * with 0. Returns false, emitting nothing, for anything else.
 */
static bool gen_ld_brcond(X86Gen *g, const TCGOp *ld, const TCGOp *br)
{
    TCGTemp *t = arg_temp(ld->args[0]);
    TCGCond c;

    if (ld->opc != INDEX_op_ld32u || ld->args[2] != TCG_NO_ALIAS ||
        t->kind != TEMP_NORMAL ||
        (br->opc != INDEX_op_brcond_i32 && br->opc != INDEX_op_brcond_i64) ||
        arg_temp(br->args[0]) != t || !op_arg_dead(br, 0) ||
        !temp_is_const(arg_temp(br->args[1])) ||
        arg_temp(br->args[1])->val != 0) {
        return false;
    }
    c = br->args[2];
    if (c != TCG_COND_EQ && c != TCG_COND_NE) {
        return false;
    }
    ra_sync_bb(g);
    x86_modrm_ofs(g, 0x83, 7, TCG_ENV_REG, ld->args[1]);  /* cmp m32, 0 */
    out8(g, 0);
    gen_jump(g, c == TCG_COND_EQ ? CC_E : CC_NE,
             (TCGLabel *)(uintptr_t)br->args[3]);
    ra_bb_end(g, false);
    return true;
}

static void gen_goto_tb(X86Gen *g, const TCGOp *op)
{
    unsigned n = op->args[0];

    ra_sync_globals(g);
    while (((uintptr_t)g->p + 1) & 3) {
        out8(g, 0x90);
    }
    out8(g, 0xe9);
    g->h->jmp_ofs[n] = g->p - g->code;
    g->h->jmp_reset[n] = 0;
    out32(g, 0);                        /* falls through to exit_tb */
}

static void gen_exit_tb(X86Gen *g, const TCGOp *op)
{
    ra_sync_globals(g);
    x86_movi(g, R_AX, op->args[0]);
    x86_jmp_abs(g, tcg_x86_epilogue);
}

static void gen_goto_ptr(X86Gen *g)
{
    g_assert(tcg_lookup_fn);
    ra_sync_globals(g);
    x86_mov_rr(g, R_DI, TCG_ENV_REG);
    x86_call(g, (void *)tcg_lookup_fn);
    x86_modrm(g, 0x85 | P_REXW, R_AX, R_AX);           /* test rax, rax */
    x86_jcc_abs(g, CC_E, tcg_x86_epilogue);             /* rax = 0 */
    x86_modrm(g, 0xff, 4, R_AX);                        /* jmp *%rax */
}

static void gen_op(X86Gen *g, const TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_nop:
        return;
    case INDEX_op_insn_start: {
        TcgInsnEntry e = { .start = g->p - g->code,
                           .data = { op->args[0], op->args[1] } };

        g_array_append_val(g->insns, e);
        return;
    }
    case INDEX_op_set_label: {
        TCGLabel *l = (TCGLabel *)(uintptr_t)op->args[0];

        ra_bb_end(g, true);
        l->value = g->p - g->code;
        l->has_value = true;
        return;
    }
    case INDEX_op_br:
        ra_bb_end(g, false);
        gen_jump(g, -1, (TCGLabel *)(uintptr_t)op->args[0]);
        break;
    case INDEX_op_brcond_i32:
    case INDEX_op_brcond_i64:
        gen_brcond(g, op);
        break;
    case INDEX_op_goto_tb:
        gen_goto_tb(g, op);
        break;
    case INDEX_op_exit_tb:
        gen_exit_tb(g, op);
        break;
    case INDEX_op_goto_ptr:
        gen_goto_ptr(g);
        break;
    case INDEX_op_call:
        x86_gen_call(g, op);
        break;
    case INDEX_op_mov:
        gen_mov(g, op);
        break;
    case INDEX_op_ld8u ... INDEX_op_st64:
        gen_env_access(g, op);
        break;
    case INDEX_op_qemu_ld:
        x86_gen_qemu_ld(g, op);
        break;
    case INDEX_op_qemu_st:
        x86_gen_qemu_st(g, op);
        break;
    default:
        if (!x86_gen_alu(g, op)) {
            ks_abort("tcg: no x86-64 lowering for op %s",
                     tcg_op_defs[op->opc].name);
        }
        break;
    }
    ra_free_dead(g, op);
}

int tcg_x86_gen_code(TCGContext *s, TcgCodeOut *out)
{
    X86Gen g = { .s = s };
    int ret = TCG_GEN_FULL;

    g.h = tcg_block_begin(&g.code);
    g.limit = tcg_code_buf.end - 16384;
    if (!g.h || g.code >= g.limit) {
        return TCG_GEN_FULL;
    }
    g.p = g.code;
    g.h->kind = TCG_BLOCK_JIT;
    g.insns = g_array_new(FALSE, FALSE, sizeof(TcgInsnEntry));
    x86_stubs_init(&g);
    ra_init(&g);
    for (unsigned i = 0; i < s->nb_ops; i++) {
        if (g.p > g.limit) {
            break;
        }
        if (i + 1 < s->nb_ops &&
            gen_ld_brcond(&g, &s->ops[i], &s->ops[i + 1])) {
            i++;
            continue;
        }
        gen_op(&g, &s->ops[i]);
    }
    if (g.p <= g.limit && x86_emit_stubs(&g)) {
        resolve_labels(&g);
        ret = tcg_block_finish(g.h, g.code, g.p,
                               (TcgInsnEntry *)g.insns->data, g.insns->len,
                               out);
    }
    x86_stubs_free(&g);
    g_array_free(g.insns, TRUE);
    return ret;
}
