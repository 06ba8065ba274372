/* SPDX-License-Identifier: MIT */
/*
 * Interrupt and exception delivery through the IVT (real mode) or the IDT
 * (protected and virtual-8086 mode): interrupt, trap and task gates,
 * privilege changes with the stack switch from the TSS, the V86 frame; and
 * IRET back from all of them (real, V86, protected, outer level, to V86,
 * nested task return). The TCG loop (accel/tcg/exec.c) calls
 * x86_do_interrupt() for every event; translated code calls helper_iret().
 *
 * Ref: Intel SDM Vol. 3A 6.10-6.14 (IDT, gates, stack switch, error code),
 * 20.3 (interrupts in virtual-8086 mode); Vol. 2A IRET.
 * Missing: VME/PVI redirection, 64-bit IDT, NMI blocking until IRET.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/seg-internal.h"
#include "cpu/x86/long_helper.h"
#include "accel/tcg/tcg-cpu.h"
#include "tcg/tcg-backend.h"

static void do_interrupt_real(X86CPUState *env, int intno, uint64_t eip)
{
    StackPtr sp = stack_current(env);
    uint32_t vec;

    if (intno * 4u + 3 > env->idt.limit) {
        raise_exception_err(env, EXCP_GP, intno * 8 + 2);
    }
    vec = cpu_ld_mmu(env, env->idt.base + intno * 4, MMU_KERNEL_IDX, 4, 0);
    stack_push(env, &sp, 2, x86_cpu_get_eflags(env), 0);
    stack_push(env, &sp, 2, env->segs[R_CS].selector, 0);
    stack_push(env, &sp, 2, eip, 0);
    stack_commit_esp(env, &sp);
    seg_load_real(env, R_CS, vec >> 16, false);
    env->rip = vec & 0xffff;
    env->eflags &= ~(uint64_t)(IF_MASK | TF_MASK | AC_MASK | RF_MASK);
}

/* The inner-level stack for a gate to @dpl, checked (SDM 6.12.1). */
static void inner_stack(X86CPUState *env, unsigned dpl, uint32_t ext,
                        StackPtr *sp, uint32_t *ss_sel, uint32_t *ss_e1,
                        uint32_t *ss_e2)
{
    uint32_t ss, esp;

    tss_get_stack(env, dpl, &ss, &esp, 0);
    if (!(ss & ~3u) || !desc_load(env, ss, ss_e1, ss_e2, 0) ||
        (ss & 3) != dpl || desc_dpl(*ss_e2) != dpl ||
        (*ss_e2 & (DESC_S_MASK | DESC_CS_MASK | DESC_W_MASK)) !=
        (DESC_S_MASK | DESC_W_MASK)) {
        raise_exception_err(env, EXCP_TS, (ss & 0xfffc) | ext);
    }
    if (!(*ss_e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP_SS, (ss & 0xfffc) | ext);
    }
    *ss_sel = ss;
    *sp = (StackPtr) {
        .base = desc_base(*ss_e1, *ss_e2),
        .mask = (*ss_e2 & DESC_B_MASK) ? 0xffffffffu : 0xffffu,
        .esp = esp, .mmu_idx = x86_mmu_index(dpl),
    };
}

static void do_interrupt_prot(X86CPUState *env, int intno, X86EventKind kind,
                              uint32_t error_code, uint64_t eip)
{
    uint32_t ext = kind != X86_EV_SWINT;
    uint32_t gerr = intno * 8 + 2 + ext;
    bool push_err = kind == X86_EV_EXCP && x86_exception_has_error_code(intno);
    bool vm = env->eflags & VM_MASK;
    unsigned cpl = env_cpl(env), type, dpl, size;
    uint32_t e1, e2, sel, ss = 0, ss_e1 = 0, ss_e2 = 0;
    uint64_t gate, off, eflags = x86_cpu_get_eflags(env);
    StackPtr sp;
    bool inner;

    if (intno * 8u + 7 > env->idt.limit) {
        raise_exception_err(env, EXCP_GP, gerr);
    }
    gate = cpu_ld_mmu(env, env->idt.base + intno * 8, MMU_KERNEL_IDX, 8, 0);
    e1 = gate;
    e2 = gate >> 32;
    type = desc_type(e2);
    if ((e2 & DESC_S_MASK) || !(type == DT_TASK || type == DT_INT16 ||
        type == DT_TRAP16 || type == DT_INT32 || type == DT_TRAP32)) {
        raise_exception_err(env, EXCP_GP, gerr);
    }
    if (kind == X86_EV_SWINT && desc_dpl(e2) < cpl) {
        raise_exception_err(env, EXCP_GP, intno * 8 + 2);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP_NP, gerr);
    }
    if (type == DT_TASK) {
        uint32_t tsel = e1 >> 16, te1, te2;

        if ((tsel & 4) || !desc_load(env, tsel, &te1, &te2, 0)) {
            raise_exception_err(env, EXCP_TS, (tsel & 0xfffc) | ext);
        }
        x86_task_switch(env, tsel, te1, te2, TS_INT, eip, 0);
        if (push_err) {
            sp = stack_current(env);
            stack_push(env, &sp, (env->tr.flags >> DESC_TYPE_SHIFT) & 8
                       ? 4 : 2, error_code, 0);
            stack_commit_esp(env, &sp);
        }
        return;
    }

    sel = e1 >> 16;
    off = (e1 & 0xffff) | (type >= DT_CALL32 ? (e2 & 0xffff0000u) : 0);
    size = type >= DT_CALL32 ? 4 : 2;
    if (!(sel & ~3u)) {
        raise_exception_err(env, EXCP_GP, ext);
    }
    if (!desc_load(env, sel, &e1, &e2, 0) ||
        (e2 & (DESC_S_MASK | DESC_CS_MASK)) != (DESC_S_MASK | DESC_CS_MASK) ||
        desc_dpl(e2) > cpl) {
        raise_exception_err(env, EXCP_GP, (sel & 0xfffc) | ext);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP_NP, (sel & 0xfffc) | ext);
    }
    dpl = desc_dpl(e2);
    inner = !(e2 & DESC_C_MASK) && dpl < cpl;
    if (vm && (!inner || dpl != 0)) {
        raise_exception_err(env, EXCP_GP, (sel & 0xfffc) | ext);
    }
    if (off > desc_limit(e1, e2)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    if (inner) {
        inner_stack(env, dpl, ext, &sp, &ss, &ss_e1, &ss_e2);
        if (vm) {
            stack_push(env, &sp, size, env->segs[R_GS].selector, 0);
            stack_push(env, &sp, size, env->segs[R_FS].selector, 0);
            stack_push(env, &sp, size, env->segs[R_DS].selector, 0);
            stack_push(env, &sp, size, env->segs[R_ES].selector, 0);
        }
        stack_push(env, &sp, size, env->segs[R_SS].selector, 0);
        stack_push(env, &sp, size, env->regs[R_ESP], 0);
    } else {
        sp = stack_current(env);
    }
    stack_push(env, &sp, size, eflags, 0);
    stack_push(env, &sp, size, env->segs[R_CS].selector, 0);
    stack_push(env, &sp, size, eip, 0);
    if (push_err) {
        stack_push(env, &sp, size, error_code, 0);
    }

    /* nothing can fault from here on: commit */
    if (inner) {
        if (vm) {
            for (int s = R_ES; s <= R_GS; s++) {
                if (s != R_CS && s != R_SS) {
                    env->segs[s] = (SegmentCache) { .selector = 0 };
                }
            }
        }
        desc_set_accessed(env, ss, &ss_e2, 0);
        seg_cache_set(env, R_SS, ss, ss_e1, ss_e2);
        env->regs[R_ESP] = 0;
    }
    stack_commit_esp(env, &sp);
    desc_set_accessed(env, sel, &e2, 0);
    seg_cache_set(env, R_CS, (sel & 0xfffc) | (inner ? dpl : cpl), e1, e2);
    env->rip = off;
    env->eflags &= ~(uint64_t)(TF_MASK | VM_MASK | RF_MASK | NT_MASK);
    if (type == DT_INT16 || type == DT_INT32) {
        env->eflags &= ~(uint64_t)IF_MASK;
    }
}

void x86_do_interrupt(X86CPUState *env, int intno, X86EventKind kind,
                      uint32_t error_code, uint64_t next_eip)
{
    uint64_t eip = (kind == X86_EV_SWINT || kind == X86_EV_INT1) ? next_eip
                                                                : env->rip;

    ks_log_mask(LOG_INT, "int 0x%02x kind %d err 0x%x %04x:%08" PRIx64
                " pe %d\n", intno, kind, error_code,
                env->segs[R_CS].selector, env->rip,
                !!(env->cr[0] & CR0_PE));
    if (env->efer & EFER_LMA) {
        x86_do_interrupt_lm(env, intno, kind, error_code, eip);
    } else if (env->cr[0] & CR0_PE) {
        do_interrupt_prot(env, intno, kind, error_code, eip);
    } else {
        do_interrupt_real(env, intno, eip);
    }
    x86_cpu_update_hflags(env);
}

/* ---- IRET ---- */

static void iret_set_eflags(X86CPUState *env, uint64_t val, uint64_t mask,
                            unsigned size)
{
    if (size == 2) {
        mask &= 0xffff;
    }
    x86_cpu_set_eflags(env, (x86_cpu_get_eflags(env) & ~mask) |
                            (val & mask));
}

#define IRET_MASK_BASE (CC_MASK | TF_MASK | DF_MASK | NT_MASK | AC_MASK | \
                        ID_MASK | RF_MASK)

static void iret_to_v86(X86CPUState *env, StackPtr *sp, uint32_t cs,
                        uint64_t eip, uint64_t eflags, uintptr_t ra)
{
    uint32_t esp = stack_pop(env, sp, 4, ra);
    uint32_t ss = stack_pop(env, sp, 4, ra);
    uint32_t es = stack_pop(env, sp, 4, ra);
    uint32_t ds = stack_pop(env, sp, 4, ra);
    uint32_t fs = stack_pop(env, sp, 4, ra);
    uint32_t gs = stack_pop(env, sp, 4, ra);

    x86_cpu_set_eflags(env, eflags);
    seg_load_real(env, R_CS, cs, true);
    seg_load_real(env, R_SS, ss, true);
    seg_load_real(env, R_ES, es, true);
    seg_load_real(env, R_DS, ds, true);
    seg_load_real(env, R_FS, fs, true);
    seg_load_real(env, R_GS, gs, true);
    env->regs[R_ESP] = esp;
    env->rip = eip & 0xffff;
}

static void iret_task_return(X86CPUState *env, uintptr_t ra)
{
    uint32_t link = cpu_ld_mmu(env, env->tr.base, MMU_KERNEL_IDX, 2, ra);
    uint32_t e1, e2;

    if ((link & 4) || !desc_load(env, link, &e1, &e2, ra) ||
        (e2 & DESC_S_MASK) || (desc_type(e2) != DT_TSS32_BUSY &&
                               desc_type(e2) != DT_TSS16_BUSY)) {
        raise_exception_err_ra(env, EXCP_TS, link & 0xfffc, ra);
    }
    x86_task_switch(env, link, e1, e2, TS_IRET, env->rip, ra);
}

void helper_iret(X86CPUState *env, uint64_t op_size, uint64_t next_eip)
{
    uintptr_t ra = TCG_GETPC();
    unsigned cpl = env_cpl(env);
    unsigned iopl = (env->eflags & IOPL_MASK) >> IOPL_SHIFT;
    StackPtr sp;
    uint64_t eip, eflags, mask = IRET_MASK_BASE;
    uint32_t cs;

    if ((env->cr[0] & CR0_PE) && !(env->eflags & VM_MASK) &&
        (env->eflags & NT_MASK)) {
        env->rip = next_eip;
        iret_task_return(env, ra);
        x86_cpu_update_hflags(env);
        return;
    }
    if ((env->eflags & VM_MASK) && iopl < 3) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    sp = stack_current(env);
    eip = stack_pop(env, &sp, op_size, ra);
    cs = stack_pop(env, &sp, op_size, ra) & 0xffff;
    eflags = stack_pop(env, &sp, op_size, ra);

    if (!(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK)) {
        mask |= IF_MASK;
        if (!(env->eflags & VM_MASK)) {
            mask |= IOPL_MASK;
        }
        stack_commit_esp(env, &sp);
        seg_load_real(env, R_CS, cs, env->eflags & VM_MASK);
        env->rip = eip;
        iret_set_eflags(env, eflags, mask, op_size);
        x86_cpu_update_hflags(env);
        return;
    }
    if (op_size == 4 && (eflags & VM_MASK) && cpl == 0) {
        iret_to_v86(env, &sp, cs, eip, eflags, ra);
        x86_cpu_update_hflags(env);
        return;
    }
    if (cpl == 0) {
        mask |= IOPL_MASK | IF_MASK | VIF_MASK | VIP_MASK;
    } else if (cpl <= iopl) {
        mask |= IF_MASK;
    }
    seg_return_far(env, &sp, cs, eip, op_size, 0, ra);
    iret_set_eflags(env, eflags, mask, op_size);
    x86_cpu_update_hflags(env);
}
