/* SPDX-License-Identifier: MIT */
/*
 * Arithmetic flags across instructions: which flags each instruction
 * reads and which it surely overwrites, for translate.c's dead flag pass.
 *
 * translate.c decodes a block ahead (x86_predecode) and walks it
 * backwards with x86_cc_effect(): the flags live after an instruction are
 * those a later instruction of the block reads before one overwrites
 * them; all six are live at the block's end. Emitters see the set in
 * dc->cc_live and skip work for dead flags: no lazy state when nothing is
 * live (gen_cc_set), no CF for INC/DEC, no old flags for ROL/ROR.
 *
 * Exactness: only instructions listed here with register and immediate
 * operands are "known". They cannot fault, never end the block and do
 * not depend on translation flags, so whenever one runs the next one runs
 * too, and no exception frame or interrupt can see a flag that was left
 * stale. Everything else (memory operands, the stack, helpers, branches,
 * instructions the CPU model lacks) reads all flags, and the instruction
 * itself gets no reduced set.
 * Ref: Intel SDM Vol. 1 appendix A (EFLAGS cross-reference), Vol. 2 per
 * instruction "Flags Affected".
 */
#include "kestrel/osdep.h"
#include "cpu/x86/translate.h"

typedef enum CCEffectKind {
    CCE_UNKNOWN,                /* reads all flags (the default) */
    CCE_REGS,                   /* register and immediate operands only */
    CCE_COND,                   /* SETcc/CMOVcc: reads insn->cc's flags */
    CCE_SHIFT,                  /* writes only with a non-zero count */
    CCE_ADDR,                   /* LEA, NOP: a memory operand, no access */
} CCEffectKind;

typedef struct CCEffect {
    uint8_t kind;               /* CCEffectKind */
    uint16_t read;              /* CC_* bits read */
    uint16_t write;             /* CC_* bits always written */
} CCEffect;

#define CC_ALL          CC_MASK
#define CC_SZAPO        (CC_MASK & ~CC_C)

#define ALU(w)          { CCE_REGS, 0, (w) }
#define ALU_CF(w)       { CCE_REGS, CC_C, (w) }
#define MOVE            { CCE_REGS, 0, 0 }
#define SHIFT(w)        { CCE_SHIFT, 0, (w) }
#define COND            { CCE_COND, 0, 0 }

#define COND_ROW(p)                                                       \
    [X86_INSN_##p##O] = COND, [X86_INSN_##p##NO] = COND,                  \
    [X86_INSN_##p##B] = COND, [X86_INSN_##p##AE] = COND,                  \
    [X86_INSN_##p##E] = COND, [X86_INSN_##p##NE] = COND,                  \
    [X86_INSN_##p##BE] = COND, [X86_INSN_##p##A] = COND,                  \
    [X86_INSN_##p##S] = COND, [X86_INSN_##p##NS] = COND,                  \
    [X86_INSN_##p##P] = COND, [X86_INSN_##p##NP] = COND,                  \
    [X86_INSN_##p##L] = COND, [X86_INSN_##p##GE] = COND,                  \
    [X86_INSN_##p##LE] = COND, [X86_INSN_##p##G] = COND

static const CCEffect cc_effects[X86_INSN_COUNT] = {
    [X86_INSN_ADD] = ALU(CC_ALL),   [X86_INSN_SUB] = ALU(CC_ALL),
    [X86_INSN_AND] = ALU(CC_ALL),   [X86_INSN_OR] = ALU(CC_ALL),
    [X86_INSN_XOR] = ALU(CC_ALL),   [X86_INSN_CMP] = ALU(CC_ALL),
    [X86_INSN_TEST] = ALU(CC_ALL),  [X86_INSN_NEG] = ALU(CC_ALL),
    [X86_INSN_ADC] = ALU_CF(CC_ALL), [X86_INSN_SBB] = ALU_CF(CC_ALL),
    [X86_INSN_INC] = ALU(CC_SZAPO), [X86_INSN_DEC] = ALU(CC_SZAPO),
    [X86_INSN_IMUL] = ALU(CC_ALL),  [X86_INSN_MUL] = ALU(CC_ALL),
    [X86_INSN_NOT] = MOVE,          [X86_INSN_MOV] = MOVE,
    [X86_INSN_MOVZX] = MOVE,        [X86_INSN_MOVSX] = MOVE,
    [X86_INSN_MOVSXD] = MOVE,       [X86_INSN_XCHG] = MOVE,
    [X86_INSN_BSWAP] = MOVE,        [X86_INSN_CBW] = MOVE,
    [X86_INSN_CWD] = MOVE,
    [X86_INSN_LEA] = { CCE_ADDR, 0, 0 }, [X86_INSN_NOP] = { CCE_ADDR, 0, 0 },
    [X86_INSN_SHL] = SHIFT(CC_ALL), [X86_INSN_SAL] = SHIFT(CC_ALL),
    [X86_INSN_SHR] = SHIFT(CC_ALL), [X86_INSN_SAR] = SHIFT(CC_ALL),
    [X86_INSN_ROL] = SHIFT(CC_C | CC_O), [X86_INSN_ROR] = SHIFT(CC_C | CC_O),
    COND_ROW(SET), COND_ROW(CMOV),
};

/* Flags condition cc >> 1 reads (O, B, Z, BE, S, P, L, LE). */
static const uint16_t cc_cond_reads[8] = {
    CC_O, CC_C, CC_Z, CC_C | CC_Z, CC_S, CC_P, CC_S | CC_O,
    CC_S | CC_O | CC_Z,
};

/* Every operand a general register or an immediate (LEA/NOP: also an
 * address that is never accessed). */
static bool cc_plain_operands(const X86Insn *insn, bool addr_ok)
{
    for (unsigned i = 0; i < insn->nops; i++) {
        const X86Operand *op = &insn->op[i];
        bool reg = op->kind == X86_OPND_REG &&
                   (op->reg_class == X86_RC_GPR ||
                    op->reg_class == X86_RC_GPR8H);

        if (!reg && op->kind != X86_OPND_IMM &&
            !(addr_ok && op->kind == X86_OPND_MEM)) {
            return false;
        }
    }
    return true;
}

bool x86_cc_effect(const X86Insn *insn, X86DecodeStatus st,
                   uint32_t features, uint16_t *read, uint16_t *write)
{
    const CCEffect *e;
    const X86Operand *count;

    *read = CC_ALL;
    *write = 0;
    if (st != X86_DEC_OK || !(features & (1u << insn->feature)) ||
        (insn->flags & (X86_IF_PRIV | X86_IF_END_TB | X86_IF_BRANCH))) {
        return false;
    }
    e = &cc_effects[insn->mnem];
    if (e->kind == CCE_UNKNOWN ||
        !cc_plain_operands(insn, e->kind == CCE_ADDR)) {
        return false;
    }
    *read = e->kind == CCE_COND ? cc_cond_reads[(insn->cc >> 1) & 7]
                                : e->read;
    *write = e->write;
    if (e->kind == CCE_SHIFT) {
        /* a masked count of 0, or one in CL, may leave every flag */
        count = &insn->op[1];
        if (count->kind != X86_OPND_IMM ||
            !(count->imm & (insn->op[0].size == 8 ? 0x3f : 0x1f))) {
            *write = 0;
        }
    }
    return true;
}
