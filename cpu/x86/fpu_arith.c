/* SPDX-License-Identifier: MIT */
/*
 * x87 arithmetic (FADD FSUB FSUBR FMUL FDIV FDIVR in their register,
 * popping, m32/m64 and integer forms), compares (FCOM FUCOM FICOM FTST,
 * FCOMI FUCOMI into EFLAGS) and FXAM. Called by fpu_helper.c's dispatch;
 * the operations are cpu/x86/softfloat-x80-arith.c.
 * Ref: Intel SDM Vol. 1 8.1.3 (condition codes), 8.3.5, 8.3.6, Vol. 2 each
 * instruction.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/insn.h"
#include "cpu/x86/fpu-internal.h"
#include "cpu/x86/cc.h"

/* ---- arithmetic ---- */

typedef Fx80 FxBinFn(FxEnv *e, Fx80 a, Fx80 b);

typedef struct ArithOp {
    FxBinFn *fn;
    bool reverse;               /* src OP dest */
    bool pop;
} ArithOp;

static const ArithOp arith_ops[X86_INSN_COUNT] = {
    [X86_INSN_FADD] = { fx_add }, [X86_INSN_FADDP] = { fx_add, false, true },
    [X86_INSN_FIADD] = { fx_add },
    [X86_INSN_FMUL] = { fx_mul }, [X86_INSN_FMULP] = { fx_mul, false, true },
    [X86_INSN_FIMUL] = { fx_mul },
    [X86_INSN_FSUB] = { fx_sub }, [X86_INSN_FSUBP] = { fx_sub, false, true },
    [X86_INSN_FISUB] = { fx_sub },
    [X86_INSN_FSUBR] = { fx_sub, true },
    [X86_INSN_FSUBRP] = { fx_sub, true, true },
    [X86_INSN_FISUBR] = { fx_sub, true },
    [X86_INSN_FDIV] = { fx_div }, [X86_INSN_FDIVP] = { fx_div, false, true },
    [X86_INSN_FIDIV] = { fx_div },
    [X86_INSN_FDIVR] = { fx_div, true },
    [X86_INSN_FDIVRP] = { fx_div, true, true },
    [X86_INSN_FIDIVR] = { fx_div, true },
};
bool x87_is_arith(unsigned mnem)
{
    return arith_ops[mnem].fn;
}

void x87_arith(X87Op *o)
{
    X86CPUState *env = o->env;
    const ArithOp *a = &arith_ops[o->mnem];
    unsigned d = o->dest_sti ? o->sti : 0;
    unsigned s = o->dest_sti ? 0 : o->sti;
    FxEnv e = x87_fenv(env);
    Fx80 dv, sv, r;
    bool load_de = false;

    if (o->mem) {
        sv = x87_ld_operand(o, &e, true);
        load_de = e.flags & FX_DE;
        e.flags &= ~FX_DE;
        if (x87_st_empty(env, 0)) {
            goto underflow;
        }
    } else {
        if (x87_st_empty(env, d) || x87_st_empty(env, s)) {
            goto underflow;
        }
        sv = x87_st_get(env, s);
    }
    dv = x87_st_get(env, d);
    r = a->reverse ? a->fn(&e, sv, dv) : a->fn(&e, dv, sv);
    /* a denormal m32/m64: DE, unless the other operand is a NaN or
     * unsupported (IE) or it is divided by zero (ZE), as on the host CPU */
    if (load_de && !fx_is_nan(dv) && !(e.flags & (FX_IE | FX_ZE))) {
        e.flags |= FX_DE;
    }
    if (x87_flags(env, e.flags)) {
        return;
    }
    x87_st_set(env, d, r);
    if (a->pop) {
        x87_st_pop(env);
    }
    return;
underflow:
    if (x87_stack_fault(env, false)) {
        return;
    }
    x87_st_set(env, d, fx_indefinite);
    if (a->pop) {
        x87_st_pop(env);
    }
}

/* ---- compares ---- */

static uint16_t cc_of(int c)
{
    static const uint16_t cc[4] = { FSW_C0, 0, 0, FSW_C0 | FSW_C2 | FSW_C3 };

    return c == 0 ? FSW_C3 : cc[c + 1];
}

static uint64_t eflags_of(int c)
{
    return c == 2 ? CC_Z | CC_P | CC_C : c == 0 ? CC_Z : c < 0 ? CC_C : 0;
}

uint64_t x87_compare(X87Op *o)
{
    X86CPUState *env = o->env;
    unsigned m = o->mnem, pops;
    bool quiet = m == X86_INSN_FUCOM || m == X86_INSN_FUCOMP ||
                 m == X86_INSN_FUCOMPP || m == X86_INSN_FUCOMI ||
                 m == X86_INSN_FUCOMIP;
    bool to_eflags = m == X86_INSN_FCOMI || m == X86_INSN_FCOMIP ||
                     m == X86_INSN_FUCOMI || m == X86_INSN_FUCOMIP;
    FxEnv e = x87_fenv(env);
    Fx80 b;
    int c = 2;
    bool load_de = false;

    pops = (m == X86_INSN_FCOMPP || m == X86_INSN_FUCOMPP) ? 2 :
           (m == X86_INSN_FCOMP || m == X86_INSN_FUCOMP ||
            m == X86_INSN_FICOMP || m == X86_INSN_FCOMIP ||
            m == X86_INSN_FUCOMIP) ? 1 : 0;
    if (o->mem) {
        b = x87_ld_operand(o, &e, false);
        load_de = e.flags & FX_DE;
        e.flags &= ~FX_DE;
    } else if (m == X86_INSN_FTST) {
        b = fx_from_int(0);
    } else {
        b = x87_st_get(env, (m == X86_INSN_FCOMPP || m == X86_INSN_FUCOMPP) ?
                   1 : o->sti);
    }
    if (x87_st_empty(env, 0) || (!o->mem && m != X86_INSN_FTST &&
        x87_st_empty(env, (m == X86_INSN_FCOMPP || m == X86_INSN_FUCOMPP) ?
                 1 : o->sti))) {
        if (x87_stack_fault(env, false)) {
            if (!to_eflags) {           /* unordered even when unmasked */
                env->fpus = (env->fpus & ~(FSW_C0 | FSW_C2 | FSW_C3)) |
                            cc_of(2);
            }
            return to_eflags ? eflags_of(2) : 0;
        }
    } else {
        c = fx_compare(&e, x87_st_get(env, 0), b, quiet);
        /* a NaN or unsupported ST0 wins over a denormal m32/m64 */
        if (load_de && !fx_is_nan(x87_st_get(env, 0)) &&
            !(e.flags & FX_IE)) {
            e.flags |= FX_DE;
        }
        if (!to_eflags) {               /* set even when IE/DE unmasked */
            env->fpus = (env->fpus & ~(FSW_C0 | FSW_C2 | FSW_C3)) | cc_of(c);
        }
        if (x87_flags(env, e.flags & ~FX_C1)) {
            return to_eflags ? eflags_of(c) : 0;        /* set all the same */
        }
    }
    if (!to_eflags) {
        env->fpus = (env->fpus & ~(FSW_C0 | FSW_C2 | FSW_C3)) | cc_of(c);
    }
    while (pops--) {
        x87_st_pop(env);
    }
    return to_eflags ? eflags_of(c) : 0;
}

void x87_xam(X86CPUState *env)
{
    Fx80 v = x87_st_get(env, 0);
    unsigned e = v.se & 0x7fff;
    uint16_t cc;

    if (x87_st_empty(env, 0)) {
        cc = FSW_C3 | FSW_C0;
    } else if (e == 0x7fff) {
        cc = !(v.mant >> 63) ? 0 : (v.mant << 1) ? FSW_C0 : FSW_C2 | FSW_C0;
    } else if (e == 0) {
        cc = v.mant ? FSW_C3 | FSW_C2 : FSW_C3;
    } else {
        cc = (v.mant >> 63) ? FSW_C2 : 0;
    }
    env->fpus = (env->fpus & ~FSW_CC) | cc | ((v.se >> 15) ? FSW_C1 : 0);
}
