/* SPDX-License-Identifier: MIT */
/*
 * Intel 8254 programmable interval timer (ISA ports 0x40-0x43) and the
 * PC's port 0x61 (channel 2 gate, speaker data, refresh toggle, OUT2).
 *
 * Three 16-bit counters at 1.193182 MHz. Counts and OUT levels are
 * computed on demand from the virtual clock, never ticked; a timer fires
 * only at the next OUT0 transition, which drives ISA IRQ 0. Channel 1 (DRAM
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

#define PIT_FREQ            1193182     /* Hz */
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

typedef struct PitChannel {
    uint32_t reload;                    /* last count written (binary) */
    uint32_t count;                     /* N of the running cycle */
    int64_t load_ns;                    /* virtual time of tick 0 */
    int64_t switch_ns;                  /* modes 2/3: reload starts; -1 */
    uint64_t frozen_ticks;              /* modes 0/4: ticks done at gate low */
    uint32_t frozen_value;              /* count while not counting */
    bool frozen_out;                    /* OUT while not counting */
    bool counting;
    bool loaded;                        /* count written since control word */
    bool armed;                         /* modes 1/5: count awaits a trigger */
    bool gate;
    uint8_t mode;                       /* 0..5 */
    uint8_t rw;                         /* PIT_RW_* */
    bool bcd;
    bool write_msb;                     /* LSB/MSB: the MSB comes next */
    uint8_t write_lsb;
    bool read_msb;
    bool count_latched;
    uint16_t latched;
    bool status_latched;
    uint8_t status;
} PitChannel;

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

static uint64_t pit_ticks(int64_t from, int64_t to)
{
    if (to <= from) {
        return 0;
    }
    return (unsigned __int128)(to - from) * PIT_FREQ / NANOSECONDS_PER_SECOND;
}

/* The first virtual time at which tick k (from load) has happened. */
static int64_t pit_tick_ns(int64_t load, uint64_t k)
{
    unsigned __int128 ns = (unsigned __int128)k * NANOSECONDS_PER_SECOND;

    return load + (int64_t)((ns + PIT_FREQ - 1) / PIT_FREQ);
}

static uint16_t pit_to_bcd(uint32_t v)
{
    return (v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
           (v / 1000 % 10) << 12;
}

static uint32_t pit_from_bcd(uint16_t v)
{
    return (v & 0xf) + (v >> 4 & 0xf) * 10 + (v >> 8 & 0xf) * 100 +
           (v >> 12 & 0xf) * 1000;
}

/* Modes 2/3: a count written while counting starts at the cycle's end. */
static void pit_settle(PitChannel *ch, int64_t now)
{
    if (ch->switch_ns >= 0 && now >= ch->switch_ns) {
        ch->count = ch->reload;
        ch->load_ns = ch->switch_ns;
        ch->switch_ns = -1;
    }
}

/* Count (binary, 1..0x10000) and OUT at time now. */
static void pit_state_at(PitChannel *ch, int64_t now, uint32_t *value,
                         bool *out)
{
    uint32_t mod = ch->bcd ? 10000 : 0x10000;
    uint64_t n, d, r;

    pit_settle(ch, now);
    if (!ch->counting) {
        *value = ch->frozen_value;
        *out = ch->frozen_out;
        return;
    }
    n = ch->count;
    d = pit_ticks(ch->load_ns, now);
    r = d % n;
    switch (ch->mode) {
    case 0:
    case 1:
        *value = (n + mod - d % mod) % mod;
        *out = d >= n;
        break;
    case 2:
        *value = n - r;
        *out = r != n - 1;
        break;
    case 3:
        *value = n - (2 * r) % n;
        *out = r < (n + 1) / 2;
        break;
    default:                            /* 4, 5: strobe at terminal count */
        *value = (n + mod - d % mod) % mod;
        *out = d != n;
        break;
    }
}

static bool pit_out(PitChannel *ch, int64_t now)
{
    uint32_t value;
    bool out;

    pit_state_at(ch, now, &value, &out);
    return out;
}

/* The 16 bits a read returns (BCD-coded in BCD mode). */
static uint16_t pit_read_value(PitChannel *ch, int64_t now)
{
    uint32_t value;
    bool out;

    pit_state_at(ch, now, &value, &out);
    return ch->bcd ? pit_to_bcd(value % 10000) : value;
}

/* Stop counting, keeping what the pins show now. */
static void pit_freeze(PitChannel *ch, int64_t now)
{
    uint32_t value;
    bool out;

    pit_state_at(ch, now, &value, &out);
    if (ch->counting) {
        ch->frozen_ticks = pit_ticks(ch->load_ns, now);
    }
    ch->frozen_value = value;
    ch->frozen_out = out;
    ch->counting = false;
    ch->switch_ns = -1;
}

static void pit_start(PitChannel *ch, int64_t now)
{
    ch->count = ch->reload;
    ch->load_ns = now;
    ch->counting = true;
    ch->armed = false;
    ch->switch_ns = -1;
}

/* The next virtual time after now at which OUT changes, or -1. */
static int64_t pit_next_edge(PitChannel *ch, int64_t now)
{
    uint64_t n = ch->count, d, r, next;

    if (!ch->counting) {
        return -1;
    }
    d = pit_ticks(ch->load_ns, now);
    r = d % n;
    switch (ch->mode) {
    case 0:
    case 1:
        if (d >= n) {
            return -1;
        }
        next = n;
        break;
    case 2:
        if (n < 2) {
            return -1;
        }
        next = d - r + (r < n - 1 ? n - 1 : n);
        break;
    case 3:
        if (n < 2) {
            return -1;
        }
        next = d - r + (r < (n + 1) / 2 ? (n + 1) / 2 : n);
        break;
    default:
        if (d > n) {
            return -1;
        }
        next = d < n ? n : n + 1;
        break;
    }
    return pit_tick_ns(ch->load_ns, next);
}

/* Drive IRQ 0 from OUT0 at time t and arm the timer for its next edge. */
static void pit_update_irq(PitState *s, int64_t t)
{
    PitChannel *ch = &s->ch[0];
    int out = pit_out(ch, t);
    int64_t next;

    if (out != s->irq0.level) {
        ks_trace(pit, "OUT0 %d at %" PRId64 " ns", out, t);
        irq_set(&s->irq0, out);
    }
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

static void pit_edge_cb(void *opaque)
{
    PitState *s = opaque;

    /* evaluate at the edge itself, even if the clock ran past it */
    pit_update_irq(s, s->edge_due);
}

static void pit_set_gate(PitChannel *ch, bool gate, int64_t now)
{
    if (gate == ch->gate) {
        return;
    }
    ch->gate = gate;
    if (!ch->loaded) {
        return;
    }
    switch (ch->mode) {
    case 0:
    case 4:
        if (!gate) {
            pit_freeze(ch, now);
        } else if (!ch->counting) {
            /* a count written while the gate was low starts here */
            ch->count = ch->reload;
            ch->load_ns = now - (pit_tick_ns(0, ch->frozen_ticks));
            ch->counting = true;
        }
        break;
    case 2:
    case 3:
        if (!gate) {
            pit_freeze(ch, now);
            ch->frozen_out = true;      /* gate low forces OUT high */
        } else {
            pit_start(ch, now);
        }
        break;
    default:                            /* 1, 5: a rising edge triggers */
        if (gate) {
            pit_start(ch, now);
        }
        break;
    }
}

static void pit_load(PitChannel *ch, uint16_t raw, int64_t now)
{
    uint32_t n = ch->bcd ? pit_from_bcd(raw) : raw;

    if (ch->bcd && raw != pit_to_bcd(n)) {
        ks_log_mask(LOG_GUEST_ERROR, "i8254: count 0x%04x is not BCD\n",
                    raw);
    }
    if (n == 0) {
        n = ch->bcd ? 10000 : 0x10000;
    }
    ch->reload = n;
    switch (ch->mode) {
    case 0:
    case 4:
        ch->loaded = true;
        if (ch->gate) {
            pit_start(ch, now);
        } else {
            ch->frozen_ticks = 0;
            ch->frozen_value = n;
            ch->frozen_out = ch->mode == 4;
        }
        break;
    case 2:
    case 3:
        if (ch->counting) {
            uint64_t d = pit_ticks(ch->load_ns, now);

            ch->switch_ns = pit_tick_ns(ch->load_ns,
                                        (d / ch->count + 1) * ch->count);
        } else {
            ch->loaded = true;
            if (ch->gate) {
                pit_start(ch, now);
            }
        }
        break;
    default:                            /* 1, 5: wait for the trigger */
        ch->loaded = true;
        ch->armed = !ch->counting;
        break;
    }
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
