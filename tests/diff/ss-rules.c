/* SPDX-License-Identifier: MIT */
/*
 * What the 286 vectors mean on a 386+ CPU: the skips, the flag masks and
 * the stack-fault rule of the table "Using it on a 386+/Pentium-class
 * emulator" in ../shared/singlestep-286/README.md, as tables. Called by
 * tests/diff/singlestep.c for each record.
 * Ref: Intel SDM Vol. 2 (LOCK: the lockable instructions; SAL/SAR/SHL/SHR
 * and RCL/RCR/ROL/ROR: undefined OF, CF and AF), 80386 PRM 14.7 and 15.6.
 * Beyond the README: one IDIV record where the 286 missed a quotient
 * overflow (skipped), and SZP after the #DE of AAM 0 (masked: 2 records
 * where the 286 changed them), and the pointers of a faulting string
 * instruction (the 286 has advanced the faulting one; a 386+ has not);
 * a POP m whose store faults is skipped (the 286 had moved SP).
 * Missing: nothing the README's table lists; ENTER (C8) has no data.
 */
#include "kestrel/osdep.h"
#include "ss-rules.h"

#define SS_OF 0x0800
#define SS_AF 0x0010
#define SS_CF 0x0001
#define SS_SF 0x0080
#define SS_ZF 0x0040
#define SS_PF 0x0004

/* Prefixes of real-mode 286 code */
static const bool ss_is_prefix[256] = {
    [0x26] = true, [0x2e] = true, [0x36] = true, [0x3e] = true,
    [0xf0] = true, [0xf2] = true, [0xf3] = true,
};

/* One-byte opcodes with a ModRM byte (16-bit real mode) */
static const bool ss_has_modrm[256] = {
    [0x00] = true, [0x01] = true, [0x02] = true, [0x03] = true,
    [0x08] = true, [0x09] = true, [0x0a] = true, [0x0b] = true,
    [0x10] = true, [0x11] = true, [0x12] = true, [0x13] = true,
    [0x18] = true, [0x19] = true, [0x1a] = true, [0x1b] = true,
    [0x20] = true, [0x21] = true, [0x22] = true, [0x23] = true,
    [0x28] = true, [0x29] = true, [0x2a] = true, [0x2b] = true,
    [0x30] = true, [0x31] = true, [0x32] = true, [0x33] = true,
    [0x38] = true, [0x39] = true, [0x3a] = true, [0x3b] = true,
    [0x62] = true, [0x69] = true, [0x6b] = true,
    [0x80 ... 0x8f] = true, [0xc0] = true, [0xc1] = true, [0xc4] = true,
    [0xc5] = true, [0xc6] = true, [0xc7] = true, [0xd0 ... 0xd3] = true,
    [0xd8 ... 0xdf] = true, [0xf6] = true, [0xf7] = true, [0xfe] = true,
    [0xff] = true,
};

/* Lockable forms (with a memory destination): bit r set = ModRM reg r */
static const uint8_t ss_lockable[256] = {
    [0x00] = 0xff, [0x01] = 0xff, [0x08] = 0xff, [0x09] = 0xff,
    [0x10] = 0xff, [0x11] = 0xff, [0x18] = 0xff, [0x19] = 0xff,
    [0x20] = 0xff, [0x21] = 0xff, [0x28] = 0xff, [0x29] = 0xff,
    [0x30] = 0xff, [0x31] = 0xff, [0x80] = 0x7f, [0x81] = 0x7f,
    [0x82] = 0x7f, [0x83] = 0x7f, [0x86] = 0xff, [0x87] = 0xff,
    [0xf6] = 0x0c, [0xf7] = 0x0c, [0xfe] = 0x03, [0xff] = 0x03,
};

/* Instructions whose memory accesses go through SS: bit r set = ModRM reg
 * r for group opcodes, 0xff for the others */
static const uint8_t ss_stack_op[256] = {
    [0x06] = 0xff, [0x07] = 0xff, [0x0e] = 0xff, [0x16] = 0xff,
    [0x17] = 0xff, [0x1e] = 0xff, [0x1f] = 0xff, [0x50 ... 0x61] = 0xff,
    [0x68] = 0xff, [0x6a] = 0xff, [0x8f] = 0xff, [0x9a] = 0xff,
    [0x9c] = 0xff, [0x9d] = 0xff, [0xc2] = 0xff, [0xc3] = 0xff,
    [0xc8] = 0xff, [0xc9] = 0xff, [0xca ... 0xcf] = 0xff, [0xe8] = 0xff,
    [0xff] = 0x4c,                      /* CALL near/far, PUSH */
};

/* String instructions: bit 0 uses SI, bit 1 uses DI */
static const uint8_t ss_string_regs[256] = {
    [0x6c] = 2, [0x6d] = 2, [0x6e] = 1, [0x6f] = 1, [0xa4 ... 0xa7] = 3,
    [0xaa] = 2, [0xab] = 2, [0xac] = 1, [0xad] = 1, [0xae] = 2, [0xaf] = 2,
};

/* Records where this 286 did what no 386+ does (found by the runner) */
static const struct {
    const char *hash;
    const char *why;
} ss_quirks[] = {
    { "0038b4bacfb75535b5da175f619b0812b16d0601",
      "286 quirk: IDIV quotient -260 stored as -128 without #DE" },
};

void ss_decode(const SsRecord *r, SsInsn *in)
{
    unsigned i = 0;

    memset(in, 0, sizeof(*in));
    in->seg = -1;
    while (i < r->nbytes && ss_is_prefix[r->bytes[i]]) {
        if (r->bytes[i] == 0xf0) {
            in->lock = true;
        } else if (r->bytes[i] >= 0xf2) {
            in->rep = true;
        } else if ((r->bytes[i] & 0xe7) == 0x26) {
            in->seg = (r->bytes[i] >> 3) & 3;   /* ES CS SS DS */
        }
        i++;
    }
    in->op = i < r->nbytes ? r->bytes[i] : 0xf4;
    in->has_modrm = ss_has_modrm[in->op] && i + 1 < r->nbytes;
    if (in->has_modrm) {
        in->modrm = r->bytes[i + 1];
    }
}

const char *ss_skip_reason(const SsRecord *r, const SsInsn *in)
{
    unsigned reg = (in->modrm >> 3) & 7;
    bool mem = in->has_modrm && (in->modrm >> 6) != 3;

    for (unsigned i = 0; i < G_N_ELEMENTS(ss_quirks); i++) {
        if (!strcmp(r->hash, ss_quirks[i].hash)) {
            return ss_quirks[i].why;
        }
    }
    if (r->nbytes - 1 > 10) {
        return "longer than 10 bytes: #GP on a 286, runs on a 386+";
    }
    if (in->lock && !(mem && (ss_lockable[in->op] >> reg) & 1)) {
        return "LOCK on a form that is not lockable: #UD on a 386+";
    }
    if (in->op == 0x8f && r->exception == 13) {
        return "POP m at offset 0xFFFF: the 286 had popped (SP, frame)";
    }
    if ((in->op == 0x8c || in->op == 0x8e) && (reg == 4 || reg == 5)) {
        return "8C/8E with FS/GS: #UD on a 286";
    }
    return NULL;
}

bool ss_is_stack_access(const SsInsn *in)
{
    unsigned mod = in->modrm >> 6, rm = in->modrm & 7;

    if (in->has_modrm && ((ss_stack_op[in->op] >> ((in->modrm >> 3) & 7)) &
                          1)) {
        return true;
    }
    if (!in->has_modrm && ss_stack_op[in->op]) {
        return true;
    }
    if (in->seg == 2) {
        return true;
    }
    /* [bp+si], [bp+di], [bp+disp]: SS unless overridden */
    return in->has_modrm && in->seg < 0 && mod != 3 &&
           (rm == 2 || rm == 3 || (rm == 6 && mod != 0));
}

uint16_t ss_string_fault_reg(const SsRecord *r, const SsInsn *in, int reg,
                             uint16_t exp, uint16_t act)
{
    unsigned uses = ss_string_regs[in->op];
    uint16_t step = (in->op & 1) ? 2 : 1;
    uint16_t back = exp;

    if (!uses || (r->exception != 12 && r->exception != 13)) {
        return exp;
    }
    if (r->init.regs[SS_FLAGS] & 0x400) {
        step = -step;                   /* DF: the pointers went down */
    }
    if (reg == SS_SI && (uses & 1)) {
        back = exp - step;
    } else if (reg == SS_DI && (uses & 2)) {
        back = exp - step;
    } else if (reg == SS_CX && in->rep) {
        /* the 286 has counted the faulting iteration and one more */
        return act == (uint16_t)(exp + 1) || act == (uint16_t)(exp + 2) ?
               act : exp;
    }
    return act == back ? back : exp;    /* either one, the fault's pointer */
}

/* Undefined flags of shifts and rotates that metadata.json leaves out
 * (the README's "Not sure" list), by the masked count. */
uint16_t ss_extra_mask(const SsRecord *r, const SsInsn *in)
{
    unsigned reg = (in->modrm >> 3) & 7, width, cnt;
    uint16_t m = 0xffff;

    if (in->op == 0xd4 && r->exception == 0) {
        return ~(SS_SF | SS_ZF | SS_PF);    /* AAM 0: #DE, SZP undefined */
    }
    switch (in->op) {
    case 0xc0:
    case 0xc1:
        cnt = r->bytes[r->nbytes - 2];
        break;
    case 0xd2:
    case 0xd3:
        cnt = r->init.regs[SS_CX] & 0xff;
        break;
    default:
        return 0xffff;
    }
    cnt &= 31;
    width = in->op & 1 ? 16 : 8;
    if (cnt == 0) {
        return 0xffff;
    }
    if (cnt != 1) {
        m &= ~SS_OF;
    }
    if (reg >= 4) {
        m &= ~SS_AF;
        if (reg != 7 && cnt >= width) {
            m &= ~SS_CF;
        }
    }
    return m;
}
