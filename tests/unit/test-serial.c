/* SPDX-License-Identifier: MIT */
/*
 * The 16550A through its ports: divisor latch, the THRE interrupt as
 * Linux's 8250 driver probes it, loopback, FIFO trigger levels, the
 * character timeout, overrun and the OUT2 gate. COM1: 0x3F8, IRQ 4.
 */
#include "kestrel/osdep.h"
#include "test-board.h"

#define COM1            0x3f8
#define RBR             (COM1 + 0)
#define IER             (COM1 + 1)
#define IIR             (COM1 + 2)
#define FCR             (COM1 + 2)
#define LCR             (COM1 + 3)
#define MCR             (COM1 + 4)
#define LSR             (COM1 + 5)
#define MSR             (COM1 + 6)
#define SCR             (COM1 + 7)

#define MCR_OUT2        0x08
#define MCR_LOOP        0x10

typedef struct Fixture {
    TestBoard *tb;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->tb = test_board_new();
    test_board_add_isa(f->tb, "isa-serial", -1, -1);   /* index 0: COM1 */
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    test_board_free(f->tb);
}

static void test_registers(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(test_inb(f->tb, IIR), ==, 0x01);
    g_assert_cmphex(test_inb(f->tb, LSR), ==, 0x60);
    test_outb(f->tb, SCR, 0x5a);
    g_assert_cmphex(test_inb(f->tb, SCR), ==, 0x5a);
    test_outb(f->tb, LCR, 0x80);
    test_outb(f->tb, RBR, 0x01);        /* 115200 baud */
    test_outb(f->tb, IER, 0x00);
    g_assert_cmphex(test_inb(f->tb, RBR), ==, 0x01);
    g_assert_cmphex(test_inb(f->tb, IER), ==, 0x00);
    test_outb(f->tb, LCR, 0x03);        /* 8N1 */
    g_assert_cmphex(test_inb(f->tb, LCR), ==, 0x03);
    g_assert_cmphex(test_inb(f->tb, IER), ==, 0x00);
}

static void test_thre_interrupt(Fixture *f, gconstpointer data)
{
    test_outb(f->tb, MCR, MCR_OUT2);
    /* Enabling ETBEI with THR empty interrupts at once ... */
    test_outb(f->tb, IER, 0x02);
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 1);
    g_assert_cmphex(test_inb(f->tb, IIR), ==, 0x02);
    /* ... reading IIR takes it ... */
    g_assert_cmphex(test_inb(f->tb, IIR), ==, 0x01);
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 0);
    /* ... and enabling again brings it back (the 8250 THRE probe). */
    test_outb(f->tb, IER, 0x00);
    test_outb(f->tb, IER, 0x02);
    g_assert_cmphex(test_inb(f->tb, IIR), ==, 0x02);
    /* A transmitted byte empties THR again: another THRE. */
    test_outb(f->tb, RBR, 'x');
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 1);
    g_assert_cmphex(test_inb(f->tb, LSR) & 0x60, ==, 0x60);
    /* Without OUT2 the PC's IRQ line stays low. */
    test_outb(f->tb, MCR, 0);
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 0);
    g_assert_cmphex(test_inb(f->tb, IIR), ==, 0x02);
}

static void test_loopback(Fixture *f, gconstpointer data)
{
    test_outb(f->tb, MCR, MCR_LOOP | MCR_OUT2 | 0x03);   /* DTR, RTS */
    g_assert_cmphex(test_inb(f->tb, MSR) & 0xf0, ==, 0xb0);
    test_outb(f->tb, IER, 0x01);
    test_outb(f->tb, RBR, 'k');
    g_assert_cmphex(test_inb(f->tb, LSR) & 0x01, ==, 0x01);
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 1);
    g_assert_cmphex(test_inb(f->tb, IIR), ==, 0x04);
    g_assert_cmphex(test_inb(f->tb, RBR), ==, 'k');
    g_assert_cmphex(test_inb(f->tb, LSR) & 0x01, ==, 0x00);
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 0);
    /* Non-FIFO mode holds one byte: the second overruns and, as on a
     * 16550 (and in QEMU), overwrites the unread one. */
    test_outb(f->tb, RBR, 'a');
    test_outb(f->tb, RBR, 'b');
    g_assert_cmphex(test_inb(f->tb, LSR) & 0x03, ==, 0x03);
    g_assert_cmphex(test_inb(f->tb, LSR) & 0x02, ==, 0x00);
    g_assert_cmphex(test_inb(f->tb, RBR), ==, 'b');
}

static void test_fifo_trigger(Fixture *f, gconstpointer data)
{
    test_outb(f->tb, LCR, 0x80);
    test_outb(f->tb, RBR, 0x01);
    test_outb(f->tb, LCR, 0x03);
    test_outb(f->tb, FCR, 0x87);        /* FIFO on, cleared, trigger 8 */
    g_assert_cmphex(test_inb(f->tb, IIR), ==, 0xc1);
    test_outb(f->tb, MCR, MCR_LOOP | MCR_OUT2);
    test_outb(f->tb, IER, 0x01);
    for (int i = 0; i < 7; i++) {
        test_outb(f->tb, RBR, '0' + i);
    }
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 0);
    test_outb(f->tb, RBR, '7');
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 1);
    g_assert_cmphex(test_inb(f->tb, IIR), ==, 0xc4);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(test_inb(f->tb, RBR), ==, '0' + i);
    }
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 0);

    /* Below the trigger: the character timeout (4 characters, 10 bits
     * each at 115200 baud = 347 us) interrupts instead. */
    for (int i = 0; i < 3; i++) {
        test_outb(f->tb, RBR, 'a' + i);
    }
    test_clock_step_ns(f->tb, 300 * 1000);
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 0);
    test_clock_step_ns(f->tb, 100 * 1000);
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 1);
    g_assert_cmphex(test_inb(f->tb, IIR), ==, 0xcc);
    g_assert_cmphex(test_inb(f->tb, RBR), ==, 'a');
    g_assert_cmpint(test_irq_level(f->tb, 4), ==, 0);
    test_outb(f->tb, FCR, 0x03);        /* clear the rest */
    g_assert_cmphex(test_inb(f->tb, LSR) & 0x01, ==, 0x00);

    /* 17 bytes into 16: overrun, and the error shows in LSR bit 7. */
    for (int i = 0; i < 17; i++) {
        test_outb(f->tb, RBR, i);
    }
    g_assert_cmphex(test_inb(f->tb, LSR) & 0x83, ==, 0x83);
    g_assert_cmphex(test_inb(f->tb, LSR) & 0x82, ==, 0x00);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/hw/serial/registers", test_registers);
    ADD("/hw/serial/thre-interrupt", test_thre_interrupt);
    ADD("/hw/serial/loopback", test_loopback);
    ADD("/hw/serial/fifo-trigger", test_fifo_trigger);
#undef ADD
    return g_test_run();
}
