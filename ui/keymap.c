/* SPDX-License-Identifier: MIT */
/*
 * Key tables for the front-ends: SDL scancodes (ui/sdl.c), X keysyms
 * (ui/vnc.c) and terminal characters (ui/curses.c) to the PS/2 key names
 * of hw/input/ps2.c (QEMU's sendkey names), whose ps2_key_from_name()
 * codes ui_key_event() takes. Keysyms and characters assume a US layout:
 * a shifted symbol maps to the key that types it.
 * Ref: SDL2 SDL_scancode.h (USB HID usage page 7); X11 keysymdef.h;
 * RFC 6143 section 7.5.4 (KeyEvent).
 * Missing: non-US layouts (QEMU's -k), keysyms of non-Latin-1 scripts.
 */
#include "kestrel/osdep.h"
#include <SDL_scancode.h>
#include "kestrel/ui.h"
#include "hw/input/ps2.h"

typedef struct UiKeyName {
    uint32_t code;
    const char *name;
} UiKeyName;

static const UiKeyName sdl_keys[] = {
    { SDL_SCANCODE_A, "a" }, { SDL_SCANCODE_B, "b" }, { SDL_SCANCODE_C, "c" },
    { SDL_SCANCODE_D, "d" }, { SDL_SCANCODE_E, "e" }, { SDL_SCANCODE_F, "f" },
    { SDL_SCANCODE_G, "g" }, { SDL_SCANCODE_H, "h" }, { SDL_SCANCODE_I, "i" },
    { SDL_SCANCODE_J, "j" }, { SDL_SCANCODE_K, "k" }, { SDL_SCANCODE_L, "l" },
    { SDL_SCANCODE_M, "m" }, { SDL_SCANCODE_N, "n" }, { SDL_SCANCODE_O, "o" },
    { SDL_SCANCODE_P, "p" }, { SDL_SCANCODE_Q, "q" }, { SDL_SCANCODE_R, "r" },
    { SDL_SCANCODE_S, "s" }, { SDL_SCANCODE_T, "t" }, { SDL_SCANCODE_U, "u" },
    { SDL_SCANCODE_V, "v" }, { SDL_SCANCODE_W, "w" }, { SDL_SCANCODE_X, "x" },
    { SDL_SCANCODE_Y, "y" }, { SDL_SCANCODE_Z, "z" },
    { SDL_SCANCODE_1, "1" }, { SDL_SCANCODE_2, "2" }, { SDL_SCANCODE_3, "3" },
    { SDL_SCANCODE_4, "4" }, { SDL_SCANCODE_5, "5" }, { SDL_SCANCODE_6, "6" },
    { SDL_SCANCODE_7, "7" }, { SDL_SCANCODE_8, "8" }, { SDL_SCANCODE_9, "9" },
    { SDL_SCANCODE_0, "0" },
    { SDL_SCANCODE_RETURN, "ret" }, { SDL_SCANCODE_ESCAPE, "esc" },
    { SDL_SCANCODE_BACKSPACE, "backspace" }, { SDL_SCANCODE_TAB, "tab" },
    { SDL_SCANCODE_SPACE, "spc" }, { SDL_SCANCODE_MINUS, "minus" },
    { SDL_SCANCODE_EQUALS, "equal" },
    { SDL_SCANCODE_LEFTBRACKET, "bracket_left" },
    { SDL_SCANCODE_RIGHTBRACKET, "bracket_right" },
    { SDL_SCANCODE_BACKSLASH, "backslash" },
    { SDL_SCANCODE_SEMICOLON, "semicolon" },
    { SDL_SCANCODE_APOSTROPHE, "apostrophe" },
    { SDL_SCANCODE_GRAVE, "grave_accent" }, { SDL_SCANCODE_COMMA, "comma" },
    { SDL_SCANCODE_PERIOD, "dot" }, { SDL_SCANCODE_SLASH, "slash" },
    { SDL_SCANCODE_CAPSLOCK, "caps_lock" },
    { SDL_SCANCODE_F1, "f1" }, { SDL_SCANCODE_F2, "f2" },
    { SDL_SCANCODE_F3, "f3" }, { SDL_SCANCODE_F4, "f4" },
    { SDL_SCANCODE_F5, "f5" }, { SDL_SCANCODE_F6, "f6" },
    { SDL_SCANCODE_F7, "f7" }, { SDL_SCANCODE_F8, "f8" },
    { SDL_SCANCODE_F9, "f9" }, { SDL_SCANCODE_F10, "f10" },
    { SDL_SCANCODE_F11, "f11" }, { SDL_SCANCODE_F12, "f12" },
    { SDL_SCANCODE_PRINTSCREEN, "print" },
    { SDL_SCANCODE_SCROLLLOCK, "scroll_lock" },
    { SDL_SCANCODE_PAUSE, "pause" }, { SDL_SCANCODE_INSERT, "insert" },
    { SDL_SCANCODE_HOME, "home" }, { SDL_SCANCODE_PAGEUP, "pgup" },
    { SDL_SCANCODE_DELETE, "delete" }, { SDL_SCANCODE_END, "end" },
    { SDL_SCANCODE_PAGEDOWN, "pgdn" }, { SDL_SCANCODE_RIGHT, "right" },
    { SDL_SCANCODE_LEFT, "left" }, { SDL_SCANCODE_DOWN, "down" },
    { SDL_SCANCODE_UP, "up" }, { SDL_SCANCODE_NUMLOCKCLEAR, "num_lock" },
    { SDL_SCANCODE_KP_DIVIDE, "kp_divide" },
    { SDL_SCANCODE_KP_MULTIPLY, "kp_multiply" },
    { SDL_SCANCODE_KP_MINUS, "kp_subtract" },
    { SDL_SCANCODE_KP_PLUS, "kp_add" }, { SDL_SCANCODE_KP_ENTER, "kp_enter" },
    { SDL_SCANCODE_KP_1, "kp_1" }, { SDL_SCANCODE_KP_2, "kp_2" },
    { SDL_SCANCODE_KP_3, "kp_3" }, { SDL_SCANCODE_KP_4, "kp_4" },
    { SDL_SCANCODE_KP_5, "kp_5" }, { SDL_SCANCODE_KP_6, "kp_6" },
    { SDL_SCANCODE_KP_7, "kp_7" }, { SDL_SCANCODE_KP_8, "kp_8" },
    { SDL_SCANCODE_KP_9, "kp_9" }, { SDL_SCANCODE_KP_0, "kp_0" },
    { SDL_SCANCODE_KP_PERIOD, "kp_decimal" },
    { SDL_SCANCODE_NONUSBACKSLASH, "less" },
    { SDL_SCANCODE_APPLICATION, "menu" },
    { SDL_SCANCODE_LCTRL, "ctrl" }, { SDL_SCANCODE_LSHIFT, "shift" },
    { SDL_SCANCODE_LALT, "alt" }, { SDL_SCANCODE_LGUI, "meta_l" },
    { SDL_SCANCODE_RCTRL, "ctrl_r" }, { SDL_SCANCODE_RSHIFT, "shift_r" },
    { SDL_SCANCODE_RALT, "alt_r" }, { SDL_SCANCODE_RGUI, "meta_r" },
};

/* X keysyms that are not printable Latin-1 (keysymdef.h, XK_*). */
static const UiKeyName x_keys[] = {
    { 0xff08, "backspace" }, { 0xff09, "tab" }, { 0xff0d, "ret" },
    { 0xff13, "pause" }, { 0xff14, "scroll_lock" }, { 0xff1b, "esc" },
    { 0xff50, "home" }, { 0xff51, "left" }, { 0xff52, "up" },
    { 0xff53, "right" }, { 0xff54, "down" }, { 0xff55, "pgup" },
    { 0xff56, "pgdn" }, { 0xff57, "end" }, { 0xff61, "print" },
    { 0xff63, "insert" }, { 0xff67, "menu" }, { 0xff7f, "num_lock" },
    { 0xff8d, "kp_enter" }, { 0xff95, "kp_7" }, { 0xff96, "kp_4" },
    { 0xff97, "kp_8" }, { 0xff98, "kp_6" }, { 0xff99, "kp_2" },
    { 0xff9a, "kp_9" }, { 0xff9b, "kp_3" }, { 0xff9c, "kp_1" },
    { 0xff9d, "kp_5" }, { 0xff9e, "kp_0" }, { 0xff9f, "kp_decimal" },
    { 0xffaa, "kp_multiply" }, { 0xffab, "kp_add" },
    { 0xffad, "kp_subtract" }, { 0xffae, "kp_decimal" },
    { 0xffaf, "kp_divide" }, { 0xffb0, "kp_0" }, { 0xffb1, "kp_1" },
    { 0xffb2, "kp_2" }, { 0xffb3, "kp_3" }, { 0xffb4, "kp_4" },
    { 0xffb5, "kp_5" }, { 0xffb6, "kp_6" }, { 0xffb7, "kp_7" },
    { 0xffb8, "kp_8" }, { 0xffb9, "kp_9" },
    { 0xffbe, "f1" }, { 0xffbf, "f2" }, { 0xffc0, "f3" }, { 0xffc1, "f4" },
    { 0xffc2, "f5" }, { 0xffc3, "f6" }, { 0xffc4, "f7" }, { 0xffc5, "f8" },
    { 0xffc6, "f9" }, { 0xffc7, "f10" }, { 0xffc8, "f11" },
    { 0xffc9, "f12" }, { 0xffe1, "shift" }, { 0xffe2, "shift_r" },
    { 0xffe3, "ctrl" }, { 0xffe4, "ctrl_r" }, { 0xffe5, "caps_lock" },
    { 0xffe7, "meta_l" }, { 0xffe8, "meta_r" }, { 0xffe9, "alt" },
    { 0xffea, "alt_r" }, { 0xffeb, "meta_l" }, { 0xffec, "meta_r" },
    { 0xfe03, "alt_r" }, { 0xffff, "delete" },
};

/* US layout, ASCII 0x20-0x7E: the key, and '+' when shift types it. */
static const char *const ascii_keys[95][2] = {
    { "spc", "" }, { "1", "+" }, { "apostrophe", "+" }, { "3", "+" },
    { "4", "+" }, { "5", "+" }, { "7", "+" }, { "apostrophe", "" },
    { "9", "+" }, { "0", "+" }, { "8", "+" }, { "equal", "+" },
    { "comma", "" }, { "minus", "" }, { "dot", "" }, { "slash", "" },
    { "0", "" }, { "1", "" }, { "2", "" }, { "3", "" }, { "4", "" },
    { "5", "" }, { "6", "" }, { "7", "" }, { "8", "" }, { "9", "" },
    { "semicolon", "+" }, { "semicolon", "" }, { "comma", "+" },
    { "equal", "" }, { "dot", "+" }, { "slash", "+" }, { "2", "+" },
    { "a", "+" }, { "b", "+" }, { "c", "+" }, { "d", "+" }, { "e", "+" },
    { "f", "+" }, { "g", "+" }, { "h", "+" }, { "i", "+" }, { "j", "+" },
    { "k", "+" }, { "l", "+" }, { "m", "+" }, { "n", "+" }, { "o", "+" },
    { "p", "+" }, { "q", "+" }, { "r", "+" }, { "s", "+" }, { "t", "+" },
    { "u", "+" }, { "v", "+" }, { "w", "+" }, { "x", "+" }, { "y", "+" },
    { "z", "+" }, { "bracket_left", "" }, { "backslash", "" },
    { "bracket_right", "" }, { "6", "+" }, { "minus", "+" },
    { "grave_accent", "" },
    { "a", "" }, { "b", "" }, { "c", "" }, { "d", "" }, { "e", "" },
    { "f", "" }, { "g", "" }, { "h", "" }, { "i", "" }, { "j", "" },
    { "k", "" }, { "l", "" }, { "m", "" }, { "n", "" }, { "o", "" },
    { "p", "" }, { "q", "" }, { "r", "" }, { "s", "" }, { "t", "" },
    { "u", "" }, { "v", "" }, { "w", "" }, { "x", "" }, { "y", "" },
    { "z", "" }, { "bracket_left", "+" }, { "backslash", "+" },
    { "bracket_right", "+" }, { "grave_accent", "+" },
};

static int ui_key_lookup(const UiKeyName *tab, size_t n, uint32_t code)
{
    for (size_t i = 0; i < n; i++) {
        if (tab[i].code == code) {
            return ps2_key_from_name(tab[i].name);
        }
    }
    return -1;
}

int ui_key_from_sdl_scancode(int scancode)
{
    return ui_key_lookup(sdl_keys, G_N_ELEMENTS(sdl_keys), scancode);
}

int ui_key_from_char(int ch, bool *shift)
{
    *shift = false;
    if (ch < 0x20 || ch > 0x7e) {
        return -1;
    }
    *shift = ascii_keys[ch - 0x20][1][0] == '+';
    return ps2_key_from_name(ascii_keys[ch - 0x20][0]);
}

int ui_key_from_keysym(uint32_t keysym)
{
    bool shift;

    if (keysym >= 0x20 && keysym <= 0x7e) {
        return ui_key_from_char(keysym, &shift);
    }
    return ui_key_lookup(x_keys, G_N_ELEMENTS(x_keys), keysym);
}
