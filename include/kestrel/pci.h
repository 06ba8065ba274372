/* SPDX-License-Identifier: MIT */
/*
 * The PCI bus: one bus 0 reached through configuration mechanism #1
 * (ports 0xCF8/0xCFC), devices described by a PciDeviceType table, BARs
 * mapped into the memory and I/O address spaces when the command register
 * enables them, and INTx lines swizzled onto four PIRQ lines that the
 * PCI-to-ISA bridge (hw/isa/piix3.c) routes to ISA IRQs.
 * Ref: PCI Local Bus Specification 2.1, chapter 6 (configuration space).
 */
#ifndef KESTREL_PCI_H
#define KESTREL_PCI_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"
#include "kestrel/memory.h"

/* Type 0 configuration header offsets */
#define PCI_VENDOR_ID           0x00
#define PCI_DEVICE_ID           0x02
#define PCI_COMMAND             0x04
#define PCI_STATUS              0x06
#define PCI_REVISION_ID         0x08
#define PCI_CLASS_PROG          0x09
#define PCI_CLASS_DEVICE        0x0a
#define PCI_CACHE_LINE_SIZE     0x0c
#define PCI_LATENCY_TIMER       0x0d
#define PCI_HEADER_TYPE         0x0e
#define PCI_BASE_ADDRESS_0      0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_ROM_ADDRESS         0x30
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d

#define PCI_COMMAND_IO          0x0001
#define PCI_COMMAND_MEMORY      0x0002
#define PCI_COMMAND_MASTER      0x0004
#define PCI_COMMAND_SERR        0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_INTERRUPT    0x0008
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
#define PCI_HEADER_TYPE_MULTI   0x80

#define PCI_BAR_IO              0x01    /* low bits of a BAR */
#define PCI_BAR_MEM_PREFETCH    0x08
#define PCI_ROM_ENABLE          0x01
#define PCI_NUM_BARS            6
#define PCI_ROM_SLOT            6       /* index of the ROM in bar arrays */

#define PCI_DEVFN(slot, fn)     (((slot) << 3) | (fn))
#define PCI_SLOT(devfn)         (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)         ((devfn) & 7)

/* QEMU's default subsystem IDs; SeaBIOS looks for them on 00.0. */
#define PCI_SUBVENDOR_QEMU      0x1af4
#define PCI_SUBDEVICE_QEMU      0x1100

/* Priority of BAR mappings over RAM and the ROMs in the memory map. */
#define PCI_BAR_PRIORITY        10

typedef struct PciBus PciBus;
typedef struct PciDevice PciDevice;

typedef struct PciBarInfo {
    uint32_t size;                      /* power of two (>= 16 for memory,
                                         * >= 4 for I/O); 0: no BAR */
    uint8_t flags;                      /* PCI_BAR_IO, PCI_BAR_MEM_PREFETCH */
} PciBarInfo;

/*
 * A PCI device type: the registry entry plus the identity of the
 * function. Its dev.realize/reset/unrealize must be pci_dev_realize,
 * pci_dev_reset and pci_dev_unrealize (PCI_DEVICE_TYPE_INIT does this);
 * the device's own hooks are the fields below.
 */
typedef struct PciDeviceType {
    DeviceType dev;                     /* first: what the registry holds */
    uint16_t vendor_id;
    uint16_t device_id;
    uint8_t revision;
    uint32_t class_code;                /* base << 16 | sub << 8 | prog-if */
    uint16_t subsys_vendor_id;          /* 0: QEMU's 1af4:1100 */
    uint16_t subsys_id;
    uint8_t int_pin;                    /* 0 none, 1 INTA# ... 4 INTD# */
    PciBarInfo bars[PCI_NUM_BARS];
    bool (*realize)(PciDevice *d, GError **errp);
    void (*reset)(PciDevice *d);
    void (*unrealize)(PciDevice *d);
    /* Called after the generic code has stored a config write. */
    void (*config_write)(PciDevice *d, uint32_t addr, uint32_t val,
                         unsigned len);
} PciDeviceType;

struct PciDevice {
    Device dev;                         /* first */
    PciBus *bus;
    int devfn;                          /* -1 until plugged */
    char *addr;                         /* "addr" property: "SLOT[.FN]" */
    char *romfile;                      /* "romfile" property */
    uint8_t config[256];
    uint8_t wmask[256];                 /* bits the guest may write */
    uint8_t w1cmask[256];               /* write-1-to-clear bits */
    MemRegion *bar_mr[PCI_NUM_BARS + 1];
    hwaddr bar_addr[PCI_NUM_BARS + 1];  /* PCI_BAR_UNMAPPED when off */
    MemRegion rom;                      /* the romfile contents */
    bool irq_state;                     /* INTx# as the device drives it */
    bool irq_counted;                   /* counted on its PIRQ line */
};

#define PCI_BAR_UNMAPPED        ((hwaddr)-1)

/* The props every PCI device has: put first in its props table. */
#define PCI_DEVICE_PROPS(st)                                            \
    DEV_PROP(st, pci.addr, "addr", PROP_STR, NULL,                      \
             "slot[.function] on bus 0 (default: next free slot)"),     \
    DEV_PROP(st, pci.romfile, "romfile", PROP_STR, NULL,                \
             "option ROM image exposed through the ROM BAR")

#define PCI_DEVICE_TYPE_INIT(nm, st)                                    \
    .name = (nm), .bus = "pci", .instance_size = sizeof(st),            \
    .realize = pci_dev_realize, .reset = pci_dev_reset,                 \
    .unrealize = pci_dev_unrealize

#define PCI_DEVICE_TYPE_REGISTER(t)                                     \
    __attribute__((constructor)) static void pci_type_reg_##t(void)     \
    {                                                                   \
        dev_type_register(&(t).dev);                                    \
    }

static inline const PciDeviceType *pci_dev_type(const PciDevice *d)
{
    return container_of(d->dev.type, PciDeviceType, dev);
}

bool pci_dev_realize(Device *dev, GError **errp);
void pci_dev_reset(Device *dev);
void pci_dev_unrealize(Device *dev);

/* Sets a PIRQ (0..3 = PIRQA#..PIRQD#) line to a level. */
typedef void PciPirqFn(void *opaque, int pirq, int level);
/* An access to port 0xCF9 (inside the 0xCF8 dword). */
typedef uint8_t PciCf9ReadFn(void *opaque);
typedef void PciCf9WriteFn(void *opaque, uint8_t val);

/*
 * Create bus 0 and map ports 0xCF8-0xCFF in io. Devices created after
 * this with bus "pci" plug into it. BARs map into mem and io.
 */
PciBus *pci_bus_new(AddressSpace *mem, AddressSpace *io);
void pci_bus_free(PciBus *bus);
void pci_bus_set_pirq_handler(PciBus *bus, PciPirqFn *fn, void *opaque);
void pci_bus_set_cf9_handler(PciBus *bus, PciCf9ReadFn *rd,
                             PciCf9WriteFn *wr, void *opaque);
/* Directories searched for romfile images (after the name as given). */
void pci_bus_set_firmware_dirs(PciBus *bus, const char *const *dirs);
PciDevice *pci_bus_find(PciBus *bus, int devfn);

/* Devices: register the region behind BAR n (its size must match). */
void pci_register_bar(PciDevice *d, int n, MemRegion *mr);
/* Drive the device's INTx# pin (config INTERRUPT_PIN). */
void pci_set_irq(PciDevice *d, int level);

/* Config space helpers (little-endian). */
static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static inline uint16_t pci_get_word(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}

static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    pci_set_word(p, v);
    pci_set_word(p + 2, v >> 16);
}

static inline uint32_t pci_get_long(const uint8_t *p)
{
    return pci_get_word(p) | ((uint32_t)pci_get_word(p + 2) << 16);
}

/* Config accesses as the host bridge does them (for tests, the monitor). */
uint32_t pci_config_read(PciDevice *d, uint32_t addr, unsigned len);
void pci_config_write(PciDevice *d, uint32_t addr, uint32_t val,
                      unsigned len);

#endif /* KESTREL_PCI_H */
