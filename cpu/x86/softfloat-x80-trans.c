/* SPDX-License-Identifier: MIT */
/*
 * The x87's transcendental functions in soft-float: F2XM1, FYL2X,
 * FYL2XP1, FPATAN, FSIN, FCOS and FPTAN's tangent. Each is computed on the
 * unpacked form with a 128-bit significand (series evaluated by Horner's
 * rule with truncating steps, whose errors stay near 2^-120 relative) and
 * rounded once at 64 bits by the rounding mode: within one ulp of the
 * exact value as the SDM promises (correctly rounded but in the rare
 * cases whose bits 64..120 are all 1s or all 0s), with PE, C1 = rounded
 * up, and UE/OE (biased when unmasked) from the common rounding in
 * softfloat-x80.c. Results are never taken as exact but where the
 * hardware takes them so (zeros, infinities, log2 of a power of two).
 *
 * The callers (cpu/x86/fpu_unary.c) handle NaN and unsupported operands,
 * DE, and FYL2X of a zero or negative x; tests/unit/test-x87-trans.c
 * compares these functions with the host CPU.
 * Ref: Intel SDM Vol. 1 8.3.10 (accuracy), Vol. 2 F2XM1, FYL2X, FYL2XP1,
 * FPATAN (table of special operands), FSIN, FCOS, FSINCOS, FPTAN.
 * Missing: the hardware reduces sin/cos/tan arguments by a 66-bit pi
 * (SDM Vol. 1 8.3.10); here by pi to 256 bits, so results for |x| > pi/4
 * differ from Intel hardware in the low bits.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/softfloat-x80-internal.h"

#define W128(hi, lo) ((u128)(hi) << 64 | (lo))

/* value = sig * 2^(exp - 127); constants truncated to 128 bits */
static const Unp w_ln2 = {
    false, -1, W128(0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull) };
static const Unp w_log2e = {
    false, 0, W128(0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e88ull) };
static const Unp w_pi = {
    false, 1, W128(0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull) };
static const u128 w_sqrt2 = W128(0xb504f333f9de6484ull, 0x597d89b3754abe9full);
/* pi/2 to 256 bits in three parts of 64, 64 and 128 bits: k times each of
 * the first two is exact, for the reduction of sin/cos/tan arguments */
static const Unp w_pio2[3] = {
    { false, 0, W128(0xc90fdaa22168c234ull, 0) },
    { false, -64, W128(0xc4c6628b80dc1cd1ull, 0) },
    { false, -130, W128(0xa4093822299f31d0ull, 0x082efa98ec4e6c88ull) },
};

/* ---- 128-bit arithmetic on the unpacked form (sig 0: zero) ---- */

static Unp w_int(int64_t n)
{
    Unp u = { .sign = n < 0, .exp = 127,
              .sig = n < 0 ? -(uint64_t)n : (uint64_t)n };

    return fx_normalize(u);
}

static Unp w_neg(Unp a)
{
    a.sign = !a.sign;
    return a;
}

static Unp w_scale(Unp a, int32_t n)
{
    a.exp += n;
    return a;
}

static Unp w_add(Unp a, Unp b)
{
    int64_t d;
    u128 bs;

    if (!b.sig) {
        return a;
    }
    if (!a.sig) {
        return b;
    }
    if (a.exp < b.exp || (a.exp == b.exp && a.sig < b.sig)) {
        Unp t = a;

        a = b;
        b = t;
    }
    d = (int64_t)a.exp - b.exp;
    bs = d >= 128 ? 0 : b.sig >> d;
    if (a.sign != b.sign) {
        a.sig -= bs;
        return fx_normalize(a);
    }
    a.sig += bs;
    if (a.sig < bs) {                   /* carried out of bit 127 */
        a.sig = a.sig >> 1 | (u128)1 << 127;
        a.exp++;
    }
    return a;
}

/* The high 128 bits of the 256-bit product */
static Unp w_mul(Unp a, Unp b)
{
    uint64_t ah = a.sig >> 64, al = a.sig, bh = b.sig >> 64, bl = b.sig;
    u128 hl = (u128)ah * bl, lh = (u128)al * bh;
    u128 mid = (u128)(uint64_t)hl + (uint64_t)lh + (((u128)al * bl) >> 64);
    Unp r = { .sign = a.sign ^ b.sign, .exp = a.exp + b.exp + 1,
              .sig = (u128)ah * bh + (hl >> 64) + (lh >> 64) + (mid >> 64) };

    if (!a.sig || !b.sig) {
        return (Unp) { .sign = r.sign };
    }
    if (!(r.sig >> 127)) {
        r.sig = r.sig << 1 | (uint64_t)mid >> 63;
        r.exp--;
    }
    return r;
}

/* 128 quotient bits by restoring division (b nonzero) */
static Unp w_div(Unp a, Unp b)
{
    Unp q = { .sign = a.sign ^ b.sign, .exp = a.exp - b.exp };
    u128 r = a.sig;
    bool carry = false;

    if (!a.sig) {
        return q;
    }
    if (r < b.sig) {                    /* a quotient below 1 */
        carry = true;
        r <<= 1;
        q.exp--;
    }
    for (int i = 127; i >= 0; i--) {
        if (carry || r >= b.sig) {
            r -= b.sig;
            q.sig |= (u128)1 << i;
        }
        carry = r >> 127;
        r <<= 1;
    }
    return q;
}

static int w_cmp_abs(Unp a, Unp b)
{
    if (a.exp != b.exp) {
        return a.exp < b.exp ? -1 : 1;
    }
    return a.sig < b.sig ? -1 : a.sig > b.sig;
}

/* An inexact result rounded at 64 bits: PE, C1, UE, OE */
static Fx80 w_round(FxEnv *e, Unp r)
{
    r.sig |= 1;
    return fx_round_full(e, r);
}

/* ---- series ---- */

/* e^t - 1 for |t| <= 1: t (1 + t/2 (1 + t/3 (1 + ...))) */
static Unp w_expm1(Unp t)
{
    Unp p = w_int(1);

    for (int n = 27; n >= 2; n--) {
        p = w_add(w_int(1), w_div(w_mul(p, t), w_int(n)));
    }
    return w_mul(t, p);
}

/* log2((1 + s) / (1 - s)) = 2 atanh(s) / ln 2 for |s| <= 0.18 */
static Unp w_log2_atanh(Unp s)
{
    Unp s2 = w_mul(s, s), p = w_int(0);

    for (int n = 17; n >= 0; n--) {
        p = w_add(w_div(w_int(1), w_int(2 * n + 1)), w_mul(s2, p));
    }
    return w_scale(w_mul(w_mul(s, p), w_log2e), 1);
}

/* log2(v), v > 0: k + log2(m) with m in [sqrt(1/2), sqrt(2)] */
static Unp w_log2(Unp v)
{
    int32_t k = v.exp;
    Unp m = v, one = w_int(1);

    m.exp = 0;
    if (m.sig > w_sqrt2) {
        m.exp = -1;
        k++;
    }
    return w_add(w_int(k), w_log2_atanh(w_div(w_add(m, w_neg(one)),
                                              w_add(m, one))));
}

/* atan(z) for 0 <= z <= 1; from 1/2 on, pi/4 + atan((z - 1) / (z + 1)) */
static Unp w_atan(Unp z)
{
    Unp base = { 0 }, z2, p = w_int(0);

    if (z.sig && z.exp >= -1) {
        base = w_scale(w_pi, -2);
        z = w_div(w_add(z, w_int(-1)), w_add(z, w_int(1)));
    }
    z2 = w_mul(z, z);
    for (int n = 40; n >= 0; n--) {
        p = w_add(w_div(w_int(n & 1 ? -1 : 1), w_int(2 * n + 1)),
                  w_mul(z2, p));
    }
    return w_add(base, w_mul(z, p));
}

/* sin r and cos r for |r| <= pi/4 (a little beyond is fine) */
static Unp w_sin(Unp r)
{
    Unp r2 = w_mul(r, r), p = w_int(1);

    for (int n = 13; n >= 1; n--) {
        p = w_add(w_int(1), w_neg(w_div(w_mul(r2, p),
                                        w_int(2 * n * (2 * n + 1)))));
    }
    return w_mul(r, p);
}

static Unp w_cos(Unp r)
{
    Unp r2 = w_mul(r, r), p = w_int(1);

    for (int n = 13; n >= 1; n--) {
        p = w_add(w_int(1), w_neg(w_div(w_mul(r2, p),
                                        w_int((2 * n - 1) * 2 * n))));
    }
    return p;
}

/* x = k pi/2 + r for x >= 0 below 2^63, |r| <= pi/4 (about) */
static Unp w_reduce(Unp x, uint64_t *k)
{
    Unp q = w_div(x, w_scale(w_pi, -1));
    uint64_t n = 0;

    if (q.exp >= -1) {                  /* q >= 1/2: to the nearest */
        q = w_add(q, w_scale(w_int(1), -1));
        n = (uint64_t)(q.sig >> (127 - q.exp));
    }
    *k = n;
    for (unsigned i = 0; i < G_N_ELEMENTS(w_pio2) && n; i++) {
        x = w_add(x, w_neg(w_mul(w_int(n), w_pio2[i])));
    }
    return x;
}

/* ---- the functions ---- */

Fx80 fx_f2xm1(FxEnv *e, Fx80 x)
{
    FxEnv t = *e;
    FxClass c = fx_class(x);
    Unp u, r;
    int64_t k;

    if (c == FC_ZERO) {
        return x;
    }
    if (c == FC_INF) {
        return fx_sign(x) ? fx_from_int(-1) : x;
    }
    u = fx_unpack(&t, x);
    if (u.exp < 0 || (u.exp == 0 && u.sig == (u128)1 << 127)) {
        r = w_expm1(w_mul(u, w_ln2));
    } else if (u.exp > 15) {
        /* (outside the SDM's -1..1) huge: overflows, or just above -1 */
        r = u.sign ? (Unp) { true, -1, ~(u128)0 }
                   : (Unp) { false, 1 << 20, (u128)1 << 127 };
    } else {
        /* (outside the SDM's -1..1) 2^k (1 + expm1(f ln 2)) - 1 */
        k = (int64_t)(u.sig >> (127 - u.exp));
        k = u.sign ? -k : k;
        r = w_expm1(w_mul(w_add(u, w_int(-k)), w_ln2));
        r = w_add(w_scale(w_add(w_int(1), r), k), w_int(-1));
    }
    return w_round(e, r);
}

/* A stand-in for log2(x) where y * log2(x) is exact or invalid: its sign,
 * or zero or infinity */
static Fx80 fx_log2_class(Fx80 x)
{
    FxEnv t = { .masks = 0x3f };
    int c = fx_compare(&t, x, fx_from_int(1), true);

    return fx_class(x) == FC_INF ? x : c == 0 ? fx_zero(false)
                                            : fx_from_int(c);
}

Fx80 fx_yl2x(FxEnv *e, Fx80 x, Fx80 y)
{
    FxEnv t = *e;
    FxClass cy = fx_class(y);
    Unp u, p;
    Fx80 r;

    if (fx_class(x) == FC_INF || (cy != FC_NORMAL && cy != FC_DENORMAL)) {
        return fx_mul(e, y, fx_log2_class(x));
    }
    u = fx_unpack(&t, x);
    if (u.exp == 0 && u.sig == (u128)1 << 127) {
        return fx_mul(e, y, fx_zero(false));    /* log2(1): exact 0 */
    }
    p = w_mul(fx_unpack(&t, y), w_log2(u));
    if (u.sig == (u128)1 << 127) {
        /* log2 of a power of two is exact, yet the hardware sets PE */
        r = fx_round_full(e, p);
        e->flags |= FX_PE;
        return r;
    }
    return w_round(e, p);
}

Fx80 fx_yl2xp1(FxEnv *e, Fx80 x, Fx80 y)
{
    FxEnv t = *e;
    FxClass cx = fx_class(x), cy = fx_class(y);
    Unp u, l;

    if (cx == FC_INF && fx_sign(x)) {
        return fx_invalid(e);           /* log2 of a negative */
    }
    if (cx == FC_ZERO || cx == FC_INF ||
        (cy != FC_NORMAL && cy != FC_DENORMAL)) {
        return fx_mul(e, y, x);         /* log2(1 + x) has x's sign */
    }
    u = fx_unpack(&t, x);
    if (u.exp < -2) {                   /* |x| < 1/4: s = x / (2 + x) */
        l = w_log2_atanh(w_div(u, w_add(w_int(2), u)));
    } else {
        /* (outside the SDM's range) 1 + x, exact here */
        u = w_add(w_int(1), u);
        if (u.sign || !u.sig) {
            return fx_invalid(e);       /* x <= -1 */
        }
        l = w_log2(u);
    }
    return w_round(e, w_mul(fx_unpack(&t, y), l));
}

Fx80 fx_atan2(FxEnv *e, Fx80 y, Fx80 x)
{
    FxEnv t = *e;
    FxClass cx = fx_class(x), cy = fx_class(y);
    bool sx = fx_sign(x);
    Unp r, ux, uy;

    if (cy == FC_ZERO || (cx == FC_INF && cy != FC_INF)) {
        if (!sx) {
            return fx_zero(fx_sign(y));         /* exact */
        }
        r = w_pi;
    } else if (cx == FC_ZERO || cy == FC_INF) {
        r = cx != FC_INF ? w_scale(w_pi, -1)
            : sx ? w_add(w_pi, w_neg(w_scale(w_pi, -2))) : w_scale(w_pi, -2);
    } else {
        ux = fx_unpack(&t, x);
        uy = fx_unpack(&t, y);
        ux.sign = uy.sign = false;
        if (w_cmp_abs(uy, ux) <= 0) {
            r = w_atan(w_div(uy, ux));
        } else {
            r = w_add(w_scale(w_pi, -1), w_neg(w_atan(w_div(ux, uy))));
        }
        if (sx) {
            r = w_add(w_pi, w_neg(r));
        }
    }
    r.sign = fx_sign(y);
    return w_round(e, r);
}

/* sin (0), cos (1) or tan (2) of a finite nonzero x below 2^63 */
static Fx80 fx_trig(FxEnv *e, Fx80 x, int fn)
{
    FxEnv t = *e;
    uint64_t k;
    Unp a = fx_unpack(&t, x), r, s, c, v;
    bool neg = fx_sign(x) && fn != 1;   /* sin and tan are odd */

    a.sign = false;
    r = w_reduce(a, &k);
    s = w_sin(r);
    c = w_cos(r);
    if (k & 1) {                        /* sin(r + pi/2) = cos r, ... */
        v = s;
        s = c;
        c = w_neg(v);
    }
    if (k & 2) {
        s = w_neg(s);
        c = w_neg(c);
    }
    v = fn == 0 ? s : fn == 1 ? c : w_div(s, c);
    if (neg) {
        v = w_neg(v);
    }
    return w_round(e, v);
}

Fx80 fx_sin(FxEnv *e, Fx80 x)
{
    return fx_class(x) == FC_ZERO ? x : fx_trig(e, x, 0);
}

Fx80 fx_cos(FxEnv *e, Fx80 x)
{
    return fx_class(x) == FC_ZERO ? fx_from_int(1) : fx_trig(e, x, 1);
}

Fx80 fx_tan(FxEnv *e, Fx80 x)
{
    return fx_class(x) == FC_ZERO ? x : fx_trig(e, x, 2);
}
