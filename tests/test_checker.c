/*
 * tests/test_checker.c: the contract checker as an object of its own, without a dispatcher:
 * records and counts, policies, the report, the per-thread marks, the host-entry rules, the
 * unique-object marks and the tags that report a Put on a frozen object.
 */
#include "test_support.h"
#include "contract/checker.h" /* white-box: the checker's internal interface */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t now_ns;
static uint64_t checker_clock(void *ctx)
{
    (void)ctx;
    return now_ns;
}

static void checker_init(struct wbemev__checker *c, wbemev_contract_policy policy)
{
    struct wbemev__checker_options o = {policy, 100, 10, checker_clock, NULL};
    wbemev__checker_init(c, &o);
}

static void test_records_count_per_code_and_provider(void **state)
{
    (void)state;
    struct wbemev__checker c;
    checker_init(&c, WBEMEV_CONTRACT_RECORD);
    assert_false(wbemev__checker_violation(&c, WBEMEV_VIOLATION_OBJECT_REINDICATED, "P1", "Indicate", "E"));
    assert_false(wbemev__checker_violation(&c, WBEMEV_VIOLATION_OBJECT_REINDICATED, "P1", "Indicate", "F"));
    assert_false(wbemev__checker_violation(&c, WBEMEV_VIOLATION_OBJECT_REINDICATED, "P2", "Indicate", NULL));
    assert_false(wbemev__checker_violation(&c, WBEMEV_VIOLATION_SINK_NOT_KEPT, NULL, "ProvideEvents", NULL));
    assert_int_equal(wbemev__checker_count(&c), 3);
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_OBJECT_REINDICATED), 3);
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_SINK_NOT_KEPT), 1);
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_PUT_AFTER_INDICATE), 0);

    wbemev_violation v;
    assert_true(wbemev__checker_get(&c, 0, &v));
    assert_int_equal(v.code, WBEMEV_VIOLATION_OBJECT_REINDICATED);
    assert_string_equal(v.name, "OBJECT_REINDICATED");
    assert_string_equal(v.provider, "P1");
    assert_string_equal(v.first_call, "Indicate");
    assert_string_equal(v.first_class, "E"); /* the first occurrence's class is kept */
    assert_int_equal(v.count, 2);
    assert_false(v.warning);
    assert_true(wbemev__checker_get(&c, 2, &v));
    assert_string_equal(v.provider, "(dispatcher)"); /* no provider: the host itself */
    assert_null(v.first_class);
    assert_false(wbemev__checker_get(&c, 3, &v));
    wbemev__checker_fini(&c);
}

static void test_policies(void **state)
{
    (void)state;
    struct wbemev__checker c;
    checker_init(&c, WBEMEV_CONTRACT_OFF);
    assert_false(wbemev__checker_on(&c));
    assert_false(wbemev__checker_violation(&c, WBEMEV_VIOLATION_DUPLICATE_IN_BATCH, "P", "Indicate", NULL));
    assert_int_equal(wbemev__checker_count(&c), 0); /* off records nothing */
    wbemev__checker_fini(&c);

    checker_init(&c, WBEMEV_CONTRACT_STRICT);
    assert_true(wbemev__checker_on(&c));
    assert_true(wbemev__checker_violation(&c, WBEMEV_VIOLATION_DUPLICATE_IN_BATCH, "P", "Indicate", NULL));
    assert_int_equal(wbemev__checker_count(&c), 1); /* strict refuses and records */
    wbemev__checker_fini(&c);
}

static void test_report(void **state)
{
    (void)state;
    struct wbemev__checker c;
    checker_init(&c, WBEMEV_CONTRACT_RECORD);
    char buf[4096];
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(wbemev__checker_report(&c, f), 0);
    wbemev__checker_violation(&c, WBEMEV_VIOLATION_SLOW_CONSUMER, "(consumer)", "Indicate", "E");
    wbemev__checker_violation(&c, WBEMEV_VIOLATION_SET_STATUS_FROM_PROVIDER, "Prov", "SetStatus", NULL);
    wbemev__checker_violation(&c, WBEMEV_VIOLATION_SET_STATUS_FROM_PROVIDER, "Prov", "SetStatus", NULL);
    assert_int_equal(wbemev__checker_report(&c, f), 2);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "(policy record): no violations."));
    assert_non_null(strstr(buf, "(policy record): 2 kinds of violation, 3 occurrences"));
    assert_non_null(strstr(buf, "warning SLOW_CONSUMER"));
    assert_non_null(strstr(buf, "error SET_STATUS_FROM_PROVIDER [1] x2, provider \"Prov\", first in SetStatus\n"));
    assert_non_null(strstr(buf, "rule: guideline 4"));
    assert_non_null(strstr(buf, "see:  docs/contract.md#SET_STATUS_FROM_PROVIDER\n"));
    wbemev__checker_fini(&c);
}

static void test_provider_call_marks_nest_and_time(void **state)
{
    (void)state;
    struct wbemev__checker c;
    checker_init(&c, WBEMEV_CONTRACT_RECORD);
    assert_null(wbemev__checker_current_call());
    struct wbemev__provider_call outer, inner;
    now_ns = 1000;
    wbemev__checker_provider_call_begin(&c, &outer, "P", "NewQuery");
    assert_ptr_equal(wbemev__checker_current_call(), &outer);
    wbemev__checker_provider_call_begin(&c, &inner, "Q", "AccessCheck");
    assert_string_equal(wbemev__checker_current_call()->provider, "Q");
    now_ns += 50; /* within the limit of 100 */
    wbemev__checker_provider_call_end(&c, &inner);
    assert_ptr_equal(wbemev__checker_current_call(), &outer);
    now_ns += 100; /* outer took 150 */
    wbemev__checker_provider_call_end(&c, &outer);
    assert_null(wbemev__checker_current_call());
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_SLOW_PROVIDER_CALL), 1);
    wbemev_violation v;
    assert_true(wbemev__checker_get(&c, 0, &v));
    assert_string_equal(v.provider, "P");
    assert_string_equal(v.first_call, "NewQuery");

    /* An untimed call (a final Release) is never slow. */
    wbemev__checker_provider_call_begin(&c, &outer, "P", "Release");
    outer.timed = false;
    now_ns += 1000;
    wbemev__checker_provider_call_end(&c, &outer);
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_SLOW_PROVIDER_CALL), 1);
    wbemev__checker_fini(&c);
}

static void test_host_entry_rules(void **state)
{
    (void)state;
    struct wbemev__checker c;
    checker_init(&c, WBEMEV_CONTRACT_STRICT);
    /* Outside any host call: allowed. */
    assert_wbemev_status(wbemev__checker_host_call(&c, "subscribe"), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev__checker_class_change(&c, "E", "define class"), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev__checker_count(&c), 0);
    /* Inside a provider call: guideline 2 and guideline 1, refused under strict. */
    struct wbemev__provider_call pc;
    wbemev__checker_provider_call_begin(&c, &pc, "P", "Initialize");
    assert_wbemev_status(wbemev__checker_host_call(&c, "subscribe"), WBEMEV_E_INVALID_OPERATION);
    assert_wbemev_status(wbemev__checker_class_change(&c, "E", "define class"), WBEMEV_E_INVALID_OPERATION);
    wbemev__checker_provider_call_end(&c, &pc);
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_EVENT_CALL_IN_CALL), 1);
    wbemev_violation in_call;
    assert_true(wbemev__checker_get(&c, 0, &in_call));
    assert_string_equal(in_call.provider, "P");
    assert_string_equal(in_call.first_call, "subscribe"); /* the call that broke the rule */
    assert_string_equal(in_call.inside, "Initialize");   /* and the host call it was made inside */
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_CLASS_CHANGE_IN_CALL), 1);
    /* Inside a consumer's Indicate: consumer re-entry. */
    assert_false(wbemev__checker_in_consumer_call());
    struct wbemev__consumer_call cc;
    wbemev__checker_consumer_call_begin(&c, &cc, 7, "SELECT * FROM E", true);
    assert_true(wbemev__checker_in_consumer_call());
    assert_wbemev_status(wbemev__checker_host_call(&c, "unsubscribe"), WBEMEV_E_INVALID_OPERATION);
    assert_wbemev_status(wbemev__checker_class_change(&c, "E", "delete class"), WBEMEV_E_INVALID_OPERATION);
    now_ns += 11; /* past the consumer limit of 10 */
    wbemev__checker_consumer_call_end(&c, &cc, "E");
    assert_false(wbemev__checker_in_consumer_call());
    /* A consumer's records name its subscription and query, and the call it was inside. */
    wbemev_violation v;
    for (size_t i = 0; wbemev__checker_get(&c, i, &v); i++) {
        if (v.code != WBEMEV_VIOLATION_CONSUMER_REENTRY)
            continue;
        assert_int_equal(v.subscription, 7);
        assert_string_equal(v.query, "SELECT * FROM E");
        assert_string_equal(v.first_call, "unsubscribe");
        assert_string_equal(v.inside, "consumer Indicate");
    }
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_CONSUMER_REENTRY), 2);
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_SLOW_CONSUMER), 1);
    wbemev__checker_fini(&c);
}

/* Without a clock of the options, consumer calls are timed on the coarse clock only when its step
 * is small against the limit, and a call is slow past the limit plus one step. */
static void test_consumer_clock_choice(void **state)
{
    (void)state;
    uint64_t step = wbemev__clock_coarse_step_ns();
    struct wbemev__checker c;
    struct wbemev__checker_options o = {WBEMEV_CONTRACT_RECORD, 100, 100000000u, NULL, NULL};
    wbemev__checker_init(&c, &o);
    assert_int_equal(c.consumer_step_ns, step <= o.consumer_limit_ns / 16 ? step : 0);
    wbemev__checker_fini(&c);
    o.consumer_limit_ns = 16 * step - 1; /* the step is over a sixteenth: the precise clock */
    wbemev__checker_init(&c, &o);
    assert_int_equal(c.consumer_step_ns, 0);
    wbemev__checker_fini(&c);
    o.consumer_limit_ns = 100000000u;
    o.clock = checker_clock; /* a clock of the options times everything */
    wbemev__checker_init(&c, &o);
    assert_int_equal(c.consumer_step_ns, 0);
    wbemev__checker_fini(&c);
    /* The coarse clock never goes back. */
    uint64_t a = wbemev__clock_coarse_ns(), b = wbemev__clock_coarse_ns();
    assert_true(b >= a);
    /* A fast call is not slow on either clock. */
    o.clock = NULL;
    wbemev__checker_init(&c, &o);
    struct wbemev__consumer_call cc;
    wbemev__checker_consumer_call_begin(&c, &cc, 1, "SELECT * FROM E", true);
    wbemev__checker_consumer_call_end(&c, &cc, "E");
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_SLOW_CONSUMER), 0);
    wbemev__checker_fini(&c);
}

static wbemev_object_t *checker_event(wbemev_namespace_t *ns)
{
    wbemev_class_t *cls;
    assert_wbemev_ok(wbemev_namespace_get_class(ns, "Checker_Event", &cls));
    wbemev_object_t *o;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &o));
    wbemev_class_release(cls);
    return o;
}

static void test_unique_marks_and_tags(void **state)
{
    (void)state;
    wbemev_namespace_t *ns;
    assert_wbemev_ok(wbemev_namespace_new("root\\checker", &ns));
    const wbemev_property_def props[] = {{"N", WBEMEV_CIM_UINT32, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Checker_Event", "__ExtrinsicEvent", props, 1, NULL));
    struct wbemev__checker c;
    checker_init(&c, WBEMEV_CONTRACT_STRICT);
    uint32_t tag = wbemev__checker_tag_new(&c, "P");
    assert_int_not_equal(tag, 0);

    wbemev_object_t *a = checker_event(ns), *b = checker_event(ns);
    /* A duplicate in one call: refused, and the call's marks undone (the refire is clean). */
    wbemev_object_t *dup[] = {a, b, a};
    assert_wbemev_status(wbemev__checker_mark_unique(&c, "P", tag, 3, dup), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_DUPLICATE_IN_BATCH), 1);
    wbemev_object_t *pair[] = {a, b};
    assert_wbemev_ok(wbemev__checker_mark_unique(&c, "P", tag, 2, pair));
    wbemev_object_freeze(a);
    /* Again later: reindicated. */
    assert_wbemev_status(wbemev__checker_mark_unique(&c, "P", tag, 1, &a), WBEMEV_E_INVALID_OBJECT);
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_OBJECT_REINDICATED), 1);
    /* A Put on the frozen, tagged object is reported against P through the model's hook. */
    assert_wbemev_status(wbemev_object_put(a, "N", &WBEMEV_V_UINT32(1)), WBEMEV_E_READ_ONLY);
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_PUT_AFTER_INDICATE), 1);
    /* Once the tag is freed nothing is reported into this checker. */
    wbemev__checker_tag_free(tag);
    assert_wbemev_status(wbemev_object_put(a, "N", &WBEMEV_V_UINT32(2)), WBEMEV_E_READ_ONLY);
    assert_int_equal(wbemev__checker_count_of(&c, WBEMEV_VIOLATION_PUT_AFTER_INDICATE), 1);
    wbemev__checker_tag_free(0); /* ignored */

    wbemev_object_release(a);
    wbemev_object_release(b);
    wbemev__checker_fini(&c);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_count_per_code_and_provider),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_provider_call_marks_nest_and_time),
        cmocka_unit_test(test_host_entry_rules),
        cmocka_unit_test(test_consumer_clock_choice),
        cmocka_unit_test(test_unique_marks_and_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
