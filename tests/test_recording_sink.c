/*
 * tests/test_recording_sink.c: the test kit's recording sink: what its accessors copy out and what
 * they lend, and reading it while other threads call its SetStatus and Indicate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wbemev.h"
#include "wbemev/testkit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static const wbemev_property_def props[] = {{"Name", WBEMEV_CIM_STRING, NULL}};

struct world {
    wbemev_namespace_t *ns;
    wbemev_class_t *cls;
    wbemev_sink_t *rec;
};

static int setup(void **state)
{
    static struct world w;
    memset(&w, 0, sizeof w);
    assert_wbemev_ok(wbemev_namespace_new("root\\rec", &w.ns));
    assert_wbemev_ok(wbemev_namespace_define_class(w.ns, "Rec_Event", "__ExtrinsicEvent", props, 1, &w.cls));
    assert_wbemev_ok(wbemev_recording_sink_new(&w.rec));
    *state = &w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    assert_int_equal(wbemev_recording_sink_refs(w->rec), 1);
    wbemev_sink_release(w->rec);
    wbemev_class_release(w->cls);
    wbemev_namespace_release(w->ns);
    assert_int_equal(wbemev_live_objects(), 0);
    return 0;
}

static wbemev_object_t *event_named(struct world *w, const char *name)
{
    wbemev_object_t *o;
    assert_wbemev_ok(wbemev_class_spawn_instance(w->cls, &o));
    assert_wbemev_ok(wbemev_object_put_string(o, "Name", name));
    return o;
}

/* The record is a copy: SetStatus calls that move the sink's array after it leave it whole, and
 * its text is the sink's own copy, valid until clear. */
static void test_status_at_copies_the_record(void **state)
{
    struct world *w = *state;
    char text[32];
    snprintf(text, sizeof text, "3 events dropped");
    assert_wbemev_ok(wbemev_sink_set_status(w->rec, WBEMEV_STATUS_PROGRESS, WBEMEV_E_QUEUE_OVERFLOW, text, NULL));
    wbemev_recorded_status first;
    assert_wbemev_ok(wbemev_recording_sink_status_at(w->rec, 0, &first));
    snprintf(text, sizeof text, "changed by the caller");
    for (int i = 1; i <= 1000; i++) {
        char t[32];
        snprintf(t, sizeof t, "status %d", i);
        assert_wbemev_ok(wbemev_sink_set_status(w->rec, WBEMEV_STATUS_PROGRESS, (wbemev_status)i, t, NULL));
    }
    assert_int_equal(first.flags, WBEMEV_STATUS_PROGRESS);
    assert_wbemev_status(first.status, WBEMEV_E_QUEUE_OVERFLOW);
    assert_string_equal(first.text, "3 events dropped");

    assert_int_equal(wbemev_recording_sink_status_count(w->rec), 1001);
    wbemev_recorded_status last;
    assert_wbemev_ok(wbemev_recording_sink_status_at(w->rec, 1000, &last));
    assert_int_equal(last.status, 1000);
    assert_string_equal(last.text, "status 1000");
    assert_wbemev_ok(wbemev_sink_set_status(w->rec, WBEMEV_STATUS_COMPLETE, WBEMEV_E_CALL_CANCELLED, NULL, NULL));
    assert_wbemev_ok(wbemev_recording_sink_status_at(w->rec, 1001, &last));
    assert_int_equal(last.flags, WBEMEV_STATUS_COMPLETE);
    assert_null(last.text);

    /* Out of range: an error, and *out as it was. */
    assert_wbemev_status(wbemev_recording_sink_status_at(w->rec, 1002, &last), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(last.flags, WBEMEV_STATUS_COMPLETE);
    wbemev_recording_sink_clear(w->rec);
    assert_wbemev_status(wbemev_recording_sink_status_at(w->rec, 0, &last), WBEMEV_E_INVALID_PARAMETER);
}

/* An event is lent: the same object, alive while the sink holds it, whatever arrives after it. */
static void test_event_at_lends_the_event(void **state)
{
    struct world *w = *state;
    wbemev_object_t *first = event_named(w, "first");
    assert_wbemev_ok(wbemev_sink_indicate1(w->rec, first));
    wbemev_object_release(first); /* the sink's reference keeps it */
    wbemev_object_t *got = NULL;
    assert_wbemev_ok(wbemev_recording_sink_event_at(w->rec, 0, &got));
    assert_ptr_equal(got, first);
    wbemev_object_t *other = event_named(w, "other");
    for (int i = 0; i < 1000; i++)
        assert_wbemev_ok(wbemev_sink_indicate1(w->rec, other));
    wbemev_object_release(other);
    const char *name = NULL;
    assert_wbemev_ok(wbemev_object_get_string(got, "Name", &name));
    assert_string_equal(name, "first");
    assert_int_equal(wbemev_recording_sink_count(w->rec), 1001);
    assert_wbemev_ok(wbemev_recording_sink_event_at(w->rec, 1000, &got));
    assert_ptr_equal(got, other);
    assert_wbemev_status(wbemev_recording_sink_event_at(w->rec, 1001, &got), WBEMEV_E_INVALID_PARAMETER);
    assert_ptr_equal(got, other);
    wbemev_recording_sink_clear(w->rec);
}

/* ---- concurrent readers and writers ---- */

#define ROUNDS 4000

struct race {
    struct world *w;
    wbemev_object_t *event;
    atomic_int writers_done;
    atomic_size_t bad; /* records read back inconsistent */
};

/* SetStatus number i has status i, PROGRESS for odd i, and the text "status <i>". */
static void *status_writer(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < ROUNDS; i++) {
        char t[32];
        snprintf(t, sizeof t, "status %d", i);
        int32_t flags = (i & 1) ? WBEMEV_STATUS_PROGRESS : WBEMEV_STATUS_COMPLETE;
        if (WBEMEV_FAILED(wbemev_sink_set_status(r->w->rec, flags, (wbemev_status)i, t, NULL)))
            atomic_fetch_add(&r->bad, 1);
    }
    atomic_fetch_add(&r->writers_done, 1);
    return NULL;
}

static void *event_writer(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < ROUNDS; i++) {
        if (WBEMEV_FAILED(wbemev_sink_indicate1(r->w->rec, r->event)))
            atomic_fetch_add(&r->bad, 1);
    }
    atomic_fetch_add(&r->writers_done, 1);
    return NULL;
}

static bool status_consistent(const wbemev_recorded_status *s, size_t i)
{
    char t[32];
    snprintf(t, sizeof t, "status %zu", i);
    int32_t flags = (i & 1) ? WBEMEV_STATUS_PROGRESS : WBEMEV_STATUS_COMPLETE;
    return s->status == (wbemev_status)i && s->flags == flags && s->text != NULL && strcmp(s->text, t) == 0;
}

/* Reads the first, a middle and the last record of each kind while the writers run; the copies
 * are checked after more SetStatus calls have moved the array. */
static void read_while_writing(struct race *r)
{
    while (atomic_load(&r->writers_done) < 2) {
        size_t n = wbemev_recording_sink_status_count(r->w->rec);
        if (n > 0) {
            wbemev_recorded_status s[3];
            size_t at[3] = {0, n / 2, n - 1};
            for (int k = 0; k < 3; k++)
                if (WBEMEV_FAILED(wbemev_recording_sink_status_at(r->w->rec, at[k], &s[k])))
                    atomic_fetch_add(&r->bad, 1);
            for (int k = 0; k < 3; k++)
                if (!status_consistent(&s[k], at[k]))
                    atomic_fetch_add(&r->bad, 1);
        }
        size_t e = wbemev_recording_sink_count(r->w->rec);
        wbemev_object_t *got = NULL;
        if (e > 0 && (WBEMEV_FAILED(wbemev_recording_sink_event_at(r->w->rec, e - 1, &got)) || got != r->event))
            atomic_fetch_add(&r->bad, 1);
    }
}

static void test_read_while_other_threads_record(void **state)
{
    struct world *w = *state;
    struct race r = {.w = w, .event = event_named(w, "e")};
    atomic_init(&r.writers_done, 0);
    atomic_init(&r.bad, 0);
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, status_writer, &r), 0);
    assert_int_equal(pthread_create(&b, NULL, event_writer, &r), 0);
    read_while_writing(&r);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert_int_equal(atomic_load(&r.bad), 0);
    assert_int_equal(wbemev_recording_sink_status_count(w->rec), ROUNDS);
    assert_int_equal(wbemev_recording_sink_count(w->rec), ROUNDS);
    for (size_t i = 0; i < ROUNDS; i++) {
        wbemev_recorded_status s;
        assert_wbemev_ok(wbemev_recording_sink_status_at(w->rec, i, &s));
        assert_true(status_consistent(&s, i));
    }
    wbemev_object_release(r.event);
    wbemev_recording_sink_clear(w->rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_at_copies_the_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_at_lends_the_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_while_other_threads_record, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
