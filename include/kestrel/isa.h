/* SPDX-License-Identifier: MIT */
/*
 * The ISA bus and what the board needs from the legacy ISA devices.
 *
 * A device type with .bus = "isa" is plugged by hw/isa/isa-bus.c after its
 * realize: each region it declared is mapped into address_space_io at its
 * `iobase` property plus the region's offset (isa_init_region(); a region
 * recorded with plain dev_init_region() sits at offset 0), and irq_out[0]
 * is connected to ISA IRQ `irq` when the device has that property. The
 * board hands the bus the 16 input pins of the interrupt controllers.
 */
#ifndef KESTREL_ISA_H
#define KESTREL_ISA_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"

#define ISA_NUM_IRQS 16

/* The board: ISA IRQ n drives pins[n] (NULL: lines go nowhere). */
void isa_bus_set_irqs(IrqSink *pins);
/* The pin of ISA IRQ n, for devices the board wires by hand. */
IrqSink *isa_get_irq(int n);

/* For realize functions: expose mr at iobase + offset in the port space. */
void isa_init_region(Device *dev, MemRegion *mr, uint16_t offset);
/* ... or at a fixed address of the memory space (ISA memory holes). */
void isa_init_mem_region(Device *dev, MemRegion *mr, hwaddr addr);
/* Unmap every region of dev; ISA devices call it from unrealize. */
void isa_unplug(Device *dev);

/* i8259 pair: the INTA cycle. Returns the vector of the highest-priority
 * request and moves it from IRR to ISR (spurious: IRQ 7/15's vector). */
int pic_get_interrupt(Device *pic);

/* mc146818: the board fills the CMOS bytes the BIOS reads. */
void rtc_set_cmos(Device *rtc, int index, uint8_t val);

#endif /* KESTREL_ISA_H */
