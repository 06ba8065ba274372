; SPDX-License-Identifier: MIT
; System-call-like round trips: a ring-3 loop of INT 0x80 through a DPL 3
; trap gate (stack switch to SS0:ESP0 from the TSS), a ring-0 handler that
; does a getppid()-sized amount of work, and IRETD back to ring 3.
; Stands in for getppid() until a Linux user-space workload exists.
%include "guest.inc"

%define GDT     0x13000
%define TSS     0x14000
%define IDT     0x12000
%define V_COUNT 0x600
%define RING0_ESP 0x9000
%define RING3_ESP 0x8000
%define CALLS   8000000

    TEST_START
    GO_PM32
    mov esi, gdt3 + 0xf0000
    mov edi, GDT
    mov ecx, (gdt3_end - gdt3) / 4
    rep movsd
    lgdt [gdt3_desc + 0xf0000]
    mov dword [TSS + 4], RING0_ESP
    mov dword [TSS + 8], 0x10
    mov ax, 0x28
    ltr ax
    ; INT 0x80: DPL 3 trap gate; INT 0x81: DPL 3 gate to finish in ring 0
    mov eax, int80 + 0xf0000
    mov [IDT + 0x80 * 8], ax
    mov word [IDT + 0x80 * 8 + 2], 0x08
    mov word [IDT + 0x80 * 8 + 4], 0xef00
    shr eax, 16
    mov [IDT + 0x80 * 8 + 6], ax
    mov eax, finish + 0xf0000
    mov [IDT + 0x81 * 8], ax
    mov word [IDT + 0x81 * 8 + 2], 0x08
    mov word [IDT + 0x81 * 8 + 4], 0xef00
    shr eax, 16
    mov [IDT + 0x81 * 8 + 6], ax
    lidt [idt_desc + 0xf0000]
    mov dword [V_COUNT], 0
    ; to ring 3 (IOPL 3 so that it can print)
    push dword 0x23
    push dword RING3_ESP
    push dword 0x3002
    push dword 0x1b
    push dword ring3 + 0xf0000
    iretd

ring3:
    mov ax, 0x23
    mov ds, ax
    mov es, ax
    mov ecx, CALLS
.call:
    mov eax, 64                 ; __NR_getppid
    int 0x80
    cmp eax, 1                  ; the "parent pid"
    jne .bad
    dec ecx
    jnz .call
    int 0x81
.bad:
    FAIL "INT 0x80 result"

int80:
    push ds
    push ebx
    mov bx, 0x10
    mov ds, bx
    inc dword [V_COUNT]
    mov eax, 1
    pop ebx
    pop ds
    iretd

finish:
    CHECK_EQ dword [V_COUNT], CALLS, "INT 0x80 count"
    mov ax, ss
    CHECK_EQ ax, 0x10, "ring 0 stack"
    PASS

align 8
gdt3:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: ring 0 code
    dq 0x00cf92000000ffff       ; 0x10: ring 0 data
    dq 0x00cffa000000ffff       ; 0x18: ring 3 code
    dq 0x00cff2000000ffff       ; 0x20: ring 3 data
    dq 0x0000890140000067       ; 0x28: 32-bit TSS at 0x14000
gdt3_end:
gdt3_desc:
    dw gdt3_end - gdt3 - 1
    dd GDT
idt_desc:
    dw 0x7ff
    dd IDT

    TEST_END
