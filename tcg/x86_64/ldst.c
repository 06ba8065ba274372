/* SPDX-License-Identifier: MIT */
/*
 * x86-64 lowering of guest memory accesses and helper calls.
 *
 * qemu_ld/st: the inline soft-MMU TLB lookup of tcg/tlb-layout.h (index
 * the entry from the address, compare the page and alignment bits, add
 * the entry's addend), with no C call on a hit. A miss jumps to a stub
 * emitted after the block body, which writes dirty globals back to env
 * (the access may fault, and the fault handler reads env), saves the
 * call-clobbered registers that hold values, calls tlb_slow_ld/st with the
 * host return address of the access, and jumps back.
 * call: SysV AMD64 ABI, env in RDI and up to 6 more arguments (the 6th on
 * the stack); globals are written back or dropped per the call flags.
 * Called by codegen.c. Ref: System V AMD64 psABI 3.2 (calling convention).
 */
#include "kestrel/osdep.h"
#include "tcg/x86_64/emit.h"

typedef struct StubSync {
    TCGTemp *t;
    int8_t reg;                         /* -1: constant `val` */
    uint64_t val;
} StubSync;

struct LdstStub {
    bool is_st;
    uint8_t memop, mmu;
    int8_t addr_reg, val_reg;           /* val: data (st) or result (ld) */
    uint32_t saved;                     /* registers to preserve */
    uint8_t *jne_rel;                   /* rel32 of the miss branch */
    uint8_t *done;                      /* resume point, also the `ra` */
    GArray *sync;                       /* StubSync: dirty globals */
};

static const int8_t call_arg_regs[] = { R_DI, R_SI, R_DX, R_CX, R_8, R_9 };

/* Dirty globals the stub must write back before calling out. */
static GArray *snapshot_dirty_globals(X86Gen *g)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(StubSync));

    for (unsigned i = 0; i < g->s->nb_globals; i++) {
        TCGTemp *t = &g->s->temps[i];
        StubSync e = { .t = t, .reg = -1, .val = t->val };

        if (t->mem_coherent) {
            continue;
        }
        if (t->val_type == TEMP_VAL_REG) {
            e.reg = t->reg;
        } else if (t->val_type != TEMP_VAL_CONST) {
            continue;
        }
        g_array_append_val(a, e);
    }
    return a;
}

/* r11 = offset of the TLB entry of the address in `addr`; returns the
 * displacement of the entry's mmu table from env. */
static int32_t tlb_index(X86Gen *g, int addr, unsigned mmu)
{
    intptr_t disp = tcg_tlb_offset + offsetof(TlbTable, e[mmu][0]);

    g_assert(sizeof(TlbEntry) == 32 && fits_i32(disp + 4096));
    x86_mov_rr(g, TCG_TMP_REG, addr);
    x86_shift_ri(g, P_REXW, SH_SHR, TCG_TMP_REG, TLB_PAGE_BITS - 5);
    x86_alu_ri(g, 0, ALU_AND, TCG_TMP_REG, (TLB_ENTRIES - 1) << 5);
    return disp;
}

/* cmp (addr & mask) with the entry's tag; jne to a stub. */
static uint8_t *tlb_compare(X86Gen *g, int addr, int scratch, unsigned size,
                            int32_t tag_disp)
{
    uint8_t *rel;

    x86_mov_rr(g, scratch, addr);
    x86_alu_ri(g, P_REXW, ALU_AND, scratch,
               (int32_t)(TLB_PAGE_MASK | ((1u << size) - 1)));
    x86_modrm_sib(g, 0x3b | P_REXW, scratch, TCG_ENV_REG, TCG_TMP_REG, 0,
                  tag_disp);
    out8(g, 0x0f);
    out8(g, 0x80 + CC_NE);
    rel = g->p;
    out32(g, 0);
    return rel;
}

/* r11 = host address = addr + entry addend */
static void tlb_host_addr(X86Gen *g, int addr, int32_t disp)
{
    x86_modrm_sib(g, 0x8b | P_REXW, TCG_TMP_REG, TCG_ENV_REG, TCG_TMP_REG,
                  0, disp + offsetof(TlbEntry, addend));
    x86_alu_rr(g, P_REXW, ALU_ADD, TCG_TMP_REG, addr);
}

static const unsigned ld_opc[8] = {
    [MO_UB] = 0xb6 | P_EXT, [MO_SB] = 0xbe | P_EXT | P_REXW,
    [MO_UW] = 0xb7 | P_EXT, [MO_SW] = 0xbf | P_EXT | P_REXW,
    [MO_UL] = 0x8b, [MO_SL] = 0x63 | P_REXW,
    [MO_UQ] = 0x8b | P_REXW,
};

static const unsigned st_opc[4] = {
    [MO_8] = 0x88 | P_BYTE_R, [MO_16] = 0x89 | P_DATA16,
    [MO_32] = 0x89, [MO_64] = 0x89 | P_REXW,
};

static void add_stub(X86Gen *g, LdstStub *st)
{
    st->done = g->p;
    st->sync = snapshot_dirty_globals(g);
    g_array_append_val(g->stubs, *st);
}

void x86_gen_qemu_ld(X86Gen *g, const TCGOp *op)
{
    TCGTemp *d = arg_temp(op->args[0]);
    unsigned memop = op->args[2], mmu = op->args[3];
    int addr = ra_load(g, arg_temp(op->args[1]));
    int rd = ra_alloc(g, ~0u, d->kind != TEMP_NORMAL);
    LdstStub st = { .memop = memop, .mmu = mmu, .addr_reg = addr,
                    .val_reg = rd };
    int32_t disp;

    g->reserved |= 1u << rd;
    st.saved = ra_used_regs(g, CALL_CLOBBERED) & ~(1u << rd);
    disp = tlb_index(g, addr, mmu);
    st.jne_rel = tlb_compare(g, addr, rd, memop & MO_SIZE,
                             disp + offsetof(TlbEntry, addr_read));
    tlb_host_addr(g, addr, disp);
    x86_modrm_ofs(g, ld_opc[memop & 7], rd, TCG_TMP_REG, 0);
    add_stub(g, &st);
    ra_set_output(g, d, rd);
}

void x86_gen_qemu_st(X86Gen *g, const TCGOp *op)
{
    unsigned memop = op->args[2], mmu = op->args[3];
    int val = ra_load(g, arg_temp(op->args[0]));
    int addr = ra_load(g, arg_temp(op->args[1]));
    int scratch = ra_alloc(g, ~0u, false);
    LdstStub st = { .is_st = true, .memop = memop, .mmu = mmu,
                    .addr_reg = addr, .val_reg = val };
    int32_t disp;

    g->reserved |= 1u << scratch;
    st.saved = ra_used_regs(g, CALL_CLOBBERED);
    disp = tlb_index(g, addr, mmu);
    st.jne_rel = tlb_compare(g, addr, scratch, memop & MO_SIZE,
                             disp + offsetof(TlbEntry, addr_write));
    tlb_host_addr(g, addr, disp);
    x86_modrm_ofs(g, st_opc[memop & MO_SIZE], val, TCG_TMP_REG, 0);
    add_stub(g, &st);
}

static void stub_sync_globals(X86Gen *g, GArray *sync)
{
    for (unsigned i = 0; i < sync->len; i++) {
        StubSync *e = &g_array_index(sync, StubSync, i);
        int32_t ofs = e->t->mem_offset;
        unsigned w = e->t->size == 4 ? 0 : P_REXW;

        if (e->reg < 0) {
            if (e->t->size == 8 && !fits_i32(e->val)) {
                x86_movi(g, TCG_TMP_REG, e->val);
                x86_modrm_ofs(g, 0x89 | w, TCG_TMP_REG, TCG_ENV_REG, ofs);
                continue;
            }
            x86_modrm_ofs(g, 0xc7 | w, 0, TCG_ENV_REG, ofs);
            out32(g, e->val);
        } else {
            x86_modrm_ofs(g, 0x89 | w, e->reg, TCG_ENV_REG, ofs);
        }
    }
}

static void emit_stub(X86Gen *g, LdstStub *st)
{
    unsigned n = __builtin_popcount(st->saved);
    int32_t rel;

    x86_patch_rel32(st->jne_rel, g->p);
    stub_sync_globals(g, st->sync);
    for (int r = 0; r < TCG_NB_REGS; r++) {
        if ((st->saved >> r) & 1) {
            x86_opc(g, 0x50 + (r & 7), 0, r, -1);           /* push */
        }
    }
    if (n & 1) {
        x86_alu_ri(g, P_REXW, ALU_SUB, R_SP, 8);
    }
    if (st->is_st) {
        x86_mov_rr(g, TCG_TMP_REG, st->val_reg);
        x86_mov_rr(g, R_SI, st->addr_reg);
        x86_mov_rr(g, R_DX, TCG_TMP_REG);
        x86_mov_rr(g, R_DI, TCG_ENV_REG);
        x86_movi(g, R_CX, st->mmu);
        x86_movi(g, R_8, st->memop & MO_SIZE);
    } else {
        x86_mov_rr(g, R_SI, st->addr_reg);
        x86_mov_rr(g, R_DI, TCG_ENV_REG);
        x86_movi(g, R_DX, st->mmu);
        x86_movi(g, R_CX, st->memop & MO_SIZE);
    }
    /* lea r8/r9, [rip + done] */
    x86_opc(g, 0x8d | P_REXW, st->is_st ? R_9 : R_8, 0, -1);
    out8(g, ((st->is_st ? R_9 : R_8) & 7) << 3 | 5);
    rel = st->done - (g->p + 4);
    out32(g, rel);
    x86_call(g, st->is_st ? (void *)tlb_slow_st : (void *)tlb_slow_ld);
    if (!st->is_st) {
        static const unsigned ext[8] = {
            [MO_SB] = 0xbe | P_EXT | P_REXW, [MO_SW] = 0xbf | P_EXT | P_REXW,
            [MO_SL] = 0x63 | P_REXW,
        };
        unsigned e = ext[st->memop & 7];

        if (e) {
            x86_modrm(g, e, st->val_reg, R_AX);
        } else {
            x86_mov_rr(g, st->val_reg, R_AX);
        }
    }
    if (n & 1) {
        x86_alu_ri(g, P_REXW, ALU_ADD, R_SP, 8);
    }
    for (int r = TCG_NB_REGS - 1; r >= 0; r--) {
        if ((st->saved >> r) & 1) {
            x86_opc(g, 0x58 + (r & 7), 0, r, -1);           /* pop */
        }
    }
    x86_jmp_abs(g, st->done);
}

void x86_stubs_init(X86Gen *g)
{
    g->stubs = g_array_new(FALSE, FALSE, sizeof(LdstStub));
}

bool x86_emit_stubs(X86Gen *g)
{
    for (unsigned i = 0; i < g->stubs->len; i++) {
        LdstStub *st = &g_array_index(g->stubs, LdstStub, i);

        if (g->p + 1024 + st->sync->len * 16 >= tcg_code_buf.end) {
            return false;
        }
        emit_stub(g, st);
    }
    return true;
}

void x86_stubs_free(X86Gen *g)
{
    for (unsigned i = 0; i < g->stubs->len; i++) {
        g_array_free(g_array_index(g->stubs, LdstStub, i).sync, TRUE);
    }
    g_array_free(g->stubs, TRUE);
}

void x86_gen_call(X86Gen *g, const TCGOp *op)
{
    unsigned flags = op_carg(op, 1);
    const void *fn = (const void *)(uintptr_t)op_carg(op, 0);
    unsigned nargs = op->nb_iargs;

    if ((flags & (TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS)) !=
        (TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS)) {
        ra_sync_globals(g);
    }
    ra_spill_clobbered(g);
    for (unsigned i = 0; i < nargs; i++) {
        TCGTemp *t = arg_temp(op->args[op->nb_oargs + i]);

        if (i + 1 < G_N_ELEMENTS(call_arg_regs)) {
            ra_copy_to(g, t, call_arg_regs[i + 1]);
        } else {
            ra_copy_to(g, t, TCG_TMP_REG);
            x86_modrm_ofs(g, 0x89 | P_REXW, TCG_TMP_REG, R_SP, 0);
        }
    }
    x86_mov_rr(g, R_DI, TCG_ENV_REG);
    x86_call(g, fn);
    if (!(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
        ra_forget_globals(g);
    }
    if (op->nb_oargs) {
        ra_set_output(g, arg_temp(op->args[0]), R_AX);
    }
}
