/* SPDX-License-Identifier: MIT */
/*
 * Character back-ends on plain file descriptors: null (discards output),
 * stdio (the terminal in raw mode, restored at exit and on fatal signals),
 * file (output appended or truncated), pty (a pseudo-terminal whose
 * /dev/pts name is printed, as QEMU does; output is dropped while no one
 * has the other end open) and serial/tty (a host device opened for
 * reading and writing, put in raw mode at 115200 baud when it is a
 * terminal; QEMU's -serial /dev/X form). Registered in chardev.c's
 * back-end table.
 * Missing: file input-path=, pty path= symlinks, stdio echo= / logfile=,
 * the guest UART's line settings passed on to a host serial port.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>
#include "system/chardev-internal.h"

#define PTY_POLL_MS 1000                /* checks for a pty user */

typedef struct CharFd {
    Chardev chr;
    int fd;                             /* output (and input for pty) */
    char *path;                         /* file, serial: path= */
    bool append;                        /* file: append=on */
    bool signal;                        /* stdio: Ctrl-C raises SIGINT */
    bool connected;                     /* pty: someone opened the slave */
    bool opened;                        /* stdio: owns the terminal */
    guint poll_timer;                   /* pty: looking for a user */
} CharFd;

static const char *const chardev_file_keys[] = { "path", "append", NULL };
static const char *const chardev_serial_keys[] = { "path", NULL };
static const char *const chardev_stdio_keys[] = { "signal", NULL };

static bool chardev_stdio_in_use;
static struct termios chardev_stdio_saved;
static bool chardev_stdio_raw;          /* chardev_stdio_saved is valid */

static bool chardev_fd_parse(Chardev *chr, KvList *kv, GError **errp)
{
    CharFd *s = container_of(chr, CharFd, chr);

    s->fd = -1;
    s->signal = true;
    if (!kv_get_bool(kv, "append", &s->append, errp)
        || !kv_get_bool(kv, "signal", &s->signal, errp)) {
        return false;
    }
    s->path = g_strdup(kv_get(kv, "path"));
    if ((chr->be == &chardev_file || chr->be == &chardev_serial
         || chr->be == &chardev_tty) && (!s->path || !*s->path)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s %s: path= is required", kv->opt, chr->be->name);
        return false;
    }
    return true;
}

static void chardev_fd_close(Chardev *chr)
{
    CharFd *s = container_of(chr, CharFd, chr);

    if (s->poll_timer) {
        g_source_remove(s->poll_timer);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    g_free(s->path);
}

/* ---- null ---- */

static bool chardev_null_open(Chardev *chr, GError **errp)
{
    return true;
}

static int chardev_null_write(Chardev *chr, const uint8_t *buf, int len)
{
    return len;
}

/* ---- stdio ---- */

static void chardev_stdio_restore(void)
{
    if (chardev_stdio_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &chardev_stdio_saved);
        chardev_stdio_raw = false;
    }
}

/* A fatal signal: put the terminal back, then die of it as usual. */
static void chardev_stdio_fatal(int sig)
{
    if (chardev_stdio_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &chardev_stdio_saved);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void chardev_stdio_catch_signals(void)
{
    static const int sigs[] = {
        SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE,
        SIGILL,
    };
    static bool done;

    if (done) {
        return;
    }
    done = true;
    atexit(chardev_stdio_restore);
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
        struct sigaction old;

        /* Only where nobody (e.g. the main loop) handles it already. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
            signal(sigs[i], chardev_stdio_fatal);
        }
    }
}

static bool chardev_stdio_open(Chardev *chr, GError **errp)
{
    CharFd *s = container_of(chr, CharFd, chr);
    struct termios tty;

    if (chardev_stdio_in_use) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "stdio: already used "
                    "by another character device (mon:stdio shares it)");
        return false;
    }
    chardev_stdio_in_use = true;
    s->opened = true;
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tty) == 0) {
        chardev_stdio_saved = tty;
        chardev_stdio_raw = true;
        chardev_stdio_catch_signals();
        tty.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR
                         | ICRNL | IXON);
        tty.c_oflag |= OPOST;
        tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
        if (!s->signal) {
            tty.c_lflag &= ~ISIG;
        }
        tty.c_cflag &= ~(CSIZE | PARENB);
        tty.c_cflag |= CS8;
        tty.c_cc[VMIN] = 1;
        tty.c_cc[VTIME] = 0;
        tcsetattr(STDIN_FILENO, TCSANOW, &tty);
    }
    chardev_watch_input(chr, STDIN_FILENO);
    return true;
}

static int chardev_stdio_write(Chardev *chr, const uint8_t *buf, int len)
{
    chardev_write_full(STDOUT_FILENO, buf, len);
    return len;                         /* a closed stdout drops output */
}

static void chardev_stdio_close(Chardev *chr)
{
    CharFd *s = container_of(chr, CharFd, chr);

    if (s->opened) {
        chardev_stdio_restore();
        chardev_stdio_in_use = false;
    }
    g_free(s->path);
}

/* ---- file ---- */

static bool chardev_file_open(Chardev *chr, GError **errp)
{
    CharFd *s = container_of(chr, CharFd, chr);
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC
                | (s->append ? O_APPEND : O_TRUNC);

    s->fd = open(s->path, flags, 0666);
    if (s->fd < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "file:%s: cannot open: %s",
                    s->path, g_strerror(errno));
        return false;
    }
    chardev_set_filename(chr, "file:%s", s->path);
    return true;
}

static int chardev_fd_write(Chardev *chr, const uint8_t *buf, int len)
{
    CharFd *s = container_of(chr, CharFd, chr);

    return chardev_write_full(s->fd, buf, len);
}

/* ---- serial (tty) ---- */

static bool chardev_serial_open(Chardev *chr, GError **errp)
{
    CharFd *s = container_of(chr, CharFd, chr);
    struct termios tty;

    s->fd = open(s->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: cannot open: %s",
                    s->path, g_strerror(errno));
        return false;
    }
    if (isatty(s->fd) && tcgetattr(s->fd, &tty) == 0) {
        cfmakeraw(&tty);
        cfsetispeed(&tty, B115200);
        cfsetospeed(&tty, B115200);
        tcsetattr(s->fd, TCSANOW, &tty);
    }
    chardev_set_filename(chr, "serial:%s", s->path);
    chardev_watch_input(chr, s->fd);    /* /dev/null: end of file at once */
    return true;
}

/* ---- pty ---- */

/* Is the slave side open? The master reports POLLHUP while it is not. */
static bool chardev_pty_check(CharFd *s)
{
    struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

    if (poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLHUP)) {
        s->connected = true;
        if (s->poll_timer) {
            g_source_remove(s->poll_timer);
            s->poll_timer = 0;
        }
        chardev_watch_input(&s->chr, s->fd);
    }
    return s->connected;
}

static gboolean chardev_pty_poll(gpointer opaque)
{
    CharFd *s = opaque;
    guint self = s->poll_timer;
    bool connected, taken;

    chardev_lock(&taken);
    s->poll_timer = 0;                  /* not removed by chardev_pty_check */
    connected = chardev_pty_check(s);
    if (!connected) {
        s->poll_timer = self;
    }
    chardev_unlock(taken);
    return connected ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void chardev_pty_wait(CharFd *s)
{
    s->connected = false;
    if (!s->poll_timer) {
        s->poll_timer = g_timeout_add(PTY_POLL_MS, chardev_pty_poll, s);
    }
}

static bool chardev_pty_open(Chardev *chr, GError **errp)
{
    CharFd *s = container_of(chr, CharFd, chr);
    struct termios tty;
    const char *name;

    s->fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->fd < 0 || grantpt(s->fd) < 0 || unlockpt(s->fd) < 0
        || !(name = ptsname(s->fd))) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "pty: cannot create a "
                    "pseudo-terminal: %s", g_strerror(errno));
        return false;
    }
    if (tcgetattr(s->fd, &tty) == 0) {
        cfmakeraw(&tty);
        tcsetattr(s->fd, TCSAFLUSH, &tty);
    }
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
    chardev_set_filename(chr, "pty:%s", name);
    fprintf(stderr, "kestrel: char device redirected to %s (label %s)\n",
            name, chr->id);
    if (!chardev_pty_check(s)) {
        chardev_pty_wait(s);
    }
    return true;
}

static int chardev_pty_write(Chardev *chr, const uint8_t *buf, int len)
{
    CharFd *s = container_of(chr, CharFd, chr);

    if (s->connected || chardev_pty_check(s)) {
        if (write(s->fd, buf, len) < 0 && errno == EIO) {
            chardev_pty_wait(s);        /* the user went away */
        }
    }
    return len;                         /* a full or unused pty drops */
}

static void chardev_pty_closed(Chardev *chr)
{
    chardev_pty_wait(container_of(chr, CharFd, chr));
}

const CharBackend chardev_null = {
    .name = "null", .help = "discard output, no input",
    .instance_size = sizeof(CharFd),
    .parse = chardev_fd_parse, .open = chardev_null_open,
    .write = chardev_null_write, .close = chardev_fd_close,
};

const CharBackend chardev_stdio = {
    .name = "stdio", .help = "the terminal (signal=off: Ctrl-C to guest)",
    .keys = chardev_stdio_keys, .instance_size = sizeof(CharFd),
    .parse = chardev_fd_parse, .open = chardev_stdio_open,
    .write = chardev_stdio_write, .close = chardev_stdio_close,
};

const CharBackend chardev_file = {
    .name = "file", .help = "output to path=FILE (append=on to keep it)",
    .keys = chardev_file_keys, .instance_size = sizeof(CharFd),
    .parse = chardev_fd_parse, .open = chardev_file_open,
    .write = chardev_fd_write, .close = chardev_fd_close,
};

const CharBackend chardev_serial = {
    .name = "serial", .help = "a host device path=DEV, read and written",
    .keys = chardev_serial_keys, .instance_size = sizeof(CharFd),
    .parse = chardev_fd_parse, .open = chardev_serial_open,
    .write = chardev_fd_write, .close = chardev_fd_close,
};

const CharBackend chardev_tty = {
    .name = "tty", .help = "the same as serial",
    .keys = chardev_serial_keys, .instance_size = sizeof(CharFd),
    .parse = chardev_fd_parse, .open = chardev_serial_open,
    .write = chardev_fd_write, .close = chardev_fd_close,
};

const CharBackend chardev_pty = {
    .name = "pty", .help = "a new pseudo-terminal (/dev/pts/N)",
    .instance_size = sizeof(CharFd),
    .parse = chardev_fd_parse, .open = chardev_pty_open,
    .write = chardev_pty_write, .input_closed = chardev_pty_closed,
    .close = chardev_fd_close,
};
