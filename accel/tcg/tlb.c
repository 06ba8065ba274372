/* SPDX-License-Identifier: MIT */
/*
 * The soft-MMU TLB: the slow path behind the inline lookups of generated
 * code (tcg/tlb-layout.h), the guest memory accessors of C helpers, the
 * code-page lookup of the translator, and the flushes (CR3, INVLPG, CR0/CR4
 * mode changes, A20, memory map changes). A flush also drops the jump
 * cache entries (tb.c) of what it flushes: the linear pc may now map other
 * code, and a block from the old page must not be found by pc.
 *
 * An entry maps one 4 KiB linear page per MMU index (kernel, user) to a
 * host pointer (RAM/ROM) or marks it TLB_MMIO (device or unassigned
 * memory, ROM writes), which the slow path sends to as_read/as_write under
 * the big lock. Pages holding translated code have TLB_NOTDIRTY on their
 * write entry: the slow path invalidates the TBs a store hits, and when the
 * store hits the TB that is running, re-runs the instruction alone (see
 * docs/tcg.md, "Self-modifying code"). Accesses that cross a page are done
 * byte by byte after both pages are checked, so a fault on the second page
 * leaves memory untouched.
 *
 * Ref: Intel SDM Vol. 3A 4.10 (TLBs, global pages, INVLPG).
 * Missing: a victim TLB; page-crossing MMIO accesses are split into bytes.
 */
#include "kestrel/osdep.h"
#include "kestrel/bql.h"
#include "kestrel/log.h"
#include "tcg/tcg-backend.h"
#include "cpu/x86/translate.h"
#include "accel/tcg/tcg-cpu.h"
#include "kestrel/guest-debug.h"

static GPtrArray *tcg_cpus;             /* every TcgCpu, for remote flushes */
static GMutex tcg_cpus_lock;

static inline unsigned tlb_index(vaddr addr)
{
    return (addr >> TLB_PAGE_BITS) & (TLB_ENTRIES - 1);
}

static void tlb_entry_invalidate(TcgCpu *tc, unsigned mode, unsigned i)
{
    memset(&tc->tlb.e[mode][i], 0xff, sizeof(TlbEntry));
    tc->iotlb[mode][i] = (TlbIotlb) { .vpage = (vaddr)-1 };
}

void tlb_flush(TcgCpu *tc)
{
    memset(&tc->tlb, 0xff, sizeof(tc->tlb));
    for (unsigned m = 0; m < TLB_MMU_MODES; m++) {
        for (unsigned i = 0; i < TLB_ENTRIES; i++) {
            tc->iotlb[m][i] = (TlbIotlb) { .vpage = (vaddr)-1 };
        }
    }
    tc->large_page_addr = 0;
    tc->large_page_mask = 0;
    tb_jmp_cache_clear(tc);
}

void tlb_flush_nonglobal(TcgCpu *tc)
{
    for (unsigned m = 0; m < TLB_MMU_MODES; m++) {
        for (unsigned i = 0; i < TLB_ENTRIES; i++) {
            if (!tc->iotlb[m][i].global) {
                tlb_entry_invalidate(tc, m, i);
            }
        }
    }
    /* global large pages may remain: keep the range (over-flushes later) */
    tb_jmp_cache_clear(tc);
}

void tlb_flush_page(TcgCpu *tc, vaddr addr)
{
    vaddr page = addr & TLB_PAGE_MASK;
    unsigned i = tlb_index(addr);

    if (tc->large_page_mask &&
        (addr & tc->large_page_mask) == tc->large_page_addr) {
        tlb_flush(tc);                  /* 4 KiB pieces of a large page */
        return;
    }
    for (unsigned m = 0; m < TLB_MMU_MODES; m++) {
        if (tc->iotlb[m][i].vpage == page) {
            tlb_entry_invalidate(tc, m, i);
        }
    }
    tb_jmp_cache_clear_page(tc, page);
}

/* Remember the linear range large pages cover, for INVLPG. */
static void tlb_add_large_page(TcgCpu *tc, vaddr addr, uint64_t size)
{
    vaddr mask = ~(vaddr)(size - 1);

    if (tc->large_page_mask) {
        mask &= tc->large_page_mask;
        while ((tc->large_page_addr & mask) != (addr & mask)) {
            mask <<= 1;
        }
    }
    tc->large_page_addr = addr & mask;
    tc->large_page_mask = mask;
}

/* Fill the entry for @addr or raise #PF (restoring state from @ra). */
static void tlb_fill(TcgCpu *tc, vaddr addr, X86Access acc,
                     unsigned mmu_idx, uintptr_t ra)
{
    X86CPUState *env = &tc->env;
    X86PageResult r;
    unsigned i = tlb_index(addr);
    TlbEntry *e = &tc->tlb.e[mmu_idx][i];
    TlbIotlb *io = &tc->iotlb[mmu_idx][i];
    vaddr vpage = addr & TLB_PAGE_MASK;
    uint64_t flags = TLB_MMIO, wflags = 0, watch = 0;
    const FlatRange *f;
    hwaddr ppage;

    if (!x86_mmu_translate(env, addr, acc, mmu_idx, &r)) {
        raise_page_fault(env, addr, r.error_code, ra);
    }
    if (r.page_size > TLB_PAGE_SIZE) {
        tlb_add_large_page(tc, addr, r.page_size);
    }
    ppage = r.paddr & TLB_PAGE_MASK;
    f = as_lookup(&address_space_memory, ppage);
    *io = (TlbIotlb) { .vpage = vpage, .paddr = ppage, .global = r.global };
    e->addend = 0;
    if (f && f->mr->kind != MR_IO && f->end >= ppage + TLB_PAGE_SIZE - 1) {
        io->mr = f->mr;
        io->mr_offset = ppage - f->start + f->offset;
        e->addend = (uintptr_t)(f->mr->host + io->mr_offset) - vpage;
        flags = 0;
        if (f->readonly) {
            wflags = TLB_MMIO;          /* ROM: the core drops the write */
        } else if (mr_page_has_code(f->mr, io->mr_offset)) {
            wflags = TLB_NOTDIRTY;
        }
    }
    if (guest_debug_nr_wp && guest_debug_page_watched(vpage)) {
        watch = TLB_WATCH;              /* every access checks */
    }
    e->addr_read = (r.prot & X86_PROT_READ) ? vpage | flags | watch
                                            : (uint64_t)-1;
    e->addr_write = (r.prot & X86_PROT_WRITE) ? vpage | flags | wflags | watch
                                              : (uint64_t)-1;
    e->addr_code = (r.prot & X86_PROT_EXEC) ? vpage | flags : (uint64_t)-1;
}

static inline bool tlb_hit(uint64_t tlb_addr, vaddr addr)
{
    return (tlb_addr & (TLB_PAGE_MASK | TLB_INVALID)) ==
           (addr & TLB_PAGE_MASK);
}

/* An access to a page with a watchpoint. On a hit, go back to the start
 * of the instruction and run it alone; the loop stops after it (the x86
 * reports data breakpoints after the access, and so does GDB expect). */
static void tlb_check_watch(TcgCpu *tc, vaddr addr, unsigned size,
                            bool is_write, uintptr_t ra)
{
    if (tc->watch_hit || !tc->cpu ||
        !guest_debug_check_watch(tc->cpu, addr, size, is_write)) {
        return;
    }
    tc->watch_hit = true;
    tcg_cpu_restore_state(tc, ra);
    tc->next_tb_max_insns = 1;
    tcg_cpu_loop_exit(tc);
}

/* RAM at host address p, little-endian, size 1..8: a constant-size copy
 * per common size compiles to one move (a memcpy call costs more than
 * the rest of a descriptor or stack access). */
static inline uint64_t host_ld(const void *p, unsigned size)
{
    uint64_t v = 0;

    switch (size) {
    case 1:
        return *(const uint8_t *)p;
    case 2:
        memcpy(&v, p, 2);
        return v;
    case 4:
        memcpy(&v, p, 4);
        return v;
    case 8:
        memcpy(&v, p, 8);
        return v;
    default:
        memcpy(&v, p, size);
        return v;
    }
}

static inline void host_st(void *p, uint64_t v, unsigned size)
{
    switch (size) {
    case 1:
        *(uint8_t *)p = v;
        break;
    case 2:
        memcpy(p, &v, 2);
        break;
    case 4:
        memcpy(p, &v, 4);
        break;
    case 8:
        memcpy(p, &v, 8);
        break;
    default:
        memcpy(p, &v, size);
        break;
    }
}

/* One access inside a page, when it misses the TLB, is watched or is MMIO. */
static __attribute__((noinline)) uint64_t
tlb_ld_page_slow(TcgCpu *tc, vaddr addr, unsigned size, unsigned mmu_idx,
                 uintptr_t ra)
{
    unsigned i = tlb_index(addr);
    TlbEntry *e = &tc->tlb.e[mmu_idx][i];
    uint64_t val = 0;

    if (!tlb_hit(e->addr_read, addr)) {
        tlb_fill(tc, addr, X86_ACC_READ, mmu_idx, ra);
    }
    if (e->addr_read & TLB_WATCH) {
        tlb_check_watch(tc, addr, size, false, ra);
    }
    if (e->addr_read & TLB_MMIO) {
        hwaddr pa = tc->iotlb[mmu_idx][i].paddr | (addr & ~TLB_PAGE_MASK);

        if (tcg_interp_hooks) {
            tcg_interp_hooks->slow();
        }
        bql_lock();
        val = as_read(&address_space_memory, pa, size, NULL);
        bql_unlock();
        return val;
    }
    val = host_ld((void *)(uintptr_t)(addr + e->addend), size);
    return val;
}

/* A store to a page with translated code: invalidate what it hits. */
static void tlb_notdirty_write(TcgCpu *tc, TlbIotlb *io, TlbEntry *e,
                               vaddr addr, unsigned size, uintptr_t ra)
{
    uint64_t off = io->mr_offset | (addr & ~TLB_PAGE_MASK);
    TranslationBlock *cur = ra ? tb_find_by_host_pc(ra) : NULL;

    if (tb_invalidate_range(io->mr, off, size, cur) && cur->max_insns != 1) {
        /* The running TB changed under itself: redo this instruction
         * alone, then translate afresh from the next one. */
        tcg_cpu_restore_state(tc, ra);
        tc->next_tb_max_insns = 1;
        tcg_cpu_loop_exit(tc);
    }
    if (!mr_page_has_code(io->mr, io->mr_offset)) {
        e->addr_write &= ~(uint64_t)TLB_NOTDIRTY;
    }
}

/* A store that misses, is watched, MMIO, or on a page holding code. */
static __attribute__((noinline)) void
tlb_st_page_slow(TcgCpu *tc, vaddr addr, uint64_t val, unsigned size,
                 unsigned mmu_idx, uintptr_t ra)
{
    unsigned i = tlb_index(addr);
    TlbEntry *e = &tc->tlb.e[mmu_idx][i];
    TlbIotlb *io = &tc->iotlb[mmu_idx][i];

    if (!tlb_hit(e->addr_write, addr)) {
        tlb_fill(tc, addr, X86_ACC_WRITE, mmu_idx, ra);
    }
    if (e->addr_write & TLB_WATCH) {
        tlb_check_watch(tc, addr, size, true, ra);
    }
    if (tcg_interp_hooks && (e->addr_write & (TLB_MMIO | TLB_NOTDIRTY))) {
        tcg_interp_hooks->slow();       /* selfcheck: cannot undo these */
    }
    if (e->addr_write & TLB_MMIO) {
        bql_lock();
        as_write(&address_space_memory, io->paddr | (addr & ~TLB_PAGE_MASK),
                 val, size);
        bql_unlock();
        return;
    }
    if (e->addr_write & TLB_NOTDIRTY) {
        tlb_notdirty_write(tc, io, e, addr, size, ra);
    }
    if (tcg_interp_hooks) {
        tcg_interp_hooks->store((void *)(uintptr_t)(addr + e->addend), size,
                                val);
    }
    host_st((void *)(uintptr_t)(addr + e->addend), val, size);
}

/*
 * The common case of a helper's access, a RAM page in the TLB that is not
 * watched (and for stores holds no code), inline in cpu_ld_mmu/cpu_st_mmu;
 * the rest out of line, so that a hit saves no registers (about 50 host
 * instructions a hit before, 32 of them saving and restoring).
 */
static inline uint64_t tlb_ld_page(TcgCpu *tc, vaddr addr, unsigned size,
                                   unsigned mmu_idx, uintptr_t ra)
{
    const TlbEntry *e = &tc->tlb.e[mmu_idx][tlb_index(addr)];

    if (likely((e->addr_read & (TLB_PAGE_MASK | TLB_INVALID | TLB_MMIO |
                                TLB_WATCH)) == (addr & TLB_PAGE_MASK))) {
        return host_ld((void *)(uintptr_t)(addr + e->addend), size);
    }
    return tlb_ld_page_slow(tc, addr, size, mmu_idx, ra);
}

static inline void tlb_st_page(TcgCpu *tc, vaddr addr, uint64_t val,
                               unsigned size, unsigned mmu_idx, uintptr_t ra)
{
    const TlbEntry *e = &tc->tlb.e[mmu_idx][tlb_index(addr)];

    if (likely((e->addr_write & (TLB_PAGE_MASK | TLB_INVALID | TLB_MMIO |
                                 TLB_WATCH | TLB_NOTDIRTY)) ==
               (addr & TLB_PAGE_MASK) && !tcg_interp_hooks)) {
        host_st((void *)(uintptr_t)(addr + e->addend), val, size);
        return;
    }
    tlb_st_page_slow(tc, addr, val, size, mmu_idx, ra);
}

/* Linear addresses wrap at 4 GiB outside IA-32e mode. In it they are 64
 * bits and must be canonical: the fast path never holds a non-canonical
 * page, so the check here is exact. */
static inline vaddr tlb_wrap(const X86CPUState *env, vaddr addr)
{
    return (env->hflags & HF_LMA) ? addr : addr & 0xffffffffull;
}

static vaddr tlb_linear(X86CPUState *env, vaddr addr, uintptr_t ra)
{
    if ((env->hflags & HF_LMA) &&
        (uint64_t)(((int64_t)addr << 16) >> 16) != addr) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    return tlb_wrap(env, addr);
}

static inline bool crosses_page(vaddr addr, unsigned size)
{
    return ((addr ^ (addr + size - 1)) & TLB_PAGE_MASK) != 0;
}

uint64_t cpu_ld_mmu(X86CPUState *env, vaddr addr, unsigned mmu_idx,
                    unsigned size, uintptr_t ra)
{
    TcgCpu *tc = tcg_cpu(env);
    uint64_t val = 0;

    addr = tlb_linear(env, addr, ra);
    if (likely(!crosses_page(addr, size))) {
        return tlb_ld_page(tc, addr, size, mmu_idx, ra);
    }
    for (unsigned b = 0; b < size; b++) {
        val |= tlb_ld_page(tc, tlb_wrap(env, addr + b), 1, mmu_idx,
                           ra) << (b * 8);
    }
    return val;
}

void cpu_st_mmu(X86CPUState *env, vaddr addr, uint64_t val,
                unsigned mmu_idx, unsigned size, uintptr_t ra)
{
    TcgCpu *tc = tcg_cpu(env);
    vaddr last;

    addr = tlb_linear(env, addr, ra);
    if (likely(!crosses_page(addr, size))) {
        tlb_st_page(tc, addr, val, size, mmu_idx, ra);
        return;
    }
    /* check both pages first: a fault must not leave half a store */
    last = tlb_wrap(env, addr + size - 1) & TLB_PAGE_MASK;  /* CR2 */
    if (!tlb_hit(tc->tlb.e[mmu_idx][tlb_index(addr)].addr_write, addr)) {
        tlb_fill(tc, addr, X86_ACC_WRITE, mmu_idx, ra);
    }
    if (!tlb_hit(tc->tlb.e[mmu_idx][tlb_index(last)].addr_write, last)) {
        tlb_fill(tc, last, X86_ACC_WRITE, mmu_idx, ra);
    }
    for (unsigned b = 0; b < size; b++) {
        tlb_st_page(tc, tlb_wrap(env, addr + b), (val >> (b * 8)) & 0xff,
                    1, mmu_idx, ra);
    }
}

uint64_t tlb_slow_ld(CPUEnv *env, uint64_t addr, unsigned mmu_idx,
                     unsigned memop, uintptr_t ra)
{
    return cpu_ld_mmu(env, addr, mmu_idx, 1u << (memop & MO_SIZE), ra);
}

void tlb_slow_st(CPUEnv *env, uint64_t addr, uint64_t val,
                 unsigned mmu_idx, unsigned memop, uintptr_t ra)
{
    cpu_st_mmu(env, addr, val, mmu_idx, 1u << (memop & MO_SIZE), ra);
}

bool tlb_code_page(TcgCpu *tc, vaddr addr, bool may_fault, TlbCodePage *cp)
{
    X86CPUState *env = &tc->env;
    X86PageResult r;
    const FlatRange *f;

    if ((env->hflags & HF_LMA) &&
        (uint64_t)(((int64_t)addr << 16) >> 16) != addr) {
        if (may_fault) {
            raise_exception_err_ra(env, EXCP_GP, 0, 0);
        }
        return false;
    }
    addr = tlb_wrap(env, addr);
    if (!x86_mmu_translate(env, addr, X86_ACC_FETCH,
                           x86_mmu_index(env->hflags), &r)) {
        if (may_fault) {
            raise_page_fault(env, addr, r.error_code, 0);
        }
        return false;
    }
    *cp = (TlbCodePage) { .paddr = r.paddr };
    f = as_lookup(&address_space_memory, r.paddr);
    if (f && f->mr->kind != MR_IO) {
        cp->mr = f->mr;
        cp->mr_offset = r.paddr - f->start + f->offset;
        cp->host = f->mr->host + cp->mr_offset;
    }
    return true;
}

void tlb_set_notdirty(MemRegion *mr, uint64_t page_off)
{
    page_off &= TLB_PAGE_MASK;
    g_mutex_lock(&tcg_cpus_lock);
    for (guint c = 0; tcg_cpus && c < tcg_cpus->len; c++) {
        TcgCpu *tc = tcg_cpus->pdata[c];

        for (unsigned m = 0; m < TLB_MMU_MODES; m++) {
            for (unsigned i = 0; i < TLB_ENTRIES; i++) {
                TlbIotlb *io = &tc->iotlb[m][i];
                TlbEntry *e = &tc->tlb.e[m][i];

                if (io->mr == mr && io->mr_offset == page_off &&
                    !(e->addr_write & TLB_INVALID)) {
                    __atomic_or_fetch(&e->addr_write, TLB_NOTDIRTY,
                                      __ATOMIC_SEQ_CST);
                }
            }
        }
    }
    g_mutex_unlock(&tcg_cpus_lock);
}

void tlb_process_pending(TcgCpu *tc)
{
    uint64_t a20;

    /* runs between every two blocks: a plain load first, the locked
     * exchange only when something is pending (a request that arrives
     * after the load is seen at the next boundary, as after an exchange) */
    if (!__atomic_load_n(&tc->a20_pending, __ATOMIC_ACQUIRE) &&
        !__atomic_load_n(&tc->tlb_flush_pending, __ATOMIC_ACQUIRE)) {
        return;
    }
    a20 = __atomic_exchange_n(&tc->a20_pending, 0, __ATOMIC_ACQ_REL);
    if (a20) {
        tc->env.a20_mask = a20;
        tc->cpu->env.a20_mask = a20;
    }
    if (__atomic_exchange_n(&tc->tlb_flush_pending, 0, __ATOMIC_ACQ_REL) ||
        a20) {
        tlb_flush(tc);
    }
}

/* The memory map changed: host pointers in every TLB may be stale. */
static void tlb_memory_changed(AddressSpace *as, void *opaque)
{
    g_mutex_lock(&tcg_cpus_lock);
    for (guint c = 0; c < tcg_cpus->len; c++) {
        TcgCpu *tc = tcg_cpus->pdata[c];

        __atomic_store_n(&tc->tlb_flush_pending, 1, __ATOMIC_RELEASE);
        if (tc == tcg_cpu_current()) {
            tlb_process_pending(tc);
        } else if (tc->cpu) {
            cpu_exit(tc->cpu);
        }
    }
    g_mutex_unlock(&tcg_cpus_lock);
}

TcgCpu *tcg_cpu_new(X86CPU *cpu)
{
    TcgCpu *tc = g_new0(TcgCpu, 1);

    tc->cpu = cpu;
    if (cpu) {
        tc->env = cpu->env;
    }
    tlb_flush(tc);
    g_mutex_lock(&tcg_cpus_lock);
    if (!tcg_cpus) {
        tcg_cpus = g_ptr_array_new();
        as_add_listener(&address_space_memory, tlb_memory_changed, NULL);
    }
    g_ptr_array_add(tcg_cpus, tc);
    g_mutex_unlock(&tcg_cpus_lock);
    return tc;
}

void tcg_cpu_free(TcgCpu *tc)
{
    g_mutex_lock(&tcg_cpus_lock);
    g_ptr_array_remove(tcg_cpus, tc);
    g_mutex_unlock(&tcg_cpus_lock);
    g_free(tc);
}

void tcg_cpu_restore_state(TcgCpu *tc, uintptr_t ra)
{
    uint64_t data[TCG_INSN_START_WORDS];
    TranslationBlock *tb = ra ? tb_find_by_host_pc(ra) : NULL;

    if (tb && tcg_restore_state(tb->code, ra, data)) {
        x86_restore_state(&tc->env, data);
    }
}
