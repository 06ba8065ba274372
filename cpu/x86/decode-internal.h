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

/* Decoder state for one instruction */
typedef struct DecodeState {
    const uint8_t *bytes;
    unsigned pos;
    unsigned lim;           /* min(avail, 15) */
    unsigned avail;
    unsigned need;          /* bytes needed when a read failed */
    uint8_t modrm;
    bool mem_done;
} DecodeState;

static inline bool ds_need(DecodeState *ds, unsigned n)
{
    if (likely(ds->pos + n <= ds->lim)) {
        return true;
    }
    ds->need = ds->pos + n;
    return false;
}

static inline uint64_t ds_read(DecodeState *ds, unsigned n)
{
    const uint8_t *p = ds->bytes + ds->pos;
    uint64_t v;

    ds->pos += n;
    switch (n) {
    case 1:
        return p[0];
    case 2:
        return p[0] | (uint16_t)p[1] << 8;
    case 4: {
        uint32_t w;
        memcpy(&w, p, 4);
        return GUINT32_FROM_LE(w);
    }
    default:
        memcpy(&v, p, 8);
        return GUINT64_FROM_LE(v);
    }
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

static const KS_UNUSED int8_t x86_base16[8] = {
    X86_GPR_BX, X86_GPR_BX, X86_GPR_BP, X86_GPR_BP,
    X86_GPR_SI, X86_GPR_DI, X86_GPR_BP, X86_GPR_BX,
};
static const KS_UNUSED int8_t x86_index16[8] = {
    X86_GPR_SI, X86_GPR_DI, X86_GPR_SI, X86_GPR_DI, -1, -1, -1, -1,
};

/*
 * ModRM memory operand (mod != 3): SIB, displacement, default segment.
 * Returns false when bytes are missing.
 */
static inline bool x86_decode_mem(DecodeState *ds, X86Insn *insn,
                                  X86Operand *op)
{
    unsigned mod = ds->modrm >> 6, rm = ds->modrm & 7;
    unsigned rex = insn->rex;
    int base = -1, index = -1;
    unsigned scale = 1, dsz = 0;
    bool ss = false;
    int64_t disp = 0;

    if (insn->addr_size == 2) {
        if (mod == 0 && rm == 6) {
            dsz = 2;
        } else {
            base = x86_base16[rm];
            index = x86_index16[rm];
            ss = base == X86_GPR_BP;
            dsz = mod == 1 ? 1 : mod == 2 ? 2 : 0;
        }
        if (dsz) {
            if (!ds_need(ds, dsz)) {
                return false;
            }
            disp = ds_read(ds, dsz);
            if (base >= 0) {
                disp = x86_sext(disp, dsz);
            }
        }
    } else {
        if (rm == 4) {
            unsigned sib, b;
            if (!ds_need(ds, 1)) {
                return false;
            }
            sib = ds_read(ds, 1);
            insn->sib = sib;
            scale = 1u << (sib >> 6);
            index = ((sib >> 3) & 7) | (rex & 2) << 2;
            if (index == 4) {
                index = -1;
            }
            b = sib & 7;
            if (b == 5 && mod == 0) {
                dsz = 4;
            } else {
                base = b | (rex & 1) << 3;
            }
        } else if (rm == 5 && mod == 0) {
            dsz = 4;
            if (insn->mode == X86_MODE_64) {
                base = X86_GPR_RIP;
                insn->flags |= X86_IF_RIPREL;
            }
        } else {
            base = rm | (rex & 1) << 3;
        }
        if (mod == 1) {
            dsz = 1;
        } else if (mod == 2) {
            dsz = 4;
        }
        ss = base == X86_GPR_SP || base == X86_GPR_BP;
        if (dsz) {
            if (!ds_need(ds, dsz)) {
                return false;
            }
            disp = ds_read(ds, dsz);
            if (base >= 0 || index >= 0 || insn->addr_size == 8) {
                disp = x86_sext(disp, dsz);
            }
        }
    }
    op->kind = X86_OPND_MEM;
    op->base = base;
    op->index = index;
    op->scale = scale;
    op->disp = disp;
    op->seg = insn->seg_override != X86_SEG_NONE ? insn->seg_override
              : ss ? X86_SEG_SS : X86_SEG_DS;
    ds->mem_done = true;
    return true;
}

/*
 * Fast path (decode-fast.c) for unprefixed (or REX-only) one-byte and 0F
 * instructions with GPR, memory, immediate and relative operands. Returns
 * false, with @insn unspecified, for anything else: use the generic walk.
 */
bool x86_decode_fast(X86Insn *insn, const uint8_t *bytes, size_t avail,
                     X86Mode mode);

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
