; SPDX-License-Identifier: MIT
; A boot sector for tests/functional/test-boot-media.py: loaded by the
; BIOS from a floppy, a hard disk or (El Torito, no emulation) a CD-ROM,
; it reads its second sector through INT 13h (proving the BIOS can read
; the medium beyond the boot sector), prints "BOOT OK drive=XX" and the
; marker found there on the debug console (port 0xE9), then leaves
; through isa-debug-exit (port 0xF4, value 0: exit status 1).
; Build: nasm -f bin -o boot.bin boot.asm (1024 bytes: two sectors).
    bits 16
    org 0x7c00

start:
    jmp 0:.norm                 ; El Torito may enter at 07C0:0000
.norm:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    mov [drive], dl
    mov si, msg_boot
    call puts
    mov al, [drive]
    call puthex
    ; read sector 2 (CHS 0/0/2 or the next 512 bytes of the CD image)
    cmp byte [drive], 0xe0
    jae .cd
    mov ax, 0x0201
    mov bx, 0x7e00
    mov cx, 0x0002
    xor dh, dh
    mov dl, [drive]
    int 0x13
    jc .fail
    jmp .check
.cd:
    ; no emulation: the BIOS loaded 4 x 512 bytes, sector 2 is there
.check:
    cmp word [0x7e00], 'S2'
    jne .fail
    mov si, msg_s2
    call puts
    jmp .exit
.fail:
    mov si, msg_fail
    call puts
.exit:
    mov al, 0
    out 0xf4, al
.hang:
    hlt
    jmp .hang

puts:
    lodsb
    test al, al
    jz .done
    out 0xe9, al
    jmp puts
.done:
    ret

puthex:                         ; AL as two hex digits
    push ax
    shr al, 4
    call .nib
    pop ax
.nib:
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '0' - 10
.out:
    out 0xe9, al
    ret

msg_boot: db "BOOT OK drive=", 0
msg_s2:   db " sector2=S2", 10, 0
msg_fail: db " sector2 read FAILED", 10, 0
drive:    db 0

    times 510 - ($ - $$) db 0
    dw 0xaa55
sector2:
    db "S2"
    times 1024 - ($ - $$) db 0
