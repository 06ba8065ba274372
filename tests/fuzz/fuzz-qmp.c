/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the monitor's JSON reader (monitor/json.c,
 * json-parse.c), the part of QMP that takes untrusted bytes: the input
 * goes through the streamer in two pieces (as a socket would split it),
 * each complete value is parsed, and a parsed value must print and parse
 * back to the same text, then be walked the way the QMP dispatcher reads
 * a request ("execute", "arguments", "id"). Built by `make fuzz`
 * (scripts/build-fuzz); run e.g. ./fuzz-qmp -max_len=4096 corpus/
 * Missing: the dispatcher itself needs a machine; it is not fuzzed.
 */
#include "kestrel/osdep.h"
#include "monitor/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_walk(const JsonValue *v, int depth)
{
    g_assert(depth <= 64 + 1);
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

static void fuzz_value(void *opaque, const char *text, size_t len)
{
    GError *err = NULL;
    JsonValue *v, *again;
    g_autofree char *s1 = NULL, *s2 = NULL;

    if (!text) {
        return;                         /* too long or a stray bracket */
    }
    v = json_parse(text, len, &err);
    if (!v) {
        g_assert(err && err->message);
        g_error_free(err);
        return;
    }
    fuzz_walk(v, 0);
    if (json_type(v) == JSON_OBJECT) {
        JsonValue *args = json_object_get(v, "arguments");

        json_object_get(v, "execute");
        json_object_get(v, "id");
        if (args && json_type(args) == JSON_OBJECT) {
            json_object_get(args, "command-line");
        }
    }
    s1 = json_to_string(v);
    again = json_parse(s1, strlen(s1), &err);
    g_assert_no_error(err);
    s2 = json_to_string(again);
    g_assert_cmpstr(s1, ==, s2);
    json_free(again);
    json_free(json_copy(v));
    json_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    JsonStreamer js;
    size_t cut = size ? data[0] % (size + 1) : 0;

    json_streamer_init(&js, fuzz_value, NULL);
    json_streamer_feed(&js, (const char *)data, cut);
    json_streamer_feed(&js, (const char *)data + cut, size - cut);
    json_streamer_destroy(&js);
    fuzz_value(NULL, (const char *)data, size);      /* the parser alone */
    return 0;
}
