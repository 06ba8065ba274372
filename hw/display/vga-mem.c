/* SPDX-License-Identifier: MIT */
/*
 * The VGA memory window at 0xA0000-0xBFFFF: the graphics controller's
 * memory map select decides which part answers; CPU accesses go through
 * the latches, the four write modes (set/reset, rotate, logical function,
 * bit mask), the two read modes (colour compare), the sequencer map mask,
 * and odd/even or chain-4 addressing. With the Bochs VBE interface on, the
 * window shows the 64 KiB bank selected by VBE_DISPI_INDEX_BANK.
 * vga.c maps the region (vga_mem_ops) over RAM at 0xA0000.
 * Ref: FreeVGA "Graphics Controller Registers" (write/read modes, latches)
 * and "Sequencer Registers" (map mask, memory mode); OSDev "VGA Hardware".
 * Where the window is a plain linear view of VRAM (VBE packed modes;
 * chain-4 with all planes enabled and neutral write logic, i.e. mode 13h)
 * a RAM alias covers its first 64 KiB, so the CPU (and KVM) write VRAM
 * without a callback per byte; reads through it leave the latches alone.
 * Missing: the odd/even page select bit of the miscellaneous output
 * register (see vga-int.h for the compacted addressing).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "vga-int.h"

KS_TRACE_DEFINE(vga_mem);

/* Offset of addr inside the window the memory map select enables, or -1. */
static int64_t vga_window_offset(VgaState *s, hwaddr addr)
{
    switch ((s->gr[VGA_GR_MISC] >> 2) & 3) {
    case 0:                             /* A0000-BFFFF */
        return addr;
    case 1:                             /* A0000-AFFFF */
        return addr < 0x10000 ? (int64_t)addr : -1;
    case 2:                             /* B0000-B7FFF */
        return addr >= 0x10000 && addr < 0x18000 ? (int64_t)addr - 0x10000
                                                  : -1;
    default:                            /* B8000-BFFFF */
        return addr >= 0x18000 ? (int64_t)addr - 0x18000 : -1;
    }
}

/* The VBE bank: a VRAM offset in packed modes, a plane offset in 4 bpp
 * planar ones; 0 without VBE. */
static uint32_t vga_bank_offset(VgaState *s)
{
    if (!vga_vbe_enabled(s)) {
        return 0;
    }
    return (uint32_t)s->vbe_regs[VBE_DISPI_INDEX_BANK] << 16;
}

static bool vga_packed_vbe(VgaState *s)
{
    return vga_vbe_enabled(s) && s->vbe_regs[VBE_DISPI_INDEX_BPP] > 4;
}

/* VRAM offset of plane 0 at plane offset off, or -1 beyond VRAM. */
static int64_t vga_plane_base(VgaState *s, uint32_t off)
{
    uint64_t v;

    if (!vga_vbe_enabled(s)) {
        off &= VGA_PLANE_SIZE - 1;      /* 64 KiB per plane, wrapping */
    }
    v = (uint64_t)off * 4;
    return v + 4 <= s->vram_size ? (int64_t)v : -1;
}

static uint64_t vga_mem_read(void *opaque, hwaddr addr, unsigned size)
{
    VgaState *s = opaque;
    int64_t a = vga_window_offset(s, addr);
    int64_t base;
    uint32_t off;
    int plane;

    if (a < 0) {
        return 0xff;                    /* not decoded by the VGA */
    }
    if (vga_packed_vbe(s)) {
        uint64_t v = vga_bank_offset(s) * 1ull + (a & 0xffff);

        return v < s->vram_size ? s->vram[v] : 0xff;
    }
    if (s->seq[VGA_SEQ_MEMORY_MODE] & VGA_SR04_CHAIN4) {
        off = a >> 2;
        plane = a & 3;
    } else if (s->gr[VGA_GR_MODE] & VGA_GR05_HOST_OE) {
        off = a >> 1;
        plane = (s->gr[VGA_GR_READ_MAP] & 2) | (a & 1);
    } else {
        off = a;
        plane = s->gr[VGA_GR_READ_MAP] & 3;
    }
    base = vga_plane_base(s, off + vga_bank_offset(s));
    if (base < 0) {
        return 0xff;
    }
    memcpy(s->latch, s->vram + base, 4);
    if (s->gr[VGA_GR_MODE] & VGA_GR05_READ_MODE1) {
        uint8_t diff = 0;

        /* Colour compare: 1 where every cared-for plane matches. */
        for (int p = 0; p < 4; p++) {
            if (s->gr[VGA_GR_COLOR_DONT_CARE] & (1 << p)) {
                uint8_t want = (s->gr[VGA_GR_COLOR_COMPARE] >> p) & 1 ? 0xff
                                                                      : 0;
                diff |= s->latch[p] ^ want;
            }
        }
        return (uint8_t)~diff;
    }
    return s->latch[plane];
}

/* The byte for plane p after the write mode, function and bit mask. */
static uint8_t vga_alu(VgaState *s, uint8_t val, int p)
{
    uint8_t rot = s->gr[VGA_GR_DATA_ROTATE] & 7;
    uint8_t func = (s->gr[VGA_GR_DATA_ROTATE] >> 3) & 3;
    uint8_t sr = (s->gr[VGA_GR_SET_RESET] >> p) & 1 ? 0xff : 0;
    uint8_t mask = s->gr[VGA_GR_BIT_MASK];
    uint8_t rotated = (uint8_t)((val >> rot) | (val << (8 - rot)));
    uint8_t latch = s->latch[p];
    uint8_t v;

    switch (s->gr[VGA_GR_MODE] & 3) {
    case 0:
        v = (s->gr[VGA_GR_ENABLE_SET_RESET] >> p) & 1 ? sr : rotated;
        break;
    case 1:
        return latch;
    case 2:
        v = (val >> p) & 1 ? 0xff : 0;
        break;
    default:                            /* 3: data ANDs the bit mask */
        v = sr;
        mask &= rotated;
        break;
    }
    switch (func) {
    case 1:
        v &= latch;
        break;
    case 2:
        v |= latch;
        break;
    case 3:
        v ^= latch;
        break;
    default:
        break;
    }
    return (v & mask) | (latch & ~mask);
}

static void vga_mem_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    VgaState *s = opaque;
    int64_t a = vga_window_offset(s, addr);
    uint8_t planes = s->seq[VGA_SEQ_MAP_MASK] & 0xf;
    int64_t base;
    uint32_t off;

    if (a < 0) {
        return;
    }
    if (vga_packed_vbe(s)) {
        uint64_t v = vga_bank_offset(s) * 1ull + (a & 0xffff);

        if (v < s->vram_size) {
            s->vram[v] = val;
        }
        return;
    }
    if (s->seq[VGA_SEQ_MEMORY_MODE] & VGA_SR04_CHAIN4) {
        off = a >> 2;
        planes &= 1 << (a & 3);
    } else if (!(s->seq[VGA_SEQ_MEMORY_MODE] & VGA_SR04_OE_DISABLE)) {
        off = a >> 1;
        planes &= (a & 1) ? 0xa : 0x5;
    } else {
        off = a;
    }
    base = vga_plane_base(s, off + vga_bank_offset(s));
    if (base < 0) {
        return;
    }
    ks_trace(vga_mem, "write 0x%05" PRIx64 " = 0x%02x planes 0x%x",
             addr + VGA_WINDOW_BASE, (unsigned)(val & 0xff), planes);
    for (int p = 0; p < 4; p++) {
        if (planes & (1 << p)) {
            s->vram[base + p] = vga_alu(s, val, p);
        }
    }
}

/* The VRAM offset the window's first 64 KiB show linearly, or -1. */
static int64_t vga_linear_offset(VgaState *s)
{
    const uint8_t *gr = s->gr;
    uint8_t map = (gr[VGA_GR_MISC] >> 2) & 3;

    if (vga_packed_vbe(s)) {
        return vga_bank_offset(s);
    }
    if (!(s->seq[VGA_SEQ_MEMORY_MODE] & VGA_SR04_CHAIN4) || map > 1 ||
        (s->seq[VGA_SEQ_MAP_MASK] & 0xf) != 0xf ||
        (gr[VGA_GR_MODE] & (VGA_GR05_READ_MODE1 | 3)) ||
        (gr[VGA_GR_ENABLE_SET_RESET] & 0xf) || gr[VGA_GR_DATA_ROTATE] ||
        gr[VGA_GR_BIT_MASK] != 0xff) {
        return -1;
    }
    return 0;
}

void vga_update_linear(VgaState *s)
{
    int64_t off = vga_linear_offset(s);

    if (off + VGA_PLANE_SIZE > s->vram_size) {
        off = -1;
    }
    if (off == s->linear_offset) {
        return;
    }
    ks_trace(vga_mem, "linear window at VRAM 0x%" PRIx64, off);
    as_begin_update(&address_space_memory);
    if (off >= 0) {
        mr_set_alias_offset(&s->linear, off);
    }
    mr_set_enabled(&s->linear, off >= 0);
    as_commit(&address_space_memory);
    s->linear_offset = off;
}

const MemRegionOps vga_mem_ops = {
    .read = vga_mem_read,
    .write = vga_mem_write,
    .min_access = 1,
    .max_access = 1,
};
