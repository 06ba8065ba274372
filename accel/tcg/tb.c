/* SPDX-License-Identifier: MIT */
/*
 * The translation block cache: translate (through cpu/x86/translate.c and
 * tcg_gen_code), look up by key, chain, invalidate on writes to code, and
 * flush everything when the code buffer is full. exec.c drives it; tlb.c
 * calls in for stores to pages with code; the memory core calls
 * mem_code_write_hook for DMA and other writes to such pages.
 *
 * Key: the RAM region and offset of the first code byte (so a PAM or BAR
 * remap never reuses a block for other bytes), CS base, EIP (as the linear
 * pc), the hflags word and the instruction limit. Per-vCPU jump caches,
 * indexed by linear pc, are cleared with the TLB (tlb.c: a linear page may
 * now map other code) and after another vCPU flushed the cache; the shared
 * hash table behind them is exact. Every page holding a block is marked in
 * its region's code_pages bitmap and listed in a page table of blocks; a write
 * there invalidates the overlapping blocks, which unchains every jump into
 * them. Invalidated blocks stay allocated until the next full flush (a
 * vCPU may still be running one).
 *
 * Threads: one lock (tb_lock) for all of it; TB code may run on any vCPU.
 * Missing: a full flush while another vCPU runs code is not synchronized;
 * vCPUs take turns (exec.c), so none does, and each one drops its jump
 * cache when it sees tb_flush_count() move.
 */
#include "kestrel/osdep.h"
#include "kestrel/bql.h"
#include "kestrel/log.h"
#include "kestrel/guest-debug.h"
#include "tcg/tcg-backend.h"
#include "cpu/x86/translate.h"
#include "accel/tcg/log-host-code.h"
#include "accel/tcg/tcg-cpu.h"

#define TB_HASH_BITS 16

typedef struct PageKey {
    MemRegion *mr;
    uint64_t page;                      /* offset in mr, page aligned */
} PageKey;

static GMutex tb_lock;
static TranslationBlock *tb_hash[1u << TB_HASH_BITS];
static GPtrArray *tb_all;               /* in code buffer order */
static GHashTable *tb_pages;            /* PageKey -> GPtrArray of TBs */
static unsigned tb_flushes;
static TCGContext *tb_ctx;
static bool tb_jit;                     /* tb_ctx makes host code */
static X86Translator *tb_xt;

static guint page_key_hash(gconstpointer k)
{
    const PageKey *p = k;

    return g_direct_hash(p->mr) ^ (guint)(p->page >> 12) * 2654435761u;
}

static gboolean page_key_equal(gconstpointer a, gconstpointer b)
{
    const PageKey *x = a, *y = b;

    return x->mr == y->mr && x->page == y->page;
}

static unsigned tb_hash_index(MemRegion *mr, uint64_t off, uint64_t pc,
                              uint64_t cs_base, uint32_t flags,
                              unsigned max_insns)
{
    uint64_t h = ((uintptr_t)mr ^ off) * 0x9e3779b97f4a7c15ull;

    h ^= (pc * 0xc2b2ae3d27d4eb4full) ^ cs_base ^ ((uint64_t)flags << 32) ^
         max_insns;
    h *= 0x165667b19e3779f9ull;
    return h >> (64 - TB_HASH_BITS);
}

/* The jump cache is TB_JMP_PAGE_SLOTS groups of TB_JMP_PAGE_SLOTS slots:
 * the page of pc picks the group, so one page's blocks sit in one group
 * and INVLPG clears TB_JMP_PAGE_SLOTS entries, not the whole cache. Two
 * multiplicative hashes of the offset in the page give each pc two slots
 * in its group. A new block takes its first slot and the block there
 * moves to its own second one, so blocks that share a slot both stay
 * (with one slot per pc, two pairs of nearby blocks of the kernel's
 * SYSENTER path evicted each other: 4 hash-table lookups per getppid). */
#define TB_JMP_PAGE_BITS  (TB_JMP_CACHE_BITS / 2)
#define TB_JMP_PAGE_SLOTS (1u << TB_JMP_PAGE_BITS)
#define JC_HASH1          0x9e3779b1u
#define JC_HASH2          0x85ebca6bu

static inline unsigned jc_group(uint64_t pc)
{
    uint64_t page = pc >> TLB_PAGE_BITS;

    return ((page ^ (page >> TB_JMP_PAGE_BITS)) & (TB_JMP_PAGE_SLOTS - 1))
           << TB_JMP_PAGE_BITS;
}

static inline unsigned jc_slot(uint64_t pc, uint32_t mul)
{
    uint32_t off = pc & ~TLB_PAGE_MASK;

    return jc_group(pc) | (off * mul) >> (32 - TB_JMP_PAGE_BITS);
}

static inline bool jc_match(const TranslationBlock *tb, uint64_t pc,
                            uint64_t cs_base, uint32_t flags,
                            unsigned max_insns)
{
    return tb && tb->pc == pc && tb->cs_base == cs_base &&
           tb->flags == flags && tb->max_insns == max_insns && !tb->invalid;
}

static void jc_insert(TcgCpu *tc, TranslationBlock *tb)
{
    unsigned i = jc_slot(tb->pc, JC_HASH1);
    TranslationBlock *old = tc->jmp_cache[i];

    if (old && old != tb && jc_slot(old->pc, JC_HASH1) == i) {
        tc->jmp_cache[jc_slot(old->pc, JC_HASH2)] = old;
    }
    tc->jmp_cache[i] = tb;
}

void tb_jmp_cache_clear(TcgCpu *tc)
{
    memset(tc->jmp_cache, 0, sizeof(tc->jmp_cache));
    tc->jmp_cache_flushes = __atomic_load_n(&tb_flushes, __ATOMIC_ACQUIRE);
}

void tb_jmp_cache_clear_page(TcgCpu *tc, uint64_t addr)
{
    uint64_t page = addr & TLB_PAGE_MASK;

    /* and the page before: its blocks may run on into this one */
    memset(&tc->jmp_cache[jc_group(page)], 0,
           TB_JMP_PAGE_SLOTS * sizeof(tc->jmp_cache[0]));
    memset(&tc->jmp_cache[jc_group(page - TLB_PAGE_SIZE)], 0,
           TB_JMP_PAGE_SLOTS * sizeof(tc->jmp_cache[0]));
}

bool tb_cache_init(bool jit, GError **errp)
{
    tb_jit = jit;
    if (tb_ctx) {
        tcg_context_set_jit(tb_ctx, jit);
        return true;
    }
    if (!tcg_init(0, errp)) {
        return false;
    }
    tb_ctx = tcg_context_new();
    tcg_context_set_jit(tb_ctx, jit);
    tb_xt = x86_translator_new(tb_ctx);
    tb_all = g_ptr_array_new();
    tb_pages = g_hash_table_new_full(page_key_hash, page_key_equal, g_free,
                                     (GDestroyNotify)g_ptr_array_unref);
    return true;
}

unsigned tb_count(void)
{
    return tb_all ? tb_all->len : 0;
}

unsigned tb_flush_count(void)
{
    return tb_flushes;
}

/* ---- lookup ---- */

static bool tb_matches(const TranslationBlock *tb, MemRegion *mr,
                       uint64_t off, uint64_t pc, uint64_t cs_base,
                       uint32_t flags, unsigned max_insns)
{
    return tb->pc == pc && tb->cs_base == cs_base && tb->flags == flags &&
           tb->max_insns == max_insns && tb->page_mr[0] == mr &&
           tb->page_off[0] == off;
}

/* The second page of @tb is still mapped where it was translated from. */
static bool tb_second_page_ok(TcgCpu *tc, const TranslationBlock *tb)
{
    TlbCodePage cp;

    if (!tb->page_mr[1]) {
        return true;
    }
    return tlb_code_page(tc, (tb->pc & TLB_PAGE_MASK) + TLB_PAGE_SIZE,
                         false, &cp) &&
           cp.mr == tb->page_mr[1] &&
           (cp.mr_offset & TLB_PAGE_MASK) == tb->page_off[1];
}

static bool tb_jmp_cache_stale(const TcgCpu *tc)
{
    return tc->jmp_cache_flushes != __atomic_load_n(&tb_flushes,
                                                    __ATOMIC_ACQUIRE);
}

/* A jump cache miss: the shared hash table. Out of line, so that a hit
 * (about 50 per Linux system call) saves no registers. */
static __attribute__((noinline)) TranslationBlock *
tb_lookup_hash(TcgCpu *tc, uint64_t pc, uint64_t cs_base, uint32_t flags,
               unsigned max_insns)
{
    TranslationBlock *tb;
    TlbCodePage cp;
    uint64_t off;

    /* another vCPU flushed the cache: our jump cache points at freed TBs */
    if (tb_jmp_cache_stale(tc)) {
        tb_jmp_cache_clear(tc);
    }
    if (!tlb_code_page(tc, pc, false, &cp) || !cp.mr) {
        return NULL;
    }
    off = cp.mr_offset & TLB_PAGE_MASK;
    g_mutex_lock(&tb_lock);
    tb = tb_hash[tb_hash_index(cp.mr, off, pc, cs_base, flags, max_insns)];
    while (tb && !tb_matches(tb, cp.mr, off, pc, cs_base, flags,
                             max_insns)) {
        tb = tb->hash_next;
    }
    g_mutex_unlock(&tb_lock);
    if (tb && !tb_second_page_ok(tc, tb)) {
        return NULL;
    }
    if (tb) {
        jc_insert(tc, tb);
    }
    return tb;
}

TranslationBlock *tb_lookup(TcgCpu *tc, uint64_t pc, uint64_t cs_base,
                            uint32_t flags, unsigned max_insns)
{
    TranslationBlock *tb;

    if (tb_jmp_cache_stale(tc)) {
        return tb_lookup_hash(tc, pc, cs_base, flags, max_insns);
    }
    tb = tc->jmp_cache[jc_slot(pc, JC_HASH1)];
    if (jc_match(tb, pc, cs_base, flags, max_insns)) {
        return tb;
    }
    tb = tc->jmp_cache[jc_slot(pc, JC_HASH2)];
    if (jc_match(tb, pc, cs_base, flags, max_insns)) {
        return tb;
    }
    return tb_lookup_hash(tc, pc, cs_base, flags, max_insns);
}

TranslationBlock *tb_find_by_host_pc(uintptr_t ra)
{
    TranslationBlock *found = NULL;
    unsigned lo = 0, hi;

    g_mutex_lock(&tb_lock);
    hi = tb_all ? tb_all->len : 0;
    while (lo < hi) {                   /* last TB with code < ra */
        unsigned mid = (lo + hi) / 2;
        TranslationBlock *tb = tb_all->pdata[mid];

        if ((uintptr_t)tb->code < ra) {
            found = tb;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (found && ra > (uintptr_t)found->code + found->code_size) {
        found = NULL;
    }
    g_mutex_unlock(&tb_lock);
    return found;
}

/* ---- pages ---- */

static GPtrArray *page_tbs(MemRegion *mr, uint64_t page, bool create)
{
    PageKey key = { .mr = mr, .page = page };
    GPtrArray *a = g_hash_table_lookup(tb_pages, &key);

    if (!a && create) {
        a = g_ptr_array_new();
        g_hash_table_insert(tb_pages, g_memdup2(&key, sizeof(key)), a);
        mr_set_code_page(mr, page, true);
        tlb_set_notdirty(mr, page);
    }
    return a;
}

/* Bytes of @tb on its page @n: [*start, *start + *len) in page_off[n]. */
static void tb_page_range(const TranslationBlock *tb, unsigned n,
                          uint64_t *start, uint64_t *len)
{
    uint64_t first = tb->pc & ~TLB_PAGE_MASK;
    uint64_t len0 = MIN(tb->size, TLB_PAGE_SIZE - first);

    *start = tb->page_off[n] + (n ? 0 : first);
    *len = n ? tb->size - len0 : len0;
}

/* ---- chaining ---- */

#define JMP_TAG(tb, n) ((gpointer)((uintptr_t)(tb) | (n)))
#define JMP_TB(p)      ((TranslationBlock *)((uintptr_t)(p) & ~(uintptr_t)1))
#define JMP_N(p)       ((unsigned)((uintptr_t)(p) & 1))

void tb_add_jump(TranslationBlock *from, unsigned n, TranslationBlock *to)
{
    g_mutex_lock(&tb_lock);
    if (!from->invalid && !to->invalid && !from->jmp_dest[n] &&
        !to->uncached && !from->uncached && !to->page_mr[1]) {
        from->jmp_dest[n] = to;
        to->jmp_incoming = g_slist_prepend(to->jmp_incoming,
                                           JMP_TAG(from, n));
        tcg_patch_goto_tb(from->code, n, to->code);
    }
    g_mutex_unlock(&tb_lock);
}

static void tb_invalidate_locked(TranslationBlock *tb)
{
    unsigned h;
    TranslationBlock **pp;

    tb->invalid = true;
    /* jumps into tb go back to their exits */
    for (GSList *l = tb->jmp_incoming; l; l = l->next) {
        TranslationBlock *src = JMP_TB(l->data);
        unsigned n = JMP_N(l->data);

        if (src->jmp_dest[n] == tb) {
            tcg_unpatch_goto_tb(src->code, n);
            src->jmp_dest[n] = NULL;
        }
    }
    g_clear_pointer(&tb->jmp_incoming, g_slist_free);
    /* and out of the lists of the TBs it jumps to */
    for (unsigned n = 0; n < 2; n++) {
        TranslationBlock *dst = tb->jmp_dest[n];

        if (dst) {
            dst->jmp_incoming = g_slist_remove(dst->jmp_incoming,
                                               JMP_TAG(tb, n));
            tb->jmp_dest[n] = NULL;
        }
    }
    h = tb_hash_index(tb->page_mr[0], tb->page_off[0], tb->pc, tb->cs_base,
                      tb->flags, tb->max_insns);
    for (pp = &tb_hash[h]; *pp; pp = &(*pp)->hash_next) {
        if (*pp == tb) {
            *pp = tb->hash_next;
            break;
        }
    }
    for (unsigned n = 0; n < 2 && tb->page_mr[n]; n++) {
        GPtrArray *a = page_tbs(tb->page_mr[n], tb->page_off[n], false);

        if (a) {
            g_ptr_array_remove_fast(a, tb);
            if (!a->len) {
                PageKey key = { tb->page_mr[n], tb->page_off[n] };

                mr_set_code_page(tb->page_mr[n], tb->page_off[n], false);
                g_hash_table_remove(tb_pages, &key);
            }
        }
    }
}

bool tb_invalidate_range(MemRegion *mr, uint64_t offset, uint64_t len,
                         TranslationBlock *current)
{
    bool hit_current = false;
    uint64_t end = offset + len;

    g_mutex_lock(&tb_lock);
    for (uint64_t pg = offset & TLB_PAGE_MASK; pg < end;
         pg += TLB_PAGE_SIZE) {
        GPtrArray *a = tb_pages ? page_tbs(mr, pg, false) : NULL;

        for (guint i = 0; a && i < a->len;) {
            TranslationBlock *tb = a->pdata[i];
            unsigned n = tb->page_mr[0] == mr && tb->page_off[0] == pg
                         ? 0 : 1;
            uint64_t s, l;

            tb_page_range(tb, n, &s, &l);
            if (s < end && offset < s + l) {
                ks_log_mask(LOG_EXEC, "SMC: invalidate TB at 0x%08" PRIx64
                            "\n", tb->pc);
                hit_current |= tb == current;
                a = a->len == 1 ? NULL : a;     /* freed with its last TB */
                tb_invalidate_locked(tb);
            } else {
                i++;
            }
        }
    }
    g_mutex_unlock(&tb_lock);
    return hit_current;
}

static void tb_code_write_hook(MemRegion *mr, uint64_t offset, uint64_t len)
{
    tb_invalidate_range(mr, offset, len, NULL);
}

/* ---- flush ---- */

static void tb_flush_locked(void)
{
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, tb_pages);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        PageKey *pk = key;

        mr_set_code_page(pk->mr, pk->page, false);
    }
    g_hash_table_remove_all(tb_pages);
    for (guint i = 0; i < tb_all->len; i++) {
        TranslationBlock *tb = tb_all->pdata[i];

        g_slist_free(tb->jmp_incoming);
        g_free(tb);
    }
    g_ptr_array_set_size(tb_all, 0);
    memset(tb_hash, 0, sizeof(tb_hash));
    tcg_code_flush();
    __atomic_store_n(&tb_flushes, tb_flushes + 1, __ATOMIC_RELEASE);
    ks_log_mask(LOG_EXEC, "TB cache flushed (%u)\n", tb_flushes);
}

void tb_flush_all(void)
{
    TcgCpu *self = tcg_cpu_current();

    g_mutex_lock(&tb_lock);
    tb_flush_locked();
    g_mutex_unlock(&tb_lock);
    if (self) {
        tb_jmp_cache_clear(self);
    }
}

/* ---- translation ---- */

typedef struct FetchCtx {
    TcgCpu *tc;
    TranslationBlock *tb;
} FetchCtx;

static size_t tb_fetch(void *opaque, vaddr addr, uint8_t *buf, size_t len,
                       bool may_fault)
{
    FetchCtx *fc = opaque;
    TranslationBlock *tb = fc->tb;
    unsigned n = ((addr ^ tb->pc) & TLB_PAGE_MASK) ? 1 : 0;
    TlbCodePage cp;

    if (!tlb_code_page(fc->tc, addr, false, &cp)) {
        if (!may_fault) {
            return 0;
        }
        g_free(tb);
        g_mutex_unlock(&tb_lock);
        tlb_code_page(fc->tc, addr, true, &cp);     /* raises #PF */
    }
    if (!cp.mr) {
        tb->uncached = true;            /* code outside RAM and ROM */
        bql_lock();
        for (size_t i = 0; i < len; i++) {
            buf[i] = as_read(&address_space_memory, cp.paddr + i, 1, NULL);
        }
        bql_unlock();
        return len;
    }
    tb->page_mr[n] = cp.mr;
    tb->page_off[n] = cp.mr_offset & TLB_PAGE_MASK;
    memcpy(buf, cp.host, len);
    return len;
}

/* @shadow: an interpreter copy for selfcheck.c, kept out of the cache */
static TranslationBlock *tb_gen(TcgCpu *tc, uint64_t pc, uint64_t cs_base,
                                uint32_t flags, unsigned max_insns,
                                bool shadow)
{
    TranslationBlock *tb = g_new0(TranslationBlock, 1);
    FetchCtx fc = { .tc = tc, .tb = tb };
    X86TranslateParams p = {
        .pc = pc, .cs_base = cs_base, .hflags = flags,
        .mmu_idx = x86_mmu_index(flags),
        .features = x86_cpu_model_insn_features(x86_cpu_machine_model()),
        .max_insns = max_insns, .tb_id = (uintptr_t)tb,
        .fetch = tb_fetch, .opaque = &fc,
        .breakpoint = guest_debug_nr_bp ? guest_debug_bp_at : NULL,
        .bp_excp = EXCP_TCG_DEBUG,
    };
    TcgCodeOut out;
    unsigned h;
    int r;

    *tb = (TranslationBlock) { .pc = pc, .cs_base = cs_base,
                               .flags = flags, .max_insns = max_insns };
    g_mutex_lock(&tb_lock);
    tcg_context_set_jit(tb_ctx, tb_jit && !shadow);
    for (;;) {
        TCGLabel *go;
        TCGv t;

        tcg_func_start(tb_ctx);
        go = gen_new_label(tb_ctx);
        t = tcg_temp_new(tb_ctx);
        tcg_gen_ld32u(tb_ctx, t, offsetof(TcgCpu, exit_flag));
        tcg_gen_brcondi_i64(tb_ctx, TCG_COND_EQ, t, 0, go);
        tcg_gen_exit_tb(tb_ctx, (uintptr_t)tb | TB_EXIT_REQUESTED);
        gen_set_label(tb_ctx, go);
        x86_translate_block(tb_xt, &p);
        r = tcg_gen_code(tb_ctx, &out);
        if (r == TCG_GEN_OK) {
            break;
        }
        if (r == TCG_GEN_FULL) {
            tb_flush_locked();
            tb_jmp_cache_clear(tc);
        } else {
            p.max_insns = MAX(1u, p.icount / 2);
        }
        tb->page_mr[0] = tb->page_mr[1] = NULL;
        tb->uncached = false;
    }
    tcg_context_set_jit(tb_ctx, tb_jit);
    tb->code = out.code;
    tb->code_size = out.size;
    tb->size = p.size;
    tb->icount = p.icount;
    if (ks_log_enabled(LOG_PERFMAP)) {
        ks_log_perfmap(tb->code, tb->code_size, "guest:0x%" PRIx64, pc);
    }
    if (ks_log_enabled(LOG_OUT_ASM)) {
        tb_log_host_code(tb->code, tb->code_size, pc);
    }
    g_ptr_array_add(tb_all, tb);
    if (tb->uncached || !tb->page_mr[0]) {
        tb->uncached = true;
        g_mutex_unlock(&tb_lock);
        return tb;
    }
    for (unsigned n = 0; n < 2 && tb->page_mr[n]; n++) {
        g_ptr_array_add(page_tbs(tb->page_mr[n], tb->page_off[n], true), tb);
    }
    if (shadow) {                       /* invalidated by writes, never found */
        tb->uncached = true;
        g_mutex_unlock(&tb_lock);
        return tb;
    }
    h = tb_hash_index(tb->page_mr[0], tb->page_off[0], pc, cs_base, flags,
                      max_insns);
    tb->hash_next = tb_hash[h];
    tb_hash[h] = tb;
    g_mutex_unlock(&tb_lock);
    jc_insert(tc, tb);
    return tb;
}

TranslationBlock *tb_gen_code(TcgCpu *tc, uint64_t pc, uint64_t cs_base,
                              uint32_t flags, unsigned max_insns)
{
    return tb_gen(tc, pc, cs_base, flags, max_insns, false);
}

TranslationBlock *tb_gen_shadow(TcgCpu *tc, TranslationBlock *tb)
{
    return tb_gen(tc, tb->pc, tb->cs_base, tb->flags, tb->icount, true);
}

void tb_install_write_hook(void)
{
    mem_code_write_hook = tb_code_write_hook;
}
