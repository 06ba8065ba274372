/* SPDX-License-Identifier: MIT */
/*
 * The socket character back-end: TCP (host=, port=) or Unix (path=), as
 * a server (server=on; wait=on blocks start-up until a client connects)
 * or a client. One client at a time; while none is connected output is
 * dropped. Output to a slow client is queued (up to CHR_SOCK_OUTBUF_MAX)
 * and sent from the main loop, so chardev_write() never blocks a vCPU.
 * Registered in chardev.c's back-end table.
 * Missing: telnet negotiation, websocket, reconnect=, TLS.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <glib-unix.h>
#include "system/chardev-internal.h"

#define CHR_SOCK_OUTBUF_MAX (1 << 20)

typedef struct CharSocket {
    Chardev chr;
    char *host, *port, *path;           /* path: a Unix socket */
    bool server, wait, nodelay;
    int listen_fd;
    int fd;                             /* the connected peer, or -1 */
    guint listen_watch;
    guint out_watch;
    GByteArray *outbuf;                 /* not yet sent to the peer */
    char *addr;                         /* "tcp:HOST:PORT" / "unix:PATH" */
} CharSocket;

static const char *const chardev_socket_keys[] = {
    "host", "port", "path", "server", "wait", "nodelay", "ipv4", "ipv6",
    NULL,
};

static bool chardev_socket_parse(Chardev *chr, KvList *kv, GError **errp)
{
    CharSocket *s = container_of(chr, CharSocket, chr);
    bool v4 = false, v6 = false;

    s->listen_fd = s->fd = -1;
    s->wait = true;
    chr->disconnected = true;
    if (!kv_get_bool(kv, "server", &s->server, errp)
        || !kv_get_bool(kv, "wait", &s->wait, errp)
        || !kv_get_bool(kv, "nodelay", &s->nodelay, errp)
        || !kv_get_bool(kv, "ipv4", &v4, errp)
        || !kv_get_bool(kv, "ipv6", &v6, errp)) {
        return false;
    }
    s->path = g_strdup(kv_get(kv, "path"));
    s->host = g_strdup(kv_get(kv, "host"));
    s->port = g_strdup(kv_get(kv, "port"));
    if (s->path ? (s->host || s->port) : (!s->port || !*s->port)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "%s socket: give "
                    "either path= or port= (with host=)", kv->opt);
        return false;
    }
    if (s->path && (!*s->path
                    || strlen(s->path) >= sizeof(((struct sockaddr_un *)0)
                                                 ->sun_path))) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "%s path=%s: invalid "
                    "Unix socket path", kv->opt, s->path);
        return false;
    }
    s->addr = s->path ? g_strdup_printf("unix:%s", s->path)
                      : g_strdup_printf("tcp:%s:%s", s->host ? s->host : "",
                                        s->port);
    return true;
}

static void chardev_socket_listen_on(CharSocket *s);

static void chardev_socket_disconnect(CharSocket *s)
{
    chardev_unwatch_input(&s->chr);
    if (s->out_watch) {
        g_source_remove(s->out_watch);
        s->out_watch = 0;
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
        chardev_send_event(&s->chr, CHR_EVENT_CLOSED);
    }
    if (s->outbuf) {
        g_byte_array_set_size(s->outbuf, 0);
    }
    if (s->server) {
        chardev_socket_listen_on(s);
    }
}

static void chardev_socket_connected(CharSocket *s, int fd)
{
    int one = 1;

    s->fd = fd;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (s->nodelay && !s->path) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    chardev_watch_input(&s->chr, fd);
    chardev_send_event(&s->chr, CHR_EVENT_OPENED);
}

static gboolean chardev_socket_accept(gint fd, GIOCondition cond,
                                      gpointer opaque)
{
    CharSocket *s = opaque;
    int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    bool taken;

    if (client < 0) {
        return G_SOURCE_CONTINUE;
    }
    chardev_lock(&taken);
    s->listen_watch = 0;                /* one client at a time */
    chardev_socket_connected(s, client);
    chardev_unlock(taken);
    return G_SOURCE_REMOVE;
}

static void chardev_socket_listen_on(CharSocket *s)
{
    if (!s->listen_watch && s->listen_fd >= 0) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN,
                                        chardev_socket_accept, s);
    }
}

/* Bind and listen (server) or connect (client); the fd, or -1. */
static int chardev_socket_open_fd(CharSocket *s, GError **errp)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
                              .ai_flags = s->server ? AI_PASSIVE : 0 };
    struct addrinfo *res = NULL;
    const char *host = s->host && *s->host ? s->host : NULL;
    int fd = -1, err = 0, one = 1;

    if (s->path) {
        struct sockaddr_un un = { .sun_family = AF_UNIX };
        struct stat st;

        g_strlcpy(un.sun_path, s->path, sizeof(un.sun_path));
        if (s->server && stat(s->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
            unlink(s->path);            /* a stale socket from a past run */
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && (s->server ? bind(fd, (struct sockaddr *)&un,
                                         sizeof(un)) < 0
                                    || listen(fd, 1) < 0
                                  : connect(fd, (struct sockaddr *)&un,
                                            sizeof(un)) < 0)) {
            err = errno;
            close(fd);
            fd = -1;
        }
    } else if ((err = getaddrinfo(host ? host : (s->server ? NULL
                                                             : "localhost"),
                                  s->port, &hints, &res)) != 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: %s", s->addr,
                    gai_strerror(err));
        return -1;
    }
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd >= 0 && s->server) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        }
        if (fd >= 0 && (s->server ? bind(fd, ai->ai_addr, ai->ai_addrlen) < 0
                                    || listen(fd, 1) < 0
                                  : connect(fd, ai->ai_addr,
                                            ai->ai_addrlen) < 0)) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    if (res) {
        freeaddrinfo(res);
    }
    if (fd < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: cannot %s: %s",
                    s->addr, s->server ? "listen" : "connect",
                    g_strerror(err));
    }
    return fd;
}

/* The address actually bound, for chardev_filename() (port=0 picks one). */
static void chardev_socket_name(CharSocket *s)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[NI_MAXHOST], port[NI_MAXSERV];

    if (s->path || getsockname(s->listen_fd, (struct sockaddr *)&ss, &len)
        || getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port,
                       sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV)) {
        chardev_set_filename(&s->chr, "%s,server=on", s->addr);
        return;
    }
    chardev_set_filename(&s->chr, strchr(host, ':') ? "tcp:[%s]:%s,server=on"
                                                    : "tcp:%s:%s,server=on",
                         host, port);
}

static bool chardev_socket_open(Chardev *chr, GError **errp)
{
    CharSocket *s = container_of(chr, CharSocket, chr);
    int fd = chardev_socket_open_fd(s, errp);

    if (fd < 0) {
        return false;
    }
    s->outbuf = g_byte_array_new();
    if (!s->server) {
        chardev_set_filename(chr, "%s", s->addr);
        chardev_socket_connected(s, fd);
        return true;
    }
    s->listen_fd = fd;
    chardev_socket_name(s);
    if (s->wait) {
        fprintf(stderr, "kestrel: waiting for connection on: %s\n",
                chr->filename);
        fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            chardev_socket_connected(s, fd);
            return true;
        }
    }
    chardev_socket_listen_on(s);
    return true;
}

/* Send what is queued; false when the peer is gone. */
static bool chardev_socket_flush(CharSocket *s)
{
    while (s->outbuf->len) {
        ssize_t n = send(s->fd, s->outbuf->data, s->outbuf->len,
                         MSG_NOSIGNAL);

        if (n < 0) {
            return errno == EAGAIN || errno == EINTR;
        }
        g_byte_array_remove_range(s->outbuf, 0, n);
    }
    return true;
}

static gboolean chardev_socket_writable(gint fd, GIOCondition cond,
                                        gpointer opaque)
{
    CharSocket *s = opaque;
    gboolean ret = G_SOURCE_CONTINUE;
    bool taken;

    chardev_lock(&taken);
    if (!chardev_socket_flush(s)) {
        s->out_watch = 0;
        ret = G_SOURCE_REMOVE;
        chardev_socket_disconnect(s);
    } else if (!s->outbuf->len) {
        s->out_watch = 0;
        ret = G_SOURCE_REMOVE;
    }
    chardev_unlock(taken);
    return ret;
}

static int chardev_socket_write(Chardev *chr, const uint8_t *buf, int len)
{
    CharSocket *s = container_of(chr, CharSocket, chr);

    if (s->fd < 0) {
        return len;                     /* nobody listening: dropped */
    }
    g_byte_array_append(s->outbuf, buf,
                        MIN(len, CHR_SOCK_OUTBUF_MAX - (int)s->outbuf->len));
    if (!chardev_socket_flush(s)) {
        chardev_socket_disconnect(s);
    } else if (s->outbuf->len && !s->out_watch) {
        s->out_watch = g_unix_fd_add(s->fd, G_IO_OUT,
                                     chardev_socket_writable, s);
    }
    return len;
}

#define CHR_SOCK_FLUSH_MS 1000

static void chardev_socket_flush_wait(Chardev *chr)
{
    CharSocket *s = container_of(chr, CharSocket, chr);
    int64_t end = g_get_monotonic_time() + CHR_SOCK_FLUSH_MS * 1000;

    while (s->fd >= 0 && s->outbuf->len && g_get_monotonic_time() < end) {
        struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };

        if (poll(&pfd, 1, CHR_SOCK_FLUSH_MS) <= 0
            || !chardev_socket_flush(s)) {
            break;
        }
    }
}

static void chardev_socket_input_closed(Chardev *chr)
{
    chardev_socket_disconnect(container_of(chr, CharSocket, chr));
}

static void chardev_socket_close(Chardev *chr)
{
    CharSocket *s = container_of(chr, CharSocket, chr);

    s->server = false;                  /* no re-listen */
    chardev_socket_disconnect(s);
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        if (s->path) {
            unlink(s->path);
        }
    }
    if (s->outbuf) {
        g_byte_array_unref(s->outbuf);
    }
    g_free(s->host);
    g_free(s->port);
    g_free(s->path);
    g_free(s->addr);
}

const CharBackend chardev_socket = {
    .name = "socket",
    .help = "tcp (host=,port=) or unix (path=); server=on, wait=off, "
            "nodelay=on",
    .keys = chardev_socket_keys, .instance_size = sizeof(CharSocket),
    .parse = chardev_socket_parse, .open = chardev_socket_open,
    .write = chardev_socket_write,
    .input_closed = chardev_socket_input_closed,
    .flush = chardev_socket_flush_wait, .close = chardev_socket_close,
};
