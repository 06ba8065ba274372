/* SPDX-License-Identifier: MIT */
/*
 * The register layout the GDB stub offers: target descriptions for i386
 * and i386:x86-64, and reading/writing one register of X86CPUState in
 * that order. As in QEMU, the description follows the -cpu model, not the
 * guest's mode: i386 for models without long mode (qemu-system-i386),
 * x86-64 for those with it (qemu-system-x86_64), from reset through the
 * switch to long mode, since gdb reads it once per connection. Outside
 * 64-bit code the x86-64 layout carries the 32-bit values zero-extended
 * (RIP and the GPRs; r8-r15 in full), and writes there keep 32 bits.
 * Ref: GDB manual, "Target Descriptions", "i386 Features"
 * (org.gnu.gdb.i386.core, .sse).
 * The x87 stack is offered in ST(i) order (physical register TOP+i), the
 * tag word rebuilt in full from the abridged one (SDM Vol. 1, 8.1.7).
 * Missing: no AVX, no segment bases, no control registers; segment
 * selectors are read-only.
 */
#include "kestrel/osdep.h"
#include "kestrel/guest-debug.h"
#include "gdbstub/gdbstub-int.h"
#include "cpu/x86/cpu.h"

enum { G_GPR, G_IP, G_FLAGS, G_SEG, G_ST, G_FPU, G_XMM, G_MXCSR };

typedef struct GdbReg {
    const char *name;
    uint8_t kind;                       /* G_* */
    uint8_t index;
} GdbReg;

static const GdbReg regs32[] = {
    { "eax", G_GPR, R_EAX }, { "ecx", G_GPR, R_ECX }, { "edx", G_GPR, R_EDX },
    { "ebx", G_GPR, R_EBX }, { "esp", G_GPR, R_ESP }, { "ebp", G_GPR, R_EBP },
    { "esi", G_GPR, R_ESI }, { "edi", G_GPR, R_EDI }, { "eip", G_IP },
    { "eflags", G_FLAGS }, { "cs", G_SEG, R_CS }, { "ss", G_SEG, R_SS },
    { "ds", G_SEG, R_DS }, { "es", G_SEG, R_ES }, { "fs", G_SEG, R_FS },
    { "gs", G_SEG, R_GS },
};

static const char *const r64_names[16] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const uint8_t r64_index[16] = {
    R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_EBP, R_ESP,
    8, 9, 10, 11, 12, 13, 14, 15,
};
static const char *const fpu_names[8] = {
    "fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
};

/* The full 16-bit tag word: 11 empty, 01 zero, 10 special, 00 valid. */
static uint16_t gdb_fpu_tag_word(X86CPUState *env)
{
    uint16_t tw = 0;

    for (int i = 0; i < 8; i++) {
        X87Reg *r = &env->fpregs[i];
        unsigned exp = r->sign_exp & 0x7fff, tag;

        if (!(env->fptag & (1u << i))) {
            tag = 3;
        } else if (!exp && !r->mant) {
            tag = 1;
        } else if (exp == 0x7fff || !exp || !(r->mant >> 63)) {
            tag = 2;
        } else {
            tag = 0;
        }
        tw |= tag << (2 * i);
    }
    return tw;
}

static uint64_t gdb_fpu_read(X86CPUState *env, unsigned n)
{
    switch (n) {
    case 0:
        return env->fpuc;
    case 1:
        return (env->fpus & ~0x3800u) | (env->fpstt & 7u) << 11;
    case 2:
        return gdb_fpu_tag_word(env);
    case 3:
        return env->fpcs;
    case 4:
        return (uint32_t)env->fpip;
    case 5:
        return env->fpds;
    case 6:
        return (uint32_t)env->fpdp;
    default:
        return env->fpop;
    }
}

static void gdb_fpu_write(X86CPUState *env, unsigned n, uint64_t v)
{
    switch (n) {
    case 0:
        env->fpuc = v;
        break;
    case 1:
        env->fpus = v & ~0x3800u;
        env->fpstt = (v >> 11) & 7;
        break;
    case 2:
        env->fptag = 0;
        for (int i = 0; i < 8; i++) {
            env->fptag |= (((v >> (2 * i)) & 3) != 3) << i;
        }
        break;
    case 3:
        env->fpcs = v;
        break;
    case 4:
        env->fpip = (uint32_t)v;
        break;
    case 5:
        env->fpds = v;
        break;
    case 6:
        env->fpdp = (uint32_t)v;
        break;
    default:
        env->fpop = v & 0x7ff;
        break;
    }
}

bool gdb_x64_model(void)
{
    const X86CPUModel *m = x86_cpu_machine_model();

    return m && (m->ext_features_edx & CPUID_EXT_LM);
}

/* A 64-bit register of the x86-64 layout outside 64-bit code. */
static bool gdb_narrow(X86CPUState *env, bool x64, int kind, int index)
{
    return x64 && !(env->hflags & HF_CS64) &&
           (kind == G_IP || (kind == G_GPR && index < 8));
}

unsigned gdb_reg_count(bool x64)
{
    return (x64 ? 24 : 16) + 8 + 8 + (x64 ? 16 : 8) + 1;
}

/* Register n: its name, kind and size in bytes. */
static void reg_info(bool x64, unsigned n, const char **name, int *kind,
                     int *index, unsigned *size)
{
    unsigned ngpr = x64 ? 24 : 16, nxmm = x64 ? 16 : 8;
    static char stname[8][4], xname[16][6];

    *index = 0;
    if (n < ngpr) {
        if (!x64) {
            *name = regs32[n].name;
            *kind = regs32[n].kind;
            *index = regs32[n].index;
            *size = 4;
        } else if (n < 16) {
            *name = r64_names[n];
            *kind = G_GPR;
            *index = r64_index[n];
            *size = 8;
        } else {
            *name = regs32[n - 8].name;     /* rip..gs after the 16 GPRs */
            *kind = regs32[n - 8].kind;
            *index = regs32[n - 8].index;
            *size = *kind == G_IP ? 8 : 4;
            *name = *kind == G_IP ? "rip" : *name;
        }
        return;
    }
    n -= ngpr;
    if (n < 8) {
        g_snprintf(stname[n], sizeof(stname[n]), "st%u", n);
        *name = stname[n];
        *kind = G_ST;
        *index = n;
        *size = 10;
        return;
    }
    n -= 8;
    if (n < 8) {
        *name = fpu_names[n];
        *kind = G_FPU;
        *index = n;
        *size = 4;
        return;
    }
    n -= 8;
    if (n < nxmm) {
        g_snprintf(xname[n], sizeof(xname[n]), "xmm%u", n);
        *name = xname[n];
        *kind = G_XMM;
        *index = n;
        *size = 16;
        return;
    }
    *name = "mxcsr";
    *kind = G_MXCSR;
    *size = 4;
}

int gdb_read_reg(X86CPUState *env, bool x64, unsigned n, uint8_t *buf)
{
    const char *name;
    int kind, index;
    unsigned size;
    uint64_t v = 0;

    if (n >= gdb_reg_count(x64)) {
        return -1;
    }
    reg_info(x64, n, &name, &kind, &index, &size);
    memset(buf, 0, size);
    switch (kind) {
    case G_GPR:
        v = env->regs[index];
        break;
    case G_IP:
        v = env->rip;
        break;
    case G_FLAGS:
        v = guest_debug_eflags(env);
        break;
    case G_SEG:
        v = env->segs[index].selector;
        break;
    case G_ST: {
        X87Reg *r = &env->fpregs[(env->fpstt + index) & 7];
        uint64_t mant = GUINT64_TO_LE(r->mant);
        uint16_t se = GUINT16_TO_LE(r->sign_exp);

        memcpy(buf, &mant, 8);
        memcpy(buf + 8, &se, 2);
        return size;
    }
    case G_FPU:
        v = gdb_fpu_read(env, index);
        break;
    case G_XMM:
        memcpy(buf, env->xmm[index].b, 16);
        return size;
    case G_MXCSR:
        v = env->mxcsr;
        break;
    default:
        break;
    }
    if (gdb_narrow(env, x64, kind, index)) {
        v = (uint32_t)v;
    }
    v = GUINT64_TO_LE(v);
    memcpy(buf, &v, MIN(size, 8u));
    return size;
}

int gdb_write_reg(X86CPUState *env, bool x64, unsigned n, const uint8_t *buf)
{
    const char *name;
    int kind, index;
    unsigned size;
    uint64_t v = 0;

    if (n >= gdb_reg_count(x64)) {
        return -1;
    }
    reg_info(x64, n, &name, &kind, &index, &size);
    memcpy(&v, buf, MIN(size, 8u));
    v = GUINT64_FROM_LE(v);
    if (gdb_narrow(env, x64, kind, index)) {
        v = (uint32_t)v;
    }
    switch (kind) {
    case G_GPR:
        env->regs[index] = x64 ? v : (uint32_t)v;
        break;
    case G_IP:
        env->rip = v;
        break;
    case G_FLAGS:
        x86_cpu_set_eflags(env, v);
        x86_cpu_update_hflags(env);
        break;
    case G_ST: {
        X87Reg *r = &env->fpregs[(env->fpstt + index) & 7];
        uint16_t se;

        r->mant = v;
        memcpy(&se, buf + 8, 2);
        r->sign_exp = GUINT16_FROM_LE(se);
        break;
    }
    case G_FPU:
        gdb_fpu_write(env, index, v);
        break;
    case G_XMM:
        memcpy(env->xmm[index].b, buf, 16);
        break;
    case G_MXCSR:
        env->mxcsr = v;
        break;
    default:
        break;                          /* segment selectors: read-only */
    }
    return size;
}

char *gdb_target_xml(bool x64)
{
    GString *x = g_string_new("<?xml version=\"1.0\"?>\n"
                              "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                              "<target><architecture>");

    g_string_append(x, x64 ? "i386:x86-64" : "i386");
    g_string_append(x, "</architecture>\n"
                    "<feature name=\"org.gnu.gdb.i386.core\">\n");
    for (unsigned n = 0; n < gdb_reg_count(x64); n++) {
        const char *name, *type = "int";
        int kind, index;
        unsigned size;

        reg_info(x64, n, &name, &kind, &index, &size);
        if (kind == G_XMM && (n == (x64 ? 40u : 32u))) {
            g_string_append(x, "</feature>\n<feature name=\""
                            "org.gnu.gdb.i386.sse\">\n");
        }
        if (kind == G_ST) {
            type = "i387_ext";
        } else if (kind == G_IP) {
            type = "code_ptr";
        } else if (kind == G_XMM) {
            type = "uint128";
        } else if (kind == G_GPR && (index == R_ESP || index == R_EBP)) {
            type = "data_ptr";
        } else if (kind == G_GPR && x64) {
            type = "int64";
        } else if (kind == G_FLAGS) {
            type = "int32";
        }
        g_string_append_printf(x, "<reg name=\"%s\" bitsize=\"%u\" "
                               "type=\"%s\" regnum=\"%u\"%s/>\n", name,
                               size * 8, type, n,
                               kind == G_FPU ? " group=\"float\"" : "");
    }
    g_string_append(x, "</feature>\n</target>\n");
    return g_string_free(x, false);
}
