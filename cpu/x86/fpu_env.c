/* SPDX-License-Identifier: MIT */
/*
 * x87 control instructions and environment images: FNINIT, FNCLEX,
 * FNSTSW, FNSTCW, FLDCW, FNSTENV/FLDENV and FNSAVE/FRSTOR in the 16- and
 * 32-bit, real- and protected-mode formats, and the full tag word.
 *
 * Called by helper_x87() (fpu_helper.c) for those mnemonics.
 * Ref: Intel SDM Vol. 1 8.1.7 (tag word), 8.1.10 and figures 8-9..8-12
 * (the environment in memory), Vol. 2 FSAVE, FSTENV, FRSTOR, FLDENV.
 * Missing: nothing known; FENI, FDISI and FSETPM do nothing (387+).
 */
#include "kestrel/osdep.h"
#include "cpu/x86/insn.h"
#include "cpu/x86/fpu.h"
#include "cpu/x86/fpu-internal.h"

/* ---- environment images (SDM Vol. 1 figures 8-9 .. 8-12) ---- */

static uint16_t x87_status(X86CPUState *env)
{
    return (env->fpus & ~0x3800) | (env->fpstt & 7) << 11;
}

static uint16_t x87_full_tags(X86CPUState *env)
{
    uint16_t tw = 0;

    for (unsigned p = 0; p < 8; p++) {
        const X87Reg *r = &env->fpregs[p];
        unsigned e = r->sign_exp & 0x7fff, t;

        if (!(env->fptag & (1u << p))) {
            t = 3;
        } else if (e == 0x7fff || (e && !(r->mant >> 63)) ||
                   (!e && r->mant)) {
            t = 2;                      /* special */
        } else {
            t = e || r->mant ? 0 : 1;   /* valid / zero */
        }
        tw |= t << (2 * p);
    }
    return tw;
}

void x87_init(X86CPUState *env)
{
    env->fpuc = 0x037f;
    env->fpus = 0;
    env->fpstt = 0;
    env->fptag = 0;
    env->fpip = env->fpdp = 0;
    env->fpop = env->fpcs = env->fpds = 0;
    if (x86_ferr_hook) {
        x86_ferr_hook(env, false);
    }
}

static unsigned x87_store_env(X87Op *o)
{
    X86CPUState *env = o->env;
    unsigned w = o->opsize == 2 ? 2 : 4;

    x87_st(o, 0, env->fpuc, w);
    x87_st(o, w, x87_status(env), w);
    x87_st(o, 2 * w, x87_full_tags(env), w);
    if (o->real) {
        uint32_t ip = env->fpip, dp = env->fpdp;

        x87_st(o, 3 * w, ip & 0xffff, w);
        x87_st(o, 4 * w, (env->fpop & 0x7ff) | (ip >> 16) << 12, w);
        x87_st(o, 5 * w, dp & 0xffff, w);
        x87_st(o, 6 * w, (dp >> 16) << 12, w);
    } else {
        x87_st(o, 3 * w, env->fpip, w);
        x87_st(o, 4 * w, env->fpcs | (w == 4 ? (uint32_t)(env->fpop & 0x7ff)
                                           << 16 : 0), w);
        x87_st(o, 5 * w, env->fpdp, w);
        x87_st(o, 6 * w, env->fpds, w);
    }
    return 7 * w;
}

static unsigned x87_load_env(X87Op *o)
{
    X86CPUState *env = o->env;
    unsigned w = o->opsize == 2 ? 2 : 4;
    uint16_t fcw = x87_ld(o, 0, 2), fsw = x87_ld(o, w, 2), tw = x87_ld(o, 2 * w, 2);
    uint64_t a = x87_ld(o, 3 * w, w), b = x87_ld(o, 4 * w, w);
    uint64_t c = x87_ld(o, 5 * w, w), d = x87_ld(o, 6 * w, w);

    x87_set_cw(env, fcw);
    env->fpstt = (fsw >> 11) & 7;
    env->fpus = fsw & ~0x3800;
    env->fptag = 0;
    for (unsigned p = 0; p < 8; p++) {
        if (((tw >> (2 * p)) & 3) != 3) {
            env->fptag |= 1u << p;
        }
    }
    if (o->real) {
        env->fpip = (a & 0xffff) | ((b >> 12) & 0xffff) << 16;
        env->fpop = b & 0x7ff;
        env->fpdp = (c & 0xffff) | ((d >> 12) & 0xffff) << 16;
    } else {
        env->fpip = a;
        env->fpcs = b & 0xffff;
        env->fpop = (b >> 16) & 0x7ff;
        env->fpdp = c;
        env->fpds = d & 0xffff;
    }
    x87_update_es(env);
    if (!(env->fpus & FSW_ES) && x86_ferr_hook) {
        x86_ferr_hook(env, false);      /* FERR# follows ES */
    }
    return 7 * w;
}

/* ---- control ---- */

bool x87_nowait(unsigned m)
{
    switch (m) {
    case X86_INSN_FNINIT: case X86_INSN_FNCLEX: case X86_INSN_FNSTSW:
    case X86_INSN_FNSTCW: case X86_INSN_FNSTENV: case X86_INSN_FNSAVE:
    case X86_INSN_FENI: case X86_INSN_FDISI: case X86_INSN_FSETPM:
        return true;
    default:
        return false;
    }
}

/* Instructions that leave FIP/FDP/FOP alone (SDM 8.1.8) */
bool x87_control(unsigned m)
{
    return x87_nowait(m) || m == X86_INSN_FLDCW || m == X86_INSN_FLDENV ||
           m == X86_INSN_FRSTOR;
}

uint64_t x87_do_control(X87Op *o)
{
    X86CPUState *env = o->env;
    unsigned n;

    switch (o->mnem) {
    case X86_INSN_FNINIT:
        x87_init(env);
        break;
    case X86_INSN_FNCLEX:
        env->fpus &= ~(0x3f | FSW_SF | FSW_ES | FSW_B);
        if (x86_ferr_hook) {
            x86_ferr_hook(env, false);
        }
        break;
    case X86_INSN_FNSTSW:
        if (o->mem) {
            x87_st(o, 0, x87_status(env), 2);
        }
        return x87_status(env);
    case X86_INSN_FNSTCW:
        x87_st(o, 0, env->fpuc, 2);
        break;
    case X86_INSN_FLDCW:
        x87_set_cw(env, x87_ld(o, 0, 2));
        x87_update_es(env);
        break;
    case X86_INSN_FNSTENV:
        x87_store_env(o);
        env->fpuc |= 0x3f;
        x87_update_es(env);
        break;
    case X86_INSN_FLDENV:
        x87_load_env(o);
        break;
    case X86_INSN_FNSAVE:
        n = x87_store_env(o);
        for (unsigned i = 0; i < 8; i++) {
            x87_st80(o, n + 10 * i, x87_st_get(env, i));
        }
        x87_init(env);
        break;
    case X86_INSN_FRSTOR: {
        Fx80 regs[8];
        unsigned w = o->opsize == 2 ? 2 : 4;

        for (unsigned i = 0; i < 8; i++) {      /* reads first */
            regs[i] = x87_ld80(o, 7 * w + 10 * i);
        }
        x87_load_env(o);
        for (unsigned i = 0; i < 8; i++) {
            X87Reg *r = &env->fpregs[x87_phys(env, i)];

            r->mant = regs[i].mant;
            r->sign_exp = regs[i].se;
        }
        break;
    }
    default:
        break;                          /* FENI FDISI FSETPM: 8087/287 */
    }
    return 0;
}
