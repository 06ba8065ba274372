/* SPDX-License-Identifier: MIT */
/*
 * Comparing and showing final states of tests/diff/diff-run.c
 * (diff-cmp.c).
 */
#ifndef KESTREL_TESTS_DIFF_DIFF_CMP_H
#define KESTREL_TESTS_DIFF_DIFF_CMP_H

#include "kestrel/osdep.h"
#include "diff-gen.h"
#include "diff-native.h"

/* Append to @msg how @b differs from the reference @a; nothing if not. */
void dc_compare(const DiffSeq *s, const DiffState *a, const DiffState *b,
                GString *msg);
/* The laid-out code of @s as bytes, then one disassembled line each. */
void dc_print_code(const DiffSeq *s);

#endif /* KESTREL_TESTS_DIFF_DIFF_CMP_H */
