; SPDX-License-Identifier: MIT
; Paging: 2-level 4 KiB paging identity-mapping 64 MiB; touch (read and
; write back) every page from 1 MiB up, reload CR3 (flushing the TLB) and
; touch again, PASSES times: a TLB miss and page walk per page per pass.
%include "guest.inc"

%define PD      0x100000        ; page directory; 16 page tables follow
%define PT      0x101000
%define MEM_END 0x4000000       ; 64 MiB
%define PASSES  1500

    TEST_START
    GO_PM32
    ; page tables: 16384 PTEs, present | writable
    mov edi, PT
    mov eax, 0x3
    mov ecx, MEM_END / 4096
.pte:
    mov [edi], eax
    add edi, 4
    add eax, 4096
    loop .pte
    ; page directory: 16 PDEs, the rest not present
    mov edi, PD
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov edi, PD
    mov eax, PT | 0x3
    mov ecx, MEM_END / 0x400000
.pde:
    mov [edi], eax
    add edi, 4
    add eax, 4096
    loop .pde
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp .paged
.paged:
    mov edx, PASSES
    xor ebx, ebx
.pass:
    mov esi, 0x100000
.touch:
    mov eax, [esi]
    add ebx, eax
    mov [esi], eax
    add esi, 4096
    cmp esi, MEM_END
    jb .touch
    mov eax, cr3
    mov cr3, eax                ; flush the TLB
    dec edx
    jnz .pass
    CHECK_EQ dword [PD], PT | 0x23, "PDE 0 accessed, page tables intact"
    PASS

    TEST_END
