/* SPDX-License-Identifier: MIT */
/*
 * x86 paging: linear -> physical translation with protection checks, for
 * the TLB slow path (accel/tcg/tlb.c), the GDB stub and the monitor.
 *
 * Modes: paging off (A20 mask only), 32-bit 2-level paging with 4 MiB
 * pages (CR4.PSE, PSE-36 to 36-bit physical), PAE 3-level with 2 MiB pages
 * and NX (EFER.NXE), 4-level paging in IA-32e mode (EFER.LMA: 48-bit
 * linear addresses, 2 MiB pages, NX). Accessed bits are set on every entry walked, the
 * dirty bit on the final entry for a write; U/S, R/W with CR0.WP, NX; a
 * fault gives the #PF error code (P, W/R, U/S, RSVD, I/D). The TLB may
 * cache write permission only once the dirty bit is set, so the first
 * write to a clean page comes back here.
 *
 * Ref: Intel SDM Vol. 3A 4.3 (32-bit paging), 4.4 (PAE), 4.6 (access
 * rights), 4.7 (page-fault error code), 4.8 (accessed and dirty flags).
 * Missing: 1 GiB pages (PS in a PDPTE is reserved: CPUID does not
 * report them), SMEP/SMAP, PKU, PDPTE caching at
 * CR3 load (PAE PDPTEs are read on every walk; reserved bits fault as
 * #PF RSVD instead of #GP at MOV CR3).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "kestrel/memory.h"
#include "cpu/x86/cpu.h"

#define PG_P    (1ull << 0)
#define PG_RW   (1ull << 1)
#define PG_US   (1ull << 2)
#define PG_A    (1ull << 5)
#define PG_D    (1ull << 6)
#define PG_PS   (1ull << 7)
#define PG_G    (1ull << 8)
#define PG_NX   (1ull << 63)

#define PHYS_BITS 36                    /* MAXPHYADDR of every model */
#define PHYS_MASK ((1ull << PHYS_BITS) - 1)

typedef struct PagingLevel {
    uint8_t shift;                      /* first linear bit it indexes */
    uint8_t bits;                       /* index width */
    bool pdpte;                         /* PAE PDPTE: no A/U/RW bits */
    bool large;                         /* PS may map a page here */
    bool ps_rsvd;                       /* PS is a reserved bit here */
} PagingLevel;

typedef struct PagingMode {
    unsigned levels;
    unsigned entry_size;                /* bytes */
    uint64_t table_mask;                /* next-table address bits */
    PagingLevel lv[4];
} PagingMode;

static const PagingMode paging_32 = {
    .levels = 2, .entry_size = 4, .table_mask = 0xfffff000ull,
    .lv = { { .shift = 22, .bits = 10, .large = true },
            { .shift = 12, .bits = 10 } },
};

static const PagingMode paging_pae = {
    .levels = 3, .entry_size = 8, .table_mask = PHYS_MASK & ~0xfffull,
    .lv = { { .shift = 30, .bits = 2, .pdpte = true },
            { .shift = 21, .bits = 9, .large = true },
            { .shift = 12, .bits = 9 } },
};

static const PagingMode paging_4level = {
    .levels = 4, .entry_size = 8, .table_mask = PHYS_MASK & ~0xfffull,
    .lv = { { .shift = 39, .bits = 9, .ps_rsvd = true },
            { .shift = 30, .bits = 9, .ps_rsvd = true },
            { .shift = 21, .bits = 9, .large = true },
            { .shift = 12, .bits = 9 } },
};

typedef struct Walk {
    X86CPUState *env;
    bool update;                        /* set A/D bits (not for debug) */
} Walk;

static uint64_t pte_read(const Walk *w, hwaddr pa, unsigned size)
{
    return as_read(&address_space_memory, pa & w->env->a20_mask, size,
                   NULL);
}

static void pte_set_bits(const Walk *w, hwaddr pa, unsigned size,
                         uint64_t old, uint64_t bits)
{
    if (w->update && (old & bits) != bits) {
        as_write(&address_space_memory, pa & w->env->a20_mask, old | bits,
                 size);
    }
}

/* Reserved bits of an entry at this level (SDM 4.4.2 tables 4-8..4-11). */
static uint64_t pte_reserved(const X86CPUState *env, const PagingMode *m,
                             const PagingLevel *lv, uint64_t pte)
{
    uint64_t rsvd;

    if (m->entry_size == 4) {
        /* only a 4 MiB PDE has reserved bits: 21..17 with PSE-36 */
        return (lv->large && (pte & PG_PS) && (env->cr[4] & CR4_PSE)) ?
               pte & 0x3e0000ull : 0;
    }
    rsvd = ~PHYS_MASK & ~PG_NX;
    if (!(env->efer & EFER_NXE)) {
        rsvd |= PG_NX;
    }
    if (lv->ps_rsvd) {
        rsvd |= PG_PS;
    }
    if (lv->pdpte) {
        rsvd |= 0x1e6ull | PG_NX;       /* RW, US, A, D, PS and XD */
    } else if (lv->large && (pte & PG_PS)) {
        rsvd |= 0x1fe000ull;            /* bits 20..13 of a 2 MiB PDE */
    }
    return pte & rsvd;
}

static bool x86_mmu_walk(const Walk *w, vaddr addr, X86Access acc,
                         unsigned mmu_idx, X86PageResult *res)
{
    X86CPUState *env = w->env;
    const PagingMode *m = (env->efer & EFER_LMA) ? &paging_4level :
                          (env->cr[4] & CR4_PAE) ? &paging_pae : &paging_32;
    bool is_user = mmu_idx == MMU_USER_IDX;
    bool is_write = acc == X86_ACC_WRITE;
    bool nxe = m->entry_size == 8 && (env->efer & EFER_NXE);
    uint32_t err = (is_write ? PF_ERR_W : 0) | (is_user ? PF_ERR_U : 0) |
                   ((acc == X86_ACC_FETCH && nxe) ? PF_ERR_I : 0);
    bool user_ok = true, write_ok = true, exec_ok = true;
    hwaddr table = env->cr[3] & (m == &paging_pae ? 0xffffffe0ull :
                                 m == &paging_4level ? m->table_mask
                                                     : 0xfffff000ull);
    hwaddr pte_addr = 0, frame;
    uint64_t pte = 0;
    unsigned shift = 12;

    if (m != &paging_4level) {
        addr &= 0xffffffffull;
    }
    for (unsigned i = 0; i < m->levels; i++) {
        const PagingLevel *lv = &m->lv[i];
        unsigned idx = (addr >> lv->shift) & ((1u << lv->bits) - 1);

        pte_addr = table + idx * m->entry_size;
        pte = pte_read(w, pte_addr, m->entry_size);
        if (!(pte & PG_P)) {
            goto fault;
        }
        if (pte_reserved(env, m, lv, pte)) {
            err |= PF_ERR_P | PF_ERR_RSVD;
            goto fault;
        }
        shift = lv->shift;
        if (!lv->pdpte) {
            user_ok &= !!(pte & PG_US);
            write_ok &= !!(pte & PG_RW);
            exec_ok &= !(nxe && (pte & PG_NX));
        }
        if (lv->large && (pte & PG_PS) &&
            (m->entry_size == 8 || (env->cr[4] & CR4_PSE))) {
            break;                      /* a 2 MiB or 4 MiB page */
        }
        if (i + 1 < m->levels) {
            if (!lv->pdpte) {
                pte_set_bits(w, pte_addr, m->entry_size, pte, PG_A);
            }
            table = pte & m->table_mask;
        }
    }

    /* access rights: SDM 4.6 */
    if ((is_user && !user_ok) ||
        (is_write && !write_ok && (is_user || (env->cr[0] & CR0_WP))) ||
        (acc == X86_ACC_FETCH && !exec_ok)) {
        err |= PF_ERR_P;
        goto fault;
    }
    pte_set_bits(w, pte_addr, m->entry_size, pte,
                 PG_A | (is_write ? PG_D : 0));

    if (shift == 22) {                  /* 4 MiB, PSE-36 bits 16..13 */
        frame = (pte & 0xffc00000ull) | ((pte >> 13) & 0xf) << 32;
    } else {
        frame = pte & PHYS_MASK & ~((1ull << shift) - 1);
    }
    res->page_size = 1ull << shift;
    res->paddr = (frame | (addr & (res->page_size - 1))) & env->a20_mask;
    res->global = (pte & PG_G) && (env->cr[4] & CR4_PGE);
    res->prot = X86_PROT_READ;
    if (exec_ok) {
        res->prot |= X86_PROT_EXEC;
    }
    if ((write_ok || (!is_user && !(env->cr[0] & CR0_WP))) &&
        (is_write || (pte & PG_D))) {
        res->prot |= X86_PROT_WRITE;
    }
    return true;

fault:
    ks_log_mask(LOG_MMU, "mmu: page fault at 0x%08" PRIx64 " err 0x%x\n",
                addr, err);
    res->error_code = err;
    return false;
}

bool x86_mmu_translate(X86CPUState *env, vaddr addr, X86Access acc,
                       unsigned mmu_idx, X86PageResult *res)
{
    Walk w = { .env = env, .update = true };

    if (!(env->cr[0] & CR0_PG)) {
        res->paddr = addr & 0xffffffffull & env->a20_mask;
        res->prot = X86_PROT_READ | X86_PROT_WRITE | X86_PROT_EXEC;
        res->page_size = 4096;
        res->global = false;
        return true;
    }
    return x86_mmu_walk(&w, addr, acc, mmu_idx, res);
}

hwaddr x86_mmu_debug_translate(X86CPUState *env, vaddr addr)
{
    Walk w = { .env = env, .update = false };
    X86PageResult res;

    if (!(env->cr[0] & CR0_PG)) {
        return addr & 0xffffffffull & env->a20_mask;
    }
    if (!x86_mmu_walk(&w, addr, X86_ACC_READ, MMU_KERNEL_IDX, &res)) {
        return (hwaddr)-1;
    }
    return res.paddr;
}
