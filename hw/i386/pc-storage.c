/* SPDX-License-Identifier: MIT */
/*
 * The pc board's storage glue: the 8237 DMA pair, the 82077AA floppy
 * controller, and the drives of -drive/-hda..-hdd/-cdrom/-fda/-fdb opened
 * through the block layer and put on the PIIX3 IDE function (01.1) or the
 * floppy controller. Then the CMOS bytes the BIOS reads: floppy types
 * (0x10) and the equipment byte (0x14), hard disk types and geometry of
 * the primary master and slave (0x12, 0x19, 0x1A, 0x1B-0x2C) and the
 * CHS translation of the four IDE positions (0x39, SeaBIOS's
 * CMOS_BIOS_DISKTRANSFLAG). hw/i386/pc.c calls pc_storage_init() once the
 * PCI and ISA devices exist.
 * Ref: IBM PC AT Technical Reference, "CMOS RAM Address Map"; SeaBIOS
 * src/hw/rtc.h and src/block.c (translation byte); QEMU pc.c behaviour.
 * Missing: fw_cfg "bootorder" (the -boot order goes through CMOS), drive
 * serial/model properties, -drive if=none with -device ide-hd.
 */
#include "kestrel/osdep.h"
#include "kestrel/ide.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "kestrel/machine.h"
#include "kestrel/pci.h"
#include "hw/block/fdc.h"

#define CMOS_FLOPPY_TYPES       0x10
#define CMOS_HD_TYPES           0x12
#define CMOS_EQUIPMENT          0x14
#define CMOS_HD0_EXT_TYPE       0x19
#define CMOS_HD0_PARAMS         0x1b    /* hd1 at 0x24 */
#define CMOS_DISK_TRANSLATION   0x39
#define CMOS_EQUIP_BASE         0x06    /* FPU, PS/2 mouse (as pc.c sets) */
#define CMOS_TRANS_LBA          1

typedef struct PcStorage {
    MachineConfig *cfg;
    Device *ide, *fdc, *rtc;
    bool ide_used[IDE_BUSES * IDE_UNITS];
    bool fd_used[FDC_DRIVES];
    int64_t disk_sectors[IDE_BUSES * IDE_UNITS];  /* 0: not a disk */
} PcStorage;

static Device *pc_storage_isa(const char *type, GError **errp)
{
    Device *dev = dev_new(type, errp);

    if (dev && !dev_realize(dev, errp)) {
        return NULL;
    }
    return dev;
}

static int pc_storage_slot(const DriveConfig *d, bool *used, int n,
                           GError **errp)
{
    int i = d->index;

    if (i < 0) {
        for (i = 0; i < n && used[i]; i++) {
            continue;
        }
    }
    if (i >= n || used[i]) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-drive if=%s,file=%s: %s", d->interface,
                    d->file ? d->file : "",
                    i >= n ? "no free position left"
                           : "that position already has a drive");
        return -1;
    }
    used[i] = true;
    return i;
}

static BlockBackend *pc_storage_open(PcStorage *ps, const DriveConfig *d,
                                     GError **errp)
{
    BlockOpenOptions opts = {
        .format = d->format,
        .readonly = d->readonly,
        .snapshot = d->snapshot || ps->cfg->snapshot,
    };
    BlockBackend *blk = blk_open(d->file, &opts, errp);

    if (blk && blk_open_warning(blk)) {
        ks_log("kestrel: warning: %s\n", blk_open_warning(blk));
    }
    return blk;
}

static bool pc_storage_add(PcStorage *ps, const DriveConfig *d,
                           GError **errp)
{
    bool floppy = !g_strcmp0(d->interface, "floppy");
    bool cd = !g_strcmp0(d->media, "cdrom");
    BlockBackend *blk = NULL;
    int slot;

    if (!g_strcmp0(d->interface, "none")) {
        return true;                    /* for -device; none exist yet */
    }
    slot = floppy ? pc_storage_slot(d, ps->fd_used, FDC_DRIVES, errp)
                  : pc_storage_slot(d, ps->ide_used, IDE_BUSES * IDE_UNITS,
                                    errp);
    if (slot < 0) {
        return false;
    }
    if (d->file && *d->file) {
        blk = pc_storage_open(ps, d, errp);
        if (!blk) {
            return false;
        }
    } else if (!cd) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-drive if=%s: a disk needs file=", d->interface);
        return false;
    }
    if (floppy) {
        return blk ? fdc_attach_drive(ps->fdc, slot, blk, errp) : true;
    }
    if (!cd) {
        ps->disk_sectors[slot] = MAX(blk_getlength(blk), 0) / 512;
    }
    return ide_attach_drive(ps->ide, slot / IDE_UNITS, slot % IDE_UNITS,
                            cd ? IDE_KIND_CD : IDE_KIND_DISK, blk, errp);
}

/* The CMOS disk bytes: type 47 (user defined) entries with the IDENTIFY
 * geometry for the primary master and slave, and the translation SeaBIOS
 * applies to each of the four positions (LBA past 1024 cylinders). */
static void pc_storage_cmos_disks(PcStorage *ps)
{
    uint8_t types = 0, trans = 0;

    for (unsigned i = 0; i < IDE_BUSES * IDE_UNITS; i++) {
        unsigned cyls, heads, secs, base = CMOS_HD0_PARAMS + i * 9;

        if (!ps->disk_sectors[i]) {
            continue;
        }
        ide_disk_geometry(ps->disk_sectors[i], &cyls, &heads, &secs);
        if (cyls > 1024) {
            trans |= CMOS_TRANS_LBA << (2 * i);
        }
        if (i >= 2) {
            continue;
        }
        types |= 0xf0 >> (4 * i);
        rtc_set_cmos(ps->rtc, CMOS_HD0_EXT_TYPE + i, 47);
        rtc_set_cmos(ps->rtc, base, cyls);
        rtc_set_cmos(ps->rtc, base + 1, cyls >> 8);
        rtc_set_cmos(ps->rtc, base + 2, heads);
        rtc_set_cmos(ps->rtc, base + 3, 0xff);  /* no write precompensation */
        rtc_set_cmos(ps->rtc, base + 4, 0xff);
        rtc_set_cmos(ps->rtc, base + 5, 0xc0 | (heads > 8 ? 0x08 : 0));
        rtc_set_cmos(ps->rtc, base + 6, cyls);  /* landing zone */
        rtc_set_cmos(ps->rtc, base + 7, cyls >> 8);
        rtc_set_cmos(ps->rtc, base + 8, secs);
    }
    rtc_set_cmos(ps->rtc, CMOS_HD_TYPES, types);
    rtc_set_cmos(ps->rtc, CMOS_DISK_TRANSLATION, trans);
}

bool pc_storage_init(Machine *m, PciBus *pci, Device *rtc, GError **errp)
{
    PcStorage ps = { .cfg = m->cfg, .rtc = rtc };
    PciDevice *ide = pci_bus_find(pci, PCI_DEVFN(1, 1));
    Device *dma;
    unsigned nfd = 0;

    if (!ide || strcmp(ide->dev.type->name, "piix3-ide")) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "pc: no PIIX3 IDE function at 01.1");
        return false;
    }
    ps.ide = &ide->dev;
    dma = pc_storage_isa("i8237", errp);
    ps.fdc = dma ? pc_storage_isa("isa-fdc", errp) : NULL;
    if (!ps.fdc) {
        return false;
    }
    fdc_set_dma(ps.fdc, dma);
    for (guint i = 0; m->cfg->drives && i < m->cfg->drives->len; i++) {
        if (!pc_storage_add(&ps, m->cfg->drives->pdata[i], errp)) {
            return false;
        }
    }
    pc_storage_cmos_disks(&ps);
    for (unsigned u = 0; u < FDC_DRIVES; u++) {
        nfd += fdc_cmos_type(ps.fdc, u) != 0;
    }
    rtc_set_cmos(rtc, CMOS_FLOPPY_TYPES, (fdc_cmos_type(ps.fdc, 0) << 4) |
                 fdc_cmos_type(ps.fdc, 1));
    if (nfd) {
        rtc_set_cmos(rtc, CMOS_EQUIPMENT,
                     CMOS_EQUIP_BASE | 0x01 | ((nfd - 1) << 6));
    }
    return true;
}
