/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the pc board's devices without a CPU: the unit
 * tests' board (tests/unit/test-board.c: fresh address spaces, a manual
 * virtual clock) with the PIC pair, PIT, RTC, 8042, a UART, the DMA
 * controller, the floppy controller, PIIX3 IDE with a disk and a CD
 * (bus-master DMA on), the VGA, fw_cfg (with files of 0, 1, 4 and 5000
 * bytes) and the PCI host bridge, and 64 KiB of RAM. The input is a
 * program of port and MMIO accesses replayed against them, after a reset
 * of every device:
 *
 * Ops (first byte % 8): 0 out (u16 port, size byte, u32 value), 1 in
 * (u16 port, size byte), 2 MMIO write (u32 address, size byte, u32
 * value), 3 MMIO read (u32 address, size byte), 4 RAM store (u16
 * address, 8 bytes: PRD tables, DMA buffers), 5 step the virtual clock
 * (u16 microseconds), 6 PCI config write through 0xcf8/0xcfc (u16
 * devfn+register, u32 value), 7 a string of 16 outs to one port (u16).
 * MMIO addresses are folded into the VGA window, the linear frame buffer
 * and RAM. Bad values must end in a guest_errors line, never a crash;
 * ASan/UBSan catch the rest. Built by `make fuzz`; run e.g.
 * ./fuzz-devio -max_len=4096 corpus/
 */
#include "kestrel/osdep.h"
#include <glib/gstdio.h>
#include "kestrel/block.h"
#include "kestrel/ide.h"
#include "kestrel/memory.h"
#include "kestrel/pci.h"
#include "kestrel/timer.h"
#include "hw/i386/fw_cfg.h"
#include "../unit/test-board.h"

#define FUZZ_RAM        0x10000
#define FUZZ_IMG        (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static TestBoard *fuzz_tb;
static const char *const fuzz_isa[] = {
    "isa-pit", "i8042", "isa-serial", "i8237", "isa-fdc", "fw_cfg-io",
};

static BlockBackend *fuzz_image(const char *dir, const char *name,
                                bool readonly)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree uint8_t *fill = g_malloc(FUZZ_IMG);
    BlockOpenOptions opts = { .format = "raw", .readonly = readonly };
    GError *err = NULL;
    BlockBackend *blk;

    for (unsigned i = 0; i < FUZZ_IMG; i++) {
        fill[i] = i * 7 + (i >> 9);
    }
    if (!g_file_set_contents(path, (char *)fill, FUZZ_IMG, &err) ||
        !(blk = blk_open(path, &opts, &err))) {
        ks_abort("fuzz-devio: %s", err->message);
    }
    return blk;
}

/* A device with one property, as the board creates it. */
static Device *fuzz_add(const char *type, const char *prop, const char *val)
{
    GError *err = NULL;
    Device *dev = dev_new(type, &err);

    if (!dev || (prop && !dev_set_prop(dev, prop, val, &err)) ||
        !dev_realize(dev, &err)) {
        ks_abort("fuzz-devio: %s: %s", type, err->message);
    }
    return dev;
}

/* Items as the board adds them, so that the file directory, selects and
 * DMA reads and skips have something of several sizes to walk. */
static void fuzz_fw_cfg_items(Device *fw)
{
    static uint8_t big[5000];
    uint32_t wait = 0;

    for (unsigned i = 0; i < sizeof(big); i++) {
        big[i] = i * 31 + (i >> 8);
    }
    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, FUZZ_RAM);
    fw_cfg_add_string(fw, FW_CFG_CMDLINE_DATA, "console=ttyS0");
    fw_cfg_add_file(fw, "etc/boot-fail-wait", &wait, 4);
    fw_cfg_add_file(fw, "genroms/big.bin", big, sizeof(big));
    fw_cfg_add_file(fw, "etc/one", big, 1);
    fw_cfg_add_file(fw, "etc/empty", big, 0);
}

static void fuzz_init(void)
{
    static MemRegion ram;
    g_autofree char *dir = g_dir_make_tmp("fuzz-devio-XXXXXX", NULL);
    g_autofree char *disk = g_build_filename(dir, "disk.img", NULL);
    g_autofree char *cd = g_build_filename(dir, "cd.iso", NULL);
    GError *err = NULL;
    Device *ide;

    fuzz_tb = test_board_new();
    mr_init_ram(&ram, "ram", FUZZ_RAM);
    as_map(&address_space_memory, &ram, 0, 0);
    pci_bus_new(&address_space_memory, &address_space_io);
    test_board_connect_pic(fuzz_tb, test_board_add_isa(fuzz_tb, "isa-i8259",
                                                       -1, -1));
    for (size_t i = 0; i < G_N_ELEMENTS(fuzz_isa); i++) {
        Device *dev = test_board_add_isa(fuzz_tb, fuzz_isa[i], -1, -1);

        if (!strcmp(fuzz_isa[i], "fw_cfg-io")) {
            fuzz_fw_cfg_items(dev);
        }
    }
    fuzz_add("mc146818rtc", "base", "2001-02-03T04:05:06");
    if (!test_board_add(fuzz_tb, "VGA,addr=2,romfile=", &err)) {
        ks_abort("fuzz-devio: VGA: %s", err->message);
    }
    ide = fuzz_add("piix3-ide", "addr", "1.1");
    if (!ide_attach_drive(ide, 0, 0, IDE_KIND_DISK,
                          fuzz_image(dir, "disk.img", false), &err) ||
        !ide_attach_drive(ide, 1, 0, IDE_KIND_CD,
                          fuzz_image(dir, "cd.iso", true), &err)) {
        ks_abort("fuzz-devio: %s", err->message);
    }
    g_unlink(disk);                     /* the images stay open */
    g_unlink(cd);
    g_rmdir(dir);
}

static void fuzz_pci_setup(void)
{
    /* IDE: BMDMA at 0xc000, I/O and bus mastering; VGA: LFB at 0xfd000000 */
    test_outl(fuzz_tb, 0xcf8, 0x80000000u | (PCI_DEVFN(1, 1) << 8) | 0x20);
    test_outl(fuzz_tb, 0xcfc, 0xc001);
    test_outl(fuzz_tb, 0xcf8, 0x80000000u | (PCI_DEVFN(1, 1) << 8) | 0x04);
    test_outw(fuzz_tb, 0xcfc, PCI_COMMAND_IO | PCI_COMMAND_MASTER);
    test_outl(fuzz_tb, 0xcf8, 0x80000000u | (PCI_DEVFN(2, 0) << 8) | 0x10);
    test_outl(fuzz_tb, 0xcfc, 0xfd000000u);
    test_outl(fuzz_tb, 0xcf8, 0x80000000u | (PCI_DEVFN(2, 0) << 8) | 0x04);
    test_outw(fuzz_tb, 0xcfc, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
}

static bool take(const uint8_t **p, const uint8_t *end, void *out,
                 size_t n)
{
    if ((size_t)(end - *p) < n) {
        return false;
    }
    memcpy(out, *p, n);
    *p += n;
    return true;
}

static unsigned fuzz_size(uint8_t b)
{
    return 1u << (b & 3) > 4 ? 4 : 1u << (b & 3);
}

static hwaddr fuzz_mmio(uint32_t a)
{
    switch (a >> 30) {
    case 0:
        return 0xa0000 + a % 0x20000;           /* VGA window */
    case 1:
        return 0xfd000000u + a % (16u << 20);   /* linear frame buffer */
    default:
        return a % FUZZ_RAM;
    }
}

static void fuzz_out(uint16_t port, unsigned size, uint32_t v)
{
    if (size == 1) {
        test_outb(fuzz_tb, port, v);
    } else if (size == 2) {
        test_outw(fuzz_tb, port, v);
    } else {
        test_outl(fuzz_tb, port, v);
    }
}

static void fuzz_in(uint16_t port, unsigned size)
{
    if (size == 1) {
        test_inb(fuzz_tb, port);
    } else if (size == 2) {
        test_inw(fuzz_tb, port);
    } else {
        test_inl(fuzz_tb, port);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    uint8_t op, sz, buf[16];
    uint16_t a;
    uint32_t addr, v;

    if (!fuzz_tb) {
        fuzz_init();
    }
    dev_reset_all();
    fuzz_pci_setup();
    while (take(&p, end, &op, 1) && take(&p, end, &a, 2)) {
        switch (op % 8) {
        case 0:
            if (!take(&p, end, &sz, 1) || !take(&p, end, &v, 4)) {
                return 0;
            }
            if (a != 0xcf8 || (v & 0xff00) == (PCI_DEVFN(1, 1) << 8)) {
                fuzz_out(a, fuzz_size(sz), v);
            }
            break;
        case 1:
            if (!take(&p, end, &sz, 1)) {
                return 0;
            }
            fuzz_in(a, fuzz_size(sz));
            break;
        case 2:
        case 3:
            if (!take(&p, end, &sz, 1) || !take(&p, end, &addr, 4) ||
                (op % 8 == 2 && !take(&p, end, &v, 4))) {
                return 0;
            }
            addr = (addr << 16) | a;
            if (op % 8 == 2) {
                as_write(&address_space_memory, fuzz_mmio(addr), v,
                         fuzz_size(sz));
            } else {
                as_read(&address_space_memory, fuzz_mmio(addr),
                        fuzz_size(sz), NULL);
            }
            break;
        case 4:
            if (!take(&p, end, buf, 8)) {
                return 0;
            }
            dma_write(a & ~7u, buf, 8);
            break;
        case 5:
            test_clock_step_ns(fuzz_tb, a * 1000LL);
            break;
        case 6:
            if (!take(&p, end, &v, 4)) {
                return 0;
            }
            test_outl(fuzz_tb, 0xcf8, 0x80000000u | (a & 0xfffc));
            test_outl(fuzz_tb, 0xcfc, v);
            break;
        default:
            if (!take(&p, end, buf, 16)) {
                return 0;
            }
            for (int i = 0; i < 16; i++) {
                test_outb(fuzz_tb, a, buf[i]);
            }
            break;
        }
    }
    return 0;
}
