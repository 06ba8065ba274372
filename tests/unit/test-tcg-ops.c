/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the JIT's value ops (tcg/): every binary and unary op at
 * both widths, conditions (setcond, brcond, movcond), bit-field ops and
 * mul2, built with the builder API and run on both the x86-64 back-end
 * and the interpreter (tt_run), checked against reference semantics
 * written here in C. Registered by test-tcg.c's main().
 */
#include "kestrel/osdep.h"
#include "test-tcg.h"

/* ---- reference semantics, written independently of tcg-eval.h ---- */

typedef void (*GenBinop)(TCGContext *, TCGv, TCGv, TCGv);

typedef struct BinopCase {
    const char *name;
    GenBinop gen32, gen64;
    int kind;
} BinopCase;

enum { K_ADD, K_SUB, K_MUL, K_AND, K_OR, K_XOR, K_ANDC, K_SHL, K_SHR,
       K_SAR, K_ROTL, K_ROTR };

static uint64_t ref_binop(int k, uint64_t a, uint64_t b, bool w32)
{
    unsigned bits = w32 ? 32 : 64;
    uint64_t m = w32 ? 0xffffffffull : ~0ull;
    unsigned n = b & (bits - 1);
    uint64_t r;

    a &= m;
    switch (k) {
    case K_ADD: r = a + b; break;
    case K_SUB: r = a - b; break;
    case K_MUL: r = a * b; break;
    case K_AND: r = a & b; break;
    case K_OR: r = a | b; break;
    case K_XOR: r = a ^ b; break;
    case K_ANDC: r = a & ~b; break;
    case K_SHL: r = a << n; break;
    case K_SHR: r = a >> n; break;
    case K_SAR:
        r = w32 ? (uint64_t)((int32_t)a >> n) : (uint64_t)((int64_t)a >> n);
        break;
    case K_ROTL: r = n ? (a << n) | (a >> (bits - n)) : a; break;
    default: r = n ? (a >> n) | (a << (bits - n)) : a; break;
    }
    return r & m;
}

static const BinopCase binops[] = {
#define B(nm, k) { #nm, tcg_gen_##nm##_i32, tcg_gen_##nm##_i64, k }
    B(add, K_ADD), B(sub, K_SUB), B(mul, K_MUL), B(and, K_AND),
    B(or, K_OR), B(xor, K_XOR), B(andc, K_ANDC), B(shl, K_SHL),
    B(shr, K_SHR), B(sar, K_SAR), B(rotl, K_ROTL), B(rotr, K_ROTR),
#undef B
};

static const uint64_t interesting[] = {
    0, 1, 2, 7, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x7fff, 0x8000,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0x123456789abcdefull,
    0x8000000000000000ull, 0x7fffffffffffffffull, ~0ull, 0xfffffffffffffffeull,
    0xdeadbeefcafef00dull, 0xffffffff80000000ull,
};

typedef struct BinopBuild {
    const BinopCase *c;
    bool w32;
    int form;                           /* 0 reg,reg 1 reg,const 2 const,reg
                                         * 3 same reg 4 in place */
    uint64_t k;
} BinopBuild;

static void build_binop(TtCtx *t, const void *opaque)
{
    const BinopBuild *b = opaque;
    GenBinop gen = b->w32 ? b->c->gen32 : b->c->gen64;
    TCGContext *s = t->s;
    TCGv k = tcg_const(s, b->k);

    switch (b->form) {
    case 0:
        gen(s, t->g[2], t->g[0], t->g[1]);
        break;
    case 1:
        gen(s, t->g[2], t->g[0], k);
        break;
    case 2:
        gen(s, t->g[2], k, t->g[1]);
        break;
    case 3:
        gen(s, t->g[2], t->g[0], t->g[0]);
        break;
    default: {
        TCGv x = tcg_temp_new(s);

        tcg_gen_mov_i64(s, x, t->g[0]);
        gen(s, x, x, t->g[1]);
        tcg_gen_mov_i64(s, t->g[2], x);
        break;
    }
    }
    tcg_gen_exit_tb(s, 0);
}

static void test_binops(void)
{
    g_autofree TestEnv *env = tt_env_new();
    unsigned n = G_N_ELEMENTS(interesting);

    for (unsigned c = 0; c < G_N_ELEMENTS(binops); c++) {
        for (int w = 0; w < 2; w++) {
            for (int form = 0; form < 5; form++) {
                for (unsigned ki = 0; ki < (form == 1 || form == 2 ? n : 1);
                     ki++) {
                    BinopBuild b = { &binops[c], w, form, interesting[ki] };
                    void *code[2];

                    tt_compile(build_binop, &b, code);
                    for (unsigned i = 0; i < n; i++) {
                        for (unsigned j = 0; j < n; j++) {
                            uint64_t x = interesting[i], y = interesting[j];
                            uint64_t exp;

                            if (form == 1) {
                                y = b.k;
                            } else if (form == 2) {
                                x = b.k;
                            } else if (form == 3) {
                                y = x;
                            }
                            env->g[0] = x;
                            env->g[1] = y;
                            tt_run_code(code, env);
                            exp = ref_binop(binops[c].kind, x, y, w);
                            if (env->g[2] != exp) {
                                g_test_message("%s_i%d form %d: 0x%" PRIx64
                                               ", 0x%" PRIx64, binops[c].name,
                                               w ? 32 : 64, form, x, y);
                            }
                            g_assert_cmphex(env->g[2], ==, exp);
                        }
                    }
                }
            }
        }
    }
}

/* ---- one-input ops ---- */

typedef void (*GenUnop)(TCGContext *, TCGv, TCGv);

static uint64_t ref_unop(int k, uint64_t a)
{
    switch (k) {
    case 0: return (uint32_t)-(uint32_t)a;
    case 1: return -a;
    case 2: return (uint32_t)~a;
    case 3: return ~a;
    case 4: return a & 0xff;
    case 5: return (uint64_t)(int64_t)(int8_t)a;
    case 6: return a & 0xffff;
    case 7: return (uint64_t)(int64_t)(int16_t)a;
    case 8: return a & 0xffffffff;
    case 9: return (uint64_t)(int64_t)(int32_t)a;
    case 10: return ((a & 0xff) << 8) | ((a >> 8) & 0xff);
    case 11: {
        uint64_t r = 0;

        for (int i = 0; i < 4; i++) {
            r |= ((a >> (8 * i)) & 0xff) << (8 * (3 - i));
        }
        return r;
    }
    case 12: {
        uint64_t r = 0;

        for (int i = 0; i < 8; i++) {
            r |= ((a >> (8 * i)) & 0xff) << (8 * (7 - i));
        }
        return r;
    }
    default: return a & 0xffffffff;         /* mov_i32 */
    }
}

static const GenUnop unops[] = {
    tcg_gen_neg_i32, tcg_gen_neg_i64, tcg_gen_not_i32, tcg_gen_not_i64,
    tcg_gen_ext8u, tcg_gen_ext8s, tcg_gen_ext16u, tcg_gen_ext16s,
    tcg_gen_ext32u, tcg_gen_ext32s, tcg_gen_bswap16, tcg_gen_bswap32,
    tcg_gen_bswap64, tcg_gen_mov_i32,
};

typedef struct UnopBuild {
    int k;
    bool konst;
    uint64_t v;
} UnopBuild;

static void build_unop(TtCtx *t, const void *opaque)
{
    const UnopBuild *u = opaque;

    unops[u->k](t->s, t->g[2], u->konst ? tcg_const(t->s, u->v) : t->g[0]);
    /* also keep the input live, so the output needs its own register */
    unops[u->k](t->s, t->g[3], t->g[0]);
    tcg_gen_add_i64(t->s, t->g[4], t->g[0], t->g[3]);
    tcg_gen_exit_tb(t->s, 0);
}

static void test_unops(void)
{
    g_autofree TestEnv *env = tt_env_new();

    for (unsigned k = 0; k < G_N_ELEMENTS(unops); k++) {
        for (unsigned i = 0; i < G_N_ELEMENTS(interesting); i++) {
            uint64_t x = interesting[i] ^ 0x0102030405060708ull * (i & 1);
            UnopBuild u = { k, i & 1, x };

            env->g[0] = x;
            tt_run(build_unop, &u, env);
            g_assert_cmphex(env->g[2], ==, ref_unop(k, x));
            g_assert_cmphex(env->g[3], ==, ref_unop(k, x));
            g_assert_cmphex(env->g[4], ==, x + ref_unop(k, x));
        }
    }
}

/* ---- conditions ---- */

static bool ref_cond(TCGCond c, uint64_t a, uint64_t b, bool w32)
{
    int64_t sa = w32 ? (int32_t)a : (int64_t)a;
    int64_t sb = w32 ? (int32_t)b : (int64_t)b;

    if (w32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    switch (c) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return sa >= sb;
    case TCG_COND_LE: return sa <= sb;
    case TCG_COND_GT: return sa > sb;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    case TCG_COND_TSTEQ: return (a & b) == 0;
    default: return (a & b) != 0;
    }
}

typedef struct CondBuild {
    TCGCond c;
    int form;                           /* 0 reg/reg 1 reg/const 2 const/reg */
    uint64_t k;
} CondBuild;

static void build_cond(TtCtx *t, const void *opaque)
{
    const CondBuild *cb = opaque;
    TCGContext *s = t->s;
    TCGv a = cb->form == 2 ? tcg_const(s, cb->k) : t->g[0];
    TCGv b = cb->form == 1 ? tcg_const(s, cb->k) : t->g[1];
    TCGLabel *l32 = gen_new_label(s), *l64 = gen_new_label(s);

    tcg_gen_setcond_i32(s, cb->c, t->g[2], a, b);
    tcg_gen_setcond_i64(s, cb->c, t->g[3], a, b);
    tcg_gen_movcond_i64(s, cb->c, t->g[4], a, b, t->g[5], t->g[6]);
    tcg_gen_movi_i64(s, t->g[7], 0);
    tcg_gen_brcond_i32(s, cb->c, a, b, l32);
    tcg_gen_movi_i64(s, t->g[7], 1);
    gen_set_label(s, l32);
    tcg_gen_movi_i64(s, t->g[8], 0);
    tcg_gen_brcond_i64(s, cb->c, a, b, l64);
    tcg_gen_movi_i64(s, t->g[8], 1);
    gen_set_label(s, l64);
    tcg_gen_exit_tb(s, 0);
}

static void test_conditions(void)
{
    g_autofree TestEnv *env = tt_env_new();
    unsigned n = G_N_ELEMENTS(interesting);

    for (TCGCond c = TCG_COND_NEVER; c <= TCG_COND_TSTNE; c++) {
        for (int form = 0; form < 3; form++) {
            for (unsigned ki = 0; ki < (form ? n : 1); ki += form ? 3 : 1) {
                CondBuild cb = { c, form, interesting[ki] };
                void *code[2];

                tt_compile(build_cond, &cb, code);
                for (unsigned i = 0; i < n; i++) {
                    for (unsigned j = 0; j < n; j++) {
                        uint64_t x = form == 2 ? cb.k : interesting[i];
                        uint64_t y = form == 1 ? cb.k : interesting[j];

                        env->g[0] = x;
                        env->g[1] = y;
                        env->g[5] = 0x5555;
                        env->g[6] = 0x6666;
                        tt_run_code(code, env);
                        g_assert_cmphex(env->g[2], ==, ref_cond(c, x, y, 1));
                        g_assert_cmphex(env->g[3], ==, ref_cond(c, x, y, 0));
                        g_assert_cmphex(env->g[4], ==,
                                        ref_cond(c, x, y, 0) ? 0x5555
                                                             : 0x6666);
                        g_assert_cmphex(env->g[7], ==, !ref_cond(c, x, y, 1));
                        g_assert_cmphex(env->g[8], ==, !ref_cond(c, x, y, 0));
                    }
                }
            }
        }
    }
}

/* ---- bit fields and double-width multiply ---- */

typedef struct FieldBuild {
    unsigned ofs, len;
} FieldBuild;

static void build_field(TtCtx *t, const void *opaque)
{
    const FieldBuild *f = opaque;
    TCGContext *s = t->s;

    tcg_gen_deposit_i64(s, t->g[2], t->g[0], t->g[1], f->ofs, f->len);
    tcg_gen_extract_i64(s, t->g[3], t->g[0], f->ofs, f->len);
    tcg_gen_sextract_i64(s, t->g[4], t->g[0], f->ofs, f->len);
    tcg_gen_deposit_i64(s, t->g[0], t->g[0], t->g[1], f->ofs, f->len);
    tcg_gen_exit_tb(s, 0);
}

static void test_fields(void)
{
    g_autofree TestEnv *env = tt_env_new();

    for (unsigned ofs = 0; ofs < 64; ofs += 1 + (ofs > 16) * 3) {
        for (unsigned len = 1; ofs + len <= 64; len += 1 + (len > 16) * 5) {
            FieldBuild f = { ofs, len };
            uint64_t m = len == 64 ? ~0ull : ((1ull << len) - 1);
            void *code[2];

            tt_compile(build_field, &f, code);
            for (unsigned i = 0; i < G_N_ELEMENTS(interesting); i += 2) {
                uint64_t a = interesting[i] * 0x9e3779b97f4a7c15ull;
                uint64_t b = ~interesting[i];
                uint64_t dep = (a & ~(m << ofs)) | ((b & m) << ofs);
                uint64_t ext = (a >> ofs) & m;
                uint64_t sext = (ext ^ (1ull << (len - 1))) -
                                (1ull << (len - 1));

                if (len == 64) {
                    sext = ext;
                }
                env->g[0] = a;
                env->g[1] = b;
                tt_run_code(code, env);
                g_assert_cmphex(env->g[2], ==, dep);
                g_assert_cmphex(env->g[0], ==, dep);
                g_assert_cmphex(env->g[3], ==, ext);
                g_assert_cmphex(env->g[4], ==, sext);
            }
        }
    }
}

static void build_mul2(TtCtx *t, const void *opaque)
{
    TCGContext *s = t->s;
    TCGv lo = tcg_temp_new(s), hi = tcg_temp_new(s);

    tcg_gen_mulu2_i64(s, lo, hi, t->g[0], t->g[1]);
    tcg_gen_mov_i64(s, t->g[2], lo);
    tcg_gen_mov_i64(s, t->g[3], hi);
    tcg_gen_muls2_i64(s, t->g[4], t->g[5], t->g[0], t->g[1]);
    tcg_gen_exit_tb(s, 0);
}

static void test_mul2(void)
{
    g_autofree TestEnv *env = tt_env_new();
    void *code[2];

    tt_compile(build_mul2, NULL, code);
    for (unsigned i = 0; i < G_N_ELEMENTS(interesting); i++) {
        for (unsigned j = 0; j < G_N_ELEMENTS(interesting); j++) {
            uint64_t a = interesting[i], b = interesting[j];
            unsigned __int128 u = (unsigned __int128)a * b;
            __int128 v = (__int128)(int64_t)a * (int64_t)b;

            env->g[0] = a;
            env->g[1] = b;
            tt_run_code(code, env);
            g_assert_cmphex(env->g[2], ==, (uint64_t)u);
            g_assert_cmphex(env->g[3], ==, (uint64_t)(u >> 64));
            g_assert_cmphex(env->g[4], ==, (uint64_t)v);
            g_assert_cmphex(env->g[5], ==, (uint64_t)((unsigned __int128)v
                                                      >> 64));
        }
    }
}

void tt_register_ops_tests(void)
{
    g_test_add_func("/tcg/ops/binops", test_binops);
    g_test_add_func("/tcg/ops/unops", test_unops);
    g_test_add_func("/tcg/ops/conditions", test_conditions);
    g_test_add_func("/tcg/ops/fields", test_fields);
    g_test_add_func("/tcg/ops/mul2", test_mul2);
}
