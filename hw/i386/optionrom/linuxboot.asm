; SPDX-License-Identifier: MIT
;
; Kestrel's Linux loader option ROM (genroms/linuxboot.bin). SeaBIOS runs
; its boot entry vector first (the "bootorder" file names it); it copies
; the real-mode setup, the protected-mode kernel, the command line and the
; initrd out of fw_cfg by DMA to the addresses hw/i386/linux-boot.c chose,
; fills the boot parameters in the setup header and enters the setup code
; at setup_segment + 0x20 with DS = ES = FS = GS = SS = setup_segment.
; Ref: Linux Documentation/arch/x86/boot.rst, "Details of Header Fields",
; "Running the Kernel" (the segment registers, the stack, the entry).
; Missing: nothing the protocol needs from a 16-bit loader; setup_data
; (DTB, random seed) is not passed.

%include "optionrom.inc"

%define HDR_TYPE_OF_LOADER      0x210
%define HDR_LOADFLAGS           0x211
%define HDR_RAMDISK_IMAGE       0x218
%define HDR_RAMDISK_SIZE        0x21c
%define HDR_HEAP_END_PTR        0x224
%define HDR_CMD_LINE_PTR        0x228
%define LOADER_UNDEFINED        0xff    ; no id assigned to Kestrel
%define LOADFLAGS_CAN_USE_HEAP  0x80

    ROM_HEADER rom_name, rom_boot

rom_name:
    db 'Kestrel Linux loader', 0

    FW_CFG_ROUTINES

rom_fail:
    stc
    retf                        ; back to SeaBIOS: the next boot device

rom_boot:
    cld
    call fw_cfg_has_dma
    jc rom_fail
    FW_CFG_COPY FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA
    mov esi, edi                ; the setup's address, below 1 MiB
    FW_CFG_COPY FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA
    FW_CFG_COPY FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA
    mov ebp, edi                ; the command line's address
    mov ax, FW_CFG_INITRD_SIZE
    call fw_cfg_read32
    xor ebx, ebx                ; ramdisk_image: 0 without an initrd
    test eax, eax
    jz .no_initrd
    FW_CFG_COPY FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA
    mov ebx, edi
    mov eax, ecx
.no_initrd:
    mov ecx, esi
    shr ecx, 4
    mov es, cx                  ; ES = setup segment
    mov [es:HDR_RAMDISK_IMAGE], ebx
    mov [es:HDR_RAMDISK_SIZE], eax
    mov byte [es:HDR_TYPE_OF_LOADER], LOADER_UNDEFINED
    or byte [es:HDR_LOADFLAGS], LOADFLAGS_CAN_USE_HEAP
    mov [es:HDR_CMD_LINE_PTR], ebp
    ; The heap (and stack) ends where the command line starts, at most
    ; 64 KiB above the setup; heap_end_ptr counts from the setup + 0x200.
    mov eax, ebp
    sub eax, esi
    cmp eax, 0x10000
    jbe .heap_ok
    mov eax, 0x10000
.heap_ok:
    mov dx, ax                  ; SP = heap end (0 stands for 64 KiB)
    sub eax, 0x200
    mov [es:HDR_HEAP_END_PTR], ax
    cli
    mov ss, cx
    mov sp, dx
    mov ds, cx
    mov fs, cx
    mov gs, cx
    add cx, 0x20
    push cx
    push word 0
    retf                        ; setup_segment + 0x20 : 0
