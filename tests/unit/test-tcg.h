/* SPDX-License-Identifier: MIT */
/*
 * The JIT unit tests' harness (test-tcg-harness.c), shared by test-tcg.c,
 * test-tcg-ops.c and test-tcg-random.c:
 * a fake CPU state with globals, a TLB and fake guest memory behind
 * tlb_slow_ld/st, and tt_run() which builds the same IR program in a JIT
 * context and an interpreter context, runs both on copies of the state
 * and fails unless both end in exactly the same state.
 */
#ifndef KESTREL_TEST_TCG_H
#define KESTREL_TEST_TCG_H

#include "kestrel/osdep.h"
#include <setjmp.h>
#include "tcg/tcg.h"
#include "tcg/tcg-backend.h"

#define TT_NG        16                 /* 64-bit globals g[] */
#define TT_NG32      4                  /* 32-bit globals g32[] */
#define TT_MEM_SIZE  0x10000            /* fake guest memory */

typedef struct TestEnv {
    uint64_t g[TT_NG];
    uint32_t g32[TT_NG32];
    uint64_t scratch[16];               /* for ld/st tests */
    TlbTable tlb;
} TestEnv;

typedef struct TtCtx {
    TCGContext *s;
    TCGv g[TT_NG];
    TCGv g32[TT_NG32];
} TtCtx;

typedef struct TtStats {
    unsigned slow_ld, slow_st;
} TtStats;

extern uint8_t tt_mem[TT_MEM_SIZE];

/* A slow-path load of TT_FAULT_ADDR "faults": it stores the restored
 * insn_start data of tt_cur_code and siglongjmps to tt_fault_jmp. */
#define TT_FAULT_ADDR 0xdead0000u
extern sigjmp_buf tt_fault_jmp;
extern const void *tt_cur_code;
extern uint64_t tt_fault_data[TCG_INSN_START_WORDS];
extern bool tt_fault_found;
extern TtStats tt_stats;

typedef void (*TtBuild)(TtCtx *t, const void *opaque);

void tt_init(void);
/* Build and emit with both back-ends; code[0] JIT, code[1] interpreter. */
void tt_compile(TtBuild build, const void *opaque, void *code[2]);
/* Run both on copies of *env and tt_mem, assert they agree, leave the
 * result in *env and tt_mem; returns the exit value. */
uintptr_t tt_run_code(void *code[2], TestEnv *env);
uintptr_t tt_run(TtBuild build, const void *opaque, TestEnv *env);
/* Map guest page `page` (of tt_mem) in every mmu_idx TLB of env. */
void tt_tlb_fill(TestEnv *env, uint64_t page);
void tt_tlb_clear(TestEnv *env);
/* A zeroed state with an empty TLB (g_free it). */
TestEnv *tt_env_new(void);

void tt_register_ops_tests(void);
void tt_register_random_tests(void);

#endif /* KESTREL_TEST_TCG_H */
