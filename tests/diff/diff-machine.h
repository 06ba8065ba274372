/* SPDX-License-Identifier: MIT */
/*
 * A minimal machine for the differential runners (diff-machine.c): RAM at
 * 0, an empty I/O space, one vCPU on the real "tcg" accelerator, switched
 * between the JIT and the IR interpreter, or a second vCPU on the "kvm"
 * accelerator when /dev/kvm is usable; run until HLT.
 */
#ifndef KESTREL_TESTS_DIFF_DIFF_MACHINE_H
#define KESTREL_TESTS_DIFF_DIFF_MACHINE_H

#include "kestrel/osdep.h"
#include "kestrel/accel.h"
#include "kestrel/memory.h"

enum { DM_JIT, DM_INTERP, DM_KVM, DM_N };
extern const char *const dm_engine_names[DM_N];

typedef struct DiffMachine {
    const AccelOps *ops;                /* of the engine set */
    X86CPU *cpu;
    const AccelOps *tcg, *kvm;
    X86CPU *tcg_cpu, *kvm_cpu;          /* kvm_cpu: NULL without KVM */
    MemRegion ram;
    volatile bool running;
} DiffMachine;

/* RAM of @ram_size bytes at 0; exits with a message on failure. */
void dm_init(DiffMachine *m, uint64_t ram_size, const char *prog);
/* Set up the KVM vCPU (after dm_init, the RAM mapped); false with the
 * reason where /dev/kvm is not usable or KVM is not built. */
bool dm_kvm_init(DiffMachine *m, GError **errp);
/* Switch engine (DM_JIT / DM_INTERP, which drop every translated block,
 * or DM_KVM after dm_kvm_init). */
void dm_set_engine(DiffMachine *m, int engine, const char *prog);
/* Write guest RAM through the memory core (stale blocks are dropped). */
void dm_write(DiffMachine *m, uint32_t addr, const void *buf, size_t len);
void dm_read(DiffMachine *m, uint32_t addr, void *buf, size_t len);
/* Run until HLT; false on a timeout (@timeout_us) or a shutdown. */
bool dm_run(DiffMachine *m, int64_t timeout_us);

#endif /* KESTREL_TESTS_DIFF_DIFF_MACHINE_H */
