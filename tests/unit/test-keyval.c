/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for system/keyval.c: splitting, implied keys, escapes,
 * short-form booleans, duplicates, unknown keys, and the typed getters
 * (booleans, numbers, sizes, enums), with the bad inputs users type.
 */
#include "kestrel/osdep.h"
#include "kestrel/keyval.h"

static KvList *parse_ok(const char *str, const char *implied, unsigned flags)
{
    GError *err = NULL;
    KvList *kv = kv_parse("-opt", str, implied, flags, &err);

    g_assert_no_error(err);
    g_assert_nonnull(kv);
    return kv;
}

static void parse_bad(const char *str, const char *implied, unsigned flags,
                      const char *expect)
{
    GError *err = NULL;
    KvList *kv = kv_parse("-opt", str, implied, flags, &err);

    g_assert_null(kv);
    g_assert_error(err, KS_ERROR, KS_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==, expect);
    g_error_free(err);
}

static void test_basic(void)
{
    g_autoptr(KvList) kv = parse_ok("file=a.img,if=ide,index=1", NULL, 0);

    g_assert_cmpuint(kv->pairs->len, ==, 3);
    g_assert_cmpstr(kv_get(kv, "file"), ==, "a.img");
    g_assert_cmpstr(kv_get(kv, "if"), ==, "ide");
    g_assert_cmpstr(kv_get(kv, "index"), ==, "1");
    g_assert_null(kv_get(kv, "media"));
    g_assert_true(kv_has(kv, "if"));
    g_assert_true(kv_remove(kv, "if"));
    g_assert_false(kv_has(kv, "if"));
    g_assert_false(kv_remove(kv, "if"));
}

static void test_implied(void)
{
    g_autoptr(KvList) net = parse_ok("user,id=n0,restrict", "type", 0);
    g_autoptr(KvList) mem = parse_ok("512", "size", 0);
    g_autoptr(KvList) keyed = parse_ok("size=1G", "size", 0);
    g_autoptr(KvList) noimp = parse_ok("server,id=x", NULL, 0);

    g_assert_cmpstr(kv_get(net, "type"), ==, "user");
    g_assert_cmpstr(kv_get(net, "id"), ==, "n0");
    g_assert_cmpstr(kv_get(net, "restrict"), ==, "on");
    g_assert_cmpstr(kv_get(mem, "size"), ==, "512");
    g_assert_cmpstr(kv_get(keyed, "size"), ==, "1G");
    g_assert_cmpstr(kv_get(noimp, "server"), ==, "on");
    parse_bad("a.img,if=ide", "file", KV_NO_IMPLIED,
              "-opt a.img: expected key=value");
}

static void test_escape(void)
{
    g_autoptr(KvList) kv = parse_ok("file=a,,b.img,id=d0", NULL, 0);
    g_autoptr(KvList) imp = parse_ok("x,,y,,,z=1", "path", 0);
    g_autoptr(KvList) empty = parse_ok("", "type", 0);
    g_autoptr(KvList) trail = parse_ok("a=1,", NULL, 0);
    g_autoptr(KvList) eq = parse_ok("append=root=/dev/sda", NULL, 0);
    g_autoptr(KvList) blank = parse_ok("name=", NULL, 0);

    g_assert_cmpstr(kv_get(kv, "file"), ==, "a,b.img");
    g_assert_cmpstr(kv_get(kv, "id"), ==, "d0");
    g_assert_cmpstr(kv_get(imp, "path"), ==, "x,y,");
    g_assert_cmpstr(kv_get(imp, "z"), ==, "1");
    g_assert_cmpuint(empty->pairs->len, ==, 0);
    g_assert_cmpuint(trail->pairs->len, ==, 1);
    g_assert_cmpstr(kv_get(eq, "append"), ==, "root=/dev/sda");
    g_assert_cmpstr(kv_get(blank, "name"), ==, "");
}

static void test_bad_syntax(void)
{
    parse_bad("=x", NULL, 0, "-opt =x: empty key");
    parse_bad(",a=1", NULL, 0, "-opt ,a=1: empty parameter");
    parse_bad("a=1,=2", NULL, 0, "-opt =2: empty key");
    parse_bad("a b=1", NULL, 0, "-opt a b: invalid key");
    parse_bad("a=1,a=2", NULL, KV_NO_DUPLICATES,
              "-opt a=2: 'a' given twice");
}

static void test_duplicates(void)
{
    g_autoptr(KvList) kv = parse_ok("a=1,b=2,a=3", NULL, 0);

    g_assert_cmpstr(kv_get(kv, "a"), ==, "3");
    g_assert_cmpuint(kv->pairs->len, ==, 3);
}

static void test_check_keys(void)
{
    static const char *const allowed[] = { "id", "server", "wait", NULL };
    g_autoptr(KvList) ok = parse_ok("id=c0,server,nowait", NULL, 0);
    g_autoptr(KvList) bad = parse_ok("id=c0,speed=9600", NULL, 0);
    g_autoptr(KvList) nobad = parse_ok("nospeed", NULL, 0);
    GError *err = NULL;
    bool b = true;

    g_assert_true(kv_check_keys(ok, allowed, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(kv_get(ok, "wait"), ==, "off");
    g_assert_true(kv_get_bool(ok, "wait", &b, &err));
    g_assert_false(b);

    g_assert_false(kv_check_keys(bad, allowed, &err));
    g_assert_cmpstr(err->message, ==,
                    "-opt speed=9600: unknown key 'speed'");
    g_clear_error(&err);
    g_assert_false(kv_check_keys(nobad, allowed, &err));
    g_assert_cmpstr(err->message, ==,
                    "-opt nospeed=on: unknown key 'nospeed'");
    g_clear_error(&err);
}

static void test_bool(void)
{
    static const struct {
        const char *str;
        bool ok, val;
    } cases[] = {
        { "on", true, true },    { "off", true, false },
        { "yes", true, true },   { "no", true, false },
        { "true", true, true },  { "false", true, false },
        { "y", true, true },     { "n", true, false },
        { "ON", false, false },  { "1", false, false },
        { "", false, false },    { "maybe", false, false },
    };
    g_autoptr(KvList) kv = parse_ok("snapshot=maybe", NULL, 0);
    GError *err = NULL;
    bool b = true;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        bool v = !cases[i].val;

        g_assert_cmpint(kv_parse_bool(cases[i].str, &v), ==, cases[i].ok);
        if (cases[i].ok) {
            g_assert_cmpint(v, ==, cases[i].val);
        }
    }
    g_assert_false(kv_get_bool(kv, "snapshot", &b, &err));
    g_assert_cmpstr(err->message, ==,
                    "-opt snapshot=maybe: invalid boolean (use on or off)");
    g_clear_error(&err);
    g_assert_true(kv_get_bool(kv, "absent", &b, &err));
    g_assert_true(b);
}

static void test_u64(void)
{
    static const struct {
        const char *str;
        bool ok;
        uint64_t val;
    } cases[] = {
        { "0", true, 0 },          { "42", true, 42 },
        { "0x1f", true, 31 },      { "0XFF", true, 255 },
        { "18446744073709551615", true, UINT64_MAX },
        { "0xffffffffffffffff", true, UINT64_MAX },
        { "18446744073709551616", false, 0 },
        { "0x10000000000000000", false, 0 },
        { "", false, 0 },          { "0x", false, 0 },
        { "-1", false, 0 },        { "+1", false, 0 },
        { "12a", false, 0 },       { " 1", false, 0 },
        { "1.0", false, 0 },       { "0xg", false, 0 },
    };
    g_autoptr(KvList) kv = parse_ok("index=two", NULL, 0);
    GError *err = NULL;
    uint64_t v;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(kv_parse_u64(cases[i].str, &v), ==, cases[i].ok);
        if (cases[i].ok) {
            g_assert_cmpuint(v, ==, cases[i].val);
        }
    }
    g_assert_false(kv_get_u64(kv, "index", &v, &err));
    g_assert_cmpstr(err->message, ==, "-opt index=two: invalid number");
    g_clear_error(&err);
}

static void test_size(void)
{
    static const struct {
        const char *str;
        uint64_t unit;
        bool ok;
        uint64_t val;
    } cases[] = {
        { "512", 1 << 20, true, 512ull << 20 },
        { "1G", 1 << 20, true, 1ull << 30 },
        { "1g", 1 << 20, true, 1ull << 30 },
        { "64k", 1, true, 65536 },
        { "64K", 1, true, 65536 },
        { "100", 1, true, 100 },
        { "100B", 1 << 20, true, 100 },
        { "2T", 1, true, 2ull << 40 },
        { "1.5G", 1, true, 3ull << 29 },
        { "0.5M", 1, true, 512 << 10 },
        { "0x1000", 1, true, 4096 },
        { "16E", 1, false, 0 },
        { "15E", 1, true, 15ull << 60 },
        { "lots", 1 << 20, false, 0 },
        { "", 1, false, 0 },
        { "G", 1, false, 0 },
        { "1X", 1, false, 0 },
        { "1GG", 1, false, 0 },
        { "-1G", 1, false, 0 },
        { "1.G", 1, false, 0 },
        { "1.5.5G", 1, false, 0 },
        { "1.-5G", 1, false, 0 },
        { "0x1.5G", 1, false, 0 },
        { "99999999999999999999", 1, false, 0 },
    };
    g_autoptr(KvList) kv = parse_ok("size=lots", NULL, 0);
    GError *err = NULL;
    uint64_t v;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        bool ok = kv_parse_size(cases[i].str, cases[i].unit, &v);

        if (ok != cases[i].ok) {
            g_error("size '%s': expected %s", cases[i].str,
                    cases[i].ok ? "success" : "failure");
        }
        if (ok) {
            g_assert_cmpuint(v, ==, cases[i].val);
        }
    }
    g_assert_false(kv_get_size(kv, "size", 1, &v, &err));
    g_assert_cmpstr(err->message, ==, "-opt size=lots: invalid size");
    g_clear_error(&err);
}

static void test_enum(void)
{
    static const char *const ifs[] = { "ide", "floppy", "none", NULL };
    g_autoptr(KvList) kv = parse_ok("if=floppy,media=x", NULL, 0);
    g_autoptr(KvList) bad = parse_ok("if=bogus", NULL, 0);
    GError *err = NULL;
    int v = -1;

    g_assert_true(kv_get_enum(kv, "if", ifs, &v, &err));
    g_assert_cmpint(v, ==, 1);
    g_assert_true(kv_get_enum(kv, "absent", ifs, &v, &err));
    g_assert_cmpint(v, ==, 1);
    g_assert_false(kv_get_enum(bad, "if", ifs, &v, &err));
    g_assert_cmpstr(err->message, ==,
                    "-opt if=bogus: invalid value (expected ide, floppy, "
                    "none)");
    g_clear_error(&err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/system/keyval/basic", test_basic);
    g_test_add_func("/system/keyval/implied", test_implied);
    g_test_add_func("/system/keyval/escape", test_escape);
    g_test_add_func("/system/keyval/bad-syntax", test_bad_syntax);
    g_test_add_func("/system/keyval/duplicates", test_duplicates);
    g_test_add_func("/system/keyval/check-keys", test_check_keys);
    g_test_add_func("/system/keyval/bool", test_bool);
    g_test_add_func("/system/keyval/u64", test_u64);
    g_test_add_func("/system/keyval/size", test_size);
    g_test_add_func("/system/keyval/enum", test_enum);
    return g_test_run();
}
