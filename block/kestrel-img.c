/* SPDX-License-Identifier: MIT */
/*
 * kestrel-img: drives the block layer from the command line, for the
 * functional tests (tests/functional/test-qcow2*.py) and by hand.
 *
 *   kestrel-img create [-c CLUSTER] [-b BACKING [-F FMT]] FILE SIZE
 *       a qcow2 v3 image made by Kestrel's own code
 *   kestrel-img info [OPTS] FILE        format and virtual size
 *   kestrel-img io [OPTS] FILE CMD...   one command per argument:
 *       "write OFF HOSTFILE"  the bytes of HOSTFILE at OFF
 *       "fill OFF LEN BYTE"   LEN bytes of value BYTE
 *       "read OFF LEN HOSTFILE" / "dump HOSTFILE" (the whole disk)
 *       "discard OFF LEN"  "flush"  "sleep SECONDS"
 *   kestrel-img stress [OPTS] FILE SEED     random writes with a flush
 *       every 16, printing "flushed N" after flush N; runs until killed
 *   kestrel-img verify [OPTS] FILE SEED N   checks that everything
 *       flushed by flush N is there (writes after it may or may not be)
 * OPTS: -f FORMAT, --readonly, --snapshot, --aio (requests through the
 * thread pool, waited for with blk_drain).
 * Errors go to stderr as one line "kestrel-img: MESSAGE"; exit status 1.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "kestrel/block.h"
#include "block/block-int.h"

#define STRESS_SECTOR       512
#define STRESS_EPOCH        16          /* writes between flushes */
#define STRESS_MAX_SECTORS  64

typedef struct ImgOpts {
    BlockOpenOptions open;
    bool aio;
} ImgOpts;

static int img_fail(GError *err)
{
    g_printerr("kestrel-img: %s\n", err->message);
    g_error_free(err);
    return 1;
}

static int img_fail_msg(const char *fmt, ...) KS_PRINTF(1, 2);

static int img_fail_msg(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_printerr("kestrel-img: %s\n", msg);
    return 1;
}

static void img_aio_done(void *opaque, int ret)
{
    *(int *)opaque = ret;
}

/* A read or write through the sync API or the thread pool. */
static int img_rw(BlockBackend *blk, const ImgOpts *o, bool write,
                  int64_t off, uint8_t *buf, size_t n)
{
    int ret = 1;

    if (!o->aio) {
        return write ? blk_pwrite(blk, off, buf, n)
                     : blk_pread(blk, off, buf, n);
    }
    if (write) {
        blk_aio_pwrite(blk, off, buf, n, img_aio_done, &ret);
    } else {
        blk_aio_pread(blk, off, buf, n, img_aio_done, &ret);
    }
    blk_drain(blk);
    return ret;
}

static int img_io_error(BlockBackend *blk, int ret)
{
    const char *msg = blk_last_error(blk);

    return img_fail_msg("%s", msg ? msg : g_strerror(-ret));
}

static bool img_parse_u64(const char *s, uint64_t *v)
{
    char *end;

    *v = g_ascii_strtoull(s, &end, 0);
    return *s && !*end;
}

static int img_cmd(BlockBackend *blk, const ImgOpts *o, const char *cmd)
{
    g_auto(GStrv) a = g_strsplit(cmd, " ", -1);
    guint argc = g_strv_length(a);
    uint64_t off = 0, len = 0, val = 0;
    g_autofree uint8_t *buf = NULL;
    g_autoptr(GError) err = NULL;
    gsize size;
    int ret = 0;

    if (argc >= 3 && !img_parse_u64(a[1], &off)) {
        return img_fail_msg("bad offset in '%s'", cmd);
    }
    if (!strcmp(a[0], "write") && argc == 3) {
        if (!g_file_get_contents(a[2], (char **)&buf, &size, &err)) {
            return img_fail(g_steal_pointer(&err));
        }
        ret = img_rw(blk, o, true, off, buf, size);
    } else if (!strcmp(a[0], "fill") && argc == 4
               && img_parse_u64(a[2], &len) && img_parse_u64(a[3], &val)) {
        buf = g_malloc(MAX(len, 1));
        memset(buf, (int)val, len);
        ret = img_rw(blk, o, true, off, buf, len);
    } else if ((!strcmp(a[0], "read") && argc == 4
                && img_parse_u64(a[2], &len))
               || (!strcmp(a[0], "dump") && argc == 2)) {
        const char *out = a[argc - 1];

        len = argc == 2 ? (uint64_t)blk_getlength(blk) : len;
        buf = g_try_malloc(MAX(len, 1));
        if (!buf) {
            return img_fail_msg("%s: out of memory", cmd);
        }
        ret = img_rw(blk, o, false, off, buf, len);
        if (ret == 0 && !g_file_set_contents(out, (char *)buf, len, &err)) {
            return img_fail(g_steal_pointer(&err));
        }
    } else if (!strcmp(a[0], "discard") && argc == 3
               && img_parse_u64(a[2], &len)) {
        ret = blk_discard(blk, off, len);
    } else if (!strcmp(a[0], "flush") && argc == 1) {
        ret = blk_flush(blk);
    } else if (!strcmp(a[0], "sleep") && argc == 2) {
        g_usleep(g_ascii_strtod(a[1], NULL) * G_USEC_PER_SEC);
    } else {
        return img_fail_msg("unknown command '%s'", cmd);
    }
    return ret < 0 ? img_io_error(blk, ret) : 0;
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Write w (from 1): where it goes. */
static void stress_write_range(uint64_t seed, uint64_t w, uint64_t nsect,
                               uint64_t *first, uint64_t *count)
{
    uint64_t x = seed ^ (w * 0x632be59bd9b4e019ull);
    uint64_t len;

    *first = splitmix(&x) % nsect;
    len = 1 + splitmix(&x) % STRESS_MAX_SECTORS;
    *count = MIN(len, nsect - *first);
}

/* The contents write w gives sector s: a tag, then pseudo-random bytes. */
static void stress_sector(uint64_t seed, uint64_t w, uint64_t s,
                          uint8_t *p)
{
    uint64_t x = (seed * 3) ^ (w << 24) ^ s;

    memcpy(p, &w, 8);
    memcpy(p + 8, &s, 8);
    for (unsigned i = 16; i < STRESS_SECTOR; i += 8) {
        uint64_t v = splitmix(&x);

        memcpy(p + i, &v, 8);
    }
}

static int img_stress(BlockBackend *blk, const ImgOpts *o, uint64_t seed)
{
    uint64_t nsect = blk_getlength(blk) / STRESS_SECTOR;
    g_autofree uint8_t *buf = g_malloc(STRESS_MAX_SECTORS * STRESS_SECTOR);

    if (!nsect) {
        return img_fail_msg("%s: image too small", blk_name(blk));
    }
    for (uint64_t w = 1;; w++) {
        uint64_t first, count;
        int ret;

        stress_write_range(seed, w, nsect, &first, &count);
        for (uint64_t i = 0; i < count; i++) {
            stress_sector(seed, w, first + i, buf + i * STRESS_SECTOR);
        }
        ret = img_rw(blk, o, true, first * STRESS_SECTOR, buf,
                     count * STRESS_SECTOR);
        if (ret == 0 && w % STRESS_EPOCH == 0) {
            ret = blk_flush(blk);
            if (ret == 0) {
                g_print("flushed %" PRIu64 "\n", w / STRESS_EPOCH);
                fflush(stdout);
            }
        }
        if (ret < 0) {
            return img_io_error(blk, ret);
        }
    }
}

static int img_verify(BlockBackend *blk, uint64_t seed, uint64_t flushed)
{
    uint64_t nsect = blk_getlength(blk) / STRESS_SECTOR, bad = 0;
    uint64_t last_w = (flushed + 1) * STRESS_EPOCH;
    g_autofree uint64_t *done = g_new0(uint64_t, nsect);    /* flushed */
    g_autofree uint64_t *maybe_lo = g_new0(uint64_t, nsect);
    uint8_t got[STRESS_SECTOR], want[STRESS_SECTOR];

    /* Sector s: done[s] must be there, or any later write of it. */
    for (uint64_t w = 1; w <= last_w; w++) {
        uint64_t first, count;

        stress_write_range(seed, w, nsect, &first, &count);
        for (uint64_t s = first; s < first + count; s++) {
            if (w <= flushed * STRESS_EPOCH) {
                done[s] = w;
            } else if (!maybe_lo[s]) {
                maybe_lo[s] = w;
            }
        }
    }
    for (uint64_t s = 0; s < nsect; s++) {
        uint64_t w;
        int ret = blk_pread(blk, s * STRESS_SECTOR, got, sizeof(got));

        if (ret < 0) {
            return img_io_error(blk, ret);
        }
        memcpy(&w, got, 8);
        if (w == 0 && done[s] == 0) {
            memset(want, 0, sizeof(want));
        } else {
            stress_sector(seed, w, s, want);
        }
        if (memcmp(got, want, sizeof(got))
            || (w != done[s] && !(maybe_lo[s] && w >= maybe_lo[s]
                                  && w <= last_w))) {
            if (bad++ < 5) {
                g_printerr("kestrel-img: sector %" PRIu64 ": has write %"
                           PRIu64 ", flushed write was %" PRIu64 "\n",
                           s, w, done[s]);
            }
        }
    }
    if (bad) {
        return img_fail_msg("%s: %" PRIu64 " sectors lost flushed data",
                            blk_name(blk), bad);
    }
    g_print("verified %" PRIu64 " sectors\n", nsect);
    return 0;
}

static int img_create(int argc, char **argv)
{
    const char *backing = NULL, *backing_fmt = NULL;
    uint64_t cluster = 65536, size;
    g_autoptr(GError) err = NULL;
    BlockFile *f;
    int i = 0;
    bool ok;

    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "-c")) {
            img_parse_u64(argv[i + 1], &cluster);
        } else if (!strcmp(argv[i], "-b")) {
            backing = argv[i + 1];
        } else if (!strcmp(argv[i], "-F")) {
            backing_fmt = argv[i + 1];
        } else {
            return img_fail_msg("create: unknown option %s", argv[i]);
        }
    }
    if (argc - i != 2 || !img_parse_u64(argv[i + 1], &size)
        || (cluster & (cluster - 1))) {
        return img_fail_msg("usage: create [-c CLUSTER] [-b BACKING "
                            "[-F FMT]] FILE SIZE");
    }
    f = block_file_create(argv[i], true, &err);
    if (!f) {
        return img_fail(g_steal_pointer(&err));
    }
    ok = qcow2_create(f, size, g_bit_nth_lsf(cluster, -1), backing,
                      backing_fmt, &err);
    block_file_close(f);
    return ok ? 0 : img_fail(g_steal_pointer(&err));
}

int main(int argc, char **argv)
{
    ImgOpts o = { { 0 } };
    g_autoptr(GError) err = NULL;
    const char *cmd = argc > 1 ? argv[1] : "";
    BlockBackend *blk;
    int i = 2, ret = 0;
    uint64_t seed = 0, flushed = 0;

    if (!strcmp(cmd, "create")) {
        return img_create(argc - 2, argv + 2);
    }
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-f") && i + 1 < argc) {
            o.open.format = argv[++i];
        } else if (!strcmp(argv[i], "--readonly")) {
            o.open.readonly = true;
        } else if (!strcmp(argv[i], "--snapshot")) {
            o.open.snapshot = true;
        } else if (!strcmp(argv[i], "--aio")) {
            o.aio = true;
        } else {
            return img_fail_msg("unknown option %s", argv[i]);
        }
    }
    if (i >= argc || (strcmp(cmd, "info") && strcmp(cmd, "io")
                      && strcmp(cmd, "stress") && strcmp(cmd, "verify"))) {
        return img_fail_msg("usage: kestrel-img create|info|io|stress|verify"
                            " [OPTIONS] FILE [ARGS] (see block/kestrel-img.c)");
    }
    if ((!strcmp(cmd, "stress") && (argc - i != 2
                                    || !img_parse_u64(argv[i + 1], &seed)))
        || (!strcmp(cmd, "verify")
            && (argc - i != 3 || !img_parse_u64(argv[i + 1], &seed)
                || !img_parse_u64(argv[i + 2], &flushed)))) {
        return img_fail_msg("%s: bad arguments", cmd);
    }
    blk = blk_open(argv[i], &o.open, &err);
    if (!blk) {
        return img_fail(g_steal_pointer(&err));
    }
    if (blk_open_warning(blk)) {
        g_printerr("kestrel-img: warning: %s\n", blk_open_warning(blk));
    }
    if (!strcmp(cmd, "info")) {
        g_print("format: %s\nvirtual size: %" PRId64 "\n", blk_format(blk),
                blk_getlength(blk));
    } else if (!strcmp(cmd, "io")) {
        for (int j = i + 1; j < argc && ret == 0; j++) {
            ret = img_cmd(blk, &o, argv[j]);
        }
    } else if (!strcmp(cmd, "stress")) {
        ret = img_stress(blk, &o, seed);
    } else {
        ret = img_verify(blk, seed, flushed);
    }
    if (blk_close(blk) < 0 && ret == 0) {
        ret = img_fail_msg("%s: flush at close failed", argv[i]);
    }
    return ret;
}
