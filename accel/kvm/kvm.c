/* SPDX-License-Identifier: MIT */
/*
 * The KVM accelerator ("-accel kvm"): guest code runs on the host CPU, and
 * Kestrel keeps every device, including the PIC, the local APIC and the
 * IOAPIC (no in-kernel irqchip), so both accelerators drive one machine.
 *
 * init opens /dev/kvm, checks the API version and capabilities, creates
 * the VM and its memory slots (kvm-slots.c). Each vCPU gets its kvm_run
 * page and a CPUID table built by x86_cpu_cpuid() for the -cpu model and
 * masked by KVM_GET_SUPPORTED_CPUID. The run loop injects the vector from
 * Kestrel's interrupt controller (KVM_INTERRUPT once the guest can take
 * it, else it asks for an interrupt window), sends port I/O to io_read/
 * io_write and MMIO to as_read/as_write under the big lock, and returns
 * HLT, shutdown and debug exits to system/cpus.c. A kick sets
 * immediate_exit and signals the thread with SIGUSR1.
 * Ref: Linux Documentation/virt/kvm/api.rst (4.* ioctls, 5. kvm_run).
 * GDB's breakpoints and watchpoints: kvm-debug.c. A live switch (system/accel-switch.c) may set KVM
 * up after start-up and park its vCPUs while the TCG runs.
 * Missing: SMM, INIT/SIPI of application processors under KVM (they stay
 * halted).
 */
#include "kestrel/osdep.h"
#include "kestrel/bql.h"
#include "kestrel/guest-debug.h"
#include "kestrel/log.h"
#include "kestrel/machine.h"
#include "kestrel/memory.h"
#include "kestrel/runstate.h"
#include "cpu/x86/cpu.h"
#include "accel/kvm/kvm-int.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define KVM_SIG_KICK        SIGUSR1
#define KVM_TSS_ADDR        0xfeffd000u /* 3 pages below the BIOS */
#define KVM_CPUID_MAX       256

KvmState kvm_state = { .fd = -1, .vm_fd = -1 };

/* The TCG steps the instructions KVM's emulator gives up on (see
 * kvm_emulate_one); NULL where it could not be set up. */
static const AccelOps *kvm_tcg_ops;

/* Step for interrupt windows (kvm_window_step): KVM without VMX/SVM. */
static bool kvm_window_stepping;

/* The KvmCpu of each vCPU by index: cpu->accel_state is the TCG's while
 * kvm_emulate_one steps, and a kick from another thread may come then. */
#define KVM_MAX_CPUS        1024
static KvmCpu *kvm_cpus[KVM_MAX_CPUS];

static KvmCpu *kvm_cpu(X86CPU *cpu)
{
    return cpu->index >= 0 && cpu->index < KVM_MAX_CPUS ?
           __atomic_load_n(&kvm_cpus[cpu->index], __ATOMIC_ACQUIRE) : NULL;
}

static const struct {
    int cap;
    const char *name;
} kvm_required_caps[] = {
    { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
    { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
    { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
    { KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS" },
    { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
    { KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS" },
    { KVM_CAP_DEBUGREGS, "KVM_CAP_DEBUGREGS" },
    { KVM_CAP_XSAVE, "KVM_CAP_XSAVE" },
    { KVM_CAP_SET_GUEST_DEBUG, "KVM_CAP_SET_GUEST_DEBUG" },
};

static bool kvm_fail(GError **errp, const char *what)
{
    g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED, "%s: %s", what,
                g_strerror(errno));
    return false;
}

static void kvm_kick_signal(int sig)
{
    /* nothing: the signal only makes KVM_RUN return with EINTR */
}

static bool kvm_accel_init(Machine *m, const char *opts, GError **errp)
{
    const char *model = m && m->cfg ? m->cfg->cpu_model : NULL;
    const X86CPUModel *cm = x86_cpu_model_find(model);
    struct sigaction sa = { .sa_handler = kvm_kick_signal };
    struct kvm_msr_list probe = { 0 };
    KvmState *s = &kvm_state;
    int ver;

    if (opts && opts[0]) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-accel kvm,%s: unknown option", opts);
        return false;
    }
    if (!cm) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-cpu %s: unknown CPU model", model);
        return false;
    }
    s->fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (s->fd < 0) {
        return kvm_fail(errp, "/dev/kvm");
    }
    ver = ioctl(s->fd, KVM_GET_API_VERSION, 0);
    if (ver < 0) {
        kvm_fail(errp, "/dev/kvm: not a KVM device: KVM_GET_API_VERSION");
        goto fail;
    }
    if (ver != KVM_API_VERSION) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "/dev/kvm: API version %d, Kestrel needs %d", ver,
                    KVM_API_VERSION);
        goto fail;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(kvm_required_caps); i++) {
        if (ioctl(s->fd, KVM_CHECK_EXTENSION, kvm_required_caps[i].cap) <= 0) {
            g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                        "/dev/kvm: missing capability %s",
                        kvm_required_caps[i].name);
            goto fail;
        }
    }
    s->nr_slots = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    s->supported = g_malloc0(sizeof(*s->supported) +
                             KVM_CPUID_MAX * sizeof(s->supported->entries[0]));
    s->supported->nent = KVM_CPUID_MAX;
    if (ioctl(s->fd, KVM_GET_SUPPORTED_CPUID, s->supported) < 0) {
        kvm_fail(errp, "/dev/kvm: KVM_GET_SUPPORTED_CPUID");
        goto fail;
    }
    ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, &probe);   /* E2BIG: gives nmsrs */
    s->msrs = g_malloc0(sizeof(*s->msrs) + probe.nmsrs * sizeof(uint32_t));
    s->msrs->nmsrs = probe.nmsrs;
    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, s->msrs) < 0) {
        kvm_fail(errp, "/dev/kvm: KVM_GET_MSR_INDEX_LIST");
        goto fail;
    }
    s->vm_fd = ioctl(s->fd, KVM_CREATE_VM, 0);
    if (s->vm_fd < 0) {
        kvm_fail(errp, "/dev/kvm: KVM_CREATE_VM");
        goto fail;
    }
    if (ioctl(s->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0) {
        kvm_fail(errp, "/dev/kvm: KVM_SET_TSS_ADDR");
        goto fail;
    }
    sigaction(KVM_SIG_KICK, &sa, NULL);
    kvm_window_stepping = !accel_host_has_virt();
    x86_cpu_set_machine_model(cm);
    kvm_tcg_ops = accel_find("tcg");
    if (kvm_tcg_ops) {
        g_autoptr(GError) terr = NULL;

        if (!accel_init_once(kvm_tcg_ops, m, NULL, &terr)) {
            ks_log("kestrel: kvm: no TCG fallback for instructions KVM "
                   "cannot emulate: %s\n", terr->message);
            kvm_tcg_ops = NULL;
        }
    }
    return kvm_slots_init(errp);

fail:
    if (s->vm_fd >= 0) {
        close(s->vm_fd);
        s->vm_fd = -1;
    }
    close(s->fd);
    s->fd = -1;
    g_clear_pointer(&s->supported, g_free);
    g_clear_pointer(&s->msrs, g_free);
    return false;
}

static const struct kvm_cpuid_entry2 *kvm_supported_leaf(uint32_t leaf)
{
    for (uint32_t i = 0; i < kvm_state.supported->nent; i++) {
        if (kvm_state.supported->entries[i].function == leaf) {
            return &kvm_state.supported->entries[i];
        }
    }
    return NULL;
}

/* The -cpu model's leaves; feature leaves masked by what KVM supports. */
static bool kvm_set_cpuid(KvmCpu *kc, GError **errp)
{
    const X86CPUModel *m = x86_cpu_machine_model();
    g_autofree struct kvm_cpuid2 *c =
        g_malloc0(sizeof(*c) + KVM_CPUID_MAX * sizeof(c->entries[0]));
    uint32_t ranges[2][2] = { { 0, m->level },
                              { 0x80000000u, m->xlevel } };

    for (int r = 0; r < 2; r++) {
        for (uint32_t leaf = ranges[r][0];
             ranges[r][1] >= ranges[r][0] && leaf <= ranges[r][1] &&
             c->nent < KVM_CPUID_MAX; leaf++) {
            const struct kvm_cpuid_entry2 *sup = kvm_supported_leaf(leaf);
            struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];
            uint32_t v[4];

            x86_cpu_cpuid(m, kc->cpu->index, leaf, v);
            *e = (struct kvm_cpuid_entry2) { .function = leaf,
                .eax = v[0], .ebx = v[1], .ecx = v[2], .edx = v[3] };
            if (leaf == 1 || leaf == 0x80000001u) {
                e->ecx &= sup ? sup->ecx : 0;
                e->edx &= sup ? sup->edx : 0;
            }
        }
    }
    if (ioctl(kc->fd, KVM_SET_CPUID2, c) < 0) {
        return kvm_fail(errp, "kvm: KVM_SET_CPUID2");
    }
    return true;
}

static bool kvm_vcpu_init(X86CPU *cpu, GError **errp)
{
    KvmCpu *kc = g_new0(KvmCpu, 1);
    int size = ioctl(kvm_state.fd, KVM_GET_VCPU_MMAP_SIZE, 0);

    if (cpu->index < 0 || cpu->index >= KVM_MAX_CPUS) {
        g_free(kc);
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "kvm: cpu index %d: at most %d vCPUs", cpu->index,
                    KVM_MAX_CPUS);
        return false;
    }
    kc->cpu = cpu;
    kc->dirty = true;
    cpu->accel_state = kc;
    __atomic_store_n(&kvm_cpus[cpu->index], kc, __ATOMIC_RELEASE);
    kc->fd = ioctl(kvm_state.vm_fd, KVM_CREATE_VCPU, cpu->index);
    if (kc->fd < 0) {
        return kvm_fail(errp, "kvm: KVM_CREATE_VCPU");
    }
    kc->run_size = size;
    kc->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, kc->fd, 0);
    if (size <= 0 || kc->run == MAP_FAILED) {
        kc->run = NULL;
        return kvm_fail(errp, "kvm: kvm_run mmap");
    }
    return kvm_set_cpuid(kc, errp);
}

static void kvm_vcpu_destroy(X86CPU *cpu)
{
    KvmCpu *kc = kvm_cpu(cpu);

    if (!kc) {
        return;
    }
    if (kc->run) {
        munmap(kc->run, kc->run_size);
    }
    if (kc->fd >= 0) {
        close(kc->fd);
    }
    if (kc->tcg_state) {
        cpu->accel_state = kc->tcg_state;
        kvm_tcg_ops->vcpu_destroy(cpu);
    }
    __atomic_store_n(&kvm_cpus[cpu->index], NULL, __ATOMIC_RELEASE);
    g_free(kc);
    cpu->accel_state = NULL;
}

static void kvm_get_state(X86CPU *cpu)
{
    KvmCpu *kc = kvm_cpu(cpu);
    g_autoptr(GError) err = NULL;

    if (!kc->dirty && !kvm_arch_get_state(kc, &err)) {
        ks_log("kestrel: %s\n", err->message);
    }
}

static void kvm_put_state(X86CPU *cpu)
{
    KvmCpu *kc = kvm_cpu(cpu);

    kc->dirty = true;                   /* pushed by the next vcpu_run */
}

static void kvm_kick(X86CPU *cpu)
{
    KvmCpu *kc = kvm_cpu(cpu);

    if (!kc || !kc->run) {
        return;
    }
    __atomic_store_n(&kc->run->immediate_exit, 1, __ATOMIC_RELEASE);
    if (__atomic_load_n(&kc->thread_valid, __ATOMIC_ACQUIRE)) {
        pthread_kill(kc->thread, KVM_SIG_KICK);
    }
}

static bool kvm_set_guest_debug(X86CPU *cpu, unsigned flags, GError **errp)
{
    KvmCpu *kc = kvm_cpu(cpu);

    /* cpu->env is current (the vCPUs stopped, get_state done) and may
     * hold GDB's register writes, pushed at resume: no get_state here */
    if (!kvm_debug_set(kc, flags, errp)) {
        return false;
    }
    kc->window_step = false;           /* replaced by GDB's settings */
    if (ioctl(kc->fd, KVM_SET_GUEST_DEBUG, &kc->debug) < 0) {
        return kvm_fail(errp, "kvm: KVM_SET_GUEST_DEBUG");
    }
    return true;
}

/* ---- the run loop ---- */

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

static VcpuExit kvm_vcpu_run(X86CPU *cpu)
{
    KvmCpu *kc = kvm_cpu(cpu);
    struct kvm_run *run = kc->run;
    g_autoptr(GError) err = NULL;

    if (!kc->thread_valid) {
        kc->thread = pthread_self();
        __atomic_store_n(&kc->thread_valid, true, __ATOMIC_RELEASE);
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

static const AccelOps kvm_accel_ops = {
    .name = "kvm",
    .init = kvm_accel_init,
    .vcpu_init = kvm_vcpu_init,
    .vcpu_run = kvm_vcpu_run,
    .get_state = kvm_get_state,
    .put_state = kvm_put_state,
    .kick = kvm_kick,
    .set_guest_debug = kvm_set_guest_debug,
    .vcpu_destroy = kvm_vcpu_destroy,
};
ACCEL_REGISTER(kvm_accel_ops)
