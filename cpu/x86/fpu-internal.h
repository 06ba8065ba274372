/* SPDX-License-Identifier: MIT */
/*
 * Shared by the parts of the x87 unit: fpu_helper.c (registers,
 * exceptions, memory, dispatch), fpu_arith.c (arithmetic, compares),
 * fpu_ldst.c (loads, stores), fpu_unary.c (functions of ST0) and fpu_env.c
 * (control instructions, FSTENV/FLDENV/FSAVE/FRSTOR images). Nothing else
 * includes it.
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
static inline unsigned x87_phys(X86CPUState *env, unsigned i)
{
    return (env->fpstt + i) & 7;
}

static inline Fx80 x87_st_get(X86CPUState *env, unsigned i)
{
    X87Reg *r = &env->fpregs[x87_phys(env, i)];

    return (Fx80) { .mant = r->mant, .se = r->sign_exp };
}

/* Write ST(i) and tag it valid */
static inline void x87_st_set(X86CPUState *env, unsigned i, Fx80 v)
{
    X87Reg *r = &env->fpregs[x87_phys(env, i)];

    r->mant = v.mant;
    r->sign_exp = v.se;
    env->fptag |= 1u << x87_phys(env, i);
}

static inline bool x87_st_empty(X86CPUState *env, unsigned i)
{
    return !(env->fptag & (1u << x87_phys(env, i)));
}

static inline void x87_st_pop(X86CPUState *env)
{
    env->fptag &= ~(1u << x87_phys(env, 0));
    env->fpstt = (env->fpstt + 1) & 7;
}

static inline void x87_set_c1(X86CPUState *env, bool c1)
{
    env->fpus = (env->fpus & ~FSW_C1) | (c1 ? FSW_C1 : 0);
}

/* The soft-float's rounding, precision and masks from the control word */
static inline FxEnv x87_fenv(X86CPUState *env)
{
    return (FxEnv) { .rc = (env->fpuc >> 10) & 3, .pc = (env->fpuc >> 8) & 3,
                     .masks = env->fpuc & 0x3f };
}

/* FLDCW, FLDENV, FRSTOR: bit 6 reads as 1, bits 13-15 as 0 */
void x87_set_cw(X86CPUState *env, uint16_t cw);
/* ES and B from the flags and masks */
void x87_update_es(X86CPUState *env);
/* The memory operand at o->linear + ofs */
uint64_t x87_ld(X87Op *o, unsigned ofs, unsigned size);
void x87_st(X87Op *o, unsigned ofs, uint64_t v, unsigned size);
Fx80 x87_ld80(X87Op *o, unsigned ofs);
void x87_st80(X87Op *o, unsigned ofs, Fx80 v);
/* A memory source operand as a register value. @arith: an SNaN stays
 * signaling, for the NaN rules of the operation. */
Fx80 x87_ld_operand(X87Op *o, FxEnv *e, bool arith);

/* Record an operation's flags and C1; true when an unmasked IE, DE or ZE
 * forbids writing the result. */
bool x87_flags(X86CPUState *env, uint16_t flags);
/* Stack overflow or underflow: IE + SF; true when IE is unmasked. */
bool x87_stack_fault(X86CPUState *env, bool overflow);
/* Push v (with the flags of producing it); true when v itself was pushed */
bool x87_push(X86CPUState *env, Fx80 v, uint16_t flags);

/* The instructions, by family */
bool x87_is_arith(unsigned mnem);
void x87_arith(X87Op *o);
uint64_t x87_compare(X87Op *o);
void x87_xam(X86CPUState *env);
void x87_load_const(X86CPUState *env, unsigned k);
void x87_load(X87Op *o);
void x87_store(X87Op *o);
void x87_unary(X87Op *o);

/* fpu_env.c: FNINIT's state; instructions that do not wait for pending
 * exceptions; those that leave FIP/FDP/FOP alone; running them. */
void x87_init(X86CPUState *env);
bool x87_nowait(unsigned mnem);
bool x87_control(unsigned mnem);
uint64_t x87_do_control(X87Op *o);

#endif /* KESTREL_CPU_X86_FPU_INTERNAL_H */
