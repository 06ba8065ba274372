/* SPDX-License-Identifier: MIT */
/*
 * The NE2000's two front-ends around the core in hw/net/ne2000.c:
 * ne2k_isa (32 ports at iobase, default 0x300, ISA IRQ 9) and ne2k_pci
 * (a Realtek RTL8029, PCI 10ec:8029, the ports behind I/O BAR 0, INTA#).
 * Created by -device TYPE,netdev=ID[,mac=A] or -nic user,model=ne2k_pci.
 * Ref: Realtek RTL8029AS datasheet (PCI configuration space).
 * Missing: the RTL8029's EEPROM-backed configuration registers.
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/pci.h"
#include "hw/net/ne2000.h"

static const MemRegionOps ne2000_ops = {
    .read = ne2000_read,
    .write = ne2000_write,
    .min_access = 1,
    .max_access = 4,                    /* the data port takes words */
};

/* ---- ISA ---- */

typedef struct Ne2kIsaState {
    Device dev;
    MemRegion io;
    IrqLine irq_line;
    uint16_t iobase;
    uint32_t irq;
    char *netdev, *macstr;
    Ne2000State ne;
} Ne2kIsaState;

static void ne2k_isa_set_irq(void *opaque, int level)
{
    Ne2kIsaState *s = opaque;

    irq_set(&s->irq_line, level);
}

static bool ne2k_isa_realize(Device *dev, GError **errp)
{
    Ne2kIsaState *s = container_of(dev, Ne2kIsaState, dev);

    s->ne.set_irq = ne2k_isa_set_irq;
    s->ne.irq_opaque = s;
    if (!ne2000_init(&s->ne, "ne2k_isa", dev->id, s->macstr, s->netdev,
                     errp)) {
        return false;
    }
    mr_init_io(&s->io, &ne2000_ops, &s->ne, "ne2k_isa", NE2000_PORTS);
    isa_init_region(dev, &s->io, 0);
    dev_init_irq_out(dev, &s->irq_line, 1);
    return true;
}

static void ne2k_isa_reset(Device *dev)
{
    ne2000_reset(&container_of(dev, Ne2kIsaState, dev)->ne);
}

static void ne2k_isa_unrealize(Device *dev)
{
    ne2000_cleanup(&container_of(dev, Ne2kIsaState, dev)->ne);
    isa_unplug(dev);
}

static const PropDesc ne2k_isa_props[] = {
    DEV_PROP(Ne2kIsaState, iobase, "iobase", PROP_U16, "0x300",
             "first of the 32 ports"),
    DEV_PROP(Ne2kIsaState, irq, "irq", PROP_U32, "9", "ISA IRQ"),
    NIC_PROPS(Ne2kIsaState),
    DEV_PROP_END,
};

static const DeviceType ne2k_isa_type = {
    .name = "ne2k_isa",
    .desc = "NE2000 ISA Ethernet (DP8390)",
    .bus = "isa",
    .instance_size = sizeof(Ne2kIsaState),
    .user_creatable = true,
    .realize = ne2k_isa_realize,
    .reset = ne2k_isa_reset,
    .unrealize = ne2k_isa_unrealize,
    .props = ne2k_isa_props,
};
DEVICE_TYPE_REGISTER(ne2k_isa_type);

/* ---- PCI (RTL8029) ---- */

typedef struct Ne2kPciState {
    PciDevice pci;
    MemRegion io;
    char *netdev, *macstr;
    Ne2000State ne;
} Ne2kPciState;

static void ne2k_pci_set_irq(void *opaque, int level)
{
    Ne2kPciState *s = opaque;

    pci_set_irq(&s->pci, level);
}

static bool ne2k_pci_realize(PciDevice *d, GError **errp)
{
    Ne2kPciState *s = container_of(d, Ne2kPciState, pci);

    s->ne.set_irq = ne2k_pci_set_irq;
    s->ne.irq_opaque = s;
    if (!ne2000_init(&s->ne, "ne2k_pci", d->dev.id, s->macstr, s->netdev,
                     errp)) {
        return false;
    }
    mr_init_io(&s->io, &ne2000_ops, &s->ne, "ne2k_pci", NE2000_PORTS);
    pci_register_bar(d, 0, &s->io);
    return true;
}

static void ne2k_pci_reset(PciDevice *d)
{
    ne2000_reset(&container_of(d, Ne2kPciState, pci)->ne);
}

static void ne2k_pci_unrealize(PciDevice *d)
{
    ne2000_cleanup(&container_of(d, Ne2kPciState, pci)->ne);
}

static const PropDesc ne2k_pci_props[] = {
    PCI_DEVICE_PROPS(Ne2kPciState),
    NIC_PROPS(Ne2kPciState),
    DEV_PROP_END,
};

static const PciDeviceType ne2k_pci_type = {
    .dev = {
        PCI_DEVICE_TYPE_INIT("ne2k_pci", Ne2kPciState),
        .desc = "Realtek RTL8029 NE2000 PCI Ethernet (PCI 10ec:8029)",
        .props = ne2k_pci_props,
        .user_creatable = true,
    },
    .vendor_id = 0x10ec,
    .device_id = 0x8029,
    .class_code = 0x020000,
    .int_pin = 1,
    .bars = {
        { NE2000_PORTS, PCI_BAR_IO },
    },
    .realize = ne2k_pci_realize,
    .reset = ne2k_pci_reset,
    .unrealize = ne2k_pci_unrealize,
};
PCI_DEVICE_TYPE_REGISTER(ne2k_pci_type);
