/* SPDX-License-Identifier: MIT */
/*
 * The minimal machine of the differential runners (tests/diff/diff-run.c,
 * singlestep.c): guest RAM at 0 in address_space_memory, an empty
 * I/O space (IN reads all ones), one X86CPU driven by the real "tcg"
 * accelerator's vcpu_run until it halts, a watchdog thread that kicks a
 * run that loops. The engine is switched with the accelerator's own
 * option (jit=on/off), the block cache flushed in between. The KVM engine
 * is a second vCPU on the real "kvm" accelerator over the same RAM (its
 * memory slot made from the flat view when KVM starts); env goes in and
 * out through the accelerators' put_state/get_state.
 * Missing: devices and interrupts (nothing raises one).
 */
#include "kestrel/osdep.h"
#include "kestrel/runstate.h"
#include "accel/tcg/tcg-cpu.h"
#include "cpu/x86/cpu.h"
#include "diff-machine.h"

const char *const dm_engine_names[DM_N] = { "jit", "interp", "kvm" };

/* No vCPU thread here (system/cpus.c is not linked): a kick is the
 * accelerator's own. */
void vcpu_kick(X86CPU *cpu)
{
    cpu->accel->kick(cpu);
}

static gpointer dm_watchdog(gpointer opaque)
{
    DiffMachine *m = opaque;

    for (;;) {
        g_usleep(200000);
        if (m->running) {
            /* KVM's run loop returns only on an exit request */
            __atomic_store_n(&m->cpu->exit_request, 1, __ATOMIC_RELEASE);
            m->ops->kick(m->cpu);
        }
    }
    return NULL;
}

void dm_init(DiffMachine *m, uint64_t ram_size, const char *prog)
{
    GError *err = NULL;

    as_init(&address_space_memory, "memory", 1ull << 32);
    as_init(&address_space_io, "io", 0x10000);
    mr_init_ram(&m->ram, "ram", ram_size);
    as_map(&address_space_memory, &m->ram, 0, 0);
    m->ops = m->tcg = accel_find("tcg");
    if (!m->ops || !m->ops->init(NULL, "jit=on", &err)) {
        g_printerr("%s: tcg: %s\n", prog, err ? err->message : "absent");
        exit(1);
    }
    m->cpu = m->tcg_cpu = g_new0(X86CPU, 1);
    m->cpu->accel = m->ops;
    x86_cpu_state_reset(&m->cpu->env);
    if (!m->ops->vcpu_init(m->cpu, &err)) {
        g_printerr("%s: vcpu: %s\n", prog, err->message);
        exit(1);
    }
    g_thread_unref(g_thread_new("watchdog", dm_watchdog, m));
}

bool dm_kvm_init(DiffMachine *m, GError **errp)
{
    const X86CPUModel *model = x86_cpu_machine_model();
    X86CPU *cpu;

    m->kvm = accel_find("kvm");
    if (!m->kvm) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "not built (no linux/kvm.h)");
        return false;
    }
    if (!m->kvm->init(NULL, NULL, errp)) {
        return false;
    }
    /* KVM's init set the default model; the CPUID is made from this one */
    x86_cpu_set_machine_model(model);
    cpu = g_new0(X86CPU, 1);
    cpu->accel = m->kvm;
    x86_cpu_state_reset(&cpu->env);
    if (!m->kvm->vcpu_init(cpu, errp)) {
        return false;
    }
    m->kvm_cpu = cpu;
    return true;
}

void dm_set_engine(DiffMachine *m, int engine, const char *prog)
{
    GError *err = NULL;

    if (engine == DM_KVM) {
        m->ops = m->kvm;
        m->cpu = m->kvm_cpu;
        return;
    }
    m->ops = m->tcg;
    m->cpu = m->tcg_cpu;
    if (!m->ops->init(NULL, engine == DM_JIT ? "jit=on" : "jit=off", &err)) {
        g_printerr("%s: %s\n", prog, err->message);
        exit(1);
    }
    tb_flush_all();
    tb_jmp_cache_clear(m->cpu->accel_state);
}

void dm_write(DiffMachine *m, uint32_t addr, const void *buf, size_t len)
{
    as_rw(&address_space_memory, addr, (void *)buf, len, true);
}

void dm_read(DiffMachine *m, uint32_t addr, void *buf, size_t len)
{
    as_rw(&address_space_memory, addr, buf, len, false);
}

bool dm_run(DiffMachine *m, int64_t timeout_us)
{
    int64_t start = g_get_monotonic_time();
    bool ok = true;

    m->cpu->env.halted = false;
    m->cpu->env.exception_index = -1;
    m->ops->put_state(m->cpu);
    m->running = true;
    for (;;) {
        VcpuExit why = m->ops->vcpu_run(m->cpu);

        if (why == VCPU_EXIT_HALT) {
            break;
        }
        if (why != VCPU_EXIT_KICK ||
            g_get_monotonic_time() - start > timeout_us) {
            ok = false;
            break;
        }
    }
    m->running = false;
    m->ops->get_state(m->cpu);
    return ok;
}
