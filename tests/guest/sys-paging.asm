; SPDX-License-Identifier: MIT
; Paging: page faults with CR2 and error codes (not present read, write to
; a read-only page with CR0.WP), accessed and dirty bits, INVLPG after a
; PTE change, and a REP MOVSB interrupted by a page fault that resumes
; with ECX/EDI where the fault left them.
%include "guest.inc"

%define PD      0x10000
%define PT      0x11000
%define IDT     0x12000
%define V_CR2   0x600
%define V_ERR   0x604
%define V_ECX   0x608
%define V_EDI   0x60c
%define V_COUNT 0x610
%define PG_P    1
%define PG_RW   2
%define PG_A    0x20
%define PG_D    0x40

    TEST_START
    GO_PM32

    ; identity-map the first 4 MiB, then punch holes
    mov edi, PT
    mov eax, PG_P | PG_RW
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov dword [PT + 0x200 * 4], 0x200000            ; not present
    mov dword [PT + 0x201 * 4], 0x201000 | PG_P     ; read-only
    mov dword [PT + 0x203 * 4], 0x203000            ; not present
    mov dword [PD], PT | PG_P | PG_RW

    ; #PF gate
    SET_GATE 14, pf_handler
    lidt [idt_desc + 0xf0000]

    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80010000                              ; PG | WP
    mov cr0, eax

    ; 1. read of a not-present page
    mov eax, [0x200010]
    CHECK_EQ dword [V_CR2], 0x200010, "CR2 of a not-present read"
    CHECK_EQ dword [V_ERR], 0, "error code of a not-present read"
    CHECK_EQ dword [V_COUNT], 1, "one fault for the read"
    test dword [PT + 0x200 * 4], PG_A
    jnz .a_ok
    FAIL "accessed bit after the read"
.a_ok:
    test dword [PT + 0x200 * 4], PG_D
    jz .d_ok
    FAIL "dirty bit set by a read"
.d_ok:

    ; 2. supervisor write to a read-only page with CR0.WP
    mov dword [0x201008], 0x5a5a
    CHECK_EQ dword [V_CR2], 0x201008, "CR2 of a write to a read-only page"
    CHECK_EQ dword [V_ERR], 3, "error code of a protection write"
    CHECK_EQ dword [0x201008], 0x5a5a, "the write after the fix-up"
    test dword [PT + 0x201 * 4], PG_D
    jnz .d2_ok
    FAIL "dirty bit after the write"
.d2_ok:

    ; 3. INVLPG: remap a page and see the new frame only after it
    mov byte [0x100000], 0x11
    mov byte [0x101000], 0x22
    mov al, [0x204000]                  ; cache 0x204000 -> 0x204000
    mov dword [PT + 0x204 * 4], 0x100000 | PG_P | PG_RW
    invlpg [0x204000]
    CHECK_EQ byte [0x204000], 0x11, "new mapping after INVLPG"
    mov dword [PT + 0x204 * 4], 0x101000 | PG_P | PG_RW
    mov eax, cr3
    mov cr3, eax
    CHECK_EQ byte [0x204000], 0x22, "new mapping after a CR3 reload"

    ; 4. REP MOVSB running into a not-present page
    mov dword [V_COUNT], 0
    mov edi, 0x300000
    mov ecx, 0x20
    mov al, 0xa5
    rep stosb
    mov esi, 0x300000
    mov edi, 0x202ff0
    mov ecx, 0x20
    rep movsb
    CHECK_EQ dword [V_COUNT], 1, "one fault in REP MOVSB"
    CHECK_EQ dword [V_CR2], 0x203000, "CR2 in REP MOVSB"
    CHECK_EQ dword [V_ERR], 2, "error code in REP MOVSB"
    CHECK_EQ dword [V_ECX], 0x10, "ECX left at the fault"
    CHECK_EQ dword [V_EDI], 0x203000, "EDI left at the fault"
    CHECK_EQ ecx, 0, "ECX after REP MOVSB"
    CHECK_EQ edi, 0x203010, "EDI after REP MOVSB"
    CHECK_EQ dword [0x20300c], 0xa5a5a5a5, "bytes after the fault"
    PASS

pf_handler:
    push eax
    push ebx
    mov eax, cr2
    mov [V_CR2], eax
    mov ebx, [esp + 8]
    mov [V_ERR], ebx
    mov [V_ECX], ecx
    mov [V_EDI], edi
    inc dword [V_COUNT]
    shr eax, 12
    or dword [PT + eax * 4], PG_P | PG_RW
    mov eax, cr2
    invlpg [eax]
    pop ebx
    pop eax
    add esp, 4
    iretd

idt_desc:
    dw 0x7ff
    dd IDT

    TEST_END
