/* SPDX-License-Identifier: MIT */
/*
 * x86 disassembler: X86Insn -> Intel syntax text in Capstone's style
 * (lowercase, "dword ptr [eax + ebx*4 + 8]", hex above 9), and the
 * -d in_asm line format. Where Capstone 4 prints something wrong (see
 * docs/deviations.md) we print what the CPU does.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

#include <stdio.h>

static const char *const x86_names_upper[X86_INSN_COUNT] = {
#define X(name, feat) [X86_INSN_##name] = #name,
#include "cpu/x86/insn-list.h"
#undef X
};

static char x86_names[X86_INSN_COUNT][20];

static void x86_names_init(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        for (unsigned i = 0; i < X86_INSN_COUNT; i++) {
            const char *s = x86_names_upper[i];
            unsigned j;
            for (j = 0; s[j] && j < sizeof(x86_names[i]) - 1; j++) {
                if (s[j] == '_' && s[j + 1] == '_') {
                    break;
                }
                x86_names[i][j] = g_ascii_tolower(s[j]);
            }
            x86_names[i][j] = 0;
        }
        g_once_init_leave(&done, 1);
    }
}

const char *x86_mnemonic_name(unsigned mnem)
{
    x86_names_init();
    return mnem < X86_INSN_COUNT ? x86_names[mnem] : "(bad)";
}

static const char *const gpr8[16] = {
    "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b",
};
static const char *const gpr8h[4] = { "ah", "ch", "dh", "bh" };
static const char *const gpr16[17] = {
    "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w", "ip",
};
static const char *const gpr32[17] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d", "eip",
};
static const char *const gpr64[17] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip",
};
static const char *const segname[6] = { "es", "cs", "ss", "ds", "fs", "gs" };

/* Names that depend on the operand or address size: [2], [4], [8] */
typedef struct SizedName {
    const char *n16, *n32, *n64;
} SizedName;

static const SizedName x86_sized_names[X86_INSN_COUNT] = {
    [X86_INSN_CBW] = { "cbw", "cwde", "cdqe" },
    [X86_INSN_CWD] = { "cwd", "cdq", "cqo" },
    [X86_INSN_PUSHA] = { "pushaw", "pushal", "pushal" },
    [X86_INSN_POPA] = { "popaw", "popal", "popal" },
    [X86_INSN_PUSHF] = { "pushf", "pushfd", "pushfq" },
    [X86_INSN_POPF] = { "popf", "popfd", "popfq" },
    [X86_INSN_IRET] = { "iret", "iretd", "iretq" },
    [X86_INSN_RETF] = { "retf", "retf", "retfq" },
    [X86_INSN_JCXZ] = { "jcxz", "jecxz", "jrcxz" },     /* address size */
};

/* String instructions: name + b/w/d/q by the size of the memory operand */
static const char *const x86_string_names[X86_INSN_COUNT] = {
    [X86_INSN_MOVS] = "movs", [X86_INSN_CMPS] = "cmps",
    [X86_INSN_STOS] = "stos", [X86_INSN_LODS] = "lods",
    [X86_INSN_SCAS] = "scas", [X86_INSN_INS] = "ins",
    [X86_INSN_OUTS] = "outs",
};

static const char *const x86_alt_names[X86_INSN_COUNT] = {
    [X86_INSN_CALLF] = "lcall", [X86_INSN_JMPF] = "ljmp",
    [X86_INSN_XLAT] = "xlatb",
    [X86_INSN_FENI] = "feni8087_nop", [X86_INSN_FDISI] = "fdisi8087_nop",
};

/* Memory operands printed as plain "ptr" (far pointers, XSAVE areas) */
static const bool x86_mem_ptr[X86_INSN_COUNT] = {
    [X86_INSN_LDS] = true, [X86_INSN_LES] = true, [X86_INSN_LSS] = true,
    [X86_INSN_LFS] = true, [X86_INSN_LGS] = true,
    [X86_INSN_XSAVE] = true, [X86_INSN_XRSTOR] = true,
    [X86_INSN_XSAVEOPT] = true, [X86_INSN_XSAVE64] = true,
    [X86_INSN_XRSTOR64] = true, [X86_INSN_XSAVEOPT64] = true,
    [X86_INSN_FXSAVE64] = true, [X86_INSN_FXRSTOR64] = true,
};

/* Memory operands printed without "<size> ptr" */
static const bool x86_mem_unsized[X86_INSN_COUNT] = {
    [X86_INSN_LEA] = true, [X86_INSN_CALLF] = true, [X86_INSN_JMPF] = true,
    [X86_INSN_SGDT] = true, [X86_INSN_SIDT] = true, [X86_INSN_LGDT] = true,
    [X86_INSN_LIDT] = true, [X86_INSN_FLDENV] = true,
    [X86_INSN_FNSTENV] = true, [X86_INSN_FRSTOR] = true,
    [X86_INSN_FNSAVE] = true, [X86_INSN_FXSAVE] = true,
    [X86_INSN_FXRSTOR] = true,
};

typedef struct Out {
    char *buf;
    size_t len;
    size_t pos;
} Out;

static void out_str(Out *o, const char *s)
{
    while (*s) {
        if (o->pos + 1 < o->len) {
            o->buf[o->pos] = *s;
        }
        o->pos++;
        s++;
    }
}

static void out_fmt(Out *o, const char *fmt, ...) KS_PRINTF(2, 3);
static void out_fmt(Out *o, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    out_str(o, tmp);
}

/* Capstone's number style: decimal up to 9, else 0x hex */
static void out_uimm(Out *o, uint64_t v)
{
    if (v <= 9) {
        out_fmt(o, "%" PRIu64, v);
    } else {
        out_fmt(o, "0x%" PRIx64, v);
    }
}

static void out_simm(Out *o, int64_t v)
{
    if (v < 0) {
        out_str(o, "-");
        out_uimm(o, -(uint64_t)v);
    } else {
        out_uimm(o, v);
    }
}

static const char *gpr_name(unsigned reg, unsigned size)
{
    switch (size) {
    case 1: return reg < 16 ? gpr8[reg] : "?";
    case 2: return gpr16[reg];
    case 4: return gpr32[reg];
    default: return gpr64[reg];
    }
}

static void out_reg(Out *o, const X86Operand *op)
{
    switch (op->reg_class) {
    case X86_RC_GPR:
        out_str(o, gpr_name(op->reg, op->size));
        break;
    case X86_RC_GPR8H:
        out_str(o, gpr8h[op->reg & 3]);
        break;
    case X86_RC_SEG:
        out_str(o, segname[op->reg % 6]);
        break;
    case X86_RC_CR:
        out_fmt(o, "cr%u", op->reg);
        break;
    case X86_RC_DR:
        out_fmt(o, "dr%u", op->reg);
        break;
    case X86_RC_MMX:
        out_fmt(o, "mm%u", op->reg);
        break;
    case X86_RC_XMM:
        out_fmt(o, "xmm%u", op->reg);
        break;
    case X86_RC_YMM:
        out_fmt(o, "ymm%u", op->reg);
        break;
    case X86_RC_ST:
        out_fmt(o, "st(%u)", op->reg);
        break;
    }
}

static const char *size_name(const X86Insn *insn, unsigned size)
{
    switch (size) {
    case 1: return "byte ptr ";
    case 2: return "word ptr ";
    case 4: return "dword ptr ";
    case 6: return "ptr ";
    case 8: return "qword ptr ";
    case 10:
        return insn->mnem == X86_INSN_FBLD || insn->mnem == X86_INSN_FBSTP
               ? "tbyte ptr " : insn->mnem == X86_INSN_FLD ||
               insn->mnem == X86_INSN_FSTP ? "xword ptr " : "ptr ";
    case 16: return "xmmword ptr ";
    case 32: return "ymmword ptr ";
    default: return "";
    }
}

static void out_mem(Out *o, const X86Insn *insn, const X86Operand *op,
                    bool string_dst)
{
    unsigned asz = insn->addr_size;
    bool any = false;

    if (x86_mem_ptr[insn->mnem]) {
        out_str(o, "ptr ");
    } else if (!x86_mem_unsized[insn->mnem]) {
        out_str(o, size_name(insn, op->size));
    }
    if (string_dst) {
        if (insn->mode != X86_MODE_64) {
            out_str(o, "es:");
        }
    } else if (insn->seg_prefix != X86_SEG_NONE) {
        out_str(o, segname[insn->seg_prefix]);
        out_str(o, ":");
    }
    out_str(o, "[");
    if (op->base >= 0) {
        out_str(o, gpr_name(op->base, asz));
        any = true;
    }
    if (op->index >= 0) {
        if (any) {
            out_str(o, " + ");
        }
        out_str(o, gpr_name(op->index, asz));
        if (op->scale > 1) {
            out_fmt(o, "*%u", op->scale);
        }
        any = true;
    }
    if (!any) {
        out_uimm(o, x86_trunc(op->disp, asz));
    } else if (op->disp) {
        int64_t d = op->disp;
        if (asz == 2) {
            d = (int16_t)d;
        } else if (asz == 4) {
            d = (int32_t)d;
        }
        out_str(o, d < 0 ? " - " : " + ");
        out_uimm(o, d < 0 ? -(uint64_t)d : (uint64_t)d);
    }
    out_str(o, "]");
}

static void out_imm(Out *o, const X86Insn *insn, unsigned i)
{
    const X86Operand *op = &insn->op[i];
    uint64_t v = op->imm;
    unsigned size = op->size;
    unsigned enc = size;
    unsigned m = insn->mnem;

    if (op->imm == 1 && insn->imm_off == 0) {
        out_str(o, "1");                /* shift by one */
        return;
    }
    if (i == insn->nops - 1 && insn->imm_off) {
        enc = insn->len - insn->imm_off;
    }
    v = x86_trunc(v, size);
    if (m == X86_INSN_AND || m == X86_INSN_OR || m == X86_INSN_XOR ||
        enc >= size || !(v >> (size * 8 - 1) & 1)) {
        out_uimm(o, v);
    } else {
        out_simm(o, x86_sext(v, size));
    }
}

static void out_mnemonic(Out *o, const X86Insn *insn)
{
    unsigned m = insn->mnem;
    const SizedName *sn = &x86_sized_names[m];

    if (insn->flags & X86_IF_LOCK) {
        out_str(o, "lock ");
    }
    if (insn->flags & (X86_IF_REP | X86_IF_REPNE)) {
        bool cc = m == X86_INSN_CMPS || m == X86_INSN_SCAS;
        if (insn->flags & X86_IF_REP) {
            out_str(o, cc ? "repe " : "rep ");
        } else {
            out_str(o, "repne ");
        }
    }
    if (insn->flags & X86_IF_VEX) {
        out_str(o, "v");
    }
    if (sn->n16) {
        unsigned s = m == X86_INSN_JCXZ ? insn->addr_size : insn->op_size;
        out_str(o, s == 2 ? sn->n16 : s == 4 ? sn->n32 : sn->n64);
    } else if (x86_string_names[m]) {
        unsigned s = insn->op[0].kind == X86_OPND_MEM ? insn->op[0].size
                     : insn->op[1].size;
        out_str(o, x86_string_names[m]);
        out_str(o, s == 1 ? "b" : s == 2 ? "w" : s == 4 ? "d" : "q");
    } else if ((m == X86_INSN_CMPPS || m == X86_INSN_CMPPD ||
                m == X86_INSN_CMPSS || m == X86_INSN_CMPSD__SSE) &&
               insn->nops == 3 && insn->op[2].imm < 8) {
        static const char *const pred[8] = {
            "eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord",
        };
        const char *n = x86_mnemonic_name(m);
        out_str(o, "cmp");
        out_str(o, pred[insn->op[2].imm]);
        out_str(o, n + 3);              /* ps, pd, ss, sd */
    } else if (x86_alt_names[m]) {
        out_str(o, x86_alt_names[m]);
    } else if (m == X86_INSN_MOV && insn->mode == X86_MODE_64 &&
               insn->map == X86_MAP_1BYTE &&
               ((insn->opcode >= 0xa0 && insn->opcode <= 0xa3 &&
                 (insn->addr_size == 8 || (insn->rex & 8))) ||
                (insn->opcode >= 0xb8 && insn->opcode <= 0xbf &&
                 insn->op_size == 8))) {
        out_str(o, "movabs");
    } else {
        out_str(o, x86_mnemonic_name(m));
    }
}

/*
 * x87 register forms that Capstone prints with one operand: returns the
 * operand to print, or -1 to print all.
 */
static int x87_one_operand(const X86Insn *insn)
{
    unsigned esc = insn->opcode, r = (insn->modrm >> 3) & 7;

    if (!(insn->flags & X86_IF_X87) || insn->modrm < 0xc0 || insn->nops != 2) {
        return -1;
    }
    if (esc == 0xd8 || ((esc == 0xdb || esc == 0xdf) && (r == 5 || r == 6))) {
        return 1;
    }
    if (esc == 0xde && r != 2) {
        return 0;
    }
    return -1;
}

int x86_disas(const X86Insn *insn, char *buf, size_t len, uint64_t pc)
{
    Out o = { .buf = buf, .len = len };
    unsigned first = 0, last;
    int one;

    x86_names_init();
    if (insn->mnem == X86_INSN_INVALID) {
        out_str(&o, "(bad)");
        goto done;
    }
    out_mnemonic(&o, insn);
    last = insn->nops;
    one = x87_one_operand(insn);
    if (one >= 0) {
        first = one;
        last = one + 1;
    }
    if ((insn->mnem == X86_INSN_AAM || insn->mnem == X86_INSN_AAD) &&
        insn->op[0].imm == 10) {
        last = 0;                       /* the usual base 10 goes unsaid */
    }
    if ((insn->mnem == X86_INSN_CMPPS || insn->mnem == X86_INSN_CMPPD ||
         insn->mnem == X86_INSN_CMPSS || insn->mnem == X86_INSN_CMPSD__SSE) &&
        insn->nops == 3 && insn->op[2].imm < 8) {
        last = 2;                       /* the predicate is in the name */
    }
    for (unsigned i = first; i < last; i++) {
        const X86Operand *op = &insn->op[i];
        out_str(&o, i == first ? " " : ", ");
        switch (op->kind) {
        case X86_OPND_REG:
            out_reg(&o, op);
            break;
        case X86_OPND_MEM:
            out_mem(&o, insn, op,
                    (insn->flags & X86_IF_STRING) && op->seg == X86_SEG_ES &&
                    op->base == X86_GPR_DI);
            break;
        case X86_OPND_IMM:
            out_imm(&o, insn, i);
            break;
        case X86_OPND_REL:
            out_uimm(&o, x86_rel_target(insn, pc));
            break;
        case X86_OPND_FAR:
            out_uimm(&o, op->far.sel);
            out_str(&o, ":");
            out_uimm(&o, op->far.off);
            break;
        }
    }
done:
    if (o.len) {
        o.buf[o.pos < o.len ? o.pos : o.len - 1] = 0;
    }
    return o.pos;
}

int x86_format_in_asm_line(const X86Insn *insn, const uint8_t *bytes,
                           uint64_t pc, char *buf, size_t len)
{
    Out o = { .buf = buf, .len = len };
    unsigned n = insn->len;

    if (insn->mode == X86_MODE_64) {
        out_fmt(&o, "0x%016" PRIx64 ":", pc);
    } else {
        out_fmt(&o, "0x%08" PRIx64 ":", pc);
    }
    for (unsigned i = 0; i < n; i++) {
        out_fmt(&o, " %02x", bytes[i]);
    }
    out_str(&o, "  ");
    if (o.pos < o.len) {
        x86_disas(insn, o.buf + o.pos, o.len - o.pos, pc);
        o.pos += strlen(o.buf + o.pos);
    } else {
        char tmp[128];
        o.pos += x86_disas(insn, tmp, sizeof(tmp), pc);
    }
    if (o.len) {
        o.buf[o.pos < o.len ? o.pos : o.len - 1] = 0;
    }
    return o.pos;
}
