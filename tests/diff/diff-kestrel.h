/* SPDX-License-Identifier: MIT */
/*
 * Kestrel's side of tests/diff/diff-run.c (diff-kestrel.c): a sequence
 * under the JIT or the IR interpreter, in real mode, flat 32-bit
 * protected mode or 64-bit long mode.
 */
#ifndef KESTREL_TESTS_DIFF_DIFF_KESTREL_H
#define KESTREL_TESTS_DIFF_DIFF_KESTREL_H

#include "kestrel/osdep.h"
#include "diff-gen.h"
#include "diff-machine.h"
#include "diff-native.h"

/* The machine (a qemu64 vCPU) and its descriptor and page tables. */
void dk_init(void);
/* DM_JIT or DM_INTERP for the runs that follow. */
void dk_set_engine(int engine);
void dk_run(const DiffSeq *s, DiffState *out);

#endif /* KESTREL_TESTS_DIFF_DIFF_KESTREL_H */
