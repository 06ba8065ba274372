/* SPDX-License-Identifier: MIT */
/*
 * The ATA command set of an IDE hard disk: IDENTIFY DEVICE, READ/WRITE
 * SECTORS and MULTIPLE, READ/WRITE DMA, their 48-bit EXT forms, READ
 * VERIFY, FLUSH CACHE, SET FEATURES, SET MULTIPLE MODE, INITIALIZE DEVICE
 * PARAMETERS (CHS translation), and the seek/power stubs that succeed as
 * on real drives. ide-core.c dispatches to it for IDE_KIND_DISK drives.
 *
 * Disk I/O is synchronous (blk_pread/blk_pwrite). Host I/O errors end the
 * command with ERR and UNC (reads) or ABRT (writes), logged with the block
 * layer's message; an address past the end ends it with IDNF.
 * Ref: ATA/ATAPI-6 (T13/1410D rev. 3b): 8.15 IDENTIFY DEVICE (table 27),
 * 8.26-8.30 READ commands, 8.45-8.50 WRITE commands, 8.11 FLUSH CACHE,
 * 8.37 SET FEATURES, 8.17 INITIALIZE DEVICE PARAMETERS, 6.2 CHS/LBA.
 * Missing: SMART, security, HPA (READ NATIVE MAX), TRIM; after a failed
 * command the address registers keep the first sector, not the failing one.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "hw/ide/ide-int.h"
#include "kestrel-config.h"

#define ATA_LBA28_MAX           0x0fffffffll
#define ATA_SUPPORTED_UDMA      0x3f    /* modes 0-5 */
#define ATA_SUPPORTED_MWDMA     0x07    /* modes 0-2 */

void ide_disk_geometry(int64_t sectors, unsigned *cyls, unsigned *heads,
                       unsigned *secs)
{
    *secs = 63;
    *heads = 16;
    if (sectors < 63) {
        *secs = MAX(sectors, 1);
        *heads = 1;
    } else if (sectors < 16 * 63) {
        *heads = sectors / 63;
    }
    *cyls = CLAMP(sectors / (*heads * *secs), 1, 16383);
}

static void ide_identify(IdeState *s)
{
    uint16_t *w = (uint16_t *)s->buf;
    uint64_t lba28 = MIN(s->nb_sectors, ATA_LBA28_MAX);
    uint32_t cur_cap = s->cyls * s->log_heads * s->log_secs;
    uint8_t mode = s->xfer_mode;

    memset(w, 0, IDE_SECTOR_SIZE);
    w[0] = 0x0040;                      /* fixed device */
    w[1] = s->cyls;
    w[3] = s->heads;
    w[6] = s->secs;
    ide_fill_string(w + 10, s->serial, 10);
    ide_fill_string(w + 23, KESTREL_VERSION, 4);
    ide_fill_string(w + 27, "KESTREL HARDDISK", 20);
    w[47] = 0x8000 | IDE_MAX_MULT;
    w[49] = (1 << 11) | (1 << 9) | (1 << 8);    /* IORDY, LBA, DMA */
    w[50] = 0x4000;
    w[51] = 0x0200;                     /* PIO timing mode 2 */
    w[53] = 0x0007;                     /* words 54-58, 64-70, 88 valid */
    w[54] = s->cyls;
    w[55] = s->log_heads;
    w[56] = s->log_secs;
    w[57] = cur_cap;
    w[58] = cur_cap >> 16;
    w[59] = s->mult ? 0x0100 | s->mult : 0;
    w[60] = lba28;
    w[61] = lba28 >> 16;
    w[63] = ATA_SUPPORTED_MWDMA | ((mode >> 3) == 4 ? 0x100 << (mode & 7)
                                                      : 0);
    w[64] = 0x0003;                     /* PIO modes 3 and 4 */
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0x007e;                     /* ATA-1 .. ATA-6 */
    w[82] = (1 << 14) | (1 << 6) | (1 << 5);    /* NOP, look-ahead, cache */
    /* FLUSH CACHE EXT, FLUSH CACHE, 48-bit addresses */
    w[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10);
    w[84] = 0x4000;
    w[85] = (1 << 14) | (1 << 6) | (s->wcache ? 1 << 5 : 0);
    w[86] = (1 << 13) | (1 << 12) | (1 << 10);
    w[87] = 0x4000;
    w[88] = ATA_SUPPORTED_UDMA | ((mode >> 3) == 8 ? 0x100 << (mode & 7)
                                                     : 0);
    w[93] = 0x6001 | (s->unit ? 0 : 0x0008);    /* 80-conductor cable */
    for (int i = 0; i < 4; i++) {
        w[100 + i] = s->nb_sectors >> (16 * i);
    }
    for (int i = 0; i < 256; i++) {
        w[i] = GUINT16_TO_LE(w[i]);
    }
    ide_pio_start(s, IDE_SECTOR_SIZE, IDE_XFER_END);
    s->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    ide_set_irq(s);
}

/* The first sector the command names, or -1 (an invalid CHS address). */
static int64_t ide_get_sector(IdeState *s)
{
    unsigned cyl, head, sect;

    if (s->select & IDE_DEV_LBA) {
        if (s->lba48) {
            return ((int64_t)s->hob_lbah << 40) | ((int64_t)s->hob_lbam << 32)
                   | ((int64_t)s->hob_lbal << 24) | (s->lbah << 16)
                   | (s->lbam << 8) | s->lbal;
        }
        return ((int64_t)(s->select & 0x0f) << 24) | (s->lbah << 16)
               | (s->lbam << 8) | s->lbal;
    }
    cyl = (s->lbah << 8) | s->lbam;
    head = s->select & 0x0f;
    sect = s->lbal;
    if (!sect || sect > s->log_secs || head >= s->log_heads) {
        return -1;
    }
    return ((int64_t)cyl * s->log_heads + head) * s->log_secs + sect - 1;
}

static uint32_t ide_get_nsector(IdeState *s)
{
    if (s->lba48) {
        uint32_t n = (s->hob_nsector << 8) | s->nsector;

        return n ? n : 65536;
    }
    return s->nsector ? s->nsector : 256;
}

/* Check the range of a read/write/verify; false: the command failed. */
static bool ide_check_range(IdeState *s)
{
    int64_t sector = ide_get_sector(s);
    uint32_t n = ide_get_nsector(s);

    if (sector < 0 || sector + n > s->nb_sectors) {
        ks_log_mask(LOG_GUEST_ERROR, "%s.%u: sectors %" PRId64 "+%u past "
                    "the end (%" PRId64 " sectors)\n", s->bus->name, s->unit,
                    sector, n, s->nb_sectors);
        ide_error(s, IDE_ER_IDNF);
        return false;
    }
    s->sector = sector;
    s->nsec_left = n;
    return true;
}

static void ide_io_error(IdeState *s, int ret, bool write)
{
    ks_log("%s.%u: %s error at sector %" PRId64 ": %s\n", s->bus->name,
           s->unit, write ? "write" : "read", s->sector,
           blk_last_error(s->blk) ? blk_last_error(s->blk)
                                  : g_strerror(-ret));
    ide_error(s, write ? IDE_ER_ABRT : IDE_ER_UNC);
}

static unsigned ide_block_sectors(IdeState *s)
{
    bool multiple = s->cmd == 0xc4 || s->cmd == 0xc5 || s->cmd == 0x29 ||
                    s->cmd == 0x39;

    return MIN(s->nsec_left, multiple ? s->mult : 1);
}

/* PIO data-in: read the next DRQ block and tell the host. */
void ide_read_block(IdeState *s)
{
    unsigned n = ide_block_sectors(s);
    int ret = blk_pread(s->blk, s->sector * IDE_SECTOR_SIZE, s->buf,
                        n * IDE_SECTOR_SIZE);

    if (ret < 0) {
        ide_io_error(s, ret, false);
        return;
    }
    s->sector += n;
    s->nsec_left -= n;
    ide_pio_start(s, n * IDE_SECTOR_SIZE,
                  s->nsec_left ? IDE_XFER_READ : IDE_XFER_END);
    s->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    ide_set_irq(s);
}

/* PIO data-out: the host filled a block; store it. */
void ide_write_block(IdeState *s)
{
    unsigned n = s->end / IDE_SECTOR_SIZE;
    int ret = blk_pwrite(s->blk, s->sector * IDE_SECTOR_SIZE, s->buf,
                         s->end);

    if (ret < 0) {
        ide_io_error(s, ret, true);
        return;
    }
    s->sector += n;
    s->nsec_left -= n;
    if (s->nsec_left) {
        ide_pio_start(s, ide_block_sectors(s) * IDE_SECTOR_SIZE,
                      IDE_XFER_WRITE);
        s->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    } else {
        s->xfer = IDE_XFER_NONE;
        s->status = IDE_ST_DRDY | IDE_ST_DSC;
    }
    ide_set_irq(s);
}

void ide_disk_dma_run(IdeState *s)
{
    const IdeDmaOps *ops = s->bus->dma_ops;
    void *opaque = s->bus->dma_opaque;

    s->dma_pending = false;
    while (s->nsec_left) {
        uint32_t n = MIN(s->nsec_left, IDE_BUF_SIZE / IDE_SECTOR_SIZE);
        int64_t off = s->sector * IDE_SECTOR_SIZE;
        IdeDmaResult r;
        int ret = 0;

        if (!s->dma_write) {
            ret = blk_pread(s->blk, off, s->buf, n * IDE_SECTOR_SIZE);
        }
        r = ret < 0 ? IDE_DMA_OK : ops->rw(opaque, s->buf,
                                           n * IDE_SECTOR_SIZE, !s->dma_write);
        if (r == IDE_DMA_SHORT) {
            /* As hardware: the drive waits with DRQ; the guest resets. */
            return;
        }
        if (r == IDE_DMA_FAULT) {
            ops->done(opaque, true);
            ide_abort(s);
            return;
        }
        if (s->dma_write) {
            ret = blk_pwrite(s->blk, off, s->buf, n * IDE_SECTOR_SIZE);
        }
        if (ret < 0) {
            ops->done(opaque, true);
            ide_io_error(s, ret, s->dma_write);
            return;
        }
        s->sector += n;
        s->nsec_left -= n;
    }
    ops->done(opaque, false);
    ide_ok(s);
}

static void ide_rw_cmd(IdeState *s, bool write, bool dma, bool lba48)
{
    bool multiple = s->cmd == 0xc4 || s->cmd == 0xc5 || s->cmd == 0x29 ||
                    s->cmd == 0x39;

    s->lba48 = lba48;
    if (multiple && !s->mult) {
        ide_abort(s);                   /* SET MULTIPLE MODE not done */
        return;
    }
    if (!ide_check_range(s)) {
        return;
    }
    if (dma) {
        if (!s->bus->dma_ops) {
            ide_abort(s);
            return;
        }
        s->dma_pending = true;
        s->dma_write = write;
        s->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
        if (s->bus->dma_ops->active(s->bus->dma_opaque)) {
            ide_disk_dma_run(s);
        }
    } else if (write) {
        ide_pio_start(s, ide_block_sectors(s) * IDE_SECTOR_SIZE,
                      IDE_XFER_WRITE);
        s->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    } else {
        ide_read_block(s);
    }
}

static void ide_flush_cmd(IdeState *s)
{
    int ret = blk_flush(s->blk);

    if (ret < 0) {
        ide_io_error(s, ret, true);
        return;
    }
    ide_ok(s);
}

void ide_set_features(IdeState *s)
{
    switch (s->feature) {
    case 0x02:                          /* enable write cache */
    case 0x82:                          /* disable write cache */
        s->wcache = s->feature == 0x02;
        break;
    case 0x03:                          /* set transfer mode */
        switch (s->nsector >> 3) {
        case 0:                         /* PIO default, PIO mode n */
        case 1:
        case 4:                         /* multiword DMA */
        case 8:                         /* Ultra DMA */
            s->xfer_mode = s->nsector;
            break;
        default:
            ide_abort(s);
            return;
        }
        break;
    case 0x55:                          /* read look-ahead off/on */
    case 0xaa:
    case 0x66:                          /* keep/revert to power-on defaults */
    case 0xcc:
        break;
    default:
        ks_log_mask(LOG_UNIMP, "%s.%u: SET FEATURES 0x%02x\n", s->bus->name,
                    s->unit, s->feature);
        ide_abort(s);
        return;
    }
    ide_ok(s);
}

bool ide_disk_cmd(IdeState *s, uint8_t cmd)
{
    switch (cmd) {
    case 0xec:                          /* IDENTIFY DEVICE */
        ide_identify(s);
        break;
    case 0x20: case 0x21: case 0xc4:    /* READ SECTORS, READ MULTIPLE */
        ide_rw_cmd(s, false, false, false);
        break;
    case 0x24: case 0x29:               /* ... EXT */
        ide_rw_cmd(s, false, false, true);
        break;
    case 0x30: case 0x31: case 0xc5:    /* WRITE SECTORS, WRITE MULTIPLE */
        ide_rw_cmd(s, true, false, false);
        break;
    case 0x34: case 0x39:
        ide_rw_cmd(s, true, false, true);
        break;
    case 0xc8: case 0xc9:               /* READ DMA */
        ide_rw_cmd(s, false, true, false);
        break;
    case 0x25:
        ide_rw_cmd(s, false, true, true);
        break;
    case 0xca: case 0xcb:               /* WRITE DMA */
        ide_rw_cmd(s, true, true, false);
        break;
    case 0x35:
        ide_rw_cmd(s, true, true, true);
        break;
    case 0x40: case 0x41: case 0x42:    /* READ VERIFY SECTORS (EXT) */
        s->lba48 = cmd == 0x42;
        if (ide_check_range(s)) {
            ide_ok(s);
        }
        break;
    case 0xc6:                          /* SET MULTIPLE MODE */
        if (s->nsector > IDE_MAX_MULT || (s->nsector & (s->nsector - 1))) {
            ide_abort(s);
        } else {
            s->mult = s->nsector;
            ide_ok(s);
        }
        break;
    case 0x91:                          /* INITIALIZE DEVICE PARAMETERS */
        if (!s->nsector) {
            ide_abort(s);
            break;
        }
        s->log_secs = s->nsector;
        s->log_heads = (s->select & 0x0f) + 1;
        ide_ok(s);
        break;
    case 0xe7: case 0xea:               /* FLUSH CACHE (EXT) */
        ide_flush_cmd(s);
        break;
    case 0x70:                          /* SEEK */
    case 0x10 ... 0x1f:                 /* RECALIBRATE */
    case 0xe0 ... 0xe3:                 /* STANDBY/IDLE (IMMEDIATE) */
    case 0x94 ... 0x97:                 /* their ATA-1 opcodes */
    case 0x00:                          /* NOP with subcommand 0 aborts */
        if (cmd) {
            ide_ok(s);
        } else {
            ide_abort(s);
        }
        break;
    case 0xe5: case 0x98:               /* CHECK POWER MODE */
        s->nsector = 0xff;              /* active or idle */
        ide_ok(s);
        break;
    default:
        return false;
    }
    return true;
}

