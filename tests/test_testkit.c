/*
 * tests/test_testkit.c: the worker thread of wbemev/thread.h and the test kit's waits.
 *
 *  - wbemev/thread.h: start, join, detach, is_self, the stop flag;
 *  - the waits on a recording sink: a wait that cannot be satisfied times out (and not much
 *    earlier), a wait satisfied by another thread returns long before its timeout.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include "test_support.h"

#include "wbemev/testkit.h"
#include "wbemev/thread.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

/* Long enough never to be reached by a wait that is satisfied; short enough to end a broken test. */
#define GENEROUS_MS 20000u

static uint64_t now_ms(void)
{
#if defined(_WIN32)
    return (uint64_t)GetTickCount64();
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
#endif
}

/* ------------------------------------------------------------------------------------------------
 * wbemev/thread.h
 */
struct probe {
    wbemev_thread *self;
    bool is_self;
    wbemev_status join_self;
    atomic_int runs;
    wbemev_stop_flag *done; /* set at the end, when not NULL */
};

static void probe_run(void *arg)
{
    struct probe *pr = arg;
    pr->is_self = wbemev_thread_is_self(pr->self);
    pr->join_self = wbemev_thread_join(pr->self);
    atomic_fetch_add(&pr->runs, 1);
    if (pr->done != NULL)
        wbemev_stop_flag_set(pr->done);
}

static void test_thread_start_join_detach(void **state)
{
    (void)state;
    wbemev_thread t;
    memset(&t, 0, sizeof t);
    struct probe pr = {&t, false, WBEMEV_S_NO_ERROR, 0, NULL};
    assert_false(wbemev_thread_is_self(&t)); /* not started */
    assert_wbemev_ok(wbemev_thread_join(&t)); /* nothing to join */
    assert_wbemev_ok(wbemev_thread_start(&t, probe_run, &pr));
    assert_false(wbemev_thread_is_self(&t)); /* this is not t */
    assert_wbemev_ok(wbemev_thread_join(&t));
    assert_int_equal(atomic_load(&pr.runs), 1);
    assert_true(pr.is_self); /* *t was written before the thread ran */
    assert_wbemev_status(pr.join_self, WBEMEV_E_INVALID_OPERATION);
    assert_wbemev_ok(wbemev_thread_join(&t)); /* joined: not started any more */
    assert_wbemev_status(wbemev_thread_detach(&t), WBEMEV_E_INVALID_PARAMETER);

    /* Started again, detached: it runs to its end on its own and says so through a stop flag. (It
     * does not look at t: detach, by its owner, writes it.) */
    wbemev_stop_flag done;
    assert_wbemev_ok(wbemev_stop_flag_init(&done));
    pr.self = NULL;
    pr.done = &done;
    assert_wbemev_ok(wbemev_thread_start(&t, probe_run, &pr));
    assert_wbemev_ok(wbemev_thread_detach(&t));
    assert_false(wbemev_thread_is_self(&t));
    assert_true(wbemev_stop_flag_wait(&done, WBEMEV_THREAD_WAIT_FOREVER));
    assert_int_equal(atomic_load(&pr.runs), 2);
    assert_false(pr.is_self);
    assert_wbemev_status(pr.join_self, WBEMEV_E_INVALID_PARAMETER); /* join(NULL) */
    wbemev_stop_flag_destroy(&done);

    /* Bad input. */
    assert_wbemev_status(wbemev_thread_start(NULL, probe_run, &pr), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_thread_start(&t, NULL, &pr), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_thread_join(NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_thread_detach(NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_false(wbemev_thread_is_self(NULL));
}

struct flag_setter {
    wbemev_stop_flag *flag;
    wbemev_stop_flag delay;
};

static void set_after_a_while(void *arg)
{
    struct flag_setter *s = arg;
    (void)wbemev_stop_flag_wait(&s->delay, 30);
    wbemev_stop_flag_set(s->flag);
}

static void test_stop_flag(void **state)
{
    (void)state;
    wbemev_stop_flag f;
    assert_wbemev_ok(wbemev_stop_flag_init(&f));
    assert_false(wbemev_stop_flag_is_set(&f));
    assert_false(wbemev_stop_flag_wait(&f, 0));
    uint64_t t0 = now_ms();
    assert_false(wbemev_stop_flag_wait(&f, 80)); /* not set: the time passes */
    uint64_t waited = now_ms() - t0;
    assert_true(waited >= 60);
    assert_true(waited < GENEROUS_MS);

    /* Set by another thread: a wait without limit returns. */
    struct flag_setter s = {.flag = &f};
    assert_wbemev_ok(wbemev_stop_flag_init(&s.delay));
    wbemev_thread t = {0};
    assert_wbemev_ok(wbemev_thread_start(&t, set_after_a_while, &s));
    assert_true(wbemev_stop_flag_wait(&f, WBEMEV_THREAD_WAIT_FOREVER));
    assert_wbemev_ok(wbemev_thread_join(&t));
    wbemev_stop_flag_destroy(&s.delay);
    assert_true(wbemev_stop_flag_is_set(&f));
    t0 = now_ms();
    assert_true(wbemev_stop_flag_wait(&f, GENEROUS_MS)); /* set already: at once */
    assert_true(now_ms() - t0 < GENEROUS_MS / 2);
    wbemev_stop_flag_set(&f); /* idempotent */
    assert_true(wbemev_stop_flag_is_set(&f));
    wbemev_stop_flag_destroy(&f);

    assert_wbemev_status(wbemev_stop_flag_init(NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_false(wbemev_stop_flag_is_set(NULL));
    assert_false(wbemev_stop_flag_wait(NULL, 0));
    wbemev_stop_flag_set(NULL);
    wbemev_stop_flag_destroy(NULL);
}

/* ------------------------------------------------------------------------------------------------
 * The waits, on a recording sink alone (the events indicated straight into it, no dispatcher)
 */
struct bare {
    wbemev_class_t *cls;
    wbemev_sink_t *rec;
    wbemev_stop_flag stop;
    wbemev_status last;
};

/* Three events 10 ms apart, then the final SetStatus: what a subscription's sink receives. */
static void feed_bare(void *arg)
{
    struct bare *b = arg;
    for (uint32_t i = 0; i < 3 && WBEMEV_SUCCEEDED(b->last); i++) {
        if (wbemev_stop_flag_wait(&b->stop, 10))
            return;
        wbemev_object_t *o = NULL;
        b->last = wbemev_class_spawn_instance(b->cls, &o);
        if (WBEMEV_SUCCEEDED(b->last)) {
            b->last = wbemev_sink_indicate1(b->rec, o);
            wbemev_object_release(o);
        }
    }
    if (WBEMEV_SUCCEEDED(b->last))
        b->last = wbemev_sink_set_status(b->rec, WBEMEV_STATUS_COMPLETE, WBEMEV_E_CALL_CANCELLED, NULL, NULL);
}

static void test_waits_on_a_bare_recording_sink(void **state)
{
    (void)state;
    wbemev_namespace_t *ns = NULL;
    struct bare b = {.last = WBEMEV_S_NO_ERROR};
    assert_wbemev_ok(wbemev_namespace_new("root\\kit", &ns));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Bare_Event", "__ExtrinsicEvent", NULL, 0, &b.cls));
    assert_wbemev_ok(wbemev_recording_sink_new(&b.rec));
    assert_wbemev_ok(wbemev_stop_flag_init(&b.stop));

    /* Nothing comes: both waits time out, after their timeout. */
    uint64_t t0 = now_ms();
    assert_wbemev_status(wbemev_testkit_wait_events(b.rec, NULL, 1, 60), WBEMEV_E_TIMED_OUT);
    assert_true(now_ms() - t0 >= 40);
    assert_wbemev_status(wbemev_testkit_wait_status(b.rec, 0), WBEMEV_E_TIMED_OUT);
    assert_wbemev_ok(wbemev_testkit_wait_events(b.rec, NULL, 0, 0)); /* 0 events: there at once */

    /* Another thread feeds it: each wait returns as soon as its condition holds. */
    wbemev_thread t = {0};
    t0 = now_ms();
    assert_wbemev_ok(wbemev_thread_start(&t, feed_bare, &b));
    assert_wbemev_ok(wbemev_testkit_wait_events(b.rec, "Bare_Event", 3, GENEROUS_MS));
    assert_wbemev_ok(wbemev_testkit_wait_status(b.rec, GENEROUS_MS));
    assert_true(now_ms() - t0 < GENEROUS_MS / 2);
    assert_wbemev_ok(wbemev_thread_join(&t));
    assert_wbemev_ok(b.last);
    assert_int_equal(wbemev_recording_sink_count(b.rec), 3);
    assert_wbemev_status(wbemev_testkit_wait_events(b.rec, "Bare_Event", 4, 0), WBEMEV_E_TIMED_OUT);

    wbemev_stop_flag_destroy(&b.stop);
    wbemev_sink_release(b.rec);
    wbemev_class_release(b.cls);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_start_join_detach),
        cmocka_unit_test(test_stop_flag),
        cmocka_unit_test(test_waits_on_a_bare_recording_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
