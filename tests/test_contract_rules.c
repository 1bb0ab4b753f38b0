/*
 * tests/test_contract_rules.c: the contract checker's harder cases. Bad providers that used to be
 * missed or to crash the host (over-released sinks, SetStatus at stop, Indicate after any
 * CALL_CANCELLED, an Initialize that never reports, consumers calling back into the host, calls
 * from inside the final Release), each reported with exactly its code; and good providers that
 * used to raise false alarms (many threads backing off, an event from inside NewQuery, threads
 * stopping at their own CALL_CANCELLED, a host keeping its own provider reference), each clean
 * under "abort" with every event delivered.
 */
#include "test_support.h"
#include "wbemev/testkit.h"
#include "../examples/burst_provider.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------
 * A provider whose behaviour each test sets through its fields.
 */
enum habit {
    H_GOOD,
    H_NO_ADDREF_RELEASE_AT_STOP, /* stores the sink without AddRef, releases it in its final Release */
    H_DOUBLE_RELEASE,            /* releases the sink from its worker, then again at stop */
    H_SETSTATUS_IN_RELEASE,      /* "tell WMI we are done" from the final Release */
    H_INIT_SILENT,               /* Initialize returns without SetStatus and without keeping the sink */
    H_DEFINE_IN_RELEASE,         /* cleans up its class from the final Release */
    H_SUBSCRIBE_IN_RELEASE,      /* an event-related call from the final Release */
    H_EVENT_IN_NEW_QUERY,        /* sends the new subscriber one state event from NewQuery */
};

struct prov {
    wbemev_provider_t base;
    atomic_int refs;
    enum habit habit;
    wbemev_dispatcher_t *d;
    wbemev_class_t *cls;
    _Atomic(wbemev_sink_t *) sink;
    wbemev_status in_call_status; /* what a call made from inside a host call returned */
    atomic_int new_queries;
};

static struct prov *prov_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct prov, base);
}

static void prov_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add(&prov_from(p)->refs, 1);
}

static void prov_release(wbemev_provider_t *p)
{
    struct prov *f = prov_from(p);
    if (atomic_fetch_sub(&f->refs, 1) != 1)
        return;
    wbemev_sink_t *s = atomic_exchange(&f->sink, NULL);
    switch (f->habit) {
    case H_SETSTATUS_IN_RELEASE:
        f->in_call_status = wbemev_sink_set_status(s, WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL);
        break;
    case H_DEFINE_IN_RELEASE:
        f->in_call_status = wbemev_namespace_delete_class(wbemev_dispatcher_namespace(f->d), "Rules_Extra");
        break;
    case H_SUBSCRIBE_IN_RELEASE: {
        wbemev_sink_t *rec;
        uint32_t id;
        assert_wbemev_ok(wbemev_recording_sink_new(&rec));
        f->in_call_status = wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Rules_Event", rec, NULL, &id);
        wbemev_sink_release(rec);
        break;
    }
    default:
        break;
    }
    if (s != NULL)
        wbemev_sink_release(s); /* H_NO_ADDREF_RELEASE_AT_STOP: one it never added */
}

static wbemev_status prov_initialize(wbemev_provider_t *p, const wbemev_provider_init *init, wbemev_sink_t *init_sink)
{
    (void)init;
    if (prov_from(p)->habit == H_INIT_SILENT)
        return WBEMEV_S_NO_ERROR; /* "we are ready once we return", but WMI waits for SetStatus */
    return wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL);
}

static wbemev_status prov_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    struct prov *f = prov_from(p);
    (void)flags;
    atomic_store(&f->sink, f->habit == H_NO_ADDREF_RELEASE_AT_STOP ? sink : wbemev_sink_add_ref(sink));
    return WBEMEV_S_NO_ERROR;
}

static wbemev_object_t *event(wbemev_class_t *cls, int32_t n)
{
    wbemev_object_t *o;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &o));
    assert_wbemev_ok(wbemev_object_put(o, "N", &WBEMEV_V_SINT32(n)));
    return o;
}

static wbemev_status prov_new_query(wbemev_provider_t *p, uint32_t id, const char *language, const char *query)
{
    struct prov *f = prov_from(p);
    (void)id, (void)language, (void)query;
    atomic_fetch_add(&f->new_queries, 1);
    wbemev_sink_t *s = atomic_load(&f->sink);
    if (f->habit == H_EVENT_IN_NEW_QUERY && s != NULL) {
        wbemev_object_t *o = event(f->cls, -1);
        f->in_call_status = wbemev_sink_indicate1(s, o);
        wbemev_object_release(o);
    }
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status prov_cancel_query(wbemev_provider_t *p, uint32_t id)
{
    (void)p, (void)id;
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_provider_vtbl prov_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, prov_add_ref, prov_release, prov_initialize, prov_provide_events,
    prov_new_query, prov_cancel_query, NULL,
};

/* ------------------------------------------------------------------------------------------------
 * Fixture: a dispatcher with Rules_Event, a recording consumer, one provider.
 */
struct fx {
    wbemev_dispatcher_t *d;
    wbemev_class_t *cls;
    wbemev_sink_t *rec;
    uint32_t sub;
    struct prov p;
};

static struct fx *fx_new(wbemev_contract_policy policy, bool throttling, uint32_t refire_limit)
{
    struct fx *f = calloc(1, sizeof *f);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = policy;
    o.model_throttling = throttling;
    o.refire_limit = refire_limit;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &f->d));
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(f->d);
    const wbemev_property_def props[] = {{"N", WBEMEV_CIM_SINT32, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Rules_Event", "__ExtrinsicEvent", props, 1, &f->cls));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Rules_Extra", "__ExtrinsicEvent", props, 1, NULL));
    assert_wbemev_ok(wbemev_recording_sink_new(&f->rec));
    f->p.base.vtbl = &prov_vtbl;
    atomic_init(&f->p.refs, 1);
    f->p.d = f->d;
    f->p.cls = f->cls;
    return f;
}

/* Registers the provider (`keep`: the test keeps its own reference) and subscribes. */
static wbemev_status fx_start(struct fx *f, enum habit h, bool keep)
{
    f->p.habit = h;
    const char *const list[] = {"SELECT * FROM Rules_Event"};
    wbemev_status st = wbemev_dispatcher_register(f->d, "RulesProvider", &f->p.base, list, 1);
    if (!keep)
        prov_release(&f->p.base); /* the dispatcher holds the only reference now, as WMI would */
    if (WBEMEV_SUCCEEDED(st))
        assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Rules_Event", f->rec, NULL, &f->sub));
    return st;
}

static void fx_free(struct fx *f)
{
    wbemev_recording_sink_clear(f->rec);
    wbemev_dispatcher_destroy(f->d);
    wbemev_sink_release(f->rec);
    wbemev_class_release(f->cls);
    free(f);
    wbemev_test_assert_no_leaks();
}

static wbemev_status indicate_n(wbemev_sink_t *s, wbemev_class_t *cls, int32_t n)
{
    wbemev_object_t *o = event(cls, n);
    wbemev_status st = wbemev_sink_indicate1(s, o);
    wbemev_object_release(o);
    return st;
}

/* ------------------------------------------------------------------------------------------------
 * It never crashes on a provider's mistake
 */
static void over_release_at_stop(wbemev_contract_policy policy)
{
    struct fx *f = fx_new(policy, false, 64);
    assert_wbemev_ok(fx_start(f, H_NO_ADDREF_RELEASE_AT_STOP, false));
    wbemev_sink_t *s = atomic_load(&f->p.sink);
    assert_wbemev_ok(indicate_n(s, f->cls, 1));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider")); /* its final Release over-releases */
    /* Two mistakes, each reported: the sink was not kept, and a release it never added. */
    assert_int_equal(wbemev_dispatcher_violations_of(f->d, WBEMEV_VIOLATION_SINK_NOT_KEPT), 1);
    assert_int_equal(wbemev_dispatcher_violations_of(f->d, WBEMEV_VIOLATION_SINK_OVER_RELEASED), 1);
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 2);
    /* The host's own reference survived: the sink still answers (cancelled). */
    assert_wbemev_status(indicate_n(s, f->cls, 2), WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(wbemev_recording_sink_count(f->rec), 1);
    fx_free(f);
}

static void test_sink_over_released_record(void **state)
{
    (void)state;
    over_release_at_stop(WBEMEV_CONTRACT_RECORD);
}

static void test_sink_over_released_strict(void **state)
{
    (void)state;
    over_release_at_stop(WBEMEV_CONTRACT_STRICT);
}

static void test_sink_released_twice(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(fx_start(f, H_DOUBLE_RELEASE, false));
    /* The worker lets go of its reference when it stops... */
    wbemev_sink_t *s = atomic_load(&f->p.sink);
    wbemev_sink_release(s);
    assert_no_violations(f->d);
    /* ...and the final Release lets go of it again. */
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_only_violation(f->d, WBEMEV_VIOLATION_SINK_OVER_RELEASED);
    wbemev_violation v;
    assert_wbemev_ok(wbemev_dispatcher_violation_at(f->d, 0, &v));
    assert_string_equal(v.provider, "RulesProvider");
    assert_string_equal(v.first_call, "Release");
    fx_free(f);
}

static void test_sink_over_released_policy_off(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_OFF, false, 64);
    assert_wbemev_ok(fx_start(f, H_NO_ADDREF_RELEASE_AT_STOP, false));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 0); /* not reported, still no crash */
    fx_free(f);
}

/* ------------------------------------------------------------------------------------------------
 * The misses
 */
static void test_setstatus_in_final_release(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(fx_start(f, H_SETSTATUS_IN_RELEASE, false));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_wbemev_status(f->p.in_call_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_SET_STATUS_FROM_PROVIDER);
    fx_free(f);
}

static void test_setstatus_after_stop(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_RECORD, false, 64);
    assert_wbemev_ok(fx_start(f, H_GOOD, true)); /* the test keeps the provider, and so its sink */
    wbemev_sink_t *s = atomic_load(&f->p.sink);
    wbemev_sink_add_ref(s);
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_wbemev_status(wbemev_sink_set_status(s, WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL),
                  WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_SET_STATUS_FROM_PROVIDER);
    wbemev_sink_release(s);
    prov_release(&f->p.base);
    fx_free(f);
}

/* Indicate after CALL_CANCELLED, whatever the cause: the cancel, then the offending refire. */
static void test_indicate_after_unregister_cancel(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_RECORD, false, 64);
    assert_wbemev_ok(fx_start(f, H_GOOD, true));
    wbemev_sink_t *s = atomic_load(&f->p.sink);
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_wbemev_status(indicate_n(s, f->cls, 1), WBEMEV_E_CALL_CANCELLED);
    assert_no_violations(f->d); /* told once: not a mistake yet */
    assert_wbemev_status(indicate_n(s, f->cls, 2), WBEMEV_E_CALL_CANCELLED);
    assert_only_violation(f->d, WBEMEV_VIOLATION_INDICATE_AFTER_CANCEL);
    prov_release(&f->p.base);
    fx_free(f);
}

static void test_indicate_after_injected_cancel(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(fx_start(f, H_GOOD, false));
    wbemev_sink_t *s = atomic_load(&f->p.sink);
    assert_wbemev_ok(wbemev_testkit_inject_indicate_status(f->d, "RulesProvider", WBEMEV_E_CALL_CANCELLED, 1));
    assert_wbemev_status(indicate_n(s, f->cls, 1), WBEMEV_E_CALL_CANCELLED);
    assert_no_violations(f->d);
    assert_wbemev_status(indicate_n(s, f->cls, 2), WBEMEV_E_CALL_CANCELLED);
    assert_only_violation(f->d, WBEMEV_VIOLATION_INDICATE_AFTER_CANCEL);
    assert_int_equal(wbemev_recording_sink_count(f->rec), 0);
    fx_free(f);
}

static void test_init_never_reported(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_RECORD, false, 64);
    assert_wbemev_status(fx_start(f, H_INIT_SILENT, false), WBEMEV_E_PROVIDER_LOAD_FAILURE);
    assert_only_violation(f->d, WBEMEV_VIOLATION_INIT_NOT_REPORTED);
    wbemev_provider_stats ps;
    assert_wbemev_status(wbemev_dispatcher_provider_stats(f->d, "RulesProvider", &ps), WBEMEV_E_NOT_FOUND);
    fx_free(f);
}

/* Consumers that call back into the host from inside their Indicate. */
struct reentrant {
    wbemev_dispatcher_t *d;
    wbemev_status define_status, wait_status;
};

static wbemev_status reentrant_event(void *ctx, wbemev_object_t *event)
{
    struct reentrant *r = ctx;
    (void)event;
    const wbemev_property_def props[] = {{"X", WBEMEV_CIM_UINT8, NULL}};
    r->define_status = wbemev_namespace_define_class(wbemev_dispatcher_namespace(r->d), "Rules_Late",
                                                     "__ExtrinsicEvent", props, 1, NULL);
    r->wait_status = wbemev_dispatcher_wait_idle(r->d, 1000);
    return WBEMEV_S_NO_ERROR;
}

static void consumer_reentry(wbemev_delivery delivery)
{
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(fx_start(f, H_GOOD, false));
    struct reentrant r = {f->d, 1, 1};
    wbemev_sink_t *cb;
    assert_wbemev_ok(wbemev_callback_sink_new(reentrant_event, NULL, &r, &cb));
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.delivery = delivery;
    uint32_t id;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Rules_Event", cb, &so, &id));
    assert_wbemev_ok(indicate_n(atomic_load(&f->p.sink), f->cls, 1));
    if (delivery == WBEMEV_DELIVERY_QUEUED) {
        /* The worker's consumer has run once its delivery counts say so. */
        wbemev_subscription_stats st;
        do
            assert_wbemev_ok(wbemev_dispatcher_subscription_stats(f->d, id, &st));
        while (st.delivered + st.discarded < 1);
        assert_wbemev_ok(wbemev_dispatcher_wait_idle(f->d, 10000));
    }
    assert_wbemev_status(r.define_status, WBEMEV_E_INVALID_OPERATION);
    assert_wbemev_status(r.wait_status, WBEMEV_E_INVALID_OPERATION);
    assert_int_equal(wbemev_dispatcher_violations_of(f->d, WBEMEV_VIOLATION_CONSUMER_REENTRY), 2);
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 1);
    wbemev_class_t *late;
    assert_wbemev_status(wbemev_namespace_get_class(wbemev_dispatcher_namespace(f->d), "Rules_Late", &late),
                  WBEMEV_E_NOT_FOUND); /* refused: never defined */
    wbemev_sink_release(cb);
    fx_free(f);
}

static void test_consumer_reentry_sync(void **state)
{
    (void)state;
    consumer_reentry(WBEMEV_DELIVERY_SYNC);
}

static void test_consumer_reentry_queued(void **state)
{
    (void)state;
    consumer_reentry(WBEMEV_DELIVERY_QUEUED); /* wait_idle from a worker never waits for itself */
}

static void test_calls_from_final_release(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(fx_start(f, H_DEFINE_IN_RELEASE, false));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_wbemev_status(f->p.in_call_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_CLASS_CHANGE_IN_CALL);
    wbemev_violation v;
    assert_wbemev_ok(wbemev_dispatcher_violation_at(f->d, 0, &v));
    assert_string_equal(v.first_call, "delete class");
    assert_string_equal(v.inside, "Release"); /* the provider's final Release */
    fx_free(f);

    f = fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(fx_start(f, H_SUBSCRIBE_IN_RELEASE, false));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_wbemev_status(f->p.in_call_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_EVENT_CALL_IN_CALL);
    fx_free(f);
}

static void test_class_from_other_namespace(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(fx_start(f, H_GOOD, false));
    /* The same class name, defined in a namespace of the provider's own making. */
    wbemev_namespace_t *mine;
    assert_wbemev_ok(wbemev_namespace_new("root\\mine", &mine));
    const wbemev_property_def props[] = {{"N", WBEMEV_CIM_SINT32, NULL}};
    wbemev_class_t *namesake;
    assert_wbemev_ok(wbemev_namespace_define_class(mine, "Rules_Event", "__ExtrinsicEvent", props, 1, &namesake));
    assert_wbemev_status(indicate_n(atomic_load(&f->p.sink), namesake, 1), WBEMEV_E_INVALID_CLASS);
    assert_only_violation(f->d, WBEMEV_VIOLATION_CLASS_FROM_OTHER_NAMESPACE);
    assert_int_equal(wbemev_recording_sink_count(f->rec), 0);
    wbemev_class_release(namesake);
    wbemev_namespace_release(mine);
    fx_free(f);
}

/* ------------------------------------------------------------------------------------------------
 * No false alarms
 */
#define BUSY_THREADS 8
#define BUSY_RETRIES 3 /* each thread's refires while the request waits: fewer than the limit */

struct busy {
    struct fx *f;
    atomic_bool waiting;    /* the host's NewQuery is waiting to get in */
    atomic_int too_busy;    /* SERVER_TOO_BUSY answers, every thread together */
    atomic_bool let_in;     /* the waiting NewQuery may return */
    atomic_int delivered;
};

static void *busy_thread(void *arg)
{
    struct busy *b = arg;
    wbemev_sink_t *s = atomic_load(&b->f->p.sink);
    int mine = 0;
    while (!atomic_load(&b->waiting))
        sched_yield();
    for (;;) {
        wbemev_status st = indicate_n(s, b->f->cls, 1);
        if (st != WBEMEV_E_SERVER_TOO_BUSY) {
            assert_wbemev_ok(st);
            atomic_fetch_add(&b->delivered, 1);
            return NULL;
        }
        atomic_fetch_add(&b->too_busy, 1);
        if (++mine == BUSY_RETRIES) /* back off until the host's request got in */
            while (!atomic_load(&b->let_in))
                sched_yield();
    }
}

static struct busy *g_busy;

static wbemev_status busy_new_query(wbemev_provider_t *p, uint32_t id, const char *language, const char *query)
{
    (void)p, (void)id, (void)language, (void)query;
    if (g_busy != NULL) { /* the second subscription's NewQuery waits until every thread was refused */
        atomic_store(&g_busy->waiting, true);
        while (atomic_load(&g_busy->too_busy) < BUSY_THREADS * BUSY_RETRIES)
            sched_yield();
    }
    return WBEMEV_S_NO_ERROR;
}

static void *subscribe_thread(void *arg)
{
    struct busy *b = arg;
    uint32_t id;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(b->f->d, "SELECT * FROM Rules_Event WHERE N > 0", b->f->rec, NULL, &id));
    atomic_store(&b->let_in, true);
    return NULL;
}

static void test_many_threads_backing_off(void **state)
{
    (void)state;
    static const wbemev_provider_vtbl vtbl = {
        WBEMEV_PROVIDER_VTBL_VERSION, prov_add_ref, prov_release, prov_initialize, prov_provide_events,
        busy_new_query, prov_cancel_query, NULL,
    };
    /* Every thread together refires far more often than the limit; no thread alone does. */
    struct fx *f = fx_new(WBEMEV_CONTRACT_ABORT, true, BUSY_RETRIES + 1);
    f->p.base.vtbl = &vtbl;
    assert_wbemev_ok(fx_start(f, H_GOOD, false));
    struct busy b = {f, false, 0, false, 0};
    g_busy = &b;
    pthread_t sub, t[BUSY_THREADS];
    assert_int_equal(pthread_create(&sub, NULL, subscribe_thread, &b), 0);
    for (int i = 0; i < BUSY_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, busy_thread, &b), 0);
    for (int i = 0; i < BUSY_THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_join(sub, NULL);
    g_busy = NULL;
    assert_int_equal(atomic_load(&b.delivered), BUSY_THREADS);
    assert_int_equal(atomic_load(&b.too_busy), BUSY_THREADS * BUSY_RETRIES);
    assert_no_violations(f->d);
    fx_free(f);
}

static void test_event_from_new_query(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_ABORT, true, 64);
    assert_wbemev_ok(fx_start(f, H_EVENT_IN_NEW_QUERY, false));
    /* A second subscriber: its NewQuery sends a state event through the kept sink. */
    wbemev_sink_t *rec2;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec2));
    uint32_t id;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Rules_Event", rec2, NULL, &id));
    assert_wbemev_ok(f->p.in_call_status); /* not throttled by the request it is servicing */
    assert_int_equal(wbemev_recording_sink_count(f->rec), 1);
    assert_no_violations(f->d);
    wbemev_recording_sink_clear(rec2);
    wbemev_sink_release(rec2);
    fx_free(f);
}

#define CANCEL_THREADS 4
struct stopper {
    wbemev_sink_t *sink;
    wbemev_class_t *cls;
    atomic_int *running;
};

static void *stopper_thread(void *arg)
{
    struct stopper *s = arg;
    atomic_fetch_add(s->running, 1);
    for (int n = 0;; n++) {
        wbemev_status st = indicate_n(s->sink, s->cls, n);
        if (st == WBEMEV_E_CALL_CANCELLED)
            return NULL; /* each stops at its own first cancelled answer */
        assert_wbemev_ok(st);
    }
}

static void test_threads_stop_at_own_cancel(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_ABORT, false, 64);
    assert_wbemev_ok(fx_start(f, H_GOOD, true));
    atomic_int running = 0;
    struct stopper s = {atomic_load(&f->p.sink), f->cls, &running};
    pthread_t t[CANCEL_THREADS];
    for (int i = 0; i < CANCEL_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, stopper_thread, &s), 0);
    while (atomic_load(&running) < CANCEL_THREADS)
        sched_yield();
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    for (int i = 0; i < CANCEL_THREADS; i++)
        pthread_join(t[i], NULL);
    assert_no_violations(f->d);
    wbemev_provider_stats ps;
    assert_wbemev_status(wbemev_dispatcher_provider_stats(f->d, "RulesProvider", &ps), WBEMEV_E_NOT_FOUND);
    prov_release(&f->p.base);
    fx_free(f);
}

static void test_host_keeps_provider_past_unregister(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_ABORT, false, 64);
    assert_wbemev_ok(fx_start(f, H_GOOD, true)); /* the host keeps its own reference */
    assert_wbemev_ok(indicate_n(atomic_load(&f->p.sink), f->cls, 1));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_non_null(atomic_load(&f->p.sink)); /* alive, so it rightly still holds its sink */
    prov_release(&f->p.base);                 /* its final Release lets go of it */
    assert_int_equal(wbemev_recording_sink_count(f->rec), 1);
    wbemev_recording_sink_clear(f->rec);
    wbemev_dispatcher_shutdown(f->d);
    assert_no_violations(f->d);
    fx_free(f);
}

/* The example provider, unregistered by a consumer from inside its own Indicate: the provider's
 * final Release then runs on its own worker thread, which must not wait to join itself. */
struct unregisterer {
    wbemev_dispatcher_t *d;
    atomic_int calls;
};

static wbemev_status unregister_on_event(void *ctx, wbemev_object_t *event)
{
    struct unregisterer *u = ctx;
    (void)event;
    if (atomic_fetch_add(&u->calls, 1) == 0)
        wbemev_dispatcher_unregister(u->d, "BurstProvider"); /* a consumer's mistake, under record */
    return WBEMEV_S_NO_ERROR;
}

static void test_example_released_on_its_own_thread(void **state)
{
    (void)state;
    wbemev_dispatcher_t *d;
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = WBEMEV_CONTRACT_RECORD;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &d));
    assert_wbemev_ok(burst_provider_define_classes(wbemev_dispatcher_namespace(d)));
    burst_options bo = {0, 8}; /* bursts until stopped */
    wbemev_provider_t *p;
    assert_wbemev_ok(burst_provider_new(&bo, &p));
    assert_wbemev_ok(wbemev_dispatcher_register(d, "BurstProvider", p, burst_event_queries, burst_event_query_count));
    wbemev_provider_release(p); /* the dispatcher holds the only reference, as WMI would */
    struct unregisterer u = {d, 0};
    wbemev_sink_t *cb;
    assert_wbemev_ok(wbemev_callback_sink_new(unregister_on_event, NULL, &u, &cb));
    uint32_t id;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(d, "SELECT * FROM " BURST_EVENT_CLASS, cb, NULL, &id));
    /* The worker's first Indicate unregisters; its final Release runs there and returns. */
    wbemev_provider_stats ps;
    while (wbemev_dispatcher_provider_stats(d, "BurstProvider", &ps) == WBEMEV_S_NO_ERROR)
        sched_yield();
    assert_int_equal(wbemev_dispatcher_violations_of(d, WBEMEV_VIOLATION_CONSUMER_REENTRY), 1);
    wbemev_dispatcher_destroy(d); /* the worker has stopped by itself, or stops at CALL_CANCELLED */
    wbemev_sink_release(cb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sink_over_released_record),
        cmocka_unit_test(test_sink_over_released_strict),
        cmocka_unit_test(test_sink_released_twice),
        cmocka_unit_test(test_sink_over_released_policy_off),
        cmocka_unit_test(test_setstatus_in_final_release),
        cmocka_unit_test(test_setstatus_after_stop),
        cmocka_unit_test(test_indicate_after_unregister_cancel),
        cmocka_unit_test(test_indicate_after_injected_cancel),
        cmocka_unit_test(test_init_never_reported),
        cmocka_unit_test(test_consumer_reentry_sync),
        cmocka_unit_test(test_consumer_reentry_queued),
        cmocka_unit_test(test_calls_from_final_release),
        cmocka_unit_test(test_class_from_other_namespace),
        cmocka_unit_test(test_many_threads_backing_off),
        cmocka_unit_test(test_event_from_new_query),
        cmocka_unit_test(test_threads_stop_at_own_cancel),
        cmocka_unit_test(test_host_keeps_provider_past_unregister),
        cmocka_unit_test(test_example_released_on_its_own_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
