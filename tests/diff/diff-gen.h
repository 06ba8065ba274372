/* SPDX-License-Identifier: MIT */
/*
 * Random integer instruction sequences for the differential runner
 * (diff-gen.c), and what the comparator needs to know about them.
 */
#ifndef KESTREL_TESTS_DIFF_DIFF_GEN_H
#define KESTREL_TESTS_DIFF_DIFF_GEN_H

#include "kestrel/osdep.h"

#define DG_MAX_INSNS  24
#define DG_CODE_MAX   (DG_MAX_INSNS * 16)
#define DG_MEM_SIZE   4096              /* the scratch page */
#define DG_MEM_REG    7                 /* EDI: its address, never written */

/* EFLAGS bits the comparator looks at */
#define DG_CF 0x001
#define DG_PF 0x004
#define DG_AF 0x010
#define DG_ZF 0x040
#define DG_SF 0x080
#define DG_OF 0x800
#define DG_CC (DG_CF | DG_PF | DG_AF | DG_ZF | DG_SF | DG_OF)

typedef struct DiffSeq {
    bool code16;                        /* 16-bit code segment (real mode) */
    uint8_t code[DG_CODE_MAX];
    unsigned len;
    unsigned n;                         /* instructions */
    uint16_t off[DG_MAX_INSNS + 1];     /* offset of each; [n] = len */
    const char *name[DG_MAX_INSNS];
    /* flags undefined before instruction i; [n]: at the end */
    uint16_t undef[DG_MAX_INSNS + 1];
    uint32_t regs[8];                   /* initial EAX..EDI (ESP, EDI unused) */
    uint32_t flags;                     /* initial DG_CC bits */
    uint8_t mem[DG_MEM_SIZE];           /* initial scratch page */
} DiffSeq;

/* Fill @s from @rand: 16- or 32-bit code, registers, flags, memory. */
void dg_generate(DiffSeq *s, GRand *rand, bool code16);
/* Instruction index of code offset @off (n when past the end). */
unsigned dg_insn_at(const DiffSeq *s, unsigned off);

#endif /* KESTREL_TESTS_DIFF_DIFF_GEN_H */
