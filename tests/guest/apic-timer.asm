; SPDX-License-Identifier: MIT
; The local APIC in protected mode: version and ID registers, the timer in
; periodic mode waking HLT through an IDT gate (the handler EOIs), the
; current count running down, a one-shot count firing once, and the TPR
; holding back a self IPI until it is lowered. The 8259 is fully masked,
; so every interrupt here comes from the local APIC.
%include "guest.inc"

%define V_TICKS 0x600
%define V_LAST  0x604
%define IDT     0x12000
%define LAPIC   0xfee00000

    TEST_START
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    GO_PM32
    ; IDT gates 0x40 and 0x41
    SET_GATE 0x40, apic_irq
    SET_GATE 0x41, apic_irq41
    lidt [idt_desc + 0xf0000]

    mov eax, [LAPIC + 0x30]
    and eax, 0xff
    CHECK_EQ eax, 0x14, "APIC version 0x14"
    mov eax, [LAPIC + 0x20]
    CHECK_EQ eax, 0, "BSP APIC ID 0"
    mov dword [LAPIC + 0xf0], 0x1ff         ; software enable

    ; periodic: divide by 16, vector 0x40
    mov dword [V_TICKS], 0
    mov dword [LAPIC + 0x3e0], 3
    mov dword [LAPIC + 0x320], 0x20040
    mov dword [LAPIC + 0x380], 20000
    mov eax, [LAPIC + 0x390]
    test eax, eax
    jz .bad_count
    cmp eax, 20000
    ja .bad_count
    sti
    hlt
    hlt
    hlt
    cli
    ; at least three (a loaded host may let one more in before CLI)
    CHECK_GE dword [V_TICKS], 3, "three periodic timer interrupts"
    CHECK_EQ dword [V_LAST], 0x40, "timer vector"

    ; one-shot: fires once (first stop the periodic timer and take a
    ; tick that may be pending)
    mov dword [LAPIC + 0x380], 0
    sti
    nop
    nop
    cli
    mov dword [LAPIC + 0x320], 0x40
    mov dword [V_TICKS], 0
    mov dword [LAPIC + 0x380], 1000
    sti
    hlt
    mov ecx, 300000
.spin:
    loop .spin
    cli
    CHECK_EQ dword [V_TICKS], 1, "one-shot fires once"
    mov eax, [LAPIC + 0x390]
    CHECK_EQ eax, 0, "one-shot count ends at 0"

    ; TPR 0x50 holds back vector 0x41 (a self IPI)
    mov dword [V_TICKS], 0
    mov dword [LAPIC + 0x80], 0x50
    mov dword [LAPIC + 0x300], 0x44041
    sti
    nop
    nop
    cli
    CHECK_EQ dword [V_TICKS], 0, "TPR masks vector 0x41"
    mov dword [LAPIC + 0x80], 0
    sti
    nop
    cli
    CHECK_EQ dword [V_TICKS], 1, "lowering the TPR delivers it"
    CHECK_EQ dword [V_LAST], 0x41, "self IPI vector"
    PASS

.bad_count:
    FAIL "current count not between 0 and the initial count"

bits 32
apic_irq:
    inc dword [V_TICKS]
    mov dword [V_LAST], 0x40
    mov dword [LAPIC + 0xb0], 0             ; EOI
    iretd
apic_irq41:
    inc dword [V_TICKS]
    mov dword [V_LAST], 0x41
    mov dword [LAPIC + 0xb0], 0
    iretd

idt_desc:
    dw 0x7ff
    dd IDT

    TEST_END
