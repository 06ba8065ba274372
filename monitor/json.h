/* SPDX-License-Identifier: MIT */
/*
 * JSON for QMP (monitor/qmp*.c), its unit test and its fuzz target.
 * Values form a tree of JsonValue; objects keep their members in order.
 * json_parse() reads with json-glib (json-parse.c); the writer (json.c)
 * is Kestrel's own, as json-glib's generator cannot write QEMU's spacing.
 * The streamer (json-stream.c) cuts a byte stream (a QMP socket) into
 * top-level values, checking tokens as QEMU's lexer does.
 * Ref: RFC 8259; QEMU docs/interop/qmp-spec (one JSON object per command).
 * Missing: \u0000 inside strings (refused, as C strings end there), and
 * QEMU's %-interpolation extension (not for QMP input anyway).
 */
#ifndef KESTREL_MONITOR_JSON_H
#define KESTREL_MONITOR_JSON_H

#include "kestrel/osdep.h"

#define JSON_MAX_DEPTH  1024            /* nesting, as QEMU's MAX_NESTING */
#define JSON_MAX_INPUT  (1u << 20)      /* one streamed value, in bytes */

typedef enum JsonType {
    JSON_NULL,
    JSON_BOOL,
    JSON_INT,                           /* fits in int64_t */
    JSON_DOUBLE,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} JsonType;

typedef struct JsonValue JsonValue;

/* One value (QEMU's extensions and errors, as the streamer gives them). */
JsonValue *json_parse(const char *text, size_t len, GError **errp);
void json_free(JsonValue *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonValue, json_free)

/* Constructors; the containers take ownership of what is added. */
JsonValue *json_new_null(void);
JsonValue *json_new_bool(bool b);
JsonValue *json_new_int(int64_t i);
JsonValue *json_new_double(double d);
JsonValue *json_new_string(const char *s);
JsonValue *json_new_array(void);
JsonValue *json_new_object(void);
JsonValue *json_array_append(JsonValue *arr, JsonValue *v);   /* arr */
JsonValue *json_object_set(JsonValue *obj, const char *key, JsonValue *v);
JsonValue *json_copy(const JsonValue *v);

/* Accessors: NULL/0/false when v has another type. */
JsonType json_type(const JsonValue *v);
bool json_get_bool(const JsonValue *v);
int64_t json_get_int(const JsonValue *v);
double json_get_double(const JsonValue *v);     /* ints too */
const char *json_get_string(const JsonValue *v);
unsigned json_length(const JsonValue *v);       /* array/object members */
JsonValue *json_array_get(const JsonValue *v, unsigned i);
const char *json_object_key(const JsonValue *v, unsigned i);
JsonValue *json_object_value(const JsonValue *v, unsigned i);
JsonValue *json_object_get(const JsonValue *v, const char *key);

/* Compact text as QEMU writes it: {"a": 1, "b": [true, null]}. */
char *json_to_string(const JsonValue *v);
void json_append(GString *out, const JsonValue *v);

/*
 * The streamer: feed bytes, get one callback per complete top-level value:
 * its text, normalised for json-glib (single quotes made double, integers
 * past int64 made doubles), or error (QEMU's text) with text NULL when the
 * value had a bad token or passed a limit. After an error the streamer
 * goes on with the next value, as QEMU's does.
 */
typedef void JsonStreamFn(void *opaque, const char *text, size_t len,
                          const char *error);

typedef struct JsonStreamer {
    GString *buf;                       /* the value so far, normalised */
    JsonStreamFn *fn;
    void *opaque;
    char *error;                        /* its first error, if any */
    size_t tok;                         /* where the current token began */
    int depth;
    int escape;                         /* 1 after \, 2-5 in \uXXXX */
    char quote;                         /* in a string: its quote */
    char word;                          /* in a number '0' or keyword 'a' */
    bool recovering;                    /* skipping after a stray token */
} JsonStreamer;

void json_streamer_init(JsonStreamer *js, JsonStreamFn *fn, void *opaque);
void json_streamer_feed(JsonStreamer *js, const char *data, size_t len);
void json_streamer_finish(JsonStreamer *js);    /* end of input */
void json_streamer_reset(JsonStreamer *js);
void json_streamer_destroy(JsonStreamer *js);

#endif /* KESTREL_MONITOR_JSON_H */
