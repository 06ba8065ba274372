/* SPDX-License-Identifier: MIT */
/*
 * Seeded generator of random but valid integer instruction sequences for
 * tests/diff/diff-run.c: ALU, INC/DEC, NEG/NOT, MUL/IMUL/DIV/IDIV, shifts
 * and rotates, MOV/MOVZX/MOVSX/XCHG, CMOVcc/SETcc, BT*, BSWAP, XADD,
 * CMPXCHG, CBW/CWD, flag instructions and forward Jcc inside the block,
 * with byte, word and dword operands. Register operands avoid ESP and EDI;
 * memory operands are [EDI+disp32] inside the scratch page EDI points at
 * (0x67 in 16-bit code), so the same bytes run natively in 64-bit mode.
 *
 * The flags the SDM leaves undefined come from one table (dg_forms: def,
 * undef, read per form, and the shift/rotate count rules); the generator
 * tracks which flags are undefined before each instruction, never emits a
 * reader of an undefined flag, and hands the sets to the comparator.
 * Ref: Intel SDM Vol. 2 (each instruction's "Flags Affected"), Vol. 1
 * Appendix A (EFLAGS cross-reference).
 * Missing: SHLD/SHRD, BSF/BSR (undefined destination), string, stack and
 * system instructions, LEA (an address differs between runners).
 */
#include "kestrel/osdep.h"
#include "diff-gen.h"

enum {
    K_RM_R,     /* op rm, reg */
    K_R_RM,     /* op reg, rm */
    K_RM,       /* op /ext rm */
    K_RM_I8,    /* op /ext rm, imm8 */
    K_RM_IZ,    /* op /ext rm, imm16/32 */
    K_R_RM_I8,  /* op reg, rm, imm8 (6B) */
    K_R_RM_B,   /* op reg, rm8 (MOVZX/MOVSX byte source) */
    K_R_RM_W,   /* op reg32, rm16 */
    K_CMOV,     /* 0F 40+cc reg, rm */
    K_SETCC,    /* 0F 90+cc rm8 */
    K_JCC,      /* 70+cc rel8, forward */
    K_BSWAP,    /* 0F C8+r */
    K_NONE,
};

/* flag rules beyond def/undef */
enum { FR_FIXED, FR_SHIFT, FR_ROT };

typedef struct DgForm {
    const char *name;
    uint8_t op[2];
    uint8_t oplen;
    int8_t ext;                         /* ModRM.reg for K_RM*, -1 */
    uint8_t kind;
    uint8_t sizes;                      /* bit 0: byte, 1: word, 2: dword */
    bool reg_only;                      /* rm must be a register */
    uint8_t rule;
    uint8_t count;                      /* shifts: 0 imm8, 1 one, 2 CL */
    uint16_t def, undef, read;
} DgForm;

#define B   1
#define WD  6
#define ALL DG_CC
#define LOGIC_DEF (DG_CC & ~DG_AF)
#define ALU(n, nm, rd)                                                     \
    { nm, { 8 * (n) }, 1, -1, K_RM_R, B, false, 0, 0, ALL, 0, rd },        \
    { nm, { 8 * (n) + 1 }, 1, -1, K_RM_R, WD, false, 0, 0, ALL, 0, rd },   \
    { nm, { 8 * (n) + 2 }, 1, -1, K_R_RM, B, false, 0, 0, ALL, 0, rd },    \
    { nm, { 8 * (n) + 3 }, 1, -1, K_R_RM, WD, false, 0, 0, ALL, 0, rd },   \
    { nm, { 0x80 }, 1, n, K_RM_I8, B, false, 0, 0, ALL, 0, rd },           \
    { nm, { 0x81 }, 1, n, K_RM_IZ, WD, false, 0, 0, ALL, 0, rd },          \
    { nm, { 0x83 }, 1, n, K_RM_I8, WD, false, 0, 0, ALL, 0, rd }
#define LOGIC(n, nm)                                                       \
    { nm, { 8 * (n) }, 1, -1, K_RM_R, B, false, 0, 0, LOGIC_DEF, DG_AF, 0 }, \
    { nm, { 8 * (n) + 3 }, 1, -1, K_R_RM, WD, false, 0, 0, LOGIC_DEF,      \
      DG_AF, 0 },                                                          \
    { nm, { 0x81 }, 1, n, K_RM_IZ, WD, false, 0, 0, LOGIC_DEF, DG_AF, 0 }
#define SHIFT(n, nm, rule, rd)                                             \
    { nm, { 0xc0 }, 1, n, K_RM_I8, B, false, rule, 0, 0, 0, rd },          \
    { nm, { 0xc1 }, 1, n, K_RM_I8, WD, false, rule, 0, 0, 0, rd },         \
    { nm, { 0xd1 }, 1, n, K_RM, WD, false, rule, 1, 0, 0, rd },            \
    { nm, { 0xd2 }, 1, n, K_RM, B, false, rule, 2, 0, 0, rd },             \
    { nm, { 0xd3 }, 1, n, K_RM, WD, false, rule, 2, 0, 0, rd }
#define MULDIV (DG_SF | DG_ZF | DG_AF | DG_PF)

static const DgForm dg_forms[] = {
    ALU(0, "add", 0), ALU(2, "adc", DG_CF), ALU(3, "sbb", DG_CF),
    ALU(5, "sub", 0), ALU(7, "cmp", 0),
    LOGIC(1, "or"), LOGIC(4, "and"), LOGIC(6, "xor"),
    { "test", { 0x85 }, 1, -1, K_RM_R, WD, false, 0, 0, LOGIC_DEF, DG_AF, 0 },
    { "test", { 0xf6 }, 1, 0, K_RM_I8, B, false, 0, 0, LOGIC_DEF, DG_AF, 0 },
    { "inc", { 0xfe }, 1, 0, K_RM, B, false, 0, 0, ALL & ~DG_CF, 0, 0 },
    { "dec", { 0xff }, 1, 1, K_RM, WD, false, 0, 0, ALL & ~DG_CF, 0, 0 },
    { "not", { 0xf7 }, 1, 2, K_RM, WD, false, 0, 0, 0, 0, 0 },
    { "neg", { 0xf6 }, 1, 3, K_RM, B, false, 0, 0, ALL, 0, 0 },
    { "neg", { 0xf7 }, 1, 3, K_RM, WD, false, 0, 0, ALL, 0, 0 },
    { "mul", { 0xf7 }, 1, 4, K_RM, WD, false, 0, 0, DG_CF | DG_OF, MULDIV, 0 },
    { "imul", { 0xf6 }, 1, 5, K_RM, B, false, 0, 0, DG_CF | DG_OF, MULDIV, 0 },
    { "imul", { 0x0f, 0xaf }, 2, -1, K_R_RM, WD, false, 0, 0,
      DG_CF | DG_OF, MULDIV, 0 },
    { "imul", { 0x6b }, 1, -1, K_R_RM_I8, WD, false, 0, 0,
      DG_CF | DG_OF, MULDIV, 0 },
    { "div", { 0xf6 }, 1, 6, K_RM, B, false, 0, 0, 0, ALL, 0 },
    { "div", { 0xf7 }, 1, 6, K_RM, WD, false, 0, 0, 0, ALL, 0 },
    { "idiv", { 0xf7 }, 1, 7, K_RM, WD, false, 0, 0, 0, ALL, 0 },
    SHIFT(0, "rol", FR_ROT, 0), SHIFT(1, "ror", FR_ROT, 0),
    SHIFT(2, "rcl", FR_ROT, DG_CF), SHIFT(3, "rcr", FR_ROT, DG_CF),
    SHIFT(4, "shl", FR_SHIFT, 0), SHIFT(5, "shr", FR_SHIFT, 0),
    SHIFT(7, "sar", FR_SHIFT, 0),
    { "mov", { 0x88 }, 1, -1, K_RM_R, B, false, 0, 0, 0, 0, 0 },
    { "mov", { 0x8b }, 1, -1, K_R_RM, WD, false, 0, 0, 0, 0, 0 },
    { "mov", { 0xc7 }, 1, 0, K_RM_IZ, WD, false, 0, 0, 0, 0, 0 },
    { "movzx", { 0x0f, 0xb6 }, 2, -1, K_R_RM_B, WD, false, 0, 0, 0, 0, 0 },
    { "movsx", { 0x0f, 0xbe }, 2, -1, K_R_RM_B, WD, false, 0, 0, 0, 0, 0 },
    { "movzx", { 0x0f, 0xb7 }, 2, -1, K_R_RM_W, 4, false, 0, 0, 0, 0, 0 },
    { "movsx", { 0x0f, 0xbf }, 2, -1, K_R_RM_W, 4, false, 0, 0, 0, 0, 0 },
    { "xchg", { 0x86 }, 1, -1, K_RM_R, B, false, 0, 0, 0, 0, 0 },
    { "xchg", { 0x87 }, 1, -1, K_RM_R, WD, false, 0, 0, 0, 0, 0 },
    { "cmov", { 0x0f, 0x40 }, 2, -1, K_CMOV, WD, false, 0, 0, 0, 0, 0 },
    { "set", { 0x0f, 0x90 }, 2, 0, K_SETCC, B, false, 0, 0, 0, 0, 0 },
    { "j", { 0x70 }, 1, -1, K_JCC, 0, false, 0, 0, 0, 0, 0 },
    { "j", { 0x70 }, 1, -1, K_JCC, 0, false, 0, 0, 0, 0, 0 },
    { "bt", { 0x0f, 0xa3 }, 2, -1, K_RM_R, WD, true, 0, 0, DG_CF,
      DG_OF | DG_SF | DG_AF | DG_PF, 0 },
    { "bts", { 0x0f, 0xab }, 2, -1, K_RM_R, WD, true, 0, 0, DG_CF,
      DG_OF | DG_SF | DG_AF | DG_PF, 0 },
    { "btr", { 0x0f, 0xba }, 2, 6, K_RM_I8, WD, false, 0, 0, DG_CF,
      DG_OF | DG_SF | DG_AF | DG_PF, 0 },
    { "btc", { 0x0f, 0xba }, 2, 7, K_RM_I8, WD, false, 0, 0, DG_CF,
      DG_OF | DG_SF | DG_AF | DG_PF, 0 },
    { "bswap", { 0x0f, 0xc8 }, 2, -1, K_BSWAP, 4, false, 0, 0, 0, 0, 0 },
    { "xadd", { 0x0f, 0xc1 }, 2, -1, K_RM_R, WD, false, 0, 0, ALL, 0, 0 },
    { "cmpxchg", { 0x0f, 0xb0 }, 2, -1, K_RM_R, B, false, 0, 0, ALL, 0, 0 },
    { "cmpxchg", { 0x0f, 0xb1 }, 2, -1, K_RM_R, WD, false, 0, 0, ALL, 0, 0 },
    { "cbw", { 0x98 }, 1, -1, K_NONE, WD, false, 0, 0, 0, 0, 0 },
    { "cwd", { 0x99 }, 1, -1, K_NONE, WD, false, 0, 0, 0, 0, 0 },
    { "clc", { 0xf8 }, 1, -1, K_NONE, 0, false, 0, 0, DG_CF, 0, 0 },
    { "stc", { 0xf9 }, 1, -1, K_NONE, 0, false, 0, 0, DG_CF, 0, 0 },
    { "cmc", { 0xf5 }, 1, -1, K_NONE, 0, false, 0, 0, DG_CF, 0, DG_CF },
    { "sahf", { 0x9e }, 1, -1, K_NONE, 0, false, 0, 0, ALL & ~DG_OF, 0, 0 },
    { "lahf", { 0x9f }, 1, -1, K_NONE, 0, false, 0, 0, 0, 0,
      ALL & ~DG_OF },
};

/* Flags each condition pair (cc >> 1) reads: O B Z BE S P L LE */
static const uint16_t dg_cc_reads[8] = {
    DG_OF, DG_CF, DG_ZF, DG_CF | DG_ZF, DG_SF, DG_PF, DG_SF | DG_OF,
    DG_ZF | DG_SF | DG_OF,
};

/* Registers a word/dword operand may name: not ESP, not EDI */
static const uint8_t dg_regs[] = { 0, 1, 2, 3, 5, 6 };

typedef struct DgOut {
    uint8_t *p;
    unsigned n;
} DgOut;

static void dg_put(DgOut *o, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        o->p[o->n++] = v >> (8 * i);
    }
}

static unsigned dg_reg(GRand *r, unsigned size)
{
    return size == 1 ? (unsigned)g_rand_int_range(r, 0, 8)
                     : dg_regs[g_rand_int_range(r, 0, G_N_ELEMENTS(dg_regs))];
}

/* ModRM (+disp32) with ModRM.reg = @reg; memory or a register. */
static void dg_modrm(DgOut *o, GRand *r, unsigned reg, unsigned rmsize,
                     bool mem)
{
    if (mem) {
        o->p[o->n++] = 0x80 | (reg << 3) | DG_MEM_REG;
        dg_put(o, g_rand_int_range(r, 0, DG_MEM_SIZE - 4 + 1), 4);
    } else {
        o->p[o->n++] = 0xc0 | (reg << 3) | dg_reg(r, rmsize);
    }
}

/* Flags written and made undefined by shift/rotate @f with count @cnt
 * (-1: CL, unknown). */
static void dg_shift_flags(const DgForm *f, int cnt, unsigned width,
                           uint16_t *def, uint16_t *undef)
{
    *def = 0;
    *undef = 0;
    if (cnt < 0) {
        *undef = f->rule == FR_SHIFT ? DG_OF | DG_AF | DG_CF : DG_OF;
        return;
    }
    cnt &= 31;
    if (cnt == 0) {
        return;
    }
    if (f->rule == FR_SHIFT) {
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

/* Emit one instruction of form @f; returns false when it would read an
 * undefined flag. *def / *undef receive its flag effects. */
static bool dg_emit(DgOut *o, GRand *r, const DgForm *f, bool code16,
                    uint16_t undef_now, uint16_t *def, uint16_t *undef,
                    unsigned *jcc_cc)
{
    unsigned size = 4, cc = g_rand_int_range(r, 0, 16);
    bool modrm = f->kind <= K_SETCC;
    bool mem = modrm && !f->reg_only && g_rand_int_range(r, 0, 3) == 0;
    int cnt = -1;

    *def = f->def;
    *undef = f->undef;
    if ((f->kind == K_CMOV || f->kind == K_SETCC || f->kind == K_JCC) &&
        (dg_cc_reads[cc >> 1] & undef_now)) {
        return false;
    }
    if (f->read & undef_now) {
        return false;
    }
    if (f->sizes & WD) {
        size = (f->sizes & 2) && g_rand_boolean(r) ? 2 : 4;
        if (!(f->sizes & 4)) {
            size = 2;
        } else if (!(f->sizes & 2)) {
            size = 4;
        }
    } else if (f->sizes == B) {
        size = 1;
    }
    if ((f->sizes & WD) && (size == 2) != code16) {
        o->p[o->n++] = 0x66;
    }
    if (mem && code16) {
        o->p[o->n++] = 0x67;
    }
    for (unsigned i = 0; i < f->oplen; i++) {
        o->p[o->n++] = f->op[i];
    }
    switch (f->kind) {
    case K_RM_R:
    case K_R_RM:
        dg_modrm(o, r, dg_reg(r, size), size, mem);
        break;
    case K_R_RM_B:
    case K_R_RM_W:
        dg_modrm(o, r, dg_reg(r, size), f->kind == K_R_RM_B ? 1 : 2, mem);
        break;
    case K_RM:
        dg_modrm(o, r, f->ext, size, mem);
        cnt = f->count == 1 ? 1 : -1;
        break;
    case K_RM_I8:
        dg_modrm(o, r, f->ext, size, mem);
        cnt = g_rand_int_range(r, 0, 3) ? g_rand_int_range(r, 0, 34)
                                        : (int)(g_rand_int(r) & 0xff);
        dg_put(o, cnt, 1);
        break;
    case K_R_RM_I8:
        dg_modrm(o, r, dg_reg(r, size), size, mem);
        dg_put(o, g_rand_int(r), 1);
        break;
    case K_RM_IZ:
        dg_modrm(o, r, f->ext, size, mem);
        dg_put(o, g_rand_int(r), size);
        break;
    case K_CMOV:
        o->p[o->n - 1] += cc;
        dg_modrm(o, r, dg_reg(r, size), size, mem);
        break;
    case K_SETCC:
        o->p[o->n - 1] += cc;
        dg_modrm(o, r, 0, 1, mem);
        break;
    case K_JCC:
        o->p[o->n - 1] += cc;
        dg_put(o, 0, 1);                /* patched by the caller */
        *jcc_cc = 1;
        break;
    case K_BSWAP:
        o->p[o->n - 1] += dg_reg(r, 4);
        break;
    default:
        break;
    }
    if (f->rule != FR_FIXED) {
        dg_shift_flags(f, cnt, size * 8, def, undef);
    }
    return true;
}

void dg_generate(DiffSeq *s, GRand *r, bool code16)
{
    unsigned n = g_rand_int_range(r, 1, DG_MAX_INSNS + 1);
    uint16_t undef = 0;
    int jcc_at = -1;                    /* rel8 byte of the open Jcc */
    unsigned jcc_left = 0;              /* instructions it skips still */

    memset(s, 0, sizeof(*s));
    s->code16 = code16;
    for (int i = 0; i < 8; i++) {
        s->regs[i] = g_rand_int_range(r, 0, 4) ? g_rand_int(r)
                                               : g_rand_int_range(r, 0, 3);
    }
    s->flags = g_rand_int(r) & DG_CC;
    for (unsigned i = 0; i < DG_MEM_SIZE; i++) {
        s->mem[i] = g_rand_int(r);
    }
    while (s->n < n) {
        const DgForm *f = &dg_forms[g_rand_int_range(r, 0,
                                                     G_N_ELEMENTS(dg_forms))];
        DgOut o = { s->code + s->len, 0 };
        uint16_t def, und;
        unsigned jcc = 0;

        if (!dg_emit(&o, r, f, code16, undef, &def, &und, &jcc)) {
            continue;
        }
        s->off[s->n] = s->len;
        s->undef[s->n] = undef;
        s->name[s->n] = f->name;
        s->len += o.n;
        s->n++;
        /* inside a Jcc's shadow an instruction may not run: its
         * definitions do not count, its undefined flags do */
        undef = jcc_at >= 0 ? (undef | und) : ((undef | und) & ~def);
        if (jcc_at >= 0 && --jcc_left == 0) {
            s->code[jcc_at] = s->len - (jcc_at + 1);
            jcc_at = -1;
        }
        if (jcc && jcc_at < 0) {
            jcc_at = s->len - 1;
            jcc_left = g_rand_int_range(r, 1, 4);
        }
    }
    if (jcc_at >= 0) {
        s->code[jcc_at] = s->len - (jcc_at + 1);
    }
    s->off[s->n] = s->len;
    s->undef[s->n] = undef;
}

unsigned dg_insn_at(const DiffSeq *s, unsigned off)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (off < s->off[i + 1]) {
            return i;
        }
    }
    return s->n;
}
