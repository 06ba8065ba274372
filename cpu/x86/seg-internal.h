/* SPDX-License-Identifier: MIT */
/*
 * Descriptor and stack primitives shared by seg_helper.c (segment loads),
 * far_helper.c (far transfers), desc_helper.c (LLDT, LTR, LAR...),
 * int_helper.c (interrupt delivery, IRET) and task_helper.c (task switch).
 * Ref: Intel SDM Vol. 3A 3.4.5 (segment descriptors), 5.8 (calls).
 */
#ifndef KESTREL_CPU_X86_SEG_INTERNAL_H
#define KESTREL_CPU_X86_SEG_INTERNAL_H

#include "kestrel/osdep.h"
#include "cpu/x86/cpu.h"

/* system descriptor types (S = 0) */
enum {
    DT_TSS16_AVL = 1, DT_LDT = 2, DT_TSS16_BUSY = 3, DT_CALL16 = 4,
    DT_TASK = 5, DT_INT16 = 6, DT_TRAP16 = 7, DT_TSS32_AVL = 9,
    DT_TSS32_BUSY = 11, DT_CALL32 = 12, DT_INT32 = 14, DT_TRAP32 = 15,
};

static inline unsigned desc_type(uint32_t e2)
{
    return (e2 >> DESC_TYPE_SHIFT) & 0xf;
}

static inline unsigned desc_dpl(uint32_t e2)
{
    return (e2 >> DESC_DPL_SHIFT) & 3;
}

static inline unsigned env_cpl(const X86CPUState *env)
{
    return env->hflags & HF_CPL_MASK;
}

uint64_t desc_base(uint32_t e1, uint32_t e2);
uint32_t desc_limit(uint32_t e1, uint32_t e2);
/* Read the descriptor of @sel from the GDT or LDT; false when it lies
 * beyond the table limit. */
bool desc_load(X86CPUState *env, uint32_t sel, uint32_t *e1, uint32_t *e2,
               uintptr_t ra);
/* Set the accessed bit in memory if it is clear. */
void desc_set_accessed(X86CPUState *env, uint32_t sel, uint32_t *e2,
                       uintptr_t ra);
void seg_cache_set(X86CPUState *env, int seg, uint32_t sel, uint32_t e1,
                   uint32_t e2);
/* Real-mode / V86 style load: base = sel << 4. */
void seg_load_real(X86CPUState *env, int seg, uint32_t sel, bool v86);
/* Protected-mode data/stack segment load with all checks; @cpl is the
 * privilege the load is checked for; @excp is the vector for a bad
 * descriptor (#GP normally, #TS in a task switch). */
void seg_load_checked(X86CPUState *env, int seg, uint32_t sel, unsigned cpl,
                      int excp, uintptr_t ra);

/* A stack being pushed to or popped from. */
typedef struct StackPtr {
    uint64_t base;
    uint32_t mask;                      /* 0xffff or 0xffffffff (SS.B) */
    uint32_t esp;
    unsigned mmu_idx;
} StackPtr;

void stack_push(X86CPUState *env, StackPtr *sp, unsigned size,
                uint32_t val, uintptr_t ra);
uint32_t stack_pop(X86CPUState *env, StackPtr *sp, unsigned size,
                   uintptr_t ra);
StackPtr stack_current(X86CPUState *env);
/* ESP = sp->esp within sp->mask, keeping the upper bits otherwise. */
void stack_commit_esp(X86CPUState *env, const StackPtr *sp);

/* Null the data segment registers the new (outer) CPL may not use. */
void seg_validate_outer(X86CPUState *env, unsigned cpl);
/* Far return to @sel:@eip with @sp just past the popped CS (and EFLAGS):
 * same-level or outer-level (pops SS:ESP); @addend is RETF's imm16. */
void seg_return_far(X86CPUState *env, StackPtr *sp, uint32_t sel,
                    uint64_t eip, unsigned size, uint32_t addend,
                    uintptr_t ra);

/* Task switch (task_helper.c). source: JMP, CALL, IRET, INT. */
typedef enum TaskSwitchSource {
    TS_JMP, TS_CALL, TS_IRET, TS_INT,
} TaskSwitchSource;
void x86_task_switch(X86CPUState *env, uint32_t sel, uint32_t e1,
                     uint32_t e2, TaskSwitchSource src, uint64_t next_eip,
                     uintptr_t ra);
/* Inner-level SS:ESP for privilege @dpl from the current TSS. */
void tss_get_stack(X86CPUState *env, unsigned dpl, uint32_t *ss,
                   uint32_t *esp, uintptr_t ra);

#endif /* KESTREL_CPU_X86_SEG_INTERNAL_H */
