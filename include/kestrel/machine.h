/* SPDX-License-Identifier: MIT */
/*
 * The machine configuration the command line builds, and the running
 * machine that the board (hw/i386/pc.c) assembles from it.
 */
#ifndef KESTREL_MACHINE_H
#define KESTREL_MACHINE_H

#include "kestrel/osdep.h"
#include "kestrel/accel.h"

/* One -drive (or -hda/-cdrom/-fda shorthand). */
typedef struct DriveConfig {
    char *file;
    char *format;                       /* NULL: probe */
    char *interface;                    /* "ide", "floppy", "none" */
    char *media;                        /* "disk", "cdrom" */
    int index;                          /* -1: next free */
    char *id;
    bool snapshot;
    bool readonly;
} DriveConfig;

typedef struct MachineConfig {
    uint64_t ram_size;                  /* bytes; default 128 MiB */
    unsigned smp;
    char *cpu_model;                    /* -cpu; NULL: default */
    char *accel;                        /* "tcg", "kvm", "kvm:tcg"... */
    char *accel_opts;                   /* suboptions: "jit=off" */
    char *bios;                         /* -bios */
    GPtrArray *firmware_dirs;           /* -L, searched first */
    char *kernel, *initrd, *append;
    GPtrArray *drives;                  /* DriveConfig * */
    char *boot_order;                   /* -boot order=, e.g. "cad" */
    char *boot_once;                    /* -boot once=: first boot only */
    bool boot_menu;
    bool snapshot;                      /* -snapshot */
    GPtrArray *serials;                 /* -serial specs, in order */
    GPtrArray *parallels;
    char *monitor;                      /* -monitor spec */
    char *qmp;                          /* -qmp spec */
    char *debugcon;                     /* -debugcon spec */
    GPtrArray *chardevs;                /* -chardev option strings */
    GPtrArray *devices;                 /* -device option strings */
    GPtrArray *netdevs;                 /* -netdev option strings */
    GPtrArray *nics;                    /* -nic option strings */
    GPtrArray *objects;                 /* -object (filter-dump) strings */
    GPtrArray *globals;                 /* -global DRIVER.PROP=VALUE */
    char *display;                      /* -display; NULL: default */
    char *vnc;                          /* -vnc: a VNC server too */
    char *vga;                          /* -vga std|none; NULL: std */
    bool nographic;
    bool no_reboot;
    bool no_shutdown;
    char *gdb;                          /* -gdb spec, -s = tcp::1234 */
    bool start_stopped;                 /* -S */
    char *name;
    char *rtc_base;                     /* "utc", "localtime" or a date */
    char *rtc_clock;
    bool nodefaults;
    char *machine_type;                 /* -machine type; "pc" */
} MachineConfig;

typedef enum ShutdownCause {
    SHUTDOWN_NONE,
    SHUTDOWN_QUIT,                      /* monitor quit, signal */
    SHUTDOWN_POWEROFF,                  /* ACPI S5, guest poweroff */
    SHUTDOWN_RESET,                     /* guest reset */
    SHUTDOWN_TRIPLE_FAULT,
    SHUTDOWN_DEBUG_EXIT,                /* isa-debug-exit */
} ShutdownCause;

struct Machine {
    MachineConfig *cfg;
    X86CPU **cpus;
    unsigned nr_cpus;
    const AccelOps *accel;
    void *board;                        /* the board's private state */
};

MachineConfig *machine_config_new(void);
void machine_config_free(MachineConfig *cfg);

/* Request from any thread; the main loop acts on it. */
void machine_request_shutdown(ShutdownCause cause);
void machine_request_reset(void);
/* isa-debug-exit: leave with this process exit status. */
void machine_request_exit(int status);

#endif /* KESTREL_MACHINE_H */
