; SPDX-License-Identifier: MIT
; The 16550A UART at COM1 (0x3F8, -device isa-serial): scratch register,
; divisor latch through LCR.DLAB, loopback mode (MCR bit 4): MSR reflects
; the MCR outputs, a byte written to THR comes back in RBR with LSR.DR,
; LSR.THRE/TEMT when idle, overrun without FIFOs, FIFO enable (IIR bits
; 6-7) holding several bytes in order, and the THRE interrupt on IRQ 4
; (vector 0x24) with OUT2 set, identified and cleared through IIR.
; Runs on a 486 (-cpu 486): the 8259 drives INTR directly.
%include "guest.inc"
%include "pic.inc"

%define COM1    0x3f8
%define V_COUNT 0x600
%define V_IIR   0x604

%macro OUTB 2                       ; port offset, value
    mov dx, COM1 + %1
    mov al, %2
    out dx, al
%endmacro
%macro INB 1
    mov dx, COM1 + %1
    in al, dx
%endmacro
%macro WAIT_LSR 1                   ; until LSR has all bits of %1
    mov dx, COM1 + 5
%%w:
    in al, dx
    and al, %1
    cmp al, %1
    jne %%w
%endmacro

    TEST_START
    mov dword [V_COUNT], 0
    SET_VECTOR 0x24, irq4
    OUTB 7, 0x5a
    INB 7
    CHECK_EQ al, 0x5a, "scratch register"
    OUTB 3, 0x80                    ; DLAB
    OUTB 0, 0x01
    OUTB 1, 0x00
    INB 0
    CHECK_EQ al, 0x01, "divisor latch low"
    OUTB 3, 0x03                    ; 8N1
    INB 3
    CHECK_EQ al, 0x03, "LCR reads back"
    OUTB 1, 0x00                    ; IER off
    OUTB 2, 0x00                    ; FIFOs off
    OUTB 4, 0x1f                    ; loopback, DTR RTS OUT1 OUT2
    INB 6
    and al, 0xf0
    CHECK_EQ al, 0xf0, "loopback MSR: DCD RI DSR CTS"
    OUTB 4, 0x10
    INB 6
    and al, 0xf0
    CHECK_EQ al, 0, "loopback MSR follows MCR"
    INB 5
    and al, 0x61
    CHECK_EQ al, 0x60, "LSR idle: THRE TEMT, no data"

    ; one byte round trip
    OUTB 0, 0x41
    WAIT_LSR 0x01
    INB 0
    CHECK_EQ al, 0x41, "RBR returns the byte"
    INB 5
    and al, 0x01
    CHECK_EQ al, 0, "LSR.DR clear after reading RBR"
    ; no FIFO: a second byte overruns the first
    OUTB 0, 0x11
    WAIT_LSR 0x41
    OUTB 0, 0x22
    xor bl, bl                      ; reading LSR clears OE: collect it
    mov dx, COM1 + 5
.oe:
    in al, dx
    or bl, al
    test al, 0x40
    jz .oe
    and bl, 0x03
    CHECK_EQ bl, 0x03, "overrun without FIFOs"
    INB 0
    CHECK_EQ al, 0x22, "RBR holds the last byte"

    ; FIFOs on (and cleared): bytes queue in order
    OUTB 2, 0x07
    INB 2
    and al, 0xc0
    CHECK_EQ al, 0xc0, "IIR: FIFOs enabled"
    mov bl, 0x30
.send:
    WAIT_LSR 0x20
    mov al, bl
    mov dx, COM1
    out dx, al
    inc bl
    cmp bl, 0x34
    jne .send
    WAIT_LSR 0x41
    mov bl, 0x30
.recv:
    INB 5
    test al, 0x01
    jnz .have
    FAIL "FIFO holds four bytes"
.have:
    INB 0
    CHECK_EQ al, bl, "FIFO order"
    inc bl
    cmp bl, 0x34
    jne .recv
    INB 5
    and al, 0x03
    CHECK_EQ al, 0, "FIFO: no overrun, empty"

    ; THRE interrupt on IRQ 4
    PIC_INIT_MASTER 0x20
    mov al, 0xef
    out 0x21, al
    OUTB 4, 0x18                    ; loopback, OUT2
    OUTB 1, 0x02                    ; ETBEI
    sti
    mov cx, 1000
.wait:
    cmp dword [V_COUNT], 0
    jne .got
    loop .wait
.got:
    cli
    CHECK_EQ dword [V_COUNT], 1, "THRE interrupt on IRQ 4"
    mov al, [V_IIR]
    CHECK_EQ al, 0xc2, "IIR: THR empty, FIFOs on"
    INB 2
    and al, 0x0f
    CHECK_EQ al, 0x01, "IIR: none pending after reading"
    OUTB 1, 0x00
    PASS

irq4:
    push ax
    push dx
    inc dword [V_COUNT]
    INB 2
    mov [V_IIR], al
    mov al, 0x20
    out 0x20, al
    pop dx
    pop ax
    iret

    TEST_END
