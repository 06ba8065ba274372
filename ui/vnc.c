/* SPDX-License-Identifier: MIT */
/*
 * -display vnc=[HOST]:N (and -vnc [HOST]:N): a small RFB 3.8 server on TCP
 * port 5900+N, written here rather than linking libvncserver (see
 * docs/display.md). It speaks 3.3, 3.7 and 3.8 with security type None;
 * sends ZRLE or Raw rectangles in the client's true-colour pixel
 * format; finds what changed by comparing the picture with a per-client
 * copy in 16x16 tiles; tells clients about guest mode changes with the
 * DesktopSize pseudo-encoding; turns key events (X keysyms, ui/keymap.c)
 * and pointer events (absolute, sent as relative PS/2 motion) into input.
 * The display core (ui/console.c) hands it each new picture.
 * A client that breaks the protocol is dropped with a message on stderr.
 * Ref: RFC 6143 (The Remote Framebuffer Protocol), sections 7.1-7.8.
 * Missing: authentication, TLS, the other encodings (Tight, Hextile...),
 * colour-map pixel formats (such clients are dropped), clipboard, an
 * absolute pointer device, IPv6 literal HOST in brackets.
 */
#include "kestrel/osdep.h"
#include <glib-unix.h>
#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include "kestrel/ui.h"
#include "ui/vnc.h"

#define VNC_BASE_PORT           5900
#define VNC_MAX_INPUT           (1u << 20)  /* longest message we accept */
#define VNC_OUT_HIGH_WATER      (4u << 20)  /* no updates above this */

typedef struct VncServer {
    int listen_fd;
    guint listen_watch;
    GList *clients;                     /* VncClient * */
} VncServer;

static VncServer vnc = { .listen_fd = -1 };

static void vnc_client_free(VncClient *c)
{
    if (c->watch_in) {
        g_source_remove(c->watch_in);
    }
    if (c->watch_out) {
        g_source_remove(c->watch_out);
    }
    close(c->fd);
    g_byte_array_unref(c->in);
    g_byte_array_unref(c->out);
    vnc_zrle_free(c);
    g_free(c->shadow);
    g_free(c);
}

void vnc_client_drop(VncClient *c, const char *why)
{
    if (why) {
        fprintf(stderr, "kestrel: vnc: client dropped: %s\n", why);
    }
    vnc.clients = g_list_remove(vnc.clients, c);
    vnc_client_free(c);
}

static gboolean vnc_client_writable(gint fd, GIOCondition cond,
                                    gpointer opaque);

/* Send what is queued. A dead connection is only marked: its socket
 * reports the hang-up and vnc_client_readable() drops it there. */
void vnc_client_flush(VncClient *c)
{
    while (c->out->len && !c->broken) {
        ssize_t n = send(c->fd, c->out->data, c->out->len,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        if (n <= 0) {
            c->broken = true;
            g_byte_array_set_size(c->out, 0);
            break;
        }
        g_byte_array_remove_range(c->out, 0, n);
    }
    if (c->out->len && !c->watch_out) {
        c->watch_out = g_unix_fd_add(c->fd, G_IO_OUT, vnc_client_writable,
                                     c);
    }
}

static gboolean vnc_client_writable(gint fd, GIOCondition cond,
                                    gpointer opaque)
{
    VncClient *c = opaque;

    g_source_remove(c->watch_out);
    c->watch_out = 0;
    vnc_client_flush(c);
    if (!c->out->len) {
        vnc_client_send_update(c);
    }
    return G_SOURCE_REMOVE;
}

void vnc_put8(VncClient *c, uint8_t v)
{
    g_byte_array_append(c->out, &v, 1);
}

void vnc_put16(VncClient *c, uint16_t v)
{
    uint8_t b[2] = { v >> 8, v };

    g_byte_array_append(c->out, b, 2);
}

void vnc_put32(VncClient *c, uint32_t v)
{
    uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

    g_byte_array_append(c->out, b, 4);
}

/* Resize the client's copy of the picture; everything is dirty again. */
void vnc_client_set_size(VncClient *c, int width, int height)
{
    c->width = width;
    c->height = height;
    g_free(c->shadow);
    c->shadow = g_new0(uint32_t, (size_t)width * height);
    c->need_full = true;
}

/* Is the 16x16 tile at (tx, ty) different from the client's copy? */
static bool vnc_tile_dirty(VncClient *c, const UiSurface *s, int tx, int ty)
{
    int w = MIN(VNC_TILE, c->width - tx), h = MIN(VNC_TILE, c->height - ty);

    for (int y = ty; y < ty + h; y++) {
        if (memcmp(s->pixels + (size_t)y * s->width + tx,
                   c->shadow + (size_t)y * c->width + tx,
                   w * sizeof(uint32_t))) {
            return true;
        }
    }
    return false;
}

/* Queue one rectangle (ZRLE or Raw) and copy it into the shadow. */
static void vnc_send_rect(VncClient *c, const UiSurface *s, int x, int y,
                          int w, int h)
{
    const uint32_t *pixels = s->pixels + (size_t)y * s->width + x;
    bool zrle = vnc_zrle_usable(c);

    vnc_put16(c, x);
    vnc_put16(c, y);
    vnc_put16(c, w);
    vnc_put16(c, h);
    vnc_put32(c, zrle ? VNC_ENCODING_ZRLE : VNC_ENCODING_RAW);
    if (zrle) {
        vnc_zrle_put_rect(c, pixels, s->width, w, h);
    }
    for (int row = 0; row < h; row++) {
        const uint32_t *src = pixels + (size_t)row * s->width;

        if (!zrle) {
            vnc_put_pixels(c, c->out, src, w);
        }
        memcpy(c->shadow + (size_t)(y + row) * c->width + x, src,
               w * sizeof(uint32_t));
    }
}

typedef struct VncRect {
    int x, y, w, h;
} VncRect;

/* Rectangles of dirty tiles: runs of dirty tiles in each tile row.
 * Returns how many; fills rects up to max. */
static unsigned vnc_dirty_rects(VncClient *c, const UiSurface *s,
                                VncRect *rects, unsigned max)
{
    int x0 = c->req_x, y0 = c->req_y;
    int x1 = MIN(c->width, c->req_x + c->req_w);
    int y1 = MIN(c->height, c->req_y + c->req_h);
    unsigned n = 0;

    if (c->need_full || !c->incremental) {
        if (c->need_full) {
            x0 = y0 = 0;
            x1 = c->width;
            y1 = c->height;
        }
        if (x1 <= x0 || y1 <= y0) {
            return 0;
        }
        rects[0] = (VncRect) { x0, y0, x1 - x0, y1 - y0 };
        return 1;
    }
    x0 &= ~(VNC_TILE - 1);
    y0 &= ~(VNC_TILE - 1);
    for (int ty = y0; ty < y1 && n < max; ty += VNC_TILE) {
        int run = -1;

        /* one step past the last tile closes an open run */
        for (int tx = x0; tx < x1 + VNC_TILE && n < max; tx += VNC_TILE) {
            bool dirty = tx < x1 && vnc_tile_dirty(c, s, tx, ty);

            if (dirty && run < 0) {
                run = tx;
            } else if (!dirty && run >= 0) {
                rects[n++] = (VncRect) { run, ty, MIN(tx, c->width) - run,
                                         MIN(VNC_TILE, c->height - ty) };
                run = -1;
            }
        }
    }
    return n;
}

/* Answer a pending update request if there is something to send. */
void vnc_client_send_update(VncClient *c)
{
    const UiSurface *s = ui_surface();
    bool resize = s->width != c->width || s->height != c->height;
    unsigned max = 4096, n;
    g_autofree VncRect *rects = NULL;

    if (!c->update_wanted || c->broken || c->out->len > VNC_OUT_HIGH_WATER
        || !s->width || !s->height) {
        return;
    }
    if (resize && !c->desktop_size) {
        /* the client cannot follow: show what fits, keep its size */
        resize = false;
        if (s->width < c->width || s->height < c->height) {
            return;
        }
    }
    if (resize) {
        vnc_client_set_size(c, s->width, s->height);
    }
    rects = g_new(VncRect, max);
    n = vnc_dirty_rects(c, s, rects, max);
    if (!n && !resize) {
        return;                         /* stays pending: next picture */
    }
    vnc_put8(c, VNC_MSG_FB_UPDATE);
    vnc_put8(c, 0);
    vnc_put16(c, n + resize);
    if (resize) {
        vnc_put16(c, 0);
        vnc_put16(c, 0);
        vnc_put16(c, c->width);
        vnc_put16(c, c->height);
        vnc_put32(c, (uint32_t)VNC_ENCODING_DESKTOP_SIZE);
    }
    for (unsigned i = 0; i < n; i++) {
        vnc_send_rect(c, s, rects[i].x, rects[i].y, rects[i].w, rects[i].h);
    }
    c->need_full = false;
    c->update_wanted = false;
    vnc_client_flush(c);
}

static gboolean vnc_client_readable(gint fd, GIOCondition cond,
                                    gpointer opaque)
{
    VncClient *c = opaque;
    uint8_t buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        c->watch_in = 0;
        vnc_client_drop(c, NULL);
        return G_SOURCE_REMOVE;
    }
    g_byte_array_append(c->in, buf, n);
    if (c->in->len > VNC_MAX_INPUT + 64) {
        c->watch_in = 0;
        vnc_client_drop(c, "too much input");
        return G_SOURCE_REMOVE;
    }
    /* vnc_client_input() drops the client on a protocol error; the
     * watch goes with it */
    return vnc_client_input(c) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean vnc_accept(gint fd, GIOCondition cond, gpointer opaque)
{
    int cfd = accept(fd, NULL, NULL);
    VncClient *c;

    if (cfd < 0) {
        return G_SOURCE_CONTINUE;
    }
    c = g_new0(VncClient, 1);
    c->fd = cfd;
    c->in = g_byte_array_new();
    c->out = g_byte_array_new();
    c->state = VNC_STATE_VERSION;
    vnc_pixel_format_default(&c->pf);
    c->watch_in = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                vnc_client_readable, c);
    vnc.clients = g_list_append(vnc.clients, c);
    g_byte_array_append(c->out, (const uint8_t *)VNC_VERSION_STRING, 12);
    vnc_client_flush(c);
    return G_SOURCE_CONTINUE;
}

/* "[HOST]:N" -> host (NULL: any) and port 5900 + N. */
static bool vnc_parse_display(const char *arg, char **host, int *port,
                              GError **errp)
{
    const char *colon = arg ? strrchr(arg, ':') : NULL;
    char *end;
    long n;

    if (!colon) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display vnc=%s: expected [HOST]:N, e.g. vnc=:1",
                    arg ? arg : "");
        return false;
    }
    errno = 0;
    n = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end || errno || n < 0
        || n > 65535 - VNC_BASE_PORT) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display vnc=%s: bad display number '%s'", arg,
                    colon + 1);
        return false;
    }
    *host = colon > arg ? g_strndup(arg, colon - arg) : NULL;
    *port = VNC_BASE_PORT + n;
    return true;
}

static bool vnc_init(const char *arg, GError **errp)
{
    g_autofree char *host = NULL;
    g_autofree char *service = NULL;
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE };
    struct addrinfo *res, *ai;
    int port, err, one = 1;

    if (!vnc_parse_display(arg, &host, &port, errp)) {
        return false;
    }
    service = g_strdup_printf("%d", port);
    err = getaddrinfo(host, service, &hints, &res);
    if (err) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display vnc=%s: %s", arg, gai_strerror(err));
        return false;
    }
    errno = 0;
    for (ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);

        if (fd < 0) {
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0
            && listen(fd, 4) == 0) {
            vnc.listen_fd = fd;
            break;
        }
        err = errno;
        close(fd);
        errno = err;
    }
    freeaddrinfo(res);
    if (vnc.listen_fd < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display vnc=%s: cannot listen on port %d: %s", arg,
                    port, g_strerror(errno));
        return false;
    }
    vnc.listen_watch = g_unix_fd_add(vnc.listen_fd, G_IO_IN, vnc_accept,
                                     NULL);
    return true;
}

static void vnc_update(const UiSurface *surf)
{
    GList *l = vnc.clients;

    while (l) {
        VncClient *c = l->data;

        l = l->next;                    /* c may be dropped */
        if (c->state == VNC_STATE_NORMAL) {
            vnc_client_send_update(c);
        }
    }
}

static void vnc_cleanup(void)
{
    while (vnc.clients) {
        vnc_client_drop(vnc.clients->data, NULL);
    }
    if (vnc.listen_watch) {
        g_source_remove(vnc.listen_watch);
        vnc.listen_watch = 0;
    }
    if (vnc.listen_fd >= 0) {
        close(vnc.listen_fd);
        vnc.listen_fd = -1;
    }
}

const DisplayOps vnc_display_ops = {
    .name = "vnc",
    .init = vnc_init,
    .update = vnc_update,
    .cleanup = vnc_cleanup,
};
