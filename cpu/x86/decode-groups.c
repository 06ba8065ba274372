/* SPDX-License-Identifier: MIT */
/*
 * x86 opcode extension groups (SDM vol. 2, table A-6): rows picked by
 * ModRM.reg (and, for some, by mod == 3 and ModRM.rm). Rows written with
 * GOP() take their operands from the GROUP entry in the opcode map.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

#define ALU_GROUP(lock) { \
    GOP(ADD, lock), GOP(OR, lock), GOP(ADC, lock), GOP(SBB, lock), \
    GOP(AND, lock), GOP(SUB, lock), GOP(XOR, lock), GOP(CMP, 0) }

const X86OpDesc x86_grp1_80[8] = ALU_GROUP(F_LOCKOK);
const X86OpDesc x86_grp1_81[8] = ALU_GROUP(F_LOCKOK);
const X86OpDesc x86_grp1_83[8] = ALU_GROUP(F_LOCKOK);
/* 82: alias of 80, invalid in 64-bit mode */
const X86OpDesc x86_grp1_82[8] = {
    GOP(ADD, F_LOCKOK | F_INV64), GOP(OR, F_LOCKOK | F_INV64),
    GOP(ADC, F_LOCKOK | F_INV64), GOP(SBB, F_LOCKOK | F_INV64),
    GOP(AND, F_LOCKOK | F_INV64), GOP(SUB, F_LOCKOK | F_INV64),
    GOP(XOR, F_LOCKOK | F_INV64), GOP(CMP, F_INV64),
};

/* 8F /0 (other rows: AMD XOP) */
const X86OpDesc x86_grp1a[8] = {
    [0] = GOP(POP, F_STACK | F_DEF64),
};

/* C0, C1, D0..D3 */
const X86OpDesc x86_grp2[8] = {
    GOP(ROL, 0), GOP(ROR, 0), GOP(RCL, 0), GOP(RCR, 0),
    GOP(SHL, 0), GOP(SHR, 0), GOP(SAL, 0), GOP(SAR, 0),
};

const X86OpDesc x86_grp3_f6[8] = {
    [0] = OP2(TEST, E,b, I,b, 0),
    [1] = OP2(TEST, E,b, I,b, 0),
    [2] = GOP(NOT, F_LOCKOK), [3] = GOP(NEG, F_LOCKOK),
    [4] = GOP(MUL, 0), [5] = GOP(IMUL, 0), [6] = GOP(DIV, 0), [7] = GOP(IDIV, 0),
};
const X86OpDesc x86_grp3_f7[8] = {
    [0] = OP2(TEST, E,v, I,z, 0),
    [1] = OP2(TEST, E,v, I,z, 0),
    [2] = GOP(NOT, F_LOCKOK), [3] = GOP(NEG, F_LOCKOK),
    [4] = GOP(MUL, 0), [5] = GOP(IMUL, 0), [6] = GOP(DIV, 0), [7] = GOP(IDIV, 0),
};

/* FE */
const X86OpDesc x86_grp4[8] = {
    [0] = GOP(INC, F_LOCKOK), [1] = GOP(DEC, F_LOCKOK),
};

/* FF */
const X86OpDesc x86_grp5[8] = {
    [0] = OP1(INC, E,v, F_LOCKOK),
    [1] = OP1(DEC, E,v, F_LOCKOK),
    [2] = OP1(CALL, E,vq, F_JMP | F_CALL | F_F64 | F_STACK),
    [3] = OP1(CALLF, M,p, F_JMP | F_CALL | F_FAR | F_STACK),
    [4] = OP1(JMP, E,vq, F_JMP | F_F64),
    [5] = OP1(JMPF, M,p, F_JMP | F_FAR),
    [6] = OP1(PUSH, E,vq, F_STACK | F_DEF64),
};

/* C6, C7 (C6 F8 / C7 F8: XABORT/XBEGIN, not decoded) */
const X86OpDesc x86_grp11_c6[8] = { [0] = GOP(MOV, 0) };
const X86OpDesc x86_grp11_c7[8] = { [0] = GOP(MOV, 0) };

/* 0F 00 */
const X86OpDesc x86_grp6[8] = {
    [0] = OP1(SLDT, E,vw, 0),
    [1] = OP1(STR, E,vw, 0),
    [2] = OP1(LLDT, E,w, F_PRIV | F_END),
    [3] = OP1(LTR, E,w, F_PRIV | F_END),
    [4] = OP1(VERR, E,w, 0),
    [5] = OP1(VERW, E,w, 0),
};

/* 0F 01 */
static const X86OpDesc x86_grp7_mem[8] = {
    [0] = OP1(SGDT, M,s, 0),
    [1] = OP1(SIDT, M,s, 0),
    [2] = OP1(LGDT, M,s, F_PRIV | F_END),
    [3] = OP1(LIDT, M,s, F_PRIV | F_END),
    [4] = OP1(SMSW, M,w, 0),
    [6] = OP1(LMSW, M,w, F_PRIV | F_END),
    [7] = OP1(INVLPG, M,b, F_PRIV | F_END),
};
static const X86OpDesc x86_grp7_reg[64] = {
    [0x08] = OP0(MONITOR, 0),          /* CPL > 0: #UD (emit-sse3.c) */
    [0x09] = OP0(MWAIT, F_END),
    [0x10] = OP0(XGETBV, 0),
    [0x11] = OP0(XSETBV, F_PRIV),
    [0x20 ... 0x27] = OP1(SMSW, R,vw, 0),
    [0x30 ... 0x37] = OP1(LMSW, R,w, F_PRIV | F_END),
    [0x38] = OP0(SWAPGS, F_PRIV | F_O64),
    [0x39] = OP0(RDTSCP, 0),
};
const X86OpDesc x86_grp7_mod[2] = {
    GROUP(x86_grp7_mem),
    BYRM64(x86_grp7_reg),
};

/* 0F BA */
const X86OpDesc x86_grp8[8] = {
    [4] = GOP(BT, 0), [5] = GOP(BTS, F_LOCKOK),
    [6] = GOP(BTR, F_LOCKOK), [7] = GOP(BTC, F_LOCKOK),
};

/* 0F C7 */
static const X86OpDesc x86_grp9_cx[2] = {
    OP1(CMPXCHG8B, M,q, F_LOCKOK),
    OP1(CMPXCHG16B, M,dq, F_LOCKOK),
};
static const X86OpDesc x86_grp9_mem[8] = {
    [1] = BYW(x86_grp9_cx),
};
static const X86OpDesc x86_grp9_reg[8] = {
    [6] = OP1(RDRAND, R,v, 0),
    [7] = OP1(RDSEED, R,v, 0),
};
const X86OpDesc x86_grp9_mod[2] = {
    GROUP(x86_grp9_mem),
    GROUP(x86_grp9_reg),
};

/* 0F 71, 72, 73: MMX (no prefix) or XMM (66) shifts by imm8 */
#define SHIFT_PFX(name, m) \
    static const X86OpDesc name[4] = { \
        [0] = OP2(m, N,q, I,b, F_MMX), \
        [1] = OP2(m, U,dq, I,b, F_SSE), \
        [2] = {0}, [3] = {0}, \
    }
SHIFT_PFX(x86_psrlw_i, PSRLW); SHIFT_PFX(x86_psraw_i, PSRAW);
SHIFT_PFX(x86_psllw_i, PSLLW); SHIFT_PFX(x86_psrld_i, PSRLD);
SHIFT_PFX(x86_psrad_i, PSRAD); SHIFT_PFX(x86_pslld_i, PSLLD);
SHIFT_PFX(x86_psrlq_i, PSRLQ); SHIFT_PFX(x86_psllq_i, PSLLQ);
static const X86OpDesc x86_psrldq_i[4] = {
    [0] = UD_ROW, [1] = OP2(PSRLDQ, U,dq, I,b, F_SSE), [2] = UD_ROW, [3] = UD_ROW,
};
static const X86OpDesc x86_pslldq_i[4] = {
    [0] = UD_ROW, [1] = OP2(PSLLDQ, U,dq, I,b, F_SSE), [2] = UD_ROW, [3] = UD_ROW,
};
static const X86OpDesc x86_grp12_reg[8] = {
    [2] = BYPFX(x86_psrlw_i), [4] = BYPFX(x86_psraw_i), [6] = BYPFX(x86_psllw_i),
};
static const X86OpDesc x86_grp13_reg[8] = {
    [2] = BYPFX(x86_psrld_i), [4] = BYPFX(x86_psrad_i), [6] = BYPFX(x86_pslld_i),
};
static const X86OpDesc x86_grp14_reg[8] = {
    [2] = BYPFX(x86_psrlq_i), [3] = BYPFX(x86_psrldq_i),
    [6] = BYPFX(x86_psllq_i), [7] = BYPFX(x86_pslldq_i),
};
const X86OpDesc x86_grp12_mod[2] = { [1] = GROUP(x86_grp12_reg) };
const X86OpDesc x86_grp13_mod[2] = { [1] = GROUP(x86_grp13_reg) };
const X86OpDesc x86_grp14_mod[2] = { [1] = GROUP(x86_grp14_reg) };

/* 0F AE */
static const X86OpDesc x86_fxsave[2] = {
    OP1(FXSAVE, M,fx, 0), OP1(FXSAVE64, M,fx, 0),
};
static const X86OpDesc x86_fxrstor[2] = {
    OP1(FXRSTOR, M,fx, 0), OP1(FXRSTOR64, M,fx, 0),
};
static const X86OpDesc x86_xsave[2] = {
    OP1(XSAVE, M,0, 0), OP1(XSAVE64, M,0, 0),
};
static const X86OpDesc x86_xrstor[2] = {
    OP1(XRSTOR, M,0, 0), OP1(XRSTOR64, M,0, 0),
};
static const X86OpDesc x86_xsaveopt[2] = {
    OP1(XSAVEOPT, M,0, 0), OP1(XSAVEOPT64, M,0, 0),
};
static const X86OpDesc x86_grp15_mem[8] = {
    [0] = BYW(x86_fxsave),
    [1] = BYW(x86_fxrstor),
    [2] = OP1(LDMXCSR, M,d, F_SSE),
    [3] = OP1(STMXCSR, M,d, F_SSE),
    [4] = BYW(x86_xsave),
    [5] = BYW(x86_xrstor),
    [6] = BYW(x86_xsaveopt),
    [7] = OP1(CLFLUSH, M,b, 0),
};
static const X86OpDesc x86_grp15_reg[8] = {
    [5] = OP0(LFENCE, 0),
    [6] = OP0(MFENCE, 0),
    [7] = OP0(SFENCE, 0),
};
static const X86OpDesc x86_grp15_mod[2] = {
    GROUP(x86_grp15_mem),
    GROUP(x86_grp15_reg),
};
/* 66 0F AE /6, /7 are CLWB, CLFLUSHOPT (not decoded) */
static const X86OpDesc x86_grp15_66_mem[8] = {
    [0] = BYW(x86_fxsave),
    [1] = BYW(x86_fxrstor),
    [2] = OP1(LDMXCSR, M,d, F_SSE),
    [3] = OP1(STMXCSR, M,d, F_SSE),
    [4] = BYW(x86_xsave),
    [5] = BYW(x86_xrstor),
};
static const X86OpDesc x86_grp15_66_mod[2] = {
    GROUP(x86_grp15_66_mem),
    GROUP(x86_grp15_reg),
};
/* F3 0F AE mod == 3 is RDFSBASE etc. (not decoded); F2/F3 otherwise ignored */
const X86OpDesc x86_grp15_pfx[4] = {
    [0] = BYMOD(x86_grp15_mod),
    [1] = BYMOD(x86_grp15_66_mod),
};

/* 0F 18: prefetch hints; rows 4..7 are hint NOPs */
const X86OpDesc x86_grp16[8] = {
    [0] = OP1(PREFETCHNTA, M,b, 0),
    [1] = OP1(PREFETCHT0, M,b, 0),
    [2] = OP1(PREFETCHT1, M,b, 0),
    [3] = OP1(PREFETCHT2, M,b, 0),
    [4 ... 7] = OP1(NOP, E,v, 0),
};
