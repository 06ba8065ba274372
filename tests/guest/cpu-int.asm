; SPDX-License-Identifier: MIT
; Integer instructions in real mode and 32-bit protected mode: arithmetic
; flags, multiply/divide, shifts and rotates, bit operations, BCD,
; conditional moves and sets, LOOP, stack frames, 16-bit wrap-around.
%include "guest.inc"

    TEST_START
    ; --- real mode, 16-bit operands
    mov ax, 0xffff
    add ax, 1
    CHECK_FLAGS 0x8d5, 0x55, "add 0xffff+1 flags"
    mov ax, 0x8000
    sub ax, 1
    CHECK_FLAGS 0x8d5, 0x814, "sub 0x8000-1 flags"
    stc
    mov ax, 5
    adc ax, 5
    CHECK_EQ ax, 11, "adc with carry"
    mov ax, 300
    mov bl, 7
    div bl                      ; al = 42, ah = 6
    CHECK_EQ ax, 0x062a, "div r8"
    mov ax, -7
    cwd
    mov cx, 2
    idiv cx                     ; ax = -3, dx = -1
    CHECK_EQ ax, -3, "idiv quotient"
    CHECK_EQ dx, -1, "idiv remainder"
    mov al, 0x38
    add al, 0x45
    daa
    CHECK_EQ al, 0x83, "daa"
    mov ax, 0x0109
    aad 10
    CHECK_EQ ax, 19, "aad"
    aam 10
    CHECK_EQ ax, 0x0109, "aam"
    mov cx, 10
    xor ax, ax
.sum:
    add ax, cx
    loop .sum
    CHECK_EQ ax, 55, "loop sum"
    mov bx, 0xfffe
    mov word [0x600], 0x1234
    mov si, 0x602
    mov ax, [si + bx]           ; 16-bit address wraps to 0x600
    CHECK_EQ ax, 0x1234, "16-bit effective address wrap"
    push word 0xabcd
    push word 0x1111
    pop ax
    pop bx
    CHECK_EQ bx, 0xabcd, "push/pop order"
    push word 1
    push word 2
    call near_ret_imm
    CHECK_EQ sp, STACK_TOP, "ret imm16 releases the arguments"

    GO_PM32
    ; --- 32-bit protected mode
    mov eax, 0x7fffffff
    inc eax
    CHECK_FLAGS 0x8d4, 0x894, "inc overflow flags"
    mov eax, 0x12345678
    mov ecx, 0x9abcdef0
    mul ecx
    CHECK_FLAGS 0x801, 0x801, "mul sets CF/OF"
    CHECK_EQ edx, 0x0b00ea4e, "mul high"
    CHECK_EQ eax, 0x242d2080, "mul low"
    mov eax, -5
    imul eax, eax, 7
    CHECK_EQ eax, -35, "imul 3 operands"
    mov eax, 0x80000001
    rol eax, 1
    CHECK_FLAGS 0x801, 0x801, "rol CF/OF"
    CHECK_EQ eax, 3, "rol"
    mov eax, 0x12345678
    mov edx, 0x9abcdef0
    shld eax, edx, 8
    CHECK_EQ eax, 0x3456789a, "shld"
    mov cl, 36                  ; masked to 4
    mov eax, 0xf0
    shr eax, cl
    CHECK_EQ eax, 0x0f, "shr masks the count"
    stc
    mov al, 0x81
    rcr al, 1
    CHECK_EQ al, 0xc0, "rcr through carry"
    mov eax, 0x00f00000
    bsr ecx, eax
    CHECK_EQ ecx, 23, "bsr"
    bsf ecx, eax
    CHECK_EQ ecx, 20, "bsf"
    mov dword [0x700], 0
    mov eax, 65
    bts [0x700], eax            ; bit 1 of the dword at 0x708
    CHECK_EQ dword [0x708], 2, "bts memory with a large offset"
    mov eax, 0x11223344
    bswap eax
    CHECK_EQ eax, 0x44332211, "bswap"
    mov eax, 3
    mov ebx, 5
    cmp eax, ebx
    cmovl eax, ebx
    CHECK_EQ eax, 5, "cmovl"
    cmp ebx, 4
    setg cl
    CHECK_EQ cl, 1, "setg"
    mov eax, 10
    mov ecx, 20
    lock xadd [0x710], eax      ; [0x710] is 0
    mov dword [0x710], 7
    mov eax, 7
    mov edx, 9
    cmpxchg [0x710], edx
    CHECK_EQ dword [0x710], 9, "cmpxchg stores on match"
    mov ebp, 0x7000
    enter 8, 0
    CHECK_EQ ebp, STACK_TOP - 4, "enter frame"
    leave
    CHECK_EQ ebp, 0x7000, "leave"
    PASS

bits 16
near_ret_imm:
    ret 4
    TEST_END
