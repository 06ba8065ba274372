/* SPDX-License-Identifier: MIT */
/*
 * The IR builder API of tcg/tcg.h: each tcg_gen_* appends one op (rarely
 * two) to the context. No optimization happens here; tcg/optimize.c does
 * it on the whole block.
 * Called by the x86 translator (cpu/x86/translate*.c) and the unit tests.
 */
#include "kestrel/osdep.h"
#include "tcg/tcg-internal.h"

static TCGOp *op1(TCGContext *s, TCGOpcode opc, TCGv a0)
{
    TCGOp *op = tcg_emit_op(s, opc);

    op->args[0] = temp_arg(a0);
    return op;
}

static TCGOp *op2(TCGContext *s, TCGOpcode opc, TCGv a0, TCGv a1)
{
    TCGOp *op = op1(s, opc, a0);

    op->args[1] = temp_arg(a1);
    return op;
}

static TCGOp *op3(TCGContext *s, TCGOpcode opc, TCGv a0, TCGv a1, TCGv a2)
{
    TCGOp *op = op2(s, opc, a0, a1);

    op->args[2] = temp_arg(a2);
    return op;
}

static void check_writable(TCGv t)
{
    g_assert(t->kind != TEMP_CONST);
}

/* ---- labels and branches ---- */

void gen_set_label(TCGContext *s, TCGLabel *l)
{
    TCGOp *op = tcg_emit_op(s, INDEX_op_set_label);

    l->present = true;
    op->args[0] = (uintptr_t)l;
}

void tcg_gen_br(TCGContext *s, TCGLabel *l)
{
    TCGOp *op = tcg_emit_op(s, INDEX_op_br);

    op->args[0] = (uintptr_t)l;
}

static void gen_brcond(TCGContext *s, TCGOpcode opc, TCGCond c, TCGv a,
                       TCGv b, TCGLabel *l)
{
    TCGOp *op;

    if (c == TCG_COND_NEVER) {
        return;
    }
    if (c == TCG_COND_ALWAYS) {
        tcg_gen_br(s, l);
        return;
    }
    op = op2(s, opc, a, b);
    op->args[2] = c;
    op->args[3] = (uintptr_t)l;
}

void tcg_gen_brcond_i32(TCGContext *s, TCGCond c, TCGv a, TCGv b,
                        TCGLabel *l)
{
    gen_brcond(s, INDEX_op_brcond_i32, c, a, b, l);
}

void tcg_gen_brcond_i64(TCGContext *s, TCGCond c, TCGv a, TCGv b,
                        TCGLabel *l)
{
    gen_brcond(s, INDEX_op_brcond_i64, c, a, b, l);
}

void tcg_gen_brcondi_i64(TCGContext *s, TCGCond c, TCGv a, uint64_t b,
                         TCGLabel *l)
{
    gen_brcond(s, INDEX_op_brcond_i64, c, a, tcg_const(s, b), l);
}

/* ---- moves ---- */

void tcg_gen_mov_i64(TCGContext *s, TCGv d, TCGv a)
{
    check_writable(d);
    if (d != a) {
        op2(s, INDEX_op_mov, d, a);
    }
}

void tcg_gen_movi_i64(TCGContext *s, TCGv d, uint64_t v)
{
    tcg_gen_mov_i64(s, d, tcg_const(s, v));
}

void tcg_gen_mov_i32(TCGContext *s, TCGv d, TCGv a)
{
    check_writable(d);
    op2(s, INDEX_op_ext32u, d, a);
}

/* ---- arithmetic ---- */

#define TCG_DEF_BINOP(name)                                             \
    void tcg_gen_##name##_i32(TCGContext *s, TCGv d, TCGv a, TCGv b)    \
    {                                                                   \
        check_writable(d);                                              \
        op3(s, INDEX_op_##name##_i32, d, a, b);                         \
    }                                                                   \
    void tcg_gen_##name##_i64(TCGContext *s, TCGv d, TCGv a, TCGv b)    \
    {                                                                   \
        check_writable(d);                                              \
        op3(s, INDEX_op_##name##_i64, d, a, b);                         \
    }                                                                   \
    void tcg_gen_##name##i_i32(TCGContext *s, TCGv d, TCGv a, uint64_t b) \
    {                                                                   \
        tcg_gen_##name##_i32(s, d, a, tcg_const(s, b));                 \
    }                                                                   \
    void tcg_gen_##name##i_i64(TCGContext *s, TCGv d, TCGv a, uint64_t b) \
    {                                                                   \
        tcg_gen_##name##_i64(s, d, a, tcg_const(s, b));                 \
    }
TCG_BINOPS(TCG_DEF_BINOP)
#undef TCG_DEF_BINOP

#define TCG_DEF_UNOP(name, opname)                                      \
    void tcg_gen_##name(TCGContext *s, TCGv d, TCGv a)                  \
    {                                                                   \
        check_writable(d);                                              \
        op2(s, INDEX_op_##opname, d, a);                                \
    }
TCG_DEF_UNOP(neg_i32, neg_i32)
TCG_DEF_UNOP(neg_i64, neg_i64)
TCG_DEF_UNOP(not_i32, not_i32)
TCG_DEF_UNOP(not_i64, not_i64)
TCG_DEF_UNOP(ext8u, ext8u)
TCG_DEF_UNOP(ext8s, ext8s)
TCG_DEF_UNOP(ext16u, ext16u)
TCG_DEF_UNOP(ext16s, ext16s)
TCG_DEF_UNOP(ext32u, ext32u)
TCG_DEF_UNOP(ext32s, ext32s)
TCG_DEF_UNOP(bswap16, bswap16)
TCG_DEF_UNOP(bswap32, bswap32)
TCG_DEF_UNOP(bswap64, bswap64)
#undef TCG_DEF_UNOP

static void check_field(unsigned ofs, unsigned len)
{
    g_assert(len >= 1 && len <= 64 && ofs < 64 && ofs + len <= 64);
}

void tcg_gen_deposit_i64(TCGContext *s, TCGv d, TCGv a, TCGv b,
                         unsigned ofs, unsigned len)
{
    TCGOp *op;

    check_writable(d);
    check_field(ofs, len);
    op = op3(s, INDEX_op_deposit, d, a, b);
    op->args[3] = ofs;
    op->args[4] = len;
}

static void gen_extract(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a,
                        unsigned ofs, unsigned len)
{
    TCGOp *op;

    check_writable(d);
    check_field(ofs, len);
    op = op2(s, opc, d, a);
    op->args[2] = ofs;
    op->args[3] = len;
}

void tcg_gen_extract_i64(TCGContext *s, TCGv d, TCGv a, unsigned ofs,
                         unsigned len)
{
    gen_extract(s, INDEX_op_extract, d, a, ofs, len);
}

void tcg_gen_sextract_i64(TCGContext *s, TCGv d, TCGv a, unsigned ofs,
                          unsigned len)
{
    gen_extract(s, INDEX_op_sextract, d, a, ofs, len);
}

static void gen_mul2(TCGContext *s, TCGOpcode opc, TCGv lo, TCGv hi,
                     TCGv a, TCGv b)
{
    TCGOp *op;

    check_writable(lo);
    check_writable(hi);
    g_assert(lo != hi);
    op = op2(s, opc, lo, hi);
    op->args[2] = temp_arg(a);
    op->args[3] = temp_arg(b);
}

void tcg_gen_mulu2_i64(TCGContext *s, TCGv lo, TCGv hi, TCGv a, TCGv b)
{
    gen_mul2(s, INDEX_op_mulu2, lo, hi, a, b);
}

void tcg_gen_muls2_i64(TCGContext *s, TCGv lo, TCGv hi, TCGv a, TCGv b)
{
    gen_mul2(s, INDEX_op_muls2, lo, hi, a, b);
}

/* ---- conditions ---- */

static void gen_setcond(TCGContext *s, TCGOpcode opc, TCGCond c, TCGv d,
                        TCGv a, TCGv b)
{
    TCGOp *op;

    check_writable(d);
    if (c == TCG_COND_ALWAYS || c == TCG_COND_NEVER) {
        tcg_gen_movi_i64(s, d, c == TCG_COND_ALWAYS);
        return;
    }
    op = op3(s, opc, d, a, b);
    op->args[3] = c;
}

void tcg_gen_setcond_i32(TCGContext *s, TCGCond c, TCGv d, TCGv a, TCGv b)
{
    gen_setcond(s, INDEX_op_setcond_i32, c, d, a, b);
}

void tcg_gen_setcond_i64(TCGContext *s, TCGCond c, TCGv d, TCGv a, TCGv b)
{
    gen_setcond(s, INDEX_op_setcond_i64, c, d, a, b);
}

void tcg_gen_movcond_i64(TCGContext *s, TCGCond c, TCGv d, TCGv c1,
                         TCGv c2, TCGv v1, TCGv v2)
{
    TCGOp *op;

    check_writable(d);
    if (c == TCG_COND_ALWAYS || c == TCG_COND_NEVER) {
        tcg_gen_mov_i64(s, d, c == TCG_COND_ALWAYS ? v1 : v2);
        return;
    }
    op = op3(s, INDEX_op_movcond_i64, d, c1, c2);
    op->args[3] = temp_arg(v1);
    op->args[4] = temp_arg(v2);
    op->args[5] = c;
}

/* ---- env loads and stores ---- */

/* Which global (if any) the env access [ofs, ofs + size) overlaps. */
static TCGArg env_alias(TCGContext *s, intptr_t ofs, unsigned size)
{
    TCGArg found = TCG_NO_ALIAS;

    for (unsigned i = 0; i < s->nb_globals; i++) {
        const TCGTemp *g = &s->temps[i];

        if (ofs < g->mem_offset + g->size && g->mem_offset < ofs + size) {
            if (found != TCG_NO_ALIAS) {
                return TCG_ALIAS_ALL;
            }
            found = i;
        }
    }
    return found;
}

static void gen_env_ld(TCGContext *s, TCGOpcode opc, TCGv d, intptr_t ofs,
                       unsigned size)
{
    TCGOp *op;

    check_writable(d);
    op = op1(s, opc, d);
    op->args[1] = ofs;
    op->args[2] = env_alias(s, ofs, size);
}

static void gen_env_st(TCGContext *s, TCGOpcode opc, TCGv v, intptr_t ofs,
                       unsigned size)
{
    TCGOp *op = op1(s, opc, v);

    op->args[1] = ofs;
    op->args[2] = env_alias(s, ofs, size);
}

void tcg_gen_ld8u(TCGContext *s, TCGv d, intptr_t ofs)
{
    gen_env_ld(s, INDEX_op_ld8u, d, ofs, 1);
}

void tcg_gen_ld16u(TCGContext *s, TCGv d, intptr_t ofs)
{
    gen_env_ld(s, INDEX_op_ld16u, d, ofs, 2);
}

void tcg_gen_ld32u(TCGContext *s, TCGv d, intptr_t ofs)
{
    gen_env_ld(s, INDEX_op_ld32u, d, ofs, 4);
}

void tcg_gen_ld64(TCGContext *s, TCGv d, intptr_t ofs)
{
    gen_env_ld(s, INDEX_op_ld64, d, ofs, 8);
}

void tcg_gen_st8(TCGContext *s, TCGv v, intptr_t ofs)
{
    gen_env_st(s, INDEX_op_st8, v, ofs, 1);
}

void tcg_gen_st16(TCGContext *s, TCGv v, intptr_t ofs)
{
    gen_env_st(s, INDEX_op_st16, v, ofs, 2);
}

void tcg_gen_st32(TCGContext *s, TCGv v, intptr_t ofs)
{
    gen_env_st(s, INDEX_op_st32, v, ofs, 4);
}

void tcg_gen_st64(TCGContext *s, TCGv v, intptr_t ofs)
{
    gen_env_st(s, INDEX_op_st64, v, ofs, 8);
}

/* ---- guest memory ---- */

void tcg_gen_qemu_ld(TCGContext *s, TCGv d, TCGv addr, unsigned mmu_idx,
                     MemOp memop)
{
    TCGOp *op;

    check_writable(d);
    g_assert(mmu_idx < TLB_MMU_MODES);
    if ((memop & MO_SIZE) == MO_64) {
        memop &= ~MO_SIGN;
    }
    op = op2(s, INDEX_op_qemu_ld, d, addr);
    op->args[2] = memop;
    op->args[3] = mmu_idx;
}

void tcg_gen_qemu_st(TCGContext *s, TCGv v, TCGv addr, unsigned mmu_idx,
                     MemOp memop)
{
    TCGOp *op;

    g_assert(mmu_idx < TLB_MMU_MODES);
    op = op2(s, INDEX_op_qemu_st, v, addr);
    op->args[2] = memop & MO_SIZE;
    op->args[3] = mmu_idx;
}

/* ---- helper calls ---- */

void tcg_gen_call(TCGContext *s, void *fn, unsigned flags, TCGv ret,
                  unsigned nargs, const TCGv *args)
{
    TCGOp *op = tcg_emit_op(s, INDEX_op_call);
    unsigned n = 0;

    g_assert(nargs <= TCG_MAX_CALL_ARGS);
    if (ret) {
        check_writable(ret);
        op->args[n++] = temp_arg(ret);
    }
    op->nb_oargs = n;
    for (unsigned i = 0; i < nargs; i++) {
        op->args[n++] = temp_arg(args[i]);
    }
    op->nb_iargs = nargs;
    op->args[n++] = (uintptr_t)fn;
    op->args[n] = flags;
}

/* ---- block structure ---- */

void tcg_gen_insn_start(TCGContext *s, uint64_t data0, uint64_t data1)
{
    TCGOp *op = tcg_emit_op(s, INDEX_op_insn_start);

    op->args[0] = data0;
    op->args[1] = data1;
    s->nb_insns++;
}

void tcg_gen_goto_tb(TCGContext *s, unsigned n)
{
    TCGOp *op = tcg_emit_op(s, INDEX_op_goto_tb);

    g_assert(n < 2);
    op->args[0] = n;
}

void tcg_gen_exit_tb(TCGContext *s, uintptr_t val)
{
    TCGOp *op = tcg_emit_op(s, INDEX_op_exit_tb);

    op->args[0] = val;
}

void tcg_gen_lookup_and_goto_ptr(TCGContext *s)
{
    tcg_emit_op(s, INDEX_op_goto_ptr);
}
