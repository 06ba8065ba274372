/* SPDX-License-Identifier: MIT */
/*
 * Freestanding i386 Linux runtime for the bench programs of bench/linux/:
 * no libc (the host has no i386 one), system calls through the vDSO's
 * __kernel_vsyscall (AT_SYSINFO, SYSENTER on this kernel) as a libc would,
 * or INT 0x80 without it. Built by bench/run-bench.py with
 * gcc -m32 -static -nostdlib -ffreestanding.
 */
#ifndef KESTREL_BENCH_LINUX_SYS_H
#define KESTREL_BENCH_LINUX_SYS_H

#define NR_EXIT 1
#define NR_WRITE 4
#define NR_GETPPID 64
#define NR_CLOCK_GETTIME 265
#define AT_SYSINFO 32

struct ts {
    long sec, nsec;
};

static void *vsyscall;          /* __kernel_vsyscall, or 0 */

static long sys3(long nr, long a, long b, long c)
{
    long r;

    if (vsyscall) {
        __asm__ volatile("call *%[f]" : "=a"(r)
                         : "a"(nr), "b"(a), "c"(b), "d"(c), [f] "m"(vsyscall)
                         : "memory");
    } else {
        __asm__ volatile("int $0x80" : "=a"(r)
                         : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    }
    return r;
}

static unsigned long str_len(const char *s)
{
    unsigned long n = 0;

    while (s[n]) {
        n++;
    }
    return n;
}

static void put(const char *s)
{
    sys3(NR_WRITE, 1, (long)s, str_len(s));
}

static void put_u(unsigned long long v)
{
    char b[24];
    int i = 23;

    b[i] = 0;
    do {
        b[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    put(b + i);
}

static unsigned long long now_ns(void)
{
    struct ts t;

    sys3(NR_CLOCK_GETTIME, 1 /* CLOCK_MONOTONIC */, (long)&t, 0);
    return (unsigned long long)t.sec * 1000000000ull + t.nsec;
}

/* "BENCH-NS <n>": the harness takes the guest's own figure from it */
static void report(unsigned long long ns)
{
    put("BENCH-NS ");
    put_u(ns);
    put("\n");
}

int bench_main(void);

/* The entry point: find AT_SYSINFO in the auxiliary vector above envp. */
__attribute__((used)) static void start_c(long *sp)
{
    long argc = sp[0];
    long *p = sp + argc + 2;

    while (*p) {
        p++;
    }
    for (p++; p[0]; p += 2) {
        if (p[0] == AT_SYSINFO) {
            vsyscall = (void *)p[1];
        }
    }
    sys3(NR_EXIT, bench_main(), 0, 0);
}

__asm__(".globl _start\n_start:\n"
        "  mov %esp, %eax\n  and $-16, %esp\n  sub $12, %esp\n"
        "  push %eax\n  call start_c\n  hlt\n");

#endif
