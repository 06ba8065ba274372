/* SPDX-License-Identifier: MIT */
/*
 * The JIT's private data structures: temps, ops, labels, the context, the
 * emitted block header and the code buffer. Shared by the builder
 * (tcg.c, tcg-op.c), the optimizer and liveness pass, the x86-64 back-end
 * (tcg/x86_64/) and the interpreter (tcg/interp/). Nothing outside tcg/
 * includes this.
 */
#ifndef KESTREL_TCG_INTERNAL_H
#define KESTREL_TCG_INTERNAL_H

#include "kestrel/osdep.h"
#include "tcg/tcg.h"
#include "tcg/tcg-backend.h"

#define TCG_MAX_TEMPS   1024            /* globals included */
#define TCG_MAX_OPS     (1 << 15)
#define TCG_MAX_OP_ARGS 10              /* call: ret, 6 args, fn, flags */

typedef uint64_t TCGArg;

/* ---- opcodes ---- */
#define TCG_OPF_BB_END       (1u << 0)  /* ends a basic block */
#define TCG_OPF_SIDE_EFFECTS (1u << 1)  /* never removed */
#define TCG_OPF_SYNC         (1u << 2)  /* globals must be in env */
#define TCG_OPF_EXIT         (1u << 3)  /* leaves the block */

typedef enum TCGOpcode {
#define DEF(name, oa, ia, ca, fl) INDEX_op_##name,
#include "tcg/tcg-opc.h"
#undef DEF
    NB_OPS
} TCGOpcode;

typedef struct TCGOpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs;
    uint8_t flags;
} TCGOpDef;

extern const TCGOpDef tcg_op_defs[NB_OPS];

/* ld/st alias constant: which global an env access overlaps */
#define TCG_NO_ALIAS   ((TCGArg)-1)
#define TCG_ALIAS_ALL  ((TCGArg)-2)

/* ---- temps ---- */
typedef enum TCGTempKind {
    TEMP_GLOBAL,                        /* env field, survives the block */
    TEMP_LOCAL,                         /* survives labels, not the block */
    TEMP_NORMAL,                        /* dies at the end of a basic block */
    TEMP_CONST,                         /* read-only, interned per block */
} TCGTempKind;

/* where the JIT keeps a temp's value right now */
typedef enum TCGTempVal {
    TEMP_VAL_DEAD,
    TEMP_VAL_REG,
    TEMP_VAL_MEM,
    TEMP_VAL_CONST,
} TCGTempVal;

typedef struct TCGTemp {
    uint8_t kind;                       /* TCGTempKind */
    uint8_t size;                       /* globals: 4 or 8 bytes in env */
    bool in_use;                        /* allocated and not freed */
    uint16_t index;                     /* in TCGContext.temps */
    intptr_t mem_offset;                /* global: env offset */
    uint64_t val;                       /* constant value */
    const char *name;                   /* globals only */

    /* optimizer: copy classes and known constants */
    struct TCGTemp *prev_copy, *next_copy;
    bool is_const;
    bool z32;                           /* bits 32..63 known to be zero */
    uint64_t cval;

    /* liveness */
    bool live;

    /* back-end register allocator */
    uint8_t val_type;                   /* TCGTempVal */
    int8_t reg;
    bool mem_coherent;                  /* memory copy holds the value */
} TCGTemp;

typedef struct TCGLabel {
    unsigned id;
    bool present;                       /* set_label seen */
    bool has_value;                     /* back-end: value is known */
    uintptr_t value;                    /* host or program offset */
    GArray *relocs;                     /* uint32 offsets to fix up */
} TCGLabel;

typedef struct TCGOp {
    uint16_t opc;
    uint8_t nb_oargs, nb_iargs;         /* copied from the def; call varies */
    uint16_t dead;                      /* bit i: temp arg i dies here */
    TCGArg args[TCG_MAX_OP_ARGS];
} TCGOp;

static inline TCGTemp *arg_temp(TCGArg a)
{
    return (TCGTemp *)(uintptr_t)a;
}

static inline TCGArg temp_arg(TCGTemp *t)
{
    return (TCGArg)(uintptr_t)t;
}

static inline unsigned op_nb_cargs(const TCGOp *op)
{
    return tcg_op_defs[op->opc].nb_cargs;
}

/* constant argument i (after the temps) */
static inline TCGArg op_carg(const TCGOp *op, unsigned i)
{
    return op->args[op->nb_oargs + op->nb_iargs + i];
}

static inline bool op_arg_dead(const TCGOp *op, unsigned i)
{
    return op->dead & (1u << i);
}

struct TCGContext {
    TCGTemp temps[TCG_MAX_TEMPS];
    unsigned nb_globals;
    unsigned nb_temps;
    GHashTable *consts;                 /* uint64 value -> TCGTemp */
    GPtrArray *free_temps[3];           /* freed LOCAL/NORMAL temps */

    TCGOp *ops;
    unsigned nb_ops, max_ops;
    GPtrArray *labels;
    unsigned nb_insns;                  /* insn_start ops */
    bool too_big;                       /* ran out of temps or ops */
    bool jit;                           /* emit host code, not a program */
};

/* ---- building ---- */
TCGOp *tcg_emit_op(TCGContext *s, TCGOpcode opc);
TCGTemp *tcg_temp_new_kind(TCGContext *s, TCGTempKind kind);
void tcg_op_set_nop(TCGOp *op);

/* ---- passes ---- */
void tcg_demand(TCGContext *s);
void tcg_optimize(TCGContext *s);
void tcg_liveness(TCGContext *s);

/* ---- emitted blocks ---- */
typedef enum TcgBlockKind {
    TCG_BLOCK_JIT = 0x4a495431,         /* "JIT1" */
    TCG_BLOCK_INTERP = 0x494e5431,      /* "INT1" */
} TcgBlockKind;

/* Placed right before a block's entry point in the code buffer. */
typedef struct TcgBlockHeader {
    uint32_t kind;                      /* TcgBlockKind */
    uint32_t code_size;                 /* bytes of code from the entry */
    uint32_t search_ofs;                /* TcgInsnEntry[] from the entry */
    uint32_t nb_insns;
    uint32_t jmp_ofs[2];                /* goto_tb slot from the entry,
                                         * UINT32_MAX when unused */
    uint32_t jmp_reset[2];              /* JIT: unpatched rel32 value */
} TcgBlockHeader;

/* One guest instruction: its code starts at `start` bytes from the entry. */
typedef struct TcgInsnEntry {
    uint32_t start;
    uint32_t pad;
    uint64_t data[TCG_INSN_START_WORDS];
} TcgInsnEntry;

static inline TcgBlockHeader *tcg_block_header(const void *code)
{
    return (TcgBlockHeader *)((uintptr_t)code - sizeof(TcgBlockHeader));
}

/* ---- code buffer (tcg/region.c) ---- */
typedef struct TcgCodeBuf {
    uint8_t *base, *end;                /* whole mapping */
    uint8_t *start;                     /* first byte after the prologue */
    uint8_t *ptr;                       /* next free byte */
} TcgCodeBuf;

extern TcgCodeBuf tcg_code_buf;
extern intptr_t tcg_tlb_offset;
extern TcgLookupFn tcg_lookup_fn;

/* Emit a block into the buffer; both return TCG_GEN_* codes. */
int tcg_x86_gen_code(TCGContext *s, TcgCodeOut *out);
int tcg_interp_gen_code(TCGContext *s, TcgCodeOut *out);
/* Write the JIT prologue at the start of the buffer; returns its size. */
size_t tcg_x86_emit_prologue(uint8_t *buf, size_t size);
uintptr_t tcg_interp_exec(CPUEnv *env, const void *code);
extern uintptr_t (*tcg_x86_prologue)(CPUEnv *env, const void *code);

/* Reserve space for the header, return the header to fill. */
TcgBlockHeader *tcg_block_begin(uint8_t **code_ptr);
/* Append the insn table from entries recorded by a back-end. */
int tcg_block_finish(TcgBlockHeader *h, uint8_t *code, uint8_t *code_end,
                     const TcgInsnEntry *insns, unsigned n,
                     TcgCodeOut *out);

#endif /* KESTREL_TCG_INTERNAL_H */
