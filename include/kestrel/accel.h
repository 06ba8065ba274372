/* SPDX-License-Identifier: MIT */
/*
 * The accelerator interface: what TCG and KVM each implement, so that the
 * machine, the devices, the monitor and the GDB stub never know which one
 * runs the CPU. A vCPU is an X86CPU; its canonical state is `env`.
 */
#ifndef KESTREL_ACCEL_H
#define KESTREL_ACCEL_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"

typedef struct Machine Machine;
typedef struct X86CPU X86CPU;

/* Why vcpu_run returned. */
typedef enum VcpuExit {
    VCPU_EXIT_KICK,                     /* exit request: check run state */
    VCPU_EXIT_HALT,                     /* HLT with interrupts masked */
    VCPU_EXIT_DEBUG,                    /* breakpoint, watchpoint, step */
    VCPU_EXIT_SHUTDOWN,                 /* triple fault */
    VCPU_EXIT_ERROR,                    /* accelerator failure: logged */
} VcpuExit;

typedef struct AccelOps {
    const char *name;                   /* "tcg", "kvm" */
    /* opts: the -accel suboptions after the name ("jit=off"). */
    bool (*init)(Machine *m, const char *opts, GError **errp);
    bool (*vcpu_init)(X86CPU *cpu, GError **errp);
    VcpuExit (*vcpu_run)(X86CPU *cpu);
    void (*get_state)(X86CPU *cpu);     /* accelerator -> cpu->env */
    void (*put_state)(X86CPU *cpu);     /* cpu->env -> accelerator */
    void (*kick)(X86CPU *cpu);          /* make vcpu_run return soon */
    /* flags: GUEST_DEBUG_* below */
    bool (*set_guest_debug)(X86CPU *cpu, unsigned flags, GError **errp);
    void (*vcpu_destroy)(X86CPU *cpu);
} AccelOps;

#define GUEST_DEBUG_SINGLESTEP  (1u << 0)
#define GUEST_DEBUG_SW_BP       (1u << 1)
#define GUEST_DEBUG_HW_BP       (1u << 2)

#define ACCEL_MAX               4       /* registered accelerators */

struct X86CPU {
    X86CPUState env;
    int index;
    Machine *machine;
    const AccelOps *accel;
    void *accel_state;                  /* private to the accelerator */
    /* each accelerator's vCPU state by accel_index(), kept across live
     * switches (system/accel-switch.c) */
    void *accel_states[ACCEL_MAX];
    GThread *thread;
    int host_tid;                       /* its thread's Linux TID (QMP) */
    volatile int exit_request;          /* checked at every TB entry */
    int sipi_vector;                    /* of the last SIPI (CPU_INTERRUPT_SIPI) */
    bool stop;                          /* the vCPU should park */
    bool stopped;                       /* it has parked */
};

void accel_register(const AccelOps *ops);
const AccelOps *accel_find(const char *name);
int accel_index(const AccelOps *ops);
/* ops->init, once per process: later calls return true at once (KVM sets
 * the TCG up for its one-instruction fallback; a live switch may come
 * back to an accelerator). */
bool accel_init_once(const AccelOps *ops, Machine *m, const char *opts,
                     GError **errp);
bool accel_initialized(const AccelOps *ops);
/* Does the host CPU report VMX or SVM (else a /dev/kvm is a software
 * KVM such as kvm_pvm)? */
bool accel_host_has_virt(void);
/* The accelerator list without -accel: "kvm:tcg" where the host CPU has
 * VMX or SVM and /dev/kvm exists, else "tcg" (docs/kvm.md). */
const char *accel_default(void);
/* Move every vCPU to another accelerator through X86CPU.env, the vCPUs
 * parked meanwhile (main thread; system/accel-switch.c). */
bool accel_switch(Machine *m, const char *name, GError **errp);

/* Ask the vCPU to leave its run loop soon (any thread). */
void cpu_exit(X86CPU *cpu);
/* Raise/lower an interrupt request bit and kick the vCPU. */
void cpu_interrupt(X86CPU *cpu, uint32_t mask);
void cpu_reset_interrupt(X86CPU *cpu, uint32_t mask);

#define ACCEL_REGISTER(ops)                                             \
    __attribute__((constructor)) static void accel_reg_##ops(void)      \
    {                                                                   \
        accel_register(&(ops));                                         \
    }

#endif /* KESTREL_ACCEL_H */
