/* SPDX-License-Identifier: MIT */
/*
 * The local APIC's state and the functions its two files share:
 * hw/intc/apic.c (priorities, delivery, the APIC bus, the timer, the
 * CPU's side, reset) and hw/intc/apic-regs.c (the register file).
 */
#ifndef KESTREL_HW_INTC_APIC_INT_H
#define KESTREL_HW_INTC_APIC_INT_H

#include "kestrel/apic.h"
#include "kestrel/timer.h"

#define APIC_VERSION            0x50014 /* version 0x14, max LVT entry 5 */
#define APIC_NR_LVT             6
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

#define LVT_MASKED              (1u << 16)
#define LVT_LEVEL               (1u << 15)
#define LVT_REMOTE_IRR          (1u << 14)
#define LVT_TIMER_PERIODIC      (1u << 17)
#define LVT_TIMER_TSC_DEADLINE  (1u << 18)
#define SVR_ENABLE              (1u << 8)
#define ICR_DEST_LOGICAL        (1u << 11)
#define ICR_LEVEL_ASSERT        (1u << 14)
#define ICR_TRIGGER_LEVEL       (1u << 15)
#define ESR_SEND_ILLEGAL        (1u << 5)
#define ESR_RECV_ILLEGAL        (1u << 6)
#define ESR_ILLEGAL_REG         (1u << 7)

typedef struct ApicState {
    Device dev;
    MemRegion mmio;
    IrqLine out[APIC_NR_OUT];
    Device *pic;                        /* ExtINT source, or NULL */
    Timer *timer;
    uint8_t id;                         /* property "id" */
    bool bsp;                           /* property "bsp" */
    bool absent;                        /* the CPU has no APIC */
    uint64_t base;                      /* IA32_APIC_BASE */
    uint32_t tpr, ldr, dfr, svr, esr, esr_pending;
    uint32_t icr[2];
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t lvt[APIC_NR_LVT];
    uint32_t initial_count, divide;
    int64_t load_ns;                    /* virtual time of the count load */
    unsigned count_shift;               /* log2 of the divider */
    bool lint_level[APIC_NR_IN];
    bool wait_for_sipi;
} ApicState;

/* 256-bit registers (ISR, TMR, IRR) */
static inline void bit_set(uint32_t *r, unsigned v, bool on)
{
    if (on) {
        r[v >> 5] |= 1u << (v & 31);
    } else {
        r[v >> 5] &= ~(1u << (v & 31));
    }
}

static inline bool bit_get(const uint32_t *r, unsigned v)
{
    return (r[v >> 5] >> (v & 31)) & 1;
}

static inline int bit_highest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--) {
        if (r[i]) {
            return i * 32 + 31 - __builtin_clz(r[i]);
        }
    }
    return -1;
}

/* apic.c */
bool apic_hw_enabled(ApicState *s);
uint32_t apic_ppr(ApicState *s);
void apic_update_irq(ApicState *s);
void apic_error(ApicState *s, uint32_t bits);
void apic_send_ipi(ApicState *s);
uint32_t apic_timer_count(ApicState *s, int64_t now);
void apic_timer_arm(ApicState *s, int64_t now);

/* apic-regs.c: the register at index @idx (offset >> 4) */
uint32_t apic_reg_read(ApicState *s, unsigned idx);
void apic_reg_write(ApicState *s, unsigned idx, uint32_t val);

#endif /* KESTREL_HW_INTC_APIC_INT_H */
