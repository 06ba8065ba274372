/* SPDX-License-Identifier: MIT */
/*
 * x87 functions of ST0 (and ST1): FCHS FABS FSQRT FRNDINT FSCALE FPREM
 * FPREM1 FXTRACT and the transcendental functions FSIN FCOS FSINCOS FPTAN
 * FPATAN F2XM1 FYL2X FYL2XP1. Called by fpu_helper.c's dispatch.
 *
 * The transcendental functions are the soft-float's
 * (softfloat-x80-trans.c): within one ulp, PE, C1 = rounded up (for
 * FSINCOS: of the sine, as on the host CPU), UE/OE and, unmasked, the
 * biased register result as in the other arithmetic. Their exceptions
 * come as on the host CPU: IE (NaN, unsupported, FYL2X of a negative or
 * 0 * log 0) before DE (a denormal operand) and ZE (FYL2X of zero);
 * unmasked, these write nothing and pop nothing.
 * Ref: Intel SDM Vol. 1 8.3.10, Vol. 2 each instruction.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/insn.h"
#include "cpu/x86/fpu-internal.h"

/* A denormal operand (DE): reported after IE, before the computation */
static void x87_denormal(FxEnv *e, Fx80 a)
{
    if (!(a.se & 0x7fff) && a.mant) {
        e->flags |= FX_DE;
    }
}

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
        x87_denormal(&e, a);
        if (m == X86_INSN_FSINCOS) {
            /* C1 tells how the sine was rounded, as on the host CPU */
            FxEnv ec = e;

            r2 = fx_cos(&ec, a);
            e.flags |= ec.flags & ~FX_C1;
        } else {
            r2 = fx_from_int(1);
        }
        r = m == X86_INSN_FSIN || m == X86_INSN_FSINCOS ? fx_sin(&e, a) :
            m == X86_INSN_FCOS ? fx_cos(&e, a) : fx_tan(&e, a);
        break;
    case X86_INSN_F2XM1:
        if (!x87_special(&e, a, &r)) {
            x87_denormal(&e, a);
            r = fx_f2xm1(&e, a);
        }
        break;
    case X86_INSN_FYL2X:
    case X86_INSN_FYL2XP1:
    case X86_INSN_FPATAN:
        if (x87_special(&e, a, &r) || x87_special(&e, b, &r)) {
            break;
        }
        if (m == X86_INSN_FYL2X && (a.se & 0x8000) &&
            (a.mant || (a.se & 0x7fff))) {
            r = fx_indefinite;          /* log of a negative */
            e.flags |= FX_IE;
        } else if (m == X86_INSN_FYL2X && !a.mant && !b.mant) {
            r = fx_indefinite;          /* 0 * log2(0), as on the host */
            e.flags |= FX_IE;
        } else if (m == X86_INSN_FYL2X && !a.mant) {
            e.flags |= FX_ZE;
            r = (Fx80) { 1ull << 63, (uint16_t)(0x7fff |
                         ((b.se & 0x8000) ^ 0x8000)) };
        } else {
            x87_denormal(&e, a);
            x87_denormal(&e, b);
            r = m == X86_INSN_FYL2X ? fx_yl2x(&e, a, b) :
                m == X86_INSN_FYL2XP1 ? fx_yl2xp1(&e, a, b)
                                      : fx_atan2(&e, b, a);
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
