/* SPDX-License-Identifier: MIT */
/*
 * KVM memory slots from the flat view of address_space_memory: each RAM
 * and ROM range (and RAM set read-only, as the i440FX PAM windows do)
 * becomes a slot. MMIO is left unmapped, so it exits.
 * ROM is mapped writable: with KVM_MEM_READONLY the CPU's own write of a
 * descriptor's accessed bit into a GDT in ROM (the guest tests' GO_PM32)
 * left the vCPU retrying the far jump forever, on kvm_pvm and on kvm-amd
 * of Linux 6.1 (nested) alike; so under KVM guest writes to ROM stick
 * (docs/kvm.md, deviations). A listener re-syncs the slots after every map
 * change (PAM, VGA windows, PCI BARs): slots that no longer match are
 * deleted, new ranges are added.
 * Ref: api.rst 4.35 KVM_SET_USER_MEMORY_REGION, KVM_CAP_READONLY_MEM.
 * Missing: dirty logging (the VGA redraws whole frames), ranges that are
 * not 4 KiB aligned (served by MMIO exits instead), KVM_MEM_READONLY.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "kestrel/memory.h"
#include "accel/kvm/kvm-int.h"
#include <sys/ioctl.h>

typedef struct KvmSlot {
    bool used;
    struct kvm_userspace_memory_region r;
} KvmSlot;

static KvmSlot *kvm_slots;

static bool kvm_slot_wanted(const struct kvm_userspace_memory_region *r,
                            const FlatView *fv)
{
    for (unsigned i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];
        MemRegion *mr = fr->mr;

        if (mr->host && r->guest_phys_addr == fr->start &&
            r->memory_size == fr->end - fr->start + 1 &&
            r->userspace_addr == (uintptr_t)(mr->host + fr->offset)) {
            return true;
        }
    }
    return false;
}

static bool kvm_slot_set(KvmSlot *s, bool used)
{
    s->used = used;
    if (!used) {
        s->r.memory_size = 0;
    }
    if (ioctl(kvm_state.vm_fd, KVM_SET_USER_MEMORY_REGION, &s->r) < 0) {
        ks_log("kestrel: kvm: slot %u at 0x%llx size 0x%llx: %s\n",
               s->r.slot, (unsigned long long)s->r.guest_phys_addr,
               (unsigned long long)s->r.memory_size, g_strerror(errno));
        s->used = false;
        return false;
    }
    return true;
}

static bool kvm_slot_present(const FlatRange *fr, uint64_t host)
{
    for (int i = 0; i < kvm_state.nr_slots; i++) {
        const struct kvm_userspace_memory_region *r = &kvm_slots[i].r;

        if (kvm_slots[i].used && r->guest_phys_addr == fr->start &&
            r->memory_size == fr->end - fr->start + 1 &&
            r->userspace_addr == host) {
            return true;
        }
    }
    return false;
}

static void kvm_slot_add(const FlatRange *fr, uint64_t host)
{
    for (int i = 0; i < kvm_state.nr_slots; i++) {
        if (!kvm_slots[i].used) {
            kvm_slots[i].r = (struct kvm_userspace_memory_region) {
                .slot = i, .guest_phys_addr = fr->start,
                .memory_size = fr->end - fr->start + 1,
                .userspace_addr = host,
            };
            kvm_slot_set(&kvm_slots[i], true);
            return;
        }
    }
    ks_log("kestrel: kvm: out of memory slots at 0x%" PRIx64 "\n", fr->start);
}

static void kvm_slots_sync(AddressSpace *as, void *opaque)
{
    const FlatView *fv = as->view;

    for (int i = 0; i < kvm_state.nr_slots; i++) {
        if (kvm_slots[i].used && !kvm_slot_wanted(&kvm_slots[i].r, fv)) {
            kvm_slot_set(&kvm_slots[i], false);
        }
    }
    for (unsigned i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];
        MemRegion *mr = fr->mr;
        uint64_t host;

        if (!mr->host || (fr->start & 0xfff) || ((fr->end + 1) & 0xfff)) {
            continue;                   /* left to KVM_EXIT_MMIO */
        }
        host = (uintptr_t)(mr->host + fr->offset);
        if (!kvm_slot_present(fr, host)) {
            kvm_slot_add(fr, host);
        }
    }
}

bool kvm_slots_init(GError **errp)
{
    kvm_slots = g_new0(KvmSlot, kvm_state.nr_slots);
    as_add_listener(&address_space_memory, kvm_slots_sync, NULL);
    if (address_space_memory.view) {
        kvm_slots_sync(&address_space_memory, NULL);
    }
    return true;
}
