; SPDX-License-Identifier: MIT
; The I/O APIC routes the PIT: with the 8259 fully masked, ISA IRQ 0
; reaches the CPU only through I/O APIC pin 2 (the pc board's wiring, as
; ACPI's IRQ 0 override says) and the local APIC. Checks the version
; register, delivery of the PIT's ticks as vector 0x50 through an IDT gate
; waking HLT, and that masking the entry stops them.
%include "guest.inc"

%define V_TICKS 0x600
%define IDT     0x12000
%define LAPIC   0xfee00000
%define IOAPIC  0xfec00000

    TEST_START
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    ; 8254 channel 0: mode 2, about 1 kHz
    mov al, 0x34
    out 0x43, al
    mov al, 1193 & 0xff
    out 0x40, al
    mov al, 1193 >> 8
    out 0x40, al
    GO_PM32
    SET_GATE 0x50, pit_irq
    lidt [idt_desc + 0xf0000]
    mov dword [LAPIC + 0xf0], 0x1ff         ; software enable

    mov dword [IOAPIC], 1
    mov eax, [IOAPIC + 0x10]
    CHECK_EQ eax, 0x00170020, "I/O APIC version: 24 entries, 0x20"
    ; pin 2: vector 0x50, fixed, physical destination APIC 0, edge
    mov dword [IOAPIC], 0x15
    mov dword [IOAPIC + 0x10], 0
    mov dword [IOAPIC], 0x14
    mov dword [IOAPIC + 0x10], 0x50
    mov dword [V_TICKS], 0
    sti
    hlt
    hlt
    hlt
    cli
    ; at least three (a loaded host may let one more in before CLI)
    CHECK_GE dword [V_TICKS], 3, "three PIT ticks through pin 2"

    ; masked: the ticks stop
    mov dword [IOAPIC], 0x14
    mov dword [IOAPIC + 0x10], 0x10050
    sti                             ; take a tick accepted before the mask
    nop
    nop
    cli
    mov dword [V_TICKS], 0
    sti
    mov ecx, 2000000
.spin:
    loop .spin
    cli
    CHECK_EQ dword [V_TICKS], 0, "a masked entry sends nothing"
    PASS

bits 32
pit_irq:
    inc dword [V_TICKS]
    mov dword [LAPIC + 0xb0], 0             ; EOI
    iretd

idt_desc:
    dw 0x7ff
    dd IDT

    TEST_END
