/* SPDX-License-Identifier: MIT */
/*
 * String instructions: MOVS CMPS STOS LODS SCAS INS OUTS, with REP, REPE
 * and REPNE.
 *
 * Emitters looked up by translate.c. The source is seg:(E)SI (DS unless
 * overridden), the destination ES:(E)DI; the address size picks SI/DI/CX
 * or ESI/EDI/ECX. DF picks the direction at run time.
 * A REP instruction runs at most X86_REP_BATCH iterations per pass, then
 * jumps back to itself: interrupts are taken between passes, and a fault
 * in any iteration leaves ECX/ESI/EDI of the completed iterations with EIP
 * at the instruction, as the SDM requires (Vol. 2B "REP/REPE/REPZ...").
 * INS/OUTS call helper_in/helper_out (IOPL and I/O bitmap checks).
 * Ref: Intel SDM Vol. 1 7.3.9 (string operations), Vol. 2 the instruction
 * pages.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"
#include "cpu/x86/limit.h"

#define X86_REP_BATCH 128

typedef enum StrKind { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS,
                       STR_INS, STR_OUTS } StrKind;

/* Linear address of seg:(E)SI or ES:(E)DI */
static TCGv gen_str_addr(DisasContext *dc, unsigned seg, unsigned reg)
{
    TCGv ea = gen_tmp(dc);

    gen_get_gpr(dc, ea, reg, dc->insn->addr_size);
    return gen_linear(dc, seg, ea);
}

static void gen_str_advance(DisasContext *dc, unsigned reg, TCGv step)
{
    TCGv t = gen_tmp(dc);

    tcg_gen_add_i64(dc->s, t, dc->g->regs[reg], step);
    gen_set_gpr(dc, reg, dc->insn->addr_size, t);
}

static TCGv gen_dx_port(DisasContext *dc)
{
    TCGv port = gen_tmp(dc);

    gen_get_gpr(dc, port, R_EDX, 2);
    return port;
}

/* One iteration; registers change after the accesses. @step: the size,
 * negated when DF = 1, in a local temp; NULL: read DF here (after the
 * limit checks, whose labels end plain temps). */
static void gen_str_body(DisasContext *dc, StrKind kind, unsigned size,
                         TCGv step)
{
    unsigned src_seg = x86_data_seg(dc);
    TCGv a = gen_tmp(dc);
    TCGv b = gen_tmp(dc);
    bool uses_si = kind == STR_MOVS || kind == STR_CMPS ||
                   kind == STR_LODS || kind == STR_OUTS;
    bool uses_di = kind != STR_LODS && kind != STR_OUTS;

    if (uses_si) {
        gen_limit_check_reg(dc, src_seg, R_ESI, size, false);
    }
    if (uses_di) {
        gen_limit_check_reg(dc, R_ES, R_EDI, size, kind != STR_CMPS &&
                            kind != STR_SCAS);
    }
    if (uses_si) {
        gen_ldm(dc, a, gen_str_addr(dc, src_seg, R_ESI), size);
    }
    switch (kind) {
    case STR_MOVS:
        gen_stm(dc, a, gen_str_addr(dc, R_ES, R_EDI), size);
        break;
    case STR_STOS:
        gen_get_gpr(dc, a, R_EAX, size);
        gen_stm(dc, a, gen_str_addr(dc, R_ES, R_EDI), size);
        break;
    case STR_INS:
        gen_update_eip_cur(dc);
        gen_helper(dc, helper_in, a, gen_dx_port(dc), gen_const(dc, size));
        gen_stm(dc, a, gen_str_addr(dc, R_ES, R_EDI), size);
        break;
    case STR_OUTS:
        gen_update_eip_cur(dc);
        gen_helper(dc, helper_out, NULL, gen_dx_port(dc), a,
                   gen_const(dc, size));
        break;
    case STR_SCAS:
        gen_get_gpr(dc, a, R_EAX, size);
        /* fall through */
    case STR_CMPS:
        gen_ldm(dc, b, gen_str_addr(dc, R_ES, R_EDI), size);
        break;
    case STR_LODS:
        break;
    }
    if (!step) {
        step = gen_tmp(dc);
        gen_string_step(dc, step, size);
    }
    if (uses_si) {
        gen_str_advance(dc, R_ESI, step);
    }
    if (uses_di) {
        gen_str_advance(dc, R_EDI, step);
    }
    if (kind == STR_LODS) {
        gen_set_gpr(dc, R_EAX, size, a);
    } else if (kind == STR_CMPS || kind == STR_SCAS) {
        TCGv r = gen_tmp(dc);

        tcg_gen_sub_i64(dc->s, r, a, b);
        gen_cc_set(dc, CC_OP_SUBB, size, r, b, NULL);
    }
}

/* The operand size of a string instruction: its byte/word/dword form. */
static unsigned x86_str_size(const X86Insn *insn)
{
    for (unsigned i = 0; i < insn->nops; i++) {
        if (insn->op[i].kind == X86_OPND_MEM) {
            return insn->op[i].size;
        }
    }
    return insn->op_size;
}

static void gen_string(DisasContext *dc, StrKind kind)
{
    TCGContext *s = dc->s;
    const X86Insn *insn = dc->insn;
    unsigned asz = insn->addr_size;
    unsigned size = x86_str_size(insn);
    bool cond = kind == STR_CMPS || kind == STR_SCAS;
    bool io = kind == STR_INS || kind == STR_OUTS;
    TCGLabel *top, *done;
    TCGv batch, cx, step;

    if (!(insn->flags & (X86_IF_REP | X86_IF_REPNE))) {
        gen_str_body(dc, kind, size, NULL);
        return;
    }
    top = gen_new_label(s);
    done = gen_new_label(s);
    batch = gen_local(dc);
    tcg_gen_movi_i64(s, batch, io ? 1 : X86_REP_BATCH);
    step = gen_local(dc);               /* DF is read once per pass */
    gen_string_step(dc, step, size);
    gen_set_label(s, top);
    dc->cc_op = CC_OP_DYNAMIC;          /* a join: the global is right */
    cx = gen_tmp(dc);
    gen_get_gpr(dc, cx, R_ECX, asz);
    tcg_gen_brcondi_i64(s, TCG_COND_EQ, cx, 0, done);
    gen_str_body(dc, kind, size, step);
    cx = gen_tmp(dc);
    tcg_gen_subi_i64(s, cx, dc->g->regs[R_ECX], 1);
    gen_set_gpr(dc, R_ECX, asz, cx);
    if (cond) {
        /* REPE stops when ZF=0 (cc NE), REPNE when ZF=1 (cc E) */
        gen_jcc_label(dc, (insn->flags & X86_IF_REPNE) ? 4 : 5, done);
    }
    tcg_gen_subi_i64(s, batch, batch, 1);
    tcg_gen_brcondi_i64(s, TCG_COND_NE, batch, 0, top);
    gen_jmp_tb(dc, dc->eip, 1);         /* next pass: interrupts first */
    gen_set_label(s, done);
    dc->cc_op = CC_OP_DYNAMIC;
    gen_jmp_tb(dc, dc->next_eip, 0);
}

void gen_MOVS(DisasContext *dc)
{
    gen_string(dc, STR_MOVS);
}

void gen_CMPS(DisasContext *dc)
{
    gen_string(dc, STR_CMPS);
}

void gen_STOS(DisasContext *dc)
{
    gen_string(dc, STR_STOS);
}

void gen_LODS(DisasContext *dc)
{
    gen_string(dc, STR_LODS);
}

void gen_SCAS(DisasContext *dc)
{
    gen_string(dc, STR_SCAS);
}

void gen_INS(DisasContext *dc)
{
    gen_string(dc, STR_INS);
}

void gen_OUTS(DisasContext *dc)
{
    gen_string(dc, STR_OUTS);
}
