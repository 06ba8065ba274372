/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration device (hw/i386/fw_cfg.c): the items the
 * board publishes for SeaBIOS and the Linux loader.
 */
#ifndef KESTREL_HW_I386_FW_CFG_H
#define KESTREL_HW_I386_FW_CFG_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"

/* Selector keys (QEMU's include/standard-headers/linux/qemu_fw_cfg.h). */
#define FW_CFG_SIGNATURE        0x00
#define FW_CFG_ID               0x01
#define FW_CFG_UUID             0x02
#define FW_CFG_RAM_SIZE         0x03
#define FW_CFG_NOGRAPHIC        0x04
#define FW_CFG_NB_CPUS          0x05
#define FW_CFG_MACHINE_ID       0x06
#define FW_CFG_KERNEL_ADDR      0x07
#define FW_CFG_KERNEL_SIZE      0x08
#define FW_CFG_KERNEL_CMDLINE   0x09
#define FW_CFG_INITRD_ADDR      0x0a
#define FW_CFG_INITRD_SIZE      0x0b
#define FW_CFG_BOOT_DEVICE      0x0c
#define FW_CFG_NUMA             0x0d
#define FW_CFG_BOOT_MENU        0x0e
#define FW_CFG_MAX_CPUS         0x0f
#define FW_CFG_KERNEL_ENTRY     0x10
#define FW_CFG_KERNEL_DATA      0x11
#define FW_CFG_INITRD_DATA      0x12
#define FW_CFG_CMDLINE_ADDR     0x13
#define FW_CFG_CMDLINE_SIZE     0x14
#define FW_CFG_CMDLINE_DATA     0x15
#define FW_CFG_SETUP_ADDR       0x16
#define FW_CFG_SETUP_SIZE       0x17
#define FW_CFG_SETUP_DATA       0x18
#define FW_CFG_FILE_DIR         0x19
#define FW_CFG_FILE_FIRST       0x20
#define FW_CFG_WRITE_CHANNEL    0x4000
#define FW_CFG_ARCH_LOCAL       0x8000
#define FW_CFG_IRQ0_OVERRIDE    (FW_CFG_ARCH_LOCAL + 2)

#define FW_CFG_ID_TRADITIONAL   0x01
#define FW_CFG_ID_DMA           0x02

#define FW_CFG_DMA_CTL_ERROR    0x01
#define FW_CFG_DMA_CTL_READ     0x02
#define FW_CFG_DMA_CTL_SKIP     0x04
#define FW_CFG_DMA_CTL_SELECT   0x08
#define FW_CFG_DMA_CTL_WRITE    0x10

#define FW_CFG_MAX_FILE_NAME    56
#define FW_CFG_MAX_FILES        256

/* Items are copied; adding a key or file name again replaces it. */
void fw_cfg_add_bytes(Device *fw, uint16_t key, const void *data,
                      size_t len);
void fw_cfg_add_string(Device *fw, uint16_t key, const char *str);
void fw_cfg_add_i16(Device *fw, uint16_t key, uint16_t val);
void fw_cfg_add_i32(Device *fw, uint16_t key, uint32_t val);
void fw_cfg_add_i64(Device *fw, uint16_t key, uint64_t val);
/* A named item in the file directory (names < 56 bytes). */
void fw_cfg_add_file(Device *fw, const char *name, const void *data,
                     size_t len);

#endif /* KESTREL_HW_I386_FW_CFG_H */
