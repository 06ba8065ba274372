/* SPDX-License-Identifier: MIT */
/*
 * HPET (hw/timer/hpet.c) through its MMIO registers on the test board:
 * the capability and period the firmware probes, the 100 MHz main
 * counter, a periodic timer 0 and a one-shot timer 1 routed by legacy
 * replacement to IRQ 0 and IRQ 8 (watched in the AUX slots), and a level
 * interrupt held until its status bit is cleared.
 */
#include "kestrel/osdep.h"
#include "kestrel/apic.h"
#include "test-board.h"

#define HPET            0xfed00000u
#define HPET_CFG        (HPET + 0x10)
#define HPET_ISR        (HPET + 0x20)
#define HPET_COUNTER    (HPET + 0xf0)
#define TN_CFG(n)       (HPET + 0x100 + 0x20 * (n))
#define TN_CMP(n)       (HPET + 0x108 + 0x20 * (n))

static Device *add_hpet(TestBoard *tb)
{
    g_autoptr(GError) err = NULL;
    Device *dev = dev_new("hpet", &err);

    g_assert_no_error(err);
    dev_realize(dev, &err);
    g_assert_no_error(err);
    as_map(&address_space_memory, dev->regions[0], HPET, 0);
    return dev;
}

static void test_counter(void)
{
    g_autoptr(TestBoard) tb = test_board_new();

    add_hpet(tb);
    g_assert_cmphex(test_readl(tb, HPET), ==, 0x8086a201);
    g_assert_cmpuint(test_readl(tb, HPET + 4), ==, 10000000);   /* fs */
    test_clock_step_ns(tb, 1000);
    g_assert_cmpuint(test_readl(tb, HPET_COUNTER), ==, 0);      /* off */
    test_writel(tb, HPET_CFG, 1);
    test_clock_step_ns(tb, 1000);
    g_assert_cmpuint(test_readl(tb, HPET_COUNTER), ==, 100);
    test_writel(tb, HPET_CFG, 0);
    test_clock_step_ns(tb, 1000);
    g_assert_cmpuint(test_readl(tb, HPET_COUNTER), ==, 100);
    test_writel(tb, HPET_COUNTER, 0xfffffff0);
    test_writel(tb, HPET_CFG, 1);
    test_clock_step_ns(tb, 320);
    g_assert_cmpuint(test_readl(tb, HPET_COUNTER), ==, 0x10);
    g_assert_cmpuint(test_readl(tb, HPET_COUNTER + 4), ==, 1);
}

static void test_periodic_legacy(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *h = add_hpet(tb);

    test_irq_watch(tb, &h->irq_out[0], TEST_IRQ_AUX0);
    test_irq_watch(tb, &h->irq_out[8], TEST_IRQ_AUX1);
    g_assert_cmphex(test_readl(tb, TN_CFG(0)) & 0x30, ==, 0x30);
    test_writel(tb, TN_CFG(0), 0x14c);      /* on, periodic, setval, 32-bit */
    test_writel(tb, TN_CMP(0), 1000);       /* first match at 10 us */
    test_writel(tb, TN_CMP(0), 1000);       /* then every 10 us */
    test_writel(tb, TN_CFG(1), 0x104);      /* enable, 32-bit one-shot */
    test_writel(tb, TN_CMP(1), 500);
    test_writel(tb, HPET_CFG, 3);           /* enable, legacy replacement */
    test_clock_step_ns(tb, 105 * 1000);
    g_assert_cmpuint(test_irq_rising_edges(tb, TEST_IRQ_AUX0), ==, 10);
    g_assert_cmpint(test_irq_edge_ns(tb, TEST_IRQ_AUX0, 0), ==, 10000);
    g_assert_cmpuint(test_irq_rising_edges(tb, TEST_IRQ_AUX1), ==, 1);
    g_assert_cmpint(test_irq_edge_ns(tb, TEST_IRQ_AUX1, 0), ==, 5000);
    test_writel(tb, HPET_CFG, 0);           /* stopped: no more */
    test_clock_step_ns(tb, 100 * 1000);
    g_assert_cmpuint(test_irq_rising_edges(tb, TEST_IRQ_AUX0), ==, 10);
}

static void test_level(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *h = add_hpet(tb);

    test_irq_watch(tb, &h->irq_out[20], TEST_IRQ_AUX0);
    test_writel(tb, TN_CFG(2), (20 << 9) | 0x106);  /* GSI 20, level */
    test_writel(tb, TN_CMP(2), 100);
    test_writel(tb, HPET_CFG, 1);
    test_clock_step_ns(tb, 2000);
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_AUX0), ==, 1);
    g_assert_cmphex(test_readl(tb, HPET_ISR), ==, 0x4);
    test_writel(tb, HPET_ISR, 0x4);
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_AUX0), ==, 0);
    g_assert_cmphex(test_readl(tb, HPET_ISR), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hw/hpet/counter", test_counter);
    g_test_add_func("/hw/hpet/periodic-legacy", test_periodic_legacy);
    g_test_add_func("/hw/hpet/level", test_level);
    return g_test_run();
}
