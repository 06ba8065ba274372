/* SPDX-License-Identifier: MIT */
/*
 * Guest debugging: the breakpoints, watchpoints and single-step state that
 * the GDB stub (gdbstub/) sets and the accelerators honour. The table lives
 * here, outside any accelerator; after a change every vCPU's
 * AccelOps.set_guest_debug is called with GUEST_DEBUG_* flags and reads
 * what it needs back from here (TCG: accel/tcg/exec.c and tlb.c; KVM will
 * turn the same table into its debug registers and int3 patches).
 * Callers change the table from the main thread with every vCPU stopped;
 * accelerators read it from vCPU threads without a lock.
 * Implemented in accel/guest-debug.c.
 */
#ifndef KESTREL_GUEST_DEBUG_H
#define KESTREL_GUEST_DEBUG_H

#include "kestrel/osdep.h"
#include "kestrel/machine.h"

/* The numbering of GDB's Z/z packets. */
typedef enum GuestDebugType {
    GDB_BREAKPOINT_SW,
    GDB_BREAKPOINT_HW,
    GDB_WATCHPOINT_WRITE,
    GDB_WATCHPOINT_READ,
    GDB_WATCHPOINT_ACCESS,
} GuestDebugType;

#define GUEST_DEBUG_MAX_POINTS  64
#define GUEST_DEBUG_MAX_WP_LEN  4096    /* longest watched range, bytes */
#define GUEST_DEBUG_MAX_CPUS    256

bool guest_debug_insert(Machine *m, GuestDebugType type, vaddr addr,
                        vaddr len, GError **errp);
/* False when no such point was set. */
bool guest_debug_remove(Machine *m, GuestDebugType type, vaddr addr,
                        vaddr len);
void guest_debug_remove_all(Machine *m);
/* One instruction per run, interrupts masked (the vCPU exits with
 * VCPU_EXIT_DEBUG after it). */
bool guest_debug_set_singlestep(X86CPU *cpu, bool on, GError **errp);

/* Tell every vCPU's accelerator the table again (after a live switch). */
bool guest_debug_sync(Machine *m, GError **errp);

/* ---- for accelerators ---- */
extern unsigned guest_debug_nr_bp;       /* breakpoints (sw and hw) */
extern unsigned guest_debug_nr_wp;       /* watchpoints */
extern unsigned guest_debug_generation;  /* bumped by each change */
bool guest_debug_bp_at(vaddr pc);
/* Does a watchpoint overlap the 4 KiB linear page at @page? */
bool guest_debug_page_watched(vaddr page);
/* An access of @len bytes at linear @addr: true when it hits a watchpoint
 * of the matching kind; the hit is recorded for the stop reply. */
bool guest_debug_check_watch(X86CPU *cpu, vaddr addr, unsigned len,
                             bool is_write);
/* The i-th point, false past the last (KVM makes debug registers of
 * them), and a watchpoint hit seen by the accelerator itself. */
bool guest_debug_point(unsigned i, GuestDebugType *type, vaddr *addr,
                       vaddr *len);
void guest_debug_set_hit(X86CPU *cpu, GuestDebugType type, vaddr addr);

/* ---- for the GDB stub and the monitor ---- */
/*
 * Read or write guest memory at a linear address through @cpu's page
 * tables (cpu->env must be current: the vCPU stopped and get_state done),
 * or at a physical address when @cpu is NULL. Writes reach ROM too, as a
 * debugger's breakpoint would, and invalidate translated code. False
 * when a page is not mapped (nothing is done for it or after it).
 */
/* EFLAGS of a stopped vCPU, also in the state fresh from reset (whose
 * lazy flags are not set up yet). */
uint64_t guest_debug_eflags(const X86CPUState *env);
bool guest_debug_rw_memory(X86CPU *cpu, vaddr addr, void *buf, size_t len,
                           bool is_write);

typedef struct GuestDebugHit {
    GuestDebugType type;                /* a GDB_WATCHPOINT_* */
    vaddr addr;                         /* the watchpoint's address */
} GuestDebugHit;
/* The watchpoint that stopped @cpu last, cleared by the call. */
bool guest_debug_take_hit(X86CPU *cpu, GuestDebugHit *hit);

#endif /* KESTREL_GUEST_DEBUG_H */
