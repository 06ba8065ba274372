/* SPDX-License-Identifier: MIT */
/*
 * The host CPU as an oracle (diff-native.c): run a 32-bit-safe sequence
 * natively in this 64-bit process, faults included.
 */
#ifndef KESTREL_TESTS_DIFF_DIFF_NATIVE_H
#define KESTREL_TESTS_DIFF_DIFF_NATIVE_H

#include "kestrel/osdep.h"
#include "diff-gen.h"

/* A final state, from any runner */
typedef struct DiffState {
    uint32_t regs[8];
    uint32_t flags;
    int excp;                           /* vector, or -1: ran to the end */
    unsigned fault_off;                 /* code offset of the fault */
    bool ran;                           /* false: timeout or host trouble */
    uint8_t mem[DG_MEM_SIZE];
} DiffState;

/* Map the code and scratch pages; false when the host refuses. */
bool dn_init(void);
/* Run @s natively (32-bit code only) into @out. */
void dn_run(const DiffSeq *s, DiffState *out);

#endif /* KESTREL_TESTS_DIFF_DIFF_NATIVE_H */
