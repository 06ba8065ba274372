/* SPDX-License-Identifier: MIT */
/*
 * -d out_asm: the host code generated for a block, disassembled by
 * Capstone (x86-64, Intel syntax), one instruction per line:
 *   OUT: guest 0xf0051, 74 bytes at 0x7f12a4c01000
 *   0x7f12a4c01000: 41 8b 45 f8  mov eax, dword ptr [r13 - 8]
 * Bytes Capstone cannot decode (data the back-end puts after the code)
 * are printed as ".byte".
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "accel/tcg/log-host-code.h"
#include <capstone/capstone.h>

static void log_bytes(GString *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(s, "%s%02x", i ? " " : "", p[i]);
    }
}

void tb_log_host_code(const void *code, size_t size, uint64_t guest_pc)
{
    static csh handle;
    static gsize opened;
    const uint8_t *p = code;
    uint64_t addr = (uintptr_t)code;
    g_autoptr(GString) s = g_string_new(NULL);
    cs_insn *insn;

    if (g_once_init_enter(&opened)) {
        gsize ok = cs_open(CS_ARCH_X86, CS_MODE_64, &handle) == CS_ERR_OK;
        g_once_init_leave(&opened, ok ? 1 : 2);
    }
    g_string_append_printf(s, "OUT: guest 0x%" PRIx64 ", %zu bytes at 0x%"
                           PRIx64 "\n", guest_pc, size, addr);
    insn = opened == 1 ? cs_malloc(handle) : NULL;
    while (size > 0) {
        g_string_append_printf(s, "0x%" PRIx64 ": ", addr);
        if (insn && cs_disasm_iter(handle, &p, &size, &addr, insn)) {
            log_bytes(s, insn->bytes, insn->size);
            g_string_append_printf(s, "  %s%s%s\n", insn->mnemonic,
                                   insn->op_str[0] ? " " : "", insn->op_str);
        } else {
            log_bytes(s, p, 1);
            g_string_append_printf(s, "  .byte 0x%02x\n", *p);
            p++, size--, addr++;
        }
    }
    if (insn) {
        cs_free(insn, 1);
    }
    ks_log("%s\n", s->str);
}
