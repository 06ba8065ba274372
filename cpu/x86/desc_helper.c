/* SPDX-License-Identifier: MIT */
/*
 * System segment instructions for translated code (helper.h): LLDT and LTR
 * load the LDTR and TR; LAR, LSL, VERR and VERW test a selector and say
 * whether it passed (the translator sets ZF from that); SYSENTER and
 * SYSEXIT switch to flat segments from the SYSENTER MSRs.
 *
 * Ref: Intel SDM Vol. 2A/2B LLDT, LTR, LAR, LSL, VERR/VERW, SYSENTER,
 * SYSEXIT; Vol. 3A 3.5 (system descriptor types).
 */
#include "kestrel/osdep.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/seg-internal.h"
#include "accel/tcg/tcg-cpu.h"
#include "tcg/tcg-backend.h"

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
