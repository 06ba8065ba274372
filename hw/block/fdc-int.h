/* SPDX-License-Identifier: MIT */
/*
 * The 82077AA's state and what its two files share: hw/block/fdc.c
 * (registers, command and result phases, reset) and hw/block/fdc-data.c
 * (the commands that move sectors: READ/WRITE DATA, FORMAT TRACK).
 */
#ifndef KESTREL_HW_BLOCK_FDC_INT_H
#define KESTREL_HW_BLOCK_FDC_INT_H

#include "hw/block/fdc.h"

/* Register offsets from the base */
enum {
    FDC_SRA, FDC_SRB, FDC_DOR, FDC_TDR, FDC_MSR, FDC_FIFO, FDC_DIR = 7,
};

#define DOR_SEL_MASK            0x03
#define DOR_NRESET              0x04
#define DOR_DMAEN               0x08
#define MSR_CB                  0x10
#define MSR_DIO                 0x40
#define MSR_RQM                 0x80
#define DSR_SWRESET             0x80
#define ST0_ABNORMAL            0x40
#define ST0_INVALID             0x80
#define ST0_SEEK_END            0x20
#define ST0_NOT_READY           0x08
#define ST1_MA                  0x01    /* missing address mark */
#define ST1_NW                  0x02    /* not writable */
#define ST1_ND                  0x04    /* no data */
#define ST1_EN                  0x80    /* end of cylinder */
#define ST3_WP                  0x40
#define ST3_READY               0x20
#define ST3_T0                  0x10
#define ST3_TS                  0x08
#define FD_SECTOR_SIZE          512

typedef struct FdGeometry {
    uint32_t kib;
    uint8_t tracks, heads, sects, cmos;
} FdGeometry;

typedef struct FdDrive {
    BlockBackend *blk;
    const FdGeometry *geo;              /* NULL: no disk */
    uint8_t track, head;
    bool changed;                       /* the DSKCHG line */
} FdDrive;

typedef struct FdcState {
    Device dev;
    MemRegion io, dir_io;
    IrqLine irq;
    Device *dma;
    FdDrive drive[FDC_DRIVES];
    uint8_t dor, tdr, dsr;
    bool irq_pending;
    /* command and result phases */
    uint8_t fifo[16];
    unsigned cmd_pos, cmd_len;
    unsigned res_pos, res_len;
    bool result_phase;
    /* interrupts SENSE INTERRUPT STATUS still has to report */
    uint8_t sense_st0[4];
    unsigned nsense;
    /* SPECIFY, CONFIGURE, LOCK, PERPENDICULAR MODE */
    uint8_t srt_hut, hlt_nd, config, pretrk, perp, last_eot;
    bool lock;
    uint8_t sector_buf[FD_SECTOR_SIZE];
    /* properties */
    uint16_t iobase;
    uint8_t irq_num;
    uint8_t dma_chan;
} FdcState;

/* fdc.c */
void fdc_raise_irq(FdcState *s);
/* Enter the result phase with n bytes already in fifo. */
void fdc_result(FdcState *s, unsigned n, bool irq);
/* The selected drive when it holds a disk, else NULL. */
FdDrive *fdc_drive(FdcState *s, uint8_t sel);

/* fdc-data.c: the command bytes are in fifo */
/* Fill fifo with the 7-byte result of a read/write/format/read ID. */
void fdc_rw_result(FdcState *s, uint8_t st0, uint8_t st1,
                   uint8_t c, uint8_t h, uint8_t r);
void fdc_rw(FdcState *s, bool write);   /* READ DATA, WRITE DATA */
void fdc_format(FdcState *s);           /* FORMAT TRACK */

#endif /* KESTREL_HW_BLOCK_FDC_INT_H */
