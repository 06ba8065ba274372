/* SPDX-License-Identifier: MIT */
/*
 * diff-run --emit-guest (diff-emit.c): a sequence with its expected final
 * state as a tests/guest nasm test.
 */
#ifndef KESTREL_TESTS_DIFF_DIFF_EMIT_H
#define KESTREL_TESTS_DIFF_DIFF_EMIT_H

#include "kestrel/osdep.h"
#include "diff-native.h"

/* Write @s and the reference state @ref to @path; @what goes into its
 * header comment (seed, index, runner). False with the reason for the
 * sequences it cannot express (diff-emit.c: Missing). */
bool de_emit_guest(const char *path, const DiffSeq *s, const DiffState *ref,
                   const char *what, GError **errp);

#endif /* KESTREL_TESTS_DIFF_DIFF_EMIT_H */
