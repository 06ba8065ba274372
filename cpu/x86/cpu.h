/* SPDX-License-Identifier: MIT */
/*
 * x86 CPU system internals shared by the TCG accelerator (accel/tcg) and
 * the system helpers (seg_helper.c, excp_helper.c, misc_helper.c, mmu.c):
 * MMU indexes, the page walk, exception raising, the -cpu model table, A20
 * and the INTR pin.
 *
 * The board calls x86_cpu_set_intr() (APIC INTR output), sets x86_intc
 * (the INTA cycle, MSR 0x1b) and calls x86_cpu_set_a20()
 * (port 0x92, 8042 output port).
 * Ref: Intel SDM Vol. 3A ch. 4 (paging), ch. 6 (interrupts and exceptions),
 * ch. 9.1 (reset state).
 */
#ifndef KESTREL_CPU_X86_CPU_H
#define KESTREL_CPU_X86_CPU_H

#include "kestrel/osdep.h"
#include "kestrel/x86-cpu.h"
#include "kestrel/accel.h"

/* Soft-MMU TLB selectors (tcg/tlb-layout.h has TLB_MMU_MODES of them). */
#define MMU_KERNEL_IDX  0               /* CPL 0-2 and implicit supervisor
                                         * accesses (GDT, IDT, TSS) */
#define MMU_USER_IDX    1               /* CPL 3 */

static inline unsigned x86_mmu_index(uint32_t hflags)
{
    return (hflags & HF_CPL_MASK) == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX;
}

/* ---- page walk (mmu.c) ---- */
typedef enum X86Access {
    X86_ACC_READ,
    X86_ACC_WRITE,
    X86_ACC_FETCH,
} X86Access;

#define X86_PROT_READ   1u
#define X86_PROT_WRITE  2u
#define X86_PROT_EXEC   4u

/* #PF error code bits (SDM Vol. 3A 4.7) */
#define PF_ERR_P    (1u << 0)
#define PF_ERR_W    (1u << 1)
#define PF_ERR_U    (1u << 2)
#define PF_ERR_RSVD (1u << 3)
#define PF_ERR_I    (1u << 4)

typedef struct X86PageResult {
    hwaddr paddr;                       /* physical address (A20 applied) */
    unsigned prot;                      /* X86_PROT_*: what the TLB may cache
                                         * (WRITE only once the D bit is set) */
    uint64_t page_size;                 /* 4 KiB, 2 MiB or 4 MiB */
    bool global;                        /* G bit with CR4.PGE */
    uint32_t error_code;                /* #PF error code when it failed */
} X86PageResult;

/*
 * Translate linear @addr for an access of kind @acc by privilege @mmu_idx.
 * Sets accessed/dirty bits in the tables. Returns false on a page fault
 * with res->error_code set (CR2 is not touched: the caller raises).
 */
bool x86_mmu_translate(X86CPUState *env, vaddr addr, X86Access acc,
                       unsigned mmu_idx, X86PageResult *res);

/* Debug/monitor translation: no A/D updates, no fault. -1 if unmapped. */
hwaddr x86_mmu_debug_translate(X86CPUState *env, vaddr addr);

/* ---- exceptions (excp_helper.c); they unwind to the execution loop ---- */
/*
 * Raise exception @vector. @ra is the host return address inside a TB
 * (GETPC() in a helper) to restore the faulting instruction's state from,
 * or 0 when env->rip and the lazy flags are already those of the
 * instruction. Never returns.
 */
KS_NORETURN void raise_exception_ra(X86CPUState *env, int vector,
                                    uintptr_t ra);
KS_NORETURN void raise_exception_err_ra(X86CPUState *env, int vector,
                                        uint32_t error_code, uintptr_t ra);
KS_NORETURN void raise_exception(X86CPUState *env, int vector);
KS_NORETURN void raise_exception_err(X86CPUState *env, int vector,
                                     uint32_t error_code);
/* Software interrupt (INT n, INT3, INTO): return to rip + @next_eip_addend */
KS_NORETURN void raise_interrupt(X86CPUState *env, int intno,
                                 unsigned next_eip_addend);
/* #PF for linear @addr with @error_code: sets CR2. */
KS_NORETURN void raise_page_fault(X86CPUState *env, vaddr addr,
                                  uint32_t error_code, uintptr_t ra);

/* What is being delivered through the IDT/IVT. */
typedef enum X86EventKind {
    X86_EV_EXCP,                        /* exception: pushes this EIP */
    X86_EV_HW,                          /* external interrupt, NMI */
    X86_EV_SWINT,                       /* INT n, INT3, INTO: gate DPL
                                         * checked, pushes next EIP */
    X86_EV_INT1,                        /* ICEBP: next EIP, no DPL check */
} X86EventKind;

/*
 * Deliver an event through the IDT/IVT (int_helper.c). next_eip is the
 * EIP pushed for software interrupts. It may itself raise (#GP, #NP, #SS,
 * #TS, #PF) before changing any register; the loop then combines the two
 * with x86_exception_combine().
 */
void x86_do_interrupt(X86CPUState *env, int intno, X86EventKind kind,
                      uint32_t error_code, uint64_t next_eip);
/* The exception to deliver when @second is raised while delivering
 * @first (-1: none in progress): @second, EXCP_DF, or -1 for a triple
 * fault (SDM Vol. 3A 6.15, table 6-5). */
int x86_exception_combine(int first, int second);
/* True when @vector pushes an error code (8, 10-14, 17). */
bool x86_exception_has_error_code(int vector);

/* ---- cpu.c ---- */
typedef struct X86CPUModel {
    const char *name;                   /* -cpu NAME */
    const char *desc;
    char vendor[13];
    uint32_t level;                     /* highest basic CPUID leaf */
    uint32_t xlevel;                    /* highest extended leaf, or 0 */
    uint32_t family, model, stepping;
    uint32_t features_edx;              /* CPUID.1:EDX */
    uint32_t features_ecx;              /* CPUID.1:ECX */
    uint32_t ext_features_edx;          /* CPUID.80000001h:EDX (AMD
                                         * vendors add the aliases of
                                         * CPUID.1:EDX, as QEMU does) */
    uint32_t ext_features_ecx;          /* CPUID.80000001h:ECX */
    const char *model_id;               /* brand string (48 chars max) */
} X86CPUModel;

/* As qemu-system-x86_64's: 64-bit OSes boot without -cpu */
#define X86_DEFAULT_CPU_MODEL "qemu64"

/* The model called @name (NULL: the default), or NULL if unknown. */
const X86CPUModel *x86_cpu_model_find(const char *name);
const X86CPUModel *x86_cpu_model_list(unsigned *count);
/* The X86_FEAT_* groups (1u << X86_FEAT_x) a model gives the translator. */
uint32_t x86_cpu_model_insn_features(const X86CPUModel *m);
/* One model for the machine (accelerator init sets it from -cpu); the
 * reset signature in EDX and CPUID come from it. */
void x86_cpu_set_machine_model(const X86CPUModel *m);
const X86CPUModel *x86_cpu_machine_model(void);
/* CPUID @leaf, sub-leaf @sub (ECX: leaves 4 and 0Bh) of model @m on
 * vCPU @index: eax ebx ecx edx (cpuid.c; the TCG's CPUID instruction and
 * KVM_SET_CPUID2 both use it). x86_cpu_cpuid is sub-leaf 0. */
void x86_cpu_cpuid_sub(const X86CPUModel *m, unsigned index, uint32_t leaf,
                       uint32_t sub, uint32_t r[4]);
void x86_cpu_cpuid(const X86CPUModel *m, unsigned index, uint32_t leaf,
                   uint32_t r[4]);
/* Family, model and stepping as CPUID.1:EAX (and EDX after reset) has
 * them, with the extended family and model fields. */
uint32_t x86_cpu_signature(const X86CPUModel *m);

/* CPUID.1:EDX bits used by the helpers */
#define CPUID_FPU   (1u << 0)
#define CPUID_VME   (1u << 1)
#define CPUID_DE    (1u << 2)
#define CPUID_PSE   (1u << 3)
#define CPUID_TSC   (1u << 4)
#define CPUID_MSR   (1u << 5)
#define CPUID_PAE   (1u << 6)
#define CPUID_MCE   (1u << 7)
#define CPUID_CX8   (1u << 8)
#define CPUID_APIC  (1u << 9)
#define CPUID_SEP   (1u << 11)
#define CPUID_MTRR  (1u << 12)
#define CPUID_PGE   (1u << 13)
#define CPUID_MCA   (1u << 14)
#define CPUID_CMOV  (1u << 15)
#define CPUID_PAT   (1u << 16)
#define CPUID_PSE36 (1u << 17)
#define CPUID_CLFSH (1u << 19)
#define CPUID_MMX   (1u << 23)
#define CPUID_FXSR  (1u << 24)
#define CPUID_SSE   (1u << 25)
#define CPUID_SSE2  (1u << 26)
#define CPUID_EXT_NX (1u << 20)         /* CPUID.80000001h:EDX */
#define CPUID_EXT_SYSCALL (1u << 11)
#define CPUID_EXT_RDTSCP (1u << 27)
#define CPUID_EXT_LM (1u << 29)
#define CPUID_EXT3_LAHF_LM (1u << 0)    /* CPUID.80000001h:ECX */
#define CPUID_ECX_SSE3 (1u << 0)        /* CPUID.1:ECX */
#define CPUID_ECX_MONITOR (1u << 3)
#define CPUID_ECX_CX16 (1u << 13)
#define CPUID_ECX_HYPERVISOR (1u << 31) /* CPUID.1:ECX: running under one */

/* The vCPU that owns the running @env (accel/tcg). */
X86CPU *x86_env_cpu(X86CPUState *env);

/*
 * Board wiring. x86_cpu_set_intr: the INTR pin (level), driven by the
 * local APIC. x86_cpu_set_a20: the gate from port 0x92 bit 1 / the 8042
 * output port; flushes the TLB on a change.
 */
void x86_cpu_set_intr(X86CPU *cpu, int level);
void x86_cpu_set_a20(X86CPU *cpu, bool enabled);

/*
 * The CPU's interrupt controller (the local APIC, hw/i386/pc-apic.c sets
 * it; NULL delivers nothing). get_interrupt is the INTA cycle: the vector
 * to take now or -1; the APIC asks the 8259 for ExtINT. get/set_apic_base
 * are MSR 0x1b (set returns false for #GP). Called with the big lock held.
 */
typedef struct X86IntcOps {
    int (*get_interrupt)(X86CPU *cpu);
    uint64_t (*get_apic_base)(X86CPU *cpu);
    bool (*set_apic_base)(X86CPU *cpu, uint64_t val);
} X86IntcOps;
extern const X86IntcOps *x86_intc;

#endif /* KESTREL_CPU_X86_CPU_H */
