/*
 * tests/test_aggregate.c: GROUP WITHIN n [BY prop] [HAVING expr]: one __AggregateEvent per window and
 * group, from the dispatcher's timer, driven by a controllable clock and wbemev_dispatcher_tick
 * (manual_timers): no test sleeps or waits for a window.
 */
#include "conc_util.h"

#define SEC 1000000000ull

struct fx {
    wbemev_dispatcher_t *d;
    struct cprov p;
    wbemev_class_t *cls;
    atomic_uint_fast64_t now;
    size_t allocs;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->allocs = wbemev_live_allocations();
    atomic_init(&f->now, 1000 * SEC);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.clock = test_clock;
    o.clock_ctx = &f->now;
    o.manual_timers = true;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &f->d));
    f->cls = define_event_class(f->d, "A_Event");
    cprov_init(&f->p);
    static const char *const list[] = {"SELECT * FROM A_Event"};
    assert_wbemev_status(wbemev_dispatcher_register(f->d, "AP", &f->p.base, list, 1), WBEMEV_S_NO_ERROR);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->d != NULL)
        wbemev_dispatcher_destroy(f->d);
    cprov_release(&f->p.base);
    wbemev_class_release(f->cls);
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), f->allocs);
    free(f);
    return 0;
}

static void fire(struct fx *f, const char *name, int32_t sev)
{
    wbemev_sink_t *s = atomic_load(&f->p.sink);
    assert_non_null(s);
    assert_wbemev_status(fire_event(s, f->cls, name, sev), WBEMEV_S_NO_ERROR);
}

static void advance(struct fx *f, uint64_t ns)
{
    atomic_fetch_add(&f->now, ns);
}

/* Reads an aggregate from the log: NumberOfEvents and the Representative's Name. */
static void agg_at(struct ccons *c, size_t i, uint32_t *count, const char **name)
{
    assert_true(i < c->n);
    assert_int_equal(c->log[i].kind, CE_EVENT);
    wbemev_object_t *o = c->log[i].obj;
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
    struct ccons *c = ccons_new();
    c->keep_objects = true;
    uint32_t id;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM A_Event WHERE Severity > 0 GROUP WITHIN 10",
                                                     &c->base, NULL, &id), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 0); /* no window open */
    fire(f, "first", 1);
    fire(f, "second", 2);
    fire(f, "filtered", 0); /* WHERE still applies */
    advance(f, 9 * SEC);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 0); /* not due yet */
    fire(f, "third", 3);
    assert_int_equal(c->events, 0); /* nothing reaches the consumer from the provider's thread */
    advance(f, 1 * SEC);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 1);
    assert_int_equal(c->events, 1); /* delivered synchronously by tick */
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
    ccons_assert_ended(c, WBEMEV_E_CALL_CANCELLED);
    ccons_free(c);
}

static void test_by_and_having(void **state)
{
    struct fx *f = *state;
    struct ccons *c = ccons_new();
    c->keep_objects = true;
    uint32_t id;
    assert_wbemev_status(wbemev_dispatcher_subscribe(
                   f->d, "SELECT * FROM A_Event GROUP WITHIN 5 BY Name HAVING NumberOfEvents >= 2", &c->base, NULL, &id),
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
    assert_int_equal(c->events, 2);
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
    ccons_assert_ended(c, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(c->events, 2);
    ccons_free(c);
}

/* Queued GROUP WITHIN: aggregates go to the workers. */
static void test_queued_aggregates(void **state)
{
    struct fx *f = *state;
    struct ccons *c = ccons_new();
    c->keep_objects = true;
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.delivery = WBEMEV_DELIVERY_QUEUED;
    uint32_t id;
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM A_Event GROUP WITHIN 1 BY Severity", &c->base, &so,
                                                     &id), WBEMEV_S_NO_ERROR);
    for (int i = 0; i < 30; i++)
        fire(f, "x", i % 3);
    advance(f, SEC);
    assert_int_equal(wbemev_dispatcher_tick(f->d), 3);
    assert_wbemev_status(wbemev_dispatcher_wait_idle(f->d, 60000), WBEMEV_S_NO_ERROR);
    assert_int_equal(c->events, 3);
    for (size_t i = 0; i < 3; i++) {
        uint32_t n;
        const char *name;
        agg_at(c, i, &n, &name);
        assert_int_equal(n, 10);
    }
    wbemev_dispatcher_destroy(f->d);
    f->d = NULL;
    ccons_assert_ended(c, WBEMEV_E_SHUTTING_DOWN);
    ccons_free(c);
}

/* The timer thread (no manual_timers) closes windows by itself; the test waits on the consumer. */
static void test_timer_thread(void **state)
{
    struct fx *f = *state;
    wbemev_dispatcher_destroy(f->d);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.clock = test_clock;
    o.clock_ctx = &f->now;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &f->d));
    wbemev_class_release(f->cls);
    f->cls = define_event_class(f->d, "A_Event");
    cprov_release(&f->p.base);
    cprov_init(&f->p);
    static const char *const list[] = {"SELECT * FROM A_Event"};
    assert_wbemev_status(wbemev_dispatcher_register(f->d, "AP", &f->p.base, list, 1), WBEMEV_S_NO_ERROR);
    struct ccons *c = ccons_new();
    uint32_t id;
    /* 0.001 s windows, and the clock already past the end: the timer finds it due at once. */
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM A_Event GROUP WITHIN 0.001", &c->base, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    fire(f, "t", 1);
    advance(f, SEC);
    fire(f, "u", 2); /* wakes the timer if it slept through the advance (same window) */
    pthread_mutex_lock(&c->mu);
    while (c->events < 1)
        pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
    wbemev_dispatcher_destroy(f->d);
    f->d = NULL;
    ccons_assert_ended(c, WBEMEV_E_SHUTTING_DOWN);
    ccons_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_window_without_by, setup, teardown),
        cmocka_unit_test_setup_teardown(test_by_and_having, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queued_aggregates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_thread, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
