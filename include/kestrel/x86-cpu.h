/* SPDX-License-Identifier: MIT */
/*
 * The canonical x86 CPU state. Both accelerators read and write this form
 * (KVM through get/put_state), so a running guest can move between them,
 * and the GDB stub and the monitor see the same registers on both.
 *
 * EFLAGS is lazy under TCG: the arithmetic flags (CF PF AF ZF SF OF) live in
 * cc_op/cc_src/cc_dst/cc_src2 until x86_cpu_get_eflags() computes them;
 * `eflags` holds every other bit. x86_cpu_set_eflags() stores all of them.
 * Ref: Intel SDM Vol. 3A ch. 2 (system registers), ch. 3 (segments).
 */
#ifndef KESTREL_X86_CPU_H
#define KESTREL_X86_CPU_H

#include "kestrel/osdep.h"

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS };

/* EFLAGS bits */
#define CC_C    0x0001
#define CC_P    0x0004
#define CC_A    0x0010
#define CC_Z    0x0040
#define CC_S    0x0080
#define CC_O    0x0800
#define CC_MASK (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)
#define TF_MASK   0x00000100
#define IF_MASK   0x00000200
#define DF_MASK   0x00000400
#define IOPL_MASK 0x00003000
#define IOPL_SHIFT 12
#define NT_MASK   0x00004000
#define RF_MASK   0x00010000
#define VM_MASK   0x00020000
#define AC_MASK   0x00040000
#define VIF_MASK  0x00080000
#define VIP_MASK  0x00100000
#define ID_MASK   0x00200000

/* CR0/CR4/EFER bits */
#define CR0_PE  (1u << 0)
#define CR0_MP  (1u << 1)
#define CR0_EM  (1u << 2)
#define CR0_TS  (1u << 3)
#define CR0_ET  (1u << 4)
#define CR0_NE  (1u << 5)
#define CR0_WP  (1u << 16)
#define CR0_AM  (1u << 18)
#define CR0_NW  (1u << 29)
#define CR0_CD  (1u << 30)
#define CR0_PG  (1u << 31)
#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE  (1u << 3)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* Segment descriptor cache: flags hold the descriptor's high dword bits
 * 8-23 in place (type, S, DPL, P, AVL, L, D/B, G), as KVM and QEMU do. */
#define DESC_TYPE_SHIFT 8
#define DESC_A_MASK   (1u << 8)
#define DESC_W_MASK   (1u << 9)         /* data: writable */
#define DESC_R_MASK   (1u << 9)         /* code: readable */
#define DESC_E_MASK   (1u << 10)        /* data: expand-down */
#define DESC_C_MASK   (1u << 10)        /* code: conforming */
#define DESC_CS_MASK  (1u << 11)        /* code segment */
#define DESC_S_MASK   (1u << 12)        /* code/data, not system */
#define DESC_DPL_SHIFT 13
#define DESC_P_MASK   (1u << 15)
#define DESC_AVL_MASK (1u << 20)
#define DESC_L_MASK   (1u << 21)
#define DESC_B_MASK   (1u << 22)
#define DESC_G_MASK   (1u << 23)

typedef struct SegmentCache {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;                     /* in bytes, granularity applied */
    uint32_t flags;
} SegmentCache;

typedef struct DescTable {
    uint64_t base;
    uint32_t limit;
} DescTable;

typedef struct X87Reg {
    uint64_t mant;                      /* explicit integer bit at 63 */
    uint16_t sign_exp;                  /* sign at 15, biased exponent */
} X87Reg;

typedef union XmmReg {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t l[4];
    uint64_t q[2];
} XmmReg;

typedef struct X86CPUState {
    /* integer registers: keep first, the JIT addresses them often */
    uint64_t regs[16];
    uint64_t rip;
    uint64_t eflags;                    /* all but the lazy CC_MASK bits */
    uint32_t cc_op;                     /* how cc_* encode CC_MASK */
    uint64_t cc_dst;
    uint64_t cc_src;
    uint64_t cc_src2;

    SegmentCache segs[6];
    SegmentCache ldt;
    SegmentCache tr;
    DescTable gdt;
    DescTable idt;
    uint64_t cr[5];                     /* CR0, CR1 (unused), CR2, CR3, CR4 */
    uint64_t dr[8];
    uint64_t efer;

    /* MSRs */
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat;
    uint64_t tsc;                       /* guest TSC at tsc_host_ref */
    uint64_t tsc_aux;
    uint64_t apic_base;
    uint64_t mtrr_def_type;
    uint64_t mtrr_fixed[11];
    uint64_t mtrr_var[16];              /* base/mask pairs */
    uint64_t misc_enable;

    /* x87, MMX (aliases the x87 mantissas), SSE */
    X87Reg fpregs[8];                   /* physical order, ST(i) = top+i */
    uint16_t fpuc;                      /* control word */
    uint16_t fpus;                      /* status word without TOP */
    uint8_t fpstt;                      /* TOP */
    uint8_t fptag;                      /* abridged: 1 = valid/non-empty */
    uint16_t fpop;
    uint64_t fpip;
    uint64_t fpdp;
    uint16_t fpcs, fpds;
    XmmReg xmm[16];
    uint32_t mxcsr;

    /* execution state */
    uint32_t hflags;                    /* derived mode bits: HF_* */
    int32_t exception_index;            /* -1: none pending */
    uint32_t error_code;
    bool halted;
    uint32_t interrupt_request;         /* CPU_INTERRUPT_* */
    uint64_t a20_mask;                  /* ~(1 << 20) when A20 is off */
    uint64_t smbase;
    bool in_smm;
} X86CPUState;

/* hflags: the mode bits that decide how code is translated (part of the
 * TB key) and that the accelerators recompute after loading state. */
#define HF_CPL_MASK    0x0003
#define HF_CS32        (1u << 2)        /* CS.D: 32-bit code */
#define HF_SS32        (1u << 3)        /* SS.B: 32-bit stack */
#define HF_PE          (1u << 4)
#define HF_VM          (1u << 5)
#define HF_LMA         (1u << 6)
#define HF_CS64        (1u << 7)        /* 64-bit code segment */
#define HF_ADDSEG      (1u << 8)        /* DS/ES/SS may have a non-zero base */
#define HF_PG          (1u << 9)
#define HF_TF          (1u << 10)
#define HF_INHIBIT_IRQ (1u << 11)       /* after MOV SS / STI */
#define HF_EM          (1u << 12)
#define HF_TS          (1u << 13)
#define HF_MP          (1u << 14)
#define HF_OSFXSR      (1u << 15)
#define HF_SMM         (1u << 16)
/* Protected mode (not V86, not 64-bit): segment R_ES + n is present,
 * writable and expand-up, so a limit compare is its whole check
 * (cpu/x86/emit-limit.c); HF_SEG_FLAT: DS, ES and SS are so with a
 * 4 GiB limit, and their accesses go unchecked. */
#define HF_SEG_PLAIN0  (1u << 17)       /* bits 17..22: ES CS SS DS FS GS */
#define HF_SEG_FLAT    (1u << 23)

/* interrupt_request bits */
#define CPU_INTERRUPT_HARD  (1u << 0)   /* INTR line from the PIC/LAPIC */
#define CPU_INTERRUPT_NMI   (1u << 1)
#define CPU_INTERRUPT_INIT  (1u << 2)
#define CPU_INTERRUPT_SIPI  (1u << 3)
#define CPU_INTERRUPT_SMI   (1u << 4)
#define CPU_INTERRUPT_EXIT  (1u << 5)   /* leave the run loop */
#define CPU_INTERRUPT_RESET (1u << 6)

/* Exception vectors */
enum {
    EXCP_DE = 0, EXCP_DB, EXCP_NMI, EXCP_BP, EXCP_OF, EXCP_BR, EXCP_UD,
    EXCP_NM, EXCP_DF, EXCP_CSO, EXCP_TS, EXCP_NP, EXCP_SS, EXCP_GP, EXCP_PF,
    EXCP_MF = 16, EXCP_AC, EXCP_MC, EXCP_XM,
};

/* Reset state (SDM Vol. 3A 9.1.1): CS=F000 base FFFF0000, EIP=FFF0. */
void x86_cpu_state_reset(X86CPUState *env);
uint64_t x86_cpu_get_eflags(const X86CPUState *env);
void x86_cpu_set_eflags(X86CPUState *env, uint64_t eflags);
/* Recompute env->hflags from CR0/CR4/EFER/segments/EFLAGS. */
void x86_cpu_update_hflags(X86CPUState *env);

#endif /* KESTREL_X86_CPU_H */
