/* SPDX-License-Identifier: MIT */
/*
 * The 8042 and its PS/2 devices through ports 0x60/0x64, as a BIOS and
 * the Linux i8042/atkbd/psmouse drivers drive them.
 */
#include "kestrel/osdep.h"
#include "hw/input/ps2.h"
#include "test-board.h"

#define STAT_OBF        0x01
#define STAT_AUX_OBF    0x20

typedef struct Fixture {
    TestBoard *tb;
    Device *kbc;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->tb = test_board_new();
    f->kbc = test_board_add_isa(f->tb, "i8042", -1, -1);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    test_board_free(f->tb);
}

static uint8_t read_data(Fixture *f)
{
    g_assert_cmphex(test_inb(f->tb, 0x64) & STAT_OBF, ==, STAT_OBF);
    return test_inb(f->tb, 0x60);
}

static void assert_empty(Fixture *f)
{
    g_assert_cmphex(test_inb(f->tb, 0x64) & STAT_OBF, ==, 0);
}

static void write_mode(Fixture *f, uint8_t mode)
{
    test_outb(f->tb, 0x64, 0x60);
    test_outb(f->tb, 0x60, mode);
}

static void key(Fixture *f, const char *name, bool down)
{
    int k = ps2_key_from_name(name);

    g_assert_cmpint(k, >=, 0);
    ps2_kbd_put_keycode(f->kbc, k, down);
}

static void test_self_test(Fixture *f, gconstpointer data)
{
    assert_empty(f);
    test_outb(f->tb, 0x64, 0xaa);
    g_assert_cmphex(read_data(f), ==, 0x55);
    g_assert_cmphex(test_inb(f->tb, 0x64) & 0x04, ==, 0x04);   /* SYS */
    test_outb(f->tb, 0x64, 0xab);
    g_assert_cmphex(read_data(f), ==, 0x00);
    test_outb(f->tb, 0x64, 0xa9);
    g_assert_cmphex(read_data(f), ==, 0x00);
    write_mode(f, 0x61);
    test_outb(f->tb, 0x64, 0x20);
    g_assert_cmphex(read_data(f), ==, 0x61);
    assert_empty(f);
}

static void test_kbd_reset(Fixture *f, gconstpointer data)
{
    test_irq_log_clear(f->tb, 1);
    test_outb(f->tb, 0x60, 0xff);
    g_assert_cmpint(test_irq_level(f->tb, 1), ==, 1);
    g_assert_cmphex(read_data(f), ==, 0xfa);
    g_assert_cmphex(read_data(f), ==, 0xaa);
    assert_empty(f);
    g_assert_cmpint(test_irq_level(f->tb, 1), ==, 0);
    g_assert_cmpuint(test_irq_rising_edges(f->tb, 1), ==, 2);
    /* Identify, through the translation: AB 83 becomes AB 41. */
    write_mode(f, 0x43);
    test_outb(f->tb, 0x60, 0xf2);
    g_assert_cmphex(read_data(f), ==, 0xfa);
    g_assert_cmphex(read_data(f), ==, 0xab);
    g_assert_cmphex(read_data(f), ==, 0x41);
    /* Set LEDs takes an argument, each byte acknowledged. */
    test_outb(f->tb, 0x60, 0xed);
    g_assert_cmphex(read_data(f), ==, 0xfa);
    test_outb(f->tb, 0x60, 0x07);
    g_assert_cmphex(read_data(f), ==, 0xfa);
    assert_empty(f);
}

static void test_translation(Fixture *f, gconstpointer data)
{
    write_mode(f, 0x41);                /* XLATE, IRQ 1 */
    key(f, "a", true);
    key(f, "a", false);
    g_assert_cmphex(read_data(f), ==, 0x1e);
    g_assert_cmphex(read_data(f), ==, 0x9e);
    key(f, "up", true);
    key(f, "up", false);
    g_assert_cmphex(read_data(f), ==, 0xe0);
    g_assert_cmphex(read_data(f), ==, 0x48);
    g_assert_cmphex(read_data(f), ==, 0xe0);
    g_assert_cmphex(read_data(f), ==, 0xc8);
    key(f, "f7", true);
    g_assert_cmphex(read_data(f), ==, 0x41);
    assert_empty(f);
    /* Untranslated: set 2 with the F0 break prefix. */
    write_mode(f, 0x01);
    key(f, "a", true);
    key(f, "a", false);
    g_assert_cmphex(read_data(f), ==, 0x1c);
    g_assert_cmphex(read_data(f), ==, 0xf0);
    g_assert_cmphex(read_data(f), ==, 0x1c);
    /* Scanning disabled: keys are dropped. */
    test_outb(f->tb, 0x60, 0xf5);
    g_assert_cmphex(read_data(f), ==, 0xfa);
    key(f, "b", true);
    assert_empty(f);
    g_assert_cmpint(ps2_key_from_name("no-such-key"), ==, -1);
}

static void test_a20_and_reset(Fixture *f, gconstpointer data)
{
    test_irq_watch(f->tb, &f->kbc->irq_out[2], TEST_IRQ_AUX0);
    test_irq_watch(f->tb, &f->kbc->irq_out[3], TEST_IRQ_AUX1);
    test_outb(f->tb, 0x64, 0xd0);
    g_assert_cmphex(read_data(f) & 0x03, ==, 0x03);
    test_outb(f->tb, 0x64, 0xd1);
    test_outb(f->tb, 0x60, 0xdd);       /* A20 off */
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_AUX0), ==, 0);
    test_outb(f->tb, 0x64, 0xd1);
    test_outb(f->tb, 0x60, 0xdf);       /* A20 on */
    g_assert_cmpint(test_irq_level(f->tb, TEST_IRQ_AUX0), ==, 1);
    g_assert_cmpuint(test_irq_rising_edges(f->tb, TEST_IRQ_AUX1), ==, 0);
    test_outb(f->tb, 0x64, 0xfe);       /* pulse reset */
    g_assert_cmpuint(test_irq_rising_edges(f->tb, TEST_IRQ_AUX1), ==, 1);
    test_outb(f->tb, 0x64, 0xff);       /* pulse nothing */
    g_assert_cmpuint(test_irq_rising_edges(f->tb, TEST_IRQ_AUX1), ==, 1);
}

static void mouse_cmd(Fixture *f, uint8_t val)
{
    test_outb(f->tb, 0x64, 0xd4);
    test_outb(f->tb, 0x60, val);
    g_assert_cmphex(test_inb(f->tb, 0x64) & STAT_AUX_OBF, ==, STAT_AUX_OBF);
    g_assert_cmphex(read_data(f), ==, 0xfa);
}

static void test_mouse(Fixture *f, gconstpointer data)
{
    test_irq_watch(f->tb, &f->kbc->irq_out[1], TEST_IRQ_AUX0);
    mouse_cmd(f, 0xff);
    g_assert_cmphex(read_data(f), ==, 0xaa);
    g_assert_cmphex(read_data(f), ==, 0x00);
    g_assert_cmpuint(test_irq_rising_edges(f->tb, TEST_IRQ_AUX0), ==, 3);
    mouse_cmd(f, 0xf2);
    g_assert_cmphex(read_data(f), ==, 0x00);
    /* The IntelliMouse knock: rates 200, 100, 80, then ID 3. */
    mouse_cmd(f, 0xf3);
    mouse_cmd(f, 200);
    mouse_cmd(f, 0xf3);
    mouse_cmd(f, 100);
    mouse_cmd(f, 0xf3);
    mouse_cmd(f, 80);
    mouse_cmd(f, 0xf2);
    g_assert_cmphex(read_data(f), ==, 0x03);
    /* Stream mode: a 4-byte packet per event once enabled. */
    ps2_mouse_put_event(f->kbc, 5, 3, -1, PS2_BUTTON_LEFT);
    assert_empty(f);
    mouse_cmd(f, 0xf4);
    ps2_mouse_put_event(f->kbc, 5, 3, -1, PS2_BUTTON_LEFT);
    g_assert_cmphex(read_data(f), ==, 0x29);    /* L, always-1, Y sign */
    g_assert_cmphex(read_data(f), ==, 0x05);
    g_assert_cmphex(read_data(f), ==, 0xfd);    /* up is positive */
    g_assert_cmphex(read_data(f), ==, 0x0f);
    assert_empty(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/hw/i8042/self-test", test_self_test);
    ADD("/hw/i8042/kbd-reset", test_kbd_reset);
    ADD("/hw/i8042/translation", test_translation);
    ADD("/hw/i8042/a20-and-reset", test_a20_and_reset);
    ADD("/hw/i8042/mouse", test_mouse);
#undef ADD
    return g_test_run();
}
