/* SPDX-License-Identifier: MIT */
/*
 * diff-run --emit-guest FILE (diff-emit.c): a sequence and the reference
 * runner's final state as a guest test in the style of tests/guest (a
 * nasm BIOS image on tests/guest/lib/guest.inc), so that a mismatch
 * becomes a regression test: copy FILE into tests/guest and add it to
 * tests/guest/meson.build.
 *
 * The test goes to flat 32-bit protected mode (CR0.NE, CR4.OSFXSR and
 * OSXMMEXCPT set, as diff-kestrel.c does), copies the scratch and stack
 * pages to DE_MEM and DE_STACK, loads the FXSAVE image, the flags and the
 * registers (EDI = the scratch page, ESP = DG_STACK_START in the stack
 * page), runs the bytes in place, saves the state and checks what the
 * comparator (diff-cmp.c) checks: the registers but EDI, the flags the
 * generator's tables define at the end, FCW, FSW (C0-C3 where defined),
 * the abridged tag word, MXCSR, ST0-ST7, XMM0-7, and both pages (the
 * expected pages are the inputs patched where the reference wrote).
 * Missing: the 16- and 64-bit classes, a reference that ends in an
 * exception, transcendentals (their ULP tolerance).
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "cpu/x86/insn.h"
#include "diff-emit.h"

#define DE_MEM      0x20000
#define DE_STACK    (DE_MEM + DG_MEM_SIZE)
#define DE_EXP      0x30000             /* the expected pages */
#define DE_OUT      0x40000             /* EAX..EDI, then EFLAGS */
#define DE_FX       0x40100             /* FXSAVE of the final state */

static const char *const de_regs[8] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
};

static void de_bytes(FILE *f, const char *label, const uint8_t *b,
                     unsigned n)
{
    fprintf(f, "%s:", label);
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%s0x%02x", i % 16 ? ", " : "\n    db ", b[i]);
    }
    fprintf(f, "\n");
}

/* Copy @n bytes from ROM @label to @dst (and to @exp, patched where
 * @out differs from @in) */
static void de_page(FILE *f, const char *label, unsigned dst, unsigned exp,
                    const uint8_t *in, const uint8_t *out, unsigned n)
{
    fprintf(f, "    mov esi, %s + 0xf0000\n    mov edi, 0x%x\n"
            "    mov ecx, %u\n    rep movsb\n", label, dst, n);
    fprintf(f, "    mov esi, %s + 0xf0000\n    mov edi, 0x%x\n"
            "    mov ecx, %u\n    rep movsb\n", label, exp, n);
    for (unsigned i = 0; i < n; i++) {
        if (in[i] != out[i]) {
            fprintf(f, "    mov byte [0x%x], 0x%02x\n", exp + i, out[i]);
        }
    }
}

static void de_check(FILE *f, const char *size, unsigned addr, uint64_t v,
                     const char *what)
{
    fprintf(f, "    CHECK_EQ %s [0x%x], 0x%" PRIx64 ", \"%s\"\n", size, addr,
            v, what);
}

static void de_check_page(FILE *f, unsigned got, unsigned exp,
                          const char *what)
{
    fprintf(f, "    mov esi, 0x%x\n    mov edi, 0x%x\n    mov ecx, %u\n"
            "    repe cmpsb\n    CHECK_EQ ecx, 0, \"%s\"\n", got, exp,
            DG_MEM_SIZE, what);
}

static void de_code(FILE *f, const DiffSeq *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        char text[128] = "(bad)";
        X86Insn insn;
        const uint8_t *b = s->code + s->off[i];
        unsigned len = s->off[i + 1] - s->off[i];

        if (x86_decode(&insn, b, len, X86_MODE_32) == X86_DEC_OK) {
            x86_disas(&insn, text, sizeof(text), s->off[i]);
        }
        fprintf(f, "    db ");
        for (unsigned k = 0; k < len; k++) {
            fprintf(f, "%s0x%02x", k ? ", " : "", b[k]);
        }
        fprintf(f, "%*s; %s\n", (int)MAX(1, 48 - 6 * (int)len), "", text);
    }
}

static void de_fx_checks(FILE *f, const DiffSeq *s, const DiffState *ref)
{
    uint16_t fsw_mask = ~(s->undef[s->n] & DG_FSW_CC);
    uint16_t w;
    uint32_t d;

    memcpy(&w, ref->fx + DG_FX_FCW, 2);
    de_check(f, "word", DE_FX + DG_FX_FCW, w, "fcw");
    memcpy(&w, ref->fx + DG_FX_FSW, 2);
    fprintf(f, "    mov ax, [0x%x]\n    and ax, 0x%x\n", DE_FX + DG_FX_FSW,
            fsw_mask);
    fprintf(f, "    CHECK_EQ ax, 0x%x, \"fsw\"\n", w & fsw_mask);
    de_check(f, "byte", DE_FX + DG_FX_FTW, ref->fx[DG_FX_FTW], "ftw");
    memcpy(&d, ref->fx + DG_FX_MXCSR, 4);
    de_check(f, "dword", DE_FX + DG_FX_MXCSR, d, "mxcsr");
    for (unsigned i = 0; i < 8; i++) {
        unsigned at = DG_FX_ST0 + 16 * i;
        g_autofree char *name = g_strdup_printf("st%u", i);

        for (unsigned k = 0; k < 8; k += 4) {
            memcpy(&d, ref->fx + at + k, 4);
            de_check(f, "dword", DE_FX + at + k, d, name);
        }
        memcpy(&w, ref->fx + at + 8, 2);
        de_check(f, "word", DE_FX + at + 8, w, name);
    }
    for (unsigned i = 0; i < 8; i++) {
        unsigned at = DG_FX_XMM0 + 16 * i;
        g_autofree char *name = g_strdup_printf("xmm%u", i);

        for (unsigned k = 0; k < 16; k += 4) {
            memcpy(&d, ref->fx + at + k, 4);
            de_check(f, "dword", DE_FX + at + k, d, name);
        }
    }
}

bool de_emit_guest(const char *path, const DiffSeq *s, const DiffState *ref,
                   const char *what, GError **errp)
{
    g_autoptr(GString) why = g_string_new(NULL);
    uint32_t fmask = DG_CC & ~s->undef[s->n];
    FILE *f;

    if (s->bits != 32) {
        g_string_append_printf(why, "%u-bit code (flat 32-bit classes only: "
                               "int32, x87)", s->bits);
    } else if (!ref->ran || ref->excp >= 0) {
        g_string_append(why, "the reference ends in an exception");
    } else if (s->transc) {
        g_string_append(why, "a transcendental (results within ULPs)");
    }
    if (why->len) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "--emit-guest: %s", why->str);
        return false;
    }
    f = fopen(path, "w");
    if (!f) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: %s", path,
                    g_strerror(errno));
        return false;
    }
    fprintf(f, "; SPDX-License-Identifier: MIT\n;\n; Written by "
            "tests/diff/diff-run --emit-guest:\n; %s.\n; The flags and "
            "C0-C3 the SDM leaves undefined are masked. In\n; "
            "tests/guest/meson.build: ['NAME', ['--cpu', 'qemu64']].\n;\n"
            "%%include \"guest.inc\"\n\n"
            "    TEST_START\n    GO_PM32\n", what);
    fprintf(f, "    mov eax, cr4\n    or eax, 0x600      ; OSFXSR, "
            "OSXMMEXCPT\n    mov cr4, eax\n    mov eax, cr0\n"
            "    and eax, ~0xc      ; EM, TS\n    or eax, 0x22       ; NE, "
            "MP\n    mov cr0, eax\n");
    de_page(f, "mem_in", DE_MEM, DE_EXP, s->mem, ref->mem, DG_MEM_SIZE);
    de_page(f, "stack_in", DE_STACK, DE_EXP + DG_MEM_SIZE, s->stack,
            ref->stack, DG_STACK_SIZE);
    fprintf(f, "    fxrstor [fx_in + 0xf0000]\n    push dword 0x%x\n"
            "    popfd\n", s->flags | 2);
    for (int i = 0; i < 8; i++) {
        uint64_t v = i == 4 ? DE_STACK + DG_STACK_START :
                     i == DG_MEM_REG ? DE_MEM : s->regs[i] & 0xffffffff;

        fprintf(f, "    mov %s, 0x%" PRIx64 "\n", de_regs[i], v);
    }
    fprintf(f, "    ; the sequence\n");
    de_code(f, s);
    fprintf(f, "    ; the state after it\n");
    for (int i = 0; i < 8; i++) {
        fprintf(f, "    mov [0x%x], %s\n", DE_OUT + 4 * i, de_regs[i]);
    }
    fprintf(f, "    mov esp, STACK_TOP\n    pushfd\n    pop dword [0x%x]\n"
            "    fxsave [0x%x]\n", DE_OUT + 32, DE_FX);
    for (int i = 0; i < 8; i++) {
        uint64_t v = i == 4 ? DE_STACK + ref->regs[4] : ref->regs[i];

        if (i != DG_MEM_REG) {
            de_check(f, "dword", DE_OUT + 4 * i, v & 0xffffffff,
                     de_regs[i]);
        }
    }
    fprintf(f, "    mov eax, [0x%x]\n    and eax, 0x%x\n"
            "    CHECK_EQ eax, 0x%x, \"flags\"\n", DE_OUT + 32, fmask,
            ref->flags & fmask);
    de_fx_checks(f, s, ref);
    de_check_page(f, DE_MEM, DE_EXP, "scratch page");
    de_check_page(f, DE_STACK, DE_EXP + DG_MEM_SIZE, "stack page");
    fprintf(f, "    PASS\n\nalign 16\n");
    de_bytes(f, "fx_in", s->fx, DG_FX_SIZE);
    de_bytes(f, "mem_in", s->mem, DG_MEM_SIZE);
    de_bytes(f, "stack_in", s->stack, DG_STACK_SIZE);
    fprintf(f, "\n    TEST_END\n");
    return !fclose(f) || (g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: %s",
                                      path, g_strerror(errno)), false);
}
