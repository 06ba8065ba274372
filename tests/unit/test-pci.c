/* SPDX-License-Identifier: MIT */
/*
 * PCI bus, i440FX, PIIX3 and PIIX4 PM driven through configuration
 * mechanism #1 (ports 0xCF8/0xCFC) as a BIOS or OS would: IDs, BAR sizing
 * and decoding, -device placement, PIRQ routing, 0xCF9, the PM timer.
 */
#include "kestrel/osdep.h"
#include "kestrel/pci.h"
#include "kestrel/pc.h"
#include "test-board.h"

#define TEST_BAR_IO_SIZE        0x20
#define TEST_BAR_MEM_SIZE       0x1000

/* A small card: BAR0 I/O (offset 0 drives INTA#), BAR1 memory. */
typedef struct TestCard {
    PciDevice pci;
    MemRegion io, mem;
} TestCard;

static uint64_t card_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0x40 + addr;
}

static void card_write(void *opaque, hwaddr addr, uint64_t val,
                       unsigned size)
{
    TestCard *c = opaque;

    pci_set_irq(&c->pci, val & 1);
}

static const MemRegionOps card_ops = {
    .read = card_read,
    .write = card_write,
    .min_access = 1,
    .max_access = 4,
};

static bool card_realize(PciDevice *d, GError **errp)
{
    TestCard *c = container_of(d, TestCard, pci);

    mr_init_io(&c->io, &card_ops, c, "card-io", TEST_BAR_IO_SIZE);
    mr_init_io(&c->mem, &card_ops, c, "card-mem", TEST_BAR_MEM_SIZE);
    pci_register_bar(d, 0, &c->io);
    pci_register_bar(d, 1, &c->mem);
    return true;
}

static const PropDesc card_props[] = {
    PCI_DEVICE_PROPS(TestCard),
    DEV_PROP_END,
};

static const PciDeviceType card_type = {
    .dev = {
        PCI_DEVICE_TYPE_INIT("test-card", TestCard),
        .props = card_props,
        .user_creatable = true,
    },
    .vendor_id = 0x1234,
    .device_id = 0x5678,
    .class_code = 0x020000,
    .int_pin = 1,
    .bars = {
        { TEST_BAR_IO_SIZE, PCI_BAR_IO },
        { TEST_BAR_MEM_SIZE, 0 },
    },
    .realize = card_realize,
};
PCI_DEVICE_TYPE_REGISTER(card_type);

typedef struct Fixture {
    TestBoard *tb;
    PciBus *bus;
    Device *piix3;
    Device *pm;
} Fixture;

static Device *add(const char *opts)
{
    g_autoptr(GError) err = NULL;
    Device *dev = dev_create_from_opts(opts, &err);

    g_assert_no_error(err);
    return dev;
}

/* As the board creates its chipset functions. */
static Device *board_add(const char *type, const char *addr)
{
    g_autoptr(GError) err = NULL;
    Device *dev = dev_new(type, &err);

    g_assert_no_error(err);
    dev_set_prop(dev, "addr", addr, &err);
    g_assert_no_error(err);
    dev_realize(dev, &err);
    g_assert_no_error(err);
    return dev;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->tb = test_board_new();
    f->bus = pci_bus_new(&address_space_memory, &address_space_io);
    board_add("i440FX-pcihost", "0");
    f->piix3 = board_add("PIIX3", "1.0");
    board_add("piix3-ide-function", "1.1");
    f->pm = board_add("PIIX4_PM", "1.3");
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    pci_bus_free(f->bus);
    test_board_free(f->tb);
}

static uint32_t cfg_readl(Fixture *f, int devfn, int reg)
{
    test_outl(f->tb, 0xcf8, 0x80000000u | (devfn << 8) | reg);
    return test_inl(f->tb, 0xcfc);
}

static uint8_t cfg_readb(Fixture *f, int devfn, int reg)
{
    test_outl(f->tb, 0xcf8, 0x80000000u | (devfn << 8) | (reg & 0xfc));
    return test_inb(f->tb, 0xcfc + (reg & 3));
}

static void cfg_writel(Fixture *f, int devfn, int reg, uint32_t val)
{
    test_outl(f->tb, 0xcf8, 0x80000000u | (devfn << 8) | reg);
    test_outl(f->tb, 0xcfc, val);
}

static void cfg_writeb(Fixture *f, int devfn, int reg, uint8_t val)
{
    test_outl(f->tb, 0xcf8, 0x80000000u | (devfn << 8) | (reg & 0xfc));
    test_outb(f->tb, 0xcfc + (reg & 3), val);
}

static void test_ids(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(cfg_readl(f, PCI_DEVFN(0, 0), 0), ==, 0x12378086);
    g_assert_cmphex(cfg_readl(f, PCI_DEVFN(1, 0), 0), ==, 0x70008086);
    g_assert_cmphex(cfg_readl(f, PCI_DEVFN(1, 1), 0), ==, 0x70108086);
    g_assert_cmphex(cfg_readl(f, PCI_DEVFN(1, 3), 0), ==, 0x71138086);
    g_assert_cmphex(cfg_readl(f, PCI_DEVFN(2, 0), 0), ==, 0xffffffff);
    /* SeaBIOS recognises QEMU by the host bridge's subsystem IDs. */
    g_assert_cmphex(cfg_readl(f, 0, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    0x11001af4);
    g_assert_cmphex(cfg_readl(f, PCI_DEVFN(1, 0), 8) >> 8, ==, 0x060100);
    g_assert_cmphex(cfg_readb(f, PCI_DEVFN(1, 0), PCI_HEADER_TYPE), ==,
                    0x80);
    g_assert_cmphex(cfg_readb(f, 0, PCI_HEADER_TYPE), ==, 0x00);
    /* CONFIG_ADDRESS reads back; with the enable bit off, nothing. */
    test_outl(f->tb, 0xcf8, 0x80000000u);
    g_assert_cmphex(test_inl(f->tb, 0xcf8), ==, 0x80000000u);
    test_outl(f->tb, 0xcf8, 0);
    g_assert_cmphex(test_inl(f->tb, 0xcfc), ==, 0xffffffff);
    /* Read-only identity: a write to the vendor ID changes nothing. */
    cfg_writel(f, 0, 0, 0);
    g_assert_cmphex(cfg_readl(f, 0, 0), ==, 0x12378086);
}

static void test_bar_sizing(Fixture *f, gconstpointer data)
{
    Device *card = add("test-card");
    int devfn = PCI_DEVFN(2, 0);        /* the next free slot */

    g_assert_nonnull(card);
    g_assert_cmphex(cfg_readl(f, devfn, 0), ==, 0x56781234);
    cfg_writel(f, devfn, 0x10, 0xffffffff);
    cfg_writel(f, devfn, 0x14, 0xffffffff);
    g_assert_cmphex(cfg_readl(f, devfn, 0x10), ==, 0xffffffe1);
    g_assert_cmphex(cfg_readl(f, devfn, 0x14), ==, 0xfffff000);
    /* Nothing decodes while the command register is off. */
    cfg_writel(f, devfn, 0x10, 0xc000);
    cfg_writel(f, devfn, 0x14, 0xfebf0000);
    g_assert_cmphex(test_inb(f->tb, 0xc004), ==, 0xff);
    cfg_writel(f, devfn, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    g_assert_cmphex(test_inb(f->tb, 0xc004), ==, 0x44);
    g_assert_cmphex(as_read(&address_space_memory, 0xfebf0010, 1, NULL), ==,
                    0x50);
    /* Moving the BAR moves the decode. */
    cfg_writel(f, devfn, 0x10, 0xd000);
    g_assert_cmphex(test_inb(f->tb, 0xc004), ==, 0xff);
    g_assert_cmphex(test_inb(f->tb, 0xd004), ==, 0x44);
    cfg_writel(f, devfn, PCI_COMMAND, 0);
    g_assert_cmphex(test_inb(f->tb, 0xd004), ==, 0xff);
}

static void test_device_addr(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    g_assert_nonnull(add("test-card,addr=5"));
    g_assert_cmphex(cfg_readl(f, PCI_DEVFN(5, 0), 0), ==, 0x56781234);
    g_assert_null(dev_create_from_opts("test-card,addr=1.0", &err));
    g_assert_error(err, KS_ERROR, KS_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "in use"));
    g_clear_error(&err);
    g_assert_null(dev_create_from_opts("test-card,addr=zz", &err));
    g_assert_error(err, KS_ERROR, KS_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_null(dev_create_from_opts("test-card,addr=3.9", &err));
    g_assert_error(err, KS_ERROR, KS_ERROR_INVALID);
}

static void test_pirq_routing(Fixture *f, gconstpointer data)
{
    int devfn = PCI_DEVFN(2, 0);

    add("test-card");
    cfg_writel(f, devfn, 0x10, 0xc000);
    cfg_writel(f, devfn, PCI_COMMAND, PCI_COMMAND_IO);
    /* Slot 2 INTA# is PIRQB#: route it to IRQ 11 as SeaBIOS does. */
    cfg_writeb(f, PCI_DEVFN(1, 0), 0x61, 11);
    test_outb(f->tb, 0xc000, 1);
    g_assert_cmpint(test_irq_level(f->tb, 11), ==, 1);
    g_assert_cmphex(cfg_readl(f, devfn, PCI_COMMAND) >> 16 &
                    PCI_STATUS_INTERRUPT, ==, PCI_STATUS_INTERRUPT);
    /* INTx disable masks it; re-routing moves it. */
    cfg_writel(f, devfn, PCI_COMMAND,
               PCI_COMMAND_IO | PCI_COMMAND_INTX_DISABLE);
    g_assert_cmpint(test_irq_level(f->tb, 11), ==, 0);
    cfg_writel(f, devfn, PCI_COMMAND, PCI_COMMAND_IO);
    g_assert_cmpint(test_irq_level(f->tb, 11), ==, 1);
    cfg_writeb(f, PCI_DEVFN(1, 0), 0x61, 10);
    g_assert_cmpint(test_irq_level(f->tb, 11), ==, 0);
    g_assert_cmpint(test_irq_level(f->tb, 10), ==, 1);
    cfg_writeb(f, PCI_DEVFN(1, 0), 0x61, 0x80);     /* disabled */
    g_assert_cmpint(test_irq_level(f->tb, 10), ==, 0);
    cfg_writeb(f, PCI_DEVFN(1, 0), 0x61, 10);
    test_outb(f->tb, 0xc000, 0);
    g_assert_cmpint(test_irq_level(f->tb, 10), ==, 0);
}

static void test_reset_control(Fixture *f, gconstpointer data)
{
    test_irq_watch(f->tb, &f->piix3->irq_out[0], TEST_IRQ_AUX0);
    test_outb(f->tb, 0xcf9, 0x02);
    g_assert_cmpuint(test_irq_rising_edges(f->tb, TEST_IRQ_AUX0), ==, 0);
    g_assert_cmphex(test_inb(f->tb, 0xcf9), ==, 0x02);
    test_outb(f->tb, 0xcf9, 0x06);
    g_assert_cmpuint(test_irq_rising_edges(f->tb, TEST_IRQ_AUX0), ==, 1);
    /* CONFIG_ADDRESS is untouched by the byte access at 0xCF9. */
    test_outl(f->tb, 0xcf8, 0x80000800u);
    test_outb(f->tb, 0xcf9, 0x00);
    g_assert_cmphex(test_inl(f->tb, 0xcf8), ==, 0x80000800u);
}

static void test_pm(Fixture *f, gconstpointer data)
{
    int devfn = PCI_DEVFN(1, 3);
    uint32_t t0, t1;

    /* What SeaBIOS does: PMBA 0xB000, PMIOSE, then the timer at +8. */
    cfg_writel(f, devfn, 0x40, 0xb001);
    g_assert_cmphex(test_inl(f->tb, 0xb008), ==, 0xffffffff);
    cfg_writeb(f, devfn, 0x80, 0x01);
    t0 = test_inl(f->tb, 0xb008);
    test_clock_step_ns(f->tb, 1000 * 1000);         /* 3579.545 ticks */
    t1 = test_inl(f->tb, 0xb008);
    g_assert_cmpuint((t1 - t0) & 0xffffff, >=, 3579);
    g_assert_cmpuint((t1 - t0) & 0xffffff, <=, 3580);
    /* Power button: status, then SCI on IRQ 9 once enabled. */
    irq_connect(&f->pm->irq_out[0], isa_get_irq(9));
    piix4_pm_power_button(f->pm);
    g_assert_cmphex(test_inw(f->tb, 0xb000) & 0x0100, ==, 0x0100);
    g_assert_cmpint(test_irq_level(f->tb, 9), ==, 0);
    test_outw(f->tb, 0xb002, 0x0100);
    test_outb(f->tb, 0xb2, 0xf1);                   /* ACPI enable */
    g_assert_cmphex(test_inw(f->tb, 0xb004) & 1, ==, 1);
    g_assert_cmpint(test_irq_level(f->tb, 9), ==, 1);
    test_outw(f->tb, 0xb000, 0x0100);               /* write 1 to clear */
    g_assert_cmpint(test_irq_level(f->tb, 9), ==, 0);
    /* S5: SLP_TYP 0 with SLP_EN pulses the power-off line. */
    test_irq_watch(f->tb, &f->pm->irq_out[1], TEST_IRQ_AUX0);
    test_outw(f->tb, 0xb004, 0x2001);
    g_assert_cmpuint(test_irq_rising_edges(f->tb, TEST_IRQ_AUX0), ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/hw/pci/ids", test_ids);
    ADD("/hw/pci/bar-sizing", test_bar_sizing);
    ADD("/hw/pci/device-addr", test_device_addr);
    ADD("/hw/pci/pirq-routing", test_pirq_routing);
    ADD("/hw/pci/reset-control", test_reset_control);
    ADD("/hw/pci/piix4-pm", test_pm);
#undef ADD
    return g_test_run();
}
