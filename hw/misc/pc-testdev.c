/* SPDX-License-Identifier: MIT */
/*
 * QEMU's pc-testdev, the port device kvm-unit-tests talk to:
 *   0xe0-0xe3    a 32-bit scratch register, any access size
 *   0xe4-0xe7    "flush page": a 32-bit write of a guest address
 *   0xe8-0xeb    the same scratch register, byte by byte
 *   0x2000-0x2017 a byte write of V to 0x2000 + n sets IRQ line n to !!V
 *   0xff000000   64 KiB of scratch memory (memory space)
 * Created with -device pc-testdev; the ports are fixed.
 * Ref: QEMU hw/misc/pc-testdev.c behaviour; kvm-unit-tests x86/.
 * Missing: lines 16-23 exist only on the I/O APIC (logged, ignored); the
 * page flush, which makes KVM drop its mapping of the page, has nothing to
 * drop here and is accepted without effect.
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"

#define TESTDEV_IOMEM_ADDR  0xff000000u
#define TESTDEV_IOMEM_SIZE  0x10000
#define TESTDEV_IRQ_LINES   24

KS_TRACE_DEFINE(pc_testdev);

typedef struct TestdevState {
    Device dev;
    MemRegion ioport;                   /* 0xe0 */
    MemRegion flush;                    /* 0xe4 */
    MemRegion ioport_byte;              /* 0xe8 */
    MemRegion irq;                      /* 0x2000 */
    MemRegion iomem;                    /* 0xff000000 */
    uint32_t scratch;
    uint8_t *mem;
} TestdevState;

static uint64_t testdev_scratch_read(void *opaque, hwaddr addr,
                                     unsigned size)
{
    TestdevState *s = opaque;
    uint64_t mask = size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

    return (s->scratch >> ((addr & 3) * 8)) & mask;
}

static void testdev_scratch_write(void *opaque, hwaddr addr, uint64_t val,
                                  unsigned size)
{
    TestdevState *s = opaque;
    unsigned shift = (addr & 3) * 8;
    uint64_t mask = (size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1);

    s->scratch = (s->scratch & ~(uint32_t)(mask << shift)) |
                 (uint32_t)((val & mask) << shift);
}

static const MemRegionOps testdev_ioport_ops = {
    .read = testdev_scratch_read,
    .write = testdev_scratch_write,
    .min_access = 1,
    .max_access = 4,
};

static const MemRegionOps testdev_ioport_byte_ops = {
    .read = testdev_scratch_read,
    .write = testdev_scratch_write,
    .min_access = 1,
    .max_access = 1,
};

static uint64_t testdev_wo_read(void *opaque, hwaddr addr, unsigned size)
{
    ks_log_mask(LOG_GUEST_ERROR, "pc-testdev: read of a write-only port\n");
    return 0;
}

static void testdev_flush_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned size)
{
    ks_trace(pc_testdev, "flush page 0x%" PRIx64, val & ~(uint64_t)0xfff);
}

static const MemRegionOps testdev_flush_ops = {
    .read = testdev_wo_read,
    .write = testdev_flush_write,
    .min_access = 4,
    .max_access = 4,
};

static void testdev_irq_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    ks_trace(pc_testdev, "IRQ line %" PRIu64 " <- %d", addr, !!val);
    if (addr >= ISA_NUM_IRQS) {
        ks_log_mask(LOG_UNIMP, "pc-testdev: IRQ line %" PRIu64 " is an "
                    "I/O APIC input; not wired\n", addr);
        return;
    }
    irq_sink_set(isa_get_irq(addr), !!val);
}

static const MemRegionOps testdev_irq_ops = {
    .read = testdev_wo_read,
    .write = testdev_irq_write,
    .min_access = 1,
    .max_access = 1,
};

static uint64_t testdev_mem_read(void *opaque, hwaddr addr, unsigned size)
{
    TestdevState *s = opaque;
    uint64_t val = 0;

    memcpy(&val, s->mem + addr, size);
    return val;
}

static void testdev_mem_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    TestdevState *s = opaque;

    memcpy(s->mem + addr, &val, size);
}

static const MemRegionOps testdev_mem_ops = {
    .read = testdev_mem_read,
    .write = testdev_mem_write,
    .min_access = 1,
    .max_access = 8,
};

static bool testdev_realize(Device *dev, GError **errp)
{
    TestdevState *s = container_of(dev, TestdevState, dev);

    s->mem = g_malloc0(TESTDEV_IOMEM_SIZE);
    mr_init_io(&s->ioport, &testdev_ioport_ops, s, "pc-testdev-ioport", 4);
    mr_init_io(&s->flush, &testdev_flush_ops, s, "pc-testdev-flush-page",
               4);
    mr_init_io(&s->ioport_byte, &testdev_ioport_byte_ops, s,
               "pc-testdev-ioport-byte", 4);
    mr_init_io(&s->irq, &testdev_irq_ops, s, "pc-testdev-irq-line",
               TESTDEV_IRQ_LINES);
    mr_init_io(&s->iomem, &testdev_mem_ops, s, "pc-testdev-iomem",
               TESTDEV_IOMEM_SIZE);
    isa_init_region(dev, &s->ioport, 0xe0);
    isa_init_region(dev, &s->flush, 0xe4);
    isa_init_region(dev, &s->ioport_byte, 0xe8);
    isa_init_region(dev, &s->irq, 0x2000);
    isa_init_mem_region(dev, &s->iomem, TESTDEV_IOMEM_ADDR);
    return true;
}

static void testdev_unrealize(Device *dev)
{
    TestdevState *s = container_of(dev, TestdevState, dev);

    isa_unplug(dev);
    g_free(s->mem);
}

static const DeviceType testdev_type = {
    .name = "pc-testdev",
    .desc = "kvm-unit-tests test device (scratch ports, IRQ lines)",
    .bus = "isa",
    .instance_size = sizeof(TestdevState),
    .user_creatable = true,
    .realize = testdev_realize,
    .unrealize = testdev_unrealize,
};
DEVICE_TYPE_REGISTER(testdev_type);
