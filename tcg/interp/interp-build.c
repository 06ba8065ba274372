/* SPDX-License-Identifier: MIT */
/*
 * Builds the interpreter's pre-decoded program from an optimized op list
 * (see interp.h for the format), with the block's insn_start table, into
 * the code buffer. Called by tcg_gen_code() for contexts in interpreter
 * mode (-accel tcg,jit=off).
 * Op layouts after word0 (aux in brackets):
 *   value ops          d, inputs...           [cond | ofs | len << 8]
 *   mulu2/muls2        lo, hi, a, b
 *   ld*, st*           temp, env offset
 *   qemu_ld/st         temp, addr             [memop | mmu_idx << 4]
 *   call               fn lo, fn hi, ret or ~0, args...      [nargs]
 *   br                 target;  brcond: a, b, target         [cond]
 *   goto_tb [n];  exit_tb: value lo, value hi;  goto_ptr
 */
#include "kestrel/osdep.h"
#include "tcg/interp/interp.h"

typedef struct InterpBuild {
    TCGContext *s;
    GArray *words;                      /* uint32 */
    GArray *insns;                      /* TcgInsnEntry */
    int32_t slot[TCG_MAX_TEMPS];        /* -1: not assigned yet */
    unsigned nb_slots;
    GArray *consts;                     /* uint64 */
    uint32_t code_ofs;
} InterpBuild;

static void put(InterpBuild *b, uint32_t w)
{
    g_array_append_val(b->words, w);
}

static void put64(InterpBuild *b, uint64_t v)
{
    put(b, (uint32_t)v);
    put(b, (uint32_t)(v >> 32));
}

static uint32_t operand(InterpBuild *b, TCGTemp *t)
{
    if (t->kind == TEMP_GLOBAL) {
        g_assert(t->mem_offset >= 0 && t->mem_offset <= INTERP_OFS_MASK);
        return INTERP_ENV | (t->size == 4 ? INTERP_ENV32 : 0) |
               (uint32_t)t->mem_offset;
    }
    if (b->slot[t->index] < 0) {
        b->slot[t->index] = b->nb_slots++;
        if (t->kind == TEMP_CONST) {
            g_array_append_val(b->consts, t->val);
        }
    }
    return b->slot[t->index];
}

/* Constants get the first slots so the executor can copy them in one go. */
static void assign_const_slots(InterpBuild *b)
{
    TCGContext *s = b->s;

    for (unsigned i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];

        for (unsigned j = 0; j < op->nb_oargs + op->nb_iargs; j++) {
            TCGTemp *t = arg_temp(op->args[j]);

            if (t->kind == TEMP_CONST) {
                operand(b, t);
            }
        }
    }
}

static void put_label_ref(InterpBuild *b, TCGLabel *l)
{
    uint32_t pos = b->words->len;

    if (!l->relocs) {
        l->relocs = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    }
    g_array_append_val(l->relocs, pos);
    put(b, 0);
}

static void resolve_labels(InterpBuild *b)
{
    TCGContext *s = b->s;

    for (unsigned i = 0; i < s->labels->len; i++) {
        TCGLabel *l = g_ptr_array_index(s->labels, i);

        for (unsigned j = 0; l->relocs && j < l->relocs->len; j++) {
            uint32_t pos = g_array_index(l->relocs, uint32_t, j);

            g_array_index(b->words, uint32_t, pos) = l->value;
        }
    }
}

static void build_op(InterpBuild *b, const TCGOp *op)
{
    unsigned nt = op->nb_oargs + op->nb_iargs;
    uint32_t aux = 0;

    switch (op->opc) {
    case INDEX_op_nop:
        return;
    case INDEX_op_insn_start: {
        TcgInsnEntry e = {
            .start = b->code_ofs + b->words->len * 4,
            .data = { op->args[0], op->args[1] },
        };

        g_array_append_val(b->insns, e);
        return;
    }
    case INDEX_op_set_label: {
        TCGLabel *l = (TCGLabel *)(uintptr_t)op->args[0];

        l->value = b->words->len;
        return;
    }
    case INDEX_op_br:
        put(b, op->opc);
        put_label_ref(b, (TCGLabel *)(uintptr_t)op->args[0]);
        return;
    case INDEX_op_brcond_i32:
    case INDEX_op_brcond_i64:
        put(b, op->opc | op->args[2] << 8);
        put(b, operand(b, arg_temp(op->args[0])));
        put(b, operand(b, arg_temp(op->args[1])));
        put_label_ref(b, (TCGLabel *)(uintptr_t)op->args[3]);
        return;
    case INDEX_op_exit_tb:
        put(b, op->opc);
        put64(b, op->args[0]);
        return;
    case INDEX_op_call:
        put(b, op->opc | op->nb_iargs << 8);
        put64(b, op_carg(op, 0));
        put(b, op->nb_oargs ? operand(b, arg_temp(op->args[0])) : ~0u);
        for (unsigned i = 0; i < op->nb_iargs; i++) {
            put(b, operand(b, arg_temp(op->args[op->nb_oargs + i])));
        }
        return;
    case INDEX_op_goto_tb:
        aux = op->args[0];
        break;
    case INDEX_op_qemu_ld:
    case INDEX_op_qemu_st:
        aux = op->args[2] | op->args[3] << 4;
        break;
    case INDEX_op_setcond_i32:
    case INDEX_op_setcond_i64:
        aux = op->args[3];
        break;
    case INDEX_op_movcond_i64:
        aux = op->args[5];
        break;
    case INDEX_op_deposit:
        aux = op->args[3] | op->args[4] << 8;
        break;
    case INDEX_op_extract:
    case INDEX_op_sextract:
        aux = op->args[2] | op->args[3] << 8;
        break;
    default:
        break;
    }
    put(b, op->opc | aux << 8);
    for (unsigned i = 0; i < nt; i++) {
        put(b, operand(b, arg_temp(op->args[i])));
    }
    if (op->opc >= INDEX_op_ld8u && op->opc <= INDEX_op_st64) {
        put(b, (uint32_t)op_carg(op, 0));
    }
}

int tcg_interp_gen_code(TCGContext *s, TcgCodeOut *out)
{
    g_autofree InterpBuild *b = g_new(InterpBuild, 1);
    TcgBlockHeader *h;
    InterpProg *p;
    uint8_t *code;
    size_t size;
    int ret;

    b->s = s;
    b->words = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    b->insns = g_array_new(FALSE, FALSE, sizeof(TcgInsnEntry));
    b->consts = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    b->nb_slots = 0;
    memset(b->slot, -1, sizeof(b->slot));
    assign_const_slots(b);
    b->code_ofs = KS_ALIGN_UP(sizeof(InterpProg) + b->consts->len * 8, 8);
    for (unsigned i = 0; i < s->nb_ops; i++) {
        build_op(b, &s->ops[i]);
    }
    resolve_labels(b);

    ret = TCG_GEN_FULL;
    h = tcg_block_begin(&code);
    size = b->code_ofs + b->words->len * 4;
    if (h && code + size < tcg_code_buf.end) {
        h->kind = TCG_BLOCK_INTERP;
        h->jmp_ofs[0] = offsetof(InterpProg, jmp[0]);
        h->jmp_ofs[1] = offsetof(InterpProg, jmp[1]);
        p = (InterpProg *)code;
        p->jmp[0] = p->jmp[1] = NULL;
        p->nb_consts = b->consts->len;
        p->nb_slots = b->nb_slots;
        p->code_ofs = b->code_ofs;
        p->nb_words = b->words->len;
        memcpy(p->consts, b->consts->data, b->consts->len * 8);
        memcpy(code + b->code_ofs, b->words->data, b->words->len * 4);
        ret = tcg_block_finish(h, code, code + size,
                               (TcgInsnEntry *)b->insns->data,
                               b->insns->len, out);
    }
    g_array_free(b->words, TRUE);
    g_array_free(b->insns, TRUE);
    g_array_free(b->consts, TRUE);
    return ret;
}
