; SPDX-License-Identifier: MIT
; Keyboard echo guest for the display tests (tests/functional/test-display-*):
; enables scanning on the PS/2 keyboard behind the 8042, prints READY, then
; prints every byte the keyboard sends as "K:XX" (hex, scancode set 2 as
; the 8042 passes it untranslated after reset) on the debug console (port
; 0xE9). It never exits: the test kills the emulator.
; Ref: 8042 status bits (OBF bit 0, IBF bit 1); PS/2 command F4 (enable).
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
.ack:
    in al, KBD_STATUS
    test al, 1
    jz .ack
    in al, KBD_DATA
    cmp al, 0xfa
    jne .ack
    PUTS `READY\n`
.loop:
    in al, KBD_STATUS
    test al, 1
    jz .loop
    in al, KBD_DATA
    mov bl, al
    PUTS `K:`
    mov al, bl
    shr al, 4
    call hexdigit
    mov al, bl
    call hexdigit
    PUTS `\n`
    jmp .loop

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
