/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration interface (fw_cfg), the x86 I/O port
 * flavour: selector at iobase (16-bit, 0x510), data at iobase + 1 (8-bit),
 * and the DMA address register at iobase + 4..11 (64-bit big-endian; a
 * write of the low half, or one 64-bit write, starts a transfer).
 *
 * The board (hw/i386/pc.c) creates it as ISA device "fw_cfg-io" and fills
 * the items with fw_cfg_add_*(). DMA descriptors and buffers must lie in
 * guest RAM: anything else sets the descriptor's error bit (when the
 * descriptor itself is reachable) and is logged under -d guest_errors.
 * Ref: QEMU docs/specs/fw_cfg.rst ("Guest-side Hardware Interface",
 * "Guest-side DMA Interface", "File Directory").
 * Missing: writable items (every DMA write fails with the error bit, the
 * data port ignores writes, as QEMU since 2.4 for the port).
 */
#include "kestrel/osdep.h"
#include "kestrel/device.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "hw/i386/fw_cfg.h"

#define FW_CFG_CTL_SIZE         2       /* selector + data */
#define FW_CFG_DMA_OFFSET       4
#define FW_CFG_DMA_SIZE         8
#define FW_CFG_ENTRY_MASK       0x3fff
#define FW_CFG_NR_ENTRIES       (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)
#define FW_CFG_DMA_DESC_SIZE    16
#define FW_CFG_FILE_ENTRY_SIZE  64

KS_TRACE_DEFINE(fw_cfg);

typedef struct FwCfgEntry {
    uint8_t *data;
    uint32_t len;
} FwCfgEntry;

typedef struct FwCfgFile {
    char name[FW_CFG_MAX_FILE_NAME];
    uint16_t key;
} FwCfgFile;

typedef struct FwCfgState {
    Device dev;                         /* first */
    uint16_t iobase;
    bool dma_enabled;
    MemRegion ctl_io;
    MemRegion dma_io;
    FwCfgEntry entries[2][FW_CFG_NR_ENTRIES];   /* generic, arch-local */
    FwCfgFile files[FW_CFG_MAX_FILES];
    unsigned nr_files;
    uint16_t cur_key;
    uint32_t cur_offset;
    uint64_t dma_addr;
} FwCfgState;

static FwCfgEntry *fw_cfg_entry(FwCfgState *s, uint16_t key)
{
    unsigned idx = key & FW_CFG_ENTRY_MASK;

    if (idx >= FW_CFG_NR_ENTRIES) {
        return NULL;
    }
    return &s->entries[!!(key & FW_CFG_ARCH_LOCAL)][idx];
}

static FwCfgState *fw_cfg_state(Device *fw)
{
    return container_of(fw, FwCfgState, dev);
}

void fw_cfg_add_bytes(Device *fw, uint16_t key, const void *data,
                      size_t len)
{
    FwCfgEntry *e = fw_cfg_entry(fw_cfg_state(fw), key);

    g_assert(e && len <= UINT32_MAX);
    g_free(e->data);
    e->data = g_memdup2(data, len);
    e->len = len;
}

void fw_cfg_add_string(Device *fw, uint16_t key, const char *str)
{
    fw_cfg_add_bytes(fw, key, str, strlen(str) + 1);
}

void fw_cfg_add_i16(Device *fw, uint16_t key, uint16_t val)
{
    uint16_t le = GUINT16_TO_LE(val);

    fw_cfg_add_bytes(fw, key, &le, sizeof(le));
}

void fw_cfg_add_i32(Device *fw, uint16_t key, uint32_t val)
{
    uint32_t le = GUINT32_TO_LE(val);

    fw_cfg_add_bytes(fw, key, &le, sizeof(le));
}

void fw_cfg_add_i64(Device *fw, uint16_t key, uint64_t val)
{
    uint64_t le = GUINT64_TO_LE(val);

    fw_cfg_add_bytes(fw, key, &le, sizeof(le));
}

static int fw_cfg_file_cmp(const void *a, const void *b)
{
    return strcmp(((const FwCfgFile *)a)->name, ((const FwCfgFile *)b)->name);
}

/* FW_CFG_FILE_DIR: be32 count, then 64-byte entries sorted by name. */
static void fw_cfg_rebuild_dir(FwCfgState *s)
{
    size_t len = 4 + (size_t)s->nr_files * FW_CFG_FILE_ENTRY_SIZE;
    g_autofree uint8_t *dir = g_malloc0(len);
    g_autofree FwCfgFile *sorted = g_memdup2(s->files,
                                             sizeof(FwCfgFile) * s->nr_files);
    uint32_t count = GUINT32_TO_BE(s->nr_files);

    if (s->nr_files) {                  /* qsort(NULL, 0) is undefined */
        qsort(sorted, s->nr_files, sizeof(FwCfgFile), fw_cfg_file_cmp);
    }
    memcpy(dir, &count, 4);
    for (unsigned i = 0; i < s->nr_files; i++) {
        uint8_t *p = dir + 4 + i * FW_CFG_FILE_ENTRY_SIZE;
        uint32_t size = GUINT32_TO_BE(fw_cfg_entry(s, sorted[i].key)->len);
        uint16_t key = GUINT16_TO_BE(sorted[i].key);

        memcpy(p, &size, 4);
        memcpy(p + 4, &key, 2);
        memcpy(p + 8, sorted[i].name, FW_CFG_MAX_FILE_NAME);
    }
    fw_cfg_add_bytes(&s->dev, FW_CFG_FILE_DIR, dir, len);
}

void fw_cfg_add_file(Device *fw, const char *name, const void *data,
                     size_t len)
{
    FwCfgState *s = fw_cfg_state(fw);
    unsigned i;

    g_assert(strlen(name) < FW_CFG_MAX_FILE_NAME);
    for (i = 0; i < s->nr_files; i++) {
        if (!strcmp(s->files[i].name, name)) {
            break;
        }
    }
    if (i == s->nr_files) {
        g_assert(s->nr_files < FW_CFG_MAX_FILES);
        g_strlcpy(s->files[i].name, name, FW_CFG_MAX_FILE_NAME);
        s->files[i].key = FW_CFG_FILE_FIRST + i;
        s->nr_files++;
    }
    fw_cfg_add_bytes(fw, s->files[i].key, data, len);
    fw_cfg_rebuild_dir(s);
}

static void fw_cfg_select(FwCfgState *s, uint16_t key)
{
    ks_trace(fw_cfg, "select 0x%04x", key);
    s->cur_key = key;
    s->cur_offset = 0;
}

static uint8_t fw_cfg_read_byte(FwCfgState *s)
{
    FwCfgEntry *e = fw_cfg_entry(s, s->cur_key);

    if (!e || s->cur_offset >= e->len) {
        return 0;
    }
    return e->data[s->cur_offset++];
}

static uint64_t fw_cfg_ctl_read(void *opaque, hwaddr addr, unsigned size)
{
    FwCfgState *s = opaque;

    if (addr == 1 && size == 1) {
        return fw_cfg_read_byte(s);
    }
    ks_log_mask(LOG_GUEST_ERROR, "fw_cfg: %u-byte read at offset %" PRIu64
                " (the selector is write-only)\n", size, addr);
    return 0;
}

static void fw_cfg_ctl_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    FwCfgState *s = opaque;

    if (addr == 0) {
        fw_cfg_select(s, val);
    }
    /* Data port writes are ignored, as QEMU has done since v2.4. */
}

static const MemRegionOps fw_cfg_ctl_ops = {
    .read = fw_cfg_ctl_read,
    .write = fw_cfg_ctl_write,
    .min_access = 1,
    .max_access = 2,
};

/* Transfer [offset, offset + len) of the current item to guest RAM;
 * bytes past the item's end read as zero. */
static bool fw_cfg_dma_read_item(FwCfgState *s, uint64_t addr, uint32_t len)
{
    static const uint8_t zeros[4096];
    FwCfgEntry *e = fw_cfg_entry(s, s->cur_key);

    while (len) {
        uint32_t avail = e && s->cur_offset < e->len ?
                         e->len - s->cur_offset : 0;
        uint32_t chunk = avail ? MIN(len, avail) : MIN(len, sizeof(zeros));
        const uint8_t *src = avail ? e->data + s->cur_offset : zeros;

        if (!dma_write(addr, src, chunk)) {
            return false;
        }
        if (avail) {
            s->cur_offset += chunk;
        }
        addr += chunk;
        len -= chunk;
    }
    return true;
}

static void fw_cfg_dma_transfer(FwCfgState *s, uint64_t desc_addr)
{
    uint8_t desc[FW_CFG_DMA_DESC_SIZE];
    uint32_t control, length;
    uint64_t addr;
    bool ok = true;

    if (!dma_read(desc_addr, desc, sizeof(desc))) {
        ks_log_mask(LOG_GUEST_ERROR, "fw_cfg: DMA descriptor at 0x%" PRIx64
                    " is not in RAM\n", desc_addr);
        return;
    }
    memcpy(&control, desc, 4);
    memcpy(&length, desc + 4, 4);
    memcpy(&addr, desc + 8, 8);
    control = GUINT32_FROM_BE(control);
    length = GUINT32_FROM_BE(length);
    addr = GUINT64_FROM_BE(addr);
    ks_trace(fw_cfg, "DMA control 0x%x length %u address 0x%" PRIx64,
             control, length, addr);

    if (control & FW_CFG_DMA_CTL_SELECT) {
        fw_cfg_select(s, control >> 16);
    }
    if (control & FW_CFG_DMA_CTL_READ) {
        ok = fw_cfg_dma_read_item(s, addr, length);
    } else if (control & FW_CFG_DMA_CTL_WRITE) {
        ks_log_mask(LOG_GUEST_ERROR, "fw_cfg: DMA write to read-only item "
                    "0x%04x\n", s->cur_key);
        ok = false;
    } else if (control & FW_CFG_DMA_CTL_SKIP) {
        FwCfgEntry *e = fw_cfg_entry(s, s->cur_key);
        uint32_t max = e ? e->len : 0;

        /* The offset stops at the end of the item. */
        s->cur_offset = MIN((uint64_t)s->cur_offset + length,
                            MAX(max, s->cur_offset));
    }
    if (!ok) {
        ks_log_mask(LOG_GUEST_ERROR, "fw_cfg: DMA of %u bytes at 0x%" PRIx64
                    " failed\n", length, addr);
    }
    control = GUINT32_TO_BE(ok ? 0 : FW_CFG_DMA_CTL_ERROR);
    dma_write(desc_addr, &control, 4);
}

/* "QEMU CFG" as a big-endian 64-bit register. */
static const char fw_cfg_dma_signature[FW_CFG_DMA_SIZE] = "QEMU CFG";

static uint64_t fw_cfg_dma_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t val = 0;

    for (unsigned i = 0; i < size && addr + i < FW_CFG_DMA_SIZE; i++) {
        val |= (uint64_t)(uint8_t)fw_cfg_dma_signature[addr + i] << (8 * i);
    }
    return val;
}

static void fw_cfg_dma_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    FwCfgState *s = opaque;
    uint64_t desc;

    if (size == 8 && addr == 0) {
        desc = GUINT64_FROM_BE(val);
    } else if (size == 4 && addr == 0) {
        s->dma_addr = (uint64_t)GUINT32_FROM_BE((uint32_t)val) << 32;
        return;
    } else if (size == 4 && addr == 4) {
        desc = s->dma_addr | GUINT32_FROM_BE((uint32_t)val);
    } else {
        ks_log_mask(LOG_GUEST_ERROR, "fw_cfg: %u-byte DMA register write at "
                    "offset %" PRIu64 "\n", size, addr);
        return;
    }
    s->dma_addr = 0;
    fw_cfg_dma_transfer(s, desc);
}

static const MemRegionOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_read,
    .write = fw_cfg_dma_write,
    .min_access = 1,
    .max_access = 8,
};

static bool fw_cfg_realize(Device *dev, GError **errp)
{
    FwCfgState *s = container_of(dev, FwCfgState, dev);
    uint32_t id = FW_CFG_ID_TRADITIONAL;

    mr_init_io(&s->ctl_io, &fw_cfg_ctl_ops, s, "fw_cfg", FW_CFG_CTL_SIZE);
    isa_init_region(dev, &s->ctl_io, 0);
    if (s->dma_enabled) {
        mr_init_io(&s->dma_io, &fw_cfg_dma_ops, s, "fw_cfg-dma",
                   FW_CFG_DMA_SIZE);
        isa_init_region(dev, &s->dma_io, FW_CFG_DMA_OFFSET);
        id |= FW_CFG_ID_DMA;
    }
    fw_cfg_add_bytes(dev, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(dev, FW_CFG_ID, id);
    fw_cfg_rebuild_dir(s);
    return true;
}

static void fw_cfg_reset(Device *dev)
{
    FwCfgState *s = container_of(dev, FwCfgState, dev);

    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

static void fw_cfg_unrealize(Device *dev)
{
    FwCfgState *s = container_of(dev, FwCfgState, dev);

    isa_unplug(dev);
    for (int a = 0; a < 2; a++) {
        for (int i = 0; i < FW_CFG_NR_ENTRIES; i++) {
            g_clear_pointer(&s->entries[a][i].data, g_free);
        }
    }
}

static const PropDesc fw_cfg_props[] = {
    DEV_PROP(FwCfgState, iobase, "iobase", PROP_U16, "0x510",
             "selector port; data at +1, DMA address at +4"),
    DEV_PROP(FwCfgState, dma_enabled, "dma_enabled", PROP_BOOL, "on",
             "offer the DMA interface"),
    DEV_PROP_END,
};

static const DeviceType fw_cfg_type = {
    .name = "fw_cfg-io",
    .desc = "QEMU firmware configuration interface (board only)",
    .bus = "isa",
    .instance_size = sizeof(FwCfgState),
    .realize = fw_cfg_realize,
    .reset = fw_cfg_reset,
    .unrealize = fw_cfg_unrealize,
    .props = fw_cfg_props,
};
DEVICE_TYPE_REGISTER(fw_cfg_type);
