/* SPDX-License-Identifier: MIT */
/*
 * SSE, SSE2 and MMX arithmetic for translated code: one table, indexed by
 * mnemonic, of operations on a 128-bit destination and source; MMX forms
 * use the low 64 bits (with the pack and high-unpack forms rearranged).
 * Conversions to and from general registers, COMISS/UCOMISS/COMISD/UCOMISD,
 * MOVMSKPS/PD, PMOVMSKB, shuffles, PEXTRW/PINSRW, PSLLDQ/PSRLDQ, LDMXCSR.
 *
 * Called by cpu/x86/emit-sse.c. The floating-point rows run on the host's
 * SSE unit with the guest's MXCSR (rounding, DAZ, FTZ) loaded and every
 * exception masked, which gives bit-exact IEEE results and flags (the host
 * is an x86-64 with SSE2 by definition); the flags are then ORed into the
 * guest's MXCSR, and an exception the guest left unmasked raises #XM
 * (CR4.OSXMMEXCPT) or #UD without writing the destination.
 * Ref: Intel SDM Vol. 1 ch. 10-11 (SSE, SSE2, MXCSR, exceptions), ch. 9
 * (MMX and the x87 tags), Vol. 2 the instruction pages.
 * MASKMOVQ/MASKMOVDQU store through fxsave_helper.c (guest memory).
 * Missing: with an unmasked underflow the flags are those of the masked
 * response (UE only when inexact too); RCPPS/RSQRTPS use the host's
 * approximation (Intel's tables, not AMD's).
 */
#include "kestrel/osdep.h"
#include <emmintrin.h>
#include "cpu/x86/sse.h"
#include "cpu/x86/sse-mxcsr.h"
#include "cpu/x86/cc.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/insn.h"

typedef __m128i VecFn(__m128i d, __m128i s);

enum {
    VF_FLOAT = 1,               /* runs under the guest MXCSR */
    VF_MMX_PACK = 2,            /* MMX: pack the (d, s) pair */
    VF_MMX_HIGH = 4,            /* MMX: unpack the high halves */
};

typedef struct VecOp {
    VecFn *fn;
    uint8_t flags;
} VecOp;

#define PS(x) _mm_castsi128_ps(x)
#define PD(x) _mm_castsi128_pd(x)
#define IPS(x) _mm_castps_si128(x)
#define IPD(x) _mm_castpd_si128(x)

/* wrappers: integer intrinsics, float (ps/pd/ss/sd), conversions */
#define VI(name, intr) \
    static __m128i v_##name(__m128i d, __m128i s) { return intr(d, s); }
#define VS(name, intr) \
    static __m128i v_##name(__m128i d, __m128i s) \
    { return IPS(intr(PS(d), PS(s))); }
#define VD(name, intr) \
    static __m128i v_##name(__m128i d, __m128i s) \
    { return IPD(intr(PD(d), PD(s))); }

VI(paddb, _mm_add_epi8) VI(paddw, _mm_add_epi16) VI(paddd, _mm_add_epi32)
VI(paddq, _mm_add_epi64) VI(psubb, _mm_sub_epi8) VI(psubw, _mm_sub_epi16)
VI(psubd, _mm_sub_epi32) VI(psubq, _mm_sub_epi64)
VI(paddsb, _mm_adds_epi8) VI(paddsw, _mm_adds_epi16)
VI(paddusb, _mm_adds_epu8) VI(paddusw, _mm_adds_epu16)
VI(psubsb, _mm_subs_epi8) VI(psubsw, _mm_subs_epi16)
VI(psubusb, _mm_subs_epu8) VI(psubusw, _mm_subs_epu16)
VI(pmullw, _mm_mullo_epi16) VI(pmulhw, _mm_mulhi_epi16)
VI(pmulhuw, _mm_mulhi_epu16) VI(pmuludq, _mm_mul_epu32)
VI(pmaddwd, _mm_madd_epi16) VI(psadbw, _mm_sad_epu8)
VI(pcmpeqb, _mm_cmpeq_epi8) VI(pcmpeqw, _mm_cmpeq_epi16)
VI(pcmpeqd, _mm_cmpeq_epi32) VI(pcmpgtb, _mm_cmpgt_epi8)
VI(pcmpgtw, _mm_cmpgt_epi16) VI(pcmpgtd, _mm_cmpgt_epi32)
VI(pand, _mm_and_si128) VI(por, _mm_or_si128) VI(pxor, _mm_xor_si128)
VI(pandn, _mm_andnot_si128)
VI(pminub, _mm_min_epu8) VI(pmaxub, _mm_max_epu8)
VI(pminsw, _mm_min_epi16) VI(pmaxsw, _mm_max_epi16)
VI(pavgb, _mm_avg_epu8) VI(pavgw, _mm_avg_epu16)
VI(psllw, _mm_sll_epi16) VI(pslld, _mm_sll_epi32) VI(psllq, _mm_sll_epi64)
VI(psrlw, _mm_srl_epi16) VI(psrld, _mm_srl_epi32) VI(psrlq, _mm_srl_epi64)
VI(psraw, _mm_sra_epi16) VI(psrad, _mm_sra_epi32)
VI(punpcklbw, _mm_unpacklo_epi8) VI(punpcklwd, _mm_unpacklo_epi16)
VI(punpckldq, _mm_unpacklo_epi32) VI(punpcklqdq, _mm_unpacklo_epi64)
VI(punpckhbw, _mm_unpackhi_epi8) VI(punpckhwd, _mm_unpackhi_epi16)
VI(punpckhdq, _mm_unpackhi_epi32) VI(punpckhqdq, _mm_unpackhi_epi64)
VI(packsswb, _mm_packs_epi16) VI(packssdw, _mm_packs_epi32)
VI(packuswb, _mm_packus_epi16)

#define VFLOAT4(op) \
    VS(op##ps, _mm_##op##_ps) VS(op##ss, _mm_##op##_ss) \
    VD(op##pd, _mm_##op##_pd) VD(op##sd, _mm_##op##_sd)
VFLOAT4(add) VFLOAT4(sub) VFLOAT4(mul) VFLOAT4(div) VFLOAT4(min)
VFLOAT4(max)
VS(andps, _mm_and_ps) VS(andnps, _mm_andnot_ps) VS(orps, _mm_or_ps)
VS(xorps, _mm_xor_ps) VD(andpd, _mm_and_pd) VD(andnpd, _mm_andnot_pd)
VD(orpd, _mm_or_pd) VD(xorpd, _mm_xor_pd)
VS(unpcklps, _mm_unpacklo_ps) VS(unpckhps, _mm_unpackhi_ps)
VD(unpcklpd, _mm_unpacklo_pd) VD(unpckhpd, _mm_unpackhi_pd)

/* one-source operations: d is the destination's old value */
static __m128i v_sqrtps(__m128i d, __m128i s) { return IPS(_mm_sqrt_ps(PS(s))); }
static __m128i v_sqrtpd(__m128i d, __m128i s) { return IPD(_mm_sqrt_pd(PD(s))); }
static __m128i v_sqrtss(__m128i d, __m128i s)
{
    return IPS(_mm_move_ss(PS(d), _mm_sqrt_ss(PS(s))));
}
static __m128i v_sqrtsd(__m128i d, __m128i s)
{
    return IPD(_mm_sqrt_sd(PD(d), PD(s)));
}
static __m128i v_rcpps(__m128i d, __m128i s) { return IPS(_mm_rcp_ps(PS(s))); }
static __m128i v_rsqrtps(__m128i d, __m128i s)
{
    return IPS(_mm_rsqrt_ps(PS(s)));
}
static __m128i v_rcpss(__m128i d, __m128i s)
{
    return IPS(_mm_move_ss(PS(d), _mm_rcp_ss(PS(s))));
}
static __m128i v_rsqrtss(__m128i d, __m128i s)
{
    return IPS(_mm_move_ss(PS(d), _mm_rsqrt_ss(PS(s))));
}
static __m128i v_cvtps2pd(__m128i d, __m128i s) { return IPD(_mm_cvtps_pd(PS(s))); }
static __m128i v_cvtpd2ps(__m128i d, __m128i s) { return IPS(_mm_cvtpd_ps(PD(s))); }
static __m128i v_cvtss2sd(__m128i d, __m128i s)
{
    return IPD(_mm_cvtss_sd(PD(d), PS(s)));
}
static __m128i v_cvtsd2ss(__m128i d, __m128i s)
{
    return IPS(_mm_cvtsd_ss(PS(d), PD(s)));
}
static __m128i v_cvtdq2ps(__m128i d, __m128i s) { return IPS(_mm_cvtepi32_ps(s)); }
static __m128i v_cvtps2dq(__m128i d, __m128i s) { return _mm_cvtps_epi32(PS(s)); }
static __m128i v_cvttps2dq(__m128i d, __m128i s) { return _mm_cvttps_epi32(PS(s)); }
static __m128i v_cvtdq2pd(__m128i d, __m128i s) { return IPD(_mm_cvtepi32_pd(s)); }
static __m128i v_cvtpd2dq(__m128i d, __m128i s) { return _mm_cvtpd_epi32(PD(s)); }
static __m128i v_cvttpd2dq(__m128i d, __m128i s) { return _mm_cvttpd_epi32(PD(s)); }
/* MMX-register conversions: an MMX destination keeps the low 8 bytes */
static __m128i v_cvtpi2ps(__m128i d, __m128i s)
{
    return _mm_unpacklo_epi64(IPS(_mm_cvtepi32_ps(s)),
                              _mm_unpackhi_epi64(d, d));
}
static __m128i v_cvtpi2pd(__m128i d, __m128i s) { return IPD(_mm_cvtepi32_pd(s)); }

/* CMPPS/PD/SS/SD by predicate 0..7 */
#define VCMP(p) \
    VS(cmp##p##ps, _mm_cmp##p##_ps) VS(cmp##p##ss, _mm_cmp##p##_ss) \
    VD(cmp##p##pd, _mm_cmp##p##_pd) VD(cmp##p##sd, _mm_cmp##p##_sd)
VCMP(eq) VCMP(lt) VCMP(le) VCMP(unord) VCMP(neq) VCMP(nlt) VCMP(nle)
VCMP(ord)

static VecFn *const cmp_ps[8] = { v_cmpeqps, v_cmpltps, v_cmpleps,
    v_cmpunordps, v_cmpneqps, v_cmpnltps, v_cmpnleps, v_cmpordps };
static VecFn *const cmp_ss[8] = { v_cmpeqss, v_cmpltss, v_cmpless,
    v_cmpunordss, v_cmpneqss, v_cmpnltss, v_cmpnless, v_cmpordss };
static VecFn *const cmp_pd[8] = { v_cmpeqpd, v_cmpltpd, v_cmplepd,
    v_cmpunordpd, v_cmpneqpd, v_cmpnltpd, v_cmpnlepd, v_cmpordpd };
static VecFn *const cmp_sd[8] = { v_cmpeqsd, v_cmpltsd, v_cmplesd,
    v_cmpunordsd, v_cmpneqsd, v_cmpnltsd, v_cmpnlesd, v_cmpordsd };

#define I(m, f) [X86_INSN_##m] = { v_##f, 0 }
#define F(m, f) [X86_INSN_##m] = { v_##f, VF_FLOAT }
#define F4(OP, op) F(OP##PS, op##ps), F(OP##SS, op##ss), F(OP##PD, op##pd), \
                   F(OP##SD, op##sd)

static const VecOp vec_ops[X86_INSN_COUNT] = {
    I(PADDB, paddb), I(PADDW, paddw), I(PADDD, paddd), I(PADDQ, paddq),
    I(PSUBB, psubb), I(PSUBW, psubw), I(PSUBD, psubd), I(PSUBQ, psubq),
    I(PADDSB, paddsb), I(PADDSW, paddsw), I(PADDUSB, paddusb),
    I(PADDUSW, paddusw), I(PSUBSB, psubsb), I(PSUBSW, psubsw),
    I(PSUBUSB, psubusb), I(PSUBUSW, psubusw), I(PMULLW, pmullw),
    I(PMULHW, pmulhw), I(PMULHUW, pmulhuw), I(PMULUDQ, pmuludq),
    I(PMADDWD, pmaddwd), I(PSADBW, psadbw), I(PCMPEQB, pcmpeqb),
    I(PCMPEQW, pcmpeqw), I(PCMPEQD, pcmpeqd), I(PCMPGTB, pcmpgtb),
    I(PCMPGTW, pcmpgtw), I(PCMPGTD, pcmpgtd), I(PAND, pand), I(POR, por),
    I(PXOR, pxor), I(PANDN, pandn), I(PMINUB, pminub), I(PMAXUB, pmaxub),
    I(PMINSW, pminsw), I(PMAXSW, pmaxsw), I(PAVGB, pavgb), I(PAVGW, pavgw),
    I(PSLLW, psllw), I(PSLLD, pslld), I(PSLLQ, psllq), I(PSRLW, psrlw),
    I(PSRLD, psrld), I(PSRLQ, psrlq), I(PSRAW, psraw), I(PSRAD, psrad),
    I(PUNPCKLBW, punpcklbw), I(PUNPCKLWD, punpcklwd),
    I(PUNPCKLDQ, punpckldq), I(PUNPCKLQDQ, punpcklqdq),
    [X86_INSN_PUNPCKHBW] = { v_punpckhbw, VF_MMX_HIGH },
    [X86_INSN_PUNPCKHWD] = { v_punpckhwd, VF_MMX_HIGH },
    [X86_INSN_PUNPCKHDQ] = { v_punpckhdq, VF_MMX_HIGH },
    I(PUNPCKHQDQ, punpckhqdq),
    [X86_INSN_PACKSSWB] = { v_packsswb, VF_MMX_PACK },
    [X86_INSN_PACKSSDW] = { v_packssdw, VF_MMX_PACK },
    [X86_INSN_PACKUSWB] = { v_packuswb, VF_MMX_PACK },
    I(ANDPS, andps), I(ANDNPS, andnps), I(ORPS, orps), I(XORPS, xorps),
    I(ANDPD, andpd), I(ANDNPD, andnpd), I(ORPD, orpd), I(XORPD, xorpd),
    I(UNPCKLPS, unpcklps), I(UNPCKHPS, unpckhps), I(UNPCKLPD, unpcklpd),
    I(UNPCKHPD, unpckhpd),
    F4(ADD, add), F4(SUB, sub), F4(MUL, mul), F4(DIV, div), F4(MIN, min),
    F4(MAX, max), F4(SQRT, sqrt),
    F(RCPPS, rcpps), F(RCPSS, rcpss), F(RSQRTPS, rsqrtps),
    F(RSQRTSS, rsqrtss),
    F(CVTPS2PD, cvtps2pd), F(CVTPD2PS, cvtpd2ps), F(CVTSS2SD, cvtss2sd),
    F(CVTSD2SS, cvtsd2ss), F(CVTDQ2PS, cvtdq2ps), F(CVTPS2DQ, cvtps2dq),
    F(CVTTPS2DQ, cvttps2dq), F(CVTDQ2PD, cvtdq2pd), F(CVTPD2DQ, cvtpd2dq),
    F(CVTTPD2DQ, cvttpd2dq),
    F(CVTPI2PS, cvtpi2ps), F(CVTPS2PI, cvtps2dq), F(CVTTPS2PI, cvttps2dq),
    F(CVTPI2PD, cvtpi2pd), F(CVTPD2PI, cvtpd2dq), F(CVTTPD2PI, cvttpd2dq),
    F(CMPPS, cmpeqps), F(CMPSS, cmpeqss), F(CMPPD, cmpeqpd),
    F(CMPSD__SSE, cmpeqsd),             /* predicate: helper_sse_vec */
};

bool x86_sse_vec_known(unsigned mnem)
{
    return mnem < X86_INSN_COUNT && vec_ops[mnem].fn;
}

/* The destination register: XMM (16 bytes) or MMX (the low 8 of an x87
 * register, which MMX use marks valid with TOP = 0, exponent all ones). */
static void *vec_reg(X86CPUState *env, uint64_t dofs)
{
    return (char *)env + dofs;
}

static void mmx_touch(X86CPUState *env, void *reg)
{
    X87Reg *r = reg;

    r->sign_exp = 0xffff;
    env->fpstt = 0;
    env->fptag = 0xff;
}

void helper_sse_vec(X86CPUState *env, uint64_t dofs, uint64_t lo,
                    uint64_t hi, uint64_t arg)
{
    unsigned mnem = arg & 0xffff, len = (arg >> 16) & 0xff;
    unsigned imm = arg >> 24;
    const VecOp *op = &vec_ops[mnem];
    void *reg = vec_reg(env, dofs);
    VecFn *fn = op->fn;
    __m128i d, s, r;
    uint64_t dq[2] = { 0, 0 };
    uint32_t host = 0;

    memcpy(dq, reg, len);
    d = _mm_set_epi64x(dq[1], dq[0]);
    s = _mm_set_epi64x(hi, lo);
    switch (mnem) {                     /* predicate from the immediate */
    case X86_INSN_CMPPS:
        fn = cmp_ps[imm & 7];
        break;
    case X86_INSN_CMPSS:
        fn = cmp_ss[imm & 7];
        break;
    case X86_INSN_CMPPD:
        fn = cmp_pd[imm & 7];
        break;
    case X86_INSN_CMPSD__SSE:
        fn = cmp_sd[imm & 7];
        break;
    default:
        break;
    }
    if (len == 8 && (op->flags & VF_MMX_PACK)) {
        d = _mm_unpacklo_epi64(d, s);   /* pack(d:s) into 8 bytes */
        s = d;
    } else if (len == 8 && (op->flags & VF_MMX_HIGH)) {
        /* the high dwords, interleaved as a low unpack */
        d = _mm_srli_epi64(d, 32);
        s = _mm_srli_epi64(s, 32);
        fn = mnem == X86_INSN_PUNPCKHBW ? v_punpcklbw :
             mnem == X86_INSN_PUNPCKHWD ? v_punpcklwd : v_punpckldq;
    }
    if (op->flags & VF_FLOAT) {
        host = sse_mxcsr_enter(env);
        __asm__ volatile("" : "+x"(d), "+x"(s));
        r = fn(d, s);
        __asm__ volatile("" : "+x"(r));
        sse_mxcsr_leave_op(env, host, 0, fn, d, s);
    } else {
        r = fn(d, s);
    }
    dq[0] = _mm_cvtsi128_si64(r);
    dq[1] = _mm_cvtsi128_si64(_mm_unpackhi_epi64(r, r));
    memcpy(reg, dq, len);
    if (len == 8) {
        mmx_touch(env, reg);
    }
}

/* ---- shuffles and byte shifts: C, by immediate ---- */

void helper_sse_shuf(X86CPUState *env, uint64_t dofs, uint64_t lo,
                     uint64_t hi, uint64_t arg)
{
    unsigned mnem = arg & 0xffff, imm = arg >> 24;
    XmmReg *d = vec_reg(env, dofs), s = { .q = { lo, hi } }, r = *d;

    switch (mnem) {
    case X86_INSN_PSHUFD:
        for (int i = 0; i < 4; i++) {
            r.l[i] = s.l[(imm >> (2 * i)) & 3];
        }
        break;
    case X86_INSN_PSHUFLW:
        r.q[1] = s.q[1];
        for (int i = 0; i < 4; i++) {
            r.w[i] = s.w[(imm >> (2 * i)) & 3];
        }
        break;
    case X86_INSN_PSHUFHW:
        r.q[0] = s.q[0];
        for (int i = 0; i < 4; i++) {
            r.w[4 + i] = s.w[4 + ((imm >> (2 * i)) & 3)];
        }
        break;
    case X86_INSN_PSHUFW:               /* MMX: 8 bytes */
        for (int i = 0; i < 4; i++) {
            r.w[i] = s.w[(imm >> (2 * i)) & 3];
        }
        memcpy(d, &r, 8);
        mmx_touch(env, d);
        return;
    case X86_INSN_SHUFPS:
        r.l[0] = d->l[imm & 3];
        r.l[1] = d->l[(imm >> 2) & 3];
        r.l[2] = s.l[(imm >> 4) & 3];
        r.l[3] = s.l[(imm >> 6) & 3];
        break;
    case X86_INSN_SHUFPD:
        r.q[0] = d->q[imm & 1];
        r.q[1] = s.q[(imm >> 1) & 1];
        break;
    case X86_INSN_PSLLDQ:
        memset(&r, 0, sizeof(r));
        for (int i = imm; i < 16; i++) {
            r.b[i] = d->b[i - imm];
        }
        break;
    case X86_INSN_PSRLDQ:
        memset(&r, 0, sizeof(r));
        for (int i = 0; i + (int)imm < 16; i++) {
            r.b[i] = d->b[i + imm];
        }
        break;
    default:
        break;
    }
    *d = r;
}

/* ---- results in general registers and flags ---- */

uint64_t helper_sse_movmsk(X86CPUState *env, uint64_t lo, uint64_t hi,
                           uint64_t mnem)
{
    __m128i v = _mm_set_epi64x(hi, lo);

    switch (mnem) {
    case X86_INSN_MOVMSKPS:
        return _mm_movemask_ps(PS(v));
    case X86_INSN_MOVMSKPD:
        return _mm_movemask_pd(PD(v));
    default:                            /* PMOVMSKB: 8 or 16 bytes */
        return _mm_movemask_epi8(v);
    }
}

/* COMISS/UCOMISS/COMISD/UCOMISD xmm1, xmm2/m: ZF PF CF; OF SF AF 0. */
void helper_sse_comi(X86CPUState *env, uint64_t a, uint64_t b,
                     uint64_t mnem)
{
    __m128i x = _mm_cvtsi64_si128(a), y = _mm_cvtsi64_si128(b);
    uint8_t z, p, c;
    uint32_t host = sse_mxcsr_enter(env);

    __asm__ volatile("" : "+x"(x), "+x"(y));
    switch (mnem) {
    case X86_INSN_COMISS:
        __asm__ volatile("comiss %3, %4; setz %0; setp %1; setc %2"
                         : "=q"(z), "=q"(p), "=q"(c) : "x"(y), "x"(x));
        break;
    case X86_INSN_UCOMISS:
        __asm__ volatile("ucomiss %3, %4; setz %0; setp %1; setc %2"
                         : "=q"(z), "=q"(p), "=q"(c) : "x"(y), "x"(x));
        break;
    case X86_INSN_COMISD:
        __asm__ volatile("comisd %3, %4; setz %0; setp %1; setc %2"
                         : "=q"(z), "=q"(p), "=q"(c) : "x"(y), "x"(x));
        break;
    default:
        __asm__ volatile("ucomisd %3, %4; setz %0; setp %1; setc %2"
                         : "=q"(z), "=q"(p), "=q"(c) : "x"(y), "x"(x));
        break;
    }
    sse_mxcsr_leave(env, host, 0);
    env->cc_src = (z ? CC_Z : 0) | (p ? CC_P : 0) | (c ? CC_C : 0);
    env->cc_op = CC_OP_EFLAGS;
}

/* CVT(T)SS2SI, CVT(T)SD2SI: arg = mnemonic | 64-bit result << 16 */
uint64_t helper_sse_cvt2si(X86CPUState *env, uint64_t v, uint64_t arg)
{
    unsigned mnem = arg & 0xffff;
    bool q = arg >> 16;
    __m128i x = _mm_cvtsi64_si128(v);
    uint32_t host = sse_mxcsr_enter(env);
    uint64_t r;

    __asm__ volatile("" : "+x"(x));
    switch (mnem) {
    case X86_INSN_CVTSS2SI:
        r = q ? (uint64_t)_mm_cvtss_si64(PS(x)) : (uint32_t)_mm_cvtss_si32(PS(x));
        break;
    case X86_INSN_CVTTSS2SI:
        r = q ? (uint64_t)_mm_cvttss_si64(PS(x))
              : (uint32_t)_mm_cvttss_si32(PS(x));
        break;
    case X86_INSN_CVTSD2SI:
        r = q ? (uint64_t)_mm_cvtsd_si64(PD(x)) : (uint32_t)_mm_cvtsd_si32(PD(x));
        break;
    default:
        r = q ? (uint64_t)_mm_cvttsd_si64(PD(x))
              : (uint32_t)_mm_cvttsd_si32(PD(x));
        break;
    }
    __asm__ volatile("" : "+r"(r));
    sse_mxcsr_leave(env, host, 0);
    return r;
}

/* CVTSI2SS/SD xmm, r/m32/64: arg = mnemonic | 64-bit source << 16 */
void helper_sse_cvtsi2(X86CPUState *env, uint64_t dofs, uint64_t v,
                       uint64_t arg)
{
    XmmReg *d = vec_reg(env, dofs);
    bool q = arg >> 16;
    __m128i x = _mm_set_epi64x(d->q[1], d->q[0]), r;
    int64_t sv = q ? (int64_t)v : (int32_t)v;
    uint32_t host = sse_mxcsr_enter(env);

    __asm__ volatile("" : "+x"(x), "+r"(sv));
    if ((arg & 0xffff) == X86_INSN_CVTSI2SS) {
        r = IPS(_mm_cvtsi64_ss(PS(x), sv));
    } else {
        r = IPD(_mm_cvtsi64_sd(PD(x), sv));
    }
    __asm__ volatile("" : "+x"(r));
    sse_mxcsr_leave(env, host, 0);
    d->q[0] = _mm_cvtsi128_si64(r);
}

void helper_ldmxcsr(X86CPUState *env, uint64_t val)
{
    if (val & ~(uint64_t)X86_MXCSR_VALID) {
        helper_raise_exception_err(env, EXCP_GP, 0);
    }
    env->mxcsr = val;
}
