/* SPDX-License-Identifier: MIT */
/*
 * Soft-float conversions between the x87's 80-bit extended format and
 * single, double and integers (loads exact, stores rounded by the
 * rounding mode), and compares.
 * Ref: Intel SDM Vol. 1 4.2 (formats), 4.8.3 (integer indefinite), Vol. 2
 * FLD, FST, FIST, FISTTP, FCOM, FUCOM.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/softfloat-x80-internal.h"

static const FxFormat fmt_f32 = { 24, -126, 127 };
static const FxFormat fmt_f64 = { 53, -1022, 1023 };

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
    Unp u;
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
    u = fx_unpack(e, a);
    r = fx_round(e, &u, f, false);
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
