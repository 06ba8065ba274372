/* SPDX-License-Identifier: MIT */
/*
 * The machine's address spaces: guest physical memory and the 64 KiB port
 * space. Regions (RAM, ROM, device I/O, aliases) are mapped at an address
 * with a priority; the higher priority wins where regions overlap. The map
 * is flattened into a sorted list of ranges that the TLB slow path, DMA,
 * the port dispatch and KVM memory slots all read.
 *
 * All map changes happen under the big lock. Readers on the vCPU thread use
 * the current flat view; replaced views are kept until exit, so that a
 * reader never sees freed memory (map changes are rare: PAM, BARs, VGA).
 */
#ifndef KESTREL_MEMORY_H
#define KESTREL_MEMORY_H

#include "kestrel/osdep.h"

typedef struct AddressSpace AddressSpace;
typedef struct MemRegion MemRegion;

typedef struct MemRegionOps {
    /* addr is the offset inside the region; values are little-endian. */
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t val, unsigned size);
    /* Sizes the device accepts (0 means 1 and 4). The core splits wider
     * accesses and widens narrower ones (read-modify for reads only). */
    unsigned min_access;
    unsigned max_access;
} MemRegionOps;

typedef enum MemRegionKind {
    MR_RAM,                             /* host memory, guest read/write */
    MR_ROM,                             /* host memory, guest read-only */
    MR_IO,                              /* device callbacks */
    MR_ALIAS,                           /* a window onto another region */
} MemRegionKind;

struct MemRegion {
    MemRegionKind kind;
    const char *name;
    uint64_t size;
    /* MR_IO */
    const MemRegionOps *ops;
    void *opaque;
    /* MR_RAM, MR_ROM */
    uint8_t *host;
    bool readonly;                      /* RAM whose writes are dropped */
    uint8_t *code_pages;                /* 1 bit per 4 KiB page: has TBs */
    /* MR_ALIAS */
    MemRegion *alias;
    uint64_t alias_offset;
    /* where it is mapped */
    AddressSpace *as;
    hwaddr addr;
    int priority;
    bool enabled;
};

/* One piece of the flattened map: [start, end] -> mr at offset. */
typedef struct FlatRange {
    hwaddr start;
    hwaddr end;                         /* inclusive */
    MemRegion *mr;                      /* never an alias */
    uint64_t offset;                    /* offset in mr of start */
    bool readonly;                      /* ROM, or RAM set read-only */
} FlatRange;

typedef struct FlatView {
    FlatRange *ranges;
    unsigned nr;
} FlatView;

typedef void MemListenerFn(AddressSpace *as, void *opaque);

struct AddressSpace {
    const char *name;
    uint64_t size;
    GPtrArray *regions;                 /* mapped MemRegion pointers */
    FlatView *view;
    GPtrArray *old_views;               /* see the header comment */
    GArray *listeners;                  /* MemListener, told after a change */
    int update_depth;                   /* as_begin_update nesting */
    bool update_pending;
};

typedef enum MemTxResult {
    MEMTX_OK = 0,
    MEMTX_UNASSIGNED,                   /* nothing mapped: reads all-ones */
    MEMTX_READONLY,                     /* write to ROM: dropped */
} MemTxResult;

extern AddressSpace address_space_memory;
extern AddressSpace address_space_io;

/* Called when a write reaches a RAM page that has translated code. */
extern void (*mem_code_write_hook)(MemRegion *mr, uint64_t offset,
                                   uint64_t len);

void as_init(AddressSpace *as, const char *name, uint64_t size);
void as_destroy(AddressSpace *as);
void as_add_listener(AddressSpace *as, MemListenerFn *fn, void *opaque);

void mr_init_ram(MemRegion *mr, const char *name, uint64_t size);
void mr_init_rom(MemRegion *mr, const char *name, uint64_t size);
void mr_init_io(MemRegion *mr, const MemRegionOps *ops, void *opaque,
                const char *name, uint64_t size);
void mr_init_alias(MemRegion *mr, const char *name, MemRegion *target,
                   uint64_t offset, uint64_t size);
/* Free host memory of a RAM/ROM region (must be unmapped). */
void mr_destroy(MemRegion *mr);

void as_map(AddressSpace *as, MemRegion *mr, hwaddr addr, int priority);
void as_unmap(MemRegion *mr);
void mr_set_enabled(MemRegion *mr, bool enabled);
void mr_set_address(MemRegion *mr, hwaddr addr);
/* On an alias, only accesses through that alias drop their writes (the
 * i440FX PAM maps read-only windows of RAM this way). */
void mr_set_readonly(MemRegion *mr, bool readonly);
void mr_set_alias_offset(MemRegion *mr, uint64_t offset);
/* Batch several changes into one re-flattening. */
void as_begin_update(AddressSpace *as);
void as_commit(AddressSpace *as);

/* The flat range holding addr, or NULL where nothing is mapped. */
const FlatRange *as_lookup(AddressSpace *as, hwaddr addr);

/* Byte-granular access of any length; crosses regions. */
MemTxResult as_rw(AddressSpace *as, hwaddr addr, void *buf, uint64_t len,
                  bool is_write);
/* One access of size 1, 2, 4 or 8, little-endian value. */
uint64_t as_read(AddressSpace *as, hwaddr addr, unsigned size,
                 MemTxResult *res);
MemTxResult as_write(AddressSpace *as, hwaddr addr, uint64_t val,
                     unsigned size);

/* Guest RAM access for device DMA: false (and a -d guest_errors line) when
 * any byte of the range is not RAM. */
bool dma_read(hwaddr addr, void *buf, uint64_t len);
bool dma_write(hwaddr addr, const void *buf, uint64_t len);

/* Port I/O: the one dispatch used by the JIT's helpers and KVM exits.
 * Unhandled ports read all-ones and are logged under -d unimp. */
uint64_t io_read(uint16_t port, unsigned size);
void io_write(uint16_t port, uint64_t val, unsigned size);

/* Code-page bits, for self-modifying code detection. */
static inline bool mr_page_has_code(const MemRegion *mr, uint64_t offset)
{
    uint64_t pg = offset >> 12;
    return mr->code_pages && (mr->code_pages[pg >> 3] >> (pg & 7)) & 1;
}
void mr_set_code_page(MemRegion *mr, uint64_t offset, bool has_code);

#endif /* KESTREL_MEMORY_H */
