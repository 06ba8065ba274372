/* SPDX-License-Identifier: MIT */
/*
 * Storage devices as the board sees them: the PIIX3 IDE function
 * (hw/ide/piix3-ide.c) with its ATA disks and ATAPI CD-ROMs, and the
 * board glue that creates the IDE, floppy and ISA DMA devices from the
 * -drive options and fills the CMOS disk bytes (hw/i386/pc-storage.c).
 */
#ifndef KESTREL_IDE_H
#define KESTREL_IDE_H

#include "kestrel/osdep.h"
#include "kestrel/block.h"
#include "kestrel/device.h"

typedef struct Machine Machine;
typedef struct PciBus PciBus;

#define IDE_BUSES               2       /* primary, secondary */
#define IDE_UNITS               2       /* master, slave */

typedef enum IdeDriveKind {
    IDE_KIND_NONE,
    IDE_KIND_DISK,
    IDE_KIND_CD,
} IdeDriveKind;

/*
 * Put a drive on the PIIX3 IDE function `ide` (type "piix3-ide") before
 * the guest runs. A disk needs blk; a CD-ROM may start empty (blk NULL).
 * The device does not own blk (the block layer closes it on exit).
 */
bool ide_attach_drive(Device *ide, unsigned bus, unsigned unit,
                      IdeDriveKind kind, BlockBackend *blk, GError **errp);
/* Insert (blk) or remove (NULL) the medium of a CD-ROM drive; the guest
 * sees UNIT ATTENTION and a media event, as after a real tray cycle. */
bool ide_cd_change_media(Device *ide, unsigned bus, unsigned unit,
                         BlockBackend *blk, GError **errp);
/* CHS geometry the disk reports in IDENTIFY DEVICE (words 1, 3, 6). */
void ide_disk_geometry(int64_t sectors, unsigned *cyls, unsigned *heads,
                       unsigned *secs);

/*
 * The pc board's storage: the 8237 DMA pair, the 82077AA floppy
 * controller, and every -drive/-hda/-cdrom/-fda on the PIIX3 IDE function
 * at 01.1 of pci. Fills the CMOS bytes the BIOS reads (floppy types,
 * hard disk types and geometry) through rtc.
 */
bool pc_storage_init(Machine *m, PciBus *pci, Device *rtc, GError **errp);

#endif /* KESTREL_IDE_H */
