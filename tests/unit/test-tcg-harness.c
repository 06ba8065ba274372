/* SPDX-License-Identifier: MIT */
/*
 * The JIT test harness (see test-tcg.h): fake guest memory behind
 * tlb_slow_ld/st, one JIT and one interpreter context with the same
 * globals, and runs that compare both back-ends on copies of the state.
 * Used by test-tcg.c and test-tcg-random.c.
 */
#include "kestrel/osdep.h"
#include "test-tcg.h"

uint8_t tt_mem[TT_MEM_SIZE];
TtStats tt_stats;
static TtCtx tt_ctx[2];                 /* JIT, interpreter */

sigjmp_buf tt_fault_jmp;
const void *tt_cur_code;
uint64_t tt_fault_data[TCG_INSN_START_WORDS];
bool tt_fault_found;

uint64_t tlb_slow_ld(CPUEnv *env, uint64_t addr, unsigned mmu_idx,
                     unsigned memop, uintptr_t ra)
{
    uint64_t v = 0;

    if (addr == TT_FAULT_ADDR) {
        tt_fault_found = tcg_restore_state(tt_cur_code, ra, tt_fault_data);
        siglongjmp(tt_fault_jmp, 1);
    }
    tt_stats.slow_ld++;
    for (unsigned i = 0; i < (1u << memop); i++) {
        v |= (uint64_t)tt_mem[(addr + i) % TT_MEM_SIZE] << (8 * i);
    }
    return v;
}

void tlb_slow_st(CPUEnv *env, uint64_t addr, uint64_t val, unsigned mmu_idx,
                 unsigned memop, uintptr_t ra)
{
    tt_stats.slow_st++;
    for (unsigned i = 0; i < (1u << memop); i++) {
        tt_mem[(addr + i) % TT_MEM_SIZE] = val >> (8 * i);
    }
}

static void tt_ctx_init(TtCtx *t, bool jit)
{
    static const char *const names[TT_NG] = {
        "g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7",
        "g8", "g9", "g10", "g11", "g12", "g13", "g14", "g15",
    };
    static const char *const names32[TT_NG32] = { "h0", "h1", "h2", "h3" };

    t->s = tcg_context_new();
    tcg_context_set_jit(t->s, jit);
    for (unsigned i = 0; i < TT_NG; i++) {
        t->g[i] = tcg_global_mem_new(t->s, offsetof(TestEnv, g[i]),
                                     names[i]);
    }
    for (unsigned i = 0; i < TT_NG32; i++) {
        t->g32[i] = tcg_global_mem_new_i32(t->s, offsetof(TestEnv, g32[i]),
                                           names32[i]);
    }
}

void tt_init(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(tcg_init(32 << 20, &err));
    tcg_set_tlb_offset(offsetof(TestEnv, tlb));
    tt_ctx_init(&tt_ctx[0], true);
    tt_ctx_init(&tt_ctx[1], false);
}

void tt_compile(TtBuild build, const void *opaque, void *code[2])
{
    for (int i = 0; i < 2; i++) {
        TcgCodeOut out;
        int ret;

        tcg_func_start(tt_ctx[i].s);
        build(&tt_ctx[i], opaque);
        ret = tcg_gen_code(tt_ctx[i].s, &out);
        if (ret == TCG_GEN_FULL) {
            tcg_code_flush();
            /* code[0] may be gone now: rebuild both */
            tt_compile(build, opaque, code);
            return;
        }
        g_assert_cmpint(ret, ==, TCG_GEN_OK);
        code[i] = out.code;
    }
}

void tt_tlb_clear(TestEnv *env)
{
    memset(&env->tlb, 0xff, sizeof(env->tlb));
}

void tt_tlb_fill(TestEnv *env, uint64_t page)
{
    for (unsigned m = 0; m < TLB_MMU_MODES; m++) {
        TlbEntry *e = &env->tlb.e[m][(page >> TLB_PAGE_BITS) &
                                     (TLB_ENTRIES - 1)];

        e->addr_read = e->addr_write = e->addr_code = page;
        e->addend = (uintptr_t)tt_mem + (page % TT_MEM_SIZE) - page;
    }
}

uintptr_t tt_run_code(void *code[2], TestEnv *env)
{
    g_autofree TestEnv *e2 = g_memdup2(env, sizeof(*env));
    g_autofree uint8_t *mem0 = g_memdup2(tt_mem, TT_MEM_SIZE);
    g_autofree uint8_t *mem1 = NULL;
    uintptr_t r0, r1;

    /* interpreter first, on the copy */
    tt_cur_code = code[1];
    r1 = tcg_exec_tb((CPUEnv *)e2, code[1]);
    mem1 = g_memdup2(tt_mem, TT_MEM_SIZE);
    memcpy(tt_mem, mem0, TT_MEM_SIZE);
    tt_cur_code = code[0];
    r0 = tcg_exec_tb((CPUEnv *)env, code[0]);
    g_assert_cmphex(r0, ==, r1);
    for (unsigned i = 0; i < TT_NG; i++) {
        if (env->g[i] != e2->g[i]) {
            g_test_message("g%u: jit 0x%" PRIx64 " interp 0x%" PRIx64, i,
                           env->g[i], e2->g[i]);
        }
        g_assert_cmphex(env->g[i], ==, e2->g[i]);
    }
    g_assert_true(memcmp(env, e2, offsetof(TestEnv, tlb)) == 0);
    g_assert_true(memcmp(tt_mem, mem1, TT_MEM_SIZE) == 0);
    return r0;
}

uintptr_t tt_run(TtBuild build, const void *opaque, TestEnv *env)
{
    void *code[2];

    tt_compile(build, opaque, code);
    return tt_run_code(code, env);
}

TestEnv *tt_env_new(void)
{
    TestEnv *env = g_new0(TestEnv, 1);

    tt_tlb_clear(env);
    return env;
}
