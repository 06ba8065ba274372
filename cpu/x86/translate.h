/* SPDX-License-Identifier: MIT */
/*
 * x86 translator front end: guest code bytes -> TCG IR, one translation
 * block (TB) at a time.
 *
 * accel/tcg (the execution loop) calls x86_translate_block() with the
 * block's start address, mode word and a code-fetch callback; the
 * translator decodes with x86_decode() (cpu/x86/insn.h), looks up the
 * emitter of each mnemonic (gen_ADD ...: cpu/x86/emit-*.c) and appends IR
 * to the TCGContext. It ends the block at a branch, at an instruction that
 * changes the mode or the translation flags, when the next instruction
 * starts on another page, or after max_insns instructions; one instruction
 * only when single-stepping (HF_TF) or in an interrupt shadow.
 *
 * Precise exceptions: every instruction starts with
 * tcg_gen_insn_start(eip, cc_op); x86_restore_state() puts those back into
 * env when a memory access inside the instruction faults. Emitters write
 * guest registers and flags only after the instruction's last access that
 * can fault, so the rest of env is already the state before the
 * instruction. Before calling a helper that may raise an exception, the
 * emitter stores EIP (and cc_op is always stored eagerly), so helpers raise
 * with state already exact.
 *
 * Ref: Intel SDM Vol. 2 (instruction set), Vol. 3A 6.5 (exception classes,
 * restart), 17.3.1.4 (single-step trap).
 * 64-bit mode (HF_CS64): REX registers, 64-bit operands, RIP-relative
 * addressing, FS/GS as the only segment bases, 64-bit stack and branches.
 * Missing: segment limit checks (docs/cpu.md).
 */
#ifndef KESTREL_CPU_X86_TRANSLATE_H
#define KESTREL_CPU_X86_TRANSLATE_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"
#include "tcg/tcg.h"
#include "cpu/x86/insn.h"

/*
 * Read @len code bytes at linear address @addr into @buf, through the code
 * TLB, and record the physical page in the TB being built.
 *
 * @may_fault true (the bytes of the block's first instruction): a fetch
 * fault raises the guest exception (#PF with CR2 = the faulting byte) and
 * does not return. @may_fault false: return the number of bytes readable
 * without faulting (0..len); the translator then ends the block before the
 * instruction, which will fault again as the first one of its own block.
 * Returns len when every byte was read.
 */
typedef size_t X86FetchCode(void *opaque, vaddr addr, uint8_t *buf,
                            size_t len, bool may_fault);

typedef struct X86TranslateParams {
    /* inputs */
    vaddr pc;                   /* linear address: cs_base + eip */
    uint64_t cs_base;
    uint32_t hflags;            /* env->hflags at the block start (TB key) */
    uint8_t mmu_idx;            /* TLB index for data accesses at this CPL */
    uint32_t features;          /* 1u << X86_FEAT_*: what the model has;
                                 * others give #UD (0: Pentium II set) */
    unsigned max_insns;         /* 0: X86_TB_MAX_INSNS */
    uintptr_t tb_id;            /* exit_tb value after goto_tb n is
                                 * tb_id | n (see tcg_gen_exit_tb) */
    X86FetchCode *fetch;
    void *opaque;               /* for fetch */
    /* GDB breakpoints, or NULL: true when linear @pc has one. The block
     * ends before such an instruction; a block that starts at one raises
     * @bp_excp there instead (the execution loop stops the vCPU). */
    bool (*breakpoint)(vaddr pc);
    unsigned bp_excp;
    /* outputs */
    uint32_t size;              /* guest code bytes the block covers */
    unsigned icount;            /* guest instructions in the block */
} X86TranslateParams;

#define X86_TB_MAX_INSNS 512

/* Per-TCGContext state: the TCG globals that back guest registers. */
typedef struct X86Translator X86Translator;

X86Translator *x86_translator_new(TCGContext *s);
void x86_translator_free(X86Translator *xt);

/*
 * Translate one block starting at p->pc into xt's TCGContext (which the
 * caller has started with tcg_func_start()). Fills p->size and p->icount.
 * The block ends with goto_tb/exit_tb or lookup_and_goto_ptr; chaining
 * slots are 0 (fall-through / taken jump) and 1 (other target).
 * Returns false only when no instruction could be fetched (which the fetch
 * callback reports by raising the fault, so in practice: never).
 */
bool x86_translate_block(X86Translator *xt, X86TranslateParams *p);

/*
 * Put the state recorded by the insn_start of the faulting instruction
 * back into env: data[0] = EIP, data[1] = cc_op (CC_OP_DYNAMIC: env->cc_op
 * is already right).
 */
void x86_restore_state(X86CPUState *env,
                       const uint64_t data[TCG_INSN_START_WORDS]);

/* ---- internals shared by translate.c and the emitters (emit-*.c) ---- */

/* How the block continues after the current instruction. */
typedef enum DisasJump {
    DISAS_NEXT,                 /* go on with the next instruction */
    DISAS_NORETURN,             /* the code emitted already left the block */
    DISAS_EOB_NEXT,             /* end the block at next_eip: mode change */
    DISAS_EOB_JUMP,             /* rip is set: lookup_and_goto_ptr */
    DISAS_EOB_EXIT,             /* rip is set: return to the loop (the
                                 * helper changed the mode, CS, hflags) */
} DisasJump;

struct X86Translator {
    TCGContext *s;
    TCGv regs[16];              /* env->regs[] */
    TCGv rip;
    TCGv cc_op, cc_dst, cc_src, cc_src2;
    TCGv seg_base[6];           /* env->segs[].base */
};

#define X86_INSN_MAX_TEMPS 256

typedef struct DisasContext {
    TCGContext *s;
    const X86Translator *g;
    X86TranslateParams *p;
    const X86Insn *insn;        /* the instruction being translated */
    uint64_t eip;               /* its offset in CS */
    uint64_t next_eip;
    uint64_t pc_start;          /* linear address of the block */
    uint32_t hflags;
    uint8_t code32;             /* CS.D */
    uint8_t ss32;               /* SS.B */
    bool code64;                /* 64-bit code segment (HF_CS64) */
    bool lma;                   /* long mode active (64-bit or compat) */
    bool addseg;                /* DS/ES/SS bases must be added */
    bool pe, vm86;
    unsigned cpl;
    unsigned mmu_idx;
    uint32_t features;          /* 1u << X86_FEAT_* */
    bool inhibit_set;           /* this insn opened an interrupt shadow
                                 * (MOV SS, POP SS, STI) */
    int cc_op;                  /* CC_OP_* known statically, or
                                 * CC_OP_DYNAMIC: read the cc_op global */
    uint16_t cc_live;           /* CC_* flags read after this insn
                                 * before being overwritten (cc_live.c);
                                 * CC_MASK when not known */
    DisasJump is_jmp;
    const X86Insn *next_insn;   /* the next instruction, decoded ahead:
                                 * translated next in this block unless
                                 * this one ends it; else NULL */
    TCGv sse_run;               /* open run of SSE operations sharing one
                                 * MXCSR read (emit-sse-arith.c), or NULL */
    unsigned nb_temps;          /* temps of this instruction, freed after */
    TCGv temps[X86_INSN_MAX_TEMPS];
} DisasContext;

/*
 * The flags @insn reads (*read) and always overwrites (*write), for the
 * dead flag pass. False (read = all, write = none) unless it is a known
 * register-only instruction that cannot fault or end the block.
 */
bool x86_cc_effect(const X86Insn *insn, X86DecodeStatus st,
                   uint32_t features, uint16_t *read, uint16_t *write);

#endif /* KESTREL_CPU_X86_TRANSLATE_H */
