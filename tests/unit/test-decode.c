/* SPDX-License-Identifier: MIT */
/*
 * x86 decoder and disassembler (cpu/x86/decode*.c, disas.c), checked
 * against Capstone 4.0.2.
 *
 * /cpu/x86/decode/maps: every opcode of the one-byte, 0F, 0F38 and 0F3A
 *   maps with every ModRM byte, without and with 66/F2/F3, in 16/32/64-bit.
 * /cpu/x86/decode/random/{16,32,64}: random byte streams; length and text
 *   must agree. Count: KESTREL_DECODE_RANDOM (default 10000000 per mode,
 *   about 20 s in all; test-decode-slow, in the 'slow' suite, and -m slow
 *   run 50000000 per mode).
 * Seed: KESTREL_SEED, else g_test's --seed; printed on failure.
 *
 * Where Capstone 4 is wrong or decodes beyond Kestrel's CPUs, the case is
 * matched by a named row of x86_deviations[] (test-decode-dev.c, documented
 * in docs/deviations.md) and counted; -v or KESTREL_DECODE_VERBOSE=1 prints
 * the counts and one example each. Everything else must match exactly
 * (test-decode-cs.c compares).
 */
#include "test-decode.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- every opcode, every ModRM, with and without prefixes ---- */

static void test_maps(void)
{
    static const uint8_t esc[4][3] = {
        { 0 }, { 0x0f }, { 0x0f, 0x38 }, { 0x0f, 0x3a },
    };
    static const uint8_t esc_len[4] = { 0, 1, 2, 2 };
    static const uint8_t pfx[] = { 0, 0x66, 0xf3, 0xf2, 0xf0 };
    guint64 failures = 0, n = 0;

    for (unsigned m = 0; m < 3; m++) {
        for (unsigned map = 0; map < 4; map++) {
            for (unsigned p = 0; p < G_N_ELEMENTS(pfx); p++) {
                for (unsigned op = 0; op < 256; op++) {
                    for (unsigned modrm = 0; modrm < 256; modrm++) {
                        uint8_t b[16] = { 0 };
                        unsigned k = 0;
                        if (pfx[p]) {
                            b[k++] = pfx[p];
                        }
                        memcpy(b + k, esc[map], esc_len[map]);
                        k += esc_len[map];
                        b[k++] = op;
                        b[k++] = modrm;
                        /* SIB, displacement, immediates */
                        for (unsigned j = k; j < 16; j++) {
                            b[j] = 0x11 * (j - k + 1);
                        }
                        case_check(modes[m], b, &failures);
                        n++;
                    }
                }
            }
        }
    }
    g_test_message("%" G_GUINT64_FORMAT " opcode/ModRM cases", n);
    report_deviations();
    fail_with_seed(failures, "maps");
}

/* ---- random byte streams ---- */

static guint64 random_count(void)
{
    const char *e = getenv("KESTREL_DECODE_RANDOM");

    if (e) {
        return g_ascii_strtoull(e, NULL, 0);
    }
#ifdef TEST_DECODE_SLOW
    return 50000000;
#else
    return g_test_slow() ? 50000000 : 10000000;
#endif
}

/* Random bytes, biased towards the escapes and prefixes */
static void random_stream(GRand *r, X86Mode mode, uint8_t *b)
{
    static const uint8_t pfx[] = { 0x66, 0xf2, 0xf3, 0x67, 0xf0, 0x26, 0x64 };
    uint32_t w = 0;

    for (unsigned i = 0; i < 16; i++) {
        if (!(i & 3)) {
            w = g_rand_int(r);
        }
        b[i] = w;
        w >>= 8;
    }
    switch (g_rand_int_range(r, 0, 8)) {
    case 1:
        b[0] = 0x0f;
        break;
    case 2:
        b[0] = 0x0f;
        b[1] = (b[1] & 1) ? 0x38 : 0x3a;
        break;
    case 3:
        b[0] = pfx[b[0] % G_N_ELEMENTS(pfx)];
        b[1] = 0x0f;
        break;
    case 4:
        if (mode == X86_MODE_64) {
            b[0] = 0x40 | (b[0] & 15);
        }
        break;
    case 5:
        b[0] = 0xd8 | (b[0] & 7);
        break;
    default:
        break;
    }
}

static void test_random(gconstpointer data)
{
    X86Mode mode = GPOINTER_TO_INT(data);
    guint64 n = random_count(), failures = 0;
    GRand *r = g_rand_new_with_seed_array((const guint32[]) {
        (guint32)test_seed, (guint32)(test_seed >> 32), mode }, 3);
    uint8_t b[16];

    for (guint64 i = 0; i < n; i++) {
        random_stream(r, mode, b);
        case_check(mode, b, &failures);
    }
    g_rand_free(r);
    g_test_message("mode %s: %" G_GUINT64_FORMAT " random streams",
                   mode_names[mode], n);
    report_deviations();
    fail_with_seed(failures, "random");
}

/* ---- the byte window: never past it, NEED_MORE when short ---- */

static void test_window(void)
{
    GRand *r = g_rand_new_with_seed(test_seed ^ 0x5a5a);
    uint8_t b[16];

    for (unsigned i = 0; i < 200000; i++) {
        X86Mode mode = modes[i % 3];
        X86Insn full, part;
        X86DecodeStatus st;

        random_stream(r, mode, b);
        st = x86_decode(&full, b, X86_MAX_INSN_LEN, mode);
        if (st != X86_DEC_OK) {
            continue;
        }
        g_assert_cmpuint(full.len, >=, 1);
        g_assert_cmpuint(full.len, <=, X86_MAX_INSN_LEN);
        for (unsigned avail = 0; avail <= full.len; avail++) {
            /* exactly @avail readable bytes: ASan catches an overread */
            uint8_t *w = g_memdup2(b, avail ? avail : 1);
            X86DecodeStatus s2 = x86_decode(&part, w, avail, mode);
            if (avail < full.len) {
                g_assert_cmpint(s2, ==, X86_DEC_NEED_MORE);
                g_assert_cmpuint(part.len, >, avail);
                g_assert_cmpuint(part.len, <=, full.len);
            } else {
                g_assert_cmpint(s2, ==, X86_DEC_OK);
                g_assert_cmpuint(part.len, ==, full.len);
                g_assert_cmpuint(part.mnem, ==, full.mnem);
            }
            g_free(w);
        }
    }
    g_rand_free(r);
}

/* ---- specific rules ---- */

static X86DecodeStatus dec(X86Insn *insn, X86Mode mode, const char *hex)
{
    uint8_t b[32];
    size_t n = 0;

    for (; hex[0] && hex[1]; hex += 2) {
        if (*hex == ' ') {
            hex--;
            continue;
        }
        b[n++] = g_ascii_xdigit_value(hex[0]) << 4 |
                 g_ascii_xdigit_value(hex[1]);
    }
    return x86_decode(insn, b, n, mode);
}

static const char *dis(X86Mode mode, const char *hex)
{
    static char buf[256];
    X86Insn insn;

    if (dec(&insn, mode, hex) != X86_DEC_OK) {
        return "(error)";
    }
    x86_disas(&insn, buf, sizeof(buf), 0x1000);
    return buf;
}

static void test_length_limit(void)
{
    X86Insn insn;

    /* 14 prefixes + NOP = 15 bytes: fine; 15 + NOP: #GP */
    g_assert_cmpint(dec(&insn, X86_MODE_32,
                        "6666666666666666666666666666" "90"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.len, ==, 15);
    g_assert_cmpint(dec(&insn, X86_MODE_32,
                        "666666666666666666666666666666" "90"), ==, X86_DEC_GP);
    /* 11 prefixes + 81 /0 with SIB, disp32 and imm32: 18 bytes */
    g_assert_cmpint(dec(&insn, X86_MODE_32,
                        "2626262626262626262626" "8184000000000000000000"),
                    ==, X86_DEC_GP);
    /* a short window is NEED_MORE, not #GP */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "8184"), ==, X86_DEC_NEED_MORE);
    g_assert_cmpuint(insn.len, ==, 3);
    g_assert_cmpint(dec(&insn, X86_MODE_32, ""), ==, X86_DEC_NEED_MORE);
}

static void test_invalid_by_mode(void)
{
    static const char *const inv64[] = {
        "06", "07", "0e", "16", "17", "1e", "1f", "27", "2f", "37", "3f",
        "60", "61", "6200", "ce", "d40a", "d50a", "d6", "9a000000000000",
        "ea000000000000", "8200c0", "c7f800000000",
    };
    X86Insn insn;

    for (unsigned i = 0; i < G_N_ELEMENTS(inv64); i++) {
        g_assert_cmpint(dec(&insn, X86_MODE_64, inv64[i]), ==, X86_DEC_UD);
        if (i < 20) {
            g_assert_cmpint(dec(&insn, X86_MODE_32, inv64[i]), ==, X86_DEC_OK);
        }
    }
    /* 40..4F: INC/DEC in 32-bit mode, REX in 64-bit mode */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "40"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_INC);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "4801c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.rex, ==, 0x48);
    g_assert_cmpuint(insn.op_size, ==, 8);
    /* C4/C5: LES/LDS with a memory operand outside 64-bit mode, else VEX */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "c400"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_LES);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "c5f858c0"), ==, X86_DEC_OK);
    g_assert_true(insn.flags & X86_IF_VEX);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_ADDPS);
    g_assert_cmpuint(insn.feature, ==, X86_FEAT_AVX);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "c400c0"), !=, X86_DEC_OK);
    /* 63: ARPL / MOVSXD */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "63c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_ARPL);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "4863c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_MOVSXD);
    /* SWAPGS only in 64-bit mode */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "0f01f8"), ==, X86_DEC_UD);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "0f01f8"), ==, X86_DEC_OK);
}

static void test_lock(void)
{
    X86Insn insn;

    g_assert_cmpint(dec(&insn, X86_MODE_32, "f00100"), ==, X86_DEC_OK);
    g_assert_true(insn.flags & X86_IF_LOCK);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f001c0"), ==, X86_DEC_UD);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f00300"), ==, X86_DEC_UD);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f03900"), ==, X86_DEC_UD);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f090"), ==, X86_DEC_UD);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f08700"), ==, X86_DEC_OK);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f00fc70e"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_CMPXCHG8B);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "f0480fc70e"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_CMPXCHG16B);
}

static void test_prefix_rules(void)
{
    X86Insn insn;

    /* last segment override wins */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "262e8b00"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.seg_override, ==, X86_SEG_CS);
    g_assert_cmpuint(insn.op[1].seg, ==, X86_SEG_CS);
    /* 64-bit: CS/DS/ES/SS overrides are ignored, FS/GS are not */
    g_assert_cmpint(dec(&insn, X86_MODE_64, "2e8b00"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.seg_override, ==, X86_SEG_NONE);
    g_assert_cmpuint(insn.seg_prefix, ==, X86_SEG_CS);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "648b00"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op[1].seg, ==, X86_SEG_FS);
    /* F2/F3: the last one is the mandatory prefix */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f2f30f58c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_ADDSS);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f3f20f58c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_ADDSD);
    /* F3 wins over 66 whatever the order */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f3660f58c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_ADDSS);
    /* 66 as mandatory prefix does not change the operand size */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "660f7ec0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op[0].size, ==, 4);
    /* REX not immediately before the opcode is ignored */
    g_assert_cmpint(dec(&insn, X86_MODE_64, "48660100"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op_size, ==, 2);
    g_assert_cmpuint(insn.rex, ==, 0);
    /* REP on string instructions; F3 90 is PAUSE */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f3a5"), ==, X86_DEC_OK);
    g_assert_true(insn.flags & X86_IF_REP);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f2ae"), ==, X86_DEC_OK);
    g_assert_true(insn.flags & X86_IF_REPNE);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f390"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_PAUSE);
}

static void test_operands(void)
{
    X86Insn insn;

    /* mov eax, [ebp + ebx*4 + 8]: SS default for an EBP base */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "8b449d08"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.nops, ==, 2);
    g_assert_cmpuint(insn.op[0].kind, ==, X86_OPND_REG);
    g_assert_cmpuint(insn.op[0].reg_class, ==, X86_RC_GPR);
    g_assert_cmpuint(insn.op[0].size, ==, 4);
    g_assert_cmpuint(insn.op[1].kind, ==, X86_OPND_MEM);
    g_assert_cmpint(insn.op[1].base, ==, X86_GPR_BP);
    g_assert_cmpint(insn.op[1].index, ==, X86_GPR_BX);
    g_assert_cmpuint(insn.op[1].scale, ==, 4);
    g_assert_cmpint(insn.op[1].disp, ==, 8);
    g_assert_cmpuint(insn.op[1].seg, ==, X86_SEG_SS);
    /* RIP-relative */
    g_assert_cmpint(dec(&insn, X86_MODE_64, "8b05f0ffffff"), ==, X86_DEC_OK);
    g_assert_cmpint(insn.op[1].base, ==, X86_GPR_RIP);
    g_assert_cmpint(insn.op[1].disp, ==, -16);
    g_assert_true(insn.flags & X86_IF_RIPREL);
    /* AH without REX, SPL with REX */
    g_assert_cmpint(dec(&insn, X86_MODE_64, "88e0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op[0].reg_class, ==, X86_RC_GPR);
    g_assert_cmpuint(insn.op[1].reg_class, ==, X86_RC_GPR8H);
    g_assert_cmpuint(insn.op[1].reg, ==, 0);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "4088e0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op[1].reg_class, ==, X86_RC_GPR);
    g_assert_cmpuint(insn.op[1].reg, ==, X86_GPR_SP);
    /* 16-bit: [bp + si - 2] */
    g_assert_cmpint(dec(&insn, X86_MODE_16, "8b42fe"), ==, X86_DEC_OK);
    g_assert_cmpint(insn.op[1].base, ==, X86_GPR_BP);
    g_assert_cmpint(insn.op[1].index, ==, X86_GPR_SI);
    g_assert_cmpint(insn.op[1].disp, ==, -2);
    /* immediates: sign-extended imm8, imm32 sign-extended to 64 */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "83c0ff"), ==, X86_DEC_OK);
    g_assert_cmphex(insn.op[1].imm, ==, 0xffffffff);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "4805ffffffff"), ==, X86_DEC_OK);
    g_assert_cmphex(insn.op[1].imm, ==, 0xffffffffffffffffull);
    /* relative and far targets */
    g_assert_cmpint(dec(&insn, X86_MODE_16, "e9fdff"), ==, X86_DEC_OK);
    g_assert_cmphex(x86_rel_target(&insn, 0xfff0), ==, 0xfff0);
    g_assert_cmpint(dec(&insn, X86_MODE_16, "ea5be000f0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op[0].kind, ==, X86_OPND_FAR);
    g_assert_cmphex(insn.op[0].far.sel, ==, 0xf000);
    g_assert_cmphex(insn.op[0].far.off, ==, 0xe05b);
    g_assert_true(insn.flags & X86_IF_END_TB);
    /* x87 */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "dcc1"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_FADD);
    g_assert_cmphex(insn.x87_fop, ==, 0x4c1);
    g_assert_cmpuint(insn.op[0].reg_class, ==, X86_RC_ST);
    g_assert_cmpuint(insn.op[0].reg, ==, 1);
    /* condition codes */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "0f4fc1"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_CMOVG);
    g_assert_cmpuint(insn.cc, ==, 15);
}

static void test_text(void)
{
    g_assert_cmpstr(dis(X86_MODE_32, "8b449d08"), ==,
                    "mov eax, dword ptr [ebp + ebx*4 + 8]");
    g_assert_cmpstr(dis(X86_MODE_16, "ea5be000f0"), ==, "ljmp 0xf000:0xe05b");
    g_assert_cmpstr(dis(X86_MODE_64, "f3a4"), ==,
                    "rep movsb byte ptr [rdi], byte ptr [rsi]");
    g_assert_cmpstr(dis(X86_MODE_32, "f00fb10a"), ==,
                    "lock cmpxchg dword ptr [edx], ecx");
}

static void test_in_asm_line(void)
{
    static const uint8_t b[] = { 0xea, 0x5b, 0xe0, 0x00, 0xf0 };
    static const uint8_t b64[] = { 0x48, 0x89, 0xe5 };
    X86Insn insn;
    char line[128];

    g_assert_cmpint(x86_decode(&insn, b, sizeof(b), X86_MODE_16), ==,
                    X86_DEC_OK);
    x86_format_in_asm_line(&insn, b, 0xffff0, line, sizeof(line));
    g_assert_cmpstr(line, ==, "0x000ffff0: ea 5b e0 00 f0  ljmp 0xf000:0xe05b");
    g_assert_cmpint(x86_decode(&insn, b64, sizeof(b64), X86_MODE_64), ==,
                    X86_DEC_OK);
    x86_format_in_asm_line(&insn, b64, 0xffffffff81000000ull, line,
                           sizeof(line));
    g_assert_cmpstr(line, ==, "0xffffffff81000000: 48 89 e5  mov rbp, rsp");
    /* truncation keeps a terminated string */
    g_assert_cmpint(x86_format_in_asm_line(&insn, b64, 0, line, 8), >, 8);
    g_assert_cmpuint(strlen(line), ==, 7);
}

static void test_names(void)
{
    g_assert_cmpstr(x86_mnemonic_name(X86_INSN_ADD), ==, "add");
    g_assert_cmpstr(x86_mnemonic_name(X86_INSN_MOVSD__SSE), ==, "movsd");
    g_assert_cmpint(x86_mnemonic_feature(X86_INSN_CMOVE), ==, X86_FEAT_CMOV);
    g_assert_cmpint(x86_mnemonic_feature(X86_INSN_PSHUFB), ==, X86_FEAT_SSSE3);
}

int main(int argc, char **argv)
{
    const char *seed_env = getenv("KESTREL_SEED");
    int ret;

    g_test_init(&argc, &argv, NULL);
    verbose = g_test_verbose() || getenv("KESTREL_DECODE_VERBOSE");
    test_seed = seed_env ? g_ascii_strtoull(seed_env, NULL, 0)
                         : ((guint64)g_test_rand_int() << 32) |
                           (guint32)g_test_rand_int();
    g_test_message("seed %" G_GUINT64_FORMAT " (set KESTREL_SEED to repeat)",
                   test_seed);
    for (unsigned m = 0; m < 3; m++) {
        static const cs_mode csm[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
        if (cs_open(CS_ARCH_X86, csm[m], &cs_handle[m]) != CS_ERR_OK) {
            g_error("cs_open failed");
        }
        cs_scratch[m] = cs_malloc(cs_handle[m]);
    }
    g_test_add_func("/cpu/x86/decode/length-limit", test_length_limit);
    g_test_add_func("/cpu/x86/decode/invalid-by-mode", test_invalid_by_mode);
    g_test_add_func("/cpu/x86/decode/lock", test_lock);
    g_test_add_func("/cpu/x86/decode/prefix-rules", test_prefix_rules);
    g_test_add_func("/cpu/x86/decode/operands", test_operands);
    g_test_add_func("/cpu/x86/decode/text", test_text);
    g_test_add_func("/cpu/x86/decode/in-asm-line", test_in_asm_line);
    g_test_add_func("/cpu/x86/decode/names", test_names);
    g_test_add_func("/cpu/x86/decode/window", test_window);
    g_test_add_func("/cpu/x86/decode/maps", test_maps);
    for (unsigned m = 0; m < 3; m++) {
        char *path = g_strdup_printf("/cpu/x86/decode/random/%s",
                                     mode_names[m]);
        g_test_add_data_func(path, GINT_TO_POINTER(modes[m]), test_random);
        g_free(path);
    }
    ret = g_test_run();
    for (unsigned m = 0; m < 3; m++) {
        cs_free(cs_scratch[m], 1);
        cs_close(&cs_handle[m]);
    }
    return ret;
}
