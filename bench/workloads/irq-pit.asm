; SPDX-License-Identifier: MIT
; Interrupt-heavy: the PIT at 10 kHz drives IRQ 0 through the 8259 to INTR
; (-cpu 486: no local APIC, so the 8259 drives INTR directly); the guest
; HLTs between ticks and counts TICKS of them through a 32-bit IDT gate.
; Wall time is about TICKS / 10 kHz when the emulator keeps up; the figure
; of interest is the CPU time (user+sys) spent per interrupt.
%include "guest.inc"

%define V_TICKS 0x600
%define IDT     0x12000
%define TICKS   20000

    TEST_START
    ; 8259 master: vectors 0x20.., only IRQ 0 unmasked
    mov al, 0x11
    out 0x20, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x01
    out 0x21, al
    mov al, 0xfe
    out 0x21, al
    GO_PM32
    mov dword [V_TICKS], 0
    mov eax, irq0 + 0xf0000
    mov [IDT + 0x20 * 8], ax
    mov word [IDT + 0x20 * 8 + 2], 0x08
    mov word [IDT + 0x20 * 8 + 4], 0x8e00
    shr eax, 16
    mov [IDT + 0x20 * 8 + 6], ax
    lidt [idt_desc + 0xf0000]
    ; 8254 channel 0: mode 2, 119 -> 10.03 kHz
    mov al, 0x34
    out 0x43, al
    mov al, 119
    out 0x40, al
    mov al, 0
    out 0x40, al
    sti
.wait:
    hlt
    cmp dword [V_TICKS], TICKS
    jb .wait
    cli
    PASS

irq0:
    push eax
    inc dword [V_TICKS]
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

idt_desc:
    dw 0x7ff
    dd IDT

    TEST_END
