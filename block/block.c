/* SPDX-License-Identifier: MIT */
/*
 * BlockBackend: what devices open (kestrel/block.h). Format selection by
 * probing or format=, backing chains with loop detection, the -snapshot
 * overlay, read-only opens, request checks, the synchronous API and the
 * list of open backends for blk_flush_all() / blk_close_all().
 *
 * Requests on one backend are serialized by io_lock; aio.c runs the
 * asynchronous ones on a thread pool through blk_do_request().
 * -snapshot: the image (and its chain) is opened read-only and an
 * unlinked qcow2 file in $TMPDIR (default /var/tmp, as QEMU) takes the
 * writes; it is never synced, since it dies with the process.
 * Ref: QEMU's -drive documentation for the option semantics.
 * Missing: cache= modes (all behave as writeback), detect-zeroes, I/O
 * throttling, changing media (the IDE/floppy code closes and reopens).
 */
#include "kestrel/osdep.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "block/block-int.h"

#define BLOCK_MAX_CHAIN     64
#define BLOCK_PROBE_SIZE    512

static GMutex blk_list_lock;
static GList *blk_list;

static const BlockDriver *const block_drivers[] = {
    &block_driver_qcow2,
    &block_driver_raw,
};

static const BlockDriver *bdrv_find_format(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(block_drivers); i++) {
        if (!strcmp(block_drivers[i]->format_name, name)) {
            return block_drivers[i];
        }
    }
    return NULL;
}

/* The format whose signature the file has; raw if none. */
static const BlockDriver *bdrv_probe(BlockFile *f, GError **errp)
{
    uint8_t buf[BLOCK_PROBE_SIZE];

    if (block_file_pread(f, 0, buf, sizeof(buf), errp) < 0) {
        return NULL;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(block_drivers); i++) {
        if (block_drivers[i]->probe
            && block_drivers[i]->probe(buf, sizeof(buf))) {
            return block_drivers[i];
        }
    }
    return &block_driver_raw;
}

static BlockDriverState *bdrv_open_common(BlockFile *file,
                                          const char *format, bool readonly,
                                          BlockDriverState *backing,
                                          GPtrArray *chain_ids,
                                          const char *id, GError **errp)
{
    BlockDriverState *bs = g_new0(BlockDriverState, 1);
    const BlockDriver *drv;

    bs->file = file;
    bs->filename = g_strdup(file->name);
    bs->readonly = readonly;
    bs->backing = backing;
    bs->chain_ids = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; chain_ids && i < chain_ids->len; i++) {
        g_ptr_array_add(bs->chain_ids, g_strdup(chain_ids->pdata[i]));
    }
    if (id) {
        g_ptr_array_add(bs->chain_ids, g_strdup(id));
    }
    if (format) {
        drv = bdrv_find_format(format);
        if (!drv) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "%s: unknown image format '%s'", file->name, format);
            bdrv_close(bs);
            return NULL;
        }
    } else {
        drv = bdrv_probe(file, errp);
        if (!drv) {
            bdrv_close(bs);
            return NULL;
        }
        bs->restrict_block0 = drv == &block_driver_raw && !readonly;
    }
    bs->drv = drv;
    if (!drv->open(bs, errp)) {
        bdrv_close(bs);
        return NULL;
    }
    return bs;
}

BlockDriverState *bdrv_open(const char *filename, const char *format,
                            bool readonly, GPtrArray *chain_ids,
                            GError **errp)
{
    g_autofree char *id = NULL;
    struct stat st;
    BlockFile *f;

    if (stat(filename, &st) < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: cannot open: %s",
                    filename, g_strerror(errno));
        return NULL;
    }
    id = g_strdup_printf("%ju:%ju", (uintmax_t)st.st_dev,
                         (uintmax_t)st.st_ino);
    for (guint i = 0; chain_ids && i < chain_ids->len; i++) {
        if (!strcmp(chain_ids->pdata[i], id)) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "%s: backing file chain loops (this file is already "
                        "in the chain)", filename);
            return NULL;
        }
    }
    if (chain_ids && chain_ids->len >= BLOCK_MAX_CHAIN) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s: backing file chain is deeper than %d", filename,
                    BLOCK_MAX_CHAIN);
        return NULL;
    }
    f = block_file_open(filename, !readonly, errp);
    if (!f) {
        return NULL;
    }
    return bdrv_open_common(f, format, readonly, NULL, chain_ids, id, errp);
}

BlockDriverState *bdrv_open_file(BlockFile *file, const char *format,
                                 bool readonly, BlockDriverState *backing,
                                 GError **errp)
{
    return bdrv_open_common(file, format, readonly, backing, NULL, NULL,
                            errp);
}

void bdrv_close(BlockDriverState *bs)
{
    if (!bs) {
        return;
    }
    if (bs->drv) {
        bs->drv->close(bs);
    }
    bdrv_close(bs->backing);
    block_file_close(bs->file);
    g_ptr_array_unref(bs->chain_ids);
    g_free(bs->filename);
    g_free(bs);
}

int bdrv_pread_padded(BlockDriverState *bs, int64_t off, void *buf,
                      size_t n, GError **errp)
{
    size_t avail = off >= bs->size ? 0 : MIN(n, (uint64_t)(bs->size - off));

    memset((uint8_t *)buf + avail, 0, n - avail);
    return avail ? bs->drv->pread(bs, off, buf, avail, errp) : 0;
}

/* The -snapshot overlay: a temporary qcow2 over the read-only image. */
static BlockDriverState *blk_open_overlay(BlockDriverState *base,
                                          GError **errp)
{
    const char *dir = g_getenv("TMPDIR") ? g_getenv("TMPDIR") : "/var/tmp";
    g_autofree char *path = g_build_filename(dir, "kestrel-snapshot-XXXXXX",
                                             NULL);
    g_autofree char *abs = g_canonicalize_filename(base->filename, NULL);
    BlockFile *f;
    int fd = g_mkstemp_full(path, O_RDWR | O_CLOEXEC, 0600);

    if (fd < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: cannot create the "
                    "snapshot overlay in %s: %s", base->filename, dir,
                    g_strerror(errno));
        return NULL;
    }
    close(fd);
    f = block_file_create(path, true, errp);
    unlink(path);                       /* gone when we exit, however */
    if (!f) {
        return NULL;
    }
    if (!qcow2_create(f, base->size, 16, abs, base->drv->format_name,
                      errp)) {
        block_file_close(f);
        return NULL;
    }
    return bdrv_open_file(f, "qcow2", false, base, errp);
}

BlockBackend *blk_open(const char *filename, const BlockOpenOptions *opts,
                       GError **errp)
{
    static const BlockOpenOptions defaults;
    BlockBackend *blk;
    BlockDriverState *bs;

    if (!opts) {
        opts = &defaults;
    }
    bs = bdrv_open(filename, opts->format, opts->readonly || opts->snapshot,
                   NULL, errp);
    if (!bs) {
        return NULL;
    }
    blk = g_new0(BlockBackend, 1);
    blk->name = g_strdup(filename);
    if (bs->restrict_block0) {
        blk->open_warning = g_strdup_printf(
            "%s: image format not given; probing found raw, so writes that "
            "would give block 0 another format's signature are refused. "
            "Add format=raw to lift this.", filename);
    }
    if (opts->snapshot && !opts->readonly) {
        BlockDriverState *top = blk_open_overlay(bs, errp);

        if (!top) {
            bdrv_close(bs);
            g_free(blk->open_warning);
            g_free(blk->name);
            g_free(blk);
            return NULL;
        }
        bs = top;
        blk->temporary = true;
    }
    blk->root = bs;
    g_mutex_init(&blk->io_lock);
    g_mutex_init(&blk->aio_lock);
    g_cond_init(&blk->aio_cond);
    g_queue_init(&blk->aio_queue);
    g_mutex_lock(&blk_list_lock);
    blk_list = g_list_append(blk_list, blk);
    g_mutex_unlock(&blk_list_lock);
    return blk;
}

int blk_close(BlockBackend *blk)
{
    g_autoptr(GError) err = NULL;
    int ret = 0;

    if (!blk) {
        return 0;
    }
    g_mutex_lock(&blk_list_lock);
    blk_list = g_list_remove(blk_list, blk);
    g_mutex_unlock(&blk_list_lock);
    blk_drain(blk);
    if (!blk->root->readonly && !blk->temporary) {
        ret = blk->root->drv->flush(blk->root, &err);
    }
    bdrv_close(blk->root);
    g_mutex_clear(&blk->io_lock);
    g_mutex_clear(&blk->aio_lock);
    g_cond_clear(&blk->aio_cond);
    g_free(blk->last_error);
    g_free(blk->open_warning);
    g_free(blk->name);
    g_free(blk);
    return ret;
}

const char *blk_name(const BlockBackend *blk)
{
    return blk->name;
}

const char *blk_format(const BlockBackend *blk)
{
    const BlockDriverState *bs = blk->root;

    return blk->temporary ? bs->backing->drv->format_name
                          : bs->drv->format_name;
}

bool blk_is_readonly(const BlockBackend *blk)
{
    return blk->root->readonly;
}

int64_t blk_getlength(BlockBackend *blk)
{
    return blk->root->size;
}

const char *blk_last_error(BlockBackend *blk)
{
    return blk->last_error;
}

const char *blk_open_warning(const BlockBackend *blk)
{
    return blk->open_warning;
}

static int blk_check_request(BlockBackend *blk, BlockReqType type,
                             int64_t offset, int64_t bytes, GError **errp)
{
    BlockDriverState *bs = blk->root;

    if (type != BLK_REQ_READ && bs->readonly) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: image is read-only",
                    blk->name);
        return -EPERM;
    }
    if (type != BLK_REQ_FLUSH
        && (offset < 0 || bytes < 0 || offset > bs->size
            || bytes > bs->size - offset)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s: request of %" PRId64 " bytes at offset %" PRId64
                    " is outside the image (%" PRId64 " bytes)", blk->name,
                    bytes, offset, bs->size);
        return -EINVAL;
    }
    return 0;
}

int blk_do_request(BlockBackend *blk, BlockReqType type, int64_t offset,
                   void *buf, int64_t bytes)
{
    BlockDriverState *bs = blk->root;
    g_autoptr(GError) err = NULL;
    int ret;

    g_mutex_lock(&blk->io_lock);
    ret = blk_check_request(blk, type, offset, bytes, &err);
    if (ret == 0) {
        switch (type) {
        case BLK_REQ_READ:
            ret = bs->drv->pread(bs, offset, buf, bytes, &err);
            break;
        case BLK_REQ_WRITE:
            ret = bs->drv->pwrite(bs, offset, buf, bytes, &err);
            break;
        case BLK_REQ_FLUSH:
            ret = blk->temporary ? 0 : bs->drv->flush(bs, &err);
            break;
        case BLK_REQ_DISCARD:
            ret = bs->drv->discard(bs, offset, bytes, &err);
            break;
        }
    }
    if (ret < 0) {
        g_free(blk->last_error);
        blk->last_error = g_strdup(err ? err->message : g_strerror(-ret));
    }
    g_mutex_unlock(&blk->io_lock);
    return ret;
}

int blk_pread(BlockBackend *blk, int64_t offset, void *buf, size_t bytes)
{
    return blk_do_request(blk, BLK_REQ_READ, offset, buf, bytes);
}

int blk_pwrite(BlockBackend *blk, int64_t offset, const void *buf,
               size_t bytes)
{
    return blk_do_request(blk, BLK_REQ_WRITE, offset, (void *)buf, bytes);
}

static size_t iov_size(const struct iovec *iov, int iovcnt)
{
    size_t n = 0;

    for (int i = 0; i < iovcnt; i++) {
        n += iov[i].iov_len;
    }
    return n;
}

int blk_preadv(BlockBackend *blk, int64_t offset, const struct iovec *iov,
               int iovcnt)
{
    size_t n = iov_size(iov, iovcnt), pos = 0;
    g_autofree uint8_t *bounce = g_try_malloc(MAX(n, 1));
    int ret;

    if (!bounce) {
        return -ENOMEM;
    }
    ret = blk_pread(blk, offset, bounce, n);
    for (int i = 0; ret == 0 && i < iovcnt; i++) {
        memcpy(iov[i].iov_base, bounce + pos, iov[i].iov_len);
        pos += iov[i].iov_len;
    }
    return ret;
}

int blk_pwritev(BlockBackend *blk, int64_t offset, const struct iovec *iov,
                int iovcnt)
{
    size_t n = iov_size(iov, iovcnt), pos = 0;
    g_autofree uint8_t *bounce = g_try_malloc(MAX(n, 1));

    if (!bounce) {
        return -ENOMEM;
    }
    for (int i = 0; i < iovcnt; i++) {
        memcpy(bounce + pos, iov[i].iov_base, iov[i].iov_len);
        pos += iov[i].iov_len;
    }
    return blk_pwrite(blk, offset, bounce, n);
}

int blk_flush(BlockBackend *blk)
{
    return blk_do_request(blk, BLK_REQ_FLUSH, 0, NULL, 0);
}

int blk_discard(BlockBackend *blk, int64_t offset, int64_t bytes)
{
    return blk_do_request(blk, BLK_REQ_DISCARD, offset, NULL, bytes);
}

int blk_flush_all(void)
{
    int result = 0;

    g_mutex_lock(&blk_list_lock);
    for (GList *l = blk_list; l; l = l->next) {
        BlockBackend *blk = l->data;
        int ret;

        blk_drain(blk);
        ret = blk->root->readonly ? 0 : blk_flush(blk);
        if (ret < 0 && result == 0) {
            result = ret;
        }
    }
    g_mutex_unlock(&blk_list_lock);
    return result;
}

void blk_close_all(void)
{
    for (;;) {
        BlockBackend *blk;

        g_mutex_lock(&blk_list_lock);
        blk = blk_list ? blk_list->data : NULL;
        g_mutex_unlock(&blk_list_lock);
        if (!blk) {
            return;
        }
        blk_close(blk);
    }
}
