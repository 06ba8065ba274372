/* SPDX-License-Identifier: MIT */
/*
 * System instructions that translated code calls out for: control and
 * debug register moves, CLTS, LMSW, INVLPG, HLT, CLI/STI and PUSHF/POPF
 * with their IOPL rules, IN/OUT with the I/O permission checks, RDTSC
 * from the virtual clock, RDMSR/WRMSR (CPUID: cpuid.c).
 * Port I/O goes to io_read/io_write under the big lock.
 *
 * Ref: Intel SDM Vol. 3A 2.5 (control registers), 18.2 (debug registers),
 * 20.2 (IOPL in V86 mode), Vol. 1 19.5 (I/O permission bit map), Vol. 4
 * (model-specific registers).
 * Missing: VME/PVI (CR4 bits are stored, VIF/VIP are not used),
 * debug breakpoints in DR7 (stored, logged as unimplemented), RSM/SMM,
 * performance counters (RDPMC gives 0), caching effects of MTRR/PAT.
 * env->tsc holds the offset of the guest TSC from the virtual clock in ns
 * (a 1 GHz TSC).
 */
#include "kestrel/osdep.h"
#include "kestrel/bql.h"
#include "kestrel/log.h"
#include "kestrel/memory.h"
#include "kestrel/timer.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/seg-internal.h"
#include "cpu/x86/long_helper.h"
#include "accel/tcg/tcg-cpu.h"
#include "tcg/tcg-backend.h"

static unsigned env_iopl(const X86CPUState *env)
{
    return (env->eflags & IOPL_MASK) >> IOPL_SHIFT;
}

/* ---- flags ---- */

void helper_cli(X86CPUState *env)
{
    if ((env->cr[0] & CR0_PE) && env_cpl(env) > env_iopl(env)) {
        raise_exception_err_ra(env, EXCP_GP, 0, TCG_GETPC());
    }
    env->eflags &= ~(uint64_t)IF_MASK;
}

void helper_sti(X86CPUState *env)
{
    if ((env->cr[0] & CR0_PE) && env_cpl(env) > env_iopl(env)) {
        raise_exception_err_ra(env, EXCP_GP, 0, TCG_GETPC());
    }
    if (!(env->eflags & IF_MASK)) {
        env->hflags |= HF_INHIBIT_IRQ;
    }
    env->eflags |= IF_MASK;
}

uint64_t helper_pushf(X86CPUState *env, uint64_t op_size)
{
    uint64_t fl;

    if ((env->eflags & VM_MASK) && env_iopl(env) < 3) {
        raise_exception_err_ra(env, EXCP_GP, 0, TCG_GETPC());
    }
    fl = x86_cpu_get_eflags(env) & ~(uint64_t)(VM_MASK | RF_MASK);
    return op_size == 2 ? fl & 0xffff : fl;
}

void helper_popf(X86CPUState *env, uint64_t val, uint64_t op_size)
{
    uint64_t mask = CC_MASK | TF_MASK | DF_MASK | NT_MASK | AC_MASK |
                    ID_MASK;
    bool vm = env->eflags & VM_MASK;

    if (vm && env_iopl(env) < 3) {
        raise_exception_err_ra(env, EXCP_GP, 0, TCG_GETPC());
    }
    if (!(env->cr[0] & CR0_PE) || (!vm && env_cpl(env) == 0)) {
        mask |= IOPL_MASK | IF_MASK;
    } else if (vm || env_cpl(env) <= env_iopl(env)) {
        mask |= IF_MASK;
    }
    if (op_size == 2) {
        mask &= 0xffff;
    }
    x86_cpu_set_eflags(env, (x86_cpu_get_eflags(env) & ~mask) |
                            (val & mask));
    x86_cpu_update_hflags(env);
}

/* ---- I/O ---- */

/* SDM Vol. 1 19.5: IOPL first, then the TSS bitmap. */
static void io_check(X86CPUState *env, uint32_t port, unsigned size,
                     uintptr_t ra)
{
    unsigned type = desc_type(env->tr.flags);
    uint32_t base, bits;

    if (!(env->cr[0] & CR0_PE) ||
        (!(env->eflags & VM_MASK) && env_cpl(env) <= env_iopl(env))) {
        return;
    }
    if ((type != DT_TSS32_AVL && type != DT_TSS32_BUSY) ||
        env->tr.limit < 0x67) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    base = cpu_ld_mmu(env, env->tr.base + 0x66, MMU_KERNEL_IDX, 2, ra) +
           port / 8;
    if (base + 1 > env->tr.limit) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    bits = cpu_ld_mmu(env, env->tr.base + base, MMU_KERNEL_IDX, 2, ra);
    if ((bits >> (port & 7)) & ((1u << size) - 1)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
}

uint64_t helper_in(X86CPUState *env, uint64_t port, uint64_t size)
{
    uint64_t val;

    io_check(env, port & 0xffff, size, TCG_GETPC());
    bql_lock();
    val = io_read(port & 0xffff, size);
    bql_unlock();
    ks_log_mask(LOG_IOPORT, "in%c 0x%04x -> 0x%" PRIx64 "\n",
                "?bw?l"[size], (unsigned)port & 0xffff, val);
    return val;
}

void helper_out(X86CPUState *env, uint64_t port, uint64_t val, uint64_t size)
{
    io_check(env, port & 0xffff, size, TCG_GETPC());
    ks_log_mask(LOG_IOPORT, "out%c 0x%04x <- 0x%" PRIx64 "\n",
                "?bw?l"[size], (unsigned)port & 0xffff, val);
    bql_lock();
    io_write(port & 0xffff, val, size);
    bql_unlock();
}

/* ---- control and debug registers ---- */

#define CR4_SUPPORTED (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | \
                       CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR | \
                       CR4_OSXMMEXCPT)

uint64_t helper_read_cr(X86CPUState *env, uint64_t reg)
{
    if (reg == 1 || reg > 4) {
        raise_exception_ra(env, EXCP_UD, TCG_GETPC());
    }
    return env->cr[reg];
}

static void write_cr0(X86CPUState *env, uint32_t val, uintptr_t ra)
{
    uint32_t changed;

    val |= CR0_ET;
    if (((val & CR0_PG) && !(val & CR0_PE)) ||
        ((val & CR0_NW) && !(val & CR0_CD))) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    x86_lm_check_cr0(env, val, ra);
    changed = env->cr[0] ^ val;
    env->cr[0] = val;
    x86_lm_update(env);
    if (changed & (CR0_PG | CR0_PE | CR0_WP)) {
        tlb_flush(tcg_cpu(env));
    }
}

void helper_write_cr(X86CPUState *env, uint64_t reg, uint64_t val)
{
    uintptr_t ra = TCG_GETPC();

    if (!(env->hflags & HF_CS64)) {
        val &= 0xffffffffull;
    }
    switch (reg) {
    case 0:
        write_cr0(env, val, ra);
        break;
    case 2:
        env->cr[2] = val;
        break;
    case 3:
        env->cr[3] = val;
        tlb_flush_nonglobal(tcg_cpu(env));
        break;
    case 4:
        if (val & ~(uint64_t)CR4_SUPPORTED) {
            raise_exception_err_ra(env, EXCP_GP, 0, ra);
        }
        x86_lm_check_cr4(env, val, ra);
        if (val & (CR4_VME | CR4_PVI)) {
            ks_log_mask(LOG_UNIMP, "CR4.VME/PVI set: not implemented\n");
        }
        if ((env->cr[4] ^ val) & (CR4_PSE | CR4_PAE | CR4_PGE)) {
            tlb_flush(tcg_cpu(env));
        }
        env->cr[4] = val;
        break;
    default:
        raise_exception_ra(env, EXCP_UD, ra);
    }
    x86_cpu_update_hflags(env);
}

void helper_lmsw(X86CPUState *env, uint64_t val)
{
    /* PE can be set, not cleared; MP, EM, TS follow the operand */
    val = (env->cr[0] & ~0xeull) | (val & 0xf) | (env->cr[0] & CR0_PE);
    write_cr0(env, val, TCG_GETPC());
    x86_cpu_update_hflags(env);
}

void helper_clts(X86CPUState *env)
{
    env->cr[0] &= ~(uint64_t)CR0_TS;
    x86_cpu_update_hflags(env);
}

void helper_invlpg(X86CPUState *env, uint64_t linear)
{
    tlb_flush_page(tcg_cpu(env), (env->hflags & HF_CS64) ? linear
                                         : linear & 0xffffffffull);
}

/* DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD). */
static unsigned dr_index(X86CPUState *env, uint64_t reg, uintptr_t ra)
{
    if (reg == 4 || reg == 5) {
        if (env->cr[4] & CR4_DE) {
            raise_exception_ra(env, EXCP_UD, ra);
        }
        return reg + 2;
    }
    if (reg > 7) {
        raise_exception_ra(env, EXCP_UD, ra);
    }
    return reg;
}

uint64_t helper_read_dr(X86CPUState *env, uint64_t reg)
{
    return env->dr[dr_index(env, reg, TCG_GETPC())];
}

void helper_write_dr(X86CPUState *env, uint64_t reg, uint64_t val)
{
    unsigned i = dr_index(env, reg, TCG_GETPC());

    val &= 0xffffffffull;
    if (i == 6) {
        val = (val & 0xe00f) | 0xffff0ff0u;
    } else if (i == 7) {
        val = (val & ~0xd800ull) | 0x400;
        if (val & 0xff) {
            ks_log_mask(LOG_UNIMP, "DR7 breakpoints are not implemented\n");
        }
    }
    env->dr[i] = val;
}

void helper_hlt(X86CPUState *env, uint64_t next_eip)
{
    env->rip = next_eip;
    env->halted = true;
    env->hflags &= ~HF_INHIBIT_IRQ;
    env->exception_index = EXCP_TCG_HALT;
    tcg_cpu_loop_exit(tcg_cpu(env));
}

/* A spin-wait loop cannot end while the vCPU it waits for cannot run:
 * let it run (vCPUs take turns, accel/tcg/exec.c). */
void helper_pause(X86CPUState *env, uint64_t next_eip)
{
    TcgCpu *tc = tcg_cpu(env);

    if (tcg_rr_contended()) {
        tcg_cpu_restore_state(tc, TCG_GETPC());
        env->rip = next_eip;
        __atomic_store_n(&tc->exit_flag, 1, __ATOMIC_RELEASE);
        tcg_cpu_loop_exit(tc);
    }
}

/* ---- TSC, MSRs ---- */

static uint64_t tsc_now(X86CPUState *env)
{
    return clock_ns(CLOCK_VIRTUAL) + env->tsc;
}

void helper_rdtsc(X86CPUState *env)
{
    uintptr_t ra = TCG_GETPC();
    uint64_t tsc;

    if (!(x86_cpu_machine_model()->features_edx & CPUID_TSC)) {
        raise_exception_ra(env, EXCP_UD, ra);
    }
    if ((env->cr[4] & CR4_TSD) && env_cpl(env) != 0) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    tsc = tsc_now(env);
    env->regs[R_EAX] = (uint32_t)tsc;
    env->regs[R_EDX] = tsc >> 32;
}

void helper_rdpmc(X86CPUState *env)
{
    if (!(env->cr[4] & CR4_PCE) && env_cpl(env) != 0) {
        raise_exception_err_ra(env, EXCP_GP, 0, TCG_GETPC());
    }
    env->regs[R_EAX] = 0;
    env->regs[R_EDX] = 0;
}

enum { MSR_PLAIN, MSR_TSC, MSR_ZERO, MSR_MTRRCAP, MSR_EFER, MSR_APICBASE };

typedef struct MsrDesc {
    uint32_t first, count;              /* MSR index range */
    uint8_t kind;                       /* MSR_* */
    size_t field;                       /* MSR_PLAIN: env offset, 8 apart */
} MsrDesc;

#define ENV_OFS(f) offsetof(X86CPUState, f)

static const MsrDesc msr_table[] = {
    { 0x10, 1, MSR_TSC, 0 },
    { 0x17, 1, MSR_ZERO, 0 },           /* platform ID */
    { 0x1b, 1, MSR_APICBASE, 0 },
    { 0x79, 1, MSR_ZERO, 0 },           /* microcode update trigger */
    { 0x8b, 1, MSR_ZERO, 0 },           /* microcode signature */
    { 0xfe, 1, MSR_MTRRCAP, 0 },
    { 0x174, 1, MSR_PLAIN, ENV_OFS(sysenter_cs) },
    { 0x175, 1, MSR_PLAIN, ENV_OFS(sysenter_esp) },
    { 0x176, 1, MSR_PLAIN, ENV_OFS(sysenter_eip) },
    { 0x1a0, 1, MSR_PLAIN, ENV_OFS(misc_enable) },
    { 0x200, 16, MSR_PLAIN, ENV_OFS(mtrr_var) },
    { 0x250, 1, MSR_PLAIN, ENV_OFS(mtrr_fixed[0]) },
    { 0x258, 2, MSR_PLAIN, ENV_OFS(mtrr_fixed[1]) },
    { 0x268, 8, MSR_PLAIN, ENV_OFS(mtrr_fixed[3]) },
    { 0x277, 1, MSR_PLAIN, ENV_OFS(pat) },
    { 0x2ff, 1, MSR_PLAIN, ENV_OFS(mtrr_def_type) },
    { 0xc0000080u, 1, MSR_EFER, 0 },
    { 0xc0000081u, 1, MSR_PLAIN, ENV_OFS(star) },
    { 0xc0000082u, 1, MSR_PLAIN, ENV_OFS(lstar) },
    { 0xc0000083u, 1, MSR_PLAIN, ENV_OFS(cstar) },
    { 0xc0000084u, 1, MSR_PLAIN, ENV_OFS(fmask) },
    { 0xc0000100u, 1, MSR_PLAIN, ENV_OFS(segs[R_FS].base) },
    { 0xc0000101u, 1, MSR_PLAIN, ENV_OFS(segs[R_GS].base) },
    { 0xc0000102u, 1, MSR_PLAIN, ENV_OFS(kernel_gs_base) },
    { 0xc0000103u, 1, MSR_PLAIN, ENV_OFS(tsc_aux) },
    { 0xc0010010u, 1, MSR_ZERO, 0 },    /* AMD SYSCFG: 0, writes ignored
                                           (as QEMU's TCG) */
    { 0xc0010055u, 1, MSR_ZERO, 0 },    /* AMD interrupt pending message:
                                           no C1E; Linux reads it on K8
                                           rev F+ (qemu64), erratum 400 */
};

static const MsrDesc *msr_find(uint32_t msr)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(msr_table); i++) {
        if (msr - msr_table[i].first < msr_table[i].count) {
            return &msr_table[i];
        }
    }
    return NULL;
}

static const MsrDesc *msr_check(X86CPUState *env, uintptr_t ra)
{
    uint32_t msr = env->regs[R_ECX];
    const MsrDesc *d;

    if (!(x86_cpu_machine_model()->features_edx & CPUID_MSR)) {
        raise_exception_ra(env, EXCP_UD, ra);
    }
    d = msr_find(msr);
    if (!d) {
        ks_log_mask(LOG_UNIMP | LOG_GUEST_ERROR,
                    "unknown MSR 0x%08x: #GP\n", msr);
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    return d;
}

void helper_rdmsr(X86CPUState *env)
{
    const MsrDesc *d = msr_check(env, TCG_GETPC());
    uint32_t msr = env->regs[R_ECX];
    uint64_t val = 0;

    switch (d->kind) {
    case MSR_PLAIN:
        val = *(uint64_t *)((char *)env + d->field +
                            (msr - d->first) * 8);
        break;
    case MSR_TSC:
        val = tsc_now(env);
        break;
    case MSR_MTRRCAP:
        val = 0x508;                    /* WC, fixed ranges, 8 variable */
        break;
    case MSR_EFER:
        val = env->efer;
        break;
    case MSR_APICBASE:                  /* the local APIC owns it */
        if (x86_intc) {
            bql_lock();
            env->apic_base = x86_intc->get_apic_base(x86_env_cpu(env));
            bql_unlock();
        }
        val = env->apic_base;
        break;
    default:
        break;
    }
    env->regs[R_EAX] = (uint32_t)val;
    env->regs[R_EDX] = val >> 32;
}

void helper_wrmsr(X86CPUState *env)
{
    uintptr_t ra = TCG_GETPC();
    const MsrDesc *d = msr_check(env, ra);
    uint32_t msr = env->regs[R_ECX];
    uint64_t val = (uint32_t)env->regs[R_EAX] |
                   (uint64_t)(uint32_t)env->regs[R_EDX] << 32;

    switch (d->kind) {
    case MSR_PLAIN:
        *(uint64_t *)((char *)env + d->field + (msr - d->first) * 8) = val;
        break;
    case MSR_TSC:
        env->tsc = val - clock_ns(CLOCK_VIRTUAL);
        break;
    case MSR_EFER:
        x86_lm_write_efer(env, val, ra);
        break;
    case MSR_APICBASE: {
        bool ok = true;

        if (x86_intc) {
            bql_lock();
            ok = x86_intc->set_apic_base(x86_env_cpu(env), val);
            val = x86_intc->get_apic_base(x86_env_cpu(env));
            bql_unlock();
        }
        if (!ok) {
            raise_exception_err_ra(env, EXCP_GP, 0, ra);
        }
        env->apic_base = val;
        break;
    }
    default:
        break;                          /* read-only or ignored */
    }
}

void helper_rsm(X86CPUState *env)
{
    ks_log_mask(LOG_UNIMP, "RSM outside SMM: #UD\n");
    raise_exception_ra(env, EXCP_UD, TCG_GETPC());
}
