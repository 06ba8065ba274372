/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 kernels with -kernel: the kernel image (ELF32 program
 * headers or the a.out kludge of header flag 16), its bss, and the
 * modules of -initrd ("file args,file args", each page aligned after the
 * kernel) go to fw_cfg as one KERNEL_DATA blob at KERNEL_ADDR; the
 * multiboot information (memory sizes, command lines, module list,
 * boot loader name, room for the memory map) goes as INITRD_DATA at
 * MB_INFO_ADDR. The option ROM hw/i386/optionrom/multiboot.asm copies
 * both, fills the memory map from INT 15h E820, enters 32-bit protected
 * mode and jumps to the entry with EAX = 0x2BADB002 and EBX = the info.
 * hw/i386/linux-boot.c calls multiboot_load() for a non-bzImage file.
 * Ref: Multiboot Specification 0.6.96, 3.1 (OS image format), 3.2
 * (machine state), 3.3 (boot information format).
 * Missing: video mode requests (flag 2: logged and ignored), ELF64 files,
 * the drives, config table, APM and VBE fields of the information.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "kestrel/machine.h"
#include "hw/i386/fw_cfg.h"
#include "hw/i386/multiboot.h"
#include "hw/i386/optionrom/optionrom.h"

#define MB_MAGIC                0x1badb002
#define MB_SEARCH               8192
#define MB_FLAG_PAGE_ALIGN      (1u << 0)
#define MB_FLAG_MEMINFO         (1u << 1)
#define MB_FLAG_VIDEO           (1u << 2)
#define MB_FLAG_AOUT_KLUDGE     (1u << 16)

#define MB_INFO_ADDR            0x9000
#define MB_INFO_ROOM            0x7000      /* up to 0x10000 */
#define MB_INFO_SIZE            88
#define MB_MMAP_ROOM            (32 * 24)   /* the ROM fills it */
#define MB_INFO_MEM             (1u << 0)
#define MB_INFO_CMDLINE         (1u << 2)
#define MB_INFO_MODS            (1u << 3)
#define MB_INFO_MMAP            (1u << 6)
#define MB_INFO_LOADER_NAME     (1u << 9)

#define MB_LOAD_MIN             0x100000

typedef struct MbImage {
    GByteArray *blob;                   /* from load_addr on */
    uint32_t load_addr, entry;
    GByteArray *info;                   /* at MB_INFO_ADDR */
} MbImage;

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t rd16(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = v >> (8 * i);
    }
}

/* Place bytes [addr, addr + n) of the blob, growing it with zeros. */
static void mb_put(MbImage *mb, uint32_t addr, const uint8_t *src,
                   size_t n, size_t zeros)
{
    size_t ofs = addr - mb->load_addr;

    if (mb->blob->len < ofs + n + zeros) {
        size_t old = mb->blob->len;

        g_byte_array_set_size(mb->blob, ofs + n + zeros);
        memset(mb->blob->data + old, 0, mb->blob->len - old);
    }
    memcpy(mb->blob->data + ofs, src, n);
}

static bool mb_load_aout(MbImage *mb, const char *path, const uint8_t *k,
                         size_t len, const uint8_t *hdr, size_t hdr_ofs,
                         GError **errp)
{
    uint32_t header_addr = rd32(hdr + 12), load_addr = rd32(hdr + 16);
    uint32_t load_end = rd32(hdr + 20), bss_end = rd32(hdr + 24);
    uint64_t ofs = (uint64_t)hdr_ofs - (header_addr - load_addr);
    uint64_t size = load_end ? (uint64_t)load_end - load_addr : len - ofs;

    if (header_addr < load_addr || ofs > len || size > len - ofs ||
        (bss_end && bss_end < load_addr + size)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-kernel %s: inconsistent multiboot address fields",
                    path);
        return false;
    }
    mb->load_addr = load_addr;
    mb->entry = rd32(hdr + 28);
    mb_put(mb, load_addr, k + ofs, size,
           bss_end ? bss_end - load_addr - size : 0);
    return true;
}

static bool mb_load_elf(MbImage *mb, const char *path, const uint8_t *k,
                        size_t len, GError **errp)
{
    uint32_t phoff, lowest = UINT32_MAX;
    unsigned phnum, phentsize;

    if (len < 52 || memcmp(k, "\177ELF", 4) || k[4] != 1 || k[5] != 1 ||
        rd16(k + 18) != 3) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "-kernel %s: multiboot kernel is neither a 32-bit x86 "
                    "ELF file nor uses the a.out kludge", path);
        return false;
    }
    phoff = rd32(k + 28);
    phentsize = rd16(k + 42);
    phnum = rd16(k + 44);
    if (phentsize < 32 || phoff > len ||
        (uint64_t)phnum * phentsize > len - phoff) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-kernel %s: bad ELF program headers", path);
        return false;
    }
    for (unsigned pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < phnum; i++) {
            const uint8_t *ph = k + phoff + i * phentsize;
            uint32_t off = rd32(ph + 4), paddr = rd32(ph + 12);
            uint32_t filesz = rd32(ph + 16), memsz = rd32(ph + 20);

            /* PT_LOAD only; ld's segment that maps just the ELF and
             * program headers below the kernel is not needed either. */
            if (rd32(ph) != 1 || !memsz ||
                (off == 0 && paddr < MB_LOAD_MIN && filesz == memsz &&
                 filesz <= phoff + phnum * phentsize)) {
                continue;
            }
            if (pass == 0) {
                lowest = MIN(lowest, paddr);
                continue;
            }
            if (off > len || filesz > len - off || filesz > memsz ||
                paddr < MB_LOAD_MIN) {
                g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                            "-kernel %s: ELF segment %u out of the file or "
                            "below 1 MiB", path, i);
                return false;
            }
            mb_put(mb, paddr, k + off, filesz, memsz - filesz);
        }
        if (pass == 0) {
            if (lowest == UINT32_MAX) {
                g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                            "-kernel %s: no loadable ELF segment", path);
                return false;
            }
            mb->load_addr = lowest;
        }
    }
    mb->entry = rd32(k + 24);
    return true;
}

/* Append a NUL-terminated string to the info block; its guest address. */
static uint32_t mb_info_string(MbImage *mb, const char *s)
{
    uint32_t addr = MB_INFO_ADDR + mb->info->len;

    g_byte_array_append(mb->info, (const uint8_t *)s, strlen(s) + 1);
    return addr;
}

/* -initrd "file args,file args": each module page aligned after the last */
static bool mb_load_modules(MbImage *mb, MachineConfig *cfg, uint8_t *mods,
                            unsigned count, GError **errp)
{
    g_auto(GStrv) list = g_strsplit(cfg->initrd, ",", -1);

    for (unsigned i = 0; i < count; i++) {
        g_auto(GStrv) words = g_strsplit(g_strstrip(list[i]), " ", 2);
        g_autofree char *data = NULL;
        gsize len;
        uint32_t start = mb->load_addr + ((mb->blob->len + 4095) & ~4095u);

        if (!g_file_get_contents(words[0], &data, &len, errp)) {
            g_prefix_error(errp, "-initrd: multiboot module: ");
            return false;
        }
        mb_put(mb, start, (const uint8_t *)data, len, 0);
        wr32(mods + i * 16, start);
        wr32(mods + i * 16 + 4, start + len);
        wr32(mods + i * 16 + 8, mb_info_string(mb, list[i]));
    }
    return true;
}

static bool mb_build(MbImage *mb, MachineConfig *cfg, uint64_t below_4g,
                     GError **errp)
{
    g_autofree char *cmdline = g_strdup_printf("%s %s", cfg->kernel,
                                               cfg->append ? cfg->append : "");
    g_auto(GStrv) list = cfg->initrd ? g_strsplit(cfg->initrd, ",", -1)
                                     : NULL;
    unsigned count = list ? g_strv_length(list) : 0;
    g_autofree uint8_t *mods = g_malloc0(count * 16 + 1);
    uint8_t info[MB_INFO_SIZE] = { 0 };
    uint32_t flags = MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MMAP |
                     MB_INFO_LOADER_NAME | (count ? MB_INFO_MODS : 0);

    g_byte_array_append(mb->info, info, sizeof(info));
    wr32(info + 16, mb_info_string(mb, g_strstrip(cmdline)));
    wr32(info + 64, mb_info_string(mb, "Kestrel"));
    if (count && !mb_load_modules(mb, cfg, mods, count, errp)) {
        return false;
    }
    while (mb->info->len & 15) {
        g_byte_array_append(mb->info, (const uint8_t *)"", 1);
    }
    wr32(info + 20, count);
    wr32(info + 24, MB_INFO_ADDR + mb->info->len);
    g_byte_array_append(mb->info, mods, count * 16);
    wr32(info + 0, flags);
    wr32(info + 4, 640);                        /* KiB below 1 MiB */
    wr32(info + 8, (below_4g - 0x100000) / 1024);
    wr32(info + 48, MB_INFO_ADDR + mb->info->len);  /* mmap: the ROM */
    memcpy(mb->info->data, info, sizeof(info));
    g_byte_array_set_size(mb->info, mb->info->len + MB_MMAP_ROOM);
    if (mb->info->len > MB_INFO_ROOM) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-append/-initrd: multiboot command lines longer than "
                    "%u bytes in all", MB_INFO_ROOM - MB_INFO_SIZE -
                    MB_MMAP_ROOM);
        return false;
    }
    if ((uint64_t)mb->load_addr + mb->blob->len > below_4g) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-kernel %s: kernel and modules (%u bytes from 0x%x) "
                    "do not fit in guest RAM (try a larger -m)", cfg->kernel,
                    mb->blob->len, mb->load_addr);
        return false;
    }
    return true;
}

int multiboot_load(Device *fw, MachineConfig *cfg, const uint8_t *kernel,
                   size_t len, uint64_t below_4g, GError **errp)
{
    g_autoptr(GByteArray) blob = g_byte_array_new();
    g_autoptr(GByteArray) info = g_byte_array_new();
    MbImage mb = { .blob = blob, .info = info };
    const uint8_t *hdr = NULL;
    uint32_t flags;
    size_t ofs;

    for (ofs = 0; ofs + 12 <= MIN(len, MB_SEARCH); ofs += 4) {
        if (rd32(kernel + ofs) == MB_MAGIC &&
            rd32(kernel + ofs) + rd32(kernel + ofs + 4) +
            rd32(kernel + ofs + 8) == 0) {
            hdr = kernel + ofs;
            break;
        }
    }
    if (!hdr) {
        return 0;
    }
    flags = rd32(hdr + 4);
    if (flags & 0xfff8) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "-kernel %s: multiboot header asks for features 0x%x "
                    "this loader does not know", cfg->kernel,
                    flags & 0xfff8);
        return -1;
    }
    if (flags & MB_FLAG_VIDEO) {
        ks_log_mask(LOG_UNIMP, "multiboot: video mode request ignored\n");
    }
    if ((flags & MB_FLAG_AOUT_KLUDGE) && ofs + 32 > len) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-kernel %s: truncated multiboot header", cfg->kernel);
        return -1;
    }
    if (!((flags & MB_FLAG_AOUT_KLUDGE)
          ? mb_load_aout(&mb, cfg->kernel, kernel, len, hdr, ofs, errp)
          : mb_load_elf(&mb, cfg->kernel, kernel, len, errp))) {
        return -1;
    }
    if (mb.load_addr < MB_LOAD_MIN) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "-kernel %s: loads at 0x%x, below 1 MiB", cfg->kernel,
                    mb.load_addr);
        return -1;
    }
    if (!mb_build(&mb, cfg, below_4g, errp)) {
        return -1;
    }
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_ADDR, mb.load_addr);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_SIZE, blob->len);
    fw_cfg_add_bytes(fw, FW_CFG_KERNEL_DATA, blob->data, blob->len);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_ENTRY, mb.entry);
    fw_cfg_add_i32(fw, FW_CFG_INITRD_ADDR, MB_INFO_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_INITRD_SIZE, info->len);
    fw_cfg_add_bytes(fw, FW_CFG_INITRD_DATA, info->data, info->len);
    optionrom_publish(fw, "multiboot.bin", optionrom_multiboot,
                      optionrom_multiboot_size);
    return 1;
}
