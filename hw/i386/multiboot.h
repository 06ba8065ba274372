/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 kernels given with -kernel (hw/i386/multiboot.c), tried by
 * hw/i386/linux-boot.c when the file is not a Linux bzImage.
 */
#ifndef KESTREL_HW_I386_MULTIBOOT_H
#define KESTREL_HW_I386_MULTIBOOT_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"

typedef struct MachineConfig MachineConfig;

/*
 * Publish the kernel (from its ELF program headers or the a.out kludge),
 * the modules of -initrd (a comma list of "file args"), the multiboot
 * information and the multiboot.bin option ROM through fw_cfg.
 * Returns 1 when done, 0 when kernel has no multiboot header, -1 with
 * errp set when it has one but cannot be loaded.
 */
int multiboot_load(Device *fw_cfg, MachineConfig *cfg, const uint8_t *kernel,
                   size_t len, uint64_t below_4g, GError **errp);

#endif /* KESTREL_HW_I386_MULTIBOOT_H */
