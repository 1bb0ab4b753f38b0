/*
 * tests/test_queue.c: queued delivery: shared references, order, every backpressure policy, the
 * overflow notice, exactly-once final SetStatus at unsubscribe / consumer failure / shutdown, and the
 * accounting indicated == delivered + dropped + discarded + refused + queued.
 * No test sleeps: a consumer held at a gate inside its Indicate makes queue states exact.
 */
#include "test_support.h"

#include <pthread.h>
#include <stdlib.h>

struct fx {
    wbemev_dispatcher_t *d;
    test_fakes fakes;
    fake_provider *p; /* registered as "QP" */
    wbemev_class_t *cls;
    size_t allocs;
};

/* A provider that keeps its sink and has CancelQuery, registered for Q_Event. */
static void register_provider(struct fx *f)
{
    f->p = test_fakes_provider(&f->fakes);
    fake_provider_set_methods(f->p, FAKE_PROVIDER_CANCEL_QUERY);
    static const char *const list[] = {"SELECT * FROM Q_Event"};
    assert_wbemev_status(wbemev_dispatcher_register(f->d, "QP", fake_provider_base(f->p), list, 1),
                         WBEMEV_S_NO_ERROR);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->allocs = wbemev_live_allocations();
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.workers = 2;
    o.keep_final_stats = true;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &f->d));
    f->cls = define_event_class(f->d, "Q_Event");
    register_provider(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    test_fakes_open_gates(&f->fakes);
    if (f->d != NULL)
        wbemev_dispatcher_destroy(f->d);
    wbemev_class_release(f->cls);
    test_fakes_teardown(&f->fakes); /* the provider let go of its sink, every consumer was released */
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), f->allocs);
    free(f);
    return 0;
}

static uint32_t sub_queued(struct fx *f, fake_consumer *c, wbemev_backpressure bp, uint32_t max_events,
                           uint32_t max_wait_ms)
{
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.delivery = WBEMEV_DELIVERY_QUEUED;
    so.backpressure = bp;
    so.queue_max_events = max_events;
    if (max_wait_ms != 0)
        so.max_wait_ms = max_wait_ms;
    uint32_t id;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Q_Event", fake_consumer_sink(c), &so, &id),
                         WBEMEV_S_NO_ERROR);
    return id;
}

static wbemev_sink_t *psink(struct fx *f)
{
    wbemev_sink_t *s = fake_provider_sink(f->p);
    assert_non_null(s);
    return s;
}

static void get_stats(struct fx *f, uint32_t id, wbemev_subscription_stats *s)
{
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f->d, id, s));
    assert_balanced(s);
}

/* ------------------------------------------------------------------------------------------------ */
static void test_defaults(void **state)
{
    (void)state;
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    assert_int_equal(so.delivery, WBEMEV_DELIVERY_SYNC);
    assert_int_equal(so.backpressure, WBEMEV_BACKPRESSURE_BLOCK);
    assert_int_equal(so.max_wait_ms, 2000);
    assert_int_equal(so.queue_max_events, 0);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    assert_int_equal(o.queue_total_bytes, 10u * 1024u * 1024u);
    assert_int_equal(o.workers, 1);
}

static void test_bad_options(void **state)
{
    struct fx *f = *state;
    fake_consumer *c = test_fakes_consumer(&f->fakes);
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.backpressure = (wbemev_backpressure)7;
    uint32_t id = 0;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Q_Event", fake_consumer_sink(c), &so, &id),
                         WBEMEV_E_INVALID_PARAMETER);
    wbemev_subscribe_options_init(&so);
    so.delivery = (wbemev_delivery)3;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Q_Event", fake_consumer_sink(c), &so, &id),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(id, 0);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(NULL, 0), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(wbemev_dispatcher_tick(NULL), 0);
    assert_int_equal(fake_consumer_refs(c), 1); /* released by the dispatcher */
}

/* Queued events are shared by reference with synchronous consumers, in order. */
static void test_queued_shares_and_orders(void **state)
{
    struct fx *f = *state;
    fake_consumer *q = test_fakes_consumer(&f->fakes), *s = test_fakes_consumer(&f->fakes);
    fake_consumer_keep_objects(q, true);
    fake_consumer_keep_objects(s, true);
    uint32_t qid = sub_queued(f, q, WBEMEV_BACKPRESSURE_BLOCK, 0, 0), sid;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Q_Event", fake_consumer_sink(s), NULL, &sid),
                         WBEMEV_S_NO_ERROR);
    for (int i = 0; i < 100; i++)
        assert_wbemev_status(fire_event(psink(f), f->cls, "e", i), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 60000), WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_consumer_events(q), 100);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(fake_consumer_entry(q, i).value, i);
        /* the same frozen object: no copy */
        assert_ptr_equal(fake_consumer_entry(q, i).obj, fake_consumer_entry(s, i).obj);
    }
    wbemev_subscription_stats st;
    get_stats(f, qid, &st);
    assert_int_equal(st.indicated, 100);
    assert_int_equal(st.delivered, 100);
    assert_int_equal(st.queued, 0);
    assert_true(st.queued_high >= 1);
    wbemev_dispatcher_destroy(f->d);
    f->d = NULL;
    assert_consumer_ended(q, WBEMEV_E_SHUTTING_DOWN);
    assert_consumer_ended(s, WBEMEV_E_SHUTTING_DOWN);
}

/* REFUSE: a full queue answers SERVER_TOO_BUSY at once, and the refused call reaches nobody. */
/* Room is reserved for a call's exact share of each queue: many REFUSE queues on one class (more
 * than the dispatcher gathers per class), half with a WHERE that lets fewer events through than
 * the class sends. The call fits only by its exact share, and is accepted. */
static void test_reserves_exact_share(void **state)
{
    struct fx *f = *state;
    enum { NSUBS = 20, NEVENTS = 4 };
    fake_consumer *c[NSUBS];
    uint32_t id[NSUBS];
    for (int k = 0; k < NSUBS; k++) {
        c[k] = test_fakes_consumer(&f->fakes);
        wbemev_subscribe_options so;
        wbemev_subscribe_options_init(&so);
        so.delivery = WBEMEV_DELIVERY_QUEUED;
        so.backpressure = WBEMEV_BACKPRESSURE_REFUSE;
        so.queue_max_events = k % 2 ? 3 : 10; /* the WHERE ones: fewer than the class sends */
        const char *q = k % 2 ? "SELECT * FROM Q_Event WHERE Severity > 0" : "SELECT * FROM Q_Event";
        assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, q, fake_consumer_sink(c[k]), &so, &id[k]),
                             WBEMEV_S_NO_ERROR);
        fake_consumer_gate(c[k], true); /* nothing leaves the queues until the call is checked */
    }
    wbemev_object_t *ev[NEVENTS];
    for (int i = 0; i < NEVENTS; i++)
        ev[i] = new_event(f->cls, "x", i); /* Severity 0, 1, 2, 3 */
    assert_wbemev_status(wbemev_sink_indicate(psink(f), NEVENTS, ev), WBEMEV_S_NO_ERROR);
    for (int i = 0; i < NEVENTS; i++)
        wbemev_object_release(ev[i]);
    /* Both workers hold an event at a gate: the counts stand still (read while a worker hands an
     * event over, they can be one apart). */
    fake_consumer_wait_entered_total(c, NSUBS, 2);
    for (int k = 0; k < NSUBS; k++) {
        wbemev_subscription_stats st;
        get_stats(f, id[k], &st);
        assert_int_equal(st.refused, 0);
        assert_int_equal(st.indicated, k % 2 ? 3 : 4);
        assert_int_equal(st.filtered, k % 2 ? 1 : 0); /* more subscriptions than one call tallies */
    }
    /* One more event does not fit the WHERE queues (3 of 3, none delivered yet: the worker waits
     * at the first gate): refused, by every queue it goes to. */
    assert_wbemev_status(fire_event(psink(f), f->cls, "y", 5), WBEMEV_E_SERVER_TOO_BUSY);
    for (int k = 0; k < NSUBS; k++) {
        wbemev_subscription_stats st;
        get_stats(f, id[k], &st);
        assert_int_equal(st.refused, 1);
    }
    /* Only now: an open gate sets its worker going, and the counts of the others move. */
    for (int k = 0; k < NSUBS; k++)
        fake_consumer_gate(c[k], false);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 60000), WBEMEV_S_NO_ERROR);
    for (int k = 0; k < NSUBS; k++) {
        assert_int_equal(fake_consumer_events(c[k]), k % 2 ? 3 : 4);
        assert_wbemev_status(wbemev_dispatcher_unsubscribe(f->d, id[k]), WBEMEV_S_NO_ERROR);
        assert_int_equal(fake_consumer_refs(c[k]), 1); /* released by the dispatcher */
    }
}

struct late_unsub {
    wbemev_dispatcher_t *d;
    uint32_t id;
    fake_consumer *h;
    wbemev_status st;
    bool done_at_return;
};

static void *late_unsub_main(void *arg)
{
    struct late_unsub *u = arg;
    u->st = wbemev_dispatcher_unsubscribe(u->d, u->id);
    u->done_at_return = fake_consumer_completes(u->h) == 1;
    return NULL;
}

/* Unsubscribing a subscription that a worker is ending (its consumer failed) answers NOT_FOUND only
 * once that end is complete: the consumer has had its final SetStatus. */
static void test_unsubscribe_waits_for_end_in_progress(void **state)
{
    struct fx *f = *state;
    /* A consumer whose Indicate fails (so its worker cancels it) and whose final SetStatus waits at
     * a gate: the end is in progress on the worker while the test looks. */
    fake_consumer *h = test_fakes_consumer(&f->fakes);
    fake_consumer_fail_after(h, 0, WBEMEV_E_FAILED);
    fake_consumer_status_gate(h, true);
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.delivery = WBEMEV_DELIVERY_QUEUED;
    uint32_t id;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Q_Event", fake_consumer_sink(h), &so, &id),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(fire_event(psink(f), f->cls, "x", 1), WBEMEV_S_NO_ERROR);
    fake_consumer_wait_status_entered(h); /* the worker is ending it, inside the final SetStatus */
    struct late_unsub u = {f->d, id, h, WBEMEV_S_NO_ERROR, false};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, late_unsub_main, &u), 0);
    fake_consumer_status_gate(h, false);
    pthread_join(t, NULL);
    assert_wbemev_status(u.st, WBEMEV_E_NOT_FOUND);
    assert_true(u.done_at_return);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 60000), WBEMEV_S_NO_ERROR);
}

static void test_refuse(void **state)
{
    struct fx *f = *state;
    fake_consumer *q = test_fakes_consumer(&f->fakes), *s = test_fakes_consumer(&f->fakes);
    uint32_t qid = sub_queued(f, q, WBEMEV_BACKPRESSURE_REFUSE, 2, 0), sid;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Q_Event", fake_consumer_sink(s), NULL, &sid),
                         WBEMEV_S_NO_ERROR);
    fake_consumer_gate(q, true);
    assert_wbemev_status(fire_event(psink(f), f->cls, "a", 1), WBEMEV_S_NO_ERROR);
    fake_consumer_wait_entered(q, 1); /* the worker holds event 1: the queue is empty */
    assert_wbemev_status(fire_event(psink(f), f->cls, "b", 2), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(fire_event(psink(f), f->cls, "c", 3), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(fire_event(psink(f), f->cls, "d", 4), WBEMEV_E_SERVER_TOO_BUSY);
    assert_int_equal(fake_consumer_events(s), 3); /* all or nothing: the synchronous consumer did not get "d" */
    wbemev_subscription_stats st;
    get_stats(f, qid, &st);
    assert_int_equal(st.queued, 2);
    assert_int_equal(st.refused, 1);
    get_stats(f, sid, &st);
    assert_int_equal(st.refused, 1);
    wbemev_provider_stats ps;
    assert_wbemev_ok(wbemev_dispatcher_provider_stats(f->d, "QP", &ps));
    assert_int_equal(ps.indicated, 4);
    assert_int_equal(ps.accepted, 3);
    assert_int_equal(ps.refused, 1);

    /* The refused object was not frozen: the provider refires it once there is room. */
    wbemev_object_t *o = new_event(f->cls, "d", 4);
    assert_wbemev_status(wbemev_sink_indicate1(psink(f), o), WBEMEV_E_SERVER_TOO_BUSY);
    assert_false(wbemev_object_is_frozen(o));
    fake_consumer_gate(q, false);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 60000), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_sink_indicate1(psink(f), o), WBEMEV_S_NO_ERROR);
    wbemev_object_release(o);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 60000), WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_consumer_events(q), 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(fake_consumer_entry(q, i).value, i + 1);
    get_stats(f, qid, &st);
    assert_int_equal(st.delivered, 4);
    assert_int_equal(st.refused, 2);
    assert_int_equal(st.indicated, 6);
    assert_int_equal(st.queued_high, 2);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(f->d, qid), WBEMEV_S_NO_ERROR);
    assert_consumer_ended(q, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(fake_consumer_refs(q), 1); /* released by the dispatcher */
    wbemev_dispatcher_destroy(f->d);
    f->d = NULL;
}

/* BLOCK: waits for room up to max_wait_ms, then SERVER_TOO_BUSY; room made meanwhile lets it in. */
struct blocked_fire {
    wbemev_sink_t *sink;
    wbemev_class_t *cls;
    wbemev_status st;
};
static void *blocked_fire_main(void *arg)
{
    struct blocked_fire *b = arg;
    b->st = fire_event(b->sink, b->cls, "late", 9);
    return NULL;
}

static void test_block(void **state)
{
    struct fx *f = *state;
    fake_consumer *q = test_fakes_consumer(&f->fakes);
    uint32_t qid = sub_queued(f, q, WBEMEV_BACKPRESSURE_BLOCK, 1, 1);
    fake_consumer_gate(q, true);
    assert_wbemev_status(fire_event(psink(f), f->cls, "a", 1), WBEMEV_S_NO_ERROR);
    fake_consumer_wait_entered(q, 1);
    assert_wbemev_status(fire_event(psink(f), f->cls, "b", 2), WBEMEV_S_NO_ERROR);
    /* Full, and nobody makes room within 1 ms (the consumer is held): refused. */
    assert_wbemev_status(fire_event(psink(f), f->cls, "c", 3), WBEMEV_E_SERVER_TOO_BUSY);
    wbemev_subscription_stats st;
    get_stats(f, qid, &st);
    assert_int_equal(st.refused, 1);
    fake_consumer_gate(q, false);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(f->d, qid), WBEMEV_S_NO_ERROR);
    assert_consumer_ended(q, WBEMEV_E_CALL_CANCELLED);
    size_t events = fake_consumer_events(q);
    assert_true(events >= 1 && events <= 2); /* "b" was discarded or delivered before the end */
    assert_int_equal(fake_consumer_refs(q), 1); /* released by the dispatcher */
}

static void test_block_then_room(void **state)
{
    struct fx *f = *state;
    fake_consumer *q = test_fakes_consumer(&f->fakes);
    uint32_t qid = sub_queued(f, q, WBEMEV_BACKPRESSURE_BLOCK, 1, 600000); /* "forever" */
    fake_consumer_gate(q, true);
    assert_wbemev_status(fire_event(psink(f), f->cls, "a", 1), WBEMEV_S_NO_ERROR);
    fake_consumer_wait_entered(q, 1);
    assert_wbemev_status(fire_event(psink(f), f->cls, "b", 2), WBEMEV_S_NO_ERROR);
    struct blocked_fire b = {psink(f), f->cls, WBEMEV_E_FAILED};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, blocked_fire_main, &b), 0);
    /* Whether the producer is already waiting or not, opening the gate makes room: it succeeds. */
    fake_consumer_gate(q, false);
    pthread_join(t, NULL);
    assert_wbemev_status(b.st, WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 60000), WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_consumer_events(q), 3);
    assert_int_equal(fake_consumer_entry(q, 2).value, 9);
    wbemev_subscription_stats st;
    get_stats(f, qid, &st);
    assert_int_equal(st.refused, 0);
    assert_int_equal(st.delivered, 3);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(f->d, qid), WBEMEV_S_NO_ERROR);
    assert_consumer_ended(q, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(fake_consumer_refs(q), 1); /* released by the dispatcher */
}

/* DROP_OLDEST and DROP_NEWEST: Indicate succeeds, drops are counted, the consumer is told once per
 * run of drops with a PROGRESS QUEUE_OVERFLOW notice, in order. */
static void run_drop(struct fx *f, wbemev_backpressure bp, const int32_t *expect_after_notice)
{
    fake_consumer *q = test_fakes_consumer(&f->fakes);
    uint32_t qid = sub_queued(f, q, bp, 2, 0);
    fake_consumer_gate(q, true);
    assert_wbemev_status(fire_event(psink(f), f->cls, "a", 1), WBEMEV_S_NO_ERROR);
    fake_consumer_wait_entered(q, 1);
    for (int i = 2; i <= 5; i++)
        assert_wbemev_status(fire_event(psink(f), f->cls, "x", i), WBEMEV_S_NO_ERROR);
    wbemev_subscription_stats st;
    get_stats(f, qid, &st);
    assert_int_equal(st.dropped, 2);
    assert_int_equal(st.queued, 2);
    fake_consumer_gate(q, false);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 60000), WBEMEV_S_NO_ERROR);
    /* event 1, the notice, then the two kept events */
    assert_int_equal(fake_consumer_log_size(q), 4);
    assert_int_equal(fake_consumer_entry(q, 0).kind, FAKE_EVENT);
    assert_int_equal(fake_consumer_entry(q, 0).value, 1);
    assert_int_equal(fake_consumer_entry(q, 1).kind, FAKE_PROGRESS);
    assert_wbemev_status(fake_consumer_entry(q, 1).status, WBEMEV_E_QUEUE_OVERFLOW);
    assert_int_equal(fake_consumer_entry(q, 2).value, expect_after_notice[0]);
    assert_int_equal(fake_consumer_entry(q, 3).value, expect_after_notice[1]);
    get_stats(f, qid, &st);
    assert_int_equal(st.delivered, 3);
    assert_int_equal(st.indicated, 5);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(f->d, qid), WBEMEV_S_NO_ERROR);
    assert_consumer_ended(q, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(fake_consumer_completes(q), 1);
    assert_int_equal(fake_consumer_refs(q), 1); /* released by the dispatcher */
}

static void test_drop_oldest(void **state)
{
    static const int32_t kept[] = {4, 5};
    run_drop(*state, WBEMEV_BACKPRESSURE_DROP_OLDEST, kept);
}

static void test_drop_newest(void **state)
{
    static const int32_t kept[] = {2, 3};
    run_drop(*state, WBEMEV_BACKPRESSURE_DROP_NEWEST, kept);
}

/* The dispatcher's byte total applies across queues. */
static void test_total_bytes(void **state)
{
    struct fx *f = *state;
    wbemev_dispatcher_destroy(f->d);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.queue_total_bytes = 1; /* any event fills it: only an empty total takes nothing */
    o.keep_final_stats = true;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &f->d));
    wbemev_class_release(f->cls);
    f->cls = define_event_class(f->d, "Q_Event");
    register_provider(f); /* a new one: the first was registered with the old dispatcher */
    fake_consumer *q = test_fakes_consumer(&f->fakes);
    uint32_t qid = sub_queued(f, q, WBEMEV_BACKPRESSURE_REFUSE, 0, 0);
    assert_wbemev_status(fire_event(psink(f), f->cls, "a", 1), WBEMEV_E_SERVER_TOO_BUSY);
    wbemev_subscription_stats st;
    get_stats(f, qid, &st);
    assert_int_equal(st.refused, 1);
    assert_int_equal(fake_consumer_events(q), 0);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(f->d, qid), WBEMEV_S_NO_ERROR);
    assert_consumer_ended(q, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(fake_consumer_refs(q), 1); /* released by the dispatcher */
}

/* Unsubscribe: nothing after it returns, one CALL_CANCELLED, queued events discarded and counted. */
struct unsub_arg {
    wbemev_dispatcher_t *d;
    uint32_t id;
    wbemev_status st;
};
static void *unsub_main(void *arg)
{
    struct unsub_arg *u = arg;
    u->st = wbemev_dispatcher_unsubscribe(u->d, u->id);
    return NULL;
}

static void test_unsubscribe_discards(void **state)
{
    struct fx *f = *state;
    fake_consumer *q = test_fakes_consumer(&f->fakes);
    uint32_t qid = sub_queued(f, q, WBEMEV_BACKPRESSURE_BLOCK, 0, 0);
    fake_consumer_gate(q, true);
    assert_wbemev_status(fire_event(psink(f), f->cls, "a", 1), WBEMEV_S_NO_ERROR);
    fake_consumer_wait_entered(q, 1);
    for (int i = 2; i <= 10; i++)
        assert_wbemev_status(fire_event(psink(f), f->cls, "x", i), WBEMEV_S_NO_ERROR);
    /* unsubscribe waits for the Indicate in progress: run it on a thread, then open the gate. */
    struct unsub_arg u = {f->d, qid, WBEMEV_E_FAILED};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, unsub_main, &u), 0);
    fake_consumer_gate(q, false);
    pthread_join(t, NULL);
    assert_wbemev_status(u.st, WBEMEV_S_NO_ERROR);
    assert_consumer_ended(q, WBEMEV_E_CALL_CANCELLED);
    size_t events = fake_consumer_events(q);
    assert_true(events >= 1 && events <= 10);
    assert_int_equal(wbemev_dispatcher_subscription_count(f->d), 0);
    /* Further events reach nobody. */
    assert_wbemev_status(fire_event(psink(f), f->cls, "after", 11), WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_consumer_events(q), events);
    assert_int_equal(fake_consumer_completes(q), 1);
    wbemev_subscription_stats st;
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 60000),
                         WBEMEV_S_NO_ERROR); /* a worker may still hold the ended queue */
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f->d, qid, &st)); /* keep_final_stats */
    assert_balanced(&st);
    assert_int_equal(st.indicated, 10);
    assert_int_equal(st.delivered, events);
    assert_int_equal(st.discarded, 10 - events);
    assert_int_equal(st.queued, 0);
    assert_int_equal(fake_consumer_refs(q), 1); /* released by the dispatcher */
}

/* A consumer failing on a worker is cancelled once; the array it refused and the rest are
 * discarded. The worker hands over what it took at once, so how many of the first 3 arrive
 * depends on how the arrays fell. */
static void test_consumer_failure_on_worker(void **state)
{
    struct fx *f = *state;
    fake_consumer *q = test_fakes_consumer(&f->fakes);
    fake_consumer_fail_after(q, 3, WBEMEV_E_FAILED);
    uint32_t qid = sub_queued(f, q, WBEMEV_BACKPRESSURE_BLOCK, 0, 0);
    for (int i = 1; i <= 10; i++)
        assert_wbemev_status(fire_event(psink(f), f->cls, "x", i), WBEMEV_S_NO_ERROR);
    fake_consumer_wait_complete(q);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 60000), WBEMEV_S_NO_ERROR);
    assert_consumer_ended(q, WBEMEV_E_CALL_CANCELLED);
    size_t events = fake_consumer_events(q);
    assert_true(events <= 3);
    wbemev_subscription_stats st;
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f->d, qid, &st));
    assert_balanced(&st);
    assert_true(st.indicated > events && st.indicated <= 10); /* those after the end reach nobody */
    assert_int_equal(st.delivered, events);
    assert_int_equal(st.discarded, st.indicated - events);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(f->d, qid), WBEMEV_E_NOT_FOUND);
    assert_int_equal(fake_provider_calls(f->p, FAKE_CALL_CANCEL_QUERY), 1); /* CancelQuery reached the provider */
    wbemev_dispatcher_destroy(f->d);
    f->d = NULL;
}

/* Shutdown with a deadline of 0: what the workers did not deliver is discarded and counted; every
 * consumer gets one SHUTTING_DOWN; the provider's kept sink answers CALL_CANCELLED. */
static void test_shutdown_deadline(void **state)
{
    struct fx *f = *state;
    fake_consumer *q = test_fakes_consumer(&f->fakes);
    uint32_t qid = sub_queued(f, q, WBEMEV_BACKPRESSURE_BLOCK, 0, 0);
    fake_consumer_gate(q, true);
    for (int i = 1; i <= 20; i++)
        assert_wbemev_status(fire_event(psink(f), f->cls, "x", i), WBEMEV_S_NO_ERROR);
    fake_consumer_wait_entered(q, 1);
    wbemev_sink_t *kept = wbemev_sink_add_ref(psink(f));
    /* Open the gate: the workers race the deadline; the counts must add up either way. */
    fake_consumer_gate(q, false);
    /* TIMED_OUT only for a consumer call slower than its limit (a loaded machine, valgrind): then
     * the sequence goes on, and is waited for before counting. */
    wbemev_status down = wbemev_dispatcher_shutdown_deadline(f->d, 0);
    while (down == WBEMEV_E_TIMED_OUT)
        down = wbemev_dispatcher_shutdown(f->d);
    assert_wbemev_ok(down);
    assert_consumer_ended(q, WBEMEV_E_SHUTTING_DOWN);
    wbemev_subscription_stats st;
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f->d, qid, &st));
    assert_balanced(&st);
    assert_int_equal(st.indicated, 20);
    assert_int_equal(st.delivered, fake_consumer_events(q));
    assert_int_equal(st.discarded, 20 - fake_consumer_events(q));
    assert_wbemev_status(fire_event(kept, f->cls, "late", 0), WBEMEV_E_CALL_CANCELLED);
    wbemev_dispatcher_destroy(f->d);
    f->d = NULL;
    /* Still safe after destroy, until the provider thread releases it. */
    assert_wbemev_status(fire_event(kept, f->cls, "later", 0), WBEMEV_E_CALL_CANCELLED);
    wbemev_sink_release(kept);
}

/* Ordering: events from each provider thread reach each consumer (queued and synchronous) in order. */
#define ORDER_THREADS 4
#define ORDER_EVENTS 500
struct order_arg {
    wbemev_sink_t *sink;
    wbemev_class_t *cls;
    int thread;
    int refused;
};
static void *order_main(void *arg)
{
    struct order_arg *a = arg;
    for (int i = 0; i < ORDER_EVENTS; i++) {
        wbemev_status st;
        do {
            st = fire_event(a->sink, a->cls, "o", a->thread * 100000 + i);
            a->refused += st == WBEMEV_E_SERVER_TOO_BUSY;
        } while (st == WBEMEV_E_SERVER_TOO_BUSY); /* refire, as WMI asks */
        assert_wbemev_status(st, WBEMEV_S_NO_ERROR);
    }
    return NULL;
}

static void check_order(fake_consumer *c)
{
    int last[ORDER_THREADS];
    for (int t = 0; t < ORDER_THREADS; t++)
        last[t] = -1;
    size_t events = 0, n = fake_consumer_log_size(c);
    for (size_t i = 0; i < n; i++) {
        fake_entry e = fake_consumer_entry(c, i);
        if (e.kind != FAKE_EVENT)
            continue;
        int t = e.value / 100000, seq = e.value % 100000;
        assert_true(t >= 0 && t < ORDER_THREADS);
        assert_int_equal(seq, last[t] + 1);
        last[t] = seq;
        events++;
    }
    assert_int_equal(events, ORDER_THREADS * ORDER_EVENTS);
}

static void test_order_per_provider_thread(void **state)
{
    struct fx *f = *state;
    fake_consumer *q = test_fakes_consumer(&f->fakes), *q2 = test_fakes_consumer(&f->fakes),
                  *s = test_fakes_consumer(&f->fakes);
    sub_queued(f, q, WBEMEV_BACKPRESSURE_BLOCK, 0, 0);
    sub_queued(f, q2, WBEMEV_BACKPRESSURE_REFUSE, 8, 0); /* refusals and refires */
    uint32_t sid;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Q_Event", fake_consumer_sink(s), NULL, &sid),
                         WBEMEV_S_NO_ERROR);
    struct order_arg a[ORDER_THREADS];
    pthread_t t[ORDER_THREADS];
    for (int i = 0; i < ORDER_THREADS; i++) {
        a[i] = (struct order_arg){psink(f), f->cls, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, order_main, &a[i]), 0);
    }
    for (int i = 0; i < ORDER_THREADS; i++)
        pthread_join(t[i], NULL);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 600000), WBEMEV_S_NO_ERROR);
    check_order(q);
    check_order(q2);
    check_order(s);
    wbemev_dispatcher_destroy(f->d);
    f->d = NULL;
    assert_consumer_ended(q, WBEMEV_E_SHUTTING_DOWN);
    assert_consumer_ended(q2, WBEMEV_E_SHUTTING_DOWN);
    assert_consumer_ended(s, WBEMEV_E_SHUTTING_DOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queued_shares_and_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserves_exact_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsubscribe_waits_for_end_in_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_then_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_newest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_total_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsubscribe_discards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumer_failure_on_worker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_per_provider_thread, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
