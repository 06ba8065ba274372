; SPDX-License-Identifier: MIT
;
; A multiboot v1 test kernel for tests/functional/test-kernel-load.py:
; a flat image loaded at 1 MiB by the a.out kludge (nasm -f bin), or with
; -DELF an ELF32 object to link at 1 MiB (nasm -f elf32, ld -Ttext). It checks the boot
; magic and reports, on the debug console (port 0xe9), the command line,
; the modules (name, first line, page alignment), the memory sizes and
; the number of memory map entries; then it leaves through
; isa-debug-exit (port 0x501, value 0x10: exit status 0x21).
; Ref: Multiboot Specification 0.6.96, 3.1.1-3.1.3, 3.2, 3.3.

    bits 32
%ifdef ELF
    section .text
    global start
MB_FLAGS    equ 0x00000003      ; page-aligned modules, memory info
%else
    org 0x100000
MB_FLAGS    equ 0x00010003      ; the same and the a.out address fields
%endif
MB_MAGIC    equ 0x1badb002
DEBUGCON    equ 0xe9
DEBUG_EXIT  equ 0x501

header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
%ifndef ELF
    dd header, header, load_end, bss_end, start
%endif

start:
    mov esp, stack_top
    cmp eax, 0x2badb002
    jne .bad_magic
    mov esi, msg_magic
    call puts
    mov esi, msg_cmdline
    call puts
    mov esi, [ebx + 16]
    call puts
    call newline
    mov esi, msg_mods
    call puts
    mov eax, [ebx + 20]
    call puthex
    call newline
    test dword [ebx + 20], -1
    jz .mem
    mov edi, [ebx + 24]         ; the first module
    mov esi, msg_mod0
    call puts
    mov esi, [edi + 8]
    call puts
    call newline
    mov esi, msg_data
    call puts
    mov esi, [edi]
    call putline
    call newline
    test dword [edi], 0xfff
    jnz .mem
    mov esi, msg_aligned
    call puts
.mem:
    mov esi, msg_upper
    call puts
    mov eax, [ebx + 8]
    call puthex
    call newline
    mov esi, msg_mmap
    call puts
    mov eax, [ebx + 44]
    xor edx, edx
    mov ecx, 24
    div ecx
    call puthex
    call newline
    jmp .exit
.bad_magic:
    mov esi, msg_bad
    call puts
.exit:
    mov dx, DEBUG_EXIT
    mov al, 0x10
    out dx, al
.halt:
    cli
    hlt
    jmp .halt

; puts: the NUL-terminated string at esi
puts:
    mov dx, DEBUGCON
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    ret

; putline: the string at esi up to a newline, at most 64 bytes
putline:
    mov dx, DEBUGCON
    mov ecx, 64
.next:
    lodsb
    cmp al, 10
    je .done
    out dx, al
    loop .next
.done:
    ret

newline:
    mov dx, DEBUGCON
    mov al, 10
    out dx, al
    ret

; puthex: eax in hex, 8 digits
puthex:
    mov ecx, 8
    mov dx, DEBUGCON
.digit:
    rol eax, 4
    push eax
    and al, 15
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '9' - 1
.out:
    out dx, al
    pop eax
    loop .digit
    ret

msg_magic:   db 'multiboot magic ok', 10, 0
msg_bad:     db 'bad multiboot magic', 10, 0
msg_cmdline: db 'cmdline: ', 0
msg_mods:    db 'mods: ', 0
msg_mod0:    db 'mod0: ', 0
msg_data:    db 'mod0 data: ', 0
msg_aligned: db 'mod0 page aligned', 10, 0
msg_upper:   db 'mem_upper: ', 0
msg_mmap:    db 'mmap entries: ', 0

load_end:

    section .bss
    alignb 16
stack:
    resb 4096
stack_top:
bss_end:
