/* SPDX-License-Identifier: MIT */
/*
 * QMP, the JSON monitor, on a chardev (-qmp tcp:HOST:PORT,server=on,
 * wait=off, -qmp unix:PATH,server=on, -qmp stdio). Each client gets the
 * greeting, must send qmp_capabilities, then runs commands (qmp-cmds.c)
 * and receives events (STOP, RESUME, RESET, SHUTDOWN, POWERDOWN) with
 * timestamps. Responses echo the command's "id". Bad JSON and malformed
 * commands get a GenericError; unknown commands CommandNotFound.
 * Input is handled from an idle callback without the big lock, like HMP.
 * Ref: QEMU docs/interop/qmp-spec.rst (greeting, capabilities negotiation,
 * command and response shapes, error classes, events).
 * Missing: the "oob" capability, exec-oob, and pretty output.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "kestrel/runstate.h"
#include "monitor/json.h"
#include "monitor/monitor-int.h"
#include "monitor/qmp.h"
#include "kestrel-config.h"

#define QMP_MAX_PENDING 4096

typedef struct QmpSession {
    Monitor mon;
    JsonStreamer js;
    GString *pending;
    guint idle;
    bool negotiated;                    /* qmp_capabilities done */
    bool connected;
} QmpSession;

static GPtrArray *qmp_sessions;

static void qmp_send(QmpSession *s, JsonValue *v)
{
    g_autofree char *text = json_to_string(v);

    chardev_write(s->mon.chr, (const uint8_t *)text, strlen(text));
    chardev_write(s->mon.chr, (const uint8_t *)"\r\n", 2);
    json_free(v);
}

JsonValue *qmp_error(const char *cls, const char *desc)
{
    JsonValue *err = json_new_object();

    json_object_set(err, "class", json_new_string(cls));
    json_object_set(err, "desc", json_new_string(desc));
    return json_object_set(json_new_object(), "error", err);
}

static void qmp_reply(QmpSession *s, JsonValue *resp, const JsonValue *id)
{
    if (id) {
        json_object_set(resp, "id", json_copy(id));
    }
    qmp_send(s, resp);
}

/* Check the request object; a GenericError reply when it is malformed. */
static JsonValue *qmp_check_request(const JsonValue *req)
{
    static const char *const members[] = { "execute", "arguments", "id",
                                           NULL };
    const JsonValue *args = json_object_get(req, "arguments");

    if (json_type(req) != JSON_OBJECT) {
        return qmp_error("GenericError", "QMP input must be a JSON object");
    }
    for (unsigned i = 0; i < json_length(req); i++) {
        const char *key = json_object_key(req, i);

        if (!g_strv_contains(members, key)) {
            g_autofree char *desc =
                g_strdup_printf("QMP input member '%s' is unexpected", key);

            return qmp_error("GenericError", desc);
        }
    }
    if (!json_object_get(req, "execute")) {
        return qmp_error("GenericError",
                         "QMP input lacks member 'execute'");
    }
    if (json_type(json_object_get(req, "execute")) != JSON_STRING) {
        return qmp_error("GenericError",
                         "QMP input member 'execute' must be a string");
    }
    if (args && json_type(args) != JSON_OBJECT) {
        return qmp_error("GenericError",
                         "QMP input member 'arguments' must be an object");
    }
    return NULL;
}

static JsonValue *qmp_negotiate(QmpSession *s, const char *name)
{
    bool caps = !strcmp(name, "qmp_capabilities");

    if (!s->negotiated && !caps) {
        return qmp_error("CommandNotFound", "Expecting capabilities "
                         "negotiation with 'qmp_capabilities'");
    }
    if (s->negotiated && caps) {
        return qmp_error("CommandNotFound", "Capabilities negotiation is "
                         "already complete, command ignored");
    }
    if (caps) {
        s->negotiated = true;
        return json_object_set(json_new_object(), "return",
                               json_new_object());
    }
    return NULL;
}

/* One value from the streamer, or its error (a bad token, a limit). */
static void qmp_handle(void *opaque, const char *text, size_t len,
                       const char *error)
{
    QmpSession *s = opaque;
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonValue) req = text ? json_parse(text, len, &err) : NULL;
    const JsonValue *id = json_object_get(req, "id");
    JsonValue *resp;
    const char *name;

    if (error) {
        qmp_send(s, qmp_error("GenericError", error));
        return;
    }
    if (!req) {
        qmp_send(s, qmp_error("GenericError", err->message));
        return;
    }
    resp = qmp_check_request(req);
    if (resp) {
        qmp_reply(s, resp, json_type(req) == JSON_OBJECT ? id : NULL);
        return;
    }
    name = json_get_string(json_object_get(req, "execute"));
    resp = qmp_negotiate(s, name);
    if (!resp) {
        resp = qmp_dispatch(name, json_object_get(req, "arguments"));
    }
    qmp_reply(s, resp, id);
}

static gboolean qmp_idle(gpointer opaque)
{
    QmpSession *s = opaque;
    g_autoptr(GString) input = s->pending;

    s->idle = 0;
    s->pending = g_string_new(NULL);
    json_streamer_feed(&s->js, input->str, input->len);
    chardev_accept_input(s->mon.chr);
    return G_SOURCE_REMOVE;
}

static int qmp_can_read(void *opaque)
{
    QmpSession *s = opaque;

    return QMP_MAX_PENDING - (int)s->pending->len;
}

static void qmp_read(void *opaque, const uint8_t *buf, int len)
{
    QmpSession *s = opaque;

    g_string_append_len(s->pending, (const char *)buf, len);
    if (!s->idle) {
        s->idle = g_idle_add(qmp_idle, s);
    }
}

JsonValue *qmp_version(void)
{
    JsonValue *v = json_new_object();
    unsigned major = 0, minor = 0, micro = 0;

    sscanf(KESTREL_VERSION, "%u.%u.%u", &major, &minor, &micro);
    json_object_set(v, "micro", json_new_int(micro));
    json_object_set(v, "minor", json_new_int(minor));
    json_object_set(v, "major", json_new_int(major));
    return json_object_set(json_object_set(json_new_object(), "qemu", v),
                           "package", json_new_string("kestrel"));
}

static void qmp_event(void *opaque, CharEvent ev)
{
    QmpSession *s = opaque;
    JsonValue *greeting, *qmp;

    s->negotiated = false;
    s->connected = ev == CHR_EVENT_OPENED;
    json_streamer_reset(&s->js);
    g_string_truncate(s->pending, 0);
    if (ev != CHR_EVENT_OPENED) {
        return;
    }
    qmp = json_object_set(json_new_object(), "version", qmp_version());
    json_object_set(qmp, "capabilities", json_new_array());
    greeting = json_object_set(json_new_object(), "QMP", qmp);
    qmp_send(s, greeting);
}

void qmp_broadcast_event(const char *name, JsonValue *data)
{
    gint64 now = g_get_real_time();

    for (guint i = 0; qmp_sessions && i < qmp_sessions->len; i++) {
        QmpSession *s = qmp_sessions->pdata[i];
        JsonValue *ts, *ev;

        if (!s->connected || !s->negotiated) {
            continue;
        }
        ts = json_new_object();
        ev = json_new_object();
        json_object_set(ts, "seconds", json_new_int(now / G_USEC_PER_SEC));
        json_object_set(ts, "microseconds",
                        json_new_int(now % G_USEC_PER_SEC));
        json_object_set(ev, "timestamp", ts);
        json_object_set(ev, "event", json_new_string(name));
        if (data) {
            json_object_set(ev, "data", json_copy(data));
        }
        qmp_send(s, ev);
    }
    json_free(data);
}

static JsonValue *qmp_guest_reason(bool guest, const char *reason)
{
    JsonValue *d = json_new_object();

    json_object_set(d, "guest", json_new_bool(guest));
    return json_object_set(d, "reason", json_new_string(reason));
}

static void qmp_runstate_event(RunStateEvent ev, int cause, void *opaque)
{
    static const char *const shutdown_reasons[] = {
        [SHUTDOWN_NONE] = "host-qmp-quit",
        [SHUTDOWN_QUIT] = "host-qmp-quit",
        [SHUTDOWN_POWEROFF] = "guest-shutdown",
        [SHUTDOWN_RESET] = "guest-reset",
        [SHUTDOWN_TRIPLE_FAULT] = "guest-reset",
        [SHUTDOWN_DEBUG_EXIT] = "guest-shutdown",
    };
    bool host;

    switch (ev) {
    case RUNSTATE_EV_STOP:
        qmp_broadcast_event("STOP", NULL);
        break;
    case RUNSTATE_EV_RESUME:
        qmp_broadcast_event("RESUME", NULL);
        break;
    case RUNSTATE_EV_RESET:
        host = mon_take_host_reset();
        qmp_broadcast_event("RESET", qmp_guest_reason(
                                !host, host ? "host-qmp-system-reset"
                                            : "guest-reset"));
        break;
    case RUNSTATE_EV_SHUTDOWN:
        qmp_broadcast_event("SHUTDOWN", qmp_guest_reason(
                                cause > SHUTDOWN_QUIT,
                                shutdown_reasons[cause]));
        break;
    case RUNSTATE_EV_POWERDOWN:
        qmp_broadcast_event("POWERDOWN", NULL);
        break;
    }
}

Monitor *qmp_new(Chardev *chr)
{
    QmpSession *s = g_new0(QmpSession, 1);

    s->mon.chr = chr;
    s->pending = g_string_new(NULL);
    json_streamer_init(&s->js, qmp_handle, s);
    if (!qmp_sessions) {
        qmp_sessions = g_ptr_array_new();
        runstate_add_listener(qmp_runstate_event, NULL);
    }
    g_ptr_array_add(qmp_sessions, s);
    chardev_set_handlers(chr, qmp_can_read, qmp_read, s);
    chardev_set_event_handler(chr, qmp_event, s);
    return &s->mon;
}
