/* SPDX-License-Identifier: MIT */
/*
 * Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC
 * NEG NOT, CMPXCHG XADD CMPXCHG8B, and the direct flag instructions (CMC CLC
 * STC CLD STD LAHF SAHF SALC).
 *
 * Emitters looked up by translate.c. Flags are lazy (cc.h): each emitter
 * records its operation and operands after the destination is written.
 * LOCK is accepted and ignored: with one vCPU thread, each instruction is
 * atomic with respect to the guest (docs/cpu.md).
 * Ref: Intel SDM Vol. 2A/2B, the instruction pages (Operation, Flags
 * Affected); SALC is undocumented (AL = CF ? 0xFF : 0, flags unchanged).
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"

typedef void TCGBinFn(TCGContext *s, TCGv d, TCGv a, TCGv b);

/* One row per two-operand ALU instruction. */
typedef struct AluOp {
    TCGBinFn *fn;
    CCOp cc;                    /* family: ADD, ADC, SUB, SBB or LOGIC */
    bool carry_in;              /* ADC/SBB: fn(a, b) then +/- CF */
    bool store;                 /* CMP and TEST only set flags */
} AluOp;

static const AluOp alu_add = { tcg_gen_add_i64, CC_OP_ADDB, false, true };
static const AluOp alu_adc = { tcg_gen_add_i64, CC_OP_ADCB, true, true };
static const AluOp alu_sub = { tcg_gen_sub_i64, CC_OP_SUBB, false, true };
static const AluOp alu_sbb = { tcg_gen_sub_i64, CC_OP_SBBB, true, true };
static const AluOp alu_cmp = { tcg_gen_sub_i64, CC_OP_SUBB, false, false };
static const AluOp alu_and = { tcg_gen_and_i64, CC_OP_LOGICB, false, true };
static const AluOp alu_or = { tcg_gen_or_i64, CC_OP_LOGICB, false, true };
static const AluOp alu_xor = { tcg_gen_xor_i64, CC_OP_LOGICB, false, true };
static const AluOp alu_test = { tcg_gen_and_i64, CC_OP_LOGICB, false, false };

static void gen_alu(DisasContext *dc, const AluOp *a)
{
    const X86Operand *dst = &dc->insn->op[0];
    unsigned size = dst->size;
    TCGv linear = NULL;
    TCGv x = gen_load_op(dc, dst, a->store ? &linear : NULL);
    TCGv y = gen_load_op(dc, &dc->insn->op[1], NULL);
    TCGv r = gen_tmp(dc);
    TCGv cf = NULL;

    if (a->carry_in) {
        cf = gen_compute_cf(dc);
    }
    a->fn(dc->s, r, x, y);
    if (cf) {
        a->fn(dc->s, r, r, cf);
    }
    if (a->store) {
        gen_store_op(dc, dst, r, linear);
    }
    gen_cc_set(dc, a->cc, size, r, a->cc == CC_OP_LOGICB ? NULL : y, cf);
}

void gen_ADD(DisasContext *dc)
{
    gen_alu(dc, &alu_add);
}

void gen_ADC(DisasContext *dc)
{
    gen_alu(dc, &alu_adc);
}

void gen_SUB(DisasContext *dc)
{
    gen_alu(dc, &alu_sub);
}

void gen_SBB(DisasContext *dc)
{
    gen_alu(dc, &alu_sbb);
}

void gen_CMP(DisasContext *dc)
{
    gen_alu(dc, &alu_cmp);
}

void gen_AND(DisasContext *dc)
{
    gen_alu(dc, &alu_and);
}

void gen_OR(DisasContext *dc)
{
    gen_alu(dc, &alu_or);
}

void gen_XOR(DisasContext *dc)
{
    gen_alu(dc, &alu_xor);
}

void gen_TEST(DisasContext *dc)
{
    gen_alu(dc, &alu_test);
}

/* INC/DEC keep CF: it goes to cc_src. */
static void gen_incdec(DisasContext *dc, int delta, CCOp cc)
{
    const X86Operand *dst = &dc->insn->op[0];
    TCGv linear = NULL;
    TCGv x = gen_load_op(dc, dst, &linear);
    TCGv cf = dc->cc_live & CC_C ? gen_compute_cf(dc) : gen_const(dc, 0);

    tcg_gen_addi_i64(dc->s, x, x, (uint64_t)(int64_t)delta);
    gen_store_op(dc, dst, x, linear);
    gen_cc_set(dc, cc, dst->size, x, cf, NULL);
}

void gen_INC(DisasContext *dc)
{
    gen_incdec(dc, 1, CC_OP_INCB);
}

void gen_DEC(DisasContext *dc)
{
    gen_incdec(dc, -1, CC_OP_DECB);
}

void gen_NEG(DisasContext *dc)
{
    const X86Operand *dst = &dc->insn->op[0];
    TCGv linear = NULL;
    TCGv x = gen_load_op(dc, dst, &linear);
    TCGv r = gen_tmp(dc);

    tcg_gen_neg_i64(dc->s, r, x);
    gen_store_op(dc, dst, r, linear);
    gen_cc_set(dc, CC_OP_SUBB, dst->size, r, x, NULL);   /* 0 - x */
}

void gen_NOT(DisasContext *dc)
{
    const X86Operand *dst = &dc->insn->op[0];
    TCGv linear = NULL;
    TCGv x = gen_load_op(dc, dst, &linear);

    tcg_gen_not_i64(dc->s, x, x);
    gen_store_op(dc, dst, x, linear);
}

/* CMPXCHG r/m, r: compare with the accumulator; the destination is
 * always written (with its own value on mismatch), as on hardware. */
void gen_CMPXCHG(DisasContext *dc)
{
    const X86Operand *dst = &dc->insn->op[0];
    unsigned size = dst->size;
    TCGv linear = NULL;
    TCGv d = gen_load_op(dc, dst, &linear);
    TCGv src = gen_load_op(dc, &dc->insn->op[1], NULL);
    TCGv acc = gen_tmp(dc);
    TCGv nd = gen_tmp(dc);
    TCGv nacc = gen_tmp(dc);
    TCGv r = gen_tmp(dc);

    gen_get_gpr(dc, acc, R_EAX, size);
    tcg_gen_movcond_i64(dc->s, TCG_COND_EQ, nd, d, acc, src, d);
    if (size == 4 && dc->code64) {
        /* only the register that is written is zero-extended: the
         * destination on a match, EAX otherwise */
        TCGv const *rd = dst->kind == X86_OPND_REG ?
                         &dc->g->regs[dst->reg] : NULL;
        TCGv full = gen_tmp(dc);

        if (rd) {
            tcg_gen_movcond_i64(dc->s, TCG_COND_EQ, full, d, acc, src, *rd);
            tcg_gen_mov_i64(dc->s, nacc, dc->g->regs[R_EAX]);
            tcg_gen_movcond_i64(dc->s, TCG_COND_EQ, nacc, d, acc, nacc, d);
            tcg_gen_mov_i64(dc->s, dc->g->regs[R_EAX], nacc);
            tcg_gen_mov_i64(dc->s, *rd, full);   /* EAX may be rd */
        } else {
            gen_store_op(dc, dst, nd, linear);
            tcg_gen_movcond_i64(dc->s, TCG_COND_EQ, nacc, d, acc,
                                dc->g->regs[R_EAX], d);
            tcg_gen_mov_i64(dc->s, dc->g->regs[R_EAX], nacc);
        }
    } else if (dst->kind == X86_OPND_REG) {
        /* EAX first: CMPXCHG EAX, r on a match leaves EAX = r */
        tcg_gen_movcond_i64(dc->s, TCG_COND_EQ, nacc, d, acc, acc, d);
        gen_set_gpr(dc, R_EAX, size, nacc);
        gen_store_op(dc, dst, nd, NULL);
    } else {
        tcg_gen_movcond_i64(dc->s, TCG_COND_EQ, nacc, d, acc, acc, d);
        gen_store_op(dc, dst, nd, linear);
        gen_set_gpr(dc, R_EAX, size, nacc);
    }
    tcg_gen_sub_i64(dc->s, r, acc, d);
    gen_cc_set(dc, CC_OP_SUBB, size, r, d, NULL);
}

/* XADD r/m, r: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP. */
void gen_XADD(DisasContext *dc)
{
    const X86Operand *dst = &dc->insn->op[0];
    const X86Operand *src = &dc->insn->op[1];
    TCGv linear = NULL;
    TCGv d = gen_load_op(dc, dst, &linear);
    TCGv s = gen_load_op(dc, src, NULL);
    TCGv sum = gen_tmp(dc);

    tcg_gen_add_i64(dc->s, sum, d, s);
    if (dst->kind == X86_OPND_MEM) {
        gen_store_op(dc, dst, sum, linear);
        gen_store_op(dc, src, d, NULL);
    } else {
        gen_store_op(dc, src, d, NULL);
        gen_store_op(dc, dst, sum, NULL);
    }
    gen_cc_set(dc, CC_OP_ADDB, dst->size, sum, s, NULL);
}

/* CMPXCHG8B m64: EDX:EAX against m64; ECX:EBX stored on a match, m64
 * loaded into EDX:EAX otherwise. Only ZF changes. */
void gen_CMPXCHG8B(DisasContext *dc)
{
    TCGContext *s = dc->s;
    const X86Translator *g = dc->g;
    TCGv linear = gen_op_linear(dc, &dc->insn->op[0]);
    TCGv mem = gen_tmp(dc);
    TCGv cmp = gen_tmp(dc);
    TCGv nv = gen_tmp(dc);
    TCGv res = gen_tmp(dc);
    TCGv eq = gen_tmp(dc);
    TCGv flags;

    gen_ldm(dc, mem, linear, 8);
    tcg_gen_deposit_i64(s, cmp, g->regs[R_EAX], g->regs[R_EDX], 32, 32);
    tcg_gen_deposit_i64(s, nv, g->regs[R_EBX], g->regs[R_ECX], 32, 32);
    tcg_gen_movcond_i64(s, TCG_COND_EQ, nv, mem, cmp, nv, mem);
    gen_stm(dc, nv, linear, 8);
    tcg_gen_movcond_i64(s, TCG_COND_EQ, res, mem, cmp, cmp, mem);
    tcg_gen_setcond_i64(s, TCG_COND_EQ, eq, mem, cmp);
    flags = gen_compute_eflags(dc);
    tcg_gen_ext32u(s, g->regs[R_EAX], res);
    tcg_gen_extract_i64(s, g->regs[R_EDX], res, 32, 32);
    tcg_gen_andi_i64(s, flags, flags, ~(uint64_t)CC_Z);
    tcg_gen_shli_i64(s, eq, eq, 6);                     /* ZF is bit 6 */
    tcg_gen_or_i64(s, flags, flags, eq);
    gen_set_eflags_cc(dc, flags);
}

/* ---- flag instructions ---- */

static void gen_cf_op(DisasContext *dc, TCGBinFn *fn, uint64_t mask)
{
    TCGv flags = gen_compute_eflags(dc);

    fn(dc->s, flags, flags, gen_const(dc, mask));
    gen_set_eflags_cc(dc, flags);
}

void gen_CMC(DisasContext *dc)
{
    gen_cf_op(dc, tcg_gen_xor_i64, CC_C);
}

void gen_CLC(DisasContext *dc)
{
    gen_cf_op(dc, tcg_gen_and_i64, ~(uint64_t)CC_C);
}

void gen_STC(DisasContext *dc)
{
    gen_cf_op(dc, tcg_gen_or_i64, CC_C);
}

static void gen_df_op(DisasContext *dc, bool set)
{
    TCGv t = gen_tmp(dc);

    tcg_gen_ld64(dc->s, t, offsetof(X86CPUState, eflags));
    if (set) {
        tcg_gen_ori_i64(dc->s, t, t, DF_MASK);
    } else {
        tcg_gen_andi_i64(dc->s, t, t, ~(uint64_t)DF_MASK);
    }
    tcg_gen_st64(dc->s, t, offsetof(X86CPUState, eflags));
}

void gen_CLD(DisasContext *dc)
{
    gen_df_op(dc, false);
}

void gen_STD(DisasContext *dc)
{
    gen_df_op(dc, true);
}

#define LAHF_MASK (CC_S | CC_Z | CC_A | CC_P | CC_C)

void gen_LAHF(DisasContext *dc)
{
    TCGv flags = gen_compute_eflags(dc);

    tcg_gen_andi_i64(dc->s, flags, flags, LAHF_MASK);
    tcg_gen_ori_i64(dc->s, flags, flags, 2);            /* bit 1 reads 1 */
    gen_set_gpr8h(dc, R_EAX, flags);
}

void gen_SAHF(DisasContext *dc)
{
    TCGv flags = gen_compute_eflags(dc);
    TCGv ah = gen_tmp(dc);

    gen_get_gpr8h(dc, ah, R_EAX);
    tcg_gen_andi_i64(dc->s, ah, ah, LAHF_MASK);
    tcg_gen_andi_i64(dc->s, flags, flags, CC_O);
    tcg_gen_or_i64(dc->s, flags, flags, ah);
    gen_set_eflags_cc(dc, flags);
}

void gen_SALC(DisasContext *dc)
{
    TCGv cf = gen_compute_cf(dc);

    tcg_gen_neg_i64(dc->s, cf, cf);
    gen_set_gpr(dc, R_EAX, 1, cf);
}
