/* SPDX-License-Identifier: MIT */
/*
 * Native runner of tests/diff/diff-run.c: a sequence from diff-gen.c runs
 * on the host CPU through native-run.c, with EDI pointing at a scratch
 * page mapped below 4 GiB, so [EDI+disp] is [RDI+disp] in 64-bit mode.
 * The generator's instructions mean the same in 64-bit mode as in 32-bit
 * code (32-bit results zero-extend, so only the low halves are compared).
 * Missing: 16-bit sequences have no native oracle.
 */
#include "kestrel/osdep.h"
#include <sys/mman.h>
#include "native-run.h"
#include "diff-native.h"

static uint8_t *dn_mem;

bool dn_init(void)
{
    dn_mem = mmap(NULL, DG_MEM_SIZE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    return dn_mem != MAP_FAILED && native_init();
}

void dn_run(const DiffSeq *s, DiffState *out)
{
    NativeRegs b;

    memcpy(dn_mem, s->mem, DG_MEM_SIZE);
    memcpy(b.r, s->regs, sizeof(b.r));
    b.r[DG_MEM_REG] = (uint32_t)(uintptr_t)dn_mem;
    b.flags = s->flags | 2;
    out->ran = true;
    out->excp = native_exec(s->code, s->len, &b, &out->fault_off);
    memcpy(out->regs, b.r, sizeof(out->regs));
    out->flags = b.flags & DG_CC;
    memcpy(out->mem, dn_mem, DG_MEM_SIZE);
}
