/* SPDX-License-Identifier: MIT */
/*
 * Running the machine: vCPU threads, the main loop, stop/continue, reset
 * and shutdown requests. system/main.c parses options and calls
 * machine_run(); the monitor, the GDB stub and devices use the rest.
 */
#ifndef KESTREL_RUNSTATE_H
#define KESTREL_RUNSTATE_H

#include "kestrel/osdep.h"
#include "kestrel/machine.h"

/* Build the machine from cfg, run it until shutdown; the exit status. */
int machine_run(MachineConfig *cfg);

/* A board: -machine TYPE picks it. */
typedef struct BoardType {
    const char *name;
    const char *desc;
    /* Create RAM, firmware and devices; the CPUs already exist. */
    bool (*init)(Machine *m, GError **errp);
    /* Machine reset, after every device's reset (e.g. reload ROMs). */
    void (*reset)(Machine *m);
} BoardType;

void board_type_register(const BoardType *board);
const BoardType *board_type_find(const char *name);

#define BOARD_TYPE_REGISTER(b)                                          \
    __attribute__((constructor)) static void board_reg_##b(void)        \
    {                                                                   \
        board_type_register(&(b));                                      \
    }

/* The running machine (NULL before machine_run builds it). */
Machine *current_machine(void);

/* Stop every vCPU and wait until they are parked (main thread). */
void vcpus_pause(Machine *m);
void vcpus_resume(Machine *m);
bool vcpus_running(Machine *m);

/* Wake a vCPU thread: from HLT sleep, or out of its run loop (any
 * thread). cpu_interrupt() and cpu_exit() call it. */
void vcpu_kick(X86CPU *cpu);
/* For accelerators: sleep in HLT until an interrupt request, a kick, or a
 * stop request arrives. */
void vcpu_wait_halted(X86CPU *cpu);
/* The vCPU whose thread calls, or NULL on other threads. */
X86CPU *vcpu_current(void);

/* Notify VM run-state changes (monitor events, gdbstub). */
typedef void RunStateListener(bool running, void *opaque);
void runstate_add_listener(RunStateListener *fn, void *opaque);

#endif /* KESTREL_RUNSTATE_H */
