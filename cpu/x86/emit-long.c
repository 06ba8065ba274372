/* SPDX-License-Identifier: MIT */
/*
 * Instructions that exist for x86-64: MOVSXD, CMPXCHG16B, SWAPGS,
 * SYSCALL, SYSRET, RDTSCP.
 *
 * Emitters looked up by translate.c; the decoder has already refused
 * what is invalid in the current mode (SWAPGS outside 64-bit mode, MOVSXD
 * outside it is ARPL). SYSCALL/SYSRET/SWAPGS call cpu/x86/long_helper.c.
 * Ref: Intel SDM Vol. 2A "CMPXCHG8B/CMPXCHG16B", "MOVSX/MOVSXD", Vol. 2B
 * "SWAPGS", "SYSCALL", "SYSRET", "RDTSCP".
 */
#include "kestrel/osdep.h"
#include "cpu/x86/emit.h"
#include "cpu/x86/long_helper.h"

/* MOVSXD r, r/m32: sign-extend (a 16- or 32-bit destination just moves). */
void gen_MOVSXD(DisasContext *dc)
{
    const X86Operand *src = &dc->insn->op[1];
    TCGv v = gen_load_op(dc, src, NULL);

    gen_ext(dc, v, v, src->size, true);
    gen_store_op(dc, &dc->insn->op[0], v, NULL);
}

/* CMPXCHG16B m128: RDX:RAX against m128 (16-byte aligned, else #GP);
 * RCX:RBX stored on a match, m128 loaded into RDX:RAX otherwise; ZF. */
void gen_CMPXCHG16B(DisasContext *dc)
{
    TCGContext *s = dc->s;
    const X86Translator *g = dc->g;
    TCGv linear = gen_local(dc);        /* lives across the label */
    TCGv hi_addr;
    TCGv lo = gen_tmp(dc);
    TCGv hi = gen_tmp(dc);
    TCGv eq = gen_tmp(dc);
    TCGv t = gen_tmp(dc);
    TCGv flags;
    TCGLabel *aligned = gen_new_label(s);

    tcg_gen_mov_i64(s, linear, gen_op_linear(dc, &dc->insn->op[0]));
    tcg_gen_andi_i64(s, t, linear, 15);
    tcg_gen_brcondi_i64(s, TCG_COND_EQ, t, 0, aligned);
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_raise_exception_err, NULL, gen_const(dc, EXCP_GP),
               gen_const(dc, 0));
    gen_set_label(s, aligned);
    hi_addr = gen_addr_next(dc, linear, 8);
    gen_ldm(dc, lo, linear, 8);
    gen_ldm(dc, hi, hi_addr, 8);
    tcg_gen_xor_i64(s, eq, lo, g->regs[R_EAX]);
    tcg_gen_xor_i64(s, t, hi, g->regs[R_EDX]);
    tcg_gen_or_i64(s, eq, eq, t);
    tcg_gen_setcond_i64(s, TCG_COND_EQ, eq, eq, gen_const(dc, 0));
    /* the store happens either way, as on hardware */
    tcg_gen_movcond_i64(s, TCG_COND_NE, t, eq, gen_const(dc, 0),
                        g->regs[R_EBX], lo);
    gen_stm(dc, t, linear, 8);
    tcg_gen_movcond_i64(s, TCG_COND_NE, t, eq, gen_const(dc, 0),
                        g->regs[R_ECX], hi);
    gen_stm(dc, t, hi_addr, 8);
    flags = gen_compute_eflags(dc);
    tcg_gen_movcond_i64(s, TCG_COND_NE, g->regs[R_EAX], eq, gen_const(dc, 0),
                        g->regs[R_EAX], lo);
    tcg_gen_movcond_i64(s, TCG_COND_NE, g->regs[R_EDX], eq, gen_const(dc, 0),
                        g->regs[R_EDX], hi);
    tcg_gen_andi_i64(s, flags, flags, ~(uint64_t)CC_Z);
    tcg_gen_shli_i64(s, eq, eq, 6);                     /* ZF is bit 6 */
    tcg_gen_or_i64(s, flags, flags, eq);
    gen_set_eflags_cc(dc, flags);
}

void gen_SWAPGS(DisasContext *dc)
{
    gen_helper0(dc, helper_swapgs, NULL);
}

void gen_SYSCALL(DisasContext *dc)
{
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_syscall, NULL, gen_const(dc, dc->next_eip));
    dc->is_jmp = DISAS_EOB_EXIT;
}

void gen_SYSRET(DisasContext *dc)
{
    gen_update_eip_cur(dc);
    gen_helper(dc, helper_sysret, NULL, gen_const(dc, dc->insn->op_size));
    dc->is_jmp = DISAS_EOB_EXIT;
}

/* RDTSCP: RDTSC, then ECX = IA32_TSC_AUX. */
void gen_RDTSCP(DisasContext *dc)
{
    TCGv aux = gen_tmp(dc);

    gen_update_eip_cur(dc);
    gen_helper0(dc, helper_rdtsc, NULL);
    tcg_gen_ld32u(dc->s, aux, offsetof(X86CPUState, tsc_aux));
    gen_set_gpr(dc, R_ECX, 8, aux);
}
