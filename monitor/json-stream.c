/* SPDX-License-Identifier: MIT */
/*
 * The QMP input streamer (see json.h): a small lexer, as QEMU's
 * qobject/json-lexer.c and json-streamer.c behave, that cuts a byte
 * stream into top-level values and hands each one, normalised, to
 * json_parse() (json-glib). json-glib has no streaming split, and it
 * accepts what QEMU refuses (unknown escapes, control characters in
 * strings, "01", "1.", ".5") and wraps integers past int64, so this lexer
 * checks the tokens and rewrites:
 * - QEMU's single-quoted strings (and \' in any string) into JSON ones;
 * - integers outside int64 into doubles (text + ".0"), as QEMU makes
 *   those past uint64 (Kestrel has no uint64 value: see deviations.md).
 * A byte no token can start, a control character in a string or a
 * malformed number is "JSON parse error, stray '...'" at once; then input
 * is skipped up to a bracket, brace or control character (QEMU's
 * recovery). Nesting deeper than JSON_MAX_DEPTH and values longer than
 * JSON_MAX_INPUT get QEMU's limit errors and the streamer starts afresh.
 * Callers: monitor/qmp.c, json-parse.c, tests/unit/test-json.c,
 * tests/fuzz/fuzz-qmp.c.
 */
#include "kestrel/osdep.h"
#include "monitor/json.h"

void json_streamer_init(JsonStreamer *js, JsonStreamFn *fn, void *opaque)
{
    *js = (JsonStreamer) { .buf = g_string_new(NULL), .fn = fn,
                           .opaque = opaque };
}

/* Forget the value under way (not the recovery state). */
static void json_stream_clear(JsonStreamer *js)
{
    g_string_truncate(js->buf, 0);
    g_clear_pointer(&js->error, g_free);
    js->depth = 0;
    js->quote = 0;
    js->escape = 0;
    js->word = 0;
}

void json_streamer_reset(JsonStreamer *js)
{
    json_stream_clear(js);
    js->recovering = false;
}

void json_streamer_destroy(JsonStreamer *js)
{
    json_stream_clear(js);
    g_string_free(js->buf, true);
    js->buf = NULL;
}

/* Hand over the value (or its first error) and start afresh. */
static void json_stream_emit(JsonStreamer *js)
{
    g_autofree char *error = g_steal_pointer(&js->error);
    g_autofree char *text = NULL;
    size_t len = js->buf->len;

    if (!error && !len) {
        return;
    }
    text = error ? NULL : g_strndup(js->buf->str, len);
    json_stream_clear(js);
    js->fn(js->opaque, text, error ? 0 : len, error);
}

/* An error that ends the value at once, e.g. a limit. */
static void json_stream_abort(JsonStreamer *js, const char *error)
{
    g_free(js->error);
    js->error = g_utf8_make_valid(error, -1);
    json_stream_emit(js);
}

/* A bad token: report it with its text and skip to a resync point. */
static void json_stream_stray(JsonStreamer *js, char c)
{
    g_autofree char *msg = NULL;
    const char *tok = js->buf->str + js->tok;

    g_string_append_c(js->buf, c);
    msg = g_strdup_printf("JSON parse error, stray '%s'",
                          js->quote || js->word ? tok : js->buf->str +
                          js->buf->len - 1);
    json_stream_abort(js, msg);
    js->recovering = true;
}

/* A later error of the same value loses: QEMU reports the first. */
static void json_stream_error(JsonStreamer *js, const char *what)
{
    if (!js->error) {
        js->error = g_strdup_printf("JSON parse error, %s", what);
    }
}

/*
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?: 1 for a number, 0 for
 * the start of one, -1 for neither (QEMU's lexer fails at that byte).
 */
static int json_number_state(const char *s, bool *is_int)
{
    *is_int = true;
    s += *s == '-';
    if (!*s || !g_ascii_isdigit(*s)) {
        return *s ? -1 : 0;
    }
    if (*s == '0') {
        s++;
    } else {
        while (g_ascii_isdigit(*s)) {
            s++;
        }
    }
    if (*s == '.') {
        *is_int = false;
        if (!*++s || !g_ascii_isdigit(*s)) {
            return *s ? -1 : 0;
        }
        while (g_ascii_isdigit(*s)) {
            s++;
        }
    }
    if (*s == 'e' || *s == 'E') {
        *is_int = false;
        s += s[1] == '+' || s[1] == '-';
        if (!*++s || !g_ascii_isdigit(*s)) {
            return *s ? -1 : 0;
        }
        while (g_ascii_isdigit(*s)) {
            s++;
        }
    }
    return *s ? -1 : 1;
}

/*
 * The number or keyword that started at js->tok ends before c. json-glib
 * checks keywords (its error is QEMU's "invalid keyword"); a space keeps
 * the tokens apart for it as QEMU's lexer cut them ("1-2" is 1 and -2).
 */
static bool json_stream_word_end(JsonStreamer *js, char c)
{
    const char *tok = js->buf->str + js->tok;
    bool is_int;

    if (js->word == '0' && json_number_state(tok, &is_int) != 1) {
        json_stream_stray(js, c);
        return false;
    }
    if (js->word == '0' && is_int) {
        errno = 0;
        g_ascii_strtoll(tok, NULL, 10);
        if (errno) {
            g_string_append(js->buf, ".0");
        }
    }
    js->word = 0;
    if (js->depth == 0) {
        json_stream_emit(js);
    } else if (g_ascii_isalnum(c) || c == '-') {
        g_string_append_c(js->buf, ' ');
    }
    return true;
}

static void json_stream_string(JsonStreamer *js, unsigned char c)
{
    static const char escapes[] = "\"\\/bfnrtu'";

    if (js->escape >= 2) {                /* \uXXXX: the hex digits */
        if (!g_ascii_isxdigit(c)) {
            json_stream_stray(js, c);
            return;
        }
        g_string_append_c(js->buf, c);
        if (++js->escape == 6) {
            js->escape = 0;
            if (!memcmp(js->buf->str + js->buf->len - 4, "0000", 4)) {
                json_stream_error(js, "\\u0000 is not supported");
            }
        }
    } else if (js->escape) {
        js->escape = 0;
        if (!c || !strchr(escapes, c)) {
            json_stream_error(js, "invalid escape sequence in string");
        } else if (c == '\'') {
            g_string_append_c(js->buf, c);
        } else {
            g_string_append_c(js->buf, '\\');
            g_string_append_c(js->buf, c);
            js->escape = c == 'u' ? 2 : 0;
        }
    } else if (c < 0x20) {
        json_stream_stray(js, c);
    } else if (c == js->quote) {
        g_string_append_c(js->buf, '"');
        js->quote = 0;
        if (js->depth == 0) {
            json_stream_emit(js);
        }
    } else if (c == '\\') {
        js->escape = 1;
    } else if (c == '"') {                /* inside '...' */
        g_string_append(js->buf, "\\\"");
    } else {
        g_string_append_c(js->buf, c);
    }
}

/* Recovery ends at a bracket, a brace or a control character but tab. */
static bool json_stream_resync(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c >= 0xfe || c == '[' || c == ']' ||
           c == '{' || c == '}';
}

static void json_stream_byte(JsonStreamer *js, unsigned char c)
{
    if (js->recovering && !json_stream_resync(c)) {
        return;
    }
    js->recovering = false;
    if (js->quote) {
        json_stream_string(js, c);
        return;
    }
    if (js->word == 'a' && g_ascii_islower(c)) {
        g_string_append_c(js->buf, c);
        return;
    }
    if (js->word == '0' && c && (g_ascii_isdigit(c) || strchr("+-.eE", c))) {
        bool is_int;

        g_string_append_c(js->buf, c);
        if (json_number_state(js->buf->str + js->tok, &is_int) >= 0) {
            return;
        }
        /* c cannot go on: a whole number ends before it, but "0" + digit */
        g_string_truncate(js->buf, js->buf->len - 1);
        if (g_ascii_isdigit(c)) {
            json_stream_stray(js, c);
            return;
        }
    }
    if (js->word) {
        if (!json_stream_word_end(js, c)) {
            return;                     /* c was part of a stray token */
        }
    }
    switch (c) {
    case ' ': case '\t': case '\n': case '\r':
        if (js->buf->len) {
            g_string_append_c(js->buf, c);
        }
        return;
    case '{': case '[':
        g_string_append_c(js->buf, c);
        if (++js->depth > JSON_MAX_DEPTH) {
            json_stream_abort(js, "JSON nesting depth limit exceeded");
        }
        return;
    case '}': case ']':
        g_string_append_c(js->buf, c);
        if (--js->depth <= 0) {
            json_stream_emit(js);       /* a stray one: json-glib says so */
        }
        return;
    case ':': case ',':
        g_string_append_c(js->buf, c);
        if (js->depth == 0) {
            json_stream_emit(js);
        }
        return;
    case '"': case '\'':
        js->tok = js->buf->len;
        js->quote = c;
        g_string_append_c(js->buf, '"');
        return;
    }
    if (g_ascii_islower(c) || g_ascii_isdigit(c) || c == '-') {
        js->tok = js->buf->len;
        js->word = g_ascii_islower(c) ? 'a' : '0';
        g_string_append_c(js->buf, c);
        return;
    }
    js->tok = js->buf->len;
    json_stream_stray(js, c);
}

void json_streamer_feed(JsonStreamer *js, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        json_stream_byte(js, data[i]);
        if (js->buf->len > JSON_MAX_INPUT) {
            json_stream_abort(js, "JSON token size limit exceeded");
        }
    }
}

void json_streamer_finish(JsonStreamer *js)
{
    if (js->word) {
        json_stream_word_end(js, ' ');
    }
    json_stream_emit(js);
    js->recovering = false;
}
