/* SPDX-License-Identifier: MIT */
/*
 * The accelerator registry (-accel NAME) and the cross-thread requests
 * every accelerator honours: cpu_exit() and the interrupt_request bits.
 * Accelerators register from constructors (ACCEL_REGISTER); the machine
 * start-up finds them by name; devices and the board raise interrupts.
 * interrupt_request lives in X86CPU.env for both accelerators and is only
 * changed with atomic operations.
 */
#include "kestrel/osdep.h"
#include "kestrel/accel.h"
#include "kestrel/runstate.h"

#define ACCEL_MAX 4

static const AccelOps *accel_table[ACCEL_MAX];
static unsigned accel_count;

void accel_register(const AccelOps *ops)
{
    g_assert(accel_count < ACCEL_MAX);
    accel_table[accel_count++] = ops;
}

const AccelOps *accel_find(const char *name)
{
    for (unsigned i = 0; i < accel_count; i++) {
        if (!strcmp(accel_table[i]->name, name)) {
            return accel_table[i];
        }
    }
    return NULL;
}

void cpu_exit(X86CPU *cpu)
{
    vcpu_kick(cpu);
}

void cpu_interrupt(X86CPU *cpu, uint32_t mask)
{
    __atomic_or_fetch(&cpu->env.interrupt_request, mask, __ATOMIC_SEQ_CST);
    vcpu_kick(cpu);
}

void cpu_reset_interrupt(X86CPU *cpu, uint32_t mask)
{
    __atomic_and_fetch(&cpu->env.interrupt_request, ~mask,
                       __ATOMIC_SEQ_CST);
}
