/* SPDX-License-Identifier: MIT */
/*
 * The 8254 and port 0x61 programmed as BIOSes and kernels do: periodic
 * IRQ 0, one-shots, the channel 2 calibration loop through port 0x61,
 * latches and read-back, with the virtual clock stepped by hand.
 */
#include "kestrel/osdep.h"
#include "kestrel/timer.h"
#include "test-board.h"

#define PIT_HZ 1193182

static int64_t ticks_ns(uint64_t ticks)
{
    return (int64_t)(ticks * 1000000000ull / PIT_HZ);
}

static TestBoard *pit_board(void)
{
    TestBoard *tb = test_board_new();

    test_board_add_isa(tb, "isa-pit", 0x40, 0);
    return tb;
}

static uint16_t read_lohi(TestBoard *tb, uint16_t port)
{
    uint8_t lo = test_inb(tb, port);

    return lo | test_inb(tb, port) << 8;
}

static void test_mode2_100hz(void)
{
    g_autoptr(TestBoard) tb = pit_board();

    test_outb(tb, 0x43, 0x34);          /* channel 0, lo/hi byte, mode 2 */
    test_outb(tb, 0x40, 0x9c);
    test_outb(tb, 0x40, 0x2e);          /* 0x2e9c = 11932 -> 100.0 Hz */
    test_irq_log_clear(tb, 0);
    test_clock_step_ns(tb, 105 * 1000 * 1000);
    g_assert_cmpuint(test_irq_rising_edges(tb, 0), ==, 10);
    for (unsigned i = 0; i < 10; i++) {
        int64_t want = ticks_ns(11932ull * (i + 1));

        g_assert_cmpint(llabs(test_irq_edge_ns(tb, 0, i) - want), <=, 1);
    }
    g_assert_cmpint(test_irq_level(tb, 0), ==, 1);
}

static void test_mode0_oneshot(void)
{
    g_autoptr(TestBoard) tb = pit_board();

    test_outb(tb, 0x43, 0x30);          /* channel 0, lo/hi, mode 0 */
    g_assert_cmpint(test_irq_level(tb, 0), ==, 0);
    test_irq_log_clear(tb, 0);
    test_outb(tb, 0x40, 0xa9);
    test_outb(tb, 0x40, 0x04);          /* 1193 ticks: 1 ms */
    test_clock_step_ns(tb, 500 * 1000);
    g_assert_cmpint(test_irq_level(tb, 0), ==, 0);
    test_clock_step_ns(tb, 600 * 1000);
    g_assert_cmpint(test_irq_level(tb, 0), ==, 1);
    test_clock_step_ns(tb, 100 * 1000 * 1000);
    g_assert_cmpuint(test_irq_rising_edges(tb, 0), ==, 1);
    /* after terminal count the counter wraps and keeps counting down:
     * 101.1 ms is 120630 ticks, (1193 - 120630) mod 65536 = 0x2d73 */
    test_outb(tb, 0x43, 0x00);
    g_assert_cmphex(read_lohi(tb, 0x40), ==, 0x2d73);
}

static void test_mode3_square(void)
{
    g_autoptr(TestBoard) tb = pit_board();

    test_outb(tb, 0x43, 0x36);          /* channel 0, lo/hi, mode 3 */
    test_outb(tb, 0x40, 0xa9);
    test_outb(tb, 0x40, 0x04);          /* 1193: ~1 kHz */
    test_irq_log_clear(tb, 0);
    test_clock_step_ns(tb, ticks_ns(300));
    g_assert_cmpint(test_irq_level(tb, 0), ==, 1);
    test_clock_step_ns(tb, ticks_ns(400));
    g_assert_cmpint(test_irq_level(tb, 0), ==, 0);
    test_clock_step_ns(tb, ticks_ns(1193 * 10 - 700 + 10));
    g_assert_cmpuint(test_irq_rising_edges(tb, 0), ==, 10);
    g_assert_cmpuint(test_irq_falling_edges(tb, 0), ==, 10);
}

static void test_latch(void)
{
    g_autoptr(TestBoard) tb = pit_board();

    test_outb(tb, 0x43, 0x34);
    test_outb(tb, 0x40, 0x00);
    test_outb(tb, 0x40, 0x10);          /* 0x1000 */
    test_clock_step_ns(tb, ticks_ns(0x100) + 10);
    test_outb(tb, 0x43, 0x00);          /* latch channel 0 */
    test_clock_step_ns(tb, ticks_ns(0x200));
    g_assert_cmphex(read_lohi(tb, 0x40), ==, 0x0f00);
    /* the latch is released: live count now */
    g_assert_cmphex(read_lohi(tb, 0x40), ==, 0x0d00);
}

static void test_readback(void)
{
    g_autoptr(TestBoard) tb = pit_board();

    test_outb(tb, 0x43, 0x34);
    test_outb(tb, 0x40, 0x00);
    test_outb(tb, 0x40, 0x10);
    test_clock_step_ns(tb, ticks_ns(0x10) + 10);
    test_outb(tb, 0x43, 0xc2);          /* read-back count+status, ch 0 */
    test_clock_step_ns(tb, ticks_ns(0x100));
    /* OUT high, count loaded, lo/hi, mode 2, binary */
    g_assert_cmphex(test_inb(tb, 0x40), ==, 0x80 | 0x30 | 0x04);
    g_assert_cmphex(read_lohi(tb, 0x40), ==, 0x0ff0);

    /* status only, right after a control word: null count, OUT per mode */
    test_outb(tb, 0x43, 0x70);          /* channel 1, lo/hi, mode 0 */
    test_outb(tb, 0x43, 0xe4);          /* status of channel 1 */
    g_assert_cmphex(test_inb(tb, 0x41), ==, 0x40 | 0x30);
}

static void test_lsb_msb_only(void)
{
    g_autoptr(TestBoard) tb = pit_board();

    test_outb(tb, 0x43, 0x54);          /* channel 1, LSB only, mode 2 */
    test_outb(tb, 0x41, 0x80);
    test_clock_step_ns(tb, ticks_ns(0x10) + 10);
    g_assert_cmphex(test_inb(tb, 0x41), ==, 0x70);
    g_assert_cmphex(test_inb(tb, 0x41), ==, 0x70);

    test_outb(tb, 0x43, 0x64);          /* channel 1, MSB only, mode 2 */
    test_outb(tb, 0x41, 0x02);          /* 0x200 */
    test_clock_step_ns(tb, ticks_ns(0x180) + 10);
    g_assert_cmphex(test_inb(tb, 0x41), ==, 0x00);
    test_outb(tb, 0x43, 0x40);          /* latch channel 1 */
    g_assert_cmphex(test_inb(tb, 0x41), ==, 0x00);
}

static void test_bcd(void)
{
    g_autoptr(TestBoard) tb = pit_board();

    test_outb(tb, 0x43, 0x31);          /* channel 0, lo/hi, mode 0, BCD */
    test_outb(tb, 0x40, 0x00);
    test_outb(tb, 0x40, 0x10);          /* BCD 1000 */
    test_irq_log_clear(tb, 0);
    test_clock_step_ns(tb, ticks_ns(100) + 10);
    test_outb(tb, 0x43, 0x00);
    g_assert_cmphex(read_lohi(tb, 0x40), ==, 0x0900);
    test_clock_step_ns(tb, ticks_ns(900));
    g_assert_cmpuint(test_irq_rising_edges(tb, 0), ==, 1);
}

static void test_port61_calibration(void)
{
    g_autoptr(TestBoard) tb = pit_board();
    uint8_t v;

    /* Linux's pit_calibrate_tsc(): gate on, speaker off, mode 0 */
    test_outb(tb, 0x61, (test_inb(tb, 0x61) & ~0x02) | 0x01);
    test_outb(tb, 0x43, 0xb0);
    test_outb(tb, 0x42, 0x9c);
    test_outb(tb, 0x42, 0x2e);          /* 10 ms */
    test_clock_step_ns(tb, 9 * 1000 * 1000);
    v = test_inb(tb, 0x61);
    g_assert_cmphex(v & 0x23, ==, 0x01);
    test_clock_step_ns(tb, 2 * 1000 * 1000);
    g_assert_cmphex(test_inb(tb, 0x61) & 0x20, ==, 0x20);

    /* bit 4 toggles with DRAM refresh */
    v = test_inb(tb, 0x61);
    test_clock_step_ns(tb, 15085);
    g_assert_cmphex((v ^ test_inb(tb, 0x61)) & 0x10, ==, 0x10);

    /* speaker data and the enables read back */
    test_outb(tb, 0x61, 0x0f);
    g_assert_cmphex(test_inb(tb, 0x61) & 0x0f, ==, 0x0f);
}

/* Mode 0 loaded while the gate is low (on a fresh PIT) counts from the
 * gate's rising edge, as GRUB's TSC calibration expects. */
static void test_gate_load_low(void)
{
    g_autoptr(TestBoard) tb = pit_board();

    test_outb(tb, 0x61, 0x00);
    test_outb(tb, 0x43, 0xb0);
    test_outb(tb, 0x42, 0x64);
    test_outb(tb, 0x42, 0x00);          /* 100 */
    test_clock_step_ns(tb, ticks_ns(500));
    test_outb(tb, 0x61, 0x01);
    test_clock_step_ns(tb, ticks_ns(50));
    g_assert_cmphex(test_inb(tb, 0x61) & 0x20, ==, 0);
    test_clock_step_ns(tb, ticks_ns(51));
    g_assert_cmphex(test_inb(tb, 0x61) & 0x20, ==, 0x20);
}

static void test_gate(void)
{
    g_autoptr(TestBoard) tb = pit_board();

    /* mode 0 pauses while the gate is low */
    test_outb(tb, 0x61, 0x01);
    test_outb(tb, 0x43, 0xb0);
    test_outb(tb, 0x42, 0xe8);
    test_outb(tb, 0x42, 0x03);          /* 1000 */
    test_clock_step_ns(tb, ticks_ns(400) + 10);
    test_outb(tb, 0x61, 0x00);
    test_clock_step_ns(tb, 10 * 1000 * 1000);
    test_outb(tb, 0x43, 0x80);
    g_assert_cmphex(read_lohi(tb, 0x42), ==, 600);
    g_assert_cmphex(test_inb(tb, 0x61) & 0x20, ==, 0);
    test_outb(tb, 0x61, 0x01);
    test_clock_step_ns(tb, ticks_ns(601));
    g_assert_cmphex(test_inb(tb, 0x61) & 0x20, ==, 0x20);

    /* mode 1: the gate's rising edge triggers the one-shot */
    test_outb(tb, 0x61, 0x00);
    test_outb(tb, 0x43, 0xb2);
    test_outb(tb, 0x42, 0x64);
    test_outb(tb, 0x42, 0x00);          /* 100 */
    test_clock_step_ns(tb, ticks_ns(500));
    g_assert_cmphex(test_inb(tb, 0x61) & 0x20, ==, 0x20);
    test_outb(tb, 0x61, 0x01);
    test_clock_step_ns(tb, ticks_ns(50));
    g_assert_cmphex(test_inb(tb, 0x61) & 0x20, ==, 0);
    test_clock_step_ns(tb, ticks_ns(51));
    g_assert_cmphex(test_inb(tb, 0x61) & 0x20, ==, 0x20);

    /* mode 2: gate low forces OUT high and stops the count */
    test_outb(tb, 0x43, 0xb4);
    test_outb(tb, 0x42, 0x10);
    test_outb(tb, 0x42, 0x00);
    test_outb(tb, 0x61, 0x00);
    test_outb(tb, 0x61, 0x01);          /* reload */
    test_clock_step_ns(tb, ticks_ns(5) + 10);
    test_outb(tb, 0x43, 0x80);
    g_assert_cmphex(read_lohi(tb, 0x42), ==, 0x0b);
}

static void test_mode2_reload_at_cycle_end(void)
{
    g_autoptr(TestBoard) tb = pit_board();

    test_outb(tb, 0x43, 0x34);
    test_outb(tb, 0x40, 0xe8);
    test_outb(tb, 0x40, 0x03);          /* 1000 */
    test_irq_log_clear(tb, 0);
    test_clock_step_ns(tb, ticks_ns(500));
    test_outb(tb, 0x40, 0xd0);
    test_outb(tb, 0x40, 0x07);          /* 2000, from the next cycle on */
    test_clock_step_ns(tb, ticks_ns(5500) + 100);
    /* edges at 1000, 3000, 5000 */
    g_assert_cmpuint(test_irq_rising_edges(tb, 0), ==, 3);
    g_assert_cmpint(llabs(test_irq_edge_ns(tb, 0, 1) - ticks_ns(3000)), <=, 2);
}

static void test_irq0_through_pic(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *pic = test_board_add_isa(tb, "isa-i8259", -1, -1);

    test_board_connect_pic(tb, pic);
    test_board_add_isa(tb, "isa-pit", -1, -1);
    test_outb(tb, 0x20, 0x11);
    test_outb(tb, 0x21, 0x08);
    test_outb(tb, 0x21, 0x04);
    test_outb(tb, 0x21, 0x01);
    test_outb(tb, 0x21, 0xfe);          /* only IRQ 0 */
    test_outb(tb, 0x43, 0x34);
    test_outb(tb, 0x40, 0x9c);
    test_outb(tb, 0x40, 0x2e);
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_INTR), ==, 0);
    test_clock_step_ns(tb, 10 * 1000 * 1000 + 1000);
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_INTR), ==, 1);
    g_assert_cmpint(pic_get_interrupt(pic), ==, 0x08);
    test_outb(tb, 0x20, 0x20);
    test_clock_step_ns(tb, 10 * 1000 * 1000);
    g_assert_cmpint(pic_get_interrupt(pic), ==, 0x08);
}

/* A host slower than the guest's timer: handling an OUT0 edge costs 3 us
 * of virtual time, more than the 1.7 us period of count 2. */
static unsigned slow_edges;

static void slow_irq_handler(void *opaque, int n, int level)
{
    slow_edges++;
    clock_jump_ns(3000);
}

static void test_late_timer_skips_edges(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *pit = test_board_add_isa(tb, "isa-pit", 0x40, 0);
    g_autofree IrqSink *sink = irq_sinks_new(slow_irq_handler, NULL, 1);

    irq_connect(&pit->irq_out[0], sink);
    test_outb(tb, 0x43, 0x34);          /* channel 0, lo/hi byte, mode 2 */
    test_outb(tb, 0x40, 0x02);
    test_outb(tb, 0x40, 0x00);          /* count 2: 596 kHz */
    slow_edges = 0;
    for (int run = 0; run < 100; run++) {
        unsigned before = slow_edges;

        /* the main loop comes back 10 us (6 periods) late each time;
         * stepping edge by edge fell further behind with every run */
        clock_jump_ns(10 * 1000);
        timers_run_expired();
        g_assert_cmpuint(slow_edges - before, >=, 1);
        g_assert_cmpuint(slow_edges - before, <=, 2);
    }
    /* back on time: one interrupt per period again */
    irq_connect(&pit->irq_out[0], isa_get_irq(0));
    test_irq_log_clear(tb, 0);
    test_clock_step_ns(tb, ticks_ns(2 * 100) + 1);
    g_assert_cmpuint(test_irq_rising_edges(tb, 0), >=, 99);
    g_assert_cmpuint(test_irq_rising_edges(tb, 0), <=, 101);
}

static void test_port_conflict(void)
{
    g_autoptr(TestBoard) tb = pit_board();
    g_autoptr(GError) err = NULL;
    Device *dev = dev_new("isa-pit", &err);

    g_assert_no_error(err);
    g_assert_false(dev_realize(dev, &err));
    g_assert_nonnull(strstr(err->message, "already used"));
    dev_free(dev);

    g_clear_error(&err);
    dev = dev_new("isa-pit", &err);
    dev_set_prop(dev, "iobase", "0x48", &err);
    dev_set_prop(dev, "irq", "16", &err);
    g_assert_no_error(err);
    g_assert_false(dev_realize(dev, &err));
    g_assert_nonnull(strstr(err->message, "irq=16"));
    dev_free(dev);
    /* the failed device left its ports free */
    g_assert_cmphex(test_inb(tb, 0x48), ==, 0xff);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hw/pit/mode2/100hz", test_mode2_100hz);
    g_test_add_func("/hw/pit/mode2/reload", test_mode2_reload_at_cycle_end);
    g_test_add_func("/hw/pit/mode0/oneshot", test_mode0_oneshot);
    g_test_add_func("/hw/pit/mode3/square", test_mode3_square);
    g_test_add_func("/hw/pit/latch", test_latch);
    g_test_add_func("/hw/pit/readback", test_readback);
    g_test_add_func("/hw/pit/lsb-msb-only", test_lsb_msb_only);
    g_test_add_func("/hw/pit/bcd", test_bcd);
    g_test_add_func("/hw/pit/port61/calibration", test_port61_calibration);
    g_test_add_func("/hw/pit/gate", test_gate);
    g_test_add_func("/hw/pit/gate-load-low", test_gate_load_low);
    g_test_add_func("/hw/pit/irq0-pic", test_irq0_through_pic);
    g_test_add_func("/hw/pit/port-conflict", test_port_conflict);
    g_test_add_func("/hw/pit/late-timer", test_late_timer_skips_edges);
    return g_test_run();
}
