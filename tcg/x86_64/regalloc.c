/* SPDX-License-Identifier: MIT */
/*
 * Local register allocator of the x86-64 back-end. Inside a basic block a
 * temp lives in a host register, in memory (env field for globals, frame
 * slot otherwise), or is a known constant not yet materialized. Globals
 * stay in registers across ops and are written back only at sync points:
 * helper calls (per their flags), guest memory accesses, branches, labels
 * and exits. Values are loaded on first use; registers are freed when
 * liveness says a temp dies, and spilled when they run out.
 * Called by codegen.c and ldst.c for every op.
 * Preference: globals and locals go to callee-saved registers first (they
 * survive helper calls), plain temps to call-clobbered ones.
 */
#include "kestrel/osdep.h"
#include "tcg/x86_64/emit.h"

static const int8_t order_callee_first[] = {
    R_BP, R_12, R_13, R_14, R_15,
    R_AX, R_DX, R_SI, R_DI, R_8, R_9, R_10, R_CX,
};

static const int8_t order_clobbered_first[] = {
    R_AX, R_DX, R_SI, R_DI, R_8, R_9, R_10, R_CX,
    R_BP, R_12, R_13, R_14, R_15,
};

#define ALLOCATABLE ((1u << R_AX) | (1u << R_CX) | (1u << R_DX) |        \
                     (1u << R_SI) | (1u << R_DI) | (1u << R_8) |        \
                     (1u << R_9) | (1u << R_10) | (1u << R_BP) |        \
                     (1u << R_12) | (1u << R_13) | (1u << R_14) |       \
                     (1u << R_15))

void ra_init(X86Gen *g)
{
    TCGContext *s = g->s;

    memset(g->reg_temp, 0, sizeof(g->reg_temp));
    g->reserved = 0;
    for (unsigned i = 0; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];

        t->reg = -1;
        t->mem_coherent = true;
        switch (t->kind) {
        case TEMP_CONST:
            t->val_type = TEMP_VAL_CONST;
            break;
        case TEMP_NORMAL:
            t->val_type = TEMP_VAL_DEAD;
            break;
        default:
            t->val_type = TEMP_VAL_MEM;
            break;
        }
    }
}

/* Memory home of a temp: base register and offset. */
static int temp_mem(const TCGTemp *t, int32_t *ofs)
{
    if (t->kind == TEMP_GLOBAL) {
        *ofs = t->mem_offset;
        return TCG_ENV_REG;
    }
    *ofs = FRAME_ARGS + t->index * 8;
    return R_SP;
}

static void store_reg(X86Gen *g, const TCGTemp *t, int r)
{
    int32_t ofs;
    int base = temp_mem(t, &ofs);

    x86_modrm_ofs(g, t->size == 4 ? 0x89 : 0x89 | P_REXW, r, base, ofs);
}

static void store_const(X86Gen *g, const TCGTemp *t, uint64_t v)
{
    int32_t ofs;
    int base = temp_mem(t, &ofs);

    if (t->size == 4 || fits_i32(v)) {
        x86_modrm_ofs(g, t->size == 4 ? 0xc7 : 0xc7 | P_REXW, 0, base, ofs);
        out32(g, v);
    } else {
        x86_movi(g, TCG_TMP_REG, v);
        store_reg(g, t, TCG_TMP_REG);
    }
}

/* Write t's value to its memory home if memory is stale. */
void ra_sync(X86Gen *g, TCGTemp *t)
{
    if (t->mem_coherent || t->kind == TEMP_CONST) {
        return;
    }
    if (t->val_type == TEMP_VAL_REG) {
        store_reg(g, t, t->reg);
    } else if (t->val_type == TEMP_VAL_CONST) {
        store_const(g, t, t->val);
    }
    t->mem_coherent = true;
}

/* Detach t from its register without saving: its value is not needed
 * (or is already in memory). */
void ra_release(X86Gen *g, TCGTemp *t)
{
    if (t->val_type == TEMP_VAL_REG) {
        g->reg_temp[t->reg] = NULL;
        t->reg = -1;
    }
    switch (t->kind) {
    case TEMP_CONST:
        t->val_type = TEMP_VAL_CONST;
        break;
    case TEMP_NORMAL:
        t->val_type = TEMP_VAL_DEAD;
        t->mem_coherent = true;
        break;
    default:
        t->val_type = TEMP_VAL_MEM;
        t->mem_coherent = true;
        break;
    }
}

/* Empty register r, saving its temp to memory if needed. */
void ra_free_reg(X86Gen *g, int r)
{
    TCGTemp *t = g->reg_temp[r];

    if (t) {
        ra_sync(g, t);
        g->reg_temp[r] = NULL;
        t->reg = -1;
        t->val_type = t->kind == TEMP_CONST ? TEMP_VAL_CONST : TEMP_VAL_MEM;
    }
}

int ra_alloc(X86Gen *g, uint32_t allowed, bool callee_first)
{
    const int8_t *order = callee_first ? order_callee_first
                                       : order_clobbered_first;
    int victim = -1;

    allowed &= ALLOCATABLE & ~g->reserved;
    for (unsigned i = 0; i < G_N_ELEMENTS(order_callee_first); i++) {
        int r = order[i];

        if ((allowed >> r) & 1) {
            TCGTemp *t = g->reg_temp[r];

            if (!t) {
                return r;
            }
            /* cheapest to evict: constants, then clean values */
            if (victim < 0 || t->kind == TEMP_CONST ||
                (t->mem_coherent &&
                 g->reg_temp[victim]->kind != TEMP_CONST)) {
                victim = r;
            }
        }
    }
    g_assert(victim >= 0);
    ra_free_reg(g, victim);
    return victim;
}

/* Emit t's current value into register r (t keeps its own home). */
void ra_copy_to(X86Gen *g, TCGTemp *t, int r)
{
    int32_t ofs;
    int base;

    switch (t->val_type) {
    case TEMP_VAL_REG:
        x86_mov_rr(g, r, t->reg);
        break;
    case TEMP_VAL_CONST:
        x86_movi(g, r, t->val);
        break;
    case TEMP_VAL_MEM:
        base = temp_mem(t, &ofs);
        x86_modrm_ofs(g, t->size == 4 ? 0x8b : 0x8b | P_REXW, r, base, ofs);
        break;
    default:
        break;                          /* undefined temp: any value */
    }
}

/* Load the low 32 bits of t, which is in memory, zero-extended into r. */
void ra_load32_to(X86Gen *g, TCGTemp *t, int r)
{
    int32_t ofs;
    int base = temp_mem(t, &ofs);

    g_assert(t->val_type == TEMP_VAL_MEM);
    x86_modrm_ofs(g, 0x8b, r, base, ofs);
}

/* Bring t into a register and return it; the register is reserved for
 * the current op. */
int ra_load(X86Gen *g, TCGTemp *t)
{
    int r;

    if (t->val_type != TEMP_VAL_REG) {
        r = ra_alloc(g, ~0u, t->kind == TEMP_GLOBAL ||
                             t->kind == TEMP_LOCAL);
        ra_copy_to(g, t, r);
        t->val_type = TEMP_VAL_REG;
        t->reg = r;
        g->reg_temp[r] = t;
    }
    g->reserved |= 1u << t->reg;
    return t->reg;
}

/* t now holds the value in register r (which is free or t's own). */
void ra_set_output(X86Gen *g, TCGTemp *t, int r)
{
    g_assert(t->kind != TEMP_CONST);
    if (t->val_type == TEMP_VAL_REG && t->reg != r) {
        g->reg_temp[t->reg] = NULL;
    }
    g_assert(!g->reg_temp[r] || g->reg_temp[r] == t);
    t->val_type = TEMP_VAL_REG;
    t->reg = r;
    t->mem_coherent = false;
    g->reg_temp[r] = t;
    g->reserved |= 1u << r;
}

/* t now holds the constant v, materialized on demand. */
void ra_set_const(X86Gen *g, TCGTemp *t, uint64_t v)
{
    if (t->val_type == TEMP_VAL_REG) {
        g->reg_temp[t->reg] = NULL;
        t->reg = -1;
    }
    t->val_type = TEMP_VAL_CONST;
    t->val = v;
    t->mem_coherent = false;
}

void ra_sync_globals(X86Gen *g)
{
    for (unsigned i = 0; i < g->s->nb_globals; i++) {
        ra_sync(g, &g->s->temps[i]);
    }
}

/* A helper may have changed env: drop every global's cached value. */
void ra_forget_globals(X86Gen *g)
{
    for (unsigned i = 0; i < g->s->nb_globals; i++) {
        TCGTemp *t = &g->s->temps[i];

        ra_sync(g, t);
        ra_release(g, t);
    }
}

/* Globals and locals to memory (before a branch). */
void ra_sync_bb(X86Gen *g)
{
    TCGContext *s = g->s;

    for (unsigned i = 0; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];

        if (t->kind == TEMP_GLOBAL || t->kind == TEMP_LOCAL) {
            ra_sync(g, t);
        }
    }
}

/* End of a basic block: globals and locals go to memory; plain temps die.
 * forget_all (at labels): no register content survives. */
void ra_bb_end(X86Gen *g, bool forget_all)
{
    TCGContext *s = g->s;

    for (unsigned i = 0; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];

        if (t->kind == TEMP_GLOBAL || t->kind == TEMP_LOCAL) {
            ra_sync(g, t);
            if (forget_all) {
                ra_release(g, t);
            }
        } else if (t->kind == TEMP_NORMAL || forget_all) {
            ra_release(g, t);
        }
    }
}

/* After an op: free the registers of temps that die there. */
void ra_free_dead(X86Gen *g, const TCGOp *op)
{
    for (unsigned i = 0; i < op->nb_oargs + op->nb_iargs; i++) {
        TCGTemp *t = arg_temp(op->args[i]);
        bool is_output = false;

        if (!op_arg_dead(op, i) || t->kind == TEMP_CONST) {
            continue;
        }
        /* an input that is also an output: the new value lives on */
        for (unsigned j = 0; i >= op->nb_oargs && j < op->nb_oargs; j++) {
            is_output |= arg_temp(op->args[j]) == t;
        }
        if (!is_output) {
            ra_release(g, t);
        }
    }
    g->reserved = 0;
}

/* Before a C call: move every value out of call-clobbered registers. */
void ra_spill_clobbered(X86Gen *g)
{
    for (int r = 0; r < TCG_NB_REGS; r++) {
        if ((CALL_CLOBBERED >> r) & 1) {
            ra_free_reg(g, r);
        }
    }
}

/* Registers in mask that hold a temp right now. */
uint32_t ra_used_regs(X86Gen *g, uint32_t mask)
{
    uint32_t used = 0;

    for (int r = 0; r < TCG_NB_REGS; r++) {
        if (g->reg_temp[r] && ((mask >> r) & 1)) {
            used |= 1u << r;
        }
    }
    return used;
}
