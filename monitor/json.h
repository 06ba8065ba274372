/* SPDX-License-Identifier: MIT */
/*
 * A small strict JSON reader and writer for QMP (monitor/qmp*.c), its unit
 * test and its fuzz target. Values form a tree of JsonValue; objects keep
 * their members in order. The streamer cuts a byte stream (a QMP socket)
 * into top-level values without parsing them.
 * Ref: RFC 8259; QEMU docs/interop/qmp-spec (one JSON object per command).
 * Missing: \u0000 inside strings (refused, as C strings end there), and
 * QEMU's single-quoted strings and %-interpolation extensions.
 */
#ifndef KESTREL_MONITOR_JSON_H
#define KESTREL_MONITOR_JSON_H

#include "kestrel/osdep.h"

#define JSON_MAX_DEPTH  64              /* nesting of arrays and objects */
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
 * The streamer: feed bytes, get one callback per complete top-level value
 * (text and length, not parsed). A value longer than JSON_MAX_INPUT, or a
 * stray closing bracket, is reported with text NULL and the streamer
 * starts afresh after it.
 */
typedef void JsonStreamFn(void *opaque, const char *text, size_t len);

typedef struct JsonStreamer {
    GString *buf;
    JsonStreamFn *fn;
    void *opaque;
    int depth;
    bool in_string, escape, skipping;
} JsonStreamer;

void json_streamer_init(JsonStreamer *js, JsonStreamFn *fn, void *opaque);
void json_streamer_feed(JsonStreamer *js, const char *data, size_t len);
void json_streamer_reset(JsonStreamer *js);
void json_streamer_destroy(JsonStreamer *js);

#endif /* KESTREL_MONITOR_JSON_H */
