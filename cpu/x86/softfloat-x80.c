/* SPDX-License-Identifier: MIT */
/*
 * Soft-float for the x87's 80-bit extended format: add, subtract,
 * multiply, divide, square root, round to integer, conversions to and from
 * single, double and integers, compare; correct rounding in the four
 * rounding modes at 24-, 53- and 64-bit precision, with the x87 exception
 * flags (IE DE ZE OE UE PE) and C1 (rounded up).
 *
 * Called by the x87 helpers; tests/unit/test-x87.c compares it with the
 * host FPU. Internally a finite value is sign, unbiased exponent E and a
 * 128-bit significand with the integer bit at 127 (value = sig * 2^(E-127));
 * the 64 low bits carry guard and sticky information for rounding.
 * Operands the 387 and later reject (pseudo-NaN, pseudo-infinity,
 * unnormal) are invalid (IE, real indefinite).
 * Ref: Intel SDM Vol. 1 4.2.2 (encodings), 4.7-4.9 (NaN rules, exceptions,
 * masked responses), 8.1.5 (precision control), 8.5 (x87 exceptions).
 * Unmasked overflow/underflow: a register result comes scaled by
 * 2^-24576 / 2^24576; for a store to memory the caller leaves the
 * destination alone.
 */
#include "kestrel/osdep.h"
#include <math.h>
#include "cpu/x86/softfloat-x80.h"

typedef unsigned __int128 u128;

#define X80_BIAS 16383
#define X80_EXP_MAX 0x7fff
#define X80_INT_BIT (1ull << 63)
#define X80_QUIET_BIT (1ull << 62)

const Fx80 fx_indefinite = { .mant = 0xc000000000000000ull, .se = 0xffff };

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

static const FxFormat fmt_f32 = { 24, -126, 127 };
static const FxFormat fmt_f64 = { 53, -1022, 1023 };

static FxFormat fmt_x80(const FxEnv *e)
{
    static const unsigned prec[4] = { 24, 64, 53, 64 };   /* 1: reserved */

    return (FxFormat) { prec[e->pc & 3], -16382, 16383 };
}

static bool fx_sign(Fx80 a)
{
    return a.se >> 15;
}

static unsigned fx_exp(Fx80 a)
{
    return a.se & X80_EXP_MAX;
}

static FxClass fx_class(Fx80 a)
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

bool fx_is_nan(Fx80 a)
{
    FxClass c = fx_class(a);

    return c == FC_QNAN || c == FC_SNAN;
}

static Fx80 fx_make(bool sign, unsigned exp, uint64_t mant)
{
    return (Fx80) { .mant = mant, .se = (uint16_t)(sign << 15 | exp) };
}

static Fx80 fx_inf(bool sign)
{
    return fx_make(sign, X80_EXP_MAX, X80_INT_BIT);
}

static Fx80 fx_zero(bool sign)
{
    return fx_make(sign, 0, 0);
}

/* A finite nonzero value, normalized (denormals: DE). */
static Unp fx_unpack(FxEnv *e, Fx80 a)
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

/* ---- rounding ---- */

typedef struct Rounded {
    bool sign;
    int32_t exp;                        /* unbiased; emin - 1: denormal */
    uint64_t sig;                       /* integer bit at 63 when normal */
    bool inf;
} Rounded;

/* Whether rounding u at `drop` bits carries out of bit 127. */
static bool fx_rounds_to_carry(const FxEnv *e, Unp u, unsigned drop)
{
    u128 ulp = (u128)1 << drop, rem = u.sig & (ulp - 1);
    bool up;

    switch (e->rc & 3) {
    case 0:
        up = rem > (ulp >> 1) || (rem == (ulp >> 1) && (u.sig & ulp));
        break;
    case 1:
        up = rem && u.sign;
        break;
    case 2:
        up = rem && !u.sign;
        break;
    default:
        up = false;
        break;
    }
    return up && (u.sig | (ulp - 1)) == ~(u128)0;
}

/*
 * Round u (normalized, or zero sig for an exact zero) to the format by
 * the rounding mode. With UE unmasked a tiny result underflows even when
 * exact. x87_dest: a register destination with OE/UE unmasked gets the
 * exponent scaled back into range by 24576 (SDM Vol. 1 8.5.4, 8.5.5);
 * beyond that range (FSCALE) the host CPU gives a signed infinity (OE PE
 * C1) or zero (UE PE) in every rounding mode.
 */
static Rounded fx_round(FxEnv *e, Unp u, const FxFormat *f, bool x87_dest)
{
    Rounded r = { .sign = u.sign, .exp = u.exp };
    unsigned drop = 128 - f->prec;      /* bits below the last place */
    u128 ulp = (u128)1 << drop;
    u128 half = ulp >> 1;
    u128 rem;
    bool inexact, up = false, tiny = false;
    bool ue_unmasked = !(e->masks & FX_UE);
    bool oe_unmasked = x87_dest && !(e->masks & FX_OE);

    if (!u.sig) {
        r.exp = f->emin - 1;
        r.sig = 0;
        return r;
    }
    if (u.exp < f->emin) {
        /* tininess after rounding (what the x87 does): tiny unless the
         * value rounded to the precision with an unbounded exponent
         * reaches 2^emin */
        tiny = !(u.exp == f->emin - 1 && fx_rounds_to_carry(e, u, drop));
        if (ue_unmasked && x87_dest && tiny) {
            u.exp += 24576;
            if (u.exp < f->emin) {
                e->flags |= FX_UE | FX_PE;
                r.exp = f->emin - 1;
                r.sig = 0;
                return r;
            }
        } else {
            unsigned sh = f->emin - u.exp;

            if (sh >= 128) {
                u.sig = 1;              /* all sticky */
            } else {
                u.sig = (u.sig >> sh) | ((u.sig & ((((u128)1) << sh) - 1)) != 0);
            }
            u.exp = f->emin;
        }
    }
    rem = u.sig & (ulp - 1);
    inexact = rem != 0;
    switch (e->rc & 3) {
    case 0:
        up = rem > half || (rem == half && (u.sig & ulp));
        break;
    case 1:
        up = inexact && u.sign;
        break;
    case 2:
        up = inexact && !u.sign;
        break;
    default:
        break;
    }
    u.sig &= ~(ulp - 1);
    if (up) {
        u128 s = u.sig + ulp;

        if (s < u.sig) {                /* carried out of bit 127 */
            s = (u128)1 << 127;
            u.exp++;
        }
        u.sig = s;
    }
    r.exp = u.exp;
    if (!(u.sig >> 127)) {
        r.exp = f->emin - 1;            /* still denormal (or zero) */
    }
    r.sig = u.sig >> 64;
    if (inexact) {
        e->flags |= FX_PE | (up ? FX_C1 : 0);
    }
    if (tiny && (inexact || ue_unmasked)) {
        e->flags |= FX_UE;
    }
    if (r.exp > f->emax) {
        if (oe_unmasked) {
            r.exp -= 24576;
            e->flags |= FX_OE;
            if (r.exp > f->emax) {
                r.inf = true;
                e->flags |= FX_PE | FX_C1;
            }
            return r;
        }
        e->flags |= FX_OE | FX_PE;
        e->flags &= ~FX_C1;
        /* to infinity, or the largest finite toward zero */
        if ((e->rc & 3) == 0 || ((e->rc & 3) == 1 && r.sign) ||
            ((e->rc & 3) == 2 && !r.sign)) {
            r.inf = true;
            e->flags |= FX_C1;
        } else {
            r.exp = f->emax;
            r.sig = ~0ull << (64 - f->prec);
        }
    }
    return r;
}

static Fx80 fx_pack(Rounded r)
{
    if (r.inf) {
        return fx_inf(r.sign);
    }
    if (!(r.sig >> 63)) {
        return fx_make(r.sign, 0, r.sig);
    }
    return fx_make(r.sign, r.exp + X80_BIAS, r.sig);
}

static Fx80 fx_round_pack(FxEnv *e, Unp u)
{
    FxFormat f = fmt_x80(e);

    return fx_pack(fx_round(e, u, &f, true));
}

/* Round at 64 bits whatever the precision control. */
static Fx80 fx_round_full(FxEnv *e, Unp u)
{
    static const FxFormat f = { 64, -16382, 16383 };

    return fx_pack(fx_round(e, u, &f, true));
}

/* ---- special operands ---- */

static Fx80 fx_quiet(Fx80 a)
{
    a.mant |= X80_QUIET_BIT;
    return a;
}

/* NaN operands (SDM table 4-7) or an unsupported encoding: the result. */
static bool fx_nan_result(FxEnv *e, Fx80 a, Fx80 b, bool two, Fx80 *res)
{
    FxClass ca = fx_class(a), cb = two ? fx_class(b) : FC_ZERO;
    bool na = ca == FC_QNAN || ca == FC_SNAN;
    bool nb = cb == FC_QNAN || cb == FC_SNAN;

    if (ca == FC_INVALID || cb == FC_INVALID) {
        e->flags |= FX_IE;
        *res = fx_indefinite;
        return true;
    }
    if (!na && !nb) {
        return false;
    }
    if (ca == FC_SNAN || cb == FC_SNAN) {
        e->flags |= FX_IE;
    }
    if (na && nb) {
        if (ca == FC_QNAN && cb == FC_SNAN) {
            *res = a;
        } else if (cb == FC_QNAN && ca == FC_SNAN) {
            *res = b;
        } else if ((a.mant << 1) != (b.mant << 1)) {
            *res = (a.mant << 1) > (b.mant << 1) ? a : b;
        } else {
            *res = fx_sign(a) ? b : a;
        }
    } else {
        *res = na ? a : b;
    }
    *res = fx_quiet(*res);
    return true;
}

static Fx80 fx_invalid(FxEnv *e)
{
    e->flags |= FX_IE;
    return fx_indefinite;
}

/* ---- arithmetic ---- */

static u128 shift_right_sticky(u128 v, unsigned n)
{
    if (n == 0) {
        return v;
    }
    if (n >= 128) {
        return v != 0;
    }
    return (v >> n) | ((v & ((((u128)1) << n) - 1)) != 0);
}

static Unp fx_normalize(Unp u)
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

static Fx80 fx_addsub(FxEnv *e, Fx80 a, Fx80 b, bool negate_b)
{
    FxClass ca, cb;
    Fx80 res;
    Unp x, y, r;

    if (fx_nan_result(e, a, b, true, &res)) {
        return res;
    }
    b.se ^= negate_b << 15;
    ca = fx_class(a);
    cb = fx_class(b);
    if (ca == FC_INF || cb == FC_INF) {
        if (ca == FC_INF && cb == FC_INF && fx_sign(a) != fx_sign(b)) {
            return fx_invalid(e);
        }
        if (ca == FC_DENORMAL || cb == FC_DENORMAL) {
            e->flags |= FX_DE;
        }
        return ca == FC_INF ? a : b;
    }
    if (ca == FC_ZERO && cb == FC_ZERO) {
        return fx_zero(fx_sign(a) == fx_sign(b) ? fx_sign(a)
                                                : (e->rc & 3) == 1);
    }
    if (ca == FC_ZERO || cb == FC_ZERO) {
        /* x + 0: x rounded to the precision */
        x = fx_unpack(e, ca == FC_ZERO ? b : a);
        return fx_round_pack(e, x);
    }
    x = fx_unpack(e, a);
    y = fx_unpack(e, b);
    if (x.exp < y.exp || (x.exp == y.exp && x.sig < y.sig)) {
        Unp t = x;

        x = y;
        y = t;
    }
    /* one guard bit of headroom for the carry */
    x.sig >>= 1;
    y.sig = shift_right_sticky(y.sig >> 1 | (y.sig & 1), x.exp - y.exp);
    r = (Unp) { .sign = x.sign, .exp = x.exp + 1 };
    if (x.sign == y.sign) {
        r.sig = x.sig + y.sig;
    } else {
        r.sig = x.sig - y.sig;
        if (!r.sig) {
            return fx_zero((e->rc & 3) == 1);
        }
    }
    return fx_round_pack(e, fx_normalize(r));
}

Fx80 fx_add(FxEnv *e, Fx80 a, Fx80 b)
{
    return fx_addsub(e, a, b, false);
}

Fx80 fx_sub(FxEnv *e, Fx80 a, Fx80 b)
{
    return fx_addsub(e, a, b, true);
}

Fx80 fx_mul(FxEnv *e, Fx80 a, Fx80 b)
{
    FxClass ca, cb;
    bool sign = fx_sign(a) ^ fx_sign(b);
    Fx80 res;
    Unp x, y, r;

    if (fx_nan_result(e, a, b, true, &res)) {
        return res;
    }
    ca = fx_class(a);
    cb = fx_class(b);
    if (ca == FC_INF || cb == FC_INF) {
        if (ca == FC_ZERO || cb == FC_ZERO) {
            return fx_invalid(e);
        }
        if (ca == FC_DENORMAL || cb == FC_DENORMAL) {
            e->flags |= FX_DE;
        }
        return fx_inf(sign);
    }
    if (ca == FC_ZERO || cb == FC_ZERO) {
        if (ca == FC_DENORMAL || cb == FC_DENORMAL) {
            e->flags |= FX_DE;
        }
        return fx_zero(sign);
    }
    x = fx_unpack(e, a);
    y = fx_unpack(e, b);
    r = (Unp) { .sign = sign, .exp = x.exp + y.exp + 1,
                .sig = (u128)(uint64_t)(x.sig >> 64) *
                       (uint64_t)(y.sig >> 64) };
    return fx_round_pack(e, fx_normalize(r));
}

Fx80 fx_div(FxEnv *e, Fx80 a, Fx80 b)
{
    FxClass ca, cb;
    bool sign = fx_sign(a) ^ fx_sign(b);
    Fx80 res;
    Unp x, y, r;
    uint64_t mb;
    u128 num, rem;

    if (fx_nan_result(e, a, b, true, &res)) {
        return res;
    }
    ca = fx_class(a);
    cb = fx_class(b);
    if ((ca == FC_INF && cb == FC_INF) || (ca == FC_ZERO && cb == FC_ZERO)) {
        return fx_invalid(e);
    }
    if (cb == FC_ZERO) {                /* ZE alone, even for a denormal */
        if (ca != FC_INF) {
            e->flags |= FX_ZE;
        }
        return fx_inf(sign);
    }
    if (ca == FC_DENORMAL || cb == FC_DENORMAL) {
        e->flags |= FX_DE;
    }
    if (ca == FC_INF) {
        return fx_inf(sign);
    }
    if (ca == FC_ZERO || cb == FC_INF) {
        return fx_zero(sign);
    }
    x = fx_unpack(e, a);
    y = fx_unpack(e, b);
    mb = y.sig >> 64;
    num = (u128)(uint64_t)(x.sig >> 64) << 63;
    r = (Unp) { .sign = sign, .exp = x.exp - y.exp };
    rem = num % mb;
    r.sig = (num / mb) << 64;
    r.sig |= ((rem << 64) / mb);
    r.sig |= ((rem << 64) % mb) != 0;   /* sticky */
    r.exp += 0;                         /* value = sig * 2^(exp - 127) */
    return fx_round_pack(e, fx_normalize(r));
}

/* floor(sqrt(n)) for n in [2^126, 2^128): the host's double square root
 * is within 2^12 of it, one Newton step brings that within 1, and the
 * integer checks after make it exact (no host rounding reaches the
 * result). */
static u128 isqrt128(u128 n)
{
    double d = sqrt((double)n);
    uint64_t r = d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
    u128 t = ((u128)r + n / r) >> 1;

    r = t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
    while ((u128)r * r > n) {
        r--;
    }
    while (r != UINT64_MAX && (u128)(r + 1) * (r + 1) <= n) {
        r++;
    }
    return r;
}

Fx80 fx_sqrt(FxEnv *e, Fx80 a)
{
    FxClass c;
    Fx80 res;
    Unp x;
    int32_t s, half_exp;
    u128 n, op, root;

    if (fx_nan_result(e, a, a, false, &res)) {
        return res;
    }
    c = fx_class(a);
    if (c == FC_ZERO) {
        return a;
    }
    if (fx_sign(a)) {
        return fx_invalid(e);
    }
    if (c == FC_INF) {
        return a;
    }
    x = fx_unpack(e, a);
    /* value = m * 2^(exp - 63); make exp - 63 - s even, s in {63, 64} */
    s = ((x.exp - 63 - 63) & 1) ? 64 : 63;
    half_exp = (x.exp - 63 - s) / 2;
    n = (u128)(uint64_t)(x.sig >> 64) << s;
    root = isqrt128(n);
    op = n - root * root;
    /* root = floor(sqrt(n)) in [2^63, 2^64); op = n - root^2 */
    x.sig = root << 64;
    if (op > root) {
        x.sig |= (u128)1 << 63 | 1;     /* above the half */
    } else if (op) {
        x.sig |= 1;                     /* below the half, inexact */
    }
    x.exp = half_exp + 63;
    return fx_round_pack(e, x);
}

Fx80 fx_round_int(FxEnv *e, Fx80 a)
{
    FxClass c = fx_class(a);
    FxFormat f;
    Fx80 res;
    Unp x;
    unsigned prec;

    if (fx_nan_result(e, a, a, false, &res)) {
        return res;
    }
    if (c == FC_ZERO || c == FC_INF) {
        return a;
    }
    x = fx_unpack(e, a);
    if (x.exp >= 63) {
        return a;                       /* already an integer */
    }
    if (x.exp < -1) {
        /* |a| < 0.5: shift into place so that the rounding sees sticky */
        x.sig = shift_right_sticky(x.sig, -1 - x.exp);
        x.exp = -1;
    }
    prec = x.exp + 1;                   /* integer bits */
    f = (FxFormat) { prec ? prec : 1, -16382, 16383 };
    if (!prec) {
        /* 0.5 <= |a| < 1 or smaller: round at the units place */
        x.sig = shift_right_sticky(x.sig, 1);
        x.exp = 0;
        f.prec = 1;
    }
    {
        FxEnv t = *e;
        Rounded r;

        t.flags = 0;
        r = fx_round(&t, x, &f, false);
        e->flags |= t.flags & (FX_PE | FX_C1);
        if (!(r.sig >> 63)) {
            return fx_zero(x.sign);
        }
        return fx_make(x.sign, r.exp + X80_BIAS, r.sig);
    }
}

/* ---- conversions ---- */

static Fx80 fx_from_ieee(FxEnv *e, uint64_t v, unsigned ebits, unsigned fbits)
{
    bool sign = v >> (ebits + fbits);
    unsigned emax = (1u << ebits) - 1, bias = emax >> 1;
    unsigned ex = (v >> fbits) & emax;
    uint64_t frac = v & ((1ull << fbits) - 1);
    int32_t exp;

    if (ex == emax) {
        if (!frac) {
            return fx_inf(sign);
        }
        if (!(frac >> (fbits - 1))) {
            e->flags |= FX_IE;          /* SNaN: quieted */
        }
        return fx_make(sign, X80_EXP_MAX, X80_INT_BIT | X80_QUIET_BIT |
                       frac << (63 - fbits));
    }
    if (ex == 0) {
        if (!frac) {
            return fx_zero(sign);
        }
        e->flags |= FX_DE;
        exp = 1 - (int32_t)bias;
        while (!(frac >> fbits)) {
            frac <<= 1;
            exp--;
        }
    } else {
        exp = (int32_t)ex - (int32_t)bias;
        frac |= 1ull << fbits;
    }
    return fx_make(sign, exp + X80_BIAS, frac << (63 - fbits));
}

Fx80 fx_from_f32(FxEnv *e, uint32_t v)
{
    return fx_from_ieee(e, v, 8, 23);
}

Fx80 fx_from_f64(FxEnv *e, uint64_t v)
{
    return fx_from_ieee(e, v, 11, 52);
}

Fx80 fx_from_int(int64_t v)
{
    bool sign = v < 0;
    uint64_t m = sign ? -(uint64_t)v : (uint64_t)v;
    int32_t exp = 63;

    if (!m) {
        return fx_zero(false);
    }
    while (!(m & X80_INT_BIT)) {
        m <<= 1;
        exp--;
    }
    return fx_make(sign, exp + X80_BIAS, m);
}

static uint64_t fx_to_ieee(FxEnv *e, Fx80 a, const FxFormat *f,
                           unsigned ebits, unsigned fbits)
{
    uint64_t sign = (uint64_t)fx_sign(a) << (ebits + fbits);
    uint64_t emask = (1ull << ebits) - 1, bias = emask >> 1;
    FxClass c = fx_class(a);
    Rounded r;
    uint16_t de = e->flags & FX_DE;     /* stores raise no DE */

    switch (c) {
    case FC_ZERO:
        return sign;
    case FC_INF:
        return sign | emask << fbits;
    case FC_QNAN:
    case FC_SNAN:
        if (c == FC_SNAN) {
            e->flags |= FX_IE;
        }
        return sign | emask << fbits | 1ull << (fbits - 1) |
               ((a.mant << 1) >> (64 - fbits));
    case FC_INVALID:
        e->flags |= FX_IE;
        return 1ull << (ebits + fbits) | emask << fbits | 1ull << (fbits - 1);
    default:
        break;
    }
    r = fx_round(e, fx_unpack(e, a), f, false);
    e->flags = (e->flags & ~FX_DE) | de;
    if (r.inf) {
        return sign | emask << fbits;
    }
    if (!(r.sig >> 63)) {               /* denormal or zero */
        return sign | r.sig >> (63 - fbits);
    }
    return sign | (uint64_t)(r.exp + bias) << fbits |
           ((r.sig << 1) >> (64 - fbits));
}

uint32_t fx_to_f32(FxEnv *e, Fx80 a)
{
    return fx_to_ieee(e, a, &fmt_f32, 8, 23);
}

uint64_t fx_to_f64(FxEnv *e, Fx80 a)
{
    return fx_to_ieee(e, a, &fmt_f64, 11, 52);
}

int64_t fx_to_int(FxEnv *e, Fx80 a, unsigned bytes, bool trunc)
{
    int64_t indefinite = (int64_t)((uint64_t)-1 << (bytes * 8 - 1));
    FxClass c = fx_class(a);
    FxEnv t = *e;
    Fx80 r;
    Unp x;
    uint64_t mag;

    if (c == FC_ZERO) {
        return 0;
    }
    if (c != FC_NORMAL && c != FC_DENORMAL) {
        e->flags |= FX_IE;
        return indefinite;
    }
    if (trunc) {
        t.rc = 3;
    }
    t.flags = 0;
    r = fx_round_int(&t, a);
    e->flags |= t.flags & ~(FX_C1 | FX_DE);  /* stores raise no DE */
    if (fx_class(r) == FC_ZERO) {
        return 0;
    }
    x = fx_unpack(&t, r);
    if (x.exp > 63) {
        e->flags = (e->flags | FX_IE) & ~FX_PE;
        return indefinite;
    }
    mag = (uint64_t)(x.sig >> 64) >> (63 - x.exp);
    if ((!x.sign && mag > (uint64_t)INT64_MAX >> (64 - bytes * 8)) ||
        (x.sign && mag > (uint64_t)1 << (bytes * 8 - 1))) {
        e->flags = (e->flags | FX_IE) & ~FX_PE;
        return indefinite;
    }
    if (t.flags & FX_C1) {
        e->flags |= FX_C1;
    }
    return x.sign ? -(int64_t)mag : (int64_t)mag;
}

int fx_compare(FxEnv *e, Fx80 a, Fx80 b, bool quiet)
{
    FxClass ca = fx_class(a), cb = fx_class(b);
    bool sa = fx_sign(a), sb = fx_sign(b);
    bool nan = ca == FC_QNAN || ca == FC_SNAN || cb == FC_QNAN ||
               cb == FC_SNAN;

    if (ca == FC_INVALID || cb == FC_INVALID) {
        e->flags |= FX_IE;
        return 2;
    }
    if (nan) {
        if (!quiet || ca == FC_SNAN || cb == FC_SNAN) {
            e->flags |= FX_IE;
        }
        return 2;
    }
    if (ca == FC_DENORMAL || cb == FC_DENORMAL) {
        e->flags |= FX_DE;
    }
    if (ca == FC_ZERO && cb == FC_ZERO) {
        return 0;
    }
    if (sa != sb) {
        return sa ? -1 : 1;
    }
    {
        /* same sign: compare magnitudes (denormals by value) */
        Unp x = ca == FC_ZERO ? (Unp) { 0 } : fx_unpack(e, a);
        Unp y = cb == FC_ZERO ? (Unp) { 0 } : fx_unpack(e, b);
        int m;

        if (ca == FC_INF || cb == FC_INF) {
            m = (ca == FC_INF) - (cb == FC_INF);
        } else if (ca == FC_ZERO || cb == FC_ZERO) {
            m = (cb == FC_ZERO) - (ca == FC_ZERO);
        } else if (x.exp != y.exp) {
            m = x.exp > y.exp ? 1 : -1;
        } else {
            m = x.sig > y.sig ? 1 : x.sig < y.sig ? -1 : 0;
        }
        return sa ? -m : m;
    }
}

/* ---- FSCALE, FPREM/FPREM1, and rounding a host result ---- */

Fx80 fx_scale(FxEnv *e, Fx80 a, Fx80 b)
{
    FxClass ca, cb;
    Fx80 res;
    FxEnv t;
    Unp x;
    int64_t n;

    if (fx_nan_result(e, a, b, true, &res)) {
        return res;
    }
    ca = fx_class(a);
    cb = fx_class(b);
    if (cb == FC_INF) {
        if (ca == FC_DENORMAL) {        /* as on the host CPU */
            e->flags |= FX_DE;
        }
        if ((ca == FC_ZERO && !fx_sign(b)) || (ca == FC_INF && fx_sign(b))) {
            return fx_invalid(e);
        }
        if (ca == FC_ZERO || ca == FC_INF) {
            return a;
        }
        return fx_sign(b) ? fx_zero(fx_sign(a)) : fx_inf(fx_sign(a));
    }
    if (ca == FC_ZERO || ca == FC_INF) {
        if (cb == FC_DENORMAL) {
            e->flags |= FX_DE;
        }
        return a;
    }
    t = (FxEnv) { .rc = 3, .pc = 3, .masks = 0x3f };
    n = cb == FC_ZERO ? 0 : fx_to_int(&t, b, 8, true);
    if (t.flags & FX_IE) {              /* |st1| >= 2^63 */
        n = fx_sign(b) ? -100000 : 100000;
    }
    n = MAX(MIN(n, 100000), -100000);
    x = fx_unpack(e, a);
    if (cb == FC_DENORMAL) {
        e->flags |= FX_DE;
    }
    x.exp += n;
    return fx_round_full(e, x);         /* FSCALE ignores PC */
}

Fx80 fx_rem(FxEnv *e, Fx80 a, Fx80 b, bool nearest, unsigned *q_low,
            bool *partial)
{
    FxClass ca, cb;
    Fx80 res;
    Unp x, y, r;
    int32_t d;
    unsigned n;
    u128 num, q, rem;
    uint64_t mb;

    *q_low = 0;
    *partial = false;
    if (fx_nan_result(e, a, b, true, &res)) {
        return res;
    }
    ca = fx_class(a);
    cb = fx_class(b);
    if (ca == FC_INF || cb == FC_ZERO) {
        return fx_invalid(e);
    }
    if (ca == FC_DENORMAL || cb == FC_DENORMAL) {
        e->flags |= FX_DE;
    }
    if (ca == FC_ZERO || cb == FC_INF) {
        return a;
    }
    x = fx_unpack(e, a);
    y = fx_unpack(e, b);
    d = x.exp - y.exp;
    if (d < 0) {
        if (nearest && d == -1 && (x.sig >> 64) > (y.sig >> 64)) {
            /* |a| > |b|/2 (a's exponent is one less): the nearest
             * quotient is 1 (found by tests/diff/diff-run) */
            r = (Unp) { .sign = !x.sign, .exp = y.exp,
                        .sig = y.sig - (x.sig >> 1) };
            *q_low = 1;
            return fx_round_full(e, fx_normalize(r));
        }
        return fx_round_full(e, x);     /* normalizes pseudo-denormals */
    }
    /* reduce by b * 2^k with a quotient of n + 1 bits at most */
    n = d < 64 ? (unsigned)d : 32 + (unsigned)((d - 32) % 32);
    *partial = d >= 64;
    mb = y.sig >> 64;
    num = (u128)(uint64_t)(x.sig >> 64) << n;
    q = num / mb;
    rem = num % mb;
    r = (Unp) { .sign = x.sign, .exp = y.exp + (d - (int32_t)n) };
    if (nearest && !*partial &&
        (2 * rem > mb || (2 * rem == mb && (q & 1)))) {
        rem = mb - rem;
        q++;
        r.sign = !r.sign;
    }
    *q_low = *partial ? 0 : q & 7;
    if (!rem) {
        return fx_zero(x.sign);
    }
    r.sig = rem << 64;
    return fx_round_full(e, fx_normalize(r));   /* exact */
}

Fx80 fx_round_prec(FxEnv *e, Fx80 a)
{
    FxClass c = fx_class(a);

    if (c != FC_NORMAL && c != FC_DENORMAL) {
        return a;
    }
    return fx_round_pack(e, fx_unpack(e, a));
}
