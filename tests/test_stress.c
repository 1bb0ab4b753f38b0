/*
 * tests/test_stress.c: many provider threads indicate while other threads subscribe (sync and queued,
 * every backpressure policy, some GROUP WITHIN), unsubscribe, make consumers fail, register and
 * unregister providers, and finally shut the dispatcher down under the providers' feet.
 * Driven by counts, never by timing. Then, for every subscription ever made:
 *   indicated == delivered + dropped + discarded + refused (nothing queued after the end),
 *   the consumer saw exactly `delivered` events and exactly one final SetStatus, last;
 * and nothing leaks. WBEMEV_STRESS_SCALE (default 1) multiplies the work.
 */
#include <sched.h>

#include "conc_util.h"

/* A light consumer: counts only. */
struct scons {
    wbemev_sink_t base;
    atomic_int refs;
    atomic_uint_fast64_t events;
    atomic_int completes, progress;
    atomic_bool after_complete;
    uint64_t fail_after; /* 0: never */
    unsigned slow;       /* yields per event: makes queues fill (no sleeping) */
    wbemev_status final;
};
static struct scons *scons_from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, struct scons, base);
}
static void scons_add_ref(wbemev_sink_t *s)
{
    atomic_fetch_add(&scons_from(s)->refs, 1);
}
static void scons_release(wbemev_sink_t *s)
{
    atomic_fetch_sub(&scons_from(s)->refs, 1);
}
static wbemev_status scons_indicate(wbemev_sink_t *s, int32_t n, wbemev_object_t *const *objs)
{
    struct scons *c = scons_from(s);
    (void)objs;
    if (atomic_load(&c->completes) > 0)
        atomic_store(&c->after_complete, true);
    if (c->fail_after != 0 && atomic_load(&c->events) >= c->fail_after)
        return WBEMEV_E_FAILED;
    for (unsigned i = 0; i < c->slow; i++)
        sched_yield();
    atomic_fetch_add(&c->events, (uint64_t)n);
    return WBEMEV_S_NO_ERROR;
}
static wbemev_status scons_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status st, const char *text,
                                      wbemev_object_t *o)
{
    (void)text, (void)o;
    struct scons *c = scons_from(s);
    if (atomic_load(&c->completes) > 0)
        atomic_store(&c->after_complete, true);
    if (flags == WBEMEV_STATUS_COMPLETE) {
        c->final = st;
        atomic_fetch_add(&c->completes, 1);
    } else {
        atomic_fetch_add(&c->progress, 1);
    }
    return WBEMEV_S_NO_ERROR;
}
static const wbemev_sink_vtbl scons_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, scons_add_ref, scons_release, scons_indicate, scons_set_status,
};

#define MAX_SUBS 4096
struct world {
    wbemev_dispatcher_t *d;
    wbemev_class_t *cls, *child;
    struct cprov prov[2];
    unsigned scale;
    /* subscriptions made by the churn thread */
    struct scons *cons[MAX_SUBS];
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
        struct scons *c = calloc(1, sizeof *c);
        c->base.vtbl = &scons_vtbl;
        atomic_init(&c->refs, 1);
        if (rnd(&seed) % 5 == 0)
            c->fail_after = 1 + rnd(&seed) % 50; /* this consumer will fail */
        bool slow = rnd(&seed) % 3 == 0;
        wbemev_subscribe_options so;
        wbemev_subscribe_options_init(&so);
        so.delivery = rnd(&seed) % 3 ? WBEMEV_DELIVERY_QUEUED : WBEMEV_DELIVERY_SYNC;
        so.backpressure = (wbemev_backpressure)(rnd(&seed) % 4);
        so.queue_max_events = rnd(&seed) % 2 ? 4 + rnd(&seed) % 60 : 0;
        so.max_wait_ms = 1 + rnd(&seed) % 5;
        if (slow && so.delivery == WBEMEV_DELIVERY_QUEUED)
            c->slow = 500;
        const char *q = queries[rnd(&seed) % (sizeof queries / sizeof queries[0])];
        uint32_t id = 0;
        wbemev_status st = wbemev_dispatcher_subscribe(w->d, q, &c->base, &so, &id);
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
            assert_int_equal(atomic_load(&w->cons[victim]->completes), 1);
        }
        /* A provider comes and goes meanwhile. */
        if (it % 16 == 0) {
            struct cprov *tmp = calloc(1, sizeof *tmp);
            cprov_init(tmp);
            static const char *const list[] = {"SELECT * FROM S_Event"};
            assert_wbemev_status(wbemev_dispatcher_register(w->d, "Transient", &tmp->base, list, 1), WBEMEV_S_NO_ERROR);
            assert_wbemev_status(wbemev_dispatcher_unregister(w->d, "Transient"), WBEMEV_S_NO_ERROR);
            cprov_release(&tmp->base);
            assert_int_equal(atomic_load(&tmp->refs), 0);
            free(tmp);
        }
        wbemev_dispatcher_tick(w->d);
    }
    return NULL;
}

static void test_stress(void **state)
{
    (void)state;
    size_t allocs = wbemev_live_allocations();
    struct world *w = calloc(1, sizeof *w);
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
    for (int i = 0; i < 2; i++)
        cprov_init(&w->prov[i]);
    assert_wbemev_status(wbemev_dispatcher_register(w->d, "P0", &w->prov[0].base, list, 1), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_register(w->d, "P1", &w->prov[1].base, list, 1), WBEMEV_S_NO_ERROR);
    struct scons *first = calloc(1, sizeof *first);
    first->base.vtbl = &scons_vtbl;
    atomic_init(&first->refs, 1);
    w->cons[0] = first;
    assert_wbemev_status(wbemev_dispatcher_subscribe(w->d, "SELECT * FROM S_Event", &first->base, NULL, &w->ids[0]),
                         WBEMEV_S_NO_ERROR);
    w->nsubs = 1;
    struct prov_arg pa[4];
    pthread_t pt[4], ct;
    for (int i = 0; i < 4; i++) {
        wbemev_sink_t *s = atomic_load(&w->prov[i % 2].sink);
        assert_non_null(s);
        pa[i] = (struct prov_arg){w, wbemev_sink_add_ref(s), i};
        assert_int_equal(pthread_create(&pt[i], NULL, provider_main, &pa[i]), 0);
    }
    assert_int_equal(pthread_create(&ct, NULL, churn_main, w), 0);
    pthread_join(ct, NULL);
    /* Shut down while the providers may still be firing: they get CALL_CANCELLED and stop. */
    wbemev_dispatcher_shutdown_deadline(w->d, 5);
    for (int i = 0; i < 4; i++)
        pthread_join(pt[i], NULL);

    assert_int_equal(atomic_load(&w->fired), atomic_load(&w->ok) + atomic_load(&w->busy) + atomic_load(&w->cancelled));
    uint64_t delivered = 0, dropped = 0, discarded = 0, refused = 0;
    for (size_t i = 0; i < w->nsubs; i++) {
        struct scons *c = w->cons[i];
        wbemev_subscription_stats st;
        assert_wbemev_ok(wbemev_dispatcher_subscription_stats(w->d, w->ids[i], &st));
        assert_balanced(&st);
        assert_int_equal(st.queued, 0);
        assert_int_equal(atomic_load(&c->completes), 1);
        assert_false(atomic_load(&c->after_complete));
        assert_true(c->final == WBEMEV_E_CALL_CANCELLED || c->final == WBEMEV_E_SHUTTING_DOWN);
        assert_int_equal(atomic_load(&c->events), st.delivered);
        assert_int_equal(atomic_load(&c->refs), 1);
        if (st.dropped > 0)
            assert_true(atomic_load(&c->progress) >= 1); /* told about its drops */
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
    for (int i = 0; i < 2; i++) {
        cprov_release(&w->prov[i].base);
        assert_null(atomic_load(&w->prov[i].sink));
    }
    for (size_t i = 0; i < w->nsubs; i++)
        free(w->cons[i]);
    wbemev_class_release(w->cls);
    wbemev_class_release(w->child);
    free(w);
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), allocs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
