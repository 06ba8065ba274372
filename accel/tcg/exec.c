/* SPDX-License-Identifier: MIT */
/*
 * The TCG accelerator ("-accel tcg[,jit=on|off][,selfcheck=on]"): the
 * vCPU run loop (selfcheck.c runs each block twice and compares).
 * system/cpus.c calls vcpu_run on each vCPU thread; it finds or
 * translates the block at CS:EIP, runs it, chains it to the next one,
 * and between blocks delivers exceptions (raised by helpers and the TLB
 * slow path through siglongjmp), external interrupts (INTR from the local
 * APIC, acknowledged through x86_intc, which asks the 8259 for ExtINT),
 * NMIs, INIT and SIPI, and handles HLT and triple faults. jit=off runs the
 * same IR in the interpreter. With SMP, vCPUs take turns running guest
 * code (tcg_rr_*, docs/smp.md).
 *
 * Blocks start with a test of TcgCpu.exit_flag, which kick() sets, so a
 * chain of blocks returns to the loop soon after cpu_interrupt/cpu_exit.
 * Ref: Intel SDM Vol. 3A 6.6 (restarting after exceptions), 6.9
 * (priorities), 6.15 (#DF, shutdown).
 * GDB stub support (include/kestrel/guest-debug.h): a block that starts
 * at a breakpoint raises EXCP_TCG_DEBUG and no block runs past one (the
 * translator ends it before); the TB cache is flushed when the set of
 * breakpoints changes. Single-step runs one-instruction blocks with
 * interrupts held off; watchpoints are checked by the TLB slow path
 * (tlb.c), which finishes the instruction and then stops.
 * Missing: SMI.
 */
#include "kestrel/osdep.h"
#include "kestrel/bql.h"
#include "kestrel/guest-debug.h"
#include "kestrel/log.h"
#include "kestrel/machine.h"
#include "tcg/tcg-backend.h"
#include "accel/tcg/tcg-cpu.h"

bool tcg_jit_enabled = true;
const X86IntcOps *x86_intc;
static __thread TcgCpu *tcg_current;
static const AccelOps tcg_accel_ops;

TcgCpu *tcg_cpu_current(void)
{
    return tcg_current;
}

X86CPU *x86_env_cpu(X86CPUState *env)
{
    return tcg_cpu(env)->cpu;
}

void tcg_cpu_loop_exit(TcgCpu *tc)
{
    siglongjmp(tc->jmp_env, 1);
}

/* ---- board wiring ---- */

void x86_cpu_set_intr(X86CPU *cpu, int level)
{
    if (level) {
        cpu_interrupt(cpu, CPU_INTERRUPT_HARD);
    } else {
        cpu_reset_interrupt(cpu, CPU_INTERRUPT_HARD);
    }
}

void x86_cpu_set_a20(X86CPU *cpu, bool enabled)
{
    uint64_t mask = enabled ? ~0ull : ~(1ull << 20);
    TcgCpu *tc = cpu->accel_state;

    cpu->env.a20_mask = mask;
    if (cpu->accel != &tcg_accel_ops || !tc || tc->env.a20_mask == mask) {
        return;
    }
    __atomic_store_n(&tc->a20_pending, mask, __ATOMIC_RELEASE);
    if (tc == tcg_current) {
        tlb_process_pending(tc);        /* flushes the TLB and jump cache */
    } else {
        cpu_exit(cpu);
    }
}

/* ---- state copies between X86CPU.env and TcgCpu.env ---- */

static void env_copy_skip_irq(X86CPUState *dst, const X86CPUState *src)
{
    size_t ofs = offsetof(X86CPUState, interrupt_request);
    size_t end = ofs + sizeof(src->interrupt_request);

    memcpy(dst, src, ofs);
    memcpy((char *)dst + end, (const char *)src + end, sizeof(*src) - end);
}

static void tcg_get_state(X86CPU *cpu)
{
    TcgCpu *tc = cpu->accel_state;

    if (!tc->state_dirty) {             /* else X86CPU.env is the newer */
        env_copy_skip_irq(&cpu->env, &tc->env);
    }
}

static void tcg_put_state(X86CPU *cpu)
{
    TcgCpu *tc = cpu->accel_state;

    tc->state_dirty = true;
}

/* ---- events between blocks ---- */

static uint32_t irq_request(TcgCpu *tc)
{
    return __atomic_load_n(&tc->cpu->env.interrupt_request, __ATOMIC_ACQUIRE);
}

static bool irq_deliverable(TcgCpu *tc)
{
    uint32_t req = irq_request(tc);

    return (req & (CPU_INTERRUPT_NMI | CPU_INTERRUPT_INIT |
                   CPU_INTERRUPT_SIPI)) ||
           ((req & CPU_INTERRUPT_HARD) && (tc->env.eflags & IF_MASK) &&
            !(tc->env.hflags & HF_INHIBIT_IRQ));
}

/* Deliver a pending exception. False: triple fault. */
static bool tcg_handle_exception(TcgCpu *tc)
{
    X86CPUState *env = &tc->env;
    int vec = env->exception_index;
    X86EventKind kind = tc->event_kind;

    env->exception_index = -1;
    if (kind == X86_EV_EXCP) {
        int v = x86_exception_combine(tc->delivering, vec);

        if (v < 0) {
            ks_log_mask(LOG_INT | LOG_GUEST_ERROR, "triple fault: 0x%02x "
                        "while delivering 0x%02x\n", vec, tc->delivering);
            tc->delivering = -1;
            return false;
        }
        if (v != vec) {
            env->error_code = 0;
        }
        vec = v;
        tc->delivering = vec;
    } else {
        tc->delivering = -1;
    }
    env->hflags &= ~HF_INHIBIT_IRQ;
    x86_do_interrupt(env, vec, kind, env->error_code, tc->event_next_eip);
    tc->delivering = -1;
    return true;
}

/* INIT and SIPI from the local APIC (SDM Vol. 3A 8.4, 10.6.1): INIT
 * resets the CPU but for the APIC base, A20 and the MTRRs, and waits for a
 * SIPI, which starts it in real mode at vector << 12. */
static void tcg_handle_init_sipi(TcgCpu *tc, uint32_t req)
{
    X86CPUState *env = &tc->env;
    X86CPU *cpu = tc->cpu;

    if (req & CPU_INTERRUPT_INIT) {
        X86CPUState keep = *env;

        cpu_reset_interrupt(cpu, CPU_INTERRUPT_INIT);
        x86_cpu_state_reset(env);
        env->apic_base = keep.apic_base;
        env->a20_mask = keep.a20_mask;
        env->mtrr_def_type = keep.mtrr_def_type;
        memcpy(env->mtrr_fixed, keep.mtrr_fixed, sizeof(env->mtrr_fixed));
        memcpy(env->mtrr_var, keep.mtrr_var, sizeof(env->mtrr_var));
        env->halted = true;
        tlb_flush(tc);                  /* and the jump cache */
    }
    if (req & CPU_INTERRUPT_SIPI) {
        unsigned vec = __atomic_load_n(&cpu->sipi_vector, __ATOMIC_ACQUIRE);

        cpu_reset_interrupt(cpu, CPU_INTERRUPT_SIPI);
        env->segs[R_CS].selector = vec << 8;
        env->segs[R_CS].base = vec << 12;
        env->rip = 0;
        env->halted = false;
        x86_cpu_update_hflags(env);
    }
}

static void tcg_handle_interrupt(TcgCpu *tc)
{
    X86CPUState *env = &tc->env;
    uint32_t req = irq_request(tc);
    int vec = -1;

    env->halted = false;
    tc->delivering = -1;
    if (req & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI)) {
        tcg_handle_init_sipi(tc, req);
        return;
    }
    if (req & CPU_INTERRUPT_NMI) {
        cpu_reset_interrupt(tc->cpu, CPU_INTERRUPT_NMI);
        x86_do_interrupt(env, EXCP_NMI, X86_EV_HW, 0, 0);
        return;
    }
    if (x86_intc) {
        bql_lock();
        vec = x86_intc->get_interrupt(tc->cpu);
        bql_unlock();
    }
    if (vec >= 0) {
        x86_do_interrupt(env, vec & 0xff, X86_EV_HW, 0, 0);
    }
}

/* ---- the loop ---- */

static inline uint64_t env_pc(const X86CPUState *env)
{
    if (env->hflags & HF_CS64) {
        return env->rip;                /* CS base is 0 in 64-bit mode */
    }
    return (env->segs[R_CS].base + env->rip) & 0xffffffffull;
}

/* lookup_and_goto_ptr: the next block when it is cached and nothing
 * needs the loop, else NULL (back to the loop). */
static void *tcg_lookup_ptr(CPUEnv *env)
{
    TcgCpu *tc = tcg_cpu(env);
    TranslationBlock *tb;

    if (__atomic_load_n(&tc->exit_flag, __ATOMIC_ACQUIRE) ||
        tc->next_tb_max_insns || tc->singlestep || tcg_selfcheck ||
        (env->hflags & HF_INHIBIT_IRQ)) {
        return NULL;
    }
    tb = tb_lookup(tc, env_pc(env), env->segs[R_CS].base, env->hflags, 0);
    return tb && !tb->uncached ? tb->code : NULL;
}

typedef enum LoopResult {
    LOOP_CONTINUE,
    LOOP_RETURN,
} LoopResult;

/* Between blocks: exceptions, requests, interrupts, HLT. */
static LoopResult tcg_between_blocks(TcgCpu *tc, VcpuExit *why)
{
    X86CPUState *env = &tc->env;
    X86CPU *cpu = tc->cpu;

    tlb_process_pending(tc);
    if (env->exception_index == EXCP_TCG_DEBUG) {
        env->exception_index = -1;
        *why = VCPU_EXIT_DEBUG;
        return LOOP_RETURN;
    }
    if (env->exception_index == EXCP_TCG_HALT ||
        env->exception_index == EXCP_TCG_EXIT) {
        env->exception_index = -1;
    } else if (env->exception_index >= 0 && !tcg_handle_exception(tc)) {
        *why = VCPU_EXIT_SHUTDOWN;
        return LOOP_RETURN;
    }
    /* GDB steps with interrupts masked, as QEMU does by default */
    if (!tc->singlestep && !tc->watch_hit && irq_deliverable(tc)) {
        tcg_handle_interrupt(tc);
    }
    /* a kick: let system/cpus.c look at stop/quit requests (plain loads
     * first: the locked exchanges cost more than the rest of the loop) */
    if ((__atomic_load_n(&cpu->exit_request, __ATOMIC_ACQUIRE) ||
         __atomic_load_n(&tc->exit_flag, __ATOMIC_ACQUIRE)) &&
        (__atomic_exchange_n(&cpu->exit_request, 0, __ATOMIC_ACQ_REL) |
         __atomic_exchange_n(&tc->exit_flag, 0, __ATOMIC_ACQ_REL))) {
        *why = VCPU_EXIT_KICK;
        return LOOP_RETURN;
    }
    if (env->halted) {
        *why = VCPU_EXIT_HALT;
        return LOOP_RETURN;
    }
    return LOOP_CONTINUE;
}

/* Run blocks until the vCPU must leave vcpu_run. */
static VcpuExit tcg_run_blocks(TcgCpu *tc)
{
    X86CPUState *env = &tc->env;
    TranslationBlock *last = NULL;
    unsigned last_n = 0, flushes = 0;
    VcpuExit why = VCPU_EXIT_KICK;

    for (;;) {
        TranslationBlock *tb;
        unsigned max;
        uintptr_t ret;

        if (tcg_between_blocks(tc, &why) == LOOP_RETURN) {
            return why;
        }
        max = tc->singlestep ? 1 : tc->next_tb_max_insns;
        tc->next_tb_max_insns = 0;
        tb = tb_lookup(tc, env_pc(env), env->segs[R_CS].base, env->hflags,
                       max);
        if (!tb) {
            tb = tb_gen_code(tc, env_pc(env), env->segs[R_CS].base,
                             env->hflags, max);
        }
        if (last && flushes == tb_flush_count() && !tcg_selfcheck) {
            tb_add_jump(last, last_n, tb);
        }
        flushes = tb_flush_count();
        ret = tcg_selfcheck ? selfcheck_exec(tc, tb)
                            : tcg_exec_tb(env, tb->code);
        last = (TranslationBlock *)(ret & ~(uintptr_t)TB_EXIT_MASK);
        last_n = ret & TB_EXIT_MASK;
        if (last && last_n == TB_EXIT_REQUESTED) {
            /* stopped at the entry of `last`: EIP is its start */
            env->rip = last->pc - last->cs_base;
            last = NULL;
        }
        if (tb->uncached) {
            tb->invalid = true;
            last = NULL;
        }
        if (tc->singlestep || (tc->watch_hit && !tc->next_tb_max_insns)) {
            tc->watch_hit = false;
            return VCPU_EXIT_DEBUG;
        }
    }
}

static VcpuExit tcg_cpu_exec(TcgCpu *tc)
{
    if (sigsetjmp(tc->jmp_env, 0)) {
        /* an exception or a loop exit from inside a block or helper:
         * helpers never raise with the big lock held */
        g_assert(!bql_locked());
    }
    return tcg_run_blocks(tc);
}

/*
 * SMP: one vCPU runs guest code at a time (docs/smp.md). A vCPU takes a
 * ticket and runs when it is served, so vCPUs take turns in order; a
 * vCPU that waits a slice kicks the one running, which gives up its turn
 * at the next block boundary. A single vCPU never waits.
 */
#define TCG_RR_SLICE_US 10000

static GMutex tcg_rr_lock;
static GCond tcg_rr_cond;
static unsigned tcg_rr_next, tcg_rr_serving;
static X86CPU *tcg_rr_holder;

static void tcg_kick(X86CPU *cpu);

static void tcg_rr_acquire(X86CPU *cpu)
{
    unsigned ticket;

    g_mutex_lock(&tcg_rr_lock);
    ticket = tcg_rr_next++;
    while (tcg_rr_serving != ticket) {
        if (!g_cond_wait_until(&tcg_rr_cond, &tcg_rr_lock,
                               g_get_monotonic_time() + TCG_RR_SLICE_US) &&
            tcg_rr_holder) {
            tcg_kick(tcg_rr_holder);    /* its slice is over */
        }
    }
    tcg_rr_holder = cpu;
    g_mutex_unlock(&tcg_rr_lock);
}

bool tcg_rr_contended(void)
{
    return __atomic_load_n(&tcg_rr_next, __ATOMIC_RELAXED) -
           __atomic_load_n(&tcg_rr_serving, __ATOMIC_RELAXED) > 1;
}

static void tcg_rr_release(void)
{
    g_mutex_lock(&tcg_rr_lock);
    tcg_rr_holder = NULL;
    tcg_rr_serving++;
    g_cond_broadcast(&tcg_rr_cond);
    g_mutex_unlock(&tcg_rr_lock);
}

static VcpuExit tcg_vcpu_run(X86CPU *cpu)
{
    TcgCpu *tc = cpu->accel_state;
    VcpuExit why;

    env_copy_skip_irq(&tc->env, &cpu->env);
    if (tc->state_dirty) {
        tc->state_dirty = false;
        tlb_flush(tc);                  /* and the jump cache */
        tc->delivering = -1;
    }
    tcg_rr_acquire(cpu);
    tcg_current = tc;
    why = tcg_cpu_exec(tc);
    tcg_current = NULL;
    tcg_rr_release();
    env_copy_skip_irq(&cpu->env, &tc->env);
    return why;
}

/* ---- AccelOps ---- */

static bool tcg_accel_init(Machine *m, const char *opts, GError **errp)
{
    const char *model = m && m->cfg ? m->cfg->cpu_model : NULL;
    const X86CPUModel *cm = x86_cpu_model_find(model);
    g_auto(GStrv) parts = g_strsplit(opts ? opts : "", ",", -1);

    tcg_selfcheck = false;
    for (int i = 0; parts[i]; i++) {
        if (!strcmp(parts[i], "jit=on") || !strcmp(parts[i], "jit")) {
            tcg_jit_enabled = true;
        } else if (!strcmp(parts[i], "jit=off")) {
            tcg_jit_enabled = false;
        } else if (!strcmp(parts[i], "selfcheck=on") ||
                   !strcmp(parts[i], "selfcheck=off")) {
            tcg_selfcheck = !strcmp(parts[i], "selfcheck=on");
        } else if (parts[i][0]) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "-accel tcg,%s: unknown option (jit=on|off, "
                        "selfcheck=on|off)", parts[i]);
            return false;
        }
    }
    if (tcg_selfcheck && !tcg_jit_enabled) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-accel tcg: selfcheck=on compares the JIT with the "
                    "interpreter: it needs jit=on");
        return false;
    }
    if (!cm) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-cpu %s: unknown CPU model (486, pentium, pentium2, "
                    "qemu32)", model);
        return false;
    }
    x86_cpu_set_machine_model(cm);
    if (!tb_cache_init(tcg_jit_enabled, errp)) {
        return false;
    }
    tcg_set_tlb_offset(offsetof(TcgCpu, tlb));
    tcg_set_lookup_fn(tcg_lookup_ptr);
    tb_install_write_hook();
    return true;
}

static bool tcg_vcpu_init(X86CPU *cpu, GError **errp)
{
    TcgCpu *tc = tcg_cpu_new(cpu);

    tc->delivering = -1;
    cpu->accel_state = tc;
    return true;
}

static void tcg_kick(X86CPU *cpu)
{
    TcgCpu *tc = cpu->accel_state;

    if (tc) {
        __atomic_store_n(&tc->exit_flag, 1, __ATOMIC_RELEASE);
    }
}

/* The vCPUs are parked (guest-debug.h): blocks translated for the old
 * breakpoints go, and each vCPU drops its jump cache and TLB (watchpoint
 * marks) when it runs again. */
static bool tcg_set_guest_debug(X86CPU *cpu, unsigned flags, GError **errp)
{
    static unsigned flushed_generation;
    TcgCpu *tc = cpu->accel_state;

    tc->singlestep = flags & GUEST_DEBUG_SINGLESTEP;
    if (flushed_generation != guest_debug_generation) {
        flushed_generation = guest_debug_generation;
        tb_flush_all();
    }
    tc->state_dirty = true;
    return true;
}

static void tcg_vcpu_destroy(X86CPU *cpu)
{
    g_clear_pointer(&cpu->accel_state, tcg_cpu_free);
}

static const AccelOps tcg_accel_ops = {
    .name = "tcg",
    .init = tcg_accel_init,
    .vcpu_init = tcg_vcpu_init,
    .vcpu_run = tcg_vcpu_run,
    .get_state = tcg_get_state,
    .put_state = tcg_put_state,
    .kick = tcg_kick,
    .set_guest_debug = tcg_set_guest_debug,
    .vcpu_destroy = tcg_vcpu_destroy,
};
ACCEL_REGISTER(tcg_accel_ops)
