/* SPDX-License-Identifier: MIT */
/*
 * The one parser for QEMU-style "key=value,..." option arguments (see
 * include/kestrel/keyval.h for the rules). system/options.c and the
 * chardevs call it; typed getters turn values into booleans, numbers,
 * sizes and enums with messages that name the option, key and value.
 * Missing: QEMU's dotted-key nesting (a.b=x is kept as the flat key "a.b")
 * and list syntax (key.0=...).
 */
#include "kestrel/osdep.h"
#include "kestrel/keyval.h"

typedef struct KvSuffix {
    char letter;
    unsigned shift;
} KvSuffix;

static const KvSuffix kv_suffixes[] = {
    { 'b', 0 },  { 'k', 10 }, { 'm', 20 }, { 'g', 30 },
    { 't', 40 }, { 'p', 50 }, { 'e', 60 },
};

static const struct {
    const char *name;
    bool value;
} kv_bools[] = {
    { "on", true },   { "yes", true },  { "true", true },   { "y", true },
    { "off", false }, { "no", false },  { "false", false }, { "n", false },
};

static void kv_pair_free(gpointer p)
{
    KvPair *pair = p;

    g_free(pair->key);
    g_free(pair->value);
    g_free(pair);
}

void kv_free(KvList *kv)
{
    if (kv) {
        g_ptr_array_unref(kv->pairs);
        g_free(kv->opt);
        g_free(kv);
    }
}

static bool kv_key_char_ok(char c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* Copy a value up to a lone ',' (",," becomes ','); return the end. */
static const char *kv_scan_value(const char *p, GString *out)
{
    while (*p) {
        if (*p == ',') {
            if (p[1] != ',') {
                break;
            }
            p++;
        }
        g_string_append_c(out, *p++);
    }
    return p;
}

static bool kv_add(KvList *kv, const char *key, const char *value,
                   unsigned flags, GError **errp)
{
    KvPair *pair;

    if (!*key) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s =%s: empty key", kv->opt, value);
        return false;
    }
    for (const char *c = key; *c; c++) {
        if (!kv_key_char_ok(*c)) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "%s %s: invalid key", kv->opt, key);
            return false;
        }
    }
    if ((flags & KV_NO_DUPLICATES) && kv_has(kv, key)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s %s=%s: '%s' given twice", kv->opt, key, value, key);
        return false;
    }
    pair = g_new0(KvPair, 1);
    pair->key = g_strdup(key);
    pair->value = g_strdup(value);
    g_ptr_array_add(kv->pairs, pair);
    return true;
}

KvList *kv_parse(const char *opt, const char *str, const char *implied_key,
                 unsigned flags, GError **errp)
{
    g_autoptr(KvList) kv = g_new0(KvList, 1);
    const char *p = str;

    kv->opt = g_strdup(opt);
    kv->pairs = g_ptr_array_new_with_free_func(kv_pair_free);
    while (*p) {
        g_autoptr(GString) key = g_string_new(NULL);
        g_autoptr(GString) value = g_string_new(NULL);
        bool first = p == str;

        if (*p == ',') {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "%s %s: empty parameter", opt, str);
            return NULL;
        }
        /* A key runs to '=' or ','; a bare word has no '='. */
        while (*p && *p != '=' && *p != ',') {
            g_string_append_c(key, *p++);
        }
        if (*p == '=') {
            p = kv_scan_value(p + 1, value);
        } else if (first && implied_key && !(flags & KV_NO_IMPLIED)) {
            g_string_truncate(key, 0);
            p = kv_scan_value(str, value);
            g_string_assign(key, implied_key);
        } else if (first && (flags & KV_NO_IMPLIED)) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "%s %s: expected key=value", opt, key->str);
            return NULL;
        } else {
            g_string_assign(value, "on");
        }
        if (!kv_add(kv, key->str, value->str, flags, errp)) {
            return NULL;
        }
        if (*p == ',') {
            p++;                        /* a trailing comma is allowed */
        }
    }
    return g_steal_pointer(&kv);
}

static const KvPair *kv_find(const KvList *kv, const char *key)
{
    for (guint i = kv->pairs->len; i > 0; i--) {
        const KvPair *pair = g_ptr_array_index(kv->pairs, i - 1);

        if (!strcmp(pair->key, key)) {
            return pair;
        }
    }
    return NULL;
}

const char *kv_get(const KvList *kv, const char *key)
{
    const KvPair *pair = kv_find(kv, key);

    return pair ? pair->value : NULL;
}

bool kv_has(const KvList *kv, const char *key)
{
    return kv_find(kv, key) != NULL;
}

bool kv_remove(KvList *kv, const char *key)
{
    bool found = false;

    for (guint i = kv->pairs->len; i > 0; i--) {
        const KvPair *pair = g_ptr_array_index(kv->pairs, i - 1);

        if (!strcmp(pair->key, key)) {
            g_ptr_array_remove_index(kv->pairs, i - 1);
            found = true;
        }
    }
    return found;
}

static bool kv_allowed(const char *const *allowed, const char *key)
{
    return g_strv_contains(allowed, key);
}

bool kv_check_keys(KvList *kv, const char *const *allowed, GError **errp)
{
    for (guint i = 0; i < kv->pairs->len; i++) {
        KvPair *pair = g_ptr_array_index(kv->pairs, i);

        if (kv_allowed(allowed, pair->key)) {
            continue;
        }
        if (g_str_has_prefix(pair->key, "no") && !strcmp(pair->value, "on")
            && kv_allowed(allowed, pair->key + 2)) {
            char *key = g_strdup(pair->key + 2);

            g_free(pair->key);
            g_free(pair->value);
            pair->key = key;
            pair->value = g_strdup("off");
            continue;
        }
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s %s=%s: unknown key '%s'", kv->opt, pair->key,
                    pair->value, pair->key);
        return false;
    }
    return true;
}

bool kv_parse_bool(const char *str, bool *out)
{
    for (size_t i = 0; i < G_N_ELEMENTS(kv_bools); i++) {
        if (!strcmp(str, kv_bools[i].name)) {
            *out = kv_bools[i].value;
            return true;
        }
    }
    return false;
}

bool kv_parse_u64(const char *str, uint64_t *out)
{
    unsigned base = 10;
    const char *p = str;
    uint64_t val = 0;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!*p) {
        return false;
    }
    for (; *p; p++) {
        int digit = g_ascii_xdigit_value(*p);

        if (digit < 0 || digit >= (int)base
            || val > (UINT64_MAX - digit) / base) {
            return false;
        }
        val = val * base + digit;
    }
    *out = val;
    return true;
}

static bool kv_size_suffix(char c, unsigned *shift)
{
    for (size_t i = 0; i < G_N_ELEMENTS(kv_suffixes); i++) {
        if (g_ascii_tolower(c) == kv_suffixes[i].letter) {
            *shift = kv_suffixes[i].shift;
            return true;
        }
    }
    return false;
}

bool kv_parse_size(const char *str, uint64_t default_unit, uint64_t *out)
{
    g_autofree char *num = g_strdup(str);
    size_t len = strlen(num);
    uint64_t unit = default_unit, whole;
    unsigned shift;
    char *dot;
    double frac = 0;

    if (len > 1 && kv_size_suffix(num[len - 1], &shift)
        && !g_str_has_prefix(num, "0x")) {
        unit = UINT64_C(1) << shift;
        num[--len] = '\0';
    }
    dot = strchr(num, '.');
    if (dot) {
        /* "1.5G": a decimal fraction of the unit, digits only. */
        if (!dot[1] || strspn(dot + 1, "0123456789") != strlen(dot + 1)) {
            return false;
        }
        frac = g_ascii_strtod(dot, NULL);
        *dot = '\0';
    }
    if (!kv_parse_u64(num, &whole) || (dot && g_str_has_prefix(num, "0x"))) {
        return false;
    }
    if (whole > UINT64_MAX / unit) {
        return false;
    }
    if (frac * unit >= (double)(UINT64_MAX - whole * unit)) {
        return false;
    }
    *out = whole * unit + (uint64_t)(frac * unit);
    return true;
}

bool kv_get_bool(const KvList *kv, const char *key, bool *out, GError **errp)
{
    const char *val = kv_get(kv, key);

    if (val && !kv_parse_bool(val, out)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s %s=%s: invalid boolean (use on or off)",
                    kv->opt, key, val);
        return false;
    }
    return true;
}

bool kv_get_u64(const KvList *kv, const char *key, uint64_t *out,
                GError **errp)
{
    const char *val = kv_get(kv, key);

    if (val && !kv_parse_u64(val, out)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s %s=%s: invalid number", kv->opt, key, val);
        return false;
    }
    return true;
}

bool kv_get_size(const KvList *kv, const char *key, uint64_t default_unit,
                 uint64_t *out, GError **errp)
{
    const char *val = kv_get(kv, key);

    if (val && !kv_parse_size(val, default_unit, out)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "%s %s=%s: invalid size", kv->opt, key, val);
        return false;
    }
    return true;
}

bool kv_get_enum(const KvList *kv, const char *key,
                 const char *const *choices, int *out, GError **errp)
{
    const char *val = kv_get(kv, key);
    g_autofree char *list = NULL;

    if (!val) {
        return true;
    }
    for (int i = 0; choices[i]; i++) {
        if (!strcmp(val, choices[i])) {
            *out = i;
            return true;
        }
    }
    list = g_strjoinv(", ", (char **)choices);
    g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                "%s %s=%s: invalid value (expected %s)",
                kv->opt, key, val, list);
    return false;
}
