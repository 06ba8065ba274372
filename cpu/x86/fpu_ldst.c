/* SPDX-License-Identifier: MIT */
/*
 * x87 loads and stores: FLD FILD FBLD, the constants (FLD1 FLDPI ...),
 * FST FSTP FIST FISTP FISTTP FBSTP to memory and to ST(i). Called by
 * fpu_helper.c's dispatch; conversions are cpu/x86/softfloat-x80-conv.c.
 * Ref: Intel SDM Vol. 1 4.2 (formats, BCD), 8.3.8 (constants), Vol. 2 each
 * instruction.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/insn.h"
#include "cpu/x86/fpu-internal.h"

static const Fx80 x87_consts[] = {
    [0] = { 0x8000000000000000ull, 0x3fff },    /* 1 */
    [1] = { 0xd49a784bcd1b8afeull, 0x4000 },    /* log2(10) */
    [2] = { 0xb8aa3b295c17f0bbull, 0x3fff },    /* log2(e) */
    [3] = { 0xc90fdaa22168c234ull, 0x4000 },    /* pi */
    [4] = { 0x9a209a84fbcff798ull, 0x3ffd },    /* log10(2) */
    [5] = { 0xb17217f7d1cf79abull, 0x3ffe },    /* ln(2) */
    [6] = { 0, 0 },                             /* 0 */
};
/* The bits below each constant's 64: 1 above half, 2 nonzero (SDM
 * Vol. 1 8.3.8: the constants are rounded by the rounding mode) */
static const uint8_t x87_const_tail[] = { 0, 2, 3, 3, 3, 3, 0 };

void x87_load_const(X86CPUState *env, unsigned k)
{
    Fx80 v = x87_consts[k];
    unsigned rc = (env->fpuc >> 10) & 3;

    if ((rc == 0 && (x87_const_tail[k] & 1)) ||
        (rc == 2 && (x87_const_tail[k] & 2))) {
        v.mant++;
    }
    x87_push(env, v, 0);
}

static int64_t bcd_to_int(X87Op *o, bool *neg)
{
    int64_t v = 0;

    for (int i = 8; i >= 0; i--) {
        unsigned b = x87_ld(o, i, 1);

        v = v * 100 + (b >> 4) * 10 + (b & 15);
    }
    *neg = x87_ld(o, 9, 1) & 0x80;
    return v;
}

void x87_load(X87Op *o)
{
    X86CPUState *env = o->env;
    FxEnv e = x87_fenv(env);
    Fx80 v;
    bool load_de = false;

    if (o->mnem == X86_INSN_FBLD) {
        bool neg;
        int64_t i = bcd_to_int(o, &neg);

        v = fx_from_int(i);
        v.se |= neg ? 0x8000 : 0;
    } else if (o->mem) {
        v = x87_ld_operand(o, &e, false);
        /* a denormal m32/m64 is loaded even with DE unmasked, as on the
         * (AMD) host CPU */
        load_de = e.flags & FX_DE;
        e.flags &= ~FX_DE;
    } else {
        if (x87_st_empty(env, o->sti)) {
            if (x87_stack_fault(env, false)) {
                return;
            }
            env->fpstt = (env->fpstt - 1) & 7;  /* no overflow check */
            x87_st_set(env, 0, fx_indefinite);
            return;
        }
        v = x87_st_get(env, o->sti);
    }
    if (x87_push(env, v, e.flags) && load_de) {
        env->fpus |= FX_DE;
        x87_update_es(env);
    }
}

static bool is_pop_store(unsigned m)
{
    return m == X86_INSN_FSTP || m == X86_INSN_FISTP ||
           m == X86_INSN_FISTTP || m == X86_INSN_FBSTP ||
           m == X86_INSN_FSTPNCE;
}

static void st_bcd(X87Op *o, Fx80 v, FxEnv *e)
{
    int64_t i = fx_to_int(e, v, 8, false);
    uint64_t mag;

    if (!(e->flags & FX_IE) && (i > 999999999999999999ll ||
                                i < -999999999999999999ll)) {
        e->flags = (e->flags | FX_IE) & ~(FX_PE | FX_C1);
    }
    if (e->flags & FX_IE) {
        x87_st(o, 0, 0, 8);
        x87_st(o, 7, 0xc0, 1);
        x87_st(o, 8, 0xffff, 2);
        return;
    }
    mag = i < 0 ? -(uint64_t)i : (uint64_t)i;
    for (int k = 0; k < 9; k++) {
        x87_st(o, k, (mag % 10) | ((mag / 10) % 10) << 4, 1);
        mag /= 100;
    }
    x87_st(o, 9, (v.se & 0x8000) ? 0x80 : 0, 1);
}

void x87_store(X87Op *o)
{
    X86CPUState *env = o->env;
    unsigned m = o->mnem;
    FxEnv e = x87_fenv(env);
    Fx80 v = x87_st_get(env, 0);
    uint64_t bits = 0;

    if (x87_st_empty(env, 0)) {
        if (x87_stack_fault(env, false)) {
            return;
        }
        v = fx_indefinite;
    }
    if (!o->mem) {                      /* FST/FSTP ST(i): exact copy */
        x87_set_c1(env, false);             /* not rounded up */
        x87_st_set(env, o->sti, v);
        if (is_pop_store(m)) {
            x87_st_pop(env);
        }
        return;
    }
    switch (m) {
    case X86_INSN_FIST: case X86_INSN_FISTP: case X86_INSN_FISTTP:
        bits = fx_to_int(&e, v, o->memsize, m == X86_INSN_FISTTP);
        break;
    case X86_INSN_FBSTP:
        break;
    default:
        bits = o->memsize == 4 ? fx_to_f32(&e, v) :
               o->memsize == 8 ? fx_to_f64(&e, v) : 0;
        break;
    }
    if (m == X86_INSN_FBSTP) {
        st_bcd(o, v, &e);
    } else if (o->memsize == 10) {
        x87_st80(o, 0, v);
    } else if (!(e.flags & ~env->fpuc & (FX_IE | FX_OE | FX_UE))) {
        x87_st(o, 0, bits, o->memsize);
    } else if (e.flags & ~env->fpuc & (FX_OE | FX_UE)) {
        /* nothing stored, so neither PE nor C1, as on the host CPU */
        e.flags &= FX_OE | FX_UE;
    }
    if (x87_flags(env, e.flags) ||
        (e.flags & ~env->fpuc & (FX_OE | FX_UE))) {
        return;
    }
    if (is_pop_store(m)) {
        x87_st_pop(env);
    }
}
