/* SPDX-License-Identifier: MIT */
/*
 * qcow2 cluster mapping: guest offset -> L1 entry -> L2 table -> host
 * cluster. Reads (normal, zero, unallocated-with-backing and compressed
 * clusters), writes (in place when the cluster is ours alone, otherwise
 * a new cluster with copy-on-write of the rest) and discard.
 *
 * A cluster whose entry lacks the COPIED flag (shared with an internal
 * snapshot, compressed, zero, or unallocated) is never written in place:
 * the write goes to a newly allocated cluster and the old reference is
 * dropped at the next flush. L2 tables shared with a snapshot are copied
 * the same way. Called by qcow2.c's driver ops.
 * Ref: qcow2 spec, "Cluster mapping", "Compressed Clusters Descriptor".
 * Missing: writing compressed clusters; zero-cluster writes (write
 * zeroes is not in the block API yet).
 */
#include "kestrel/osdep.h"
#include <zlib.h>
#include "block/qcow2.h"

enum { CL_UNALLOC, CL_ZERO, CL_NORMAL, CL_COMPRESSED };

static int qcow2_entry_type(BDRVQcow2State *s, uint64_t l2e)
{
    if (l2e & QCOW2_OFLAG_COMPRESSED) {
        return CL_COMPRESSED;
    }
    if ((l2e & QCOW2_OFLAG_ZERO) && s->version >= 3) {
        return CL_ZERO;
    }
    return (l2e & QCOW2_OFFSET_MASK) ? CL_NORMAL : CL_UNALLOC;
}

int qcow2_corrupt(BDRVQcow2State *s, GError **errp, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    s->corrupt = true;
    g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: corrupt image: %s",
                s->bs->filename, msg);
    return -EIO;
}

/* The L2 table for l1_index, or *l2 = NULL if it has none. */
static int qcow2_l2_load(BDRVQcow2State *s, uint64_t l1_index,
                         uint64_t **l2, GError **errp)
{
    uint64_t l1e = s->l1_table[l1_index];
    uint64_t off = l1e & QCOW2_OFFSET_MASK;

    *l2 = NULL;
    if (!off) {
        return 0;
    }
    if (off & (s->cluster_size - 1)) {
        return qcow2_corrupt(s, errp, "L2 table offset 0x%" PRIx64
                             " is not cluster aligned", off);
    }
    if ((off >> s->cluster_bits) >= s->alloc_end) {
        return qcow2_corrupt(s, errp, "L2 table offset 0x%" PRIx64
                             " is beyond the end of the file", off);
    }
    *l2 = qcow2_cache_get(s->l2_cache, off, false, errp);
    return *l2 ? 0 : -EIO;
}

/* Inflate the compressed cluster of l2e into s->cluster_buf. */
static int qcow2_decompress(BDRVQcow2State *s, uint64_t l2e, GError **errp)
{
    uint64_t off = l2e & s->coffset_mask;
    uint64_t nb = ((l2e >> s->csize_shift) & s->csize_mask) + 1;
    uint64_t size = nb * 512 - (off & 511);
    z_stream z = { 0 };
    int ret, zret;

    if (s->cached_cluster == l2e) {
        return 0;
    }
    ret = block_file_pread(s->file, off, s->cdata_buf, size, errp);
    if (ret < 0) {
        return ret;
    }
    if (inflateInit2(&z, -15) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = s->cdata_buf;
    z.avail_in = size;
    z.next_out = s->cluster_buf;
    z.avail_out = s->cluster_size;
    zret = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    if ((zret != Z_STREAM_END && zret != Z_BUF_ERROR) || z.avail_out) {
        s->cached_cluster = 0;
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: compressed cluster at "
                    "0x%" PRIx64 " does not decompress", s->bs->filename, off);
        return -EIO;
    }
    s->cached_cluster = l2e;
    return 0;
}

int qcow2_read(BlockDriverState *bs, int64_t off, void *buf, size_t n,
               GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t *p = buf;
    uint64_t cs = s->cluster_size, l2_entries = 1ull << s->l2_bits;

    while (n > 0) {
        uint64_t l1_index = (uint64_t)off >> (s->l2_bits + s->cluster_bits);
        uint64_t l2_index = ((uint64_t)off >> s->cluster_bits)
                            & (l2_entries - 1);
        uint64_t in = off & (cs - 1), l2e = 0, len, host = 0;
        uint64_t *l2 = NULL;
        int type, ret;

        if (l1_index < s->l1_size) {
            ret = qcow2_l2_load(s, l1_index, &l2, errp);
            if (ret < 0) {
                return ret;
            }
        }
        l2e = l2 ? GUINT64_FROM_BE(l2[l2_index]) : 0;
        type = qcow2_entry_type(s, l2e);
        len = MIN(n, cs - in);
        if (type == CL_NORMAL) {
            host = l2e & QCOW2_OFFSET_MASK;
            if (l2e & QCOW2_L2_RESERVED) {
                return qcow2_corrupt(s, errp, "L2 entry 0x%" PRIx64
                                     " has reserved bits set", l2e);
            }
        }
        /* Merge the following entries of the same kind (and contiguous). */
        while (l2 && type != CL_COMPRESSED && len < n
               && ++l2_index < l2_entries) {
            uint64_t next = GUINT64_FROM_BE(l2[l2_index]);

            if (qcow2_entry_type(s, next) != type
                || (type == CL_NORMAL
                    && ((next & QCOW2_OFFSET_MASK) != host + in + len
                        || (next & QCOW2_L2_RESERVED)))) {
                break;
            }
            len = MIN(n, len + cs);
        }
        switch (type) {
        case CL_NORMAL:
            ret = block_file_pread(s->file, host + in, p, len, errp);
            break;
        case CL_COMPRESSED:
            ret = qcow2_decompress(s, l2e, errp);
            if (ret == 0) {
                memcpy(p, s->cluster_buf + in, len);
            }
            break;
        case CL_UNALLOC:
            if (bs->backing) {
                ret = bdrv_pread_padded(bs->backing, off, p, len, errp);
                break;
            }
            /* fall through */
        default:
            memset(p, 0, len);
            ret = 0;
            break;
        }
        if (ret < 0) {
            return ret;
        }
        p += len;
        off += len;
        n -= len;
    }
    return 0;
}

/* The L2 table for l1_index, allocated or copied so we may change it. */
static int qcow2_l2_for_write(BDRVQcow2State *s, uint64_t l1_index,
                              uint64_t **l2, GError **errp)
{
    uint64_t l1e = s->l1_table[l1_index];
    uint64_t old = l1e & QCOW2_OFFSET_MASK;
    g_autofree uint64_t *copy = NULL;
    int64_t new_off;
    int ret;

    if (old && (l1e & QCOW2_OFLAG_COPIED)) {
        return qcow2_l2_load(s, l1_index, l2, errp);
    }
    if (old) {
        ret = qcow2_l2_load(s, l1_index, l2, errp);
        if (ret < 0) {
            return ret;
        }
        copy = g_memdup2(*l2, s->cluster_size);
    }
    new_off = qcow2_alloc_clusters(s, 1, errp);
    if (new_off < 0) {
        return new_off;
    }
    *l2 = qcow2_cache_get(s->l2_cache, new_off, true, errp);
    if (!*l2) {
        return -EIO;
    }
    if (copy) {
        memcpy(*l2, copy, s->cluster_size);
        qcow2_free_later(s, old, s->cluster_size);
    }
    qcow2_cache_mark_dirty(s->l2_cache, *l2);
    s->l1_table[l1_index] = new_off | QCOW2_OFLAG_COPIED;
    s->l1_dirty_lo = MIN(s->l1_dirty_lo, l1_index);
    s->l1_dirty_hi = MAX(s->l1_dirty_hi, l1_index + 1);
    return 0;
}

/* The current contents of the guest cluster at cluster_off into buf. */
static int qcow2_cow_source(BlockDriverState *bs, uint64_t l2e,
                            int64_t cluster_off, uint8_t *buf, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    switch (qcow2_entry_type(s, l2e)) {
    case CL_NORMAL:
        return block_file_pread(s->file, l2e & QCOW2_OFFSET_MASK, buf,
                                s->cluster_size, errp);
    case CL_COMPRESSED:
        ret = qcow2_decompress(s, l2e, errp);
        if (ret == 0) {
            memcpy(buf, s->cluster_buf, s->cluster_size);
        }
        return ret;
    case CL_UNALLOC:
        if (bs->backing) {
            return bdrv_pread_padded(bs->backing, cluster_off, buf,
                                     s->cluster_size, errp);
        }
        /* fall through */
    default:
        memset(buf, 0, s->cluster_size);
        return 0;
    }
}

static void qcow2_drop_ref(BDRVQcow2State *s, uint64_t l2e)
{
    int type = qcow2_entry_type(s, l2e);

    if (type == CL_COMPRESSED) {
        uint64_t off = (l2e & s->coffset_mask) & ~511ull;
        uint64_t nb = ((l2e >> s->csize_shift) & s->csize_mask) + 1;

        if (s->cached_cluster == l2e) {
            s->cached_cluster = 0;
        }
        qcow2_free_later(s, off, nb * 512);
    } else if (l2e & QCOW2_OFFSET_MASK) {
        qcow2_free_later(s, l2e & QCOW2_OFFSET_MASK, s->cluster_size);
    }
}

/* Write within one guest cluster. */
static int qcow2_write_cluster(BlockDriverState *bs, int64_t off,
                               const uint8_t *buf, uint64_t len,
                               GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size, in = off & (cs - 1);
    uint64_t l1_index = (uint64_t)off >> (s->l2_bits + s->cluster_bits);
    uint64_t l2_index = ((uint64_t)off >> s->cluster_bits)
                        & ((1ull << s->l2_bits) - 1);
    uint64_t *l2, l2e, host;
    g_autofree uint8_t *cow = NULL;
    int64_t new_off;
    int type, ret;

    ret = qcow2_l2_for_write(s, l1_index, &l2, errp);
    if (ret < 0) {
        return ret;
    }
    l2e = GUINT64_FROM_BE(l2[l2_index]);
    type = qcow2_entry_type(s, l2e);
    host = l2e & QCOW2_OFFSET_MASK;
    if (type != CL_COMPRESSED && host && (l2e & QCOW2_OFLAG_COPIED)) {
        if ((l2e & QCOW2_L2_RESERVED) || qcow2_overlaps_metadata(s, host)) {
            return qcow2_corrupt(s, errp, "L2 entry 0x%" PRIx64 " points "
                                 "into metadata or has reserved bits", l2e);
        }
        if (type == CL_NORMAL) {
            return block_file_pwrite(s->file, host + in, buf, len, errp);
        }
    }
    new_off = (type != CL_COMPRESSED && host && (l2e & QCOW2_OFLAG_COPIED))
              ? (int64_t)host : qcow2_alloc_clusters(s, 1, errp);
    if (new_off < 0) {
        return new_off;
    }
    if (len == cs) {
        ret = block_file_pwrite(s->file, new_off, buf, cs, errp);
    } else if ((type == CL_ZERO || (type == CL_UNALLOC && !bs->backing))
               && new_off >= s->file->end) {
        /* Past the end of the file the rest of the cluster reads as 0. */
        ret = block_file_pwrite(s->file, new_off + in, buf, len, errp);
    } else {
        cow = g_try_malloc(cs);
        if (!cow) {
            return -ENOMEM;
        }
        if (type == CL_ZERO) {
            memset(cow, 0, cs);
            ret = 0;
        } else {
            ret = qcow2_cow_source(bs, l2e, off - in, cow, errp);
        }
        if (ret == 0) {
            memcpy(cow + in, buf, len);
            ret = block_file_pwrite(s->file, new_off, cow, cs, errp);
        }
    }
    if (ret < 0) {
        return ret;
    }
    s->data_unsynced = true;
    /* Allocation may have evicted the table: look it up again. */
    ret = qcow2_l2_load(s, l1_index, &l2, errp);
    if (ret < 0 || !l2) {
        return ret < 0 ? ret : qcow2_corrupt(s, errp, "L2 table vanished");
    }
    l2[l2_index] = GUINT64_TO_BE((uint64_t)new_off | QCOW2_OFLAG_COPIED);
    qcow2_cache_mark_dirty(s->l2_cache, l2);
    if ((uint64_t)new_off != host || type == CL_COMPRESSED) {
        qcow2_drop_ref(s, l2e);
    }
    return 0;
}

int qcow2_write(BlockDriverState *bs, int64_t off, const void *buf,
                size_t n, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    const uint8_t *p = buf;

    if (s->corrupt) {
        return qcow2_corrupt(s, errp, "writes refused after an earlier "
                             "error");
    }
    while (n > 0) {
        uint64_t len = MIN(n, s->cluster_size - (off & (s->cluster_size - 1)));
        int ret = qcow2_write_cluster(bs, off, p, len, errp);

        if (ret < 0) {
            return ret;
        }
        p += len;
        off += len;
        n -= len;
    }
    return 0;
}

int qcow2_discard(BlockDriverState *bs, int64_t off, int64_t n,
                  GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size;
    uint64_t first = KS_ALIGN_UP((uint64_t)off, cs) >> s->cluster_bits;
    uint64_t end = (uint64_t)(off + n) >> s->cluster_bits;

    if ((uint64_t)(off + n) == (uint64_t)bs->size) {
        end = KS_ALIGN_UP((uint64_t)bs->size, cs) >> s->cluster_bits;
    }
    for (uint64_t c = first; c < end; c++) {
        uint64_t l1_index = c >> s->l2_bits;
        uint64_t l2_index = c & ((1ull << s->l2_bits) - 1);
        uint64_t *l2, l2e, repl;
        int type, ret;

        /* Only tables that are ours alone; shared ones keep their data. */
        if (!(s->l1_table[l1_index] & QCOW2_OFLAG_COPIED)) {
            continue;
        }
        ret = qcow2_l2_load(s, l1_index, &l2, errp);
        if (ret < 0 || !l2) {
            if (ret < 0) {
                return ret;
            }
            continue;
        }
        l2e = GUINT64_FROM_BE(l2[l2_index]);
        type = qcow2_entry_type(s, l2e);
        if (type == CL_UNALLOC
            || (type == CL_ZERO && !(l2e & QCOW2_OFFSET_MASK))) {
            continue;                   /* reads stay what they were */
        }
        if (!bs->backing) {
            repl = 0;
        } else if (s->version >= 3) {
            repl = QCOW2_OFLAG_ZERO;    /* must not expose the backing file */
        } else {
            continue;
        }
        l2[l2_index] = GUINT64_TO_BE(repl);
        qcow2_cache_mark_dirty(s->l2_cache, l2);
        qcow2_drop_ref(s, l2e);
    }
    return 0;
}

bool qcow2_overlaps_metadata(BDRVQcow2State *s, uint64_t off)
{
    uint64_t end = off + s->cluster_size;

    return off < s->cluster_size
        || (off < s->l1_table_offset + (uint64_t)s->l1_size * 8
            && end > s->l1_table_offset)
        || (off < s->reftable_offset
                  + ((uint64_t)s->reftable_clusters << s->cluster_bits)
            && end > s->reftable_offset);
}

bool qcow2_write_l1(BDRVQcow2State *s, GError **errp)
{
    uint32_t lo = s->l1_dirty_lo, hi = s->l1_dirty_hi;
    g_autofree uint64_t *be = NULL;

    if (lo >= hi) {
        return true;
    }
    be = g_new(uint64_t, hi - lo);
    for (uint32_t i = lo; i < hi; i++) {
        be[i - lo] = GUINT64_TO_BE(s->l1_table[i]);
    }
    if (block_file_pwrite(s->file, s->l1_table_offset + (uint64_t)lo * 8,
                          be, (uint64_t)(hi - lo) * 8, errp) < 0) {
        return false;
    }
    s->l1_dirty_lo = UINT32_MAX;
    s->l1_dirty_hi = 0;
    return true;
}
