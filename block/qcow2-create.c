/* SPDX-License-Identifier: MIT */
/*
 * Creating an empty qcow2 version 3 image: the temporary overlay of
 * -snapshot (block.c) and `kestrel-img create` (block/kestrel-img.c).
 *
 * Layout: cluster 0 header (with a backing format extension and the
 * backing file name), cluster 1 refcount table, cluster 2 its first
 * refcount block, then the L1 table. 16-bit refcounts, no lazy refcounts.
 * Ref: qcow2 spec, "Header", "Header extensions", "Host cluster
 * management".
 * Missing: preallocation, other refcount widths, compression type zstd.
 */
#include "kestrel/osdep.h"
#include "block/qcow2.h"

#define QCOW2_CREATE_HEADER_LENGTH 112

static void put_be32(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_BE(v);
    memcpy(p, &v, 4);
}

static void put_be64(uint8_t *p, uint64_t v)
{
    v = GUINT64_TO_BE(v);
    memcpy(p, &v, 8);
}

bool qcow2_create(BlockFile *f, int64_t size, unsigned cluster_bits,
                  const char *backing, const char *backing_fmt,
                  GError **errp)
{
    uint64_t cs = 1ull << cluster_bits, per_l1 = cs << (cluster_bits - 3);
    uint64_t l1_size, l1_clusters, nclusters, fmt_len, name_len;
    g_autofree uint8_t *buf = NULL;
    uint8_t *hdr, *refblock;
    size_t pos;

    if (cluster_bits < QCOW2_MIN_CLUSTER_BITS
        || cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s: cluster size must be a power of two from 512 to "
                    "2 MiB", f->name);
        return false;
    }
    l1_size = ((uint64_t)size + per_l1 - 1) / per_l1;
    l1_clusters = MAX(1, (l1_size * 8 + cs - 1) / cs);
    nclusters = 3 + l1_clusters;
    fmt_len = backing_fmt ? strlen(backing_fmt) : 0;
    name_len = backing ? strlen(backing) : 0;
    if (size < 0 || l1_size * 8 > QCOW2_MAX_L1_BYTES
        || nclusters > cs * 8 / 16
        || QCOW2_CREATE_HEADER_LENGTH + 16 + KS_ALIGN_UP(fmt_len, 8)
           + name_len > cs
        || name_len > QCOW2_MAX_BACKING_NAME) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s: cannot create a qcow2 image of %" PRId64 " bytes "
                    "with %" PRIu64 "-byte clusters and this backing name",
                    f->name, size, cs);
        return false;
    }
    buf = g_try_malloc0(nclusters * cs);
    if (!buf) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: out of memory",
                    f->name);
        return false;
    }
    hdr = buf;
    put_be32(hdr, QCOW2_MAGIC);
    put_be32(hdr + 4, 3);
    put_be32(hdr + 20, cluster_bits);
    put_be64(hdr + 24, size);
    put_be32(hdr + 36, l1_size);
    put_be64(hdr + 40, 3 * cs);                 /* L1 table */
    put_be64(hdr + 48, cs);                     /* refcount table */
    put_be32(hdr + 56, 1);
    put_be32(hdr + 96, 4);                      /* 16-bit refcounts */
    put_be32(hdr + 100, QCOW2_CREATE_HEADER_LENGTH);
    pos = QCOW2_CREATE_HEADER_LENGTH;
    if (backing_fmt) {
        put_be32(hdr + pos, QCOW2_EXT_BACKING_FMT);
        put_be32(hdr + pos + 4, fmt_len);
        memcpy(hdr + pos + 8, backing_fmt, fmt_len);
        pos += 8 + KS_ALIGN_UP(fmt_len, 8);
    }
    pos += 8;                                   /* end of extensions */
    if (backing) {
        put_be64(hdr + 8, pos);
        put_be32(hdr + 16, name_len);
        memcpy(hdr + pos, backing, name_len);
    }
    put_be64(buf + cs, 2 * cs);                 /* refcount block 0 */
    refblock = buf + 2 * cs;
    for (uint64_t i = 0; i < nclusters; i++) {
        refblock[2 * i + 1] = 1;
    }
    return block_file_pwrite(f, 0, buf, nclusters * cs, errp) == 0
        && block_file_sync(f, errp) == 0;
}
