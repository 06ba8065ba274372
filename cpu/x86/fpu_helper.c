/* SPDX-License-Identifier: MIT */
/*
 * The x87 FPU: the register stack with its tags, stack overflow and
 * underflow (IE+SF, C1), masked and unmasked exceptions (ES; #MF with
 * CR0.NE, else FERR# through x86_ferr_hook), FIP/FCS/FOP/FDP/FDS,
 * memory operands, and the dispatch of every x87 instruction to
 * fpu_arith.c (arithmetic in all forms, compares, FXAM), fpu_ldst.c (loads
 * and stores: m32/m64/m80, integers, BCD, constants), fpu_unary.c (FSQRT
 * FRNDINT FSCALE FXTRACT FPREM FPREM1 and the transcendental functions)
 * and fpu_env.c (the control instructions and the FSTENV/FSAVE images in
 * their 16/32-bit real and protected formats); FCMOVcc and FXCH are here.
 *
 * Called by translated code (cpu/x86/emit-x87.c) through helper_x87();
 * arithmetic is cpu/x86/softfloat-x80*.c, exact in every rounding mode and
 * precision control.
 * Ref: Intel SDM Vol. 1 ch. 8 (8.1 registers and words, 8.1.10 and
 * figures 8-9..8-12 environment images, 8.5 exceptions, 8.6-8.7 #MF and
 * FERR#), Vol. 2 each instruction.
 * Missing: pseudo-denormal special cases of FXAM.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/insn.h"
#include "cpu/x86/fpu.h"
#include "cpu/x86/fpu-internal.h"
#include "accel/tcg/tcg-cpu.h"
#include "tcg/tcg-backend.h"

bool (*x86_ferr_hook)(X86CPUState *env, bool level);

/* FLDCW, FLDENV, FRSTOR: bit 6 reads as 1, bits 13-15 as 0 */
void x87_set_cw(X86CPUState *env, uint16_t cw)
{
    env->fpuc = (cw & 0x1f3f) | 0x40;
}

/* ---- exceptions ---- */

void x87_update_es(X86CPUState *env)
{
    if (env->fpus & ~env->fpuc & 0x3f) {
        env->fpus |= FSW_ES | FSW_B;
    } else {
        env->fpus &= ~(FSW_ES | FSW_B);
    }
}

/*
 * Record the flags of an operation (and C1 = rounded up). Returns true
 * when an unmasked IE, DE or ZE forbids writing the result: then nothing
 * was rounded, so OE, UE, PE and C1 are not recorded (SDM Vol. 1 8.5.1;
 * found by tests/diff/diff-run).
 */
bool x87_flags(X86CPUState *env, uint16_t flags)
{
    bool abort = flags & ~env->fpuc & (FX_IE | FX_DE | FX_ZE);

    if (abort) {
        flags &= FX_IE | FX_DE | FX_ZE;
    }
    env->fpus |= flags & 0x3f;
    x87_set_c1(env, flags & FX_C1);
    x87_update_es(env);
    return abort;
}

/* Stack overflow (push onto a full register) or underflow (an empty
 * operand): IE + SF, C1 tells which. True when IE is unmasked. */
bool x87_stack_fault(X86CPUState *env, bool overflow)
{
    env->fpus |= FSW_IE | FSW_SF;
    x87_set_c1(env, overflow);
    x87_update_es(env);
    return !(env->fpuc & FSW_IE);
}

/* A waiting instruction (at @ra) meets the pending exception: #MF with
 * CR0.NE, else FERR#; without IGNNE# the CPU then freezes before the
 * instruction as HLT would, and an interrupt (IRQ 13) returns to it. */
static void x87_pending_error(X86CPUState *env, uintptr_t ra)
{
    TcgCpu *tc;

    if (env->cr[0] & CR0_NE) {
        raise_exception_ra(env, EXCP_MF, ra);
    }
    if (!x86_ferr_hook || x86_ferr_hook(env, true)) {
        return;
    }
    tc = tcg_cpu(env);
    tcg_cpu_restore_state(tc, ra);
    env->halted = true;
    env->hflags &= ~HF_INHIBIT_IRQ;
    env->exception_index = EXCP_TCG_HALT;
    tcg_cpu_loop_exit(tc);
}

void helper_x87_wait(X86CPUState *env)
{
    if (env->fpus & FSW_ES) {
        x87_pending_error(env, TCG_GETPC());
    }
}

/* ---- memory ---- */

uint64_t x87_ld(X87Op *o, unsigned ofs, unsigned size)
{
    return cpu_ld_mmu(o->env, o->linear + ofs, x86_mmu_index(o->env->hflags),
                      size, o->ra);
}

void x87_st(X87Op *o, unsigned ofs, uint64_t v, unsigned size)
{
    cpu_st_mmu(o->env, o->linear + ofs, v, x86_mmu_index(o->env->hflags),
               size, o->ra);
}

Fx80 x87_ld80(X87Op *o, unsigned ofs)
{
    Fx80 v = { .mant = x87_ld(o, ofs, 8) };

    v.se = x87_ld(o, ofs + 8, 2);
    return v;
}

void x87_st80(X87Op *o, unsigned ofs, Fx80 v)
{
    x87_st(o, ofs, v.mant, 8);
    x87_st(o, ofs + 8, v.se, 2);
}

static bool is_int_op(unsigned m)
{
    switch (m) {
    case X86_INSN_FIADD: case X86_INSN_FIMUL: case X86_INSN_FICOM:
    case X86_INSN_FICOMP: case X86_INSN_FISUB: case X86_INSN_FISUBR:
    case X86_INSN_FIDIV: case X86_INSN_FIDIVR: case X86_INSN_FILD:
        return true;
    default:
        return false;
    }
}

/* A memory source operand as a register value. @arith: an SNaN stays
 * signaling, for the NaN rules of the operation (SDM Vol. 1 table 4-7:
 * SNaN and QNaN give the QNaN); FLD quiets it (found by tests/diff). */
Fx80 x87_ld_operand(X87Op *o, FxEnv *e, bool arith)
{
    FxEnv t = *e;
    Fx80 v;

    if (is_int_op(o->mnem)) {
        int64_t v = o->memsize == 2 ? (int16_t)x87_ld(o, 0, 2) :
                    o->memsize == 4 ? (int32_t)x87_ld(o, 0, 4)
                                    : (int64_t)x87_ld(o, 0, 8);

        return fx_from_int(v);
    }
    if (o->memsize != 4 && o->memsize != 8) {
        return x87_ld80(o, 0);
    }
    v = o->memsize == 4 ? fx_from_f32(&t, x87_ld(o, 0, 4))
                        : fx_from_f64(&t, x87_ld(o, 0, 8));
    if (arith && (t.flags & ~e->flags & FX_IE)) {
        v.mant &= ~(1ull << 62);        /* the SNaN, unquieted */
        return v;
    }
    *e = t;
    return v;
}

/* ---- stack ---- */

/* Push v (flags of producing it in e): overflow, exceptions, write.
 * True when v itself was pushed. */
bool x87_push(X86CPUState *env, Fx80 v, uint16_t flags)
{
    bool ok = true;

    if (!x87_st_empty(env, 7)) {
        if (x87_stack_fault(env, true)) {
            return false;
        }
        v = fx_indefinite;
        ok = false;
    } else if (x87_flags(env, flags)) {
        return false;
    }
    env->fpstt = (env->fpstt - 1) & 7;
    x87_st_set(env, 0, v);
    return ok;
}

/* ---- dispatch ---- */

static const uint8_t x87_const_index[X86_INSN_COUNT] = {
    [X86_INSN_FLD1] = 1, [X86_INSN_FLDL2T] = 2, [X86_INSN_FLDL2E] = 3,
    [X86_INSN_FLDPI] = 4, [X86_INSN_FLDLG2] = 5, [X86_INSN_FLDLN2] = 6,
    [X86_INSN_FLDZ] = 7,
};

static uint64_t x87_dispatch(X87Op *o)
{
    X86CPUState *env = o->env;
    unsigned m = o->mnem;

    if (x87_is_arith(m)) {
        x87_arith(o);
        return 0;
    }
    if (x87_const_index[m]) {
        x87_load_const(env, x87_const_index[m] - 1);
        return 0;
    }
    switch (m) {
    case X86_INSN_FLD: case X86_INSN_FILD: case X86_INSN_FBLD:
        x87_load(o);
        return 0;
    case X86_INSN_FST: case X86_INSN_FSTP: case X86_INSN_FSTPNCE:
    case X86_INSN_FIST: case X86_INSN_FISTP: case X86_INSN_FISTTP:
    case X86_INSN_FBSTP:
        x87_store(o);
        return 0;
    case X86_INSN_FCOM: case X86_INSN_FCOMP: case X86_INSN_FCOMPP:
    case X86_INSN_FUCOM: case X86_INSN_FUCOMP: case X86_INSN_FUCOMPP:
    case X86_INSN_FICOM: case X86_INSN_FICOMP: case X86_INSN_FTST:
    case X86_INSN_FCOMI: case X86_INSN_FCOMIP: case X86_INSN_FUCOMI:
    case X86_INSN_FUCOMIP:
        return x87_compare(o);
    case X86_INSN_FXAM:
        x87_xam(env);
        return 0;
    case X86_INSN_FXCH: {
        Fx80 a = x87_st_get(env, 0), b = x87_st_get(env, o->sti);

        if (x87_st_empty(env, 0) || x87_st_empty(env, o->sti)) {
            if (x87_stack_fault(env, false)) {
                return 0;
            }
            a = x87_st_empty(env, 0) ? fx_indefinite : a;
            b = x87_st_empty(env, o->sti) ? fx_indefinite : b;
        } else {
            x87_set_c1(env, false);
        }
        x87_st_set(env, 0, b);
        x87_st_set(env, o->sti, a);
        return 0;
    }
    case X86_INSN_FCMOVB: case X86_INSN_FCMOVE: case X86_INSN_FCMOVBE:
    case X86_INSN_FCMOVU: case X86_INSN_FCMOVNB: case X86_INSN_FCMOVNE:
    case X86_INSN_FCMOVNBE: case X86_INSN_FCMOVNU:
        if (x87_st_empty(env, 0) || x87_st_empty(env, o->sti)) {
            if (!x87_stack_fault(env, false)) {
                x87_st_set(env, 0, fx_indefinite);
            }
        } else if (o->cond) {
            x87_st_set(env, 0, x87_st_get(env, o->sti));
        }
        return 0;
    case X86_INSN_FINCSTP:
    case X86_INSN_FDECSTP:
        env->fpstt = (env->fpstt + (m == X86_INSN_FINCSTP ? 1 : 7)) & 7;
        x87_set_c1(env, false);
        return 0;
    case X86_INSN_FFREE:
    case X86_INSN_FFREEP:
        env->fptag &= ~(1u << x87_phys(env, o->sti));
        if (m == X86_INSN_FFREEP) {
            x87_st_pop(env);
        }
        return 0;
    case X86_INSN_FNOP:
        return 0;
    default:
        break;
    }
    x87_unary(o);
    return 0;
}

/* What every instruction but the control ones does first: wait for a
 * pending exception, record FIP, FCS, FOP (and FDP, FDS) */
static inline X87Op x87_begin(X86CPUState *env, uint64_t info,
                              uint64_t linear, uint64_t ea, uintptr_t ra)
{
    X87Op o = {
        .env = env, .mnem = info & 0xffff,
        .opsize = (info >> X87_OPSIZE_SHIFT) & 0xf,
        .memsize = (info >> X87_MEMSIZE_SHIFT) & 0xff,
        .sti = (info >> X87_STI_SHIFT) & 7,
        .mem = info & X87_MEM, .dest_sti = info & X87_DEST_STI,
        .real = info & X87_REAL,
        .linear = linear, .ea = ea, .ra = ra,
    };

    if (env->fpus & FSW_ES) {
        x87_pending_error(env, ra);
    }
    env->fpip = env->rip;
    env->fpcs = env->segs[R_CS].selector;
    env->fpop = (info >> 40) & 0x7ff;
    if (o.mem) {
        env->fpdp = ea;
        env->fpds = env->segs[(info >> 52) & 7].selector;
    }
    return o;
}

uint64_t helper_x87(X86CPUState *env, uint64_t info, uint64_t linear,
                    uint64_t ea, uint64_t cond)
{
    X87Op o;

    if (x87_control(info & 0xffff)) {
        o = (X87Op) {
            .env = env, .mnem = info & 0xffff,
            .opsize = (info >> X87_OPSIZE_SHIFT) & 0xf,
            .mem = info & X87_MEM, .real = info & X87_REAL,
            .linear = linear, .ea = ea, .ra = TCG_GETPC(),
        };
        if (!x87_nowait(o.mnem) && (env->fpus & FSW_ES)) {
            x87_pending_error(env, o.ra);
        }
        return x87_do_control(&o);
    }
    o = x87_begin(env, info, linear, ea, TCG_GETPC());
    o.cond = cond;
    return x87_dispatch(&o);
}

/* The families emit-x87.c calls directly */
#define X87_FAMILY_HELPER(name)                                             \
void helper_x87_##name(X86CPUState *env, uint64_t info, uint64_t linear,   \
                       uint64_t ea)                                         \
{                                                                           \
    X87Op o = x87_begin(env, info, linear, ea, TCG_GETPC());                \
                                                                            \
    x87_##name(&o);                                                         \
}

X87_FAMILY_HELPER(arith)
X87_FAMILY_HELPER(load)
X87_FAMILY_HELPER(store)
X87_FAMILY_HELPER(unary)

void *x87_family_helper(unsigned mnem)
{
    if (x87_is_arith(mnem)) {
        return helper_x87_arith;
    }
    switch (mnem) {
    case X86_INSN_FLD: case X86_INSN_FILD: case X86_INSN_FBLD:
        return helper_x87_load;
    case X86_INSN_FST: case X86_INSN_FSTP: case X86_INSN_FSTPNCE:
    case X86_INSN_FIST: case X86_INSN_FISTP: case X86_INSN_FISTTP:
    case X86_INSN_FBSTP:
        return helper_x87_store;
    case X86_INSN_FCHS: case X86_INSN_FABS: case X86_INSN_FSQRT:
    case X86_INSN_FRNDINT: case X86_INSN_FSCALE: case X86_INSN_FPREM:
    case X86_INSN_FPREM1: case X86_INSN_FXTRACT: case X86_INSN_F2XM1:
    case X86_INSN_FYL2X: case X86_INSN_FYL2XP1: case X86_INSN_FPTAN:
    case X86_INSN_FPATAN: case X86_INSN_FSIN: case X86_INSN_FCOS:
    case X86_INSN_FSINCOS:
        return helper_x87_unary;
    default:
        return NULL;
    }
}
