/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the display front-ends' tables (ui/keymap.c, ui/cp437.c):
 * terminal characters, X keysyms and SDL scancodes to PS/2 key names, and
 * code page 437 to Unicode. The front-ends themselves are tested end to
 * end in tests/functional/test-display-*.py.
 */
#include "kestrel/osdep.h"
#include <SDL_scancode.h>
#include "kestrel/ui.h"
#include "hw/input/ps2.h"

static void check_char(int ch, const char *name, bool shift)
{
    bool got_shift = !shift;
    int key = ui_key_from_char(ch, &got_shift);

    g_assert_cmpint(key, ==, ps2_key_from_name(name));
    g_assert_cmpint(got_shift, ==, shift);
}

static void test_chars(void)
{
    bool shift;

    for (int ch = 0x20; ch <= 0x7e; ch++) {
        g_assert_cmpint(ui_key_from_char(ch, &shift), >=, 0);
    }
    check_char('a', "a", false);
    check_char('A', "a", true);
    check_char('z', "z", false);
    check_char('0', "0", false);
    check_char('!', "1", true);
    check_char('@', "2", true);
    check_char(')', "0", true);
    check_char(' ', "spc", false);
    check_char('~', "grave_accent", true);
    check_char('`', "grave_accent", false);
    check_char('|', "backslash", true);
    check_char('"', "apostrophe", true);
    check_char('?', "slash", true);
    check_char('{', "bracket_left", true);
    check_char('_', "minus", true);
    check_char('+', "equal", true);
    check_char(':', "semicolon", true);
    check_char('<', "comma", true);
    check_char('>', "dot", true);
    g_assert_cmpint(ui_key_from_char('\x7f', &shift), ==, -1);
    g_assert_cmpint(ui_key_from_char(0xe9, &shift), ==, -1);
}

static void test_keysyms(void)
{
    static const struct {
        uint32_t keysym;
        const char *name;
    } cases[] = {
        { 'a', "a" }, { 'Q', "q" }, { '#', "3" }, { 0xff0d, "ret" },
        { 0xff1b, "esc" }, { 0xff08, "backspace" }, { 0xff51, "left" },
        { 0xffbe, "f1" }, { 0xffc9, "f12" }, { 0xffe1, "shift" },
        { 0xffe4, "ctrl_r" }, { 0xffe9, "alt" }, { 0xffff, "delete" },
        { 0xffb5, "kp_5" }, { 0xff8d, "kp_enter" },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(ui_key_from_keysym(cases[i].keysym), ==,
                        ps2_key_from_name(cases[i].name));
    }
    g_assert_cmpint(ui_key_from_keysym(0x20ac), ==, -1);    /* EuroSign */
    g_assert_cmpint(ui_key_from_keysym(0), ==, -1);
}

static void test_sdl(void)
{
    unsigned known = 0;

    for (int sc = 0; sc < SDL_NUM_SCANCODES; sc++) {
        known += ui_key_from_sdl_scancode(sc) >= 0;
    }
    /* every key of a 105-key PC keyboard */
    g_assert_cmpuint(known, >=, 105);
    g_assert_cmpint(ui_key_from_sdl_scancode(SDL_SCANCODE_RETURN), ==,
                    ps2_key_from_name("ret"));
    g_assert_cmpint(ui_key_from_sdl_scancode(SDL_SCANCODE_KP_ENTER), ==,
                    ps2_key_from_name("kp_enter"));
    g_assert_cmpint(ui_key_from_sdl_scancode(SDL_SCANCODE_RALT), ==,
                    ps2_key_from_name("alt_r"));
    g_assert_cmpint(ui_key_from_sdl_scancode(SDL_SCANCODE_UNKNOWN), ==, -1);
}

static void test_cp437(void)
{
    g_assert_cmphex(ui_cp437[0x00], ==, 0x0020);
    g_assert_cmphex(ui_cp437[0x01], ==, 0x263a);    /* smiley */
    g_assert_cmphex(ui_cp437['A'], ==, 'A');
    g_assert_cmphex(ui_cp437[0x7f], ==, 0x2302);    /* house */
    g_assert_cmphex(ui_cp437[0x82], ==, 0x00e9);    /* e acute */
    g_assert_cmphex(ui_cp437[0xb0], ==, 0x2591);    /* light shade */
    g_assert_cmphex(ui_cp437[0xc9], ==, 0x2554);    /* double down right */
    g_assert_cmphex(ui_cp437[0xdb], ==, 0x2588);    /* full block */
    g_assert_cmphex(ui_cp437[0xe1], ==, 0x00df);    /* sharp s */
    g_assert_cmphex(ui_cp437[0xff], ==, 0x00a0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ui/keymap/chars", test_chars);
    g_test_add_func("/ui/keymap/keysyms", test_keysyms);
    g_test_add_func("/ui/keymap/sdl", test_sdl);
    g_test_add_func("/ui/cp437", test_cp437);
    return g_test_run();
}
