/* SPDX-License-Identifier: MIT */
/*
 * Soft-float arithmetic on the x87's 80-bit extended format, exact in all
 * four rounding modes and the three precision controls, with the x87's
 * exception flags and C1 (rounded up), and the transcendental functions.
 * Used by the x87 helpers; the unit tests tests/unit/test-x87.c and
 * test-x87-trans.c check it against the host FPU. Implemented in
 * softfloat-x80*.c.
 * Ref: Intel SDM Vol. 1 ch. 4.2-4.9 (formats, rounding, exceptions), 8.1.5
 * (precision control), 8.5 (x87 exception conditions, masked responses).
 */
#ifndef KESTREL_CPU_X86_SOFTFLOAT_X80_H
#define KESTREL_CPU_X86_SOFTFLOAT_X80_H

#include "kestrel/osdep.h"

typedef struct Fx80 {
    uint64_t mant;                      /* explicit integer bit at 63 */
    uint16_t se;                        /* sign at 15, biased exponent */
} Fx80;

/* Exception flags (x87 status word bits 0-5) and C1 (bit 9). */
#define FX_IE 0x01
#define FX_DE 0x02
#define FX_ZE 0x04
#define FX_OE 0x08
#define FX_UE 0x10
#define FX_PE 0x20
#define FX_C1 0x200

/* Rounding and precision, as in the x87 control word. */
typedef struct FxEnv {
    uint8_t rc;                         /* 0 nearest, 1 down, 2 up, 3 zero */
    uint8_t pc;                         /* 0: 24 bits, 2: 53, 3: 64 */
    uint8_t masks;                      /* FX_* masks (control word 0-5) */
    uint16_t flags;                     /* out: FX_* raised, ORed */
} FxEnv;

Fx80 fx_add(FxEnv *e, Fx80 a, Fx80 b);
Fx80 fx_sub(FxEnv *e, Fx80 a, Fx80 b);
Fx80 fx_mul(FxEnv *e, Fx80 a, Fx80 b);
Fx80 fx_div(FxEnv *e, Fx80 a, Fx80 b);
Fx80 fx_sqrt(FxEnv *e, Fx80 a);
/* FRNDINT: to an integer by the rounding mode */
Fx80 fx_round_int(FxEnv *e, Fx80 a);

/* Loads (exact; SNaN quieted with IE, denormal operands give DE). */
Fx80 fx_from_f32(FxEnv *e, uint32_t v);
Fx80 fx_from_f64(FxEnv *e, uint64_t v);
Fx80 fx_from_int(int64_t v);
/* Stores: rounded by the rounding mode to the format; out-of-range
 * integers give IE and the integer indefinite. trunc: FISTTP. */
uint32_t fx_to_f32(FxEnv *e, Fx80 a);
uint64_t fx_to_f64(FxEnv *e, Fx80 a);
int64_t fx_to_int(FxEnv *e, Fx80 a, unsigned bytes, bool trunc);

/* Compare: -1 less, 0 equal, 1 greater, 2 unordered; quiet: FUCOM (IE
 * only for SNaN) instead of FCOM (IE for any NaN). */
int fx_compare(FxEnv *e, Fx80 a, Fx80 b, bool quiet);

/* FSCALE: a * 2^trunc(b) */
Fx80 fx_scale(FxEnv *e, Fx80 a, Fx80 b);
/* FPREM (truncating) / FPREM1 (nearest): remainder of a / b; *q_low gets
 * the quotient's three low bits, *partial is set when the exponents are
 * 64 or more apart and only a partial reduction was done (C2). */
Fx80 fx_rem(FxEnv *e, Fx80 a, Fx80 b, bool nearest, unsigned *q_low,
            bool *partial);
/*
 * The transcendental functions (softfloat-x80-trans.c) of non-NaN,
 * supported operands, within one ulp, rounded at 64 bits whatever the
 * precision control: PE, C1 (rounded up), UE/OE. The caller raises DE
 * and IE for NaNs; fx_yl2x wants x > 0 (the caller handles zero and
 * negative x). fx_sin, fx_cos, fx_tan want |x| < 2^63.
 */
Fx80 fx_f2xm1(FxEnv *e, Fx80 x);                /* 2^x - 1 */
Fx80 fx_yl2x(FxEnv *e, Fx80 x, Fx80 y);         /* y log2(x) */
Fx80 fx_yl2xp1(FxEnv *e, Fx80 x, Fx80 y);       /* y log2(x + 1) */
Fx80 fx_atan2(FxEnv *e, Fx80 y, Fx80 x);        /* FPATAN: atan(y / x) */
Fx80 fx_sin(FxEnv *e, Fx80 x);
Fx80 fx_cos(FxEnv *e, Fx80 x);
Fx80 fx_tan(FxEnv *e, Fx80 x);

bool fx_is_nan(Fx80 a);
/* The QNaN "real indefinite" the x87 returns for invalid operations. */
extern const Fx80 fx_indefinite;

#endif /* KESTREL_CPU_X86_SOFTFLOAT_X80_H */
