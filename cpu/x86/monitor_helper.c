/* SPDX-License-Identifier: MIT */
/*
 * MONITOR and MWAIT (cpu/x86/emit-sse3.c calls them) as QEMU's TCG does
 * them: #UD without CPUID.1:ECX.MONITOR (qemu32 and qemu64 lack it,
 * core2duo has it), #GP(0) for extensions or hints in ECX; no address is
 * watched, so MWAIT waits for an interrupt like HLT. With another vCPU
 * waiting to run it only yields (that vCPU may be the one to write the
 * monitored line); QEMU never halts with more than one vCPU.
 * Ref: Intel SDM Vol. 2B MONITOR, MWAIT.
 */
#include "kestrel/osdep.h"
#include "accel/tcg/tcg-cpu.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/sse3.h"

static void monitor_check(X86CPUState *env)
{
    if (!(x86_cpu_machine_model()->features_ecx & CPUID_ECX_MONITOR)) {
        raise_exception(env, EXCP_UD);
    }
    if ((uint32_t)env->regs[R_ECX] != 0) {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

void helper_monitor(X86CPUState *env)
{
    monitor_check(env);
}

void helper_mwait(X86CPUState *env, uint64_t next_eip)
{
    TcgCpu *tc = tcg_cpu(env);

    monitor_check(env);
    if (tcg_rr_contended()) {
        env->rip = next_eip;
        __atomic_store_n(&tc->exit_flag, 1, __ATOMIC_RELEASE);
        tcg_cpu_loop_exit(tc);
    }
    helper_hlt(env, next_eip);
}
