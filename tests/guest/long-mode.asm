; SPDX-License-Identifier: MIT
; Long mode: entry from real mode (PAE, 4-level tables, EFER.LME, CR0.PG,
; far jump to a 64-bit code segment), 4-level page faults with CR2 and
; error codes (not present, write to read-only, NX fetch), a high-half
; alias, #GP for a non-canonical address, FS/GS bases and SWAPGS, SYSRET
; to CPL 3, INT 0x80 through a DPL 3 gate onto RSP0 of the 64-bit TSS and
; IRETQ back, SYSCALL round trip. Runs with -cpu qemu64.
%include "guest.inc"
%include "long64.inc"

%define PML4    0x20000
%define PDPT    0x21000
%define PD      0x22000
%define PT      0x23000
%define IDT     0x24000
%define TSS     0x25000
%define V_CR2   0x600
%define V_ERR   0x608
%define V_COUNT 0x610
%define V_RESUME 0x618
%define V_GP    0x620
%define V_INT80 0x628
%define MSR_EFER  0xc0000080
%define MSR_STAR  0xc0000081
%define MSR_LSTAR 0xc0000082
%define MSR_FMASK 0xc0000084
%define MSR_FS_BASE 0xc0000100
%define MSR_GS_BASE 0xc0000101
%define MSR_KGS_BASE 0xc0000102

    TEST_START
    GO_PM32
    mov eax, 0x80000001
    cpuid
    bt edx, 29
    jc .has_lm
    FAIL "CPUID reports no long mode"
.has_lm:
    ; tables: identity map 0-2 MiB with 4 KiB pages, 2-4 MiB with a
    ; 2 MiB page, and the same PDPT again at PML4[511] (high half)
    mov edi, PML4
    xor eax, eax
    mov ecx, 0x6000 / 4
    rep stosd
    mov dword [PML4], PDPT | 7
    mov dword [PML4 + 511 * 8], PDPT | 3
    mov dword [PDPT], PD | 7
    mov dword [PD], PT | 7
    mov dword [PD + 8], 0x200000 | 0x87
    mov edi, PT
    mov eax, 7
    mov ecx, 512
.fill:
    mov [edi], eax
    add edi, 8
    add eax, 0x1000
    loop .fill
    mov dword [PT + 0x1ff * 8], 0                   ; not present
    mov dword [PT + 0x1fe * 8], 0x1fe000 | 5        ; read-only
    mov dword [PT + 0x1fd * 8 + 4], 0x80000000      ; NX
    mov byte [0x1fd000], 0xc3                       ; RET there

    lgdt [gdt64_desc + 0xf0000]
    mov eax, cr4
    or eax, 0x20                                    ; PAE
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, 0x901                                   ; NXE, LME, SCE
    wrmsr
    mov eax, cr0
    or eax, 0x80010000                              ; PG, WP
    mov cr0, eax
    mov ecx, MSR_EFER                               ; compatibility mode
    rdmsr
    bt eax, 10
    jc .lma
    FAIL "EFER.LMA after CR0.PG"
.lma:
    jmp 0x18:(lm64 + 0xf0000)

bits 64
lm64:
    mov ax, 0x20
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, 0x7c00
    PUTS64 `64-bit mode\n`
    mov rax, 0x123456789
    mov rbx, rax
    shl rbx, 4
    CHECK64 rbx, [rel k1234], "64-bit register arithmetic"

    ; IDT: #GP, #PF, INT 0x80 (DPL 3); TSS RSP0
    lea rax, [rel gp64]
    mov edi, IDT + 13 * 16
    mov edx, 0x8e00
    call set_gate
    lea rax, [rel pf64]
    mov edi, IDT + 14 * 16
    call set_gate
    lea rax, [rel int80]
    mov edi, IDT + 0x80 * 16
    mov edx, 0xee00
    call set_gate
    lidt [rel idt_desc]
    mov qword [TSS + 4], 0x6000                     ; RSP0
    mov ax, 0x40
    ltr ax

    ; 1. read of a not-present page
    RESUME_AT .r1
    mov rax, [0x1ff010]
.r1:
    CHECK64 qword [V_CR2], 0x1ff010, "CR2 of a not-present read"
    CHECK64 qword [V_ERR], 0, "error code of a not-present read"
    ; 2. write to a read-only page (CR0.WP)
    RESUME_AT .r2
    mov qword [0x1fe008], 1
.r2:
    CHECK64 qword [V_CR2], 0x1fe008, "CR2 of a read-only write"
    CHECK64 qword [V_ERR], 3, "error code of a read-only write"
    ; 3. fetch from an NX page
    RESUME_AT .r3
    mov eax, 0x1fd000
    call rax
.r3:
    CHECK64 qword [V_CR2], 0x1fd000, "CR2 of an NX fetch"
    CHECK64 qword [V_ERR], 0x11, "error code of an NX fetch"
    CHECK64 dword [V_COUNT], 3, "three page faults"
    mov rsp, 0x7c00
    ; 4. the high-half alias and a 2 MiB page
    mov dword [0x7000], 0x5a5aa5a5
    mov rax, 0xffffff8000007000
    CHECK64 dword [rax], 0x5a5aa5a5, "high-half alias"
    mov dword [0x345678], 0x77
    CHECK64 dword [0x345678], 0x77, "2 MiB page"
    ; 5. a non-canonical address
    RESUME_AT .r5
    mov rax, 0x0000800000000000
    mov rax, [rax]
.r5:
    CHECK64 dword [V_GP], 1, "#GP for a non-canonical address"

    ; 6. FS/GS bases, SWAPGS
    mov ecx, MSR_FS_BASE
    mov eax, 0x7000
    xor edx, edx
    wrmsr
    CHECK64 dword [fs:0], 0x5a5aa5a5, "FS base"
    mov ecx, MSR_GS_BASE
    mov eax, 0x1000
    wrmsr
    mov ecx, MSR_KGS_BASE
    mov eax, 0x7000
    wrmsr
    swapgs
    CHECK64 dword [gs:0], 0x5a5aa5a5, "GS base after SWAPGS"
    mov ecx, MSR_KGS_BASE
    rdmsr
    CHECK64 eax, 0x1000, "KERNEL_GS_BASE after SWAPGS"

    ; 7. SYSRET to CPL 3, INT 0x80 and back, SYSCALL home
    mov ecx, MSR_STAR
    xor eax, eax
    mov edx, 0x00280018                             ; SYSRET 0x28, SYSCALL 0x18
    wrmsr
    mov ecx, MSR_LSTAR
    lea rax, [rel syscall_entry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, MSR_FMASK
    mov eax, 0x400                                  ; DF
    xor edx, edx
    wrmsr
    lea rcx, [rel user]
    mov r11, 0x402                                  ; DF set in user mode
    mov rsp, 0x9000
    o64 sysret

user:                                               ; CPL 3
    mov ax, cs
    cmp ax, 0x3b
    jne .bad
    mov ax, ss
    cmp ax, 0x33
    jne .bad
    int 0x80
    cmp rsp, 0x9000
    jne .bad
    push 0x402
    popfq
    mov rax, 42
    syscall
.bad:
    ud2                                             ; no handler: fails

syscall_entry:                                      ; CPL 0 again
    CHECK64 rax, 42, "RAX through SYSCALL"
    lea rbx, [rel user.bad]
    CHECK64 rcx, rbx, "RCX = return RIP after SYSCALL"
    CHECK64 r11, 0x402, "R11 = user RFLAGS after SYSCALL"
    mov ax, cs
    CHECK64 ax, 0x18, "CS after SYSCALL"
    mov ax, ss
    CHECK64 ax, 0x20, "SS after SYSCALL"
    pushfq
    pop rax
    test eax, 0x400
    jz .df_ok
    FAIL64 "FMASK did not clear DF"
.df_ok:
    CHECK64 dword [V_INT80], 1, "INT 0x80 from CPL 3"
    mov ax, 0x20
    mov ss, ax
    mov rsp, 0x7c00
    PASS64

pf64:
    push rax
    mov rax, cr2
    mov [V_CR2], rax
    mov rax, [rsp + 8]
    mov [V_ERR], rax
    inc dword [V_COUNT]
    mov rax, [V_RESUME]
    mov [rsp + 16], rax
    pop rax
    add rsp, 8
    iretq

gp64:
    push rax
    inc dword [V_GP]
    mov rax, [V_RESUME]
    mov [rsp + 16], rax
    pop rax
    add rsp, 8
    iretq

int80:                                              ; RSP0 stack, CPL 0
    cmp qword [rsp + 8], 0x3b                       ; CS
    jne .bad
    cmp qword [rsp + 24], 0x9000                    ; RSP
    jne .bad
    cmp qword [rsp + 32], 0x33                      ; SS
    jne .bad
    cmp rsp, 0x6000 - 40
    jne .bad
    mov dword [V_INT80], 1
.bad:
    iretq

set_gate:                       ; RAX handler, EDI gate, DX type/attr
    mov [rdi], ax
    mov word [rdi + 2], 0x18
    mov [rdi + 4], dx
    shr rax, 16
    mov [rdi + 6], ax
    shr rax, 16
    mov [rdi + 8], eax
    mov dword [rdi + 12], 0
    ret

    PUTS64_ROUTINE

align 8
k1234: dq 0x1234567890
gdt64:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: code, 32-bit
    dq 0x00cf92000000ffff       ; 0x10: data
    dq 0x00af9a000000ffff       ; 0x18: code, 64-bit, DPL 0
    dq 0x00cf92000000ffff       ; 0x20: data, DPL 0
    dq 0x00cffa000000ffff       ; 0x28: code, 32-bit, DPL 3
    dq 0x00cff2000000ffff       ; 0x30: data, DPL 3
    dq 0x00affa000000ffff       ; 0x38: code, 64-bit, DPL 3
    dq 0x0000890250000067       ; 0x40: 64-bit TSS at 0x25000
    dq 0
gdt64_end:
gdt64_desc:
    dw gdt64_end - gdt64 - 1
    dd gdt64 + 0xf0000
idt_desc:
    dw 256 * 16 - 1
    dq IDT

    TEST_END
