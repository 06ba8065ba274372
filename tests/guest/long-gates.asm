; SPDX-License-Identifier: MIT
; 64-bit call gates and the ways out of 64-bit mode (SDM Vol. 3A 5.8.3.1,
; 5.8.5-5.8.6; Vol. 2A CALL, JMP, RET, IRET): far CALL and JMP through a
; 16-byte DPL 0 gate at CPL 0 (CS and RIP pushed as 8-byte values, RETFQ
; back); #GP for a gate whose upper half has a type, for a 16-bit gate
; and for a gate to a 32-bit code segment; CALL through a DPL 3 gate from
; CPL 3 (64-bit and compatibility code) onto RSP0 of the TSS with a null
; SS, the old SS:RSP, CS:RIP on the new stack, RETFQ back to CPL 3;
; RETFQ and IRETQ from 64-bit code to compatibility mode, same level and
; outer. Runs with -cpu qemu64.
%include "guest.inc"
%include "long64.inc"

%define PML4    0x20000
%define PDPT    0x21000
%define PD      0x22000
%define PT      0x23000
%define IDT     0x24000
%define TSS     0x25000
%define GDT     0x26000
%define V_ERR   0x608
%define V_GP    0x610
%define V_RESUME 0x618
%define V_NEXT  0x620           ; where the inner gate target goes on
%define V_RSP   0x628           ; RSP seen at the inner gate target
%define V_FRAME 0x630           ; the 4 slots it found there
%define V_PHASE 0x650           ; inner_target: 1 after an odd call
%define MSR_EFER  0xc0000080
%define RSP0    0x6000
%define USTACK  0x9000

%define SEL_C64   0x18
%define SEL_D0    0x20
%define SEL_C32U  0x2b          ; compatibility code, DPL 3
%define SEL_DU    0x33
%define SEL_C64U  0x3b
%define SEL_TSS   0x40
%define G_USER    0x50          ; DPL 3 gate -> inner_target
%define G_SAME    0x60          ; DPL 0 gate -> same_target
%define G_BADHI   0x70          ; upper half has a type
%define G_16      0x80          ; a 16-bit call gate (type 4)
%define G_TO32    0x90          ; gate to the 32-bit code segment 0x08
%define CODE(x)   ((x) - $$ + 0xf0000)

; GATE64 slot, DPL, selector, target: a 64-bit call gate in the RAM GDT
%macro GATE64 4
    lea rax, [rel %4]
    mov edi, GDT + %1
    mov ecx, 0x8c00 | (%2 << 13)        ; present, DPL, 64-bit call gate
    mov edx, %3
    call set_gate64
%endmacro

    TEST_START
    GO_PM32
    mov edi, PML4                       ; identity map 0-2 MiB, user pages
    xor eax, eax
    mov ecx, 0x4000 / 4
    rep stosd
    mov dword [PML4], PDPT | 7
    mov dword [PDPT], PD | 7
    mov dword [PD], PT | 7
    mov edi, PT
    mov eax, 7
    mov ecx, 512
.fill:
    mov [edi], eax
    add edi, 8
    add eax, 0x1000
    loop .fill
    mov esi, gdt64 + 0xf0000            ; the GDT goes to RAM: gates are
    mov edi, GDT                        ; filled in at run time
    mov ecx, (gdt64_end - gdt64) / 4
    rep movsd
    lgdt [gdt64_desc + 0xf0000]
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, 0x100
    wrmsr
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp SEL_C64:(lm64 + 0xf0000)

bits 64
lm64:
    mov ax, SEL_D0
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, 0x7c00
    lea rax, [rel gp64]
    mov edi, IDT + 13 * 16
    call set_idt
    lidt [rel idt_desc]
    mov qword [TSS + 4], RSP0
    mov ax, SEL_TSS
    ltr ax
    GATE64 G_USER, 3, SEL_C64, inner_target
    GATE64 G_SAME, 0, SEL_C64, same_target
    GATE64 G_BADHI, 3, SEL_C64, same_target
    mov byte [GDT + G_BADHI + 13], 0x0c ; a type in the upper half
    GATE64 G_16, 0, SEL_C64, same_target
    mov byte [GDT + G_16 + 5], 0x84     ; 16-bit call gate
    GATE64 G_TO32, 0, 0x08, same_target

    ; 1. CALL through a DPL 0 gate at CPL 0: 8-byte CS and RIP, RETFQ
    mov rbx, rsp
    call far [rel p_same]
.ret1:
    CHECK64 rsp, rbx, "RSP after the gate call and RETFQ"
    CHECK64 qword [V_RSP], 0x7c00 - 16, "RSP at the same-level target"
    lea rax, [rel .ret1]
    CHECK64 [V_FRAME], rax, "return RIP pushed through the gate"
    CHECK64 qword [V_FRAME + 8], SEL_C64, "CS pushed through the gate"
    ; 2. JMP through the same gate
    lea rax, [rel .back2]
    mov [V_NEXT], rax
    jmp far [rel p_same]
.back2:
    mov ax, cs
    CHECK64 ax, SEL_C64, "CS after JMP through a gate"

    ; 3. #GP for bad gates: upper type, 16-bit gate, 32-bit target
    RESUME_AT .r3
    call far [rel p_badhi]
.r3:
    CHECK64 qword [V_ERR], G_BADHI, "#GP(gate) for a type in the upper half"
    RESUME_AT .r4
    call far [rel p_16]
.r4:
    CHECK64 qword [V_ERR], G_16, "#GP(gate) for a 16-bit gate"
    RESUME_AT .r5
    jmp far [rel p_to32]
.r5:
    CHECK64 qword [V_ERR], 0x08, "#GP(target) for a 32-bit target"
    CHECK64 dword [V_GP], 3, "three #GP"

    ; 4. RETFQ to compatibility mode at CPL 0 (same level)
    mov rsp, 0x7c00
    push 0x08
    lea rax, [rel compat0]
    push rax
    o64 retf

bits 32
compat0:                                ; compatibility mode, CPL 0
    mov eax, 5
    db 0x48, 0x90                       ; DEC EAX here, REX.W NOP in 64-bit
    cmp eax, 4
    jne .bad
    mov ax, cs
    cmp ax, 0x08
    jne .bad
    jmp SEL_C64:CODE(lm64_again)
.bad:
    ud2

bits 64
lm64_again:
    mov rsp, 0x7c00
    ; 5. IRETQ to CPL 3 in 64-bit code, CALL through the DPL 3 gate
    lea rax, [rel .back5]
    mov [V_NEXT], rax
    push SEL_DU
    push USTACK
    push 0x2
    push SEL_C64U
    lea rax, [rel user64]
    push rax
    iretq
.back5:
    call check_frame
    CHECK64 qword [V_FRAME + 8], SEL_C64U, "CS pushed from CPL 3"

    ; 6. IRETQ to CPL 3 in compatibility mode, CALL through the gate
    lea rax, [rel .back6]
    mov [V_NEXT], rax
    mov rsp, 0x7c00
    push SEL_DU
    push USTACK
    push 0x2
    push SEL_C32U
    lea rax, [rel user32]
    push rax
    iretq
.back6:
    call check_frame
    CHECK64 qword [V_FRAME + 8], SEL_C32U, "CS pushed from compatibility mode"
    mov ax, SEL_D0
    mov ss, ax
    mov rsp, 0x7c00
    PUTS64 `PASS\n`
    mov al, 0
    out DEBUG_EXIT_PORT, al
    hlt

; the inner target's record of a CPL 3 -> 0 call
check_frame:
    CHECK64 qword [V_RSP], RSP0 - 32, "RSP0 from the TSS, 4 slots"
    CHECK64 qword [V_FRAME + 16], USTACK, "old RSP on the new stack"
    CHECK64 qword [V_FRAME + 24], SEL_DU, "old SS on the new stack"
    ret

user64:                                 ; CPL 3, 64-bit
    call far [rel p_user]               ; first: RETFQ comes back here
    mov ax, cs
    cmp ax, SEL_C64U
    jne .bad
    mov ax, ss
    cmp ax, SEL_DU
    jne .bad
    cmp rsp, USTACK
    jne .bad
    call far [rel p_user]               ; second: the test goes on at CPL 0
.bad:
    ud2

bits 32
user32:                                 ; CPL 3, compatibility mode
    mov ax, SEL_DU                      ; IRETQ nulled DS (DPL 0)
    mov ds, ax
    call far [CODE(p_user32)]
    mov eax, 5
    db 0x48, 0x90                       ; still compatibility mode?
    cmp eax, 4
    jne .bad
    mov ax, cs
    cmp ax, SEL_C32U
    jne .bad
    cmp esp, USTACK
    jne .bad
    call far [CODE(p_user32)]
.bad:
    ud2

bits 64
; Through G_USER: the first call of each pair returns with RETFQ, the
; second records the frame and continues at V_NEXT.
inner_target:
    mov ax, cs
    cmp ax, SEL_C64
    jne .bad
    mov ax, ss
    test ax, ax                         ; null SS, RPL 0
    jnz .bad
    xor byte [V_PHASE], 1
    jz .second
    o64 retf
.second:
    mov [V_RSP], rsp
    mov rax, [rsp]
    mov [V_FRAME], rax
    mov rax, [rsp + 8]
    mov [V_FRAME + 8], rax
    mov rax, [rsp + 16]
    mov [V_FRAME + 16], rax
    mov rax, [rsp + 24]
    mov [V_FRAME + 24], rax
    jmp [V_NEXT]
.bad:
    ud2

same_target:                            ; CPL 0 through G_SAME
    mov [V_RSP], rsp
    mov rax, [rsp]
    mov [V_FRAME], rax
    mov rax, [rsp + 8]
    mov [V_FRAME + 8], rax
    cmp qword [V_NEXT], 0
    je .ret
    mov rax, [V_NEXT]
    mov qword [V_NEXT], 0
    jmp rax
.ret:
    o64 retf

gp64:
    push rax
    mov rax, [rsp + 8]
    mov [V_ERR], rax
    inc dword [V_GP]
    mov rax, [V_RESUME]
    mov [rsp + 16], rax
    pop rax
    add rsp, 8
    iretq

set_gate64:                     ; RAX target, EDI slot, ECX attributes,
    mov [rdi], ax               ; EDX selector
    mov [rdi + 2], dx
    mov [rdi + 4], cx
    shr rax, 16
    mov [rdi + 6], ax
    shr rax, 16
    mov [rdi + 8], eax
    mov dword [rdi + 12], 0
    ret

set_idt:                        ; RAX handler, EDI gate
    mov [rdi], ax
    mov word [rdi + 2], SEL_C64
    mov word [rdi + 4], 0x8e00
    shr rax, 16
    mov [rdi + 6], ax
    shr rax, 16
    mov [rdi + 8], eax
    mov dword [rdi + 12], 0
    ret

    PUTS64_ROUTINE

align 8
p_same:   dq 0, G_SAME              ; m16:64 far pointers (offset ignored)
p_badhi:  dq 0, G_BADHI
p_16:     dq 0, G_16
p_to32:   dq 0, G_TO32
p_user:   dq 0, G_USER | 3
p_user32: dd 0, G_USER | 3          ; m16:32, for compatibility mode
gdt64:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: code, 32-bit, DPL 0
    dq 0x00cf92000000ffff       ; 0x10: data
    dq 0x00af9a000000ffff       ; 0x18: code, 64-bit, DPL 0
    dq 0x00cf92000000ffff       ; 0x20: data, DPL 0
    dq 0x00cffa000000ffff       ; 0x28: code, 32-bit, DPL 3
    dq 0x00cff2000000ffff       ; 0x30: data, DPL 3
    dq 0x00affa000000ffff       ; 0x38: code, 64-bit, DPL 3
    dq 0x0000890250000067       ; 0x40: 64-bit TSS at 0x25000
    dq 0
    times 10 dq 0               ; 0x50-0x98: the gates, 16 bytes each
gdt64_end:
gdt64_desc:
    dw gdt64_end - gdt64 - 1
    dd GDT
idt_desc:
    dw 256 * 16 - 1
    dq IDT

    TEST_END
