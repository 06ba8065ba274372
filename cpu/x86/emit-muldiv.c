/* SPDX-License-Identifier: MIT */
/*
 * Multiply and divide: MUL, IMUL (one, two and three operands), DIV, IDIV.
 *
 * Emitters looked up by translate.c. Products are formed in 64 bits
 * inline (128 bits with mulu2/muls2 for 64-bit operands); CF=OF=1 when
 * the upper half is significant (cc_op MUL). Divides call the helpers
 * below, which raise #DE on a zero divisor or a quotient that does not fit
 * (SDM: "Divide Error"); RDX:RAX / r/m64 uses 128-bit host arithmetic.
 * Flags after DIV/IDIV are undefined; they are left unchanged.
 * Ref: Intel SDM Vol. 2A "DIV", "IDIV", "IMUL", "MUL".
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"

/*
 * Divide helpers: dividend is AX, DX:AX or EDX:EAX (2*size bytes), divisor
 * `size` bytes. Result: quotient in bits 0..31, remainder in bits 32..63.
 */
uint64_t helper_divu(X86CPUState *env, uint64_t dividend, uint64_t divisor,
                     uint64_t size);
uint64_t helper_divs(X86CPUState *env, uint64_t dividend, uint64_t divisor,
                     uint64_t size);
void helper_divq(X86CPUState *env, uint64_t divisor, uint64_t sign);

/* RDX:RAX / divisor: quotient to RAX, remainder to RDX. */
void helper_divq(X86CPUState *env, uint64_t divisor, uint64_t sign)
{
    unsigned __int128 n = (unsigned __int128)env->regs[R_EDX] << 64 |
                          env->regs[R_EAX];

    if (divisor == 0) {
        helper_raise_exception(env, EXCP_DE);
    }
    if (sign) {
        __int128 sn = (__int128)n, sd = (int64_t)divisor, q;

        if (sd == -1 && sn == (__int128)((unsigned __int128)1 << 127)) {
            helper_raise_exception(env, EXCP_DE);
        }
        q = sn / sd;
        if (q != (int64_t)q) {
            helper_raise_exception(env, EXCP_DE);
        }
        env->regs[R_EDX] = (uint64_t)(sn % sd);
        env->regs[R_EAX] = (uint64_t)q;
    } else {
        unsigned __int128 q = n / divisor;

        if (q >> 64) {
            helper_raise_exception(env, EXCP_DE);
        }
        env->regs[R_EDX] = (uint64_t)(n % divisor);
        env->regs[R_EAX] = (uint64_t)q;
    }
}

uint64_t helper_divu(X86CPUState *env, uint64_t dividend, uint64_t divisor,
                     uint64_t size)
{
    uint64_t q;

    if (divisor == 0) {
        helper_raise_exception(env, EXCP_DE);
    }
    q = dividend / divisor;
    if (q > x86_size_mask(size)) {
        helper_raise_exception(env, EXCP_DE);
    }
    return q | (dividend % divisor) << 32;
}

static int64_t sext(uint64_t v, unsigned bits)
{
    return bits >= 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
}

uint64_t helper_divs(X86CPUState *env, uint64_t dividend, uint64_t divisor,
                     uint64_t size)
{
    unsigned bits = size * 8;
    int64_t n = sext(dividend, bits * 2);
    int64_t d = sext(divisor, bits);
    int64_t q, r;

    if (d == 0 || (n == INT64_MIN && d == -1)) {
        helper_raise_exception(env, EXCP_DE);
    }
    q = n / d;
    r = n % d;
    if (q != sext(q, bits)) {
        helper_raise_exception(env, EXCP_DE);
    }
    return ((uint64_t)q & x86_size_mask(size)) |
           ((uint64_t)r & x86_size_mask(size)) << 32;
}

/* Write a double-width result: AX (byte), DX:AX, EDX:EAX. */
static void gen_store_wide(DisasContext *dc, unsigned size, TCGv lo, TCGv hi)
{
    if (size == 1) {
        TCGv ax = gen_tmp(dc);

        tcg_gen_deposit_i64(dc->s, ax, lo, hi, 8, 8);
        gen_set_gpr(dc, R_EAX, 2, ax);
    } else {
        gen_set_gpr(dc, R_EAX, size, lo);
        gen_set_gpr(dc, R_EDX, size, hi);
    }
}

/* One-operand MUL/IMUL: accumulator times r/m, double-width result. */
static void gen_mul_acc(DisasContext *dc, bool sign)
{
    const X86Operand *op = &dc->insn->op[0];
    unsigned size = op->size, bits = size * 8;
    TCGv b = gen_load_op(dc, op, NULL);
    TCGv a = gen_tmp(dc);
    TCGv prod = gen_tmp(dc);
    TCGv lo = gen_tmp(dc);
    TCGv hi = gen_tmp(dc);
    TCGv ovf = gen_tmp(dc);

    gen_get_gpr(dc, a, R_EAX, size);
    if (size == 8) {
        (sign ? tcg_gen_muls2_i64 : tcg_gen_mulu2_i64)(dc->s, lo, hi, a, b);
        if (sign) {
            tcg_gen_sari_i64(dc->s, ovf, lo, 63);
            tcg_gen_sub_i64(dc->s, ovf, hi, ovf);
        } else {
            tcg_gen_mov_i64(dc->s, ovf, hi);
        }
        gen_store_wide(dc, size, lo, hi);
        gen_cc_set(dc, CC_OP_MULB, size, lo, ovf, NULL);
        return;
    }
    if (sign) {
        gen_ext(dc, a, a, size, true);
        gen_ext(dc, b, b, size, true);
    }
    tcg_gen_mul_i64(dc->s, prod, a, b);
    gen_ext(dc, lo, prod, size, false);
    tcg_gen_extract_i64(dc->s, hi, prod, bits, bits);
    if (sign) {
        /* overflow: the product differs from its sign-extended low half */
        gen_ext(dc, ovf, prod, size, true);
        tcg_gen_sub_i64(dc->s, ovf, prod, ovf);
    } else {
        tcg_gen_mov_i64(dc->s, ovf, hi);
    }
    gen_store_wide(dc, size, lo, hi);
    gen_cc_set(dc, CC_OP_MULB, size, lo, ovf, NULL);
}

void gen_MUL(DisasContext *dc)
{
    gen_mul_acc(dc, false);
}

/* IMUL r/m; IMUL r, r/m; IMUL r, r/m, imm: truncated signed product. */
void gen_IMUL(DisasContext *dc)
{
    const X86Insn *insn = dc->insn;
    unsigned size = insn->op[0].size;
    TCGv a, b, prod, ovf;

    if (insn->nops == 1) {
        gen_mul_acc(dc, true);
        return;
    }
    if (insn->nops == 3) {
        a = gen_load_op(dc, &insn->op[1], NULL);
        b = gen_load_op(dc, &insn->op[2], NULL);
    } else {
        a = gen_load_op(dc, &insn->op[0], NULL);
        b = gen_load_op(dc, &insn->op[1], NULL);
    }
    prod = gen_tmp(dc);
    ovf = gen_tmp(dc);
    if (size == 8) {
        TCGv hi = gen_tmp(dc);

        tcg_gen_muls2_i64(dc->s, prod, hi, a, b);
        tcg_gen_sari_i64(dc->s, ovf, prod, 63);
        tcg_gen_sub_i64(dc->s, ovf, hi, ovf);
        gen_set_gpr(dc, insn->op[0].reg, size, prod);
        gen_cc_set(dc, CC_OP_MULB, size, prod, ovf, NULL);
        return;
    }
    gen_ext(dc, a, a, size, true);
    gen_ext(dc, b, b, size, true);
    tcg_gen_mul_i64(dc->s, prod, a, b);
    gen_ext(dc, ovf, prod, size, true);
    tcg_gen_sub_i64(dc->s, ovf, prod, ovf);
    gen_set_gpr(dc, insn->op[0].reg, size, prod);
    gen_cc_set(dc, CC_OP_MULB, size, prod, ovf, NULL);
}

static void gen_div(DisasContext *dc, bool sign)
{
    const X86Operand *op = &dc->insn->op[0];
    unsigned size = op->size;
    TCGv divisor = gen_load_op(dc, op, NULL);
    TCGv n = gen_tmp(dc);
    TCGv res = gen_tmp(dc);
    TCGv q = gen_tmp(dc);
    TCGv r = gen_tmp(dc);

    if (size == 8) {
        gen_update_eip_cur(dc);
        gen_helper(dc, helper_divq, NULL, divisor, gen_const(dc, sign));
        return;
    }
    if (size == 1) {
        gen_get_gpr(dc, n, R_EAX, 2);
    } else {
        TCGv hi = gen_tmp(dc);

        gen_get_gpr(dc, n, R_EAX, size);
        gen_get_gpr(dc, hi, R_EDX, size);
        tcg_gen_deposit_i64(dc->s, n, n, hi, size * 8, size * 8);
    }
    gen_update_eip_cur(dc);             /* #DE is raised at this insn */
    gen_helper(dc, sign ? helper_divs : helper_divu, res, n, divisor,
               gen_const(dc, size));
    tcg_gen_ext32u(dc->s, q, res);
    tcg_gen_extract_i64(dc->s, r, res, 32, 32);
    gen_store_wide(dc, size, q, r);
}

void gen_DIV(DisasContext *dc)
{
    gen_div(dc, false);
}

void gen_IDIV(DisasContext *dc)
{
    gen_div(dc, true);
}
