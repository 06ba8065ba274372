/* SPDX-License-Identifier: MIT */
/*
 * QEMU's isa-debug-exit: a write of V to its ports ends Kestrel with exit
 * status (V << 1) | 1, so that test guests can report pass or fail.
 *
 * Created with -device isa-debug-exit[,iobase=0x501][,iosize=2]; the main
 * loop ends the process after the write (machine_request_exit()).
 * Ref: QEMU hw/misc/debugexit.c behaviour (docs/system/i386 test devices).
 * Missing: nothing known; reads return 0 as QEMU's do.
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "kestrel/machine.h"

KS_TRACE_DEFINE(debug_exit);

typedef struct DebugExitState {
    Device dev;
    MemRegion io;
    uint16_t iobase;
    uint32_t iosize;
} DebugExitState;

static uint64_t debug_exit_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void debug_exit_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    int status = (int)((val << 1) | 1);

    ks_trace(debug_exit, "write 0x%" PRIx64 " -> exit status %d", val,
             status & 0xff);
    machine_request_exit(status);
}

static const MemRegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .min_access = 1,
    .max_access = 4,
};

static bool debug_exit_realize(Device *dev, GError **errp)
{
    DebugExitState *s = container_of(dev, DebugExitState, dev);

    if (s->iosize == 0 || s->iosize > 0x10000) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "isa-debug-exit: iosize=%" PRIu32 " must be 1-0x10000",
                    s->iosize);
        return false;
    }
    mr_init_io(&s->io, &debug_exit_ops, s, "isa-debug-exit", s->iosize);
    isa_init_region(dev, &s->io, 0);
    return true;
}

static const PropDesc debug_exit_props[] = {
    DEV_PROP(DebugExitState, iobase, "iobase", PROP_U16, "0x501",
             "first port"),
    DEV_PROP(DebugExitState, iosize, "iosize", PROP_U32, "2",
             "number of ports"),
    DEV_PROP_END,
};

static const DeviceType debug_exit_type = {
    .name = "isa-debug-exit",
    .desc = "exit with status (value << 1) | 1 on a port write",
    .bus = "isa",
    .instance_size = sizeof(DebugExitState),
    .user_creatable = true,
    .realize = debug_exit_realize,
    .unrealize = isa_unplug,
    .props = debug_exit_props,
};
DEVICE_TYPE_REGISTER(debug_exit_type);
