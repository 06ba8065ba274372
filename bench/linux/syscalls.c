/* SPDX-License-Identifier: MIT */
/*
 * syscalls workload (bench/run-bench.py): 1e6 getppid() from user space of
 * the i386 Linux guest, timed by the guest's clock_gettime(MONOTONIC).
 */
#include "sys.h"

#define CALLS 1000000

int bench_main(void)
{
    unsigned long long t0 = now_ns();
    long ppid = 0;

    for (long i = 0; i < CALLS; i++) {
        ppid |= sys3(NR_GETPPID, 0, 0, 0);
    }
    put(vsyscall ? "getppid x1e6 via vsyscall, ppid " :
                   "getppid x1e6 via int 0x80, ppid ");
    put_u(ppid);
    put("\n");
    report(now_ns() - t0);
    return 0;
}
