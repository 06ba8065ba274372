; SPDX-License-Identifier: MIT
; The 8237 DMA controllers, registers only (no device is attached to
; move data, so no transfer runs): base/current address and count of
; channel 2 written and read back through the byte flip-flop (and the
; flip-flop clear), the same for channel 5 on the 16-bit controller
; (ports 0xC4/0xC6, flip-flop 0xD8), page registers 0x81/0x82/0x83/0x87
; and 0x8B, and a software request (0x09) on a masked channel showing in
; the status register's request bits, moving nothing. (The all-mask
; register reads back on Kestrel, not on QEMU: not checked.)
%include "guest.inc"

%macro RD16 1                       ; AX = two reads of port %1
    in al, %1
    mov ah, al
    in al, %1
    xchg al, ah
%endmacro

    TEST_START
    out 0x0d, al                    ; master clear (controller 1)
    out 0xda, al                    ; master clear (controller 2)
    ; channel 2: address 0x1234, count 0x01ff
    out 0x0c, al
    mov al, 0x34
    out 0x04, al
    mov al, 0x12
    out 0x04, al
    mov al, 0xff
    out 0x05, al
    mov al, 0x01
    out 0x05, al
    out 0x0c, al
    RD16 0x04
    CHECK_EQ ax, 0x1234, "channel 2 address reads back"
    RD16 0x05
    CHECK_EQ ax, 0x01ff, "channel 2 count reads back"
    ; the flip-flop toggles on each access; 0x0C resets it to the low byte
    in al, 0x04
    out 0x0c, al
    in al, 0x04
    CHECK_EQ al, 0x34, "flip-flop clear selects the low byte"
    in al, 0x04
    CHECK_EQ al, 0x12, "then the high byte"
    ; mode: single, increment, read (memory -> device), channel 2
    mov al, 0x4a
    out 0x0b, al
    ; page registers
    mov al, 0x05
    out 0x81, al
    mov al, 0x06
    out 0x82, al
    mov al, 0x07
    out 0x83, al
    mov al, 0x08
    out 0x87, al
    mov al, 0x09
    out 0x8b, al
    in al, 0x81
    CHECK_EQ al, 0x05, "page register channel 2 (0x81)"
    in al, 0x82
    CHECK_EQ al, 0x06, "page register channel 3 (0x82)"
    in al, 0x83
    CHECK_EQ al, 0x07, "page register channel 1 (0x83)"
    in al, 0x87
    CHECK_EQ al, 0x08, "page register channel 0 (0x87)"
    in al, 0x8b
    CHECK_EQ al, 0x09, "page register channel 5 (0x8B)"

    ; channel 5 (16-bit controller, registers at 0xC0 + 2 * n)
    out 0xd8, al
    mov al, 0xcd
    out 0xc4, al
    mov al, 0xab
    out 0xc4, al
    mov al, 0x10
    out 0xc6, al
    mov al, 0x00
    out 0xc6, al
    out 0xd8, al
    RD16 0xc4
    CHECK_EQ ax, 0xabcd, "channel 5 address reads back"
    RD16 0xc6
    CHECK_EQ ax, 0x0010, "channel 5 count reads back"

    ; mask channel 2 (master clear did too); all-mask write
    mov al, 0x06
    out 0x0a, al
    mov al, 0x0f
    out 0x0f, al

    ; software request on masked channel 2: request bit 6 in the status
    in al, 0x08                     ; clear TC bits
    mov al, 0x06
    out 0x09, al
    in al, 0x08
    CHECK_EQ al, 0x40, "status: channel 2 request pending"
    mov al, 0x02
    out 0x09, al
    in al, 0x08
    CHECK_EQ al, 0x00, "status: request cleared"
    ; nothing moved: the current count is unchanged
    out 0x0c, al
    RD16 0x05
    CHECK_EQ ax, 0x01ff, "no transfer on a masked channel"
    PASS
    TEST_END
