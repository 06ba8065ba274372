/* SPDX-License-Identifier: MIT */
/*
 * The interpreter's program format, shared by its builder (interp-build.c)
 * and its executor (interp.c).
 *
 * A program sits in the code buffer where a JIT block would, after a
 * TcgBlockHeader: an InterpProg, its constant pool, then 32-bit words.
 * Each op is word0 = opcode | aux << 8, then its operands. An operand is a
 * frame slot index (constants are copied into the first slots at entry),
 * or, with INTERP_ENV set, a global's env offset (INTERP_ENV32: a 32-bit
 * field). Branch targets are word indexes. See interp-build.c for each
 * op's layout.
 */
#ifndef KESTREL_TCG_INTERP_H
#define KESTREL_TCG_INTERP_H

#include "tcg/tcg-internal.h"

#define INTERP_ENV      0x80000000u
#define INTERP_ENV32    0x40000000u
#define INTERP_OFS_MASK 0x3fffffffu

typedef struct InterpProg {
    const void *jmp[2];                 /* goto_tb targets, NULL: unchained */
    uint32_t nb_consts;
    uint32_t nb_slots;                  /* frame size, constants included */
    uint32_t code_ofs;                  /* first word, bytes from the prog */
    uint32_t nb_words;
    uint64_t consts[];
} InterpProg;

static inline const uint32_t *interp_code(const InterpProg *p)
{
    return (const uint32_t *)((const uint8_t *)p + p->code_ofs);
}

#endif /* KESTREL_TCG_INTERP_H */
