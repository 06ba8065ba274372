; SPDX-License-Identifier: MIT
; x87 exceptions: an unmasked divide by zero sets ZE and ES, and the
; next waiting instruction (FWAIT) raises #MF
; with CR0.NE; FNCLEX clears it. FNSTENV's tag word and TOP; FIST of
; 2.5 in the four rounding modes; FBSTP/FBLD round trip. (Stack faults
; are checked by test-translate-x87 only: QEMU 7.2 sets neither SF nor C1
; for them, docs/deviations.md.)
%include "guest.inc"

%define IDT     0x12000
%define V_MF    0x600
%define V_SW    0x604
%define ENV     0x700
%define SCRATCH 0x800

    TEST_START
    GO_PM32
    SET_GATE 16, mf_handler
    lidt [idt_desc + 0xf0000]
    mov eax, cr0
    and eax, ~0xc                       ; EM, TS off
    or eax, 0x22                        ; NE, MP
    mov cr0, eax

    ; 1. unmasked ZE: 1 / 0
    fninit
    mov word [SCRATCH], 0x037b          ; ZM clear
    fldcw [SCRATCH]
    fld1
    fldz
    fdivp st1, st0
    fnstsw ax
    and ax, 0x00bf                      ; ES, exception flags
    CHECK_EQ ax, 0x0084, "ZE and ES after 1/0"
    CHECK_EQ dword [V_MF], 0, "no #MF before FWAIT"
    fwait                               ; #MF here
    CHECK_EQ dword [V_MF], 1, "#MF on FWAIT"
    mov ax, [V_SW]
    and ax, 0x0084
    CHECK_EQ ax, 0x0084, "status seen by the #MF handler"

    ; 3. FNSTENV: TOP and the full tag word
    fninit
    fld1
    fldz
    fnstenv [ENV]
    CHECK_EQ word [ENV + 8], 0x1fff, "tag word: valid, zero, empty"
    mov ax, [ENV + 4]
    and ax, 0x3800
    CHECK_EQ ax, 0x3000, "TOP in the environment"

    ; 4. FIST of 2.5 by rounding mode: 2, 2, 3, 2
    fninit
    mov esi, 0
.rc:
    mov ax, si
    shl ax, 10
    or ax, 0x037f
    mov [SCRATCH], ax
    fldcw [SCRATCH]
    fld qword [two_half + 0xf0000]
    fistp dword [SCRATCH + 4]
    mov eax, [SCRATCH + 4]
    movzx edx, byte [rc_expect + 0xf0000 + esi]
    CHECK_EQ eax, edx, "FISTP of 2.5 by rounding mode"
    inc esi
    cmp esi, 4
    jb .rc

    ; 5. FBSTP / FBLD
    fninit
    fild dword [big + 0xf0000]
    fbstp [SCRATCH]
    CHECK_EQ dword [SCRATCH], 0x23456789, "FBSTP low digits"
    CHECK_EQ byte [SCRATCH + 9], 0x80, "FBSTP sign"
    fbld [SCRATCH]
    fistp dword [SCRATCH + 16]
    mov eax, [big + 0xf0000]
    CHECK_EQ [SCRATCH + 16], eax, "FBLD round trip"
    PASS

mf_handler:
    fnstsw [V_SW]
    fnclex
    inc dword [V_MF]
    iretd

align 8
two_half: dq 2.5
big: dd -123456789
rc_expect: db 2, 2, 3, 2
idt_desc:
    dw 256 * 8 - 1
    dd IDT

    TEST_END
