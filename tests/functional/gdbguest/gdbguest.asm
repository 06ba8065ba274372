; SPDX-License-Identifier: MIT
; The guest test-gdb.py debugs: a 64 KiB BIOS image that goes to flat
; 32-bit protected mode, loads two x87 values, then calls add_one five
; times, storing each result at COUNTER, and exits through isa-debug-exit
; (port 0xf4) with the byte at EXIT_CODE, which only gdb writes.
; Assembled with `nasm -f elf32` and linked by ld at 0xf0000 (the BIOS
; alias below 1 MiB), so that the ELF's symbols are the addresses the code
; runs at; objcopy -O binary gives the image (reset vector at 0xffff0).
; 16-bit code uses no absolute addresses (they would not fit the 16-bit
; relocations): CS-relative offsets are differences of labels.

%define COUNTER     0x1000
%define EXIT_CODE   0x1004
%define STACK_TOP   0x7000
%define EXIT_PORT   0xf4
%define LOOPS       5

global bios_start, pm_entry, main_loop, add_one, after_store, finish

section .text
bits 16
bios_start:
    cli
    cld
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, STACK_TOP
    o32 lgdt [cs:gdt_desc - bios_start]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword 0x08:pm_entry

bits 32
pm_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, STACK_TOP
    mov dword [COUNTER], 0
    mov dword [EXIT_CODE], 0
    finit
    fld1
    fldpi                           ; ST0 = pi, ST1 = 1
    xor ebx, ebx
main_loop:
    mov eax, ebx
    call add_one
    mov [COUNTER], eax
after_store:
    inc ebx
    cmp ebx, LOOPS
    jb main_loop
finish:
    mov al, [EXIT_CODE]
    out EXIT_PORT, al
    hlt
    jmp finish

add_one:
    add eax, 1                      ; 3 bytes: a stepi moves EIP by 3
    ret

; The accessed bits are set (as in SeaBIOS's GDT): the CPU then never
; writes them into this ROM, which KVM may map read-only.
align 8
gdt:
    dq 0
    dq 0x00cf9b000000ffff           ; 0x08: flat 32-bit code
    dq 0x00cf93000000ffff           ; 0x10: flat data
gdt_desc:
    dw gdt_desc - gdt - 1
    dd gdt

    times 0xfff0 - ($ - $$) db 0xf4
bits 16
reset_vector:                       ; 0xffff0
    jmp 0xf000:bios_start - $$
    times 0x10000 - ($ - $$) db 0xf4
