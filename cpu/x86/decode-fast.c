/* SPDX-License-Identifier: MIT */
/*
 * x86 decoder fast path: instructions with no legacy prefix (REX alone is
 * allowed) from the one-byte and 0F maps whose operands are GPRs, ModRM
 * memory, immediates or relative offsets. That is most of real code.
 *
 * The descriptors are flattened once, at start-up, from the same opcode
 * maps the generic walk in decode.c uses (decode-1byte.c, decode-0f.c,
 * decode-groups.c): one row per opcode and mode (a ModRM.reg group gets a
 * row per reg), with operand sizes and immediate lengths precomputed for
 * each operand size. Nothing is listed twice. Anything else (prefixes,
 * x87, MMX/SSE operands, Sreg/CR/DR, string and far operands, mode or
 * REX.W switches, #UD rows, a window that ends inside the instruction)
 * returns false and x86_decode() takes the generic walk, which redoes the
 * instruction from scratch: the fast path only has to be right when it
 * says yes.
 *
 * Ref: Intel SDM vol. 2, ch. 2 and appendix A, as for decode.c.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

/* Operand kinds the fast path decodes */
enum {
    FK_E,           /* ModRM r/m: GPR or memory */
    FK_M,           /* ModRM r/m: memory only (register: generic path) */
    FK_G,           /* ModRM reg: GPR */
    FK_Z,           /* GPR from opcode bits 2:0 */
    FK_FIXED,       /* fixed GPR (reg in .reg) */
    FK_ONE,         /* constant 1 */
    FK_IMM,         /* immediate: .len[] bytes read, sign-extended if short */
    FK_IMMS,        /* imm8 sign-extended and truncated to the operand size */
    FK_REL,         /* relative offset of .len[] bytes */
};

typedef struct X86FastOp {
    uint8_t kind;           /* FK_* */
    uint8_t reg;            /* FK_FIXED: GPR number */
    uint8_t size[3];        /* operand bytes for operand size 2, 4, 8 */
    uint8_t len[3];         /* bytes read (FK_IMM, FK_REL) by operand size */
} X86FastOp;

typedef struct X86FastDesc {
    uint32_t flags;         /* F_* of the row; F_MODRM when ModRM follows */
    uint16_t mnem;          /* X86_INSN_INVALID: not on the fast path */
    uint8_t nops;
    uint8_t feature;
    uint8_t cc;
    uint8_t group;          /* rows by ModRM.reg start at x86_fast_grp[group] */
    X86FastOp op[3];
} X86FastDesc;

#define FAST_MAX_GROUPS 48

/* Legacy prefixes and REX (REX only in 64-bit mode: checked apart) */
static const uint8_t x86_prefix_byte[256] = {
    [0x26] = 1, [0x2E] = 1, [0x36] = 1, [0x3E] = 1, [0x64] = 1,
    [0x65] = 1, [0x66] = 1, [0x67] = 1, [0xF0] = 1, [0xF2] = 1,
    [0xF3] = 1, [0x40 ... 0x4F] = 1,
};

/* [mode64][opcode] for the one-byte and 0F maps; group rows by ModRM.reg */
static X86FastDesc x86_fast_1byte[2][256];
static X86FastDesc x86_fast_0f[2][256];
static X86FastDesc x86_fast_grp[FAST_MAX_GROUPS][8];
static unsigned x86_fast_ngroups;

/* Row flags that keep an instruction on the generic path */
#define FAST_SLOW_FLAGS (F_X87 | F_MMX | F_SSE | F_STRING | F_UD)

static bool fast_size(unsigned sz, unsigned osz, uint8_t *out)
{
    static const uint8_t fixed[SZ_COUNT] = {
        [SZ_b] = 1, [SZ_w] = 2, [SZ_d] = 4, [SZ_q] = 8,
    };

    switch (sz) {
    case SZ_0:
        *out = 0;
        return true;
    case SZ_b: case SZ_w: case SZ_d: case SZ_q:
        *out = fixed[sz];
        return true;
    case SZ_v: case SZ_vq:
        *out = osz;
        return true;
    case SZ_z:
        *out = osz == 2 ? 2 : 4;
        return true;
    case SZ_y:
        *out = osz == 8 ? 8 : 4;
        return true;
    default:
        return false;
    }
}

/* One operand spec of a table row; false if the fast path cannot do it. */
static bool fast_op(X86FastOp *fo, unsigned am, unsigned sz)
{
    static const uint8_t kinds[OA_COUNT] = {
        [OA_E] = FK_E + 1, [OA_M] = FK_M + 1, [OA_G] = FK_G + 1,
        [OA_Z] = FK_Z + 1, [OA_ONE] = FK_ONE + 1, [OA_I] = FK_IMM + 1,
        [OA_IS] = FK_IMMS + 1, [OA_J] = FK_REL + 1,
        [OA_R0 ... OA_R7] = FK_FIXED + 1,
    };

    if (am >= OA_COUNT || !kinds[am]) {
        return false;
    }
    fo->kind = kinds[am] - 1;
    fo->reg = am >= OA_R0 ? am - OA_R0 : 0;
    for (unsigned o = 0; o < 3; o++) {
        unsigned osz = 2 << o;
        uint8_t size;
        if (!fast_size(sz, osz, &size)) {
            return false;
        }
        fo->size[o] = size;
        fo->len[o] = size;
        if (fo->kind == FK_IMM && sz == SZ_z) {
            fo->size[o] = osz;
        } else if (fo->kind == FK_IMMS) {
            fo->size[o] = osz;
            fo->len[o] = 1;
        } else if (fo->kind == FK_REL) {
            fo->size[o] = osz;
            fo->len[o] = size == 1 ? 1 : osz == 2 ? 2 : 4;
        }
    }
    return true;
}

/*
 * Flatten instruction row @d (operands from @opd) into @fd; leaves @fd
 * invalid when the fast path cannot decode it.
 */
static void fast_fill(X86FastDesc *fd, const X86OpDesc *d,
                      const X86OpDesc *opd, unsigned map, unsigned b)
{
    X86FastDesc t = { .mnem = d->mnem, .nops = opd->nops };

    if (d->kind != DK_INSN || d->mnem == X86_INSN_INVALID ||
        (d->flags & FAST_SLOW_FLAGS) || opd->nops > 3 ||
        d->mnem == X86_INSN_PAUSE) {
        return;
    }
    for (unsigned i = 0; i < opd->nops; i++) {
        if (!fast_op(&t.op[i], opd->am[i], opd->sz[i])) {
            return;
        }
    }
    t.flags = d->flags | (opd->flags & F_MODRM);
    t.feature = d->feat ? d->feat : x86_mnemonic_feat[d->mnem];
    if ((map == X86_MAP_1BYTE && (b & 0xf0) == 0x70) ||
        (map == X86_MAP_0F && ((b & 0xf0) == 0x80 || (b & 0xf0) == 0x90 ||
                               (b & 0xf0) == 0x40))) {
        t.cc = b & 15;
    }
    *fd = t;
}

/* Resolve the switches that need no prefix, ModRM or REX.W to decide. */
static const X86OpDesc *fast_resolve(const X86OpDesc *d, bool mode64)
{
    for (;;) {
        if (d->kind == DK_M64) {
            d = &d->sub[mode64];
        } else if (d->kind == DK_PFX) {
            d = &d->sub[0];
        } else {
            return d;
        }
    }
}

static void fast_fill_row(X86FastDesc *fd, const X86OpDesc *row, bool mode64,
                          unsigned map, unsigned b)
{
    const X86OpDesc *d = fast_resolve(row, mode64);

    if (d->kind == DK_REG && x86_fast_ngroups < FAST_MAX_GROUPS) {
        unsigned g = x86_fast_ngroups++;
        for (unsigned r = 0; r < 8; r++) {
            const X86OpDesc *s = fast_resolve(&d->sub[r], mode64);
            const X86OpDesc *opd = s->flags & F_INHERIT ? d : s;
            fast_fill(&x86_fast_grp[g][r], s, opd, map, b);
            x86_fast_grp[g][r].flags |= F_MODRM;
        }
        *fd = (X86FastDesc) { .mnem = X86_INSN_COUNT, .group = g,
                              .flags = F_MODRM };
    } else {
        fast_fill(fd, d, d, map, b);
    }
}

static void __attribute__((constructor)) x86_fast_init(void)
{
    for (unsigned m = 0; m < 2; m++) {
        for (unsigned b = 0; b < 256; b++) {
            fast_fill_row(&x86_fast_1byte[m][b], &x86_op_1byte[b], m,
                          X86_MAP_1BYTE, b);
            fast_fill_row(&x86_fast_0f[m][b], &x86_op_0f[b], m,
                          X86_MAP_0F, b);
        }
        /* prefixes, VEX and the XCHG/NOP/PAUSE row stay generic */
        for (unsigned b = 0; b < 256; b++) {
            const X86OpDesc *d = &x86_op_1byte[b];
            if (d->kind == DK_ESC || b == 0x90 || (b & 0xfe) == 0xc4 ||
                (x86_prefix_byte[b] && (m || (b & 0xf0) != 0x40))) {
                x86_fast_1byte[m][b].mnem = X86_INSN_INVALID;
            }
        }
    }
}

static inline void fast_gpr(X86Operand *op, unsigned reg, unsigned size,
                            unsigned rex)
{
    op->kind = X86_OPND_REG;
    op->size = size;
    if (size == 1 && !rex && reg >= 4 && reg < 8) {
        op->reg_class = X86_RC_GPR8H;
        op->reg = reg - 4;
    } else {
        op->reg_class = X86_RC_GPR;
        op->reg = reg;
    }
}

bool x86_decode_fast(X86Insn *insn, const uint8_t *bytes, size_t avail,
                     X86Mode mode)
{
    DecodeState ds = {
        .bytes = bytes,
        .avail = avail,
        .lim = avail < X86_MAX_INSN_LEN ? avail : X86_MAX_INSN_LEN,
    };
    bool mode64 = mode == X86_MODE_64;
    const X86FastDesc *fd;
    unsigned rex = 0, b, map = X86_MAP_1BYTE, osz, oi;
    uint32_t flags;

    if (ds.lim < 2) {
        return false;
    }
    b = bytes[0];
    ds.pos = 1;
    if (mode64 && (b & 0xf0) == 0x40) {
        rex = b;
        b = bytes[1];
        ds.pos = 2;
        if (x86_prefix_byte[b]) {
            return false;
        }
    }
    fd = &x86_fast_1byte[mode64][b];
    if (b == 0x0f) {
        if (!ds_need(&ds, 1)) {
            return false;
        }
        b = bytes[ds.pos++];
        map = X86_MAP_0F;
        fd = &x86_fast_0f[mode64][b];
    }
    if (fd->mnem == X86_INSN_INVALID) {
        return false;
    }
    if (fd->flags & F_MODRM) {
        if (!ds_need(&ds, 1)) {
            return false;
        }
        ds.modrm = bytes[ds.pos++];
        if (fd->mnem == X86_INSN_COUNT) {
            fd = &x86_fast_grp[fd->group][(ds.modrm >> 3) & 7];
            if (fd->mnem == X86_INSN_INVALID) {
                return false;
            }
        }
    }
    flags = fd->flags;
    if (mode64 ? (flags & F_INV64) : (flags & F_O64)) {
        return false;
    }

    memset(insn, 0, offsetof(X86Insn, op));
    for (unsigned i = 0; i < X86_MAX_OPERANDS; i++) {
        insn->op[i] = (X86Operand) { 0 };
    }
    insn->mode = mode;
    insn->rex = rex;
    insn->prefixes = rex ? X86_PFX_REX : 0;
    insn->seg_prefix = X86_SEG_NONE;
    insn->seg_override = X86_SEG_NONE;
    insn->addr_size = mode64 ? 8 : mode == X86_MODE_16 ? 2 : 4;
    insn->map = map;
    insn->opcode = b;
    insn->mnem = fd->mnem;
    insn->modrm = ds.modrm;

    osz = mode == X86_MODE_16 ? 2 : 4;
    if (mode64 && ((rex & 8) || (flags & (F_F64 | F_DEF64)))) {
        osz = 8;
    }
    insn->op_size = osz;
    oi = osz >> 2;

    insn->nops = fd->nops;
    for (unsigned i = 0; i < fd->nops; i++) {
        const X86FastOp *fo = &fd->op[i];
        X86Operand *op = &insn->op[i];
        unsigned size = fo->size[oi], len = fo->len[oi];

        switch (fo->kind) {
        case FK_E:
        case FK_M:
            if (ds.modrm >= 0xc0) {
                if (fo->kind == FK_M) {
                    return false;
                }
                fast_gpr(op, (ds.modrm & 7) | (rex & 1) << 3, size, rex);
                break;
            }
            if (!x86_decode_mem(&ds, insn, op)) {
                return false;
            }
            op->size = size;
            break;
        case FK_G:
            fast_gpr(op, ((ds.modrm >> 3) & 7) | (rex & 4) << 1, size, rex);
            break;
        case FK_Z:
            fast_gpr(op, (b & 7) | (rex & 1) << 3, size, rex);
            break;
        case FK_FIXED:
            fast_gpr(op, fo->reg, size, 0);
            break;
        case FK_ONE:
            op->kind = X86_OPND_IMM;
            op->size = 1;
            op->imm = 1;
            break;
        case FK_IMM:
        case FK_IMMS:
        case FK_REL: {
            uint64_t v;
            if (!ds_need(&ds, len)) {
                return false;
            }
            if (!insn->imm_off || fo->kind == FK_REL) {
                insn->imm_off = ds.pos;
            }
            v = ds_read(&ds, len);
            op->size = size;
            if (fo->kind == FK_REL) {
                op->kind = X86_OPND_REL;
                op->rel = x86_sext(v, len);
            } else {
                op->kind = X86_OPND_IMM;
                op->imm = len < size ? x86_trunc(x86_sext(v, len), size) : v;
            }
            break;
        }
        }
    }
    /* A ModRM memory form with no memory operand still has its bytes */
    if ((flags & F_MODRM) && ds.modrm < 0xc0 && !ds.mem_done) {
        X86Operand tmp;
        if (!x86_decode_mem(&ds, insn, &tmp)) {
            return false;
        }
    }
    insn->feature = fd->feature;
    insn->cc = fd->cc;
    insn->flags |= (flags & F_PUBLIC) | (flags & F_MODRM ? X86_IF_MODRM : 0);
    insn->len = ds.pos;
    return true;
}
