/* SPDX-License-Identifier: MIT */
/*
 * x86 translator main loop: fetch, decode, emit, and end the block.
 *
 * Called by accel/tcg through x86_translate_block() (see translate.h for
 * the contract). Each instruction: code bytes come from the fetch callback
 * (a block stays within the page of its first byte, except that its first
 * instruction may cross into the next one), x86_decode() names it, the
 * emitter table (indexed by mnemonic) emits it. Checks done here for every
 * instruction: decoder #UD/#GP, CPU model features, CPL 0 for privileged
 * instructions.
 *
 * Block ends: branches (goto_tb to constant targets on the block's page,
 * lookup_and_goto_ptr otherwise; a direct JMP forward on the page is
 * followed instead), mode changes (exit to the loop), page
 * end, max_insns. With HF_TF each block is one instruction followed by the
 * single-step trap; in an interrupt shadow (HF_INHIBIT_IRQ) the block is one
 * instruction that clears the shadow, then returns to the loop.
 * Ref: Intel SDM Vol. 2 ch. 2, Vol. 3A 6.8.3 (interrupt shadow), 17.3.1.4.
 * In 64-bit mode the CS base is 0 and linear code addresses are 64 bits
 * (canonical checks are the TLB slow path's); elsewhere they wrap at 4 GiB.
 * Missing: RF handling.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "tcg/tlb-layout.h"
#include "cpu/x86/emit.h"
#include "cpu/x86/limit.h"

typedef void X86EmitFn(DisasContext *dc);

static X86EmitFn *const x86_emit_table[X86_INSN_COUNT] = {
#define X(name) [X86_INSN_##name] = gen_##name,
    X86_EMITTERS(X)
#undef X
};

#define X86_DEFAULT_FEATURES                                              \
    ((1u << X86_FEAT_BASE) | (1u << X86_FEAT_386) | (1u << X86_FEAT_486) |  \
     (1u << X86_FEAT_PENTIUM) | (1u << X86_FEAT_FPU) |                    \
     (1u << X86_FEAT_CMOV) | (1u << X86_FEAT_PPRO) | (1u << X86_FEAT_SEP) | \
     (1u << X86_FEAT_MMX) | (1u << X86_FEAT_FXSR))

static const char *const x86_reg_names[16] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static const char *const x86_seg_base_names[6] = {
    "es_base", "cs_base", "ss_base", "ds_base", "fs_base", "gs_base",
};

X86Translator *x86_translator_new(TCGContext *s)
{
    X86Translator *xt = g_new0(X86Translator, 1);

    xt->s = s;
    for (int i = 0; i < 16; i++) {
        xt->regs[i] = tcg_global_mem_new(s, offsetof(X86CPUState, regs[i]),
                                         x86_reg_names[i]);
    }
    for (int i = 0; i < 6; i++) {
        xt->seg_base[i] = tcg_global_mem_new(
            s, offsetof(X86CPUState, segs[i]) + offsetof(SegmentCache, base),
            x86_seg_base_names[i]);
    }
    xt->rip = tcg_global_mem_new(s, offsetof(X86CPUState, rip), "rip");
    xt->cc_op = tcg_global_mem_new(s, offsetof(X86CPUState, cc_op), "cc_op");
    xt->cc_dst = tcg_global_mem_new(s, offsetof(X86CPUState, cc_dst),
                                    "cc_dst");
    xt->cc_src = tcg_global_mem_new(s, offsetof(X86CPUState, cc_src),
                                    "cc_src");
    xt->cc_src2 = tcg_global_mem_new(s, offsetof(X86CPUState, cc_src2),
                                     "cc_src2");
    return xt;
}

void x86_translator_free(X86Translator *xt)
{
    g_free(xt);
}

void x86_restore_state(X86CPUState *env,
                       const uint64_t data[TCG_INSN_START_WORDS])
{
    env->rip = data[0];
    if (data[1] != CC_OP_DYNAMIC) {
        env->cc_op = data[1];
    }
}

/* ---- block exits ---- */

/* Leave the block after rip is set: trap, loop, or jump cache. */
static void gen_eob(DisasContext *dc, bool lookup)
{
    if ((dc->hflags & HF_TF) && !dc->inhibit_set) {
        gen_helper0(dc, helper_single_step, NULL);
    } else if (lookup && !(dc->hflags & HF_INHIBIT_IRQ) && !dc->inhibit_set) {
        tcg_gen_lookup_and_goto_ptr(dc->s);
    } else {
        tcg_gen_exit_tb(dc->s, 0);
    }
    dc->is_jmp = DISAS_NORETURN;
}

/* Linear address of offset eip in CS. */
static uint64_t x86_code_linear(const DisasContext *dc, uint64_t eip)
{
    return dc->code64 ? eip : (dc->p->cs_base + eip) & 0xffffffff;
}

static bool x86_same_page(const DisasContext *dc, uint64_t eip)
{
    uint64_t linear = x86_code_linear(dc, eip);

    return (linear & TLB_PAGE_MASK) == (dc->pc_start & TLB_PAGE_MASK);
}

void gen_jmp_tb(DisasContext *dc, uint64_t eip, unsigned slot)
{
    bool direct = !(dc->hflags & (HF_TF | HF_INHIBIT_IRQ)) &&
                  !dc->inhibit_set && x86_same_page(dc, eip);

    if (direct) {
        tcg_gen_goto_tb(dc->s, slot);
        gen_update_eip(dc, eip);
        tcg_gen_exit_tb(dc->s, dc->p->tb_id | slot);
        dc->is_jmp = DISAS_NORETURN;
    } else {
        gen_update_eip(dc, eip);
        gen_eob(dc, true);
    }
}

void gen_set_inhibit_irq(DisasContext *dc)
{
    TCGv t = gen_tmp(dc);

    tcg_gen_ld32u(dc->s, t, offsetof(X86CPUState, hflags));
    tcg_gen_ori_i64(dc->s, t, t, HF_INHIBIT_IRQ);
    tcg_gen_st32(dc->s, t, offsetof(X86CPUState, hflags));
    dc->inhibit_set = true;
    gen_end_block(dc);
}

static void gen_clear_inhibit_irq(DisasContext *dc)
{
    TCGv t = gen_tmp(dc);

    tcg_gen_ld32u(dc->s, t, offsetof(X86CPUState, hflags));
    tcg_gen_andi_i64(dc->s, t, t, ~(uint64_t)HF_INHIBIT_IRQ);
    tcg_gen_st32(dc->s, t, offsetof(X86CPUState, hflags));
}

static void gen_block_end(DisasContext *dc)
{
    switch (dc->is_jmp) {
    case DISAS_NEXT:                    /* page end or max_insns */
        gen_jmp_tb(dc, dc->next_eip, 0);
        break;
    case DISAS_EOB_NEXT:
        gen_update_eip(dc, dc->next_eip);
        gen_eob(dc, false);
        break;
    case DISAS_EOB_JUMP:
        gen_eob(dc, true);
        break;
    case DISAS_EOB_EXIT:
        gen_eob(dc, false);
        break;
    case DISAS_NORETURN:
        break;
    }
}

/* ---- one instruction ---- */

/*
 * Fetch and decode the instruction at @eip into *insn (@first: the block's
 * first, which may fault). Returns false when the block must end before it
 * (it lies on the next page).
 */
static bool x86_fetch_decode(DisasContext *dc, uint64_t eip, bool first,
                             X86Insn *insn, uint8_t *buf,
                             X86DecodeStatus *st)
{
    X86TranslateParams *p = dc->p;
    uint64_t pc = x86_code_linear(dc, eip);
    size_t room = TLB_PAGE_SIZE - (pc & (TLB_PAGE_SIZE - 1));
    size_t n = MIN(room, X86_DECODE_WINDOW);   /* this page only */
    X86Mode mode = dc->code64 ? X86_MODE_64 :
                   (dc->hflags & HF_CS32) ? X86_MODE_32 : X86_MODE_16;

    if (!first && (pc & TLB_PAGE_MASK) != (dc->pc_start & TLB_PAGE_MASK)) {
        return false;
    }
    if (p->fetch(p->opaque, pc, buf, n, first) < n) {
        return false;                   /* fault: let it be a block head */
    }
    *st = x86_decode(insn, buf, n, mode);
    if (*st == X86_DEC_NEED_MORE) {
        if (!first) {
            return false;
        }
        p->fetch(p->opaque, pc + n, buf + n, X86_MAX_INSN_LEN - n, true);
        *st = x86_decode(insn, buf, X86_MAX_INSN_LEN, mode);
    }
    return true;
}

/* Offset of the instruction after one of @len bytes at @eip. */
static uint64_t x86_next_eip(const DisasContext *dc, uint64_t eip,
                             unsigned len)
{
    uint64_t next = eip + len;

    return dc->code64 ? next : dc->code32 ? next & 0xffffffff
                                          : next & 0xffff;
}

/*
 * A direct JMP forward within the block's page does not end the block:
 * translation goes on at its target, so cc_op stays known across it and
 * the flags the target's code overwrites are dead before it (`xor; jmp;
 * dec` needs no helper for DEC's CF). The bytes jumped over count as the
 * block's (its size runs to the end of its last instruction), so a write
 * to them invalidates it; being forward, no block loops inside itself.
 * Returns true and the target's offset in *target when @insn at @eip is one.
 */
static bool x86_jmp_followed(const DisasContext *dc, const X86Insn *insn,
                             X86DecodeStatus st, uint64_t eip,
                             uint64_t *target)
{
    uint64_t next;

    if (st != X86_DEC_OK || insn->mnem != X86_INSN_JMP ||
        insn->op[0].kind != X86_OPND_REL ||
        (dc->hflags & (HF_TF | HF_INHIBIT_IRQ))) {
        return false;
    }
    next = x86_code_linear(dc, x86_next_eip(dc, eip, insn->len));
    *target = x86_rel_target(insn, eip);
    if (!dc->code64) {
        *target &= insn->op_size == 2 ? 0xffff : 0xffffffff;
    }
    return x86_code_linear(dc, *target) >= next &&
           x86_same_page(dc, *target) && x86_same_page(dc, eip);
}

/* An instruction decoded ahead, with the flags live after it. */
typedef struct X86PreInsn {
    X86Insn insn;
    X86DecodeStatus st;
    uint16_t cc_live;
    bool followed;              /* a JMP translation goes on after */
    uint8_t buf[X86_DECODE_WINDOW];
} X86PreInsn;

#define X86_PREDECODE_MAX 32

/*
 * Decode the block ahead, up to its first branch or block-ending
 * instruction, a breakpoint, the page end or @max instructions, and work
 * out the flags live after each (cc_live.c); all are live after the last.
 * Fetches in the order the main loop would, so faults are the same.
 */
static unsigned x86_predecode(DisasContext *dc, X86PreInsn *pre,
                              unsigned max)
{
    X86TranslateParams *p = dc->p;
    uint64_t eip = dc->next_eip;
    uint16_t live = CC_MASK, read, write;
    unsigned n = 0;

    max = MIN(max, X86_PREDECODE_MAX);
    while (n < max) {
        X86PreInsn *pi = &pre[n];

        if (p->breakpoint && p->breakpoint(x86_code_linear(dc, eip))) {
            break;
        }
        if (!x86_fetch_decode(dc, eip, n == 0, &pi->insn, pi->buf,
                              &pi->st)) {
            break;
        }
        n++;
        pi->followed = x86_jmp_followed(dc, &pi->insn, pi->st, eip, &eip);
        if (pi->followed) {
            continue;
        }
        if (pi->st != X86_DEC_OK ||
            (pi->insn.flags & (X86_IF_END_TB | X86_IF_BRANCH))) {
            break;
        }
        eip = x86_next_eip(dc, eip, pi->insn.len);
    }
    for (unsigned i = n; i-- > 0;) {
        bool known = x86_cc_effect(&pre[i].insn, pre[i].st, dc->features,
                                   &read, &write);

        if (pre[i].followed) {          /* no code: flags pass through */
            known = true;
            read = write = 0;
        }
        pre[i].cc_live = known ? live : CC_MASK;
        live = read | (live & ~write);
    }
    return n;
}

static void x86_log_in_asm(const DisasContext *dc, const X86Insn *insn,
                           const uint8_t *buf)
{
    char line[160];

    x86_format_in_asm_line(insn, buf, x86_code_linear(dc, dc->eip), line,
                           sizeof(line));
    ks_log("%s\n", line);
}

static void x86_translate_insn(DisasContext *dc, const X86Insn *insn,
                               X86DecodeStatus st)
{
    X86EmitFn *fn;
    X86Insn alias;

    /* A CPU without BMI1/ABM runs F3 0F BC/BD as BSF/BSR: the prefix is
     * ignored (SDM Vol. 2 TZCNT, LZCNT). Linux uses TZCNT so. */
    if (st == X86_DEC_OK && !(dc->features & (1u << insn->feature)) &&
        (insn->mnem == X86_INSN_TZCNT || insn->mnem == X86_INSN_LZCNT)) {
        alias = *insn;
        alias.mnem = insn->mnem == X86_INSN_TZCNT ? X86_INSN_BSF
                                                  : X86_INSN_BSR;
        alias.feature = X86_FEAT_386;
        insn = dc->insn = &alias;
    }
    /* 0F 0D (PREFETCH/PREFETCHW) is a hint NOP on CPUs without PRFCHW. */
    if (st == X86_DEC_OK && !(dc->features & (1u << insn->feature)) &&
        (insn->mnem == X86_INSN_PREFETCHW || insn->mnem == X86_INSN_PREFETCH)) {
        return;
    }
    if (dc->hflags & HF_INHIBIT_IRQ) {
        gen_clear_inhibit_irq(dc);
    }
    if (st == X86_DEC_GP) {
        gen_exception_err(dc, EXCP_GP, 0);
        return;
    }
    if (st != X86_DEC_OK || !(dc->features & (1u << insn->feature))) {
        gen_exception(dc, EXCP_UD);
        return;
    }
    if ((insn->flags & X86_IF_PRIV) && dc->cpl != 0) {
        gen_exception_err(dc, EXCP_GP, 0);
        return;
    }
    fn = x86_emit_table[insn->mnem];
    if (!fn) {
        ks_log_mask(LOG_UNIMP, "x86: %s at 0x%08" PRIx64
                    " not implemented: #UD\n",
                    x86_mnemonic_name(insn->mnem), dc->p->cs_base + dc->eip);
        gen_exception(dc, EXCP_UD);
        return;
    }
    gen_limit_check(dc);
    fn(dc);
}

bool x86_translate_block(X86Translator *xt, X86TranslateParams *p)
{
    DisasContext dc = {
        .s = xt->s, .g = xt, .p = p,
        .pc_start = p->pc,
        .hflags = p->hflags,
        .code32 = !!(p->hflags & HF_CS32),
        .ss32 = !!(p->hflags & HF_SS32),
        .code64 = !!(p->hflags & HF_CS64),
        .lma = !!(p->hflags & HF_LMA),
        .pe = !!(p->hflags & HF_PE),
        .vm86 = !!(p->hflags & HF_VM),
        .cpl = p->hflags & HF_CPL_MASK,
        .mmu_idx = p->mmu_idx,
        .features = p->features ? p->features : X86_DEFAULT_FEATURES,
        .cc_op = CC_OP_DYNAMIC,
        .cc_live = CC_MASK,
        .is_jmp = DISAS_NEXT,
    };
    unsigned max = p->max_insns ? p->max_insns : X86_TB_MAX_INSNS;
    X86PreInsn pre[X86_PREDECODE_MAX];
    unsigned npre;

    dc.addseg = !dc.pe || dc.vm86 || (p->hflags & HF_ADDSEG);
    dc.next_eip = dc.code64 ? p->pc : p->pc - p->cs_base;
    if (p->hflags & (HF_TF | HF_INHIBIT_IRQ)) {
        max = 1;
    }
    p->icount = 0;
    p->size = 0;
    npre = x86_predecode(&dc, pre, max);
    while (dc.is_jmp == DISAS_NEXT) {
        uint8_t buf[X86_DECODE_WINDOW];
        X86Insn insn;
        X86DecodeStatus st;
        uint64_t target;

        if (p->breakpoint && p->breakpoint(dc.code64 ? dc.next_eip
                                           : (p->cs_base + dc.next_eip)
                                             & 0xffffffff)) {
            if (p->icount == 0) {
                dc.eip = dc.next_eip;
                tcg_gen_insn_start(dc.s, dc.eip, dc.cc_op);
                gen_exception(&dc, p->bp_excp);
                p->icount = p->size = 1;    /* covers the breakpoint */
            }
            break;
        }
        if (p->icount >= max) {
            break;
        }
        if (p->icount < npre) {
            insn = pre[p->icount].insn;
            st = pre[p->icount].st;
            memcpy(buf, pre[p->icount].buf, sizeof(buf));
            dc.cc_live = pre[p->icount].cc_live;
        } else if (x86_fetch_decode(&dc, dc.next_eip, p->icount == 0, &insn,
                                    buf, &st)) {
            dc.cc_live = CC_MASK;
        } else {
            break;
        }
        dc.insn = &insn;
        dc.next_insn = p->icount + 1 < MIN(npre, max) &&
                       pre[p->icount + 1].st == X86_DEC_OK
                       ? &pre[p->icount + 1].insn : NULL;
        dc.eip = dc.next_eip;
        dc.next_eip = x86_next_eip(&dc, dc.eip,
                                   st == X86_DEC_OK ? insn.len : 1);
        tcg_gen_insn_start(dc.s, dc.eip, dc.cc_op);
        if (ks_log_enabled(LOG_IN_ASM) && st == X86_DEC_OK) {
            x86_log_in_asm(&dc, &insn, buf);
        }
        if (x86_jmp_followed(&dc, &insn, st, dc.eip, &target)) {
            p->size += x86_code_linear(&dc, target) -
                       x86_code_linear(&dc, dc.next_eip);
            dc.next_eip = target;
        } else {
            x86_translate_insn(&dc, &insn, st);
        }
        for (unsigned i = 0; i < dc.nb_temps; i++) {
            tcg_temp_free(dc.s, dc.temps[i]);
        }
        dc.nb_temps = 0;
        p->icount++;
        p->size += st == X86_DEC_OK ? insn.len : 1;
    }
    gen_block_end(&dc);
    return p->icount > 0;
}
