/* SPDX-License-Identifier: MIT */
/*
 * Page walk (cpu/x86/mmu.c) on a test RAM: no paging with A20, 32-bit
 * paging with 4 KiB and 4 MiB (PSE, PSE-36) pages, PAE with 2 MiB pages
 * and NX, 4-level paging (IA-32e) with 48-bit addresses, 2 MiB pages, NX
 * and reserved PS bits; accessed/dirty bits; every #PF error code bit.
 */
#include "kestrel/osdep.h"
#include "kestrel/memory.h"
#include "cpu/x86/cpu.h"

#define PG_P   0x001u
#define PG_RW  0x002u
#define PG_US  0x004u
#define PG_A   0x020u
#define PG_D   0x040u
#define PG_PS  0x080u
#define PG_G   0x100u

static MemRegion ram;
static X86CPUState env;

static void put32(hwaddr a, uint32_t v)
{
    as_write(&address_space_memory, a, v, 4);
}

static void put64(hwaddr a, uint64_t v)
{
    as_write(&address_space_memory, a, v, 8);
}

static uint64_t get64(hwaddr a)
{
    return as_read(&address_space_memory, a, 8, NULL);
}

static void setup(uint32_t cr4)
{
    memset(ram.host, 0, ram.size);
    memset(&env, 0, sizeof(env));
    env.a20_mask = ~0ull;
    env.cr[0] = CR0_PE | CR0_PG | CR0_WP;
    env.cr[3] = 0x1000;
    env.cr[4] = cr4;
}

static bool walk(vaddr a, X86Access acc, unsigned idx, X86PageResult *r)
{
    return x86_mmu_translate(&env, a, acc, idx, r);
}

static void test_no_paging(void)
{
    X86PageResult r;

    setup(0);
    env.cr[0] = CR0_PE;
    g_assert_true(walk(0x123456, X86_ACC_WRITE, MMU_USER_IDX, &r));
    g_assert_cmphex(r.paddr, ==, 0x123456);
    g_assert_cmphex(r.prot, ==, 7);
    env.a20_mask = ~(1ull << 20);
    g_assert_true(walk(0x123456, X86_ACC_READ, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.paddr, ==, 0x023456);
}

static void test_2level_4k(void)
{
    X86PageResult r;

    setup(0);
    put32(0x1000 + 1 * 4, 0x2000 | PG_P | PG_RW | PG_US);   /* 4M..8M */
    put32(0x2000 + 5 * 4, 0x7000 | PG_P | PG_RW | PG_US);   /* 0x405000 */
    g_assert_true(walk(0x405abc, X86_ACC_READ, MMU_USER_IDX, &r));
    g_assert_cmphex(r.paddr, ==, 0x7abc);
    g_assert_cmpuint(r.page_size, ==, 4096);
    /* read: A on both levels, no D, no write permission cached */
    g_assert_cmphex(get64(0x1004) & 0xffffffff, ==,
                    0x2000 | PG_P | PG_RW | PG_US | PG_A);
    g_assert_cmphex(get64(0x2014) & 0xffffffff, ==,
                    0x7000 | PG_P | PG_RW | PG_US | PG_A);
    g_assert_cmphex(r.prot, ==, X86_PROT_READ | X86_PROT_EXEC);
    /* write: D set, write cached */
    g_assert_true(walk(0x405abc, X86_ACC_WRITE, MMU_USER_IDX, &r));
    g_assert_cmphex(get64(0x2014) & 0xffffffff, ==,
                    0x7000 | PG_P | PG_RW | PG_US | PG_A | PG_D);
    g_assert_cmphex(r.prot & X86_PROT_WRITE, ==, X86_PROT_WRITE);
}

static void test_2level_pse(void)
{
    X86PageResult r;

    setup(CR4_PSE | CR4_PGE);
    /* 4 MiB page at 0x00c00000 + PSE-36 bit 32 (PDE bit 13), global */
    put32(0x1000 + 2 * 4, 0x00c00000 | (1u << 13) | PG_P | PG_RW | PG_PS |
          PG_G);
    g_assert_true(walk(0x812345, X86_ACC_WRITE, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.paddr, ==, 0x100c12345ull & ~0ull);
    g_assert_cmpuint(r.page_size, ==, 4u << 20);
    g_assert_true(r.global);
    g_assert_cmphex(get64(0x1008) & 0xffffffff, ==,
                    0x00c00000 | (1u << 13) | PG_P | PG_RW | PG_PS | PG_G |
                    PG_A | PG_D);
    /* without CR4.PSE the PS bit is ignored: the PDE points to a table */
    env.cr[4] = 0;
    put32(0x1000 + 3 * 4, 0x3000 | PG_P | PG_PS);
    put32(0x3000, 0x9000 | PG_P);
    g_assert_true(walk(0xc00010, X86_ACC_READ, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.paddr, ==, 0x9010);
    /* reserved bits 21..17 of a 4 MiB PDE */
    env.cr[4] = CR4_PSE;
    put32(0x1000 + 4 * 4, 0x01000000 | (1u << 17) | PG_P | PG_PS);
    g_assert_false(walk(0x1000000, X86_ACC_READ, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_RSVD);
}

static void test_pae(void)
{
    X86PageResult r;

    setup(CR4_PAE);
    env.efer = EFER_NXE;
    put64(0x1000 + 0 * 8, 0x2000 | PG_P);                  /* PDPTE 0 */
    put64(0x2000 + 1 * 8, 0x3000 | PG_P | PG_RW | PG_US);  /* 2M..4M */
    put64(0x3000 + 3 * 8, 0x8000 | PG_P | PG_US | (1ull << 63));
    g_assert_true(walk(0x203123, X86_ACC_READ, MMU_USER_IDX, &r));
    g_assert_cmphex(r.paddr, ==, 0x8123);
    g_assert_cmphex(r.prot, ==, X86_PROT_READ);             /* NX, clean */
    g_assert_false(walk(0x203123, X86_ACC_FETCH, MMU_USER_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_U | PF_ERR_I);
    g_assert_false(walk(0x203123, X86_ACC_WRITE, MMU_USER_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_W | PF_ERR_U);
    /* 2 MiB page */
    put64(0x2000 + 2 * 8, 0x40000000ull | PG_P | PG_RW | PG_PS);
    g_assert_true(walk(0x4abcde, X86_ACC_WRITE, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.paddr, ==, 0x400abcdeull);
    g_assert_cmpuint(r.page_size, ==, 2u << 20);
    /* NX bit set while EFER.NXE is clear: reserved */
    env.efer = 0;
    g_assert_false(walk(0x203123, X86_ACC_READ, MMU_USER_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_U | PF_ERR_RSVD);
    /* not-present PDPTE, fetch without NXE: no I bit */
    g_assert_false(walk(0x40000000, X86_ACC_FETCH, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.error_code, ==, 0);
}

static void test_4level(void)
{
    X86PageResult r;
    uint64_t nx = 1ull << 63;
    vaddr hi = 0xffff800000201abcull;   /* PML4 256, PDPT 0, PD 1, PT 1 */

    setup(CR4_PAE);
    env.efer = EFER_LME | EFER_LMA | EFER_NXE;
    put64(0x1000 + 256 * 8, 0x2000 | PG_P | PG_RW | PG_US);
    put64(0x2000, 0x3000 | PG_P | PG_RW | PG_US);
    put64(0x3000 + 1 * 8, 0x4000 | PG_P | PG_RW | PG_US);
    put64(0x4000 + 1 * 8, 0x123000ull | PG_P | PG_RW | nx);
    put64(0x3000 + 2 * 8, 0x600000 | PG_P | PG_PS | PG_US); /* 2 MiB, RO */
    g_assert_true(walk(hi, X86_ACC_WRITE, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.paddr, ==, 0x123abc);
    g_assert_cmphex(r.prot, ==, X86_PROT_READ | X86_PROT_WRITE);
    g_assert_cmphex(get64(0x1800) & 0xfff, ==, PG_P | PG_RW | PG_US | PG_A);
    g_assert_cmphex(get64(0x4008), ==,
                    0x123000ull | PG_P | PG_RW | PG_A | PG_D | nx);
    /* NX: fetch faults with I/D; user access to a supervisor page */
    g_assert_false(walk(hi, X86_ACC_FETCH, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_I);
    g_assert_false(walk(hi, X86_ACC_READ, MMU_USER_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_U);
    /* 2 MiB page, read-only for a user write */
    g_assert_true(walk(0xffff800000456789ull, X86_ACC_READ, MMU_USER_IDX,
                       &r));
    g_assert_cmphex(r.paddr, ==, 0x656789);
    g_assert_cmpuint(r.page_size, ==, 2u << 20);
    g_assert_false(walk(0xffff800000456789ull, X86_ACC_WRITE, MMU_USER_IDX,
                        &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_W | PF_ERR_U);
    /* an empty PML4 slot; bit 47 selects the slot (no 32-bit wrap) */
    g_assert_false(walk(0x201abc, X86_ACC_READ, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.error_code, ==, 0);
    /* PS in a PML4E or PDPTE is reserved (no 1 GiB pages) */
    put64(0x2000, 0x40000000ull | PG_P | PG_PS);
    g_assert_false(walk(hi, X86_ACC_READ, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_RSVD);
}

static void test_fault_codes(void)
{
    X86PageResult r;

    setup(0);
    put32(0x1000, 0x2000 | PG_P | PG_RW | PG_US);
    put32(0x2000 + 1 * 4, 0x5000 | PG_P);                   /* sup, RO */
    put32(0x2000 + 2 * 4, 0x6000 | PG_P | PG_US);           /* user, RO */
    /* not present: read by supervisor, write by user */
    g_assert_false(walk(0x3000, X86_ACC_READ, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.error_code, ==, 0);
    g_assert_false(walk(0x3000, X86_ACC_WRITE, MMU_USER_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_W | PF_ERR_U);
    /* user read of a supervisor page */
    g_assert_false(walk(0x1000, X86_ACC_READ, MMU_USER_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_U);
    /* user write to a read-only user page */
    g_assert_false(walk(0x2000, X86_ACC_WRITE, MMU_USER_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_W | PF_ERR_U);
    /* supervisor write to a read-only page: #PF with WP, allowed without */
    g_assert_false(walk(0x1000, X86_ACC_WRITE, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_W);
    env.cr[0] &= ~(uint64_t)CR0_WP;
    g_assert_true(walk(0x1000, X86_ACC_WRITE, MMU_KERNEL_IDX, &r));
    g_assert_cmphex(r.paddr, ==, 0x5000);
    /* user fetch of a supervisor page, no NX: no I bit */
    g_assert_false(walk(0x1000, X86_ACC_FETCH, MMU_USER_IDX, &r));
    g_assert_cmphex(r.error_code, ==, PF_ERR_P | PF_ERR_U);
    /* the debug walk never faults nor sets bits */
    g_assert_cmphex(x86_mmu_debug_translate(&env, 0x2010), ==, 0x6010);
    g_assert_cmphex(x86_mmu_debug_translate(&env, 0x9000), ==, (hwaddr)-1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    as_init(&address_space_memory, "memory", 1ull << 36);
    mr_init_ram(&ram, "ram", 1u << 20);
    as_map(&address_space_memory, &ram, 0, 0);
    g_test_add_func("/cpu/mmu/no-paging", test_no_paging);
    g_test_add_func("/cpu/mmu/2level-4k", test_2level_4k);
    g_test_add_func("/cpu/mmu/2level-pse", test_2level_pse);
    g_test_add_func("/cpu/mmu/pae", test_pae);
    g_test_add_func("/cpu/mmu/4level", test_4level);
    g_test_add_func("/cpu/mmu/fault-codes", test_fault_codes);
    return g_test_run();
}
