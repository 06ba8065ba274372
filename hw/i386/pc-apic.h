/* SPDX-License-Identifier: MIT */
/*
 * The pc board's APIC wiring (hw/i386/pc-apic.c), for hw/i386/pc.c.
 */
#ifndef KESTREL_HW_I386_PC_APIC_H
#define KESTREL_HW_I386_PC_APIC_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"

typedef struct Machine Machine;

/* A local APIC per vCPU, the I/O APIC and the window at the APIC base;
 * the ISA IRQs then go to @pic and to the I/O APIC. */
bool pc_apic_init(Machine *m, Device *pic, GError **errp);
/* The 8259's INTR output: LINT0 of every local APIC. */
void pc_apic_set_intr(int level);

#endif /* KESTREL_HW_I386_PC_APIC_H */
