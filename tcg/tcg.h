/* SPDX-License-Identifier: MIT */
/*
 * The JIT's intermediate representation (IR) and its builder API.
 *
 * A translation block is built as a list of IR ops on temporaries. Every
 * temporary holds 64 bits. `_i32` ops compute on the low 32 bits and
 * zero-extend the result to 64; `_i64` ops use all 64. Globals are
 * temporaries backed by a field of the CPU state (env): the back-end may
 * keep them in host registers inside a block and writes them back before
 * helper calls, guest memory accesses, and at block exits. Locals (TEMP_LOCAL)
 * live across labels; plain temps die at the end of each basic block.
 *
 * The same IR runs in two ways: compiled to host code by tcg/x86_64/, or
 * executed by the interpreter in tcg/interp/ (-accel tcg,jit=off).
 * Ref: the shape follows QEMU's TCG front-end API (tcg/README in QEMU).
 */
#ifndef KESTREL_TCG_H
#define KESTREL_TCG_H

#include "kestrel/osdep.h"

typedef struct TCGContext TCGContext;
typedef struct TCGTemp *TCGv;           /* a value, 64 bits wide */
typedef struct TCGLabel TCGLabel;

typedef enum TCGCond {
    TCG_COND_NEVER, TCG_COND_ALWAYS,
    TCG_COND_EQ, TCG_COND_NE,
    TCG_COND_LT, TCG_COND_GE, TCG_COND_LE, TCG_COND_GT,         /* signed */
    TCG_COND_LTU, TCG_COND_GEU, TCG_COND_LEU, TCG_COND_GTU,     /* unsigned */
    TCG_COND_TSTEQ, TCG_COND_TSTNE,     /* (a & b) == 0, != 0 */
} TCGCond;

/* Guest memory op: size, sign, endianness is always little. */
typedef enum MemOp {
    MO_8 = 0, MO_16 = 1, MO_32 = 2, MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 4,
    MO_UB = MO_8, MO_UW = MO_16, MO_UL = MO_32, MO_UQ = MO_64,
    MO_SB = MO_8 | MO_SIGN, MO_SW = MO_16 | MO_SIGN, MO_SL = MO_32 | MO_SIGN,
} MemOp;

/* Helper call flags: what a helper may do, so the optimizer and the
 * register allocator know which globals to sync around the call. */
#define TCG_CALL_NO_READ_GLOBALS  (1u << 0)  /* does not read env globals */
#define TCG_CALL_NO_WRITE_GLOBALS (1u << 1)  /* does not write them */
#define TCG_CALL_NO_SIDE_EFFECTS  (1u << 2)  /* pure: may be removed */
#define TCG_CALL_PURE (TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS | \
                       TCG_CALL_NO_SIDE_EFFECTS)

/* ---- context and block ---- */
TCGContext *tcg_context_new(void);
void tcg_context_free(TCGContext *s);
/* Start a new block: drops all ops and non-global temps. */
void tcg_func_start(TCGContext *s);

/* The env pointer is implicit: globals name offsets into it. */
TCGv tcg_global_mem_new(TCGContext *s, intptr_t env_offset,
                        const char *name);
/* A global backed by a 32-bit env field: reads zero-extend it, writes
 * store the low 32 bits. Create all globals before the first block. */
TCGv tcg_global_mem_new_i32(TCGContext *s, intptr_t env_offset,
                            const char *name);
TCGv tcg_temp_new(TCGContext *s);       /* dies at the next label/branch */
TCGv tcg_temp_local_new(TCGContext *s); /* lives across labels */
TCGv tcg_const(TCGContext *s, uint64_t val);    /* read-only, per block */
void tcg_temp_free(TCGContext *s, TCGv t);

TCGLabel *gen_new_label(TCGContext *s);
void gen_set_label(TCGContext *s, TCGLabel *l);
void tcg_gen_br(TCGContext *s, TCGLabel *l);

/* ---- data movement ---- */
void tcg_gen_mov_i64(TCGContext *s, TCGv d, TCGv a);
void tcg_gen_movi_i64(TCGContext *s, TCGv d, uint64_t v);
void tcg_gen_mov_i32(TCGContext *s, TCGv d, TCGv a);    /* zero-extends */

/* ---- arithmetic and logic: d = a OP b; _i32 and _i64 forms ---- */
#define TCG_BINOPS(X) \
    X(add) X(sub) X(mul) X(and) X(or) X(xor) X(andc) \
    X(shl) X(shr) X(sar) X(rotl) X(rotr)
#define TCG_DECL_BINOP(op) \
    void tcg_gen_##op##_i32(TCGContext *s, TCGv d, TCGv a, TCGv b); \
    void tcg_gen_##op##_i64(TCGContext *s, TCGv d, TCGv a, TCGv b); \
    void tcg_gen_##op##i_i32(TCGContext *s, TCGv d, TCGv a, uint64_t b); \
    void tcg_gen_##op##i_i64(TCGContext *s, TCGv d, TCGv a, uint64_t b);
TCG_BINOPS(TCG_DECL_BINOP)
#undef TCG_DECL_BINOP
/* Shift counts are taken modulo the width (as x86 hardware after the
 * guest's own masking); callers mask counts themselves. */

void tcg_gen_neg_i32(TCGContext *s, TCGv d, TCGv a);
void tcg_gen_neg_i64(TCGContext *s, TCGv d, TCGv a);
void tcg_gen_not_i32(TCGContext *s, TCGv d, TCGv a);
void tcg_gen_not_i64(TCGContext *s, TCGv d, TCGv a);

/* Extensions (result is 64-bit) */
void tcg_gen_ext8u(TCGContext *s, TCGv d, TCGv a);
void tcg_gen_ext8s(TCGContext *s, TCGv d, TCGv a);
void tcg_gen_ext16u(TCGContext *s, TCGv d, TCGv a);
void tcg_gen_ext16s(TCGContext *s, TCGv d, TCGv a);
void tcg_gen_ext32u(TCGContext *s, TCGv d, TCGv a);
void tcg_gen_ext32s(TCGContext *s, TCGv d, TCGv a);
/* d = (a & ~(mask << ofs)) | ((b & mask) << ofs), mask = (1 << len) - 1.
 * Used for partial register writes (AL, AH, AX). */
void tcg_gen_deposit_i64(TCGContext *s, TCGv d, TCGv a, TCGv b,
                         unsigned ofs, unsigned len);
/* d = (a >> ofs) & ((1 << len) - 1); sextract sign-extends. */
void tcg_gen_extract_i64(TCGContext *s, TCGv d, TCGv a, unsigned ofs,
                         unsigned len);
void tcg_gen_sextract_i64(TCGContext *s, TCGv d, TCGv a, unsigned ofs,
                          unsigned len);
void tcg_gen_bswap16(TCGContext *s, TCGv d, TCGv a);    /* low 16, zext */
void tcg_gen_bswap32(TCGContext *s, TCGv d, TCGv a);    /* low 32, zext */
void tcg_gen_bswap64(TCGContext *s, TCGv d, TCGv a);

/* Double-width multiply: (hi:lo) = a * b, unsigned or signed, 64x64. */
void tcg_gen_mulu2_i64(TCGContext *s, TCGv lo, TCGv hi, TCGv a, TCGv b);
void tcg_gen_muls2_i64(TCGContext *s, TCGv lo, TCGv hi, TCGv a, TCGv b);

/* d = cond(a, b) ? 1 : 0 ; movcond: d = cond(c1, c2) ? v1 : v2 */
void tcg_gen_setcond_i32(TCGContext *s, TCGCond c, TCGv d, TCGv a, TCGv b);
void tcg_gen_setcond_i64(TCGContext *s, TCGCond c, TCGv d, TCGv a, TCGv b);
void tcg_gen_movcond_i64(TCGContext *s, TCGCond c, TCGv d, TCGv c1,
                         TCGv c2, TCGv v1, TCGv v2);
void tcg_gen_brcond_i32(TCGContext *s, TCGCond c, TCGv a, TCGv b,
                        TCGLabel *l);
void tcg_gen_brcond_i64(TCGContext *s, TCGCond c, TCGv a, TCGv b,
                        TCGLabel *l);
void tcg_gen_brcondi_i64(TCGContext *s, TCGCond c, TCGv a, uint64_t b,
                         TCGLabel *l);

/* ---- env (CPU state) loads and stores, offset from env ---- */
void tcg_gen_ld8u(TCGContext *s, TCGv d, intptr_t ofs);
void tcg_gen_ld16u(TCGContext *s, TCGv d, intptr_t ofs);
void tcg_gen_ld32u(TCGContext *s, TCGv d, intptr_t ofs);
void tcg_gen_ld64(TCGContext *s, TCGv d, intptr_t ofs);
void tcg_gen_st8(TCGContext *s, TCGv v, intptr_t ofs);
void tcg_gen_st16(TCGContext *s, TCGv v, intptr_t ofs);
void tcg_gen_st32(TCGContext *s, TCGv v, intptr_t ofs);
void tcg_gen_st64(TCGContext *s, TCGv v, intptr_t ofs);

/* ---- guest memory through the soft-MMU ----
 * addr is a guest linear address (segment base already added); mmu_idx
 * selects the TLB (user/supervisor...). A fault raises the guest exception
 * through the TLB slow path and unwinds to the execution loop, which
 * restores the state of the faulting instruction from the insn_start
 * markers. */
void tcg_gen_qemu_ld(TCGContext *s, TCGv d, TCGv addr, unsigned mmu_idx,
                     MemOp op);
void tcg_gen_qemu_st(TCGContext *s, TCGv v, TCGv addr, unsigned mmu_idx,
                     MemOp op);

/* ---- helpers: ret = fn(env, args...) ; ret may be NULL ----
 * Helpers get the env pointer as their first argument implicitly. */
#define TCG_MAX_CALL_ARGS 6
void tcg_gen_call(TCGContext *s, void *fn, unsigned flags, TCGv ret,
                  unsigned nargs, const TCGv *args);
#define tcg_gen_callN(s, fn, flags, ret, ...)                           \
    tcg_gen_call((s), (void *)(fn), (flags), (ret),                     \
                 sizeof((TCGv[]){ __VA_ARGS__ }) / sizeof(TCGv),        \
                 (TCGv[]){ __VA_ARGS__ })

/* ---- block structure ---- */
/* Marks the start of a guest instruction; data[] is what the execution
 * loop restores on a fault inside it (e.g. guest pc, cc_op). */
#define TCG_INSN_START_WORDS 2
void tcg_gen_insn_start(TCGContext *s, uint64_t data0, uint64_t data1);
/* Direct jump slot n (0 or 1) of this block: patched when chained. */
void tcg_gen_goto_tb(TCGContext *s, unsigned n);
/* Leave the block: returns `val` to the execution loop. By convention
 * val = (uintptr_t)tb | n after goto_tb n (chaining request), 0 otherwise. */
void tcg_gen_exit_tb(TCGContext *s, uintptr_t val);
/* Look up the next block by the current env state (jump cache) and jump
 * to it, or exit to the loop when it is not translated yet. */
void tcg_gen_lookup_and_goto_ptr(TCGContext *s);

/* Log the ops (-d op, -d op_opt). */
void tcg_dump_ops(TCGContext *s, const char *title);

#endif /* KESTREL_TCG_H */
