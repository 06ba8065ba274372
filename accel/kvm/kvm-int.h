/* SPDX-License-Identifier: MIT */
/*
 * KVM accelerator internals shared by kvm.c (VM, vCPUs), kvm-run.c (the
 * run loop), kvm-cpuid.c (CPUID tables), kvm-slots.c (memory slots from
 * the flat view) and kvm-state.c (register sync between kvm and
 * X86CPU.env).
 * Ref: Linux Documentation/virt/kvm/api.rst.
 */
#ifndef KESTREL_ACCEL_KVM_INT_H
#define KESTREL_ACCEL_KVM_INT_H

#include "kestrel/osdep.h"
#include "kestrel/accel.h"
#include "kestrel/guest-debug.h"
#include <linux/kvm.h>
#include <pthread.h>

typedef struct KvmCpu {
    X86CPU *cpu;
    int fd;
    struct kvm_run *run;                /* mmap'd, KVM_GET_VCPU_MMAP_SIZE */
    size_t run_size;
    pthread_t thread;
    bool thread_valid;                  /* thread is set: kicks may signal */
    bool dirty;                         /* X86CPU.env is newer than KVM's */
    bool window_step;                   /* stepping for an IRQ window */
    bool injected;                      /* KVM_INTERRUPT before this run */
    void *tcg_state;                    /* TCG's, for kvm_emulate_one */
    struct kvm_guest_debug debug;       /* GDB's, without window steps */
    GuestDebugHit dr_point[4];          /* what DR0-DR3 stand for */
} KvmCpu;

typedef struct KvmState {
    int fd;                             /* /dev/kvm */
    int vm_fd;
    int nr_slots;
    struct kvm_cpuid2 *supported;       /* KVM_GET_SUPPORTED_CPUID */
    struct kvm_msr_list *msrs;          /* KVM_GET_MSR_INDEX_LIST */
} KvmState;

extern KvmState kvm_state;

#define KVM_CPUID_MAX       256         /* entries of a kvm_cpuid2 */

/* kvm.c */
/* The TCG steps the instructions KVM's emulator gives up on (see
 * kvm_emulate_one); NULL where it could not be set up. */
extern const AccelOps *kvm_tcg_ops;
/* Step for interrupt windows (kvm_window_step): KVM without VMX/SVM. */
extern bool kvm_window_stepping;
KvmCpu *kvm_cpu(X86CPU *cpu);
/* errno as a GError "what: strerror"; returns false */
bool kvm_fail(GError **errp, const char *what);

/* kvm-run.c */
VcpuExit kvm_vcpu_run(X86CPU *cpu);

/* kvm-cpuid.c */
bool kvm_set_cpuid(KvmCpu *kc, GError **errp);

/* kvm-slots.c: install the slots and follow map changes. */
bool kvm_slots_init(GError **errp);

/* kvm-state.c */
bool kvm_arch_put_state(KvmCpu *kc, GError **errp);
bool kvm_arch_get_state(KvmCpu *kc, GError **errp);
bool kvm_msr_supported(uint32_t index);
void kvm_dump_regs(KvmCpu *kc);

/* kvm-debug.c: GDB's points as KVM guest debug settings (kc->debug),
 * int3 bytes written or taken out; the cpu's env must be current. */
bool kvm_debug_set(KvmCpu *kc, unsigned flags, GError **errp);
/* A debug exit: of Kestrel's own interrupt-window stepping? */
bool kvm_debug_exit_ours(KvmCpu *kc);
/* A debug exit that is GDB's (false: the guest's own int3, given back;
 * a watchpoint hit is recorded for the stop reply). */
bool kvm_debug_exit_gdb(KvmCpu *kc);
/* At an int3 of GDB's that KVM's emulator failed on (kvm_pvm)? */
bool kvm_debug_emulation_at_bp(KvmCpu *kc);

#endif /* KESTREL_ACCEL_KVM_INT_H */
