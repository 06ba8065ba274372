/* SPDX-License-Identifier: MIT */
/*
 * Shared by the soft-float's files (softfloat-x80*.c) and nothing else:
 * the unpacked form, classification, rounding and packing, NaN operands.
 * A finite value unpacked is sign, unbiased exponent E and a 128-bit
 * significand with the integer bit at 127 (value = sig * 2^(E-127)); the
 * 64 low bits carry guard and sticky information for rounding.
 */
#ifndef KESTREL_CPU_X86_SOFTFLOAT_X80_INTERNAL_H
#define KESTREL_CPU_X86_SOFTFLOAT_X80_INTERNAL_H

#include "kestrel/osdep.h"
#include "cpu/x86/softfloat-x80.h"

typedef unsigned __int128 u128;

#define X80_BIAS 16383
#define X80_EXP_MAX 0x7fff
#define X80_INT_BIT (1ull << 63)
#define X80_QUIET_BIT (1ull << 62)

typedef enum FxClass {
    FC_ZERO, FC_NORMAL, FC_DENORMAL, FC_INF, FC_QNAN, FC_SNAN, FC_INVALID,
} FxClass;

typedef struct Unp {
    bool sign;
    int32_t exp;                        /* unbiased */
    u128 sig;                           /* integer bit at 127 when finite */
} Unp;

typedef struct FxFormat {
    unsigned prec;                      /* significand bits */
    int32_t emin, emax;                 /* normal exponent range */
} FxFormat;

typedef struct Rounded {
    bool sign;
    int32_t exp;                        /* unbiased; emin - 1: denormal */
    uint64_t sig;                       /* integer bit at 63 when normal */
    bool inf;
} Rounded;

static inline FxFormat fmt_x80(const FxEnv *e)
{
    static const unsigned prec[4] = { 24, 64, 53, 64 };   /* 1: reserved */

    return (FxFormat) { prec[e->pc & 3], -16382, 16383 };
}

static inline bool fx_sign(Fx80 a)
{
    return a.se >> 15;
}

static inline unsigned fx_exp(Fx80 a)
{
    return a.se & X80_EXP_MAX;
}

static inline Fx80 fx_make(bool sign, unsigned exp, uint64_t mant)
{
    return (Fx80) { .mant = mant, .se = (uint16_t)(sign << 15 | exp) };
}

static inline Fx80 fx_inf(bool sign)
{
    return fx_make(sign, X80_EXP_MAX, X80_INT_BIT);
}

static inline Fx80 fx_zero(bool sign)
{
    return fx_make(sign, 0, 0);
}

static inline Fx80 fx_quiet(Fx80 a)
{
    a.mant |= X80_QUIET_BIT;
    return a;
}

/* Round u to the format by the rounding mode (softfloat-x80.c says more);
 * u by pointer: a 32-byte struct by value is copied at every call. */
Rounded fx_round(FxEnv *e, const Unp *u, const FxFormat *f, bool x87_dest);

static inline Fx80 fx_pack(Rounded r)
{
    if (r.inf) {
        return fx_inf(r.sign);
    }
    if (!(r.sig >> 63)) {
        return fx_make(r.sign, 0, r.sig);
    }
    return fx_make(r.sign, r.exp + X80_BIAS, r.sig);
}

/* Round to the precision control. */
static inline Fx80 fx_round_pack(FxEnv *e, Unp u)
{
    FxFormat f = fmt_x80(e);

    return fx_pack(fx_round(e, &u, &f, true));
}

/* Round at 64 bits whatever the precision control. */
static inline Fx80 fx_round_full(FxEnv *e, Unp u)
{
    static const FxFormat f = { 64, -16382, 16383 };

    return fx_pack(fx_round(e, &u, &f, true));
}
Fx80 fx_invalid(FxEnv *e);
bool fx_nan_result_slow(FxEnv *e, Fx80 a, Fx80 b, bool two, Fx80 *res);

/*
 * The small helpers every operation calls are inline here: as functions
 * of softfloat-x80.c they cost the x87 workload about half again its time.
 */
static inline FxClass fx_class(Fx80 a)
{
    unsigned e = fx_exp(a);

    if (e == X80_EXP_MAX) {
        if (!(a.mant & X80_INT_BIT)) {
            return FC_INVALID;          /* pseudo-infinity / pseudo-NaN */
        }
        if (!(a.mant << 1)) {
            return FC_INF;
        }
        return (a.mant & X80_QUIET_BIT) ? FC_QNAN : FC_SNAN;
    }
    if (e == 0) {
        return a.mant ? FC_DENORMAL : FC_ZERO;  /* pseudo-denormal too */
    }
    return (a.mant & X80_INT_BIT) ? FC_NORMAL : FC_INVALID;  /* unnormal */
}

/* A finite nonzero value, normalized (denormals: DE). */
static inline Unp fx_unpack(FxEnv *e, Fx80 a)
{
    Unp u = { .sign = fx_sign(a), .exp = (int32_t)fx_exp(a) - X80_BIAS };
    uint64_t m = a.mant;

    if (fx_exp(a) == 0) {
        e->flags |= FX_DE;
        u.exp = 1 - X80_BIAS;
    }
    while (!(m & X80_INT_BIT)) {
        m <<= 1;
        u.exp--;
    }
    u.sig = (u128)m << 64;
    return u;
}

static inline u128 shift_right_sticky(u128 v, unsigned n)
{
    if (n == 0) {
        return v;
    }
    if (n >= 128) {
        return v != 0;
    }
    return (v >> n) | ((v & ((((u128)1) << n) - 1)) != 0);
}

static inline Unp fx_normalize(Unp u)
{
    if (!u.sig) {
        return u;
    }
    while (!(u.sig >> 127)) {
        u.sig <<= 1;
        u.exp--;
    }
    return u;
}

/* Neither a NaN, an infinity nor an unsupported encoding. */
static inline bool fx_plain(Fx80 a)
{
    return fx_exp(a) != X80_EXP_MAX &&
           (fx_exp(a) == 0 || (a.mant & X80_INT_BIT));
}

/* NaN operands (SDM table 4-7) or an unsupported encoding: the result. */
static inline bool fx_nan_result(FxEnv *e, Fx80 a, Fx80 b, bool two,
                                 Fx80 *res)
{
    if (fx_plain(a) && (!two || fx_plain(b))) {
        return false;
    }
    return fx_nan_result_slow(e, a, b, two, res);
}

#endif /* KESTREL_CPU_X86_SOFTFLOAT_X80_INTERNAL_H */
