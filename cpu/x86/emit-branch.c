/* SPDX-License-Identifier: MIT */
/*
 * Control transfers: JMP CALL RET (near, direct and indirect), far JMPF
 * CALLF RETF, IRET, INT n / INT3 / INTO / INT1, SYSENTER / SYSEXIT.
 *
 * Emitters looked up by translate.c. Near transfers are inline: a constant
 * target chains with goto_tb, others go through lookup_and_goto_ptr. Far
 * transfers in real mode are inline too (CS base = selector << 4); in
 * protected and virtual-8086 mode they call the seg_helper.c helpers
 * (gates, privilege changes, task switches), as do IRET and software
 * interrupts in every mode.
 * In IA-32e mode (HF_LMA) far transfers and IRET use long_helper.c.
 * Ref: Intel SDM Vol. 2A "CALL", "JMP", "INT n/INTO/INT3/INT1", "IRET",
 * Vol. 2B "RET", "SYSENTER", "SYSEXIT".
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"
#include "cpu/x86/long_helper.h"

static bool x86_real_far(const DisasContext *dc)
{
    return !dc->pe;
}

static uint64_t x86_rel_eip(const DisasContext *dc)
{
    return x86_branch_eip(dc, x86_rel_target(dc->insn, dc->eip));
}

void gen_JMP(DisasContext *dc)
{
    const X86Operand *op = &dc->insn->op[0];

    if (op->kind == X86_OPND_REL) {
        gen_jmp_tb(dc, x86_rel_eip(dc), 0);
    } else {
        gen_jmp_reg(dc, gen_load_op(dc, op, NULL));
    }
}

void gen_CALL(DisasContext *dc)
{
    const X86Operand *op = &dc->insn->op[0];
    unsigned size = dc->insn->op_size;
    TCGv ret = gen_const(dc, dc->next_eip);

    if (op->kind == X86_OPND_REL) {
        gen_push(dc, ret, size);
        gen_jmp_tb(dc, x86_rel_eip(dc), 0);
    } else {
        TCGv target = gen_load_op(dc, op, NULL);

        gen_push(dc, ret, size);
        gen_jmp_reg(dc, target);
    }
}

/* RET / RET imm16 */
void gen_RET(DisasContext *dc)
{
    unsigned size = dc->insn->op_size;
    uint64_t imm = dc->insn->nops ? dc->insn->op[0].imm & 0xffff : 0;
    TCGv target = gen_pop_peek(dc, size, 0);

    gen_add_sp(dc, size + imm);
    gen_jmp_reg(dc, target);
}

/* Far pointer operand: sel/off from ptr16:16/32 or from memory. */
static void gen_far_pointer(DisasContext *dc, TCGv *sel, TCGv *off)
{
    const X86Operand *op = &dc->insn->op[0];
    unsigned osz = dc->insn->op_size;

    if (op->kind == X86_OPND_FAR) {
        *sel = gen_const(dc, op->far.sel);
        *off = gen_const(dc, op->far.off & x86_size_mask(osz));
    } else {
        TCGv a = gen_op_linear(dc, op);
        TCGv a2;

        *off = gen_tmp(dc);
        *sel = gen_tmp(dc);
        gen_ldm(dc, *off, a, osz);
        a2 = gen_addr_next(dc, a, osz);
        gen_ldm(dc, *sel, a2, 2);
    }
}

/* Real mode: CS = sel, base = sel << 4 (limit and rights unchanged). */
static void gen_load_cs_real(DisasContext *dc, TCGv sel)
{
    tcg_gen_st16(dc->s, sel, offsetof(X86CPUState, segs[R_CS]) +
                 offsetof(SegmentCache, selector));
    tcg_gen_shli_i64(dc->s, dc->g->seg_base[R_CS], sel, 4);
}

void gen_JMPF(DisasContext *dc)
{
    TCGv sel, off;

    gen_far_pointer(dc, &sel, &off);
    if (x86_real_far(dc)) {
        gen_load_cs_real(dc, sel);
        gen_jmp_reg(dc, off);
        return;
    }
    gen_update_eip_cur(dc);
    gen_helper(dc, dc->lma ? helper_ljmp_lm : helper_ljmp, NULL, sel, off,
               gen_const(dc, dc->insn->op_size), gen_const(dc, dc->next_eip));
    dc->is_jmp = DISAS_EOB_EXIT;
}

void gen_CALLF(DisasContext *dc)
{
    unsigned size = dc->insn->op_size;
    TCGv sel, off, cs;

    gen_far_pointer(dc, &sel, &off);
    if (!x86_real_far(dc)) {
        gen_update_eip_cur(dc);
        gen_helper(dc, dc->lma ? helper_lcall_lm : helper_lcall, NULL, sel,
                   off, gen_const(dc, size), gen_const(dc, dc->next_eip));
        dc->is_jmp = DISAS_EOB_EXIT;
        return;
    }
    /* both stores before ESP moves, so a fault leaves ESP intact */
    cs = gen_tmp(dc);
    tcg_gen_ld16u(dc->s, cs, offsetof(X86CPUState, segs[R_CS]) +
                  offsetof(SegmentCache, selector));
    gen_stm(dc, cs, gen_stack_linear(dc, -(int64_t)size), size);
    gen_stm(dc, gen_const(dc, dc->next_eip),
            gen_stack_linear(dc, -2 * (int64_t)size), size);
    gen_add_sp(dc, -2 * (int64_t)size);
    gen_load_cs_real(dc, sel);
    gen_jmp_reg(dc, off);
}

void gen_RETF(DisasContext *dc)
{
    unsigned size = dc->insn->op_size;
    uint64_t imm = dc->insn->nops ? dc->insn->op[0].imm & 0xffff : 0;
    TCGv off, sel;

    if (!x86_real_far(dc)) {
        gen_update_eip_cur(dc);
        gen_helper(dc, dc->lma ? helper_lret_lm : helper_lret, NULL,
                   gen_const(dc, size), gen_const(dc, imm));
        dc->is_jmp = DISAS_EOB_EXIT;
        return;
    }
    off = gen_pop_peek(dc, size, 0);
    sel = gen_pop_peek(dc, 2, size);
    gen_add_sp(dc, 2 * size + imm);
    gen_load_cs_real(dc, sel);
    gen_jmp_reg(dc, off);
}

void gen_IRET(DisasContext *dc)
{
    gen_update_eip_cur(dc);
    if (dc->lma) {
        gen_helper(dc, helper_iret_lm, NULL,
                   gen_const(dc, dc->insn->op_size));
        dc->is_jmp = DISAS_EOB_EXIT;
        return;
    }
    gen_helper(dc, helper_iret, NULL, gen_const(dc, dc->insn->op_size),
               gen_const(dc, dc->next_eip));
    dc->is_jmp = DISAS_EOB_EXIT;
}

static void gen_swint(DisasContext *dc, unsigned vector, unsigned kind)
{
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_swint, NULL, gen_const(dc, vector),
               gen_const(dc, dc->next_eip), gen_const(dc, kind));
    dc->is_jmp = DISAS_NORETURN;
}

void gen_INT(DisasContext *dc)
{
    gen_swint(dc, dc->insn->op[0].imm & 0xff, X86_SWINT_INTN);
}

void gen_INT3(DisasContext *dc)
{
    gen_swint(dc, EXCP_BP, X86_SWINT_INT3);
}

void gen_INT1(DisasContext *dc)
{
    gen_swint(dc, EXCP_DB, X86_SWINT_INT1);
}

/* INTO: #OF trap when OF = 1, else nothing. */
void gen_INTO(DisasContext *dc)
{
    TCGLabel *no_overflow = gen_new_label(dc->s);

    gen_jcc_label(dc, 1, no_overflow);                  /* NO */
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_swint, NULL, gen_const(dc, EXCP_OF),
               gen_const(dc, dc->next_eip), gen_const(dc, X86_SWINT_INTO));
    gen_set_label(dc->s, no_overflow);
}

void gen_SYSENTER(DisasContext *dc)
{
    gen_update_eip_cur(dc);
    gen_helper0(dc, helper_sysenter, NULL);
    dc->is_jmp = DISAS_EOB_EXIT;
}

void gen_SYSEXIT(DisasContext *dc)
{
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_sysexit, NULL, gen_const(dc, dc->insn->op_size));
    dc->is_jmp = DISAS_EOB_EXIT;
}
