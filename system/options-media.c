/* SPDX-License-Identifier: MIT */
/*
 * Command-line handlers for what the machine is connected to: drives
 * (-drive and the -hda/-cdrom/-fda short forms), -boot, -L, character
 * back-ends (-chardev, -serial, -parallel, -monitor, -qmp, -mon,
 * -debugcon), -device, -netdev, -nic and -net. Called from the option
 * table in options.c. Image files are checked for readability here; the
 * block layer opens them when the board starts.
 * Missing: -drive if=virtio/scsi/pflash, netdev types other than user.
 */
#include "kestrel/osdep.h"
#include "kestrel/chardev.h"
#include "kestrel/device.h"
#include "kestrel/keyval.h"
#include "system/options-internal.h"

#define MAX_SERIALS     4
#define MAX_PARALLELS   3

/* The short forms, indexed by the table's data field. */
static const struct {
    const char *interface;
    const char *media;
    int index;
} drive_shorts[] = {
    { "ide", "disk", 0 }, { "ide", "disk", 1 },
    { "ide", "disk", 2 }, { "ide", "disk", 3 },
    { "ide", "cdrom", 2 },
    { "floppy", "disk", 0 }, { "floppy", "disk", 1 },
};

static const char *const drive_keys[] = {
    "file", "if", "media", "index", "bus", "unit", "format", "snapshot",
    "readonly", "id", "cache", "aio", NULL,
};
static const char *const drive_ifs[] = { "ide", "floppy", "none", NULL };
static const char *const drive_media[] = { "disk", "cdrom", NULL };
static const char *const drive_formats[] = { "raw", "qcow2", NULL };
/* Accepted for old scripts; Kestrel always caches like writeback. */
static const char *const drive_caches[] = {
    "writeback", "writethrough", "none", "directsync", "unsafe", NULL,
};
static const char *const drive_aios[] = {
    "threads", "native", "io_uring", NULL,
};

static void drive_add(OptCtx *ctx, DriveConfig *d, char *label)
{
    g_ptr_array_add(ctx->cfg->drives, d);
    g_ptr_array_add(ctx->drive_labels, label);
}

static DriveConfig *drive_new(const char *interface, const char *media)
{
    DriveConfig *d = g_new0(DriveConfig, 1);

    d->interface = g_strdup(interface);
    d->media = g_strdup(media);
    d->index = -1;
    d->readonly = !strcmp(media, "cdrom");
    return d;
}

bool opt_drive_short(OptCtx *ctx, const KsOption *opt, const char *arg,
                     GError **errp)
{
    g_autofree char *label = g_strdup_printf("-%s %s", opt->name, arg);
    DriveConfig *d;

    if (!opt_check_file(label, arg, false, errp)) {
        return false;
    }
    d = drive_new(drive_shorts[opt->data].interface,
                  drive_shorts[opt->data].media);
    d->index = drive_shorts[opt->data].index;
    d->file = g_strdup(arg);
    drive_add(ctx, d, g_steal_pointer(&label));
    return true;
}

/* index=, or bus=/unit= (two units per bus; a floppy has one bus). */
static bool drive_parse_index(const KsOption *opt, const char *arg,
                              KvList *kv, int iface, int *index,
                              GError **errp)
{
    static const int max_index[] = { 4, 2, 0x7fffffff };
    uint64_t idx = UINT64_MAX, bus = 0, unit = 0;

    if (!kv_get_u64(kv, "index", &idx, errp)
        || !kv_get_u64(kv, "bus", &bus, errp)
        || !kv_get_u64(kv, "unit", &unit, errp)) {
        return false;
    }
    if (idx == UINT64_MAX && (kv_has(kv, "bus") || kv_has(kv, "unit"))) {
        if (bus > 1 || unit > 1) {
            opt_error(errp, opt, arg, "bus= and unit= must be 0 or 1");
            return false;
        }
        idx = bus * 2 + unit;
    }
    if (idx != UINT64_MAX && idx >= (uint64_t)max_index[iface]) {
        opt_error(errp, opt, arg, "no such %s position (index 0 to %d)",
                  drive_ifs[iface], max_index[iface] - 1);
        return false;
    }
    *index = idx == UINT64_MAX ? -1 : (int)idx;
    return true;
}

bool opt_drive(OptCtx *ctx, const KsOption *opt, const char *arg,
               GError **errp)
{
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = kv_parse(label, arg, NULL, KV_NO_IMPLIED, errp);
    int iface = 0, media = 0, format = -1, cache = 0, aio = 0, index;
    const char *file;
    DriveConfig *d;
    bool snapshot = false, readonly = false;

    if (!kv || !kv_check_keys(kv, drive_keys, errp)
        || !kv_get_enum(kv, "if", drive_ifs, &iface, errp)
        || !kv_get_enum(kv, "media", drive_media, &media, errp)
        || !kv_get_enum(kv, "format", drive_formats, &format, errp)
        || !kv_get_enum(kv, "cache", drive_caches, &cache, errp)
        || !kv_get_enum(kv, "aio", drive_aios, &aio, errp)
        || !kv_get_bool(kv, "snapshot", &snapshot, errp)
        || !kv_get_bool(kv, "readonly", &readonly, errp)
        || !drive_parse_index(opt, arg, kv, iface, &index, errp)) {
        return false;
    }
    if (iface == 1 && media == 1) {
        opt_error(errp, opt, arg, "a floppy drive cannot be a CD-ROM");
        return false;
    }
    file = kv_get(kv, "file");
    if (file && *file) {
        g_autofree char *flabel = g_strdup_printf("-drive file=%s", file);

        if (!opt_check_file(flabel, file, false, errp)) {
            return false;
        }
    } else if (media == 0 && iface != 1) {
        opt_error(errp, opt, arg, "file= is required for a disk");
        return false;
    }
    d = drive_new(drive_ifs[iface], drive_media[media]);
    d->file = file && *file ? g_strdup(file) : NULL;
    d->format = format >= 0 ? g_strdup(drive_formats[format]) : NULL;
    d->index = index;
    d->id = g_strdup(kv_get(kv, "id"));
    d->snapshot = snapshot;
    d->readonly |= readonly;
    drive_add(ctx, d, g_strdup_printf("-drive %s", arg));
    return true;
}

/* PC boot devices: a, b floppy; c disk; d CD-ROM; n network. */
static bool boot_order_ok(const KsOption *opt, const char *arg,
                          const char *order, GError **errp)
{
    for (const char *p = order; *p; p++) {
        if (!strchr("abcdn", *p)) {
            opt_error(errp, opt, arg, "invalid boot device '%c' "
                      "(a, b, c, d or n)", *p);
            return false;
        }
        if (strchr(p + 1, *p)) {
            opt_error(errp, opt, arg, "boot device '%c' given twice", *p);
            return false;
        }
    }
    return true;
}

bool opt_boot(OptCtx *ctx, const KsOption *opt, const char *arg,
              GError **errp)
{
    static const char *const keys[] = { "order", "once", "menu", NULL };
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = kv_parse(label, arg, "order", 0, errp);
    const char *order, *once;

    if (!kv || !kv_check_keys(kv, keys, errp)
        || !kv_get_bool(kv, "menu", &ctx->cfg->boot_menu, errp)) {
        return false;
    }
    order = kv_get(kv, "order");
    once = kv_get(kv, "once");
    if ((order && !boot_order_ok(opt, arg, order, errp))
        || (once && !boot_order_ok(opt, arg, once, errp))) {
        return false;
    }
    if (order) {
        opt_set_str(&ctx->cfg->boot_order, order);
    }
    if (once) {
        opt_set_str(&ctx->cfg->boot_once, once);
    }
    return true;
}

bool opt_firmware_dir(OptCtx *ctx, const KsOption *opt, const char *arg,
                      GError **errp)
{
    if (!g_file_test(arg, G_FILE_TEST_IS_DIR)) {
        opt_error(errp, opt, arg, "not a directory");
        return false;
    }
    g_ptr_array_add(ctx->cfg->firmware_dirs, g_strdup(arg));
    return true;
}

/* A -serial style spec: "none", or whatever chardev_new_from_spec takes. */
static bool opt_char_spec(const KsOption *opt, const char *arg,
                          GError **errp)
{
    g_autofree char *label = opt_label(opt);

    return !strcmp(arg, "none") || chardev_check_spec(label, arg, errp);
}

static bool opt_char_list(const KsOption *opt, const char *arg,
                          GPtrArray *list, unsigned max, GError **errp)
{
    if (list->len >= max) {
        opt_error(errp, opt, arg, "at most %u may be given", max);
        return false;
    }
    if (!opt_char_spec(opt, arg, errp)) {
        return false;
    }
    g_ptr_array_add(list, g_strdup(arg));
    return true;
}

bool opt_serial(OptCtx *ctx, const KsOption *opt, const char *arg,
                GError **errp)
{
    ctx->serial_given = true;
    return opt_char_list(opt, arg, ctx->cfg->serials, MAX_SERIALS, errp);
}

bool opt_parallel(OptCtx *ctx, const KsOption *opt, const char *arg,
                  GError **errp)
{
    ctx->parallel_given = true;
    return opt_char_list(opt, arg, ctx->cfg->parallels, MAX_PARALLELS,
                         errp);
}

static bool opt_char_single(OptCtx *ctx, const KsOption *opt,
                            const char *arg, char **field, GError **errp)
{
    if (!opt_char_spec(opt, arg, errp)) {
        return false;
    }
    opt_set_str(field, strcmp(arg, "none") ? arg : NULL);
    return true;
}

bool opt_monitor(OptCtx *ctx, const KsOption *opt, const char *arg,
                 GError **errp)
{
    ctx->monitor_given = true;
    return opt_char_single(ctx, opt, arg, &ctx->cfg->monitor, errp);
}

bool opt_qmp(OptCtx *ctx, const KsOption *opt, const char *arg,
             GError **errp)
{
    return opt_char_single(ctx, opt, arg, &ctx->cfg->qmp, errp);
}

bool opt_debugcon(OptCtx *ctx, const KsOption *opt, const char *arg,
                  GError **errp)
{
    return opt_char_single(ctx, opt, arg, &ctx->cfg->debugcon, errp);
}

bool opt_mon(OptCtx *ctx, const KsOption *opt, const char *arg,
             GError **errp)
{
    static const char *const keys[] = { "chardev", "mode", "pretty", NULL };
    static const char *const modes[] = { "readline", "control", NULL };
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = kv_parse(label, arg, "chardev", 0, errp);
    g_autofree char *spec = NULL;
    bool pretty = false;
    int mode = 0;

    if (!kv || !kv_check_keys(kv, keys, errp)
        || !kv_get_enum(kv, "mode", modes, &mode, errp)
        || !kv_get_bool(kv, "pretty", &pretty, errp)) {
        return false;
    }
    if (!kv_get(kv, "chardev")) {
        opt_error(errp, opt, arg, "chardev= is required");
        return false;
    }
    spec = g_strdup_printf("chardev:%s", kv_get(kv, "chardev"));
    if (mode == 0) {
        ctx->monitor_given = true;
    }
    opt_set_str(mode == 0 ? &ctx->cfg->monitor : &ctx->cfg->qmp, spec);
    return true;
}

bool opt_chardev(OptCtx *ctx, const KsOption *opt, const char *arg,
                 GError **errp)
{
    g_autofree char *id = NULL;

    if (opt_is_help(arg)) {
        opt_set_str(&ctx->cl->help_topic, "chardev");
        return true;
    }
    if (!chardev_check_opts(arg, &id, errp)) {
        return false;
    }
    if (g_ptr_array_find_with_equal_func(ctx->chardev_ids, id, g_str_equal,
                                         NULL)) {
        opt_error(errp, opt, arg, "id '%s' is already used", id);
        return false;
    }
    g_ptr_array_add(ctx->chardev_ids, g_steal_pointer(&id));
    g_ptr_array_add(ctx->cfg->chardevs, g_strdup(arg));
    return true;
}

static bool device_check(const KsOption *opt, const char *arg,
                         const DeviceType *type, KvList *kv, GError **errp)
{
    for (guint i = 0; i < kv->pairs->len; i++) {
        const KvPair *pair = g_ptr_array_index(kv->pairs, i);
        const PropDesc *p = type->props;

        if (!strcmp(pair->key, "driver") || !strcmp(pair->key, "id")) {
            continue;
        }
        while (p && p->name && strcmp(p->name, pair->key)) {
            p++;
        }
        if (!p || !p->name) {
            opt_error(errp, opt, arg, "%s has no property '%s' (-device "
                      "%s,help lists them)", type->name, pair->key,
                      type->name);
            return false;
        }
    }
    return true;
}

bool opt_device(OptCtx *ctx, const KsOption *opt, const char *arg,
                GError **errp)
{
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = NULL;
    const DeviceType *type;
    const char *name;

    if (opt_is_help(arg)) {
        opt_set_str(&ctx->cl->help_topic, "device");
        return true;
    }
    kv = kv_parse(label, arg, "driver", 0, errp);
    if (!kv) {
        return false;
    }
    name = kv_get(kv, "driver");
    if (name && kv_has(kv, "help")) {
        g_free(ctx->cl->help_topic);
        ctx->cl->help_topic = g_strdup_printf("device:%s", name);
        return true;
    }
    type = name ? dev_type_find(name) : NULL;
    if (!type) {
        opt_error(errp, opt, arg, "unknown device type (-device help "
                  "lists them)");
        return false;
    }
    if (!type->user_creatable) {
        opt_error(errp, opt, arg, "%s is built into the board and cannot "
                  "be added with -device", type->name);
        return false;
    }
    if (!device_check(opt, arg, type, kv, errp)) {
        return false;
    }
    g_ptr_array_add(ctx->cfg->devices, g_strdup(arg));
    return true;
}

/* Network back-end types QEMU has; Kestrel implements user only. */
static const char *const net_types_qemu[] = {
    "tap", "bridge", "socket", "stream", "dgram", "vde", "l2tpv3",
    "vhost-user", "vhost-vdpa", "af-xdp", "hubport", NULL,
};

static bool net_check_type(const KsOption *opt, const char *arg,
                           const char *type, bool allow_none, GError **errp)
{
    if (!strcmp(type, "user") || (allow_none && !strcmp(type, "none"))) {
        return true;
    }
    if (g_strv_contains(net_types_qemu, type)) {
        opt_error(errp, opt, arg, "type %s is not supported by Kestrel "
                  "(only user)", type);
    } else {
        opt_error(errp, opt, arg, "unknown network type '%s'", type);
    }
    return false;
}

bool opt_netdev(OptCtx *ctx, const KsOption *opt, const char *arg,
                GError **errp)
{
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = kv_parse(label, arg, "type", 0, errp);

    if (!kv) {
        return false;
    }
    if (!kv_get(kv, "type")) {
        opt_error(errp, opt, arg, "missing type (user)");
        return false;
    }
    if (!net_check_type(opt, arg, kv_get(kv, "type"), false, errp)) {
        return false;
    }
    if (!kv_get(kv, "id")) {
        opt_error(errp, opt, arg, "id= is required");
        return false;
    }
    g_ptr_array_add(ctx->cfg->netdevs, g_strdup(arg));
    return true;
}

bool opt_nic(OptCtx *ctx, const KsOption *opt, const char *arg,
             GError **errp)
{
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = kv_parse(label, arg, "type", 0, errp);
    const char *type;

    if (!kv) {
        return false;
    }
    type = kv_get(kv, "type");
    if (type && !net_check_type(opt, arg, type, true, errp)) {
        return false;
    }
    g_ptr_array_add(ctx->cfg->nics, g_strdup(arg));
    return true;
}

bool opt_net(OptCtx *ctx, const KsOption *opt, const char *arg,
             GError **errp)
{
    if (!strcmp(arg, "none")) {
        g_ptr_array_add(ctx->cfg->nics, g_strdup("none"));
        return true;
    }
    opt_error(errp, opt, arg, "not supported by Kestrel; use -netdev "
              "user,id=n0 -device e1000,netdev=n0, or -nic user");
    return false;
}

/* -object: only filter-dump (packet capture, net/dump.c) exists. */
bool opt_object(OptCtx *ctx, const KsOption *opt, const char *arg,
                GError **errp)
{
    g_autofree char *label = opt_label(opt);
    g_autoptr(KvList) kv = kv_parse(label, arg, "qom-type", 0, errp);

    if (!kv) {
        return false;
    }
    if (g_strcmp0(kv_get(kv, "qom-type"), "filter-dump")) {
        opt_error(errp, opt, arg, "object type '%s' is not supported by "
                  "Kestrel (only filter-dump)",
                  kv_get(kv, "qom-type") ? kv_get(kv, "qom-type") : "");
        return false;
    }
    if (!kv_get(kv, "id") || !kv_get(kv, "netdev") || !kv_get(kv, "file")) {
        opt_error(errp, opt, arg, "filter-dump needs id=, netdev= and "
                  "file=");
        return false;
    }
    g_ptr_array_add(ctx->cfg->objects, g_strdup(arg));
    return true;
}
