/* SPDX-License-Identifier: MIT */
/*
 * Kestrel's side of tests/diff/diff-run.c (diff-kestrel.c): a sequence
 * under the JIT, the IR interpreter or KVM, in real mode, flat 32-bit
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
/* The KVM vCPU (after dk_init); false with the reason where /dev/kvm is
 * not usable. */
bool dk_kvm_init(GError **errp);
/* DM_JIT, DM_INTERP or DM_KVM for the runs that follow. */
void dk_set_engine(int engine);
void dk_run(const DiffSeq *s, DiffState *out);

#endif /* KESTREL_TESTS_DIFF_DIFF_KESTREL_H */
