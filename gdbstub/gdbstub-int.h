/* SPDX-License-Identifier: MIT */
/*
 * Between the GDB server (gdbstub.c: the connection, stops, resumes and
 * most packets), its q packets (gdb-query.c) and the register layout
 * (gdb-regs.c).
 */
#ifndef KESTREL_GDBSTUB_INT_H
#define KESTREL_GDBSTUB_INT_H

#include "kestrel/osdep.h"
#include "kestrel/chardev.h"
#include "kestrel/machine.h"
#include "kestrel/x86-cpu.h"
#include "gdbstub/packet.h"

typedef struct GdbState {
    Chardev *chr;
    Machine *m;
    GdbRx rx;
    GString *pending;                   /* input not yet handled */
    GString *last;                      /* last reply, for '-' */
    guint idle;
    int g_cpu;                          /* Hg thread (0-based) */
    bool running;                       /* resumed by c/s: a stop replies */
    bool stepping;                      /* resumed by s: no swbreak reason */
    bool bp_reasons;                    /* gdb sent swbreak+/hwbreak+ */
    X86CPU *stopped_cpu;                /* set by the vCPU debug hook */
} GdbState;

X86CPU *gdb_cpu(GdbState *s);           /* the Hg thread's vCPU */
bool gdb_x64(GdbState *s);              /* the x86-64 description */
void gdb_send(GdbState *s, const char *data);
/* "ADDR,LEN" in hex, LEN at most half a packet: false when malformed. */
bool gdb_parse_addr_len(const char **p, uint64_t *addr, uint64_t *len);
void gdb_cmd_query(GdbState *s, const char *args, GString *reply);

/* The x86-64 description (the -cpu model has long mode), else i386. */
bool gdb_x64_model(void);
unsigned gdb_reg_count(bool x64);
/* Bytes of register n written to/read from buf, or -1 for no such one. */
int gdb_read_reg(X86CPUState *env, bool x64, unsigned n, uint8_t *buf);
int gdb_write_reg(X86CPUState *env, bool x64, unsigned n, const uint8_t *buf);
char *gdb_target_xml(bool x64);

#endif /* KESTREL_GDBSTUB_INT_H */
