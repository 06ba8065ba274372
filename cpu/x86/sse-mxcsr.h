/* SPDX-License-Identifier: MIT */
/*
 * The host MXCSR around a guest SSE operation run on the host's SSE unit
 * (cpu/x86/sse_helper.c, cpu/x86/sse_fast.c): the guest's rounding, DAZ
 * and FTZ with every exception masked; the flags the operation raises are
 * ORed into the guest's MXCSR and an exception the guest left unmasked
 * raises #XM (CR4.OSXMMEXCPT) or #UD.
 *
 * LDMXCSR is slow, so it is skipped when the host MXCSR already holds the
 * guest's control bits and only flags that the guest has set and masked
 * (so ORing them in again changes nothing and raises nothing). When the
 * guest's control bits are the host's own (round to nearest, no DAZ/FTZ,
 * all masked: the usual case) the MXCSR is left as the operation left it,
 * so the next operation takes that path; host C code never reads the
 * sticky flags. Otherwise the host's MXCSR is restored afterwards.
 *
 * When the masked run raises an exception the guest left unmasked, the
 * hardware's flags come from cpu/x86/sse-trap.c. With UM unmasked the
 * masked run has FTZ set (FTZ does nothing then on the hardware): a tiny
 * exact result then raises UE too, as the hardware does without FTZ.
 * Ref: Intel SDM Vol. 1 10.2.3 (MXCSR), 11.5 (SIMD FP exceptions).
 */
#ifndef KESTREL_CPU_X86_SSE_MXCSR_H
#define KESTREL_CPU_X86_SSE_MXCSR_H

#include <emmintrin.h>
#include "cpu/x86/cpu.h"

#define MXCSR_FLAGS 0x3fu
#define MXCSR_MASKS (0x3fu << 7)
#define MXCSR_PRE 0x7u                  /* IE, DE, ZE */
#define MXCSR_OE 0x8u
#define MXCSR_UE 0x10u
#define MXCSR_UM (1u << 11)
#define MXCSR_KEEP 0xffffffffu          /* nothing to restore */

typedef __m128i SseFn(__m128i d, __m128i s);

/* The flags the hardware records for fn(d, s) (NULL: no OE or UE
 * possible) when fl, those of the masked run, has an unmasked one. */
uint32_t sse_mxcsr_unmasked_flags(const X86CPUState *env, uint32_t fl,
                                  SseFn *fn, __m128i d, __m128i s);

/* STMXCSR as a volatile asm: the compiler may merge two _mm_getcsr()
 * calls or move them across the operation in between. */
static inline uint32_t sse_getcsr(void)
{
    uint32_t v;

    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

/* Set up the host MXCSR; the value to hand to sse_mxcsr_leave(). */
static inline uint32_t sse_mxcsr_enter(const X86CPUState *env)
{
    uint32_t host = sse_getcsr();
    uint32_t want = (env->mxcsr & ~MXCSR_FLAGS) | MXCSR_MASKS |
                    ((~env->mxcsr & MXCSR_UM) << 4);   /* UM clear: FTZ */
    uint32_t known = env->mxcsr & (env->mxcsr >> 7) & MXCSR_FLAGS;

    if ((host & ~MXCSR_FLAGS) == want && !(host & MXCSR_FLAGS & ~known)) {
        return MXCSR_KEEP;
    }
    _mm_setcsr(want);
    return (host & ~MXCSR_FLAGS) == want ? MXCSR_KEEP : host;
}

/* Record the flags, restore the host MXCSR if needed, raise an unmasked
 * exception (ra: the helper's return address into translated code, or
 * 0 when EIP is already stored). fn(d, s): the operation, run again
 * then. */
static inline void sse_mxcsr_leave_op(X86CPUState *env, uint32_t saved,
                                      uintptr_t ra, SseFn *fn, __m128i d,
                                      __m128i s)
{
    uint32_t fl = sse_getcsr() & MXCSR_FLAGS;

    if (saved != MXCSR_KEEP) {
        _mm_setcsr(saved);
    }
    if (G_UNLIKELY(fl & ~(env->mxcsr >> 7) & MXCSR_FLAGS)) {
        fl = sse_mxcsr_unmasked_flags(env, fl, fn, d, s);
        env->mxcsr |= fl;
        if (fl & ~(env->mxcsr >> 7) & MXCSR_FLAGS) {
            raise_exception_ra(env, (env->cr[4] & CR4_OSXMMEXCPT)
                                    ? EXCP_XM : EXCP_UD, ra);
        }
        return;
    }
    env->mxcsr |= fl;
}

/* The same for an operation that cannot raise OE or UE. */
static inline void sse_mxcsr_leave(X86CPUState *env, uint32_t saved,
                                   uintptr_t ra)
{
    sse_mxcsr_leave_op(env, saved, ra, NULL, _mm_setzero_si128(),
                       _mm_setzero_si128());
}

#endif /* KESTREL_CPU_X86_SSE_MXCSR_H */
