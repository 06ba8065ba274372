/* SPDX-License-Identifier: MIT */
/*
 * Random instruction sequences for the differential runner (diff-gen.c
 * and its per-family parts), and what the comparator needs to know about
 * them. A sequence is a list of instructions kept apart, so that the
 * reducer can drop some and lay the rest out again (dg_layout).
 */
#ifndef KESTREL_TESTS_DIFF_DIFF_GEN_H
#define KESTREL_TESTS_DIFF_DIFF_GEN_H

#include "kestrel/osdep.h"

#define DG_MAX_INSNS  24
#define DG_CODE_MAX   (DG_MAX_INSNS * 16)
#define DG_MEM_SIZE   4096              /* the scratch page */
#define DG_MEM_RW     3584              /* written below this offset only */
#define DG_MEM_REG    7                 /* (E/R)DI: its address */
#define DG_STACK_SIZE 4096              /* the stack page (16/64-bit) */
#define DG_STACK_START 2048             /* initial SP: its offset */
/* scratch page - start of the code: RIP-relative operands need it */
#define DG_RIP_DELTA  0x2000

/* EFLAGS bits the comparator looks at */
#define DG_CF 0x001
#define DG_PF 0x004
#define DG_AF 0x010
#define DG_ZF 0x040
#define DG_SF 0x080
#define DG_OF 0x800
#define DG_CC (DG_CF | DG_PF | DG_AF | DG_ZF | DG_SF | DG_OF)
/* The x87 condition codes C0-C3 share the masks: FSW bits, not EFLAGS */
#define DG_FSW_CC 0x4700

/* The FXSAVE image (SDM Vol. 1 table 10-2): the x87/MMX/SSE state */
#define DG_FX_FCW     0
#define DG_FX_FSW     2
#define DG_FX_FTW     4                 /* abridged: 1 = not empty */
#define DG_FX_MXCSR   24
#define DG_FX_ST0     32                /* ST(i) at 32 + 16 * i */
#define DG_FX_XMM0    160
#define DG_FX_SIZE    512

/* The classes of sequences: a run cycles through them by index */
typedef enum DgClass {
    DG_INT16,                           /* real mode: JIT vs interpreter */
    DG_INT32,                           /* host, JIT, interpreter */
    DG_INT64,                           /* long mode, REX, RIP-relative */
    DG_X87,                             /* x87 with integer code, 32-bit */
    DG_SSE,                             /* MMX, SSE, SSE2, 64-bit */
    DG_X87_16,                          /* x87 in real mode */
    DG_NCLASS,
} DgClass;

extern const char *const dg_class_names[DG_NCLASS];

/* DgInsn.flags */
#define DG_I_TRANSC   1                 /* x87 transcendental: ULP compare */
#define DG_I_GLUE     2                 /* dropped with the next one */

typedef struct DgInsn {
    uint8_t b[15];
    uint8_t len;
    int8_t rel_at;                      /* Jcc: offset of its rel8, or -1 */
    uint8_t skip;                       /* Jcc: instructions it jumps over */
    int8_t rip_at;                      /* disp32 of a RIP-relative operand */
    uint16_t rip_target;                /* its scratch page offset */
    uint8_t flags;
    uint16_t def, undef, read;          /* DG_CC and DG_FSW_CC bits */
    const char *name;
} DgInsn;

typedef struct DiffSeq {
    DgClass cls;
    unsigned bits;                      /* 16, 32 or 64: code size */
    unsigned ninsn;                     /* instructions generated */
    uint32_t drop;                      /* dropped by the reducer: bit i */
    DgInsn insn[DG_MAX_INSNS];
    /* laid out by dg_layout() from the instructions not dropped: */
    uint8_t code[DG_CODE_MAX];
    unsigned len;
    unsigned n;
    uint8_t idx[DG_MAX_INSNS];          /* generated index of each */
    uint16_t off[DG_MAX_INSNS + 1];     /* offset of each; [n] = len */
    /* flags undefined before instruction i; [n]: at the end */
    uint16_t undef[DG_MAX_INSNS + 1];
    bool transc;                        /* a transcendental is kept */
    /* the initial state */
    uint64_t regs[16];                  /* (E/R)SP and (E/R)DI: harness */
    uint32_t flags;                     /* DG_CC bits */
    uint8_t fx[DG_FX_SIZE] __attribute__((aligned(16)));
    uint8_t mem[DG_MEM_SIZE];
    uint8_t stack[DG_STACK_SIZE];
} DiffSeq;

/* Fill @s for class @cls from @rand, laid out. */
void dg_generate(DiffSeq *s, GRand *rand, DgClass cls);
/* Lay out the instructions not in s->drop; false when the result would
 * read a flag that is undefined there (the reducer then keeps it). */
bool dg_layout(DiffSeq *s);
/* Index (in the laid-out list) of the instruction at code offset @off. */
unsigned dg_insn_at(const DiffSeq *s, unsigned off);
/* Does the class compare with the host CPU? */
bool dg_class_native(DgClass cls);

#endif /* KESTREL_TESTS_DIFF_DIFF_GEN_H */
