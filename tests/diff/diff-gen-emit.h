/* SPDX-License-Identifier: MIT */
/*
 * The generator's parts (diff-gen.c and the per-family diff-gen-*.c): the
 * state of a generation and one encoder for every instruction, which
 * picks registers and memory operands that the harness allows.
 */
#ifndef KESTREL_TESTS_DIFF_DIFF_GEN_EMIT_H
#define KESTREL_TESTS_DIFF_DIFF_GEN_EMIT_H

#include "kestrel/osdep.h"
#include "diff-gen.h"

#define DG_RM_MEM (-1)                  /* DgEnc.rm: a memory operand */
#define DG_NO_MODRM (-2)                /* DgEnc.reg: no ModRM byte */

/* The flow of flags through a laid-out sequence (Jcc shadows) */
typedef struct DgFlow {
    uint16_t undef;                     /* undefined before the next */
    unsigned shadow_end;                /* generated index a Jcc skips to */
} DgFlow;

typedef struct DgCtx {
    GRand *r;
    DiffSeq *s;
    unsigned bits;
    DgInsn *in;                         /* the instruction being built */
    DgFlow flow;
    bool rex;                           /* this instruction has a REX */
    unsigned resv;                      /* next free reserved scratch byte */
    bool x87_closed;                    /* a transcendental ended the x87 */
} DgCtx;

typedef struct DgEnc {
    uint8_t pfx;                        /* 0x66/0xf2/0xf3 mandatory prefix */
    bool opsize;                        /* a 0x66 operand-size prefix */
    bool rexw;
    uint8_t op[3];
    uint8_t oplen;
    int reg;                            /* ModRM.reg 0..15, or DG_NO_MODRM */
    int rm;                             /* register 0..15, or DG_RM_MEM */
    unsigned msize;                     /* bytes of the memory operand */
    unsigned malign;                    /* its alignment (0, 1: none) */
    bool mwrite;                        /* written: below DG_MEM_RW */
    int moff;                           /* >= 0: at this scratch offset */
    uint64_t imm;
    unsigned immlen;
} DgEnc;

/* Start instruction @name (false: the sequence is full); chooses
 * whether it has a REX prefix. */
bool dg_begin(DgCtx *c, const char *name);
/* Append it when the flags it reads are defined here; false if not. */
bool dg_commit(DgCtx *c);
/* Room for @n more instructions? */
bool dg_room(const DgCtx *c, unsigned n);
/* Encode @e into the current instruction. */
void dg_encode(DgCtx *c, const DgEnc *e);
/* A general register for an operand of @size bytes that code may read
 * and write: never (E/R)SP, (E/R)DI, R15, SPL or DIL. */
unsigned dg_gpr(DgCtx *c, unsigned size);
/* An XMM register (0..15 in 64-bit code with a REX) */
unsigned dg_xmm(DgCtx *c);
/* A random ModRM.rm: dg_gpr(@size) or memory (1 in @mem_in) */
int dg_rm(DgCtx *c, unsigned size, unsigned mem_in);
/* Reserve @size bytes (aligned to @align) of the scratch page that no
 * instruction writes, filled with @val: operands the generator chose. */
unsigned dg_reserve(DgCtx *c, const void *val, unsigned size,
                    unsigned align);
/* True with probability 1/@n */
bool dg_one_in(DgCtx *c, unsigned n);
/* An interesting float / double / extended value as bits */
uint32_t dg_f32(GRand *r);
uint64_t dg_f64(GRand *r);
void dg_f80(GRand *r, uint8_t out[10]);
/* MXCSR: any rounding, DAZ, FTZ and flags; masks mostly set */
uint32_t dg_mxcsr(GRand *r);

/* The flow of flags: may @in run here? Then account for it (@g: its
 * generated index). */
bool dg_flow_ok(const DgFlow *f, const DgInsn *in);
void dg_flow_step(DgFlow *f, const DgInsn *in, unsigned g);

/* Per-family generators: append one instruction (or a few that belong
 * together) with dg_begin/dg_encode/dg_commit. */
void dg_gen_int(DgCtx *c);
void dg_gen_x87(DgCtx *c);
void dg_gen_sse(DgCtx *c);
/* Initial x87 and SSE state into s->fx */
void dg_init_fx(DgCtx *c);

#endif /* KESTREL_TESTS_DIFF_DIFF_GEN_EMIT_H */
