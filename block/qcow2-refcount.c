/* SPDX-License-Identifier: MIT */
/*
 * qcow2 host cluster management: reading and changing refcounts,
 * allocating clusters, growing the refcount table, and the queue of
 * reference drops applied only at flush (qcow2.h, "Metadata write
 * ordering").
 *
 * A refcount block that does not exist yet is placed inside the range it
 * covers and counts itself, so allocating one never recurses. Refcount
 * widths of 1 to 64 bits (refcount_order 0..6) are supported.
 * Called by qcow2-cluster.c and qcow2.c.
 * Ref: qcow2 spec, "Host cluster management".
 * Missing: shrinking the file after frees (freed clusters are reused and
 * their space is punched out).
 */
#include "kestrel/osdep.h"
#include "block/qcow2.h"

static uint64_t refblock_get(BDRVQcow2State *s, const uint64_t *block,
                             uint64_t idx)
{
    const uint8_t *b = (const uint8_t *)block;

    switch (s->refcount_order) {
    case 0:
        return (b[idx / 8] >> (idx % 8)) & 1;
    case 1:
        return (b[idx / 4] >> (2 * (idx % 4))) & 3;
    case 2:
        return (b[idx / 2] >> (4 * (idx % 2))) & 15;
    case 3:
        return b[idx];
    case 4:
        return GUINT16_FROM_BE(((const uint16_t *)block)[idx]);
    case 5:
        return GUINT32_FROM_BE(((const uint32_t *)block)[idx]);
    default:
        return GUINT64_FROM_BE(block[idx]);
    }
}

static void refblock_set(BDRVQcow2State *s, uint64_t *block, uint64_t idx,
                         uint64_t val)
{
    uint8_t *b = (uint8_t *)block;
    unsigned bits = 1u << s->refcount_order;

    switch (s->refcount_order) {
    case 0:
    case 1:
    case 2: {
        unsigned per_byte = 8 / bits;
        unsigned shift = bits * (idx % per_byte);
        uint8_t mask = ((1u << bits) - 1) << shift;

        b[idx / per_byte] = (b[idx / per_byte] & ~mask) | (val << shift);
        break;
    }
    case 3:
        b[idx] = val;
        break;
    case 4:
        ((uint16_t *)block)[idx] = GUINT16_TO_BE(val);
        break;
    case 5:
        ((uint32_t *)block)[idx] = GUINT32_TO_BE(val);
        break;
    default:
        block[idx] = GUINT64_TO_BE(val);
        break;
    }
}

static bool refblock_offset_ok(BDRVQcow2State *s, uint64_t off,
                               GError **errp)
{
    if ((off & (s->cluster_size - 1)) || off < s->cluster_size) {
        qcow2_corrupt(s, errp, "refcount block offset 0x%" PRIx64
                      " is not a valid cluster offset", off);
        return false;
    }
    if ((off >> s->cluster_bits) >= s->alloc_end) {
        qcow2_corrupt(s, errp, "refcount block offset 0x%" PRIx64
                      " is beyond the end of the file", off);
        return false;
    }
    return true;
}

int qcow2_get_refcount(BDRVQcow2State *s, uint64_t cluster, uint64_t *rc,
                       GError **errp)
{
    uint64_t tidx = cluster >> s->refblock_bits;
    uint64_t *block;

    *rc = 0;
    if (tidx >= s->reftable_size || !s->reftable[tidx]) {
        return 0;
    }
    if (!refblock_offset_ok(s, s->reftable[tidx], errp)) {
        return -EIO;
    }
    block = qcow2_cache_get(s->refblock_cache, s->reftable[tidx], false,
                            errp);
    if (!block) {
        return -EIO;
    }
    *rc = refblock_get(s, block, cluster & ((1ull << s->refblock_bits) - 1));
    return 0;
}

/* The refcount table needs an entry for group need: make a bigger one. */
static int qcow2_grow_reftable(BDRVQcow2State *s, uint64_t need,
                               uint64_t avoid_end, GError **errp);

/*
 * Make sure group tidx has a refcount block. A new block goes at the first
 * cluster of the group outside [avoid, avoid + n) and counts itself.
 */
static int qcow2_ensure_refblock(BDRVQcow2State *s, uint64_t tidx,
                                 uint64_t avoid, uint64_t n, GError **errp)
{
    uint64_t group = 1ull << s->refblock_bits;
    uint64_t first = tidx << s->refblock_bits;
    uint64_t c = first, off, be;
    uint64_t *block;
    int ret;

    if (tidx >= s->reftable_size) {
        ret = qcow2_grow_reftable(s, tidx, avoid + n, errp);
        if (ret < 0) {
            return ret;
        }
    }
    if (s->reftable[tidx]) {
        return 0;
    }
    while (c >= avoid && c < avoid + n) {
        c++;
    }
    if (c >= first + group) {
        /* The whole group is being allocated: not for a single table. */
        return qcow2_corrupt(s, errp, "cannot place a refcount block for "
                             "clusters 0x%" PRIx64 "..", first);
    }
    off = c << s->cluster_bits;
    block = qcow2_cache_get(s->refblock_cache, off, true, errp);
    if (!block) {
        return -EIO;
    }
    refblock_set(s, block, c - first, 1);
    qcow2_cache_mark_dirty(s->refblock_cache, block);
    if (!qcow2_cache_flush(s->refblock_cache, errp)) {
        return -EIO;
    }
    be = GUINT64_TO_BE(off);
    ret = block_file_pwrite(s->file, s->reftable_offset + tidx * 8, &be, 8,
                            errp);
    if (ret < 0) {
        return ret;
    }
    s->reftable[tidx] = off;
    s->alloc_end = MAX(s->alloc_end, c + 1);
    return 0;
}

static int qcow2_update_refcount(BDRVQcow2State *s, uint64_t cluster,
                                 int delta, GError **errp)
{
    uint64_t tidx = cluster >> s->refblock_bits;
    uint64_t idx = cluster & ((1ull << s->refblock_bits) - 1);
    uint64_t *block, rc;
    int ret;

    if (delta < 0 && (tidx >= s->reftable_size || !s->reftable[tidx])) {
        return qcow2_corrupt(s, errp, "freeing cluster 0x%" PRIx64
                             " that has no refcount", cluster << s->cluster_bits);
    }
    ret = qcow2_ensure_refblock(s, tidx, cluster, 1, errp);
    if (ret < 0) {
        return ret;
    }
    if (!refblock_offset_ok(s, s->reftable[tidx], errp)) {
        return -EIO;
    }
    block = qcow2_cache_get(s->refblock_cache, s->reftable[tidx], false,
                            errp);
    if (!block) {
        return -EIO;
    }
    rc = refblock_get(s, block, idx);
    if ((delta < 0 && rc == 0) || (delta > 0 && rc == s->refcount_max)) {
        return qcow2_corrupt(s, errp, "refcount of cluster 0x%" PRIx64
                             " would %s", cluster << s->cluster_bits,
                             delta < 0 ? "drop below 0" : "overflow");
    }
    refblock_set(s, block, idx, rc + delta);
    qcow2_cache_mark_dirty(s->refblock_cache, block);
    if (rc + delta == 0) {
        uint64_t off = cluster << s->cluster_bits;

        qcow2_cache_discard(s->l2_cache, off);
        block_file_punch(s->file, off, s->cluster_size);
        s->free_hint = MIN(s->free_hint, cluster);
    }
    return 0;
}

int64_t qcow2_alloc_clusters(BDRVQcow2State *s, uint64_t n, GError **errp)
{
    uint64_t max_cluster = (QCOW2_OFFSET_MASK + 1) >> s->cluster_bits;
    uint64_t start = s->free_hint, c, rc;
    int ret;

    if (s->corrupt) {
        return qcow2_corrupt(s, errp, "refusing to allocate");
    }
    /* First fit: a run of n clusters with refcount 0. */
    for (c = start; c < start + n; c++) {
        if (c >= max_cluster) {
            g_set_error(errp, KS_ERROR, KS_ERROR_IO,
                        "%s: image file would exceed the qcow2 maximum",
                        s->bs->filename);
            return -EFBIG;
        }
        ret = qcow2_get_refcount(s, c, &rc, errp);
        if (ret < 0) {
            return ret;
        }
        if (rc) {
            start = c + 1;
        }
    }
    for (c = start; c < start + n; c++) {
        if (qcow2_overlaps_metadata(s, c << s->cluster_bits)) {
            return qcow2_corrupt(s, errp, "refcounts say cluster 0x%" PRIx64
                                 " is free, but it holds metadata",
                                 c << s->cluster_bits);
        }
    }
    if (n == 1 || start == s->free_hint) {
        s->free_hint = start + n;
    }
    for (c = start; c < start + n; c++) {
        ret = qcow2_ensure_refblock(s, c >> s->refblock_bits, start, n, errp);
        if (ret < 0) {
            return ret;
        }
        ret = qcow2_update_refcount(s, c, 1, errp);
        if (ret < 0) {
            return ret;
        }
    }
    s->alloc_end = MAX(s->alloc_end, start + n);
    return (int64_t)(start << s->cluster_bits);
}

static int qcow2_grow_reftable(BDRVQcow2State *s, uint64_t need,
                               uint64_t avoid_end, GError **errp)
{
    uint64_t cs = s->cluster_size, group_bits = s->refblock_bits;
    uint64_t e = MAX(s->alloc_end, avoid_end), entries, t = 0, k = 0, old_off, be[2];
    uint32_t old_clusters;
    g_autofree uint64_t *table = NULL;
    g_autofree uint64_t *blk = NULL;
    uint8_t hdr[12];
    int ret;

    /* Table at e, then k new refcount blocks; both must be covered. */
    for (;;) {
        uint64_t end, want, nk = 0;

        want = MAX(need + 1, s->reftable_size + s->reftable_size / 2 + 1);
        want = MAX(want, ((e + t + k) >> group_bits) + 1);
        t = (want * 8 + cs - 1) / cs;
        end = e + t + k;
        for (uint64_t g = e >> group_bits; g <= (end - 1) >> group_bits;
             g++) {
            nk += g >= s->reftable_size || !s->reftable[g];
        }
        if (nk == k && ((end - 1) >> group_bits) < t * cs / 8) {
            break;
        }
        k = nk;
    }
    entries = t * cs / 8;
    if (t * cs > QCOW2_MAX_REFTABLE_BYTES) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO,
                    "%s: refcount table would exceed %u bytes",
                    s->bs->filename, QCOW2_MAX_REFTABLE_BYTES);
        return -EFBIG;
    }
    table = g_try_malloc0(t * cs);
    blk = g_malloc(cs);
    if (!table) {
        return -ENOMEM;
    }
    for (uint64_t i = 0; i < s->reftable_size; i++) {
        table[i] = s->reftable[i];
    }
    /* New refcount blocks, each counting the new clusters in its group. */
    for (uint64_t g = e >> group_bits, b = e + t;
         g <= (e + t + k - 1) >> group_bits; g++) {
        if (g < s->reftable_size && s->reftable[g]) {
            continue;
        }
        memset(blk, 0, cs);
        for (uint64_t c = MAX(e, g << group_bits);
             c < MIN(e + t + k, (g + 1) << group_bits); c++) {
            refblock_set(s, blk, c & ((1ull << group_bits) - 1), 1);
        }
        table[g] = b << s->cluster_bits;
        ret = block_file_pwrite(s->file, table[g], blk, cs, errp);
        if (ret < 0) {
            return ret;
        }
        b++;
    }
    /* Clusters in groups that already have a block: count them there. */
    for (uint64_t c = e; c < e + t + k; c++) {
        uint64_t g = c >> group_bits;

        if (g < s->reftable_size && s->reftable[g]) {
            ret = qcow2_update_refcount(s, c, 1, errp);
            if (ret < 0) {
                return ret;
            }
        }
    }
    for (uint64_t i = 0; i < entries; i++) {
        table[i] = GUINT64_TO_BE(table[i]);
    }
    ret = block_file_pwrite(s->file, e << s->cluster_bits, table, t * cs,
                            errp);
    if (ret < 0 || !qcow2_sync_refblocks(s, errp)
        || block_file_sync(s->file, errp) < 0) {
        return ret < 0 ? ret : -EIO;
    }
    be[0] = GUINT64_TO_BE(e << s->cluster_bits);
    memcpy(hdr, &be[0], 8);
    be[1] = GUINT32_TO_BE((uint32_t)t);
    memcpy(hdr + 8, &be[1], 4);
    ret = block_file_pwrite(s->file, 48, hdr, sizeof(hdr), errp);
    if (ret < 0 || block_file_sync(s->file, errp) < 0) {
        return ret < 0 ? ret : -EIO;
    }
    old_off = s->reftable_offset;
    old_clusters = s->reftable_clusters;
    for (uint64_t i = 0; i < entries; i++) {
        table[i] = GUINT64_FROM_BE(table[i]);
    }
    g_free(s->reftable);
    s->reftable = g_steal_pointer(&table);
    s->reftable_size = entries;
    s->reftable_clusters = t;
    s->reftable_offset = e << s->cluster_bits;
    s->alloc_end = e + t + k;
    qcow2_free_later(s, old_off, (uint64_t)old_clusters * cs);
    return 0;
}

void qcow2_free_later(BDRVQcow2State *s, uint64_t off, uint64_t len)
{
    uint64_t first = off >> s->cluster_bits;
    uint64_t last = (off + len - 1) >> s->cluster_bits;

    for (uint64_t c = first; len && c <= last; c++) {
        uint64_t o = c << s->cluster_bits;

        g_array_append_val(s->pending_free, o);
    }
}

bool qcow2_apply_pending_free(BDRVQcow2State *s, GError **errp)
{
    for (guint i = 0; i < s->pending_free->len; i++) {
        uint64_t off = g_array_index(s->pending_free, uint64_t, i);

        if (qcow2_update_refcount(s, off >> s->cluster_bits, -1, errp) < 0) {
            g_array_remove_range(s->pending_free, 0, i);
            return false;
        }
    }
    g_array_set_size(s->pending_free, 0);
    return true;
}

bool qcow2_sync_refblocks(BDRVQcow2State *s, GError **errp)
{
    if (!qcow2_cache_flush(s->refblock_cache, errp)) {
        return false;
    }
    if (s->refblocks_unsynced || s->data_unsynced) {
        if (block_file_sync(s->file, errp) < 0) {
            return false;
        }
        s->refblocks_unsynced = false;
        s->data_unsynced = false;
    }
    return true;
}
