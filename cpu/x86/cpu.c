/* SPDX-License-Identifier: MIT */
/*
 * x86 CPU state at reset, the derived mode word (hflags) and the -cpu
 * model table. system/runstate.c resets the vCPUs; both accelerators call
 * x86_cpu_update_hflags() after loading state; cpuid.c answers CPUID from
 * the model.
 *
 * qemu32, qemu64 and core2duo report the feature bits of QEMU 7.2's TCG
 * models that Kestrel implements (docs/deviations.md lists the others:
 * MCA, SVM, SSSE3, ACPI/SS); qemu64 is the default, as in
 * qemu-system-x86_64. They set the hypervisor bit (CPUID.1:ECX[31]) as
 * QEMU's models do: Linux then does not expect real performance counters.
 * Ref: Intel SDM Vol. 3A 9.1.1 (processor state after reset, table 9-1),
 * Vol. 2A CPUID (leaves 0, 1, 80000000h-80000004h).
 * Missing: per-vCPU models (one model for the machine), VME. The APIC bit
 * is set from the Pentium up.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "cpu/x86/cc.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/insn.h"

#define FEAT_COMMON (CPUID_FPU | CPUID_PSE)
#define FEAT_P5     (FEAT_COMMON | CPUID_TSC | CPUID_MSR | CPUID_CX8 | \
                     CPUID_MMX | CPUID_APIC)
#define FEAT_P6     (FEAT_P5 | CPUID_PAE | CPUID_SEP | CPUID_MTRR | \
                     CPUID_PGE | CPUID_CMOV | CPUID_PAT | CPUID_PSE36)
#define FEAT_SSE    (FEAT_P6 | CPUID_FXSR | CPUID_SSE)
#define FEAT_SSE2   (FEAT_SSE | CPUID_SSE2 | CPUID_CLFSH)
/* QEMU's PPRO_FEATURES */
#define FEAT_QEMU   (FEAT_P5 | CPUID_DE | CPUID_MCE | CPUID_PAE | CPUID_SEP | \
                     CPUID_PGE | CPUID_CMOV | CPUID_PAT | CPUID_FXSR | \
                     CPUID_SSE | CPUID_SSE2)

static const X86CPUModel x86_cpu_models[] = {
    {
        .name = "486", .desc = "Intel 80486DX4",
        .vendor = "GenuineIntel", .level = 1,
        .family = 4, .model = 8, .stepping = 0,
        .features_edx = FEAT_COMMON,
    }, {
        .name = "pentium", .desc = "Intel Pentium with MMX",
        .vendor = "GenuineIntel", .level = 1,
        .family = 5, .model = 4, .stepping = 3,
        .features_edx = FEAT_P5,
    }, {
        .name = "pentium2", .desc = "Intel Pentium II",
        .vendor = "GenuineIntel", .level = 2,
        .family = 6, .model = 5, .stepping = 2,
        .features_edx = FEAT_P6,
    }, {
        .name = "pentium3", .desc = "Intel Pentium III",
        .vendor = "GenuineIntel", .level = 2,
        .family = 6, .model = 7, .stepping = 3,
        .features_edx = FEAT_SSE,
    }, {
        .name = "qemu32", .desc = "QEMU Virtual CPU (32-bit)",
        .vendor = "GenuineIntel", .level = 4, .xlevel = 0x80000004,
        .family = 6, .model = 6, .stepping = 3,
        .features_edx = FEAT_QEMU,
        .features_ecx = CPUID_ECX_SSE3 | CPUID_ECX_HYPERVISOR,
        .model_id = "QEMU Virtual CPU version 2.5+",
    }, {
        .name = "qemu64", .desc = "QEMU Virtual CPU (64-bit, default)",
        .vendor = "AuthenticAMD", .level = 0xd, .xlevel = 0x8000000a,
        .family = 15, .model = 107, .stepping = 1,
        .features_edx = FEAT_QEMU | CPUID_MTRR | CPUID_CLFSH | CPUID_PSE36,
        .features_ecx = CPUID_ECX_SSE3 | CPUID_ECX_CX16 |
                        CPUID_ECX_HYPERVISOR,
        .ext_features_edx = CPUID_EXT_SYSCALL | CPUID_EXT_NX | CPUID_EXT_LM,
        .ext_features_ecx = CPUID_EXT3_LAHF_LM,
        .model_id = "QEMU Virtual CPU version 2.5+",
    }, {
        /* a Core 2 without SSSE3 (not implemented: see deviations) */
        .name = "core2duo", .desc = "Intel Core 2 Duo (SSE3, x86-64)",
        .vendor = "GenuineIntel", .level = 0xa, .xlevel = 0x80000008,
        .family = 6, .model = 15, .stepping = 11,
        .features_edx = FEAT_SSE2 | CPUID_DE | CPUID_MCE,
        .features_ecx = CPUID_ECX_SSE3 | CPUID_ECX_MONITOR | CPUID_ECX_CX16 |
                        CPUID_ECX_HYPERVISOR,
        .ext_features_edx = CPUID_EXT_SYSCALL | CPUID_EXT_NX | CPUID_EXT_LM,
        .ext_features_ecx = CPUID_EXT3_LAHF_LM,
        .model_id = "Intel(R) Core(TM)2 Duo CPU     T7700  @ 2.40GHz",
    },
};

const X86CPUModel *x86_cpu_model_find(const char *name)
{
    if (!name) {
        name = X86_DEFAULT_CPU_MODEL;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(x86_cpu_models); i++) {
        if (!strcmp(x86_cpu_models[i].name, name)) {
            return &x86_cpu_models[i];
        }
    }
    return NULL;
}

const X86CPUModel *x86_cpu_model_list(unsigned *count)
{
    *count = G_N_ELEMENTS(x86_cpu_models);
    return x86_cpu_models;
}

/* The instruction groups (X86_FEAT_*) a model gives the translator. */
uint32_t x86_cpu_model_insn_features(const X86CPUModel *m)
{
    /* CPUID exists on every model here, hence FEAT_PENTIUM for the 486:
     * RDTSC/RDMSR check the TSC/MSR bits in their helpers. */
    uint32_t f = 1u << X86_FEAT_BASE | 1u << X86_FEAT_386 |
                 1u << X86_FEAT_486 | 1u << X86_FEAT_PENTIUM;

    static const struct {
        uint32_t cpuid_bit;
        X86Feature feat;
    } map[] = {
        { CPUID_FPU,  X86_FEAT_FPU },
        { CPUID_CMOV, X86_FEAT_CMOV },
        { CPUID_CMOV, X86_FEAT_PPRO },
        { CPUID_SEP,  X86_FEAT_SEP },
        { CPUID_MMX,  X86_FEAT_MMX },
        { CPUID_FXSR, X86_FEAT_FXSR },
        { CPUID_SSE,  X86_FEAT_SSE },
        { CPUID_SSE2, X86_FEAT_SSE2 },
    };
    static const struct {
        uint32_t cpuid_bit;
        X86Feature feat;
    } ext_map[] = {                     /* CPUID.80000001h:EDX */
        { CPUID_EXT_LM,      X86_FEAT_LM },
        { CPUID_EXT_SYSCALL, X86_FEAT_SYSCALL },
        { CPUID_EXT_RDTSCP,  X86_FEAT_RDTSCP },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(map); i++) {
        if (m->features_edx & map[i].cpuid_bit) {
            f |= 1u << map[i].feat;
        }
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(ext_map); i++) {
        if (m->ext_features_edx & ext_map[i].cpuid_bit) {
            f |= 1u << ext_map[i].feat;
        }
    }
    if (m->features_ecx & CPUID_ECX_CX16) {
        f |= 1u << X86_FEAT_CX16;
    }
    if (m->features_ecx & CPUID_ECX_SSE3) {
        f |= 1u << X86_FEAT_SSE3;
    }
    return f;
}

static const X86CPUModel *x86_machine_model;

void x86_cpu_set_machine_model(const X86CPUModel *m)
{
    x86_machine_model = m;
}

const X86CPUModel *x86_cpu_machine_model(void)
{
    return x86_machine_model ? x86_machine_model
                             : x86_cpu_model_find(X86_DEFAULT_CPU_MODEL);
}

static void seg_reset(SegmentCache *sc, uint16_t sel, uint64_t base,
                      uint32_t flags)
{
    *sc = (SegmentCache) { .selector = sel, .base = base, .limit = 0xffff,
                           .flags = flags | DESC_P_MASK };
}

void x86_cpu_state_reset(X86CPUState *env)
{
    const X86CPUModel *m = x86_cpu_machine_model();
    uint32_t keep_irq = env->interrupt_request & CPU_INTERRUPT_HARD;
    uint32_t data = DESC_S_MASK | DESC_W_MASK | DESC_A_MASK;

    memset(env, 0, sizeof(*env));
    env->interrupt_request = keep_irq;
    env->rip = 0xfff0;
    env->eflags = 0x2;
    env->cc_op = CC_OP_EFLAGS;          /* flags held in place: all clear */
    env->cr[0] = CR0_CD | CR0_NW | CR0_ET;
    seg_reset(&env->segs[R_CS], 0xf000, 0xffff0000,
              DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK);
    for (int i = 0; i < 6; i++) {
        if (i != R_CS) {
            seg_reset(&env->segs[i], 0, 0, data);
        }
    }
    seg_reset(&env->ldt, 0, 0, 2u << DESC_TYPE_SHIFT);
    seg_reset(&env->tr, 0, 0, 11u << DESC_TYPE_SHIFT);
    env->gdt.limit = 0xffff;
    env->idt.limit = 0xffff;
    env->regs[R_EDX] = x86_cpu_signature(m);
    env->dr[6] = 0xffff0ff0;
    env->dr[7] = 0x400;
    env->fpuc = 0x40;
    env->mxcsr = 0x1f80;
    env->pat = 0x0007040600070406ull;
    env->apic_base = 0xfee00000ull | (1u << 11) | (1u << 8);
    env->a20_mask = ~0ull;
    env->smbase = 0x30000;
    env->exception_index = -1;
    x86_cpu_update_hflags(env);
}

/* HF_SEG_PLAIN0 << seg when segment @seg is present, writable and
 * expand-up data */
#define SEG_PLAIN(env, seg)                                               \
    (((env)->segs[seg].flags & (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | \
                                DESC_W_MASK | DESC_E_MASK)) ==            \
     (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK) ? HF_SEG_PLAIN0 << (seg) : 0)

/* The HF_SEG_* bits; HF_SEG_FLAT when DS, ES and SS are plain with a
 * 4 GiB limit. Unrolled: this runs on every far transfer, interrupt and
 * segment load. */
static uint32_t x86_seg_check_hflags(const X86CPUState *env)
{
    const uint32_t dss = HF_SEG_PLAIN0 << R_DS | HF_SEG_PLAIN0 << R_ES |
                         HF_SEG_PLAIN0 << R_SS;
    uint32_t hf = SEG_PLAIN(env, R_ES) | SEG_PLAIN(env, R_CS) |
                  SEG_PLAIN(env, R_SS) | SEG_PLAIN(env, R_DS) |
                  SEG_PLAIN(env, R_FS) | SEG_PLAIN(env, R_GS);

    if ((hf & dss) == dss &&
        (env->segs[R_DS].limit & env->segs[R_ES].limit &
         env->segs[R_SS].limit) == 0xffffffff) {
        hf |= HF_SEG_FLAT;
    }
    return hf;
}

void x86_cpu_update_hflags(X86CPUState *env)
{
    const SegmentCache *cs = &env->segs[R_CS];
    uint32_t hf = env->hflags & HF_INHIBIT_IRQ;
    bool pe = env->cr[0] & CR0_PE;
    bool vm = pe && (env->eflags & VM_MASK);

    if (vm) {
        hf |= 3;
    } else if (pe) {
        hf |= (env->segs[R_SS].flags >> DESC_DPL_SHIFT) & 3;
    }
    if (pe) {
        hf |= HF_PE;
    }
    if (vm) {
        hf |= HF_VM;
    }
    if (!vm && (cs->flags & DESC_B_MASK)) {
        hf |= HF_CS32;
    }
    if (!vm && (env->segs[R_SS].flags & DESC_B_MASK)) {
        hf |= HF_SS32;
    }
    if (env->efer & EFER_LMA) {
        hf |= HF_LMA;
        if (cs->flags & DESC_L_MASK) {
            hf |= HF_CS64;
            hf &= ~(HF_CS32 | HF_SS32);
        }
    }
    if (!(hf & HF_CS64) &&
        (!pe || vm || !(hf & HF_CS32) || env->segs[R_DS].base ||
         env->segs[R_ES].base || env->segs[R_SS].base)) {
        hf |= HF_ADDSEG;
    }
    if (pe && !vm && !(hf & HF_CS64)) {
        hf |= x86_seg_check_hflags(env);
    }
    if (env->cr[0] & CR0_PG) {
        hf |= HF_PG;
    }
    if (env->eflags & TF_MASK) {
        hf |= HF_TF;
    }
    if (env->cr[0] & CR0_EM) {
        hf |= HF_EM;
    }
    if (env->cr[0] & CR0_TS) {
        hf |= HF_TS;
    }
    if (env->cr[0] & CR0_MP) {
        hf |= HF_MP;
    }
    if (env->cr[4] & CR4_OSFXSR) {
        hf |= HF_OSFXSR;
    }
    if (env->in_smm) {
        hf |= HF_SMM;
    }
    env->hflags = hf;
}
