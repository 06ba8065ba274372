/* SPDX-License-Identifier: MIT */
/*
 * json_parse() (see json.h): json-glib parses one JSON value, which is then
 * copied into Kestrel's JsonValue tree (the tree the QMP commands build and
 * json.c writes in QEMU's spacing). What json-glib does not do as QEMU does
 * is done here: a nesting limit before json-glib's recursive parser sees
 * the text, a "duplicate key" error (json-glib keeps the last value), and
 * json-glib's errors translated to QEMU's texts ("JSON parse error,
 * expecting value", qobject/json-parser.c's words). json_parse() feeds
 * the text through the streamer (json-stream.c), which rejects what
 * json-glib is laxer about (unknown escapes, control characters in
 * strings, malformed numbers, identifiers QEMU has no token for) and
 * limits the nesting.
 * Callers: monitor/qmp.c, tests/unit/test-json.c, tests/fuzz/fuzz-qmp.c.
 * Ref: json-glib 1.6 JsonParser (JsonParserError codes, "object-member").
 * Missing: \u0000 in strings (json-glib ends the string there; the
 * streamer refuses it).
 */
#include "kestrel/osdep.h"
#include <stdio.h>
/* json-glib has a json_to_string() too; json.h's is not used here */
#define json_to_string json_glib_to_string
#include <json-glib/json-glib.h>
#undef json_to_string
#include "monitor/json.h"

static JsonValue *json_from_node(JsonNode *node);

static void json_from_member(JsonObject *obj, const char *key,
                             JsonNode *node, gpointer opaque)
{
    json_object_set(opaque, key, json_from_node(node));
}

static void json_from_element(JsonArray *arr, guint i, JsonNode *node,
                              gpointer opaque)
{
    json_array_append(opaque, json_from_node(node));
}

/* Recursive, but the depth was checked by json_depth_ok(). */
static JsonValue *json_from_node(JsonNode *node)
{
    JsonValue *v;

    switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_OBJECT:
        v = json_new_object();
        json_object_foreach_member(json_node_get_object(node),
                                   json_from_member, v);
        return v;
    case JSON_NODE_ARRAY:
        v = json_new_array();
        json_array_foreach_element(json_node_get_array(node),
                                   json_from_element, v);
        return v;
    case JSON_NODE_VALUE:
        switch (json_node_get_value_type(node)) {
        case G_TYPE_BOOLEAN:
            return json_new_bool(json_node_get_boolean(node));
        case G_TYPE_DOUBLE:
            return json_new_double(json_node_get_double(node));
        case G_TYPE_STRING:
            return json_new_string(json_node_get_string(node));
        default:
            return json_new_int(json_node_get_int(node));
        }
    default:
        return json_new_null();
    }
}

/* The innermost bracket open at offset stop of a normalised text. */
static char json_inner(const char *text, size_t stop)
{
    g_autoptr(GString) open = g_string_new(NULL);
    char quote = 0;

    for (size_t i = 0; i < stop; i++) {
        char c = text[i];

        if (quote) {
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                quote = 0;
            }
        } else if (c == '"') {
            quote = c;
        } else if (c == '{' || c == '[') {
            g_string_append_c(open, c);
        } else if ((c == '}' || c == ']') && open->len) {
            g_string_truncate(open, open->len - 1);
        }
    }
    return open->len ? open->str[open->len - 1] : 0;
}

/* QEMU's words for what json-glib found wrong at "<data>:LINE:COL: ...". */
static const char *json_qemu_error(const GError *e, const char *text,
                                   size_t len)
{
    unsigned line = 0, col = 0;
    size_t off = 0;

    if (e->domain != JSON_PARSER_ERROR) {
        return "expecting value";
    }
    switch (e->code) {
    case JSON_PARSER_ERROR_MISSING_COMMA:
        if (sscanf(e->message, "<data>:%u:%u:", &line, &col) == 2) {
            for (; off < len && line > 1; off++) {
                line -= text[off] == '\n';
            }
            off += col;                 /* past the token it names */
        }
        return json_inner(text, MIN(off, len)) == '{'
               ? "expected separator in dict"
                            : "expected separator in list";
    case JSON_PARSER_ERROR_MISSING_COLON:
        return "missing : in object pair";
    case JSON_PARSER_ERROR_INVALID_BAREWORD:
        /* the token json-glib names is the last good one */
        if (!strstr(e->message, "expected string constant")) {
            return NULL;                /* a bare word: the caller's text */
        }
        return strstr(e->message, "character `{'") ||
               strstr(e->message, "character `,'")
               ? "key is not a string in object"
               : "expected separator in dict";
    case JSON_PARSER_ERROR_INVALID_DATA:
        return "invalid UTF-8 sequence in string";
    default:                            /* trailing commas too, as QEMU */
        return "expecting value";
    }
}

/* "object-member": the member count lags when a key came twice. */
static void json_member_seen(JsonParser *parser, JsonObject *obj,
                             const char *key, gpointer opaque)
{
    GHashTable *counts = opaque;
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(counts, obj)) + 1;

    g_hash_table_insert(counts, obj, GUINT_TO_POINTER(n));
    if (json_object_get_size(obj) != n) {
        g_hash_table_insert(counts, NULL, GUINT_TO_POINTER(1));
    }
}

static JsonValue *json_fail(GError **errp, const char *what)
{
    g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "JSON parse error, %s",
                what);
    return NULL;
}

/* One value the streamer normalised (nesting checked) to the tree. */
static JsonValue *json_glib_parse(const char *text, size_t len,
                                  GError **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GHashTable) counts = g_hash_table_new(NULL, NULL);
    g_autoptr(GError) err = NULL;
    JsonNode *root;

    g_signal_connect(parser, "object-member", G_CALLBACK(json_member_seen),
                     counts);
    if (!json_parser_load_from_data(parser, text, len, &err)) {
        const char *what = json_qemu_error(err, text, len);
        const char *word = strstr(err->message, "identifier `");
        g_autofree char *kw = NULL;

        if (!what && word) {
            word += strlen("identifier `");
            kw = g_strdup_printf("invalid keyword '%.*s'",
                                 (int)strcspn(word, "'"), word);
        }
        return json_fail(errp, what ? what : kw ? kw : "expecting value");
    }
    if (g_hash_table_contains(counts, NULL)) {
        return json_fail(errp, "duplicate key");
    }
    root = json_parser_get_root(parser);
    if (!root) {
        return json_fail(errp, "expecting value");
    }
    return json_from_node(root);
}

typedef struct JsonParseOne {
    JsonValue *v;
    GError **errp;
    unsigned values;
} JsonParseOne;

static void json_parse_one(void *opaque, const char *text, size_t len,
                           const char *error)
{
    JsonParseOne *p = opaque;
    GError *err = NULL;

    if (++p->values > 1) {
        if (p->v) {
            g_clear_pointer(&p->v, json_free);
            json_fail(p->errp, "trailing characters after the value");
        }
        return;
    }
    if (error) {
        g_set_error_literal(&err, KS_ERROR, KS_ERROR_INVALID, error);
    } else {
        p->v = json_glib_parse(text, len, &err);
    }
    if (err) {
        g_propagate_error(p->errp, err);
    }
}

/* Through the streamer, so that the text is checked as QMP input is. */
JsonValue *json_parse(const char *text, size_t len, GError **errp)
{
    GError *err = NULL;
    JsonParseOne p = { .errp = &err };
    JsonStreamer js;

    json_streamer_init(&js, json_parse_one, &p);
    json_streamer_feed(&js, text, len);
    json_streamer_finish(&js);
    json_streamer_destroy(&js);
    if (!p.v && !err) {
        json_fail(&err, "expecting value");        /* only blanks */
    }
    if (err) {
        g_propagate_error(errp, err);
    }
    return p.v;
}
