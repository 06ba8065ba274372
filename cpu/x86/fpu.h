/* SPDX-License-Identifier: MIT */
/*
 * The x87 unit: the contract between its emitters (cpu/x86/emit-x87.c)
 * and its helper (cpu/x86/fpu_helper.c), and the FERR# hook for the board.
 * Ref: Intel SDM Vol. 1 ch. 8, Vol. 3A 2.5 (CR0.NE), 22.18.6 (FERR#).
 */
#ifndef KESTREL_CPU_X86_FPU_H
#define KESTREL_CPU_X86_FPU_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"

/*
 * helper_x87's info argument: bits 0..15 mnemonic (X86_INSN_*), 16..19
 * operand size (2 or 4: 14/94- or 28/108-byte environment), 20..27 bytes
 * of the memory operand, 28..30 i of the ST(i) operand, then flags.
 */
#define X87_OPSIZE_SHIFT    16
#define X87_MEMSIZE_SHIFT   20
#define X87_STI_SHIFT       28
#define X87_MEM             (1u << 31)  /* a memory operand */
#define X87_STI             (1ull << 32) /* an ST(i) operand (not ST0) */
#define X87_DEST_STI        (1ull << 33) /* ST(i) is the destination */
#define X87_REAL            (1ull << 34) /* real/V86 mode image formats */

/*
 * Runs one x87 instruction. linear: the memory operand's address, ea its
 * offset (the FDP), cond: the FCMOVcc condition (1 = move). Returns the
 * status word for FNSTSW AX and the EFLAGS bits (ZF, PF, CF) for FCOMI
 * and friends; 0 otherwise.
 */
uint64_t helper_x87(X86CPUState *env, uint64_t info, uint64_t linear,
                    uint64_t ea, uint64_t cond);
/*
 * The same for one family, chosen at translation time so that nothing is
 * dispatched at run time: arithmetic (FADD..FDIVR in every form), loads
 * (FLD, FILD, FBLD), stores (FST..FBSTP) and the functions of ST0 (FSQRT,
 * FCHS, the transcendental functions...); emit-x87.c says which.
 */
void helper_x87_arith(X86CPUState *env, uint64_t info, uint64_t linear,
                      uint64_t ea);
void helper_x87_load(X86CPUState *env, uint64_t info, uint64_t linear,
                     uint64_t ea);
void helper_x87_store(X86CPUState *env, uint64_t info, uint64_t linear,
                      uint64_t ea);
void helper_x87_unary(X86CPUState *env, uint64_t info, uint64_t linear,
                      uint64_t ea);
/* The family helper of a mnemonic, NULL: helper_x87 */
void *x87_family_helper(unsigned mnem);
/* FWAIT and the waiting x87 instructions: deliver a pending unmasked
 * exception (#MF with CR0.NE, else FERR#). */
void helper_x87_wait(X86CPUState *env);

/*
 * FERR# and IGNNE#: with CR0.NE clear, a waiting instruction that meets a
 * pending unmasked x87 exception asserts the FERR# output, which a PC
 * wires to IRQ 13 through the PIC; FNINIT/FNCLEX deassert it. The board
 * sets this hook and returns the level of the IGNNE# input: while it is
 * asserted the instruction goes on, else the CPU freezes before it until
 * an interrupt comes (whose handler returns to it). NULL: no board, the
 * error is ignored. Ref: SDM Vol. 1 8.7, D.2.1.
 */
extern bool (*x86_ferr_hook)(X86CPUState *env, bool level);

#endif /* KESTREL_CPU_X86_FPU_H */
