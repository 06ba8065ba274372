/* SPDX-License-Identifier: MIT */
/*
 * The display core: starts the front-end -display names (a table of
 * DisplayOps) and the VNC server -vnc asks for beside it, runs their
 * refresh timer on the GLib main loop, copies the primary VGA's picture
 * (include/kestrel/vga.h) or text cells when they changed, and routes the
 * front-ends' input to the 8042's PS/2 keyboard and mouse and the SDL
 * close button to the PIIX4 PM power button.
 * system/runstate.c calls ui_init() after the board is built.
 * Missing: more than one console (QEMU's Ctrl-Alt-2 monitor screen).
 */
#include "kestrel/osdep.h"
#include "kestrel/ui.h"
#include "kestrel/bql.h"
#include "kestrel/device.h"
#include "kestrel/pc.h"
#include "kestrel/runstate.h"
#include "kestrel/vga.h"
#include "hw/input/ps2.h"

#define UI_DEFAULT_REFRESH_MS   33

extern const DisplayOps curses_display_ops;
extern const DisplayOps vnc_display_ops;

static const DisplayOps none_display_ops = {
    .name = "none",
};

static const DisplayOps sdl_module_ops = {
    .name = "sdl",
    .module = "sdl",
};

static const DisplayOps *const ui_frontends[] = {
    &none_display_ops,
    &sdl_module_ops,
    &curses_display_ops,
    &vnc_display_ops,
};

#define UI_MAX_FRONTENDS        2       /* -display and -vnc */

typedef struct UiState {
    const DisplayOps *fe[UI_MAX_FRONTENDS];
    unsigned nr_fe;
    bool want_text, want_picture;       /* what the front-ends take */
    MachineConfig *cfg;
    guint timer;
    bool have_picture;                  /* generation is meaningful */
    uint64_t generation;
    UiSurface surf;
    UiText text;
    uint16_t *text_prev;                /* the cells last handed out */
    int text_prev_cols, text_prev_rows;
    int text_prev_cursor;               /* row * cols + col, or -1 */
    gint title_dirty;                   /* set from any thread */
} UiState;

static UiState ui;

const char *ui_vm_name(void)
{
    return ui.cfg ? ui.cfg->name : NULL;
}

char *ui_title(void)
{
    const char *name = ui_vm_name();
    RunStatus st = vm_status();
    g_autofree char *state = st == RUN_STATUS_RUNNING ? g_strdup("")
        : g_strdup_printf(" [%s]", vm_status_name(st));

    return g_strdup_printf("%s%s%s", name ? name : "Kestrel",
                           name ? " - Kestrel" : "", state);
}

const UiSurface *ui_surface(void)
{
    return &ui.surf;
}

/* Under the big lock: copy the picture when its generation moved. */
static bool ui_grab_picture_locked(Device *vga)
{
    const VgaFramebuffer *fb = vga_render(vga);
    size_t n;

    if (ui.have_picture && fb->generation == ui.generation) {
        return false;
    }
    ui.have_picture = true;
    ui.generation = fb->generation;
    n = (size_t)fb->width * fb->height;
    if (fb->width != ui.surf.width || fb->height != ui.surf.height) {
        g_free(ui.surf.pixels);
        ui.surf.pixels = n ? g_new(uint32_t, n) : NULL;
        ui.surf.width = fb->width;
        ui.surf.height = fb->height;
    }
    for (int y = 0; y < fb->height; y++) {
        memcpy(ui.surf.pixels + (size_t)y * fb->width,
               (const uint8_t *)fb->pixels + (size_t)y * fb->stride,
               fb->width * sizeof(uint32_t));
    }
    return true;
}

/* Under the big lock: read the text cells; true when they changed. */
static bool ui_grab_text_locked(Device *vga)
{
    int cols = 0, rows = 0, cursor;
    size_t n;

    if (!vga_text_cells(vga, &cols, &rows, ui.text.cells)) {
        cols = rows = 0;
    }
    ui.text.cols = cols;
    ui.text.rows = rows;
    if (!vga_text_cursor(vga, &ui.text.cursor_col, &ui.text.cursor_row)) {
        ui.text.cursor_col = ui.text.cursor_row = -1;
    }
    cursor = ui.text.cursor_row < 0 ? -1
             : ui.text.cursor_row * cols + ui.text.cursor_col;
    n = (size_t)cols * rows;
    if (cols == ui.text_prev_cols && rows == ui.text_prev_rows
        && cursor == ui.text_prev_cursor
        && !memcmp(ui.text_prev, ui.text.cells, n * sizeof(uint16_t))) {
        return false;
    }
    memcpy(ui.text_prev, ui.text.cells, n * sizeof(uint16_t));
    ui.text_prev_cols = cols;
    ui.text_prev_rows = rows;
    ui.text_prev_cursor = cursor;
    return true;
}

/* The board's device of this type (the 8042, the PIIX4 PM), or NULL. */
static Device *ui_find_device(const char *type_name)
{
    const GPtrArray *all = dev_all();

    for (guint i = 0; all && i < all->len; i++) {
        Device *dev = all->pdata[i];

        if (dev->realized && !strcmp(dev->type->name, type_name)) {
            return dev;
        }
    }
    return NULL;
}

static gboolean ui_refresh(gpointer opaque)
{
    bool title = g_atomic_int_compare_and_exchange(&ui.title_dirty, 1, 0);
    bool text = false, picture = false;
    Device *vga;

    bql_lock();
    vga = vga_primary();
    if (vga) {
        text = ui.want_text && ui_grab_text_locked(vga);
        picture = ui.want_picture && ui_grab_picture_locked(vga);
    }
    bql_unlock();
    for (unsigned i = 0; i < ui.nr_fe; i++) {
        const DisplayOps *ops = ui.fe[i];

        if (text && ops->wants_text) {
            ops->update_text(&ui.text);
        } else if (picture && !ops->wants_text) {
            ops->update(&ui.surf);
        }
        if (title && ops->title_changed) {
            ops->title_changed();
        }
        if (ops->refresh) {
            ops->refresh();
        }
    }
    return G_SOURCE_CONTINUE;
}

void ui_key_event(int key, bool down)
{
    Device *kbd;

    if (key < 0) {
        return;
    }
    bql_lock();
    kbd = ui_find_device("i8042");
    if (kbd) {
        ps2_kbd_put_keycode(kbd, key, down);
    }
    bql_unlock();
}

void ui_mouse_event(int dx, int dy, int dz, unsigned buttons)
{
    Device *kbd;

    bql_lock();
    kbd = ui_find_device("i8042");
    if (kbd) {
        ps2_mouse_put_event(kbd, dx, dy, dz, buttons);
    }
    bql_unlock();
}

void ui_power_button(void)
{
    Device *pm;

    bql_lock();
    pm = ui_find_device("PIIX4_PM");
    if (pm) {
        piix4_pm_power_button(pm);
    }
    bql_unlock();
    if (pm) {
        runstate_notify(RUNSTATE_EV_POWERDOWN, 0);
    } else {
        machine_request_shutdown(SHUTDOWN_QUIT);
    }
}

/* Any thread may report a run-state change: the title follows on the
 * main thread at the next refresh. */
static void ui_runstate_changed(RunStateEvent ev, int cause, void *opaque)
{
    g_atomic_int_set(&ui.title_dirty, 1);
}

static const char *ui_default_display(void)
{
    const char *x = g_getenv("DISPLAY"), *w = g_getenv("WAYLAND_DISPLAY");

    return (x && *x) || (w && *w) ? "sdl" : "none";
}

/*
 * Start the front-end spec names ("sdl", "vnc=:1"...). A failing default
 * (guessed, not asked for) is skipped quietly: true with nothing added.
 */
static bool ui_start(const char *spec, bool asked, GError **errp)
{
    size_t len = strcspn(spec, "=,");
    const char *arg = spec[len] ? spec + len + 1 : NULL;
    const DisplayOps *ops = NULL;
    g_autoptr(GError) err = NULL;

    for (unsigned i = 0; i < G_N_ELEMENTS(ui_frontends); i++) {
        if (strlen(ui_frontends[i]->name) == len
            && !strncmp(ui_frontends[i]->name, spec, len)) {
            ops = ui_frontends[i];
        }
    }
    if (!ops) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-display %s: unknown display", spec);
        return false;
    }
    if (ops->module && !(ops = ui_module_load(ops->module, &err))) {
        if (asked) {
            g_propagate_error(errp, g_steal_pointer(&err));
            return false;
        }
        return true;
    }
    for (unsigned i = 0; i < ui.nr_fe; i++) {
        if (ui.fe[i] == ops) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "-display %s: only one %s front-end at a time",
                        spec, ops->name);
            return false;
        }
    }
    if (ops->init && !ops->init(arg, &err)) {
        if (asked) {
            g_propagate_error(errp, g_steal_pointer(&err));
            return false;
        }
        return true;
    }
    if (ops != &none_display_ops) {
        ui.fe[ui.nr_fe++] = ops;
        ui.want_text |= ops->wants_text;
        ui.want_picture |= !ops->wants_text;
    }
    return true;
}

bool ui_init(MachineConfig *cfg, GError **errp)
{
    g_autofree char *vnc = cfg->vnc ? g_strdup_printf("vnc=%s", cfg->vnc)
                                    : NULL;
    int refresh_ms = UI_DEFAULT_REFRESH_MS;

    ui.cfg = cfg;
    if (!ui_start(cfg->display ? cfg->display : ui_default_display(),
                  cfg->display != NULL, errp)
        || (vnc && !ui_start(vnc, true, errp))) {
        ui_cleanup();
        return false;
    }
    if (!ui.nr_fe) {
        return true;
    }
    if (ui.want_text) {
        ui.text.cells = g_new0(uint16_t, VGA_TEXT_MAX_COLS *
                                         VGA_TEXT_MAX_ROWS);
        ui.text_prev = g_new0(uint16_t, VGA_TEXT_MAX_COLS *
                                        VGA_TEXT_MAX_ROWS);
        ui.text_prev_cols = -1;
    }
    for (unsigned i = 0; i < ui.nr_fe; i++) {
        if (ui.fe[i]->refresh_ms) {
            refresh_ms = MIN(refresh_ms, ui.fe[i]->refresh_ms);
        }
    }
    runstate_add_listener(ui_runstate_changed, NULL);
    ui.timer = g_timeout_add(refresh_ms, ui_refresh, NULL);
    return true;
}

void ui_cleanup(void)
{
    if (ui.timer) {
        g_source_remove(ui.timer);
        ui.timer = 0;
    }
    while (ui.nr_fe) {
        const DisplayOps *ops = ui.fe[--ui.nr_fe];

        if (ops->cleanup) {
            ops->cleanup();
        }
    }
    ui.want_text = ui.want_picture = false;
    g_clear_pointer(&ui.surf.pixels, g_free);
    g_clear_pointer(&ui.text.cells, g_free);
    g_clear_pointer(&ui.text_prev, g_free);
}
