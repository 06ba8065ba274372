/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for monitor/json*.c: parsing valid JSON (json-glib behind
 * the streamer's checks), QEMU's extensions (single quotes, big integers),
 * the compact writer (round trips), malformed input that must give QEMU's
 * error text and never crash, the nesting limit, and the QMP streamer
 * cutting a byte stream into values, with its errors and recovery.
 */
#include "kestrel/osdep.h"
#include "monitor/json.h"

static void test_parse_scalars(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "null", "null" }, { "true", "true" }, { " false ", "false" },
        { "0", "0" }, { "-12", "-12" }, { "9223372036854775807",
                                          "9223372036854775807" },
        { "1.5", "1.5" }, { "-2e3", "-2000.0" }, { "1E2", "100.0" },
        { "\"a\\\"b\\\\c\\/\\n\"", "\"a\\\"b\\\\c/\\n\"" },
        { "\"\\u00e9\"", "\"\xc3\xa9\"" },
        { "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"" },
        { "\"\\u0001\"", "\"\\u0001\"" },
        { "[]", "[]" }, { "{}", "{}" },
        { "[1,[2,[3]],{\"k\":null}]", "[1, [2, [3]], {\"k\": null}]" },
        { "{\"b\":1,\"a\":\"x\"}", "{\"b\": 1, \"a\": \"x\"}" },
        /* QEMU's extensions: single quotes, \' in any string */
        { "{'a': 'x\"y', 'b': \"it\\'s\"}",
          "{\"a\": \"x\\\"y\", \"b\": \"it's\"}" },
        /* past int64: a double (QEMU: uint64 first, then double) */
        { "-9223372036854775808", "-9223372036854775808" },
        { "18446744073709551616", "1.8446744073709552e+19" },
        { "-9223372036854775809", "-9.2233720368547758e+18" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(JsonValue) v = json_parse(cases[i].in,
                                            strlen(cases[i].in), &err);
        g_autofree char *s = NULL;

        g_assert_no_error(err);
        g_assert_nonnull(v);
        s = json_to_string(v);
        g_assert_cmpstr(s, ==, cases[i].out);
    }
}

static void test_accessors(void)
{
    const char *in = "{\"execute\": \"qmp_capabilities\", \"id\": [1, 2],"
                     " \"arguments\": {\"n\": 7, \"f\": 2.5, \"b\": true}}";
    g_autoptr(JsonValue) v = json_parse(in, strlen(in), NULL);
    JsonValue *args = json_object_get(v, "arguments");
    g_autoptr(JsonValue) copy = json_copy(v);
    g_autofree char *a = json_to_string(v);
    g_autofree char *b = json_to_string(copy);

    g_assert_cmpint(json_type(v), ==, JSON_OBJECT);
    g_assert_cmpstr(json_get_string(json_object_get(v, "execute")), ==,
                    "qmp_capabilities");
    g_assert_cmpuint(json_length(json_object_get(v, "id")), ==, 2);
    g_assert_cmpint(json_get_int(json_array_get(json_object_get(v, "id"),
                                                1)), ==, 2);
    g_assert_cmpint(json_get_int(json_object_get(args, "n")), ==, 7);
    g_assert_cmpfloat(json_get_double(json_object_get(args, "f")), ==, 2.5);
    g_assert_true(json_get_bool(json_object_get(args, "b")));
    g_assert_null(json_object_get(args, "missing"));
    g_assert_null(json_get_string(json_object_get(args, "n")));
    g_assert_cmpstr(json_object_key(v, 1), ==, "id");
    g_assert_cmpstr(a, ==, b);
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "", " ", "{", "}", "[", "]", "[1,]", "{\"a\":}", "{\"a\" 1}",
        "{a:1}", "{\"a\":1,}", "\"abc", "\"a\\x\"", "\"\\u12\"",
        "\"\\ud800\"", "\"\\u0000\"", "\"a\nb\"", "01",
        "1.", ".5", "-", "1e", "1e+", "tru", "nul", "falsey", "[1 2]",
        "{\"execute\":\"x\"} junk", "\"\xff\xfe\"", "+1", "NaN", "[\x01]",
        "{\"a\":1,\"a\":2}",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(JsonValue) v = json_parse(bad[i], strlen(bad[i]), &err);

        if (v) {
            g_test_message("accepted: %s", bad[i]);
        }
        g_assert_null(v);
        g_assert_error(err, KS_ERROR, KS_ERROR_INVALID);
    }
}

/* QEMU 7.2's texts for the same input (checked against it by hand). */
static void test_qemu_errors(void)
{
    static const struct {
        const char *in, *desc;
    } cases[] = {
        { "{\"execute\": }", "expecting value" },
        { "{\"execute\": \"x\",}", "expecting value" },
        { "[1,]", "expecting value" },
        { "}", "expecting value" },
        { "{\"a\" 1}", "missing : in object pair" },
        { "[1 2]", "expected separator in list" },
        { "{\"a\":1 \"b\":2}", "expected separator in dict" },
        { "{\"a\": [1, 2] \"b\": 2}", "expected separator in dict" },
        { "{1:2}", "key is not a string in object" },
        { "{\"a\": tru}", "invalid keyword 'tru'" },
        { "{\"a\":1, \"a\":2}", "duplicate key" },
        { "{\"x\":\"\\x\"}", "invalid escape sequence in string" },
        { "{\"execute\": @}", "stray '@'" },
        { "[\"a\x01\"]", "stray '\"a\x01'" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *want = g_strdup_printf("JSON parse error, %s",
                                                cases[i].desc);

        g_assert_null(json_parse(cases[i].in, strlen(cases[i].in), &err));
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, ==, want);
    }
}

static void test_depth(void)
{
    g_autoptr(GString) ok = g_string_new(NULL);
    g_autoptr(GString) deep = g_string_new(NULL);
    g_autoptr(JsonValue) v = NULL;
    g_autoptr(GError) err = NULL;

    for (int i = 0; i < JSON_MAX_DEPTH; i++) {
        g_string_prepend_c(ok, '[');
        g_string_append_c(ok, ']');
    }
    v = json_parse(ok->str, ok->len, NULL);
    g_assert_nonnull(v);
    for (int i = 0; i < 100000; i++) {
        g_string_append_c(deep, '[');
    }
    g_string_append(deep, "{\"a\": ");
    for (int i = 0; i < 100000; i++) {
        g_string_append_c(deep, ']');
    }
    g_assert_null(json_parse(deep->str, deep->len, &err));
    g_assert_cmpstr(err->message, ==, "JSON nesting depth limit exceeded");
}

static void test_writer(void)
{
    g_autoptr(JsonValue) v = json_new_object();
    g_autofree char *s = NULL;

    json_object_set(v, "s", json_new_string("tab\there \x01 \"q\""));
    json_object_set(v, "d", json_new_double(0.25));
    json_object_set(v, "i", json_new_int(-5));
    json_object_set(v, "a", json_array_append(json_new_array(),
                                              json_new_bool(false)));
    json_object_set(v, "n", json_new_null());
    s = json_to_string(v);
    g_assert_cmpstr(s, ==, "{\"s\": \"tab\\there \\u0001 \\\"q\\\"\", "
                    "\"d\": 0.25, \"i\": -5, \"a\": [false], \"n\": null}");
}

static void collect(void *opaque, const char *text, size_t len,
                    const char *error)
{
    g_ptr_array_add(opaque, text ? g_strndup(text, len)
                                 : g_strdup_printf("<%s>", error));
}

static void test_streamer(void)
{
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    const char *in = "{\"a\": \"}{\\\"\"}\n  [1, {\"b\": [2]}]{\"c\"";
    JsonStreamer js;

    json_streamer_init(&js, collect, got);
    for (const char *p = in; *p; p++) {     /* byte by byte, as a socket */
        json_streamer_feed(&js, p, 1);
    }
    g_assert_cmpuint(got->len, ==, 2);
    g_assert_cmpstr(got->pdata[0], ==, "{\"a\": \"}{\\\"\"}");
    g_assert_cmpstr(got->pdata[1], ==, "[1, {\"b\": [2]}]");
    json_streamer_feed(&js, ": 1}\n} 42 \n", 11);
    g_assert_cmpuint(got->len, ==, 5);
    g_assert_cmpstr(got->pdata[2], ==, "{\"c\": 1}");
    g_assert_cmpstr(got->pdata[3], ==, "}");      /* stray: parse error */
    g_assert_cmpstr(got->pdata[4], ==, "42");
    json_streamer_destroy(&js);
}

/* A bad token: its error at once, input skipped to a bracket or brace. */
static void test_streamer_recovery(void)
{
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    const char *in = "{\"execute\": @ junk 'x'} {'a': 1}";
    JsonStreamer js;

    json_streamer_init(&js, collect, got);
    json_streamer_feed(&js, in, strlen(in));
    g_assert_cmpuint(got->len, ==, 3);
    g_assert_cmpstr(got->pdata[0], ==, "<JSON parse error, stray '@'>");
    g_assert_cmpstr(got->pdata[1], ==, "}");
    g_assert_cmpstr(got->pdata[2], ==, "{\"a\": 1}");
    json_streamer_feed(&js, "[1.5, 1.e]", 10);  /* the byte that breaks */
    g_assert_cmpstr(got->pdata[3], ==, "<JSON parse error, stray '1.e'>");
    g_assert_cmpuint(got->len, ==, 5);
    g_assert_cmpstr(got->pdata[4], ==, "]");
    json_streamer_destroy(&js);
}

static void test_streamer_too_long(void)
{
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *big = g_malloc(JSON_MAX_INPUT + 10);
    JsonStreamer js;

    memset(big, 'x', JSON_MAX_INPUT + 10);
    big[0] = '"';
    json_streamer_init(&js, collect, got);
    json_streamer_feed(&js, "[", 1);
    json_streamer_feed(&js, big, JSON_MAX_INPUT + 10);
    json_streamer_feed(&js, "\n{}", 3);
    /* as QEMU: the error, then the rest read afresh (a bare word here,
     * which json_parse() calls an invalid keyword) */
    g_assert_cmpuint(got->len, ==, 3);
    g_assert_cmpstr(got->pdata[0], ==, "<JSON token size limit exceeded>");
    g_assert_cmpstr(got->pdata[1], ==, "xxxxxxxxxx");
    g_assert_cmpstr(got->pdata[2], ==, "{}");
    json_streamer_destroy(&js);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/monitor/json/scalars", test_parse_scalars);
    g_test_add_func("/monitor/json/accessors", test_accessors);
    g_test_add_func("/monitor/json/malformed", test_malformed);
    g_test_add_func("/monitor/json/qemu-errors", test_qemu_errors);
    g_test_add_func("/monitor/json/depth", test_depth);
    g_test_add_func("/monitor/json/writer", test_writer);
    g_test_add_func("/monitor/json/streamer", test_streamer);
    g_test_add_func("/monitor/json/streamer-recovery",
                    test_streamer_recovery);
    g_test_add_func("/monitor/json/streamer-too-long", test_streamer_too_long);
    return g_test_run();
}
