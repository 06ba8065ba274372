/* SPDX-License-Identifier: MIT */
/*
 * Lazy arithmetic flags (CF PF AF ZF SF OF).
 *
 * Translated code does not compute EFLAGS after each instruction: it
 * records what the last flag-setting operation was (cc_op) and its
 * operands (cc_dst, cc_src, cc_src2). Flags are computed only when read:
 * inline for the common conditions (emit-cond.c), by x86_cc_compute_all()
 * otherwise. The table below says what each op keeps.
 *
 *   op       cc_dst     cc_src                    cc_src2
 *   ADD      result     second operand            -
 *   ADC      result     second operand            carry in (0/1)
 *   SUB      result     second operand            -        (CMP, NEG)
 *   SBB      result     second operand            borrow in (0/1)
 *   LOGIC    result     -                         -        (CF=OF=AF=0)
 *   INC/DEC  result     CF before (0/1)           -
 *   SHL      result     value << (count - 1)      -
 *   SAR      result     value >> (count - 1)      -        (SHR too)
 *   MUL      result     0 when no overflow (CF=OF=0), else non-zero
 *   EFLAGS   -          the flags in place        -
 *
 * Undefined flags follow common hardware practice: AF=0 after logic,
 * shifts and multiplies; SF/ZF/PF from the low result after MUL/IMUL.
 * Ref: Intel SDM Vol. 1 3.4.3.1 and appendix A (EFLAGS cross-reference),
 * Vol. 2 per instruction "Flags Affected".
 */
#ifndef KESTREL_CPU_X86_CC_H
#define KESTREL_CPU_X86_CC_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"

/* One op per operation and width: OP##B, W, L, Q = base + log2(size). */
#define CC_OP_WIDTHS(op) CC_OP_##op##B, CC_OP_##op##W, CC_OP_##op##L, \
                         CC_OP_##op##Q

typedef enum CCOp {
    CC_OP_DYNAMIC,              /* translator only: read the cc_op global */
    CC_OP_EFLAGS,
    CC_OP_WIDTHS(ADD),
    CC_OP_WIDTHS(ADC),
    CC_OP_WIDTHS(SUB),
    CC_OP_WIDTHS(SBB),
    CC_OP_WIDTHS(LOGIC),
    CC_OP_WIDTHS(INC),
    CC_OP_WIDTHS(DEC),
    CC_OP_WIDTHS(SHL),
    CC_OP_WIDTHS(SAR),
    CC_OP_WIDTHS(MUL),
    CC_OP_NB
} CCOp;

/* The family of a sized op (CC_OP_ADDB for CC_OP_ADDL) and its size. */
static inline CCOp cc_op_base(CCOp op)
{
    return op < CC_OP_ADDB ? op : op - ((op - CC_OP_ADDB) & 3);
}

static inline unsigned cc_op_size_log2(CCOp op)
{
    return (op - CC_OP_ADDB) & 3;
}

/* The sized op of a family: size in bytes 1, 2, 4, 8. */
static inline CCOp cc_op_sized(CCOp base, unsigned size)
{
    return base + (size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3);
}

/* All six flags, or CF alone (0 or CC_C), from the lazy state. */
uint32_t x86_cc_compute_all(uint64_t dst, uint64_t src, uint64_t src2,
                            unsigned op);
uint32_t x86_cc_compute_c(uint64_t dst, uint64_t src, uint64_t src2,
                          unsigned op);

/* The same, as helpers for translated code (env is not used). */
uint64_t helper_cc_compute_all(X86CPUState *env, uint64_t dst, uint64_t src,
                               uint64_t src2, uint64_t op);
uint64_t helper_cc_compute_c(X86CPUState *env, uint64_t dst, uint64_t src,
                             uint64_t src2, uint64_t op);

/* Parity flag of the low byte: CC_P when it has an even number of 1s. */
static inline uint32_t cc_parity(uint64_t v)
{
    return (__builtin_parity((unsigned)(v & 0xff)) ^ 1) ? CC_P : 0;
}

#endif /* KESTREL_CPU_X86_CC_H */
