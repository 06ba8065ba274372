/* SPDX-License-Identifier: MIT */
/*
 * A minimal x87 subset until the full x87/SSE unit lands: the contract
 * between its emitters (cpu/x86/fpu-min.c) and its one helper
 * (cpu/x86/fpu-min-helper.c). Nothing else includes this header; the full
 * x87 replaces both files.
 */
#ifndef KESTREL_CPU_X86_FPU_MIN_H
#define KESTREL_CPU_X86_FPU_MIN_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"

/*
 * The instruction, packed into helper_fpu_min's info argument:
 * bits 0..15 mnemonic (X86_INSN_*), 16..23 operand size (2 or 4, picks the
 * 14- or 28-byte environment), 24..31 bytes of the memory operand,
 * 32..34 the ST(i) of operand 0, 35..37 that of operand 1, then flags.
 */
#define FPU_MIN_OPSIZE_SHIFT    16
#define FPU_MIN_MEMSIZE_SHIFT   24
#define FPU_MIN_ST0_SHIFT       32
#define FPU_MIN_ST1_SHIFT       35
#define FPU_MIN_MEM             (1ull << 38)    /* an operand is memory */
#define FPU_MIN_TWO_ST          (1ull << 39)    /* two ST(i) operands */

/*
 * Runs one x87 instruction; linear is the memory operand's address.
 * Returns the status word for FNSTSW AX and the EFLAGS bits (ZF, PF, CF)
 * for FCOMI and friends; 0 otherwise.
 */
uint64_t helper_fpu_min(X86CPUState *env, uint64_t info, uint64_t linear);

#endif /* KESTREL_CPU_X86_FPU_MIN_H */
