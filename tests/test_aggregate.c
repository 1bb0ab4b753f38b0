/*
 * tests/test_aggregate.c: GROUP WITHIN n [BY prop] [HAVING expr]: one __AggregateEvent per window and
 * group, from the dispatcher's timer, driven by a controllable clock and wbemev_dispatcher_tick
 * (manual_timers): no test sleeps or waits for a window.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000000000ull

struct fx {
    wbemev_dispatcher_t *d;
    test_fakes fakes;
    fake_provider *p; /* registered as "AP" */
    wbemev_class_t *cls;
    manual_clock clock;
    size_t allocs;
};

/* A provider that keeps its sink and has CancelQuery, registered for A_Event. */
static void register_provider(struct fx *f)
{
    f->p = test_fakes_provider(&f->fakes);
    fake_provider_set_methods(f->p, FAKE_PROVIDER_CANCEL_QUERY);
    static const char *const list[] = {"SELECT * FROM A_Event"};
    assert_wbemev_status(wbemev_dispatcher_register(f->d, "AP", fake_provider_base(f->p), list, 1),
                         WBEMEV_S_NO_ERROR);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->allocs = wbemev_live_allocations();
    manual_clock_init(&f->clock, 1000 * SEC);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    manual_clock_install(&f->clock, &o);
    o.manual_timers = true;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &f->d));
    f->cls = define_event_class(f->d, "A_Event");
    register_provider(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->d != NULL)
        wbemev_dispatcher_destroy(f->d);
    wbemev_class_release(f->cls);
    test_fakes_teardown(&f->fakes);
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), f->allocs);
    free(f);
    return 0;
}

static void fire(struct fx *f, const char *name, int32_t sev)
{
    assert_wbemev_status(fake_fire(f->p, f->cls, name, sev), WBEMEV_S_NO_ERROR);
}

static void advance(struct fx *f, uint64_t ns)
{
    manual_clock_advance(&f->clock, ns);
}

/* Reads an aggregate from the log: NumberOfEvents and the Representative's Name. */
static void agg_at(fake_consumer *c, size_t i, uint32_t *count, const char **name)
{
    assert_true(i < fake_consumer_log_size(c));
    fake_entry e = fake_consumer_entry(c, i);
    assert_int_equal(e.kind, FAKE_EVENT);
    wbemev_object_t *o = e.obj;
    assert_non_null(o);
    assert_string_equal(wbemev_object_class_name(o), "__AggregateEvent");
    assert_true(wbemev_object_is_frozen(o));
    assert_wbemev_ok(wbemev_object_get_uint32(o, "NumberOfEvents", count));
    wbemev_value v;
    assert_wbemev_ok(wbemev_object_get(o, "Representative", &v));
    assert_false(v.is_null);
    assert_wbemev_ok(wbemev_object_get_string(v.u.object, "Name", name));
}

static void test_window_without_by(void **state)
{
    struct fx *f = *state;
    fake_consumer *c = test_fakes_consumer(&f->fakes);
    fake_consumer_keep_objects(c, true);
    uint32_t id;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM A_Event WHERE Severity > 0 GROUP WITHIN 10",
                                                     fake_consumer_sink(c), NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 0); /* no window open */
    fire(f, "first", 1);
    fire(f, "second", 2);
    fire(f, "filtered", 0); /* WHERE still applies */
    advance(f, 9 * SEC);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 0); /* not due yet */
    fire(f, "third", 3);
    assert_int_equal(fake_consumer_events(c), 0); /* nothing reaches the consumer from the provider's thread */
    advance(f, 1 * SEC);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 1);
    assert_int_equal(fake_consumer_events(c), 1); /* delivered synchronously by tick */
    uint32_t n;
    const char *name;
    agg_at(c, 0, &n, &name);
    assert_int_equal(n, 3);
    assert_string_equal(name, "first"); /* the Representative is the window's first event */
    assert_int_equal(wbemev_dispatcher_tick(f->d), 0); /* closed: nothing more */

    /* A new window starts with the next event. */
    advance(f, 100 * SEC);
    fire(f, "later", 4);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 0);
    advance(f, 10 * SEC);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 1);
    agg_at(c, 1, &n, &name);
    assert_int_equal(n, 1);
    assert_string_equal(name, "later");

    wbemev_subscription_stats st;
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f->d, id, &st));
    assert_balanced(&st);
    assert_int_equal(st.grouped, 4); /* "filtered" failed the WHERE clause */
    assert_int_equal(st.indicated, 2);
    assert_int_equal(st.delivered, 2);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(f->d, id), WBEMEV_S_NO_ERROR);
    assert_consumer_ended(c, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(fake_consumer_refs(c), 1); /* released by the dispatcher */
}

static void test_by_and_having(void **state)
{
    struct fx *f = *state;
    fake_consumer *c = test_fakes_consumer(&f->fakes);
    fake_consumer_keep_objects(c, true);
    uint32_t id;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d,
                                                     "SELECT * FROM A_Event GROUP WITHIN 5 BY Name HAVING NumberOfEvents >= 2",
                                                     fake_consumer_sink(c), NULL, &id),
                         WBEMEV_S_NO_ERROR);
    fire(f, "disk", 1);
    fire(f, "net", 1);
    fire(f, "DISK", 2); /* BY compares strings as WQL does: case-insensitively */
    fire(f, "cpu", 1);
    fire(f, "net", 3);
    fire(f, "disk", 4);
    advance(f, 5 * SEC);
    /* disk: 3, net: 2, cpu: 1 (fails HAVING) */
    assert_int_equal(wbemev_dispatcher_tick(f->d), 2);
    assert_int_equal(fake_consumer_events(c), 2);
    uint32_t n;
    const char *name;
    agg_at(c, 0, &n, &name);
    assert_int_equal(n, 3);
    assert_string_equal(name, "disk");
    agg_at(c, 1, &n, &name);
    assert_int_equal(n, 2);
    assert_string_equal(name, "net");
    wbemev_subscription_stats st;
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f->d, id, &st));
    assert_int_equal(st.filtered, 1); /* the cpu group, rejected by HAVING */
    assert_balanced(&st);

    /* An open window is abandoned at unsubscribe: no aggregate after it. */
    fire(f, "disk", 5);
    fire(f, "disk", 6);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(f->d, id), WBEMEV_S_NO_ERROR);
    advance(f, 5 * SEC);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 0);
    assert_consumer_ended(c, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(fake_consumer_events(c), 2);
    assert_int_equal(fake_consumer_refs(c), 1); /* released by the dispatcher */
}

/* Many groups in one window: each event finds its own group (strings case-insensitively, reals
 * with -0.0 equal to 0.0), as many groups as distinct values, each counted exactly. */
static void test_many_groups(void **state)
{
    struct fx *f = *state;
    fake_consumer *c = test_fakes_consumer(&f->fakes);
    fake_consumer_keep_objects(c, true);
    uint32_t id;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM A_Event GROUP WITHIN 5 BY Name, Severity",
                                                     fake_consumer_sink(c), NULL, &id),
                         WBEMEV_S_NO_ERROR);
    enum { GROUPS = 5000 };
    char name[32];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < GROUPS; i++) {
            snprintf(name, sizeof name, round == 1 ? "PROC-%d.EXE" : "proc-%d.exe", i);
            fire(f, name, i % 7); /* Severity depends on i only: one group per i */
        }
    }
    advance(f, 5 * SEC);
    assert_int_equal(wbemev_dispatcher_tick(f->d), GROUPS);
    for (size_t k = 0; k < GROUPS; k++) {
        uint32_t n;
        const char *rep;
        agg_at(c, k, &n, &rep);
        assert_int_equal(n, 3);
        snprintf(name, sizeof name, "proc-%d.exe", (int)k); /* windows keep the first arrival's order */
        assert_string_equal(rep, name);
    }
    wbemev_subscription_stats st;
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f->d, id, &st));
    assert_int_equal(st.grouped, 3 * GROUPS);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(f->d, id), WBEMEV_S_NO_ERROR);
}

/* BY a datetime groups equal datetimes together, whatever the bytes between the struct's fields
 * held when the provider filled it. */
static void test_group_by_datetime(void **state)
{
    struct fx *f = *state;
    const wbemev_property_def props[] = {{"Stamp", WBEMEV_CIM_DATETIME, NULL}};
    wbemev_class_t *cls;
    assert_wbemev_ok(
        wbemev_namespace_define_class(wbemev_dispatcher_namespace(f->d), "D_Event", "A_Event", props, 1, &cls));
    fake_consumer *c = test_fakes_consumer(&f->fakes);
    fake_consumer_keep_objects(c, true);
    uint32_t id;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM D_Event GROUP WITHIN 5 BY Stamp",
                                                 fake_consumer_sink(c), NULL, &id));
    static const unsigned char fills[] = {0x00, 0xff, 0x5a};
    for (size_t i = 0; i < sizeof fills; i++) {
        for (uint8_t minute = 0; minute < 2; minute++) {
            wbemev_object_t *o;
            assert_wbemev_ok(wbemev_class_spawn_instance(cls, &o));
            wbemev_datetime dt = filled_timestamp(fills[i], minute);
            assert_wbemev_ok(wbemev_object_put_datetime(o, "Stamp", dt));
            assert_wbemev_ok(fake_provider_indicate1(f->p, o));
            wbemev_object_release(o);
        }
    }
    advance(f, 5 * SEC);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 2); /* one group per minute */
    assert_int_equal(fake_consumer_log_size(c), 2);
    for (size_t k = 0; k < 2; k++) {
        uint32_t n;
        assert_wbemev_ok(wbemev_object_get_uint32(fake_consumer_entry(c, k).obj, "NumberOfEvents", &n));
        assert_int_equal(n, sizeof fills);
    }
    assert_wbemev_ok(wbemev_dispatcher_unsubscribe(f->d, id));
    wbemev_class_release(cls);
}

/* Queued GROUP WITHIN: aggregates go to the workers. */
static void test_queued_aggregates(void **state)
{
    struct fx *f = *state;
    fake_consumer *c = test_fakes_consumer(&f->fakes);
    fake_consumer_keep_objects(c, true);
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.delivery = WBEMEV_DELIVERY_QUEUED;
    uint32_t id;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM A_Event GROUP WITHIN 1 BY Severity",
                                                     fake_consumer_sink(c), &so, &id),
                         WBEMEV_S_NO_ERROR);
    for (int i = 0; i < 30; i++)
        fire(f, "x", i % 3);
    advance(f, SEC);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 3);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 60000), WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_consumer_events(c), 3);
    for (size_t i = 0; i < 3; i++) {
        uint32_t n;
        const char *name;
        agg_at(c, i, &n, &name);
        assert_int_equal(n, 10);
    }
    wbemev_dispatcher_destroy(f->d);
    f->d = NULL;
    assert_consumer_ended(c, WBEMEV_E_SHUTTING_DOWN);
}

/* The timer thread (no manual_timers) closes windows by itself; the test waits on the consumer. */
static void test_timer_thread(void **state)
{
    struct fx *f = *state;
    wbemev_dispatcher_destroy(f->d);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    manual_clock_install(&f->clock, &o);
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &f->d));
    wbemev_class_release(f->cls);
    f->cls = define_event_class(f->d, "A_Event");
    register_provider(f); /* a new one: the first was registered with the old dispatcher */
    fake_consumer *c = test_fakes_consumer(&f->fakes);
    uint32_t id;
    /* 0.001 s windows, and the clock already past the end: the timer finds it due at once. */
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM A_Event GROUP WITHIN 0.001",
                                                     fake_consumer_sink(c), NULL, &id),
                         WBEMEV_S_NO_ERROR);
    fire(f, "t", 1);
    advance(f, SEC);
    fire(f, "u", 2); /* wakes the timer if it slept through the advance (same window) */
    fake_consumer_wait_events(c, 1);
    wbemev_dispatcher_destroy(f->d);
    f->d = NULL;
    assert_consumer_ended(c, WBEMEV_E_SHUTTING_DOWN);
}

/* Recreates the fixture's dispatcher with queue_total_bytes `total`. */
static void remake(struct fx *f, uint64_t total)
{
    wbemev_dispatcher_destroy(f->d);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    manual_clock_install(&f->clock, &o);
    o.manual_timers = true;
    o.keep_final_stats = true;
    o.queue_total_bytes = total;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &f->d));
    wbemev_class_release(f->cls);
    f->cls = define_event_class(f->d, "A_Event");
    register_provider(f); /* a new one: the first was registered with the old dispatcher */
}

enum { HUGE_GROUPS = 100000, BOUNDED_GROUPS = 8000 }; /* 1 MiB holds some 4,000 small groups */

/* Fires `events` events, each its own group, into a GROUP WITHIN 5 BY Name subscription with
 * `queue_max_bytes`; closes the window; returns its stats. */
static void fire_huge_window(struct fx *f, fake_consumer *c, int events, uint64_t queue_max_bytes,
                             wbemev_subscription_stats *st)
{
    fake_consumer_log_events(c, false);
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.queue_max_bytes = queue_max_bytes;
    uint32_t id;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM A_Event GROUP WITHIN 5 BY Name",
                                                 fake_consumer_sink(c), &so, &id));
    char name[32];
    for (int i = 0; i < events; i++) {
        snprintf(name, sizeof name, "group-%d", i);
        fire(f, name, 1);
    }
    advance(f, 5 * SEC);
    size_t produced = wbemev_dispatcher_tick(f->d);
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f->d, id, st));
    assert_balanced(st);
    assert_int_equal(produced, st->delivered);
    assert_int_equal(fake_consumer_events(c), st->delivered);
    assert_int_equal(st->grouped, st->delivered); /* one event a group */
    assert_int_equal(st->grouped + st->dropped, events);
    printf("GROUP WITHIN, %d groups, queue_max_bytes %llu: %llu grouped, %llu dropped\n", events,
           (unsigned long long)queue_max_bytes, (unsigned long long)st->grouped, (unsigned long long)st->dropped);
    assert_wbemev_ok(wbemev_dispatcher_unsubscribe(f->d, id));
}

/* A hundred thousand groups in one window, with no byte limit: every one is kept and delivered. */
static void test_hundred_thousand_groups(void **state)
{
    struct fx *f = *state;
    remake(f, 0);
    fake_consumer *c = test_fakes_consumer(&f->fakes);
    wbemev_subscription_stats st;
    fire_huge_window(f, c, HUGE_GROUPS, 0, &st);
    assert_int_equal(st.grouped, HUGE_GROUPS);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(fake_consumer_progress(c), 0);
}

/* The groups' Representatives count against queue_max_bytes and queue_total_bytes: past them an
 * event that would open a group is dropped, counted, and the consumer told; the window's other
 * groups are delivered. */
static void test_groups_bounded(void **state)
{
    struct fx *f = *state;
    const uint64_t limit = 1024u * 1024u;
    /* An event's block is well over 64 bytes: at most limit / 64 groups fit. */
    const uint64_t most = limit / 64;
    remake(f, 0);
    fake_consumer *c = test_fakes_consumer(&f->fakes);
    wbemev_subscription_stats st;
    fire_huge_window(f, c, BOUNDED_GROUPS, limit, &st); /* the subscription's bound */
    assert_true(st.grouped > 0 && st.grouped <= most);
    assert_true(st.dropped > 0);
    assert_int_equal(fake_consumer_progress_of(c, WBEMEV_E_QUEUE_OVERFLOW), 1);

    remake(f, limit); /* the dispatcher's total */
    fake_consumer *c2 = test_fakes_consumer(&f->fakes);
    wbemev_subscription_stats st2;
    fire_huge_window(f, c2, BOUNDED_GROUPS, 0, &st2);
    assert_true(st2.grouped > 0 && st2.grouped <= most);
    assert_int_equal(st2.grouped, st.grouped); /* the same room */
    assert_int_equal(fake_consumer_progress_of(c2, WBEMEV_E_QUEUE_OVERFLOW), 1);

    /* The window closed and gave its room back: the next window takes as many again. */
    wbemev_subscription_stats st3;
    fake_consumer *c3 = test_fakes_consumer(&f->fakes);
    fire_huge_window(f, c3, BOUNDED_GROUPS, 0, &st3);
    assert_int_equal(st3.grouped, st2.grouped);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_window_without_by, setup, teardown),
        cmocka_unit_test_setup_teardown(test_by_and_having, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_by_datetime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queued_aggregates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hundred_thousand_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_groups_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
