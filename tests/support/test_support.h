/*
 * tests/support/test_support.h: helpers shared by the unit tests (cmocka 1.1 API). Status assertions
 * are the test kit's (wbemev/testkit.h: assert_wbemev_status, assert_wbemev_ok, assert_no_violations...).
 * The fakes themselves (fake_provider.h, fake_consumer.h, manual_clock.h) know nothing of cmocka;
 * here are the CMocka checks on them and the registry through which a fixture owns them.
 */
#ifndef WBEMEV_TEST_SUPPORT_H
#define WBEMEV_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wbemev.h"
#include "wbemev/testkit.h"

#include "fake_consumer.h"
#include "fake_provider.h"
#include "manual_clock.h"

/* Fails the test when event objects or allocations made by the library are still alive. Call it at
 * the end of each test (or in its teardown) after releasing everything. */
void wbemev_test_assert_no_leaks(void);

/* ---- the fakes a fixture owns ----
 * A fixture's setup embeds a test_fakes (zeroed) and makes its fakes with it; the test may ask for
 * more; the teardown, once the dispatchers are destroyed, calls test_fakes_teardown. Not
 * thread-safe: make fakes from one thread at a time. */
typedef struct test_fakes {
    fake_provider **providers;
    size_t nproviders, providers_cap;
    fake_consumer **consumers;
    size_t nconsumers, consumers_cap;
} test_fakes;

fake_provider *test_fakes_provider(test_fakes *f);
fake_consumer *test_fakes_consumer(test_fakes *f);
/* Releases the creator's reference of each provider that still has it (the final release), frees
 * every fake, and fails the test unless each ended cleanly (fake_provider_check_ended,
 * fake_consumer_check: no anomaly, every reference given back, no sink kept). */
void test_fakes_teardown(test_fakes *f);
/* Opens every consumer's gates (Indicate and SetStatus). A teardown calls it before destroying
 * its dispatcher: a test that failed while a consumer was held would otherwise wait for it forever
 * instead of reporting the failure. */
void test_fakes_open_gates(test_fakes *f);

/* Fails unless the fake ended cleanly, with what is wrong. */
void assert_fake_provider_ended(fake_provider *p);
void assert_fake_consumer_clean(fake_consumer *c);
/* The consumer got exactly one final SetStatus, with `status`, last, and nothing after it. */
void assert_consumer_ended(fake_consumer *c, wbemev_status status);

/* indicated == delivered + dropped + discarded + refused + queued */
void assert_balanced(const wbemev_subscription_stats *s);

/* ---- events ---- */
/* Defines `name` : __ExtrinsicEvent { string Name; sint32 Severity; } in d's namespace. */
wbemev_class_t *define_event_class(wbemev_dispatcher_t *d, const char *name);
/* A new instance of cls with Name and Severity set. */
wbemev_object_t *new_event(wbemev_class_t *cls, const char *name, int32_t severity);
/* Indicates one fresh event through `sink`; returns Indicate's status. */
wbemev_status fire_event(wbemev_sink_t *sink, wbemev_class_t *cls, const char *name, int32_t severity);
/* The same through the sink the fake provider kept (which it must have). */
wbemev_status fake_fire(fake_provider *p, wbemev_class_t *cls, const char *name, int32_t severity);

/* ---- values ---- */
/* The timestamp 2024-05-01 12:<minute>:00 UTC as a provider may fill it: every byte of the struct,
 * the padding between its fields included, set to `fill` first. */
wbemev_datetime filled_timestamp(unsigned char fill, uint8_t minute);

#endif
