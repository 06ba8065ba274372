/* SPDX-License-Identifier: MIT */
/*
 * Front-ends built as loadable modules: -display sdl. SDL2 pulls in about
 * fifty libraries (X11, Wayland, PulseAudio, ALSA, sound file codecs);
 * linked into kestrel, the dynamic loader spent more on them at every
 * start than the rest of start-up, -display none included. The module is
 * kestrel-ui-NAME.so in ui/ beside the kestrel binary (the build tree) or
 * in KESTREL_MODULE_DIR (installed); it exports NAME_display_ops and calls
 * back into kestrel, which exports its symbols for it.
 */
#include "kestrel/osdep.h"
#include <dlfcn.h>
#include "kestrel-config.h"
#include "kestrel/ui.h"

static char *ui_module_path(const char *file)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);

    if (exe) {
        g_autofree char *dir = g_path_get_dirname(exe);
        char *path = g_build_filename(dir, "ui", file, NULL);

        if (g_file_test(path, G_FILE_TEST_EXISTS)) {
            return path;
        }
        g_free(path);
    }
    return g_build_filename(KESTREL_MODULE_DIR, file, NULL);
}

const DisplayOps *ui_module_load(const char *name, GError **errp)
{
    g_autofree char *file = g_strdup_printf("kestrel-ui-%s.so", name);
    g_autofree char *sym = g_strdup_printf("%s_display_ops", name);
    g_autofree char *path = ui_module_path(file);
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const DisplayOps *ops;

    if (!handle) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "-display %s: %s", name,
                    dlerror());
        return NULL;
    }
    ops = dlsym(handle, sym);
    if (!ops) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "-display %s: %s: no %s",
                    name, path, sym);
        dlclose(handle);
        return NULL;
    }
    return ops;                         /* loaded for good */
}
