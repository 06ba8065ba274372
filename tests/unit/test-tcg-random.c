/* SPDX-License-Identifier: MIT */
/*
 * Randomized differential test of the JIT: random straight-line programs
 * with forward branches over globals, locals, plain temps and constants
 * (every value op, conditions, bit fields, double-width multiplies, guest
 * loads and stores with and without a TLB hit), run on the x86-64
 * back-end, on the interpreter, and on a reference evaluator written here
 * in plain C. All three must end with the same globals and memory.
 * Seeds are deterministic: KS_TCG_SEED=n picks the first seed and
 * KS_TCG_COUNT=n how many programs; a failure prints the seed and the
 * program's ops (-d op style) to reproduce it.
 */
#include "kestrel/osdep.h"
#include "test-tcg.h"

#define R_NL        4                   /* locals */
#define R_NV        (TT_NG + R_NL)      /* value slots: globals, locals */
#define R_MAX_INSNS 64
#define R_MEM_BASE  0x2000

enum {
    RK_BINOP, RK_UNOP, RK_SETCOND, RK_MOVCOND, RK_DEPOSIT, RK_EXTRACT,
    RK_SEXTRACT, RK_MUL2, RK_LD, RK_ST, RK_BRCOND, RK_MOVI, RK_COUNT
};

typedef struct RInsn {
    uint8_t kind, sub;
    bool w32, via_temp, bconst;
    uint8_t d, d2, a, b, c, e;
    uint64_t imm;
    uint8_t ofs, len, skip;
} RInsn;

typedef struct RProg {
    unsigned n;
    RInsn insn[R_MAX_INSNS];
    uint64_t init[TT_NG];
    bool tlb_hit;
} RProg;

typedef struct RCtx {
    TtCtx *t;
    TCGv v[R_NV];
} RCtx;

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned rnd(unsigned n)
{
    return rng() % n;
}

static uint64_t rnd_value(void)
{
    static const uint64_t edge[] = {
        0, 1, 31, 32, 63, 64, 0x7fffffff, 0x80000000, 0xffffffff,
        0x8000000000000000ull, ~0ull, 0xff, 0x8000,
    };

    switch (rnd(4)) {
    case 0:
        return edge[rnd(G_N_ELEMENTS(edge))];
    case 1:
        return rnd(256);
    case 2:
        return (uint64_t)(int64_t)(int32_t)rng();
    default:
        return rng();
    }
}

/* ---- reference evaluator ---- */

static uint64_t ref_bin(unsigned sub, uint64_t a, uint64_t b, bool w32)
{
    unsigned bits = w32 ? 32 : 64;
    uint64_t m = w32 ? 0xffffffffull : ~0ull;
    unsigned n = b & (bits - 1);
    uint64_t r;

    a &= m;
    switch (sub) {
    case 0: r = a + b; break;
    case 1: r = a - b; break;
    case 2: r = a * b; break;
    case 3: r = a & b; break;
    case 4: r = a | b; break;
    case 5: r = a ^ b; break;
    case 6: r = a & ~b; break;
    case 7: r = a << n; break;
    case 8: r = a >> n; break;
    case 9:
        r = w32 ? (uint64_t)((int32_t)a >> n) : (uint64_t)((int64_t)a >> n);
        break;
    case 10: r = n ? (a << n) | (a >> (bits - n)) : a; break;
    default: r = n ? (a >> n) | (a << (bits - n)) : a; break;
    }
    return r & m;
}

static uint64_t ref_un(unsigned sub, uint64_t a)
{
    switch (sub) {
    case 0: return (uint32_t)-a;
    case 1: return -a;
    case 2: return (uint32_t)~a;
    case 3: return ~a;
    case 4: return (uint8_t)a;
    case 5: return (int64_t)(int8_t)a;
    case 6: return (uint16_t)a;
    case 7: return (int64_t)(int16_t)a;
    case 8: return (uint32_t)a;
    case 9: return (int64_t)(int32_t)a;
    case 10: return __builtin_bswap16(a);
    case 11: return __builtin_bswap32(a);
    default: return __builtin_bswap64(a);
    }
}

static bool ref_cnd(unsigned c, uint64_t a, uint64_t b, bool w32)
{
    int64_t sa = w32 ? (int32_t)a : (int64_t)a;
    int64_t sb = w32 ? (int32_t)b : (int64_t)b;

    if (w32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    switch (c) {
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
    case TCG_COND_TSTEQ: return !(a & b);
    default: return (a & b) != 0;
    }
}

static uint64_t mem_addr(uint64_t a, unsigned sub)
{
    return R_MEM_BASE + (a & (sub & 8 ? 0x7ff : 0x7f8));
}

static uint64_t ref_ld(uint64_t addr, unsigned memop)
{
    unsigned size = 1u << (memop & 3);
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)tt_mem[addr + i] << (8 * i);
    }
    if ((memop & 4) && size < 8) {
        v = (v ^ (1ull << (8 * size - 1))) - (1ull << (8 * size - 1));
    }
    return v;
}

static void ref_run(const RProg *p, uint64_t *v)
{
    for (unsigned i = 0; i < p->n; i++) {
        const RInsn *in = &p->insn[i];
        uint64_t b = in->bconst ? in->imm : v[in->b];
        uint64_t m = in->len == 64 ? ~0ull : (1ull << in->len) - 1;

        switch (in->kind) {
        case RK_BINOP:
            v[in->d] = ref_bin(in->sub, v[in->a], b, in->w32);
            break;
        case RK_UNOP:
            v[in->d] = ref_un(in->sub, v[in->a]);
            break;
        case RK_SETCOND:
            v[in->d] = ref_cnd(in->sub, v[in->a], b, in->w32);
            break;
        case RK_MOVCOND:
            v[in->d] = ref_cnd(in->sub, v[in->a], b, false) ? v[in->c]
                                                            : v[in->e];
            break;
        case RK_DEPOSIT:
            v[in->d] = (v[in->a] & ~(m << in->ofs)) | ((b & m) << in->ofs);
            break;
        case RK_EXTRACT:
            v[in->d] = (v[in->a] >> in->ofs) & m;
            break;
        case RK_SEXTRACT:
            v[in->d] = (uint64_t)((int64_t)(v[in->a] << (64 - in->ofs -
                                                          in->len)) >>
                                  (64 - in->len));
            break;
        case RK_MUL2: {
            uint64_t x = v[in->a];

            if (in->sub) {
                __int128 r = (__int128)(int64_t)x * (int64_t)b;

                v[in->d] = (uint64_t)r;
                v[in->d2] = (uint64_t)((unsigned __int128)r >> 64);
            } else {
                unsigned __int128 r = (unsigned __int128)x * b;

                v[in->d] = (uint64_t)r;
                v[in->d2] = (uint64_t)(r >> 64);
            }
            break;
        }
        case RK_LD:
            v[in->d] = ref_ld(mem_addr(v[in->a], in->sub), in->sub & 7);
            break;
        case RK_ST: {
            uint64_t addr = mem_addr(v[in->a], in->sub);

            for (unsigned k = 0; k < (1u << (in->sub & 3)); k++) {
                tt_mem[addr + k] = b >> (8 * k);
            }
            break;
        }
        case RK_BRCOND:
            if (ref_cnd(in->sub, v[in->a], b, in->w32)) {
                i += in->skip;
            }
            break;
        default:
            v[in->d] = in->imm;
            break;
        }
    }
}

/* ---- IR generation ---- */

typedef void (*GenBin)(TCGContext *, TCGv, TCGv, TCGv);
typedef void (*GenUn)(TCGContext *, TCGv, TCGv);

static const GenBin gen_bin[2][12] = {
    { tcg_gen_add_i64, tcg_gen_sub_i64, tcg_gen_mul_i64, tcg_gen_and_i64,
      tcg_gen_or_i64, tcg_gen_xor_i64, tcg_gen_andc_i64, tcg_gen_shl_i64,
      tcg_gen_shr_i64, tcg_gen_sar_i64, tcg_gen_rotl_i64, tcg_gen_rotr_i64 },
    { tcg_gen_add_i32, tcg_gen_sub_i32, tcg_gen_mul_i32, tcg_gen_and_i32,
      tcg_gen_or_i32, tcg_gen_xor_i32, tcg_gen_andc_i32, tcg_gen_shl_i32,
      tcg_gen_shr_i32, tcg_gen_sar_i32, tcg_gen_rotl_i32, tcg_gen_rotr_i32 },
};

static const GenUn gen_un[13] = {
    tcg_gen_neg_i32, tcg_gen_neg_i64, tcg_gen_not_i32, tcg_gen_not_i64,
    tcg_gen_ext8u, tcg_gen_ext8s, tcg_gen_ext16u, tcg_gen_ext16s,
    tcg_gen_ext32u, tcg_gen_ext32s, tcg_gen_bswap16, tcg_gen_bswap32,
    tcg_gen_bswap64,
};

static void gen_insn(RCtx *r, const RInsn *in, TCGLabel **pending)
{
    TCGContext *s = r->t->s;
    TCGv d = in->via_temp ? tcg_temp_new(s) : r->v[in->d];
    TCGv a = r->v[in->a];
    TCGv b = in->bconst ? tcg_const(s, in->imm) : r->v[in->b];

    switch (in->kind) {
    case RK_BINOP:
        gen_bin[in->w32][in->sub](s, d, a, b);
        break;
    case RK_UNOP:
        gen_un[in->sub](s, d, a);
        break;
    case RK_SETCOND:
        (in->w32 ? tcg_gen_setcond_i32 : tcg_gen_setcond_i64)(s, in->sub, d,
                                                               a, b);
        break;
    case RK_MOVCOND:
        tcg_gen_movcond_i64(s, in->sub, d, a, b, r->v[in->c], r->v[in->e]);
        break;
    case RK_DEPOSIT:
        tcg_gen_deposit_i64(s, d, a, b, in->ofs, in->len);
        break;
    case RK_EXTRACT:
        tcg_gen_extract_i64(s, d, a, in->ofs, in->len);
        break;
    case RK_SEXTRACT:
        tcg_gen_sextract_i64(s, d, a, in->ofs, in->len);
        break;
    case RK_MUL2: {
        TCGv hi = tcg_temp_new(s);

        (in->sub ? tcg_gen_muls2_i64 : tcg_gen_mulu2_i64)(s, d, hi, a, b);
        tcg_gen_mov_i64(s, r->v[in->d2], hi);
        break;
    }
    case RK_LD:
    case RK_ST: {
        TCGv addr = tcg_temp_new(s);

        tcg_gen_andi_i64(s, addr, a, in->sub & 8 ? 0x7ff : 0x7f8);
        tcg_gen_addi_i64(s, addr, addr, R_MEM_BASE);
        if (in->kind == RK_LD) {
            tcg_gen_qemu_ld(s, d, addr, in->d % TLB_MMU_MODES, in->sub & 7);
        } else {
            tcg_gen_qemu_st(s, b, addr, in->a % TLB_MMU_MODES, in->sub & 3);
        }
        break;
    }
    case RK_BRCOND:
        *pending = gen_new_label(s);
        (in->w32 ? tcg_gen_brcond_i32 : tcg_gen_brcond_i64)(s, in->sub, a, b,
                                                            *pending);
        return;
    default:
        tcg_gen_movi_i64(s, d, in->imm);
        break;
    }
    if (in->via_temp && in->kind != RK_ST) {
        tcg_gen_mov_i64(s, r->v[in->d], d);
    }
}

static void build_random(TtCtx *t, const void *opaque)
{
    const RProg *p = opaque;
    RCtx r = { .t = t };
    TCGLabel *pending = NULL;
    int left = -1;

    for (unsigned i = 0; i < TT_NG; i++) {
        r.v[i] = t->g[i];
    }
    for (unsigned i = 0; i < R_NL; i++) {
        r.v[TT_NG + i] = tcg_temp_local_new(t->s);
        tcg_gen_mov_i64(t->s, r.v[TT_NG + i], t->g[i]);
    }
    for (unsigned i = 0; i < p->n; i++) {
        tcg_gen_insn_start(t->s, i, 0);
        gen_insn(&r, &p->insn[i], &pending);
        if (p->insn[i].kind == RK_BRCOND) {
            left = p->insn[i].skip + 1;
        }
        if (left >= 0 && --left == 0) {
            gen_set_label(t->s, pending);
            left = -1;
        }
    }
    if (left >= 0) {
        gen_set_label(t->s, pending);   /* a cut program: skip to the end */
    }
    for (unsigned i = 0; i < R_NL; i++) {
        tcg_gen_mov_i64(t->s, t->g[TT_NG - R_NL + i], r.v[TT_NG + i]);
    }
    tcg_gen_exit_tb(t->s, 0);
}

static void rnd_field(RInsn *in)
{
    in->ofs = rnd(64);
    in->len = 1 + rnd(64 - in->ofs);
}

static void rnd_insn(RInsn *in, unsigned room)
{
    memset(in, 0, sizeof(*in));
    in->kind = rnd(RK_COUNT);
    if (in->kind == RK_BRCOND && room < 2) {
        in->kind = RK_BINOP;
    }
    in->w32 = rnd(2);
    in->via_temp = rnd(4) == 0;
    in->d = rnd(R_NV);
    in->d2 = (in->d + 1 + rnd(R_NV - 1)) % R_NV;
    in->a = rnd(R_NV);
    in->b = rnd(8) ? rnd(R_NV) : in->a;
    in->c = rnd(R_NV);
    in->e = rnd(R_NV);
    in->bconst = rnd(3) == 0;
    in->imm = rnd_value();
    switch (in->kind) {
    case RK_BINOP:
        in->sub = rnd(12);
        break;
    case RK_UNOP:
        in->sub = rnd(13);
        break;
    case RK_SETCOND:
    case RK_MOVCOND:
        in->sub = TCG_COND_EQ + rnd(TCG_COND_TSTNE - TCG_COND_EQ + 1);
        break;
    case RK_DEPOSIT:
    case RK_EXTRACT:
    case RK_SEXTRACT:
        rnd_field(in);
        break;
    case RK_MUL2:
        in->sub = rnd(2);
        in->via_temp = false;
        break;
    case RK_LD:
        in->sub = rnd(7) | (rnd(4) == 0 ? 8 : 0);
        break;
    case RK_ST:
        in->sub = rnd(4) | (rnd(4) == 0 ? 8 : 0);
        break;
    case RK_BRCOND:
        in->sub = TCG_COND_EQ + rnd(TCG_COND_TSTNE - TCG_COND_EQ + 1);
        in->skip = 1 + rnd(MIN(room - 1, 4u));
        break;
    default:
        break;
    }
}

static void rnd_prog(RProg *p)
{
    p->n = 4 + rnd(R_MAX_INSNS - 4);
    for (unsigned i = 0; i < p->n; i++) {
        rnd_insn(&p->insn[i], p->n - i);
        if (p->insn[i].kind == RK_BRCOND) {
            /* no branch inside the skipped range */
            for (unsigned k = 1; k <= p->insn[i].skip; k++) {
                do {
                    rnd_insn(&p->insn[i + k], 1);
                } while (p->insn[i + k].kind == RK_BRCOND);
            }
            i += p->insn[i].skip;
        }
    }
    for (unsigned i = 0; i < TT_NG; i++) {
        p->init[i] = rnd_value();
    }
    p->tlb_hit = rnd(2);
}

static bool run_prog(const RProg *p, uint64_t seed);

/* A failing program cut to its shortest failing prefix. */
static void shrink(RProg *p, uint64_t seed)
{
    unsigned n = p->n;

    for (p->n = 1; p->n < n; p->n++) {
        if (!run_prog(p, seed)) {
            break;
        }
    }
}

static bool run_one(uint64_t seed, RProg *p)
{
    rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
    rnd_prog(p);
    if (run_prog(p, seed)) {
        return true;
    }
    shrink(p, seed);
    return false;
}

static bool run_prog(const RProg *p, uint64_t seed)
{
    g_autofree TestEnv *env0 = g_new0(TestEnv, 1);
    g_autofree TestEnv *env1 = g_new0(TestEnv, 1);
    TestEnv *env[2] = { env0, env1 };
    g_autofree uint8_t *mem_init = g_malloc(TT_MEM_SIZE);
    g_autofree uint8_t *mem_jit = NULL;
    uint64_t ref[R_NV];
    void *code[2];

    rng_state = seed;
    for (unsigned i = 0; i < TT_MEM_SIZE; i++) {
        mem_init[i] = rng();
    }
    tt_compile(build_random, p, code);
    for (int k = 0; k < 2; k++) {
        memset(&env[k]->tlb, 0xff, sizeof(env[k]->tlb));
        if (p->tlb_hit) {
            tt_tlb_fill(env[k], R_MEM_BASE);
        }
        memcpy(env[k]->g, p->init, sizeof(p->init));
        memcpy(tt_mem, mem_init, TT_MEM_SIZE);
        tcg_exec_tb((CPUEnv *)env[k], code[k]);
        if (k == 0) {
            mem_jit = g_memdup2(tt_mem, TT_MEM_SIZE);
        }
    }
    memcpy(ref, p->init, sizeof(p->init));
    memcpy(ref + TT_NG, p->init, R_NL * sizeof(uint64_t));
    memcpy(tt_mem, mem_init, TT_MEM_SIZE);
    ref_run(p, ref);
    memcpy(ref + TT_NG - R_NL, ref + TT_NG, R_NL * sizeof(uint64_t));
    for (unsigned i = 0; i < TT_NG; i++) {
        if (env[0]->g[i] != ref[i] || env[1]->g[i] != ref[i]) {
            g_test_message("seed %" PRIu64 ": g%u jit 0x%" PRIx64 " interp 0x%"
                           PRIx64 " ref 0x%" PRIx64, seed, i, env[0]->g[i],
                           env[1]->g[i], ref[i]);
            return false;
        }
    }
    if (memcmp(mem_jit, tt_mem, TT_MEM_SIZE) != 0) {
        g_test_message("seed %" PRIu64 ": guest memory differs (jit)", seed);
        return false;
    }
    return true;
}

static void dump_failing(const RProg *p)
{
    static const char *const names[TT_NG] = {
        "g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7",
        "g8", "g9", "g10", "g11", "g12", "g13", "g14", "g15",
    };
    TCGContext *s = tcg_context_new();
    TtCtx t = { .s = s };

    for (unsigned i = 0; i < TT_NG; i++) {
        t.g[i] = tcg_global_mem_new(s, offsetof(TestEnv, g[i]), names[i]);
    }
    tcg_func_start(s);
    build_random(&t, p);
    tcg_dump_ops(s, "failing program, shortest prefix");
    tcg_context_free(s);
}

static void test_random(void)
{
    const char *seed_env = g_getenv("KS_TCG_SEED");
    const char *count_env = g_getenv("KS_TCG_COUNT");
    uint64_t first = seed_env ? g_ascii_strtoull(seed_env, NULL, 0) : 1;
    unsigned count = count_env ? atoi(count_env) : 3000;

    g_autofree RProg *p = g_new0(RProg, 1);

    for (uint64_t seed = first; seed < first + count; seed++) {
        if (!run_one(seed, p)) {
            dump_failing(p);
            g_test_message("reproduce: KS_TCG_SEED=%" PRIu64
                           " KS_TCG_COUNT=1", seed);
            g_test_fail();
            return;
        }
    }
}

void tt_register_random_tests(void)
{
    g_test_add_func("/tcg/random/differential", test_random);
}
