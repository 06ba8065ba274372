/* SPDX-License-Identifier: MIT */
/*
 * What the SSE/MMX emitters share (cpu/x86/emit-sse.c): the #UD/#NM
 * checks, operand addresses with the alignment check, operand loads, and
 * where XMM and MMX registers live in env. Used by emit-sse-mov.c,
 * emit-sse-arith.c and emit-sse-state.c.
 */
#ifndef KESTREL_CPU_X86_EMIT_SSE_H
#define KESTREL_CPU_X86_EMIT_SSE_H

#include "cpu/x86/emit.h"
#include "cpu/x86/sse.h"

#define ENV_X87_MANT(i) \
    (offsetof(X86CPUState, fpregs[i]) + offsetof(X87Reg, mant))
#define ENV_X87_EXP(i) \
    (offsetof(X86CPUState, fpregs[i]) + offsetof(X87Reg, sign_exp))

bool op_is_vreg(const X86Operand *op, unsigned rc);

/* env offset of an XMM register or of the x87 register an MMX aliases */
intptr_t vreg_ofs(const X86Operand *op);

/* #UD / #NM checks; false when the instruction became an exception. */
bool gen_sse_check(DisasContext *dc);

/* Linear address of a memory operand, #GP(0) when it must be aligned and
 * is not. The result is a local temp (it crosses the check's label). */
TCGv gen_sse_addr(DisasContext *dc, const X86Operand *op);

/* The value of an operand as lo:hi, zero-extended from `size` bytes. */
void gen_vec_load(DisasContext *dc, const X86Operand *op, unsigned size,
                  TCGv *lo, TCGv *hi);

/* Bytes an operand stands for (the decoder's width: 4 for the W,d form of
 * a scalar instruction even with a register). */
unsigned vec_op_size(const X86Operand *op);

#endif /* KESTREL_CPU_X86_EMIT_SSE_H */
