/* SPDX-License-Identifier: MIT */
/*
 * Shared by the two halves of the x87 unit: fpu_helper.c (registers,
 * exceptions, arithmetic, dispatch) and fpu_env.c (control instructions,
 * FSTENV/FLDENV/FSAVE/FRSTOR images). Nothing else includes it.
 * Ref: Intel SDM Vol. 1 8.1 (status word), ch. 8.
 */
#ifndef KESTREL_CPU_X86_FPU_INTERNAL_H
#define KESTREL_CPU_X86_FPU_INTERNAL_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"
#include "cpu/x86/softfloat-x80.h"

#define FSW_IE  0x0001
#define FSW_ZE  0x0004
#define FSW_SF  0x0040
#define FSW_ES  0x0080
#define FSW_C0  0x0100
#define FSW_C1  0x0200
#define FSW_C2  0x0400
#define FSW_C3  0x4000
#define FSW_B   0x8000
#define FSW_CC  (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* One instruction being run: decoded from helper_x87's arguments. */
typedef struct X87Op {
    X86CPUState *env;
    unsigned mnem, opsize, memsize, sti;
    bool mem, dest_sti, real, cond;
    uint64_t linear, ea;
    uintptr_t ra;
} X87Op;

/* ST(i) as a physical register number, its value */
unsigned x87_phys(X86CPUState *env, unsigned i);
Fx80 x87_st_get(X86CPUState *env, unsigned i);
/* FLDCW, FLDENV, FRSTOR: bit 6 reads as 1, bits 13-15 as 0 */
void x87_set_cw(X86CPUState *env, uint16_t cw);
/* ES and B from the flags and masks */
void x87_update_es(X86CPUState *env);
/* The memory operand at o->linear + ofs */
uint64_t x87_ld(X87Op *o, unsigned ofs, unsigned size);
void x87_st(X87Op *o, unsigned ofs, uint64_t v, unsigned size);
Fx80 x87_ld80(X87Op *o, unsigned ofs);
void x87_st80(X87Op *o, unsigned ofs, Fx80 v);

/* fpu_env.c: FNINIT's state; instructions that do not wait for pending
 * exceptions; those that leave FIP/FDP/FOP alone; running them. */
void x87_init(X86CPUState *env);
bool x87_nowait(unsigned mnem);
bool x87_control(unsigned mnem);
uint64_t x87_do_control(X87Op *o);

#endif /* KESTREL_CPU_X86_FPU_INTERNAL_H */
