/* SPDX-License-Identifier: MIT */
/*
 * qcow2 driver state shared by block/qcow2*.c.
 *
 * Ref: the qcow2 specification (QEMU docs/interop/qcow2.txt): "Header",
 * "Header extensions", "Host cluster management" (refcounts), "Cluster
 * mapping" (L1/L2, compressed and zero clusters), "Snapshots".
 *
 * Metadata write ordering (docs/block.md has the reasoning): refcount
 * increments reach the disk before any L2 or L1 entry that needs them;
 * L2 tables before the L1 entries that point to them; refcount
 * decrements are queued (pending_free) and applied only after the tables
 * that dropped the references are on disk. A crash at any point leaves at
 * worst leaked clusters.
 */
#ifndef KESTREL_BLOCK_QCOW2_H
#define KESTREL_BLOCK_QCOW2_H

#include "kestrel/osdep.h"
#include "block/block-int.h"

#define QCOW2_MAGIC             0x514649fbu     /* "QFI\xfb" */
#define QCOW2_V2_HEADER_SIZE    72
#define QCOW2_V3_HEADER_SIZE    104
#define QCOW2_MIN_CLUSTER_BITS  9
#define QCOW2_MAX_CLUSTER_BITS  21
#define QCOW2_MAX_L1_BYTES      (32 * 1024 * 1024)
#define QCOW2_MAX_REFTABLE_BYTES (8 * 1024 * 1024)
#define QCOW2_MAX_BACKING_NAME  1023
#define QCOW2_MAX_SNAPSHOTS     65536

/* Header extension types */
#define QCOW2_EXT_END           0x00000000u
#define QCOW2_EXT_BACKING_FMT   0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE 0x6803f857u
#define QCOW2_EXT_BITMAPS       0x23852875u
#define QCOW2_EXT_CRYPTO        0x0537be77u
#define QCOW2_EXT_DATA_FILE     0x44415441u

/* Feature bits */
#define QCOW2_INCOMPAT_DIRTY        (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT      (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE    (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION  (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2        (1ull << 4)
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)

/* L1 and L2 entries */
#define QCOW2_OFLAG_COPIED      (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED  (1ull << 62)
#define QCOW2_OFLAG_ZERO        (1ull << 0)
#define QCOW2_OFFSET_MASK       0x00fffffffffffe00ull   /* bits 9-55 */
#define QCOW2_L1_RESERVED       0x7f000000000001ffull
#define QCOW2_L2_RESERVED       0x3f000000000001feull

/* A fixed-size table cache of clusters (L2 tables or refcount blocks). */
typedef struct Qcow2Cache Qcow2Cache;
typedef struct BDRVQcow2State BDRVQcow2State;

struct BDRVQcow2State {
    BlockDriverState *bs;
    BlockFile *file;
    uint32_t version;
    uint32_t cluster_bits;
    uint64_t cluster_size;
    uint32_t l2_bits;                   /* log2(entries per L2 table) */
    uint64_t l1_table_offset;
    uint32_t l1_size;                   /* entries */
    uint64_t *l1_table;                 /* host byte order */
    uint32_t l1_dirty_lo, l1_dirty_hi;  /* dirty entries [lo, hi) */
    uint64_t reftable_offset;
    uint32_t reftable_size;             /* entries */
    uint32_t reftable_clusters;
    uint64_t *reftable;                 /* host byte order */
    uint32_t refcount_order;            /* refcount width = 1 << order */
    uint32_t refblock_bits;             /* log2(entries per refblock) */
    uint64_t refcount_max;
    uint64_t incompatible, compatible, autoclear;
    uint32_t header_length;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    char *backing_file, *backing_format;
    Qcow2Cache *l2_cache;
    Qcow2Cache *refblock_cache;
    bool refblocks_unsynced;            /* refblocks written, no sync yet */
    bool data_unsynced;                 /* new clusters written, no sync */
    uint64_t free_hint;                 /* no free cluster below this */
    uint64_t alloc_end;                 /* no cluster allocated from here */
    GArray *pending_free;               /* uint64_t host offsets, 1 cluster */
    uint64_t csize_shift, csize_mask, coffset_mask;    /* compressed L2 */
    uint8_t *cluster_buf;               /* decompressed / COW scratch */
    uint8_t *cdata_buf;                 /* compressed bytes */
    uint64_t cached_cluster;            /* L2 entry decompressed in cbuf */
    bool corrupt;                       /* found bad metadata: no writes */
};

/* qcow2-cache.c */
typedef bool Qcow2CacheWriteHook(BDRVQcow2State *s, GError **errp);
Qcow2Cache *qcow2_cache_new(BDRVQcow2State *s, unsigned entries,
                            Qcow2CacheWriteHook *before_write, bool *written);
void qcow2_cache_free(Qcow2Cache *c);
/* The table at off (read from disk unless fresh: then zeroed), or NULL. */
uint64_t *qcow2_cache_get(Qcow2Cache *c, uint64_t off, bool fresh,
                          GError **errp);
void qcow2_cache_mark_dirty(Qcow2Cache *c, const uint64_t *table);
bool qcow2_cache_is_dirty(Qcow2Cache *c);
bool qcow2_cache_flush(Qcow2Cache *c, GError **errp);
/* Forget a table (its cluster was freed) without writing it. */
void qcow2_cache_discard(Qcow2Cache *c, uint64_t off);

/* qcow2-refcount.c */
int qcow2_get_refcount(BDRVQcow2State *s, uint64_t cluster, uint64_t *rc,
                       GError **errp);
/* Allocate n contiguous clusters (refcount 1); the host offset or -errno */
int64_t qcow2_alloc_clusters(BDRVQcow2State *s, uint64_t n, GError **errp);
/* Queue a reference drop on the clusters touched by [off, off + len). */
void qcow2_free_later(BDRVQcow2State *s, uint64_t off, uint64_t len);
bool qcow2_apply_pending_free(BDRVQcow2State *s, GError **errp);
bool qcow2_sync_refblocks(BDRVQcow2State *s, GError **errp);

/* qcow2-cluster.c */
int qcow2_read(BlockDriverState *bs, int64_t off, void *buf, size_t n,
                   GError **errp);
int qcow2_write(BlockDriverState *bs, int64_t off, const void *buf,
                    size_t n, GError **errp);
int qcow2_discard(BlockDriverState *bs, int64_t off, int64_t n,
                     GError **errp);
bool qcow2_write_l1(BDRVQcow2State *s, GError **errp);
/* Would writing host cluster off clobber the header or a fixed table? */
bool qcow2_overlaps_metadata(BDRVQcow2State *s, uint64_t off);

/* Mark the image corrupt in memory (refuse writes from now on). */
int qcow2_corrupt(BDRVQcow2State *s, GError **errp, const char *fmt, ...)
    KS_PRINTF(3, 4);

static inline uint64_t qcow2_offset_to_cluster(BDRVQcow2State *s,
                                               uint64_t off)
{
    return off >> s->cluster_bits;
}

#endif /* KESTREL_BLOCK_QCOW2_H */
