/* SPDX-License-Identifier: MIT */
/*
 * Clocks and timers. Timers of all clocks share one sorted list per clock;
 * the earliest deadline arms a timerfd (absolute CLOCK_MONOTONIC, so ns
 * precision) that the main loop watches and answers with
 * timers_run_expired(). Arming a timer from any thread re-arms the fd.
 * CLOCK_VIRTUAL is the host monotonic clock minus the time the VM spent
 * stopped; in manual mode (unit tests) only clock_step_ns() and
 * clock_jump_ns() move it.
 */
#include "kestrel/osdep.h"
#include "kestrel/timer.h"
#include "kestrel/bql.h"
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct Timer {
    ClockType clock;
    TimerCb *cb;
    void *opaque;
    int64_t expire;                     /* -1: not pending */
    Timer *next;
};

static GMutex timer_lock;               /* the lists and the clock state */
static Timer *timer_lists[CLOCK_COUNT];
static int64_t virt_offset;             /* virtual = host - virt_offset */
static int64_t virt_stopped_at;         /* virtual time while stopped */
static bool vm_running;
static bool clock_manual;
static bool timers_running;             /* timers_run_expired re-arms last */
static int64_t manual_now;
static int timer_fd = -1;

static int64_t host_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

static int64_t clock_ns_locked(ClockType type)
{
    switch (type) {
    case CLOCK_VIRTUAL:
        if (clock_manual) {
            return manual_now;
        }
        return vm_running ? host_ns() - virt_offset : virt_stopped_at;
    case CLOCK_HOST:
        return host_ns();
    case CLOCK_WALL:
    default:
        return g_get_real_time() * 1000;
    }
}

int64_t clock_ns(ClockType type)
{
    if (type == CLOCK_VIRTUAL && !clock_manual) {
        /* lock-free fast path: vm_running/virt_offset change rarely */
        bool running = __atomic_load_n(&vm_running, __ATOMIC_ACQUIRE);
        if (running) {
            return host_ns() - __atomic_load_n(&virt_offset,
                                               __ATOMIC_RELAXED);
        }
    }
    g_mutex_lock(&timer_lock);
    int64_t now = clock_ns_locked(type);
    g_mutex_unlock(&timer_lock);
    return now;
}

/* Host-monotonic time at which clock `type` reaches `t`, or -1 if never
 * (virtual time does not advance while the VM is stopped). */
static int64_t to_host_ns(ClockType type, int64_t t)
{
    switch (type) {
    case CLOCK_VIRTUAL:
        return (vm_running && !clock_manual) ? t + virt_offset : -1;
    case CLOCK_HOST:
        return t;
    case CLOCK_WALL:
    default:
        return host_ns() + (t - g_get_real_time() * 1000);
    }
}

static int64_t next_deadline_locked(void)
{
    int64_t best = -1;

    for (int c = 0; c < CLOCK_COUNT; c++) {
        if (timer_lists[c]) {
            int64_t h = to_host_ns(c, timer_lists[c]->expire);
            if (h >= 0 && (best < 0 || h < best)) {
                best = h;
            }
        }
    }
    return best;
}

static void rearm_locked(void)
{
    int64_t d = next_deadline_locked();
    struct itimerspec its = { 0 };

    if (timer_fd < 0) {
        return;
    }
    if (d >= 0) {
        d = MAX(d, 1);
        its.it_value.tv_sec = d / NANOSECONDS_PER_SECOND;
        its.it_value.tv_nsec = d % NANOSECONDS_PER_SECOND;
    }
    timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

int timers_get_fd(void)
{
    g_mutex_lock(&timer_lock);
    if (timer_fd < 0) {
        timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (timer_fd < 0) {
            ks_abort("timerfd_create: %s", g_strerror(errno));
        }
        rearm_locked();
    }
    g_mutex_unlock(&timer_lock);
    return timer_fd;
}

int64_t timers_next_deadline_host_ns(void)
{
    g_mutex_lock(&timer_lock);
    int64_t d = next_deadline_locked();
    g_mutex_unlock(&timer_lock);
    return d;
}

Timer *timer_new_ns(ClockType type, TimerCb *cb, void *opaque)
{
    Timer *t = g_new0(Timer, 1);

    t->clock = type;
    t->cb = cb;
    t->opaque = opaque;
    t->expire = -1;
    return t;
}

static void timer_unlink_locked(Timer *t)
{
    for (Timer **pp = &timer_lists[t->clock]; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->expire = -1;
}

void timer_free(Timer *t)
{
    if (t) {
        timer_del(t);
        g_free(t);
    }
}

void timer_mod_ns(Timer *t, int64_t expire_ns)
{
    Timer **pp;
    bool first;

    g_mutex_lock(&timer_lock);
    if (t->expire >= 0) {
        timer_unlink_locked(t);
    }
    t->expire = MAX(expire_ns, 0);
    for (pp = &timer_lists[t->clock]; *pp; pp = &(*pp)->next) {
        if ((*pp)->expire > t->expire) {
            break;
        }
    }
    first = pp == &timer_lists[t->clock];
    t->next = *pp;
    *pp = t;
    if (first && !timers_running) {
        rearm_locked();
    }
    g_mutex_unlock(&timer_lock);
}

void timer_del(Timer *t)
{
    g_mutex_lock(&timer_lock);
    if (t->expire >= 0) {
        timer_unlink_locked(t);
    }
    g_mutex_unlock(&timer_lock);
}

bool timer_pending(const Timer *t)
{
    return t->expire >= 0;
}

int64_t timer_expire_ns(const Timer *t)
{
    return t->expire;
}

/* Pop one expired timer of clock c at time now, or NULL. */
static Timer *pop_expired(ClockType c, int64_t now)
{
    Timer *t;

    g_mutex_lock(&timer_lock);
    t = timer_lists[c];
    if (t && t->expire <= now) {
        timer_unlink_locked(t);
    } else {
        t = NULL;
    }
    g_mutex_unlock(&timer_lock);
    return t;
}

/*
 * Run the timers that expired by the time of the call, each callback under
 * the big lock on its own: a vCPU waiting for the lock gets it between two
 * callbacks. A timer a callback re-arms for a time already past runs again
 * in the same call; devices re-arm ahead of the clock (i8254, hpet), so the
 * loop ends. The timerfd is re-armed once, at the end, rather than by every
 * timer_mod_ns() of a callback.
 */
void timers_run_expired(void)
{
    uint64_t ticks;

    if (timer_fd >= 0) {
        ssize_t r = read(timer_fd, &ticks, sizeof(ticks));
        (void)r;                        /* EAGAIN when not yet expired */
    }
    g_mutex_lock(&timer_lock);
    timers_running = true;
    g_mutex_unlock(&timer_lock);
    for (int c = 0; c < CLOCK_COUNT; c++) {
        int64_t now;
        Timer *t;

        if (c == CLOCK_VIRTUAL && !clock_manual && !vm_running) {
            continue;
        }
        now = clock_ns(c);
        while ((t = pop_expired(c, now))) {
            bql_lock();
            t->cb(t->opaque);
            bql_unlock();
        }
    }
    g_mutex_lock(&timer_lock);
    timers_running = false;
    rearm_locked();
    g_mutex_unlock(&timer_lock);
}

void clock_vm_start(void)
{
    g_mutex_lock(&timer_lock);
    if (!vm_running) {
        virt_offset = host_ns() - virt_stopped_at;
        __atomic_store_n(&vm_running, true, __ATOMIC_RELEASE);
        rearm_locked();
    }
    g_mutex_unlock(&timer_lock);
}

void clock_vm_stop(void)
{
    g_mutex_lock(&timer_lock);
    if (vm_running) {
        virt_stopped_at = host_ns() - virt_offset;
        __atomic_store_n(&vm_running, false, __ATOMIC_RELEASE);
        rearm_locked();
    }
    g_mutex_unlock(&timer_lock);
}

bool clock_vm_running(void)
{
    return vm_running;
}

void clock_set_manual(bool manual)
{
    g_mutex_lock(&timer_lock);
    clock_manual = manual;
    manual_now = 0;
    g_mutex_unlock(&timer_lock);
}

void clock_jump_ns(int64_t delta_ns)
{
    g_mutex_lock(&timer_lock);
    manual_now += delta_ns;
    g_mutex_unlock(&timer_lock);
}

void clock_step_ns(int64_t delta_ns)
{
    int64_t target = manual_now + delta_ns;
    Timer *t;

    for (;;) {
        g_mutex_lock(&timer_lock);
        t = timer_lists[CLOCK_VIRTUAL];
        if (!t || t->expire > target) {
            manual_now = target;
            g_mutex_unlock(&timer_lock);
            return;
        }
        manual_now = MAX(manual_now, t->expire);
        timer_unlink_locked(t);
        g_mutex_unlock(&timer_lock);
        t->cb(t->opaque);
    }
}
