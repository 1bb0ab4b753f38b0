/*
 * tests/test_contract.c: the contract checker's gallery of bad providers, one per violation, each
 * written the way people really get it wrong (CONTRACT.md sections 3, 4 and 9). Under "strict" each
 * is reported with exactly its code and the rejected call returns the documented status. The
 * well-behaved providers run under "abort" with no report.
 */
#include "test_support.h"
#include "wbemev/testkit.h"
#include "../examples/burst_provider.h"
#include "../examples/example_thread.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------
 * A controllable clock: providers and consumers "take time" by advancing it; nothing sleeps.
 */
static atomic_uint_fast64_t fake_now = 1000000000u;
static uint64_t fake_clock(void *ctx)
{
    (void)ctx;
    return atomic_load(&fake_now);
}
static void spend_ms(uint64_t ms)
{
    atomic_fetch_add(&fake_now, ms * 1000000u);
}

/* ------------------------------------------------------------------------------------------------
 * One provider, many mistakes: each `mistake` is coded where real providers make it.
 */
enum mistake {
    GOOD,
    SETSTATUS_IN_PROVIDE,   /* instance-provider habit: SetStatus(COMPLETE) at the end */
    DEFINE_CLASS_IN_INIT,   /* "create my class on first load" */
    SUBSCRIBE_IN_NEW_QUERY, /* the provider subscribes to its own events in NewQuery */
    SINK_NOT_ADDREFED,      /* stores the raw pointer without AddRef */
    SPIN_IN_PROVIDE,        /* waits for its device inside ProvideEvents */
    SINK_KEPT_ON_RELEASE,   /* the final Release forgets to release the sink */
};

struct bad {
    wbemev_provider_t base;
    atomic_int refs;
    enum mistake mistake;
    wbemev_dispatcher_t *d;
    wbemev_sink_t *sink; /* borrowed when SINK_NOT_ADDREFED */
    wbemev_status last_status;
};

static struct bad *bad_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct bad, base);
}

static void bad_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add(&bad_from(p)->refs, 1);
}

static void bad_release(wbemev_provider_t *p)
{
    struct bad *b = bad_from(p);
    if (atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    if (b->sink != NULL && b->mistake != SINK_NOT_ADDREFED && b->mistake != SINK_KEPT_ON_RELEASE)
        wbemev_sink_release(b->sink);
    if (b->mistake != SINK_KEPT_ON_RELEASE)
        b->sink = NULL;
}

static wbemev_status bad_initialize(wbemev_provider_t *p, const wbemev_provider_init *init, wbemev_sink_t *init_sink)
{
    struct bad *b = bad_from(p);
    if (b->mistake == DEFINE_CLASS_IN_INIT) {
        const wbemev_property_def props[] = {{"Extra", WBEMEV_CIM_STRING, NULL}};
        b->last_status = wbemev_namespace_define_class(init->ns, "Late_Event", "__ExtrinsicEvent", props, 1, NULL);
    }
    wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_INITIALIZED, NULL, NULL);
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status bad_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    struct bad *b = bad_from(p);
    (void)flags;
    b->sink = b->mistake == SINK_NOT_ADDREFED ? sink : wbemev_sink_add_ref(sink);
    if (b->mistake == SETSTATUS_IN_PROVIDE)
        b->last_status = wbemev_sink_set_status(sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL);
    if (b->mistake == SPIN_IN_PROVIDE)
        spend_ms(3000);
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status bad_new_query(wbemev_provider_t *p, uint32_t id, const char *language, const char *query)
{
    struct bad *b = bad_from(p);
    (void)id, (void)language, (void)query;
    if (b->mistake == SUBSCRIBE_IN_NEW_QUERY) {
        wbemev_sink_t *rec;
        uint32_t my_id;
        assert_ok(wbemev_recording_sink_new(&rec));
        b->last_status = wbemev_dispatcher_subscribe(b->d, "SELECT * FROM Other_Event", rec, NULL, &my_id);
        wbemev_sink_release(rec);
    }
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_provider_vtbl bad_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, bad_add_ref, bad_release, bad_initialize, bad_provide_events, bad_new_query, NULL, NULL,
};

/* ------------------------------------------------------------------------------------------------
 * Fixture
 */
struct fx {
    wbemev_dispatcher_t *d;
    wbemev_class_t *sample, *other, *plain;
    wbemev_sink_t *rec;
    uint32_t sub_id;
    struct bad bad;
};

static struct fx *fx_new(wbemev_contract_policy policy, bool throttling)
{
    struct fx *f = calloc(1, sizeof *f);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = policy;
    o.clock = fake_clock;
    o.model_throttling = throttling;
    o.refire_limit = 64; /* the default, said explicitly: the refire test counts to it */
    assert_ok(wbemev_dispatcher_new(&o, &f->d));
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(f->d);
    const wbemev_property_def props[] = {{"Name", WBEMEV_CIM_STRING, NULL}, {"Severity", WBEMEV_CIM_SINT32, NULL}};
    assert_ok(wbemev_namespace_define_class(ns, "Sample_Event", "__ExtrinsicEvent", props, 2, &f->sample));
    assert_ok(wbemev_namespace_define_class(ns, "Other_Event", "__ExtrinsicEvent", props, 2, &f->other));
    assert_ok(wbemev_namespace_define_class(ns, "Plain", NULL, props, 2, &f->plain));
    assert_ok(wbemev_recording_sink_new(&f->rec));
    return f;
}

/* Registers f->bad with `mistake` for Sample_Event and subscribes to everything. */
static void fx_start(struct fx *f, enum mistake m)
{
    f->bad.base.vtbl = &bad_vtbl;
    atomic_init(&f->bad.refs, 1);
    f->bad.mistake = m;
    f->bad.d = f->d;
    const char *const list[] = {"SELECT * FROM Sample_Event"};
    assert_ok(wbemev_dispatcher_register(f->d, "BadProvider", &f->bad.base, list, 1));
    bad_release(&f->bad.base); /* the dispatcher holds the only reference now, as WMI would */
    assert_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM __ExtrinsicEvent", f->rec, NULL, &f->sub_id));
}

static void fx_free(struct fx *f)
{
    bool owns_dispatcher = f->d != NULL;
    wbemev_recording_sink_clear(f->rec);
    if (f->d != NULL)
        wbemev_dispatcher_destroy(f->d);
    wbemev_sink_release(f->rec);
    wbemev_class_release(f->sample);
    wbemev_class_release(f->other);
    wbemev_class_release(f->plain);
    free(f);
    if (owns_dispatcher) /* else the caller's dispatcher still holds the class objects */
        wbemev_test_assert_no_leaks();
}

static wbemev_object_t *event(wbemev_class_t *cls, int32_t severity)
{
    wbemev_object_t *o;
    assert_ok(wbemev_class_spawn_instance(cls, &o));
    assert_ok(wbemev_object_put_sint32(o, "Severity", severity));
    return o;
}

static void assert_first(wbemev_dispatcher_t *d, const char *provider, const char *call, const char *cls)
{
    wbemev_violation v;
    assert_ok(wbemev_dispatcher_violation_at(d, 0, &v));
    assert_string_equal(v.provider, provider);
    assert_string_equal(v.first_call, call);
    if (cls == NULL)
        assert_null(v.first_class);
    else
        assert_string_equal(v.first_class, cls);
    /* Every message names its rule and says what to change. */
    assert_non_null(v.rule);
    assert_true(strlen(v.message) > 40);
}

/* ------------------------------------------------------------------------------------------------
 * The gallery
 */
static void test_setstatus_from_provider(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, SETSTATUS_IN_PROVIDE);
    assert_status(f->bad.last_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_SET_STATUS_FROM_PROVIDER);
    assert_first(f->d, "BadProvider", "SetStatus", NULL);
    assert_int_equal(wbemev_recording_sink_status_count(f->rec), 0); /* consumers saw nothing */
    fx_free(f);
}

static void test_class_change_in_call(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, DEFINE_CLASS_IN_INIT);
    assert_status(f->bad.last_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_CLASS_CHANGE_IN_CALL);
    assert_first(f->d, "BadProvider", "Initialize", "Late_Event");
    wbemev_class_t *late;
    assert_status(wbemev_namespace_get_class(wbemev_dispatcher_namespace(f->d), "Late_Event", &late), WBEMEV_E_NOT_FOUND);
    fx_free(f);

    /* Under record the change goes through, as WMI would let it, and is reported. */
    f = fx_new(WBEMEV_CONTRACT_RECORD, false);
    fx_start(f, DEFINE_CLASS_IN_INIT);
    assert_ok(f->bad.last_status);
    assert_violation(f->d, WBEMEV_VIOLATION_CLASS_CHANGE_IN_CALL);
    fx_free(f);
}

static void test_event_call_in_call(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, SUBSCRIBE_IN_NEW_QUERY);
    assert_status(f->bad.last_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_EVENT_CALL_IN_CALL);
    assert_first(f->d, "BadProvider", "NewQuery", NULL);
    assert_int_equal(wbemev_dispatcher_subscription_count(f->d), 1);
    fx_free(f);
}

/* The "400 events" mistake of Microsoft's own sample: one object reused for every Indicate. */
static void test_object_reindicated(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    wbemev_object_t *reused = event(f->sample, 1);
    assert_ok(wbemev_sink_indicate1(f->bad.sink, reused));
    assert_status(wbemev_sink_indicate1(f->bad.sink, reused), WBEMEV_E_INVALID_OBJECT);
    assert_only_violation(f->d, WBEMEV_VIOLATION_OBJECT_REINDICATED);
    assert_first(f->d, "BadProvider", "Indicate", "Sample_Event");
    assert_int_equal(wbemev_recording_sink_count(f->rec), 1);
    wbemev_object_release(reused);
    fx_free(f);
}

static void test_duplicate_in_batch(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    wbemev_object_t *a = event(f->sample, 1), *b = event(f->sample, 2);
    wbemev_object_t *batch[] = {a, b, a};
    assert_status(wbemev_sink_indicate(f->bad.sink, 3, batch), WBEMEV_E_INVALID_PARAMETER);
    assert_only_violation(f->d, WBEMEV_VIOLATION_DUPLICATE_IN_BATCH);
    /* Rejected whole: nothing delivered, nothing frozen, and the objects can still be sent once. */
    assert_int_equal(wbemev_recording_sink_count(f->rec), 0);
    assert_false(wbemev_object_is_frozen(a));
    wbemev_object_t *fixed[] = {a, b};
    assert_ok(wbemev_sink_indicate(f->bad.sink, 2, fixed));
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 1);
    wbemev_object_release(a);
    wbemev_object_release(b);
    fx_free(f);
}

static void test_put_after_indicate(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    wbemev_object_t *o = event(f->sample, 1);
    assert_ok(wbemev_sink_indicate1(f->bad.sink, o));
    /* "Update the counter and send it again": the Put is refused. */
    assert_status(wbemev_object_put_sint32(o, "Severity", 2), WBEMEV_E_READ_ONLY);
    assert_only_violation(f->d, WBEMEV_VIOLATION_PUT_AFTER_INDICATE);
    assert_first(f->d, "BadProvider", "Put", "Sample_Event");
    wbemev_object_release(o);
    fx_free(f);
}

static void test_indicate_after_cancel(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    assert_ok(wbemev_testkit_inject_indicate_status(f->d, "BadProvider", WBEMEV_E_CALL_CANCELLED, 1));
    wbemev_object_t *o = event(f->sample, 1);
    assert_status(wbemev_sink_indicate1(f->bad.sink, o), WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 0);
    /* Ignores the stop and keeps indicating. */
    assert_status(wbemev_sink_indicate1(f->bad.sink, o), WBEMEV_E_CALL_CANCELLED);
    assert_only_violation(f->d, WBEMEV_VIOLATION_INDICATE_AFTER_CANCEL);
    assert_int_equal(wbemev_recording_sink_count(f->rec), 0);
    wbemev_object_release(o);
    fx_free(f);
}

static void test_sink_not_kept(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, SINK_NOT_ADDREFED);
    assert_only_violation(f->d, WBEMEV_VIOLATION_SINK_NOT_KEPT);
    assert_first(f->d, "BadProvider", "ProvideEvents", NULL);
    fx_free(f);
}

static void test_slow_provider_call(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, SPIN_IN_PROVIDE);
    assert_only_violation(f->d, WBEMEV_VIOLATION_SLOW_PROVIDER_CALL);
    assert_first(f->d, "BadProvider", "ProvideEvents", NULL);
    fx_free(f);
}

static void test_class_not_registered(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD); /* registered for Sample_Event only */
    wbemev_object_t *o = event(f->other, 1);
    assert_status(wbemev_sink_indicate1(f->bad.sink, o), WBEMEV_E_INVALID_CLASS);
    assert_only_violation(f->d, WBEMEV_VIOLATION_CLASS_NOT_REGISTERED);
    assert_first(f->d, "BadProvider", "Indicate", "Other_Event");
    assert_int_equal(wbemev_recording_sink_count(f->rec), 0);
    wbemev_object_release(o);
    fx_free(f);
}

static void test_not_event_class(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    wbemev_object_t *o = event(f->plain, 1);
    assert_status(wbemev_sink_indicate1(f->bad.sink, o), WBEMEV_E_NOT_EVENT_CLASS);
    assert_only_violation(f->d, WBEMEV_VIOLATION_NOT_EVENT_CLASS);
    assert_first(f->d, "BadProvider", "Indicate", "Plain");
    wbemev_object_release(o);
    fx_free(f);
}

static void test_class_object_indicated(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    /* GetObject("Sample_Event") returns the class; it was indicated without SpawnInstance. */
    assert_status(wbemev_sink_indicate1(f->bad.sink, wbemev_class_object(f->sample)), WBEMEV_E_INVALID_OBJECT);
    assert_only_violation(f->d, WBEMEV_VIOLATION_CLASS_OBJECT_INDICATED);
    fx_free(f);
}

static void test_sink_held_after_stop(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, SINK_KEPT_ON_RELEASE);
    wbemev_sink_t *leaked = f->bad.sink;
    assert_ok(wbemev_dispatcher_unregister(f->d, "BadProvider"));
    assert_only_violation(f->d, WBEMEV_VIOLATION_SINK_HELD_AFTER_STOP);
    assert_first(f->d, "BadProvider", "Release", NULL);
    /* The orphaned sink is harmless: it answers CALL_CANCELLED. */
    wbemev_object_t *o = event(f->sample, 1);
    assert_status(wbemev_sink_indicate1(leaked, o), WBEMEV_E_CALL_CANCELLED);
    wbemev_object_release(o);
    wbemev_sink_release(leaked);
    fx_free(f);
}

static void test_objects_leaked(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    /* Spawned "for later" and never released. */
    wbemev_object_t *leak = event(f->sample, 1);
    wbemev_dispatcher_shutdown(f->d);
    assert_only_violation(f->d, WBEMEV_VIOLATION_OBJECTS_LEAKED);
    assert_first(f->d, "(dispatcher)", "destroy", "Sample_Event");
    wbemev_object_release(leak);
    fx_free(f);
}

/* Consumers: one that blocks 150 ms, one that calls back into the dispatcher. */
struct consumer_ctx {
    wbemev_dispatcher_t *d;
    bool slow;
    wbemev_status reentry;
};

static wbemev_status consumer_event(void *ctx, wbemev_object_t *e)
{
    struct consumer_ctx *c = ctx;
    (void)e;
    if (c->slow)
        spend_ms(150);
    else {
        uint32_t id;
        wbemev_sink_t *rec;
        assert_ok(wbemev_recording_sink_new(&rec));
        c->reentry = wbemev_dispatcher_subscribe(c->d, "SELECT * FROM Other_Event", rec, NULL, &id);
        wbemev_sink_release(rec);
    }
    return WBEMEV_S_NO_ERROR;
}

static void test_slow_consumer(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    struct consumer_ctx c = {f->d, true, 0};
    wbemev_sink_t *cb;
    uint32_t id;
    assert_ok(wbemev_callback_sink_new(consumer_event, NULL, &c, &cb));
    assert_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Sample_Event", cb, NULL, &id));
    wbemev_object_t *o = event(f->sample, 1);
    assert_ok(wbemev_sink_indicate1(f->bad.sink, o)); /* a warning rejects nothing */
    assert_only_violation(f->d, WBEMEV_VIOLATION_SLOW_CONSUMER);
    wbemev_violation v;
    assert_ok(wbemev_dispatcher_violation_at(f->d, 0, &v));
    assert_true(v.warning);
    assert_string_equal(v.provider, "(consumer)");
    wbemev_object_release(o);
    wbemev_sink_release(cb);
    fx_free(f);
}

static void test_consumer_reentry(void **state)
{
    (void)state;
    struct fx *f = fx_new(WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    struct consumer_ctx c = {f->d, false, 0};
    wbemev_sink_t *cb;
    uint32_t id;
    assert_ok(wbemev_callback_sink_new(consumer_event, NULL, &c, &cb));
    assert_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Sample_Event", cb, NULL, &id));
    wbemev_object_t *o = event(f->sample, 1);
    assert_ok(wbemev_sink_indicate1(f->bad.sink, o));
    assert_status(c.reentry, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_CONSUMER_REENTRY);
    assert_int_equal(wbemev_dispatcher_subscription_count(f->d), 2);
    wbemev_object_release(o);
    wbemev_sink_release(cb);
    fx_free(f);
}

/* ------------------------------------------------------------------------------------------------
 * Guideline 3 with real threads: a provider whose worker refires while holding the lock its
 * CancelQuery needs (bad), and one that lets the request through before refiring (good).
 */
struct refirer {
    wbemev_provider_t base;
    atomic_int refs;
    bool good;
    wbemev_sink_t *sink;
    wbemev_class_t *cls;
    example_mutex lock; /* the provider's state lock: CancelQuery takes it too */
    example_mutex sig_lock;
    example_cond sig;
    bool holding;
    unsigned cancels; /* CancelQuery calls processed */
    unsigned busy, delivered;
    wbemev_status last;
};

static struct refirer *refirer_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct refirer, base);
}
static void refirer_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add(&refirer_from(p)->refs, 1);
}
static void refirer_release(wbemev_provider_t *p)
{
    struct refirer *r = refirer_from(p);
    if (atomic_fetch_sub(&r->refs, 1) == 1 && r->sink != NULL) {
        wbemev_sink_release(r->sink);
        r->sink = NULL;
    }
}
static wbemev_status refirer_provide(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    (void)flags;
    refirer_from(p)->sink = wbemev_sink_add_ref(sink);
    return WBEMEV_S_NO_ERROR;
}
static wbemev_status refirer_cancel(wbemev_provider_t *p, uint32_t id)
{
    struct refirer *r = refirer_from(p);
    (void)id;
    example_mutex_lock(&r->lock); /* blocks while the worker holds it */
    example_mutex_lock(&r->sig_lock);
    r->cancels++;
    example_cond_broadcast(&r->sig);
    example_mutex_unlock(&r->sig_lock);
    example_mutex_unlock(&r->lock);
    return WBEMEV_S_NO_ERROR;
}
static const wbemev_provider_vtbl refirer_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, refirer_add_ref, refirer_release, NULL, refirer_provide, NULL, refirer_cancel, NULL,
};

/* The bad worker holds its lock across Indicate and refires at once. The good one holds the lock
 * only while it builds the event, never across Indicate (CONTRACT.md section 3), and after
 * SERVER_TOO_BUSY waits until the host's request went through before refiring. */
EXAMPLE_THREAD_FN(refirer_worker)
{
    struct refirer *r = arg;
    example_mutex_lock(&r->lock);
    example_mutex_lock(&r->sig_lock);
    r->holding = true;
    example_cond_broadcast(&r->sig);
    example_mutex_unlock(&r->sig_lock);
    for (;;) {
        wbemev_object_t *o;
        if (WBEMEV_FAILED(wbemev_class_spawn_instance(r->cls, &o)))
            break;
        example_mutex_lock(&r->sig_lock);
        unsigned cancels_before = r->cancels;
        example_mutex_unlock(&r->sig_lock);
        if (r->good)
            example_mutex_unlock(&r->lock);
        wbemev_status st = wbemev_sink_indicate1(r->sink, o);
        wbemev_object_release(o);
        r->last = st;
        if (st == WBEMEV_E_SERVER_TOO_BUSY) {
            r->busy++;
            if (r->good) {
                /* A request is waiting: let it through first (guideline 3). If it already went
                 * through during our Indicate, the host is about to notice: just refire. */
                example_mutex_lock(&r->sig_lock);
                while (r->cancels == cancels_before)
                    example_cond_wait(&r->sig, &r->sig_lock);
                example_mutex_unlock(&r->sig_lock);
                example_yield();
                example_mutex_lock(&r->lock);
            }
            continue; /* the bad one refires at once, still holding the lock */
        }
        if (r->good)
            example_mutex_lock(&r->lock);
        if (WBEMEV_FAILED(st))
            break;
        r->delivered++;
        example_mutex_lock(&r->sig_lock);
        bool cancelled = r->cancels > 0;
        example_mutex_unlock(&r->sig_lock);
        /* Done once an event got through after the host's request: for the good worker the request
         * went through first; the bad one holds the lock, so its request is still waiting. */
        if (r->good ? cancelled : r->busy > 0)
            break;
    }
    example_mutex_unlock(&r->lock);
    EXAMPLE_THREAD_RETURN;
}

static void run_refirer(wbemev_contract_policy policy, bool good, struct refirer *r, wbemev_dispatcher_t **out)
{
    struct fx *f = fx_new(policy, true);
    memset(r, 0, sizeof *r);
    r->base.vtbl = &refirer_vtbl;
    atomic_init(&r->refs, 1);
    r->good = good;
    r->cls = f->sample;
    example_mutex_init(&r->lock);
    example_mutex_init(&r->sig_lock);
    example_cond_init(&r->sig);
    const char *const list[] = {"SELECT * FROM Sample_Event"};
    assert_ok(wbemev_dispatcher_register(f->d, "Refirer", &r->base, list, 1));
    refirer_release(&r->base);
    wbemev_sink_t *counter;
    uint32_t id;
    assert_ok(wbemev_testkit_failing_consumer_new(SIZE_MAX, WBEMEV_E_FAILED, &counter));
    assert_ok(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Sample_Event", counter, NULL, &id));

    example_thread t;
    assert_int_equal(example_thread_start(&t, refirer_worker, r), 0);
    example_mutex_lock(&r->sig_lock);
    while (!r->holding)
        example_cond_wait(&r->sig, &r->sig_lock);
    example_mutex_unlock(&r->sig_lock);
    /* The CancelQuery of this unsubscribe waits for the provider's lock. */
    assert_ok(wbemev_dispatcher_unsubscribe(f->d, id));
    example_thread_join(t);
    assert_int_equal(r->cancels, 1);

    wbemev_recording_sink_clear(counter);
    wbemev_sink_release(counter);
    *out = f->d;
    f->d = NULL;
    fx_free(f);
}

static void test_refire_while_pending(void **state)
{
    (void)state;
    struct refirer r;
    wbemev_dispatcher_t *d;
    /* Bad, strict: reported, then cancelled, so it stops instead of spinning forever. */
    run_refirer(WBEMEV_CONTRACT_STRICT, false, &r, &d);
    assert_only_violation(d, WBEMEV_VIOLATION_REFIRE_WHILE_PENDING);
    assert_first(d, "Refirer", "Indicate", NULL);
    assert_status(r.last, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(r.busy, 63); /* the 64th refire was the one reported */
    wbemev_dispatcher_destroy(d);
    /* Bad, record: reported, then let through, as WMI eventually accepts the event. */
    run_refirer(WBEMEV_CONTRACT_RECORD, false, &r, &d);
    assert_only_violation(d, WBEMEV_VIOLATION_REFIRE_WHILE_PENDING);
    assert_ok(r.last);
    wbemev_dispatcher_destroy(d);
    wbemev_test_assert_no_leaks();
}

static void test_refire_after_processing_is_clean(void **state)
{
    (void)state;
    struct refirer r;
    wbemev_dispatcher_t *d;
    run_refirer(WBEMEV_CONTRACT_ABORT, true, &r, &d); /* any violation would abort the test */
    /* Whether this worker met SERVER_TOO_BUSY depends on the interleaving; either way it is clean,
     * because it never held its lock across Indicate and refired only after the request. */
    assert_int_equal(wbemev_dispatcher_violation_count(d), 0);
    assert_ok(r.last);
    assert_true(r.busy < 64);
    wbemev_dispatcher_destroy(d);
    wbemev_test_assert_no_leaks();
}

/* ------------------------------------------------------------------------------------------------
 * The well-behaved burst provider (examples/burst_provider.c) under "abort": clone per event,
 * honours CALL_CANCELLED and SERVER_TOO_BUSY, releases its sink on stop.
 */
static void test_well_behaved_provider_under_abort(void **state)
{
    (void)state;
    for (int scenario = 0; scenario < 3; scenario++) {
        wbemev_dispatcher_options o;
        wbemev_dispatcher_options_init(&o);
        o.contract = WBEMEV_CONTRACT_ABORT;
        o.model_throttling = true;
        wbemev_dispatcher_t *d;
        assert_ok(wbemev_dispatcher_new(&o, &d));
        assert_int_equal(wbemev_dispatcher_contract_policy(d), WBEMEV_CONTRACT_ABORT);
        assert_ok(burst_provider_define_classes(wbemev_dispatcher_namespace(d)));
        wbemev_provider_t *p;
        burst_options bo = {4, 400};
        assert_ok(burst_provider_new(&bo, &p));
        assert_ok(wbemev_dispatcher_register(d, "Burst", p, burst_event_queries, burst_event_query_count));
        if (scenario == 1) /* the host is busy for a while: the provider refires */
            assert_ok(wbemev_testkit_inject_indicate_status(d, "Burst", WBEMEV_E_SERVER_TOO_BUSY, 5));
        if (scenario == 2) /* the host stops it after two bursts */
            assert_ok(wbemev_testkit_inject_indicate_status(d, "Burst", WBEMEV_E_CALL_CANCELLED, 1));
        wbemev_sink_t *rec;
        uint32_t id;
        assert_ok(wbemev_recording_sink_new(&rec));
        assert_ok(wbemev_dispatcher_subscribe(d, "SELECT * FROM Burst_Event WHERE Burst >= 0", rec, NULL, &id));
        unsigned long long accepted = burst_provider_wait(p);
        if (scenario == 2) {
            assert_int_equal(accepted, 0);
            assert_int_equal(wbemev_recording_sink_count(rec), 0);
        } else {
            assert_int_equal(accepted, 1600);
            assert_int_equal(wbemev_testkit_count(rec, "Burst_Event"), 1600);
            assert_non_null(wbemev_testkit_find(rec, "Burst_Event", "Sequence", &WBEMEV_V_UINT64(1599)));
            assert_null(wbemev_testkit_find(rec, "Burst_Event", "Sequence", &WBEMEV_V_UINT64(1600)));
        }
        wbemev_recording_sink_clear(rec); /* consumers let go of events before the leak check */
        wbemev_provider_release(p);
        wbemev_dispatcher_shutdown(d);
        assert_no_violations(d);
        wbemev_dispatcher_destroy(d);
        assert_int_equal(wbemev_recording_sink_status_count(rec), 1);
        wbemev_sink_release(rec);
    }
    wbemev_test_assert_no_leaks();
}

static void test_policy_parsing_and_off(void **state)
{
    (void)state;
    wbemev_contract_policy p;
    assert_ok(wbemev_contract_policy_from_name("STRICT", &p));
    assert_int_equal(p, WBEMEV_CONTRACT_STRICT);
    assert_ok(wbemev_contract_policy_from_name("off", &p));
    assert_int_equal(p, WBEMEV_CONTRACT_OFF);
    assert_status(wbemev_contract_policy_from_name("loose", &p), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_contract_policy_from_name(NULL, &p), WBEMEV_E_INVALID_PARAMETER);
    for (int i = WBEMEV_CONTRACT_OFF; i <= WBEMEV_CONTRACT_ABORT; i++) { /* the names parse back */
        assert_ok(wbemev_contract_policy_from_name(wbemev_contract_policy_name((wbemev_contract_policy)i), &p));
        assert_int_equal(p, i);
    }
    assert_string_equal(wbemev_contract_policy_name(WBEMEV_CONTRACT_RECORD), "record");
    assert_string_equal(wbemev_violation_name(WBEMEV_VIOLATION_OBJECT_REINDICATED), "OBJECT_REINDICATED");
    assert_null(wbemev_violation_name((wbemev_violation_code)999));

    /* Under "off" the reused object goes through twice and nothing is recorded. */
    struct fx *f = fx_new(WBEMEV_CONTRACT_OFF, false);
    fx_start(f, SETSTATUS_IN_PROVIDE);
    wbemev_object_t *reused = event(f->sample, 1);
    assert_ok(wbemev_sink_indicate1(f->bad.sink, reused));
    assert_ok(wbemev_sink_indicate1(f->bad.sink, reused));
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 0);
    assert_int_equal(wbemev_recording_sink_count(f->rec), 2);
    wbemev_object_release(reused);
    fx_free(f);

    /* Under "record" the same is delivered and reported, each kind once with its count. */
    f = fx_new(WBEMEV_CONTRACT_RECORD, false);
    fx_start(f, GOOD);
    reused = event(f->sample, 1);
    for (int i = 0; i < 3; i++)
        assert_ok(wbemev_sink_indicate1(f->bad.sink, reused));
    assert_int_equal(wbemev_recording_sink_count(f->rec), 3);
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 1);
    assert_int_equal(wbemev_dispatcher_violations_of(f->d, WBEMEV_VIOLATION_OBJECT_REINDICATED), 2);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    assert_int_equal(wbemev_dispatcher_report(f->d, tmp), 1);
    rewind(tmp);
    char report[2048] = {0};
    size_t n = fread(report, 1, sizeof report - 1, tmp);
    fclose(tmp);
    assert_true(n > 0);
    assert_non_null(strstr(report, "OBJECT_REINDICATED"));
    assert_non_null(strstr(report, "x2"));
    assert_non_null(strstr(report, "clone the template"));
    assert_non_null(strstr(report, "BadProvider"));
    wbemev_violation v;
    assert_status(wbemev_dispatcher_violation_at(f->d, 1, &v), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_violation_at(f->d, 0, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(wbemev_dispatcher_report(NULL, stderr), 0);
    assert_status(wbemev_testkit_inject_indicate_status(f->d, "nobody", WBEMEV_E_FAILED, 1), WBEMEV_E_NOT_FOUND);
    assert_status(wbemev_testkit_inject_indicate_status(f->d, "BadProvider", WBEMEV_S_NO_ERROR, 1),
                  WBEMEV_E_INVALID_PARAMETER);
    wbemev_object_release(reused);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setstatus_from_provider),
        cmocka_unit_test(test_class_change_in_call),
        cmocka_unit_test(test_event_call_in_call),
        cmocka_unit_test(test_object_reindicated),
        cmocka_unit_test(test_duplicate_in_batch),
        cmocka_unit_test(test_put_after_indicate),
        cmocka_unit_test(test_indicate_after_cancel),
        cmocka_unit_test(test_sink_not_kept),
        cmocka_unit_test(test_slow_provider_call),
        cmocka_unit_test(test_class_not_registered),
        cmocka_unit_test(test_not_event_class),
        cmocka_unit_test(test_class_object_indicated),
        cmocka_unit_test(test_sink_held_after_stop),
        cmocka_unit_test(test_objects_leaked),
        cmocka_unit_test(test_slow_consumer),
        cmocka_unit_test(test_consumer_reentry),
        cmocka_unit_test(test_refire_while_pending),
        cmocka_unit_test(test_refire_after_processing_is_clean),
        cmocka_unit_test(test_well_behaved_provider_under_abort),
        cmocka_unit_test(test_policy_parsing_and_off),
    };
    return cmocka_run_group_tests_name("contract", tests, NULL, NULL);
}
