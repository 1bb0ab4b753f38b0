/*
 * tests/test_counters.c: the live counters (base/counters.c): each thread counts in a slot of its
 * own, gives the slot back when it exits, and a read sums every slot; threads that find no free
 * slot count in shared atomics. Whatever the threads did, a quiescent read is exact.
 */
#include "test_support.h"

#include "base/base.h" /* white-box: the counters' internal interface */

#include <stdlib.h>

/* More than the counters' static slots (128), so some threads find none free. */
#define MANY_THREADS 160

static long live_allocations(void)
{
    return (long)wbemev_live_allocations();
}

static long live_objects(void)
{
    return (long)wbemev_live_objects();
}

static void test_one_thread(void **state)
{
    (void)state;
    assert_int_equal(live_allocations(), 0);
    assert_int_equal(live_objects(), 0);
    wbemev__live_allocations_add(3);
    wbemev__live_objects_add(5);
    assert_int_equal(live_allocations(), 3);
    assert_int_equal(live_objects(), 5); /* two counters, kept apart */
    wbemev__live_allocations_add(-3);
    wbemev__live_objects_add(-5);
    assert_int_equal(live_allocations(), 0);
    assert_int_equal(live_objects(), 0);
    /* A count below zero (a bug elsewhere) reads as 0, never as a huge size. */
    wbemev__live_objects_add(-2);
    assert_int_equal(live_objects(), 0);
    wbemev__live_objects_add(1);
    assert_int_equal(live_objects(), 0);
    wbemev__live_objects_add(1);
    assert_int_equal(live_objects(), 0);
    wbemev__live_objects_add(1);
    assert_int_equal(live_objects(), 1);
    wbemev__live_objects_add(-1);
}

/* The allocation wrappers keep the block count. */
static void test_allocations_counted(void **state)
{
    (void)state;
    void *a = wbemev__malloc(16);
    char *s = wbemev__strdup("counted");
    assert_non_null(a);
    assert_non_null(s);
    assert_int_equal(live_allocations(), 2);
    wbemev__free(a);
    assert_int_equal(live_allocations(), 1);
    wbemev__free(s);
    assert_int_equal(live_allocations(), 0);
}

struct adder {
    long n; /* adds n to each counter, one at a time */
};

static void add_each(void *arg)
{
    const struct adder *a = arg;
    for (long i = 0; i < a->n; i++) {
        wbemev__live_allocations_add(1);
        wbemev__live_objects_add(1);
    }
}

/* Threads count at once; their counts survive their exit. Another thread takes them back down. */
static void test_threads_at_once(void **state)
{
    (void)state;
    enum { THREADS = 8, EACH = 20000 };
    struct adder a = {EACH};
    wbemev__thread t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_true(wbemev__thread_start(&t[i], add_each, &a));
    for (int i = 0; i < THREADS; i++)
        wbemev__thread_join(&t[i]);
    assert_int_equal(live_allocations(), (long)THREADS * EACH);
    assert_int_equal(live_objects(), (long)THREADS * EACH);
    wbemev__live_allocations_add(-(long)THREADS * EACH); /* this thread's own slot goes negative */
    wbemev__live_objects_add(-(long)THREADS * EACH);
    assert_int_equal(live_allocations(), 0);
    assert_int_equal(live_objects(), 0);
}

/* One thread after another, more of them than there are slots: a slot given back at a thread's
 * exit is claimed by the next thread, which continues its counts. */
static void test_threads_one_after_another(void **state)
{
    (void)state;
    struct adder a = {3};
    for (int i = 0; i < MANY_THREADS; i++) {
        wbemev__thread t;
        assert_true(wbemev__thread_start(&t, add_each, &a));
        wbemev__thread_join(&t);
        assert_int_equal(live_objects(), 3L * (i + 1));
    }
    assert_int_equal(live_allocations(), 3L * MANY_THREADS);
    wbemev__live_allocations_add(-3L * MANY_THREADS);
    wbemev__live_objects_add(-3L * MANY_THREADS);
    assert_int_equal(live_allocations(), 0);
    assert_int_equal(live_objects(), 0);
}

/* Threads held at a gate after counting, so all are alive at once: more than there are slots. */
struct gate {
    wbemev__mutex lock;
    wbemev__cond changed;
    int counted;
    bool open;
};

static void count_then_wait(void *arg)
{
    struct gate *g = arg;
    wbemev__live_allocations_add(1);
    wbemev__live_objects_add(2);
    wbemev__mutex_lock(&g->lock);
    g->counted++;
    wbemev__cond_broadcast(&g->changed);
    while (!g->open)
        wbemev__cond_wait(&g->changed, &g->lock);
    wbemev__mutex_unlock(&g->lock);
}

static void test_more_threads_than_slots(void **state)
{
    (void)state;
    struct gate g = {.counted = 0, .open = false};
    wbemev__mutex_init(&g.lock);
    wbemev__cond_init(&g.changed);
    wbemev__thread *t = calloc(MANY_THREADS, sizeof *t);
    assert_non_null(t);
    for (int i = 0; i < MANY_THREADS; i++)
        assert_true(wbemev__thread_start(&t[i], count_then_wait, &g));
    wbemev__mutex_lock(&g.lock);
    while (g.counted < MANY_THREADS)
        wbemev__cond_wait(&g.changed, &g.lock);
    wbemev__mutex_unlock(&g.lock);
    /* Every thread is alive and has counted: the read is exact, slots or no slots. */
    assert_int_equal(live_allocations(), MANY_THREADS);
    assert_int_equal(live_objects(), 2L * MANY_THREADS);

    wbemev__mutex_lock(&g.lock);
    g.open = true;
    wbemev__cond_broadcast(&g.changed);
    wbemev__mutex_unlock(&g.lock);
    for (int i = 0; i < MANY_THREADS; i++)
        wbemev__thread_join(&t[i]);
    free(t);
    wbemev__cond_destroy(&g.changed);
    wbemev__mutex_destroy(&g.lock);
    assert_int_equal(live_allocations(), MANY_THREADS);
    wbemev__live_allocations_add(-MANY_THREADS);
    wbemev__live_objects_add(-2L * MANY_THREADS);
    assert_int_equal(live_allocations(), 0);
    assert_int_equal(live_objects(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_thread),
        cmocka_unit_test(test_allocations_counted),
        cmocka_unit_test(test_threads_at_once),
        cmocka_unit_test(test_threads_one_after_another),
        cmocka_unit_test(test_more_threads_than_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
