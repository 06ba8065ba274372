/* SPDX-License-Identifier: MIT */
/*
 * Differential runner: random integer instruction sequences (diff-gen.c)
 * run natively on the host (diff-native.c, 32-bit code only), under
 * Kestrel's JIT and under its IR interpreter (diff-machine.c, the real
 * "tcg" accelerator), and must end in the same state: EAX..EBP, ESI
 * (ESP and EDI are the harness's), the flags the SDM defines at the end
 * (or at the fault), the scratch page, and the exception with its
 * instruction. Even sequences are 32-bit flat protected-mode code, odd
 * ones 16-bit real-mode code (JIT against interpreter only).
 *
 * Sequence i of a run uses the seed (seed, i); a mismatch prints the seed,
 * the index, the shortest failing prefix as bytes and both states.
 * `make check` runs a bounded count (suite diff), `make diff N=.. SEED=..`
 * a long one. Exits 1 on a mismatch.
 * Ref: Intel SDM Vol. 3A 6.15 (#DE, #UD, #GP frames), docs/testing.md.
 * Missing: KVM as a fourth runner.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "diff-machine.h"
#include "diff-native.h"

#define DR_RAM      0x20000
#define DR_GDT      0x500
#define DR_IDT      0x600
#define DR_VEC      0x700               /* HLT of vector i at DR_VEC + i */
#define DR_STACK    0x7000
#define DR_MEM      0x8000              /* the scratch page (EDI) */
#define DR_CODE     0x10000
#define DR_BATCH    256
#define DR_TIMEOUT  2000000

enum { RUN_NATIVE, RUN_JIT, RUN_INTERP, RUN_N };
static const char *const run_names[RUN_N] = { "native", "jit", "interp" };

static DiffMachine dr_m;
static bool dr_verbose;

/* Flat 4 GiB code (0x08) and data (0x10) descriptors, 32-bit */
static const uint64_t dr_gdt[3] = {
    0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull,
};

static void dr_tables(void)
{
    uint8_t idt[32 * 8], hlt[32], ivt[32 * 4];

    for (unsigned i = 0; i < 32; i++) {
        uint16_t off = DR_VEC + i;
        uint8_t gate[8] = { off & 0xff, off >> 8, 0x08, 0, 0, 0x8e, 0, 0 };

        memcpy(idt + 8 * i, gate, 8);
        ivt[4 * i] = off & 0xff;
        ivt[4 * i + 1] = off >> 8;
        ivt[4 * i + 2] = ivt[4 * i + 3] = 0;
        hlt[i] = 0xf4;
    }
    dm_write(&dr_m, 0, ivt, sizeof(ivt));
    dm_write(&dr_m, DR_GDT, dr_gdt, sizeof(dr_gdt));
    dm_write(&dr_m, DR_IDT, idt, sizeof(idt));
    dm_write(&dr_m, DR_VEC, hlt, sizeof(hlt));
}

static void dr_seg(SegmentCache *sc, uint16_t sel, uint64_t base,
                   uint32_t limit, uint32_t flags)
{
    *sc = (SegmentCache) { .selector = sel, .base = base, .limit = limit,
                           .flags = flags };
}

static void dr_load(const DiffSeq *s)
{
    X86CPUState *env = &dr_m.cpu->env;
    const uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK |
                          DESC_A_MASK;
    uint8_t hlt = 0xf4;

    dm_write(&dr_m, DR_CODE, s->code, s->len);
    dm_write(&dr_m, DR_CODE + s->len, &hlt, 1);
    dm_write(&dr_m, DR_MEM, s->mem, DG_MEM_SIZE);
    x86_cpu_state_reset(env);
    if (s->code16) {
        dr_seg(&env->segs[R_CS], DR_CODE >> 4, DR_CODE, 0xffff,
               data | DESC_CS_MASK);
        for (int i = 0; i < 6; i++) {
            if (i != R_CS) {
                dr_seg(&env->segs[i], 0, 0, 0xffff, data);
            }
        }
        env->rip = 0;
    } else {
        env->cr[0] |= CR0_PE;
        dr_seg(&env->segs[R_CS], 0x08, 0, 0xffffffff, DESC_P_MASK |
               DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK |
               DESC_B_MASK | DESC_G_MASK);
        for (int i = 0; i < 6; i++) {
            if (i != R_CS) {
                dr_seg(&env->segs[i], 0x10, 0, 0xffffffff,
                       data | DESC_B_MASK | DESC_G_MASK);
            }
        }
        env->gdt = (DescTable) { .base = DR_GDT, .limit = 23 };
        env->idt = (DescTable) { .base = DR_IDT, .limit = 32 * 8 - 1 };
        env->rip = DR_CODE;
    }
    for (int i = 0; i < 8; i++) {
        env->regs[i] = s->regs[i];
    }
    env->regs[R_ESP] = DR_STACK;
    env->regs[DG_MEM_REG] = DR_MEM;
    x86_cpu_set_eflags(env, s->flags | 2);
    env->a20_mask = ~0ull;
    x86_cpu_update_hflags(env);
}

static uint32_t dr_rd(uint32_t addr, unsigned size)
{
    uint32_t v = 0;

    dm_read(&dr_m, addr, &v, size);
    return v;
}

/* Run @s under the current engine into @out. */
static void dr_kestrel(const DiffSeq *s, DiffState *out)
{
    X86CPUState *env = &dr_m.cpu->env;
    uint64_t pc;

    dr_load(s);
    out->ran = dm_run(&dr_m, DR_TIMEOUT);
    pc = env->segs[R_CS].base + env->rip;
    out->excp = -1;
    out->flags = x86_cpu_get_eflags(env) & DG_CC;
    if (pc > DR_VEC && pc <= DR_VEC + 32) {
        unsigned w = s->code16 ? 2 : 4;
        uint32_t sp = env->regs[R_ESP] & (s->code16 ? 0xffff : 0xffffffff);

        out->excp = pc - DR_VEC - 1;
        if (out->excp == 8 || (out->excp >= 10 && out->excp <= 14) ||
            out->excp == 17) {
            sp += w;                    /* the error code */
        }
        out->fault_off = dr_rd(sp, w) - (s->code16 ? 0 : DR_CODE);
        out->flags = dr_rd(sp + 2 * w, w) & DG_CC;
    } else if (pc != DR_CODE + s->len + 1) {
        out->ran = false;
    }
    for (int i = 0; i < 8; i++) {
        out->regs[i] = env->regs[i];
    }
    dm_read(&dr_m, DR_MEM, out->mem, DG_MEM_SIZE);
}

/* Differences of @b against @a as text; empty when they agree. */
static void dr_compare(const DiffSeq *s, const DiffState *a,
                       const DiffState *b, GString *msg)
{
    static const char *const names[8] = {
        "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
    };
    unsigned at = a->excp >= 0 ? dg_insn_at(s, a->fault_off) : s->n;
    uint32_t mask = DG_CC & ~s->undef[at];

    if (!a->ran || !b->ran) {
        g_string_append(msg, " did not finish;");
        return;
    }
    if (a->excp != b->excp || (a->excp >= 0 &&
                               a->fault_off != b->fault_off)) {
        g_string_append_printf(msg, " exception %d at +%u != %d at +%u;",
                               b->excp, b->fault_off, a->excp, a->fault_off);
        return;
    }
    for (int i = 0; i < 8; i++) {
        if (i != R_ESP && i != DG_MEM_REG && a->regs[i] != b->regs[i]) {
            g_string_append_printf(msg, " %s %08x != %08x;", names[i],
                                   b->regs[i], a->regs[i]);
        }
    }
    if ((a->flags ^ b->flags) & mask) {
        g_string_append_printf(msg, " flags %03x != %03x (mask %03x);",
                               b->flags, a->flags, mask);
    }
    for (unsigned i = 0; i < DG_MEM_SIZE; i++) {
        if (a->mem[i] != b->mem[i]) {
            g_string_append_printf(msg, " [edi+%u] %02x != %02x;", i,
                                   b->mem[i], a->mem[i]);
            break;
        }
    }
}

static void dr_generate(DiffSeq *s, uint64_t seed, uint64_t index)
{
    g_autoptr(GRand) r = g_rand_new_with_seed_array(
        (const guint32[]){ seed, seed >> 32, index, index >> 32 }, 4);

    dg_generate(s, r, index & 1);
}

/* Keep the first @k instructions; Jcc past the end go to the end. */
static void dr_truncate(DiffSeq *s, unsigned k)
{
    for (unsigned i = 0; i < k; i++) {
        unsigned rel = s->off[i + 1] - 1;

        if (s->name[i][0] == 'j' &&
            s->off[i + 1] + s->code[rel] > s->off[k]) {
            s->code[rel] = s->off[k] - s->off[i + 1];
        }
    }
    s->n = k;
    s->len = s->off[k];
}

static void dr_states(const DiffSeq *s, DiffState st[RUN_N], int first)
{
    for (int e = first; e < RUN_N; e++) {
        if (e == RUN_NATIVE) {
            dn_run(s, &st[e]);
        } else {
            dm_set_engine(&dr_m, e == RUN_JIT ? DM_JIT : DM_INTERP,
                          "diff-run");
            dr_kestrel(s, &st[e]);
        }
    }
}

/* True when some runner disagrees with the reference; @msg says how. */
static bool dr_mismatch(const DiffSeq *s, const DiffState st[RUN_N],
                        int first, GString *msg)
{
    for (int e = first + 1; e < RUN_N; e++) {
        g_autoptr(GString) d = g_string_new(NULL);

        dr_compare(s, &st[first], &st[e], d);
        if (d->len) {
            g_string_append_printf(msg, "  %s vs %s:%s\n", run_names[e],
                                   run_names[first], d->str);
        }
    }
    return msg->len != 0;
}

static void dr_report(uint64_t seed, uint64_t index, bool native)
{
    static DiffSeq s;
    static DiffState st[RUN_N];
    int first = native ? RUN_NATIVE : RUN_JIT;
    g_autoptr(GString) msg = g_string_new(NULL);
    unsigned k;

    dr_generate(&s, seed, index);
    for (k = 1; k <= s.n; k++) {        /* the shortest failing prefix */
        static DiffSeq t;

        t = s;
        dr_truncate(&t, k);
        dr_states(&t, st, first);
        g_string_truncate(msg, 0);
        if (dr_mismatch(&t, st, first, msg)) {
            s = t;
            break;
        }
    }
    printf("MISMATCH seed %" PRIu64 " index %" PRIu64 " (%s code), "
           "%u instructions:", seed, index, s.code16 ? "16-bit" : "32-bit",
           s.n);
    for (unsigned i = 0; i < s.len; i++) {
        printf(" %02x", s.code[i]);
    }
    printf("\n  ");
    for (unsigned i = 0; i < s.n; i++) {
        printf("%s%s", i ? "; " : "", s.name[i]);
    }
    printf("\n  in: eax=%08x ecx=%08x edx=%08x ebx=%08x ebp=%08x "
           "esi=%08x flags=%03x\n%s", s.regs[0], s.regs[1], s.regs[2],
           s.regs[3], s.regs[5], s.regs[6], s.flags, msg->str);
}

int main(int argc, char **argv)
{
    static DiffSeq seqs[DR_BATCH];
    static DiffState st[DR_BATCH][RUN_N];
    double count_d = 10000;
    gint64 seed = 1;
    uint64_t count, fails = 0, done = 0;
    bool native;
    GOptionEntry entries[] = {
        { "count", 'n', 0, G_OPTION_ARG_DOUBLE, &count_d,
          "sequences to run (default 10000; 1e8 works)", "N" },
        { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "seed (default 1)",
          "S" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &dr_verbose,
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
    native = dn_init();
    if (!native) {
        printf("diff-run: no native runner (mmap refused): JIT against "
               "interpreter only\n");
    }
    dm_init(&dr_m, DR_RAM, "diff-run");
    dr_tables();
    while (done < count && fails < 10) {
        unsigned n = MIN(count - done, DR_BATCH);

        for (unsigned i = 0; i < n; i++) {
            dr_generate(&seqs[i], seed, done + i);
        }
        for (int e = RUN_JIT; e < RUN_N; e++) {
            dm_set_engine(&dr_m, e == RUN_JIT ? DM_JIT : DM_INTERP,
                          "diff-run");
            for (unsigned i = 0; i < n; i++) {
                dr_kestrel(&seqs[i], &st[i][e]);
            }
        }
        for (unsigned i = 0; i < n; i++) {
            const DiffSeq *s = &seqs[i];
            bool nat = native && !s->code16;
            g_autoptr(GString) msg = g_string_new(NULL);

            if (nat) {
                dn_run(s, &st[i][RUN_NATIVE]);
            }
            if (dr_mismatch(s, st[i], nat ? RUN_NATIVE : RUN_JIT, msg)) {
                fails++;
                dr_report(seed, done + i, nat);
            }
        }
        done += n;
        if (dr_verbose && done % (DR_BATCH * 64) == 0) {
            printf("%" PRIu64 " sequences, %" PRIu64 " mismatches\n", done,
                   fails);
        }
    }
    printf("diff-run: seed %" PRId64 ", %" PRIu64 " sequences (%s), %"
           PRIu64 " mismatches\n", seed, done,
           native ? "native, jit, interp" : "jit, interp", fails);
    return fails ? 1 : 0;
}
