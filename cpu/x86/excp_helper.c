/* SPDX-License-Identifier: MIT */
/*
 * Raising exceptions and software interrupts. Everything here unwinds to
 * the TCG execution loop (accel/tcg/exec.c) with siglongjmp, after the
 * guest state of the faulting instruction is restored from the host return
 * address; the loop then delivers the event (int_helper.c). The loop also
 * asks x86_exception_combine() what to do with an exception raised while
 * another one was being delivered: the #DF and shutdown rules.
 *
 * Ref: Intel SDM Vol. 3A 6.5 (exception classes), 6.13 (error code),
 * 6.15 (exception reference, interrupt 8 and table 6-5), 17.3.1.4
 * (single-step trap); Vol. 2A INT n/INTO/INT3/INT1.
 * Missing: VME interrupt redirection for INT n in V86 mode.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "accel/tcg/tcg-cpu.h"
#include "tcg/tcg-backend.h"

#define DR6_BS (1u << 14)

static KS_NORETURN void raise_event(X86CPUState *env, int vector,
                                    X86EventKind kind, uint32_t error_code,
                                    uint64_t next_eip, uintptr_t ra)
{
    TcgCpu *tc = tcg_cpu(env);

    tcg_cpu_restore_state(tc, ra);
    env->exception_index = vector;
    env->error_code = error_code;
    tc->event_kind = kind;
    tc->event_next_eip = next_eip;
    ks_log_mask(LOG_INT, "raise %s 0x%02x err 0x%x at %04x:%08" PRIx64 "\n",
                kind == X86_EV_EXCP ? "exception" : "interrupt", vector,
                error_code, env->segs[R_CS].selector, env->rip);
    tcg_cpu_loop_exit(tc);
}

void raise_exception_err_ra(X86CPUState *env, int vector,
                            uint32_t error_code, uintptr_t ra)
{
    raise_event(env, vector, X86_EV_EXCP, error_code, 0, ra);
}

void raise_exception_ra(X86CPUState *env, int vector, uintptr_t ra)
{
    raise_event(env, vector, X86_EV_EXCP, 0, 0, ra);
}

void raise_exception_err(X86CPUState *env, int vector, uint32_t error_code)
{
    raise_event(env, vector, X86_EV_EXCP, error_code, 0, 0);
}

void raise_exception(X86CPUState *env, int vector)
{
    raise_event(env, vector, X86_EV_EXCP, 0, 0, 0);
}

void raise_interrupt(X86CPUState *env, int intno, unsigned next_eip_addend)
{
    raise_event(env, intno, X86_EV_SWINT, 0, env->rip + next_eip_addend, 0);
}

void raise_page_fault(X86CPUState *env, vaddr addr, uint32_t error_code,
                      uintptr_t ra)
{
    env->cr[2] = addr;
    raise_event(env, EXCP_PF, X86_EV_EXCP, error_code, 0, ra);
}

/* ---- helpers called by translated code ---- */

void helper_raise_exception(X86CPUState *env, uint64_t excp)
{
    raise_event(env, excp, X86_EV_EXCP, 0, 0, TCG_GETPC());
}

void helper_raise_exception_err(X86CPUState *env, uint64_t excp,
                                uint64_t error_code)
{
    raise_event(env, excp, X86_EV_EXCP, error_code, 0, TCG_GETPC());
}

void helper_swint(X86CPUState *env, uint64_t vector, uint64_t next_eip,
                  uint64_t kind)
{
    uintptr_t ra = TCG_GETPC();
    unsigned iopl = (env->eflags & IOPL_MASK) >> IOPL_SHIFT;

    if (kind == X86_SWINT_INTN && (env->eflags & VM_MASK) && iopl < 3) {
        raise_event(env, EXCP_GP, X86_EV_EXCP, 0, 0, ra);
    }
    raise_event(env, vector,
                kind == X86_SWINT_INT1 ? X86_EV_INT1 : X86_EV_SWINT, 0,
                next_eip, ra);
}

void helper_single_step(X86CPUState *env)
{
    env->dr[6] |= DR6_BS;
    raise_event(env, EXCP_DB, X86_EV_EXCP, 0, 0, 0);
}

/* ---- exception classes (SDM Vol. 3A table 6-4, 6-5) ---- */

typedef enum ExcpClass {
    EXCP_CLASS_BENIGN,
    EXCP_CLASS_CONTRIBUTORY,
    EXCP_CLASS_PF,
    EXCP_CLASS_DF,
} ExcpClass;

static ExcpClass excp_class(int vector)
{
    static const uint8_t cls[32] = {
        [EXCP_DE] = EXCP_CLASS_CONTRIBUTORY,
        [EXCP_TS] = EXCP_CLASS_CONTRIBUTORY,
        [EXCP_NP] = EXCP_CLASS_CONTRIBUTORY,
        [EXCP_SS] = EXCP_CLASS_CONTRIBUTORY,
        [EXCP_GP] = EXCP_CLASS_CONTRIBUTORY,
        [EXCP_PF] = EXCP_CLASS_PF,
        [EXCP_DF] = EXCP_CLASS_DF,
    };

    return vector >= 0 && vector < 32 ? cls[vector] : EXCP_CLASS_BENIGN;
}

int x86_exception_combine(int first, int second)
{
    ExcpClass a = excp_class(first), b = excp_class(second);

    if (first < 0) {
        return second;
    }
    if (a == EXCP_CLASS_DF) {
        return -1;                      /* shutdown */
    }
    if ((a == EXCP_CLASS_CONTRIBUTORY && b == EXCP_CLASS_CONTRIBUTORY) ||
        (a == EXCP_CLASS_PF && b != EXCP_CLASS_BENIGN)) {
        return EXCP_DF;
    }
    return second;
}

bool x86_exception_has_error_code(int vector)
{
    return vector == EXCP_DF || (vector >= EXCP_TS && vector <= EXCP_PF) ||
           vector == EXCP_AC;
}
