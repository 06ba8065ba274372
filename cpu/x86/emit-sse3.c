/* SPDX-License-Identifier: MIT */
/*
 * SSE3 instructions: MOVSLDUP, MOVSHDUP, MOVDDUP and LDDQU inline;
 * ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD through helper_sse3; MONITOR and
 * MWAIT through their helpers (cpu/x86/sse3_helper.c, monitor_helper.c). FISTTP is an x87
 * instruction (emit-x87.c); all of them need CPUID.1:ECX.SSE3, which the
 * translator checks.
 *
 * The #UD/#NM checks and the 16-byte alignment (#GP(0)) of packed memory
 * operands are those of SSE2 (emit-sse.c); LDDQU and MOVDDUP's m64 need no
 * alignment. MONITOR/MWAIT are #UD without CPUID.1:ECX.MONITOR or
 * outside CPL 0, as QEMU's TCG does (qemu32 and qemu64 lack MONITOR).
 * Ref: Intel SDM Vol. 1 12.6, Vol. 2 the instruction pages.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit-sse.h"
#include "cpu/x86/sse3.h"

/* dst (an XMM register) = lo:hi */
static void gen_xmm_store(DisasContext *dc, TCGv lo, TCGv hi)
{
    intptr_t ofs = vreg_ofs(&dc->insn->op[0]);

    tcg_gen_st64(dc->s, lo, ofs);
    tcg_gen_st64(dc->s, hi, ofs + 8);
}

/* d = the dword of a at bit `from` (0 or 32) in both halves */
static void gen_dup_dword(DisasContext *dc, TCGv d, TCGv a, unsigned from)
{
    TCGv t = gen_tmp(dc);

    if (from) {
        tcg_gen_shri_i64(dc->s, t, a, 32);
    } else {
        tcg_gen_ext32u(dc->s, t, a);
    }
    tcg_gen_shli_i64(dc->s, d, t, 32);
    tcg_gen_or_i64(dc->s, d, d, t);
}

static void gen_movdup(DisasContext *dc, unsigned from)
{
    TCGv lo, hi, rlo, rhi;

    if (!gen_sse_check(dc)) {
        return;
    }
    gen_vec_load(dc, &dc->insn->op[1], 16, &lo, &hi);
    rlo = gen_tmp(dc);
    rhi = gen_tmp(dc);
    gen_dup_dword(dc, rlo, lo, from);
    gen_dup_dword(dc, rhi, hi, from);
    gen_xmm_store(dc, rlo, rhi);
}

void gen_MOVSLDUP(DisasContext *dc)
{
    gen_movdup(dc, 0);
}

void gen_MOVSHDUP(DisasContext *dc)
{
    gen_movdup(dc, 32);
}

void gen_MOVDDUP(DisasContext *dc)
{
    TCGv lo, hi;

    if (!gen_sse_check(dc)) {
        return;
    }
    gen_vec_load(dc, &dc->insn->op[1], 8, &lo, &hi);
    gen_xmm_store(dc, lo, lo);
}

/* an unaligned 16-byte load (the decoder allows only memory) */
void gen_LDDQU(DisasContext *dc)
{
    TCGv a, lo, hi;

    if (!gen_sse_check(dc)) {
        return;
    }
    a = gen_op_linear(dc, &dc->insn->op[1]);
    lo = gen_tmp(dc);
    hi = gen_tmp(dc);
    gen_ldm(dc, lo, a, 8);
    gen_ldm(dc, hi, gen_addr_next(dc, a, 8), 8);
    gen_xmm_store(dc, lo, hi);
}

static void gen_sse3_arith(DisasContext *dc)
{
    const X86Insn *insn = dc->insn;
    TCGv lo, hi;

    if (!gen_sse_check(dc)) {
        return;
    }
    gen_vec_load(dc, &insn->op[1], 16, &lo, &hi);
    gen_update_eip_cur(dc);
    tcg_gen_call(dc->s, (void *)helper_sse3, 0, NULL, 4, (TCGv[]){
        gen_const(dc, vreg_ofs(&insn->op[0])), lo, hi,
        gen_const(dc, insn->mnem) });
}

void gen_ADDSUBPS(DisasContext *dc) { gen_sse3_arith(dc); }
void gen_ADDSUBPD(DisasContext *dc) { gen_sse3_arith(dc); }
void gen_HADDPS(DisasContext *dc) { gen_sse3_arith(dc); }
void gen_HADDPD(DisasContext *dc) { gen_sse3_arith(dc); }
void gen_HSUBPS(DisasContext *dc) { gen_sse3_arith(dc); }
void gen_HSUBPD(DisasContext *dc) { gen_sse3_arith(dc); }

/* #UD outside CPL 0; the helper checks the model (monitor_helper.c) */
static bool gen_monitor_check(DisasContext *dc)
{
    if (dc->cpl != 0) {
        gen_exception(dc, EXCP_UD);
        return false;
    }
    gen_update_eip_cur(dc);
    return true;
}

void gen_MONITOR(DisasContext *dc)
{
    if (gen_monitor_check(dc)) {
        gen_helper0(dc, helper_monitor, NULL);
    }
}

void gen_MWAIT(DisasContext *dc)
{
    if (gen_monitor_check(dc)) {
        gen_helper(dc, helper_mwait, NULL, gen_const(dc, dc->next_eip));
        dc->is_jmp = DISAS_NORETURN;
    }
}
