/* SPDX-License-Identifier: MIT */
/*
 * The strict JSON reader and the QMP input streamer (see json.h).
 * json_parse() is recursive descent over the whole text with a nesting
 * limit (JSON_MAX_DEPTH), so hostile input cannot exhaust the stack.
 * Errors read "JSON parse error, WHAT" with QEMU's words where it has them
 * (qobject/json-parser.c: "expecting value", "missing : in object pair"). The streamer only tracks brackets and strings.
 * Callers: monitor/qmp.c, tests/unit/test-json.c, tests/fuzz/fuzz-qmp.c.
 * Ref: RFC 8259 sections 2-8.
 * Missing: \u0000 in strings (refused).
 */
#include "kestrel/osdep.h"
#include <math.h>
#include "monitor/json.h"

typedef struct JsonParser {
    const char *p, *start, *end;
    int depth;
    GError **errp;
} JsonParser;

static JsonValue *json_parse_value(JsonParser *jp);

static JsonValue *json_fail(JsonParser *jp, const char *what)
{
    if (jp->errp && !*jp->errp) {
        g_set_error(jp->errp, KS_ERROR, KS_ERROR_INVALID,
                    "JSON parse error, %s", what);
    }
    return NULL;
}

static void json_skip_ws(JsonParser *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' ||
                               *jp->p == '\n' || *jp->p == '\r')) {
        jp->p++;
    }
}

static bool json_literal(JsonParser *jp, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(jp->end - jp->p) >= n && !memcmp(jp->p, word, n)) {
        jp->p += n;
        return true;
    }
    return false;
}

static int json_hex4(JsonParser *jp)
{
    int v = 0;

    if (jp->end - jp->p < 4) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        int d = g_ascii_xdigit_value(*jp->p++);

        if (d < 0) {
            return -1;
        }
        v = v << 4 | d;
    }
    return v;
}

/* After "\u": one code point, joining a surrogate pair. */
static bool json_unicode_escape(JsonParser *jp, GString *out)
{
    int cp = json_hex4(jp);

    if (cp >= 0xd800 && cp <= 0xdbff) {
        int lo;

        if (!json_literal(jp, "\\u") || (lo = json_hex4(jp)) < 0xdc00
            || lo > 0xdfff) {
            return false;
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    } else if (cp < 0 || (cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
        return false;
    }
    g_string_append_unichar(out, cp);
    return true;
}

/* A string; *jp->p is the opening quote. */
static char *json_parse_string(JsonParser *jp)
{
    static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
    g_autoptr(GString) out = g_string_new(NULL);

    jp->p++;
    while (jp->p < jp->end && *jp->p != '"') {
        unsigned char c = *jp->p;

        if (c < 0x20) {
            json_fail(jp, "control character in string");
            return NULL;
        }
        if (c != '\\') {
            g_string_append_c(out, c);
            jp->p++;
            continue;
        }
        if (++jp->p >= jp->end) {
            break;
        }
        if (*jp->p == 'u') {
            jp->p++;
            if (!json_unicode_escape(jp, out)) {
                json_fail(jp, "bad \\u escape");
                return NULL;
            }
            continue;
        }
        for (size_t i = 0; ; i += 2) {
            if (i >= sizeof(simple) - 1) {
                json_fail(jp, "bad escape in string");
                return NULL;
            }
            if (simple[i] == *jp->p) {
                g_string_append_c(out, simple[i + 1]);
                break;
            }
        }
        jp->p++;
    }
    if (jp->p >= jp->end) {
        json_fail(jp, "unterminated string");
        return NULL;
    }
    jp->p++;
    if (!g_utf8_validate(out->str, out->len, NULL)) {
        json_fail(jp, "string is not valid UTF-8");
        return NULL;
    }
    return g_string_free(g_steal_pointer(&out), false);
}

static JsonValue *json_parse_number(JsonParser *jp)
{
    const char *s = jp->p;
    bool is_int = true;
    g_autofree char *text = NULL;
    char *endp;

    if (jp->p < jp->end && *jp->p == '-') {
        jp->p++;
    }
    if (jp->p >= jp->end || !g_ascii_isdigit(*jp->p)) {
        return json_fail(jp, "bad number");
    }
    if (*jp->p == '0') {
        jp->p++;
    } else {
        while (jp->p < jp->end && g_ascii_isdigit(*jp->p)) {
            jp->p++;
        }
    }
    if (jp->p < jp->end && *jp->p == '.') {
        is_int = false;
        if (++jp->p >= jp->end || !g_ascii_isdigit(*jp->p)) {
            return json_fail(jp, "bad number");
        }
        while (jp->p < jp->end && g_ascii_isdigit(*jp->p)) {
            jp->p++;
        }
    }
    if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
        is_int = false;
        jp->p++;
        if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-')) {
            jp->p++;
        }
        if (jp->p >= jp->end || !g_ascii_isdigit(*jp->p)) {
            return json_fail(jp, "bad number");
        }
        while (jp->p < jp->end && g_ascii_isdigit(*jp->p)) {
            jp->p++;
        }
    }
    text = g_strndup(s, jp->p - s);
    if (is_int) {
        gint64 i;

        errno = 0;
        i = g_ascii_strtoll(text, &endp, 10);
        if (!errno && !*endp) {
            return json_new_int(i);
        }
    }
    return json_new_double(g_ascii_strtod(text, NULL));
}

static JsonValue *json_parse_array(JsonParser *jp)
{
    g_autoptr(JsonValue) arr = json_new_array();

    jp->p++;
    json_skip_ws(jp);
    if (jp->p < jp->end && *jp->p == ']') {
        jp->p++;
        return g_steal_pointer(&arr);
    }
    for (;;) {
        JsonValue *v = json_parse_value(jp);

        if (!v) {
            return NULL;
        }
        json_array_append(arr, v);
        json_skip_ws(jp);
        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
        } else if (jp->p < jp->end && *jp->p == ']') {
            jp->p++;
            return g_steal_pointer(&arr);
        } else {
            return json_fail(jp, "expected separator in list");
        }
    }
}

static JsonValue *json_parse_object(JsonParser *jp)
{
    g_autoptr(JsonValue) obj = json_new_object();

    jp->p++;
    json_skip_ws(jp);
    if (jp->p < jp->end && *jp->p == '}') {
        jp->p++;
        return g_steal_pointer(&obj);
    }
    for (;;) {
        g_autofree char *key = NULL;
        JsonValue *v;

        json_skip_ws(jp);
        if (jp->p >= jp->end || *jp->p != '"') {
            return json_fail(jp, "key is not a string in object");
        }
        key = json_parse_string(jp);
        if (!key) {
            return NULL;
        }
        json_skip_ws(jp);
        if (jp->p >= jp->end || *jp->p != ':') {
            return json_fail(jp, "missing : in object pair");
        }
        jp->p++;
        v = json_parse_value(jp);
        if (!v) {
            return NULL;
        }
        json_object_set(obj, key, v);
        json_skip_ws(jp);
        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
        } else if (jp->p < jp->end && *jp->p == '}') {
            jp->p++;
            return g_steal_pointer(&obj);
        } else {
            return json_fail(jp, "expected separator in dict");
        }
    }
}

static JsonValue *json_parse_value(JsonParser *jp)
{
    JsonValue *v = NULL;
    char *s;

    json_skip_ws(jp);
    if (jp->p >= jp->end) {
        return json_fail(jp, "unexpected end of input");
    }
    switch (*jp->p) {
    case '{':
    case '[':
        if (++jp->depth > JSON_MAX_DEPTH) {
            return json_fail(jp, "nesting too deep");
        }
        v = *jp->p == '{' ? json_parse_object(jp) : json_parse_array(jp);
        jp->depth--;
        return v;
    case '"':
        s = json_parse_string(jp);
        if (s) {
            v = json_new_string(s);
            g_free(s);
        }
        return v;
    case 't':
        return json_literal(jp, "true") ? json_new_bool(true)
                                        : json_fail(jp, "bad literal");
    case 'f':
        return json_literal(jp, "false") ? json_new_bool(false)
                                         : json_fail(jp, "bad literal");
    case 'n':
        return json_literal(jp, "null") ? json_new_null()
                                        : json_fail(jp, "bad literal");
    default:
        if (*jp->p == '-' || g_ascii_isdigit(*jp->p)) {
            return json_parse_number(jp);
        }
        return json_fail(jp, "expecting value");
    }
}

JsonValue *json_parse(const char *text, size_t len, GError **errp)
{
    JsonParser jp = { .p = text, .start = text, .end = text + len,
                      .errp = errp };
    g_autoptr(JsonValue) v = json_parse_value(&jp);

    if (!v) {
        return NULL;
    }
    json_skip_ws(&jp);
    if (jp.p != jp.end) {
        return json_fail(&jp, "trailing characters after the value");
    }
    return g_steal_pointer(&v);
}

/* ---- the streamer ---- */

void json_streamer_init(JsonStreamer *js, JsonStreamFn *fn, void *opaque)
{
    *js = (JsonStreamer) { .buf = g_string_new(NULL), .fn = fn,
                           .opaque = opaque };
}

void json_streamer_reset(JsonStreamer *js)
{
    g_string_truncate(js->buf, 0);
    js->depth = 0;
    js->in_string = js->escape = js->skipping = false;
}

void json_streamer_destroy(JsonStreamer *js)
{
    g_string_free(js->buf, true);
    js->buf = NULL;
}

static void json_streamer_emit(JsonStreamer *js)
{
    bool skipped = js->skipping;

    js->skipping = false;
    if (skipped) {
        js->fn(js->opaque, NULL, 0);
    } else if (js->buf->len) {
        js->fn(js->opaque, js->buf->str, js->buf->len);
    }
    g_string_truncate(js->buf, 0);
}

/* A top-level scalar ends at whitespace or at the start of a container. */
static bool json_scalar_end(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '{' ||
           c == '[' || c == '"';
}

void json_streamer_feed(JsonStreamer *js, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = data[i];

        if (!js->in_string && js->depth == 0 && js->buf->len
            && !js->skipping && json_scalar_end(c)) {
            json_streamer_emit(js);     /* a bare scalar just ended */
        }
        if (!js->in_string && js->depth == 0 && !js->buf->len
            && !js->skipping && (c == ' ' || c == '\t' || c == '\n' ||
                                 c == '\r')) {
            continue;
        }
        if (!js->skipping) {
            g_string_append_c(js->buf, c);
            if (js->buf->len > JSON_MAX_INPUT) {
                js->skipping = true;
                g_string_truncate(js->buf, 0);
            }
        }
        if (js->in_string) {
            if (js->escape) {
                js->escape = false;
            } else if (c == '\\') {
                js->escape = true;
            } else if (c == '"') {
                js->in_string = false;
                if (js->depth == 0) {
                    json_streamer_emit(js);
                }
            }
        } else if (c == '"') {
            js->in_string = true;
        } else if (c == '{' || c == '[') {
            js->depth++;
        } else if (c == '}' || c == ']') {
            if (js->depth > 0) {
                js->depth--;
            }
            if (js->depth == 0) {
                json_streamer_emit(js);
            }
        }
    }
}
