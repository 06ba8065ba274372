; SPDX-License-Identifier: MIT
; Boot sector for the VNC test (tests/functional/test-display-vnc.py):
; sets a Bochs VBE mode 1000x64x32 (a width that is not a multiple of the
; server's 16-pixel tiles), fills the first 16 rows with one colour through
; the 64 KiB bank window, waits for a key on the 8042, then fills them with
; another colour and halts. Ref: Bochs VBE (ports 0x1CE/0x1CF).
bits 16
org 0x7c00

%macro VBE 2
    mov ax, %1
    out dx, ax
    inc dx
    mov ax, %2
    out dx, ax
    dec dx
%endmacro

    cli
    cld
    xor ax, ax
    mov ds, ax
    mov dx, 0x1ce
    VBE 4, 0                    ; disable
    VBE 1, 1000                 ; xres
    VBE 2, 64                   ; yres
    VBE 3, 32                   ; bpp
    VBE 4, 1                    ; enable, banked
    VBE 5, 0                    ; bank 0 at A0000
.flush:
    in al, 0x64
    test al, 1
    jz .flushed
    in al, 0x60
    jmp .flush
.flushed:
    mov eax, 0x00204080
    call fill
.wait:
    in al, 0x64
    test al, 1
    jz .wait
    in al, 0x60
    mov eax, 0x00ffc000
    call fill
.halt:
    hlt
    jmp .halt

fill:                           ; 64 KiB of EAX at A000:0000
    mov bx, 0xa000
    mov es, bx
    xor di, di
    mov cx, 0x4000
    rep stosd
    ret

    times 510 - ($ - $$) db 0
    dw 0xaa55
