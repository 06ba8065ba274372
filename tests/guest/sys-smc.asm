; SPDX-License-Identifier: MIT
; Self-modifying code in RAM: a store that patches the next instruction
; of the running block, a loop that patches its own body (the block is
; retranslated on the next iteration), and in protected mode a REP STOSB
; that overwrites the instruction right after it.
%include "guest.inc"

%define RUN 0x2000              ; where the snippets run (linear, DS = 0)
%define AT(l) (RUN + (l) - smc16)

    TEST_START
    ; copy the 16-bit snippet to RAM and run it at 0000:RUN
    push cs
    pop ds
    mov si, smc16
    xor ax, ax
    mov es, ax
    mov di, RUN
    mov cx, smc16_end - smc16
    rep movsb
    xor ax, ax
    mov ds, ax
    jmp 0:RUN
smc16_back:
    CHECK_EQ al, 0x42, "patched next instruction"
    CHECK_EQ bx, 11, "loop patching its own body"

    GO_PM32
    mov esi, smc32 + 0xf0000
    mov edi, 0x3000
    mov ecx, smc32_end - smc32
    rep movsb
    mov eax, 0x3000
    call eax
    CHECK_EQ eax, 0x90, "code ahead overwritten by REP STOSB"
    PASS

bits 16
smc16:
    mov byte [AT(.imm)], 0x42
    db 0xb0                     ; mov al, imm8
.imm:
    db 0x00
    xor bx, bx
    mov cx, 3
.loop:
    add bx, byte 1
.addimm equ $ - 1
    mov byte [AT(.addimm)], 5
    loop .loop
    jmp 0xf000:smc16_back
smc16_end:

bits 32
smc32:
    mov edi, 0x3000 + (.tail - smc32)
    mov ecx, .tail_end - .tail
    mov eax, 0x90               ; NOP over the MOV EAX, 1 just ahead
    cld
    rep stosb
.tail:
    mov eax, 1
.tail_end:
    ret
smc32_end:

    TEST_END
