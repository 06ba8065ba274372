; SPDX-License-Identifier: MIT
; The smallest guest test: print from real mode, then from 32-bit
; protected mode, and pass. Proves the runner, debugcon and debug-exit.
%include "guest.inc"

    TEST_START
    PUTS `hello from real mode\n`
    mov ax, 0x1234
    add ax, 0x0001
    CHECK_EQ ax, 0x1235, "add in real mode"
    GO_PM32
    PUTS `hello from protected mode\n`
    mov eax, 0x7fffffff
    add eax, 1
    CHECK_FLAGS 0x8c1, 0x880, "flags after 0x7fffffff + 1"
    PASS
    TEST_END
