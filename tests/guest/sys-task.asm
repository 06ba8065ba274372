; SPDX-License-Identifier: MIT
; Hardware task switch with 32-bit TSSs: CALL to a TSS (NT, back link,
; busy bits, TR), IRET with NT back to the caller (the callee's state is
; saved in its TSS), then JMP to the suspended task and JMP back.
%include "guest.inc"

%define GDT     0x13000
%define TSS1    0x14000
%define TSS2    0x15000

    TEST_START
    GO_PM32

    mov esi, gdt_t + 0xf0000
    mov edi, GDT
    mov ecx, (gdt_t_end - gdt_t) / 4
    rep movsd
    lgdt [gdt_t_desc + 0xf0000]
    mov ax, 0x28
    ltr ax

    ; task 2: flat segments, its own stack, entry at task2
    mov dword [TSS2 + 0x20], task2 + 0xf0000       ; EIP
    mov dword [TSS2 + 0x24], 0x2                    ; EFLAGS
    mov dword [TSS2 + 0x38], 0xa000                 ; ESP
    mov dword [TSS2 + 0x4c], 0x08                   ; CS
    mov eax, 0x10
    mov [TSS2 + 0x48], eax                          ; ES
    mov [TSS2 + 0x50], eax                          ; SS
    mov [TSS2 + 0x54], eax                          ; DS
    mov [TSS2 + 0x58], eax                          ; FS
    mov [TSS2 + 0x5c], eax                          ; GS

    mov eax, 0x5555
    call 0x30:0
    CHECK_EQ eax, 0x5555, "EAX of the caller task restored"
    str ax
    CHECK_EQ ax, 0x28, "TR back to task 1"
    CHECK_EQ byte [GDT + 0x30 + 5], 0x89, "task 2 not busy after IRET"
    CHECK_EQ byte [GDT + 0x28 + 5], 0x8b, "task 1 still busy"
    CHECK_EQ dword [TSS2 + 0x28], 0x1234, "EAX saved in task 2's TSS"
    CHECK_FLAGS 0x4000, 0, "NT of task 1"

    jmp 0x30:0
    CHECK_EQ dword [TSS2 + 0x34], 0x77, "EBX saved by task 2's JMP"
    CHECK_EQ byte [GDT + 0x30 + 5], 0x89, "task 2 not busy after its JMP"
    CHECK_EQ byte [GDT + 0x28 + 5], 0x8b, "task 1 busy again"
    PASS

task2:
    CHECK_FLAGS 0x4000, 0x4000, "NT in the called task"
    str ax
    CHECK_EQ ax, 0x30, "TR in task 2"
    CHECK_EQ word [TSS2], 0x28, "back link"
    CHECK_EQ byte [GDT + 0x30 + 5], 0x8b, "task 2 busy"
    CHECK_EQ esp, 0xa000, "ESP from the TSS"
    mov eax, 0x1234
    iretd
    ; resumed by task 1's JMP
    CHECK_FLAGS 0x4000, 0, "NT after a JMP task switch"
    mov ebx, 0x77
    jmp 0x28:0
    FAIL "task 2 resumed twice"

align 8
gdt_t:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: code
    dq 0x00cf92000000ffff       ; 0x10: data
    dq 0
    dq 0
    dq 0x0000890140000067       ; 0x28: TSS at 0x14000
    dq 0x0000890150000067       ; 0x30: TSS at 0x15000
gdt_t_end:
gdt_t_desc:
    dw gdt_t_end - gdt_t - 1
    dd GDT

    TEST_END
