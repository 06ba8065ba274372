/* SPDX-License-Identifier: MIT */
/*
 * QEMU's isa-debugcon: the Bochs-style debug port (0xe9). Every byte
 * written goes to a character back-end; a read returns the `readback`
 * value (0xe9), which is how guests detect the port.
 *
 * Created by -debugcon SPEC (the board makes the chardev and passes its
 * id) or -device isa-debugcon,chardev=ID[,iobase=0xe9].
 * Ref: QEMU hw/char/debugcon.c behaviour; Bochs "port e9 hack".
 * Missing: nothing known.
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/chardev.h"
#include "kestrel/log.h"

KS_TRACE_DEFINE(debugcon);

typedef struct DebugconState {
    Device dev;
    MemRegion io;
    Chardev *chr;
    char *chardev;                      /* properties */
    uint16_t iobase;
    uint8_t readback;
} DebugconState;

static uint64_t debugcon_read(void *opaque, hwaddr addr, unsigned size)
{
    DebugconState *s = opaque;

    return s->readback;
}

static void debugcon_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    DebugconState *s = opaque;
    uint8_t ch = val;

    ks_trace(debugcon, "write 0x%02x", ch);
    chardev_write(s->chr, &ch, 1);
}

static const MemRegionOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .min_access = 1,
    .max_access = 1,
};

static bool debugcon_realize(Device *dev, GError **errp)
{
    DebugconState *s = container_of(dev, DebugconState, dev);

    if (!s->chardev) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "isa-debugcon: needs chardev=ID (or use -debugcon)");
        return false;
    }
    s->chr = chardev_find(s->chardev);
    if (!s->chr) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "isa-debugcon: chardev=%s: no such chardev",
                    s->chardev);
        return false;
    }
    mr_init_io(&s->io, &debugcon_ops, s, "isa-debugcon", 1);
    isa_init_region(dev, &s->io, 0);
    return true;
}

static const PropDesc debugcon_props[] = {
    DEV_PROP(DebugconState, chardev, "chardev", PROP_STR, NULL,
             "id of the character back-end"),
    DEV_PROP(DebugconState, iobase, "iobase", PROP_U16, "0xe9", "the port"),
    DEV_PROP(DebugconState, readback, "readback", PROP_U8, "0xe9",
             "what a read returns"),
    DEV_PROP_END,
};

static const DeviceType debugcon_type = {
    .name = "isa-debugcon",
    .desc = "debug console port (0xe9) writing to a chardev",
    .bus = "isa",
    .instance_size = sizeof(DebugconState),
    .user_creatable = true,
    .realize = debugcon_realize,
    .unrealize = isa_unplug,
    .props = debugcon_props,
};
DEVICE_TYPE_REGISTER(debugcon_type);
