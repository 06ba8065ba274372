; SPDX-License-Identifier: MIT
; SSE state: CR0.TS gives #NM and a lazy FPU switch in the #NM handler
; (CLTS, FXSAVE the old context, FXRSTOR the new one, IRET re-runs the
; instruction); the FXSAVE image layout (FCW, FSW, FTW, MXCSR,
; MXCSR_MASK, XMM slots); a masked divide by zero. Runs with -cpu qemu64
; (SSE2), in 32-bit protected mode. Left out because QEMU 7.2 raises
; neither (docs/deviations.md): #XM for an unmasked exception (checked by
; test-translate-sse), #GP for FXRSTOR of a reserved MXCSR bit.
%include "guest.inc"

%define IDT     0x12000
%define AREA_A  0x13000                 ; FXSAVE images (16-byte aligned)
%define AREA_B  0x13200
%define V_NM    0x600

    TEST_START
    GO_PM32
    SET_GATE 7, nm_handler
    lidt [idt_desc + 0xf0000]
    mov eax, cr4
    or eax, 0x600                       ; OSFXSR, OSXMMEXCPT
    mov cr4, eax
    mov eax, cr0
    and eax, ~0x4                       ; EM off
    or eax, 0x2                         ; MP
    mov cr0, eax

    ; context B: xmm1 = pattern B, saved to AREA_B
    fninit
    movdqu xmm1, [pat_b + 0xf0000]
    fxsave [AREA_B]
    ; FXSAVE layout after FNINIT
    CHECK_EQ word [AREA_B + 0], 0x037f, "FXSAVE FCW"
    CHECK_EQ word [AREA_B + 2], 0, "FXSAVE FSW"
    CHECK_EQ byte [AREA_B + 4], 0, "FXSAVE abridged FTW"
    CHECK_EQ dword [AREA_B + 24], 0x1f80, "FXSAVE MXCSR"
    CHECK_EQ dword [AREA_B + 28], 0xffff, "FXSAVE MXCSR_MASK"
    mov eax, [pat_b + 0xf0000 + 4]
    CHECK_EQ dword [AREA_B + 160 + 16 + 4], eax, "FXSAVE XMM1 slot"

    ; context A runs: xmm1 = pattern A; the switch to B is lazy
    movdqu xmm1, [pat_a + 0xf0000]
    mov eax, cr0
    or eax, 0x8                         ; TS
    mov cr0, eax
    movdqa xmm2, xmm1                   ; #NM: A saved, B restored
    CHECK_EQ dword [V_NM], 1, "one #NM"
    movd eax, xmm2
    CHECK_EQ eax, [pat_b + 0xf0000], "XMM2 from context B"
    mov eax, [pat_a + 0xf0000 + 12]
    CHECK_EQ dword [AREA_A + 160 + 16 + 12], eax, "context A saved"
    paddd xmm2, xmm2                    ; TS is clear now: no #NM
    CHECK_EQ dword [V_NM], 1, "no second #NM"

    ; 1.0 / 0.0 masked: +inf and MXCSR.ZE
    movss xmm3, [one + 0xf0000]
    xorps xmm4, xmm4
    divss xmm3, xmm4
    stmxcsr [0x700]
    CHECK_EQ dword [0x700], 0x1f84, "MXCSR.ZE after 1/0"
    movd eax, xmm3
    CHECK_EQ eax, 0x7f800000, "1/0 = +inf"
    PASS

nm_handler:
    clts
    fxsave [AREA_A]
    fxrstor [AREA_B]
    inc dword [V_NM]
    iretd

align 16
pat_a: dd 0x11111111, 0x22222222, 0x33333333, 0x44444444
pat_b: dd 0xaaaaaaaa, 0xbbbbbbbb, 0xcccccccc, 0xdddddddd
one: dd 0x3f800000
idt_desc:
    dw 256 * 8 - 1
    dd IDT

    TEST_END
