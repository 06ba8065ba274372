/* SPDX-License-Identifier: MIT */
/*
 * System Control Port A (port 0x92): fast A20 gate and fast reset.
 *
 * Bit 1 drives the A20 output line (irq_out[0]) and bit 0 going from 0 to
 * 1 pulses the reset line (irq_out[1]); the board (hw/i386/pc.c) connects
 * them to the CPU's A20 mask and to a machine reset. Reads return the last
 * value written, as on PS/2-compatible chipsets.
 * Ref: IBM PS/2 Hardware Interface Technical Reference, "System Control
 * Port A"; Intel 82371SB (PIIX3) datasheet 290550, port 92h.
 * Missing: the security lock (bit 3) and the disk activity LED bits are
 * stored and read back without effect.
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"

#define PORT92_FAST_RESET   0x01
#define PORT92_A20          0x02

KS_TRACE_DEFINE(port92);

typedef struct Port92State {
    Device dev;
    MemRegion io;
    IrqLine out[2];                     /* A20, reset */
    uint8_t outport;
    uint16_t iobase;
} Port92State;

static uint64_t port92_read(void *opaque, hwaddr addr, unsigned size)
{
    Port92State *s = opaque;

    return s->outport;
}

static void port92_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    Port92State *s = opaque;
    uint8_t old = s->outport;

    ks_trace(port92, "write 0x%02x", (uint8_t)val);
    s->outport = val;
    irq_set(&s->out[0], !!(val & PORT92_A20));
    if ((val & PORT92_FAST_RESET) && !(old & PORT92_FAST_RESET)) {
        irq_pulse(&s->out[1]);
    }
}

static const MemRegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .min_access = 1,
    .max_access = 1,
};

static void port92_reset(Device *dev)
{
    Port92State *s = container_of(dev, Port92State, dev);

    s->outport &= ~PORT92_FAST_RESET;
}

static bool port92_realize(Device *dev, GError **errp)
{
    Port92State *s = container_of(dev, Port92State, dev);

    mr_init_io(&s->io, &port92_ops, s, "port92", 1);
    isa_init_region(dev, &s->io, 0);
    dev_init_irq_out(dev, s->out, 2);
    return true;
}

static const PropDesc port92_props[] = {
    DEV_PROP(Port92State, iobase, "iobase", PROP_U16, "0x92", "the port"),
    DEV_PROP_END,
};

static const DeviceType port92_type = {
    .name = "port92",
    .desc = "System Control Port A: fast A20 and fast reset",
    .bus = "isa",
    .instance_size = sizeof(Port92State),
    .realize = port92_realize,
    .reset = port92_reset,
    .unrealize = isa_unplug,
    .props = port92_props,
};
DEVICE_TYPE_REGISTER(port92_type);
