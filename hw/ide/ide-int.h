/* SPDX-License-Identifier: MIT */
/*
 * Inside the IDE model: one drive (IdeState), one channel with its two
 * drives (IdeBus), and the seams between the ATA core (ide-core.c), the
 * ATAPI command set (ide-atapi.c) and the PCI/bus-master side
 * (piix3-ide.c). Not for other folders: they use kestrel/ide.h.
 */
#ifndef KESTREL_HW_IDE_IDE_INT_H
#define KESTREL_HW_IDE_IDE_INT_H

#include "kestrel/osdep.h"
#include "kestrel/ide.h"
#include "kestrel/irq.h"

/* Status register (ATA/ATAPI-6 7.15.6) */
#define IDE_ST_BSY              0x80
#define IDE_ST_DRDY             0x40
#define IDE_ST_DF               0x20
#define IDE_ST_DSC              0x10    /* seek complete / service */
#define IDE_ST_DRQ              0x08
#define IDE_ST_ERR              0x01

/* Error register (7.15.2 and each command's "Error outputs") */
#define IDE_ER_UNC              0x40
#define IDE_ER_IDNF             0x10
#define IDE_ER_ABRT             0x04

/* Device control register (7.9.6) */
#define IDE_DC_NIEN             0x02
#define IDE_DC_SRST             0x04
#define IDE_DC_HOB              0x80

#define IDE_DEV_LBA             0x40    /* device register bit 6 */
#define IDE_DEV_DEV             0x10    /* device register bit 4 */

/* ATAPI interrupt reason in the sector count register (SFF-8020 5.14) */
#define ATAPI_IR_COD            0x01
#define ATAPI_IR_IO             0x02

#define IDE_SECTOR_SIZE         512
#define CD_SECTOR_SIZE          2048
#define IDE_BUF_SIZE            (128 * 1024)
#define IDE_MAX_MULT            16      /* sectors per READ MULTIPLE block */

typedef struct IdeBus IdeBus;

/* What happens when the guest has moved the current PIO window. */
typedef enum IdeXfer {
    IDE_XFER_NONE,
    IDE_XFER_END,                       /* last block of a read: done */
    IDE_XFER_READ,                      /* sector read: next block */
    IDE_XFER_WRITE,                     /* sector write: store the block */
    IDE_XFER_PACKET,                    /* 12 command bytes received */
    IDE_XFER_ATAPI,                     /* ATAPI data-in: next chunk */
} IdeXfer;

typedef struct IdeState {
    IdeBus *bus;
    unsigned unit;
    IdeDriveKind kind;
    BlockBackend *blk;                  /* NULL: empty CD drive */
    int64_t nb_sectors;                 /* in 512-byte sectors */
    char serial[21];
    /* the task file: the previous write of each register is the HOB */
    uint8_t feature, nsector, lbal, lbam, lbah;
    uint8_t hob_feature, hob_nsector, hob_lbal, hob_lbam, hob_lbah;
    uint8_t select, status, error;
    /* geometry as INITIALIZE DEVICE PARAMETERS set it */
    unsigned cyls, heads, secs;
    unsigned log_heads, log_secs;
    uint8_t mult;                       /* SET MULTIPLE MODE; 0 = off */
    uint8_t xfer_mode;                  /* SET FEATURES 03h value */
    bool wcache;
    bool irq_pending;                   /* INTRQ before nIEN */
    /* the command in progress */
    uint8_t cmd;
    bool lba48;
    int64_t sector;                     /* next sector to move */
    uint32_t nsec_left;                 /* sectors after the buffer */
    bool dma_pending;                   /* waiting for the bus master */
    bool dma_write;                     /* guest memory -> disk */
    IdeXfer xfer;
    uint8_t *buf;                       /* IDE_BUF_SIZE bytes */
    uint32_t pos, end;                  /* PIO window in buf */
    /* ATAPI */
    uint8_t packet[12];
    uint32_t atapi_left;                /* bytes still owed to the host */
    uint32_t atapi_limit;               /* byte count limit (PIO) */
    uint32_t atapi_buf_len;             /* valid bytes in buf */
    bool atapi_dma;                     /* PACKET with the DMA feature */
    int64_t cd_lba;                     /* next 2048-byte sector */
    uint32_t cd_nsec;                   /* sectors not yet in buf */
    uint8_t sense_key, asc, ascq;
    bool tray_open;
    bool locked;
    bool media_event;                   /* new medium not yet reported */
    bool unit_attention;
} IdeState;

/* The bus master's side of a DMA transfer, called by the drive. */
typedef enum IdeDmaResult {
    IDE_DMA_OK,
    IDE_DMA_SHORT,                      /* the PRD table ended first */
    IDE_DMA_FAULT,                      /* a PRD pointed outside RAM */
} IdeDmaResult;

typedef struct IdeDmaOps {
    bool (*active)(void *opaque);       /* start bit set */
    /* Move len bytes between buf and the next PRD ranges. */
    IdeDmaResult (*rw)(void *opaque, uint8_t *buf, uint32_t len,
                       bool to_mem);
    /* The drive has finished (error: a fault ended it). */
    void (*done)(void *opaque, bool error);
    void (*irq)(void *opaque);          /* INTRQ rose: BM status bit 2 */
} IdeDmaOps;

struct IdeBus {
    IdeState drive[IDE_UNITS];
    IrqLine *irq;
    const IdeDmaOps *dma_ops;
    void *dma_opaque;
    uint8_t devctl;
    unsigned cur;                       /* DEV bit of the last select */
    const char *name;                   /* "ide0", "ide1" for logs */
};

/* ide-core.c */
void ide_bus_init(IdeBus *bus, const char *name, IrqLine *irq,
                  const IdeDmaOps *ops, void *opaque);
void ide_bus_reset(IdeBus *bus);
void ide_bus_free(IdeBus *bus);
bool ide_drive_attach(IdeState *s, IdeDriveKind kind, BlockBackend *blk,
                      GError **errp);
uint32_t ide_ioport_read(IdeBus *bus, unsigned reg);
void ide_ioport_write(IdeBus *bus, unsigned reg, uint32_t val);
uint32_t ide_data_read(IdeBus *bus, unsigned size);
void ide_data_write(IdeBus *bus, uint32_t val, unsigned size);
uint8_t ide_status_read(IdeBus *bus, bool alt);
void ide_devctl_write(IdeBus *bus, uint8_t val);
/* The bus master was started: run a pending DMA command. */
void ide_bus_dma_start(IdeBus *bus);
/* Helpers shared with ide-atapi.c */
void ide_set_irq(IdeState *s);
void ide_error(IdeState *s, uint8_t error);
void ide_abort(IdeState *s);
void ide_ok(IdeState *s);
void ide_pio_start(IdeState *s, uint32_t len, IdeXfer next);
void ide_fill_string(uint16_t *words, const char *str, unsigned nwords);

/* ide-disk.c */
bool ide_disk_cmd(IdeState *s, uint8_t cmd);
void ide_set_features(IdeState *s);     /* also for CD-ROMs */
void ide_disk_dma_run(IdeState *s);
void ide_read_block(IdeState *s);
void ide_write_block(IdeState *s);

/* ide-atapi.c */
void atapi_identify(IdeState *s);
void atapi_packet_cmd(IdeState *s);     /* 0xA0 */
void atapi_packet_received(IdeState *s);
void atapi_pio_next(IdeState *s);
void atapi_dma_run(IdeState *s);
void atapi_reset(IdeState *s);
void atapi_set_signature(IdeState *s);
void atapi_change_media(IdeState *s, BlockBackend *blk);

#endif /* KESTREL_HW_IDE_IDE_INT_H */
