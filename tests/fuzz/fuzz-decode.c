/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the x86 decoder and disassembler.
 *
 * The first input byte picks the mode (16/32/64-bit); the next up to 15
 * bytes are copied into a heap buffer of exactly that size, so that
 * AddressSanitizer reports any read past the window. Every result must be
 * consistent: OK has 1 <= len <= window, NEED_MORE asks for more than the
 * window, GP only when 15 bytes cannot hold the instruction; the text of a
 * decoded instruction fits its buffer. The same bytes in a 32-byte window
 * (zeros after them), which takes x86_decode()'s other entry, must decode
 * to the same X86Insn when the short window held the whole instruction.
 * Built by make fuzz (docs/fuzzing.md).
 */
#include "kestrel/osdep.h"
#include "cpu/x86/insn.h"

#include <stdlib.h>               /* abort() */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const X86Mode modes[3] = { X86_MODE_16, X86_MODE_32, X86_MODE_64 };
    X86Insn insn, wide;
    X86DecodeStatus st;
    size_t n;
    uint8_t *win, *win32;
    char text[256], line[512];

    if (size < 1) {
        return 0;
    }
    n = MIN(size - 1, (size_t)X86_MAX_INSN_LEN);
    win = g_malloc(n ? n : 1);          /* exactly n readable bytes */
    memcpy(win, data + 1, n);
    st = x86_decode(&insn, win, n, modes[data[0] % 3]);
    switch (st) {
    case X86_DEC_OK:
        if (insn.len < 1 || insn.len > n || insn.nops > X86_MAX_OPERANDS ||
            insn.mnem >= X86_INSN_COUNT) {
            abort();
        }
        if (x86_disas(&insn, text, sizeof(text), 0x1000) >= (int)sizeof(text)) {
            abort();
        }
        x86_format_in_asm_line(&insn, win, 0xfff0, line, sizeof(line));
        x86_disas(&insn, text, 8, 0);   /* truncation must be safe */
        break;
    case X86_DEC_NEED_MORE:
        if (insn.len <= n || insn.len > X86_MAX_INSN_LEN) {
            abort();
        }
        break;
    case X86_DEC_GP:
        if (n < X86_MAX_INSN_LEN && insn.len <= n) {
            abort();
        }
        break;
    case X86_DEC_UD:
        break;
    default:
        abort();
    }
    win32 = g_malloc0(32);              /* exactly 32 readable bytes */
    memcpy(win32, win, n);
    if ((st == X86_DEC_OK || st == X86_DEC_UD) &&
        (x86_decode(&wide, win32, 32, modes[data[0] % 3]) != st ||
         (st == X86_DEC_OK && memcmp(&wide, &insn, sizeof(insn))))) {
        abort();
    }
    g_free(win32);
    g_free(win);
    return 0;
}
