; SPDX-License-Identifier: MIT
; A guest that counts until a key arrives, for the live accelerator switch
; (tests/kvm/nested-init.sh, "switch"): the monitor moves it between KVM
; and the TCG while it runs, so every piece of state it keeps must survive
; each move. In 32-bit protected mode with the PIT's IRQ 0 at 100 Hz through
; the 8259 and an IDT gate, it counts in EBX, in the x87 stack (ST0 += 1),
; and steps a linear congruential generator twice: in ESI with IMUL and
; in memory with MUL. Every 2^18 steps it checks that the three agree,
; prints "count N" on the debug console and polls the 8042: a key press
; (monitor sendkey) ends the loop; then it checks that timer ticks arrived.
; Runs on a 486 (-cpu 486): the 8259 drives INTR with no local APIC.
; Ref: Intel SDM Vol. 3A 6.11 (IDT gates); 8042 status bit 0 (OBF).
%include "guest.inc"

%define V_TICKS 0x600
%define V_LCG   0x604
%define V_FIST  0x608
%define IDT     0x12000
%define STEPS   (1 << 18)               ; steps between two count lines
%define LCG_A   1103515245
%define LCG_C   12345

    TEST_START
    ; 8259 master: vectors 0x20.., only IRQ 0 unmasked; slave masked
    mov al, 0x11
    out 0x20, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x01
    out 0x21, al
    mov al, 0xfe
    out 0x21, al
    mov al, 0xff
    out 0xa1, al
    ; 8254 channel 0: mode 2, 11932 -> 100 Hz
    mov al, 0x34
    out 0x43, al
    mov al, 11932 & 0xff
    out 0x40, al
    mov al, 11932 >> 8
    out 0x40, al

    GO_PM32
    mov dword [V_TICKS], 0
    mov eax, irq0 + 0xf0000
    mov [IDT + 0x20 * 8], ax
    mov word [IDT + 0x20 * 8 + 2], 0x08
    mov word [IDT + 0x20 * 8 + 4], 0x8e00
    shr eax, 16
    mov [IDT + 0x20 * 8 + 6], ax
    lidt [idt_desc + 0xf0000]

    fninit
    fldz                                ; ST0: the count as a float
    xor ebx, ebx                        ; EBX: the count
    mov esi, 1                          ; ESI: the LCG by IMUL
    mov dword [V_LCG], 1                ; [V_LCG]: the same by MUL
    xor ebp, ebp                        ; EBP: count lines printed
    sti

.step:
    inc ebx
    fld1
    faddp st1, st0
    imul esi, esi, LCG_A
    add esi, LCG_C
    mov eax, [V_LCG]
    mov ecx, LCG_A
    mul ecx
    add eax, LCG_C
    mov [V_LCG], eax
    cmp esi, eax
    jne .lcg_bad
    test ebx, STEPS - 1
    jnz .step

    fist dword [V_FIST]
    CHECK_EQ [V_FIST], ebx, "the x87 count follows EBX"
    inc ebp
    mov eax, ebx
    shr eax, 18
    CHECK_EQ eax, ebp, "EBX counts the steps"
    PUTS "count "
    mov eax, ebp
    call print_dec
    PUTS `\n`
    in al, 0x64
    test al, 1
    jz .step

    cli
    CHECK_GE dword [V_TICKS], 1, "timer ticks arrived while counting"
    PASS

.lcg_bad:
    FAIL "the two LCG copies agree"

irq0:
    push eax
    inc dword [V_TICKS]
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

print_dec:                              ; EAX in decimal on the debug console
    push eax
    push ecx
    push edx
    push edi
    mov edi, esp
    mov ecx, 10
.digit:
    xor edx, edx
    div ecx
    add dl, '0'
    dec esp
    mov [esp], dl
    test eax, eax
    jnz .digit
    mov dx, DEBUGCON_PORT
.out:
    mov al, [esp]
    out dx, al
    inc esp
    cmp esp, edi
    jne .out
    pop edi
    pop edx
    pop ecx
    pop eax
    ret

idt_desc:
    dw 0x7ff
    dd IDT

    TEST_END
