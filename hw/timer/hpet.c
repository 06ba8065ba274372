/* SPDX-License-Identifier: MIT */
/*
 * HPET: the IA-PC high precision event timer block, as QEMU's pc has it
 * at 0xFED00000: a 64-bit main counter at 100 MHz (period 10 ns) and three
 * comparators (timer block ID 0x8086a201, which SeaBIOS copies into its
 * ACPI HPET table after probing the ID and period registers).
 *
 * The counter is computed from the virtual clock on read; each enabled
 * comparator arms one Timer for its next match. Timers are one-shot or
 * periodic, 64- or 32-bit (32-bit: the comparator and the match wrap at
 * 2^32), edge (a pulse) or level (held until the guest clears its bit in
 * the interrupt status register). Output line n of the device is GSI n;
 * hw/i386/pc-apic.c wires lines 0-15 to the ISA IRQs (8259 and I/O APIC)
 * and 16-23 to the I/O APIC. Legacy replacement routes timer 0 to IRQ 0
 * and timer 1 to IRQ 8.
 * Ref: IA-PC HPET specification 1.0a (Intel, 2004), 2.3 (registers),
 * 2.3.9 (timer configuration), 2.4.5 (periodic mode).
 * Missing: FSB (MSI) delivery; legacy replacement shares IRQ 0/8 with the
 * 8254 and the RTC instead of cutting their lines (Linux stops the 8254
 * when it moves to the HPET); the 32-bit counter mode of the whole block
 * (COUNT_SIZE_CAP is 1).
 */
#include "kestrel/osdep.h"
#include "kestrel/apic.h"
#include "kestrel/log.h"
#include "kestrel/timer.h"

#define HPET_NR_TIMERS          3
#define HPET_NR_LINES           24
#define HPET_PERIOD_FS          10000000ull     /* 10 ns: 100 MHz */
#define HPET_TICK_NS            10
#define HPET_CAP_LOW            0x8086a201u     /* vendor, legacy, 64-bit,
                                                 * 3 timers, revision 1 */
#define HPET_CFG_ENABLE         (1u << 0)
#define HPET_CFG_LEGACY         (1u << 1)

#define TN_LEVEL                (1u << 1)
#define TN_ENABLE               (1u << 2)
#define TN_PERIODIC             (1u << 3)
#define TN_PER_CAP              (1u << 4)
#define TN_SIZE_CAP             (1u << 5)
#define TN_SETVAL               (1u << 6)
#define TN_32BIT                (1u << 8)
#define TN_ROUTE_SHIFT          9
#define TN_CFG_WMASK            0x3f4eull       /* writable config bits */
#define TN_ROUTE_CAP            0x00f00000ull   /* GSIs 20-23 */

KS_TRACE_DEFINE(hpet);

typedef struct HpetTimer {
    struct HpetState *s;
    int n;
    uint64_t config;
    uint64_t cmp;                       /* comparator */
    uint64_t period;                    /* periodic: ticks per period */
    Timer *timer;
} HpetTimer;

typedef struct HpetState {
    Device dev;
    MemRegion mmio;
    IrqLine out[HPET_NR_LINES];
    uint64_t config;
    uint64_t isr;                       /* level interrupt status */
    uint64_t counter;                   /* while disabled; base otherwise */
    int64_t base_ns;                    /* virtual time of `counter` */
    HpetTimer t[HPET_NR_TIMERS];
} HpetState;

static bool hpet_enabled(HpetState *s)
{
    return s->config & HPET_CFG_ENABLE;
}

static uint64_t hpet_counter(HpetState *s, int64_t now)
{
    if (!hpet_enabled(s)) {
        return s->counter;
    }
    return s->counter + (uint64_t)(now - s->base_ns) / HPET_TICK_NS;
}

/* The GSI timer n drives. */
static int hpet_line(HpetTimer *t)
{
    if ((t->s->config & HPET_CFG_LEGACY) && t->n < 2) {
        return t->n ? 8 : 0;
    }
    return (t->config >> TN_ROUTE_SHIFT) & 0x1f;
}

static void hpet_timer_arm(HpetTimer *t, int64_t now)
{
    HpetState *s = t->s;
    uint64_t cnt = hpet_counter(s, now), delta;

    if (!hpet_enabled(s) || !(t->config & TN_ENABLE)) {
        timer_del(t->timer);
        return;
    }
    if (t->config & TN_32BIT) {
        delta = (uint32_t)((uint32_t)t->cmp - (uint32_t)cnt);
    } else {
        delta = t->cmp - cnt;
    }
    if (!delta) {
        delta = (t->config & TN_32BIT) ? 1ull << 32 : UINT64_MAX / 2;
    }
    delta = MIN(delta, (uint64_t)INT64_MAX / (2 * HPET_TICK_NS));
    timer_mod_ns(t->timer, now + (int64_t)delta * HPET_TICK_NS -
                 (int64_t)((now - s->base_ns) % HPET_TICK_NS));
}

static void hpet_timer_cb(void *opaque)
{
    HpetTimer *t = opaque;
    HpetState *s = t->s;
    int line = hpet_line(t);

    ks_trace(hpet, "timer %d fires on GSI %d", t->n, line);
    if (t->config & TN_LEVEL) {
        s->isr |= 1u << t->n;
        irq_raise(&s->out[line]);
    } else {
        irq_pulse(&s->out[line]);
    }
    if ((t->config & TN_PERIODIC) && t->period) {
        uint64_t cnt = hpet_counter(s, clock_ns(CLOCK_VIRTUAL));
        uint64_t mask = (t->config & TN_32BIT) ? UINT32_MAX : UINT64_MAX;

        uint64_t behind = (cnt - t->cmp) & mask;   /* since the match */

        /* the next match ahead of the counter: a late callback skips the
         * periods it missed rather than waiting for a counter wrap */
        t->cmp = (t->cmp + (behind / t->period + 1) * t->period) & mask;
        hpet_timer_arm(t, clock_ns(CLOCK_VIRTUAL));
    }
}

/* ---- registers: 64-bit values, accessed in 32-bit halves too ---- */

static uint64_t hpet_reg_read(HpetState *s, hwaddr reg)
{
    int64_t now = clock_ns(CLOCK_VIRTUAL);

    if (reg >= 0x100 && reg < 0x100 + 0x20 * HPET_NR_TIMERS) {
        HpetTimer *t = &s->t[(reg - 0x100) / 0x20];

        switch (reg & 0x1f) {
        case 0x00:
            return t->config | TN_PER_CAP | TN_SIZE_CAP |
                   (TN_ROUTE_CAP << 32);
        case 0x08:
            return t->cmp;
        default:
            return 0;                   /* FSB route: not implemented */
        }
    }
    switch (reg) {
    case 0x000:
        return HPET_CAP_LOW | HPET_PERIOD_FS << 32;
    case 0x010:
        return s->config;
    case 0x020:
        return s->isr;
    case 0x0f0:
        return hpet_counter(s, now);
    default:
        return 0;
    }
}

static void hpet_timer_write_config(HpetTimer *t, uint64_t val)
{
    HpetState *s = t->s;
    int old_line = hpet_line(t);

    t->config = (t->config & ~TN_CFG_WMASK) | (val & TN_CFG_WMASK);
    if ((t->config & TN_ENABLE) && !(TN_ROUTE_CAP & (1ull << hpet_line(t)))
        && !((s->config & HPET_CFG_LEGACY) && t->n < 2)) {
        ks_log_mask(LOG_GUEST_ERROR, "hpet: timer %d routed to GSI %d, "
                    "not in its capability\n", t->n, hpet_line(t));
    }
    if ((!(t->config & TN_LEVEL) || hpet_line(t) != old_line) &&
        (s->isr & (1u << t->n))) {
        s->isr &= ~(1u << t->n);
        irq_lower(&s->out[old_line]);
    }
    if (t->config & TN_32BIT) {
        t->cmp = (uint32_t)t->cmp;
    }
}

static void hpet_timer_write_cmp(HpetTimer *t, uint64_t val)
{
    if (t->config & TN_32BIT) {
        val = (uint32_t)val;
    }
    if (!(t->config & TN_PERIODIC) || (t->config & TN_SETVAL)) {
        t->cmp = val;
    }
    t->period = val;
    t->config &= ~TN_SETVAL;
}

static void hpet_reg_write(HpetState *s, hwaddr reg, uint64_t val)
{
    int64_t now = clock_ns(CLOCK_VIRTUAL);

    if (reg >= 0x100 && reg < 0x100 + 0x20 * HPET_NR_TIMERS) {
        HpetTimer *t = &s->t[(reg - 0x100) / 0x20];

        if ((reg & 0x1f) == 0x00) {
            hpet_timer_write_config(t, val);
        } else if ((reg & 0x1f) == 0x08) {
            hpet_timer_write_cmp(t, val);
        }
        hpet_timer_arm(t, now);
        return;
    }
    switch (reg) {
    case 0x010:
        s->counter = hpet_counter(s, now);
        s->base_ns = now;
        s->config = val & (HPET_CFG_ENABLE | HPET_CFG_LEGACY);
        break;
    case 0x020:
        for (int n = 0; n < HPET_NR_TIMERS; n++) {
            if (val & s->isr & (1u << n)) {
                s->isr &= ~(1u << n);
                irq_lower(&s->out[hpet_line(&s->t[n])]);
            }
        }
        return;
    case 0x0f0:
        if (hpet_enabled(s)) {
            ks_log_mask(LOG_GUEST_ERROR, "hpet: main counter written "
                        "while counting\n");
        }
        s->counter = val;
        s->base_ns = now;
        break;
    default:
        return;                         /* read-only or reserved */
    }
    for (int n = 0; n < HPET_NR_TIMERS; n++) {
        hpet_timer_arm(&s->t[n], now);
    }
}

static uint64_t hpet_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t val = hpet_reg_read(opaque, addr & ~7ull);

    return size == 8 ? val : val >> ((addr & 4) * 8);
}

static void hpet_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    HpetState *s = opaque;
    hwaddr reg = addr & ~7ull;

    ks_trace(hpet, "write 0x%03x = 0x%" PRIx64 " (%u bytes)",
             (unsigned)addr, val, size);
    if (size != 8) {
        uint64_t old = hpet_reg_read(s, reg);
        unsigned shift = (addr & 4) * 8;

        if (reg == 0x020) {
            old = 0;                    /* write-1-to-clear */
        }
        val = (old & ~(0xffffffffull << shift)) |
              ((val & 0xffffffffull) << shift);
    }
    hpet_reg_write(s, reg, val);
}

static const MemRegionOps hpet_ops = {
    .read = hpet_mmio_read,
    .write = hpet_mmio_write,
    .min_access = 4,
    .max_access = 8,
};

static void hpet_reset(Device *dev)
{
    HpetState *s = container_of(dev, HpetState, dev);

    for (int n = 0; n < HPET_NR_TIMERS; n++) {
        HpetTimer *t = &s->t[n];

        timer_del(t->timer);
        t->config = 0;
        t->cmp = UINT64_MAX;
        t->period = 0;
    }
    for (int i = 0; i < HPET_NR_LINES; i++) {
        if (s->out[i].level) {
            irq_lower(&s->out[i]);
        }
    }
    s->config = s->isr = s->counter = 0;
    s->base_ns = clock_ns(CLOCK_VIRTUAL);
}

static bool hpet_realize(Device *dev, GError **errp)
{
    HpetState *s = container_of(dev, HpetState, dev);

    mr_init_io(&s->mmio, &hpet_ops, s, "hpet", 0x400);
    dev_init_region(dev, &s->mmio);
    dev_init_irq_out(dev, s->out, HPET_NR_LINES);
    for (int n = 0; n < HPET_NR_TIMERS; n++) {
        s->t[n].s = s;
        s->t[n].n = n;
        s->t[n].timer = timer_new_ns(CLOCK_VIRTUAL, hpet_timer_cb, &s->t[n]);
    }
    hpet_reset(dev);
    return true;
}

static void hpet_unrealize(Device *dev)
{
    HpetState *s = container_of(dev, HpetState, dev);

    as_unmap(&s->mmio);
    for (int n = 0; n < HPET_NR_TIMERS; n++) {
        timer_free(s->t[n].timer);
    }
}

static const DeviceType hpet_type = {
    .name = "hpet",
    .desc = "HPET: 100 MHz counter, 3 timers",
    .instance_size = sizeof(HpetState),
    .realize = hpet_realize,
    .reset = hpet_reset,
    .unrealize = hpet_unrealize,
};
DEVICE_TYPE_REGISTER(hpet_type);
