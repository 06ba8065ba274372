; SPDX-License-Identifier: MIT
; The 8259 pair: the IMR written with OCW1 and read back; ELCR 0x4D0/0x4D1
; read/write (IRQ 0-2 and 8/13 are edge only); an IRQ 0 edge from a PIT
; mode 0 one-shot seen in the IRR (OCW3 read) while masked and not taken;
; unmasked it is taken, in service in the ISR (OCW3 read) until the
; non-specific EOI; a specific EOI for another level leaves it in service,
; the right one clears it; priority: with IRQ 0 (PIT) and IRQ 8 (RTC,
; through the slave on IRQ 2) both pending, IRQ 0 is taken first.
; Runs on a 486 (-cpu 486): the 8259 drives INTR directly.
%include "guest.inc"
%include "pic.inc"

%define V_COUNT 0x600
%define V_ISR   0x604
%define V_EOI   0x608
%define V_ORDER 0x610               ; bytes: IRQ numbers in arrival order

%macro PIT_ONESHOT 0                ; channel 0, mode 0, 0x100 counts
    mov al, 0x30
    out 0x43, al
    mov al, 0x00
    out 0x40, al
    mov al, 0x01
    out 0x40, al
%endmacro
%macro WAIT_IRR 1                   ; until (master IRR & %1) == %1
    mov al, 0x0a
    out 0x20, al
%%w:
    in al, 0x20
    and al, %1
    cmp al, %1
    jne %%w
%endmacro
%macro TAKE 0                       ; let pending interrupts in
    sti
    mov cx, 100
%%l:
    loop %%l
    cli
%endmacro

    TEST_START
    xor eax, eax
    mov [V_COUNT], eax
    mov [V_ORDER], eax
    SET_VECTOR 0x20, irq0
    SET_VECTOR 0x70, irq8
    PIC_INIT_PAIR 0x20, 0x70
    ; OCW1 reads back
    mov al, 0xa5
    out 0x21, al
    in al, 0x21
    CHECK_EQ al, 0xa5, "master IMR reads back"
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    in al, 0xa1
    CHECK_EQ al, 0xff, "slave IMR reads back"
    ; ELCR: writable bits 0xf8 (master) and 0xde (slave)
    mov dx, 0x4d0
    mov al, 0xff
    out dx, al
    in al, dx
    CHECK_EQ al, 0xf8, "ELCR1 writable bits"
    mov al, 0
    out dx, al
    in al, dx
    CHECK_EQ al, 0, "ELCR1 cleared"
    inc dx
    mov al, 0xff
    out dx, al
    in al, dx
    CHECK_EQ al, 0xde, "ELCR2 writable bits"
    mov al, 0
    out dx, al

    ; masked: IRR bit 0 set, not taken
    PIT_ONESHOT
    WAIT_IRR 0x01
    TAKE
    CHECK_EQ dword [V_COUNT], 0, "masked IRQ 0 not taken"
    ; unmasked: taken, in service until the non-specific EOI
    mov byte [V_EOI], 0x20
    mov al, 0xfe
    out 0x21, al
    TAKE
    CHECK_EQ dword [V_COUNT], 1, "unmasked IRQ 0 taken"
    CHECK_EQ byte [V_ISR], 0x01, "ISR bit 0 in the handler"
    mov al, 0x0b
    out 0x20, al
    in al, 0x20
    CHECK_EQ al, 0, "ISR clear after non-specific EOI"
    ; specific EOI for IRQ 1 leaves IRQ 0 in service; for IRQ 0 clears it
    mov byte [V_EOI], 0x61
    PIT_ONESHOT
    WAIT_IRR 0x01
    TAKE
    CHECK_EQ dword [V_COUNT], 2, "second IRQ 0 taken"
    in al, 0x20                     ; the handler's OCW3 selected the ISR
    CHECK_EQ al, 0x01, "ISR bit 0 after EOI for IRQ 1"
    mov al, 0x60
    out 0x20, al
    in al, 0x20
    CHECK_EQ al, 0, "ISR clear after specific EOI for IRQ 0"

    ; priority: IRQ 0 and IRQ 8 (cascade IRQ 2) pending together
    mov byte [V_EOI], 0x20
    mov dword [V_COUNT], 0
    mov al, 0xff
    out 0x21, al
    mov al, 0xfe
    out 0xa1, al
    mov al, 0x0b                    ; RTC: clear flags, 1024 Hz, PIE
    out 0x70, al
    mov al, 0x02
    out 0x71, al
    mov al, 0x0c
    out 0x70, al
    in al, 0x71
    mov al, 0x0a
    out 0x70, al
    mov al, 0x26
    out 0x71, al
    mov al, 0x0b
    out 0x70, al
    mov al, 0x42
    out 0x71, al
    PIT_ONESHOT
    WAIT_IRR 0x05
    mov al, 0xfa
    out 0x21, al
    TAKE
    CHECK_EQ word [V_ORDER], 0x0800, "IRQ 0 before IRQ 8"
    PASS

irq0:
    push ax
    push bx
    mov al, 0x0b
    out 0x20, al
    in al, 0x20
    mov [V_ISR], al
    mov bx, [V_COUNT]
    mov byte [V_ORDER + bx], 0
    inc dword [V_COUNT]
    mov al, [V_EOI]
    out 0x20, al
    pop bx
    pop ax
    iret

irq8:
    push ax
    push bx
    mov al, 0x0b                    ; RTC: PIE off, acknowledge
    out 0x70, al
    mov al, 0x02
    out 0x71, al
    mov al, 0x0c
    out 0x70, al
    in al, 0x71
    mov bx, [V_COUNT]
    mov byte [V_ORDER + bx], 8
    inc dword [V_COUNT]
    mov al, 0x20
    out 0xa0, al
    out 0x20, al
    pop bx
    pop ax
    iret

    TEST_END
