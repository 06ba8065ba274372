/* SPDX-License-Identifier: MIT */
/*
 * Local APIC and I/O APIC (hw/intc/apic.c, hw/intc/ioapic.c) driven
 * through their MMIO registers on the test board: the APIC timer in
 * one-shot and periodic modes, IPIs between two local APICs (fixed,
 * logical, INIT/SIPI), TPR masking, I/O APIC edge and level entries with
 * remote IRR and EOI, masking. Each local APIC's INTR output is watched in
 * an AUX slot; the test plays the CPU's INTA cycle (apic_get_interrupt).
 */
#include "kestrel/osdep.h"
#include "kestrel/apic.h"
#include "test-board.h"

#define LAPIC0          0xfee00000u
#define LAPIC1          0xfee10000u
#define IOAPIC          0xfec00000u

#define APIC_TPR        0x080
#define APIC_PPR        0x0a0
#define APIC_EOI        0x0b0
#define APIC_LDR        0x0d0
#define APIC_SVR        0x0f0
#define APIC_ICR_LO     0x300
#define APIC_ICR_HI     0x310
#define APIC_LVT_TIMER  0x320
#define APIC_TMICT      0x380
#define APIC_TMCCT      0x390
#define APIC_TDCR       0x3e0

static Device *add_lapic(TestBoard *tb, unsigned id, hwaddr base)
{
    g_autofree char *val = g_strdup_printf("%u", id);
    g_autoptr(GError) err = NULL;
    Device *dev = dev_new("apic", &err);

    g_assert_no_error(err);
    dev_set_prop(dev, "id", val, &err);
    g_assert_no_error(err);
    dev_set_prop(dev, "bsp", id ? "false" : "true", &err);
    g_assert_no_error(err);
    dev_realize(dev, &err);
    g_assert_no_error(err);
    as_map(&address_space_memory, dev->regions[0], base, 0);
    test_writel(tb, base + APIC_SVR, 0x1ff);        /* software enable */
    return dev;
}

/* The INTA cycle; then EOI when @eoi. */
static int inta(TestBoard *tb, Device *apic, hwaddr base, bool eoi)
{
    int vec = apic_get_interrupt(apic);

    if (eoi && vec >= 0) {
        test_writel(tb, base + APIC_EOI, 0);
    }
    return vec;
}

static void test_version_id(void)
{
    g_autoptr(TestBoard) tb = test_board_new();

    add_lapic(tb, 0, LAPIC0);
    add_lapic(tb, 1, LAPIC1);
    g_assert_cmphex(test_readl(tb, LAPIC0 + 0x30), ==, 0x50014);
    g_assert_cmphex(test_readl(tb, LAPIC1 + 0x20), ==, 0x01000000);
    g_assert_cmphex(test_readl(tb, LAPIC0 + APIC_SVR), ==, 0x1ff);
}

static void test_timer_oneshot(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *a = add_lapic(tb, 0, LAPIC0);

    test_irq_watch(tb, &a->irq_out[APIC_OUT_INTR], TEST_IRQ_AUX0);
    test_writel(tb, LAPIC0 + APIC_TDCR, 0xb);       /* divide by 1 */
    test_writel(tb, LAPIC0 + APIC_LVT_TIMER, 0x40);
    test_writel(tb, LAPIC0 + APIC_TMICT, 1000);     /* 1000 ns */
    test_clock_step_ns(tb, 400);
    g_assert_cmpuint(test_readl(tb, LAPIC0 + APIC_TMCCT), ==, 600);
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_AUX0), ==, 0);
    test_clock_step_ns(tb, 700);
    g_assert_cmpuint(test_readl(tb, LAPIC0 + APIC_TMCCT), ==, 0);
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_AUX0), ==, 1);
    g_assert_cmpint(inta(tb, a, LAPIC0, true), ==, 0x40);
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_AUX0), ==, 0);
    test_clock_step_ns(tb, 10000);                  /* one shot only */
    g_assert_cmpuint(test_irq_rising_edges(tb, TEST_IRQ_AUX0), ==, 1);
}

static void test_timer_periodic(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *a = add_lapic(tb, 0, LAPIC0);
    unsigned taken = 0;

    test_irq_watch(tb, &a->irq_out[APIC_OUT_INTR], TEST_IRQ_AUX0);
    test_writel(tb, LAPIC0 + APIC_TDCR, 0x0);       /* divide by 2 */
    test_writel(tb, LAPIC0 + APIC_LVT_TIMER, 0x20041);
    test_writel(tb, LAPIC0 + APIC_TMICT, 500);      /* 1000 ns period */
    test_clock_step_ns(tb, 250);
    g_assert_cmpuint(test_readl(tb, LAPIC0 + APIC_TMCCT), ==, 375);
    test_clock_step_ns(tb, 750);
    for (int i = 0; i < 10; i++) {
        if (inta(tb, a, LAPIC0, true) == 0x41) {
            taken++;
        }
        test_clock_step_ns(tb, 1000);
    }
    g_assert_cmpuint(taken, ==, 10);
    /* masked: counts on, no interrupt */
    test_writel(tb, LAPIC0 + APIC_LVT_TIMER, 0x30041);
    inta(tb, a, LAPIC0, true);
    test_irq_log_clear(tb, TEST_IRQ_AUX0);
    test_clock_step_ns(tb, 5000);
    g_assert_cmpuint(test_irq_rising_edges(tb, TEST_IRQ_AUX0), ==, 0);
}

static void test_ipi(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *a = add_lapic(tb, 0, LAPIC0);
    Device *b = add_lapic(tb, 1, LAPIC1);

    test_irq_watch(tb, &b->irq_out[APIC_OUT_INTR], TEST_IRQ_AUX1);
    /* fixed, physical destination 1 */
    test_writel(tb, LAPIC0 + APIC_ICR_HI, 1u << 24);
    test_writel(tb, LAPIC0 + APIC_ICR_LO, 0x4051);
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_AUX1), ==, 1);
    g_assert_cmpint(inta(tb, a, LAPIC0, false), ==, -1);
    g_assert_cmpint(inta(tb, b, LAPIC1, true), ==, 0x51);
    /* logical flat: LDR bit 1 */
    test_writel(tb, LAPIC1 + APIC_LDR, 0x02000000);
    test_writel(tb, LAPIC0 + APIC_ICR_HI, 0x02000000);
    test_writel(tb, LAPIC0 + APIC_ICR_LO, 0x4852);
    g_assert_cmpint(inta(tb, b, LAPIC1, true), ==, 0x52);
    /* all excluding self */
    test_writel(tb, LAPIC0 + APIC_ICR_LO, 0xc4053);
    g_assert_cmpint(inta(tb, a, LAPIC0, false), ==, -1);
    g_assert_cmpint(inta(tb, b, LAPIC1, true), ==, 0x53);
    /* an illegal vector sets the send error in ESR */
    test_writel(tb, LAPIC0 + APIC_ICR_LO, 0x4005);
    test_writel(tb, LAPIC0 + 0x280, 0);
    g_assert_cmphex(test_readl(tb, LAPIC0 + 0x280), ==, 0x20);
}

static void test_init_sipi(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *b;

    add_lapic(tb, 0, LAPIC0);
    b = add_lapic(tb, 1, LAPIC1);
    test_irq_watch(tb, &b->irq_out[APIC_OUT_INIT], TEST_IRQ_AUX0);
    test_irq_watch(tb, &b->irq_out[APIC_OUT_SIPI], TEST_IRQ_AUX1);
    test_writel(tb, LAPIC0 + APIC_ICR_LO, 0xc4500);  /* INIT, all-but-self */
    test_writel(tb, LAPIC0 + APIC_ICR_LO, 0xc8500);  /* INIT de-assert */
    g_assert_cmpuint(test_irq_rising_edges(tb, TEST_IRQ_AUX0), ==, 1);
    g_assert_cmphex(test_readl(tb, LAPIC1 + APIC_SVR), ==, 0xff);
    test_writel(tb, LAPIC0 + APIC_ICR_LO, 0xc4610);  /* SIPI 0x10 */
    test_writel(tb, LAPIC0 + APIC_ICR_LO, 0xc4610);  /* second: ignored */
    g_assert_cmpuint(test_irq_rising_edges(tb, TEST_IRQ_AUX1), ==, 1);
}

static void test_tpr(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *a = add_lapic(tb, 0, LAPIC0);

    test_irq_watch(tb, &a->irq_out[APIC_OUT_INTR], TEST_IRQ_AUX0);
    test_writel(tb, LAPIC0 + APIC_TPR, 0x50);
    test_writel(tb, LAPIC0 + APIC_ICR_LO, 0x44045);  /* self, 0x45 */
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_AUX0), ==, 0);
    g_assert_cmphex(test_readl(tb, LAPIC0 + APIC_PPR), ==, 0x50);
    test_writel(tb, LAPIC0 + APIC_TPR, 0x30);
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_AUX0), ==, 1);
    g_assert_cmpint(inta(tb, a, LAPIC0, false), ==, 0x45);
    g_assert_cmphex(test_readl(tb, LAPIC0 + APIC_PPR), ==, 0x40);
    /* same priority class as the one in service: waits for the EOI */
    test_writel(tb, LAPIC0 + APIC_ICR_LO, 0x44046);
    g_assert_cmpint(inta(tb, a, LAPIC0, false), ==, -1);
    test_writel(tb, LAPIC0 + APIC_EOI, 0);
    g_assert_cmpint(inta(tb, a, LAPIC0, true), ==, 0x46);
}

/* ---- I/O APIC ---- */

static void ioapic_set_entry(TestBoard *tb, int pin, uint32_t lo,
                             uint32_t hi)
{
    test_writel(tb, IOAPIC, 0x11 + 2 * pin);
    test_writel(tb, IOAPIC + 0x10, hi);
    test_writel(tb, IOAPIC, 0x10 + 2 * pin);
    test_writel(tb, IOAPIC + 0x10, lo);
}

static uint32_t ioapic_entry_lo(TestBoard *tb, int pin)
{
    test_writel(tb, IOAPIC, 0x10 + 2 * pin);
    return test_readl(tb, IOAPIC + 0x10);
}

static Device *add_ioapic(TestBoard *tb)
{
    g_autoptr(GError) err = NULL;
    Device *dev = dev_new("ioapic", &err);

    g_assert_no_error(err);
    dev_realize(dev, &err);
    g_assert_no_error(err);
    as_map(&address_space_memory, dev->regions[0], IOAPIC, 0);
    return dev;
}

static void test_ioapic_regs(void)
{
    g_autoptr(TestBoard) tb = test_board_new();

    add_ioapic(tb);
    test_writel(tb, IOAPIC, 1);
    g_assert_cmphex(test_readl(tb, IOAPIC + 0x10), ==, 0x00170020);
    g_assert_cmphex(ioapic_entry_lo(tb, 23), ==, 0x10000);   /* masked */
    ioapic_set_entry(tb, 3, 0x5033, 0);
    g_assert_cmphex(ioapic_entry_lo(tb, 3), ==, 0x33);  /* RO bits */
}

static void test_ioapic_edge(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *a = add_lapic(tb, 0, LAPIC0);
    Device *io = add_ioapic(tb);

    ioapic_set_entry(tb, 4, 0x34, 0);               /* edge, to APIC 0 */
    irq_sink_set(&io->irq_in[4], 1);
    g_assert_cmpint(inta(tb, a, LAPIC0, true), ==, 0x34);
    irq_sink_set(&io->irq_in[4], 1);                /* no new edge */
    g_assert_cmpint(inta(tb, a, LAPIC0, true), ==, -1);
    irq_sink_set(&io->irq_in[4], 0);
    irq_sink_set(&io->irq_in[4], 1);
    g_assert_cmpint(inta(tb, a, LAPIC0, true), ==, 0x34);
    /* masked: nothing */
    ioapic_set_entry(tb, 4, 0x10034, 0);
    irq_sink_set(&io->irq_in[4], 0);
    irq_sink_set(&io->irq_in[4], 1);
    g_assert_cmpint(inta(tb, a, LAPIC0, true), ==, -1);
}

static void test_ioapic_level(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *a = add_lapic(tb, 0, LAPIC0);
    Device *io = add_ioapic(tb);

    ioapic_set_entry(tb, 5, 0x18035, 0);            /* level, masked */
    irq_sink_set(&io->irq_in[5], 1);
    g_assert_cmpint(inta(tb, a, LAPIC0, false), ==, -1);
    ioapic_set_entry(tb, 5, 0x8035, 0);             /* unmask: sent */
    g_assert_cmphex(ioapic_entry_lo(tb, 5) & 0x4000, ==, 0x4000);
    g_assert_cmpint(inta(tb, a, LAPIC0, false), ==, 0x35);
    /* the EOI clears remote IRR; the line is still high: sent again */
    test_writel(tb, LAPIC0 + APIC_EOI, 0);
    g_assert_cmpint(inta(tb, a, LAPIC0, false), ==, 0x35);
    irq_sink_set(&io->irq_in[5], 0);
    test_writel(tb, LAPIC0 + APIC_EOI, 0);
    g_assert_cmphex(ioapic_entry_lo(tb, 5) & 0x4000, ==, 0);
    g_assert_cmpint(inta(tb, a, LAPIC0, false), ==, -1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hw/apic/version-id", test_version_id);
    g_test_add_func("/hw/apic/timer/oneshot", test_timer_oneshot);
    g_test_add_func("/hw/apic/timer/periodic", test_timer_periodic);
    g_test_add_func("/hw/apic/ipi/fixed", test_ipi);
    g_test_add_func("/hw/apic/ipi/init-sipi", test_init_sipi);
    g_test_add_func("/hw/apic/tpr", test_tpr);
    g_test_add_func("/hw/ioapic/regs", test_ioapic_regs);
    g_test_add_func("/hw/ioapic/edge", test_ioapic_edge);
    g_test_add_func("/hw/ioapic/level-eoi", test_ioapic_level);
    return g_test_run();
}
