; SPDX-License-Identifier: MIT
; The guest test-gdbstub.py drives with raw GDB packets: a 64 KiB BIOS
; image (nasm -f bin, mapped at 0xf0000) that goes to 32-bit protected
; mode, sets up an IDT and makes the PIT's IRQ 0 pending with IF=0 (mode
; 0, waits for the bit in the master PIC's IRR), then runs STI and NOPs:
; single-steps there must stay on the NOPs (interrupts masked while
; stepping), and the handler runs (TICKS = 1) once gdb continues. Then one
; store, one load and one read-modify-write for the watchpoints, a NOP
; for a hardware breakpoint, a switch to long mode (RAX loaded with a
; 64-bit value at lm_here) and an endless loop for Ctrl-C.
; The table at 0xf0000 (labels:) gives test-gdbstub.py their addresses,
; read with an m packet.

%define TICKS       0x1000
%define WVAR        0x1010
%define RVAR        0x1020
%define AVAR        0x1030
%define IDT         0x2000
%define PML4        0x3000
%define PDPT        0x4000
%define PD          0x5000
%define STACK_TOP   0x7000
%define BASE        0xf0000

bits 16
    org BASE
labels:                             ; read by the test: 8 dwords
    dd sti_insn, step_nops, store_insn, load_insn, rmw_insn, hwbp_here
    dd lm_here, spin
bios_start:
    cli
    cld
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, STACK_TOP
    o32 lgdt [cs:gdt_desc - $$]
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
    xor eax, eax
    mov edi, TICKS
    mov ecx, 0x1000 / 4
    rep stosd                       ; variables at 0x1000..0x1fff
    mov eax, 0x5a5a5a5a
    mov [RVAR], eax
    mov edi, IDT                    ; 48 interrupt gates
    xor ecx, ecx
.idt:
    mov eax, default_isr
    cmp ecx, 0x20
    jne .gate
    mov eax, timer_isr
.gate:
    mov edx, eax
    and eax, 0xffff
    or eax, 0x08 << 16              ; offset 15:0, selector 0x08
    and edx, 0xffff0000
    or edx, 0x8e00                  ; present, DPL 0, 32-bit gate
    mov [edi], eax
    mov [edi + 4], edx
    add edi, 8
    inc ecx
    cmp ecx, 48
    jb .idt
    lidt [idt_desc]
    mov al, 0x11                    ; PICs: vectors 0x20/0x28, IRQ 0 only
    out 0x20, al
    out 0xa0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xa1, al
    mov al, 4
    out 0x21, al
    mov al, 2
    out 0xa1, al
    mov al, 1
    out 0x21, al
    out 0xa1, al
    mov al, 0xfe
    out 0x21, al
    mov al, 0xff
    out 0xa1, al
    mov eax, 0x1ff                  ; local APIC on, LINT0 ExtINT: the
    mov [0xfee000f0], eax           ; virtual wire mode a BIOS sets, or
    mov eax, 0x700                  ; the PIC's INTR stays masked at the
    mov [0xfee00350], eax           ; reset LVT (QEMU; SDM 10.4.7)
    mov al, 0x30                    ; PIT channel 0, mode 0, count 100
    out 0x43, al
    mov al, 100
    out 0x40, al
    xor al, al
    out 0x40, al
.wait_irr:
    mov al, 0x0a                    ; OCW3: read IRR
    out 0x20, al
    in al, 0x20
    test al, 1
    jz .wait_irr
sti_insn:
    sti                             ; IRQ 0 pending from here on
step_nops:
    times 8 nop
    times 64 nop                    ; the interrupt arrives in here
    cli
    mov edx, 0x1234
store_insn:
    mov [WVAR], edx
load_insn:
    mov eax, [RVAR]
rmw_insn:
    inc dword [AVAR]
hwbp_here:
    nop
    mov eax, PDPT | 3               ; identity-map 2 MiB, then long mode
    mov [PML4], eax
    mov eax, PD | 3
    mov [PDPT], eax
    mov eax, 0x83
    mov [PD], eax
    mov eax, cr4
    or eax, 1 << 5                  ; PAE
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax
    mov ecx, 0xc0000080             ; EFER.LME
    rdmsr
    or eax, 1 << 8
    wrmsr
    mov eax, cr0
    or eax, 1 << 31
    mov cr0, eax
    jmp 0x18:lm_entry

bits 64
lm_entry:
    mov rax, 0x1122334455667788
lm_here:
    nop
spin:
    inc rcx
    jmp spin

bits 32
timer_isr:
    inc dword [TICKS]
    push eax
    mov al, 0x20
    out 0x20, al
    pop eax
default_isr:
    iret

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff           ; 0x08: flat 32-bit code
    dq 0x00cf92000000ffff           ; 0x10: flat data
    dq 0x00af9a000000ffff           ; 0x18: 64-bit code
gdt_desc:
    dw gdt_desc - gdt - 1
    dd gdt
idt_desc:
    dw 48 * 8 - 1
    dd IDT

    times 0xfff0 - ($ - $$) db 0xf4
bits 16
reset_vector:                       ; 0xffff0
    jmp 0xf000:bios_start - $$
    times 0x10000 - ($ - $$) db 0xf4
