/* SPDX-License-Identifier: MIT */
/*
 * SSE, SSE2 and MMX instructions: moves between XMM/MMX registers, general
 * registers and memory inline; arithmetic, logic, compares, shuffles and
 * conversions through cpu/x86/sse_helper.c; LDMXCSR/STMXCSR, FXSAVE/
 * FXRSTOR, EMMS, fences, prefetches, CLFLUSH, non-temporal stores.
 *
 * Emitters looked up by translate.c. Checks at translation time from
 * hflags: CR0.EM gives #UD, CR4.OSFXSR clear gives #UD for SSE
 * instructions, then CR0.TS gives #NM (SDM Vol. 3A 13.1, table 12-8).
 * 16-byte memory operands of packed instructions must be aligned (#GP(0))
 * except for MOVUPS/MOVUPD/MOVDQU. An instruction that touches an MMX
 * register sets TOP to 0 and every x87 tag to valid (EMMS: empty), and an
 * MMX register written gets the exponent bits all ones (SDM Vol. 1 9.5).
 * Ref: Intel SDM Vol. 1 ch. 9-11, Vol. 2 the instruction pages.
 * Missing: a pending x87 exception is not delivered before an MMX
 * instruction (#MF); CVTPI2PS/CVTPI2PD with an MMX source do not check
 * CR4.OSFXSR.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "cpu/x86/emit.h"
#include "cpu/x86/sse.h"

#define ENV_X87_MANT(i) \
    (offsetof(X86CPUState, fpregs[i]) + offsetof(X87Reg, mant))
#define ENV_X87_EXP(i) \
    (offsetof(X86CPUState, fpregs[i]) + offsetof(X87Reg, sign_exp))

static bool op_is_vreg(const X86Operand *op, unsigned rc)
{
    return op->kind == X86_OPND_REG && op->reg_class == rc;
}

static bool insn_uses_mmx(const X86Insn *insn)
{
    for (unsigned i = 0; i < insn->nops; i++) {
        if (op_is_vreg(&insn->op[i], X86_RC_MMX)) {
            return true;
        }
    }
    return false;
}

/* env offset of an XMM register or of the x87 register an MMX aliases */
static intptr_t vreg_ofs(const X86Operand *op)
{
    return op->reg_class == X86_RC_XMM ? offsetof(X86CPUState, xmm[op->reg])
                                       : ENV_X87_MANT(op->reg);
}

static TCGv gen_sse_addr(DisasContext *dc, const X86Operand *op);
static bool sse_needs_align(unsigned mnem, const X86Operand *op);

/* #UD / #NM checks; false when the instruction became an exception. */
static bool gen_sse_check(DisasContext *dc)
{
    const X86Insn *insn = dc->insn;
    bool mmx = insn_uses_mmx(insn);

    if ((dc->hflags & HF_EM) || (!mmx && !(dc->hflags & HF_OSFXSR))) {
        gen_exception(dc, EXCP_UD);
        return false;
    }
    if (dc->hflags & HF_TS) {
        gen_exception(dc, EXCP_NM);
        return false;
    }
    for (unsigned i = 0; mmx && i < insn->nops; i++) {
        /* CVT(T)PD2PI: a misaligned m128 faults before the x87 state
         * turns to MMX (found by tests/diff/diff-run) */
        if (sse_needs_align(insn->mnem, &insn->op[i])) {
            gen_sse_addr(dc, &insn->op[i]);
        }
    }
    if (mmx) {                          /* TOP = 0, all tags valid */
        TCGv t = gen_const(dc, 0);

        tcg_gen_st8(dc->s, t, offsetof(X86CPUState, fpstt));
        tcg_gen_st8(dc->s, gen_const(dc, 0xff), offsetof(X86CPUState, fptag));
    }
    return true;
}

static bool sse_needs_align(unsigned mnem, const X86Operand *op)
{
    return op->kind == X86_OPND_MEM && op->size == 16 &&
           mnem != X86_INSN_MOVUPS && mnem != X86_INSN_MOVUPD &&
           mnem != X86_INSN_MOVDQU;
}

/* Linear address of a memory operand, #GP(0) when it must be aligned and
 * is not. The result is a local temp (it crosses the check's label). */
static TCGv gen_sse_addr(DisasContext *dc, const X86Operand *op)
{
    TCGv a = gen_local(dc);
    TCGv t;
    TCGLabel *ok;

    tcg_gen_mov_i64(dc->s, a, gen_op_linear(dc, op));
    if (!sse_needs_align(dc->insn->mnem, op)) {
        return a;
    }
    t = gen_tmp(dc);
    ok = gen_new_label(dc->s);
    tcg_gen_andi_i64(dc->s, t, a, 15);
    tcg_gen_brcondi_i64(dc->s, TCG_COND_EQ, t, 0, ok);
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_raise_exception_err, NULL, gen_const(dc, EXCP_GP),
               gen_const(dc, 0));
    gen_set_label(dc->s, ok);
    return a;
}

/* The value of an operand as lo:hi, zero-extended from `size` bytes. */
static void gen_vec_load(DisasContext *dc, const X86Operand *op,
                         unsigned size, TCGv *lo, TCGv *hi)
{
    *lo = gen_tmp(dc);
    *hi = gen_const(dc, 0);
    switch (op->kind) {
    case X86_OPND_REG:
        if (op->reg_class == X86_RC_XMM || op->reg_class == X86_RC_MMX) {
            tcg_gen_ld64(dc->s, *lo, vreg_ofs(op));
            if (size == 16) {
                *hi = gen_tmp(dc);
                tcg_gen_ld64(dc->s, *hi, vreg_ofs(op) + 8);
            } else if (size == 4) {
                tcg_gen_ext32u(dc->s, *lo, *lo);
            }
        } else {
            gen_get_gpr(dc, *lo, op->reg, size);
        }
        break;
    case X86_OPND_MEM: {
        TCGv a = gen_sse_addr(dc, op);

        gen_ldm(dc, *lo, a, MIN(size, 8u));
        if (size == 16) {
            *hi = gen_tmp(dc);
            gen_ldm(dc, *hi, gen_addr_next(dc, a, 8), 8);
        }
        break;
    }
    default:
        tcg_gen_movi_i64(dc->s, *lo, op->imm & 0xff);
        break;
    }
}

/* Bytes an operand stands for (the decoder's width: 4 for the W,d form of
 * a scalar instruction even with a register). */
static unsigned vec_op_size(const X86Operand *op)
{
    if (op->kind == X86_OPND_REG && !op->size) {
        return op->reg_class == X86_RC_MMX ? 8 : 16;
    }
    return op->size;
}

/* ---- moves ---- */

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

/* ---- vector arithmetic through helper_sse_vec ---- */

/* An operation of cpu/x86/sse_fast.c: no EIP store (the helper finds the
 * instruction from its return address), globals stay cached across the
 * call (it writes only the XMM destination and MXCSR). */
static bool gen_sse_fast_op(DisasContext *dc)
{
    const X86Insn *insn = dc->insn;
    const X86Operand *src = &insn->op[1];
    bool reg_src = op_is_vreg(src, X86_RC_XMM);
    void *fast = x86_sse_fast_helper(insn->mnem, reg_src);
    TCGv lo, hi, d;

    if (!fast || insn->nops != 2) {
        return false;
    }
    if (reg_src) {
        d = gen_const(dc, vreg_ofs(&insn->op[0]));
        tcg_gen_call(dc->s, fast, TCG_CALL_NO_WRITE_GLOBALS, NULL, 2,
                     (TCGv[]){ d, gen_const(dc, vreg_ofs(src)) });
        return true;
    }
    gen_vec_load(dc, src, vec_op_size(src), &lo, &hi);
    d = gen_const(dc, vreg_ofs(&insn->op[0]));
    tcg_gen_call(dc->s, fast, TCG_CALL_NO_WRITE_GLOBALS, NULL, 3,
                 (TCGv[]){ d, lo, hi });
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

/* ---- state ---- */

void gen_LDMXCSR(DisasContext *dc)
{
    TCGv v = gen_tmp(dc);

    if (!gen_sse_check(dc)) {
        return;
    }
    gen_ldm(dc, v, gen_op_linear(dc, &dc->insn->op[0]), 4);
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_ldmxcsr, NULL, v);
}

void gen_STMXCSR(DisasContext *dc)
{
    TCGv v = gen_tmp(dc);

    if (!gen_sse_check(dc)) {
        return;
    }
    tcg_gen_ld32u(dc->s, v, offsetof(X86CPUState, mxcsr));
    gen_stm(dc, v, gen_op_linear(dc, &dc->insn->op[0]), 4);
}

void gen_EMMS(DisasContext *dc)
{
    if (!gen_sse_check(dc)) {
        return;
    }
    tcg_gen_st8(dc->s, gen_const(dc, 0), offsetof(X86CPUState, fptag));
}

/* FXSAVE/FXRSTOR: #UD with CR0.EM, #NM with CR0.TS (no OSFXSR check) */
static void gen_fx(DisasContext *dc, void *fn, bool rex_w)
{
    TCGv a;

    if (dc->hflags & HF_EM) {
        gen_exception(dc, EXCP_UD);
        return;
    }
    if (dc->hflags & HF_TS) {
        gen_exception(dc, EXCP_NM);
        return;
    }
    a = gen_op_linear(dc, &dc->insn->op[0]);
    gen_update_eip_cur(dc);
    tcg_gen_call(dc->s, fn, 0, NULL, 3, (TCGv[]){ a,
                 gen_const(dc, rex_w), gen_const(dc, dc->code64 ? 16 : 8) });
}

void gen_FXSAVE(DisasContext *dc)
{
    gen_fx(dc, (void *)helper_fxsave, false);
}

void gen_FXSAVE64(DisasContext *dc)
{
    gen_fx(dc, (void *)helper_fxsave, true);
}

void gen_FXRSTOR(DisasContext *dc)
{
    gen_fx(dc, (void *)helper_fxrstor, false);
    gen_end_block(dc);                  /* MXCSR may change */
}

void gen_FXRSTOR64(DisasContext *dc)
{
    gen_fx(dc, (void *)helper_fxrstor, true);
    gen_end_block(dc);
}

/* Ordering and cache hints: nothing to do with one vCPU thread and no
 * caches; CLFLUSH faults like a byte read. */
void gen_LFENCE(DisasContext *dc)
{
}

void gen_MFENCE(DisasContext *dc)
{
}

void gen_SFENCE(DisasContext *dc)
{
}

void gen_PREFETCHNTA(DisasContext *dc)
{
}

void gen_PREFETCHT0(DisasContext *dc)
{
}

void gen_PREFETCHT1(DisasContext *dc)
{
}

void gen_PREFETCHT2(DisasContext *dc)
{
}

void gen_CLFLUSH(DisasContext *dc)
{
    gen_ldm(dc, gen_tmp(dc), gen_op_linear(dc, &dc->insn->op[0]), 1);
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
