/* SPDX-License-Identifier: MIT */
/*
 * The decoder's Capstone check (test-decode.c): one case through
 * x86_decode()/x86_disas() and Capstone 4 (no detail), compared by length
 * and text; a mismatch goes to the named deviations (test-decode-dev.c),
 * else it is printed (a few of each kind) and counted.
 */
#include "test-decode.h"

#include <stdio.h>

csh cs_handle[3];
cs_insn *cs_scratch[3];
guint64 test_seed;
bool verbose;
static unsigned max_failures_shown = 60;

const X86Mode modes[3] = { X86_MODE_16, X86_MODE_32, X86_MODE_64 };
const char *const mode_names[3] = { "16", "32", "64" };

static void case_run(Case *c, X86Mode mode, const uint8_t *bytes)
{
    cs_insn *ci = cs_scratch[mode];
    const uint8_t *p = bytes;
    size_t size = X86_MAX_INSN_LEN;
    uint64_t addr = 0x1000;

    c->mode = mode;
    c->bytes = bytes;
    c->st = x86_decode(&c->insn, bytes, X86_MAX_INSN_LEN, mode);
    if (c->st == X86_DEC_OK) {
        x86_disas(&c->insn, c->ours, sizeof(c->ours), 0x1000);
    } else {
        c->ours[0] = 0;
    }
    c->cs_ok = cs_disasm_iter(cs_handle[mode], &p, &size, &addr, ci);
    if (c->cs_ok) {
        c->cs_len = ci->size;
        g_strlcpy(c->cs_mnem, ci->mnemonic, sizeof(c->cs_mnem));
        snprintf(c->cs_text, sizeof(c->cs_text), "%s%s%s", ci->mnemonic,
                 ci->op_str[0] ? " " : "", ci->op_str);
    } else {
        c->cs_len = 0;
        c->cs_mnem[0] = c->cs_text[0] = 0;
    }
}

bool case_agrees(const Case *c)
{
    if (c->st != X86_DEC_OK || !c->cs_ok) {
        return c->st != X86_DEC_OK && !c->cs_ok;
    }
    return c->insn.len == c->cs_len && !strcmp(c->ours, c->cs_text);
}

static void case_describe(const Case *c, char *buf, size_t len)
{
    GString *s = g_string_new(NULL);
    unsigned n = c->st == X86_DEC_OK ? c->insn.len : MAX(c->cs_len, 4);

    g_string_append_printf(s, "mode %s bytes", mode_names[c->mode]);
    for (unsigned i = 0; i < n && i < X86_MAX_INSN_LEN; i++) {
        g_string_append_printf(s, " %02x", c->bytes[i]);
    }
    g_string_append_printf(s, ": ours st=%d len=%u \"%s\"; capstone ",
                           c->st, c->insn.len, c->ours);
    if (c->cs_ok) {
        g_string_append_printf(s, "len=%u \"%s\"", c->cs_len, c->cs_text);
    } else {
        g_string_append(s, "invalid");
    }
    g_strlcpy(buf, s->str, len);
    g_string_free(s, true);
}

/* Returns true if the case passes (possibly through a deviation) */
bool case_check(X86Mode mode, const uint8_t *bytes, guint64 *failures)
{
    Case c;
    char desc[512];

    case_run(&c, mode, bytes);
    if (case_agrees(&c)) {
        return true;
    }
    case_describe(&c, desc, sizeof(desc));
    if (deviation_match(&c, desc)) {
        return true;
    }
    (*failures)++;
    {
        /* show a few of each kind */
        static GHashTable *shown;
        char *key = g_strdup_printf("%d/%s/%s", c.mode,
                                    x86_mnemonic_name(c.insn.mnem), c.cs_mnem);
        unsigned k;
        if (!shown) {
            shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        }
        k = GPOINTER_TO_UINT(g_hash_table_lookup(shown, key));
        if (k < 2 && g_hash_table_size(shown) < max_failures_shown) {
            fprintf(stderr, "# MISMATCH %s\n", desc);
        }
        g_hash_table_insert(shown, key, GUINT_TO_POINTER(k + 1));
    }
    return false;
}

void fail_with_seed(guint64 failures, const char *what)
{
    if (failures) {
        fprintf(stderr, "# %s: %" G_GUINT64_FORMAT " mismatches; "
                "reproduce with KESTREL_SEED=%" G_GUINT64_FORMAT "\n",
                what, failures, test_seed);
    }
    g_assert_cmpuint(failures, ==, 0);
}
