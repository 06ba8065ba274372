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
/* The first half of machine_run(): build and reset the machine (devices,
 * vCPUs without their threads, monitor, GDB stub), status prelaunch.
 * The fuzz targets drive the monitor on it without a main loop. */
Machine *machine_create(MachineConfig *cfg, GError **errp);
/* Act on pending requests (reset, shutdown) as the main loop does;
 * false when the machine must stop running. */
bool machine_handle_requests(Machine *m);

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

/* What the VM is doing, named as QMP's query-status does. */
typedef enum RunStatus {
    RUN_STATUS_PRELAUNCH,               /* -S: not started yet */
    RUN_STATUS_RUNNING,
    RUN_STATUS_PAUSED,                  /* the monitor's stop */
    RUN_STATUS_DEBUG,                   /* stopped by the GDB stub */
    RUN_STATUS_SHUTDOWN,                /* powered off under -no-shutdown */
} RunStatus;

RunStatus vm_status(void);
const char *vm_status_name(RunStatus st);
/* Main thread: park every vCPU and stop the virtual clock (no-op when
 * already stopped, except that the status becomes @why), or restart. */
void vm_stop(RunStatus why);
void vm_start(void);

/* Run-state events, for the monitor (QMP events) and the GDB stub. */
typedef enum RunStateEvent {
    RUNSTATE_EV_STOP,
    RUNSTATE_EV_RESUME,
    RUNSTATE_EV_RESET,                  /* cause: SHUTDOWN_RESET or NONE
                                         * (asked by the host) */
    RUNSTATE_EV_SHUTDOWN,               /* cause: a ShutdownCause */
    RUNSTATE_EV_POWERDOWN,              /* the ACPI power button */
} RunStateEvent;

typedef void RunStateListener(RunStateEvent ev, int cause, void *opaque);
void runstate_add_listener(RunStateListener *fn, void *opaque);
void runstate_notify(RunStateEvent ev, int cause);

/* Called on the vCPU thread when vcpu_run returned VCPU_EXIT_DEBUG (the
 * vCPU then parks): the GDB stub sets it. */
extern void (*vcpu_debug_exit_hook)(X86CPU *cpu);

#endif /* KESTREL_RUNSTATE_H */
