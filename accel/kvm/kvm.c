/* SPDX-License-Identifier: MIT */
/*
 * The KVM accelerator ("-accel kvm"): guest code runs on the host CPU, and
 * Kestrel keeps every device, including the PIC, the local APIC and the
 * IOAPIC (no in-kernel irqchip), so both accelerators drive one machine.
 *
 * init opens /dev/kvm, checks the API version and capabilities, creates
 * the VM and its memory slots (kvm-slots.c). Each vCPU gets its kvm_run
 * page and a CPUID table (kvm-cpuid.c); kvm-run.c runs it. A kick sets
 * immediate_exit and signals the thread with SIGUSR1.
 * Ref: Linux Documentation/virt/kvm/api.rst (4.* ioctls, 5. kvm_run).
 * GDB's breakpoints and watchpoints: kvm-debug.c. A live switch
 * (system/accel-switch.c) may set KVM up after start-up and park its
 * vCPUs while the TCG runs.
 * Missing: SMM; no in-kernel irqchip (INIT/SIPI: kvm-run.c).
 */
#include "kestrel/osdep.h"
#include "kestrel/guest-debug.h"
#include "kestrel/log.h"
#include "kestrel/machine.h"
#include "kestrel/runstate.h"
#include "cpu/x86/cpu.h"
#include "accel/kvm/kvm-int.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define KVM_SIG_KICK        SIGUSR1
#define KVM_TSS_ADDR        0xfeffd000u /* 3 pages below the BIOS */

KvmState kvm_state = { .fd = -1, .vm_fd = -1 };

const AccelOps *kvm_tcg_ops;             /* kvm-int.h says what for */
bool kvm_window_stepping;

/* The KvmCpu of each vCPU by index: cpu->accel_state is the TCG's while
 * kvm_emulate_one steps, and a kick from another thread may come then. */
#define KVM_MAX_CPUS        1024
static KvmCpu *kvm_cpus[KVM_MAX_CPUS];

KvmCpu *kvm_cpu(X86CPU *cpu)
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

bool kvm_fail(GError **errp, const char *what)
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
