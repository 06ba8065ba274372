/* SPDX-License-Identifier: MIT */
/*
 * Run x86 code natively on the host CPU (native-run.c), for the tests that
 * use the host as an oracle: tests/unit/test-translate.c and
 * tests/diff/diff-native.c.
 */
#ifndef KESTREL_TESTS_DIFF_NATIVE_RUN_H
#define KESTREL_TESTS_DIFF_NATIVE_RUN_H

#include "kestrel/osdep.h"

/* EAX..EDI (ESP is not loaded) and EFLAGS */
typedef struct NativeRegs {
    uint32_t r[8];
    uint64_t flags;
} NativeRegs;

/* Map the code page and install the fault handlers; false when refused. */
bool native_init(void);
/*
 * Run @len bytes of @code between a load of @regs and a store back.
 * Returns -1, or the vector of a fault (SIGFPE: #DE, SIGILL: #UD,
 * SIGSEGV/SIGBUS: #GP) with @regs as they were at it and *@fault_off the
 * offset of the faulting instruction in @code.
 */
int native_exec(const uint8_t *code, size_t len, NativeRegs *regs,
                unsigned *fault_off);

#endif /* KESTREL_TESTS_DIFF_NATIVE_RUN_H */
