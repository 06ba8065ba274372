/* SPDX-License-Identifier: MIT */
/*
 * The local APIC's register file: reads and writes by register index
 * (the MMIO offset >> 4) for hw/intc/apic.c's MMIO window: ID, version,
 * TPR/APR/PPR, EOI, LDR/DFR, SVR, ISR/TMR/IRR, ESR, ICR, the LVT and
 * the timer's registers. An unknown index sets ESR "illegal register".
 * Ref: Intel SDM Vol. 3A 10.4-10.6 and 10.8, table 10-1 (the map),
 * figure 10-8 (LVT bits).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "hw/intc/apic-int.h"

/* LVT bits a write may set, per entry (SDM figure 10-8) */
static const uint32_t lvt_wmask[APIC_NR_LVT] = {
    [LVT_TIMER] = 0x710ff, [LVT_THERMAL] = 0x107ff, [LVT_PERF] = 0x107ff,
    [LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff, [LVT_ERROR] = 0x100ff,
};

static void apic_eoi(ApicState *s)
{
    int isrv = bit_highest(s->isr);

    if (isrv < 0) {
        return;
    }
    bit_set(s->isr, isrv, false);
    if (bit_get(s->tmr, isrv)) {
        ioapic_eoi_broadcast(isrv);
    }
    apic_update_irq(s);
}

uint32_t apic_reg_read(ApicState *s, unsigned idx)
{
    switch (idx) {
    case 0x02:
        return (uint32_t)s->id << 24;
    case 0x03:
        return APIC_VERSION;
    case 0x08:
        return s->tpr;
    case 0x09:
        return 0;                       /* APR: no arbitration model */
    case 0x0a:
        return apic_ppr(s);
    case 0x0d:
        return s->ldr;
    case 0x0e:
        return s->dfr;
    case 0x0f:
        return s->svr;
    case 0x10 ... 0x17:
        return s->isr[idx - 0x10];
    case 0x18 ... 0x1f:
        return s->tmr[idx - 0x18];
    case 0x20 ... 0x27:
        return s->irr[idx - 0x20];
    case 0x28:
        return s->esr;
    case 0x30:
        return s->icr[0];               /* delivery status always idle */
    case 0x31:
        return s->icr[1];
    case 0x32 ... 0x37:
        return s->lvt[idx - 0x32];
    case 0x38:
        return s->initial_count;
    case 0x39:
        return apic_timer_count(s, clock_ns(CLOCK_VIRTUAL));
    case 0x3e:
        return s->divide;
    case 0x0b:                          /* EOI: write-only, reads 0 */
        return 0;
    default:
        apic_error(s, ESR_ILLEGAL_REG);
        return 0;
    }
}

static void apic_write_lvt(ApicState *s, unsigned n, uint32_t val)
{
    uint32_t old = s->lvt[n];

    if (!(s->svr & SVR_ENABLE)) {
        val |= LVT_MASKED;              /* software-disabled (SDM 10.4.7.2) */
    }
    s->lvt[n] = (val & lvt_wmask[n]) | (old & LVT_REMOTE_IRR);
    if (n == LVT_TIMER) {
        if (val & LVT_TIMER_TSC_DEADLINE) {
            ks_log_mask(LOG_UNIMP, "apic %u: TSC-deadline timer mode\n",
                        s->id);
        }
        apic_timer_arm(s, clock_ns(CLOCK_VIRTUAL));
    }
    apic_update_irq(s);
}

void apic_reg_write(ApicState *s, unsigned idx, uint32_t val)
{
    int64_t now = clock_ns(CLOCK_VIRTUAL);

    switch (idx) {
    case 0x02:
        s->id = val >> 24;
        break;
    case 0x08:
        s->tpr = val & 0xff;
        apic_update_irq(s);
        break;
    case 0x0b:
        apic_eoi(s);
        break;
    case 0x0d:
        s->ldr = val & 0xff000000u;
        break;
    case 0x0e:
        s->dfr = val | 0x0fffffffu;
        break;
    case 0x0f:
        s->svr = val & 0x1ff;
        if (!(s->svr & SVR_ENABLE)) {
            for (int n = 0; n < APIC_NR_LVT; n++) {
                s->lvt[n] |= LVT_MASKED;
            }
        }
        apic_update_irq(s);
        break;
    case 0x28:
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        break;
    case 0x30:
        s->icr[0] = val & ~(1u << 12);
        apic_send_ipi(s);
        break;
    case 0x31:
        s->icr[1] = val & 0xff000000u;
        break;
    case 0x32 ... 0x37:
        apic_write_lvt(s, idx - 0x32, val);
        break;
    case 0x38:
        s->initial_count = val;
        s->load_ns = now;
        apic_timer_arm(s, now);
        break;
    case 0x3e: {
        uint32_t old = apic_timer_count(s, now);

        s->divide = val & 0xb;
        s->count_shift = (((val & 3) | ((val >> 1) & 4)) + 1) & 7;
        /* keep counting from where the old divider left off */
        if (s->initial_count) {
            s->load_ns = now - ((int64_t)(s->initial_count - old)
                                << s->count_shift);
            apic_timer_arm(s, now);
        }
        break;
    }
    case 0x03:
    case 0x09:
    case 0x0a:
    case 0x10 ... 0x27:
    case 0x39:
        break;                          /* read-only */
    default:
        apic_error(s, ESR_ILLEGAL_REG);
        break;
    }
}
