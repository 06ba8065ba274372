/* SPDX-License-Identifier: MIT */
/*
 * The local APIC of one vCPU (xAPIC, MMIO at the IA32_APIC_BASE address).
 *
 * Registers: ID, version 0x50014 (six LVT entries), TPR/APR/PPR, EOI,
 * LDR/DFR, SVR, ISR/TMR/IRR (256 bits each), ESR, ICR, the LVT (timer,
 * thermal, performance, LINT0, LINT1, error) and the timer's initial
 * count, current count and divide configuration. The timer counts the
 * virtual clock at 1 tick per ns (a 1 GHz bus clock, as QEMU) divided by
 * 1..128; the current count is computed on read, a Timer fires only at
 * expiry. Every realized local APIC is on the APIC bus (a list here), which
 * carries IPIs from the ICR and the I/O APIC's messages (apic_bus_deliver).
 *
 * The register file is hw/intc/apic-regs.c, the state hw/intc/apic-int.h.
 * The device knows nothing of the CPU: hw/i386/pc-apic.c wires its output
 * lines (INTR level, NMI/INIT/SMI pulses, SIPI with a vector) to a vCPU,
 * maps the per-vCPU window at the APIC base, and routes the CPU's INTA
 * cycle and MSR 0x1b here. LINT0 is the 8259's INTR, LINT1 the NMI line.
 * As on QEMU's pc, the BSP's LINT0 is ExtINT at reset (virtual wire), and
 * ExtINT reaches the CPU while the APIC is software-disabled; with the
 * APIC globally disabled (MSR bit 11 clear, or a CPU without one) LINT0
 * passes straight through as INTR and LINT1 as NMI.
 * Ref: Intel SDM Vol. 3A ch. 10: 10.4 (base, enable), 10.5 (LVT, timer,
 * ESR), 10.6 (ICR, destinations, INIT/SIPI), 10.8 (priorities, EOI), 10.9
 * (spurious vector).
 * Missing: x2APIC, TSC-deadline timer mode (logged), focus processor
 * checks, arbitration priority (lowest priority picks the lowest TPR),
 * thermal and performance counter sources (their LVTs are storage).
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "hw/intc/apic-int.h"

KS_TRACE_DEFINE(apic);

static GPtrArray *apic_bus;             /* realized ApicState, by creation */

/* ---- priorities and the INTR line ---- */

bool apic_hw_enabled(ApicState *s)
{
    return !s->absent && (s->base & MSR_APICBASE_ENABLE);
}

static bool apic_sw_enabled(ApicState *s)
{
    return apic_hw_enabled(s) && (s->svr & SVR_ENABLE);
}

uint32_t apic_ppr(ApicState *s)
{
    int isrv = bit_highest(s->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

    return (s->tpr & 0xf0) >= isr_class ? s->tpr & 0xff : isr_class;
}

/* The IRR vector the CPU may take now, or -1. */
static int apic_deliverable(ApicState *s)
{
    int irrv = bit_highest(s->irr);

    if (!apic_sw_enabled(s) || irrv < 0 ||
        ((uint32_t)irrv & 0xf0) <= (apic_ppr(s) & 0xf0)) {
        return -1;
    }
    return irrv;
}

/* The 8259's INTR counts (virtual wire / through mode). */
static bool apic_extint_pending(ApicState *s)
{
    uint32_t lvt0 = s->lvt[LVT_LINT0];

    if (!s->lint_level[APIC_IN_LINT0]) {
        return false;
    }
    return !apic_hw_enabled(s) ||
           (!(lvt0 & LVT_MASKED) && ((lvt0 >> 8) & 7) == APIC_DM_EXTINT);
}

void apic_update_irq(ApicState *s)
{
    int level = apic_deliverable(s) >= 0 || apic_extint_pending(s);

    if (level != s->out[APIC_OUT_INTR].level) {
        irq_set(&s->out[APIC_OUT_INTR], level);
    }
}


/* Accept a fixed interrupt into the IRR (SDM 10.8.3). */
static void apic_set_irq(ApicState *s, uint8_t vector, bool level)
{
    if (vector < 16) {
        apic_error(s, ESR_RECV_ILLEGAL);
        return;
    }
    bit_set(s->irr, vector, true);
    bit_set(s->tmr, vector, level);
    ks_trace(apic, "%u: accept vector 0x%02x%s", s->id, vector,
             level ? " level" : "");
    apic_update_irq(s);
}

/* One message for this APIC: fixed, SMI, NMI, INIT, SIPI, ExtINT. */
static void apic_init_reset(ApicState *s);

static void apic_accept(ApicState *s, unsigned dm, uint8_t vector,
                        bool level)
{
    switch (dm) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWPRI:
        apic_set_irq(s, vector, level);
        break;
    case APIC_DM_SMI:
        ks_log_mask(LOG_UNIMP, "apic %u: SMI is not implemented\n", s->id);
        irq_pulse(&s->out[APIC_OUT_SMI]);
        break;
    case APIC_DM_NMI:
        irq_pulse(&s->out[APIC_OUT_NMI]);
        break;
    case APIC_DM_INIT:
        apic_init_reset(s);
        irq_pulse(&s->out[APIC_OUT_INIT]);
        break;
    case APIC_DM_SIPI:
        if (s->wait_for_sipi) {
            s->wait_for_sipi = false;
            irq_set(&s->out[APIC_OUT_SIPI], 0x100 | vector);
            irq_set(&s->out[APIC_OUT_SIPI], 0);
        }
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "apic %u: delivery mode %u not "
                    "supported here\n", s->id, dm);
        break;
    }
}

void apic_error(ApicState *s, uint32_t bits)
{
    uint32_t lvt = s->lvt[LVT_ERROR];

    s->esr_pending |= bits;
    ks_log_mask(LOG_GUEST_ERROR, "apic %u: error 0x%02x\n", s->id, bits);
    if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16) {
        apic_set_irq(s, lvt & 0xff, false);
    }
}

/* An LVT source fires (timer, LINT0/1 edge, error). */
static void apic_local_deliver(ApicState *s, int n)
{
    uint32_t lvt = s->lvt[n];
    unsigned dm = (lvt >> 8) & 7;

    if (lvt & LVT_MASKED) {
        return;
    }
    if (n == LVT_TIMER || n == LVT_ERROR || dm == APIC_DM_FIXED) {
        apic_set_irq(s, lvt & 0xff, n >= LVT_LINT0 && (lvt & LVT_LEVEL));
    } else if (dm == APIC_DM_EXTINT) {
        apic_update_irq(s);
    } else {
        apic_accept(s, dm, lvt & 0xff, false);
    }
}

/* ---- the APIC bus ---- */

static bool apic_match(ApicState *s, uint8_t dest, bool logical)
{
    if (!apic_hw_enabled(s)) {
        return false;
    }
    if (!logical) {
        return dest == 0xff || dest == s->id;
    }
    if (dest == 0xff) {
        return true;
    }
    if ((s->dfr >> 28) == 0xf) {                    /* flat model */
        return (s->ldr >> 24) & dest;
    }
    return (dest >> 4) == (s->ldr >> 28) &&         /* cluster model */
           (dest & (s->ldr >> 24) & 0xf);
}

void apic_bus_deliver(uint8_t dest, bool logical, unsigned delivery_mode,
                      uint8_t vector, bool level)
{
    ApicState *lowest = NULL;

    for (guint i = 0; apic_bus && i < apic_bus->len; i++) {
        ApicState *s = apic_bus->pdata[i];

        if (!apic_match(s, dest, logical)) {
            continue;
        }
        if (delivery_mode != APIC_DM_LOWPRI) {
            apic_accept(s, delivery_mode, vector, level);
        } else if (!lowest || s->tpr < lowest->tpr) {
            lowest = s;
        }
    }
    if (lowest) {
        apic_accept(lowest, APIC_DM_FIXED, vector, level);
    }
}

/* A write to ICR low sends the IPI (SDM 10.6.1). */
void apic_send_ipi(ApicState *s)
{
    uint32_t lo = s->icr[0];
    unsigned dm = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
    uint8_t vector = lo & 0xff, dest = s->icr[1] >> 24;
    bool logical = lo & ICR_DEST_LOGICAL;

    ks_trace(apic, "%u: IPI icr 0x%08x:%08x", s->id, s->icr[1], lo);
    if (dm == APIC_DM_INIT && !(lo & ICR_LEVEL_ASSERT) &&
        (lo & ICR_TRIGGER_LEVEL)) {
        return;                         /* INIT level de-assert: no effect */
    }
    if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWPRI) && vector < 16) {
        apic_error(s, ESR_SEND_ILLEGAL);
        return;
    }
    switch (shorthand) {
    case 0:
        apic_bus_deliver(dest, logical, dm, vector, false);
        break;
    case 1:                             /* self */
        apic_accept(s, dm, vector, false);
        break;
    default:                            /* all, 3: excluding self */
        for (guint i = 0; i < apic_bus->len; i++) {
            ApicState *d = apic_bus->pdata[i];

            if ((d != s || shorthand == 2) && apic_hw_enabled(d)) {
                apic_accept(d, dm == APIC_DM_LOWPRI ? APIC_DM_FIXED : dm,
                            vector, false);
            }
        }
        break;
    }
}

/* ---- the timer (SDM 10.5.4) ---- */

uint32_t apic_timer_count(ApicState *s, int64_t now)
{
    uint64_t ticks = (uint64_t)(now - s->load_ns) >> s->count_shift;

    if (!s->initial_count) {
        return 0;
    }
    if (s->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) {
        return s->initial_count - ticks % s->initial_count;
    }
    return ticks >= s->initial_count ? 0 : s->initial_count - ticks;
}

/* Arm the Timer for the next count reaching 0 after @now. */
void apic_timer_arm(ApicState *s, int64_t now)
{
    uint64_t period = (uint64_t)s->initial_count << s->count_shift;
    uint64_t elapsed = now - s->load_ns;

    if (!s->initial_count) {
        timer_del(s->timer);
    } else if (s->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) {
        timer_mod_ns(s->timer, s->load_ns + (elapsed / period + 1) * period);
    } else if (elapsed < period) {
        timer_mod_ns(s->timer, s->load_ns + period);
    } else {
        timer_del(s->timer);
    }
}

static void apic_timer_cb(void *opaque)
{
    ApicState *s = opaque;
    int64_t now = clock_ns(CLOCK_VIRTUAL);

    ks_trace(apic, "%u: timer expired", s->id);
    apic_local_deliver(s, LVT_TIMER);
    if (s->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) {
        apic_timer_arm(s, now);
    }
}

static uint64_t apic_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    ApicState *s = opaque;
    uint32_t val;

    if (!apic_hw_enabled(s)) {
        return ~0ull;
    }
    val = apic_reg_read(s, (addr >> 4) & 0xff);
    return (addr & 0xf) < 4 ? val >> ((addr & 3) * 8) : 0;
}

static void apic_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    ApicState *s = opaque;

    if (!apic_hw_enabled(s)) {
        return;
    }
    if (size != 4 || (addr & 0xf)) {
        ks_log_mask(LOG_GUEST_ERROR, "apic %u: %u-byte write at 0x%03x "
                    "ignored\n", s->id, size, (unsigned)addr);
        return;
    }
    ks_trace(apic, "%u: write 0x%03x = 0x%08x", s->id, (unsigned)addr,
             (uint32_t)val);
    apic_reg_write(s, (addr >> 4) & 0xff, val);
}

static const MemRegionOps apic_mmio_ops = {
    .read = apic_mmio_read,
    .write = apic_mmio_write,
    .min_access = 1,
    .max_access = 4,
};

/* ---- the CPU's side ---- */

int apic_get_interrupt(Device *dev)
{
    ApicState *s = container_of(dev, ApicState, dev);
    int vec = apic_deliverable(s);

    if (vec >= 0) {
        bit_set(s->irr, vec, false);
        bit_set(s->isr, vec, true);
        apic_update_irq(s);
        return vec;
    }
    if (apic_extint_pending(s) && s->pic) {
        return pic_get_interrupt(s->pic);
    }
    return -1;
}

void apic_set_pic(Device *dev, Device *pic)
{
    container_of(dev, ApicState, dev)->pic = pic;
}

uint64_t apic_get_base(Device *dev)
{
    return container_of(dev, ApicState, dev)->base;
}

bool apic_set_base(Device *dev, uint64_t val)
{
    ApicState *s = container_of(dev, ApicState, dev);
    bool was_enabled = apic_hw_enabled(s);

    if (val & ~(MSR_APICBASE_BASE | MSR_APICBASE_ENABLE | MSR_APICBASE_BSP) ||
        (val >> 36)) {
        return false;
    }
    s->base = (val & ~MSR_APICBASE_BSP) | (s->base & MSR_APICBASE_BSP);
    if (was_enabled && !apic_hw_enabled(s)) {
        apic_init_reset(s);             /* SDM 10.4.3: disable resets */
    }
    apic_update_irq(s);
    return true;
}

void apic_set_absent(Device *dev)
{
    ApicState *s = container_of(dev, ApicState, dev);

    s->absent = true;
    s->base = 0;
    apic_update_irq(s);
}

static void apic_lint(void *opaque, int n, int level)
{
    ApicState *s = container_of((Device *)opaque, ApicState, dev);
    bool rising = level && !s->lint_level[n];
    uint32_t lvt = s->lvt[LVT_LINT0 + n];

    s->lint_level[n] = level;
    if (!apic_hw_enabled(s)) {
        if (n == APIC_IN_LINT1 && rising) {
            irq_pulse(&s->out[APIC_OUT_NMI]);
        }
        apic_update_irq(s);
        return;
    }
    if (rising) {
        apic_local_deliver(s, LVT_LINT0 + n);
    } else if (!level && (lvt & LVT_LEVEL) &&
               ((lvt >> 8) & 7) == APIC_DM_FIXED) {
        bit_set(s->irr, lvt & 0xff, false);
    }
    apic_update_irq(s);
}

/* ---- reset, realize ---- */

/* INIT (and the power-up state minus ID and base): SDM 10.4.7.3. */
static void apic_init_reset(ApicState *s)
{
    s->tpr = s->ldr = s->esr = s->esr_pending = 0;
    s->dfr = 0xffffffffu;
    s->svr = 0xff;
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    memset(s->irr, 0, sizeof(s->irr));
    s->icr[0] = s->icr[1] = 0;
    for (int n = 0; n < APIC_NR_LVT; n++) {
        s->lvt[n] = LVT_MASKED;
    }
    s->initial_count = s->divide = 0;
    s->count_shift = 1;
    timer_del(s->timer);
    s->wait_for_sipi = !s->bsp;
    apic_update_irq(s);
}

static void apic_reset(Device *dev)
{
    ApicState *s = container_of(dev, ApicState, dev);

    if (!s->absent) {
        s->base = APIC_DEFAULT_BASE | MSR_APICBASE_ENABLE |
                  (s->bsp ? MSR_APICBASE_BSP : 0);
    }
    apic_init_reset(s);
    if (s->bsp) {
        s->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;    /* virtual wire */
    }
    apic_update_irq(s);
}

static bool apic_realize(Device *dev, GError **errp)
{
    ApicState *s = container_of(dev, ApicState, dev);

    mr_init_io(&s->mmio, &apic_mmio_ops, s, "apic", 0x1000);
    dev_init_region(dev, &s->mmio);
    dev_init_irq_out(dev, s->out, APIC_NR_OUT);
    dev_init_irq_in(dev, apic_lint, APIC_NR_IN);
    s->timer = timer_new_ns(CLOCK_VIRTUAL, apic_timer_cb, s);
    if (!apic_bus) {
        apic_bus = g_ptr_array_new();
    }
    g_ptr_array_add(apic_bus, s);
    apic_reset(dev);
    return true;
}

static void apic_unrealize(Device *dev)
{
    ApicState *s = container_of(dev, ApicState, dev);

    g_ptr_array_remove(apic_bus, s);
    as_unmap(&s->mmio);
    timer_free(s->timer);
}

static const PropDesc apic_props[] = {
    DEV_PROP(ApicState, id, "id", PROP_U8, "0", "local APIC ID"),
    DEV_PROP(ApicState, bsp, "bsp", PROP_BOOL, "false",
             "the bootstrap processor's APIC"),
    DEV_PROP_END,
};

static const DeviceType apic_type = {
    .name = "apic",
    .desc = "local APIC (xAPIC), one per vCPU",
    .instance_size = sizeof(ApicState),
    .realize = apic_realize,
    .reset = apic_reset,
    .unrealize = apic_unrealize,
    .props = apic_props,
};
DEVICE_TYPE_REGISTER(apic_type);
