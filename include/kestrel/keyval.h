/* SPDX-License-Identifier: MIT */
/*
 * QEMU-style "key=value,key=value" option arguments, as -drive, -netdev,
 * -chardev, -machine, -smp, -boot and friends take them.
 *
 * A leading word without '=' is the value of an implied key (-netdev user
 * means type=user; -m 512 means size=512). ",," stands for a comma inside
 * a value. A later bare word "key" means key=on (QEMU's short-form
 * booleans). Duplicated keys: the last one wins, unless KV_NO_DUPLICATES.
 *
 * Every error message starts with the option and the offending text, e.g.
 * "-drive if=bogus: invalid value", so that system/ can print it after
 * "kestrel: " as one line. Used by system/options.c and the chardevs.
 */
#ifndef KESTREL_KEYVAL_H
#define KESTREL_KEYVAL_H

#include "kestrel/osdep.h"

typedef struct KvPair {
    char *key;
    char *value;
} KvPair;

typedef struct KvList {
    char *opt;                          /* "-drive", for messages */
    GPtrArray *pairs;                   /* KvPair *, in the given order */
} KvList;

#define KV_NO_DUPLICATES    (1u << 0)   /* a repeated key is an error */
#define KV_NO_IMPLIED       (1u << 1)   /* a leading bare word is an error */

/*
 * Parse str; a leading bare word becomes implied_key=WORD (NULL: the word
 * is a short-form boolean like any other). opt names the option in errors.
 */
KvList *kv_parse(const char *opt, const char *str, const char *implied_key,
                 unsigned flags, GError **errp);
void kv_free(KvList *kv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KvList, kv_free)

/* The last value given for key, or NULL. */
const char *kv_get(const KvList *kv, const char *key);
bool kv_has(const KvList *kv, const char *key);
/* Remove key (all occurrences); true if it was there. */
bool kv_remove(KvList *kv, const char *key);

/*
 * Reject keys not in allowed (NULL-terminated). A key "noFOO=on" where
 * FOO is allowed becomes FOO=off (QEMU's old "nowait", "noshutdown").
 */
bool kv_check_keys(KvList *kv, const char *const *allowed, GError **errp);

/* Typed getters: *out keeps its value when the key is absent. */
bool kv_get_bool(const KvList *kv, const char *key, bool *out,
                 GError **errp);
bool kv_get_u64(const KvList *kv, const char *key, uint64_t *out,
                GError **errp);
/* Sizes: bare numbers are in units of default_unit bytes. */
bool kv_get_size(const KvList *kv, const char *key, uint64_t default_unit,
                 uint64_t *out, GError **errp);
/* value must be one of choices (NULL-terminated); *out = its index. */
bool kv_get_enum(const KvList *kv, const char *key,
                 const char *const *choices, int *out, GError **errp);

/* The scalar parsers the getters use; false on bad input. */
bool kv_parse_bool(const char *str, bool *out);
/* Decimal or 0x hex, no sign, no junk, no overflow. */
bool kv_parse_u64(const char *str, uint64_t *out);
/* "512", "1.5G", "0x1000", "64k": suffixes B k/K M G T P E (powers of
 * 1024); a bare number is multiplied by default_unit. */
bool kv_parse_size(const char *str, uint64_t default_unit, uint64_t *out);

#endif /* KESTREL_KEYVAL_H */
