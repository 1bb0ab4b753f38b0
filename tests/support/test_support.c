/*
 * tests/support/test_support.c: the CMocka helpers (test_support.h).
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wbemev_test_assert_no_leaks(void)
{
    size_t objects = wbemev_live_objects();
    if (objects != 0) {
        print_error("%zu event object(s) still alive\n", objects);
        fail();
    }
}

/* ---- the fakes a fixture owns ---- */

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return v;
    size_t c = *cap != 0 ? *cap * 2 : 8;
    void *nv = realloc(v, c * size);
    assert_non_null(nv);
    *cap = c;
    return nv;
}

fake_provider *test_fakes_provider(test_fakes *f)
{
    f->providers = grow(f->providers, &f->providers_cap, f->nproviders, sizeof *f->providers);
    fake_provider *p = fake_provider_new();
    assert_non_null(p);
    f->providers[f->nproviders++] = p;
    return p;
}

fake_consumer *test_fakes_consumer(test_fakes *f)
{
    f->consumers = grow(f->consumers, &f->consumers_cap, f->nconsumers, sizeof *f->consumers);
    fake_consumer *c = fake_consumer_new();
    assert_non_null(c);
    f->consumers[f->nconsumers++] = c;
    return c;
}

void test_fakes_open_gates(test_fakes *f)
{
    for (size_t i = 0; i < f->nconsumers; i++) {
        fake_consumer_gate(f->consumers[i], false);
        fake_consumer_status_gate(f->consumers[i], false);
    }
}

void test_fakes_teardown(test_fakes *f)
{
    /* Everything is freed before a failure is reported (a failure leaves the function). */
    size_t bad = 0;
    char first[400] = "";
    for (size_t i = 0; i < f->nproviders; i++) {
        fake_provider *p = f->providers[i];
        if (fake_provider_refs(p) == 1)
            fake_provider_release(p); /* the creator's */
        const char *why = fake_provider_check_ended(p);
        if (why != NULL && bad++ == 0)
            snprintf(first, sizeof first, "fake provider %zu: %s", i, why);
        fake_provider_free(p);
    }
    for (size_t i = 0; i < f->nconsumers; i++) {
        const char *why = fake_consumer_check(f->consumers[i]);
        if (why != NULL && bad++ == 0)
            snprintf(first, sizeof first, "fake consumer %zu: %s", i, why);
        fake_consumer_free(f->consumers[i]);
    }
    free(f->providers);
    free(f->consumers);
    *f = (test_fakes){0};
    if (bad != 0)
        fail_msg("%zu fake(s) did not end cleanly; %s", bad, first);
}

void assert_fake_provider_ended(fake_provider *p)
{
    const char *why = fake_provider_check_ended(p);
    if (why != NULL)
        fail_msg("fake provider: %s", why);
}

void assert_fake_consumer_clean(fake_consumer *c)
{
    const char *why = fake_consumer_check(c);
    if (why != NULL)
        fail_msg("fake consumer: %s", why);
}

void assert_consumer_ended(fake_consumer *c, wbemev_status status)
{
    assert_int_equal(fake_consumer_completes(c), 1);
    assert_int_equal(fake_consumer_after_complete(c), 0);
    size_t n = fake_consumer_log_size(c);
    assert_true(n > 0);
    fake_entry last = fake_consumer_entry(c, n - 1);
    assert_int_equal(last.kind, FAKE_COMPLETE);
    assert_wbemev_status(last.status, status);
}

void assert_balanced(const wbemev_subscription_stats *s)
{
    if (s->indicated != s->delivered + s->dropped + s->discarded + s->refused + s->queued)
        fail_msg("indicated %llu != delivered %llu + dropped %llu + discarded %llu + refused %llu + queued %llu",
                 (unsigned long long)s->indicated, (unsigned long long)s->delivered,
                 (unsigned long long)s->dropped, (unsigned long long)s->discarded,
                 (unsigned long long)s->refused, (unsigned long long)s->queued);
}

/* ---- events ---- */

wbemev_class_t *define_event_class(wbemev_dispatcher_t *d, const char *name)
{
    const wbemev_property_def props[] = {
        {"Name", WBEMEV_CIM_STRING, NULL},
        {"Severity", WBEMEV_CIM_SINT32, NULL},
    };
    wbemev_class_t *cls;
    assert_wbemev_ok(
        wbemev_namespace_define_class(wbemev_dispatcher_namespace(d), name, "__ExtrinsicEvent", props, 2, &cls));
    return cls;
}

wbemev_object_t *new_event(wbemev_class_t *cls, const char *name, int32_t severity)
{
    wbemev_object_t *o;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &o));
    assert_wbemev_ok(wbemev_object_put_string(o, "Name", name));
    assert_wbemev_ok(wbemev_object_put_sint32(o, "Severity", severity));
    return o;
}

wbemev_status fire_event(wbemev_sink_t *sink, wbemev_class_t *cls, const char *name, int32_t severity)
{
    wbemev_object_t *o = new_event(cls, name, severity);
    wbemev_status st = wbemev_sink_indicate1(sink, o);
    wbemev_object_release(o);
    return st;
}

wbemev_status fake_fire(fake_provider *p, wbemev_class_t *cls, const char *name, int32_t severity)
{
    wbemev_sink_t *sink = fake_provider_sink(p);
    assert_non_null(sink);
    return fire_event(sink, cls, name, severity);
}

wbemev_datetime filled_timestamp(unsigned char fill, uint8_t minute)
{
    wbemev_datetime dt;
    memset(&dt, fill, sizeof dt);
    dt.is_interval = false;
    dt.year = 2024;
    dt.month = 5;
    dt.day = 1;
    dt.days = 0;
    dt.hour = 12;
    dt.minute = minute;
    dt.second = 0;
    dt.microseconds = 0;
    dt.utc_offset = 0;
    return dt;
}
