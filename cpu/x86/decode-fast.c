/* SPDX-License-Identifier: MIT */
/*
 * x86 decoder entry point and fast path. x86_decode() scans the legacy
 * prefixes and REX, then decodes one-byte and 0F instructions whose
 * operands are GPR, MMX, XMM, ModRM memory, immediate, relative, moffs or
 * string operands from flattened rows: nearly all of real code. The rest
 * goes to the generic walk, x86_decode_walk() in decode.c.
 *
 * The rows are flattened at start-up from the same opcode maps the generic
 * walk uses (decode-flat.c): nothing is listed twice. At run time a row
 * lookup by mode, map and opcode, rarely a switch on ModRM.reg, ModRM.mod,
 * REX.W or the prefix state, gives the instruction, its operand size for
 * the 66/REX.W present and its operand shape.
 *
 * The walk takes x87, VEX, 0F 38/3A, Sreg/CR/DR and far operands, the 90
 * NOP/XCHG/PAUSE row, #UD rows and #UD conditions, and a window that ends
 * inside the instruction. It starts again from the opcode byte: the fast
 * path only has to be right when it says yes.
 *
 * Ref: Intel SDM vol. 2, ch. 2 and appendix A, as for decode.c. Prefix
 * rules: the last segment override wins (in 64-bit mode only FS/GS take
 * effect); a REX not immediately before the opcode is ignored.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

/* A register operand; a byte GPR 4..7 without REX is AH..BH */
static inline void fast_reg(X86Operand *op, unsigned cls, unsigned reg,
                            unsigned size, unsigned rex)
{
    unsigned high = size == 1 && !rex && (reg >> 2) == 1;

    op->kind = X86_OPND_REG;
    op->size = size;
    op->reg_class = cls + high;         /* X86_RC_GPR8H follows X86_RC_GPR */
    op->reg = reg - 4 * high;
}

/* A memory operand without ModRM: [rSI], [rDI] or moffs */
static inline void fast_mem(X86Operand *op, unsigned size, int base,
                            unsigned seg)
{
    op->kind = X86_OPND_MEM;
    op->size = size;
    op->base = base;
    op->index = -1;
    op->scale = 1;
    op->seg = seg;
}

/* ModRM r/m operand: a register, or the memory operand decoded already */
static inline void fast_rm(X86Operand *op, const X86FastOp *fo,
                           unsigned modrm, unsigned rex, unsigned oi)
{
    if (modrm < 0xc0) {
        op->size = fo->size[oi];
    } else {
        fast_reg(op, fo->info, (modrm & 7) | (rex & fo->rexb) << 3,
                 fo->size[oi], rex);
    }
}

/* ModRM reg operand */
static inline void fast_modreg(X86Operand *op, const X86FastOp *fo,
                               unsigned modrm, unsigned rex, unsigned oi)
{
    fast_reg(op, fo->info, ((modrm >> 3) & 7) | (rex & fo->rexr) << 1,
             fo->size[oi], rex);
}

/* Immediate at @p (FK_IMM, FK_IMMS); returns its length */
static inline unsigned fast_imm(X86Insn *insn, X86Operand *op,
                                const X86FastOp *fo, const uint8_t *p,
                                const DecodeState *ds, unsigned oi)
{
    unsigned size = fo->size[oi], len = fo->len[oi];
    uint64_t v = x86_load(p, len);

    if (!insn->imm_off) {
        insn->imm_off = p - ds->bytes;
    }
    op->kind = X86_OPND_IMM;
    op->size = size;
    op->imm = len < size ? x86_trunc(x86_sext(v, len), size) : v;
    return len;
}

/* Relative offset at @p; returns its length */
static inline unsigned fast_rel(X86Insn *insn, X86Operand *op,
                                const X86FastOp *fo, const uint8_t *p,
                                const DecodeState *ds, unsigned oi)
{
    unsigned len = fo->len[oi];

    insn->imm_off = p - ds->bytes;
    op->kind = X86_OPND_REL;
    op->size = fo->size[oi];
    op->rel = x86_load_sext(p, len);
    return len;
}

/*
 * Operand @fo of @insn other than a ModRM memory form (fast_decode()
 * decodes that first). @p points to its immediate, if it has one; returns
 * the number of bytes taken.
 */
static inline __attribute__((always_inline)) unsigned
fast_operand(X86Insn *insn, X86Operand *op, const X86FastOp *fo,
             const uint8_t *p, const DecodeState *ds, unsigned b,
             unsigned modrm, unsigned oi)
{
    unsigned rex = ds->rex, size = fo->size[oi];
    unsigned seg = ds->seg != X86_SEG_NONE ? ds->seg : X86_SEG_DS;

    switch (fo->kind) {
    case FK_RM:
    case FK_MEM:
    case FK_RMREG:
        fast_rm(op, fo, modrm, rex, oi);
        return 0;
    case FK_REG:
        fast_modreg(op, fo, modrm, rex, oi);
        return 0;
    case FK_Z:
        fast_reg(op, X86_RC_GPR, (b & 7) | (rex & 1) << 3, size, rex);
        return 0;
    case FK_FIXED:
        fast_reg(op, X86_RC_GPR, fo->info, size, 0);
        return 0;
    case FK_ONE:
        op->kind = X86_OPND_IMM;
        op->size = 1;
        op->imm = 1;
        return 0;
    case FK_SRC:
        fast_mem(op, size, X86_GPR_SI, seg);
        return 0;
    case FK_DST:
        fast_mem(op, size, X86_GPR_DI, X86_SEG_ES);
        return 0;
    case FK_REL:
        return fast_rel(insn, op, fo, p, ds, oi);
    case FK_MOFFS:
        insn->imm_off = p - ds->bytes;
        fast_mem(op, size, -1, seg);
        op->disp = x86_load(p, ds->asz);
        return ds->asz;
    default:
        return fast_imm(insn, op, fo, p, ds, oi);
    }
}

/*
 * The operands of shape @sh; returns the bytes taken after ModRM and its
 * memory operand. The common shapes have their own few lines, the rest
 * goes operand by operand.
 */
static inline __attribute__((always_inline)) unsigned
fast_operands(X86Insn *insn, const X86FastRow *fr, const uint8_t *p,
              const DecodeState *ds, unsigned b, unsigned modrm, unsigned oi)
{
    const X86FastShape *sh = &x86_fast_shapes[fr->sub];
    X86Operand *op = insn->op;
    unsigned rex = ds->rex, n = 0;

    switch (fr->form) {
    case FAST_SHAPE_NONE:
        return 0;
    case FAST_SHAPE_RM:
        fast_rm(&op[0], &sh->op[0], modrm, rex, oi);
        return 0;
    case FAST_SHAPE_RM_REG:
        fast_rm(&op[0], &sh->op[0], modrm, rex, oi);
        fast_modreg(&op[1], &sh->op[1], modrm, rex, oi);
        return 0;
    case FAST_SHAPE_REG_RM:
        fast_modreg(&op[0], &sh->op[0], modrm, rex, oi);
        fast_rm(&op[1], &sh->op[1], modrm, rex, oi);
        return 0;
    case FAST_SHAPE_RM_IMM:
        fast_rm(&op[0], &sh->op[0], modrm, rex, oi);
        return fast_imm(insn, &op[1], &sh->op[1], p, ds, oi);
    case FAST_SHAPE_Z:
        fast_reg(&op[0], X86_RC_GPR, (b & 7) | (rex & 1) << 3,
                 sh->op[0].size[oi], rex);
        return 0;
    case FAST_SHAPE_REL:
        return fast_rel(insn, &op[0], &sh->op[0], p, ds, oi);
    case FAST_SHAPE_OTHER:
        for (unsigned i = 0; i < fr->head[offsetof(X86Insn, nops)]; i++) {
            n += fast_operand(insn, &op[i], &sh->op[i], p + n, ds, b, modrm,
                              oi);
        }
        return n;
    default:
        __builtin_unreachable();        /* decode-flat.c sets no other */
    }
}

/*
 * The fast path, from opcode byte @b (at ds->pos - 1) with the prefixes in
 * @ds. Returns false, with @insn unspecified, for what the generic walk
 * must decode. The bytes are read without checks: x86_decode() makes sure
 * 32 can be read, and the length is checked against the window at the end.
 */
static inline __attribute__((always_inline)) bool
fast_decode(X86Insn *insn, const DecodeState *ds, unsigned b, X86Mode mode)
{
    const uint8_t *p = ds->bytes + ds->pos;
    unsigned rex = ds->rex, pfx = ds->pfx, row = b;
    unsigned modrm = 0, oi, len;
    const X86FastRow *fr;
    uint32_t flags;

    if (b == 0x0f) {
        b = *p++;
        row = 256 + b;          /* the 0F map's rows follow */
    }
    /* resolve the switches; ModRM is peeked here, consumed below */
    fr = &x86_fast_top[mode][row];
    while (unlikely(fr->kind)) {        /* not FR_INSN */
        unsigned i;
        switch (fr->kind) {
        case FR_REG:
            i = (p[0] >> 3) & 7;
            break;
        case FR_MOD:
            i = p[0] >= 0xc0;
            break;
        case FR_W:
            i = (rex >> 3) & 1;
            break;
        case FR_PFX:
            i = !!(pfx & X86_PFX_66) +
                (ds->last_rep == 0xf3 ? 2 : ds->last_rep == 0xf2 ? 4 : 0);
            break;
        default:
            return false;
        }
        fr = &x86_fast_pool[fr->sub + i];
    }
    memcpy(&flags, fr->head + offsetof(X86Insn, flags), sizeof(flags));
    oi = (fr->oszs >> ds->oshift) & 3;      /* 2, 4 or 8 bytes */

    memcpy(insn, fr->head, sizeof(fr->head));
    memset(insn->op, 0, sizeof(insn->op));
    insn->op_size = 2 << oi;
    insn->rex = rex;
    insn->prefixes = pfx;
    if (unlikely(pfx & ~X86_PFX_REX)) {
        insn->seg_prefix = ds->seg_prefix;
        insn->seg_override = ds->seg;
        insn->addr_size = ds->asz;
    }
    /* ModRM and the memory operand, whose bytes come before immediates */
    if (flags & X86_IF_MODRM) {
        modrm = *p++;
        insn->modrm = modrm;
        if (modrm < 0xc0) {
            if (fr->rmreq == FAST_RM_REG) {
                return false;
            }
            p += x86_mem_operand(insn, &insn->op[fr->rm], p, modrm, rex,
                                 ds->akind, ds->seg, ds->asz);
        } else if (fr->rmreq == FAST_RM_MEM) {
            return false;
        }
    }
    p += fast_operands(insn, fr, p, ds, b, modrm, oi);
    len = p - ds->bytes;
    if (unlikely(len > ds->lim)) {
        return false;           /* NEED_MORE or #GP: the walk says which */
    }
    if (unlikely(pfx & (X86_PFX_F0 | X86_PFX_F2 | X86_PFX_F3))) {
        /* LOCK: lockable instruction with a memory destination only */
        if (pfx & X86_PFX_F0) {
            if (!(flags & F_LOCKOK) || insn->op[0].kind != X86_OPND_MEM) {
                return false;
            }
            insn->flags |= X86_IF_LOCK;
        }
        if (ds->last_rep && fr->rep) {
            insn->flags |= ds->last_rep == 0xf3 ? X86_IF_REP : X86_IF_REPNE;
        }
    }
    insn->len = len;
    return true;
}

/* Prefix bytes by mode: X86_PFX_* bit, or PK_REX (64-bit mode only) */
#define PK_REX  0x8000
#define X86_LEGACY_PREFIXES                                             \
    [0x26] = X86_PFX_ES, [0x2E] = X86_PFX_CS, [0x36] = X86_PFX_SS,      \
    [0x3E] = X86_PFX_DS, [0x64] = X86_PFX_FS, [0x65] = X86_PFX_GS,      \
    [0x66] = X86_PFX_66, [0x67] = X86_PFX_67, [0xF0] = X86_PFX_F0,      \
    [0xF2] = X86_PFX_F2, [0xF3] = X86_PFX_F3
static const uint16_t x86_prefix_bits[3][256] = {
    [X86_MODE_16] = { X86_LEGACY_PREFIXES },
    [X86_MODE_32] = { X86_LEGACY_PREFIXES },
    [X86_MODE_64] = { X86_LEGACY_PREFIXES, [0x40 ... 0x4F] = PK_REX },
};
/* Segment prefixes: X86_SEG_* + 1 */
static const uint8_t x86_prefix_seg[256] = {
    [0x26] = X86_SEG_ES + 1, [0x2E] = X86_SEG_CS + 1, [0x36] = X86_SEG_SS + 1,
    [0x3E] = X86_SEG_DS + 1, [0x64] = X86_SEG_FS + 1, [0x65] = X86_SEG_GS + 1,
};

/* Whether byte @b is a legacy prefix, or a REX in 64-bit mode */
static inline bool x86_is_prefix(unsigned b, X86Mode mode)
{
    return x86_prefix_bits[mode][b];
}

/* A REX (64-bit mode only) directly before an opcode byte, at @p */
static inline bool x86_rex_alone(const uint8_t *p, X86Mode mode)
{
    return x86_prefix_bits[mode][p[0]] == PK_REX &&
           !x86_prefix_bits[mode][p[1]];
}

/* Address size and kind by mode and 67 (without 67: 2 << mode, mode) */
G_STATIC_ASSERT(X86_ADDR16 == (int)X86_MODE_16 &&
                X86_ADDR32 == (int)X86_MODE_32 &&
                X86_ADDR64 == (int)X86_MODE_64);
static const uint8_t x86_asz[3][2] = { { 2, 4 }, { 4, 2 }, { 8, 4 } };
static const uint8_t x86_akind[3][2] = {
    { X86_ADDR16, X86_ADDR32 }, { X86_ADDR32, X86_ADDR16 },
    { X86_ADDR64, X86_ADDR64 },
};

/* Legacy prefixes and REX into @ds, from the first byte; see below */
static int x86_scan_prefix_bytes(DecodeState *ds, X86Mode mode)
{
    const uint8_t *p = ds->bytes;
    unsigned pfx = 0, rex = 0, last_rep = 0, seg = X86_SEG_NONE, b, a67;
    unsigned pos, bits;

    for (pos = 0;; pos++) {
        if (unlikely(pos >= ds->lim)) {
            ds->pos = pos;
            ds->need = pos + 1;
            return -1;
        }
        b = p[pos];
        bits = x86_prefix_bits[mode][b];
        if (!bits) {
            break;
        }
        if (bits == PK_REX) {
            rex = b;
        } else {
            rex = 0;
            pfx |= bits;
            if (bits & (X86_PFX_F2 | X86_PFX_F3)) {
                last_rep = b;
            } else if (x86_prefix_seg[b]) {
                seg = x86_prefix_seg[b] - 1;
            }
        }
    }
    ds->pos = pos + 1;
    ds->pfx = pfx | (rex ? X86_PFX_REX : 0);
    ds->rex = rex;
    ds->last_rep = last_rep;
    ds->seg_prefix = seg;
    ds->seg = mode == X86_MODE_64 && seg < X86_SEG_FS ? X86_SEG_NONE : seg;
    a67 = !!(pfx & X86_PFX_67);
    ds->oshift = 2 * (!!(pfx & X86_PFX_66) + ((rex >> 2) & 2));
    ds->asz = x86_asz[mode][a67];
    ds->akind = x86_akind[mode][a67];
    return b;
}

/*
 * Legacy prefixes and REX into @ds; returns the opcode byte (@ds->pos is
 * past it), or -1 when the window ends first. Most instructions have none,
 * or a REX alone.
 */
static inline int x86_scan_prefixes(DecodeState *ds, X86Mode mode)
{
    const uint8_t *p = ds->bytes;
    unsigned b = p[0];

    if (unlikely(!ds->lim)) {
        ds->need = 1;
        return -1;
    }
    ds->pos = 1;
    if (x86_is_prefix(b, mode)) {
        if (!x86_rex_alone(p, mode) || ds->lim < 2) {
            return x86_scan_prefix_bytes(ds, mode);
        }
        ds->rex = b;
        ds->pfx = X86_PFX_REX;
        ds->oshift = 2 * ((b >> 2) & 2);
        ds->pos = 2;
        b = p[1];
    }
    ds->asz = x86_asz[mode][0];
    ds->akind = x86_akind[mode][0];
    return b;
}

static inline __attribute__((always_inline)) X86DecodeStatus
x86_decode_one(X86Insn *insn, const uint8_t *bytes, size_t avail,
               X86Mode mode, bool fast)
{
    uint8_t pad[32];
    DecodeState ds = {
        .bytes = bytes,
        .lim = avail < X86_MAX_INSN_LEN ? avail : X86_MAX_INSN_LEN,
        .seg_prefix = X86_SEG_NONE,
        .seg = X86_SEG_NONE,
    };
    int b;

    /* the fast path reads up to 32 bytes unchecked: give it a copy of a
     * short window, with zeros after it */
    if (unlikely(avail < sizeof(pad))) {
        memset(pad, 0, sizeof(pad));
        memcpy(pad, bytes, ds.lim);
        ds.bytes = pad;
    }
    b = x86_scan_prefixes(&ds, mode);
    if (fast && likely(b >= 0) && likely(fast_decode(insn, &ds, b, mode))) {
        return X86_DEC_OK;
    }
    return x86_decode_walk(insn, &ds, b, mode);
}

/* Prefixed code, short windows, and what the fast path left */
static __attribute__((noinline)) X86DecodeStatus
x86_decode_slow(X86Insn *insn, const uint8_t *bytes, size_t avail,
                X86Mode mode, bool fast)
{
    return x86_decode_one(insn, bytes, avail, mode, fast);
}

X86DecodeStatus x86_decode(X86Insn *insn, const uint8_t *bytes, size_t avail,
                           X86Mode mode)
{
    bool tried = false;

    /*
     * Most code: no legacy prefix, perhaps a REX, in a window wide enough
     * to read unchecked. With the prefix state known here, the compiler
     * keeps it in registers.
     */
    if (likely(avail >= 32)) {
        DecodeState ds = {
            .bytes = bytes,
            .pos = 1,
            .lim = X86_MAX_INSN_LEN,
            .seg_prefix = X86_SEG_NONE,
            .seg = X86_SEG_NONE,
            .asz = 2 << mode,           /* x86_asz[mode][0] */
            .akind = mode,              /* x86_akind[mode][0] */
        };
        unsigned b = bytes[0];
        bool plain = !x86_is_prefix(b, mode);

        if (!plain && x86_rex_alone(bytes, mode)) {
            ds.rex = b;
            ds.pfx = X86_PFX_REX;
            ds.oshift = 2 * ((b >> 2) & 2);
            ds.pos = 2;
            b = bytes[1];
            plain = true;
        }
        if (plain) {
            if (likely(fast_decode(insn, &ds, b, mode))) {
                return X86_DEC_OK;
            }
            tried = true;
        }
    }
    return x86_decode_slow(insn, bytes, avail, mode, !tried);
}

X86DecodeStatus x86_decode_generic(X86Insn *insn, const uint8_t *bytes,
                                   size_t avail, X86Mode mode)
{
    return x86_decode_one(insn, bytes, avail, mode, false);
}
