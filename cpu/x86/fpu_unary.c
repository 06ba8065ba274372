/* SPDX-License-Identifier: MIT */
/*
 * x87 functions of ST0 (and ST1): FCHS FABS FSQRT FRNDINT FSCALE FPREM
 * FPREM1 FXTRACT and the transcendental functions FSIN FCOS FSINCOS FPTAN
 * FPATAN F2XM1 FYL2X FYL2XP1. Called by fpu_helper.c's dispatch.
 *
 * Transcendental functions use the host's long double
 * library at 64-bit precision (within the SDM's 1 ulp); they report PE
 * and leave C1 clear. Their exceptions follow the arithmetic's rules, as
 * on the host CPU: IE (NaN, unsupported, FYL2X of a negative or 0 * log 0)
 * before DE (a denormal operand) and ZE (FYL2X of zero); unmasked, these
 * write nothing and pop nothing. Where a result can be tiny or huge (sin,
 * tan, F2XM1, FPATAN, FYL2XP1 of a tiny argument, FYL2X) it comes from
 * the soft-float as a product or quotient, so UE/OE and, unmasked, the
 * biased register result are those of the other arithmetic.
 * Ref: Intel SDM Vol. 1 8.3.10, Vol. 2 each instruction.
 * Missing: C1 of the transcendentals (the host library does not tell the
 * rounding direction).
 */
#include "kestrel/osdep.h"
#include <math.h>
#include "cpu/x86/cpu.h"
#include "cpu/x86/insn.h"
#include "cpu/x86/fpu-internal.h"

G_STATIC_ASSERT(sizeof(long double) >= 10);

static long double to_ld(Fx80 v)
{
    long double d = 0;

    memcpy(&d, &v, 10);
    return d;
}

static Fx80 from_ld(long double d)
{
    Fx80 v;

    memcpy(&v, &d, 10);
    return v;
}

/* A host-library result rounded to the precision control, PE set; a
 * tiny one (the host rounded it already) also UE. */
static Fx80 x87_host_result(FxEnv *e, long double d)
{
    Fx80 v = from_ld(d);
    uint8_t pc = e->pc;

    /* the precision control rounds FADD..FDIV and FSQRT only (SDM Vol. 1
     * 8.1.5.2): these get 64 bits (found by tests/diff/diff-run) */
    e->flags |= FX_PE;
    e->pc = 3;
    v = fx_round_prec(e, v);
    e->pc = pc;
    e->flags &= ~FX_C1;
    if (!(v.se & 0x7fff) && v.mant) {
        e->flags |= FX_UE;
    }
    return v;
}

/* A finite nonzero a as m * 2^*ex, m in [1, 2) (denormals normalized) */
static Fx80 x87_unit(Fx80 a, int *ex)
{
    int x = (a.se & 0x7fff) ? (a.se & 0x7fff) - 0x3fff : 1 - 0x3fff;
    uint64_t m = a.mant;

    while (!(m >> 63)) {
        m <<= 1;
        x--;
    }
    *ex = x;
    return (Fx80) { m, (uint16_t)((a.se & 0x8000) | 0x3fff) };
}

/*
 * a * b * c (or a / b) at 64 bits for a result linear in a, where it can be
 * tiny or huge: the product of the significands, then scaled by the
 * exponents, gives the x87's UE/OE responses with the bias of an
 * unmasked UE or OE (SDM Vol. 1 8.5.4, 8.5.5) from denormal operands
 * too. The functions are never exact there but for a zero: PE.
 */
static Fx80 x87_linear(FxEnv *e, Fx80 a, Fx80 b, long double c, bool div)
{
    uint8_t pc = e->pc;
    FxEnv t = { .rc = e->rc, .pc = 3, .masks = 0x3f };
    int ea, eb;
    Fx80 r;

    e->pc = 3;
    if (!a.mant || !b.mant || (a.se & 0x7fff) == 0x7fff ||
        (b.se & 0x7fff) == 0x7fff) {
        r = div ? fx_div(e, a, b) : fx_mul(e, fx_mul(&t, a, from_ld(c)), b);
    } else {
        a = x87_unit(a, &ea);
        b = x87_unit(b, &eb);
        r = div ? fx_div(&t, a, b)
                : fx_mul(&t, fx_mul(&t, a, b), from_ld(c));
        r = fx_scale(e, r, fx_from_int(div ? ea - eb : ea + eb));
    }
    e->pc = pc;
    e->flags &= ~FX_C1;
    if (a.mant && b.mant) {             /* a zero operand: exact, as on
                                         * the host CPU */
        e->flags |= FX_PE;
    }
    if (!(r.se & 0x7fff) && r.mant) {
        e->flags |= FX_UE;              /* tiny and (taken as) inexact */
    }
    return r;
}

/* Below 2^-40 sin x and tan x are x, 2^x - 1 is x ln 2 and log2(1 + x)
 * is x log2(e), atan(y / x) is y / x, to well within the last place. */
static bool x87_tiny(Fx80 a)
{
    return (a.se & 0x7fff) < 0x3fff - 40;
}

/* A denormal operand (DE): reported after IE, before the computation */
static void x87_denormal(FxEnv *e, Fx80 a)
{
    if (!(a.se & 0x7fff) && a.mant) {
        e->flags |= FX_DE;
    }
}

#define X87_LN2 0.693147180559945309417232121458176568L
#define X87_LOG2E 1.442695040888963407359924681001892137L

/* NaN or unsupported operands of a transcendental function */
static bool x87_special(FxEnv *e, Fx80 a, Fx80 *r)
{
    if (fx_is_nan(a)) {
        if (!(a.mant & (1ull << 62))) {
            e->flags |= FX_IE;
        }
        *r = a;
        r->mant |= 1ull << 62;
        return true;
    }
    if ((a.se & 0x7fff) && !(a.mant >> 63)) {
        e->flags |= FX_IE;
        *r = fx_indefinite;
        return true;
    }
    return false;
}

void x87_unary(X87Op *o)
{
    X86CPUState *env = o->env;
    unsigned m = o->mnem;
    bool two = m == X86_INSN_FSCALE || m == X86_INSN_FPREM ||
               m == X86_INSN_FPREM1 || m == X86_INSN_FYL2X ||
               m == X86_INSN_FYL2XP1 || m == X86_INSN_FPATAN;
    FxEnv e = x87_fenv(env);
    Fx80 a = x87_st_get(env, 0), b = x87_st_get(env, 1), r = a, r2;
    long double x = to_ld(a), y = to_ld(b);
    bool big = (a.se & 0x7fff) >= 0x3fff + 63;
    unsigned q;
    bool partial, pushes;

    pushes = m == X86_INSN_FPTAN || m == X86_INSN_FSINCOS ||
             m == X86_INSN_FXTRACT;
    env->fpus &= ~FSW_C2;               /* a stack fault clears it too */
    if (x87_st_empty(env, 0) || (two && x87_st_empty(env, 1)) ||
        (pushes && !x87_st_empty(env, 7))) {
        /* underflow, or a push that would overflow: checked first; the
         * masked response fills every result with the indefinite */
        if (x87_stack_fault(env, !x87_st_empty(env, 0) &&
                            !(two && x87_st_empty(env, 1)))) {
            return;
        }
        x87_st_set(env, 0, fx_indefinite);
        if (!pushes) {
            return;
        }
        env->fpstt = (env->fpstt - 1) & 7;
        x87_st_set(env, 0, fx_indefinite);
        return;
    }
    switch (m) {
    case X86_INSN_FCHS:
        r.se ^= 0x8000;
        break;
    case X86_INSN_FABS:
        r.se &= 0x7fff;
        break;
    case X86_INSN_FSQRT:
        r = fx_sqrt(&e, a);
        break;
    case X86_INSN_FRNDINT:
        r = fx_round_int(&e, a);
        break;
    case X86_INSN_FSCALE:
        r = fx_scale(&e, a, b);
        break;
    case X86_INSN_FPREM:
    case X86_INSN_FPREM1:
        r = fx_rem(&e, a, b, m == X86_INSN_FPREM1, &q, &partial);
        /* no quotient of a NaN or an invalid operand, nor when an
         * unmasked DE stops it: C0 and C3 stay, as on the host CPU */
        if (fx_is_nan(a) || fx_is_nan(b) ||
            (e.flags & (FX_IE | (~env->fpuc & FX_DE)))) {
            q = 0;
            partial = false;
            env->fpus &= ~(FSW_C1 | FSW_C2);
        } else {
            env->fpus &= ~FSW_CC;
        }
        env->fpus |= (partial ? FSW_C2 : 0) | ((q & 4) ? FSW_C0 : 0) |
                     ((q & 2) ? FSW_C3 : 0);
        e.flags = (e.flags & ~FX_C1) | ((q & 1) ? FX_C1 : 0);
        break;
    case X86_INSN_FSIN:
    case X86_INSN_FCOS:
    case X86_INSN_FPTAN:
    case X86_INSN_FSINCOS:
        if (x87_special(&e, a, &r)) {
            r2 = r;
            break;
        }
        if ((a.se & 0x7fff) == 0x7fff) {
            r = r2 = fx_indefinite;     /* infinity */
            e.flags |= FX_IE;
            break;
        }
        if (big) {
            env->fpus |= FSW_C2;        /* out of range: unchanged */
            return;
        }
        if (!(a.se & 0x7fff) && !a.mant) {  /* zeros are exact */
            r = a;
            r2 = fx_from_int(1);
            if (m == X86_INSN_FCOS) {
                r = r2;
            }
            break;
        }
        x87_denormal(&e, a);
        r2 = m == X86_INSN_FPTAN ? fx_from_int(1)
                                 : x87_host_result(&e, cosl(x));
        if (m == X86_INSN_FCOS) {
            r = r2;
        } else if (x87_tiny(a)) {
            r = x87_linear(&e, a, fx_from_int(1), 1, false);
        } else {
            r = x87_host_result(&e, m == X86_INSN_FPTAN ? tanl(x) : sinl(x));
        }
        break;
    case X86_INSN_F2XM1:
        if (!x87_special(&e, a, &r) && (a.mant || (a.se & 0x7fff))) {
            x87_denormal(&e, a);
            r = x87_tiny(a) ? x87_linear(&e, a, fx_from_int(1), X87_LN2, false)
                : x87_host_result(&e, expm1l(x * X87_LN2));
        }
        break;
    case X86_INSN_FYL2X:
    case X86_INSN_FYL2XP1:
    case X86_INSN_FPATAN:
        if (x87_special(&e, a, &r) || x87_special(&e, b, &r)) {
            break;
        }
        if (m == X86_INSN_FPATAN) {
            x87_denormal(&e, a);
            x87_denormal(&e, b);
            if (!b.mant && !(a.se & 0x8000)) {
                r = b;                  /* atan(+-0 / +x): exact */
            } else if (!(a.se & 0x8000) && (a.se & 0x7fff) != 0x7fff &&
                       (int)(b.se & 0x7fff) - (int)(a.se & 0x7fff) < -40) {
                r = x87_linear(&e, b, a, 1, true);
            } else {
                r = x87_host_result(&e, atan2l(y, x));
            }
        } else if (m == X86_INSN_FYL2X && (a.se & 0x8000) &&
                   (a.mant || (a.se & 0x7fff))) {
            r = fx_indefinite;
            e.flags |= FX_IE;
        } else if (m == X86_INSN_FYL2X && !a.mant && !b.mant) {
            r = fx_indefinite;          /* 0 * log2(0), as on the host */
            e.flags |= FX_IE;
        } else if (m == X86_INSN_FYL2X && !a.mant) {
            e.flags |= FX_ZE;
            r = (Fx80) { 1ull << 63, (uint16_t)(0x7fff |
                         ((b.se & 0x8000) ^ 0x8000)) };
        } else if (m == X86_INSN_FYL2X) {
            long double lg = log2l(x);

            x87_denormal(&e, a);
            x87_denormal(&e, b);
            /* log2(1) = 0: an exact zero, no PE (host CPU) */
            r = lg == 0 ? from_ld(y * lg)
                        : x87_linear(&e, b, from_ld(lg), 1, false);
        } else {
            x87_denormal(&e, a);
            x87_denormal(&e, b);
            r = x87_tiny(a) ? x87_linear(&e, b, a, X87_LOG2E, false)
                : x87_linear(&e, b, from_ld(log1pl(x) / X87_LN2), 1, false);
        }
        break;
    case X86_INSN_FXTRACT:
        if (x87_special(&e, a, &r)) {
            r2 = r;
            break;
        }
        if (!(a.se & 0x7fff) && !a.mant) {
            e.flags |= FX_ZE;
            r = (Fx80) { 1ull << 63, 0xffff };      /* -inf exponent */
            r2 = a;
            break;
        }
        if ((a.se & 0x7fff) == 0x7fff) {        /* infinity: +inf, itself */
            r = (Fx80) { 1ull << 63, 0x7fff };
            r2 = a;
            break;
        }
        {
            int ex = (a.se & 0x7fff) - 0x3fff;
            uint64_t mm = a.mant;

            if (!(a.se & 0x7fff)) {     /* denormal: normalize */
                e.flags |= FX_DE;
                ex = 1 - 0x3fff;
                while (!(mm >> 63)) {
                    mm <<= 1;
                    ex--;
                }
            }
            r2 = (Fx80) { mm, (uint16_t)((a.se & 0x8000) | 0x3fff) };
            r = fx_from_int(ex);
        }
        break;
    default:
        break;
    }
    if (x87_flags(env, e.flags)) {
        return;
    }
    if (m == X86_INSN_FYL2X || m == X86_INSN_FYL2XP1 ||
        m == X86_INSN_FPATAN) {
        x87_st_set(env, 1, r);
        x87_st_pop(env);
    } else if (m == X86_INSN_FPTAN || m == X86_INSN_FSINCOS ||
               m == X86_INSN_FXTRACT) {
        x87_st_set(env, 0, r);
        x87_push(env, r2, 0);
    } else {
        x87_st_set(env, 0, r);
    }
}
