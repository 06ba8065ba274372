/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for QMP: the JSON reader (monitor/json-stream.c, the
 * QEMU-like lexer, and json-parse.c, json-glib behind it; json.c, the
 * writer) and the session and dispatcher (monitor/qmp.c,
 * qmp-cmds.c, and HMP through human-monitor-command) on the real pc
 * machine of fuzz-machine.c.
 *
 * Each input is sent by a new client (greeting, then whatever it says:
 * qmp_capabilities or not, any command, any arguments), as fast as the
 * chardev takes it. quit ends the input through the machine's shutdown
 * request; screendump gets its error from -vga none, HMP's gdbserver
 * from -gdb null (see fuzz-machine.c).
 * Checks, per value a second streamer finds in the same bytes: it parses
 * or not, prints and parses back to the same text, and the session
 * answers it with exactly one reply that is a JSON object with "return"
 * or "error" (a class and a desc string), echoing the request's "id";
 * malformed requests get an error. Events may come in between. Built by
 * `make fuzz`; run e.g. ./fuzz-qmp -max_len=4096 corpus/
 */
#include "kestrel/osdep.h"
#include "monitor/json.h"
#include "monitor/monitor-int.h"
#include "fuzz-machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a request should get: an error or not, and which id. */
typedef struct FuzzExpect {
    bool error;                         /* certainly an error */
    char *id;                           /* the id as text, or NULL */
} FuzzExpect;

static Chardev *fuzz_chr;
static GArray *fuzz_expect;             /* FuzzExpect per value sent */

static void fuzz_walk(const JsonValue *v, int depth)
{
    g_assert(depth <= JSON_MAX_DEPTH + 1);
    switch (json_type(v)) {
    case JSON_ARRAY:
        for (unsigned i = 0; i < json_length(v); i++) {
            fuzz_walk(json_array_get(v, i), depth + 1);
        }
        break;
    case JSON_OBJECT:
        for (unsigned i = 0; i < json_length(v); i++) {
            g_assert(json_object_key(v, i));
            g_assert(json_object_get(v, json_object_key(v, i)));
            fuzz_walk(json_object_value(v, i), depth + 1);
        }
        break;
    case JSON_STRING:
        g_assert(json_get_string(v));
        break;
    default:
        json_get_double(v);
        break;
    }
}

/* The reader's own checks; what the session should answer. */
static void fuzz_value(void *opaque, const char *text, size_t len,
                       const char *error)
{
    FuzzExpect e = { .error = true };
    GError *err = NULL;
    JsonValue *v, *again, *id;
    g_autofree char *s1 = NULL, *s2 = NULL;

    g_assert(!text != !error);
    v = text ? json_parse(text, len, &err) : NULL;
    if (!v) {
        g_assert(error || (err && err->message));
        g_clear_error(&err);
        g_array_append_val(fuzz_expect, e);
        return;
    }
    fuzz_walk(v, 0);
    s1 = json_to_string(v);
    again = json_parse(s1, strlen(s1), &err);
    g_assert_no_error(err);
    s2 = json_to_string(again);
    g_assert_cmpstr(s1, ==, s2);
    json_free(again);
    json_free(json_copy(v));

    id = json_object_get(v, "id");
    e.id = id ? json_to_string(id) : NULL;
    e.error = json_type(v) != JSON_OBJECT ||
              json_type(json_object_get(v, "execute")) != JSON_STRING;
    g_array_append_val(fuzz_expect, e);
    json_free(v);
}

static void fuzz_check_reply(const JsonValue *r, const FuzzExpect *e)
{
    const JsonValue *err = json_object_get(r, "error");
    const JsonValue *id = json_object_get(r, "id");
    g_autofree char *id_text = id ? json_to_string(id) : NULL;
    unsigned keys = 1 + !!id;

    if (!err == !json_object_get(r, "return") ||
        json_length(r) != keys || g_strcmp0(id_text, e->id)) {
        ks_abort("fuzz-qmp: bad reply (id %s expected)",
                 e->id ? e->id : "none");
    }
    if (err && (json_type(err) != JSON_OBJECT || json_length(err) != 2 ||
                !json_get_string(json_object_get(err, "class")) ||
                !json_get_string(json_object_get(err, "desc")))) {
        ks_abort("fuzz-qmp: malformed error object");
    }
    if (e->error && !err) {
        ks_abort("fuzz-qmp: a malformed request did not get an error");
    }
}

/* Every line is a JSON object; the replies match the requests. */
static void fuzz_check_session(const GString *out)
{
    g_auto(GStrv) lines = g_strsplit(out->str, "\r\n", -1);
    unsigned replies = 0;

    for (int i = 0; lines[i] && *lines[i]; i++) {
        GError *err = NULL;
        g_autoptr(JsonValue) r = json_parse(lines[i], strlen(lines[i]),
                                            &err);

        if (!r || json_type(r) != JSON_OBJECT) {
            ks_abort("fuzz-qmp: the session wrote a line that is not a "
                     "JSON object: %s", err ? err->message : lines[i]);
        }
        if (i == 0 && json_object_get(r, "QMP")) {
            continue;                   /* the greeting */
        }
        if (json_object_get(r, "event")) {
            continue;
        }
        if (replies == fuzz_expect->len) {
            ks_abort("fuzz-qmp: more replies than requests");
        }
        fuzz_check_reply(r, &g_array_index(fuzz_expect, FuzzExpect,
                                           replies++));
    }
    if (replies != fuzz_expect->len) {
        ks_abort("fuzz-qmp: %u replies to %u requests", replies,
                 fuzz_expect->len);
    }
}

static void fuzz_expect_clear(void *p)
{
    g_free(((FuzzExpect *)p)->id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    JsonStreamer js;
    size_t consumed;
    bool alive;

    fuzz_machine();
    if (!fuzz_chr) {
        fuzz_chr = fuzz_chr_new("fuzz-qmp");
        qmp_new(fuzz_chr);
        fuzz_expect = g_array_new(false, false, sizeof(FuzzExpect));
        g_array_set_clear_func(fuzz_expect, fuzz_expect_clear);
    }
    fuzz_machine_restart();
    fuzz_chr_connect(fuzz_chr);
    alive = fuzz_chr_type(fuzz_chr, data, size, &consumed);

    /* the same bytes through a streamer of our own, cut in two */
    json_streamer_init(&js, fuzz_value, NULL);
    json_streamer_feed(&js, (const char *)data, consumed / 2);
    json_streamer_feed(&js, (const char *)data + consumed / 2,
                       consumed - consumed / 2);
    json_streamer_destroy(&js);
    /* a quit ends the session: values after it may or may not have run */
    if (alive) {
        fuzz_check_session(fuzz_chr_output(fuzz_chr));
    }
    g_array_set_size(fuzz_expect, 0);
    fuzz_value(NULL, (const char *)data, size, NULL);   /* parser alone */
    g_array_set_size(fuzz_expect, 0);
    return 0;
}
