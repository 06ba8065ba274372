/* SPDX-License-Identifier: MIT */
/*
 * The CPUID table of a KVM vCPU (KVM_SET_CPUID2): the -cpu model's leaves
 * from x86_cpu_cpuid() (cpu/x86/cpuid.c), the function the TCG's CPUID
 * uses, with the feature leaves 1 and 0x80000001 masked by
 * KVM_GET_SUPPORTED_CPUID; leaves 4 and 0Bh per sub-leaf.
 * Ref: api.rst 4.46 KVM_SET_CPUID2, 4.73 KVM_GET_SUPPORTED_CPUID.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/cpu.h"
#include "accel/kvm/kvm-int.h"
#include <sys/ioctl.h>

static const struct kvm_cpuid_entry2 *kvm_supported_leaf(uint32_t leaf)
{
    for (uint32_t i = 0; i < kvm_state.supported->nent; i++) {
        if (kvm_state.supported->entries[i].function == leaf) {
            return &kvm_state.supported->entries[i];
        }
    }
    return NULL;
}

/* Leaves 4 and 0Bh depend on ECX: one entry per sub-leaf, up to the
 * first whose type field (leaf 4 EAX[4:0], leaf 0Bh ECX[15:8]) is 0,
 * which guests take as the end of the list. */
static void kvm_cpuid_subleaves(struct kvm_cpuid2 *c, const X86CPUModel *m,
                                unsigned index, uint32_t leaf)
{
    for (uint32_t sub = 0; c->nent < KVM_CPUID_MAX; sub++) {
        uint32_t v[4];

        x86_cpu_cpuid_sub(m, index, leaf, sub, v);
        c->entries[c->nent++] = (struct kvm_cpuid_entry2) {
            .function = leaf, .index = sub,
            .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
            .eax = v[0], .ebx = v[1], .ecx = v[2], .edx = v[3] };
        if (leaf == 4 ? !(v[0] & 0x1f) : !(v[2] & 0xff00)) {
            return;
        }
    }
}

/* The -cpu model's leaves; feature leaves masked by what KVM supports. */
bool kvm_set_cpuid(KvmCpu *kc, GError **errp)
{
    const X86CPUModel *m = x86_cpu_machine_model();
    g_autofree struct kvm_cpuid2 *c =
        g_malloc0(sizeof(*c) + KVM_CPUID_MAX * sizeof(c->entries[0]));
    uint32_t ranges[2][2] = { { 0, m->level },
                              { 0x80000000u, m->xlevel } };

    for (int r = 0; r < 2; r++) {
        for (uint32_t leaf = ranges[r][0];
             ranges[r][1] >= ranges[r][0] && leaf <= ranges[r][1] &&
             c->nent < KVM_CPUID_MAX; leaf++) {
            const struct kvm_cpuid_entry2 *sup = kvm_supported_leaf(leaf);
            struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];
            uint32_t v[4];

            x86_cpu_cpuid(m, kc->cpu->index, leaf, v);
            *e = (struct kvm_cpuid_entry2) { .function = leaf,
                .eax = v[0], .ebx = v[1], .ecx = v[2], .edx = v[3] };
            if (leaf == 1 || leaf == 0x80000001u) {
                e->ecx &= sup ? sup->ecx : 0;
                e->edx &= sup ? sup->edx : 0;
            }
            if (leaf == 4 || leaf == 0xb) {
                c->nent--;
                kvm_cpuid_subleaves(c, m, kc->cpu->index, leaf);
            }
        }
    }
    if (ioctl(kc->fd, KVM_SET_CPUID2, c) < 0) {
        return kvm_fail(errp, "kvm: KVM_SET_CPUID2");
    }
    return true;
}
