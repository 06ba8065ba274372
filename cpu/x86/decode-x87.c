/* SPDX-License-Identifier: MIT */
/*
 * x87 escape opcodes D8..DF (SDM vol. 2, tables ).
 *
 * Each escape has 72 rows: [0..7] the memory forms by ModRM.reg, then
 * [8 + (ModRM & 0x3f)] the register forms (mod == 3). The undocumented
 * aliases (DC D0 FCOM2, DD C8 FXCH4, DF C0 FFREEP, ...) decode to the
 * instruction they behave as, like the P6 family.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

#define FX      F_X87
#define R(i)    (8 + (i))
/* eight register rows: mnemonic with ST(0), ST(i) operands */
#define ST0_STI(base, m) [R(base) ... R(base + 7)] = OP2(m, ST0,t, STI,t, FX)
#define STI_ST0(base, m) [R(base) ... R(base + 7)] = OP2(m, STI,t, ST0,t, FX)
#define STI_ONLY(base, m) [R(base) ... R(base + 7)] = OP1(m, STI,t, FX)
#define ONE(i, m) [R(i)] = OP0(m, FX)

const X86OpDesc x86_op_x87[8][72] = {
    [0] = {     /* D8 */
        OP1(FADD, M,d, FX), OP1(FMUL, M,d, FX), OP1(FCOM, M,d, FX),
        OP1(FCOMP, M,d, FX), OP1(FSUB, M,d, FX), OP1(FSUBR, M,d, FX),
        OP1(FDIV, M,d, FX), OP1(FDIVR, M,d, FX),
        ST0_STI(0x00, FADD), ST0_STI(0x08, FMUL),
        STI_ONLY(0x10, FCOM), STI_ONLY(0x18, FCOMP),
        ST0_STI(0x20, FSUB), ST0_STI(0x28, FSUBR),
        ST0_STI(0x30, FDIV), ST0_STI(0x38, FDIVR),
    },
    [1] = {     /* D9 */
        [0] = OP1(FLD, M,d, FX),
        [2] = OP1(FST, M,d, FX),
        [3] = OP1(FSTP, M,d, FX),
        [4] = OP1(FLDENV, M,fe, FX),
        [5] = OP1(FLDCW, M,w, FX),
        [6] = OP1(FNSTENV, M,fe, FX),
        [7] = OP1(FNSTCW, M,w, FX),
        STI_ONLY(0x00, FLD), STI_ONLY(0x08, FXCH),
        ONE(0x10, FNOP),
        STI_ST0(0x18, FSTPNCE),
        ONE(0x20, FCHS), ONE(0x21, FABS), ONE(0x24, FTST), ONE(0x25, FXAM),
        ONE(0x28, FLD1), ONE(0x29, FLDL2T), ONE(0x2a, FLDL2E),
        ONE(0x2b, FLDPI), ONE(0x2c, FLDLG2), ONE(0x2d, FLDLN2),
        ONE(0x2e, FLDZ),
        ONE(0x30, F2XM1), ONE(0x31, FYL2X), ONE(0x32, FPTAN),
        ONE(0x33, FPATAN), ONE(0x34, FXTRACT), ONE(0x35, FPREM1),
        ONE(0x36, FDECSTP), ONE(0x37, FINCSTP),
        ONE(0x38, FPREM), ONE(0x39, FYL2XP1), ONE(0x3a, FSQRT),
        ONE(0x3b, FSINCOS), ONE(0x3c, FRNDINT), ONE(0x3d, FSCALE),
        ONE(0x3e, FSIN), ONE(0x3f, FCOS),
    },
    [2] = {     /* DA */
        OP1(FIADD, M,d, FX), OP1(FIMUL, M,d, FX), OP1(FICOM, M,d, FX),
        OP1(FICOMP, M,d, FX), OP1(FISUB, M,d, FX), OP1(FISUBR, M,d, FX),
        OP1(FIDIV, M,d, FX), OP1(FIDIVR, M,d, FX),
        ST0_STI(0x00, FCMOVB), ST0_STI(0x08, FCMOVE),
        ST0_STI(0x10, FCMOVBE), ST0_STI(0x18, FCMOVU),
        ONE(0x29, FUCOMPP),
    },
    [3] = {     /* DB */
        [0] = OP1(FILD, M,d, FX),
        [1] = OP1(FISTTP, M,d, FX),
        [2] = OP1(FIST, M,d, FX),
        [3] = OP1(FISTP, M,d, FX),
        [5] = OP1(FLD, M,t, FX),
        [7] = OP1(FSTP, M,t, FX),
        ST0_STI(0x00, FCMOVNB), ST0_STI(0x08, FCMOVNE),
        ST0_STI(0x10, FCMOVNBE), ST0_STI(0x18, FCMOVNU),
        ONE(0x20, FENI), ONE(0x21, FDISI), ONE(0x22, FNCLEX),
        ONE(0x23, FNINIT), ONE(0x24, FSETPM),
        ST0_STI(0x28, FUCOMI), ST0_STI(0x30, FCOMI),
    },
    [4] = {     /* DC */
        OP1(FADD, M,q, FX), OP1(FMUL, M,q, FX), OP1(FCOM, M,q, FX),
        OP1(FCOMP, M,q, FX), OP1(FSUB, M,q, FX), OP1(FSUBR, M,q, FX),
        OP1(FDIV, M,q, FX), OP1(FDIVR, M,q, FX),
        STI_ST0(0x00, FADD), STI_ST0(0x08, FMUL),
        ST0_STI(0x10, FCOM), ST0_STI(0x18, FCOMP),     /* aliases */
        STI_ST0(0x20, FSUBR), STI_ST0(0x28, FSUB),
        STI_ST0(0x30, FDIVR), STI_ST0(0x38, FDIV),
    },
    [5] = {     /* DD */
        [0] = OP1(FLD, M,q, FX),
        [1] = OP1(FISTTP, M,q, FX),
        [2] = OP1(FST, M,q, FX),
        [3] = OP1(FSTP, M,q, FX),
        [4] = OP1(FRSTOR, M,fs, FX),
        [6] = OP1(FNSAVE, M,fs, FX),
        [7] = OP1(FNSTSW, M,w, FX),
        STI_ONLY(0x00, FFREE), ST0_STI(0x08, FXCH),    /* alias */
        STI_ONLY(0x10, FST), STI_ONLY(0x18, FSTP),
        STI_ONLY(0x20, FUCOM), STI_ONLY(0x28, FUCOMP),
    },
    [6] = {     /* DE */
        OP1(FIADD, M,w, FX), OP1(FIMUL, M,w, FX), OP1(FICOM, M,w, FX),
        OP1(FICOMP, M,w, FX), OP1(FISUB, M,w, FX), OP1(FISUBR, M,w, FX),
        OP1(FIDIV, M,w, FX), OP1(FIDIVR, M,w, FX),
        STI_ST0(0x00, FADDP), STI_ST0(0x08, FMULP),
        ST0_STI(0x10, FCOMP), ONE(0x19, FCOMPP),       /* alias */
        STI_ST0(0x20, FSUBRP), STI_ST0(0x28, FSUBP),
        STI_ST0(0x30, FDIVRP), STI_ST0(0x38, FDIVP),
    },
    [7] = {     /* DF */
        [0] = OP1(FILD, M,w, FX),
        [1] = OP1(FISTTP, M,w, FX),
        [2] = OP1(FIST, M,w, FX),
        [3] = OP1(FISTP, M,w, FX),
        [4] = OP1(FBLD, M,t, FX),
        [5] = OP1(FILD, M,q, FX),
        [6] = OP1(FBSTP, M,t, FX),
        [7] = OP1(FISTP, M,q, FX),
        STI_ONLY(0x00, FFREEP), ST0_STI(0x08, FXCH),   /* aliases */
        STI_ST0(0x10, FSTP), STI_ST0(0x18, FSTP),
        [R(0x20)] = OP1(FNSTSW, AL,w, FX),
        ST0_STI(0x28, FUCOMIP), ST0_STI(0x30, FCOMIP),
    },
};
