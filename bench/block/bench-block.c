/* SPDX-License-Identifier: MIT */
/*
 * Block layer micro-benchmark: 4 KiB requests through kestrel/block.h.
 *
 *   bench-block FILE FORMAT MODE COUNT [--aio]
 *   MODE: seq-read, seq-write, rand-read, rand-write
 *
 * Sequential modes walk the image from offset 0 in 4 KiB steps (wrapping),
 * as `qemu-img bench -s 4096 -S 4096` does, so bench/block/run.sh can set
 * the two side by side; random modes pick 4 KiB-aligned offsets from a
 * fixed-seed generator. Writes end with one flush, included in the time.
 * Prints one line: "MODE FORMAT: N requests in S s, I IOPS".
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "kestrel/block.h"

#define BENCH_BLOCK 4096

static void bench_done(void *opaque, int ret)
{
    if (ret < 0) {
        *(int *)opaque = ret;
    }
}

int main(int argc, char **argv)
{
    BlockOpenOptions o = { 0 };
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *buf = g_malloc(BENCH_BLOCK);
    uint64_t count, nblocks, x = 0x1234567;
    bool write, rnd, aio;
    BlockBackend *blk;
    GTimer *timer;
    int ret = 0;
    double secs;

    if (argc < 5) {
        g_printerr("usage: bench-block FILE FORMAT MODE COUNT [--aio]\n");
        return 1;
    }
    o.format = argv[2];
    write = strstr(argv[3], "write") != NULL;
    rnd = g_str_has_prefix(argv[3], "rand");
    count = g_ascii_strtoull(argv[4], NULL, 10);
    aio = argc > 5 && !strcmp(argv[5], "--aio");
    blk = blk_open(argv[1], &o, &err);
    if (!blk) {
        g_printerr("bench-block: %s\n", err->message);
        return 1;
    }
    nblocks = blk_getlength(blk) / BENCH_BLOCK;
    memset(buf, 0xa5, BENCH_BLOCK);
    timer = g_timer_new();
    for (uint64_t i = 0; i < count && ret == 0 && nblocks; i++) {
        uint64_t blkno;

        if (rnd) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            blkno = x % nblocks;
        } else {
            blkno = i % nblocks;
        }
        if (aio) {
            if (write) {
                blk_aio_pwrite(blk, blkno * BENCH_BLOCK, buf, BENCH_BLOCK,
                               bench_done, &ret);
            } else {
                blk_aio_pread(blk, blkno * BENCH_BLOCK, buf, BENCH_BLOCK,
                              bench_done, &ret);
            }
            blk_drain(blk);
        } else if (write) {
            ret = blk_pwrite(blk, blkno * BENCH_BLOCK, buf, BENCH_BLOCK);
        } else {
            ret = blk_pread(blk, blkno * BENCH_BLOCK, buf, BENCH_BLOCK);
        }
    }
    if (ret == 0 && write) {
        ret = blk_flush(blk);
    }
    secs = g_timer_elapsed(timer, NULL);
    g_timer_destroy(timer);
    if (ret < 0) {
        g_printerr("bench-block: %s\n", blk_last_error(blk));
    }
    blk_close(blk);
    if (ret < 0) {
        return 1;
    }
    printf("%s %s: %" PRIu64 " requests in %.3f s, %.0f IOPS\n", argv[3],
           argv[2], count, secs, count / secs);
    return 0;
}
