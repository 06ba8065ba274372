/* SPDX-License-Identifier: MIT */
/*
 * The decoder's fast path (cpu/x86/decode-fast.c, rows flattened by
 * decode-flat.c) against the generic walk (decode.c) it stands in for:
 * whatever the fast path takes must come out identical, field by field
 * (X86Insn is compared whole), to what the walk makes of the same bytes.
 * test-decode.c checks the walk's lengths and texts against Capstone.
 *
 * /cpu/x86/decode-fast/maps: every one-byte and 0F opcode with every
 * ModRM byte, under each of the prefixes 66, F2, F3, F0, 67, 64, 2E and a
 * REX, in 16/32/64-bit mode.
 * /cpu/x86/decode-fast/random/{16,32,64}: 2 million random streams per
 * mode, biased towards prefixes, REX and 0F; every fourth stream is cut
 * short to exercise NEED_MORE. KESTREL_SEED repeats a run.
 *
 * Windows of 32 bytes or more take x86_decode()'s entry for unprefixed
 * code, shorter ones its padded copy: both are run.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

#include <stdio.h>

static const X86Mode modes[3] = { X86_MODE_16, X86_MODE_32, X86_MODE_64 };
static guint64 test_seed;

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 3 * i, "%02x ", b[i]);
    }
}

/* Both ways on @avail bytes at @b (copied to an exactly sized buffer) */
static bool check(const uint8_t *b, size_t avail, X86Mode mode)
{
    g_autofree uint8_t *w = g_memdup2(b, avail ? avail : 1);
    X86Insn fast, walk;
    X86DecodeStatus sf, sw;
    char text[64];

    memset(&fast, 0xa5, sizeof(fast));
    memset(&walk, 0x5a, sizeof(walk));
    sf = x86_decode(&fast, w, avail, mode);
    sw = x86_decode_generic(&walk, w, avail, mode);
    if (sf == sw && (sf != X86_DEC_OK ||
                     !memcmp(&fast, &walk, sizeof(fast)))) {
        return true;
    }
    hex(text, b, MIN(avail, (size_t)15));
    g_test_message("mode %d, bytes %s: status %d/%d, len %u/%u, mnem %u/%u",
                   mode, text, sf, sw, fast.len, walk.len, fast.mnem,
                   walk.mnem);
    for (size_t i = 0; i < sizeof(fast); i++) {
        if (((uint8_t *)&fast)[i] != ((uint8_t *)&walk)[i]) {
            g_test_message("  first difference at byte %zu of X86Insn", i);
            break;
        }
    }
    return false;
}

static void test_maps(void)
{
    static const uint8_t pfx[] = { 0, 0x66, 0xf2, 0xf3, 0xf0, 0x67, 0x64,
                                   0x2e, 0x48 };
    unsigned failures = 0;

    for (unsigned m = 0; m < 3; m++) {
        for (unsigned p = 0; p < G_N_ELEMENTS(pfx); p++) {
            for (unsigned map = 0; map < 2; map++) {
                for (unsigned op = 0; op < 256; op++) {
                    for (unsigned modrm = 0; modrm < 256; modrm++) {
                        uint8_t b[32] = { 0 };
                        unsigned n = 0;
                        if (pfx[p] == 0x48 && modes[m] != X86_MODE_64) {
                            continue;
                        }
                        if (pfx[p]) {
                            b[n++] = pfx[p];
                        }
                        if (map) {
                            b[n++] = 0x0f;
                        }
                        b[n++] = op;
                        b[n++] = modrm;
                        /* SIB, displacement and immediates */
                        for (unsigned i = n; i < 32; i++) {
                            b[i] = 0x11 * (i + modrm);
                        }
                        failures += (!check(b, 32, modes[m]) ||
                                     !check(b, 15, modes[m])) &&
                                    failures < 20;
                    }
                }
            }
        }
    }
    g_assert_cmpuint(failures, ==, 0);
}

static void random_stream(GRand *r, X86Mode mode, uint8_t *b)
{
    static const uint8_t pfx[] = { 0x66, 0xf2, 0xf3, 0x67, 0xf0, 0x26, 0x64,
                                   0x65, 0x2e, 0x3e };
    unsigned n = 0;

    for (unsigned i = 0; i < 32; i++) {
        b[i] = g_rand_int(r);
    }
    while (n < 4 && g_rand_int_range(r, 0, 3) == 0) {
        b[n++] = pfx[g_rand_int_range(r, 0, G_N_ELEMENTS(pfx))];
    }
    if (mode == X86_MODE_64 && g_rand_boolean(r)) {
        b[n++] = 0x40 | g_rand_int_range(r, 0, 16);
    }
    if (g_rand_boolean(r)) {
        b[n] = 0x0f;
    }
}

static void test_random(gconstpointer data)
{
    X86Mode mode = GPOINTER_TO_INT(data);
    GRand *r = g_rand_new_with_seed(test_seed ^ mode);
    unsigned failures = 0;
    uint8_t b[32];

    for (unsigned i = 0; i < 2000000 && failures < 20; i++) {
        static const unsigned wide[4] = { 0, 15, 16, 32 };
        random_stream(r, mode, b);
        failures += !check(b, i & 3 ? wide[i & 3]
                                    : g_rand_int_range(r, 0, 16), mode);
    }
    g_rand_free(r);
    if (failures) {
        g_test_message("reproduce with KESTREL_SEED=%" G_GUINT64_FORMAT,
                       test_seed);
    }
    g_assert_cmpuint(failures, ==, 0);
}

int main(int argc, char **argv)
{
    const char *seed = getenv("KESTREL_SEED");

    g_test_init(&argc, &argv, NULL);
    test_seed = seed ? g_ascii_strtoull(seed, NULL, 0)
                     : (guint64)(guint32)g_test_rand_int() << 32 |
                       (guint32)g_test_rand_int();
    g_test_message("seed %" G_GUINT64_FORMAT " (set KESTREL_SEED to repeat)",
                   test_seed);
    g_test_add_func("/cpu/x86/decode-fast/maps", test_maps);
    for (unsigned m = 0; m < 3; m++) {
        char *path = g_strdup_printf("/cpu/x86/decode-fast/random/%d",
                                     16 << m);
        g_test_add_data_func(path, GINT_TO_POINTER(modes[m]), test_random);
        g_free(path);
    }
    return g_test_run();
}
