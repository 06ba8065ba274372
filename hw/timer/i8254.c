/* SPDX-License-Identifier: MIT */
/*
 * Intel 8254 programmable interval timer (ISA ports 0x40-0x43) and the
 * PC's port 0x61 (channel 2 gate, speaker data, refresh toggle, OUT2).
 *
 * Three 16-bit counters at 1.193182 MHz. Counts and OUT levels are
 * computed on demand from the virtual clock, never ticked (i8254-count.c);
 * a timer fires only at the next OUT0 transition, which drives ISA IRQ 0;
 * a late timer skips the transitions it missed. Channel 1 (DRAM
 * refresh) counts but its OUT goes nowhere; channel 2's gate and OUT are
 * bits 0 and 5 of port 0x61. The board (hw/i386/pc.c) maps it at 0x40;
 * port 0x61 is region 1, 0x21 above the base.
 * Ref: Intel 8254 datasheet 231164, "Operational Description" (Control
 * Word, Counter Latch, Read-Back), "Modes" 0-5, Figure "Gate Pin
 * Operations Summary"; IBM PC/AT Technical Reference, port 61h.
 * Missing: the one-CLK delay between a count write and counting; a mode 3
 * count written while counting takes effect at the end of the whole cycle
 * rather than the half-cycle; odd mode 3 counts read back approximately;
 * the speaker makes no sound.
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "kestrel/timer.h"
#include "hw/timer/i8254-int.h"

#define PIT_PORT_CTRL       3
#define PIT_PORT61_OFFSET   0x21        /* 0x61 from 0x40 */
#define PIT_REFRESH_NS      15085       /* port 0x61 bit 4 half-period */

#define PIT_RW_LATCH        0
#define PIT_RW_LSB          1
#define PIT_RW_MSB          2
#define PIT_RW_LSB_MSB      3
#define PIT_READBACK        3           /* SC1 SC0 = 11 */
#define PIT_RB_NO_COUNT     0x20
#define PIT_RB_NO_STATUS    0x10

#define PORT61_GATE2        0x01
#define PORT61_SPK_DATA     0x02
#define PORT61_RW_MASK      0x0f        /* bits 2-3: parity/IOCHK enables */
#define PORT61_REFRESH      0x10
#define PORT61_OUT2         0x20

KS_TRACE_DEFINE(pit);

typedef struct PitState {
    Device dev;
    MemRegion io;
    MemRegion port61;
    IrqLine irq0;                       /* channel 0 OUT */
    Timer *edge_timer;
    int64_t edge_due;                   /* when edge_timer was armed for */
    PitChannel ch[3];
    uint8_t port61_bits;                /* bits 1-3 as written */
    uint16_t iobase;                    /* properties, for the ISA bus */
    uint8_t irq;
} PitState;

static void pit_set_out0(PitState *s, int64_t t)
{
    int out = pit_out(&s->ch[0], t);

    if (out != s->irq0.level) {
        ks_trace(pit, "OUT0 %d at %" PRId64 " ns", out, t);
        irq_set(&s->irq0, out);
    }
}

/* Drive IRQ 0 from OUT0 at time t and arm the timer for its next edge. */
static void pit_update_irq(PitState *s, int64_t t)
{
    PitChannel *ch = &s->ch[0];
    int64_t next;

    pit_set_out0(s, t);
    next = pit_next_edge(ch, t);
    if (ch->switch_ns >= 0 && (next < 0 || ch->switch_ns < next)) {
        next = ch->switch_ns;
    }
    s->edge_due = next;
    if (next >= 0) {
        timer_mod_ns(s->edge_timer, next);
    } else {
        timer_del(s->edge_timer);
    }
}

/* The edge the timer was armed for reaches the PIC even when the callback
 * runs late; further edges the clock ran past (a loaded host, a period
 * shorter than handling an edge takes) are skipped: stepping edge by edge
 * never caught up. OUT0 takes its level at now, the timer the next edge. */
static void pit_edge_cb(void *opaque)
{
    PitState *s = opaque;
    int64_t now = clock_ns(CLOCK_VIRTUAL);

    pit_set_out0(s, s->edge_due);
    pit_update_irq(s, MAX(now, s->edge_due));
}

static void pit_latch_count(PitChannel *ch, int64_t now)
{
    if (!ch->count_latched) {
        ch->latched = pit_read_value(ch, now);
        ch->count_latched = true;
    }
}

static void pit_latch_status(PitChannel *ch, int64_t now)
{
    bool null_count = !ch->loaded || ch->armed || ch->switch_ns >= 0 ||
                      (ch->counting && pit_ticks(ch->load_ns, now) == 0);

    if (!ch->status_latched) {
        ch->status = pit_out(ch, now) << 7 | null_count << 6 |
                     ch->rw << 4 | ch->mode << 1 | ch->bcd;
        ch->status_latched = true;
    }
}

static void pit_write_control(PitState *s, uint8_t val, int64_t now)
{
    int sc = val >> 6, rw = (val >> 4) & 3, mode = (val >> 1) & 7;
    PitChannel *ch;

    if (sc == PIT_READBACK) {
        for (int i = 0; i < 3; i++) {
            if (!(val & (2 << i))) {
                continue;
            }
            if (!(val & PIT_RB_NO_COUNT)) {
                pit_latch_count(&s->ch[i], now);
            }
            if (!(val & PIT_RB_NO_STATUS)) {
                pit_latch_status(&s->ch[i], now);
            }
        }
        return;
    }
    ch = &s->ch[sc];
    if (rw == PIT_RW_LATCH) {
        pit_latch_count(ch, now);
        return;
    }
    pit_freeze(ch, now);
    ch->mode = mode > 5 ? mode - 4 : mode;  /* 6, 7 are 2, 3 */
    ch->rw = rw;
    ch->bcd = val & 1;
    ch->loaded = false;
    ch->armed = false;
    ch->frozen_out = ch->mode != 0;
    ch->write_msb = false;
    ch->read_msb = false;
    ch->count_latched = false;
    ch->status_latched = false;
}

static void pit_write_count(PitChannel *ch, uint8_t val, int64_t now)
{
    switch (ch->rw) {
    case PIT_RW_LSB:
        pit_load(ch, val, now);
        break;
    case PIT_RW_MSB:
        pit_load(ch, val << 8, now);
        break;
    default:
        if (!ch->write_msb) {
            ch->write_lsb = val;
            ch->write_msb = true;
            if (ch->mode == 0) {
                pit_freeze(ch, now);    /* the first byte stops counting */
                ch->frozen_out = false;
            }
        } else {
            ch->write_msb = false;
            pit_load(ch, ch->write_lsb | val << 8, now);
        }
        break;
    }
}

static uint8_t pit_read_count(PitChannel *ch, int64_t now)
{
    uint16_t v;
    uint8_t byte;

    if (ch->status_latched) {
        ch->status_latched = false;
        return ch->status;
    }
    v = ch->count_latched ? ch->latched : pit_read_value(ch, now);
    switch (ch->rw) {
    case PIT_RW_LSB:
        byte = v;
        ch->count_latched = false;
        break;
    case PIT_RW_MSB:
        byte = v >> 8;
        ch->count_latched = false;
        break;
    default:
        byte = ch->read_msb ? v >> 8 : v;
        if (ch->read_msb) {
            ch->count_latched = false;
        }
        ch->read_msb = !ch->read_msb;
        break;
    }
    return byte;
}

static uint64_t pit_read(void *opaque, hwaddr addr, unsigned size)
{
    PitState *s = opaque;
    uint8_t val;

    if (addr == PIT_PORT_CTRL) {
        ks_log_mask(LOG_GUEST_ERROR, "i8254: read of the control word "
                    "register\n");
        return 0xff;
    }
    val = pit_read_count(&s->ch[addr], clock_ns(CLOCK_VIRTUAL));
    ks_trace(pit, "read counter %" PRIu64 " -> 0x%02x", addr, val);
    return val;
}

static void pit_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PitState *s = opaque;
    int64_t now = clock_ns(CLOCK_VIRTUAL);

    ks_trace(pit, "write port %" PRIu64 " value 0x%02x", addr, (uint8_t)val);
    if (addr == PIT_PORT_CTRL) {
        pit_write_control(s, val, now);
    } else {
        pit_write_count(&s->ch[addr], val, now);
    }
    pit_update_irq(s, now);
}

static uint64_t port61_read(void *opaque, hwaddr addr, unsigned size)
{
    PitState *s = opaque;
    int64_t now = clock_ns(CLOCK_VIRTUAL);
    uint8_t val = s->port61_bits | s->ch[2].gate;

    if ((now / PIT_REFRESH_NS) & 1) {
        val |= PORT61_REFRESH;
    }
    if (pit_out(&s->ch[2], now)) {
        val |= PORT61_OUT2;
    }
    return val;
}

static void port61_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    PitState *s = opaque;

    ks_trace(pit, "port 0x61 <- 0x%02x", (uint8_t)val);
    s->port61_bits = val & PORT61_RW_MASK & ~PORT61_GATE2;
    pit_set_gate(&s->ch[2], val & PORT61_GATE2, clock_ns(CLOCK_VIRTUAL));
}

static const MemRegionOps pit_ops = {
    .read = pit_read,
    .write = pit_write,
    .min_access = 1,
    .max_access = 1,
};

static const MemRegionOps port61_ops = {
    .read = port61_read,
    .write = port61_write,
    .min_access = 1,
    .max_access = 1,
};

static void pit_reset(Device *dev)
{
    PitState *s = container_of(dev, PitState, dev);
    int64_t now = clock_ns(CLOCK_VIRTUAL);

    for (int i = 0; i < 3; i++) {
        PitChannel *ch = &s->ch[i];

        *ch = (PitChannel) { .mode = 3, .rw = PIT_RW_LSB_MSB,
                             .gate = i != 2, .switch_ns = -1,
                             .frozen_out = true };
        pit_load(ch, 0, now);
    }
    s->port61_bits = 0;
    pit_update_irq(s, now);
}

static bool pit_realize(Device *dev, GError **errp)
{
    PitState *s = container_of(dev, PitState, dev);

    mr_init_io(&s->io, &pit_ops, s, "pit", 4);
    mr_init_io(&s->port61, &port61_ops, s, "port61", 1);
    isa_init_region(dev, &s->io, 0);
    isa_init_region(dev, &s->port61, PIT_PORT61_OFFSET);
    dev_init_irq_out(dev, &s->irq0, 1);
    s->edge_timer = timer_new_ns(CLOCK_VIRTUAL, pit_edge_cb, s);
    return true;
}

static void pit_unrealize(Device *dev)
{
    PitState *s = container_of(dev, PitState, dev);

    isa_unplug(dev);
    timer_free(s->edge_timer);
}

static const PropDesc pit_props[] = {
    DEV_PROP(PitState, iobase, "iobase", PROP_U16, "0x40",
             "first port; port 0x61 sits 0x21 above it"),
    DEV_PROP(PitState, irq, "irq", PROP_U8, "0", "ISA IRQ of OUT0"),
    DEV_PROP_END,
};

static const DeviceType pit_type = {
    .name = "isa-pit",
    .desc = "8254 interval timer with port 0x61",
    .bus = "isa",
    .instance_size = sizeof(PitState),
    .realize = pit_realize,
    .reset = pit_reset,
    .unrealize = pit_unrealize,
    .props = pit_props,
};
DEVICE_TYPE_REGISTER(pit_type);
