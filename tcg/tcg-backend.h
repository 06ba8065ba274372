/* SPDX-License-Identifier: MIT */
/*
 * Turning a finished IR block into something runnable, and running it.
 *
 * Called by the execution loop (accel/tcg/): after the translator has built
 * a block with the builder API of tcg/tcg.h, tcg_gen_code() optimizes the
 * ops and emits either x86-64 host code (the JIT) or a compact pre-decoded
 * program for the IR interpreter (-accel tcg,jit=off). Both forms live in
 * the same code buffer and are entered the same way, with tcg_exec_tb(), so
 * the TB cache does not care which one it holds. Each emitted block also
 * carries its insn_start table, so tcg_restore_state() can map a host
 * return address inside the block back to the guest instruction.
 *
 * Threads: one code buffer per process. tcg_gen_code(), tcg_code_flush()
 * and the patch functions must be serialized by the caller (TB lock);
 * tcg_exec_tb() may run on any vCPU thread at the same time.
 * Missing: W^X dual mapping (the buffer is mapped RWX).
 */
#ifndef KESTREL_TCG_BACKEND_H
#define KESTREL_TCG_BACKEND_H

#include "kestrel/osdep.h"
#include "tcg/tcg.h"
#include "tcg/tlb-layout.h"

/*
 * Allocate the code buffer (size 0 = default 64 MiB) and emit the JIT
 * prologue. Call once, before anything else here. Returns false with errp
 * set when the host refuses the mapping.
 */
bool tcg_init(size_t code_size, GError **errp);

/* Offset of the TlbTable from env; generated code reaches it as
 * [env + ofs]. Set once before generating code. */
void tcg_set_tlb_offset(intptr_t ofs);

/* The function lookup_and_goto_ptr calls: returns the code pointer of the
 * block for the current env state (as tcg_gen_code gave it), or NULL to
 * return 0 to the execution loop. Set once before generating code. */
typedef void *(*TcgLookupFn)(CPUEnv *env);
void tcg_set_lookup_fn(TcgLookupFn fn);

/* How a context emits code: host code (default after tcg_init) or the
 * interpreter's program. Per context, so tests can compare both. */
void tcg_context_set_jit(TCGContext *s, bool jit);

typedef struct TcgCodeOut {
    void *code;                 /* entry point for tcg_exec_tb() */
    size_t size;                /* bytes from `code` that belong to the
                                 * block: host pc ra is inside it when
                                 * code < ra <= code + size */
} TcgCodeOut;

#define TCG_GEN_OK      0
#define TCG_GEN_FULL    (-1)    /* buffer full: flush everything, retry */
#define TCG_GEN_TOO_BIG (-2)    /* block too big (ops/temps): retry with
                                 * fewer guest instructions */

/*
 * Optimize the ops built since tcg_func_start() and emit them into the code
 * buffer. Logs -d op before and -d op_opt after optimizing. The context's
 * ops are consumed: call tcg_func_start() before building the next block.
 */
int tcg_gen_code(TCGContext *s, TcgCodeOut *out);

/* Drop every block: the buffer restarts empty (the prologue stays). */
void tcg_code_flush(void);
/* Bytes used and total, for statistics and the monitor. */
size_t tcg_code_used(void);
size_t tcg_code_capacity(void);

/*
 * Run a block: returns the exit_tb value of the block that leaves the
 * chain (0 from lookup_and_goto_ptr when the lookup returns NULL).
 * Works for both JIT and interpreter blocks.
 */
uintptr_t tcg_exec_tb(CPUEnv *env, const void *code);

/*
 * Chaining: make goto_tb slot n (0 or 1) of block `code` jump straight to
 * block `target` (same kind: JIT to JIT, interpreter to interpreter), or
 * back to its own exit_tb. Atomic with respect to running vCPUs.
 */
void tcg_patch_goto_tb(void *code, unsigned n, const void *target);
void tcg_unpatch_goto_tb(void *code, unsigned n);

/*
 * A fault or a helper inside block `code` at host return address `ra`
 * (GETPC() in a helper, or the `ra` given to tlb_slow_ld/st; the
 * instruction is found at ra - 1, so a return address just past the last
 * host instruction of a guest instruction still counts for it): store the
 * insn_start data of that guest instruction in data[] and return true;
 * false if ra is not inside the block.
 */
bool tcg_restore_state(const void *code, uintptr_t ra,
                       uint64_t data[TCG_INSN_START_WORDS]);

/* The host return address of the current helper, as tcg_restore_state and
 * tlb_slow_ld/st want it. Use it in helpers called by generated code:
 * under the interpreter it names the op that called the helper. */
extern __thread uintptr_t tcg_interp_ra;
#define TCG_GETPC() \
    (tcg_interp_ra ? tcg_interp_ra : (uintptr_t)__builtin_return_address(0))

/* Observers of a block run on this thread, or NULL (accel/tcg/
 * selfcheck.c sets them while its interpreter copy runs): store sees each
 * store to RAM before it happens (host address, bytes, value; the
 * interpreter's fast path and accel/tcg/tlb.c), slow each access that
 * cannot be undone (MMIO, a write to a code page), call each helper the
 * interpreter calls. */
typedef struct TcgInterpHooks {
    void (*store)(void *host, unsigned size, uint64_t val);
    void (*slow)(void);
    void (*call)(void *fn);
} TcgInterpHooks;
extern __thread const TcgInterpHooks *tcg_interp_hooks;

#endif /* KESTREL_TCG_BACKEND_H */
