/* SPDX-License-Identifier: MIT */
/*
 * SSE3 for translated code (cpu/x86/emit-sse3.c): the horizontal and
 * alternating floating-point operations run on the host's SSE3 unit under
 * the guest's MXCSR, as the SSE/SSE2 ones do (cpu/x86/sse-mxcsr.h), so
 * results and flags are bit-exact.
 *
 * Only models with CPUID.1:ECX.SSE3 get here, so the host needs SSE3 too
 * (every x86-64 CPU since 2005 has it).
 * Ref: Intel SDM Vol. 1 12.6, Vol. 2 ADDSUBPS..HSUBPD.
 */
#include "kestrel/osdep.h"
#include <pmmintrin.h>
#include "cpu/x86/sse3.h"
#include "cpu/x86/sse-mxcsr.h"
#include "cpu/x86/insn.h"

#define SSE3_FN __attribute__((target("sse3")))
#define PS(x) _mm_castsi128_ps(x)
#define PD(x) _mm_castsi128_pd(x)

static SSE3_FN __m128i v_addsubps(__m128i d, __m128i s)
{
    return _mm_castps_si128(_mm_addsub_ps(PS(d), PS(s)));
}

static SSE3_FN __m128i v_addsubpd(__m128i d, __m128i s)
{
    return _mm_castpd_si128(_mm_addsub_pd(PD(d), PD(s)));
}

static SSE3_FN __m128i v_haddps(__m128i d, __m128i s)
{
    return _mm_castps_si128(_mm_hadd_ps(PS(d), PS(s)));
}

static SSE3_FN __m128i v_haddpd(__m128i d, __m128i s)
{
    return _mm_castpd_si128(_mm_hadd_pd(PD(d), PD(s)));
}

static SSE3_FN __m128i v_hsubps(__m128i d, __m128i s)
{
    return _mm_castps_si128(_mm_hsub_ps(PS(d), PS(s)));
}

static SSE3_FN __m128i v_hsubpd(__m128i d, __m128i s)
{
    return _mm_castpd_si128(_mm_hsub_pd(PD(d), PD(s)));
}

static SseFn *sse3_fn(unsigned mnem)
{
    switch (mnem) {
    case X86_INSN_ADDSUBPS: return v_addsubps;
    case X86_INSN_ADDSUBPD: return v_addsubpd;
    case X86_INSN_HADDPS:   return v_haddps;
    case X86_INSN_HADDPD:   return v_haddpd;
    case X86_INSN_HSUBPS:   return v_hsubps;
    default:                return v_hsubpd;
    }
}

void helper_sse3(X86CPUState *env, uint64_t dofs, uint64_t lo, uint64_t hi,
                 uint64_t mnem)
{
    uint8_t *reg = (uint8_t *)env + dofs;
    SseFn *fn = sse3_fn(mnem);
    uint64_t dq[2];
    uint32_t host;
    __m128i d, s, r;

    memcpy(dq, reg, 16);
    d = _mm_set_epi64x(dq[1], dq[0]);
    s = _mm_set_epi64x(hi, lo);
    host = sse_mxcsr_enter(env);
    __asm__ volatile("" : "+x"(d), "+x"(s));
    r = fn(d, s);
    __asm__ volatile("" : "+x"(r));
    sse_mxcsr_leave_op(env, host, 0, fn, d, s);
    dq[0] = _mm_cvtsi128_si64(r);
    dq[1] = _mm_cvtsi128_si64(_mm_unpackhi_epi64(r, r));
    memcpy(reg, dq, 16);
}
