/* SPDX-License-Identifier: MIT */
/*
 * -display curses: the VGA text screen on the terminal with ncursesw.
 * Characters go through code page 437 to Unicode (ui/cp437.c); the 16
 * VGA foregrounds stay 16 colours when the terminal has them (else 8, with
 * bright ones bold), backgrounds are the 8 dim colours; the
 * hardware cursor is the terminal's cursor. Typed characters become key
 * presses (US layout, ui/keymap.c), terminal escape sequences the arrow,
 * editing and function keys. Ctrl-] quits Kestrel (the terminal is in
 * raw mode, so Ctrl-C goes to the guest). The display core
 * (ui/console.c) calls update_text when the cells change.
 * Ref: ncurses(3X): add_wch, getch, keypad, init_pair.
 * Missing: graphics modes (a one-line notice instead), blinking, Alt as
 * an ESC prefix, a monitor console (QEMU's Alt-2).
 */
#include "kestrel/osdep.h"
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <locale.h>
#include "kestrel/ui.h"
#include "hw/input/ps2.h"

#define CURSES_QUIT_KEY         0x1d    /* Ctrl-] */

typedef struct CursesState {
    bool active;
    int colours;                        /* 16, 8, or 0 (monochrome) */
    const UiText *text;                 /* the last screen drawn */
    int key_shift, key_ctrl;
} CursesState;

static CursesState cur;

/* VGA colour index (IRGB) -> curses colour. */
static const short curses_colours[8] = {
    COLOR_BLACK, COLOR_BLUE, COLOR_GREEN, COLOR_CYAN,
    COLOR_RED, COLOR_MAGENTA, COLOR_YELLOW, COLOR_WHITE,
};

/* Terminal key codes (keypad mode) -> PS/2 key names. */
static const struct {
    int code;
    const char *name;
} curses_keys[] = {
    { KEY_UP, "up" }, { KEY_DOWN, "down" }, { KEY_LEFT, "left" },
    { KEY_RIGHT, "right" }, { KEY_HOME, "home" }, { KEY_END, "end" },
    { KEY_PPAGE, "pgup" }, { KEY_NPAGE, "pgdn" }, { KEY_IC, "insert" },
    { KEY_DC, "delete" }, { KEY_BACKSPACE, "backspace" },
    { KEY_ENTER, "kp_enter" }, { KEY_BTAB, "tab" },
    { KEY_F(1), "f1" }, { KEY_F(2), "f2" }, { KEY_F(3), "f3" },
    { KEY_F(4), "f4" }, { KEY_F(5), "f5" }, { KEY_F(6), "f6" },
    { KEY_F(7), "f7" }, { KEY_F(8), "f8" }, { KEY_F(9), "f9" },
    { KEY_F(10), "f10" }, { KEY_F(11), "f11" }, { KEY_F(12), "f12" },
    { '\r', "ret" }, { '\n', "ret" }, { '\t', "tab" }, { 27, "esc" },
    { 127, "backspace" }, { 8, "backspace" },
};

static bool curses_init(const char *arg, GError **errp)
{
    if (arg) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display curses takes no options ('%s')", arg);
        return false;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display curses needs a terminal on stdin and stdout");
        return false;
    }
    setlocale(LC_CTYPE, "");
    if (!g_getenv("ESCDELAY")) {
        g_setenv("ESCDELAY", "25", false);
    }
    if (!initscr()) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display curses: cannot initialize the terminal");
        return false;
    }
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    if (has_colors()) {
        start_color();
        /* 16 foregrounds on 8 backgrounds (blink picks the dim ones)
         * when the terminal has them, else bright = bold */
        cur.colours = COLORS >= 16 && COLOR_PAIRS > 16 * 8 ? 16 : 8;
        for (int bg = 0; bg < 8; bg++) {
            for (int fg = 0; fg < cur.colours; fg++) {
                int pair = 1 + fg + bg * cur.colours;

                if (pair < COLOR_PAIRS) {
                    init_pair(pair, curses_colours[fg & 7] + (fg & 8),
                              curses_colours[bg]);
                }
            }
        }
    }
    cur.active = true;
    cur.key_shift = ps2_key_from_name("shift");
    cur.key_ctrl = ps2_key_from_name("ctrl");
    erase();
    refresh();
    return true;
}

static attr_t curses_attr(uint8_t attr, short *pair)
{
    int fg = attr & (cur.colours == 16 ? 15 : 7), bg = (attr >> 4) & 7;
    int p = 1 + fg + bg * cur.colours;

    *pair = cur.colours && p < COLOR_PAIRS ? p : 0;
    return (attr & 8) && cur.colours != 16 ? A_BOLD : A_NORMAL;
}

static void curses_draw(void)
{
    const UiText *t = cur.text;
    int rows = MIN(t->rows, LINES), cols = MIN(t->cols, COLS);

    erase();
    if (!t->rows) {
        mvaddstr(0, 0, "Kestrel: graphics mode (not shown by -display "
                 "curses; use sdl or vnc)");
    }
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            uint16_t cell = t->cells[r * t->cols + c];
            wchar_t wc[2] = { ui_cp437[cell & 0xff], 0 };
            cchar_t cc;
            short pair;
            attr_t a = curses_attr(cell >> 8, &pair);

            setcchar(&cc, wc, a, pair, NULL);
            mvadd_wch(r, c, &cc);
        }
    }
    if (t->cursor_row >= 0 && t->cursor_row < rows && t->cursor_col < cols) {
        curs_set(1);
        move(t->cursor_row, t->cursor_col);
    } else {
        curs_set(0);
    }
    refresh();
}

static void curses_update_text(const UiText *text)
{
    cur.text = text;
    curses_draw();
}

/* Press and release key, with shift or ctrl held around it. */
static void curses_type(int key, int modifier)
{
    if (key < 0) {
        return;
    }
    ui_key_event(modifier, true);
    ui_key_event(key, true);
    ui_key_event(key, false);
    ui_key_event(modifier, false);
}

static void curses_key(int ch)
{
    bool shift;

    for (unsigned i = 0; i < G_N_ELEMENTS(curses_keys); i++) {
        if (curses_keys[i].code == ch) {
            curses_type(ps2_key_from_name(curses_keys[i].name), -1);
            return;
        }
    }
    if (ch >= 1 && ch <= 26) {
        /* Ctrl-A .. Ctrl-Z */
        curses_type(ui_key_from_char('a' + ch - 1, &shift), cur.key_ctrl);
        return;
    }
    if (ch < 0x80) {
        int key = ui_key_from_char(ch, &shift);

        curses_type(key, shift ? cur.key_shift : -1);
    }
}

static void curses_refresh(void)
{
    int ch;

    while ((ch = getch()) != ERR) {
        if (ch == CURSES_QUIT_KEY) {
            machine_request_shutdown(SHUTDOWN_QUIT);
        } else if (ch == KEY_RESIZE) {
            if (cur.text) {
                curses_draw();
            }
        } else {
            curses_key(ch);
        }
    }
}

static void curses_cleanup(void)
{
    if (cur.active) {
        endwin();
        cur.active = false;
    }
}

const DisplayOps curses_display_ops = {
    .name = "curses",
    .wants_text = true,
    .init = curses_init,
    .update_text = curses_update_text,
    .refresh = curses_refresh,
    .cleanup = curses_cleanup,
};
