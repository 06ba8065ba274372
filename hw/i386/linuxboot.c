/* SPDX-License-Identifier: MIT */
/*
 * -kernel/-initrd/-append: the Linux x86 boot protocol, as QEMU does it.
 *
 * The bzImage is split into its real-mode setup (patched header included)
 * and its protected-mode part; both, the initrd and the command line are
 * published through fw_cfg (KERNEL_*, SETUP_*, INITRD_*, CMDLINE_*), and
 * QEMU's linuxboot_dma.bin option ROM ("genroms/", first in "bootorder")
 * copies them into place and jumps to the setup code once SeaBIOS has run.
 * hw/i386/pc.c calls pc_load_linux().
 * Ref: Linux Documentation/arch/x86/boot.rst ("The Real-Mode Kernel
 * Header", "Loading the Rest of the Kernel", "Details of Header Fields").
 * Missing: boot protocols before 2.02 (zImage, old bzImage: refused with
 * an error), multiboot and ELF kernels, setup_data (DTB, random seed).
 */
#include "kestrel/osdep.h"
#include "kestrel/pc.h"
#include "kestrel/machine.h"
#include "hw/i386/fw_cfg.h"
#include "kestrel-config.h"

#define LINUX_REAL_ADDR         0x10000
#define LINUX_CMDLINE_ADDR      0x20000
#define LINUX_PROT_ADDR         0x100000
#define LINUX_CMDLINE_MAX       (LINUX_REAL_ADDR - 0x200)
/* Room SeaBIOS keeps at the top of low RAM for its ACPI tables. */
#define LINUX_ACPI_RESERVE      0x28000

/* Header fields (offsets in the setup sectors) */
#define HDR_SETUP_SECTS         0x1f1
#define HDR_MAGIC               0x202   /* "HdrS" */
#define HDR_VERSION             0x206
#define HDR_TYPE_OF_LOADER      0x210
#define HDR_LOADFLAGS           0x211
#define HDR_RAMDISK_IMAGE       0x218
#define HDR_RAMDISK_SIZE        0x21c
#define HDR_HEAP_END_PTR        0x224
#define HDR_CMD_LINE_PTR        0x228
#define HDR_INITRD_ADDR_MAX     0x22c
#define HDR_END                 0x230

#define LOADFLAGS_CAN_USE_HEAP  0x80
#define LINUXBOOT_ROM           "linuxboot_dma.bin"

/* Where QEMU's pc-bios images are found besides -L and our firmware dir. */
static const char *const linuxboot_rom_dirs[] = {
    KESTREL_FIRMWARE_DIR, "/usr/share/qemu",
};

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    put_le16(p, v);
    put_le16(p + 2, v >> 16);
}

static uint32_t get_le32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

static bool linuxboot_add_rom(Device *fw, MachineConfig *cfg, GError **errp)
{
    static const char bootorder[] = "/rom@genroms/" LINUXBOOT_ROM "\n";
    g_autofree char *data = NULL;
    gsize len = 0;

    for (guint i = 0; !data && cfg->firmware_dirs &&
         i < cfg->firmware_dirs->len; i++) {
        g_autofree char *path = g_build_filename(cfg->firmware_dirs->pdata[i],
                                                 LINUXBOOT_ROM, NULL);
        g_file_get_contents(path, &data, &len, NULL);
    }
    for (unsigned i = 0; !data && i < G_N_ELEMENTS(linuxboot_rom_dirs); i++) {
        g_autofree char *path = g_build_filename(linuxboot_rom_dirs[i],
                                                 LINUXBOOT_ROM, NULL);
        g_file_get_contents(path, &data, &len, NULL);
    }
    if (!data) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO,
                    "-kernel: needs QEMU's option ROM %s; give its directory "
                    "with -L", LINUXBOOT_ROM);
        return false;
    }
    fw_cfg_add_file(fw, "genroms/" LINUXBOOT_ROM, data, len);
    fw_cfg_add_file(fw, "bootorder", bootorder, sizeof(bootorder) - 1);
    return true;
}

bool pc_load_linux(Device *fw, MachineConfig *cfg, uint64_t below_4g,
                   GError **errp)
{
    g_autofree uint8_t *kernel = NULL;
    g_autofree char *initrd = NULL;
    const char *cmdline = cfg->append ? cfg->append : "";
    gsize kernel_len, initrd_len = 0;
    uint32_t setup_size, initrd_max, initrd_addr;
    uint64_t room;
    uint16_t version;

    if (!g_file_get_contents(cfg->kernel, (char **)&kernel, &kernel_len,
                             errp)) {
        g_prefix_error(errp, "-kernel: ");
        return false;
    }
    if (kernel_len < HDR_END || memcmp(kernel + HDR_MAGIC, "HdrS", 4) ||
        (version = kernel[HDR_VERSION] | kernel[HDR_VERSION + 1] << 8) <
        0x202) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "-kernel %s: not a Linux bzImage with boot protocol "
                    "2.02 or later", cfg->kernel);
        return false;
    }
    setup_size = ((kernel[HDR_SETUP_SECTS] ? kernel[HDR_SETUP_SECTS] : 4) +
                  1) * 512;
    if (setup_size >= kernel_len) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-kernel %s: truncated image", cfg->kernel);
        return false;
    }
    if (strlen(cmdline) >= LINUX_CMDLINE_MAX) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-append: command line longer than %u bytes",
                    LINUX_CMDLINE_MAX - 1);
        return false;
    }

    kernel[HDR_TYPE_OF_LOADER] = 0xb0;  /* "QEMU" */
    kernel[HDR_LOADFLAGS] |= LOADFLAGS_CAN_USE_HEAP;
    put_le16(kernel + HDR_HEAP_END_PTR,
             LINUX_CMDLINE_ADDR - LINUX_REAL_ADDR - 0x200);
    put_le32(kernel + HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);

    if (cfg->initrd) {
        if (!g_file_get_contents(cfg->initrd, &initrd, &initrd_len, errp)) {
            g_prefix_error(errp, "-initrd: ");
            return false;
        }
        initrd_max = version >= 0x203 ? get_le32(kernel + HDR_INITRD_ADDR_MAX)
                                      : 0x37ffffff;
        initrd_max = MIN((uint64_t)initrd_max,
                         below_4g - LINUX_ACPI_RESERVE - 1);
        room = initrd_max > LINUX_PROT_ADDR + kernel_len ?
               initrd_max - LINUX_PROT_ADDR - kernel_len : 0;
        if (initrd_len > room) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "-initrd %s: %zu bytes do not fit below 0x%x",
                        cfg->initrd, (size_t)initrd_len, initrd_max);
            return false;
        }
        initrd_addr = (initrd_max - initrd_len) & ~4095u;
        put_le32(kernel + HDR_RAMDISK_IMAGE, initrd_addr);
        put_le32(kernel + HDR_RAMDISK_SIZE, initrd_len);
        fw_cfg_add_i32(fw, FW_CFG_INITRD_ADDR, initrd_addr);
        fw_cfg_add_i32(fw, FW_CFG_INITRD_SIZE, initrd_len);
        fw_cfg_add_bytes(fw, FW_CFG_INITRD_DATA, initrd, initrd_len);
    }

    fw_cfg_add_i32(fw, FW_CFG_CMDLINE_ADDR, LINUX_CMDLINE_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_CMDLINE_SIZE, strlen(cmdline) + 1);
    fw_cfg_add_string(fw, FW_CFG_CMDLINE_DATA, cmdline);
    fw_cfg_add_i32(fw, FW_CFG_SETUP_ADDR, LINUX_REAL_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_SETUP_SIZE, setup_size);
    fw_cfg_add_bytes(fw, FW_CFG_SETUP_DATA, kernel, setup_size);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_ADDR, LINUX_PROT_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_SIZE, kernel_len - setup_size);
    fw_cfg_add_bytes(fw, FW_CFG_KERNEL_DATA, kernel + setup_size,
                     kernel_len - setup_size);
    return linuxboot_add_rom(fw, cfg, errp);
}
