; SPDX-License-Identifier: MIT
; SSE2 packed double arithmetic, 32-bit protected mode (-cpu qemu64) with
; CR0.EM = 0, CR0.MP = 1, CR4.OSFXSR and OSXMMEXCPT: mulpd/addpd/divpd/
; sqrtpd over a 64-double array, iterated towards a fixed point.
%include "guest.inc"

%define ARR 0x20000
%define N   64                  ; doubles

    TEST_START
    GO_PM32
    mov eax, cr0
    and eax, ~0x4
    or eax, 0x22
    mov cr0, eax
    mov eax, cr4
    or eax, 0x600               ; OSFXSR | OSXMMEXCPT
    mov cr4, eax
    movapd xmm1, [k_mul + 0xf0000]
    movapd xmm2, [k_add + 0xf0000]
    movapd xmm3, [k_div + 0xf0000]
    movapd xmm0, xmm2           ; 1.0
    mov edi, ARR
    mov ecx, N / 2
.init:
    movapd [edi], xmm0
    add edi, 16
    loop .init
    mov ecx, 2000000            ; passes over the array
.loop:
    mov esi, ARR
.elem:
    movapd xmm0, [esi]
    mulpd xmm0, xmm1
    addpd xmm0, xmm2
    divpd xmm0, xmm3
    sqrtpd xmm0, xmm0
    movapd [esi], xmm0
    add esi, 16
    cmp esi, ARR + N * 8
    jb .elem
    dec ecx
    jnz .loop
    ; x = sqrt((3x + 1) / 2) converges to 2
    cvtsd2si eax, [ARR + N * 8 - 8]
    CHECK_EQ eax, 2, "SSE2 fixed point"
    PASS

align 16
k_mul: dq 3.0, 3.0
k_add: dq 1.0, 1.0
k_div: dq 2.0, 2.0

    TEST_END
