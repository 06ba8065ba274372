/* SPDX-License-Identifier: MIT */
/*
 * A test board for device unit tests: fresh address spaces, a stopped
 * (manual) virtual clock, the ISA bus with a log of every IRQ line, and
 * port I/O helpers that go through the same dispatch as the CPU's in/out.
 * One board at a time; test_board_free() removes every device.
 */
#ifndef KESTREL_TESTS_UNIT_TEST_BOARD_H
#define KESTREL_TESTS_UNIT_TEST_BOARD_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"
#include "kestrel/isa.h"

/* IRQ log slots: 0-15 are the ISA lines, then these. */
#define TEST_IRQ_INTR   16              /* INTR of a connected PIC */
#define TEST_IRQ_AUX0   17              /* other lines: test_irq_watch() */
#define TEST_IRQ_AUX1   18
#define TEST_IRQ_SLOTS  19

typedef struct TestBoard TestBoard;

TestBoard *test_board_new(void);
void test_board_free(TestBoard *tb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestBoard, test_board_free)

/* Create and plug an ISA device as the board does; iobase or irq < 0
 * keep the type's default. Fails the test when the device fails. */
Device *test_board_add_isa(TestBoard *tb, const char *type, int iobase,
                           int irq);
/* The same from -device style options ("isa-debugcon,chardev=x"),
 * including the user errors -device reports. */
Device *test_board_add(TestBoard *tb, const char *opts, GError **errp);
/* Route the ISA lines into this i8259 pair; log its INTR output. */
void test_board_connect_pic(TestBoard *tb, Device *pic);
/* Log an output line of a device in slot n (TEST_IRQ_AUX0/1). The slot
 * keeps the line's level: a line carrying a value logs that value. */
void test_irq_watch(TestBoard *tb, IrqLine *line, int n);

void test_outb(TestBoard *tb, uint16_t port, uint8_t val);
void test_outw(TestBoard *tb, uint16_t port, uint16_t val);
void test_outl(TestBoard *tb, uint16_t port, uint32_t val);
uint8_t test_inb(TestBoard *tb, uint16_t port);
uint16_t test_inw(TestBoard *tb, uint16_t port);
uint32_t test_inl(TestBoard *tb, uint16_t port);

/* MMIO through the memory address space, as the CPU's loads and stores. */
void test_writel(TestBoard *tb, hwaddr addr, uint32_t val);
uint32_t test_readl(TestBoard *tb, hwaddr addr);

/* The IRQ log of a slot since the board was made or the slot cleared. */
int test_irq_level(TestBoard *tb, int n);
unsigned test_irq_rising_edges(TestBoard *tb, int n);
unsigned test_irq_falling_edges(TestBoard *tb, int n);
/* Virtual time of rising edge i (0 = first). */
int64_t test_irq_edge_ns(TestBoard *tb, int n, unsigned i);
void test_irq_log_clear(TestBoard *tb, int n);

/* The status of the last machine_request_exit() (isa-debug-exit), or
 * -1: the test board stands in for the main loop. */
int test_board_exit_status(TestBoard *tb);

/* Advance the stopped virtual clock, running the timers on the way. */
void test_clock_step_ns(TestBoard *tb, int64_t ns);
int64_t test_clock_ns(TestBoard *tb);

#endif /* KESTREL_TESTS_UNIT_TEST_BOARD_H */
