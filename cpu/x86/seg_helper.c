/* SPDX-License-Identifier: MIT */
/*
 * Segment primitives: descriptor fields and reads from the GDT/LDT, the
 * segment cache, real-mode and checked protected-mode segment loads, the
 * stack push/pop used by far transfers, and MOV/POP Sreg (helper_load_seg).
 * far_helper.c (far JMP/CALL/RET), int_helper.c (interrupt delivery, IRET)
 * and task_helper.c (task switch) build on these (seg-internal.h).
 *
 * Ref: Intel SDM Vol. 3A 3.4 (segment selectors and descriptors), 5.5-5.6
 * (privilege checks); Vol. 2B MOV, POP.
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
    uint64_t desc;                      /* one load: faults as two would */

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
    desc = cpu_ld_mmu(env, dt->base + index, MMU_KERNEL_IDX, 8, ra);
    *e1 = desc;
    *e2 = desc >> 32;
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
