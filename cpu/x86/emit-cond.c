/* SPDX-License-Identifier: MIT */
/*
 * Conditions and conditional instructions: Jcc, SETcc, CMOVcc, JCXZ/JECXZ,
 * LOOP, LOOPE, LOOPNE.
 *
 * Emitters looked up by translate.c. gen_prepare_cc() turns condition
 * 0..15 into one TCG comparison. When the translator knows the last
 * flag-setting operation (dc->cc_op), the common conditions are compared
 * straight from its operands, without computing EFLAGS: after CMP/SUB,
 * B/BE/L/LE/Z/S compare the original operands; after logic ops, ADD,
 * INC/DEC and shifts, Z and S test the result. Anything else computes the
 * six flags (helper_cc_compute_all) and tests bits.
 * Ref: Intel SDM Vol. 1 appendix B (EFLAGS condition codes), Vol. 2A
 * "Jcc", "SETcc", "CMOVcc", "LOOP/LOOPcc".
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"

/* Conditions in pairs: cc = 2 * kind + negate */
enum { JCC_O, JCC_B, JCC_Z, JCC_BE, JCC_S, JCC_P, JCC_L, JCC_LE };

typedef struct CCPrepare {
    TCGCond cond;
    TCGv a;
    TCGv b;
} CCPrepare;

static const TCGCond cond_inverse[] = {
    [TCG_COND_NEVER] = TCG_COND_ALWAYS, [TCG_COND_ALWAYS] = TCG_COND_NEVER,
    [TCG_COND_EQ] = TCG_COND_NE, [TCG_COND_NE] = TCG_COND_EQ,
    [TCG_COND_LT] = TCG_COND_GE, [TCG_COND_GE] = TCG_COND_LT,
    [TCG_COND_LE] = TCG_COND_GT, [TCG_COND_GT] = TCG_COND_LE,
    [TCG_COND_LTU] = TCG_COND_GEU, [TCG_COND_GEU] = TCG_COND_LTU,
    [TCG_COND_LEU] = TCG_COND_GTU, [TCG_COND_GTU] = TCG_COND_LEU,
    [TCG_COND_TSTEQ] = TCG_COND_TSTNE, [TCG_COND_TSTNE] = TCG_COND_TSTEQ,
};

/* Bits of the computed flags that make each condition true; L and LE
 * first fold SF^OF (and ZF) into bit 11 (see gen_prepare_flags). */
static const uint32_t jcc_flag_mask[8] = {
    [JCC_O] = CC_O, [JCC_B] = CC_C, [JCC_Z] = CC_Z, [JCC_BE] = CC_C | CC_Z,
    [JCC_S] = CC_S, [JCC_P] = CC_P, [JCC_L] = CC_O, [JCC_LE] = CC_O,
};

static CCPrepare cc_test(DisasContext *dc, TCGv v, uint64_t mask)
{
    return (CCPrepare) { TCG_COND_TSTNE, v, gen_const(dc, mask) };
}

/* From the six flags in v (CC_MASK layout). */
static CCPrepare gen_prepare_flags(DisasContext *dc, unsigned kind, TCGv v)
{
    if (kind == JCC_L || kind == JCC_LE) {
        TCGv t = gen_tmp(dc);

        tcg_gen_shli_i64(dc->s, t, v, 4);               /* SF -> bit 11 */
        tcg_gen_xor_i64(dc->s, t, t, v);
        if (kind == JCC_LE) {
            TCGv z = gen_tmp(dc);

            tcg_gen_shli_i64(dc->s, z, v, 5);           /* ZF -> bit 11 */
            tcg_gen_or_i64(dc->s, t, t, z);
        }
        v = t;
    }
    return cc_test(dc, v, jcc_flag_mask[kind]);
}

/* After SUB/CMP: compare the operands (src1 = dst + src). */
static bool gen_prepare_sub(DisasContext *dc, unsigned kind, unsigned size,
                            CCPrepare *p)
{
    const X86Translator *g = dc->g;
    TCGv src1, b;
    bool sign = kind == JCC_L || kind == JCC_LE;

    if (kind != JCC_B && kind != JCC_BE && !sign) {
        return false;
    }
    src1 = gen_tmp(dc);
    tcg_gen_add_i64(dc->s, src1, g->cc_dst, g->cc_src);
    gen_ext(dc, src1, src1, size, sign);
    b = g->cc_src;
    if (sign) {
        b = gen_tmp(dc);
        gen_ext(dc, b, g->cc_src, size, true);
    }
    *p = (CCPrepare) {
        kind == JCC_B ? TCG_COND_LTU : kind == JCC_BE ? TCG_COND_LEU :
        kind == JCC_L ? TCG_COND_LT : TCG_COND_LE, src1, b };
    return true;
}

/* After a logic op: CF = OF = 0, so L is S and LE is S or Z. */
static bool gen_prepare_logic(DisasContext *dc, unsigned kind,
                              unsigned size, CCPrepare *p)
{
    TCGv r;

    switch (kind) {
    case JCC_O:
    case JCC_B:
        *p = cc_test(dc, gen_const(dc, 0), 1);          /* never */
        return true;
    case JCC_BE:
        *p = (CCPrepare) { TCG_COND_EQ, dc->g->cc_dst, gen_const(dc, 0) };
        return true;
    case JCC_L:
    case JCC_LE:
        r = gen_tmp(dc);
        gen_ext(dc, r, dc->g->cc_dst, size, true);
        *p = (CCPrepare) { kind == JCC_L ? TCG_COND_LT : TCG_COND_LE, r,
                           gen_const(dc, 0) };
        return true;
    default:
        return false;
    }
}

static CCPrepare gen_prepare_cc(DisasContext *dc, unsigned cc)
{
    unsigned kind = cc >> 1;
    int op = dc->cc_op;
    CCPrepare p;
    bool done = false;

    if (op == CC_OP_EFLAGS) {
        p = gen_prepare_flags(dc, kind, dc->g->cc_src);
        done = true;
    } else if (op >= CC_OP_ADDB && cc_op_base(op) != CC_OP_ADCB &&
               cc_op_base(op) != CC_OP_SBBB) {
        unsigned size = 1u << cc_op_size_log2(op);

        if (kind == JCC_Z) {
            p = (CCPrepare) { TCG_COND_EQ, dc->g->cc_dst, gen_const(dc, 0) };
            done = true;
        } else if (kind == JCC_S) {
            p = cc_test(dc, dc->g->cc_dst, x86_sign_bit(size));
            done = true;
        } else if (cc_op_base(op) == CC_OP_SUBB) {
            done = gen_prepare_sub(dc, kind, size, &p);
        } else if (cc_op_base(op) == CC_OP_LOGICB) {
            done = gen_prepare_logic(dc, kind, size, &p);
        } else if (kind == JCC_B) {
            p = cc_test(dc, gen_compute_cf(dc), 1);
            done = true;
        }
    }
    if (!done) {
        p = gen_prepare_flags(dc, kind, gen_compute_eflags(dc));
    }
    if (cc & 1) {
        p.cond = cond_inverse[p.cond];
    }
    return p;
}

void gen_jcc_label(DisasContext *dc, unsigned cc, TCGLabel *l)
{
    CCPrepare p = gen_prepare_cc(dc, cc);

    tcg_gen_brcond_i64(dc->s, p.cond, p.a, p.b, l);
}

void gen_setcc_value(DisasContext *dc, unsigned cc, TCGv d)
{
    CCPrepare p = gen_prepare_cc(dc, cc);

    tcg_gen_setcond_i64(dc->s, p.cond, d, p.a, p.b);
}

/* Taken: target through slot 1; not taken: next instruction, slot 0. */
static void gen_branch_to_label(DisasContext *dc, TCGLabel *taken)
{
    uint64_t target = x86_branch_eip(dc, x86_rel_target(dc->insn, dc->eip));

    gen_jmp_tb(dc, dc->next_eip, 0);
    gen_set_label(dc->s, taken);
    gen_jmp_tb(dc, target, 1);
}

static void gen_jcc(DisasContext *dc, unsigned cc)
{
    TCGLabel *taken = gen_new_label(dc->s);

    gen_jcc_label(dc, cc, taken);
    gen_branch_to_label(dc, taken);
}

static void gen_setcc(DisasContext *dc, unsigned cc)
{
    TCGv v = gen_tmp(dc);

    gen_setcc_value(dc, cc, v);
    gen_store_op(dc, &dc->insn->op[0], v, NULL);
}

/* CMOVcc: the source is read (and may fault) whatever the condition. */
static void gen_cmov(DisasContext *dc, unsigned cc)
{
    const X86Operand *dst = &dc->insn->op[0];
    TCGv src = gen_load_op(dc, &dc->insn->op[1], NULL);
    TCGv old = gen_load_op(dc, dst, NULL);
    CCPrepare p = gen_prepare_cc(dc, cc);

    tcg_gen_movcond_i64(dc->s, p.cond, src, p.a, p.b, src, old);
    gen_store_op(dc, dst, src, NULL);
}

#define CC_EMITTERS(cc, name)                   \
    void gen_J##name(DisasContext *dc)          \
    {                                           \
        gen_jcc(dc, cc);                        \
    }                                           \
    void gen_SET##name(DisasContext *dc)        \
    {                                           \
        gen_setcc(dc, cc);                      \
    }                                           \
    void gen_CMOV##name(DisasContext *dc)       \
    {                                           \
        gen_cmov(dc, cc);                       \
    }

CC_EMITTERS(0, O)
CC_EMITTERS(1, NO)
CC_EMITTERS(2, B)
CC_EMITTERS(3, AE)
CC_EMITTERS(4, E)
CC_EMITTERS(5, NE)
CC_EMITTERS(6, BE)
CC_EMITTERS(7, A)
CC_EMITTERS(8, S)
CC_EMITTERS(9, NS)
CC_EMITTERS(10, P)
CC_EMITTERS(11, NP)
CC_EMITTERS(12, L)
CC_EMITTERS(13, GE)
CC_EMITTERS(14, LE)
CC_EMITTERS(15, G)

/* JCXZ/JECXZ: the count register is CX or ECX by address size. */
void gen_JCXZ(DisasContext *dc)
{
    TCGLabel *taken = gen_new_label(dc->s);
    TCGv cx = gen_tmp(dc);

    gen_get_gpr(dc, cx, R_ECX, dc->insn->addr_size);
    tcg_gen_brcondi_i64(dc->s, TCG_COND_EQ, cx, 0, taken);
    gen_branch_to_label(dc, taken);
}

/* LOOP/LOOPE/LOOPNE: decrement (E)CX without touching flags; jump when
 * it is not zero and (LOOPE) ZF=1 / (LOOPNE) ZF=0. zf_cc: 4 for E, 5 for
 * NE (the condition that must hold), -1 for plain LOOP. */
static void gen_loop(DisasContext *dc, int zf_cc)
{
    unsigned asz = dc->insn->addr_size;
    TCGLabel *taken = gen_new_label(dc->s);
    TCGLabel *not_taken = gen_new_label(dc->s);
    TCGv cx = gen_tmp(dc);

    gen_get_gpr(dc, cx, R_ECX, asz);
    tcg_gen_subi_i64(dc->s, cx, cx, 1);
    gen_set_gpr(dc, R_ECX, asz, cx);
    gen_ext(dc, cx, cx, asz, false);
    if (zf_cc < 0) {
        tcg_gen_brcondi_i64(dc->s, TCG_COND_NE, cx, 0, taken);
    } else {
        tcg_gen_brcondi_i64(dc->s, TCG_COND_EQ, cx, 0, not_taken);
        gen_jcc_label(dc, zf_cc, taken);
    }
    gen_set_label(dc->s, not_taken);
    gen_branch_to_label(dc, taken);
}

void gen_LOOP(DisasContext *dc)
{
    gen_loop(dc, -1);
}

void gen_LOOPE(DisasContext *dc)
{
    gen_loop(dc, 4);
}

void gen_LOOPNE(DisasContext *dc)
{
    gen_loop(dc, 5);
}
