/*
 * tests/test_sinks.c: the callback sink and the recording sink on their own.
 */
#include "test_support.h"

#include "wbemev/testkit.h" /* the recording sink */

#include <stdio.h>
#include <string.h>

static wbemev_class_t *define_event(wbemev_namespace_t **ns)
{
    wbemev_class_t *cls;
    const wbemev_property_def props[] = {{"Name", WBEMEV_CIM_STRING, NULL}};
    assert_wbemev_ok(wbemev_namespace_new("root\\test", ns));
    assert_wbemev_ok(wbemev_namespace_define_class(*ns, "Sink_Event", "__ExtrinsicEvent", props, 1, &cls));
    return cls;
}

struct counts {
    int events;
    int statuses;
    wbemev_status last_status;
    char last_text[32];
    int fail_at; /* 1-based event number that fails; 0 never */
};

static wbemev_status on_event(void *ctx, wbemev_object_t *event)
{
    struct counts *c = ctx;
    assert_non_null(event);
    c->events++;
    return c->events == c->fail_at ? WBEMEV_E_FAILED : WBEMEV_S_NO_ERROR;
}

static void on_status(void *ctx, int32_t flags, wbemev_status status, const char *text)
{
    struct counts *c = ctx;
    (void)flags;
    c->statuses++;
    c->last_status = status;
    snprintf(c->last_text, sizeof c->last_text, "%s", text ? text : "");
}

static void test_callback_sink(void **state)
{
    (void)state;
    wbemev_namespace_t *ns;
    wbemev_class_t *cls = define_event(&ns);
    wbemev_object_t *a, *b;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &a));
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &b));
    wbemev_object_t *batch[] = {a, b, a};

    struct counts c = {.fail_at = 0};
    wbemev_sink_t *sink;
    assert_wbemev_status(wbemev_callback_sink_new(NULL, on_status, &c, &sink), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_callback_sink_new(on_event, on_status, &c, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_ok(wbemev_callback_sink_new(on_event, on_status, &c, &sink));
    assert_true(wbemev_sink_is_valid(sink));
    assert_wbemev_status(wbemev_sink_indicate(sink, 3, batch), WBEMEV_S_NO_ERROR);
    assert_int_equal(c.events, 3);
    assert_wbemev_status(wbemev_sink_indicate(sink, -1, batch), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_sink_indicate(sink, 1, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_sink_indicate(sink, 0, NULL), WBEMEV_S_NO_ERROR);
    /* A failing callback stops the batch and returns its status. */
    c.fail_at = 4;
    assert_wbemev_status(wbemev_sink_indicate(sink, 3, batch), WBEMEV_E_FAILED);
    assert_int_equal(c.events, 4);
    assert_wbemev_status(wbemev_sink_set_status(sink, WBEMEV_STATUS_COMPLETE, WBEMEV_E_CALL_CANCELLED, "bye", NULL),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(c.statuses, 1);
    assert_wbemev_status(c.last_status, WBEMEV_E_CALL_CANCELLED);
    assert_string_equal(c.last_text, "bye");
    /* Without a status callback SetStatus is accepted and ignored. */
    wbemev_sink_t *quiet;
    assert_wbemev_ok(wbemev_callback_sink_new(on_event, NULL, &c, &quiet));
    assert_wbemev_status(wbemev_sink_set_status(quiet, WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL),
                         WBEMEV_S_NO_ERROR);
    wbemev_sink_release(quiet);

    assert_ptr_equal(wbemev_sink_add_ref(sink), sink);
    wbemev_sink_release(sink);
    wbemev_sink_release(sink);
    wbemev_object_release(a);
    wbemev_object_release(b);
    wbemev_class_release(cls);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

static void test_recording_sink(void **state)
{
    (void)state;
    wbemev_namespace_t *ns;
    wbemev_class_t *cls = define_event(&ns);
    wbemev_object_t *a, *b;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &a));
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &b));
    assert_wbemev_ok(wbemev_object_put_string(a, "Name", "a"));
    wbemev_object_t *batch[] = {a, b};

    wbemev_sink_t *rec;
    assert_wbemev_status(wbemev_recording_sink_new(NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_int_equal(wbemev_recording_sink_refs(rec), 1);
    assert_wbemev_status(wbemev_sink_indicate(rec, 2, batch), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_sink_indicate1(rec, a), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_recording_sink_count(rec), 3);
    assert_int_equal(wbemev_recording_sink_indicate_calls(rec), 2);
    wbemev_object_t *got = NULL;
    assert_wbemev_ok(wbemev_recording_sink_event_at(rec, 0, &got));
    assert_ptr_equal(got, a);
    assert_wbemev_ok(wbemev_recording_sink_event_at(rec, 1, &got));
    assert_ptr_equal(got, b);
    assert_wbemev_status(wbemev_recording_sink_event_at(rec, 3, &got), WBEMEV_E_INVALID_PARAMETER);
    assert_ptr_equal(got, b); /* not written on failure */
    assert_wbemev_status(wbemev_sink_indicate(rec, -2, batch), WBEMEV_E_INVALID_PARAMETER);

    /* It keeps references: the events outlive the caller's release. */
    wbemev_object_release(a);
    wbemev_object_release(b);
    const char *name;
    assert_wbemev_ok(wbemev_recording_sink_event_at(rec, 2, &got));
    assert_wbemev_ok(wbemev_object_get_string(got, "Name", &name));
    assert_string_equal(name, "a");

    assert_wbemev_status(wbemev_sink_set_status(rec, WBEMEV_STATUS_PROGRESS, WBEMEV_S_NO_ERROR, NULL, NULL),
                         WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_sink_set_status(rec, WBEMEV_STATUS_COMPLETE, WBEMEV_E_SHUTTING_DOWN, "done", NULL),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_recording_sink_status_count(rec), 2);
    wbemev_recorded_status s;
    assert_wbemev_ok(wbemev_recording_sink_status_at(rec, 1, &s));
    assert_int_equal(s.flags, WBEMEV_STATUS_COMPLETE);
    assert_wbemev_status(s.status, WBEMEV_E_SHUTTING_DOWN);
    assert_string_equal(s.text, "done");
    assert_wbemev_ok(wbemev_recording_sink_status_at(rec, 0, &s));
    assert_null(s.text);
    assert_wbemev_status(wbemev_recording_sink_status_at(rec, 2, &s), WBEMEV_E_INVALID_PARAMETER);

    /* fail_after: two more events are accepted, then every Indicate fails. */
    wbemev_recording_sink_clear(rec);
    assert_int_equal(wbemev_recording_sink_count(rec), 0);
    assert_int_equal(wbemev_recording_sink_status_count(rec), 0);
    wbemev_recording_sink_fail_after(rec, 2, WBEMEV_E_SERVER_TOO_BUSY);
    wbemev_object_t *c;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &c));
    wbemev_object_t *three[] = {c, c, c};
    assert_wbemev_status(wbemev_sink_indicate(rec, 3, three), WBEMEV_E_SERVER_TOO_BUSY);
    assert_int_equal(wbemev_recording_sink_count(rec), 2);
    assert_wbemev_status(wbemev_sink_indicate1(rec, c), WBEMEV_E_SERVER_TOO_BUSY);
    wbemev_recording_sink_fail_after(rec, 0, WBEMEV_S_NO_ERROR); /* a success status turns it off */
    assert_wbemev_status(wbemev_sink_indicate1(rec, c), WBEMEV_S_NO_ERROR);
    wbemev_object_release(c);

    /* Functions given another kind of sink answer neutrally. */
    struct counts cn = {0};
    wbemev_sink_t *cb;
    assert_wbemev_ok(wbemev_callback_sink_new(on_event, NULL, &cn, &cb));
    assert_int_equal(wbemev_recording_sink_count(cb), 0);
    assert_wbemev_status(wbemev_recording_sink_event_at(cb, 0, &got), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_recording_sink_status_at(cb, 0, &s), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(wbemev_recording_sink_status_count(cb), 0);
    assert_int_equal(wbemev_recording_sink_refs(cb), 0);
    assert_int_equal(wbemev_recording_sink_indicate_calls(NULL), 0);
    wbemev_recording_sink_fail_after(cb, 1, WBEMEV_E_FAILED);
    wbemev_recording_sink_clear(NULL);
    wbemev_sink_release(cb);

    wbemev_sink_release(rec);
    wbemev_class_release(cls);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callback_sink),
        cmocka_unit_test(test_recording_sink),
    };
    return cmocka_run_group_tests_name("sinks", tests, NULL, NULL);
}
