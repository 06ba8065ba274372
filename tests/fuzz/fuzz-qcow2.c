/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the qcow2 driver: the input is the image file.
 *
 * The bytes go into a memfd that is opened as qcow2 read-write through
 * the public API; the target then reads a few regions (the start, the
 * end, and spots chosen by the input's last bytes), writes a little,
 * discards, flushes and closes. Every failure must be a clean error;
 * AddressSanitizer/UBSan catch the rest. Build (docs/block.md):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -Iinclude -I. $(pkg-config --cflags glib-2.0) \
 *     tests/fuzz/fuzz-qcow2.c block/aio.c block/block.c \
 *     block/file-posix.c block/qcow2*.c block/raw.c hw/core/bql.c \
 *     $(pkg-config --libs glib-2.0 zlib) -o fuzz-qcow2
 *   ./fuzz-qcow2 -max_len=65536 corpus/
 * A good seed corpus: images from qemu-img create/convert (-c).
 */
#include "kestrel/osdep.h"
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kestrel/block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* system/log.c is not linked in: the one thing the block layer needs. */
GQuark ks_error_quark(void)
{
    return g_quark_from_static_string("kestrel-error-quark");
}

void ks_abort(const char *fmt, ...)
{
    abort();
}

static void fuzz_regions(BlockBackend *blk, const uint8_t *data,
                         size_t size)
{
    int64_t len = blk_getlength(blk);
    uint8_t buf[8192];
    int64_t offs[6] = { 0, len - (int64_t)sizeof(buf) };

    for (int i = 2; i < 6; i++) {
        uint64_t v = 0;

        for (int j = 0; j < 4 && size > (size_t)(i * 4 + j); j++) {
            v = (v << 8) | data[size - 1 - i * 4 - j];
        }
        offs[i] = len ? (int64_t)((v * 4099) % (uint64_t)len) : 0;
    }
    for (int i = 0; i < 6; i++) {
        int64_t off = MAX(0, offs[i]);
        size_t n = (size_t)MIN((int64_t)sizeof(buf), len - off);

        if (n == 0 || off >= len) {
            continue;
        }
        if (blk_pread(blk, off, buf, n) == 0 && (i & 1)) {
            buf[0] ^= 0x5a;
            blk_pwrite(blk, off, buf, MIN(n, 777));
        }
    }
    blk_discard(blk, 0, MIN(len, 1 << 20));
    blk_flush(blk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    BlockOpenOptions opts = { .format = "qcow2" };
    g_autofree char *path = NULL;
    GError *err = NULL;
    BlockBackend *blk;
    int fd = memfd_create("fuzz-qcow2", MFD_CLOEXEC);

    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        abort();
    }
    path = g_strdup_printf("/proc/self/fd/%d", fd);
    blk = blk_open(path, &opts, &err);
    if (blk) {
        fuzz_regions(blk, data, size);
        blk_close(blk);
    } else {
        if (!err || !strstr(err->message, path)) {
            abort();                    /* errors must name the image */
        }
        g_error_free(err);
    }
    close(fd);
    return 0;
}
