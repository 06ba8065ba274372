/* SPDX-License-Identifier: MIT */
/*
 * Segment register loads and far control transfers: MOV/POP Sreg, far JMP,
 * far CALL (through call gates, with the stack switch and parameter copy),
 * far RET; LLDT, LTR, LAR, LSL, VERR, VERW; SYSENTER/SYSEXIT. Called by
 * translated code (helper.h); int_helper.c and task_helper.c use the
 * descriptor and stack primitives here.
 *
 * Ref: Intel SDM Vol. 3A 3.4 (segment selectors and descriptors), 5.5-5.8
 * (privilege checks, call gates, stack switching);
 * Vol. 2A/2B JMP, CALL, RET, MOV, LAR, LSL, VERR/VERW, SYSENTER, SYSEXIT.
 * IA-32e mode's far transfers are in long_helper.c and long_far.c.
 * Missing: segment limit checks on stack pushes.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/seg-internal.h"
#include "accel/tcg/tcg-cpu.h"
#include "tcg/tcg-backend.h"

/* ---- descriptors ---- */

uint64_t desc_base(uint32_t e1, uint32_t e2)
{
    return (e1 >> 16) | ((e2 & 0xff) << 16) | (e2 & 0xff000000u);
}

uint32_t desc_limit(uint32_t e1, uint32_t e2)
{
    uint32_t limit = (e1 & 0xffff) | (e2 & 0x000f0000u);

    return (e2 & DESC_G_MASK) ? (limit << 12) | 0xfff : limit;
}

bool desc_load(X86CPUState *env, uint32_t sel, uint32_t *e1, uint32_t *e2,
               uintptr_t ra)
{
    DescTable *dt = &env->gdt;
    DescTable ldt;
    uint32_t index = sel & ~7u;

    if (sel & 4) {
        ldt = (DescTable) { .base = env->ldt.base, .limit = env->ldt.limit };
        if (!(env->ldt.flags & DESC_P_MASK)) {
            return false;
        }
        dt = &ldt;
    }
    if (index + 7 > dt->limit) {
        return false;
    }
    *e1 = cpu_ld_mmu(env, dt->base + index, MMU_KERNEL_IDX, 4, ra);
    *e2 = cpu_ld_mmu(env, dt->base + index + 4, MMU_KERNEL_IDX, 4, ra);
    return true;
}

void desc_set_accessed(X86CPUState *env, uint32_t sel, uint32_t *e2,
                       uintptr_t ra)
{
    uint64_t base = (sel & 4) ? env->ldt.base : env->gdt.base;

    if (!(*e2 & DESC_A_MASK)) {
        *e2 |= DESC_A_MASK;
        cpu_st_mmu(env, base + (sel & ~7u) + 4, *e2, MMU_KERNEL_IDX, 4, ra);
    }
}

void seg_cache_set(X86CPUState *env, int seg, uint32_t sel, uint32_t e1,
                   uint32_t e2)
{
    env->segs[seg] = (SegmentCache) {
        .selector = sel, .base = desc_base(e1, e2),
        .limit = desc_limit(e1, e2), .flags = e2 & 0x00f0ff00u,
    };
}

void seg_load_real(X86CPUState *env, int seg, uint32_t sel, bool v86)
{
    SegmentCache *sc = &env->segs[seg];

    sc->selector = sel & 0xffff;
    sc->base = (uint64_t)(sel & 0xffff) << 4;
    if (v86) {
        sc->limit = 0xffff;
        sc->flags = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                    (3u << DESC_DPL_SHIFT) |
                    (seg == R_CS ? DESC_CS_MASK : 0);
    }
}

void seg_load_checked(X86CPUState *env, int seg, uint32_t sel, unsigned cpl,
                      int excp, uintptr_t ra)
{
    uint32_t e1, e2, err = sel & 0xfffc;
    unsigned rpl = sel & 3, dpl;
    bool code;

    if (!(sel & ~3u)) {
        if (seg == R_SS) {
            /* 64-bit mode takes a null SS below CPL 3 with RPL = CPL; its
             * DPL stays CPL (SDM Vol. 2B MOV, POP "64-bit mode"). */
            if (!(env->hflags & HF_CS64) || cpl == 3 || rpl != cpl) {
                raise_exception_err_ra(env, excp, 0, ra);
            }
            env->segs[seg] = (SegmentCache) {
                .selector = sel, .flags = cpl << DESC_DPL_SHIFT,
            };
            return;
        }
        env->segs[seg] = (SegmentCache) { .selector = sel };
        return;
    }
    if (!desc_load(env, sel, &e1, &e2, ra) || !(e2 & DESC_S_MASK)) {
        raise_exception_err_ra(env, excp, err, ra);
    }
    dpl = desc_dpl(e2);
    code = e2 & DESC_CS_MASK;
    if (seg == R_SS) {
        if (code || !(e2 & DESC_W_MASK) || rpl != cpl || dpl != cpl) {
            raise_exception_err_ra(env, excp, err, ra);
        }
        if (!(e2 & DESC_P_MASK)) {
            raise_exception_err_ra(env, excp == EXCP_GP ? EXCP_SS : excp,
                                   err, ra);
        }
    } else {
        if (code && !(e2 & DESC_R_MASK)) {
            raise_exception_err_ra(env, excp, err, ra);
        }
        if ((!code || !(e2 & DESC_C_MASK)) && (dpl < cpl || dpl < rpl)) {
            raise_exception_err_ra(env, excp, err, ra);
        }
        if (!(e2 & DESC_P_MASK)) {
            raise_exception_err_ra(env, excp == EXCP_GP ? EXCP_NP : excp,
                                   err, ra);
        }
    }
    desc_set_accessed(env, sel, &e2, ra);
    seg_cache_set(env, seg, sel, e1, e2);
}

/* ---- stacks ---- */

StackPtr stack_current(X86CPUState *env)
{
    return (StackPtr) {
        .base = env->segs[R_SS].base,
        .mask = (env->segs[R_SS].flags & DESC_B_MASK) ? 0xffffffffu
                                                      : 0xffffu,
        .esp = env->regs[R_ESP],
        .mmu_idx = x86_mmu_index(env->hflags),
    };
}

void stack_push(X86CPUState *env, StackPtr *sp, unsigned size,
                uint32_t val, uintptr_t ra)
{
    sp->esp -= size;
    cpu_st_mmu(env, (sp->base + (sp->esp & sp->mask)) & 0xffffffffu, val,
               sp->mmu_idx, size, ra);
}

uint32_t stack_pop(X86CPUState *env, StackPtr *sp, unsigned size,
                   uintptr_t ra)
{
    uint32_t v = cpu_ld_mmu(env, (sp->base + (sp->esp & sp->mask)) &
                            0xffffffffu, sp->mmu_idx, size, ra);

    sp->esp += size;
    return v;
}

void stack_commit_esp(X86CPUState *env, const StackPtr *sp)
{
    env->regs[R_ESP] = (env->regs[R_ESP] & ~(uint64_t)sp->mask) |
                       (sp->esp & sp->mask);
}

/* ---- MOV Sreg ---- */

void helper_load_seg(X86CPUState *env, uint64_t seg, uint64_t sel)
{
    uintptr_t ra = TCG_GETPC();

    sel &= 0xffff;
    if (!(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK)) {
        seg_load_real(env, seg, sel, env->eflags & VM_MASK);
    } else {
        seg_load_checked(env, seg, sel, env_cpl(env), EXCP_GP, ra);
    }
    x86_cpu_update_hflags(env);
}

/* ---- far JMP / CALL ---- */

/* Check a code segment descriptor as a far transfer target; loads it. */
static void check_code_target(X86CPUState *env, uint32_t sel, uint32_t e2,
                              bool via_gate, uintptr_t ra)
{
    unsigned cpl = env_cpl(env), dpl = desc_dpl(e2), rpl = sel & 3;
    uint32_t err = sel & 0xfffc;

    if ((e2 & (DESC_S_MASK | DESC_CS_MASK)) !=
        (DESC_S_MASK | DESC_CS_MASK)) {
        raise_exception_err_ra(env, EXCP_GP, err, ra);
    }
    if (e2 & DESC_C_MASK) {
        if (dpl > cpl) {
            raise_exception_err_ra(env, EXCP_GP, err, ra);
        }
    } else if (via_gate ? dpl > cpl : (rpl > cpl || dpl != cpl)) {
        raise_exception_err_ra(env, EXCP_GP, err, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_NP, err, ra);
    }
}

static void load_cs_checked_limit(X86CPUState *env, uint32_t sel,
                                  uint32_t e1, uint32_t e2, uint64_t eip,
                                  unsigned cpl, uintptr_t ra)
{
    if (eip > desc_limit(e1, e2)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    desc_set_accessed(env, sel, &e2, ra);
    seg_cache_set(env, R_CS, (sel & 0xfffc) | cpl, e1, e2);
    env->rip = eip;
}

/* Fetch and check a gate: returns its target selector and offset. */
static void read_call_gate(X86CPUState *env, uint32_t sel, uint32_t e1,
                           uint32_t e2, uint32_t *tsel, uint64_t *toff,
                           uintptr_t ra)
{
    unsigned cpl = env_cpl(env), dpl = desc_dpl(e2), rpl = sel & 3;

    if (dpl < cpl || dpl < rpl) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_NP, sel & 0xfffc, ra);
    }
    *tsel = e1 >> 16;
    *toff = e1 & 0xffff;
    if (desc_type(e2) == DT_CALL32) {
        *toff |= e2 & 0xffff0000u;
    }
    if (!(*tsel & ~3u)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
}

void helper_ljmp(X86CPUState *env, uint64_t sel, uint64_t offset,
                 uint64_t op_size, uint64_t next_eip)
{
    uintptr_t ra = TCG_GETPC();
    unsigned cpl = env_cpl(env);
    uint32_t e1, e2, tsel;
    uint64_t toff;

    sel &= 0xffff;
    if (op_size == 2) {
        offset &= 0xffff;
    }
    if (!(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK)) {
        seg_load_real(env, R_CS, sel, env->eflags & VM_MASK);
        env->rip = offset;
        x86_cpu_update_hflags(env);
        return;
    }
    if (!(sel & ~3u)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    if (!desc_load(env, sel, &e1, &e2, ra)) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    if (e2 & DESC_S_MASK) {
        check_code_target(env, sel, e2, false, ra);
        load_cs_checked_limit(env, sel, e1, e2, offset, cpl, ra);
    } else {
        switch (desc_type(e2)) {
        case DT_TSS16_AVL:
        case DT_TSS32_AVL:
        case DT_TASK:
            if (desc_dpl(e2) < cpl || desc_dpl(e2) < (sel & 3)) {
                raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
            }
            x86_task_switch(env, sel, e1, e2, TS_JMP, next_eip, ra);
            break;
        case DT_CALL16:
        case DT_CALL32:
            read_call_gate(env, sel, e1, e2, &tsel, &toff, ra);
            if (!desc_load(env, tsel, &e1, &e2, ra)) {
                raise_exception_err_ra(env, EXCP_GP, tsel & 0xfffc, ra);
            }
            check_code_target(env, tsel, e2, false, ra);
            load_cs_checked_limit(env, tsel, e1, e2, toff, cpl, ra);
            break;
        default:
            raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
        }
    }
    x86_cpu_update_hflags(env);
}

/* CALL through a call gate to a more privileged level (SDM 5.8.5). */
static void lcall_inner(X86CPUState *env, uint32_t gate_e2, uint32_t tsel,
                        uint32_t e1, uint32_t e2, uint64_t toff,
                        uint64_t next_eip, uintptr_t ra)
{
    unsigned dpl = desc_dpl(e2), size = desc_type(gate_e2) == DT_CALL32
                                        ? 4 : 2;
    unsigned nparams = gate_e2 & 0x1f;
    StackPtr old = stack_current(env), sp;
    uint32_t ss, esp, ss_e1, ss_e2;
    uint32_t params[32];

    tss_get_stack(env, dpl, &ss, &esp, ra);
    if (!(ss & ~3u) || !desc_load(env, ss, &ss_e1, &ss_e2, ra) ||
        (ss & 3) != dpl || desc_dpl(ss_e2) != dpl ||
        (ss_e2 & (DESC_S_MASK | DESC_CS_MASK | DESC_W_MASK)) !=
        (DESC_S_MASK | DESC_W_MASK)) {
        raise_exception_err_ra(env, EXCP_TS, ss & 0xfffc, ra);
    }
    if (!(ss_e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_SS, ss & 0xfffc, ra);
    }
    for (unsigned i = 0; i < nparams; i++) {
        StackPtr p = old;

        p.esp += (nparams - 1 - i) * size;
        params[i] = stack_pop(env, &p, size, ra);
    }
    sp = (StackPtr) {
        .base = desc_base(ss_e1, ss_e2),
        .mask = (ss_e2 & DESC_B_MASK) ? 0xffffffffu : 0xffffu,
        .esp = esp, .mmu_idx = x86_mmu_index(dpl),
    };
    stack_push(env, &sp, size, env->segs[R_SS].selector, ra);
    stack_push(env, &sp, size, old.esp, ra);
    for (unsigned i = 0; i < nparams; i++) {
        stack_push(env, &sp, size, params[i], ra);
    }
    stack_push(env, &sp, size, env->segs[R_CS].selector, ra);
    stack_push(env, &sp, size, next_eip, ra);
    if (toff > desc_limit(e1, e2)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    desc_set_accessed(env, ss, &ss_e2, ra);
    seg_cache_set(env, R_SS, ss, ss_e1, ss_e2);
    env->regs[R_ESP] = esp;             /* new stack: whole register */
    stack_commit_esp(env, &sp);
    desc_set_accessed(env, tsel, &e2, ra);
    seg_cache_set(env, R_CS, (tsel & 0xfffc) | dpl, e1, e2);
    env->rip = toff;
}

static void lcall_same(X86CPUState *env, uint32_t sel, uint32_t e1,
                       uint32_t e2, uint64_t off, unsigned size,
                       uint64_t next_eip, uintptr_t ra)
{
    StackPtr sp = stack_current(env);

    stack_push(env, &sp, size, env->segs[R_CS].selector, ra);
    stack_push(env, &sp, size, next_eip, ra);
    if (off > desc_limit(e1, e2)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    desc_set_accessed(env, sel, &e2, ra);
    seg_cache_set(env, R_CS, (sel & 0xfffc) | env_cpl(env), e1, e2);
    stack_commit_esp(env, &sp);
    env->rip = off;
}

void helper_lcall(X86CPUState *env, uint64_t sel, uint64_t offset,
                  uint64_t op_size, uint64_t next_eip)
{
    uintptr_t ra = TCG_GETPC();
    uint32_t e1, e2, tsel, te1, te2;
    uint64_t toff;

    sel &= 0xffff;
    if (op_size == 2) {
        offset &= 0xffff;
    }
    if (!(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK)) {
        StackPtr sp = stack_current(env);

        stack_push(env, &sp, op_size, env->segs[R_CS].selector, ra);
        stack_push(env, &sp, op_size, next_eip, ra);
        stack_commit_esp(env, &sp);
        seg_load_real(env, R_CS, sel, env->eflags & VM_MASK);
        env->rip = offset;
        return;
    }
    if (!(sel & ~3u)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    if (!desc_load(env, sel, &e1, &e2, ra)) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    if (e2 & DESC_S_MASK) {
        check_code_target(env, sel, e2, false, ra);
        lcall_same(env, sel, e1, e2, offset, op_size, next_eip, ra);
    } else {
        switch (desc_type(e2)) {
        case DT_TSS16_AVL:
        case DT_TSS32_AVL:
        case DT_TASK:
            if (desc_dpl(e2) < env_cpl(env) || desc_dpl(e2) < (sel & 3)) {
                raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
            }
            x86_task_switch(env, sel, e1, e2, TS_CALL, next_eip, ra);
            break;
        case DT_CALL16:
        case DT_CALL32:
            read_call_gate(env, sel, e1, e2, &tsel, &toff, ra);
            if (!desc_load(env, tsel, &te1, &te2, ra)) {
                raise_exception_err_ra(env, EXCP_GP, tsel & 0xfffc, ra);
            }
            check_code_target(env, tsel, te2, true, ra);
            if (!(te2 & DESC_C_MASK) && desc_dpl(te2) < env_cpl(env)) {
                lcall_inner(env, e2, tsel, te1, te2, toff, next_eip, ra);
            } else {
                lcall_same(env, tsel, te1, te2, toff,
                           desc_type(e2) == DT_CALL32 ? 4 : 2, next_eip,
                           ra);
            }
            break;
        default:
            raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
        }
    }
    x86_cpu_update_hflags(env);
}

/* After a return to an outer level: data segments the new CPL may not
 * use become null (SDM Vol. 2B RET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). */
void seg_validate_outer(X86CPUState *env, unsigned cpl)
{
    static const int segs[] = { R_ES, R_DS, R_FS, R_GS };

    for (unsigned i = 0; i < G_N_ELEMENTS(segs); i++) {
        SegmentCache *sc = &env->segs[segs[i]];
        bool conforming_code = (sc->flags & (DESC_CS_MASK | DESC_C_MASK)) ==
                               (DESC_CS_MASK | DESC_C_MASK);

        if (!conforming_code && desc_dpl(sc->flags) < cpl) {
            *sc = (SegmentCache) { .selector = 0 };
        }
    }
}

/* The CS/SS part of RETF and protected-mode IRET, after EIP and CS (and
 * EFLAGS for IRET) were popped from sp. */
void seg_return_far(X86CPUState *env, StackPtr *sp, uint32_t sel,
                    uint64_t eip, unsigned size, uint32_t addend,
                    uintptr_t ra)
{
    unsigned cpl = env_cpl(env), rpl = sel & 3;
    uint32_t e1, e2, ss, esp, ss_e1, ss_e2;

    if (!(sel & ~3u)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    if (!desc_load(env, sel, &e1, &e2, ra) || rpl < cpl ||
        (e2 & (DESC_S_MASK | DESC_CS_MASK)) != (DESC_S_MASK | DESC_CS_MASK) ||
        ((e2 & DESC_C_MASK) ? desc_dpl(e2) > rpl : desc_dpl(e2) != rpl)) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_NP, sel & 0xfffc, ra);
    }
    sp->esp += addend;
    if (rpl == cpl) {
        if (eip > desc_limit(e1, e2)) {
            raise_exception_err_ra(env, EXCP_GP, 0, ra);
        }
        desc_set_accessed(env, sel, &e2, ra);
        seg_cache_set(env, R_CS, sel, e1, e2);
        stack_commit_esp(env, sp);
        env->rip = eip;
        return;
    }
    esp = stack_pop(env, sp, size, ra);
    ss = stack_pop(env, sp, size, ra) & 0xffff;
    if (!(ss & ~3u) || !desc_load(env, ss, &ss_e1, &ss_e2, ra) ||
        (ss & 3) != rpl || desc_dpl(ss_e2) != rpl ||
        (ss_e2 & (DESC_S_MASK | DESC_CS_MASK | DESC_W_MASK)) !=
        (DESC_S_MASK | DESC_W_MASK)) {
        raise_exception_err_ra(env, EXCP_GP, ss & 0xfffc, ra);
    }
    if (!(ss_e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_SS, ss & 0xfffc, ra);
    }
    if (eip > desc_limit(e1, e2)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    desc_set_accessed(env, sel, &e2, ra);
    seg_cache_set(env, R_CS, sel, e1, e2);
    desc_set_accessed(env, ss, &ss_e2, ra);
    seg_cache_set(env, R_SS, ss, ss_e1, ss_e2);
    sp->mask = (ss_e2 & DESC_B_MASK) ? 0xffffffffu : 0xffffu;
    sp->esp = esp + addend;
    env->regs[R_ESP] = 0;
    stack_commit_esp(env, sp);
    env->rip = eip;
    seg_validate_outer(env, rpl);
}

void helper_lret(X86CPUState *env, uint64_t op_size, uint64_t imm)
{
    uintptr_t ra = TCG_GETPC();
    StackPtr sp = stack_current(env);
    uint64_t eip = stack_pop(env, &sp, op_size, ra);
    uint32_t sel = stack_pop(env, &sp, op_size, ra) & 0xffff;

    if (!(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK)) {
        sp.esp += imm;
        stack_commit_esp(env, &sp);
        seg_load_real(env, R_CS, sel, env->eflags & VM_MASK);
        env->rip = eip;
        return;
    }
    seg_return_far(env, &sp, sel, eip, op_size, imm, ra);
    x86_cpu_update_hflags(env);
}

/* ---- LLDT, LTR ---- */

static void load_system_seg(X86CPUState *env, SegmentCache *dst,
                            uint32_t sel, unsigned type_a, unsigned type_b,
                            uintptr_t ra)
{
    uint32_t e1, e2;

    if (!(sel & ~3u)) {
        *dst = (SegmentCache) { .selector = sel };
        return;
    }
    if ((sel & 4) || !desc_load(env, sel, &e1, &e2, ra) ||
        (e2 & DESC_S_MASK) ||
        (desc_type(e2) != type_a && desc_type(e2) != type_b)) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_NP, sel & 0xfffc, ra);
    }
    *dst = (SegmentCache) {
        .selector = sel, .base = desc_base(e1, e2),
        .limit = desc_limit(e1, e2), .flags = e2 & 0x00f0ff00u,
    };
}

void helper_lldt(X86CPUState *env, uint64_t sel)
{
    load_system_seg(env, &env->ldt, sel & 0xffff, DT_LDT, DT_LDT,
                    TCG_GETPC());
}

void helper_ltr(X86CPUState *env, uint64_t sel)
{
    uintptr_t ra = TCG_GETPC();
    uint32_t e2;

    if (!(sel & ~3ull)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    load_system_seg(env, &env->tr, sel & 0xffff, DT_TSS16_AVL,
                    DT_TSS32_AVL, ra);
    e2 = cpu_ld_mmu(env, env->gdt.base + (sel & ~7u) + 4, MMU_KERNEL_IDX,
                    4, ra) | (2u << DESC_TYPE_SHIFT);         /* busy */
    cpu_st_mmu(env, env->gdt.base + (sel & ~7u) + 4, e2, MMU_KERNEL_IDX, 4,
               ra);
    env->tr.flags |= 2u << DESC_TYPE_SHIFT;
}

/* ---- LAR, LSL, VERR, VERW ---- */

/* Is @sel visible to LAR (want_lar) or LSL from this CPL? */
static bool desc_visible(X86CPUState *env, uint32_t sel, bool want_lar,
                         uint32_t *e1, uint32_t *e2)
{
    static const bool lar_ok[16] = {
        [DT_TSS16_AVL] = 1, [DT_LDT] = 1, [DT_TSS16_BUSY] = 1,
        [DT_CALL16] = 1, [DT_TASK] = 1, [DT_TSS32_AVL] = 1,
        [DT_TSS32_BUSY] = 1, [DT_CALL32] = 1,
    };
    static const bool lsl_ok[16] = {
        [DT_TSS16_AVL] = 1, [DT_LDT] = 1, [DT_TSS16_BUSY] = 1,
        [DT_TSS32_AVL] = 1, [DT_TSS32_BUSY] = 1,
    };
    unsigned cpl = env_cpl(env), rpl = sel & 3;

    if (!(sel & ~3u) || !desc_load(env, sel, e1, e2, TCG_GETPC())) {
        return false;
    }
    if (!(*e2 & DESC_S_MASK)) {
        if (!(want_lar ? lar_ok : lsl_ok)[desc_type(*e2)]) {
            return false;
        }
    } else if ((*e2 & (DESC_CS_MASK | DESC_C_MASK)) ==
               (DESC_CS_MASK | DESC_C_MASK)) {
        return true;                    /* conforming code: no DPL check */
    }
    return desc_dpl(*e2) >= cpl && desc_dpl(*e2) >= rpl;
}

uint64_t helper_lar(X86CPUState *env, uint64_t sel)
{
    uint32_t e1, e2;

    if (!desc_visible(env, sel & 0xffff, true, &e1, &e2)) {
        return 0;
    }
    return (1ull << 32) | (e2 & 0x00f0ff00u);
}

uint64_t helper_lsl(X86CPUState *env, uint64_t sel)
{
    uint32_t e1, e2;

    if (!desc_visible(env, sel & 0xffff, false, &e1, &e2)) {
        return 0;
    }
    return (1ull << 32) | desc_limit(e1, e2);
}

static uint64_t verify(X86CPUState *env, uint32_t sel, bool write)
{
    uint32_t e1, e2;
    bool code;

    if (!(sel & ~3u) || !desc_load(env, sel, &e1, &e2, TCG_GETPC()) ||
        !(e2 & DESC_S_MASK)) {
        return 0;
    }
    code = e2 & DESC_CS_MASK;
    if (!(code && (e2 & DESC_C_MASK)) &&
        (desc_dpl(e2) < env_cpl(env) || desc_dpl(e2) < (sel & 3))) {
        return 0;
    }
    if (write) {
        return !code && (e2 & DESC_W_MASK);
    }
    return !code || (e2 & DESC_R_MASK);
}

uint64_t helper_verr(X86CPUState *env, uint64_t sel)
{
    return verify(env, sel & 0xffff, false);
}

uint64_t helper_verw(X86CPUState *env, uint64_t sel)
{
    return verify(env, sel & 0xffff, true);
}

/* ---- SYSENTER / SYSEXIT (SDM Vol. 2B) ---- */

static void flat_seg(X86CPUState *env, int seg, uint32_t sel, unsigned dpl,
                     bool code)
{
    env->segs[seg] = (SegmentCache) {
        .selector = sel, .base = 0, .limit = 0xffffffffu,
        .flags = DESC_G_MASK | DESC_B_MASK | DESC_P_MASK | DESC_S_MASK |
                 DESC_A_MASK | (dpl << DESC_DPL_SHIFT) |
                 (code ? DESC_CS_MASK | DESC_R_MASK : DESC_W_MASK),
    };
}

void helper_sysenter(X86CPUState *env)
{
    uint32_t cs = env->sysenter_cs & 0xffff;

    if (!(env->cr[0] & CR0_PE) || !(cs & 0xfffc)) {
        raise_exception_err_ra(env, EXCP_GP, 0, TCG_GETPC());
    }
    env->eflags &= ~(uint64_t)(VM_MASK | IF_MASK | RF_MASK);
    flat_seg(env, R_CS, cs & 0xfffc, 0, true);
    flat_seg(env, R_SS, (cs + 8) & 0xfffc, 0, false);
    env->regs[R_ESP] = (uint32_t)env->sysenter_esp;
    env->rip = (uint32_t)env->sysenter_eip;
    x86_cpu_update_hflags(env);
}

void helper_sysexit(X86CPUState *env, uint64_t op_size)
{
    uint32_t cs = env->sysenter_cs & 0xffff;

    if (!(env->cr[0] & CR0_PE) || !(cs & 0xfffc) || env_cpl(env) != 0) {
        raise_exception_err_ra(env, EXCP_GP, 0, TCG_GETPC());
    }
    flat_seg(env, R_CS, ((cs + 16) & 0xfffc) | 3, 3, true);
    flat_seg(env, R_SS, ((cs + 24) & 0xfffc) | 3, 3, false);
    env->regs[R_ESP] = (uint32_t)env->regs[R_ECX];
    env->rip = (uint32_t)env->regs[R_EDX];
    x86_cpu_update_hflags(env);
}
