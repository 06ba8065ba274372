; SPDX-License-Identifier: MIT
; Virtual-8086 mode: IRET into V86, real-mode style segment loads, INT n
; through the IDT to a ring 0 handler with the V86 frame (ES DS FS GS
; pushed, data segments zeroed in the handler), IRET back to V86, and the
; IOPL sensitivity of CLI (#GP with IOPL < 3).
%include "guest.inc"

%define GDT     0x13000
%define TSS     0x14000
%define IDT     0x12000
%define V_FLAG  0x600
%define V_EIP   0x604
%define V_CS    0x608
%define V_FL    0x60c
%define V_SS    0x610
%define V_DS    0x614
%define V_HDS   0x618
%define V_GPERR 0x61c
%define V_GPEIP 0x620

    TEST_START
    GO_PM32

    mov esi, gdt_v + 0xf0000
    mov edi, GDT
    mov ecx, (gdt_v_end - gdt_v) / 4
    rep movsd
    lgdt [gdt_v_desc + 0xf0000]
    mov dword [TSS + 4], 0x9000
    mov dword [TSS + 8], 0x10
    mov word [TSS + 0x66], 0x68         ; no I/O bitmap inside the limit
    mov ax, 0x28
    ltr ax
    SET_GATE 0x80, int80_handler, 0xee00
    SET_GATE 0x83, pass_handler, 0xee00
    SET_GATE 13, gp_handler, 0x8e00
    lidt [idt_v_desc + 0xf0000]

    push dword 0                        ; GS
    push dword 0                        ; FS
    push dword 0x0040                   ; DS
    push dword 0                        ; ES
    push dword 0x0700                   ; SS
    push dword 0x0c00                   ; SP: 0x7000 + 0xc00
    push dword 0x23002                  ; VM, IOPL 3
    push dword 0xf000                   ; CS
    push dword v86_code
    iretd

bits 16
v86_code:
    mov ax, ds
    CHECK_EQ ax, 0x40, "DS from the V86 IRET frame"
    mov ax, 0x1234
    mov ds, ax
    mov byte [0x0010], 0x5a              ; linear 0x12350
    mov ax, 0x1000
    mov ds, ax
    CHECK_EQ byte [0x2350], 0x5a, "real-style segment base"
    mov ax, 0x0040
    mov ds, ax
    int 0x80
    xor ax, ax
    mov ds, ax
    CHECK_EQ dword [V_FLAG], 1, "INT 0x80 from V86"
    CHECK_EQ word [V_CS], 0xf000, "CS in the V86 frame"
    CHECK_EQ word [V_SS], 0x0700, "SS in the V86 frame"
    CHECK_EQ word [V_DS], 0x0040, "DS in the V86 frame"
    CHECK_EQ word [V_HDS], 0, "DS zeroed in the handler"
    test dword [V_FL], 0x20000
    jnz .vm_ok
    FAIL "VM in the pushed EFLAGS"
.vm_ok:
    mov ax, ss
    CHECK_EQ ax, 0x0700, "SS back in V86"
    ; IOPL 0 (set by the handler): CLI faults
    mov dword [V_FLAG], 2
    int 0x80                            ; handler drops IOPL to 0
cli_site:
    cli
    ; the #GP handler skipped the CLI and put IOPL back to 3
    xor ax, ax
    mov ds, ax
    CHECK_EQ dword [V_GPERR], 0, "#GP error code of CLI"
    CHECK_EQ word [V_GPEIP], cli_site, "#GP EIP at the CLI"
    int 0x83

bits 32
int80_handler:
    mov [V_HDS], ds                     ; null in the handler
    mov ax, 0x10
    mov ds, ax
    cmp dword [V_FLAG], 2
    je .drop_iopl
    mov dword [V_FLAG], 1
    mov eax, [esp]
    mov [V_EIP], eax
    mov eax, [esp + 4]
    mov [V_CS], eax
    mov eax, [esp + 8]
    mov [V_FL], eax
    mov eax, [esp + 16]
    mov [V_SS], eax
    mov eax, [esp + 24]
    mov [V_DS], eax
    iretd
.drop_iopl:
    and dword [esp + 8], ~0x3000
    iretd

gp_handler:
    push eax
    mov ax, 0x10
    mov ds, ax
    mov eax, [esp + 4]
    mov [V_GPERR], eax
    mov eax, [esp + 8]
    mov [V_GPEIP], eax
    pop eax
    add esp, 4
    inc dword [esp]                     ; skip the 1-byte CLI
    or dword [esp + 8], 0x3000
    iretd

pass_handler:
    mov ax, 0x10
    mov ds, ax
    PASS

align 8
gdt_v:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: code
    dq 0x00cf92000000ffff       ; 0x10: data
    dq 0
    dq 0
    dq 0x0000890140000067       ; 0x28: TSS at 0x14000
gdt_v_end:
gdt_v_desc:
    dw gdt_v_end - gdt_v - 1
    dd GDT
idt_v_desc:
    dw 0x7ff
    dd IDT

    TEST_END
