/* SPDX-License-Identifier: MIT */
/*
 * The 82077AA floppy controller (hw/block/fdc.c) as the board glue
 * (hw/i386/pc-storage.c) and tests set it up.
 */
#ifndef KESTREL_HW_BLOCK_FDC_H
#define KESTREL_HW_BLOCK_FDC_H

#include "kestrel/osdep.h"
#include "kestrel/block.h"
#include "kestrel/device.h"

#define FDC_DRIVES              2

/* The 8237 that serves the controller's DMA channel (property "dma"). */
void fdc_set_dma(Device *fdc, Device *dma);
/* Insert an image into drive unit; its size picks the geometry (160 KiB
 * to 2.88 MiB); a read-only backend is write-protected. */
bool fdc_attach_drive(Device *fdc, unsigned unit, BlockBackend *blk,
                      GError **errp);
/* The CMOS drive type (register 0x10 nibble) of unit: 0 none, 1 360K,
 * 2 1.2M, 3 720K, 4 1.44M, 5 2.88M. */
uint8_t fdc_cmos_type(Device *fdc, unsigned unit);

#endif /* KESTREL_HW_BLOCK_FDC_H */
