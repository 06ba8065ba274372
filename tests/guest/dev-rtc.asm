; SPDX-License-Identifier: MIT
; The MC146818 RTC/CMOS: register D's valid-RAM bit, a CMOS RAM byte
; written and read back, register A/B setup, the periodic interrupt on
; IRQ 8 through the slave 8259 (the handler acknowledges it by reading
; register C), the update-ended flag polled in register C, and the UIP bit
; in register A rising and falling around the once-a-second update.
; Runs on a 486 (-cpu 486): the 8259 drives INTR directly.
%include "guest.inc"
%include "pic.inc"

%define V_TICKS 0x600
%define V_REGC  0x604

%macro CMOS_RD 1                    ; AL = CMOS[%1]
    mov al, %1
    out 0x70, al
    in al, 0x71
%endmacro
%macro CMOS_WR 2                    ; CMOS[%1] = %2
    mov al, %1
    out 0x70, al
    mov al, %2
    out 0x71, al
%endmacro

    TEST_START
    mov dword [V_TICKS], 0
    SET_VECTOR 0x70, irq8
    ; 8259s: master 0x20.., slave 0x70..; only IRQ 2 (cascade) and IRQ 8
    PIC_INIT_PAIR 0x20, 0x70
    mov al, 0xfb
    out 0x21, al
    mov al, 0xfe
    out 0xa1, al

    CMOS_RD 0x0d
    and al, 0x80
    CHECK_EQ al, 0x80, "register D: valid RAM and time"
    CMOS_WR 0x40, 0x5a
    CMOS_WR 0x41, 0xa5
    CMOS_RD 0x40
    CHECK_EQ al, 0x5a, "CMOS RAM byte 0x40"
    CMOS_RD 0x41
    CHECK_EQ al, 0xa5, "CMOS RAM byte 0x41"

    ; register A: 32.768 kHz base, rate 6 (1024 Hz); B: 24 h, binary off
    CMOS_WR 0x0a, 0x26
    CMOS_RD 0x0a
    and al, 0x7f
    CHECK_EQ al, 0x26, "register A reads back"
    CMOS_WR 0x0b, 0x02
    CMOS_RD 0x0c                    ; clear pending flags
    ; periodic interrupt enable
    CMOS_WR 0x0b, 0x42
    CMOS_RD 0x0b
    CHECK_EQ al, 0x42, "register B reads back"
    sti
    hlt
    hlt
    cli
    CHECK_GE dword [V_TICKS], 2, "periodic interrupts on IRQ 8"
    mov al, [V_REGC]
    and al, 0xc0
    CHECK_EQ al, 0xc0, "register C: IRQF and PF in the handler"
    ; PIE off and rate 0 (register A RS = 0: no periodic flag at all),
    ; drain an interrupt that may be pending, then C stays clear. With only
    ; PIE off, PF sets again each period: two reads of C more than ~1 ms
    ; apart (slow port exits under nested KVM) saw it set.
    CMOS_WR 0x0b, 0x02
    CMOS_WR 0x0a, 0x20
    sti
    nop
    nop
    cli
    CMOS_RD 0x0c
    CMOS_RD 0x0c
    and al, 0xc0
    CHECK_EQ al, 0, "register C cleared by reading"

    ; update-ended flag (polled, no interrupt: UIE is off)
.wait_uf:
    CMOS_RD 0x0c
    test al, 0x10
    jz .wait_uf
    ; UIP: set shortly before an update, clear after it
.wait_uip:
    CMOS_RD 0x0a
    test al, 0x80
    jz .wait_uip
.wait_nouip:
    CMOS_RD 0x0a
    test al, 0x80
    jnz .wait_nouip
    CMOS_RD 0x0c
    test al, 0x10
    jnz .uf2
    FAIL "update-ended flag after UIP falls"
.uf2:
    PASS

irq8:
    push ax
    inc dword [V_TICKS]
    mov al, 0x0c
    out 0x70, al
    in al, 0x71
    mov [V_REGC], al
    mov al, 0x20
    out 0xa0, al
    out 0x20, al
    pop ax
    iret

    TEST_END
