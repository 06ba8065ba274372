/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote serial protocol server: -gdb tcp::PORT (-s is
 * tcp::1234), unix sockets, and the monitor's gdbserver. All-stop: a
 * connecting gdb stops the VM; c/s/vCont resume it; breakpoints,
 * watchpoints and single-steps stop every vCPU and send a T stop reply.
 * One thread per vCPU. Packets are handled on the main thread from an
 * idle callback, without the big lock, like the monitor.
 * Ref: GDB manual, "Remote Protocol" ("Packets", "Stop Reply Packets",
 * "General Query Packets", "Host I/O" is not offered).
 * The target description is fixed for the session, as QEMU's is: x86-64
 * when the -cpu model has long mode (qemu-system-x86_64), i386 when it
 * has not (qemu-system-i386); gdb cannot take a new one mid-session.
 * vCont: the vCPU named by an s action (or the Hg one) steps, every other
 * vCPU continues (QEMU leaves vCPUs no action names stopped). Stop
 * replies name the thread, and the watchpoint, or swbreak/hwbreak when
 * gdb announced them in qSupported; Ctrl-C replies T02 (SIGINT). The q
 * packets are in gdb-query.c.
 * Missing: non-stop mode, no-ack mode, signals (C/S ignore them).
 */
#include "kestrel/osdep.h"
#include "kestrel/chardev.h"
#include "kestrel/guest-debug.h"
#include "kestrel/monitor.h"
#include "kestrel/runstate.h"
#include "gdbstub/gdbstub-int.h"
#include "gdbstub/packet.h"
#include "monitor/monitor-int.h"

static GdbState *gdb;

typedef void GdbCmdFn(GdbState *s, const char *args, GString *reply);

enum { GDB_SIGNAL_INT = 2, GDB_SIGNAL_TRAP = 5 };

X86CPU *gdb_cpu(GdbState *s)
{
    return s->m->cpus[s->g_cpu < (int)s->m->nr_cpus ? s->g_cpu : 0];
}

bool gdb_x64(GdbState *s)
{
    return gdb_x64_model();
}

void gdb_send(GdbState *s, const char *data)
{
    g_string_truncate(s->last, 0);
    gdb_frame(s->last, data, strlen(data));
    chardev_write(s->chr, (const uint8_t *)s->last->str, s->last->len);
}

/* ---- stopping ---- */

/* Stopped at a breakpoint: say which kind (GDB manual, "Stop Reply
 * Packets": swbreak/hwbreak, only for a gdb that announced them). */
static void gdb_bp_reason(X86CPU *cpu, GString *reply)
{
    vaddr pc = cpu->env.segs[R_CS].base + cpu->env.rip, addr, len;
    GuestDebugType type;

    for (unsigned i = 0; guest_debug_point(i, &type, &addr, &len); i++) {
        if (addr == pc && type <= GDB_BREAKPOINT_HW) {
            g_string_append(reply, type == GDB_BREAKPOINT_SW ? "swbreak:;"
                                                             : "hwbreak:;");
            return;
        }
    }
}

/* T reply with signal @sig: 5 (SIGTRAP) for debug stops, 2 (SIGINT) for
 * Ctrl-C, as QEMU sends them. */
static void gdb_stop_reply(GdbState *s, GString *reply, int sig)
{
    X86CPU *cpu = s->stopped_cpu ? s->stopped_cpu : gdb_cpu(s);
    static const char *const kinds[] = {
        [GDB_WATCHPOINT_WRITE] = "watch", [GDB_WATCHPOINT_READ] = "rwatch",
        [GDB_WATCHPOINT_ACCESS] = "awatch",
    };
    GuestDebugHit hit;

    g_string_append_printf(reply, "T%02xthread:%02x;", sig, cpu->index + 1);
    if (guest_debug_take_hit(cpu, &hit)) {
        g_string_append_printf(reply, "%s:%" PRIx64 ";", kinds[hit.type],
                               hit.addr);
    } else if (s->stopped_cpu && !s->stepping && s->bp_reasons) {
        gdb_bp_reason(cpu, reply);
    }
}

/* The VM stopped for gdb (a debug exit or Ctrl-C). Ctrl-C leaves it
 * "paused", as QEMU's does, a debug stop "paused (debug)". */
static void gdb_stopped(GdbState *s, int sig)
{
    g_autoptr(GString) reply = g_string_new(NULL);

    vm_stop(sig == GDB_SIGNAL_INT ? RUN_STATUS_PAUSED : RUN_STATUS_DEBUG);
    for (unsigned i = 0; i < s->m->nr_cpus; i++) {
        s->m->accel->get_state(s->m->cpus[i]);
        guest_debug_set_singlestep(s->m->cpus[i], false, NULL);
    }
    if (!s->running) {
        return;
    }
    s->running = false;
    gdb_stop_reply(s, reply, sig);
    gdb_send(s, reply->str);
}

static gboolean gdb_debug_exit_main(gpointer opaque)
{
    if (gdb) {
        gdb_stopped(gdb, GDB_SIGNAL_TRAP);
    }
    return G_SOURCE_REMOVE;
}

static void gdb_vcpu_debug_exit(X86CPU *cpu)
{
    if (gdb) {
        gdb->stopped_cpu = cpu;
    }
    g_idle_add(gdb_debug_exit_main, NULL);
}

/* Resume every vCPU; @step_cpu (-1: none) runs one instruction. */
static void gdb_resume(GdbState *s, int step_cpu)
{
    for (unsigned i = 0; i < s->m->nr_cpus; i++) {
        s->m->accel->put_state(s->m->cpus[i]);
    }
    if (step_cpu >= 0) {
        guest_debug_set_singlestep(s->m->cpus[step_cpu], true, NULL);
    }
    s->stepping = step_cpu >= 0;
    s->stopped_cpu = NULL;
    s->running = true;
    vm_start();
}

/* ---- packets ---- */

static void cmd_query_stop(GdbState *s, const char *args, GString *reply)
{
    gdb_stop_reply(s, reply, GDB_SIGNAL_TRAP);
}

static void cmd_read_regs(GdbState *s, const char *args, GString *reply)
{
    uint8_t buf[16];
    bool x64 = gdb_x64(s);

    for (unsigned n = 0; n < gdb_reg_count(x64); n++) {
        int len = gdb_read_reg(&gdb_cpu(s)->env, x64, n, buf);

        gdb_hex_encode(reply, buf, len);
    }
}

static void cmd_write_regs(GdbState *s, const char *args, GString *reply)
{
    uint8_t buf[16];
    bool x64 = gdb_x64(s);
    size_t avail = strlen(args) / 2;

    for (const char *p = args; *p; p++) {
        if (!g_ascii_isxdigit(*p)) {
            avail = 0;
        }
    }
    if (strlen(args) % 2 || !avail) {
        g_string_append(reply, "E22");
        return;
    }
    for (unsigned n = 0; n < gdb_reg_count(x64); n++) {
        int len = gdb_read_reg(&gdb_cpu(s)->env, x64, n, buf);

        if ((size_t)len > avail) {
            break;                      /* a short G sets the first ones */
        }
        gdb_hex_decode(args, len, buf);
        gdb_write_reg(&gdb_cpu(s)->env, x64, n, buf);
        args += 2 * len;
        avail -= len;
    }
    g_string_append(reply, "OK");
}

static void cmd_read_reg(GdbState *s, const char *args, GString *reply)
{
    uint8_t buf[16];
    int len = gdb_read_reg(&gdb_cpu(s)->env, gdb_x64(s),
                           strtoul(args, NULL, 16), buf);

    if (len < 0) {
        g_string_append(reply, "E14");
    } else {
        gdb_hex_encode(reply, buf, len);
    }
}

static void cmd_write_reg(GdbState *s, const char *args, GString *reply)
{
    char *eq;
    unsigned n = strtoul(args, &eq, 16);
    uint8_t buf[16];
    int len = gdb_read_reg(&gdb_cpu(s)->env, gdb_x64(s), n, buf);

    if (len < 0 || *eq != '=' || strlen(eq + 1) < 2u * len ||
        gdb_hex_decode(eq + 1, len, buf) < 0) {
        g_string_append(reply, "E14");
        return;
    }
    gdb_write_reg(&gdb_cpu(s)->env, gdb_x64(s), n, buf);
    g_string_append(reply, "OK");
}

/* "ADDR,LEN" */
bool gdb_parse_addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
    char *end;

    *addr = g_ascii_strtoull(*p, &end, 16);
    if (*end != ',') {
        return false;
    }
    *len = g_ascii_strtoull(end + 1, &end, 16);
    *p = end;
    return *len <= GDB_PACKET_MAX / 2;
}

static void cmd_read_mem(GdbState *s, const char *args, GString *reply)
{
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;

    if (!gdb_parse_addr_len(&args, &addr, &len) || *args) {
        g_string_append(reply, "E22");
        return;
    }
    buf = g_malloc0(len);
    if (!guest_debug_rw_memory(gdb_cpu(s), addr, buf, len, false)) {
        g_string_append(reply, "E14");
        return;
    }
    gdb_hex_encode(reply, buf, len);
}

static void cmd_write_mem(GdbState *s, const char *args, GString *reply)
{
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;

    if (!gdb_parse_addr_len(&args, &addr, &len) || *args++ != ':' ||
        strlen(args) != 2 * len) {
        g_string_append(reply, "E22");
        return;
    }
    buf = g_malloc0(len + 1);
    if (gdb_hex_decode(args, len, buf) < 0 ||
        !guest_debug_rw_memory(gdb_cpu(s), addr, buf, len, true)) {
        g_string_append(reply, "E14");
        return;
    }
    g_string_append(reply, "OK");
}

/* X: binary data (already unescaped by the framing layer). */
static void cmd_write_mem_bin(GdbState *s, const char *args, GString *reply)
{
    uint64_t addr, len;
    const char *data = args;

    if (!gdb_parse_addr_len(&data, &addr, &len) || *data++ != ':' ||
        (size_t)(s->rx.len - (data - s->rx.buf)) != len) {
        g_string_append(reply, "E22");
        return;
    }
    if (len && !guest_debug_rw_memory(gdb_cpu(s), addr, (void *)data, len,
                                      true)) {
        g_string_append(reply, "E14");
        return;
    }
    g_string_append(reply, "OK");
}

static void cmd_continue(GdbState *s, const char *args, GString *reply)
{
    gdb_resume(s, -1);
}

static void cmd_step(GdbState *s, const char *args, GString *reply)
{
    gdb_resume(s, s->g_cpu < (int)s->m->nr_cpus ? s->g_cpu : 0);
}

static void cmd_breakpoint(GdbState *s, const char *args, GString *reply)
{
    bool insert = args[-1] == 'Z';
    char *end;
    unsigned type = strtoul(args, &end, 16);
    uint64_t addr, len;
    const char *p = end + 1;

    if (*end != ',' || !gdb_parse_addr_len(&p, &addr, &len)) {
        g_string_append(reply, "E22");
    } else if (insert ? guest_debug_insert(s->m, type, addr, len, NULL)
                      : guest_debug_remove(s->m, type, addr, len)) {
        g_string_append(reply, "OK");
    } else {
        g_string_append(reply, type > GDB_WATCHPOINT_ACCESS ? "" : "E22");
    }
}

static void cmd_kill(GdbState *s, const char *args, GString *reply)
{
    machine_request_shutdown(SHUTDOWN_QUIT);
}

static void cmd_detach(GdbState *s, const char *args, GString *reply)
{
    guest_debug_remove_all(s->m);
    g_string_append(reply, "OK");
    s->running = false;
    vm_start();
}

static void cmd_set_thread(GdbState *s, const char *args, GString *reply)
{
    long t = strtol(args + 1, NULL, 16);

    if (args[0] == 'g' && t > 0 && t <= (long)s->m->nr_cpus) {
        s->g_cpu = t - 1;
    }
    g_string_append(reply, "OK");
}

/*
 * vCont;ACTION[:THREAD]... : the first s/S action that names a thread, or
 * names none (then the Hg thread), picks the vCPU that steps; c/C ones
 * and every thread not named continue. Signals are ignored.
 */
static void cmd_vcont(GdbState *s, const char *args, GString *reply)
{
    g_auto(GStrv) acts = NULL;
    int step_cpu = -1;

    if (!strcmp(args, "?")) {
        g_string_append(reply, "vCont;c;C;s;S");
        return;
    }
    if (args[0] != ';' || !args[1]) {
        g_string_append(reply, "E22");
        return;
    }
    acts = g_strsplit(args + 1, ";", -1);
    for (int i = 0; acts[i]; i++) {
        const char *a = acts[i], *colon = strchr(a, ':');
        long t = -1;
        char *end = NULL;

        if (!a[0] || !strchr("cCsS", a[0]) ||
            (g_ascii_islower(a[0]) && a[1] && a[1] != ':')) {
            g_string_append(reply, "E22");
            return;
        }
        if (colon) {
            t = strtol(colon + 1, &end, 16);
            if (end == colon + 1 || *end || t == 0 ||
                t > (long)s->m->nr_cpus || t < -1) {
                g_string_append(reply, "E22");
                return;
            }
        }
        if ((a[0] == 's' || a[0] == 'S') && step_cpu < 0) {
            step_cpu = t > 0 ? t - 1
                             : (s->g_cpu < (int)s->m->nr_cpus ? s->g_cpu : 0);
        }
    }
    gdb_resume(s, step_cpu);
}

/* Packets by their first letter (v and q by prefix inside). */
static const struct {
    const char *prefix;
    GdbCmdFn *fn;
} gdb_cmds[] = {
    { "?", cmd_query_stop }, { "g", cmd_read_regs }, { "G", cmd_write_regs },
    { "p", cmd_read_reg }, { "P", cmd_write_reg }, { "m", cmd_read_mem },
    { "M", cmd_write_mem }, { "X", cmd_write_mem_bin },
    { "c", cmd_continue }, { "s", cmd_step }, { "C", cmd_continue },
    { "S", cmd_step }, { "Z", cmd_breakpoint }, { "z", cmd_breakpoint },
    { "k", cmd_kill }, { "D", cmd_detach }, { "H", cmd_set_thread },
    { "vCont", cmd_vcont }, { "q", gdb_cmd_query },
};

static void gdb_packet(GdbState *s)
{
    g_autoptr(GString) reply = g_string_new(NULL);
    bool resumed = false;

    for (size_t i = 0; i < G_N_ELEMENTS(gdb_cmds); i++) {
        if (g_str_has_prefix(s->rx.buf, gdb_cmds[i].prefix)) {
            gdb_cmds[i].fn(s, s->rx.buf + strlen(gdb_cmds[i].prefix),
                           reply);
            resumed = s->running;
            break;
        }
    }
    if (!resumed) {
        gdb_send(s, reply->str);        /* "" for unknown packets */
    }
}

/* ---- the connection ---- */

static gboolean gdb_idle(gpointer opaque)
{
    GdbState *s = opaque;
    g_autoptr(GString) input = s->pending;

    s->idle = 0;
    s->pending = g_string_new(NULL);
    for (gsize i = 0; i < input->len; i++) {
        switch (gdb_rx_byte(&s->rx, input->str[i])) {
        case GDB_RX_PACKET:
            chardev_write(s->chr, (const uint8_t *)"+", 1);
            gdb_packet(s);
            break;
        case GDB_RX_BAD:
            chardev_write(s->chr, (const uint8_t *)"-", 1);
            break;
        case GDB_RX_NACK:
            chardev_write(s->chr, (const uint8_t *)s->last->str,
                          s->last->len);
            break;
        case GDB_RX_INTERRUPT:
            if (s->running) {
                gdb_stopped(s, GDB_SIGNAL_INT);
            }
            break;
        default:
            break;
        }
    }
    chardev_accept_input(s->chr);
    return G_SOURCE_REMOVE;
}

static int gdb_can_read(void *opaque)
{
    GdbState *s = opaque;

    return GDB_PACKET_MAX * 2 - (int)s->pending->len;
}

static void gdb_read(void *opaque, const uint8_t *buf, int len)
{
    GdbState *s = opaque;

    g_string_append_len(s->pending, (const char *)buf, len);
    if (!s->idle) {
        s->idle = g_idle_add(gdb_idle, s);
    }
}

static gboolean gdb_attach_main(gpointer opaque)
{
    GdbState *s = opaque;

    s->running = false;
    gdb_stopped(s, GDB_SIGNAL_TRAP);
    return G_SOURCE_REMOVE;
}

static gboolean gdb_detach_main(gpointer opaque)
{
    GdbState *s = opaque;

    guest_debug_remove_all(s->m);
    s->running = false;
    if (vm_status() == RUN_STATUS_DEBUG) {
        vm_start();
    }
    return G_SOURCE_REMOVE;
}

/* Connection changes arrive with the big lock held: act from idle. */
static void gdb_chr_event(void *opaque, CharEvent ev)
{
    GdbState *s = opaque;

    gdb_rx_init(&s->rx);
    g_idle_add(ev == CHR_EVENT_OPENED ? gdb_attach_main : gdb_detach_main,
               s);
}

bool gdbserver_start(const char *spec, GError **errp)
{
    g_autofree char *full = NULL;
    Chardev *chr;

    if (gdb) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "gdbserver %s: a GDB server is already running", spec);
        return false;
    }
    /* QEMU's -gdb tcp::PORT listens without waiting */
    full = (g_str_has_prefix(spec, "tcp:") || g_str_has_prefix(spec, "unix:"))
           && !strstr(spec, "server") ? g_strdup_printf("%s,server=on,wait=off",
                                                        spec)
                                      : g_strdup(spec);
    chr = chardev_new_from_spec(full, "gdb", errp);
    if (!chr) {
        if (errp && *errp) {
            g_prefix_error(errp, "-gdb %s: ", spec);
        }
        return false;
    }
    gdb = g_new0(GdbState, 1);
    gdb->chr = chr;
    gdb->m = current_machine();
    gdb->pending = g_string_new(NULL);
    gdb->last = g_string_new(NULL);
    vcpu_debug_exit_hook = gdb_vcpu_debug_exit;
    chardev_set_handlers(chr, gdb_can_read, gdb_read, gdb);
    chardev_set_event_handler(chr, gdb_chr_event, gdb);
    return true;
}
