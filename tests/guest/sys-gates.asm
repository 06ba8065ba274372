; SPDX-License-Identifier: MIT
; Privilege changes: IRET to ring 3, INT from ring 3 through a DPL 3 trap
; gate (stack switch to SS0:ESP0 of the TSS, the pushed frame), #GP with
; the IDT error code for a DPL 0 gate, an interrupt gate clearing IF, a
; far CALL through a call gate back to ring 0 with one copied parameter,
; and a far RET to the outer level.
%include "guest.inc"

%define GDT     0x13000
%define TSS     0x14000
%define IDT     0x12000
%define V_FLAG  0x600
%define V_ERR   0x604
%define V_CS    0x608
%define V_SS    0x60c
%define V_ESP   0x610
%define V_FL    0x614
%define V_PARM  0x618
%define RING0_ESP 0x9000
%define RING3_ESP 0x8000

    TEST_START
    GO_PM32

    ; GDT in RAM: the TSS busy bit and accessed bits are written
    mov esi, gdt3 + 0xf0000
    mov edi, GDT
    mov ecx, (gdt3_end - gdt3) / 4
    rep movsd
    ; call gate 0x30 -> 0x08:gate_target, DPL 3, 1 dword parameter
    mov eax, gate_target + 0xf0000
    mov [GDT + 0x30], ax
    mov word [GDT + 0x32], 0x08
    mov word [GDT + 0x34], 0xec01
    shr eax, 16
    mov [GDT + 0x36], ax
    lgdt [gdt3_desc + 0xf0000]
    mov dword [TSS + 4], RING0_ESP
    mov dword [TSS + 8], 0x10
    mov ax, 0x28
    ltr ax

    SET_GATE 0x80, int80_handler, 0xef00
    SET_GATE 0x81, int80_handler, 0x8e00      ; DPL 0: #GP from ring 3
    SET_GATE 0x82, int82_handler, 0x8e00
    SET_GATE 0x83, pass_handler, 0xef00
    SET_GATE 13, gp_handler, 0x8e00
    lidt [idt_desc + 0xf0000]

    ; an interrupt gate clears IF, IRET restores it
    sti
    int 0x82
    CHECK_EQ dword [V_FL], 0, "IF inside an interrupt gate handler"
    CHECK_FLAGS 0x200, 0x200, "IF after IRET"
    cli

    ; to ring 3 (IOPL 3 so that the test can print)
    push dword 0x23
    push dword RING3_ESP
    push dword 0x3002
    push dword 0x1b
    push dword ring3 + 0xf0000
    iretd

ring3:
    mov ax, cs
    CHECK_EQ ax, 0x1b, "CS in ring 3"
    mov ax, 0x23
    mov ds, ax
    mov es, ax
    int 0x80
    CHECK_EQ dword [V_FLAG], 1, "INT 0x80 ran"
    CHECK_EQ dword [V_CS], 0x1b, "pushed CS"
    CHECK_EQ dword [V_SS], 0x23, "pushed SS"
    CHECK_EQ dword [V_ESP], RING3_ESP, "pushed ESP"
    mov ax, ss
    CHECK_EQ ax, 0x23, "SS back in ring 3"
    CHECK_EQ esp, RING3_ESP, "ESP back in ring 3"
    int 0x81
    CHECK_EQ dword [V_ERR], 0x81 * 8 + 2, "#GP error code of a DPL 0 gate"
    push dword 0xcafe
    call 0x33:0
    FAIL "returned from the call gate"

int80_handler:
    mov dword [V_FLAG], 1
    mov eax, [esp + 4]
    mov [V_CS], eax
    mov eax, [esp + 12]
    mov [V_ESP], eax
    mov eax, [esp + 16]
    mov [V_SS], eax
    iretd

int82_handler:
    pushfd
    pop eax
    and eax, 0x200
    mov [V_FL], eax
    iretd

gp_handler:
    pop dword [V_ERR]
    add dword [esp], 2                  ; skip the INT imm8
    iretd

gate_target:
    mov ax, cs
    CHECK_EQ ax, 0x08, "CS after the call gate"
    mov ax, ss
    CHECK_EQ ax, 0x10, "SS after the call gate"
    ; frame: EIP, CS, parameter, ESP, SS
    CHECK_EQ dword [esp + 4], 0x1b, "CS pushed by the call gate"
    CHECK_EQ dword [esp + 8], 0xcafe, "parameter copied by the call gate"
    CHECK_EQ dword [esp + 12], RING3_ESP - 4, "ESP pushed by the call gate"
    CHECK_EQ dword [esp + 16], 0x23, "SS pushed by the call gate"
    ; back out with RETF 4, then come back in through INT 0x80 to finish
    mov dword [V_FLAG], 0
    mov dword [esp], back3 + 0xf0000
    retf 4

back3:
    mov ax, cs
    CHECK_EQ ax, 0x1b, "CS after RETF to ring 3"
    CHECK_EQ esp, RING3_ESP, "ESP after RETF 4"
    mov ax, ds
    CHECK_EQ ax, 0x23, "DS kept (DPL 3)"
    int 0x83                            ; finish in ring 0, where HLT halts

pass_handler:
    PASS

align 8
gdt3:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: ring 0 code
    dq 0x00cf92000000ffff       ; 0x10: ring 0 data
    dq 0x00cffa000000ffff       ; 0x18: ring 3 code
    dq 0x00cff2000000ffff       ; 0x20: ring 3 data
    dq 0x0000890140000067       ; 0x28: 32-bit TSS at 0x14000
    dq 0                        ; 0x30: call gate, built at run time
gdt3_end:
gdt3_desc:
    dw gdt3_end - gdt3 - 1
    dd GDT
idt_desc:
    dw 0x7ff
    dd IDT

    TEST_END
