/* SPDX-License-Identifier: MIT */
/*
 * x86 three-byte opcode map 0F 38 xx (SDM vol. 2, table A-4): SSSE3,
 * SSE4.1, SSE4.2, AES, MOVBE, CRC32. Rows are DK_PFX switches (none, 66,
 * F3, F2). Not decoded (#UD): SHA, ADX, INVEPT/INVVPID/INVPCID.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

#define S   F_SSE
#define MM  F_MMX

#define PFX4(name, a, b, c, d) \
    static const X86OpDesc name[4] = { a, b, c, d }
/* SSSE3: MMX form without prefix, XMM form with 66 */
#define MMX_SSE(op, m) \
    PFX4(x86_0f38##op, OP2(m, P,q, Q,q, MM), OP2(m, V,dq, W,dq, S), \
         {0}, {0})
/* 66 only, XMM, memory size @ms */
#define SSE66(op, m, ms) \
    PFX4(x86_0f38##op, UD_ROW, OP2(m, V,dq, W,ms, S), {0}, {0})

MMX_SSE(00, PSHUFB); MMX_SSE(01, PHADDW); MMX_SSE(02, PHADDD);
MMX_SSE(03, PHADDSW); MMX_SSE(04, PMADDUBSW); MMX_SSE(05, PHSUBW);
MMX_SSE(06, PHSUBD); MMX_SSE(07, PHSUBSW); MMX_SSE(08, PSIGNB);
MMX_SSE(09, PSIGNW); MMX_SSE(0a, PSIGND); MMX_SSE(0b, PMULHRSW);
SSE66(10, PBLENDVB, dq); SSE66(14, BLENDVPS, dq); SSE66(15, BLENDVPD, dq);
SSE66(17, PTEST, dq);
MMX_SSE(1c, PABSB); MMX_SSE(1d, PABSW); MMX_SSE(1e, PABSD);
SSE66(20, PMOVSXBW, q); SSE66(21, PMOVSXBD, d); SSE66(22, PMOVSXBQ, w);
SSE66(23, PMOVSXWD, q); SSE66(24, PMOVSXWQ, d); SSE66(25, PMOVSXDQ, q);
SSE66(28, PMULDQ, dq); SSE66(29, PCMPEQQ, dq); SSE66(2b, PACKUSDW, dq);
PFX4(x86_0f382a, UD_ROW, OP2(MOVNTDQA, V,dq, M,dq, S), {0}, {0});
SSE66(30, PMOVZXBW, q); SSE66(31, PMOVZXBD, d); SSE66(32, PMOVZXBQ, w);
SSE66(33, PMOVZXWD, q); SSE66(34, PMOVZXWQ, d); SSE66(35, PMOVZXDQ, q);
SSE66(37, PCMPGTQ, dq);
SSE66(38, PMINSB, dq); SSE66(39, PMINSD, dq); SSE66(3a, PMINUW, dq);
SSE66(3b, PMINUD, dq); SSE66(3c, PMAXSB, dq); SSE66(3d, PMAXSD, dq);
SSE66(3e, PMAXUW, dq); SSE66(3f, PMAXUD, dq);
SSE66(40, PMULLD, dq); SSE66(41, PHMINPOSUW, dq);
SSE66(db, AESIMC, dq); SSE66(dc, AESENC, dq); SSE66(dd, AESENCLAST, dq);
SSE66(de, AESDEC, dq); SSE66(df, AESDECLAST, dq);
PFX4(x86_0f38f0, OP2(MOVBE, G,v, M,v, 0), {0}, {0},
     OP2(CRC32, G,y, E,b, 0));
PFX4(x86_0f38f1, OP2(MOVBE, M,v, G,v, 0), {0}, {0},
     OP2(CRC32, G,y, E,v, 0));

#define P(op)   [0x##op] = BYPFX(x86_0f38##op)

const X86OpDesc x86_op_0f38[256] = {
    P(00), P(01), P(02), P(03), P(04), P(05), P(06), P(07),
    P(08), P(09), P(0a), P(0b),
    P(10), P(14), P(15), P(17), P(1c), P(1d), P(1e),
    P(20), P(21), P(22), P(23), P(24), P(25),
    P(28), P(29), P(2a), P(2b),
    P(30), P(31), P(32), P(33), P(34), P(35), P(37),
    P(38), P(39), P(3a), P(3b), P(3c), P(3d), P(3e), P(3f),
    P(40), P(41),
    P(db), P(dc), P(dd), P(de), P(df),
    P(f0), P(f1),
};
