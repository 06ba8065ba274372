/* SPDX-License-Identifier: MIT */
/*
 * Intel 8237A DMA controller pair of the PC/AT: controller 1 (channels
 * 0-3, 8-bit, ports 0x00-0x0F), controller 2 (channels 4-7, 16-bit,
 * ports 0xC0-0xDF, register n at 0xC0 + 2n; channel 4 cascades
 * controller 1) and the page registers at 0x80-0x8F.
 *
 * Transfers happen when a device asks (i8237_transfer(), e.g. the floppy
 * controller on channel 2): single, block and demand modes all move the
 * bytes the device offers at once; address increment or decrement,
 * autoinitialize and terminal count behave as on the chip. Memory goes
 * through dma_read/dma_write: bytes outside RAM are dropped (reads give
 * 0xff) and logged with -d guest_errors, as a bus cycle to nowhere.
 * hw/i386/pc-storage.c creates it ("i8237").
 * Ref: Intel 8237A datasheet 231466, "Register Description", "Transfer
 * Modes", "Autoinitialize"; PIIX3 datasheet 290550, 4.5 (DMA page
 * registers, 16-bit channels address words).
 * Missing: memory-to-memory transfers, software DREQ (the request
 * register is stored and read back), the cascade mask of channel 4, the
 * EISA high page registers (0x480-0x48F).
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "kestrel/memory.h"
#include "hw/dma/i8237.h"

KS_TRACE_DEFINE(i8237);

/* Register numbers (port offset of controller 1) */
enum {
    DMA_REG_STATUS = 8,                 /* read; write: command */
    DMA_REG_REQUEST = 9,
    DMA_REG_SINGLE_MASK = 10,
    DMA_REG_MODE = 11,
    DMA_REG_CLEAR_FF = 12,
    DMA_REG_MASTER_CLEAR = 13,          /* read: temporary register */
    DMA_REG_CLEAR_MASK = 14,
    DMA_REG_ALL_MASK = 15,
};

#define DMA_CMD_DISABLE         0x04
#define DMA_MODE_TYPE(m)        (((m) >> 2) & 3)
#define DMA_TYPE_VERIFY         0
#define DMA_TYPE_WRITE          1       /* device -> memory */
#define DMA_TYPE_READ           2       /* memory -> device */
#define DMA_MODE_AUTOINIT       0x10
#define DMA_MODE_DECREMENT      0x20

/* Page register port (0x80 + n) of each channel */
static const uint8_t dma_page_port[I8237_CHANNELS] = {
    0x7, 0x3, 0x1, 0x2, 0xf, 0xb, 0x9, 0xa,
};

typedef struct DmaChannel {
    uint16_t base_addr, base_count;
    uint16_t cur_addr, cur_count;
    uint8_t mode;
} DmaChannel;

typedef struct DmaCtrl {
    DmaChannel ch[4];
    uint8_t command, status, request, mask;
    bool flipflop;
    unsigned shift;                     /* 0: bytes, 1: words */
} DmaCtrl;

typedef struct I8237State {
    Device dev;
    MemRegion io[2], page_io;
    DmaCtrl c[2];
    uint8_t page[16];                   /* 0x80-0x8F, scratch included */
} I8237State;

static uint8_t dma_reg_read(DmaCtrl *c, unsigned reg)
{
    DmaChannel *ch = &c->ch[(reg >> 1) & 3];
    uint16_t v;
    uint8_t val;

    switch (reg) {
    case 0 ... 7:
        v = reg & 1 ? ch->cur_count : ch->cur_addr;
        val = c->flipflop ? v >> 8 : v;
        c->flipflop = !c->flipflop;
        return val;
    case DMA_REG_STATUS:
        val = c->status | (c->request << 4);
        c->status = 0;                  /* TC bits clear on read */
        return val;
    case DMA_REG_MASTER_CLEAR:
        return 0;                       /* temporary register */
    case DMA_REG_ALL_MASK:
        return c->mask | 0xf0;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "i8237: read of write-only register "
                    "%u\n", reg);
        return 0xff;
    }
}

static void dma_reg_write(DmaCtrl *c, unsigned reg, uint8_t val)
{
    DmaChannel *ch = &c->ch[(reg >> 1) & 3];
    uint16_t *base, *cur;

    switch (reg) {
    case 0 ... 7:
        base = reg & 1 ? &ch->base_count : &ch->base_addr;
        cur = reg & 1 ? &ch->cur_count : &ch->cur_addr;
        *base = c->flipflop ? (*base & 0xff) | (val << 8)
                            : (*base & 0xff00) | val;
        *cur = *base;
        c->flipflop = !c->flipflop;
        break;
    case DMA_REG_STATUS:
        c->command = val;
        break;
    case DMA_REG_REQUEST:
        c->request = (c->request & ~(1u << (val & 3))) |
                     (((val >> 2) & 1) << (val & 3));
        break;
    case DMA_REG_SINGLE_MASK:
        c->mask = (c->mask & ~(1u << (val & 3))) |
                  (((val >> 2) & 1) << (val & 3));
        break;
    case DMA_REG_MODE:
        c->ch[val & 3].mode = val;
        break;
    case DMA_REG_CLEAR_FF:
        c->flipflop = false;
        break;
    case DMA_REG_MASTER_CLEAR:
        c->command = c->status = c->request = 0;
        c->flipflop = false;
        c->mask = 0x0f;
        break;
    case DMA_REG_CLEAR_MASK:
        c->mask = 0;
        break;
    case DMA_REG_ALL_MASK:
        c->mask = val & 0x0f;
        break;
    }
}

static uint64_t dma_io_read(void *opaque, hwaddr addr, unsigned size)
{
    DmaCtrl *c = opaque;

    if (c->shift && (addr & 1)) {
        return 0xff;                    /* odd ports of controller 2 */
    }
    return dma_reg_read(c, addr >> c->shift);
}

static void dma_io_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    DmaCtrl *c = opaque;

    ks_trace(i8237, "controller %u reg %u <- 0x%02x", c->shift + 1,
             (unsigned)(addr >> c->shift), (uint8_t)val);
    if (c->shift && (addr & 1)) {
        return;
    }
    dma_reg_write(c, addr >> c->shift, val);
}

static const MemRegionOps dma_io_ops = {
    .read = dma_io_read,
    .write = dma_io_write,
    .min_access = 1,
    .max_access = 1,
};

static uint64_t dma_page_read(void *opaque, hwaddr addr, unsigned size)
{
    I8237State *s = opaque;

    return s->page[addr];
}

static void dma_page_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    I8237State *s = opaque;

    s->page[addr] = val;
}

static const MemRegionOps dma_page_ops = {
    .read = dma_page_read,
    .write = dma_page_write,
    .min_access = 1,
    .max_access = 1,
};

/* Move n units at the channel's current address, in buffer order. */
static void dma_move(I8237State *s, unsigned chn, uint8_t *buf, size_t n,
                     int type)
{
    DmaCtrl *c = &s->c[chn >> 2];
    DmaChannel *ch = &c->ch[chn & 3];
    unsigned unit = 1u << c->shift;
    bool down = ch->mode & DMA_MODE_DECREMENT;
    uint32_t page = s->page[dma_page_port[chn]];

    if (c->shift) {
        page &= 0xfe;                   /* A16 comes from the address */
    }
    for (size_t done = 0; done < n;) {
        /* the address counter wraps inside the page */
        size_t run = down ? 1 : MIN(n - done, 0x10000u - ch->cur_addr);
        hwaddr pa = ((hwaddr)page << 16) + ((hwaddr)ch->cur_addr << c->shift);
        bool ok = true;

        if (type == DMA_TYPE_WRITE) {
            ok = dma_write(pa, buf + done * unit, run * unit);
        } else if (type == DMA_TYPE_READ) {
            ok = dma_read(pa, buf + done * unit, run * unit);
            if (!ok) {
                memset(buf + done * unit, 0xff, run * unit);
            }
        }
        if (!ok) {
            ks_log_mask(LOG_GUEST_ERROR, "i8237: channel %u: address "
                        "0x%08" PRIx64 " is not RAM\n", chn, (uint64_t)pa);
        }
        ch->cur_addr += down ? -(int)run : (int)run;
        done += run;
    }
}

size_t i8237_transfer(Device *dma, unsigned chn, uint8_t *buf, size_t len,
                      bool to_mem, bool *tc)
{
    I8237State *s = container_of(dma, I8237State, dev);
    DmaCtrl *c;
    DmaChannel *ch;
    unsigned unit;
    size_t units, left;
    int type;

    g_assert(chn < I8237_CHANNELS);
    c = &s->c[chn >> 2];
    ch = &c->ch[chn & 3];
    unit = 1u << c->shift;
    *tc = false;
    if ((c->mask & (1u << (chn & 3))) || (c->command & DMA_CMD_DISABLE)) {
        return 0;
    }
    type = DMA_MODE_TYPE(ch->mode);
    if (type == 3) {
        ks_log_mask(LOG_GUEST_ERROR, "i8237: channel %u: invalid transfer "
                    "type\n", chn);
        return 0;
    }
    if (type != DMA_TYPE_VERIFY && (type == DMA_TYPE_WRITE) != to_mem) {
        ks_log_mask(LOG_GUEST_ERROR, "i8237: channel %u programmed for a %s "
                    "transfer, the device moves data %s memory\n", chn,
                    type == DMA_TYPE_WRITE ? "write" : "read",
                    to_mem ? "to" : "from");
    }
    left = (size_t)ch->cur_count + 1;
    units = MIN(len / unit, left);
    dma_move(s, chn, buf, units, type);
    ch->cur_count -= units;
    ks_trace(i8237, "channel %u moved %zu units, %zu left", chn, units,
             left - units);
    if (units == left) {
        *tc = true;
        c->status |= 1u << (chn & 3);
        if (ch->mode & DMA_MODE_AUTOINIT) {
            ch->cur_addr = ch->base_addr;
            ch->cur_count = ch->base_count;
        } else {
            c->mask |= 1u << (chn & 3);
        }
    }
    return units * unit;
}

static void i8237_reset(Device *dev)
{
    I8237State *s = container_of(dev, I8237State, dev);

    for (unsigned i = 0; i < 2; i++) {
        dma_reg_write(&s->c[i], DMA_REG_MASTER_CLEAR, 0);
    }
}

static bool i8237_realize(Device *dev, GError **errp)
{
    I8237State *s = container_of(dev, I8237State, dev);

    s->c[1].shift = 1;
    mr_init_io(&s->io[0], &dma_io_ops, &s->c[0], "i8237-1", 0x10);
    mr_init_io(&s->io[1], &dma_io_ops, &s->c[1], "i8237-2", 0x20);
    mr_init_io(&s->page_io, &dma_page_ops, s, "dma-page", 0x10);
    isa_init_region(dev, &s->io[0], 0x00);
    isa_init_region(dev, &s->io[1], 0xc0);
    isa_init_region(dev, &s->page_io, 0x80);
    return true;
}

static const DeviceType i8237_type = {
    .name = "i8237",
    .desc = "Intel 8237A ISA DMA controller pair with page registers",
    .bus = "isa",
    .instance_size = sizeof(I8237State),
    .realize = i8237_realize,
    .reset = i8237_reset,
    .unrealize = isa_unplug,
};
DEVICE_TYPE_REGISTER(i8237_type);
