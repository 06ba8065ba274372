/* SPDX-License-Identifier: MIT */
/*
 * -kernel/-initrd/-append: the Linux x86 boot protocol, the way QEMU does
 * it, with Kestrel's own option ROM.
 *
 * The bzImage is split into its real-mode setup and its protected-mode
 * part; both, the initrd and the command line are published through fw_cfg
 * (SETUP_*, KERNEL_*, INITRD_*, CMDLINE_*) with the addresses chosen here,
 * and the option ROM hw/i386/optionrom/linuxboot.asm ("genroms/", first in
 * "bootorder") copies them into place once SeaBIOS has run, fills the boot
 * parameters and enters the setup code. A file that is not a bzImage may
 * be a multiboot kernel (hw/i386/multiboot.c). hw/i386/pc.c calls
 * pc_load_linux().
 * Ref: Linux Documentation/arch/x86/boot.rst ("The Real-Mode Kernel
 * Header", "Details of Header Fields", "Loading the Rest of the Kernel",
 * "Sample Boot Configuration"); BIOS Boot Specification 1.01 (ROM header).
 * Missing: boot protocols before 2.02 (zImage, old bzImage: refused with
 * an error), setup_data (DTB, random seed), ELF vmlinux files.
 */
#include "kestrel/osdep.h"
#include "kestrel/pc.h"
#include "kestrel/machine.h"
#include "hw/i386/fw_cfg.h"
#include "hw/i386/multiboot.h"
#include "hw/i386/optionrom/optionrom.h"

#define LINUX_SETUP_ADDR        0x10000
#define LINUX_CMDLINE_ADDR      0x20000
#define LINUX_PROT_ADDR         0x100000
#define LINUX_CMDLINE_ROOM      0x10000     /* up to the EBDA, and more */
/* Room SeaBIOS keeps at the top of low RAM for its ACPI tables. */
#define LINUX_ACPI_RESERVE      0x28000

/* Header fields (offsets in the setup sectors) */
#define HDR_SETUP_SECTS         0x1f1
#define HDR_MAGIC               0x202   /* "HdrS" */
#define HDR_VERSION             0x206
#define HDR_LOADFLAGS           0x211
#define HDR_INITRD_ADDR_MAX     0x22c
#define HDR_CMDLINE_SIZE        0x238   /* protocol 2.06 and later */
#define HDR_END                 0x23c

#define LOADFLAGS_LOADED_HIGH   0x01

#define OPTIONROM_SIZE_MAX      0x10000

static uint32_t get_le32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

void optionrom_publish(Device *fw, const char *name, const uint8_t *rom,
                       size_t len)
{
    g_autofree char *file = g_strdup_printf("genroms/%s", name);
    g_autofree char *order = g_strdup_printf("/rom@genroms/%s\n", name);
    size_t size = (len + 1 + 511) & ~(size_t)511;   /* + the checksum */
    g_autofree uint8_t *img = g_malloc0(size);
    unsigned pnp;
    uint8_t sum = 0;

    g_assert(size <= OPTIONROM_SIZE_MAX && len > 0x20);
    memcpy(img, rom, len);
    img[2] = size / 512;
    pnp = img[0x1a] | img[0x1b] << 8;
    g_assert(pnp + 0x20 <= size);
    for (unsigned i = 0; i < 0x20; i++) {   /* the PnP header checksum */
        sum += i == 9 ? 0 : img[pnp + i];
    }
    img[pnp + 9] = -sum;
    sum = 0;
    for (size_t i = 0; i < size - 1; i++) {
        sum += img[i];
    }
    img[size - 1] = -sum;                   /* the ROM checksum */
    fw_cfg_add_file(fw, file, img, size);
    fw_cfg_add_file(fw, "bootorder", order, strlen(order));
}

/* The initrd just below the highest address the kernel and RAM allow. */
static bool linux_load_initrd(Device *fw, MachineConfig *cfg,
                              const uint8_t *hdr, uint16_t version,
                              uint64_t kernel_end, uint64_t below_4g,
                              GError **errp)
{
    g_autofree char *initrd = NULL;
    gsize len = 0;
    uint64_t max, addr;

    if (!g_file_get_contents(cfg->initrd, &initrd, &len, errp)) {
        g_prefix_error(errp, "-initrd: ");
        return false;
    }
    max = version >= 0x203 ? get_le32(hdr + HDR_INITRD_ADDR_MAX) : 0x37ffffff;
    max = MIN(max, below_4g - LINUX_ACPI_RESERVE - 1);
    if (max < kernel_end || len > max + 1 - kernel_end) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-initrd %s: %zu bytes do not fit in guest RAM between "
                    "the kernel and 0x%" PRIx64 " (try a larger -m)",
                    cfg->initrd, (size_t)len, max);
        return false;
    }
    addr = (max + 1 - len) & ~(uint64_t)4095;
    fw_cfg_add_i32(fw, FW_CFG_INITRD_ADDR, addr);
    fw_cfg_add_i32(fw, FW_CFG_INITRD_SIZE, len);
    fw_cfg_add_bytes(fw, FW_CFG_INITRD_DATA, initrd, len);
    return true;
}

static bool linux_load_bzimage(Device *fw, MachineConfig *cfg,
                               const uint8_t *kernel, size_t len,
                               uint64_t below_4g, GError **errp)
{
    const char *cmdline = cfg->append ? cfg->append : "";
    uint16_t version = kernel[HDR_VERSION] | kernel[HDR_VERSION + 1] << 8;
    uint32_t setup_size, cmdline_max;
    uint64_t prot_size;

    if (version < 0x202 || !(kernel[HDR_LOADFLAGS] & LOADFLAGS_LOADED_HIGH)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "-kernel %s: boot protocol %u.%02u without a kernel "
                    "loaded high (zImage): not supported", cfg->kernel,
                    version >> 8, version & 0xff);
        return false;
    }
    setup_size = ((kernel[HDR_SETUP_SECTS] ? kernel[HDR_SETUP_SECTS] : 4) +
                  1) * 512;
    if (setup_size >= len) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-kernel %s: truncated bzImage (%zu bytes)",
                    cfg->kernel, len);
        return false;
    }
    prot_size = len - setup_size;
    cmdline_max = version >= 0x206 ? get_le32(kernel + HDR_CMDLINE_SIZE)
                                   : 255;
    cmdline_max = MIN(cmdline_max, LINUX_CMDLINE_ROOM - 1);
    if (strlen(cmdline) > cmdline_max) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-append: command line of %zu bytes, the kernel accepts "
                    "%u", strlen(cmdline), cmdline_max);
        return false;
    }
    if (LINUX_PROT_ADDR + prot_size > below_4g) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-kernel %s: does not fit in guest RAM (try a larger -m)",
                    cfg->kernel);
        return false;
    }
    if (cfg->initrd &&
        !linux_load_initrd(fw, cfg, kernel, version,
                           LINUX_PROT_ADDR + prot_size, below_4g, errp)) {
        return false;
    }

    fw_cfg_add_i32(fw, FW_CFG_CMDLINE_ADDR, LINUX_CMDLINE_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_CMDLINE_SIZE, strlen(cmdline) + 1);
    fw_cfg_add_string(fw, FW_CFG_CMDLINE_DATA, cmdline);
    fw_cfg_add_i32(fw, FW_CFG_SETUP_ADDR, LINUX_SETUP_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_SETUP_SIZE, setup_size);
    fw_cfg_add_bytes(fw, FW_CFG_SETUP_DATA, kernel, setup_size);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_ADDR, LINUX_PROT_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_SIZE, prot_size);
    fw_cfg_add_bytes(fw, FW_CFG_KERNEL_DATA, kernel + setup_size, prot_size);
    optionrom_publish(fw, "linuxboot.bin", optionrom_linuxboot,
                      optionrom_linuxboot_size);
    return true;
}

bool pc_load_linux(Device *fw, MachineConfig *cfg, uint64_t below_4g,
                   GError **errp)
{
    g_autofree uint8_t *kernel = NULL;
    gsize len;
    int mb;

    if (!g_file_get_contents(cfg->kernel, (char **)&kernel, &len, errp)) {
        g_prefix_error(errp, "-kernel: ");
        return false;
    }
    if (len >= HDR_END && !memcmp(kernel + HDR_MAGIC, "HdrS", 4)) {
        return linux_load_bzimage(fw, cfg, kernel, len, below_4g, errp);
    }
    mb = multiboot_load(fw, cfg, kernel, len, below_4g, errp);
    if (mb < 0) {
        return false;
    }
    if (mb == 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-kernel %s: neither a Linux bzImage (no \"HdrS\" "
                    "header) nor a multiboot kernel", cfg->kernel);
        return false;
    }
    return true;
}
