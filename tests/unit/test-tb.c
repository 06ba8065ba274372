/* SPDX-License-Identifier: MIT */
/*
 * The TB cache (accel/tcg/tb.c) and the run loop (exec.c): translate and
 * look up, host-pc lookup, invalidation by CPU stores and by DMA, chaining
 * and unchaining, full flush, jump caches after a remap (INVLPG, CR3) and
 * after another vCPU's flush; then whole runs through the "tcg"
 * accelerator: a store and HLT, and code that patches the next
 * instruction of its own block, under the JIT and the interpreter.
 */
#include "kestrel/osdep.h"
#include "kestrel/memory.h"
#include "tcg/tcg-backend.h"
#include "accel/tcg/tcg-cpu.h"

static MemRegion ram;

static void load_code(hwaddr at, const uint8_t *code, size_t len)
{
    memcpy(ram.host + at, code, len);
}

/* A vCPU in real mode with CS base 0, EIP at @eip. */
static void real_mode_at(X86CPUState *env, uint64_t eip)
{
    x86_cpu_state_reset(env);
    env->segs[R_CS].selector = 0;
    env->segs[R_CS].base = 0;
    env->rip = eip;
    x86_cpu_update_hflags(env);
}

static const uint8_t nops_hlt[] = { 0x90, 0x90, 0x90, 0xf4 };

static void test_translate_lookup(void)
{
    TcgCpu *tc = tcg_cpu_new(NULL);
    X86CPUState *env = &tc->env;
    TranslationBlock *a, *b;
    unsigned n0 = tb_count();

    real_mode_at(env, 0x1000);
    load_code(0x1000, nops_hlt, sizeof(nops_hlt));
    g_assert_null(tb_lookup(tc, 0x1000, 0, env->hflags, 0));
    a = tb_gen_code(tc, 0x1000, 0, env->hflags, 0);
    g_assert_cmpuint(tb_count(), ==, n0 + 1);
    g_assert_cmpuint(a->icount, ==, 4);
    g_assert_cmpuint(a->size, ==, 4);
    g_assert_true(mr_page_has_code(&ram, 0x1000));
    g_assert_true(tb_lookup(tc, 0x1000, 0, env->hflags, 0) == a);
    tb_jmp_cache_clear(tc);
    g_assert_true(tb_lookup(tc, 0x1000, 0, env->hflags, 0) == a);
    /* other flags or limits are other blocks */
    g_assert_null(tb_lookup(tc, 0x1000, 0, env->hflags | HF_TF, 0));
    b = tb_gen_code(tc, 0x1000, 0, env->hflags, 1);
    g_assert_cmpuint(b->icount, ==, 1);
    g_assert_true(tb_lookup(tc, 0x1000, 0, env->hflags, 1) == b);
    g_assert_true(tb_lookup(tc, 0x1000, 0, env->hflags, 0) == a);
    /* host pc -> TB */
    g_assert_true(tb_find_by_host_pc((uintptr_t)a->code + 1) == a);
    g_assert_true(tb_find_by_host_pc((uintptr_t)b->code + 1) == b);
    tcg_cpu_free(tc);
}

static void test_invalidate(void)
{
    TcgCpu *tc = tcg_cpu_new(NULL);
    X86CPUState *env = &tc->env;
    TranslationBlock *a;

    real_mode_at(env, 0x3000);
    load_code(0x3000, nops_hlt, sizeof(nops_hlt));
    a = tb_gen_code(tc, 0x3000, 0, env->hflags, 0);
    /* a store beside the block keeps it */
    cpu_st_mmu(env, 0x3800, 0x90, MMU_KERNEL_IDX, 1, 0);
    g_assert_false(a->invalid);
    /* a store into it drops it, and the page has no code left */
    cpu_st_mmu(env, 0x3002, 0x90, MMU_KERNEL_IDX, 1, 0);
    g_assert_true(a->invalid);
    g_assert_null(tb_lookup(tc, 0x3000, 0, env->hflags, 0));
    g_assert_false(mr_page_has_code(&ram, 0x3000));
    /* DMA and other writes through the memory core */
    a = tb_gen_code(tc, 0x3000, 0, env->hflags, 0);
    as_write(&address_space_memory, 0x3003, 0xf4, 1);
    g_assert_true(a->invalid);
    tcg_cpu_free(tc);
}

static void test_chain(void)
{
    TcgCpu *tc = tcg_cpu_new(NULL);
    X86CPUState *env = &tc->env;
    TranslationBlock *a, *b;

    real_mode_at(env, 0x4000);
    load_code(0x4000, nops_hlt, sizeof(nops_hlt));
    load_code(0x5000, nops_hlt, sizeof(nops_hlt));
    a = tb_gen_code(tc, 0x4000, 0, env->hflags, 0);
    b = tb_gen_code(tc, 0x5000, 0, env->hflags, 0);
    tb_add_jump(a, 0, b);
    g_assert_true(a->jmp_dest[0] == b);
    g_assert_nonnull(b->jmp_incoming);
    tb_add_jump(a, 0, a);               /* slot taken: ignored */
    g_assert_true(a->jmp_dest[0] == b);
    /* invalidating the target unchains the source */
    as_write(&address_space_memory, 0x5001, 0x90, 1);
    g_assert_true(b->invalid);
    g_assert_null(a->jmp_dest[0]);
    g_assert_false(a->invalid);
    tcg_cpu_free(tc);
}

static void test_flush(void)
{
    TcgCpu *tc = tcg_cpu_new(NULL);
    X86CPUState *env = &tc->env;
    unsigned flushes = tb_flush_count();

    real_mode_at(env, 0x6000);
    load_code(0x6000, nops_hlt, sizeof(nops_hlt));
    tb_gen_code(tc, 0x6000, 0, env->hflags, 0);
    tb_flush_all();
    tb_jmp_cache_clear(tc);
    g_assert_cmpuint(tb_count(), ==, 0);
    g_assert_cmpuint(tb_flush_count(), ==, flushes + 1);
    g_assert_false(mr_page_has_code(&ram, 0x6000));
    g_assert_null(tb_lookup(tc, 0x6000, 0, env->hflags, 0));
    tcg_cpu_free(tc);
}

/* Blocks built here are never run: lookup_and_goto_ptr always goes back
 * to the loop. */
static void *no_next_block(CPUEnv *env)
{
    return NULL;
}

/* Linear page 0x20000 mapped by a page table at 0x10000 (PDE at 0x11000)
 * to physical @phys: paging on, 32-bit non-PAE. */
static void map_code_page(X86CPUState *env, uint32_t phys)
{
    uint32_t pde = 0x10000 | 3, pte = phys | 3;

    memcpy(ram.host + 0x11000, &pde, 4);
    memcpy(ram.host + 0x10000 + (0x20000 >> 12) * 4, &pte, 4);
    env->cr[3] = 0x11000;
    env->cr[0] |= CR0_PE | CR0_PG;
    x86_cpu_update_hflags(env);
}

/* A linear page that maps other code after INVLPG or a CR3 write must not
 * find the old page's block in the jump cache. */
static void test_remap(void)
{
    static const uint8_t other[] = { 0x90, 0xf4 };
    TcgCpu *tc = tcg_cpu_new(NULL);
    X86CPUState *env = &tc->env;
    TranslationBlock *a, *b;

    real_mode_at(env, 0);
    env->segs[R_CS].base = 0x20000;     /* EIP stays in the 64 KiB limit */
    load_code(0x30000, nops_hlt, sizeof(nops_hlt));
    load_code(0x31000, other, sizeof(other));
    map_code_page(env, 0x30000);
    tlb_flush(tc);
    a = tb_gen_code(tc, 0x20000, 0x20000, env->hflags, 0);
    g_assert_cmphex(a->page_off[0], ==, 0x30000);
    g_assert_true(tb_lookup(tc, 0x20000, 0x20000, env->hflags, 0) == a);
    map_code_page(env, 0x31000);
    tlb_flush_page(tc, 0x20000);        /* INVLPG */
    g_assert_null(tb_lookup(tc, 0x20000, 0x20000, env->hflags, 0));
    b = tb_gen_code(tc, 0x20000, 0x20000, env->hflags, 0);
    g_assert_cmpuint(b->icount, ==, 2);
    map_code_page(env, 0x30000);
    tlb_flush_nonglobal(tc);            /* a CR3 write */
    g_assert_true(tb_lookup(tc, 0x20000, 0x20000, env->hflags, 0) == a);
    tcg_cpu_free(tc);
}

/* A full flush by one vCPU empties the jump cache of the others. */
static void test_flush_other_cpu(void)
{
    TcgCpu *tc = tcg_cpu_new(NULL), *other = tcg_cpu_new(NULL);

    real_mode_at(&tc->env, 0x6000);
    real_mode_at(&other->env, 0x6000);
    load_code(0x6000, nops_hlt, sizeof(nops_hlt));
    tb_gen_code(tc, 0x6000, 0, tc->env.hflags, 0);
    g_assert_nonnull(tb_lookup(other, 0x6000, 0, other->env.hflags, 0));
    tb_flush_all();                     /* no current vCPU on this thread */
    g_assert_null(tb_lookup(other, 0x6000, 0, other->env.hflags, 0));
    g_assert_null(tb_lookup(tc, 0x6000, 0, tc->env.hflags, 0));
    tcg_cpu_free(other);
    tcg_cpu_free(tc);
}

/* ---- whole runs ---- */

static X86CPU *run_cpu(const char *opts, uint64_t eip)
{
    const AccelOps *ops = accel_find("tcg");
    X86CPU *cpu = g_new0(X86CPU, 1);
    GError *err = NULL;

    g_assert_nonnull(ops);
    g_assert_true(ops->init(NULL, opts, &err));
    tb_flush_all();                     /* blocks built before init */
    cpu->accel = ops;
    real_mode_at(&cpu->env, eip);
    g_assert_true(ops->vcpu_init(cpu, &err));
    return cpu;
}

static void run_store_hlt(const char *opts)
{
    static const uint8_t code[] = {
        0x66, 0xb8, 0x34, 0x12, 0x00, 0x00,     /* mov eax, 0x1234 */
        0x66, 0xa3, 0x00, 0x20,                 /* mov [0x2000], eax */
        0xf4,                                   /* hlt */
    };
    X86CPU *cpu = run_cpu(opts, 0x7000);

    load_code(0x7000, code, sizeof(code));
    g_assert_cmpint(cpu->accel->vcpu_run(cpu), ==, VCPU_EXIT_HALT);
    g_assert_cmphex(cpu->env.regs[R_EAX], ==, 0x1234);
    g_assert_cmphex(ram.host[0x2000], ==, 0x34);
    g_assert_cmphex(cpu->env.rip, ==, 0x7000 + sizeof(code));
    g_assert_true(cpu->env.halted);
    cpu->accel->vcpu_destroy(cpu);
    g_free(cpu);
}

static void run_smc_next_insn(const char *opts)
{
    static const uint8_t code[] = {
        0xc6, 0x06, 0x06, 0x80, 0x42,           /* mov byte [0x8006], 0x42 */
        0xb0, 0x00,                             /* 0x8005: mov al, 0 */
        0xf4,                                   /* hlt */
    };
    X86CPU *cpu = run_cpu(opts, 0x8000);

    load_code(0x8000, code, sizeof(code));
    cpu->env.regs[R_EAX] = 0;
    g_assert_cmpint(cpu->accel->vcpu_run(cpu), ==, VCPU_EXIT_HALT);
    g_assert_cmphex(cpu->env.regs[R_EAX] & 0xff, ==, 0x42);
    cpu->accel->vcpu_destroy(cpu);
    g_free(cpu);
}

static void test_run_jit(void)
{
    run_store_hlt("jit=on");
    run_smc_next_insn("jit=on");
}

static void test_run_interp(void)
{
    run_store_hlt("jit=off");
    run_smc_next_insn("jit=off");
}

int main(int argc, char **argv)
{
    GError *err = NULL;

    g_test_init(&argc, &argv, NULL);
    as_init(&address_space_memory, "memory", 1ull << 32);
    mr_init_ram(&ram, "ram", 1u << 20);
    as_map(&address_space_memory, &ram, 0, 0);
    g_assert_true(tb_cache_init(true, &err));
    tcg_set_tlb_offset(offsetof(TcgCpu, tlb));
    tcg_set_lookup_fn(no_next_block);
    tb_install_write_hook();
    g_test_add_func("/accel/tb/translate-lookup", test_translate_lookup);
    g_test_add_func("/accel/tb/invalidate", test_invalidate);
    g_test_add_func("/accel/tb/chain", test_chain);
    g_test_add_func("/accel/tb/flush", test_flush);
    g_test_add_func("/accel/tb/remap", test_remap);
    g_test_add_func("/accel/tb/flush-other-cpu", test_flush_other_cpu);
    g_test_add_func("/accel/tb/run-jit", test_run_jit);
    g_test_add_func("/accel/tb/run-interp", test_run_interp);
    return g_test_run();
}
