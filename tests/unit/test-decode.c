/* SPDX-License-Identifier: MIT */
/*
 * x86 decoder and disassembler (cpu/x86/decode*.c, disas.c), checked
 * against Capstone 4.0.2.
 *
 * /cpu/x86/decode/maps: every opcode of the one-byte, 0F, 0F38 and 0F3A
 *   maps with every ModRM byte, without and with 66/F2/F3, in 16/32/64-bit.
 * /cpu/x86/decode/random/{16,32,64}: random byte streams; length and text
 *   must agree. Count: KESTREL_DECODE_RANDOM (default 10000000 per mode,
 *   about 20 s in all; test-decode-slow, in the 'slow' suite, and -m slow
 *   run 50000000 per mode).
 * Seed: KESTREL_SEED, else g_test's --seed; printed on failure.
 *
 * Where Capstone 4 is wrong or decodes beyond Kestrel's CPUs, the case is
 * matched by a named row of x86_deviations[] (documented in
 * docs/deviations.md) and counted; -v or KESTREL_DECODE_VERBOSE=1 prints
 * the counts and one example each. Everything else must match exactly.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/insn.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>

static csh cs_handle[3];
static cs_insn *cs_scratch[3];
static guint64 test_seed;
static bool verbose;
static unsigned max_failures_shown = 60;

typedef struct Case {
    X86Mode mode;
    const uint8_t *bytes;
    X86Insn insn;
    X86DecodeStatus st;
    char ours[256];
    bool cs_ok;
    unsigned cs_len;
    char cs_mnem[64];
    char cs_text[320];
} Case;

/* ---- helpers ---- */

static bool starts(const char *s, const char *p)
{
    return !strncmp(s, p, strlen(p));
}

static bool str_replace(char *s, size_t size, const char *from, const char *to)
{
    char *p = strstr(s, from);
    size_t fl = strlen(from), tl = strlen(to);

    if (!p || strlen(s) - fl + tl + 1 > size) {
        return false;
    }
    memmove(p + tl, p + fl, strlen(p + fl) + 1);
    memcpy(p, to, tl);
    return true;
}

static bool mnem_is(const Case *c, X86Mnemonic m)
{
    return c->st == X86_DEC_OK && c->insn.mnem == m;
}

static bool has_rel(const Case *c)
{
    for (unsigned i = 0; i < c->insn.nops; i++) {
        if (c->insn.op[i].kind == X86_OPND_REL) {
            return true;
        }
    }
    return false;
}

/* Cut the text after the last space (a branch target) */
static void cut_last_word(char *s)
{
    char *p = strrchr(s, ' ');
    if (p) {
        *p = 0;
    }
}

/* ---- deviations ---- */

/* Capstone decodes instructions Kestrel's CPUs do not have: we give #UD. */
static bool dev_beyond_target(Case *c)
{
    static const char *const pfx[] = {
        "sha", "adcx", "adox", "invept", "invvpid", "invpcid", "vm",
        "xbegin", "xabort", "xend", "xtest", "rdfsbase", "rdgsbase",
        "wrfsbase", "wrgsbase", "xrstors", "xsavec", "xsaves", "clac",
        "stac", "encl", "rdpid", "clwb", "clflushopt", "pcommit",
        "ptwrite", "umonitor", "umwait", "tpause", "bnd", "getsec",
        "femms", "pf", "pi2f", "pmulhrw", "pavgusb", "pswapd", "monitorx",
        "mwaitx", "clzero", "skinit", "invlpga", "stgi", "clgi", "rdpkru",
        "wrpkru", "prefetchwt1", "montmul", "xcrypt", "xstore", "xsha",
        "extrq", "insertq", "movntss", "movntsd", "endbr", "incssp",
        "rdssp", "saveprevssp", "rstorssp", "wrss", "setssbsy", "clrssbsy",
        "cldemote", "xgetbv", "xsetbv", "rdrand", "rdseed", "encls",
        "ud2b", "ud1", "ud0", "prefetch", "nop", "lzcnt", "tzcnt",
        /* AMD XOP/TBM/LWP (8F escape) */
        "bextr", "blc", "blsfill", "blsic", "t1mskc", "tzmsk", "llwpcb",
        "slwpcb", "lwpins", "lwpval", NULL,
    };

    if (c->st != X86_DEC_UD || !c->cs_ok) {
        return false;
    }
    for (const char *const *p = pfx; *p; p++) {
        if (starts(c->cs_mnem, *p)) {
            return true;
        }
    }
    return false;
}

/* Capstone accepts LOCK on non-lockable instructions or register destinations */
static bool dev_lock(Case *c)
{
    return c->st == X86_DEC_UD && c->cs_ok &&
           (c->insn.prefixes & X86_PFX_F0);
}

/* Capstone accepts CR1, CR5-7, CR9-15, DR8-15 and MOV CS, r/m */
static bool dev_bad_sysreg(Case *c)
{
    return c->st == X86_DEC_UD && c->cs_ok && !strcmp(c->cs_mnem, "mov") &&
           (strstr(c->cs_text, "cr") || strstr(c->cs_text, "dr") ||
            starts(c->cs_text, "mov cs,"));
}

/* Capstone accepts 66 0F 12/16 with mod == 3 (MOVLPD/MOVHPD need memory) */
static bool dev_movlpd_reg(Case *c)
{
    return c->st == X86_DEC_UD && c->cs_ok &&
           (!strcmp(c->cs_mnem, "movhlps") || !strcmp(c->cs_mnem, "movlhps"));
}

/* VEX: identity and length only; Capstone knows a different VEX set */
static bool dev_vex(Case *c)
{
    if (c->st == X86_DEC_OK && (c->insn.flags & X86_IF_VEX)) {
        if (!c->cs_ok) {
            return true;                /* an opcode Capstone 4 lacks */
        }
        if (c->cs_len != c->insn.len) {
            return false;
        }
        return true;                    /* operands are not decoded */
    }
    /* legacy prefix or REX before VEX: #UD; Capstone ignores it (VEX
     * mnemonics start with 'v', or 'k' for the AVX-512 mask registers) */
    return c->st == X86_DEC_UD && c->cs_ok &&
           (c->cs_mnem[0] == 'v' || c->cs_mnem[0] == 'k');
}

/* LFENCE/MFENCE/SFENCE with ModRM.rm != 0 or a 66 prefix: Capstone rejects */
static bool dev_fence(Case *c)
{
    return (!c->cs_ok || strcmp(c->cs_text, c->ours)) && (mnem_is(c, X86_INSN_LFENCE) ||
                         mnem_is(c, X86_INSN_MFENCE) ||
                         mnem_is(c, X86_INSN_SFENCE));
}

/* Reserved hint NOPs 0F 19..0F 1E: Capstone 4 mixes in MPX/CET forms */
static bool dev_hint_nop(Case *c)
{
    return c->st == X86_DEC_OK && c->insn.mnem == X86_INSN_NOP &&
           c->insn.map == X86_MAP_0F && c->insn.opcode >= 0x18 &&
           c->insn.opcode <= 0x1f;
}

/* Capstone loses a 66, F2 or F3 prefix followed by other legacy prefixes */
static bool dev_66_not_last(Case *c)
{
    const uint8_t *b = c->bytes;
    unsigned i;
    bool seen66 = false;

    for (i = 0; i < 14; i++) {
        if (b[i] == 0x66 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0x67) {
            if (seen66) {
                return true;
            }
            seen66 = true;
        } else if ( b[i] == 0xf3 || b[i] == 0xf0 ||
                   b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 ||
                   b[i] == 0x3e || b[i] == 0x64 || b[i] == 0x65) {
            if (seen66) {
                return true;
            }
        } else if (c->mode == X86_MODE_64 && (b[i] & 0xf0) == 0x40) {
            continue;
        } else {
            break;
        }
    }
    return false;
}

/* 64-bit mode: REX.W beats 66 (SDM 2.2.1.2); MOVSXD without REX.W has a
 * 32-bit destination; REX.R does not extend Sreg numbers */
static bool dev_rex(Case *c)
{
    if (c->mode != X86_MODE_64) {
        return false;
    }
    if ((c->insn.rex & 8) &&
        (c->insn.prefixes & (X86_PFX_66 | X86_PFX_67))) {
        return true;
    }
    /* several REX bytes: only the last counts; Capstone merges them */
    {
        unsigned nrex = 0;
        for (unsigned i = 0; i < c->insn.len && i < 14; i++) {
            if ((c->bytes[i] & 0xf0) == 0x40) {
                nrex++;
            } else if (c->bytes[i] != 0x66 && c->bytes[i] != 0x67 &&
                       c->bytes[i] != 0xf2 && c->bytes[i] != 0xf3 &&
                       c->bytes[i] != 0xf0 && (c->bytes[i] & 0xe7) != 0x26 &&
                       (c->bytes[i] & 0xfe) != 0x64) {
                break;
            }
        }
        if (nrex > 1) {
            return true;
        }
    }
    /* XCHG with 66 and REX, MOVMSKPS/PD r64: Capstone's register sizes */
    if ((mnem_is(c, X86_INSN_XCHG) && (c->insn.prefixes & X86_PFX_66) &&
         c->insn.rex) ||
        ((mnem_is(c, X86_INSN_MOVMSKPS) || mnem_is(c, X86_INSN_MOVMSKPD)) &&
         (c->insn.rex & 8))) {
        return true;
    }
    /* LSL r64, r32: Capstone prints a 64-bit source */
    if ((mnem_is(c, X86_INSN_LSL) || mnem_is(c, X86_INSN_LAR)) &&
        (c->insn.rex & 8)) {
        return true;
    }
    /* MOVQ r/m64 <-> mm: Capstone calls it movd */
    if (c->st == X86_DEC_OK && c->insn.mnem == X86_INSN_MOVQ &&
        (c->insn.rex & 8) && !strcmp(c->cs_mnem, "movd")) {
        return true;
    }
    if ((mnem_is(c, X86_INSN_MOVSXD) && !(c->insn.rex & 8)) ||
        (mnem_is(c, X86_INSN_PAUSE) && c->insn.rex)) {
        return true;
    }
    return c->st == X86_DEC_OK && !c->cs_ok && (c->insn.rex & 4) &&
           c->insn.mnem == X86_INSN_MOV && c->insn.map == X86_MAP_1BYTE &&
           (c->insn.opcode == 0x8c || c->insn.opcode == 0x8e);
}

/* Capstone decodes SWAPGS outside 64-bit mode (#UD there: SDM SWAPGS) */
static bool dev_swapgs(Case *c)
{
    return c->mode != X86_MODE_64 && c->st == X86_DEC_UD &&
           !strcmp(c->cs_mnem, "swapgs");
}

/* UD0/UD1 have a ModRM byte (SDM); Capstone 4 decodes them without */
static bool dev_ud01(Case *c)
{
    return mnem_is(c, X86_INSN_UD0) || mnem_is(c, X86_INSN_UD1);
}

/* 64-bit mode: Intel ignores 66 on near branches; Capstone uses rel16 */
static bool dev_branch66_64(Case *c)
{
    return c->mode == X86_MODE_64 && c->st == X86_DEC_OK &&
           (c->insn.prefixes & X86_PFX_66) && (c->insn.flags & X86_IF_BRANCH) &&
           (c->insn.op[0].kind == X86_OPND_REL ||
            c->insn.op[0].kind == X86_OPND_MEM ||
            c->insn.op[0].kind == X86_OPND_REG || c->insn.nops == 0 ||
            c->insn.op[0].kind == X86_OPND_IMM);
}

/* Capstone prints "bnd", "xacquire", "xrelease", "notrack" hints */
static bool dev_hint_prefix(Case *c)
{
    static const char *const hints[] = {
        "bnd ", "xacquire ", "xrelease ", "notrack ", NULL,
    };
    bool hit = false;

    for (const char *const *h = hints; *h; h++) {
        while (str_replace(c->cs_text, sizeof(c->cs_text), *h, "")) {
            hit = true;
        }
    }
    return hit;
}

/* Capstone does not print LOCK when F2/F3 follows it */
static bool dev_lock_rep(Case *c)
{
    if (c->st == X86_DEC_OK && starts(c->ours, "lock ") &&
        !starts(c->cs_text, "lock ") &&
        (c->insn.prefixes & (X86_PFX_F2 | X86_PFX_F3))) {
        memmove(c->ours, c->ours + 5, strlen(c->ours + 5) + 1);
        return true;
    }
    return false;
}

/* Capstone drops REPNE on MOVS/STOS/LODS/INS/OUTS of some sizes */
static bool dev_repne_string(Case *c)
{
    if (c->st == X86_DEC_OK && (c->insn.flags & X86_IF_REPNE) &&
        starts(c->ours, "repne ") && !starts(c->cs_text, "repne ")) {
        memmove(c->ours, c->ours + 6, strlen(c->ours + 6) + 1);
        return true;
    }
    return false;
}

/* Branch targets: Capstone does not wrap rel16 targets to 16 bits, and
 * with a 67 prefix truncates them oddly; compare without the target */
static bool dev_rel_target(Case *c)
{
    if (c->st == X86_DEC_OK && c->cs_ok && has_rel(c) &&
        (c->insn.op_size == 2 || c->mode == X86_MODE_16 ||
         (c->insn.prefixes & X86_PFX_67)) &&
        strcmp(c->ours, c->cs_text)) {
        cut_last_word(c->ours);
        cut_last_word(c->cs_text);
        return true;
    }
    return false;
}

/* Absolute addresses: Capstone sign-extends a 16-bit [disp16] to 32 bits
 * and prints a 64-bit mode [disp32] without its sign extension */
static bool dev_abs_address(Case *c)
{
    char *po = strchr(c->ours, '['), *pc = strchr(c->cs_text, '[');
    uint64_t vo, vc, mask;
    char *eo, *ec;

    if (c->st != X86_DEC_OK || !c->cs_ok || !po || !pc ||
        !g_ascii_isdigit(po[1]) || !g_ascii_isdigit(pc[1])) {
        return false;
    }
    vo = strtoull(po + 1, &eo, 0);
    vc = strtoull(pc + 1, &ec, 0);
    if (*eo != ']' || *ec != ']' || vo == vc) {
        return false;
    }
    mask = c->insn.addr_size == 2 || c->mode == X86_MODE_16 ? 0xffff
           : c->mode == X86_MODE_64 ? 0xff : 0xffffffff;
    if ((vo & mask) != (vc & mask)) {
        return false;
    }
    /* 64-bit [disp32] through a SIB: Capstone truncates to the operand
     * size (or to a byte with a scaled "no index") */
    if (c->mode == X86_MODE_64 && vc != (vo & 0xffffffff) &&
        vc != (vo & 0xffff) && vc != (vo & 0xff) &&
        vc != (uint64_t)(int64_t)(int32_t)vo) {
        return false;
    }
    /* replace Capstone's number by ours */
    {
        char tail[320];
        g_strlcpy(tail, ec, sizeof(tail));
        snprintf(pc, sizeof(c->cs_text) - (pc - c->cs_text), "[0x%" PRIx64 "%s",
                 vo, tail);
    }
    return true;
}

/* Wrong memory operand sizes in Capstone 4 (SDM vol. 2 instruction pages) */
static bool dev_mem_size(Case *c)
{
    static const struct {
        X86Mnemonic m;
        const char *cs, *ours;
    } fix[] = {
        { X86_INSN_FNSTSW, "dword ptr ", "word ptr " },     /* m2byte */
        { X86_INSN_FRSTOR, "dword ptr ", "" },              /* 94/108 bytes */
        { X86_INSN_FNSAVE, "dword ptr ", "" },
        { X86_INSN_COMISS, "xmmword ptr ", "dword ptr " },  /* m32 */
        { X86_INSN_UCOMISS, "xmmword ptr ", "dword ptr " },
        { X86_INSN_COMISD, "xmmword ptr ", "qword ptr " },  /* m64 */
        { X86_INSN_UCOMISD, "xmmword ptr ", "qword ptr " },
        { X86_INSN_LAR, "dword ptr ", "word ptr " },        /* r32/m16 */
        { X86_INSN_LSL, "dword ptr ", "word ptr " },
        { X86_INSN_LAR, "qword ptr ", "word ptr " },
        { X86_INSN_LSL, "qword ptr ", "word ptr " },
    };

    if (c->st != X86_DEC_OK || !c->cs_ok) {
        return false;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(fix); i++) {
        if (c->insn.mnem == fix[i].m &&
            str_replace(c->cs_text, sizeof(c->cs_text), fix[i].cs,
                        fix[i].ours)) {
            return true;
        }
    }
    return false;
}

/* ENTER, RETFQ: Capstone prints the immediates as signed numbers */
static bool dev_enter(Case *c)
{
    if ((mnem_is(c, X86_INSN_ENTER) || mnem_is(c, X86_INSN_RETF)) &&
        c->cs_ok && strcmp(c->ours, c->cs_text)) {
        cut_last_word(c->ours);
        cut_last_word(c->cs_text);
        if (c->insn.mnem == X86_INSN_ENTER) {
            cut_last_word(c->ours);
            cut_last_word(c->cs_text);
        }
        return true;
    }
    return false;
}

/* 16-bit mode: Capstone prints CBW/CWD as cwde/cdq and does not take 66
 * as an SSE mandatory prefix */
static bool dev_16bit(Case *c)
{
    if (c->mode != X86_MODE_16 || c->st == X86_DEC_NEED_MORE) {
        return false;
    }
    if (c->st == X86_DEC_OK &&
        (c->insn.mnem == X86_INSN_CBW || c->insn.mnem == X86_INSN_CWD)) {
        return true;
    }
    return (c->insn.prefixes & (X86_PFX_66 | X86_PFX_F2 | X86_PFX_F3)) &&
           (c->insn.map != X86_MAP_1BYTE || c->insn.mnem == X86_INSN_PAUSE ||
            c->st != X86_DEC_OK);
}

/* F3 66 / F2 66 0F xx: Capstone lets a later 66 override F2/F3 as the
 * mandatory prefix; the SDM (2.1.2... "mandatory prefix") gives F2/F3
 * precedence */
static bool dev_mandatory_order(Case *c)
{
    const uint8_t *b = c->bytes;
    bool rep_then_66 = false, seen_rep = false;

    for (unsigned i = 0; i < 14; i++) {
        if (b[i] == 0xf2 || b[i] == 0xf3) {
            seen_rep = true;
        } else if (b[i] == 0x66) {
            rep_then_66 |= seen_rep;
        } else if (b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 ||
                   b[i] == 0x3e || b[i] == 0x64 || b[i] == 0x65 ||
                   b[i] == 0x67 || b[i] == 0xf0 ||
                   (c->mode == X86_MODE_64 && (b[i] & 0xf0) == 0x40)) {
            continue;
        } else {
            break;
        }
    }
    return rep_then_66 && (c->insn.mand_prefix || c->st != X86_DEC_OK ||
                           !c->cs_ok);
}

typedef struct Deviation {
    const char *name;
    bool (*fn)(Case *c);
    bool rewrite;               /* edits the texts, then the compare goes on */
    guint64 hits;
    char example[400];
} Deviation;

static Deviation x86_deviations[] = {
    { "hint prefixes (bnd, xacquire, xrelease)", dev_hint_prefix, true },
    { "REPNE dropped on MOVS/STOS/LODS", dev_repne_string, true },
    { "LOCK not shown before F2/F3", dev_lock_rep, true },
    { "rel16 / addr16 branch targets", dev_rel_target, true },
    { "absolute addresses [disp16] / 64-bit [disp32]", dev_abs_address, true },
    { "memory operand sizes", dev_mem_size, true },
    { "ENTER/RETFQ immediates printed signed", dev_enter, true },
    { "beyond Kestrel's CPUs: #UD", dev_beyond_target, false },
    { "LOCK on non-lockable or register destination", dev_lock, false },
    { "invalid CR/DR numbers, MOV CS", dev_bad_sysreg, false },
    { "66 0F 12/16 with a register operand", dev_movlpd_reg, false },
    { "VEX: identity and length only", dev_vex, false },
    { "fences with ModRM.rm != 0 or 66", dev_fence, false },
    { "reserved hint NOPs 0F 19-1E", dev_hint_nop, false },
    { "UD0/UD1 ModRM", dev_ud01, false },
    { "66 followed by other prefixes", dev_66_not_last, false },
    { "SWAPGS outside 64-bit mode", dev_swapgs, false },
    { "REX.W with 66, MOVSXD r32, REX.R on Sreg", dev_rex, false },
    { "66 on near branches in 64-bit mode", dev_branch66_64, false },
    { "F2/F3 then 66: mandatory prefix order", dev_mandatory_order, false },
    { "16-bit mode: CBW/CWD names, 66 as mandatory prefix", dev_16bit, false },
};

static const X86Mode modes[3] = { X86_MODE_16, X86_MODE_32, X86_MODE_64 };
static const char *const mode_names[3] = { "16", "32", "64" };

static void case_run(Case *c, X86Mode mode, const uint8_t *bytes)
{
    cs_insn *ci = cs_scratch[mode];
    const uint8_t *p = bytes;
    size_t size = X86_MAX_INSN_LEN;
    uint64_t addr = 0x1000;

    c->mode = mode;
    c->bytes = bytes;
    c->st = x86_decode(&c->insn, bytes, X86_MAX_INSN_LEN, mode);
    if (c->st == X86_DEC_OK) {
        x86_disas(&c->insn, c->ours, sizeof(c->ours), 0x1000);
    } else {
        c->ours[0] = 0;
    }
    c->cs_ok = cs_disasm_iter(cs_handle[mode], &p, &size, &addr, ci);
    if (c->cs_ok) {
        c->cs_len = ci->size;
        g_strlcpy(c->cs_mnem, ci->mnemonic, sizeof(c->cs_mnem));
        snprintf(c->cs_text, sizeof(c->cs_text), "%s%s%s", ci->mnemonic,
                 ci->op_str[0] ? " " : "", ci->op_str);
    } else {
        c->cs_len = 0;
        c->cs_mnem[0] = c->cs_text[0] = 0;
    }
}

static bool case_agrees(const Case *c)
{
    if (c->st != X86_DEC_OK || !c->cs_ok) {
        return c->st != X86_DEC_OK && !c->cs_ok;
    }
    return c->insn.len == c->cs_len && !strcmp(c->ours, c->cs_text);
}

static void case_describe(const Case *c, char *buf, size_t len)
{
    GString *s = g_string_new(NULL);
    unsigned n = c->st == X86_DEC_OK ? c->insn.len : MAX(c->cs_len, 4);

    g_string_append_printf(s, "mode %s bytes", mode_names[c->mode]);
    for (unsigned i = 0; i < n && i < X86_MAX_INSN_LEN; i++) {
        g_string_append_printf(s, " %02x", c->bytes[i]);
    }
    g_string_append_printf(s, ": ours st=%d len=%u \"%s\"; capstone ",
                           c->st, c->insn.len, c->ours);
    if (c->cs_ok) {
        g_string_append_printf(s, "len=%u \"%s\"", c->cs_len, c->cs_text);
    } else {
        g_string_append(s, "invalid");
    }
    g_strlcpy(buf, s->str, len);
    g_string_free(s, true);
}

/* Returns true if the case passes (possibly through a deviation) */
static bool case_check(X86Mode mode, const uint8_t *bytes, guint64 *failures)
{
    Case c;
    char desc[512];

    case_run(&c, mode, bytes);
    if (case_agrees(&c)) {
        return true;
    }
    case_describe(&c, desc, sizeof(desc));
    for (unsigned i = 0; i < G_N_ELEMENTS(x86_deviations); i++) {
        Deviation *d = &x86_deviations[i];
        if (d->fn(&c)) {
            if (!d->hits++) {
                g_strlcpy(d->example, desc, sizeof(d->example));
            }
            if (!d->rewrite || case_agrees(&c)) {
                return true;
            }
        }
    }
    (*failures)++;
    {
        /* show a few of each kind */
        static GHashTable *shown;
        char *key = g_strdup_printf("%d/%s/%s", c.mode,
                                    x86_mnemonic_name(c.insn.mnem), c.cs_mnem);
        unsigned k;
        if (!shown) {
            shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        }
        k = GPOINTER_TO_UINT(g_hash_table_lookup(shown, key));
        if (k < 2 && g_hash_table_size(shown) < max_failures_shown) {
            fprintf(stderr, "# MISMATCH %s\n", desc);
        }
        g_hash_table_insert(shown, key, GUINT_TO_POINTER(k + 1));
    }
    return false;
}

static void report_deviations(void)
{
    if (!verbose) {
        return;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(x86_deviations); i++) {
        Deviation *d = &x86_deviations[i];
        if (d->hits) {
            printf("# deviation \"%s\": %" G_GUINT64_FORMAT " (e.g. %s)\n",
                   d->name, d->hits, d->example);
        }
    }
}

static void fail_with_seed(guint64 failures, const char *what)
{
    if (failures) {
        fprintf(stderr, "# %s: %" G_GUINT64_FORMAT " mismatches; "
                "reproduce with KESTREL_SEED=%" G_GUINT64_FORMAT "\n",
                what, failures, test_seed);
    }
    g_assert_cmpuint(failures, ==, 0);
}

/* ---- every opcode, every ModRM, with and without prefixes ---- */

static void test_maps(void)
{
    static const uint8_t esc[4][3] = {
        { 0 }, { 0x0f }, { 0x0f, 0x38 }, { 0x0f, 0x3a },
    };
    static const uint8_t esc_len[4] = { 0, 1, 2, 2 };
    static const uint8_t pfx[] = { 0, 0x66, 0xf3, 0xf2, 0xf0 };
    guint64 failures = 0, n = 0;

    for (unsigned m = 0; m < 3; m++) {
        for (unsigned map = 0; map < 4; map++) {
            for (unsigned p = 0; p < G_N_ELEMENTS(pfx); p++) {
                for (unsigned op = 0; op < 256; op++) {
                    for (unsigned modrm = 0; modrm < 256; modrm++) {
                        uint8_t b[16] = { 0 };
                        unsigned k = 0;
                        if (pfx[p]) {
                            b[k++] = pfx[p];
                        }
                        memcpy(b + k, esc[map], esc_len[map]);
                        k += esc_len[map];
                        b[k++] = op;
                        b[k++] = modrm;
                        /* SIB, displacement, immediates */
                        for (unsigned j = k; j < 16; j++) {
                            b[j] = 0x11 * (j - k + 1);
                        }
                        case_check(modes[m], b, &failures);
                        n++;
                    }
                }
            }
        }
    }
    g_test_message("%" G_GUINT64_FORMAT " opcode/ModRM cases", n);
    report_deviations();
    fail_with_seed(failures, "maps");
}

/* ---- random byte streams ---- */

static guint64 random_count(void)
{
    const char *e = getenv("KESTREL_DECODE_RANDOM");

    if (e) {
        return g_ascii_strtoull(e, NULL, 0);
    }
#ifdef TEST_DECODE_SLOW
    return 50000000;
#else
    return g_test_slow() ? 50000000 : 10000000;
#endif
}

/* Random bytes, biased towards the escapes and prefixes */
static void random_stream(GRand *r, X86Mode mode, uint8_t *b)
{
    static const uint8_t pfx[] = { 0x66, 0xf2, 0xf3, 0x67, 0xf0, 0x26, 0x64 };
    uint32_t w = 0;

    for (unsigned i = 0; i < 16; i++) {
        if (!(i & 3)) {
            w = g_rand_int(r);
        }
        b[i] = w;
        w >>= 8;
    }
    switch (g_rand_int_range(r, 0, 8)) {
    case 1:
        b[0] = 0x0f;
        break;
    case 2:
        b[0] = 0x0f;
        b[1] = (b[1] & 1) ? 0x38 : 0x3a;
        break;
    case 3:
        b[0] = pfx[b[0] % G_N_ELEMENTS(pfx)];
        b[1] = 0x0f;
        break;
    case 4:
        if (mode == X86_MODE_64) {
            b[0] = 0x40 | (b[0] & 15);
        }
        break;
    case 5:
        b[0] = 0xd8 | (b[0] & 7);
        break;
    default:
        break;
    }
}

static void test_random(gconstpointer data)
{
    X86Mode mode = GPOINTER_TO_INT(data);
    guint64 n = random_count(), failures = 0;
    GRand *r = g_rand_new_with_seed_array((const guint32[]) {
        (guint32)test_seed, (guint32)(test_seed >> 32), mode }, 3);
    uint8_t b[16];

    for (guint64 i = 0; i < n; i++) {
        random_stream(r, mode, b);
        case_check(mode, b, &failures);
    }
    g_rand_free(r);
    g_test_message("mode %s: %" G_GUINT64_FORMAT " random streams",
                   mode_names[mode], n);
    report_deviations();
    fail_with_seed(failures, "random");
}

/* ---- the byte window: never past it, NEED_MORE when short ---- */

static void test_window(void)
{
    GRand *r = g_rand_new_with_seed(test_seed ^ 0x5a5a);
    uint8_t b[16];

    for (unsigned i = 0; i < 200000; i++) {
        X86Mode mode = modes[i % 3];
        X86Insn full, part;
        X86DecodeStatus st;

        random_stream(r, mode, b);
        st = x86_decode(&full, b, X86_MAX_INSN_LEN, mode);
        if (st != X86_DEC_OK) {
            continue;
        }
        g_assert_cmpuint(full.len, >=, 1);
        g_assert_cmpuint(full.len, <=, X86_MAX_INSN_LEN);
        for (unsigned avail = 0; avail <= full.len; avail++) {
            /* exactly @avail readable bytes: ASan catches an overread */
            uint8_t *w = g_memdup2(b, avail ? avail : 1);
            X86DecodeStatus s2 = x86_decode(&part, w, avail, mode);
            if (avail < full.len) {
                g_assert_cmpint(s2, ==, X86_DEC_NEED_MORE);
                g_assert_cmpuint(part.len, >, avail);
                g_assert_cmpuint(part.len, <=, full.len);
            } else {
                g_assert_cmpint(s2, ==, X86_DEC_OK);
                g_assert_cmpuint(part.len, ==, full.len);
                g_assert_cmpuint(part.mnem, ==, full.mnem);
            }
            g_free(w);
        }
    }
    g_rand_free(r);
}

/* ---- specific rules ---- */

static X86DecodeStatus dec(X86Insn *insn, X86Mode mode, const char *hex)
{
    uint8_t b[32];
    size_t n = 0;

    for (; hex[0] && hex[1]; hex += 2) {
        if (*hex == ' ') {
            hex--;
            continue;
        }
        b[n++] = g_ascii_xdigit_value(hex[0]) << 4 |
                 g_ascii_xdigit_value(hex[1]);
    }
    return x86_decode(insn, b, n, mode);
}

static const char *dis(X86Mode mode, const char *hex)
{
    static char buf[256];
    X86Insn insn;

    if (dec(&insn, mode, hex) != X86_DEC_OK) {
        return "(error)";
    }
    x86_disas(&insn, buf, sizeof(buf), 0x1000);
    return buf;
}

static void test_length_limit(void)
{
    X86Insn insn;

    /* 14 prefixes + NOP = 15 bytes: fine; 15 + NOP: #GP */
    g_assert_cmpint(dec(&insn, X86_MODE_32,
                        "6666666666666666666666666666" "90"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.len, ==, 15);
    g_assert_cmpint(dec(&insn, X86_MODE_32,
                        "666666666666666666666666666666" "90"), ==, X86_DEC_GP);
    /* 11 prefixes + 81 /0 with SIB, disp32 and imm32: 18 bytes */
    g_assert_cmpint(dec(&insn, X86_MODE_32,
                        "2626262626262626262626" "8184000000000000000000"),
                    ==, X86_DEC_GP);
    /* a short window is NEED_MORE, not #GP */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "8184"), ==, X86_DEC_NEED_MORE);
    g_assert_cmpuint(insn.len, ==, 3);
    g_assert_cmpint(dec(&insn, X86_MODE_32, ""), ==, X86_DEC_NEED_MORE);
}

static void test_invalid_by_mode(void)
{
    static const char *const inv64[] = {
        "06", "07", "0e", "16", "17", "1e", "1f", "27", "2f", "37", "3f",
        "60", "61", "6200", "ce", "d40a", "d50a", "d6", "9a000000000000",
        "ea000000000000", "8200c0", "c7f800000000",
    };
    X86Insn insn;

    for (unsigned i = 0; i < G_N_ELEMENTS(inv64); i++) {
        g_assert_cmpint(dec(&insn, X86_MODE_64, inv64[i]), ==, X86_DEC_UD);
        if (i < 20) {
            g_assert_cmpint(dec(&insn, X86_MODE_32, inv64[i]), ==, X86_DEC_OK);
        }
    }
    /* 40..4F: INC/DEC in 32-bit mode, REX in 64-bit mode */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "40"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_INC);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "4801c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.rex, ==, 0x48);
    g_assert_cmpuint(insn.op_size, ==, 8);
    /* C4/C5: LES/LDS with a memory operand outside 64-bit mode, else VEX */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "c400"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_LES);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "c5f858c0"), ==, X86_DEC_OK);
    g_assert_true(insn.flags & X86_IF_VEX);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_ADDPS);
    g_assert_cmpuint(insn.feature, ==, X86_FEAT_AVX);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "c400c0"), !=, X86_DEC_OK);
    /* 63: ARPL / MOVSXD */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "63c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_ARPL);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "4863c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_MOVSXD);
    /* SWAPGS only in 64-bit mode */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "0f01f8"), ==, X86_DEC_UD);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "0f01f8"), ==, X86_DEC_OK);
}

static void test_lock(void)
{
    X86Insn insn;

    g_assert_cmpint(dec(&insn, X86_MODE_32, "f00100"), ==, X86_DEC_OK);
    g_assert_true(insn.flags & X86_IF_LOCK);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f001c0"), ==, X86_DEC_UD);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f00300"), ==, X86_DEC_UD);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f03900"), ==, X86_DEC_UD);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f090"), ==, X86_DEC_UD);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f08700"), ==, X86_DEC_OK);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f00fc70e"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_CMPXCHG8B);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "f0480fc70e"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_CMPXCHG16B);
}

static void test_prefix_rules(void)
{
    X86Insn insn;

    /* last segment override wins */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "262e8b00"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.seg_override, ==, X86_SEG_CS);
    g_assert_cmpuint(insn.op[1].seg, ==, X86_SEG_CS);
    /* 64-bit: CS/DS/ES/SS overrides are ignored, FS/GS are not */
    g_assert_cmpint(dec(&insn, X86_MODE_64, "2e8b00"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.seg_override, ==, X86_SEG_NONE);
    g_assert_cmpuint(insn.seg_prefix, ==, X86_SEG_CS);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "648b00"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op[1].seg, ==, X86_SEG_FS);
    /* F2/F3: the last one is the mandatory prefix */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f2f30f58c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_ADDSS);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f3f20f58c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_ADDSD);
    /* F3 wins over 66 whatever the order */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f3660f58c0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_ADDSS);
    /* 66 as mandatory prefix does not change the operand size */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "660f7ec0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op[0].size, ==, 4);
    /* REX not immediately before the opcode is ignored */
    g_assert_cmpint(dec(&insn, X86_MODE_64, "48660100"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op_size, ==, 2);
    g_assert_cmpuint(insn.rex, ==, 0);
    /* REP on string instructions; F3 90 is PAUSE */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f3a5"), ==, X86_DEC_OK);
    g_assert_true(insn.flags & X86_IF_REP);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f2ae"), ==, X86_DEC_OK);
    g_assert_true(insn.flags & X86_IF_REPNE);
    g_assert_cmpint(dec(&insn, X86_MODE_32, "f390"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_PAUSE);
}

static void test_operands(void)
{
    X86Insn insn;

    /* mov eax, [ebp + ebx*4 + 8]: SS default for an EBP base */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "8b449d08"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.nops, ==, 2);
    g_assert_cmpuint(insn.op[0].kind, ==, X86_OPND_REG);
    g_assert_cmpuint(insn.op[0].reg_class, ==, X86_RC_GPR);
    g_assert_cmpuint(insn.op[0].size, ==, 4);
    g_assert_cmpuint(insn.op[1].kind, ==, X86_OPND_MEM);
    g_assert_cmpint(insn.op[1].base, ==, X86_GPR_BP);
    g_assert_cmpint(insn.op[1].index, ==, X86_GPR_BX);
    g_assert_cmpuint(insn.op[1].scale, ==, 4);
    g_assert_cmpint(insn.op[1].disp, ==, 8);
    g_assert_cmpuint(insn.op[1].seg, ==, X86_SEG_SS);
    /* RIP-relative */
    g_assert_cmpint(dec(&insn, X86_MODE_64, "8b05f0ffffff"), ==, X86_DEC_OK);
    g_assert_cmpint(insn.op[1].base, ==, X86_GPR_RIP);
    g_assert_cmpint(insn.op[1].disp, ==, -16);
    g_assert_true(insn.flags & X86_IF_RIPREL);
    /* AH without REX, SPL with REX */
    g_assert_cmpint(dec(&insn, X86_MODE_64, "88e0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op[0].reg_class, ==, X86_RC_GPR);
    g_assert_cmpuint(insn.op[1].reg_class, ==, X86_RC_GPR8H);
    g_assert_cmpuint(insn.op[1].reg, ==, 0);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "4088e0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op[1].reg_class, ==, X86_RC_GPR);
    g_assert_cmpuint(insn.op[1].reg, ==, X86_GPR_SP);
    /* 16-bit: [bp + si - 2] */
    g_assert_cmpint(dec(&insn, X86_MODE_16, "8b42fe"), ==, X86_DEC_OK);
    g_assert_cmpint(insn.op[1].base, ==, X86_GPR_BP);
    g_assert_cmpint(insn.op[1].index, ==, X86_GPR_SI);
    g_assert_cmpint(insn.op[1].disp, ==, -2);
    /* immediates: sign-extended imm8, imm32 sign-extended to 64 */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "83c0ff"), ==, X86_DEC_OK);
    g_assert_cmphex(insn.op[1].imm, ==, 0xffffffff);
    g_assert_cmpint(dec(&insn, X86_MODE_64, "4805ffffffff"), ==, X86_DEC_OK);
    g_assert_cmphex(insn.op[1].imm, ==, 0xffffffffffffffffull);
    /* relative and far targets */
    g_assert_cmpint(dec(&insn, X86_MODE_16, "e9fdff"), ==, X86_DEC_OK);
    g_assert_cmphex(x86_rel_target(&insn, 0xfff0), ==, 0xfff0);
    g_assert_cmpint(dec(&insn, X86_MODE_16, "ea5be000f0"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.op[0].kind, ==, X86_OPND_FAR);
    g_assert_cmphex(insn.op[0].far.sel, ==, 0xf000);
    g_assert_cmphex(insn.op[0].far.off, ==, 0xe05b);
    g_assert_true(insn.flags & X86_IF_END_TB);
    /* x87 */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "dcc1"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_FADD);
    g_assert_cmphex(insn.x87_fop, ==, 0x4c1);
    g_assert_cmpuint(insn.op[0].reg_class, ==, X86_RC_ST);
    g_assert_cmpuint(insn.op[0].reg, ==, 1);
    /* condition codes */
    g_assert_cmpint(dec(&insn, X86_MODE_32, "0f4fc1"), ==, X86_DEC_OK);
    g_assert_cmpuint(insn.mnem, ==, X86_INSN_CMOVG);
    g_assert_cmpuint(insn.cc, ==, 15);
}

static void test_text(void)
{
    g_assert_cmpstr(dis(X86_MODE_32, "8b449d08"), ==,
                    "mov eax, dword ptr [ebp + ebx*4 + 8]");
    g_assert_cmpstr(dis(X86_MODE_16, "ea5be000f0"), ==, "ljmp 0xf000:0xe05b");
    g_assert_cmpstr(dis(X86_MODE_64, "f3a4"), ==,
                    "rep movsb byte ptr [rdi], byte ptr [rsi]");
    g_assert_cmpstr(dis(X86_MODE_32, "f00fb10a"), ==,
                    "lock cmpxchg dword ptr [edx], ecx");
}

static void test_in_asm_line(void)
{
    static const uint8_t b[] = { 0xea, 0x5b, 0xe0, 0x00, 0xf0 };
    static const uint8_t b64[] = { 0x48, 0x89, 0xe5 };
    X86Insn insn;
    char line[128];

    g_assert_cmpint(x86_decode(&insn, b, sizeof(b), X86_MODE_16), ==,
                    X86_DEC_OK);
    x86_format_in_asm_line(&insn, b, 0xffff0, line, sizeof(line));
    g_assert_cmpstr(line, ==, "0x000ffff0: ea 5b e0 00 f0  ljmp 0xf000:0xe05b");
    g_assert_cmpint(x86_decode(&insn, b64, sizeof(b64), X86_MODE_64), ==,
                    X86_DEC_OK);
    x86_format_in_asm_line(&insn, b64, 0xffffffff81000000ull, line,
                           sizeof(line));
    g_assert_cmpstr(line, ==, "0xffffffff81000000: 48 89 e5  mov rbp, rsp");
    /* truncation keeps a terminated string */
    g_assert_cmpint(x86_format_in_asm_line(&insn, b64, 0, line, 8), >, 8);
    g_assert_cmpuint(strlen(line), ==, 7);
}

static void test_names(void)
{
    g_assert_cmpstr(x86_mnemonic_name(X86_INSN_ADD), ==, "add");
    g_assert_cmpstr(x86_mnemonic_name(X86_INSN_MOVSD__SSE), ==, "movsd");
    g_assert_cmpint(x86_mnemonic_feature(X86_INSN_CMOVE), ==, X86_FEAT_CMOV);
    g_assert_cmpint(x86_mnemonic_feature(X86_INSN_PSHUFB), ==, X86_FEAT_SSSE3);
}

int main(int argc, char **argv)
{
    const char *seed_env = getenv("KESTREL_SEED");
    int ret;

    g_test_init(&argc, &argv, NULL);
    verbose = g_test_verbose() || getenv("KESTREL_DECODE_VERBOSE");
    test_seed = seed_env ? g_ascii_strtoull(seed_env, NULL, 0)
                         : ((guint64)g_test_rand_int() << 32) |
                           (guint32)g_test_rand_int();
    g_test_message("seed %" G_GUINT64_FORMAT " (set KESTREL_SEED to repeat)",
                   test_seed);
    for (unsigned m = 0; m < 3; m++) {
        static const cs_mode csm[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
        if (cs_open(CS_ARCH_X86, csm[m], &cs_handle[m]) != CS_ERR_OK) {
            g_error("cs_open failed");
        }
        cs_scratch[m] = cs_malloc(cs_handle[m]);
    }
    g_test_add_func("/cpu/x86/decode/length-limit", test_length_limit);
    g_test_add_func("/cpu/x86/decode/invalid-by-mode", test_invalid_by_mode);
    g_test_add_func("/cpu/x86/decode/lock", test_lock);
    g_test_add_func("/cpu/x86/decode/prefix-rules", test_prefix_rules);
    g_test_add_func("/cpu/x86/decode/operands", test_operands);
    g_test_add_func("/cpu/x86/decode/text", test_text);
    g_test_add_func("/cpu/x86/decode/in-asm-line", test_in_asm_line);
    g_test_add_func("/cpu/x86/decode/names", test_names);
    g_test_add_func("/cpu/x86/decode/window", test_window);
    g_test_add_func("/cpu/x86/decode/maps", test_maps);
    for (unsigned m = 0; m < 3; m++) {
        char *path = g_strdup_printf("/cpu/x86/decode/random/%s",
                                     mode_names[m]);
        g_test_add_data_func(path, GINT_TO_POINTER(modes[m]), test_random);
        g_free(path);
    }
    ret = g_test_run();
    for (unsigned m = 0; m < 3; m++) {
        cs_free(cs_scratch[m], 1);
        cs_close(&cs_handle[m]);
    }
    return ret;
}
