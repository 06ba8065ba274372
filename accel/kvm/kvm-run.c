/* SPDX-License-Identifier: MIT */
/*
 * The KVM run loop of one vCPU: injects the vector from Kestrel's
 * interrupt controller (KVM_INTERRUPT once the guest can take it, else it
 * asks for an interrupt window), sends port I/O to io_read/io_write and
 * MMIO to as_read/as_write under the big lock, runs instructions KVM's
 * emulator gives up on in the TCG, and returns HLT, shutdown and debug
 * exits to system/cpus.c.
 * Ref: Linux Documentation/virt/kvm/api.rst (4.10 KVM_RUN, 5. kvm_run).
 */
#include "kestrel/osdep.h"
#include "kestrel/bql.h"
#include "kestrel/log.h"
#include "kestrel/memory.h"
#include "cpu/x86/cpu.h"
#include "accel/kvm/kvm-int.h"
#include <sys/ioctl.h>

static void kvm_handle_io(struct kvm_run *run)
{
    uint8_t *data = (uint8_t *)run + run->io.data_offset;

    bql_lock();
    for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            uint64_t v = 0;

            memcpy(&v, data, run->io.size);
            io_write(run->io.port, v, run->io.size);
        } else {
            uint64_t v = io_read(run->io.port, run->io.size);

            memcpy(data, &v, run->io.size);
        }
    }
    bql_unlock();
}

static void kvm_handle_mmio(struct kvm_run *run)
{
    uint64_t v = 0;

    bql_lock();
    if (run->mmio.is_write) {
        memcpy(&v, run->mmio.data, run->mmio.len);
        as_write(&address_space_memory, run->mmio.phys_addr, v,
                 run->mmio.len);
    } else {
        v = as_read(&address_space_memory, run->mmio.phys_addr,
                    run->mmio.len, NULL);
        memcpy(run->mmio.data, &v, run->mmio.len);
    }
    bql_unlock();
}

/*
 * kvm_pvm does not exit when the interrupt window it was asked for opens
 * (STI runs on, the interrupt waits for the next exit). There (a KVM on a
 * host CPU without VMX/SVM), while an interrupt waits for IF, the vCPU
 * single-steps (KVM_GUESTDBG_SINGLESTEP) so every instruction exits and
 * the window is seen. Not under SVM/VMX, whose window exits work: there
 * stepping made a SeaBIOS POST with IRQ 0 pending take minutes.
 */
static void kvm_window_step(KvmCpu *kc, bool on)
{
    struct kvm_guest_debug dbg = kc->debug;

    if (kc->window_step == on) {
        return;
    }
    if (on) {
        dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
    }
    if (ioctl(kc->fd, KVM_SET_GUEST_DEBUG, &dbg) == 0) {
        kc->window_step = on;
    }
}

/* Before KVM_RUN: inject NMI or the INTR vector, or ask for a window. */
static void kvm_inject(KvmCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    struct kvm_run *run = kc->run;
    uint32_t req = __atomic_load_n(&cpu->env.interrupt_request,
                                   __ATOMIC_ACQUIRE);

    if (req & CPU_INTERRUPT_NMI) {
        cpu_reset_interrupt(cpu, CPU_INTERRUPT_NMI);
        ioctl(kc->fd, KVM_NMI);
    }
    run->request_interrupt_window = 0;
    if (!(req & CPU_INTERRUPT_HARD) || !x86_intc ||
        (kc->debug.control & KVM_GUESTDBG_SINGLESTEP)) {
        kvm_window_step(kc, false);
        return;
    }
    if (run->ready_for_interrupt_injection && run->if_flag) {
        struct kvm_interrupt irq;
        int vec;

        kvm_window_step(kc, false);     /* not before: one ioctl a step */

        bql_lock();
        vec = x86_intc->get_interrupt(cpu);
        bql_unlock();
        if (vec >= 0) {
            irq.irq = vec & 0xff;
            kc->injected = ioctl(kc->fd, KVM_INTERRUPT, &irq) == 0;
        }
    } else {
        run->request_interrupt_window = 1;
        kvm_window_step(kc, kvm_window_stepping);
    }
}

/*
 * An interrupt given to KVM_INTERRUPT but not delivered yet (KVM_RUN left
 * by a kick before entering the guest): its vector is already taken from
 * the interrupt controller and X86CPU.env has no place for it, so the
 * vCPU must not leave KVM (for a switch or GDB) before it is delivered.
 * The same for an NMI that KVM_NMI queued (its request bit is cleared).
 */
static bool kvm_irq_in_flight(KvmCpu *kc)
{
    struct kvm_vcpu_events ev;

    return ioctl(kc->fd, KVM_GET_VCPU_EVENTS, &ev) == 0 &&
           (ev.interrupt.injected || ev.nmi.injected || ev.nmi.pending);
}

static bool kvm_has_irq(X86CPU *cpu)
{
    uint32_t req = __atomic_load_n(&cpu->env.interrupt_request,
                                   __ATOMIC_ACQUIRE);

    return (req & CPU_INTERRUPT_NMI) ||
           ((req & CPU_INTERRUPT_HARD) && (cpu->env.eflags & IF_MASK));
}

static VcpuExit kvm_internal_error(KvmCpu *kc, const char *what)
{
    ks_log("kestrel: kvm: cpu %d: %s (exit reason %u, suberror %u)\n",
           kc->cpu->index, what, kc->run->exit_reason,
           kc->run->internal.suberror);
    if (kc->run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
        for (uint32_t i = 0; i < kc->run->internal.ndata && i < 16; i++) {
            ks_log("%s0x%llx%s", i ? " " : "  data: ",
                   (unsigned long long)kc->run->internal.data[i],
                   i + 1 == kc->run->internal.ndata || i == 15 ? "\n" : "");
        }
    }
    kvm_dump_regs(kc);
    return VCPU_EXIT_ERROR;
}

/*
 * KVM_INTERNAL_ERROR_EMULATION: KVM's instruction emulator met an
 * instruction it does not implement (DAA, for one). Where KVM emulates
 * much (kvm_pvm, a software KVM without VMX/SVM, emulates real mode and
 * paging-off code), that is common; the TCG runs that one instruction on
 * the same env and memory, then KVM goes on. The vCPU state travels
 * through X86CPU.env; the TCG state is swapped in for the step only.
 * Returns false where the TCG is not available.
 */
static bool kvm_emulate_one(KvmCpu *kc, VcpuExit *why)
{
    X86CPU *cpu = kc->cpu;
    g_autoptr(GError) err = NULL;
    VcpuExit r;

    if (!kvm_tcg_ops || !kvm_arch_get_state(kc, &err)) {
        return false;
    }
    cpu->env.halted = false;
    cpu->accel_state = kc->tcg_state;
    if (!kc->tcg_state) {
        if (!kvm_tcg_ops->vcpu_init(cpu, &err)) {
            cpu->accel_state = kc;
            return false;
        }
        kc->tcg_state = cpu->accel_state;
    }
    /* KVM may have rewritten code the TCG has blocks for: a new
     * generation makes set_guest_debug drop all translated blocks */
    guest_debug_generation++;
    kvm_tcg_ops->set_guest_debug(cpu, GUEST_DEBUG_SINGLESTEP, NULL);
    kvm_tcg_ops->put_state(cpu);
    r = kvm_tcg_ops->vcpu_run(cpu);
    kvm_tcg_ops->get_state(cpu);
    cpu->accel_state = kc;
    kc->dirty = true;
    *why = r;
    return true;
}

/*
 * INIT and SIPI from Kestrel's local APIC (SDM Vol. 3A 8.4, 10.6.1; as
 * accel/tcg/exec.c does them): without an in-kernel irqchip KVM knows
 * neither, so the vCPU's state is set here and put before the next run.
 * INIT resets the CPU but for the APIC base, A20, the MTRRs and the TSC
 * (SDM Vol. 3A Table 9-1); the vCPU then waits halted (out of KVM_RUN)
 * for a SIPI, which starts it in real mode at vector << 12.
 */
static bool kvm_handle_init_sipi(KvmCpu *kc, uint32_t req)
{
    X86CPUState *env = &kc->cpu->env;
    g_autoptr(GError) err = NULL;

    if (!kc->dirty && !kvm_arch_get_state(kc, &err)) {
        ks_log("kestrel: %s\n", err->message);
        return false;
    }
    kc->dirty = true;
    if (req & CPU_INTERRUPT_INIT) {
        g_autofree X86CPUState *fresh = g_memdup2(env, sizeof(*env));
        size_t irq = offsetof(X86CPUState, interrupt_request);
        size_t rest = irq + sizeof(env->interrupt_request);

        cpu_reset_interrupt(kc->cpu, CPU_INTERRUPT_INIT);
        x86_cpu_state_reset(fresh);
        fresh->apic_base = env->apic_base;
        fresh->a20_mask = env->a20_mask;
        fresh->mtrr_def_type = env->mtrr_def_type;
        memcpy(fresh->mtrr_fixed, env->mtrr_fixed, sizeof(env->mtrr_fixed));
        memcpy(fresh->mtrr_var, env->mtrr_var, sizeof(env->mtrr_var));
        fresh->tsc = env->tsc;          /* INIT keeps it: SDM Table 9-1 */
        fresh->halted = true;
        /* all but interrupt_request, which is live (cpu_interrupt from
         * other threads): SeaBIOS's SIPI follows its INIT at once, and a
         * reset of env itself lost it now and then */
        memcpy(env, fresh, irq);
        memcpy((char *)env + rest, (char *)fresh + rest, sizeof(*env) - rest);
    }
    if (req & CPU_INTERRUPT_SIPI) {
        unsigned vec = __atomic_load_n(&kc->cpu->sipi_vector,
                                       __ATOMIC_ACQUIRE);

        cpu_reset_interrupt(kc->cpu, CPU_INTERRUPT_SIPI);
        env->segs[R_CS].selector = vec << 8;
        env->segs[R_CS].base = vec << 12;
        env->rip = 0;
        env->halted = false;
    }
    return true;
}

VcpuExit kvm_vcpu_run(X86CPU *cpu)
{
    uint32_t req = __atomic_load_n(&cpu->env.interrupt_request,
                                   __ATOMIC_ACQUIRE);
    KvmCpu *kc = kvm_cpu(cpu);
    struct kvm_run *run = kc->run;
    g_autoptr(GError) err = NULL;

    if (!kc->thread_valid) {
        kc->thread = pthread_self();
        __atomic_store_n(&kc->thread_valid, true, __ATOMIC_RELEASE);
    }
    if ((req & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI)) &&
        !kvm_handle_init_sipi(kc, req)) {
        return VCPU_EXIT_ERROR;
    }
    if (kc->dirty) {
        if (!kvm_arch_put_state(kc, &err)) {
            ks_log("kestrel: %s\n", err->message);
            return VCPU_EXIT_ERROR;
        }
        kc->dirty = false;
    }
    if (cpu->env.halted) {
        if (!kvm_has_irq(cpu)) {
            return VCPU_EXIT_HALT;
        }
        cpu->env.halted = false;
    }
    for (;;) {
        bool injected;
        int ret;

        __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_RELEASE);
        if (__atomic_exchange_n(&cpu->exit_request, 0, __ATOMIC_ACQ_REL)) {
            if (!kvm_irq_in_flight(kc)) {
                return VCPU_EXIT_KICK;
            }
            /* deliver it, then come back after one instruction */
            __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_RELEASE);
            kvm_window_step(kc, true);
        } else {
            kvm_inject(kc);
        }
        ret = ioctl(kc->fd, KVM_RUN, 0);
        injected = kc->injected;
        kc->injected = false;
        if (ret < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;               /* exit_request says why */
            }
            ks_log("kestrel: kvm: KVM_RUN: %s\n", g_strerror(errno));
            kvm_dump_regs(kc);
            return VCPU_EXIT_ERROR;
        }
        cpu->env.eflags = (cpu->env.eflags & ~IF_MASK) |
                          (run->if_flag ? IF_MASK : 0);
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            kvm_handle_io(run);
            break;
        case KVM_EXIT_MMIO:
            kvm_handle_mmio(run);
            break;
        case KVM_EXIT_IRQ_WINDOW_OPEN:
        case KVM_EXIT_INTR:
            break;
        case KVM_EXIT_HLT:
            /* kvm_pvm, woken from HLT by an injected interrupt, reports
             * HLT again with RIP at the handler and IF clear: run on */
            if (injected && !run->if_flag) {
                break;
            }
            if (!kvm_has_irq(cpu)) {
                cpu->env.halted = true;
                return VCPU_EXIT_HALT;
            }
            break;
        case KVM_EXIT_SHUTDOWN:
            return VCPU_EXIT_SHUTDOWN;
        case KVM_EXIT_DEBUG:
            if (kvm_debug_exit_ours(kc)) {
                break;                  /* our step: look at IF again */
            }
            if (!kvm_debug_exit_gdb(kc)) {
                break;                  /* the guest's own int3: given back */
            }
            return VCPU_EXIT_DEBUG;
        case KVM_EXIT_FAIL_ENTRY:
            return kvm_internal_error(kc, "VM entry failed");
        case KVM_EXIT_INTERNAL_ERROR: {
            VcpuExit why;

            if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
                kvm_debug_emulation_at_bp(kc)) {
                return VCPU_EXIT_DEBUG;
            }
            if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
                !kvm_emulate_one(kc, &why)) {
                return kvm_internal_error(kc, "internal error");
            }
            if (why != VCPU_EXIT_DEBUG) {
                return why;             /* the next vcpu_run puts env */
            }
            if (!kvm_arch_put_state(kc, &err)) {
                ks_log("kestrel: %s\n", err->message);
                return VCPU_EXIT_ERROR;
            }
            kc->dirty = false;
            break;
        }
        default:
            return kvm_internal_error(kc, "unhandled exit");
        }
    }
}
