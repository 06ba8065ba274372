/* SPDX-License-Identifier: MIT */
/*
 * Shifts and rotates: SHL/SAL SHR SAR, ROL ROR, RCL RCR, SHLD SHRD.
 *
 * Emitters looked up by translate.c. Counts are masked to 5 bits; a masked
 * count of 0 changes neither the destination's bits nor the flags (a 32-bit
 * register in 64-bit mode is zero-extended all the same), so a count in
 * CL selects the old flags with movcond (no branch). Shifts leave lazy
 * flags (cc_op SHL/SAR with the value shifted by count-1); rotates compute
 * CF and OF into EFLAGS (the other flags only when they are live: see
 * dc->cc_live); RCL/RCR call helper_rcl/helper_rcr below.
 * OF is computed for every count by the 1-bit formula (the SDM leaves it
 * undefined for counts > 1); AF is 0 after shifts (undefined).
 * SHLD/SHRD with a 16-bit operand and a count over 16 (undefined) shift in
 * the destination's own bits again, as P6-family processors do.
 * Ref: Intel SDM Vol. 2B "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD",
 * "SHRD".
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"

uint64_t helper_rcl(X86CPUState *env, uint64_t val, uint64_t count,
                    uint64_t size, uint64_t flags);
uint64_t helper_rcr(X86CPUState *env, uint64_t val, uint64_t count,
                    uint64_t size, uint64_t flags);
uint64_t helper_rcl64(X86CPUState *env, uint64_t val, uint64_t count,
                      uint64_t flags);
uint64_t helper_rcr64(X86CPUState *env, uint64_t val, uint64_t count,
                      uint64_t flags);

/* Rotate `val` of `size` bytes through CF; *flags gets the new CF/OF. */
static uint64_t rotate_carry(uint64_t val, unsigned count, unsigned size,
                             uint64_t *flags, bool left)
{
    unsigned bits = size * 8;
    uint64_t mask = x86_size_mask(size);
    uint64_t cf = *flags & CC_C;
    uint64_t res = val, of;

    count &= size == 8 ? 0x3f : 0x1f;
    if (count == 0) {
        return val;
    }
    count %= bits + 1;
    for (unsigned i = 0; i < count; i++) {
        uint64_t out = left ? (res >> (bits - 1)) & 1 : res & 1;

        res = left ? ((res << 1) | cf) & mask
                   : (res >> 1) | cf << (bits - 1);
        cf = out;
    }
    /* RCL: OF = MSB xor CF; RCR: the two top bits of the result differ */
    of = left ? ((res >> (bits - 1)) & 1) ^ cf
              : ((res >> (bits - 1)) ^ (res >> (bits - 2))) & 1;
    *flags = (*flags & ~(uint64_t)(CC_C | CC_O)) | cf | (of ? CC_O : 0);
    return res;
}

/*
 * RCL/RCR through CF up to 32 bits: returns the result in bits 0..31 and
 * the new flags (only CF and OF changed) in bits 32..63.
 */
uint64_t helper_rcl(X86CPUState *env, uint64_t val, uint64_t count,
                    uint64_t size, uint64_t flags)
{
    uint64_t res = rotate_carry(val, count, size, &flags, true);

    return res | flags << 32;
}

uint64_t helper_rcr(X86CPUState *env, uint64_t val, uint64_t count,
                    uint64_t size, uint64_t flags)
{
    uint64_t res = rotate_carry(val, count, size, &flags, false);

    return res | flags << 32;
}

/* 64-bit RCL/RCR: the result is returned, the flags go to env as
 * CC_OP_EFLAGS. */
uint64_t helper_rcl64(X86CPUState *env, uint64_t val, uint64_t count,
                      uint64_t flags)
{
    uint64_t res = rotate_carry(val, count, 8, &flags, true);

    x86_cpu_set_eflags(env, (env->eflags & ~(uint64_t)CC_MASK) | flags);
    return res;
}

uint64_t helper_rcr64(X86CPUState *env, uint64_t val, uint64_t count,
                      uint64_t flags)
{
    uint64_t res = rotate_carry(val, count, 8, &flags, false);

    x86_cpu_set_eflags(env, (env->eflags & ~(uint64_t)CC_MASK) | flags);
    return res;
}

/* The count operand, masked: *is_const / *cval tell a constant. */
static TCGv gen_shift_count(DisasContext *dc, const X86Operand *op,
                            bool *is_const, unsigned *cval)
{
    unsigned mask = dc->insn->op[0].size == 8 ? 0x3f : 0x1f;
    TCGv c;

    *is_const = op->kind == X86_OPND_IMM;
    *cval = op->imm & mask;
    if (*is_const) {
        return gen_const(dc, *cval);
    }
    c = gen_load_op(dc, op, NULL);
    tcg_gen_andi_i64(dc->s, c, c, mask);
    return c;
}

/* A constant count of 0 changes no flag and no bit, but a 32-bit register
 * is still written: in 64-bit mode its upper half clears, as on hardware
 * (found by tests/diff/diff-run). */
static void gen_shift_zero(DisasContext *dc, const X86Operand *dst, TCGv x,
                           TCGv linear)
{
    if (dc->code64 && dst->kind == X86_OPND_REG && dst->size == 4) {
        gen_store_op(dc, dst, x, linear);
    }
}

/* Select new or old cc state by count != 0 (variable counts). */
static void gen_cc_select(DisasContext *dc, TCGv count, CCOp op, TCGv dst,
                          TCGv src)
{
    TCGContext *s = dc->s;
    const X86Translator *g = dc->g;
    TCGv zero = gen_const(dc, 0);

    if (!dc->cc_live) {
        return;                         /* dead flags: keep the old state */
    }
    tcg_gen_movcond_i64(s, TCG_COND_NE, g->cc_dst, count, zero, dst,
                        g->cc_dst);
    tcg_gen_movcond_i64(s, TCG_COND_NE, g->cc_src, count, zero, src,
                        g->cc_src);
    tcg_gen_movcond_i64(s, TCG_COND_NE, g->cc_op, count, zero,
                        gen_const(dc, op), g->cc_op);
    gen_set_cc_op(dc, CC_OP_DYNAMIC);
}

/*
 * Store a shift result and its lazy flags: res = destination after the
 * shift, tmp = after count-1 steps, x = before (for a zero count).
 */
static void gen_shift_finish(DisasContext *dc, const X86Operand *dst,
                             TCGv linear, TCGv x, TCGv res, TCGv tmp,
                             TCGv count, bool is_const, CCOp base)
{
    unsigned size = dst->size;
    CCOp op = cc_op_sized(base, size);

    gen_ext(dc, res, res, size, false);
    gen_ext(dc, tmp, tmp, size, false);
    if (is_const) {
        gen_store_op(dc, dst, res, linear);
        gen_cc_set(dc, base, size, res, tmp, NULL);
        return;
    }
    tcg_gen_movcond_i64(dc->s, TCG_COND_NE, res, count, gen_const(dc, 0),
                        res, x);
    gen_store_op(dc, dst, res, linear);
    gen_cc_select(dc, count, op, res, tmp);
}

typedef enum ShiftKind { SHIFT_SHL, SHIFT_SHR, SHIFT_SAR } ShiftKind;

static void gen_shift(DisasContext *dc, ShiftKind kind)
{
    TCGContext *s = dc->s;
    const X86Operand *dst = &dc->insn->op[0];
    TCGv linear = NULL;
    TCGv x = gen_load_op(dc, dst, &linear);
    bool is_const;
    unsigned cval;
    TCGv count = gen_shift_count(dc, &dc->insn->op[1], &is_const, &cval);
    TCGv cm1 = gen_tmp(dc);
    TCGv v = gen_tmp(dc);
    TCGv tmp = gen_tmp(dc);
    TCGv res = gen_tmp(dc);

    if (is_const && cval == 0) {
        gen_shift_zero(dc, dst, x, linear);
        return;
    }
    tcg_gen_subi_i64(s, cm1, count, 1);
    tcg_gen_andi_i64(s, cm1, cm1, 63);
    if (kind == SHIFT_SHL) {
        tcg_gen_shl_i64(s, tmp, x, cm1);
        tcg_gen_shli_i64(s, res, tmp, 1);
    } else {
        gen_ext(dc, v, x, dst->size, kind == SHIFT_SAR);
        (kind == SHIFT_SAR ? tcg_gen_sar_i64 : tcg_gen_shr_i64)(s, tmp, v,
                                                               cm1);
        (kind == SHIFT_SAR ? tcg_gen_sari_i64 : tcg_gen_shri_i64)(s, res,
                                                                 tmp, 1);
    }
    gen_shift_finish(dc, dst, linear, x, res, tmp, count, is_const,
                     kind == SHIFT_SHL ? CC_OP_SHLB : CC_OP_SARB);
}

void gen_SHL(DisasContext *dc)
{
    gen_shift(dc, SHIFT_SHL);
}

void gen_SAL(DisasContext *dc)
{
    gen_shift(dc, SHIFT_SHL);
}

void gen_SHR(DisasContext *dc)
{
    gen_shift(dc, SHIFT_SHR);
}

void gen_SAR(DisasContext *dc)
{
    gen_shift(dc, SHIFT_SAR);
}

/* ROL/ROR: 8- and 16-bit values are replicated to 32 bits and rotated
 * there, which is a rotate modulo their width. */
static void gen_rotate(DisasContext *dc, bool left)
{
    TCGContext *s = dc->s;
    const X86Operand *dst = &dc->insn->op[0];
    unsigned size = dst->size, bits = size * 8;
    TCGv linear = NULL;
    TCGv x = gen_load_op(dc, dst, &linear);
    bool is_const;
    unsigned cval;
    TCGv count = gen_shift_count(dc, &dc->insn->op[1], &is_const, &cval);
    TCGv v = gen_tmp(dc);
    TCGv res = gen_tmp(dc);
    TCGv cf = gen_tmp(dc);
    TCGv of = gen_tmp(dc);
    TCGv old, keep, flags;

    if (is_const && cval == 0) {
        gen_shift_zero(dc, dst, x, linear);
        return;
    }
    if (size == 1) {
        tcg_gen_muli_i64(s, v, x, 0x01010101);
    } else if (size == 2) {
        tcg_gen_deposit_i64(s, v, x, x, 16, 16);
    } else {
        tcg_gen_mov_i64(s, v, x);
    }
    if (size == 8) {
        (left ? tcg_gen_rotl_i64 : tcg_gen_rotr_i64)(s, res, v, count);
    } else {
        (left ? tcg_gen_rotl_i32 : tcg_gen_rotr_i32)(s, res, v, count);
    }
    gen_ext(dc, res, res, size, false);
    if (left) {
        /* CF = LSB of the result; OF = MSB xor CF */
        tcg_gen_andi_i64(s, cf, res, 1);
        tcg_gen_shri_i64(s, of, res, bits - 1);
        tcg_gen_xor_i64(s, of, of, cf);
    } else {
        /* CF = MSB; OF = MSB xor the bit below it */
        tcg_gen_shri_i64(s, cf, res, bits - 1);
        tcg_gen_shri_i64(s, of, res, bits - 2);
        tcg_gen_xor_i64(s, of, of, cf);
        tcg_gen_andi_i64(s, of, of, 1);
    }
    if (!is_const) {
        tcg_gen_movcond_i64(s, TCG_COND_NE, res, count, gen_const(dc, 0),
                            res, x);
    }
    gen_store_op(dc, dst, res, linear);
    if (!dc->cc_live) {
        return;                         /* dead flags: keep the old state */
    }
    tcg_gen_shli_i64(s, of, of, 11);                    /* OF is bit 11 */
    flags = gen_tmp(dc);
    tcg_gen_or_i64(s, flags, cf, of);
    if (is_const && !(dc->cc_live & ~(CC_C | CC_O))) {
        gen_set_eflags_cc(dc, flags);   /* the other flags are dead */
        return;
    }
    old = gen_compute_eflags(dc);
    keep = gen_tmp(dc);
    tcg_gen_andi_i64(s, keep, old, ~(uint64_t)(CC_C | CC_O));
    tcg_gen_or_i64(s, flags, flags, keep);
    if (!is_const) {
        tcg_gen_movcond_i64(s, TCG_COND_NE, flags, count, gen_const(dc, 0),
                            flags, old);
    }
    gen_set_eflags_cc(dc, flags);
}

void gen_ROL(DisasContext *dc)
{
    gen_rotate(dc, true);
}

void gen_ROR(DisasContext *dc)
{
    gen_rotate(dc, false);
}

static void gen_rotate_carry(DisasContext *dc, void *fn)
{
    TCGContext *s = dc->s;
    const X86Operand *dst = &dc->insn->op[0];
    const X86Operand *cnt = &dc->insn->op[1];
    TCGv linear = NULL;
    TCGv x = gen_load_op(dc, dst, &linear);
    TCGv count, flags, ret, res;

    if (cnt->kind == X86_OPND_IMM &&
        (cnt->imm & (dst->size == 8 ? 0x3f : 0x1f)) == 0) {
        gen_shift_zero(dc, dst, x, linear);
        return;
    }
    count = gen_load_op(dc, cnt, NULL);
    flags = gen_compute_eflags(dc);
    ret = gen_tmp(dc);
    res = gen_tmp(dc);
    if (dst->size == 8) {
        gen_update_eip_cur(dc);
        tcg_gen_call(s, fn == (void *)helper_rcl ? (void *)helper_rcl64
                                                 : (void *)helper_rcr64,
                     0, res, 3, (TCGv[]){ x, count, flags });
        gen_store_op(dc, dst, res, linear);
        dc->cc_op = CC_OP_EFLAGS;       /* stored by the helper */
        return;
    }
    tcg_gen_call(s, fn, TCG_CALL_PURE, ret, 4,
                 (TCGv[]){ x, count, gen_const(dc, dst->size), flags });
    tcg_gen_ext32u(s, res, ret);
    gen_store_op(dc, dst, res, linear);
    tcg_gen_shri_i64(s, ret, ret, 32);
    gen_set_eflags_cc(dc, ret);
}

void gen_RCL(DisasContext *dc)
{
    gen_rotate_carry(dc, (void *)helper_rcl);
}

void gen_RCR(DisasContext *dc)
{
    gen_rotate_carry(dc, (void *)helper_rcr);
}

/*
 * 64-bit SHLD/SHRD by cm1 + 1 (1..63): tmp = after cm1 steps, res = after
 * one more, each built from both operands without a 128-bit value.
 */
static void gen_double_shift64(DisasContext *dc, bool left, TCGv x, TCGv y,
                               TCGv cm1, TCGv tmp, TCGv res)
{
    TCGContext *s = dc->s;
    TCGv a = gen_tmp(dc);
    TCGv b = gen_tmp(dc);
    TCGv inv = gen_tmp(dc);

    tcg_gen_xori_i64(s, inv, cm1, 63);                  /* 63 - cm1 */
    if (left) {
        tcg_gen_shl_i64(s, a, x, cm1);
        tcg_gen_shri_i64(s, b, y, 1);
        tcg_gen_shr_i64(s, b, b, inv);                  /* y >> (64-cm1) */
        tcg_gen_or_i64(s, tmp, a, b);
        tcg_gen_shr_i64(s, b, y, inv);
        tcg_gen_andi_i64(s, b, b, 1);
        tcg_gen_shli_i64(s, res, tmp, 1);
        tcg_gen_or_i64(s, res, res, b);
    } else {
        tcg_gen_shr_i64(s, a, x, cm1);
        tcg_gen_shli_i64(s, b, y, 1);
        tcg_gen_shl_i64(s, b, b, inv);                  /* y << (64-cm1) */
        tcg_gen_or_i64(s, tmp, a, b);
        tcg_gen_shr_i64(s, b, y, cm1);
        tcg_gen_shli_i64(s, b, b, 63);
        tcg_gen_shri_i64(s, res, tmp, 1);
        tcg_gen_or_i64(s, res, res, b);
    }
}

/*
 * SHLD/SHRD: the destination and the source are joined into one 64-bit
 * value and shifted; for 16 bits the destination is repeated above
 * (dest:src:dest), which gives the P6 result for counts over 16.
 */
static void gen_double_shift(DisasContext *dc, bool left)
{
    TCGContext *s = dc->s;
    const X86Operand *dst = &dc->insn->op[0];
    unsigned size = dst->size, bits = size * 8;
    TCGv linear = NULL;
    TCGv x = gen_load_op(dc, dst, &linear);
    TCGv y = gen_load_op(dc, &dc->insn->op[1], NULL);
    bool is_const;
    unsigned cval;
    TCGv count = gen_shift_count(dc, &dc->insn->op[2], &is_const, &cval);
    TCGv cat = gen_tmp(dc);
    TCGv cm1 = gen_tmp(dc);
    TCGv tmp = gen_tmp(dc);
    TCGv res = gen_tmp(dc);

    if (is_const && cval == 0) {
        gen_shift_zero(dc, dst, x, linear);
        return;
    }
    tcg_gen_subi_i64(s, cm1, count, 1);
    tcg_gen_andi_i64(s, cm1, cm1, 63);
    if (bits == 64) {
        gen_double_shift64(dc, left, x, y, cm1, tmp, res);
    } else if (left) {
        /* 32: dest:src ; 16: dest:src:dest:0 ; take the top `bits` */
        if (bits == 32) {
            tcg_gen_deposit_i64(s, cat, y, x, 32, 32);
        } else {
            tcg_gen_shli_i64(s, cat, x, 16);
            tcg_gen_deposit_i64(s, cat, cat, y, 32, 16);
            tcg_gen_deposit_i64(s, cat, cat, x, 48, 16);
        }
        tcg_gen_shl_i64(s, tmp, cat, cm1);
        tcg_gen_shli_i64(s, res, tmp, 1);
        tcg_gen_shri_i64(s, tmp, tmp, 64 - bits);
        tcg_gen_shri_i64(s, res, res, 64 - bits);
    } else {
        /* 32: src:dest ; 16: dest:src:dest ; take the bottom `bits` */
        tcg_gen_deposit_i64(s, cat, x, y, bits, bits);
        if (bits == 16) {
            tcg_gen_deposit_i64(s, cat, cat, x, 32, 16);
        }
        tcg_gen_shr_i64(s, tmp, cat, cm1);
        tcg_gen_shri_i64(s, res, tmp, 1);
    }
    gen_shift_finish(dc, dst, linear, x, res, tmp, count, is_const,
                     left ? CC_OP_SHLB : CC_OP_SARB);
}

void gen_SHLD(DisasContext *dc)
{
    gen_double_shift(dc, true);
}

void gen_SHRD(DisasContext *dc)
{
    gen_double_shift(dc, false);
}
