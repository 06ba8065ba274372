/* SPDX-License-Identifier: MIT */
/*
 * One logging module: -d categories (QEMU's names), -D file, and device
 * trace points switched on by -d trace:PATTERN.
 */
#ifndef KESTREL_LOG_H
#define KESTREL_LOG_H

#include "kestrel/osdep.h"

#define LOG_IN_ASM        (1u << 0)
#define LOG_OUT_ASM       (1u << 1)
#define LOG_OP            (1u << 2)
#define LOG_INT           (1u << 3)
#define LOG_EXEC          (1u << 4)
#define LOG_CPU           (1u << 5)
#define LOG_MMU           (1u << 6)
#define LOG_PCALL         (1u << 7)
#define LOG_GUEST_ERROR   (1u << 8)
#define LOG_UNIMP         (1u << 9)
#define LOG_IOPORT        (1u << 10)
#define LOG_OP_OPT        (1u << 11)
#define LOG_RESET         (1u << 12)
#define LOG_PERFMAP       (1u << 13)

extern unsigned ks_log_mask_enabled;

static inline bool ks_log_enabled(unsigned mask)
{
    return unlikely(ks_log_mask_enabled & mask);
}

/* Write to the log file (-D) or stderr, unconditionally. */
KS_PRINTF(1, 2) void ks_log(const char *fmt, ...);
void ks_log_vprintf(const char *fmt, va_list ap);

/* Log when any category in mask is on (-d). */
#define ks_log_mask(mask, ...)                  \
    do {                                        \
        if (ks_log_enabled(mask)) {             \
            ks_log(__VA_ARGS__);                \
        }                                       \
    } while (0)

/*
 * Parse a -d argument ("int,guest_errors,trace:pit*"); "help" lists the
 * categories and trace points on stdout and sets *exit_now.
 */
bool ks_log_parse(const char *str, bool *exit_now, GError **errp);
/* Open the -D file; NULL or "-" means stderr. */
bool ks_log_set_file(const char *path, GError **errp);
void ks_log_flush(void);
void ks_log_close(void);

/*
 * -d perfmap: one line "START SIZE NAME" for @size bytes of generated code
 * at @code in /tmp/perf-PID.map, the file perf report reads to name JIT
 * code. The file is opened on the first call and flushed per line.
 */
KS_PRINTF(3, 4) void ks_log_perfmap(const void *code, size_t size,
                                    const char *fmt, ...);

/* ---- trace points ---- */
typedef struct KsTraceEvent {
    const char *name;
    bool enabled;
    struct KsTraceEvent *next;
} KsTraceEvent;

void ks_trace_register(KsTraceEvent *ev);
/* Enable every registered trace point whose name matches the glob. */
int ks_trace_enable(const char *pattern);

#define KS_TRACE_DEFINE(nm)                                             \
    static KsTraceEvent ks_trace_ev_##nm = { .name = #nm };             \
    __attribute__((constructor)) static void ks_trace_reg_##nm(void)    \
    {                                                                   \
        ks_trace_register(&ks_trace_ev_##nm);                           \
    }

#define ks_trace(nm, fmt, ...)                                          \
    do {                                                                \
        if (unlikely(ks_trace_ev_##nm.enabled)) {                       \
            ks_log("%s: " fmt "\n", #nm, ##__VA_ARGS__);                \
        }                                                               \
    } while (0)

#endif /* KESTREL_LOG_H */
