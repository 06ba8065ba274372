/* SPDX-License-Identifier: MIT */
/*
 * The named deviations of the decoder's Capstone check (test-decode.c):
 * where Capstone 4.0.2 is wrong, or decodes beyond Kestrel's CPUs, a case
 * is matched by a row of x86_deviations[], each explained in
 * docs/deviations.md, and counted; -v prints the counts and an example.
 */
#include "test-decode.h"

#include <stdio.h>

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

/* VEX-encoded BMI1/BMI2 instructions on general registers */
static const char *const vex_gpr_mnems[] = {
    "andn", "bextr", "blsi", "blsmsk", "blsr", "bzhi", "mulx", "pdep", "pext",
    "rorx", "sarx", "shlx", "shrx", NULL,
};

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
     * mnemonics start with 'v', or 'k' for the AVX-512 mask registers; the
     * BMI1/BMI2 GPR ones are named here) */
    return c->st == X86_DEC_UD && c->cs_ok &&
           (c->cs_mnem[0] == 'v' || c->cs_mnem[0] == 'k' ||
            g_strv_contains(vex_gpr_mnems, c->cs_mnem));
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

bool deviation_match(Case *c, const char *desc)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(x86_deviations); i++) {
        Deviation *d = &x86_deviations[i];
        if (d->fn(c)) {
            if (!d->hits++) {
                g_strlcpy(d->example, desc, sizeof(d->example));
            }
            if (!d->rewrite || case_agrees(c)) {
                return true;
            }
        }
    }
    return false;
}

void report_deviations(void)
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
