/* SPDX-License-Identifier: MIT */
/*
 * The display interface between the machine and its front-ends (ui/):
 * SDL2 window, curses text console, VNC server, none. system/runstate.c
 * calls ui_init() once the board exists and ui_cleanup() on the way out.
 *
 * ui/console.c owns a main-loop timer that renders the primary VGA
 * (vga_render(), under the big lock) about 30 times a second and hands a
 * private copy of the picture to the front-end when its generation
 * changed; text front-ends get the text cells instead. Front-ends send
 * keys and mouse moves back through ui_key_event()/ui_mouse_event(),
 * which reach the PS/2 keyboard and mouse behind the 8042. Front-ends
 * run on the main thread and never take the big lock themselves.
 */
#ifndef KESTREL_UI_H
#define KESTREL_UI_H

#include "kestrel/osdep.h"
#include "kestrel/machine.h"

/* A copy of the guest picture, owned by ui/console.c. */
typedef struct UiSurface {
    int width;                          /* 0 when the display is off */
    int height;
    uint32_t *pixels;                   /* 0x00RRGGBB, width * height */
} UiSurface;

/* The text screen: char | attribute << 8 per cell; cursor -1 when off. */
typedef struct UiText {
    int cols;
    int rows;                           /* 0 in graphics modes */
    int cursor_col;
    int cursor_row;
    uint16_t *cells;
} UiText;

typedef struct DisplayOps {
    const char *name;                   /* as -display names it */
    /* set in a stand-in: the real ops are in this module (ui/module.c) */
    const char *module;
    bool wants_text;                    /* text cells instead of pixels */
    int refresh_ms;                     /* the console timer's period */
    /* arg: what follows "name=" or "name," in -display, or NULL. */
    bool (*init)(const char *arg, GError **errp);
    /* The picture changed (size too, maybe). */
    void (*update)(const UiSurface *surf);
    /* The text changed (wants_text front-ends only). */
    void (*update_text)(const UiText *text);
    /* Every refresh tick, after any update: poll input, redraw. */
    void (*refresh)(void);
    void (*title_changed)(void);        /* VM name or run state changed */
    void (*cleanup)(void);
} DisplayOps;

/* Start the front-end cfg->display asks for (the default: sdl when
 * $DISPLAY or $WAYLAND_DISPLAY is set, else none). */
bool ui_init(MachineConfig *cfg, GError **errp);
/* The ops of the front-end module kestrel-ui-NAME.so, loaded now. */
const DisplayOps *ui_module_load(const char *name, GError **errp);
void ui_cleanup(void);

/* Front-end helpers. */
const char *ui_vm_name(void);           /* -name, or NULL */
/* "NAME - Kestrel" or "Kestrel", plus " [paused]" when not running. */
char *ui_title(void);
const UiSurface *ui_surface(void);     /* the last picture handed out */
/* key: a ps2_key_from_name() code; negative codes are ignored. */
void ui_key_event(int key, bool down);
/* dx right, dy down, dz wheel, buttons PS2_BUTTON_* */
void ui_mouse_event(int dx, int dy, int dz, unsigned buttons);
/* The ACPI power button (QEMU's system_powerdown). */
void ui_power_button(void);

/* Key tables (ui/keymap.c): to ps2_key_from_name() codes, -1 unknown. */
int ui_key_from_sdl_scancode(int scancode);
int ui_key_from_keysym(uint32_t keysym);
/* A character typed on a terminal: its key and whether shift is held. */
int ui_key_from_char(int ch, bool *shift);

/* Code page 437 -> Unicode (ui/cp437.c). */
extern const uint16_t ui_cp437[256];

#endif /* KESTREL_UI_H */
