/* SPDX-License-Identifier: MIT */
/* Between the GDB server (gdbstub.c) and the register layout (gdb-regs.c). */
#ifndef KESTREL_GDBSTUB_INT_H
#define KESTREL_GDBSTUB_INT_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"

/* The x86-64 description (the -cpu model has long mode), else i386. */
bool gdb_x64_model(void);
unsigned gdb_reg_count(bool x64);
/* Bytes of register n written to/read from buf, or -1 for no such one. */
int gdb_read_reg(X86CPUState *env, bool x64, unsigned n, uint8_t *buf);
int gdb_write_reg(X86CPUState *env, bool x64, unsigned n, const uint8_t *buf);
char *gdb_target_xml(bool x64);

#endif /* KESTREL_GDBSTUB_INT_H */
