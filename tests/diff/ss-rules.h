/* SPDX-License-Identifier: MIT */
/*
 * The 386+ rules for the 286 vectors (ss-rules.c): which records to skip,
 * which flags to mask, which faults go through SS.
 */
#ifndef KESTREL_TESTS_DIFF_SS_RULES_H
#define KESTREL_TESTS_DIFF_SS_RULES_H

#include "kestrel/osdep.h"
#include "ss-record.h"

/* The little of a record's instruction the rules need */
typedef struct SsInsn {
    uint8_t op;                         /* after the prefixes */
    uint8_t modrm;
    bool has_modrm;
    bool lock;
    bool rep;                           /* F2 or F3 */
    int seg;                            /* override 0-3 (ES CS SS DS), -1 */
} SsInsn;

void ss_decode(const SsRecord *r, SsInsn *in);
/* Why a 386+ must not be compared with this record, or NULL. */
const char *ss_skip_reason(const SsRecord *r, const SsInsn *in);
/* True when a #GP(13) of the 286 may be a #SS(12) on a 386+. */
bool ss_is_stack_access(const SsInsn *in);
/*
 * A string instruction that faults: the 286 has advanced the pointer of
 * the faulting access (and counted the iteration in CX under REP), a 386+
 * leaves them as the iteration found them. Returns the 386+ value of
 * register @reg (SS_*) given the record's final value @exp.
 */
uint16_t ss_string_fault_reg(const SsRecord *r, const SsInsn *in, int reg,
                             uint16_t exp, uint16_t act);
/* FLAGS bits the SDM leaves undefined beyond metadata.json's masks. */
uint16_t ss_extra_mask(const SsRecord *r, const SsInsn *in);

#endif /* KESTREL_TESTS_DIFF_SS_RULES_H */
