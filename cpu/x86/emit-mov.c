/* SPDX-License-Identifier: MIT */
/*
 * Data movement: MOV (general registers, memory, immediates; segment,
 * control and debug registers go to emit-system.c), MOVZX MOVSX, LEA,
 * XCHG, CBW/CWDE, CWD/CDQ, XLAT, NOP/PAUSE, LES LDS LSS LFS LGS, BOUND.
 *
 * Emitters looked up by translate.c. None of these touch the flags.
 * XCHG with memory is atomic by construction (one vCPU thread).
 * Ref: Intel SDM Vol. 2A/2B, the instruction pages.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"

static bool x86_is_special_reg(const X86Operand *op)
{
    return op->kind == X86_OPND_REG &&
           (op->reg_class == X86_RC_SEG || op->reg_class == X86_RC_CR ||
            op->reg_class == X86_RC_DR);
}

void gen_MOV(DisasContext *dc)
{
    const X86Operand *dst = &dc->insn->op[0];
    const X86Operand *src = &dc->insn->op[1];

    if (x86_is_special_reg(dst) || x86_is_special_reg(src)) {
        if (dst->reg_class == X86_RC_SEG || src->reg_class == X86_RC_SEG) {
            gen_mov_sreg(dc);
        } else {
            gen_mov_crdr(dc);
        }
        return;
    }
    gen_store_op(dc, dst, gen_load_op(dc, src, NULL), NULL);
}

void gen_MOVZX(DisasContext *dc)
{
    gen_store_op(dc, &dc->insn->op[0],
                 gen_load_op(dc, &dc->insn->op[1], NULL), NULL);
}

void gen_MOVSX(DisasContext *dc)
{
    const X86Operand *src = &dc->insn->op[1];
    TCGv v = gen_load_op(dc, src, NULL);

    gen_ext(dc, v, v, src->size, true);
    gen_store_op(dc, &dc->insn->op[0], v, NULL);
}

void gen_LEA(DisasContext *dc)
{
    gen_store_op(dc, &dc->insn->op[0], gen_ea(dc, &dc->insn->op[1]), NULL);
}

void gen_XCHG(DisasContext *dc)
{
    const X86Operand *a = &dc->insn->op[0];
    const X86Operand *b = &dc->insn->op[1];
    TCGv linear = NULL;
    TCGv va = gen_load_op(dc, a, &linear);
    TCGv vb = gen_load_op(dc, b, NULL);

    gen_store_op(dc, a, vb, linear);                    /* memory first */
    gen_store_op(dc, b, va, NULL);
}

/* CBW: AX = AL sign-extended; CWDE: EAX = AX sign-extended */
void gen_CBW(DisasContext *dc)
{
    unsigned size = dc->insn->op_size;
    TCGv v = gen_tmp(dc);

    gen_get_gpr(dc, v, R_EAX, size / 2);
    gen_ext(dc, v, v, size / 2, true);
    gen_set_gpr(dc, R_EAX, size, v);
}

/* CWD: DX = sign of AX; CDQ: EDX = sign of EAX */
void gen_CWD(DisasContext *dc)
{
    unsigned size = dc->insn->op_size;
    TCGv v = gen_tmp(dc);

    gen_get_gpr(dc, v, R_EAX, size);
    gen_ext(dc, v, v, size, true);
    tcg_gen_sari_i64(dc->s, v, v, 63);
    gen_set_gpr(dc, R_EDX, size, v);
}

/* XLAT: AL = [seg:(E)BX + AL], DS unless overridden */
void gen_XLAT(DisasContext *dc)
{
    unsigned asz = dc->insn->addr_size;
    TCGv ea = gen_tmp(dc);
    TCGv al = gen_tmp(dc);

    gen_get_gpr(dc, al, R_EAX, 1);
    tcg_gen_add_i64(dc->s, ea, dc->g->regs[R_EBX], al);
    gen_ext(dc, ea, ea, asz, false);
    gen_ldm(dc, al, gen_linear(dc, x86_data_seg(dc), ea), 1);
    gen_set_gpr(dc, R_EAX, 1, al);
}

void gen_NOP(DisasContext *dc)
{
}

void gen_PAUSE(DisasContext *dc)
{
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_pause, NULL, gen_const(dc, dc->next_eip));
}

/* LxS r, m16:16/32: offset then selector from memory; the segment is
 * loaded (and checked) before the register is written. */
static void gen_load_far(DisasContext *dc, unsigned seg)
{
    const X86Operand *dst = &dc->insn->op[0];
    unsigned size = dst->size;
    TCGv a = gen_op_linear(dc, &dc->insn->op[1]);
    TCGv a2;
    TCGv off = gen_tmp(dc);
    TCGv sel = gen_tmp(dc);

    gen_ldm(dc, off, a, size);
    a2 = gen_addr_next(dc, a, size);
    gen_ldm(dc, sel, a2, 2);
    gen_load_seg(dc, seg, sel);
    gen_set_gpr(dc, dst->reg, size, off);
}

void gen_LES(DisasContext *dc)
{
    gen_load_far(dc, R_ES);
}

void gen_LDS(DisasContext *dc)
{
    gen_load_far(dc, R_DS);
}

void gen_LSS(DisasContext *dc)
{
    gen_load_far(dc, R_SS);
}

void gen_LFS(DisasContext *dc)
{
    gen_load_far(dc, R_FS);
}

void gen_LGS(DisasContext *dc)
{
    gen_load_far(dc, R_GS);
}

/* BOUND r, m: #BR unless lower <= r <= upper (signed). */
void gen_BOUND(DisasContext *dc)
{
    TCGContext *s = dc->s;
    const X86Operand *reg = &dc->insn->op[0];
    unsigned size = reg->size;
    TCGv a = gen_op_linear(dc, &dc->insn->op[1]);
    TCGv a2;
    TCGv idx = gen_tmp(dc);
    TCGv lo = gen_tmp(dc);
    TCGv hi = gen_tmp(dc);
    TCGLabel *ok = gen_new_label(s);

    gen_ldm_signed(dc, lo, a, size);
    a2 = gen_addr_next(dc, a, size);
    gen_ldm_signed(dc, hi, a2, size);
    gen_get_gpr(dc, idx, reg->reg, size);
    gen_ext(dc, idx, idx, size, true);
    tcg_gen_setcond_i64(s, TCG_COND_LT, lo, idx, lo);
    tcg_gen_setcond_i64(s, TCG_COND_GT, hi, idx, hi);
    tcg_gen_or_i64(s, lo, lo, hi);
    tcg_gen_brcondi_i64(s, TCG_COND_EQ, lo, 0, ok);
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_raise_exception, NULL, gen_const(dc, EXCP_BR));
    gen_set_label(s, ok);
}
