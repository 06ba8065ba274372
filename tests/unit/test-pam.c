/* SPDX-License-Identifier: MIT */
/*
 * i440FX PAM and SMRAM: the guest switches 0xC0000-0xFFFFF between the
 * BIOS ROM and shadow RAM, and 0xA0000 between VGA and SMRAM, through
 * PCI config writes; the effect is observed through address_space_memory.
 */
#include "kestrel/osdep.h"
#include "kestrel/pci.h"
#include "kestrel/pc.h"
#include "test-board.h"

#define RAM_SIZE        (2u << 20)

typedef struct Fixture {
    TestBoard *tb;
    PciBus *bus;
    MemRegion ram, bios, vga;
} Fixture;

static uint64_t vga_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0x77;
}

static const MemRegionOps vga_ops = {
    .read = vga_read,
    .min_access = 1,
    .max_access = 1,
};

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    Device *host;

    f->tb = test_board_new();
    f->bus = pci_bus_new(&address_space_memory, &address_space_io);
    /* The board's layout: RAM, the ISA BIOS alias, the VGA window. */
    mr_init_ram(&f->ram, "pc.ram", RAM_SIZE);
    memset(f->ram.host, 0x55, RAM_SIZE);
    as_map(&address_space_memory, &f->ram, 0, PC_PRIO_RAM);
    mr_init_rom(&f->bios, "isa-bios", 0x20000);
    memset(f->bios.host, 0xaa, 0x20000);
    as_map(&address_space_memory, &f->bios, 0xe0000, PC_PRIO_ROM);
    mr_init_io(&f->vga, &vga_ops, NULL, "vga", 0x20000);
    as_map(&address_space_memory, &f->vga, 0xa0000, PC_PRIO_ROM);

    host = dev_new("i440FX-pcihost", &err);
    g_assert_no_error(err);
    dev_realize(host, &err);
    g_assert_no_error(err);
    i440fx_init_pam(host, &f->ram);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    pci_bus_free(f->bus);
    test_board_free(f->tb);
    mr_destroy(&f->ram);
    mr_destroy(&f->bios);
}

static void host_writeb(Fixture *f, int reg, uint8_t val)
{
    test_outl(f->tb, 0xcf8, 0x80000000u | (reg & 0xfc));
    test_outb(f->tb, 0xcfc + (reg & 3), val);
}

static uint8_t mem_readb(hwaddr addr)
{
    return as_read(&address_space_memory, addr, 1, NULL);
}

static void mem_writeb(hwaddr addr, uint8_t val)
{
    as_write(&address_space_memory, addr, val, 1);
}

static void test_bios_segment(Fixture *f, gconstpointer data)
{
    /* Reset: reads and writes go to the ROM side. */
    g_assert_cmphex(mem_readb(0xffff0), ==, 0xaa);
    mem_writeb(0xffff0, 0x12);
    g_assert_cmphex(mem_readb(0xffff0), ==, 0xaa);
    g_assert_cmphex(f->ram.host[0xffff0], ==, 0x55);

    /* SeaBIOS's make_bios_writable: PAM0 = 0x30, RAM read/write. */
    host_writeb(f, 0x59, 0x30);
    g_assert_cmphex(mem_readb(0xffff0), ==, 0x55);
    mem_writeb(0xffff0, 0x12);
    g_assert_cmphex(mem_readb(0xffff0), ==, 0x12);

    /* make_bios_readonly: PAM0 = 0x10, RAM read-only. */
    host_writeb(f, 0x59, 0x10);
    mem_writeb(0xffff0, 0x34);
    g_assert_cmphex(mem_readb(0xffff0), ==, 0x12);
    g_assert_cmphex(f->ram.host[0xffff0], ==, 0x12);

    /* Back to the ROM; the shadow copy stays in RAM. */
    host_writeb(f, 0x59, 0x00);
    g_assert_cmphex(mem_readb(0xffff0), ==, 0xaa);
    g_assert_cmphex(f->ram.host[0xffff0], ==, 0x12);
}

static void test_16k_segments(Fixture *f, gconstpointer data)
{
    /* PAM5 high nibble: 0xE4000-0xE7FFF only. */
    host_writeb(f, 0x5e, 0x30);
    g_assert_cmphex(mem_readb(0xe3fff), ==, 0xaa);
    g_assert_cmphex(mem_readb(0xe4000), ==, 0x55);
    g_assert_cmphex(mem_readb(0xe7fff), ==, 0x55);
    g_assert_cmphex(mem_readb(0xe8000), ==, 0xaa);
    /* PAM1 low nibble: 0xC0000-0xC3FFF is RAM over the PCI side. */
    host_writeb(f, 0x5a, 0x03);
    mem_writeb(0xc0000, 0x99);
    g_assert_cmphex(f->ram.host[0xc0000], ==, 0x99);
    /* The registers keep only the RE/WE/CE bits. */
    host_writeb(f, 0x5b, 0xff);
    test_outl(f->tb, 0xcf8, 0x80000058u);
    g_assert_cmphex(test_inl(f->tb, 0xcfc) >> 8, ==, 0x770300);
}

static void test_smram(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(mem_readb(0xa0000), ==, 0x77);
    host_writeb(f, 0x72, 0x4a);                     /* D_OPEN */
    g_assert_cmphex(mem_readb(0xa0000), ==, 0x55);
    host_writeb(f, 0x72, 0x5a);                     /* D_LCK closes it */
    g_assert_cmphex(mem_readb(0xa0000), ==, 0x77);
    host_writeb(f, 0x72, 0x4a);                     /* locked: no effect */
    g_assert_cmphex(mem_readb(0xa0000), ==, 0x77);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/hw/i440fx/pam/bios-segment", test_bios_segment);
    ADD("/hw/i440fx/pam/16k-segments", test_16k_segments);
    ADD("/hw/i440fx/smram", test_smram);
#undef ADD
    return g_test_run();
}
