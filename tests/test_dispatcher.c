/*
 * tests/test_dispatcher.c: the dispatcher's WMI call order, delivery, exactly-once endings and
 * reference balance, with fake providers that log every call (tests/support/fake_provider.h).
 */
#include "test_support.h"

#include "wbemev/testkit.h" /* the recording sink */
#include "wbemev/thread.h"  /* threads stuck in a call, portably */

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------
 * Fixture: a dispatcher with Sample_Event : __ExtrinsicEvent, Sample_Child : Sample_Event,
 * Other_Event : __ExtrinsicEvent, and a non-event class Plain; three fake providers, each with
 * every method and ready at once unless a test scripts otherwise, registered by the tests.
 */
#define NPROV 3

struct fixture {
    wbemev_dispatcher_t *d;
    wbemev_class_t *sample, *child, *other, *plain;
    test_fakes fakes;
    fake_provider *p[NPROV];
    size_t live_allocs;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    fx->live_allocs = wbemev_live_allocations();
    assert_wbemev_ok(wbemev_dispatcher_new(NULL, &fx->d));
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(fx->d);
    const wbemev_property_def props[] = {
        {"Name", WBEMEV_CIM_STRING, NULL},
        {"Severity", WBEMEV_CIM_SINT32, NULL},
    };
    const wbemev_property_def child_props[] = {{"Extra", WBEMEV_CIM_UINT64, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Sample_Event", "__ExtrinsicEvent", props, 2, &fx->sample));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Sample_Child", "Sample_Event", child_props, 1, &fx->child));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Other_Event", "__ExtrinsicEvent", props, 2, &fx->other));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Plain", NULL, props, 2, &fx->plain));
    for (int i = 0; i < NPROV; i++)
        fx->p[i] = test_fakes_provider(&fx->fakes);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    test_fakes_open_gates(&fx->fakes);
    if (fx->d != NULL)
        wbemev_dispatcher_destroy(fx->d);
    wbemev_class_release(fx->sample);
    wbemev_class_release(fx->child);
    wbemev_class_release(fx->other);
    wbemev_class_release(fx->plain);
    test_fakes_teardown(&fx->fakes); /* each provider had its final release and let go of its sinks */
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), fx->live_allocs);
    free(fx);
    return 0;
}

static const char *const sample_list[] = {"SELECT * FROM Sample_Event"};

/* What a recording sink received: event or SetStatus number i, which must exist. */
static wbemev_object_t *recorded(wbemev_sink_t *rec, size_t i)
{
    wbemev_object_t *e = NULL;
    assert_wbemev_ok(wbemev_recording_sink_event_at(rec, i, &e));
    return e;
}
static wbemev_recorded_status recorded_status(wbemev_sink_t *rec, size_t i)
{
    wbemev_recorded_status s = {0};
    assert_wbemev_ok(wbemev_recording_sink_status_at(rec, i, &s));
    return s;
}

static void assert_single_status(wbemev_sink_t *rec, wbemev_status expected)
{
    assert_int_equal(wbemev_recording_sink_status_count(rec), 1);
    wbemev_recorded_status s = recorded_status(rec, 0);
    assert_int_equal(s.flags, WBEMEV_STATUS_COMPLETE);
    assert_wbemev_status(s.status, expected);
}

/* ------------------------------------------------------------------------------------------------
 * Call order
 */
static void test_call_order_new_query_before_provide_events(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "SampleProvider", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_provider_log_size(f), 1);
    assert_int_equal(fake_provider_log_call(f, 0), FAKE_CALL_INITIALIZE);
    assert_int_equal(fake_provider_refs(f), 2); /* the dispatcher holds one */

    wbemev_sink_t *rec;
    uint32_t id = 0;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_int_not_equal(id, 0);
    /* AccessCheck, then NewQuery, then ProvideEvents. */
    assert_true(fake_provider_first(f, FAKE_CALL_ACCESS_CHECK) < fake_provider_first(f, FAKE_CALL_NEW_QUERY));
    assert_true(fake_provider_first(f, FAKE_CALL_NEW_QUERY) < fake_provider_first(f, FAKE_CALL_PROVIDE_EVENTS));
    assert_int_equal(fake_provider_log_id(f, fake_provider_first(f, FAKE_CALL_NEW_QUERY)), id);
    char query[256];
    fake_provider_last_query(f, query, sizeof query);
    assert_string_equal(query, "SELECT * FROM Sample_Event");
    assert_non_null(fake_provider_sink(f));

    /* A second subscription: NewQuery again, ProvideEvents not again. */
    uint32_t id2 = 0;
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id2),
                         WBEMEV_S_NO_ERROR);
    assert_int_not_equal(id, id2);
    assert_int_equal(fake_provider_calls(f, FAKE_CALL_NEW_QUERY), 2);
    assert_int_equal(fake_provider_calls(f, FAKE_CALL_PROVIDE_EVENTS), 1);

    wbemev_provider_stats ps;
    assert_wbemev_ok(wbemev_dispatcher_provider_stats(fx->d, "SampleProvider", &ps));
    assert_int_equal(ps.provide_events_calls, 1);
    assert_true(ps.ready);

    /* Unsubscribe: CancelQuery with the id. */
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(fx->d, id), WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_provider_calls(f, FAKE_CALL_CANCEL_QUERY), 1);
    assert_int_equal(fake_provider_log_id(f, fake_provider_first(f, FAKE_CALL_CANCEL_QUERY)), id);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(fx->d, id), WBEMEV_E_NOT_FOUND);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    /* Destroy cancelled the other query and released the provider, which let go of its sink. */
    assert_int_equal(fake_provider_calls(f, FAKE_CALL_CANCEL_QUERY), 2);
    assert_int_equal(fake_provider_refs(f), 1);
    assert_int_equal(wbemev_recording_sink_status_count(rec), 2);
    assert_int_equal(wbemev_recording_sink_refs(rec), 1);
    fake_provider_release(f);
    assert_int_equal(fake_provider_log_call(f, fake_provider_log_size(f) - 1), FAKE_CALL_FINAL_RELEASE);
    wbemev_sink_release(rec);
}

static void test_new_query_reaches_providers_registered_later(void **state)
{
    struct fixture *fx = *state;
    wbemev_sink_t *rec;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id),
                         WBEMEV_S_NO_ERROR);

    fake_provider *f = fx->p[0];
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "Late", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    /* Initialize, then NewQuery for the existing subscription, then ProvideEvents. */
    assert_int_equal(fake_provider_log_size(f), 3);
    assert_int_equal(fake_provider_log_call(f, 0), FAKE_CALL_INITIALIZE);
    assert_int_equal(fake_provider_log_call(f, 1), FAKE_CALL_NEW_QUERY);
    assert_int_equal(fake_provider_log_id(f, 1), id);
    assert_int_equal(fake_provider_log_call(f, 2), FAKE_CALL_PROVIDE_EVENTS);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    assert_single_status(rec, WBEMEV_E_SHUTTING_DOWN);
    wbemev_sink_release(rec);
}

static void test_initialize_reported_later(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    fake_provider_set_init(f, FAKE_INIT_LATER, WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "Slow", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    wbemev_sink_t *rec;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    /* Not ready yet: nothing but Initialize. */
    assert_int_equal(fake_provider_log_size(f), 1);
    wbemev_provider_stats ps;
    assert_wbemev_ok(wbemev_dispatcher_provider_stats(fx->d, "Slow", &ps));
    assert_false(ps.ready);

    assert_wbemev_status(fake_provider_report_init(f, WBEMEV_S_INITIALIZED),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_provider_log_size(f), 3);
    assert_int_equal(fake_provider_log_call(f, 1), FAKE_CALL_NEW_QUERY);
    assert_int_equal(fake_provider_log_call(f, 2), FAKE_CALL_PROVIDE_EVENTS);
    /* Readiness is reported once. */
    assert_wbemev_status(fake_provider_report_init(f, WBEMEV_S_INITIALIZED),
                         WBEMEV_E_INVALID_OPERATION);
    assert_wbemev_status(fake_fire(f, fx->sample, "x", 1), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_recording_sink_count(rec), 1);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    wbemev_sink_release(rec);
}

static void test_initialize_failure(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    fake_provider_set_init(f, FAKE_INIT_READY, WBEMEV_E_FAILED);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "Bad", fake_provider_base(f), sample_list, 1),
                         WBEMEV_E_PROVIDER_LOAD_FAILURE);
    assert_int_equal(fake_provider_refs(f), 1); /* not kept */
    f = fx->p[1];
    fake_provider_set_init(f, FAKE_INIT_RETURN, WBEMEV_E_FAILED);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "Bad", fake_provider_base(f), sample_list, 1),
                         WBEMEV_E_PROVIDER_LOAD_FAILURE);
    assert_int_equal(fake_provider_refs(f), 1);
    wbemev_provider_stats ps;
    assert_wbemev_status(wbemev_dispatcher_provider_stats(fx->d, "Bad", &ps), WBEMEV_E_NOT_FOUND);

    /* Failure reported later: the registration goes away and the provider is released. */
    f = fx->p[2];
    fake_provider_set_init(f, FAKE_INIT_LATER, WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "Later", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(fake_provider_report_init(f, WBEMEV_E_FAILED),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_provider_stats(fx->d, "Later", &ps), WBEMEV_E_NOT_FOUND);
    assert_int_equal(fake_provider_refs(f), 1);
    fake_provider_release(f);
}

static void test_access_denied_leaves_no_subscription(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    fake_provider_answer(f, FAKE_CALL_ACCESS_CHECK, WBEMEV_E_ACCESS_DENIED);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "Guard", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    wbemev_sink_t *rec;
    uint32_t id = 12345;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    const uint8_t sid[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.sid = sid;
    so.sid_length = sizeof sid;
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, &so, &id),
                         WBEMEV_E_ACCESS_DENIED);
    assert_int_equal(id, 12345); /* out-parameter untouched */
    assert_int_equal(fake_provider_last_sid_length(f), sizeof sid);
    assert_int_equal(fake_provider_calls(f, FAKE_CALL_NEW_QUERY), 0);
    assert_int_equal(fake_provider_calls(f, FAKE_CALL_PROVIDE_EVENTS), 0);
    assert_int_equal(wbemev_dispatcher_subscription_count(fx->d), 0);
    /* The consumer was never called and not kept. */
    assert_int_equal(wbemev_recording_sink_status_count(rec), 0);
    assert_int_equal(wbemev_recording_sink_refs(rec), 1);

    /* A failing NewQuery fails the subscribe too, with the provider's status. */
    fake_provider_answer(f, FAKE_CALL_ACCESS_CHECK, WBEMEV_S_NO_ERROR);
    fake_provider_answer(f, FAKE_CALL_NEW_QUERY, WBEMEV_E_INVALID_QUERY);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id),
                         WBEMEV_E_INVALID_QUERY);
    assert_int_equal(wbemev_dispatcher_subscription_count(fx->d), 0);
    assert_int_equal(wbemev_recording_sink_refs(rec), 1);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    assert_int_equal(wbemev_recording_sink_status_count(rec), 0);
    wbemev_sink_release(rec);
}

/* ------------------------------------------------------------------------------------------------
 * Delivery
 */
static void test_polymorphic_matching(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    fake_provider_set_methods(f, 0); /* add_ref, release and provide_events only */
    const char *const list[] = {"SELECT * FROM Sample_Event", "SELECT * FROM Other_Event"};
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "Poly", fake_provider_base(f), list, 2), WBEMEV_S_NO_ERROR);

    wbemev_sink_t *on_base, *on_sample, *on_child, *on_other, *on_event;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&on_base));
    assert_wbemev_ok(wbemev_recording_sink_new(&on_sample));
    assert_wbemev_ok(wbemev_recording_sink_new(&on_child));
    assert_wbemev_ok(wbemev_recording_sink_new(&on_other));
    assert_wbemev_ok(wbemev_recording_sink_new(&on_event));
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM __ExtrinsicEvent", on_base, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "select * from sample_event", on_sample, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Child", on_child, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Other_Event", on_other, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM __Event", on_event, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_provider_calls(f, FAKE_CALL_PROVIDE_EVENTS), 1);

    assert_wbemev_status(fake_fire(f, fx->sample, "s", 1), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(fake_fire(f, fx->child, "c", 2), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(fake_fire(f, fx->other, "o", 3), WBEMEV_S_NO_ERROR);

    assert_int_equal(wbemev_recording_sink_count(on_base), 3);
    assert_int_equal(wbemev_recording_sink_count(on_event), 3);
    assert_int_equal(wbemev_recording_sink_count(on_sample), 2); /* Sample_Event and its child */
    assert_int_equal(wbemev_recording_sink_count(on_child), 1);
    assert_int_equal(wbemev_recording_sink_count(on_other), 1);
    assert_string_equal(wbemev_object_class_name(recorded(on_child, 0)), "Sample_Child");
    /* In order, per consumer. */
    const char *name;
    assert_wbemev_ok(wbemev_object_get_string(recorded(on_base, 0), "Name", &name));
    assert_string_equal(name, "s");
    assert_wbemev_ok(wbemev_object_get_string(recorded(on_base, 2), "Name", &name));
    assert_string_equal(name, "o");
    /* The same frozen object is shared with every consumer: no copy. */
    assert_ptr_equal(recorded(on_base, 1), recorded(on_child, 0));

    wbemev_subscription_stats ss;
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(fx->d, id, &ss));
    assert_int_equal(ss.delivered, 3);
    wbemev_provider_stats ps;
    assert_wbemev_ok(wbemev_dispatcher_provider_stats(fx->d, "Poly", &ps));
    assert_int_equal(ps.indicated, 3);
    assert_int_equal(ps.accepted, 3);
    assert_int_equal(ps.refused, 0);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    wbemev_sink_t *all[] = {on_base, on_sample, on_child, on_other, on_event};
    for (size_t i = 0; i < 5; i++) {
        assert_single_status(all[i], WBEMEV_E_SHUTTING_DOWN);
        wbemev_sink_release(all[i]);
    }
}

static void test_indicate_freezes_and_stamps(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    wbemev_sink_t *rec;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id),
                         WBEMEV_S_NO_ERROR);

    wbemev_object_t *ev = new_event(fx->sample, "a", 1);
    wbemev_object_t *stamped = new_event(fx->sample, "b", 2);
    assert_wbemev_ok(wbemev_object_put_uint64(stamped, "TIME_CREATED", 42));
    assert_true(wbemev_object_is_null(ev, "TIME_CREATED"));
    wbemev_object_t *batch[] = {ev, stamped};
    assert_wbemev_status(fake_provider_indicate(f, 2, batch), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_recording_sink_count(rec), 2);
    assert_int_equal(wbemev_recording_sink_indicate_calls(rec), 1); /* one array for the call's events */

    /* Frozen: Put is refused and changes nothing; a clone is mutable. */
    assert_true(wbemev_object_is_frozen(ev));
    assert_wbemev_status(wbemev_object_put_sint32(ev, "Severity", 9), WBEMEV_E_READ_ONLY);
    int32_t sev;
    assert_wbemev_ok(wbemev_object_get_sint32(ev, "Severity", &sev));
    assert_int_equal(sev, 1);
    wbemev_object_t *copy;
    assert_wbemev_ok(wbemev_object_clone(ev, &copy));
    assert_false(wbemev_object_is_frozen(copy));
    assert_wbemev_ok(wbemev_object_put_sint32(copy, "Severity", 9));
    wbemev_object_release(copy);

    /* TIME_CREATED: stamped when NULL (a FILETIME after 2020), kept when set. */
    uint64_t t;
    assert_wbemev_ok(wbemev_object_get_uint64(ev, "TIME_CREATED", &t));
    assert_true(t > 132223104000000000ull);
    assert_wbemev_ok(wbemev_object_get_uint64(stamped, "TIME_CREATED", &t));
    assert_int_equal(t, 42);

    wbemev_object_release(ev);
    wbemev_object_release(stamped);
    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    wbemev_sink_release(rec);
}

static void test_indicate_bad_arguments(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    wbemev_sink_t *rec;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM __Event", rec, NULL, &id),
                         WBEMEV_S_NO_ERROR);

    wbemev_object_t *good = new_event(fx->sample, "g", 1);
    wbemev_object_t *plain = new_event(fx->plain, "p", 1);
    wbemev_object_t *cls_obj = wbemev_class_object(fx->sample);
    wbemev_object_t *with_null[] = {good, NULL};
    wbemev_object_t *with_plain[] = {good, plain};
    wbemev_object_t *with_class[] = {good, cls_obj};

    assert_wbemev_status(fake_provider_indicate(f, 1, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(fake_provider_indicate(f, -1, with_null), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(fake_provider_indicate(f, 2, with_null), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(fake_provider_indicate(f, 2, with_plain), WBEMEV_E_NOT_EVENT_CLASS);
    assert_wbemev_status(fake_provider_indicate(f, 2, with_class), WBEMEV_E_INVALID_OBJECT);
    /* A refused call changes nothing: the good object was neither frozen nor delivered. */
    assert_false(wbemev_object_is_frozen(good));
    assert_int_equal(wbemev_recording_sink_count(rec), 0);
    /* An empty Indicate is fine. */
    assert_wbemev_status(fake_provider_indicate(f, 0, NULL), WBEMEV_S_NO_ERROR);
    /* Guideline 4: SetStatus on the event sink is refused. */
    assert_wbemev_status(
        wbemev_sink_set_status(fake_provider_sink(f), WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL),
        WBEMEV_E_INVALID_OPERATION);
    assert_int_equal(wbemev_recording_sink_status_count(rec), 0);

    wbemev_provider_stats ps;
    assert_wbemev_ok(wbemev_dispatcher_provider_stats(fx->d, "P", &ps));
    assert_int_equal(ps.accepted, 0);
    assert_int_equal(ps.refused, 7); /* 1 + 2 + 2 + 2: a negative count is not counted */

    wbemev_object_release(good);
    wbemev_object_release(plain);
    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    wbemev_sink_release(rec);
}

/* ------------------------------------------------------------------------------------------------
 * Endings: exactly one SetStatus, then nothing
 */
static void test_consumer_failure_cancels_once(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    wbemev_sink_t *flaky, *steady;
    uint32_t flaky_id, steady_id;
    assert_wbemev_ok(wbemev_recording_sink_new(&flaky));
    assert_wbemev_ok(wbemev_recording_sink_new(&steady));
    wbemev_recording_sink_fail_after(flaky, 2, WBEMEV_E_FAILED);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", flaky, NULL, &flaky_id),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", steady, NULL, &steady_id),
                         WBEMEV_S_NO_ERROR);

    for (int i = 0; i < 5; i++)
        assert_wbemev_status(fake_fire(f, fx->sample, "e", i), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_recording_sink_count(flaky), 2);
    assert_int_equal(wbemev_recording_sink_indicate_calls(flaky), 3); /* the third one failed */
    assert_single_status(flaky, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(wbemev_recording_sink_refs(flaky), 1); /* released by the dispatcher */
    assert_int_equal(wbemev_recording_sink_count(steady), 5);
    assert_int_equal(wbemev_dispatcher_subscription_count(fx->d), 1);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(fx->d, flaky_id), WBEMEV_E_NOT_FOUND);
    /* The provider was told the query is gone. */
    assert_int_equal(fake_provider_calls(f, FAKE_CALL_CANCEL_QUERY), 1);
    assert_int_equal(fake_provider_log_id(f, fake_provider_first(f, FAKE_CALL_CANCEL_QUERY)), flaky_id);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    assert_single_status(flaky, WBEMEV_E_CALL_CANCELLED); /* still exactly one */
    assert_single_status(steady, WBEMEV_E_SHUTTING_DOWN);
    fake_provider_release(f);
    wbemev_sink_release(flaky);
    wbemev_sink_release(steady);
}

/* A consumer that unsubscribes itself from inside its Indicate (a guideline 2 mistake) still gets
 * exactly one SetStatus, after its Indicate returned. The rest of the array it was given is its
 * own already; nothing comes after. */
struct self_unsub {
    wbemev_dispatcher_t *d;
    uint32_t id;
    int events;
    int statuses;
    int events_after_status;
};

static wbemev_status self_unsub_event(void *ctx, wbemev_object_t *event)
{
    struct self_unsub *s = ctx;
    (void)event;
    if (s->statuses > 0)
        s->events_after_status++;
    if (s->events++ == 0)
        assert_wbemev_status(wbemev_dispatcher_unsubscribe(s->d, s->id), WBEMEV_S_NO_ERROR);
    assert_int_equal(s->statuses, 0); /* deferred until this Indicate returns */
    return WBEMEV_S_NO_ERROR;
}

static void self_unsub_status(void *ctx, int32_t flags, wbemev_status status, const char *text)
{
    struct self_unsub *s = ctx;
    (void)text;
    assert_int_equal(flags, WBEMEV_STATUS_COMPLETE);
    assert_wbemev_status(status, WBEMEV_E_CALL_CANCELLED);
    s->statuses++;
}

static void test_unsubscribe_from_inside_indicate(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    struct self_unsub s = {.d = fx->d};
    wbemev_sink_t *cb;
    assert_wbemev_ok(wbemev_callback_sink_new(self_unsub_event, self_unsub_status, &s, &cb));
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", cb, NULL, &s.id),
                         WBEMEV_S_NO_ERROR);
    wbemev_sink_release(cb); /* the dispatcher keeps its own reference */

    wbemev_object_t *a = new_event(fx->sample, "a", 1);
    wbemev_object_t *b = new_event(fx->sample, "b", 2);
    wbemev_object_t *batch[] = {a, b};
    assert_wbemev_status(fake_provider_indicate(f, 2, batch), WBEMEV_S_NO_ERROR);
    assert_int_equal(s.events, 2); /* one array: both were in its hands when it unsubscribed */
    assert_int_equal(s.statuses, 1);
    assert_int_equal(s.events_after_status, 0);
    assert_int_equal(wbemev_dispatcher_subscription_count(fx->d), 0);
    assert_wbemev_status(fake_fire(f, fx->sample, "c", 3), WBEMEV_S_NO_ERROR);
    assert_int_equal(s.events, 2);
    wbemev_object_release(a);
    wbemev_object_release(b);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    assert_int_equal(s.statuses, 1);
    fake_provider_release(f);
}

static void test_indicate_after_destroy_and_unregister(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    fake_provider *g = fx->p[1];
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "F", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "G", fake_provider_base(g), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    wbemev_sink_t *rec;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_non_null(fake_provider_sink(f));
    assert_non_null(fake_provider_sink(g));

    /* Keep the sinks past the provider's own life, like a worker thread that was not joined. */
    wbemev_sink_t *f_sink = wbemev_sink_add_ref(fake_provider_sink(f));
    wbemev_sink_t *g_sink = wbemev_sink_add_ref(fake_provider_sink(g));

    assert_wbemev_status(wbemev_dispatcher_unregister(fx->d, "F"), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_unregister(fx->d, "F"), WBEMEV_E_NOT_FOUND);
    assert_int_equal(fake_provider_refs(f), 1); /* released by the dispatcher */
    wbemev_object_t *o = new_event(fx->sample, "late", 1);
    assert_wbemev_status(wbemev_sink_indicate1(f_sink, o), WBEMEV_E_CALL_CANCELLED);
    assert_wbemev_status(wbemev_sink_indicate1(g_sink, o), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_recording_sink_count(rec), 1);
    assert_int_equal(wbemev_dispatcher_subscription_count(fx->d), 1); /* subscriptions stay */

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    wbemev_object_t *o2 = new_event(fx->sample, "after", 1);
    assert_wbemev_status(wbemev_sink_indicate1(g_sink, o2), WBEMEV_E_CALL_CANCELLED);
    assert_single_status(rec, WBEMEV_E_SHUTTING_DOWN);
    assert_int_equal(wbemev_recording_sink_count(rec), 1);
    wbemev_sink_release(f_sink);
    wbemev_sink_release(g_sink);
    wbemev_object_release(o);
    wbemev_object_release(o2);
    fake_provider_release(f);
    fake_provider_release(g);
    wbemev_sink_release(rec);
}

static void test_provide_events_failure_is_retried(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    fake_provider_answer(f, FAKE_CALL_PROVIDE_EVENTS, WBEMEV_E_FAILED);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    wbemev_sink_t *rec;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_provider_calls(f, FAKE_CALL_PROVIDE_EVENTS), 1);
    assert_null(fake_provider_sink(f));
    fake_provider_answer(f, FAKE_CALL_PROVIDE_EVENTS, WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_provider_calls(f, FAKE_CALL_PROVIDE_EVENTS), 2);
    assert_non_null(fake_provider_sink(f));
    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    assert_int_equal(wbemev_recording_sink_status_count(rec), 2);
    wbemev_sink_release(rec);
}

/* ------------------------------------------------------------------------------------------------
 * Bad inputs
 */
static void test_bad_inputs(void **state)
{
    struct fixture *fx = *state;
    wbemev_dispatcher_t *d2 = NULL;
    assert_wbemev_status(wbemev_dispatcher_new(NULL, NULL), WBEMEV_E_INVALID_PARAMETER);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.struct_size = 1;
    assert_wbemev_status(wbemev_dispatcher_new(&o, &d2), WBEMEV_E_INVALID_PARAMETER);
    assert_null(d2);
    wbemev_dispatcher_options_init(&o);
    o.namespace_name = "root\\cimv2";
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &d2));
    assert_string_equal(wbemev_namespace_name(wbemev_dispatcher_namespace(d2)), "root\\cimv2");
    wbemev_dispatcher_destroy(d2);
    wbemev_dispatcher_destroy(NULL);
    assert_null(wbemev_dispatcher_namespace(NULL));

    fake_provider *f = fx->p[0];
    /* Two broken vtables: no provide_events, and version 0. */
    fake_provider *bad1 = fx->p[1];
    fake_provider *bad2 = fx->p[2];
    fake_provider_set_methods(bad1, 0);
    fake_provider_set_methods(bad2, 0);
    fake_provider_vtbl(bad1)->provide_events = NULL;
    fake_provider_vtbl(bad2)->version = 0;
    const char *const bad_list[] = {"SELECT * FROM Plain"};
    const char *const unknown_list[] = {"SELECT * FROM Nope"};
    const char *const syntax_list[] = {"SELEKT * FROM Sample_Event"};
    const char *const null_list[] = {NULL};
    assert_wbemev_status(wbemev_dispatcher_register(NULL, "P", fake_provider_base(f), sample_list, 1),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, NULL, fake_provider_base(f), sample_list, 1),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "", fake_provider_base(f), sample_list, 1),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", NULL, sample_list, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(bad1), sample_list, 1),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(bad2), sample_list, 1),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), NULL, 1),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 0),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), null_list, 1),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), bad_list, 1),
                         WBEMEV_E_NOT_EVENT_CLASS);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), unknown_list, 1),
                         WBEMEV_E_INVALID_CLASS);
    assert_true(WBEMEV_FAILED(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), syntax_list, 1)));
    assert_int_equal(fake_provider_log_size(f), 0);
    assert_int_equal(fake_provider_refs(f), 1);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "p", fake_provider_base(f), sample_list, 1),
                         WBEMEV_E_ALREADY_EXISTS);
    assert_wbemev_status(wbemev_dispatcher_unregister(NULL, "P"), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_unregister(fx->d, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_unregister(fx->d, "nobody"), WBEMEV_E_NOT_FOUND);

    wbemev_sink_t *rec;
    uint32_t id = 7;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    wbemev_sink_t broken = {NULL};
    assert_wbemev_status(wbemev_dispatcher_subscribe(NULL, "SELECT * FROM Sample_Event", rec, NULL, &id),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, NULL, rec, NULL, &id), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", NULL, NULL, &id),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", &broken, NULL, &id),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, NULL),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Nope", rec, NULL, &id),
                         WBEMEV_E_INVALID_CLASS);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Plain", rec, NULL, &id),
                         WBEMEV_E_NOT_EVENT_CLASS);
    assert_true(WBEMEV_FAILED(wbemev_dispatcher_subscribe(fx->d, "garbage", rec, NULL, &id)));
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.sid_length = 4; /* length without bytes */
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, &so, &id),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(id, 7);
    assert_int_equal(wbemev_recording_sink_refs(rec), 1);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(NULL, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(fx->d, 999), WBEMEV_E_NOT_FOUND);
    assert_int_equal(wbemev_dispatcher_subscription_count(NULL), 0);
    wbemev_subscription_stats ss;
    wbemev_provider_stats ps;
    assert_wbemev_status(wbemev_dispatcher_subscription_stats(fx->d, 999, &ss), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_dispatcher_subscription_stats(fx->d, 1, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_provider_stats(fx->d, "P", NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_dispatcher_provider_stats(NULL, "P", &ps), WBEMEV_E_INVALID_PARAMETER);
    wbemev_dispatcher_options_init(NULL);
    wbemev_subscribe_options_init(NULL);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    wbemev_sink_release(rec);
}

/* ------------------------------------------------------------------------------------------------
 * Projection and security descriptors (WQL routing)
 */
static void test_projection_views(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    wbemev_sink_t *all, *some;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&all));
    assert_wbemev_ok(wbemev_recording_sink_new(&some));
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", all, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT name FROM Sample_Event WHERE Severity > 1", some, NULL, &id),
                         WBEMEV_S_NO_ERROR);

    assert_wbemev_status(fake_fire(f, fx->sample, "low", 1), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(fake_fire(f, fx->child, "high", 5), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_recording_sink_count(all), 2);
    assert_int_equal(wbemev_recording_sink_count(some), 1);

    wbemev_object_t *full = recorded(all, 1);
    wbemev_object_t *view = recorded(some, 0);
    assert_ptr_not_equal(full, view);
    /* The selected property and the system properties show; the others read as NULL. */
    const char *name;
    int32_t sev;
    assert_wbemev_ok(wbemev_object_get_string(view, "Name", &name));
    assert_string_equal(name, "high");
    assert_true(wbemev_object_is_null(view, "Severity"));
    assert_true(wbemev_object_is_null(view, "Extra"));
    assert_wbemev_ok(wbemev_object_get_string(view, "__CLASS", &name));
    assert_string_equal(name, "Sample_Child");
    assert_wbemev_ok(wbemev_object_get_sint32(full, "Severity", &sev));
    assert_int_equal(sev, 5);
    /* The view shares the event's storage: no copy of the values. */
    wbemev_value a, b;
    assert_wbemev_ok(wbemev_object_get(full, "Name", &a));
    assert_wbemev_ok(wbemev_object_get(view, "Name", &b));
    assert_ptr_equal(a.u.string, b.u.string);
    /* Handles work through it; it is frozen; its clone is a mutable copy with the NULLs kept. */
    wbemev_prop_handle h;
    assert_wbemev_ok(wbemev_object_property_handle(full, "Severity", &h));
    wbemev_value v;
    assert_wbemev_ok(wbemev_object_get_h(view, h, &v));
    assert_true(v.is_null);
    assert_true(wbemev_object_is_frozen(view));
    assert_wbemev_status(wbemev_object_put_sint32(view, "Severity", 1), WBEMEV_E_READ_ONLY);
    wbemev_object_t *copy;
    assert_wbemev_ok(wbemev_object_clone(view, &copy));
    assert_false(wbemev_object_is_frozen(copy));
    assert_true(wbemev_object_is_null(copy, "Severity"));
    assert_wbemev_ok(wbemev_object_get_string(copy, "Name", &name));
    assert_string_equal(name, "high");
    assert_wbemev_ok(wbemev_object_put_sint32(copy, "Severity", 7));
    wbemev_object_release(copy);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    wbemev_sink_release(all);
    wbemev_sink_release(some);
}

static const uint8_t sid_alice[] = {1, 1, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0xA1};
static const uint8_t sid_bob[] = {1, 1, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0xB0};

/* One Indicate of events of several classes: each goes to its own class's and its superclasses'
 * subscriptions, in the array's order (the hot path looks routes up once per class in a call). */
static void test_mixed_class_batch(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    fake_provider_set_methods(f, 0); /* add_ref, release and provide_events only */
    const char *const list[] = {"SELECT * FROM Sample_Event", "SELECT * FROM Other_Event"};
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "Mixed", fake_provider_base(f), list, 2), WBEMEV_S_NO_ERROR);
    wbemev_sink_t *on_base, *on_sample, *on_child, *on_other;
    uint32_t id_sample, id;
    assert_wbemev_ok(wbemev_recording_sink_new(&on_base));
    assert_wbemev_ok(wbemev_recording_sink_new(&on_sample));
    assert_wbemev_ok(wbemev_recording_sink_new(&on_child));
    assert_wbemev_ok(wbemev_recording_sink_new(&on_other));
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM __ExtrinsicEvent", on_base, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event WHERE Severity <> 4", on_sample,
                                                     NULL, &id_sample), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Child", on_child, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Other_Event", on_other, NULL, &id),
                         WBEMEV_S_NO_ERROR);

    wbemev_class_t *classes[] = {fx->sample, fx->child, fx->other, fx->child, fx->sample, fx->other};
    const char *const names[] = {"a", "b", "c", "d", "e", "f"};
    wbemev_object_t *batch[6];
    for (int i = 0; i < 6; i++)
        batch[i] = new_event(classes[i], names[i], i);
    assert_wbemev_status(fake_provider_indicate(f, 6, batch), WBEMEV_S_NO_ERROR);
    for (int i = 0; i < 6; i++)
        wbemev_object_release(batch[i]);

    struct {
        wbemev_sink_t *sink;
        const char *expect;
    } want[] = {{on_base, "abcdef"}, {on_sample, "abd"}, {on_child, "bd"}, {on_other, "cf"}};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        size_t n = strlen(want[k].expect);
        assert_int_equal(wbemev_recording_sink_count(want[k].sink), n);
        for (size_t i = 0; i < n; i++) {
            const char *name = NULL;
            assert_wbemev_ok(wbemev_object_get_string(recorded(want[k].sink, i), "Name", &name));
            assert_int_equal(name[0], want[k].expect[i]);
        }
    }
    /* The call's counts reach the subscription: "e" (Severity 4) was filtered. */
    wbemev_subscription_stats ss;
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(fx->d, id_sample, &ss));
    assert_int_equal(ss.indicated, 3);
    assert_int_equal(ss.delivered, 3);
    assert_int_equal(ss.filtered, 1);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    wbemev_sink_t *all[] = {on_base, on_sample, on_child, on_other};
    for (size_t i = 0; i < 4; i++)
        wbemev_sink_release(all[i]);
}

/* A synchronous consumer gets the events of one provider call in arrays of up to 64, in order;
 * projections are views in the array; past the eighth subscription a call reaches, one by one; a
 * consumer failing an array loses that array (discarded) and is cancelled. */
static void test_sync_arrays(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    enum { NSUBS = 10, NEV = 150 };
    wbemev_sink_t *rec[NSUBS];
    uint32_t ids[NSUBS];
    for (int k = 0; k < 8; k++) {
        const char *q = k == 0 ? "SELECT Name FROM Sample_Event"
                        /* not indexable, so every event visits it (and takes a call slot) */
                        : k == 1 ? "SELECT * FROM Sample_Event WHERE NOT (Severity <= 2)"
                                 : "SELECT * FROM Sample_Event";
        assert_wbemev_ok(wbemev_recording_sink_new(&rec[k]));
        assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, q, rec[k], NULL, &ids[k]), WBEMEV_S_NO_ERROR);
    }
    wbemev_recording_sink_fail_after(rec[2], 70, WBEMEV_E_FAILED); /* fails in its second array */

    wbemev_object_t *batch[NEV];
    for (int i = 0; i < NEV; i++) {
        char name[16];
        snprintf(name, sizeof name, "e%d", i);
        batch[i] = new_event(fx->sample, name, i % 5);
    }
    assert_wbemev_status(fake_provider_indicate(f, NEV, batch), WBEMEV_S_NO_ERROR);

    /* All of them, in order, in 64 + 64 + 22; the projection shows Name only. */
    assert_int_equal(wbemev_recording_sink_count(rec[0]), NEV);
    assert_int_equal(wbemev_recording_sink_indicate_calls(rec[0]), 3);
    for (int i = 0; i < NEV; i++) {
        wbemev_object_t *got = recorded(rec[0], (size_t)i);
        const char *name = NULL;
        char want[16];
        snprintf(want, sizeof want, "e%d", i);
        assert_wbemev_ok(wbemev_object_get_string(got, "Name", &name));
        assert_string_equal(name, want);
        assert_ptr_not_equal(got, batch[i]);
        int32_t sev;
        assert_true(WBEMEV_FAILED(wbemev_object_get_sint32(got, "Severity", &sev)));
    }
    /* Filtered: 60 of them (Severity 3 and 4), one array. */
    assert_int_equal(wbemev_recording_sink_count(rec[1]), 60);
    assert_int_equal(wbemev_recording_sink_indicate_calls(rec[1]), 1);
    assert_ptr_equal(recorded(rec[1], 0), batch[3]);
    wbemev_subscription_stats ss;
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(fx->d, ids[1], &ss));
    assert_int_equal(ss.delivered, 60);
    assert_int_equal(ss.filtered, NEV - 60);
    /* The failing one: its first array was delivered, the second discarded, then it was cancelled. */
    assert_wbemev_status(wbemev_dispatcher_subscription_stats(fx->d, ids[2], &ss), WBEMEV_E_NOT_FOUND);
    assert_int_equal(wbemev_recording_sink_indicate_calls(rec[2]), 2);
    assert_int_equal(wbemev_recording_sink_status_count(rec[2]), 1);
    assert_wbemev_status(recorded_status(rec[2], 0).status, WBEMEV_E_CALL_CANCELLED);
    for (int k = 3; k < 8; k++) {
        assert_int_equal(wbemev_recording_sink_count(rec[k]), NEV);
        assert_int_equal(wbemev_recording_sink_indicate_calls(rec[k]), 3);
        assert_wbemev_ok(wbemev_dispatcher_subscription_stats(fx->d, ids[k], &ss));
        assert_int_equal(ss.delivered, NEV);
        assert_int_equal(ss.indicated, NEV);
    }
    /* Nine subscriptions reached by one call: eight get an array, the ninth one Indicate per event. */
    for (int k = 8; k < NSUBS; k++) {
        assert_wbemev_ok(wbemev_recording_sink_new(&rec[k]));
        assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec[k], NULL, &ids[k]),
                             WBEMEV_S_NO_ERROR);
    }
    size_t calls_before[NSUBS];
    for (int k = 0; k < NSUBS; k++)
        calls_before[k] = wbemev_recording_sink_indicate_calls(rec[k]);
    assert_wbemev_status(fake_provider_indicate(f, 10, batch + 100),
                         WBEMEV_S_NO_ERROR); /* indicated again: allowed (record) */
    int arrays = 0, one_by_one = 0;
    for (int k = 0; k < NSUBS; k++) {
        if (k == 1 || k == 2) /* filtered (4 of 10 pass: one array) / ended */
            continue;
        size_t calls = wbemev_recording_sink_indicate_calls(rec[k]) - calls_before[k];
        arrays += calls == 1;
        one_by_one += calls == 10;
    }
    assert_int_equal(arrays, 7);
    assert_int_equal(one_by_one, 1);

    for (int i = 0; i < NEV; i++)
        wbemev_object_release(batch[i]);
    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    for (int k = 0; k < NSUBS; k++)
        wbemev_sink_release(rec[k]);
}

static wbemev_object_t *event_with_sd(wbemev_class_t *cls, const uint8_t *sid, size_t sid_len)
{
    wbemev_object_t *o = new_event(cls, "sd", 1);
    if (sid != NULL) {
        uint8_t sd[64] = {1, 0, 4, 0x80, 0, 0, 0, 0};
        memcpy(sd + 8, sid, sid_len);
        wbemev_value v = WBEMEV_V_ARRAY(WBEMEV_CIM_UINT8, sd, 8 + sid_len);
        assert_wbemev_ok(wbemev_object_put(o, "SECURITY_DESCRIPTOR", &v));
    }
    return o;
}

static void test_subject_to_sds_filters_per_event(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    fake_provider_answer(f, FAKE_CALL_ACCESS_CHECK, WBEMEV_S_SUBJECT_TO_SDS);
    assert_wbemev_status(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 1),
                         WBEMEV_S_NO_ERROR);
    wbemev_sink_t *alice, *temp;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&alice));
    assert_wbemev_ok(wbemev_recording_sink_new(&temp));
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.sid = sid_alice;
    so.sid_length = sizeof sid_alice;
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", alice, &so, &id),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", temp, NULL, &id),
                         WBEMEV_S_NO_ERROR);

    wbemev_object_t *open = event_with_sd(fx->sample, NULL, 0);
    wbemev_object_t *for_alice = event_with_sd(fx->sample, sid_alice, sizeof sid_alice);
    wbemev_object_t *for_bob = event_with_sd(fx->sample, sid_bob, sizeof sid_bob);
    wbemev_object_t *batch[] = {open, for_alice, for_bob};
    assert_wbemev_status(fake_provider_indicate(f, 3, batch), WBEMEV_S_NO_ERROR);
    /* NULL descriptor: everyone. Alice's: Alice only. Bob's: nobody here. */
    assert_int_equal(wbemev_recording_sink_count(alice), 2);
    assert_int_equal(wbemev_recording_sink_count(temp), 1);
    assert_ptr_equal(recorded(alice, 1), for_alice);
    wbemev_subscription_stats ss;
    assert_wbemev_ok(wbemev_dispatcher_subscription_stats(fx->d, id, &ss));
    assert_int_equal(ss.delivered, 1);
    assert_int_equal(ss.filtered, 2);
    wbemev_object_release(open);
    wbemev_object_release(for_alice);
    wbemev_object_release(for_bob);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_provider_release(f);
    wbemev_sink_release(alice);
    wbemev_sink_release(temp);
}

/* A dispatcher-wide check replaces the default (on Windows: AccessCheck). */
static bool only_bob(void *ctx, const uint8_t *sd, size_t sd_length, const uint8_t *sid, size_t sid_length)
{
    (void)sd, (void)sd_length;
    (*(int *)ctx)++;
    return sid != NULL && sid_length == sizeof sid_bob && memcmp(sid, sid_bob, sid_length) == 0;
}

static void test_sd_check_hook(void **state)
{
    struct fixture *fx = *state;
    int calls = 0;
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.sd_check = only_bob;
    o.sd_check_ctx = &calls;
    wbemev_dispatcher_t *d;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &d));
    wbemev_class_t *cls;
    const wbemev_property_def props[] = {{"Name", WBEMEV_CIM_STRING, NULL}, {"Severity", WBEMEV_CIM_SINT32, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(wbemev_dispatcher_namespace(d), "Sample_Event", "__ExtrinsicEvent", props, 2, &cls));
    fake_provider *f = fx->p[0];
    fake_provider_answer(f, FAKE_CALL_ACCESS_CHECK, WBEMEV_S_SUBJECT_TO_SDS);
    assert_wbemev_status(wbemev_dispatcher_register(d, "P", fake_provider_base(f), sample_list, 1), WBEMEV_S_NO_ERROR);
    wbemev_sink_t *bob;
    uint32_t id;
    assert_wbemev_ok(wbemev_recording_sink_new(&bob));
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.sid = sid_bob;
    so.sid_length = sizeof sid_bob;
    assert_wbemev_status(wbemev_dispatcher_subscribe(d, "SELECT * FROM Sample_Event", bob, &so, &id),
                         WBEMEV_S_NO_ERROR);
    wbemev_object_t *e = event_with_sd(cls, sid_alice, sizeof sid_alice);
    assert_wbemev_status(fake_provider_indicate1(f, e), WBEMEV_S_NO_ERROR);
    assert_int_equal(calls, 1);
    assert_int_equal(wbemev_recording_sink_count(bob), 1);
    wbemev_object_release(e);
    wbemev_dispatcher_destroy(d);
    fake_provider_release(f);
    wbemev_sink_release(bob);
    wbemev_class_release(cls);
}

/* ------------------------------------------------------------------------------------------------
 * Shutdown keeps its deadline: a consumer or provider stuck in a call is reported
 * (CALL_OVERRAN_SHUTDOWN) and shutdown returns WBEMEV_E_TIMED_OUT while the call is still running
 * (the gates prove it: they open only after shutdown returned). Destroy then waits for the call.
 */
/* The CALL_OVERRAN_SHUTDOWN record, which must exist. */
static wbemev_violation overran_record(wbemev_dispatcher_t *d)
{
    wbemev_violation v = {0};
    for (size_t i = 0; i < wbemev_dispatcher_violation_count(d); i++) {
        assert_wbemev_ok(wbemev_dispatcher_violation_at(d, i, &v));
        if (v.code == WBEMEV_VIOLATION_CALL_OVERRAN_SHUTDOWN)
            return v;
    }
    fail_msg("no CALL_OVERRAN_SHUTDOWN recorded");
    return v;
}

struct fire_arg {
    fake_provider *p;
    wbemev_class_t *cls;
    wbemev_status st;
};

static void fire_main(void *arg)
{
    struct fire_arg *a = arg;
    a->st = fake_fire(a->p, a->cls, "stuck", 1);
}

static void shutdown_with_consumer_in_indicate(struct fixture *fx, wbemev_delivery delivery)
{
    fake_provider *f = fx->p[0];
    assert_wbemev_ok(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 1));
    fake_consumer *c = test_fakes_consumer(&fx->fakes);
    fake_consumer_gate(c, true);
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.delivery = delivery;
    uint32_t id;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", fake_consumer_sink(c), &so, &id));
    struct fire_arg fa = {f, fx->sample, WBEMEV_E_FAILED};
    wbemev_thread t = {0};
    assert_wbemev_ok(wbemev_thread_start(&t, fire_main, &fa));
    fake_consumer_wait_entered(c, 1);

    assert_wbemev_status(wbemev_dispatcher_shutdown_deadline(fx->d, 10), WBEMEV_E_TIMED_OUT);
    /* Returned while the consumer is still at the gate: nothing accepted, no final SetStatus. */
    assert_int_equal(fake_consumer_events(c), 0);
    assert_int_equal(fake_consumer_completes(c), 0);
    wbemev_violation v = overran_record(fx->d);
    assert_string_equal(v.provider, "(consumer)");
    assert_int_equal(v.subscription, id);
    assert_string_equal(v.query, "SELECT * FROM Sample_Event");
    assert_string_equal(v.first_call, "Indicate");
    assert_int_equal(v.count, 1);
    /* Shutting down meanwhile: nothing new gets in. */
    uint32_t id2;
    assert_wbemev_status(
        wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", fake_consumer_sink(c), NULL, &id2),
        WBEMEV_E_SHUTTING_DOWN);
    assert_wbemev_status(wbemev_dispatcher_shutdown_deadline(fx->d, 0), WBEMEV_E_TIMED_OUT);
    assert_int_equal(wbemev_dispatcher_violations_of(fx->d, WBEMEV_VIOLATION_CALL_OVERRAN_SHUTDOWN), 1); /* once */

    fake_consumer_gate(c, false);
    assert_wbemev_ok(wbemev_thread_join(&t));
    assert_wbemev_ok(fa.st);
    /* The rest of the sequence finished once the call returned. */
    assert_wbemev_ok(wbemev_dispatcher_shutdown_deadline(fx->d, UINT32_MAX));
    assert_int_equal(fake_consumer_events(c), 1);
    assert_consumer_ended(c, WBEMEV_E_SHUTTING_DOWN);
    assert_int_equal(fake_provider_refs(f), 1); /* the dispatcher's went; the test's is left */
}

static void test_shutdown_deadline_sync_consumer_in_indicate(void **state)
{
    shutdown_with_consumer_in_indicate(*state, WBEMEV_DELIVERY_SYNC);
}

static void test_shutdown_deadline_queued_consumer_in_indicate(void **state)
{
    shutdown_with_consumer_in_indicate(*state, WBEMEV_DELIVERY_QUEUED);
}

/* A provider whose ProvideEvents does not return (its loop runs inside the call). */
struct stuck_call {
    fake_call call;
    wbemev_stop_flag entered, release;
};

static void stuck_hook(void *ctx, fake_provider *p, const fake_call_args *call)
{
    struct stuck_call *s = ctx;
    (void)p;
    if (call->call != s->call)
        return;
    wbemev_stop_flag_set(&s->entered);
    wbemev_stop_flag_wait(&s->release, WBEMEV_THREAD_WAIT_FOREVER);
}

struct subscribe_arg {
    wbemev_dispatcher_t *d;
    wbemev_sink_t *consumer;
    wbemev_status st;
};

static void subscribe_main(void *arg)
{
    struct subscribe_arg *a = arg;
    uint32_t id;
    a->st = wbemev_dispatcher_subscribe(a->d, "SELECT * FROM Sample_Event", a->consumer, NULL, &id);
}

static void test_shutdown_deadline_provide_events_blocks(void **state)
{
    struct fixture *fx = *state;
    wbemev_dispatcher_destroy(fx->d); /* this test's own, with a short provider-call limit */
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.provider_call_limit_ms = 20;
    o.shutdown_drain_ms = 10;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &fx->d));
    wbemev_class_t *cls = define_event_class(fx->d, "Sample_Event");
    fake_provider *f = fx->p[0];
    struct stuck_call s;
    memset(&s, 0, sizeof s);
    s.call = FAKE_CALL_PROVIDE_EVENTS;
    assert_wbemev_ok(wbemev_stop_flag_init(&s.entered));
    assert_wbemev_ok(wbemev_stop_flag_init(&s.release));
    fake_provider_set_hook(f, stuck_hook, &s);
    assert_wbemev_ok(wbemev_dispatcher_register(fx->d, "Stuck", fake_provider_base(f), sample_list, 1));
    fake_consumer *c = test_fakes_consumer(&fx->fakes);
    struct subscribe_arg sa = {fx->d, fake_consumer_sink(c), WBEMEV_E_FAILED};
    wbemev_thread t = {0};
    assert_wbemev_ok(wbemev_thread_start(&t, subscribe_main, &sa));
    wbemev_stop_flag_wait(&s.entered, WBEMEV_THREAD_WAIT_FOREVER);

    assert_wbemev_status(wbemev_dispatcher_shutdown(fx->d), WBEMEV_E_TIMED_OUT); /* the deadline, then the limit */
    assert_false(wbemev_stop_flag_is_set(&s.release)); /* still inside ProvideEvents */
    assert_int_equal(fake_provider_refs(f), 2); /* not released under the call */
    wbemev_violation v = overran_record(fx->d);
    assert_string_equal(v.provider, "Stuck");
    assert_string_equal(v.first_call, "ProvideEvents");
    assert_int_equal(v.subscription, 0);

    wbemev_stop_flag_set(&s.release);
    assert_wbemev_ok(wbemev_thread_join(&t));
    assert_wbemev_ok(sa.st);
    wbemev_dispatcher_destroy(fx->d); /* waits for the sequence, then frees */
    fx->d = NULL;
    assert_int_equal(fake_provider_refs(f), 1);
    assert_consumer_ended(c, WBEMEV_E_SHUTTING_DOWN);
    wbemev_stop_flag_destroy(&s.entered);
    wbemev_stop_flag_destroy(&s.release);
    wbemev_class_release(cls);
}

/* A shutdown nobody holds up finishes within its deadline: WBEMEV_S_NO_ERROR, nothing reported. */
static void test_shutdown_deadline_nothing_stuck(void **state)
{
    struct fixture *fx = *state;
    fake_provider *f = fx->p[0];
    assert_wbemev_ok(wbemev_dispatcher_register(fx->d, "P", fake_provider_base(f), sample_list, 1));
    fake_consumer *c = test_fakes_consumer(&fx->fakes);
    uint32_t id;
    assert_wbemev_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", fake_consumer_sink(c), NULL, &id));
    assert_wbemev_ok(fake_fire(f, fx->sample, "e", 1));
    assert_wbemev_ok(wbemev_dispatcher_shutdown_deadline(fx->d, 0));
    assert_int_equal(wbemev_dispatcher_violations_of(fx->d, WBEMEV_VIOLATION_CALL_OVERRAN_SHUTDOWN), 0);
    assert_consumer_ended(c, WBEMEV_E_SHUTTING_DOWN);
    assert_wbemev_ok(wbemev_dispatcher_shutdown(fx->d)); /* again: done */
    assert_wbemev_status(wbemev_dispatcher_shutdown(NULL), WBEMEV_E_INVALID_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_call_order_new_query_before_provide_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_query_reaches_providers_registered_later, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initialize_reported_later, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initialize_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_denied_leaves_no_subscription, setup, teardown),
        cmocka_unit_test_setup_teardown(test_polymorphic_matching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mixed_class_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_arrays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indicate_freezes_and_stamps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indicate_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumer_failure_cancels_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsubscribe_from_inside_indicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indicate_after_destroy_and_unregister, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provide_events_failure_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_projection_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subject_to_sds_filters_per_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sd_check_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_deadline_sync_consumer_in_indicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_deadline_queued_consumer_in_indicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_deadline_provide_events_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_deadline_nothing_stuck, setup, teardown),
    };
    return cmocka_run_group_tests_name("dispatcher", tests, NULL, NULL);
}
