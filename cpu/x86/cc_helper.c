/* SPDX-License-Identifier: MIT */
/*
 * Lazy flags: computing CF PF AF ZF SF OF from cc_op/cc_dst/cc_src/cc_src2
 * (the encoding is in cc.h), and EFLAGS as a whole for the rest of the
 * emulator (x86_cpu_get_eflags / x86_cpu_set_eflags).
 *
 * Called by translated code when a flag is read and the translator has no
 * inline form for it (PF, AF, PUSHF, LAHF, ADC after a non-carry op...),
 * by helpers, the GDB stub, the monitor and KVM state transfer.
 * One compute function per op and width, generated from a template, picked
 * from a table indexed by cc_op.
 * Ref: Intel SDM Vol. 1 3.4.3 (EFLAGS), Vol. 2 "Flags Affected" sections.
 */
#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"
#include "cpu/x86/cc.h"

typedef uint32_t CCComputeFn(uint64_t dst, uint64_t src, uint64_t src2);

/* Bit 1 of EFLAGS reads as 1 (SDM Vol. 1 3.4.3). */
#define EFLAGS_FIXED 0x2

/* ZF, SF and PF of a result of `bits` width. */
#define CC_ZSP(dst, bits, sign) \
    (((dst) == 0 ? CC_Z : 0) | (((dst) & (sign)) ? CC_S : 0) | \
     cc_parity(dst))

/*
 * Template: one set of compute functions per width. T is the unsigned type
 * of the width, SUF the size suffix.
 */
#define CC_TEMPLATE(SUF, T, BITS)                                            \
static const T sign_##SUF = (T)1 << (BITS - 1);                              \
                                                                             \
static uint32_t cc_all_add##SUF(uint64_t d64, uint64_t s64, uint64_t c)      \
{                                                                            \
    T dst = d64, src = s64, src1 = dst - src;                                \
    uint32_t cf = dst < src1;                                                \
    uint32_t of = ((src1 ^ src ^ (T)-1) & (src1 ^ dst) & sign_##SUF) != 0;   \
    return cf | CC_ZSP(dst, BITS, sign_##SUF) |                              \
           ((dst ^ src ^ src1) & CC_A) | (of ? CC_O : 0);                    \
}                                                                            \
                                                                             \
static uint32_t cc_all_adc##SUF(uint64_t d64, uint64_t s64, uint64_t c)      \
{                                                                            \
    T dst = d64, src = s64, src1 = dst - src - (T)c;                         \
    uint32_t cf = c ? dst <= src1 : dst < src1;                              \
    uint32_t of = ((src1 ^ src ^ (T)-1) & (src1 ^ dst) & sign_##SUF) != 0;   \
    return cf | CC_ZSP(dst, BITS, sign_##SUF) |                              \
           ((dst ^ src ^ src1) & CC_A) | (of ? CC_O : 0);                    \
}                                                                            \
                                                                             \
static uint32_t cc_all_sub##SUF(uint64_t d64, uint64_t s64, uint64_t c)      \
{                                                                            \
    T dst = d64, src = s64, src1 = dst + src;                                \
    uint32_t cf = src1 < src;                                                \
    uint32_t of = ((src1 ^ src) & (src1 ^ dst) & sign_##SUF) != 0;           \
    return cf | CC_ZSP(dst, BITS, sign_##SUF) |                              \
           ((dst ^ src ^ src1) & CC_A) | (of ? CC_O : 0);                    \
}                                                                            \
                                                                             \
static uint32_t cc_all_sbb##SUF(uint64_t d64, uint64_t s64, uint64_t c)      \
{                                                                            \
    T dst = d64, src = s64, src1 = dst + src + (T)c;                         \
    uint32_t cf = c ? src1 <= src : src1 < src;                              \
    uint32_t of = ((src1 ^ src) & (src1 ^ dst) & sign_##SUF) != 0;           \
    return cf | CC_ZSP(dst, BITS, sign_##SUF) |                              \
           ((dst ^ src ^ src1) & CC_A) | (of ? CC_O : 0);                    \
}                                                                            \
                                                                             \
static uint32_t cc_all_logic##SUF(uint64_t d64, uint64_t s64, uint64_t c)    \
{                                                                            \
    T dst = d64;                                                             \
    return CC_ZSP(dst, BITS, sign_##SUF);                                    \
}                                                                            \
                                                                             \
static uint32_t cc_all_inc##SUF(uint64_t d64, uint64_t s64, uint64_t c)      \
{                                                                            \
    T dst = d64, src1 = dst - 1;                                             \
    return (s64 & CC_C) | CC_ZSP(dst, BITS, sign_##SUF) |                    \
           ((dst ^ src1 ^ 1) & CC_A) | (dst == sign_##SUF ? CC_O : 0);       \
}                                                                            \
                                                                             \
static uint32_t cc_all_dec##SUF(uint64_t d64, uint64_t s64, uint64_t c)      \
{                                                                            \
    T dst = d64, src1 = dst + 1;                                             \
    return (s64 & CC_C) | CC_ZSP(dst, BITS, sign_##SUF) |                    \
           ((dst ^ src1 ^ 1) & CC_A) |                                       \
           (dst == (T)(sign_##SUF - 1) ? CC_O : 0);                          \
}                                                                            \
                                                                             \
static uint32_t cc_all_shl##SUF(uint64_t d64, uint64_t s64, uint64_t c)      \
{                                                                            \
    T dst = d64, src = s64;                                                  \
    return ((src & sign_##SUF) ? CC_C : 0) | CC_ZSP(dst, BITS, sign_##SUF) | \
           (((src ^ dst) & sign_##SUF) ? CC_O : 0);                          \
}                                                                            \
                                                                             \
static uint32_t cc_all_sar##SUF(uint64_t d64, uint64_t s64, uint64_t c)      \
{                                                                            \
    T dst = d64, src = s64;                                                  \
    return (src & 1) | CC_ZSP(dst, BITS, sign_##SUF) |                       \
           (((src ^ dst) & sign_##SUF) ? CC_O : 0);                          \
}                                                                            \
                                                                             \
static uint32_t cc_all_mul##SUF(uint64_t d64, uint64_t s64, uint64_t c)      \
{                                                                            \
    T dst = d64;                                                             \
    return (s64 ? CC_C | CC_O : 0) | CC_ZSP(dst, BITS, sign_##SUF);          \
}

CC_TEMPLATE(b, uint8_t, 8)
CC_TEMPLATE(w, uint16_t, 16)
CC_TEMPLATE(l, uint32_t, 32)
CC_TEMPLATE(q, uint64_t, 64)

static uint32_t cc_all_eflags(uint64_t dst, uint64_t src, uint64_t src2)
{
    return src & CC_MASK;
}

#define CC_FAMILY(OP, fn) \
    [CC_OP_##OP##B] = fn##b, [CC_OP_##OP##W] = fn##w, \
    [CC_OP_##OP##L] = fn##l, [CC_OP_##OP##Q] = fn##q

static CCComputeFn *const cc_compute_table[CC_OP_NB] = {
    [CC_OP_EFLAGS] = cc_all_eflags,
    CC_FAMILY(ADD, cc_all_add),
    CC_FAMILY(ADC, cc_all_adc),
    CC_FAMILY(SUB, cc_all_sub),
    CC_FAMILY(SBB, cc_all_sbb),
    CC_FAMILY(LOGIC, cc_all_logic),
    CC_FAMILY(INC, cc_all_inc),
    CC_FAMILY(DEC, cc_all_dec),
    CC_FAMILY(SHL, cc_all_shl),
    CC_FAMILY(SAR, cc_all_sar),
    CC_FAMILY(MUL, cc_all_mul),
};

uint32_t x86_cc_compute_all(uint64_t dst, uint64_t src, uint64_t src2,
                            unsigned op)
{
    if (op >= CC_OP_NB || !cc_compute_table[op]) {
        /* CC_OP_DYNAMIC never reaches env: an internal error */
        ks_abort("cc: bad cc_op %u", op);
    }
    return cc_compute_table[op](dst, src, src2);
}

uint32_t x86_cc_compute_c(uint64_t dst, uint64_t src, uint64_t src2,
                          unsigned op)
{
    return x86_cc_compute_all(dst, src, src2, op) & CC_C;
}

uint64_t helper_cc_compute_all(X86CPUState *env, uint64_t dst, uint64_t src,
                               uint64_t src2, uint64_t op)
{
    return x86_cc_compute_all(dst, src, src2, op);
}

uint64_t helper_cc_compute_c(X86CPUState *env, uint64_t dst, uint64_t src,
                             uint64_t src2, uint64_t op)
{
    return x86_cc_compute_c(dst, src, src2, op);
}

uint64_t x86_cpu_get_eflags(const X86CPUState *env)
{
    return (env->eflags & ~(uint64_t)CC_MASK) | EFLAGS_FIXED |
           x86_cc_compute_all(env->cc_dst, env->cc_src, env->cc_src2,
                              env->cc_op);
}

void x86_cpu_set_eflags(X86CPUState *env, uint64_t eflags)
{
    env->eflags = (eflags & ~(uint64_t)CC_MASK) | EFLAGS_FIXED;
    env->cc_src = eflags & CC_MASK;
    env->cc_dst = 0;
    env->cc_src2 = 0;
    env->cc_op = CC_OP_EFLAGS;
}
