/* SPDX-License-Identifier: MIT */
/*
 * x86 three-byte opcode map 0F 3A xx (SDM vol. 2, table A-5): SSSE3
 * PALIGNR, SSE4.1, SSE4.2 string compares, AES, PCLMULQDQ. Every row has
 * an imm8. Rows are DK_PFX switches (none, 66, F3, F2).
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

#define S   F_SSE
#define MM  F_MMX

#define PFX4(name, a, b, c, d) \
    static const X86OpDesc name[4] = { a, b, c, d }
#define SSE66(op, m, ms) \
    PFX4(x86_0f3a##op, UD_ROW, OP3(m, V,dq, W,ms, I,b, S), UD_ROW, UD_ROW)

SSE66(08, ROUNDPS, dq); SSE66(09, ROUNDPD, dq);
SSE66(0a, ROUNDSS, d); SSE66(0b, ROUNDSD, q);
SSE66(0c, BLENDPS, dq); SSE66(0d, BLENDPD, dq); SSE66(0e, PBLENDW, dq);
PFX4(x86_0f3a0f, OP3(PALIGNR, P,q, Q,q, I,b, MM),
     OP3(PALIGNR, V,dq, W,dq, I,b, S), {0}, {0});
PFX4(x86_0f3a14, UD_ROW, OP3(PEXTRB, E,db, V,dq, I,b, S), UD_ROW, UD_ROW);
PFX4(x86_0f3a15, UD_ROW, OP3(PEXTRW, E,dw, V,dq, I,b, S), UD_ROW, UD_ROW);
static const X86OpDesc x86_pextrdq[2] = {
    OP3(PEXTRD, E,d, V,dq, I,b, S), OP3(PEXTRQ, E,q, V,dq, I,b, S),
};
PFX4(x86_0f3a16, UD_ROW, BYW(x86_pextrdq), UD_ROW, UD_ROW);
PFX4(x86_0f3a17, UD_ROW, OP3(EXTRACTPS, E,d, V,dq, I,b, S), UD_ROW, UD_ROW);
PFX4(x86_0f3a20, UD_ROW, OP3(PINSRB, V,dq, E,db, I,b, S), UD_ROW, UD_ROW);
SSE66(21, INSERTPS, d);
static const X86OpDesc x86_pinsrdq[2] = {
    OP3(PINSRD, V,dq, E,d, I,b, S), OP3(PINSRQ, V,dq, E,q, I,b, S),
};
PFX4(x86_0f3a22, UD_ROW, BYW(x86_pinsrdq), UD_ROW, UD_ROW);
SSE66(40, DPPS, dq); SSE66(41, DPPD, dq); SSE66(42, MPSADBW, dq);
SSE66(44, PCLMULQDQ, dq);
SSE66(60, PCMPESTRM, dq); SSE66(61, PCMPESTRI, dq);
SSE66(62, PCMPISTRM, dq); SSE66(63, PCMPISTRI, dq);
SSE66(df, AESKEYGENASSIST, dq);

#define P(op)   [0x##op] = BYPFX(x86_0f3a##op)

const X86OpDesc x86_op_0f3a[256] = {
    P(08), P(09), P(0a), P(0b), P(0c), P(0d), P(0e), P(0f),
    P(14), P(15), P(16), P(17),
    P(20), P(21), P(22),
    P(40), P(41), P(42), P(44),
    P(60), P(61), P(62), P(63),
    P(df),
};
