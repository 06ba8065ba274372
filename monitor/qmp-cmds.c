/* SPDX-License-Identifier: MIT */
/*
 * The QMP command table: each command's arguments (checked here, with
 * QEMU's error texts) and its handler. qmp.c calls qmp_dispatch() once
 * capabilities are negotiated.
 * Ref: QEMU docs/interop/qmp-spec.rst and the QMP reference for the
 * commands' argument names and return shapes (query-status,
 * query-cpus-fast, query-block, query-version, human-monitor-command).
 * Missing: every command not in the table (CommandNotFound); query-block
 * lists the configured drives only, without QEMU's image, cache and
 * throttling members.
 */
#include "kestrel/osdep.h"
#include "kestrel/runstate.h"
#include "monitor/monitor-int.h"
#include "monitor/qmp.h"

#define QMP_MAX_ARGS 2

typedef struct QmpArg {
    const char *name;
    JsonType type;
    bool optional;
} QmpArg;

typedef JsonValue *QmpFn(const JsonValue *args, GError **errp);

typedef struct QmpCommand {
    const char *name;
    QmpArg args[QMP_MAX_ARGS];
    QmpFn *fn;
} QmpCommand;

static const QmpCommand qmp_commands[];

static JsonValue *qmp_empty(void)
{
    return json_new_object();
}

static JsonValue *qmp_query_status(const JsonValue *args, GError **errp)
{
    JsonValue *r = json_new_object();

    json_object_set(r, "status", json_new_string(vm_status_name(
                                                     vm_status())));
    json_object_set(r, "singlestep", json_new_bool(false));
    return json_object_set(r, "running",
                           json_new_bool(vm_status() == RUN_STATUS_RUNNING));
}

/* One socket per vCPU: Kestrel's CPUID gives each vCPU its own package
 * (QEMU 7.2 puts -smp N in N cores of one socket). thread-id is the host
 * thread's TID, for taskset, as in QEMU. */
static JsonValue *qmp_query_cpus_fast(const JsonValue *args, GError **errp)
{
    Machine *m = current_machine();
    JsonValue *list = json_new_array();

    for (unsigned i = 0; i < m->nr_cpus; i++) {
        JsonValue *cpu = json_new_object();
        JsonValue *props = json_new_object();
        g_autofree char *path =
            g_strdup_printf("/machine/unattached/device[%u]", i);

        json_object_set(props, "core-id", json_new_int(0));
        json_object_set(props, "thread-id", json_new_int(0));
        json_object_set(props, "socket-id", json_new_int(i));
        json_object_set(cpu, "cpu-index", json_new_int(i));
        json_object_set(cpu, "qom-path", json_new_string(path));
        json_object_set(cpu, "thread-id", json_new_int(m->cpus[i]->host_tid));
        json_object_set(cpu, "props", props);
        json_object_set(cpu, "target", json_new_string("x86_64"));
        json_array_append(list, cpu);
    }
    return list;
}

static JsonValue *qmp_query_block(const JsonValue *args, GError **errp)
{
    MachineConfig *cfg = current_machine()->cfg;
    JsonValue *list = json_new_array();

    for (guint i = 0; cfg->drives && i < cfg->drives->len; i++) {
        DriveConfig *d = cfg->drives->pdata[i];
        bool cd = !g_strcmp0(d->media, "cdrom");
        bool fd = !g_strcmp0(d->interface, "floppy");
        JsonValue *dev = json_new_object();
        JsonValue *ins = json_new_object();
        g_autofree char *name = d->id ? g_strdup(d->id)
            : fd ? g_strdup_printf("floppy%d", d->index)
            : g_strdup_printf("ide%d-%s%d", d->index / 2, cd ? "cd" : "hd",
                              d->index % 2);

        json_object_set(dev, "device", json_new_string(name));
        json_object_set(dev, "locked", json_new_bool(false));
        json_object_set(dev, "removable", json_new_bool(cd || fd));
        json_object_set(dev, "type", json_new_string("unknown"));
        if (!fd) {                      /* QEMU: drives with an I/O status */
            json_object_set(dev, "io-status", json_new_string("ok"));
        }
        if (cd) {
            json_object_set(dev, "tray_open", json_new_bool(false));
        }
        if (d->file) {
            json_object_set(ins, "file", json_new_string(d->file));
            json_object_set(ins, "drv", json_new_string(d->format ? d->format
                                                                 : "raw"));
            json_object_set(ins, "ro", json_new_bool(d->readonly || cd));
            json_object_set(dev, "inserted", ins);
        } else {
            json_free(ins);
        }
        json_array_append(list, dev);
    }
    return list;
}

static JsonValue *qmp_query_version(const JsonValue *args, GError **errp)
{
    return qmp_version();
}

static JsonValue *qmp_query_commands(const JsonValue *args, GError **errp)
{
    JsonValue *list = json_new_array();

    json_array_append(list, json_object_set(json_new_object(), "name",
                                            json_new_string(
                                                "qmp_capabilities")));
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        json_array_append(list, json_object_set(json_new_object(), "name",
                                                json_new_string(c->name)));
    }
    return list;
}

static JsonValue *qmp_stop(const JsonValue *args, GError **errp)
{
    mon_stop();
    return qmp_empty();
}

static JsonValue *qmp_cont(const JsonValue *args, GError **errp)
{
    mon_cont();
    return qmp_empty();
}

static JsonValue *qmp_system_reset(const JsonValue *args, GError **errp)
{
    mon_system_reset();
    return qmp_empty();
}

static JsonValue *qmp_system_powerdown(const JsonValue *args, GError **errp)
{
    return mon_system_powerdown(errp) ? qmp_empty() : NULL;
}

static JsonValue *qmp_screendump(const JsonValue *args, GError **errp)
{
    const char *file = json_get_string(json_object_get(args, "filename"));

    return mon_screendump(file, errp) ? qmp_empty() : NULL;
}

static JsonValue *qmp_quit(const JsonValue *args, GError **errp)
{
    mon_quit();
    return qmp_empty();
}

static JsonValue *qmp_hmp_command(const JsonValue *args, GError **errp)
{
    const char *line = json_get_string(json_object_get(args,
                                                       "command-line"));
    g_autofree char *out = hmp_run_capture(line);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    g_autofree char *crlf = g_strjoinv("\r\n", lines);

    return json_new_string(crlf);       /* QEMU's line ends */
}

/* QEMU's: enabled is KVM running the vCPUs, present that this binary
 * has KVM. */
static JsonValue *qmp_query_kvm(const JsonValue *args, GError **errp)
{
    JsonValue *r = json_new_object();

    json_object_set(r, "enabled", json_new_bool(
                        !strcmp(current_machine()->accel->name, "kvm")));
    return json_object_set(r, "present", json_new_bool(accel_find("kvm")));
}

/* Kestrel's own (hence x-): {"accel": "kvm"|"tcg"}, docs/monitor.md. */
static JsonValue *qmp_x_accel_switch(const JsonValue *args, GError **errp)
{
    const char *name = json_get_string(json_object_get(args, "accel"));

    return accel_switch(current_machine(), name, errp) ? qmp_empty() : NULL;
}

static const QmpCommand qmp_commands[] = {
    { "query-kvm", {}, qmp_query_kvm },
    { "x-accel-switch", { { "accel", JSON_STRING } }, qmp_x_accel_switch },
    { "query-status", {}, qmp_query_status },
    { "query-cpus-fast", {}, qmp_query_cpus_fast },
    { "query-block", {}, qmp_query_block },
    { "query-version", {}, qmp_query_version },
    { "query-commands", {}, qmp_query_commands },
    { "stop", {}, qmp_stop },
    { "cont", {}, qmp_cont },
    { "system_reset", {}, qmp_system_reset },
    { "system_powerdown", {}, qmp_system_powerdown },
    { "screendump", { { "filename", JSON_STRING },
                      { "device", JSON_STRING, true } }, qmp_screendump },
    { "quit", {}, qmp_quit },
    { "human-monitor-command", { { "command-line", JSON_STRING },
                                 { "cpu-index", JSON_INT, true } },
      qmp_hmp_command },
    { NULL },
};

static const char *const json_type_names[] = {
    [JSON_NULL] = "null", [JSON_BOOL] = "boolean", [JSON_INT] = "integer",
    [JSON_DOUBLE] = "number", [JSON_STRING] = "string",
    [JSON_ARRAY] = "array", [JSON_OBJECT] = "object",
};

/* QEMU's texts for argument errors. */
static bool qmp_check_args(const QmpCommand *c, const JsonValue *args,
                           GError **errp)
{
    for (unsigned i = 0; i < json_length(args); i++) {
        const char *key = json_object_key(args, i);
        bool known = false;

        for (int a = 0; a < QMP_MAX_ARGS && c->args[a].name; a++) {
            known |= !strcmp(c->args[a].name, key);
        }
        if (!known) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "Parameter '%s' is unexpected", key);
            return false;
        }
    }
    for (int a = 0; a < QMP_MAX_ARGS && c->args[a].name; a++) {
        const JsonValue *v = json_object_get(args, c->args[a].name);

        if (!v && !c->args[a].optional) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "Parameter '%s' is missing", c->args[a].name);
            return false;
        }
        if (v && json_type(v) != c->args[a].type) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "Invalid parameter type for '%s', expected: %s",
                        c->args[a].name, json_type_names[c->args[a].type]);
            return false;
        }
    }
    return true;
}

JsonValue *qmp_dispatch(const char *name, const JsonValue *args)
{
    g_autoptr(GError) err = NULL;

    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        JsonValue *ret;

        if (strcmp(c->name, name)) {
            continue;
        }
        ret = qmp_check_args(c, args, &err) ? c->fn(args, &err) : NULL;
        if (!ret) {
            return qmp_error("GenericError", err->message);
        }
        return json_object_set(json_new_object(), "return", ret);
    }
    {
        g_autofree char *desc = g_strdup_printf("The command %s has not "
                                                "been found", name);

        return qmp_error("CommandNotFound", desc);
    }
}
