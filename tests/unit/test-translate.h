/* SPDX-License-Identifier: MIT */
/*
 * The translator test harness of test-translate.c, shared with
 * test-translate-64.c: a flat 1 MiB guest memory behind tlb_slow_ld/st,
 * helper stubs that stop the run, and xt_run() over JIT (backend 0) and
 * IR interpreter (backend 1).
 */
#ifndef KESTREL_TESTS_UNIT_TEST_TRANSLATE_H
#define KESTREL_TESTS_UNIT_TEST_TRANSLATE_H

#include "kestrel/osdep.h"
#include "tcg/tlb-layout.h"
#include "kestrel/x86-cpu.h"

#define XT_MEM_SIZE   0x100000
#define XT_CODE       0x1000

typedef struct XtEnv {
    X86CPUState env;
    TlbTable tlb;
} XtEnv;

/* Why a run stopped */
enum { XT_STOP_END, XT_STOP_EXCP, XT_STOP_HLT, XT_STOP_HELPER,
       XT_STOP_LOOP };

/* Flag policies of the native cases */
enum { XT_ALL, XT_LOGIC, XT_MUL, XT_BT, XT_BS, XT_SHIFT, XT_ROT, XT_SHD };

typedef struct XtCase {
    const char *name;
    const char *bytes;
    unsigned len;
    int policy;
    int count;                          /* shift count; -1: CL */
    unsigned width;
} XtCase;

extern uint8_t xt_mem[XT_MEM_SIZE];
extern int xt_excp;                     /* vector of XT_STOP_EXCP */
extern uint32_t xt_features;            /* X86TranslateParams.features */

/* A state: 32-bit flat protected mode (pm) or real mode, CS base cs. */
void xt_env_init(XtEnv *x, bool pm, uint16_t cs);
/* Run from env->rip until rip == end (or a stop); returns XT_STOP_*. */
int xt_run(XtEnv *x, int backend, uint64_t end);
/* The flags the SDM defines after case c with this count register. */
uint32_t xt_defined_flags(const XtCase *c, uint64_t ecx);
/* test-translate-64.c, test-translate-sse.c */
void xt64_add_tests(void);
void xts_add_tests(void);
void xtf_add_tests(void);           /* test-translate-x87.c */

#endif /* KESTREL_TESTS_UNIT_TEST_TRANSLATE_H */
