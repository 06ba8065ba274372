/* SPDX-License-Identifier: MIT */
/*
 * Native runner of tests/diff/diff-run.c: a sequence from diff-gen.c runs
 * on the host CPU in this 64-bit process, between dn_enter, which loads
 * the general registers (not R15, the block's address), EFLAGS, the
 * x87/SSE state (FXRSTOR) and RSP (the stack page), and dn_exit, which
 * stores them back (FXSAVE) and restores the host's stack and FPU
 * control. 32-bit sequences run in compatibility mode: a far jump to the
 * kernel's 32-bit user code segment (0x23) enters them and a far jump to
 * 0x33 leaves them (through a stub below 4 GiB, as a far pointer has a
 * 32-bit offset there), with DS and ES loaded with the user data segment
 * 0x2B (null in 64-bit processes); only the low halves of the registers
 * are compared, the upper ones do not survive the mode.
 *
 * Code, scratch page and stack page lie in one mapping below 4 GiB (the
 * 32-bit class puts the scratch address in EDI), the scratch page
 * DG_RIP_DELTA bytes after the code as on Kestrel. Faults (SIGFPE,
 * SIGILL, SIGSEGV, SIGBUS) are caught on an alternate signal stack; the
 * vector is the signal context's trap number, the registers and the
 * FXSAVE image are the context's, taken at the faulting instruction.
 * Ref: Linux sigaction(2), sigaltstack(2), <sys/ucontext.h>; Intel SDM
 * Vol. 1 table 10-2 (FXSAVE image).
 * Missing: 16-bit code (no native oracle); one thread at a time.
 */
#include "kestrel/osdep.h"
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "diff-native.h"

#define DN_CODE     0                   /* offsets in the mapping */
#define DN_STUB     0x1800              /* jmp [rip] to dn_exit */
#define DN_ENTER32  0x1810              /* ljmp [DN_FAR32] */
#define DN_FAR32    0x1820              /* m16:32: the code, 0x23 */
#define DN_FAR64    0x1828              /* m16:32: DN_STUB, 0x33 */
#define DN_MEM      DG_RIP_DELTA
#define DN_STACK    (DN_MEM + DG_MEM_SIZE)
#define DN_SIZE     (DN_STACK + DG_STACK_SIZE)
#define DN_ALTSTACK (64 * 1024)

typedef struct DnBlock {
    uint64_t gpr[16];                   /* [4]: RSP, [15]: unused */
    uint64_t flags;
    uint64_t code;
    uint64_t host_rsp;
    uint32_t mxcsr_host;
    uint8_t fx[DG_FX_SIZE] __attribute__((aligned(16)));
} DnBlock;

G_STATIC_ASSERT(offsetof(DnBlock, flags) == 128);
G_STATIC_ASSERT(offsetof(DnBlock, code) == 136);
G_STATIC_ASSERT(offsetof(DnBlock, host_rsp) == 144);
G_STATIC_ASSERT(offsetof(DnBlock, mxcsr_host) == 152);
G_STATIC_ASSERT(offsetof(DnBlock, fx) == 160);

void dn_enter(DnBlock *b);
void dn_exit(void);
/* dn_exit's way to the block: R15 does not survive compatibility mode */
extern DnBlock *dn_blockp;
DnBlock *dn_blockp __attribute__((visibility("hidden")));

__asm__(
    ".text\n"
    ".p2align 4\n"
    "dn_enter:\n"
    "    push %rbx\n    push %rbp\n    push %r12\n"
    "    push %r13\n    push %r14\n    push %r15\n"
    "    mov %rdi, %r15\n"
    "    mov %rsp, 144(%r15)\n"
    "    mov $0x2b, %eax\n"             /* DS, ES: null in 64-bit code */
    "    mov %eax, %ds\n    mov %eax, %es\n"
    "    fxrstor 160(%r15)\n"
    "    pushq 128(%r15)\n    popfq\n"
    "    mov 0(%r15), %rax\n    mov 8(%r15), %rcx\n"
    "    mov 16(%r15), %rdx\n    mov 24(%r15), %rbx\n"
    "    mov 40(%r15), %rbp\n    mov 48(%r15), %rsi\n"
    "    mov 56(%r15), %rdi\n    mov 64(%r15), %r8\n"
    "    mov 72(%r15), %r9\n    mov 80(%r15), %r10\n"
    "    mov 88(%r15), %r11\n    mov 96(%r15), %r12\n"
    "    mov 104(%r15), %r13\n    mov 112(%r15), %r14\n"
    "    mov 32(%r15), %rsp\n"
    "    jmp *136(%r15)\n"
    "dn_exit:\n"
    "    mov dn_blockp(%rip), %r15\n"
    "    mov %rsp, 32(%r15)\n"
    "    mov 144(%r15), %rsp\n"
    "    pushfq\n    popq 128(%r15)\n"
    "    mov %rax, 0(%r15)\n    mov %rcx, 8(%r15)\n"
    "    mov %rdx, 16(%r15)\n    mov %rbx, 24(%r15)\n"
    "    mov %rbp, 40(%r15)\n    mov %rsi, 48(%r15)\n"
    "    mov %rdi, 56(%r15)\n    mov %r8, 64(%r15)\n"
    "    mov %r9, 72(%r15)\n    mov %r10, 80(%r15)\n"
    "    mov %r11, 88(%r15)\n    mov %r12, 96(%r15)\n"
    "    mov %r13, 104(%r15)\n    mov %r14, 112(%r15)\n"
    "    fxsave 160(%r15)\n"
    "    fninit\n"
    "    ldmxcsr 152(%r15)\n"
    "    pop %r15\n    pop %r14\n    pop %r13\n"
    "    pop %r12\n    pop %rbp\n    pop %rbx\n"
    "    ret\n");

/* greg index of RAX..R15 */
static const int dn_gregs[16] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};
static const int dn_signals[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS };

static uint8_t *dn_map;
static DnBlock dn_block __attribute__((aligned(64)));
static sigjmp_buf dn_jmp;
static volatile sig_atomic_t dn_active;
static int dn_vector;
static uint64_t dn_fault_rip;

static void dn_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;

    if (!dn_active) {
        signal(sig, SIG_DFL);           /* not ours: the usual crash */
        raise(sig);
        return;
    }
    for (int i = 0; i < 15; i++) {
        dn_block.gpr[i] = g[dn_gregs[i]];
    }
    dn_block.flags = g[REG_EFL];
    dn_fault_rip = g[REG_RIP];
    dn_vector = g[REG_TRAPNO];
    if (uc->uc_mcontext.fpregs) {
        memcpy(dn_block.fx, uc->uc_mcontext.fpregs, DG_FX_SIZE);
    }
    siglongjmp(dn_jmp, 1);
}

bool dn_init(void)
{
    struct sigaction sa = { .sa_sigaction = dn_handler,
                            .sa_flags = SA_SIGINFO | SA_ONSTACK };
    stack_t ss = { .ss_size = DN_ALTSTACK };

    dn_map = mmap(NULL, DN_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (dn_map == MAP_FAILED) {
        return false;
    }
    ss.ss_sp = g_malloc(DN_ALTSTACK);
    if (sigaltstack(&ss, NULL) < 0) {
        return false;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(dn_signals); i++) {
        sigaction(dn_signals[i], &sa, NULL);
    }
    return true;
}

static void dn_put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* A far pointer m16:32 at @p */
static void dn_far(uint8_t *p, uint32_t off, uint16_t sel)
{
    memcpy(p, &off, 4);
    memcpy(p + 4, &sel, 2);
}

/* The way out after the code (and, for 32-bit code, the way in) */
static uintptr_t dn_links(const DiffSeq *s, uint8_t *code)
{
    static const uint8_t jmp_rip[6] = { 0xff, 0x25 };   /* jmp [rip] */
    uint64_t exit_addr = (uintptr_t)dn_exit;
    uint32_t base = (uintptr_t)dn_map;

    if (s->bits == 64) {
        memcpy(code + s->len, jmp_rip, sizeof(jmp_rip));
        memcpy(code + s->len + sizeof(jmp_rip), &exit_addr, 8);
        return (uintptr_t)code;
    }
    memcpy(dn_map + DN_STUB, jmp_rip, sizeof(jmp_rip));
    memcpy(dn_map + DN_STUB + sizeof(jmp_rip), &exit_addr, 8);
    /* ljmp [DN_FAR32] (64-bit code), ljmp [DN_FAR64] (32-bit code) */
    memcpy(dn_map + DN_ENTER32, (const uint8_t[]){ 0xff, 0x2c, 0x25 }, 3);
    dn_put32(dn_map + DN_ENTER32 + 3, base + DN_FAR32);
    code[s->len] = 0xff;
    code[s->len + 1] = 0x2d;
    dn_put32(code + s->len + 2, base + DN_FAR64);
    dn_far(dn_map + DN_FAR32, base + DN_CODE, 0x23);
    dn_far(dn_map + DN_FAR64, base + DN_STUB, 0x33);
    return (uintptr_t)dn_map + DN_ENTER32;
}

void dn_run(const DiffSeq *s, DiffState *out)
{
    uint8_t *code = dn_map + DN_CODE;
    uint32_t mxcsr_host = 0x1f80;

    memcpy(code, s->code, s->len);
    dn_block.code = dn_links(s, code);
    memcpy(dn_map + DN_MEM, s->mem, DG_MEM_SIZE);
    memcpy(dn_map + DN_STACK, s->stack, DG_STACK_SIZE);
    memcpy(dn_block.gpr, s->regs, sizeof(dn_block.gpr));
    dn_block.gpr[4] = (uintptr_t)dn_map + DN_STACK + DG_STACK_START;
    dn_block.gpr[DG_MEM_REG] = (uintptr_t)dn_map + DN_MEM;
    dn_block.flags = s->flags | 0x202;
    dn_block.mxcsr_host = mxcsr_host;
    dn_blockp = &dn_block;
    memcpy(dn_block.fx, s->fx, DG_FX_SIZE);
    out->excp = -1;
    if (sigsetjmp(dn_jmp, 1) == 0) {
        dn_active = 1;
        dn_enter(&dn_block);
    } else {
        __asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr_host));
        out->excp = dn_vector;
        out->fault_off = dn_fault_rip - (uintptr_t)code;
    }
    dn_active = 0;
    out->ran = true;
    memcpy(out->regs, dn_block.gpr, sizeof(out->regs));
    if (s->bits == 32) {
        out->regs[4] &= 0xffffffff;
    }
    out->regs[4] -= (uintptr_t)dn_map + DN_STACK;
    out->flags = dn_block.flags & DG_CC;
    memcpy(out->fx, dn_block.fx, DG_FX_SIZE);
    memcpy(out->mem, dn_map + DN_MEM, DG_MEM_SIZE);
    memcpy(out->stack, dn_map + DN_STACK, DG_STACK_SIZE);
}
