/* SPDX-License-Identifier: MIT */
/*
 * CPUID: the leaves a -cpu model (cpu.c) reports. The TCG's CPUID
 * instruction (helper_cpuid) and KVM_SET_CPUID2 (accel/kvm) both read
 * them from here, so a guest sees the same CPU on either accelerator.
 *
 * The informational leaves hold the values QEMU 7.2's TCG reports for the
 * same model with one vCPU (read with a CPUID-dumping guest): the Intel
 * cache descriptors (leaf 2) and parameters (leaf 4) for Intel vendors,
 * AMD's L1/L2 cache leaves 80000005h/80000006h, MONITOR/MWAIT leaf 5,
 * the x2APIC topology leaf 0Bh. Every vCPU is its own package (no HTT,
 * leaf 1 EBX[23:16] = 0, one core per package in leaves 4 and 0Bh).
 * Ref: Intel SDM Vol. 2A CPUID; AMD APM Vol. 3 appendix E.
 * Missing: QEMU's -smp topology (cores per package); physical address
 * size is 36 bits (mmu.c), QEMU's TCG says 40.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"

/* CPUID.1:EDX bits that AMD repeats in CPUID.80000001h:EDX */
#define CPUID_AMD_ALIASES 0x0183f3ffu

/* Leaf 4 sub-leaves 0-3 (L1d, L1i, L2, L3), as QEMU 7.2 reports them */
static const uint32_t cpuid_intel_leaf4[4][4] = {
    { 0x00000121, 0x01c0003f, 0x0000003f, 0x00000001 },
    { 0x00000122, 0x01c0003f, 0x0000003f, 0x00000001 },
    { 0x00000143, 0x03c0003f, 0x00000fff, 0x00000001 },
    { 0x00000163, 0x03c0003f, 0x00003fff, 0x00000006 },
};

static uint32_t str4(const char *s)
{
    return (uint8_t)s[0] | (uint8_t)s[1] << 8 | (uint8_t)s[2] << 16 |
           (uint32_t)(uint8_t)s[3] << 24;
}

static bool cpuid_is_intel(const X86CPUModel *m)
{
    return !strcmp(m->vendor, "GenuineIntel");
}

static void cpuid_set(uint32_t r[4], uint32_t a, uint32_t b, uint32_t c,
                      uint32_t d)
{
    r[0] = a;
    r[1] = b;
    r[2] = c;
    r[3] = d;
}

uint32_t x86_cpu_signature(const X86CPUModel *m)
{
    uint32_t fam = MIN(m->family, 15u), ext_fam = m->family - fam;

    return ext_fam << 20 | (m->model >> 4) << 16 | fam << 8 |
           (m->model & 15) << 4 | m->stepping;
}

static void cpuid_basic(const X86CPUModel *m, unsigned index, uint32_t leaf,
                        uint32_t sub, uint32_t r[4])
{
    switch (leaf) {
    case 0:
        cpuid_set(r, m->level, str4(m->vendor), str4(m->vendor + 8),
                  str4(m->vendor + 4));
        break;
    case 1:
        r[0] = x86_cpu_signature(m);
        /* CLFLUSH line size 64 bytes, on every model as in QEMU */
        r[1] = (uint32_t)index << 24 | 8u << 8;
        r[2] = m->features_ecx;
        r[3] = m->features_edx;
        break;
    case 2:
        if (cpuid_is_intel(m)) {
            cpuid_set(r, 0x00000001, 0, 0x0000004d, 0x002c307d);
        }
        break;
    case 4:
        if (cpuid_is_intel(m) && sub < G_N_ELEMENTS(cpuid_intel_leaf4)) {
            memcpy(r, cpuid_intel_leaf4[sub], 4 * sizeof(uint32_t));
        }
        break;
    case 5:                             /* MWAIT extensions: EMX, IBE */
        r[2] = 3;
        break;
    case 0xb:                           /* SMT and core levels: 1 each */
        r[2] = sub & 0xff;
        r[3] = index;
        if (sub < 2) {
            r[1] = 1;
            r[2] |= (sub + 1) << 8;
        }
        break;
    default:                            /* 3, 6-0Ah, 0Dh: nothing to say */
        break;
    }
}

static void cpuid_extended(const X86CPUModel *m, uint32_t leaf,
                           uint32_t r[4])
{
    char brand[49] = { 0 };

    if (leaf > m->xlevel) {
        return;
    }
    switch (leaf) {
    case 0x80000000:
        cpuid_set(r, m->xlevel, str4(m->vendor), str4(m->vendor + 8),
                  str4(m->vendor + 4));
        break;
    case 0x80000001:
        r[0] = x86_cpu_signature(m);
        r[2] = m->ext_features_ecx;
        r[3] = m->ext_features_edx;
        if (!cpuid_is_intel(m)) {
            r[3] |= m->features_edx & CPUID_AMD_ALIASES;
        }
        break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004:
        if (m->model_id) {
            g_strlcpy(brand, m->model_id, sizeof(brand));
            for (int i = 0; i < 4; i++) {
                r[i] = str4(brand + (leaf - 0x80000002u) * 16 + i * 4);
            }
        }
        break;
    case 0x80000005:                    /* L1 TLBs and caches */
        cpuid_set(r, 0x01ff01ff, 0x01ff01ff, 0x40020140, 0x40020140);
        break;
    case 0x80000006:                    /* L2 TLB and cache, L3 */
        cpuid_set(r, 0, 0x42004200, 0x02008140, 0x00808140);
        break;
    case 0x80000008:                    /* 36 physical, 48 linear bits */
        r[0] = 0x3024;
        break;
    default:                            /* 80000007h, 8000000Ah (no SVM) */
        break;
    }
}

void x86_cpu_cpuid_sub(const X86CPUModel *m, unsigned index, uint32_t leaf,
                       uint32_t sub, uint32_t r[4])
{
    r[0] = r[1] = r[2] = r[3] = 0;
    if (leaf >= 0x80000000u && (leaf <= m->xlevel || !m->xlevel)) {
        cpuid_extended(m, leaf, r);
        return;
    }
    /* beyond the highest basic or extended leaf: the highest basic
     * leaf's values (SDM CPUID; QEMU does the same) */
    cpuid_basic(m, index, MIN(leaf, m->level), sub, r);
}

void x86_cpu_cpuid(const X86CPUModel *m, unsigned index, uint32_t leaf,
                   uint32_t r[4])
{
    x86_cpu_cpuid_sub(m, index, leaf, 0, r);
}

void helper_cpuid(X86CPUState *env)
{
    uint32_t r[4];                      /* eax ebx ecx edx */

    x86_cpu_cpuid_sub(x86_cpu_machine_model(), x86_env_cpu(env)->index,
                      env->regs[R_EAX], env->regs[R_ECX], r);
    env->regs[R_EAX] = r[0];
    env->regs[R_EBX] = r[1];
    env->regs[R_ECX] = r[2];
    env->regs[R_EDX] = r[3];
}
