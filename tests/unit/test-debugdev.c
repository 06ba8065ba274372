/* SPDX-License-Identifier: MIT */
/*
 * The small test and debug devices: isa-debugcon writing to a file
 * chardev, isa-debug-exit's exit status, pc-testdev's scratch ports,
 * IRQ lines and memory, and port 0x92's A20 and reset lines.
 */
#include "kestrel/osdep.h"
#include <glib/gstdio.h>
#include "kestrel/chardev.h"
#include "test-board.h"

static void test_debugcon(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("kestrel-debugcon-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "out.txt", NULL);
    g_autofree char *opts = g_strdup_printf("file,id=dbg,path=%s", path);
    g_autofree char *text = NULL;

    g_assert_nonnull(chardev_new_from_opts(opts, &err));
    g_assert_no_error(err);
    g_assert_nonnull(test_board_add(tb, "isa-debugcon,chardev=dbg", &err));
    g_assert_no_error(err);
    for (const char *p = "Hello, 0xe9!\n"; *p; p++) {
        test_outb(tb, 0xe9, *p);
    }
    test_outw(tb, 0xe9, 0x4241);        /* 'B' goes to port 0xea */
    g_assert_cmphex(test_inb(tb, 0xe9), ==, 0xe9);
    chardev_flush_all();
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "Hello, 0xe9!\nA");
    chardev_close_all();
    g_unlink(path);
    g_rmdir(dir);
}

static void test_debugcon_errors(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    g_autoptr(GError) err = NULL;

    g_assert_null(test_board_add(tb, "isa-debugcon", &err));
    g_assert_nonnull(strstr(err->message, "chardev=ID"));
    g_clear_error(&err);
    g_assert_null(test_board_add(tb, "isa-debugcon,chardev=nope", &err));
    g_assert_nonnull(strstr(err->message, "chardev=nope"));
}

static void test_debug_exit(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    g_autoptr(GError) err = NULL;
    Device *dev = test_board_add(tb, "isa-debug-exit,iobase=0xf4,iosize=4",
                                 &err);

    g_assert_no_error(err);
    g_assert_nonnull(dev);
    g_assert_cmpint(test_board_exit_status(tb), ==, -1);
    g_assert_cmphex(test_inl(tb, 0xf4), ==, 0);
    test_outb(tb, 0xf4, 0x00);
    g_assert_cmpint(test_board_exit_status(tb), ==, 1);
    test_outl(tb, 0xf4, 0x10);
    g_assert_cmpint(test_board_exit_status(tb), ==, 0x21);

    /* defaults: 0x501, 2 ports; an overlapping second one is refused */
    g_assert_nonnull(test_board_add(tb, "isa-debug-exit", &err));
    g_assert_no_error(err);
    g_assert_null(test_board_add(tb, "isa-debug-exit,iobase=0x502", &err));
    g_assert_nonnull(strstr(err->message, "port 0x0502 is already used"));
    g_clear_error(&err);
    g_assert_null(test_board_add(tb, "isa-debug-exit,iosize=0", &err));
    g_assert_nonnull(strstr(err->message, "iosize=0"));
}

static void test_pc_testdev(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    g_autoptr(GError) err = NULL;

    g_assert_nonnull(test_board_add(tb, "pc-testdev", &err));
    g_assert_no_error(err);
    test_outl(tb, 0xe0, 0x12345678);
    g_assert_cmphex(test_inl(tb, 0xe0), ==, 0x12345678);
    g_assert_cmphex(test_inb(tb, 0xe2), ==, 0x34);
    g_assert_cmphex(test_inb(tb, 0xeb), ==, 0x12);
    test_outb(tb, 0xe9, 0xab);
    g_assert_cmphex(test_inl(tb, 0xe8), ==, 0x1234ab78);
    test_outw(tb, 0xe1, 0xcdef);
    g_assert_cmphex(test_inl(tb, 0xe0), ==, 0x12cdef78);
    test_outl(tb, 0xe4, 0x1000);        /* flush page: accepted */

    test_outb(tb, 0x2005, 1);
    g_assert_cmpint(test_irq_level(tb, 5), ==, 1);
    test_outb(tb, 0x2005, 0);
    g_assert_cmpint(test_irq_level(tb, 5), ==, 0);
    g_assert_cmpuint(test_irq_rising_edges(tb, 5), ==, 1);
    test_outb(tb, 0x2017, 1);           /* I/O APIC only: ignored */

    as_write(&address_space_memory, 0xff000010, 0x1122334455667788ull, 8);
    g_assert_cmphex(as_read(&address_space_memory, 0xff000014, 4, NULL),
                    ==, 0x11223344);
}

static void test_port92(void)
{
    g_autoptr(TestBoard) tb = test_board_new();
    Device *dev = test_board_add_isa(tb, "port92", -1, -1);

    test_irq_watch(tb, &dev->irq_out[0], TEST_IRQ_AUX0);
    test_irq_watch(tb, &dev->irq_out[1], TEST_IRQ_AUX1);
    test_outb(tb, 0x92, 0x02);          /* fast A20 on */
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_AUX0), ==, 1);
    g_assert_cmphex(test_inb(tb, 0x92), ==, 0x02);
    g_assert_cmpuint(test_irq_rising_edges(tb, TEST_IRQ_AUX1), ==, 0);
    test_outb(tb, 0x92, 0x03);          /* fast reset */
    g_assert_cmpuint(test_irq_rising_edges(tb, TEST_IRQ_AUX1), ==, 1);
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_AUX1), ==, 0);
    test_outb(tb, 0x92, 0x03);          /* no new 0 -> 1 transition */
    g_assert_cmpuint(test_irq_rising_edges(tb, TEST_IRQ_AUX1), ==, 1);
    dev_reset_all();
    g_assert_cmphex(test_inb(tb, 0x92), ==, 0x02);
    test_outb(tb, 0x92, 0x00);
    g_assert_cmpint(test_irq_level(tb, TEST_IRQ_AUX0), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hw/debugcon/write", test_debugcon);
    g_test_add_func("/hw/debugcon/errors", test_debugcon_errors);
    g_test_add_func("/hw/debug-exit/status", test_debug_exit);
    g_test_add_func("/hw/pc-testdev/ports", test_pc_testdev);
    g_test_add_func("/hw/port92/a20-reset", test_port92);
    return g_test_run();
}
