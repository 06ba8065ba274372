/* SPDX-License-Identifier: MIT */
/*
 * The MC146818A RTC through ports 0x70/0x71, as BIOSes and kernels read
 * the clock and use its periodic, alarm and update-ended interrupts.
 * The clock starts at a fixed -rtc base so every value is known.
 */
#include "kestrel/osdep.h"
#include "test-board.h"

#define MS 1000000ll

static Device *rtc_new(TestBoard *tb, const char *base)
{
    g_autoptr(GError) err = NULL;
    Device *dev = dev_new("mc146818rtc", &err);

    g_assert_no_error(err);
    dev_set_prop(dev, "base", base, &err);
    g_assert_no_error(err);
    dev_realize(dev, &err);
    g_assert_no_error(err);
    return dev;
}

static uint8_t cmos_read(TestBoard *tb, uint8_t index)
{
    test_outb(tb, 0x70, index);
    return test_inb(tb, 0x71);
}

static void cmos_write(TestBoard *tb, uint8_t index, uint8_t val)
{
    test_outb(tb, 0x70, index);
    test_outb(tb, 0x71, val);
}

static void test_base_date(void)
{
    g_autoptr(TestBoard) tb = test_board_new();

    rtc_new(tb, "2001-02-03T04:05:06");
    g_assert_cmphex(cmos_read(tb, 0x00), ==, 0x06);
    g_assert_cmphex(cmos_read(tb, 0x02), ==, 0x05);
    g_assert_cmphex(cmos_read(tb, 0x04), ==, 0x04);
    g_assert_cmphex(cmos_read(tb, 0x06), ==, 7);    /* a Saturday */
    g_assert_cmphex(cmos_read(tb, 0x07), ==, 0x03);
    g_assert_cmphex(cmos_read(tb, 0x08), ==, 0x02);
    g_assert_cmphex(cmos_read(tb, 0x09), ==, 0x01);
    g_assert_cmphex(cmos_read(tb, 0x32), ==, 0x20);
    g_assert_cmphex(cmos_read(tb, 0x0a), ==, 0x26);
    g_assert_cmphex(cmos_read(tb, 0x0b), ==, 0x02);
    g_assert_cmphex(cmos_read(tb, 0x0d), ==, 0x80);
    test_clock_step_ns(tb, 2500 * MS);
    g_assert_cmphex(cmos_read(tb, 0x00), ==, 0x08);
}

static void test_base_host(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    int year = g_date_time_get_year(now) % 100;
    g_autoptr(GError) err = NULL;
    Device *dev;

    rtc_new(tb, "utc");
    /* (fails only if the year turns between these two lines) */
    g_assert_cmphex(cmos_read(tb, 0x09), ==, (year / 10) << 4 | year % 10);
    test_board_free(g_steal_pointer(&tb));

    tb = test_board_new();
    rtc_new(tb, "localtime");
    test_board_free(g_steal_pointer(&tb));

    tb = test_board_new();
    dev = dev_new("mc146818rtc", &err);
    g_assert_no_error(err);
    dev_set_prop(dev, "base", "2001-13-01", &err);
    g_assert_false(dev_realize(dev, &err));
    g_assert_nonnull(strstr(err->message, "base=2001-13-01"));
    dev_free(dev);
}

static void test_formats(void)
{
    g_autoptr(TestBoard) tb = test_board_new();

    rtc_new(tb, "2001-02-03T23:45:00");
    cmos_write(tb, 0x0b, 0x06);         /* binary, 24 h */
    g_assert_cmphex(cmos_read(tb, 0x04), ==, 23);
    g_assert_cmphex(cmos_read(tb, 0x02), ==, 45);
    cmos_write(tb, 0x0b, 0x04);         /* binary, 12 h */
    g_assert_cmphex(cmos_read(tb, 0x04), ==, 0x80 | 11);
    cmos_write(tb, 0x0b, 0x00);         /* BCD, 12 h */
    g_assert_cmphex(cmos_read(tb, 0x04), ==, 0x91);
    test_clock_step_ns(tb, 15 * 60 * 1000 * MS);
    g_assert_cmphex(cmos_read(tb, 0x04), ==, 0x12);     /* 12 AM */
    g_assert_cmphex(cmos_read(tb, 0x07), ==, 0x04);
}

static void test_set_time(void)
{
    g_autoptr(TestBoard) tb = test_board_new();

    rtc_new(tb, "2001-02-03T04:05:06");
    cmos_write(tb, 0x0b, 0x82);         /* SET */
    cmos_write(tb, 0x32, 0x19);
    cmos_write(tb, 0x09, 0x99);
    cmos_write(tb, 0x08, 0x12);
    cmos_write(tb, 0x07, 0x31);
    cmos_write(tb, 0x04, 0x23);
    cmos_write(tb, 0x02, 0x59);
    cmos_write(tb, 0x00, 0x59);
    test_clock_step_ns(tb, 3000 * MS);  /* SET holds the registers */
    g_assert_cmphex(cmos_read(tb, 0x00), ==, 0x59);
    g_assert_cmphex(cmos_read(tb, 0x0a) & 0x80, ==, 0);
    cmos_write(tb, 0x0b, 0x02);
    test_clock_step_ns(tb, 1000 * MS);
    g_assert_cmphex(cmos_read(tb, 0x00), ==, 0x00);
    g_assert_cmphex(cmos_read(tb, 0x04), ==, 0x00);
    g_assert_cmphex(cmos_read(tb, 0x07), ==, 0x01);
    g_assert_cmphex(cmos_read(tb, 0x08), ==, 0x01);
    g_assert_cmphex(cmos_read(tb, 0x09), ==, 0x00);
    g_assert_cmphex(cmos_read(tb, 0x32), ==, 0x20);
    g_assert_cmphex(cmos_read(tb, 0x06), ==, 7);

    /* a write while running sets that field and keeps the others */
    cmos_write(tb, 0x02, 0x30);
    test_clock_step_ns(tb, 1000 * MS);
    g_assert_cmphex(cmos_read(tb, 0x02), ==, 0x30);
    g_assert_cmphex(cmos_read(tb, 0x00), ==, 0x01);
}

/* A year the clock cannot count to (fuzz-devio found the overflow): a
 * guest error, and the clock runs on from where it was. */
static void test_set_far_year(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    g_autoptr(GError) err = NULL;
    Device *dev = dev_new("mc146818rtc", &err);

    g_assert_no_error(err);
    dev_set_prop(dev, "base", "9999-01-01", &err);
    if (!err) {
        dev_realize(dev, &err);
    }
    g_assert_error(err, KS_ERROR, KS_ERROR_INVALID);

    rtc_new(tb, "2001-02-03T04:05:06");
    cmos_write(tb, 0x0b, 0x86);         /* SET, binary, 24 h */
    cmos_write(tb, 0x32, 99);           /* the year 9901 */
    cmos_write(tb, 0x0b, 0x06);
    test_clock_step_ns(tb, 1000 * MS);
    g_assert_cmphex(cmos_read(tb, 0x32), ==, 20);
    g_assert_cmphex(cmos_read(tb, 0x09), ==, 1);
    g_assert_cmphex(cmos_read(tb, 0x00), ==, 7);
}

static void test_periodic(void)
{
    g_autoptr(TestBoard) tb = test_board_new();

    rtc_new(tb, "2001-02-03T04:05:06");
    /* PF is set with PIE off, without an interrupt */
    test_clock_step_ns(tb, 10 * MS);
    g_assert_cmphex(cmos_read(tb, 0x0c), ==, 0x40);
    g_assert_cmpuint(test_irq_rising_edges(tb, 8), ==, 0);
    g_assert_cmphex(cmos_read(tb, 0x0c), ==, 0x00);

    cmos_write(tb, 0x0b, 0x42);         /* PIE at 1024 Hz */
    test_irq_log_clear(tb, 8);
    for (int i = 0; i < 1014; i++) {
        test_clock_step_ns(tb, 976563);
        g_assert_cmpint(test_irq_level(tb, 8), ==, 1);
        g_assert_cmphex(cmos_read(tb, 0x0c) & 0xe0, ==, 0xc0);
        g_assert_cmpint(test_irq_level(tb, 8), ==, 0);
    }
    g_assert_cmpuint(test_irq_rising_edges(tb, 8), ==, 1014);

    /* 2 Hz; unread C keeps IRQ 8 high: one edge only */
    cmos_write(tb, 0x0a, 0x2f);
    test_irq_log_clear(tb, 8);
    test_clock_step_ns(tb, 2000 * MS);
    g_assert_cmpuint(test_irq_rising_edges(tb, 8), ==, 1);
    g_assert_cmpint(test_irq_edge_ns(tb, 8, 0), ==, 1500 * MS);
    cmos_write(tb, 0x0b, 0x02);
    cmos_read(tb, 0x0c);
    g_assert_cmpint(test_irq_level(tb, 8), ==, 0);
}

static void test_update_irq(void)
{
    g_autoptr(TestBoard) tb = test_board_new();

    rtc_new(tb, "2001-02-03T04:05:06");
    test_clock_step_ns(tb, 300 * MS);
    cmos_write(tb, 0x0b, 0x12);         /* UIE */
    for (int i = 0; i < 35; i++) {
        test_clock_step_ns(tb, 100 * MS);
        if (test_irq_level(tb, 8)) {
            g_assert_cmphex(cmos_read(tb, 0x0c) & 0xb0, ==, 0x90);
        }
    }
    g_assert_cmpuint(test_irq_rising_edges(tb, 8), ==, 3);
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmpint(test_irq_edge_ns(tb, 8, i), ==, (i + 1) * 1000 * MS);
    }
}

static void test_uip(void)
{
    g_autoptr(TestBoard) tb = test_board_new();

    rtc_new(tb, "2001-02-03T04:05:06");
    test_clock_step_ns(tb, 500 * MS);
    g_assert_cmphex(cmos_read(tb, 0x0a), ==, 0x26);
    test_clock_step_ns(tb, 498 * MS);
    g_assert_cmphex(cmos_read(tb, 0x0a), ==, 0xa6);
    g_assert_cmphex(cmos_read(tb, 0x00), ==, 0x06);
    test_clock_step_ns(tb, 2 * MS);
    g_assert_cmphex(cmos_read(tb, 0x0a), ==, 0x26);
    g_assert_cmphex(cmos_read(tb, 0x00), ==, 0x07);
}

static void test_alarm(void)
{
    g_autoptr(TestBoard) tb = test_board_new();

    rtc_new(tb, "2001-02-03T04:05:06");
    cmos_write(tb, 0x01, 0x10);
    cmos_write(tb, 0x03, 0x05);
    cmos_write(tb, 0x05, 0x04);         /* 04:05:10 */
    cmos_write(tb, 0x0b, 0x22);         /* AIE */
    test_clock_step_ns(tb, 3500 * MS);
    g_assert_cmpint(test_irq_level(tb, 8), ==, 0);
    test_clock_step_ns(tb, 1000 * MS);
    g_assert_cmpint(test_irq_level(tb, 8), ==, 1);
    g_assert_cmpint(test_irq_edge_ns(tb, 8, 0), ==, 4000 * MS);
    g_assert_cmphex(cmos_read(tb, 0x0c), ==, 0xf0);   /* all flags */

    /* "don't care" hours and minutes: every minute at :00 */
    cmos_write(tb, 0x01, 0x00);
    cmos_write(tb, 0x03, 0xc0);
    cmos_write(tb, 0x05, 0xff);
    test_clock_step_ns(tb, 49 * 1000 * MS);           /* 04:05:59.5 */
    g_assert_cmpint(test_irq_level(tb, 8), ==, 0);
    test_clock_step_ns(tb, 1000 * MS);
    g_assert_cmpint(test_irq_level(tb, 8), ==, 1);

    /* polled: AF is set with AIE off too */
    cmos_write(tb, 0x0b, 0x02);
    cmos_read(tb, 0x0c);
    test_clock_step_ns(tb, 60 * 1000 * MS);
    g_assert_cmphex(cmos_read(tb, 0x0c), ==, 0x70);   /* no IRQF */
}

static void test_divider_reset(void)
{
    g_autoptr(TestBoard) tb = test_board_new();

    rtc_new(tb, "2001-02-03T04:05:06");
    test_clock_step_ns(tb, 200 * MS);
    cmos_write(tb, 0x0a, 0x76);         /* DV = 111: divider in reset */
    test_clock_step_ns(tb, 5000 * MS);
    g_assert_cmphex(cmos_read(tb, 0x00), ==, 0x06);
    cmos_write(tb, 0x0a, 0x26);         /* first update 500 ms later */
    test_clock_step_ns(tb, 450 * MS);
    g_assert_cmphex(cmos_read(tb, 0x00), ==, 0x06);
    test_clock_step_ns(tb, 100 * MS);
    g_assert_cmphex(cmos_read(tb, 0x00), ==, 0x07);
}

static void test_cmos_ram(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *rtc = rtc_new(tb, "2001-02-03T04:05:06");

    rtc_set_cmos(rtc, 0x15, 0x80);
    rtc_set_cmos(rtc, 0x16, 0x02);
    g_assert_cmphex(cmos_read(tb, 0x15), ==, 0x80);
    g_assert_cmphex(cmos_read(tb, 0x96), ==, 0x02);   /* NMI mask bit */
    cmos_write(tb, 0x7f, 0x5a);
    g_assert_cmphex(cmos_read(tb, 0x7f), ==, 0x5a);
    g_assert_cmphex(test_inb(tb, 0x70), ==, 0xff);
    cmos_write(tb, 0x0d, 0x00);         /* read-only: ignored */
    g_assert_cmphex(cmos_read(tb, 0x0d), ==, 0x80);

    /* machine reset: enables and flags clear, RAM survives */
    cmos_write(tb, 0x0b, 0x72);
    test_clock_step_ns(tb, 1000 * MS);
    g_assert_cmpint(test_irq_level(tb, 8), ==, 1);
    dev_reset_all();
    g_assert_cmpint(test_irq_level(tb, 8), ==, 0);
    g_assert_cmphex(cmos_read(tb, 0x0b), ==, 0x02);
    g_assert_cmphex(cmos_read(tb, 0x7f), ==, 0x5a);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hw/rtc/base/date", test_base_date);
    g_test_add_func("/hw/rtc/base/host", test_base_host);
    g_test_add_func("/hw/rtc/formats", test_formats);
    g_test_add_func("/hw/rtc/set-time", test_set_time);
    g_test_add_func("/hw/rtc/set-far-year", test_set_far_year);
    g_test_add_func("/hw/rtc/periodic", test_periodic);
    g_test_add_func("/hw/rtc/update-irq", test_update_irq);
    g_test_add_func("/hw/rtc/uip", test_uip);
    g_test_add_func("/hw/rtc/alarm", test_alarm);
    g_test_add_func("/hw/rtc/divider-reset", test_divider_reset);
    g_test_add_func("/hw/rtc/cmos-ram", test_cmos_ram);
    return g_test_run();
}
