/* SPDX-License-Identifier: MIT */
/*
 * x86 instruction decoder, the generic walk: opcode-map walk, ModRM/SIB/
 * displacement, immediates, #UD and #GP conditions, NEED_MORE. It decodes
 * what the fast path does not take: x86_decode() (decode-fast.c) scans the
 * prefixes and calls x86_decode_walk() with the opcode byte. The maps
 * themselves are in decode-1byte.c, decode-0f*.c, decode-x87.c and
 * decode-groups.c; decode-vex.c handles C4/C5.
 *
 * Ref: Intel SDM vol. 2, ch. 2 (format, prefixes, REX, ModRM/SIB, 15-byte
 * limit) and appendix A (maps); vol. 3, 22.x for invalid-in-64-bit opcodes.
 * Prefix rules: the last of F2/F3 wins and is preferred over 66 as the
 * mandatory prefix.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

const uint8_t x86_mnemonic_feat[X86_INSN_COUNT] = {
#define X(name, feat) [X86_INSN_##name] = X86_FEAT_##feat,
#include "cpu/x86/insn-list.h"
#undef X
};

X86Feature x86_mnemonic_feature(unsigned mnem)
{
    return mnem < X86_INSN_COUNT ? x86_mnemonic_feat[mnem] : X86_FEAT_OTHER;
}

/* Valid control registers: CR0, CR2, CR3, CR4, CR8 */
#define X86_CR_VALID    0x011d

static inline void set_gpr(X86Operand *op, unsigned reg, unsigned size,
                           bool rex)
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

static inline void set_reg(X86Operand *op, unsigned cls, unsigned reg,
                           unsigned size)
{
    op->kind = X86_OPND_REG;
    op->reg_class = cls;
    op->reg = reg;
    op->size = size;
}

/*
 * Operand size in bytes for size code @sz: x86_sz_bytes[mode64][mod3]
 * [osz 2/4/8 -> 0/1/2][sz], filled once from x86_op_bytes().
 */
static uint8_t x86_sz_bytes[2][2][3][SZ_COUNT];

X86MemForm x86_mem_forms[X86_ADDR_KINDS + 1][256];
uint64_t x86_sib_forms[4][256];

unsigned x86_op_bytes(unsigned sz, unsigned osz, bool mode64, bool mod3)
{
    switch (sz) {
    case SZ_b: return 1;
    case SZ_w: return 2;
    case SZ_d: return 4;
    case SZ_q: return 8;
    case SZ_v: case SZ_vq: return osz;
    case SZ_z: return osz == 2 ? 2 : 4;
    case SZ_y: return osz == 8 ? 8 : 4;
    case SZ_dq: return 16;
    case SZ_qq: return 32;
    case SZ_p: return 2 + osz;
    case SZ_a: return 2 * osz;
    case SZ_s: return mode64 ? 10 : 6;
    case SZ_t: return 10;
    case SZ_vw: return mod3 ? osz : 2;
    case SZ_zw: return mod3 ? (osz == 2 ? 2 : 4) : 2;
    case SZ_db: return mod3 ? 4 : 1;
    case SZ_dw: return mod3 ? 4 : 2;
    case SZ_r: return mode64 ? 8 : 4;
    default: return 0;
    }
}

static void __attribute__((constructor)) x86_sz_init(void)
{
    for (unsigned m = 0; m < 2; m++) {
        for (unsigned r = 0; r < 2; r++) {
            for (unsigned o = 0; o < 3; o++) {
                for (unsigned sz = 0; sz < SZ_COUNT; sz++) {
                    x86_sz_bytes[m][r][o][sz] = x86_op_bytes(sz, 2 << o, m, r);
                }
            }
        }
    }
}

/* The head of a memory operand: its first 8 bytes as X86Operand has them */
static uint64_t x86_mem_head(int base, int index, unsigned scale)
{
    X86Operand op = {
        .kind = X86_OPND_MEM, .base = base, .index = index, .scale = scale,
        .seg = base == X86_GPR_SP || base == X86_GPR_BP ? X86_SEG_SS
                                                         : X86_SEG_DS,
    };
    uint64_t head;

    G_STATIC_ASSERT(offsetof(X86Operand, disp) == 8);
    memcpy(&head, &op, 8);
    return head;
}

/* The ModRM and SIB memory forms of SDM vol. 2, tables 2-1, 2-2 and 2-3 */
static void __attribute__((constructor)) x86_modrm_init(void)
{
    static const int8_t base16[8] = {
        X86_GPR_BX, X86_GPR_BX, X86_GPR_BP, X86_GPR_BP,
        X86_GPR_SI, X86_GPR_DI, X86_GPR_BP, X86_GPR_BX,
    };
    static const int8_t index16[8] = {
        X86_GPR_SI, X86_GPR_DI, X86_GPR_SI, X86_GPR_DI, -1, -1, -1, -1,
    };

    for (unsigned modrm = 0; modrm < 192; modrm++) {
        unsigned mod = modrm >> 6, rm = modrm & 7;
        unsigned d32 = mod == 1 ? 1 : mod == 2 ? 4 : 0;
        bool bare = mod == 0 && rm == 5;

        for (unsigned k = X86_ADDR16; k <= X86_ADDR_KINDS; k++) {
            X86MemForm *f = &x86_mem_forms[k][modrm];
            unsigned base = rm | (k == X86_ADDR_KINDS ? 8 : 0);

            if (k == X86_ADDR16) {
                bool bare16 = mod == 0 && rm == 6;
                *f = (X86MemForm) {
                    .head = x86_mem_head(bare16 ? -1 : base16[rm],
                                         index16[rm], 1),
                    .disp = bare16 ? 2 : mod, .zext = bare16,
                };
            } else if (bare && k == X86_ADDR32) {
                *f = (X86MemForm) { .head = x86_mem_head(-1, -1, 1),
                                    .disp = 4, .zext = true };
            } else if (bare) {
                *f = (X86MemForm) { .head = x86_mem_head(X86_GPR_RIP, -1, 1),
                                    .disp = 4, .rip = true };
            } else {
                *f = (X86MemForm) { .head = x86_mem_head(base, -1, 1),
                                    .disp = d32, .sib = rm == 4 };
            }
        }
    }
    for (unsigned rex = 0; rex < 4; rex++) {
        for (unsigned sib = 0; sib < 256; sib++) {
            int index = ((sib >> 3) & 7) | (rex & 2) << 2;
            x86_sib_forms[rex][sib] =
                x86_mem_head((sib & 7) | (rex & 1) << 3,
                             index == 4 ? -1 : index, 1u << (sib >> 6));
        }
    }
}

#define NEED(n) do { if (unlikely(!ds_need(&ds, (n)))) goto short_read; } \
    while (0)
#define FETCH_MODRM() do { \
        if (!has_modrm) { \
            NEED(1); \
            ds.modrm = ds_read(&ds, 1); \
            has_modrm = true; \
        } \
    } while (0)

X86DecodeStatus x86_decode_walk(X86Insn *insn, const DecodeState *ds0, int b,
                                X86Mode mode)
{
    DecodeState ds = *ds0;
    const uint8_t *bytes = ds.bytes;
    const X86OpDesc *d, *opd;
    uint32_t flags = 0;
    unsigned pfx = ds.pfx, rex = ds.rex, last_rep = ds.last_rep;
    unsigned seg = ds.seg, asz = ds.asz;
    unsigned map = X86_MAP_1BYTE, mpfx = 0, osz;
    bool mode64 = mode == X86_MODE_64;
    bool has_modrm = false;
    bool rm_is_reg = false;     /* MOV CR/DR: ModRM.mod is ignored */
    X86DecodeStatus st = X86_DEC_UD;

    x86_insn_clear(insn, mode);
    if (b < 0) {
        goto short_read;        /* the window ended in the prefixes */
    }
    insn->rex = rex;
    insn->prefixes = pfx;
    insn->seg_prefix = ds.seg_prefix;
    insn->seg_override = seg;
    insn->addr_size = asz;

    /* VEX (C4/C5): always in 64-bit mode, else only with a mod == 3 byte */
    if (unlikely((b & 0xfe) == 0xc4)) {
        if (!mode64) {
            NEED(1);
        }
        if (mode64 || (bytes[ds.pos] & 0xc0) == 0xc0) {
            insn->opcode = b;
            if (pfx & (X86_PFX_66 | X86_PFX_F2 | X86_PFX_F3 | X86_PFX_F0) ||
                rex) {
                insn->len = ds.pos;
                return X86_DEC_UD;
            }
            st = x86_decode_vex(insn, &ds, b);
            if (st == X86_DEC_NEED_MORE) {
                goto short_read;
            }
            return st;
        }
    }

    /* Walk the maps */
    d = &x86_op_1byte[b];
    opd = d;
    for (;;) {
        switch (d->kind) {
        case DK_INSN:
            goto resolved;
        case DK_ESC:
            NEED(1);
            b = ds_read(&ds, 1);
            map = map == X86_MAP_1BYTE ? X86_MAP_0F
                  : b == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
            d = &d->sub[b];
            break;
        case DK_REG:
            FETCH_MODRM();
            if (d->nops) {
                opd = d;
            }
            d = &d->sub[(ds.modrm >> 3) & 7];
            break;
        case DK_MOD:
            FETCH_MODRM();
            d = &d->sub[ds.modrm >= 0xc0];
            break;
        case DK_RM:
            FETCH_MODRM();
            d = &d->sub[ds.modrm & 7];
            break;
        case DK_RM64:
            FETCH_MODRM();
            d = &d->sub[ds.modrm & 63];
            break;
        case DK_X87:
            FETCH_MODRM();
            d = ds.modrm >= 0xc0 ? &d->sub[8 + (ds.modrm & 63)]
                : &d->sub[(ds.modrm >> 3) & 7];
            break;
        case DK_PFX: {
            const X86OpDesc *t = d->sub;
            unsigned idx = 0;
            if (last_rep) {
                idx = last_rep == 0xf3 ? 2 : 3;
                if (row_empty(&t[idx])) {
                    idx = 0;
                }
            }
            if (!idx && (pfx & X86_PFX_66) && !row_empty(&t[1])) {
                idx = 1;
            }
            mpfx = idx;
            d = &t[idx];
            break;
        }
        case DK_W:
            d = &d->sub[(rex >> 3) & 1];
            break;
        case DK_M64:
            d = &d->sub[mode64];
            break;
        default:
            goto short_read;    /* not reached */
        }
    }

resolved:
    if (unlikely(d->mnem == X86_INSN_PAUSE && (rex & 1))) {
        d = &x86_op_1byte[0x91];        /* F3 REX.B 90: XCHG r8, rAX */
        mpfx = 0;
    }
    flags |= d->flags;
    insn->map = map;
    insn->opcode = b;
    insn->mnem = d->mnem;
    if (!(flags & F_INHERIT)) {
        opd = d;
    }
    if (flags & F_MODRM) {
        FETCH_MODRM();
    }
    if (has_modrm) {
        insn->modrm = ds.modrm;
    }
    if (unlikely(d->mnem == X86_INSN_INVALID ||
                 (mode64 ? (flags & F_INV64) : (flags & F_O64)))) {
        goto ud_len;
    }

    /* Effective operand size */
    if (mpfx == 1) {
        pfx &= ~X86_PFX_66;     /* consumed as a mandatory prefix */
        insn->mand_prefix = 0x66;
    } else if (mpfx) {
        insn->mand_prefix = mpfx == 2 ? 0xf3 : 0xf2;
    }
    osz = mode == X86_MODE_16 ? 2 : 4;
    if (pfx & X86_PFX_66) {
        osz ^= 6;
    }
    if (mode64) {
        if (rex & 8) {
            osz = 8;
        } else if (flags & F_F64) {
            osz = 8;
        } else if ((flags & F_DEF64) && osz == 4) {
            osz = 8;
        }
    }
    insn->op_size = osz;

    /* Operands */
    {
        unsigned n = opd->nops, i;
        bool mod3 = ds.modrm >= 0xc0;
        unsigned reg = (ds.modrm >> 3) & 7, rm = ds.modrm & 7;
        const uint8_t *szt = x86_sz_bytes[mode64][mod3][osz >> 2];

        insn->nops = n;
        for (i = 0; i < n; i++) {
            X86Operand *op = &insn->op[i];
            unsigned am = opd->am[i];
            unsigned size = szt[opd->sz[i]];

            switch (am) {
            case OA_E:
                if (mod3) {
                    set_gpr(op, rm | (rex & 1) << 3, size, rex);
                    break;
                }
                /* fall through */
            case OA_M:
            case OA_Q:
            case OA_W:
                if (mod3) {
                    if (am == OA_M) {
                        goto ud_len;
                    }
                    if (am == OA_Q) {
                        set_reg(op, X86_RC_MMX, rm, size);
                    } else {
                        set_reg(op, X86_RC_XMM, rm | (rex & 1) << 3, size);
                    }
                    break;
                }
                if (!x86_decode_mem(&ds, insn, op)) {
                    goto short_read;
                }
                op->size = size;
                break;
            case OA_G:
                set_gpr(op, reg | (rex & 4) << 1, size, rex);
                break;
            case OA_R:
                rm_is_reg = true;
                set_gpr(op, rm | (rex & 1) << 3, size, rex);
                break;
            case OA_N:
                if (!mod3) {
                    goto ud_len;
                }
                set_reg(op, X86_RC_MMX, rm, size);
                break;
            case OA_U:
                if (!mod3) {
                    goto ud_len;
                }
                set_reg(op, X86_RC_XMM, rm | (rex & 1) << 3, size);
                break;
            case OA_P:
                set_reg(op, X86_RC_MMX, reg, size);
                break;
            case OA_V:
                set_reg(op, X86_RC_XMM, reg | (rex & 4) << 1, size);
                break;
            case OA_S:
                if (reg > 5 || (reg == X86_SEG_CS && i == 0)) {
                    goto ud_len;
                }
                set_reg(op, X86_RC_SEG, reg, 2);
                break;
            case OA_C: {
                unsigned cr = reg | (rex & 4) << 1;
                if (!(X86_CR_VALID & (1u << cr))) {
                    goto ud_len;
                }
                set_reg(op, X86_RC_CR, cr, size);
                break;
            }
            case OA_D:
                if (rex & 4) {
                    goto ud_len;
                }
                set_reg(op, X86_RC_DR, reg, size);
                break;
            case OA_Z:
                set_gpr(op, (b & 7) | (rex & 1) << 3, size, rex);
                break;
            case OA_I: {
                unsigned isz = size;
                uint64_t v;
                if (opd->sz[i] == SZ_z) {
                    size = osz;
                }
                NEED(isz);
                if (!insn->imm_off) {
                    insn->imm_off = ds.pos;
                }
                v = ds_read(&ds, isz);
                if (isz < size) {
                    v = x86_sext(v, isz);
                }
                op->kind = X86_OPND_IMM;
                op->size = size;
                op->imm = v;
                break;
            }
            case OA_IS:
                NEED(1);
                if (!insn->imm_off) {
                    insn->imm_off = ds.pos;
                }
                op->kind = X86_OPND_IMM;
                op->size = osz;
                op->imm = x86_trunc(x86_sext(ds_read(&ds, 1), 1), osz);
                break;
            case OA_J: {
                unsigned jsz = size == 1 ? 1 : osz == 2 ? 2 : 4;
                NEED(jsz);
                insn->imm_off = ds.pos;
                op->kind = X86_OPND_REL;
                op->size = osz;
                op->rel = x86_sext(ds_read(&ds, jsz), jsz);
                break;
            }
            case OA_O:
                NEED(asz);
                insn->imm_off = ds.pos;
                op->kind = X86_OPND_MEM;
                op->size = size;
                op->base = op->index = -1;
                op->scale = 1;
                op->disp = ds_read(&ds, asz);
                op->seg = seg != X86_SEG_NONE ? seg : X86_SEG_DS;
                break;
            case OA_A: {
                unsigned offsz = osz == 2 ? 2 : 4;
                NEED(offsz + 2);
                insn->imm_off = ds.pos;
                op->kind = X86_OPND_FAR;
                op->size = offsz + 2;
                op->far.off = ds_read(&ds, offsz);
                op->far.sel = ds_read(&ds, 2);
                break;
            }
            case OA_X:
            case OA_Y:
                op->kind = X86_OPND_MEM;
                op->size = size;
                op->base = am == OA_X ? X86_GPR_SI : X86_GPR_DI;
                op->index = -1;
                op->scale = 1;
                op->seg = am == OA_Y ? X86_SEG_ES
                          : seg != X86_SEG_NONE ? seg : X86_SEG_DS;
                break;
            case OA_ONE:
                op->kind = X86_OPND_IMM;
                op->size = 1;
                op->imm = 1;
                break;
            case OA_ST0:
                set_reg(op, X86_RC_ST, 0, size);
                break;
            case OA_STI:
                set_reg(op, X86_RC_ST, rm, size);
                break;
            case OA_XMM0:
                set_reg(op, X86_RC_XMM, 0, 16);
                break;
            case OA_ES ... OA_GS:
                set_reg(op, X86_RC_SEG, am - OA_ES, 2);
                break;
            default:    /* OA_R0..OA_R7 */
                set_gpr(op, am - OA_R0, size, false);
                break;
            }
        }
    }
    /* A ModRM memory form with no memory operand still has its bytes */
    if (has_modrm && ds.modrm < 0xc0 && !ds.mem_done && !rm_is_reg) {
        X86Operand tmp;
        if (!x86_decode_mem(&ds, insn, &tmp)) {
            goto short_read;
        }
    }

    /* LOCK: lockable instruction with a memory destination only */
    if (pfx & X86_PFX_F0) {
        if (!(flags & F_LOCKOK) || insn->op[0].kind != X86_OPND_MEM) {
            goto ud_len;
        }
        flags |= X86_IF_LOCK;
    }
    if (last_rep && !mpfx) {
        if (flags & F_REP) {
            flags |= last_rep == 0xf3 ? X86_IF_REP : X86_IF_REPNE;
        } else if (flags & F_REPCC) {
            flags |= last_rep == 0xf3 ? X86_IF_REP : X86_IF_REPNE;
        }
    }
    if (insn->mnem == X86_INSN_XCHG && b == 0x90 && map == X86_MAP_1BYTE &&
        !(rex & 1)) {
        insn->mnem = X86_INSN_NOP;
        insn->nops = 0;
    }
    insn->feature = d->feat ? d->feat : x86_mnemonic_feat[insn->mnem];
    if (flags & F_X87) {
        insn->x87_fop = ((b & 7) << 8) | ds.modrm;
        if (insn->mnem >= X86_INSN_FCMOVB && insn->mnem <= X86_INSN_FCMOVNU) {
            insn->cc = insn->mnem - X86_INSN_FCMOVB;
        }
    } else if ((map == X86_MAP_1BYTE && (b & 0xf0) == 0x70) ||
               (map == X86_MAP_0F && ((b & 0xf0) == 0x80 ||
                                     (b & 0xf0) == 0x90 ||
                                     (b & 0xf0) == 0x40))) {
        insn->cc = b & 15;
    }
    insn->flags |= (flags & F_PUBLIC) | (has_modrm ? X86_IF_MODRM : 0);
    insn->len = ds.pos;
    return X86_DEC_OK;

ud_len:
    /* #UD: still report the length as far as it is known */
    insn->len = ds.pos;
    insn->mnem = X86_INSN_INVALID;
    insn->nops = 0;
    return X86_DEC_UD;

short_read:
    insn->mnem = X86_INSN_INVALID;
    insn->nops = 0;
    if (ds.need > X86_MAX_INSN_LEN) {
        insn->len = X86_MAX_INSN_LEN;
        return X86_DEC_GP;
    }
    insn->len = ds.need;
    return X86_DEC_NEED_MORE;
}

uint64_t x86_rel_target(const X86Insn *insn, uint64_t pc)
{
    uint64_t t = pc + insn->len;

    for (unsigned i = 0; i < insn->nops; i++) {
        if (insn->op[i].kind == X86_OPND_REL) {
            t += insn->op[i].rel;
            break;
        }
    }
    return x86_trunc(t, insn->op_size);
}
