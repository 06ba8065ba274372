; SPDX-License-Identifier: MIT
; QEMU's pci-testdev (run with -device pci-testdev): find it by scanning
; bus 0 through config mechanism #1, map its I/O BAR and memory BAR, select
; a test in each, read the test header back, and check that the device
; counts the writes the header asks for.
%include "guest.inc"

%define IO_BASE   0xc100
%define MEM_BASE  0xfe000000

    TEST_START
    GO_PM32
    ; scan slots 0..31 for 1b36:0005
    mov ebx, 0x80000000
.scan:
    mov eax, ebx
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    cmp eax, 0x00051b36
    je .found
    add ebx, 0x800                  ; next slot
    cmp ebx, 0x80010000
    jb .scan
    FAIL "pci-testdev not found on bus 0"
.found:
    lea eax, [ebx + 0x08]           ; class code
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    shr eax, 8
    CHECK_EQ eax, 0x00ff00, "class code 0x00ff00"
    lea eax, [ebx + 0x10]           ; BAR 0: memory
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    mov eax, MEM_BASE
    out dx, eax
    lea eax, [ebx + 0x14]           ; BAR 1: I/O
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    mov eax, IO_BASE
    out dx, eax
    lea eax, [ebx + 0x04]           ; command: I/O and memory on
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    mov ax, 3
    out dx, ax

    ; I/O BAR, test 0 "portio-no-eventfd": write the data byte at offset
    mov dx, IO_BASE
    mov al, 0
    out dx, al
    mov dx, IO_BASE + 4
    in eax, dx
    CHECK_EQ eax, 128 + 3, "portio test 0 offset"
    mov dx, IO_BASE + 8
    in al, dx
    CHECK_EQ al, 0xfa, "portio test 0 data"
    mov dx, IO_BASE + 16
    in al, dx
    CHECK_EQ al, 'p', "portio test 0 name"
    mov dx, IO_BASE + 128 + 3
    mov al, 0xfa
    out dx, al                      ; counted
    mov al, 0x11
    out dx, al                      ; wrong data: not counted
    mov dx, IO_BASE + 12
    in eax, dx
    CHECK_EQ eax, 1, "portio test 0 count"

    ; memory BAR, test 0 "mmio-no-eventfd"
    mov byte [MEM_BASE], 0
    mov eax, [MEM_BASE + 4]
    CHECK_EQ eax, 2048, "mmio test 0 offset"
    mov byte [MEM_BASE + 2048], 0xfa
    mov byte [MEM_BASE + 2048], 0xfa
    mov eax, [MEM_BASE + 12]
    CHECK_EQ eax, 2, "mmio test 0 count"
    mov al, [MEM_BASE + 16]
    CHECK_EQ al, 'm', "mmio test 0 name"
    ; test 1 "mmio-wildcard-eventfd": writes go to an (absent) ioeventfd,
    ; as in QEMU, so the device does not count them
    mov byte [MEM_BASE], 1
    mov eax, [MEM_BASE + 4]
    CHECK_EQ eax, 2048 + 1, "mmio test 1 offset"
    mov al, [MEM_BASE + 8]
    CHECK_EQ al, 0xce, "mmio test 1 data"
    mov byte [MEM_BASE + 2048 + 1], 0x55
    mov eax, [MEM_BASE + 12]
    CHECK_EQ eax, 0, "mmio test 1 count"
    PASS
    TEST_END
