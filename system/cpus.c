/* SPDX-License-Identifier: MIT */
/*
 * vCPU threads: one per vCPU, each running its accelerator's vcpu_run()
 * until the main thread parks it (stop, reset, accelerator switch) or the
 * machine shuts down. HLT sleeps here, on a condition variable that
 * vcpu_kick() signals.
 */
#include "kestrel/osdep.h"
#include "kestrel/runstate.h"
#include "kestrel/log.h"
#include "system/cpus.h"

static GMutex vcpu_lock;                /* stop/stopped and the wait conds */
static GCond vcpu_cond;                 /* vCPU side: wake up */
static GCond vcpu_parked_cond;          /* main side: a vCPU parked */
static bool vcpus_quit;
void (*vcpu_debug_exit_hook)(X86CPU *cpu);

void vcpu_kick(X86CPU *cpu)
{
    __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_RELEASE);
    if (cpu->accel && cpu->accel->kick) {
        cpu->accel->kick(cpu);
    }
    g_mutex_lock(&vcpu_lock);
    g_cond_broadcast(&vcpu_cond);
    g_mutex_unlock(&vcpu_lock);
}

static __thread X86CPU *vcpu_self;      /* the vCPU of this thread */

X86CPU *vcpu_current(void)
{
    return vcpu_self;
}

static bool cpu_has_work(X86CPU *cpu)
{
    uint32_t req = __atomic_load_n(&cpu->env.interrupt_request,
                                   __ATOMIC_ACQUIRE);
    bool irq = (req & CPU_INTERRUPT_HARD) && (cpu->env.eflags & IF_MASK);

    return irq || (req & ~CPU_INTERRUPT_HARD) || cpu->stop || vcpus_quit;
}

void vcpu_wait_halted(X86CPU *cpu)
{
    g_mutex_lock(&vcpu_lock);
    while (!cpu_has_work(cpu)) {
        /* the timeout only guards against a missed wake-up */
        g_cond_wait_until(&vcpu_cond, &vcpu_lock,
                          g_get_monotonic_time() + 100 * 1000);
    }
    g_mutex_unlock(&vcpu_lock);
}

static void vcpu_park(X86CPU *cpu)
{
    g_mutex_lock(&vcpu_lock);
    while (cpu->stop && !vcpus_quit) {
        cpu->stopped = true;
        g_cond_broadcast(&vcpu_parked_cond);
        g_cond_wait(&vcpu_cond, &vcpu_lock);
    }
    cpu->stopped = false;
    g_mutex_unlock(&vcpu_lock);
}

static gpointer vcpu_thread(gpointer opaque)
{
    X86CPU *cpu = opaque;

    vcpu_self = cpu;
    cpu->host_tid = gettid();
    while (!__atomic_load_n(&vcpus_quit, __ATOMIC_ACQUIRE)) {
        VcpuExit why;

        if (cpu->stop) {
            vcpu_park(cpu);
            continue;
        }
        why = cpu->accel->vcpu_run(cpu);
        switch (why) {
        case VCPU_EXIT_HALT:
            vcpu_wait_halted(cpu);
            break;
        case VCPU_EXIT_SHUTDOWN:
            ks_log_mask(LOG_GUEST_ERROR | LOG_RESET,
                        "cpu %d: triple fault\n", cpu->index);
            machine_request_shutdown(SHUTDOWN_TRIPLE_FAULT);
            cpu->stop = true;
            break;
        case VCPU_EXIT_ERROR:
            machine_request_shutdown(SHUTDOWN_QUIT);
            cpu->stop = true;
            break;
        case VCPU_EXIT_DEBUG:
            /* the GDB stub decides; park until it resumes us */
            cpu->stop = true;
            if (vcpu_debug_exit_hook) {
                vcpu_debug_exit_hook(cpu);
            }
            break;
        case VCPU_EXIT_KICK:
            break;
        }
    }
    g_mutex_lock(&vcpu_lock);
    cpu->stopped = true;
    g_cond_broadcast(&vcpu_parked_cond);
    g_mutex_unlock(&vcpu_lock);
    return NULL;
}

void vcpus_start_threads(Machine *m)
{
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        X86CPU *cpu = m->cpus[i];
        g_autofree char *name = g_strdup_printf("vcpu%u", i);

        cpu->thread = g_thread_new(name, vcpu_thread, cpu);
    }
}

void vcpus_pause(Machine *m)
{
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        m->cpus[i]->stop = true;
        vcpu_kick(m->cpus[i]);
    }
    g_mutex_lock(&vcpu_lock);
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        X86CPU *cpu = m->cpus[i];
        while (cpu->thread && !cpu->stopped) {
            g_cond_wait_until(&vcpu_parked_cond, &vcpu_lock,
                              g_get_monotonic_time() + 10 * 1000);
            if (!cpu->stopped) {
                g_mutex_unlock(&vcpu_lock);
                vcpu_kick(cpu);         /* it may have missed the first */
                g_mutex_lock(&vcpu_lock);
            }
        }
    }
    g_mutex_unlock(&vcpu_lock);
}

void vcpus_resume(Machine *m)
{
    g_mutex_lock(&vcpu_lock);
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        m->cpus[i]->stop = false;
        __atomic_store_n(&m->cpus[i]->exit_request, 0, __ATOMIC_RELEASE);
    }
    g_cond_broadcast(&vcpu_cond);
    g_mutex_unlock(&vcpu_lock);
}

bool vcpus_running(Machine *m)
{
    return m->nr_cpus && !m->cpus[0]->stop;
}

void vcpus_stop_threads(Machine *m)
{
    __atomic_store_n(&vcpus_quit, true, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        vcpu_kick(m->cpus[i]);
    }
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        if (m->cpus[i]->thread) {
            g_thread_join(m->cpus[i]->thread);
            m->cpus[i]->thread = NULL;
        }
    }
}
