/* SPDX-License-Identifier: MIT */
/*
 * The host CPU as an oracle (diff-native.c), and the final state every
 * runner of tests/diff/diff-run.c produces.
 */
#ifndef KESTREL_TESTS_DIFF_DIFF_NATIVE_H
#define KESTREL_TESTS_DIFF_DIFF_NATIVE_H

#include "kestrel/osdep.h"
#include "diff-gen.h"

/* A final state, from any runner */
typedef struct DiffState {
    uint64_t regs[16];                  /* [4]: SP - the stack page */
    uint32_t flags;
    int excp;                           /* vector, or -1: ran to the end */
    unsigned fault_off;                 /* code offset of the fault */
    bool ran;                           /* false: timeout or host trouble */
    uint8_t fx[DG_FX_SIZE] __attribute__((aligned(16)));
    uint8_t mem[DG_MEM_SIZE];
    uint8_t stack[DG_STACK_SIZE];
} DiffState;

/* Map the code, scratch and stack pages; false when the host refuses. */
bool dn_init(void);
/* Run @s (32- or 64-bit code) natively into @out. */
void dn_run(const DiffSeq *s, DiffState *out);

#endif /* KESTREL_TESTS_DIFF_DIFF_NATIVE_H */
