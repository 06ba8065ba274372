/* SPDX-License-Identifier: MIT */
/*
 * The x87 unit (cpu/x86/emit-x87.c, fpu_helper.c, softfloat-x80.c) under
 * the translator against the host FPU, on the harness of test-translate.c.
 *
 * /cpu/x86/translate-x87/native: every case of
 * test-translate-x87-cases.inc (gen-translate-x87-cases.py, nasm) runs on
 * the host and under the JIT and the IR interpreter from the same random
 * x87 state (register values biased to the hard cases, random empty tags,
 * TOP, rounding mode and precision control; exceptions masked), loaded on
 * the host with FRSTOR and saved with FNSAVE. Control word, status word
 * (C0/C2/C3 only where the SDM defines them), tags, the eight registers,
 * AX after FNSTSW and the flags after FCOMI must agree bit for bit.
 */
#include "kestrel/osdep.h"
#include <sys/mman.h>
#include "cpu/x86/insn.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "accel/tcg/tcg-cpu.h"
#include "test-translate.h"

enum { XTF_ARITH, XTF_CC };

#define XTF_CASES
static const XtCase xtf_cases[] = {
#include "test-translate-x87-cases.inc"
};

static const uint8_t xtf_prologue[] = XTF_PROLOGUE;
static const uint8_t xtf_epilogue[] = XTF_EPILOGUE;

typedef struct NativeX87 {
    uint64_t rax;
    uint64_t flags;
    uint8_t image[108];                 /* FNSAVE, 32-bit protected */
} NativeX87;

/* fpu_helper.c's memory and exceptions in this harness */
uint64_t cpu_ld_mmu(X86CPUState *env, vaddr addr, unsigned mmu_idx,
                    unsigned size, uintptr_t ra)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)xt_mem[(addr + i) % XT_MEM_SIZE] << (8 * i);
    }
    return v;
}

void cpu_st_mmu(X86CPUState *env, vaddr addr, uint64_t val,
                unsigned mmu_idx, unsigned size, uintptr_t ra)
{
    for (unsigned i = 0; i < size; i++) {
        xt_mem[(addr + i) % XT_MEM_SIZE] = val >> (8 * i);
    }
}

void raise_exception_ra(X86CPUState *env, int vector, uintptr_t ra)
{
    helper_raise_exception(env, vector);
}

/* The FERR# freeze needs a board (x86_ferr_hook), which this harness has
 * not: never reached. */
void tcg_cpu_restore_state(TcgCpu *tc, uintptr_t ra)
{
    g_assert_not_reached();
}

void tcg_cpu_loop_exit(TcgCpu *tc)
{
    g_assert_not_reached();
}

static uint16_t rd16(const uint8_t *p)
{
    return p[0] | p[1] << 8;
}

static void pick_reg(GRand *r, uint8_t *p)
{
    static const uint16_t exps[] = {
        0, 1, 0x3fff, 0x3ffe, 0x4000, 0x403e, 0x401e, 0x7ffe, 0x7fff,
        0x3f80, 0x4040,
    };
    uint64_t m = (uint64_t)g_rand_int(r) << 32 | g_rand_int(r);
    uint16_t ex = g_rand_boolean(r) ?
                  exps[g_rand_int_range(r, 0, G_N_ELEMENTS(exps))] :
                  0x3fff + g_rand_int_range(r, -80, 80);

    if (ex && g_rand_int_range(r, 0, 16)) {
        m |= 1ull << 63;
    }
    if (g_rand_int_range(r, 0, 8) == 0) {
        m &= ~0ull << 40;               /* short mantissas: exact cases */
    }
    if (ex == 0x7fff && g_rand_boolean(r)) {
        m = 1ull << 63;
    }
    if (g_rand_int_range(r, 0, 16) == 0) {
        m = 0;
        ex = 0;
    }
    ex |= g_rand_boolean(r) ? 0x8000 : 0;
    memcpy(p, &m, 8);
    p[8] = ex;
    p[9] = ex >> 8;
}

static void pick_x87(GRand *r, NativeX87 *in)
{
    uint16_t cw = 0x3f | g_rand_int_range(r, 0, 4) << 10 |
                  (uint16_t[]){ 0, 2, 3 }[g_rand_int_range(r, 0, 3)] << 8;
    unsigned top = g_rand_int_range(r, 0, 8);
    uint16_t tw = 0;

    memset(in, 0, sizeof(*in));
    in->rax = (uint64_t)g_rand_int(r) << 32 | g_rand_int(r);
    in->flags = 0x2 | (g_rand_int(r) & CC_MASK);
    for (int p = 0; p < 8; p++) {
        if (g_rand_int_range(r, 0, 6) == 0) {
            tw |= 3 << (2 * p);         /* empty */
        }
    }
    in->image[0] = cw;
    in->image[1] = cw >> 8;
    in->image[5] = top << 3;            /* FSW.TOP at bits 11-13 */
    in->image[8] = tw;
    in->image[9] = tw >> 8;
    for (int i = 0; i < 8; i++) {
        pick_reg(r, in->image + 28 + 10 * i);
    }
}

/* The translator's state from an FNSAVE image and back. */
static void env_from_image(X86CPUState *env, const uint8_t *img)
{
    uint16_t fsw = rd16(img + 4), tw = rd16(img + 8);

    env->fpuc = (rd16(img) & 0x1f3f) | 0x40;   /* as FRSTOR loads it */
    env->fpstt = (fsw >> 11) & 7;
    env->fpus = fsw & ~0x3800;
    env->fptag = 0;
    for (int p = 0; p < 8; p++) {
        if (((tw >> (2 * p)) & 3) != 3) {
            env->fptag |= 1u << p;
        }
    }
    for (int i = 0; i < 8; i++) {
        X87Reg *reg = &env->fpregs[(env->fpstt + i) & 7];

        memcpy(&reg->mant, img + 28 + 10 * i, 8);
        reg->sign_exp = rd16(img + 36 + 10 * i);
    }
}

static const char *x87_diff(const XtCase *c, X86CPUState *env,
                            const NativeX87 *host)
{
    const uint8_t *img = host->image;
    uint16_t fsw = (env->fpus & ~0x3800) | (env->fpstt & 7) << 11;
    uint16_t swm = c->policy == XTF_CC ? 0xffff : 0xffff & ~0x4500;
    uint16_t tw = rd16(img + 8);

    if (env->fpuc != rd16(img)) {
        return "control word";
    }
    if ((fsw ^ rd16(img + 4)) & swm) {
        return "status word";
    }
    for (int p = 0; p < 8; p++) {
        bool empty = ((tw >> (2 * p)) & 3) == 3;

        if (empty != !(env->fptag & (1u << p))) {
            return "tags";
        }
    }
    for (int i = 0; i < 8; i++) {
        X87Reg *reg = &env->fpregs[(env->fpstt + i) & 7];

        if (memcmp(&reg->mant, img + 28 + 10 * i, 8) ||
            reg->sign_exp != rd16(img + 36 + 10 * i)) {
            return "register";
        }
    }
    if ((uint16_t)env->regs[R_EAX] != (uint16_t)host->rax) {
        return "ax";
    }
    if ((x86_cpu_get_eflags(env) ^ host->flags) & CC_MASK) {
        return "flags";
    }
    return NULL;
}

static void test_native_x87(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(0x78383787);
    uint8_t *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned failures = 0;

    g_assert(buf != MAP_FAILED);
    for (unsigned i = 0; i < G_N_ELEMENTS(xtf_cases); i++) {
        const XtCase *c = &xtf_cases[i];
        unsigned case_failures = 0;

        for (int trial = 0; trial < 200; trial++) {
            NativeX87 in, host;
            size_t n = 0;

            pick_x87(r, &in);
            host = in;
            memcpy(buf, xtf_prologue, sizeof(xtf_prologue) - 1);
            n += sizeof(xtf_prologue) - 1;
            memcpy(buf + n, c->bytes, c->len);
            n += c->len;
            memcpy(buf + n, xtf_epilogue, sizeof(xtf_epilogue) - 1);
            n += sizeof(xtf_epilogue) - 1;
            __builtin___clear_cache((char *)buf, (char *)buf + n);
            ((void (*)(NativeX87 *))buf)(&host);
            for (int be = 0; be < 2; be++) {
                XtEnv x;
                const char *what;
                int why;

                xt_env_init(&x, true, 0);
                x.env.hflags = HF_PE | HF_LMA | HF_CS64;
                xt_features = (1u << X86_FEAT_BASE) | (1u << X86_FEAT_386) |
                              (1u << X86_FEAT_486) | (1u << X86_FEAT_FPU) |
                              (1u << X86_FEAT_CMOV) | (1u << X86_FEAT_LM);
                env_from_image(&x.env, in.image);
                x.env.regs[R_EAX] = in.rax;
                x.env.regs[R_ESP] = 0x8000;
                x86_cpu_set_eflags(&x.env, in.flags);
                memcpy(xt_mem + XT_CODE, c->bytes, c->len);
                memset(xt_mem + XT_CODE + c->len, 0xf4, 16);
                x.env.rip = XT_CODE;
                why = xt_run(&x, be, XT_CODE + c->len);
                if (why == XT_STOP_HLT && x.env.rip == XT_CODE + c->len + 1) {
                    why = XT_STOP_END;
                }
                what = why != XT_STOP_END ? "stop" :
                       x87_diff(c, &x.env, &host);
                if (what) {
                    failures++;
                    if (case_failures++ < 3) {
                        X87Reg *st0 = &x.env.fpregs[x.env.fpstt & 7];

                        g_test_message("%s [%s]: %s differs: cw %04x "
                                       "st0 in %04x:%016" PRIx64 " st1 %04x:"
                                       "%016" PRIx64 " -> %04x:%016" PRIx64
                                       " want %04x:%016" PRIx64 " sw %04x "
                                       "want %04x", c->name,
                                       be ? "interp" : "jit", what,
                                       rd16(in.image),
                                       rd16(in.image + 36),
                                       *(uint64_t *)(in.image + 28),
                                       rd16(in.image + 46),
                                       *(uint64_t *)(in.image + 38),
                                       st0->sign_exp, st0->mant,
                                       rd16(host.image + 36),
                                       *(uint64_t *)(host.image + 28),
                                       (x.env.fpus & ~0x3800) |
                                       (x.env.fpstt & 7) << 11,
                                       rd16(host.image + 4));
                    }
                }
            }
        }
    }
    munmap(buf, 4096);
    g_assert_cmpuint(failures, ==, 0);
}

void xtf_add_tests(void)
{
    g_test_add_func("/cpu/x86/translate-x87/native", test_native_x87);
}
