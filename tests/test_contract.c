/*
 * tests/test_contract.c: the contract checker's gallery of bad providers, one per violation, each
 * written the way people really get it wrong (docs/contract.md#violation-codes). Under "strict" each
 * is reported with exactly its code and the rejected call returns the documented status. The
 * well-behaved providers run under "abort" with no report. Then the harder cases: mistakes that
 * used to be missed or to crash the host, and good patterns that used to raise false alarms.
 */
#include "test_support.h"
#include "wbemev/testkit.h"
#include "../examples/burst_provider.h"
#include "../examples/example_thread.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------------------------------
 * One provider, many mistakes: each `mistake` is coded where real providers make it, on the fake
 * provider (tests/support/fake_provider.h): a hook inside its calls, or a sink mode.
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

/* ------------------------------------------------------------------------------------------------
 * Fixture: the fakes (the gallery's provider, made by fx_open) and a controllable clock, on which
 * providers and consumers "take time" by advancing it: nothing sleeps. A test opens the dispatcher
 * with the policy it needs (fx_open), and may close it and open another (fx_close).
 */
struct fx {
    wbemev_dispatcher_t *d;
    wbemev_class_t *sample, *other, *plain;
    wbemev_sink_t *rec;
    uint32_t sub_id;
    test_fakes fakes;
    fake_provider *bad;
    enum mistake mistake;
    wbemev_status last_status; /* of the mistaken call */
    manual_clock clock;
    size_t allocs;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    manual_clock_init(&f->clock, 1000000000u);
    f->allocs = wbemev_live_allocations();
    *state = f;
    return 0;
}

static void fx_open(struct fx *f, wbemev_contract_policy policy, bool throttling)
{
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = policy;
    manual_clock_install(&f->clock, &o);
    o.model_throttling = throttling;
    o.refire_limit = 64; /* the default, said explicitly: the refire test counts to it */
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &f->d));
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(f->d);
    const wbemev_property_def props[] = {{"Name", WBEMEV_CIM_STRING, NULL}, {"Severity", WBEMEV_CIM_SINT32, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Sample_Event", "__ExtrinsicEvent", props, 2, &f->sample));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Other_Event", "__ExtrinsicEvent", props, 2, &f->other));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Plain", NULL, props, 2, &f->plain));
    assert_wbemev_ok(wbemev_recording_sink_new(&f->rec));
    f->bad = test_fakes_provider(&f->fakes);
}

/* The mistakes made inside the provider's calls. */
static void mistake_hook(void *ctx, fake_provider *p, const fake_call_args *call)
{
    struct fx *f = ctx;
    (void)p;
    if (f->mistake == DEFINE_CLASS_IN_INIT && call->call == FAKE_CALL_INITIALIZE) {
        const wbemev_property_def props[] = {{"Extra", WBEMEV_CIM_STRING, NULL}};
        f->last_status =
            wbemev_namespace_define_class(call->init->ns, "Late_Event", "__ExtrinsicEvent", props, 1, NULL);
    }
    if (f->mistake == SETSTATUS_IN_PROVIDE && call->call == FAKE_CALL_PROVIDE_EVENTS)
        f->last_status = wbemev_sink_set_status(call->sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL);
    if (f->mistake == SPIN_IN_PROVIDE && call->call == FAKE_CALL_PROVIDE_EVENTS)
        manual_clock_advance_ms(&f->clock, 3000);
    if (f->mistake == SUBSCRIBE_IN_NEW_QUERY && call->call == FAKE_CALL_NEW_QUERY) {
        wbemev_sink_t *rec;
        uint32_t my_id;
        assert_wbemev_ok(wbemev_recording_sink_new(&rec));
        f->last_status = wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Other_Event", rec, NULL, &my_id);
        wbemev_sink_release(rec);
    }
}

/* Registers f->bad with `mistake` for Sample_Event and subscribes to everything. It has Initialize
 * (ready at once), ProvideEvents and NewQuery. */
static void fx_start(struct fx *f, enum mistake m)
{
    f->mistake = m;
    fake_provider_set_methods(f->bad, FAKE_PROVIDER_INITIALIZE | FAKE_PROVIDER_NEW_QUERY);
    fake_provider_set_hook(f->bad, mistake_hook, f);
    if (m == SINK_NOT_ADDREFED)
        fake_provider_set_sink_mode(f->bad, FAKE_SINK_BORROW);
    if (m == SINK_KEPT_ON_RELEASE)
        fake_provider_set_sink_mode(f->bad, FAKE_SINK_LEAK);
    const char *const list[] = {"SELECT * FROM Sample_Event"};
    assert_wbemev_status(wbemev_dispatcher_register(f->d, "BadProvider", fake_provider_base(f->bad), list, 1),
                         WBEMEV_S_NO_ERROR);
    fake_provider_release(f->bad); /* the dispatcher holds the only reference now, as WMI would */
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM __ExtrinsicEvent", f->rec, NULL, &f->sub_id),
                         WBEMEV_S_NO_ERROR);
}

/* Destroys the dispatcher (unless the test already did) and what fx_open made but the fakes. */
static void fx_close(struct fx *f)
{
    if (f->rec == NULL)
        return;
    wbemev_recording_sink_clear(f->rec);
    if (f->d != NULL)
        wbemev_dispatcher_destroy(f->d);
    f->d = NULL;
    wbemev_sink_release(f->rec);
    f->rec = NULL;
    wbemev_class_release(f->sample);
    wbemev_class_release(f->other);
    wbemev_class_release(f->plain);
    f->mistake = GOOD;
    f->last_status = WBEMEV_S_NO_ERROR;
    wbemev_test_assert_no_leaks();
}

static int teardown(void **state)
{
    struct fx *f = *state;
    fx_close(f);
    test_fakes_teardown(&f->fakes); /* each provider had its final release and let go of its sink */
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), f->allocs);
    free(f);
    return 0;
}

static wbemev_object_t *event(wbemev_class_t *cls, int32_t severity)
{
    wbemev_object_t *o;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &o));
    assert_wbemev_ok(wbemev_object_put_sint32(o, "Severity", severity));
    return o;
}

/* The host call the first violation happened inside. */
static void assert_inside(wbemev_dispatcher_t *d, const char *inside)
{
    wbemev_violation v;
    assert_wbemev_ok(wbemev_dispatcher_violation_at(d, 0, &v));
    assert_non_null(v.inside);
    assert_string_equal(v.inside, inside);
}

static void assert_first(wbemev_dispatcher_t *d, const char *provider, const char *call, const char *cls)
{
    wbemev_violation v;
    assert_wbemev_ok(wbemev_dispatcher_violation_at(d, 0, &v));
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
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, SETSTATUS_IN_PROVIDE);
    assert_wbemev_status(f->last_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_SET_STATUS_FROM_PROVIDER);
    assert_first(f->d, "BadProvider", "SetStatus", NULL);
    assert_int_equal(wbemev_recording_sink_status_count(f->rec), 0); /* consumers saw nothing */
    fx_close(f);
}

static void test_class_change_in_call(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, DEFINE_CLASS_IN_INIT);
    assert_wbemev_status(f->last_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_CLASS_CHANGE_IN_CALL);
    assert_first(f->d, "BadProvider", "define class", "Late_Event");
    assert_inside(f->d, "Initialize");
    wbemev_class_t *late;
    assert_wbemev_status(wbemev_namespace_get_class(wbemev_dispatcher_namespace(f->d), "Late_Event", &late), WBEMEV_E_NOT_FOUND);
    fx_close(f);

    /* Under record the change goes through, as WMI would let it, and is reported. */
    fx_open(f, WBEMEV_CONTRACT_RECORD, false);
    fx_start(f, DEFINE_CLASS_IN_INIT);
    assert_wbemev_status(f->last_status, WBEMEV_S_NO_ERROR);
    assert_violation(f->d, WBEMEV_VIOLATION_CLASS_CHANGE_IN_CALL);
    fx_close(f);
}

static void test_event_call_in_call(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, SUBSCRIBE_IN_NEW_QUERY);
    assert_wbemev_status(f->last_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_EVENT_CALL_IN_CALL);
    assert_first(f->d, "BadProvider", "subscribe", NULL);
    assert_inside(f->d, "NewQuery");
    assert_int_equal(wbemev_dispatcher_subscription_count(f->d), 1);
    fx_close(f);
}

/* The "400 events" mistake of Microsoft's own sample: one object reused for every Indicate. */
static void test_object_reindicated(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    wbemev_object_t *reused = event(f->sample, 1);
    assert_wbemev_status(fake_provider_indicate1(f->bad, reused), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(fake_provider_indicate1(f->bad, reused), WBEMEV_E_INVALID_OBJECT);
    assert_only_violation(f->d, WBEMEV_VIOLATION_OBJECT_REINDICATED);
    assert_first(f->d, "BadProvider", "Indicate", "Sample_Event");
    assert_int_equal(wbemev_recording_sink_count(f->rec), 1);
    wbemev_object_release(reused);
    fx_close(f);
}

static void test_duplicate_in_batch(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    wbemev_object_t *a = event(f->sample, 1), *b = event(f->sample, 2);
    wbemev_object_t *batch[] = {a, b, a};
    assert_wbemev_status(fake_provider_indicate(f->bad, 3, batch), WBEMEV_E_INVALID_PARAMETER);
    assert_only_violation(f->d, WBEMEV_VIOLATION_DUPLICATE_IN_BATCH);
    /* Rejected whole: nothing delivered, nothing frozen, and the objects can still be sent once. */
    assert_int_equal(wbemev_recording_sink_count(f->rec), 0);
    assert_false(wbemev_object_is_frozen(a));
    wbemev_object_t *fixed[] = {a, b};
    assert_wbemev_status(fake_provider_indicate(f->bad, 2, fixed), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 1);
    wbemev_object_release(a);
    wbemev_object_release(b);
    fx_close(f);
}

static void test_put_after_indicate(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    wbemev_object_t *o = event(f->sample, 1);
    assert_wbemev_status(fake_provider_indicate1(f->bad, o), WBEMEV_S_NO_ERROR);
    /* "Update the counter and send it again": the Put is refused. */
    assert_wbemev_status(wbemev_object_put_sint32(o, "Severity", 2), WBEMEV_E_READ_ONLY);
    assert_only_violation(f->d, WBEMEV_VIOLATION_PUT_AFTER_INDICATE);
    assert_first(f->d, "BadProvider", "Put", "Sample_Event");
    wbemev_object_release(o);
    fx_close(f);
}

static void test_indicate_after_cancel(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    assert_wbemev_ok(wbemev_testkit_inject_indicate_status(f->d, "BadProvider", WBEMEV_E_CALL_CANCELLED, 1));
    wbemev_object_t *o = event(f->sample, 1);
    assert_wbemev_status(fake_provider_indicate1(f->bad, o), WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 0);
    /* Ignores the stop and keeps indicating. */
    assert_wbemev_status(fake_provider_indicate1(f->bad, o), WBEMEV_E_CALL_CANCELLED);
    assert_only_violation(f->d, WBEMEV_VIOLATION_INDICATE_AFTER_CANCEL);
    assert_int_equal(wbemev_recording_sink_count(f->rec), 0);
    wbemev_object_release(o);
    fx_close(f);
}

static void test_sink_not_kept(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, SINK_NOT_ADDREFED);
    assert_only_violation(f->d, WBEMEV_VIOLATION_SINK_NOT_KEPT);
    assert_first(f->d, "BadProvider", "ProvideEvents", NULL);
    fx_close(f);
}

static void test_slow_provider_call(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, SPIN_IN_PROVIDE);
    assert_only_violation(f->d, WBEMEV_VIOLATION_SLOW_PROVIDER_CALL);
    assert_first(f->d, "BadProvider", "ProvideEvents", NULL);
    fx_close(f);
}

static void test_class_not_registered(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD); /* registered for Sample_Event only */
    wbemev_object_t *o = event(f->other, 1);
    assert_wbemev_status(fake_provider_indicate1(f->bad, o), WBEMEV_E_INVALID_CLASS);
    assert_only_violation(f->d, WBEMEV_VIOLATION_CLASS_NOT_REGISTERED);
    assert_first(f->d, "BadProvider", "Indicate", "Other_Event");
    assert_int_equal(wbemev_recording_sink_count(f->rec), 0);
    wbemev_object_release(o);
    fx_close(f);
}

static void test_not_event_class(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    wbemev_object_t *o = event(f->plain, 1);
    assert_wbemev_status(fake_provider_indicate1(f->bad, o), WBEMEV_E_NOT_EVENT_CLASS);
    assert_only_violation(f->d, WBEMEV_VIOLATION_NOT_EVENT_CLASS);
    assert_first(f->d, "BadProvider", "Indicate", "Plain");
    wbemev_object_release(o);
    fx_close(f);
}

static void test_class_object_indicated(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    /* GetObject("Sample_Event") returns the class; it was indicated without SpawnInstance. */
    assert_wbemev_status(fake_provider_indicate1(f->bad, wbemev_class_object(f->sample)), WBEMEV_E_INVALID_OBJECT);
    assert_only_violation(f->d, WBEMEV_VIOLATION_CLASS_OBJECT_INDICATED);
    fx_close(f);
}

static void test_sink_held_after_stop(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, SINK_KEPT_ON_RELEASE);
    wbemev_sink_t *leaked = fake_provider_sink(f->bad);
    assert_wbemev_status(wbemev_dispatcher_unregister(f->d, "BadProvider"), WBEMEV_S_NO_ERROR);
    /* The orphaned sink is harmless: it answers CALL_CANCELLED. */
    wbemev_object_t *o = event(f->sample, 1);
    assert_wbemev_status(wbemev_sink_indicate1(leaked, o), WBEMEV_E_CALL_CANCELLED);
    wbemev_object_release(o);
    /* Someone else might still hold the provider (and so, rightly, its sink) after unregister: the
     * check is made once the host is done, at shutdown. */
    assert_no_violations(f->d);
    wbemev_dispatcher_shutdown(f->d);
    assert_only_violation(f->d, WBEMEV_VIOLATION_SINK_HELD_AFTER_STOP);
    assert_first(f->d, "BadProvider", "Release", NULL);
    wbemev_sink_release(leaked);
    fx_close(f);
}

static void test_objects_leaked(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    /* Spawned "for later" and never released; two more the consumer keeps, and says so. */
    wbemev_object_t *leak = event(f->sample, 1), *kept[2] = {event(f->sample, 2), event(f->sample, 3)};
    wbemev_object_t *leak2 = event(f->sample, 4);
    for (int i = 0; i < 2; i++)
        wbemev_object_note_held(kept[i], true);
    wbemev_dispatcher_shutdown(f->d);
    assert_only_violation(f->d, WBEMEV_VIOLATION_OBJECTS_LEAKED);
    assert_first(f->d, "(dispatcher)", "shutdown", "Sample_Event");
    /* One occurrence per object leaked, not counting those a consumer holds. */
    assert_int_equal(wbemev_dispatcher_violations_of(f->d, WBEMEV_VIOLATION_OBJECTS_LEAKED), 2);
    for (int i = 0; i < 2; i++) {
        wbemev_object_note_held(kept[i], false);
        wbemev_object_release(kept[i]);
    }
    wbemev_object_release(leak);
    wbemev_object_release(leak2);
    fx_close(f);
}

/* Consumers: one that blocks 150 ms, one that calls back into the dispatcher. */
struct consumer_ctx {
    wbemev_dispatcher_t *d;
    manual_clock *clock;
    bool slow;
    wbemev_status reentry;
};

static wbemev_status consumer_event(void *ctx, wbemev_object_t *e)
{
    struct consumer_ctx *c = ctx;
    (void)e;
    if (c->slow)
        manual_clock_advance_ms(c->clock, 150);
    else {
        uint32_t id;
        wbemev_sink_t *rec;
        assert_wbemev_ok(wbemev_recording_sink_new(&rec));
        c->reentry = wbemev_dispatcher_subscribe(c->d, "SELECT * FROM Other_Event", rec, NULL, &id);
        wbemev_sink_release(rec);
    }
    return WBEMEV_S_NO_ERROR;
}

static void test_slow_consumer(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    struct consumer_ctx c = {f->d, &f->clock, true, 0};
    wbemev_sink_t *cb;
    uint32_t id;
    assert_wbemev_ok(wbemev_callback_sink_new(consumer_event, NULL, &c, &cb));
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Sample_Event", cb, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    wbemev_object_t *o = event(f->sample, 1);
    assert_wbemev_status(fake_provider_indicate1(f->bad, o), WBEMEV_S_NO_ERROR); /* a warning rejects nothing */
    assert_only_violation(f->d, WBEMEV_VIOLATION_SLOW_CONSUMER);
    wbemev_violation v;
    assert_wbemev_ok(wbemev_dispatcher_violation_at(f->d, 0, &v));
    assert_true(v.warning);
    assert_string_equal(v.provider, "(consumer)");
    wbemev_object_release(o);
    wbemev_sink_release(cb);
    fx_close(f);
}

static void test_consumer_reentry(void **state)
{
    struct fx *f = *state;
    fx_open(f, WBEMEV_CONTRACT_STRICT, false);
    fx_start(f, GOOD);
    struct consumer_ctx c = {f->d, &f->clock, false, 0};
    wbemev_sink_t *cb;
    uint32_t id;
    assert_wbemev_ok(wbemev_callback_sink_new(consumer_event, NULL, &c, &cb));
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Sample_Event", cb, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    wbemev_object_t *o = event(f->sample, 1);
    assert_wbemev_status(fake_provider_indicate1(f->bad, o), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(c.reentry, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_CONSUMER_REENTRY);
    assert_int_equal(wbemev_dispatcher_subscription_count(f->d), 2);
    wbemev_object_release(o);
    wbemev_sink_release(cb);
    fx_close(f);
}

/* ------------------------------------------------------------------------------------------------
 * Guideline 3 with real threads: a provider whose worker refires while holding the lock its
 * CancelQuery needs (bad), and one that lets the request through before refiring (good).
 */
struct refirer {
    fake_provider *p; /* ProvideEvents and CancelQuery only; the hook is CancelQuery's work */
    bool good;
    wbemev_class_t *cls;
    example_mutex lock; /* the provider's state lock: CancelQuery takes it too */
    example_mutex sig_lock;
    example_cond sig;
    bool holding;
    unsigned cancels; /* CancelQuery calls processed */
    unsigned busy, delivered;
    wbemev_status last;
};

static void refirer_cancel(void *ctx, fake_provider *p, const fake_call_args *call)
{
    struct refirer *r = ctx;
    (void)p;
    if (call->call != FAKE_CALL_CANCEL_QUERY)
        return;
    example_mutex_lock(&r->lock); /* blocks while the worker holds it */
    example_mutex_lock(&r->sig_lock);
    r->cancels++;
    example_cond_broadcast(&r->sig);
    example_mutex_unlock(&r->sig_lock);
    example_mutex_unlock(&r->lock);
}

/* The bad worker holds its lock across Indicate and refires at once. The good one holds the lock
 * only while it builds the event, never across Indicate (docs/contract.md#indicate), and after
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
        wbemev_status st = fake_provider_indicate1(r->p, o);
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

/* Opens f's dispatcher with `policy` and runs the refirer on it until its subscription is gone. */
static void run_refirer(struct fx *f, wbemev_contract_policy policy, bool good, struct refirer *r)
{
    fx_open(f, policy, true);
    memset(r, 0, sizeof *r);
    r->p = test_fakes_provider(&f->fakes);
    fake_provider_set_methods(r->p, FAKE_PROVIDER_CANCEL_QUERY);
    fake_provider_set_hook(r->p, refirer_cancel, r);
    r->good = good;
    r->cls = f->sample;
    example_mutex_init(&r->lock);
    example_mutex_init(&r->sig_lock);
    example_cond_init(&r->sig);
    const char *const list[] = {"SELECT * FROM Sample_Event"};
    assert_wbemev_status(wbemev_dispatcher_register(f->d, "Refirer", fake_provider_base(r->p), list, 1),
                         WBEMEV_S_NO_ERROR);
    fake_provider_release(r->p); /* the dispatcher holds the only reference now */
    wbemev_sink_t *counter;
    uint32_t id;
    assert_wbemev_ok(wbemev_testkit_failing_consumer_new(SIZE_MAX, WBEMEV_E_FAILED, &counter));
    assert_wbemev_status(wbemev_dispatcher_subscribe(f->d, "SELECT * FROM Sample_Event", counter, NULL, &id),
                         WBEMEV_S_NO_ERROR);

    example_thread t;
    assert_int_equal(example_thread_start(&t, refirer_worker, r), 0);
    example_mutex_lock(&r->sig_lock);
    while (!r->holding)
        example_cond_wait(&r->sig, &r->sig_lock);
    example_mutex_unlock(&r->sig_lock);
    /* The CancelQuery of this unsubscribe waits for the provider's lock. */
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(f->d, id), WBEMEV_S_NO_ERROR);
    example_thread_join(t);
    assert_int_equal(r->cancels, 1);

    wbemev_recording_sink_clear(counter);
    wbemev_sink_release(counter);
}

static void test_refire_while_pending(void **state)
{
    struct fx *f = *state;
    struct refirer r;
    /* Bad, strict: reported, then cancelled, so it stops instead of spinning forever. */
    run_refirer(f, WBEMEV_CONTRACT_STRICT, false, &r);
    assert_only_violation(f->d, WBEMEV_VIOLATION_REFIRE_WHILE_PENDING);
    assert_first(f->d, "Refirer", "Indicate", NULL);
    assert_wbemev_status(r.last, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(r.busy, 63); /* the 64th refire was the one reported */
    fx_close(f);
    /* Bad, record: reported, then let through, as WMI eventually accepts the event. */
    run_refirer(f, WBEMEV_CONTRACT_RECORD, false, &r);
    assert_only_violation(f->d, WBEMEV_VIOLATION_REFIRE_WHILE_PENDING);
    assert_wbemev_status(r.last, WBEMEV_S_NO_ERROR);
    fx_close(f);
}

static void test_refire_after_processing_is_clean(void **state)
{
    struct fx *f = *state;
    struct refirer r;
    run_refirer(f, WBEMEV_CONTRACT_ABORT, true, &r); /* any violation would abort the test */
    /* Whether this worker met SERVER_TOO_BUSY depends on the interleaving; either way it is clean,
     * because it never held its lock across Indicate and refired only after the request. */
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 0);
    assert_wbemev_status(r.last, WBEMEV_S_NO_ERROR);
    assert_true(r.busy < 64);
    fx_close(f);
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
        assert_wbemev_ok(wbemev_dispatcher_new(&o, &d));
        assert_int_equal(wbemev_dispatcher_contract_policy(d), WBEMEV_CONTRACT_ABORT);
        assert_wbemev_ok(burst_provider_define_classes(wbemev_dispatcher_namespace(d)));
        wbemev_provider_t *p;
        burst_options bo = {4, 400};
        assert_wbemev_ok(burst_provider_new(&bo, &p));
        assert_wbemev_status(wbemev_dispatcher_register(d, "Burst", p, burst_event_queries, burst_event_query_count),
                             WBEMEV_S_NO_ERROR);
        if (scenario == 1) /* the host is busy for a while: the provider refires */
            assert_wbemev_ok(wbemev_testkit_inject_indicate_status(d, "Burst", WBEMEV_E_SERVER_TOO_BUSY, 5));
        if (scenario == 2) /* the host stops it after two bursts */
            assert_wbemev_ok(wbemev_testkit_inject_indicate_status(d, "Burst", WBEMEV_E_CALL_CANCELLED, 1));
        wbemev_sink_t *rec;
        uint32_t id;
        assert_wbemev_ok(wbemev_recording_sink_new(&rec));
        assert_wbemev_status(wbemev_dispatcher_subscribe(d, "SELECT * FROM Burst_Event WHERE Burst >= 0", rec, NULL, &id),
                             WBEMEV_S_NO_ERROR);
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
    struct fx *f = *state;
    wbemev_contract_policy p;
    assert_wbemev_ok(wbemev_contract_policy_from_name("STRICT", &p));
    assert_int_equal(p, WBEMEV_CONTRACT_STRICT);
    assert_wbemev_ok(wbemev_contract_policy_from_name("off", &p));
    assert_int_equal(p, WBEMEV_CONTRACT_OFF);
    assert_wbemev_status(wbemev_contract_policy_from_name("loose", &p), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_contract_policy_from_name(NULL, &p), WBEMEV_E_INVALID_PARAMETER);
    for (int i = WBEMEV_CONTRACT_OFF; i <= WBEMEV_CONTRACT_ABORT; i++) { /* the names parse back */
        assert_wbemev_ok(wbemev_contract_policy_from_name(wbemev_contract_policy_name((wbemev_contract_policy)i), &p));
        assert_int_equal(p, i);
    }
    assert_string_equal(wbemev_contract_policy_name(WBEMEV_CONTRACT_RECORD), "record");
    assert_string_equal(wbemev_violation_name(WBEMEV_VIOLATION_OBJECT_REINDICATED), "OBJECT_REINDICATED");
    assert_null(wbemev_violation_name((wbemev_violation_code)999));

    /* Under "off" the reused object goes through twice and nothing is recorded. */
    fx_open(f, WBEMEV_CONTRACT_OFF, false);
    fx_start(f, SETSTATUS_IN_PROVIDE);
    wbemev_object_t *reused = event(f->sample, 1);
    assert_wbemev_status(fake_provider_indicate1(f->bad, reused), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(fake_provider_indicate1(f->bad, reused), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 0);
    assert_int_equal(wbemev_recording_sink_count(f->rec), 2);
    wbemev_object_release(reused);
    fx_close(f);

    /* Under "record" the same is delivered and reported, each kind once with its count. */
    fx_open(f, WBEMEV_CONTRACT_RECORD, false);
    fx_start(f, GOOD);
    reused = event(f->sample, 1);
    for (int i = 0; i < 3; i++)
        assert_wbemev_status(fake_provider_indicate1(f->bad, reused), WBEMEV_S_NO_ERROR);
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
    assert_wbemev_status(wbemev_dispatcher_violation_at(f->d, 1, &v), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_violation_at(f->d, 0, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(wbemev_dispatcher_report(NULL, stderr), 0);
    assert_wbemev_status(wbemev_testkit_inject_indicate_status(f->d, "nobody", WBEMEV_E_FAILED, 1), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_testkit_inject_indicate_status(f->d, "BadProvider", WBEMEV_S_NO_ERROR, 1),
                  WBEMEV_E_INVALID_PARAMETER);
    wbemev_object_release(reused);
    fx_close(f);
}

/* ================================================================================================
 * The harder cases. Bad providers that used to be missed or to crash the host (over-released
 * sinks, SetStatus at stop, Indicate after any CALL_CANCELLED, an Initialize that never reports,
 * consumers calling back into the host, calls from inside the final Release), each reported with
 * exactly its code; and good providers that used to raise false alarms (many threads backing off,
 * an event from inside NewQuery, threads stopping at their own CALL_CANCELLED, a host keeping its
 * own provider reference), each clean under "abort" with every event delivered.
 *
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

static wbemev_object_t *rules_event(wbemev_class_t *cls, int32_t n)
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
        wbemev_object_t *o = rules_event(f->cls, -1);
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
struct rules_fx {
    manual_clock clock;
    wbemev_dispatcher_t *d;
    wbemev_class_t *cls;
    wbemev_sink_t *rec;
    uint32_t sub;
    struct prov p;
};

static struct rules_fx *rules_fx_new(wbemev_contract_policy policy, bool throttling, uint32_t refire_limit)
{
    struct rules_fx *f = calloc(1, sizeof *f);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = policy;
    o.model_throttling = throttling;
    o.refire_limit = refire_limit;
    /* A clock that stands still: these tests are about the rules, not the time limits, and a
     * loaded machine (or valgrind) must not make a call look slow. */
    manual_clock_init(&f->clock, 1000);
    manual_clock_install(&f->clock, &o);
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
static wbemev_status rules_fx_start(struct rules_fx *f, enum habit h, bool keep)
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

static void rules_fx_free(struct rules_fx *f)
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
    wbemev_object_t *o = rules_event(cls, n);
    wbemev_status st = wbemev_sink_indicate1(s, o);
    wbemev_object_release(o);
    return st;
}

/* ------------------------------------------------------------------------------------------------
 * It never crashes on a provider's mistake
 */
static void over_release_at_stop(wbemev_contract_policy policy)
{
    struct rules_fx *f = rules_fx_new(policy, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_NO_ADDREF_RELEASE_AT_STOP, false));
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
    rules_fx_free(f);
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
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_DOUBLE_RELEASE, false));
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
    rules_fx_free(f);
}

static void test_sink_over_released_policy_off(void **state)
{
    (void)state;
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_OFF, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_NO_ADDREF_RELEASE_AT_STOP, false));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_int_equal(wbemev_dispatcher_violation_count(f->d), 0); /* not reported, still no crash */
    rules_fx_free(f);
}

/* ------------------------------------------------------------------------------------------------
 * The misses
 */
static void test_setstatus_in_final_release(void **state)
{
    (void)state;
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_SETSTATUS_IN_RELEASE, false));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_wbemev_status(f->p.in_call_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_SET_STATUS_FROM_PROVIDER);
    rules_fx_free(f);
}

static void test_setstatus_after_stop(void **state)
{
    (void)state;
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_RECORD, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_GOOD, true)); /* the test keeps the provider, and so its sink */
    wbemev_sink_t *s = atomic_load(&f->p.sink);
    wbemev_sink_add_ref(s);
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_wbemev_status(wbemev_sink_set_status(s, WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL),
                  WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_SET_STATUS_FROM_PROVIDER);
    wbemev_sink_release(s);
    prov_release(&f->p.base);
    rules_fx_free(f);
}

/* Indicate after CALL_CANCELLED, whatever the cause: the cancel, then the offending refire. */
static void test_indicate_after_unregister_cancel(void **state)
{
    (void)state;
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_RECORD, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_GOOD, true));
    wbemev_sink_t *s = atomic_load(&f->p.sink);
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_wbemev_status(indicate_n(s, f->cls, 1), WBEMEV_E_CALL_CANCELLED);
    assert_no_violations(f->d); /* told once: not a mistake yet */
    assert_wbemev_status(indicate_n(s, f->cls, 2), WBEMEV_E_CALL_CANCELLED);
    assert_only_violation(f->d, WBEMEV_VIOLATION_INDICATE_AFTER_CANCEL);
    prov_release(&f->p.base);
    rules_fx_free(f);
}

static void test_indicate_after_injected_cancel(void **state)
{
    (void)state;
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_GOOD, false));
    wbemev_sink_t *s = atomic_load(&f->p.sink);
    assert_wbemev_ok(wbemev_testkit_inject_indicate_status(f->d, "RulesProvider", WBEMEV_E_CALL_CANCELLED, 1));
    assert_wbemev_status(indicate_n(s, f->cls, 1), WBEMEV_E_CALL_CANCELLED);
    assert_no_violations(f->d);
    assert_wbemev_status(indicate_n(s, f->cls, 2), WBEMEV_E_CALL_CANCELLED);
    assert_only_violation(f->d, WBEMEV_VIOLATION_INDICATE_AFTER_CANCEL);
    assert_int_equal(wbemev_recording_sink_count(f->rec), 0);
    wbemev_provider_stats ps;
    assert_wbemev_ok(wbemev_dispatcher_provider_stats(f->d, "RulesProvider", &ps));
    assert_int_equal(ps.indicated, 2);
    assert_int_equal(ps.indicated, ps.accepted + ps.refused); /* the counts add up */
    rules_fx_free(f);
}

static void test_init_never_reported(void **state)
{
    (void)state;
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_RECORD, false, 64);
    assert_wbemev_status(rules_fx_start(f, H_INIT_SILENT, false), WBEMEV_E_PROVIDER_LOAD_FAILURE);
    assert_only_violation(f->d, WBEMEV_VIOLATION_INIT_NOT_REPORTED);
    wbemev_provider_stats ps;
    assert_wbemev_status(wbemev_dispatcher_provider_stats(f->d, "RulesProvider", &ps), WBEMEV_E_NOT_FOUND);
    rules_fx_free(f);
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
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_GOOD, false));
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
    rules_fx_free(f);
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
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_DEFINE_IN_RELEASE, false));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_wbemev_status(f->p.in_call_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_CLASS_CHANGE_IN_CALL);
    wbemev_violation v;
    assert_wbemev_ok(wbemev_dispatcher_violation_at(f->d, 0, &v));
    assert_string_equal(v.first_call, "delete class");
    assert_string_equal(v.inside, "Release"); /* the provider's final Release */
    rules_fx_free(f);

    f = rules_fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_SUBSCRIBE_IN_RELEASE, false));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_wbemev_status(f->p.in_call_status, WBEMEV_E_INVALID_OPERATION);
    assert_only_violation(f->d, WBEMEV_VIOLATION_EVENT_CALL_IN_CALL);
    rules_fx_free(f);
}

/* The same object indicated from two threads at once: one of the two Indicates is always the
 * re-indication, however the threads interleave. */
#define RACE_OBJECTS 50000
struct racer {
    wbemev_sink_t *sink;
    wbemev_object_t **objs;
    atomic_int waiting; /* both start at the same moment, and run through the same objects */
};

/* Both threads go through the objects in step, 16 at a time, so they often reach the same one at
 * the same moment. */
static void *race_thread(void *arg)
{
    struct racer *r = arg;
    for (int step = 0; step * 16 < RACE_OBJECTS; step++) {
        atomic_fetch_add(&r->waiting, 1);
        for (unsigned spins = 0; atomic_load(&r->waiting) < 2 * (step + 1);)
            if (++spins % 4096 == 0)
                sched_yield(); /* a loaded machine: let the other one run */
        for (int i = step * 16; i < (step + 1) * 16 && i < RACE_OBJECTS; i++)
            assert_wbemev_ok(wbemev_sink_indicate1(r->sink, r->objs[i]));
    }
    return NULL;
}

/* The provider's mistake is itself a data race on the unfrozen object (its TIME_CREATED stamp),
 * which ThreadSanitizer rightly reports: the test runs everywhere else. */
#if defined(__SANITIZE_THREAD__)
#define WBEMEV_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WBEMEV_TEST_UNDER_TSAN 1
#endif
#endif

static void test_reindicated_from_two_threads(void **state)
{
    (void)state;
#ifdef WBEMEV_TEST_UNDER_TSAN
    skip();
#endif
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_RECORD, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_GOOD, false));
    wbemev_sink_t *none; /* nobody keeps the events: only the counts matter */
    assert_wbemev_ok(wbemev_recording_sink_new(&none));
    assert_wbemev_ok(wbemev_dispatcher_unsubscribe(f->d, f->sub));
    struct racer r = {atomic_load(&f->p.sink), calloc(RACE_OBJECTS, sizeof(wbemev_object_t *)), 0};
    for (int i = 0; i < RACE_OBJECTS; i++)
        r.objs[i] = rules_event(f->cls, i);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race_thread, &r), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    /* Each object went twice, from two threads often at once: one of each pair is the mistake. */
    assert_int_equal(wbemev_dispatcher_violations_of(f->d, WBEMEV_VIOLATION_OBJECT_REINDICATED), RACE_OBJECTS);
    for (int i = 0; i < RACE_OBJECTS; i++)
        wbemev_object_release(r.objs[i]);
    free(r.objs);
    wbemev_sink_release(none);
    rules_fx_free(f);
}

static void test_class_from_other_namespace(void **state)
{
    (void)state;
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_STRICT, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_GOOD, false));
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
    rules_fx_free(f);
}

/* ------------------------------------------------------------------------------------------------
 * No false alarms
 */
#define BUSY_THREADS 8
#define BUSY_RETRIES 3 /* each thread's refires while the request waits: fewer than the limit */

struct busy_threads {
    struct rules_fx *f;
    atomic_bool waiting;    /* the host's NewQuery is waiting to get in */
    atomic_int too_busy;    /* SERVER_TOO_BUSY answers, every thread together */
    atomic_bool let_in;     /* the waiting NewQuery may return */
    atomic_int delivered;
};

static void *busy_thread(void *arg)
{
    struct busy_threads *b = arg;
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

static struct busy_threads *g_busy;

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
    struct busy_threads *b = arg;
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
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_ABORT, true, BUSY_RETRIES + 1);
    f->p.base.vtbl = &vtbl;
    assert_wbemev_ok(rules_fx_start(f, H_GOOD, false));
    struct busy_threads b = {f, false, 0, false, 0};
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
    rules_fx_free(f);
}

static void test_event_from_new_query(void **state)
{
    (void)state;
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_ABORT, true, 64);
    assert_wbemev_ok(rules_fx_start(f, H_EVENT_IN_NEW_QUERY, false));
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
    rules_fx_free(f);
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
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_ABORT, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_GOOD, true));
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
    rules_fx_free(f);
}

static void test_host_keeps_provider_past_unregister(void **state)
{
    (void)state;
    struct rules_fx *f = rules_fx_new(WBEMEV_CONTRACT_ABORT, false, 64);
    assert_wbemev_ok(rules_fx_start(f, H_GOOD, true)); /* the host keeps its own reference */
    assert_wbemev_ok(indicate_n(atomic_load(&f->p.sink), f->cls, 1));
    assert_wbemev_ok(wbemev_dispatcher_unregister(f->d, "RulesProvider"));
    assert_non_null(atomic_load(&f->p.sink)); /* alive, so it rightly still holds its sink */
    prov_release(&f->p.base);                 /* its final Release lets go of it */
    /* The event the recording consumer still holds at shutdown is the consumer's, not a leak. */
    wbemev_dispatcher_shutdown(f->d);
    assert_no_violations(f->d);
    assert_int_equal(wbemev_recording_sink_count(f->rec), 1);
    rules_fx_free(f);
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
    size_t live = wbemev_live_allocations();
    wbemev_dispatcher_t *d;
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = WBEMEV_CONTRACT_RECORD;
    manual_clock clock; /* standing still: a loaded machine must not make a call look slow */
    manual_clock_init(&clock, 1000);
    manual_clock_install(&clock, &o);
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
    /* The provider frees itself at the end of its worker, which nothing joins: wait for that, so
     * that the next test counts its own allocations only (and none is leaked). */
    time_t t0 = time(NULL);
    while (wbemev_live_allocations() > live) {
        assert_true(time(NULL) - t0 < 60); /* a leak, not a slow machine */
        sched_yield();
    }
}

/* ------------------------------------------------------------------------------------------------
 * CALL_OVERRAN_SHUTDOWN: a CancelQuery that does not return holds up the shutdown's own thread;
 * shutdown gives up at its deadline (past the provider-call limit), reports the provider and the
 * call, and finishes once the call returns (destroy waits for it).
 */
struct hang_gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool entered, released;
};

static void hang_in_cancel(void *ctx, fake_provider *p, const fake_call_args *call)
{
    struct hang_gate *g = ctx;
    (void)p;
    if (call->call != FAKE_CALL_CANCEL_QUERY)
        return;
    pthread_mutex_lock(&g->mu);
    g->entered = true;
    pthread_cond_broadcast(&g->cv);
    while (!g->released)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void overran_shutdown(wbemev_contract_policy policy)
{
    size_t live = wbemev_live_allocations();
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = policy;
    o.provider_call_limit_ms = 10;
    wbemev_dispatcher_t *d;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &d));
    wbemev_class_t *cls = define_event_class(d, "Hang_Event");
    fake_provider *p = fake_provider_new();
    struct hang_gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false};
    fake_provider_set_hook(p, hang_in_cancel, &g);
    const char *const list[] = {"SELECT * FROM Hang_Event"};
    assert_wbemev_ok(wbemev_dispatcher_register(d, "Hanger", fake_provider_base(p), list, 1));
    wbemev_sink_t *rec;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_ok(wbemev_dispatcher_subscribe(d, "SELECT * FROM Hang_Event", rec, NULL, &id));

    assert_wbemev_status(wbemev_dispatcher_shutdown_deadline(d, 0), WBEMEV_E_TIMED_OUT);
    pthread_mutex_lock(&g.mu);
    assert_true(g.entered && !g.released); /* returned while the provider is inside CancelQuery */
    pthread_mutex_unlock(&g.mu);
    assert_int_equal(wbemev_dispatcher_violations_of(d, WBEMEV_VIOLATION_CALL_OVERRAN_SHUTDOWN), 1);
    assert_int_equal(wbemev_recording_sink_status_count(rec), 0); /* the consumer's end waits its turn */
    wbemev_violation v = {0};
    for (size_t i = 0; i < wbemev_dispatcher_violation_count(d); i++) { /* a slow machine adds SLOW_PROVIDER_CALL */
        assert_wbemev_ok(wbemev_dispatcher_violation_at(d, i, &v));
        if (v.code == WBEMEV_VIOLATION_CALL_OVERRAN_SHUTDOWN)
            break;
    }
    assert_string_equal(v.name, "CALL_OVERRAN_SHUTDOWN");
    assert_string_equal(v.provider, "Hanger");
    assert_string_equal(v.first_call, "CancelQuery");
    assert_false(v.warning);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    assert_true(wbemev_dispatcher_report(d, tmp) >= 1);
    rewind(tmp);
    char report[8192] = {0};
    assert_true(fread(report, 1, sizeof report - 1, tmp) > 0);
    fclose(tmp);
    assert_non_null(strstr(report, "CALL_OVERRAN_SHUTDOWN"));
    assert_non_null(strstr(report, "Hanger"));
    assert_non_null(strstr(report, "CancelQuery"));
    assert_non_null(strstr(report, "see:  docs/contract.md#CALL_OVERRAN_SHUTDOWN\n"));

    pthread_mutex_lock(&g.mu);
    g.released = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    wbemev_dispatcher_destroy(d); /* waits for the sequence: the final Release, the consumer's end */
    assert_int_equal(wbemev_recording_sink_status_count(rec), 1);
    assert_int_equal(fake_provider_calls(p, FAKE_CALL_FINAL_RELEASE), 0); /* the test's reference is left */
    fake_provider_release(p);
    assert_null(fake_provider_check_ended(p));
    fake_provider_free(p);
    wbemev_sink_release(rec);
    wbemev_class_release(cls);
    assert_int_equal(wbemev_live_allocations(), live);
}

static void test_call_overran_shutdown(void **state)
{
    (void)state;
    overran_shutdown(WBEMEV_CONTRACT_RECORD);
    overran_shutdown(WBEMEV_CONTRACT_STRICT); /* nothing to refuse: the same */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_setstatus_from_provider, setup, teardown),
        cmocka_unit_test_setup_teardown(test_class_change_in_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_call_in_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_object_reindicated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_in_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_after_indicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indicate_after_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_not_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_provider_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_class_not_registered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_event_class, setup, teardown),
        cmocka_unit_test_setup_teardown(test_class_object_indicated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_held_after_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects_leaked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_consumer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumer_reentry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refire_while_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refire_after_processing_is_clean, setup, teardown),
        cmocka_unit_test(test_well_behaved_provider_under_abort),
        cmocka_unit_test_setup_teardown(test_policy_parsing_and_off, setup, teardown),
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
        cmocka_unit_test(test_reindicated_from_two_threads),
        cmocka_unit_test(test_many_threads_backing_off),
        cmocka_unit_test(test_event_from_new_query),
        cmocka_unit_test(test_threads_stop_at_own_cancel),
        cmocka_unit_test(test_host_keeps_provider_past_unregister),
        cmocka_unit_test(test_example_released_on_its_own_thread),
        cmocka_unit_test(test_call_overran_shutdown),
    };
    return cmocka_run_group_tests_name("contract", tests, NULL, NULL);
}
