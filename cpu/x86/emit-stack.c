/* SPDX-License-Identifier: MIT */
/*
 * Stack instructions: PUSH POP (registers, memory, immediates, segment
 * registers), PUSHA POPA, PUSHF POPF, ENTER LEAVE.
 *
 * Emitters looked up by translate.c. The stack is SS:ESP (SS:SP with a
 * 16-bit stack segment, SS.B = 0); pushes and pops move by the operand
 * size. All memory accesses of an instruction happen before ESP changes,
 * so a fault leaves ESP as it was. PUSHF/POPF call helpers for the
 * IOPL/VM/VME rules; segment loads go through gen_load_seg.
 * Ref: Intel SDM Vol. 2B "PUSH", "POP", "PUSHA", "POPA", "PUSHF", "POPF",
 * Vol. 2A "ENTER", "LEAVE".
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"

void gen_PUSH(DisasContext *dc)
{
    const X86Operand *op = &dc->insn->op[0];
    unsigned size = dc->insn->op_size;
    TCGv v = gen_load_op(dc, op, NULL);

    if (op->kind == X86_OPND_IMM && op->size < size) {
        gen_ext(dc, v, v, op->size, true);              /* PUSH imm8 */
    }
    gen_push(dc, v, size);
}

void gen_POP(DisasContext *dc)
{
    const X86Operand *op = &dc->insn->op[0];
    unsigned size = dc->insn->op_size;
    TCGv v = gen_pop_peek(dc, size, 0);

    if (op->kind == X86_OPND_REG && op->reg_class == X86_RC_SEG) {
        gen_load_seg(dc, op->reg, v);
        gen_add_sp(dc, size);
    } else if (op->kind == X86_OPND_MEM) {
        /* the address is computed with ESP already incremented */
        TCGv old = gen_tmp(dc);
        TCGv linear;

        tcg_gen_mov_i64(dc->s, old, dc->g->regs[R_ESP]);
        gen_add_sp(dc, size);
        linear = gen_op_linear(dc, op);
        tcg_gen_mov_i64(dc->s, dc->g->regs[R_ESP], old);
        gen_stm(dc, v, linear, size);
        gen_add_sp(dc, size);
    } else {
        gen_add_sp(dc, size);                           /* POP ESP: value */
        gen_set_gpr(dc, op->reg, size, v);
    }
}

void gen_PUSHA(DisasContext *dc)
{
    unsigned size = dc->insn->op_size;

    for (int i = 0; i < 8; i++) {
        TCGv v = gen_tmp(dc);

        gen_get_gpr(dc, v, i, size);                    /* ESP: original */
        gen_stm(dc, v, gen_stack_linear(dc, -(int64_t)size * (i + 1)), size);
    }
    gen_add_sp(dc, -8 * (int64_t)size);
}

void gen_POPA(DisasContext *dc)
{
    unsigned size = dc->insn->op_size;
    TCGv v[8];

    for (int i = 0; i < 8; i++) {                       /* EDI first */
        v[7 - i] = i == 3 ? NULL : gen_pop_peek(dc, size, size * i);
    }
    for (int r = 0; r < 8; r++) {
        if (r != R_ESP) {
            gen_set_gpr(dc, r, size, v[r]);
        }
    }
    gen_add_sp(dc, 8 * size);
}

void gen_PUSHF(DisasContext *dc)
{
    unsigned size = dc->insn->op_size;
    TCGv v = gen_tmp(dc);

    gen_update_eip_cur(dc);
    gen_helper(dc, helper_pushf, v, gen_const(dc, size));
    gen_push(dc, v, size);
}

void gen_POPF(DisasContext *dc)
{
    unsigned size = dc->insn->op_size;
    TCGv v = gen_pop_peek(dc, size, 0);

    gen_update_eip_cur(dc);
    gen_helper(dc, helper_popf, NULL, v, gen_const(dc, size));
    dc->cc_op = CC_OP_EFLAGS;           /* stored by the helper */
    gen_add_sp(dc, size);
    gen_end_block(dc);                  /* TF, IF, IOPL, AC may change */
}

/* SS:(EBP - ofs) wrapped to the stack address size */
static TCGv gen_frame_linear(DisasContext *dc, int64_t ofs)
{
    TCGv t = gen_tmp(dc);

    tcg_gen_subi_i64(dc->s, t, dc->g->regs[R_EBP], (uint64_t)ofs);
    gen_ext(dc, t, t, x86_stack_size(dc), false);
    return gen_linear(dc, R_SS, t);
}

void gen_ENTER(DisasContext *dc)
{
    unsigned size = dc->insn->op_size;
    uint64_t alloc = dc->insn->op[0].imm & 0xffff;
    unsigned level = dc->insn->op[1].imm & 31;
    unsigned pushes = level ? level + 1 : 1;
    TCGv ebp = gen_tmp(dc);
    TCGv frame = gen_tmp(dc);

    gen_get_gpr(dc, ebp, R_EBP, size);
    gen_stm(dc, ebp, gen_stack_linear(dc, -(int64_t)size), size);
    tcg_gen_subi_i64(dc->s, frame, dc->g->regs[R_ESP], size);
    gen_ext(dc, frame, frame, x86_stack_size(dc), false);
    for (unsigned i = 1; i < level; i++) {
        TCGv v = gen_tmp(dc);

        gen_ldm(dc, v, gen_frame_linear(dc, (int64_t)size * i), size);
        gen_stm(dc, v, gen_stack_linear(dc, -(int64_t)size * (i + 1)), size);
    }
    if (level) {
        gen_stm(dc, frame, gen_stack_linear(dc, -(int64_t)size * pushes),
                size);
    }
    gen_set_gpr(dc, R_EBP, x86_stack_size(dc), frame);
    gen_add_sp(dc, -(int64_t)(size * pushes + alloc));
}

void gen_LEAVE(DisasContext *dc)
{
    unsigned size = dc->insn->op_size;
    TCGv v = gen_tmp(dc);
    TCGv sp = gen_tmp(dc);

    gen_ldm(dc, v, gen_frame_linear(dc, 0), size);
    tcg_gen_addi_i64(dc->s, sp, dc->g->regs[R_EBP], size);
    gen_set_gpr(dc, R_ESP, x86_stack_size(dc), sp);
    gen_set_gpr(dc, R_EBP, size, v);
}
