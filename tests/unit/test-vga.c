/* SPDX-License-Identifier: MIT */
/*
 * The standard VGA driven through its ports and memory as a driver or the
 * VGA BIOS would: PCI identity and ROM, DAC, attribute flip-flop, CRTC
 * protection, retrace, planar write and read modes, chain-4, BAR 2, bad
 * indexes. The rendering tests are in test-vga-render.c.
 */
#include "kestrel/osdep.h"
#include <glib/gstdio.h>
#include "kestrel/log.h"
#include "kestrel/vga.h"
#include "kestrel-config.h"
#include "test-vga.h"

/* ---- helpers: PCI, VGA registers, DISPI ---- */

void cfg_writel(Fixture *f, int reg, uint32_t val)
{
    test_outl(f->tb, 0xcf8, 0x80000000u | (VGA_DEVFN << 8) | reg);
    test_outl(f->tb, 0xcfc, val);
}

uint32_t cfg_readl(Fixture *f, int reg)
{
    test_outl(f->tb, 0xcf8, 0x80000000u | (VGA_DEVFN << 8) | reg);
    return test_inl(f->tb, 0xcfc);
}

void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->tb = test_board_new();
    f->bus = pci_bus_new(&address_space_memory, &address_space_io);
    f->vga = test_board_add(f->tb, "VGA,addr=2,romfile=", &err);
    g_assert_no_error(err);
    /* BAR 0 and BAR 2 where SeaBIOS would put them. */
    cfg_writel(f, PCI_BASE_ADDRESS_0, LFB_BASE);
    cfg_writel(f, PCI_BASE_ADDRESS_0 + 8, MMIO_BASE);
    cfg_writel(f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
}

void fixture_teardown(Fixture *f, gconstpointer data)
{
    pci_bus_free(f->bus);
    test_board_free(f->tb);
}

void seq_write(Fixture *f, uint8_t i, uint8_t v)
{
    test_outb(f->tb, 0x3c4, i);
    test_outb(f->tb, 0x3c5, v);
}

void gr_write(Fixture *f, uint8_t i, uint8_t v)
{
    test_outw(f->tb, 0x3ce, i | v << 8);    /* index and data in one OUT */
}

uint8_t gr_read(Fixture *f, uint8_t i)
{
    test_outb(f->tb, 0x3ce, i);
    return test_inb(f->tb, 0x3cf);
}

void crtc_write(Fixture *f, uint8_t i, uint8_t v)
{
    test_outb(f->tb, 0x3d4, i);
    test_outb(f->tb, 0x3d5, v);
}

uint8_t crtc_read(Fixture *f, uint8_t i)
{
    test_outb(f->tb, 0x3d4, i);
    return test_inb(f->tb, 0x3d5);
}

void dispi_write(Fixture *f, uint16_t i, uint16_t v)
{
    test_outw(f->tb, 0x1ce, i);
    test_outw(f->tb, 0x1cf, v);
}

uint16_t dispi_read(Fixture *f, uint16_t i)
{
    test_outw(f->tb, 0x1ce, i);
    return test_inw(f->tb, 0x1cf);
}

void mem_writeb(hwaddr addr, uint8_t v)
{
    g_assert_cmpint(as_write(&address_space_memory, addr, v, 1), ==,
                    MEMTX_OK);
}

uint8_t mem_readb(hwaddr addr)
{
    return as_read(&address_space_memory, addr, 1, NULL);
}

/* As SeaVGABIOS and Linux's bochs-drm leave it after a VBE mode set. */
void unblank(Fixture *f)
{
    test_inb(f->tb, 0x3da);
    test_outb(f->tb, 0x3c0, 0x20);
}

/* Standard BIOS values (FreeVGA register tables, IBM VGA modes 03h, 12h,
 * 13h). */
const VgaRegs mode03 = {
    0x67, { 0x03, 0x00, 0x03, 0x00, 0x02 },
    { 0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e,
      0x00, 0x00, 0x00, 0x50, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3,
      0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b,
      0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00 },
};

const VgaRegs mode12 = {
    0xe3, { 0x03, 0x01, 0x0f, 0x00, 0x06 },
    { 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0xea, 0x8c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3,
      0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b,
      0x3c, 0x3d, 0x3e, 0x3f, 0x01, 0x00, 0x0f, 0x00, 0x00 },
};

const VgaRegs mode13 = {
    0x63, { 0x03, 0x01, 0x0f, 0x00, 0x0e },
    { 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3,
      0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
      0x0c, 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00 },
};

void set_mode(Fixture *f, const VgaRegs *m)
{
    test_outb(f->tb, 0x3c2, m->misc);
    for (int i = 0; i < 5; i++) {
        seq_write(f, i, m->seq[i]);
    }
    crtc_write(f, 0x11, m->crtc[0x11] & 0x7f);     /* unprotect 0-7 */
    for (int i = 0; i < 25; i++) {
        crtc_write(f, i, m->crtc[i]);
    }
    for (int i = 0; i < 9; i++) {
        gr_write(f, i, m->gr[i]);
    }
    test_inb(f->tb, 0x3da);
    for (int i = 0; i < 21; i++) {
        test_outb(f->tb, 0x3c0, i);
        test_outb(f->tb, 0x3c0, m->ar[i]);
    }
    unblank(f);
}

/* A DAC entry per index: 6-bit R, G, B. */
static void dac_rgb(int i, uint8_t rgb[3])
{
    rgb[0] = i & 0x3f;
    rgb[1] = 63 - (i & 0x3f);
    rgb[2] = (i * 5 + (i >> 6)) & 0x3f;
}

void load_dac(Fixture *f)
{
    test_outb(f->tb, 0x3c8, 0);
    for (int i = 0; i < 256; i++) {
        uint8_t rgb[3];

        dac_rgb(i, rgb);
        for (int c = 0; c < 3; c++) {
            test_outb(f->tb, 0x3c9, rgb[c]);
        }
    }
}

uint32_t expect_dac(int i)
{
    uint8_t rgb[3];
    uint32_t v = 0;

    dac_rgb(i, rgb);
    for (int c = 0; c < 3; c++) {
        v = v << 8 | (rgb[c] << 2 | rgb[c] >> 4);
    }
    return v;
}

/* ---- PCI ---- */

static void test_pci_ids(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(cfg_readl(f, PCI_VENDOR_ID), ==, 0x11111234);
    g_assert_cmphex(cfg_readl(f, PCI_REVISION_ID), ==, 0x03000002);
    g_assert_cmphex(cfg_readl(f, PCI_SUBSYSTEM_VENDOR_ID), ==, 0x11001af4);
    g_assert_cmphex(cfg_readl(f, PCI_BASE_ADDRESS_0), ==, LFB_BASE | 0x8);
    cfg_writel(f, PCI_BASE_ADDRESS_0, 0xffffffff);
    g_assert_cmphex(cfg_readl(f, PCI_BASE_ADDRESS_0), ==, 0xff000008);
    cfg_writel(f, PCI_BASE_ADDRESS_0 + 8, 0xffffffff);
    g_assert_cmphex(cfg_readl(f, PCI_BASE_ADDRESS_0 + 8), ==, 0xfffff000);
    g_assert_cmphex(cfg_readl(f, PCI_BASE_ADDRESS_0 + 4), ==, 0);
    /* No romfile: no ROM BAR. */
    cfg_writel(f, PCI_ROM_ADDRESS, 0xffffffff);
    g_assert_cmphex(cfg_readl(f, PCI_ROM_ADDRESS), ==, 0);
}

static void test_pci_rom(void)
{
    g_autofree char *path = g_build_filename(KESTREL_FIRMWARE_DIR,
                                             "vgabios-stdvga.bin", NULL);
    const char *dirs[] = { KESTREL_FIRMWARE_DIR, NULL };
    g_autoptr(GError) err = NULL;
    Fixture f = { 0 };
    Device *dev;

    f.tb = test_board_new();
    f.bus = pci_bus_new(&address_space_memory, &address_space_io);
    dev = test_board_add(f.tb, "VGA,romfile=no-such-vgabios.bin", &err);
    g_assert_null(dev);
    g_assert_nonnull(strstr(err->message, "no-such-vgabios.bin"));
    g_clear_error(&err);
    dev = test_board_add(f.tb, "VGA,vgamem_mb=3,romfile=", &err);
    g_assert_null(dev);
    g_assert_nonnull(strstr(err->message, "vgamem_mb=3"));
    g_clear_error(&err);

    if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        /* The default romfile, found in the firmware directory. */
        pci_bus_set_firmware_dirs(f.bus, dirs);
        f.vga = test_board_add(f.tb, "VGA,addr=2", &err);
        g_assert_no_error(err);
        cfg_writel(&f, PCI_ROM_ADDRESS, 0xfebc0000 | PCI_ROM_ENABLE);
        cfg_writel(&f, PCI_COMMAND, PCI_COMMAND_MEMORY);
        g_assert_cmphex(mem_readb(0xfebc0000), ==, 0x55);
        g_assert_cmphex(mem_readb(0xfebc0001), ==, 0xaa);
    } else {
        g_test_message("%s missing: default ROM not checked", path);
    }
    fixture_teardown(&f, NULL);
}

/* ---- registers ---- */

static void test_dac(Fixture *f, gconstpointer data)
{
    test_outb(f->tb, 0x3c8, 5);
    g_assert_cmphex(test_inb(f->tb, 0x3c7), ==, 0);     /* write state */
    for (int i = 0; i < 6; i++) {
        test_outb(f->tb, 0x3c9, 0x10 + i + (i == 2 ? 0xc0 : 0));
    }
    g_assert_cmphex(test_inb(f->tb, 0x3c8), ==, 7);
    test_outb(f->tb, 0x3c7, 5);
    g_assert_cmphex(test_inb(f->tb, 0x3c7), ==, 3);     /* read state */
    for (int i = 0; i < 6; i++) {
        g_assert_cmphex(test_inb(f->tb, 0x3c9), ==, 0x10 + i); /* 6 bits */
    }
    /* A new index restarts the RGB sequence. */
    test_outb(f->tb, 0x3c7, 6);
    test_inb(f->tb, 0x3c9);
    test_outb(f->tb, 0x3c7, 5);
    g_assert_cmphex(test_inb(f->tb, 0x3c9), ==, 0x10);
    /* PEL mask */
    test_outb(f->tb, 0x3c6, 0x0f);
    g_assert_cmphex(test_inb(f->tb, 0x3c6), ==, 0x0f);
}

static void test_attr_flip_flop(Fixture *f, gconstpointer data)
{
    test_outb(f->tb, 0x3c2, 0x67);
    test_inb(f->tb, 0x3da);                             /* -> index */
    test_outb(f->tb, 0x3c0, 0x12);
    test_outb(f->tb, 0x3c0, 0x0a);                      /* data */
    g_assert_cmphex(test_inb(f->tb, 0x3c0), ==, 0x12);
    g_assert_cmphex(test_inb(f->tb, 0x3c1), ==, 0x0a);
    test_outb(f->tb, 0x3c0, 0x33);                      /* index, PAS */
    g_assert_cmphex(test_inb(f->tb, 0x3c0), ==, 0x33);
    /* Reading 0x3DA mid-way: the next write is an index again. */
    test_inb(f->tb, 0x3da);
    test_outb(f->tb, 0x3c0, 0x11);
    test_outb(f->tb, 0x3c0, 0x3c);
    g_assert_cmphex(test_inb(f->tb, 0x3c0), ==, 0x11);
    g_assert_cmphex(test_inb(f->tb, 0x3c1), ==, 0x3c);
    /* The mono status port is dead while the colour one decodes. */
    g_assert_cmphex(test_inb(f->tb, 0x3ba), ==, 0xff);
}

static void test_crtc_protect(Fixture *f, gconstpointer data)
{
    test_outb(f->tb, 0x3c2, 0x67);
    crtc_write(f, 0x11, 0x00);
    crtc_write(f, 0x01, 0x4f);
    crtc_write(f, 0x07, 0x00);
    crtc_write(f, 0x11, 0x80);                          /* protect 0-7 */
    crtc_write(f, 0x01, 0x27);
    crtc_write(f, 0x07, 0xff);
    crtc_write(f, 0x13, 0x14);
    g_assert_cmphex(crtc_read(f, 0x01), ==, 0x4f);
    g_assert_cmphex(crtc_read(f, 0x07), ==, 0x10);      /* line compare 8 */
    g_assert_cmphex(crtc_read(f, 0x13), ==, 0x14);
    crtc_write(f, 0x11, 0x00);
    crtc_write(f, 0x01, 0x27);
    g_assert_cmphex(crtc_read(f, 0x01), ==, 0x27);
    /* Misc bit 0 clear: the CRTC moves to 0x3B4/0x3B5. */
    test_outb(f->tb, 0x3c2, 0x66);
    g_assert_cmphex(crtc_read(f, 0x01), ==, 0xff);
    test_outb(f->tb, 0x3b4, 0x01);
    g_assert_cmphex(test_inb(f->tb, 0x3b5), ==, 0x27);
    g_assert_cmphex(test_inb(f->tb, 0x3cc), ==, 0x66);
}

static void test_retrace(Fixture *f, gconstpointer data)
{
    int64_t phase = test_clock_ns(f->tb) % FRAME_NS;

    test_outb(f->tb, 0x3c2, 0x67);
    test_clock_step_ns(f->tb, FRAME_NS - phase);        /* frame start */
    g_assert_cmphex(test_inb(f->tb, 0x3da) & 0x09, ==, 0x09);
    test_clock_step_ns(f->tb, FRAME_NS / 2);
    g_assert_cmphex(test_inb(f->tb, 0x3da) & 0x08, ==, 0);
    test_clock_step_ns(f->tb, FRAME_NS / 2);
    g_assert_cmphex(test_inb(f->tb, 0x3da) & 0x08, ==, 0x08);
}

/* ---- memory ---- */

/* Plane p's byte at A0000+off, via read map select. */
static uint8_t plane_read(Fixture *f, int p, uint32_t off)
{
    gr_write(f, 4, p);
    return mem_readb(0xa0000 + off);
}

static void test_planar_write(Fixture *f, gconstpointer data)
{
    set_mode(f, &mode12);
    /* Mode 0 with set/reset on all planes: colour 5 at byte 10. */
    gr_write(f, 0, 0x05);
    gr_write(f, 1, 0x0f);
    mem_writeb(0xa000a, 0x00);
    g_assert_cmphex(plane_read(f, 0, 10), ==, 0xff);
    g_assert_cmphex(plane_read(f, 1, 10), ==, 0x00);
    g_assert_cmphex(plane_read(f, 2, 10), ==, 0xff);
    g_assert_cmphex(plane_read(f, 3, 10), ==, 0x00);
    /* Plain data to planes 1 and 3 only (map mask). */
    gr_write(f, 1, 0x00);
    seq_write(f, 2, 0x0a);
    mem_writeb(0xa000a, 0x3c);
    g_assert_cmphex(plane_read(f, 0, 10), ==, 0xff);
    g_assert_cmphex(plane_read(f, 1, 10), ==, 0x3c);
    g_assert_cmphex(plane_read(f, 3, 10), ==, 0x3c);
    /* Bit mask keeps the latched bits: latches loaded by a read. */
    seq_write(f, 2, 0x0f);
    gr_write(f, 8, 0x0f);
    mem_readb(0xa000a);
    mem_writeb(0xa000a, 0x00);
    g_assert_cmphex(plane_read(f, 0, 10), ==, 0xf0);
    g_assert_cmphex(plane_read(f, 1, 10), ==, 0x30);
    /* Rotate by 4 and XOR with the latches. */
    gr_write(f, 8, 0xff);
    gr_write(f, 3, 0x18 | 4);
    mem_readb(0xa000a);
    mem_writeb(0xa000a, 0x0f);                          /* -> 0xf0 */
    g_assert_cmphex(plane_read(f, 0, 10), ==, 0x00);
    g_assert_cmphex(plane_read(f, 1, 10), ==, 0xc0);
    gr_write(f, 3, 0);
    /* Write mode 1 copies the latches: byte 10 to byte 20. */
    gr_write(f, 5, 0x01);
    mem_readb(0xa000a);
    mem_writeb(0xa0014, 0x55);
    gr_write(f, 5, 0x00);
    g_assert_cmphex(plane_read(f, 1, 20), ==, 0xc0);
    /* Write mode 2: the data is the colour; bit mask 0x81. */
    gr_write(f, 5, 0x02);
    gr_write(f, 8, 0x81);
    mem_readb(0xa0014);
    mem_writeb(0xa0014, 0x09);
    g_assert_cmphex(plane_read(f, 0, 20), ==, 0x81);
    g_assert_cmphex(plane_read(f, 1, 20), ==, 0x40);
    g_assert_cmphex(plane_read(f, 3, 20), ==, 0xc1);
    /* Write mode 3: set/reset colour, rotated data ANDs the bit mask. */
    gr_write(f, 5, 0x03);
    gr_write(f, 8, 0xff);
    gr_write(f, 0, 0x02);
    mem_readb(0xa0014);
    mem_writeb(0xa0014, 0x18);
    gr_write(f, 5, 0x00);
    g_assert_cmphex(plane_read(f, 0, 20), ==, 0x81);
    g_assert_cmphex(plane_read(f, 1, 20), ==, 0x58);
    g_assert_cmphex(plane_read(f, 3, 20), ==, 0xc1);
}

static void test_read_mode1(Fixture *f, gconstpointer data)
{
    set_mode(f, &mode12);
    /* Pixels of byte 0: colours 0..7 from the left. */
    for (int p = 0; p < 4; p++) {
        uint8_t bits = 0;

        for (int x = 0; x < 8; x++) {
            bits |= ((x >> p) & 1) << (7 - x);
        }
        seq_write(f, 2, 1 << p);
        mem_writeb(0xa0000, bits);
    }
    seq_write(f, 2, 0x0f);
    gr_write(f, 5, 0x08);                               /* read mode 1 */
    gr_write(f, 2, 0x05);
    gr_write(f, 7, 0x0f);
    g_assert_cmphex(mem_readb(0xa0000), ==, 0x04);      /* x = 5 */
    gr_write(f, 7, 0x05);                               /* planes 0, 2 */
    g_assert_cmphex(mem_readb(0xa0000), ==, 0x05);      /* x = 5, 7 */
    gr_write(f, 7, 0x00);
    g_assert_cmphex(mem_readb(0xa0000), ==, 0xff);
    g_assert_cmphex(gr_read(f, 5), ==, 0x08);
}

static void test_chain4(Fixture *f, gconstpointer data)
{
    const VgaFramebuffer *fb;

    set_mode(f, &mode13);
    load_dac(f);
    for (int y = 0; y < 200; y++) {
        for (int x = 0; x < 320; x++) {
            mem_writeb(0xa0000 + y * 320 + x, (x ^ y) & 0xff);
        }
    }
    /* Chain-4: byte 0x103 is plane 3. */
    g_assert_cmphex(plane_read(f, 3, 0x103), ==, (0x103 ^ 0) & 0xff);
    g_assert_cmphex(mem_readb(0xa0000 + 321), ==, 0);
    fb = vga_render(f->vga);
    g_assert_cmpint(fb->width, ==, 320);
    g_assert_cmpint(fb->height, ==, 200);
    for (int y = 0; y < 200; y++) {
        for (int x = 0; x < 320; x++) {
            g_assert_cmphex(fb->pixels[y * fb->stride / 4 + x], ==,
                            expect_dac((x ^ y) & 0xff));
        }
    }
    /* Through the LFB too: chain-4 VRAM is linear. */
    g_assert_cmphex(mem_readb(LFB_BASE + 2 * 320 + 7), ==, 2 ^ 7);
    /* Mode 13h's window is VRAM itself, without callbacks... */
    g_assert_cmpint(as_lookup(&address_space_memory, 0xa0000)->mr->kind, ==,
                    MR_RAM);
    /* ...until the write logic is in use: set/reset on plane 0. */
    gr_write(f, 1, 0x01);
    g_assert_cmpint(as_lookup(&address_space_memory, 0xa0000)->mr->kind, ==,
                    MR_IO);
    mem_writeb(0xa0000 + 4, 0x12);                      /* plane 0 */
    mem_writeb(0xa0000 + 5, 0x34);                      /* plane 1 */
    g_assert_cmphex(mem_readb(LFB_BASE + 4), ==, 0x00); /* set/reset 0 */
    g_assert_cmphex(mem_readb(LFB_BASE + 5), ==, 0x34);
    set_mode(f, &mode12);
    g_assert_cmpint(as_lookup(&address_space_memory, 0xa0000)->mr->kind, ==,
                    MR_IO);
}

/* ---- BAR 2 ---- */

static void test_vbe_mmio(Fixture *f, gconstpointer data)
{
    MemTxResult res;

    /* DISPI register n at 0x500 + 2n; QEMU's extended registers. */
    g_assert_cmphex(as_read(&address_space_memory, MMIO_BASE + 0x500, 2,
                            &res), ==, 0xb0c5);
    as_write(&address_space_memory, MMIO_BASE + 0x502, 800, 2);
    g_assert_cmpuint(dispi_read(f, 1), ==, 800);
    g_assert_cmphex(as_read(&address_space_memory, MMIO_BASE + 0x600, 4,
                            &res), ==, 8);
    g_assert_cmphex(as_read(&address_space_memory, MMIO_BASE + 0x604, 4,
                            &res), ==, 0x1e1e1e1e);
    /* VGA ports at 0x400: one word write sets index and data. */
    test_outb(f->tb, 0x3c2, 0x67);
    as_write(&address_space_memory, MMIO_BASE + 0x414, 0x2813, 2);
    g_assert_cmphex(crtc_read(f, 0x13), ==, 0x28);
    g_assert_cmphex(as_read(&address_space_memory, MMIO_BASE + 0x40c, 1,
                            &res), ==, 0x67);
}

/* ---- bad input ---- */

static void test_bad_index(Fixture *f, gconstpointer data)
{
    g_autofree char *dir = g_dir_make_tmp("test-vga-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "log", NULL);
    g_autofree char *text = NULL;
    unsigned saved = ks_log_mask_enabled;

    g_assert_true(ks_log_set_file(log, NULL));
    ks_log_mask_enabled |= LOG_GUEST_ERROR;
    test_outb(f->tb, 0x3c2, 0x67);
    seq_write(f, 0x20, 0x12);
    g_assert_cmphex(test_inb(f->tb, 0x3c5), ==, 0xff);
    gr_write(f, 0x0f, 0x12);
    g_assert_cmphex(gr_read(f, 0x0f), ==, 0xff);
    crtc_write(f, 0xff, 0x12);
    g_assert_cmphex(crtc_read(f, 0xff), ==, 0xff);
    test_inb(f->tb, 0x3da);
    test_outb(f->tb, 0x3c0, 0x1f);
    test_outb(f->tb, 0x3c0, 0x12);
    g_assert_cmphex(test_inb(f->tb, 0x3c1), ==, 0xff);
    dispi_write(f, 0x7777, 1);
    g_assert_cmphex(dispi_read(f, 0x7777), ==, 0);
    dispi_write(f, 1, 0);                               /* XRES 0 */
    dispi_write(f, 3, 7);                               /* BPP 7 */
    /* A huge mode with too little VRAM shows only what fits. */
    dispi_write(f, 3, 32);
    dispi_write(f, 1, 16000);
    dispi_write(f, 2, 12000);
    dispi_write(f, 4, 0x81);
    g_assert_cmpint(vga_render(f->vga)->height, ==, (16 << 20) / 64000);
    ks_log_flush();
    ks_log_set_file(NULL, NULL);
    ks_log_mask_enabled = saved;

    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "sequencer register 0x20"));
    g_assert_nonnull(strstr(text, "graphics register 0x0f"));
    g_assert_nonnull(strstr(text, "CRTC register 0xff"));
    g_assert_nonnull(strstr(text, "attribute register 0x1f"));
    g_assert_nonnull(strstr(text, "VBE register 0x7777"));
    g_assert_nonnull(strstr(text, "BPP 7"));
    g_unlink(log);
    g_rmdir(dir);
}

void test_vga_add(const char *path, TestVgaFn *fn)
{
    g_autofree char *full = g_strconcat("/hw/vga/", path, NULL);

    g_test_add(full, Fixture, NULL, fixture_setup, fn, fixture_teardown);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_vga_add("pci/ids", test_pci_ids);
    g_test_add_func("/hw/vga/pci/rom", test_pci_rom);
    test_vga_add("dac", test_dac);
    test_vga_add("attr-flip-flop", test_attr_flip_flop);
    test_vga_add("crtc-protect", test_crtc_protect);
    test_vga_add("retrace", test_retrace);
    test_vga_add("planar-write", test_planar_write);
    test_vga_add("read-mode1", test_read_mode1);
    test_vga_add("chain4", test_chain4);
    test_vga_add("vbe/mmio", test_vbe_mmio);
    test_vga_add("bad-index", test_bad_index);
    test_vga_add_render_tests();
    return g_test_run();
}
