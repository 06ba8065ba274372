/* SPDX-License-Identifier: MIT */
/*
 * SSE/SSE2/MMX helpers (cpu/x86/sse_helper.c) and the FXSAVE/FXRSTOR
 * image (cpu/x86/fxsave_helper.c), called by translated code
 * (cpu/x86/emit-sse.c).
 *
 * Vector helpers take the destination as an offset in env (an XMM
 * register, or the mantissa of the x87 register an MMX register aliases),
 * the 128-bit source as two 64-bit halves already loaded by the
 * translator, and arg = mnemonic | length in bytes (8 or 16) << 16 |
 * imm8 << 24. They write the destination last, after any exception.
 * Ref: Intel SDM Vol. 1 ch. 9-11, Vol. 2 the instruction pages.
 */
#ifndef KESTREL_CPU_X86_SSE_H
#define KESTREL_CPU_X86_SSE_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"

#define X86_MXCSR_VALID 0xffffu         /* MXCSR_MASK: DAZ supported */

/* True when helper_sse_vec has a row for this mnemonic. */
bool x86_sse_vec_known(unsigned mnem);

void helper_sse_vec(X86CPUState *env, uint64_t dofs, uint64_t lo,
                    uint64_t hi, uint64_t arg);
/* Where an operation stands in a run sharing one MXCSR read (sse_fast.c) */
typedef enum SseFastPart {
    SSE_FAST_ONE,                       /* alone */
    SSE_FAST_BEGIN,                     /* first: returns `run` */
    SSE_FAST_CONT,                      /* inside: takes `run` */
    SSE_FAST_END,                       /* last: takes `run` */
    SSE_FAST_PARTS
} SseFastPart;

/* The fast helper of cpu/x86/sse_fast.c for this mnemonic with an XMM
 * destination, or NULL. reg_src (an XMM source): helper(env, dofs, sofs);
 * else helper(env, dofs, lo, hi); CONT and END (floating point with an
 * XMM source only) take `run` as a last argument, the value BEGIN
 * returned. Each may raise #XM/#UD through TCG_GETPC(), so the caller
 * need not store EIP. */
void *x86_sse_fast_helper(unsigned mnem, bool reg_src, SseFastPart part);
/* PSHUFD/LW/HW/W, SHUFPS/PD, PSLLDQ/PSRLDQ (on the destination) */
void helper_sse_shuf(X86CPUState *env, uint64_t dofs, uint64_t lo,
                     uint64_t hi, uint64_t arg);
/* MOVMSKPS/PD, PMOVMSKB of the value lo:hi */
uint64_t helper_sse_movmsk(X86CPUState *env, uint64_t lo, uint64_t hi,
                           uint64_t mnem);
/* (U)COMISS/SD: sets the lazy flags to CC_OP_EFLAGS */
void helper_sse_comi(X86CPUState *env, uint64_t a, uint64_t b,
                     uint64_t mnem);
/* arg = mnemonic | (64-bit integer) << 16 */
uint64_t helper_sse_cvt2si(X86CPUState *env, uint64_t v, uint64_t arg);
void helper_sse_cvtsi2(X86CPUState *env, uint64_t dofs, uint64_t v,
                       uint64_t arg);
/* #GP(0) for reserved bits */
void helper_ldmxcsr(X86CPUState *env, uint64_t val);
/* FXSAVE/FXRSTOR at linear addr (16-byte aligned, else #GP(0));
 * rex_w: 64-bit FIP/FDP format; xmm_count: 8, or 16 in 64-bit mode. */
void helper_fxsave(X86CPUState *env, uint64_t addr, uint64_t rex_w,
                   uint64_t xmm_count);
void helper_fxrstor(X86CPUState *env, uint64_t addr, uint64_t rex_w,
                    uint64_t xmm_count);

/* MASKMOVQ/MASKMOVDQU: store the bytes of the register at env offset
 * sofs whose mask byte (mask_lo:mask_hi) has bit 7 set, at linear addr. */
void helper_maskmov(X86CPUState *env, uint64_t addr, uint64_t sofs,
                    uint64_t mask_lo, uint64_t mask_hi);

#endif /* KESTREL_CPU_X86_SSE_H */
