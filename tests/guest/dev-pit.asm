; SPDX-License-Identifier: MIT
; The 8254 PIT: channel 2 in mode 0 (one-shot) gated by port 0x61 bit 0,
; its OUT read back through port 0x61 bit 5 (low after the count is
; written, high at terminal count); channel 0 in mode 2 counting down,
; read through the latch command and the read-back command (status byte:
; OUT, access mode, mode); lobyte-only access; channel 2 in mode 3.
; No interrupts: the PIC is masked and IF is clear throughout.
%include "guest.inc"

    TEST_START
    mov al, 0xff
    out 0x21, al
    out 0xa1, al

    ; channel 2, mode 0, lo/hi, gate off, speaker off
    in al, 0x61
    and al, 0xfc
    out 0x61, al
    mov al, 0xb0
    out 0x43, al
    mov al, 0x00
    out 0x42, al
    mov al, 0x10                    ; 0x1000: about 3.4 ms
    out 0x42, al
    in al, 0x61
    test al, 0x20
    jz .out_low
    FAIL "mode 0 OUT low after the count is written"
.out_low:
    ; gate on: counts down, OUT goes high at terminal count
    in al, 0x61
    or al, 0x01
    out 0x61, al
    mov ecx, 0x4000000
.wait_tc:
    in al, 0x61
    test al, 0x20
    jnz .tc
    dec ecx
    jnz .wait_tc
    FAIL "mode 0 OUT high at terminal count"
.tc:
    ; read-back status of channel 2: OUT=1, lo/hi, mode 0, binary
    mov al, 0xe8                    ; read-back, status only, channel 2
    out 0x43, al
    in al, 0x42
    and al, 0xbf                    ; ignore null count
    CHECK_EQ al, 0xb0, "channel 2 status after terminal count"

    ; channel 0, mode 2, lo/hi, count 0xffff (about 55 ms)
    mov al, 0x34
    out 0x43, al
    mov al, 0xff
    out 0x40, al
    out 0x40, al
    mov al, 0xc2                    ; read-back count + status, channel 0
    out 0x43, al
    in al, 0x40
    and al, 0x3f
    CHECK_EQ al, 0x34, "channel 0 status: lo/hi, mode 2"
    in al, 0x40
    mov bl, al
    in al, 0x40
    mov bh, al                      ; BX = first count
    mov ecx, 20000
.spin:
    in al, 0x80
    loop .spin, ecx
    mov al, 0x00                    ; counter latch, channel 0
    out 0x43, al
    in al, 0x40
    mov dl, al
    in al, 0x40
    mov dh, al                      ; DX = second count
    cmp dx, bx
    jne .moved
    FAIL "channel 0 counts down"
.moved:

    ; lobyte-only access: count 0x80, reads give one byte <= 0x80
    mov al, 0x14                    ; channel 0, lobyte, mode 2
    out 0x43, al
    mov al, 0x80
    out 0x40, al
    mov al, 0xc2
    out 0x43, al
    in al, 0x40
    and al, 0x3f
    CHECK_EQ al, 0x14, "channel 0 status: lobyte, mode 2"
    in al, 0x40
    cmp al, 0x80
    jbe .lo_ok
    FAIL "lobyte count <= 0x80"
.lo_ok:

    ; channel 2, mode 3 (square wave), count 0x8000: even counts
    mov al, 0xb6
    out 0x43, al
    mov al, 0x00
    out 0x42, al
    mov al, 0x80
    out 0x42, al
    mov al, 0xe8
    out 0x43, al
    in al, 0x42
    and al, 0x3f
    CHECK_EQ al, 0x36, "channel 2 status: lo/hi, mode 3"
    mov al, 0x80                    ; counter latch, channel 2
    out 0x43, al
    in al, 0x42
    mov bl, al
    in al, 0x42
    mov bh, al
    test bl, 1
    jz .even
    FAIL "mode 3 counts by two (even count)"
.even:
    cmp bx, 0x8000
    jbe .m3_ok
    FAIL "mode 3 count <= initial"
.m3_ok:
    ; gate off
    in al, 0x61
    and al, 0xfc
    out 0x61, al
    PASS
    TEST_END
