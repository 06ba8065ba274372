/* SPDX-License-Identifier: MIT */
/*
 * The HMP command table and the commands other than "info" (hmp-info.c):
 * help, stop, cont, system_reset, system_powerdown, sendkey, screendump,
 * quit, gdbserver, accel, and the memory dumps x and xp with QEMU's /Nfu
 * formats. hmp.c looks commands up here by name.
 * Ref: QEMU HMP documentation (docs/system/monitor.rst, hmp-commands.hx
 * for the argument forms and the output of x/xp).
 * Missing: x/s, the 'a' format, and live accelerator switching (accel
 * answers that KVM is not available yet).
 */
#include "kestrel/osdep.h"
#include "kestrel/monitor.h"
#include "kestrel/runstate.h"
#include "cpu/x86/insn.h"
#include "monitor/monitor-int.h"

#define HMP_X_MAX_BYTES (64 * 1024)

static void hmp_report(Monitor *mon, GError *err)
{
    if (err) {
        monitor_printf(mon, "Error: %s\n", err->message);
        g_error_free(err);
    }
}

static void hmp_help(Monitor *mon, int argc, char **argv)
{
    hmp_print_table(mon, hmp_commands, "");
}

static void hmp_stop(Monitor *mon, int argc, char **argv)
{
    mon_stop();
}

static void hmp_cont(Monitor *mon, int argc, char **argv)
{
    mon_cont();
}

static void hmp_system_reset(Monitor *mon, int argc, char **argv)
{
    mon_system_reset();
}

static void hmp_system_powerdown(Monitor *mon, int argc, char **argv)
{
    GError *err = NULL;

    mon_system_powerdown(&err);
    hmp_report(mon, err);
}

static void hmp_sendkey(Monitor *mon, int argc, char **argv)
{
    GError *err = NULL;
    char *end = NULL;
    long hold = argc > 2 ? strtol(argv[2], &end, 0) : 100;

    if (argc > 2 && (*end || hold <= 0 || hold > 60000)) {
        monitor_printf(mon, "sendkey: bad hold time '%s' (1..60000 ms)\n",
                       argv[2]);
        return;
    }
    mon_sendkey(argv[1], hold, &err);
    hmp_report(mon, err);
}

static void hmp_screendump(Monitor *mon, int argc, char **argv)
{
    GError *err = NULL;

    mon_screendump(argv[1], &err);
    hmp_report(mon, err);
}

static void hmp_quit(Monitor *mon, int argc, char **argv)
{
    mon_quit();
}

static void hmp_gdbserver(Monitor *mon, int argc, char **argv)
{
    const char *spec = argc > 1 ? argv[1] : "tcp::1234";
    GError *err = NULL;

    if (!strcmp(spec, "none")) {
        monitor_printf(mon, "Disabling the gdbserver is not supported\n");
    } else if (gdbserver_start(spec, &err)) {
        monitor_printf(mon, "Waiting for gdb connection on device '%s'\n",
                       spec);
    }
    hmp_report(mon, err);
}

static void hmp_accel(Monitor *mon, int argc, char **argv)
{
    GError *err = NULL;

    if (!strcmp(argv[1], current_machine()->accel->name)) {
        monitor_printf(mon, "already running under %s\n", argv[1]);
        return;
    }
    accel_switch(current_machine(), argv[1], &err);
    hmp_report(mon, err);
}

/* ---- x and xp ---- */

typedef struct MemFormat {
    unsigned count;
    char fmt;                           /* x d u o t c i */
    unsigned size;                      /* 1 2 4 8 */
} MemFormat;

/* "/Nfu" after the command name (QEMU: count, format, unit, any order
 * of f and u). */
static bool parse_format(const char *s, MemFormat *f)
{
    *f = (MemFormat) { .count = 1, .fmt = 'x', .size = 4 };
    if (!*s) {
        return true;
    }
    if (*s++ != '/') {
        return false;
    }
    if (g_ascii_isdigit(*s)) {
        f->count = strtoul(s, (char **)&s, 10);
    }
    for (; *s; s++) {
        if (strchr("xduotci", *s)) {
            f->fmt = *s;
        } else if (strchr("bhwg", *s)) {
            f->size = *s == 'b' ? 1 : *s == 'h' ? 2 : *s == 'w' ? 4 : 8;
        } else {
            return false;
        }
    }
    if (f->fmt == 'c') {
        f->size = 1;
    }
    return f->count > 0;
}

static void print_value(Monitor *mon, const MemFormat *f, uint64_t v)
{
    int digits = f->size * 2;

    switch (f->fmt) {
    case 'x':
        monitor_printf(mon, " 0x%0*" PRIx64, digits, v);
        break;
    case 'o':
        monitor_printf(mon, " 0%" PRIo64, v);
        break;
    case 'u':
        monitor_printf(mon, " %" PRIu64, v);
        break;
    case 'd':
        monitor_printf(mon, " %" PRId64,
                       (int64_t)(v << (64 - 8 * f->size)) >>
                       (64 - 8 * f->size));
        break;
    case 't':
        monitor_printf(mon, " ");
        for (int b = f->size * 8 - 1; b >= 0; b--) {
            monitor_printf(mon, "%c", (v >> b) & 1 ? '1' : '0');
        }
        break;
    case 'c':
        monitor_printf(mon, g_ascii_isprint(v) ? " '%c'" : " '\\x%02x'",
                       (unsigned)v);
        break;
    }
}

static void dump_insns(Monitor *mon, vaddr addr, const uint8_t *buf,
                       size_t len, unsigned count)
{
    uint32_t hf = current_machine()->cpus[0]->env.hflags;
    X86Mode mode = hf & HF_CS64 ? X86_MODE_64
                   : hf & HF_CS32 ? X86_MODE_32 : X86_MODE_16;
    size_t off = 0;

    for (unsigned i = 0; i < count && off < len; i++) {
        X86Insn insn;
        char text[128];

        if (x86_decode(&insn, buf + off, len - off, mode) != X86_DEC_OK) {
            monitor_printf(mon, "0x%08" PRIx64 ":  (bad)\n", addr + off);
            off++;
            continue;
        }
        x86_disas(&insn, text, sizeof(text), addr + off);
        monitor_printf(mon, "0x%08" PRIx64 ":  %s\n", addr + off, text);
        off += insn.len;
    }
}

static void hmp_memory_dump(Monitor *mon, int argc, char **argv,
                            bool physical)
{
    const char *slash = strchr(argv[0], '/');
    g_autofree uint8_t *buf = NULL;
    GError *err = NULL;
    MemFormat f;
    uint64_t addr;
    size_t len;
    char *end;

    if (!slash && argc == 3 && argv[1][0] == '/') {
        slash = argv[1];                /* "x /4xw ADDR" */
        argv++;
    } else if (argc != 2) {
        monitor_printf(mon, "%s: expected /fmt addr\n", argv[0]);
        return;
    }

    if (!parse_format(slash ? slash : "", &f)) {
        monitor_printf(mon, "invalid format '%s' (/Nfu: f in xduotci, u in "
                       "bhwg)\n", slash);
        return;
    }
    addr = g_ascii_strtoull(argv[1], &end, 0);
    if (*end || end == argv[1]) {
        monitor_printf(mon, "invalid address '%s'\n", argv[1]);
        return;
    }
    len = f.fmt == 'i' ? (size_t)f.count * 15 : (size_t)f.count * f.size;
    if (len > HMP_X_MAX_BYTES) {
        monitor_printf(mon, "too much to dump (at most %d bytes)\n",
                       HMP_X_MAX_BYTES);
        return;
    }
    buf = g_malloc0(len);
    if (!mon_read_memory(addr, buf, len, physical, &err)) {
        hmp_report(mon, err);
        return;
    }
    if (f.fmt == 'i') {
        dump_insns(mon, addr, buf, len, f.count);
        return;
    }
    for (unsigned i = 0; i < f.count; i++) {
        unsigned per_line = f.fmt == 'c' ? 8 : 16 / f.size;
        uint64_t v = 0;

        if (i % per_line == 0) {
            monitor_printf(mon, "%s%016" PRIx64 ":", i ? "\n" : "",
                           addr + (uint64_t)i * f.size);
        }
        memcpy(&v, buf + (size_t)i * f.size, f.size);
        print_value(mon, &f, GUINT64_FROM_LE(v));
    }
    monitor_printf(mon, "\n");
}

static void hmp_x(Monitor *mon, int argc, char **argv)
{
    hmp_memory_dump(mon, argc, argv, false);
}

static void hmp_xp(Monitor *mon, int argc, char **argv)
{
    hmp_memory_dump(mon, argc, argv, true);
}

static void hmp_info(Monitor *mon, int argc, char **argv)
{
    if (argc < 2) {
        hmp_print_table(mon, hmp_info_commands, "info ");
        return;
    }
    for (const HmpCommand *c = hmp_info_commands; c->name; c++) {
        if (!strcmp(c->name, argv[1])) {
            if (argc - 2 < c->min_args || argc - 2 > c->max_args) {
                monitor_printf(mon, "info %s: expected %s\n", c->name,
                               c->params[0] ? c->params : "no arguments");
                return;
            }
            c->fn(mon, argc - 1, argv + 1);
            return;
        }
    }
    monitor_printf(mon, "unknown info subcommand '%s' (help: info)\n",
                   argv[1]);
}

const HmpCommand hmp_commands[] = {
    { "help|?", "", "show the commands", 0, 0, hmp_help },
    { "info", "[subcommand]", "show machine state (info alone lists what)",
      0, 2, hmp_info },
    { "stop", "", "stop the emulation", 0, 0, hmp_stop },
    { "cont|c", "", "resume the emulation", 0, 0, hmp_cont },
    { "system_reset", "", "reset the machine", 0, 0, hmp_system_reset },
    { "system_powerdown", "", "press the ACPI power button", 0, 0,
      hmp_system_powerdown },
    { "sendkey", "keys [hold_ms]", "send keys to the guest, e.g. "
      "ctrl-alt-delete (held 100 ms)", 1, 2, hmp_sendkey },
    { "screendump", "filename", "save the screen as PNG (or PPM for .ppm)",
      1, 1, hmp_screendump },
    { "x", "/fmt addr", "dump virtual memory (fmt /Nfu: count, format "
      "xduotci, unit bhwg)", 1, 2, hmp_x },
    { "xp", "/fmt addr", "dump physical memory (fmt as for x)", 1, 2,
      hmp_xp },
    { "gdbserver", "[device]", "start the GDB server (default tcp::1234)",
      0, 1, hmp_gdbserver },
    { "accel", "kvm|tcg", "switch the accelerator", 1, 1, hmp_accel },
    { "quit|q", "", "quit the emulator", 0, 0, hmp_quit },
    { NULL },
};
