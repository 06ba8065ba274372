; SPDX-License-Identifier: MIT
; Self-modifying code: a loop in RAM that patches its own immediate
; operand every iteration, as legacy software does.
%include "guest.inc"

    TEST_START
    GO_PM32
    ; copy the loop body to RAM at 0x20000 and run it there
    mov esi, body + 0xf0000
    mov edi, 0x20000
    mov ecx, body_end - body
    rep movsb
    mov ecx, 1000000
    xor eax, eax
    mov edx, 0x20000
    call edx
    PUTS `done\n`
    PASS

body:
.again:
    add eax, 0x11111111         ; the immediate at .again + 1 is patched
    mov [0x20000 + 1], eax
    dec ecx
    jnz .again
    ret
body_end:
    TEST_END
