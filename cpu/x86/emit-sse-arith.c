/* SPDX-License-Identifier: MIT */
/*
 * SSE/MMX arithmetic, logic, compares, shuffles and conversions: calls
 * of the fast helpers of cpu/x86/sse_fast.c or of helper_sse_vec/
 * helper_sse_shuf (cpu/x86/sse_helper.c); MOVMSK, COMI and the
 * conversions to and from general registers.
 * Ref: Intel SDM Vol. 1 ch. 10-11, Vol. 2 the instruction pages.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit-sse.h"

/* ---- vector arithmetic through helper_sse_vec ---- */

/* Whether @insn, translated next, can go on with a run of operations
 * sharing one MXCSR read (sse_fast.c): a floating-point fast operation
 * between XMM registers. Nothing else is emitted between the two: SSE
 * checks pass for both (same hflags) and a register operand needs no
 * limit check. */
static bool sse_run_link(const DisasContext *dc, const X86Insn *insn)
{
    return insn && (dc->features & (1u << insn->feature)) &&
           insn->nops == 2 && op_is_vreg(&insn->op[0], X86_RC_XMM) &&
           op_is_vreg(&insn->op[1], X86_RC_XMM) &&
           x86_sse_fast_helper(insn->mnem, true, SSE_FAST_END);
}

/* An operation of cpu/x86/sse_fast.c: no EIP store (the helper finds the
 * instruction from its return address), globals stay cached across the
 * call (it writes only the XMM destination and MXCSR). A run's `run`
 * value lives in a temp from its first operation to its last. */
static bool gen_sse_fast_op(DisasContext *dc)
{
    const X86Insn *insn = dc->insn;
    const X86Operand *src = &insn->op[1];
    bool reg_src = op_is_vreg(src, X86_RC_XMM);
    bool more = sse_run_link(dc, dc->next_insn);
    SseFastPart part = dc->sse_run ? (more ? SSE_FAST_CONT : SSE_FAST_END)
                                   : (more ? SSE_FAST_BEGIN : SSE_FAST_ONE);
    void *fast = insn->nops == 2 ? x86_sse_fast_helper(insn->mnem, reg_src,
                                                       part) : NULL;
    TCGv lo, hi, d, ret = NULL;

    if (!fast && part == SSE_FAST_BEGIN) {
        part = SSE_FAST_ONE;            /* not floating point */
        fast = x86_sse_fast_helper(insn->mnem, reg_src, part);
    }
    g_assert(fast || !dc->sse_run);
    if (!fast) {
        return false;
    }
    if (!reg_src) {
        gen_vec_load(dc, src, vec_op_size(src), &lo, &hi);
    }
    if (part == SSE_FAST_BEGIN) {     /* after the alignment check's label */
        ret = dc->sse_run = tcg_temp_new(dc->s);
    }
    d = gen_const(dc, vreg_ofs(&insn->op[0]));
    if (!reg_src) {
        tcg_gen_call(dc->s, fast, TCG_CALL_NO_WRITE_GLOBALS, ret, 3,
                     (TCGv[]){ d, lo, hi });
    } else if (part == SSE_FAST_ONE || part == SSE_FAST_BEGIN) {
        tcg_gen_call(dc->s, fast, TCG_CALL_NO_WRITE_GLOBALS, ret, 2,
                     (TCGv[]){ d, gen_const(dc, vreg_ofs(src)) });
    } else {
        tcg_gen_call(dc->s, fast, TCG_CALL_NO_WRITE_GLOBALS, NULL, 3,
                     (TCGv[]){ d, gen_const(dc, vreg_ofs(src)),
                               dc->sse_run });
    }
    if (part == SSE_FAST_END) {
        tcg_temp_free(dc->s, dc->sse_run);
        dc->sse_run = NULL;
    }
    return true;
}

static void gen_sse_vec_op(DisasContext *dc, void *fn)
{
    const X86Insn *insn = dc->insn;
    const X86Operand *dst = &insn->op[0];
    unsigned len = dst->reg_class == X86_RC_XMM ? 16 : 8;
    unsigned imm = insn->nops > 2 ? insn->op[2].imm & 0xff : 0;
    TCGv lo, hi;

    if (!gen_sse_check(dc)) {
        return;
    }
    if (fn == (void *)helper_sse_vec && op_is_vreg(dst, X86_RC_XMM) &&
        gen_sse_fast_op(dc)) {
        return;
    }
    gen_vec_load(dc, &insn->op[1], insn->op[1].kind == X86_OPND_IMM ? 8 :
                 vec_op_size(&insn->op[1]), &lo, &hi);
    gen_update_eip_cur(dc);
    tcg_gen_call(dc->s, fn, 0, NULL, 4, (TCGv[]){
        gen_const(dc, vreg_ofs(dst)), lo, hi,
        gen_const(dc, insn->mnem | len << 16 | imm << 24) });
}

#define VEC(name) \
    void gen_##name(DisasContext *dc) \
    { gen_sse_vec_op(dc, (void *)helper_sse_vec); }
#define SHUF(name) \
    void gen_##name(DisasContext *dc) \
    { gen_sse_vec_op(dc, (void *)helper_sse_shuf); }
X86_SSE_VEC_EMITTERS(VEC)
X86_SSE_SHUF_EMITTERS(SHUF)

/* PSLLDQ/PSRLDQ xmm, imm8: on the destination itself */
static void gen_byte_shift(DisasContext *dc)
{
    const X86Operand *dst = &dc->insn->op[0];

    if (!gen_sse_check(dc)) {
        return;
    }
    gen_helper(dc, helper_sse_shuf, NULL, gen_const(dc, vreg_ofs(dst)),
               gen_const(dc, 0), gen_const(dc, 0),
               gen_const(dc, dc->insn->mnem |
                         (dc->insn->op[1].imm & 0xff) << 24));
}

void gen_PSLLDQ(DisasContext *dc)
{
    gen_byte_shift(dc);
}

void gen_PSRLDQ(DisasContext *dc)
{
    gen_byte_shift(dc);
}

/* ---- results in general registers or flags ---- */

static void gen_movmsk(DisasContext *dc)
{
    const X86Operand *src = &dc->insn->op[1];
    TCGv lo, hi, r = gen_tmp(dc);

    if (!gen_sse_check(dc)) {
        return;
    }
    gen_vec_load(dc, src, vec_op_size(src), &lo, &hi);
    gen_helper(dc, helper_sse_movmsk, r, lo, hi,
               gen_const(dc, dc->insn->mnem));
    gen_set_gpr(dc, dc->insn->op[0].reg, dc->insn->op[0].size, r);
}

void gen_MOVMSKPS(DisasContext *dc)
{
    gen_movmsk(dc);
}

void gen_MOVMSKPD(DisasContext *dc)
{
    gen_movmsk(dc);
}

void gen_PMOVMSKB(DisasContext *dc)
{
    gen_movmsk(dc);
}

static void gen_comi(DisasContext *dc)
{
    const X86Operand *src = &dc->insn->op[1];
    TCGv a = gen_tmp(dc), lo, hi;

    if (!gen_sse_check(dc)) {
        return;
    }
    gen_vec_load(dc, src, MIN(vec_op_size(src), 8u), &lo, &hi);
    tcg_gen_ld64(dc->s, a, vreg_ofs(&dc->insn->op[0]));
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_sse_comi, NULL, a, lo,
               gen_const(dc, dc->insn->mnem));
    dc->cc_op = CC_OP_EFLAGS;           /* stored by the helper */
}

void gen_COMISS(DisasContext *dc)
{
    gen_comi(dc);
}

void gen_UCOMISS(DisasContext *dc)
{
    gen_comi(dc);
}

void gen_COMISD(DisasContext *dc)
{
    gen_comi(dc);
}

void gen_UCOMISD(DisasContext *dc)
{
    gen_comi(dc);
}

/* CVT(T)SS2SI / CVT(T)SD2SI r32/64, xmm/m */
static void gen_cvt2si(DisasContext *dc)
{
    const X86Operand *dst = &dc->insn->op[0];
    const X86Operand *src = &dc->insn->op[1];
    TCGv lo, hi, r = gen_tmp(dc);

    if (!gen_sse_check(dc)) {
        return;
    }
    gen_vec_load(dc, src, MIN(vec_op_size(src), 8u), &lo, &hi);
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_sse_cvt2si, r, lo,
               gen_const(dc, dc->insn->mnem | (dst->size == 8) << 16));
    gen_set_gpr(dc, dst->reg, dst->size, r);
}

void gen_CVTSS2SI(DisasContext *dc)
{
    gen_cvt2si(dc);
}

void gen_CVTTSS2SI(DisasContext *dc)
{
    gen_cvt2si(dc);
}

void gen_CVTSD2SI(DisasContext *dc)
{
    gen_cvt2si(dc);
}

void gen_CVTTSD2SI(DisasContext *dc)
{
    gen_cvt2si(dc);
}

static void gen_cvtsi2(DisasContext *dc)
{
    const X86Operand *src = &dc->insn->op[1];
    TCGv lo, hi;

    if (!gen_sse_check(dc)) {
        return;
    }
    gen_vec_load(dc, src, src->size, &lo, &hi);
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_sse_cvtsi2, NULL,
               gen_const(dc, vreg_ofs(&dc->insn->op[0])), lo,
               gen_const(dc, dc->insn->mnem | (src->size == 8) << 16));
}

void gen_CVTSI2SS(DisasContext *dc)
{
    gen_cvtsi2(dc);
}

void gen_CVTSI2SD(DisasContext *dc)
{
    gen_cvtsi2(dc);
}
