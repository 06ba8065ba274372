/* SPDX-License-Identifier: MIT */
/*
 * Soft-float for the x87's 80-bit extended format, the common part:
 * classifying and unpacking operands, rounding in the four rounding modes
 * at 24-, 53- and 64-bit precision with the x87 exception flags (IE DE ZE
 * OE UE PE) and C1 (rounded up), packing, NaN operands. The operations are
 * in softfloat-x80-arith.c (add, subtract, multiply, divide, square root,
 * round to integer, FSCALE, FPREM), softfloat-x80-conv.c (conversions,
 * compare) and softfloat-x80-trans.c (transcendental functions).
 *
 * Called by the x87 helpers; tests/unit/test-x87.c compares it with the
 * host FPU. Operands the 387 and later reject (pseudo-NaN,
 * pseudo-infinity, unnormal) are invalid (IE, real indefinite).
 * Ref: Intel SDM Vol. 1 4.2.2 (encodings), 4.7-4.9 (NaN rules, exceptions,
 * masked responses), 8.1.5 (precision control), 8.5 (x87 exceptions).
 * Unmasked overflow/underflow: a register result comes scaled by
 * 2^-24576 / 2^24576; for a store to memory the caller leaves the
 * destination alone.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/softfloat-x80-internal.h"

const Fx80 fx_indefinite = { .mant = 0xc000000000000000ull, .se = 0xffff };

bool fx_is_nan(Fx80 a)
{
    FxClass c = fx_class(a);

    return c == FC_QNAN || c == FC_SNAN;
}

/* ---- rounding ---- */

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
Rounded fx_round(FxEnv *e, const Unp *in, const FxFormat *f, bool x87_dest)
{
    Unp u = *in;
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

/* ---- special operands ---- */

/* NaN operands (SDM table 4-7) or an unsupported encoding: the result. */
bool fx_nan_result_slow(FxEnv *e, Fx80 a, Fx80 b, bool two, Fx80 *res)
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

Fx80 fx_invalid(FxEnv *e)
{
    e->flags |= FX_IE;
    return fx_indefinite;
}

/* ---- helpers of the operations ---- */

