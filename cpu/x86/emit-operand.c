/* SPDX-License-Identifier: MIT */
/*
 * Building blocks of the x86 emitters: guest registers, effective and
 * linear addresses, guest memory, operands, the stack, lazy flags and
 * block exits. Every emit-*.c file uses these (declared in emit.h).
 *
 * Linear address = segment base + offset, wrapped to 32 bits (SDM Vol. 3A
 * 3.4); the base of DS/ES/SS is skipped in protected mode when hflags say
 * they are all zero (HF_ADDSEG clear). Offsets wrap to the address size
 * (16-bit: 64 KiB, SDM Vol. 1 3.3.6). In 64-bit mode only FS and GS have
 * a base and nothing wraps (Vol. 1 3.3.7); RIP-relative operands count
 * from the next instruction; the stack is 64-bit (Vol. 1 6.2.5).
 * Ref: Intel SDM Vol. 1 ch. 3, Vol. 2 2.1.5 (ModRM/SIB addressing),
 * Vol. 3A 6.14 (stack on exceptions is the helpers' business).
 * Segment limit and access-rights checks come before the instruction
 * (emit-limit.c), not here.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"

void gen_ext(DisasContext *dc, TCGv d, TCGv a, unsigned size, bool sign)
{
    switch (size) {
    case 1:
        (sign ? tcg_gen_ext8s : tcg_gen_ext8u)(dc->s, d, a);
        break;
    case 2:
        (sign ? tcg_gen_ext16s : tcg_gen_ext16u)(dc->s, d, a);
        break;
    case 4:
        (sign ? tcg_gen_ext32s : tcg_gen_ext32u)(dc->s, d, a);
        break;
    default:
        tcg_gen_mov_i64(dc->s, d, a);
        break;
    }
}

/* ---- registers ---- */

void gen_get_gpr(DisasContext *dc, TCGv d, unsigned reg, unsigned size)
{
    gen_ext(dc, d, dc->g->regs[reg], size, false);
}

void gen_set_gpr(DisasContext *dc, unsigned reg, unsigned size, TCGv v)
{
    TCGv r = dc->g->regs[reg];

    switch (size) {
    case 1:
        tcg_gen_deposit_i64(dc->s, r, r, v, 0, 8);
        break;
    case 2:
        tcg_gen_deposit_i64(dc->s, r, r, v, 0, 16);
        break;
    case 4:
        tcg_gen_ext32u(dc->s, r, v);
        break;
    default:
        tcg_gen_mov_i64(dc->s, r, v);
        break;
    }
}

void gen_get_gpr8h(DisasContext *dc, TCGv d, unsigned reg)
{
    tcg_gen_extract_i64(dc->s, d, dc->g->regs[reg], 8, 8);
}

void gen_set_gpr8h(DisasContext *dc, unsigned reg, TCGv v)
{
    TCGv r = dc->g->regs[reg];

    tcg_gen_deposit_i64(dc->s, r, r, v, 8, 8);
}

/* ---- addresses ---- */

static void gen_wrap_addr(DisasContext *dc, TCGv t, unsigned addr_size)
{
    if (addr_size == 2) {
        tcg_gen_ext16u(dc->s, t, t);
    } else if (addr_size == 4) {
        tcg_gen_ext32u(dc->s, t, t);
    }
}

TCGv gen_ea(DisasContext *dc, const X86Operand *op)
{
    TCGv t = gen_tmp(dc);

    if (op->base >= 0 && op->base < 16) {
        tcg_gen_mov_i64(dc->s, t, dc->g->regs[op->base]);
    } else if (op->base == X86_GPR_RIP) {
        tcg_gen_movi_i64(dc->s, t, dc->next_eip);
    } else {
        tcg_gen_movi_i64(dc->s, t, 0);
    }
    if (op->index >= 0 && op->index < 16) {
        TCGv ix = gen_tmp(dc);

        tcg_gen_shli_i64(dc->s, ix, dc->g->regs[op->index],
                         __builtin_ctz(op->scale ? op->scale : 1));
        tcg_gen_add_i64(dc->s, t, t, ix);
    }
    if (op->disp) {
        tcg_gen_addi_i64(dc->s, t, t, (uint64_t)op->disp);
    }
    gen_wrap_addr(dc, t, dc->insn->addr_size);
    return t;
}

static bool x86_seg_needs_base(const DisasContext *dc, unsigned seg)
{
    if (dc->code64) {
        return seg == R_FS || seg == R_GS;
    }
    if (seg == R_DS || seg == R_ES || seg == R_SS) {
        return dc->addseg;
    }
    return true;
}

TCGv gen_linear(DisasContext *dc, unsigned seg, TCGv ea)
{
    TCGv t;

    if (seg >= 6 || !x86_seg_needs_base(dc, seg)) {
        return ea;
    }
    t = gen_tmp(dc);
    tcg_gen_add_i64(dc->s, t, ea, dc->g->seg_base[seg]);
    if (!dc->code64) {
        tcg_gen_ext32u(dc->s, t, t);
    }
    return t;
}

TCGv gen_op_linear(DisasContext *dc, const X86Operand *op)
{
    return gen_linear(dc, op->seg, gen_ea(dc, op));
}

unsigned x86_data_seg(const DisasContext *dc)
{
    unsigned seg = dc->insn->seg_override;

    return seg == X86_SEG_NONE ? R_DS : seg;
}

void gen_ldm(DisasContext *dc, TCGv d, TCGv linear, unsigned size)
{
    tcg_gen_qemu_ld(dc->s, d, linear, dc->mmu_idx, x86_memop(size));
}

void gen_ldm_signed(DisasContext *dc, TCGv d, TCGv linear, unsigned size)
{
    tcg_gen_qemu_ld(dc->s, d, linear, dc->mmu_idx,
                    x86_memop(size) | (size < 8 ? MO_SIGN : 0));
}

void gen_stm(DisasContext *dc, TCGv v, TCGv linear, unsigned size)
{
    tcg_gen_qemu_st(dc->s, v, linear, dc->mmu_idx, x86_memop(size));
}

/* ---- operands ---- */

TCGv gen_load_op(DisasContext *dc, const X86Operand *op, TCGv *linear)
{
    TCGv t = gen_tmp(dc);
    TCGv a;

    switch (op->kind) {
    case X86_OPND_REG:
        if (op->reg_class == X86_RC_GPR8H) {
            gen_get_gpr8h(dc, t, op->reg);
        } else if (op->reg_class == X86_RC_SEG) {
            tcg_gen_ld16u(dc->s, t, offsetof(X86CPUState, segs[op->reg]) +
                          offsetof(SegmentCache, selector));
        } else {
            gen_get_gpr(dc, t, op->reg, op->size);
        }
        break;
    case X86_OPND_MEM:
        a = gen_op_linear(dc, op);
        gen_ldm(dc, t, a, op->size);
        if (linear) {
            *linear = a;
        }
        break;
    default:                            /* IMM (REL/FAR never loaded) */
        tcg_gen_movi_i64(dc->s, t, op->imm & x86_size_mask(op->size));
        break;
    }
    return t;
}

void gen_store_op(DisasContext *dc, const X86Operand *op, TCGv v,
                  TCGv linear)
{
    if (op->kind == X86_OPND_MEM) {
        gen_stm(dc, v, linear ? linear : gen_op_linear(dc, op), op->size);
    } else if (op->reg_class == X86_RC_GPR8H) {
        gen_set_gpr8h(dc, op->reg, v);
    } else {
        gen_set_gpr(dc, op->reg, op->size, v);
    }
}

/* ---- stack ---- */

unsigned x86_stack_size(const DisasContext *dc)
{
    return dc->code64 ? 8 : dc->ss32 ? 4 : 2;
}

TCGv gen_stack_linear(DisasContext *dc, int64_t ofs)
{
    TCGv t = gen_tmp(dc);

    tcg_gen_addi_i64(dc->s, t, dc->g->regs[R_ESP], (uint64_t)ofs);
    gen_wrap_addr(dc, t, x86_stack_size(dc));
    return gen_linear(dc, R_SS, t);
}

void gen_add_sp(DisasContext *dc, int64_t delta)
{
    TCGv t = gen_tmp(dc);

    tcg_gen_addi_i64(dc->s, t, dc->g->regs[R_ESP], (uint64_t)delta);
    gen_set_gpr(dc, R_ESP, x86_stack_size(dc), t);
}

void gen_push(DisasContext *dc, TCGv v, unsigned size)
{
    gen_stm(dc, v, gen_stack_linear(dc, -(int64_t)size), size);
    gen_add_sp(dc, -(int64_t)size);
}

TCGv gen_pop_peek(DisasContext *dc, unsigned size, int64_t ofs)
{
    TCGv t = gen_tmp(dc);

    gen_ldm(dc, t, gen_stack_linear(dc, ofs), size);
    return t;
}

/* ---- lazy flags ---- */

void gen_set_cc_op(DisasContext *dc, CCOp op)
{
    if (dc->cc_op != (int)op && op != CC_OP_DYNAMIC) {
        tcg_gen_movi_i64(dc->s, dc->g->cc_op, op);
    }
    dc->cc_op = op;
}

void gen_cc_set(DisasContext *dc, CCOp base, unsigned size, TCGv dst,
                TCGv src, TCGv src2)
{
    if (!dc->cc_live) {
        return;                         /* no flag is read before rewritten */
    }
    gen_ext(dc, dc->g->cc_dst, dst, size, false);
    if (src) {
        tcg_gen_mov_i64(dc->s, dc->g->cc_src, src);
    }
    if (src2) {
        tcg_gen_mov_i64(dc->s, dc->g->cc_src2, src2);
    }
    gen_set_cc_op(dc, cc_op_sized(base, size));
}

static TCGv gen_cc_op_value(DisasContext *dc)
{
    return dc->cc_op == CC_OP_DYNAMIC ? dc->g->cc_op
                                      : gen_const(dc, dc->cc_op);
}

TCGv gen_compute_eflags(DisasContext *dc)
{
    TCGv t = gen_tmp(dc);

    if (dc->cc_op == CC_OP_EFLAGS) {
        tcg_gen_andi_i64(dc->s, t, dc->g->cc_src, CC_MASK);
    } else {
        tcg_gen_callN(dc->s, helper_cc_compute_all, TCG_CALL_PURE, t,
                      dc->g->cc_dst, dc->g->cc_src, dc->g->cc_src2,
                      gen_cc_op_value(dc));
    }
    return t;
}

TCGv gen_compute_cf(DisasContext *dc)
{
    TCGv t = gen_tmp(dc);
    const X86Translator *g = dc->g;
    unsigned size;

    if (dc->cc_op < CC_OP_ADDB) {
        if (dc->cc_op == CC_OP_EFLAGS) {
            tcg_gen_andi_i64(dc->s, t, g->cc_src, CC_C);
            return t;
        }
        tcg_gen_callN(dc->s, helper_cc_compute_c, TCG_CALL_PURE, t,
                      g->cc_dst, g->cc_src, g->cc_src2, gen_cc_op_value(dc));
        return t;
    }
    size = 1u << cc_op_size_log2(dc->cc_op);
    switch (cc_op_base(dc->cc_op)) {
    case CC_OP_ADDB:                    /* carry: result < operand */
        tcg_gen_setcond_i64(dc->s, TCG_COND_LTU, t, g->cc_dst, g->cc_src);
        break;
    case CC_OP_SUBB:                    /* borrow: first < second */
        tcg_gen_add_i64(dc->s, t, g->cc_dst, g->cc_src);
        gen_ext(dc, t, t, size, false);
        tcg_gen_setcond_i64(dc->s, TCG_COND_LTU, t, t, g->cc_src);
        break;
    case CC_OP_LOGICB:
        tcg_gen_movi_i64(dc->s, t, 0);
        break;
    case CC_OP_INCB:
    case CC_OP_DECB:
    case CC_OP_SARB:
        tcg_gen_andi_i64(dc->s, t, g->cc_src, 1);
        break;
    case CC_OP_SHLB:
        tcg_gen_extract_i64(dc->s, t, g->cc_src, size * 8 - 1, 1);
        break;
    case CC_OP_MULB:
        tcg_gen_setcond_i64(dc->s, TCG_COND_NE, t, g->cc_src,
                            gen_const(dc, 0));
        break;
    default:                            /* ADC, SBB */
        tcg_gen_callN(dc->s, helper_cc_compute_c, TCG_CALL_PURE, t,
                      g->cc_dst, g->cc_src, g->cc_src2, gen_const(dc,
                                                                  dc->cc_op));
        break;
    }
    return t;
}

void gen_set_eflags_cc(DisasContext *dc, TCGv flags)
{
    tcg_gen_andi_i64(dc->s, dc->g->cc_src, flags, CC_MASK);
    gen_set_cc_op(dc, CC_OP_EFLAGS);
}

TCGv gen_get_full_eflags(DisasContext *dc)
{
    TCGv cc = gen_compute_eflags(dc);
    TCGv t = gen_tmp(dc);

    tcg_gen_ld64(dc->s, t, offsetof(X86CPUState, eflags));
    tcg_gen_andi_i64(dc->s, t, t, ~(uint64_t)CC_MASK);
    tcg_gen_or_i64(dc->s, t, t, cc);
    tcg_gen_ori_i64(dc->s, t, t, 2);
    return t;
}

void gen_string_step(DisasContext *dc, TCGv d, unsigned size)
{
    TCGv df = gen_tmp(dc);

    tcg_gen_ld64(dc->s, df, offsetof(X86CPUState, eflags));
    tcg_gen_extract_i64(dc->s, df, df, 10, 1);          /* DF */
    tcg_gen_shli_i64(dc->s, df, df, __builtin_ctz(size) + 1);
    tcg_gen_movi_i64(dc->s, d, size);
    tcg_gen_sub_i64(dc->s, d, d, df);                   /* size or -size */
}

/* ---- control ---- */

void gen_update_eip(DisasContext *dc, uint64_t eip)
{
    tcg_gen_movi_i64(dc->s, dc->g->rip, eip);
}

void gen_update_eip_cur(DisasContext *dc)
{
    gen_update_eip(dc, dc->eip);
}

void gen_exception(DisasContext *dc, unsigned excp)
{
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_raise_exception, NULL, gen_const(dc, excp));
    dc->is_jmp = DISAS_NORETURN;
}

void gen_exception_err(DisasContext *dc, unsigned excp, uint32_t err)
{
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_raise_exception_err, NULL, gen_const(dc, excp),
               gen_const(dc, err));
    dc->is_jmp = DISAS_NORETURN;
}

uint64_t x86_branch_eip(const DisasContext *dc, uint64_t eip)
{
    if (dc->code64) {
        return eip;                     /* near branches are 64-bit */
    }
    return dc->insn->op_size == 2 ? eip & 0xffff : eip & 0xffffffff;
}

void gen_jmp_reg(DisasContext *dc, TCGv v)
{
    unsigned size = dc->code64 ? 8 : dc->insn->op_size == 2 ? 2 : 4;

    gen_ext(dc, dc->g->rip, v, size, false);
    dc->is_jmp = DISAS_EOB_JUMP;
}

TCGv gen_addr_next(DisasContext *dc, TCGv a, unsigned delta)
{
    TCGv t = gen_tmp(dc);

    tcg_gen_addi_i64(dc->s, t, a, delta);
    if (!dc->code64) {
        tcg_gen_ext32u(dc->s, t, t);
    }
    return t;
}
