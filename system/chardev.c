/* SPDX-License-Identifier: MIT */
/*
 * The character device layer: the registry of chardevs by id, the table
 * of back-ends, QEMU's short forms ("tcp::4444,server=on", "file:x",
 * "mon:stdio", "/dev/ttyS0") turned into -chardev strings, and the input
 * path shared by every back-end: an fd watched on the GLib default main
 * context, a buffer for what the front-end cannot take yet (can_read),
 * and delivery with the big lock held. Back-ends are in chardev-fd.c, chardev-socket.c
 * and chardev-mux.c; options.c checks specs with the same parser.
 * Missing: QEMU's vc, udp, pipe, parallel, ringbuf and spice back-ends
 * (rejected by name); like QEMU, a bare path outside /dev is refused; telnet negotiation, reconnect=.
 */
#include "kestrel/osdep.h"
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <poll.h>
#include <glib-unix.h>
#include "kestrel/bql.h"
#include "system/chardev-internal.h"

/* -chardev back-ends; those without help are QEMU's, rejected by name. */
static const CharBackend chardev_unsupported[] = {
    { "vc" }, { "parallel" }, { "pipe" },
    { "udp" }, { "ringbuf" }, { "memory" }, { "msmouse" }, { "braille" },
    { "wctablet" }, { "testdev" }, { "spicevmc" }, { "spiceport" },
    { "qemu-vdagent" }, { "dbus" },
};

static const CharBackend *const chardev_backends[] = {
    &chardev_stdio, &chardev_file, &chardev_pty, &chardev_socket,
    &chardev_null, &chardev_serial, &chardev_tty,
};

typedef enum CharForm {
    CHAR_FORM_BARE,                     /* the whole spec is the name */
    CHAR_FORM_PATH,                     /* file:PATH (commas are kept) */
    CHAR_FORM_DEV,                      /* /dev/X: the whole spec is path= */
    CHAR_FORM_HOSTPORT,                 /* tcp:HOST:PORT[,opts] */
    CHAR_FORM_UNIX,                     /* unix:PATH[,opts] */
} CharForm;

static const struct {
    const char *prefix;
    const char *backend;
    CharForm form;
} chardev_forms[] = {
    { "stdio", "stdio", CHAR_FORM_BARE },
    { "null", "null", CHAR_FORM_BARE },
    { "pty", "pty", CHAR_FORM_BARE },
    { "file:", "file", CHAR_FORM_PATH },
    { "tcp:", "socket", CHAR_FORM_HOSTPORT },
    { "unix:", "socket", CHAR_FORM_UNIX },
    { "/dev/", "serial", CHAR_FORM_DEV },   /* as QEMU: a host device */
};

/* QEMU short forms that Kestrel does not have. */
static const char *const chardev_forms_unsupported[] = {
    "vc", "telnet:", "websocket:", "udp:", "pipe:", "serial:", "tty:",
    "parallel:", "/dev/parport", "/dev/ppi", "msmouse", "braille", "spice", "ringbuf",
    "memory", "COM",
};

static const char *const chardev_common_keys[] = { "backend", "id", "mux" };

static GPtrArray *chardev_all;         /* Chardev *, in creation order */
static unsigned chardev_auto_id;

void chardev_lock(bool *taken)
{
    *taken = !bql_locked();
    if (*taken) {
        bql_lock();
    }
}

void chardev_unlock(bool taken)
{
    if (taken) {
        bql_unlock();
    }
}

int chardev_write_full(int fd, const uint8_t *buf, int len)
{
    int done = 0;

    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);

        if (n < 0 && errno == EAGAIN) {
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };

            poll(&pfd, 1, 100);
        } else if (n < 0 && errno != EINTR) {
            return -1;
        } else if (n > 0) {
            done += n;
        }
    }
    return len;
}

/* ---- input ---- */

int chardev_input_room(const Chardev *chr)
{
    return CHR_INBUF_SIZE - chr->inlen;
}

static gboolean chardev_input_ready(gint fd, GIOCondition cond,
                                    gpointer opaque);

static void chardev_deliver(Chardev *chr)
{
    while (chr->inlen > 0 && chr->read) {
        int n = chr->can_read ? chr->can_read(chr->opaque) : chr->inlen;

        if (n <= 0) {
            break;
        }
        n = MIN(n, chr->inlen);
        chr->read(chr->opaque, chr->inbuf, n);
        memmove(chr->inbuf, chr->inbuf + n, chr->inlen - n);
        chr->inlen -= n;
    }
    if (chr->in_fd >= 0 && !chr->in_watch && chardev_input_room(chr) > 0) {
        chr->in_watch = g_unix_fd_add(chr->in_fd, G_IO_IN | G_IO_HUP
                                      | G_IO_ERR, chardev_input_ready, chr);
    }
}

void chardev_input(Chardev *chr, const uint8_t *buf, int len)
{
    len = MIN(len, chardev_input_room(chr));
    memcpy(chr->inbuf + chr->inlen, buf, len);
    chr->inlen += len;
    chardev_deliver(chr);
}

static gboolean chardev_input_ready(gint fd, GIOCondition cond,
                                    gpointer opaque)
{
    Chardev *chr = opaque;
    gboolean ret = G_SOURCE_CONTINUE;
    bool taken;
    ssize_t n;

    chardev_lock(&taken);
    if (chardev_input_room(chr) == 0) {
        chr->in_watch = 0;              /* chardev_accept_input resumes */
        ret = G_SOURCE_REMOVE;
    } else {
        n = read(fd, chr->inbuf + chr->inlen, chardev_input_room(chr));
        if (n > 0) {
            chr->inlen += n;
            chardev_deliver(chr);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            chr->in_watch = 0;
            chr->in_fd = -1;
            ret = G_SOURCE_REMOVE;
            if (chr->be->input_closed) {
                chr->be->input_closed(chr);
            }
        }
    }
    chardev_unlock(taken);
    return ret;
}

void chardev_watch_input(Chardev *chr, int fd)
{
    chardev_unwatch_input(chr);
    chr->in_fd = fd;
    chardev_deliver(chr);
}

void chardev_unwatch_input(Chardev *chr)
{
    if (chr->in_watch) {
        g_source_remove(chr->in_watch);
        chr->in_watch = 0;
    }
    chr->in_fd = -1;
}

static gboolean chardev_accept_idle(gpointer opaque)
{
    Chardev *chr = opaque;
    bool taken;

    chardev_lock(&taken);
    chr->accept_idle = 0;
    chardev_deliver(chr);
    if (chr->be->accept_input) {
        chr->be->accept_input(chr);
    }
    chardev_unlock(taken);
    return G_SOURCE_REMOVE;
}

void chardev_accept_input(Chardev *chr)
{
    if (chr && !chr->accept_idle) {
        chr->accept_idle = g_idle_add(chardev_accept_idle, chr);
    }
}

void chardev_set_handlers(Chardev *chr, CharCanReadFn *can_read,
                          CharReadFn *read, void *opaque)
{
    if (!chr) {
        return;
    }
    chr->can_read = can_read;
    chr->read = read;
    chr->opaque = opaque;
    if (read && chr->be->frontend_attached) {
        chr->be->frontend_attached(chr);
    }
    chardev_accept_input(chr);
}

void chardev_set_event_handler(Chardev *chr, CharEventFn *fn, void *opaque)
{
    if (!chr) {
        return;
    }
    chr->event = fn;
    chr->event_opaque = opaque;
    if (fn && !chr->disconnected) {
        fn(opaque, CHR_EVENT_OPENED);
    }
}

void chardev_send_event(Chardev *chr, CharEvent ev)
{
    chr->disconnected = ev == CHR_EVENT_CLOSED;
    if (chr->event) {
        chr->event(chr->event_opaque, ev);
    }
}

int chardev_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chr ? chr->be->write(chr, buf, len) : len;
}

/* ---- the registry ---- */

Chardev *chardev_alloc(const CharBackend *be, const char *id)
{
    Chardev *chr = g_malloc0(be->instance_size);

    chr->be = be;
    chr->id = id ? g_strdup(id) : g_strdup_printf("chr%u", chardev_auto_id++);
    chr->in_fd = -1;
    chr->filename = g_strdup(be->name);
    return chr;
}

static void chardev_free(Chardev *chr)
{
    g_free(chr->id);
    g_free(chr->filename);
    g_free(chr);
}

/* Back-end close() also undoes a parse() that was never opened. */
static void chardev_discard(Chardev *chr)
{
    if (chr->be->close) {
        chr->be->close(chr);
    }
    chardev_free(chr);
}

void chardev_register(Chardev *chr)
{
    if (!chardev_all) {
        chardev_all = g_ptr_array_new();
    }
    g_ptr_array_add(chardev_all, chr);
}

void chardev_set_filename(Chardev *chr, const char *fmt, ...)
{
    va_list ap;

    g_free(chr->filename);
    va_start(ap, fmt);
    chr->filename = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

Chardev *chardev_find(const char *id)
{
    for (guint i = 0; chardev_all && i < chardev_all->len; i++) {
        Chardev *chr = g_ptr_array_index(chardev_all, i);

        if (!strcmp(chr->id, id)) {
            return chr;
        }
    }
    return NULL;
}

const char *chardev_id(const Chardev *chr)
{
    return chr->id;
}

const char *chardev_filename(const Chardev *chr)
{
    return chr->filename;
}

void chardev_flush_all(void)
{
    for (guint i = 0; chardev_all && i < chardev_all->len; i++) {
        Chardev *chr = g_ptr_array_index(chardev_all, i);

        if (chr->be->flush) {
            chr->be->flush(chr);
        }
    }
    fflush(stdout);
}

void chardev_close_all(void)
{
    while (chardev_all && chardev_all->len) {
        Chardev *chr = g_ptr_array_steal_index(chardev_all,
                                               chardev_all->len - 1);

        chardev_unwatch_input(chr);
        if (chr->accept_idle) {
            g_source_remove(chr->accept_idle);
        }
        if (chr->be->close) {
            chr->be->close(chr);
        }
        if (chr->muxstate) {
            chardev_mux_free(chr);
        }
        chardev_free(chr);
    }
}

/* ---- parsing ---- */

static const CharBackend *chardev_backend_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(chardev_backends); i++) {
        if (!strcmp(chardev_backends[i]->name, name)) {
            return chardev_backends[i];
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(chardev_unsupported); i++) {
        if (!strcmp(chardev_unsupported[i].name, name)) {
            return &chardev_unsupported[i];
        }
    }
    return NULL;
}

/* Parse -chardev opts into a chardev that is not open yet. */
static Chardev *chardev_parse(const char *label, const char *opts,
                              bool need_id, GError **errp)
{
    g_autoptr(KvList) kv = kv_parse(label, opts, "backend", 0, errp);
    g_autoptr(GPtrArray) keys = g_ptr_array_new();
    const CharBackend *be;
    const char *name;
    Chardev *chr;
    bool mux = false;

    if (!kv) {
        return NULL;
    }
    name = kv_get(kv, "backend");
    be = name ? chardev_backend_find(name) : NULL;
    if (!be || !be->help) {
        g_set_error(errp, KS_ERROR, be ? KS_ERROR_UNSUPPORTED
                    : KS_ERROR_INVALID, "%s %s: %s", label, opts,
                    !name ? "missing back-end"
                    : be ? "back-end not supported by Kestrel"
                    : "unknown back-end (-chardev help lists them)");
        return NULL;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(chardev_common_keys); i++) {
        g_ptr_array_add(keys, (gpointer)chardev_common_keys[i]);
    }
    for (size_t i = 0; be->keys && be->keys[i]; i++) {
        g_ptr_array_add(keys, (gpointer)be->keys[i]);
    }
    g_ptr_array_add(keys, NULL);
    if (!kv_check_keys(kv, (const char *const *)keys->pdata, errp)
        || !kv_get_bool(kv, "mux", &mux, errp)) {
        return NULL;
    }
    if (need_id && !kv_get(kv, "id")) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "%s %s: id= is "
                    "required", label, opts);
        return NULL;
    }
    chr = chardev_alloc(be, kv_get(kv, "id"));
    chr->mux = mux;
    if (!be->parse(chr, kv, errp)) {
        chardev_discard(chr);
        return NULL;
    }
    return chr;
}

static Chardev *chardev_open(const char *label, const char *opts,
                             bool need_id, GError **errp)
{
    Chardev *chr = chardev_parse(label, opts, need_id, errp);

    if (!chr) {
        return NULL;
    }
    if (chardev_find(chr->id)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "%s %s: id '%s' is "
                    "already used", label, opts, chr->id);
        chardev_discard(chr);
        return NULL;
    }
    if (!chr->be->open(chr, errp)) {
        chardev_discard(chr);
        return NULL;
    }
    chardev_register(chr);
    if (chr->mux && !chardev_mux_attach(chr, errp)) {
        return NULL;                    /* chardev_close_all frees it */
    }
    return chr;
}

static void chardev_append_escaped(GString *out, const char *key,
                                   const char *val, size_t len)
{
    g_string_append_printf(out, ",%s=", key);
    for (size_t i = 0; i < len; i++) {
        if (val[i] == ',') {
            g_string_append_c(out, ',');
        }
        g_string_append_c(out, val[i]);
    }
}

/* "HOST:PORT[,opts]" (HOST may be empty or [v6]) as -chardev keys. */
static bool chardev_form_hostport(GString *out, const char *spec,
                                  const char *rest, GError **errp)
{
    size_t addr_len = strcspn(rest, ",");
    g_autofree char *addr = g_strndup(rest, addr_len);
    char *colon = strrchr(addr, ':');
    char *host = addr;

    if (!colon || !colon[1]) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s: expected HOST:PORT", spec);
        return false;
    }
    *colon = '\0';
    if (host[0] == '[' && colon > host && colon[-1] == ']') {
        colon[-1] = '\0';
        host++;
    }
    chardev_append_escaped(out, "host", host, strlen(host));
    chardev_append_escaped(out, "port", colon + 1, strlen(colon + 1));
    g_string_append(out, rest + addr_len);
    return true;
}

char *chardev_spec_to_opts(const char *spec, const char *id, bool mux,
                           GError **errp)
{
    g_autoptr(GString) out = g_string_new(NULL);

    /* first: "/dev/parport0" is QEMU's parallel form, not a "/dev/" one */
    for (size_t i = 0; i < G_N_ELEMENTS(chardev_forms_unsupported); i++) {
        if (g_str_has_prefix(spec, chardev_forms_unsupported[i])) {
            g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                        "%s: not supported by Kestrel", spec);
            return NULL;
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(chardev_forms); i++) {
        const char *prefix = chardev_forms[i].prefix;
        const char *rest = spec + strlen(prefix);

        if (chardev_forms[i].form == CHAR_FORM_BARE ? strcmp(spec, prefix)
                                                    : !g_str_has_prefix(spec,
                                                                        prefix)) {
            continue;
        }
        g_string_append(out, chardev_forms[i].backend);
        if (id) {
            chardev_append_escaped(out, "id", id, strlen(id));
        }
        if (mux) {
            g_string_append(out, ",mux=on");
        }
        if (chardev_forms[i].form == CHAR_FORM_PATH) {
            chardev_append_escaped(out, "path", rest, strlen(rest));
        } else if (chardev_forms[i].form == CHAR_FORM_DEV) {
            chardev_append_escaped(out, "path", spec, strlen(spec));
        } else if (chardev_forms[i].form == CHAR_FORM_UNIX) {
            chardev_append_escaped(out, "path", rest, strcspn(rest, ","));
            g_string_append(out, rest + strcspn(rest, ","));
        } else if (chardev_forms[i].form == CHAR_FORM_HOSTPORT
                   && !chardev_form_hostport(out, spec, rest, errp)) {
            return NULL;
        }
        return g_string_free(g_steal_pointer(&out), false);
    }
    g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "%s: unknown character "
                "device (stdio, pty, null, file:PATH, /dev/DEVICE, "
                "tcp:HOST:PORT, unix:PATH, mon:DEV, chardev:ID or none)",
                spec);
    return NULL;
}

Chardev *chardev_new_from_opts(const char *opts, GError **errp)
{
    return chardev_open("-chardev", opts, true, errp);
}

Chardev *chardev_new_from_spec(const char *spec, const char *id,
                               GError **errp)
{
    bool mux = g_str_has_prefix(spec, "mon:");
    g_autofree char *opts = NULL;
    Chardev *chr;

    if (!strcmp(spec, "none")) {
        return NULL;
    }
    if (g_str_has_prefix(spec, "chardev:")) {
        chr = chardev_find(spec + 8);
        if (!chr || (chr->in_use && !chr->mux)) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "%s: %s", spec,
                        chr ? "already in use" : "no such chardev");
            return NULL;
        }
        chr->in_use = true;
        return chr->mux ? chardev_mux_new_port(chr, errp) : chr;
    }
    opts = chardev_spec_to_opts(spec + (mux ? 4 : 0), id, mux, errp);
    chr = opts ? chardev_open(spec, opts, false, errp) : NULL;
    if (chr) {
        chr->in_use = true;
    }
    return chr && mux ? chardev_mux_new_port(chr, errp) : chr;
}

bool chardev_check_opts(const char *opts, char **id, GError **errp)
{
    Chardev *chr = chardev_parse("-chardev", opts, true, errp);

    if (!chr) {
        return false;
    }
    *id = g_strdup(chr->id);
    chardev_discard(chr);
    return true;
}

bool chardev_check_spec(const char *opt, const char *spec, GError **errp)
{
    const char *inner = g_str_has_prefix(spec, "mon:") ? spec + 4 : spec;
    g_autofree char *opts = NULL;
    Chardev *chr;

    if (g_str_has_prefix(spec, "chardev:") && spec[8]) {
        return true;                    /* the id is checked later */
    }
    opts = chardev_spec_to_opts(inner, NULL, false, errp);
    chr = opts ? chardev_parse(opt, opts, false, errp) : NULL;
    if (!opts) {
        g_prefix_error(errp, "%s ", opt);
    }
    if (chr) {
        chardev_discard(chr);
    }
    return chr != NULL;
}

void chardev_print_backends(void)
{
    printf("Character device back-ends (-chardev BACKEND,id=ID,...):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(chardev_backends); i++) {
        printf("  %-8s %s\n", chardev_backends[i]->name,
               chardev_backends[i]->help);
    }
    printf("Add mux=on to share one back-end (Ctrl-A c switches).\n");
}
