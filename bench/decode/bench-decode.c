/* SPDX-License-Identifier: MIT */
/*
 * Decoder throughput: decodes the .text section of a real ELF binary with
 * Kestrel's decoder and with Capstone 4 (no detail) in one run and prints
 * instructions per second for each and the ratio.
 *
 * Usage: bench-decode [ELF file] [repetitions]   (default /bin/bash, 5)
 * Both decoders walk the section linearly; an undecodable byte is skipped.
 * Ours is timed twice: decode only, and decode plus x86_disas() text.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/insn.h"

#include <capstone/capstone.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>

static bool find_text(const uint8_t *f, size_t n, size_t *off, size_t *len,
                      bool *is64)
{
    if (n < sizeof(Elf32_Ehdr) || memcmp(f, ELFMAG, SELFMAG)) {
        return false;
    }
    *is64 = f[EI_CLASS] == ELFCLASS64;
    if (*is64) {
        const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
        const Elf64_Shdr *sh = (const Elf64_Shdr *)(f + eh->e_shoff);
        const char *names;
        if (eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > n) {
            return false;
        }
        names = (const char *)f + sh[eh->e_shstrndx].sh_offset;
        for (unsigned i = 0; i < eh->e_shnum; i++) {
            if (!strcmp(names + sh[i].sh_name, ".text") &&
                sh[i].sh_offset + sh[i].sh_size <= n) {
                *off = sh[i].sh_offset;
                *len = sh[i].sh_size;
                return true;
            }
        }
    } else {
        const Elf32_Ehdr *eh = (const Elf32_Ehdr *)f;
        const Elf32_Shdr *sh = (const Elf32_Shdr *)(f + eh->e_shoff);
        const char *names;
        if (eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > n) {
            return false;
        }
        names = (const char *)f + sh[eh->e_shstrndx].sh_offset;
        for (unsigned i = 0; i < eh->e_shnum; i++) {
            if (!strcmp(names + sh[i].sh_name, ".text") &&
                sh[i].sh_offset + sh[i].sh_size <= n) {
                *off = sh[i].sh_offset;
                *len = sh[i].sh_size;
                return true;
            }
        }
    }
    return false;
}

static uint64_t run_ours(const uint8_t *p, size_t len, X86Mode mode,
                         bool text, uint64_t *sink)
{
    uint64_t count = 0;
    char buf[160];
    X86Insn insn;

    for (size_t pos = 0; pos < len;) {
        size_t avail = len - pos;
        if (x86_decode(&insn, p + pos, avail, mode) == X86_DEC_OK) {
            if (text) {
                *sink += x86_disas(&insn, buf, sizeof(buf), pos);
            }
            *sink += insn.mnem;
            pos += insn.len;
            count++;
        } else {
            pos++;
        }
    }
    return count;
}

static uint64_t run_capstone(csh h, cs_insn *ci, const uint8_t *p, size_t len,
                             uint64_t *sink)
{
    uint64_t count = 0;
    const uint8_t *code = p;
    size_t size = len;
    uint64_t addr = 0;

    while (size) {
        if (cs_disasm_iter(h, &code, &size, &addr, ci)) {
            *sink += ci->size;
            count++;
        } else {
            code++;
            size--;
            addr++;
        }
    }
    return count;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/bin/bash";
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    g_autofree gchar *file = NULL;
    g_autoptr(GError) err = NULL;
    gsize n;
    size_t off, len;
    bool is64;
    X86Mode mode;
    csh h;
    cs_insn *ci;
    uint64_t sink = 0, n_ours = 0, n_text = 0, n_cs = 0;
    double t_ours = 1e30, t_text = 1e30, t_cs = 1e30;

    if (!g_file_get_contents(path, &file, &n, &err)) {
        fprintf(stderr, "bench-decode: %s\n", err->message);
        return 1;
    }
    if (!find_text((const uint8_t *)file, n, &off, &len, &is64)) {
        fprintf(stderr, "bench-decode: %s: no ELF .text section\n", path);
        return 1;
    }
    mode = is64 ? X86_MODE_64 : X86_MODE_32;
    if (cs_open(CS_ARCH_X86, is64 ? CS_MODE_64 : CS_MODE_32, &h) != CS_ERR_OK) {
        fprintf(stderr, "bench-decode: cs_open failed\n");
        return 1;
    }
    ci = cs_malloc(h);
    /* best of @reps for each, interleaved so that both see the same machine */
    for (int r = 0; r < reps; r++) {
        const uint8_t *p = (const uint8_t *)file + off;
        gint64 t0 = g_get_monotonic_time();
        n_ours = run_ours(p, len, mode, false, &sink);
        gint64 t1 = g_get_monotonic_time();
        n_text = run_ours(p, len, mode, true, &sink);
        gint64 t2 = g_get_monotonic_time();
        n_cs = run_capstone(h, ci, p, len, &sink);
        gint64 t3 = g_get_monotonic_time();
        t_ours = MIN(t_ours, (t1 - t0) / 1e6);
        t_text = MIN(t_text, (t2 - t1) / 1e6);
        t_cs = MIN(t_cs, (t3 - t2) / 1e6);
    }
    printf("%s: .text %zu bytes, %s-bit\n", path, len, is64 ? "64" : "32");
    printf("kestrel decode:          %10" PRIu64 " insns  %8.1f M insns/s\n",
           n_ours, n_ours / t_ours / 1e6);
    printf("kestrel decode + text:   %10" PRIu64 " insns  %8.1f M insns/s\n",
           n_text, n_text / t_text / 1e6);
    printf("capstone 4 (no detail):  %10" PRIu64 " insns  %8.1f M insns/s\n",
           n_cs, n_cs / t_cs / 1e6);
    printf("ratio decode/capstone: %.1fx   decode+text/capstone: %.1fx\n",
           (n_ours / t_ours) / (n_cs / t_cs), (n_text / t_text) / (n_cs / t_cs));
    fprintf(stderr, "(checksum %" PRIu64 ")\n", sink);
    cs_free(ci, 1);
    cs_close(&h);
    return 0;
}
