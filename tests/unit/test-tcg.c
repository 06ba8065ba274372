/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the JIT (tcg/): IR programs built with the builder API,
 * run on both the x86-64 back-end and the interpreter, checked against
 * values computed here in C. Covers env loads/stores, helper calls with
 * 0..6 arguments, labels and loops, register pressure, guest memory (slow
 * path and inline TLB hit), goto_tb chaining, lookup_and_goto_ptr,
 * restore_state on a fault, and the optimizer's dead global store
 * elimination and constant folding.
 * The value ops (every op and width, conditions) are in test-tcg-ops.c, the
 * randomized differential test in test-tcg-random.c; main() here runs all.
 */
#include "kestrel/osdep.h"
#include "test-tcg.h"
#include "tcg/tcg-internal.h"

/* ---- env loads and stores, 32-bit globals ---- */

static void build_env(TtCtx *t, const void *opaque)
{
    TCGContext *s = t->s;
    TCGv x = tcg_temp_new(s);
    intptr_t sc = offsetof(TestEnv, scratch);

    tcg_gen_ld8u(s, t->g[1], sc + 1);
    tcg_gen_ld16u(s, t->g[2], sc + 2);
    tcg_gen_ld32u(s, t->g[3], sc + 4);
    tcg_gen_ld64(s, t->g[4], sc + 8);
    tcg_gen_st8(s, t->g[0], sc + 16);
    tcg_gen_st16(s, t->g[0], sc + 18);
    tcg_gen_st32(s, t->g[0], sc + 20);
    tcg_gen_st64(s, t->g[0], sc + 24);
    /* an env access overlapping a global sees its current value */
    tcg_gen_addi_i64(s, t->g[5], t->g[5], 1);
    tcg_gen_ld64(s, t->g[6], offsetof(TestEnv, g[5]));
    tcg_gen_st32(s, t->g[0], offsetof(TestEnv, g[7]));
    tcg_gen_addi_i64(s, t->g[7], t->g[7], 1);
    /* 32-bit globals */
    tcg_gen_addi_i32(s, t->g32[0], t->g32[0], 5);
    tcg_gen_mov_i64(s, t->g[8], t->g32[1]);
    tcg_gen_ld32u(s, x, offsetof(TestEnv, g32[2]));
    tcg_gen_add_i32(s, t->g32[2], x, t->g32[0]);
    tcg_gen_exit_tb(s, 0);
}

static void test_env(void)
{
    g_autofree TestEnv *env = tt_env_new();

    for (unsigned i = 0; i < 16; i++) {
        env->scratch[i] = 0x0807060504030201ull * (i + 1);
    }
    env->g[0] = 0x1122334455667788ull;
    env->g[5] = 41;
    env->g[7] = 0xffffffff00000000ull;
    env->g32[0] = 0xfffffffe;
    env->g32[1] = 0x87654321;
    env->g32[2] = 10;
    tt_run(build_env, NULL, env);
    g_assert_cmphex(env->g[1], ==, 0x02);
    g_assert_cmphex(env->g[2], ==, 0x0403);
    g_assert_cmphex(env->g[3], ==, 0x08070605);
    g_assert_cmphex(env->g[4], ==, 0x100e0c0a08060402ull);
    g_assert_cmphex(env->scratch[2] & 0xff, ==, 0x88);
    g_assert_cmphex((env->scratch[2] >> 16) & 0xffff, ==, 0x7788);
    g_assert_cmphex(env->scratch[2] >> 32, ==, 0x55667788);
    g_assert_cmphex(env->scratch[3], ==, 0x1122334455667788ull);
    g_assert_cmphex(env->g[5], ==, 42);
    g_assert_cmphex(env->g[6], ==, 42);
    g_assert_cmphex(env->g[7], ==, 0xffffffff55667789ull);
    g_assert_cmphex(env->g32[0], ==, 3);
    g_assert_cmphex(env->g[8], ==, 0x87654321);
    g_assert_cmphex(env->g32[2], ==, 13);
    g_assert_cmphex(env->g32[3], ==, 0);
}

/* ---- helper calls ---- */

static uint64_t helper_calls;

static uint64_t helper_sum_common(CPUEnv *cpu, const uint64_t *a, int n)
{
    TestEnv *env = (TestEnv *)cpu;
    uint64_t r = env->g[9] * 1000;      /* must see the block's value */

    helper_calls++;
    for (int i = 0; i < n; i++) {
        r += (i + 1) * a[i];
    }
    return r;
}

static uint64_t helper_sum0(CPUEnv *env)
{
    return helper_sum_common(env, NULL, 0);
}

static uint64_t helper_sum1(CPUEnv *env, uint64_t a)
{
    return helper_sum_common(env, (uint64_t[]){ a }, 1);
}

static uint64_t helper_sum2(CPUEnv *env, uint64_t a, uint64_t b)
{
    return helper_sum_common(env, (uint64_t[]){ a, b }, 2);
}

static uint64_t helper_sum3(CPUEnv *env, uint64_t a, uint64_t b, uint64_t c)
{
    return helper_sum_common(env, (uint64_t[]){ a, b, c }, 3);
}

static uint64_t helper_sum4(CPUEnv *env, uint64_t a, uint64_t b, uint64_t c,
                            uint64_t d)
{
    return helper_sum_common(env, (uint64_t[]){ a, b, c, d }, 4);
}

static uint64_t helper_sum5(CPUEnv *env, uint64_t a, uint64_t b, uint64_t c,
                            uint64_t d, uint64_t e)
{
    return helper_sum_common(env, (uint64_t[]){ a, b, c, d, e }, 5);
}

static uint64_t helper_sum6(CPUEnv *env, uint64_t a, uint64_t b, uint64_t c,
                            uint64_t d, uint64_t e, uint64_t f)
{
    return helper_sum_common(env, (uint64_t[]){ a, b, c, d, e, f }, 6);
}

static void *const helper_sums[] = {
    helper_sum0, helper_sum1, helper_sum2, helper_sum3, helper_sum4,
    helper_sum5, helper_sum6,
};

static uint64_t helper_write_global(CPUEnv *cpu)
{
    ((TestEnv *)cpu)->g[10] += 100;
    return 7;
}

typedef struct CallBuild {
    unsigned nargs;
} CallBuild;

static void build_call(TtCtx *t, const void *opaque)
{
    const CallBuild *cb = opaque;
    TCGContext *s = t->s;
    TCGv args[TCG_MAX_CALL_ARGS];
    TCGv live = tcg_temp_new(s), r = tcg_temp_new(s);

    tcg_gen_addi_i64(s, t->g[9], t->g[9], 1);
    tcg_gen_addi_i64(s, t->g[10], t->g[10], 1);
    tcg_gen_addi_i64(s, live, t->g[0], 77);     /* lives across calls */
    for (unsigned i = 0; i < cb->nargs; i++) {
        args[i] = tcg_temp_new(s);
        tcg_gen_addi_i64(s, args[i], t->g[i], 10 * (i + 1));
    }
    tcg_gen_call(s, helper_sums[cb->nargs], TCG_CALL_NO_WRITE_GLOBALS, r,
                 cb->nargs, args);
    tcg_gen_mov_i64(s, t->g[11], r);
    tcg_gen_callN(s, helper_write_global, 0, t->g[12]);
    tcg_gen_addi_i64(s, t->g[10], t->g[10], 1);  /* must see the write */
    tcg_gen_mov_i64(s, t->g[13], live);
    tcg_gen_exit_tb(s, 0);
}

static void test_calls(void)
{
    g_autofree TestEnv *env = tt_env_new();

    for (unsigned n = 0; n <= TCG_MAX_CALL_ARGS; n++) {
        CallBuild cb = { n };
        uint64_t exp = 0;

        for (unsigned i = 0; i < TT_NG; i++) {
            env->g[i] = i * 0x100;
        }
        for (unsigned i = 0; i < n; i++) {
            exp += (i + 1) * (env->g[i] + 10 * (i + 1));
        }
        exp += (env->g[9] + 1) * 1000;
        helper_calls = 0;
        tt_run(build_call, &cb, env);
        g_assert_cmpuint(helper_calls, ==, 2);
        g_assert_cmphex(env->g[11], ==, exp);
        g_assert_cmphex(env->g[12], ==, 7);
        g_assert_cmphex(env->g[10], ==, 10 * 0x100 + 102);
        g_assert_cmphex(env->g[13], ==, 77);
    }
}

/* ---- labels, loops, locals, register pressure ---- */

static void build_loop(TtCtx *t, const void *opaque)
{
    TCGContext *s = t->s;
    TCGv i = tcg_temp_local_new(s), sum = tcg_temp_local_new(s);
    TCGLabel *top = gen_new_label(s), *out = gen_new_label(s);

    tcg_gen_movi_i64(s, i, 0);
    tcg_gen_movi_i64(s, sum, 0);
    gen_set_label(s, top);
    tcg_gen_brcond_i64(s, TCG_COND_GEU, i, t->g[0], out);
    {
        TCGv sq = tcg_temp_new(s);

        tcg_gen_mul_i64(s, sq, i, i);
        tcg_gen_add_i64(s, sum, sum, sq);
        tcg_gen_addi_i64(s, t->g[2], t->g[2], 1);
        tcg_temp_free(s, sq);
    }
    tcg_gen_addi_i64(s, i, i, 1);
    tcg_gen_br(s, top);
    gen_set_label(s, out);
    tcg_gen_mov_i64(s, t->g[1], sum);
    tcg_gen_exit_tb(s, 0x40);
}

static void test_loop(void)
{
    g_autofree TestEnv *env = tt_env_new();

    env->g[0] = 100;
    g_assert_cmphex(tt_run(build_loop, NULL, env), ==, 0x40);
    g_assert_cmpuint(env->g[1], ==, 328350);
    g_assert_cmpuint(env->g[2], ==, 100);
}

#define PRESSURE_TEMPS 40

static void build_pressure(TtCtx *t, const void *opaque)
{
    TCGContext *s = t->s;
    TCGv v[PRESSURE_TEMPS];

    for (unsigned i = 0; i < PRESSURE_TEMPS; i++) {
        v[i] = tcg_temp_new(s);
        tcg_gen_muli_i64(s, v[i], t->g[i % TT_NG], i + 3);
        tcg_gen_xor_i64(s, v[i], v[i], t->g[(i + 1) % TT_NG]);
    }
    for (unsigned i = 0; i < TT_NG; i++) {
        tcg_gen_movi_i64(s, t->g[i], i);
    }
    for (unsigned i = 0; i < PRESSURE_TEMPS; i++) {
        tcg_gen_add_i64(s, t->g[i % TT_NG], t->g[i % TT_NG], v[i]);
    }
    tcg_gen_exit_tb(s, 0);
}

static void test_pressure(void)
{
    g_autofree TestEnv *env = tt_env_new();
    uint64_t in[TT_NG], exp[TT_NG];

    for (unsigned i = 0; i < TT_NG; i++) {
        in[i] = env->g[i] = 0x1000 + i * 0x10001;
        exp[i] = i;
    }
    for (unsigned i = 0; i < PRESSURE_TEMPS; i++) {
        exp[i % TT_NG] += (in[i % TT_NG] * (i + 3)) ^ in[(i + 1) % TT_NG];
    }
    tt_run(build_pressure, NULL, env);
    for (unsigned i = 0; i < TT_NG; i++) {
        g_assert_cmphex(env->g[i], ==, exp[i]);
    }
}

/* ---- guest memory ---- */

static void build_mem(TtCtx *t, const void *opaque)
{
    TCGContext *s = t->s;
    static const MemOp ops[] = { MO_UB, MO_SB, MO_UW, MO_SW, MO_UL, MO_SL,
                                 MO_UQ };

    for (unsigned i = 0; i < G_N_ELEMENTS(ops); i++) {
        tcg_gen_qemu_ld(s, t->g[1 + i], t->g[0], i % TLB_MMU_MODES, ops[i]);
    }
    tcg_gen_addi_i64(s, t->g[8], t->g[0], 8);
    tcg_gen_qemu_st(s, t->g[9], t->g[8], 1, MO_8);
    tcg_gen_addi_i64(s, t->g[8], t->g[0], 16);
    tcg_gen_qemu_st(s, t->g[9], t->g[8], 2, MO_16);
    tcg_gen_addi_i64(s, t->g[8], t->g[0], 24);
    tcg_gen_qemu_st(s, t->g[9], t->g[8], 3, MO_32);
    tcg_gen_addi_i64(s, t->g[8], t->g[0], 32);
    tcg_gen_qemu_st(s, t->g[9], t->g[8], 0, MO_64);
    tcg_gen_exit_tb(s, 0);
}

static void check_mem(TestEnv *env, uint64_t a)
{
    g_assert_cmphex(env->g[1], ==, 0xf8);
    g_assert_cmphex(env->g[2], ==, 0xfffffffffffffff8ull);
    g_assert_cmphex(env->g[3], ==, 0xf9f8);
    g_assert_cmphex(env->g[4], ==, 0xfffffffffffff9f8ull);
    g_assert_cmphex(env->g[5], ==, 0xfbfaf9f8);
    g_assert_cmphex(env->g[6], ==, 0xfffffffffbfaf9f8ull);
    g_assert_cmphex(env->g[7], ==, 0xfffefdfcfbfaf9f8ull);
    g_assert_cmphex(tt_mem[a + 8], ==, 0x11);
    g_assert_cmphex(tt_mem[a + 9], ==, 0);
    g_assert_cmphex(tt_mem[a + 16] | tt_mem[a + 17] << 8, ==, 0x2211);
    g_assert_cmphex(tt_mem[a + 18], ==, 0);
    g_assert_cmphex(tt_mem[a + 27], ==, 0x44);
    g_assert_cmphex(tt_mem[a + 39], ==, 0x88);
}

static void test_mem(void)
{
    g_autofree TestEnv *env = tt_env_new();
    uint64_t a = 0x3000;
    void *code[2];

    tt_compile(build_mem, NULL, code);
    for (int hit = 0; hit < 2; hit++) {
        memset(tt_mem, 0, TT_MEM_SIZE);
        memcpy(tt_mem + a, "\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff", 8);
        tt_tlb_clear(env);
        if (hit) {
            tt_tlb_fill(env, a);
        }
        env->g[0] = a;
        env->g[9] = 0x8877665544332211ull;
        tt_stats = (TtStats) { 0 };
        tt_run_code(code, env);
        check_mem(env, a);
        /* both back-ends ran: 7 loads and 4 stores each */
        g_assert_cmpuint(tt_stats.slow_ld, ==, hit ? 0 : 14);
        g_assert_cmpuint(tt_stats.slow_st, ==, hit ? 0 : 8);
    }
    /* unaligned never hits; it takes the slow path */
    env->g[0] = a + 1;
    tt_stats = (TtStats) { 0 };
    tt_run_code(code, env);
    g_assert_cmpuint(tt_stats.slow_ld, ==, 10);   /* 5 of 7 */
    g_assert_cmpuint(tt_stats.slow_st, ==, 6);    /* 3 of 4 */
}

/* ---- restore state on a fault ---- */

static void build_fault(TtCtx *t, const void *opaque)
{
    TCGContext *s = t->s;

    tcg_gen_insn_start(s, 0x1000, 1);
    tcg_gen_addi_i64(s, t->g[1], t->g[1], 1);
    tcg_gen_insn_start(s, 0x1003, 2);
    tcg_gen_qemu_ld(s, t->g[2], t->g[0], 0, MO_UL);
    tcg_gen_insn_start(s, 0x1007, 3);
    tcg_gen_addi_i64(s, t->g[1], t->g[1], 1);
    tcg_gen_qemu_ld(s, t->g[3], t->g[4], 0, MO_UB);
    tcg_gen_exit_tb(s, 0);
}

static void test_restore_state(void)
{
    g_autofree TestEnv *env = tt_env_new();
    void *code[2];

    tt_compile(build_fault, NULL, code);
    for (int i = 0; i < 2; i++) {
        for (volatile int which = 0; which < 2; which++) {
            env->g[0] = which ? 0 : TT_FAULT_ADDR;
            env->g[4] = which ? TT_FAULT_ADDR : 0;
            env->g[1] = 10;
            tt_fault_found = false;
            tt_cur_code = code[i];
            if (!sigsetjmp(tt_fault_jmp, 0)) {
                tcg_exec_tb((CPUEnv *)env, code[i]);
                g_assert_not_reached();
            }
            g_assert_true(tt_fault_found);
            g_assert_cmphex(tt_fault_data[0], ==, which ? 0x1007 : 0x1003);
            g_assert_cmphex(tt_fault_data[1], ==, which ? 3 : 2);
            /* globals were written back before the faulting access */
            g_assert_cmpuint(env->g[1], ==, which ? 12 : 11);
        }
    }
}

/* ---- chaining ---- */

static void build_chain_a(TtCtx *t, const void *opaque)
{
    tcg_gen_addi_i64(t->s, t->g[0], t->g[0], 1);
    tcg_gen_goto_tb(t->s, 0);
    tcg_gen_exit_tb(t->s, 0x1000);
}

static void build_chain_b(TtCtx *t, const void *opaque)
{
    tcg_gen_muli_i64(t->s, t->g[0], t->g[0], 10);
    tcg_gen_exit_tb(t->s, 0x2000);
}

static void build_goto_ptr(TtCtx *t, const void *opaque)
{
    tcg_gen_addi_i64(t->s, t->g[0], t->g[0], 3);
    tcg_gen_lookup_and_goto_ptr(t->s);
}

static void *lookup_target[2];

static void *test_lookup(CPUEnv *cpu)
{
    TestEnv *env = (TestEnv *)cpu;

    return env->g[1] < 2 ? lookup_target[env->g[1]] : NULL;
}

static void test_chaining(void)
{
    g_autofree TestEnv *env = tt_env_new();
    void *a[2], *b[2], *p[2];

    tcg_set_lookup_fn(test_lookup);
    tt_compile(build_chain_a, NULL, a);
    tt_compile(build_chain_b, NULL, b);
    tt_compile(build_goto_ptr, NULL, p);
    env->g[0] = 4;
    g_assert_cmphex(tt_run_code(a, env), ==, 0x1000);
    g_assert_cmpuint(env->g[0], ==, 5);
    for (int i = 0; i < 2; i++) {
        tcg_patch_goto_tb(a[i], 0, b[i]);
    }
    g_assert_cmphex(tt_run_code(a, env), ==, 0x2000);
    g_assert_cmpuint(env->g[0], ==, 60);
    for (int i = 0; i < 2; i++) {
        tcg_unpatch_goto_tb(a[i], 0);
    }
    g_assert_cmphex(tt_run_code(a, env), ==, 0x1000);
    g_assert_cmpuint(env->g[0], ==, 61);

    /* lookup_and_goto_ptr: a hit jumps, a miss returns 0 */
    for (int i = 0; i < 2; i++) {
        env->g[1] = 0;
        lookup_target[0] = b[i];
        env->g[0] = 1;
        g_assert_cmphex(tcg_exec_tb((CPUEnv *)env, p[i]), ==, 0x2000);
        g_assert_cmpuint(env->g[0], ==, 40);
        env->g[1] = 5;
        g_assert_cmphex(tcg_exec_tb((CPUEnv *)env, p[i]), ==, 0);
        g_assert_cmpuint(env->g[0], ==, 43);
    }
}

/* ---- optimizer ---- */

static unsigned count_ops(TCGContext *s, TCGOpcode opc)
{
    unsigned n = 0;

    for (unsigned i = 0; i < s->nb_ops; i++) {
        n += s->ops[i].opc == opc;
    }
    return n;
}

static void test_dead_stores(void)
{
    TCGContext *s = tcg_context_new();
    TCGv cc_op = tcg_global_mem_new(s, offsetof(TestEnv, g[0]), "cc_op");
    TCGv cc_dst = tcg_global_mem_new(s, offsetof(TestEnv, g[1]), "cc_dst");
    TCGv r = tcg_global_mem_new(s, offsetof(TestEnv, g[2]), "r");
    g_autofree TestEnv *env = tt_env_new();
    TcgCodeOut out;

    tcg_func_start(s);
    /* three instructions, each storing the lazy flags */
    for (int i = 0; i < 3; i++) {
        tcg_gen_insn_start(s, i, 0);
        tcg_gen_addi_i64(s, r, r, i + 1);
        tcg_gen_movi_i64(s, cc_op, 10 + i);
        tcg_gen_mov_i64(s, cc_dst, r);
    }
    tcg_gen_exit_tb(s, 0);
    g_assert_cmpint(tcg_gen_code(s, &out), ==, TCG_GEN_OK);
    /* only the last cc_op and cc_dst stores survive; the adds fold into
     * one chain of three (copy propagation keeps them) */
    g_assert_cmpuint(count_ops(s, INDEX_op_mov), ==, 2);
    env->g[2] = 100;
    tcg_exec_tb((CPUEnv *)env, out.code);
    g_assert_cmpuint(env->g[0], ==, 12);
    g_assert_cmpuint(env->g[1], ==, 106);
    g_assert_cmpuint(env->g[2], ==, 106);
    tcg_context_free(s);
}

static void test_constant_folding(void)
{
    TCGContext *s = tcg_context_new();
    TCGv g0 = tcg_global_mem_new(s, offsetof(TestEnv, g[0]), "g0");
    g_autofree TestEnv *env = tt_env_new();
    TcgCodeOut out;
    TCGv a, b;

    tcg_func_start(s);
    a = tcg_temp_new(s);
    b = tcg_temp_new(s);
    tcg_gen_movi_i64(s, a, 6);
    tcg_gen_muli_i64(s, b, a, 7);
    tcg_gen_shli_i64(s, b, b, 4);
    tcg_gen_bswap64(s, b, b);
    tcg_gen_add_i64(s, g0, b, a);
    tcg_gen_exit_tb(s, 0);
    g_assert_cmpint(tcg_gen_code(s, &out), ==, TCG_GEN_OK);
    g_assert_cmpuint(count_ops(s, INDEX_op_mov), ==, 1);
    g_assert_cmpuint(count_ops(s, INDEX_op_mul_i64), ==, 0);
    tcg_exec_tb((CPUEnv *)env, out.code);
    g_assert_cmphex(env->g[0], ==, __builtin_bswap64(42 << 4) + 6);
    tcg_context_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tt_init();
    tt_register_ops_tests();
    g_test_add_func("/tcg/env/ld-st", test_env);
    g_test_add_func("/tcg/call/args", test_calls);
    g_test_add_func("/tcg/flow/loop", test_loop);
    g_test_add_func("/tcg/regalloc/pressure", test_pressure);
    g_test_add_func("/tcg/mem/ld-st", test_mem);
    g_test_add_func("/tcg/mem/restore-state", test_restore_state);
    g_test_add_func("/tcg/flow/chaining", test_chaining);
    g_test_add_func("/tcg/opt/dead-stores", test_dead_stores);
    g_test_add_func("/tcg/opt/constant-folding", test_constant_folding);
    tt_register_random_tests();
    return g_test_run();
}
