; SPDX-License-Identifier: MIT
; External interrupts: the PIT drives IRQ 0 through the 8259 to the CPU's
; INTR pin; STI; HLT sleeps until it arrives, the vector comes from the
; PIC's INTA cycle, IF masks it (CLI), and a busy loop is interrupted too
; (block chains are left for pending interrupts). Then the same through
; a 32-bit IDT interrupt gate in protected mode.
; Runs on a 486 (-cpu 486, no local APIC), where the 8259 drives INTR
; directly: with a local APIC, LINT0 is masked after reset until firmware
; sets up virtual wire mode, so QEMU's CPU never sees IRQ 0 here.
%include "guest.inc"
%include "pic.inc"

%define V_TICKS 0x600
%define IDT     0x12000

    TEST_START
    mov dword [V_TICKS], 0
    ; IVT entry 0x20 -> irq0_rm
    SET_VECTOR 0x20, irq0_rm
    ; 8259 master: vectors 0x20.., only IRQ 0 unmasked
    PIC_INIT_MASTER 0x20
    mov al, 0xfe
    out 0x21, al
    ; 8254 channel 0: mode 2, 1193 -> about 1 kHz
    mov al, 0x34
    out 0x43, al
    mov al, 1193 & 0xff
    out 0x40, al
    mov al, 1193 >> 8
    out 0x40, al

    sti
    hlt
    cli
    ; at least one tick (a loaded host may have let more edges through)
    mov ebx, [V_TICKS]
    CHECK_GE ebx, 1, "a tick wakes HLT"
    ; with IF clear, time passes but the handler does not run
    mov ecx, 200000
.spin:
    loop .spin, ecx
    CHECK_EQ dword [V_TICKS], ebx, "no interrupt with IF clear"
    ; a busy loop with IF set is interrupted
    sti
.busy:
    cmp dword [V_TICKS], 4
    jb .busy
    cli

    GO_PM32
    mov dword [V_TICKS], 0
    SET_GATE 0x20, irq0_pm
    lidt [idt_i_desc + 0xf0000]
    sti
    hlt
    hlt
    cli
    CHECK_GE dword [V_TICKS], 2, "ticks through the IDT"
    PASS

bits 16
irq0_rm:
    push ax
    inc dword [V_TICKS]             ; DS = 0 throughout
    mov al, 0x20
    out 0x20, al
    pop ax
    iret

bits 32
irq0_pm:
    push eax
    inc dword [V_TICKS]
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

idt_i_desc:
    dw 0x7ff
    dd IDT

    TEST_END
