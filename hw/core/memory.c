/* SPDX-License-Identifier: MIT */
/*
 * Address spaces and memory regions: mapping, flattening and dispatch.
 *
 * Regions are mapped into an AddressSpace at an address with a priority.
 * as_commit() flattens the enabled regions into a sorted array of ranges,
 * higher priority painting over lower; aliases are resolved to their
 * target at that time. Lookups binary-search the flat view.
 * Accesses to MR_IO regions are split or widened to the sizes the device's
 * ops accept (little-endian), as a PC's bus would do.
 */
#include "kestrel/osdep.h"
#include "kestrel/memory.h"
#include "kestrel/log.h"
#include <sys/mman.h>

AddressSpace address_space_memory;
AddressSpace address_space_io;
void (*mem_code_write_hook)(MemRegion *mr, uint64_t offset, uint64_t len);

typedef struct MemListener {
    MemListenerFn *fn;
    void *opaque;
} MemListener;

static void as_update(AddressSpace *as);

void as_init(AddressSpace *as, const char *name, uint64_t size)
{
    *as = (AddressSpace) {
        .name = name,
        .size = size,
        .regions = g_ptr_array_new(),
        .old_views = g_ptr_array_new(),
        .listeners = g_array_new(false, true, sizeof(MemListener)),
    };
    as_update(as);
}

static void flat_view_free(gpointer p)
{
    FlatView *v = p;

    g_free(v->ranges);
    g_free(v);
}

void as_destroy(AddressSpace *as)
{
    for (guint i = 0; i < as->regions->len; i++) {
        MemRegion *mr = as->regions->pdata[i];
        mr->as = NULL;
    }
    g_ptr_array_free(as->regions, true);
    g_ptr_array_set_free_func(as->old_views, flat_view_free);
    g_ptr_array_free(as->old_views, true);
    flat_view_free(as->view);
    g_array_free(as->listeners, true);
    memset(as, 0, sizeof(*as));
}

void as_add_listener(AddressSpace *as, MemListenerFn *fn, void *opaque)
{
    MemListener l = { fn, opaque };

    g_array_append_val(as->listeners, l);
}

static uint8_t *ram_alloc(uint64_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (p == MAP_FAILED) {
        ks_abort("cannot allocate %" PRIu64 " bytes of guest memory: %s",
                 size, g_strerror(errno));
    }
    return p;
}

static void mr_init_common(MemRegion *mr, MemRegionKind kind,
                           const char *name, uint64_t size)
{
    *mr = (MemRegion) { .kind = kind, .name = name, .size = size,
                        .enabled = true };
}

void mr_init_ram(MemRegion *mr, const char *name, uint64_t size)
{
    mr_init_common(mr, MR_RAM, name, size);
    mr->host = ram_alloc(size);
    mr->code_pages = g_new0(uint8_t, (size / 4096 + 7) / 8 + 1);
}

void mr_init_rom(MemRegion *mr, const char *name, uint64_t size)
{
    mr_init_ram(mr, name, size);
    mr->kind = MR_ROM;
}

void mr_init_io(MemRegion *mr, const MemRegionOps *ops, void *opaque,
                const char *name, uint64_t size)
{
    mr_init_common(mr, MR_IO, name, size);
    mr->ops = ops;
    mr->opaque = opaque;
}

void mr_init_alias(MemRegion *mr, const char *name, MemRegion *target,
                   uint64_t offset, uint64_t size)
{
    mr_init_common(mr, MR_ALIAS, name, size);
    mr->alias = target;
    mr->alias_offset = offset;
}

void mr_destroy(MemRegion *mr)
{
    if (mr->as) {
        as_unmap(mr);
    }
    if (mr->host) {
        munmap(mr->host, mr->size);
        mr->host = NULL;
    }
    g_clear_pointer(&mr->code_pages, g_free);
}

void mr_set_code_page(MemRegion *mr, uint64_t offset, bool has_code)
{
    uint64_t pg = offset >> 12;

    if (!mr->code_pages || offset >= mr->size) {
        return;
    }
    if (has_code) {
        mr->code_pages[pg >> 3] |= 1u << (pg & 7);
    } else {
        mr->code_pages[pg >> 3] &= ~(1u << (pg & 7));
    }
}

/* ---- mapping ---- */

void as_begin_update(AddressSpace *as)
{
    as->update_depth++;
}

void as_commit(AddressSpace *as)
{
    g_assert(as->update_depth > 0);
    if (--as->update_depth == 0 && as->update_pending) {
        as_update(as);
    }
}

static void as_changed(AddressSpace *as)
{
    if (!as || !as->regions) {
        return;
    }
    if (as->update_depth) {
        as->update_pending = true;
    } else {
        as_update(as);
    }
}

void as_map(AddressSpace *as, MemRegion *mr, hwaddr addr, int priority)
{
    g_assert(!mr->as);
    mr->as = as;
    mr->addr = addr;
    mr->priority = priority;
    g_ptr_array_add(as->regions, mr);
    as_changed(as);
}

void as_unmap(MemRegion *mr)
{
    AddressSpace *as = mr->as;

    if (!as) {
        return;
    }
    g_ptr_array_remove(as->regions, mr);
    mr->as = NULL;
    as_changed(as);
}

void mr_set_enabled(MemRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        as_changed(mr->as);
    }
}

void mr_set_address(MemRegion *mr, hwaddr addr)
{
    if (mr->addr != addr) {
        mr->addr = addr;
        as_changed(mr->as);
    }
}

void mr_set_readonly(MemRegion *mr, bool readonly)
{
    if (mr->readonly != readonly) {
        mr->readonly = readonly;
        /* aliases of mr carry its flag into their flat ranges too */
        as_changed(mr->as);
        if (mr->as != &address_space_memory) {
            as_changed(&address_space_memory);
        }
    }
}

void mr_set_alias_offset(MemRegion *mr, uint64_t offset)
{
    if (mr->alias_offset != offset) {
        mr->alias_offset = offset;
        as_changed(mr->as);
    }
}

/* ---- flattening ---- */

static gint region_prio_cmp(gconstpointer a, gconstpointer b)
{
    const MemRegion *x = *(MemRegion *const *)a;
    const MemRegion *y = *(MemRegion *const *)b;

    return (x->priority > y->priority) - (x->priority < y->priority);
}

/* Paint [r.start, r.end] over the sorted, disjoint ranges in arr. */
static void flat_paint(GArray *arr, FlatRange r)
{
    GArray *out = g_array_sized_new(false, false, sizeof(FlatRange),
                                    arr->len + 2);
    bool placed = false;

    for (guint i = 0; i < arr->len; i++) {
        FlatRange f = g_array_index(arr, FlatRange, i);

        if (f.end < r.start || f.start > r.end) {
            if (!placed && f.start > r.end) {
                g_array_append_val(out, r);
                placed = true;
            }
            g_array_append_val(out, f);
            continue;
        }
        if (f.start < r.start) {        /* left part survives */
            FlatRange left = f;
            left.end = r.start - 1;
            g_array_append_val(out, left);
        }
        if (!placed) {
            g_array_append_val(out, r);
            placed = true;
        }
        if (f.end > r.end) {            /* right part survives */
            FlatRange right = f;
            right.offset += r.end + 1 - f.start;
            right.start = r.end + 1;
            g_array_append_val(out, right);
        }
    }
    if (!placed) {
        g_array_append_val(out, r);
    }
    g_array_set_size(arr, 0);
    g_array_append_vals(arr, out->data, out->len);
    g_array_free(out, true);
}

static void as_update(AddressSpace *as)
{
    g_autoptr(GPtrArray) sorted = g_ptr_array_copy(as->regions, NULL, NULL);
    GArray *arr = g_array_new(false, false, sizeof(FlatRange));
    FlatView *view = g_new0(FlatView, 1);

    g_ptr_array_sort(sorted, region_prio_cmp);
    for (guint i = 0; i < sorted->len; i++) {
        MemRegion *mr = sorted->pdata[i];
        MemRegion *target = mr;
        uint64_t offset = 0, size = mr->size;
        bool readonly = false;

        if (!mr->enabled || !mr->size) {
            continue;
        }
        /* a read-only alias (PAM's read-only shadow) protects its window */
        while (target->kind == MR_ALIAS) {
            readonly |= target->readonly;
            offset += target->alias_offset;
            target = target->alias;
        }
        if (offset >= target->size) {
            continue;
        }
        size = MIN(size, target->size - offset);
        readonly |= target->kind == MR_ROM || target->readonly;
        flat_paint(arr, (FlatRange) { .start = mr->addr,
                                      .end = mr->addr + size - 1,
                                      .mr = target, .offset = offset,
                                      .readonly = readonly });
    }
    view->nr = arr->len;
    view->ranges = (FlatRange *)g_array_free(arr, false);
    if (as->view) {
        g_ptr_array_add(as->old_views, as->view);
    }
    __atomic_store_n(&as->view, view, __ATOMIC_RELEASE);
    as->update_pending = false;
    for (guint i = 0; i < as->listeners->len; i++) {
        MemListener *l = &g_array_index(as->listeners, MemListener, i);
        l->fn(as, l->opaque);
    }
}

const FlatRange *as_lookup(AddressSpace *as, hwaddr addr)
{
    FlatView *v = __atomic_load_n(&as->view, __ATOMIC_ACQUIRE);
    unsigned lo = 0, hi = v->nr;

    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const FlatRange *f = &v->ranges[mid];

        if (addr < f->start) {
            hi = mid;
        } else if (addr > f->end) {
            lo = mid + 1;
        } else {
            return f;
        }
    }
    return NULL;
}

/* ---- dispatch ---- */

static uint64_t io_ops_read(MemRegion *mr, hwaddr off, unsigned size)
{
    const MemRegionOps *ops = mr->ops;
    unsigned min = ops->min_access ? ops->min_access : 1;
    unsigned max = ops->max_access ? ops->max_access : 4;
    uint64_t val = 0;

    if (!ops->read) {
        return ~0ull;
    }
    if (size < min) {                   /* widen: read and extract */
        hwaddr base = off & ~(hwaddr)(min - 1);
        uint64_t wide = ops->read(mr->opaque, base, min);
        return wide >> ((off - base) * 8);
    }
    if (size <= max) {
        return ops->read(mr->opaque, off, size);
    }
    for (unsigned i = 0; i < size; i += max) {   /* split, little-endian */
        val |= ops->read(mr->opaque, off + i, max) << (i * 8);
    }
    return val;
}

static void io_ops_write(MemRegion *mr, hwaddr off, uint64_t val,
                         unsigned size)
{
    const MemRegionOps *ops = mr->ops;
    unsigned min = ops->min_access ? ops->min_access : 1;
    unsigned max = ops->max_access ? ops->max_access : 4;

    if (!ops->write) {
        return;
    }
    if (size < min) {
        /* Devices that only take wide writes get the narrow value as is:
         * a PC bus would drive the other byte lanes undefined. */
        ops->write(mr->opaque, off & ~(hwaddr)(min - 1), val, min);
        return;
    }
    if (size <= max) {
        ops->write(mr->opaque, off, val, size);
        return;
    }
    for (unsigned i = 0; i < size; i += max) {
        ops->write(mr->opaque, off + i, val >> (i * 8), max);
    }
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static void ram_written(MemRegion *mr, uint64_t off, uint64_t len)
{
    uint64_t first = off >> 12, last = (off + len - 1) >> 12;

    for (uint64_t pg = first; pg <= last; pg++) {
        if (mr_page_has_code(mr, pg << 12) && mem_code_write_hook) {
            mem_code_write_hook(mr, off, len);
            return;
        }
    }
}

uint64_t as_read(AddressSpace *as, hwaddr addr, unsigned size,
                 MemTxResult *res)
{
    const FlatRange *f = as_lookup(as, addr);
    uint64_t val = 0;

    if (res) {
        *res = MEMTX_OK;
    }
    if (!f || addr + size - 1 > f->end) {
        uint8_t buf[8];
        MemTxResult r = as_rw(as, addr, buf, size, false);

        if (res) {
            *res = r;
        }
        memcpy(&val, buf, size);
        return val;
    }
    if (f->mr->kind == MR_IO) {
        return io_ops_read(f->mr, addr - f->start + f->offset, size) &
               size_mask(size);
    }
    memcpy(&val, f->mr->host + (addr - f->start + f->offset), size);
    return val;
}

MemTxResult as_write(AddressSpace *as, hwaddr addr, uint64_t val,
                     unsigned size)
{
    const FlatRange *f = as_lookup(as, addr);
    uint64_t off;

    if (!f || addr + size - 1 > f->end) {
        return as_rw(as, addr, &val, size, true);
    }
    off = addr - f->start + f->offset;
    if (f->mr->kind == MR_IO) {
        io_ops_write(f->mr, off, val & size_mask(size), size);
        return MEMTX_OK;
    }
    if (f->readonly) {
        return MEMTX_READONLY;
    }
    memcpy(f->mr->host + off, &val, size);
    ram_written(f->mr, off, size);
    return MEMTX_OK;
}

MemTxResult as_rw(AddressSpace *as, hwaddr addr, void *buf, uint64_t len,
                  bool is_write)
{
    uint8_t *p = buf;
    MemTxResult result = MEMTX_OK;

    while (len) {
        const FlatRange *f = as_lookup(as, addr);
        uint64_t chunk, off;

        if (!f) {
            /* nothing here: reads float high, writes vanish */
            if (!is_write) {
                *p = 0xff;
            }
            result = MEMTX_UNASSIGNED;
            chunk = 1;
        } else {
            chunk = MIN(len, f->end - addr + 1);
            off = addr - f->start + f->offset;
            if (f->mr->kind == MR_IO) {
                chunk = 1;
                if (is_write) {
                    io_ops_write(f->mr, off, *p, 1);
                } else {
                    *p = io_ops_read(f->mr, off, 1);
                }
            } else if (!is_write) {
                memcpy(p, f->mr->host + off, chunk);
            } else if (f->readonly) {
                result = MEMTX_READONLY;
            } else {
                memcpy(f->mr->host + off, p, chunk);
                ram_written(f->mr, off, chunk);
            }
        }
        p += chunk;
        addr += chunk;
        len -= chunk;
    }
    return result;
}

/* DMA may only touch RAM: check the whole range first. */
static bool dma_range_is_ram(hwaddr addr, uint64_t len, bool is_write)
{
    while (len) {
        const FlatRange *f = as_lookup(&address_space_memory, addr);
        uint64_t chunk;

        if (!f || f->mr->kind == MR_IO || (is_write && f->readonly)) {
            ks_log_mask(LOG_GUEST_ERROR, "dma: %s at 0x%" PRIx64
                        " is outside guest RAM\n",
                        is_write ? "write" : "read", addr);
            return false;
        }
        chunk = MIN(len, f->end - addr + 1);
        addr += chunk;
        len -= chunk;
    }
    return true;
}

bool dma_read(hwaddr addr, void *buf, uint64_t len)
{
    if (addr + len < addr || !dma_range_is_ram(addr, len, false)) {
        return false;
    }
    as_rw(&address_space_memory, addr, buf, len, false);
    return true;
}

bool dma_write(hwaddr addr, const void *buf, uint64_t len)
{
    if (addr + len < addr || !dma_range_is_ram(addr, len, true)) {
        return false;
    }
    as_rw(&address_space_memory, addr, (void *)buf, len, true);
    return true;
}

uint64_t io_read(uint16_t port, unsigned size)
{
    const FlatRange *f = as_lookup(&address_space_io, port);
    uint64_t val;

    if (!f) {
        ks_log_mask(LOG_UNIMP, "ioport: read of unhandled port 0x%04x\n",
                    port);
        val = size_mask(size);
    } else {
        val = as_read(&address_space_io, port, size, NULL);
    }
    ks_log_mask(LOG_IOPORT, "ioport: in  0x%04x size %u -> 0x%" PRIx64 "\n",
                port, size, val);
    return val;
}

void io_write(uint16_t port, uint64_t val, unsigned size)
{
    ks_log_mask(LOG_IOPORT, "ioport: out 0x%04x size %u <- 0x%" PRIx64 "\n",
                port, size, val);
    if (!as_lookup(&address_space_io, port)) {
        ks_log_mask(LOG_UNIMP, "ioport: write 0x%" PRIx64
                    " to unhandled port 0x%04x\n", val, port);
        return;
    }
    as_write(&address_space_io, port, val, size);
}
