; SPDX-License-Identifier: MIT
; CPUID of -cpu qemu32 as QEMU 7.2's TCG reports it: the same image
; passes under qemu-system-x86_64 -cpu qemu32 (make check-ref). The
; APIC ID is masked out.
%include "guest.inc"
%include "cpuid.inc"

    TEST_START
    CPUID_RUN
    PASS

CPUID_TABLE
    CPUID_CHECK 0, 0, 0, -1, 4
    CPUID_CHECK 0, 0, 1, -1, 0x756e6547 ; GenuineIntel
    CPUID_CHECK 0, 0, 2, -1, 0x6c65746e
    CPUID_CHECK 0, 0, 3, -1, 0x49656e69
    CPUID_CHECK 1, 0, 0, -1, 0x663      ; family 6, model 6, stepping 3
    CPUID_CHECK 1, 0, 1, 0xffffff, 0x800
    CPUID_CHECK 1, 0, 2, -1, 0x80000001 ; SSE3 hypervisor
    CPUID_CHECK 1, 0, 3, -1, 0x0781abfd
    CPUID_CHECK 2, 0, 0, -1, 1
    CPUID_CHECK 2, 0, 2, -1, 0x4d
    CPUID_CHECK 2, 0, 3, -1, 0x002c307d
    CPUID_CHECK 4, 0, 0, -1, 0x121
    CPUID_CHECK 4, 0, 1, -1, 0x01c0003f
    CPUID_CHECK 4, 2, 0, -1, 0x143
    CPUID_CHECK 4, 2, 2, -1, 0xfff
    CPUID_CHECK 4, 3, 0, -1, 0x163
    CPUID_CHECK 4, 3, 3, -1, 6
    CPUID_CHECK 4, 4, 0, -1, 0
    CPUID_CHECK 0x80000000, 0, 0, -1, 0x80000004
    CPUID_CHECK 0x80000001, 0, 0, -1, 0x663
    CPUID_CHECK 0x80000001, 0, 3, -1, 0
    CPUID_CHECK 0x80000002, 0, 0, -1, 0x554d4551
    CPUID_CHECK 0x80000003, 0, 3, -1, 0x0000002b
    CPUID_CHECK 0x80000005, 0, 0, -1, 0x121 ; beyond xlevel: leaf 4
CPUID_TABLE_END
    TEST_END
