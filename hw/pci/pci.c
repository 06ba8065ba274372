/* SPDX-License-Identifier: MIT */
/*
 * PCI bus 0: configuration mechanism #1, per-function config space, BARs
 * and the expansion ROM BAR, INTx# to PIRQ swizzling, and the "pci" bus
 * type that plugs devices given with -device.
 *
 * hw/i386/pc.c creates the bus (pci_bus_new) before the host bridge; each
 * PCI device type is a PciDeviceType table (identity, BAR sizes, hooks).
 * Ports 0xCF8-0xCFB: CONFIG_ADDRESS on dword accesses; a byte access to
 * 0xCF9 goes to the handler the PIIX3 installs (reset control register).
 * Ports 0xCFC-0xCFF: CONFIG_DATA.
 * Ref: PCI Local Bus Specification 2.1, 3.7.4.1 (mechanism #1), 6.1-6.3
 * (header, command/status, base address registers, expansion ROM).
 * Missing: buses behind bridges (accesses to bus != 0 read all-ones),
 * 64-bit BARs, capabilities lists, MSI.
 */
#include "kestrel/osdep.h"
#include "kestrel/pci.h"
#include "kestrel/log.h"

#define PCI_CONFIG_ENABLE       0x80000000u
#define PCI_NUM_DEVFN           256

KS_TRACE_DEFINE(pci);

struct PciBus {
    PciDevice *devices[PCI_NUM_DEVFN];
    uint32_t config_addr;               /* CONFIG_ADDRESS (0xCF8) */
    MemRegion addr_io;                  /* 0xCF8-0xCFB */
    MemRegion data_io;                  /* 0xCFC-0xCFF */
    AddressSpace *mem;
    AddressSpace *io;
    PciPirqFn *pirq_fn;
    void *pirq_opaque;
    int pirq_count[4];                  /* asserted INTx# per PIRQ */
    PciCf9ReadFn *cf9_read;
    PciCf9WriteFn *cf9_write;
    void *cf9_opaque;
    char **fw_dirs;
};

/* The bus that plugs new devices (there is one bus 0 per machine). */
static PciBus *pci_plug_bus;

/* ---- configuration space ---- */

static uint32_t pci_bar_offset(int n)
{
    return n == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * n;
}

static uint32_t pci_bar_size(const PciDevice *d, int n)
{
    if (n == PCI_ROM_SLOT) {
        return d->bar_mr[n] ? d->bar_mr[n]->size : 0;
    }
    return pci_dev_type(d)->bars[n].size;
}

static bool pci_slot_has_functions(const PciDevice *d)
{
    int first = PCI_DEVFN(PCI_SLOT(d->devfn), 1);

    for (int fn = first; fn < first + 7; fn++) {
        if (d->bus->devices[fn]) {
            return true;
        }
    }
    return false;
}

static uint8_t pci_config_byte(PciDevice *d, uint32_t addr)
{
    uint8_t v = d->config[addr];

    if (addr == PCI_HEADER_TYPE && d->devfn >= 0 && PCI_FUNC(d->devfn) == 0 &&
        pci_slot_has_functions(d)) {
        v |= PCI_HEADER_TYPE_MULTI;
    }
    return v;
}

uint32_t pci_config_read(PciDevice *d, uint32_t addr, unsigned len)
{
    uint32_t val = 0;

    for (unsigned i = 0; i < len && addr + i < 256; i++) {
        val |= (uint32_t)pci_config_byte(d, addr + i) << (8 * i);
    }
    return val;
}

static hwaddr pci_bar_address(const PciDevice *d, int n)
{
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    uint32_t size = pci_bar_size(d, n);
    uint32_t v = pci_get_long(d->config + pci_bar_offset(n));
    hwaddr addr;

    if (n == PCI_ROM_SLOT) {
        if (!(cmd & PCI_COMMAND_MEMORY) || !(v & PCI_ROM_ENABLE)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = v & ~(size - 1) & ~0x7ffu;
    } else if (pci_dev_type(d)->bars[n].flags & PCI_BAR_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = v & ~(size - 1) & ~3u;
        if (addr + size > 0x10000) {
            return PCI_BAR_UNMAPPED;
        }
    } else {
        if (!(cmd & PCI_COMMAND_MEMORY)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = v & ~(size - 1) & ~0xfu;
    }
    /* 0 is "not assigned"; a BAR that reaches 4 GiB is a sizing probe. */
    if (addr == 0 || addr + size - 1 >= 0xffffffffu) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

static void pci_update_mappings(PciDevice *d)
{
    as_begin_update(d->bus->mem);
    as_begin_update(d->bus->io);
    for (int n = 0; n <= PCI_ROM_SLOT; n++) {
        MemRegion *mr = d->bar_mr[n];
        hwaddr addr;
        bool is_io;

        if (!mr) {
            continue;
        }
        addr = pci_bar_address(d, n);
        if (addr == d->bar_addr[n]) {
            continue;
        }
        is_io = n != PCI_ROM_SLOT &&
                (pci_dev_type(d)->bars[n].flags & PCI_BAR_IO);
        ks_trace(pci, "%02x.%x BAR%d -> 0x%" PRIx64, PCI_SLOT(d->devfn),
                 PCI_FUNC(d->devfn), n, addr);
        if (addr == PCI_BAR_UNMAPPED) {
            mr_set_enabled(mr, false);
        } else if (!mr->as) {
            mr_set_enabled(mr, true);
            as_map(is_io ? d->bus->io : d->bus->mem, mr, addr,
                   PCI_BAR_PRIORITY);
        } else {
            mr_set_address(mr, addr);
            mr_set_enabled(mr, true);
        }
        d->bar_addr[n] = addr;
    }
    as_commit(d->bus->io);
    as_commit(d->bus->mem);
}

static void pci_update_irq(PciDevice *d)
{
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    bool level = d->irq_state && !(cmd & PCI_COMMAND_INTX_DISABLE);
    int pin = d->config[PCI_INTERRUPT_PIN];
    PciBus *bus = d->bus;
    int pirq;

    if (d->irq_state) {
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    }
    if (!bus || d->devfn < 0 || pin < 1 || pin > 4 ||
        level == d->irq_counted) {
        return;
    }
    /* The PIIX swizzle: slot 1 INTA# is PIRQA#, slot 2 INTA# PIRQB#... */
    pirq = (PCI_SLOT(d->devfn) + pin - 2) & 3;
    d->irq_counted = level;
    bus->pirq_count[pirq] += level ? 1 : -1;
    if (bus->pirq_fn) {
        bus->pirq_fn(bus->pirq_opaque, pirq, bus->pirq_count[pirq] > 0);
    }
}

void pci_set_irq(PciDevice *d, int level)
{
    d->irq_state = level != 0;
    pci_update_irq(d);
}

static bool pci_range_hits(uint32_t addr, unsigned len, uint32_t start,
                           uint32_t end)
{
    return addr < end && addr + len > start;
}

void pci_config_write(PciDevice *d, uint32_t addr, uint32_t val,
                      unsigned len)
{
    const PciDeviceType *t = pci_dev_type(d);

    if (addr + len > 256) {
        len = 256 - addr;
    }
    for (unsigned i = 0; i < len; i++) {
        uint8_t b = val >> (8 * i);
        uint8_t wm = d->wmask[addr + i];

        d->config[addr + i] = (d->config[addr + i] & ~wm) | (b & wm);
        d->config[addr + i] &= ~(b & d->w1cmask[addr + i]);
    }
    if (d->devfn >= 0 &&
        (pci_range_hits(addr, len, PCI_COMMAND, PCI_COMMAND + 2) ||
         pci_range_hits(addr, len, PCI_BASE_ADDRESS_0, 0x28) ||
         pci_range_hits(addr, len, PCI_ROM_ADDRESS, 0x34))) {
        pci_update_mappings(d);
    }
    if (pci_range_hits(addr, len, PCI_COMMAND, PCI_COMMAND + 2)) {
        pci_update_irq(d);
    }
    if (t->config_write) {
        t->config_write(d, addr, val, len);
    }
}

/* ---- ports 0xCF8-0xCFF ---- */

static uint64_t pci_addr_read(void *opaque, hwaddr addr, unsigned size)
{
    PciBus *bus = opaque;

    if (addr == 0 && size == 4) {
        return bus->config_addr;
    }
    if (addr == 1 && size == 1 && bus->cf9_read) {
        return bus->cf9_read(bus->cf9_opaque);
    }
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void pci_addr_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    PciBus *bus = opaque;

    if (addr == 0 && size == 4) {
        bus->config_addr = val & ~3u;
    } else if (addr == 1 && size == 1 && bus->cf9_write) {
        bus->cf9_write(bus->cf9_opaque, val);
    }
    /* Other narrow accesses are plain I/O cycles nobody claims. */
}

static PciDevice *pci_addressed(PciBus *bus)
{
    uint32_t ca = bus->config_addr;

    if (!(ca & PCI_CONFIG_ENABLE) || ((ca >> 16) & 0xff) != 0) {
        return NULL;
    }
    return bus->devices[(ca >> 8) & 0xff];
}

static uint64_t pci_data_read(void *opaque, hwaddr addr, unsigned size)
{
    PciBus *bus = opaque;
    PciDevice *d = pci_addressed(bus);
    uint32_t reg = (bus->config_addr & 0xfc) + addr;
    uint32_t val;

    if (!d) {
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    val = pci_config_read(d, reg, size);
    ks_trace(pci, "config read %02x.%x reg 0x%02x/%u = 0x%x",
             PCI_SLOT(d->devfn), PCI_FUNC(d->devfn), reg, size, val);
    return val;
}

static void pci_data_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    PciBus *bus = opaque;
    PciDevice *d = pci_addressed(bus);
    uint32_t reg = (bus->config_addr & 0xfc) + addr;

    if (!d) {
        return;
    }
    ks_trace(pci, "config write %02x.%x reg 0x%02x/%u = 0x%" PRIx64,
             PCI_SLOT(d->devfn), PCI_FUNC(d->devfn), reg, size, val);
    pci_config_write(d, reg, val, size);
}

static const MemRegionOps pci_addr_ops = {
    .read = pci_addr_read,
    .write = pci_addr_write,
    .min_access = 1,
    .max_access = 4,
};

static const MemRegionOps pci_data_ops = {
    .read = pci_data_read,
    .write = pci_data_write,
    .min_access = 1,
    .max_access = 4,
};

/* ---- the bus ---- */

PciBus *pci_bus_new(AddressSpace *mem, AddressSpace *io)
{
    PciBus *bus = g_new0(PciBus, 1);

    bus->mem = mem;
    bus->io = io;
    mr_init_io(&bus->addr_io, &pci_addr_ops, bus, "pci-conf-addr", 4);
    mr_init_io(&bus->data_io, &pci_data_ops, bus, "pci-conf-data", 4);
    as_map(io, &bus->addr_io, 0xcf8, 0);
    as_map(io, &bus->data_io, 0xcfc, 0);
    pci_plug_bus = bus;
    return bus;
}

void pci_bus_free(PciBus *bus)
{
    for (int i = 0; i < PCI_NUM_DEVFN; i++) {
        if (bus->devices[i]) {
            bus->devices[i]->bus = NULL;
            bus->devices[i]->devfn = -1;
        }
    }
    as_unmap(&bus->addr_io);
    as_unmap(&bus->data_io);
    if (pci_plug_bus == bus) {
        pci_plug_bus = NULL;
    }
    g_strfreev(bus->fw_dirs);
    g_free(bus);
}

void pci_bus_set_pirq_handler(PciBus *bus, PciPirqFn *fn, void *opaque)
{
    bus->pirq_fn = fn;
    bus->pirq_opaque = opaque;
}

void pci_bus_set_cf9_handler(PciBus *bus, PciCf9ReadFn *rd,
                             PciCf9WriteFn *wr, void *opaque)
{
    bus->cf9_read = rd;
    bus->cf9_write = wr;
    bus->cf9_opaque = opaque;
}

void pci_bus_set_firmware_dirs(PciBus *bus, const char *const *dirs)
{
    g_strfreev(bus->fw_dirs);
    bus->fw_dirs = g_strdupv((char **)dirs);
}

PciDevice *pci_bus_find(PciBus *bus, int devfn)
{
    return devfn >= 0 && devfn < PCI_NUM_DEVFN ? bus->devices[devfn] : NULL;
}

void pci_register_bar(PciDevice *d, int n, MemRegion *mr)
{
    const PciBarInfo *bar = &pci_dev_type(d)->bars[n];

    g_assert(n >= 0 && n < PCI_NUM_BARS && bar->size >= mr->size);
    d->bar_mr[n] = mr;
    dev_init_region(&d->dev, mr);
}

/* ---- the expansion ROM ---- */

static char *pci_find_romfile(PciBus *bus, const char *name)
{
    if (g_file_test(name, G_FILE_TEST_IS_REGULAR)) {
        return g_strdup(name);
    }
    for (char **dir = bus->fw_dirs; dir && *dir; dir++) {
        char *path = g_build_filename(*dir, name, NULL);

        if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            return path;
        }
        g_free(path);
    }
    return NULL;
}

static bool pci_load_rom(PciDevice *d, GError **errp)
{
    g_autofree char *path = pci_find_romfile(d->bus, d->romfile);
    g_autofree char *data = NULL;
    gsize len;
    uint64_t size = 2048;

    if (!path) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO,
                    "%s: romfile=%s: file not found", d->dev.type->name,
                    d->romfile);
        return false;
    }
    if (!g_file_get_contents(path, &data, &len, errp)) {
        return false;
    }
    if (len == 0 || len > 16 * 1024 * 1024) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s: romfile=%s: bad size %zu", d->dev.type->name,
                    path, (size_t)len);
        return false;
    }
    while (size < len) {
        size <<= 1;
    }
    mr_init_rom(&d->rom, d->romfile, size);
    memcpy(d->rom.host, data, len);
    d->bar_mr[PCI_ROM_SLOT] = &d->rom;
    dev_init_region(&d->dev, &d->rom);
    pci_set_long(d->wmask + PCI_ROM_ADDRESS, ~(uint32_t)(size - 1) |
                 PCI_ROM_ENABLE);
    return true;
}

/* ---- device life cycle ---- */

static void pci_init_config(PciDevice *d)
{
    const PciDeviceType *t = pci_dev_type(d);

    memset(d->config, 0, sizeof(d->config));
    pci_set_word(d->config + PCI_VENDOR_ID, t->vendor_id);
    pci_set_word(d->config + PCI_DEVICE_ID, t->device_id);
    pci_set_word(d->config + PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
    d->config[PCI_REVISION_ID] = t->revision;
    d->config[PCI_CLASS_PROG] = t->class_code;
    pci_set_word(d->config + PCI_CLASS_DEVICE, t->class_code >> 8);
    pci_set_word(d->config + PCI_SUBSYSTEM_VENDOR_ID,
                 t->subsys_vendor_id ? t->subsys_vendor_id
                                     : PCI_SUBVENDOR_QEMU);
    pci_set_word(d->config + PCI_SUBSYSTEM_ID,
                 t->subsys_vendor_id ? t->subsys_id : PCI_SUBDEVICE_QEMU);
    d->config[PCI_INTERRUPT_PIN] = t->int_pin;
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        pci_set_long(d->config + pci_bar_offset(n), t->bars[n].flags);
    }
}

bool pci_dev_realize(Device *dev, GError **errp)
{
    PciDevice *d = container_of(dev, PciDevice, dev);
    const PciDeviceType *t = pci_dev_type(d);

    if (!pci_plug_bus) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s: this machine has no PCI bus", dev->type->name);
        return false;
    }
    d->bus = pci_plug_bus;
    d->devfn = -1;
    for (int n = 0; n <= PCI_ROM_SLOT; n++) {
        d->bar_addr[n] = PCI_BAR_UNMAPPED;
    }
    pci_set_word(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                 PCI_COMMAND_MASTER | PCI_COMMAND_SERR |
                 PCI_COMMAND_INTX_DISABLE);
    d->w1cmask[PCI_STATUS + 1] = 0xf9;  /* error bits */
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        uint32_t size = t->bars[n].size;
        uint32_t low = (t->bars[n].flags & PCI_BAR_IO) ? 3 : 0xf;

        if (size) {
            pci_set_long(d->wmask + pci_bar_offset(n), ~(size - 1) & ~low);
        }
    }
    pci_init_config(d);
    /* dev_realize() runs pci_dev_reset() next: config defaults go there. */
    return !t->realize || t->realize(d, errp);
}

void pci_dev_reset(Device *dev)
{
    PciDevice *d = container_of(dev, PciDevice, dev);
    const PciDeviceType *t = pci_dev_type(d);

    pci_init_config(d);
    d->irq_state = false;
    pci_update_irq(d);
    if (d->devfn >= 0) {
        pci_update_mappings(d);
    }
    if (t->reset) {
        t->reset(d);
    }
}

void pci_dev_unrealize(Device *dev)
{
    PciDevice *d = container_of(dev, PciDevice, dev);
    const PciDeviceType *t = pci_dev_type(d);

    if (t->unrealize) {
        t->unrealize(d);
    }
    pci_set_irq(d, 0);
    for (int n = 0; n <= PCI_ROM_SLOT; n++) {
        if (d->bar_mr[n] && d->bar_mr[n]->as) {
            as_unmap(d->bar_mr[n]);
        }
    }
    if (d->bar_mr[PCI_ROM_SLOT] == &d->rom) {
        mr_destroy(&d->rom);
    }
    if (d->bus && d->devfn >= 0) {
        d->bus->devices[d->devfn] = NULL;
    }
    d->bus = NULL;
}

/* "SLOT[.FN]" in hex, as QEMU's addr= property. */
static int pci_parse_addr(const char *s)
{
    char *end;
    guint64 slot = g_ascii_strtoull(s, &end, 16);
    guint64 fn = 0;

    if (end == s || slot > 31) {
        return -1;
    }
    if (*end == '.') {
        const char *f = end + 1;

        fn = g_ascii_strtoull(f, &end, 16);
        if (end == f || fn > 7) {
            return -1;
        }
    }
    return *end ? -1 : (int)PCI_DEVFN(slot, fn);
}

static bool pci_bus_plug(Device *dev, GError **errp)
{
    PciDevice *d = container_of(dev, PciDevice, dev);
    PciBus *bus = d->bus;
    int devfn = -1;

    if (d->addr) {
        devfn = pci_parse_addr(d->addr);
        if (devfn < 0) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "%s: addr=%s: expected SLOT[.FUNCTION] in hex",
                        dev->type->name, d->addr);
            return false;
        }
        if (bus->devices[devfn]) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "%s: addr=%s: slot in use by %s", dev->type->name,
                        d->addr, bus->devices[devfn]->dev.type->name);
            return false;
        }
    } else {
        for (int i = 0; i < PCI_NUM_DEVFN; i += 8) {
            if (!bus->devices[i]) {
                devfn = i;
                break;
            }
        }
        if (devfn < 0) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "%s: no free PCI slot", dev->type->name);
            return false;
        }
    }
    d->devfn = devfn;
    if (d->romfile && *d->romfile && !pci_load_rom(d, errp)) {
        d->devfn = -1;
        return false;
    }
    bus->devices[devfn] = d;
    ks_trace(pci, "plugged %s at %02x.%x", dev->type->name,
             PCI_SLOT(devfn), PCI_FUNC(devfn));
    return true;
}

static const BusType pci_bus_type = {
    .name = "pci",
    .plug = pci_bus_plug,
};
BUS_TYPE_REGISTER(pci_bus_type);
