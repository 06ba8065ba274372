; SPDX-License-Identifier: MIT
; MONITOR/MWAIT on -cpu core2duo (CPUID.1:ECX.MONITOR): MONITOR with
; ECX = 0 runs, ECX = 1 (extensions) is #GP(0) for both (real mode);
; MWAIT halts until an interrupt (the local APIC timer, protected mode),
; whose handler runs before the instruction after MWAIT. The same image
; passes under QEMU.
%include "guest.inc"

%define V_GP     0x610                  ; byte: 1 after a #GP
%define V_RESUME 0x612                  ; word: where the #GP handler returns
%define V_TICKS  0x614                  ; dword: timer interrupts
%define IDT      0x12000
%define LAPIC    0xfee00000

; TRY_GP expect_gp, "name", instruction
%macro TRY_GP 3+
    mov word [V_RESUME], %%after
    mov byte [V_GP], 0
    %3
%%after:
    cmp byte [V_GP], %1
    je %%ok
    FAIL %2
%%ok:
%endmacro

    TEST_START
    SET_VECTOR 13, gp_handler
    mov eax, 1
    cpuid
    test cl, 8
    jnz .has_monitor
    FAIL "CPUID.1:ECX.MONITOR clear"
.has_monitor:
    mov ax, 0x1000
    xor ecx, ecx
    xor edx, edx
    TRY_GP 0, "monitor", monitor
    mov ecx, 1
    TRY_GP 1, "monitor ecx=1 without #GP", monitor
    xor eax, eax
    mov ecx, 1
    TRY_GP 1, "mwait ecx=1 without #GP", mwait

    mov al, 0xff                        ; 8259s masked: the local
    out 0x21, al                        ; APIC timer wakes MWAIT
    out 0xa1, al
    GO_PM32
    SET_GATE 0x40, apic_irq
    lidt [idt_desc + 0xf0000]
    mov dword [LAPIC + 0xf0], 0x1ff     ; software enable
    mov dword [V_TICKS], 0
    mov dword [LAPIC + 0x3e0], 3        ; divide by 16
    mov dword [LAPIC + 0x320], 0x20040  ; periodic, vector 0x40
    mov dword [LAPIC + 0x380], 20000
    xor eax, eax
    xor ecx, ecx
    sti                                 ; not in its shadow: QEMU 7.2's
    nop                                 ; MWAIT keeps it and never wakes
    mwait                               ; (the timer is periodic: no race)
    cli
    CHECK_GE dword [V_TICKS], 1, "mwait returned before the interrupt"
    PASS

apic_irq:
    inc dword [V_TICKS]
    mov dword [LAPIC + 0xb0], 0         ; EOI
    iretd

idt_desc:
    dw 0x7ff
    dd IDT

bits 16
gp_handler:
    mov byte [V_GP], 1
    push bp
    mov bp, sp
    push ax
    mov ax, [V_RESUME]
    mov [bp + 2], ax
    pop ax
    pop bp
    iret

    TEST_END
