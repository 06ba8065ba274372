; SPDX-License-Identifier: MIT
; String instructions with REP/REPE/REPNE, both directions, 16- and 32-bit
; addressing, segment overrides, long copies that span many REP passes,
; and a REP string instruction interrupted by nothing but its own count.
%include "guest.inc"

    TEST_START
    ; --- real mode: copy 300 bytes 0x1000 -> 0x2000 via DS/ES bases
    mov ax, 0x100
    mov ds, ax
    mov ax, 0x200
    mov es, ax
    xor di, di
    mov cx, 300
    mov al, 0x5a
    rep stosb                   ; fill 0x2000.. for a known background
    xor si, si
    xor di, di
    mov cx, 300
.fill:
    mov [si], cl
    inc si
    loop .fill
    xor si, si
    mov cx, 150
    rep movsw
    CHECK_EQ di, 300, "rep movsw advances DI"
    CHECK_EQ cx, 0, "rep movsw counts CX down"
    xor si, si
    xor di, di
    mov cx, 300
    repe cmpsb
    CHECK_EQ cx, 0, "repe cmpsb over equal blocks"
    xor di, di                  ; the first 0 is at 44 (CX = 256)
    mov cx, 300
    xor al, al
    repne scasb
    CHECK_EQ di, 45, "repne scasb stops after the match"
    CHECK_EQ cx, 255, "repne scasb count"
    ; backwards, with an ES override on the source
    std
    mov si, 9
    mov di, 19
    mov cx, 10
    es rep movsb                ; es:[9..0] -> es:[19..10]
    cld
    CHECK_EQ si, 0xffff, "std: SI decrements and wraps"
    mov al, [es:10]
    CHECK_EQ al, [es:0], "es override on movs"
    xor ax, ax
    mov ds, ax
    mov es, ax

    GO_PM32
    ; --- 32-bit: 64 KiB copy (many REP passes), then lodsd/stosd
    mov esi, 0x100000
    mov edi, 0x200000
    mov ecx, 0x4000
    mov eax, 0x01020304
.pat:
    mov [esi + ecx * 4 - 4], eax
    add eax, 0x01010101
    loop .pat
    mov ecx, 0x4000
    rep movsd
    CHECK_EQ edi, 0x210000, "rep movsd 64K"
    mov eax, [0x200000 + 0x1234 * 4]
    CHECK_EQ eax, [0x100000 + 0x1234 * 4], "rep movsd data"
    mov esi, 0x200000
    lodsd
    CHECK_EQ esi, 0x200004, "lodsd"
    mov edi, 0x300000
    stosd
    CHECK_EQ dword [0x300000], eax, "stosd"
    ; REP with ECX = 0 does nothing
    xor ecx, ecx
    mov edi, 0x300000
    rep stosb
    CHECK_EQ edi, 0x300000, "rep with ecx=0"
    ; a 16-bit address size prefix uses SI/DI/CX
    mov esi, 0xabcd0000
    mov edi, 0xabcd0010
    mov ecx, 0x12340002
    a16 rep movsb
    CHECK_EQ ecx, 0x12340000, "a16 rep uses CX"
    CHECK_EQ edi, 0xabcd0012, "a16 rep uses DI"
    PASS
    TEST_END
