/* SPDX-License-Identifier: MIT */
/*
 * The end of command-line parsing: machine_config_new()/free(), and the
 * checks and defaults that involve several options: drive positions,
 * -append/-initrd without -kernel, the -bios search path, references to
 * -chardev ids, -nographic's consoles on stdio, QEMU's "mon:" serial
 * specs (rewritten into a mux chardev shared with the monitor), and stdio
 * claimed twice. Called by options_parse() in options.c.
 */
#include "kestrel/osdep.h"
#include <stdarg.h>
#include "kestrel-config.h"
#include "kestrel/chardev.h"
#include "system/options-internal.h"

#define DEFAULT_RAM_SIZE    (UINT64_C(128) << 20)

static void drive_config_free(gpointer p)
{
    DriveConfig *d = p;

    g_free(d->file);
    g_free(d->format);
    g_free(d->interface);
    g_free(d->media);
    g_free(d->id);
    g_free(d);
}

MachineConfig *machine_config_new(void)
{
    MachineConfig *cfg = g_new0(MachineConfig, 1);

    cfg->ram_size = DEFAULT_RAM_SIZE;
    cfg->smp = 1;
    cfg->machine_type = g_strdup("pc");
    cfg->firmware_dirs = g_ptr_array_new_with_free_func(g_free);
    cfg->drives = g_ptr_array_new_with_free_func(drive_config_free);
    cfg->serials = g_ptr_array_new_with_free_func(g_free);
    cfg->parallels = g_ptr_array_new_with_free_func(g_free);
    cfg->chardevs = g_ptr_array_new_with_free_func(g_free);
    cfg->devices = g_ptr_array_new_with_free_func(g_free);
    cfg->netdevs = g_ptr_array_new_with_free_func(g_free);
    cfg->nics = g_ptr_array_new_with_free_func(g_free);
    cfg->objects = g_ptr_array_new_with_free_func(g_free);
    cfg->globals = g_ptr_array_new_with_free_func(g_free);
    return cfg;
}

void machine_config_free(MachineConfig *cfg)
{
    if (!cfg) {
        return;
    }
    g_ptr_array_unref(cfg->firmware_dirs);
    g_ptr_array_unref(cfg->drives);
    g_ptr_array_unref(cfg->serials);
    g_ptr_array_unref(cfg->parallels);
    g_ptr_array_unref(cfg->chardevs);
    g_ptr_array_unref(cfg->devices);
    g_ptr_array_unref(cfg->netdevs);
    g_ptr_array_unref(cfg->nics);
    g_ptr_array_unref(cfg->objects);
    g_ptr_array_unref(cfg->globals);
    g_free(cfg->cpu_model);
    g_free(cfg->accel);
    g_free(cfg->accel_opts);
    g_free(cfg->bios);
    g_free(cfg->kernel);
    g_free(cfg->initrd);
    g_free(cfg->append);
    g_free(cfg->boot_order);
    g_free(cfg->boot_once);
    g_free(cfg->monitor);
    g_free(cfg->qmp);
    g_free(cfg->debugcon);
    g_free(cfg->display);
    g_free(cfg->vnc);
    g_free(cfg->vga);
    g_free(cfg->gdb);
    g_free(cfg->name);
    g_free(cfg->rtc_base);
    g_free(cfg->rtc_clock);
    g_free(cfg->machine_type);
    g_free(cfg);
}

static bool finish_error(GError **errp, const char *fmt, ...) KS_PRINTF(2, 3);

static bool finish_error(GError **errp, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(errp, KS_ERROR, KS_ERROR_INVALID, msg);
    return false;
}

/* Give each drive without index= the next free position on its bus. */
static bool finish_drives(OptCtx *ctx, GError **errp)
{
    static const struct {
        const char *interface;
        const char *name;
        int count;
    } buses[] = { { "ide", "IDE", 4 }, { "floppy", "floppy", 2 } };
    GPtrArray *drives = ctx->cfg->drives;

    for (size_t b = 0; b < G_N_ELEMENTS(buses); b++) {
        const char *owner[4] = { NULL };

        for (int pass = 0; pass < 2; pass++) {
            for (guint i = 0; i < drives->len; i++) {
                DriveConfig *d = g_ptr_array_index(drives, i);
                const char *label = g_ptr_array_index(ctx->drive_labels, i);
                int idx = d->index;

                if (strcmp(d->interface, buses[b].interface)
                    || (pass == 0) != (idx >= 0)) {
                    continue;
                }
                if (idx < 0) {
                    idx = 0;
                    while (idx < buses[b].count && owner[idx]) {
                        idx++;
                    }
                }
                if (idx >= buses[b].count) {
                    return finish_error(errp, "%s: no free %s position",
                                        label, buses[b].name);
                }
                if (owner[idx]) {
                    return finish_error(errp, "%s: %s position %d is "
                                        "already used by %s", label,
                                        buses[b].name, idx, owner[idx]);
                }
                owner[idx] = label;
                d->index = idx;
            }
        }
    }
    return true;
}

/* -bios NAME without a '/' is looked up in -L dirs, then the default. */
static bool finish_bios(OptCtx *ctx, GError **errp)
{
    MachineConfig *cfg = ctx->cfg;
    g_autofree char *label = g_strdup_printf("-bios %s", cfg->bios);

    if (!cfg->bios || g_file_test(cfg->bios, G_FILE_TEST_EXISTS)
        || strchr(cfg->bios, '/')) {
        return !cfg->bios || opt_check_file(label, cfg->bios, false, errp);
    }
    for (guint i = 0; i <= cfg->firmware_dirs->len; i++) {
        const char *dir = i < cfg->firmware_dirs->len
                          ? g_ptr_array_index(cfg->firmware_dirs, i)
                          : KESTREL_FIRMWARE_DIR;
        g_autofree char *path = g_build_filename(dir, cfg->bios, NULL);

        if (g_file_test(path, G_FILE_TEST_EXISTS)) {
            opt_set_str(&cfg->bios, path);
            return opt_check_file(label, path, false, errp);
        }
    }
    return opt_check_file(label, cfg->bios, false, errp);
}

/* "-serial mon:SPEC": a mux chardev that the monitor shares. */
static bool finish_mon_spec(OptCtx *ctx, const char *opt, char **spec,
                            unsigned *n, GError **errp)
{
    MachineConfig *cfg = ctx->cfg;
    g_autofree char *id = g_strdup_printf("compat_monitor%u", (*n)++);
    g_autofree char *ref = g_strdup_printf("chardev:%s", id);
    char *opts = chardev_spec_to_opts(*spec + 4, id, true, errp);

    if (!opts) {
        g_prefix_error(errp, "%s ", opt);
        return false;
    }
    if (cfg->monitor && ctx->monitor_given) {
        g_free(opts);
        return finish_error(errp, "%s %s: a monitor is already given with "
                            "-monitor", opt, *spec);
    }
    g_ptr_array_add(cfg->chardevs, opts);
    g_ptr_array_add(ctx->chardev_ids, g_strdup(id));
    opt_set_str(&cfg->monitor, ref);
    ctx->monitor_given = true;
    opt_set_str(spec, ref);
    return true;
}

static bool finish_consoles(OptCtx *ctx, GError **errp)
{
    MachineConfig *cfg = ctx->cfg;
    unsigned n = 0;

    if (cfg->nographic && ctx->display_given) {
        return finish_error(errp, "-nographic cannot be used with -display");
    }
    if (cfg->nographic && !cfg->nodefaults) {
        if (!ctx->serial_given && !ctx->monitor_given) {
            g_ptr_array_add(cfg->serials, g_strdup("mon:stdio"));
        } else if (!ctx->serial_given) {
            g_ptr_array_add(cfg->serials, g_strdup("stdio"));
        } else if (!ctx->monitor_given) {
            opt_set_str(&cfg->monitor, "stdio");
        }
    }
    if (cfg->nographic) {
        opt_set_str(&cfg->display, "none");
    }
    for (guint i = 0; i < cfg->serials->len; i++) {
        char **spec = (char **)&cfg->serials->pdata[i];

        if (g_str_has_prefix(*spec, "mon:")
            && !finish_mon_spec(ctx, "-serial", spec, &n, errp)) {
            return false;
        }
    }
    for (guint i = 0; i < cfg->parallels->len; i++) {
        char **spec = (char **)&cfg->parallels->pdata[i];

        if (g_str_has_prefix(*spec, "mon:")
            && !finish_mon_spec(ctx, "-parallel", spec, &n, errp)) {
            return false;
        }
    }
    return true;
}

/* Every "chardev:ID" must name a -chardev; stdio has one user. */
static bool finish_char_refs(OptCtx *ctx, GError **errp)
{
    MachineConfig *cfg = ctx->cfg;
    g_autoptr(GPtrArray) specs = g_ptr_array_new();
    g_autoptr(GPtrArray) labels = g_ptr_array_new();
    const char *stdio_user = NULL;
    const struct {
        const char *label;
        GPtrArray *list;
        const char *spec;
    } users[] = {
        { "-serial", cfg->serials }, { "-parallel", cfg->parallels },
        { "-monitor", NULL, cfg->monitor }, { "-qmp", NULL, cfg->qmp },
        { "-debugcon", NULL, cfg->debugcon }, { "-gdb", NULL, cfg->gdb },
        { "-chardev", cfg->chardevs },
    };

    for (size_t u = 0; u < G_N_ELEMENTS(users); u++) {
        for (guint i = 0; users[u].list && i < users[u].list->len; i++) {
            g_ptr_array_add(specs, users[u].list->pdata[i]);
            g_ptr_array_add(labels, (gpointer)users[u].label);
        }
        if (users[u].spec) {
            g_ptr_array_add(specs, (gpointer)users[u].spec);
            g_ptr_array_add(labels, (gpointer)users[u].label);
        }
    }
    for (guint i = 0; i < specs->len; i++) {
        const char *spec = g_ptr_array_index(specs, i);
        const char *label = g_ptr_array_index(labels, i);

        if (g_str_has_prefix(spec, "chardev:")
            && !g_ptr_array_find_with_equal_func(ctx->chardev_ids, spec + 8,
                                                 g_str_equal, NULL)) {
            return finish_error(errp, "%s %s: no -chardev with id '%s'",
                                label, spec, spec + 8);
        }
        if (!strcmp(spec, "stdio") || g_str_has_prefix(spec, "stdio,")) {
            if (stdio_user) {
                return finish_error(errp, "%s %s: stdio is already used by "
                                    "%s (mon:stdio shares it with the "
                                    "monitor)", label, spec, stdio_user);
            }
            stdio_user = label;
        }
    }
    return true;
}

bool options_finish(OptCtx *ctx, GError **errp)
{
    MachineConfig *cfg = ctx->cfg;

    if (!cfg->kernel && cfg->append) {
        return finish_error(errp, "-append %s: only allowed with -kernel",
                            cfg->append);
    }
    if (!cfg->kernel && cfg->initrd) {
        return finish_error(errp, "-initrd %s: only allowed with -kernel",
                            cfg->initrd);
    }
    return finish_drives(ctx, errp) && finish_bios(ctx, errp)
           && finish_consoles(ctx, errp) && finish_char_refs(ctx, errp);
}
