/* SPDX-License-Identifier: MIT */
/*
 * The MXCSR flags of an SSE operation that raises an exception the guest
 * left unmasked, as the hardware records them (sse-mxcsr.h runs every
 * operation with all exceptions masked first and comes here only then).
 *
 * They cannot be derived from the masked run: with an unmasked OE or UE
 * the hardware reports PE only when the result rounded with an unbounded
 * exponent is inexact, not the masked (infinite, denormal) result, and
 * under an unmasked UM a tiny exact result underflows too. So the
 * operation runs again with the guest's own masks: the host traps with
 * SIGFPE, whose handler takes the MXCSR from the signal frame and jumps
 * back. Other SIGFPEs go to the handler that was there before.
 * Ref: Intel SDM Vol. 1 11.5.1-11.5.2 (pre- and post-computation
 * exceptions); Linux sigaction(2), <sys/ucontext.h>.
 */
#include "kestrel/osdep.h"
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#include "cpu/x86/sse-mxcsr.h"

static __thread sigjmp_buf *sse_trap_jmp;
static __thread uint32_t sse_trap_mxcsr;
static struct sigaction sse_trap_old;

static void sse_trap_handler(int sig, siginfo_t *si, void *uc)
{
    if (sse_trap_jmp) {
        ucontext_t *u = uc;

        sse_trap_mxcsr = u->uc_mcontext.fpregs->mxcsr;
        siglongjmp(*sse_trap_jmp, 1);
    }
    if (sse_trap_old.sa_flags & SA_SIGINFO) {
        sse_trap_old.sa_sigaction(sig, si, uc);
    } else if (sse_trap_old.sa_handler != SIG_IGN &&
               sse_trap_old.sa_handler != SIG_DFL) {
        sse_trap_old.sa_handler(sig);
    } else {
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

static void sse_trap_install(void)
{
    struct sigaction sa = { 0 };

    sa.sa_sigaction = sse_trap_handler;
    /* on the alternate stack where there is one: a SIGFPE passed on
     * may come from code whose stack must stay untouched (tests/diff) */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, &sse_trap_old);
}

/* Run fn(d, s) under the guest's MXCSR with no sticky flags; its flags.
 * The host MXCSR is put back as it was. */
static uint32_t sse_trap_run(uint32_t guest, SseFn *fn, __m128i d, __m128i s)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    uint32_t host = sse_getcsr();
    sigjmp_buf jb;
    volatile uint32_t fl;

    pthread_once(&once, sse_trap_install);
    if (sigsetjmp(jb, 0) == 0) {
        sse_trap_jmp = &jb;
        _mm_setcsr(guest & ~MXCSR_FLAGS);
        __asm__ volatile("" : "+x"(d), "+x"(s));
        d = fn(d, s);
        __asm__ volatile("" : "+x"(d));
        fl = sse_getcsr();
    } else {
        fl = sse_trap_mxcsr;
    }
    sse_trap_jmp = NULL;
    _mm_setcsr(host);
    return fl & MXCSR_FLAGS;
}

uint32_t sse_mxcsr_unmasked_flags(const X86CPUState *env, uint32_t fl,
                                  SseFn *fn, __m128i d, __m128i s)
{
    uint32_t unmasked = fl & ~(env->mxcsr >> 7) & MXCSR_FLAGS;

    /* A pre-computation exception stops the instruction before the
     * post-computation ones are checked (confirmed on the host) */
    if (unmasked & MXCSR_PRE) {
        return fl & MXCSR_PRE;
    }
    if (!fn || !(unmasked & (MXCSR_OE | MXCSR_UE))) {
        return fl;
    }
    return sse_trap_run(env->mxcsr, fn, d, s);
}
