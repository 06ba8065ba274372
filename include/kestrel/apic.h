/* SPDX-License-Identifier: MIT */
/*
 * The APIC interrupt architecture: local APICs (hw/intc/apic.c), the I/O
 * APIC (hw/intc/ioapic.c), the HPET (hw/timer/hpet.c), and the board glue
 * that ties local APICs to vCPUs (hw/i386/pc-apic.c).
 *
 * A local APIC is a device ("apic") that knows nothing of the CPU: its
 * output lines (APIC_OUT_*) go to the CPU's pins, its input pins are LINT0
 * and LINT1, its MMIO region is regions[0] (4 KiB). The board maps one
 * window at the APIC base that forwards to the local APIC of the vCPU
 * doing the access. Every realized local APIC sits on one APIC bus, which
 * carries IPIs and the I/O APIC's messages.
 * Ref: Intel SDM Vol. 3A ch. 10 (APIC); 82093AA I/O APIC datasheet
 * (290566); IA-PC HPET specification 1.0a.
 */
#ifndef KESTREL_APIC_H
#define KESTREL_APIC_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"

#define APIC_DEFAULT_BASE       0xfee00000ull
#define IOAPIC_DEFAULT_BASE     0xfec00000ull
#define HPET_DEFAULT_BASE       0xfed00000ull

/* IA32_APIC_BASE (MSR 0x1b) bits */
#define MSR_APICBASE_BSP        (1ull << 8)
#define MSR_APICBASE_ENABLE     (1ull << 11)
#define MSR_APICBASE_BASE       0xfffff000ull

/* Delivery modes (ICR, LVT and I/O APIC redirection entries) */
enum {
    APIC_DM_FIXED = 0, APIC_DM_LOWPRI = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
    APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* Local APIC outputs to its CPU. INTR is a level (an interrupt is ready
 * for the INTA cycle, apic_get_interrupt()); NMI, INIT and SMI pulse; SIPI
 * pulses with the level 0x100 | vector. */
enum { APIC_OUT_INTR, APIC_OUT_NMI, APIC_OUT_INIT, APIC_OUT_SIPI,
       APIC_OUT_SMI, APIC_NR_OUT };
/* Local APIC inputs */
enum { APIC_IN_LINT0, APIC_IN_LINT1, APIC_NR_IN };

/* The INTA cycle: the vector the CPU takes now, or -1. Asks the 8259 set
 * with apic_set_pic() for ExtINT (and when the APIC is disabled). */
int apic_get_interrupt(Device *apic);
void apic_set_pic(Device *apic, Device *pic);
/* IA32_APIC_BASE. apic_set_base() returns false (#GP) for reserved bits. */
uint64_t apic_get_base(Device *apic);
bool apic_set_base(Device *apic, uint64_t val);
/* The CPU has no APIC (486, Pentium without one): pass LINT0 through. */
void apic_set_absent(Device *apic);

/* A message on the APIC bus (I/O APIC, MSI): deliver to every local APIC
 * that @dest selects (@logical: logical destination mode). */
void apic_bus_deliver(uint8_t dest, bool logical, unsigned delivery_mode,
                      uint8_t vector, bool level);

/* An EOI for a level-triggered @vector: every I/O APIC clears its remote
 * IRR for entries with that vector (hw/intc/ioapic.c). */
void ioapic_eoi_broadcast(uint8_t vector);

#endif /* KESTREL_APIC_H */
