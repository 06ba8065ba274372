/* SPDX-License-Identifier: MIT */
/*
 * x86-64 lowering of the value ops: two-operand ALU forms with immediates,
 * LEA for three-operand adds, shifts and rotates (by constant, or by CL),
 * IMUL, MUL/IMUL for the double-width products, MOVZX/MOVSX extensions,
 * BSWAP, deposit/extract by masks and shifts, SETcc and CMOVcc.
 * Called by codegen.c for each value op. `_i32` ops use 32-bit operand
 * size, which zero-extends the result as the IR requires.
 * Ref: Intel SDM Vol. 2 (ADD, LEA, SHL/SHR/SAR, ROL/ROR, IMUL, MUL,
 * MOVZX, MOVSX/MOVSXD, BSWAP, SETcc, CMOVcc, TEST).
 * Missing: BMI1/BMI2 forms (ANDN, SHLX) on hosts that have them.
 */
#include "kestrel/osdep.h"
#include "tcg/tcg-eval.h"
#include "tcg/x86_64/emit.h"

enum { BK_ALU, BK_SHIFT, BK_MUL, BK_ANDC };

typedef struct X86Binop {
    uint8_t kind;
    uint8_t code;                       /* ALU_* or SH_* */
    bool commutes;
} X86Binop;

#define BINOP(name, k, c, comm) \
    [INDEX_op_##name##_i32] = { k, c, comm }, \
    [INDEX_op_##name##_i64] = { k, c, comm },
static const X86Binop x86_binops[NB_OPS] = {
    BINOP(add, BK_ALU, ALU_ADD, true)
    BINOP(sub, BK_ALU, ALU_SUB, false)
    BINOP(and, BK_ALU, ALU_AND, true)
    BINOP(or, BK_ALU, ALU_OR, true)
    BINOP(xor, BK_ALU, ALU_XOR, true)
    BINOP(mul, BK_MUL, 0, true)
    BINOP(andc, BK_ANDC, 0, false)
    BINOP(shl, BK_SHIFT, SH_SHL, false)
    BINOP(shr, BK_SHIFT, SH_SHR, false)
    BINOP(sar, BK_SHIFT, SH_SAR, false)
    BINOP(rotl, BK_SHIFT, SH_ROL, false)
    BINOP(rotr, BK_SHIFT, SH_ROR, false)
};
#undef BINOP

static const uint8_t x86_cc[] = {
    [TCG_COND_EQ] = CC_E, [TCG_COND_NE] = CC_NE,
    [TCG_COND_LT] = CC_L, [TCG_COND_GE] = CC_GE,
    [TCG_COND_LE] = CC_LE, [TCG_COND_GT] = CC_G,
    [TCG_COND_LTU] = CC_B, [TCG_COND_GEU] = CC_AE,
    [TCG_COND_LEU] = CC_BE, [TCG_COND_GTU] = CC_A,
    [TCG_COND_TSTEQ] = CC_E, [TCG_COND_TSTNE] = CC_NE,
};

/* the condition that holds for (b, a) when c holds for (a, b) */
static const uint8_t cond_swapped[] = {
    [TCG_COND_EQ] = TCG_COND_EQ, [TCG_COND_NE] = TCG_COND_NE,
    [TCG_COND_LT] = TCG_COND_GT, [TCG_COND_GE] = TCG_COND_LE,
    [TCG_COND_LE] = TCG_COND_GE, [TCG_COND_GT] = TCG_COND_LT,
    [TCG_COND_LTU] = TCG_COND_GTU, [TCG_COND_GEU] = TCG_COND_LEU,
    [TCG_COND_LEU] = TCG_COND_GEU, [TCG_COND_GTU] = TCG_COND_LTU,
    [TCG_COND_TSTEQ] = TCG_COND_TSTEQ, [TCG_COND_TSTNE] = TCG_COND_TSTNE,
};

static bool binop_is_i32(TCGOpcode opc)
{
    return (opc - INDEX_op_add_i32) % 2 == 0;
}

static bool dies(const TCGOp *op, unsigned i)
{
    return op_arg_dead(op, i);
}

/*
 * Pick the output register for d = f(a, ...) computed in place: a's own
 * register when d is a or a dies here, else a fresh one. Returns it and
 * sets *copy when a's value must first be moved there.
 */
static int out_reg_from(X86Gen *g, const TCGOp *op, unsigned ai, int ra,
                        bool *copy)
{
    TCGTemp *d = arg_temp(op->args[0]);
    TCGTemp *a = arg_temp(op->args[ai]);

    *copy = false;
    if (a == d) {
        return ra;
    }
    if (dies(op, ai) && a->kind != TEMP_CONST && a->val_type ==
        TEMP_VAL_REG && a->reg == ra) {
        ra_release(g, a);
        return ra;
    }
    *copy = true;
    return ra_alloc(g, ~0u, d->kind != TEMP_NORMAL);
}

/* Emit a compare for cond c of a and b; returns the x86 condition code. */
int x86_gen_compare(X86Gen *g, TCGCond c, TCGTemp *a, TCGTemp *b, bool w64)
{
    unsigned rexw = w64 ? P_REXW : 0;
    bool tst = c == TCG_COND_TSTEQ || c == TCG_COND_TSTNE;
    int ra;

    if (temp_is_const(a) && !temp_is_const(b)) {
        TCGTemp *t = a;

        a = b;
        b = t;
        c = cond_swapped[c];
    }
    ra = ra_load(g, a);
    if (temp_is_const(b) && (!w64 || fits_i32(b->val))) {
        int32_t v = b->val;

        if (tst) {
            x86_modrm(g, 0xf7 | rexw, 0, ra);
            out32(g, v);
        } else if (v == 0) {
            x86_modrm(g, 0x85 | rexw, ra, ra);
        } else {
            x86_alu_ri(g, rexw, ALU_CMP, ra, v);
        }
    } else {
        int rb = ra_load(g, b);

        if (tst) {
            x86_modrm(g, 0x85 | rexw, rb, ra);
        } else {
            x86_alu_rr(g, rexw, ALU_CMP, ra, rb);
        }
    }
    return x86_cc[c];
}

static bool imm_ok(const X86Binop *bi, uint64_t v, bool w64)
{
    switch (bi->kind) {
    case BK_SHIFT:
        return true;
    case BK_ANDC:
        return !w64 || fits_i32(~v);
    default:
        return !w64 || fits_i32(v);
    }
}

static void gen_shift_var(X86Gen *g, const TCGOp *op, const X86Binop *bi,
                          unsigned rexw)
{
    TCGTemp *d = arg_temp(op->args[0]);
    TCGTemp *a = arg_temp(op->args[1]);
    TCGTemp *b = arg_temp(op->args[2]);
    int ra, rd;
    bool copy;

    if (!(b->val_type == TEMP_VAL_REG && b->reg == R_CX)) {
        ra_free_reg(g, R_CX);
    }
    g->reserved |= 1u << R_CX;
    ra = ra_load(g, a);
    if (!(b->val_type == TEMP_VAL_REG && b->reg == R_CX)) {
        ra_copy_to(g, b, R_CX);
    }
    if (ra == R_CX) {
        copy = true;
        rd = ra_alloc(g, ~0u, d->kind != TEMP_NORMAL);
    } else {
        rd = out_reg_from(g, op, 1, ra, &copy);
    }
    if (copy) {
        x86_mov_rr(g, rd, ra);
    }
    x86_modrm(g, 0xd3 | rexw, bi->code, rd);
    ra_set_output(g, d, rd);
}

static void gen_binop(X86Gen *g, const TCGOp *op)
{
    const X86Binop *bi = &x86_binops[op->opc];
    bool w64 = !binop_is_i32(op->opc);
    unsigned rexw = w64 ? P_REXW : 0;
    TCGTemp *d = arg_temp(op->args[0]);
    TCGTemp *a = arg_temp(op->args[1]);
    TCGTemp *b = arg_temp(op->args[2]);
    unsigned ai = 1;
    bool bimm = temp_is_const(b) && imm_ok(bi, b->val, w64);
    int ra, rb = -1, rd;
    bool copy;

    if (bi->kind == BK_SHIFT && !bimm) {
        gen_shift_var(g, op, bi, rexw);
        return;
    }
    ra = ra_load(g, a);
    if (!bimm) {
        rb = ra_load(g, b);
        if (bi->commutes && a != d && !dies(op, 1) && dies(op, 2) &&
            b->kind != TEMP_CONST) {
            int t = ra;

            ra = rb;
            rb = t;
            ai = 2;
        }
    }
    if (bi->kind == BK_MUL && bimm) {
        rd = out_reg_from(g, op, ai, ra, &copy);
        x86_modrm(g, (fits_i8(b->val) ? 0x6b : 0x69) | rexw,
                  rd, ra);
        if (fits_i8(b->val)) {
            out8(g, b->val);
        } else {
            out32(g, b->val);
        }
        ra_set_output(g, d, rd);
        return;
    }
    rd = out_reg_from(g, op, ai, ra, &copy);
    if (copy && bi->kind == BK_ALU && bi->code == ALU_ADD) {
        /* three-operand add: lea */
        if (bimm) {
            x86_modrm_ofs(g, 0x8d | rexw, rd, ra, (int32_t)b->val);
        } else {
            x86_modrm_sib(g, 0x8d | rexw, rd, ra, rb, 0, 0);
        }
        ra_set_output(g, d, rd);
        return;
    }
    if (copy) {
        x86_mov_rr(g, rd, ra);
    }
    switch (bi->kind) {
    case BK_ALU:
        if (bimm) {
            x86_alu_ri(g, rexw, bi->code, rd, b->val);
        } else {
            x86_alu_rr(g, rexw, bi->code, rd, rb);
        }
        break;
    case BK_SHIFT:
        x86_shift_ri(g, rexw, bi->code, rd, b->val & (w64 ? 63 : 31));
        break;
    case BK_MUL:
        x86_modrm(g, 0xaf | P_EXT | rexw, rd, rb);
        break;
    default:                            /* BK_ANDC */
        if (bimm) {
            x86_alu_ri(g, rexw, ALU_AND, rd, ~b->val);
        } else {
            x86_mov_rr(g, TCG_TMP_REG, rb);
            x86_modrm(g, 0xf7 | rexw, 2, TCG_TMP_REG);      /* not */
            x86_alu_rr(g, rexw, ALU_AND, rd, TCG_TMP_REG);
        }
        break;
    }
    ra_set_output(g, d, rd);
}

/* rd = extension of rs: movzx/movsx/mov r32 */
static void x86_ext(X86Gen *g, TCGOpcode opc, int rd, int rs)
{
    switch (opc) {
    case INDEX_op_ext8u:
        x86_modrm(g, 0xb6 | P_EXT | P_BYTE_RM, rd, rs);
        break;
    case INDEX_op_ext8s:
        x86_modrm(g, 0xbe | P_EXT | P_REXW | P_BYTE_RM, rd, rs);
        break;
    case INDEX_op_ext16u:
        x86_modrm(g, 0xb7 | P_EXT, rd, rs);
        break;
    case INDEX_op_ext16s:
        x86_modrm(g, 0xbf | P_EXT | P_REXW, rd, rs);
        break;
    case INDEX_op_ext32u:
        x86_modrm(g, 0x8b, rd, rs);
        break;
    default:                            /* ext32s */
        x86_modrm(g, 0x63 | P_REXW, rd, rs);
        break;
    }
}

static void gen_unop(X86Gen *g, const TCGOp *op)
{
    TCGTemp *d = arg_temp(op->args[0]);
    TCGTemp *a = arg_temp(op->args[1]);
    bool copy;
    int ra, rd;

    if (op->opc == INDEX_op_ext32u && a->val_type == TEMP_VAL_MEM &&
        a != d) {
        /* a 32-bit load zero-extends: a need not be in a register */
        rd = ra_alloc(g, ~0u, d->kind != TEMP_NORMAL);
        ra_load32_to(g, a, rd);
        ra_set_output(g, d, rd);
        return;
    }
    ra = ra_load(g, a);
    rd = out_reg_from(g, op, 1, ra, &copy);

    switch (op->opc) {
    case INDEX_op_ext8u: case INDEX_op_ext8s:
    case INDEX_op_ext16u: case INDEX_op_ext16s:
    case INDEX_op_ext32u: case INDEX_op_ext32s:
        x86_ext(g, op->opc, rd, ra);
        break;
    case INDEX_op_bswap16:
        x86_mov_rr(g, rd, ra);
        x86_modrm(g, 0xc1 | P_DATA16, SH_ROL, rd);
        out8(g, 8);
        x86_modrm(g, 0xb7 | P_EXT, rd, rd);
        break;
    case INDEX_op_bswap32:
        x86_mov_rr(g, rd, ra);
        x86_opc(g, (0xc8 + (rd & 7)) | P_EXT, 0, rd, -1);
        break;
    case INDEX_op_bswap64:
        x86_mov_rr(g, rd, ra);
        x86_opc(g, (0xc8 + (rd & 7)) | P_EXT | P_REXW, 0, rd, -1);
        break;
    default: {                          /* neg, not */
        bool w64 = op->opc == INDEX_op_neg_i64 || op->opc ==
                   INDEX_op_not_i64;
        bool neg = op->opc == INDEX_op_neg_i32 || op->opc ==
                   INDEX_op_neg_i64;

        if (copy) {
            x86_mov_rr(g, rd, ra);
        }
        x86_modrm(g, 0xf7 | (w64 ? P_REXW : 0), neg ? 3 : 2, rd);
        break;
    }
    }
    ra_set_output(g, d, rd);
}

/* Clear bits [ofs, ofs + len) of r. */
static void clear_field(X86Gen *g, int r, unsigned ofs, unsigned len)
{
    uint64_t keep = ~(tcg_field_mask(len) << ofs);

    if (fits_i32(keep)) {
        x86_alu_ri(g, P_REXW, ALU_AND, r, keep);
    } else if (ofs + len == 64) {
        x86_shift_ri(g, P_REXW, SH_SHL, r, len);
        x86_shift_ri(g, P_REXW, SH_SHR, r, len);
    } else {
        if (ofs) {
            x86_shift_ri(g, P_REXW, SH_ROR, r, ofs);
        }
        x86_shift_ri(g, P_REXW, SH_SHR, r, len);
        x86_shift_ri(g, P_REXW, SH_SHL, r, len);
        if (ofs) {
            x86_shift_ri(g, P_REXW, SH_ROL, r, ofs);
        }
    }
}

/* Keep the low len bits of r, zero the rest. */
static void mask_low(X86Gen *g, int r, unsigned len)
{
    if (len == 8 || len == 16 || len == 32) {
        x86_ext(g, len == 8 ? INDEX_op_ext8u : len == 16 ? INDEX_op_ext16u
                                                        : INDEX_op_ext32u,
                r, r);
    } else if (len < 32) {
        x86_alu_ri(g, 0, ALU_AND, r, (int32_t)tcg_field_mask(len));
    } else if (len < 64) {
        x86_shift_ri(g, P_REXW, SH_SHL, r, 64 - len);
        x86_shift_ri(g, P_REXW, SH_SHR, r, 64 - len);
    }
}

static void gen_deposit(X86Gen *g, const TCGOp *op)
{
    TCGTemp *d = arg_temp(op->args[0]);
    unsigned ofs = op->args[3], len = op->args[4];
    int ra = ra_load(g, arg_temp(op->args[1]));
    int rb = ra_load(g, arg_temp(op->args[2]));
    bool copy;
    int rd;

    x86_mov_rr(g, TCG_TMP_REG, rb);
    rd = out_reg_from(g, op, 1, ra, &copy);
    if (copy) {
        x86_mov_rr(g, rd, ra);
    }
    if (ofs == 0 && (len == 8 || len == 16)) {
        /* mov rd8/rd16, b */
        x86_modrm(g, len == 8 ? 0x88 | P_BYTE_R | P_BYTE_RM
                              : 0x89 | P_DATA16, TCG_TMP_REG, rd);
    } else {
        if (ofs + len < 64) {
            mask_low(g, TCG_TMP_REG, len);
        }
        if (ofs) {
            x86_shift_ri(g, P_REXW, SH_SHL, TCG_TMP_REG, ofs);
        }
        if (len < 64) {
            clear_field(g, rd, ofs, len);
            x86_alu_rr(g, P_REXW, ALU_OR, rd, TCG_TMP_REG);
        } else {
            x86_mov_rr(g, rd, TCG_TMP_REG);
        }
    }
    ra_set_output(g, d, rd);
}

static void gen_extract(X86Gen *g, const TCGOp *op)
{
    TCGTemp *d = arg_temp(op->args[0]);
    unsigned ofs = op->args[2], len = op->args[3];
    int ra = ra_load(g, arg_temp(op->args[1]));
    bool copy;
    int rd = out_reg_from(g, op, 1, ra, &copy);

    if (op->opc == INDEX_op_sextract) {
        if (ofs == 0 && (len == 8 || len == 16 || len == 32)) {
            x86_ext(g, len == 8 ? INDEX_op_ext8s : len == 16 ?
                    INDEX_op_ext16s : INDEX_op_ext32s, rd, ra);
        } else {
            x86_mov_rr(g, rd, ra);
            if (64 - ofs - len) {
                x86_shift_ri(g, P_REXW, SH_SHL, rd, 64 - ofs - len);
            }
            if (64 - len) {
                x86_shift_ri(g, P_REXW, SH_SAR, rd, 64 - len);
            }
        }
    } else if (ofs == 0 && (len == 8 || len == 16 || len == 32)) {
        x86_ext(g, len == 8 ? INDEX_op_ext8u : len == 16 ?
                INDEX_op_ext16u : INDEX_op_ext32u, rd, ra);
    } else {
        x86_mov_rr(g, rd, ra);
        if (ofs) {
            x86_shift_ri(g, P_REXW, SH_SHR, rd, ofs);
        }
        if (ofs + len < 64) {
            mask_low(g, rd, len);
        }
    }
    ra_set_output(g, d, rd);
}

/* Everything that may emit code (loads, spills, XOR for a zero) happens
 * before the compare: nothing may touch the flags between it and the
 * SETcc/CMOVcc that consumes them. */
static void gen_setcond(X86Gen *g, const TCGOp *op)
{
    TCGTemp *d = arg_temp(op->args[0]);
    int rd = ra_alloc(g, ~0u, d->kind != TEMP_NORMAL);
    int cc;

    g->reserved |= 1u << rd;
    x86_modrm(g, 0x33, rd, rd);                         /* xor rd, rd */
    cc = x86_gen_compare(g, op->args[3], arg_temp(op->args[1]),
                         arg_temp(op->args[2]),
                         op->opc == INDEX_op_setcond_i64);
    x86_modrm(g, (0x90 + cc) | P_EXT | P_BYTE_RM, 0, rd);
    ra_set_output(g, d, rd);
}

static void gen_movcond(X86Gen *g, const TCGOp *op)
{
    TCGTemp *d = arg_temp(op->args[0]);
    TCGTemp *c1 = arg_temp(op->args[1]);
    TCGTemp *c2 = arg_temp(op->args[2]);
    TCGTemp *v2 = arg_temp(op->args[4]);
    int r1 = ra_load(g, arg_temp(op->args[3]));
    int r2 = ra_load(g, v2);
    int rd, cc;

    if (v2 == d) {
        rd = r2;
    } else if (op_arg_dead(op, 4) && v2->kind != TEMP_CONST &&
               v2 != c1 && v2 != c2) {
        ra_release(g, v2);
        rd = r2;
    } else {
        rd = ra_alloc(g, ~0u, d->kind != TEMP_NORMAL);
        x86_mov_rr(g, rd, r2);
    }
    g->reserved |= 1u << rd;
    cc = x86_gen_compare(g, op->args[5], c1, c2, true);
    x86_modrm(g, (0x40 + cc) | P_EXT | P_REXW, rd, r1);
    ra_set_output(g, d, rd);
}

static void gen_mul2(X86Gen *g, const TCGOp *op)
{
    TCGTemp *a = arg_temp(op->args[2]);
    TCGTemp *b = arg_temp(op->args[3]);
    int rb;

    ra_free_reg(g, R_AX);
    ra_free_reg(g, R_DX);
    g->reserved |= (1u << R_AX) | (1u << R_DX);
    rb = ra_load(g, b);
    ra_copy_to(g, a, R_AX);
    x86_modrm(g, 0xf7 | P_REXW, op->opc == INDEX_op_muls2 ? 5 : 4, rb);
    ra_set_output(g, arg_temp(op->args[0]), R_AX);
    ra_set_output(g, arg_temp(op->args[1]), R_DX);
}

bool x86_gen_alu(X86Gen *g, const TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_add_i32 ... INDEX_op_rotr_i64:
        gen_binop(g, op);
        return true;
    case INDEX_op_neg_i32 ... INDEX_op_bswap64:
        gen_unop(g, op);
        return true;
    case INDEX_op_deposit:
        gen_deposit(g, op);
        return true;
    case INDEX_op_extract:
    case INDEX_op_sextract:
        gen_extract(g, op);
        return true;
    case INDEX_op_setcond_i32:
    case INDEX_op_setcond_i64:
        gen_setcond(g, op);
        return true;
    case INDEX_op_movcond_i64:
        gen_movcond(g, op);
        return true;
    case INDEX_op_mulu2:
    case INDEX_op_muls2:
        gen_mul2(g, op);
        return true;
    default:
        return false;
    }
}
