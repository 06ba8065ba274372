/* SPDX-License-Identifier: MIT */
/*
 * diff-run --emit-guest FILE (diff-emit.c): a sequence and the reference
 * runner's final state as a guest test in the style of tests/guest (a
 * nasm BIOS image on tests/guest/lib/guest.inc), so that a mismatch
 * becomes a regression test: copy FILE into tests/guest and add it to
 * tests/guest/meson.build.
 *
 * The test goes to flat 32-bit protected mode (CR0.NE, CR4.OSFXSR and
 * OSXMMEXCPT set, as diff-kestrel.c does), for 64-bit code on to long
 * mode (4-level tables mapping the first 2 MiB 1:1), copies the scratch
 * and stack pages to DE_MEM and DE_STACK, loads the FXSAVE image, the
 * flags and the registers ((E/R)DI = the scratch page, (E/R)SP =
 * DG_STACK_START in the stack page), runs the bytes (32-bit: in place;
 * 64-bit: copied to DE_MEM - DG_RIP_DELTA, where RIP-relative operands
 * find the scratch page, with an indirect jump back), saves the state and
 * checks what the comparator (diff-cmp.c) checks: the registers but
 * (E/R)DI and R15, the flags the generator's tables define at the end,
 * FCW, FSW (C0-C3 where defined), the abridged tag word, MXCSR, ST0-ST7,
 * the XMM registers, and both pages (the expected pages are the inputs
 * patched where the reference wrote).
 * Missing: the 16-bit classes, a reference that ends in an exception,
 * transcendentals (their ULP tolerance).
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
#define DE_CODE     (DE_MEM - DG_RIP_DELTA)  /* 64-bit code runs here */
#define DE_PT       0x10000             /* PML4, PDPT, PD */

static const char *const de_regs[2][16] = {
    { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" },
    { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
      "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" },
};

/* Flat 32-bit protected mode to long mode (gdt64 follows PASS64) */
static const char de_go_long[] =
    "    mov edi, 0x%x\n    xor eax, eax\n    mov ecx, 3 * 1024\n"
    "    rep stosd\n    mov dword [0x%x], 0x%x | 3\n"
    "    mov dword [0x%x], 0x%x | 3\n    mov dword [0x%x], 0x83\n"
    "    lgdt [gdt64_desc + 0xf0000]\n    mov eax, cr4\n    or eax, 0x20"
    "       ; PAE\n    mov cr4, eax\n    mov eax, 0x%x\n    mov cr3, eax\n"
    "    mov ecx, 0xc0000080 ; EFER.LME\n    rdmsr\n    or eax, 0x100\n"
    "    wrmsr\n    mov eax, cr0\n    or eax, 0x80000000\n    mov cr0, eax\n"
    "    jmp 0x08:(long64 + 0xf0000)\nbits 64\nlong64:\n    mov ax, 0x10\n"
    "    mov ds, ax\n    mov es, ax\n    mov ss, ax\n";

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

/* guest.inc's CHECK_EQ is 16/32-bit code only; long64.inc's CHECK64 */
static const char *de_chk = "CHECK_EQ";

static void de_check(FILE *f, const char *size, unsigned addr, uint64_t v,
                     const char *what)
{
    if (v > 0x7fffffff && !strcmp(size, "qword")) {
        fprintf(f, "    mov rax, 0x%" PRIx64 "\n    CHECK64 [0x%x], rax, "
                "\"%s\"\n", v, addr, what);
        return;
    }
    fprintf(f, "    %s %s [0x%x], 0x%" PRIx64 ", \"%s\"\n", de_chk, size,
            addr, v, what);
}

static void de_check_page(FILE *f, unsigned got, unsigned exp,
                          const char *what)
{
    fprintf(f, "    mov esi, 0x%x\n    mov edi, 0x%x\n    mov ecx, %u\n"
            "    repe cmpsb\n    %s ecx, 0, \"%s\"\n", got, exp,
            DG_MEM_SIZE, de_chk, what);
}

static void de_code(FILE *f, const DiffSeq *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        char text[128] = "(bad)";
        X86Insn insn;
        const uint8_t *b = s->code + s->off[i];
        unsigned len = s->off[i + 1] - s->off[i];

        if (x86_decode(&insn, b, len, s->bits == 64 ? X86_MODE_64 :
                       X86_MODE_32) == X86_DEC_OK) {
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
    fprintf(f, "    %s ax, 0x%x, \"fsw\"\n", de_chk, w & fsw_mask);
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
    for (unsigned i = 0; i < (s->bits == 64 ? 16 : 8); i++) {
        unsigned at = DG_FX_XMM0 + 16 * i;
        g_autofree char *name = g_strdup_printf("xmm%u", i);

        for (unsigned k = 0; k < 16; k += 4) {
            memcpy(&d, ref->fx + at + k, 4);
            de_check(f, "dword", DE_FX + at + k, d, name);
        }
    }
}

/* The registers, the flags and the FXSAVE image in, run, and out */
static void de_run(FILE *f, const DiffSeq *s)
{
    bool l = s->bits == 64;
    unsigned nregs = l ? 16 : 8, w = l ? 8 : 4;

    fprintf(f, "    fxrstor [fx_in + 0xf0000]\n    push %s 0x%x\n"
            "    popf%s\n", l ? "qword" : "dword", s->flags | 2,
            l ? "q" : "d");
    for (unsigned i = 0; i < nregs; i++) {
        uint64_t v = i == 4 ? DE_STACK + DG_STACK_START :
                     i == DG_MEM_REG ? DE_MEM :
                     l ? s->regs[i] : s->regs[i] & 0xffffffff;

        fprintf(f, "    mov %s, 0x%" PRIx64 "\n", de_regs[l][i], v);
    }
    fprintf(f, "    ; the sequence%s\n", l ? " (copied to 0x1e000)" : "");
    if (l) {
        fprintf(f, "    jmp [rel code_at]\ncode_at:\n    dq 0x%x\ncode:\n",
                DE_CODE);
    }
    de_code(f, s);
    if (l) {
        fprintf(f, "    jmp [0x%x + code_end - code]\ncode_end:\n"
                "    dq code_back + 0xf0000\ncode_back:\n", DE_CODE);
    }
    fprintf(f, "    ; the state after it\n");
    for (unsigned i = 0; i < nregs; i++) {
        fprintf(f, "    mov [0x%x], %s\n", DE_OUT + w * i, de_regs[l][i]);
    }
    fprintf(f, "    mov %s, STACK_TOP\n    pushf%s\n    pop %s [0x%x]\n"
            "    fxsave [0x%x]\n", l ? "rsp" : "esp", l ? "q" : "d",
            l ? "qword" : "dword", DE_OUT + 16 * 8, DE_FX);
}

bool de_emit_guest(const char *path, const DiffSeq *s, const DiffState *ref,
                   const char *what, GError **errp)
{
    g_autoptr(GString) why = g_string_new(NULL);
    uint32_t fmask = DG_CC & ~s->undef[s->n];
    bool l = s->bits == 64;
    unsigned w = l ? 8 : 4;
    FILE *f;

    if (s->bits == 16) {
        g_string_append(why, "16-bit code (the 32- and 64-bit classes "
                        "only)");
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
    de_chk = l ? "CHECK64" : "CHECK_EQ";
    fprintf(f, "; SPDX-License-Identifier: MIT\n;\n; Written by "
            "tests/diff/diff-run --emit-guest:\n; %s.\n; The flags and "
            "C0-C3 the SDM leaves undefined are masked. In\n; "
            "tests/guest/meson.build: ['NAME', ['--cpu', 'qemu64']].\n;\n"
            "%%include \"guest.inc\"\n%s\n"
            "    TEST_START\n    GO_PM32\n", what,
            l ? "%include \"long64.inc\"\n" : "");
    fprintf(f, "    mov eax, cr4\n    or eax, 0x600      ; OSFXSR, "
            "OSXMMEXCPT\n    mov cr4, eax\n    mov eax, cr0\n"
            "    and eax, ~0xc      ; EM, TS\n    or eax, 0x22       ; NE, "
            "MP\n    mov cr0, eax\n");
    if (l) {
        fprintf(f, de_go_long, DE_PT, DE_PT, DE_PT + 0x1000,
                DE_PT + 0x1000, DE_PT + 0x2000, DE_PT + 0x2000, DE_PT);
        fprintf(f, "    lea rsi, [rel code]\n    mov edi, 0x%x\n"
                "    mov ecx, code_end + 8 - code\n    rep movsb\n",
                DE_CODE);
    }
    de_page(f, "mem_in", DE_MEM, DE_EXP, s->mem, ref->mem, DG_MEM_SIZE);
    de_page(f, "stack_in", DE_STACK, DE_EXP + DG_MEM_SIZE, s->stack,
            ref->stack, DG_STACK_SIZE);
    de_run(f, s);
    for (unsigned i = 0; i < (l ? 15 : 8); i++) {
        uint64_t v = i == 4 ? DE_STACK + ref->regs[4] : ref->regs[i];

        if (i != DG_MEM_REG) {
            de_check(f, l ? "qword" : "dword", DE_OUT + w * i,
                     l ? v : v & 0xffffffff, de_regs[l][i]);
        }
    }
    fprintf(f, "    mov eax, [0x%x]\n    and eax, 0x%x\n"
            "    %s eax, 0x%x, \"flags\"\n", DE_OUT + 16 * 8, fmask, de_chk,
            ref->flags & fmask);
    de_fx_checks(f, s, ref);
    de_check_page(f, DE_MEM, DE_EXP, "scratch page");
    de_check_page(f, DE_STACK, DE_EXP + DG_MEM_SIZE, "stack page");
    fprintf(f, "    %s\n\n", l ? "PASS64" : "PASS");
    if (l) {
        fprintf(f, "    PUTS64_ROUTINE\n\nalign 8\ngdt64:\n    dq 0\n"
                "    dq 0x00af9a000000ffff       ; 0x08: 64-bit code\n"
                "    dq 0x00cf92000000ffff       ; 0x10: data\n"
                "gdt64_end:\ngdt64_desc:\n    dw gdt64_end - gdt64 - 1\n"
                "    dd gdt64 + 0xf0000\n");
    }
    fprintf(f, "\nalign 16\n");
    de_bytes(f, "fx_in", s->fx, DG_FX_SIZE);
    de_bytes(f, "mem_in", s->mem, DG_MEM_SIZE);
    de_bytes(f, "stack_in", s->stack, DG_STACK_SIZE);
    fprintf(f, "\n    TEST_END\n");
    return !fclose(f) || (g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: %s",
                                      path, g_strerror(errno)), false);
}
