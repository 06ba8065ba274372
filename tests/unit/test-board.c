/* SPDX-License-Identifier: MIT */
/*
 * The unit-test board (see test-board.h and STYLE.md section 7).
 */
#include "kestrel/osdep.h"
#include "kestrel/machine.h"
#include "kestrel/timer.h"
#include "test-board.h"

typedef struct TestIrqLog {
    int level;
    unsigned falling;
    GArray *rising_ns;                  /* int64_t virtual time per edge */
} TestIrqLog;

struct TestBoard {
    IrqSink *pins;                      /* TEST_IRQ_SLOTS logging pins */
    TestIrqLog log[TEST_IRQ_SLOTS];
    Device *pic;                        /* where ISA lines go, or NULL */
};

static int test_exit_status = -1;

/*
 * Weak stand-ins for system/runstate.c: devices (isa-debug-exit) and the
 * chardev mux (Ctrl-A x) make requests, and a device test should neither
 * link the main loop nor act on them. Where the real ones are linked in,
 * they win.
 */
__attribute__((weak)) void machine_request_exit(int status)
{
    test_exit_status = status;
}

__attribute__((weak)) void machine_request_shutdown(ShutdownCause cause)
{
}

int test_board_exit_status(TestBoard *tb)
{
    return test_exit_status;
}

static void test_irq_handler(void *opaque, int n, int level)
{
    TestBoard *tb = opaque;
    TestIrqLog *l = &tb->log[n];

    if (level && !l->level) {
        int64_t now = clock_ns(CLOCK_VIRTUAL);
        g_array_append_val(l->rising_ns, now);
    } else if (!level && l->level) {
        l->falling++;
    }
    l->level = level;
    if (n < ISA_NUM_IRQS && tb->pic) {
        irq_sink_set(&tb->pic->irq_in[n], level);
    }
}

TestBoard *test_board_new(void)
{
    TestBoard *tb = g_new0(TestBoard, 1);

    clock_set_manual(true);
    test_exit_status = -1;
    as_init(&address_space_memory, "memory", 1ull << 32);
    as_init(&address_space_io, "io", 0x10000);
    tb->pins = irq_sinks_new(test_irq_handler, tb, TEST_IRQ_SLOTS);
    for (int n = 0; n < TEST_IRQ_SLOTS; n++) {
        tb->log[n].rising_ns = g_array_new(false, false, sizeof(int64_t));
    }
    isa_bus_set_irqs(tb->pins);
    return tb;
}

void test_board_free(TestBoard *tb)
{
    isa_bus_set_irqs(NULL);
    for (int n = 0; n < ISA_NUM_IRQS; n++) {
        irq_sink_set(isa_get_irq(n), 0);    /* the next board starts low */
    }
    tb->pic = NULL;
    as_destroy(&address_space_io);
    as_destroy(&address_space_memory);
    dev_destroy_all();
    for (int n = 0; n < TEST_IRQ_SLOTS; n++) {
        g_array_free(tb->log[n].rising_ns, true);
    }
    g_free(tb->pins);
    g_free(tb);
}

Device *test_board_add_isa(TestBoard *tb, const char *type, int iobase,
                           int irq)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *val = NULL;
    Device *dev = dev_new(type, &err);

    g_assert_no_error(err);
    if (iobase >= 0) {
        val = g_strdup_printf("0x%x", iobase);
        dev_set_prop(dev, "iobase", val, &err);
        g_assert_no_error(err);
    }
    if (irq >= 0) {
        g_free(val);
        val = g_strdup_printf("%d", irq);
        dev_set_prop(dev, "irq", val, &err);
        g_assert_no_error(err);
    }
    dev_realize(dev, &err);
    g_assert_no_error(err);
    return dev;
}

Device *test_board_add(TestBoard *tb, const char *opts, GError **errp)
{
    return dev_create_from_opts(opts, errp);
}

void test_board_connect_pic(TestBoard *tb, Device *pic)
{
    g_assert_cmpuint(pic->nr_irq_in, >=, ISA_NUM_IRQS);
    tb->pic = pic;
    irq_connect(&pic->irq_out[0], &tb->pins[TEST_IRQ_INTR]);
    for (int n = 0; n < ISA_NUM_IRQS; n++) {
        if (tb->log[n].level) {
            irq_sink_set(&pic->irq_in[n], 1);
        }
    }
}

void test_irq_watch(TestBoard *tb, IrqLine *line, int n)
{
    g_assert(n >= TEST_IRQ_AUX0 && n < TEST_IRQ_SLOTS);
    irq_connect(line, &tb->pins[n]);
}

void test_outb(TestBoard *tb, uint16_t port, uint8_t val)
{
    io_write(port, val, 1);
}

void test_outw(TestBoard *tb, uint16_t port, uint16_t val)
{
    io_write(port, val, 2);
}

void test_outl(TestBoard *tb, uint16_t port, uint32_t val)
{
    io_write(port, val, 4);
}

uint8_t test_inb(TestBoard *tb, uint16_t port)
{
    return io_read(port, 1);
}

uint16_t test_inw(TestBoard *tb, uint16_t port)
{
    return io_read(port, 2);
}

uint32_t test_inl(TestBoard *tb, uint16_t port)
{
    return io_read(port, 4);
}

void test_writel(TestBoard *tb, hwaddr addr, uint32_t val)
{
    as_write(&address_space_memory, addr, val, 4);
}

uint32_t test_readl(TestBoard *tb, hwaddr addr)
{
    return as_read(&address_space_memory, addr, 4, NULL);
}

int test_irq_level(TestBoard *tb, int n)
{
    return tb->log[n].level;
}

unsigned test_irq_rising_edges(TestBoard *tb, int n)
{
    return tb->log[n].rising_ns->len;
}

unsigned test_irq_falling_edges(TestBoard *tb, int n)
{
    return tb->log[n].falling;
}

int64_t test_irq_edge_ns(TestBoard *tb, int n, unsigned i)
{
    g_assert_cmpuint(i, <, tb->log[n].rising_ns->len);
    return g_array_index(tb->log[n].rising_ns, int64_t, i);
}

void test_irq_log_clear(TestBoard *tb, int n)
{
    g_array_set_size(tb->log[n].rising_ns, 0);
    tb->log[n].falling = 0;
}

void test_clock_step_ns(TestBoard *tb, int64_t ns)
{
    clock_step_ns(ns);
}

int64_t test_clock_ns(TestBoard *tb)
{
    return clock_ns(CLOCK_VIRTUAL);
}
