/* SPDX-License-Identifier: MIT */
/*
 * Differential runner: random instruction sequences (diff-gen.c) run
 * natively on the host (diff-native.c), under Kestrel's JIT and under
 * its IR interpreter (diff-kestrel.c, the real "tcg" accelerator with a
 * qemu64 vCPU), and must end in the same state (diff-cmp.c).
 *
 * Sequence i of a run has the seed (seed, i) and the class i mod
 * DG_NCLASS (16-, 32-, 64-bit integer code, x87, MMX/SSE/SSE2, x87 in
 * real mode); the 16-bit classes compare the JIT with the interpreter
 * only. A mismatch prints the seed, the index and the class, reduces the
 * sequence by dropping instructions while it still fails, and prints
 * what is left as bytes and disassembly with the input registers and
 * each difference. `make check` runs a bounded count (suite diff),
 * `make diff N=.. SEED=..` a long one. Exits 1 on a mismatch.
 * KVM is a fourth runner where /dev/kvm is usable (the classes it cannot
 * run there are skipped by name); --engines picks the runners.
 * Ref: docs/testing.md.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "diff-cmp.h"
#include "diff-emit.h"
#include "diff-kestrel.h"

#define DR_BATCH    256

enum { RUN_NATIVE, RUN_JIT, RUN_INTERP, RUN_KVM, RUN_N };
static const char *const run_names[RUN_N] = {
    "native", "jit", "interp", "kvm",
};

static uint32_t dr_engines;             /* bit e: runner e takes part */

static void dr_generate(DiffSeq *s, uint64_t seed, uint64_t index)
{
    g_autoptr(GRand) r = g_rand_new_with_seed_array(
        (const guint32[]){ seed, seed >> 32, index, index >> 32 }, 4);

    dg_generate(s, r, index % DG_NCLASS);
}

static bool dr_kvm_soft;                /* no VMX/SVM: kvm_pvm */
static uint64_t dr_kvm_left;            /* sequences KVM skipped */

/* On a KVM without VMX/SVM a 32-bit CMPXCHG to a register in 64-bit code
 * runs in KVM's instruction emulator, which zero-extends the destination
 * when the compare fails; the (AMD) host keeps its upper half. */
static bool dr_kvm_differs(const DiffSeq *s)
{
    for (unsigned i = 0; dr_kvm_soft && s->bits == 64 && i < s->n; i++) {
        const DgInsn *in = &s->insn[s->idx[i]];
        const uint8_t *op = memmem(in->b, in->len, "\x0f\xb1", 2);

        if (op && op + 2 < in->b + in->len && op[2] >= 0xc0 &&
            !(op > in->b && (op[-1] & 0xf8) == 0x48)) {
            return true;
        }
    }
    return false;
}

/* Does runner @e run @s? */
static bool dr_runs(const DiffSeq *s, int e)
{
    return (dr_engines & 1u << e) &&
           (e != RUN_NATIVE || dg_class_native(s->cls)) &&
           (e != RUN_KVM || !dr_kvm_differs(s));
}

/* The reference: the first runner that runs @s (RUN_N: none) */
static int dr_first(const DiffSeq *s)
{
    int e = 0;

    while (e < RUN_N && !dr_runs(s, e)) {
        e++;
    }
    return e;
}

static void dr_states(const DiffSeq *s, DiffState st[RUN_N])
{
    for (int e = 0; e < RUN_N; e++) {
        if (!dr_runs(s, e)) {
            continue;
        }
        if (e == RUN_NATIVE) {
            dn_run(s, &st[e]);
        } else {
            dk_set_engine(DM_JIT + e - RUN_JIT);
            dk_run(s, &st[e]);
        }
    }
}

/* True when some runner disagrees with the reference; @msg says how. */
static bool dr_mismatch(const DiffSeq *s, const DiffState st[RUN_N],
                        GString *msg)
{
    int first = dr_first(s);

    for (int e = first + 1; e < RUN_N; e++) {
        g_autoptr(GString) d = g_string_new(NULL);

        if (!dr_runs(s, e)) {
            continue;
        }
        dc_compare(s, &st[first], &st[e], d);
        if (d->len) {
            g_string_append_printf(msg, "  %s vs %s:%s\n", run_names[e],
                                   run_names[first], d->str);
        }
    }
    return msg->len != 0;
}

static bool dr_fails(DiffSeq *s)
{
    static DiffState st[RUN_N];
    g_autoptr(GString) msg = g_string_new(NULL);

    if (!dg_layout(s)) {
        return false;
    }
    dr_states(s, st);
    return dr_mismatch(s, st, msg);
}

/* Drop instructions (with the loads glued to them) while it still
 * fails, until no single drop keeps it failing. */
static void dr_reduce(DiffSeq *s)
{
    bool progress = true;

    while (progress) {
        progress = false;
        for (int g = s->ninsn - 1; g >= 0; g--) {
            uint32_t old = s->drop, group = 1u << g;

            if (old & group) {
                continue;
            }
            /* a glued run and the instruction that ends it go together */
            for (int k = g - 1; k >= 0 && (s->insn[k].flags & DG_I_GLUE);
                 k--) {
                group |= 1u << k;
            }
            for (unsigned k = g; k + 1 < s->ninsn &&
                 (s->insn[k].flags & DG_I_GLUE); k++) {
                group |= 1u << (k + 1);
            }
            s->drop |= group;
            if (dr_fails(s)) {
                progress = true;
            } else {
                s->drop = old;
            }
        }
    }
    dg_layout(s);
}

/* The sequence dr_report reduced (or --index ran) and its states */
static DiffSeq dr_rep;
static DiffState dr_rep_st[RUN_N];

static void dr_report(uint64_t seed, uint64_t index)
{
    DiffSeq *s = &dr_rep;
    DiffState *const st = dr_rep_st;
    g_autoptr(GString) msg = g_string_new(NULL);

    dr_generate(s, seed, index);
    printf("MISMATCH seed %" PRIu64 " index %" PRIu64 " (class %s, %u-bit "
           "code), %u instructions", seed, index, dg_class_names[s->cls],
           s->bits, s->n);
    dr_reduce(s);
    printf(", reduced to %u:\n", s->n);
    dc_print_code(s);
    dr_states(s, st);
    dr_mismatch(s, st, msg);
    printf("  in:");
    for (int i = 0; i < 16; i++) {
        if (i != 4 && i != DG_MEM_REG && i != 15) {
            printf(" %" PRIx64, s->regs[i]);
        }
    }
    printf(" (rax..r14 but rsp, rdi) flags=%03x fcw=%04x fsw=%04x "
           "mxcsr=%08x\n%s", s->flags, s->fx[0] | s->fx[1] << 8,
           s->fx[2] | s->fx[3] << 8, s->fx[24] | s->fx[25] << 8, "");
    if (s->cls == DG_X87 || s->cls == DG_X87_16) {
        printf("  in: ftw=%02x", s->fx[DG_FX_FTW]);
        for (int i = 0; i < 8; i++) {
            const uint8_t *r = s->fx + DG_FX_ST0 + 16 * i;

            printf(" st%d=%02x%02x:%02x%02x%02x%02x%02x%02x%02x%02x", i,
                   r[9], r[8], r[7], r[6], r[5], r[4], r[3], r[2], r[1], r[0]);
        }
        printf("\n");
    }
    printf("%s", msg->str);
}

/* --emit-guest @path: dr_rep as a guest test (diff-emit.c) */
static bool dr_emit(const char *path, uint64_t seed, uint64_t index,
                    bool failed)
{
    int ref = dr_first(&dr_rep);
    g_autoptr(GError) err = NULL;
    g_autofree char *what = g_strdup_printf(
        "seed %" PRIu64 " index %" PRIu64 " (class %s), %u instructions%s;"
        "\n; expected state: the %s runner's", seed, index,
        dg_class_names[dr_rep.cls], dr_rep.n,
        failed ? " after\n; reduction, a mismatch when written" : "",
        run_names[ref]);

    if (!de_emit_guest(path, &dr_rep, &dr_rep_st[ref], what, &err)) {
        g_printerr("diff-run: %s\n", err->message);
        return false;
    }
    printf("diff-run: wrote %s (expected state: %s)\n", path,
           run_names[ref]);
    return true;
}

/* Bit i for each of @names[0..n) in the comma-separated @list (NULL:
 * all); 0 on a name not there */
static uint32_t dr_list(const char *list, const char *const *names, int n)
{
    g_auto(GStrv) words = g_strsplit(list ? list : "", ",", -1);
    uint32_t want = 0;

    if (!list) {
        return (1u << n) - 1;
    }
    for (int i = 0; words[i]; i++) {
        int c = 0;

        while (c < n && strcmp(words[i], names[c])) {
            c++;
        }
        if (c == n) {
            return 0;
        }
        want |= 1u << c;
    }
    return want;
}

/* The KVM runner where /dev/kvm is usable, else off with the reason
 * said once; false when it was asked for by name (--engines) and is not
 * there. */
static bool dr_kvm_setup(bool required)
{
    g_autoptr(GError) err = NULL;

    if (!(dr_engines & 1u << RUN_KVM)) {
        return true;
    }
    if (!dk_kvm_init(&err)) {
        dr_engines &= ~(1u << RUN_KVM);
        printf("diff-run: kvm engine skipped: %s\n", err->message);
        return !required;
    }
    dr_kvm_soft = !accel_host_has_virt();
    return true;
}

int main(int argc, char **argv)
{
    static DiffSeq seqs[DR_BATCH];
    static DiffState st[DR_BATCH][RUN_N];
    static uint64_t idx[DR_BATCH];
    double count_d = 10000;
    gint64 seed = 1, one = -1;
    uint64_t count, fails = 0, done = 0, per[DG_NCLASS] = { 0 };
    gint64 start = g_get_monotonic_time();
    gboolean verbose = false;
    g_autofree char *classes = NULL, *engines = NULL, *emit = NULL;
    uint32_t want = 0;
    GOptionEntry entries[] = {
        { "engines", 'e', 0, G_OPTION_ARG_STRING, &engines,
          "runners (comma-separated: native, jit, interp, kvm; default: "
          "all there are; kvm named and missing: exit 77)", "LIST" },
        { "class", 'c', 0, G_OPTION_ARG_STRING, &classes,
          "run these classes only (comma-separated: int16, int32, int64, "
          "x87, sse, x87-16)", "LIST" },
        { "count", 'n', 0, G_OPTION_ARG_DOUBLE, &count_d,
          "sequence indexes to visit (default 10000; 1e8 works)", "N" },
        { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "seed (default 1)",
          "S" },
        { "index", 'i', 0, G_OPTION_ARG_INT64, &one,
          "run sequence I only and report it", "I" },
        { "emit-guest", 0, 0, G_OPTION_ARG_FILENAME, &emit,
          "with --index: write the (reduced) sequence and the reference's "
          "final state as a tests/guest test", "FILE" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
          "print progress", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("- Kestrel's JIT and interpreter against the "
                             "host CPU on random instruction sequences");
    GError *err = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        g_printerr("diff-run: %s\n", err->message);
        return 2;
    }
    count = count_d;
    want = dr_list(classes, dg_class_names, DG_NCLASS);
    if (!want) {
        g_printerr("diff-run: --class %s: unknown class\n", classes);
        return 2;
    }
    dr_engines = dr_list(engines, run_names, RUN_N);
    if (__builtin_popcount(dr_engines) < 2) {
        g_printerr("diff-run: --engines %s: two or more of native, jit, "
                   "interp, kvm\n", engines);
        return 2;
    }
    if ((dr_engines & 1u << RUN_NATIVE) && !dn_init()) {
        dr_engines &= ~(1u << RUN_NATIVE);
        printf("diff-run: native engine skipped: mmap refused\n");
    }
    dk_init();
    if (!dr_kvm_setup(engines != NULL)) {
        return 77;
    }
    if (one >= 0) {
        bool failed;

        dr_generate(&seqs[0], seed, one);
        failed = dr_fails(&seqs[0]);
        if (failed) {
            dr_report(seed, one);
        } else {
            printf("diff-run: seed %" PRId64 " index %" PRId64 ": no "
                   "mismatch\n", seed, one);
            dr_rep = seqs[0];
            dr_states(&dr_rep, dr_rep_st);
        }
        if (emit && !dr_emit(emit, seed, one, failed)) {
            return 2;
        }
        return failed;
    }
    if (emit) {
        g_printerr("diff-run: --emit-guest needs --index\n");
        return 2;
    }
    while (done < count && fails < 10) {
        unsigned n = MIN(count - done, DR_BATCH);

        unsigned k = 0;

        for (unsigned i = 0; i < n; i++) {
            if (want & (1u << (done + i) % DG_NCLASS)) {
                idx[k] = done + i;
                dr_generate(&seqs[k], seed, idx[k]);
                per[seqs[k++].cls]++;
            }
        }
        for (int e = RUN_JIT; e < RUN_N; e++) {
            if (!(dr_engines & 1u << e)) {
                continue;
            }
            dk_set_engine(DM_JIT + e - RUN_JIT);
            for (unsigned i = 0; i < k; i++) {
                if (dr_runs(&seqs[i], e)) {
                    dk_run(&seqs[i], &st[i][e]);
                } else if (e == RUN_KVM) {
                    dr_kvm_left++;
                }
            }
        }
        for (unsigned i = 0; i < k && fails < 10; i++) {
            const DiffSeq *s = &seqs[i];
            g_autoptr(GString) msg = g_string_new(NULL);

            if (dr_runs(s, RUN_NATIVE)) {
                dn_run(s, &st[i][RUN_NATIVE]);
            }
            if (dr_mismatch(s, st[i], msg)) {
                fails++;
                dr_report(seed, idx[i]);
            }
        }
        done += n;
        if (verbose && done % (DR_BATCH * 256) == 0) {
            printf("%" PRIu64 " sequences, %" PRIu64 " mismatches\n", done,
                   fails);
        }
    }
    printf("diff-run: seed %" PRId64 ", %" PRIu64 " sequences (", seed, done);
    for (int c = 0; c < DG_NCLASS; c++) {
        printf("%s%s %" PRIu64, c ? ", " : "", dg_class_names[c], per[c]);
    }
    printf(";");
    for (int e = 0; e < RUN_N; e++) {
        if (dr_engines & 1u << e) {
            printf(" %s", run_names[e]);
        }
    }
    printf("), %.1f s, %" PRIu64 " mismatches\n",
           (g_get_monotonic_time() - start) / 1e6, fails);
    if (dr_kvm_left) {
        printf("diff-run: kvm engine skipped %" PRIu64 " sequences with a "
               "32-bit CMPXCHG to a register in 64-bit code (KVM's "
               "emulator zero-extends it on a failed compare)\n",
               dr_kvm_left);
    }
    return fails ? 1 : 0;
}
