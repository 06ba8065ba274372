/* SPDX-License-Identifier: MIT */
/*
 * The fast path's rows, flattened once at start-up from the same opcode
 * maps the generic walk uses (decode-1byte.c, decode-0f.c,
 * decode-groups.c), so that nothing is listed twice. Per mode and opcode of
 * the one-byte and 0F maps:
 *
 * - mode switches (DK_M64) are resolved, and so is validity in the mode;
 * - a mandatory-prefix switch (DK_PFX) becomes a run-time switch with a
 *   row per prefix state, with the maps' fall-back rule applied here;
 * - ModRM.reg, ModRM.mod and REX.W switches stay run-time switches;
 * - an instruction row gets its operand size for each 66/REX.W
 *   combination, and its operand specs become a shape (shared by all rows
 *   with the same specs) with sizes and immediate lengths per operand size.
 *
 * What the fast path cannot decode stays FR_SLOW: x87 and ModRM.rm
 * switches, 0F 38/3A, operands other than GPR/MMX/XMM/memory/immediate/
 * relative/moffs/string, sizes that differ between register and memory
 * forms, #UD rows, and the 90 (NOP/XCHG/PAUSE) and C4/C5 (VEX) rows.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

X86FastRow x86_fast_top[3][512];
X86FastRow x86_fast_pool[X86_FAST_POOL_ROWS];
X86FastShape x86_fast_shapes[X86_FAST_SHAPES];
static unsigned x86_fast_npool, x86_fast_nshapes;

G_STATIC_ASSERT(X86_RC_GPR8H == X86_RC_GPR + 1);

/* The row a DK_PFX switch picks for prefix state @ps, as decode.c does */
static unsigned flat_pfx_row(const X86OpDesc *t, unsigned ps)
{
    unsigned idx = ps & 2 ? 2 : ps & 4 ? 3 : 0;

    if (idx && row_empty(&t[idx])) {
        idx = 0;
    }
    if (!idx && (ps & 1) && !row_empty(&t[1])) {
        idx = 1;
    }
    return idx;
}

/* One operand spec; false if the fast path cannot decode it. */
static bool flat_op(X86FastOp *fo, unsigned am, unsigned sz, bool mode64)
{
    static const X86FastOp kinds[OA_COUNT] = {
        [OA_E] = { FK_RM, X86_RC_GPR },
        [OA_Q] = { FK_RM, X86_RC_MMX },
        [OA_W] = { FK_RM, X86_RC_XMM },
        [OA_M] = { FK_MEM },
        [OA_N] = { FK_RMREG, X86_RC_MMX },
        [OA_U] = { FK_RMREG, X86_RC_XMM },
        [OA_G] = { FK_REG, X86_RC_GPR },
        [OA_P] = { FK_REG, X86_RC_MMX },
        [OA_V] = { FK_REG, X86_RC_XMM },
        [OA_Z] = { FK_Z, X86_RC_GPR },
        [OA_R0 ... OA_R7] = { FK_FIXED },
        [OA_ONE] = { FK_ONE }, [OA_I] = { FK_IMM }, [OA_IS] = { FK_IMMS },
        [OA_J] = { FK_REL }, [OA_O] = { FK_MOFFS },
        [OA_X] = { FK_SRC }, [OA_Y] = { FK_DST },
    };

    if (am >= OA_COUNT || kinds[am].kind == FK_NONE) {
        return false;
    }
    *fo = kinds[am];
    if (fo->kind == FK_FIXED) {
        fo->info = am - OA_R0;
    } else if (fo->info && fo->info != X86_RC_MMX) {
        fo->rexr = 4;
        fo->rexb = 1;
    }
    for (unsigned o = 0; o < 3; o++) {
        unsigned osz = 2 << o;
        unsigned mem = x86_op_bytes(sz, osz, mode64, false);
        unsigned reg = x86_op_bytes(sz, osz, mode64, true);

        if (fo->kind == FK_RM && mem != reg) {
            return false;       /* v/w and the like: the generic walk */
        }
        fo->size[o] = fo->kind == FK_RMREG ? reg : mem;
        fo->len[o] = mem;
        if (fo->size[o] == 1 && fo->info != X86_RC_GPR &&
            fo->kind >= FK_RM && fo->kind <= FK_REG) {
            return false;       /* fast_reg() takes size 1 as a GPR */
        }
        if (fo->kind == FK_IMM && sz == SZ_z) {
            fo->size[o] = osz;
        } else if (fo->kind == FK_IMMS) {
            fo->size[o] = osz;
            fo->len[o] = 1;
        } else if (fo->kind == FK_REL) {
            fo->size[o] = osz;
            fo->len[o] = mem == 1 ? 1 : osz == 2 ? 2 : 4;
        }
    }
    return true;
}

/*
 * The common shapes decode-fast.c has a decoder for; those without an r/m
 * operand only when no ModRM byte follows.
 */
static unsigned flat_form(const X86FastShape *sh, unsigned nops,
                          uint32_t flags)
{
    unsigned k0 = sh->op[0].kind, k1 = sh->op[1].kind;
    bool rm0 = k0 >= FK_RM && k0 <= FK_RMREG;
    bool rm1 = k1 >= FK_RM && k1 <= FK_RMREG;

    if (flags & F_MODRM && !rm0 && !rm1) {
        return FAST_SHAPE_OTHER;
    } else if (nops == 0) {
        return FAST_SHAPE_NONE;
    } else if (nops == 1 && rm0) {
        return FAST_SHAPE_RM;
    } else if (nops == 2 && rm0 && k1 == FK_REG) {
        return FAST_SHAPE_RM_REG;
    } else if (nops == 2 && k0 == FK_REG && rm1) {
        return FAST_SHAPE_REG_RM;
    } else if (nops == 2 && rm0 && (k1 == FK_IMM || k1 == FK_IMMS)) {
        return FAST_SHAPE_RM_IMM;
    } else if (nops == 1 && k0 == FK_Z) {
        return FAST_SHAPE_Z;
    } else if (nops == 1 && k0 == FK_REL) {
        return FAST_SHAPE_REL;
    }
    return FAST_SHAPE_OTHER;
}

/* Where a row comes from: mode, map, opcode, what the walk has seen */
typedef struct FlatCtx {
    X86Mode mode;
    unsigned map, b;
    uint32_t modrm;         /* F_MODRM once a switch needed ModRM */
    int mpfx;               /* row of the DK_PFX passed, or -1 */
} FlatCtx;

/* Operand size for each 66 (bit 0) / REX.W (bit 1) combination */
static unsigned flat_oszs(uint32_t flags, const FlatCtx *c)
{
    unsigned oszs = 0;

    for (unsigned i = 0; i < 4; i++) {
        unsigned osz = c->mode == X86_MODE_16 ? 2 : 4;
        if ((i & 1) && c->mpfx != 1) {
            osz ^= 6;           /* a 66 not taken as mandatory prefix */
        }
        if (c->mode == X86_MODE_64 &&
            ((i & 2) || (flags & F_F64) || ((flags & F_DEF64) && osz == 4))) {
            osz = 8;
        }
        oszs |= (osz >> 2) << (2 * i);
    }
    return oszs;
}

/* An instruction row @d (operands from @opd); left FR_SLOW if it cannot */
static void flat_insn(X86FastRow *fr, const X86OpDesc *d,
                      const X86OpDesc *opd, const FlatCtx *c)
{
    static const uint8_t mand[4] = { 0, 0x66, 0xf3, 0xf2 };
    bool mode64 = c->mode == X86_MODE_64;
    X86FastRow t = { .kind = FR_INSN };
    X86FastShape sh = { 0 };
    X86Insn h;
    uint32_t flags = d->flags | c->modrm;
    unsigned i;

    if (d->mnem == X86_INSN_INVALID || d->mnem == X86_INSN_PAUSE ||
        (flags & (F_X87 | F_UD)) || opd->nops > 3 ||
        (mode64 ? (flags & F_INV64) : (flags & F_O64))) {
        return;
    }
    t.rmreq = FAST_RM_REG;      /* no r/m operand: memory forms go slow */
    for (i = 0; i < opd->nops; i++) {
        static const uint8_t rmreq[] = {
            [FK_RM] = FAST_RM_ANY, [FK_MEM] = FAST_RM_MEM,
            [FK_RMREG] = FAST_RM_REG,
        };
        if (!flat_op(&sh.op[i], opd->am[i], opd->sz[i], mode64)) {
            return;
        }
        if (sh.op[i].kind >= FK_RM && sh.op[i].kind <= FK_RMREG) {
            t.rm = i;
            t.rmreq = rmreq[sh.op[i].kind];
        }
    }
    t.form = flat_form(&sh, opd->nops, flags);
    for (i = 0; i < x86_fast_nshapes; i++) {
        if (!memcmp(&x86_fast_shapes[i], &sh, sizeof(sh))) {
            break;
        }
    }
    if (i == x86_fast_nshapes) {
        g_assert(i < G_N_ELEMENTS(x86_fast_shapes));
        x86_fast_shapes[x86_fast_nshapes++] = sh;
    }
    t.sub = i;
    flags |= flags & F_MODRM ? X86_IF_MODRM : 0;
    t.rep = c->mpfx <= 0 && (flags & (F_REP | F_REPCC));
    t.oszs = flat_oszs(flags, c);
    /* the X86Insn header without prefixes; x86_decode() fills in the rest */
    memset(&h, 0, sizeof(h));
    h.mnem = d->mnem;
    h.nops = opd->nops;
    h.mode = c->mode;
    h.addr_size = c->mode == X86_MODE_16 ? 2 : c->mode == X86_MODE_32 ? 4 : 8;
    h.seg_override = X86_SEG_NONE;
    h.seg_prefix = X86_SEG_NONE;
    h.map = c->map;
    h.opcode = c->b;
    h.mand_prefix = c->mpfx < 0 ? 0 : mand[c->mpfx];
    h.feature = d->feat ? d->feat : x86_mnemonic_feat[d->mnem];
    h.flags = flags & F_PUBLIC;
    if ((c->map == X86_MAP_1BYTE && (c->b & 0xf0) == 0x70) ||
        (c->map == X86_MAP_0F && ((c->b & 0xf0) == 0x80 ||
                                  (c->b & 0xf0) == 0x90 ||
                                  (c->b & 0xf0) == 0x40))) {
        h.cc = c->b & 15;
    }
    memcpy(t.head, &h, sizeof(t.head));
    *fr = t;
}

/* Convert descriptor @d (operands inherited from @opd) into @fr */
static void flat_conv(X86FastRow *fr, const X86OpDesc *d,
                      const X86OpDesc *opd, FlatCtx c)
{
    unsigned kind, n, sub;

    fr->kind = FR_SLOW;         /* unless it turns out otherwise */
    switch (d->kind) {
    case DK_M64:
        flat_conv(fr, &d->sub[c.mode == X86_MODE_64], opd, c);
        return;
    case DK_INSN:
        flat_insn(fr, d, d->flags & F_INHERIT ? opd : d, &c);
        return;
    case DK_REG:
        kind = FR_REG;
        n = 8;
        opd = d->nops ? d : opd;
        c.modrm = F_MODRM;
        break;
    case DK_MOD:
        kind = FR_MOD;
        n = 2;
        c.modrm = F_MODRM;
        break;
    case DK_W:
        kind = FR_W;
        n = 2;
        break;
    case DK_PFX:
        if (c.mpfx >= 0) {
            return;             /* never nested in the maps */
        }
        kind = FR_PFX;
        n = X86_FAST_PSTATES;
        break;
    default:                    /* 0F 38/3A, ModRM.rm and x87 switches */
        return;
    }
    sub = x86_fast_npool;
    g_assert(sub + n <= G_N_ELEMENTS(x86_fast_pool));
    x86_fast_npool += n;
    fr->kind = kind;
    fr->sub = sub;
    for (unsigned i = 0; i < n; i++) {
        FlatCtx ci = c;
        unsigned row = i;
        if (kind == FR_PFX) {
            row = flat_pfx_row(d->sub, i);
            ci.mpfx = row;
        }
        flat_conv(&x86_fast_pool[sub + i], &d->sub[row], opd, ci);
    }
}

static void __attribute__((constructor)) x86_flat_init(void)
{
    for (unsigned m = X86_MODE_16; m <= X86_MODE_64; m++) {
        for (unsigned b = 0; b < 256; b++) {
            FlatCtx c = { .mode = m, .map = X86_MAP_1BYTE, .b = b,
                          .mpfx = -1 };
            flat_conv(&x86_fast_top[m][b], &x86_op_1byte[b],
                      &x86_op_1byte[b], c);
            c.map = X86_MAP_0F;
            flat_conv(&x86_fast_top[m][256 + b], &x86_op_0f[b],
                      &x86_op_0f[b], c);
        }
        /* NOP/XCHG/PAUSE and VEX (or LES/LDS) stay generic */
        x86_fast_top[m][0x90].kind = FR_SLOW;
        x86_fast_top[m][0xc4].kind = FR_SLOW;
        x86_fast_top[m][0xc5].kind = FR_SLOW;
    }
}
