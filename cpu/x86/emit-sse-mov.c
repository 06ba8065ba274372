/* SPDX-License-Identifier: MIT */
/*
 * SSE/MMX moves: between XMM/MMX registers, general registers and
 * memory, inline (MOVAPS..MOVHPD, MOVSS/MOVSD, PEXTRW/PINSRW), and the
 * stores MASKMOVQ/MASKMOVDQU and MOVNTI. Checks and operand access come
 * from emit-sse.c.
 * Ref: Intel SDM Vol. 2 the instruction pages.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit-sse.h"

typedef enum MovMode {
    MOV_FULL,                   /* the whole destination, zero-extended */
    MOV_LOW,                    /* low bytes of an XMM register only */
    MOV_HIGH,                   /* bytes 8..15 of an XMM register */
} MovMode;

static void gen_sse_move(DisasContext *dc, MovMode mode, bool src_high)
{
    const X86Operand *dst = &dc->insn->op[0];
    const X86Operand *src = &dc->insn->op[1];
    unsigned size = MIN(vec_op_size(src), vec_op_size(dst));
    /* MOV_LOW: MOVSS xmm1, xmm2 (0F 11 too, where the source is the
     * 16-byte ModRM.reg) moves 4 bytes; found by tests/diff/diff-run */
    TCGv lo, hi, a = NULL;

    if (mode != MOV_FULL) {
        size = MIN(size, 8u);
    }

    if (!gen_sse_check(dc)) {
        return;
    }
    if (dst->kind == X86_OPND_MEM) {
        /* The alignment check's label ends the life of plain temps:
         * check before the source is read into them. */
        a = gen_sse_addr(dc, dst);
    }
    gen_vec_load(dc, src, src_high ? 16 : size, &lo, &hi);
    if (src_high) {
        lo = hi;
        hi = gen_const(dc, 0);
        size = 8;
    }
    if (size < 16) {
        hi = gen_const(dc, 0);
    }
    if (dst->kind == X86_OPND_MEM) {
        gen_stm(dc, lo, a, MIN(dst->size, 8u));
        if (dst->size == 16) {
            gen_stm(dc, hi, gen_addr_next(dc, a, 8), 8);
        }
    } else if (dst->reg_class == X86_RC_XMM) {
        intptr_t ofs = vreg_ofs(dst);

        if (mode == MOV_HIGH) {
            tcg_gen_st64(dc->s, lo, ofs + 8);
        } else if (mode == MOV_LOW && size == 4) {
            tcg_gen_st32(dc->s, lo, ofs);
        } else {
            tcg_gen_st64(dc->s, lo, ofs);
            if (mode == MOV_FULL) {
                tcg_gen_st64(dc->s, hi, ofs + 8);
            }
        }
    } else if (dst->reg_class == X86_RC_MMX) {
        tcg_gen_st64(dc->s, lo, vreg_ofs(dst));
        tcg_gen_st16(dc->s, gen_const(dc, 0xffff), ENV_X87_EXP(dst->reg));
    } else {
        gen_set_gpr(dc, dst->reg, dst->size, lo);
    }
}

#define MOVE(name, mode, high) \
    void gen_##name(DisasContext *dc) { gen_sse_move(dc, mode, high); }
MOVE(MOVAPS, MOV_FULL, false) MOVE(MOVUPS, MOV_FULL, false)
MOVE(MOVAPD, MOV_FULL, false) MOVE(MOVUPD, MOV_FULL, false)
MOVE(MOVDQA, MOV_FULL, false) MOVE(MOVDQU, MOV_FULL, false)
MOVE(MOVNTPS, MOV_FULL, false) MOVE(MOVNTPD, MOV_FULL, false)
MOVE(MOVNTDQ, MOV_FULL, false) MOVE(MOVNTQ, MOV_FULL, false)
MOVE(MOVD, MOV_FULL, false) MOVE(MOVQ, MOV_FULL, false)
MOVE(MOVQ2DQ, MOV_FULL, false) MOVE(MOVDQ2Q, MOV_FULL, false)
MOVE(MOVLHPS, MOV_HIGH, false) MOVE(MOVHLPS, MOV_LOW, true)

/* MOVSS/MOVSD, MOVLPS/MOVLPD: register to register (or a MOVLPx load)
 * keeps the upper part, a MOVSS/MOVSD load zeroes it; stores write the
 * low part. */
static void gen_movs(DisasContext *dc)
{
    bool lp = dc->insn->mnem == X86_INSN_MOVLPS ||
              dc->insn->mnem == X86_INSN_MOVLPD;
    bool mem_src = dc->insn->op[1].kind == X86_OPND_MEM;
    bool to_mem = dc->insn->op[0].kind == X86_OPND_MEM;

    gen_sse_move(dc, to_mem || (mem_src && !lp) ? MOV_FULL : MOV_LOW, false);
}

void gen_MOVLPS(DisasContext *dc)
{
    gen_movs(dc);
}

void gen_MOVLPD(DisasContext *dc)
{
    gen_movs(dc);
}

/* MOVHPS/MOVHPD: a load fills bytes 8..15, a store writes them. */
static void gen_movh(DisasContext *dc)
{
    if (dc->insn->op[0].kind == X86_OPND_MEM) {
        gen_sse_move(dc, MOV_FULL, true);
    } else {
        gen_sse_move(dc, MOV_HIGH, false);
    }
}

void gen_MOVHPS(DisasContext *dc)
{
    gen_movh(dc);
}

void gen_MOVHPD(DisasContext *dc)
{
    gen_movh(dc);
}

void gen_MOVSS(DisasContext *dc)
{
    gen_movs(dc);
}

void gen_MOVSD__SSE(DisasContext *dc)
{
    gen_movs(dc);
}

/* PEXTRW r32, mm/xmm, imm8 ; PINSRW mm/xmm, r32/m16, imm8 */
void gen_PEXTRW(DisasContext *dc)
{
    const X86Operand *src = &dc->insn->op[1];
    unsigned words = src->reg_class == X86_RC_XMM ? 8 : 4;
    unsigned i = dc->insn->op[2].imm & (words - 1);
    TCGv v = gen_tmp(dc);

    if (!gen_sse_check(dc)) {
        return;
    }
    tcg_gen_ld16u(dc->s, v, vreg_ofs(src) + 2 * i);
    gen_set_gpr(dc, dc->insn->op[0].reg, dc->insn->op[0].size, v);
}

void gen_PINSRW(DisasContext *dc)
{
    const X86Operand *dst = &dc->insn->op[0];
    unsigned words = dst->reg_class == X86_RC_XMM ? 8 : 4;
    unsigned i = dc->insn->op[2].imm & (words - 1);
    TCGv lo, hi;

    if (!gen_sse_check(dc)) {
        return;
    }
    gen_vec_load(dc, &dc->insn->op[1], 2, &lo, &hi);
    tcg_gen_st16(dc->s, lo, vreg_ofs(dst) + 2 * i);
    if (dst->reg_class == X86_RC_MMX) {
        tcg_gen_st16(dc->s, gen_const(dc, 0xffff), ENV_X87_EXP(dst->reg));
    }
}

/* MASKMOVQ/MASKMOVDQU: the bytes of the first operand whose mask byte
 * has its top bit set go to DS:[rDI]. */
static void gen_maskmov(DisasContext *dc)
{
    const X86Operand *src = &dc->insn->op[0];
    const X86Operand *mask = &dc->insn->op[1];
    unsigned len = src->reg_class == X86_RC_XMM ? 16 : 8;
    TCGv ea = gen_tmp(dc);
    TCGv lo, hi;

    if (!gen_sse_check(dc)) {
        return;
    }
    gen_get_gpr(dc, ea, R_EDI, dc->insn->addr_size);
    gen_vec_load(dc, mask, len, &lo, &hi);
    gen_update_eip_cur(dc);
    tcg_gen_call(dc->s, (void *)helper_maskmov, 0, NULL, 4, (TCGv[]){
        gen_linear(dc, x86_data_seg(dc), ea), gen_const(dc, vreg_ofs(src)),
        lo, hi });
}

void gen_MASKMOVQ(DisasContext *dc)
{
    gen_maskmov(dc);
}

void gen_MASKMOVDQU(DisasContext *dc)
{
    gen_maskmov(dc);
}

void gen_MOVNTI(DisasContext *dc)
{
    gen_store_op(dc, &dc->insn->op[0],
                 gen_load_op(dc, &dc->insn->op[1], NULL), NULL);
}
