/* SPDX-License-Identifier: MIT */
/*
 * IR storage: the context, temps (globals, locals, plain temps, interned
 * constants), labels and the op array; the -d op / -d op_opt dump; and
 * tcg_gen_code(), which runs the passes and hands the block to the JIT or
 * the interpreter builder.
 * Called by the x86 translator (through tcg-op.c) and the execution loop.
 * Ref: QEMU tcg/README for the IR model (shape only).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "tcg/tcg-internal.h"

const TCGOpDef tcg_op_defs[NB_OPS] = {
#define DEF(nm, oa, ia, ca, fl) \
    [INDEX_op_##nm] = { .name = #nm, .nb_oargs = oa, .nb_iargs = ia, \
                        .nb_cargs = ca, .flags = fl },
#include "tcg/tcg-opc.h"
#undef DEF
};

TCGContext *tcg_context_new(void)
{
    TCGContext *s = g_new0(TCGContext, 1);

    s->consts = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (unsigned i = 0; i < G_N_ELEMENTS(s->free_temps); i++) {
        s->free_temps[i] = g_ptr_array_new();
    }
    s->labels = g_ptr_array_new();
    s->max_ops = 256;
    s->ops = g_new0(TCGOp, s->max_ops);
    s->jit = true;
    return s;
}

static void tcg_free_labels(TCGContext *s)
{
    for (unsigned i = 0; i < s->labels->len; i++) {
        TCGLabel *l = g_ptr_array_index(s->labels, i);

        if (l->relocs) {
            g_array_free(l->relocs, TRUE);
        }
        g_free(l);
    }
    g_ptr_array_set_size(s->labels, 0);
}

void tcg_context_free(TCGContext *s)
{
    if (!s) {
        return;
    }
    tcg_free_labels(s);
    g_ptr_array_free(s->labels, TRUE);
    for (unsigned i = 0; i < G_N_ELEMENTS(s->free_temps); i++) {
        g_ptr_array_free(s->free_temps[i], TRUE);
    }
    g_hash_table_destroy(s->consts);
    g_free(s->ops);
    g_free(s);
}

void tcg_context_set_jit(TCGContext *s, bool jit)
{
    s->jit = jit;
}

void tcg_func_start(TCGContext *s)
{
    s->nb_temps = s->nb_globals;
    s->nb_ops = 0;
    s->nb_insns = 0;
    s->too_big = false;
    g_hash_table_remove_all(s->consts);
    for (unsigned i = 0; i < G_N_ELEMENTS(s->free_temps); i++) {
        g_ptr_array_set_size(s->free_temps[i], 0);
    }
    tcg_free_labels(s);
}

static TCGTemp *tcg_temp_alloc(TCGContext *s)
{
    TCGTemp *t;

    if (s->nb_temps >= TCG_MAX_TEMPS) {
        /* keep building into a scratch temp; tcg_gen_code says TOO_BIG */
        s->too_big = true;
        t = &s->temps[TCG_MAX_TEMPS - 1];
    } else {
        t = &s->temps[s->nb_temps++];
    }
    memset(t, 0, sizeof(*t));
    t->index = t - s->temps;
    t->in_use = true;
    return t;
}

static TCGv tcg_global_new_sized(TCGContext *s, intptr_t ofs,
                                 const char *name, unsigned size)
{
    TCGTemp *t;

    g_assert(s->nb_temps == s->nb_globals);
    g_assert(s->nb_globals < TCG_MAX_TEMPS / 2);
    t = tcg_temp_alloc(s);
    t->kind = TEMP_GLOBAL;
    t->size = size;
    t->mem_offset = ofs;
    t->name = name;
    s->nb_globals++;
    return t;
}

TCGv tcg_global_mem_new(TCGContext *s, intptr_t env_offset, const char *name)
{
    return tcg_global_new_sized(s, env_offset, name, 8);
}

TCGv tcg_global_mem_new_i32(TCGContext *s, intptr_t env_offset,
                            const char *name)
{
    return tcg_global_new_sized(s, env_offset, name, 4);
}

TCGTemp *tcg_temp_new_kind(TCGContext *s, TCGTempKind kind)
{
    GPtrArray *fl = s->free_temps[kind];
    TCGTemp *t;

    if (fl->len) {
        t = g_ptr_array_steal_index_fast(fl, fl->len - 1);
        t->in_use = true;
        return t;
    }
    t = tcg_temp_alloc(s);
    t->kind = kind;
    return t;
}

TCGv tcg_temp_new(TCGContext *s)
{
    return tcg_temp_new_kind(s, TEMP_NORMAL);
}

TCGv tcg_temp_local_new(TCGContext *s)
{
    return tcg_temp_new_kind(s, TEMP_LOCAL);
}

TCGv tcg_const(TCGContext *s, uint64_t val)
{
    TCGTemp *t = g_hash_table_lookup(s->consts, &val);

    if (!t) {
        t = tcg_temp_alloc(s);
        t->kind = TEMP_CONST;
        t->val = val;
        g_hash_table_insert(s->consts, &t->val, t);
    }
    return t;
}

void tcg_temp_free(TCGContext *s, TCGv t)
{
    if (t->kind == TEMP_GLOBAL || t->kind == TEMP_CONST || !t->in_use) {
        return;
    }
    t->in_use = false;
    g_ptr_array_add(s->free_temps[t->kind], t);
}

TCGLabel *gen_new_label(TCGContext *s)
{
    TCGLabel *l = g_new0(TCGLabel, 1);

    l->id = s->labels->len;
    g_ptr_array_add(s->labels, l);
    return l;
}

TCGOp *tcg_emit_op(TCGContext *s, TCGOpcode opc)
{
    static TCGOp overflow;
    TCGOp *op;

    if (s->nb_ops >= s->max_ops) {
        if (s->max_ops >= TCG_MAX_OPS) {
            s->too_big = true;
            memset(&overflow, 0, sizeof(overflow));
            return &overflow;
        }
        s->max_ops *= 2;
        s->ops = g_renew(TCGOp, s->ops, s->max_ops);
    }
    op = &s->ops[s->nb_ops++];
    memset(op, 0, sizeof(*op));
    op->opc = opc;
    op->nb_oargs = tcg_op_defs[opc].nb_oargs;
    op->nb_iargs = tcg_op_defs[opc].nb_iargs;
    return op;
}

void tcg_op_set_nop(TCGOp *op)
{
    op->opc = INDEX_op_nop;
    op->nb_oargs = 0;
    op->nb_iargs = 0;
    op->dead = 0;
}

/* ---- dump ---- */

static const char *const cond_names[] = {
    [TCG_COND_NEVER] = "never", [TCG_COND_ALWAYS] = "always",
    [TCG_COND_EQ] = "eq", [TCG_COND_NE] = "ne",
    [TCG_COND_LT] = "lt", [TCG_COND_GE] = "ge",
    [TCG_COND_LE] = "le", [TCG_COND_GT] = "gt",
    [TCG_COND_LTU] = "ltu", [TCG_COND_GEU] = "geu",
    [TCG_COND_LEU] = "leu", [TCG_COND_GTU] = "gtu",
    [TCG_COND_TSTEQ] = "tsteq", [TCG_COND_TSTNE] = "tstne",
};

static void dump_temp(GString *buf, TCGTemp *t)
{
    switch (t->kind) {
    case TEMP_GLOBAL:
        g_string_append(buf, t->name ? t->name : "global");
        break;
    case TEMP_LOCAL:
        g_string_append_printf(buf, "loc%u", t->index);
        break;
    case TEMP_NORMAL:
        g_string_append_printf(buf, "tmp%u", t->index);
        break;
    default:
        g_string_append_printf(buf, "$0x%" PRIx64, t->val);
        break;
    }
}

static void dump_cargs(GString *buf, const TCGOp *op, bool first)
{
    unsigned nc = op_nb_cargs(op);

    for (unsigned i = 0; i < nc; i++) {
        TCGArg a = op_carg(op, i);
        const char *sep = first && i == 0 ? "" : ", ";

        if (i == 0 && (op->opc == INDEX_op_brcond_i32 ||
                       op->opc == INDEX_op_brcond_i64 ||
                       op->opc == INDEX_op_setcond_i32 ||
                       op->opc == INDEX_op_setcond_i64 ||
                       op->opc == INDEX_op_movcond_i64) &&
            a < G_N_ELEMENTS(cond_names)) {
            g_string_append_printf(buf, "%s%s", sep, cond_names[a]);
        } else if ((i == 1 && (op->opc == INDEX_op_brcond_i32 ||
                               op->opc == INDEX_op_brcond_i64)) ||
                   op->opc == INDEX_op_br ||
                   op->opc == INDEX_op_set_label) {
            g_string_append_printf(buf, "%s$L%u", sep,
                                   ((TCGLabel *)(uintptr_t)a)->id);
        } else {
            g_string_append_printf(buf, "%s$0x%" PRIx64, sep, a);
        }
    }
}

void tcg_dump_ops(TCGContext *s, const char *title)
{
    g_autoptr(GString) buf = g_string_new(NULL);

    g_string_append_printf(buf, "%s (%u ops)\n", title, s->nb_ops);
    for (unsigned i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        unsigned nt = op->nb_oargs + op->nb_iargs;

        if (op->opc == INDEX_op_nop) {
            continue;
        }
        if (op->opc == INDEX_op_insn_start) {
            g_string_append_printf(buf, " ---- 0x%" PRIx64 " 0x%" PRIx64
                                   "\n", op->args[0], op->args[1]);
            continue;
        }
        g_string_append_printf(buf, " %-12s ", tcg_op_defs[op->opc].name);
        for (unsigned j = 0; j < nt; j++) {
            if (j) {
                g_string_append(buf, ", ");
            }
            dump_temp(buf, arg_temp(op->args[j]));
        }
        dump_cargs(buf, op, nt == 0);
        g_string_append_c(buf, '\n');
    }
    ks_log("%s", buf->str);
}

/* ---- emitting a block ---- */

int tcg_gen_code(TCGContext *s, TcgCodeOut *out)
{
    if (s->too_big) {
        return TCG_GEN_TOO_BIG;
    }
    if (ks_log_enabled(LOG_OP)) {
        tcg_dump_ops(s, "OP:");
    }
    tcg_demand(s);
    tcg_optimize(s);
    tcg_liveness(s);
    if (ks_log_enabled(LOG_OP_OPT)) {
        tcg_dump_ops(s, "OP after optimization and liveness analysis:");
    }
    return s->jit ? tcg_x86_gen_code(s, out) : tcg_interp_gen_code(s, out);
}
