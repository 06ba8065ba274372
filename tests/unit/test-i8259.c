/* SPDX-License-Identifier: MIT */
/*
 * The 8259A pair driven through its ports the way a BIOS or a kernel
 * programs it, with ISA lines raised on the bus and INTA cycles run as the
 * CPU loop runs them.
 */
#include "kestrel/osdep.h"
#include "test-board.h"

typedef struct PicFixture {
    TestBoard *tb;
    Device *pic;
} PicFixture;

/* The PC/AT initialisation: vectors 0x08 and 0x70, slave on IR2. */
static void pic_init_icws(TestBoard *tb, uint8_t icw4)
{
    test_outb(tb, 0x20, 0x11);
    test_outb(tb, 0x21, 0x08);
    test_outb(tb, 0x21, 0x04);
    test_outb(tb, 0x21, icw4);
    test_outb(tb, 0xa0, 0x11);
    test_outb(tb, 0xa1, 0x70);
    test_outb(tb, 0xa1, 0x02);
    test_outb(tb, 0xa1, icw4);
    test_outb(tb, 0x21, 0x00);
    test_outb(tb, 0xa1, 0x00);
}

static void fixture_setup(PicFixture *f, gconstpointer data)
{
    f->tb = test_board_new();
    f->pic = test_board_add_isa(f->tb, "isa-i8259", -1, -1);
    test_board_connect_pic(f->tb, f->pic);
    pic_init_icws(f->tb, 0x01);
}

static void fixture_teardown(PicFixture *f, gconstpointer data)
{
    test_board_free(f->tb);
}

static void set_irq(int n, int level)
{
    irq_sink_set(isa_get_irq(n), level);
}

static uint8_t read_isr(TestBoard *tb, uint16_t port)
{
    test_outb(tb, port, 0x0b);          /* OCW3: read ISR */
    return test_inb(tb, port);
}

static uint8_t read_irr(TestBoard *tb, uint16_t port)
{
    test_outb(tb, port, 0x0a);          /* OCW3: read IRR */
    return test_inb(tb, port);
}

static void test_basic(PicFixture *f, gconstpointer data)
{
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 0);
    set_irq(1, 1);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 1);
    g_assert_cmphex(read_irr(f->tb, 0x20), ==, 0x02);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x09);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 0);
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x02);
    g_assert_cmphex(read_irr(f->tb, 0x20), ==, 0x00);
    test_outb(f->tb, 0x20, 0x20);       /* non-specific EOI */
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x00);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 0);
    /* edge triggered: the line is still high, no new request */
    test_outb(f->tb, 0x20, 0x20);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 0);
}

static void test_priority_nesting(PicFixture *f, gconstpointer data)
{
    set_irq(3, 1);
    set_irq(1, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x09);
    /* IRQ 3 is lower than IRQ 1 in service: no INTR */
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 0);
    set_irq(0, 1);                      /* higher: nests */
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x08);
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x03);
    test_outb(f->tb, 0x20, 0x20);       /* ends IRQ 0, the highest */
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x02);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 0);
    test_outb(f->tb, 0x20, 0x61);       /* specific EOI for IRQ 1 */
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x0b);
}

static void test_cascade(PicFixture *f, gconstpointer data)
{
    set_irq(10, 1);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x72);
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x04);
    g_assert_cmphex(read_isr(f->tb, 0xa0), ==, 0x04);
    /* slave masked: IRQ 9 stays in the slave's IRR */
    test_outb(f->tb, 0xa1, 0x02);
    g_assert_cmphex(test_inb(f->tb, 0xa1), ==, 0x02);
    set_irq(9, 1);
    test_outb(f->tb, 0xa0, 0x20);
    test_outb(f->tb, 0x20, 0x20);
    g_assert_cmphex(read_irr(f->tb, 0xa0), ==, 0x02);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 0);
    test_outb(f->tb, 0xa1, 0x00);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x71);
}

static void test_mask(PicFixture *f, gconstpointer data)
{
    test_outb(f->tb, 0x21, 0x10);
    g_assert_cmphex(test_inb(f->tb, 0x21), ==, 0x10);
    set_irq(4, 1);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 0);
    g_assert_cmphex(read_irr(f->tb, 0x20), ==, 0x10);
    test_outb(f->tb, 0x21, 0x00);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x0c);
}

static void test_edge_level(PicFixture *f, gconstpointer data)
{
    /* an edge is latched even when the line drops before INTA */
    set_irq(4, 1);
    set_irq(4, 0);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x0c);
    test_outb(f->tb, 0x20, 0x20);

    /* ELCR: IRQ 0-2 and 8, 13 are edge only */
    test_outb(f->tb, 0x4d0, 0xff);
    test_outb(f->tb, 0x4d1, 0xff);
    g_assert_cmphex(test_inb(f->tb, 0x4d0), ==, 0xf8);
    g_assert_cmphex(test_inb(f->tb, 0x4d1), ==, 0xde);
    test_outb(f->tb, 0x4d0, 0x00);
    test_outb(f->tb, 0x4d1, 0x04);      /* IRQ 10 level triggered */

    set_irq(10, 1);
    set_irq(10, 0);                     /* level: the request is gone */
    g_assert_cmphex(read_irr(f->tb, 0xa0), ==, 0x00);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x77);
    test_outb(f->tb, 0x20, 0x20);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 0);
    set_irq(10, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x72);
    test_outb(f->tb, 0xa0, 0x20);
    test_outb(f->tb, 0x20, 0x20);
    /* still high after EOI: requests again */
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x72);
}

static void test_spurious(PicFixture *f, gconstpointer data)
{
    test_outb(f->tb, 0x4d0, 0x20);      /* IRQ 5 level */
    set_irq(5, 1);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 1);
    set_irq(5, 0);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x0f);
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x00);

    /* the slave's request goes away after the master latched IR2 */
    test_outb(f->tb, 0x4d1, 0x08);      /* IRQ 11 level */
    set_irq(11, 1);
    set_irq(11, 0);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x77);
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x04);
    g_assert_cmphex(read_isr(f->tb, 0xa0), ==, 0x00);
}

static void test_auto_eoi(PicFixture *f, gconstpointer data)
{
    pic_init_icws(f->tb, 0x03);
    set_irq(6, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x0e);
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x00);
    set_irq(7, 1);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 1);
}

static void test_rotate(PicFixture *f, gconstpointer data)
{
    set_irq(1, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x09);
    test_outb(f->tb, 0x20, 0xa0);       /* rotate on non-specific EOI */
    /* IRQ 1 is now lowest, IRQ 2 highest: IRQ 3 beats a new IRQ 1 */
    set_irq(1, 0);
    set_irq(1, 1);
    set_irq(3, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x0b);
    test_outb(f->tb, 0x20, 0x20);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x09);
    test_outb(f->tb, 0x20, 0x20);

    test_outb(f->tb, 0x20, 0xc4);       /* set priority: IRQ 4 lowest */
    set_irq(4, 1);
    set_irq(6, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x0e);
    test_outb(f->tb, 0x20, 0xe6);       /* rotate on specific EOI 6 */
    set_irq(5, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x0c);
}

static void test_special_mask(PicFixture *f, gconstpointer data)
{
    set_irq(1, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x09);
    set_irq(3, 1);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 0);
    test_outb(f->tb, 0x21, 0x02);       /* mask the level in service */
    test_outb(f->tb, 0x20, 0x68);       /* set special mask mode */
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x0b);
    test_outb(f->tb, 0x20, 0x20);       /* ends 3, not the masked 1 */
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x02);
    test_outb(f->tb, 0x20, 0x48);       /* reset special mask mode */
    test_outb(f->tb, 0x21, 0x00);
    test_outb(f->tb, 0x20, 0x20);
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x00);
}

static void test_poll(PicFixture *f, gconstpointer data)
{
    test_outb(f->tb, 0x20, 0x0c);
    g_assert_cmphex(test_inb(f->tb, 0x20), ==, 0x00);
    set_irq(5, 1);
    test_outb(f->tb, 0x20, 0x0c);
    g_assert_cmphex(test_inb(f->tb, 0x20), ==, 0x85);
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x20);
    /* the poll flag lasts one read */
    g_assert_cmphex(test_inb(f->tb, 0x20), ==, 0x20);
}

static void test_special_fully_nested(PicFixture *f, gconstpointer data)
{
    set_irq(10, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x72);
    set_irq(9, 1);                      /* higher, same slave: blocked */
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 0);
    set_irq(9, 0);
    set_irq(10, 0);
    test_outb(f->tb, 0xa0, 0x20);
    test_outb(f->tb, 0x20, 0x20);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x71);
    test_outb(f->tb, 0xa0, 0x20);
    test_outb(f->tb, 0x20, 0x20);

    /* ICW4 SFNM on the master: the slave may nest itself */
    test_outb(f->tb, 0x20, 0x11);
    test_outb(f->tb, 0x21, 0x08);
    test_outb(f->tb, 0x21, 0x04);
    test_outb(f->tb, 0x21, 0x11);
    set_irq(10, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x72);
    set_irq(9, 1);
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_INTR), ==, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x71);
    g_assert_cmphex(read_isr(f->tb, 0xa0), ==, 0x06);
}

static void test_reinit(PicFixture *f, gconstpointer data)
{
    set_irq(1, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x09);
    test_outb(f->tb, 0x21, 0xfb);
    test_outb(f->tb, 0x20, 0x11);       /* ICW1 clears IMR and ISR */
    g_assert_cmphex(test_inb(f->tb, 0x21), ==, 0x00);
    test_outb(f->tb, 0x21, 0x20);       /* new base 0x20 */
    test_outb(f->tb, 0x21, 0x04);
    test_outb(f->tb, 0x21, 0x01);
    g_assert_cmphex(read_isr(f->tb, 0x20), ==, 0x00);
    set_irq(1, 0);
    set_irq(1, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x21);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *path;
        void (*fn)(PicFixture *, gconstpointer);
    } cases[] = {
        { "/hw/pic/basic", test_basic },
        { "/hw/pic/priority-nesting", test_priority_nesting },
        { "/hw/pic/cascade", test_cascade },
        { "/hw/pic/mask", test_mask },
        { "/hw/pic/edge-level", test_edge_level },
        { "/hw/pic/spurious", test_spurious },
        { "/hw/pic/auto-eoi", test_auto_eoi },
        { "/hw/pic/rotate", test_rotate },
        { "/hw/pic/special-mask", test_special_mask },
        { "/hw/pic/poll", test_poll },
        { "/hw/pic/reinit", test_reinit },
        { "/hw/pic/special-fully-nested", test_special_fully_nested },
    };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_add(cases[i].path, PicFixture, NULL, fixture_setup,
                   cases[i].fn, fixture_teardown);
    }
    return g_test_run();
}
