/* SPDX-License-Identifier: MIT */
/*
 * Soft-float arithmetic on the x87's 80-bit extended format: add,
 * subtract, multiply, divide, square root, round to integer, FSCALE and
 * FPREM/FPREM1, each exact before one rounding (softfloat-x80.c).
 * Ref: Intel SDM Vol. 1 4.7-4.9, 8.1.5, Vol. 2 FSCALE, FPREM, FPREM1.
 */
#include "kestrel/osdep.h"
#include <math.h>
#include "cpu/x86/softfloat-x80-internal.h"

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
        r = fx_round(&t, &x, &f, false);
        e->flags |= t.flags & (FX_PE | FX_C1);
        if (!(r.sig >> 63)) {
            return fx_zero(x.sign);
        }
        return fx_make(x.sign, r.exp + X80_BIAS, r.sig);
    }
}

/* ---- FSCALE, FPREM/FPREM1 ---- */

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
