/* SPDX-License-Identifier: MIT */
/*
 * Kestrel's own option ROMs, assembled from the .asm files beside this header by
 * nasm and embedded by bin2c.py; hw/i386/linux-boot.c (the Linux boot
 * protocol) and hw/i386/multiboot.c publish them through fw_cfg with
 * optionrom_publish(), which fills in the size and checksums.
 */
#ifndef KESTREL_HW_I386_OPTIONROM_H
#define KESTREL_HW_I386_OPTIONROM_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"

extern const uint8_t optionrom_linuxboot[];
extern const size_t optionrom_linuxboot_size;
extern const uint8_t optionrom_multiboot[];
extern const size_t optionrom_multiboot_size;

/* Publish rom as "genroms/NAME" and make it the first boot entry. */
void optionrom_publish(Device *fw_cfg, const char *name, const uint8_t *rom,
                       size_t len);

#endif /* KESTREL_HW_I386_OPTIONROM_H */
