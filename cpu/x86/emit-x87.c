/* SPDX-License-Identifier: MIT */
/*
 * x87 emitters: every x87 instruction becomes one call of a helper
 * (cpu/x86/fpu_helper.c) with its mnemonic, operand shape, memory address
 * and FOP packed into one constant: the helper of its family (arithmetic,
 * loads, stores, functions of ST0) when it has one, else helper_x87(),
 * which dispatches; FNSTSW AX and FCOMI/FUCOMI(P) take the helper's
 * result into AX or the flags; FCMOVcc passes its condition.
 *
 * Looked up by translate.c through X86_EMITTERS (emit.h). CR0.EM or
 * CR0.TS give #NM at translation time (SDM Vol. 3A 2.5, table 2-2).
 * Ref: Intel SDM Vol. 1 ch. 8, Vol. 2 each instruction.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"
#include "cpu/x86/fpu.h"

/* FCMOV's B, E, BE, U (+ 4 for the negation) as Jcc conditions */
static const uint8_t fcmov_cc[8] = { 2, 4, 6, 10, 3, 5, 7, 11 };

static void gen_x87(DisasContext *dc)
{
    const X86Insn *insn = dc->insn;
    uint64_t info = insn->mnem |
                    (uint64_t)(insn->op_size == 2 ? 2 : 4) << X87_OPSIZE_SHIFT |
                    (uint64_t)(insn->x87_fop & 0x7ff) << 40;
    TCGv linear = NULL, ea = NULL;
    TCGv ret = gen_tmp(dc);
    TCGv cond = gen_const(dc, 0);
    bool to_ax = false;
    void *fast;

    if (dc->hflags & (HF_EM | HF_TS)) {
        gen_exception(dc, EXCP_NM);
        return;
    }
    if (!dc->pe || dc->vm86) {
        info |= X87_REAL;
    }
    for (unsigned i = 0; i < insn->nops; i++) {
        const X86Operand *op = &insn->op[i];

        if (op->kind == X86_OPND_MEM) {
            ea = gen_ea(dc, op);
            linear = gen_linear(dc, op->seg, ea);
            info |= X87_MEM | (uint64_t)op->size << X87_MEMSIZE_SHIFT |
                    (uint64_t)(op->seg & 7) << 52;
        } else if (op->kind == X86_OPND_REG && op->reg_class == X86_RC_ST) {
            if (op->reg != 0 || insn->nops == 1) {
                info |= X87_STI | (uint64_t)(op->reg & 7) << X87_STI_SHIFT;
                if (i == 0 && insn->nops == 2) {
                    info |= X87_DEST_STI;
                }
            }
        } else if (op->kind == X86_OPND_REG) {
            to_ax = true;               /* FNSTSW AX */
        }
    }
    if (insn->mnem >= X86_INSN_FCMOVB && insn->mnem <= X86_INSN_FCMOVNU) {
        cond = gen_tmp(dc);
        gen_setcc_value(dc, fcmov_cc[insn->cc & 7], cond);
    }
    gen_update_eip_cur(dc);
    fast = x87_family_helper(insn->mnem);
    if (fast) {
        /* they write no guest register but the x87's */
        tcg_gen_call(dc->s, fast, TCG_CALL_NO_WRITE_GLOBALS, NULL, 3,
                     (TCGv[]){ gen_const(dc, info),
                               linear ? linear : gen_const(dc, 0),
                               ea ? ea : gen_const(dc, 0) });
        return;
    }
    tcg_gen_call(dc->s, (void *)helper_x87, 0, ret, 4, (TCGv[]){
        gen_const(dc, info), linear ? linear : gen_const(dc, 0),
        ea ? ea : gen_const(dc, 0), cond });
    if (to_ax) {
        gen_set_gpr(dc, R_EAX, 2, ret);
    } else if (insn->mnem == X86_INSN_FCOMI || insn->mnem == X86_INSN_FCOMIP ||
               insn->mnem == X86_INSN_FUCOMI ||
               insn->mnem == X86_INSN_FUCOMIP) {
        gen_set_eflags_cc(dc, ret);
    }
    if (insn->mnem == X86_INSN_FLDCW || insn->mnem == X86_INSN_FLDENV ||
        insn->mnem == X86_INSN_FRSTOR) {
        gen_end_block(dc);
    }
}

#define X(name) void gen_##name(DisasContext *dc) { gen_x87(dc); }
X86_X87_EMITTERS(X)
#undef X
