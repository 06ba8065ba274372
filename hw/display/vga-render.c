/* SPDX-License-Identifier: MIT */
/*
 * Turns the VGA state into a picture: XRGB8888 pixels for the UI and for
 * screendump (vga_render), and the text cells for a curses front-end
 * (vga_text_cells). Text modes use the font the guest loaded into plane 2,
 * 8- or 9-dot characters, the attribute controller's palette and the
 * cursor from the CRTC; graphics modes are CGA-compatible (04h-06h),
 * 16-colour planar (0Dh, 10h, 12h, VBE 4 bpp), 256-colour (13h, mode X)
 * and the Bochs VBE packed modes of 8, 15, 16, 24 and 32 bits per pixel.
 * Pixels are logical: mode 13h renders 320x200, 40-column text doubles
 * its characters as the half dot clock does.
 * Ref: FreeVGA "Attribute Controller Registers", "CRT Controller
 * Registers", "VGA Text Mode Operation"; OSDev "Bochs VBE Extensions".
 * Missing: blinking (characters always shown, blink bit picks the dim
 * background), split screen (line compare), pixel panning, preset row
 * scan, the overscan border.
 */
#include "kestrel/osdep.h"
#include "vga-int.h"

#define VGA_MAX_PIXELS          (16u << 20)     /* 64 MiB of XRGB */

typedef enum VgaRenderMode {
    VGA_RENDER_TEXT,
    VGA_RENDER_PLANAR,
    VGA_RENDER_CGA,
    VGA_RENDER_256,
    VGA_RENDER_VBE,
} VgaRenderMode;

static uint32_t vga_expand_dac(VgaState *s, uint8_t v)
{
    if (s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC) {
        return v;
    }
    return (v << 2) | (v >> 4);
}

static void vga_build_palette(VgaState *s, uint32_t *pal)
{
    for (int i = 0; i < 256; i++) {
        const uint8_t *c = &s->palette[(i & s->pel_mask) * 3];

        pal[i] = vga_expand_dac(s, c[0]) << 16 | vga_expand_dac(s, c[1]) << 8 |
                 vga_expand_dac(s, c[2]);
    }
}

/* A 4-bit pixel or text colour through the attribute controller. */
static uint8_t vga_attr_index(VgaState *s, uint8_t c)
{
    uint8_t v = s->ar[c & s->ar[VGA_AR_PLANE_ENABLE] & 0xf];
    uint8_t sel = s->ar[VGA_AR_COLOR_SELECT];

    if (s->ar[VGA_AR_MODE] & VGA_AR10_P54S) {
        v = (v & 0x0f) | ((sel & 3) << 4);
    }
    return (v & 0x3f) | ((sel & 0x0c) << 4);
}

static VgaRenderMode vga_mode(VgaState *s)
{
    if (vga_vbe_enabled(s)) {
        return s->vbe_regs[VBE_DISPI_INDEX_BPP] == 4 ? VGA_RENDER_PLANAR
                                                     : VGA_RENDER_VBE;
    }
    if (!(s->gr[VGA_GR_MISC] & VGA_GR06_GRAPHICS)) {
        return VGA_RENDER_TEXT;
    }
    if (s->gr[VGA_GR_MODE] & VGA_GR05_SHIFT_256) {
        return VGA_RENDER_256;
    }
    if ((s->gr[VGA_GR_MODE] & VGA_GR05_SHIFT_INTERLEAVE) ||
        !(s->crtc[VGA_CRTC_MODE] & VGA_CR17_NO_CGA_LINES)) {
        return VGA_RENDER_CGA;
    }
    return VGA_RENDER_PLANAR;
}

static int vga_display_lines(VgaState *s)
{
    const uint8_t *cr = s->crtc;

    return (cr[VGA_CRTC_V_DISP_END] | ((cr[VGA_CRTC_OVERFLOW] & 0x02) << 7) |
            ((cr[VGA_CRTC_OVERFLOW] & 0x40) << 3)) + 1;
}

/* Scan lines per pixel row in graphics modes. */
static int vga_line_repeat(VgaState *s)
{
    int n = s->crtc[VGA_CRTC_MODE] & VGA_CR17_NO_CGA_LINES ?
            (s->crtc[VGA_CRTC_MAX_SCAN] & 0x1f) + 1 : 1;

    return s->crtc[VGA_CRTC_MAX_SCAN] & VGA_CR09_DOUBLE_SCAN ? 2 * n : n;
}

static uint32_t vga_start_address(VgaState *s)
{
    return s->crtc[VGA_CRTC_START_HI] << 8 | s->crtc[VGA_CRTC_START_LO];
}

/* The text screen's geometry; false outside text modes. */
static bool vga_text_geometry(VgaState *s, int *cols, int *rows, int *ch)
{
    if (vga_mode(s) != VGA_RENDER_TEXT) {
        return false;
    }
    *ch = (s->crtc[VGA_CRTC_MAX_SCAN] & 0x1f) + 1;
    *cols = MIN(s->crtc[VGA_CRTC_H_DISP_END] + 1, VGA_TEXT_MAX_COLS);
    *rows = vga_display_lines(s) / *ch;
    if (s->crtc[VGA_CRTC_MAX_SCAN] & VGA_CR09_DOUBLE_SCAN) {
        *rows /= 2;
    }
    *rows = CLAMP(*rows, 1, VGA_TEXT_MAX_ROWS);
    return true;
}

/* Character and attribute of cell i (counted from the start address). */
static uint16_t vga_text_cell(VgaState *s, uint32_t addr)
{
    const uint8_t *p = s->vram + (addr & (VGA_PLANE_SIZE - 1)) * 4;

    return p[0] | p[1] << 8;
}

bool vga_text_cells(Device *vga, int *cols, int *rows, uint16_t *cells)
{
    VgaState *s = vga_from_device(vga);
    uint32_t start = vga_start_address(s);
    uint32_t pitch = s->crtc[VGA_CRTC_OFFSET] * 2;
    int ch;

    if (!vga_text_geometry(s, cols, rows, &ch)) {
        return false;
    }
    for (int r = 0; cells && r < *rows; r++) {
        for (int c = 0; c < *cols; c++) {
            cells[r * *cols + c] = vga_text_cell(s, start + r * pitch + c);
        }
    }
    return true;
}

bool vga_text_cursor(Device *vga, int *col, int *row)
{
    VgaState *s = vga_from_device(vga);
    uint32_t cursor = s->crtc[VGA_CRTC_CURSOR_HI] << 8 |
                      s->crtc[VGA_CRTC_CURSOR_LO];
    uint32_t pitch = s->crtc[VGA_CRTC_OFFSET] * 2;
    uint32_t start = vga_start_address(s);
    int cols, rows, ch;

    if (!vga_text_geometry(s, &cols, &rows, &ch) || !pitch
        || (s->crtc[VGA_CRTC_CURSOR_START] & VGA_CR0A_CURSOR_OFF)
        || cursor < start) {
        return false;
    }
    *row = (cursor - start) / pitch;
    *col = (cursor - start) % pitch;
    return *row < rows && *col < cols;
}

/* Plane 2 offset of the font a character with this attribute uses. */
static uint32_t vga_font_base(VgaState *s, uint8_t attr)
{
    uint8_t sel = s->seq[VGA_SEQ_CHAR_MAP];
    uint8_t map = attr & 0x08 ? ((sel >> 3) & 4) | ((sel >> 2) & 3)
                              : ((sel >> 2) & 4) | (sel & 3);

    return (map & 3) * 0x4000 + (map >> 2) * 0x2000;
}

static void vga_draw_text(VgaState *s, uint32_t *out, int stride,
                          const uint32_t *pal)
{
    int cols, rows, ch;
    int cw = s->seq[VGA_SEQ_CLOCK_MODE] & VGA_SR01_DOT8 ? 8 : 9;
    int xs = s->seq[VGA_SEQ_CLOCK_MODE] & VGA_SR01_HALF_CLOCK ? 2 : 1;
    uint32_t start = vga_start_address(s);
    uint32_t pitch = s->crtc[VGA_CRTC_OFFSET] * 2;
    uint32_t cursor = s->crtc[VGA_CRTC_CURSOR_HI] << 8 |
                      s->crtc[VGA_CRTC_CURSOR_LO];
    int cur_start = s->crtc[VGA_CRTC_CURSOR_START] & 0x1f;
    int cur_end = s->crtc[VGA_CRTC_CURSOR_END] & 0x1f;
    bool cur_on = !(s->crtc[VGA_CRTC_CURSOR_START] & VGA_CR0A_CURSOR_OFF);
    bool blink = s->ar[VGA_AR_MODE] & VGA_AR10_BLINK;
    bool lge = s->ar[VGA_AR_MODE] & VGA_AR10_LINE_GRAPHICS;

    vga_text_geometry(s, &cols, &rows, &ch);
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            uint32_t addr = start + r * pitch + c;
            uint16_t cell = vga_text_cell(s, addr);
            uint8_t chr = cell & 0xff, attr = cell >> 8;
            uint32_t fg = pal[vga_attr_index(s, attr & 0xf)];
            uint32_t bg = pal[vga_attr_index(s, blink ? (attr >> 4) & 7
                                                      : attr >> 4)];
            uint32_t font = vga_font_base(s, attr) + chr * 32;
            bool has_cursor = cur_on && addr == cursor;

            for (int l = 0; l < ch; l++) {
                uint8_t bits = s->vram[((font + l) & (VGA_PLANE_SIZE - 1)) *
                                       4 + 2];
                uint32_t *px = out + (r * ch + l) * stride + c * cw * xs;
                bool ninth = cw == 9 && lge && chr >= 0xc0 && chr <= 0xdf &&
                             (bits & 1);

                if (has_cursor && l >= cur_start && l <= cur_end) {
                    bits = 0xff;
                    ninth = true;
                }
                for (int x = 0; x < cw * xs; x++) {
                    int bit = x / xs;
                    bool on = bit < 8 ? (bits >> (7 - bit)) & 1 : ninth;

                    px[x] = on ? fg : bg;
                }
            }
        }
    }
}

/* 4 bpp planar: start and pitch in plane bytes, mask wraps addresses. */
static void vga_draw_planar(VgaState *s, uint32_t *out, int stride, int w,
                            int h, uint32_t start, uint32_t pitch,
                            uint32_t mask, const uint32_t *pal)
{
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint64_t off = (uint64_t)((start + y * pitch + x / 8) & mask) * 4;
            int bit = 7 - (x & 7);
            uint8_t c = 0;

            if (off + 4 > s->vram_size) {
                out[y * stride + x] = 0;
                continue;
            }
            for (int p = 0; p < 4; p++) {
                c |= ((s->vram[off + p] >> bit) & 1) << p;
            }
            out[y * stride + x] = pal[vga_attr_index(s, c)];
        }
    }
}

/*
 * CGA-compatible graphics (modes 04h-06h): row scan bit 0 replaces CPU
 * address bit 13 (odd lines 8 KiB up); 2 bits per pixel from the CPU's
 * odd/even bytes (shift interleave) or 1 bit per plane.
 */
static void vga_draw_cga(VgaState *s, uint32_t *out, int w, int h,
                         const uint32_t *pal)
{
    bool interleave = s->gr[VGA_GR_MODE] & VGA_GR05_SHIFT_INTERLEAVE;
    bool cga_lines = !(s->crtc[VGA_CRTC_MODE] & VGA_CR17_NO_CGA_LINES);
    int ms = (s->crtc[VGA_CRTC_MAX_SCAN] & 0x1f) + 1;
    uint32_t pitch = s->crtc[VGA_CRTC_OFFSET] * 2;

    for (int y = 0; y < h; y++) {
        int scan = cga_lines ? y % ms : 0;
        uint32_t base = vga_start_address(s) + (cga_lines ? y / ms : y) *
                        pitch;

        /* CPU addresses: odd/even packs two of them per plane offset. */
        base = interleave ? base * 2 : base;
        base = cga_lines ? (base & ~0x2000u) | (scan & 1) << 13 : base;
        for (int x = 0; x < w; x++) {
            uint32_t a = base + (interleave ? x / 4 : x / 8);
            uint8_t c = 0;

            if (interleave) {
                uint8_t b = s->vram[((a >> 1) & (VGA_PLANE_SIZE - 1)) * 4 +
                                    (a & 1)];

                c = (b >> (6 - 2 * (x & 3))) & 3;
            } else {
                for (int p = 0; p < 4; p++) {
                    c |= ((s->vram[(a & (VGA_PLANE_SIZE - 1)) * 4 + p] >>
                           (7 - (x & 7))) & 1) << p;
                }
            }
            out[y * w + x] = pal[vga_attr_index(s, c)];
        }
    }
}

/* Packed pixels: start and pitch in VRAM bytes. */
static void vga_draw_packed(VgaState *s, uint32_t *out, int stride, int w,
                            int h, uint64_t start, uint64_t pitch,
                            unsigned bpp, uint32_t mask, const uint32_t *pal)
{
    unsigned bytes = (bpp + 7) / 8;

    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint64_t off = (start + y * pitch + (uint64_t)x * bytes) & mask;
            const uint8_t *p = s->vram + off;
            uint32_t v;

            if (off + bytes > s->vram_size) {
                out[y * stride + x] = 0;
                continue;
            }
            switch (bpp) {
            case 8:
                v = pal[p[0]];
                break;
            case 15:
                v = p[0] | p[1] << 8;
                v = ((v >> 10) & 0x1f) * 255 / 31 << 16 |
                    ((v >> 5) & 0x1f) * 255 / 31 << 8 | (v & 0x1f) * 255 / 31;
                break;
            case 16:
                v = p[0] | p[1] << 8;
                v = (v >> 11) * 255 / 31 << 16 |
                    ((v >> 5) & 0x3f) * 255 / 63 << 8 | (v & 0x1f) * 255 / 31;
                break;
            default:                    /* 24 and 32: B, G, R (, X) */
                v = p[2] << 16 | p[1] << 8 | p[0];
                break;
            }
            out[y * stride + x] = v;
        }
    }
}

/* The picture's size in the current mode. */
static void vga_geometry(VgaState *s, VgaRenderMode mode, int *w, int *h)
{
    int cols, rows, ch;

    switch (mode) {
    case VGA_RENDER_TEXT:
        vga_text_geometry(s, &cols, &rows, &ch);
        *w = cols * (s->seq[VGA_SEQ_CLOCK_MODE] & VGA_SR01_DOT8 ? 8 : 9) *
             (s->seq[VGA_SEQ_CLOCK_MODE] & VGA_SR01_HALF_CLOCK ? 2 : 1);
        *h = rows * ch;
        break;
    case VGA_RENDER_PLANAR:
    case VGA_RENDER_CGA:
    case VGA_RENDER_VBE:
        if (vga_vbe_enabled(s)) {
            *w = s->vbe_regs[VBE_DISPI_INDEX_XRES];
            *h = MIN(s->vbe_regs[VBE_DISPI_INDEX_YRES],
                     s->vbe_regs[VBE_DISPI_INDEX_VIRT_HEIGHT]);
            break;
        }
        *w = (s->crtc[VGA_CRTC_H_DISP_END] + 1) * 8;
        *h = vga_display_lines(s) / vga_line_repeat(s);
        break;
    default:
        *w = (s->crtc[VGA_CRTC_H_DISP_END] + 1) * 4;
        *h = vga_display_lines(s) / vga_line_repeat(s);
        break;
    }
}

static void vga_draw(VgaState *s, VgaRenderMode mode, uint32_t *out, int w,
                     int h)
{
    uint32_t pal[256];
    uint32_t start = vga_start_address(s);

    vga_build_palette(s, pal);
    switch (mode) {
    case VGA_RENDER_TEXT:
        vga_draw_text(s, out, w, pal);
        break;
    case VGA_RENDER_PLANAR:
        if (vga_vbe_enabled(s)) {
            vga_draw_planar(s, out, w, w, h, s->vbe_start / 4,
                            s->vbe_line_offset / 4, UINT32_MAX, pal);
        } else {
            vga_draw_planar(s, out, w, w, h, start,
                            s->crtc[VGA_CRTC_OFFSET] * 2,
                            VGA_PLANE_SIZE - 1, pal);
        }
        break;
    case VGA_RENDER_CGA:
        vga_draw_cga(s, out, w, h, pal);
        break;
    case VGA_RENDER_256:
        vga_draw_packed(s, out, w, w, h, start * 4,
                        s->crtc[VGA_CRTC_OFFSET] * 8, 8,
                        4 * VGA_PLANE_SIZE - 1, pal);
        break;
    case VGA_RENDER_VBE:
        vga_draw_packed(s, out, w, w, h, s->vbe_start, s->vbe_line_offset,
                        s->vbe_regs[VBE_DISPI_INDEX_BPP], UINT32_MAX, pal);
        break;
    }
}

static bool vga_blanked(VgaState *s)
{
    return !(s->ar_index & VGA_AR_INDEX_PAS) ||
           (s->seq[VGA_SEQ_CLOCK_MODE] & VGA_SR01_SCREEN_OFF);
}

const VgaFramebuffer *vga_render(Device *vga)
{
    VgaState *s = vga_from_device(vga);
    VgaRenderMode mode = vga_mode(s);
    VgaFramebuffer *fb = &s->fb;
    int w, h;
    size_t n;
    uint32_t *tmp;

    vga_geometry(s, mode, &w, &h);
    /* A mode not programmed yet shows nothing; VRAM bounds the rest. */
    if (w <= 0 || h <= 0 || (uint64_t)w * h > VGA_MAX_PIXELS) {
        w = h = 0;
    }
    n = (size_t)w * h;
    if (n > s->fb_capacity) {
        g_free(fb->pixels);
        g_free(s->back);
        fb->pixels = g_try_new0(uint32_t, n);
        s->back = g_try_new0(uint32_t, n);
        if (!fb->pixels || !s->back) {
            g_clear_pointer(&fb->pixels, g_free);
            g_clear_pointer(&s->back, g_free);
            s->fb_capacity = 0;
            w = h = n = 0;
        } else {
            s->fb_capacity = n;
        }
    }
    if (n && vga_blanked(s)) {
        memset(s->back, 0, n * 4);
    } else if (n) {
        vga_draw(s, mode, s->back, w, h);
    }
    if (w != fb->width || h != fb->height ||
        (n && memcmp(s->back, fb->pixels, n * 4))) {
        tmp = fb->pixels;
        fb->pixels = s->back;
        s->back = tmp;
        fb->width = w;
        fb->height = h;
        fb->stride = w * 4;
        fb->generation++;
    }
    return fb;
}

void vga_render_free(VgaState *s)
{
    g_clear_pointer(&s->fb.pixels, g_free);
    g_clear_pointer(&s->back, g_free);
    s->fb_capacity = 0;
}
