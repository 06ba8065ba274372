/* SPDX-License-Identifier: MIT */
/*
 * The code buffer: one RWX mapping holding the JIT prologue, then emitted
 * blocks (host code or interpreter programs), each preceded by a
 * TcgBlockHeader and followed by its insn_start table. Also what works on
 * an emitted block whatever its kind: tcg_exec_tb(), goto_tb patching and
 * tcg_restore_state().
 * Called by the execution loop (accel/tcg/) and by the back-ends.
 * Missing: W^X dual mapping for hosts that refuse RWX pages.
 */
#include "kestrel/osdep.h"
#include <sys/mman.h>
#include "tcg/tcg-internal.h"

#define TCG_DEFAULT_CODE_SIZE   (64u << 20)
#define TCG_PROLOGUE_MAX        256

TcgCodeBuf tcg_code_buf;
intptr_t tcg_tlb_offset;
TcgLookupFn tcg_lookup_fn;
__thread uintptr_t tcg_interp_ra;
__thread const TcgInterpHooks *tcg_interp_hooks;

bool tcg_init(size_t code_size, GError **errp)
{
    void *p;

    if (tcg_code_buf.base) {
        return true;
    }
    if (!code_size) {
        code_size = TCG_DEFAULT_CODE_SIZE;
    }
    code_size = KS_ALIGN_UP(code_size, 4096);
    p = mmap(NULL, code_size, PROT_READ | PROT_WRITE | PROT_EXEC,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        g_set_error(errp, KS_ERROR,
                    KS_ERROR_UNSUPPORTED,
                    "tcg: cannot map %zu bytes of executable memory: %s",
                    code_size, g_strerror(errno));
        return false;
    }
    tcg_code_buf.base = p;
    tcg_code_buf.end = tcg_code_buf.base + code_size;
    tcg_code_buf.start = tcg_code_buf.base +
        tcg_x86_emit_prologue(tcg_code_buf.base, TCG_PROLOGUE_MAX);
    tcg_code_buf.ptr = tcg_code_buf.start;
    return true;
}

void tcg_set_tlb_offset(intptr_t ofs)
{
    tcg_tlb_offset = ofs;
}

void tcg_set_lookup_fn(TcgLookupFn fn)
{
    tcg_lookup_fn = fn;
}

void tcg_code_flush(void)
{
    tcg_code_buf.ptr = tcg_code_buf.start;
}

size_t tcg_code_used(void)
{
    return tcg_code_buf.ptr - tcg_code_buf.base;
}

size_t tcg_code_capacity(void)
{
    return tcg_code_buf.end - tcg_code_buf.base;
}

TcgBlockHeader *tcg_block_begin(uint8_t **code_ptr)
{
    uintptr_t p = KS_ALIGN_UP((uintptr_t)tcg_code_buf.ptr, 16);
    TcgBlockHeader *h = (TcgBlockHeader *)p;

    if (p + sizeof(*h) >= (uintptr_t)tcg_code_buf.end) {
        return NULL;
    }
    memset(h, 0, sizeof(*h));
    h->jmp_ofs[0] = h->jmp_ofs[1] = UINT32_MAX;
    *code_ptr = (uint8_t *)(h + 1);
    return h;
}

int tcg_block_finish(TcgBlockHeader *h, uint8_t *code, uint8_t *code_end,
                     const TcgInsnEntry *insns, unsigned n, TcgCodeOut *out)
{
    uintptr_t tab = KS_ALIGN_UP((uintptr_t)code_end, 8);
    size_t tab_size = n * sizeof(TcgInsnEntry);

    if (tab + tab_size > (uintptr_t)tcg_code_buf.end) {
        return TCG_GEN_FULL;
    }
    memcpy((void *)tab, insns, tab_size);
    h->code_size = code_end - code;
    h->search_ofs = tab - (uintptr_t)code;
    h->nb_insns = n;
    tcg_code_buf.ptr = (uint8_t *)(tab + tab_size);
    out->code = code;
    out->size = h->code_size;
    return TCG_GEN_OK;
}

uintptr_t tcg_exec_tb(CPUEnv *env, const void *code)
{
    if (tcg_block_header(code)->kind == TCG_BLOCK_INTERP) {
        return tcg_interp_exec(env, code);
    }
    if (unlikely(tcg_interp_ra)) {
        tcg_interp_ra = 0;
    }
    return tcg_x86_prologue(env, code);
}

void tcg_patch_goto_tb(void *code, unsigned n, const void *target)
{
    TcgBlockHeader *h = tcg_block_header(code);
    uint8_t *slot;

    if (n >= 2 || h->jmp_ofs[n] == UINT32_MAX) {
        return;
    }
    slot = (uint8_t *)code + h->jmp_ofs[n];
    if (h->kind == TCG_BLOCK_INTERP) {
        __atomic_store_n((const void **)slot, target, __ATOMIC_RELEASE);
    } else {
        int32_t rel = (intptr_t)target - (intptr_t)(slot + 4);

        __atomic_store_n((int32_t *)slot, rel, __ATOMIC_RELEASE);
    }
}

void tcg_unpatch_goto_tb(void *code, unsigned n)
{
    TcgBlockHeader *h = tcg_block_header(code);
    uint8_t *slot;

    if (n >= 2 || h->jmp_ofs[n] == UINT32_MAX) {
        return;
    }
    slot = (uint8_t *)code + h->jmp_ofs[n];
    if (h->kind == TCG_BLOCK_INTERP) {
        __atomic_store_n((const void **)slot, NULL, __ATOMIC_RELEASE);
    } else {
        __atomic_store_n((int32_t *)slot, (int32_t)h->jmp_reset[n],
                         __ATOMIC_RELEASE);
    }
}

bool tcg_restore_state(const void *code, uintptr_t ra,
                       uint64_t data[TCG_INSN_START_WORDS])
{
    const TcgBlockHeader *h = tcg_block_header(code);
    const TcgInsnEntry *e;
    uintptr_t ofs;
    unsigned lo = 0, hi;

    if (ra <= (uintptr_t)code || ra - (uintptr_t)code > h->code_size ||
        !h->nb_insns) {
        return false;
    }
    ofs = ra - 1 - (uintptr_t)code;
    e = (const TcgInsnEntry *)((const uint8_t *)code + h->search_ofs);
    if (ofs < e[0].start) {
        return false;
    }
    /* last entry with start <= ofs */
    hi = h->nb_insns;
    while (hi - lo > 1) {
        unsigned mid = (lo + hi) / 2;

        if (e[mid].start <= ofs) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    memcpy(data, e[lo].data, sizeof(e[lo].data));
    return true;
}
