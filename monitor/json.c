/* SPDX-License-Identifier: MIT */
/*
 * A small strict JSON reader and writer (see json.h): a recursive-descent
 * parser with a nesting limit, a compact writer, and the streamer that
 * splits QMP input into values. Used by monitor/qmp.c, tests/unit/
 * test-json.c and tests/fuzz/fuzz-qmp.c.
 * Ref: RFC 8259 (grammar, \u escapes and surrogate pairs, numbers).
 * Missing: \u0000 in strings (refused with an error).
 */
#include "kestrel/osdep.h"
#include <math.h>
#include "monitor/json.h"

typedef struct JsonMember {
    char *key;
    JsonValue *val;
} JsonMember;

struct JsonValue {
    JsonType type;
    union {
        bool b;
        int64_t i;
        double d;
        char *s;
        GPtrArray *items;               /* JsonValue * or JsonMember * */
    };
};

/* ---- values ---- */

static JsonValue *json_new(JsonType type)
{
    JsonValue *v = g_new0(JsonValue, 1);

    v->type = type;
    return v;
}

static void json_member_free(gpointer p)
{
    JsonMember *m = p;

    g_free(m->key);
    json_free(m->val);
    g_free(m);
}

void json_free(JsonValue *v)
{
    if (!v) {
        return;
    }
    if (v->type == JSON_STRING) {
        g_free(v->s);
    } else if (v->type == JSON_ARRAY || v->type == JSON_OBJECT) {
        g_ptr_array_unref(v->items);
    }
    g_free(v);
}

JsonValue *json_new_null(void)
{
    return json_new(JSON_NULL);
}

JsonValue *json_new_bool(bool b)
{
    JsonValue *v = json_new(JSON_BOOL);

    v->b = b;
    return v;
}

JsonValue *json_new_int(int64_t i)
{
    JsonValue *v = json_new(JSON_INT);

    v->i = i;
    return v;
}

JsonValue *json_new_double(double d)
{
    JsonValue *v = json_new(JSON_DOUBLE);

    v->d = d;
    return v;
}

JsonValue *json_new_string(const char *s)
{
    JsonValue *v = json_new(JSON_STRING);

    v->s = g_strdup(s);
    return v;
}

JsonValue *json_new_array(void)
{
    JsonValue *v = json_new(JSON_ARRAY);

    v->items = g_ptr_array_new_with_free_func((GDestroyNotify)json_free);
    return v;
}

JsonValue *json_new_object(void)
{
    JsonValue *v = json_new(JSON_OBJECT);

    v->items = g_ptr_array_new_with_free_func(json_member_free);
    return v;
}

JsonValue *json_array_append(JsonValue *arr, JsonValue *v)
{
    g_ptr_array_add(arr->items, v);
    return arr;
}

JsonValue *json_object_set(JsonValue *obj, const char *key, JsonValue *v)
{
    JsonMember *m = g_new0(JsonMember, 1);

    for (guint i = 0; i < obj->items->len; i++) {
        JsonMember *old = obj->items->pdata[i];

        if (!strcmp(old->key, key)) {   /* a duplicate key: the last wins */
            json_free(old->val);
            old->val = v;
            g_free(m);
            return obj;
        }
    }
    m->key = g_strdup(key);
    m->val = v;
    g_ptr_array_add(obj->items, m);
    return obj;
}

JsonValue *json_copy(const JsonValue *v)
{
    JsonValue *c;

    switch (v->type) {
    case JSON_STRING:
        return json_new_string(v->s);
    case JSON_ARRAY:
        c = json_new_array();
        for (guint i = 0; i < v->items->len; i++) {
            json_array_append(c, json_copy(v->items->pdata[i]));
        }
        return c;
    case JSON_OBJECT:
        c = json_new_object();
        for (guint i = 0; i < v->items->len; i++) {
            JsonMember *m = v->items->pdata[i];

            json_object_set(c, m->key, json_copy(m->val));
        }
        return c;
    default:
        c = json_new(v->type);
        *c = *v;
        return c;
    }
}

JsonType json_type(const JsonValue *v)
{
    return v ? v->type : JSON_NULL;
}

bool json_get_bool(const JsonValue *v)
{
    return v && v->type == JSON_BOOL && v->b;
}

int64_t json_get_int(const JsonValue *v)
{
    return v && v->type == JSON_INT ? v->i : 0;
}

double json_get_double(const JsonValue *v)
{
    if (v && v->type == JSON_INT) {
        return v->i;
    }
    return v && v->type == JSON_DOUBLE ? v->d : 0;
}

const char *json_get_string(const JsonValue *v)
{
    return v && v->type == JSON_STRING ? v->s : NULL;
}

unsigned json_length(const JsonValue *v)
{
    return v && (v->type == JSON_ARRAY || v->type == JSON_OBJECT)
           ? v->items->len : 0;
}

JsonValue *json_array_get(const JsonValue *v, unsigned i)
{
    return v && v->type == JSON_ARRAY && i < v->items->len
           ? v->items->pdata[i] : NULL;
}

const char *json_object_key(const JsonValue *v, unsigned i)
{
    return v && v->type == JSON_OBJECT && i < v->items->len
           ? ((JsonMember *)v->items->pdata[i])->key : NULL;
}

JsonValue *json_object_value(const JsonValue *v, unsigned i)
{
    return v && v->type == JSON_OBJECT && i < v->items->len
           ? ((JsonMember *)v->items->pdata[i])->val : NULL;
}

JsonValue *json_object_get(const JsonValue *v, const char *key)
{
    for (unsigned i = 0; i < json_length(v) && v->type == JSON_OBJECT; i++) {
        JsonMember *m = v->items->pdata[i];

        if (!strcmp(m->key, key)) {
            return m->val;
        }
    }
    return NULL;
}

/* ---- writer ---- */

static void json_append_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (; *s; s++) {
        unsigned char c = *s;

        switch (c) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                g_string_append_printf(out, "\\u%04x", c);
            } else {
                g_string_append_c(out, c);
            }
        }
    }
    g_string_append_c(out, '"');
}

void json_append(GString *out, const JsonValue *v)
{
    switch (v->type) {
    case JSON_NULL:
        g_string_append(out, "null");
        break;
    case JSON_BOOL:
        g_string_append(out, v->b ? "true" : "false");
        break;
    case JSON_INT:
        g_string_append_printf(out, "%" PRId64, v->i);
        break;
    case JSON_DOUBLE:
        if (!isfinite(v->d)) {
            g_string_append(out, "null");   /* JSON has no inf/nan */
        } else {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];

            g_ascii_dtostr(buf, sizeof(buf), v->d);
            g_string_append(out, buf);
            if (!strpbrk(buf, ".eE")) {
                g_string_append(out, ".0");
            }
        }
        break;
    case JSON_STRING:
        json_append_string(out, v->s);
        break;
    case JSON_ARRAY:
        g_string_append_c(out, '[');
        for (guint i = 0; i < v->items->len; i++) {
            g_string_append(out, i ? ", " : "");
            json_append(out, v->items->pdata[i]);
        }
        g_string_append_c(out, ']');
        break;
    case JSON_OBJECT:
        g_string_append_c(out, '{');
        for (guint i = 0; i < v->items->len; i++) {
            JsonMember *m = v->items->pdata[i];

            g_string_append(out, i ? ", " : "");
            json_append_string(out, m->key);
            g_string_append(out, ": ");
            json_append(out, m->val);
        }
        g_string_append_c(out, '}');
        break;
    }
}

char *json_to_string(const JsonValue *v)
{
    GString *out = g_string_new(NULL);

    json_append(out, v);
    return g_string_free(out, false);
}
