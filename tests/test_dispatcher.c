/*
 * tests/test_dispatcher.c: the dispatcher's WMI call order, delivery, exactly-once endings and
 * reference balance, with a fake provider that logs every call.
 */
#include "test_support.h"

#include "wbemev/testkit.h" /* the recording sink */

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------
 * A fake provider: logs calls in order, keeps the sink like a real provider, counts references.
 */
enum call { C_INIT, C_PROVIDE, C_NEW_QUERY, C_CANCEL_QUERY, C_ACCESS, C_FINAL_RELEASE };

enum init_mode { INIT_NONE, INIT_OK, INIT_FAIL_STATUS, INIT_FAIL_RETURN, INIT_LATER };

struct fake {
    wbemev_provider_t base;
    atomic_int refs;
    enum call log[64];
    uint32_t ids[64];
    size_t nlog;
    wbemev_sink_t *sink;      /* kept from provide_events */
    wbemev_sink_t *init_sink; /* kept when INIT_LATER */
    enum init_mode init;
    wbemev_status access;     /* what access_check answers */
    wbemev_status new_query;  /* what new_query answers */
    wbemev_status provide;    /* what provide_events answers */
    char last_query[256];
    size_t last_sid_len;
};

static struct fake *fake_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct fake, base);
}

static void fake_log(struct fake *f, enum call c, uint32_t id)
{
    assert_true(f->nlog < 64);
    f->ids[f->nlog] = id;
    f->log[f->nlog++] = c;
}

static void fake_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add(&fake_from(p)->refs, 1);
}

static void fake_release(wbemev_provider_t *p)
{
    struct fake *f = fake_from(p);
    if (atomic_fetch_sub(&f->refs, 1) == 1) {
        /* The final release stops the provider: it lets go of its sinks. The test owns the memory. */
        fake_log(f, C_FINAL_RELEASE, 0);
        if (f->sink != NULL)
            wbemev_sink_release(f->sink);
        f->sink = NULL;
        if (f->init_sink != NULL)
            wbemev_sink_release(f->init_sink);
        f->init_sink = NULL;
    }
}

static wbemev_status fake_initialize(wbemev_provider_t *p, const wbemev_provider_init *init,
                                     wbemev_sink_t *init_sink)
{
    struct fake *f = fake_from(p);
    fake_log(f, C_INIT, 0);
    assert_non_null(init->ns);
    assert_non_null(init->namespace_name);
    switch (f->init) {
    case INIT_OK:
        wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_INITIALIZED, NULL, NULL);
        break;
    case INIT_FAIL_STATUS:
        wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_E_FAILED, NULL, NULL);
        break;
    case INIT_FAIL_RETURN:
        return WBEMEV_E_FAILED;
    case INIT_LATER:
        f->init_sink = wbemev_sink_add_ref(init_sink);
        break;
    case INIT_NONE:
        break;
    }
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status fake_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    struct fake *f = fake_from(p);
    assert_int_equal(flags, 0);
    fake_log(f, C_PROVIDE, 0);
    if (WBEMEV_FAILED(f->provide))
        return f->provide;
    if (f->sink != NULL)
        wbemev_sink_release(f->sink);
    f->sink = wbemev_sink_add_ref(sink);
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status fake_new_query(wbemev_provider_t *p, uint32_t id, const char *language,
                                    const char *query)
{
    struct fake *f = fake_from(p);
    assert_string_equal(language, "WQL");
    fake_log(f, C_NEW_QUERY, id);
    snprintf(f->last_query, sizeof f->last_query, "%s", query);
    return f->new_query;
}

static wbemev_status fake_cancel_query(wbemev_provider_t *p, uint32_t id)
{
    fake_log(fake_from(p), C_CANCEL_QUERY, id);
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status fake_access_check(wbemev_provider_t *p, const char *language, const char *query,
                                       const uint8_t *sid, size_t sid_length)
{
    struct fake *f = fake_from(p);
    assert_string_equal(language, "WQL");
    assert_non_null(query);
    assert_true((sid == NULL) == (sid_length == 0));
    f->last_sid_len = sid_length;
    fake_log(f, C_ACCESS, 0);
    return f->access;
}

static const wbemev_provider_vtbl fake_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, fake_add_ref,   fake_release,      fake_initialize,
    fake_provide_events,          fake_new_query, fake_cancel_query, fake_access_check,
};

static const wbemev_provider_vtbl fake_minimal_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, fake_add_ref, fake_release, NULL, fake_provide_events, NULL, NULL, NULL,
};

static void fake_init(struct fake *f, enum init_mode init)
{
    memset(f, 0, sizeof *f);
    f->base.vtbl = &fake_vtbl;
    atomic_init(&f->refs, 1);
    f->init = init;
}

static size_t count_calls(const struct fake *f, enum call c)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nlog; i++)
        n += f->log[i] == c;
    return n;
}

static size_t first_call(const struct fake *f, enum call c)
{
    for (size_t i = 0; i < f->nlog; i++)
        if (f->log[i] == c)
            return i;
    return SIZE_MAX;
}

/* ------------------------------------------------------------------------------------------------
 * Fixture: a dispatcher with Sample_Event : __ExtrinsicEvent, Sample_Child : Sample_Event,
 * Other_Event : __ExtrinsicEvent, and a non-event class Plain.
 */
struct fixture {
    wbemev_dispatcher_t *d;
    wbemev_class_t *sample, *child, *other, *plain;
    size_t live_allocs;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    fx->live_allocs = wbemev_live_allocations();
    assert_ok(wbemev_dispatcher_new(NULL, &fx->d));
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(fx->d);
    const wbemev_property_def props[] = {
        {"Name", WBEMEV_CIM_STRING, NULL},
        {"Severity", WBEMEV_CIM_SINT32, NULL},
    };
    const wbemev_property_def child_props[] = {{"Extra", WBEMEV_CIM_UINT64, NULL}};
    assert_ok(wbemev_namespace_define_class(ns, "Sample_Event", "__ExtrinsicEvent", props, 2, &fx->sample));
    assert_ok(wbemev_namespace_define_class(ns, "Sample_Child", "Sample_Event", child_props, 1, &fx->child));
    assert_ok(wbemev_namespace_define_class(ns, "Other_Event", "__ExtrinsicEvent", props, 2, &fx->other));
    assert_ok(wbemev_namespace_define_class(ns, "Plain", NULL, props, 2, &fx->plain));
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx->d != NULL)
        wbemev_dispatcher_destroy(fx->d);
    wbemev_class_release(fx->sample);
    wbemev_class_release(fx->child);
    wbemev_class_release(fx->other);
    wbemev_class_release(fx->plain);
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), fx->live_allocs);
    free(fx);
    return 0;
}

static const char *const sample_list[] = {"SELECT * FROM Sample_Event"};

static wbemev_object_t *make_event(wbemev_class_t *cls, const char *name, int32_t severity)
{
    wbemev_object_t *o;
    assert_ok(wbemev_class_spawn_instance(cls, &o));
    assert_ok(wbemev_object_put_string(o, "Name", name));
    assert_ok(wbemev_object_put_sint32(o, "Severity", severity));
    return o;
}

/* Indicates one fresh event through the provider's kept sink; returns Indicate's status. */
static wbemev_status fire(struct fake *f, wbemev_class_t *cls, const char *name, int32_t severity)
{
    wbemev_object_t *o = make_event(cls, name, severity);
    wbemev_status st = wbemev_sink_indicate1(f->sink, o);
    wbemev_object_release(o);
    return st;
}

/* What a recording sink received: event or SetStatus number i, which must exist. */
static wbemev_object_t *recorded(wbemev_sink_t *rec, size_t i)
{
    wbemev_object_t *e = NULL;
    assert_ok(wbemev_recording_sink_event_at(rec, i, &e));
    return e;
}
static wbemev_recorded_status recorded_status(wbemev_sink_t *rec, size_t i)
{
    wbemev_recorded_status s = {0};
    assert_ok(wbemev_recording_sink_status_at(rec, i, &s));
    return s;
}

static void assert_single_status(wbemev_sink_t *rec, wbemev_status expected)
{
    assert_int_equal(wbemev_recording_sink_status_count(rec), 1);
    wbemev_recorded_status s = recorded_status(rec, 0);
    assert_int_equal(s.flags, WBEMEV_STATUS_COMPLETE);
    assert_status(s.status, expected);
}

/* ------------------------------------------------------------------------------------------------
 * Call order
 */
static void test_call_order_new_query_before_provide_events(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_OK);
    assert_ok(wbemev_dispatcher_register(fx->d, "SampleProvider", &f.base, sample_list, 1));
    assert_int_equal(f.nlog, 1);
    assert_int_equal(f.log[0], C_INIT);
    assert_int_equal(atomic_load(&f.refs), 2); /* the dispatcher holds one */

    wbemev_sink_t *rec;
    uint32_t id = 0;
    assert_ok(wbemev_recording_sink_new(&rec));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id));
    assert_int_not_equal(id, 0);
    /* AccessCheck, then NewQuery, then ProvideEvents. */
    assert_true(first_call(&f, C_ACCESS) < first_call(&f, C_NEW_QUERY));
    assert_true(first_call(&f, C_NEW_QUERY) < first_call(&f, C_PROVIDE));
    assert_int_equal(f.ids[first_call(&f, C_NEW_QUERY)], id);
    assert_string_equal(f.last_query, "SELECT * FROM Sample_Event");
    assert_non_null(f.sink);

    /* A second subscription: NewQuery again, ProvideEvents not again. */
    uint32_t id2 = 0;
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id2));
    assert_int_not_equal(id, id2);
    assert_int_equal(count_calls(&f, C_NEW_QUERY), 2);
    assert_int_equal(count_calls(&f, C_PROVIDE), 1);

    wbemev_provider_stats ps;
    assert_ok(wbemev_dispatcher_provider_stats(fx->d, "SampleProvider", &ps));
    assert_int_equal(ps.provide_events_calls, 1);
    assert_true(ps.ready);

    /* Unsubscribe: CancelQuery with the id. */
    assert_ok(wbemev_dispatcher_unsubscribe(fx->d, id));
    assert_int_equal(count_calls(&f, C_CANCEL_QUERY), 1);
    assert_int_equal(f.ids[first_call(&f, C_CANCEL_QUERY)], id);
    assert_status(wbemev_dispatcher_unsubscribe(fx->d, id), WBEMEV_E_NOT_FOUND);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    /* Destroy cancelled the other query and released the provider, which let go of its sink. */
    assert_int_equal(count_calls(&f, C_CANCEL_QUERY), 2);
    assert_int_equal(atomic_load(&f.refs), 1);
    assert_int_equal(wbemev_recording_sink_status_count(rec), 2);
    assert_int_equal(wbemev_recording_sink_refs(rec), 1);
    fake_release(&f.base);
    assert_int_equal(f.log[f.nlog - 1], C_FINAL_RELEASE);
    wbemev_sink_release(rec);
}

static void test_new_query_reaches_providers_registered_later(void **state)
{
    struct fixture *fx = *state;
    wbemev_sink_t *rec;
    uint32_t id;
    assert_ok(wbemev_recording_sink_new(&rec));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id));

    struct fake f;
    fake_init(&f, INIT_OK);
    assert_ok(wbemev_dispatcher_register(fx->d, "Late", &f.base, sample_list, 1));
    /* Initialize, then NewQuery for the existing subscription, then ProvideEvents. */
    assert_int_equal(f.nlog, 3);
    assert_int_equal(f.log[0], C_INIT);
    assert_int_equal(f.log[1], C_NEW_QUERY);
    assert_int_equal(f.ids[1], id);
    assert_int_equal(f.log[2], C_PROVIDE);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_release(&f.base);
    assert_single_status(rec, WBEMEV_E_SHUTTING_DOWN);
    wbemev_sink_release(rec);
}

static void test_initialize_reported_later(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_LATER);
    assert_ok(wbemev_dispatcher_register(fx->d, "Slow", &f.base, sample_list, 1));
    wbemev_sink_t *rec;
    uint32_t id;
    assert_ok(wbemev_recording_sink_new(&rec));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id));
    /* Not ready yet: nothing but Initialize. */
    assert_int_equal(f.nlog, 1);
    wbemev_provider_stats ps;
    assert_ok(wbemev_dispatcher_provider_stats(fx->d, "Slow", &ps));
    assert_false(ps.ready);

    assert_ok(wbemev_sink_set_status(f.init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_INITIALIZED, NULL, NULL));
    assert_int_equal(f.nlog, 3);
    assert_int_equal(f.log[1], C_NEW_QUERY);
    assert_int_equal(f.log[2], C_PROVIDE);
    /* Readiness is reported once. */
    assert_status(wbemev_sink_set_status(f.init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_INITIALIZED, NULL, NULL),
                  WBEMEV_E_INVALID_OPERATION);
    assert_ok(fire(&f, fx->sample, "x", 1));
    assert_int_equal(wbemev_recording_sink_count(rec), 1);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_release(&f.base);
    wbemev_sink_release(rec);
}

static void test_initialize_failure(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_FAIL_STATUS);
    assert_status(wbemev_dispatcher_register(fx->d, "Bad", &f.base, sample_list, 1),
                  WBEMEV_E_PROVIDER_LOAD_FAILURE);
    assert_int_equal(atomic_load(&f.refs), 1); /* not kept */
    fake_init(&f, INIT_FAIL_RETURN);
    assert_status(wbemev_dispatcher_register(fx->d, "Bad", &f.base, sample_list, 1),
                  WBEMEV_E_PROVIDER_LOAD_FAILURE);
    assert_int_equal(atomic_load(&f.refs), 1);
    wbemev_provider_stats ps;
    assert_status(wbemev_dispatcher_provider_stats(fx->d, "Bad", &ps), WBEMEV_E_NOT_FOUND);

    /* Failure reported later: the registration goes away and the provider is released. */
    fake_init(&f, INIT_LATER);
    assert_ok(wbemev_dispatcher_register(fx->d, "Later", &f.base, sample_list, 1));
    assert_ok(wbemev_sink_set_status(f.init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_E_FAILED, NULL, NULL));
    assert_status(wbemev_dispatcher_provider_stats(fx->d, "Later", &ps), WBEMEV_E_NOT_FOUND);
    assert_int_equal(atomic_load(&f.refs), 1);
    fake_release(&f.base);
}

static void test_access_denied_leaves_no_subscription(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_OK);
    f.access = WBEMEV_E_ACCESS_DENIED;
    assert_ok(wbemev_dispatcher_register(fx->d, "Guard", &f.base, sample_list, 1));
    wbemev_sink_t *rec;
    uint32_t id = 12345;
    assert_ok(wbemev_recording_sink_new(&rec));
    const uint8_t sid[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.sid = sid;
    so.sid_length = sizeof sid;
    assert_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, &so, &id),
                  WBEMEV_E_ACCESS_DENIED);
    assert_int_equal(id, 12345); /* out-parameter untouched */
    assert_int_equal(f.last_sid_len, sizeof sid);
    assert_int_equal(count_calls(&f, C_NEW_QUERY), 0);
    assert_int_equal(count_calls(&f, C_PROVIDE), 0);
    assert_int_equal(wbemev_dispatcher_subscription_count(fx->d), 0);
    /* The consumer was never called and not kept. */
    assert_int_equal(wbemev_recording_sink_status_count(rec), 0);
    assert_int_equal(wbemev_recording_sink_refs(rec), 1);

    /* A failing NewQuery fails the subscribe too, with the provider's status. */
    f.access = WBEMEV_S_NO_ERROR;
    f.new_query = WBEMEV_E_INVALID_QUERY;
    assert_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id),
                  WBEMEV_E_INVALID_QUERY);
    assert_int_equal(wbemev_dispatcher_subscription_count(fx->d), 0);
    assert_int_equal(wbemev_recording_sink_refs(rec), 1);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_release(&f.base);
    assert_int_equal(wbemev_recording_sink_status_count(rec), 0);
    wbemev_sink_release(rec);
}

/* ------------------------------------------------------------------------------------------------
 * Delivery
 */
static void test_polymorphic_matching(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_NONE);
    f.base.vtbl = &fake_minimal_vtbl;
    const char *const list[] = {"SELECT * FROM Sample_Event", "SELECT * FROM Other_Event"};
    assert_ok(wbemev_dispatcher_register(fx->d, "Poly", &f.base, list, 2));

    wbemev_sink_t *on_base, *on_sample, *on_child, *on_other, *on_event;
    uint32_t id;
    assert_ok(wbemev_recording_sink_new(&on_base));
    assert_ok(wbemev_recording_sink_new(&on_sample));
    assert_ok(wbemev_recording_sink_new(&on_child));
    assert_ok(wbemev_recording_sink_new(&on_other));
    assert_ok(wbemev_recording_sink_new(&on_event));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM __ExtrinsicEvent", on_base, NULL, &id));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "select * from sample_event", on_sample, NULL, &id));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Child", on_child, NULL, &id));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Other_Event", on_other, NULL, &id));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM __Event", on_event, NULL, &id));
    assert_int_equal(count_calls(&f, C_PROVIDE), 1);

    assert_ok(fire(&f, fx->sample, "s", 1));
    assert_ok(fire(&f, fx->child, "c", 2));
    assert_ok(fire(&f, fx->other, "o", 3));

    assert_int_equal(wbemev_recording_sink_count(on_base), 3);
    assert_int_equal(wbemev_recording_sink_count(on_event), 3);
    assert_int_equal(wbemev_recording_sink_count(on_sample), 2); /* Sample_Event and its child */
    assert_int_equal(wbemev_recording_sink_count(on_child), 1);
    assert_int_equal(wbemev_recording_sink_count(on_other), 1);
    assert_string_equal(wbemev_object_class_name(recorded(on_child, 0)), "Sample_Child");
    /* In order, per consumer. */
    const char *name;
    assert_ok(wbemev_object_get_string(recorded(on_base, 0), "Name", &name));
    assert_string_equal(name, "s");
    assert_ok(wbemev_object_get_string(recorded(on_base, 2), "Name", &name));
    assert_string_equal(name, "o");
    /* The same frozen object is shared with every consumer: no copy. */
    assert_ptr_equal(recorded(on_base, 1), recorded(on_child, 0));

    wbemev_subscription_stats ss;
    assert_ok(wbemev_dispatcher_subscription_stats(fx->d, id, &ss));
    assert_int_equal(ss.delivered, 3);
    wbemev_provider_stats ps;
    assert_ok(wbemev_dispatcher_provider_stats(fx->d, "Poly", &ps));
    assert_int_equal(ps.indicated, 3);
    assert_int_equal(ps.accepted, 3);
    assert_int_equal(ps.refused, 0);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_release(&f.base);
    wbemev_sink_t *all[] = {on_base, on_sample, on_child, on_other, on_event};
    for (size_t i = 0; i < 5; i++) {
        assert_single_status(all[i], WBEMEV_E_SHUTTING_DOWN);
        wbemev_sink_release(all[i]);
    }
}

static void test_indicate_freezes_and_stamps(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_OK);
    assert_ok(wbemev_dispatcher_register(fx->d, "P", &f.base, sample_list, 1));
    wbemev_sink_t *rec;
    uint32_t id;
    assert_ok(wbemev_recording_sink_new(&rec));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id));

    wbemev_object_t *ev = make_event(fx->sample, "a", 1);
    wbemev_object_t *stamped = make_event(fx->sample, "b", 2);
    assert_ok(wbemev_object_put_uint64(stamped, "TIME_CREATED", 42));
    assert_true(wbemev_object_is_null(ev, "TIME_CREATED"));
    wbemev_object_t *batch[] = {ev, stamped};
    assert_ok(wbemev_sink_indicate(f.sink, 2, batch));
    assert_int_equal(wbemev_recording_sink_count(rec), 2);
    assert_int_equal(wbemev_recording_sink_indicate_calls(rec), 1); /* one array for the call's events */

    /* Frozen: Put is refused and changes nothing; a clone is mutable. */
    assert_true(wbemev_object_is_frozen(ev));
    assert_status(wbemev_object_put_sint32(ev, "Severity", 9), WBEMEV_E_READ_ONLY);
    int32_t sev;
    assert_ok(wbemev_object_get_sint32(ev, "Severity", &sev));
    assert_int_equal(sev, 1);
    wbemev_object_t *copy;
    assert_ok(wbemev_object_clone(ev, &copy));
    assert_false(wbemev_object_is_frozen(copy));
    assert_ok(wbemev_object_put_sint32(copy, "Severity", 9));
    wbemev_object_release(copy);

    /* TIME_CREATED: stamped when NULL (a FILETIME after 2020), kept when set. */
    uint64_t t;
    assert_ok(wbemev_object_get_uint64(ev, "TIME_CREATED", &t));
    assert_true(t > 132223104000000000ull);
    assert_ok(wbemev_object_get_uint64(stamped, "TIME_CREATED", &t));
    assert_int_equal(t, 42);

    wbemev_object_release(ev);
    wbemev_object_release(stamped);
    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_release(&f.base);
    wbemev_sink_release(rec);
}

static void test_indicate_bad_arguments(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_OK);
    assert_ok(wbemev_dispatcher_register(fx->d, "P", &f.base, sample_list, 1));
    wbemev_sink_t *rec;
    uint32_t id;
    assert_ok(wbemev_recording_sink_new(&rec));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM __Event", rec, NULL, &id));

    wbemev_object_t *good = make_event(fx->sample, "g", 1);
    wbemev_object_t *plain = make_event(fx->plain, "p", 1);
    wbemev_object_t *cls_obj = wbemev_class_object(fx->sample);
    wbemev_object_t *with_null[] = {good, NULL};
    wbemev_object_t *with_plain[] = {good, plain};
    wbemev_object_t *with_class[] = {good, cls_obj};

    assert_status(wbemev_sink_indicate(f.sink, 1, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_sink_indicate(f.sink, -1, with_null), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_sink_indicate(f.sink, 2, with_null), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_sink_indicate(f.sink, 2, with_plain), WBEMEV_E_NOT_EVENT_CLASS);
    assert_status(wbemev_sink_indicate(f.sink, 2, with_class), WBEMEV_E_INVALID_OBJECT);
    /* A refused call changes nothing: the good object was neither frozen nor delivered. */
    assert_false(wbemev_object_is_frozen(good));
    assert_int_equal(wbemev_recording_sink_count(rec), 0);
    /* An empty Indicate is fine. */
    assert_ok(wbemev_sink_indicate(f.sink, 0, NULL));
    /* Guideline 4: SetStatus on the event sink is refused. */
    assert_status(wbemev_sink_set_status(f.sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL),
                  WBEMEV_E_INVALID_OPERATION);
    assert_int_equal(wbemev_recording_sink_status_count(rec), 0);

    wbemev_provider_stats ps;
    assert_ok(wbemev_dispatcher_provider_stats(fx->d, "P", &ps));
    assert_int_equal(ps.accepted, 0);
    assert_int_equal(ps.refused, 7); /* 1 + 2 + 2 + 2: a negative count is not counted */

    wbemev_object_release(good);
    wbemev_object_release(plain);
    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_release(&f.base);
    wbemev_sink_release(rec);
}

/* ------------------------------------------------------------------------------------------------
 * Endings: exactly one SetStatus, then nothing
 */
static void test_consumer_failure_cancels_once(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_OK);
    assert_ok(wbemev_dispatcher_register(fx->d, "P", &f.base, sample_list, 1));
    wbemev_sink_t *flaky, *steady;
    uint32_t flaky_id, steady_id;
    assert_ok(wbemev_recording_sink_new(&flaky));
    assert_ok(wbemev_recording_sink_new(&steady));
    wbemev_recording_sink_fail_after(flaky, 2, WBEMEV_E_FAILED);
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", flaky, NULL, &flaky_id));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", steady, NULL, &steady_id));

    for (int i = 0; i < 5; i++)
        assert_ok(fire(&f, fx->sample, "e", i));
    assert_int_equal(wbemev_recording_sink_count(flaky), 2);
    assert_int_equal(wbemev_recording_sink_indicate_calls(flaky), 3); /* the third one failed */
    assert_single_status(flaky, WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(wbemev_recording_sink_refs(flaky), 1); /* released by the dispatcher */
    assert_int_equal(wbemev_recording_sink_count(steady), 5);
    assert_int_equal(wbemev_dispatcher_subscription_count(fx->d), 1);
    assert_status(wbemev_dispatcher_unsubscribe(fx->d, flaky_id), WBEMEV_E_NOT_FOUND);
    /* The provider was told the query is gone. */
    assert_int_equal(count_calls(&f, C_CANCEL_QUERY), 1);
    assert_int_equal(f.ids[first_call(&f, C_CANCEL_QUERY)], flaky_id);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    assert_single_status(flaky, WBEMEV_E_CALL_CANCELLED); /* still exactly one */
    assert_single_status(steady, WBEMEV_E_SHUTTING_DOWN);
    fake_release(&f.base);
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
        assert_ok(wbemev_dispatcher_unsubscribe(s->d, s->id));
    assert_int_equal(s->statuses, 0); /* deferred until this Indicate returns */
    return WBEMEV_S_NO_ERROR;
}

static void self_unsub_status(void *ctx, int32_t flags, wbemev_status status, const char *text)
{
    struct self_unsub *s = ctx;
    (void)text;
    assert_int_equal(flags, WBEMEV_STATUS_COMPLETE);
    assert_status(status, WBEMEV_E_CALL_CANCELLED);
    s->statuses++;
}

static void test_unsubscribe_from_inside_indicate(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_OK);
    assert_ok(wbemev_dispatcher_register(fx->d, "P", &f.base, sample_list, 1));
    struct self_unsub s = {.d = fx->d};
    wbemev_sink_t *cb;
    assert_ok(wbemev_callback_sink_new(self_unsub_event, self_unsub_status, &s, &cb));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", cb, NULL, &s.id));
    wbemev_sink_release(cb); /* the dispatcher keeps its own reference */

    wbemev_object_t *a = make_event(fx->sample, "a", 1);
    wbemev_object_t *b = make_event(fx->sample, "b", 2);
    wbemev_object_t *batch[] = {a, b};
    assert_ok(wbemev_sink_indicate(f.sink, 2, batch));
    assert_int_equal(s.events, 2); /* one array: both were in its hands when it unsubscribed */
    assert_int_equal(s.statuses, 1);
    assert_int_equal(s.events_after_status, 0);
    assert_int_equal(wbemev_dispatcher_subscription_count(fx->d), 0);
    assert_ok(fire(&f, fx->sample, "c", 3));
    assert_int_equal(s.events, 2);
    wbemev_object_release(a);
    wbemev_object_release(b);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    assert_int_equal(s.statuses, 1);
    fake_release(&f.base);
}

static void test_indicate_after_destroy_and_unregister(void **state)
{
    struct fixture *fx = *state;
    struct fake f, g;
    fake_init(&f, INIT_OK);
    fake_init(&g, INIT_OK);
    assert_ok(wbemev_dispatcher_register(fx->d, "F", &f.base, sample_list, 1));
    assert_ok(wbemev_dispatcher_register(fx->d, "G", &g.base, sample_list, 1));
    wbemev_sink_t *rec;
    uint32_t id;
    assert_ok(wbemev_recording_sink_new(&rec));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id));
    assert_non_null(f.sink);
    assert_non_null(g.sink);

    /* Keep the sinks past the provider's own life, like a worker thread that was not joined. */
    wbemev_sink_t *f_sink = wbemev_sink_add_ref(f.sink);
    wbemev_sink_t *g_sink = wbemev_sink_add_ref(g.sink);

    assert_ok(wbemev_dispatcher_unregister(fx->d, "F"));
    assert_status(wbemev_dispatcher_unregister(fx->d, "F"), WBEMEV_E_NOT_FOUND);
    assert_int_equal(atomic_load(&f.refs), 1); /* released by the dispatcher */
    wbemev_object_t *o = make_event(fx->sample, "late", 1);
    assert_status(wbemev_sink_indicate1(f_sink, o), WBEMEV_E_CALL_CANCELLED);
    assert_ok(wbemev_sink_indicate1(g_sink, o));
    assert_int_equal(wbemev_recording_sink_count(rec), 1);
    assert_int_equal(wbemev_dispatcher_subscription_count(fx->d), 1); /* subscriptions stay */

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    wbemev_object_t *o2 = make_event(fx->sample, "after", 1);
    assert_status(wbemev_sink_indicate1(g_sink, o2), WBEMEV_E_CALL_CANCELLED);
    assert_single_status(rec, WBEMEV_E_SHUTTING_DOWN);
    assert_int_equal(wbemev_recording_sink_count(rec), 1);
    wbemev_sink_release(f_sink);
    wbemev_sink_release(g_sink);
    wbemev_object_release(o);
    wbemev_object_release(o2);
    fake_release(&f.base);
    fake_release(&g.base);
    wbemev_sink_release(rec);
}

static void test_provide_events_failure_is_retried(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_OK);
    f.provide = WBEMEV_E_FAILED;
    assert_ok(wbemev_dispatcher_register(fx->d, "P", &f.base, sample_list, 1));
    wbemev_sink_t *rec;
    uint32_t id;
    assert_ok(wbemev_recording_sink_new(&rec));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id));
    assert_int_equal(count_calls(&f, C_PROVIDE), 1);
    assert_null(f.sink);
    f.provide = WBEMEV_S_NO_ERROR;
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, &id));
    assert_int_equal(count_calls(&f, C_PROVIDE), 2);
    assert_non_null(f.sink);
    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_release(&f.base);
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
    assert_status(wbemev_dispatcher_new(NULL, NULL), WBEMEV_E_INVALID_PARAMETER);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.struct_size = 1;
    assert_status(wbemev_dispatcher_new(&o, &d2), WBEMEV_E_INVALID_PARAMETER);
    assert_null(d2);
    wbemev_dispatcher_options_init(&o);
    o.namespace_name = "root\\cimv2";
    assert_ok(wbemev_dispatcher_new(&o, &d2));
    assert_string_equal(wbemev_namespace_name(wbemev_dispatcher_namespace(d2)), "root\\cimv2");
    wbemev_dispatcher_destroy(d2);
    wbemev_dispatcher_destroy(NULL);
    assert_null(wbemev_dispatcher_namespace(NULL));

    struct fake f;
    fake_init(&f, INIT_OK);
    const wbemev_provider_vtbl no_provide = {WBEMEV_PROVIDER_VTBL_VERSION, fake_add_ref, fake_release,
                                            NULL, NULL, NULL, NULL, NULL};
    const wbemev_provider_vtbl version0 = {0, fake_add_ref, fake_release, NULL, fake_provide_events,
                                          NULL, NULL, NULL};
    struct fake bad1, bad2;
    fake_init(&bad1, INIT_NONE);
    fake_init(&bad2, INIT_NONE);
    bad1.base.vtbl = &no_provide;
    bad2.base.vtbl = &version0;
    const char *const bad_list[] = {"SELECT * FROM Plain"};
    const char *const unknown_list[] = {"SELECT * FROM Nope"};
    const char *const syntax_list[] = {"SELEKT * FROM Sample_Event"};
    const char *const null_list[] = {NULL};
    assert_status(wbemev_dispatcher_register(NULL, "P", &f.base, sample_list, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_register(fx->d, NULL, &f.base, sample_list, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_register(fx->d, "", &f.base, sample_list, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_register(fx->d, "P", NULL, sample_list, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_register(fx->d, "P", &bad1.base, sample_list, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_register(fx->d, "P", &bad2.base, sample_list, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_register(fx->d, "P", &f.base, NULL, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_register(fx->d, "P", &f.base, sample_list, 0), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_register(fx->d, "P", &f.base, null_list, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_register(fx->d, "P", &f.base, bad_list, 1), WBEMEV_E_NOT_EVENT_CLASS);
    assert_status(wbemev_dispatcher_register(fx->d, "P", &f.base, unknown_list, 1), WBEMEV_E_INVALID_CLASS);
    assert_true(WBEMEV_FAILED(wbemev_dispatcher_register(fx->d, "P", &f.base, syntax_list, 1)));
    assert_int_equal(f.nlog, 0);
    assert_int_equal(atomic_load(&f.refs), 1);
    assert_ok(wbemev_dispatcher_register(fx->d, "P", &f.base, sample_list, 1));
    assert_status(wbemev_dispatcher_register(fx->d, "p", &f.base, sample_list, 1), WBEMEV_E_ALREADY_EXISTS);
    assert_status(wbemev_dispatcher_unregister(NULL, "P"), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_unregister(fx->d, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_unregister(fx->d, "nobody"), WBEMEV_E_NOT_FOUND);

    wbemev_sink_t *rec;
    uint32_t id = 7;
    assert_ok(wbemev_recording_sink_new(&rec));
    wbemev_sink_t broken = {NULL};
    assert_status(wbemev_dispatcher_subscribe(NULL, "SELECT * FROM Sample_Event", rec, NULL, &id), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_subscribe(fx->d, NULL, rec, NULL, &id), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", NULL, NULL, &id), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", &broken, NULL, &id), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, NULL, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Nope", rec, NULL, &id), WBEMEV_E_INVALID_CLASS);
    assert_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Plain", rec, NULL, &id), WBEMEV_E_NOT_EVENT_CLASS);
    assert_true(WBEMEV_FAILED(wbemev_dispatcher_subscribe(fx->d, "garbage", rec, NULL, &id)));
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.sid_length = 4; /* length without bytes */
    assert_status(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec, &so, &id), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(id, 7);
    assert_int_equal(wbemev_recording_sink_refs(rec), 1);
    assert_status(wbemev_dispatcher_unsubscribe(NULL, 1), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_unsubscribe(fx->d, 999), WBEMEV_E_NOT_FOUND);
    assert_int_equal(wbemev_dispatcher_subscription_count(NULL), 0);
    wbemev_subscription_stats ss;
    wbemev_provider_stats ps;
    assert_status(wbemev_dispatcher_subscription_stats(fx->d, 999, &ss), WBEMEV_E_NOT_FOUND);
    assert_status(wbemev_dispatcher_subscription_stats(fx->d, 1, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_provider_stats(fx->d, "P", NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_status(wbemev_dispatcher_provider_stats(NULL, "P", &ps), WBEMEV_E_INVALID_PARAMETER);
    wbemev_dispatcher_options_init(NULL);
    wbemev_subscribe_options_init(NULL);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_release(&f.base);
    wbemev_sink_release(rec);
}

/* ------------------------------------------------------------------------------------------------
 * Projection and security descriptors (WQL routing)
 */
static void test_projection_views(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_OK);
    assert_ok(wbemev_dispatcher_register(fx->d, "P", &f.base, sample_list, 1));
    wbemev_sink_t *all, *some;
    uint32_t id;
    assert_ok(wbemev_recording_sink_new(&all));
    assert_ok(wbemev_recording_sink_new(&some));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", all, NULL, &id));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT name FROM Sample_Event WHERE Severity > 1", some, NULL, &id));

    assert_ok(fire(&f, fx->sample, "low", 1));
    assert_ok(fire(&f, fx->child, "high", 5));
    assert_int_equal(wbemev_recording_sink_count(all), 2);
    assert_int_equal(wbemev_recording_sink_count(some), 1);

    wbemev_object_t *full = recorded(all, 1);
    wbemev_object_t *view = recorded(some, 0);
    assert_ptr_not_equal(full, view);
    /* The selected property and the system properties show; the others read as NULL. */
    const char *name;
    int32_t sev;
    assert_ok(wbemev_object_get_string(view, "Name", &name));
    assert_string_equal(name, "high");
    assert_true(wbemev_object_is_null(view, "Severity"));
    assert_true(wbemev_object_is_null(view, "Extra"));
    assert_ok(wbemev_object_get_string(view, "__CLASS", &name));
    assert_string_equal(name, "Sample_Child");
    assert_ok(wbemev_object_get_sint32(full, "Severity", &sev));
    assert_int_equal(sev, 5);
    /* The view shares the event's storage: no copy of the values. */
    wbemev_value a, b;
    assert_ok(wbemev_object_get(full, "Name", &a));
    assert_ok(wbemev_object_get(view, "Name", &b));
    assert_ptr_equal(a.u.string, b.u.string);
    /* Handles work through it; it is frozen; its clone is a mutable copy with the NULLs kept. */
    wbemev_prop_handle h;
    assert_ok(wbemev_object_property_handle(full, "Severity", &h));
    wbemev_value v;
    assert_ok(wbemev_object_get_h(view, h, &v));
    assert_true(v.is_null);
    assert_true(wbemev_object_is_frozen(view));
    assert_status(wbemev_object_put_sint32(view, "Severity", 1), WBEMEV_E_READ_ONLY);
    wbemev_object_t *copy;
    assert_ok(wbemev_object_clone(view, &copy));
    assert_false(wbemev_object_is_frozen(copy));
    assert_true(wbemev_object_is_null(copy, "Severity"));
    assert_ok(wbemev_object_get_string(copy, "Name", &name));
    assert_string_equal(name, "high");
    assert_ok(wbemev_object_put_sint32(copy, "Severity", 7));
    wbemev_object_release(copy);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_release(&f.base);
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
    struct fake f;
    fake_init(&f, INIT_NONE);
    f.base.vtbl = &fake_minimal_vtbl;
    const char *const list[] = {"SELECT * FROM Sample_Event", "SELECT * FROM Other_Event"};
    assert_ok(wbemev_dispatcher_register(fx->d, "Mixed", &f.base, list, 2));
    wbemev_sink_t *on_base, *on_sample, *on_child, *on_other;
    uint32_t id_sample, id;
    assert_ok(wbemev_recording_sink_new(&on_base));
    assert_ok(wbemev_recording_sink_new(&on_sample));
    assert_ok(wbemev_recording_sink_new(&on_child));
    assert_ok(wbemev_recording_sink_new(&on_other));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM __ExtrinsicEvent", on_base, NULL, &id));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event WHERE Severity <> 4", on_sample,
                                          NULL, &id_sample));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Child", on_child, NULL, &id));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Other_Event", on_other, NULL, &id));

    wbemev_class_t *classes[] = {fx->sample, fx->child, fx->other, fx->child, fx->sample, fx->other};
    const char *const names[] = {"a", "b", "c", "d", "e", "f"};
    wbemev_object_t *batch[6];
    for (int i = 0; i < 6; i++)
        batch[i] = make_event(classes[i], names[i], i);
    assert_ok(wbemev_sink_indicate(f.sink, 6, batch));
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
            assert_ok(wbemev_object_get_string(recorded(want[k].sink, i), "Name", &name));
            assert_int_equal(name[0], want[k].expect[i]);
        }
    }
    /* The call's counts reach the subscription: "e" (Severity 4) was filtered. */
    wbemev_subscription_stats ss;
    assert_ok(wbemev_dispatcher_subscription_stats(fx->d, id_sample, &ss));
    assert_int_equal(ss.indicated, 3);
    assert_int_equal(ss.delivered, 3);
    assert_int_equal(ss.filtered, 1);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_release(&f.base);
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
    struct fake f;
    fake_init(&f, INIT_OK);
    assert_ok(wbemev_dispatcher_register(fx->d, "P", &f.base, sample_list, 1));
    enum { NSUBS = 10, NEV = 150 };
    wbemev_sink_t *rec[NSUBS];
    uint32_t ids[NSUBS];
    for (int k = 0; k < 8; k++) {
        const char *q = k == 0 ? "SELECT Name FROM Sample_Event"
                        : k == 1 ? "SELECT * FROM Sample_Event WHERE Severity > 2"
                                 : "SELECT * FROM Sample_Event";
        assert_ok(wbemev_recording_sink_new(&rec[k]));
        assert_ok(wbemev_dispatcher_subscribe(fx->d, q, rec[k], NULL, &ids[k]));
    }
    wbemev_recording_sink_fail_after(rec[2], 70, WBEMEV_E_FAILED); /* fails in its second array */

    wbemev_object_t *batch[NEV];
    for (int i = 0; i < NEV; i++) {
        char name[16];
        snprintf(name, sizeof name, "e%d", i);
        batch[i] = make_event(fx->sample, name, i % 5);
    }
    assert_ok(wbemev_sink_indicate(f.sink, NEV, batch));

    /* All of them, in order, in 64 + 64 + 22; the projection shows Name only. */
    assert_int_equal(wbemev_recording_sink_count(rec[0]), NEV);
    assert_int_equal(wbemev_recording_sink_indicate_calls(rec[0]), 3);
    for (int i = 0; i < NEV; i++) {
        wbemev_object_t *got = recorded(rec[0], (size_t)i);
        const char *name = NULL;
        char want[16];
        snprintf(want, sizeof want, "e%d", i);
        assert_ok(wbemev_object_get_string(got, "Name", &name));
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
    assert_ok(wbemev_dispatcher_subscription_stats(fx->d, ids[1], &ss));
    assert_int_equal(ss.delivered, 60);
    assert_int_equal(ss.filtered, NEV - 60);
    /* The failing one: its first array was delivered, the second discarded, then it was cancelled. */
    assert_status(wbemev_dispatcher_subscription_stats(fx->d, ids[2], &ss), WBEMEV_E_NOT_FOUND);
    assert_int_equal(wbemev_recording_sink_indicate_calls(rec[2]), 2);
    assert_int_equal(wbemev_recording_sink_status_count(rec[2]), 1);
    assert_status(recorded_status(rec[2], 0).status, WBEMEV_E_CALL_CANCELLED);
    for (int k = 3; k < 8; k++) {
        assert_int_equal(wbemev_recording_sink_count(rec[k]), NEV);
        assert_int_equal(wbemev_recording_sink_indicate_calls(rec[k]), 3);
        assert_ok(wbemev_dispatcher_subscription_stats(fx->d, ids[k], &ss));
        assert_int_equal(ss.delivered, NEV);
        assert_int_equal(ss.indicated, NEV);
    }
    /* Nine subscriptions reached by one call: eight get an array, the ninth one Indicate per event. */
    for (int k = 8; k < NSUBS; k++) {
        assert_ok(wbemev_recording_sink_new(&rec[k]));
        assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", rec[k], NULL, &ids[k]));
    }
    size_t calls_before[NSUBS];
    for (int k = 0; k < NSUBS; k++)
        calls_before[k] = wbemev_recording_sink_indicate_calls(rec[k]);
    assert_ok(wbemev_sink_indicate(f.sink, 10, batch + 100)); /* indicated again: allowed (record) */
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
    fake_release(&f.base);
    for (int k = 0; k < NSUBS; k++)
        wbemev_sink_release(rec[k]);
}

static wbemev_object_t *event_with_sd(wbemev_class_t *cls, const uint8_t *sid, size_t sid_len)
{
    wbemev_object_t *o = make_event(cls, "sd", 1);
    if (sid != NULL) {
        uint8_t sd[64] = {1, 0, 4, 0x80, 0, 0, 0, 0};
        memcpy(sd + 8, sid, sid_len);
        wbemev_value v = WBEMEV_V_ARRAY(WBEMEV_CIM_UINT8, sd, 8 + sid_len);
        assert_ok(wbemev_object_put(o, "SECURITY_DESCRIPTOR", &v));
    }
    return o;
}

static void test_subject_to_sds_filters_per_event(void **state)
{
    struct fixture *fx = *state;
    struct fake f;
    fake_init(&f, INIT_OK);
    f.access = WBEMEV_S_SUBJECT_TO_SDS;
    assert_ok(wbemev_dispatcher_register(fx->d, "P", &f.base, sample_list, 1));
    wbemev_sink_t *alice, *temp;
    uint32_t id;
    assert_ok(wbemev_recording_sink_new(&alice));
    assert_ok(wbemev_recording_sink_new(&temp));
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.sid = sid_alice;
    so.sid_length = sizeof sid_alice;
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", alice, &so, &id));
    assert_ok(wbemev_dispatcher_subscribe(fx->d, "SELECT * FROM Sample_Event", temp, NULL, &id));

    wbemev_object_t *open = event_with_sd(fx->sample, NULL, 0);
    wbemev_object_t *for_alice = event_with_sd(fx->sample, sid_alice, sizeof sid_alice);
    wbemev_object_t *for_bob = event_with_sd(fx->sample, sid_bob, sizeof sid_bob);
    wbemev_object_t *batch[] = {open, for_alice, for_bob};
    assert_ok(wbemev_sink_indicate(f.sink, 3, batch));
    /* NULL descriptor: everyone. Alice's: Alice only. Bob's: nobody here. */
    assert_int_equal(wbemev_recording_sink_count(alice), 2);
    assert_int_equal(wbemev_recording_sink_count(temp), 1);
    assert_ptr_equal(recorded(alice, 1), for_alice);
    wbemev_subscription_stats ss;
    assert_ok(wbemev_dispatcher_subscription_stats(fx->d, id, &ss));
    assert_int_equal(ss.delivered, 1);
    assert_int_equal(ss.filtered, 2);
    wbemev_object_release(open);
    wbemev_object_release(for_alice);
    wbemev_object_release(for_bob);

    wbemev_dispatcher_destroy(fx->d);
    fx->d = NULL;
    fake_release(&f.base);
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
    (void)state;
    int calls = 0;
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.sd_check = only_bob;
    o.sd_check_ctx = &calls;
    wbemev_dispatcher_t *d;
    assert_ok(wbemev_dispatcher_new(&o, &d));
    wbemev_class_t *cls;
    const wbemev_property_def props[] = {{"Name", WBEMEV_CIM_STRING, NULL}, {"Severity", WBEMEV_CIM_SINT32, NULL}};
    assert_ok(wbemev_namespace_define_class(wbemev_dispatcher_namespace(d), "Sample_Event", "__ExtrinsicEvent", props, 2, &cls));
    struct fake f;
    fake_init(&f, INIT_OK);
    f.access = WBEMEV_S_SUBJECT_TO_SDS;
    assert_ok(wbemev_dispatcher_register(d, "P", &f.base, sample_list, 1));
    wbemev_sink_t *bob;
    uint32_t id;
    assert_ok(wbemev_recording_sink_new(&bob));
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.sid = sid_bob;
    so.sid_length = sizeof sid_bob;
    assert_ok(wbemev_dispatcher_subscribe(d, "SELECT * FROM Sample_Event", bob, &so, &id));
    wbemev_object_t *e = event_with_sd(cls, sid_alice, sizeof sid_alice);
    assert_ok(wbemev_sink_indicate1(f.sink, e));
    assert_int_equal(calls, 1);
    assert_int_equal(wbemev_recording_sink_count(bob), 1);
    wbemev_object_release(e);
    wbemev_dispatcher_destroy(d);
    fake_release(&f.base);
    wbemev_sink_release(bob);
    wbemev_class_release(cls);
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
    };
    return cmocka_run_group_tests_name("dispatcher", tests, NULL, NULL);
}
