/* SPDX-License-Identifier: MIT */
/*
 * The live accelerator switch (HMP "accel tcg|kvm", QMP x-accel-switch):
 * the vCPUs park, each one's state goes from the old accelerator into
 * X86CPU.env (get_state), the new accelerator is set up if this is its
 * first use (its vCPUs too), takes env (put_state) and the guest debug
 * table, and the vCPUs resume where they stopped. Devices, memory and
 * the interrupt controllers are shared, so only the CPU state moves.
 * Each accelerator's per-vCPU state stays in X86CPU.accel_states for the
 * next switch back. The big lock is held while the pointers change, so a
 * device's cpu_interrupt() never kicks with a half-switched vCPU.
 */
#include "kestrel/osdep.h"
#include "kestrel/accel.h"
#include "kestrel/bql.h"
#include "kestrel/guest-debug.h"
#include "kestrel/runstate.h"

/* Create @to's vCPU state for each vCPU that has none yet; all or none. */
static bool accel_switch_vcpus_init(Machine *m, const AccelOps *to,
                                    GError **errp)
{
    int ti = accel_index(to);

    for (unsigned i = 0; i < m->nr_cpus; i++) {
        X86CPU *cpu = m->cpus[i];
        void *cur = cpu->accel_state;
        bool ok;

        if (cpu->accel_states[ti]) {
            continue;
        }
        ok = to->vcpu_init(cpu, errp);
        cpu->accel_states[ti] = cpu->accel_state;
        cpu->accel_state = cur;
        if (!ok) {
            for (unsigned j = 0; j <= i; j++) {
                X86CPU *c = m->cpus[j];

                cur = c->accel_state;
                c->accel_state = c->accel_states[ti];
                if (c->accel_state) {
                    to->vcpu_destroy(c);
                }
                c->accel_states[ti] = NULL;
                c->accel_state = cur;
            }
            return false;
        }
    }
    return true;
}

bool accel_switch(Machine *m, const char *name, GError **errp)
{
    const AccelOps *to = accel_find(name);
    const AccelOps *from = m->accel;
    bool running = vcpus_running(m);
    bool ok = false;

    if (!to) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "unknown accelerator '%s' (kvm or tcg)", name);
        return false;
    }
    if (to == from) {
        return true;
    }
    if (running) {
        vcpus_pause(m);
    }
    bql_lock();
    if (!accel_init_once(to, m, NULL, errp)) {
        g_prefix_error(errp, "-accel %s: ", name);
        goto out;
    }
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        X86CPU *cpu = m->cpus[i];

        from->get_state(cpu);
        /* the old one lets go (KVM takes its int3 bytes out) */
        from->set_guest_debug(cpu, 0, NULL);
        cpu->accel_states[accel_index(from)] = cpu->accel_state;
    }
    if (!accel_switch_vcpus_init(m, to, errp)) {
        goto out;
    }
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        X86CPU *cpu = m->cpus[i];

        __atomic_store_n(&cpu->accel, NULL, __ATOMIC_RELEASE);
        cpu->accel_state = cpu->accel_states[accel_index(to)];
        __atomic_store_n(&cpu->accel, to, __ATOMIC_RELEASE);
        to->put_state(cpu);
    }
    m->accel = to;
    /* also drops the TCG's blocks: the other side may have changed code */
    ok = guest_debug_sync(m, errp);
out:
    bql_unlock();
    if (running) {
        vcpus_resume(m);
    }
    return ok;
}
