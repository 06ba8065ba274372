; SPDX-License-Identifier: MIT
; Never ends, for signal-exit.py: the PIT at 596.6 kHz (channel 0, mode 2,
; count 2) interrupts a busy loop through the 8259 (-cpu 486), faster than
; any host follows. "RUN" on the debug console says the busy loop has
; taken 20 of these interrupts.
%include "guest.inc"
%include "pic.inc"

%define V_TICKS 0x600

    TEST_START
    SET_VECTOR 0x20, irq0
    PIC_INIT_MASTER 0x20
    mov al, 0xfe                    ; only IRQ 0
    out 0x21, al
    mov al, 0x34                    ; channel 0, lo/hi byte, mode 2
    out 0x43, al
    mov al, 2
    out 0x40, al
    mov al, 0
    out 0x40, al
    mov dword [V_TICKS], 0
    sti
.start:
    cmp dword [V_TICKS], 20
    jb .start
    PUTS `RUN\n`
.busy:
    jmp .busy

irq0:
    inc dword [V_TICKS]
    push ax
    mov al, 0x20                    ; EOI
    out 0x20, al
    pop ax
    iret

    TEST_END
