/* SPDX-License-Identifier: MIT */
/*
 * Integer instructions of the differential generator (diff-gen.c): ALU,
 * INC/DEC, NEG/NOT, MUL/IMUL/DIV/IDIV, shifts and rotates, SHLD/SHRD,
 * MOV/MOVZX/MOVSX/MOVSXD/XCHG, CMOVcc/SETcc, BT*, BSF/BSR, BSWAP, XADD,
 * CMPXCHG, CBW/CWD and their 64-bit forms, flag instructions, LEA,
 * forward Jcc inside the block; PUSH/POP (the stack page); INC/DEC 40-4F
 * in 16- and 32-bit code (REX prefixes in 64-bit code). Byte, word,
 * dword and (64-bit code) qword operands.
 *
 * dg_forms is the one table of flag effects: def, undef and read per
 * form, and the shift/rotate count rules.
 * Ref: Intel SDM Vol. 2 (each instruction's "Flags Affected").
 * BSF/BSR read a non-zero value the generator put in the scratch page
 * (their destination is undefined for a zero source).
 * Missing: string and system instructions, PUSHF/POPF (IF, TF and AC
 * differ between the host's user mode and the harness).
 */
#include "kestrel/osdep.h"
#include "diff-gen-emit.h"

enum {
    K_RM_R,     /* op rm, reg */
    K_R_RM,     /* op reg, rm */
    K_RM,       /* op /ext rm */
    K_RM_I8,    /* op /ext rm, imm8 */
    K_RM_IZ,    /* op /ext rm, imm16/32 */
    K_R_RM_I8,  /* op reg, rm, imm8 (6B) */
    K_R_RM_B,   /* op reg, rm8 (MOVZX/MOVSX byte source) */
    K_R_RM_W,   /* op reg, rm16 */
    K_R_RM_D,   /* op reg64, rm32 (MOVSXD) */
    K_RM_R_I8,  /* op rm, reg, imm8 (SHLD/SHRD) */
    K_R_MNZ,    /* op reg, m: a non-zero value the generator put there */
    K_CMOV,     /* 0F 40+cc reg, rm */
    K_SETCC,    /* 0F 90+cc rm8 */
    K_JCC,      /* 70+cc rel8, forward */
    K_OPREG,    /* op+r: BSWAP, PUSH, POP, INC/DEC 40-4F */
    K_MOV_IMM,  /* B8+r imm16/32/64 */
    K_LEA,
    K_PUSH_I,   /* 6A imm8 / 68 imm16/32 */
    K_NONE,
};

/* flag rules beyond def/undef */
enum { FR_FIXED, FR_SHIFT, FR_ROT, FR_DSHIFT };

/* sizes: operand sizes a form has; Q only in 64-bit code */
#define B   1
#define W   2
#define D   4
#define Q   8
#define WDQ (W | D | Q)
#define STK 16                          /* a stack operand: 64-bit default */
/* modes: where a form exists */
#define M16 1
#define M32 2
#define M64 4
#define MALL (M16 | M32 | M64)

typedef struct DgForm {
    const char *name;
    uint8_t op[2];
    uint8_t oplen;
    int8_t ext;                         /* ModRM.reg for K_RM*, -1 */
    uint8_t kind;
    uint8_t sizes;
    uint8_t modes;
    bool reg_only;                      /* rm must be a register */
    uint8_t rule;
    uint8_t count;                      /* shifts: 0 imm8, 1 one, 2 CL */
    uint16_t def, undef, read;
} DgForm;

#define OP(a, b) { a, b }              /* a two-byte opcode */
#define ALL DG_CC
#define LOGIC_DEF (DG_CC & ~DG_AF)
#define F(nm, o, ln, ext, k, sz, md, ro, d, u, rd) \
    { nm, o, ln, ext, k, sz, md, ro, FR_FIXED, 0, d, u, rd }
#define ALU(n, nm, rd)                                                     \
    F(nm, { 8 * (n) }, 1, -1, K_RM_R, B, MALL, false, ALL, 0, rd),         \
    F(nm, { 8 * (n) + 1 }, 1, -1, K_RM_R, WDQ, MALL, false, ALL, 0, rd),   \
    F(nm, { 8 * (n) + 2 }, 1, -1, K_R_RM, B, MALL, false, ALL, 0, rd),     \
    F(nm, { 8 * (n) + 3 }, 1, -1, K_R_RM, WDQ, MALL, false, ALL, 0, rd),   \
    F(nm, { 0x80 }, 1, n, K_RM_I8, B, MALL, false, ALL, 0, rd),            \
    F(nm, { 0x81 }, 1, n, K_RM_IZ, WDQ, MALL, false, ALL, 0, rd),          \
    F(nm, { 0x83 }, 1, n, K_RM_I8, WDQ, MALL, false, ALL, 0, rd)
#define LOGIC(n, nm)                                                       \
    F(nm, { 8 * (n) }, 1, -1, K_RM_R, B, MALL, false, LOGIC_DEF, DG_AF, 0), \
    F(nm, { 8 * (n) + 3 }, 1, -1, K_R_RM, WDQ, MALL, false, LOGIC_DEF,     \
      DG_AF, 0),                                                           \
    F(nm, { 0x81 }, 1, n, K_RM_IZ, WDQ, MALL, false, LOGIC_DEF, DG_AF, 0)
#define SHIFT(n, nm, rule, rd)                                             \
    { nm, { 0xc0 }, 1, n, K_RM_I8, B, MALL, false, rule, 0, 0, 0, rd },    \
    { nm, { 0xc1 }, 1, n, K_RM_I8, WDQ, MALL, false, rule, 0, 0, 0, rd },  \
    { nm, { 0xd1 }, 1, n, K_RM, WDQ, MALL, false, rule, 1, 0, 0, rd },     \
    { nm, { 0xd2 }, 1, n, K_RM, B, MALL, false, rule, 2, 0, 0, rd },       \
    { nm, { 0xd3 }, 1, n, K_RM, WDQ, MALL, false, rule, 2, 0, 0, rd }
#define MULDIV (DG_SF | DG_ZF | DG_AF | DG_PF)
#define BTU (DG_OF | DG_SF | DG_AF | DG_PF)
#define MOV(nm, o, ln, ext, k, sz, md) \
    { nm, o, ln, ext, k, sz, md, false, FR_FIXED, 0, 0, 0, 0 }

static const DgForm dg_forms[] = {
    ALU(0, "add", 0), ALU(2, "adc", DG_CF), ALU(3, "sbb", DG_CF),
    ALU(5, "sub", 0), ALU(7, "cmp", 0),
    LOGIC(1, "or"), LOGIC(4, "and"), LOGIC(6, "xor"),
    F("test", { 0x85 }, 1, -1, K_RM_R, WDQ, MALL, false, LOGIC_DEF, DG_AF, 0),
    F("test", { 0xf6 }, 1, 0, K_RM_I8, B, MALL, false, LOGIC_DEF, DG_AF, 0),
    F("inc", { 0xfe }, 1, 0, K_RM, B, MALL, false, ALL & ~DG_CF, 0, 0),
    F("inc", { 0xff }, 1, 0, K_RM, WDQ, MALL, false, ALL & ~DG_CF, 0, 0),
    F("dec", { 0xfe }, 1, 1, K_RM, B, MALL, false, ALL & ~DG_CF, 0, 0),
    F("dec", { 0xff }, 1, 1, K_RM, WDQ, MALL, false, ALL & ~DG_CF, 0, 0),
    F("inc", { 0x40 }, 1, -1, K_OPREG, W | D, M16 | M32, false,
      ALL & ~DG_CF, 0, 0),
    F("dec", { 0x48 }, 1, -1, K_OPREG, W | D, M16 | M32, false,
      ALL & ~DG_CF, 0, 0),
    F("not", { 0xf7 }, 1, 2, K_RM, WDQ, MALL, false, 0, 0, 0),
    F("neg", { 0xf6 }, 1, 3, K_RM, B, MALL, false, ALL, 0, 0),
    F("neg", { 0xf7 }, 1, 3, K_RM, WDQ, MALL, false, ALL, 0, 0),
    F("mul", { 0xf7 }, 1, 4, K_RM, WDQ, MALL, false, DG_CF | DG_OF, MULDIV,
      0),
    F("imul", { 0xf6 }, 1, 5, K_RM, B, MALL, false, DG_CF | DG_OF, MULDIV,
      0),
    F("imul", OP(0x0f, 0xaf), 2, -1, K_R_RM, WDQ, MALL, false,
      DG_CF | DG_OF, MULDIV, 0),
    F("imul", { 0x6b }, 1, -1, K_R_RM_I8, WDQ, MALL, false, DG_CF | DG_OF,
      MULDIV, 0),
    F("div", { 0xf6 }, 1, 6, K_RM, B, MALL, false, 0, ALL, 0),
    F("div", { 0xf7 }, 1, 6, K_RM, WDQ, MALL, false, 0, ALL, 0),
    F("idiv", { 0xf7 }, 1, 7, K_RM, WDQ, MALL, false, 0, ALL, 0),
    SHIFT(0, "rol", FR_ROT, 0), SHIFT(1, "ror", FR_ROT, 0),
    SHIFT(2, "rcl", FR_ROT, DG_CF), SHIFT(3, "rcr", FR_ROT, DG_CF),
    SHIFT(4, "shl", FR_SHIFT, 0), SHIFT(5, "shr", FR_SHIFT, 0),
    SHIFT(7, "sar", FR_SHIFT, 0),
    /* a 16-bit SHLD/SHRD by more than 16 has an undefined result: the
     * immediate stays at 16 there, CL only with 32/64-bit operands */
    { "shld", OP(0x0f, 0xa4), 2, -1, K_RM_R_I8, WDQ, MALL, false, FR_DSHIFT,
      0, 0, 0, 0 },
    { "shld", OP(0x0f, 0xa5), 2, -1, K_RM_R, D | Q, MALL, false, FR_DSHIFT,
      2, 0, 0, 0 },
    { "shrd", OP(0x0f, 0xac), 2, -1, K_RM_R_I8, WDQ, MALL, false, FR_DSHIFT,
      0, 0, 0, 0 },
    { "shrd", OP(0x0f, 0xad), 2, -1, K_RM_R, D | Q, MALL, false, FR_DSHIFT,
      2, 0, 0, 0 },
    MOV("mov", { 0x88 }, 1, -1, K_RM_R, B, MALL),
    MOV("mov", { 0x8b }, 1, -1, K_R_RM, WDQ, MALL),
    MOV("mov", { 0xc7 }, 1, 0, K_RM_IZ, WDQ, MALL),
    MOV("mov", { 0xb8 }, 1, -1, K_MOV_IMM, WDQ, MALL),
    MOV("movzx", OP(0x0f, 0xb6), 2, -1, K_R_RM_B, WDQ, MALL),
    MOV("movsx", OP(0x0f, 0xbe), 2, -1, K_R_RM_B, WDQ, MALL),
    MOV("movzx", OP(0x0f, 0xb7), 2, -1, K_R_RM_W, D | Q, MALL),
    MOV("movsx", OP(0x0f, 0xbf), 2, -1, K_R_RM_W, D | Q, MALL),
    MOV("movsxd", { 0x63 }, 1, -1, K_R_RM_D, Q, M64),
    MOV("xchg", { 0x86 }, 1, -1, K_RM_R, B, MALL),
    MOV("xchg", { 0x87 }, 1, -1, K_RM_R, WDQ, MALL),
    MOV("lea", { 0x8d }, 1, -1, K_LEA, WDQ, MALL),
    MOV("push", { 0x50 }, 1, -1, K_OPREG, W | D | STK, MALL),
    MOV("pop", { 0x58 }, 1, -1, K_OPREG, W | D | STK, MALL),
    MOV("push", { 0xff }, 1, 6, K_RM, W | D | STK, MALL),
    MOV("pop", { 0x8f }, 1, 0, K_RM, W | D | STK, MALL),
    MOV("push", { 0x6a }, 1, -1, K_PUSH_I, W | D | STK, MALL),
    MOV("push", { 0x68 }, 1, -1, K_PUSH_I, W | D | STK, MALL),
    MOV("cmov", OP(0x0f, 0x40), 2, -1, K_CMOV, WDQ, MALL),
    MOV("set", OP(0x0f, 0x90), 2, 0, K_SETCC, B, MALL),
    MOV("j", { 0x70 }, 1, -1, K_JCC, 0, MALL),
    MOV("j", { 0x70 }, 1, -1, K_JCC, 0, MALL),
    F("bt", OP(0x0f, 0xa3), 2, -1, K_RM_R, WDQ, MALL, true, DG_CF, BTU, 0),
    F("bts", OP(0x0f, 0xab), 2, -1, K_RM_R, WDQ, MALL, true, DG_CF, BTU, 0),
    F("btr", OP(0x0f, 0xba), 2, 6, K_RM_I8, WDQ, MALL, false, DG_CF, BTU, 0),
    F("btc", OP(0x0f, 0xba), 2, 7, K_RM_I8, WDQ, MALL, false, DG_CF, BTU, 0),
    MOV("bswap", OP(0x0f, 0xc8), 2, -1, K_OPREG, D | Q, MALL),
    /* the destination is undefined for a zero source: never one here */
    F("bsf", OP(0x0f, 0xbc), 2, -1, K_R_MNZ, WDQ, MALL, false, DG_ZF,
      DG_CC & ~DG_ZF, 0),
    F("bsr", OP(0x0f, 0xbd), 2, -1, K_R_MNZ, WDQ, MALL, false, DG_ZF,
      DG_CC & ~DG_ZF, 0),
    F("xadd", OP(0x0f, 0xc1), 2, -1, K_RM_R, WDQ, MALL, false, ALL, 0, 0),
    F("cmpxchg", OP(0x0f, 0xb0), 2, -1, K_RM_R, B, MALL, false, ALL, 0, 0),
    F("cmpxchg", OP(0x0f, 0xb1), 2, -1, K_RM_R, WDQ, MALL, false, ALL, 0,
      0),
    MOV("cbw", { 0x98 }, 1, -1, K_NONE, WDQ, MALL),
    MOV("cwd", { 0x99 }, 1, -1, K_NONE, WDQ, MALL),
    F("clc", { 0xf8 }, 1, -1, K_NONE, 0, MALL, false, DG_CF, 0, 0),
    F("stc", { 0xf9 }, 1, -1, K_NONE, 0, MALL, false, DG_CF, 0, 0),
    F("cmc", { 0xf5 }, 1, -1, K_NONE, 0, MALL, false, DG_CF, 0, DG_CF),
    F("sahf", { 0x9e }, 1, -1, K_NONE, 0, MALL, false, ALL & ~DG_OF, 0, 0),
    F("lahf", { 0x9f }, 1, -1, K_NONE, 0, MALL, false, 0, 0, ALL & ~DG_OF),
};

/* Flags each condition pair (cc >> 1) reads: O B Z BE S P L LE */
static const uint16_t dg_cc_reads[8] = {
    DG_OF, DG_CF, DG_ZF, DG_CF | DG_ZF, DG_SF, DG_PF, DG_SF | DG_OF,
    DG_ZF | DG_SF | DG_OF,
};

/* Flags written and made undefined by shift/rotate @f with count @cnt
 * (-1: CL, unknown) at @width bits. */
static void dg_shift_flags(const DgForm *f, int cnt, unsigned width,
                           uint16_t *def, uint16_t *undef)
{
    *def = 0;
    *undef = 0;
    if (cnt < 0) {
        *undef = f->rule == FR_SHIFT ? DG_OF | DG_AF | DG_CF :
                 f->rule == FR_DSHIFT ? DG_OF | DG_AF : DG_OF;
        return;
    }
    cnt &= width == 64 ? 63 : 31;
    if (cnt == 0) {
        return;
    }
    if (f->rule == FR_DSHIFT) {         /* count <= width here */
        *def = DG_CC & ~DG_AF;
        *undef = DG_AF;
    } else if (f->rule == FR_SHIFT) {
        *def = DG_CC & ~DG_AF;
        *undef = DG_AF;
        if (cnt >= (int)width) {
            *undef |= DG_CF;
        }
    } else {
        *def = DG_CF | DG_OF;
    }
    if (cnt != 1) {
        *undef |= DG_OF;
    }
    *def &= ~*undef;
}

/* Operand size of @f here: bytes */
static unsigned dg_size(DgCtx *c, const DgForm *f)
{
    unsigned sizes = f->sizes & (c->bits == 64 ? 15 : 7);
    unsigned pick[4], n = 0, size;

    for (unsigned b = 0; b < 4; b++) {
        if (sizes & (1u << b)) {
            pick[n++] = 1u << b;
        }
    }
    size = n ? pick[g_rand_int_range(c->r, 0, n)] : 0;
    if ((f->sizes & STK) && c->bits == 64 && size == 4) {
        size = 8;                       /* no 32-bit stack operands */
    }
    return size;
}

/* LEA reg, [base + index*scale + disp]: the address of registers only.
 * The ModRM, SIB and displacement go out as the "immediate"; a REX (with
 * its X bit, which DgEnc has not) as the first opcode byte. */
static void dg_lea(DgCtx *c, DgEnc *e, unsigned size)
{
    unsigned reg, base, index, rex;

    e->reg = DG_NO_MODRM;
    if (c->bits == 16) {
        e->immlen = 3;                  /* ModRM (mod 10), disp16 */
        e->imm = (0x80 | dg_gpr(c, 2) << 3 | g_rand_int_range(c->r, 0, 8)) |
                 (uint64_t)(g_rand_int(c->r) & 0xffff) << 8;
        return;
    }
    reg = dg_gpr(c, 4);
    base = dg_gpr(c, 4);
    index = dg_gpr(c, 4);
    rex = 0x40 | (size == 8) << 3 | (reg >> 3) << 2 | (index >> 3) << 1 |
          base >> 3;
    if (c->rex || rex != 0x40) {
        e->op[1] = e->op[0];
        e->op[0] = rex;
        e->oplen = 2;
    }
    c->rex = false;
    e->rexw = false;
    e->immlen = 6;
    e->imm = (0x84 | (reg & 7) << 3) |
             (g_rand_int_range(c->r, 0, 4) << 6 | (index & 7) << 3 |
              (base & 7)) << 8 | (uint64_t)g_rand_int(c->r) << 16;
}

/* Emit one instruction of form @f */
static bool dg_emit(DgCtx *c, const DgForm *f)
{
    unsigned size = dg_size(c, f), cc = g_rand_int_range(c->r, 0, 16);
    unsigned s1 = size ? size : 1;
    DgEnc e = { .oplen = f->oplen, .reg = DG_NO_MODRM, .moff = -1,
                .msize = s1 };
    bool modrm = f->kind <= K_SETCC;
    int cnt = -1;
    DgInsn *in;

    if (!dg_begin(c, f->name)) {
        return false;
    }
    in = c->in;
    in->def = f->def;
    in->undef = f->undef;
    in->read = f->read;
    memcpy(e.op, f->op, f->oplen);
    if (f->kind == K_CMOV || f->kind == K_SETCC || f->kind == K_JCC) {
        in->read |= dg_cc_reads[cc >> 1];
        e.op[f->oplen - 1] += cc;
    }
    if (size == 8) {
        e.rexw = !(f->sizes & STK);     /* stack operands: the default */
    } else if (size == 2 || (size == 4 && c->bits == 16)) {
        e.opsize = (size == 2) != (c->bits == 16);
    }
    if (modrm) {
        e.rm = f->reg_only ? (int)dg_gpr(c, size) : dg_rm(c, s1, 3);
        e.reg = f->ext >= 0 ? f->ext : (int)dg_gpr(c, s1);
        e.mwrite = true;
    }
    switch (f->kind) {
    case K_R_RM_B:
        e.rm = dg_rm(c, 1, 3);
        e.msize = 1;
        break;
    case K_R_RM_W:
        e.msize = 2;
        break;
    case K_R_RM_D:
        e.msize = 4;
        break;
    case K_RM_I8:
        cnt = dg_one_in(c, 3) ? (int)(g_rand_int(c->r) & 0xff)
                              : g_rand_int_range(c->r, 0, 66);
        e.imm = cnt;
        e.immlen = 1;
        break;
    case K_RM:
        cnt = f->count == 1 ? 1 : -1;
        break;
    case K_R_MNZ: {
        uint64_t v = ((uint64_t)g_rand_int(c->r) << 32 | g_rand_int(c->r)) >>
                     g_rand_int_range(c->r, 0, 64);

        v |= 1ull << g_rand_int_range(c->r, 0, s1 * 8);
        e.rm = DG_RM_MEM;
        e.mwrite = false;
        e.moff = dg_reserve(c, &v, s1, 1);
        break;
    }
    case K_RM_R_I8:
        cnt = s1 == 2 ? g_rand_int_range(c->r, 0, 17) |
                        (g_rand_int(c->r) & 0xe0)
                      : (int)(g_rand_int(c->r) & 0xff);
        e.imm = cnt;
        e.immlen = 1;
        break;
    case K_R_RM_I8:
        e.imm = g_rand_int(c->r);
        e.immlen = 1;
        break;
    case K_RM_IZ:
        e.imm = g_rand_int(c->r);
        e.immlen = MIN(s1, 4);
        break;
    case K_JCC:
        in->skip = g_rand_int_range(c->r, 1, 4);
        e.immlen = 1;
        break;
    case K_OPREG:                       /* REX.B from e.rm */
        e.rm = dg_gpr(c, s1);
        e.op[f->oplen - 1] += e.rm & 7;
        break;
    case K_MOV_IMM:
        e.rm = dg_gpr(c, s1);
        e.op[0] += e.rm & 7;
        e.imm = g_rand_int(c->r) | (uint64_t)g_rand_int(c->r) << 32;
        e.immlen = s1;
        break;
    case K_PUSH_I:
        e.imm = g_rand_int(c->r);
        e.immlen = f->op[0] == 0x6a ? 1 : (size == 2 ? 2 : 4);
        break;
    case K_LEA:
        dg_lea(c, &e, s1);
        break;
    default:
        break;
    }
    dg_encode(c, &e);
    if (f->kind == K_JCC) {
        in->rel_at = in->len - 1;
    }
    if (f->rule != FR_FIXED) {
        dg_shift_flags(f, cnt, s1 * 8, &in->def, &in->undef);
    }
    return dg_commit(c);
}

void dg_gen_int(DgCtx *c)
{
    unsigned mode = c->bits == 16 ? M16 : c->bits == 32 ? M32 : M64;

    for (;;) {
        const DgForm *f = &dg_forms[g_rand_int_range(c->r, 0,
                                                     G_N_ELEMENTS(dg_forms))];

        if ((f->modes & mode) && dg_emit(c, f)) {
            return;
        }
        if (!dg_room(c, 1)) {
            return;
        }
    }
}
