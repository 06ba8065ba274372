/* SPDX-License-Identifier: MIT */
/*
 * Shared between the command-line files: options.c (the table, the argv
 * loop, -help), options-machine.c (machine, CPU, memory, display, debug
 * handlers), options-media.c (drives, boot, firmware, chardevs, network,
 * devices) and options-finish.c (defaults and cross-option checks).
 */
#ifndef KESTREL_SYSTEM_OPTIONS_INTERNAL_H
#define KESTREL_SYSTEM_OPTIONS_INTERNAL_H

#include "kestrel/osdep.h"
#include "kestrel/options.h"

typedef struct OptCtx OptCtx;
typedef struct KsOption KsOption;

typedef bool OptHandler(OptCtx *ctx, const KsOption *opt, const char *arg,
                        GError **errp);

struct KsOption {
    const char *name;                   /* without the leading '-' */
    const char *argname;                /* NULL: takes no argument */
    const char *help;                   /* NULL: not supported, rejected */
    OptHandler *handler;
    int data;                           /* handler-specific (drive index) */
};

/* Parse-time state beyond the config. */
struct OptCtx {
    CmdLine *cl;
    MachineConfig *cfg;
    bool accel_from_machine;            /* -machine accel= was given */
    unsigned nr_accel;                  /* -accel/-enable-kvm given */
    bool display_given;
    bool monitor_given;                 /* -monitor, -qmp, -mon */
    bool serial_given;
    bool parallel_given;
    GPtrArray *chardev_ids;             /* ids of -chardev, for duplicates */
    GPtrArray *drive_labels;            /* "-hda x.img" per cfg->drives */
};

/* A value a command-line choice may take; lists end with { NULL }. */
typedef struct OptChoice {
    const char *name;
    const char *help;
} OptChoice;

extern const OptChoice opt_machines[], opt_accels[],
    opt_displays[], opt_vgas[];
const OptChoice *opt_choice_find(const OptChoice *list, const char *name);

/* "-NAME ARG: <cause>" (no ARG when arg is NULL). */
void opt_error(GError **errp, const KsOption *opt, const char *arg,
               const char *fmt, ...) KS_PRINTF(4, 5);
char *opt_label(const KsOption *opt);   /* "-NAME" */
/* The file must be readable (and writable when write): "cannot open". */
bool opt_check_file(const char *label, const char *path, bool write,
                    GError **errp);
/* Accept "help" and "?" as a request for a listing. */
bool opt_is_help(const char *arg);
void opt_set_str(char **field, const char *value);

OptHandler opt_machine, opt_cpu, opt_accel, opt_enable_kvm, opt_memory,
    opt_smp, opt_display, opt_nographic, opt_vga, opt_vnc, opt_name,
    opt_rtc, opt_gdb, opt_gdb_default, opt_log, opt_log_file, opt_flag,
    opt_global, opt_help, opt_version, opt_string, opt_file;
OptHandler opt_drive, opt_drive_short, opt_boot, opt_firmware_dir,
    opt_serial, opt_parallel, opt_monitor, opt_qmp,
    opt_mon, opt_chardev, opt_debugcon, opt_device, opt_netdev, opt_nic,
    opt_net, opt_object;

/* After the whole argv: defaults (-nographic's stdio mux) and checks
 * that involve several options. */
bool options_finish(OptCtx *ctx, GError **errp);

#endif /* KESTREL_SYSTEM_OPTIONS_INTERNAL_H */
