; SPDX-License-Identifier: MIT
; Start-up: the first guest instruction exits at once, so the run measures
; process start to first instruction (and exit), and the resident memory.
%include "guest.inc"

    TEST_START
    PASS
    TEST_END
