; SPDX-License-Identifier: MIT
; The guest test-accel-switch.py moves between the TCG and KVM while it
; runs (-cpu qemu64). In 64-bit long mode (kvm_pvm, the KVM this was
; written on, runs 4-level paging on the CPU but not 32-bit paging) it
; counts in RSI, folds each count into a checksum in RDI (RDI*31 + RSI),
; a sum in RBP, XMM0 (PADDQ of ones) and the x87 stack (ST0 += 1.0), and
; prints a dot every 4096 counts. When a key arrives (HMP sendkey) it
; stops and checks them against a recount from zero: state lost or
; garbled by a switch shows up as a mismatch.
%include "guest.inc"

%define PML4        0x20000
%define PDPT        0x21000
%define PD          0x22000
%define SCRATCH     0x600
%define CHUNK_MASK  0xfff
%define MSR_EFER    0xc0000080

%macro FAIL64 1
    mov dx, DEBUGCON_PORT
    lea rsi, [rel %%msg]
%%next:
    lodsb
    out dx, al
    test al, al
    jnz %%next
    mov al, 1
    out DEBUG_EXIT_PORT, al
    hlt
%%msg: db `FAIL: `, %1, `\n`, 0
%endmacro

%macro CHECK64 3
    cmp %1, %2
    je %%ok
    FAIL64 %3
%%ok:
%endmacro

    TEST_START
    mov al, 0xff                        ; mask the 8259s: with IF clear, a
    out 0x21, al                        ; pending IRQ would make Kestrel
    out 0xa1, al                        ; step KVM for an IRQ window
    GO_PM32
    mov edi, PML4                       ; identity map 0-4 MiB, 2 MiB pages
    xor eax, eax
    mov ecx, 0x3000 / 4
    rep stosd
    mov dword [PML4], PDPT | 3
    mov dword [PDPT], PD | 3
    mov dword [PD], 0x83
    mov dword [PD + 8], 0x200083
    lgdt [gdt64_desc + 0xf0000]
    mov eax, cr4
    or eax, 0x220                       ; PAE, OSFXSR
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, 0x100                       ; LME
    wrmsr
    mov eax, cr0
    or eax, 0x80000000
    and eax, ~0x60000004                ; PG on; EM, CD, NW off
    mov cr0, eax
    jmp 0x18:(lm64 + 0xf0000)

bits 64
lm64:
    mov ax, 0x20
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, 0x7c00
    mov al, 'c'
    out DEBUGCON_PORT, al
    mov al, 10
    out DEBUGCON_PORT, al

    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    pxor xmm0, xmm0
    mov eax, 1
    movq xmm1, rax
    fninit
    fld1                                ; ST1 = 1.0
    fldz                                ; ST0 = the count
count:
    imul rdi, rdi, 31
    add rdi, rsi
    add rbp, rsi
    paddq xmm0, xmm1
    fadd st0, st1
    inc rsi
    test esi, CHUNK_MASK
    jnz count
    mov al, '.'
    out DEBUGCON_PORT, al
    in al, 0x64                         ; 8042 status: output buffer full?
    test al, 1
    jz count
    in al, 0x60

    mov al, 10
    out DEBUGCON_PORT, al
    fistp qword [SCRATCH]
    CHECK64 [SCRATCH], rsi, "x87 count equals RSI"
    movq rax, xmm0
    CHECK64 rax, rsi, "XMM0 count equals RSI"
    xor ecx, ecx                        ; recount: RDX checksum, RBX sum
    xor edx, edx
    xor ebx, ebx
recount:
    imul rdx, rdx, 31
    add rdx, rcx
    add rbx, rcx
    inc rcx
    cmp rcx, rsi
    jne recount
    CHECK64 rdi, rdx, "checksum equals the recount"
    CHECK64 rbp, rbx, "sum equals the recount"
    mov dx, DEBUGCON_PORT
    mov al, 'P'
    out dx, al
    mov al, 'A'
    out dx, al
    mov al, 'S'
    out dx, al
    out dx, al
    mov al, 10
    out dx, al
    mov al, 0
    out DEBUG_EXIT_PORT, al
    hlt

align 8
gdt64:
    dq 0
    dq 0x00cf9a000000ffff               ; 0x08: code, 32-bit
    dq 0x00cf92000000ffff               ; 0x10: data
    dq 0x00af9a000000ffff               ; 0x18: code, 64-bit
    dq 0x00cf92000000ffff               ; 0x20: data
gdt64_end:
gdt64_desc:
    dw gdt64_end - gdt64 - 1
    dd gdt64 + 0xf0000

    TEST_END
