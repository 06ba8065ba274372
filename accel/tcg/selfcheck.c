/* SPDX-License-Identifier: MIT */
/*
 * -accel tcg,selfcheck=on: every translated block runs twice from the same
 * state, first as IR interpreter code, then as JIT code, and the two must
 * agree; the first divergence stops Kestrel with a report (the block's
 * guest code, the state before, what differs). exec.c calls
 * selfcheck_exec() instead of tcg_exec_tb() and stops chaining blocks, so
 * each run is one block.
 *
 * The interpreter copy of a block comes from tb_gen_shadow() (same key and
 * instruction count, outside the cache). It runs first, with observers on
 * the interpreter (tcg_interp_hooks) that log every store through the TLB
 * fast path with the bytes it overwrites. Then memory and the CPU state
 * are rolled back, the JIT block runs, and the CPU state and the logged
 * stores' final values are compared. A block that must not run twice is
 * left with the interpreter's result, unchecked: one that took a slow-path
 * access (MMIO, a TLB miss, a write to a code page) or called a helper
 * with an outside effect or a time-dependent result (port I/O, RDTSC,
 * RDPMC, RDMSR).
 * Ref: docs/debugging.md, "Checking the JIT against the interpreter".
 * Missing: stores that only the JIT makes are not seen (the comparison is
 * over the interpreter's stores); stores by helpers (exception frames,
 * FXSAVE) are redone by the second run, which is harmless as it starts
 * from the same state.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "tcg/tcg-backend.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/insn.h"
#include "accel/tcg/tcg-cpu.h"

bool tcg_selfcheck;

typedef struct ScStore {
    uint8_t *host;
    unsigned size;
    uint64_t old, val;
} ScStore;

static __thread GArray *sc_log;
static __thread bool sc_unsafe;

/* Helpers whose effect or result differs when run twice */
static void *const sc_unsafe_helpers[] = {
    (void *)helper_in, (void *)helper_out, (void *)helper_rdtsc,
    (void *)helper_rdpmc, (void *)helper_rdmsr,
};

static void sc_store(void *host, unsigned size, uint64_t val)
{
    ScStore st = { .host = host, .size = size, .val = val };

    memcpy(&st.old, host, size);
    g_array_append_val(sc_log, st);
}

static void sc_slow(void)
{
    sc_unsafe = true;
}

static void sc_call(void *fn)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(sc_unsafe_helpers); i++) {
        if (fn == sc_unsafe_helpers[i]) {
            sc_unsafe = true;
        }
    }
}

static const TcgInterpHooks sc_hooks = {
    .store = sc_store, .slow = sc_slow, .call = sc_call,
};

/* Run one block; exceptions and loop exits land here too. */
static uintptr_t sc_run(TcgCpu *tc, const void *code)
{
    sigjmp_buf saved;
    volatile uintptr_t ret = 0;

    memcpy(saved, tc->jmp_env, sizeof(saved));
    if (sigsetjmp(tc->jmp_env, 0) == 0) {
        ret = tcg_exec_tb((CPUEnv *)&tc->env, code);
    }
    memcpy(tc->jmp_env, saved, sizeof(saved));
    tcg_interp_ra = 0;                  /* left set by a helper that raised */
    return ret;
}

static void sc_print_state(const char *who, const X86CPUState *env)
{
    static const char *const names[16] = {
        "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    };

    fprintf(stderr, "  %-12s", who);
    for (int i = 0; i < ((env->hflags & HF_CS64) ? 16 : 8); i++) {
        fprintf(stderr, " %s=%" PRIx64, names[i], env->regs[i]);
    }
    fprintf(stderr, "\n               rip=%" PRIx64 " eflags=%" PRIx64
            " cc_op=%u exception=%d err=%x\n", env->rip,
            x86_cpu_get_eflags(env), env->cc_op, env->exception_index,
            env->error_code);
}

static void sc_print_code(const TranslationBlock *tb)
{
    uint8_t buf[4096 + 16];
    uint32_t len = MIN(tb->size, sizeof(buf) - 16), off = 0;
    X86Mode mode = (tb->flags & HF_CS64) ? X86_MODE_64 :
                   (tb->flags & HF_CS32) ? X86_MODE_32 : X86_MODE_16;

    for (uint32_t i = 0; i < len; i++) {
        uint64_t a = tb->pc + i;
        unsigned n = (a & TLB_PAGE_MASK) != (tb->pc & TLB_PAGE_MASK);

        buf[i] = tb->page_mr[n] && tb->page_mr[n]->host ?
                 tb->page_mr[n]->host[tb->page_off[n] + (a & ~TLB_PAGE_MASK)]
                 : 0;
    }
    while (off < len) {
        X86Insn insn;
        char line[160];

        x86_decode(&insn, buf + off, len - off, mode);
        if (!insn.len) {
            break;
        }
        x86_format_in_asm_line(&insn, buf + off, tb->pc + off, line,
                               sizeof(line));
        fprintf(stderr, "    %s\n", line);
        off += insn.len;
    }
}

/* The CPU state compared, field by field (X86CPUState has padding) */
#define SC_F(f) { #f, offsetof(X86CPUState, f), \
                  sizeof(((X86CPUState *)0)->f) }
static const struct {
    const char *name;
    size_t off, size;
} sc_fields[] = {
    SC_F(regs), SC_F(rip), SC_F(gdt.base), SC_F(gdt.limit), SC_F(idt.base),
    SC_F(idt.limit), SC_F(cr), SC_F(dr), SC_F(efer), SC_F(star),
    SC_F(lstar), SC_F(cstar), SC_F(fmask), SC_F(kernel_gs_base),
    SC_F(sysenter_cs), SC_F(sysenter_esp), SC_F(sysenter_eip), SC_F(pat),
    SC_F(tsc_aux), SC_F(apic_base), SC_F(mtrr_def_type), SC_F(mtrr_fixed),
    SC_F(mtrr_var), SC_F(misc_enable), SC_F(fpuc), SC_F(fpus),
    SC_F(fpstt), SC_F(fptag), SC_F(fpop), SC_F(fpip), SC_F(fpdp),
    SC_F(fpcs), SC_F(fpds), SC_F(xmm), SC_F(mxcsr), SC_F(hflags),
    SC_F(exception_index), SC_F(error_code), SC_F(halted), SC_F(a20_mask),
};

/* Names of the fields that differ, appended to @out; true when none. */
static bool sc_same_state(const X86CPUState *a, const X86CPUState *b,
                          GString *out)
{
    static const char *const segs[8] = {
        "es", "cs", "ss", "ds", "fs", "gs", "ldt", "tr",
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(sc_fields); i++) {
        if (memcmp((const uint8_t *)a + sc_fields[i].off,
                   (const uint8_t *)b + sc_fields[i].off,
                   sc_fields[i].size)) {
            g_string_append_printf(out, " %s", sc_fields[i].name);
        }
    }
    for (unsigned i = 0; i < 8; i++) {
        const SegmentCache *x = i < 6 ? &a->segs[i] : i == 6 ? &a->ldt
                                                              : &a->tr;
        const SegmentCache *y = i < 6 ? &b->segs[i] : i == 6 ? &b->ldt
                                                              : &b->tr;

        if (x->selector != y->selector || x->base != y->base ||
            x->limit != y->limit || x->flags != y->flags) {
            g_string_append_printf(out, " %s", segs[i]);
        }
    }
    for (unsigned i = 0; i < 8; i++) {
        if (a->fpregs[i].mant != b->fpregs[i].mant ||
            a->fpregs[i].sign_exp != b->fpregs[i].sign_exp) {
            g_string_append_printf(out, " fpregs[%u]", i);
        }
    }
    if (x86_cpu_get_eflags(a) != x86_cpu_get_eflags(b)) {
        g_string_append(out, " eflags");
    }
    return out->len == 0;
}

/* Compare the JIT's state and stores with the interpreter's; on a
 * difference report and exit. */
static void sc_compare(const TranslationBlock *tb, const X86CPUState *s0,
                       const X86CPUState *si, const X86CPUState *sj)
{
    g_autoptr(GHashTable) want = g_hash_table_new(NULL, NULL);
    GHashTableIter it;
    gpointer k, v;
    g_autoptr(GString) diff = g_string_new(NULL);
    bool same = sc_same_state(si, sj, diff);
    unsigned bad = 0;

    for (unsigned i = 0; i < sc_log->len; i++) {
        ScStore *st = &g_array_index(sc_log, ScStore, i);

        for (unsigned b = 0; b < st->size; b++) {
            g_hash_table_insert(want, st->host + b,
                                GUINT_TO_POINTER((st->val >> (8 * b)) & 0xff));
        }
    }
    g_hash_table_iter_init(&it, want);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        bad += *(uint8_t *)k != GPOINTER_TO_UINT(v);
    }
    if (same && !bad) {
        return;
    }
    fprintf(stderr, "kestrel: selfcheck: the JIT and the interpreter "
            "disagree after the block at %04x:%08" PRIx64 " (linear 0x%"
            PRIx64 ", %u instructions, %u bytes):\n",
            s0->segs[R_CS].selector, s0->rip, tb->pc, tb->icount, tb->size);
    sc_print_code(tb);
    sc_print_state("before", s0);
    sc_print_state("interpreter", si);
    sc_print_state("JIT", sj);
    if (!same) {
        fprintf(stderr, "  CPU state that differs:%s\n", diff->str);
    }
    if (bad) {
        fprintf(stderr, "  %u of the bytes the interpreter stored hold "
                "something else after the JIT\n", bad);
    }
    exit(1);
}

uintptr_t selfcheck_exec(TcgCpu *tc, TranslationBlock *tb)
{
    X86CPUState *env = &tc->env;
    X86CPUState s0, si;
    unsigned flushes = tb_flush_count();
    TranslationBlock *sh = tb->shadow;
    uintptr_t ri, rj;

    if (!sh || sh->invalid) {
        sh = tb_gen_shadow(tc, tb);
        if (tb_flush_count() != flushes) {
            return sc_run(tc, sh->code);    /* @tb is gone: no check */
        }
        tb->shadow = sh;
    }
    if (!sc_log) {
        sc_log = g_array_new(false, false, sizeof(ScStore));
    }
    g_array_set_size(sc_log, 0);
    sc_unsafe = false;
    memcpy(&s0, env, sizeof(s0));
    tcg_interp_hooks = &sc_hooks;
    ri = sc_run(tc, sh->code);
    tcg_interp_hooks = NULL;
    if (sc_unsafe || (ri & TB_EXIT_MASK) == TB_EXIT_REQUESTED) {
        return ri;                      /* the interpreter's run stands */
    }
    memcpy(&si, env, sizeof(si));
    for (unsigned i = sc_log->len; i-- > 0;) {
        ScStore *st = &g_array_index(sc_log, ScStore, i);

        memcpy(st->host, &st->old, st->size);
    }
    memcpy(env, &s0, sizeof(s0));
    rj = sc_run(tc, tb->code);
    if ((rj & TB_EXIT_MASK) == TB_EXIT_REQUESTED) {
        /* stopped at entry (a kick in between): take the interpreter's */
        for (unsigned i = 0; i < sc_log->len; i++) {
            ScStore *st = &g_array_index(sc_log, ScStore, i);

            memcpy(st->host, &st->val, st->size);
        }
        memcpy(env, &si, sizeof(si));
        return ri;
    }
    sc_compare(tb, &s0, &si, env);
    return rj;
}
