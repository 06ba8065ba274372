/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the option parser (system/keyval.c): the input,
 * cut at its first NUL, is parsed as an option argument in each flags
 * combination, with and without an implied key; every result goes through
 * the typed getters, kv_check_keys and kv_remove, and the scalar parsers
 * get the raw text too. Errors are fine; crashes, leaks and UB are not.
 * Built by `make fuzz` (scripts/build-fuzz); run e.g.
 * ./fuzz-keyval -max_len=512 -dict=... corpus/
 */
#include "kestrel/osdep.h"
#include "kestrel/keyval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_keys[] = {
    "id", "file", "if", "size", "format", "readonly", "type", "port",
    "server", "wait", NULL,
};
static const char *const fuzz_choices[] = { "ide", "floppy", "none", NULL };

static void fuzz_getters(KvList *kv)
{
    bool b = false;
    uint64_t u = 0;
    int e = 0;

    for (size_t i = 0; fuzz_keys[i]; i++) {
        kv_get(kv, fuzz_keys[i]);
        kv_has(kv, fuzz_keys[i]);
    }
    for (unsigned i = 0; i < 4; i++) {
        GError *err = NULL;
        const char *key = fuzz_keys[i * 2];

        if (!kv_get_bool(kv, key, &b, &err) ||
            !kv_get_u64(kv, key, &u, &err) ||
            !kv_get_size(kv, key, 1 << (i * 10), &u, &err) ||
            !kv_get_enum(kv, key, fuzz_choices, &e, &err)) {
            g_assert(err && err->message);
            g_error_free(err);
        }
    }
    {
        GError *err = NULL;

        if (!kv_check_keys(kv, fuzz_keys, &err)) {
            g_assert(err);
            g_error_free(err);
        }
    }
    kv_remove(kv, "id");
    g_assert(!kv_has(kv, "id"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *str = g_strndup((const char *)data, size);
    bool b;
    uint64_t u;

    kv_parse_bool(str, &b);
    kv_parse_u64(str, &u);
    kv_parse_size(str, 1, &u);
    kv_parse_size(str, 1 << 20, &u);
    for (unsigned flags = 0; flags < 4; flags++) {
        for (int implied = 0; implied < 2; implied++) {
            GError *err = NULL;
            KvList *kv = kv_parse("-fuzz", str, implied ? "type" : NULL,
                                  flags, &err);

            if (!kv) {
                g_assert(err && g_str_has_prefix(err->message, "-fuzz"));
                g_error_free(err);
                continue;
            }
            fuzz_getters(kv);
            kv_free(kv);
        }
    }
    return 0;
}
