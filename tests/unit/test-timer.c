/* SPDX-License-Identifier: MIT */
/*
 * Timers on the manual virtual clock: order, re-arming from a callback,
 * deletion; and the virtual clock stopping with the VM.
 */
#include "kestrel/osdep.h"
#include "kestrel/timer.h"

static GString *fired;

static void mark_cb(void *opaque)
{
    g_string_append(fired, opaque);
}

typedef struct Periodic {
    Timer *t;
    int64_t period;
    int count;
} Periodic;

static void periodic_cb(void *opaque)
{
    Periodic *p = opaque;

    p->count++;
    timer_mod_ns(p->t, clock_ns(CLOCK_VIRTUAL) + p->period);
}

static void test_order_and_delete(void)
{
    Timer *a, *b, *c;

    clock_set_manual(true);
    fired = g_string_new("");
    a = timer_new_ns(CLOCK_VIRTUAL, mark_cb, "a");
    b = timer_new_ns(CLOCK_VIRTUAL, mark_cb, "b");
    c = timer_new_ns(CLOCK_VIRTUAL, mark_cb, "c");
    timer_mod_ns(c, 300);
    timer_mod_ns(a, 100);
    timer_mod_ns(b, 200);
    g_assert_true(timer_pending(b));
    timer_del(b);
    g_assert_false(timer_pending(b));
    g_assert_cmpint(timer_expire_ns(b), ==, -1);
    clock_step_ns(250);
    g_assert_cmpstr(fired->str, ==, "a");
    g_assert_cmpint(clock_ns(CLOCK_VIRTUAL), ==, 250);
    timer_mod_ns(a, 260);               /* re-armed before c */
    clock_step_ns(100);
    g_assert_cmpstr(fired->str, ==, "aac");
    timer_free(a);
    timer_free(b);
    timer_free(c);
    g_string_free(fired, true);
}

static void test_periodic_rearm(void)
{
    Periodic p = { .period = 1000 };

    clock_set_manual(true);
    p.t = timer_new_ns(CLOCK_VIRTUAL, periodic_cb, &p);
    timer_mod_ns(p.t, 1000);
    clock_step_ns(10500);
    g_assert_cmpint(p.count, ==, 10);
    g_assert_cmpint(timer_expire_ns(p.t), ==, 11000);
    timer_free(p.t);
}

static void test_virtual_clock_stops(void)
{
    int64_t t0, t1;

    clock_set_manual(false);
    clock_vm_start();
    g_assert_true(clock_vm_running());
    clock_vm_stop();
    t0 = clock_ns(CLOCK_VIRTUAL);
    g_usleep(2000);
    t1 = clock_ns(CLOCK_VIRTUAL);
    g_assert_cmpint(t0, ==, t1);        /* no time passes while stopped */
    clock_vm_start();
    g_usleep(2000);
    g_assert_cmpint(clock_ns(CLOCK_VIRTUAL), >, t1);
    clock_vm_stop();
    g_assert_cmpint(clock_ns(CLOCK_HOST), >, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/timer/order-delete", test_order_and_delete);
    g_test_add_func("/core/timer/periodic", test_periodic_rearm);
    g_test_add_func("/core/timer/virtual-stops", test_virtual_clock_stops);
    return g_test_run();
}
