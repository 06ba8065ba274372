/* SPDX-License-Identifier: MIT */
/*
 * The comparator of tests/diff/diff-run.c: two final states of one
 * sequence, as text. Compared: the exception and the instruction that
 * raised it; the general registers but (E/R)DI and R15 (the harness's;
 * SP as an offset in the stack page); the flags the SDM defines at the
 * end or at the fault (the generator's tables, diff-gen-int.c); FCW,
 * FSW, the abridged tag word, ST0-ST7 and MXCSR bit for bit, XMM0-15;
 * the scratch page and the stack page.
 * After an x87 transcendental, ST0 and ST1 may differ by DC_ULPS units
 * in the last place and C1 is not compared.
 * Not compared: FOP, FIP, FDP (AMD hosts save them only with an
 * exception pending).
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "cpu/x86/insn.h"
#include "diff-cmp.h"

/* The hardware is within one ulp of the true value (SDM Vol. 1 8.3.10),
 * Kestrel's soft-float within half a ulp but in rare cases: they differ by
 * one at most (docs/cpu.md); C1 of a result both round the same way can
 * still differ, the host's being computed from its own approximation */
#define DC_ULPS 1

static const char *const dc_regs[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* Distance of two 80-bit values in units in the last place */
static unsigned __int128 dc_ulps(const uint8_t *a, const uint8_t *b)
{
    unsigned __int128 ka, kb;
    uint64_t ma, mb;
    uint16_t ea, eb;

    memcpy(&ma, a, 8);
    memcpy(&mb, b, 8);
    memcpy(&ea, a + 8, 2);
    memcpy(&eb, b + 8, 2);
    ka = (unsigned __int128)(ea & 0x7fff) << 63 | (ma & ~(1ull << 63));
    kb = (unsigned __int128)(eb & 0x7fff) << 63 | (mb & ~(1ull << 63));
    if ((ea ^ eb) & 0x8000) {
        return ka + kb;
    }
    return ka > kb ? ka - kb : kb - ka;
}

static void dc_fx(const DiffSeq *s, const DiffState *a, const DiffState *b,
                  GString *msg)
{
    unsigned at = a->excp >= 0 ? dg_insn_at(s, a->fault_off) : s->n;
    uint16_t fa, fb, mask = ~(s->undef[at] & DG_FSW_CC);
    uint32_t ma, mb;

    memcpy(&fa, a->fx + DG_FX_FCW, 2);
    memcpy(&fb, b->fx + DG_FX_FCW, 2);
    if (fa != fb) {
        g_string_append_printf(msg, " fcw %04x != %04x;", fb, fa);
    }
    memcpy(&fa, a->fx + DG_FX_FSW, 2);
    memcpy(&fb, b->fx + DG_FX_FSW, 2);
    if (s->transc) {
        mask &= ~0x0200;                /* C1: rounded up, from the ULPs */
    }
    if ((fa ^ fb) & mask) {
        g_string_append_printf(msg, " fsw %04x != %04x;", fb, fa);
    }
    if (a->fx[DG_FX_FTW] != b->fx[DG_FX_FTW]) {
        g_string_append_printf(msg, " ftw %02x != %02x;", b->fx[DG_FX_FTW],
                               a->fx[DG_FX_FTW]);
    }
    memcpy(&ma, a->fx + DG_FX_MXCSR, 4);
    memcpy(&mb, b->fx + DG_FX_MXCSR, 4);
    if (ma != mb) {
        g_string_append_printf(msg, " mxcsr %08x != %08x;", mb, ma);
    }
    for (unsigned i = 0; i < 8; i++) {
        const uint8_t *ra = a->fx + DG_FX_ST0 + 16 * i;
        const uint8_t *rb = b->fx + DG_FX_ST0 + 16 * i;
        uint64_t m[2];
        uint16_t e[2];

        if (!memcmp(ra, rb, 10) ||
            (s->transc && i < 2 && dc_ulps(ra, rb) <= DC_ULPS)) {
            continue;
        }
        memcpy(&m[0], rb, 8);
        memcpy(&e[0], rb + 8, 2);
        memcpy(&m[1], ra, 8);
        memcpy(&e[1], ra + 8, 2);
        g_string_append_printf(msg, " st%u %04x:%016" PRIx64 " != %04x:%016"
                               PRIx64 ";", i, e[0], m[0], e[1], m[1]);
    }
    for (unsigned i = 0; i < 16; i++) {
        const uint8_t *xa = a->fx + DG_FX_XMM0 + 16 * i;
        const uint8_t *xb = b->fx + DG_FX_XMM0 + 16 * i;
        uint64_t q[4];

        if (!memcmp(xa, xb, 16)) {
            continue;
        }
        memcpy(q, xb, 16);
        memcpy(q + 2, xa, 16);
        g_string_append_printf(msg, " xmm%u %016" PRIx64 "%016" PRIx64
                               " != %016" PRIx64 "%016" PRIx64 ";", i, q[1],
                               q[0], q[3], q[2]);
    }
}

/* The first byte that differs, but in [skip, skip + nskip) */
static void dc_page(const char *name, const uint8_t *a, const uint8_t *b,
                    unsigned size, GString *msg, unsigned skip,
                    unsigned nskip)
{
    for (unsigned i = 0; i < size; i++) {
        if (a[i] != b[i] && i - skip >= nskip) {
            g_string_append_printf(msg, " %s+%u %02x != %02x;", name, i, b[i],
                                   a[i]);
            return;
        }
    }
}

void dc_compare(const DiffSeq *s, const DiffState *a, const DiffState *b,
                GString *msg)
{
    unsigned at = a->excp >= 0 ? dg_insn_at(s, a->fault_off) : s->n;
    uint32_t mask = DG_CC & ~s->undef[at];
    uint64_t rmask = s->bits == 32 ? 0xffffffffull : ~0ull;

    if (!a->ran || !b->ran) {
        g_string_append(msg, " did not finish;");
        return;
    }
    if (a->excp != b->excp || (a->excp >= 0 &&
                               a->fault_off != b->fault_off)) {
        g_string_append_printf(msg, " exception %d at +%u != %d at +%u;",
                               b->excp, b->fault_off, a->excp, a->fault_off);
        return;
    }
    for (int i = 0; i < 15; i++) {
        if (i == DG_MEM_REG) {
            continue;
        }
        if ((a->regs[i] ^ b->regs[i]) & rmask) {
            g_string_append_printf(msg, " %s %" PRIx64 " != %" PRIx64 ";",
                                   dc_regs[i], b->regs[i] & rmask,
                                   a->regs[i] & rmask);
        }
    }
    if ((a->flags ^ b->flags) & mask) {
        g_string_append_printf(msg, " flags %03x != %03x (mask %03x);",
                               b->flags, a->flags, mask);
    }
    dc_fx(s, a, b, msg);
    dc_page("mem", a->mem, b->mem, DG_MEM_SIZE, msg, 0, 0);
    if (a->excp >= 0 && s->bits == 32) {
        /* Kestrel's exception frame below ESP; the host's is elsewhere */
        dc_page("stack", a->stack, b->stack, DG_STACK_SIZE, msg,
                (a->regs[4] & 0xffffffff) - 16, 16);
    } else if (a->excp >= 0 && s->bits == 16) {
        /* the frame's FLAGS: its defined bits are compared above */
        dc_page("stack", a->stack, b->stack, DG_STACK_SIZE, msg,
                (a->regs[4] & 0xffff) - 2, 2);
    } else {
        dc_page("stack", a->stack, b->stack, DG_STACK_SIZE, msg, 0, 0);
    }
}

/* The initial scratch bytes a memory operand of @insn reads */
static void dc_print_mem(const DiffSeq *s, const X86Insn *insn,
                         unsigned next)
{
    for (unsigned i = 0; i < insn->nops; i++) {
        const X86Operand *op = &insn->op[i];
        int64_t at = op->disp;

        if (op->kind != X86_OPND_MEM || !op->size) {
            continue;
        }
        if (op->base == X86_GPR_RIP) {
            at += next - DG_RIP_DELTA;
        } else if (op->base != X86_GPR_DI) {
            continue;
        }
        if (at < 0 || at + op->size > DG_MEM_SIZE) {
            continue;
        }
        printf("        mem+%" PRId64 " before:", at);
        for (int j = MIN(op->size, 16) - 1; j >= 0; j--) {
            printf("%s%02x", j % 4 == 3 ? " " : "", s->mem[at + j]);
        }
        printf("\n");
    }
}

void dc_print_code(const DiffSeq *s)
{
    static const X86Mode modes[3] = { X86_MODE_16, X86_MODE_32, X86_MODE_64 };
    X86Mode mode = modes[s->bits == 16 ? 0 : s->bits == 32 ? 1 : 2];

    printf("  bytes:");
    for (unsigned i = 0; i < s->len; i++) {
        printf(" %02x", s->code[i]);
    }
    printf("\n");
    for (unsigned i = 0; i < s->n; i++) {
        X86Insn insn;
        char text[128] = "(bad)";
        unsigned off = s->off[i], len = s->off[i + 1] - off;

        if (x86_decode(&insn, s->code + off, len, mode) != X86_DEC_OK) {
            insn.nops = 0;
        } else {
            x86_disas(&insn, text, sizeof(text), off);
        }
        printf("  %4u: %-40s", off, text);
        for (unsigned j = 0; j < len; j++) {
            printf(" %02x", s->code[off + j]);
        }
        printf("\n");
        dc_print_mem(s, &insn, off + len);
    }
}
