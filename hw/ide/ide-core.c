/* SPDX-License-Identifier: MIT */
/*
 * One IDE channel: the task file of two drives, the register protocol
 * (PIO data-in/data-out, DMA, non-data), command dispatch, software reset
 * (SRST) and nIEN, drive signatures. The ATA disk commands live in
 * ide-disk.c, the ATAPI ones in ide-atapi.c; hw/ide/piix3-ide.c owns two
 * channels and maps their ports.
 *
 * A command has finished, and raised INTRQ, when the port write that
 * started it returns (disk I/O is synchronous, under the big lock).
 * Ref: ATA/ATAPI-6 (T13/1410D rev. 3b): 7.x register descriptions,
 * 9.x protocols (PIO data-in/out, DMA, non-data, 9.2 SRST), 6.20
 * (device 0/1 register latching).
 * Missing: overlapped and queued commands; register reads from an absent
 * device 1 return 0 instead of device 0 answering for it.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "hw/ide/ide-int.h"

KS_TRACE_DEFINE(ide);

/* Task file register offsets from the command block base */
enum {
    IDE_REG_DATA, IDE_REG_FEATURE, IDE_REG_NSECTOR, IDE_REG_LBAL,
    IDE_REG_LBAM, IDE_REG_LBAH, IDE_REG_SELECT, IDE_REG_CMD,
};


static IdeState *ide_cur(IdeBus *bus)
{
    return &bus->drive[bus->cur];
}

static void ide_update_irq(IdeBus *bus)
{
    IdeState *s = ide_cur(bus);

    irq_set(bus->irq, s->irq_pending && !(bus->devctl & IDE_DC_NIEN));
}

void ide_set_irq(IdeState *s)
{
    s->irq_pending = true;
    if (s->bus->dma_ops) {
        s->bus->dma_ops->irq(s->bus->dma_opaque);
    }
    ide_update_irq(s->bus);
}

void ide_error(IdeState *s, uint8_t error)
{
    s->error = error;
    s->status = IDE_ST_DRDY | IDE_ST_ERR;
    s->xfer = IDE_XFER_NONE;
    s->dma_pending = false;
    ide_set_irq(s);
}

void ide_abort(IdeState *s)
{
    ide_error(s, IDE_ER_ABRT);
}

void ide_ok(IdeState *s)
{
    s->status = IDE_ST_DRDY | IDE_ST_DSC;
    ide_set_irq(s);
}

void ide_pio_start(IdeState *s, uint32_t len, IdeXfer next)
{
    s->pos = 0;
    s->end = len;
    s->xfer = next;
}

void ide_fill_string(uint16_t *words, const char *str, unsigned nwords)
{
    size_t len = strlen(str);

    for (unsigned i = 0; i < nwords * 2; i++) {
        uint8_t c = i < len ? str[i] : ' ';

        /* ATA strings: the first character is the high byte */
        words[i / 2] = i & 1 ? (words[i / 2] | c) : (uint16_t)c << 8;
    }
}

void ide_bus_dma_start(IdeBus *bus)
{
    IdeState *s = ide_cur(bus);

    if (!s->dma_pending) {
        return;
    }
    if (s->kind == IDE_KIND_CD) {
        atapi_dma_run(s);
    } else {
        ide_disk_dma_run(s);
    }
}

/* READ/WRITE SECTORS, MULTIPLE, DMA and their EXT forms. */
static void ide_set_signature(IdeState *s)
{
    s->select &= 0xf0 & ~IDE_DEV_LBA;
    s->nsector = s->lbal = 1;
    if (s->kind == IDE_KIND_CD) {
        atapi_set_signature(s);
    } else {
        s->lbam = s->lbah = 0;
    }
}

/* Commands of an ATA disk; returns false when the opcode is not one. */
static void ide_exec_cmd(IdeState *s, uint8_t cmd)
{
    ks_trace(ide, "%s.%u: command 0x%02x", s->bus->name, s->unit, cmd);
    s->cmd = cmd;
    s->error = 0;
    s->xfer = IDE_XFER_NONE;
    s->dma_pending = false;
    switch (cmd) {
    case 0x90:                          /* EXECUTE DEVICE DIAGNOSTIC */
        ide_set_signature(s);
        s->error = 0x01;
        s->status = s->kind == IDE_KIND_CD ? 0 : IDE_ST_DRDY | IDE_ST_DSC;
        ide_set_irq(s);
        return;
    case 0xef:                          /* SET FEATURES */
        ide_set_features(s);
        return;
    }
    if (s->kind == IDE_KIND_CD) {
        switch (cmd) {
        case 0xa1:                      /* IDENTIFY PACKET DEVICE */
            atapi_identify(s);
            break;
        case 0xa0:                      /* PACKET */
            atapi_packet_cmd(s);
            break;
        case 0x08:                      /* DEVICE RESET */
            atapi_reset(s);
            ide_set_signature(s);
            s->error = 0x01;
            s->status = 0;
            break;
        case 0xe5: case 0x98:
        case 0xe0 ... 0xe3:
        case 0x94 ... 0x97:
            ide_disk_cmd(s, cmd);
            break;
        default:
            /* IDENTIFY DEVICE and the rest abort with the signature set,
             * which is how hosts find the packet device. */
            ide_set_signature(s);
            ide_abort(s);
            break;
        }
        return;
    }
    if (!ide_disk_cmd(s, cmd)) {
        ks_log_mask(LOG_UNIMP, "%s.%u: ATA command 0x%02x\n", s->bus->name,
                    s->unit, cmd);
        ide_abort(s);
    }
}

/* ---- the register protocol ---- */

static void ide_pio_done(IdeState *s)
{
    IdeXfer x = s->xfer;

    s->status &= ~IDE_ST_DRQ;
    s->xfer = IDE_XFER_NONE;
    switch (x) {
    case IDE_XFER_READ:
        ide_read_block(s);
        break;
    case IDE_XFER_WRITE:
        ide_write_block(s);
        break;
    case IDE_XFER_PACKET:
        atapi_packet_received(s);
        break;
    case IDE_XFER_ATAPI:
        atapi_pio_next(s);
        break;
    case IDE_XFER_END:
    case IDE_XFER_NONE:
        break;
    }
}

uint32_t ide_data_read(IdeBus *bus, unsigned size)
{
    IdeState *s = ide_cur(bus);
    uint32_t val = 0;

    if (!(s->status & IDE_ST_DRQ) || s->xfer == IDE_XFER_NONE ||
        s->xfer == IDE_XFER_WRITE || s->xfer == IDE_XFER_PACKET) {
        ks_log_mask(LOG_GUEST_ERROR, "%s.%u: data read without DRQ\n",
                    bus->name, s->unit);
        return 0;
    }
    for (unsigned i = 0; i < size && s->pos < s->end; i++) {
        val |= (uint32_t)s->buf[s->pos++] << (8 * i);
    }
    if (s->pos >= s->end) {
        ide_pio_done(s);
    }
    return val;
}

void ide_data_write(IdeBus *bus, uint32_t val, unsigned size)
{
    IdeState *s = ide_cur(bus);

    if (!(s->status & IDE_ST_DRQ) ||
        (s->xfer != IDE_XFER_WRITE && s->xfer != IDE_XFER_PACKET)) {
        ks_log_mask(LOG_GUEST_ERROR, "%s.%u: data write without DRQ\n",
                    bus->name, s->unit);
        return;
    }
    for (unsigned i = 0; i < size && s->pos < s->end; i++) {
        s->buf[s->pos++] = val >> (8 * i);
    }
    if (s->pos >= s->end) {
        ide_pio_done(s);
    }
}

static bool ide_bus_empty(IdeBus *bus)
{
    return !bus->drive[0].kind && !bus->drive[1].kind;
}

uint8_t ide_status_read(IdeBus *bus, bool alt)
{
    IdeState *s = ide_cur(bus);

    if (ide_bus_empty(bus)) {
        return 0xff;                    /* nothing drives the bus */
    }
    if (!s->kind) {
        return 0;
    }
    if (!alt && s->irq_pending) {
        s->irq_pending = false;
        ide_update_irq(bus);
    }
    return s->status;
}

uint32_t ide_ioport_read(IdeBus *bus, unsigned reg)
{
    IdeState *s = ide_cur(bus);
    bool hob = bus->devctl & IDE_DC_HOB;

    if (ide_bus_empty(bus)) {
        return 0xff;
    }
    if (!s->kind && reg != IDE_REG_SELECT) {
        return 0;
    }
    switch (reg) {
    case IDE_REG_FEATURE:
        return hob ? s->hob_feature : s->error;
    case IDE_REG_NSECTOR:
        return hob ? s->hob_nsector : s->nsector;
    case IDE_REG_LBAL:
        return hob ? s->hob_lbal : s->lbal;
    case IDE_REG_LBAM:
        return hob ? s->hob_lbam : s->lbam;
    case IDE_REG_LBAH:
        return hob ? s->hob_lbah : s->lbah;
    case IDE_REG_SELECT:
        return s->select;
    case IDE_REG_CMD:
        return ide_status_read(bus, false);
    default:
        ks_log_mask(LOG_GUEST_ERROR, "%s: read of register %u\n", bus->name,
                    reg);
        return 0xff;
    }
}

void ide_ioport_write(IdeBus *bus, unsigned reg, uint32_t val)
{
    IdeState *s = ide_cur(bus);

    ks_trace(ide, "%s: write reg %u 0x%02x", bus->name, reg, val);
    if (reg == IDE_REG_CMD) {
        if (!s->kind) {
            return;
        }
        if ((s->status & (IDE_ST_BSY | IDE_ST_DRQ)) && val != 0x08) {
            ks_log_mask(LOG_GUEST_ERROR, "%s.%u: command 0x%02x while busy "
                        "(status 0x%02x)\n", bus->name, s->unit, val,
                        s->status);
            if (s->status & IDE_ST_BSY) {
                return;
            }
        }
        ide_exec_cmd(s, val);
        return;
    }
    bus->devctl &= ~IDE_DC_HOB;
    /* Both drives latch the task file registers. */
    for (unsigned u = 0; u < IDE_UNITS; u++) {
        IdeState *d = &bus->drive[u];

        switch (reg) {
        case IDE_REG_FEATURE:
            d->hob_feature = d->feature;
            d->feature = val;
            break;
        case IDE_REG_NSECTOR:
            d->hob_nsector = d->nsector;
            d->nsector = val;
            break;
        case IDE_REG_LBAL:
            d->hob_lbal = d->lbal;
            d->lbal = val;
            break;
        case IDE_REG_LBAM:
            d->hob_lbam = d->lbam;
            d->lbam = val;
            break;
        case IDE_REG_LBAH:
            d->hob_lbah = d->lbah;
            d->lbah = val;
            break;
        case IDE_REG_SELECT:
            d->select = val | 0xa0;
            break;
        default:
            ks_log_mask(LOG_GUEST_ERROR, "%s: write of register %u\n",
                        bus->name, reg);
            return;
        }
    }
    if (reg == IDE_REG_SELECT) {
        bus->cur = !!(val & IDE_DEV_DEV);
        ide_update_irq(bus);
    }
}

static void ide_drive_reset(IdeState *s)
{
    s->status = s->kind == IDE_KIND_DISK ? IDE_ST_DRDY | IDE_ST_DSC : 0;
    s->error = 0x01;                    /* diagnostic: no error */
    s->feature = s->hob_feature = 0;
    s->select = 0xa0;
    s->lba48 = false;
    s->mult = 0;
    s->xfer = IDE_XFER_NONE;
    s->dma_pending = false;
    s->irq_pending = false;
    s->log_heads = s->heads;
    s->log_secs = s->secs;
    if (s->kind == IDE_KIND_CD) {
        atapi_reset(s);
    }
    ide_set_signature(s);
}

void ide_devctl_write(IdeBus *bus, uint8_t val)
{
    bool srst = val & IDE_DC_SRST;
    bool was = bus->devctl & IDE_DC_SRST;

    ks_trace(ide, "%s: device control 0x%02x", bus->name, val);
    bus->devctl = val;
    for (unsigned u = 0; u < IDE_UNITS; u++) {
        IdeState *s = &bus->drive[u];

        if (!s->kind) {
            continue;
        }
        if (srst && !was) {
            s->status = IDE_ST_BSY | IDE_ST_DSC;
            s->xfer = IDE_XFER_NONE;
            s->dma_pending = false;
        } else if (!srst && was) {
            ide_drive_reset(s);
        }
    }
    if (!srst && was) {
        bus->cur = 0;
    }
    ide_update_irq(bus);
}

/* ---- set-up ---- */

void ide_bus_init(IdeBus *bus, const char *name, IrqLine *irq,
                  const IdeDmaOps *ops, void *opaque)
{
    bus->name = name;
    bus->irq = irq;
    bus->dma_ops = ops;
    bus->dma_opaque = opaque;
    for (unsigned u = 0; u < IDE_UNITS; u++) {
        bus->drive[u].bus = bus;
        bus->drive[u].unit = u;
    }
}

void ide_bus_free(IdeBus *bus)
{
    for (unsigned u = 0; u < IDE_UNITS; u++) {
        g_clear_pointer(&bus->drive[u].buf, g_free);
    }
}

void ide_bus_reset(IdeBus *bus)
{
    bus->devctl = 0;
    bus->cur = 0;
    for (unsigned u = 0; u < IDE_UNITS; u++) {
        IdeState *s = &bus->drive[u];

        if (s->kind) {
            s->wcache = true;
            s->xfer_mode = 0;
            ide_drive_reset(s);
        }
    }
    ide_update_irq(bus);
}

bool ide_drive_attach(IdeState *s, IdeDriveKind kind, BlockBackend *blk,
                      GError **errp)
{
    static unsigned serial_no;

    if (s->kind) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s unit %u already has a drive", s->bus->name, s->unit);
        return false;
    }
    if (blk) {
        int64_t len = blk_getlength(blk);

        if (len < 0) {
            g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: cannot get the "
                        "size: %s", blk_name(blk), g_strerror(-len));
            return false;
        }
        if (kind == IDE_KIND_DISK && len < IDE_SECTOR_SIZE) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "%s: a disk image "
                        "needs at least one 512-byte sector", blk_name(blk));
            return false;
        }
        s->nb_sectors = len / IDE_SECTOR_SIZE;
    }
    s->kind = kind;
    s->blk = blk;
    s->buf = g_malloc0(IDE_BUF_SIZE);
    g_snprintf(s->serial, sizeof(s->serial), "KS%04u", ++serial_no);
    if (kind == IDE_KIND_DISK) {
        ide_disk_geometry(s->nb_sectors, &s->cyls, &s->heads, &s->secs);
    } else {
        atapi_change_media(s, blk);
        s->unit_attention = false;      /* a disc present at power-on */
        s->media_event = false;
    }
    s->wcache = true;
    ide_drive_reset(s);
    return true;
}
