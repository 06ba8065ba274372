/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the human monitor (monitor/hmp*.c, control.c): a
 * session on the real pc machine of fuzz-machine.c, typed at byte by byte
 * through its chardev as a terminal would (line editing, CR LF, the line
 * length limit), so every command runs: info *, x and xp with any format
 * and address, stop, cont, system_reset, system_powerdown, sendkey, accel,
 * help, and garbage. quit ends the input through the machine's shutdown
 * request, as it ends the process; screendump and gdbserver get their
 * errors from the machine's configuration (see fuzz-machine.c).
 *
 * Input: byte 0 puts vCPU 0 in a paging mode for x (0 real mode, 1 32-bit
 * paging with PSE, 2 without, 3 PAE, 4 PAE with NX, 5 4-level, 6 4-level
 * with NX in 64-bit code, 7 protected mode with A20 off), walking page
 * tables at 2 MiB whose entries point at each other, RAM, MMIO (the I/O
 * APIC, HPET, LAPIC), unbacked addresses and reserved bits. The rest is
 * typed at the monitor.
 * Checks: the monitor answers every line with a prompt (a CR LF pair is
 * one line end), a line that does not parse, names no command or has the
 * wrong number of arguments with its error, and writes only text (UTF-8
 * without control characters but CR and LF); ASan/UBSan the rest. Built by `make fuzz`; run e.g.
 * ./fuzz-hmp -max_len=4096 corpus/
 */
#include "kestrel/osdep.h"
#include "kestrel/memory.h"
#include "kestrel/runstate.h"
#include "monitor/monitor-int.h"
#include "fuzz-machine.h"

#define FUZZ_PT_BASE    0x200000u       /* 16 pages of page tables */
#define FUZZ_PT_PAGES   16
#define FUZZ_PROMPT     "(qemu) "
#define FUZZ_MAX_LINE   1024            /* hmp.c's HMP_MAX_LINE */
#define FUZZ_ONE_READ   4096            /* what the monitor takes at once */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static Chardev *fuzz_chr;

/* One 64-bit entry of table page k (32-bit paging reads its halves). */
static uint64_t fuzz_pte(unsigned k, unsigned j)
{
    static const uint64_t mmio[] = { 0xfec00000, 0xfed00000, 0xfee00000,
                                     0xfffc0000, 0xa0000 };
    uint64_t h = (k * 512u + j + 1) * 0x9e3779b97f4a7c15ull;
    uint64_t x = h >> 20;

    switch (h >> 61) {
    case 0:
        return 0;                                       /* not present */
    case 1:
    case 2:
    case 3:                                             /* another table */
        return (FUZZ_PT_BASE + x % FUZZ_PT_PAGES * 4096) | 0x7 |
               (x & 0x10000 ? 0x80 : 0);
    case 4:                                             /* RAM, maybe large */
        return (x << 12 & 0xfff000) | 0x3 | (x & 0x20000 ? 0x80 : 0);
    case 5:
        return mmio[x % G_N_ELEMENTS(mmio)] | 0x3;
    case 6:                                             /* anywhere */
        return (x << 12 & 0xffffffffff000ull) | 0x1;
    default:                                            /* reserved bits */
        return (x << 12) | 0x1;
    }
}

static void fuzz_page_tables(void)
{
    static uint64_t pt[FUZZ_PT_PAGES * 512];

    if (!pt[0]) {
        for (unsigned i = 0; i < G_N_ELEMENTS(pt); i++) {
            pt[i] = GUINT64_TO_LE(fuzz_pte(i / 512, i % 512));
        }
        pt[0] |= GUINT64_TO_LE(1);      /* marks the table as built */
    }
    dma_write(FUZZ_PT_BASE, pt, sizeof(pt));
}

static void fuzz_cpu_mode(X86CPUState *env, uint8_t mode)
{
    static const struct {
        uint64_t cr0, cr4, efer;
        uint32_t hflags;
    } modes[8] = {
        [1] = { CR0_PE | CR0_PG, CR4_PSE, 0, HF_CS32 },
        [2] = { CR0_PE | CR0_PG, 0, 0, HF_CS32 },
        [3] = { CR0_PE | CR0_PG, CR4_PAE, 0, HF_CS32 },
        [4] = { CR0_PE | CR0_PG, CR4_PAE, EFER_NXE, HF_CS32 },
        [5] = { CR0_PE | CR0_PG, CR4_PAE, EFER_LME | EFER_LMA, HF_LMA },
        [6] = { CR0_PE | CR0_PG, CR4_PAE | CR4_PSE,
                EFER_LME | EFER_LMA | EFER_NXE, HF_LMA | HF_CS64 },
        [7] = { CR0_PE, 0, 0, HF_CS32 },
    };

    mode %= 8;
    if (!mode) {
        return;                         /* as reset left it */
    }
    env->cr[0] |= modes[mode].cr0;
    env->cr[3] = FUZZ_PT_BASE;
    env->cr[4] |= modes[mode].cr4;
    env->efer |= modes[mode].efer;
    env->hflags |= modes[mode].hflags;
    if (mode == 7) {
        env->a20_mask = ~(1ull << 20);
    }
}

/* Line ends the monitor sees: at least the CR LF pairs counted once, at
 * most every CR and LF (a pair split between two reads counts twice). */
static void fuzz_count_lines(const uint8_t *p, size_t n, size_t *min,
                             size_t *max)
{
    *min = *max = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r' || p[i] == '\n') {
            ++*max;
            *min += !(p[i] == '\n' && i > 0 && p[i - 1] == '\r');
        }
    }
}

/* The lines as the monitor's line editor builds them from one read:
 * backspace and DEL erase, other control bytes are dropped. */
static GPtrArray *fuzz_lines(const uint8_t *p, size_t n)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) line = g_string_new(NULL);

    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n' && i > 0 && p[i - 1] == '\r') {
            continue;
        }
        if (p[i] == '\r' || p[i] == '\n') {
            g_ptr_array_add(lines, g_strdup(line->str));
            g_string_truncate(line, 0);
        } else if (p[i] == 0x7f || p[i] == 0x08) {
            g_string_truncate(line, line->len ? line->len - 1 : 0);
        } else if (p[i] >= 0x20 && p[i] < 0x7f &&
                   line->len < FUZZ_MAX_LINE) {
            g_string_append_c(line, p[i]);
        }
    }
    return lines;
}

/* Where each prompt starts and ends. Prompts start a line, several in a
 * row after empty lines; a command's output never starts with one (it may
 * contain one: an echoed name). */
static GArray *fuzz_prompts(const GString *out)
{
    GArray *at = g_array_new(false, false, sizeof(size_t) * 2);
    size_t len = strlen(FUZZ_PROMPT);

    for (const char *p = out->str; p; p = strchr(p, '\n')) {
        p += *p == '\n';
        for (; !strncmp(p, FUZZ_PROMPT, len); p += len) {
            size_t span[2] = { p - out->str, p - out->str + len };

            g_array_append_val(at, span);
        }
    }
    return at;
}

static const HmpCommand *fuzz_find(const char *name)
{
    for (const HmpCommand *c = hmp_commands; c->name; c++) {
        g_auto(GStrv) names = g_strsplit(c->name, "|", -1);

        if (g_strv_contains((const char *const *)names, name)) {
            return c;
        }
    }
    return NULL;
}

/* A malformed line must get its error: out is what the line printed. */
static void fuzz_check_line(const char *line, const char *out)
{
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = NULL;
    g_autofree char *name = NULL;
    const HmpCommand *c;
    const char *want;
    int argc;

    if (!g_shell_parse_argv(line, &argc, &argv, &err)) {
        want = g_error_matches(err, G_SHELL_ERROR,
                               G_SHELL_ERROR_EMPTY_STRING)
               ? "" : "Bad command line: ";
        if (*want ? !g_str_has_prefix(out, want) : !!*out) {
            ks_abort("fuzz-hmp: \"%s\" printed \"%s\"", line, out);
        }
        return;
    }
    name = g_strndup(argv[0], strcspn(argv[0], "/"));
    c = fuzz_find(name);
    if (!c && !g_str_has_prefix(out, "unknown command: ")) {
        ks_abort("fuzz-hmp: unknown \"%s\" printed \"%s\"", line, out);
    }
    if (c && (argc - 1 < c->min_args || argc - 1 > c->max_args) &&
        (!g_str_has_prefix(out, name) || !strstr(out, ": expected "))) {
        ks_abort("fuzz-hmp: \"%s\" (%d arguments) printed \"%s\"", line,
                 argc - 1, out);
    }
}

/* Every line typed gets a prompt; each malformed one its error. */
static void fuzz_check_session(const uint8_t *data, size_t n,
                               const GString *out)
{
    g_autoptr(GArray) at = fuzz_prompts(out);
    g_autoptr(GPtrArray) lines = NULL;
    size_t lo, hi;

    fuzz_count_lines(data, n, &lo, &hi);
    if (at->len < lo + 1 || at->len > hi + 1) {
        ks_abort("fuzz-hmp: %u prompts for %zu..%zu lines", at->len, lo,
                 hi);
    }
    if (n >= FUZZ_ONE_READ) {
        return;                 /* CR LF may be split: lines are not known */
    }
    lines = fuzz_lines(data, n);
    if (at->len != lines->len + 1) {
        ks_abort("fuzz-hmp: %u prompts for %u lines", at->len, lines->len);
    }
    for (guint i = 0; i < lines->len; i++) {
        size_t from = g_array_index(at, size_t, 2 * i + 1);
        size_t to = g_array_index(at, size_t, 2 * i + 2);
        g_autofree char *text = g_strndup(out->str + from, to - from);

        fuzz_check_line(lines->pdata[i], text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Machine *m = fuzz_machine();
    size_t consumed;
    GString *out;
    bool alive;

    if (!fuzz_chr) {
        fuzz_chr = fuzz_chr_new("fuzz-hmp");
        hmp_new(fuzz_chr);
    }
    fuzz_machine_restart();
    fuzz_page_tables();
    if (size) {
        fuzz_cpu_mode(&m->cpus[0]->env, data[0]);
        data++;
        size--;
    }
    fuzz_chr_connect(fuzz_chr);
    alive = fuzz_chr_type(fuzz_chr, data, size, &consumed);
    out = fuzz_chr_output(fuzz_chr);

    /* GLib's messages (a bad quote) may bring UTF-8 quotation marks */
    if (!g_utf8_validate(out->str, out->len, NULL)) {
        ks_abort("fuzz-hmp: the monitor wrote invalid UTF-8");
    }
    for (gsize i = 0; i < out->len; i++) {
        uint8_t c = out->str[i];

        if ((c < 0x20 || c == 0x7f) && c != '\r' && c != '\n') {
            g_autofree char *at = g_strndup(out->str + (i > 60 ? i - 60 : 0),
                                            MIN(i, 60) + 1);

            ks_abort("fuzz-hmp: the monitor wrote byte 0x%02x: \"%s\"", c,
                     g_strescape(at, NULL));
        }
    }
    /* a quit ends the session: lines after it may or may not have run */
    if (alive) {
        fuzz_check_session(data, consumed, out);
    }
    return 0;
}
