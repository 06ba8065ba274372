/* SPDX-License-Identifier: MIT */
/*
 * Decoder internals shared by decode.c and the opcode-map files
 * (decode-1byte.c, decode-0f.c, decode-0f38.c, decode-0f3a.c,
 * decode-x87.c, decode-groups.c). Not for other users: see insn.h.
 *
 * An opcode map is an array of X86OpDesc. A descriptor is either an
 * instruction (DK_INSN: mnemonic, operand specs, flags) or a switch that
 * picks a row of a sub-table by the next opcode byte, ModRM.reg, ModRM.mod,
 * ModRM.rm, the mandatory prefix, REX.W or the mode. Operand specs use SDM
 * appendix A notation: an addressing method (E, G, I, ...) and a size
 * (b, w, v, z, ...). An omitted entry is zero: X86_INSN_INVALID, #UD.
 */
#ifndef KESTREL_CPU_X86_DECODE_INTERNAL_H
#define KESTREL_CPU_X86_DECODE_INTERNAL_H

#include "cpu/x86/insn.h"

/* Descriptor kinds */
enum {
    DK_INSN,        /* an instruction */
    DK_ESC,         /* next byte indexes sub[256] */
    DK_REG,         /* ModRM.reg indexes sub[8] */
    DK_MOD,         /* sub[0] for memory forms, sub[1] for mod == 3 */
    DK_RM,          /* ModRM.rm indexes sub[8] */
    DK_RM64,        /* ModRM & 0x3f (mod == 3) indexes sub[64] */
    DK_X87,         /* sub[0..7] memory forms by reg, sub[8 + (modrm&63)] */
    DK_PFX,         /* mandatory prefix: sub[0] none, [1] 66, [2] F3, [3] F2;
                     * a zero row falls back to sub[0], prefix not consumed */
    DK_W,           /* REX.W indexes sub[2] */
    DK_M64,         /* sub[0] outside 64-bit mode, sub[1] in 64-bit mode */
    DK_OSZ,         /* operand size 16/32/64 indexes sub[3] */
};

/* Addressing methods (SDM A.2.1) and fixed operands */
enum {
    OA_NONE,
    OA_E,           /* ModRM r/m: GPR or memory */
    OA_G,           /* ModRM reg: GPR */
    OA_M,           /* ModRM r/m: memory only (mod == 3: #UD) */
    OA_R,           /* ModRM r/m: GPR only (MOV CR/DR ignore mod) */
    OA_I,           /* immediate, zero-extended... per size */
    OA_IS,          /* imm8 sign-extended to the operand size */
    OA_J,           /* relative offset */
    OA_O,           /* moffs: absolute offset of address size */
    OA_A,           /* far pointer ptr16:16/32 */
    OA_S,           /* ModRM reg: segment register */
    OA_C,           /* ModRM reg: control register */
    OA_D,           /* ModRM reg: debug register */
    OA_P,           /* ModRM reg: MMX */
    OA_Q,           /* ModRM r/m: MMX or memory */
    OA_N,           /* ModRM r/m: MMX only */
    OA_V,           /* ModRM reg: XMM */
    OA_W,           /* ModRM r/m: XMM or memory */
    OA_U,           /* ModRM r/m: XMM only */
    OA_X,           /* DS:rSI (string source) */
    OA_Y,           /* ES:rDI (string destination) */
    OA_Z,           /* GPR from opcode bits 2:0 (+ REX.B) */
    OA_ONE,         /* constant 1 (shift by one) */
    OA_ST0,         /* ST(0) */
    OA_STI,         /* ST(i), i = ModRM.rm */
    OA_XMM0,        /* implicit XMM0 (BLENDVPS ...) */
    OA_ES, OA_CS, OA_SS, OA_DS, OA_FS, OA_GS,   /* fixed segment registers */
    OA_R0,          /* fixed GPR 0..7 (AL/AX/EAX/RAX ... by size) */
    OA_R1, OA_R2, OA_R3, OA_R4, OA_R5, OA_R6, OA_R7,
    OA_COUNT
};
#define OA_AL   OA_R0
#define OA_rAX  OA_R0
#define OA_CL   OA_R1
#define OA_DX   OA_R2

/* Operand sizes (SDM A.2.2) */
enum {
    SZ_0,           /* no size (LEA's memory, FLDENV ...) */
    SZ_b, SZ_w, SZ_d, SZ_q,
    SZ_v,           /* 16/32/64 by operand size */
    SZ_z,           /* 16/32 (32 for 64-bit operand size) */
    SZ_y,           /* 32/64 */
    SZ_dq,          /* 128 bits */
    SZ_qq,          /* 256 bits */
    SZ_p,           /* far pointer: 2 + 16/32/64 */
    SZ_a,           /* BOUND: two words or dwords */
    SZ_s,           /* descriptor table register: 6 (10 in 64-bit mode) */
    SZ_t,           /* 80-bit: m80fp, m80bcd */
    SZ_vw,          /* register: v; memory: w (MOV Sreg, SLDT, LAR ...) */
    SZ_zw,          /* register: z; memory: w (LAR, LSL) */
    SZ_db,          /* register: d; memory: b (PEXTRB, PINSRB) */
    SZ_dw,          /* register: d; memory: w (PEXTRW, PINSRW) */
    SZ_r,           /* 32, 64 in 64-bit mode (MOV CR/DR) */
    SZ_vq,          /* 64 in 64-bit mode, else v (PUSH/POP, near branch
                     * targets) */
    SZ_fe,          /* x87 environment: 14/28 (no size printed) */
    SZ_fs,          /* x87 state: 94/108 */
    SZ_fx,          /* FXSAVE area: 512 */
    SZ_COUNT
};

/* Descriptor flags: the low bits are the public X86_IF_* bits. */
enum {
    F_LOCKOK     = X86_IF_LOCKABLE,
    F_BRANCH   = X86_IF_BRANCH,
    F_COND     = X86_IF_COND | X86_IF_BRANCH | X86_IF_END_TB,
    F_END      = X86_IF_END_TB,
    F_PRIV     = X86_IF_PRIV,
    F_IOPL     = X86_IF_IOPL,
    F_X87      = X86_IF_X87,
    F_MMX      = X86_IF_MMX,
    F_SSE      = X86_IF_SSE,
    F_CALL     = X86_IF_CALL,
    F_RET      = X86_IF_RET,
    F_FAR      = X86_IF_FAR,
    F_STACK    = X86_IF_STACK,
    F_STRING   = X86_IF_STRING,
    F_INV64    = X86_IF_NO64,
    F_PUBLIC   = (1u << 21) - 1,
    F_MODRM    = 1u << 21,      /* computed by the macros */
    F_O64      = 1u << 22,      /* valid only in 64-bit mode */
    F_DEF64    = 1u << 23,      /* operand size 64 by default in 64-bit mode */
    F_F64      = 1u << 24,      /* operand size forced to 64 in 64-bit mode */
    F_REP      = 1u << 25,      /* F3 = REP */
    F_REPCC    = 1u << 26,      /* F3 = REPE, F2 = REPNE */
    F_INHERIT  = 1u << 27,      /* operands from the enclosing switch */
    F_UD       = 1u << 28,      /* explicit #UD row in a DK_PFX table */
    F_NOREX    = 1u << 29,      /* (unused) */
    F_MODE32   = 1u << 30,      /* operand size 32 ignores REX.W... (unused) */
    /* combinations */
    F_JMP      = X86_IF_BRANCH | X86_IF_END_TB,
    F_JCC      = X86_IF_BRANCH | X86_IF_COND | X86_IF_END_TB | F_F64,
};
#define F_ENDTB F_END

typedef struct X86OpDesc {
    uint16_t mnem;
    uint8_t kind;
    uint8_t nops;
    uint8_t am[4];
    uint8_t sz[4];
    uint32_t flags;
    uint8_t feat;           /* 0: take the mnemonic's feature */
    const struct X86OpDesc *sub;
} X86OpDesc;

/* Whether an addressing method needs ModRM (compile-time) */
#define OAM(a) ((OA_##a == OA_E || OA_##a == OA_G || OA_##a == OA_M || \
                 OA_##a == OA_R || OA_##a == OA_S || OA_##a == OA_C || \
                 OA_##a == OA_D || OA_##a == OA_P || OA_##a == OA_Q || \
                 OA_##a == OA_N || OA_##a == OA_V || OA_##a == OA_W || \
                 OA_##a == OA_U || OA_##a == OA_STI) ? F_MODRM : 0)

#define OP0(m, fl) \
    { .mnem = X86_INSN_##m, .kind = DK_INSN, .nops = 0, .flags = (fl) }
#define OP1(m, a1, s1, fl) \
    { .mnem = X86_INSN_##m, .kind = DK_INSN, .nops = 1, \
      .am = { OA_##a1 }, .sz = { SZ_##s1 }, .flags = (fl) | OAM(a1) }
#define OP2(m, a1, s1, a2, s2, fl) \
    { .mnem = X86_INSN_##m, .kind = DK_INSN, .nops = 2, \
      .am = { OA_##a1, OA_##a2 }, .sz = { SZ_##s1, SZ_##s2 }, \
      .flags = (fl) | OAM(a1) | OAM(a2) }
#define OP3(m, a1, s1, a2, s2, a3, s3, fl) \
    { .mnem = X86_INSN_##m, .kind = DK_INSN, .nops = 3, \
      .am = { OA_##a1, OA_##a2, OA_##a3 }, \
      .sz = { SZ_##s1, SZ_##s2, SZ_##s3 }, \
      .flags = (fl) | OAM(a1) | OAM(a2) | OAM(a3) }
/* A group row: operands come from the GROUP/switch that led here */
#define GOP(m, fl) \
    { .mnem = X86_INSN_##m, .kind = DK_INSN, .flags = (fl) | F_INHERIT }
#define UD_ROW  { .kind = DK_INSN, .flags = F_UD }

#define SWITCH(k, tbl)  { .kind = (k), .sub = (tbl) }
#define ESCAPE(tbl)     SWITCH(DK_ESC, tbl)
#define BYPFX(tbl)      SWITCH(DK_PFX, tbl)
#define BYMOD(tbl)      SWITCH(DK_MOD, tbl)
#define BYRM(tbl)       SWITCH(DK_RM, tbl)
#define BYRM64(tbl)     SWITCH(DK_RM64, tbl)
#define BYW(tbl)        SWITCH(DK_W, tbl)
#define BYM64(tbl)      SWITCH(DK_M64, tbl)
#define BYOSZ(tbl)      SWITCH(DK_OSZ, tbl)
#define X87(tbl)        { .kind = DK_X87, .sub = (tbl), .flags = F_X87 }
#define GROUP(tbl) \
    { .kind = DK_REG, .sub = (tbl), .flags = F_MODRM }
#define GROUP1(tbl, a1, s1) \
    { .kind = DK_REG, .sub = (tbl), .nops = 1, .am = { OA_##a1 }, \
      .sz = { SZ_##s1 }, .flags = F_MODRM }
#define GROUP2(tbl, a1, s1, a2, s2) \
    { .kind = DK_REG, .sub = (tbl), .nops = 2, .am = { OA_##a1, OA_##a2 }, \
      .sz = { SZ_##s1, SZ_##s2 }, .flags = F_MODRM }

/* An omitted row: a DK_PFX switch falls back to its no-prefix row */
static inline bool row_empty(const X86OpDesc *d)
{
    return d->kind == DK_INSN && d->mnem == 0 && d->flags == 0;
}

/* No memset of the whole struct: "rep stos" costs more than the rest */
static inline void x86_insn_clear(X86Insn *insn, X86Mode mode)
{
    memset(insn, 0, offsetof(X86Insn, op));
    for (unsigned i = 0; i < X86_MAX_OPERANDS; i++) {
        insn->op[i] = (X86Operand) { 0 };
    }
    insn->mode = mode;
}

/* Decoder state for one instruction */
typedef struct DecodeState {
    const uint8_t *bytes;
    unsigned pos;
    unsigned lim;           /* min(avail, 15) */
    unsigned need;          /* bytes needed when a read failed */
    uint8_t modrm;
    bool mem_done;
    /* the legacy prefixes and REX before the opcode (x86_decode scans them) */
    uint16_t pfx;           /* X86_PFX_*, REX included */
    uint8_t rex;            /* REX in effect or 0 */
    uint8_t last_rep;       /* 0xF2 or 0xF3 (the last one), or 0 */
    uint8_t seg_prefix;     /* last segment prefix as written, or NONE */
    uint8_t seg;            /* effective segment override, or NONE */
    uint8_t asz;            /* address size 2/4/8 */
    uint8_t oshift;         /* X86FastRow.oszs shift: 2 * (66 + 2 REX.W) */
    uint8_t akind;          /* X86_ADDR16, _32 or _64 (x86_modrm_forms) */
} DecodeState;

static inline bool ds_need(DecodeState *ds, unsigned n)
{
    if (likely(ds->pos + n <= ds->lim)) {
        return true;
    }
    ds->need = ds->pos + n;
    return false;
}

/* Little-endian loads of 1, 2, 4 or 8 bytes, zero- or sign-extended */
static inline uint64_t x86_load(const uint8_t *p, unsigned n)
{
    uint32_t w;
    uint64_t v;

    switch (n) {
    case 1:
        return p[0];
    case 2:
        return p[0] | (uint16_t)p[1] << 8;
    case 4:
        memcpy(&w, p, 4);
        return GUINT32_FROM_LE(w);
    default:
        memcpy(&v, p, 8);
        return GUINT64_FROM_LE(v);
    }
}

static inline int64_t x86_load_sext(const uint8_t *p, unsigned n)
{
    uint32_t w;

    if (n == 1) {
        return (int8_t)p[0];
    } else if (n == 4) {
        memcpy(&w, p, 4);
        return (int32_t)GUINT32_FROM_LE(w);
    } else if (n == 2) {
        return (int16_t)(p[0] | p[1] << 8);
    }
    return x86_load(p, n);
}

static inline uint64_t ds_read(DecodeState *ds, unsigned n)
{
    uint64_t v = x86_load(ds->bytes + ds->pos, n);

    ds->pos += n;
    return v;
}

static inline int64_t x86_sext(uint64_t v, unsigned bytes)
{
    unsigned sh = 64 - bytes * 8;
    return (int64_t)(v << sh) >> sh;
}

static inline uint64_t x86_trunc(uint64_t v, unsigned bytes)
{
    return bytes >= 8 ? v : v & ((1ull << (bytes * 8)) - 1);
}

enum {
    X86_ADDR16,             /* 16-bit addressing */
    X86_ADDR32,             /* 32-bit outside 64-bit mode: rm 5 = disp32 */
    X86_ADDR64,             /* 64-bit mode (either size): rm 5 = RIP */
    X86_ADDR_KINDS
};

/*
 * Memory form of a ModRM byte (mod 0..2) by addressing kind, filled at
 * start-up in decode.c: the operand's first 8 bytes as they come out
 * (kind MEM, default segment, base, index, scale 1, size 0), and what
 * follows ModRM.
 */
typedef struct X86MemForm {
    uint64_t head;          /* X86Operand kind .. scale, host byte order */
    uint8_t disp;           /* displacement bytes: 0, 1, 2 or 4 */
    uint8_t sib;            /* a SIB byte follows (then see x86_sib_forms) */
    uint8_t rip;            /* RIP-relative */
    uint8_t zext;           /* a bare displacement: zero-extended */
} X86MemForm;

/* [kind][ModRM]: X86_ADDR16, _32, _64, and _64 with REX.B (index 3);
 * mod 3 (register forms) is never looked up */
extern X86MemForm x86_mem_forms[X86_ADDR_KINDS + 1][256];
/* [REX.X << 1 | REX.B][SIB]: the operand head with a SIB byte */
extern uint64_t x86_sib_forms[4][256];

/*
 * ModRM memory operand (mod != 3) from the bytes after ModRM at @p (SIB,
 * displacement), which must be there: base, index, scale, displacement,
 * default segment, with REX @rex, addressing kind @akind (X86_ADDR*),
 * segment override @seg (or X86_SEG_NONE) and address size @asz. The size
 * is left 0. Returns the number of bytes taken.
 */
static inline __attribute__((always_inline)) unsigned
x86_mem_operand(X86Insn *insn, X86Operand *op, const uint8_t *p,
                unsigned modrm, unsigned rex, unsigned akind, unsigned seg,
                unsigned asz)
{
    /* REX is there only in 64-bit mode: X86_ADDR64 + REX.B */
    X86MemForm f = x86_mem_forms[akind + (rex & 1)][modrm];
    unsigned n = 0, dsz = f.disp, zext = f.zext;
    int64_t disp = 0;

    if (!f.sib) {
        memcpy(op, &f.head, 8);
    } else {
        unsigned sib = p[n++];
        insn->sib = sib;
        memcpy(op, &x86_sib_forms[rex & 3][sib], 8);
        if ((sib & 7) == 5 && modrm < 0x40) {
            /* no base: [index*scale + disp32] */
            op->base = X86_GPR_NONE;
            op->seg = X86_SEG_DS;
            dsz = 4;
            zext = op->index < 0 && asz != 8;
        }
    }
    if (seg != X86_SEG_NONE) {
        op->seg = seg;
    }
    if (dsz == 1) {
        disp = (int8_t)p[n];
    } else if (dsz == 4) {
        disp = zext ? (int64_t)x86_load(p + n, 4) : x86_load_sext(p + n, 4);
    } else if (dsz == 2) {
        disp = zext ? (int64_t)x86_load(p + n, 2) : x86_load_sext(p + n, 2);
    }
    op->disp = disp;
    if (f.rip) {
        insn->flags |= X86_IF_RIPREL;
    }
    return n + dsz;
}

/*
 * ModRM memory operand at @ds->pos, checked against the window: returns
 * false when bytes are missing (ds->need says how many).
 */
static inline bool x86_decode_mem(DecodeState *ds, X86Insn *insn,
                                  X86Operand *op)
{
    const X86MemForm *f = &x86_mem_forms[ds->akind][ds->modrm];
    unsigned n = f->disp;

    if (f->sib) {
        if (!ds_need(ds, 1)) {
            return false;
        }
        n = 1 + ((ds->bytes[ds->pos] & 7) == 5 && ds->modrm < 0x40
                 ? 4 : f->disp);
    }
    if (!ds_need(ds, n)) {
        return false;
    }
    ds->pos += x86_mem_operand(insn, op, ds->bytes + ds->pos, ds->modrm,
                               ds->rex, ds->akind, ds->seg, ds->asz);
    ds->mem_done = true;
    return true;
}

/*
 * Flattened rows for the fast path (built by decode-flat.c at start-up
 * from the maps above, used by x86_decode() in decode-fast.c).
 */
enum {
    FR_INSN,        /* an instruction (zero: one test on the fast path) */
    FR_SLOW,        /* the generic walk decodes it (or raises #UD) */
    FR_REG,         /* ModRM.reg picks one of 8 rows at .sub */
    FR_MOD,         /* memory form .sub[0], register form .sub[1] */
    FR_W,           /* REX.W picks one of 2 */
    FR_PFX,         /* prefix state (X86_FAST_PSTATES) picks one of 6 */
};

/* Operand kinds */
enum {
    FK_NONE,        /* zero: not on the fast path */
    FK_RM,          /* ModRM r/m: register of .info, or memory (E, Q, W) */
    FK_MEM,         /* ModRM r/m: memory only (M) */
    FK_RMREG,       /* ModRM r/m: register only (N, U) */
    FK_REG,         /* ModRM reg: register of .info (G, P, V) */
    FK_Z,           /* GPR from opcode bits 2:0 */
    FK_FIXED,       /* fixed GPR .info */
    FK_ONE,         /* constant 1 */
    FK_IMM,         /* immediate of .len bytes, sign-extended to .size */
    FK_IMMS,        /* imm8 sign-extended, truncated to .size */
    FK_REL,         /* relative offset of .len bytes */
    FK_MOFFS,       /* absolute offset of address size (O) */
    FK_SRC,         /* DS:rSI (X) */
    FK_DST,         /* ES:rDI (Y) */
};

typedef struct X86FastOp {
    uint8_t kind;           /* FK_* */
    uint8_t info;           /* register kinds: X86_RC_*; FK_FIXED: GPR */
    uint8_t rexr, rexb;     /* REX.R (4) and REX.B (1) when they extend the
                             * register number (not MMX), else 0 */
    uint8_t size[3];        /* operand bytes for operand size 2, 4, 8 */
    uint8_t len[3];         /* immediate bytes, by operand size */
} X86FastOp;

/* The operands of rows: one shape per distinct list of operand specs */
typedef struct X86FastShape {
    X86FastOp op[3];
} __attribute__((aligned(32))) X86FastShape;

enum {
    FAST_RM_ANY,            /* register or memory */
    FAST_RM_MEM,            /* memory only (mod == 3 is #UD) */
    FAST_RM_REG,            /* register only (mod != 3 is #UD, or no
                             * r/m operand: the generic walk) */
};

enum {
    FAST_SHAPE_OTHER,       /* operand by operand */
    FAST_SHAPE_NONE,        /* no operand */
    FAST_SHAPE_RM,          /* ModRM r/m */
    FAST_SHAPE_RM_REG,      /* ModRM r/m, ModRM reg */
    FAST_SHAPE_REG_RM,      /* ModRM reg, ModRM r/m */
    FAST_SHAPE_RM_IMM,      /* ModRM r/m, immediate */
    FAST_SHAPE_Z,           /* GPR from the opcode */
    FAST_SHAPE_REL,         /* relative offset */
};

typedef struct X86FastRow {
    /* FR_INSN: the X86Insn fields before op[] as this row decodes with no
     * prefix (mnemonic, operand count, mode, opcode, mandatory prefix,
     * public flags ...), copied whole */
    uint8_t head[offsetof(X86Insn, op)];
    uint16_t sub;           /* FR_INSN: shape; switches: first pool row */
    uint8_t kind;           /* FR_* */
    uint8_t oszs;           /* operand size 2 << n, n in bits 2i+1:2i for
                             * i = 66 present (1) + REX.W (2) */
    uint8_t form;           /* FAST_SHAPE_*: the common shapes by name */
    uint8_t rm;             /* slot of the ModRM r/m operand */
    uint8_t rmreq;          /* FAST_RM_*: what ModRM.mod must say */
    uint8_t rep;            /* F3/F2 act as REP/REPNE (F_REP, F_REPCC and
                             * no mandatory prefix taken) */
} __attribute__((aligned(16))) X86FastRow;

/* Prefix states of a FR_PFX switch: 66 (1) and the last F3 (2) or F2 (4) */
#define X86_FAST_PSTATES 6

/* [mode][opcode]: the 1-byte map's rows, then the 0F map's at 256 + byte
 * (one index for both maps); the rows of switches in the pool */
extern X86FastRow x86_fast_top[3][512];
#define X86_FAST_POOL_ROWS  6144
#define X86_FAST_SHAPES     256
/* (sized, so that position-independent code reaches them directly) */
extern X86FastRow x86_fast_pool[X86_FAST_POOL_ROWS];
extern X86FastShape x86_fast_shapes[X86_FAST_SHAPES];

/*
 * The generic walk (decode.c): decodes from opcode byte @b (@ds->pos is
 * past it) with the prefixes in @ds; @b < 0 when the window ended in the
 * prefixes. x86_decode() (decode-fast.c) calls it for what its fast path
 * does not take.
 */
X86DecodeStatus x86_decode_walk(X86Insn *insn, const DecodeState *ds, int b,
                                X86Mode mode);

/*
 * x86_decode() without the fast path: the generic walk decodes everything
 * (tests/unit/test-decode-fast.c compares the two field by field).
 */
X86DecodeStatus x86_decode_generic(X86Insn *insn, const uint8_t *bytes,
                                   size_t avail, X86Mode mode);

/* Operand bytes of size code @sz (decode.c) */
unsigned x86_op_bytes(unsigned sz, unsigned osz, bool mode64, bool mod3);

X86DecodeStatus x86_decode_vex(X86Insn *insn, DecodeState *ds,
                               unsigned opcode);

/* The maps */
extern const X86OpDesc x86_op_1byte[256];
extern const X86OpDesc x86_op_0f[256];
extern const X86OpDesc x86_op_0f38[256];
extern const X86OpDesc x86_op_0f3a[256];
extern const X86OpDesc x86_op_x87[8][72];   /* D8..DF */

/* Feature of each mnemonic (decode.c) */
extern const uint8_t x86_mnemonic_feat[X86_INSN_COUNT];

#endif /* KESTREL_CPU_X86_DECODE_INTERNAL_H */
