; SPDX-License-Identifier: MIT
; Integer workload, 32-bit protected mode: a mix of ALU ops, a table walk
; and a CRC-style loop, about 3 billion guest instructions.
%include "guest.inc"

    TEST_START
    GO_PM32
    xor eax, eax
    mov ebx, 0x12345678
    mov edi, 0x10000            ; a 4 KiB table in RAM
    mov ecx, 200000000          ; iterations
.loop:
    add eax, ebx
    rol ebx, 5
    xor ebx, eax
    mov edx, eax
    and edx, 0x3fc
    mov esi, [edi + edx]
    add esi, ecx
    mov [edi + edx], esi
    test eax, 1
    jz .even
    shr eax, 1
    xor eax, 0xedb88320
    jmp .next
.even:
    shr eax, 1
.next:
    dec ecx
    jnz .loop
    PUTS `done\n`
    PASS
    TEST_END
