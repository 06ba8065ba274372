/* SPDX-License-Identifier: MIT */
/*
 * Shared by the VGA unit tests (test-vga.c: PCI, registers, memory;
 * test-vga-render.c: text, VBE, screendump): the fixture, which makes a
 * test board with a PCI bus and the VGA at 02.0 (BAR 0 at LFB_BASE, BAR 2
 * at MMIO_BASE), and helpers that program the card through its ports.
 */
#ifndef KESTREL_TESTS_UNIT_TEST_VGA_H
#define KESTREL_TESTS_UNIT_TEST_VGA_H

#include "kestrel/osdep.h"
#include "kestrel/pci.h"
#include "test-board.h"

#define VGA_DEVFN               PCI_DEVFN(2, 0)
#define LFB_BASE                0xe0000000u
#define MMIO_BASE               0xe1000000u
#define FRAME_NS                (1000000000 / 70)

typedef struct Fixture {
    TestBoard *tb;
    PciBus *bus;
    Device *vga;
} Fixture;

/* A whole mode's registers, in the order a BIOS writes them. */
typedef struct VgaRegs {
    uint8_t misc;
    uint8_t seq[5];
    uint8_t crtc[25];
    uint8_t gr[9];
    uint8_t ar[21];
} VgaRegs;

extern const VgaRegs mode03, mode12, mode13;

/* Configuration space of 02.0 through ports 0xCF8/0xCFC. */
void cfg_writel(Fixture *f, int reg, uint32_t val);
uint32_t cfg_readl(Fixture *f, int reg);
void fixture_setup(Fixture *f, gconstpointer data);
void fixture_teardown(Fixture *f, gconstpointer data);
/* Indexed registers; gr_write uses one word OUT (index, then data). */
void seq_write(Fixture *f, uint8_t i, uint8_t v);
void gr_write(Fixture *f, uint8_t i, uint8_t v);
uint8_t gr_read(Fixture *f, uint8_t i);
void crtc_write(Fixture *f, uint8_t i, uint8_t v);
uint8_t crtc_read(Fixture *f, uint8_t i);
void dispi_write(Fixture *f, uint16_t i, uint16_t v);
uint16_t dispi_read(Fixture *f, uint16_t i);
/* One byte of guest physical memory. */
void mem_writeb(hwaddr addr, uint8_t v);
uint8_t mem_readb(hwaddr addr);
/* Attribute index bit 5 on: the display shows the picture. */
void unblank(Fixture *f);
void set_mode(Fixture *f, const VgaRegs *m);
/* Fill the DAC with a known palette; expect_dac(i) is entry i as the
 * renderer must show it. */
void load_dac(Fixture *f);
uint32_t expect_dac(int i);

typedef void TestVgaFn(Fixture *f, gconstpointer data);
/* Register /hw/vga/PATH with the fixture. */
void test_vga_add(const char *path, TestVgaFn *fn);
void test_vga_add_render_tests(void);

#endif /* KESTREL_TESTS_UNIT_TEST_VGA_H */
