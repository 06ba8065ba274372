; SPDX-License-Identifier: MIT
; Keyboard and mouse echo guest for the display tests
; (tests/functional/test-display-*): enables the PS/2 keyboard and mouse
; behind the 8042, prints READY, then prints every byte the keyboard sends
; as "K:XX" (hex, scancode set 2 as the 8042 passes it untranslated after
; reset) and every mouse byte as "M:XX" on the debug console (port 0xE9).
; It never exits: the test kills the emulator.
; Ref: 8042 status bits (OBF bit 0, IBF bit 1, AUX OBF bit 5), commands
; A8 (enable aux) and D4 (write to aux); PS/2 command F4 (enable).
%include "guest.inc"

%define KBD_DATA        0x60
%define KBD_STATUS      0x64

    TEST_START
.flush:                         ; drop anything queued since reset
    in al, KBD_STATUS
    test al, 1
    jz .flushed
    in al, KBD_DATA
    jmp .flush
.flushed:
    in al, KBD_STATUS           ; wait until the input buffer is empty
    test al, 2
    jnz .flushed
    mov al, 0xf4                ; enable scanning
    out KBD_DATA, al
    call wait_ack
    mov al, 0xa8                ; enable the aux (mouse) port
    out KBD_STATUS, al
    call wait_ibe
    mov al, 0xd4                ; next data byte to the mouse
    out KBD_STATUS, al
    call wait_ibe
    mov al, 0xf4                ; enable reporting
    out KBD_DATA, al
    call wait_ack
    PUTS `READY\n`
.loop:
    in al, KBD_STATUS
    test al, 1
    jz .loop
    mov cl, al
    in al, KBD_DATA
    mov bl, al
    test cl, 0x20
    jz .key
    PUTS `M:`
    jmp .hex
.key:
    PUTS `K:`
.hex:
    mov al, bl
    shr al, 4
    call hexdigit
    mov al, bl
    call hexdigit
    PUTS `\n`
    jmp .loop

wait_ibe:                       ; wait until the 8042 input buffer is empty
    in al, KBD_STATUS
    test al, 2
    jnz wait_ibe
    ret

wait_ack:                       ; wait for the ACK (FA) of a device command
    in al, KBD_STATUS
    test al, 1
    jz wait_ack
    in al, KBD_DATA
    cmp al, 0xfa
    jne wait_ack
    ret

hexdigit:                       ; print the low nibble of AL in hex
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'A' - '9' - 1
.out:
    out DEBUGCON_PORT, al
    ret

    TEST_END
