/* SPDX-License-Identifier: MIT */
/*
 * The 8237A ISA DMA pair (hw/dma/i8237.c) as ISA devices use it: a device
 * with DREQ asserted calls i8237_transfer() and the controller moves the
 * bytes between the device's buffer and memory as the channel is
 * programmed (direction, increment/decrement, autoinit, terminal count).
 */
#ifndef KESTREL_HW_DMA_I8237_H
#define KESTREL_HW_DMA_I8237_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"

#define I8237_CHANNELS          8

/*
 * Serve up to len bytes of a request on channel ch (0-7; 5-7 move
 * 16-bit words, len must then be even). to_mem is what the device
 * expects: true for device -> memory (a "write" transfer); the mode
 * register decides, a mismatch is logged. Returns the bytes moved: 0 when
 * the channel is masked or the controller disabled, less than len when
 * the terminal count ended the transfer. *tc says whether it did.
 */
size_t i8237_transfer(Device *dma, unsigned ch, uint8_t *buf, size_t len,
                      bool to_mem, bool *tc);

#endif /* KESTREL_HW_DMA_I8237_H */
