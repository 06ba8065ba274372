/* SPDX-License-Identifier: MIT */
/*
 * Kestrel's runners for tests/diff/diff-run.c: the state of a DiffSeq
 * loaded into a vCPU of diff-machine.c, run under the JIT, the IR
 * interpreter or KVM until the HLT after the code, or the HLT an exception
 * vector points at; the final state read back in the runners' common
 * form (DiffState, the x87/SSE state as an FXSAVE image).
 *
 * Guest memory: IVT at 0, GDT, 32- and 64-bit IDTs whose vector i runs
 * HLT at DK_VEC + i, a 64-bit TSS whose IST1 takes the exception frames
 * in long mode (so that they do not land on the stack page), 4-level
 * page tables mapping the first 2 MiB 1:1, the code at DK_CODE, the
 * scratch page DG_RIP_DELTA after it, the stack page (in 32-bit code an
 * exception frame lands below ESP there; the comparator skips it). Real
 * mode: DS, ES, FS and GS point at the scratch page (EDI = 0), SS at the
 * stack page.
 * CR0.NE is set (x87 faults are #MF), CR4.OSFXSR and OSXMMEXCPT too.
 * Ref: Intel SDM Vol. 3A 6.14 (64-bit IDT, IST), 4.5 (4-level paging),
 * 6.12 (frames), Vol. 1 table 10-2.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/cpu.h"
#include "diff-kestrel.h"

#define DK_RAM      0x20000
#define DK_GDT      0x500
#define DK_IDT32    0x600
#define DK_IDT64    0x800
#define DK_VEC      0xa00               /* HLT of vector i at DK_VEC + i */
#define DK_TSS      0xb00
#define DK_PML4     0x1000
#define DK_IST      0x6000              /* IST1: top of its stack */
#define DK_CODE     0x10000
#define DK_MEM      (DK_CODE + DG_RIP_DELTA)
#define DK_STACK    (DK_MEM + DG_MEM_SIZE)
#define DK_TIMEOUT  2000000

static DiffMachine dk_m;

/* null, 32-bit code (0x08), data (0x10), 64-bit code (0x18) */
static const uint64_t dk_gdt[4] = {
    0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull, 0x00af9a000000ffffull,
};

static void dk_put(uint32_t addr, uint64_t v, unsigned size)
{
    dm_write(&dk_m, addr, &v, size);
}

static uint64_t dk_get(uint32_t addr, unsigned size)
{
    uint64_t v = 0;

    dm_read(&dk_m, addr, &v, size);
    return v;
}

/* The accelerator's init sets the model from -cpu (none here) */
static void dk_model(void)
{
    x86_cpu_set_machine_model(x86_cpu_model_find("qemu64"));
}

void dk_init(void)
{
    dm_init(&dk_m, DK_RAM, "diff-run");
    dk_model();
    dm_write(&dk_m, DK_GDT, dk_gdt, sizeof(dk_gdt));
    for (unsigned i = 0; i < 32; i++) {
        uint32_t off = DK_VEC + i;

        dk_put(4 * i, off, 4);                          /* IVT 0:off */
        dk_put(DK_IDT32 + 8 * i, off | 0x08 << 16 | 0x8eull << 40, 8);
        dk_put(DK_IDT64 + 16 * i, off | 0x18 << 16 | 1ull << 32 |
               0x8eull << 40, 8);                       /* IST1 */
        dk_put(DK_IDT64 + 16 * i + 8, 0, 8);
        dk_put(DK_VEC + i, 0xf4, 1);
    }
    dk_put(DK_TSS + 0x24, DK_IST, 8);
    dk_put(DK_PML4, (DK_PML4 + 0x1000) | 3, 8);
    dk_put(DK_PML4 + 0x1000, (DK_PML4 + 0x2000) | 3, 8);
    dk_put(DK_PML4 + 0x2000, 0x83, 8);                  /* 2 MiB at 0 */
}

bool dk_kvm_init(GError **errp)
{
    return dm_kvm_init(&dk_m, errp);
}

void dk_set_engine(int engine)
{
    dm_set_engine(&dk_m, engine, "diff-run");
    dk_model();
}

static void dk_seg(SegmentCache *sc, uint16_t sel, uint64_t base,
                   uint32_t limit, uint32_t flags)
{
    *sc = (SegmentCache) { .selector = sel, .base = base, .limit = limit,
                           .flags = flags };
}

static void dk_modes(const DiffSeq *s, X86CPUState *env)
{
    const uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK |
                          DESC_A_MASK;
    const uint32_t code = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK |
                          DESC_R_MASK | DESC_A_MASK;

    env->cr[0] |= CR0_NE | CR0_MP;
    env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (s->bits == 16) {
        dk_seg(&env->segs[R_CS], DK_CODE >> 4, DK_CODE, 0xffff, data |
               DESC_CS_MASK);
        for (int i = 0; i < 6; i++) {
            if (i != R_CS) {
                dk_seg(&env->segs[i], DK_MEM >> 4, DK_MEM, 0xffff, data);
            }
        }
        dk_seg(&env->segs[R_SS], DK_STACK >> 4, DK_STACK, 0xffff, data);
        env->rip = 0;
        env->regs[R_ESP] = DG_STACK_START;
        env->regs[DG_MEM_REG] = 0;
        return;
    }
    env->cr[0] |= CR0_PE;
    for (int i = 0; i < 6; i++) {
        dk_seg(&env->segs[i], 0x10, 0, 0xffffffff,
               data | DESC_B_MASK | DESC_G_MASK);
    }
    env->gdt = (DescTable) { .base = DK_GDT, .limit = sizeof(dk_gdt) - 1 };
    env->rip = DK_CODE;
    env->regs[DG_MEM_REG] = DK_MEM;
    if (s->bits == 32) {
        dk_seg(&env->segs[R_CS], 0x08, 0, 0xffffffff,
               code | DESC_B_MASK | DESC_G_MASK);
        env->idt = (DescTable) { .base = DK_IDT32, .limit = 32 * 8 - 1 };
        env->regs[R_ESP] = DK_STACK + DG_STACK_START;
        return;
    }
    dk_seg(&env->segs[R_CS], 0x18, 0, 0xffffffff,
           code | DESC_L_MASK | DESC_G_MASK);
    dk_seg(&env->tr, 0x20, DK_TSS, 0x67, DESC_P_MASK | 0xb << 8);
    env->idt = (DescTable) { .base = DK_IDT64, .limit = 32 * 16 - 1 };
    env->cr[0] |= CR0_PG;
    env->cr[3] = DK_PML4;
    env->cr[4] |= CR4_PAE;
    env->efer |= EFER_LME | EFER_LMA;
    env->regs[R_ESP] = DK_STACK + DG_STACK_START;
}

/* The FXSAVE image <-> env */
static void dk_fx_load(X86CPUState *env, const uint8_t *fx)
{
    uint16_t fsw;

    memcpy(&env->fpuc, fx + DG_FX_FCW, 2);
    memcpy(&fsw, fx + DG_FX_FSW, 2);
    env->fpstt = (fsw >> 11) & 7;
    env->fpus = fsw & ~0x3800;
    env->fptag = fx[DG_FX_FTW];
    memcpy(&env->mxcsr, fx + DG_FX_MXCSR, 4);
    for (unsigned i = 0; i < 8; i++) {
        X87Reg *r = &env->fpregs[(env->fpstt + i) & 7];

        memcpy(&r->mant, fx + DG_FX_ST0 + 16 * i, 8);
        memcpy(&r->sign_exp, fx + DG_FX_ST0 + 16 * i + 8, 2);
    }
    memcpy(env->xmm, fx + DG_FX_XMM0, 16 * 16);
}

static void dk_fx_store(const X86CPUState *env, uint8_t *fx)
{
    uint16_t fsw = (env->fpus & ~0x3800) | (env->fpstt & 7) << 11;

    memset(fx, 0, DG_FX_SIZE);
    memcpy(fx + DG_FX_FCW, &env->fpuc, 2);
    memcpy(fx + DG_FX_FSW, &fsw, 2);
    fx[DG_FX_FTW] = env->fptag;
    memcpy(fx + DG_FX_MXCSR, &env->mxcsr, 4);
    for (unsigned i = 0; i < 8; i++) {
        const X87Reg *r = &env->fpregs[(env->fpstt + i) & 7];

        memcpy(fx + DG_FX_ST0 + 16 * i, &r->mant, 8);
        memcpy(fx + DG_FX_ST0 + 16 * i + 8, &r->sign_exp, 2);
    }
    memcpy(fx + DG_FX_XMM0, env->xmm, 16 * 16);
}

/* The frame an exception left on the stack: its vector, faulting
 * instruction, flags and (64-bit) stack pointer. */
static void dk_frame(const DiffSeq *s, X86CPUState *env, DiffState *out)
{
    unsigned w = s->bits == 64 ? 8 : s->bits == 32 ? 4 : 2;
    uint64_t sp = env->regs[R_ESP] & (s->bits == 16 ? 0xffff : ~0ull);
    uint64_t ss = env->segs[R_SS].base;
    int v = out->excp;

    if (s->bits != 16 && (v == 8 || (v >= 10 && v <= 14) || v == 17)) {
        sp += w;                        /* the error code */
    }
    out->fault_off = dk_get(ss + sp, w) - (s->bits == 16 ? 0 : DK_CODE);
    out->flags = dk_get(ss + sp + 2 * w, w) & DG_CC;
    /* SP at the fault: in the frame (64-bit), or above it */
    out->regs[R_ESP] = s->bits == 64 ? dk_get(sp + 3 * w, w) - DK_STACK
                       : sp + 3 * w - (s->bits == 32 ? DK_STACK : 0);
}

void dk_run(const DiffSeq *s, DiffState *out)
{
    X86CPUState *env = &dk_m.cpu->env;
    uint8_t hlt = 0xf4;
    uint64_t pc;

    dm_write(&dk_m, DK_CODE, s->code, s->len);
    dm_write(&dk_m, DK_CODE + s->len, &hlt, 1);
    dm_write(&dk_m, DK_MEM, s->mem, DG_MEM_SIZE);
    dm_write(&dk_m, DK_STACK, s->stack, DG_STACK_SIZE);
    x86_cpu_state_reset(env);
    for (int i = 0; i < 16; i++) {
        env->regs[i] = s->regs[i];
    }
    dk_modes(s, env);
    dk_fx_load(env, s->fx);
    x86_cpu_set_eflags(env, s->flags | 2);
    env->a20_mask = ~0ull;
    x86_cpu_update_hflags(env);

    out->ran = dm_run(&dk_m, DK_TIMEOUT);
    pc = env->segs[R_CS].base + env->rip;
    out->excp = -1;
    out->flags = x86_cpu_get_eflags(env) & DG_CC;
    memcpy(out->regs, env->regs, sizeof(out->regs));
    if (s->bits != 16) {
        out->regs[R_ESP] -= DK_STACK;
    }
    if (pc > DK_VEC && pc <= DK_VEC + 32) {
        out->excp = pc - DK_VEC - 1;
        dk_frame(s, env, out);
    } else if (pc != DK_CODE + s->len + 1) {
        out->ran = false;
    }
    dk_fx_store(env, out->fx);
    dm_read(&dk_m, DK_MEM, out->mem, DG_MEM_SIZE);
    dm_read(&dk_m, DK_STACK, out->stack, DG_STACK_SIZE);
}
