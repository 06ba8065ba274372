/* SPDX-License-Identifier: MIT */
/*
 * The Capstone comparison of tests/unit/test-decode.c, shared by its files:
 * test-decode-cs.c runs a case through both decoders and compares,
 * test-decode-dev.c has the named deviations (docs/deviations.md).
 */
#ifndef KESTREL_TESTS_UNIT_TEST_DECODE_H
#define KESTREL_TESTS_UNIT_TEST_DECODE_H

#include "kestrel/osdep.h"
#include "cpu/x86/insn.h"

#include <capstone/capstone.h>

/* One instruction through both decoders */
typedef struct Case {
    X86Mode mode;
    const uint8_t *bytes;
    X86Insn insn;
    X86DecodeStatus st;
    char ours[256];
    bool cs_ok;
    unsigned cs_len;
    char cs_mnem[64];
    char cs_text[320];
} Case;

extern csh cs_handle[3];
extern cs_insn *cs_scratch[3];
extern guint64 test_seed;
extern bool verbose;
extern const X86Mode modes[3];
extern const char *const mode_names[3];

/* test-decode-cs.c */
bool case_agrees(const Case *c);
bool case_check(X86Mode mode, const uint8_t *bytes, guint64 *failures);
void fail_with_seed(guint64 failures, const char *what);

/* test-decode-dev.c: whether a named deviation explains @c (counted, with
 * @desc as its first example); some rewrite the texts and compare again */
bool deviation_match(Case *c, const char *desc);
void report_deviations(void);

#endif /* KESTREL_TESTS_UNIT_TEST_DECODE_H */
