/* SPDX-License-Identifier: MIT */
/*
 * Hardware task switching: JMP/CALL to a TSS or task gate, interrupts
 * through task gates, IRET with NT set; the inner-level stack pointers a
 * privilege change reads from the current TSS. Both TSS formats (16-bit
 * 80286 and 32-bit) are described by one layout table.
 *
 * Ref: Intel SDM Vol. 3A 7.2 (TSS), 7.3 (task switching), 7.4 (task
 * linking, busy flag), 7.7 (16-bit TSS).
 * Missing: the T (debug trap) flag, I/O map of a 16-bit TSS (none exists),
 * checks that the old TSS is writable and present in the GDT.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/seg-internal.h"
#include "accel/tcg/tcg-cpu.h"

typedef struct TssLayout {
    unsigned size;                      /* register width: 2 or 4 */
    unsigned min_limit;
    unsigned stack0, stack_stride;      /* SS0:ESP0 pairs */
    int cr3;                            /* -1: none */
    unsigned eip, eflags, regs, segs, nsegs, ldt;
} TssLayout;

static const TssLayout tss32 = {
    .size = 4, .min_limit = 0x67, .stack0 = 4, .stack_stride = 8,
    .cr3 = 0x1c, .eip = 0x20, .eflags = 0x24, .regs = 0x28, .segs = 0x48,
    .nsegs = 6, .ldt = 0x60,
};

static const TssLayout tss16 = {
    .size = 2, .min_limit = 0x2b, .stack0 = 2, .stack_stride = 4,
    .cr3 = -1, .eip = 0x0e, .eflags = 0x10, .regs = 0x12, .segs = 0x22,
    .nsegs = 4, .ldt = 0x2a,
};

static const TssLayout *tss_layout(uint32_t flags)
{
    return ((flags >> DESC_TYPE_SHIFT) & 8) ? &tss32 : &tss16;
}

void tss_get_stack(X86CPUState *env, unsigned dpl, uint32_t *ss,
                   uint32_t *esp, uintptr_t ra)
{
    const TssLayout *l = tss_layout(env->tr.flags);
    unsigned off = l->stack0 + dpl * l->stack_stride;

    if (!(env->tr.flags & DESC_P_MASK) ||
        off + l->size * 2 - 1 > env->tr.limit) {
        raise_exception_err_ra(env, EXCP_TS, env->tr.selector & 0xfffc, ra);
    }
    *esp = cpu_ld_mmu(env, env->tr.base + off, MMU_KERNEL_IDX, l->size, ra);
    *ss = cpu_ld_mmu(env, env->tr.base + off + l->size, MMU_KERNEL_IDX, 2,
                     ra);
}

static void tss_set_busy(X86CPUState *env, uint32_t sel, bool busy,
                         uintptr_t ra)
{
    uint64_t a = env->gdt.base + (sel & ~7u) + 4;
    uint32_t e2 = cpu_ld_mmu(env, a, MMU_KERNEL_IDX, 4, ra);

    e2 = busy ? e2 | (2u << DESC_TYPE_SHIFT) : e2 & ~(2u << DESC_TYPE_SHIFT);
    cpu_st_mmu(env, a, e2, MMU_KERNEL_IDX, 4, ra);
}

/* The state read from the new TSS before anything changes. */
typedef struct TssImage {
    uint32_t cr3, eip, eflags, regs[8], segs[6], ldt;
} TssImage;

static void tss_read(X86CPUState *env, uint64_t base, const TssLayout *l,
                     TssImage *t, uintptr_t ra)
{
    memset(t, 0, sizeof(*t));
    if (l->cr3 >= 0) {
        t->cr3 = cpu_ld_mmu(env, base + l->cr3, MMU_KERNEL_IDX, 4, ra);
    }
    t->eip = cpu_ld_mmu(env, base + l->eip, MMU_KERNEL_IDX, l->size, ra);
    t->eflags = cpu_ld_mmu(env, base + l->eflags, MMU_KERNEL_IDX, l->size,
                           ra);
    for (int i = 0; i < 8; i++) {
        t->regs[i] = cpu_ld_mmu(env, base + l->regs + i * l->size,
                                MMU_KERNEL_IDX, l->size, ra);
    }
    for (unsigned i = 0; i < l->nsegs; i++) {
        t->segs[i] = cpu_ld_mmu(env, base + l->segs + i * l->size,
                                MMU_KERNEL_IDX, 2, ra);
    }
    t->ldt = cpu_ld_mmu(env, base + l->ldt, MMU_KERNEL_IDX, 2, ra);
}

static void tss_save(X86CPUState *env, const TssLayout *l, uint64_t eip,
                     uint32_t eflags, uintptr_t ra)
{
    uint64_t base = env->tr.base;

    cpu_st_mmu(env, base + l->eip, eip, MMU_KERNEL_IDX, l->size, ra);
    cpu_st_mmu(env, base + l->eflags, eflags, MMU_KERNEL_IDX, l->size, ra);
    for (int i = 0; i < 8; i++) {
        cpu_st_mmu(env, base + l->regs + i * l->size, env->regs[i],
                   MMU_KERNEL_IDX, l->size, ra);
    }
    for (unsigned i = 0; i < l->nsegs; i++) {
        cpu_st_mmu(env, base + l->segs + i * l->size,
                   env->segs[i].selector, MMU_KERNEL_IDX, 2, ra);
    }
}

/* Load the new task's segment registers, raising #TS on a bad one. */
static void task_load_segs(X86CPUState *env, const TssImage *t, bool v86,
                           uintptr_t ra)
{
    uint32_t e1, e2, cs = t->segs[R_CS];
    unsigned cpl = cs & 3;

    if (v86) {
        for (int i = 0; i < 6; i++) {
            seg_load_real(env, i, t->segs[i], true);
        }
        return;
    }
    if (!(cs & ~3u) || !desc_load(env, cs, &e1, &e2, ra) ||
        (e2 & (DESC_S_MASK | DESC_CS_MASK)) != (DESC_S_MASK | DESC_CS_MASK) ||
        ((e2 & DESC_C_MASK) ? desc_dpl(e2) > cpl : desc_dpl(e2) != cpl)) {
        raise_exception_err_ra(env, EXCP_TS, cs & 0xfffc, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_NP, cs & 0xfffc, ra);
    }
    desc_set_accessed(env, cs, &e2, ra);
    seg_cache_set(env, R_CS, cs, e1, e2);
    seg_load_checked(env, R_SS, t->segs[R_SS], cpl, EXCP_TS, ra);
    for (int i = 0; i < 6; i++) {
        if (i != R_CS && i != R_SS) {
            seg_load_checked(env, i, t->segs[i], cpl, EXCP_TS, ra);
        }
    }
}

static void task_load_ldt(X86CPUState *env, uint32_t sel, uintptr_t ra)
{
    uint32_t e1, e2;

    if (!(sel & ~3u)) {
        env->ldt = (SegmentCache) { .selector = sel };
        return;
    }
    if ((sel & 4) || !desc_load(env, sel, &e1, &e2, ra) ||
        (e2 & DESC_S_MASK) || desc_type(e2) != DT_LDT) {
        raise_exception_err_ra(env, EXCP_TS, sel & 0xfffc, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_TS, sel & 0xfffc, ra);
    }
    env->ldt = (SegmentCache) {
        .selector = sel, .base = desc_base(e1, e2),
        .limit = desc_limit(e1, e2), .flags = e2 & 0x00f0ff00u,
    };
}

void x86_task_switch(X86CPUState *env, uint32_t sel, uint32_t e1,
                     uint32_t e2, TaskSwitchSource src, uint64_t next_eip,
                     uintptr_t ra)
{
    const TssLayout *ol = tss_layout(env->tr.flags), *nl;
    uint32_t old_eflags = x86_cpu_get_eflags(env);
    uint32_t old_tr = env->tr.selector;
    uint64_t nbase;
    TssImage t;

    if (desc_type(e2) == DT_TASK) {
        sel = e1 >> 16;
        if ((sel & 4) || !desc_load(env, sel, &e1, &e2, ra)) {
            raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
        }
    }
    if ((e2 & DESC_S_MASK) ||
        ((desc_type(e2) & 5) != 1) ||   /* types 1, 3, 9, 11 */
        ((desc_type(e2) & 2) != 0) != (src == TS_IRET)) {
        raise_exception_err_ra(env, src == TS_IRET ? EXCP_TS : EXCP_GP,
                               sel & 0xfffc, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_NP, sel & 0xfffc, ra);
    }
    nl = tss_layout(e2 & 0x00f0ff00u);
    if (desc_limit(e1, e2) < nl->min_limit) {
        raise_exception_err_ra(env, EXCP_TS, sel & 0xfffc, ra);
    }
    ks_log_mask(LOG_PCALL, "task switch %d from 0x%04x to 0x%04x\n", src,
                old_tr, sel);
    nbase = desc_base(e1, e2);
    tss_read(env, nbase, nl, &t, ra);

    /* save the outgoing task */
    if (src == TS_IRET) {
        old_eflags &= ~NT_MASK;
    }
    tss_save(env, ol, next_eip, old_eflags, ra);
    if (src == TS_JMP || src == TS_IRET) {
        tss_set_busy(env, old_tr, false, ra);
    }
    if (src == TS_CALL || src == TS_INT) {
        cpu_st_mmu(env, nbase, old_tr, MMU_KERNEL_IDX, 2, ra);
        t.eflags |= NT_MASK;
    }
    if (src != TS_IRET) {
        tss_set_busy(env, sel, true, ra);
        e2 |= 2u << DESC_TYPE_SHIFT;
    }

    /* switch */
    env->tr = (SegmentCache) {
        .selector = sel, .base = nbase, .limit = desc_limit(e1, e2),
        .flags = e2 & 0x00f0ff00u,
    };
    env->cr[0] |= CR0_TS;
    if (nl->cr3 >= 0 && (env->cr[0] & CR0_PG) && t.cr3 != env->cr[3]) {
        env->cr[3] = t.cr3;
        tlb_flush_nonglobal(tcg_cpu(env));
    }
    for (int i = 0; i < 8; i++) {
        env->regs[i] = nl->size == 4 ? t.regs[i]
                       : (env->regs[i] & ~0xffffull) | t.regs[i];
    }
    env->rip = t.eip;
    x86_cpu_set_eflags(env, nl->size == 4 ? t.eflags
                       : (old_eflags & 0xffff0000u) | t.eflags);
    task_load_ldt(env, t.ldt, ra);
    task_load_segs(env, &t, nl->size == 4 && (t.eflags & VM_MASK), ra);
    x86_cpu_update_hflags(env);
    if (env->rip > env->segs[R_CS].limit) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
}
