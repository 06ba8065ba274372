/* SPDX-License-Identifier: MIT */
/*
 * The human monitor (HMP): a line-oriented command prompt on a chardev
 * (-monitor stdio|tcp:...|unix:..., or the -nographic mux where Ctrl-A c
 * switches to it), plus the capture mode that QMP's human-monitor-command
 * and GDB's "monitor" (qRcmd) use. monitor_init(), called by machine
 * start-up (system/runstate.c), creates HMP and QMP from -monitor and -qmp.
 *
 * Input arrives with the big lock held and is handled from an idle callback
 * without it, so that commands may pause the vCPUs. The prompt is QEMU's
 * "(qemu) ", so that scripts written for QEMU work unchanged.
 * Ref: QEMU's HMP documentation (docs/system/monitor.rst) for the command
 * names, arguments and output shapes.
 * Missing: history and completion; only backspace edits the line.
 */
#include "kestrel/osdep.h"
#include "kestrel/monitor.h"
#include "monitor/monitor-int.h"
#include "kestrel-config.h"

#define HMP_PROMPT      "(qemu) "
#define HMP_MAX_LINE    1024
#define HMP_MAX_PENDING 4096

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (mon->capture) {
        g_string_append(mon->capture, text);
        return;
    }
    /* QEMU's monitor writes CR LF: a raw terminal needs the CR */
    for (char *p = text, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl) {
            chardev_write(mon->chr, (const uint8_t *)p, strlen(p));
            break;
        }
        chardev_write(mon->chr, (const uint8_t *)p, nl - p);
        chardev_write(mon->chr, (const uint8_t *)"\r\n", 2);
    }
}

static const HmpCommand *hmp_find(const HmpCommand *table, const char *name)
{
    for (const HmpCommand *c = table; c->name; c++) {
        g_auto(GStrv) names = g_strsplit(c->name, "|", -1);

        for (int i = 0; names[i]; i++) {
            if (!strcmp(names[i], name)) {
                return c;
            }
        }
    }
    return NULL;
}

void hmp_print_table(Monitor *mon, const HmpCommand *table,
                     const char *prefix)
{
    for (const HmpCommand *c = table; c->name; c++) {
        monitor_printf(mon, "%s%s %s -- %s\n", prefix, c->name, c->params,
                       c->help);
    }
}

void hmp_execute(Monitor *mon, const char *cmdline)
{
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = NULL;
    g_autofree char *name = NULL;
    const HmpCommand *cmd;
    int argc;

    if (!g_shell_parse_argv(cmdline, &argc, &argv, &err)) {
        if (!g_error_matches(err, G_SHELL_ERROR,
                             G_SHELL_ERROR_EMPTY_STRING)) {
            monitor_printf(mon, "Bad command line: %s\n", err->message);
        }
        return;
    }
    name = g_strndup(argv[0], strcspn(argv[0], "/"));
    cmd = hmp_find(hmp_commands, name);
    if (!cmd) {
        monitor_printf(mon, "unknown command: '%s'\n", argv[0]);
        return;
    }
    if (argc - 1 < cmd->min_args || argc - 1 > cmd->max_args) {
        monitor_printf(mon, "%s: expected %s\n", name,
                       *cmd->params ? cmd->params : "no arguments");
        return;
    }
    cmd->fn(mon, argc, argv);
}

char *hmp_run_capture(const char *cmdline)
{
    Monitor mon = { .capture = g_string_new(NULL) };

    hmp_execute(&mon, cmdline);
    return g_string_free(mon.capture, false);
}

/* ---- a session on a chardev ---- */

static void hmp_key(Monitor *mon, uint8_t c)
{
    if (c == '\r' || c == '\n') {
        g_autofree char *line = g_strdup(mon->line->str);

        g_string_truncate(mon->line, 0);
        if (mon->echo) {
            monitor_printf(mon, "\n");
        }
        hmp_execute(mon, line);
        monitor_printf(mon, HMP_PROMPT);
    } else if (c == 0x7f || c == 0x08) {
        if (mon->line->len) {
            g_string_truncate(mon->line, mon->line->len - 1);
            if (mon->echo) {
                monitor_printf(mon, "\b \b");
            }
        }
    } else if (c >= 0x20 && c < 0x7f && mon->line->len < HMP_MAX_LINE) {
        g_string_append_c(mon->line, c);
        if (mon->echo) {
            chardev_write(mon->chr, &c, 1);
        }
    }
}

static gboolean hmp_idle(gpointer opaque)
{
    Monitor *mon = opaque;
    g_autoptr(GString) input = mon->pending;

    mon->idle = 0;
    mon->pending = g_string_new(NULL);
    for (gsize i = 0; i < input->len; i++) {
        /* a CR LF pair is one line end */
        if (input->str[i] == '\n' && i > 0 && input->str[i - 1] == '\r') {
            continue;
        }
        hmp_key(mon, input->str[i]);
    }
    chardev_accept_input(mon->chr);
    return G_SOURCE_REMOVE;
}

static void hmp_idle_arm(Monitor *mon)
{
    if (!mon->idle) {
        mon->idle = g_idle_add(hmp_idle, mon);
    }
}

static int hmp_can_read(void *opaque)
{
    Monitor *mon = opaque;

    return HMP_MAX_PENDING - (int)mon->pending->len;
}

static void hmp_read(void *opaque, const uint8_t *buf, int len)
{
    Monitor *mon = opaque;

    g_string_append_len(mon->pending, (const char *)buf, len);
    hmp_idle_arm(mon);
}

static void hmp_greet(Monitor *mon)
{
    g_string_truncate(mon->line, 0);
    monitor_printf(mon, "QEMU-compatible monitor (Kestrel %s) - type "
                   "'help' for more information\n" HMP_PROMPT,
                   KESTREL_VERSION);
    mon->greeted = true;
}

/*
 * On a mux, as in QEMU, the banner waits until Ctrl-A c gives the monitor
 * the focus, and each later switch back shows a fresh prompt. The focus
 * a port gets while the ports attach at start-up is looked at from idle,
 * once every port is there.
 */
static gboolean hmp_mux_idle(gpointer opaque)
{
    Monitor *mon = opaque;

    if (mon->focused) {
        if (!mon->greeted) {
            hmp_greet(mon);
        } else {
            g_string_truncate(mon->line, 0);
            monitor_printf(mon, "\n" HMP_PROMPT);
        }
    }
    return G_SOURCE_REMOVE;
}

static void hmp_event(void *opaque, CharEvent ev)
{
    Monitor *mon = opaque;

    switch (ev) {
    case CHR_EVENT_OPENED:
        if (!mon->mux) {
            hmp_greet(mon);
        }
        break;
    case CHR_EVENT_MUX_IN:
        mon->focused = true;
        g_idle_add(hmp_mux_idle, mon);
        break;
    case CHR_EVENT_MUX_OUT:
        mon->focused = false;
        break;
    default:
        break;
    }
}

Monitor *hmp_new(Chardev *chr)
{
    Monitor *mon = g_new0(Monitor, 1);
    const char *fn = chardev_filename(chr);

    mon->chr = chr;
    mon->line = g_string_new(NULL);
    mon->pending = g_string_new(NULL);
    mon->echo = !strcmp(fn, "stdio") || g_str_has_prefix(fn, "mux:") ||
                g_str_has_prefix(fn, "pty:");
    mon->mux = g_str_has_prefix(fn, "mux:");
    chardev_set_event_handler(chr, hmp_event, mon);
    chardev_set_handlers(chr, hmp_can_read, hmp_read, mon);
    return mon;
}

/* The chardev of -monitor/-qmp SPEC, or NULL for "none" or on error. */
static Chardev *monitor_chardev(const char *opt, const char *spec,
                                const char *id, GError **errp)
{
    GError *err = NULL;
    Chardev *chr = chardev_new_from_spec(spec, id, &err);

    if (err) {
        g_propagate_prefixed_error(errp, err, "%s %s: ", opt, spec);
    }
    return chr;
}

bool monitor_init(MachineConfig *cfg, GError **errp)
{
    GError *err = NULL;
    Chardev *chr;

    if (cfg->qmp) {
        chr = monitor_chardev("-qmp", cfg->qmp, "qmp0", &err);
        if (chr) {
            qmp_new(chr);
        }
    }
    if (cfg->monitor && !err) {
        chr = monitor_chardev("-monitor", cfg->monitor, "monitor0", &err);
        if (chr) {
            hmp_new(chr);
        }
    }
    if (err) {
        g_propagate_error(errp, err);
        return false;
    }
    return true;
}
