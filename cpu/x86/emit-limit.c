/* SPDX-License-Identifier: MIT */
/*
 * Segment limit checks on data accesses, translator side: before an
 * instruction's emitter runs, translate.c calls gen_limit_check(), which
 * checks every explicit memory operand and the stack slots the instruction
 * reads or writes; string instructions check each iteration from
 * emit-string.c (gen_limit_check_reg).
 *
 * The check is emitted at the start of the instruction, where no plain
 * temp is live, so it may branch: an inline filter jumps over the call of
 * helper_check_limit (limit_helper.c) when the access is surely inside.
 * What that costs, by mode:
 *   64-bit mode, and DS/ES/SS in protected mode when all three are flat
 *   (HF_SEG_FLAT): nothing.
 *   real and V86 mode, 16-bit offsets: one compare with 0x10000 - size
 *   (the filter assumes a limit of at least 0xFFFF; the helper checks the
 *   real one, so big "unreal" limits work).
 *   32-bit offsets there, and protected-mode segments that are present,
 *   writable and expand-up (HF_SEG_PLAIN): a compare with the cached limit.
 *   Any other protected-mode segment (read-only, expand-down, code, null):
 *   a helper call on every access.
 * Ref: Intel SDM Vol. 3A 5.3, 5.4; Vol. 2 (each instruction's exceptions).
 * Missing: real-mode limits below 0xFFFF are not enforced at 16-bit
 * offsets; XLAT, ENTER's frame copies, INT/IRET/far transfers in protected
 * mode (their helpers do their own stack accesses) are not checked here;
 * a fault of higher priority (#NM of an x87 instruction) comes second.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"
#include "cpu/x86/limit.h"

typedef enum LimitMode {
    LIMIT_SKIP, LIMIT_FILTER16, LIMIT_FILTER_LIMIT, LIMIT_ALWAYS,
} LimitMode;

/* Stack slots of an instruction: @count slots of op_size bytes from
 * (E)SP + first * op_size ((E)BP for LEAVE). */
typedef struct LimitStack {
    int8_t first;
    uint8_t count;
    bool write;
    bool bp;
} LimitStack;

static const LimitStack limit_stack[X86_INSN_COUNT] = {
    [X86_INSN_PUSH]  = { -1, 1, true, false },
    [X86_INSN_PUSHF] = { -1, 1, true, false },
    [X86_INSN_CALL]  = { -1, 1, true, false },
    [X86_INSN_ENTER] = { -1, 1, true, false },
    [X86_INSN_CALLF] = { -2, 2, true, false },
    [X86_INSN_PUSHA] = { -8, 8, true, false },
    [X86_INSN_POP]   = { 0, 1, false, false },
    [X86_INSN_POPF]  = { 0, 1, false, false },
    [X86_INSN_RET]   = { 0, 1, false, false },
    [X86_INSN_RETF]  = { 0, 2, false, false },
    [X86_INSN_IRET]  = { 0, 3, false, false },
    [X86_INSN_POPA]  = { 0, 8, false, false },
    [X86_INSN_LEAVE] = { 0, 1, false, true },
};

/* Explicit memory operands these do not access (size 0 means that, except
 * for the environment-sized ones of limit_env_size), or that their
 * emitters check per iteration (strings). */
static const bool limit_no_access[X86_INSN_COUNT] = {
    [X86_INSN_MOVS] = true, [X86_INSN_CMPS] = true, [X86_INSN_STOS] = true,
    [X86_INSN_LODS] = true, [X86_INSN_SCAS] = true, [X86_INSN_INS] = true,
    [X86_INSN_OUTS] = true,
};

/* Memory operand 0 is only read by these (write checks are for op 0). */
static const bool limit_op0_read[X86_INSN_COUNT] = {
    [X86_INSN_CMP] = true, [X86_INSN_TEST] = true, [X86_INSN_PUSH] = true,
    [X86_INSN_BT] = true, [X86_INSN_CALL] = true, [X86_INSN_JMP] = true,
    [X86_INSN_CALLF] = true, [X86_INSN_JMPF] = true, [X86_INSN_LGDT] = true,
    [X86_INSN_LIDT] = true, [X86_INSN_LLDT] = true, [X86_INSN_LTR] = true,
    [X86_INSN_LMSW] = true, [X86_INSN_VERR] = true, [X86_INSN_VERW] = true,
    [X86_INSN_LAR] = true, [X86_INSN_LSL] = true,
    [X86_INSN_FLD] = true, [X86_INSN_FILD] = true, [X86_INSN_FBLD] = true,
    [X86_INSN_FLDCW] = true, [X86_INSN_FLDENV] = true,
    [X86_INSN_FRSTOR] = true, [X86_INSN_FXRSTOR] = true,
    [X86_INSN_FXRSTOR64] = true, [X86_INSN_LDMXCSR] = true,
    [X86_INSN_FCOM] = true, [X86_INSN_FCOMP] = true, [X86_INSN_FICOM] = true,
    [X86_INSN_FICOMP] = true, [X86_INSN_FADD] = true, [X86_INSN_FMUL] = true,
    [X86_INSN_FSUB] = true, [X86_INSN_FSUBR] = true, [X86_INSN_FDIV] = true,
    [X86_INSN_FDIVR] = true, [X86_INSN_FIADD] = true, [X86_INSN_FIMUL] = true,
    [X86_INSN_FISUB] = true, [X86_INSN_FISUBR] = true,
    [X86_INSN_FIDIV] = true, [X86_INSN_FIDIVR] = true,
    [X86_INSN_CLFLUSH] = true,
};

/* Bytes of the environment-sized operands: 16-bit form, 32-bit form. */
static const uint16_t limit_env_size[X86_INSN_COUNT][2] = {
    [X86_INSN_FNSTENV] = { 14, 28 },  [X86_INSN_FLDENV] = { 14, 28 },
    [X86_INSN_FNSAVE] = { 94, 108 },  [X86_INSN_FRSTOR] = { 94, 108 },
    [X86_INSN_FXSAVE] = { 512, 512 }, [X86_INSN_FXRSTOR] = { 512, 512 },
};

static LimitMode limit_mode(const DisasContext *dc, unsigned seg,
                            unsigned asz)
{
    if (dc->code64 || seg >= 6) {
        return LIMIT_SKIP;
    }
    if (!dc->pe || dc->vm86) {
        return asz == 2 ? LIMIT_FILTER16 : LIMIT_FILTER_LIMIT;
    }
    if ((dc->hflags & HF_SEG_FLAT) &&
        (seg == R_DS || seg == R_ES || seg == R_SS)) {
        return LIMIT_SKIP;
    }
    return (dc->hflags & (HF_SEG_PLAIN0 << seg)) ? LIMIT_FILTER_LIMIT
                                                 : LIMIT_ALWAYS;
}

/* The offset an access checks: computed again on the slow path, where
 * the plain temps of the compare are dead (no local temp to spill). */
typedef TCGv LimitEaFn(DisasContext *dc, const void *arg);

/* Check @count accesses of @size bytes at seg:ea + k * size. */
static void gen_limit_check_ea(DisasContext *dc, unsigned seg,
                               LimitEaFn *ea_fn, const void *arg,
                               unsigned size, unsigned count, bool write,
                               unsigned asz)
{
    TCGContext *s = dc->s;
    LimitMode mode = limit_mode(dc, seg, asz);
    uint64_t span = (uint64_t)size * count;
    uint64_t desc = seg | (size << LIMIT_SIZE_SHIFT) |
                    (write ? LIMIT_WRITE : 0) |
                    (asz == 2 ? 0 : LIMIT_ADDR32) |
                    (count << LIMIT_COUNT_SHIFT);
    TCGLabel *ok;

    if (mode == LIMIT_SKIP) {
        return;
    }
    if (mode == LIMIT_ALWAYS) {
        gen_helper(dc, helper_check_limit, NULL, gen_const(dc, desc),
                   ea_fn(dc, arg));
        return;
    }
    ok = gen_new_label(s);
    if (mode == LIMIT_FILTER16) {
        tcg_gen_brcondi_i64(s, TCG_COND_LEU, ea_fn(dc, arg), 0x10000 - span,
                            ok);
    } else {
        TCGv lim = gen_tmp(dc);
        TCGv end = gen_tmp(dc);

        tcg_gen_ld32u(s, lim, offsetof(X86CPUState, segs[seg]) +
                      offsetof(SegmentCache, limit));
        tcg_gen_addi_i64(s, end, ea_fn(dc, arg), span - 1);
        tcg_gen_brcond_i64(s, TCG_COND_LEU, end, lim, ok);
    }
    gen_helper(dc, helper_check_limit, NULL, gen_const(dc, desc),
               ea_fn(dc, arg));
    gen_set_label(s, ok);
}

static TCGv limit_ea_op(DisasContext *dc, const void *arg)
{
    return gen_ea(dc, arg);
}

/* SS:(E)SP or (E)BP + first * op_size, wrapped to the stack size */
static TCGv limit_ea_stack(DisasContext *dc, const void *arg)
{
    const LimitStack *st = arg;
    TCGv ea = gen_tmp(dc);

    tcg_gen_addi_i64(dc->s, ea, dc->g->regs[st->bp ? R_EBP : R_ESP],
                     (uint64_t)(int64_t)(st->first *
                                         (int)dc->insn->op_size));
    gen_ext(dc, ea, ea, x86_stack_size(dc), false);
    return ea;
}

/* (E)SI or (E)DI by the address size; @arg points at the register number */
static TCGv limit_ea_reg(DisasContext *dc, const void *arg)
{
    TCGv ea = gen_tmp(dc);

    gen_get_gpr(dc, ea, *(const unsigned *)arg, dc->insn->addr_size);
    return ea;
}

void gen_limit_check(DisasContext *dc)
{
    const X86Insn *insn = dc->insn;
    const LimitStack *st = &limit_stack[insn->mnem];

    if (dc->code64 || limit_no_access[insn->mnem]) {
        return;
    }
    if (st->count) {
        gen_limit_check_ea(dc, R_SS, limit_ea_stack, st, insn->op_size,
                           st->count, st->write, x86_stack_size(dc));
    }
    for (unsigned i = 0; i < insn->nops; i++) {
        const X86Operand *op = &insn->op[i];
        unsigned size = op->size;
        bool write = i == 0 && !limit_op0_read[insn->mnem];

        if (op->kind != X86_OPND_MEM) {
            continue;
        }
        if (size == 0) {
            size = limit_env_size[insn->mnem][insn->op_size == 2 ? 0 : 1];
        }
        if (size == 0) {
            continue;
        }
        gen_limit_check_ea(dc, op->seg, limit_ea_op, op, size, 1, write,
                           insn->addr_size);
    }
}

void gen_limit_check_reg(DisasContext *dc, unsigned seg, unsigned reg,
                         unsigned size, bool write)
{
    gen_limit_check_ea(dc, seg, limit_ea_reg, &reg, size, 1, write,
                       dc->insn->addr_size);
}
