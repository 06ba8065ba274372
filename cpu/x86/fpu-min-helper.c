/* SPDX-License-Identifier: MIT */
/*
 * The helper of the minimal x87 subset (see fpu-min.h): loads, stores,
 * the four basic operations, compares, FNSAVE/FRSTOR and the control and
 * status words. Called from code that cpu/x86/fpu-min.c generates.
 *
 * Values are computed with the host's 80-bit long double (x86-64 hosts),
 * whose memory layout is the X87Reg's; the host rounding mode follows
 * FCW.RC for each instruction and the host exception flags become the
 * status word's.
 * Ref: Intel SDM Vol. 1 8.1 (status, control and tag words), 8.1.10 and
 * figures 8-9..8-12 (FSAVE/FSTENV image), Vol. 2 (each instruction).
 * Missing: FIP/FDP/FOP (stored as 0), real-mode layout of the image (the
 * protected-mode one is used), #MF for unmasked exceptions (flags only),
 * precision control, denormal-operand flag.
 */
#include "kestrel/osdep.h"
#include <fenv.h>
#include <math.h>
#include "kestrel/log.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/insn.h"
#include "cpu/x86/fpu-min.h"
#include "accel/tcg/tcg-cpu.h"

#define FSW_IE      0x0001
#define FSW_ZE      0x0004
#define FSW_OE      0x0008
#define FSW_UE      0x0010
#define FSW_PE      0x0020
#define FSW_SF      0x0040
#define FSW_ES      0x0080
#define FSW_C0      0x0100
#define FSW_C1      0x0200
#define FSW_C2      0x0400
#define FSW_C3      0x4000
#define FSW_B       0x8000
#define FSW_CC      (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)
#define FCW_RESET   0x037f

G_STATIC_ASSERT(sizeof(long double) >= 10);
G_STATIC_ASSERT(offsetof(X87Reg, sign_exp) == 8);

typedef struct FpuOp {
    X86CPUState *env;
    unsigned mnem, opsize, memsize, st0, st1;
    bool mem, two_st;
    uint64_t linear;
} FpuOp;

/* ---- guest memory ---- */

/* The operand's linear address + ofs: wraps at 4 GiB outside 64-bit code */
static uint64_t fpu_addr(FpuOp *o, unsigned ofs)
{
    uint64_t a = o->linear + ofs;

    return o->env->hflags & HF_CS64 ? a : a & 0xffffffffu;
}

static uint64_t fpu_ld(FpuOp *o, unsigned ofs, unsigned size)
{
    return cpu_ld_mmu(o->env, fpu_addr(o, ofs),
                      x86_mmu_index(o->env->hflags), size, 0);
}

static void fpu_st(FpuOp *o, unsigned ofs, uint64_t val, unsigned size)
{
    cpu_st_mmu(o->env, fpu_addr(o, ofs), val,
               x86_mmu_index(o->env->hflags), size, 0);
}

/* ---- the register stack ---- */

static X87Reg *fpu_reg(X86CPUState *env, unsigned i)
{
    return &env->fpregs[(env->fpstt + i) & 7];
}

static long double fpu_get(X86CPUState *env, unsigned i)
{
    long double v = 0;

    memcpy(&v, fpu_reg(env, i), 10);
    return v;
}

static void fpu_set(X86CPUState *env, unsigned i, long double v)
{
    memcpy(fpu_reg(env, i), &v, 10);
    env->fptag |= 1u << ((env->fpstt + i) & 7);
}

static bool fpu_empty(X86CPUState *env, unsigned i)
{
    return !(env->fptag & (1u << ((env->fpstt + i) & 7)));
}

static void fpu_stack_fault(X86CPUState *env, bool overflow)
{
    env->fpus = (env->fpus & ~FSW_C1) | FSW_IE | FSW_SF |
                (overflow ? FSW_C1 : 0);
}

static void fpu_push(X86CPUState *env, long double v)
{
    if (!fpu_empty(env, 7)) {
        fpu_stack_fault(env, true);
        v = -NAN;                       /* the real indefinite */
    }
    env->fpstt = (env->fpstt - 1) & 7;
    fpu_set(env, 0, v);
}

static void fpu_pop(X86CPUState *env)
{
    env->fptag &= ~(1u << env->fpstt);
    env->fpstt = (env->fpstt + 1) & 7;
}

/* ST(i) as a source: an empty register is a stack underflow. */
static long double fpu_src(X86CPUState *env, unsigned i)
{
    if (fpu_empty(env, i)) {
        fpu_stack_fault(env, false);
        return -NAN;
    }
    return fpu_get(env, i);
}

/* ---- host rounding and exception flags ---- */

static const int fpu_round_modes[4] = {
    FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO,
};

static void fpu_begin(X86CPUState *env)
{
    fesetround(fpu_round_modes[(env->fpuc >> 10) & 3]);
    feclearexcept(FE_ALL_EXCEPT);
}

static void fpu_end(X86CPUState *env)
{
    int ex = fetestexcept(FE_ALL_EXCEPT);

    env->fpus |= (ex & FE_INVALID ? FSW_IE : 0) |
                 (ex & FE_DIVBYZERO ? FSW_ZE : 0) |
                 (ex & FE_OVERFLOW ? FSW_OE : 0) |
                 (ex & FE_UNDERFLOW ? FSW_UE : 0) |
                 (ex & FE_INEXACT ? FSW_PE : 0);
    if (env->fpus & ~env->fpuc & 0x3f) {
        env->fpus |= FSW_ES | FSW_B;
    }
    fesetround(FE_TONEAREST);
}

/* ---- memory operands ---- */

static long double fpu_load_real(FpuOp *o)
{
    long double v = 0;

    if (o->memsize == 4) {
        uint32_t bits = fpu_ld(o, 0, 4);
        float f;

        memcpy(&f, &bits, 4);
        v = f;
    } else if (o->memsize == 8) {
        uint64_t bits = fpu_ld(o, 0, 8);
        double d;

        memcpy(&d, &bits, 8);
        v = d;
    } else {
        X87Reg r = { .mant = fpu_ld(o, 0, 8), .sign_exp = fpu_ld(o, 8, 2) };

        memcpy(&v, &r, 10);
    }
    return v;
}

static void fpu_store_real(FpuOp *o, long double v)
{
    if (o->memsize == 4) {
        float f = v;
        uint32_t bits;

        memcpy(&bits, &f, 4);
        fpu_st(o, 0, bits, 4);
    } else if (o->memsize == 8) {
        double d = v;
        uint64_t bits;

        memcpy(&bits, &d, 8);
        fpu_st(o, 0, bits, 8);
    } else {
        X87Reg r;

        memcpy(&r, &v, 10);
        fpu_st(o, 0, r.mant, 8);
        fpu_st(o, 8, r.sign_exp, 2);
    }
}

static long double fpu_load_int(FpuOp *o)
{
    uint64_t raw = fpu_ld(o, 0, o->memsize);

    switch (o->memsize) {
    case 2:
        return (int16_t)raw;
    case 4:
        return (int32_t)raw;
    default:
        return (int64_t)raw;
    }
}

static void fpu_store_int(FpuOp *o, long double v)
{
    int64_t min = -((int64_t)1 << (o->memsize * 8 - 1));
    long double r = rintl(v);
    int64_t i;

    if (isnan(r) || r < (long double)min || r >= -(long double)min) {
        feraiseexcept(FE_INVALID);
        i = min;                        /* the integer indefinite */
    } else {
        i = (int64_t)r;
    }
    fpu_st(o, 0, (uint64_t)i, o->memsize);
}

/* ---- status, tags, environment ---- */

static uint16_t fpu_status(X86CPUState *env)
{
    return (env->fpus & ~0x3800) | (env->fpstt & 7) << 11;
}

/* The full tag word: 00 valid, 01 zero, 10 special, 11 empty. */
static uint16_t fpu_full_tags(X86CPUState *env)
{
    uint16_t tw = 0;

    for (unsigned p = 0; p < 8; p++) {
        const X87Reg *r = &env->fpregs[p];
        unsigned exp = r->sign_exp & 0x7fff, tag;

        if (!(env->fptag & (1u << p))) {
            tag = 3;
        } else if (exp == 0 && r->mant == 0) {
            tag = 1;
        } else if (exp == 0x7fff || exp == 0 || !(r->mant >> 63)) {
            tag = 2;
        } else {
            tag = 0;
        }
        tw |= tag << (2 * p);
    }
    return tw;
}

static void fpu_init(X86CPUState *env)
{
    env->fpuc = FCW_RESET;
    env->fpus = 0;
    env->fpstt = 0;
    env->fptag = 0;
    env->fpop = 0;
    env->fpip = env->fpdp = 0;
    env->fpcs = env->fpds = 0;
}

/* FNSTENV/FNSAVE image: 7 fields of 2 (16-bit) or 4 bytes; returns size */
static unsigned fpu_store_env(FpuOp *o)
{
    X86CPUState *env = o->env;
    unsigned w = o->opsize == 2 ? 2 : 4;
    uint32_t f[7] = { env->fpuc, fpu_status(env), fpu_full_tags(env) };

    for (unsigned i = 0; i < 7; i++) {
        fpu_st(o, i * w, f[i], w);
    }
    return 7 * w;
}

static unsigned fpu_load_env(FpuOp *o)
{
    X86CPUState *env = o->env;
    unsigned w = o->opsize == 2 ? 2 : 4;
    uint16_t fcw = fpu_ld(o, 0, 2), fsw = fpu_ld(o, w, 2);
    uint16_t ftw = fpu_ld(o, 2 * w, 2);

    env->fpuc = fcw;
    env->fpus = fsw & ~0x3800;
    env->fpstt = (fsw >> 11) & 7;
    env->fptag = 0;
    for (unsigned p = 0; p < 8; p++) {
        if (((ftw >> (2 * p)) & 3) != 3) {
            env->fptag |= 1u << p;
        }
    }
    return 7 * w;
}

/* ---- compares ---- */

static uint16_t fpu_compare_cc(long double a, long double b, bool quiet)
{
    if (isnan(a) || isnan(b)) {
        if (!quiet || issignaling(a) || issignaling(b)) {
            feraiseexcept(FE_INVALID);
        }
        return FSW_C0 | FSW_C2 | FSW_C3;
    }
    return a < b ? FSW_C0 : a == b ? FSW_C3 : 0;
}

static void fpu_set_cc(X86CPUState *env, uint16_t cc)
{
    env->fpus = (env->fpus & ~FSW_CC) | cc;
}

static uint16_t fpu_xam(X86CPUState *env)
{
    const X87Reg *r = fpu_reg(env, 0);
    unsigned exp = r->sign_exp & 0x7fff;
    uint16_t c1 = r->sign_exp & 0x8000 ? FSW_C1 : 0;

    if (fpu_empty(env, 0)) {
        return c1 | FSW_C3 | FSW_C0;
    }
    if (exp == 0x7fff) {
        return c1 | (r->mant << 1 ? FSW_C0 : FSW_C2 | FSW_C0);
    }
    if (exp == 0) {
        return c1 | (r->mant ? FSW_C3 | FSW_C2 : FSW_C3);
    }
    return c1 | (r->mant >> 63 ? FSW_C2 : 0);
}

/* ---- arithmetic ---- */

static long double fpu_arith(unsigned mnem, long double a, long double b)
{
    switch (mnem) {
    case X86_INSN_FADD: case X86_INSN_FADDP: case X86_INSN_FIADD:
        return a + b;
    case X86_INSN_FMUL: case X86_INSN_FMULP: case X86_INSN_FIMUL:
        return a * b;
    case X86_INSN_FSUB: case X86_INSN_FSUBP: case X86_INSN_FISUB:
        return a - b;
    case X86_INSN_FSUBR: case X86_INSN_FSUBRP: case X86_INSN_FISUBR:
        return b - a;
    case X86_INSN_FDIV: case X86_INSN_FDIVP: case X86_INSN_FIDIV:
        return a / b;
    default:                            /* FDIVR, FDIVRP, FIDIVR */
        return b / a;
    }
}

static bool fpu_is_int_op(unsigned mnem)
{
    return mnem == X86_INSN_FIADD || mnem == X86_INSN_FIMUL ||
           mnem == X86_INSN_FISUB || mnem == X86_INSN_FISUBR ||
           mnem == X86_INSN_FIDIV || mnem == X86_INSN_FIDIVR ||
           mnem == X86_INSN_FICOM || mnem == X86_INSN_FICOMP;
}

/* FADD..FDIVR in all their forms: dst op= src */
static void fpu_do_arith(FpuOp *o, bool pop)
{
    X86CPUState *env = o->env;
    unsigned dst = o->two_st ? o->st0 : 0;
    long double src;

    if (o->mem) {
        src = fpu_is_int_op(o->mnem) ? fpu_load_int(o) : fpu_load_real(o);
    } else {
        src = fpu_src(env, o->two_st ? o->st1 : o->st0);
    }
    fpu_set(env, dst, fpu_arith(o->mnem, fpu_src(env, dst), src));
    if (pop) {
        fpu_pop(env);
    }
}

static void fpu_do_compare(FpuOp *o, unsigned pops, bool quiet)
{
    X86CPUState *env = o->env;
    long double b;

    if (o->mem) {
        b = fpu_is_int_op(o->mnem) ? fpu_load_int(o) : fpu_load_real(o);
    } else {
        b = fpu_src(env, o->two_st ? o->st1 : (o->mnem == X86_INSN_FCOMPP ||
                    o->mnem == X86_INSN_FUCOMPP) ? 1 : o->st0);
    }
    fpu_set_cc(env, fpu_compare_cc(fpu_src(env, 0), b, quiet));
    while (pops--) {
        fpu_pop(env);
    }
}

/* FCOMI family: ZF, PF, CF as EFLAGS bits */
static uint64_t fpu_do_comi(FpuOp *o, bool pop, bool quiet)
{
    uint16_t cc = fpu_compare_cc(fpu_src(o->env, 0),
                                 fpu_src(o->env, o->st1), quiet);
    uint64_t fl = (cc & FSW_C3 ? CC_Z : 0) | (cc & FSW_C2 ? CC_P : 0) |
                  (cc & FSW_C0 ? CC_C : 0);

    if (pop) {
        fpu_pop(o->env);
    }
    return fl;
}

static const long double fpu_consts[] = {
    [X86_INSN_FLD1 - X86_INSN_FLD1] = 1.0L,
    [X86_INSN_FLDL2T - X86_INSN_FLD1] = 3.321928094887362347870319429L,
    [X86_INSN_FLDL2E - X86_INSN_FLD1] = 1.442695040888963407359924681L,
    [X86_INSN_FLDPI - X86_INSN_FLD1] = 3.141592653589793238462643383L,
    [X86_INSN_FLDLG2 - X86_INSN_FLD1] = 0.301029995663981195213738894L,
    [X86_INSN_FLDLN2 - X86_INSN_FLD1] = 0.693147180559945309417232121L,
    [X86_INSN_FLDZ - X86_INSN_FLD1] = 0.0L,
};

/* FNINIT .. FRSTOR, the instructions that never round */
static bool fpu_do_control(FpuOp *o, uint64_t *ret)
{
    X86CPUState *env = o->env;
    unsigned n;

    switch (o->mnem) {
    case X86_INSN_FNINIT:
        fpu_init(env);
        return true;
    case X86_INSN_FNCLEX:
        env->fpus &= ~(0x3f | FSW_SF | FSW_ES | FSW_B);
        return true;
    case X86_INSN_FNSTSW:
        if (o->mem) {
            fpu_st(o, 0, fpu_status(env), 2);
        }
        *ret = fpu_status(env);
        return true;
    case X86_INSN_FNSTCW:
        fpu_st(o, 0, env->fpuc, 2);
        return true;
    case X86_INSN_FLDCW:
        env->fpuc = fpu_ld(o, 0, 2);
        return true;
    case X86_INSN_FNSTENV:
        fpu_store_env(o);
        env->fpuc |= 0x3f;
        return true;
    case X86_INSN_FLDENV:
        fpu_load_env(o);
        return true;
    case X86_INSN_FNSAVE:
        n = fpu_store_env(o);
        for (unsigned i = 0; i < 8; i++) {
            fpu_st(o, n + i * 10, fpu_reg(env, i)->mant, 8);
            fpu_st(o, n + i * 10 + 8, fpu_reg(env, i)->sign_exp, 2);
        }
        fpu_init(env);
        return true;
    case X86_INSN_FRSTOR:
        n = fpu_load_env(o);
        for (unsigned i = 0; i < 8; i++) {
            fpu_reg(env, i)->mant = fpu_ld(o, n + i * 10, 8);
            fpu_reg(env, i)->sign_exp = fpu_ld(o, n + i * 10 + 8, 2);
        }
        return true;
    case X86_INSN_FNOP: case X86_INSN_FENI: case X86_INSN_FDISI:
    case X86_INSN_FSETPM:
        return true;
    case X86_INSN_FFREE: case X86_INSN_FFREEP:
        env->fptag &= ~(1u << ((env->fpstt + o->st0) & 7));
        if (o->mnem == X86_INSN_FFREEP) {
            fpu_pop(env);
        }
        return true;
    case X86_INSN_FINCSTP: case X86_INSN_FDECSTP:
        env->fpstt = (env->fpstt + (o->mnem == X86_INSN_FINCSTP ? 1 : 7)) & 7;
        env->fpus &= ~FSW_C1;
        return true;
    default:
        return false;
    }
}

/* Instructions that compute: between fpu_begin() and fpu_end(). */
static uint64_t fpu_do_compute(FpuOp *o)
{
    X86CPUState *env = o->env;
    long double v;
    bool pop = false;

    switch (o->mnem) {
    case X86_INSN_FLD:
        v = o->mem ? fpu_load_real(o) : fpu_src(env, o->st0);
        fpu_push(env, v);
        break;
    case X86_INSN_FILD:
        fpu_push(env, fpu_load_int(o));
        break;
    case X86_INSN_FLD1: case X86_INSN_FLDL2T: case X86_INSN_FLDL2E:
    case X86_INSN_FLDPI: case X86_INSN_FLDLG2: case X86_INSN_FLDLN2:
    case X86_INSN_FLDZ:
        fpu_push(env, fpu_consts[o->mnem - X86_INSN_FLD1]);
        break;
    case X86_INSN_FSTP: case X86_INSN_FSTPNCE:
        pop = true;
        /* fall through */
    case X86_INSN_FST:
        v = fpu_src(env, 0);
        if (o->mem) {
            fpu_store_real(o, v);
        } else {
            fpu_set(env, o->st0, v);
        }
        break;
    case X86_INSN_FISTP:
        pop = true;
        /* fall through */
    case X86_INSN_FIST:
        fpu_store_int(o, fpu_src(env, 0));
        break;
    case X86_INSN_FADDP: case X86_INSN_FMULP: case X86_INSN_FSUBP:
    case X86_INSN_FSUBRP: case X86_INSN_FDIVP: case X86_INSN_FDIVRP:
        fpu_do_arith(o, true);
        break;
    case X86_INSN_FADD: case X86_INSN_FMUL: case X86_INSN_FSUB:
    case X86_INSN_FSUBR: case X86_INSN_FDIV: case X86_INSN_FDIVR:
    case X86_INSN_FIADD: case X86_INSN_FIMUL: case X86_INSN_FISUB:
    case X86_INSN_FISUBR: case X86_INSN_FIDIV: case X86_INSN_FIDIVR:
        fpu_do_arith(o, false);
        break;
    case X86_INSN_FCHS:
        fpu_set(env, 0, -fpu_src(env, 0));
        break;
    case X86_INSN_FABS:
        fpu_set(env, 0, fabsl(fpu_src(env, 0)));
        break;
    case X86_INSN_FSQRT:
        fpu_set(env, 0, sqrtl(fpu_src(env, 0)));
        break;
    case X86_INSN_FRNDINT:
        fpu_set(env, 0, rintl(fpu_src(env, 0)));
        break;
    case X86_INSN_FSCALE:
        fpu_set(env, 0, scalbnl(fpu_src(env, 0),
                                (int)truncl(fpu_src(env, 1))));
        break;
    case X86_INSN_FPREM: case X86_INSN_FPREM1: {
        long double a = fpu_src(env, 0), b = fpu_src(env, 1);
        long double q = o->mnem == X86_INSN_FPREM ? truncl(a / b)
                                                  : rintl(a / b);
        uint64_t qi = (uint64_t)fabsl(q);

        fpu_set(env, 0, o->mnem == X86_INSN_FPREM ? fmodl(a, b)
                                                  : remainderl(a, b));
        fpu_set_cc(env, (qi & 1 ? FSW_C1 : 0) | (qi & 2 ? FSW_C3 : 0) |
                   (qi & 4 ? FSW_C0 : 0));
        break;
    }
    case X86_INSN_FXCH: {
        unsigned i = o->two_st ? o->st1 : o->st0;
        long double a = fpu_src(env, 0), b = fpu_src(env, i);

        fpu_set(env, 0, b);
        fpu_set(env, i, a);
        break;
    }
    case X86_INSN_FCOM: case X86_INSN_FICOM:
        fpu_do_compare(o, 0, false);
        break;
    case X86_INSN_FCOMP: case X86_INSN_FICOMP:
        fpu_do_compare(o, 1, false);
        break;
    case X86_INSN_FCOMPP:
        fpu_do_compare(o, 2, false);
        break;
    case X86_INSN_FUCOM:
        fpu_do_compare(o, 0, true);
        break;
    case X86_INSN_FUCOMP:
        fpu_do_compare(o, 1, true);
        break;
    case X86_INSN_FUCOMPP:
        fpu_do_compare(o, 2, true);
        break;
    case X86_INSN_FTST:
        fpu_set_cc(env, fpu_compare_cc(fpu_src(env, 0), 0.0L, false));
        break;
    case X86_INSN_FXAM:
        fpu_set_cc(env, fpu_xam(env));
        break;
    case X86_INSN_FCOMI: case X86_INSN_FUCOMI:
        return fpu_do_comi(o, false, o->mnem == X86_INSN_FUCOMI);
    case X86_INSN_FCOMIP: case X86_INSN_FUCOMIP:
        return fpu_do_comi(o, true, o->mnem == X86_INSN_FUCOMIP);
    default:
        ks_log_mask(LOG_UNIMP, "x87: mnemonic %u not in the subset\n",
                    o->mnem);
        break;
    }
    if (pop) {
        fpu_pop(env);
    }
    return 0;
}

uint64_t helper_fpu_min(X86CPUState *env, uint64_t info, uint64_t linear)
{
    FpuOp o = {
        .env = env,
        .mnem = info & 0xffff,
        .opsize = (info >> FPU_MIN_OPSIZE_SHIFT) & 0xff,
        .memsize = (info >> FPU_MIN_MEMSIZE_SHIFT) & 0xff,
        .st0 = (info >> FPU_MIN_ST0_SHIFT) & 7,
        .st1 = (info >> FPU_MIN_ST1_SHIFT) & 7,
        .mem = !!(info & FPU_MIN_MEM),
        .two_st = !!(info & FPU_MIN_TWO_ST),
        .linear = linear,
    };
    uint64_t ret = 0;

    if (fpu_do_control(&o, &ret)) {
        return ret;
    }
    fpu_begin(env);
    ret = fpu_do_compute(&o);
    fpu_end(env);
    return ret;
}
