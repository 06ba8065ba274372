/* SPDX-License-Identifier: MIT */
/*
 * What HMP (hmp-cmds.c) and QMP (qmp-cmds.c) both do to the machine:
 * stop/continue, reset, the ACPI power button, screendump, quit, sendkey,
 * reading guest memory, and finding devices. Main thread, without the big
 * lock (taken here around device calls).
 * Ref: QEMU docs/interop/qmp-spec and the QMP command reference for the
 * behaviour scripts expect (e.g. cont after -S, the POWERDOWN event).
 * Missing: stop/cont for a single vCPU.
 */
#include "kestrel/osdep.h"
#include <fcntl.h>
#include "kestrel/bql.h"
#include "kestrel/device.h"
#include "kestrel/guest-debug.h"
#include "kestrel/pc.h"
#include "kestrel/runstate.h"
#include "kestrel/vga.h"
#include "hw/input/ps2.h"
#include "monitor/monitor-int.h"

#define SENDKEY_MAX_KEYS 16

static bool host_reset_pending;

Device *mon_find_device(const char *type_name)
{
    const GPtrArray *all = dev_all();

    for (guint i = 0; all && i < all->len; i++) {
        Device *dev = all->pdata[i];

        if (dev->realized && !strcmp(dev->type->name, type_name)) {
            return dev;
        }
    }
    return NULL;
}

void mon_sync_cpus(Machine *m)
{
    bool running = vcpus_running(m);

    if (running) {
        vcpus_pause(m);
    }
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        m->accel->get_state(m->cpus[i]);
    }
    if (running) {
        vcpus_resume(m);
    }
}

void mon_stop(void)
{
    vm_stop(RUN_STATUS_PAUSED);
}

void mon_cont(void)
{
    vm_start();
}

void mon_system_reset(void)
{
    host_reset_pending = true;
    machine_request_reset();
}

bool mon_take_host_reset(void)
{
    bool r = host_reset_pending;

    host_reset_pending = false;
    return r;
}

bool mon_system_powerdown(GError **errp)
{
    Device *pm = mon_find_device("PIIX4_PM");

    if (!pm) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "this machine has no ACPI power button");
        return false;
    }
    bql_lock();
    piix4_pm_power_button(pm);
    bql_unlock();
    runstate_notify(RUNSTATE_EV_POWERDOWN, 0);
    return true;
}

bool mon_screendump(const char *filename, GError **errp)
{
    bool ok;
    int fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC, 0666);

    if (fd < 0) {                       /* QEMU's text for this error */
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "failed to open file '%s': %s", filename,
                    g_strerror(errno));
        return false;
    }
    close(fd);

    bql_lock();
    if (!vga_primary()) {
        bql_unlock();
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "there is no display to dump (-vga none)");
        return false;
    }
    ok = vga_screendump(vga_primary(), filename, errp);
    bql_unlock();
    return ok;
}

void mon_quit(void)
{
    machine_request_shutdown(SHUTDOWN_QUIT);
}

typedef struct SendKey {
    Device *kbd;
    int keys[SENDKEY_MAX_KEYS];
    int n;
} SendKey;

static gboolean sendkey_release(gpointer opaque)
{
    SendKey *sk = opaque;

    bql_lock();
    for (int i = sk->n - 1; i >= 0; i--) {
        ps2_kbd_put_keycode(sk->kbd, sk->keys[i], false);
    }
    bql_unlock();
    g_free(sk);
    return G_SOURCE_REMOVE;
}

bool mon_sendkey(const char *keys, int hold_ms, GError **errp)
{
    g_auto(GStrv) names = g_strsplit(keys, "-", -1);
    g_autofree SendKey *sk = g_new0(SendKey, 1);

    sk->kbd = mon_find_device("i8042");
    if (!sk->kbd) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "this machine has no PS/2 keyboard");
        return false;
    }
    for (int i = 0; names[i]; i++) {
        int key = ps2_key_from_name(names[i]);

        if (key < 0) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "invalid parameter: unknown key '%s'", names[i]);
            return false;
        }
        if (sk->n == SENDKEY_MAX_KEYS) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "too many keys (at most %d)", SENDKEY_MAX_KEYS);
            return false;
        }
        sk->keys[sk->n++] = key;
    }
    bql_lock();
    for (int i = 0; i < sk->n; i++) {
        ps2_kbd_put_keycode(sk->kbd, sk->keys[i], true);
    }
    bql_unlock();
    g_timeout_add(hold_ms > 0 ? hold_ms : 100, sendkey_release,
                  g_steal_pointer(&sk));
    return true;
}

bool mon_read_memory(vaddr addr, void *buf, size_t len, bool physical,
                     GError **errp)
{
    Machine *m = current_machine();

    if (!physical) {
        mon_sync_cpus(m);
    }
    if (!guest_debug_rw_memory(physical ? NULL : m->cpus[0], addr, buf, len,
                               false)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "cannot access memory at 0x%" PRIx64, addr);
        return false;
    }
    return true;
}
