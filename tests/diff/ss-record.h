/* SPDX-License-Identifier: MIT */
/*
 * The SingleStepTests 80286 records (../shared/singlestep-286, see its
 * README.md): one JSON object per line of a gzip'd file, parsed into
 * SsRecord, and the undefined-flag masks of its metadata.json.
 * Used by tests/diff/singlestep.c.
 */
#ifndef KESTREL_TESTS_DIFF_SS_RECORD_H
#define KESTREL_TESTS_DIFF_SS_RECORD_H

#include "kestrel/osdep.h"

/* Register order of the records: ax bx cx dx cs ss ds es sp bp si di ip
 * flags */
enum { SS_AX, SS_BX, SS_CX, SS_DX, SS_CS, SS_SS, SS_DS, SS_ES, SS_SP,
       SS_BP, SS_SI, SS_DI, SS_IP, SS_FLAGS, SS_NREGS };

typedef struct SsByte {
    uint32_t addr;
    uint8_t val;
} SsByte;

typedef struct SsState {
    uint16_t regs[SS_NREGS];
    uint16_t present;                   /* bit i: regs[i] was given */
    GArray *ram;                        /* SsByte */
} SsState;

typedef struct SsRecord {
    int idx;
    char name[64];
    uint8_t bytes[32];
    unsigned nbytes;
    SsState init, fin;
    int exception;                      /* vector, or -1 */
    char hash[48];
} SsRecord;

extern const char *const ss_reg_names[SS_NREGS];

void ss_record_init(SsRecord *r);
void ss_record_clear(SsRecord *r);
/* Parse one JSONL line into r (cleared first). False: malformed. */
bool ss_record_parse(SsRecord *r, const char *line);
/* Read the next line of a gzip'd file into s. False: end of file. */
bool ss_gz_getline(void *gz, GString *s);

/* Undefined-flag masks: index [opcode][reg] with reg 8 = no group. */
typedef struct SsMeta {
    uint16_t mask[256][9];
} SsMeta;

/* Load metadata.json (masks default to 0xFFFF). */
bool ss_meta_load(SsMeta *m, const char *path, GError **errp);

#endif /* KESTREL_TESTS_DIFF_SS_RECORD_H */
