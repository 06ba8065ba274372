; SPDX-License-Identifier: MIT
; Real-mode workload: a 16-bit loop with segment arithmetic and string
; instructions, as DOS programs run.
%include "guest.inc"

    TEST_START
    mov ax, 0x1000
    mov es, ax
    mov dx, 10000               ; outer iterations
.outer:
    mov cx, 0x8000
    xor di, di
    mov ax, dx
    rep stosw                   ; fill 64 KiB at 1000:0000
    mov bx, 0
    mov cx, 0x4000
.inner:
    add ax, [es:bx]
    adc ax, 0
    xor ax, bx
    add bx, 2
    loop .inner
    dec dx
    jnz .outer
    PUTS `done\n`
    PASS
    TEST_END
