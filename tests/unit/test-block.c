/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the block layer API (kestrel/block.h) on raw and qcow2
 * images made by block/qcow2-create.c: sync and async I/O, completion on
 * the main loop with the big lock held, ordering, range checks,
 * read-only, -snapshot, discard, locking, refcount table growth,
 * blk_flush_all/blk_close_all. Interop with qemu-img is in
 * tests/functional/test-qcow2*.py.
 */
#include "kestrel/osdep.h"
#include <unistd.h>
#include "kestrel/block.h"
#include "kestrel/bql.h"
#include "block/block-int.h"

#define MiB (1024 * 1024)

static char *tmp_dir;

static char *make_image(const char *name, const char *fmt, int64_t size,
                        unsigned cluster_bits)
{
    char *path = g_build_filename(tmp_dir, name, NULL);
    g_autoptr(GError) err = NULL;
    BlockFile *f = block_file_create(path, true, &err);

    g_assert_no_error(err);
    if (!strcmp(fmt, "qcow2")) {
        g_assert_true(qcow2_create(f, size, cluster_bits, NULL, NULL, &err));
    } else {
        g_assert_cmpint(ftruncate(f->fd, size), ==, 0);
    }
    block_file_close(f);
    return path;
}

static BlockBackend *open_image(const char *path, const char *fmt,
                                bool readonly, bool snapshot)
{
    BlockOpenOptions o = { .format = fmt, .readonly = readonly,
                           .snapshot = snapshot };
    g_autoptr(GError) err = NULL;
    BlockBackend *blk = blk_open(path, &o, &err);

    g_assert_no_error(err);
    return blk;
}

static void fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(i * 31 + seed * 17 + (i >> 9));
    }
}

static void test_rw(gconstpointer data)
{
    const char *fmt = data;
    g_autofree char *path = make_image("rw.img", fmt, 8 * MiB, 12);
    BlockBackend *blk = open_image(path, fmt, false, false);
    g_autofree uint8_t *w = g_malloc(300000), *r = g_malloc(300000);

    g_assert_cmpint(blk_getlength(blk), ==, 8 * MiB);
    g_assert_cmpstr(blk_format(blk), ==, fmt);
    fill_pattern(w, 300000, 1);
    g_assert_cmpint(blk_pwrite(blk, 12345, w, 300000), ==, 0);
    g_assert_cmpint(blk_pread(blk, 12345, r, 300000), ==, 0);
    g_assert_cmpmem(w, 300000, r, 300000);
    g_assert_cmpint(blk_pread(blk, 8 * MiB - 10, r, 11), ==, -EINVAL);
    g_assert_nonnull(strstr(blk_last_error(blk), "outside the image"));
    g_assert_cmpint(blk_pwrite(blk, -1, w, 1), ==, -EINVAL);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    g_assert_cmpint(blk_close(blk), ==, 0);

    blk = open_image(path, fmt, true, false);
    memset(r, 0, 300000);
    g_assert_cmpint(blk_pread(blk, 12345, r, 300000), ==, 0);
    g_assert_cmpmem(w, 300000, r, 300000);
    g_assert_cmpint(blk_pwrite(blk, 0, w, 1), ==, -EPERM);
    blk_close(blk);
    unlink(path);
}

static void test_vectored(void)
{
    g_autofree char *path = make_image("v.qcow2", "qcow2", MiB, 9);
    BlockBackend *blk = open_image(path, "qcow2", false, false);
    uint8_t a[700], b[1300], c[2000];
    struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };

    fill_pattern(a, sizeof(a), 2);
    fill_pattern(b, sizeof(b), 3);
    g_assert_cmpint(blk_pwritev(blk, 1000, iov, 2), ==, 0);
    g_assert_cmpint(blk_pread(blk, 1000, c, sizeof(c)), ==, 0);
    g_assert_cmpmem(c, sizeof(a), a, sizeof(a));
    g_assert_cmpmem(c + sizeof(a), sizeof(b), b, sizeof(b));
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    g_assert_cmpint(blk_preadv(blk, 1000, iov, 2), ==, 0);
    g_assert_cmpmem(c, sizeof(a), a, sizeof(a));
    blk_close(blk);
    unlink(path);
}

typedef struct AioLog {
    int order[64];
    int rets[64];
    int n;
    bool all_locked;
} AioLog;

typedef struct AioReq {
    AioLog *log;
    int id;
} AioReq;

static void aio_cb(void *opaque, int ret)
{
    AioReq *req = opaque;

    req->log->all_locked &= bql_locked();
    req->log->rets[req->log->n] = ret;
    req->log->order[req->log->n++] = req->id;
}

/* Completions arrive on the main loop, in submission order, locked. */
static void test_aio_main_loop(gconstpointer data)
{
    const char *fmt = data;
    g_autofree char *path = make_image("aio.img", fmt, 4 * MiB, 16);
    BlockBackend *blk = open_image(path, fmt, false, false);
    static uint8_t w[16][4096], r[16][4096];
    AioLog log = { .all_locked = true };
    AioReq reqs[40];
    int n = 0;

    for (int i = 0; i < 16; i++) {
        fill_pattern(w[i], 4096, i + 10);
        reqs[n] = (AioReq) { &log, n };
        blk_aio_pwrite(blk, i * 70000, w[i], 4096, aio_cb, &reqs[n]);
        n++;
    }
    reqs[n] = (AioReq) { &log, n };
    blk_aio_flush(blk, aio_cb, &reqs[n]);
    n++;
    for (int i = 0; i < 16; i++) {
        reqs[n] = (AioReq) { &log, n };
        blk_aio_pread(blk, i * 70000, r[i], 4096, aio_cb, &reqs[n]);
        n++;
    }
    reqs[n] = (AioReq) { &log, n };
    blk_aio_pread(blk, 4 * MiB, r[0], 1, aio_cb, &reqs[n]);    /* past end */
    n++;
    while (log.n < n) {
        g_main_context_iteration(NULL, true);
    }
    g_assert_true(log.all_locked);
    for (int i = 0; i < n; i++) {
        g_assert_cmpint(log.order[i], ==, i);
        g_assert_cmpint(log.rets[i], ==, i == n - 1 ? -EINVAL : 0);
    }
    for (int i = 0; i < 16; i++) {
        g_assert_cmpmem(w[i], 4096, r[i], 4096);
    }
    blk_close(blk);
    unlink(path);
}

/* blk_drain runs the callbacks itself where no main loop runs. */
static void test_aio_drain(void)
{
    g_autofree char *path = make_image("drain.qcow2", "qcow2", MiB, 16);
    BlockBackend *blk = open_image(path, "qcow2", false, false);
    uint8_t w[512], r[512];
    AioLog log = { .all_locked = true };
    AioReq reqs[3] = { { &log, 0 }, { &log, 1 }, { &log, 2 } };

    fill_pattern(w, sizeof(w), 5);
    blk_aio_pwrite(blk, 512, w, sizeof(w), aio_cb, &reqs[0]);
    blk_aio_discard(blk, 0, MiB, aio_cb, &reqs[1]);
    blk_aio_pread(blk, 512, r, sizeof(r), aio_cb, &reqs[2]);
    blk_drain(blk);
    g_assert_cmpint(log.n, ==, 3);
    g_assert_true(log.all_locked);
    /* a discarded qcow2 cluster with no backing file reads as zeros */
    for (unsigned i = 0; i < sizeof(r); i++) {
        g_assert_cmpint(r[i], ==, 0);
    }
    blk_close(blk);
    unlink(path);
}

static void test_snapshot(void)
{
    g_autofree char *path = make_image("base.qcow2", "qcow2", 2 * MiB, 16);
    g_autofree char *before = NULL, *after = NULL;
    gsize len;
    BlockBackend *blk;
    uint8_t w[5000], r[5000];

    g_assert_true(g_file_get_contents(path, &before, &len, NULL));
    blk = open_image(path, NULL, false, true);
    g_assert_false(blk_is_readonly(blk));
    g_assert_cmpstr(blk_format(blk), ==, "qcow2");
    fill_pattern(w, sizeof(w), 9);
    g_assert_cmpint(blk_pwrite(blk, 777, w, sizeof(w)), ==, 0);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    g_assert_cmpint(blk_pread(blk, 777, r, sizeof(r)), ==, 0);
    g_assert_cmpmem(w, sizeof(w), r, sizeof(r));
    blk_close(blk);
    g_assert_true(g_file_get_contents(path, &after, &len, NULL));
    g_assert_cmpmem(before, len, after, len);
    unlink(path);
}

static void test_locking(void)
{
    g_autofree char *path = make_image("lock.qcow2", "qcow2", MiB, 16);
    BlockBackend *a = open_image(path, "qcow2", false, false), *b;
    g_autoptr(GError) err = NULL;

    b = blk_open(path, NULL, &err);
    g_assert_null(b);
    g_assert_error(err, KS_ERROR, KS_ERROR_IO);
    g_assert_nonnull(strstr(err->message, "locked"));
    g_assert_nonnull(strstr(err->message, path));
    blk_close(a);
    b = open_image(path, "qcow2", true, false);
    a = open_image(path, "qcow2", true, false);     /* two readers */
    blk_close(a);
    blk_close(b);
    unlink(path);
}

/* 512-byte clusters: writing 12 MiB outgrows the first refcount table. */
static void test_reftable_growth(void)
{
    g_autofree char *path = make_image("grow.qcow2", "qcow2", 16 * MiB, 9);
    BlockBackend *blk = open_image(path, "qcow2", false, false);
    g_autofree uint8_t *w = g_malloc(MiB), *r = g_malloc(MiB);

    for (int i = 0; i < 12; i++) {
        fill_pattern(w, MiB, i);
        g_assert_cmpint(blk_pwrite(blk, (int64_t)i * MiB + 100, w, MiB), ==,
                        0);
    }
    g_assert_cmpint(blk_close(blk), ==, 0);
    blk = open_image(path, "qcow2", true, false);
    for (int i = 0; i < 12; i++) {
        fill_pattern(w, MiB, i);
        g_assert_cmpint(blk_pread(blk, (int64_t)i * MiB + 100, r, MiB), ==,
                        0);
        g_assert_cmpmem(w, MiB, r, MiB);
    }
    blk_close(blk);
    unlink(path);
}

static void test_close_all(void)
{
    g_autofree char *p1 = make_image("c1.qcow2", "qcow2", MiB, 16);
    g_autofree char *p2 = make_image("c2.raw", "raw", MiB, 0);
    BlockBackend *a = open_image(p1, "qcow2", false, false);
    BlockBackend *b = open_image(p2, "raw", false, false);
    uint8_t w[512], r[512];
    AioLog log = { .all_locked = true };
    AioReq req = { &log, 0 };

    fill_pattern(w, sizeof(w), 4);
    g_assert_cmpint(blk_pwrite(a, 4096, w, sizeof(w)), ==, 0);
    blk_aio_pwrite(b, 4096, w, sizeof(w), aio_cb, &req);
    g_assert_cmpint(blk_flush_all(), ==, 0);
    g_assert_cmpint(log.n, ==, 1);
    blk_close_all();
    a = open_image(p1, "qcow2", true, false);
    b = open_image(p2, "raw", true, false);
    g_assert_cmpint(blk_pread(a, 4096, r, sizeof(r)), ==, 0);
    g_assert_cmpmem(w, sizeof(w), r, sizeof(r));
    g_assert_cmpint(blk_pread(b, 4096, r, sizeof(r)), ==, 0);
    g_assert_cmpmem(w, sizeof(w), r, sizeof(r));
    blk_close_all();
    unlink(p1);
    unlink(p2);
}

static void test_open_errors(void)
{
    g_autofree char *path = g_build_filename(tmp_dir, "none", NULL);
    BlockOpenOptions o = { .format = "vmdk" };
    g_autoptr(GError) err = NULL;
    g_autofree char *raw = make_image("e.raw", "raw", 4096, 0);

    g_assert_null(blk_open(path, NULL, &err));
    g_assert_nonnull(strstr(err->message, path));
    g_clear_error(&err);
    g_assert_null(blk_open(raw, &o, &err));
    g_assert_nonnull(strstr(err->message, "unknown image format"));
    g_clear_error(&err);
    o.format = "qcow2";
    g_assert_null(blk_open(raw, &o, &err));
    g_assert_nonnull(strstr(err->message, "not a qcow2 image"));
    unlink(raw);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("kestrel-test-block-XXXXXX", NULL);
    g_assert_nonnull(tmp_dir);
    g_test_add_data_func("/block/raw/rw", "raw", test_rw);
    g_test_add_data_func("/block/qcow2/rw", "qcow2", test_rw);
    g_test_add_func("/block/qcow2/vectored", test_vectored);
    g_test_add_data_func("/block/raw/aio-main-loop", "raw",
                         test_aio_main_loop);
    g_test_add_data_func("/block/qcow2/aio-main-loop", "qcow2",
                         test_aio_main_loop);
    g_test_add_func("/block/qcow2/aio-drain", test_aio_drain);
    g_test_add_func("/block/snapshot/base-unchanged", test_snapshot);
    g_test_add_func("/block/locking/second-writer", test_locking);
    g_test_add_func("/block/qcow2/reftable-growth", test_reftable_growth);
    g_test_add_func("/block/close-all", test_close_all);
    g_test_add_func("/block/open-errors", test_open_errors);
    ret = g_test_run();
    rmdir(tmp_dir);
    g_free(tmp_dir);
    return ret;
}
