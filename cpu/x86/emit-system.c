/* SPDX-License-Identifier: MIT */
/*
 * System instructions: segment register moves and loads, MOV to/from
 * CRn/DRn, HLT CLI STI, IN OUT, CPUID RDTSC RDMSR WRMSR RDPMC RSM,
 * LGDT LIDT SGDT SIDT LLDT SLDT LTR STR LMSW SMSW CLTS INVLPG INVD WBINVD,
 * LAR LSL VERR VERW ARPL, UD0/UD1/UD2, WAIT.
 *
 * Emitters looked up by translate.c. Most call the helpers of
 * cpu/x86/helper.h (privilege, IOPL and descriptor checks live there);
 * CPL 0 for X86_IF_PRIV instructions was checked by translate.c. Real-mode
 * segment loads, SGDT/SIDT/LGDT/LIDT/SLDT/STR/SMSW are inline. Instructions
 * that may change the mode, paging or hflags end the block.
 * Ref: Intel SDM Vol. 2 instruction pages; Vol. 3A 2.5 (control
 * registers), 5.10.4 (descriptor table instructions), 17.2 (DRn).
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"
#include "cpu/x86/long_helper.h"
#include "cpu/x86/fpu.h"

/* Instructions valid only in protected mode (not real, not V86): #UD. */
static bool gen_check_pmode(DisasContext *dc)
{
    if (!dc->pe || dc->vm86) {
        gen_exception(dc, EXCP_UD);
        return false;
    }
    return true;
}

void gen_load_seg(DisasContext *dc, unsigned seg, TCGv sel)
{
    if (!dc->pe || dc->vm86) {
        TCGv v = gen_tmp(dc);

        tcg_gen_ext16u(dc->s, v, sel);
        tcg_gen_st16(dc->s, v, offsetof(X86CPUState, segs[seg]) +
                     offsetof(SegmentCache, selector));
        tcg_gen_shli_i64(dc->s, dc->g->seg_base[seg], v, 4);
    } else {
        gen_update_eip_cur(dc);
        gen_helper(dc, helper_load_seg, NULL, gen_const(dc, seg), sel);
        /* hflags (HF_ADDSEG, HF_SEG_*, SS.B) may change: end the block.
         * After a data segment, go on through the jump cache, which
         * looks the next block up with the new hflags: nothing changed
         * that the loop must see (MOV SS holds off interrupts, below). */
        if (seg == R_SS) {
            gen_end_block(dc);
        } else {
            gen_update_eip(dc, dc->next_eip);
            dc->is_jmp = DISAS_EOB_JUMP;
        }
    }
    if (seg == R_SS) {
        gen_set_inhibit_irq(dc);
    }
}

void gen_mov_sreg(DisasContext *dc)
{
    const X86Operand *dst = &dc->insn->op[0];
    const X86Operand *src = &dc->insn->op[1];

    if (dst->kind == X86_OPND_REG && dst->reg_class == X86_RC_SEG) {
        if (dst->reg == R_CS || dst->reg > R_GS) {
            gen_exception(dc, EXCP_UD);
            return;
        }
        gen_load_seg(dc, dst->reg, gen_load_op(dc, src, NULL));
        return;
    }
    if (src->reg > R_GS) {
        gen_exception(dc, EXCP_UD);
        return;
    }
    gen_store_op(dc, dst, gen_load_op(dc, src, NULL), NULL);
}

void gen_mov_crdr(DisasContext *dc)
{
    const X86Operand *dst = &dc->insn->op[0];
    const X86Operand *src = &dc->insn->op[1];
    bool to_sys = dst->reg_class == X86_RC_CR || dst->reg_class == X86_RC_DR;
    const X86Operand *sys = to_sys ? dst : src;
    const X86Operand *gpr = to_sys ? src : dst;
    bool cr = sys->reg_class == X86_RC_CR;
    unsigned size = dc->code64 ? 8 : 4;
    TCGv v;

    if (cr ? (sys->reg == 1 || sys->reg > 4) : sys->reg > 7) {
        gen_exception(dc, EXCP_UD);
        return;
    }
    gen_update_eip_cur(dc);
    if (to_sys) {
        v = gen_tmp(dc);
        gen_get_gpr(dc, v, gpr->reg, size);
        gen_helper(dc, cr ? helper_write_cr : helper_write_dr, NULL,
                   gen_const(dc, sys->reg), v);
        gen_end_block(dc);
    } else {
        v = gen_tmp(dc);
        gen_helper(dc, cr ? helper_read_cr : helper_read_dr, v,
                   gen_const(dc, sys->reg));
        gen_set_gpr(dc, gpr->reg, size, v);
    }
}

void gen_HLT(DisasContext *dc)
{
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_hlt, NULL, gen_const(dc, dc->next_eip));
    dc->is_jmp = DISAS_NORETURN;
}

void gen_CLI(DisasContext *dc)
{
    gen_update_eip_cur(dc);
    gen_helper0(dc, helper_cli, NULL);
}

void gen_STI(DisasContext *dc)
{
    gen_update_eip_cur(dc);
    gen_helper0(dc, helper_sti, NULL);
    gen_end_block(dc);                  /* the shadow, pending interrupts */
}

void gen_IN(DisasContext *dc)
{
    const X86Operand *dst = &dc->insn->op[0];
    TCGv port = gen_load_op(dc, &dc->insn->op[1], NULL);
    TCGv v = gen_tmp(dc);

    gen_update_eip_cur(dc);
    gen_helper(dc, helper_in, v, port, gen_const(dc, dst->size));
    gen_set_gpr(dc, R_EAX, dst->size, v);
}

void gen_OUT(DisasContext *dc)
{
    const X86Operand *src = &dc->insn->op[1];
    TCGv port = gen_load_op(dc, &dc->insn->op[0], NULL);
    TCGv v = gen_load_op(dc, src, NULL);

    gen_update_eip_cur(dc);
    gen_helper(dc, helper_out, NULL, port, v, gen_const(dc, src->size));
    gen_end_block(dc);                  /* the device may change the map */
}

/* Instructions that are one helper call on env. */
static void gen_env_helper(DisasContext *dc, void *fn, bool end_block)
{
    gen_update_eip_cur(dc);
    tcg_gen_call(dc->s, fn, 0, NULL, 0, NULL);
    if (end_block) {
        gen_end_block(dc);
    }
}

void gen_CPUID(DisasContext *dc)
{
    gen_env_helper(dc, (void *)helper_cpuid, false);
}

void gen_RDTSC(DisasContext *dc)
{
    gen_env_helper(dc, (void *)helper_rdtsc, false);
}

void gen_RDPMC(DisasContext *dc)
{
    gen_env_helper(dc, (void *)helper_rdpmc, false);
}

void gen_RDMSR(DisasContext *dc)
{
    gen_env_helper(dc, (void *)helper_rdmsr, false);
}

void gen_WRMSR(DisasContext *dc)
{
    gen_env_helper(dc, (void *)helper_wrmsr, true);
}

void gen_RSM(DisasContext *dc)
{
    gen_env_helper(dc, (void *)helper_rsm, false);
    dc->is_jmp = DISAS_EOB_EXIT;
}

void gen_CLTS(DisasContext *dc)
{
    gen_env_helper(dc, (void *)helper_clts, true);
}

void gen_INVD(DisasContext *dc)
{
}

void gen_WBINVD(DisasContext *dc)
{
}

/* ---- descriptor tables ---- */

#define DT_OFS(table, field) \
    (offsetof(X86CPUState, table) + offsetof(DescTable, field))

/* LGDT/LIDT m16&32: limit, then base (24 bits with a 16-bit operand;
 * 64 bits in 64-bit mode). */
static void gen_load_dt(DisasContext *dc, intptr_t base_ofs,
                        intptr_t limit_ofs)
{
    TCGv a = gen_op_linear(dc, &dc->insn->op[0]);
    TCGv a2;
    TCGv limit = gen_tmp(dc);
    TCGv base = gen_tmp(dc);

    gen_ldm(dc, limit, a, 2);
    a2 = gen_addr_next(dc, a, 2);
    gen_ldm(dc, base, a2, dc->code64 ? 8 : 4);
    if (dc->insn->op_size == 2 && !dc->code64) {
        tcg_gen_andi_i64(dc->s, base, base, 0xffffff);
    }
    tcg_gen_st64(dc->s, base, base_ofs);
    tcg_gen_st32(dc->s, limit, limit_ofs);
    gen_end_block(dc);
}

/* SGDT/SIDT m: limit, then the 32-bit (64-bit mode: 64-bit) base. */
static void gen_store_dt(DisasContext *dc, intptr_t base_ofs,
                         intptr_t limit_ofs)
{
    TCGv a = gen_op_linear(dc, &dc->insn->op[0]);
    TCGv a2;
    TCGv limit = gen_tmp(dc);
    TCGv base = gen_tmp(dc);

    tcg_gen_ld32u(dc->s, limit, limit_ofs);
    tcg_gen_ld64(dc->s, base, base_ofs);
    a2 = gen_addr_next(dc, a, 2);
    gen_stm(dc, limit, a, 2);
    gen_stm(dc, base, a2, dc->code64 ? 8 : 4);
}

void gen_LGDT(DisasContext *dc)
{
    gen_load_dt(dc, DT_OFS(gdt, base), DT_OFS(gdt, limit));
}

void gen_LIDT(DisasContext *dc)
{
    gen_load_dt(dc, DT_OFS(idt, base), DT_OFS(idt, limit));
}

void gen_SGDT(DisasContext *dc)
{
    gen_store_dt(dc, DT_OFS(gdt, base), DT_OFS(gdt, limit));
}

void gen_SIDT(DisasContext *dc)
{
    gen_store_dt(dc, DT_OFS(idt, base), DT_OFS(idt, limit));
}

static void gen_store_selector(DisasContext *dc, intptr_t ofs)
{
    TCGv v = gen_tmp(dc);

    if (!gen_check_pmode(dc)) {
        return;
    }
    tcg_gen_ld16u(dc->s, v, ofs + offsetof(SegmentCache, selector));
    gen_store_op(dc, &dc->insn->op[0], v, NULL);
}

void gen_SLDT(DisasContext *dc)
{
    gen_store_selector(dc, offsetof(X86CPUState, ldt));
}

void gen_STR(DisasContext *dc)
{
    gen_store_selector(dc, offsetof(X86CPUState, tr));
}

static void gen_sel_helper(DisasContext *dc, void *fn)
{
    TCGv sel;

    if (!gen_check_pmode(dc)) {
        return;
    }
    sel = gen_load_op(dc, &dc->insn->op[0], NULL);
    gen_update_eip_cur(dc);
    tcg_gen_call(dc->s, fn, 0, NULL, 1, (TCGv[]){ sel });
    gen_end_block(dc);
}

void gen_LLDT(DisasContext *dc)
{
    gen_sel_helper(dc, dc->lma ? (void *)helper_lldt_lm : (void *)helper_lldt);
}

void gen_LTR(DisasContext *dc)
{
    gen_sel_helper(dc, dc->lma ? (void *)helper_ltr_lm : (void *)helper_ltr);
}

void gen_LMSW(DisasContext *dc)
{
    TCGv v = gen_load_op(dc, &dc->insn->op[0], NULL);

    gen_update_eip_cur(dc);
    gen_helper(dc, helper_lmsw, NULL, v);
    gen_end_block(dc);
}

void gen_SMSW(DisasContext *dc)
{
    TCGv v = gen_tmp(dc);

    tcg_gen_ld64(dc->s, v, offsetof(X86CPUState, cr[0]));
    gen_store_op(dc, &dc->insn->op[0], v, NULL);
}

void gen_INVLPG(DisasContext *dc)
{
    TCGv a = gen_op_linear(dc, &dc->insn->op[0]);

    gen_update_eip_cur(dc);
    gen_helper(dc, helper_invlpg, NULL, a);
    gen_end_block(dc);
}

/* ---- descriptor checks: ZF tells the result ---- */

/* Set ZF to the 0/1 in z, keep the other flags. */
static void gen_set_zf(DisasContext *dc, TCGv z)
{
    TCGv flags = gen_compute_eflags(dc);

    tcg_gen_andi_i64(dc->s, flags, flags, ~(uint64_t)CC_Z);
    tcg_gen_shli_i64(dc->s, z, z, 6);
    tcg_gen_or_i64(dc->s, flags, flags, z);
    gen_set_eflags_cc(dc, flags);
}

/* LAR/LSL r, r/m16: the helper returns bit 32 = valid, value below. */
static void gen_lar_lsl(DisasContext *dc, void *fn)
{
    const X86Operand *dst = &dc->insn->op[0];
    TCGv sel, res, old, valid;

    if (!gen_check_pmode(dc)) {
        return;
    }
    sel = gen_load_op(dc, &dc->insn->op[1], NULL);
    old = gen_load_op(dc, dst, NULL);
    res = gen_tmp(dc);
    valid = gen_tmp(dc);
    gen_update_eip_cur(dc);
    tcg_gen_call(dc->s, fn, 0, res, 1, (TCGv[]){ sel });
    tcg_gen_extract_i64(dc->s, valid, res, 32, 1);
    tcg_gen_movcond_i64(dc->s, TCG_COND_NE, res, valid, gen_const(dc, 0),
                        res, old);
    gen_store_op(dc, dst, res, NULL);
    gen_set_zf(dc, valid);
}

void gen_LAR(DisasContext *dc)
{
    gen_lar_lsl(dc, (void *)helper_lar);
}

void gen_LSL(DisasContext *dc)
{
    gen_lar_lsl(dc, (void *)helper_lsl);
}

static void gen_verx(DisasContext *dc, void *fn)
{
    TCGv sel, ok;

    if (!gen_check_pmode(dc)) {
        return;
    }
    sel = gen_load_op(dc, &dc->insn->op[0], NULL);
    ok = gen_tmp(dc);
    gen_update_eip_cur(dc);
    tcg_gen_call(dc->s, fn, 0, ok, 1, (TCGv[]){ sel });
    gen_set_zf(dc, ok);
}

void gen_VERR(DisasContext *dc)
{
    gen_verx(dc, (void *)helper_verr);
}

void gen_VERW(DisasContext *dc)
{
    gen_verx(dc, (void *)helper_verw);
}

/* ARPL r/m16, r16: raise the RPL of the destination to the source's. */
void gen_ARPL(DisasContext *dc)
{
    TCGContext *s = dc->s;
    const X86Operand *dst = &dc->insn->op[0];
    TCGv linear = NULL;
    TCGv d, src, drpl, srpl, adj, nd;

    if (!gen_check_pmode(dc)) {
        return;
    }
    d = gen_load_op(dc, dst, &linear);
    src = gen_load_op(dc, &dc->insn->op[1], NULL);
    drpl = gen_tmp(dc);
    srpl = gen_tmp(dc);
    adj = gen_tmp(dc);
    nd = gen_tmp(dc);
    tcg_gen_andi_i64(s, drpl, d, 3);
    tcg_gen_andi_i64(s, srpl, src, 3);
    tcg_gen_setcond_i64(s, TCG_COND_LTU, adj, drpl, srpl);
    tcg_gen_andi_i64(s, nd, d, ~(uint64_t)3);
    tcg_gen_or_i64(s, nd, nd, srpl);
    tcg_gen_movcond_i64(s, TCG_COND_NE, nd, adj, gen_const(dc, 0), nd, d);
    gen_store_op(dc, dst, nd, linear);
    gen_set_zf(dc, adj);
}

void gen_UD2(DisasContext *dc)
{
    gen_exception(dc, EXCP_UD);
}

void gen_UD1(DisasContext *dc)
{
    gen_exception(dc, EXCP_UD);
}

void gen_UD0(DisasContext *dc)
{
    gen_exception(dc, EXCP_UD);
}

/* WAIT/FWAIT: #NM when CR0.MP and CR0.TS are both set, then a pending
 * unmasked x87 exception (#MF or FERR#). */
void gen_WAIT(DisasContext *dc)
{
    if ((dc->hflags & (HF_MP | HF_TS)) == (HF_MP | HF_TS)) {
        gen_exception(dc, EXCP_NM);
        return;
    }
    gen_update_eip_cur(dc);
    gen_helper0(dc, helper_x87_wait, NULL);
}
