/* SPDX-License-Identifier: MIT */
/*
 * Long mode (IA-32e) system helpers: called by translated code (the
 * helper_* below, from cpu/x86/emit-long.c and emit-branch.c) and by the
 * legacy system helpers where IA-32e mode changes their rules
 * (int_helper.c delivers events through x86_do_interrupt_lm, misc_helper.c
 * checks CR0/CR4/EFER writes with x86_lm_*). Implemented in long_helper.c
 * and long_far.c.
 * Ref: Intel SDM Vol. 3A 2.2.1 (EFER), 6.14 (64-bit interrupts), 7.7
 * (64-bit TSS), 9.8.5 (initializing IA-32e mode), Vol. 2 SYSCALL, SYSRET,
 * SWAPGS, IRET, RET, JMP, CALL.
 */
#ifndef KESTREL_CPU_X86_LONG_HELPER_H
#define KESTREL_CPU_X86_LONG_HELPER_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"

/* A linear address whose bits 63:47 are all equal. */
static inline bool lm_canonical(uint64_t a)
{
    return (uint64_t)(((int64_t)a << 16) >> 16) == a;
}

/* Deliver an event through a 64-bit IDT (16-byte gates, IST, RSPn of the
 * 64-bit TSS). eip is the RIP to push. */
void x86_do_interrupt_lm(X86CPUState *env, int intno, int kind,
                         uint32_t error_code, uint64_t eip);

/* CR0 write: #GP for PG with LME and without PAE (or with CS.L); after
 * the write x86_lm_update() sets EFER.LMA = LME && PG. */
void x86_lm_check_cr0(X86CPUState *env, uint64_t cr0, uintptr_t ra);
void x86_lm_check_cr4(X86CPUState *env, uint64_t cr4, uintptr_t ra);
void x86_lm_update(X86CPUState *env);
/* EFER write with its reserved-bit and LME checks (#GP). */
void x86_lm_write_efer(X86CPUState *env, uint64_t val, uintptr_t ra);

/* Translated code: SYSCALL, SYSRET (op_size 4 or 8), SWAPGS. */
void helper_syscall(X86CPUState *env, uint64_t next_eip);
void helper_sysret(X86CPUState *env, uint64_t op_size);
void helper_swapgs(X86CPUState *env);
/* IRET and RETF in IA-32e mode (64-bit and compatibility code). */
void helper_iret_lm(X86CPUState *env, uint64_t op_size);
void helper_lret_lm(X86CPUState *env, uint64_t op_size, uint64_t imm);
/* Far JMP/CALL in IA-32e mode, to a code segment or through a 64-bit
 * call gate (long_far.c). */
void helper_ljmp_lm(X86CPUState *env, uint64_t sel, uint64_t offset,
                    uint64_t op_size, uint64_t next_eip);
void helper_lcall_lm(X86CPUState *env, uint64_t sel, uint64_t offset,
                     uint64_t op_size, uint64_t next_eip);

/* LLDT / LTR in IA-32e mode (16-byte descriptors; LTR marks it busy). */
void helper_lldt_lm(X86CPUState *env, uint64_t sel);
void helper_ltr_lm(X86CPUState *env, uint64_t sel);

#endif /* KESTREL_CPU_X86_LONG_HELPER_H */
