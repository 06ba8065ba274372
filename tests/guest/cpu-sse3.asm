; SPDX-License-Identifier: MIT
; SSE3 on the default model (qemu64): CPUID.1:ECX.SSE3 is set and the
; instructions run (HADDPS, ADDSUBPS, MOVSHDUP, MOVSLDUP, MOVDDUP,
; unaligned LDDQU, FISTTP truncating); MONITOR and MWAIT raise #UD, as
; CPUID.1:ECX.MONITOR is clear (as in QEMU's qemu64). tests/diff/diff-run
; compares the arithmetic with the host CPU bit for bit.
%include "guest.inc"
%include "sse3.inc"

    TEST_START
    SSE3_SETUP
    mov eax, 1
    cpuid
    test cl, 1
    jnz .has_sse3
    FAIL "CPUID.1:ECX.SSE3 clear"
.has_sse3:
    test cl, 8
    jz .no_monitor
    FAIL "CPUID.1:ECX.MONITOR set"
.no_monitor:
    movaps xmm0, [DATA]                 ; 1 2 3 4
    movaps xmm1, xmm0
    TRY 0, "haddps", haddps xmm1, xmm0  ; 3 7 3 7
    movups [DATA + 0x20], xmm1
    CHECK_EQ dword [DATA + 0x20], 0x40400000, "haddps lane 0"
    CHECK_EQ dword [DATA + 0x24], 0x40e00000, "haddps lane 1"
    movaps xmm1, xmm0
    TRY 0, "addsubps", addsubps xmm1, [DATA]    ; 0 4 0 8
    movups [DATA + 0x20], xmm1
    CHECK_EQ dword [DATA + 0x20], 0, "addsubps lane 0"
    CHECK_EQ dword [DATA + 0x24], 0x40800000, "addsubps lane 1"
    CHECK_EQ dword [DATA + 0x2c], 0x41000000, "addsubps lane 3"
    TRY 0, "movshdup", movshdup xmm2, xmm0      ; 2 2 4 4
    movups [DATA + 0x20], xmm2
    CHECK_EQ dword [DATA + 0x20], 0x40000000, "movshdup lane 0"
    CHECK_EQ dword [DATA + 0x28], 0x40800000, "movshdup lane 2"
    TRY 0, "movsldup", movsldup xmm2, [DATA]    ; 1 1 3 3
    movups [DATA + 0x20], xmm2
    CHECK_EQ dword [DATA + 0x24], 0x3f800000, "movsldup lane 1"
    CHECK_EQ dword [DATA + 0x2c], 0x40400000, "movsldup lane 3"
    TRY 0, "movddup", movddup xmm3, [DATA + 8]  ; 3 4 3 4
    movups [DATA + 0x20], xmm3
    CHECK_EQ dword [DATA + 0x28], 0x40400000, "movddup lane 2"
    CHECK_EQ dword [DATA + 0x2c], 0x40800000, "movddup lane 3"
    TRY 0, "lddqu", lddqu xmm4, [DATA + 4]      ; unaligned: 2 3 4 x
    movups [DATA + 0x20], xmm4
    CHECK_EQ dword [DATA + 0x20], 0x40000000, "lddqu lane 0"
    mov dword [DATA + 0x30], 0xc0300000  ; -2.75
    fld dword [DATA + 0x30]
    TRY 0, "fisttp", fisttp word [DATA + 0x34]
    CHECK_EQ word [DATA + 0x34], -2, "fisttp truncates"
    mov ax, DATA
    xor ecx, ecx
    xor edx, edx
    TRY 1, "monitor", monitor
    TRY 1, "mwait", mwait
    PASS
    TEST_END
