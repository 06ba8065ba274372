/* SPDX-License-Identifier: MIT */
/*
 * PIIX3 IDE function (PCI 01.1, 8086:7010): two IDE channels at the
 * legacy ports (0x1F0-0x1F7/0x3F6 on ISA IRQ 14, 0x170-0x177/0x376 on
 * IRQ 15) and the bus-master IDE registers behind BAR 4 (16 ports: per
 * channel command, status and the PRD table pointer).
 *
 * The board (hw/i386/pc.c) creates it at 01.1; hw/i386/pc-storage.c
 * attaches the drives with ide_attach_drive(). The ATA/ATAPI protocol is
 * in ide-core.c and ide-atapi.c; this file moves DMA data between a
 * drive's buffer and the memory the PRD table describes (dma_read/
 * dma_write, every entry checked against RAM).
 * Ref: Intel 82371FB/SB (PIIX/PIIX3) datasheet 290550, 2.4 (IDETIM,
 * SIDETIM), 2.7 (BMICx, BMISx, BMIDTPx), 5.x "Bus Master IDE"; SFF-8038i.
 * Missing: the IDETIM decode-enable bits do not unmap the legacy ports
 * (QEMU does the same), native-PCI mode (prog-if is fixed at 0x80), IDE
 * timing registers are storage only.
 */
#include "kestrel/osdep.h"
#include "kestrel/pci.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "hw/ide/ide-int.h"

KS_TRACE_DEFINE(bmdma);

/* Bus master registers, per channel (offset 0 primary, 8 secondary) */
#define BM_CMD                  0
#define BM_STATUS               2
#define BM_PRDT                 4       /* 4 bytes */
#define BM_CMD_START            0x01
#define BM_CMD_WRITE            0x08    /* bus master writes memory */
#define BM_ST_ACTIVE            0x01
#define BM_ST_ERROR             0x02
#define BM_ST_INT               0x04
#define BM_ST_DMA_CAP           0x60    /* drive 0/1 DMA capable */
#define PRD_EOT                 0x80000000u

#define PIIX_IDETIM             0x40    /* 2 x 16 bits */
#define PIIX_SIDETIM            0x44

static const uint16_t piix_cmd_ports[IDE_BUSES] = { 0x1f0, 0x170 };
static const uint16_t piix_ctl_ports[IDE_BUSES] = { 0x3f6, 0x376 };
static const uint8_t piix_irqs[IDE_BUSES] = { 14, 15 };
static const char *const piix_bus_names[IDE_BUSES] = { "ide0", "ide1" };

typedef struct BmdmaState {
    IdeBus bus;
    MemRegion cmd_io, ctl_io;
    IrqLine irq;
    uint8_t cmd, status;
    uint32_t prdt;
    /* position in the PRD table of the running transfer */
    uint32_t prd_next;                  /* address of the next entry */
    uint32_t cur_addr, cur_left;        /* the entry being consumed */
    bool eot;                           /* cur is the last entry */
} BmdmaState;

typedef struct Piix3IdeState {
    PciDevice pci;
    MemRegion bm_io;
    BmdmaState bm[IDE_BUSES];
} Piix3IdeState;

/* ---- bus master side of a transfer (IdeDmaOps) ---- */

static bool bmdma_active(void *opaque)
{
    BmdmaState *b = opaque;

    return b->cmd & BM_CMD_START;
}

static void bmdma_fault(BmdmaState *b, const char *what, uint32_t addr)
{
    ks_log_mask(LOG_GUEST_ERROR, "%s: bus master: %s at 0x%08x\n",
                b->bus.name, what, addr);
    b->status = (b->status & ~BM_ST_ACTIVE) | BM_ST_ERROR;
}

/* Load the next PRD entry; false at the end of the table. */
static bool bmdma_next_prd(BmdmaState *b)
{
    uint32_t prd[2];

    if (b->eot) {
        return false;
    }
    if (!dma_read(b->prd_next, prd, sizeof(prd))) {
        return false;
    }
    b->cur_addr = GUINT32_FROM_LE(prd[0]) & ~1u;
    b->cur_left = GUINT32_FROM_LE(prd[1]) & 0xfffe;
    if (!b->cur_left) {
        b->cur_left = 0x10000;
    }
    b->eot = GUINT32_FROM_LE(prd[1]) & PRD_EOT;
    /* The table may not cross a 64 KiB boundary: the counter wraps. */
    b->prd_next = (b->prd_next & ~0xffffu) | ((b->prd_next + 8) & 0xffff);
    return true;
}

static IdeDmaResult bmdma_rw(void *opaque, uint8_t *buf, uint32_t len,
                             bool to_mem)
{
    BmdmaState *b = opaque;

    if (!!(b->cmd & BM_CMD_WRITE) != to_mem) {
        ks_log_mask(LOG_GUEST_ERROR, "%s: bus master direction %s does not "
                    "match the command\n", b->bus.name,
                    to_mem ? "read" : "write");
    }
    while (len) {
        uint32_t n;
        bool ok;

        if (!b->cur_left) {
            uint32_t at = b->prd_next;

            if (b->eot) {
                ks_log_mask(LOG_GUEST_ERROR, "%s: PRD table shorter than "
                            "the transfer\n", b->bus.name);
                b->status &= ~BM_ST_ACTIVE;
                return IDE_DMA_SHORT;
            }
            if (!bmdma_next_prd(b)) {
                bmdma_fault(b, "PRD table outside RAM", at);
                return IDE_DMA_FAULT;
            }
        }
        n = MIN(len, b->cur_left);
        ok = to_mem ? dma_write(b->cur_addr, buf, n)
                    : dma_read(b->cur_addr, buf, n);
        if (!ok) {
            bmdma_fault(b, "PRD buffer outside RAM", b->cur_addr);
            return IDE_DMA_FAULT;
        }
        b->cur_addr += n;
        b->cur_left -= n;
        buf += n;
        len -= n;
    }
    return IDE_DMA_OK;
}

static void bmdma_done(void *opaque, bool error)
{
    BmdmaState *b = opaque;

    /* Active stays set when the PRD table has room left (SFF-8038i). */
    if (error || (b->eot && !b->cur_left)) {
        b->status &= ~BM_ST_ACTIVE;
    }
}

static void bmdma_irq(void *opaque)
{
    BmdmaState *b = opaque;

    b->status |= BM_ST_INT;
}

static const IdeDmaOps bmdma_ops = {
    .active = bmdma_active,
    .rw = bmdma_rw,
    .done = bmdma_done,
    .irq = bmdma_irq,
};

/* ---- BAR 4 ---- */

static uint64_t bmdma_read(void *opaque, hwaddr addr, unsigned size)
{
    Piix3IdeState *p = opaque;
    BmdmaState *b = &p->bm[addr >> 3];

    switch (addr & 7) {
    case BM_CMD:
        return b->cmd;
    case BM_STATUS:
        return b->status;
    case BM_PRDT:
    case BM_PRDT + 1:
    case BM_PRDT + 2:
    case BM_PRDT + 3:
        return (b->prdt >> ((addr & 3) * 8)) & 0xff;
    default:
        return 0;                       /* reserved bytes read 0 */
    }
}

static void bmdma_write(void *opaque, hwaddr addr, uint64_t val,
                        unsigned size)
{
    Piix3IdeState *p = opaque;
    BmdmaState *b = &p->bm[addr >> 3];
    unsigned shift = (addr & 3) * 8;

    ks_trace(bmdma, "%s: write 0x%02x at %u", b->bus.name, (uint8_t)val,
             (unsigned)(addr & 7));
    switch (addr & 7) {
    case BM_CMD:
        if ((val & BM_CMD_START) && !(b->cmd & BM_CMD_START)) {
            b->cmd = val & (BM_CMD_START | BM_CMD_WRITE);
            b->status |= BM_ST_ACTIVE;
            b->prd_next = b->prdt;
            b->cur_left = 0;
            b->eot = false;
            ide_bus_dma_start(&b->bus);
        } else if (!(val & BM_CMD_START)) {
            /* Stopping ends the transfer; the drive keeps its state. */
            b->cmd = val & BM_CMD_WRITE;
            b->status &= ~BM_ST_ACTIVE;
        } else {
            b->cmd = (b->cmd & BM_CMD_START) | (val & BM_CMD_WRITE);
        }
        break;
    case BM_STATUS:
        b->status = (b->status & (BM_ST_ACTIVE | BM_ST_ERROR | BM_ST_INT)) |
                    (val & BM_ST_DMA_CAP);
        b->status &= ~(val & (BM_ST_ERROR | BM_ST_INT));
        break;
    case BM_PRDT:
    case BM_PRDT + 1:
    case BM_PRDT + 2:
    case BM_PRDT + 3:
        b->prdt = (b->prdt & ~(0xffu << shift)) | ((uint32_t)val << shift);
        b->prdt &= ~3u;
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "piix3-ide: write to reserved bus "
                    "master register 0x%02x\n", (unsigned)addr);
        break;
    }
}

static const MemRegionOps bmdma_io_ops = {
    .read = bmdma_read,
    .write = bmdma_write,
    .min_access = 1,
    .max_access = 1,                    /* the core splits words */
};

/* ---- legacy ports ---- */

static uint64_t ide_cmd_read(void *opaque, hwaddr addr, unsigned size)
{
    BmdmaState *b = opaque;

    if (addr == 0) {
        return ide_data_read(&b->bus, size);
    }
    return ide_ioport_read(&b->bus, addr);
}

static void ide_cmd_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    BmdmaState *b = opaque;

    if (addr == 0) {
        ide_data_write(&b->bus, val, size);
    } else {
        ide_ioport_write(&b->bus, addr, val & 0xff);
    }
}

static const MemRegionOps ide_cmd_ops = {
    .read = ide_cmd_read,
    .write = ide_cmd_write,
    .min_access = 1,
    .max_access = 4,                    /* 32-bit data port accesses */
};

static uint64_t ide_ctl_read(void *opaque, hwaddr addr, unsigned size)
{
    BmdmaState *b = opaque;

    return ide_status_read(&b->bus, true);
}

static void ide_ctl_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    BmdmaState *b = opaque;

    ide_devctl_write(&b->bus, val);
}

static const MemRegionOps ide_ctl_ops = {
    .read = ide_ctl_read,
    .write = ide_ctl_write,
    .min_access = 1,
    .max_access = 1,
};

/* ---- the PCI function ---- */

bool ide_attach_drive(Device *ide, unsigned bus, unsigned unit,
                      IdeDriveKind kind, BlockBackend *blk, GError **errp)
{
    Piix3IdeState *p = container_of(ide, Piix3IdeState, pci.dev);

    g_assert(bus < IDE_BUSES && unit < IDE_UNITS && kind != IDE_KIND_NONE);
    if (!blk && kind == IDE_KIND_DISK) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "an IDE disk needs an image");
        return false;
    }
    if (!ide_drive_attach(&p->bm[bus].bus.drive[unit], kind, blk, errp)) {
        return false;
    }
    p->bm[bus].status |= 0x20 << unit;  /* drive DMA capable */
    return true;
}

bool ide_cd_change_media(Device *ide, unsigned bus, unsigned unit,
                         BlockBackend *blk, GError **errp)
{
    Piix3IdeState *p = container_of(ide, Piix3IdeState, pci.dev);
    IdeState *s;

    g_assert(bus < IDE_BUSES && unit < IDE_UNITS);
    s = &p->bm[bus].bus.drive[unit];
    if (s->kind != IDE_KIND_CD) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s unit %u is not a CD-ROM drive", s->bus->name, unit);
        return false;
    }
    if (s->locked && !blk) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s unit %u: the guest has locked the tray",
                    s->bus->name, unit);
        return false;
    }
    atapi_change_media(s, blk);
    return true;
}

static bool piix3_ide_realize(PciDevice *d, GError **errp)
{
    Piix3IdeState *p = container_of(d, Piix3IdeState, pci);

    pci_set_word(d->wmask + PIIX_IDETIM, 0xf3ff);
    pci_set_word(d->wmask + PIIX_IDETIM + 2, 0xf3ff);
    d->wmask[PIIX_SIDETIM] = 0xff;
    mr_init_io(&p->bm_io, &bmdma_io_ops, p, "piix3-bmdma", 16);
    pci_register_bar(d, 4, &p->bm_io);
    for (unsigned i = 0; i < IDE_BUSES; i++) {
        BmdmaState *b = &p->bm[i];

        ide_bus_init(&b->bus, piix_bus_names[i], &b->irq, &bmdma_ops, b);
        mr_init_io(&b->cmd_io, &ide_cmd_ops, b, piix_bus_names[i], 8);
        mr_init_io(&b->ctl_io, &ide_ctl_ops, b, piix_bus_names[i], 1);
        as_map(&address_space_io, &b->cmd_io, piix_cmd_ports[i], 0);
        as_map(&address_space_io, &b->ctl_io, piix_ctl_ports[i], 0);
        if (isa_get_irq(piix_irqs[i])) {
            irq_connect(&b->irq, isa_get_irq(piix_irqs[i]));
        }
    }
    return true;
}

static void piix3_ide_unrealize(PciDevice *d)
{
    Piix3IdeState *p = container_of(d, Piix3IdeState, pci);

    for (unsigned i = 0; i < IDE_BUSES; i++) {
        as_unmap(&p->bm[i].cmd_io);
        as_unmap(&p->bm[i].ctl_io);
        ide_bus_free(&p->bm[i].bus);
    }
}

static void piix3_ide_reset(PciDevice *d)
{
    Piix3IdeState *p = container_of(d, Piix3IdeState, pci);

    for (unsigned i = 0; i < IDE_BUSES; i++) {
        BmdmaState *b = &p->bm[i];

        b->cmd = 0;
        b->status &= BM_ST_DMA_CAP;
        b->prdt = 0;
        ide_bus_reset(&b->bus);
    }
    pci_set_long(d->config + PIIX_IDETIM, 0);
    d->config[PIIX_SIDETIM] = 0;
}

static const PropDesc piix3_ide_props[] = {
    PCI_DEVICE_PROPS(Piix3IdeState),
    DEV_PROP_END,
};

static const PciDeviceType piix3_ide_type = {
    .dev = {
        PCI_DEVICE_TYPE_INIT("piix3-ide", Piix3IdeState),
        .desc = "Intel 82371SB PIIX3 IDE controller (PCI 01.1)",
        .props = piix3_ide_props,
    },
    .vendor_id = 0x8086,
    .device_id = 0x7010,
    .class_code = 0x010180,             /* IDE, legacy mode, bus master */
    .bars = {
        [4] = { 16, PCI_BAR_IO },
    },
    .realize = piix3_ide_realize,
    .reset = piix3_ide_reset,
    .unrealize = piix3_ide_unrealize,
};
PCI_DEVICE_TYPE_REGISTER(piix3_ide_type);
