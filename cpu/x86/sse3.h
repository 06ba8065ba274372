/* SPDX-License-Identifier: MIT */
/*
 * SSE3 helpers called by translated code (cpu/x86/emit-sse3.c): the
 * floating-point SSE3 operations (sse3_helper.c) and MONITOR/MWAIT
 * (monitor_helper.c).
 * Ref: Intel SDM Vol. 1 12.6 (SSE3), Vol. 2 the instruction pages.
 */
#ifndef KESTREL_CPU_X86_SSE3_H
#define KESTREL_CPU_X86_SSE3_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"

/* ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD (mnem) on the XMM register at env
 * offset dofs with the source lo:hi; EIP must be stored (the helper may
 * raise #XM/#UD). Writes the destination only without an exception. */
void helper_sse3(X86CPUState *env, uint64_t dofs, uint64_t lo, uint64_t hi,
                 uint64_t mnem);
/* MONITOR: #UD without CPUID.1:ECX.MONITOR, #GP(0) for ECX (extensions) other than 0; EIP stored. */
void helper_monitor(X86CPUState *env);
/* MWAIT: the same checks, then halts at next_eip until an
 * interrupt, or only yields while another vCPU waits to run. */
KS_NORETURN void helper_mwait(X86CPUState *env, uint64_t next_eip);

#endif /* KESTREL_CPU_X86_SSE3_H */
