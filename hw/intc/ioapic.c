/* SPDX-License-Identifier: MIT */
/*
 * Intel 82093AA I/O APIC: 24 interrupt inputs, each with a 64-bit
 * redirection entry that turns an input into an APIC bus message
 * (apic_bus_deliver in hw/intc/apic.c).
 *
 * MMIO (the board maps it at 0xFEC00000): IOREGSEL at 0x00 selects a
 * register, IOWIN at 0x10 reads or writes it. Registers: 0x00 ID, 0x01
 * version (0x20, maximum redirection entry 23), 0x02 arbitration ID,
 * 0x10 + 2n / 0x11 + 2n the low/high halves of entry n. Edge-triggered
 * inputs send on a rising edge; level-triggered ones send while asserted
 * and set remote IRR until a local APIC's EOI for the vector comes back
 * (ioapic_eoi_broadcast). hw/i386/pc.c wires ISA IRQ 0 to pin 2 and the
 * other ISA IRQs to pins of the same number, and PIRQA-D to pins 16-19.
 * Ref: Intel 82093AA datasheet (290566), 3.0 "Register description",
 * 3.2.4 "IOREDTBL".
 * Missing: the polarity bit is stored but inputs are taken as already
 * active-high (the board drives asserted = 1, as QEMU does); ExtINT
 * delivery through an entry (logged); the IRQ pin assertion register.
 */
#include "kestrel/osdep.h"
#include "kestrel/apic.h"
#include "kestrel/log.h"

#define IOAPIC_NR_PINS          24
#define IOAPIC_VERSION          0x00170020  /* 24 entries, version 0x20 */
#define IOAPIC_REG_ID           0x00
#define IOAPIC_REG_VER          0x01
#define IOAPIC_REG_ARB          0x02
#define IOAPIC_REG_REDTBL       0x10

#define RTE_VECTOR              0xffull
#define RTE_DM_SHIFT            8
#define RTE_DEST_LOGICAL        (1ull << 11)
#define RTE_DELIV_STATUS        (1ull << 12)
#define RTE_POLARITY_LOW        (1ull << 13)
#define RTE_REMOTE_IRR          (1ull << 14)
#define RTE_TRIGGER_LEVEL       (1ull << 15)
#define RTE_MASKED              (1ull << 16)
#define RTE_DEST_SHIFT          56
/* bits software may write: all but delivery status and remote IRR */
#define RTE_WMASK               (0xff00000000000000ull | 0x1afffull)

KS_TRACE_DEFINE(ioapic);

typedef struct IoapicState {
    Device dev;
    MemRegion mmio;
    uint8_t id;                         /* property "id" */
    uint8_t regsel;
    uint64_t rte[IOAPIC_NR_PINS];
    uint32_t level;                     /* input pins asserted, a bit each */
} IoapicState;

static GPtrArray *ioapics;              /* for the EOI broadcast */

/* Send entry n's message when its input calls for one. */
static void ioapic_service(IoapicState *s, int n)
{
    uint64_t e = s->rte[n];
    unsigned dm = (e >> RTE_DM_SHIFT) & 7;
    bool level = e & RTE_TRIGGER_LEVEL;

    if ((e & RTE_MASKED) || !(s->level & (1u << n)) ||
        (level && (e & RTE_REMOTE_IRR))) {
        return;
    }
    if (dm == APIC_DM_EXTINT || dm == APIC_DM_SIPI || dm == 3) {
        ks_log_mask(LOG_UNIMP | LOG_GUEST_ERROR, "ioapic: pin %d delivery "
                    "mode %u not supported\n", n, dm);
        return;
    }
    if (level) {
        s->rte[n] |= RTE_REMOTE_IRR;
    }
    ks_trace(ioapic, "pin %d -> vector 0x%02x dest 0x%02x%s", n,
             (unsigned)(e & RTE_VECTOR), (unsigned)(e >> RTE_DEST_SHIFT),
             level ? " level" : "");
    apic_bus_deliver(e >> RTE_DEST_SHIFT, e & RTE_DEST_LOGICAL, dm,
                     e & RTE_VECTOR, level);
}

static void ioapic_set_irq(void *opaque, int n, int level)
{
    IoapicState *s = container_of((Device *)opaque, IoapicState, dev);
    uint32_t bit = 1u << n;
    bool rising = level && !(s->level & bit);

    s->level = level ? s->level | bit : s->level & ~bit;
    if (rising || (level && (s->rte[n] & RTE_TRIGGER_LEVEL))) {
        ioapic_service(s, n);
    }
}

void ioapic_eoi_broadcast(uint8_t vector)
{
    for (guint i = 0; ioapics && i < ioapics->len; i++) {
        IoapicState *s = ioapics->pdata[i];

        for (int n = 0; n < IOAPIC_NR_PINS; n++) {
            uint64_t e = s->rte[n];

            if ((e & RTE_VECTOR) == vector && (e & RTE_REMOTE_IRR)) {
                s->rte[n] &= ~RTE_REMOTE_IRR;
                if (e & RTE_TRIGGER_LEVEL) {
                    ioapic_service(s, n);   /* still asserted: again */
                }
            }
        }
    }
}

static uint32_t ioapic_reg_read(IoapicState *s)
{
    unsigned r = s->regsel;

    switch (r) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:
        return (uint32_t)(s->id & 0xf) << 24;
    case IOAPIC_REG_VER:
        return IOAPIC_VERSION;
    default:
        if (r >= IOAPIC_REG_REDTBL && r < IOAPIC_REG_REDTBL +
            2 * IOAPIC_NR_PINS) {
            uint64_t e = s->rte[(r - IOAPIC_REG_REDTBL) / 2];
            return (r & 1) ? e >> 32 : (uint32_t)e;
        }
        ks_log_mask(LOG_GUEST_ERROR, "ioapic: read of register 0x%02x\n", r);
        return 0;
    }
}

static void ioapic_reg_write(IoapicState *s, uint32_t val)
{
    unsigned r = s->regsel, n;
    uint64_t e;

    if (r == IOAPIC_REG_ID) {
        s->id = (val >> 24) & 0xf;
        return;
    }
    if (r < IOAPIC_REG_REDTBL || r >= IOAPIC_REG_REDTBL +
        2 * IOAPIC_NR_PINS) {
        ks_log_mask(LOG_GUEST_ERROR, "ioapic: write of register 0x%02x\n",
                    r);
        return;
    }
    n = (r - IOAPIC_REG_REDTBL) / 2;
    e = s->rte[n];
    if (r & 1) {
        e = (e & 0xffffffffull) | (uint64_t)val << 32;
    } else {
        e = (e & ~0xffffffffull) | val;
    }
    s->rte[n] = (e & RTE_WMASK) | (s->rte[n] & ~RTE_WMASK);
    if (!(s->rte[n] & RTE_TRIGGER_LEVEL)) {
        s->rte[n] &= ~RTE_REMOTE_IRR;
    }
    ks_trace(ioapic, "entry %u = 0x%016" PRIx64, n, s->rte[n]);
    if (s->rte[n] & RTE_TRIGGER_LEVEL) {
        ioapic_service(s, n);           /* unmasked while asserted */
    }
}

static uint64_t ioapic_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    IoapicState *s = opaque;

    switch (addr & 0xff) {
    case 0x00:
        return s->regsel;
    case 0x10:
        return ioapic_reg_read(s);
    default:
        return 0;
    }
}

static void ioapic_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    IoapicState *s = opaque;

    switch (addr & 0xff) {
    case 0x00:
        s->regsel = val;
        break;
    case 0x10:
        ioapic_reg_write(s, val);
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "ioapic: write at 0x%02x\n",
                    (unsigned)addr);
        break;
    }
}

static const MemRegionOps ioapic_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .min_access = 4,
    .max_access = 4,
};

static void ioapic_reset(Device *dev)
{
    IoapicState *s = container_of(dev, IoapicState, dev);

    s->regsel = 0;
    for (int n = 0; n < IOAPIC_NR_PINS; n++) {
        s->rte[n] = RTE_MASKED;
    }
}

static bool ioapic_realize(Device *dev, GError **errp)
{
    IoapicState *s = container_of(dev, IoapicState, dev);

    mr_init_io(&s->mmio, &ioapic_ops, s, "ioapic", 0x1000);
    dev_init_region(dev, &s->mmio);
    dev_init_irq_in(dev, ioapic_set_irq, IOAPIC_NR_PINS);
    if (!ioapics) {
        ioapics = g_ptr_array_new();
    }
    g_ptr_array_add(ioapics, s);
    ioapic_reset(dev);
    return true;
}

static void ioapic_unrealize(Device *dev)
{
    IoapicState *s = container_of(dev, IoapicState, dev);

    g_ptr_array_remove(ioapics, s);
    as_unmap(&s->mmio);
}

static const PropDesc ioapic_props[] = {
    DEV_PROP(IoapicState, id, "id", PROP_U8, "0", "I/O APIC ID"),
    DEV_PROP_END,
};

static const DeviceType ioapic_type = {
    .name = "ioapic",
    .desc = "Intel 82093AA I/O APIC (24 inputs)",
    .instance_size = sizeof(IoapicState),
    .realize = ioapic_realize,
    .reset = ioapic_reset,
    .unrealize = ioapic_unrealize,
    .props = ioapic_props,
};
DEVICE_TYPE_REGISTER(ioapic_type);
