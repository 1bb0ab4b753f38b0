/*
 * tests/gen/test_gen_roundtrip.c: the C that `wbemev gen` writes for tests/gen/all_types.mof,
 * generated at build time (wbemev_generate) and compiled with -Wall -Wextra -Werror -Wconversion
 * -pedantic: every typed setter and getter round-trips its value through an event object, the
 * handles belong to the namespace they were resolved in, and the registration is the MOF's.
 */
#include "test_support.h"

#include "all_types_mof.h"

#include <stdlib.h>
#include <string.h>

struct fixture {
    wbemev_namespace_t *ns;
    all_types_handles h;
    wbemev_object_t *event;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_wbemev_ok(wbemev_namespace_new("root\\gen", &f->ns));
    assert_wbemev_ok(all_types_define_classes(f->ns, false));
    assert_wbemev_ok(all_types_init(&f->h, f->ns));
    assert_wbemev_ok(gen_event_spawn(&f->h, &f->event));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    wbemev_object_release(f->event);
    all_types_fini(&f->h);
    wbemev_namespace_release(f->ns);
    free(f);
    wbemev_test_assert_no_leaks();
    return 0;
}

static void test_scalars_round_trip(void **state)
{
    struct fixture *f = *state;
    wbemev_object_t *e = f->event;
    const all_types_handles *h = &f->h;
    assert_wbemev_ok(gen_event_put_s8(h, e, INT8_MIN));
    assert_wbemev_ok(gen_event_put_u8(h, e, UINT8_MAX));
    assert_wbemev_ok(gen_event_put_s16(h, e, INT16_MIN));
    assert_wbemev_ok(gen_event_put_u16(h, e, UINT16_MAX));
    assert_wbemev_ok(gen_event_put_s32(h, e, INT32_MIN));
    assert_wbemev_ok(gen_event_put_u32(h, e, UINT32_MAX));
    assert_wbemev_ok(gen_event_put_s64(h, e, INT64_MIN));
    assert_wbemev_ok(gen_event_put_u64(h, e, UINT64_MAX));
    assert_wbemev_ok(gen_event_put_r32(h, e, 0.5f));
    assert_wbemev_ok(gen_event_put_r64(h, e, -1.25));
    assert_wbemev_ok(gen_event_put_flag(h, e, true));
    assert_wbemev_ok(gen_event_put_letter(h, e, 0x00e9));
    assert_wbemev_ok(gen_event_put_default(h, e, false));
    assert_wbemev_ok(gen_event_put_text(h, e, "caf\xc3\xa9"));
    wbemev_datetime when = {false, 2026, 12, 2, 0, 4, 5, 6, 7, 60};
    assert_wbemev_ok(gen_event_put_when(h, e, when));
    assert_wbemev_ok(gen_event_put_target(h, e, "Gen_Payload.Id=\"p1\""));

    int8_t s8 = 0;
    uint8_t u8 = 0;
    int16_t s16 = 0;
    uint16_t u16 = 0, letter = 0;
    int32_t s32 = 0;
    uint32_t u32 = 0;
    int64_t s64 = 0;
    uint64_t u64 = 0;
    float r32 = 0;
    double r64 = 0;
    bool flag = false, dflt = true;
    const char *text = NULL, *target = NULL;
    wbemev_datetime got_when;
    assert_wbemev_ok(gen_event_get_s8(h, e, &s8));
    assert_wbemev_ok(gen_event_get_u8(h, e, &u8));
    assert_wbemev_ok(gen_event_get_s16(h, e, &s16));
    assert_wbemev_ok(gen_event_get_u16(h, e, &u16));
    assert_wbemev_ok(gen_event_get_s32(h, e, &s32));
    assert_wbemev_ok(gen_event_get_u32(h, e, &u32));
    assert_wbemev_ok(gen_event_get_s64(h, e, &s64));
    assert_wbemev_ok(gen_event_get_u64(h, e, &u64));
    assert_wbemev_ok(gen_event_get_r32(h, e, &r32));
    assert_wbemev_ok(gen_event_get_r64(h, e, &r64));
    assert_wbemev_ok(gen_event_get_flag(h, e, &flag));
    assert_wbemev_ok(gen_event_get_letter(h, e, &letter));
    assert_wbemev_ok(gen_event_get_default(h, e, &dflt));
    assert_wbemev_ok(gen_event_get_text(h, e, &text));
    assert_wbemev_ok(gen_event_get_when(h, e, &got_when));
    assert_wbemev_ok(gen_event_get_target(h, e, &target));
    assert_int_equal(s8, INT8_MIN);
    assert_int_equal(u8, UINT8_MAX);
    assert_int_equal(s16, INT16_MIN);
    assert_int_equal(u16, UINT16_MAX);
    assert_int_equal(s32, INT32_MIN);
    assert_int_equal(u32, UINT32_MAX);
    assert_true(s64 == INT64_MIN);
    assert_true(u64 == UINT64_MAX);
    assert_true(r32 == 0.5f);
    assert_true(r64 == -1.25);
    assert_true(flag);
    assert_false(dflt);
    assert_int_equal(letter, 0x00e9);
    assert_string_equal(text, "caf\xc3\xa9");
    assert_int_equal(got_when.year, 2026);
    assert_int_equal(got_when.microseconds, 7);
    assert_int_equal(got_when.utc_offset, 60);
    assert_string_equal(target, "Gen_Payload.Id=\"p1\"");

    /* The same values, read by name: the accessors wrote the properties the MOF names. */
    int32_t by_name = 0;
    assert_wbemev_ok(wbemev_object_get_sint32(e, "S32", &by_name));
    assert_int_equal(by_name, INT32_MIN);
}

static void test_values_are_checked_as_put_checks_them(void **state)
{
    struct fixture *f = *state;
    /* Through a handle, Put still refuses what it refuses by name. */
    assert_wbemev_status(gen_event_put_text(&f->h, f->event, "\xff"), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(gen_event_put_letter(&f->h, f->event, 0xd800), WBEMEV_E_VALUE_OUT_OF_RANGE);
    wbemev_datetime bad = {false, 2026, 13, 1, 0, 0, 0, 0, 0, 0};
    assert_wbemev_status(gen_event_put_when(&f->h, f->event, bad), WBEMEV_E_INVALID_PARAMETER);
}

static void test_arrays_round_trip(void **state)
{
    struct fixture *f = *state;
    wbemev_object_t *e = f->event;
    const all_types_handles *h = &f->h;
    const int32_t numbers[] = {1, -2, 3};
    const char *const words[] = {"one", "two"};
    const float ratios[] = {0.25f};
    const bool bits[] = {true, false, true, true};
    const wbemev_datetime times[] = {{true, 0, 0, 0, 3, 4, 5, 6, 7, 0}};
    const uint16_t chars[] = {'a', 'b'};
    assert_wbemev_ok(gen_event_put_numbers(h, e, numbers, 3));
    assert_wbemev_ok(gen_event_put_words(h, e, words, 2));
    assert_wbemev_ok(gen_event_put_ratios(h, e, ratios, 1));
    assert_wbemev_ok(gen_event_put_bits(h, e, bits, 4));
    assert_wbemev_ok(gen_event_put_times(h, e, times, 1));
    assert_wbemev_ok(gen_event_put_chars(h, e, chars, 2));
    assert_wbemev_ok(gen_event_put_objects(h, e, NULL, 0)); /* an empty array, not NULL */

    const int32_t *n = NULL;
    const char *const *w = NULL;
    const float *r = NULL;
    const bool *b = NULL;
    const wbemev_datetime *t = NULL;
    const uint16_t *c = NULL;
    wbemev_object_t *const *o = NULL;
    size_t count = 99;
    assert_wbemev_ok(gen_event_get_numbers(h, e, &n, &count));
    assert_int_equal(count, 3);
    assert_int_equal(n[1], -2);
    assert_wbemev_ok(gen_event_get_words(h, e, &w, &count));
    assert_int_equal(count, 2);
    assert_string_equal(w[1], "two");
    assert_wbemev_ok(gen_event_get_ratios(h, e, &r, &count));
    assert_true(count == 1 && r[0] == 0.25f);
    assert_wbemev_ok(gen_event_get_bits(h, e, &b, &count));
    assert_true(count == 4 && b[0] && !b[1] && b[3]);
    assert_wbemev_ok(gen_event_get_times(h, e, &t, &count));
    assert_true(count == 1 && t[0].is_interval && t[0].days == 3);
    assert_wbemev_ok(gen_event_get_chars(h, e, &c, &count));
    assert_true(count == 2 && c[1] == 'b');
    assert_wbemev_ok(gen_event_get_objects(h, e, &o, &count));
    assert_int_equal(count, 0);
    assert_wbemev_status(gen_event_get_numbers(h, e, NULL, &count), WBEMEV_E_INVALID_PARAMETER);
}

static void test_embedded_objects_round_trip(void **state)
{
    struct fixture *f = *state;
    const all_types_handles *h = &f->h;
    wbemev_object_t *payload = NULL, *got = NULL;
    assert_wbemev_ok(gen_payload_spawn(h, &payload));
    assert_wbemev_ok(gen_payload_put_id(h, payload, "p1"));
    assert_wbemev_ok(gen_payload_put_cpu_usage(h, payload, 0.75));
    assert_wbemev_ok(gen_event_put_payload(h, f->event, payload));
    assert_wbemev_ok(gen_event_put_any_object(h, f->event, payload));
    wbemev_object_release(payload); /* Put copied it */
    assert_wbemev_ok(gen_event_get_payload(h, f->event, &got));
    double cpu = 0;
    assert_wbemev_ok(gen_payload_get_cpu_usage(h, got, &cpu));
    assert_true(cpu == 0.75);
    assert_wbemev_ok(gen_event_get_any_object(h, f->event, &got));
    assert_string_equal(wbemev_object_class_name(got), "Gen_Payload");

    /* EmbeddedInstance("Gen_Payload") is the property's class: another class is refused. */
    wbemev_object_t *other;
    assert_wbemev_ok(gen_empty_event_spawn(h, &other));
    assert_wbemev_status(gen_event_put_payload(h, f->event, other), WBEMEV_E_TYPE_MISMATCH);
    wbemev_object_release(other);
}

static void test_null_clear_and_is_null(void **state)
{
    struct fixture *f = *state;
    int32_t v = 7;
    assert_true(gen_event_is_null_s32(&f->h, f->event)); /* a new instance: every property NULL */
    assert_wbemev_status(gen_event_get_s32(&f->h, f->event, &v), WBEMEV_E_ILLEGAL_NULL);
    assert_int_equal(v, 7);
    assert_wbemev_ok(gen_event_put_s32(&f->h, f->event, 5));
    assert_false(gen_event_is_null_s32(&f->h, f->event));
    assert_wbemev_status(gen_event_get_s32(&f->h, f->event, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_ok(gen_event_clear_s32(&f->h, f->event));
    assert_true(gen_event_is_null_s32(&f->h, f->event));
    /* A frozen (indicated) event refuses Put, typed or not. */
    wbemev_object_freeze(f->event);
    assert_wbemev_status(gen_event_put_s32(&f->h, f->event, 1), WBEMEV_E_READ_ONLY);
}

static void test_subclass_uses_its_superclass_accessors(void **state)
{
    struct fixture *f = *state;
    wbemev_object_t *sub;
    const char *things = NULL;
    int32_t s32 = 0;
    assert_wbemev_ok(gen_sub_event_spawn(&f->h, &sub));
    assert_wbemev_ok(gen_sub_event_put_number_of_things(&f->h, sub, "many"));
    assert_wbemev_ok(gen_event_put_s32(&f->h, sub, 42)); /* inherited: Gen_Event's handle */
    assert_wbemev_ok(gen_sub_event_get_number_of_things(&f->h, sub, &things));
    assert_wbemev_ok(gen_event_get_s32(&f->h, sub, &s32));
    assert_string_equal(things, "many");
    assert_int_equal(s32, 42);
    /* The other way round a handle does not fit: Gen_Event has no NumberOfThings. */
    assert_wbemev_status(gen_sub_event_put_number_of_things(&f->h, f->event, "x"), WBEMEV_E_INVALID_PARAMETER);
    wbemev_object_release(sub);
}

/* Handles belong to the namespace they were resolved in: another namespace's objects refuse them. */
static void test_handles_are_per_namespace(void **state)
{
    struct fixture *f = *state;
    wbemev_namespace_t *other;
    all_types_handles h2;
    wbemev_object_t *e2;
    assert_wbemev_ok(wbemev_namespace_new("root\\other", &other));
    assert_wbemev_status(all_types_init(&h2, other), WBEMEV_E_NOT_FOUND); /* not defined there yet */
    assert_null(h2.gen_event.cls);                                         /* nothing kept */
    assert_wbemev_ok(all_types_define_classes(other, false));
    assert_wbemev_status(all_types_define_classes(other, false), WBEMEV_E_ALREADY_EXISTS);
    assert_wbemev_ok(all_types_define_classes(other, true));
    assert_wbemev_ok(all_types_init(&h2, other));
    assert_wbemev_ok(gen_event_spawn(&h2, &e2));
    assert_wbemev_ok(gen_event_put_u8(&h2, e2, 1));
    assert_wbemev_status(gen_event_put_u8(&f->h, e2, 1), WBEMEV_E_INVALID_PARAMETER);
    wbemev_object_release(e2);
    all_types_fini(&h2);
    all_types_fini(&h2); /* twice is fine */
    all_types_fini(NULL);
    wbemev_namespace_release(other);
    assert_wbemev_status(all_types_init(NULL, f->ns), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(all_types_init(&h2, NULL), WBEMEV_E_INVALID_PARAMETER);
}

/* A namespace whose class has the name but not the MOF's types: init says so. */
static void test_init_checks_the_types(void **state)
{
    (void)state;
    wbemev_namespace_t *ns;
    all_types_handles h;
    static const wbemev_property_def wrong[] = {{"Id", WBEMEV_CIM_UINT32, NULL}, {"CPUUsage", WBEMEV_CIM_REAL64, NULL}};
    assert_wbemev_ok(wbemev_namespace_new("root\\wrong", &ns));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Gen_Payload", NULL, wrong, 2, NULL));
    assert_wbemev_ok(all_types_define_classes(ns, true)); /* the others */
    assert_wbemev_status(all_types_init(&h, ns), WBEMEV_E_TYPE_MISMATCH);
    assert_null(h.gen_payload.cls);
    wbemev_namespace_release(ns);
}

static void test_registration_is_the_mofs(void **state)
{
    (void)state;
    const wbemev_registration *r = &all_types_registration;
    assert_wbemev_ok(wbemev_registration_validate(r));
    assert_string_equal(r->namespace_name, "root\\gen");
    assert_string_equal(r->provider_name, "GenProvider");
    assert_string_equal(r->clsid, "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}");
    assert_string_equal(r->hosting_model, "LocalSystemHost");
    assert_int_equal(r->query_count, 2);
    assert_int_equal(all_types_event_query_count, 2);
    assert_string_equal(all_types_event_queries[0], "SELECT * FROM Gen_Event WHERE Text = \"a\\\\b??\"");
    assert_string_equal(r->event_queries[1], "SELECT * FROM Gen_Empty_Event");
    /* Classes in definition order: a class after its superclass and after the embedded class. */
    assert_int_equal(r->class_count, ALL_TYPES_CLASS_COUNT);
    assert_int_equal(ALL_TYPES_CLASS_COUNT, 4);
    size_t payload = 9, event = 9, sub = 9;
    for (size_t i = 0; i < ALL_TYPES_CLASS_COUNT; i++) {
        if (strcmp(all_types_classes[i].name, GEN_PAYLOAD_CLASS_NAME) == 0)
            payload = i;
        if (strcmp(all_types_classes[i].name, GEN_EVENT_CLASS_NAME) == 0)
            event = i;
        if (strcmp(all_types_classes[i].name, GEN_SUB_EVENT_CLASS_NAME) == 0)
            sub = i;
    }
    assert_true(payload < event && event < sub && sub < ALL_TYPES_CLASS_COUNT);
    assert_int_equal(all_types_classes[event].prop_count, 25);
    assert_string_equal(all_types_classes[sub].superclass, "Gen_Event");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scalars_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_are_checked_as_put_checks_them, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arrays_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_embedded_objects_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_clear_and_is_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subclass_uses_its_superclass_accessors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handles_are_per_namespace, setup, teardown),
        cmocka_unit_test(test_init_checks_the_types),
        cmocka_unit_test(test_registration_is_the_mofs),
    };
    return cmocka_run_group_tests_name("wbemev gen: generated accessors", tests, NULL, NULL);
}
