; SPDX-License-Identifier: MIT
; CPUID of the default model, qemu64, as QEMU 7.2's TCG reports it: the
; same image passes under qemu-system-x86_64 (make check-ref). Masked
; out: what docs/deviations.md lists (MCA, SVM, physical address bits)
; and the APIC ID.
%include "guest.inc"
%include "cpuid.inc"

    TEST_START
    CPUID_RUN
    PASS

CPUID_TABLE
    CPUID_CHECK 0, 0, 0, -1, 0xd
    CPUID_CHECK 0, 0, 1, -1, 0x68747541 ; AuthenticAMD
    CPUID_CHECK 0, 0, 2, -1, 0x444d4163
    CPUID_CHECK 0, 0, 3, -1, 0x69746e65
    CPUID_CHECK 1, 0, 0, -1, 0x00060fb1 ; family 15, model 107, stepping 1
    CPUID_CHECK 1, 0, 1, 0xffffff, 0x800
    CPUID_CHECK 1, 0, 2, -1, 0x80002001 ; SSE3 CX16 hypervisor
    CPUID_CHECK 1, 0, 3, ~0x4000, 0x078bbbfd
    CPUID_CHECK 2, 0, 0, -1, 0
    CPUID_CHECK 4, 0, 0, -1, 0
    CPUID_CHECK 5, 0, 2, -1, 3
    CPUID_CHECK 0xb, 0, 1, -1, 1
    CPUID_CHECK 0xb, 0, 2, -1, 0x100
    CPUID_CHECK 0xb, 1, 1, -1, 1
    CPUID_CHECK 0xb, 1, 2, -1, 0x201
    CPUID_CHECK 0xb, 2, 2, -1, 2
    CPUID_CHECK 0xd, 0, 0, -1, 0
    CPUID_CHECK 0x80000000, 0, 0, -1, 0x8000000a
    CPUID_CHECK 0x80000000, 0, 1, -1, 0x68747541
    CPUID_CHECK 0x80000001, 0, 0, -1, 0x00060fb1
    CPUID_CHECK 0x80000001, 0, 2, ~4, 1 ; LAHF_LM
    CPUID_CHECK 0x80000001, 0, 3, ~0x4000, 0x2193bbfd
    CPUID_CHECK 0x80000002, 0, 0, -1, 0x554d4551    ; QEMU Virtual CPU ...
    CPUID_CHECK 0x80000002, 0, 3, -1, 0x55504320
    CPUID_CHECK 0x80000003, 0, 3, -1, 0x0000002b
    CPUID_CHECK 0x80000004, 0, 0, -1, 0
    CPUID_CHECK 0x80000005, 0, 0, -1, 0x01ff01ff
    CPUID_CHECK 0x80000005, 0, 2, -1, 0x40020140
    CPUID_CHECK 0x80000006, 0, 1, -1, 0x42004200
    CPUID_CHECK 0x80000006, 0, 2, -1, 0x02008140
    CPUID_CHECK 0x80000006, 0, 3, -1, 0x00808140
    CPUID_CHECK 0x80000008, 0, 0, 0xff00, 0x3000
CPUID_TABLE_END
    TEST_END
