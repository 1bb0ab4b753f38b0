/*
 * tests/test_testkit.c: the worker thread of wbemev/thread.h, the test kit's waits and its test
 * provider.
 *
 *  - wbemev/thread.h: start, join, detach, is_self, the stop flag;
 *  - the waits on a recording sink: a wait that cannot be satisfied times out (and not much
 *    earlier), a wait satisfied by another thread returns long before its timeout;
 *  - the test provider, hosted by a dispatcher under the `abort` policy (any violation ends the
 *    process): what it was told (ProvideEvents, NewQuery ids, CancelQuery, the final Release), what
 *    its indicate answers before, during and after, its stop on WBEMEV_E_CALL_CANCELLED, threads
 *    indicating while it is unregistered, a final Release made while an indicate is in progress on
 *    another thread or on its own;
 *  - the waits with a dispatcher: class filters, a clear during a wait, the final SetStatus after
 *    an unsubscribe from another thread, queued delivery;
 *  - a provider written with wbemev/thread.h, whose final Release comes on a host thread or on its
 *    own worker.
 *
 * Timing limits of the checker are raised: a slow machine (Valgrind) must not turn a slow call into
 * a SLOW_* report, which would abort; what is checked is the contract, not the speed.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include "test_support.h"

#include "wbemev/testkit.h"
#include "wbemev/thread.h"

#include <stdatomic.h>
#include <stdlib.h>
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

/* ------------------------------------------------------------------------------------------------
 * The fixture: a dispatcher (abort), three classes, a recording sink
 */
static const wbemev_property_def kit_props[] = {{"Name", WBEMEV_CIM_STRING, NULL},
                                                {"Seq", WBEMEV_CIM_UINT32, NULL}};
static const char *const kit_queries[] = {"SELECT * FROM Kit_Event", "SELECT * FROM Other_Event"};

struct fx {
    wbemev_dispatcher_t *d;
    wbemev_class_t *ev, *sub, *other; /* Kit_Event, Kit_SubEvent : Kit_Event, Other_Event */
    wbemev_sink_t *rec;
};

static wbemev_dispatcher_t *new_dispatcher(wbemev_contract_policy policy)
{
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = policy;
    o.provider_call_limit_ms = 60000;
    o.consumer_call_limit_ms = 60000;
    wbemev_dispatcher_t *d = NULL;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &d));
    return d;
}

static void define_classes(struct fx *f)
{
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(f->d);
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Kit_Event", "__ExtrinsicEvent", kit_props, 2, &f->ev));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Kit_SubEvent", "Kit_Event", NULL, 0, &f->sub));
    assert_wbemev_ok(
        wbemev_namespace_define_class(ns, "Other_Event", "__ExtrinsicEvent", kit_props, 2, &f->other));
}

/* WBEMEV_CONTRACT, when set, overrides the policy a fixture asks for: a test that depends on the
 * policy's behaviour skips then. */
static void require_policy(wbemev_dispatcher_t *d, wbemev_contract_policy want)
{
    if (wbemev_dispatcher_contract_policy(d) != want) {
        print_message("WBEMEV_CONTRACT overrides the policy %s: skipped\n", wbemev_contract_policy_name(want));
        skip();
    }
}

static int fx_setup_policy(void **state, wbemev_contract_policy policy)
{
    static struct fx f;
    memset(&f, 0, sizeof f);
    f.d = new_dispatcher(policy);
    define_classes(&f);
    assert_wbemev_ok(wbemev_recording_sink_new(&f.rec));
    *state = &f;
    return 0;
}

static int fx_setup(void **state)
{
    return fx_setup_policy(state, WBEMEV_CONTRACT_ABORT);
}

static int fx_setup_record(void **state)
{
    return fx_setup_policy(state, WBEMEV_CONTRACT_RECORD);
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    wbemev_recording_sink_clear(f->rec); /* its events would be objects alive at shutdown */
    wbemev_class_release(f->ev);
    wbemev_class_release(f->sub);
    wbemev_class_release(f->other);
    wbemev_dispatcher_destroy(f->d);
    assert_int_equal(wbemev_recording_sink_refs(f->rec), 1);
    wbemev_sink_release(f->rec);
    wbemev_test_assert_no_leaks();
    return 0;
}

static wbemev_object_t *event_of(wbemev_class_t *cls, uint32_t seq)
{
    wbemev_object_t *o = NULL;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &o));
    assert_wbemev_ok(wbemev_object_put_string(o, "Name", "kit"));
    assert_wbemev_ok(wbemev_object_put_uint32(o, "Seq", seq));
    return o;
}

/* Indicates one new event of `cls` through the test provider; returns the answer. */
static wbemev_status send_event(wbemev_testkit_provider *p, wbemev_class_t *cls, uint32_t seq)
{
    wbemev_object_t *o = event_of(cls, seq);
    wbemev_status st = wbemev_testkit_provider_indicate1(p, o);
    wbemev_object_release(o); /* borrowed by Indicate, whatever the answer */
    return st;
}

/* A test provider registered as "Kit"; the dispatcher holds the only reference. */
static wbemev_testkit_provider *registered_provider(struct fx *f)
{
    wbemev_testkit_provider *p = NULL;
    assert_wbemev_ok(wbemev_testkit_provider_new(&p));
    assert_non_null(p);
    assert_wbemev_ok(wbemev_dispatcher_register(f->d, "Kit", wbemev_testkit_provider_base(p), kit_queries, 2));
    wbemev_provider_release(wbemev_testkit_provider_base(p));
    return p;
}

/* ------------------------------------------------------------------------------------------------
 * The test provider
 */

/* The whole life under `abort`: subscribe, indicate, unsubscribe, shut down. Any violation the
 * provider caused would have aborted the process; the counters say what it was told. */
static void test_provider_life_under_abort(void **state)
{
    struct fx *f = *state;
    assert_true(wbemev_dispatcher_contract_policy(f->d) == WBEMEV_CONTRACT_ABORT ||
                getenv("WBEMEV_CONTRACT") != NULL); /* abort, unless the environment chose another */
    wbemev_testkit_provider *p = registered_provider(f);
    assert_false(wbemev_testkit_provider_provided(p));
    assert_wbemev_status(send_event(p, f->ev, 0), WBEMEV_E_NOT_AVAILABLE); /* no sink yet */
    assert_int_equal(wbemev_testkit_provider_query_count(p), 0);

    uint32_t a = 0, b = 0;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Kit_Event", f->rec, NULL, &a));
    assert_true(wbemev_testkit_provider_provided(p));
    assert_wbemev_ok(
        wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Other_Event WHERE Seq > 1", f->rec, NULL, &b));
    assert_int_equal(wbemev_testkit_provider_query_count(p), 2);
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_testkit_provider_query_at(p, 0, &id));
    assert_int_equal(id, a);
    assert_wbemev_ok(wbemev_testkit_provider_query_at(p, 1, &id));
    assert_int_equal(id, b);
    assert_wbemev_status(wbemev_testkit_provider_query_at(p, 2, &id), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(id, b); /* untouched */
    assert_true(wbemev_testkit_provider_has_query(p, a));

    for (uint32_t i = 0; i < 3; i++) {
        assert_wbemev_ok(send_event(p, f->ev, i));
        assert_wbemev_ok(send_event(p, f->other, i)); /* only Seq 2 passes b's WHERE */
    }
    wbemev_object_t *batch[2] = {event_of(f->sub, 7), event_of(f->ev, 8)};
    assert_wbemev_ok(wbemev_testkit_provider_indicate(p, 2, batch));
    wbemev_object_release(batch[0]);
    wbemev_object_release(batch[1]);
    assert_wbemev_ok(wbemev_testkit_wait_events(f->rec, NULL, 6, 0)); /* synchronous: all there */
    assert_int_equal(wbemev_testkit_count(f->rec, "Kit_Event"), 5);
    assert_int_equal(wbemev_testkit_count(f->rec, "Other_Event"), 1);

    assert_wbemev_ok(wbemev_dispatcher_unsubscribe(f->d, a));
    assert_int_equal(wbemev_testkit_provider_cancelled(p), 1);
    assert_false(wbemev_testkit_provider_has_query(p, a));
    assert_true(wbemev_testkit_provider_has_query(p, b));
    assert_false(wbemev_testkit_provider_stopped(p));

    wbemev_recording_sink_clear(f->rec);
    wbemev_dispatcher_shutdown(f->d); /* CancelQuery(b), then the final Release */
    assert_int_equal(wbemev_testkit_provider_cancelled(p), 2);
    assert_int_equal(wbemev_testkit_provider_query_count(p), 0);
    assert_true(wbemev_testkit_provider_stopped(p));
    assert_wbemev_status(send_event(p, f->ev, 9), WBEMEV_E_CALL_CANCELLED); /* the sink is not called */
    assert_no_violations(f->d);
    wbemev_testkit_provider_free(p);
}

/* A WBEMEV_E_CALL_CANCELLED answer is final: the provider does not call the sink again, so no
 * INDICATE_AFTER_CANCEL (which would abort). SERVER_TOO_BUSY is handed to the test, which refires. */
static void test_provider_stops_on_call_cancelled(void **state)
{
    struct fx *f = *state;
    wbemev_testkit_provider *p = registered_provider(f);
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Kit_Event", f->rec, NULL, &id));

    assert_wbemev_ok(wbemev_testkit_inject_indicate_status(f->d, "Kit", WBEMEV_E_SERVER_TOO_BUSY, 2));
    wbemev_object_t *o = event_of(f->ev, 1);
    assert_wbemev_status(wbemev_testkit_provider_indicate1(p, o), WBEMEV_E_SERVER_TOO_BUSY);
    assert_wbemev_status(wbemev_testkit_provider_indicate1(p, o), WBEMEV_E_SERVER_TOO_BUSY);
    assert_wbemev_ok(wbemev_testkit_provider_indicate1(p, o)); /* the same object, refired */
    wbemev_object_release(o);
    assert_int_equal(wbemev_recording_sink_count(f->rec), 1);

    assert_wbemev_ok(wbemev_testkit_inject_indicate_status(f->d, "Kit", WBEMEV_E_CALL_CANCELLED, 1));
    assert_wbemev_status(send_event(p, f->ev, 2), WBEMEV_E_CALL_CANCELLED);
    wbemev_provider_stats before, after;
    assert_wbemev_ok(wbemev_dispatcher_provider_stats(f->d, "Kit", &before));
    for (uint32_t i = 0; i < 3; i++)
        assert_wbemev_status(send_event(p, f->ev, 3 + i), WBEMEV_E_CALL_CANCELLED);
    assert_wbemev_ok(wbemev_dispatcher_provider_stats(f->d, "Kit", &after));
    assert_int_equal(after.indicated, before.indicated); /* never reached the sink */
    assert_int_equal(wbemev_recording_sink_count(f->rec), 1);
    assert_false(wbemev_testkit_provider_stopped(p)); /* cancelled, not released */
    assert_no_violations(f->d);
    wbemev_testkit_provider_free(p); /* before the final Release: the memory waits for it */
}

/* Bad input, and what the provider does as a bare provider (called directly, unregistered). */
static void test_provider_bad_input_and_direct_calls(void **state)
{
    (void)state;
    wbemev_testkit_provider *p = NULL;
    assert_wbemev_status(wbemev_testkit_provider_new(NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_ok(wbemev_testkit_provider_new(&p));
    wbemev_provider_t *base = wbemev_testkit_provider_base(p);
    assert_true(wbemev_provider_is_valid(base));
    assert_null(base->vtbl->initialize);   /* ready at once */
    assert_null(base->vtbl->access_check); /* everyone admitted */
    assert_wbemev_status(wbemev_testkit_provider_indicate(NULL, 0, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_testkit_provider_indicate(p, -1, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_testkit_provider_indicate(p, 1, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_testkit_provider_indicate1(p, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_testkit_provider_indicate(p, 0, NULL), WBEMEV_E_NOT_AVAILABLE);

    /* NewQuery again for an id is an update; CancelQuery of an unknown id is counted, harmless. */
    assert_wbemev_ok(base->vtbl->new_query(base, 5, "WQL", "SELECT * FROM Kit_Event"));
    assert_wbemev_ok(base->vtbl->new_query(base, 6, "WQL", "SELECT * FROM Kit_Event"));
    assert_wbemev_ok(base->vtbl->new_query(base, 5, "WQL", "SELECT * FROM Kit_Event WHERE Seq = 1"));
    assert_int_equal(wbemev_testkit_provider_query_count(p), 2);
    assert_wbemev_ok(base->vtbl->cancel_query(base, 99));
    assert_int_equal(wbemev_testkit_provider_cancelled(p), 1);
    assert_int_equal(wbemev_testkit_provider_query_count(p), 2);
    assert_wbemev_ok(base->vtbl->cancel_query(base, 5));
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_testkit_provider_query_at(p, 0, &id));
    assert_int_equal(id, 6);
    assert_wbemev_status(wbemev_testkit_provider_query_at(p, 0, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(base->vtbl->provide_events(base, NULL, 0), WBEMEV_E_INVALID_PARAMETER);
    assert_false(wbemev_testkit_provider_provided(p));

    /* A sink of the test's own (a recording sink): kept with one reference, released at the end. */
    wbemev_sink_t *rec = NULL;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_ok(base->vtbl->provide_events(base, rec, 0));
    assert_int_equal(wbemev_recording_sink_refs(rec), 2);
    assert_true(wbemev_testkit_provider_provided(p));
    wbemev_provider_add_ref(base);
    wbemev_provider_release(base); /* not the final one */
    assert_false(wbemev_testkit_provider_stopped(p));
    wbemev_provider_release(base); /* the creator's: the final Release */
    assert_true(wbemev_testkit_provider_stopped(p));
    assert_int_equal(wbemev_recording_sink_refs(rec), 1);
    assert_int_equal(wbemev_recording_sink_status_count(rec), 0); /* never SetStatus */
    wbemev_testkit_provider_free(p);
    wbemev_sink_release(rec);

    assert_null(wbemev_testkit_provider_base(NULL));
    assert_int_equal(wbemev_testkit_provider_query_count(NULL), 0);
    assert_false(wbemev_testkit_provider_has_query(NULL, 1));
    assert_int_equal(wbemev_testkit_provider_cancelled(NULL), 0);
    assert_false(wbemev_testkit_provider_provided(NULL));
    assert_false(wbemev_testkit_provider_stopped(NULL));
    wbemev_testkit_provider_free(NULL);
}

/* Threads that indicate as fast as they can while the provider is unregistered: each stops at its
 * first WBEMEV_E_CALL_CANCELLED, the final Release waits for the calls in progress, and no
 * reference to the sink is left (under `abort`, SINK_HELD_AFTER_STOP or INDICATE_AFTER_CANCEL
 * would end the process). Every accepted event reached the recording sink. */
struct pumper {
    wbemev_testkit_provider *p;
    wbemev_class_t *cls;
    wbemev_thread thread;
    uint32_t accepted;
    wbemev_status last;
};

static void pump(void *arg)
{
    struct pumper *pu = arg;
    for (uint32_t seq = 0;; seq++) {
        wbemev_object_t *o = NULL;
        if (WBEMEV_FAILED(wbemev_class_spawn_instance(pu->cls, &o)))
            break;
        (void)wbemev_object_put_uint32(o, "Seq", seq);
        pu->last = wbemev_testkit_provider_indicate1(pu->p, o);
        wbemev_object_release(o);
        if (pu->last == WBEMEV_E_CALL_CANCELLED)
            break;
        if (WBEMEV_SUCCEEDED(pu->last))
            pu->accepted++;
    }
}

static void test_provider_unregistered_while_threads_indicate(void **state)
{
    struct fx *f = *state;
    wbemev_testkit_provider *p = registered_provider(f);
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Kit_Event", f->rec, NULL, &id));
    struct pumper pumpers[3];
    memset(pumpers, 0, sizeof pumpers);
    for (int i = 0; i < 3; i++) {
        pumpers[i].p = p;
        pumpers[i].cls = f->ev;
        assert_wbemev_ok(wbemev_thread_start(&pumpers[i].thread, pump, &pumpers[i]));
    }
    assert_wbemev_ok(wbemev_testkit_wait_events(f->rec, "Kit_Event", 200, GENEROUS_MS));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "Kit")); /* the final Release, meanwhile */
    assert_true(wbemev_testkit_provider_stopped(p));
    size_t accepted = 0;
    for (int i = 0; i < 3; i++) {
        assert_wbemev_ok(wbemev_thread_join(&pumpers[i].thread));
        assert_wbemev_status(pumpers[i].last, WBEMEV_E_CALL_CANCELLED);
        accepted += pumpers[i].accepted;
    }
    assert_int_equal(wbemev_recording_sink_count(f->rec), accepted);
    assert_true(accepted >= 200);
    assert_no_violations(f->d);
    wbemev_testkit_provider_free(p);
}

/* A consumer that unregisters the provider from inside its Indicate (CONSUMER_REENTRY: recorded,
 * the call is made) makes the final Release come inside the provider's own indicate call, on the
 * same thread: it cannot wait for that call, and the sink goes when the call returns. The only
 * report is the consumer's. */
struct reentry {
    wbemev_dispatcher_t *d;
    int events;
};

static wbemev_status unregister_on_event(void *ctx, wbemev_object_t *ev)
{
    (void)ev;
    struct reentry *r = ctx;
    if (r->events++ == 0)
        (void)wbemev_dispatcher_unregister(r->d, "Kit");
    return WBEMEV_S_NO_ERROR;
}

static void test_provider_final_release_inside_its_indicate(void **state)
{
    struct fx *f = *state;
    require_policy(f->d, WBEMEV_CONTRACT_RECORD); /* strict refuses the unregister, abort aborts */
    wbemev_testkit_provider *p = registered_provider(f);
    struct reentry r = {f->d, 0};
    wbemev_sink_t *consumer = NULL;
    assert_wbemev_ok(wbemev_callback_sink_new(unregister_on_event, NULL, &r, &consumer));
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Kit_Event", consumer, NULL, &id));
    assert_wbemev_ok(send_event(p, f->ev, 1));
    assert_int_equal(r.events, 1);
    assert_true(wbemev_testkit_provider_stopped(p));
    assert_wbemev_status(send_event(p, f->ev, 2), WBEMEV_E_CALL_CANCELLED);
    wbemev_dispatcher_shutdown(f->d); /* the sink check: released, nothing held */
    assert_only_violation(f->d, WBEMEV_VIOLATION_CONSUMER_REENTRY);
    wbemev_sink_release(consumer);
    wbemev_testkit_provider_free(p);
}

/* A sink of the test's own, handed to the provider's provide_events directly: its Indicate says it
 * was entered and then either waits for `go` or makes the provider's final Release from inside. */
struct probe_sink {
    wbemev_sink_t base;
    atomic_int refs;
    wbemev_stop_flag entered, go;
    wbemev_provider_t *release_inside; /* released from inside Indicate, when set */
    int refs_inside;                   /* the sink's references just after that release */
};

static struct probe_sink *probe_from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, struct probe_sink, base);
}
static void probe_add_ref(wbemev_sink_t *s)
{
    atomic_fetch_add(&probe_from(s)->refs, 1);
}
static void probe_release(wbemev_sink_t *s)
{
    atomic_fetch_sub(&probe_from(s)->refs, 1); /* the test owns the memory */
}
static wbemev_status probe_indicate(wbemev_sink_t *s, int32_t n, wbemev_object_t *const *objs)
{
    (void)n, (void)objs;
    struct probe_sink *ps = probe_from(s);
    wbemev_stop_flag_set(&ps->entered);
    if (ps->release_inside != NULL) {
        wbemev_provider_release(ps->release_inside);
        ps->refs_inside = atomic_load(&ps->refs);
    } else {
        (void)wbemev_stop_flag_wait(&ps->go, WBEMEV_THREAD_WAIT_FOREVER);
    }
    return WBEMEV_S_NO_ERROR;
}
static wbemev_status probe_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status st, const char *text,
                                      wbemev_object_t *o)
{
    (void)s, (void)flags, (void)st, (void)text, (void)o;
    return WBEMEV_S_NO_ERROR;
}
static const wbemev_sink_vtbl probe_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, probe_add_ref, probe_release, probe_indicate, probe_set_status,
};

static void probe_init(struct probe_sink *ps)
{
    memset(ps, 0, sizeof *ps);
    ps->base.vtbl = &probe_vtbl;
    atomic_init(&ps->refs, 1);
    assert_wbemev_ok(wbemev_stop_flag_init(&ps->entered));
    assert_wbemev_ok(wbemev_stop_flag_init(&ps->go));
}

static void probe_destroy(struct probe_sink *ps)
{
    assert_int_equal(atomic_load(&ps->refs), 1); /* the provider gave back what it took */
    wbemev_stop_flag_destroy(&ps->entered);
    wbemev_stop_flag_destroy(&ps->go);
}

struct call {
    wbemev_testkit_provider *p;
    wbemev_provider_t *release; /* the final Release to make, or NULL: an indicate */
    wbemev_stop_flag done;
    wbemev_status got;
};

static void make_call(void *arg)
{
    struct call *c = arg;
    if (c->release != NULL)
        wbemev_provider_release(c->release);
    else
        c->got = wbemev_testkit_provider_indicate(c->p, 0, NULL);
    wbemev_stop_flag_set(&c->done);
}

/* The final Release made while another thread is inside the provider's indicate waits for that
 * call, and only then releases the sink: nothing of the provider runs after it returned. */
static void test_provider_final_release_waits_for_indicates(void **state)
{
    (void)state;
    struct probe_sink ps;
    probe_init(&ps);
    wbemev_testkit_provider *p = NULL;
    assert_wbemev_ok(wbemev_testkit_provider_new(&p));
    wbemev_provider_t *base = wbemev_testkit_provider_base(p);
    assert_wbemev_ok(base->vtbl->provide_events(base, &ps.base, 0));
    assert_int_equal(atomic_load(&ps.refs), 2);

    struct call indicating = {.p = p, .got = WBEMEV_E_FAILED}, releasing = {.p = p, .release = base};
    assert_wbemev_ok(wbemev_stop_flag_init(&indicating.done));
    assert_wbemev_ok(wbemev_stop_flag_init(&releasing.done));
    wbemev_thread a = {0}, b = {0};
    assert_wbemev_ok(wbemev_thread_start(&a, make_call, &indicating));
    assert_true(wbemev_stop_flag_wait(&ps.entered, GENEROUS_MS)); /* a is inside the sink */
    assert_wbemev_ok(wbemev_thread_start(&b, make_call, &releasing));
    assert_false(wbemev_stop_flag_wait(&releasing.done, 100)); /* the Release waits for a */
    assert_int_equal(atomic_load(&ps.refs), 2);
    assert_wbemev_status(wbemev_testkit_provider_indicate(p, 0, NULL), WBEMEV_E_CALL_CANCELLED); /* stopping */
    wbemev_stop_flag_set(&ps.go);
    assert_true(wbemev_stop_flag_wait(&releasing.done, GENEROUS_MS));
    assert_wbemev_ok(wbemev_thread_join(&a));
    assert_wbemev_ok(wbemev_thread_join(&b));
    assert_wbemev_ok(indicating.got);
    assert_int_equal(atomic_load(&ps.refs), 1);
    assert_true(wbemev_testkit_provider_stopped(p));
    wbemev_stop_flag_destroy(&indicating.done);
    wbemev_stop_flag_destroy(&releasing.done);
    wbemev_testkit_provider_free(p);
    probe_destroy(&ps);
}

/* The final Release made from inside the provider's own indicate call, on that thread, cannot wait
 * for it: the sink stays referenced while the call is in progress and is released on its way out. */
static void test_provider_final_release_from_inside_keeps_the_sink_for_the_call(void **state)
{
    (void)state;
    struct probe_sink ps;
    probe_init(&ps);
    wbemev_testkit_provider *p = NULL;
    assert_wbemev_ok(wbemev_testkit_provider_new(&p));
    wbemev_provider_t *base = wbemev_testkit_provider_base(p);
    assert_wbemev_ok(base->vtbl->provide_events(base, &ps.base, 0));
    ps.release_inside = base; /* the creator's reference: the final Release */
    assert_wbemev_ok(wbemev_testkit_provider_indicate(p, 0, NULL));
    assert_int_equal(ps.refs_inside, 2);
    assert_int_equal(atomic_load(&ps.refs), 1);
    assert_true(wbemev_testkit_provider_stopped(p));
    wbemev_testkit_provider_free(p);
    probe_destroy(&ps);
}

/* ------------------------------------------------------------------------------------------------
 * The waits, with a dispatcher and the test provider
 */

/* Nothing comes: the wait times out, after its timeout and not much later. */
static void test_wait_events_times_out(void **state)
{
    struct fx *f = *state;
    wbemev_testkit_provider *p = registered_provider(f);
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Kit_Event", f->rec, NULL, &id));
    assert_wbemev_ok(send_event(p, f->ev, 1));
    uint64_t t0 = now_ms();
    assert_wbemev_status(wbemev_testkit_wait_events(f->rec, "Kit_Event", 2, 120), WBEMEV_E_TIMED_OUT);
    uint64_t waited = now_ms() - t0;
    assert_true(waited >= 100); /* the tick of a Windows clock may be 16 ms */
    assert_true(waited < GENEROUS_MS);
    assert_wbemev_status(wbemev_testkit_wait_events(f->rec, "Kit_Event", 2, 0), WBEMEV_E_TIMED_OUT);
    assert_wbemev_ok(wbemev_testkit_wait_events(f->rec, "Kit_Event", 1, 0));
    assert_no_violations(f->d);
    wbemev_testkit_provider_free(p);
}

/* A worker thread sends the events a little later: the wait returns as soon as they are there,
 * long before its timeout. */
struct later {
    wbemev_testkit_provider *p;
    wbemev_class_t *cls;
    wbemev_stop_flag stop;
    uint32_t count;
    wbemev_status last;
};

static void send_later(void *arg)
{
    struct later *l = arg;
    l->last = WBEMEV_S_NO_ERROR;
    for (uint32_t i = 0; i < l->count && WBEMEV_SUCCEEDED(l->last); i++) {
        if (wbemev_stop_flag_wait(&l->stop, 10)) /* 10 ms apart, unless told to stop */
            break;
        l->last = send_event(l->p, l->cls, i);
    }
}

static void test_wait_events_satisfied_by_a_worker(void **state)
{
    struct fx *f = *state;
    wbemev_testkit_provider *p = registered_provider(f);
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Kit_Event", f->rec, NULL, &id));
    struct later l = {.p = p, .cls = f->sub, .count = 5, .last = WBEMEV_S_NO_ERROR};
    assert_wbemev_ok(wbemev_stop_flag_init(&l.stop));
    wbemev_thread t = {0};
    uint64_t t0 = now_ms();
    assert_wbemev_ok(wbemev_thread_start(&t, send_later, &l));
    assert_wbemev_ok(wbemev_testkit_wait_events(f->rec, "Kit_Event", 5, GENEROUS_MS)); /* a subclass counts */
    uint64_t waited = now_ms() - t0;
    assert_true(waited < GENEROUS_MS / 2); /* woken, not timed out */
    assert_true(wbemev_testkit_count(f->rec, "Kit_SubEvent") >= 5);
    assert_wbemev_ok(wbemev_thread_join(&t));
    assert_wbemev_ok(l.last);
    wbemev_stop_flag_destroy(&l.stop);
    assert_no_violations(f->d);
    wbemev_testkit_provider_free(p);
}

/* Classes: a class counts its subclasses, NULL counts every event; n 0 is there at once. */
static void test_wait_events_class_filter(void **state)
{
    struct fx *f = *state;
    wbemev_testkit_provider *p = registered_provider(f);
    uint32_t a = 0, b = 0;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Kit_Event", f->rec, NULL, &a));
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Other_Event", f->rec, NULL, &b));
    assert_wbemev_ok(send_event(p, f->sub, 1));
    assert_wbemev_ok(send_event(p, f->sub, 2));
    assert_wbemev_ok(send_event(p, f->other, 3));
    assert_wbemev_ok(wbemev_testkit_wait_events(f->rec, "Kit_Event", 2, 0));
    assert_wbemev_ok(wbemev_testkit_wait_events(f->rec, "Kit_SubEvent", 2, 0));
    assert_wbemev_status(wbemev_testkit_wait_events(f->rec, "Kit_Event", 3, 0), WBEMEV_E_TIMED_OUT);
    assert_wbemev_ok(wbemev_testkit_wait_events(f->rec, "Other_Event", 1, 0));
    assert_wbemev_status(wbemev_testkit_wait_events(f->rec, "Other_Event", 2, 0), WBEMEV_E_TIMED_OUT);
    assert_wbemev_ok(wbemev_testkit_wait_events(f->rec, NULL, 3, 0));
    assert_wbemev_status(wbemev_testkit_wait_events(f->rec, "No_Such_Class", 1, 0), WBEMEV_E_TIMED_OUT);
    assert_wbemev_ok(wbemev_testkit_wait_events(f->rec, "No_Such_Class", 0, 0));
    /* Not a recording sink. */
    wbemev_sink_t *cb = NULL;
    assert_wbemev_ok(wbemev_callback_sink_new(unregister_on_event, NULL, NULL, &cb));
    assert_wbemev_status(wbemev_testkit_wait_events(cb, NULL, 0, 0), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_testkit_wait_status(cb, 0), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_testkit_wait_events(NULL, NULL, 0, 0), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_testkit_wait_status(NULL, 0), WBEMEV_E_INVALID_PARAMETER);
    wbemev_sink_release(cb);
    assert_no_violations(f->d);
    wbemev_testkit_provider_free(p);
}

/* A clear while a thread waits: the count starts over, so one event before the clear and one after
 * are not two. */
struct waiter {
    wbemev_sink_t *rec;
    size_t n;
    uint32_t timeout_ms;
    wbemev_status got;
};

static void wait_in_thread(void *arg)
{
    struct waiter *w = arg;
    w->got = wbemev_testkit_wait_events(w->rec, "Kit_Event", w->n, w->timeout_ms);
}

static void test_wait_events_clear_starts_over(void **state)
{
    struct fx *f = *state;
    wbemev_testkit_provider *p = registered_provider(f);
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Kit_Event", f->rec, NULL, &id));
    struct waiter w = {f->rec, 2, 300, WBEMEV_S_NO_ERROR};
    wbemev_thread t = {0};
    assert_wbemev_ok(wbemev_thread_start(&t, wait_in_thread, &w));
    assert_wbemev_ok(send_event(p, f->ev, 1));
    wbemev_recording_sink_clear(f->rec);
    assert_wbemev_ok(send_event(p, f->ev, 2));
    assert_wbemev_ok(wbemev_thread_join(&t));
    assert_wbemev_status(w.got, WBEMEV_E_TIMED_OUT);
    /* Two after the clear are two, for a waiter woken by the second. */
    w = (struct waiter){f->rec, 2, GENEROUS_MS, WBEMEV_E_FAILED};
    assert_wbemev_ok(wbemev_thread_start(&t, wait_in_thread, &w));
    assert_wbemev_ok(send_event(p, f->ev, 3));
    assert_wbemev_ok(wbemev_thread_join(&t));
    assert_wbemev_ok(w.got);
    assert_no_violations(f->d);
    wbemev_testkit_provider_free(p);
}

/* The final SetStatus: a live subscription's wait times out; progress reports do not end it; an
 * unsubscribe from another thread ends it long before the timeout. */
struct unsubscriber {
    wbemev_dispatcher_t *d;
    uint32_t id;
    wbemev_stop_flag go;
    wbemev_status got;
};

static void unsubscribe_later(void *arg)
{
    struct unsubscriber *u = arg;
    (void)wbemev_stop_flag_wait(&u->go, 20);
    u->got = wbemev_dispatcher_unsubscribe(u->d, u->id);
}

static void test_wait_status(void **state)
{
    struct fx *f = *state;
    wbemev_testkit_provider *p = registered_provider(f);
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Kit_Event", f->rec, NULL, &id));
    uint64_t t0 = now_ms();
    assert_wbemev_status(wbemev_testkit_wait_status(f->rec, 60), WBEMEV_E_TIMED_OUT);
    assert_true(now_ms() - t0 >= 40);

    /* A progress report (what a queue overflow sends) is not the final SetStatus. */
    wbemev_sink_t *alone = NULL;
    assert_wbemev_ok(wbemev_recording_sink_new(&alone));
    assert_wbemev_ok(
        wbemev_sink_set_status(alone, WBEMEV_STATUS_PROGRESS, WBEMEV_E_QUEUE_OVERFLOW, "1 events dropped", NULL));
    assert_wbemev_status(wbemev_testkit_wait_status(alone, 0), WBEMEV_E_TIMED_OUT);
    assert_wbemev_ok(wbemev_sink_set_status(alone, WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL));
    assert_wbemev_ok(wbemev_testkit_wait_status(alone, 0));
    wbemev_recording_sink_clear(alone);
    assert_wbemev_status(wbemev_testkit_wait_status(alone, 0), WBEMEV_E_TIMED_OUT);
    wbemev_sink_release(alone);

    struct unsubscriber u = {.d = f->d, .id = id, .got = WBEMEV_E_FAILED};
    assert_wbemev_ok(wbemev_stop_flag_init(&u.go));
    wbemev_thread t = {0};
    t0 = now_ms();
    assert_wbemev_ok(wbemev_thread_start(&t, unsubscribe_later, &u));
    assert_wbemev_ok(wbemev_testkit_wait_status(f->rec, GENEROUS_MS));
    assert_true(now_ms() - t0 < GENEROUS_MS / 2);
    assert_wbemev_ok(wbemev_thread_join(&t));
    assert_wbemev_ok(u.got);
    wbemev_stop_flag_destroy(&u.go);
    size_t n = wbemev_recording_sink_status_count(f->rec);
    assert_int_equal(n, 1);
    wbemev_recorded_status last;
    assert_wbemev_ok(wbemev_recording_sink_status_at(f->rec, n - 1, &last));
    assert_int_equal(last.flags, WBEMEV_STATUS_COMPLETE);
    assert_wbemev_status(last.status, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(wbemev_testkit_provider_cancelled(p), 1);
    assert_no_violations(f->d);
    wbemev_testkit_provider_free(p);
}

/* Queued delivery: the events reach the consumer on the dispatcher's workers; wait_idle (the
 * dispatcher's) or wait_events, either waits for them. */
static void test_queued_delivery_waits(void **state)
{
    struct fx *f = *state;
    wbemev_testkit_provider *p = registered_provider(f);
    wbemev_subscribe_options o;
    wbemev_subscribe_options_init(&o);
    o.delivery = WBEMEV_DELIVERY_QUEUED;
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Kit_Event", f->rec, &o, &id));
    for (uint32_t i = 0; i < 50; i++)
        assert_wbemev_ok(send_event(p, f->ev, i));
    assert_wbemev_ok(wbemev_testkit_wait_events(f->rec, "Kit_Event", 25, GENEROUS_MS));
    assert_wbemev_ok(wbemev_dispatcher_wait_idle(f->d, GENEROUS_MS));
    assert_int_equal(wbemev_recording_sink_count(f->rec), 50);
    assert_no_violations(f->d);
    wbemev_testkit_provider_free(p);
}

/* ------------------------------------------------------------------------------------------------
 * A provider written with wbemev/thread.h
 */

/* A provider written with wbemev/thread.h as its header shows: its worker ticks until stopped; its
 * final Release stops the worker, joins it (unless it runs on the worker), then releases the sink. */
struct ticker {
    wbemev_provider_t base;
    atomic_int refs;
    wbemev_dispatcher_t *d;
    wbemev_class_t *cls;
    wbemev_sink_t *sink;
    wbemev_thread worker;
    wbemev_stop_flag stop;
    bool free_on_exit;          /* the worker's own thread only */
    uint32_t unregister_after;  /* the worker unregisters the provider after that many events */
    wbemev_stop_flag *ended;    /* the test's: set when the worker ended */
    atomic_int *freed;          /* the test's: counts ticker_free */
    wbemev_status *released;    /* the test's: what the final Release's join or detach answered */
};

static struct ticker *ticker_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct ticker, base);
}

static void ticker_free(struct ticker *t)
{
    if (t->sink != NULL)
        wbemev_sink_release(t->sink);
    wbemev_class_release(t->cls);
    wbemev_stop_flag_destroy(&t->stop);
    atomic_fetch_add(t->freed, 1);
    free(t);
}

static void ticker_worker(void *arg)
{
    struct ticker *t = arg;
    uint32_t sent = 0;
    while (!wbemev_stop_flag_wait(&t->stop, 1)) {
        wbemev_object_t *ev = NULL;
        if (WBEMEV_FAILED(wbemev_class_spawn_instance(t->cls, &ev)))
            break;
        (void)wbemev_object_put_uint32(ev, "Seq", sent);
        wbemev_status st = wbemev_sink_indicate1(t->sink, ev);
        wbemev_object_release(ev);
        if (st == WBEMEV_E_CALL_CANCELLED)
            break;
        if (WBEMEV_SUCCEEDED(st) && ++sent == t->unregister_after)
            (void)wbemev_dispatcher_unregister(t->d, "Ticker"); /* the final Release, on this thread */
    }
    wbemev_stop_flag *ended = t->ended;
    if (t->free_on_exit)
        ticker_free(t);
    wbemev_stop_flag_set(ended);
}

static void ticker_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add(&ticker_from(p)->refs, 1);
}

static void ticker_release(wbemev_provider_t *p)
{
    struct ticker *t = ticker_from(p);
    if (atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    wbemev_stop_flag_set(&t->stop);
    if (wbemev_thread_is_self(&t->worker)) {
        t->free_on_exit = true;
        *t->released = wbemev_thread_detach(&t->worker);
        return;
    }
    *t->released = wbemev_thread_join(&t->worker);
    ticker_free(t);
}

static wbemev_status ticker_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    (void)flags;
    struct ticker *t = ticker_from(p);
    t->sink = wbemev_sink_add_ref(sink);
    wbemev_status st = wbemev_thread_start(&t->worker, ticker_worker, t);
    if (WBEMEV_FAILED(st)) {
        wbemev_sink_release(t->sink);
        t->sink = NULL;
    }
    return st;
}

static const wbemev_provider_vtbl ticker_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, ticker_add_ref, ticker_release, NULL, ticker_provide_events, NULL, NULL, NULL,
};

static void run_ticker(struct fx *f, uint32_t unregister_after)
{
    static const char *const q[] = {"SELECT * FROM Kit_Event"};
    atomic_int freed;
    atomic_init(&freed, 0);
    wbemev_stop_flag ended;
    assert_wbemev_ok(wbemev_stop_flag_init(&ended));
    struct ticker *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->base.vtbl = &ticker_vtbl;
    atomic_init(&t->refs, 1);
    t->d = f->d;
    t->cls = wbemev_class_add_ref(f->ev);
    t->unregister_after = unregister_after;
    t->ended = &ended;
    t->freed = &freed;
    wbemev_status released = WBEMEV_E_FAILED;
    t->released = &released;
    assert_wbemev_ok(wbemev_stop_flag_init(&t->stop));
    assert_wbemev_ok(wbemev_dispatcher_register(f->d, "Ticker", &t->base, q, 1));
    wbemev_provider_release(&t->base);
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Kit_Event", f->rec, NULL, &id));
    assert_wbemev_ok(wbemev_testkit_wait_events(f->rec, "Kit_Event", 5, GENEROUS_MS));
    if (unregister_after == 0) {
        assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "Ticker")); /* the final Release, here */
        assert_int_equal(atomic_load(&freed), 1); /* stopped, joined, released, freed: before it returned */
    }
    assert_true(wbemev_stop_flag_wait(&ended, GENEROUS_MS)); /* set after the worker's own free */
    assert_int_equal(atomic_load(&freed), 1);
    assert_wbemev_ok(released); /* joined by the host's Release, or detached on the worker */
    if (unregister_after != 0)
        assert_int_equal(wbemev_recording_sink_count(f->rec), unregister_after);
    wbemev_stop_flag_destroy(&ended);
    wbemev_recording_sink_clear(f->rec);
    wbemev_dispatcher_shutdown(f->d); /* nothing held, nothing leaked: else `abort` */
    assert_no_violations(f->d);
}

static void test_thread_provider_released_by_the_host(void **state)
{
    run_ticker(*state, 0);
}

static void test_thread_provider_released_on_its_worker(void **state)
{
    run_ticker(*state, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_start_join_detach),
        cmocka_unit_test(test_stop_flag),
        cmocka_unit_test(test_waits_on_a_bare_recording_sink),
        cmocka_unit_test_setup_teardown(test_provider_life_under_abort, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_provider_stops_on_call_cancelled, fx_setup, fx_teardown),
        cmocka_unit_test(test_provider_bad_input_and_direct_calls),
        cmocka_unit_test_setup_teardown(test_provider_unregistered_while_threads_indicate, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_provider_final_release_inside_its_indicate, fx_setup_record,
                                        fx_teardown),
        cmocka_unit_test(test_provider_final_release_waits_for_indicates),
        cmocka_unit_test(test_provider_final_release_from_inside_keeps_the_sink_for_the_call),
        cmocka_unit_test_setup_teardown(test_wait_events_times_out, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_wait_events_satisfied_by_a_worker, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_wait_events_class_filter, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_wait_events_clear_starts_over, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_wait_status, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_queued_delivery_waits, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_thread_provider_released_by_the_host, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_thread_provider_released_on_its_worker, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
