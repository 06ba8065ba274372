/* SPDX-License-Identifier: MIT */
/*
 * The raw format: the guest's disk is the file, byte for byte.
 *
 * Probing picks raw for anything that no other format claims. As in QEMU,
 * a raw image whose format was probed rather than given refuses guest
 * writes that would put another format's signature in its first 512
 * bytes (the guest could otherwise turn its disk into a qcow2 header that
 * names a host file as backing file); block.c sets restrict_block0 and a
 * warning. format=raw lifts the restriction.
 * Missing: the offset= and size= options of QEMU's raw driver.
 */
#include "kestrel/osdep.h"
#include "block/block-int.h"

#define RAW_BLOCK0_SIZE 512

static bool raw_open(BlockDriverState *bs, GError **errp)
{
    bs->size = bs->file->end;
    return true;
}

static void raw_close(BlockDriverState *bs)
{
}

static int raw_pread(BlockDriverState *bs, int64_t off, void *buf, size_t n,
                     GError **errp)
{
    return block_file_pread(bs->file, off, buf, n, errp);
}

/* Would block 0, after this write, look like a format other than raw? */
static bool raw_block0_changes_format(BlockDriverState *bs, int64_t off,
                                      const void *buf, size_t n)
{
    uint8_t block0[RAW_BLOCK0_SIZE];
    size_t len = MIN(n, (size_t)(RAW_BLOCK0_SIZE - off));

    if (block_file_pread(bs->file, 0, block0, sizeof(block0), NULL) < 0) {
        return true;
    }
    memcpy(block0 + off, buf, len);
    return block_driver_qcow2.probe(block0, sizeof(block0));
}

static int raw_pwrite(BlockDriverState *bs, int64_t off, const void *buf,
                      size_t n, GError **errp)
{
    if (bs->restrict_block0 && off < RAW_BLOCK0_SIZE
        && raw_block0_changes_format(bs, off, buf, n)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO,
                    "%s: refused a write that would make the probed raw "
                    "image look like qcow2; use format=raw", bs->filename);
        return -EPERM;
    }
    return block_file_pwrite(bs->file, off, buf, n, errp);
}

static int raw_flush(BlockDriverState *bs, GError **errp)
{
    return block_file_sync(bs->file, errp);
}

static int raw_discard(BlockDriverState *bs, int64_t off, int64_t n,
                       GError **errp)
{
    block_file_punch(bs->file, off, n);
    return 0;
}

const BlockDriver block_driver_raw = {
    .format_name = "raw",
    .open = raw_open,
    .close = raw_close,
    .pread = raw_pread,
    .pwrite = raw_pwrite,
    .flush = raw_flush,
    .discard = raw_discard,
};
