/* SPDX-License-Identifier: MIT */
/*
 * x86 two-byte opcode map 0F xx (SDM vol. 2, table A-3).
 *
 * SSE rows are DK_PFX switches: [0] no prefix, [1] 66, [2] F3, [3] F2. A
 * zero row falls back to [0] with the prefix keeping its legacy meaning;
 * UD_ROW makes the prefixed form #UD.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

extern const X86OpDesc x86_grp6[8], x86_grp7_mod[2], x86_grp8[8],
    x86_grp9_mod[2], x86_grp12_mod[2], x86_grp13_mod[2], x86_grp14_mod[2],
    x86_grp15_pfx[4], x86_grp16[8];

#define S   F_SSE
#define MM  F_MMX

/* Four-way prefix row: none, 66, F3, F2 */
#define PFX4(name, a, b, c, d) \
    static const X86OpDesc name[4] = { a, b, c, d }

/* packed-single / packed-double / scalar-single / scalar-double ALU */
#define SSE_ARITH(name, ps, pd, ss, sd) \
    PFX4(name, OP2(ps, V,dq, W,dq, S), OP2(pd, V,dq, W,dq, S), \
         OP2(ss, V,dq, W,d, S), OP2(sd, V,dq, W,q, S))
#define SSE_LOGIC(name, ps, pd) \
    PFX4(name, OP2(ps, V,dq, W,dq, S), OP2(pd, V,dq, W,dq, S), {0}, {0})
/* MMX (P, Q) or, with 66, XMM (V, W) */
#define MMX_SSE(name, m) \
    PFX4(name, OP2(m, P,q, Q,q, MM), OP2(m, V,dq, W,dq, S), {0}, {0})
#define SSE66(name, m) \
    PFX4(name, UD_ROW, OP2(m, V,dq, W,dq, S), {0}, {0})

PFX4(x86_0f10, OP2(MOVUPS, V,dq, W,dq, S), OP2(MOVUPD, V,dq, W,dq, S),
     OP2(MOVSS, V,dq, W,d, S), OP2(MOVSD__SSE, V,dq, W,q, S));
PFX4(x86_0f11, OP2(MOVUPS, W,dq, V,dq, S), OP2(MOVUPD, W,dq, V,dq, S),
     OP2(MOVSS, W,d, V,dq, S), OP2(MOVSD__SSE, W,q, V,dq, S));
static const X86OpDesc x86_0f12_np[2] = {
    OP2(MOVLPS, V,dq, M,q, S), OP2(MOVHLPS, V,dq, U,dq, S),
};
PFX4(x86_0f12, BYMOD(x86_0f12_np), OP2(MOVLPD, V,dq, M,q, S),
     OP2(MOVSLDUP, V,dq, W,dq, S), OP2(MOVDDUP, V,dq, W,q, S));
PFX4(x86_0f13, OP2(MOVLPS, M,q, V,dq, S), OP2(MOVLPD, M,q, V,dq, S),
     {0}, {0});
SSE_LOGIC(x86_0f14, UNPCKLPS, UNPCKLPD);
SSE_LOGIC(x86_0f15, UNPCKHPS, UNPCKHPD);
static const X86OpDesc x86_0f16_np[2] = {
    OP2(MOVHPS, V,dq, M,q, S), OP2(MOVLHPS, V,dq, U,dq, S),
};
PFX4(x86_0f16, BYMOD(x86_0f16_np), OP2(MOVHPD, V,dq, M,q, S),
     OP2(MOVSHDUP, V,dq, W,dq, S), {0});
PFX4(x86_0f17, OP2(MOVHPS, M,q, V,dq, S), OP2(MOVHPD, M,q, V,dq, S),
     {0}, {0});
PFX4(x86_0f28, OP2(MOVAPS, V,dq, W,dq, S), OP2(MOVAPD, V,dq, W,dq, S),
     {0}, {0});
PFX4(x86_0f29, OP2(MOVAPS, W,dq, V,dq, S), OP2(MOVAPD, W,dq, V,dq, S),
     {0}, {0});
PFX4(x86_0f2a, OP2(CVTPI2PS, V,dq, Q,q, S), OP2(CVTPI2PD, V,dq, Q,q, S),
     OP2(CVTSI2SS, V,dq, E,y, S), OP2(CVTSI2SD, V,dq, E,y, S));
PFX4(x86_0f2b, OP2(MOVNTPS, M,dq, V,dq, S), OP2(MOVNTPD, M,dq, V,dq, S),
     UD_ROW, UD_ROW);                   /* F3/F2: AMD SSE4a MOVNTSS/SD */
PFX4(x86_0f2c, OP2(CVTTPS2PI, P,q, W,q, S), OP2(CVTTPD2PI, P,q, W,dq, S),
     OP2(CVTTSS2SI, G,y, W,d, S), OP2(CVTTSD2SI, G,y, W,q, S));
PFX4(x86_0f2d, OP2(CVTPS2PI, P,q, W,q, S), OP2(CVTPD2PI, P,q, W,dq, S),
     OP2(CVTSS2SI, G,y, W,d, S), OP2(CVTSD2SI, G,y, W,q, S));
PFX4(x86_0f2e, OP2(UCOMISS, V,dq, W,d, S), OP2(UCOMISD, V,dq, W,q, S),
     {0}, {0});
PFX4(x86_0f2f, OP2(COMISS, V,dq, W,d, S), OP2(COMISD, V,dq, W,q, S),
     {0}, {0});
PFX4(x86_0f50, OP2(MOVMSKPS, G,y, U,dq, S), OP2(MOVMSKPD, G,y, U,dq, S),
     {0}, {0});
PFX4(x86_0f51, OP2(SQRTPS, V,dq, W,dq, S), OP2(SQRTPD, V,dq, W,dq, S),
     OP2(SQRTSS, V,dq, W,d, S), OP2(SQRTSD, V,dq, W,q, S));
PFX4(x86_0f52, OP2(RSQRTPS, V,dq, W,dq, S), {0},
     OP2(RSQRTSS, V,dq, W,d, S), {0});
PFX4(x86_0f53, OP2(RCPPS, V,dq, W,dq, S), {0},
     OP2(RCPSS, V,dq, W,d, S), {0});
SSE_LOGIC(x86_0f54, ANDPS, ANDPD);
SSE_LOGIC(x86_0f55, ANDNPS, ANDNPD);
SSE_LOGIC(x86_0f56, ORPS, ORPD);
SSE_LOGIC(x86_0f57, XORPS, XORPD);
SSE_ARITH(x86_0f58, ADDPS, ADDPD, ADDSS, ADDSD);
SSE_ARITH(x86_0f59, MULPS, MULPD, MULSS, MULSD);
PFX4(x86_0f5a, OP2(CVTPS2PD, V,dq, W,q, S), OP2(CVTPD2PS, V,dq, W,dq, S),
     OP2(CVTSS2SD, V,dq, W,d, S), OP2(CVTSD2SS, V,dq, W,q, S));
PFX4(x86_0f5b, OP2(CVTDQ2PS, V,dq, W,dq, S), OP2(CVTPS2DQ, V,dq, W,dq, S),
     OP2(CVTTPS2DQ, V,dq, W,dq, S), {0});
SSE_ARITH(x86_0f5c, SUBPS, SUBPD, SUBSS, SUBSD);
SSE_ARITH(x86_0f5d, MINPS, MINPD, MINSS, MINSD);
SSE_ARITH(x86_0f5e, DIVPS, DIVPD, DIVSS, DIVSD);
SSE_ARITH(x86_0f5f, MAXPS, MAXPD, MAXSS, MAXSD);

MMX_SSE(x86_0f60, PUNPCKLBW); MMX_SSE(x86_0f61, PUNPCKLWD);
MMX_SSE(x86_0f62, PUNPCKLDQ); MMX_SSE(x86_0f63, PACKSSWB);
MMX_SSE(x86_0f64, PCMPGTB); MMX_SSE(x86_0f65, PCMPGTW);
MMX_SSE(x86_0f66, PCMPGTD); MMX_SSE(x86_0f67, PACKUSWB);
MMX_SSE(x86_0f68, PUNPCKHBW); MMX_SSE(x86_0f69, PUNPCKHWD);
MMX_SSE(x86_0f6a, PUNPCKHDQ); MMX_SSE(x86_0f6b, PACKSSDW);
SSE66(x86_0f6c, PUNPCKLQDQ); SSE66(x86_0f6d, PUNPCKHQDQ);
static const X86OpDesc x86_0f6e_mmx[2] = {
    OP2(MOVD, P,q, E,d, MM), OP2(MOVQ, P,q, E,q, MM),
};
static const X86OpDesc x86_0f6e_xmm[2] = {
    OP2(MOVD, V,dq, E,d, S), OP2(MOVQ, V,dq, E,q, S),
};
PFX4(x86_0f6e, BYW(x86_0f6e_mmx), BYW(x86_0f6e_xmm), {0}, {0});
PFX4(x86_0f6f, OP2(MOVQ, P,q, Q,q, MM), OP2(MOVDQA, V,dq, W,dq, S),
     OP2(MOVDQU, V,dq, W,dq, S), {0});
PFX4(x86_0f70, OP3(PSHUFW, P,q, Q,q, I,b, MM), OP3(PSHUFD, V,dq, W,dq, I,b, S),
     OP3(PSHUFHW, V,dq, W,dq, I,b, S), OP3(PSHUFLW, V,dq, W,dq, I,b, S));
MMX_SSE(x86_0f74, PCMPEQB); MMX_SSE(x86_0f75, PCMPEQW);
MMX_SSE(x86_0f76, PCMPEQD);
PFX4(x86_0f7c, UD_ROW, OP2(HADDPD, V,dq, W,dq, S), UD_ROW,
     OP2(HADDPS, V,dq, W,dq, S));
PFX4(x86_0f7d, UD_ROW, OP2(HSUBPD, V,dq, W,dq, S), UD_ROW,
     OP2(HSUBPS, V,dq, W,dq, S));
static const X86OpDesc x86_0f7e_mmx[2] = {
    OP2(MOVD, E,d, P,q, MM), OP2(MOVQ, E,q, P,q, MM),
};
static const X86OpDesc x86_0f7e_xmm[2] = {
    OP2(MOVD, E,d, V,dq, S), OP2(MOVQ, E,q, V,dq, S),
};
PFX4(x86_0f7e, BYW(x86_0f7e_mmx), BYW(x86_0f7e_xmm),
     OP2(MOVQ, V,dq, W,q, S), {0});
PFX4(x86_0f7f, OP2(MOVQ, Q,q, P,q, MM), OP2(MOVDQA, W,dq, V,dq, S),
     OP2(MOVDQU, W,dq, V,dq, S), {0});

PFX4(x86_0fb8, UD_ROW, UD_ROW, OP2(POPCNT, G,v, E,v, 0), UD_ROW);
PFX4(x86_0fbc, OP2(BSF, G,v, E,v, 0), {0}, OP2(TZCNT, G,v, E,v, 0), {0});
PFX4(x86_0fbd, OP2(BSR, G,v, E,v, 0), {0}, OP2(LZCNT, G,v, E,v, 0), {0});
PFX4(x86_0fc2, OP3(CMPPS, V,dq, W,dq, I,b, S), OP3(CMPPD, V,dq, W,dq, I,b, S),
     OP3(CMPSS, V,dq, W,d, I,b, S), OP3(CMPSD__SSE, V,dq, W,q, I,b, S));
PFX4(x86_0fc3, OP2(MOVNTI, M,y, G,y, 0), {0}, {0}, {0});
PFX4(x86_0fc4, OP3(PINSRW, P,q, E,dw, I,b, MM), OP3(PINSRW, V,dq, E,dw, I,b, S),
     {0}, {0});
PFX4(x86_0fc5, OP3(PEXTRW, G,d, N,q, I,b, MM), OP3(PEXTRW, G,d, U,dq, I,b, S),
     {0}, {0});
PFX4(x86_0fc6, OP3(SHUFPS, V,dq, W,dq, I,b, S), OP3(SHUFPD, V,dq, W,dq, I,b, S),
     {0}, {0});
PFX4(x86_0fd0, UD_ROW, OP2(ADDSUBPD, V,dq, W,dq, S), UD_ROW,
     OP2(ADDSUBPS, V,dq, W,dq, S));
MMX_SSE(x86_0fd1, PSRLW); MMX_SSE(x86_0fd2, PSRLD); MMX_SSE(x86_0fd3, PSRLQ);
MMX_SSE(x86_0fd4, PADDQ); MMX_SSE(x86_0fd5, PMULLW);
PFX4(x86_0fd6, UD_ROW, OP2(MOVQ, W,q, V,dq, S), OP2(MOVQ2DQ, V,dq, N,q, S),
     OP2(MOVDQ2Q, P,q, U,dq, S));
PFX4(x86_0fd7, OP2(PMOVMSKB, G,d, N,q, MM), OP2(PMOVMSKB, G,d, U,dq, S),
     {0}, {0});
MMX_SSE(x86_0fd8, PSUBUSB); MMX_SSE(x86_0fd9, PSUBUSW);
MMX_SSE(x86_0fda, PMINUB); MMX_SSE(x86_0fdb, PAND);
MMX_SSE(x86_0fdc, PADDUSB); MMX_SSE(x86_0fdd, PADDUSW);
MMX_SSE(x86_0fde, PMAXUB); MMX_SSE(x86_0fdf, PANDN);
MMX_SSE(x86_0fe0, PAVGB); MMX_SSE(x86_0fe1, PSRAW); MMX_SSE(x86_0fe2, PSRAD);
MMX_SSE(x86_0fe3, PAVGW); MMX_SSE(x86_0fe4, PMULHUW); MMX_SSE(x86_0fe5, PMULHW);
PFX4(x86_0fe6, UD_ROW, OP2(CVTTPD2DQ, V,dq, W,dq, S),
     OP2(CVTDQ2PD, V,dq, W,q, S), OP2(CVTPD2DQ, V,dq, W,dq, S));
PFX4(x86_0fe7, OP2(MOVNTQ, M,q, P,q, MM), OP2(MOVNTDQ, M,dq, V,dq, S),
     {0}, {0});
MMX_SSE(x86_0fe8, PSUBSB); MMX_SSE(x86_0fe9, PSUBSW);
MMX_SSE(x86_0fea, PMINSW); MMX_SSE(x86_0feb, POR);
MMX_SSE(x86_0fec, PADDSB); MMX_SSE(x86_0fed, PADDSW);
MMX_SSE(x86_0fee, PMAXSW); MMX_SSE(x86_0fef, PXOR);
PFX4(x86_0ff0, UD_ROW, UD_ROW, UD_ROW, OP2(LDDQU, V,dq, M,dq, S));
MMX_SSE(x86_0ff1, PSLLW); MMX_SSE(x86_0ff2, PSLLD); MMX_SSE(x86_0ff3, PSLLQ);
MMX_SSE(x86_0ff4, PMULUDQ); MMX_SSE(x86_0ff5, PMADDWD);
MMX_SSE(x86_0ff6, PSADBW);
PFX4(x86_0ff7, OP2(MASKMOVQ, P,q, N,q, MM), OP2(MASKMOVDQU, V,dq, U,dq, S),
     {0}, {0});
MMX_SSE(x86_0ff8, PSUBB); MMX_SSE(x86_0ff9, PSUBW); MMX_SSE(x86_0ffa, PSUBD);
MMX_SSE(x86_0ffb, PSUBQ); MMX_SSE(x86_0ffc, PADDB); MMX_SSE(x86_0ffd, PADDW);
MMX_SSE(x86_0ffe, PADDD);

static const X86OpDesc x86_0f0d[8] = {
    [1] = OP1(PREFETCHW, M,b, 0),
};

#define CMOV(cc, m) [0x40 + cc] = OP2(m, G,v, E,v, 0)
#define JCC(cc, m)  [0x80 + cc] = OP1(m, J,z, F_JCC)
#define SETCC(cc, m) [0x90 + cc] = OP1(m, E,b, 0)
#define P(op)       [0x##op] = BYPFX(x86_0f##op)

const X86OpDesc x86_op_0f[256] = {
    [0x00] = GROUP(x86_grp6),
    [0x01] = BYMOD(x86_grp7_mod),
    [0x02] = OP2(LAR, G,v, E,zw, 0),
    [0x03] = OP2(LSL, G,v, E,zw, 0),
    [0x05] = OP0(SYSCALL, F_JMP | F_FAR),
    [0x06] = OP0(CLTS, F_PRIV | F_END),
    [0x07] = OP0(SYSRET, F_JMP | F_FAR | F_PRIV),
    [0x08] = OP0(INVD, F_PRIV),
    [0x09] = OP0(WBINVD, F_PRIV),
    [0x0B] = OP0(UD2, 0),
    [0x0D] = GROUP(x86_0f0d),
    P(10), P(11), P(12), P(13), P(14), P(15), P(16), P(17),
    [0x18] = GROUP(x86_grp16),
    [0x19 ... 0x1E] = OP2(NOP, E,v, G,v, 0),     /* reserved hint NOPs */
    [0x1F] = OP1(NOP, E,v, 0),
    [0x20] = OP2(MOV, R,r, C,r, F_PRIV | F_F64),
    [0x21] = OP2(MOV, R,r, D,r, F_PRIV | F_F64),
    [0x22] = OP2(MOV, C,r, R,r, F_PRIV | F_F64 | F_END),
    [0x23] = OP2(MOV, D,r, R,r, F_PRIV | F_F64 | F_END),
    P(28), P(29), P(2a), P(2b), P(2c), P(2d), P(2e), P(2f),
    [0x30] = OP0(WRMSR, F_PRIV | F_END),
    [0x31] = OP0(RDTSC, 0),
    [0x32] = OP0(RDMSR, F_PRIV),
    [0x33] = OP0(RDPMC, 0),
    [0x34] = OP0(SYSENTER, F_JMP | F_FAR),
    [0x35] = OP0(SYSEXIT, F_JMP | F_FAR | F_PRIV),
    [0x38] = ESCAPE(x86_op_0f38),
    [0x3A] = ESCAPE(x86_op_0f3a),
    CMOV(0, CMOVO), CMOV(1, CMOVNO), CMOV(2, CMOVB), CMOV(3, CMOVAE),
    CMOV(4, CMOVE), CMOV(5, CMOVNE), CMOV(6, CMOVBE), CMOV(7, CMOVA),
    CMOV(8, CMOVS), CMOV(9, CMOVNS), CMOV(10, CMOVP), CMOV(11, CMOVNP),
    CMOV(12, CMOVL), CMOV(13, CMOVGE), CMOV(14, CMOVLE), CMOV(15, CMOVG),
    P(50), P(51), P(52), P(53), P(54), P(55), P(56), P(57),
    P(58), P(59), P(5a), P(5b), P(5c), P(5d), P(5e), P(5f),
    P(60), P(61), P(62), P(63), P(64), P(65), P(66), P(67),
    P(68), P(69), P(6a), P(6b), P(6c), P(6d), P(6e), P(6f),
    P(70),
    [0x71] = BYMOD(x86_grp12_mod),
    [0x72] = BYMOD(x86_grp13_mod),
    [0x73] = BYMOD(x86_grp14_mod),
    P(74), P(75), P(76),
    [0x77] = OP0(EMMS, MM),
    P(7c), P(7d), P(7e), P(7f),
    JCC(0, JO), JCC(1, JNO), JCC(2, JB), JCC(3, JAE),
    JCC(4, JE), JCC(5, JNE), JCC(6, JBE), JCC(7, JA),
    JCC(8, JS), JCC(9, JNS), JCC(10, JP), JCC(11, JNP),
    JCC(12, JL), JCC(13, JGE), JCC(14, JLE), JCC(15, JG),
    SETCC(0, SETO), SETCC(1, SETNO), SETCC(2, SETB), SETCC(3, SETAE),
    SETCC(4, SETE), SETCC(5, SETNE), SETCC(6, SETBE), SETCC(7, SETA),
    SETCC(8, SETS), SETCC(9, SETNS), SETCC(10, SETP), SETCC(11, SETNP),
    SETCC(12, SETL), SETCC(13, SETGE), SETCC(14, SETLE), SETCC(15, SETG),
    [0xA0] = OP1(PUSH, FS,w, F_STACK | F_DEF64),
    [0xA1] = OP1(POP, FS,w, F_STACK | F_DEF64),
    [0xA2] = OP0(CPUID, 0),
    [0xA3] = OP2(BT, E,v, G,v, 0),
    [0xA4] = OP3(SHLD, E,v, G,v, I,b, 0),
    [0xA5] = OP3(SHLD, E,v, G,v, CL,b, 0),
    [0xA8] = OP1(PUSH, GS,w, F_STACK | F_DEF64),
    [0xA9] = OP1(POP, GS,w, F_STACK | F_DEF64),
    [0xAA] = OP0(RSM, F_JMP | F_FAR),
    [0xAB] = OP2(BTS, E,v, G,v, F_LOCKOK),
    [0xAC] = OP3(SHRD, E,v, G,v, I,b, 0),
    [0xAD] = OP3(SHRD, E,v, G,v, CL,b, 0),
    [0xAE] = BYPFX(x86_grp15_pfx),
    [0xAF] = OP2(IMUL, G,v, E,v, 0),
    [0xB0] = OP2(CMPXCHG, E,b, G,b, F_LOCKOK),
    [0xB1] = OP2(CMPXCHG, E,v, G,v, F_LOCKOK),
    [0xB2] = OP2(LSS, G,v, M,p, 0),
    [0xB3] = OP2(BTR, E,v, G,v, F_LOCKOK),
    [0xB4] = OP2(LFS, G,v, M,p, 0),
    [0xB5] = OP2(LGS, G,v, M,p, 0),
    [0xB6] = OP2(MOVZX, G,v, E,b, 0),
    [0xB7] = OP2(MOVZX, G,v, E,w, 0),
    P(b8),
    [0xB9] = OP2(UD1, G,v, E,v, 0),
    [0xBA] = GROUP2(x86_grp8, E,v, I,b),
    [0xBB] = OP2(BTC, E,v, G,v, F_LOCKOK),
    P(bc), P(bd),
    [0xBE] = OP2(MOVSX, G,v, E,b, 0),
    [0xBF] = OP2(MOVSX, G,v, E,w, 0),
    [0xC0] = OP2(XADD, E,b, G,b, F_LOCKOK),
    [0xC1] = OP2(XADD, E,v, G,v, F_LOCKOK),
    P(c2), P(c3), P(c4), P(c5), P(c6),
    [0xC7] = BYMOD(x86_grp9_mod),
    [0xC8 ... 0xCF] = OP1(BSWAP, Z,v, 0),
    P(d0), P(d1), P(d2), P(d3), P(d4), P(d5), P(d6), P(d7),
    P(d8), P(d9), P(da), P(db), P(dc), P(dd), P(de), P(df),
    P(e0), P(e1), P(e2), P(e3), P(e4), P(e5), P(e6), P(e7),
    P(e8), P(e9), P(ea), P(eb), P(ec), P(ed), P(ee), P(ef),
    P(f0), P(f1), P(f2), P(f3), P(f4), P(f5), P(f6), P(f7),
    P(f8), P(f9), P(fa), P(fb), P(fc), P(fd), P(fe),
    [0xFF] = OP2(UD0, G,v, E,v, 0),
};
