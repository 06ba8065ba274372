/* SPDX-License-Identifier: MIT */
/*
 * Long mode (IA-32e) system side: activation (EFER.LME/LMA with CR0.PG and
 * CR4.PAE), 64-bit interrupt and exception delivery (16-byte IDT gates,
 * IST stacks and RSP0-2 of the 64-bit TSS), IRET/IRETQ and far RET,
 * SYSCALL/SYSRET (STAR/LSTAR/CSTAR/FMASK), SWAPGS (KERNEL_GS_BASE),
 * LTR/LLDT of 16-byte system descriptors. Far JMP and CALL (with 64-bit
 * call gates) are in long_far.c.
 *
 * Called by translated code (emit-long.c, emit-branch.c, emit-system.c
 * pick these helpers when HF_LMA is set), by int_helper.c for events in
 * IA-32e mode and by misc_helper.c for CR0/CR4/EFER writes.
 * Ref: Intel SDM Vol. 3A 2.2.1, 5.8.7 (call gates in IA-32e mode), 6.14
 * (exception and interrupt handling in 64-bit mode), 7.7 (task management
 * in 64-bit mode), 9.8.5; Vol. 2A/2B IRET, RET, JMP, CALL, SYSCALL,
 * SYSRET, SWAPGS, LTR.
 * Missing: IRET with NT set (#GP, as on hardware: no task return in
 * IA-32e mode).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/seg-internal.h"
#include "cpu/x86/long_helper.h"
#include "accel/tcg/tcg-cpu.h"
#include "tcg/tcg-backend.h"

#define DT_TSS64_AVL  9                 /* same type numbers as 32-bit */
#define DT_TSS64_BUSY 11
#define DT_INT64      14
#define DT_TRAP64     15

#define TSS64_RSP0    4
#define TSS64_IST1    0x24

#define EFER_RSVD_MASK (~(uint64_t)(EFER_SCE | EFER_LME | EFER_LMA | \
                                    EFER_NXE))

/* ---- activation ---- */

void x86_lm_check_cr0(X86CPUState *env, uint64_t cr0, uintptr_t ra)
{
    bool pg_on = (cr0 & CR0_PG) && !(env->cr[0] & CR0_PG);

    if (pg_on && (env->efer & EFER_LME) &&
        (!(env->cr[4] & CR4_PAE) || (env->segs[R_CS].flags & DESC_L_MASK))) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    if (!(cr0 & CR0_PG) && (env->hflags & HF_CS64)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
}

void x86_lm_check_cr4(X86CPUState *env, uint64_t cr4, uintptr_t ra)
{
    if ((env->efer & EFER_LMA) && !(cr4 & CR4_PAE)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
}

void x86_lm_update(X86CPUState *env)
{
    if ((env->efer & EFER_LME) && (env->cr[0] & CR0_PG)) {
        env->efer |= EFER_LMA;
    } else {
        env->efer &= ~(uint64_t)EFER_LMA;
    }
}

void x86_lm_write_efer(X86CPUState *env, uint64_t val, uintptr_t ra)
{
    const X86CPUModel *m = x86_cpu_machine_model();
    uint64_t allowed = 0;

    if (m->ext_features_edx & CPUID_EXT_SYSCALL) {
        allowed |= EFER_SCE;
    }
    if (m->ext_features_edx & CPUID_EXT_LM) {
        allowed |= EFER_LME | EFER_LMA;
    }
    if (m->ext_features_edx & CPUID_EXT_NX) {
        allowed |= EFER_NXE;
    }
    if ((val & (EFER_RSVD_MASK | ~allowed)) ||
        ((env->cr[0] & CR0_PG) && ((val ^ env->efer) & EFER_LME))) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    /* LMA is read-only: it follows LME and CR0.PG */
    env->efer = (val & ~(uint64_t)EFER_LMA) | (env->efer & EFER_LMA);
    tlb_flush(tcg_cpu(env));            /* NXE changes the walk */
}

/* ---- 64-bit stacks: 8-byte slots, no segment base ---- */

typedef struct Stack64 {
    uint64_t rsp;
    unsigned mmu_idx;
} Stack64;

static void push64(X86CPUState *env, Stack64 *sp, uint64_t v, uintptr_t ra)
{
    sp->rsp -= 8;
    cpu_st_mmu(env, sp->rsp, v, sp->mmu_idx, 8, ra);
}

/* Pop one operand-size slot: 64-bit in 64-bit mode, else the legacy
 * stack (SS base and B bit apply in compatibility mode). */
static uint64_t pop_sized(X86CPUState *env, uint64_t *rsp, unsigned size,
                          bool code64, uintptr_t ra)
{
    const SegmentCache *ss = &env->segs[R_SS];
    uint64_t a, v;

    if (code64) {
        a = *rsp;
    } else {
        uint32_t mask = (ss->flags & DESC_B_MASK) ? 0xffffffffu : 0xffffu;

        a = (ss->base + (*rsp & mask)) & 0xffffffffu;
    }
    v = cpu_ld_mmu(env, a, x86_mmu_index(env->hflags), size, ra);
    *rsp += size;
    return v;
}

/* ---- events through the 64-bit IDT ---- */

void x86_do_interrupt_lm(X86CPUState *env, int intno, int kind,
                         uint32_t error_code, uint64_t eip)
{
    uint32_t ext = kind != X86_EV_SWINT;
    uint32_t gerr = intno * 16 + 2 + ext;
    bool push_err = kind == X86_EV_EXCP && x86_exception_has_error_code(intno);
    unsigned cpl = env_cpl(env), type, dpl, ist;
    uint64_t gate_lo, gate_hi, off, eflags = x86_cpu_get_eflags(env);
    uint32_t sel, e1, e2;
    Stack64 sp;
    bool inner;

    if (intno * 16u + 15 > env->idt.limit) {
        raise_exception_err(env, EXCP_GP, gerr);
    }
    gate_lo = cpu_ld_mmu(env, env->idt.base + intno * 16, MMU_KERNEL_IDX, 8,
                         0);
    gate_hi = cpu_ld_mmu(env, env->idt.base + intno * 16 + 8,
                         MMU_KERNEL_IDX, 8, 0);
    e2 = gate_lo >> 32;
    type = desc_type(e2);
    if ((e2 & DESC_S_MASK) || (type != DT_INT64 && type != DT_TRAP64)) {
        raise_exception_err(env, EXCP_GP, gerr);
    }
    if (kind == X86_EV_SWINT && desc_dpl(e2) < cpl) {
        raise_exception_err(env, EXCP_GP, intno * 16 + 2);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP_NP, gerr);
    }
    sel = (gate_lo >> 16) & 0xffff;
    off = (gate_lo & 0xffff) | (e2 & 0xffff0000u) | gate_hi << 32;
    ist = e2 & 7;
    if (!(sel & ~3u)) {
        raise_exception_err(env, EXCP_GP, ext);
    }
    if (!desc_load(env, sel, &e1, &e2, 0) ||
        (e2 & (DESC_S_MASK | DESC_CS_MASK)) != (DESC_S_MASK | DESC_CS_MASK) ||
        !(e2 & DESC_L_MASK) || (e2 & DESC_B_MASK) || desc_dpl(e2) > cpl) {
        raise_exception_err(env, EXCP_GP, (sel & 0xfffc) | ext);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP_NP, (sel & 0xfffc) | ext);
    }
    if (!lm_canonical(off)) {
        raise_exception_err(env, EXCP_GP, ext);
    }
    dpl = desc_dpl(e2);
    inner = !(e2 & DESC_C_MASK) && dpl < cpl;
    sp = (Stack64) { .rsp = env->regs[R_ESP],
                     .mmu_idx = x86_mmu_index(inner ? dpl : cpl) };
    if (inner || ist) {
        unsigned slot = ist ? TSS64_IST1 + (ist - 1) * 8 : TSS64_RSP0 + dpl * 8;

        if (slot + 7 > env->tr.limit) {
            raise_exception_err(env, EXCP_TS, env->tr.selector & 0xfffc);
        }
        sp.rsp = cpu_ld_mmu(env, env->tr.base + slot, MMU_KERNEL_IDX, 8, 0);
    }
    sp.rsp &= ~(uint64_t)15;            /* 16-byte aligned frame */
    push64(env, &sp, env->segs[R_SS].selector, 0);
    push64(env, &sp, env->regs[R_ESP], 0);
    push64(env, &sp, eflags, 0);
    push64(env, &sp, env->segs[R_CS].selector, 0);
    push64(env, &sp, eip, 0);
    if (push_err) {
        push64(env, &sp, error_code, 0);
    }

    /* nothing can fault from here on: commit */
    if (inner) {
        /* SS becomes a null selector with RPL = the new CPL */
        env->segs[R_SS] = (SegmentCache) {
            .selector = dpl, .flags = dpl << DESC_DPL_SHIFT,
        };
    }
    env->regs[R_ESP] = sp.rsp;
    desc_set_accessed(env, sel, &e2, 0);
    seg_cache_set(env, R_CS, (sel & 0xfffc) | (inner ? dpl : cpl), e1, e2);
    env->rip = off;
    env->eflags &= ~(uint64_t)(TF_MASK | VM_MASK | RF_MASK | NT_MASK);
    if (type == DT_INT64) {
        env->eflags &= ~(uint64_t)IF_MASK;
    }
}

/* ---- far returns ---- */

/* Check and load the CS of a far return / IRET to privilege rpl. */
static void lm_load_return_cs(X86CPUState *env, uint32_t sel, uint64_t rip,
                              uintptr_t ra)
{
    unsigned cpl = env_cpl(env), rpl = sel & 3;
    uint32_t e1, e2;

    if (!(sel & ~3u)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    if (!desc_load(env, sel, &e1, &e2, ra) || rpl < cpl ||
        (e2 & (DESC_S_MASK | DESC_CS_MASK)) != (DESC_S_MASK | DESC_CS_MASK) ||
        ((e2 & DESC_C_MASK) ? desc_dpl(e2) > rpl : desc_dpl(e2) != rpl) ||
        ((e2 & DESC_L_MASK) && (e2 & DESC_B_MASK))) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_NP, sel & 0xfffc, ra);
    }
    if ((e2 & DESC_L_MASK) ? !lm_canonical(rip)
                           : rip > desc_limit(e1, e2)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    desc_set_accessed(env, sel, &e2, ra);
    seg_cache_set(env, R_CS, sel, e1, e2);
    env->rip = (e2 & DESC_L_MASK) ? rip : (uint32_t)rip;
}

/* Load SS for a return to privilege rpl; a null SS is allowed for a
 * return to 64-bit code at CPL < 3. */
static void lm_load_return_ss(X86CPUState *env, uint32_t ss, unsigned rpl,
                              bool to64, uintptr_t ra)
{
    uint32_t e1, e2;

    if (!(ss & ~3u) && to64 && rpl != 3) {
        env->segs[R_SS] = (SegmentCache) {
            .selector = ss, .flags = rpl << DESC_DPL_SHIFT,
        };
        return;
    }
    if (!(ss & ~3u) || !desc_load(env, ss, &e1, &e2, ra) ||
        (ss & 3) != rpl || desc_dpl(e2) != rpl ||
        (e2 & (DESC_S_MASK | DESC_CS_MASK | DESC_W_MASK)) !=
        (DESC_S_MASK | DESC_W_MASK)) {
        raise_exception_err_ra(env, EXCP_GP, ss & 0xfffc, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_SS, ss & 0xfffc, ra);
    }
    desc_set_accessed(env, ss, &e2, ra);
    seg_cache_set(env, R_SS, ss, e1, e2);
}

/* After a return to an outer level: data segment registers with a
 * non-null selector the new CPL may not use become null. A null FS or GS
 * keeps its base (set through the base MSRs), as Linux relies on. */
static void lm_validate_outer(X86CPUState *env, unsigned cpl)
{
    static const int segs[] = { R_ES, R_DS, R_FS, R_GS };

    for (unsigned i = 0; i < G_N_ELEMENTS(segs); i++) {
        SegmentCache *sc = &env->segs[segs[i]];
        bool conforming_code = (sc->flags & (DESC_CS_MASK | DESC_C_MASK)) ==
                               (DESC_CS_MASK | DESC_C_MASK);

        if ((sc->selector & ~3u) && !conforming_code &&
            desc_dpl(sc->flags) < cpl) {
            *sc = (SegmentCache) { .selector = 0, .base = sc->base };
        }
    }
}

/*
 * RETF / IRET in IA-32e mode. 64-bit code always pops SS:RSP with IRET;
 * otherwise SS:RSP come from the stack only on a return to an outer level.
 */
static void lm_return(X86CPUState *env, unsigned size, uint64_t imm,
                      bool iret, uintptr_t ra)
{
    bool code64 = env->hflags & HF_CS64;
    unsigned cpl = env_cpl(env), iopl, rpl;
    uint64_t rsp = env->regs[R_ESP], rip, fl = 0, new_rsp, mask;
    uint32_t cs, ss = 0;
    bool outer;

    if (iret && (env->eflags & NT_MASK)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    rip = pop_sized(env, &rsp, size, code64, ra);
    cs = pop_sized(env, &rsp, size, code64, ra) & 0xffff;
    if (iret) {
        fl = pop_sized(env, &rsp, size, code64, ra);
    }
    rpl = cs & 3;
    outer = rpl > cpl;
    rsp += imm;
    new_rsp = rsp;
    if (outer || (iret && code64)) {
        new_rsp = pop_sized(env, &rsp, size, code64, ra);
        ss = pop_sized(env, &rsp, size, code64, ra) & 0xffff;
        new_rsp += imm;
    }
    if (iret && size == 2) {
        fl = (x86_cpu_get_eflags(env) & ~0xffffull) | (fl & 0xffff);
    }
    iopl = (env->eflags & IOPL_MASK) >> IOPL_SHIFT;
    lm_load_return_cs(env, cs, rip, ra);
    if (outer || (iret && code64)) {
        lm_load_return_ss(env, ss, rpl, env->segs[R_CS].flags & DESC_L_MASK,
                          ra);
    }
    if (!code64 && !outer) {
        const SegmentCache *sc = &env->segs[R_SS];
        uint64_t m = (sc->flags & DESC_B_MASK) ? 0xffffffffu : 0xffffu;

        env->regs[R_ESP] = (env->regs[R_ESP] & ~m) | (new_rsp & m);
    } else {
        env->regs[R_ESP] = new_rsp;
    }
    if (iret) {
        mask = CC_MASK | TF_MASK | DF_MASK | NT_MASK | RF_MASK | AC_MASK |
               ID_MASK;
        if (cpl == 0) {
            mask |= IOPL_MASK | IF_MASK | VIF_MASK | VIP_MASK;
        } else if (cpl <= iopl) {
            mask |= IF_MASK;
        }
        x86_cpu_set_eflags(env, (x86_cpu_get_eflags(env) & ~mask) |
                                (fl & mask));
    }
    if (outer) {
        lm_validate_outer(env, rpl);
    }
    x86_cpu_update_hflags(env);
}

void helper_iret_lm(X86CPUState *env, uint64_t op_size)
{
    lm_return(env, op_size, 0, true, TCG_GETPC());
}

void helper_lret_lm(X86CPUState *env, uint64_t op_size, uint64_t imm)
{
    lm_return(env, op_size, imm, false, TCG_GETPC());
}

/* ---- SYSCALL / SYSRET / SWAPGS (SDM Vol. 2B) ---- */

static void lm_flat_seg(X86CPUState *env, int seg, uint32_t sel,
                        unsigned dpl, bool code, bool code64)
{
    env->segs[seg] = (SegmentCache) {
        .selector = sel, .base = 0, .limit = 0xffffffffu,
        .flags = DESC_G_MASK | DESC_P_MASK | DESC_S_MASK | DESC_A_MASK |
                 (dpl << DESC_DPL_SHIFT) |
                 (code ? DESC_CS_MASK | DESC_R_MASK : DESC_W_MASK) |
                 (code64 ? DESC_L_MASK : DESC_B_MASK),
    };
}

void helper_syscall(X86CPUState *env, uint64_t next_eip)
{
    uint32_t sel = (env->star >> 32) & 0xfffc;

    if (!(env->efer & EFER_SCE)) {
        raise_exception_ra(env, EXCP_UD, TCG_GETPC());
    }
    if (env->efer & EFER_LMA) {
        uint64_t fl = x86_cpu_get_eflags(env) & ~(uint64_t)RF_MASK;

        env->regs[R_ECX] = next_eip;
        env->regs[R_R11] = fl;
        x86_cpu_set_eflags(env, fl & ~env->fmask);
        lm_flat_seg(env, R_CS, sel, 0, true, true);
        env->rip = (env->hflags & HF_CS64) ? env->lstar : env->cstar;
    } else {
        env->regs[R_ECX] = (uint32_t)next_eip;
        env->eflags &= ~(uint64_t)(IF_MASK | VM_MASK | RF_MASK);
        lm_flat_seg(env, R_CS, sel, 0, true, false);
        env->rip = (uint32_t)env->star;
    }
    lm_flat_seg(env, R_SS, sel + 8, 0, false, false);
    x86_cpu_update_hflags(env);
}

void helper_sysret(X86CPUState *env, uint64_t op_size)
{
    uintptr_t ra = TCG_GETPC();
    uint32_t sel = (env->star >> 48) & 0xfffc;

    if (!(env->efer & EFER_SCE)) {
        raise_exception_ra(env, EXCP_UD, ra);
    }
    if (!(env->cr[0] & CR0_PE) || env_cpl(env) != 0) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    if (env->efer & EFER_LMA) {
        if (op_size == 8 && !lm_canonical(env->regs[R_ECX])) {
            raise_exception_err_ra(env, EXCP_GP, 0, ra);
        }
        if (op_size == 8) {
            lm_flat_seg(env, R_CS, (sel + 16) | 3, 3, true, true);
            env->rip = env->regs[R_ECX];
        } else {
            lm_flat_seg(env, R_CS, sel | 3, 3, true, false);
            env->rip = (uint32_t)env->regs[R_ECX];
        }
        x86_cpu_set_eflags(env, (env->regs[R_R11] & 0x3c7fd7u) | 2);
    } else {
        lm_flat_seg(env, R_CS, sel | 3, 3, true, false);
        env->rip = (uint32_t)env->regs[R_ECX];
        env->eflags |= IF_MASK;
    }
    lm_flat_seg(env, R_SS, (sel + 8) | 3, 3, false, false);
    x86_cpu_update_hflags(env);
}

void helper_swapgs(X86CPUState *env)
{
    uint64_t t = env->segs[R_GS].base;

    env->segs[R_GS].base = env->kernel_gs_base;
    env->kernel_gs_base = t;
}

/* ---- LTR / LLDT: 16-byte descriptors with base bits 63..32 ---- */

static void lm_load_system_seg(X86CPUState *env, SegmentCache *dst,
                               uint32_t sel, unsigned type, uintptr_t ra)
{
    uint32_t e1, e2;
    uint64_t hi;

    if (!(sel & ~3u)) {
        if (type != DT_LDT) {
            raise_exception_err_ra(env, EXCP_GP, 0, ra);
        }
        *dst = (SegmentCache) { .selector = sel };
        return;
    }
    if ((sel & 4) || (sel & ~7u) + 15 > env->gdt.limit ||
        !desc_load(env, sel, &e1, &e2, ra) || (e2 & DESC_S_MASK) ||
        desc_type(e2) != type) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    hi = cpu_ld_mmu(env, env->gdt.base + (sel & ~7u) + 8, MMU_KERNEL_IDX, 8,
                    ra);
    if ((hi >> 40) & 0x1f) {            /* type field of the upper half */
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_NP, sel & 0xfffc, ra);
    }
    if (type == DT_TSS64_AVL) {
        e2 |= 2u << DESC_TYPE_SHIFT;    /* busy */
        cpu_st_mmu(env, env->gdt.base + (sel & ~7u) + 4, e2, MMU_KERNEL_IDX,
                   4, ra);
    }
    *dst = (SegmentCache) {
        .selector = sel, .base = desc_base(e1, e2) | (hi & 0xffffffffu) << 32,
        .limit = desc_limit(e1, e2), .flags = e2 & 0x00f0ff00u,
    };
}

void helper_lldt_lm(X86CPUState *env, uint64_t sel)
{
    lm_load_system_seg(env, &env->ldt, sel & 0xffff, DT_LDT, TCG_GETPC());
}

void helper_ltr_lm(X86CPUState *env, uint64_t sel)
{
    lm_load_system_seg(env, &env->tr, sel & 0xffff, DT_TSS64_AVL,
                       TCG_GETPC());
}
