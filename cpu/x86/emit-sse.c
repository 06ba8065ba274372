/* SPDX-License-Identifier: MIT */
/*
 * SSE, SSE2 and MMX instructions: what their emitters share (emit-sse.h).
 * The emitters, looked up by translate.c, are in emit-sse-mov.c (moves
 * inline, non-temporal and masked stores), emit-sse-arith.c (arithmetic,
 * logic, compares, shuffles and conversions through cpu/x86/sse_fast.c
 * and sse_helper.c) and emit-sse-state.c (LDMXCSR/STMXCSR, FXSAVE/
 * FXRSTOR, EMMS, fences, prefetches, CLFLUSH).
 *
 * Checks at translation time from hflags: CR0.EM gives #UD, CR4.OSFXSR
 * clear gives #UD for SSE instructions, then CR0.TS gives #NM (SDM Vol. 3A 13.1, table 12-8).
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
#include "cpu/x86/emit-sse.h"

bool op_is_vreg(const X86Operand *op, unsigned rc)
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

intptr_t vreg_ofs(const X86Operand *op)
{
    return op->reg_class == X86_RC_XMM ? offsetof(X86CPUState, xmm[op->reg])
                                       : ENV_X87_MANT(op->reg);
}

static bool sse_needs_align(unsigned mnem, const X86Operand *op);

bool gen_sse_check(DisasContext *dc)
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

TCGv gen_sse_addr(DisasContext *dc, const X86Operand *op)
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

void gen_vec_load(DisasContext *dc, const X86Operand *op,
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

unsigned vec_op_size(const X86Operand *op)
{
    if (op->kind == X86_OPND_REG && !op->size) {
        return op->reg_class == X86_RC_MMX ? 8 : 16;
    }
    return op->size;
}
