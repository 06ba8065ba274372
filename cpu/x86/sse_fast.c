/* SPDX-License-Identifier: MIT */
/*
 * Fast paths for the common SSE/SSE2 arithmetic on XMM registers: one
 * helper per operation and source kind, so the operation is inlined in
 * its helper (no table, no length or predicate decoding, no copies), the
 * source is read from env when it is an XMM register (`_rr`: destination
 * and source env offsets) or passed as lo:hi when it came from memory
 * (`_rm`). Floating-point rows run under sse-mxcsr.h, which skips the
 * LDMXCSR pair in the usual case. An exception finds the guest
 * instruction from the helper's return address (TCG_GETPC), so the
 * translator stores no EIP before the call.
 *
 * cpu/x86/emit-sse.c asks x86_sse_fast_helper() at translation time and
 * falls back to helper_sse_vec (cpu/x86/sse_helper.c, which has every
 * operation and the MMX forms) when it returns NULL. The results are those
 * of helper_sse_vec: the same host instructions.
 * Ref: Intel SDM Vol. 1 ch. 10-11, Vol. 2 the instruction pages.
 */
#include "kestrel/osdep.h"
#include <emmintrin.h>
#include "cpu/x86/sse.h"
#include "cpu/x86/sse-mxcsr.h"
#include "cpu/x86/insn.h"
#include "tcg/tcg-backend.h"

#define PS(x) _mm_castsi128_ps(x)
#define PD(x) _mm_castsi128_pd(x)
#define IPS(x) _mm_castps_si128(x)
#define IPD(x) _mm_castpd_si128(x)

typedef SseFn FastFn;

static inline __attribute__((always_inline))
void fast_run(X86CPUState *env, uint64_t dofs, __m128i s, FastFn *fn,
              bool flt, uintptr_t ra)
{
    __m128i *dp = (__m128i *)((char *)env + dofs);
    __m128i d = _mm_loadu_si128(dp), r;

    if (flt) {
        uint32_t saved = sse_mxcsr_enter(env);

        __asm__ volatile("" : "+x"(d), "+x"(s));
        r = fn(d, s);
        __asm__ volatile("" : "+x"(r));
        sse_mxcsr_leave_op(env, saved, ra, fn, d, s);
    } else {
        r = fn(d, s);
    }
    _mm_storeu_si128(dp, r);
}

/*
 * Runs: consecutive floating-point operations between XMM registers in a
 * block (emit-sse-arith.c) read the MXCSR flags once, after the last.
 * The first (_b) sets up the host MXCSR as usual and returns 1 when the
 * guest has every exception masked and the host MXCSR needs no restoring:
 * then no operation of the run can fault, nothing but the run's helpers
 * runs on the host until its last one (no other call, memory access or
 * exit from the block in between), so the host MXCSR gathers the run's
 * flags and the last (_e) ORs them into the guest's, which nothing reads
 * in between: the same MXCSR as with one read per operation. Otherwise
 * (0) each operation of the run (_c, then _e) takes the full path.
 */
static inline __attribute__((always_inline))
uint64_t fast_begin(X86CPUState *env, uint64_t dofs, __m128i s, FastFn *fn,
                    uintptr_t ra)
{
    __m128i *dp = (__m128i *)((char *)env + dofs);
    __m128i d = _mm_loadu_si128(dp), r;
    uint32_t saved = sse_mxcsr_enter(env);
    bool run = saved == MXCSR_KEEP &&
               (env->mxcsr & MXCSR_MASKS) == MXCSR_MASKS;

    __asm__ volatile("" : "+x"(d), "+x"(s));
    r = fn(d, s);
    __asm__ volatile("" : "+x"(r));
    if (!run) {
        sse_mxcsr_leave_op(env, saved, ra, fn, d, s);
    }
    _mm_storeu_si128(dp, r);
    return run;
}

static inline __attribute__((always_inline))
void fast_cont(X86CPUState *env, uint64_t dofs, __m128i s, FastFn *fn,
               uint64_t run, bool last, uintptr_t ra)
{
    __m128i *dp = (__m128i *)((char *)env + dofs);
    __m128i r;

    if (!run) {
        fast_run(env, dofs, s, fn, true, ra);
        return;
    }
    r = fn(_mm_loadu_si128(dp), s);
    if (last) {
        __asm__ volatile("" : "+x"(r));
        env->mxcsr |= sse_getcsr() & MXCSR_FLAGS;
    }
    _mm_storeu_si128(dp, r);
}

/* f_NAME(d, s) for each row, then its helpers */
#define XMM_AT(env, ofs) _mm_loadu_si128((void *)((char *)(env) + (ofs)))
#define FN_I(name, intr) \
    static inline __m128i f_##name(__m128i d, __m128i s) \
    { return intr(d, s); }
#define FN_S(name, intr) \
    static inline __m128i f_##name(__m128i d, __m128i s) \
    { return IPS(intr(PS(d), PS(s))); }
#define FN_D(name, intr) \
    static inline __m128i f_##name(__m128i d, __m128i s) \
    { return IPD(intr(PD(d), PD(s))); }

#define HELPERS(name, flt) \
    static void h_##name##_rr(X86CPUState *env, uint64_t dofs, \
                              uint64_t sofs) \
    { \
        fast_run(env, dofs, XMM_AT(env, sofs), f_##name, flt, TCG_GETPC()); \
    } \
    static void h_##name##_rm(X86CPUState *env, uint64_t dofs, uint64_t lo, \
                              uint64_t hi) \
    { \
        fast_run(env, dofs, _mm_set_epi64x(hi, lo), f_##name, flt, \
                 TCG_GETPC()); \
    }

#define RUN_HELPERS(name) \
    static uint64_t h_##name##_rrb(X86CPUState *env, uint64_t dofs, \
                                   uint64_t sofs) \
    { \
        return fast_begin(env, dofs, XMM_AT(env, sofs), f_##name, \
                          TCG_GETPC()); \
    } \
    static uint64_t h_##name##_rmb(X86CPUState *env, uint64_t dofs, \
                                   uint64_t lo, uint64_t hi) \
    { \
        return fast_begin(env, dofs, _mm_set_epi64x(hi, lo), f_##name, \
                          TCG_GETPC()); \
    } \
    static void h_##name##_rrc(X86CPUState *env, uint64_t dofs, \
                               uint64_t sofs, uint64_t run) \
    { \
        fast_cont(env, dofs, XMM_AT(env, sofs), f_##name, run, false, \
                  TCG_GETPC()); \
    } \
    static void h_##name##_rre(X86CPUState *env, uint64_t dofs, \
                               uint64_t sofs, uint64_t run) \
    { \
        fast_cont(env, dofs, XMM_AT(env, sofs), f_##name, run, true, \
                  TCG_GETPC()); \
    }
#define FLT_HELPERS(name) HELPERS(name, true) RUN_HELPERS(name)

#define INT_OP(name, intr) FN_I(name, intr) HELPERS(name, false)
#define LOGIC_S(name, intr) FN_S(name, intr) HELPERS(name, false)
#define LOGIC_D(name, intr) FN_D(name, intr) HELPERS(name, false)
#define FLT_S(name, intr) FN_S(name, intr) FLT_HELPERS(name)
#define FLT_D(name, intr) FN_D(name, intr) FLT_HELPERS(name)
#define FLT4(op) \
    FLT_S(op##ps, _mm_##op##_ps) FLT_S(op##ss, _mm_##op##_ss) \
    FLT_D(op##pd, _mm_##op##_pd) FLT_D(op##sd, _mm_##op##_sd)

/* The compiler treats ADD and MUL as commutative and may swap the
 * operands, but with two NaNs the first operand's is the result: asm. */
#define FLT_ASM(name) \
    static inline __m128i f_##name(__m128i d, __m128i s) \
    { \
        __asm__(#name " %1, %0" : "+x"(d) : "x"(s)); \
        return d; \
    } \
    FLT_HELPERS(name)
#define FLT4_ASM(op) FLT_ASM(op##ps) FLT_ASM(op##ss) FLT_ASM(op##pd) \
    FLT_ASM(op##sd)

FLT4_ASM(add) FLT4(sub) FLT4_ASM(mul) FLT4(div) FLT4(min) FLT4(max)

/* square roots read only the source (the scalar forms keep d's rest) */
static inline __m128i f_sqrtps(__m128i d, __m128i s)
{
    return IPS(_mm_sqrt_ps(PS(s)));
}
static inline __m128i f_sqrtpd(__m128i d, __m128i s)
{
    return IPD(_mm_sqrt_pd(PD(s)));
}
static inline __m128i f_sqrtss(__m128i d, __m128i s)
{
    return IPS(_mm_move_ss(PS(d), _mm_sqrt_ss(PS(s))));
}
static inline __m128i f_sqrtsd(__m128i d, __m128i s)
{
    return IPD(_mm_sqrt_sd(PD(d), PD(s)));
}
FLT_HELPERS(sqrtps) FLT_HELPERS(sqrtpd) FLT_HELPERS(sqrtss)
FLT_HELPERS(sqrtsd)

LOGIC_S(andps, _mm_and_ps) LOGIC_S(andnps, _mm_andnot_ps)
LOGIC_S(orps, _mm_or_ps) LOGIC_S(xorps, _mm_xor_ps)
LOGIC_D(andpd, _mm_and_pd) LOGIC_D(andnpd, _mm_andnot_pd)
LOGIC_D(orpd, _mm_or_pd) LOGIC_D(xorpd, _mm_xor_pd)

INT_OP(paddb, _mm_add_epi8) INT_OP(paddw, _mm_add_epi16)
INT_OP(paddd, _mm_add_epi32) INT_OP(paddq, _mm_add_epi64)
INT_OP(psubb, _mm_sub_epi8) INT_OP(psubw, _mm_sub_epi16)
INT_OP(psubd, _mm_sub_epi32) INT_OP(psubq, _mm_sub_epi64)
INT_OP(pand, _mm_and_si128) INT_OP(pandn, _mm_andnot_si128)
INT_OP(por, _mm_or_si128) INT_OP(pxor, _mm_xor_si128)
INT_OP(pcmpeqb, _mm_cmpeq_epi8) INT_OP(pcmpeqw, _mm_cmpeq_epi16)
INT_OP(pcmpeqd, _mm_cmpeq_epi32) INT_OP(pcmpgtb, _mm_cmpgt_epi8)
INT_OP(pcmpgtw, _mm_cmpgt_epi16) INT_OP(pcmpgtd, _mm_cmpgt_epi32)
INT_OP(pmullw, _mm_mullo_epi16) INT_OP(pmuludq, _mm_mul_epu32)
INT_OP(pmaddwd, _mm_madd_epi16)

typedef struct FastRow {
    void *fn[SSE_FAST_PARTS][2];        /* [part][reg_src] */
} FastRow;

#define ROW(M, name) [X86_INSN_##M] = { .fn[SSE_FAST_ONE] = { \
        (void *)h_##name##_rm, (void *)h_##name##_rr } }
#define FROW(M, name) [X86_INSN_##M] = { .fn = { \
        [SSE_FAST_ONE] = { (void *)h_##name##_rm, (void *)h_##name##_rr }, \
        [SSE_FAST_BEGIN] = { (void *)h_##name##_rmb, \
                             (void *)h_##name##_rrb }, \
        [SSE_FAST_CONT] = { NULL, (void *)h_##name##_rrc }, \
        [SSE_FAST_END] = { NULL, (void *)h_##name##_rre } } }
#define ROW4(OP, op) FROW(OP##PS, op##ps), FROW(OP##SS, op##ss), \
                     FROW(OP##PD, op##pd), FROW(OP##SD, op##sd)

static const FastRow fast_rows[X86_INSN_COUNT] = {
    ROW4(ADD, add), ROW4(SUB, sub), ROW4(MUL, mul), ROW4(DIV, div),
    ROW4(MIN, min), ROW4(MAX, max), ROW4(SQRT, sqrt),
    ROW(ANDPS, andps), ROW(ANDNPS, andnps), ROW(ORPS, orps),
    ROW(XORPS, xorps), ROW(ANDPD, andpd), ROW(ANDNPD, andnpd),
    ROW(ORPD, orpd), ROW(XORPD, xorpd),
    ROW(PADDB, paddb), ROW(PADDW, paddw), ROW(PADDD, paddd),
    ROW(PADDQ, paddq), ROW(PSUBB, psubb), ROW(PSUBW, psubw),
    ROW(PSUBD, psubd), ROW(PSUBQ, psubq), ROW(PAND, pand),
    ROW(PANDN, pandn), ROW(POR, por), ROW(PXOR, pxor),
    ROW(PCMPEQB, pcmpeqb), ROW(PCMPEQW, pcmpeqw), ROW(PCMPEQD, pcmpeqd),
    ROW(PCMPGTB, pcmpgtb), ROW(PCMPGTW, pcmpgtw), ROW(PCMPGTD, pcmpgtd),
    ROW(PMULLW, pmullw), ROW(PMULUDQ, pmuludq), ROW(PMADDWD, pmaddwd),
};

void *x86_sse_fast_helper(unsigned mnem, bool reg_src, SseFastPart part)
{
    if (mnem >= X86_INSN_COUNT) {
        return NULL;
    }
    return fast_rows[mnem].fn[part][reg_src];
}
