/* SPDX-License-Identifier: MIT */
/*
 * FXSAVE / FXRSTOR: the 512-byte image of the x87, MMX and SSE state;
 * and MASKMOVQ/MASKMOVDQU, the other SSE instructions that need a
 * C helper for guest memory.
 *
 * Called by translated code (cpu/x86/emit-sse.c) with the linear address
 * of the image. Layout (SDM Vol. 1 10.5.1, table 10-2): FCW, FSW, the
 * abridged tag byte, FOP, FIP/FCS and FDP/FDS (64-bit FIP/FDP with
 * REX.W), MXCSR, MXCSR_MASK, ST0-ST7 in stack order (10 bytes each in
 * 16-byte slots), then XMM0-7 (XMM0-15 in 64-bit mode). Bytes 464-511 are
 * neither written nor read.
 * Ref: Intel SDM Vol. 1 10.5, Vol. 2A FXSAVE, FXRSTOR.
 * Missing: the FXSAVE image is written in order, so a page fault halfway
 * leaves the first part written (hardware does not promise otherwise).
 */
#include "kestrel/osdep.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/sse.h"
#include "accel/tcg/tcg-cpu.h"
#include "tcg/tcg-backend.h"

#define FX_FCW      0
#define FX_FSW      2
#define FX_FTW      4
#define FX_FOP      6
#define FX_FIP      8
#define FX_FCS      12
#define FX_FDP      16
#define FX_FDS      20
#define FX_MXCSR    24
#define FX_MXCSR_MASK 28
#define FX_ST0      32
#define FX_XMM0     160

static unsigned fx_mmu(const X86CPUState *env)
{
    return x86_mmu_index(env->hflags);
}

static void fx_check_align(X86CPUState *env, uint64_t addr, uintptr_t ra)
{
    if (addr & 15) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
}

void helper_fxsave(X86CPUState *env, uint64_t addr, uint64_t rex_w,
                   uint64_t xmm_count)
{
    uintptr_t ra = TCG_GETPC();
    unsigned idx = fx_mmu(env);
    uint16_t fsw = (env->fpus & ~0x3800) | (env->fpstt & 7) << 11;

    fx_check_align(env, addr, ra);
    cpu_st_mmu(env, addr + FX_FCW, env->fpuc, idx, 2, ra);
    cpu_st_mmu(env, addr + FX_FSW, fsw, idx, 2, ra);
    cpu_st_mmu(env, addr + FX_FTW, env->fptag, idx, 2, ra);
    cpu_st_mmu(env, addr + FX_FOP, env->fpop, idx, 2, ra);
    if (rex_w) {
        cpu_st_mmu(env, addr + FX_FIP, env->fpip, idx, 8, ra);
        cpu_st_mmu(env, addr + FX_FDP, env->fpdp, idx, 8, ra);
    } else {
        cpu_st_mmu(env, addr + FX_FIP, (uint32_t)env->fpip, idx, 4, ra);
        cpu_st_mmu(env, addr + FX_FCS, env->fpcs, idx, 4, ra);
        cpu_st_mmu(env, addr + FX_FDP, (uint32_t)env->fpdp, idx, 4, ra);
        cpu_st_mmu(env, addr + FX_FDS, env->fpds, idx, 4, ra);
    }
    cpu_st_mmu(env, addr + FX_MXCSR, env->mxcsr, idx, 4, ra);
    cpu_st_mmu(env, addr + FX_MXCSR_MASK, X86_MXCSR_VALID, idx, 4, ra);
    for (unsigned i = 0; i < 8; i++) {
        const X87Reg *r = &env->fpregs[(env->fpstt + i) & 7];
        uint64_t slot = addr + FX_ST0 + 16 * i;

        cpu_st_mmu(env, slot, r->mant, idx, 8, ra);
        cpu_st_mmu(env, slot + 8, r->sign_exp, idx, 8, ra);
    }
    for (unsigned i = 0; i < xmm_count; i++) {
        cpu_st_mmu(env, addr + FX_XMM0 + 16 * i, env->xmm[i].q[0], idx, 8,
                   ra);
        cpu_st_mmu(env, addr + FX_XMM0 + 16 * i + 8, env->xmm[i].q[1], idx,
                   8, ra);
    }
}

void helper_fxrstor(X86CPUState *env, uint64_t addr, uint64_t rex_w,
                    uint64_t xmm_count)
{
    uintptr_t ra = TCG_GETPC();
    unsigned idx = fx_mmu(env);
    uint32_t mxcsr;
    uint16_t fsw;
    X87Reg st[8];
    XmmReg xmm[16];

    fx_check_align(env, addr, ra);
    mxcsr = cpu_ld_mmu(env, addr + FX_MXCSR, idx, 4, ra);
    if (mxcsr & ~X86_MXCSR_VALID) {
        raise_exception_err_ra(env, EXCP_GP, 0, ra);
    }
    /* read everything first: a fault changes nothing */
    for (unsigned i = 0; i < 8; i++) {
        uint64_t slot = addr + FX_ST0 + 16 * i;

        st[i].mant = cpu_ld_mmu(env, slot, idx, 8, ra);
        st[i].sign_exp = cpu_ld_mmu(env, slot + 8, idx, 2, ra);
    }
    for (unsigned i = 0; i < xmm_count; i++) {
        xmm[i].q[0] = cpu_ld_mmu(env, addr + FX_XMM0 + 16 * i, idx, 8, ra);
        xmm[i].q[1] = cpu_ld_mmu(env, addr + FX_XMM0 + 16 * i + 8, idx, 8,
                                 ra);
    }
    env->fpuc = cpu_ld_mmu(env, addr + FX_FCW, idx, 2, ra);
    fsw = cpu_ld_mmu(env, addr + FX_FSW, idx, 2, ra);
    env->fpstt = (fsw >> 11) & 7;
    env->fpus = fsw & ~0x3800;
    env->fptag = cpu_ld_mmu(env, addr + FX_FTW, idx, 1, ra);
    env->fpop = cpu_ld_mmu(env, addr + FX_FOP, idx, 2, ra) & 0x7ff;
    if (rex_w) {
        env->fpip = cpu_ld_mmu(env, addr + FX_FIP, idx, 8, ra);
        env->fpdp = cpu_ld_mmu(env, addr + FX_FDP, idx, 8, ra);
    } else {
        env->fpip = cpu_ld_mmu(env, addr + FX_FIP, idx, 4, ra);
        env->fpcs = cpu_ld_mmu(env, addr + FX_FCS, idx, 2, ra);
        env->fpdp = cpu_ld_mmu(env, addr + FX_FDP, idx, 4, ra);
        env->fpds = cpu_ld_mmu(env, addr + FX_FDS, idx, 2, ra);
    }
    env->mxcsr = mxcsr;
    for (unsigned i = 0; i < 8; i++) {
        env->fpregs[(env->fpstt + i) & 7] = st[i];
    }
    memcpy(env->xmm, xmm, xmm_count * sizeof(XmmReg));
}

void helper_maskmov(X86CPUState *env, uint64_t addr, uint64_t sofs,
                    uint64_t mask_lo, uint64_t mask_hi)
{
    uintptr_t ra = TCG_GETPC();
    const uint8_t *src = (const uint8_t *)env + sofs;
    bool mmx = sofs < offsetof(X86CPUState, xmm);
    unsigned len = mmx ? 8 : 16;
    uint8_t bytes[16];

    memcpy(bytes, src, len);            /* before a fault changes TOP */
    for (unsigned i = 0; i < len; i++) {
        uint64_t m = i < 8 ? mask_lo >> (8 * i) : mask_hi >> (8 * (i - 8));

        if (m & 0x80) {
            cpu_st_mmu(env, addr + i, bytes[i], fx_mmu(env), 1, ra);
        }
    }
}
