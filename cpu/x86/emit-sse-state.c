/* SPDX-License-Identifier: MIT */
/*
 * SSE state and hints: LDMXCSR/STMXCSR, EMMS, FXSAVE/FXRSTOR, fences,
 * prefetches, CLFLUSH.
 * Ref: Intel SDM Vol. 2 the instruction pages.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit-sse.h"

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
