/* SPDX-License-Identifier: MIT */
/*
 * -display sdl: the guest picture in an SDL2 window. The window takes the
 * guest mode's size and scales the picture when the user resizes it;
 * a click grabs keyboard and mouse (relative motion to the PS/2 mouse),
 * Ctrl-Alt-G releases the grab, Ctrl-Alt-F toggles full screen. Keys go
 * to the 8042 by scancode (ui/keymap.c). The close button presses the
 * ACPI power button, as QEMU's system_powerdown; a second close while the
 * guest ignores it quits. SDL events are polled on the main thread from
 * the display core's refresh timer (ui/console.c).
 * Ref: SDL2 wiki (SDL_CreateWindow, SDL_UpdateTexture, SDL_PollEvent,
 * SDL_SetRelativeMouseMode).
 * Missing: OpenGL output, absolute pointer (no USB tablet yet), clipboard.
 */
#include "kestrel/osdep.h"
#include <SDL.h>
#include "kestrel/ui.h"
#include "hw/input/ps2.h"

#define SDL_REFRESH_MS          16
#define SDL_OFF_WIDTH           640     /* window size when the VGA is off */
#define SDL_OFF_HEIGHT          480

typedef struct SdlState {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    int width, height;                  /* the texture's, the guest's */
    bool grabbed;
    bool full_screen;
    bool closing;                       /* the power button was pressed */
    bool redraw;                        /* exposed or resized */
    unsigned buttons;                   /* PS2_BUTTON_* held */
    int key_ctrl, key_alt;              /* ps2 codes of the hotkey modifiers */
} SdlState;

static SdlState sdl;

static void sdl_set_title(void)
{
    g_autofree char *title = ui_title();
    g_autofree char *full = sdl.grabbed
        ? g_strdup_printf("%s - Press Ctrl-Alt-G to exit grab", title)
        : g_strdup(title);

    SDL_SetWindowTitle(sdl.win, full);
}

/*
 * SDL falls back to drivers that draw nowhere when there is no window
 * system; only accept them when the user asked for one (SDL_VIDEODRIVER).
 */
static bool sdl_driver_shows_windows(void)
{
    static const char *const invisible[] = { "offscreen", "dummy",
                                             "evdev" };
    const char *driver = SDL_GetCurrentVideoDriver();

    if (g_getenv("SDL_VIDEODRIVER")) {
        return true;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(invisible); i++) {
        if (driver && !strcmp(driver, invisible[i])) {
            return false;
        }
    }
    return true;
}

static bool sdl_init(const char *arg, GError **errp)
{
    if (arg) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display sdl takes no options ('%s')", arg);
        return false;
    }
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
    /* the click that focuses the window also grabs */
    SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
    if (SDL_Init(SDL_INIT_VIDEO) < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display sdl: cannot initialize SDL: %s",
                    SDL_GetError());
        return false;
    }
    if (!sdl_driver_shows_windows()) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display sdl: no window system (SDL video driver '%s'; "
                    "is DISPLAY or WAYLAND_DISPLAY set?)",
                    SDL_GetCurrentVideoDriver());
        SDL_Quit();
        return false;
    }
    sdl.win = SDL_CreateWindow("Kestrel", SDL_WINDOWPOS_UNDEFINED,
                               SDL_WINDOWPOS_UNDEFINED, SDL_OFF_WIDTH,
                               SDL_OFF_HEIGHT, SDL_WINDOW_RESIZABLE);
    if (sdl.win) {
        sdl.ren = SDL_CreateRenderer(sdl.win, -1, 0);
    }
    if (!sdl.ren) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display sdl: cannot open a window: %s", SDL_GetError());
        if (sdl.win) {
            SDL_DestroyWindow(sdl.win);
        }
        SDL_Quit();
        return false;
    }
    sdl.key_ctrl = ps2_key_from_name("ctrl");
    sdl.key_alt = ps2_key_from_name("alt");
    sdl_set_title();
    SDL_SetRenderDrawColor(sdl.ren, 0, 0, 0, 255);
    sdl.redraw = true;
    return true;
}

/* The texture scaled to the window (letterboxed by the logical size). */
static void sdl_present(void)
{
    SDL_RenderClear(sdl.ren);
    if (sdl.tex) {
        SDL_RenderCopy(sdl.ren, sdl.tex, NULL, NULL);
    }
    SDL_RenderPresent(sdl.ren);
    sdl.redraw = false;
}

static void sdl_update(const UiSurface *surf)
{
    if (surf->width != sdl.width || surf->height != sdl.height) {
        if (sdl.tex) {
            SDL_DestroyTexture(sdl.tex);
            sdl.tex = NULL;
        }
        sdl.width = surf->width;
        sdl.height = surf->height;
        if (sdl.width > 0 && sdl.height > 0) {
            sdl.tex = SDL_CreateTexture(sdl.ren, SDL_PIXELFORMAT_RGB888,
                                        SDL_TEXTUREACCESS_STREAMING,
                                        sdl.width, sdl.height);
            /* scale to the window, keeping the guest's aspect ratio */
            SDL_RenderSetLogicalSize(sdl.ren, sdl.width, sdl.height);
        }
        if (!sdl.full_screen) {
            SDL_SetWindowSize(sdl.win,
                              sdl.width > 0 ? sdl.width : SDL_OFF_WIDTH,
                              sdl.height > 0 ? sdl.height : SDL_OFF_HEIGHT);
        }
    }
    if (sdl.tex) {
        SDL_UpdateTexture(sdl.tex, NULL, surf->pixels,
                          surf->width * sizeof(uint32_t));
    }
    sdl_present();
}

static void sdl_grab(bool on)
{
    sdl.grabbed = on;
    SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
    SDL_SetWindowGrab(sdl.win, on ? SDL_TRUE : SDL_FALSE);
    sdl_set_title();
}

/* Ctrl-Alt-KEY: true when the key was a hotkey (not for the guest). */
static bool sdl_hotkey(const SDL_KeyboardEvent *ev)
{
    SDL_Keymod mod = SDL_GetModState();

    if (!(mod & KMOD_CTRL) || !(mod & KMOD_ALT)) {
        return false;
    }
    switch (ev->keysym.scancode) {
    case SDL_SCANCODE_G:
        if (ev->type == SDL_KEYDOWN) {
            sdl_grab(!sdl.grabbed);
        }
        break;
    case SDL_SCANCODE_F:
        if (ev->type == SDL_KEYDOWN) {
            sdl.full_screen = !sdl.full_screen;
            SDL_SetWindowFullscreen(sdl.win, sdl.full_screen
                                    ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        }
        break;
    default:
        return false;
    }
    /* the guest saw Ctrl and Alt go down: let them go up */
    ui_key_event(sdl.key_ctrl, false);
    ui_key_event(sdl.key_alt, false);
    return true;
}

static unsigned sdl_button_bit(uint8_t button)
{
    static const unsigned bits[] = {
        [SDL_BUTTON_LEFT] = PS2_BUTTON_LEFT,
        [SDL_BUTTON_MIDDLE] = PS2_BUTTON_MIDDLE,
        [SDL_BUTTON_RIGHT] = PS2_BUTTON_RIGHT,
    };

    return button < G_N_ELEMENTS(bits) ? bits[button] : 0;
}

static void sdl_close(void)
{
    if (sdl.closing) {
        machine_request_shutdown(SHUTDOWN_QUIT);
        return;
    }
    sdl.closing = true;
    ui_power_button();
}

static void sdl_event(const SDL_Event *ev)
{
    switch (ev->type) {
    case SDL_QUIT:
        sdl_close();
        break;
    case SDL_KEYDOWN:
    case SDL_KEYUP:
        if (!sdl_hotkey(&ev->key)) {
            ui_key_event(ui_key_from_sdl_scancode(ev->key.keysym.scancode),
                         ev->type == SDL_KEYDOWN);
        }
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (!sdl.grabbed) {
            sdl_grab(true);
            break;
        }
        sdl.buttons |= sdl_button_bit(ev->button.button);
        ui_mouse_event(0, 0, 0, sdl.buttons);
        break;
    case SDL_MOUSEBUTTONUP:
        sdl.buttons &= ~sdl_button_bit(ev->button.button);
        if (sdl.grabbed) {
            ui_mouse_event(0, 0, 0, sdl.buttons);
        }
        break;
    case SDL_MOUSEMOTION:
        if (sdl.grabbed) {
            ui_mouse_event(ev->motion.xrel, ev->motion.yrel, 0, sdl.buttons);
        }
        break;
    case SDL_MOUSEWHEEL:
        if (sdl.grabbed) {
            ui_mouse_event(0, 0, -ev->wheel.y, sdl.buttons);
        }
        break;
    case SDL_WINDOWEVENT:
        if (ev->window.event == SDL_WINDOWEVENT_FOCUS_LOST && sdl.grabbed) {
            sdl_grab(false);
        }
        if (ev->window.event == SDL_WINDOWEVENT_EXPOSED
            || ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
            sdl.redraw = true;
        }
        break;
    default:
        break;
    }
}

static void sdl_refresh(void)
{
    SDL_Event ev;

    while (SDL_PollEvent(&ev)) {
        sdl_event(&ev);
    }
    if (sdl.redraw) {
        sdl_present();
    }
}

static void sdl_cleanup(void)
{
    if (sdl.tex) {
        SDL_DestroyTexture(sdl.tex);
    }
    SDL_DestroyRenderer(sdl.ren);
    SDL_DestroyWindow(sdl.win);
    SDL_Quit();
    memset(&sdl, 0, sizeof(sdl));
}

const DisplayOps sdl_display_ops = {
    .name = "sdl",
    .refresh_ms = SDL_REFRESH_MS,
    .init = sdl_init,
    .update = sdl_update,
    .refresh = sdl_refresh,
    .title_changed = sdl_set_title,
    .cleanup = sdl_cleanup,
};
