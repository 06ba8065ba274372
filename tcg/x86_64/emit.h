/* SPDX-License-Identifier: MIT */
/*
 * x86-64 instruction encoders and the back-end's shared state, used by the
 * register allocator (regalloc.c), the op lowering (codegen.c) and the
 * memory/call lowering (ldst.c).
 * Ref: Intel SDM Vol. 2, ch. 2 (REX, ModR/M, SIB encoding) and the
 * instruction pages of ch. 3-4; Appendix B (condition codes).
 * Fixed registers: RBX holds env for the whole chain of blocks, R11 is a
 * scratch register the allocator never hands out, RSP points to a frame of
 * spill slots (one per temp index) above a small outgoing-argument area.
 */
#ifndef KESTREL_TCG_X86_64_EMIT_H
#define KESTREL_TCG_X86_64_EMIT_H

#include "tcg/tcg-internal.h"

enum {
    R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI,
    R_8, R_9, R_10, R_11, R_12, R_13, R_14, R_15,
};

#define TCG_ENV_REG     R_BX
#define TCG_TMP_REG     R_11
#define TCG_NB_REGS     16
#define CALL_CLOBBERED  ((1u << R_AX) | (1u << R_CX) | (1u << R_DX) | \
                         (1u << R_SI) | (1u << R_DI) | (1u << R_8) |  \
                         (1u << R_9) | (1u << R_10) | (1u << R_11))

/* Frame: [rsp, +16) outgoing stack args, then one 8-byte slot per temp. */
#define FRAME_ARGS      16
#define FRAME_SIZE      (FRAME_ARGS + TCG_MAX_TEMPS * 8 + 8)

/* Opcode flags for x86_opc() */
#define P_EXT     0x100                 /* 0x0F escape */
#define P_REXW    0x200                 /* 64-bit operand size */
#define P_DATA16  0x400                 /* 0x66 prefix */
#define P_BYTE_R  0x800                 /* reg field is a byte register */
#define P_BYTE_RM 0x1000                /* r/m field is a byte register */

/* ALU group numbers (the /digit of 0x81/0x83 and bits 5:3 of 0x01..) */
enum { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6,
       ALU_CMP = 7 };
/* Shift group (the /digit of 0xC1/0xD3) */
enum { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };
/* Condition codes (low nibble of Jcc/SETcc/CMOVcc) */
enum { CC_O = 0, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A,
       CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G };

typedef struct LdstStub LdstStub;

typedef struct X86Gen {
    TCGContext *s;
    uint8_t *code;                      /* block entry */
    uint8_t *p;                         /* next byte */
    uint8_t *limit;                     /* stop emitting ops past this */
    TcgBlockHeader *h;
    TCGTemp *reg_temp[TCG_NB_REGS];     /* who lives in each register */
    uint32_t reserved;                  /* registers the current op uses */
    GArray *insns;                      /* TcgInsnEntry */
    GArray *stubs;                      /* LdstStub */
} X86Gen;

static inline void out8(X86Gen *g, uint8_t v)
{
    *g->p++ = v;
}

static inline void out32(X86Gen *g, uint32_t v)
{
    memcpy(g->p, &v, 4);
    g->p += 4;
}

static inline void out64(X86Gen *g, uint64_t v)
{
    memcpy(g->p, &v, 8);
    g->p += 8;
}

static inline bool fits_i32(int64_t v)
{
    return v == (int32_t)v;
}

static inline bool fits_i8(int64_t v)
{
    return v == (int8_t)v;
}

/* Prefixes, REX and opcode byte(s); x = SIB index register or -1. */
static inline void x86_opc(X86Gen *g, unsigned opc, int r, int rm, int x)
{
    unsigned rex = 0;

    if (opc & P_DATA16) {
        out8(g, 0x66);
    }
    rex |= (opc & P_REXW) ? 8 : 0;
    rex |= (r & 8) ? 4 : 0;
    rex |= (x >= 0 && (x & 8)) ? 2 : 0;
    rex |= (rm & 8) ? 1 : 0;
    if (rex || ((opc & P_BYTE_R) && r >= 4) ||
        ((opc & P_BYTE_RM) && rm >= 4)) {
        out8(g, 0x40 | rex);
    }
    if (opc & P_EXT) {
        out8(g, 0x0f);
    }
    out8(g, opc & 0xff);
}

/* op r, rm (register direct) */
static inline void x86_modrm(X86Gen *g, unsigned opc, int r, int rm)
{
    x86_opc(g, opc, r, rm, -1);
    out8(g, 0xc0 | (r & 7) << 3 | (rm & 7));
}

/* op r, [base + index * (1 << shift) + ofs]; index -1 for none */
static inline void x86_modrm_sib(X86Gen *g, unsigned opc, int r, int base,
                                 int index, int shift, int32_t ofs)
{
    int mod = ofs == 0 && (base & 7) != R_BP ? 0 : fits_i8(ofs) ? 1 : 2;

    x86_opc(g, opc, r, base, index);
    if (index < 0 && (base & 7) != R_SP) {
        out8(g, mod << 6 | (r & 7) << 3 | (base & 7));
    } else {
        out8(g, mod << 6 | (r & 7) << 3 | 4);
        out8(g, shift << 6 | ((index < 0 ? R_SP : index) & 7) << 3 |
             (base & 7));
    }
    if (mod == 1) {
        out8(g, ofs);
    } else if (mod == 2) {
        out32(g, ofs);
    }
}

static inline void x86_modrm_ofs(X86Gen *g, unsigned opc, int r, int base,
                                 int32_t ofs)
{
    x86_modrm_sib(g, opc, r, base, -1, 0, ofs);
}

static inline void x86_mov_rr(X86Gen *g, int d, int s)
{
    if (d != s) {
        x86_modrm(g, 0x8b | P_REXW, d, s);
    }
}

static inline void x86_movi(X86Gen *g, int r, uint64_t v)
{
    if (v == 0) {
        x86_modrm(g, 0x33, r, r);               /* xor r32, r32 */
    } else if (v <= UINT32_MAX) {
        x86_opc(g, 0xb8 + (r & 7), 0, r, -1);   /* mov r32, imm32 */
        out32(g, v);
    } else if (fits_i32(v)) {
        x86_modrm(g, 0xc7 | P_REXW, 0, r);      /* mov r64, simm32 */
        out32(g, v);
    } else {
        x86_opc(g, (0xb8 + (r & 7)) | P_REXW, 0, r, -1);
        out64(g, v);
    }
}

/* alu r, imm (REXW in rexw) */
static inline void x86_alu_ri(X86Gen *g, unsigned rexw, int alu, int r,
                              int32_t v)
{
    if (fits_i8(v)) {
        x86_modrm(g, 0x83 | rexw, alu, r);
        out8(g, v);
    } else {
        x86_modrm(g, 0x81 | rexw, alu, r);
        out32(g, v);
    }
}

/* alu d, s */
static inline void x86_alu_rr(X86Gen *g, unsigned rexw, int alu, int d,
                              int s)
{
    x86_modrm(g, (0x03 + (alu << 3)) | rexw, d, s);
}

static inline void x86_shift_ri(X86Gen *g, unsigned rexw, int sh, int r,
                                unsigned n)
{
    if (n == 1) {
        x86_modrm(g, 0xd1 | rexw, sh, r);
    } else {
        x86_modrm(g, 0xc1 | rexw, sh, r);
        out8(g, n);
    }
}

/* jmp/jcc rel32 to an address already known */
static inline void x86_jmp_abs(X86Gen *g, const void *target)
{
    intptr_t rel = (intptr_t)target - (intptr_t)(g->p + 5);

    if (fits_i8(rel + 3)) {
        out8(g, 0xeb);
        out8(g, rel + 3);
    } else {
        out8(g, 0xe9);
        out32(g, rel);
    }
}

static inline void x86_jcc_abs(X86Gen *g, int cc, const void *target)
{
    intptr_t rel = (intptr_t)target - (intptr_t)(g->p + 6);

    if (fits_i8(rel + 4)) {
        out8(g, 0x70 + cc);
        out8(g, rel + 4);
    } else {
        out8(g, 0x0f);
        out8(g, 0x80 + cc);
        out32(g, rel);
    }
}

/* Call a C function: rel32 when reachable, else through R11. */
static inline void x86_call(X86Gen *g, const void *fn)
{
    intptr_t rel = (intptr_t)fn - (intptr_t)(g->p + 5);

    if (fits_i32(rel)) {
        out8(g, 0xe8);
        out32(g, rel);
    } else {
        x86_movi(g, TCG_TMP_REG, (uintptr_t)fn);
        x86_modrm(g, 0xff, 2, TCG_TMP_REG);
    }
}

/* Patch a rel32 at `at` so that it reaches `target`. */
static inline void x86_patch_rel32(uint8_t *at, const void *target)
{
    int32_t rel = (intptr_t)target - (intptr_t)(at + 4);

    memcpy(at, &rel, 4);
}

/* ---- register allocator (regalloc.c) ---- */
void ra_init(X86Gen *g);
int ra_alloc(X86Gen *g, uint32_t allowed, bool callee_first);
void ra_free_reg(X86Gen *g, int r);
int ra_load(X86Gen *g, TCGTemp *t);
void ra_copy_to(X86Gen *g, TCGTemp *t, int r);
void ra_load32_to(X86Gen *g, TCGTemp *t, int r);
void ra_set_output(X86Gen *g, TCGTemp *t, int r);
void ra_set_const(X86Gen *g, TCGTemp *t, uint64_t v);
void ra_release(X86Gen *g, TCGTemp *t);
void ra_sync(X86Gen *g, TCGTemp *t);
void ra_sync_globals(X86Gen *g);
void ra_forget_globals(X86Gen *g);
void ra_sync_bb(X86Gen *g);
void ra_bb_end(X86Gen *g, bool forget_all);
void ra_free_dead(X86Gen *g, const TCGOp *op);
void ra_spill_clobbered(X86Gen *g);
uint32_t ra_used_regs(X86Gen *g, uint32_t mask);

static inline bool temp_is_const(const TCGTemp *t)
{
    return t->val_type == TEMP_VAL_CONST;
}

/* ---- value ops (alu.c) ---- */
bool x86_gen_alu(X86Gen *g, const TCGOp *op);
int x86_gen_compare(X86Gen *g, TCGCond c, TCGTemp *a, TCGTemp *b,
                    bool w64);

/* ---- memory and calls (ldst.c) ---- */
void x86_gen_qemu_ld(X86Gen *g, const TCGOp *op);
void x86_gen_qemu_st(X86Gen *g, const TCGOp *op);
void x86_gen_call(X86Gen *g, const TCGOp *op);
void x86_stubs_init(X86Gen *g);
bool x86_emit_stubs(X86Gen *g);
void x86_stubs_free(X86Gen *g);

#endif /* KESTREL_TCG_X86_64_EMIT_H */
