/* SPDX-License-Identifier: MIT */
/*
 * Asynchronous block requests: a GLib thread pool runs them, the main
 * loop delivers their completions.
 *
 * Each backend has a FIFO of submitted requests; at most one pool thread
 * works through a backend's FIFO at a time, so a backend's requests run
 * and complete in submission order while different backends proceed in
 * parallel. A finished request goes on one global done queue; an idle
 * source on the default main context takes the big lock and runs the
 * callbacks. blk_drain() waits for a backend's pool work and runs its
 * remaining callbacks itself, so it also works where no main loop runs
 * (tools, tests).
 * Called by devices through kestrel/block.h.
 * Missing: Linux AIO / io_uring (aio= is accepted and means threads).
 */
#include "kestrel/osdep.h"
#include "kestrel/bql.h"
#include "block/block-int.h"

#define BLOCK_POOL_THREADS  4

typedef struct BlockAIOReq {
    BlockBackend *blk;
    BlockReqType type;
    int64_t offset;
    int64_t bytes;
    void *buf;
    const struct iovec *iov;            /* vectored: scatter/gather here */
    int iovcnt;
    BlockCompletionFunc *cb;
    void *opaque;
    int ret;
} BlockAIOReq;

static GThreadPool *blk_pool;
static GMutex blk_done_lock;
static GQueue blk_done = G_QUEUE_INIT;
static bool blk_done_scheduled;

static int blk_aio_run(BlockAIOReq *req)
{
    BlockBackend *blk = req->blk;

    if (!req->iov) {
        return blk_do_request(blk, req->type, req->offset, req->buf,
                              req->bytes);
    }
    if (req->type == BLK_REQ_READ) {
        return blk_preadv(blk, req->offset, req->iov, req->iovcnt);
    }
    return blk_pwritev(blk, req->offset, req->iov, req->iovcnt);
}

/* Callbacks run with the big lock held (taken here: it is recursive). */
static void blk_aio_complete(BlockAIOReq *req)
{
    BlockBackend *blk = req->blk;

    req->cb(req->opaque, req->ret);
    g_mutex_lock(&blk->aio_lock);
    blk->aio_inflight--;
    g_cond_broadcast(&blk->aio_cond);
    g_mutex_unlock(&blk->aio_lock);
    g_free(req);
}

static gboolean blk_aio_bh(gpointer unused)
{
    bql_lock();
    g_mutex_lock(&blk_done_lock);
    blk_done_scheduled = false;
    g_mutex_unlock(&blk_done_lock);
    /* One at a time: a callback may close a backend and drain it. */
    for (;;) {
        BlockAIOReq *req;

        g_mutex_lock(&blk_done_lock);
        req = g_queue_pop_head(&blk_done);
        g_mutex_unlock(&blk_done_lock);
        if (!req) {
            break;
        }
        blk_aio_complete(req);
    }
    bql_unlock();
    return G_SOURCE_REMOVE;
}

static void blk_aio_worker(gpointer data, gpointer unused)
{
    BlockBackend *blk = data;

    for (;;) {
        BlockAIOReq *req;

        g_mutex_lock(&blk->aio_lock);
        req = g_queue_pop_head(&blk->aio_queue);
        if (!req) {
            blk->aio_worker = false;
            g_cond_broadcast(&blk->aio_cond);
            g_mutex_unlock(&blk->aio_lock);
            return;
        }
        g_mutex_unlock(&blk->aio_lock);
        req->ret = blk_aio_run(req);
        g_mutex_lock(&blk_done_lock);
        g_queue_push_tail(&blk_done, req);
        if (!blk_done_scheduled) {
            GSource *src = g_idle_source_new();

            blk_done_scheduled = true;
            g_source_set_callback(src, blk_aio_bh, NULL, NULL);
            g_source_attach(src, g_main_context_default());
            g_source_unref(src);
        }
        g_mutex_unlock(&blk_done_lock);
    }
}

static void blk_aio_submit(BlockBackend *blk, BlockReqType type,
                           int64_t offset, void *buf, int64_t bytes,
                           const struct iovec *iov, int iovcnt,
                           BlockCompletionFunc *cb, void *opaque)
{
    static gsize pool_ready;
    BlockAIOReq *req = g_new0(BlockAIOReq, 1);
    bool start;

    if (g_once_init_enter(&pool_ready)) {
        blk_pool = g_thread_pool_new(blk_aio_worker, NULL,
                                     BLOCK_POOL_THREADS, FALSE, NULL);
        g_once_init_leave(&pool_ready, 1);
    }
    *req = (BlockAIOReq) {
        .blk = blk, .type = type, .offset = offset, .buf = buf,
        .bytes = bytes, .iov = iov, .iovcnt = iovcnt, .cb = cb,
        .opaque = opaque,
    };
    g_mutex_lock(&blk->aio_lock);
    blk->aio_inflight++;
    g_queue_push_tail(&blk->aio_queue, req);
    start = !blk->aio_worker;
    blk->aio_worker = true;
    g_mutex_unlock(&blk->aio_lock);
    if (start) {
        g_thread_pool_push(blk_pool, blk, NULL);
    }
}

void blk_aio_pread(BlockBackend *blk, int64_t offset, void *buf,
                   size_t bytes, BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_submit(blk, BLK_REQ_READ, offset, buf, bytes, NULL, 0, cb,
                   opaque);
}

void blk_aio_pwrite(BlockBackend *blk, int64_t offset, const void *buf,
                    size_t bytes, BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_submit(blk, BLK_REQ_WRITE, offset, (void *)buf, bytes, NULL, 0,
                   cb, opaque);
}

void blk_aio_preadv(BlockBackend *blk, int64_t offset,
                    const struct iovec *iov, int iovcnt,
                    BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_submit(blk, BLK_REQ_READ, offset, NULL, 0, iov, iovcnt, cb,
                   opaque);
}

void blk_aio_pwritev(BlockBackend *blk, int64_t offset,
                     const struct iovec *iov, int iovcnt,
                     BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_submit(blk, BLK_REQ_WRITE, offset, NULL, 0, iov, iovcnt, cb,
                   opaque);
}

void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_submit(blk, BLK_REQ_FLUSH, 0, NULL, 0, NULL, 0, cb, opaque);
}

void blk_aio_discard(BlockBackend *blk, int64_t offset, int64_t bytes,
                     BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_submit(blk, BLK_REQ_DISCARD, offset, NULL, bytes, NULL, 0, cb,
                   opaque);
}

void blk_drain(BlockBackend *blk)
{
    bql_lock();
    for (;;) {
        GQueue mine = G_QUEUE_INIT;

        g_mutex_lock(&blk->aio_lock);
        while (blk->aio_worker) {
            g_cond_wait(&blk->aio_cond, &blk->aio_lock);
        }
        if (!blk->aio_inflight) {
            g_mutex_unlock(&blk->aio_lock);
            break;
        }
        g_mutex_unlock(&blk->aio_lock);
        /* Done but not called back: call back here, in order. */
        g_mutex_lock(&blk_done_lock);
        for (GList *l = blk_done.head, *next; l; l = next) {
            next = l->next;
            if (((BlockAIOReq *)l->data)->blk == blk) {
                g_queue_push_tail(&mine, l->data);
                g_queue_delete_link(&blk_done, l);
            }
        }
        g_mutex_unlock(&blk_done_lock);
        while (!g_queue_is_empty(&mine)) {
            blk_aio_complete(g_queue_pop_head(&mine));
        }
    }
    bql_unlock();
}
