/*
 * tests/test_status.c: status values (CONTRACT.md section 8, literally), names, messages, macros.
 */
#include "test_support.h"

#include <string.h>

/* Every value of CONTRACT.md section 8, as written there. */
static void test_contract_values(void **state)
{
    (void)state;
    assert_int_equal(WBEMEV_S_NO_ERROR, (int32_t)0x0u);
    assert_int_equal(WBEMEV_S_FALSE, (int32_t)0x1u);
    assert_int_equal(WBEMEV_S_SUBJECT_TO_SDS, (int32_t)0x43003u);
    assert_int_equal(WBEMEV_E_FAILED, (int32_t)0x80041001u);
    assert_int_equal(WBEMEV_E_NOT_FOUND, (int32_t)0x80041002u);
    assert_int_equal(WBEMEV_E_ACCESS_DENIED, (int32_t)0x80041003u);
    assert_int_equal(WBEMEV_E_PROVIDER_FAILURE, (int32_t)0x80041004u);
    assert_int_equal(WBEMEV_E_TYPE_MISMATCH, (int32_t)0x80041005u);
    assert_int_equal(WBEMEV_E_OUT_OF_MEMORY, (int32_t)0x80041006u);
    assert_int_equal(WBEMEV_E_INVALID_PARAMETER, (int32_t)0x80041008u);
    assert_int_equal(WBEMEV_E_NOT_SUPPORTED, (int32_t)0x8004100Cu);
    assert_int_equal(WBEMEV_E_INVALID_SUPERCLASS, (int32_t)0x8004100Du);
    assert_int_equal(WBEMEV_E_INVALID_OBJECT, (int32_t)0x8004100Fu);
    assert_int_equal(WBEMEV_E_INVALID_CLASS, (int32_t)0x80041010u);
    assert_int_equal(WBEMEV_E_INVALID_OPERATION, (int32_t)0x80041016u);
    assert_int_equal(WBEMEV_E_INVALID_QUERY, (int32_t)0x80041017u);
    assert_int_equal(WBEMEV_E_ALREADY_EXISTS, (int32_t)0x80041019u);
    assert_int_equal(WBEMEV_E_UNEXPECTED, (int32_t)0x8004101Du);
    assert_int_equal(WBEMEV_E_ILLEGAL_OPERATION, (int32_t)0x8004101Eu);
    assert_int_equal(WBEMEV_E_READ_ONLY, (int32_t)0x80041023u);
    assert_int_equal(WBEMEV_E_ILLEGAL_NULL, (int32_t)0x80041028u);
    assert_int_equal(WBEMEV_E_VALUE_OUT_OF_RANGE, (int32_t)0x8004102Bu);
    assert_int_equal(WBEMEV_E_INVALID_PROPERTY, (int32_t)0x80041031u);
    assert_int_equal(WBEMEV_E_CALL_CANCELLED, (int32_t)0x80041032u);
    assert_int_equal(WBEMEV_E_SHUTTING_DOWN, (int32_t)0x80041033u);
    assert_int_equal(WBEMEV_E_SERVER_TOO_BUSY, (int32_t)0x80041045u);
    assert_int_equal(WBEMEV_E_UNPARSABLE_QUERY, (int32_t)0x80041058u);
    assert_int_equal(WBEMEV_E_NOT_EVENT_CLASS, (int32_t)0x80041059u);
    assert_int_equal(WBEMEV_E_MISSING_GROUP_WITHIN, (int32_t)0x8004105Au);
    assert_int_equal(WBEMEV_E_QUEUE_OVERFLOW, (int32_t)0x80041061u);
    assert_int_equal(WBEMEV_E_TIMED_OUT, (int32_t)0x80041069u);
    assert_int_equal(WBEMEV_E_PROVIDER_NOT_REGISTERED, (int32_t)0x80041085u);
    assert_int_equal(WBEMEV_STATUS_COMPLETE, 0);
    assert_int_equal(WBEMEV_STATUS_PROGRESS, 2);
    assert_int_equal(WBEMEV_S_INITIALIZED, 0);
}

/* A few values beyond section 8, checked against mingw-w64 wbemcli.h / wbemprov.h. */
static void test_extra_values(void **state)
{
    (void)state;
    assert_int_equal(WBEMEV_S_NO_MORE_DATA, (int32_t)0x40005u);
    assert_int_equal(WBEMEV_S_TIMEDOUT, (int32_t)0x40004u);
    assert_int_equal(WBEMEV_E_INVALID_CIM_TYPE, (int32_t)0x8004102Du);
    assert_int_equal(WBEMEV_E_BUFFER_TOO_SMALL, (int32_t)0x8004103Cu);
    assert_int_equal(WBEMEV_E_INVALID_OPERATOR, (int32_t)0x80041063u);
    assert_int_equal(WBEMEV_E_PROVIDER_LOAD_FAILURE, (int32_t)0x80041013u);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(wbemev_status_name(WBEMEV_S_NO_ERROR), "WBEM_S_NO_ERROR");
    assert_string_equal(wbemev_status_name(WBEMEV_S_FALSE), "WBEM_S_FALSE");
    assert_string_equal(wbemev_status_name(WBEMEV_S_SUBJECT_TO_SDS), "WBEM_S_SUBJECT_TO_SDS");
    assert_string_equal(wbemev_status_name(WBEMEV_E_NOT_FOUND), "WBEM_E_NOT_FOUND");
    assert_string_equal(wbemev_status_name((int32_t)0x80041001u), "WBEM_E_FAILED");
    assert_string_equal(wbemev_status_name(WBEMEV_E_QUEUE_OVERFLOW), "WBEM_E_QUEUE_OVERFLOW");
    assert_string_equal(wbemev_status_name(WBEMEV_E_PROVIDER_NOT_REGISTERED),
                        "WBEM_E_PROVIDER_NOT_REGISTERED");
}

/* Every entry of the table: a name that spells the constant, a non-empty message, no duplicates. */
typedef struct status_entry {
    wbemev_status value;
    const char *name;
} status_entry;

#define STATUS_ENTRY(name, value, msg) {WBEMEV_##name, "WBEM_" #name},
static const status_entry all_statuses[] = {WBEMEV_STATUS_MAP(STATUS_ENTRY)};
#undef STATUS_ENTRY

static void test_table_consistent(void **state)
{
    (void)state;
    size_t n = sizeof all_statuses / sizeof all_statuses[0];
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        const char *name = wbemev_status_name(all_statuses[i].value);
        assert_non_null(name);
        assert_string_equal(name, all_statuses[i].name);
        const char *msg = wbemev_status_message(all_statuses[i].value);
        assert_non_null(msg);
        assert_true(strlen(msg) > 0);
        assert_string_not_equal(msg, "unknown status");
        /* Success codes are the S_ ones, failures the E_ ones. */
        bool is_success = strncmp(all_statuses[i].name, "WBEM_S_", 7) == 0;
        assert_int_equal(WBEMEV_SUCCEEDED(all_statuses[i].value), is_success);
        assert_int_equal(WBEMEV_FAILED(all_statuses[i].value), !is_success);
        for (size_t j = i + 1; j < n; j++)
            assert_int_not_equal(all_statuses[i].value, all_statuses[j].value);
    }
}

static void test_messages(void **state)
{
    (void)state;
    assert_string_equal(wbemev_status_message(WBEMEV_E_NOT_FOUND), "not found");
    assert_string_equal(wbemev_status_message(WBEMEV_E_OUT_OF_MEMORY), "out of memory");
    assert_string_equal(wbemev_status_message(WBEMEV_S_NO_ERROR), "success");
}

static void test_unknown(void **state)
{
    (void)state;
    static const wbemev_status unknown[] = {2, -1, 0x40000, (int32_t)0x80041000u, (int32_t)0x8004100Bu,
                                            (int32_t)0x80004005u, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_null(wbemev_status_name(unknown[i]));
        assert_string_equal(wbemev_status_message(unknown[i]), "unknown status");
    }
}

static void test_succeeded_macros(void **state)
{
    (void)state;
    assert_true(WBEMEV_SUCCEEDED(WBEMEV_S_NO_ERROR));
    assert_true(WBEMEV_SUCCEEDED(WBEMEV_S_FALSE));
    assert_true(WBEMEV_SUCCEEDED(WBEMEV_S_SUBJECT_TO_SDS));
    assert_false(WBEMEV_FAILED(WBEMEV_S_FALSE));
    assert_false(WBEMEV_FAILED(WBEMEV_S_SUBJECT_TO_SDS));
    assert_true(WBEMEV_FAILED(WBEMEV_E_FAILED));
    assert_false(WBEMEV_SUCCEEDED(WBEMEV_E_SERVER_TOO_BUSY));
    assert_true(WBEMEV_FAILED(WBEMEV_E_CALL_CANCELLED));
    /* The macros take an unsigned HRESULT spelled as in the docs. */
    assert_true(WBEMEV_FAILED(0x80041001u));
}

static void test_version(void **state)
{
    (void)state;
    assert_string_equal(wbemev_version_string(), WBEMEV_VERSION_STRING);
    assert_int_equal(wbemev_version(), WBEMEV_VERSION_HEX);
    assert_int_equal(wbemev_version() >> 16, WBEMEV_VERSION_MAJOR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract_values), cmocka_unit_test(test_extra_values),
        cmocka_unit_test(test_names),           cmocka_unit_test(test_table_consistent),
        cmocka_unit_test(test_messages),        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_succeeded_macros), cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
