/* SPDX-License-Identifier: MIT */
/*
 * Common includes and small helpers every Kestrel source file starts with.
 */
#ifndef KESTREL_OSDEP_H
#define KESTREL_OSDEP_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>
#include <errno.h>

typedef uint64_t hwaddr;                /* guest physical address */
typedef uint64_t vaddr;                 /* guest linear/virtual address */

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define KS_NORETURN __attribute__((noreturn))
#define KS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define KS_UNUSED __attribute__((unused))

#define KS_ALIGN_DOWN(n, m) ((n) / (m) * (m))
#define KS_ALIGN_UP(n, m)   KS_ALIGN_DOWN((n) + (m) - 1, (m))

/* Error domain for GError: every user-facing error carries one of these. */
#define KS_ERROR ks_error_quark()
GQuark ks_error_quark(void);

typedef enum {
    KS_ERROR_FAILED,                    /* generic */
    KS_ERROR_INVALID,                   /* bad option or value */
    KS_ERROR_IO,                        /* host file or socket problem */
    KS_ERROR_UNSUPPORTED,               /* a feature Kestrel does not have */
} KsErrorCode;

/* Internal invariant broken: print and abort (never on a guest path). */
KS_NORETURN KS_PRINTF(1, 2) void ks_abort(const char *fmt, ...);

#endif /* KESTREL_OSDEP_H */
