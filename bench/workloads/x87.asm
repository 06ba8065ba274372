; SPDX-License-Identifier: MIT
; x87 arithmetic, 32-bit protected mode (-cpu qemu64): fld/fmul/fadd/fdiv/
; fsqrt/fstp over an 8-element double array, iterated towards a fixed point.
%include "guest.inc"

%define ARR 0x20000

    TEST_START
    GO_PM32
    mov eax, cr0
    and eax, ~0x4               ; EM = 0
    or eax, 0x22                ; MP, NE
    mov cr0, eax
    finit
    mov edi, ARR
    mov ecx, 8
.init:
    fld1
    fstp qword [edi]
    add edi, 8
    loop .init
    mov ecx, 1200000            ; passes over the array
.loop:
    xor esi, esi
.elem:
    fld qword [ARR + esi * 8]
    fmul qword [k_mul + 0xf0000]
    fadd qword [k_add + 0xf0000]
    fdiv qword [k_div + 0xf0000]
    fsqrt
    fstp qword [ARR + esi * 8]
    inc esi
    cmp esi, 8
    jb .elem
    dec ecx
    jnz .loop
    ; x = sqrt((3x + 1) / 2) converges to 2
    fld qword [ARR]
    fistp dword [0x700]
    CHECK_EQ dword [0x700], 2, "x87 fixed point"
    PASS

align 8
k_mul: dq 3.0
k_add: dq 1.0
k_div: dq 2.0

    TEST_END
