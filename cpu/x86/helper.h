/* SPDX-License-Identifier: MIT */
/*
 * C helpers that translated code calls (tcg_gen_call): the x86 operations
 * too rare or too involved to inline. Implemented by cpu/x86/seg_helper.c,
 * far_helper.c, desc_helper.c, excp_helper.c and misc_helper.c; the translator (cpu/x86/emit-*.c) calls
 * them.
 *
 * Calling convention: env first (passed implicitly by tcg_gen_call), then
 * uint64_t arguments; the result, if any, is uint64_t. Before calling a
 * helper that may raise an exception, the translator stores EIP of the
 * current instruction in env->rip and keeps env->cc_op/cc_* exact, so a
 * helper raises with the state already right (no host return address
 * needed). Arguments named next_eip give the offset of the next
 * instruction, for return addresses and traps.
 *
 * Ref: Intel SDM Vol. 2 (each instruction's "Operation" and exception
 * lists), Vol. 3A ch. 5 (protection), ch. 6 (interrupts), ch. 7 (tasks),
 * ch. 20 (virtual-8086 mode and VME).
 */
#ifndef KESTREL_CPU_X86_HELPER_H
#define KESTREL_CPU_X86_HELPER_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"

/* ---- exceptions (also called from other C helpers) ---- */
/* Raise exception excp (EXCP_*) at env->rip, without / with error code. */
KS_NORETURN void helper_raise_exception(X86CPUState *env, uint64_t excp);
KS_NORETURN void helper_raise_exception_err(X86CPUState *env, uint64_t excp,
                                            uint64_t error_code);
/* TF single-step trap after an instruction: env->rip is the next one.
 * Sets DR6.BS and raises #DB. */
KS_NORETURN void helper_single_step(X86CPUState *env);

/* Software interrupts: INT n, INT3, INTO (OF already checked), INT1.
 * kind: X86_SWINT_*; IOPL/VME rules for V86 mode apply by kind. */
enum { X86_SWINT_INTN, X86_SWINT_INT3, X86_SWINT_INTO, X86_SWINT_INT1 };
KS_NORETURN void helper_swint(X86CPUState *env, uint64_t vector,
                              uint64_t next_eip, uint64_t kind);

/* ---- far control transfers (op_size 2 or 4) ---- */
void helper_ljmp(X86CPUState *env, uint64_t sel, uint64_t offset,
                 uint64_t op_size, uint64_t next_eip);
void helper_lcall(X86CPUState *env, uint64_t sel, uint64_t offset,
                  uint64_t op_size, uint64_t next_eip);
/* RETF imm16: pops CS:EIP, then adds imm to ESP (and the outer stack). */
void helper_lret(X86CPUState *env, uint64_t op_size, uint64_t imm);
void helper_iret(X86CPUState *env, uint64_t op_size, uint64_t next_eip);
void helper_sysenter(X86CPUState *env);
void helper_sysexit(X86CPUState *env, uint64_t op_size);

/* ---- segment registers and descriptor tables ---- */
/* MOV Sreg, POP Sreg, LDS/LES/LFS/LGS/LSS: load seg (R_ES..R_GS) with
 * checks (#GP/#NP/#SS with the selector as error code). Real and V86
 * mode: base = sel << 4. Loading SS does not set the interrupt shadow:
 * the translator does. */
void helper_load_seg(X86CPUState *env, uint64_t seg, uint64_t sel);
void helper_lldt(X86CPUState *env, uint64_t sel);
void helper_ltr(X86CPUState *env, uint64_t sel);
/* LAR / LSL: bit 32 set when the selector is valid for the instruction
 * (ZF=1), with the access rights / limit in bits 0..31. */
uint64_t helper_lar(X86CPUState *env, uint64_t sel);
uint64_t helper_lsl(X86CPUState *env, uint64_t sel);
/* VERR / VERW: 1 when readable / writable from the current CPL (ZF=1). */
uint64_t helper_verr(X86CPUState *env, uint64_t sel);
uint64_t helper_verw(X86CPUState *env, uint64_t sel);

/* ---- flags ---- */
/* PUSHF value (VM/VME rules, #GP in V86 with IOPL < 3 and no VME);
 * RF and VM read as 0. */
uint64_t helper_pushf(X86CPUState *env, uint64_t op_size);
/* POPF: writes what CPL/IOPL/VM allow; leaves cc_op = CC_OP_EFLAGS. */
void helper_popf(X86CPUState *env, uint64_t val, uint64_t op_size);
/* CLI / STI with IOPL and VME/PVI rules. STI sets HF_INHIBIT_IRQ when IF
 * was 0 (the shadow of one instruction). */
void helper_cli(X86CPUState *env);
void helper_sti(X86CPUState *env);

/* ---- I/O: permission checks (IOPL, TSS I/O bitmap), then io_read/write.
 * size 1, 2 or 4. ---- */
uint64_t helper_in(X86CPUState *env, uint64_t port, uint64_t size);
void helper_out(X86CPUState *env, uint64_t port, uint64_t val,
                uint64_t size);

/* ---- system registers (CPL already checked by the translator) ---- */
uint64_t helper_read_cr(X86CPUState *env, uint64_t reg);
/* May change the mode or paging: the translator ends the block after. */
void helper_write_cr(X86CPUState *env, uint64_t reg, uint64_t val);
uint64_t helper_read_dr(X86CPUState *env, uint64_t reg);
void helper_write_dr(X86CPUState *env, uint64_t reg, uint64_t val);
void helper_lmsw(X86CPUState *env, uint64_t val);
void helper_clts(X86CPUState *env);
void helper_invlpg(X86CPUState *env, uint64_t linear);
/* HLT: env->rip = next_eip, halts until an interrupt; leaves the loop. */
KS_NORETURN void helper_hlt(X86CPUState *env, uint64_t next_eip);
/* PAUSE: with SMP, gives the turn to a waiting vCPU (leaves the loop). */
void helper_pause(X86CPUState *env, uint64_t next_eip);
void helper_cpuid(X86CPUState *env);        /* EAX/ECX in, EAX..EDX out */
void helper_rdtsc(X86CPUState *env);        /* CR4.TSD check, EDX:EAX */
void helper_rdpmc(X86CPUState *env);
void helper_rdmsr(X86CPUState *env);        /* ECX in, EDX:EAX out */
void helper_wrmsr(X86CPUState *env);
void helper_rsm(X86CPUState *env);

#endif /* KESTREL_CPU_X86_HELPER_H */
