/* SPDX-License-Identifier: MIT */
/*
 * The logging module: -d categories with QEMU's names, -D, trace points.
 * Every log line in Kestrel goes through ks_log(); -d perfmap writes
 * /tmp/perf-PID.map (ks_log_perfmap).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

typedef struct KsLogItem {
    unsigned mask;
    const char *name;
    const char *help;
} KsLogItem;

static const KsLogItem ks_log_items[] = {
    { LOG_IN_ASM,      "in_asm",       "guest code of each translated block" },
    { LOG_OUT_ASM,     "out_asm",      "host code generated for each block" },
    { LOG_OP,          "op",           "IR ops of each block, before optimizing" },
    { LOG_OP_OPT,      "op_opt",       "IR ops of each block, after optimizing" },
    { LOG_INT,         "int",          "interrupts and exceptions, with the CPU state" },
    { LOG_EXEC,        "exec",         "each block as it is executed" },
    { LOG_CPU,         "cpu",          "CPU registers before each executed block" },
    { LOG_MMU,         "mmu",          "page walks and TLB fills" },
    { LOG_PCALL,       "pcall",        "protected-mode far calls, returns and task switches" },
    { LOG_GUEST_ERROR, "guest_errors", "the guest did something invalid" },
    { LOG_UNIMP,       "unimp",        "the guest used something not implemented" },
    { LOG_IOPORT,      "ioport",       "every port I/O access" },
    { LOG_RESET,       "reset",        "machine and CPU resets" },
    { LOG_PERFMAP,     "perfmap",      "write /tmp/perf-PID.map for perf report" },
};

unsigned ks_log_mask_enabled;
static FILE *ks_log_file;
static GMutex ks_log_lock;
static KsTraceEvent *ks_trace_list;

GQuark ks_error_quark(void)
{
    return g_quark_from_static_string("kestrel-error-quark");
}

void ks_abort(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "kestrel: internal error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

void ks_log_vprintf(const char *fmt, va_list ap)
{
    g_mutex_lock(&ks_log_lock);
    vfprintf(ks_log_file ? ks_log_file : stderr, fmt, ap);
    g_mutex_unlock(&ks_log_lock);
}

void ks_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ks_log_vprintf(fmt, ap);
    va_end(ap);
}

void ks_trace_register(KsTraceEvent *ev)
{
    ev->next = ks_trace_list;
    ks_trace_list = ev;
}

int ks_trace_enable(const char *pattern)
{
    g_autoptr(GPatternSpec) spec = g_pattern_spec_new(pattern);
    int n = 0;

    for (KsTraceEvent *ev = ks_trace_list; ev; ev = ev->next) {
        if (g_pattern_spec_match_string(spec, ev->name)) {
            ev->enabled = true;
            n++;
        }
    }
    return n;
}

static gint trace_name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void ks_log_print_help(void)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    printf("Log items (comma separated):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(ks_log_items); i++) {
        printf("%-15s %s\n", ks_log_items[i].name, ks_log_items[i].help);
    }
    printf("%-15s %s\n", "trace:PATTERN",
           "enable the trace points matching PATTERN (a glob)");
    printf("\nTrace points:\n");
    for (KsTraceEvent *ev = ks_trace_list; ev; ev = ev->next) {
        g_ptr_array_add(names, (gpointer)ev->name);
    }
    g_ptr_array_sort(names, trace_name_cmp);
    for (guint i = 0; i < names->len; i++) {
        printf("%s\n", (const char *)names->pdata[i]);
    }
}

bool ks_log_parse(const char *str, bool *exit_now, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(str, ",", -1);
    unsigned mask = 0;

    *exit_now = false;
    for (int i = 0; parts[i]; i++) {
        const char *p = parts[i];
        bool found = false;

        if (!*p) {
            continue;
        }
        if (!strcmp(p, "help") || !strcmp(p, "?")) {
            ks_log_print_help();
            *exit_now = true;
            return true;
        }
        if (g_str_has_prefix(p, "trace:")) {
            if (ks_trace_enable(p + 6) == 0) {
                g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                            "-d %s: no trace point matches '%s' "
                            "(-d help lists them)", str, p + 6);
                return false;
            }
            continue;
        }
        for (size_t j = 0; j < G_N_ELEMENTS(ks_log_items); j++) {
            if (!strcmp(p, ks_log_items[j].name)) {
                mask |= ks_log_items[j].mask;
                found = true;
            }
        }
        if (!found) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "-d %s: unknown log item '%s' (-d help lists them)",
                        str, p);
            return false;
        }
    }
    ks_log_mask_enabled |= mask;
    return true;
}

bool ks_log_set_file(const char *path, GError **errp)
{
    FILE *f;

    if (!path || !strcmp(path, "-")) {
        return true;
    }
    f = fopen(path, "w");
    if (!f) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "-D %s: cannot open: %s",
                    path, g_strerror(errno));
        return false;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    ks_log_close();
    ks_log_file = f;
    return true;
}

void ks_log_flush(void)
{
    fflush(ks_log_file ? ks_log_file : stderr);
}

void ks_log_perfmap(const void *code, size_t size, const char *fmt, ...)
{
    static FILE *map;
    static GMutex lock;                 /* vCPU threads translate in turn */
    va_list ap;

    g_mutex_lock(&lock);
    if (!map) {
        g_autofree char *path = g_strdup_printf("/tmp/perf-%d.map",
                                                (int)getpid());

        map = fopen(path, "w");
        if (!map) {
            g_mutex_unlock(&lock);
            return;                     /* perf only loses the names */
        }
        setvbuf(map, NULL, _IOLBF, 0);
    }
    fprintf(map, "%" PRIxPTR " %zx ", (uintptr_t)code, size);
    va_start(ap, fmt);
    vfprintf(map, fmt, ap);
    va_end(ap);
    fputc('\n', map);
    g_mutex_unlock(&lock);
}

void ks_log_close(void)
{
    if (ks_log_file) {
        fclose(ks_log_file);
        ks_log_file = NULL;
    }
}
