/* SPDX-License-Identifier: MIT */
/*
 * The qcow2 format driver: probing, opening (header, header extensions,
 * L1 and refcount tables, backing file), flush and close.
 *
 * Versions 2 and 3. Every header field that can point outside the file or
 * make a table huge is checked at open, with an error that names the
 * image and the field; nothing is written to an image that fails to
 * open. Read-write opens clear the autoclear feature bits (Kestrel keeps
 * no bitmaps). Refcounts are always kept exact (lazy refcounts are never
 * used, so the dirty bit is never set by Kestrel).
 * Called through block_driver_qcow2 by block/block.c.
 * Ref: qcow2 spec, "Header", "Header extensions", "Feature name table".
 * Missing: encryption, external data files, extended L2 entries, zstd
 * compression, creating/applying/deleting internal snapshots (images
 * with snapshots open; the active layer is read and written; the
 * snapshots are kept intact), repairing a dirty image (open it read-only
 * or run qemu-img check -r all), resizing.
 */
#include "kestrel/osdep.h"
#include "block/qcow2.h"

typedef struct Qcow2Header {
    uint32_t magic, version;
    uint64_t backing_file_offset;
    uint32_t backing_file_size, cluster_bits;
    uint64_t size;
    uint32_t crypt_method, l1_size;
    uint64_t l1_table_offset, refcount_table_offset;
    uint32_t refcount_table_clusters, nb_snapshots;
    uint64_t snapshots_offset;
    /* version 3 */
    uint64_t incompatible, compatible, autoclear;
    uint32_t refcount_order, header_length;
    uint8_t compression_type;
} Qcow2Header;

static uint32_t be32_at(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return GUINT32_FROM_BE(v);
}

static uint64_t be64_at(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return GUINT64_FROM_BE(v);
}

static bool qcow2_probe(const uint8_t *buf, size_t len)
{
    return len >= 8 && be32_at(buf) == QCOW2_MAGIC
        && (be32_at(buf + 4) == 2 || be32_at(buf + 4) == 3);
}

static void qcow2_parse_header(const uint8_t *b, Qcow2Header *h)
{
    h->magic = be32_at(b);
    h->version = be32_at(b + 4);
    h->backing_file_offset = be64_at(b + 8);
    h->backing_file_size = be32_at(b + 16);
    h->cluster_bits = be32_at(b + 20);
    h->size = be64_at(b + 24);
    h->crypt_method = be32_at(b + 32);
    h->l1_size = be32_at(b + 36);
    h->l1_table_offset = be64_at(b + 40);
    h->refcount_table_offset = be64_at(b + 48);
    h->refcount_table_clusters = be32_at(b + 56);
    h->nb_snapshots = be32_at(b + 60);
    h->snapshots_offset = be64_at(b + 64);
    if (h->version >= 3) {
        h->incompatible = be64_at(b + 72);
        h->compatible = be64_at(b + 80);
        h->autoclear = be64_at(b + 88);
        h->refcount_order = be32_at(b + 96);
        h->header_length = be32_at(b + 100);
        h->compression_type = h->header_length > 104 ? b[104] : 0;
    } else {
        h->refcount_order = 4;
        h->header_length = QCOW2_V2_HEADER_SIZE;
    }
}

static bool qcow2_error(BlockDriverState *bs, GError **errp,
                        const char *fmt, ...) KS_PRINTF(3, 4);

static bool qcow2_error(BlockDriverState *bs, GError **errp,
                        const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "%s: %s", bs->filename,
                msg);
    return false;
}

/* A table of n bytes at off: aligned, and inside the file. */
static bool qcow2_check_table(BlockDriverState *bs, BDRVQcow2State *s,
                              const char *what, uint64_t off, uint64_t n,
                              GError **errp)
{
    uint64_t end = s->file->end;

    if (off & (s->cluster_size - 1)) {
        return qcow2_error(bs, errp, "%s offset 0x%" PRIx64 " is not "
                           "cluster aligned", what, off);
    }
    if (off > end || n > end - off) {
        return qcow2_error(bs, errp, "%s offset 0x%" PRIx64 " is beyond "
                           "the end of the file", what, off);
    }
    if (n && off == 0) {
        return qcow2_error(bs, errp, "%s overlaps the header", what);
    }
    return true;
}

/* Names of unknown incompatible features, from the feature name table. */
static char *qcow2_feature_names(const uint8_t *table, uint32_t len,
                                 uint64_t bits)
{
    GString *str = g_string_new(NULL);

    for (unsigned bit = 0; bit < 64; bit++) {
        const char *name = NULL;
        char buf[47];

        if (!(bits & (1ull << bit))) {
            continue;
        }
        for (uint32_t i = 0; table && i + 48 <= len; i += 48) {
            if (table[i] == 0 && table[i + 1] == bit) {
                memcpy(buf, table + i + 2, 46);
                buf[46] = 0;
                name = buf;
            }
        }
        if (str->len) {
            g_string_append(str, ", ");
        }
        if (name) {
            g_string_append(str, name);
        } else {
            g_string_append_printf(str, "bit %u", bit);
        }
    }
    return g_string_free(str, FALSE);
}

static bool qcow2_read_extensions(BlockDriverState *bs, BDRVQcow2State *s,
                                  const uint8_t *hdr, const Qcow2Header *h,
                                  GError **errp)
{
    uint64_t limit = s->cluster_size, off = h->header_length;
    const uint8_t *features = NULL;
    uint32_t features_len = 0;

    if (h->backing_file_offset && h->backing_file_offset < limit) {
        limit = h->backing_file_offset;
    }
    while (h->version >= 3 && off + 8 <= limit) {
        uint32_t type = be32_at(hdr + off), len = be32_at(hdr + off + 4);

        if (type == QCOW2_EXT_END) {
            break;
        }
        if (len > limit - off - 8) {
            return qcow2_error(bs, errp, "header extension 0x%08x overruns "
                               "the header", type);
        }
        if (type == QCOW2_EXT_BACKING_FMT) {
            s->backing_format = g_strndup((const char *)hdr + off + 8, len);
        } else if (type == QCOW2_EXT_FEATURE_TABLE) {
            features = hdr + off + 8;
            features_len = len;
        } else if (type == QCOW2_EXT_DATA_FILE) {
            return qcow2_error(bs, errp, "external data files are not "
                               "supported");
        }
        off += 8 + KS_ALIGN_UP((uint64_t)len, 8);
    }
    if (h->incompatible & ~(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT)) {
        g_autofree char *names = qcow2_feature_names(features, features_len,
            h->incompatible & ~(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT));

        return qcow2_error(bs, errp, "unsupported qcow2 feature(s): %s",
                           names);
    }
    return true;
}

static bool qcow2_check_header(BlockDriverState *bs, BDRVQcow2State *s,
                               const Qcow2Header *h, GError **errp)
{
    uint64_t cs = s->cluster_size, per_l1 = cs << s->l2_bits;
    uint64_t max_size = (uint64_t)(QCOW2_MAX_L1_BYTES / 8) * per_l1;

    if (h->version >= 3 && (h->header_length < QCOW2_V3_HEADER_SIZE
                            || h->header_length > cs
                            || (h->header_length & 7))) {
        return qcow2_error(bs, errp, "invalid header length %u",
                           h->header_length);
    }
    if (h->crypt_method) {
        return qcow2_error(bs, errp, "encrypted images are not supported");
    }
    if (h->compression_type) {
        return qcow2_error(bs, errp, "compression type %u is not supported "
                           "(only zlib)", h->compression_type);
    }
    if (h->refcount_order > 6) {
        return qcow2_error(bs, errp, "invalid refcount order %u",
                           h->refcount_order);
    }
    if (h->size > max_size || h->size > (uint64_t)INT64_MAX) {
        return qcow2_error(bs, errp, "virtual size %" PRIu64 " is too "
                           "large (at most %" PRIu64 " with %" PRIu64
                           "-byte clusters)", h->size, max_size, cs);
    }
    if ((uint64_t)h->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        return qcow2_error(bs, errp, "L1 table size %u is too large",
                           h->l1_size);
    }
    if (h->l1_size < (h->size + per_l1 - 1) / per_l1) {
        return qcow2_error(bs, errp, "L1 table size %u is too small for "
                           "the virtual size", h->l1_size);
    }
    if ((uint64_t)h->refcount_table_clusters * cs > QCOW2_MAX_REFTABLE_BYTES
        || h->refcount_table_clusters == 0) {
        return qcow2_error(bs, errp, "refcount table of %u clusters is "
                           "invalid", h->refcount_table_clusters);
    }
    if (h->nb_snapshots > QCOW2_MAX_SNAPSHOTS) {
        return qcow2_error(bs, errp, "too many snapshots (%u)",
                           h->nb_snapshots);
    }
    if (h->backing_file_offset
        && (h->backing_file_size > QCOW2_MAX_BACKING_NAME
            || h->backing_file_offset > cs
            || h->backing_file_size > cs - h->backing_file_offset)) {
        return qcow2_error(bs, errp, "backing file name is too long or "
                           "outside the header cluster");
    }
    return qcow2_check_table(bs, s, "L1 table", h->l1_table_offset,
                             (uint64_t)h->l1_size * 8, errp)
        && qcow2_check_table(bs, s, "refcount table",
                             h->refcount_table_offset,
                             (uint64_t)h->refcount_table_clusters * cs, errp)
        && (!h->nb_snapshots
            || qcow2_check_table(bs, s, "snapshot table", h->snapshots_offset,
                                 1, errp));
}

static uint64_t *qcow2_load_table(BDRVQcow2State *s, uint64_t off,
                                  uint64_t entries, GError **errp)
{
    uint64_t *t = g_try_new(uint64_t, MAX(entries, 1));

    if (!t) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: out of memory for a "
                    "%" PRIu64 "-entry table", s->bs->filename, entries);
        return NULL;
    }
    if (block_file_pread(s->file, off, t, entries * 8, errp) < 0) {
        g_free(t);
        return NULL;
    }
    for (uint64_t i = 0; i < entries; i++) {
        t[i] = GUINT64_FROM_BE(t[i]);
    }
    return t;
}

static bool qcow2_open_backing(BlockDriverState *bs, BDRVQcow2State *s,
                               GError **errp)
{
    g_autofree char *path = NULL;

    if (!s->backing_file || bs->backing) {   /* -snapshot passes one in */
        return true;
    }
    if (g_path_is_absolute(s->backing_file)) {
        path = g_strdup(s->backing_file);
    } else {
        g_autofree char *dir = g_path_get_dirname(bs->filename);

        path = g_build_filename(dir, s->backing_file, NULL);
    }
    bs->backing = bdrv_open(path, s->backing_format, true, bs->chain_ids,
                            errp);
    if (!bs->backing) {
        g_prefix_error(errp, "%s: backing file: ", bs->filename);
        return false;
    }
    return true;
}

/* Writable opens: clear autoclear bits (we keep no bitmaps up to date). */
static bool qcow2_clear_autoclear(BDRVQcow2State *s, GError **errp)
{
    uint64_t zero = 0;

    if (s->version < 3 || !s->autoclear || s->bs->readonly) {
        return true;
    }
    if (block_file_pwrite(s->file, 88, &zero, 8, errp) < 0
        || block_file_sync(s->file, errp) < 0) {
        return false;
    }
    s->autoclear = 0;
    return true;
}

static bool qcow2_open(BlockDriverState *bs, GError **errp)
{
    BDRVQcow2State *s = g_new0(BDRVQcow2State, 1);
    uint8_t first[QCOW2_V3_HEADER_SIZE + 8];
    g_autofree uint8_t *hdr = NULL;
    Qcow2Header h = { 0 };
    unsigned l2_entries;

    bs->opaque = s;
    s->bs = bs;
    s->file = bs->file;
    s->pending_free = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    s->l1_dirty_lo = UINT32_MAX;
    if (bs->file->end < QCOW2_V2_HEADER_SIZE) {
        return qcow2_error(bs, errp, "truncated qcow2 header (file is %"
                           PRId64 " bytes)", bs->file->end);
    }
    if (block_file_pread(bs->file, 0, first, sizeof(first), errp) < 0) {
        return false;
    }
    qcow2_parse_header(first, &h);
    if (h.magic != QCOW2_MAGIC) {
        return qcow2_error(bs, errp, "not a qcow2 image (bad magic)");
    }
    if (h.version != 2 && h.version != 3) {
        return qcow2_error(bs, errp, "unsupported qcow2 version %u",
                           h.version);
    }
    if (h.cluster_bits < QCOW2_MIN_CLUSTER_BITS
        || h.cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        return qcow2_error(bs, errp, "unsupported cluster size 2^%u",
                           h.cluster_bits);
    }
    if (h.version >= 3 && bs->file->end < QCOW2_V3_HEADER_SIZE) {
        return qcow2_error(bs, errp, "truncated qcow2 header (file is %"
                           PRId64 " bytes)", bs->file->end);
    }
    s->version = h.version;
    s->cluster_bits = h.cluster_bits;
    s->cluster_size = 1ull << h.cluster_bits;
    s->l2_bits = h.cluster_bits - 3;
    if (!qcow2_check_header(bs, s, &h, errp)) {
        return false;
    }
    hdr = g_malloc(s->cluster_size);
    if (block_file_pread(bs->file, 0, hdr, s->cluster_size, errp) < 0
        || !qcow2_read_extensions(bs, s, hdr, &h, errp)) {
        return false;
    }
    if (h.backing_file_offset && h.backing_file_size) {
        s->backing_file = g_strndup((char *)hdr + h.backing_file_offset,
                                    h.backing_file_size);
    }
    if (!bs->readonly && (h.incompatible & QCOW2_INCOMPAT_CORRUPT)) {
        return qcow2_error(bs, errp, "image is marked corrupt; open it "
                           "read-only or repair it (qemu-img check -r all)");
    }
    if (!bs->readonly && (h.incompatible & QCOW2_INCOMPAT_DIRTY)) {
        return qcow2_error(bs, errp, "image was not closed cleanly (dirty "
                           "bit, lazy refcounts); repair it with qemu-img "
                           "check -r all or open it read-only");
    }
    s->incompatible = h.incompatible;
    s->compatible = h.compatible;
    s->autoclear = h.autoclear;
    s->header_length = h.header_length;
    s->nb_snapshots = h.nb_snapshots;
    s->snapshots_offset = h.snapshots_offset;
    s->refcount_order = h.refcount_order;
    s->refblock_bits = h.cluster_bits + 3 - h.refcount_order;
    s->refcount_max = h.refcount_order == 6 ? UINT64_MAX
                      : (1ull << (1u << h.refcount_order)) - 1;
    s->l1_size = h.l1_size;
    s->l1_table_offset = h.l1_table_offset;
    s->reftable_offset = h.refcount_table_offset;
    s->reftable_clusters = h.refcount_table_clusters;
    s->reftable_size = (uint64_t)h.refcount_table_clusters * s->cluster_size
                       / 8;
    s->csize_shift = 62 - (h.cluster_bits - 8);
    s->csize_mask = (1ull << (h.cluster_bits - 8)) - 1;
    s->coffset_mask = (1ull << s->csize_shift) - 1;
    s->alloc_end = (bs->file->end + s->cluster_size - 1) >> h.cluster_bits;
    s->l1_table = qcow2_load_table(s, h.l1_table_offset, h.l1_size, errp);
    s->reftable = s->l1_table ? qcow2_load_table(s, s->reftable_offset,
                                                 s->reftable_size, errp)
                              : NULL;
    if (!s->reftable) {
        return false;
    }
    l2_entries = CLAMP((4u << 20) >> h.cluster_bits, 4, 256);
    s->l2_cache = qcow2_cache_new(s, l2_entries, qcow2_sync_refblocks, NULL);
    s->refblock_cache = qcow2_cache_new(s, CLAMP((1u << 20) >> h.cluster_bits,
                                                 4, 64),
                                        NULL, &s->refblocks_unsynced);
    s->cluster_buf = g_malloc(s->cluster_size);
    s->cdata_buf = g_malloc(2 * s->cluster_size);
    bs->size = h.size;
    return qcow2_clear_autoclear(s, errp) && qcow2_open_backing(bs, s, errp);
}

static int qcow2_flush(BlockDriverState *bs, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    bool l1_dirty = s->l1_dirty_lo < s->l1_dirty_hi;

    if (bs->readonly) {
        return 0;
    }
    /* refcounts, then L2 tables, then L1, then the dropped references */
    if (!qcow2_sync_refblocks(s, errp)
        || !qcow2_cache_flush(s->l2_cache, errp)
        || (l1_dirty && block_file_sync(s->file, errp) < 0)
        || !qcow2_write_l1(s, errp)) {
        return -EIO;
    }
    if (s->pending_free->len) {
        if (block_file_sync(s->file, errp) < 0
            || !qcow2_apply_pending_free(s, errp)
            || !qcow2_cache_flush(s->refblock_cache, errp)) {
            return -EIO;
        }
    }
    s->refblocks_unsynced = false;
    s->data_unsynced = false;
    return block_file_sync(s->file, errp);
}

static void qcow2_close(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    if (!s) {
        return;
    }
    qcow2_cache_free(s->l2_cache);
    qcow2_cache_free(s->refblock_cache);
    g_free(s->l1_table);
    g_free(s->reftable);
    g_free(s->backing_file);
    g_free(s->backing_format);
    g_free(s->cluster_buf);
    g_free(s->cdata_buf);
    g_array_free(s->pending_free, TRUE);
    g_free(s);
    bs->opaque = NULL;
}

const BlockDriver block_driver_qcow2 = {
    .format_name = "qcow2",
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .pread = qcow2_read,
    .pwrite = qcow2_write,
    .flush = qcow2_flush,
    .discard = qcow2_discard,
};
