/*
 * tests/test_fakes.c: the shared fakes (tests/support) catch what they are there to catch. The other
 * suites trust their teardown checks (fake_provider_check_ended, fake_consumer_check) to fail when
 * the dispatcher mistreats a provider or a consumer; here each mistake is made by hand, through the
 * fakes' vtables, and must be reported. Also the scripting, the log, the gates and the clock.
 */
#include "test_support.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct fx {
    wbemev_namespace_t *ns;
    wbemev_class_t *cls;
    test_fakes fakes;
    size_t allocs;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->allocs = wbemev_live_allocations();
    assert_wbemev_ok(wbemev_namespace_new("root\\test", &f->ns));
    const wbemev_property_def props[] = {{"Name", WBEMEV_CIM_STRING, NULL}, {"Severity", WBEMEV_CIM_SINT32, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(f->ns, "F_Event", "__ExtrinsicEvent", props, 2, &f->cls));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    test_fakes_teardown(&f->fakes);
    wbemev_class_release(f->cls);
    wbemev_namespace_release(f->ns);
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), f->allocs);
    free(f);
    return 0;
}

static wbemev_object_t *frozen_event(struct fx *f, int32_t severity)
{
    wbemev_object_t *o = new_event(f->cls, "e", severity);
    wbemev_object_freeze(o);
    return o;
}

/* A sink that only counts references: what a fake provider is given as its event sink here. */
struct ref_sink {
    wbemev_sink_t base;
    int refs;
};
static void rs_add_ref(wbemev_sink_t *s)
{
    WBEMEV_CONTAINER_OF(s, struct ref_sink, base)->refs++;
}
static void rs_release(wbemev_sink_t *s)
{
    WBEMEV_CONTAINER_OF(s, struct ref_sink, base)->refs--;
}
static wbemev_status rs_indicate(wbemev_sink_t *s, int32_t n, wbemev_object_t *const *objs)
{
    (void)s, (void)n, (void)objs;
    return WBEMEV_S_NO_ERROR;
}
static wbemev_status rs_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status st, const char *t,
                                   wbemev_object_t *o)
{
    (void)s, (void)flags, (void)st, (void)t, (void)o;
    return WBEMEV_S_NO_ERROR;
}
static const wbemev_sink_vtbl rs_vtbl = {WBEMEV_SINK_VTBL_VERSION, rs_add_ref, rs_release, rs_indicate, rs_set_status};

/* ---- the provider ---- */

static void test_provider_log_and_answers(void **state)
{
    struct fx *f = *state;
    fake_provider *p = test_fakes_provider(&f->fakes);
    fake_provider_set_methods(p, FAKE_PROVIDER_NEW_QUERY | FAKE_PROVIDER_CANCEL_QUERY | FAKE_PROVIDER_ACCESS_CHECK);
    fake_provider_answer(p, FAKE_CALL_ACCESS_CHECK, WBEMEV_S_SUBJECT_TO_SDS);
    fake_provider_answer(p, FAKE_CALL_NEW_QUERY, WBEMEV_E_INVALID_QUERY);
    const wbemev_provider_vtbl *vt = fake_provider_base(p)->vtbl;
    assert_null(vt->initialize);
    wbemev_provider_t *b = fake_provider_base(p);
    const uint8_t sid[] = {1, 2, 3};
    assert_wbemev_status(vt->access_check(b, "WQL", "SELECT * FROM F_Event", sid, sizeof sid), WBEMEV_S_SUBJECT_TO_SDS);
    assert_wbemev_status(vt->new_query(b, 7, "WQL", "SELECT * FROM F_Event WHERE Severity > 1"), WBEMEV_E_INVALID_QUERY);
    struct ref_sink rs = {{&rs_vtbl}, 1};
    assert_wbemev_status(vt->provide_events(b, &rs.base, 0), WBEMEV_S_NO_ERROR);
    assert_int_equal(rs.refs, 2); /* kept, add_ref'd */
    assert_ptr_equal(fake_provider_sink(p), &rs.base);
    assert_wbemev_status(vt->cancel_query(b, 7), WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_provider_log_size(p), 4);
    assert_int_equal(fake_provider_log_call(p, 0), FAKE_CALL_ACCESS_CHECK);
    assert_int_equal(fake_provider_log_call(p, 1), FAKE_CALL_NEW_QUERY);
    assert_int_equal(fake_provider_log_id(p, 1), 7);
    assert_int_equal(fake_provider_log_call(p, 3), FAKE_CALL_CANCEL_QUERY);
    assert_int_equal(fake_provider_log_call(p, 4), FAKE_CALL_KINDS); /* past the end */
    assert_int_equal(fake_provider_first(p, FAKE_CALL_PROVIDE_EVENTS), 2);
    assert_int_equal(fake_provider_first(p, FAKE_CALL_INITIALIZE), SIZE_MAX);
    assert_int_equal(fake_provider_last_sid_length(p), sizeof sid);
    char q[64];
    fake_provider_last_query(p, q, sizeof q);
    assert_string_equal(q, "SELECT * FROM F_Event WHERE Severity > 1");
    assert_null(fake_provider_anomaly(p));
    /* The final release lets go of the sink; then the fake has ended cleanly. */
    fake_provider_add_ref(p);
    fake_provider_release(p);
    assert_non_null(fake_provider_check_ended(p)); /* still referenced */
    fake_provider_release(p);
    assert_int_equal(rs.refs, 1);
    assert_int_equal(fake_provider_calls(p, FAKE_CALL_ADD_REF), 1);
    assert_int_equal(fake_provider_calls(p, FAKE_CALL_RELEASE), 2);
    assert_int_equal(fake_provider_calls(p, FAKE_CALL_FINAL_RELEASE), 1);
    assert_int_equal(fake_provider_log_call(p, fake_provider_log_size(p) - 1), FAKE_CALL_FINAL_RELEASE);
    assert_fake_provider_ended(p);
}

/* These fakes are made and freed here, outside the fixture's registry: they are meant to fail
 * their checks. */
static void test_provider_notes_what_a_dispatcher_must_not_do(void **state)
{
    struct fx *f = *state;
    struct ref_sink rs = {{&rs_vtbl}, 1};
    wbemev_provider_init init = {NULL, "root\\test", NULL, f->ns, "P"};

    /* ProvideEvents before readiness was reported. */
    fake_provider *p = fake_provider_new();
    fake_provider_set_init(p, FAKE_INIT_LATER, WBEMEV_S_NO_ERROR);
    wbemev_provider_t *b = fake_provider_base(p);
    assert_wbemev_status(b->vtbl->initialize(b, &init, &rs.base), WBEMEV_S_NO_ERROR);
    assert_ptr_equal(fake_provider_init_sink(p), &rs.base);
    assert_null(fake_provider_anomaly(p));
    (void)b->vtbl->provide_events(b, &rs.base, 0);
    assert_non_null(strstr(fake_provider_anomaly(p), "before the provider reported readiness"));
    fake_provider_release(p);
    assert_int_equal(rs.refs, 1); /* both sinks let go of */
    assert_non_null(fake_provider_check_ended(p));
    fake_provider_free(p);

    /* Arguments the contract rules out. */
    p = fake_provider_new();
    b = fake_provider_base(p);
    (void)b->vtbl->initialize(b, &init, &rs.base); /* ready at once */
    (void)b->vtbl->new_query(b, 1, "SQL", "SELECT * FROM F_Event");
    (void)b->vtbl->access_check(b, "WQL", "SELECT * FROM F_Event", NULL, 4);
    (void)b->vtbl->provide_events(b, &rs.base, 1);
    assert_int_equal(fake_provider_anomalies(p), 3);
    assert_non_null(strstr(fake_provider_anomaly(p), "NewQuery in a language other than WQL"));
    fake_provider_release(p);
    assert_non_null(fake_provider_check_ended(p));
    fake_provider_free(p);

    /* A call after the final release, and a release too many. */
    p = fake_provider_new();
    b = fake_provider_base(p);
    (void)b->vtbl->initialize(b, &init, &rs.base);
    fake_provider_release(p);
    (void)b->vtbl->cancel_query(b, 3);
    b->vtbl->release(b);
    assert_int_equal(fake_provider_anomalies(p), 2);
    assert_non_null(strstr(fake_provider_anomaly(p), "CancelQuery after the final release"));
    assert_non_null(fake_provider_check_ended(p));
    fake_provider_free(p);

    /* A reference never given back. */
    p = fake_provider_new();
    fake_provider_add_ref(p);
    fake_provider_release(p);
    assert_non_null(strstr(fake_provider_check_ended(p), "1 reference still held"));
    fake_provider_release(p);
    assert_null(fake_provider_check_ended(p));
    fake_provider_free(p);
    assert_int_equal(rs.refs, 1);
}

static void test_provider_sink_modes(void **state)
{
    struct fx *f = *state;
    struct ref_sink rs = {{&rs_vtbl}, 1};
    fake_provider *borrow = test_fakes_provider(&f->fakes), *leak = test_fakes_provider(&f->fakes);
    fake_provider_set_methods(borrow, 0);
    fake_provider_set_methods(leak, 0);
    fake_provider_set_sink_mode(borrow, FAKE_SINK_BORROW);
    fake_provider_set_sink_mode(leak, FAKE_SINK_LEAK);
    wbemev_provider_t *b = fake_provider_base(borrow), *l = fake_provider_base(leak);
    (void)b->vtbl->provide_events(b, &rs.base, 0);
    assert_int_equal(rs.refs, 1); /* not add_ref'd */
    (void)l->vtbl->provide_events(l, &rs.base, 0);
    assert_int_equal(rs.refs, 2);
    fake_provider_release(borrow);
    fake_provider_release(leak);
    assert_int_equal(rs.refs, 2); /* the leaked reference is the test's to release */
    assert_null(fake_provider_sink(leak));
    rs.refs--;

    /* A failing ProvideEvents keeps no sink; without a sink the helpers say so. */
    fake_provider *p = test_fakes_provider(&f->fakes);
    fake_provider_set_methods(p, 0);
    fake_provider_answer(p, FAKE_CALL_PROVIDE_EVENTS, WBEMEV_E_FAILED);
    wbemev_provider_t *pb = fake_provider_base(p);
    assert_wbemev_status(pb->vtbl->provide_events(pb, &rs.base, 0), WBEMEV_E_FAILED);
    assert_null(fake_provider_sink(p));
    assert_int_equal(rs.refs, 1);
    wbemev_object_t *e = frozen_event(f, 1);
    assert_wbemev_status(fake_provider_indicate1(p, e), WBEMEV_E_NOT_AVAILABLE);
    assert_wbemev_status(fake_provider_report_init(p, WBEMEV_S_INITIALIZED), WBEMEV_E_NOT_AVAILABLE);
    wbemev_object_release(e);
}

struct hook_seen {
    int calls;
    fake_call last;
    uint32_t id;
};

static void count_hook(void *ctx, fake_provider *p, const fake_call_args *call)
{
    struct hook_seen *h = ctx;
    (void)p;
    h->calls++;
    h->last = call->call;
    h->id = call->query_id;
}

static void test_provider_hook(void **state)
{
    struct fx *f = *state;
    fake_provider *p = test_fakes_provider(&f->fakes);
    struct hook_seen h = {0, FAKE_CALL_KINDS, 0};
    fake_provider_set_hook(p, count_hook, &h);
    wbemev_provider_t *b = fake_provider_base(p);
    struct ref_sink rs = {{&rs_vtbl}, 1};
    wbemev_provider_init init = {NULL, "root\\test", NULL, f->ns, "P"};
    (void)b->vtbl->initialize(b, &init, &rs.base);
    assert_int_equal(h.last, FAKE_CALL_INITIALIZE);
    (void)b->vtbl->new_query(b, 42, "WQL", "SELECT * FROM F_Event");
    assert_int_equal(h.last, FAKE_CALL_NEW_QUERY);
    assert_int_equal(h.id, 42);
    fake_provider_release(p);
    assert_int_equal(h.last, FAKE_CALL_FINAL_RELEASE);
    assert_int_equal(h.calls, 3);
}

/* ---- the consumer ---- */

static void test_consumer_log_and_failure(void **state)
{
    struct fx *f = *state;
    fake_consumer *c = test_fakes_consumer(&f->fakes);
    fake_consumer_keep_objects(c, true);
    fake_consumer_fail_after(c, 3, WBEMEV_E_FAILED);
    wbemev_sink_t *s = fake_consumer_sink(c);
    wbemev_object_t *e[3] = {frozen_event(f, 1), frozen_event(f, 2), frozen_event(f, 3)};
    assert_wbemev_status(wbemev_sink_indicate(s, 2, e), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_sink_indicate(s, 2, e + 1), WBEMEV_E_FAILED); /* 4 > 3: whole, not logged */
    assert_wbemev_status(wbemev_sink_indicate(s, 1, e + 2), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_sink_set_status(s, WBEMEV_STATUS_PROGRESS, WBEMEV_E_QUEUE_OVERFLOW, "1", NULL),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_sink_set_status(s, WBEMEV_STATUS_COMPLETE, WBEMEV_E_CALL_CANCELLED, NULL, NULL),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_consumer_events(c), 3);
    assert_int_equal(fake_consumer_indicates(c), 3);
    assert_int_equal(fake_consumer_log_size(c), 5);
    assert_int_equal(fake_consumer_entry(c, 1).value, 2);
    assert_ptr_equal(fake_consumer_entry(c, 2).obj, e[2]); /* kept */
    assert_int_equal(fake_consumer_entry(c, 3).kind, FAKE_PROGRESS);
    assert_int_equal(fake_consumer_progress_of(c, WBEMEV_E_QUEUE_OVERFLOW), 1);
    assert_int_equal(fake_consumer_entry(c, 9).kind, 0);
    assert_consumer_ended(c, WBEMEV_E_CALL_CANCELLED);
    assert_wbemev_status(fake_consumer_final_status(c), WBEMEV_E_CALL_CANCELLED);
    for (int i = 0; i < 3; i++)
        wbemev_object_release(e[i]);
    assert_fake_consumer_clean(c);
    /* Reset: a new subscription starts with nothing. */
    fake_consumer_reset(c);
    assert_int_equal(fake_consumer_log_size(c), 0);
    assert_int_equal(fake_consumer_completes(c), 0);
}

static void test_consumer_notes_what_a_dispatcher_must_not_do(void **state)
{
    struct fx *f = *state;
    wbemev_object_t *frozen = frozen_event(f, 1), *mutable_ = new_event(f->cls, "m", 1);

    fake_consumer *c = fake_consumer_new();
    wbemev_sink_t *s = fake_consumer_sink(c);
    (void)wbemev_sink_indicate(s, 1, &mutable_);
    assert_non_null(strstr(fake_consumer_anomaly(c), "unfrozen"));
    assert_non_null(fake_consumer_check(c));
    fake_consumer_free(c);

    c = fake_consumer_new();
    s = fake_consumer_sink(c);
    (void)wbemev_sink_indicate(s, 0, NULL);
    assert_non_null(strstr(fake_consumer_anomaly(c), "without events"));
    fake_consumer_free(c);

    c = fake_consumer_new();
    s = fake_consumer_sink(c);
    (void)wbemev_sink_set_status(s, WBEMEV_STATUS_COMPLETE, WBEMEV_E_SHUTTING_DOWN, NULL, NULL);
    (void)wbemev_sink_indicate(s, 1, &frozen);
    assert_int_equal(fake_consumer_after_complete(c), 1);
    assert_non_null(strstr(fake_consumer_anomaly(c), "Indicate after the final SetStatus"));
    fake_consumer_free(c);

    c = fake_consumer_new();
    s = fake_consumer_sink(c);
    (void)wbemev_sink_set_status(s, WBEMEV_STATUS_COMPLETE, WBEMEV_E_SHUTTING_DOWN, NULL, NULL);
    (void)wbemev_sink_set_status(s, WBEMEV_STATUS_COMPLETE, WBEMEV_E_SHUTTING_DOWN, NULL, NULL);
    assert_non_null(strstr(fake_consumer_anomaly(c), "more final SetStatus calls than subscriptions"));
    fake_consumer_free(c);

    /* Two subscriptions: two finals are right. */
    c = fake_consumer_new();
    fake_consumer_set_subscriptions(c, 2);
    s = fake_consumer_sink(c);
    (void)wbemev_sink_set_status(s, WBEMEV_STATUS_COMPLETE, WBEMEV_E_SHUTTING_DOWN, NULL, NULL);
    (void)wbemev_sink_set_status(s, WBEMEV_STATUS_COMPLETE, WBEMEV_E_SHUTTING_DOWN, NULL, NULL);
    assert_null(fake_consumer_check(c));
    fake_consumer_free(c);

    /* References: one not given back, one released too many. */
    c = fake_consumer_new();
    s = fake_consumer_sink(c);
    wbemev_sink_add_ref(s);
    assert_non_null(strstr(fake_consumer_check(c), "2 references"));
    wbemev_sink_release(s);
    wbemev_sink_release(s);
    assert_non_null(strstr(fake_consumer_anomaly(c), "creator's reference"));
    fake_consumer_free(c);

    wbemev_object_release(frozen);
    wbemev_object_release(mutable_);
}

/* A thread that indicates one event; the test holds it at the gates. */
struct indicator {
    wbemev_sink_t *sink;
    wbemev_object_t *event;
    wbemev_status st;
};
static void *indicate_main(void *arg)
{
    struct indicator *i = arg;
    i->st = wbemev_sink_indicate1(i->sink, i->event);
    return NULL;
}
static void *complete_main(void *arg)
{
    struct indicator *i = arg;
    i->st = wbemev_sink_set_status(i->sink, WBEMEV_STATUS_COMPLETE, WBEMEV_E_CALL_CANCELLED, NULL, NULL);
    return NULL;
}

static void test_consumer_gates(void **state)
{
    struct fx *f = *state;
    fake_consumer *c = test_fakes_consumer(&f->fakes);
    fake_consumer_gate(c, true);
    struct indicator ind = {fake_consumer_sink(c), frozen_event(f, 5), WBEMEV_E_FAILED};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, indicate_main, &ind), 0);
    fake_consumer_wait_entered(c, 1); /* parked at the gate: entered, not yet logged */
    fake_consumer *one[] = {c};
    fake_consumer_wait_entered_total(one, 1, 1);
    assert_int_equal(fake_consumer_events(c), 0);
    fake_consumer_gate(c, false);
    fake_consumer_wait_events(c, 1);
    pthread_join(t, NULL);
    assert_wbemev_status(ind.st, WBEMEV_S_NO_ERROR);
    assert_int_equal(fake_consumer_entry(c, 0).value, 5);

    /* The final SetStatus waits at its own gate: arrived, not yet done. */
    fake_consumer_status_gate(c, true);
    assert_int_equal(pthread_create(&t, NULL, complete_main, &ind), 0);
    fake_consumer_wait_status_entered(c);
    assert_int_equal(fake_consumer_completes(c), 0);
    fake_consumer_status_gate(c, false);
    fake_consumer_wait_complete(c);
    pthread_join(t, NULL);
    assert_consumer_ended(c, WBEMEV_E_CALL_CANCELLED);
    wbemev_object_release(ind.event);
}

/* ---- the clock ---- */

static void test_manual_clock(void **state)
{
    (void)state;
    manual_clock clock;
    manual_clock_init(&clock, 5);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    manual_clock_install(&clock, &o);
    assert_int_equal(o.clock(o.clock_ctx), 5);
    manual_clock_advance(&clock, 10);
    manual_clock_advance_ms(&clock, 2);
    assert_int_equal(o.clock(o.clock_ctx), 2000015);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_provider_log_and_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provider_notes_what_a_dispatcher_must_not_do, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provider_sink_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provider_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumer_log_and_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumer_notes_what_a_dispatcher_must_not_do, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumer_gates, setup, teardown),
        cmocka_unit_test(test_manual_clock),
    };
    return cmocka_run_group_tests_name("fakes", tests, NULL, NULL);
}
