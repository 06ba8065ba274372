/* SPDX-License-Identifier: MIT */
/*
 * The x87 soft-float (cpu/x86/softfloat-x80.c) against the host FPU:
 * add, subtract, multiply, divide, square root, FRNDINT, stores to single
 * and double, FIST/FISTTP to 16/32/64-bit integers and FCOM, from random
 * operands biased to the hard cases (cancellation, denormals and
 * pseudo-denormals, huge and tiny exponents, infinities, QNaN/SNaN,
 * unsupported encodings), in every rounding mode and precision control.
 * The result bits, the six exception flags and C1 (and C0/C2/C3 for
 * FCOM) must agree bit for bit. All exceptions are masked, and then the
 * register results again with OE and UE unmasked (the bias-adjusted
 * results, SDM Vol. 1 8.5.4 and 8.5.5).
 */
#include "kestrel/osdep.h"
#include "cpu/x86/softfloat-x80.h"

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_RNDINT, OP_ST32, OP_ST64,
       OP_IST16, OP_IST32, OP_IST64, OP_ISTT32, OP_COM, OP_COUNT };

static const char *const op_names[OP_COUNT] = {
    "fadd", "fsub", "fmul", "fdiv", "fsqrt", "frndint", "fst m32",
    "fst m64", "fist m16", "fist m32", "fistp m64", "fisttp m32", "fcom",
};

#define SW_FLAGS (0x3f | 0x200)
#define SW_CC    0x4700

typedef struct HostResult {
    Fx80 r;
    uint64_t bits;                      /* stores */
    uint16_t sw;
} HostResult;

/* The host x87 does op on st0 = a, st1 = b with control word cw. */
static HostResult host_run(int op, Fx80 a, Fx80 b, uint16_t cw)
{
    HostResult h = { 0 };
    long double la, lb, lr = 0;
    uint64_t bits = 0;
    uint16_t sw;

    memcpy(&la, &a, 10);
    memcpy(&lb, &b, 10);
    /* fnclex before fstpt: an unmasked exception would raise #MF there */
    __asm__ volatile("fninit\n\tfldcw %0" : : "m"(cw));
    __asm__ volatile("fldt %0\n\tfldt %1" : : "m"(lb), "m"(la));
    switch (op) {
    case OP_ADD:
        __asm__ volatile(".byte 0xd8, 0xc1\n\tfnstsw %0\n\tfnclex\n\tfstpt %1"
                         : "=m"(sw), "=m"(lr));
        break;
    case OP_SUB:
        __asm__ volatile(".byte 0xd8, 0xe1\n\tfnstsw %0\n\tfnclex\n\tfstpt %1"
                         : "=m"(sw), "=m"(lr));
        break;
    case OP_MUL:
        __asm__ volatile(".byte 0xd8, 0xc9\n\tfnstsw %0\n\tfnclex\n\tfstpt %1"
                         : "=m"(sw), "=m"(lr));
        break;
    case OP_DIV:
        __asm__ volatile(".byte 0xd8, 0xf1\n\tfnstsw %0\n\tfnclex\n\tfstpt %1"
                         : "=m"(sw), "=m"(lr));
        break;
    case OP_SQRT:
        __asm__ volatile("fsqrt\n\tfnstsw %0\n\tfnclex\n\tfstpt %1"
                         : "=m"(sw), "=m"(lr));
        break;
    case OP_RNDINT:
        __asm__ volatile("frndint\n\tfnstsw %0\n\tfnclex\n\tfstpt %1"
                         : "=m"(sw), "=m"(lr));
        break;
    case OP_ST32:
        __asm__ volatile("fstps %1\n\tfnstsw %0" : "=m"(sw), "=m"(bits));
        break;
    case OP_ST64:
        __asm__ volatile("fstpl %1\n\tfnstsw %0" : "=m"(sw), "=m"(bits));
        break;
    case OP_IST16:
        __asm__ volatile("fists %1\n\tfnstsw %0" : "=m"(sw), "=m"(bits));
        break;
    case OP_IST32:
        __asm__ volatile("fistl %1\n\tfnstsw %0" : "=m"(sw), "=m"(bits));
        break;
    case OP_IST64:
        __asm__ volatile("fistpll %1\n\tfnstsw %0" : "=m"(sw), "=m"(bits));
        break;
    case OP_ISTT32:
        __asm__ volatile("fisttpl %1\n\tfnstsw %0" : "=m"(sw), "=m"(bits));
        break;
    default:
        __asm__ volatile(".byte 0xd8, 0xd1\n\tfnstsw %0" : "=m"(sw));
        break;
    }
    __asm__ volatile("fninit");
    memcpy(&h.r, &lr, 10);
    h.bits = bits;
    h.sw = sw;
    return h;
}

static HostResult soft_run(int op, Fx80 a, Fx80 b, uint16_t cw)
{
    FxEnv e = { .rc = (cw >> 10) & 3, .pc = (cw >> 8) & 3,
                .masks = cw & 0x3f };
    HostResult s = { 0 };
    int c;

    switch (op) {
    case OP_ADD:
        s.r = fx_add(&e, a, b);
        break;
    case OP_SUB:
        s.r = fx_sub(&e, a, b);
        break;
    case OP_MUL:
        s.r = fx_mul(&e, a, b);
        break;
    case OP_DIV:
        s.r = fx_div(&e, a, b);
        break;
    case OP_SQRT:
        s.r = fx_sqrt(&e, a);
        break;
    case OP_RNDINT:
        s.r = fx_round_int(&e, a);
        break;
    case OP_ST32:
        s.bits = fx_to_f32(&e, a);
        break;
    case OP_ST64:
        s.bits = fx_to_f64(&e, a);
        break;
    case OP_IST16:
        s.bits = (uint16_t)fx_to_int(&e, a, 2, false);
        break;
    case OP_IST32:
        s.bits = (uint32_t)fx_to_int(&e, a, 4, false);
        break;
    case OP_IST64:
        s.bits = (uint64_t)fx_to_int(&e, a, 8, false);
        break;
    case OP_ISTT32:
        s.bits = (uint32_t)fx_to_int(&e, a, 4, true);
        break;
    default:
        c = fx_compare(&e, a, b, false);
        s.sw = c == 2 ? 0x4500 : c == 0 ? 0x4000 : c < 0 ? 0x0100 : 0;
        break;
    }
    s.sw |= e.flags;
    return s;
}

static Fx80 pick(GRand *r, const Fx80 *near)
{
    static const uint16_t exps[] = {
        0, 1, 2, 0x3fff, 0x3ffe, 0x4000, 0x403e, 0x403f, 0x401e, 0x400e,
        0x7ffe, 0x7ffd, 0x7fff, 0x3f80, 0x3c01, 0x4400, 0x0040,
    };
    uint64_t m = (uint64_t)g_rand_int(r) << 32 | g_rand_int(r);
    uint16_t ex;
    int k = g_rand_int_range(r, 0, 16);

    if (near && k < 6) {                /* close to the other operand */
        ex = (near->se & 0x7fff) + g_rand_int_range(r, -3, 4);
        if (k < 2) {
            m = near->mant ^ (1ull << g_rand_int_range(r, 0, 64));
        }
    } else if (k < 11) {
        ex = exps[g_rand_int_range(r, 0, G_N_ELEMENTS(exps))];
    } else {
        ex = g_rand_int_range(r, 0, 0x8000);
    }
    ex &= 0x7fff;
    switch (g_rand_int_range(r, 0, 12)) {
    case 0:
        m &= ~0ull << g_rand_int_range(r, 0, 64);   /* short mantissa */
        break;
    case 1:
        m = 0;                                      /* zero / unnormal */
        break;
    case 2:
        m &= ~(1ull << 63);                         /* no integer bit */
        break;
    default:
        break;
    }
    if (ex != 0 && g_rand_int_range(r, 0, 12)) {
        m |= 1ull << 63;                /* mostly normal encodings */
    }
    if (ex == 0x7fff && g_rand_boolean(r)) {
        m = 1ull << 63;                 /* infinity */
    }
    return (Fx80) { .mant = m,
                    .se = (uint16_t)(ex | (g_rand_boolean(r) ? 0x8000 : 0)) };
}

/* ops [0, op_end) with the exception masks masks */
static void run_ops(int op_end, uint16_t masks)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(0x78383780);
    unsigned failures = 0;

    for (int op = 0; op < op_end; op++) {
        unsigned op_failures = 0;

        for (int i = 0; i < 20000; i++) {
            Fx80 a = pick(r, NULL);
            Fx80 b = pick(r, &a);
            uint16_t cw = masks | g_rand_int_range(r, 0, 4) << 10 |
                          (uint16_t[]){ 0, 2, 3 }[g_rand_int_range(r, 0, 3)]
                          << 8;
            HostResult h = host_run(op, a, b, cw);
            HostResult s = soft_run(op, a, b, cw);
            uint16_t swm = op == OP_COM ? SW_CC | 0x3f : SW_FLAGS;
            bool bad = (h.sw & swm) != (s.sw & swm);

            if (op < OP_ST32) {
                bad |= h.r.mant != s.r.mant || h.r.se != s.r.se;
            } else if (op < OP_COM) {
                bad |= h.bits != s.bits;
            }
            if (bad) {
                failures++;
                if (op_failures++ < 3) {
                    g_test_message("%s cw %04x: %04x:%016" PRIx64 " , %04x:%016"
                                   PRIx64 " -> host %04x:%016" PRIx64
                                   " (%016" PRIx64 ") sw %04x, soft %04x:%016"
                                   PRIx64 " (%016" PRIx64 ") sw %04x",
                                   op_names[op], cw, a.se, a.mant, b.se,
                                   b.mant, h.r.se, h.r.mant, h.bits,
                                   h.sw & swm, s.r.se, s.r.mant, s.bits,
                                   s.sw & swm);
                }
            }
        }
        if (op_failures) {
            g_test_message("%s: %u failures", op_names[op], op_failures);
        }
    }
    g_assert_cmpuint(failures, ==, 0);
}

static void test_x87_ops(void)
{
    run_ops(OP_COUNT, 0x3f);
}

/* register destinations: a stored result is the helper's business */
static void test_x87_unmasked_oe_ue(void)
{
    run_ops(OP_ST32, 0x3f & ~(FX_OE | FX_UE));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpu/x87/softfloat-vs-host", test_x87_ops);
    g_test_add_func("/cpu/x87/unmasked-oe-ue-vs-host",
                    test_x87_unmasked_oe_ue);
    return g_test_run();
}
