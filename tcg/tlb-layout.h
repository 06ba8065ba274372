/* SPDX-License-Identifier: MIT */
/*
 * The soft-MMU TLB as generated code sees it: the contract between the
 * back-end's inline fast path (tcg/x86_64/) and the slow path in C
 * (accel/tcg/tlb.c). The TLB sits at a fixed offset from env, so generated
 * code reaches it without a pointer load.
 *
 * Fast path for a load of size N at linear address A with mmu_idx M:
 *   e = &tlb[M][(A >> TLB_PAGE_BITS) & (TLB_ENTRIES - 1)]
 *   hit when (A & (TLB_PAGE_MASK | (N - 1))) == e->addr_read
 *     (a cross-page or unaligned-to-N access never hits; neither does an
 *      entry with TLB_FLAG_SLOW bits set, since those bits are below the
 *      page mask and A's low bits are masked to N-1 only when N>1... the
 *      comparison includes them so any flag forces the slow path)
 *   host = A + e->addend
 * Stores compare against addr_write, code fetches against addr_code.
 * A miss calls the slow-path helpers below, which fill the entry or raise
 * the guest's page fault.
 */
#ifndef KESTREL_TCG_TLB_LAYOUT_H
#define KESTREL_TCG_TLB_LAYOUT_H

#include "kestrel/osdep.h"

#define TLB_PAGE_BITS   12
#define TLB_PAGE_SIZE   (1u << TLB_PAGE_BITS)
#define TLB_PAGE_MASK   (~(uint64_t)(TLB_PAGE_SIZE - 1))
#define TLB_ENTRIES_BITS 10
#define TLB_ENTRIES     (1u << TLB_ENTRIES_BITS)
#define TLB_MMU_MODES   4                /* see cpu/x86 for their meaning */

/* Low bits of addr_* that force the slow path (the page is not plain RAM,
 * holds translated code (writes), or the entry is invalid). */
#define TLB_INVALID     (1u << 11)
#define TLB_MMIO        (1u << 10)
#define TLB_NOTDIRTY    (1u << 9)        /* page holds TBs: writes check */
#define TLB_WATCH       (1u << 8)        /* a GDB watchpoint is on the page */
#define TLB_FLAGS_MASK  (TLB_INVALID | TLB_MMIO | TLB_NOTDIRTY | TLB_WATCH)

typedef struct TlbEntry {
    uint64_t addr_read;                 /* page | flags, or -1 */
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;                   /* host = guest linear + addend */
} TlbEntry;

typedef struct TlbTable {
    TlbEntry e[TLB_MMU_MODES][TLB_ENTRIES];
} TlbTable;

/* Slow paths called from generated code (and by the interpreter, which
 * always uses them). `ra` is the host return address inside the TB, used
 * to restore the guest state if the access faults; 0 from C code.
 * Values are little-endian, zero-extended. */
typedef struct X86CPUState CPUEnv;
uint64_t tlb_slow_ld(CPUEnv *env, uint64_t addr, unsigned mmu_idx,
                     unsigned memop, uintptr_t ra);
void tlb_slow_st(CPUEnv *env, uint64_t addr, uint64_t val,
                 unsigned mmu_idx, unsigned memop, uintptr_t ra);

#endif /* KESTREL_TCG_TLB_LAYOUT_H */
