/* SPDX-License-Identifier: MIT */
/*
 * Inside the block layer: a node (BlockDriverState, one image file with
 * its format driver), the BlockDriver ops table every format fills in,
 * and the host file helpers (block/file-posix.c).
 *
 * block/block.c builds the chain of nodes behind a BlockBackend and
 * serializes requests on it, so drivers never see two requests at once.
 * Driver calls return 0 or a negative errno and set *errp on failure;
 * messages name the image file.
 */
#ifndef KESTREL_BLOCK_INT_H
#define KESTREL_BLOCK_INT_H

#include "kestrel/osdep.h"
#include "kestrel/block.h"
#include <sys/types.h>

/* An open host file, locked against other writers (file-posix.c). */
typedef struct BlockFile {
    int fd;
    char *name;                         /* as given by the user */
    int64_t end;                        /* current size of the file */
    bool writable;
} BlockFile;

BlockFile *block_file_open(const char *name, bool writable, GError **errp);
/* Create a new file (O_EXCL unless truncate); writable and locked. */
BlockFile *block_file_create(const char *name, bool truncate, GError **errp);
void block_file_close(BlockFile *f);
/* Full-length I/O; reads past the end of the file fill with zeros. */
int block_file_pread(BlockFile *f, int64_t off, void *buf, size_t n,
                     GError **errp);
int block_file_pwrite(BlockFile *f, int64_t off, const void *buf, size_t n,
                      GError **errp);
int block_file_sync(BlockFile *f, GError **errp);
/* Deallocate a range (punch a hole); silently a no-op if unsupported. */
void block_file_punch(BlockFile *f, int64_t off, int64_t n);

typedef struct BlockDriverState BlockDriverState;

typedef struct BlockDriver {
    const char *format_name;
    /* Does this header (the first bytes of the file) look like ours? */
    bool (*probe)(const uint8_t *buf, size_t len);
    /* bs->file is open; read the metadata, set bs->size, open backing. */
    bool (*open)(BlockDriverState *bs, GError **errp);
    void (*close)(BlockDriverState *bs);
    int (*pread)(BlockDriverState *bs, int64_t off, void *buf, size_t n,
                 GError **errp);
    int (*pwrite)(BlockDriverState *bs, int64_t off, const void *buf,
                  size_t n, GError **errp);
    int (*flush)(BlockDriverState *bs, GError **errp);
    int (*discard)(BlockDriverState *bs, int64_t off, int64_t n,
                   GError **errp);
} BlockDriver;

struct BlockDriverState {
    const BlockDriver *drv;
    BlockFile *file;
    char *filename;                     /* for messages */
    int64_t size;                       /* virtual size */
    bool readonly;
    bool restrict_block0;               /* probed raw: see raw.c */
    BlockDriverState *backing;          /* NULL: none */
    GPtrArray *chain_ids;               /* "dev:ino" of files above us */
    void *opaque;                       /* driver state */
};

/* What a BlockBackend is (block.c; aio.c runs its requests). */
struct BlockBackend {
    BlockDriverState *root;
    char *name;
    bool temporary;                     /* -snapshot overlay: no syncs */
    GMutex io_lock;                     /* one driver call at a time */
    char *last_error;
    char *open_warning;
    GMutex aio_lock;                    /* the fields below */
    GCond aio_cond;
    GQueue aio_queue;                   /* submitted, not started */
    bool aio_worker;                    /* a pool thread is running them */
    unsigned aio_inflight;              /* submitted, callback not run */
};

typedef enum BlockReqType {
    BLK_REQ_READ, BLK_REQ_WRITE, BLK_REQ_FLUSH, BLK_REQ_DISCARD,
} BlockReqType;

/* Run one request on blk now, in this thread (block.c). */
int blk_do_request(BlockBackend *blk, BlockReqType type, int64_t offset,
                   void *buf, int64_t bytes);

extern const BlockDriver block_driver_raw;
extern const BlockDriver block_driver_qcow2;

/*
 * Open a node on a file (block.c). format NULL: probe. chain_ids lists
 * the files already in the chain (loop detection); NULL for a top node.
 */
BlockDriverState *bdrv_open(const char *filename, const char *format,
                            bool readonly, GPtrArray *chain_ids,
                            GError **errp);
/* A node over an already created file, taking ownership of it. */
BlockDriverState *bdrv_open_file(BlockFile *file, const char *format,
                                 bool readonly, BlockDriverState *backing,
                                 GError **errp);
void bdrv_close(BlockDriverState *bs);
/* Read from a node, zero-filling past its end (for backing reads). */
int bdrv_pread_padded(BlockDriverState *bs, int64_t off, void *buf,
                      size_t n, GError **errp);

/*
 * Create an empty qcow2 v3 image of size bytes on f (qcow2-create.c),
 * with an optional backing file name and format.
 */
bool qcow2_create(BlockFile *f, int64_t size, unsigned cluster_bits,
                  const char *backing, const char *backing_fmt,
                  GError **errp);

#endif /* KESTREL_BLOCK_INT_H */
