/* SPDX-License-Identifier: MIT */
/*
 * x86 instruction decoder and disassembler: public API.
 *
 * x86_decode() turns up to 15 guest code bytes into an X86Insn: the
 * instruction's identity (X86Mnemonic, listed once in insn-list.h), its
 * explicit operands in Intel order (destination first), prefixes, REX,
 * effective operand and address size, and length. The translator picks its
 * emitter by mnemonic; it never looks at opcode bytes. x86_disas() prints
 * Intel syntax close to Capstone's, for -d in_asm and the Capstone check.
 *
 * Decoding never reads past the bytes given. When the window is too short
 * the result is X86_DEC_NEED_MORE: fetch more (possibly across a page, which
 * may fault) and decode again. An instruction longer than 15 bytes is
 * X86_DEC_GP; an invalid opcode, a LOCK where LOCK is not allowed, or an
 * opcode invalid in the current mode is X86_DEC_UD.
 *
 * Ref: Intel SDM vol. 2, ch. 2 (instruction format), appendix A (opcode maps).
 * See docs/decoder.md.
 */
#ifndef KESTREL_CPU_X86_INSN_H
#define KESTREL_CPU_X86_INSN_H

#include "kestrel/osdep.h"

#define X86_MAX_INSN_LEN    15
/* x86_decode() takes its fastest way when this many bytes are readable */
#define X86_DECODE_WINDOW   32
#define X86_MAX_OPERANDS    4

/* Instruction identity. Text is the lowercased name up to any "__". */
typedef enum X86Mnemonic {
#define X(name, feat) X86_INSN_##name,
#include "cpu/x86/insn-list.h"
#undef X
    X86_INSN_COUNT
} X86Mnemonic;

/* CPU feature an instruction needs (the translator gives #UD without it). */
typedef enum X86Feature {
    X86_FEAT_BASE,          /* 8086..Pentium integer, always there */
    X86_FEAT_386,           /* 386+ (MOVZX, BT*, SETcc, ...) */
    X86_FEAT_486,           /* BSWAP, CMPXCHG, XADD, INVD, INVLPG */
    X86_FEAT_PENTIUM,       /* CPUID, RDTSC, CMPXCHG8B, RDMSR/WRMSR, RSM */
    X86_FEAT_FPU,           /* x87 */
    X86_FEAT_CMOV,          /* CMOVcc, FCMOVcc, FCOMI, FUCOMI */
    X86_FEAT_PPRO,          /* RDPMC, UD2, long NOP */
    X86_FEAT_SEP,           /* SYSENTER/SYSEXIT */
    X86_FEAT_MMX,
    X86_FEAT_FXSR,          /* FXSAVE/FXRSTOR */
    X86_FEAT_SSE,
    X86_FEAT_SSE2,
    X86_FEAT_SSE3,
    X86_FEAT_SSSE3,
    X86_FEAT_SSE41,
    X86_FEAT_SSE42,
    X86_FEAT_LM,            /* x86-64 only: SYSCALL/SYSRET, SWAPGS, ... */
    X86_FEAT_SYSCALL,
    X86_FEAT_RDTSCP,
    X86_FEAT_CX16,          /* CMPXCHG16B */
    X86_FEAT_POPCNT,
    X86_FEAT_MOVBE,
    X86_FEAT_OTHER,         /* later extensions: decoded for #UD only */
    X86_FEAT_AVX,           /* any VEX-encoded instruction */
    X86_FEAT_COUNT
} X86Feature;

/* Code size: CS.D / CS.L (the translator's "mode"). */
typedef enum X86Mode {
    X86_MODE_16,
    X86_MODE_32,
    X86_MODE_64,
} X86Mode;

/* Result of x86_decode(). */
typedef enum X86DecodeStatus {
    X86_DEC_OK,             /* valid instruction, insn->len bytes */
    X86_DEC_NEED_MORE,      /* window too short: insn->len = bytes needed so far */
    X86_DEC_UD,             /* #UD (invalid opcode / bad LOCK / invalid in mode) */
    X86_DEC_GP,             /* #GP(0): longer than 15 bytes */
} X86DecodeStatus;

typedef enum X86OperandKind {
    X86_OPND_NONE,
    X86_OPND_REG,           /* reg_class + reg */
    X86_OPND_MEM,           /* seg:[base + index*scale + disp] */
    X86_OPND_IMM,           /* imm, extended to the operand size */
    X86_OPND_REL,           /* rel: target = next insn address + rel */
    X86_OPND_FAR,           /* far.sel:far.off (direct far JMP/CALL) */
} X86OperandKind;

typedef enum X86RegClass {
    X86_RC_NONE,
    X86_RC_GPR,             /* reg 0..15 = rAX..r15; size 1/2/4/8 (size 1: AL..
                             * BL, SPL..DIL with REX, R8B..R15B) */
    X86_RC_GPR8H,           /* reg 0..3 = AH, CH, DH, BH (bits 8..15 of rAX..rBX) */
    X86_RC_SEG,             /* reg = X86_SEG_* */
    X86_RC_CR,              /* CR0..CR15 */
    X86_RC_DR,              /* DR0..DR15 */
    X86_RC_MMX,             /* MM0..MM7 */
    X86_RC_XMM,             /* XMM0..XMM15 */
    X86_RC_YMM,             /* YMM0..YMM15 (VEX.L = 1, identity only) */
    X86_RC_ST,              /* ST(0)..ST(7), reg relative to TOP */
} X86RegClass;

enum {
    X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS,
    X86_SEG_NONE = 0xff,
};

/* GPR numbers (memory base/index use them too). */
enum {
    X86_GPR_AX, X86_GPR_CX, X86_GPR_DX, X86_GPR_BX,
    X86_GPR_SP, X86_GPR_BP, X86_GPR_SI, X86_GPR_DI,
    X86_GPR_R8, X86_GPR_R9, X86_GPR_R10, X86_GPR_R11,
    X86_GPR_R12, X86_GPR_R13, X86_GPR_R14, X86_GPR_R15,
    X86_GPR_RIP = 16,       /* memory base only: RIP-relative */
    X86_GPR_NONE = -1,
};

typedef struct X86Operand {
    uint8_t kind;           /* X86OperandKind */
    uint8_t size;           /* bytes accessed: 1, 2, 4, 6 (m16:32), 8, 10 (m80,
                             * m16:64), 16, 32; 0 = no access (LEA, INVLPG,
                             * NOP's operand) or environment-sized (FLDENV,
                             * FSAVE, FXSAVE: see the mnemonic) */
    uint8_t reg_class;      /* REG: X86RegClass */
    uint8_t reg;            /* REG: number within the class */
    uint8_t seg;            /* MEM: effective segment X86_SEG_* (default or
                             * override; ES for string destinations) */
    int8_t base;            /* MEM: X86_GPR_*, X86_GPR_RIP or X86_GPR_NONE */
    int8_t index;           /* MEM: X86_GPR_* or X86_GPR_NONE */
    uint8_t scale;          /* MEM: 1, 2, 4 or 8 */
    union {
        int64_t disp;       /* MEM: sign-extended displacement; for RIP-
                             * relative, relative to the next instruction */
        uint64_t imm;       /* IMM: sign- or zero-extended as the SDM says,
                             * truncated to the operand size */
        int64_t rel;        /* REL: sign-extended, from the next instruction */
        struct {
            uint32_t off;
            uint16_t sel;
        } far;              /* FAR: selector and offset (16 or 32 bits) */
    };
} X86Operand;

/* insn->flags */
enum {
    X86_IF_LOCK        = 1u << 0,   /* F0 present (and valid: lockable, memory) */
    X86_IF_REP         = 1u << 1,   /* F3 applies as REP/REPE (string insns) */
    X86_IF_REPNE       = 1u << 2,   /* F2 applies as REPNE (string insns) */
    X86_IF_LOCKABLE    = 1u << 3,   /* LOCK allowed with a memory destination */
    X86_IF_BRANCH      = 1u << 4,   /* changes rIP other than to the next insn */
    X86_IF_COND        = 1u << 5,   /* conditional branch (Jcc, LOOPcc, JrCXZ) */
    X86_IF_END_TB      = 1u << 6,   /* ends a translation block (branches, mode
                                     * or flag changes: MOV CR, POPF, STI, HLT,
                                     * INT, IRET, SYSCALL, ...) */
    X86_IF_PRIV        = 1u << 7,   /* needs CPL 0 (CR/DR moves, HLT, LGDT, ...) */
    X86_IF_IOPL        = 1u << 8,   /* IOPL-sensitive (IN/OUT/INS/OUTS, CLI, STI) */
    X86_IF_X87         = 1u << 9,   /* x87 escape D8..DF: see x87_fop */
    X86_IF_MMX         = 1u << 10,  /* uses MMX state (x87 tag/TOP effects) */
    X86_IF_SSE         = 1u << 11,  /* SSE/SSE2 state (CR0.EM/TS, CR4.OSFXSR) */
    X86_IF_VEX         = 1u << 12,  /* VEX-encoded (C4/C5): identity only */
    X86_IF_RIPREL      = 1u << 13,  /* has a RIP-relative memory operand */
    X86_IF_CALL        = 1u << 14,  /* CALL (near or far) */
    X86_IF_RET         = 1u << 15,  /* RET, RETF, IRET */
    X86_IF_FAR         = 1u << 16,  /* far transfer (selector loaded into CS) */
    X86_IF_STACK       = 1u << 17,  /* implicit stack access (PUSH, POP, CALL..) */
    X86_IF_STRING      = 1u << 18,  /* string insn (MOVS, CMPS, ... ; INS, OUTS) */
    X86_IF_MODRM       = 1u << 19,  /* has a ModRM byte (insn->modrm valid) */
    X86_IF_NO64        = 1u << 20,  /* (internal) invalid in 64-bit mode */
};

/* insn->prefixes: every legacy prefix seen, in any order */
enum {
    X86_PFX_66     = 1u << 0,
    X86_PFX_67     = 1u << 1,
    X86_PFX_F0     = 1u << 2,
    X86_PFX_F2     = 1u << 3,
    X86_PFX_F3     = 1u << 4,
    X86_PFX_ES     = 1u << 5,
    X86_PFX_CS     = 1u << 6,
    X86_PFX_SS     = 1u << 7,
    X86_PFX_DS     = 1u << 8,
    X86_PFX_FS     = 1u << 9,
    X86_PFX_GS     = 1u << 10,
    X86_PFX_REX    = 1u << 11,      /* a REX byte took effect (64-bit mode) */
    X86_PFX_VEX    = 1u << 12,
};

/* Opcode map of insn->opcode. */
enum {
    X86_MAP_1BYTE,
    X86_MAP_0F,
    X86_MAP_0F38,
    X86_MAP_0F3A,
};

typedef struct X86Insn {
    uint16_t mnem;          /* X86Mnemonic */
    uint8_t len;            /* bytes, 1..15 (NEED_MORE: bytes needed so far) */
    uint8_t nops;           /* explicit operands in op[] */
    uint8_t mode;           /* X86Mode decoded in */
    uint8_t op_size;        /* effective operand size: 2, 4 or 8 (1 for byte
                             * forms); the default stack/branch size in
                             * 64-bit mode is 8 */
    uint8_t addr_size;      /* effective address size: 2, 4 or 8 */
    uint8_t seg_override;   /* X86_SEG_* of the last segment prefix, or
                             * X86_SEG_NONE (ignored: CS/DS/ES/SS in 64-bit) */
    uint8_t seg_prefix;     /* last segment prefix as written, X86_SEG_* or
                             * X86_SEG_NONE (what the disassembler shows) */
    uint8_t rex;            /* REX byte in effect (0x40..0x4f) or 0 */
    uint8_t map;            /* X86_MAP_* */
    uint8_t opcode;         /* last opcode byte (in map) */
    uint8_t modrm;          /* ModRM byte if X86_IF_MODRM */
    uint8_t sib;            /* SIB byte if there is one, else 0 */
    uint8_t mand_prefix;    /* 0x66, 0xF3, 0xF2 when used as a mandatory
                             * prefix (SSE); 0 otherwise */
    uint8_t cc;             /* condition 0..15 (Jcc, SETcc, CMOVcc, FCMOVcc:
                             * FCMOV uses B, E, BE, U = 0, 1, 2, 3 + 4*NOT) */
    uint8_t feature;        /* X86Feature needed */
    uint8_t imm_off;        /* offset of the first immediate/rel byte, or 0 */
    uint16_t x87_fop;       /* x87 FOP: ((opcode & 7) << 8) | modrm */
    uint16_t prefixes;      /* X86_PFX_* */
    uint32_t flags;         /* X86_IF_* */
    X86Operand op[X86_MAX_OPERANDS];
} X86Insn;

/*
 * Decode one instruction from @bytes (@avail bytes are readable; more than
 * 15 are never looked at). Fills @insn in all cases: on X86_DEC_UD the length
 * is set when it is known (for logging), on X86_DEC_NEED_MORE insn->len is a
 * lower bound of the bytes needed.
 */
X86DecodeStatus x86_decode(X86Insn *insn, const uint8_t *bytes, size_t avail,
                           X86Mode mode);

/* Name of a mnemonic ("add"), feature of a mnemonic. */
const char *x86_mnemonic_name(unsigned mnem);
X86Feature x86_mnemonic_feature(unsigned mnem);

/* Target of a REL operand for an instruction at linear/offset @pc. */
uint64_t x86_rel_target(const X86Insn *insn, uint64_t pc);

/*
 * Intel-syntax text ("add dword ptr [eax + ebx*4 + 8], 0x10"), Capstone-like.
 * @pc is the instruction's address (for branch targets). Returns the length
 * of the text (like snprintf); @buf is always NUL-terminated.
 */
int x86_disas(const X86Insn *insn, char *buf, size_t len, uint64_t pc);

/*
 * One -d in_asm line, without newline:
 *   "0x000ffff0: ea 5b e0 00 f0  ljmp 0xf000:0xe05b"
 * address as 0x%08x (0x%016lx in 64-bit mode), the insn->len bytes from
 * @bytes, two spaces, x86_disas() text. Returns the text length.
 */
int x86_format_in_asm_line(const X86Insn *insn, const uint8_t *bytes,
                           uint64_t pc, char *buf, size_t len);

#endif /* KESTREL_CPU_X86_INSN_H */
