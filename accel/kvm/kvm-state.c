/* SPDX-License-Identifier: MIT */
/*
 * Register sync between a KVM vCPU and the canonical X86CPU.env: general
 * registers (KVM_GET/SET_REGS), segments, descriptor tables, control
 * registers, EFER and the APIC base (KVM_GET/SET_SREGS), DR0-3, DR6 and
 * DR7 (KVM_GET/SET_DEBUGREGS), x87/SSE
 * (KVM_GET/SET_XSAVE), MSRs from one table, and the interrupt
 * shadow and pending exception (KVM_GET/SET_VCPU_EVENTS).
 * env->tsc is the guest TSC's offset from the virtual clock, so the TSC
 * MSR is converted on the way in and out.
 * Ref: api.rst 4.11-4.24 (regs, sregs, fpu, msrs), 4.31/4.32 (vcpu
 * events); Intel SDM Vol. 3A 3.4.5 (descriptor fields).
 * Missing: XSAVE components past SSE (no Kestrel model has AVX),
 * FPU CS/DS selectors (the 64-bit FXSAVE layout has none). An interrupt injected
 * but not yet delivered is not moved: kvm.c lets it be delivered before
 * the vCPU leaves KVM.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "kestrel/timer.h"
#include "cpu/x86/cpu.h"
#include "accel/kvm/kvm-int.h"
#include <stddef.h>
#include <sys/ioctl.h>

#define ENV_OFS(f) offsetof(X86CPUState, f)

static const struct {
    uint32_t index;
    size_t ofs;
} kvm_msr_table[] = {
    { 0x174, ENV_OFS(sysenter_cs) },
    { 0x175, ENV_OFS(sysenter_esp) },
    { 0x176, ENV_OFS(sysenter_eip) },
    { 0x277, ENV_OFS(pat) },
    { 0x1a0, ENV_OFS(misc_enable) },
    { 0x2ff, ENV_OFS(mtrr_def_type) },
    { 0x250, ENV_OFS(mtrr_fixed[0]) },
    { 0x258, ENV_OFS(mtrr_fixed[1]) },
    { 0x259, ENV_OFS(mtrr_fixed[2]) },
    { 0x268, ENV_OFS(mtrr_fixed[3]) },
    { 0x269, ENV_OFS(mtrr_fixed[4]) },
    { 0x26a, ENV_OFS(mtrr_fixed[5]) },
    { 0x26b, ENV_OFS(mtrr_fixed[6]) },
    { 0x26c, ENV_OFS(mtrr_fixed[7]) },
    { 0x26d, ENV_OFS(mtrr_fixed[8]) },
    { 0x26e, ENV_OFS(mtrr_fixed[9]) },
    { 0x26f, ENV_OFS(mtrr_fixed[10]) },
    { 0xc0000081, ENV_OFS(star) },
    { 0xc0000082, ENV_OFS(lstar) },
    { 0xc0000083, ENV_OFS(cstar) },
    { 0xc0000084, ENV_OFS(fmask) },
    { 0xc0000102, ENV_OFS(kernel_gs_base) },
    { 0xc0000103, ENV_OFS(tsc_aux) },
};

/* kvm_regs order: rax rbx rcx rdx rsi rdi rsp rbp r8..r15 */
static const int kvm_reg_order[16] = {
    R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_ESP, R_EBP,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};

#define MSR_IA32_TSC 0x10
#define KVM_MSR_MAX (G_N_ELEMENTS(kvm_msr_table) + 1 + 16)

typedef struct KvmMsrs {
    struct kvm_msrs hdr;
    struct kvm_msr_entry e[KVM_MSR_MAX];
} KvmMsrs;

bool kvm_msr_supported(uint32_t index)
{
    for (uint32_t i = 0; i < kvm_state.msrs->nmsrs; i++) {
        if (kvm_state.msrs->indices[i] == index) {
            return true;
        }
    }
    return false;
}

/* The MSRs both sides know, in order: the table, the TSC, the variable
 * MTRRs. The caller fills or reads data. */
static void kvm_msrs_list(KvmMsrs *m, const X86CPUState *env)
{
    m->hdr.nmsrs = 0;
    for (unsigned i = 0; i < G_N_ELEMENTS(kvm_msr_table); i++) {
        if (kvm_msr_supported(kvm_msr_table[i].index)) {
            m->e[m->hdr.nmsrs++].index = kvm_msr_table[i].index;
        }
    }
    m->e[m->hdr.nmsrs++].index = MSR_IA32_TSC;
    for (uint32_t i = 0; i < 16 && kvm_msr_supported(0x200 + i); i++) {
        m->e[m->hdr.nmsrs++].index = 0x200 + i;
    }
}

static uint64_t *kvm_msr_field(X86CPUState *env, uint32_t index)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(kvm_msr_table); i++) {
        if (kvm_msr_table[i].index == index) {
            return (uint64_t *)((char *)env + kvm_msr_table[i].ofs);
        }
    }
    if (index >= 0x200 && index < 0x210) {
        return &env->mtrr_var[index - 0x200];
    }
    return NULL;
}

/* ---- segments: SegmentCache.flags hold descriptor bits 8-23 ---- */

static void seg_to_kvm(struct kvm_segment *k, const SegmentCache *s,
                       bool plain, bool code)
{
    uint32_t f = s->flags;

    *k = (struct kvm_segment) {
        .base = s->base, .limit = s->limit, .selector = s->selector,
        .type = (f >> DESC_TYPE_SHIFT) & 15, .s = !!(f & DESC_S_MASK),
        .dpl = (f >> DESC_DPL_SHIFT) & 3, .present = !!(f & DESC_P_MASK),
        .avl = !!(f & DESC_AVL_MASK), .l = !!(f & DESC_L_MASK),
        .db = !!(f & DESC_B_MASK), .g = !!(f & DESC_G_MASK),
    };
    if (plain) {                        /* real or V86 mode: always usable */
        k->type = code ? 0xb : 3;
        k->s = 1;
        k->present = 1;
        k->unusable = 0;
        return;
    }
    k->unusable = !k->present;
}

static void seg_from_kvm(SegmentCache *s, const struct kvm_segment *k)
{
    s->selector = k->selector;
    s->base = k->base;
    s->limit = k->limit;
    s->flags = (uint32_t)k->type << DESC_TYPE_SHIFT |
               (k->s ? DESC_S_MASK : 0) | (uint32_t)k->dpl << DESC_DPL_SHIFT |
               (k->present && !k->unusable ? DESC_P_MASK : 0) |
               (k->avl ? DESC_AVL_MASK : 0) | (k->l ? DESC_L_MASK : 0) |
               (k->db ? DESC_B_MASK : 0) | (k->g ? DESC_G_MASK : 0);
}

static struct kvm_segment *kvm_sreg(struct kvm_sregs *sr, int i)
{
    struct kvm_segment *map[6] = { &sr->es, &sr->cs, &sr->ss, &sr->ds,
                                   &sr->fs, &sr->gs };

    return map[i];
}

/*
 * ---- x87/SSE through KVM_GET/SET_XSAVE: the FXSAVE layout, then the
 * XSAVE header. Not KVM_GET/SET_FPU: they copy the legacy area as is,
 * and where the kernel saved the state with XSAVEOPT/XSAVES a component
 * in its init state (x87 after FNINIT, SSE never used) is not written
 * there, so KVM_GET_FPU read stale TOP and tags, and KVM_SET_FPU's XMM
 * values were dropped while XSTATE_BV said "SSE in init state".
 * Ref: Intel SDM Vol. 1 10.5.1 (FXSAVE area), 13.4 (XSAVE area).
 */
#define XS_FCW          0
#define XS_FSW          2
#define XS_FTW          4               /* abridged tag byte */
#define XS_FOP          6
#define XS_FIP          8
#define XS_FDP          16
#define XS_MXCSR        24
#define XS_ST           32              /* ST(i) at 32 + 16 * i */
#define XS_XMM          160
#define XS_XSTATE_BV    512
#define XSTATE_X87_SSE  3

static void *xs_at(struct kvm_xsave *x, unsigned ofs)
{
    return (uint8_t *)x->region + ofs;
}

static void fpu_to_kvm(struct kvm_xsave *x, const X86CPUState *env)
{
    uint16_t fsw = (env->fpus & ~0x3800) | (env->fpstt & 7) << 11;
    uint64_t bv = XSTATE_X87_SSE;
    uint32_t mxcsr = env->mxcsr;

    memset(x, 0, sizeof(*x));
    memcpy(xs_at(x, XS_FCW), &env->fpuc, 2);
    memcpy(xs_at(x, XS_FSW), &fsw, 2);
    memcpy(xs_at(x, XS_FTW), &env->fptag, 1);
    memcpy(xs_at(x, XS_FOP), &env->fpop, 2);
    memcpy(xs_at(x, XS_FIP), &env->fpip, 8);
    memcpy(xs_at(x, XS_FDP), &env->fpdp, 8);
    memcpy(xs_at(x, XS_MXCSR), &mxcsr, 4);
    for (int i = 0; i < 8; i++) {
        const X87Reg *r = &env->fpregs[(env->fpstt + i) & 7];

        memcpy(xs_at(x, XS_ST + 16 * i), &r->mant, 8);
        memcpy(xs_at(x, XS_ST + 16 * i + 8), &r->sign_exp, 2);
    }
    memcpy(xs_at(x, XS_XMM), env->xmm, sizeof(env->xmm));
    memcpy(xs_at(x, XS_XSTATE_BV), &bv, 8);
}

static void fpu_from_kvm(X86CPUState *env, struct kvm_xsave *x)
{
    uint16_t fsw;

    memcpy(&env->fpuc, xs_at(x, XS_FCW), 2);
    memcpy(&fsw, xs_at(x, XS_FSW), 2);
    env->fpstt = (fsw >> 11) & 7;
    env->fpus = fsw & ~0x3800;
    memcpy(&env->fptag, xs_at(x, XS_FTW), 1);
    memcpy(&env->fpop, xs_at(x, XS_FOP), 2);
    memcpy(&env->fpip, xs_at(x, XS_FIP), 8);
    memcpy(&env->fpdp, xs_at(x, XS_FDP), 8);
    memcpy(&env->mxcsr, xs_at(x, XS_MXCSR), 4);
    for (int i = 0; i < 8; i++) {
        X87Reg *r = &env->fpregs[(env->fpstt + i) & 7];

        memcpy(&r->mant, xs_at(x, XS_ST + 16 * i), 8);
        memcpy(&r->sign_exp, xs_at(x, XS_ST + 16 * i + 8), 2);
    }
    memcpy(env->xmm, xs_at(x, XS_XMM), sizeof(env->xmm));
}

static bool kvm_ioctl_ok(int ret, const char *what, GError **errp)
{
    if (ret < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_FAILED, "kvm: %s: %s", what,
                    g_strerror(errno));
        return false;
    }
    return true;
}

bool kvm_arch_put_state(KvmCpu *kc, GError **errp)
{
    X86CPUState *env = &kc->cpu->env;
    bool plain = !(env->cr[0] & CR0_PE) ||
                 (x86_cpu_get_eflags(env) & VM_MASK);
    struct kvm_regs regs = { .rip = env->rip,
                             .rflags = x86_cpu_get_eflags(env) };
    struct kvm_sregs sr = { 0 };
    struct kvm_xsave fpu;
    struct kvm_debugregs dbg = { 0 };
    struct kvm_vcpu_events ev = { 0 };
    KvmMsrs msrs;
    __u64 *r = &regs.rax;

    for (int i = 0; i < 16; i++) {
        r[i] = env->regs[kvm_reg_order[i]];
    }
    if (!kvm_ioctl_ok(ioctl(kc->fd, KVM_SET_REGS, &regs), "KVM_SET_REGS",
                      errp)) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        seg_to_kvm(kvm_sreg(&sr, i), &env->segs[i], plain, i == R_CS);
    }
    seg_to_kvm(&sr.ldt, &env->ldt, false, false);
    seg_to_kvm(&sr.tr, &env->tr, false, false);
    sr.tr.present = 1;                  /* VMX insists on a usable TR */
    sr.tr.unusable = 0;
    sr.gdt = (struct kvm_dtable) { .base = env->gdt.base,
                                   .limit = env->gdt.limit };
    sr.idt = (struct kvm_dtable) { .base = env->idt.base,
                                   .limit = env->idt.limit };
    sr.cr0 = env->cr[0];
    sr.cr2 = env->cr[2];
    sr.cr3 = env->cr[3];
    sr.cr4 = env->cr[4];
    sr.efer = env->efer;
    sr.apic_base = env->apic_base;
    if (!kvm_ioctl_ok(ioctl(kc->fd, KVM_SET_SREGS, &sr), "KVM_SET_SREGS",
                      errp)) {
        return false;
    }
    fpu_to_kvm(&fpu, env);
    if (!kvm_ioctl_ok(ioctl(kc->fd, KVM_SET_XSAVE, &fpu), "KVM_SET_XSAVE",
                      errp)) {
        return false;
    }
    memcpy(dbg.db, env->dr, sizeof(dbg.db));
    dbg.dr6 = env->dr[6];
    dbg.dr7 = env->dr[7];
    if (!kvm_ioctl_ok(ioctl(kc->fd, KVM_SET_DEBUGREGS, &dbg),
                      "KVM_SET_DEBUGREGS", errp)) {
        return false;
    }
    kvm_msrs_list(&msrs, env);
    for (uint32_t i = 0; i < msrs.hdr.nmsrs; i++) {
        uint32_t idx = msrs.e[i].index;

        msrs.e[i].data = idx == MSR_IA32_TSC ?
            (uint64_t)clock_ns(CLOCK_VIRTUAL) + env->tsc :
            *kvm_msr_field(env, idx);
    }
    if (ioctl(kc->fd, KVM_SET_MSRS, &msrs) != (int)msrs.hdr.nmsrs) {
        ks_log("kestrel: kvm: KVM_SET_MSRS: not all %u MSRs taken\n",
               msrs.hdr.nmsrs);
    }
    ev.flags = KVM_VCPUEVENT_VALID_SHADOW;
    ev.interrupt.shadow = (env->hflags & HF_INHIBIT_IRQ) ?
                          KVM_X86_SHADOW_INT_MOV_SS : 0;
    if (env->exception_index >= 0 && env->exception_index < 32) {
        ev.exception.injected = 1;
        ev.exception.nr = env->exception_index;
        ev.exception.has_error_code =
            x86_exception_has_error_code(env->exception_index);
        ev.exception.error_code = env->error_code;
    }
    return kvm_ioctl_ok(ioctl(kc->fd, KVM_SET_VCPU_EVENTS, &ev),
                        "KVM_SET_VCPU_EVENTS", errp);
}

bool kvm_arch_get_state(KvmCpu *kc, GError **errp)
{
    X86CPUState *env = &kc->cpu->env;
    struct kvm_regs regs;
    struct kvm_sregs sr;
    struct kvm_xsave fpu;
    struct kvm_debugregs dbg;
    struct kvm_vcpu_events ev;
    KvmMsrs msrs;
    __u64 *r = &regs.rax;

    if (!kvm_ioctl_ok(ioctl(kc->fd, KVM_GET_REGS, &regs), "KVM_GET_REGS",
                      errp) ||
        !kvm_ioctl_ok(ioctl(kc->fd, KVM_GET_SREGS, &sr), "KVM_GET_SREGS",
                      errp) ||
        !kvm_ioctl_ok(ioctl(kc->fd, KVM_GET_XSAVE, &fpu), "KVM_GET_XSAVE",
                      errp) ||
        !kvm_ioctl_ok(ioctl(kc->fd, KVM_GET_DEBUGREGS, &dbg),
                      "KVM_GET_DEBUGREGS", errp) ||
        !kvm_ioctl_ok(ioctl(kc->fd, KVM_GET_VCPU_EVENTS, &ev),
                      "KVM_GET_VCPU_EVENTS", errp)) {
        return false;
    }
    for (int i = 0; i < 16; i++) {
        env->regs[kvm_reg_order[i]] = r[i];
    }
    env->rip = regs.rip;
    for (int i = 0; i < 6; i++) {
        seg_from_kvm(&env->segs[i], kvm_sreg(&sr, i));
    }
    seg_from_kvm(&env->ldt, &sr.ldt);
    seg_from_kvm(&env->tr, &sr.tr);
    env->gdt = (DescTable) { .base = sr.gdt.base, .limit = sr.gdt.limit };
    env->idt = (DescTable) { .base = sr.idt.base, .limit = sr.idt.limit };
    env->cr[0] = sr.cr0;
    env->cr[2] = sr.cr2;
    env->cr[3] = sr.cr3;
    env->cr[4] = sr.cr4;
    env->efer = sr.efer;
    env->apic_base = sr.apic_base;
    fpu_from_kvm(env, &fpu);
    memcpy(env->dr, dbg.db, sizeof(dbg.db));
    env->dr[6] = dbg.dr6;
    env->dr[7] = dbg.dr7;
    kvm_msrs_list(&msrs, env);
    if (ioctl(kc->fd, KVM_GET_MSRS, &msrs) == (int)msrs.hdr.nmsrs) {
        for (uint32_t i = 0; i < msrs.hdr.nmsrs; i++) {
            uint32_t idx = msrs.e[i].index;

            if (idx == MSR_IA32_TSC) {
                env->tsc = msrs.e[i].data - (uint64_t)clock_ns(CLOCK_VIRTUAL);
            } else {
                *kvm_msr_field(env, idx) = msrs.e[i].data;
            }
        }
    }
    env->exception_index = -1;
    if (ev.exception.injected) {
        env->exception_index = ev.exception.nr;
        env->error_code = ev.exception.error_code;
    }
    x86_cpu_set_eflags(env, regs.rflags);
    x86_cpu_update_hflags(env);
    if (ev.interrupt.shadow) {
        env->hflags |= HF_INHIBIT_IRQ;
    }
    return true;
}

void kvm_dump_regs(KvmCpu *kc)
{
    g_autoptr(GError) err = NULL;
    X86CPUState *env = &kc->cpu->env;

    if (!kvm_arch_get_state(kc, &err)) {
        ks_log("kestrel: %s\n", err->message);
        return;
    }
    ks_log("RAX=%016" PRIx64 " RBX=%016" PRIx64 " RCX=%016" PRIx64
           " RDX=%016" PRIx64 "\n", env->regs[R_EAX], env->regs[R_EBX],
           env->regs[R_ECX], env->regs[R_EDX]);
    ks_log("RSI=%016" PRIx64 " RDI=%016" PRIx64 " RBP=%016" PRIx64
           " RSP=%016" PRIx64 "\n", env->regs[R_ESI], env->regs[R_EDI],
           env->regs[R_EBP], env->regs[R_ESP]);
    ks_log("RIP=%016" PRIx64 " RFL=%08" PRIx64 " CS=%04x base %08" PRIx64
           " CR0=%08" PRIx64 " CR3=%08" PRIx64 " CR4=%08" PRIx64
           " EFER=%08" PRIx64 "\n", env->rip, x86_cpu_get_eflags(env),
           env->segs[R_CS].selector, env->segs[R_CS].base, env->cr[0],
           env->cr[3], env->cr[4], env->efer);
}
