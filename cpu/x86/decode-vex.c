/* SPDX-License-Identifier: MIT */
/*
 * VEX-encoded instructions (C4/C5 escapes, SDM vol. 2, 2.3): decoded for
 * length and identity only, so that the translator raises #UD cleanly
 * (Kestrel's CPUs have no AVX). The mnemonic is the legacy SSE instruction
 * at the same map/opcode/mandatory prefix (printed with a "v"), or
 * X86_INSN_VEX_OTHER for VEX-only opcodes. No operands are filled in.
 */
#include "kestrel/osdep.h"
#include "cpu/x86/decode-internal.h"

static unsigned vex_identity(unsigned map, unsigned opc, unsigned pp,
                             unsigned w, unsigned modrm)
{
    const X86OpDesc *d = map == 1 ? &x86_op_0f[opc]
                         : map == 2 ? &x86_op_0f38[opc] : &x86_op_0f3a[opc];

    for (;;) {
        switch (d->kind) {
        case DK_INSN:
            if (d->mnem == X86_INSN_INVALID || (d->flags & F_MMX) ||
                !(d->flags & F_SSE)) {
                return X86_INSN_VEX_OTHER;
            }
            return d->mnem;
        case DK_PFX:
            d = &d->sub[pp];
            break;
        case DK_REG:
            d = &d->sub[(modrm >> 3) & 7];
            break;
        case DK_MOD:
            d = &d->sub[modrm >= 0xc0];
            break;
        case DK_RM:
            d = &d->sub[modrm & 7];
            break;
        case DK_RM64:
            d = &d->sub[modrm & 63];
            break;
        case DK_W:
            d = &d->sub[w];
            break;
        default:
            return X86_INSN_VEX_OTHER;
        }
    }
}

X86DecodeStatus x86_decode_vex(X86Insn *insn, DecodeState *ds,
                               unsigned escape)
{
    bool mode64 = insn->mode == X86_MODE_64;
    unsigned map = 1, pp, w = 0, rex = 0, opc, modrm = 0;
    bool has_modrm, has_imm;

    if (escape == 0xc5) {
        unsigned p1;
        if (!ds_need(ds, 1)) {
            return X86_DEC_NEED_MORE;
        }
        p1 = ds_read(ds, 1);
        pp = p1 & 3;
        rex = (~p1 >> 5) & 4;
    } else {
        unsigned p0, p1;
        if (!ds_need(ds, 2)) {
            return X86_DEC_NEED_MORE;
        }
        p0 = ds_read(ds, 1);
        p1 = ds_read(ds, 1);
        map = p0 & 0x1f;
        rex = (~p0 >> 5) & 7;
        w = p1 >> 7;
        pp = p1 & 3;
        if (map < 1 || map > 3) {
            insn->len = ds->pos;
            return X86_DEC_UD;
        }
    }
    if (!mode64) {
        rex = 0;
    }
    if (!ds_need(ds, 1)) {
        return X86_DEC_NEED_MORE;
    }
    opc = ds_read(ds, 1);
    has_modrm = !(map == 1 && opc == 0x77);
    has_imm = map == 3 ||
              (map == 1 && ((opc >= 0x70 && opc <= 0x73) || opc == 0xc2 ||
                            (opc >= 0xc4 && opc <= 0xc6)));
    insn->rex = rex ? 0x40 | rex | w << 3 : 0;
    if (has_modrm) {
        if (!ds_need(ds, 1)) {
            return X86_DEC_NEED_MORE;
        }
        modrm = ds_read(ds, 1);
        ds->modrm = modrm;
        insn->modrm = modrm;
        if (modrm < 0xc0) {
            X86Operand tmp;
            if (!x86_decode_mem(ds, insn, &tmp)) {
                return X86_DEC_NEED_MORE;
            }
        }
    }
    if (has_imm) {
        if (!ds_need(ds, 1)) {
            return X86_DEC_NEED_MORE;
        }
        insn->imm_off = ds->pos;
        ds_read(ds, 1);
    }
    insn->prefixes |= X86_PFX_VEX;
    insn->map = map;
    insn->opcode = opc;
    insn->mand_prefix = pp == 1 ? 0x66 : pp == 2 ? 0xf3 : pp == 3 ? 0xf2 : 0;
    insn->mnem = vex_identity(map, opc, pp, w, modrm);
    insn->flags |= X86_IF_VEX | X86_IF_SSE | (has_modrm ? X86_IF_MODRM : 0);
    insn->feature = X86_FEAT_AVX;
    insn->op_size = w ? 8 : 4;
    insn->len = ds->pos;
    return X86_DEC_OK;
}
