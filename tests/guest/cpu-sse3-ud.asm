; SPDX-License-Identifier: MIT
; A model without SSE3 (run with -cpu pentium3: SSE, no SSE3): every
; SSE3 instruction raises #UD with SSE enabled, FISTTP, MONITOR and MWAIT
; too (QEMU 7.2 runs FISTTP: docs/deviations.md).
%include "guest.inc"
%include "sse3.inc"

    TEST_START
    SSE3_SETUP
    mov eax, 1
    cpuid
    test cl, 1
    jz .no_sse3
    FAIL "CPUID.1:ECX.SSE3 set"
.no_sse3:
    TRY 0, "sse addps", addps xmm0, [DATA]
    TRY 1, "haddps", haddps xmm0, [DATA]
    TRY 1, "haddpd", haddpd xmm0, xmm1
    TRY 1, "hsubps", hsubps xmm0, xmm1
    TRY 1, "hsubpd", hsubpd xmm0, [DATA]
    TRY 1, "addsubps", addsubps xmm0, xmm1
    TRY 1, "addsubpd", addsubpd xmm0, [DATA]
    TRY 1, "movshdup", movshdup xmm0, xmm1
    TRY 1, "movsldup", movsldup xmm0, [DATA]
    TRY 1, "movddup", movddup xmm0, xmm1
    TRY 1, "lddqu", lddqu xmm0, [DATA]
    in al, DEBUGCON_PORT
    cmp al, REF_READBACK
    jne .fisttp
    PUTS `QEMU 7.2 runs FISTTP without SSE3: not checked\n`
    jmp .monitor
.fisttp:
    fld1
    TRY 1, "fisttp m16", fisttp word [DATA + 0x20]
    TRY 1, "fisttp m32", fisttp dword [DATA + 0x20]
    TRY 1, "fisttp m64", fisttp qword [DATA + 0x20]
.monitor:
    mov ax, DATA
    xor ecx, ecx
    xor edx, edx
    TRY 1, "monitor", monitor
    TRY 1, "mwait", mwait
    PASS
    TEST_END
