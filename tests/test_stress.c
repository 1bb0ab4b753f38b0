/*
 * tests/test_stress.c: many provider threads indicate while other threads subscribe (sync and queued,
 * every backpressure policy, some GROUP WITHIN), unsubscribe, make consumers fail, register and
 * unregister providers, and finally shut the dispatcher down under the providers' feet.
 * Driven by counts, never by timing. Then, for every subscription ever made:
 *   indicated == delivered + dropped + discarded + refused (nothing queued after the end),
 *   the consumer saw exactly `delivered` events and exactly one final SetStatus, last;
 * and nothing leaks. WBEMEV_STRESS_SCALE (default 1) multiplies the work.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "test_support.h"

#define MAX_SUBS 4096
struct world {
    wbemev_dispatcher_t *d;
    wbemev_class_t *cls, *child;
    test_fakes fakes;
    fake_provider *prov[2];
    size_t allocs;
    unsigned scale;
    /* subscriptions made by the churn thread; their consumers count events without logging them */
    fake_consumer *cons[MAX_SUBS];
    uint32_t ids[MAX_SUBS];
    size_t nsubs;
    atomic_uint_fast64_t fired, ok, busy, cancelled;
};

static uint32_t rnd(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

struct prov_arg {
    struct world *w;
    wbemev_sink_t *sink; /* our own reference */
    int index;
};

static void *provider_main(void *arg)
{
    struct prov_arg *a = arg;
    struct world *w = a->w;
    /* Fire until shut down (the churn thread paces itself on `fired`, so the two overlap). */
    for (uint64_t i = 0;; i++) {
        wbemev_object_t *o = new_event(i % 3 == 0 ? w->child : w->cls, i % 2 ? "odd" : "even", (int32_t)(i % 7));
        wbemev_status st = wbemev_sink_indicate1(a->sink, o);
        wbemev_object_release(o);
        atomic_fetch_add(&w->fired, 1);
        if (st == WBEMEV_E_SERVER_TOO_BUSY)
            atomic_fetch_add(&w->busy, 1);
        else if (st == WBEMEV_E_CALL_CANCELLED) {
            atomic_fetch_add(&w->cancelled, 1);
            break; /* shut down: stop, as a provider must */
        } else {
            assert_wbemev_status(st, WBEMEV_S_NO_ERROR);
            atomic_fetch_add(&w->ok, 1);
        }
    }
    /* Still holding the sink after shutdown: Indicate stays safe and answers CALL_CANCELLED. */
    wbemev_sink_release(a->sink);
    return NULL;
}

static const char *const queries[] = {
    "SELECT * FROM S_Event",
    "SELECT * FROM S_Event WHERE Severity > 2",
    "SELECT Name FROM S_Child",
    "SELECT * FROM __ExtrinsicEvent",
    "SELECT * FROM S_Event GROUP WITHIN 0.01 BY Name",
    "SELECT * FROM S_Child WHERE Name = 'odd'",
};

static void *churn_main(void *arg)
{
    struct world *w = arg;
    uint32_t seed = 12345;
    size_t iterations = 150u * w->scale;
    if (iterations > MAX_SUBS)
        iterations = MAX_SUBS;
    for (size_t it = 0; it < iterations; it++) {
        /* Let the providers fire ~40 events per iteration: counts, not time, pace the overlap. */
        while (atomic_load(&w->fired) < (uint64_t)it * 40u)
            sched_yield();
        fake_consumer *c = test_fakes_consumer(&w->fakes);
        fake_consumer_log_events(c, false);
        if (rnd(&seed) % 5 == 0)
            fake_consumer_fail_after(c, 1 + rnd(&seed) % 50, WBEMEV_E_FAILED); /* this consumer will fail */
        bool slow = rnd(&seed) % 3 == 0;
        wbemev_subscribe_options so;
        wbemev_subscribe_options_init(&so);
        so.delivery = rnd(&seed) % 3 ? WBEMEV_DELIVERY_QUEUED : WBEMEV_DELIVERY_SYNC;
        so.backpressure = (wbemev_backpressure)(rnd(&seed) % 4);
        so.queue_max_events = rnd(&seed) % 2 ? 4 + rnd(&seed) % 60 : 0;
        so.max_wait_ms = 1 + rnd(&seed) % 5;
        if (slow && so.delivery == WBEMEV_DELIVERY_QUEUED)
            fake_consumer_yield_in_indicate(c, 500); /* makes queues fill (no sleeping) */
        const char *q = queries[rnd(&seed) % (sizeof queries / sizeof queries[0])];
        uint32_t id = 0;
        wbemev_status st = wbemev_dispatcher_subscribe(w->d, q, fake_consumer_sink(c), &so, &id);
        assert_wbemev_status(st, WBEMEV_S_NO_ERROR);
        w->cons[w->nsubs] = c;
        w->ids[w->nsubs] = id;
        w->nsubs++;
        /* End an older one now and then (it may have ended itself by failing). */
        if (w->nsubs > 8 && rnd(&seed) % 2) {
            size_t victim = rnd(&seed) % w->nsubs;
            wbemev_status u = wbemev_dispatcher_unsubscribe(w->d, w->ids[victim]);
            assert_true(u == WBEMEV_S_NO_ERROR || u == WBEMEV_E_NOT_FOUND);
            /* After unsubscribe returns, ended exactly once, whoever ended it (NOT_FOUND: this
             * thread earlier, or a failure, maybe still being ended by a worker a moment ago). */
            assert_int_equal(fake_consumer_completes(w->cons[victim]), 1);
        }
        /* A provider comes and goes meanwhile. */
        if (it % 16 == 0) {
            fake_provider *tmp = test_fakes_provider(&w->fakes);
            fake_provider_set_methods(tmp, FAKE_PROVIDER_CANCEL_QUERY);
            static const char *const list[] = {"SELECT * FROM S_Event"};
            assert_wbemev_status(wbemev_dispatcher_register(w->d, "Transient", fake_provider_base(tmp), list, 1),
                                 WBEMEV_S_NO_ERROR);
            assert_wbemev_status(wbemev_dispatcher_unregister(w->d, "Transient"), WBEMEV_S_NO_ERROR);
            fake_provider_release(tmp);
            assert_int_equal(fake_provider_refs(tmp), 0); /* the final release: the dispatcher let go */
        }
        wbemev_dispatcher_tick(w->d);
    }
    return NULL;
}

/* The fixture owns the fakes: the two providers here, the consumers and the transient providers
 * made by the churn thread. */
static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->allocs = wbemev_live_allocations();
    for (int i = 0; i < 2; i++) {
        w->prov[i] = test_fakes_provider(&w->fakes);
        fake_provider_set_methods(w->prov[i], FAKE_PROVIDER_CANCEL_QUERY);
    }
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    if (w->d != NULL)
        wbemev_dispatcher_destroy(w->d);
    test_fakes_teardown(&w->fakes); /* the providers let go of their sinks, every consumer was released */
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), w->allocs);
    free(w);
    return 0;
}

static void test_stress(void **state)
{
    struct world *w = *state;
    const char *env = getenv("WBEMEV_STRESS_SCALE");
    w->scale = env != NULL && atoi(env) > 0 ? (unsigned)atoi(env) : 1u;
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.workers = 3;
    o.keep_final_stats = true;
    o.queue_total_bytes = 256u * 1024u; /* small: the total limit is reached too */
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &w->d));
    w->cls = define_event_class(w->d, "S_Event");
    const wbemev_property_def cp[] = {{"Extra", WBEMEV_CIM_UINT32, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(wbemev_dispatcher_namespace(w->d), "S_Child", "S_Event", cp, 1, &w->child));

    /* Two providers, each fired by two threads. */
    static const char *const list[] = {"SELECT * FROM S_Event"};
    assert_wbemev_status(wbemev_dispatcher_register(w->d, "P0", fake_provider_base(w->prov[0]), list, 1),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_register(w->d, "P1", fake_provider_base(w->prov[1]), list, 1),
                         WBEMEV_S_NO_ERROR);
    fake_consumer *first = test_fakes_consumer(&w->fakes);
    fake_consumer_log_events(first, false);
    w->cons[0] = first;
    assert_wbemev_status(wbemev_dispatcher_subscribe(w->d, "SELECT * FROM S_Event", fake_consumer_sink(first), NULL,
                                                     &w->ids[0]),
                         WBEMEV_S_NO_ERROR);
    w->nsubs = 1;
    struct prov_arg pa[4];
    pthread_t pt[4], ct;
    for (int i = 0; i < 4; i++) {
        wbemev_sink_t *s = fake_provider_sink(w->prov[i % 2]);
        assert_non_null(s);
        pa[i] = (struct prov_arg){w, wbemev_sink_add_ref(s), i};
        assert_int_equal(pthread_create(&pt[i], NULL, provider_main, &pa[i]), 0);
    }
    assert_int_equal(pthread_create(&ct, NULL, churn_main, w), 0);
    pthread_join(ct, NULL);
    /* Shut down while the providers may still be firing: they get CALL_CANCELLED and stop. */
    /* A call slower than its limit (a loaded machine, valgrind) makes it return TIMED_OUT while the
     * sequence goes on: wait for its end before counting. */
    wbemev_status down = wbemev_dispatcher_shutdown_deadline(w->d, 5);
    while (down == WBEMEV_E_TIMED_OUT)
        down = wbemev_dispatcher_shutdown(w->d);
    assert_wbemev_ok(down);
    for (int i = 0; i < 4; i++)
        pthread_join(pt[i], NULL);

    assert_int_equal(atomic_load(&w->fired), atomic_load(&w->ok) + atomic_load(&w->busy) + atomic_load(&w->cancelled));
    uint64_t delivered = 0, dropped = 0, discarded = 0, refused = 0;
    for (size_t i = 0; i < w->nsubs; i++) {
        fake_consumer *c = w->cons[i];
        wbemev_subscription_stats st;
        assert_wbemev_ok(wbemev_dispatcher_subscription_stats(w->d, w->ids[i], &st));
        assert_balanced(&st);
        assert_int_equal(st.queued, 0);
        assert_int_equal(fake_consumer_completes(c), 1);
        assert_int_equal(fake_consumer_after_complete(c), 0);
        wbemev_status final = fake_consumer_final_status(c);
        assert_true(final == WBEMEV_E_CALL_CANCELLED || final == WBEMEV_E_SHUTTING_DOWN);
        assert_int_equal(fake_consumer_events(c), st.delivered);
        assert_int_equal(fake_consumer_refs(c), 1);
        if (st.dropped > 0)
            assert_true(fake_consumer_progress(c) >= 1); /* told about its drops */
        if (getenv("STRESS_VERBOSE")) print_message("sub %u: ind %llu del %llu drop %llu disc %llu ref %llu grp %llu\n", w->ids[i], (unsigned long long)st.indicated, (unsigned long long)st.delivered, (unsigned long long)st.dropped, (unsigned long long)st.discarded, (unsigned long long)st.refused, (unsigned long long)st.grouped);
        delivered += st.delivered;
        dropped += st.dropped;
        discarded += st.discarded;
        refused += st.refused;
    }
    print_message("stress x%u: %zu subscriptions, %llu fired (%llu busy, %llu cancelled); delivered %llu, "
                  "dropped %llu, discarded %llu, refused %llu\n",
                  w->scale, w->nsubs, (unsigned long long)atomic_load(&w->fired),
                  (unsigned long long)atomic_load(&w->busy), (unsigned long long)atomic_load(&w->cancelled),
                  (unsigned long long)delivered, (unsigned long long)dropped, (unsigned long long)discarded,
                  (unsigned long long)refused);
    wbemev_dispatcher_destroy(w->d);
    w->d = NULL;
    wbemev_class_release(w->cls);
    wbemev_class_release(w->child);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stress, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
