/* SPDX-License-Identifier: MIT */
/*
 * Machine start-up and the main loop. machine_run() builds the machine
 * (accelerator, vCPUs, board), starts the vCPU threads and runs the GLib
 * main loop (timers, chardevs, monitor, GDB stub) until a shutdown request.
 * Requests (reset, poweroff, quit, debug exit) may come from any thread;
 * they are recorded here and acted on by the main loop.
 */
#include "kestrel/osdep.h"
#include "kestrel/runstate.h"
#include "kestrel/block.h"
#include "kestrel/bql.h"
#include "kestrel/chardev.h"
#include "kestrel/device.h"
#include "kestrel/log.h"
#include "kestrel/memory.h"
#include "kestrel/monitor.h"
#include "kestrel/timer.h"
#include "kestrel/ui.h"
#include "system/cpus.h"
#include "system/requests.h"
#include <glib-unix.h>
#include <signal.h>

#define ADDRESS_SPACE_MEMORY_SIZE (1ull << 52)

typedef struct RunState {
    Machine *machine;
    const BoardType *board;
    GMainContext *ctx;
    GPtrArray *listeners;               /* RunStateListenerEntry */
    RunStatus status;
} RunState;

typedef struct RunStateListenerEntry {
    RunStateListener *fn;
    void *opaque;
} RunStateListenerEntry;

static RunState rs;
void runstate_add_listener(RunStateListener *fn, void *opaque)
{
    RunStateListenerEntry *e = g_new0(RunStateListenerEntry, 1);

    e->fn = fn;
    e->opaque = opaque;
    if (!rs.listeners) {
        rs.listeners = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(rs.listeners, e);
}

void runstate_notify(RunStateEvent ev, int cause)
{
    for (guint i = 0; rs.listeners && i < rs.listeners->len; i++) {
        RunStateListenerEntry *e = rs.listeners->pdata[i];
        e->fn(ev, cause, e->opaque);
    }
}

RunStatus vm_status(void)
{
    return rs.status;
}

const char *vm_status_name(RunStatus st)
{
    static const char *const names[] = {
        [RUN_STATUS_PRELAUNCH] = "prelaunch",
        [RUN_STATUS_RUNNING] = "running",
        [RUN_STATUS_PAUSED] = "paused",
        [RUN_STATUS_DEBUG] = "debug",
        [RUN_STATUS_SHUTDOWN] = "shutdown",
    };

    return names[st];
}

void vm_stop(RunStatus why)
{
    bool was_running = rs.status == RUN_STATUS_RUNNING;

    rs.status = why;
    if (was_running) {
        vcpus_pause(rs.machine);
        clock_vm_stop();
        runstate_notify(RUNSTATE_EV_STOP, 0);
    }
}

void vm_start(void)
{
    if (rs.status != RUN_STATUS_RUNNING) {
        rs.status = RUN_STATUS_RUNNING;
        clock_vm_start();
        vcpus_resume(rs.machine);
        runstate_notify(RUNSTATE_EV_RESUME, 0);
    }
}

/* ---- building the machine ---- */

/* The first accelerator of the list that starts; a failure before the
 * last one is a one-line notice, the last one's is the error. */
static const AccelOps *pick_accel(MachineConfig *cfg, GError **errp)
{
    g_auto(GStrv) names = g_strsplit(cfg->accel ? cfg->accel
                                                : accel_default(), ":", -1);
    g_autoptr(GError) last = NULL;

    for (int i = 0; names[i]; i++) {
        const AccelOps *ops = accel_find(names[i]);

        g_clear_error(&last);
        if (!ops) {
            g_set_error(&last, KS_ERROR, KS_ERROR_INVALID,
                        "-accel %s: unknown accelerator", names[i]);
        } else if (accel_init_once(ops, rs.machine, cfg->accel_opts,
                                   &last)) {
            return ops;
        } else if (last->message[0] != '-') {  /* else it names its option */
            g_prefix_error(&last, "-accel %s: ", names[i]);
        }
        if (names[i + 1]) {
            ks_log("kestrel: %s; falling back to -accel %s\n",
                   last->message, names[i + 1]);
        }
    }
    g_propagate_error(errp, g_steal_pointer(&last));
    return NULL;
}

static bool create_cpus(Machine *m, GError **errp)
{
    m->nr_cpus = m->cfg->smp ? m->cfg->smp : 1;
    m->cpus = g_new0(X86CPU *, m->nr_cpus);
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        X86CPU *cpu = g_new0(X86CPU, 1);

        cpu->index = i;
        cpu->machine = m;
        cpu->accel = m->accel;
        x86_cpu_state_reset(&cpu->env);
        m->cpus[i] = cpu;
        if (!m->accel->vcpu_init(cpu, errp)) {
            return false;
        }
        /* application processors wait for INIT/SIPI */
        cpu->env.halted = i > 0;
    }
    return true;
}

static bool create_chardevs(MachineConfig *cfg, GError **errp)
{
    for (guint i = 0; cfg->chardevs && i < cfg->chardevs->len; i++) {
        if (!chardev_new_from_opts(cfg->chardevs->pdata[i], errp)) {
            return false;
        }
    }
    return true;
}

static void machine_reset(Machine *m)
{
    ks_log_mask(LOG_RESET, "machine reset\n");
    bql_lock();
    dev_reset_all();
    if (rs.board->reset) {
        rs.board->reset(m);
    }
    bql_unlock();
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        X86CPU *cpu = m->cpus[i];

        x86_cpu_state_reset(&cpu->env);
        cpu->env.halted = i > 0;
        m->accel->put_state(cpu);
    }
}

/* ---- the main loop ---- */

static gboolean timers_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    timers_run_expired();
    return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer opaque)
{
    machine_request_shutdown(SHUTDOWN_QUIT);
    return G_SOURCE_CONTINUE;
}

bool machine_handle_requests(Machine *m)
{
    ShutdownCause cause;
    bool reset;

    requests_take(&cause, &reset);

    if (cause == SHUTDOWN_TRIPLE_FAULT) {
        reset = true;
    } else if (cause == SHUTDOWN_POWEROFF && m->cfg->no_shutdown) {
        runstate_notify(RUNSTATE_EV_SHUTDOWN, cause);
        vm_stop(RUN_STATUS_SHUTDOWN);
        return true;
    } else if (cause != SHUTDOWN_NONE) {
        runstate_notify(RUNSTATE_EV_SHUTDOWN, cause);
        return false;
    }
    if (reset) {
        if (m->cfg->no_reboot) {
            runstate_notify(RUNSTATE_EV_SHUTDOWN, SHUTDOWN_RESET);
            return false;
        }
        vcpus_pause(m);
        machine_reset(m);
        runstate_notify(RUNSTATE_EV_RESET, SHUTDOWN_RESET);
        if (rs.status == RUN_STATUS_RUNNING) {
            vcpus_resume(m);
        } else {
            rs.status = RUN_STATUS_PRELAUNCH;   /* as QEMU: fresh, not run */
        }
    }
    return true;
}

Machine *machine_create(MachineConfig *cfg, GError **errp)
{
    Machine *m = g_new0(Machine, 1);
    const char *board_name = cfg->machine_type ? cfg->machine_type : "pc";

    rs.machine = m;
    requests_set_machine(m);
    rs.ctx = g_main_context_default();
    m->cfg = cfg;
    as_init(&address_space_memory, "memory", ADDRESS_SPACE_MEMORY_SIZE);
    as_init(&address_space_io, "io", 0x10000);

    rs.board = board_type_find(board_name);
    if (!rs.board) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-machine %s: unknown machine type", board_name);
        return NULL;
    }
    m->accel = pick_accel(cfg, errp);
    /* the monitor before the serial ports: a shared mux gives the
     * focus to the port attached last, the guest console */
    if (!m->accel || !create_chardevs(cfg, errp) || !create_cpus(m, errp)
        || !monitor_init(cfg, errp)) {
        return NULL;
    }
    bql_lock();
    if (!rs.board->init(m, errp)) {
        bql_unlock();
        return NULL;
    }
    bql_unlock();
    machine_reset(m);
    if (cfg->gdb && !gdbserver_start(cfg->gdb, errp)) {
        return NULL;
    }
    return m;
}

int machine_run(MachineConfig *cfg)
{
    g_autoptr(GError) err = NULL;
    Machine *m = machine_create(cfg, &err);

    if (!m) {
        goto fail;
    }
    g_unix_fd_add(timers_get_fd(), G_IO_IN, timers_ready, NULL);
    g_unix_signal_add(SIGINT, on_signal, NULL);
    g_unix_signal_add(SIGTERM, on_signal, NULL);
    g_unix_signal_add(SIGHUP, on_signal, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (cfg->start_stopped) {
        for (unsigned i = 0; i < m->nr_cpus; i++) {
            m->cpus[i]->stop = true;
        }
        rs.status = RUN_STATUS_PRELAUNCH;
    } else {
        clock_vm_start();
        rs.status = RUN_STATUS_RUNNING;
    }
    if (!ui_init(cfg, &err)) {
        goto fail;
    }
    vcpus_start_threads(m);

    while (machine_handle_requests(m)) {
        g_main_context_iteration(rs.ctx, true);
    }

    ui_cleanup();
    clock_vm_stop();
    vcpus_stop_threads(m);
    bql_lock();
    blk_close_all();                    /* drain, flush, write metadata */
    chardev_flush_all();
    dev_destroy_all();
    chardev_close_all();
    bql_unlock();
    ks_log_flush();
    return requests_exit_status();

fail:
    g_printerr("kestrel: %s\n", err->message);
    blk_close_all();
    chardev_close_all();
    return 1;
}
