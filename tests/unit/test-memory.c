/* SPDX-License-Identifier: MIT */
/*
 * The memory map: priorities, aliases, read-only RAM, device access
 * splitting and widening, unassigned reads, DMA range checks, and the
 * port I/O dispatch.
 */
#include "kestrel/osdep.h"
#include "kestrel/memory.h"

typedef struct FakeDev {
    uint8_t regs[16];
    unsigned last_size;
    unsigned nr_accesses;
} FakeDev;

static uint64_t fake_read(void *opaque, hwaddr addr, unsigned size)
{
    FakeDev *d = opaque;
    uint64_t v = 0;

    d->last_size = size;
    d->nr_accesses++;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->regs[(addr + i) & 15] << (i * 8);
    }
    return v;
}

static void fake_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    FakeDev *d = opaque;

    d->last_size = size;
    d->nr_accesses++;
    for (unsigned i = 0; i < size; i++) {
        d->regs[(addr + i) & 15] = val >> (i * 8);
    }
}

static const MemRegionOps fake_ops_1 = {
    .read = fake_read, .write = fake_write, .min_access = 1, .max_access = 1,
};
static const MemRegionOps fake_ops_4 = {
    .read = fake_read, .write = fake_write, .min_access = 4, .max_access = 4,
};

static void test_priority_overlap(void)
{
    AddressSpace as;
    MemRegion low, high;

    as_init(&as, "t", 1ull << 32);
    mr_init_ram(&low, "low", 0x10000);
    mr_init_ram(&high, "high", 0x1000);
    memset(low.host, 0x11, 0x10000);
    memset(high.host, 0x22, 0x1000);
    as_map(&as, &low, 0, 0);
    as_map(&as, &high, 0x4000, 1);
    g_assert_cmpuint(as_read(&as, 0x3fff, 1, NULL), ==, 0x11);
    g_assert_cmpuint(as_read(&as, 0x4000, 1, NULL), ==, 0x22);
    g_assert_cmpuint(as_read(&as, 0x4fff, 1, NULL), ==, 0x22);
    g_assert_cmpuint(as_read(&as, 0x5000, 1, NULL), ==, 0x11);
    /* a read across the boundary takes a byte from each */
    g_assert_cmphex(as_read(&as, 0x4fff, 2, NULL), ==, 0x1122);
    /* the flat view: low, high, low */
    g_assert_cmpuint(as.view->nr, ==, 3);
    g_assert_cmpuint(as_lookup(&as, 0x5000)->offset, ==, 0x5000);

    mr_set_enabled(&high, false);
    g_assert_cmpuint(as_read(&as, 0x4000, 1, NULL), ==, 0x11);
    g_assert_cmpuint(as.view->nr, ==, 1);
    as_destroy(&as);
    mr_destroy(&low);
    mr_destroy(&high);
}

static void test_alias_and_readonly(void)
{
    AddressSpace as;
    MemRegion ram, alias;
    MemTxResult res;

    as_init(&as, "t", 1ull << 32);
    mr_init_ram(&ram, "ram", 0x20000);
    mr_init_alias(&alias, "window", &ram, 0x10000, 0x1000);
    as_map(&as, &ram, 0, 0);
    as_map(&as, &alias, 0x100000, 0);
    g_assert_cmpint(as_write(&as, 0x100010, 0xabcd, 2), ==, MEMTX_OK);
    g_assert_cmphex(ram.host[0x10010], ==, 0xcd);
    g_assert_cmphex(as_read(&as, 0x10010, 2, NULL), ==, 0xabcd);

    /* moving the alias window */
    mr_set_alias_offset(&alias, 0);
    g_assert_cmphex(as_read(&as, 0x100010, 2, NULL), ==, 0);

    /* read-only RAM drops writes and says so */
    mr_set_readonly(&ram, true);
    g_assert_cmpint(as_write(&as, 0x20, 0x55, 1), ==, MEMTX_READONLY);
    g_assert_cmphex(as_read(&as, 0x20, 1, &res), ==, 0);
    g_assert_cmpint(res, ==, MEMTX_OK);
    as_destroy(&as);
    mr_destroy(&ram);
}

static void test_unassigned(void)
{
    AddressSpace as;
    MemTxResult res;
    uint8_t buf[4];

    as_init(&as, "t", 1ull << 32);
    g_assert_cmphex(as_read(&as, 0x1234, 4, &res), ==, 0xffffffff);
    g_assert_cmpint(res, ==, MEMTX_UNASSIGNED);
    g_assert_cmpint(as_rw(&as, 0, buf, 4, true), ==, MEMTX_UNASSIGNED);
    as_destroy(&as);
}

static void test_io_split_and_widen(void)
{
    AddressSpace as;
    MemRegion narrow, wide;
    FakeDev a = { 0 }, b = { 0 };

    as_init(&as, "t", 0x10000);
    mr_init_io(&narrow, &fake_ops_1, &a, "narrow", 16);
    mr_init_io(&wide, &fake_ops_4, &b, "wide", 16);
    as_map(&as, &narrow, 0x100, 0);
    as_map(&as, &wide, 0x200, 0);

    /* a 4-byte write to a byte-wide device becomes 4 byte writes */
    as_write(&as, 0x100, 0x44332211, 4);
    g_assert_cmpuint(a.nr_accesses, ==, 4);
    g_assert_cmpuint(a.last_size, ==, 1);
    g_assert_cmphex(a.regs[3], ==, 0x44);
    g_assert_cmphex(as_read(&as, 0x101, 2, NULL), ==, 0x3322);

    /* a byte read from a dword-only device reads the dword and extracts */
    memcpy(b.regs, "\x01\x02\x03\x04", 4);
    g_assert_cmphex(as_read(&as, 0x202, 1, NULL), ==, 0x03);
    g_assert_cmpuint(b.last_size, ==, 4);
    as_destroy(&as);
}

static void test_dma_bounds(void)
{
    MemRegion ram, dev;
    FakeDev d = { 0 };
    uint8_t buf[16] = { 1, 2, 3 };

    as_init(&address_space_memory, "memory", 1ull << 32);
    mr_init_ram(&ram, "ram", 0x1000);
    mr_init_io(&dev, &fake_ops_1, &d, "mmio", 16);
    as_map(&address_space_memory, &ram, 0, 0);
    as_map(&address_space_memory, &dev, 0x1000, 0);
    g_assert_true(dma_write(0xff0, buf, 16));
    g_assert_true(dma_read(0xff0, buf, 16));
    /* a range running into MMIO or off the end of RAM is refused whole */
    g_assert_false(dma_write(0xff8, buf, 16));
    g_assert_cmpuint(d.nr_accesses, ==, 0);
    g_assert_false(dma_read(0x5000, buf, 1));
    g_assert_false(dma_read(UINT64_MAX - 2, buf, 8));
    as_destroy(&address_space_memory);
    mr_destroy(&ram);
}

static void test_ioport_dispatch(void)
{
    MemRegion dev;
    FakeDev d = { 0 };

    as_init(&address_space_io, "io", 0x10000);
    mr_init_io(&dev, &fake_ops_1, &d, "dev", 4);
    as_map(&address_space_io, &dev, 0x3f8, 0);
    io_write(0x3f9, 0x5a, 1);
    g_assert_cmphex(io_read(0x3f9, 1), ==, 0x5a);
    /* unhandled ports float high, at every size */
    g_assert_cmphex(io_read(0x1234, 1), ==, 0xff);
    g_assert_cmphex(io_read(0x1234, 2), ==, 0xffff);
    g_assert_cmphex(io_read(0x1234, 4), ==, 0xffffffff);
    io_write(0x1234, 0, 1);             /* dropped, no crash */
    as_destroy(&address_space_io);
}

static MemRegion *hook_mr;
static uint64_t hook_offset;

static void code_write_hook(MemRegion *mr, uint64_t offset, uint64_t len)
{
    hook_mr = mr;
    hook_offset = offset;
}

static void test_code_page_hook(void)
{
    AddressSpace as;
    MemRegion ram;

    as_init(&as, "t", 1ull << 32);
    mr_init_ram(&ram, "ram", 0x4000);
    as_map(&as, &ram, 0x10000, 0);
    mem_code_write_hook = code_write_hook;
    mr_set_code_page(&ram, 0x2000, true);
    as_write(&as, 0x11000, 1, 4);
    g_assert_null(hook_mr);
    as_write(&as, 0x12ffe, 1, 4);       /* straddles into the code page */
    g_assert_true(hook_mr == &ram);
    g_assert_cmphex(hook_offset, ==, 0x2ffe);
    mem_code_write_hook = NULL;
    as_destroy(&as);
    mr_destroy(&ram);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/memory/priority-overlap", test_priority_overlap);
    g_test_add_func("/core/memory/alias-readonly", test_alias_and_readonly);
    g_test_add_func("/core/memory/unassigned", test_unassigned);
    g_test_add_func("/core/memory/io-split-widen", test_io_split_and_widen);
    g_test_add_func("/core/memory/dma-bounds", test_dma_bounds);
    g_test_add_func("/core/memory/code-page-hook", test_code_page_hook);
    g_test_add_func("/core/ioport/dispatch", test_ioport_dispatch);
    return g_test_run();
}
