/* SPDX-License-Identifier: MIT */
/*
 * Shared by the x86 translator's emitters (cpu/x86/emit-*.c) and its main
 * loop (translate.c): the emitter list, and the building blocks every
 * emitter uses — guest register access, effective and linear addresses,
 * guest memory, the stack, lazy flags, block exits and exceptions.
 *
 * Conventions: values in TCG temps are zero-extended to their operand size;
 * emitters write guest state (registers, flags, ESP) only after the
 * instruction's last access that may fault (see translate.h).
 * Ref: Intel SDM Vol. 1 3.3-3.4 (addressing, registers), Vol. 3A 3.4
 * (segment bases).
 */
#ifndef KESTREL_CPU_X86_EMIT_H
#define KESTREL_CPU_X86_EMIT_H

#include "kestrel/osdep.h"
#include "cpu/x86/translate.h"
#include "cpu/x86/cc.h"
#include "cpu/x86/helper.h"

/* ---- the emitters, one per mnemonic: gen_ADD(dc) ... ---- */
#define X86_EMITTERS(X)                                                     \
    /* emit-alu.c */                                                        \
    X(ADD) X(OR) X(ADC) X(SBB) X(AND) X(SUB) X(XOR) X(CMP) X(TEST)          \
    X(INC) X(DEC) X(NEG) X(NOT) X(CMPXCHG) X(XADD) X(CMPXCHG8B)             \
    X(CMC) X(CLC) X(STC) X(CLD) X(STD) X(LAHF) X(SAHF) X(SALC)              \
    /* emit-muldiv.c */                                                     \
    X(MUL) X(IMUL) X(DIV) X(IDIV)                                           \
    /* emit-shift.c */                                                      \
    X(ROL) X(ROR) X(RCL) X(RCR) X(SHL) X(SHR) X(SAL) X(SAR)                 \
    X(SHLD) X(SHRD)                                                         \
    /* emit-bit.c */                                                        \
    X(BT) X(BTS) X(BTR) X(BTC) X(BSF) X(BSR) X(BSWAP)                       \
    /* emit-bcd.c */                                                        \
    X(DAA) X(DAS) X(AAA) X(AAS) X(AAM) X(AAD)                               \
    /* emit-cond.c */                                                       \
    X(JO) X(JNO) X(JB) X(JAE) X(JE) X(JNE) X(JBE) X(JA)                     \
    X(JS) X(JNS) X(JP) X(JNP) X(JL) X(JGE) X(JLE) X(JG)                     \
    X(SETO) X(SETNO) X(SETB) X(SETAE) X(SETE) X(SETNE) X(SETBE) X(SETA)     \
    X(SETS) X(SETNS) X(SETP) X(SETNP) X(SETL) X(SETGE) X(SETLE) X(SETG)     \
    X(CMOVO) X(CMOVNO) X(CMOVB) X(CMOVAE) X(CMOVE) X(CMOVNE) X(CMOVBE)      \
    X(CMOVA) X(CMOVS) X(CMOVNS) X(CMOVP) X(CMOVNP) X(CMOVL) X(CMOVGE)       \
    X(CMOVLE) X(CMOVG) X(JCXZ) X(LOOP) X(LOOPE) X(LOOPNE)                   \
    /* emit-branch.c */                                                     \
    X(JMP) X(CALL) X(RET) X(JMPF) X(CALLF) X(RETF) X(IRET)                  \
    X(INT) X(INT3) X(INTO) X(INT1) X(SYSENTER) X(SYSEXIT)                   \
    /* emit-stack.c */                                                      \
    X(PUSH) X(POP) X(PUSHA) X(POPA) X(PUSHF) X(POPF) X(ENTER) X(LEAVE)      \
    /* emit-mov.c */                                                        \
    X(MOV) X(MOVZX) X(MOVSX) X(LEA) X(XCHG) X(CBW) X(CWD) X(XLAT)           \
    X(NOP) X(PAUSE) X(LES) X(LDS) X(LSS) X(LFS) X(LGS) X(BOUND)             \
    /* emit-string.c */                                                     \
    X(MOVS) X(CMPS) X(STOS) X(LODS) X(SCAS) X(INS) X(OUTS)                  \
    /* emit-system.c */                                                     \
    X(HLT) X(CLI) X(STI) X(IN) X(OUT) X(CPUID) X(RDTSC) X(RDMSR) X(WRMSR)   \
    X(RDPMC) X(RSM) X(LGDT) X(LIDT) X(SGDT) X(SIDT) X(LLDT) X(SLDT)         \
    X(LTR) X(STR) X(LMSW) X(SMSW) X(CLTS) X(INVLPG) X(INVD) X(WBINVD)       \
    X(LAR) X(LSL) X(VERR) X(VERW) X(ARPL) X(UD2) X(UD1) X(UD0) X(WAIT)   \
    /* emit-long.c */                                                       \
    X(MOVSXD) X(CMPXCHG16B) X(SWAPGS) X(SYSCALL) X(SYSRET) X(RDTSCP)      \
    X86_X87_EMITTERS(X)                                                     \
    /* emit-sse.c */                                                        \
    X(MOVAPS) X(MOVUPS) X(MOVAPD) X(MOVUPD) X(MOVDQA) X(MOVDQU)             \
    X(MOVNTPS) X(MOVNTPD) X(MOVNTDQ) X(MOVNTQ) X(MOVD) X(MOVQ)              \
    X(MOVQ2DQ) X(MOVDQ2Q) X(MOVLPS) X(MOVLPD) X(MOVHPS) X(MOVHPD)           \
    X(MOVLHPS) X(MOVHLPS) X(MOVSS) X(MOVSD__SSE) X(PSLLDQ) X(PSRLDQ)        \
    X(MOVMSKPS) X(MOVMSKPD) X(PMOVMSKB) X(COMISS) X(UCOMISS) X(COMISD)      \
    X(UCOMISD) X(CVTSS2SI) X(CVTTSS2SI) X(CVTSD2SI) X(CVTTSD2SI)            \
    X(CVTSI2SS) X(CVTSI2SD) X(PEXTRW) X(PINSRW) X(LDMXCSR) X(STMXCSR)       \
    X(EMMS) X(FXSAVE) X(FXSAVE64) X(FXRSTOR) X(FXRSTOR64) X(LFENCE)         \
    X(MFENCE) X(SFENCE) X(PREFETCHNTA) X(PREFETCHT0) X(PREFETCHT1)          \
    X(PREFETCHT2) X(CLFLUSH) X(MOVNTI) X(MASKMOVQ) X(MASKMOVDQU)           \
    X86_SSE_VEC_EMITTERS(X) X86_SSE_SHUF_EMITTERS(X)                        \
    /* emit-sse3.c */                                                       \
    X(ADDSUBPS) X(ADDSUBPD) X(HADDPS) X(HADDPD) X(HSUBPS) X(HSUBPD)         \
    X(MOVSLDUP) X(MOVSHDUP) X(MOVDDUP) X(LDDQU) X(MONITOR) X(MWAIT)

/* SSE/MMX instructions that are one call of helper_sse_vec (emit-sse.c;
 * sse_helper.c has their table) or of helper_sse_shuf. */
#define X86_SSE_VEC_EMITTERS(X)                                             \
    X(PADDB) X(PADDW) X(PADDD) X(PADDQ) X(PSUBB) X(PSUBW) X(PSUBD) X(PSUBQ) \
    X(PADDSB) X(PADDSW) X(PADDUSB) X(PADDUSW) X(PSUBSB) X(PSUBSW)           \
    X(PSUBUSB) X(PSUBUSW) X(PMULLW) X(PMULHW) X(PMULHUW) X(PMULUDQ)         \
    X(PMADDWD) X(PSADBW) X(PCMPEQB) X(PCMPEQW) X(PCMPEQD) X(PCMPGTB)        \
    X(PCMPGTW) X(PCMPGTD) X(PAND) X(POR) X(PXOR) X(PANDN) X(PMINUB)         \
    X(PMAXUB) X(PMINSW) X(PMAXSW) X(PAVGB) X(PAVGW) X(PSLLW) X(PSLLD)       \
    X(PSLLQ) X(PSRLW) X(PSRLD) X(PSRLQ) X(PSRAW) X(PSRAD) X(PUNPCKLBW)      \
    X(PUNPCKLWD) X(PUNPCKLDQ) X(PUNPCKLQDQ) X(PUNPCKHBW) X(PUNPCKHWD)       \
    X(PUNPCKHDQ) X(PUNPCKHQDQ) X(PACKSSWB) X(PACKSSDW) X(PACKUSWB)          \
    X(ANDPS) X(ANDNPS) X(ORPS) X(XORPS) X(ANDPD) X(ANDNPD) X(ORPD) X(XORPD) \
    X(UNPCKLPS) X(UNPCKHPS) X(UNPCKLPD) X(UNPCKHPD)                         \
    X(ADDPS) X(ADDSS) X(ADDPD) X(ADDSD) X(SUBPS) X(SUBSS) X(SUBPD) X(SUBSD) \
    X(MULPS) X(MULSS) X(MULPD) X(MULSD) X(DIVPS) X(DIVSS) X(DIVPD) X(DIVSD) \
    X(MINPS) X(MINSS) X(MINPD) X(MINSD) X(MAXPS) X(MAXSS) X(MAXPD) X(MAXSD) \
    X(SQRTPS) X(SQRTSS) X(SQRTPD) X(SQRTSD) X(RCPPS) X(RCPSS) X(RSQRTPS)    \
    X(RSQRTSS) X(CVTPS2PD) X(CVTPD2PS) X(CVTSS2SD) X(CVTSD2SS) X(CVTDQ2PS)  \
    X(CVTPS2DQ) X(CVTTPS2DQ) X(CVTDQ2PD) X(CVTPD2DQ) X(CVTTPD2DQ)           \
    X(CMPPS) X(CMPSS) X(CMPPD) X(CMPSD__SSE) X(CVTPI2PS) X(CVTPS2PI)        \
    X(CVTTPS2PI) X(CVTPI2PD) X(CVTPD2PI) X(CVTTPD2PI)
#define X86_SSE_SHUF_EMITTERS(X)                                            \
    X(PSHUFD) X(PSHUFLW) X(PSHUFHW) X(PSHUFW) X(SHUFPS) X(SHUFPD)

/* emit-x87.c: every x87 instruction, one helper call each */
#define X86_X87_EMITTERS(X)                                                 \
    X(FNINIT) X(FNCLEX) X(FNSTSW) X(FNSTCW) X(FLDCW) X(FNSTENV) X(FLDENV)   \
    X(FNSAVE) X(FRSTOR) X(FNOP) X(FENI) X(FDISI) X(FSETPM) X(FFREE)         \
    X(FFREEP) X(FINCSTP) X(FDECSTP) X(FLD) X(FLD1) X(FLDZ) X(FLDPI)         \
    X(FLDL2E) X(FLDL2T) X(FLDLG2) X(FLDLN2) X(FILD) X(FST) X(FSTP)          \
    X(FSTPNCE) X(FIST) X(FISTP) X(FISTTP) X(FBLD) X(FBSTP) X(FADD) X(FMUL)  \
    X(FSUB) X(FSUBR) X(FDIV) X(FDIVR) X(FADDP) X(FMULP) X(FSUBP) X(FSUBRP)  \
    X(FDIVP) X(FDIVRP) X(FIADD) X(FIMUL) X(FISUB) X(FISUBR) X(FIDIV)        \
    X(FIDIVR) X(FCHS) X(FABS) X(FSQRT) X(FRNDINT) X(FXCH) X(FCOM) X(FCOMP)  \
    X(FCOMPP) X(FUCOM) X(FUCOMP) X(FUCOMPP) X(FICOM) X(FICOMP) X(FTST)      \
    X(FXAM) X(FCOMI) X(FCOMIP) X(FUCOMI) X(FUCOMIP) X(FSCALE) X(FPREM)      \
    X(FPREM1) X(FXTRACT) X(F2XM1) X(FYL2X) X(FYL2XP1) X(FPTAN) X(FPATAN)    \
    X(FSIN) X(FCOS) X(FSINCOS) X(FCMOVB) X(FCMOVE) X(FCMOVBE) X(FCMOVU)     \
    X(FCMOVNB) X(FCMOVNE) X(FCMOVNBE) X(FCMOVNU)

#define X(name) void gen_##name(DisasContext *dc);
X86_EMITTERS(X)
#undef X

/* MOV with a segment, control or debug register operand (emit-system.c) */
void gen_mov_sreg(DisasContext *dc);
void gen_mov_crdr(DisasContext *dc);
/* Load segment register seg (R_ES..R_GS) with selector sel: inline in
 * real and V86 mode, helper_load_seg otherwise (then the block ends);
 * loading SS opens an interrupt shadow. */
void gen_load_seg(DisasContext *dc, unsigned seg, TCGv sel);

/* ---- small utilities ---- */
/* Temps live until the end of the instruction (translate.c frees them). */
static inline TCGv gen_track(DisasContext *dc, TCGv t)
{
    if (dc->nb_temps < X86_INSN_MAX_TEMPS) {
        dc->temps[dc->nb_temps++] = t;
    }
    return t;
}

static inline TCGv gen_tmp(DisasContext *dc)
{
    return gen_track(dc, tcg_temp_new(dc->s));
}

static inline TCGv gen_local(DisasContext *dc)
{
    return gen_track(dc, tcg_temp_local_new(dc->s));
}

static inline TCGv gen_const(DisasContext *dc, uint64_t v)
{
    return tcg_const(dc->s, v);
}

static inline MemOp x86_memop(unsigned size)
{
    return size == 1 ? MO_8 : size == 2 ? MO_16 : size == 4 ? MO_32 : MO_64;
}

static inline uint64_t x86_size_mask(unsigned size)
{
    return size >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (size * 8)) - 1;
}

static inline uint64_t x86_sign_bit(unsigned size)
{
    return (uint64_t)1 << (size * 8 - 1);
}

/* d = a zero- or sign-extended from size bytes */
void gen_ext(DisasContext *dc, TCGv d, TCGv a, unsigned size, bool sign);

/* ---- guest registers ---- */
/* GPR reg, low `size` bytes, zero-extended. */
void gen_get_gpr(DisasContext *dc, TCGv d, unsigned reg, unsigned size);
/* Write the low `size` bytes of GPR reg (32-bit writes zero the top). */
void gen_set_gpr(DisasContext *dc, unsigned reg, unsigned size, TCGv v);
/* AH, CH, DH, BH: reg 0..3 */
void gen_get_gpr8h(DisasContext *dc, TCGv d, unsigned reg);
void gen_set_gpr8h(DisasContext *dc, unsigned reg, TCGv v);

/* ---- addresses and memory ---- */
/* Effective address (offset in the segment) of a MEM operand, wrapped to
 * the address size. */
TCGv gen_ea(DisasContext *dc, const X86Operand *op);
/* Linear address seg.base + ea, wrapped to 32 bits outside long mode. */
TCGv gen_linear(DisasContext *dc, unsigned seg, TCGv ea);
TCGv gen_op_linear(DisasContext *dc, const X86Operand *op);
/* Linear address a + delta (the next part of a memory operand), wrapped
 * to 32 bits outside 64-bit mode. */
TCGv gen_addr_next(DisasContext *dc, TCGv a, unsigned delta);
void gen_ldm(DisasContext *dc, TCGv d, TCGv linear, unsigned size);
void gen_ldm_signed(DisasContext *dc, TCGv d, TCGv linear, unsigned size);
void gen_stm(DisasContext *dc, TCGv v, TCGv linear, unsigned size);
/* Segment for a default-DS access (XLAT, string sources): the override
 * prefix or DS. */
unsigned x86_data_seg(const DisasContext *dc);

/*
 * Operand access. gen_load_op returns a new temp with the value (register,
 * immediate or memory, zero-extended); for memory, *linear (when not NULL)
 * receives the address for a later gen_store_op.
 */
TCGv gen_load_op(DisasContext *dc, const X86Operand *op, TCGv *linear);
void gen_store_op(DisasContext *dc, const X86Operand *op, TCGv v,
                  TCGv linear);

/* ---- stack (SS, 16- or 32-bit ESP by SS.B; RSP in 64-bit mode) ---- */
unsigned x86_stack_size(const DisasContext *dc);
/* Linear address of SS:(ESP + ofs) */
TCGv gen_stack_linear(DisasContext *dc, int64_t ofs);
/* Store v at SS:(ESP - size), then ESP -= size. */
void gen_push(DisasContext *dc, TCGv v, unsigned size);
/* Load the value at SS:(ESP + ofs); ESP unchanged. */
TCGv gen_pop_peek(DisasContext *dc, unsigned size, int64_t ofs);
/* ESP += delta (SP only with a 16-bit stack). */
void gen_add_sp(DisasContext *dc, int64_t delta);

/* ---- lazy flags ---- */
/* Make op the static cc_op (stores the cc_op global when it changes). */
void gen_set_cc_op(DisasContext *dc, CCOp op);
/* Record a flag-setting operation of `size` bytes; src/src2 may be NULL. */
void gen_cc_set(DisasContext *dc, CCOp base, unsigned size, TCGv dst,
                TCGv src, TCGv src2);
/* The six flags in a new temp (CC_MASK bits). */
TCGv gen_compute_eflags(DisasContext *dc);
/* CF as 0/1 in a new temp. */
TCGv gen_compute_cf(DisasContext *dc);
/* Store flags (CC_MASK bits of v) as CC_OP_EFLAGS. */
void gen_set_eflags_cc(DisasContext *dc, TCGv flags);
/* Full EFLAGS (lazy bits computed) / DF as a +1/-1 multiplier. */
TCGv gen_get_full_eflags(DisasContext *dc);
/* d = size or -size depending on EFLAGS.DF */
void gen_string_step(DisasContext *dc, TCGv d, unsigned size);

/* Conditions 0..15 (O NO B AE E NE BE A S NS P NP L GE LE G): emit-cond.c */
void gen_jcc_label(DisasContext *dc, unsigned cc, TCGLabel *l);
void gen_setcc_value(DisasContext *dc, unsigned cc, TCGv d);

/* ---- control ---- */
void gen_update_eip(DisasContext *dc, uint64_t eip);
/* Before a helper that may raise: EIP of this instruction into env. */
void gen_update_eip_cur(DisasContext *dc);
void gen_exception(DisasContext *dc, unsigned excp);
void gen_exception_err(DisasContext *dc, unsigned excp, uint32_t err);
/* Jump to a constant EIP through goto_tb slot `slot`; ends the block. */
void gen_jmp_tb(DisasContext *dc, uint64_t eip, unsigned slot);
/* Jump to the EIP in v (masked to the operand size); ends the block. */
void gen_jmp_reg(DisasContext *dc, TCGv v);
/* EIP wrapped to the operand size of a near branch (16-bit: 64 KiB). */
uint64_t x86_branch_eip(const DisasContext *dc, uint64_t eip);
/* MOV SS / POP SS / STI: interrupts (and for SS, the single-step trap)
 * wait one instruction; ends the block. */
void gen_set_inhibit_irq(DisasContext *dc);
/* After an instruction that may change the mode: end the block. */
static inline void gen_end_block(DisasContext *dc)
{
    dc->is_jmp = DISAS_EOB_NEXT;
}

/* ---- helper calls: ret may be NULL ---- */
#define gen_helper(dc, fn, ret, ...) \
    tcg_gen_callN((dc)->s, fn, 0, ret, __VA_ARGS__)
#define gen_helper0(dc, fn, ret) \
    tcg_gen_call((dc)->s, (void *)(fn), 0, ret, 0, NULL)

#endif /* KESTREL_CPU_X86_EMIT_H */
