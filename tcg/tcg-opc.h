/* SPDX-License-Identifier: MIT */
/*
 * The IR opcode list, one X-macro: DEF(name, outputs, inputs, constants,
 * flags). Included by tcg-internal.h to build the opcode enum and the
 * TCGOpDef table, and by the dump, the optimizer and both back-ends.
 * Arguments of an op are stored outputs first, then inputs, then
 * constants (condition, offsets, label, memop...). `call` has a variable
 * number of temps, given by the op itself.
 * `_i32` ops use the low 32 bits of their inputs and zero-extend the
 * result; every other op works on 64 bits.
 */
#define TCG_BINOP_DEFS(op) \
    DEF(op##_i32, 1, 2, 0, 0) \
    DEF(op##_i64, 1, 2, 0, 0)

DEF(nop, 0, 0, 0, 0)
DEF(insn_start, 0, 0, 2, TCG_OPF_SIDE_EFFECTS)           /* data0, data1 */
DEF(set_label, 0, 0, 1, TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS)
DEF(br, 0, 0, 1, TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS)
DEF(brcond_i32, 0, 2, 2, TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS) /* cond, l */
DEF(brcond_i64, 0, 2, 2, TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS)
DEF(goto_tb, 0, 0, 1, TCG_OPF_SIDE_EFFECTS | TCG_OPF_SYNC)     /* slot n */
DEF(exit_tb, 0, 0, 1, TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS | TCG_OPF_EXIT)
DEF(goto_ptr, 0, 0, 0, TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS | TCG_OPF_EXIT)
DEF(call, 0, 0, 2, TCG_OPF_SIDE_EFFECTS)                 /* fn, flags */

DEF(mov, 1, 1, 0, 0)
TCG_BINOPS(TCG_BINOP_DEFS)
DEF(neg_i32, 1, 1, 0, 0)
DEF(neg_i64, 1, 1, 0, 0)
DEF(not_i32, 1, 1, 0, 0)
DEF(not_i64, 1, 1, 0, 0)
DEF(ext8u, 1, 1, 0, 0)
DEF(ext8s, 1, 1, 0, 0)
DEF(ext16u, 1, 1, 0, 0)
DEF(ext16s, 1, 1, 0, 0)
DEF(ext32u, 1, 1, 0, 0)
DEF(ext32s, 1, 1, 0, 0)
DEF(bswap16, 1, 1, 0, 0)
DEF(bswap32, 1, 1, 0, 0)
DEF(bswap64, 1, 1, 0, 0)
DEF(deposit, 1, 2, 2, 0)                                 /* ofs, len */
DEF(extract, 1, 1, 2, 0)                                 /* ofs, len */
DEF(sextract, 1, 1, 2, 0)
DEF(mulu2, 2, 2, 0, 0)                                   /* lo, hi = a*b */
DEF(muls2, 2, 2, 0, 0)
DEF(setcond_i32, 1, 2, 1, 0)                             /* cond */
DEF(setcond_i64, 1, 2, 1, 0)
DEF(movcond_i64, 1, 4, 1, 0)                             /* cond */

/* env loads/stores: constants are the offset and the global they overlap
 * (TCG_NO_ALIAS, a global's index, or TCG_ALIAS_ALL). */
DEF(ld8u, 1, 0, 2, 0)
DEF(ld16u, 1, 0, 2, 0)
DEF(ld32u, 1, 0, 2, 0)
DEF(ld64, 1, 0, 2, 0)
DEF(st8, 0, 1, 2, TCG_OPF_SIDE_EFFECTS)
DEF(st16, 0, 1, 2, TCG_OPF_SIDE_EFFECTS)
DEF(st32, 0, 1, 2, TCG_OPF_SIDE_EFFECTS)
DEF(st64, 0, 1, 2, TCG_OPF_SIDE_EFFECTS)

/* guest memory: constants are the MemOp and the mmu_idx; may fault */
DEF(qemu_ld, 1, 1, 2, TCG_OPF_SIDE_EFFECTS | TCG_OPF_SYNC)
DEF(qemu_st, 0, 2, 2, TCG_OPF_SIDE_EFFECTS | TCG_OPF_SYNC)

#undef TCG_BINOP_DEFS
