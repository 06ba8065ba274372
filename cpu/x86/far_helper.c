/* SPDX-License-Identifier: MIT */
/*
 * Far control transfers outside IA-32e mode: far JMP and far CALL (direct,
 * through call gates with the stack switch and parameter copy, or to a
 * task) and far RET, for translated code (helper.h). seg_return_far() is
 * shared with protected-mode IRET (int_helper.c).
 *
 * Ref: Intel SDM Vol. 3A 5.8 (call gates, stack switching);
 * Vol. 2A/2B JMP, CALL, RET.
 * IA-32e mode's far transfers are in long_helper.c and long_far.c.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/seg-internal.h"
#include "accel/tcg/tcg-cpu.h"
#include "tcg/tcg-backend.h"

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
