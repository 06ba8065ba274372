/* SPDX-License-Identifier: MIT */
/*
 * The soft-MMU TLB (accel/tcg/tlb.c): fill and hit as generated code sees
 * the entries, MMIO dispatch, page-crossing accesses, faults that leave
 * memory untouched, flushes (page, non-global, large pages), code pages
 * marked TLB_NOTDIRTY, A20.
 */
#include "kestrel/osdep.h"
#include "kestrel/memory.h"
#include "accel/tcg/tcg-cpu.h"

static MemRegion ram, mmio;
static uint64_t mmio_last_addr, mmio_last_val;

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    mmio_last_addr = addr;
    return 0xab00 | size;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t val,
                       unsigned size)
{
    mmio_last_addr = addr;
    mmio_last_val = val;
}

static const MemRegionOps mmio_ops = {
    .read = mmio_read, .write = mmio_write,
    .min_access = 1, .max_access = 4,
};

static TcgCpu *new_cpu(void)
{
    TcgCpu *tc = tcg_cpu_new(NULL);

    memset(ram.host, 0, ram.size);
    tc->env.a20_mask = ~0ull;
    tc->env.cr[0] = CR0_PE;
    return tc;
}

/* The fast-path test of tcg/tlb-layout.h. */
static bool fast_hit(uint64_t tlb_addr, vaddr a, unsigned size)
{
    return (a & (TLB_PAGE_MASK | (size - 1))) == tlb_addr;
}

static TlbEntry *entry(TcgCpu *tc, unsigned idx, vaddr a)
{
    return &tc->tlb.e[idx][(a >> TLB_PAGE_BITS) & (TLB_ENTRIES - 1)];
}

/* Map linear page lin -> phys with flags; page tables at 0x1000. */
static void map_page(vaddr lin, hwaddr phys, uint32_t flags)
{
    uint32_t pde = 0x2000 | 7;

    as_write(&address_space_memory, 0x1000 + (lin >> 22) * 4, pde, 4);
    as_write(&address_space_memory, 0x2000 + ((lin >> 12) & 0x3ff) * 4,
             phys | flags, 4);
}

static void test_fill_hit(void)
{
    TcgCpu *tc = new_cpu();
    X86CPUState *env = &tc->env;
    TlbEntry *e;

    ram.host[0x5678] = 0x5a;
    g_assert_cmphex(cpu_ld_mmu(env, 0x5678, MMU_KERNEL_IDX, 1, 0), ==, 0x5a);
    e = entry(tc, MMU_KERNEL_IDX, 0x5678);
    g_assert_true(fast_hit(e->addr_read, 0x5678, 1));
    g_assert_true(fast_hit(e->addr_read, 0x5670, 8));
    g_assert_false(fast_hit(e->addr_read, 0x5679, 2));   /* unaligned */
    g_assert_true(fast_hit(e->addr_code, 0x5000, 4));
    g_assert_true((uint8_t *)(uintptr_t)(0x5678 + e->addend) ==
                  ram.host + 0x5678);
    /* the user TLB is separate */
    g_assert_cmphex(entry(tc, MMU_USER_IDX, 0x5678)->addr_read, ==,
                    (uint64_t)-1);
    cpu_st_mmu(env, 0x6ffe, 0x11223344, MMU_KERNEL_IDX, 4, 0); /* crosses */
    g_assert_cmphex(ram.host[0x6ffe], ==, 0x44);
    g_assert_cmphex(ram.host[0x7001], ==, 0x11);
    g_assert_cmphex(cpu_ld_mmu(env, 0x6fff, MMU_KERNEL_IDX, 2, 0), ==,
                    0x2233);
    tcg_cpu_free(tc);
}

static void test_mmio(void)
{
    TcgCpu *tc = new_cpu();
    X86CPUState *env = &tc->env;

    g_assert_cmphex(cpu_ld_mmu(env, 0x100010, MMU_KERNEL_IDX, 2, 0), ==,
                    0xab02);
    g_assert_cmphex(mmio_last_addr, ==, 0x10);
    g_assert_true(entry(tc, 0, 0x100010)->addr_read & TLB_MMIO);
    cpu_st_mmu(env, 0x100020, 0x77, MMU_KERNEL_IDX, 1, 0);
    g_assert_cmphex(mmio_last_addr, ==, 0x20);
    g_assert_cmphex(mmio_last_val, ==, 0x77);
    tcg_cpu_free(tc);
}

static void test_fault_no_partial_store(void)
{
    TcgCpu *tc = new_cpu();
    X86CPUState *env = &tc->env;

    env->cr[0] |= CR0_PG;
    env->cr[3] = 0x1000;
    map_page(0x400000, 0x8000, 7);      /* 0x401000 stays unmapped */
    env->exception_index = -1;
    if (sigsetjmp(tc->jmp_env, 0) == 0) {
        cpu_st_mmu(env, 0x400ffe, 0xdeadbeef, MMU_USER_IDX, 4, 0);
        g_assert_not_reached();
    }
    g_assert_cmpint(env->exception_index, ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_W | PF_ERR_U);
    g_assert_cmphex(env->cr[2], ==, 0x401000);
    g_assert_cmphex(ram.host[0x8ffe], ==, 0);
    g_assert_cmphex(ram.host[0x8fff], ==, 0);
    tcg_cpu_free(tc);
}

static void test_flush(void)
{
    TcgCpu *tc = new_cpu();
    X86CPUState *env = &tc->env;

    env->cr[0] |= CR0_PG;
    env->cr[3] = 0x1000;
    env->cr[4] = CR4_PGE;
    map_page(0x400000, 0x8000, 7);
    map_page(0x401000, 0x9000, 7 | 0x100);      /* global */
    cpu_ld_mmu(env, 0x400000, MMU_KERNEL_IDX, 4, 0);
    cpu_ld_mmu(env, 0x401000, MMU_KERNEL_IDX, 4, 0);
    tlb_flush_nonglobal(tc);
    g_assert_cmphex(entry(tc, 0, 0x400000)->addr_read, ==, (uint64_t)-1);
    g_assert_true(fast_hit(entry(tc, 0, 0x401000)->addr_read, 0x401000, 4));
    /* a changed mapping is seen only after INVLPG */
    map_page(0x401000, 0xa000, 7);
    ram.host[0xa000] = 0x42;
    g_assert_cmphex(cpu_ld_mmu(env, 0x401000, 0, 1, 0), ==, 0);
    tlb_flush_page(tc, 0x401abc);
    g_assert_cmphex(cpu_ld_mmu(env, 0x401000, 0, 1, 0), ==, 0x42);
    tlb_flush(tc);
    g_assert_cmphex(entry(tc, 0, 0x401000)->addr_read, ==, (uint64_t)-1);
    tcg_cpu_free(tc);
}

static void test_large_page_invlpg(void)
{
    TcgCpu *tc = new_cpu();
    X86CPUState *env = &tc->env;

    env->cr[0] |= CR0_PG;
    env->cr[3] = 0x1000;
    env->cr[4] = CR4_PSE;
    as_write(&address_space_memory, 0x1000 + 2 * 4, 0x83 | 0x4, 4);
    cpu_ld_mmu(env, 0x800000, 0, 4, 0);         /* 4 MiB page at 8M -> 0 */
    cpu_ld_mmu(env, 0x9ff000, 0, 4, 0);
    g_assert_cmphex(tc->large_page_mask, ==, ~(vaddr)0x3fffff);
    /* INVLPG anywhere in the large page drops its 4 KiB pieces */
    tlb_flush_page(tc, 0x900000);
    g_assert_cmphex(entry(tc, 0, 0x800000)->addr_read, ==, (uint64_t)-1);
    g_assert_cmphex(entry(tc, 0, 0x9ff000)->addr_read, ==, (uint64_t)-1);
    tcg_cpu_free(tc);
}

static void test_notdirty(void)
{
    TcgCpu *tc = new_cpu();
    X86CPUState *env = &tc->env;

    cpu_st_mmu(env, 0x3000, 1, 0, 1, 0);
    g_assert_true(fast_hit(entry(tc, 0, 0x3000)->addr_write, 0x3000, 1));
    /* the page gets code: existing write entries turn slow */
    mr_set_code_page(&ram, 0x3000, true);
    tlb_set_notdirty(&ram, 0x3000);
    g_assert_true(entry(tc, 0, 0x3000)->addr_write & TLB_NOTDIRTY);
    g_assert_true(fast_hit(entry(tc, 0, 0x3000)->addr_read, 0x3000, 1));
    /* a store there (no TB registered) writes and clears the bit once the
     * page has no code left */
    mr_set_code_page(&ram, 0x3000, false);
    cpu_st_mmu(env, 0x3004, 0x99, 0, 1, 0);
    g_assert_cmphex(ram.host[0x3004], ==, 0x99);
    g_assert_false(entry(tc, 0, 0x3000)->addr_write & TLB_NOTDIRTY);
    tcg_cpu_free(tc);
}

static void test_a20(void)
{
    TcgCpu *tc = new_cpu();
    X86CPUState *env = &tc->env;
    X86CPU cpu = { 0 };

    tc->cpu = &cpu;
    ram.host[0x0010] = 0x33;
    g_assert_cmphex(cpu_ld_mmu(env, 0x100010, 0, 1, 0), ==, 0x01); /* MMIO */
    tc->a20_pending = ~(1ull << 20);
    tlb_process_pending(tc);
    g_assert_cmphex(env->a20_mask, ==, ~(1ull << 20));
    /* 0x100010 wraps to 0x10 with A20 off (the MMIO window is above) */
    g_assert_cmphex(cpu_ld_mmu(env, 0x100010, 0, 1, 0), ==, 0x33);
    tcg_cpu_free(tc);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    as_init(&address_space_memory, "memory", 1ull << 32);
    mr_init_ram(&ram, "ram", 1u << 20);
    mr_init_io(&mmio, &mmio_ops, NULL, "mmio", 0x1000);
    as_map(&address_space_memory, &ram, 0, 0);
    as_map(&address_space_memory, &mmio, 0x100000, 0);
    g_test_add_func("/accel/tlb/fill-hit", test_fill_hit);
    g_test_add_func("/accel/tlb/mmio", test_mmio);
    g_test_add_func("/accel/tlb/fault-no-partial-store",
                    test_fault_no_partial_store);
    g_test_add_func("/accel/tlb/flush", test_flush);
    g_test_add_func("/accel/tlb/large-page-invlpg", test_large_page_invlpg);
    g_test_add_func("/accel/tlb/notdirty", test_notdirty);
    g_test_add_func("/accel/tlb/a20", test_a20);
    return g_test_run();
}
