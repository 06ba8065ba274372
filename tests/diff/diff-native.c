/* SPDX-License-Identifier: MIT */
/*
 * Native runner of tests/diff/diff-run.c: a sequence from diff-gen.c runs
 * on the host CPU between a prologue that loads EAX..EDI and EFLAGS from a
 * state block (R15 holds it; the sequence cannot name R15 or RSP) and an
 * epilogue that stores them back. The generator's instructions mean the
 * same in 64-bit mode as in 32-bit code (no 40-4F, no stack, no LEA;
 * 32-bit results zero-extend, so only the low halves are compared), and
 * the scratch page is mapped below 4 GiB so [EDI+disp] is [RDI+disp].
 * SIGFPE, SIGILL and SIGSEGV are caught: the handler takes the registers
 * and RIP from the signal context and maps the signal to #DE, #UD, #GP.
 * This is test-translate.c's native_run idea with faults added.
 * Ref: Linux sigaction(2), <sys/ucontext.h> (REG_* of x86-64).
 * Missing: running in a 32-bit code segment (far jump to selector 0x23)
 * is not tried; 16-bit sequences have no native oracle.
 */
#include "kestrel/osdep.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "diff-native.h"

typedef struct DnBlock {
    uint32_t r[8];
    uint64_t flags;
} DnBlock;

/* push rbx; push rbp; push r15; mov r15, rdi; mov eax..edi, [r15+4*i]
 * (not esp); push qword [r15+32]; popfq */
static const uint8_t dn_prologue[] = {
    0x53, 0x55, 0x41, 0x57, 0x49, 0x89, 0xff, 0x41, 0x8b, 0x07, 0x41, 0x8b,
    0x4f, 0x04, 0x41, 0x8b, 0x57, 0x08, 0x41, 0x8b, 0x5f, 0x0c, 0x41, 0x8b,
    0x6f, 0x14, 0x41, 0x8b, 0x77, 0x18, 0x41, 0x8b, 0x7f, 0x1c, 0x41, 0xff,
    0x77, 0x20, 0x9d,
};
/* pushfq; pop qword [r15+32]; mov [r15+4*i], eax..edi; pop r15, rbp, rbx;
 * ret */
static const uint8_t dn_epilogue[] = {
    0x9c, 0x41, 0x8f, 0x47, 0x20, 0x41, 0x89, 0x07, 0x41, 0x89, 0x4f, 0x04,
    0x41, 0x89, 0x57, 0x08, 0x41, 0x89, 0x5f, 0x0c, 0x41, 0x89, 0x6f, 0x14,
    0x41, 0x89, 0x77, 0x18, 0x41, 0x89, 0x7f, 0x1c, 0x41, 0x5f, 0x5d, 0x5b,
    0xc3,
};

/* Signal -> x86 vector */
static const struct {
    int sig;
    int vector;
} dn_signals[] = {
    { SIGFPE, 0 }, { SIGILL, 6 }, { SIGSEGV, 13 }, { SIGBUS, 13 },
};

/* greg index of EAX..EDI */
static const int dn_gregs[8] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
};

static uint8_t *dn_code;
static uint8_t *dn_mem;
static sigjmp_buf dn_jmp;
static DnBlock dn_fault;                /* registers at the fault */
static uintptr_t dn_fault_rip;
static volatile sig_atomic_t dn_active;

static void dn_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;

    if (!dn_active) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    for (int i = 0; i < 8; i++) {
        dn_fault.r[i] = uc->uc_mcontext.gregs[dn_gregs[i]];
    }
    dn_fault.flags = uc->uc_mcontext.gregs[REG_EFL];
    dn_fault_rip = uc->uc_mcontext.gregs[REG_RIP];
    siglongjmp(dn_jmp, sig);
}

bool dn_init(void)
{
    struct sigaction sa = { .sa_sigaction = dn_handler,
                            .sa_flags = SA_SIGINFO | SA_NODEFER };

    dn_code = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    dn_mem = mmap(NULL, DG_MEM_SIZE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (dn_code == MAP_FAILED || dn_mem == MAP_FAILED) {
        return false;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(dn_signals); i++) {
        sigaction(dn_signals[i].sig, &sa, NULL);
    }
    return true;
}

void dn_run(const DiffSeq *s, DiffState *out)
{
    static DnBlock b;
    size_t n = sizeof(dn_prologue);
    int sig;

    memcpy(dn_code, dn_prologue, n);
    memcpy(dn_code + n, s->code, s->len);
    memcpy(dn_code + n + s->len, dn_epilogue, sizeof(dn_epilogue));
    __builtin___clear_cache((char *)dn_code,
                            (char *)dn_code + n + s->len +
                            sizeof(dn_epilogue));
    memcpy(dn_mem, s->mem, DG_MEM_SIZE);
    memcpy(b.r, s->regs, sizeof(b.r));
    b.r[DG_MEM_REG] = (uint32_t)(uintptr_t)dn_mem;
    b.flags = s->flags | 2;
    out->excp = -1;
    out->ran = true;
    sig = sigsetjmp(dn_jmp, 1);
    if (sig == 0) {
        dn_active = 1;
        ((void (*)(DnBlock *))dn_code)(&b);
    } else {
        b = dn_fault;
        out->excp = 13;
        for (unsigned i = 0; i < G_N_ELEMENTS(dn_signals); i++) {
            if (dn_signals[i].sig == sig) {
                out->excp = dn_signals[i].vector;
            }
        }
        out->fault_off = dn_fault_rip - (uintptr_t)(dn_code + n);
    }
    dn_active = 0;
    memcpy(out->regs, b.r, sizeof(out->regs));
    out->flags = b.flags & DG_CC;
    memcpy(out->mem, dn_mem, DG_MEM_SIZE);
}
