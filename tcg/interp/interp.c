/* SPDX-License-Identifier: MIT */
/*
 * The IR interpreter (-accel tcg,jit=off): runs a program built by
 * interp-build.c. Values are computed by the same tcg-eval.h functions as
 * constant folding. Guest memory goes through the same TLB as the JIT's
 * inline fast path (tcg/tlb-layout.h), then tlb_slow_ld/st. goto_tb
 * follows a chained target directly, like the JIT's patched jump, and
 * lookup_and_goto_ptr calls the execution loop's lookup function.
 * Called through tcg_exec_tb() by the execution loop.
 * During helper calls and slow-path accesses tcg_interp_ra names the
 * calling op (code + offset + 1), so TCG_GETPC() and tcg_restore_state()
 * work as under the JIT.
 */
#include "kestrel/osdep.h"
#include "tcg/tcg-eval.h"
#include "tcg/interp/interp.h"

typedef uint64_t (*InterpHelper)(CPUEnv *env, uint64_t, uint64_t, uint64_t,
                                 uint64_t, uint64_t, uint64_t);

static inline uint64_t rd(const uint64_t *f, uint8_t *env, uint32_t a)
{
    if (likely(!(a & INTERP_ENV))) {
        return f[a];
    }
    if (a & INTERP_ENV32) {
        return *(uint32_t *)(env + (a & INTERP_OFS_MASK));
    }
    return *(uint64_t *)(env + (a & INTERP_OFS_MASK));
}

static inline void wr(uint64_t *f, uint8_t *env, uint32_t a, uint64_t v)
{
    if (likely(!(a & INTERP_ENV))) {
        f[a] = v;
    } else if (a & INTERP_ENV32) {
        *(uint32_t *)(env + (a & INTERP_OFS_MASK)) = v;
    } else {
        *(uint64_t *)(env + (a & INTERP_OFS_MASK)) = v;
    }
}

static inline TlbEntry *interp_tlb(uint8_t *env, unsigned mmu, uint64_t a)
{
    TlbTable *t = (TlbTable *)(env + tcg_tlb_offset);

    return &t->e[mmu][(a >> TLB_PAGE_BITS) & (TLB_ENTRIES - 1)];
}

static uint64_t load_host(const void *p, unsigned memop)
{
    switch (memop & MO_SIZE) {
    case MO_8:
        return *(const uint8_t *)p;
    case MO_16:
        return *(const uint16_t *)p;
    case MO_32:
        return *(const uint32_t *)p;
    default:
        return *(const uint64_t *)p;
    }
}

static uint64_t sign_extend(uint64_t v, unsigned memop)
{
    switch (memop & (MO_SIZE | MO_SIGN)) {
    case MO_SB:
        return (uint64_t)(int64_t)(int8_t)v;
    case MO_SW:
        return (uint64_t)(int64_t)(int16_t)v;
    case MO_SL:
        return (uint64_t)(int64_t)(int32_t)v;
    default:
        return v;
    }
}

static uint64_t interp_ld(uint8_t *env, uint64_t addr, unsigned aux,
                          uintptr_t ra)
{
    unsigned memop = aux & 15, mmu = aux >> 4;
    TlbEntry *e = interp_tlb(env, mmu, addr);
    uint64_t v;

    if ((addr & (TLB_PAGE_MASK | ((1u << (memop & MO_SIZE)) - 1))) ==
        e->addr_read) {
        v = load_host((void *)(uintptr_t)(addr + e->addend), memop);
    } else {
        tcg_interp_ra = ra;
        v = tlb_slow_ld((CPUEnv *)env, addr, mmu, memop & MO_SIZE, ra);
        tcg_interp_ra = 0;
    }
    return sign_extend(v, memop);
}

static void interp_st(uint8_t *env, uint64_t addr, uint64_t v, unsigned aux,
                      uintptr_t ra)
{
    unsigned memop = aux & 15, mmu = aux >> 4;
    TlbEntry *e = interp_tlb(env, mmu, addr);
    void *p;

    if ((addr & (TLB_PAGE_MASK | ((1u << (memop & MO_SIZE)) - 1))) !=
        e->addr_write) {
        tcg_interp_ra = ra;
        tlb_slow_st((CPUEnv *)env, addr, v, mmu, memop & MO_SIZE, ra);
        tcg_interp_ra = 0;
        return;
    }
    p = (void *)(uintptr_t)(addr + e->addend);
    if (tcg_interp_hooks) {
        tcg_interp_hooks->store(p, 1u << (memop & MO_SIZE), v);
    }
    switch (memop & MO_SIZE) {
    case MO_8:
        *(uint8_t *)p = v;
        break;
    case MO_16:
        *(uint16_t *)p = v;
        break;
    case MO_32:
        *(uint32_t *)p = v;
        break;
    default:
        *(uint64_t *)p = v;
        break;
    }
}

static uint64_t interp_call(uint8_t *env, const uint64_t *f,
                            const uint32_t *w, uintptr_t ra)
{
    unsigned nargs = w[0] >> 8;
    InterpHelper fn = (InterpHelper)(uintptr_t)(w[1] | (uint64_t)w[2] << 32);
    uint64_t a[TCG_MAX_CALL_ARGS] = { 0 };
    uint64_t r;

    for (unsigned i = 0; i < nargs; i++) {
        a[i] = rd(f, env, w[4 + i]);
    }
    if (tcg_interp_hooks) {
        tcg_interp_hooks->call((void *)fn);
    }
    tcg_interp_ra = ra;
    r = fn((CPUEnv *)env, a[0], a[1], a[2], a[3], a[4], a[5]);
    tcg_interp_ra = 0;
    return r;
}

uintptr_t tcg_interp_exec(CPUEnv *cpu_env, const void *code)
{
    uint8_t *env = (uint8_t *)cpu_env;
    uint64_t f[TCG_MAX_TEMPS];
    const InterpProg *p;
    const uint32_t *base, *w;

next_block:
    p = code;
    memcpy(f, p->consts, p->nb_consts * sizeof(uint64_t));
    base = w = interp_code(p);
    for (;;) {
        TCGOpcode opc = w[0] & 0xff;
        unsigned aux = w[0] >> 8;
        uintptr_t ra = (uintptr_t)w + 1;

        switch (opc) {
        case INDEX_op_br:
            w = base + w[1];
            continue;
        case INDEX_op_brcond_i32:
        case INDEX_op_brcond_i64: {
            uint64_t a = rd(f, env, w[1]), b = rd(f, env, w[2]);
            bool t = opc == INDEX_op_brcond_i32 ?
                tcg_eval_cond32(aux, a, b) : tcg_eval_cond(aux, a, b);

            w = t ? base + w[3] : w + 4;
            continue;
        }
        case INDEX_op_goto_tb: {
            const void *t = __atomic_load_n(&p->jmp[aux], __ATOMIC_ACQUIRE);

            if (t) {
                code = t;
                goto next_block;
            }
            w += 1;
            continue;
        }
        case INDEX_op_exit_tb:
            return w[1] | (uint64_t)w[2] << 32;
        case INDEX_op_goto_ptr:
            code = tcg_lookup_fn ? tcg_lookup_fn(cpu_env) : NULL;
            if (!code) {
                return 0;
            }
            goto next_block;
        case INDEX_op_call: {
            uint64_t r = interp_call(env, f, w, ra);

            if (w[3] != ~0u) {
                wr(f, env, w[3], r);
            }
            w += 4 + aux;
            continue;
        }
        case INDEX_op_qemu_ld:
            wr(f, env, w[1], interp_ld(env, rd(f, env, w[2]), aux, ra));
            w += 3;
            continue;
        case INDEX_op_qemu_st:
            interp_st(env, rd(f, env, w[2]), rd(f, env, w[1]), aux, ra);
            w += 3;
            continue;
        case INDEX_op_ld8u:
            wr(f, env, w[1], *(uint8_t *)(env + (int32_t)w[2]));
            w += 3;
            continue;
        case INDEX_op_ld16u:
            wr(f, env, w[1], *(uint16_t *)(env + (int32_t)w[2]));
            w += 3;
            continue;
        case INDEX_op_ld32u:
            wr(f, env, w[1], *(uint32_t *)(env + (int32_t)w[2]));
            w += 3;
            continue;
        case INDEX_op_ld64:
            wr(f, env, w[1], *(uint64_t *)(env + (int32_t)w[2]));
            w += 3;
            continue;
        case INDEX_op_st8:
            *(uint8_t *)(env + (int32_t)w[2]) = rd(f, env, w[1]);
            w += 3;
            continue;
        case INDEX_op_st16:
            *(uint16_t *)(env + (int32_t)w[2]) = rd(f, env, w[1]);
            w += 3;
            continue;
        case INDEX_op_st32:
            *(uint32_t *)(env + (int32_t)w[2]) = rd(f, env, w[1]);
            w += 3;
            continue;
        case INDEX_op_st64:
            *(uint64_t *)(env + (int32_t)w[2]) = rd(f, env, w[1]);
            w += 3;
            continue;
        case INDEX_op_setcond_i32:
            wr(f, env, w[1], tcg_eval_cond32(aux, rd(f, env, w[2]),
                                             rd(f, env, w[3])));
            w += 4;
            continue;
        case INDEX_op_setcond_i64:
            wr(f, env, w[1], tcg_eval_cond(aux, rd(f, env, w[2]),
                                           rd(f, env, w[3])));
            w += 4;
            continue;
        case INDEX_op_movcond_i64: {
            bool t = tcg_eval_cond(aux, rd(f, env, w[2]), rd(f, env, w[3]));

            wr(f, env, w[1], rd(f, env, t ? w[4] : w[5]));
            w += 6;
            continue;
        }
        case INDEX_op_deposit:
            wr(f, env, w[1], tcg_eval_deposit(rd(f, env, w[2]),
                                              rd(f, env, w[3]),
                                              aux & 0xff, aux >> 8));
            w += 4;
            continue;
        case INDEX_op_extract:
            wr(f, env, w[1], tcg_eval_extract(rd(f, env, w[2]),
                                              aux & 0xff, aux >> 8));
            w += 3;
            continue;
        case INDEX_op_sextract:
            wr(f, env, w[1], tcg_eval_sextract(rd(f, env, w[2]),
                                               aux & 0xff, aux >> 8));
            w += 3;
            continue;
        case INDEX_op_mulu2:
        case INDEX_op_muls2: {
            uint64_t lo, hi;

            tcg_eval_mul2(opc == INDEX_op_muls2, rd(f, env, w[3]),
                          rd(f, env, w[4]), &lo, &hi);
            wr(f, env, w[1], lo);
            wr(f, env, w[2], hi);
            w += 5;
            continue;
        }
#define INTERP_UNOP(name) case INDEX_op_##name:
        INTERP_UNOP(mov) INTERP_UNOP(neg_i32) INTERP_UNOP(neg_i64)
        INTERP_UNOP(not_i32) INTERP_UNOP(not_i64) INTERP_UNOP(ext8u)
        INTERP_UNOP(ext8s) INTERP_UNOP(ext16u) INTERP_UNOP(ext16s)
        INTERP_UNOP(ext32u) INTERP_UNOP(ext32s) INTERP_UNOP(bswap16)
        INTERP_UNOP(bswap32) INTERP_UNOP(bswap64)
#undef INTERP_UNOP
            wr(f, env, w[1], tcg_eval_op(opc, rd(f, env, w[2]), 0));
            w += 3;
            continue;
#define INTERP_BINOP(name) \
        case INDEX_op_##name##_i32: case INDEX_op_##name##_i64:
        TCG_BINOPS(INTERP_BINOP)
#undef INTERP_BINOP
            wr(f, env, w[1], tcg_eval_op(opc, rd(f, env, w[2]),
                                         rd(f, env, w[3])));
            w += 4;
            continue;
        default:
            ks_abort("tcg interp: bad opcode %u at %p", opc, (void *)w);
        }
    }
}
