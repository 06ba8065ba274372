/* SPDX-License-Identifier: MIT */
/*
 * The standard VGA's state, shared by the register file (vga.c), the
 * memory window (vga-mem.c), the renderer (vga-render.c) and the
 * screendump writer (vga-dump.c). Nothing outside hw/display/ includes it.
 *
 * Video memory layout: plane p's byte at plane offset n sits at VRAM
 * offset 4 * n + p, so that chain-4 (mode 13h) and the Bochs VBE linear
 * framebuffer see VRAM as one linear array. Odd/even and chain-4 CPU
 * addresses are compacted (A >> 1, A >> 2) rather than leaving the gaps
 * real hardware leaves; the CRTC byte/word/doubleword modes are therefore
 * implied, and a line is always CRTC offset * 8 bytes of VRAM.
 */
#ifndef KESTREL_HW_DISPLAY_VGA_INT_H
#define KESTREL_HW_DISPLAY_VGA_INT_H

#include "kestrel/osdep.h"
#include "kestrel/pci.h"
#include "kestrel/vga.h"

/* Register counts (FreeVGA "VGA Registers") */
#define VGA_SEQ_COUNT           5
#define VGA_GR_COUNT            9
#define VGA_CRTC_COUNT          0x19
#define VGA_AR_COUNT            0x15

/* Sequencer */
#define VGA_SEQ_RESET           0x00
#define VGA_SEQ_CLOCK_MODE      0x01
#define VGA_SEQ_MAP_MASK        0x02
#define VGA_SEQ_CHAR_MAP        0x03
#define VGA_SEQ_MEMORY_MODE     0x04
#define VGA_SR01_DOT8           0x01    /* 8-dot characters (else 9) */
#define VGA_SR01_HALF_CLOCK     0x08    /* pixels twice as wide */
#define VGA_SR01_SCREEN_OFF     0x20
#define VGA_SR04_OE_DISABLE     0x04    /* odd/even off for CPU writes */
#define VGA_SR04_CHAIN4         0x08

/* Graphics controller */
#define VGA_GR_SET_RESET        0x00
#define VGA_GR_ENABLE_SET_RESET 0x01
#define VGA_GR_COLOR_COMPARE    0x02
#define VGA_GR_DATA_ROTATE      0x03
#define VGA_GR_READ_MAP         0x04
#define VGA_GR_MODE             0x05
#define VGA_GR_MISC             0x06
#define VGA_GR_COLOR_DONT_CARE  0x07
#define VGA_GR_BIT_MASK         0x08
#define VGA_GR05_READ_MODE1     0x08
#define VGA_GR05_HOST_OE        0x10    /* odd/even for CPU reads */
#define VGA_GR05_SHIFT_INTERLEAVE 0x20  /* CGA 4-colour modes */
#define VGA_GR05_SHIFT_256      0x40
#define VGA_GR06_GRAPHICS       0x01

/* CRT controller */
#define VGA_CRTC_H_DISP_END     0x01
#define VGA_CRTC_OVERFLOW       0x07
#define VGA_CRTC_MAX_SCAN       0x09
#define VGA_CRTC_CURSOR_START   0x0a
#define VGA_CRTC_CURSOR_END     0x0b
#define VGA_CRTC_START_HI       0x0c
#define VGA_CRTC_START_LO       0x0d
#define VGA_CRTC_CURSOR_HI      0x0e
#define VGA_CRTC_CURSOR_LO      0x0f
#define VGA_CRTC_V_RETRACE_END  0x11
#define VGA_CRTC_V_DISP_END     0x12
#define VGA_CRTC_OFFSET         0x13
#define VGA_CRTC_MODE           0x17
#define VGA_CR09_DOUBLE_SCAN    0x80
#define VGA_CR0A_CURSOR_OFF     0x20
#define VGA_CR11_PROTECT        0x80    /* registers 0-7 read-only */
#define VGA_CR17_NO_CGA_LINES   0x01    /* clear: scan bit 0 -> address 13 */
#define VGA_CR07_LINE_COMPARE8  0x10    /* the one bit PROTECT spares */

/* Attribute controller */
#define VGA_AR_MODE             0x10
#define VGA_AR_OVERSCAN         0x11
#define VGA_AR_PLANE_ENABLE     0x12
#define VGA_AR_PANNING          0x13
#define VGA_AR_COLOR_SELECT     0x14
#define VGA_AR_INDEX_PAS        0x20    /* palette address source: on */
#define VGA_AR10_LINE_GRAPHICS  0x04    /* 9th column copies 0xC0-0xDF */
#define VGA_AR10_BLINK          0x08
#define VGA_AR10_8BIT           0x40
#define VGA_AR10_P54S           0x80

#define VGA_MISC_COLOR          0x01    /* CRTC at 0x3D4, status 0x3DA */

/* Input status 1 */
#define VGA_ST1_DISP_DISABLED   0x01
#define VGA_ST1_V_RETRACE       0x08

/* Bochs VBE (DISPI) registers, ports 0x1CE/0x1CF */
#define VBE_DISPI_INDEX_ID              0x0
#define VBE_DISPI_INDEX_XRES            0x1
#define VBE_DISPI_INDEX_YRES            0x2
#define VBE_DISPI_INDEX_BPP             0x3
#define VBE_DISPI_INDEX_ENABLE          0x4
#define VBE_DISPI_INDEX_BANK            0x5
#define VBE_DISPI_INDEX_VIRT_WIDTH      0x6
#define VBE_DISPI_INDEX_VIRT_HEIGHT     0x7
#define VBE_DISPI_INDEX_X_OFFSET        0x8
#define VBE_DISPI_INDEX_Y_OFFSET        0x9
#define VBE_DISPI_INDEX_VIDEO_MEMORY_64K 0xa
#define VBE_DISPI_INDEX_NB              0xb

#define VBE_DISPI_ID0                   0xb0c0
#define VBE_DISPI_ID5                   0xb0c5
#define VBE_DISPI_ENABLED               0x01
#define VBE_DISPI_GETCAPS               0x02
#define VBE_DISPI_8BIT_DAC              0x20
#define VBE_DISPI_LFB_ENABLED           0x40
#define VBE_DISPI_NOCLEARMEM            0x80
#define VBE_DISPI_MAX_XRES              16000
#define VBE_DISPI_MAX_YRES              12000
#define VBE_DISPI_MAX_BPP               32

#define VGA_MMIO_SIZE           0x1000  /* BAR 2 */

#define VGA_WINDOW_BASE         0xa0000
#define VGA_WINDOW_SIZE         0x20000
#define VGA_PLANE_SIZE          0x10000 /* per plane without VBE */

typedef struct VgaState {
    PciDevice pci;                      /* first */
    uint32_t vgamem_mb;                 /* property */

    uint8_t *vram;                      /* vram_mr's host memory */
    uint32_t vram_size;
    MemRegion vram_mr;                  /* BAR 0: the linear framebuffer */
    MemRegion lowmem;                   /* 0xA0000-0xBFFFF */
    MemRegion io_color;                 /* 0x3C0-0x3DF */
    MemRegion io_mono;                  /* 0x3B4-0x3BA */
    MemRegion dispi_io;                 /* 0x1CE-0x1D0 */
    MemRegion mmio;                     /* BAR 2 */
    MemRegion linear;                   /* VRAM alias over lowmem */
    int64_t linear_offset;              /* its VRAM offset; -1 when off */

    /* VGA registers */
    uint8_t misc;
    uint8_t feature;
    uint8_t seq_index;
    uint8_t seq[VGA_SEQ_COUNT];
    uint8_t gr_index;
    uint8_t gr[VGA_GR_COUNT];
    uint8_t crtc_index;
    uint8_t crtc[VGA_CRTC_COUNT];
    uint8_t ar_index;                   /* with VGA_AR_INDEX_PAS */
    bool ar_flip_flop;                  /* true: 0x3C0 takes data next */
    uint8_t ar[VGA_AR_COUNT];
    uint8_t pel_mask;
    uint8_t dac_state;                  /* 0: writing, 3: reading */
    uint8_t dac_read_index;
    uint8_t dac_write_index;
    uint8_t dac_sub_index;              /* 0..2: red, green, blue */
    uint8_t dac_cache[3];
    uint8_t palette[256 * 3];
    uint8_t latch[4];

    /* Bochs VBE */
    uint16_t vbe_index;
    uint16_t vbe_regs[VBE_DISPI_INDEX_NB];
    uint32_t vbe_line_offset;           /* bytes per line */
    uint64_t vbe_start;                 /* VRAM offset of the top left */

    /* renderer output */
    VgaFramebuffer fb;
    uint32_t *back;                     /* the frame being drawn */
    size_t fb_capacity;                 /* pixels in fb.pixels and back */
} VgaState;

static inline bool vga_vbe_enabled(const VgaState *s)
{
    return s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED;
}

static inline VgaState *vga_from_device(Device *dev)
{
    return container_of(dev, VgaState, pci.dev);
}

/* vga.c: the VGA ports (0x3B4-0x3DF), also reached through BAR 2 */
uint8_t vga_port_read(VgaState *s, uint16_t port);
void vga_port_write(VgaState *s, uint16_t port, uint8_t val);

/* vga-mem.c: the legacy window and its VBE bank */
extern const MemRegionOps vga_mem_ops;
/* Map VRAM straight under the CPU at 0xA0000 (no callbacks) while the
 * window is a plain linear view of it; call after any change to the
 * sequencer, graphics controller or VBE state. */
void vga_update_linear(VgaState *s);

/* vga-vbe.c: DISPI ports and BAR 2 */
extern const MemRegionOps vbe_io_ops;
extern const MemRegionOps vga_mmio_ops;
uint16_t vbe_read(VgaState *s, unsigned index);
void vbe_write(VgaState *s, unsigned index, uint16_t val);
/* Recompute the line offset, virtual height and display start. */
void vbe_update(VgaState *s);

/* vga-render.c */
void vga_render_free(VgaState *s);

#endif /* KESTREL_HW_DISPLAY_VGA_INT_H */
