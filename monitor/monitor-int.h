/* SPDX-License-Identifier: MIT */
/*
 * Shared by the monitor files: the Monitor (an HMP session on a chardev,
 * or a capture buffer for QMP's human-monitor-command and GDB's qRcmd),
 * the HMP command tables, and the actions HMP and QMP both offer
 * (control.c). Everything here runs on the main thread without the big
 * lock: monitors take input in an idle callback, and take the lock only
 * around device accesses.
 */
#ifndef KESTREL_MONITOR_INT_H
#define KESTREL_MONITOR_INT_H

#include "kestrel/osdep.h"
#include "kestrel/chardev.h"
#include "kestrel/device.h"
#include "kestrel/machine.h"

typedef struct Monitor {
    Chardev *chr;                       /* NULL: output goes to capture */
    GString *capture;
    GString *line;                      /* the line being typed */
    GString *pending;                   /* input not yet handled */
    guint idle;                         /* handles pending */
    bool echo;                          /* a terminal: echo what is typed */
    bool mux;                           /* a port of a mux (-nographic) */
    bool focused;                       /* mux: has the focus */
    bool greeted;                       /* the banner is out */
} Monitor;

void monitor_printf(Monitor *mon, const char *fmt, ...) KS_PRINTF(2, 3);

/* ---- HMP (hmp.c) ---- */
typedef void HmpFn(Monitor *mon, int argc, char **argv);

typedef struct HmpCommand {
    const char *name;                   /* "x" also matches "x/10i" */
    const char *params;                 /* shown by help */
    const char *help;
    int min_args, max_args;             /* after the name */
    HmpFn *fn;
} HmpCommand;

extern const HmpCommand hmp_commands[];         /* hmp-cmds.c */
extern const HmpCommand hmp_info_commands[];    /* hmp-info.c */

Monitor *hmp_new(Chardev *chr);
void hmp_execute(Monitor *mon, const char *cmdline);
/* Run one HMP command line and return what it printed. */
char *hmp_run_capture(const char *cmdline);
void hmp_print_table(Monitor *mon, const HmpCommand *table,
                     const char *prefix);

/* ---- QMP (qmp.c) ---- */
Monitor *qmp_new(Chardev *chr);

/* ---- actions for HMP and QMP (control.c) ---- */
/* Refresh X86CPU.env from the accelerator (pausing the vCPUs briefly). */
void mon_sync_cpus(Machine *m);
void mon_stop(void);
void mon_cont(void);
void mon_system_reset(void);
/* True when the RESET event about to come was asked by the host. */
bool mon_take_host_reset(void);
bool mon_system_powerdown(GError **errp);
bool mon_screendump(const char *filename, GError **errp);
void mon_quit(void);
/* "ctrl-alt-delete": press in order, release after hold_ms. */
bool mon_sendkey(const char *keys, int hold_ms, GError **errp);
/* Read guest memory: physical, or linear through cpu 0's page tables. */
bool mon_read_memory(vaddr addr, void *buf, size_t len, bool physical,
                     GError **errp);
Device *mon_find_device(const char *type_name);

#endif /* KESTREL_MONITOR_INT_H */
