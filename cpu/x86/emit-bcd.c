/* SPDX-License-Identifier: MIT */
/*
 * Decimal arithmetic: DAA DAS AAA AAS AAM AAD.
 *
 * Emitters looked up by translate.c; each calls a helper below that takes
 * AX and the six flags and returns the new AX (bits 0..15) and flags (bits
 * 32..63). AAM with an immediate of 0 raises #DE. Undefined flags: OF=0
 * after DAA/DAS; SF/ZF/PF from AL and OF=0 after AAA/AAS; AF=CF=OF=0
 * after AAM/AAD. AAA/AAS follow the P6 forms (AX +/- 0x106).
 * Ref: Intel SDM Vol. 2A "AAA", "AAD", "AAM", "AAS", "DAA", "DAS".
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"

uint64_t helper_daa(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm);
uint64_t helper_das(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm);
uint64_t helper_aaa(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm);
uint64_t helper_aas(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm);
uint64_t helper_aam(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm);
uint64_t helper_aad(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm);

static uint64_t bcd_zsp(uint64_t al)
{
    al &= 0xff;
    return (al == 0 ? CC_Z : 0) | (al & 0x80 ? CC_S : 0) | cc_parity(al);
}

static uint64_t bcd_result(uint64_t ax, uint64_t flags)
{
    return (ax & 0xffff) | flags << 32;
}

uint64_t helper_daa(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm)
{
    uint64_t al = ax & 0xff, old_al = al, cf = flags & CC_C, nf = 0;

    if ((al & 0xf) > 9 || (flags & CC_A)) {
        al += 6;
        nf |= CC_A | cf | (al > 0xff ? CC_C : 0);
    }
    if (old_al > 0x99 || cf) {
        al += 0x60;
        nf |= CC_C;
    }
    nf |= bcd_zsp(al);
    return bcd_result((ax & 0xff00) | (al & 0xff), nf);
}

uint64_t helper_das(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm)
{
    uint64_t al = ax & 0xff, old_al = al, cf = flags & CC_C, nf = 0;

    if ((al & 0xf) > 9 || (flags & CC_A)) {
        nf |= CC_A | cf | (al < 6 ? CC_C : 0);
        al -= 6;
    }
    if (old_al > 0x99 || cf) {
        al -= 0x60;
        nf |= CC_C;
    }
    nf |= bcd_zsp(al);
    return bcd_result((ax & 0xff00) | (al & 0xff), nf);
}

uint64_t helper_aaa(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm)
{
    uint64_t nf = 0;

    if ((ax & 0xf) > 9 || (flags & CC_A)) {
        ax += 0x106;
        nf = CC_A | CC_C;
    }
    ax &= 0xff0f;
    return bcd_result(ax, nf | bcd_zsp(ax));
}

uint64_t helper_aas(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm)
{
    uint64_t nf = 0;

    if ((ax & 0xf) > 9 || (flags & CC_A)) {
        ax -= 6;
        ax -= 0x100;
        nf = CC_A | CC_C;
    }
    ax &= 0xff0f;
    return bcd_result(ax, nf | bcd_zsp(ax));
}

uint64_t helper_aam(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm)
{
    uint64_t al = ax & 0xff;

    if (imm == 0) {
        helper_raise_exception(env, EXCP_DE);
    }
    ax = (al / imm) << 8 | (al % imm);
    return bcd_result(ax, bcd_zsp(ax));
}

uint64_t helper_aad(X86CPUState *env, uint64_t ax, uint64_t flags,
                    uint64_t imm)
{
    uint64_t al = ((ax & 0xff) + ((ax >> 8) & 0xff) * imm) & 0xff;

    return bcd_result(al, bcd_zsp(al));
}

static void gen_bcd(DisasContext *dc, void *fn)
{
    TCGv ax = gen_tmp(dc);
    TCGv flags = gen_compute_eflags(dc);
    TCGv res = gen_tmp(dc);
    uint64_t imm = dc->insn->nops ? dc->insn->op[0].imm & 0xff : 0;

    gen_get_gpr(dc, ax, R_EAX, 2);
    gen_update_eip_cur(dc);             /* AAM 0: #DE at this insn */
    tcg_gen_call(dc->s, fn, 0, res, 3,
                 (TCGv[]){ ax, flags, gen_const(dc, imm) });
    gen_set_gpr(dc, R_EAX, 2, res);
    tcg_gen_shri_i64(dc->s, res, res, 32);
    gen_set_eflags_cc(dc, res);
}

void gen_DAA(DisasContext *dc)
{
    gen_bcd(dc, (void *)helper_daa);
}

void gen_DAS(DisasContext *dc)
{
    gen_bcd(dc, (void *)helper_das);
}

void gen_AAA(DisasContext *dc)
{
    gen_bcd(dc, (void *)helper_aaa);
}

void gen_AAS(DisasContext *dc)
{
    gen_bcd(dc, (void *)helper_aas);
}

void gen_AAM(DisasContext *dc)
{
    gen_bcd(dc, (void *)helper_aam);
}

void gen_AAD(DisasContext *dc)
{
    gen_bcd(dc, (void *)helper_aad);
}
