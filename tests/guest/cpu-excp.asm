; SPDX-License-Identifier: MIT
; Exceptions and software interrupts raised by integer instructions, in
; real mode through the IVT: the vector, and the saved IP (the faulting
; instruction for faults, the next one for traps and INT n), and that the
; registers the faulting instruction would have changed are intact.
%include "guest.inc"

%define VEC     0x502                   ; byte: vector the handler saw
%define SAVEDIP 0x504                   ; word: IP pushed by the CPU
%define RESUME  0x510                   ; word: where the handler returns

; EXC_CASE vector, is_trap, "what", {instruction}
%macro EXC_CASE 4
    mov word [RESUME], %%resume
    mov byte [VEC], 0xff
%%at:
    %4
%%resume:
    CHECK_EQ byte [VEC], %1, %3
%if %2
    CHECK_EQ word [SAVEDIP], %%resume, %3
%else
    CHECK_EQ word [SAVEDIP], %%at, %3
%endif
%endmacro

    TEST_START
    SET_VECTOR 0, handler_de
    SET_VECTOR 4, handler_of
    SET_VECTOR 5, handler_br
    SET_VECTOR 6, handler_ud
    SET_VECTOR 0x40, handler_40

    xor bl, bl
    mov ax, 0x1234
    EXC_CASE 0, 0, "div by zero: #DE at the div", {div bl}
    mov ax, 0x1234
    mov bl, 0x10
    EXC_CASE 0, 0, "div overflow: #DE", {div bl}
    mov ax, 0x8000
    cwd
    mov bx, -1
    EXC_CASE 0, 0, "idiv -32768/-1: #DE", {idiv bx}
    CHECK_EQ dx, 0xffff, "#DE leaves DX"
    EXC_CASE 0, 0, "aam 0: #DE", {aam 0}
    mov al, 0x7f
    add al, 1                   ; OF = 1
    EXC_CASE 4, 1, "into with OF: trap after", {into}
    mov word [0x600], 10
    mov word [0x602], 20
    mov ax, 21
    EXC_CASE 5, 0, "bound out of range: #BR", {bound ax, [0x600]}
    EXC_CASE 6, 0, "ud2: #UD", {ud2}
    EXC_CASE 0x40, 1, "int 0x40", {int 0x40}
    ; no exception: bound in range, into without OF
    mov byte [VEC], 0xff
    mov ax, 20
    bound ax, [0x600]
    xor al, al                  ; OF = 0
    into
    CHECK_EQ byte [VEC], 0xff, "no exception expected"
    PASS

handler_de:
    mov byte [VEC], 0
    jmp handler_common
handler_of:
    mov byte [VEC], 4
    jmp handler_common
handler_br:
    mov byte [VEC], 5
    jmp handler_common
handler_ud:
    mov byte [VEC], 6
    jmp handler_common
handler_40:
    mov byte [VEC], 0x40
handler_common:
    push bp
    mov bp, sp
    push ax
    mov ax, [bp + 2]
    mov [SAVEDIP], ax
    mov ax, [RESUME]
    mov [bp + 2], ax
    pop ax
    pop bp
    iret
    TEST_END
