/* SPDX-License-Identifier: MIT */
/*
 * Command-line handlers for the machine itself: -machine, -cpu, -accel,
 * -m, -smp, -display, -vga, -name, -rtc, -gdb, -d/-D and -global, with
 * the tables of values they accept (which also feed "-cpu help" and
 * friends). Called from the option table in options.c.
 * CPU models come from cpu/x86/cpu.c's table.
 * Missing: memory hotplug (-m slots=, maxmem=), NUMA, CPU feature flags
 * are passed through to the CPU model unchecked.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "kestrel/chardev.h"
#include "kestrel/keyval.h"
#include "cpu/x86/cpu.h"
#include "system/options-internal.h"

#define MIB (UINT64_C(1) << 20)
#define SMP_MAX_CPUS 255                /* xAPIC IDs; the board may say less */

const OptChoice opt_machines[] = {
    { "pc", "Standard PC (i440FX + PIIX3), as QEMU's pc" },
    { NULL },
};

const OptChoice opt_accels[] = {
    { "tcg", "the JIT (tcg,jit=off: IR interpreter)" },
    { "kvm", "hardware virtualization through /dev/kvm" },
    { NULL },
};

const OptChoice opt_displays[] = {
    { "sdl", "a window (SDL2)" },
    { "curses", "text mode on the terminal" },
    { "vnc", "a VNC server: vnc=:N or vnc=HOST:N" },
    { "none", "no display; the guest still has a video card" },
    { NULL },
};

const OptChoice opt_vgas[] = {
    { "std", "standard VGA with Bochs VBE extensions (1234:1111)" },
    { "none", "no video card" },
    { NULL },
};

static bool opt_topic(OptCtx *ctx, const char *topic)
{
    opt_set_str(&ctx->cl->help_topic, topic);
    return true;
}

static bool opt_check_choice(const KsOption *opt, const char *full,
                             const OptChoice *list, const char *value,
                             GError **errp)
{
    if (opt_choice_find(list, value)) {
        return true;
    }
    opt_error(errp, opt, full, "unknown or unsupported value '%s' "
              "(-%s help lists them)", value, opt->name);
    return false;
}

/* "kvm:tcg": each one must be an accelerator Kestrel has. */
static bool opt_check_accel_list(OptCtx *ctx, const KsOption *opt,
                                 const char *arg, const char *list,
                                 GError **errp)
{
    g_auto(GStrv) names = g_strsplit(list, ":", -1);

    for (int i = 0; names[i]; i++) {
        if (!opt_check_choice(opt, arg, opt_accels, names[i], errp)) {
            return false;
        }
    }
    return true;
}

bool opt_machine(OptCtx *ctx, const KsOption *opt, const char *arg,
                 GError **errp)
{
    static const char *const keys[] = { "type", "accel", NULL };
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = NULL;
    const char *type, *accel;

    if (opt_is_help(arg)) {
        return opt_topic(ctx, "machine");
    }
    kv = kv_parse(label, arg, "type", 0, errp);
    if (!kv || !kv_check_keys(kv, keys, errp)) {
        return false;
    }
    type = kv_get(kv, "type");
    accel = kv_get(kv, "accel");
    if (type && !g_str_has_prefix(type, "pc-i440fx-")
        && !opt_check_choice(opt, arg, opt_machines, type, errp)) {
        return false;
    }
    if (accel) {
        if (ctx->nr_accel) {
            opt_error(errp, opt, arg, "accel= cannot be combined with "
                      "-accel or -enable-kvm");
            return false;
        }
        if (!opt_check_accel_list(ctx, opt, arg, accel, errp)) {
            return false;
        }
        ctx->accel_from_machine = true;
        opt_set_str(&ctx->cfg->accel, accel);
    }
    if (type) {
        opt_set_str(&ctx->cfg->machine_type, "pc");
    }
    return true;
}

bool opt_cpu(OptCtx *ctx, const KsOption *opt, const char *arg,
             GError **errp)
{
    g_autofree char *model = g_strndup(arg, strcspn(arg, ","));

    if (opt_is_help(arg)) {
        return opt_topic(ctx, "cpu");
    }
    if (!x86_cpu_model_find(model)) {
        opt_error(errp, opt, arg, "unknown CPU model '%s' (-cpu help lists "
                  "them)", model);
        return false;
    }
    opt_set_str(&ctx->cfg->cpu_model, arg);
    return true;
}

static bool opt_add_accel(OptCtx *ctx, const KsOption *opt, const char *arg,
                          const char *name, const char *props, GError **errp)
{
    MachineConfig *cfg = ctx->cfg;

    if (ctx->accel_from_machine) {
        opt_error(errp, opt, arg, "cannot be combined with -machine accel=");
        return false;
    }
    if (props && *props && ctx->nr_accel) {
        opt_error(errp, opt, arg, "accelerator options need a single -accel");
        return false;
    }
    if (ctx->nr_accel++) {
        g_autofree char *list = g_strdup_printf("%s:%s", cfg->accel, name);

        opt_set_str(&cfg->accel, list);
        return true;
    }
    opt_set_str(&cfg->accel, name);
    opt_set_str(&cfg->accel_opts, props && *props ? props : NULL);
    return true;
}

bool opt_accel(OptCtx *ctx, const KsOption *opt, const char *arg,
               GError **errp)
{
    g_autofree char *name = g_strndup(arg, strcspn(arg, ","));
    const char *props = arg + strlen(name);

    if (opt_is_help(arg)) {
        return opt_topic(ctx, "accel");
    }
    /* "kvm:tcg", the list -machine accel= takes, is accepted here too */
    if (!opt_check_accel_list(ctx, opt, arg, name, errp)) {
        return false;
    }
    return opt_add_accel(ctx, opt, arg, name, *props ? props + 1 : NULL,
                         errp);
}

bool opt_enable_kvm(OptCtx *ctx, const KsOption *opt, const char *arg,
                    GError **errp)
{
    return opt_add_accel(ctx, opt, NULL, "kvm", NULL, errp);
}

bool opt_memory(OptCtx *ctx, const KsOption *opt, const char *arg,
                GError **errp)
{
    static const char *const keys[] = { "size", NULL };
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = kv_parse(label, arg, "size", 0, errp);
    const char *size;
    uint64_t bytes;

    if (!kv || !kv_check_keys(kv, keys, errp)) {
        return false;
    }
    size = kv_get(kv, "size");
    if (!size) {
        opt_error(errp, opt, arg, "missing size");
        return false;
    }
    if (!kv_parse_size(size, MIB, &bytes)) {
        opt_error(errp, opt, arg, "invalid size");
        return false;
    }
    if (bytes < MIB) {
        opt_error(errp, opt, arg, "RAM size must be at least 1M");
        return false;
    }
    ctx->cfg->ram_size = KS_ALIGN_UP(bytes, 4096);
    return true;
}

bool opt_smp(OptCtx *ctx, const KsOption *opt, const char *arg,
             GError **errp)
{
    static const char *const keys[] = {
        "cpus", "sockets", "dies", "cores", "threads", "maxcpus", NULL,
    };
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = kv_parse(label, arg, "cpus", 0, errp);
    uint64_t cpus = 0, sockets = 1, dies = 1, cores = 1, threads = 1;
    uint64_t maxcpus = 0;

    if (!kv || !kv_check_keys(kv, keys, errp)
        || !kv_get_u64(kv, "cpus", &cpus, errp)
        || !kv_get_u64(kv, "sockets", &sockets, errp)
        || !kv_get_u64(kv, "dies", &dies, errp)
        || !kv_get_u64(kv, "cores", &cores, errp)
        || !kv_get_u64(kv, "threads", &threads, errp)
        || !kv_get_u64(kv, "maxcpus", &maxcpus, errp)) {
        return false;
    }
    if (!kv_has(kv, "cpus")) {
        cpus = sockets * dies * cores * threads;
    }
    if (cpus == 0 || cpus > SMP_MAX_CPUS) {
        opt_error(errp, opt, arg, "invalid CPU count (1 to %d)",
                  SMP_MAX_CPUS);
        return false;
    }
    if (maxcpus && maxcpus != cpus) {
        opt_error(errp, opt, arg, "CPU hotplug (maxcpus) is not supported");
        return false;
    }
    ctx->cfg->smp = cpus;
    return true;
}

bool opt_display(OptCtx *ctx, const KsOption *opt, const char *arg,
                 GError **errp)
{
    g_autofree char *name = g_strndup(arg, strcspn(arg, ",="));

    if (opt_is_help(arg)) {
        return opt_topic(ctx, "display");
    }
    if (!opt_check_choice(opt, arg, opt_displays, name, errp)) {
        return false;
    }
    if (!strcmp(name, "vnc") && arg[3] != '=') {
        opt_error(errp, opt, arg, "expected vnc=DISPLAY, e.g. vnc=:1");
        return false;
    }
    ctx->display_given = true;
    opt_set_str(&ctx->cfg->display, arg);
    return true;
}

/* As in QEMU, -vnc runs beside -display and -nographic (ui/console.c). */
bool opt_vnc(OptCtx *ctx, const KsOption *opt, const char *arg,
             GError **errp)
{
    opt_set_str(&ctx->cfg->vnc, arg);
    return true;
}

bool opt_nographic(OptCtx *ctx, const KsOption *opt, const char *arg,
                   GError **errp)
{
    ctx->cfg->nographic = true;
    return true;
}

bool opt_vga(OptCtx *ctx, const KsOption *opt, const char *arg,
             GError **errp)
{
    if (opt_is_help(arg)) {
        return opt_topic(ctx, "vga");
    }
    if (!opt_check_choice(opt, arg, opt_vgas, arg, errp)) {
        return false;
    }
    opt_set_str(&ctx->cfg->vga, arg);
    return true;
}

bool opt_name(OptCtx *ctx, const KsOption *opt, const char *arg,
              GError **errp)
{
    static const char *const keys[] = {
        "guest", "process", "debug-threads", NULL,
    };
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = kv_parse(label, arg, "guest", 0, errp);

    if (!kv || !kv_check_keys(kv, keys, errp)) {
        return false;
    }
    opt_set_str(&ctx->cfg->name, kv_get(kv, "guest"));
    return true;
}

/* "2006-06-17T16:01:21" or "2006-06-17", as QEMU's -rtc base=. */
static bool opt_rtc_date_ok(const char *s)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, m = 0;
    g_autoptr(GDateTime) dt = NULL;

    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3) {
        return false;
    }
    if (s[n] == 'T'
        && sscanf(s + n, "T%2d:%2d:%2d%n", &h, &mi, &sec, &m) == 3) {
        n += m;
    }
    dt = g_date_time_new_utc(y, mo, d, h, mi, sec);
    return dt && s[n] == '\0';
}

bool opt_rtc(OptCtx *ctx, const KsOption *opt, const char *arg,
             GError **errp)
{
    static const char *const keys[] = { "base", "clock", "driftfix", NULL };
    static const char *const clocks[] = { "host", "rt", "vm", NULL };
    static const char *const drifts[] = { "none", NULL };
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = kv_parse(label, arg, "base", 0, errp);
    const char *base;
    int clock = 0, drift = 0;

    if (!kv || !kv_check_keys(kv, keys, errp)
        || !kv_get_enum(kv, "clock", clocks, &clock, errp)
        || !kv_get_enum(kv, "driftfix", drifts, &drift, errp)) {
        return false;
    }
    base = kv_get(kv, "base");
    if (base && strcmp(base, "utc") && strcmp(base, "localtime")
        && !opt_rtc_date_ok(base)) {
        opt_error(errp, opt, arg, "invalid base (utc, localtime or a date "
                  "like 2006-06-17T16:01:21)");
        return false;
    }
    if (base) {
        opt_set_str(&ctx->cfg->rtc_base, base);
    }
    if (kv_has(kv, "clock")) {
        opt_set_str(&ctx->cfg->rtc_clock, clocks[clock]);
    }
    return true;
}

bool opt_gdb(OptCtx *ctx, const KsOption *opt, const char *arg,
             GError **errp)
{
    g_autofree char *label = opt_label(opt);

    if (strcmp(arg, "none") && !chardev_check_spec(label, arg, errp)) {
        return false;
    }
    opt_set_str(&ctx->cfg->gdb, strcmp(arg, "none") ? arg : NULL);
    return true;
}

bool opt_gdb_default(OptCtx *ctx, const KsOption *opt, const char *arg,
                     GError **errp)
{
    opt_set_str(&ctx->cfg->gdb, "tcp::1234");
    return true;
}

bool opt_log(OptCtx *ctx, const KsOption *opt, const char *arg,
             GError **errp)
{
    char *items = ctx->cl->log_items;

    ctx->cl->log_items = items ? g_strjoin(",", items, arg, NULL)
                               : g_strdup(arg);
    g_free(items);
    return true;
}

bool opt_log_file(OptCtx *ctx, const KsOption *opt, const char *arg,
                  GError **errp)
{
    opt_set_str(&ctx->cl->log_file, arg);
    return true;
}

/* -global DRIVER.PROP=VALUE, or driver=D,property=P,value=V. */
bool opt_global(OptCtx *ctx, const KsOption *opt, const char *arg,
                GError **errp)
{
    static const char *const keys[] = {
        "driver", "property", "value", NULL,
    };
    g_autofree char *label = opt_label(opt);
    const char *eq = strchr(arg, '='), *dot = strchr(arg, '.');
    g_autoptr(KvList) kv = NULL;

    if (dot && eq && dot < eq && dot > arg && eq > dot + 1) {
        g_ptr_array_add(ctx->cfg->globals, g_strdup(arg));
        return true;
    }
    if (!eq || (dot && dot < eq)) {
        opt_error(errp, opt, arg, "expected DRIVER.PROP=VALUE");
        return false;
    }
    kv = kv_parse(label, arg, NULL, KV_NO_IMPLIED, errp);
    if (!kv || !kv_check_keys(kv, keys, errp)) {
        return false;
    }
    if (!kv_has(kv, "driver") || !kv_has(kv, "property")
        || !kv_has(kv, "value")) {
        opt_error(errp, opt, arg, "expected DRIVER.PROP=VALUE");
        return false;
    }
    g_ptr_array_add(ctx->cfg->globals,
                    g_strdup_printf("%s.%s=%s", kv_get(kv, "driver"),
                                    kv_get(kv, "property"),
                                    kv_get(kv, "value")));
    return true;
}
