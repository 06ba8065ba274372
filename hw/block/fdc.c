/* SPDX-License-Identifier: MIT */
/*
 * Intel 82077AA floppy disk controller in PC-AT mode (ports 0x3F0-0x3F5
 * and 0x3F7, ISA IRQ 6, ISA DMA channel 2) with two 3.5"/5.25" drives.
 *
 * Registers: SRA/SRB (read as 0xff: no PS/2 mode), DOR (drive select,
 * reset, DMA/IRQ gate, motors), TDR, MSR/DSR, the data FIFO, DIR/CCR.
 * Commands run at once when their last byte arrives: seeks take no time,
 * data moves through the 8237 (hw/dma/i8237.c) sector by sector until
 * its terminal count or the end of the track. The medium's geometry
 * comes from the image size; read-only images are write-protected; the
 * disk change line (DIR bit 7) is set at insertion and cleared by a step
 * with a disk in the drive. hw/i386/pc-storage.c creates it ("isa-fdc").
 * Ref: Intel 82077AA datasheet 290166: 2.x registers (table 2-2 DOR,
 * 2-9 MSR), 5.x command set (table 5-1), 5.1 result phase status
 * registers ST0-ST3, 6.x reset; IBM PC AT Technical Reference (DIR).
 * Missing: non-DMA (PIO) execution, READ TRACK, SCAN, VERIFY, READ
 * DELETED DATA, implied seeks; sector sizes other than 512 bytes; timing
 * (data rate, step rate) has no effect.
 * The sector-moving commands are in hw/block/fdc-data.c.
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "hw/block/fdc-int.h"
#include "hw/dma/i8237.h"

KS_TRACE_DEFINE(fdc);

static const FdGeometry fd_formats[] = {
    { 160, 40, 1, 8, 1 },   { 180, 40, 1, 9, 1 },
    { 320, 40, 2, 8, 1 },   { 360, 40, 2, 9, 1 },
    { 720, 80, 2, 9, 3 },   { 1200, 80, 2, 15, 2 },
    { 1440, 80, 2, 18, 4 }, { 1680, 80, 2, 21, 4 },
    { 2880, 80, 2, 36, 5 },
};


static void fdc_update_irq(FdcState *s)
{
    irq_set(&s->irq, s->irq_pending && (s->dor & DOR_DMAEN));
}

void fdc_raise_irq(FdcState *s)
{
    s->irq_pending = true;
    fdc_update_irq(s);
}

static void fdc_lower_irq(FdcState *s)
{
    s->irq_pending = false;
    fdc_update_irq(s);
}

void fdc_result(FdcState *s, unsigned n, bool irq)
{
    s->result_phase = true;
    s->res_pos = 0;
    s->res_len = n;
    if (irq) {
        fdc_raise_irq(s);
    }
}

static void fdc_reset_ctrl(FdcState *s, bool hw)
{
    ks_trace(fdc, "reset");
    s->cmd_pos = 0;
    s->result_phase = false;
    s->perp = 0;
    if (hw || !s->lock) {
        s->config = 0x20;               /* FIFO disabled, polling on */
        s->pretrk = 0;
        s->lock = false;
    }
    fdc_lower_irq(s);
    /* polling mode: one interrupt status per drive */
    for (unsigned i = 0; i < 4; i++) {
        s->sense_st0[i] = 0xc0 | (3 - i);
    }
    s->nsense = 4;
}

FdDrive *fdc_drive(FdcState *s, uint8_t sel)
{
    return (sel & 3) < FDC_DRIVES && s->drive[sel & 3].geo ?
           &s->drive[sel & 3] : NULL;
}

static void fdc_seek_done(FdcState *s, uint8_t sel, uint8_t track)
{
    FdDrive *d = fdc_drive(s, sel);

    if (d) {
        d->track = MIN(track, d->geo->tracks - 1);
        d->changed = false;             /* a step with a disk present */
    } else if ((sel & 3) < FDC_DRIVES) {
        s->drive[sel & 3].track = track;
    }
    s->sense_st0[0] = ST0_SEEK_END | (sel & 7);
    s->nsense = 1;
    fdc_raise_irq(s);
}

static void fdc_execute(FdcState *s)
{
    uint8_t *f = s->fifo;
    FdDrive *d;

    ks_trace(fdc, "command 0x%02x", f[0]);
    switch (f[0] & 0x1f) {
    case 0x03:                          /* SPECIFY */
        s->srt_hut = f[1];
        s->hlt_nd = f[2];
        s->cmd_pos = 0;
        break;
    case 0x04:                          /* SENSE DRIVE STATUS */
        d = fdc_drive(s, f[1]);
        f[0] = (f[1] & 7) | ST3_READY | ST3_TS;
        if ((f[1] & 3) < FDC_DRIVES && !s->drive[f[1] & 3].track) {
            f[0] |= ST3_T0;
        }
        if (d && blk_is_readonly(d->blk)) {
            f[0] |= ST3_WP;
        }
        fdc_result(s, 1, false);
        break;
    case 0x05:                          /* WRITE DATA */
    case 0x06:                          /* READ DATA */
        fdc_rw(s, (f[0] & 0x1f) == 0x05);
        break;
    case 0x07:                          /* RECALIBRATE */
        s->cmd_pos = 0;
        fdc_seek_done(s, f[1] & 3, 0);
        break;
    case 0x08:                          /* SENSE INTERRUPT STATUS */
        if (!s->nsense) {
            f[0] = ST0_INVALID;
            fdc_result(s, 1, false);
            break;
        }
        f[0] = s->sense_st0[--s->nsense];
        f[1] = (f[0] & 3) < FDC_DRIVES ? s->drive[f[0] & 3].track : 0;
        fdc_lower_irq(s);
        fdc_result(s, 2, false);
        break;
    case 0x0a:                          /* READ ID */
        d = fdc_drive(s, f[1]);
        f[5] = 2;
        fdc_rw_result(s, (f[1] & 7) | (d ? 0 : ST0_ABNORMAL | ST0_NOT_READY),
                      d ? 0 : ST1_MA, d ? d->track : 0, (f[1] >> 2) & 1, 1);
        break;
    case 0x0d:                          /* FORMAT TRACK */
        fdc_format(s);
        break;
    case 0x0e:                          /* DUMPREG */
        for (unsigned i = 0; i < 4; i++) {
            f[i] = i < FDC_DRIVES ? s->drive[i].track : 0;
        }
        f[4] = s->srt_hut;
        f[5] = s->hlt_nd;
        f[6] = s->last_eot;
        f[7] = (s->lock << 7) | (s->perp & 0x3f);
        f[8] = s->config;
        f[9] = s->pretrk;
        fdc_result(s, 10, false);
        break;
    case 0x0f:                          /* SEEK */
        s->cmd_pos = 0;
        fdc_seek_done(s, f[1] & 7, f[2]);
        break;
    case 0x10:                          /* VERSION */
        f[0] = 0x90;                    /* enhanced controller */
        fdc_result(s, 1, false);
        break;
    case 0x12:                          /* PERPENDICULAR MODE */
        s->perp = f[1];
        s->cmd_pos = 0;
        break;
    case 0x13:                          /* CONFIGURE */
        s->config = f[2];
        s->pretrk = f[3];
        s->cmd_pos = 0;
        break;
    case 0x14:                          /* LOCK */
        s->lock = f[0] >> 7;
        f[0] = s->lock << 4;
        fdc_result(s, 1, false);
        break;
    default:
        g_assert_not_reached();
    }
}

/* Bytes of each command (by its low 5 bits; 0: invalid) and which of
 * the top bits (MT, MFM, SK; LOCK) it may carry. */
static const struct {
    uint8_t len, flags;
} fdc_cmds[32] = {
    [0x03] = { 3, 0 },    [0x04] = { 2, 0 },    [0x05] = { 9, 0xc0 },
    [0x06] = { 9, 0xe0 }, [0x07] = { 2, 0 },    [0x08] = { 1, 0 },
    [0x0a] = { 2, 0x40 }, [0x0d] = { 6, 0x40 }, [0x0e] = { 1, 0 },
    [0x0f] = { 3, 0 },    [0x10] = { 1, 0 },    [0x12] = { 2, 0 },
    [0x13] = { 4, 0 },    [0x14] = { 1, 0x80 },
};

static void fdc_fifo_write(FdcState *s, uint8_t val)
{
    if (!(s->dor & DOR_NRESET) || s->result_phase) {
        ks_log_mask(LOG_GUEST_ERROR, "fdc: FIFO write 0x%02x %s\n", val,
                    s->result_phase ? "in the result phase" : "in reset");
        return;
    }
    if (!s->cmd_pos) {
        unsigned len = fdc_cmds[val & 0x1f].len;

        if (!len || (val & 0xe0 & ~fdc_cmds[val & 0x1f].flags)) {
            ks_log_mask(LOG_UNIMP, "fdc: command 0x%02x\n", val);
            s->fifo[0] = ST0_INVALID;
            fdc_result(s, 1, false);
            return;
        }
        s->cmd_len = len;
    }
    s->fifo[s->cmd_pos++] = val;
    if (s->cmd_pos == s->cmd_len) {
        fdc_execute(s);
    }
}

static uint8_t fdc_fifo_read(FdcState *s)
{
    uint8_t val;

    if (!s->result_phase) {
        ks_log_mask(LOG_GUEST_ERROR, "fdc: FIFO read outside the result "
                    "phase\n");
        return 0;
    }
    if (!s->res_pos && s->res_len == 7) {
        fdc_lower_irq(s);               /* read/write commands */
    }
    val = s->fifo[s->res_pos++];
    if (s->res_pos == s->res_len) {
        s->result_phase = false;
        s->cmd_pos = 0;
    }
    return val;
}

static uint64_t fdc_read(void *opaque, hwaddr addr, unsigned size)
{
    FdcState *s = opaque;
    FdDrive *d;

    switch (addr) {
    case FDC_SRA:
    case FDC_SRB:
        return 0xff;                    /* PC-AT mode: not driven */
    case FDC_DOR:
        return s->dor;
    case FDC_TDR:
        return s->tdr;
    case FDC_MSR:
        if (!(s->dor & DOR_NRESET)) {
            return 0;
        }
        return MSR_RQM | (s->result_phase ? MSR_DIO | MSR_CB : 0) |
               (s->cmd_pos ? MSR_CB : 0);
    case FDC_FIFO:
        return fdc_fifo_read(s);
    case FDC_DIR:
        d = &s->drive[s->dor & 1];
        return (s->dor & DOR_SEL_MASK) < FDC_DRIVES && d->changed ? 0x80 : 0;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "fdc: read of register %u\n",
                    (unsigned)addr);
        return 0xff;
    }
}

static void fdc_write(void *opaque, hwaddr addr, uint64_t val,
                      unsigned size)
{
    FdcState *s = opaque;

    ks_trace(fdc, "write reg %u 0x%02x", (unsigned)addr, (uint8_t)val);
    switch (addr) {
    case FDC_DOR:
        if (!(val & DOR_NRESET)) {
            fdc_reset_ctrl(s, false);
            s->dor = val;
        } else if (!(s->dor & DOR_NRESET)) {
            s->dor = val;
            fdc_raise_irq(s);           /* leaving reset */
        } else {
            s->dor = val;
            fdc_update_irq(s);
        }
        break;
    case FDC_TDR:
        s->tdr = val & 3;
        break;
    case FDC_MSR:                       /* DSR */
        s->dsr = val & ~DSR_SWRESET;
        if (val & DSR_SWRESET) {
            fdc_reset_ctrl(s, false);
            fdc_raise_irq(s);
        }
        break;
    case FDC_FIFO:
        fdc_fifo_write(s, val);
        break;
    case FDC_DIR:                       /* CCR: the data rate */
        s->dsr = (s->dsr & ~3) | (val & 3);
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "fdc: write of register %u\n",
                    (unsigned)addr);
        break;
    }
}

static const MemRegionOps fdc_ops = {
    .read = fdc_read,
    .write = fdc_write,
    .min_access = 1,
    .max_access = 1,
};

static uint64_t fdc_dir_read(void *opaque, hwaddr addr, unsigned size)
{
    return fdc_read(opaque, FDC_DIR, 1);
}

static void fdc_dir_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    fdc_write(opaque, FDC_DIR, val, 1);
}

static const MemRegionOps fdc_dir_ops = {
    .read = fdc_dir_read,
    .write = fdc_dir_write,
    .min_access = 1,
    .max_access = 1,
};

void fdc_set_dma(Device *fdc, Device *dma)
{
    FdcState *s = container_of(fdc, FdcState, dev);

    s->dma = dma;
}

bool fdc_attach_drive(Device *fdc, unsigned unit, BlockBackend *blk,
                      GError **errp)
{
    FdcState *s = container_of(fdc, FdcState, dev);
    int64_t len = blk_getlength(blk);

    g_assert(unit < FDC_DRIVES);
    for (unsigned i = 0; i < G_N_ELEMENTS(fd_formats); i++) {
        if (len == (int64_t)fd_formats[i].kib * 1024) {
            s->drive[unit] = (FdDrive) { .blk = blk, .geo = &fd_formats[i],
                                         .changed = true };
            return true;
        }
    }
    g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "%s: size %" PRId64
                " is not a floppy format (160K, 180K, 320K, 360K, 720K, "
                "1.2M, 1.44M, 1.68M or 2.88M)", blk_name(blk), len);
    return false;
}

uint8_t fdc_cmos_type(Device *fdc, unsigned unit)
{
    FdcState *s = container_of(fdc, FdcState, dev);

    return unit < FDC_DRIVES && s->drive[unit].geo ?
           s->drive[unit].geo->cmos : 0;
}

static void fdc_reset(Device *dev)
{
    FdcState *s = container_of(dev, FdcState, dev);

    s->dor = DOR_NRESET | DOR_DMAEN;
    s->tdr = 0;
    s->dsr = 0;
    s->srt_hut = s->hlt_nd = s->last_eot = 0;
    for (unsigned i = 0; i < FDC_DRIVES; i++) {
        s->drive[i].track = s->drive[i].head = 0;
    }
    fdc_reset_ctrl(s, true);
    s->nsense = 0;
}

static bool fdc_realize(Device *dev, GError **errp)
{
    FdcState *s = container_of(dev, FdcState, dev);

    if (s->dma_chan >= I8237_CHANNELS || s->dma_chan == 4) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "isa-fdc: dma=%u is not an ISA DMA channel", s->dma_chan);
        return false;
    }
    mr_init_io(&s->io, &fdc_ops, s, "fdc", 6);
    mr_init_io(&s->dir_io, &fdc_dir_ops, s, "fdc-dir", 1);
    isa_init_region(dev, &s->io, 0);
    isa_init_region(dev, &s->dir_io, FDC_DIR);
    dev_init_irq_out(dev, &s->irq, 1);
    return true;
}

static const PropDesc fdc_props[] = {
    DEV_PROP(FdcState, iobase, "iobase", PROP_U16, "0x3f0", "first port"),
    DEV_PROP(FdcState, irq_num, "irq", PROP_U8, "6", "ISA IRQ"),
    DEV_PROP(FdcState, dma_chan, "dma", PROP_U8, "2", "ISA DMA channel"),
    DEV_PROP_END,
};

static const DeviceType fdc_type = {
    .name = "isa-fdc",
    .desc = "Intel 82077AA floppy disk controller",
    .bus = "isa",
    .instance_size = sizeof(FdcState),
    .realize = fdc_realize,
    .reset = fdc_reset,
    .unrealize = isa_unplug,
    .props = fdc_props,
};
DEVICE_TYPE_REGISTER(fdc_type);
