/* SPDX-License-Identifier: MIT */
/*
 * The block layer: disk images behind the IDE and floppy devices.
 *
 * A BlockBackend is one opened image (raw or qcow2, possibly a chain of
 * qcow2 overlays over backing files, possibly a temporary -snapshot
 * overlay). Devices call it with byte offsets and lengths; it does the
 * format work. Offsets and lengths need no alignment.
 *
 * Two ways to do I/O:
 * - synchronous (blk_pread and friends): the I/O runs in the calling
 *   thread. For simple devices (floppy), tools and tests.
 * - asynchronous (blk_aio_*): the I/O runs in a GLib thread pool; the
 *   completion callback runs later on the main thread (GLib default main
 *   context) with the big lock held (kestrel/bql.h). The buffer must stay
 *   valid until the callback runs. Requests on one backend complete in
 *   submission order.
 *
 * Return values of I/O functions: 0 on success, a negative errno on
 * failure (-EIO for a corrupt image, -EPERM for a write to a read-only
 * backend, -EINVAL for a request past the end). blk_last_error() gives
 * the message of the last failure, naming the image, for the log.
 *
 * On exit (normal quit, monitor quit, SIGTERM/SIGINT) system/runstate.c
 * calls blk_close_all(), which drains, flushes and closes every backend;
 * nothing written by the guest before that is lost. docs/block.md has
 * the details; block/block.c is the implementation.
 */
#ifndef KESTREL_BLOCK_H
#define KESTREL_BLOCK_H

#include "kestrel/osdep.h"
#include <sys/uio.h>

typedef struct BlockBackend BlockBackend;

typedef struct BlockOpenOptions {
    const char *format;                 /* "raw", "qcow2"; NULL: probe */
    bool readonly;                      /* open read-only; writes fail */
    bool snapshot;                      /* writes go to a temporary overlay */
} BlockOpenOptions;

/*
 * Open an image. NULL opts means probe, read-write, no snapshot. On
 * failure: NULL and *errp says why, naming the file. The image is locked
 * (OFD locks) so that a second writer, in this process or another, fails.
 */
BlockBackend *blk_open(const char *filename, const BlockOpenOptions *opts,
                       GError **errp);
/* Drain, flush and close. NULL is allowed. Returns the flush result. */
int blk_close(BlockBackend *blk);

const char *blk_name(const BlockBackend *blk);         /* the file name */
const char *blk_format(const BlockBackend *blk);       /* "raw", "qcow2" */
bool blk_is_readonly(const BlockBackend *blk);
/* Virtual size in bytes (what the guest sees). */
int64_t blk_getlength(BlockBackend *blk);
/* The last I/O failure on blk, or NULL; valid until the next request. */
const char *blk_last_error(BlockBackend *blk);
/* A warning from blk_open the caller should show once (e.g. "probed
 * raw"), or NULL. */
const char *blk_open_warning(const BlockBackend *blk);

/* Synchronous I/O (any thread; the big lock is not needed). */
int blk_pread(BlockBackend *blk, int64_t offset, void *buf, size_t bytes);
int blk_pwrite(BlockBackend *blk, int64_t offset, const void *buf,
               size_t bytes);
int blk_preadv(BlockBackend *blk, int64_t offset, const struct iovec *iov,
               int iovcnt);
int blk_pwritev(BlockBackend *blk, int64_t offset, const struct iovec *iov,
                int iovcnt);
/* Make everything written so far durable (fdatasync, metadata too). */
int blk_flush(BlockBackend *blk);
/* The range may read back as zeros or as its old contents afterwards. */
int blk_discard(BlockBackend *blk, int64_t offset, int64_t bytes);

/* Asynchronous I/O: cb(opaque, ret) runs on the main loop, lock held. */
typedef void BlockCompletionFunc(void *opaque, int ret);

void blk_aio_pread(BlockBackend *blk, int64_t offset, void *buf,
                   size_t bytes, BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwrite(BlockBackend *blk, int64_t offset, const void *buf,
                    size_t bytes, BlockCompletionFunc *cb, void *opaque);
/* iov (the array, not only the buffers) must stay valid until cb runs. */
void blk_aio_preadv(BlockBackend *blk, int64_t offset,
                    const struct iovec *iov, int iovcnt,
                    BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwritev(BlockBackend *blk, int64_t offset,
                     const struct iovec *iov, int iovcnt,
                     BlockCompletionFunc *cb, void *opaque);
void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque);
void blk_aio_discard(BlockBackend *blk, int64_t offset, int64_t bytes,
                     BlockCompletionFunc *cb, void *opaque);

/*
 * Wait until every request submitted on blk has completed and its
 * callback has run (in this thread if it had not run yet). Call with the
 * big lock held or from a thread that never takes it (tools, tests);
 * device reset calls it before dropping in-flight state.
 */
void blk_drain(BlockBackend *blk);

/* Every open backend: drain and flush (e.g. before a migration or stop). */
int blk_flush_all(void);
/* On exit: drain, flush, write qcow2 metadata, unlock, close everything. */
void blk_close_all(void);

#endif /* KESTREL_BLOCK_H */
