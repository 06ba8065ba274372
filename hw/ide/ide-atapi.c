/* SPDX-License-Identifier: MIT */
/*
 * ATAPI CD-ROM (DVD-ROM for large images) on an IDE channel: IDENTIFY
 * PACKET DEVICE, the PACKET command in PIO (chunks of at most the byte
 * count limit) and DMA, and the MMC commands SeaBIOS, ISOLINUX, Linux and
 * Windows send. ide-core.c calls in here for drives of kind IDE_KIND_CD.
 *
 * Media: a 2048-byte-sector image (an ISO) or none. A medium change
 * (ide_cd_change_media(), START STOP UNIT) makes the next command fail
 * with UNIT ATTENTION and posts a media event for GET EVENT STATUS.
 * Ref: ATA/ATAPI-6 8.23 (PACKET), 8.16 (IDENTIFY PACKET DEVICE), 9.8-9.9
 * (packet protocols); SFF-8020i 2.6 (ATAPI CD-ROM); MMC-3 (T10/1363-D)
 * 5 (features, profiles), 6.x (commands), 6.37 (page 2Ah); SPC-2 sense.
 * Missing: audio play and READ SUB-CHANNEL, READ CD (raw sectors),
 * READ DVD STRUCTURE, multi-session and multi-track images, writing.
 * The replies of the information commands are in hw/ide/atapi-mmc.c.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "hw/ide/atapi-int.h"
#include "kestrel-config.h"

KS_TRACE_DEFINE(atapi);

/* Sense keys and additional sense codes (SPC-2 tables 107, 108) */
#define SENSE_NONE              0x00
#define SENSE_NOT_READY         0x02
#define SENSE_MEDIUM_ERROR      0x03
#define SENSE_ILLEGAL_REQUEST   0x05
#define SENSE_UNIT_ATTENTION    0x06
#define ASC_READ_ERROR          0x11
#define ASC_INVALID_OPCODE      0x20
#define ASC_LBA_OUT_OF_RANGE    0x21
#define ASC_INVALID_FIELD       0x24
#define ASC_MEDIUM_CHANGED      0x28
#define ASC_SAVING_UNSUPPORTED  0x39
#define ASC_NO_MEDIUM           0x3a
#define ASC_REMOVAL_PREVENTED   0x53

static void atapi_done(IdeState *s)
{
    s->xfer = IDE_XFER_NONE;
    s->dma_pending = false;
    s->nsector = ATAPI_IR_IO | ATAPI_IR_COD;
    ide_set_irq(s);
}

static void atapi_ok(IdeState *s)
{
    s->error = 0;
    s->status = IDE_ST_DRDY | IDE_ST_DSC;
    atapi_done(s);
}

static void atapi_check(IdeState *s, uint8_t key, uint8_t asc, uint8_t ascq)
{
    ks_trace(atapi, "%s.%u: packet 0x%02x: sense %x/%02x/%02x",
             s->bus->name, s->unit, s->packet[0], key, asc, ascq);
    s->sense_key = key;
    s->asc = asc;
    s->ascq = ascq;
    s->error = key << 4;
    s->status = IDE_ST_DRDY | IDE_ST_ERR;
    atapi_done(s);
}

void atapi_set_signature(IdeState *s)
{
    s->lbam = 0x14;
    s->lbah = 0xeb;
}

void atapi_reset(IdeState *s)
{
    s->atapi_left = 0;
    s->cd_nsec = 0;
    s->sense_key = s->asc = s->ascq = 0;
}

void atapi_change_media(IdeState *s, BlockBackend *blk)
{
    int64_t len = blk ? blk_getlength(blk) : 0;

    s->blk = blk;
    s->nb_sectors = MAX(len, 0) / IDE_SECTOR_SIZE;
    s->tray_open = !blk;
    s->unit_attention = true;
    s->media_event = true;
    s->sense_key = SENSE_UNIT_ATTENTION;
    s->asc = ASC_MEDIUM_CHANGED;
    s->ascq = 0;
}

void atapi_identify(IdeState *s)
{
    uint16_t *w = (uint16_t *)s->buf;
    uint8_t mode = s->xfer_mode;

    memset(w, 0, IDE_SECTOR_SIZE);
    /* ATAPI, CD-ROM, removable, DRQ within 50 us, 12-byte packets */
    w[0] = 0x8000 | (5 << 8) | 0x80 | 0x40;
    ide_fill_string(w + 10, s->serial, 10);
    ide_fill_string(w + 23, KESTREL_VERSION, 4);
    ide_fill_string(w + 27, "KESTREL DVD-ROM", 20);
    w[49] = (1 << 11) | (1 << 9) | (1 << 8);    /* IORDY, LBA, DMA */
    w[53] = 0x0007;
    w[63] = 0x0007 | ((mode >> 3) == 4 ? 0x100 << (mode & 7) : 0);
    w[64] = 0x0003;
    w[65] = w[66] = w[67] = w[68] = 120;
    w[71] = w[72] = 30;
    w[80] = 0x007e;
    w[82] = (1 << 14) | (1 << 9) | (1 << 4);    /* NOP, reset, PACKET */
    w[83] = w[84] = w[87] = 0x4000;
    w[85] = w[82];
    w[88] = 0x003f | ((mode >> 3) == 8 ? 0x100 << (mode & 7) : 0);
    w[93] = 0x6001;
    for (int i = 0; i < 256; i++) {
        w[i] = GUINT16_TO_LE(w[i]);
    }
    ide_pio_start(s, IDE_SECTOR_SIZE, IDE_XFER_END);
    s->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    ide_set_irq(s);
}

void atapi_packet_cmd(IdeState *s)
{
    s->atapi_dma = s->feature & 1;
    s->atapi_limit = (s->lbah << 8) | s->lbam;
    if (!s->atapi_limit || s->atapi_limit == 0xffff) {
        s->atapi_limit = 0xfffe;
    }
    s->atapi_limit &= ~1u;
    ide_pio_start(s, sizeof(s->packet), IDE_XFER_PACKET);
    s->nsector = ATAPI_IR_COD;
    s->status = IDE_ST_DRDY | IDE_ST_DRQ;
}

/* Refill buf with the next sectors of a read; false: it failed. */
static bool atapi_refill(IdeState *s)
{
    uint32_t n = MIN(s->cd_nsec, IDE_BUF_SIZE / CD_SECTOR_SIZE);
    int ret = blk_pread(s->blk, s->cd_lba * CD_SECTOR_SIZE, s->buf,
                        n * CD_SECTOR_SIZE);

    if (ret < 0 || !n) {
        ks_log("%s.%u: CD read error at sector %" PRId64 ": %s\n",
               s->bus->name, s->unit, s->cd_lba,
               blk_last_error(s->blk) ? blk_last_error(s->blk)
                                      : g_strerror(-ret));
        atapi_check(s, SENSE_MEDIUM_ERROR, ASC_READ_ERROR, 0);
        return false;
    }
    s->cd_lba += n;
    s->cd_nsec -= n;
    s->atapi_buf_len = n * CD_SECTOR_SIZE;
    s->pos = 0;
    return true;
}

/* Hand the host the next PIO chunk, or end the command. */
void atapi_pio_next(IdeState *s)
{
    uint32_t chunk;

    if (!s->atapi_left) {
        atapi_ok(s);
        return;
    }
    if (s->pos >= s->atapi_buf_len && !atapi_refill(s)) {
        return;
    }
    chunk = MIN(MIN(s->atapi_left, s->atapi_buf_len - s->pos),
                s->atapi_limit);
    s->end = s->pos + chunk;
    s->atapi_left -= chunk;
    s->xfer = IDE_XFER_ATAPI;
    s->lbam = chunk;
    s->lbah = chunk >> 8;
    s->nsector = ATAPI_IR_IO;
    s->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    ide_set_irq(s);
}

void atapi_dma_run(IdeState *s)
{
    const IdeDmaOps *ops = s->bus->dma_ops;
    void *opaque = s->bus->dma_opaque;

    s->dma_pending = false;
    while (s->atapi_left) {
        uint32_t chunk;
        IdeDmaResult r;

        if (s->pos >= s->atapi_buf_len && !atapi_refill(s)) {
            ops->done(opaque, true);
            return;
        }
        chunk = MIN(s->atapi_left, s->atapi_buf_len - s->pos);
        r = ops->rw(opaque, s->buf + s->pos, chunk, true);
        if (r == IDE_DMA_SHORT) {
            return;
        }
        if (r == IDE_DMA_FAULT) {
            ops->done(opaque, true);
            s->error = IDE_ER_ABRT;
            s->status = IDE_ST_DRDY | IDE_ST_ERR;
            atapi_done(s);
            return;
        }
        s->pos += chunk;
        s->atapi_left -= chunk;
    }
    ops->done(opaque, false);
    atapi_ok(s);
}

/* Start the data-in phase: total bytes, buf already holding them (or
 * cd_lba/cd_nsec naming sectors to read). */
static void atapi_data_in(IdeState *s, uint32_t total)
{
    s->atapi_left = total;
    s->pos = 0;
    if (!total) {
        atapi_ok(s);
    } else if (s->atapi_dma && s->bus->dma_ops) {
        s->dma_pending = true;
        s->nsector = ATAPI_IR_IO;
        s->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
        if (s->bus->dma_ops->active(s->bus->dma_opaque)) {
            atapi_dma_run(s);
        }
    } else {
        atapi_pio_next(s);
    }
}

/* A reply built in buf: send at most the host's allocation length. */
static void atapi_reply(IdeState *s, uint32_t len, uint32_t alloc)
{
    s->cd_nsec = 0;
    s->atapi_buf_len = MIN(len, alloc);
    atapi_data_in(s, s->atapi_buf_len);
}

static void atapi_read(IdeState *s, int64_t lba, uint32_t n)
{
    if (lba + n > cd_sectors(s)) {
        ks_log_mask(LOG_GUEST_ERROR, "%s.%u: CD read of %u sectors at "
                    "%" PRId64 " past the end (%" PRId64 ")\n",
                    s->bus->name, s->unit, n, lba, cd_sectors(s));
        atapi_check(s, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        return;
    }
    s->cd_lba = lba;
    s->cd_nsec = n;
    s->atapi_buf_len = 0;
    atapi_data_in(s, n * CD_SECTOR_SIZE);
}

static bool atapi_start_stop(IdeState *s, uint8_t arg)
{
    bool loej = arg & 2, start = arg & 1;

    if (!loej) {
        return true;
    }
    if (!start) {                       /* eject */
        if (s->locked) {
            atapi_check(s, SENSE_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 2);
            return false;
        }
        s->tray_open = true;
        s->media_event = true;
    } else if (s->tray_open && s->blk) { /* load the same disc again */
        s->tray_open = false;
        s->media_event = true;
    }
    return true;
}

static void atapi_exec(IdeState *s)
{
    const uint8_t *cmd = s->packet;
    uint8_t *b = s->buf;
    bool bad = false;
    uint32_t len;

    switch (cmd[0]) {
    case 0x03:                          /* REQUEST SENSE */
        memset(b, 0, 18);
        b[0] = 0x70;
        b[2] = s->sense_key;
        b[7] = 10;
        b[12] = s->asc;
        b[13] = s->ascq;
        s->sense_key = s->asc = s->ascq = 0;
        s->unit_attention = false;
        atapi_reply(s, 18, cmd[4]);
        return;
    case 0x12:                          /* INQUIRY */
        if (cmd[1] & 1) {
            break;                      /* no vital product data pages */
        }
        memset(b, 0, 36);
        b[0] = 0x05;                    /* CD/DVD device */
        b[1] = 0x80;                    /* removable */
        b[3] = 0x21;                    /* ATAPI version 2, format 1 */
        b[4] = 31;
        memcpy(b + 8, "KESTREL DVD-ROM         ", 24);
        memcpy(b + 32, KESTREL_VERSION "    ", 4);
        atapi_reply(s, 36, cmd[4]);
        return;
    case 0x4a:                          /* GET EVENT STATUS NOTIFICATION */
        len = atapi_event_status(s, cmd, &bad);
        if (!bad) {
            atapi_reply(s, len, (cmd[7] << 8) | cmd[8]);
            return;
        }
        break;
    }
    if (s->unit_attention) {
        s->unit_attention = false;
        atapi_check(s, SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
        return;
    }
    switch (cmd[0]) {
    case 0x12: case 0x4a:
        break;                          /* bad fields, handled below */
    case 0x46:                          /* GET CONFIGURATION */
        atapi_reply(s, atapi_get_configuration(s, cmd),
                    (cmd[7] << 8) | cmd[8]);
        return;
    case 0x5a:                          /* MODE SENSE(10) */
        len = atapi_mode_sense(s, cmd, &bad);
        if (!bad) {
            atapi_reply(s, len, (cmd[7] << 8) | cmd[8]);
            return;
        }
        break;
    case 0x1e:                          /* PREVENT ALLOW MEDIUM REMOVAL */
        s->locked = cmd[4] & 1;
        atapi_ok(s);
        return;
    case 0x1b:                          /* START STOP UNIT */
        if (atapi_start_stop(s, cmd[4])) {
            atapi_ok(s);
        }
        return;
    case 0xbb:                          /* SET CD SPEED */
        atapi_ok(s);
        return;
    case 0xbd:                          /* MECHANISM STATUS */
        memset(b, 0, 8);
        b[1] = s->tray_open ? 0x10 : 0;
        atapi_reply(s, 8, (cmd[8] << 8) | cmd[9]);
        return;
    default:
        if (!cd_present(s)) {
            atapi_check(s, SENSE_NOT_READY, ASC_NO_MEDIUM, 0);
            return;
        }
        switch (cmd[0]) {
        case 0x00:                      /* TEST UNIT READY */
        case 0x2b:                      /* SEEK(10) */
            atapi_ok(s);
            return;
        case 0x25:                      /* READ CAPACITY */
            put_be32(b, cd_sectors(s) - 1);
            put_be32(b + 4, CD_SECTOR_SIZE);
            atapi_reply(s, 8, 8);
            return;
        case 0x28:                      /* READ(10) */
            atapi_read(s, get_be32(cmd + 2), (cmd[7] << 8) | cmd[8]);
            return;
        case 0xa8:                      /* READ(12) */
            atapi_read(s, get_be32(cmd + 2), get_be32(cmd + 6));
            return;
        case 0x43:                      /* READ TOC/PMA/ATIP */
            len = atapi_read_toc(s, cmd, &bad);
            if (!bad) {
                atapi_reply(s, len, (cmd[7] << 8) | cmd[8]);
                return;
            }
            break;
        case 0x51:                      /* READ DISC INFORMATION */
            memset(b, 0, 34);
            put_be16(b, 32);
            b[2] = 0x0e;                /* complete disc, complete session */
            b[3] = b[4] = b[5] = b[6] = 1;
            atapi_reply(s, 34, (cmd[7] << 8) | cmd[8]);
            return;
        default:
            ks_log_mask(LOG_UNIMP, "%s.%u: ATAPI command 0x%02x\n",
                        s->bus->name, s->unit, cmd[0]);
            atapi_check(s, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
            return;
        }
    }
    if ((cmd[0] == 0x5a) && (cmd[2] >> 6) == 3) {
        atapi_check(s, SENSE_ILLEGAL_REQUEST, ASC_SAVING_UNSUPPORTED, 0);
    } else {
        atapi_check(s, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
    }
}

void atapi_packet_received(IdeState *s)
{
    memcpy(s->packet, s->buf, sizeof(s->packet));
    ks_trace(atapi, "%s.%u: packet 0x%02x", s->bus->name, s->unit,
             s->packet[0]);
    atapi_exec(s);
}
