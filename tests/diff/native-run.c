/* SPDX-License-Identifier: MIT */
/*
 * The host CPU as an oracle: code runs between a prologue that loads
 * EAX..EDI (not ESP) and EFLAGS from a NativeRegs block, whose address
 * R15 holds, and an epilogue that stores them back. The code must leave
 * RSP and R15 alone; code without REX prefixes cannot name R15, and
 * 32-bit code means the same in 64-bit mode when it avoids 40-4F, the
 * stack and address arithmetic wider than 32 bits. SIGFPE, SIGILL,
 * SIGSEGV and SIGBUS are caught: the handler takes the registers and RIP
 * from the signal context. Used by tests/unit/test-translate.c and
 * tests/diff/diff-native.c.
 * Ref: Linux sigaction(2), <sys/ucontext.h> (REG_* of x86-64).
 * Missing: 32-bit code segments (the host allows a far jump to selector
 * 0x23, docs/testing.md); one thread at a time.
 */
#include "kestrel/osdep.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "native-run.h"

#define NATIVE_CODE_SIZE 8192

/* push rbx; push rbp; push r15; mov r15, rdi; mov eax..edi, [r15+4*i]
 * (not esp); push qword [r15+32]; popfq */
static const uint8_t native_prologue[] = {
    0x53, 0x55, 0x41, 0x57, 0x49, 0x89, 0xff, 0x41, 0x8b, 0x07, 0x41, 0x8b,
    0x4f, 0x04, 0x41, 0x8b, 0x57, 0x08, 0x41, 0x8b, 0x5f, 0x0c, 0x41, 0x8b,
    0x6f, 0x14, 0x41, 0x8b, 0x77, 0x18, 0x41, 0x8b, 0x7f, 0x1c, 0x41, 0xff,
    0x77, 0x20, 0x9d,
};
/* pushfq; pop qword [r15+32]; mov [r15+4*i], eax..edi; pop r15, rbp, rbx;
 * ret */
static const uint8_t native_epilogue[] = {
    0x9c, 0x41, 0x8f, 0x47, 0x20, 0x41, 0x89, 0x07, 0x41, 0x89, 0x4f, 0x04,
    0x41, 0x89, 0x57, 0x08, 0x41, 0x89, 0x5f, 0x0c, 0x41, 0x89, 0x6f, 0x14,
    0x41, 0x89, 0x77, 0x18, 0x41, 0x89, 0x7f, 0x1c, 0x41, 0x5f, 0x5d, 0x5b,
    0xc3,
};

/* Signal -> x86 vector */
static const struct {
    int sig;
    int vector;
} native_signals[] = {
    { SIGFPE, 0 }, { SIGILL, 6 }, { SIGSEGV, 13 }, { SIGBUS, 13 },
};

/* greg index of EAX..EDI */
static const int native_gregs[8] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
};

static uint8_t *native_code;
static sigjmp_buf native_jmp;
static NativeRegs native_fault;          /* registers at the fault */
static uintptr_t native_fault_rip;
static volatile sig_atomic_t native_active;

static void native_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;

    if (!native_active) {
        signal(sig, SIG_DFL);           /* not ours: the usual crash */
        raise(sig);
        return;
    }
    for (int i = 0; i < 8; i++) {
        native_fault.r[i] = uc->uc_mcontext.gregs[native_gregs[i]];
    }
    native_fault.flags = uc->uc_mcontext.gregs[REG_EFL];
    native_fault_rip = uc->uc_mcontext.gregs[REG_RIP];
    siglongjmp(native_jmp, sig);
}

bool native_init(void)
{
    struct sigaction sa = { .sa_sigaction = native_handler,
                            .sa_flags = SA_SIGINFO | SA_NODEFER };

    if (native_code) {
        return true;
    }
    native_code = mmap(NULL, NATIVE_CODE_SIZE,
                       PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (native_code == MAP_FAILED) {
        native_code = NULL;
        return false;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(native_signals); i++) {
        sigaction(native_signals[i].sig, &sa, NULL);
    }
    return true;
}

int native_exec(const uint8_t *code, size_t len, NativeRegs *regs,
                unsigned *fault_off)
{
    static NativeRegs b;                /* static: kept across siglongjmp */
    size_t n = sizeof(native_prologue);
    volatile int vector = -1;
    int sig;

    g_assert(n + len + sizeof(native_epilogue) <= NATIVE_CODE_SIZE);
    memcpy(native_code, native_prologue, n);
    memcpy(native_code + n, code, len);
    memcpy(native_code + n + len, native_epilogue, sizeof(native_epilogue));
    __builtin___clear_cache((char *)native_code,
                            (char *)native_code + n + len +
                            sizeof(native_epilogue));
    b = *regs;
    sig = sigsetjmp(native_jmp, 1);
    if (sig == 0) {
        native_active = 1;
        ((void (*)(NativeRegs *))native_code)(&b);
    } else {
        b = native_fault;
        vector = 13;
        for (unsigned i = 0; i < G_N_ELEMENTS(native_signals); i++) {
            if (native_signals[i].sig == sig) {
                vector = native_signals[i].vector;
            }
        }
        *fault_off = native_fault_rip - (uintptr_t)(native_code + n);
    }
    native_active = 0;
    *regs = b;
    return vector;
}
