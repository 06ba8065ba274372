/* SPDX-License-Identifier: MIT */
/*
 * MMX, SSE, SSE2 and SSE3 instructions of the differential generator
 * (diff-gen.c): packed and scalar single/double arithmetic, MIN/MAX,
 * SQRT, logic, compares (CMPccPS.., COMISS/UCOMISD into EFLAGS), the
 * conversions between floats, doubles, dwords, MMX and general
 * registers, shuffles and unpacks, the moves (aligned, unaligned, low,
 * high, masks, non-temporal, MASKMOVQ/MASKMOVDQU to [(E/R)DI]), the
 * integer operations on MMX and XMM registers with their shifts, EMMS,
 * LDMXCSR of a chosen MXCSR (rounding, DAZ, FTZ, masks) / STMXCSR, and
 * SSE3 (ADDSUB, HADD, HSUB PS/PD, MOVSLDUP/MOVSHDUP/MOVDDUP, LDDQU).
 * A 16-byte memory operand is aligned unless the form is unaligned,
 * except rarely (#GP).
 * Ref: Intel SDM Vol. 2 the instruction pages, Vol. 1 ch. 9-11.
 * Missing: RCPPS/RCPSS/RSQRTPS/RSQRTSS (approximations whose bits differ
 * between CPU makers: nothing to compare bit for bit), FXSAVE/FXRSTOR.
 */
#include "kestrel/osdep.h"
#include "diff-gen-emit.h"

enum {
    S_XX,       /* xmm, xmm/m */
    S_XXI,      /* xmm, xmm/m, imm8 */
    S_XMEM,     /* xmm, m (load only) */
    S_MEMX,     /* m, xmm (store only) */
    S_STX,      /* xmm/m, xmm */
    S_PINT,     /* integer op: mm, mm/m64 or (66) xmm, xmm/m128 */
    S_PSHI,     /* shift by imm8: /ext on mm or (66) xmm */
    S_MX,       /* mm, xmm/m */
    S_XM,       /* xmm, mm/m64 */
    S_XG,       /* xmm, r/m32/64 */
    S_GX,       /* r32/64, xmm/m */
    S_GMX,      /* r/m32/64, xmm or mm (MOVD/MOVQ stores) */
    S_GXR,      /* r32, xmm or mm register (MOVMSK, PMOVMSKB, PEXTRW) */
    S_PINSRW,   /* xmm/mm, r32/m16, imm8 */
    S_MASKMOV,  /* xmm/mm, xmm/mm: stores to [(E/R)DI] */
    S_COMI,     /* xmm, xmm/m: EFLAGS */
    S_LDMXCSR,
    S_STMXCSR,
    S_EMMS,
};

typedef struct DgSse {
    const char *name;
    uint8_t pfx;
    uint8_t op;                         /* the byte after 0F */
    uint8_t kind;
    uint8_t msize;
    uint8_t align;                      /* 16: aligned m128 */
    int8_t ext;                         /* ModRM.reg of S_PSHI */
    uint8_t immmax;                     /* imm8 below this; 0: any */
} DgSse;

#define P(nm, pf, o, k, ms, al) { nm, pf, o, k, ms, al, -1, 0 }
#define FOUR(nm, o)                                                        \
    P(nm "ps", 0, o, S_XX, 16, 16), P(nm "pd", 0x66, o, S_XX, 16, 16),     \
    P(nm "ss", 0xf3, o, S_XX, 4, 0), P(nm "sd", 0xf2, o, S_XX, 8, 0)
#define TWO(nm, o)                                                         \
    P(nm "ps", 0, o, S_XX, 16, 16), P(nm "pd", 0x66, o, S_XX, 16, 16)
#define SHI(nm, o, ext) { nm, 0, o, S_PSHI, 0, 0, ext, 0 }

static const DgSse dg_sse[] = {
    FOUR("add", 0x58), FOUR("mul", 0x59), FOUR("sub", 0x5c),
    FOUR("min", 0x5d), FOUR("div", 0x5e), FOUR("max", 0x5f),
    FOUR("sqrt", 0x51),
    TWO("and", 0x54), TWO("andn", 0x55), TWO("or", 0x56), TWO("xor", 0x57),
    TWO("unpckl", 0x14), TWO("unpckh", 0x15),
    { "cmpps", 0, 0xc2, S_XXI, 16, 16, -1, 8 },
    { "cmppd", 0x66, 0xc2, S_XXI, 16, 16, -1, 8 },
    { "cmpss", 0xf3, 0xc2, S_XXI, 4, 0, -1, 8 },
    { "cmpsd", 0xf2, 0xc2, S_XXI, 8, 0, -1, 8 },
    { "shufps", 0, 0xc6, S_XXI, 16, 16, -1, 0 },
    { "shufpd", 0x66, 0xc6, S_XXI, 16, 16, -1, 4 },
    P("cvtps2pd", 0, 0x5a, S_XX, 8, 0), P("cvtpd2ps", 0x66, 0x5a, S_XX, 16, 16),
    P("cvtss2sd", 0xf3, 0x5a, S_XX, 4, 0),
    P("cvtsd2ss", 0xf2, 0x5a, S_XX, 8, 0),
    P("cvtdq2ps", 0, 0x5b, S_XX, 16, 16),
    P("cvtps2dq", 0x66, 0x5b, S_XX, 16, 16),
    P("cvttps2dq", 0xf3, 0x5b, S_XX, 16, 16),
    P("cvttpd2dq", 0x66, 0xe6, S_XX, 16, 16),
    P("cvtpd2dq", 0xf2, 0xe6, S_XX, 16, 16),
    P("cvtdq2pd", 0xf3, 0xe6, S_XX, 8, 0),
    P("cvtpi2ps", 0, 0x2a, S_XM, 8, 0), P("cvtpi2pd", 0x66, 0x2a, S_XM, 8, 0),
    P("cvtsi2ss", 0xf3, 0x2a, S_XG, 4, 0),
    P("cvtsi2sd", 0xf2, 0x2a, S_XG, 4, 0),
    P("cvttps2pi", 0, 0x2c, S_MX, 8, 0),
    P("cvttpd2pi", 0x66, 0x2c, S_MX, 16, 16),
    P("cvtps2pi", 0, 0x2d, S_MX, 8, 0),
    P("cvtpd2pi", 0x66, 0x2d, S_MX, 16, 16),
    P("cvttss2si", 0xf3, 0x2c, S_GX, 4, 0),
    P("cvttsd2si", 0xf2, 0x2c, S_GX, 8, 0),
    P("cvtss2si", 0xf3, 0x2d, S_GX, 4, 0),
    P("cvtsd2si", 0xf2, 0x2d, S_GX, 8, 0),
    P("ucomiss", 0, 0x2e, S_COMI, 4, 0), P("ucomisd", 0x66, 0x2e, S_COMI, 8, 0),
    P("comiss", 0, 0x2f, S_COMI, 4, 0), P("comisd", 0x66, 0x2f, S_COMI, 8, 0),
    P("movmskps", 0, 0x50, S_GXR, 0, 0), P("movmskpd", 0x66, 0x50, S_GXR, 0, 0),
    P("pmovmskb", 0, 0xd7, S_GXR, 0, 0),
    { "pextrw", 0, 0xc5, S_GXR, 0, 0, -1, 0 },
    { "pinsrw", 0, 0xc4, S_PINSRW, 2, 0, -1, 0 },
    P("movups", 0, 0x10, S_XX, 16, 0), P("movupd", 0x66, 0x10, S_XX, 16, 0),
    P("movss", 0xf3, 0x10, S_XX, 4, 0), P("movsd", 0xf2, 0x10, S_XX, 8, 0),
    P("movups", 0, 0x11, S_STX, 16, 0), P("movupd", 0x66, 0x11, S_STX, 16, 0),
    P("movss", 0xf3, 0x11, S_STX, 4, 0), P("movsd", 0xf2, 0x11, S_STX, 8, 0),
    P("movaps", 0, 0x28, S_XX, 16, 16), P("movapd", 0x66, 0x28, S_XX, 16, 16),
    P("movaps", 0, 0x29, S_STX, 16, 16), P("movapd", 0x66, 0x29, S_STX, 16, 16),
    P("movlps", 0, 0x12, S_XX, 8, 0), P("movlpd", 0x66, 0x12, S_XMEM, 8, 0),
    P("movhps", 0, 0x16, S_XX, 8, 0), P("movhpd", 0x66, 0x16, S_XMEM, 8, 0),
    P("movlps", 0, 0x13, S_MEMX, 8, 0), P("movlpd", 0x66, 0x13, S_MEMX, 8, 0),
    P("movhps", 0, 0x17, S_MEMX, 8, 0), P("movhpd", 0x66, 0x17, S_MEMX, 8, 0),
    P("movntps", 0, 0x2b, S_MEMX, 16, 16),
    P("movntdq", 0x66, 0xe7, S_MEMX, 16, 16),
    P("movdqa", 0x66, 0x6f, S_XX, 16, 16), P("movdqu", 0xf3, 0x6f, S_XX, 16, 0),
    P("movdqa", 0x66, 0x7f, S_STX, 16, 16),
    P("movdqu", 0xf3, 0x7f, S_STX, 16, 0),
    P("movq", 0xf3, 0x7e, S_XX, 8, 0), P("movq", 0x66, 0xd6, S_STX, 8, 0),
    P("movd", 0x66, 0x6e, S_XG, 4, 0), P("movd", 0x66, 0x7e, S_GMX, 4, 0),
    P("movd", 0, 0x6e, S_XG, 4, 0), P("movd", 0, 0x7e, S_GMX, 4, 0),
    P("movq", 0, 0x6f, S_PINT, 8, 0), P("movq", 0, 0x7f, S_STX, 8, 0),
    P("movntq", 0, 0xe7, S_MEMX, 8, 0),
    P("punpcklqdq", 0x66, 0x6c, S_XX, 16, 16),
    P("punpckhqdq", 0x66, 0x6d, S_XX, 16, 16),
    { "pshufd", 0x66, 0x70, S_XXI, 16, 16, -1, 0 },
    { "pshufhw", 0xf3, 0x70, S_XXI, 16, 16, -1, 0 },
    { "pshuflw", 0xf2, 0x70, S_XXI, 16, 16, -1, 0 },
    { "pshufw", 0, 0x70, S_XXI, 8, 0, -1, 0 },
    SHI("psrlw", 0x71, 2), SHI("psraw", 0x71, 4), SHI("psllw", 0x71, 6),
    SHI("psrld", 0x72, 2), SHI("psrad", 0x72, 4), SHI("pslld", 0x72, 6),
    SHI("psrlq", 0x73, 2), SHI("psllq", 0x73, 6),
    { "psrldq", 0x66, 0x73, S_PSHI, 0, 0, 3, 0 },
    { "pslldq", 0x66, 0x73, S_PSHI, 0, 0, 7, 0 },
    P("maskmov", 0, 0xf7, S_MASKMOV, 0, 0),
    P("ldmxcsr", 0, 0xae, S_LDMXCSR, 4, 0),
    P("stmxcsr", 0, 0xae, S_STMXCSR, 4, 0),
    P("emms", 0, 0x77, S_EMMS, 0, 0),
    /* SSE3 */
    P("addsubpd", 0x66, 0xd0, S_XX, 16, 16),
    P("addsubps", 0xf2, 0xd0, S_XX, 16, 16),
    P("haddpd", 0x66, 0x7c, S_XX, 16, 16), P("haddps", 0xf2, 0x7c, S_XX, 16, 16),
    P("hsubpd", 0x66, 0x7d, S_XX, 16, 16), P("hsubps", 0xf2, 0x7d, S_XX, 16, 16),
    P("movsldup", 0xf3, 0x12, S_XX, 16, 16),
    P("movshdup", 0xf3, 0x16, S_XX, 16, 16),
    P("movddup", 0xf2, 0x12, S_XX, 8, 0),
    P("lddqu", 0xf2, 0xf0, S_XMEM, 16, 0),
};

/* The integer operations of MMX and SSE2 (mm, mm/m64 or 66 xmm, xmm/m128) */
static const uint8_t dg_pint[] = {
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
    0x74, 0x75, 0x76, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd8, 0xd9, 0xda, 0xdb,
    0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe8, 0xe9,
    0xea, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6,
    0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe,
};

static unsigned dg_mm(DgCtx *c)
{
    return g_rand_int_range(c->r, 0, 8);
}

/* PXOR mm, mm (glued) then EMMS: the MMX instruction first sets TOP to 0,
 * for an AMD host's EMMS also clears TOP, the SDM's only empties the tags.
 * Never in a Jcc's shadow, which could skip the PXOR. */
static void dg_gen_emms(DgCtx *c)
{
    DgEnc e = { .op = { 0x0f, 0xef }, .oplen = 2 };

    if (!dg_room(c, 2) || c->s->ninsn < c->flow.shadow_end) {
        return;
    }
    dg_begin(c, "pxor");
    c->rex = false;
    e.reg = dg_mm(c);
    e.rm = dg_mm(c);
    dg_encode(c, &e);
    c->in->flags = DG_I_GLUE;
    dg_commit(c);
    dg_begin(c, "emms");
    c->rex = false;
    dg_encode(c, &(DgEnc) { .op = { 0x0f, 0x77 }, .oplen = 2,
                            .reg = DG_NO_MODRM });
    dg_commit(c);
}

void dg_gen_sse(DgCtx *c)
{
    const DgSse *x = &dg_sse[g_rand_int_range(c->r, 0, G_N_ELEMENTS(dg_sse))];
    DgEnc e = { .pfx = x->pfx, .op = { 0x0f, x->op }, .oplen = 2,
                .msize = x->msize, .malign = x->align, .moff = -1 };
    DgSse pint = { "pint", 0, 0, S_PINT, 8, 0, -1, 0 };
    bool xmm = x->pfx == 0x66;
    uint32_t mxcsr;

    if (g_rand_int_range(c->r, 0, 5) == 0) {    /* the integer group */
        pint.op = dg_pint[g_rand_int_range(c->r, 0, G_N_ELEMENTS(dg_pint))];
        x = &pint;
        e.op[1] = x->op;
        xmm = g_rand_boolean(c->r);
        e.pfx = xmm ? 0x66 : 0;
        e.msize = xmm ? 16 : 8;
        e.malign = xmm ? 16 : 0;
    }
    if (x->kind == S_EMMS) {
        dg_gen_emms(c);
        return;
    }
    if (!dg_begin(c, x->name)) {
        return;
    }
    switch (x->kind) {
    case S_XX:
    case S_XXI:
    case S_COMI:
        e.reg = dg_xmm(c);
        e.rm = dg_one_in(c, 3) ? DG_RM_MEM : (int)dg_xmm(c);
        if (x->kind == S_XXI) {
            e.imm = g_rand_int_range(c->r, 0, x->immmax ? x->immmax : 256);
            e.immlen = 1;
        }
        if (x->kind == S_COMI) {
            c->in->def = DG_CC;
        }
        if (x->op == 0x70 && !x->pfx) {         /* PSHUFW */
            c->rex = false;
            e.reg = dg_mm(c);
            e.rm = e.rm == DG_RM_MEM ? DG_RM_MEM : (int)dg_mm(c);
        }
        break;
    case S_XMEM:
    case S_MEMX:
        e.reg = dg_xmm(c);
        e.rm = DG_RM_MEM;
        e.mwrite = x->kind == S_MEMX;
        if (x->op == 0xe7 && !x->pfx) {         /* MOVNTQ */
            c->rex = false;
            e.reg = dg_mm(c);
        }
        break;
    case S_STX:
        e.reg = dg_xmm(c);
        e.rm = dg_one_in(c, 2) ? DG_RM_MEM : (int)dg_xmm(c);
        e.mwrite = true;
        if (x->op == 0x7f && !x->pfx) {         /* MOVQ mm/m64, mm */
            c->rex = false;
            e.reg = dg_mm(c);
            e.rm = e.rm == DG_RM_MEM ? DG_RM_MEM : (int)dg_mm(c);
        }
        break;
    case S_PINT:
        if (!xmm) {
            c->rex = false;
        }
        e.reg = xmm ? dg_xmm(c) : dg_mm(c);
        e.rm = dg_one_in(c, 3) ? DG_RM_MEM : (int)(xmm ? dg_xmm(c) : dg_mm(c));
        break;
    case S_PSHI:
        xmm = x->pfx == 0x66 || g_rand_boolean(c->r);
        e.pfx = xmm ? 0x66 : 0;
        if (!xmm) {
            c->rex = false;
        }
        e.reg = x->ext;
        e.rm = xmm ? dg_xmm(c) : dg_mm(c);
        e.imm = g_rand_int_range(c->r, 0, 3) ? g_rand_int_range(c->r, 0, 18)
                                             : g_rand_int(c->r) & 0xff;
        e.immlen = 1;
        break;
    case S_MX:
        c->rex = false;
        e.reg = dg_mm(c);
        e.rm = dg_one_in(c, 3) ? DG_RM_MEM : (int)dg_xmm(c);
        break;
    case S_XM:
        c->rex = false;
        e.reg = dg_xmm(c);
        e.rm = dg_one_in(c, 3) ? DG_RM_MEM : (int)dg_mm(c);
        break;
    case S_XG:
    case S_GX:
    case S_GMX:
        e.rexw = c->bits == 64 && g_rand_boolean(c->r);
        if (e.rexw && x->msize == 4 && x->kind != S_GX) {
            e.msize = 8;
        }
        if (x->kind != S_GX && !x->pfx) {       /* MOVD mm */
            c->rex = false;
        }
        e.reg = x->kind == S_GX ? dg_gpr(c, 4)
                : x->pfx ? dg_xmm(c) : dg_mm(c);
        e.rm = dg_rm(c, 4, 3);
        if (x->kind == S_GX && e.rm != DG_RM_MEM) {
            e.rm = dg_xmm(c);
        }
        e.mwrite = x->kind == S_GMX;
        break;
    case S_GXR:
        xmm = x->pfx == 0x66 || (x->op != 0x50 && g_rand_boolean(c->r));
        e.pfx = xmm ? 0x66 : x->pfx;
        if (x->op != 0x50 && !xmm) {
            c->rex = false;
        }
        e.reg = dg_gpr(c, 4);
        e.rm = x->op == 0x50 || xmm ? dg_xmm(c) : dg_mm(c);
        if (x->op == 0xc5) {
            e.imm = g_rand_int(c->r);
            e.immlen = 1;
        }
        break;
    case S_PINSRW:
        xmm = g_rand_boolean(c->r);
        e.pfx = xmm ? 0x66 : 0;
        if (!xmm) {
            c->rex = false;
        }
        e.reg = xmm ? dg_xmm(c) : dg_mm(c);
        e.rm = dg_rm(c, 4, 3);
        e.imm = g_rand_int(c->r);
        e.immlen = 1;
        break;
    case S_MASKMOV:
        xmm = g_rand_boolean(c->r);
        e.pfx = xmm ? 0x66 : 0;
        if (!xmm) {
            c->rex = false;
        }
        e.reg = xmm ? dg_xmm(c) : dg_mm(c);
        e.rm = xmm ? dg_xmm(c) : dg_mm(c);
        break;
    case S_LDMXCSR:
    case S_STMXCSR:
        c->rex = false;
        e.reg = x->kind == S_LDMXCSR ? 2 : 3;
        e.rm = DG_RM_MEM;
        e.mwrite = x->kind == S_STMXCSR;
        if (x->kind == S_LDMXCSR) {
            mxcsr = dg_mxcsr(c->r);
            e.moff = dg_reserve(c, &mxcsr, 4, 4);
        }
        break;
    default:
        break;
    }
    dg_encode(c, &e);
    dg_commit(c);
}
