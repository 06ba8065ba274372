/* SPDX-License-Identifier: MIT */
/*
 * QEMU's `pci-testdev` (PCI 1b36:0005, class 0x00ff, no interrupt pin), so
 * that test suites written for QEMU (kvm-unit-tests) run unchanged.
 *
 * BAR 0 is 4 KiB of memory, BAR 1 256 bytes of I/O. Each BAR holds a small
 * header for the currently selected test: writing N to offset 0 selects
 * test N (0..2) of that BAR's kind; the header then reads back the test's
 * number, access width (1), the offset to write to, the data to write,
 * a count of the matching writes seen, and its name. Test kinds per BAR:
 * "no-eventfd" counts writes of the data byte at the offset; in
 * "wildcard-eventfd" and "datamatch-eventfd" QEMU hands those writes to an
 * ioeventfd instead of the device (on TCG as on KVM), so the count stays
 * 0; Kestrel has no ioeventfds and drops them the same way.
 * Ref: QEMU docs/specs/pci-testdev.rst. Missing: BAR 2 (membar=).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "kestrel/pci.h"

#define TESTDEV_MEM_SIZE    2048        /* tests sit past the header area */
#define TESTDEV_IO_SIZE     128
#define TESTDEV_KINDS       3           /* tests per BAR */
#define TESTDEV_DATAMATCH   0xfa
#define TESTDEV_NOMATCH     0xce

/* Header layout (little-endian) */
#define HDR_TEST    0
#define HDR_WIDTH   1
#define HDR_OFFSET  4
#define HDR_DATA    8
#define HDR_COUNT   12
#define HDR_NAME    16

static const char *const testdev_kind_names[TESTDEV_KINDS] = {
    "no-eventfd", "wildcard-eventfd", "datamatch-eventfd",
};

typedef struct PciTestDevState PciTestDevState;

typedef struct PciTestBar {
    PciTestDevState *s;
    MemRegion mr;
    bool is_io;
    int current;                        /* selected test, -1: none */
    uint32_t count[TESTDEV_KINDS];
} PciTestBar;

struct PciTestDevState {
    PciDevice pci;                      /* first */
    PciTestBar bar[2];                  /* 0: memory, 1: I/O */
};

/* Test number i counts from 0 (memory tests) to 5 (I/O tests). */
static int testdev_number(const PciTestBar *b, int kind)
{
    return (b->is_io ? TESTDEV_KINDS : 0) + kind;
}

static uint32_t testdev_offset(const PciTestBar *b, int kind)
{
    return (b->is_io ? TESTDEV_IO_SIZE : TESTDEV_MEM_SIZE) +
           testdev_number(b, kind);
}

static bool testdev_matches_data(int kind)
{
    return strcmp(testdev_kind_names[kind], "wildcard-eventfd") != 0;
}

static bool testdev_has_eventfd(int kind)
{
    return strcmp(testdev_kind_names[kind], "no-eventfd") != 0;
}

/* One byte of the selected test's header (0 past its end). */
static uint8_t testdev_header_byte(const PciTestBar *b, hwaddr addr)
{
    int k = b->current;
    g_autofree char *name = NULL;
    uint8_t hdr[64] = { 0 };
    size_t len;

    name = g_strdup_printf("%s-%s", b->is_io ? "portio" : "mmio",
                           testdev_kind_names[k]);
    len = HDR_NAME + strlen(name) + 1;
    hdr[HDR_TEST] = testdev_number(b, k);
    hdr[HDR_WIDTH] = 1;
    pci_set_long(&hdr[HDR_OFFSET], testdev_offset(b, k));
    hdr[HDR_DATA] = testdev_matches_data(k) ? TESTDEV_DATAMATCH
                                            : TESTDEV_NOMATCH;
    pci_set_long(&hdr[HDR_COUNT], b->count[k]);
    memcpy(&hdr[HDR_NAME], name, strlen(name) + 1);
    return addr < len ? hdr[addr] : 0;
}

static uint64_t testdev_read(void *opaque, hwaddr addr, unsigned size)
{
    PciTestBar *b = opaque;

    return b->current < 0 ? 0 : testdev_header_byte(b, addr);
}

static void testdev_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    PciTestBar *b = opaque;
    int k = b->current;

    if (addr == HDR_TEST) {
        b->current = val < TESTDEV_KINDS ? (int)val : -1;
        if (b->current >= 0) {
            b->count[b->current] = 0;
        }
        return;
    }
    if (k < 0 || addr != testdev_offset(b, k) || testdev_has_eventfd(k)) {
        return;
    }
    if (testdev_matches_data(k) && val != TESTDEV_DATAMATCH) {
        return;
    }
    b->count[k]++;
}

static const MemRegionOps testdev_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .min_access = 1,
    .max_access = 1,                    /* the core splits wider accesses */
};

static bool testdev_realize(PciDevice *d, GError **errp)
{
    PciTestDevState *s = container_of(d, PciTestDevState, pci);

    for (int i = 0; i < 2; i++) {
        PciTestBar *b = &s->bar[i];

        b->s = s;
        b->is_io = i == 1;
        b->current = -1;
        mr_init_io(&b->mr, &testdev_ops, b,
                   b->is_io ? "pci-testdev-portio" : "pci-testdev-mmio",
                   b->is_io ? 2 * TESTDEV_IO_SIZE : 2 * TESTDEV_MEM_SIZE);
        pci_register_bar(d, i, &b->mr);
    }
    return true;
}

static void testdev_reset(PciDevice *d)
{
    PciTestDevState *s = container_of(d, PciTestDevState, pci);

    for (int i = 0; i < 2; i++) {
        s->bar[i].current = -1;
        memset(s->bar[i].count, 0, sizeof(s->bar[i].count));
    }
}

static const PropDesc testdev_props[] = {
    PCI_DEVICE_PROPS(PciTestDevState),
    DEV_PROP_END,
};

static const PciDeviceType testdev_type = {
    .dev = {
        PCI_DEVICE_TYPE_INIT("pci-testdev", PciTestDevState),
        .desc = "QEMU's PCI test device (1b36:0005)",
        .user_creatable = true,
        .props = testdev_props,
    },
    .vendor_id = 0x1b36,
    .device_id = 0x0005,
    .class_code = 0x00ff00,
    .int_pin = 0,
    .bars = {
        [0] = { .size = 2 * TESTDEV_MEM_SIZE },
        [1] = { .size = 2 * TESTDEV_IO_SIZE, .flags = PCI_BAR_IO },
    },
    .realize = testdev_realize,
    .reset = testdev_reset,
};
PCI_DEVICE_TYPE_REGISTER(testdev_type);
