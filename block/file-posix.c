/* SPDX-License-Identifier: MIT */
/*
 * Host files under the format drivers: open, full-length pread/pwrite,
 * fdatasync, hole punching, and image locking.
 *
 * Locking uses open file description locks (fcntl F_OFD_SETLK), so two
 * opens conflict even inside one process, and the locks go away with the
 * process. The byte layout is the one QEMU uses (read locks on byte
 * 100 + p for each permission p held and on 200 + p for each permission
 * not shared; p 0 = consistent read, 1 = write), so Kestrel and QEMU also
 * keep each other out. A writer holds 100, 101, 201; a reader 100, 201.
 * Called by block.c and the drivers.
 * Missing: O_DIRECT (cache=none is accepted and behaves as writeback).
 */
#include "kestrel/osdep.h"
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "block/block-int.h"

#define LOCK_PERM_BASE      100
#define LOCK_SHARED_BASE    200
#define LOCK_PERM_READ      0
#define LOCK_PERM_WRITE     1

static int lock_byte(int fd, int cmd, short type, off_t byte,
                     struct flock *out)
{
    struct flock fl = {
        .l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1,
    };
    int ret = fcntl(fd, cmd, &fl);

    if (out) {
        *out = fl;
    }
    return ret < 0 ? -errno : 0;
}

/* Is byte held (a read lock is enough) by another open file? */
static bool lock_byte_taken(int fd, off_t byte)
{
    struct flock fl;

    if (lock_byte(fd, F_OFD_GETLK, F_WRLCK, byte, &fl) < 0) {
        return false;
    }
    return fl.l_type != F_UNLCK;
}

static bool block_file_lock(BlockFile *f, GError **errp)
{
    static const off_t writer[] = {
        LOCK_PERM_BASE + LOCK_PERM_READ, LOCK_PERM_BASE + LOCK_PERM_WRITE,
        LOCK_SHARED_BASE + LOCK_PERM_WRITE,
    };
    static const off_t reader[] = {
        LOCK_PERM_BASE + LOCK_PERM_READ, LOCK_SHARED_BASE + LOCK_PERM_WRITE,
    };
    const off_t *bytes = f->writable ? writer : reader;
    size_t n = f->writable ? G_N_ELEMENTS(writer) : G_N_ELEMENTS(reader);

    for (size_t i = 0; i < n; i++) {
        int ret = lock_byte(f->fd, F_OFD_SETLK, F_RDLCK, bytes[i], NULL);

        if (ret == -EINVAL || ret == -ENOTSUP || ret == -ENOLCK) {
            return true;                /* no locking here: docs/block.md */
        }
        if (ret < 0) {
            g_set_error(errp, KS_ERROR, KS_ERROR_IO,
                        "%s: cannot lock the image: %s", f->name,
                        g_strerror(-ret));
            return false;
        }
    }
    /* Lock first, then look: two racing openers both fail, never both win */
    if (lock_byte_taken(f->fd, LOCK_SHARED_BASE + LOCK_PERM_READ)
        || (f->writable
            && lock_byte_taken(f->fd, LOCK_SHARED_BASE + LOCK_PERM_WRITE))) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO,
                    "%s: image is locked: another process is using it and "
                    "does not allow it to be written (open it elsewhere "
                    "read-only or with snapshot=on)", f->name);
        return false;
    }
    if (lock_byte_taken(f->fd, LOCK_PERM_BASE + LOCK_PERM_WRITE)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO,
                    "%s: image is locked: another process has it open for "
                    "writing", f->name);
        return false;
    }
    return true;
}

static BlockFile *block_file_setup(int fd, const char *name, bool writable,
                                   GError **errp)
{
    BlockFile *f = g_new0(BlockFile, 1);
    struct stat st;

    f->fd = fd;
    f->name = g_strdup(name);
    f->writable = writable;
    if (fstat(fd, &st) < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: cannot stat: %s",
                    name, g_strerror(errno));
        block_file_close(f);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: not a regular file "
                    "or block device", name);
        block_file_close(f);
        return NULL;
    }
    f->end = st.st_size;
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);

        f->end = end < 0 ? 0 : end;
    }
    if (!block_file_lock(f, errp)) {
        block_file_close(f);
        return NULL;
    }
    return f;
}

BlockFile *block_file_open(const char *name, bool writable, GError **errp)
{
    /* O_NONBLOCK: a FIFO named as backing file must not hang the open */
    int fd = open(name, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC
                        | O_NONBLOCK);

    if (fd < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: cannot open%s: %s",
                    name, writable ? " read-write" : "", g_strerror(errno));
        return NULL;
    }
    return block_file_setup(fd, name, writable, errp);
}

BlockFile *block_file_create(const char *name, bool truncate, GError **errp)
{
    int fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC
                        | (truncate ? O_TRUNC : O_EXCL), 0644);

    if (fd < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: cannot create: %s",
                    name, g_strerror(errno));
        return NULL;
    }
    return block_file_setup(fd, name, true, errp);
}

void block_file_close(BlockFile *f)
{
    if (!f) {
        return;
    }
    if (f->fd >= 0) {
        close(f->fd);                   /* drops the OFD locks too */
    }
    g_free(f->name);
    g_free(f);
}

int block_file_pread(BlockFile *f, int64_t off, void *buf, size_t n,
                     GError **errp)
{
    uint8_t *p = buf;

    while (n > 0) {
        ssize_t r = pread(f->fd, p, n, off);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            int err = errno;

            g_set_error(errp, KS_ERROR, KS_ERROR_IO,
                        "%s: read error at offset 0x%" PRIx64 ": %s",
                        f->name, (uint64_t)off, g_strerror(err));
            return -err;
        }
        if (r == 0) {
            memset(p, 0, n);            /* past the end reads as zeros */
            return 0;
        }
        p += r;
        n -= r;
        off += r;
    }
    return 0;
}

int block_file_pwrite(BlockFile *f, int64_t off, const void *buf, size_t n,
                      GError **errp)
{
    const uint8_t *p = buf;

    while (n > 0) {
        ssize_t r = pwrite(f->fd, p, n, off);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            int err = r < 0 ? errno : ENOSPC;

            g_set_error(errp, KS_ERROR, KS_ERROR_IO,
                        "%s: write error at offset 0x%" PRIx64 ": %s",
                        f->name, (uint64_t)off, g_strerror(err));
            return -err;
        }
        p += r;
        n -= r;
        off += r;
    }
    if (off > f->end) {
        f->end = off;
    }
    return 0;
}

int block_file_sync(BlockFile *f, GError **errp)
{
    if (!f->writable) {
        return 0;
    }
    if (fdatasync(f->fd) < 0) {
        int err = errno;

        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: flush failed: %s",
                    f->name, g_strerror(err));
        return -err;
    }
    return 0;
}

void block_file_punch(BlockFile *f, int64_t off, int64_t n)
{
    if (f->writable && n > 0) {
        /* Best effort: the data is already unreferenced. */
        (void)fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                        off, n);
    }
}
