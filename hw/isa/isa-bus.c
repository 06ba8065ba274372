/* SPDX-License-Identifier: MIT */
/*
 * The ISA bus: plugs devices whose type says .bus = "isa".
 *
 * Plugging maps each region a device declared into address_space_io at
 * the device's `iobase` property plus the region's offset, and connects
 * irq_out[0] to ISA IRQ `irq` (when the device has that property). Port
 * ranges may not overlap: a second device at a used port is a user error.
 * The 16 IRQ lines are pins of the bus itself, forwarded to whatever the
 * board (hw/i386/pc.c) hands isa_bus_set_irqs(), so the order in which the
 * board creates devices and the PIC does not matter.
 * Ref: the PC/AT I/O map as QEMU's pc machine lays it out.
 * Missing: ISA DMA (hw/dma/ does it), bus mastering, 8-bit/16-bit cycles.
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"

#define ISA_IO_SIZE 0x10000

/* Where isa_init_region()/isa_init_mem_region() said a region goes. */
typedef struct IsaPlacement {
    Device *dev;
    bool mem;                           /* memory space, absolute address */
    hwaddr offset;                      /* from iobase, or the address */
} IsaPlacement;

static GHashTable *isa_placements;      /* MemRegion * -> IsaPlacement * */
static IrqSink *isa_irqs;               /* the bus's own 16 pins */
static IrqSink *isa_board_pins;         /* where they go; NULL: nowhere */
static int isa_levels[ISA_NUM_IRQS];

KS_TRACE_DEFINE(isa);

static void isa_irq_handler(void *opaque, int n, int level)
{
    isa_levels[n] = level;
    if (isa_board_pins) {
        irq_sink_set(&isa_board_pins[n], level);
    }
}

IrqSink *isa_get_irq(int n)
{
    g_assert(n >= 0 && n < ISA_NUM_IRQS);
    if (!isa_irqs) {
        isa_irqs = irq_sinks_new(isa_irq_handler, NULL, ISA_NUM_IRQS);
    }
    return &isa_irqs[n];
}

void isa_bus_set_irqs(IrqSink *pins)
{
    isa_board_pins = pins;
    for (int n = 0; pins && n < ISA_NUM_IRQS; n++) {
        if (isa_levels[n]) {
            irq_sink_set(&pins[n], isa_levels[n]);
        }
    }
}

static void isa_place(Device *dev, MemRegion *mr, bool mem, hwaddr offset)
{
    IsaPlacement *p = g_new(IsaPlacement, 1);

    *p = (IsaPlacement) { .dev = dev, .mem = mem, .offset = offset };
    if (!isa_placements) {
        isa_placements = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    }
    g_hash_table_insert(isa_placements, mr, p);
    dev_init_region(dev, mr);
}

void isa_init_region(Device *dev, MemRegion *mr, uint16_t offset)
{
    isa_place(dev, mr, false, offset);
}

void isa_init_mem_region(Device *dev, MemRegion *mr, hwaddr addr)
{
    isa_place(dev, mr, true, addr);
}

void isa_unplug(Device *dev)
{
    for (unsigned i = 0; i < dev->nr_regions; i++) {
        as_unmap(dev->regions[i]);
    }
    if (dev->nr_irq_out && isa_irqs && dev->irq_out[0].sink >= isa_irqs &&
        dev->irq_out[0].sink < isa_irqs + ISA_NUM_IRQS) {
        irq_lower(&dev->irq_out[0]);    /* a removed card drives nothing */
        irq_connect(&dev->irq_out[0], NULL);
    }
}

/* An integer property's value; false when dev has no such property. */
static bool isa_prop_u64(Device *dev, const char *name, uint64_t *out)
{
    const PropDesc *p = dev_find_prop(dev, name);
    const char *field;

    if (!p) {
        return false;
    }
    field = (const char *)dev + p->offset;
    switch (p->type) {
    case PROP_U8:
        *out = *(const uint8_t *)field;
        return true;
    case PROP_U16:
        *out = *(const uint16_t *)field;
        return true;
    case PROP_U32:
        *out = *(const uint32_t *)field;
        return true;
    case PROP_U64:
        *out = *(const uint64_t *)field;
        return true;
    default:
        return false;
    }
}

static bool isa_map_io(Device *dev, MemRegion *mr, uint64_t port,
                       GError **errp)
{
    if (port + mr->size > ISA_IO_SIZE) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s: ports 0x%04" PRIx64 "-0x%04" PRIx64 " are beyond "
                    "the 64 KiB port space", dev->type->name, port,
                    port + mr->size - 1);
        return false;
    }
    for (uint64_t p = port; p < port + mr->size; p++) {
        const FlatRange *f = as_lookup(&address_space_io, p);

        if (f) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "%s: port 0x%04" PRIx64 " is already used by %s",
                        dev->type->name, p, f->mr->name);
            return false;
        }
    }
    ks_trace(isa, "%s: %s at ports 0x%04" PRIx64 "-0x%04" PRIx64,
             dev->type->name, mr->name, port, port + mr->size - 1);
    as_map(&address_space_io, mr, port, 0);
    return true;
}

static bool isa_map_regions(Device *dev, GError **errp)
{
    uint64_t iobase = 0;

    isa_prop_u64(dev, "iobase", &iobase);
    for (unsigned i = 0; i < dev->nr_regions; i++) {
        MemRegion *mr = dev->regions[i];
        IsaPlacement *p = isa_placements ?
                          g_hash_table_lookup(isa_placements, mr) : NULL;

        if (p && p->dev != dev) {
            p = NULL;                   /* left over from a freed device */
        }
        if (p && p->mem) {
            /* over RAM or ROM where it overlaps, as ISA memory holes do */
            as_map(&address_space_memory, mr, p->offset, 1);
        } else if (!isa_map_io(dev, mr, iobase + (p ? p->offset : 0),
                               errp)) {
            return false;
        }
    }
    return true;
}

static bool isa_plug(Device *dev, GError **errp)
{
    bool ok = isa_map_regions(dev, errp);
    uint64_t irq;

    for (unsigned i = 0; isa_placements && i < dev->nr_regions; i++) {
        g_hash_table_remove(isa_placements, dev->regions[i]);
    }
    if (ok && isa_prop_u64(dev, "irq", &irq)) {
        if (irq >= ISA_NUM_IRQS) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "%s: irq=%" PRIu64 " is not an ISA IRQ (0-15)",
                        dev->type->name, irq);
            ok = false;
        } else if (dev->nr_irq_out) {
            irq_connect(&dev->irq_out[0], isa_get_irq(irq));
        }
    }
    if (!ok) {
        isa_unplug(dev);
    }
    return ok;
}

static const BusType isa_bus_type = {
    .name = "isa",
    .plug = isa_plug,
};
BUS_TYPE_REGISTER(isa_bus_type);
