/* SPDX-License-Identifier: MIT */
/*
 * The PC's x87 error logic (MS-DOS compatibility mode, CR0.NE = 0): the
 * CPU's FERR# output becomes IRQ 13, and a write to port 0xF0 turns the
 * request off and asserts the CPU's IGNNE# input, so that the handler can
 * run x87 instructions before it clears the error. Two latches, as in the
 * circuit the SDM recommends and the PIIX3 builds in:
 *  - IRQ 13 is set when FERR# goes active and cleared by the port write;
 *  - IGNNE# is set by the port write while FERR# is active, and cleared
 *    when FERR# goes inactive (FNCLEX, FNINIT).
 * The board (hw/i386/pc.c) maps the port, wires irq_out[0] to ISA IRQ 13
 * and passes the CPU's FERR# level through pc_ferr_set(), which returns
 * IGNNE#. Reads of the port return 0xff (nothing drives the bus).
 * Ref: Intel SDM Vol. 1 8.7 and D.2.1.1-D.2.1.2 (figure D-1); Intel
 * 82371SB (PIIX3) datasheet 290550, "Coprocessor error" (FERR#/IGNNE#).
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "hw/misc/pc-ferr.h"

KS_TRACE_DEFINE(ferr);

typedef struct PcFerrState {
    Device dev;
    MemRegion io;
    IrqLine irq13;
    bool ferr;                          /* the CPU's FERR# output */
    bool ignne;                         /* the CPU's IGNNE# input */
    bool irq;                           /* IRQ 13 latch */
    uint16_t iobase;
} PcFerrState;

static void pc_ferr_update(PcFerrState *s)
{
    irq_set(&s->irq13, s->irq);
}

bool pc_ferr_set(Device *dev, bool ferr)
{
    PcFerrState *s = container_of(dev, PcFerrState, dev);

    if (ferr && !s->ferr) {
        ks_trace(ferr, "FERR# asserted%s", s->ignne ? " (IGNNE#)" : "");
        s->irq = true;
    } else if (!ferr && s->ferr) {
        ks_trace(ferr, "FERR# deasserted");
        s->ignne = false;
    }
    s->ferr = ferr;
    pc_ferr_update(s);
    return s->ignne;
}

static uint64_t pc_ferr_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0xff;
}

static void pc_ferr_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    PcFerrState *s = opaque;

    ks_trace(ferr, "port write: IRQ 13 off%s", s->ferr ? ", IGNNE#" : "");
    s->irq = false;
    s->ignne = s->ferr;
    pc_ferr_update(s);
}

static const MemRegionOps pc_ferr_ops = {
    .read = pc_ferr_read,
    .write = pc_ferr_write,
    .min_access = 1,
    .max_access = 1,
};

static void pc_ferr_reset(Device *dev)
{
    PcFerrState *s = container_of(dev, PcFerrState, dev);

    s->ferr = s->ignne = s->irq = false;
    pc_ferr_update(s);
}

static bool pc_ferr_realize(Device *dev, GError **errp)
{
    PcFerrState *s = container_of(dev, PcFerrState, dev);

    mr_init_io(&s->io, &pc_ferr_ops, s, "pc-ferr", 1);
    isa_init_region(dev, &s->io, 0);
    dev_init_irq_out(dev, &s->irq13, 1);
    return true;
}

static const PropDesc pc_ferr_props[] = {
    DEV_PROP(PcFerrState, iobase, "iobase", PROP_U16, "0xf0", "the port"),
    DEV_PROP_END,
};

static const DeviceType pc_ferr_type = {
    .name = "pc-ferr",
    .desc = "x87 FERR# to IRQ 13, port 0xF0 asserts IGNNE# (board only)",
    .bus = "isa",
    .instance_size = sizeof(PcFerrState),
    .realize = pc_ferr_realize,
    .reset = pc_ferr_reset,
    .unrealize = isa_unplug,
    .props = pc_ferr_props,
};
DEVICE_TYPE_REGISTER(pc_ferr_type);
