/* SPDX-License-Identifier: MIT */
/*
 * The Bochs VBE ("DISPI") interface of the standard VGA and its PCI BAR 2.
 * DISPI: an index port (0x1CE) and a data port (0x1CF, and 0x1D0 as in
 * QEMU) reaching 16-bit registers: ID, resolution, depth, enable (with
 * GETCAPS, 8BIT_DAC, LFB_ENABLED, NOCLEARMEM), the bank of the 64 KiB
 * window at 0xA0000, the virtual width and the display start offsets.
 * BAR 2 (4 KiB MMIO): the VGA ports 0x3C0-0x3DF at 0x400 (a word writes
 * the index, then the data), the DISPI registers at 0x500 (register n at
 * 2n), QEMU's extended registers at 0x600 (region size, byte order).
 * vga.c maps both; the framebuffer itself is BAR 0 (VRAM).
 * Ref: OSDev "Bochs VBE Extensions"; QEMU docs/specs/standard-vga.rst.
 * Missing: the EDID blob at 0x000 (reads zero), a big-endian framebuffer.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "vga-int.h"

#define VGA_MMIO_PORTS          0x400   /* 0x3C0-0x3DF */
#define VGA_MMIO_DISPI          0x500   /* DISPI register n at 2 * n */
#define VGA_MMIO_QEXT           0x600
#define VGA_QEXT_SIZE           8
#define VGA_QEXT_LITTLE_ENDIAN  0x1e1e1e1eu

KS_TRACE_DEFINE(vbe);

void vbe_update(VgaState *s)
{
    uint16_t *r = s->vbe_regs;
    unsigned bpp = r[VBE_DISPI_INDEX_BPP] ? r[VBE_DISPI_INDEX_BPP] : 8;
    uint32_t width = MAX(r[VBE_DISPI_INDEX_VIRT_WIDTH],
                         r[VBE_DISPI_INDEX_XRES]);
    uint32_t line;

    line = bpp == 4 ? width / 2 : width * ((bpp + 7) / 8);
    r[VBE_DISPI_INDEX_VIRT_WIDTH] = width;
    r[VBE_DISPI_INDEX_VIRT_HEIGHT] = line ? MIN(s->vram_size / line, 0xffff)
                                          : 0;
    s->vbe_line_offset = line;
    s->vbe_start = (uint64_t)r[VBE_DISPI_INDEX_Y_OFFSET] * line +
                   (bpp == 4 ? r[VBE_DISPI_INDEX_X_OFFSET] / 2
                             : r[VBE_DISPI_INDEX_X_OFFSET] * ((bpp + 7) / 8));
}

static void vbe_enable(VgaState *s, uint16_t val)
{
    uint16_t *r = s->vbe_regs;
    bool was_on = vga_vbe_enabled(s);

    r[VBE_DISPI_INDEX_ENABLE] = val;
    if (!(val & VBE_DISPI_ENABLED) || was_on) {
        return;
    }
    if (!r[VBE_DISPI_INDEX_BPP]) {
        r[VBE_DISPI_INDEX_BPP] = 8;
    }
    r[VBE_DISPI_INDEX_VIRT_WIDTH] = r[VBE_DISPI_INDEX_XRES];
    r[VBE_DISPI_INDEX_X_OFFSET] = 0;
    r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
    r[VBE_DISPI_INDEX_BANK] = 0;
    vbe_update(s);
    if (!(val & VBE_DISPI_NOCLEARMEM)) {
        memset(s->vram, 0, MIN((uint64_t)s->vbe_line_offset *
                               r[VBE_DISPI_INDEX_YRES], s->vram_size));
    }
    /* Graphics mode, the 64 KiB window at 0xA0000 for the bank. */
    s->gr[VGA_GR_MISC] = (s->gr[VGA_GR_MISC] & ~0x0c) | 0x04 |
                         VGA_GR06_GRAPHICS;
    ks_trace(vbe, "VBE mode %ux%ux%u", r[VBE_DISPI_INDEX_XRES],
             r[VBE_DISPI_INDEX_YRES], r[VBE_DISPI_INDEX_BPP]);
}

uint16_t vbe_read(VgaState *s, unsigned index)
{
    bool caps = s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS;

    switch (index) {
    case VBE_DISPI_INDEX_XRES:
        return caps ? VBE_DISPI_MAX_XRES : s->vbe_regs[index];
    case VBE_DISPI_INDEX_YRES:
        return caps ? VBE_DISPI_MAX_YRES : s->vbe_regs[index];
    case VBE_DISPI_INDEX_BPP:
        return caps ? VBE_DISPI_MAX_BPP : s->vbe_regs[index];
    case VBE_DISPI_INDEX_ID:
    case VBE_DISPI_INDEX_ENABLE:
    case VBE_DISPI_INDEX_BANK:
    case VBE_DISPI_INDEX_VIRT_WIDTH:
    case VBE_DISPI_INDEX_VIRT_HEIGHT:
    case VBE_DISPI_INDEX_X_OFFSET:
    case VBE_DISPI_INDEX_Y_OFFSET:
        return s->vbe_regs[index];
    case VBE_DISPI_INDEX_VIDEO_MEMORY_64K:
        return s->vram_size >> 16;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "vga: read of VBE register 0x%x "
                    "(there are %u)\n", index, VBE_DISPI_INDEX_NB);
        return 0;
    }
}

void vbe_write(VgaState *s, unsigned index, uint16_t val)
{
    uint16_t *r = s->vbe_regs;
    uint32_t banks;

    ks_trace(vbe, "VBE register 0x%x = 0x%04x", index, val);
    switch (index) {
    case VBE_DISPI_INDEX_ID:
        if (val >= VBE_DISPI_ID0 && val <= VBE_DISPI_ID5) {
            r[index] = val;
        }
        break;
    case VBE_DISPI_INDEX_XRES:
    case VBE_DISPI_INDEX_YRES:
        if (!val || val > (index == VBE_DISPI_INDEX_XRES ? VBE_DISPI_MAX_XRES
                                                         : VBE_DISPI_MAX_YRES)) {
            ks_log_mask(LOG_GUEST_ERROR, "vga: VBE %s %u out of range\n",
                        index == VBE_DISPI_INDEX_XRES ? "XRES" : "YRES", val);
            break;
        }
        r[index] = val;
        vbe_update(s);
        break;
    case VBE_DISPI_INDEX_BPP:
        if (val && val != 4 && val != 8 && val != 15 && val != 16 &&
            val != 24 && val != 32) {
            ks_log_mask(LOG_GUEST_ERROR, "vga: VBE BPP %u unsupported\n",
                        val);
            break;
        }
        r[index] = val ? val : 8;
        vbe_update(s);
        break;
    case VBE_DISPI_INDEX_ENABLE:
        vbe_enable(s, val);
        break;
    case VBE_DISPI_INDEX_BANK:
        /* 64 KiB of VRAM per bank; 64 KiB per plane at 4 bpp. */
        banks = s->vram_size >> (r[VBE_DISPI_INDEX_BPP] == 4 ? 18 : 16);
        r[index] = val & (banks - 1);
        break;
    case VBE_DISPI_INDEX_VIRT_WIDTH:
    case VBE_DISPI_INDEX_X_OFFSET:
    case VBE_DISPI_INDEX_Y_OFFSET:
        r[index] = val;
        vbe_update(s);
        break;
    case VBE_DISPI_INDEX_VIRT_HEIGHT:   /* computed from VIRT_WIDTH */
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "vga: write 0x%04x to VBE register "
                    "0x%x (read-only or absent)\n", val, index);
        break;
    }
    vga_update_linear(s);
}

/* 0x1CE index, 0x1CF data, 0x1D0 data (QEMU's non-x86 data port). */
static uint64_t vbe_io_read(void *opaque, hwaddr addr, unsigned size)
{
    VgaState *s = opaque;

    return addr == 0 ? s->vbe_index : vbe_read(s, s->vbe_index);
}

static void vbe_io_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    VgaState *s = opaque;

    if (addr == 0) {
        s->vbe_index = val;
    } else {
        vbe_write(s, s->vbe_index, val);
    }
}

const MemRegionOps vbe_io_ops = {
    .read = vbe_io_read,
    .write = vbe_io_write,
    .min_access = 1,
    .max_access = 2,
};

/* ---- BAR 2 ---- */

static uint64_t vga_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    VgaState *s = opaque;
    uint64_t v = 0;

    if (addr >= VGA_MMIO_PORTS && addr + size <= VGA_MMIO_PORTS + 0x20) {
        for (unsigned i = 0; i < size; i++) {
            v |= (uint64_t)vga_port_read(s, 0x3c0 + addr - VGA_MMIO_PORTS +
                                         i) << (8 * i);
        }
    } else if (addr >= VGA_MMIO_DISPI &&
               addr < VGA_MMIO_DISPI + 2 * VBE_DISPI_INDEX_NB) {
        hwaddr off = addr - VGA_MMIO_DISPI;

        for (unsigned i = 0; i < size; i += 2) {
            v |= (uint64_t)vbe_read(s, (off + i) / 2) << (8 * i);
        }
        v >>= 8 * (off & 1);
    } else if (addr == VGA_MMIO_QEXT && size == 4) {
        v = VGA_QEXT_SIZE;
    } else if (addr == VGA_MMIO_QEXT + 4 && size == 4) {
        v = VGA_QEXT_LITTLE_ENDIAN;
    }
    return v & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1);
}

static void vga_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    VgaState *s = opaque;

    if (addr >= VGA_MMIO_PORTS && addr + size <= VGA_MMIO_PORTS + 0x20) {
        /* Little-endian order: the index byte before the data byte. */
        for (unsigned i = 0; i < size; i++) {
            vga_port_write(s, 0x3c0 + addr - VGA_MMIO_PORTS + i, val >> 8 * i);
        }
    } else if (addr >= VGA_MMIO_DISPI && !(addr & 1) && !(size & 1) &&
               addr + size <= VGA_MMIO_DISPI + 2 * VBE_DISPI_INDEX_NB) {
        for (unsigned i = 0; i < size; i += 2) {
            vbe_write(s, (addr - VGA_MMIO_DISPI + i) / 2, val >> 8 * i);
        }
    } else if (addr == VGA_MMIO_QEXT + 4 && size == 4) {
        if (val != VGA_QEXT_LITTLE_ENDIAN) {
            ks_log_mask(LOG_UNIMP, "vga: big-endian framebuffer\n");
        }
    } else {
        ks_log_mask(LOG_GUEST_ERROR, "vga: MMIO write 0x%" PRIx64 " to "
                    "0x%03" PRIx64 "/%u ignored\n", val, addr, size);
    }
}

const MemRegionOps vga_mmio_ops = {
    .read = vga_mmio_read,
    .write = vga_mmio_write,
    .min_access = 1,
    .max_access = 4,
};
