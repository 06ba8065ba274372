/* SPDX-License-Identifier: MIT */
/*
 * Bit instructions: BT BTS BTR BTC (register and memory forms), BSF BSR,
 * BSWAP.
 *
 * Emitters looked up by translate.c. A register bit offset with a memory
 * operand is signed and may reach outside the operand: the address moves
 * by (offset >> log2(bits)) operands. An immediate offset is taken modulo
 * the operand width. BT* set CF and keep ZF (the other flags are undefined
 * and kept too). BSF/BSR with a zero source set ZF and leave the
 * destination unchanged (as Intel and AMD processors do).
 * BSWAP with a 16-bit operand (undefined) clears the low word, as Intel
 * processors do.
 * Ref: Intel SDM Vol. 2A "BT", "BTC", "BTR", "BTS", "BSF", "BSR", "BSWAP";
 * Vol. 1 3.4.3 bit-offset addressing (figure 3-9, "Bit Offset").
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"

uint64_t helper_bsf(X86CPUState *env, uint64_t v);
uint64_t helper_bsr(X86CPUState *env, uint64_t v);

/* Index of the lowest / highest set bit (v != 0). */
uint64_t helper_bsf(X86CPUState *env, uint64_t v)
{
    return v ? __builtin_ctzll(v) : 0;
}

uint64_t helper_bsr(X86CPUState *env, uint64_t v)
{
    return v ? 63 - __builtin_clzll(v) : 0;
}

typedef enum BitOp { BIT_TEST, BIT_SET, BIT_RESET, BIT_COMPLEMENT } BitOp;

static void gen_bt(DisasContext *dc, BitOp bop)
{
    TCGContext *s = dc->s;
    const X86Operand *dst = &dc->insn->op[0];
    const X86Operand *ofs = &dc->insn->op[1];
    unsigned size = dst->size, bits = size * 8;
    TCGv off = gen_load_op(dc, ofs, NULL);
    TCGv bitno = gen_tmp(dc);
    TCGv val = gen_tmp(dc);
    TCGv mask = gen_tmp(dc);
    TCGv cf = gen_tmp(dc);
    TCGv linear = NULL;
    TCGv flags;

    tcg_gen_andi_i64(s, bitno, off, bits - 1);
    if (dst->kind == X86_OPND_MEM) {
        TCGv ea = gen_ea(dc, dst);

        if (ofs->kind != X86_OPND_IMM) {
            TCGv disp = gen_tmp(dc);

            gen_ext(dc, disp, off, size, true);
            tcg_gen_sari_i64(s, disp, disp, __builtin_ctz(bits));
            tcg_gen_shli_i64(s, disp, disp, __builtin_ctz(size));
            tcg_gen_add_i64(s, ea, ea, disp);
            gen_ext(dc, ea, ea, dc->insn->addr_size, false);
        }
        linear = gen_linear(dc, dst->seg, ea);
        gen_ldm(dc, val, linear, size);
    } else {
        gen_get_gpr(dc, val, dst->reg, size);
    }
    tcg_gen_shr_i64(s, cf, val, bitno);
    tcg_gen_andi_i64(s, cf, cf, 1);
    if (bop != BIT_TEST) {
        tcg_gen_shl_i64(s, mask, gen_const(dc, 1), bitno);
        if (bop == BIT_SET) {
            tcg_gen_or_i64(s, val, val, mask);
        } else if (bop == BIT_RESET) {
            tcg_gen_andc_i64(s, val, val, mask);
        } else {
            tcg_gen_xor_i64(s, val, val, mask);
        }
        gen_store_op(dc, dst, val, linear);
    }
    flags = gen_compute_eflags(dc);
    tcg_gen_andi_i64(s, flags, flags, ~(uint64_t)CC_C);
    tcg_gen_or_i64(s, flags, flags, cf);
    gen_set_eflags_cc(dc, flags);
}

void gen_BT(DisasContext *dc)
{
    gen_bt(dc, BIT_TEST);
}

void gen_BTS(DisasContext *dc)
{
    gen_bt(dc, BIT_SET);
}

void gen_BTR(DisasContext *dc)
{
    gen_bt(dc, BIT_RESET);
}

void gen_BTC(DisasContext *dc)
{
    gen_bt(dc, BIT_COMPLEMENT);
}

static void gen_bitscan(DisasContext *dc, void *fn)
{
    TCGContext *s = dc->s;
    const X86Operand *dst = &dc->insn->op[0];
    TCGv src = gen_load_op(dc, &dc->insn->op[1], NULL);
    TCGv old = gen_load_op(dc, dst, NULL);
    TCGv idx = gen_tmp(dc);

    tcg_gen_call(s, fn, TCG_CALL_PURE, idx, 1, (TCGv[]){ src });
    if (dst->size == 4) {
        /* a zero source leaves all 64 bits of the destination as they
         * were (what hardware does in 64-bit mode) */
        TCGv r = dc->g->regs[dst->reg];

        tcg_gen_movcond_i64(s, TCG_COND_EQ, r, src, gen_const(dc, 0), r,
                            idx);
    } else {
        tcg_gen_movcond_i64(s, TCG_COND_EQ, idx, src, gen_const(dc, 0), old,
                            idx);
        gen_store_op(dc, dst, idx, NULL);
    }
    /* ZF = (src == 0); CF, OF, SF, AF, PF undefined */
    gen_cc_set(dc, CC_OP_LOGICB, dst->size, src, NULL, NULL);
}

void gen_BSF(DisasContext *dc)
{
    gen_bitscan(dc, (void *)helper_bsf);
}

void gen_BSR(DisasContext *dc)
{
    gen_bitscan(dc, (void *)helper_bsr);
}

void gen_BSWAP(DisasContext *dc)
{
    const X86Operand *op = &dc->insn->op[0];
    TCGv v = gen_tmp(dc);

    if (op->size == 2) {
        tcg_gen_movi_i64(dc->s, v, 0);
    } else if (op->size == 8) {
        tcg_gen_bswap64(dc->s, v, dc->g->regs[op->reg]);
    } else {
        gen_get_gpr(dc, v, op->reg, 4);
        tcg_gen_bswap32(dc->s, v, v);
    }
    gen_set_gpr(dc, op->reg, op->size, v);
}
