/* SPDX-License-Identifier: MIT */
/*
 * Far JMP and far CALL in IA-32e mode (64-bit and compatibility code): to
 * a code segment directly, or through a 64-bit call gate. A gate is a
 * 16-byte descriptor (type 12; the upper 8 bytes hold offset 63:32 and a
 * type field that must be 0) whose target must be a 64-bit code segment.
 * CALL to a more privileged level takes RSPn of the 64-bit TSS, makes SS
 * a null selector with RPL = the new CPL, and pushes SS, RSP, CS and RIP
 * as 8-byte values; a same-level CALL pushes CS and RIP (8 bytes each).
 * No parameters are copied. Other system descriptors (16-bit call gates,
 * task gates, TSSs) are #GP here, as on hardware.
 *
 * Called by translated code (emit-branch.c picks these helpers when
 * HF_LMA is set); far RET and IRET are in long_helper.c.
 * Ref: Intel SDM Vol. 3A 5.8.3.1 (IA-32e mode call gates), 5.8.5 and
 * 5.8.6 (stack switching, figure 5-13), 7.7 (64-bit TSS); Vol. 2A CALL
 * and JMP (the "IA-32e mode" paths of their operation sections).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/seg-internal.h"
#include "cpu/x86/long_helper.h"
#include "accel/tcg/tcg-cpu.h"
#include "tcg/tcg-backend.h"

#define DT_CALL64       12              /* the 32-bit gate's type number */
#define TSS64_RSP0      4

static uint64_t lm_op_mask(uint64_t size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* Check a code segment target of a direct far JMP/CALL and load CS:RIP. */
static void lm_far_target(X86CPUState *env, uint32_t sel, uint32_t e1,
                          uint32_t e2, uint64_t off, uintptr_t ra)
{
    unsigned cpl = env_cpl(env), dpl = desc_dpl(e2);

    if (((e2 & DESC_C_MASK) ? dpl > cpl : ((sel & 3) > cpl || dpl != cpl)) ||
        ((e2 & DESC_L_MASK) && (e2 & DESC_B_MASK))) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_NP, sel & 0xfffc, ra);
    }
    if ((e2 & DESC_L_MASK) ? !lm_canonical(off) : off > desc_limit(e1, e2)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    desc_set_accessed(env, sel, &e2, ra);
    seg_cache_set(env, R_CS, (sel & 0xfffc) | cpl, e1, e2);
    env->rip = off;
}

/* The descriptor at @sel, which must not be null or beyond its table. */
static void lm_load_desc(X86CPUState *env, uint32_t sel, uint32_t *e1,
                         uint32_t *e2, uintptr_t ra)
{
    if (!(sel & ~3u)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    if (!desc_load(env, sel, e1, e2, ra)) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
}

/* A 64-bit call gate at @sel (its low half in e1/e2): the privilege and
 * presence checks, the upper half; returns the target selector and
 * offset, and the target's descriptor in te1/te2, checked to be a present
 * 64-bit code segment with DPL <= CPL (the caller adds the JMP rules). */
static uint64_t lm_read_gate(X86CPUState *env, uint32_t sel, uint32_t e1,
                             uint32_t e2, uint32_t *tsel, uint32_t *te1,
                             uint32_t *te2, uintptr_t ra)
{
    unsigned cpl = env_cpl(env), dpl = desc_dpl(e2);
    uint64_t table = (sel & 4) ? env->ldt.base : env->gdt.base;
    uint32_t limit = (sel & 4) ? env->ldt.limit : env->gdt.limit;
    uint32_t hi_off, hi_type;

    if (desc_type(e2) != DT_CALL64 || dpl < cpl || dpl < (sel & 3)) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_NP, sel & 0xfffc, ra);
    }
    if ((sel & ~7u) + 15 > limit) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    hi_off = cpu_ld_mmu(env, table + (sel & ~7u) + 8, MMU_KERNEL_IDX, 4, ra);
    hi_type = cpu_ld_mmu(env, table + (sel & ~7u) + 12, MMU_KERNEL_IDX, 4,
                         ra);
    if ((hi_type >> DESC_TYPE_SHIFT) & 0x1f) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    *tsel = e1 >> 16;
    lm_load_desc(env, *tsel, te1, te2, ra);
    if ((*te2 & (DESC_S_MASK | DESC_CS_MASK)) !=
        (DESC_S_MASK | DESC_CS_MASK) || desc_dpl(*te2) > cpl ||
        !(*te2 & DESC_L_MASK) || (*te2 & DESC_B_MASK)) {
        raise_exception_err_ra(env, EXCP_GP, *tsel & 0xfffc, ra);
    }
    if (!(*te2 & DESC_P_MASK)) {
        raise_exception_err_ra(env, EXCP_NP, *tsel & 0xfffc, ra);
    }
    return (e1 & 0xffff) | (e2 & 0xffff0000u) | (uint64_t)hi_off << 32;
}

static void lm_gate_enter(X86CPUState *env, uint32_t tsel, uint32_t te1,
                          uint32_t te2, uint64_t off, unsigned cpl,
                          uintptr_t ra)
{
    if (!lm_canonical(off)) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    desc_set_accessed(env, tsel, &te2, ra);
    seg_cache_set(env, R_CS, (tsel & 0xfffc) | cpl, te1, te2);
    env->rip = off;
}

void helper_ljmp_lm(X86CPUState *env, uint64_t sel, uint64_t offset,
                    uint64_t op_size, uint64_t next_eip)
{
    uintptr_t ra = TCG_GETPC();
    unsigned cpl = env_cpl(env);
    uint32_t e1, e2, tsel, te1, te2;
    uint64_t toff;

    sel &= 0xffff;
    lm_load_desc(env, sel, &e1, &e2, ra);
    if (e2 & DESC_S_MASK) {
        if (!(e2 & DESC_CS_MASK)) {
            raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
        }
        lm_far_target(env, sel, e1, e2, offset & lm_op_mask(op_size), ra);
    } else {
        toff = lm_read_gate(env, sel, e1, e2, &tsel, &te1, &te2, ra);
        if (!(te2 & DESC_C_MASK) && desc_dpl(te2) != cpl) {
            raise_exception_err_ra(env, EXCP_GP, tsel & 0xfffc, ra);
        }
        lm_gate_enter(env, tsel, te1, te2, toff, cpl, ra);
    }
    x86_cpu_update_hflags(env);
}

/* The 64-bit stack of a CALL through a gate: RSPn of the TSS for a more
 * privileged level, else the current RSP. */
static uint64_t lm_gate_stack(X86CPUState *env, bool inner, unsigned dpl,
                              uintptr_t ra)
{
    unsigned slot = TSS64_RSP0 + dpl * 8;
    uint64_t rsp;

    if (!inner) {
        return env->regs[R_ESP];
    }
    if (slot + 7 > env->tr.limit) {
        raise_exception_err_ra(env, EXCP_TS, env->tr.selector & 0xfffc, ra);
    }
    rsp = cpu_ld_mmu(env, env->tr.base + slot, MMU_KERNEL_IDX, 8, ra);
    if (!lm_canonical(rsp)) {
        raise_exception_err_ra(env, EXCP_SS, 0, ra);
    }
    return rsp;
}

static void lm_call_gate(X86CPUState *env, uint32_t sel, uint32_t e1,
                         uint32_t e2, uint64_t next_eip, uintptr_t ra)
{
    unsigned cpl = env_cpl(env), dpl, idx;
    uint32_t tsel, te1, te2;
    uint64_t toff = lm_read_gate(env, sel, e1, e2, &tsel, &te1, &te2, ra);
    uint64_t rsp;
    bool inner;

    dpl = desc_dpl(te2);
    inner = !(te2 & DESC_C_MASK) && dpl < cpl;
    rsp = lm_gate_stack(env, inner, dpl, ra);
    idx = x86_mmu_index(inner ? dpl : cpl);
    /* every push is made before anything changes: a fault leaves the
     * caller's state as it was */
    if (inner) {
        cpu_st_mmu(env, rsp - 8, env->segs[R_SS].selector, idx, 8, ra);
        cpu_st_mmu(env, rsp - 16, env->regs[R_ESP], idx, 8, ra);
        rsp -= 16;
    }
    cpu_st_mmu(env, rsp - 8, env->segs[R_CS].selector, idx, 8, ra);
    cpu_st_mmu(env, rsp - 16, next_eip, idx, 8, ra);
    rsp -= 16;
    lm_gate_enter(env, tsel, te1, te2, toff, inner ? dpl : cpl, ra);
    if (inner) {
        env->segs[R_SS] = (SegmentCache) {
            .selector = dpl, .flags = dpl << DESC_DPL_SHIFT,
        };
    }
    env->regs[R_ESP] = rsp;
}

void helper_lcall_lm(X86CPUState *env, uint64_t sel, uint64_t offset,
                     uint64_t op_size, uint64_t next_eip)
{
    uintptr_t ra = TCG_GETPC();
    bool code64 = env->hflags & HF_CS64;
    const SegmentCache *ss = &env->segs[R_SS];
    uint64_t old_cs = env->segs[R_CS].selector, rsp = env->regs[R_ESP];
    uint64_t smask = code64 ? ~0ull : (ss->flags & DESC_B_MASK) ?
                     0xffffffffull : 0xffffull;
    uint64_t base = code64 ? 0 : ss->base;
    unsigned idx = x86_mmu_index(env->hflags);
    uint64_t a1 = (rsp - op_size) & smask, a2 = (rsp - 2 * op_size) & smask;
    uint32_t e1, e2;

    sel &= 0xffff;
    lm_load_desc(env, sel, &e1, &e2, ra);
    if (!(e2 & DESC_S_MASK)) {
        lm_call_gate(env, sel, e1, e2, next_eip, ra);
        x86_cpu_update_hflags(env);
        return;
    }
    if (!(e2 & DESC_CS_MASK)) {
        raise_exception_err_ra(env, EXCP_GP, sel & 0xfffc, ra);
    }
    /* both pushes are checked before CS changes */
    cpu_st_mmu(env, code64 ? base + a1 : (base + a1) & 0xffffffffu, old_cs,
               idx, op_size, ra);
    cpu_st_mmu(env, code64 ? base + a2 : (base + a2) & 0xffffffffu,
               next_eip, idx, op_size, ra);
    lm_far_target(env, sel, e1, e2, offset & lm_op_mask(op_size), ra);
    env->regs[R_ESP] = (env->regs[R_ESP] & ~smask) | a2;
    x86_cpu_update_hflags(env);
}
