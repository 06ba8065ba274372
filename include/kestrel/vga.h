/* SPDX-License-Identifier: MIT */
/*
 * The standard VGA (PCI 1234:1111, device type "VGA", hw/display/vga.c)
 * as the UI, the monitor's screendump and tests see it: the picture as an
 * XRGB8888 framebuffer, the text-mode cells, and a screendump file.
 * Callers hold the big lock (the guest may change the mode under them).
 */
#ifndef KESTREL_VGA_H
#define KESTREL_VGA_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"

#define VGA_TYPE_NAME           "VGA"

typedef struct VgaFramebuffer {
    int width;                          /* 0 when the display is off */
    int height;
    int stride;                         /* bytes per line */
    uint32_t *pixels;                   /* 0x00RRGGBB, height * stride */
    /* Changes whenever the picture or its size changes, so a front-end
     * can skip redrawing an unchanged screen. */
    uint64_t generation;
} VgaFramebuffer;

/* The VGA that decodes the legacy ports (what the UI shows), or NULL. */
Device *vga_primary(void);

/* Render the current picture. The result stays valid until the next call
 * for this device or until the device is freed. */
const VgaFramebuffer *vga_render(Device *vga);

/*
 * Text mode cells as the CRTC shows them: char | attribute << 8, row by
 * row. Returns false (and sets nothing) in graphics modes; cells may be
 * NULL to ask for the size only, else it holds at least *cols * *rows
 * entries; the size is clamped to VGA_TEXT_MAX_COLS x VGA_TEXT_MAX_ROWS.
 */
#define VGA_TEXT_MAX_COLS       160
#define VGA_TEXT_MAX_ROWS       100
bool vga_text_cells(Device *vga, int *cols, int *rows, uint16_t *cells);
/* The text cursor's cell; false when off, hidden or in graphics modes. */
bool vga_text_cursor(Device *vga, int *col, int *row);

/* Write the current picture: PPM (P6) when filename ends in ".ppm",
 * PNG otherwise. */
bool vga_screendump(Device *vga, const char *filename, GError **errp);

#endif /* KESTREL_VGA_H */
