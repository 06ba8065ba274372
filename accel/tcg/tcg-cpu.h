/* SPDX-License-Identifier: MIT */
/*
 * TCG accelerator internals: the per-vCPU state (env with the soft-MMU TLB
 * at a fixed offset), translation blocks, the TB cache (tb.c), the TLB
 * (tlb.c) and the guest memory accessors that C helpers use.
 *
 * The running env is TcgCpu.env, not X86CPU.env: the TLB must sit at a
 * fixed offset from the env pointer generated code gets. vcpu_run copies
 * X86CPU.env in at entry and back at exit (get_state/put_state do the same
 * while the vCPU is parked). interrupt_request is the exception: it always
 * lives in X86CPU.env, where other threads set it.
 */
#ifndef KESTREL_ACCEL_TCG_TCG_CPU_H
#define KESTREL_ACCEL_TCG_TCG_CPU_H

#include "kestrel/osdep.h"
#include <setjmp.h>
#include "kestrel/accel.h"
#include "kestrel/memory.h"
#include "tcg/tlb-layout.h"
#include "cpu/x86/cpu.h"

typedef struct TranslationBlock TranslationBlock;

#define TB_JMP_CACHE_BITS 12
#define TB_JMP_CACHE_SIZE (1u << TB_JMP_CACHE_BITS)

/* Where a TLB entry points, for the slow path (parallel to TlbTable). */
typedef struct TlbIotlb {
    vaddr vpage;                        /* linear page of the entry */
    hwaddr paddr;                       /* physical page */
    MemRegion *mr;                      /* RAM/ROM region or NULL (MMIO) */
    uint64_t mr_offset;                 /* offset of the page in mr */
    bool global;                        /* survives a CR3 write */
} TlbIotlb;

typedef struct TcgCpu {
    X86CPUState env;                    /* what generated code gets */
    int32_t exit_flag;                  /* checked at every TB entry */
    TlbTable tlb;                       /* at offsetof(TcgCpu, tlb) - env */
    TlbIotlb iotlb[TLB_MMU_MODES][TLB_ENTRIES];
    vaddr large_page_addr;              /* range covered by 2/4 MiB pages */
    vaddr large_page_mask;              /* (0, 0: none cached) */
    X86CPU *cpu;
    sigjmp_buf jmp_env;                 /* raise_exception lands here */
    /* the pending event (env->exception_index, env->error_code) */
    X86EventKind event_kind;
    uint64_t event_next_eip;
    int delivering;                     /* vector being delivered, or -1 */
    unsigned next_tb_max_insns;         /* 1 after a write to its own TB */
    bool singlestep;                    /* GDB: one instruction per run */
    bool watch_hit;                     /* GDB: a watchpoint fired; finish
                                         * the instruction, then stop */
    bool state_dirty;                   /* put_state: flush on next run */
    TranslationBlock *jmp_cache[TB_JMP_CACHE_SIZE];
    unsigned jmp_cache_flushes;         /* tb_flush_count() when cleared */
    int tlb_flush_pending;              /* set by other threads */
    uint64_t a20_pending;               /* new a20_mask, or 0 */
} TcgCpu;

/* exception_index values beyond the 256 vectors: loop-only exits */
#define EXCP_TCG_HALT   0x100           /* HLT: sleep until an interrupt */
#define EXCP_TCG_EXIT   0x101           /* leave the TB, nothing pending */
#define EXCP_TCG_DEBUG  0x102           /* a GDB breakpoint: stop here */

/* exit_tb values: (uintptr_t)tb | n; n = 0, 1 ask to chain slot n */
#define TB_EXIT_MASK      7
#define TB_EXIT_REQUESTED 2             /* exit_flag seen at TB entry */

static inline TcgCpu *tcg_cpu(X86CPUState *env)
{
    return container_of(env, TcgCpu, env);
}

TcgCpu *tcg_cpu_new(X86CPU *cpu);
void tcg_cpu_free(TcgCpu *tc);

/* ---- translation blocks (tb.c) ---- */
struct TranslationBlock {
    /* what a jump cache hit reads, in the first 32 bytes: key, state,
     * entry (one cache line, mostly) */
    uint64_t pc;                        /* linear: cs_base + eip */
    uint64_t cs_base;
    uint32_t flags;                     /* hflags */
    uint16_t max_insns;                 /* 0: the default */
    bool invalid;
    bool uncached;                      /* code not from RAM: run once */
    void *code;                         /* tcg_exec_tb entry */
    /* the rest of the key */
    MemRegion *page_mr[2];              /* code pages (second: crossing) */
    uint64_t page_off[2];               /* page offset in page_mr */
    size_t code_size;
    uint32_t size;                      /* guest bytes */
    uint32_t icount;
    /* chaining: jmp_dest[n] is the TB slot n jumps to; jmp_list is the
     * list of (tb, n) pairs jumping into this TB, as tagged pointers */
    TranslationBlock *jmp_dest[2];
    GSList *jmp_incoming;
    TranslationBlock *hash_next;
    TranslationBlock *shadow;           /* selfcheck's interpreter copy */
};

/* Find a valid TB for this key, or NULL. */
TranslationBlock *tb_lookup(TcgCpu *tc, uint64_t pc, uint64_t cs_base,
                            uint32_t flags, unsigned max_insns);
/* Translate a new TB for this key. May raise #PF (first instruction). */
TranslationBlock *tb_gen_code(TcgCpu *tc, uint64_t pc, uint64_t cs_base,
                              uint32_t flags, unsigned max_insns);
/* The same block (key, instruction count) as IR interpreter code, never
 * looked up but invalidated by writes: for -accel tcg,selfcheck=on. */
TranslationBlock *tb_gen_shadow(TcgCpu *tc, TranslationBlock *tb);
/* Chain slot n of @from to @to (both valid). */
void tb_add_jump(TranslationBlock *from, unsigned n, TranslationBlock *to);
/* Invalidate every TB overlapping [offset, offset+len) of @mr. Returns
 * true when @current (the TB executing the write, or NULL) was one. */
bool tb_invalidate_range(MemRegion *mr, uint64_t offset, uint64_t len,
                         TranslationBlock *current);
/* The TB whose host code holds @ra, or NULL. */
TranslationBlock *tb_find_by_host_pc(uintptr_t ra);
/* Drop every TB and empty the code buffer. */
void tb_flush_all(void);
void tb_jmp_cache_clear(TcgCpu *tc);
/* Drop the jump cache entries of blocks that may hold bytes of the linear
 * page of @addr (INVLPG). */
void tb_jmp_cache_clear_page(TcgCpu *tc, uint64_t addr);
/* Statistics for tests and the monitor. */
unsigned tb_count(void);
unsigned tb_flush_count(void);
/* Route the memory core's writes to code pages (DMA...) to the cache. */
void tb_install_write_hook(void);
/* Set up the translator and the code buffer (once). */
bool tb_cache_init(bool jit, GError **errp);

/* ---- soft-MMU (tlb.c) ---- */
void tlb_flush(TcgCpu *tc);             /* everything */
void tlb_flush_nonglobal(TcgCpu *tc);   /* CR3 write */
void tlb_flush_page(TcgCpu *tc, vaddr addr);
/* Apply pending cross-thread requests (flush, A20); vCPU thread only. */
void tlb_process_pending(TcgCpu *tc);
/* Re-mark the write entries of this RAM page slow (it now holds code). */
void tlb_set_notdirty(MemRegion *mr, uint64_t page_off);
/* Where the code byte at linear @addr is, for the translator. */
typedef struct TlbCodePage {
    hwaddr paddr;                       /* of addr */
    MemRegion *mr;                      /* RAM/ROM holding it, or NULL */
    uint64_t mr_offset;                 /* of addr in mr */
    const uint8_t *host;                /* of addr, NULL when not RAM/ROM */
} TlbCodePage;
/* False on a fetch fault: raises #PF when @may_fault, else returns. */
bool tlb_code_page(TcgCpu *tc, vaddr addr, bool may_fault, TlbCodePage *cp);
/* Restore the guest state of the instruction at host pc @ra (no-op when
 * ra is 0 or not in a TB). */
void tcg_cpu_restore_state(TcgCpu *tc, uintptr_t ra);
/* Leave the TB back to the loop with no exception (after restore). */
KS_NORETURN void tcg_cpu_loop_exit(TcgCpu *tc);

/* ---- guest memory for C helpers (tlb.c) ----
 * Linear addresses, little-endian; a fault raises through the loop with the
 * state restored from @ra. */
uint64_t cpu_ld_mmu(X86CPUState *env, vaddr addr, unsigned mmu_idx,
                    unsigned size, uintptr_t ra);
void cpu_st_mmu(X86CPUState *env, vaddr addr, uint64_t val,
                unsigned mmu_idx, unsigned size, uintptr_t ra);

/* ---- the accelerator glue (exec.c) ---- */
extern bool tcg_jit_enabled;
/* -accel tcg,selfcheck=on: each block runs under the interpreter and the
 * JIT from the same state, which must agree (selfcheck.c). */
extern bool tcg_selfcheck;
/* Run @tb that way; returns what tcg_exec_tb would. Exits on divergence. */
uintptr_t selfcheck_exec(TcgCpu *tc, TranslationBlock *tb);
/* A vCPU thread's TcgCpu (or NULL on other threads). */
TcgCpu *tcg_cpu_current(void);
/* SMP: another vCPU waits for its turn to run guest code (PAUSE yields). */
bool tcg_rr_contended(void);

#endif /* KESTREL_ACCEL_TCG_TCG_CPU_H */
