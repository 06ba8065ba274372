/* SPDX-License-Identifier: MIT */
/*
 * x87 instructions of the differential generator (diff-gen.c), the
 * interesting floating-point values every FP family draws from, and the
 * initial x87/SSE state (an FXSAVE image).
 *
 * Forms: FLD/FST/FSTP (m32/m64/m80, ST(i)), FILD/FIST/FISTP/FISTTP
 * (m16/m32/m64), the arithmetic and compare group (m32, m64, m16int, m32int,
 * ST(i) both ways, the popping forms), FCOMI/FUCOMI(P), FCMOVcc, FXCH,
 * FCHS/FABS/FTST/FXAM, the constants, FSQRT, FSCALE, FPREM/FPREM1,
 * FRNDINT, FXTRACT, FINCSTP/FDECSTP, FFREE, FNCLEX, FLDCW (precision,
 * rounding and masks chosen here), FNSTCW, FNSTSW AX/m16, FWAIT. The
 * transcendentals (FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X,
 * FYL2XP1) come with the loads of their arguments, inside the ranges
 * where the SDM promises their accuracy (now and then a tiny, denormal
 * or huge one), as the last x87 instruction of a sequence but for an
 * FWAIT half of the time, with the FCW of the sequence (any exception
 * may be unmasked; the FWAIT then raises #MF): the comparator allows
 * DR_ULPS units in the last place on ST0 and ST1 and ignores C1 there
 * (SDM Vol. 1 8.3.10); the other FSW bits are compared exactly.
 * Ref: Intel SDM Vol. 1 ch. 8, Vol. 2 the F* pages, Vol. 1 table 4-3.
 * Missing: FSAVE/FRSTOR/FSTENV/FLDENV/FXSAVE (images hold FIP/FDP, which
 * the host fills differently), FBLD/FBSTP.
 */
#include "kestrel/osdep.h"
#include <math.h>
#include "diff-gen-emit.h"

enum {
    X_MEM,      /* b0 /b1 memory */
    X_STI,      /* b0, b1 + i */
    X_FIX,      /* b0 b1 */
    X_FLDCW,    /* FLDCW m16 of a chosen control word */
    X_TRANSC,   /* loads of arguments, then b0 b1 */
    X_WAIT,     /* 9B */
};

typedef struct DgX87 {
    const char *name;
    uint8_t b0, b1;
    uint8_t kind;
    uint8_t msize;
    bool mwrite;
    uint16_t def, read;                 /* EFLAGS (FCOMI, FCMOVcc) */
    uint16_t cund;                      /* FSW C0-C3 left undefined */
    uint16_t ckeep;                     /* FSW C0-C3 left alone */
    uint8_t args;                       /* transcendental: operands */
} DgX87;

/* FSW condition codes (the same bits in DgInsn's flag masks) */
#define C0 0x0100
#define C1 0x0200
#define C2 0x0400
#define C3 0x4000
#define CALL (C0 | C1 | C2 | C3)
#define U3 (C0 | C2 | C3)               /* "C0, C2, C3 undefined" */

#define ARITH(b0, sz, nm)                                                  \
    { nm "add", b0, 0, X_MEM, sz, false, 0, 0, U3, 0, 0 },                 \
    { nm "mul", b0, 1, X_MEM, sz, false, 0, 0, U3, 0, 0 },                 \
    { nm "com", b0, 2, X_MEM, sz, false, 0, 0, 0, 0, 0 },                  \
    { nm "comp", b0, 3, X_MEM, sz, false, 0, 0, 0, 0, 0 },                 \
    { nm "sub", b0, 4, X_MEM, sz, false, 0, 0, U3, 0, 0 },                 \
    { nm "subr", b0, 5, X_MEM, sz, false, 0, 0, U3, 0, 0 },                \
    { nm "div", b0, 6, X_MEM, sz, false, 0, 0, U3, 0, 0 },                 \
    { nm "divr", b0, 7, X_MEM, sz, false, 0, 0, U3, 0, 0 }
#define STI(nm, b0, b1) { nm, b0, b1, X_STI, 0, false, 0, 0, U3, 0, 0 }
#define CMP(nm, b0, b1) { nm, b0, b1, X_STI, 0, false, 0, 0, 0, 0, 0 }
#define FIX(nm, b0, b1, u) { nm, b0, b1, X_FIX, 0, false, 0, 0, u, 0, 0 }
#define MEM(nm, b0, ext, sz, w, u) \
    { nm, b0, ext, X_MEM, sz, w, 0, 0, u, 0, 0 }
/* FCOMI and friends leave C0, C2 and C3 alone; C1 is taken as undefined:
 * the SDM clears it, an AMD host leaves it */
#define COMI(nm, b0, b1) \
    { nm, b0, b1, X_STI, 0, false, DG_CC, 0, C1, C0 | C2 | C3, 0 }
/* FCMOVcc leaves C1 alone but for a stack underflow (SDM: set to 0 then) */
#define FCMOV(nm, b0, b1, rd) \
    { nm, b0, b1, X_STI, 0, false, 0, rd, U3, C1, 0 }
#define TRANSC(nm, b1, n, u) \
    { nm, 0xd9, b1, X_TRANSC, 0, false, 0, 0, u, 0, n }

/* From each instruction's "FPU Flags Affected" (SDM Vol. 2) */
static const DgX87 dg_x87[] = {
    ARITH(0xd8, 4, "f"), ARITH(0xdc, 8, "f"), ARITH(0xda, 4, "fi"),
    ARITH(0xde, 2, "fi"),
    MEM("fld", 0xd9, 0, 4, false, U3), MEM("fld", 0xdd, 0, 8, false, U3),
    MEM("fld", 0xdb, 5, 10, false, U3),
    MEM("fst", 0xd9, 2, 4, true, U3), MEM("fst", 0xdd, 2, 8, true, U3),
    MEM("fstp", 0xd9, 3, 4, true, U3), MEM("fstp", 0xdd, 3, 8, true, U3),
    MEM("fstp", 0xdb, 7, 10, true, U3),
    MEM("fild", 0xdf, 0, 2, false, U3), MEM("fild", 0xdb, 0, 4, false, U3),
    MEM("fild", 0xdf, 5, 8, false, U3),
    MEM("fist", 0xdf, 2, 2, true, U3), MEM("fist", 0xdb, 2, 4, true, U3),
    MEM("fistp", 0xdf, 3, 2, true, U3), MEM("fistp", 0xdb, 3, 4, true, U3),
    MEM("fistp", 0xdf, 7, 8, true, U3),
    MEM("fisttp", 0xdf, 1, 2, true, U3), MEM("fisttp", 0xdb, 1, 4, true, U3),
    MEM("fisttp", 0xdd, 1, 8, true, U3),
    MEM("fnstcw", 0xd9, 7, 2, true, CALL),
    { "fnstsw", 0xdd, 7, X_MEM, 2, true, 0, CALL, CALL, 0, 0 },
    STI("fld", 0xd9, 0xc0), STI("fst", 0xdd, 0xd0), STI("fstp", 0xdd, 0xd8),
    STI("fxch", 0xd9, 0xc8),
    { "ffree", 0xdd, 0xc0, X_STI, 0, false, 0, 0, CALL, 0, 0 },
    STI("fadd", 0xd8, 0xc0), STI("fmul", 0xd8, 0xc8), CMP("fcom", 0xd8, 0xd0),
    CMP("fcomp", 0xd8, 0xd8), STI("fsub", 0xd8, 0xe0),
    STI("fsubr", 0xd8, 0xe8), STI("fdiv", 0xd8, 0xf0),
    STI("fdivr", 0xd8, 0xf8),
    STI("fadd", 0xdc, 0xc0), STI("fmul", 0xdc, 0xc8), STI("fsubr", 0xdc, 0xe0),
    STI("fsub", 0xdc, 0xe8), STI("fdivr", 0xdc, 0xf0), STI("fdiv", 0xdc, 0xf8),
    STI("faddp", 0xde, 0xc0), STI("fmulp", 0xde, 0xc8),
    STI("fsubrp", 0xde, 0xe0), STI("fsubp", 0xde, 0xe8),
    STI("fdivrp", 0xde, 0xf0), STI("fdivp", 0xde, 0xf8),
    CMP("fucom", 0xdd, 0xe0), CMP("fucomp", 0xdd, 0xe8),
    FIX("fcompp", 0xde, 0xd9, 0), FIX("fucompp", 0xda, 0xe9, 0),
    COMI("fcomi", 0xdb, 0xf0), COMI("fucomi", 0xdb, 0xe8),
    COMI("fcomip", 0xdf, 0xf0), COMI("fucomip", 0xdf, 0xe8),
    FCMOV("fcmovb", 0xda, 0xc0, DG_CF), FCMOV("fcmove", 0xda, 0xc8, DG_ZF),
    FCMOV("fcmovbe", 0xda, 0xd0, DG_CF | DG_ZF),
    FCMOV("fcmovu", 0xda, 0xd8, DG_PF),
    FCMOV("fcmovnb", 0xdb, 0xc0, DG_CF), FCMOV("fcmovne", 0xdb, 0xc8, DG_ZF),
    FCMOV("fcmovnbe", 0xdb, 0xd0, DG_CF | DG_ZF),
    FCMOV("fcmovnu", 0xdb, 0xd8, DG_PF),
    FIX("fchs", 0xd9, 0xe0, U3), FIX("fabs", 0xd9, 0xe1, U3),
    FIX("ftst", 0xd9, 0xe4, 0), FIX("fxam", 0xd9, 0xe5, 0),
    FIX("fld1", 0xd9, 0xe8, U3), FIX("fldl2t", 0xd9, 0xe9, U3),
    FIX("fldl2e", 0xd9, 0xea, U3), FIX("fldpi", 0xd9, 0xeb, U3),
    FIX("fldlg2", 0xd9, 0xec, U3), FIX("fldln2", 0xd9, 0xed, U3),
    FIX("fldz", 0xd9, 0xee, U3),
    FIX("fsqrt", 0xd9, 0xfa, U3), FIX("fscale", 0xd9, 0xfd, U3),
    FIX("fprem", 0xd9, 0xf8, 0), FIX("fprem1", 0xd9, 0xf5, 0),
    FIX("frndint", 0xd9, 0xfc, U3), FIX("fxtract", 0xd9, 0xf4, U3),
    FIX("fdecstp", 0xd9, 0xf6, U3), FIX("fincstp", 0xd9, 0xf7, U3),
    FIX("fnclex", 0xdb, 0xe2, CALL),
    { "fnstsw ax", 0xdf, 0xe0, X_FIX, 0, false, 0, CALL, CALL, 0, 0 },
    { "fldcw", 0xd9, 5, X_FLDCW, 2, false, 0, 0, CALL, 0, 0 },
    { "fwait", 0x9b, 0, X_WAIT, 0, false, 0, 0, CALL, 0, 0 },
    TRANSC("fsin", 0xfe, 1, C0 | C3), TRANSC("fcos", 0xff, 1, C0 | C3),
    TRANSC("fsincos", 0xfb, 1, C0 | C3), TRANSC("fptan", 0xf2, 1, C0 | C3),
    TRANSC("fpatan", 0xf3, 2, U3), TRANSC("f2xm1", 0xf0, 1, U3),
    TRANSC("fyl2x", 0xf1, 2, U3), TRANSC("fyl2xp1", 0xf9, 2, U3),
};

/* Interesting values of a binary format: @ebits exponent bits, @mbits
 * fraction bits (the explicit integer bit of the 80-bit format apart) */
static void dg_fp_parts(GRand *r, unsigned ebits, unsigned mbits,
                        uint32_t *exp, uint64_t *frac)
{
    uint32_t emax = (1u << ebits) - 1, bias = emax >> 1;
    uint64_t fmask = mbits == 64 ? ~0ull : (1ull << mbits) - 1;
    uint64_t f = ((uint64_t)g_rand_int(r) << 32 | g_rand_int(r)) & fmask;

    switch (g_rand_int_range(r, 0, 16)) {
    case 0:
        *exp = 0, f = 0;                /* zero */
        break;
    case 1:
        *exp = emax, f = 0;             /* infinity */
        break;
    case 2:
        *exp = emax, f |= 1ull << (mbits - 1);  /* QNaN */
        break;
    case 3:
        *exp = emax, f = (f & (fmask >> 1)) | 1;        /* SNaN */
        break;
    case 4:
        *exp = 0, f |= 1;               /* denormal */
        break;
    case 5:
        *exp = g_rand_int_range(r, 1, 4);
        break;
    case 6:
        *exp = emax - g_rand_int_range(r, 1, 4);
        break;
    case 7:                             /* few fraction bits: exact cases */
        *exp = bias + g_rand_int_range(r, 0, 24);
        f &= ~(fmask >> 6);
        break;
    default:
        *exp = bias + g_rand_int_range(r, -24, 25);
        break;
    }
    *frac = f;
}

uint32_t dg_f32(GRand *r)
{
    uint32_t e;
    uint64_t f;

    dg_fp_parts(r, 8, 23, &e, &f);
    return (uint32_t)g_rand_boolean(r) << 31 | e << 23 | (uint32_t)f;
}

uint64_t dg_f64(GRand *r)
{
    uint32_t e;
    uint64_t f;

    dg_fp_parts(r, 11, 52, &e, &f);
    return (uint64_t)g_rand_boolean(r) << 63 | (uint64_t)e << 52 | f;
}

void dg_f80(GRand *r, uint8_t out[10])
{
    uint32_t e;
    uint64_t f;
    uint16_t se;

    dg_fp_parts(r, 15, 63, &e, &f);
    if (e != 0) {
        f |= 1ull << 63;                /* the integer bit of a normal */
    }
    se = e | (uint16_t)g_rand_boolean(r) << 15;
    memcpy(out, &f, 8);
    memcpy(out + 8, &se, 2);
}

/* Exceptions the generator unmasks in FCW: all six (IM DM ZM OM UM PM). */
#define DG_FCW_UNMASK 0x3f

/* A control word: precision 24/53/64, any rounding, masks mostly set;
 * bit 6 reads as one and bits 13-15 as zero on the host. */
static uint16_t dg_fcw(GRand *r)
{
    static const uint16_t pc[3] = { 0x000, 0x200, 0x300 };
    uint16_t masks = g_rand_int_range(r, 0, 8)
                     ? 0x3f : 0x3f & ~(g_rand_int(r) & DG_FCW_UNMASK);

    return 0x40 | masks | pc[g_rand_int_range(r, 0, 3)] |
           (g_rand_int(r) & 0x1c00);
}

/* Exceptions the generator unmasks in MXCSR: all six (IM DM ZM OM UM
 * PM). */
#define DG_MXCSR_UNMASK 0x1f80

uint32_t dg_mxcsr(GRand *r)
{
    uint32_t masks = g_rand_int_range(r, 0, 8)
                     ? 0x1f80 : 0x1f80 & ~(g_rand_int(r) & DG_MXCSR_UNMASK);

    return masks | (g_rand_int(r) & 0xe07f);
}

void dg_init_fx(DgCtx *c)
{
    uint8_t *fx = c->s->fx;
    uint16_t fcw = g_rand_boolean(c->r) ? 0x37f : dg_fcw(c->r);
    uint16_t fsw = (g_rand_int(c->r) & 0x4700) |
                   (g_rand_int(c->r) & fcw & 0x3f);
    uint32_t mxcsr = g_rand_boolean(c->r) ? 0x1f80 : dg_mxcsr(c->r);

    fsw |= g_rand_int_range(c->r, 0, 8) << 11;          /* TOP */
    memcpy(fx + DG_FX_FCW, &fcw, 2);
    memcpy(fx + DG_FX_FSW, &fsw, 2);
    fx[DG_FX_FTW] = g_rand_int(c->r) | g_rand_int(c->r);
    memcpy(fx + DG_FX_MXCSR, &mxcsr, 4);
    for (unsigned i = 0; i < 8; i++) {
        dg_f80(c->r, fx + DG_FX_ST0 + 16 * i);
    }
    for (unsigned i = 0; i < 32; i++) {
        uint64_t v;

        switch (g_rand_int_range(c->r, 0, 3)) {
        case 0:
            v = dg_f64(c->r);
            break;
        case 1:
            v = dg_f32(c->r) | (uint64_t)dg_f32(c->r) << 32;
            break;
        default:
            v = g_rand_int(c->r) | (uint64_t)g_rand_int(c->r) << 32;
            break;
        }
        memcpy(fx + DG_FX_XMM0 + 8 * i, &v, 8);
    }
}

/* An argument inside the range a transcendental is accurate in */
static void dg_transc_arg(DgCtx *c, const DgX87 *x, unsigned arg,
                          uint8_t out[10])
{
    long double v = g_rand_double(c->r);
    double sign = g_rand_boolean(c->r) ? -1 : 1;

    if (x->b1 == 0xf0) {                /* F2XM1: -1..1 */
        v *= sign;
    } else if (x->b1 == 0xf9 && arg == 1) {     /* FYL2XP1: |x| < 0.29 */
        v *= 0.29 * sign;
    } else if (x->b1 == 0xf1 && arg == 1) {     /* FYL2X: x > 0 */
        v = ldexpl(v + 0.5, g_rand_int_range(c->r, -16, 17));
    } else if (x->b1 == 0xf3) {         /* FPATAN: any ratio */
        v = ldexpl(v, g_rand_int_range(c->r, -8, 9)) * sign;
    } else {
        /* FSIN, FCOS, FSINCOS, FPTAN: |x| < pi/4, where no reduction
         * by the hardware's 66-bit pi takes place (SDM Vol. 1 8.3.10):
         * Kestrel reduces exactly, the results differ beyond */
        v = ldexpl(v, g_rand_int_range(c->r, -8, 0)) * sign;
    }
    /* now and then a tiny or denormal one (DE, UE and its bias), or a
     * huge y for FYL2X (OE and its bias) */
    if (!g_rand_int_range(c->r, 0, 8)) {
        v = ldexpl(v, x->b1 == 0xf1 && arg == 2
                   ? 16376 : g_rand_int_range(c->r, -16440, -16300));
    }
    memset(out, 0, 10);
    memcpy(out, &v, 10);                /* x86-64: long double is x87 */
}

/* FLD m80 of each argument (glued), then the transcendental; never in a
 * Jcc's shadow, which could skip a load */
static void dg_gen_transc(DgCtx *c, const DgX87 *x)
{
    if (!dg_room(c, x->args + 1) || c->s->ninsn < c->flow.shadow_end) {
        return;
    }
    for (unsigned a = x->args; a > 0; a--) {
        uint8_t v[10];
        DgEnc e = { .op = { 0xdb }, .oplen = 1, .reg = 5, .rm = DG_RM_MEM,
                    .msize = 10 };

        dg_transc_arg(c, x, a, v);
        e.moff = dg_reserve(c, v, 10, 2);
        dg_begin(c, "fld");
        c->rex = false;
        dg_encode(c, &e);
        c->in->flags = DG_I_GLUE;
        c->in->def = C1;
        c->in->undef = U3;
        dg_commit(c);
    }
    dg_begin(c, x->name);
    c->rex = false;
    dg_encode(c, &(DgEnc) { .op = { x->b0, x->b1 }, .oplen = 2,
                            .reg = DG_NO_MODRM });
    c->in->flags = DG_I_TRANSC;
    c->in->def = CALL & ~x->cund;
    c->in->undef = x->cund;
    dg_commit(c);
    c->x87_closed = true;
    /* FWAIT meets an unmasked exception of the transcendental: #MF */
    if (g_rand_boolean(c->r) && dg_room(c, 1) && dg_begin(c, "fwait")) {
        c->rex = false;
        dg_encode(c, &(DgEnc) { .op = { 0x9b }, .oplen = 1,
                                .reg = DG_NO_MODRM, .moff = -1 });
        c->in->undef = CALL;
        dg_commit(c);
    }
}

void dg_gen_x87(DgCtx *c)
{
    const DgX87 *x = &dg_x87[g_rand_int_range(c->r, 0, G_N_ELEMENTS(dg_x87))];
    DgEnc e = { .op = { x->b0 }, .oplen = 1, .reg = DG_NO_MODRM,
                .moff = -1 };

    if (c->x87_closed) {
        dg_gen_int(c);
        return;
    }
    if (x->kind == X_TRANSC) {
        dg_gen_transc(c, x);
        return;
    }
    if (!dg_begin(c, x->name)) {
        return;
    }
    c->rex = false;
    c->in->def = x->def | (CALL & ~x->cund & ~x->ckeep);
    c->in->undef = x->cund;
    c->in->read = x->read;
    switch (x->kind) {
    case X_MEM:
    case X_FLDCW:
        e.reg = x->b1;
        e.rm = DG_RM_MEM;
        e.msize = x->msize;
        e.mwrite = x->mwrite;
        if (x->kind == X_FLDCW) {
            uint16_t cw = dg_fcw(c->r);

            e.moff = dg_reserve(c, &cw, 2, 2);
        }
        break;
    case X_STI:
        e.op[1] = x->b1 + g_rand_int_range(c->r, 0, 8);
        e.oplen = 2;
        break;
    case X_FIX:
        e.op[1] = x->b1;
        e.oplen = 2;
        break;
    default:
        break;
    }
    dg_encode(c, &e);
    dg_commit(c);
}
