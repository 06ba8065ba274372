/* SPDX-License-Identifier: MIT */
/*
 * What each value op computes, in C: the one definition of the IR's
 * semantics, shared by constant folding (tcg/optimize.c) and the
 * interpreter (tcg/interp/), so both agree with each other by
 * construction. The JIT is tested against these in tests/unit/test-tcg*.c.
 */
#ifndef KESTREL_TCG_EVAL_H
#define KESTREL_TCG_EVAL_H

#include "tcg/tcg-internal.h"

static inline uint64_t tcg_rotl64(uint64_t v, unsigned n)
{
    n &= 63;
    return n ? (v << n) | (v >> (64 - n)) : v;
}

static inline uint32_t tcg_rotl32(uint32_t v, unsigned n)
{
    n &= 31;
    return n ? (v << n) | (v >> (32 - n)) : v;
}

static inline bool tcg_eval_cond(TCGCond c, uint64_t a, uint64_t b)
{
    switch (c) {
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ:     return a == b;
    case TCG_COND_NE:     return a != b;
    case TCG_COND_LT:     return (int64_t)a < (int64_t)b;
    case TCG_COND_GE:     return (int64_t)a >= (int64_t)b;
    case TCG_COND_LE:     return (int64_t)a <= (int64_t)b;
    case TCG_COND_GT:     return (int64_t)a > (int64_t)b;
    case TCG_COND_LTU:    return a < b;
    case TCG_COND_GEU:    return a >= b;
    case TCG_COND_LEU:    return a <= b;
    case TCG_COND_GTU:    return a > b;
    case TCG_COND_TSTEQ:  return (a & b) == 0;
    case TCG_COND_TSTNE:  return (a & b) != 0;
    default:              return false;
    }
}

/* The _i32 form: compare the low halves (sign-extended for signed). */
static inline bool tcg_eval_cond32(TCGCond c, uint64_t a, uint64_t b)
{
    return tcg_eval_cond(c, (uint64_t)(int64_t)(int32_t)a,
                         (uint64_t)(int64_t)(int32_t)b);
}

/* Result of a one- or two-input value op (not mulu2/muls2, deposit,
 * extract, setcond, movcond). */
static inline uint64_t tcg_eval_op(TCGOpcode opc, uint64_t a, uint64_t b)
{
    uint32_t a32 = a, b32 = b;

    switch (opc) {
    case INDEX_op_mov:      return a;
    case INDEX_op_add_i32:  return (uint32_t)(a32 + b32);
    case INDEX_op_add_i64:  return a + b;
    case INDEX_op_sub_i32:  return (uint32_t)(a32 - b32);
    case INDEX_op_sub_i64:  return a - b;
    case INDEX_op_mul_i32:  return (uint32_t)(a32 * b32);
    case INDEX_op_mul_i64:  return a * b;
    case INDEX_op_and_i32:  return a32 & b32;
    case INDEX_op_and_i64:  return a & b;
    case INDEX_op_or_i32:   return a32 | b32;
    case INDEX_op_or_i64:   return a | b;
    case INDEX_op_xor_i32:  return a32 ^ b32;
    case INDEX_op_xor_i64:  return a ^ b;
    case INDEX_op_andc_i32: return a32 & ~b32;
    case INDEX_op_andc_i64: return a & ~b;
    case INDEX_op_shl_i32:  return (uint32_t)(a32 << (b & 31));
    case INDEX_op_shl_i64:  return a << (b & 63);
    case INDEX_op_shr_i32:  return a32 >> (b & 31);
    case INDEX_op_shr_i64:  return a >> (b & 63);
    case INDEX_op_sar_i32:  return (uint32_t)((int32_t)a32 >> (b & 31));
    case INDEX_op_sar_i64:  return (uint64_t)((int64_t)a >> (b & 63));
    case INDEX_op_rotl_i32: return tcg_rotl32(a32, b);
    case INDEX_op_rotl_i64: return tcg_rotl64(a, b);
    case INDEX_op_rotr_i32: return tcg_rotl32(a32, 32 - (b & 31));
    case INDEX_op_rotr_i64: return tcg_rotl64(a, 64 - (b & 63));
    case INDEX_op_neg_i32:  return (uint32_t)-a32;
    case INDEX_op_neg_i64:  return -a;
    case INDEX_op_not_i32:  return (uint32_t)~a32;
    case INDEX_op_not_i64:  return ~a;
    case INDEX_op_ext8u:    return (uint8_t)a;
    case INDEX_op_ext8s:    return (uint64_t)(int64_t)(int8_t)a;
    case INDEX_op_ext16u:   return (uint16_t)a;
    case INDEX_op_ext16s:   return (uint64_t)(int64_t)(int16_t)a;
    case INDEX_op_ext32u:   return a32;
    case INDEX_op_ext32s:   return (uint64_t)(int64_t)(int32_t)a;
    case INDEX_op_bswap16:  return __builtin_bswap16(a);
    case INDEX_op_bswap32:  return __builtin_bswap32(a);
    case INDEX_op_bswap64:  return __builtin_bswap64(a);
    default:                return 0;
    }
}

static inline uint64_t tcg_field_mask(unsigned len)
{
    return len >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << len) - 1;
}

static inline uint64_t tcg_eval_deposit(uint64_t a, uint64_t b,
                                        unsigned ofs, unsigned len)
{
    uint64_t m = tcg_field_mask(len) << ofs;

    return (a & ~m) | ((b << ofs) & m);
}

static inline uint64_t tcg_eval_extract(uint64_t a, unsigned ofs,
                                        unsigned len)
{
    return (a >> ofs) & tcg_field_mask(len);
}

static inline uint64_t tcg_eval_sextract(uint64_t a, unsigned ofs,
                                         unsigned len)
{
    return (uint64_t)((int64_t)(a << (64 - ofs - len)) >> (64 - len));
}

static inline void tcg_eval_mul2(bool sign, uint64_t a, uint64_t b,
                                 uint64_t *lo, uint64_t *hi)
{
    if (sign) {
        __int128 r = (__int128)(int64_t)a * (int64_t)b;

        *lo = (uint64_t)r;
        *hi = (uint64_t)(r >> 64);
    } else {
        unsigned __int128 r = (unsigned __int128)a * b;

        *lo = (uint64_t)r;
        *hi = (uint64_t)(r >> 64);
    }
}

#endif /* KESTREL_TCG_EVAL_H */
