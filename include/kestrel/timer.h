/* SPDX-License-Identifier: MIT */
/*
 * Clocks and timers. CLOCK_VIRTUAL is guest time: it stops while the VM is
 * stopped. CLOCK_HOST is the host's monotonic clock, CLOCK_WALL the
 * host's wall clock (for the RTC's base). Timer callbacks run with the big
 * lock held, on the thread that runs the main loop.
 *
 * Tests use a manual virtual clock: clock_set_manual(true), then
 * clock_step_ns() advances it and runs the timers that expire on the way.
 */
#ifndef KESTREL_TIMER_H
#define KESTREL_TIMER_H

#include "kestrel/osdep.h"

typedef enum ClockType {
    CLOCK_VIRTUAL,
    CLOCK_HOST,
    CLOCK_WALL,                 /* (CLOCK_REALTIME is <time.h>'s name) */
    CLOCK_COUNT,
} ClockType;

#define NANOSECONDS_PER_SECOND 1000000000LL

typedef void TimerCb(void *opaque);
typedef struct Timer Timer;

int64_t clock_ns(ClockType type);

Timer *timer_new_ns(ClockType type, TimerCb *cb, void *opaque);
void timer_free(Timer *t);
/* Fire cb at clock time expire_ns (absolute). */
void timer_mod_ns(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(const Timer *t);
int64_t timer_expire_ns(const Timer *t);   /* -1 when not pending */

/* VM run state drives the virtual clock. */
void clock_vm_start(void);
void clock_vm_stop(void);
bool clock_vm_running(void);

/* Test support: a manual virtual clock. */
void clock_set_manual(bool manual);
void clock_step_ns(int64_t delta_ns);
/* Move the manual clock without running timers, as a host that fell
 * behind does: timers_run_expired() then runs them late. */
void clock_jump_ns(int64_t delta_ns);

/* The timerfd the main loop watches; readable when a timer is due. */
int timers_get_fd(void);
/* Earliest deadline over all clocks in host-monotonic ns, or -1. */
int64_t timers_next_deadline_host_ns(void);
/* Run every expired timer (takes the big lock around each callback). */
void timers_run_expired(void);

#endif /* KESTREL_TIMER_H */
