/* SPDX-License-Identifier: MIT */
/*
 * Seeded generator of random but valid instruction sequences for
 * tests/diff/diff-run.c: the classes (16-, 32- and 64-bit integer code,
 * x87, MMX/SSE/SSE2), the initial state, the one encoder every family
 * uses (diff-gen-int.c, diff-gen-x87.c, diff-gen-sse.c) and the layout
 * of a sequence, which the reducer repeats after dropping instructions.
 *
 * The harness owns (E/R)SP, (E/R)DI (the scratch page's address) and R15
 * (the native runner's block): code never names them, nor SPL/DIL.
 * Memory operands are [(E)DI+disp32] (0x67 in 16-bit code) or, in
 * 64-bit code, RIP-relative: the scratch page is DG_RIP_DELTA bytes past
 * the start of the code on every runner. Bytes DG_MEM_RW.. of the page
 * are never written: the generator puts operands it chose there
 * (FLDCW and LDMXCSR values, transcendental arguments).
 *
 * Flags: each instruction says which DG_CC bits it reads, defines and
 * leaves undefined (tables in the family files, from the SDM's "Flags
 * Affected"); dg_flow_* track what is undefined before each instruction,
 * through forward Jcc shadows, and an instruction that reads an
 * undefined flag is never emitted. The comparator masks the rest.
 * Ref: Intel SDM Vol. 2 (each instruction's "Flags Affected"), Vol. 1
 * Appendix A (EFLAGS cross-reference), Vol. 2 2.2.1 (REX, RIP-relative).
 */
#include "kestrel/osdep.h"
#include "diff-gen-emit.h"

const char *const dg_class_names[DG_NCLASS] = {
    "int16", "int32", "int64", "x87", "sse", "x87-16",
};

bool dg_class_native(DgClass cls)
{
    return cls != DG_INT16 && cls != DG_X87_16;
}

/* Registers code may use: legacy (no REX) and with a REX */
static const uint8_t dg_regs_legacy[] = { 0, 1, 2, 3, 5, 6 };
static const uint8_t dg_regs_rex[] = { 0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 12,
                                       13, 14 };

bool dg_one_in(DgCtx *c, unsigned n)
{
    return g_rand_int_range(c->r, 0, n) == 0;
}

bool dg_room(const DgCtx *c, unsigned n)
{
    return c->s->ninsn + n <= DG_MAX_INSNS;
}

bool dg_begin(DgCtx *c, const char *name)
{
    if (!dg_room(c, 1)) {
        return false;
    }
    c->in = &c->s->insn[c->s->ninsn];
    *c->in = (DgInsn) { .name = name, .rel_at = -1, .rip_at = -1 };
    c->rex = c->bits == 64 && g_rand_boolean(c->r);
    return true;
}

bool dg_commit(DgCtx *c)
{
    if (!dg_flow_ok(&c->flow, c->in)) {
        return false;
    }
    dg_flow_step(&c->flow, c->in, c->s->ninsn);
    c->s->ninsn++;
    return true;
}

unsigned dg_gpr(DgCtx *c, unsigned size)
{
    if (c->rex) {                       /* bytes: no SPL, DIL, R15B */
        return dg_regs_rex[g_rand_int_range(c->r, 0,
                                            G_N_ELEMENTS(dg_regs_rex))];
    }
    if (size == 1) {
        return g_rand_int_range(c->r, 0, 8);    /* AL..BH */
    }
    return dg_regs_legacy[g_rand_int_range(c->r, 0,
                                           G_N_ELEMENTS(dg_regs_legacy))];
}

unsigned dg_xmm(DgCtx *c)
{
    return g_rand_int_range(c->r, 0, c->rex ? 16 : 8);
}

int dg_rm(DgCtx *c, unsigned size, unsigned mem_in)
{
    return dg_one_in(c, mem_in) ? DG_RM_MEM : (int)dg_gpr(c, size);
}

unsigned dg_reserve(DgCtx *c, const void *val, unsigned size,
                    unsigned align)
{
    unsigned at = (c->resv + align - 1) & ~(align - 1);

    if (at + size > DG_MEM_SIZE) {      /* full: start over, rarely */
        at = DG_MEM_RW;
    }
    memcpy(c->s->mem + at, val, size);
    c->resv = at + size;
    return at;
}

static void dg_byte(DgCtx *c, uint8_t v)
{
    g_assert(c->in->len < sizeof(c->in->b));
    c->in->b[c->in->len++] = v;
}

static void dg_bytes(DgCtx *c, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        dg_byte(c, v >> (8 * i));
    }
}

/* Scratch offset of a memory operand of @e */
static unsigned dg_mem_off(DgCtx *c, const DgEnc *e)
{
    unsigned top = (e->mwrite ? DG_MEM_RW : DG_MEM_SIZE) - e->msize;
    unsigned a = e->malign > 1 ? e->malign : 1;
    unsigned off;

    if (e->moff >= 0) {
        return e->moff;
    }
    off = g_rand_int_range(c->r, 0, top + 1) & ~(a - 1);
    if (a > 1 && dg_one_in(c, 64)) {
        off |= 1 << g_rand_int_range(c->r, 0, 4);       /* #GP */
        off = MIN(off, top);
    }
    return off;
}

void dg_encode(DgCtx *c, const DgEnc *e)
{
    bool mem = e->reg != DG_NO_MODRM && e->rm == DG_RM_MEM;
    unsigned reg = e->reg >= 0 ? e->reg : 0;
    unsigned rm = !mem && e->rm >= 0 ? e->rm : 0;
    bool riprel = mem && c->bits == 64 && g_rand_boolean(c->r);

    if (e->opsize) {
        dg_byte(c, 0x66);
    }
    if (e->pfx) {
        dg_byte(c, e->pfx);
    }
    if (mem && c->bits == 16) {
        dg_byte(c, 0x67);
    }
    if (c->rex || e->rexw) {
        g_assert(c->bits == 64);
        dg_byte(c, 0x40 | e->rexw << 3 | (reg >> 3) << 2 | (rm >> 3));
    } else {
        g_assert(reg < 8 && rm < 8);
    }
    for (unsigned i = 0; i < e->oplen; i++) {
        dg_byte(c, e->op[i]);
    }
    if (e->reg == DG_NO_MODRM) {
        dg_bytes(c, e->imm, e->immlen);
        return;
    }
    if (!mem) {
        dg_byte(c, 0xc0 | (reg & 7) << 3 | (rm & 7));
    } else if (riprel) {
        dg_byte(c, (reg & 7) << 3 | 5);
        c->in->rip_at = c->in->len;
        c->in->rip_target = dg_mem_off(c, e);
        dg_bytes(c, 0, 4);              /* dg_layout() patches it */
    } else {
        dg_byte(c, 0x80 | (reg & 7) << 3 | DG_MEM_REG);
        dg_bytes(c, dg_mem_off(c, e), 4);
    }
    dg_bytes(c, e->imm, e->immlen);
}

bool dg_flow_ok(const DgFlow *f, const DgInsn *in)
{
    return !(in->read & f->undef);
}

/* Inside a Jcc's shadow an instruction may not run: its definitions do
 * not count, its undefined flags do. */
void dg_flow_step(DgFlow *f, const DgInsn *in, unsigned g)
{
    if (g < f->shadow_end) {
        f->undef |= in->undef;
    } else {
        f->undef = (f->undef | in->undef) & ~in->def;
    }
    if (in->rel_at >= 0) {
        f->shadow_end = MAX(f->shadow_end, g + 1 + in->skip);
    }
}

bool dg_layout(DiffSeq *s)
{
    DgFlow f = { 0 };
    int target[DG_MAX_INSNS];           /* a Jcc's rel8 byte: its target */

    s->n = s->len = 0;
    s->transc = false;
    for (unsigned g = 0; g < s->ninsn; g++) {
        const DgInsn *in = &s->insn[g];
        uint8_t *p = s->code + s->len;

        if (s->drop & (1u << g)) {
            continue;
        }
        if (!dg_flow_ok(&f, in)) {
            return false;
        }
        s->off[s->n] = s->len;
        s->undef[s->n] = f.undef;
        s->idx[s->n] = g;
        memcpy(p, in->b, in->len);
        if (in->rip_at >= 0) {
            uint32_t d = DG_RIP_DELTA + in->rip_target - (s->len + in->len);

            memcpy(p + in->rip_at, &d, 4);
        }
        target[s->n] = in->rel_at >= 0 ? (int)(g + 1 + in->skip) : -1;
        s->transc |= in->flags & DG_I_TRANSC;
        s->len += in->len;
        s->n++;
        dg_flow_step(&f, in, g);
    }
    s->off[s->n] = s->len;
    s->undef[s->n] = f.undef;
    /* a Jcc goes to the first instruction kept at or past its target */
    for (unsigned i = 0; i < s->n; i++) {
        const DgInsn *in = &s->insn[s->idx[i]];
        unsigned j = i + 1;

        if (target[i] < 0) {
            continue;
        }
        while (j < s->n && s->idx[j] < (unsigned)target[i]) {
            j++;
        }
        s->code[s->off[i] + in->rel_at] = s->off[j] - s->off[i + 1];
    }
    return true;
}

unsigned dg_insn_at(const DiffSeq *s, unsigned off)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (off < s->off[i + 1]) {
            return i;
        }
    }
    return s->n;
}

/* Registers: small numbers, 32-bit and (64-bit code) 64-bit values */
static uint64_t dg_reg_value(GRand *r, unsigned bits)
{
    uint64_t v = g_rand_int(r);

    switch (g_rand_int_range(r, 0, 8)) {
    case 0:
        return g_rand_int_range(r, 0, 3);
    case 1:
        return -(uint64_t)g_rand_int_range(r, 1, 3) >> (64 - bits);
    default:
        if (bits == 64 && g_rand_boolean(r)) {
            v |= (uint64_t)g_rand_int(r) << 32;
        }
        return v;
    }
}

void dg_generate(DiffSeq *s, GRand *r, DgClass cls)
{
    static const unsigned bits[DG_NCLASS] = { 16, 32, 64, 32, 64, 16 };
    unsigned n = g_rand_int_range(r, 1, DG_MAX_INSNS + 1);
    DgCtx c = { .r = r, .s = s, .bits = bits[cls], .resv = DG_MEM_RW };

    memset(s, 0, sizeof(*s));
    s->cls = cls;
    s->bits = bits[cls];
    for (int i = 0; i < 16; i++) {
        s->regs[i] = dg_reg_value(r, s->bits == 64 ? 64 : 32);
    }
    s->flags = g_rand_int(r) & DG_CC;
    for (unsigned i = 0; i < DG_MEM_SIZE; i += 4) {
        uint32_t v = g_rand_int(r);

        memcpy(s->mem + i, &v, 4);
    }
    for (unsigned i = 0; cls >= DG_X87 && i < DG_MEM_SIZE; i += 8) {
        uint64_t v = g_rand_boolean(r) ? dg_f64(r)
                                       : dg_f32(r) | (uint64_t)dg_f32(r) << 32;

        if (g_rand_boolean(r)) {
            memcpy(s->mem + i, &v, 8);
        }
    }
    for (unsigned i = 0; i < DG_STACK_SIZE; i += 4) {
        uint32_t v = g_rand_int(r);

        memcpy(s->stack + i, &v, 4);
    }
    dg_init_fx(&c);
    while (s->ninsn < n) {
        unsigned pick = g_rand_int_range(r, 0, 4);

        if ((cls == DG_X87 || cls == DG_X87_16) && pick) {
            dg_gen_x87(&c);
        } else if (cls == DG_SSE && pick) {
            dg_gen_sse(&c);
        } else {
            dg_gen_int(&c);
        }
    }
    dg_layout(s);
}
