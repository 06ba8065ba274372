/* SPDX-License-Identifier: MIT */
/*
 * Emitters of the minimal x87 subset (see fpu-min.h): every instruction
 * here becomes one call of helper_fpu_min(), which does the work in C.
 * Enough for Linux (the setup code's FPU probe, the kernel's FDIV check,
 * FNSAVE/FRSTOR context switches) and simple user code. translate.c finds
 * these through the X86_EMITTERS list in emit.h.
 * Ref: Intel SDM Vol. 1 ch. 8 (x87 FPU), Vol. 2 (each instruction),
 * Vol. 3A 2.5 (CR0.EM, CR0.TS: #NM).
 * Missing: everything the full x87 unit brings (transcendental functions,
 * FCMOVcc, BCD, FIP/FDP/FOP tracking, #MF delivery, precision control);
 * those instructions stay #UD with a -d unimp line.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"
#include "cpu/x86/fpu-min.h"

static void gen_fpu_min(DisasContext *dc)
{
    const X86Insn *insn = dc->insn;
    uint64_t info = insn->mnem |
                    (uint64_t)insn->op_size << FPU_MIN_OPSIZE_SHIFT;
    TCGv linear = NULL;
    TCGv ret = gen_tmp(dc);
    bool to_ax = false;
    unsigned nst = 0;

    if (dc->hflags & (HF_EM | HF_TS)) {
        gen_exception(dc, EXCP_NM);
        return;
    }
    for (unsigned i = 0; i < insn->nops; i++) {
        const X86Operand *op = &insn->op[i];

        if (op->kind == X86_OPND_MEM) {
            linear = gen_op_linear(dc, op);
            info |= FPU_MIN_MEM |
                    (uint64_t)op->size << FPU_MIN_MEMSIZE_SHIFT;
        } else if (op->kind == X86_OPND_REG && op->reg_class == X86_RC_ST) {
            info |= (uint64_t)(op->reg & 7) <<
                    (nst++ ? FPU_MIN_ST1_SHIFT : FPU_MIN_ST0_SHIFT);
        } else if (op->kind == X86_OPND_REG) {
            to_ax = true;               /* FNSTSW AX */
        }
    }
    if (nst == 2) {
        info |= FPU_MIN_TWO_ST;
    }
    if (!linear) {
        linear = gen_const(dc, 0);
    }
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_fpu_min, ret, gen_const(dc, info), linear);
    if (to_ax) {
        gen_set_gpr(dc, X86_GPR_AX, 2, ret);
    } else if (insn->mnem == X86_INSN_FCOMI || insn->mnem == X86_INSN_FCOMIP ||
               insn->mnem == X86_INSN_FUCOMI ||
               insn->mnem == X86_INSN_FUCOMIP) {
        gen_set_eflags_cc(dc, ret);
    }
}

#define X(name) void gen_##name(DisasContext *dc) { gen_fpu_min(dc); }
X86_FPU_MIN_EMITTERS(X)
#undef X
