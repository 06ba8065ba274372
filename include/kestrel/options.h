/* SPDX-License-Identifier: MIT */
/*
 * The command line: one table of QEMU-compatible options drives both the
 * parsing of argv into a MachineConfig and the -help text. system/main.c
 * calls options_parse(), then acts on the requests it records (help,
 * version, "-device help" and friends, -d/-D) before machine_run().
 */
#ifndef KESTREL_OPTIONS_H
#define KESTREL_OPTIONS_H

#include "kestrel/osdep.h"
#include "kestrel/machine.h"

typedef struct CmdLine {
    MachineConfig *cfg;
    bool help;                          /* -help, -h */
    bool version;                       /* -version */
    /* A listing asked for with "help": "device", "device:TYPE", "cpu",
     * "machine", "accel", "display", "vga", "chardev". */
    char *help_topic;
    char *log_items;                    /* -d, several joined by ',' */
    char *log_file;                     /* -D */
} CmdLine;

/*
 * Parse argv into cl->cfg (allocated here). On error the message is one
 * line naming the option and the value ("-m lots: invalid size"), to be
 * printed after "kestrel: ". Files named by -hda, -drive file=, -kernel,
 * -bios... are checked for readability here.
 */
bool options_parse(CmdLine *cl, int argc, char **argv, GError **errp);
void cmdline_clear(CmdLine *cl);

/* -help, on stdout. */
void options_print_help(void);
/* A listing requested by "-device help", "-cpu help", ... */
bool options_print_topic(const char *topic, GError **errp);

#endif /* KESTREL_OPTIONS_H */
