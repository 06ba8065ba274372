/* SPDX-License-Identifier: MIT */
/*
 * The x87 FPU: the register stack with its tags, stack overflow and
 * underflow (IE+SF, C1), masked and unmasked exceptions (ES; #MF with
 * CR0.NE, else FERR# through x86_ferr_hook), FIP/FCS/FOP/FDP/FDS,
 * every x87 instruction: loads and stores (m32/m64/m80, integers, BCD),
 * arithmetic in all forms, compares (FCOM/FUCOM/FICOM/FCOMI/FUCOMI, FTST,
 * FXAM), FCMOVcc, FXCH, constants, FSQRT FRNDINT FSCALE FXTRACT FPREM
 * FPREM1, transcendental functions, the control instructions and the
 * FSTENV/FSAVE images in their 16/32-bit real and protected formats
 * (those and the control instructions are in fpu_env.c).
 *
 * Called by translated code (cpu/x86/emit-x87.c) through helper_x87();
 * arithmetic is cpu/x86/softfloat-x80.c, exact in every rounding mode and
 * precision control. Transcendental functions use the host's long double
 * library at 64-bit precision (within the SDM's 1 ulp); they report PE
 * and leave C1 clear. Their exceptions follow the arithmetic's rules, as
 * on the host CPU: IE (NaN, unsupported, FYL2X of a negative or 0 * log 0)
 * before DE (a denormal operand) and ZE (FYL2X of zero); unmasked, these
 * write nothing and pop nothing. Where a result can be tiny or huge (sin,
 * tan, F2XM1, FPATAN, FYL2XP1 of a tiny argument, FYL2X) it comes from
 * the soft-float as a product or quotient, so UE/OE and, unmasked, the
 * biased register result are those of the other arithmetic.
 * Ref: Intel SDM Vol. 1 ch. 8 (8.1 registers and words, 8.1.10 and
 * figures 8-9..8-12 environment images, 8.5 exceptions, 8.6-8.7 #MF and
 * FERR#), Vol. 2 each instruction.
 * Missing: pseudo-denormal special cases of FXAM; C1 of the
 * transcendentals (the host library does not tell the rounding
 * direction).
 */
#include "kestrel/osdep.h"
#include <math.h>
#include "kestrel/log.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/insn.h"
#include "cpu/x86/cc.h"
#include "cpu/x86/fpu.h"
#include "cpu/x86/softfloat-x80.h"
#include "cpu/x86/fpu-internal.h"
#include "accel/tcg/tcg-cpu.h"
#include "tcg/tcg-backend.h"

bool (*x86_ferr_hook)(X86CPUState *env, bool level);

G_STATIC_ASSERT(sizeof(long double) >= 10);


/* ---- registers and tags ---- */

unsigned x87_phys(X86CPUState *env, unsigned i)
{
    return (env->fpstt + i) & 7;
}

Fx80 x87_st_get(X86CPUState *env, unsigned i)
{
    X87Reg *r = &env->fpregs[x87_phys(env, i)];

    return (Fx80) { .mant = r->mant, .se = r->sign_exp };
}

static void st_set(X86CPUState *env, unsigned i, Fx80 v)
{
    X87Reg *r = &env->fpregs[x87_phys(env, i)];

    r->mant = v.mant;
    r->sign_exp = v.se;
    env->fptag |= 1u << x87_phys(env, i);
}

static bool st_empty(X86CPUState *env, unsigned i)
{
    return !(env->fptag & (1u << x87_phys(env, i)));
}

static void st_pop(X86CPUState *env)
{
    env->fptag &= ~(1u << x87_phys(env, 0));
    env->fpstt = (env->fpstt + 1) & 7;
}

static void set_c1(X86CPUState *env, bool c1)
{
    env->fpus = (env->fpus & ~FSW_C1) | (c1 ? FSW_C1 : 0);
}

/* FLDCW, FLDENV, FRSTOR: bit 6 reads as 1, bits 13-15 as 0 */
void x87_set_cw(X86CPUState *env, uint16_t cw)
{
    env->fpuc = (cw & 0x1f3f) | 0x40;
}

/* ---- exceptions ---- */

static FxEnv fenv(X86CPUState *env)
{
    return (FxEnv) { .rc = (env->fpuc >> 10) & 3, .pc = (env->fpuc >> 8) & 3,
                     .masks = env->fpuc & 0x3f };
}

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
static bool x87_flags(X86CPUState *env, uint16_t flags)
{
    bool abort = flags & ~env->fpuc & (FX_IE | FX_DE | FX_ZE);

    if (abort) {
        flags &= FX_IE | FX_DE | FX_ZE;
    }
    env->fpus |= flags & 0x3f;
    set_c1(env, flags & FX_C1);
    x87_update_es(env);
    return abort;
}

/* Stack overflow (push onto a full register) or underflow (an empty
 * operand): IE + SF, C1 tells which. True when IE is unmasked. */
static bool x87_stack_fault(X86CPUState *env, bool overflow)
{
    env->fpus |= FSW_IE | FSW_SF;
    set_c1(env, overflow);
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
static Fx80 ld_operand(X87Op *o, FxEnv *e, bool arith)
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
static bool x87_push(X86CPUState *env, Fx80 v, uint16_t flags)
{
    bool ok = true;

    if (!st_empty(env, 7)) {
        if (x87_stack_fault(env, true)) {
            return false;
        }
        v = fx_indefinite;
        ok = false;
    } else if (x87_flags(env, flags)) {
        return false;
    }
    env->fpstt = (env->fpstt - 1) & 7;
    st_set(env, 0, v);
    return ok;
}

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

static void x87_arith(X87Op *o)
{
    X86CPUState *env = o->env;
    const ArithOp *a = &arith_ops[o->mnem];
    unsigned d = o->dest_sti ? o->sti : 0;
    unsigned s = o->dest_sti ? 0 : o->sti;
    FxEnv e = fenv(env);
    Fx80 dv, sv, r;
    bool load_de = false;

    if (o->mem) {
        sv = ld_operand(o, &e, true);
        load_de = e.flags & FX_DE;
        e.flags &= ~FX_DE;
        if (st_empty(env, 0)) {
            goto underflow;
        }
    } else {
        if (st_empty(env, d) || st_empty(env, s)) {
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
    st_set(env, d, r);
    if (a->pop) {
        st_pop(env);
    }
    return;
underflow:
    if (x87_stack_fault(env, false)) {
        return;
    }
    st_set(env, d, fx_indefinite);
    if (a->pop) {
        st_pop(env);
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

static uint64_t x87_compare(X87Op *o)
{
    X86CPUState *env = o->env;
    unsigned m = o->mnem, pops;
    bool quiet = m == X86_INSN_FUCOM || m == X86_INSN_FUCOMP ||
                 m == X86_INSN_FUCOMPP || m == X86_INSN_FUCOMI ||
                 m == X86_INSN_FUCOMIP;
    bool to_eflags = m == X86_INSN_FCOMI || m == X86_INSN_FCOMIP ||
                     m == X86_INSN_FUCOMI || m == X86_INSN_FUCOMIP;
    FxEnv e = fenv(env);
    Fx80 b;
    int c = 2;
    bool load_de = false;

    pops = (m == X86_INSN_FCOMPP || m == X86_INSN_FUCOMPP) ? 2 :
           (m == X86_INSN_FCOMP || m == X86_INSN_FUCOMP ||
            m == X86_INSN_FICOMP || m == X86_INSN_FCOMIP ||
            m == X86_INSN_FUCOMIP) ? 1 : 0;
    if (o->mem) {
        b = ld_operand(o, &e, false);
        load_de = e.flags & FX_DE;
        e.flags &= ~FX_DE;
    } else if (m == X86_INSN_FTST) {
        b = fx_from_int(0);
    } else {
        b = x87_st_get(env, (m == X86_INSN_FCOMPP || m == X86_INSN_FUCOMPP) ?
                   1 : o->sti);
    }
    if (st_empty(env, 0) || (!o->mem && m != X86_INSN_FTST &&
        st_empty(env, (m == X86_INSN_FCOMPP || m == X86_INSN_FUCOMPP) ?
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
        st_pop(env);
    }
    return to_eflags ? eflags_of(c) : 0;
}

static void x87_xam(X86CPUState *env)
{
    Fx80 v = x87_st_get(env, 0);
    unsigned e = v.se & 0x7fff;
    uint16_t cc;

    if (st_empty(env, 0)) {
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

/* ---- loads and stores ---- */

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

static void x87_load_const(X86CPUState *env, unsigned k)
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

static void x87_load(X87Op *o)
{
    X86CPUState *env = o->env;
    FxEnv e = fenv(env);
    Fx80 v;
    bool load_de = false;

    if (o->mnem == X86_INSN_FBLD) {
        bool neg;
        int64_t i = bcd_to_int(o, &neg);

        v = fx_from_int(i);
        v.se |= neg ? 0x8000 : 0;
    } else if (o->mem) {
        v = ld_operand(o, &e, false);
        /* a denormal m32/m64 is loaded even with DE unmasked, as on the
         * (AMD) host CPU */
        load_de = e.flags & FX_DE;
        e.flags &= ~FX_DE;
    } else {
        if (st_empty(env, o->sti)) {
            if (x87_stack_fault(env, false)) {
                return;
            }
            env->fpstt = (env->fpstt - 1) & 7;  /* no overflow check */
            st_set(env, 0, fx_indefinite);
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

static void x87_store(X87Op *o)
{
    X86CPUState *env = o->env;
    unsigned m = o->mnem;
    FxEnv e = fenv(env);
    Fx80 v = x87_st_get(env, 0);
    uint64_t bits = 0;

    if (st_empty(env, 0)) {
        if (x87_stack_fault(env, false)) {
            return;
        }
        v = fx_indefinite;
    }
    if (!o->mem) {                      /* FST/FSTP ST(i): exact copy */
        set_c1(env, false);             /* not rounded up */
        st_set(env, o->sti, v);
        if (is_pop_store(m)) {
            st_pop(env);
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
        st_pop(env);
    }
}

/* ---- one-operand functions on ST0 (and ST1) ---- */

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

static void x87_unary(X87Op *o)
{
    X86CPUState *env = o->env;
    unsigned m = o->mnem;
    bool two = m == X86_INSN_FSCALE || m == X86_INSN_FPREM ||
               m == X86_INSN_FPREM1 || m == X86_INSN_FYL2X ||
               m == X86_INSN_FYL2XP1 || m == X86_INSN_FPATAN;
    FxEnv e = fenv(env);
    Fx80 a = x87_st_get(env, 0), b = x87_st_get(env, 1), r = a, r2;
    long double x = to_ld(a), y = to_ld(b);
    bool big = (a.se & 0x7fff) >= 0x3fff + 63;
    unsigned q;
    bool partial, pushes;

    pushes = m == X86_INSN_FPTAN || m == X86_INSN_FSINCOS ||
             m == X86_INSN_FXTRACT;
    env->fpus &= ~FSW_C2;               /* a stack fault clears it too */
    if (st_empty(env, 0) || (two && st_empty(env, 1)) ||
        (pushes && !st_empty(env, 7))) {
        /* underflow, or a push that would overflow: checked first; the
         * masked response fills every result with the indefinite */
        if (x87_stack_fault(env, !st_empty(env, 0) &&
                            !(two && st_empty(env, 1)))) {
            return;
        }
        st_set(env, 0, fx_indefinite);
        if (!pushes) {
            return;
        }
        env->fpstt = (env->fpstt - 1) & 7;
        st_set(env, 0, fx_indefinite);
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
        st_set(env, 1, r);
        st_pop(env);
    } else if (m == X86_INSN_FPTAN || m == X86_INSN_FSINCOS ||
               m == X86_INSN_FXTRACT) {
        st_set(env, 0, r);
        x87_push(env, r2, 0);
    } else {
        st_set(env, 0, r);
    }
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

    if (arith_ops[m].fn) {
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

        if (st_empty(env, 0) || st_empty(env, o->sti)) {
            if (x87_stack_fault(env, false)) {
                return 0;
            }
            a = st_empty(env, 0) ? fx_indefinite : a;
            b = st_empty(env, o->sti) ? fx_indefinite : b;
        } else {
            set_c1(env, false);
        }
        st_set(env, 0, b);
        st_set(env, o->sti, a);
        return 0;
    }
    case X86_INSN_FCMOVB: case X86_INSN_FCMOVE: case X86_INSN_FCMOVBE:
    case X86_INSN_FCMOVU: case X86_INSN_FCMOVNB: case X86_INSN_FCMOVNE:
    case X86_INSN_FCMOVNBE: case X86_INSN_FCMOVNU:
        if (st_empty(env, 0) || st_empty(env, o->sti)) {
            if (!x87_stack_fault(env, false)) {
                st_set(env, 0, fx_indefinite);
            }
        } else if (o->cond) {
            st_set(env, 0, x87_st_get(env, o->sti));
        }
        return 0;
    case X86_INSN_FINCSTP:
    case X86_INSN_FDECSTP:
        env->fpstt = (env->fpstt + (m == X86_INSN_FINCSTP ? 1 : 7)) & 7;
        set_c1(env, false);
        return 0;
    case X86_INSN_FFREE:
    case X86_INSN_FFREEP:
        env->fptag &= ~(1u << x87_phys(env, o->sti));
        if (m == X86_INSN_FFREEP) {
            st_pop(env);
        }
        return 0;
    case X86_INSN_FNOP:
        return 0;
    default:
        break;
    }
    if (x87_control(m)) {
        return x87_do_control(o);
    }
    x87_unary(o);
    return 0;
}

uint64_t helper_x87(X86CPUState *env, uint64_t info, uint64_t linear,
                    uint64_t ea, uint64_t cond)
{
    X87Op o = {
        .env = env, .mnem = info & 0xffff,
        .opsize = (info >> X87_OPSIZE_SHIFT) & 0xf,
        .memsize = (info >> X87_MEMSIZE_SHIFT) & 0xff,
        .sti = (info >> X87_STI_SHIFT) & 7,
        .mem = info & X87_MEM, .dest_sti = info & X87_DEST_STI,
        .real = info & X87_REAL, .cond = cond,
        .linear = linear, .ea = ea, .ra = TCG_GETPC(),
    };

    if (!x87_nowait(o.mnem) && (env->fpus & FSW_ES)) {
        x87_pending_error(env, o.ra);
    }
    if (!x87_control(o.mnem)) {
        env->fpip = env->rip;
        env->fpcs = env->segs[R_CS].selector;
        env->fpop = (info >> 40) & 0x7ff;
        if (o.mem) {
            env->fpdp = ea;
            env->fpds = env->segs[(info >> 52) & 7].selector;
        }
    }
    return x87_dispatch(&o);
}
