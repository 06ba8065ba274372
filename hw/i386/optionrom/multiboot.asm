; SPDX-License-Identifier: MIT
;
; Kestrel's multiboot v1 loader option ROM (genroms/multiboot.bin). Its
; boot entry vector copies the kernel blob (image, bss, modules) and the
; multiboot information that hw/i386/multiboot.c published in fw_cfg,
; fills the information's memory map from INT 15h E820, enters 32-bit
; protected mode with flat segments and jumps to the kernel's entry with
; EAX = 0x2BADB002 and EBX = the information's address.
; Ref: Multiboot Specification 0.6.96, 3.2 (machine state), 3.3 (boot
; information, mmap entries: a size field, then the E820 entry).
; Missing: nothing the C side asks for; A20 is on after SeaBIOS.

%include "optionrom.inc"

%define MB_BOOT_MAGIC   0x2badb002
%define MB_INFO_MMAP_LENGTH 44
%define MB_INFO_MMAP_ADDR   48
%define E820_SMAP       0x534d4150
%define MMAP_MAX        32

    ROM_HEADER rom_name, rom_boot

rom_name:
    db 'Kestrel multiboot loader', 0

    FW_CFG_ROUTINES

rom_fail:
    stc
    retf                        ; back to SeaBIOS: the next boot device

; Flat 4 GiB code (0x08) and data (0x10) segments.
    align 8, db 0
gdt:
    dq 0
    dq 0x00cf9a000000ffff
    dq 0x00cf92000000ffff
gdt_end:

rom_boot:
    cld
    call fw_cfg_has_dma
    jc rom_fail
    FW_CFG_COPY FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA
    FW_CFG_COPY FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA
    mov esi, edi                ; the information, below 1 MiB
    mov ax, FW_CFG_KERNEL_ENTRY
    call fw_cfg_read32
    push eax                    ; the entry

    ; The memory map: 24-byte entries (size 20, then the E820 entry).
    mov eax, esi
    shr eax, 4
    mov fs, ax                  ; FS:SI-relative = the information
    mov bp, si
    and bp, 15
    mov edi, [fs:bp + MB_INFO_MMAP_ADDR]
    mov eax, edi
    shr eax, 4
    mov es, ax
    and di, 15
    xor ebx, ebx
    xor ecx, ecx                ; bytes written
.e820:
    push ecx
    mov dword [es:di], 20
    add di, 4
    mov eax, 0xe820
    mov ecx, 20
    mov edx, E820_SMAP
    int 0x15
    pop ecx
    jc .e820_done
    cmp eax, E820_SMAP
    jne .e820_done
    add di, 20
    add ecx, 24
    cmp ecx, MMAP_MAX * 24
    jae .e820_done
    test ebx, ebx
    jnz .e820
.e820_done:
    mov [fs:bp + MB_INFO_MMAP_LENGTH], ecx

    ; Protected mode: the GDT's linear address from CS.
    pop edx                     ; the entry
    cli
    xor eax, eax
    mov ax, cs
    shl eax, 4
    mov ebx, eax
    add eax, gdt
    push eax
    push word gdt_end - gdt - 1
    mov bp, sp
    lgdt [bp]
    add sp, 6
    add ebx, pm_entry
    mov eax, cr0
    or al, 1
    mov cr0, eax
    push dword 0x08
    push ebx
    o32 retf                    ; to pm_entry in the flat code segment

    bits 32
pm_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov eax, MB_BOOT_MAGIC
    mov ebx, esi
    jmp edx
