/* SPDX-License-Identifier: MIT */
/*
 * Intel 82371SB PIIX3, function 0: the PCI-to-ISA bridge at PCI 01.0
 * (8086:7000), and function 1's PCI identity (IDE, 8086:7010).
 *
 * Function 0 routes the four PCI interrupt lines PIRQA#-PIRQD# to ISA
 * IRQs through PIRQRC[A:D] (0x60-0x63), and owns the reset control
 * register at port 0xCF9 (the PCI bus hands it the byte accesses), whose
 * reset pulses irq_out[0], which the board connects to a machine reset. The
 * ELCR at 0x4D0 lives with the 8259 model (hw/intc/i8259.c). hw/i386/pc.c
 * creates it after the host bridge.
 * Ref: Intel 82371FB/82371SB datasheet 290550, 2.2 (PCI configuration
 * registers: PIRQRC, TOM, XBCS), 4.1.1/2.3 (reset control register).
 * Missing: the ISA-side DMA/timer/RTC registers are elsewhere; TOM, XBCS,
 * MBIRQ, APIC base are plain storage; the IDE function has no I/O (the
 * IDE controller model plugs into this identity when it exists).
 */
#include "kestrel/osdep.h"
#include "kestrel/pci.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"

#define PIIX3_IORT              0x4c
#define PIIX3_XBCS              0x4e
#define PIIX3_PIRQRC            0x60    /* 4 registers */
#define PIIX3_TOM               0x69
#define PIIX3_MSTAT             0x6a
#define PIIX3_MBIRQ0            0x70
#define PIIX3_APICBASE          0x80
#define PIIX3_DLC               0x82

#define PIIX3_PIRQ_DISABLE      0x80
#define PIIX3_PIRQ_IRQ_MASK     0x0f
/* IRQs a PIRQ may be routed to: 3-7, 9-12, 14, 15 */
#define PIIX3_PIRQ_VALID_IRQS   0xdef8

#define PIIX3_RCR_SRST          0x02    /* system (hard) reset when RCPU */
#define PIIX3_RCR_RCPU          0x04    /* reset CPU: 0 -> 1 triggers */

KS_TRACE_DEFINE(piix3);

typedef struct Piix3State {
    PciDevice pci;                      /* first */
    uint8_t rcr;                        /* port 0xCF9 */
    IrqLine reset_out;                  /* pulsed by a reset request */
    bool pirq_level[4];
    bool isa_level[ISA_NUM_IRQS];       /* what we drive on each ISA IRQ */
} Piix3State;

static void piix3_update_irqs(Piix3State *s)
{
    bool level[ISA_NUM_IRQS] = { false };

    for (int p = 0; p < 4; p++) {
        uint8_t route = s->pci.config[PIIX3_PIRQRC + p];
        int irq = route & PIIX3_PIRQ_IRQ_MASK;

        if (!(route & PIIX3_PIRQ_DISABLE) &&
            (PIIX3_PIRQ_VALID_IRQS & (1u << irq))) {
            level[irq] |= s->pirq_level[p];
        }
    }
    for (int irq = 0; irq < ISA_NUM_IRQS; irq++) {
        if (level[irq] != s->isa_level[irq]) {
            s->isa_level[irq] = level[irq];
            irq_sink_set(isa_get_irq(irq), level[irq]);
        }
    }
}

static void piix3_set_pirq(void *opaque, int pirq, int level)
{
    Piix3State *s = opaque;

    ks_trace(piix3, "PIRQ%c# %d", 'A' + pirq, level);
    s->pirq_level[pirq] = level;
    piix3_update_irqs(s);
}

static uint8_t piix3_rcr_read(void *opaque)
{
    Piix3State *s = opaque;

    return s->rcr;
}

static void piix3_rcr_write(void *opaque, uint8_t val)
{
    Piix3State *s = opaque;

    ks_trace(piix3, "reset control 0x%02x", val);
    if ((val & PIIX3_RCR_RCPU) && !(s->rcr & PIIX3_RCR_RCPU)) {
        irq_pulse(&s->reset_out);
    }
    s->rcr = val & (PIIX3_RCR_SRST | PIIX3_RCR_RCPU);
}

static void piix3_config_write(PciDevice *d, uint32_t addr, uint32_t val,
                               unsigned len)
{
    Piix3State *s = container_of(d, Piix3State, pci);

    if (addr < PIIX3_PIRQRC + 4 && addr + len > PIIX3_PIRQRC) {
        for (int p = 0; p < 4; p++) {
            uint8_t route = d->config[PIIX3_PIRQRC + p];
            int irq = route & PIIX3_PIRQ_IRQ_MASK;

            if (!(route & PIIX3_PIRQ_DISABLE) &&
                !(PIIX3_PIRQ_VALID_IRQS & (1u << irq))) {
                ks_log_mask(LOG_GUEST_ERROR, "piix3: PIRQ%c# routed to "
                            "reserved IRQ %d\n", 'A' + p, irq);
            }
        }
        piix3_update_irqs(s);
    }
}

static bool piix3_realize(PciDevice *d, GError **errp)
{
    Piix3State *s = container_of(d, Piix3State, pci);

    d->wmask[PIIX3_IORT] = 0xff;
    d->wmask[PIIX3_XBCS] = 0xff;
    d->wmask[PIIX3_XBCS + 1] = 0x03;
    for (int p = 0; p < 4; p++) {
        d->wmask[PIIX3_PIRQRC + p] = PIIX3_PIRQ_DISABLE | PIIX3_PIRQ_IRQ_MASK;
    }
    d->wmask[PIIX3_TOM] = 0xfe;
    d->wmask[PIIX3_MSTAT] = 0xff;
    d->wmask[PIIX3_MSTAT + 1] = 0xff;
    d->wmask[PIIX3_MBIRQ0] = 0xcf;
    d->wmask[PIIX3_MBIRQ0 + 1] = 0xcf;
    d->wmask[PIIX3_APICBASE] = 0x7f;
    d->wmask[PIIX3_DLC] = 0x0f;
    dev_init_irq_out(&d->dev, &s->reset_out, 1);
    pci_bus_set_pirq_handler(d->bus, piix3_set_pirq, s);
    pci_bus_set_cf9_handler(d->bus, piix3_rcr_read, piix3_rcr_write, s);
    return true;
}

static void piix3_reset(PciDevice *d)
{
    Piix3State *s = container_of(d, Piix3State, pci);

    pci_set_word(d->config + PIIX3_IORT, 0x4d);
    pci_set_word(d->config + PIIX3_XBCS, 0x0003);
    for (int p = 0; p < 4; p++) {
        d->config[PIIX3_PIRQRC + p] = PIIX3_PIRQ_DISABLE;
    }
    d->config[PIIX3_TOM] = 0x02;
    d->config[PIIX3_MBIRQ0] = 0x80;
    d->config[PIIX3_MBIRQ0 + 1] = 0x80;
    s->rcr = 0;
    piix3_update_irqs(s);
}

static const PropDesc piix3_props[] = {
    PCI_DEVICE_PROPS(Piix3State),
    DEV_PROP_END,
};

static const PciDeviceType piix3_type = {
    .dev = {
        PCI_DEVICE_TYPE_INIT("PIIX3", Piix3State),
        .desc = "Intel 82371SB PCI-to-ISA bridge (PCI 01.0)",
        .props = piix3_props,
    },
    .vendor_id = 0x8086,
    .device_id = 0x7000,
    .class_code = 0x060100,
    .realize = piix3_realize,
    .reset = piix3_reset,
    .config_write = piix3_config_write,
};
PCI_DEVICE_TYPE_REGISTER(piix3_type);

/* Function 1: only the PCI identity until an IDE model takes it over. */
typedef struct Piix3IdeState {
    PciDevice pci;
} Piix3IdeState;

static const PropDesc piix3_ide_props[] = {
    PCI_DEVICE_PROPS(Piix3IdeState),
    DEV_PROP_END,
};

static const PciDeviceType piix3_ide_type = {
    .dev = {
        PCI_DEVICE_TYPE_INIT("piix3-ide-function", Piix3IdeState),
        .desc = "PIIX3 IDE function identity (PCI 01.1), no controller",
        .props = piix3_ide_props,
    },
    .vendor_id = 0x8086,
    .device_id = 0x7010,
    .class_code = 0x010180,
};
PCI_DEVICE_TYPE_REGISTER(piix3_ide_type);
