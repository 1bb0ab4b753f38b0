/*
 * examples/test_burst_provider.c: how a provider author unit-tests a provider with the test kit.
 * The dispatcher plays WMI under the strict contract checker; the kit reads back what arrived.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wbemev/testkit.h"
#include "burst_provider.h"

static void test_bursts_arrive_and_the_contract_holds(void **state)
{
    (void)state;
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = WBEMEV_CONTRACT_STRICT;
    wbemev_dispatcher_t *d;
    wbemev_provider_t *p;
    wbemev_sink_t *rec;
    uint32_t id;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &d));
    assert_wbemev_ok(burst_provider_define_classes(wbemev_dispatcher_namespace(d)));
    assert_wbemev_ok(burst_provider_new(NULL, &p)); /* 3 bursts of 400 */
    assert_wbemev_ok(wbemev_dispatcher_register(d, "Burst", p, burst_event_queries, burst_event_query_count));
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_ok(wbemev_dispatcher_subscribe(d, "SELECT * FROM Burst_Event", rec, NULL, &id));

    burst_provider_wait(p);
    assert_int_equal(wbemev_testkit_count(rec, "Burst_Event"), 1200);
    assert_non_null(wbemev_testkit_find(rec, "Burst_Event", "Sequence", &WBEMEV_V_UINT64(1199)));
    assert_no_violations(d);

    wbemev_recording_sink_clear(rec);
    wbemev_provider_release(p);
    wbemev_dispatcher_destroy(d);
    wbemev_sink_release(rec);
}

/* Its stop path: the host answers CALL_CANCELLED; the provider must stop, not refire. */
static void test_it_stops_when_cancelled(void **state)
{
    (void)state;
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = WBEMEV_CONTRACT_STRICT;
    wbemev_dispatcher_t *d;
    wbemev_provider_t *p;
    wbemev_sink_t *rec;
    uint32_t id;
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &d));
    assert_wbemev_ok(burst_provider_define_classes(wbemev_dispatcher_namespace(d)));
    assert_wbemev_ok(burst_provider_new(NULL, &p));
    assert_wbemev_ok(wbemev_dispatcher_register(d, "Burst", p, burst_event_queries, burst_event_query_count));
    assert_wbemev_ok(wbemev_testkit_inject_indicate_status(d, "Burst", WBEMEV_E_CALL_CANCELLED, 1));
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_ok(wbemev_dispatcher_subscribe(d, "SELECT * FROM Burst_Event", rec, NULL, &id));

    assert_int_equal(burst_provider_wait(p), 0);
    assert_int_equal(wbemev_recording_sink_count(rec), 0);
    assert_no_violations(d); /* it did not indicate again after the cancel */

    wbemev_provider_release(p);
    wbemev_dispatcher_destroy(d);
    wbemev_sink_release(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bursts_arrive_and_the_contract_holds),
        cmocka_unit_test(test_it_stops_when_cancelled),
    };
    return cmocka_run_group_tests_name("burst provider", tests, NULL, NULL);
}
