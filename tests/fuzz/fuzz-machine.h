/* SPDX-License-Identifier: MIT */
/*
 * The machine behind the monitor fuzz targets (fuzz-hmp, fuzz-qmp): the
 * real pc board that machine_create() builds from a kestrel command line,
 * and a client chardev that types bytes at a monitor and collects what it
 * answers. See fuzz-machine.c for the command line and why.
 */
#ifndef KESTREL_TESTS_FUZZ_MACHINE_H
#define KESTREL_TESTS_FUZZ_MACHINE_H

#include "kestrel/osdep.h"
#include "kestrel/chardev.h"
#include "kestrel/machine.h"

/* Build the machine (first call only); the same machine afterwards. */
Machine *fuzz_machine(void);
/* Put it back where a new input starts: reset, prelaunch (as -S). */
void fuzz_machine_restart(void);

/* A chardev that keeps what the monitor writes (fuzz_chr_output). */
Chardev *fuzz_chr_new(const char *id);
GString *fuzz_chr_output(Chardev *chr);
/* A new client: the old one hangs up, the new one connects (the
 * monitor greets it); the output buffer starts empty. */
void fuzz_chr_connect(Chardev *chr);
/*
 * Type len bytes at the monitor on chr, as fast as its input buffer takes
 * them, running the main loop's idle work and its requests in between.
 * Stops early when a request ends the machine (quit): false then, and
 * *consumed says how many bytes the monitor had been given.
 */
bool fuzz_chr_type(Chardev *chr, const uint8_t *data, size_t len,
                   size_t *consumed);

#endif /* KESTREL_TESTS_FUZZ_MACHINE_H */
