/* SPDX-License-Identifier: MIT */
/*
 * GDB under KVM: the guest debug table (include/kestrel/guest-debug.h)
 * turned into KVM_SET_GUEST_DEBUG settings, and debug exits turned back
 * into stops.
 * - Hardware breakpoints (Z1) and watchpoints (Z2-Z4): the four debug
 *   registers (KVM_GUESTDBG_USE_HW_BP), so at most four, and watchpoints
 *   of 1, 2, 4 or 8 aligned bytes. x86 has no read-only watchpoint: a
 *   read watchpoint also stops on writes.
 * - Software breakpoints (Z0) take the debug registers left free, as
 *   QEMU does not: under kvm_pvm, which runs much guest code in KVM's
 *   instruction emulator, that emulator fails on an int3 (taken as a stop
 *   by kvm_debug_emulation_at_bp), while debug-register breakpoints exit
 *   as on hardware. Past those, an
 *   int3 (0xCC) is written at the address through the vCPU's page
 *   tables, the old byte kept, and #BP exits (KVM_GUESTDBG_USE_SW_BP).
 *   An int3 that is not one of them is the guest's own: it gets its #BP.
 * - Single-step: KVM_GUESTDBG_SINGLESTEP; kvm.c injects no interrupt
 *   meanwhile, as QEMU masks them by default.
 * The int3 bytes are taken out again when GDB removes its breakpoints
 * (it does at every stop) and before a live switch to the TCG.
 * Ref: api.rst 4.59 KVM_SET_GUEST_DEBUG; Intel SDM Vol. 3B 18.2 (DR7).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "cpu/x86/cpu.h"
#include "accel/kvm/kvm-int.h"
#include <sys/ioctl.h>

#define DR7_RW_EXEC     0
#define DR7_RW_WRITE    1
#define DR7_RW_ACCESS   3
#define X86_INT3        0xcc

typedef struct KvmSwBp {
    vaddr addr;
    uint8_t orig;                       /* the byte under the int3 */
} KvmSwBp;

static KvmSwBp sw_bps[GUEST_DEBUG_MAX_POINTS];
static unsigned nr_sw_bps;

/* In a debug register of @kc (set up by kvm_hw_points)? */
static bool sw_bp_in_dr(KvmCpu *kc, vaddr addr)
{
    for (int n = 0; n < 4; n++) {
        if (((kc->debug.arch.debugreg[7] >> (n * 2)) & 3) &&
            kc->dr_point[n].type == GDB_BREAKPOINT_SW &&
            kc->dr_point[n].addr == addr) {
            return true;
        }
    }
    return false;
}

static bool table_has_sw_bp(vaddr addr)
{
    GuestDebugType type;
    vaddr a, len;

    for (unsigned i = 0; guest_debug_point(i, &type, &a, &len); i++) {
        if (type == GDB_BREAKPOINT_SW && a == addr) {
            return true;
        }
    }
    return false;
}

static bool sw_bp_patched(vaddr addr)
{
    for (unsigned i = 0; i < nr_sw_bps; i++) {
        if (sw_bps[i].addr == addr) {
            return true;
        }
    }
    return false;
}

/* Make the int3 bytes match the table's breakpoints that have no debug
 * register (all gone when !on). */
static bool kvm_sw_bp_sync(KvmCpu *kc, bool on, GError **errp)
{
    X86CPU *cpu = kc->cpu;
    GuestDebugType type;
    vaddr addr, len;

    for (unsigned i = 0; i < nr_sw_bps;) {
        KvmSwBp *b = &sw_bps[i];
        uint8_t cur;

        if (on && table_has_sw_bp(b->addr) && !sw_bp_in_dr(kc, b->addr)) {
            i++;
            continue;
        }
        /* restore unless the guest wrote over the int3 meanwhile */
        if (guest_debug_rw_memory(cpu, b->addr, &cur, 1, false) &&
            cur == X86_INT3) {
            guest_debug_rw_memory(cpu, b->addr, &b->orig, 1, true);
        }
        *b = sw_bps[--nr_sw_bps];
    }
    for (unsigned i = 0; on && guest_debug_point(i, &type, &addr, &len);
         i++) {
        KvmSwBp b = { .addr = addr };
        uint8_t int3 = X86_INT3;

        if (type != GDB_BREAKPOINT_SW || sw_bp_patched(addr) ||
            sw_bp_in_dr(kc, addr)) {
            continue;
        }
        if (!guest_debug_rw_memory(cpu, addr, &b.orig, 1, false) ||
            !guest_debug_rw_memory(cpu, addr, &int3, 1, true)) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "kvm: breakpoint at 0x%" PRIx64 ": not mapped",
                        addr);
            return false;
        }
        sw_bps[nr_sw_bps++] = b;
    }
    return true;
}

static int kvm_dr7_len(vaddr addr, vaddr len)
{
    static const int bits[9] = { [1] = 0, [2] = 1, [4] = 3, [8] = 2 };

    if ((len != 1 && len != 2 && len != 4 && len != 8) ||
        (addr & (len - 1))) {
        return -1;
    }
    return bits[len];
}

static void kvm_dr_set(KvmCpu *kc, unsigned n, GuestDebugType type,
                       vaddr addr, int rw, int lb)
{
    kc->dr_point[n] = (GuestDebugHit) { type, addr };
    kc->debug.arch.debugreg[n] = addr;
    kc->debug.arch.debugreg[7] |= (2ull << (n * 2)) |   /* Gn */
        (uint64_t)(rw | lb << 2) << (16 + n * 4);
}

/* Z1-Z4 into the debug registers, then Z0 while some are free. */
static bool kvm_hw_points(KvmCpu *kc, GError **errp)
{
    GuestDebugType type;
    vaddr addr, len;
    unsigned n = 0;

    for (unsigned i = 0; guest_debug_point(i, &type, &addr, &len); i++) {
        int rw = type == GDB_WATCHPOINT_WRITE ? DR7_RW_WRITE :
                 type >= GDB_WATCHPOINT_READ ? DR7_RW_ACCESS : DR7_RW_EXEC;
        int lb = rw == DR7_RW_EXEC ? 0 : kvm_dr7_len(addr, len);

        if (type == GDB_BREAKPOINT_SW) {
            continue;
        }
        if (n == 4) {
            g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                        "kvm: at most 4 hardware breakpoints and "
                        "watchpoints (the debug registers)");
            return false;
        }
        if (lb < 0) {
            g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                        "kvm: watchpoint of %" PRIu64 " bytes at 0x%" PRIx64
                        ": the debug registers take 1, 2, 4 or 8 aligned "
                        "bytes", len, addr);
            return false;
        }
        kvm_dr_set(kc, n++, type, addr, rw, lb);
    }
    for (unsigned i = 0; n < 4 && guest_debug_point(i, &type, &addr, &len);
         i++) {
        if (type == GDB_BREAKPOINT_SW) {
            kvm_dr_set(kc, n++, type, addr, DR7_RW_EXEC, 0);
        }
    }
    if (n) {
        kc->debug.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
    }
    return true;
}

bool kvm_debug_set(KvmCpu *kc, unsigned flags, GError **errp)
{
    bool sw = flags & GUEST_DEBUG_SW_BP;
    bool hw = sw || guest_debug_nr_wp;  /* watchpoints come without flags */

    kc->debug = (struct kvm_guest_debug) { 0 };
    if (flags & GUEST_DEBUG_SINGLESTEP) {
        kc->debug.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
    }
    if ((hw && !kvm_hw_points(kc, errp)) ||
        !kvm_sw_bp_sync(kc, sw, errp)) {
        kc->debug = (struct kvm_guest_debug) { 0 };
        return false;
    }
    if (nr_sw_bps) {
        kc->debug.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
    }
    return true;
}

bool kvm_debug_exit_ours(KvmCpu *kc)
{
    struct kvm_debug_exit_arch *a = &kc->run->debug.arch;

    if (!kc->window_step) {
        return false;
    }
    if (!kc->debug.control) {
        return true;                    /* GDB asked for nothing */
    }
    return a->exception == 1 && !(a->dr6 & 0xf) &&
           !(kc->debug.control & KVM_GUESTDBG_SINGLESTEP);
}

/*
 * kvm_pvm runs much guest code in KVM's instruction emulator, which fails
 * on an int3 (KVM_INTERNAL_ERROR_EMULATION) instead of exiting for #BP;
 * the step on the TCG that kvm.c then takes made no progress either, and
 * the vCPU looped there. One of GDB's int3s at CS:RIP is a stop.
 */
bool kvm_debug_emulation_at_bp(KvmCpu *kc)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;

    return nr_sw_bps && ioctl(kc->fd, KVM_GET_REGS, &regs) == 0 &&
           ioctl(kc->fd, KVM_GET_SREGS, &sregs) == 0 &&
           sw_bp_patched(sregs.cs.base + regs.rip);
}

bool kvm_debug_exit_gdb(KvmCpu *kc)
{
    struct kvm_debug_exit_arch *a = &kc->run->debug.arch;

    if (a->exception == 3) {
        struct kvm_vcpu_events ev;

        if (sw_bp_patched(a->pc)) {
            return true;
        }
        /* the guest's own int3: deliver its #BP (a trap: after it) */
        if (ioctl(kc->fd, KVM_GET_VCPU_EVENTS, &ev) == 0) {
            struct kvm_regs regs;

            if (ioctl(kc->fd, KVM_GET_REGS, &regs) == 0) {
                regs.rip++;             /* a->pc is RIP, linear */
                ioctl(kc->fd, KVM_SET_REGS, &regs);
            }
            ev.flags = 0;
            ev.exception.injected = 1;
            ev.exception.nr = 3;
            ev.exception.has_error_code = 0;
            ioctl(kc->fd, KVM_SET_VCPU_EVENTS, &ev);
        }
        return false;
    }
    for (int n = 0; n < 4; n++) {
        if ((a->dr6 & (1u << n)) &&
            (kc->debug.control & KVM_GUESTDBG_USE_HW_BP) &&
            kc->dr_point[n].type >= GDB_WATCHPOINT_WRITE) {
            guest_debug_set_hit(kc->cpu, kc->dr_point[n].type,
                                kc->dr_point[n].addr);
            break;
        }
    }
    return true;
}
