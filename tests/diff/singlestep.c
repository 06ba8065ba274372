/* SPDX-License-Identifier: MIT */
/*
 * The SingleStepTests 80286 real-mode vectors (../shared/singlestep-286)
 * against Kestrel's TCG, under the JIT and the IR interpreter: each record
 * is loaded into a minimal machine (1 MiB + 64 KiB of RAM with A20 on, no
 * I/O devices so IN reads 0xFF, the IVT from the record), run through the
 * real "tcg" accelerator until the trailing HLT, and its registers and RAM
 * compared. The 386+ skips and masks are in ss-rules.c. Prints the pass
 * rate per opcode file and overall; --markdown writes the table of
 * docs/compatibility.md. `make singlestep` runs everything; meson runs a
 * bounded subset (suite diff) and the whole set (suite slow).
 * Exits 77 when the data is absent, 1 below --min-rate.
 * Ref: the data's README.md ("Running a record", "Using it on a 386+").
 * Missing: bus timing and OUT data (not in the data); ENTER (no file).
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include <zlib.h>
#include "kestrel/memory.h"
#include "kestrel-config.h"
#include "diff-machine.h"
#include "ss-record.h"
#include "ss-rules.h"

#define SS_RAM_SIZE    0x110000
#define SS_IVT_SS      (12 * 4)         /* the #SS vector's IVT entry */
#define SS_TIMEOUT_US  2000000
#define SS_MAX_SHOWN   3                /* failures printed per file */

enum { ENG_JIT, ENG_INTERP, ENG_N };
static const char *const eng_names[ENG_N] = { "jit", "interp" };

/* Record register -> Kestrel register (GPRs) or segment */
static const int ss_gpr[SS_NREGS] = {
    [SS_AX] = R_EAX, [SS_BX] = R_EBX, [SS_CX] = R_ECX, [SS_DX] = R_EDX,
    [SS_SP] = R_ESP, [SS_BP] = R_EBP, [SS_SI] = R_ESI, [SS_DI] = R_EDI,
    [SS_CS] = -1, [SS_SS] = -1, [SS_DS] = -1, [SS_ES] = -1, [SS_IP] = -1,
    [SS_FLAGS] = -1,
};
static const int ss_seg[SS_NREGS] = {
    [SS_CS] = R_CS, [SS_SS] = R_SS, [SS_DS] = R_DS, [SS_ES] = R_ES,
    [SS_AX] = -1, [SS_BX] = -1, [SS_CX] = -1, [SS_DX] = -1, [SS_SP] = -1,
    [SS_BP] = -1, [SS_SI] = -1, [SS_DI] = -1, [SS_IP] = -1, [SS_FLAGS] = -1,
};

/* Where a #SS lands: a HLT at a free spot (see ss_place_ss_handler) */
static const uint32_t ss_handler_spots[] = {
    0x00500, 0x08000, 0x20000, 0x70000, 0xa0000, 0x10ff00,
};

typedef struct SsFileStats {
    char name[8];
    char mnemonic[16];
    unsigned records, skipped;
    unsigned run[ENG_N], pass[ENG_N];
} SsFileStats;

typedef struct SsCtx {
    DiffMachine m;
    SsMeta meta;
    GHashTable *revoked;
    GHashTable *skip_reasons;           /* reason -> count */
    GArray *touched;                    /* uint32_t addresses to clear */
    GHashTable *expect;                 /* address + 1 -> expected byte */
    bool verbose;
} SsCtx;

static uint32_t ss_ss_handler;          /* 0: none for this record */

/* ---- the machine ---- */

static void ss_poke(SsCtx *c, uint32_t addr, uint8_t val)
{
    as_write(&address_space_memory, addr, val, 1);
    g_array_append_val(c->touched, addr);
}

static bool ss_addr_used(const SsRecord *r, uint32_t lo, uint32_t hi)
{
    const GArray *lists[2] = { r->init.ram, r->fin.ram };

    for (int l = 0; l < 2; l++) {
        for (unsigned i = 0; i < lists[l]->len; i++) {
            uint32_t a = g_array_index(lists[l], SsByte, i).addr;

            if (a >= lo && a < hi) {
                return true;
            }
        }
    }
    return false;
}

/* A 286 #GP(13) may be a #SS(12) on a 386+: point IVT[12] at its own
 * HLT, so the final CS:IP tells which one was raised. */
static void ss_place_ss_handler(SsCtx *c, const SsRecord *r)
{
    ss_ss_handler = 0;
    if (r->exception != 13 || ss_addr_used(r, SS_IVT_SS, SS_IVT_SS + 4)) {
        return;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(ss_handler_spots); i++) {
        uint32_t h = ss_handler_spots[i];

        if (!ss_addr_used(r, h, h + 2)) {
            ss_ss_handler = h;
            ss_poke(c, h, 0xf4);
            ss_poke(c, SS_IVT_SS, h & 15);
            ss_poke(c, SS_IVT_SS + 1, 0);
            ss_poke(c, SS_IVT_SS + 2, (h >> 4) & 0xff);
            ss_poke(c, SS_IVT_SS + 3, h >> 12);
            return;
        }
    }
}

static void ss_load(SsCtx *c, const SsRecord *r)
{
    X86CPUState *env = &c->m.cpu->env;

    for (unsigned i = 0; i < c->touched->len; i++) {
        as_write(&address_space_memory,
                 g_array_index(c->touched, uint32_t, i), 0, 1);
    }
    g_array_set_size(c->touched, 0);
    for (unsigned i = 0; i < r->init.ram->len; i++) {
        SsByte b = g_array_index(r->init.ram, SsByte, i);

        ss_poke(c, b.addr, b.val);
    }
    for (unsigned i = 0; i < r->fin.ram->len; i++) {
        g_array_append_val(c->touched, g_array_index(r->fin.ram, SsByte,
                                                     i).addr);
    }
    ss_place_ss_handler(c, r);

    x86_cpu_state_reset(env);
    for (int i = 0; i < SS_NREGS; i++) {
        if (ss_gpr[i] >= 0) {
            env->regs[ss_gpr[i]] = r->init.regs[i];
        } else if (ss_seg[i] >= 0) {
            env->segs[ss_seg[i]].selector = r->init.regs[i];
            env->segs[ss_seg[i]].base = (uint64_t)r->init.regs[i] << 4;
            env->segs[ss_seg[i]].limit = 0xffff;
        }
    }
    env->rip = r->init.regs[SS_IP];
    /* bits 12-15 are random in the data (README, "Running a record") */
    x86_cpu_set_eflags(env, (r->init.regs[SS_FLAGS] & 0x0fd5) | 2);
    env->a20_mask = ~0ull;
    env->halted = false;
    env->exception_index = -1;
    x86_cpu_update_hflags(env);
}

/* ---- comparing ---- */

static uint16_t ss_actual_reg(const X86CPUState *env, int i)
{
    if (ss_gpr[i] >= 0) {
        return env->regs[ss_gpr[i]];
    }
    if (ss_seg[i] >= 0) {
        return env->segs[ss_seg[i]].selector;
    }
    return i == SS_IP ? env->rip : x86_cpu_get_eflags(env);
}

/* Compare; appends what differs to msg. True when equal. */
static bool ss_compare(SsCtx *c, const SsRecord *r, const SsInsn *in,
                       uint16_t fmask, bool ran, GString *msg)
{
    X86CPUState *env = &c->m.cpu->env;
    uint16_t exp[SS_NREGS], act[SS_NREGS];
    uint32_t fl0 = 0, fl1 = 0;
    bool ok = ran;
    GHashTableIter it;
    gpointer key, val;

    if (!ran) {
        g_string_append(msg, " no HLT reached (timeout or shutdown);");
    }
    for (int i = 0; i < SS_NREGS; i++) {
        exp[i] = (r->fin.present >> i) & 1 ? r->fin.regs[i] : r->init.regs[i];
        act[i] = ss_actual_reg(env, i);
    }
    exp[SS_FLAGS] &= in->op == 0x9d || in->op == 0xcf ? 0xffff : 0x0fff;
    if (ss_ss_handler && r->exception == 13 && ss_is_stack_access(in) &&
        act[SS_CS] == (ss_ss_handler >> 4) &&
        act[SS_IP] == (ss_ss_handler & 15) + 1) {
        act[SS_CS] = exp[SS_CS];        /* #SS for an SS access: a 386+ */
        act[SS_IP] = exp[SS_IP];
    }
    for (int i = 0; i < SS_NREGS; i++) {
        uint16_t m = i == SS_FLAGS ? fmask : 0xffff;

        exp[i] = ss_string_fault_reg(r, in, i, exp[i], act[i]);

        if ((exp[i] ^ act[i]) & m) {
            g_string_append_printf(msg, " %s %04x != %04x;", ss_reg_names[i],
                                   act[i], exp[i]);
            ok = false;
        }
    }
    if (r->exception >= 0) {
        fl0 = exp[SS_SS] * 16u + ((exp[SS_SP] + 4) & 0xffff);
        fl1 = exp[SS_SS] * 16u + ((exp[SS_SP] + 5) & 0xffff);
    }
    g_hash_table_remove_all(c->expect);
    for (int l = 0; l < 2; l++) {
        const GArray *ram = l ? r->fin.ram : r->init.ram;

        for (unsigned i = 0; i < ram->len; i++) {
            SsByte b = g_array_index(ram, SsByte, i);

            g_hash_table_insert(c->expect, GUINT_TO_POINTER(b.addr + 1),
                                GUINT_TO_POINTER(b.val));
        }
    }
    g_hash_table_iter_init(&it, c->expect);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        uint32_t addr = GPOINTER_TO_UINT(key) - 1;
        uint8_t want = GPOINTER_TO_UINT(val), got = c->m.ram.host[addr];
        uint8_t m = 0xff;

        if (r->exception >= 0 && addr == fl0) {
            m = fmask;
        } else if (r->exception >= 0 && addr == fl1) {
            m = fmask >> 8;
        }
        if ((got ^ want) & m) {
            g_string_append_printf(msg, " [%05x] %02x != %02x;", addr, got,
                                   want);
            ok = false;
        }
    }
    return ok;
}

/* ---- files ---- */

static void ss_count_skip(SsCtx *c, const char *why)
{
    gpointer n = g_hash_table_lookup(c->skip_reasons, why);

    g_hash_table_insert(c->skip_reasons, (gpointer)why,
                        GUINT_TO_POINTER(GPOINTER_TO_UINT(n) + 1));
}

static void ss_run_file(SsCtx *c, const char *path, SsFileStats *st,
                        unsigned limit, const bool *engines)
{
    gzFile gz = gzopen(path, "rb");
    g_autoptr(GString) line = g_string_new(NULL);
    g_autoptr(GPtrArray) recs = g_ptr_array_new();
    unsigned op = strtoul(st->name, NULL, 16);
    unsigned grp = strlen(st->name) > 3 ? (unsigned)(st->name[3] - '0') : 8;

    if (!gz) {
        g_printerr("singlestep: %s: cannot open\n", path);
        exit(1);
    }
    while ((!limit || recs->len < limit) && ss_gz_getline(gz, line)) {
        SsRecord *r = g_new(SsRecord, 1);

        ss_record_init(r);
        if (!ss_record_parse(r, line->str)) {
            g_printerr("singlestep: %s: malformed record %u\n", path,
                       recs->len);
            exit(1);
        }
        g_ptr_array_add(recs, r);
    }
    gzclose(gz);
    if (recs->len) {
        const SsRecord *r0 = g_ptr_array_index(recs, 0);

        sscanf(r0->name, "%15s", st->mnemonic);
    }
    for (int e = 0; e < ENG_N; e++) {
        unsigned shown = 0;

        if (!engines[e]) {
            continue;
        }
        dm_set_engine(&c->m, e == ENG_JIT ? DM_JIT : DM_INTERP, "singlestep");
        for (unsigned i = 0; i < recs->len; i++) {
            SsRecord *r = g_ptr_array_index(recs, i);
            g_autoptr(GString) msg = g_string_new(NULL);
            const char *why;
            SsInsn in;
            uint16_t fmask;
            bool ran;

            ss_decode(r, &in);
            why = g_hash_table_contains(c->revoked, r->hash)
                  ? "revoked" : ss_skip_reason(r, &in);
            if (why) {
                if (e == ENG_JIT || !engines[ENG_JIT]) {
                    st->skipped++;
                    ss_count_skip(c, why);
                }
                continue;
            }
            fmask = c->meta.mask[op][grp] & ss_extra_mask(r, &in) & ~0x2a;
            if (in.op == 0x9d || in.op == 0xcf) {
                fmask &= 0x0fff;
            }
            ss_load(c, r);
            ran = dm_run(&c->m, SS_TIMEOUT_US);
            st->run[e]++;
            if (ss_compare(c, r, &in, fmask, ran, msg)) {
                st->pass[e]++;
            } else if (c->verbose || shown++ < SS_MAX_SHOWN) {
                g_print("FAIL %s/%s idx %d %s (%s, exception %d):%s\n",
                        st->name, eng_names[e], r->idx, r->name, r->hash,
                        r->exception, msg->str);
            }
        }
    }
    for (unsigned i = 0; i < recs->len; i++) {
        ss_record_clear(g_ptr_array_index(recs, i));
        g_free(g_ptr_array_index(recs, i));
    }
    st->records = recs->len;
}

/* ---- reports ---- */

static double ss_rate(unsigned pass, unsigned run)
{
    return run ? 100.0 * pass / run : 100.0;
}

static void ss_print_table(FILE *f, const SsFileStats *st, unsigned n,
                           bool markdown)
{
    SsFileStats tot = { .name = "all" };

    if (markdown) {
        fprintf(f, "| file | instruction | records | skipped | JIT pass |"
                   " interpreter pass |\n|---|---|---:|---:|---:|---:|\n");
    }
    for (unsigned i = 0; i <= n; i++) {
        const SsFileStats *s = i < n ? &st[i] : &tot;

        if (i < n) {
            tot.records += s->records;
            tot.skipped += s->skipped;
            for (int e = 0; e < ENG_N; e++) {
                tot.run[e] += s->run[e];
                tot.pass[e] += s->pass[e];
            }
        }
        if (markdown) {
            fprintf(f, "| %s%s%s | %s | %u | %u | %u/%u (%.2f%%) |"
                    " %u/%u (%.2f%%) |\n", i < n ? "" : "**", s->name,
                    i < n ? "" : "**", s->mnemonic, s->records, s->skipped,
                    s->pass[0], s->run[0], ss_rate(s->pass[0], s->run[0]),
                    s->pass[1], s->run[1], ss_rate(s->pass[1], s->run[1]));
        } else {
            fprintf(f, "%-5s %-8s %5u rec %4u skip  jit %5u/%-5u %7.3f%%"
                    "  interp %5u/%-5u %7.3f%%\n", s->name, s->mnemonic,
                    s->records, s->skipped, s->pass[0], s->run[0],
                    ss_rate(s->pass[0], s->run[0]), s->pass[1], s->run[1],
                    ss_rate(s->pass[1], s->run[1]));
        }
    }
}

/* Write the table into FILE between the two marker lines when it has
 * them (docs/compatibility.md), else as the whole file. */
static bool ss_write_markdown(const char *path, const SsFileStats *st,
                              unsigned n)
{
    static const char begin[] = "<!-- singlestep table begin -->\n";
    static const char end[] = "<!-- singlestep table end -->\n";
    g_autofree char *old = NULL, *table = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GError) err = NULL;
    char *b = NULL, *e = NULL;
    size_t len;
    FILE *f = open_memstream(&table, &len);

    ss_print_table(f, st, n, true);
    fclose(f);
    if (g_file_get_contents(path, &old, NULL, NULL)) {
        b = strstr(old, begin);
        e = b ? strstr(b, end) : NULL;
    }
    if (e) {
        g_string_append_len(out, old, b + strlen(begin) - old);
        g_string_append(out, table);
        g_string_append(out, e);
    } else {
        g_string_append(out, table);
    }
    if (!g_file_set_contents(path, out->str, out->len, &err)) {
        g_printerr("singlestep: %s\n", err->message);
        return false;
    }
    return true;
}

static void ss_load_revoked(SsCtx *c, const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "revocation_list.txt", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    c->revoked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return;
    }
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        g_strstrip(lines[i]);
        if (lines[i][0] && lines[i][0] != '#') {
            g_hash_table_add(c->revoked, g_strdup(lines[i]));
        }
    }
}

static void ss_machine_init(SsCtx *c)
{
    dm_init(&c->m, SS_RAM_SIZE, "singlestep");
    c->touched = g_array_new(false, false, sizeof(uint32_t));
    c->expect = g_hash_table_new(NULL, NULL);
    c->skip_reasons = g_hash_table_new(g_str_hash, g_str_equal);
}

static int ss_name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    g_autofree char *data = NULL, *engine = NULL, *files = NULL;
    g_autofree char *markdown = NULL;
    int limit = 0;
    double min_rate = 0;
    gboolean verbose = false;
    GOptionEntry opts[] = {
        { "data", 0, 0, G_OPTION_ARG_FILENAME, &data,
          "the vectors (default: ../shared/singlestep-286 beside the "
          "repository)", "DIR" },
        { "engine", 0, 0, G_OPTION_ARG_STRING, &engine,
          "jit, interp or both (default)", "E" },
        { "files", 0, 0, G_OPTION_ARG_STRING, &files,
          "opcode files to run, globs separated by commas (F7.*,00)", "L" },
        { "limit", 0, 0, G_OPTION_ARG_INT, &limit,
          "records per file (default: all)", "N" },
        { "min-rate", 0, 0, G_OPTION_ARG_DOUBLE, &min_rate,
          "exit 1 when an engine passes fewer percent of the records run",
          "P" },
        { "markdown", 0, 0, G_OPTION_ARG_FILENAME, &markdown,
          "write the table as Markdown to FILE", "FILE" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
          "print every failure", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) oc = g_option_context_new(
        "- run the 80286 single-instruction vectors under Kestrel's TCG");
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) globs = NULL;
    g_autofree char *vdir = NULL, *meta = NULL;
    g_autofree SsFileStats *st = NULL;
    bool engines[ENG_N] = { true, true };
    SsCtx c = { 0 };
    GDir *dir;
    const char *ent;
    int64_t t0 = g_get_monotonic_time();
    int rc = 0;

    g_option_context_add_main_entries(oc, opts, NULL);
    if (!g_option_context_parse(oc, &argc, &argv, &err)) {
        g_printerr("singlestep: %s\n", err->message);
        return 2;
    }
    if (engine && strcmp(engine, "both")) {
        engines[ENG_JIT] = !strcmp(engine, "jit");
        engines[ENG_INTERP] = !strcmp(engine, "interp");
    }
    if (!data) {
        data = g_build_filename(KESTREL_SOURCE_DIR, "..", "shared",
                                "singlestep-286", NULL);
    }
    vdir = g_build_filename(data, "v1_real_mode", NULL);
    meta = g_build_filename(data, "metadata.json", NULL);
    dir = g_dir_open(vdir, 0, NULL);
    if (!dir) {
        g_print("SKIP: %s is absent (the 286 vectors live in ../shared)\n",
                vdir);
        return 77;
    }
    globs = g_strsplit(files ? files : "*", ",", -1);
    while ((ent = g_dir_read_name(dir))) {
        g_autofree char *stem = NULL;

        if (!g_str_has_suffix(ent, ".jsonl.gz")) {
            continue;
        }
        stem = g_strndup(ent, strlen(ent) - strlen(".jsonl.gz"));
        for (int i = 0; globs[i]; i++) {
            if (g_pattern_match_simple(globs[i], stem)) {
                g_ptr_array_add(names, g_steal_pointer(&stem));
                break;
            }
        }
    }
    g_dir_close(dir);
    g_ptr_array_sort(names, ss_name_cmp);
    if (!ss_meta_load(&c.meta, meta, &err)) {
        g_printerr("singlestep: %s\n", err->message);
        return 1;
    }
    ss_load_revoked(&c, data);
    c.verbose = verbose;
    ss_machine_init(&c);
    st = g_new0(SsFileStats, names->len);
    for (unsigned i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *fname = g_strconcat(name, ".jsonl.gz", NULL);
        g_autofree char *path = g_build_filename(vdir, fname, NULL);

        g_strlcpy(st[i].name, name, sizeof(st[i].name));
        ss_run_file(&c, path, &st[i], limit, engines);
    }
    ss_print_table(stdout, st, names->len, false);
    {
        GHashTableIter it;
        gpointer k, v;

        g_hash_table_iter_init(&it, c.skip_reasons);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            g_print("skipped %u: %s\n", GPOINTER_TO_UINT(v), (char *)k);
        }
    }
    if (markdown && !ss_write_markdown(markdown, st, names->len)) {
        return 1;
    }
    for (int e = 0; e < ENG_N; e++) {
        unsigned run = 0, pass = 0;

        for (unsigned i = 0; i < names->len; i++) {
            run += st[i].run[e];
            pass += st[i].pass[e];
        }
        if (engines[e]) {
            g_print("%s: %u/%u passed (%.3f%%)\n", eng_names[e], pass, run,
                    ss_rate(pass, run));
        }
        if (engines[e] && ss_rate(pass, run) < min_rate) {
            rc = 1;
        }
    }
    g_print("%.1f s\n", (g_get_monotonic_time() - t0) / 1e6);
    return rc;
}
