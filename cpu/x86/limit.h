/* SPDX-License-Identifier: MIT */
/*
 * Segment limit and access-rights checks on data accesses: the translator
 * side (emit-limit.c: gen_limit_check, gen_limit_check_reg) and the helper
 * that raises #GP(0)/#SS(0) (limit_helper.c).
 *
 * translate.c calls gen_limit_check() before each instruction's emitter
 * (explicit memory operands and the stack slots of PUSH/POP/CALL/RET...);
 * emit-string.c calls gen_limit_check_reg() at the top of each string
 * iteration. What the check costs per mode is in emit-limit.c.
 * Ref: Intel SDM Vol. 3A 5.3 (limit checking), 5.4 (type checking),
 * Vol. 2 "Protected Mode Exceptions" / "Real-Address Mode Exceptions".
 */
#ifndef KESTREL_CPU_X86_LIMIT_H
#define KESTREL_CPU_X86_LIMIT_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"

/* helper_check_limit's packed access descriptor */
#define LIMIT_SEG_MASK      0x7u        /* R_ES..R_GS */
#define LIMIT_SIZE_SHIFT    3           /* bytes of one access, 1..512 */
#define LIMIT_SIZE_MASK     0x3ffu
#define LIMIT_WRITE         (1u << 13)
#define LIMIT_ADDR32        (1u << 14)  /* offsets wrap at 4 GiB, not 64 KiB */
#define LIMIT_COUNT_SHIFT   15          /* accesses at ea + k * size, 1..8 */
#define LIMIT_COUNT_MASK    0xfu

/*
 * Check the accesses @desc describes at offset @ea of their segment:
 * limit (expand-up or expand-down), and in protected mode a null or
 * absent segment, writes to code or read-only data, reads of execute-only
 * code. Raises #SS(0) for SS, #GP(0) otherwise; returns when all is well.
 */
void helper_check_limit(X86CPUState *env, uint64_t desc, uint64_t ea);

#ifdef KESTREL_CPU_X86_EMIT_H
/* Checks for the instruction in dc->insn, before its emitter runs. */
void gen_limit_check(DisasContext *dc);
/* One string iteration's access of @size bytes at seg:(E)SI or ES:(E)DI. */
void gen_limit_check_reg(DisasContext *dc, unsigned seg, unsigned reg,
                         unsigned size, bool write);
#endif

#endif /* KESTREL_CPU_X86_LIMIT_H */
