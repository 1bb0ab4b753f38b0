/*
 * tests/test_status.c: status values, names, messages and macros; the table checked against the
 * codes of mingw-w64's wbemcli.h and wbemprov.h (a copy below, and the headers themselves when
 * they are installed), and against the list in docs/status-codes.md.
 *
 * `test_status --markdown` prints the list docs/status-codes.md holds between its two markers.
 * Compile definitions, all optional: WBEMEV_STATUS_DOC (the path of docs/status-codes.md; by
 * default found from this file's path) and WBEMEV_MINGW_INCLUDE_DIR (where wbemcli.h is; by
 * default the usual Debian paths).
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The values providers meet most, as docs/contract.md and docs/status-codes.md give them. */
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
    assert_int_equal(WBEMEV_E_PROVIDER_LOAD_FAILURE, (int32_t)0x80041013u);
    assert_int_equal(WBEMEV_E_PROVIDER_NOT_REGISTERED, (int32_t)0x80041085u);
    assert_int_equal(WBEMEV_STATUS_COMPLETE, 0);
    assert_int_equal(WBEMEV_STATUS_PROGRESS, 2);
    assert_int_equal(WBEMEV_S_INITIALIZED, 0);
}

/* A few more, and the three spellings of the groups (WBEM_, WBEMESS_, WBEMMOF_). */
static void test_extra_values(void **state)
{
    (void)state;
    assert_int_equal(WBEMEV_S_NO_MORE_DATA, (int32_t)0x40005u);
    assert_int_equal(WBEMEV_S_TIMEDOUT, (int32_t)0x40004u);
    assert_int_equal(WBEMEV_E_INVALID_CIM_TYPE, (int32_t)0x8004102Du);
    assert_int_equal(WBEMEV_E_BUFFER_TOO_SMALL, (int32_t)0x8004103Cu);
    assert_int_equal(WBEMEV_E_INVALID_OPERATOR, (int32_t)0x80041063u);
    assert_int_equal(WBEMEV_E_INVALID_STREAM, (int32_t)0x8004100Bu);
    assert_int_equal(WBEMEV_E_PROVIDER_DISABLED, (int32_t)0x8004108Au);
    assert_int_equal(WBEMEV_E_RETRY_LATER, (int32_t)0x80043001u);
    assert_int_equal(WBEMEV_ESS_E_REGISTRATION_TOO_BROAD, (int32_t)0x80042001u);
    assert_int_equal(WBEMEV_MOF_E_TYPE_MISMATCH, (int32_t)0x80044015u);
    assert_int_equal(WBEMEV_MOF_E_INVALID_DELETECLASS_SYNTAX, (int32_t)0x80044031u);
    assert_int_equal(WBEMEV_NO_ERROR, 0);
    assert_int_equal(WBEMEV_S_SAME, 0);
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
    assert_string_equal(wbemev_status_name(WBEMEV_ESS_E_AUTHZ_NOT_PRIVILEGED),
                        "WBEMESS_E_AUTHZ_NOT_PRIVILEGED");
    assert_string_equal(wbemev_status_name(WBEMEV_MOF_E_EXPECTED_SEMI), "WBEMMOF_E_EXPECTED_SEMI");
    assert_string_equal(WBEMEV_STATUS_WBEM_NAME(E_FAILED), "WBEM_E_FAILED");
    assert_string_equal(WBEMEV_STATUS_WBEM_NAME(MOF_E_EXPECTED_SEMI), "WBEMMOF_E_EXPECTED_SEMI");
}

/* ------------------------------------------------------------------------------------------------
 * The table
 */
typedef struct status_entry {
    wbemev_status value;
    const char *key; /* NAME as written in the table: "E_FAILED", "MOF_E_EXPECTED_SEMI" */
    const char *message;
} status_entry;

#define STATUS_ENTRY(name, value, msg) {WBEMEV_##name, #name, msg},
static const status_entry all_statuses[] = {WBEMEV_STATUS_MAP(STATUS_ENTRY)};
#undef STATUS_ENTRY
#define NSTATUSES (sizeof all_statuses / sizeof all_statuses[0])

/* The WBEM name of an entry, spelled without the macro: "WBEM_" + key, or "WBEM" + key for the
 * groups ESS_ and MOF_. */
static void wbem_name(const status_entry *e, char *out, size_t size)
{
    bool grouped = strncmp(e->key, "ESS_", 4) == 0 || strncmp(e->key, "MOF_", 4) == 0;
    snprintf(out, size, "%s%s", grouped ? "WBEM" : "WBEM_", e->key);
}

/* Every entry: a name that spells the constant, a message, no value or name twice, values in
 * ascending order (successes first), success codes S_ and failures E_. */
static void test_table_consistent(void **state)
{
    (void)state;
    assert_true(NSTATUSES >= 190);
    for (size_t i = 0; i < NSTATUSES; i++) {
        const status_entry *e = &all_statuses[i];
        char want[96];
        wbem_name(e, want, sizeof want);
        const char *name = wbemev_status_name(e->value);
        assert_non_null(name);
        assert_string_equal(name, want);
        const char *msg = wbemev_status_message(e->value);
        assert_string_equal(msg, e->message);
        assert_true(strlen(msg) > 0);
        assert_string_not_equal(msg, "unknown status");
        bool is_success = strstr(e->key, "S_") == e->key;
        assert_true(is_success || strstr(e->key, "E_") != NULL);
        assert_int_equal(WBEMEV_SUCCEEDED(e->value), is_success);
        assert_int_equal(WBEMEV_FAILED(e->value), !is_success);
        if (i > 0)
            assert_true((uint32_t)all_statuses[i - 1].value < (uint32_t)e->value);
        for (size_t j = i + 1; j < NSTATUSES; j++) {
            assert_int_not_equal(e->value, all_statuses[j].value);
            assert_string_not_equal(e->key, all_statuses[j].key);
        }
    }
}

/* ------------------------------------------------------------------------------------------------
 * wbemcli.h and wbemprov.h: a copy of their status codes (tag_WBEMSTATUS in wbemcli.h, then
 * tag_WBEM_EXTRA_RETURN_CODES in wbemprov.h, mingw-w64 10.0.0), in their order.
 */
typedef struct wbem_code {
    const char *name;
    uint32_t value;
} wbem_code;

static const wbem_code wbem_codes[] = {
    {"WBEM_NO_ERROR", 0u},
    {"WBEM_S_NO_ERROR", 0u},
    {"WBEM_S_SAME", 0u},
    {"WBEM_S_FALSE", 1u},
    {"WBEM_S_ALREADY_EXISTS", 0x40001u},
    {"WBEM_S_RESET_TO_DEFAULT", 0x40002u},
    {"WBEM_S_DIFFERENT", 0x40003u},
    {"WBEM_S_TIMEDOUT", 0x40004u},
    {"WBEM_S_NO_MORE_DATA", 0x40005u},
    {"WBEM_S_OPERATION_CANCELLED", 0x40006u},
    {"WBEM_S_PENDING", 0x40007u},
    {"WBEM_S_DUPLICATE_OBJECTS", 0x40008u},
    {"WBEM_S_ACCESS_DENIED", 0x40009u},
    {"WBEM_S_PARTIAL_RESULTS", 0x40010u},
    {"WBEM_S_SOURCE_NOT_AVAILABLE", 0x40017u},
    {"WBEM_E_FAILED", 0x80041001u},
    {"WBEM_E_NOT_FOUND", 0x80041002u},
    {"WBEM_E_ACCESS_DENIED", 0x80041003u},
    {"WBEM_E_PROVIDER_FAILURE", 0x80041004u},
    {"WBEM_E_TYPE_MISMATCH", 0x80041005u},
    {"WBEM_E_OUT_OF_MEMORY", 0x80041006u},
    {"WBEM_E_INVALID_CONTEXT", 0x80041007u},
    {"WBEM_E_INVALID_PARAMETER", 0x80041008u},
    {"WBEM_E_NOT_AVAILABLE", 0x80041009u},
    {"WBEM_E_CRITICAL_ERROR", 0x8004100au},
    {"WBEM_E_INVALID_STREAM", 0x8004100bu},
    {"WBEM_E_NOT_SUPPORTED", 0x8004100cu},
    {"WBEM_E_INVALID_SUPERCLASS", 0x8004100du},
    {"WBEM_E_INVALID_NAMESPACE", 0x8004100eu},
    {"WBEM_E_INVALID_OBJECT", 0x8004100fu},
    {"WBEM_E_INVALID_CLASS", 0x80041010u},
    {"WBEM_E_PROVIDER_NOT_FOUND", 0x80041011u},
    {"WBEM_E_INVALID_PROVIDER_REGISTRATION", 0x80041012u},
    {"WBEM_E_PROVIDER_LOAD_FAILURE", 0x80041013u},
    {"WBEM_E_INITIALIZATION_FAILURE", 0x80041014u},
    {"WBEM_E_TRANSPORT_FAILURE", 0x80041015u},
    {"WBEM_E_INVALID_OPERATION", 0x80041016u},
    {"WBEM_E_INVALID_QUERY", 0x80041017u},
    {"WBEM_E_INVALID_QUERY_TYPE", 0x80041018u},
    {"WBEM_E_ALREADY_EXISTS", 0x80041019u},
    {"WBEM_E_OVERRIDE_NOT_ALLOWED", 0x8004101au},
    {"WBEM_E_PROPAGATED_QUALIFIER", 0x8004101bu},
    {"WBEM_E_PROPAGATED_PROPERTY", 0x8004101cu},
    {"WBEM_E_UNEXPECTED", 0x8004101du},
    {"WBEM_E_ILLEGAL_OPERATION", 0x8004101eu},
    {"WBEM_E_CANNOT_BE_KEY", 0x8004101fu},
    {"WBEM_E_INCOMPLETE_CLASS", 0x80041020u},
    {"WBEM_E_INVALID_SYNTAX", 0x80041021u},
    {"WBEM_E_NONDECORATED_OBJECT", 0x80041022u},
    {"WBEM_E_READ_ONLY", 0x80041023u},
    {"WBEM_E_PROVIDER_NOT_CAPABLE", 0x80041024u},
    {"WBEM_E_CLASS_HAS_CHILDREN", 0x80041025u},
    {"WBEM_E_CLASS_HAS_INSTANCES", 0x80041026u},
    {"WBEM_E_QUERY_NOT_IMPLEMENTED", 0x80041027u},
    {"WBEM_E_ILLEGAL_NULL", 0x80041028u},
    {"WBEM_E_INVALID_QUALIFIER_TYPE", 0x80041029u},
    {"WBEM_E_INVALID_PROPERTY_TYPE", 0x8004102au},
    {"WBEM_E_VALUE_OUT_OF_RANGE", 0x8004102bu},
    {"WBEM_E_CANNOT_BE_SINGLETON", 0x8004102cu},
    {"WBEM_E_INVALID_CIM_TYPE", 0x8004102du},
    {"WBEM_E_INVALID_METHOD", 0x8004102eu},
    {"WBEM_E_INVALID_METHOD_PARAMETERS", 0x8004102fu},
    {"WBEM_E_SYSTEM_PROPERTY", 0x80041030u},
    {"WBEM_E_INVALID_PROPERTY", 0x80041031u},
    {"WBEM_E_CALL_CANCELLED", 0x80041032u},
    {"WBEM_E_SHUTTING_DOWN", 0x80041033u},
    {"WBEM_E_PROPAGATED_METHOD", 0x80041034u},
    {"WBEM_E_UNSUPPORTED_PARAMETER", 0x80041035u},
    {"WBEM_E_MISSING_PARAMETER_ID", 0x80041036u},
    {"WBEM_E_INVALID_PARAMETER_ID", 0x80041037u},
    {"WBEM_E_NONCONSECUTIVE_PARAMETER_IDS", 0x80041038u},
    {"WBEM_E_PARAMETER_ID_ON_RETVAL", 0x80041039u},
    {"WBEM_E_INVALID_OBJECT_PATH", 0x8004103au},
    {"WBEM_E_OUT_OF_DISK_SPACE", 0x8004103bu},
    {"WBEM_E_BUFFER_TOO_SMALL", 0x8004103cu},
    {"WBEM_E_UNSUPPORTED_PUT_EXTENSION", 0x8004103du},
    {"WBEM_E_UNKNOWN_OBJECT_TYPE", 0x8004103eu},
    {"WBEM_E_UNKNOWN_PACKET_TYPE", 0x8004103fu},
    {"WBEM_E_MARSHAL_VERSION_MISMATCH", 0x80041040u},
    {"WBEM_E_MARSHAL_INVALID_SIGNATURE", 0x80041041u},
    {"WBEM_E_INVALID_QUALIFIER", 0x80041042u},
    {"WBEM_E_INVALID_DUPLICATE_PARAMETER", 0x80041043u},
    {"WBEM_E_TOO_MUCH_DATA", 0x80041044u},
    {"WBEM_E_SERVER_TOO_BUSY", 0x80041045u},
    {"WBEM_E_INVALID_FLAVOR", 0x80041046u},
    {"WBEM_E_CIRCULAR_REFERENCE", 0x80041047u},
    {"WBEM_E_UNSUPPORTED_CLASS_UPDATE", 0x80041048u},
    {"WBEM_E_CANNOT_CHANGE_KEY_INHERITANCE", 0x80041049u},
    {"WBEM_E_CANNOT_CHANGE_INDEX_INHERITANCE", 0x80041050u},
    {"WBEM_E_TOO_MANY_PROPERTIES", 0x80041051u},
    {"WBEM_E_UPDATE_TYPE_MISMATCH", 0x80041052u},
    {"WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED", 0x80041053u},
    {"WBEM_E_UPDATE_PROPAGATED_METHOD", 0x80041054u},
    {"WBEM_E_METHOD_NOT_IMPLEMENTED", 0x80041055u},
    {"WBEM_E_METHOD_DISABLED", 0x80041056u},
    {"WBEM_E_REFRESHER_BUSY", 0x80041057u},
    {"WBEM_E_UNPARSABLE_QUERY", 0x80041058u},
    {"WBEM_E_NOT_EVENT_CLASS", 0x80041059u},
    {"WBEM_E_MISSING_GROUP_WITHIN", 0x8004105au},
    {"WBEM_E_MISSING_AGGREGATION_LIST", 0x8004105bu},
    {"WBEM_E_PROPERTY_NOT_AN_OBJECT", 0x8004105cu},
    {"WBEM_E_AGGREGATING_BY_OBJECT", 0x8004105du},
    {"WBEM_E_UNINTERPRETABLE_PROVIDER_QUERY", 0x8004105fu},
    {"WBEM_E_BACKUP_RESTORE_WINMGMT_RUNNING", 0x80041060u},
    {"WBEM_E_QUEUE_OVERFLOW", 0x80041061u},
    {"WBEM_E_PRIVILEGE_NOT_HELD", 0x80041062u},
    {"WBEM_E_INVALID_OPERATOR", 0x80041063u},
    {"WBEM_E_LOCAL_CREDENTIALS", 0x80041064u},
    {"WBEM_E_CANNOT_BE_ABSTRACT", 0x80041065u},
    {"WBEM_E_AMENDED_OBJECT", 0x80041066u},
    {"WBEM_E_CLIENT_TOO_SLOW", 0x80041067u},
    {"WBEM_E_NULL_SECURITY_DESCRIPTOR", 0x80041068u},
    {"WBEM_E_TIMED_OUT", 0x80041069u},
    {"WBEM_E_INVALID_ASSOCIATION", 0x8004106au},
    {"WBEM_E_AMBIGUOUS_OPERATION", 0x8004106bu},
    {"WBEM_E_QUOTA_VIOLATION", 0x8004106cu},
    {"WBEM_E_RESERVED_001", 0x8004106du},
    {"WBEM_E_RESERVED_002", 0x8004106eu},
    {"WBEM_E_UNSUPPORTED_LOCALE", 0x8004106fu},
    {"WBEM_E_HANDLE_OUT_OF_DATE", 0x80041070u},
    {"WBEM_E_CONNECTION_FAILED", 0x80041071u},
    {"WBEM_E_INVALID_HANDLE_REQUEST", 0x80041072u},
    {"WBEM_E_PROPERTY_NAME_TOO_WIDE", 0x80041073u},
    {"WBEM_E_CLASS_NAME_TOO_WIDE", 0x80041074u},
    {"WBEM_E_METHOD_NAME_TOO_WIDE", 0x80041075u},
    {"WBEM_E_QUALIFIER_NAME_TOO_WIDE", 0x80041076u},
    {"WBEM_E_RERUN_COMMAND", 0x80041077u},
    {"WBEM_E_DATABASE_VER_MISMATCH", 0x80041078u},
    {"WBEM_E_VETO_DELETE", 0x80041079u},
    {"WBEM_E_VETO_PUT", 0x8004107au},
    {"WBEM_E_INVALID_LOCALE", 0x80041080u},
    {"WBEM_E_PROVIDER_SUSPENDED", 0x80041081u},
    {"WBEM_E_SYNCHRONIZATION_REQUIRED", 0x80041082u},
    {"WBEM_E_NO_SCHEMA", 0x80041083u},
    {"WBEM_E_PROVIDER_ALREADY_REGISTERED", 0x80041084u},
    {"WBEM_E_PROVIDER_NOT_REGISTERED", 0x80041085u},
    {"WBEM_E_FATAL_TRANSPORT_ERROR", 0x80041086u},
    {"WBEM_E_ENCRYPTED_CONNECTION_REQUIRED", 0x80041087u},
    {"WBEM_E_PROVIDER_TIMED_OUT", 0x80041088u},
    {"WBEM_E_NO_KEY", 0x80041089u},
    {"WBEM_E_PROVIDER_DISABLED", 0x8004108au},
    {"WBEMESS_E_REGISTRATION_TOO_BROAD", 0x80042001u},
    {"WBEMESS_E_REGISTRATION_TOO_PRECISE", 0x80042002u},
    {"WBEMESS_E_AUTHZ_NOT_PRIVILEGED", 0x80042003u},
    {"WBEMMOF_E_EXPECTED_QUALIFIER_NAME", 0x80044001u},
    {"WBEMMOF_E_EXPECTED_SEMI", 0x80044002u},
    {"WBEMMOF_E_EXPECTED_OPEN_BRACE", 0x80044003u},
    {"WBEMMOF_E_EXPECTED_CLOSE_BRACE", 0x80044004u},
    {"WBEMMOF_E_EXPECTED_CLOSE_BRACKET", 0x80044005u},
    {"WBEMMOF_E_EXPECTED_CLOSE_PAREN", 0x80044006u},
    {"WBEMMOF_E_ILLEGAL_CONSTANT_VALUE", 0x80044007u},
    {"WBEMMOF_E_EXPECTED_TYPE_IDENTIFIER", 0x80044008u},
    {"WBEMMOF_E_EXPECTED_OPEN_PAREN", 0x80044009u},
    {"WBEMMOF_E_UNRECOGNIZED_TOKEN", 0x8004400au},
    {"WBEMMOF_E_UNRECOGNIZED_TYPE", 0x8004400bu},
    {"WBEMMOF_E_EXPECTED_PROPERTY_NAME", 0x8004400cu},
    {"WBEMMOF_E_TYPEDEF_NOT_SUPPORTED", 0x8004400du},
    {"WBEMMOF_E_UNEXPECTED_ALIAS", 0x8004400eu},
    {"WBEMMOF_E_UNEXPECTED_ARRAY_INIT", 0x8004400fu},
    {"WBEMMOF_E_INVALID_AMENDMENT_SYNTAX", 0x80044010u},
    {"WBEMMOF_E_INVALID_DUPLICATE_AMENDMENT", 0x80044011u},
    {"WBEMMOF_E_INVALID_PRAGMA", 0x80044012u},
    {"WBEMMOF_E_INVALID_NAMESPACE_SYNTAX", 0x80044013u},
    {"WBEMMOF_E_EXPECTED_CLASS_NAME", 0x80044014u},
    {"WBEMMOF_E_TYPE_MISMATCH", 0x80044015u},
    {"WBEMMOF_E_EXPECTED_ALIAS_NAME", 0x80044016u},
    {"WBEMMOF_E_INVALID_CLASS_DECLARATION", 0x80044017u},
    {"WBEMMOF_E_INVALID_INSTANCE_DECLARATION", 0x80044018u},
    {"WBEMMOF_E_EXPECTED_DOLLAR", 0x80044019u},
    {"WBEMMOF_E_CIMTYPE_QUALIFIER", 0x8004401au},
    {"WBEMMOF_E_DUPLICATE_PROPERTY", 0x8004401bu},
    {"WBEMMOF_E_INVALID_NAMESPACE_SPECIFICATION", 0x8004401cu},
    {"WBEMMOF_E_OUT_OF_RANGE", 0x8004401du},
    {"WBEMMOF_E_INVALID_FILE", 0x8004401eu},
    {"WBEMMOF_E_ALIASES_IN_EMBEDDED", 0x8004401fu},
    {"WBEMMOF_E_NULL_ARRAY_ELEM", 0x80044020u},
    {"WBEMMOF_E_DUPLICATE_QUALIFIER", 0x80044021u},
    {"WBEMMOF_E_EXPECTED_FLAVOR_TYPE", 0x80044022u},
    {"WBEMMOF_E_INCOMPATIBLE_FLAVOR_TYPES", 0x80044023u},
    {"WBEMMOF_E_MULTIPLE_ALIASES", 0x80044024u},
    {"WBEMMOF_E_INCOMPATIBLE_FLAVOR_TYPES2", 0x80044025u},
    {"WBEMMOF_E_NO_ARRAYS_RETURNED", 0x80044026u},
    {"WBEMMOF_E_MUST_BE_IN_OR_OUT", 0x80044027u},
    {"WBEMMOF_E_INVALID_FLAGS_SYNTAX", 0x80044028u},
    {"WBEMMOF_E_EXPECTED_BRACE_OR_BAD_TYPE", 0x80044029u},
    {"WBEMMOF_E_UNSUPPORTED_CIMV22_QUAL_VALUE", 0x8004402au},
    {"WBEMMOF_E_UNSUPPORTED_CIMV22_DATA_TYPE", 0x8004402bu},
    {"WBEMMOF_E_INVALID_DELETEINSTANCE_SYNTAX", 0x8004402cu},
    {"WBEMMOF_E_INVALID_QUALIFIER_SYNTAX", 0x8004402du},
    {"WBEMMOF_E_QUALIFIER_USED_OUTSIDE_SCOPE", 0x8004402eu},
    {"WBEMMOF_E_ERROR_CREATING_TEMP_FILE", 0x8004402fu},
    {"WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE", 0x80044030u},
    {"WBEMMOF_E_INVALID_DELETECLASS_SYNTAX", 0x80044031u},
    {"WBEM_S_INITIALIZED", 0u},
    {"WBEM_S_LIMITED_SERVICE", 0x43001u},
    {"WBEM_S_INDIRECTLY_UPDATED", 0x43002u},
    {"WBEM_S_SUBJECT_TO_SDS", 0x43003u},
    {"WBEM_E_RETRY_LATER", 0x80043001u},
    {"WBEM_E_RESOURCE_CONTENTION", 0x80043002u},
};
#define NCODES (sizeof wbem_codes / sizeof wbem_codes[0])

/* The names that share a value with another one: the table lists the other. */
static const char *const aliases[] = {"WBEM_NO_ERROR", "WBEM_S_SAME", "WBEM_S_INITIALIZED"};

static bool is_alias(const char *name)
{
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(name, aliases[i]) == 0)
            return true;
    return false;
}

/* Every code of the headers has its name, and the table has nothing else. */
static void test_table_is_wbemcli(void **state)
{
    (void)state;
    size_t aliases_seen = 0;
    for (size_t i = 0; i < NCODES; i++) {
        const char *name = wbemev_status_name((wbemev_status)wbem_codes[i].value);
        if (name == NULL)
            fail_msg("%s (0x%X) has no name", wbem_codes[i].name, (unsigned)wbem_codes[i].value);
        assert_string_not_equal(wbemev_status_message((wbemev_status)wbem_codes[i].value), "unknown status");
        if (is_alias(wbem_codes[i].name)) {
            aliases_seen++;
            assert_int_equal(wbem_codes[i].value, 0);
        } else if (strcmp(name, wbem_codes[i].name) != 0) {
            fail_msg("0x%X is %s in the headers, %s in the table", (unsigned)wbem_codes[i].value,
                     wbem_codes[i].name, name);
        }
    }
    assert_int_equal(aliases_seen, sizeof aliases / sizeof aliases[0]);
    assert_int_equal(NSTATUSES + aliases_seen, NCODES);
}

/* Reads a whole file (NULL when it cannot be opened); free() the result. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (len + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t n = fread(buf + len, 1, cap - 1 - len, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Parses the enum `tag` of a header ("NAME = value," lines) into out; returns the count. */
static size_t parse_enum(const char *text, const char *tag, wbem_code *out, size_t max, char names[][64])
{
    char opening[96];
    snprintf(opening, sizeof opening, "typedef enum %s {", tag);
    const char *p = strstr(text, opening);
    if (p == NULL)
        fail_msg("no \"%s\" in the header", opening);
    p = strchr(p, '\n');
    size_t n = 0;
    while (p != NULL && *++p != '\0') {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '}')
            break;
        char value[32];
        if (n < max && sscanf(p, "%63[A-Za-z0-9_] = %31[0-9A-Fa-fx]", names[n], value) == 2) {
            out[n].name = names[n];
            out[n].value = (uint32_t)strtoull(value, NULL, 0);
            n++;
        }
        p = strchr(p, '\n');
    }
    return n;
}

#ifdef WBEMEV_MINGW_INCLUDE_DIR
static const char *const mingw_dirs[] = {WBEMEV_MINGW_INCLUDE_DIR};
#else
static const char *const mingw_dirs[] = {"/usr/share/mingw-w64/include", "/usr/x86_64-w64-mingw32/include",
                                         "/usr/i686-w64-mingw32/include"};
#endif

/* The copy above is what mingw-w64's headers say, when they are installed. */
static void test_copy_is_the_headers(void **state)
{
    (void)state;
    char *cli = NULL, *prov = NULL;
    for (size_t i = 0; i < sizeof mingw_dirs / sizeof mingw_dirs[0] && cli == NULL; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/wbemcli.h", mingw_dirs[i]);
        cli = read_file(path);
        snprintf(path, sizeof path, "%s/wbemprov.h", mingw_dirs[i]);
        prov = cli != NULL ? read_file(path) : NULL;
    }
    if (cli == NULL || prov == NULL) {
        free(cli);
        free(prov);
        print_message("mingw-w64's wbemcli.h is not installed: checked against the copy only\n");
        skip();
        return;
    }
    static wbem_code parsed[256];
    static char names[256][64];
    size_t n = parse_enum(cli, "tag_WBEMSTATUS", parsed, 256, names);
    n += parse_enum(prov, "tag_WBEM_EXTRA_RETURN_CODES", parsed + n, 256 - n, names + n);
    free(cli);
    free(prov);
    for (size_t i = 0; i < n && i < NCODES; i++) {
        if (strcmp(parsed[i].name, wbem_codes[i].name) != 0 || parsed[i].value != wbem_codes[i].value)
            fail_msg("entry %lu: the headers have %s = 0x%X, the copy %s = 0x%X", (unsigned long)i,
                     parsed[i].name, (unsigned)parsed[i].value, wbem_codes[i].name, (unsigned)wbem_codes[i].value);
    }
    assert_int_equal(n, NCODES);
}

/* ------------------------------------------------------------------------------------------------
 * docs/status-codes.md: the list between its markers is exactly what `test_status --markdown`
 * prints.
 */
#define DOC_BEGIN "<!-- status list: generated by `test_status --markdown`; do not edit by hand -->\n"
#define DOC_END "<!-- end of the status list -->\n"

struct text {
    char *s;
    size_t len, cap;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(struct text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->s != NULL ? t->s + t->len : NULL, t->s != NULL ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        assert_true(n >= 0);
        if (t->s != NULL && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        t->cap = t->cap * 2 + (size_t)n + 256;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
}

static const struct group {
    const char *heading, *prefix, *about;
} groups[] = {
    {"Success codes", "S_", "Successes: WBEMEV_SUCCEEDED() is true for each."},
    {"Errors", "E_", "Failures of WMI and its providers."},
    {"Event subsystem errors", "ESS_E_", "Failures of WMI's event subsystem (WBEMESS_)."},
    {"MOF compiler errors", "MOF_E_", "Failures of the MOF compiler (WBEMMOF_), as mofcomp reports them."},
};

/* The list, in markdown: one table per group, in the order of the values. */
static void markdown(struct text *t)
{
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        put(t, "\n### %s\n\n%s\n\n", groups[g].heading, groups[g].about);
        put(t, "| WBEM name | value | as int32 | wbemev constant | message |\n");
        put(t, "|---|---|---:|---|---|\n");
        size_t plen = strlen(groups[g].prefix);
        for (size_t i = 0; i < NSTATUSES; i++) {
            const status_entry *e = &all_statuses[i];
            if (strncmp(e->key, groups[g].prefix, plen) != 0)
                continue;
            char name[96];
            wbem_name(e, name, sizeof name);
            put(t, "| `%s` | 0x%X | %ld | `WBEMEV_%s` | %s |\n", name, (unsigned)(uint32_t)e->value,
                (long)e->value, e->key, e->message);
            if (e->value == 0) /* its other names follow it */
                for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++)
                    put(t, "| `%s` | 0x0 | 0 | `WBEMEV_%s` | another name of WBEM_S_NO_ERROR |\n", aliases[a],
                        aliases[a] + 5);
        }
    }
    put(t, "\n");
}

/* Where docs/status-codes.md is: the compile definition, else beside this file's folder. */
static void doc_path(char *out, size_t size)
{
#ifdef WBEMEV_STATUS_DOC
    snprintf(out, size, "%s", WBEMEV_STATUS_DOC);
#else
    const char *file = __FILE__;
    size_t n = strlen(file);
    const char *tail = "tests/test_status.c";
    size_t tn = strlen(tail);
    if (n >= tn && (strcmp(file + n - tn, tail) == 0 || strcmp(file + n - tn, "tests\\test_status.c") == 0))
        snprintf(out, size, "%.*sdocs/status-codes.md", (int)(n - tn), file);
    else
        snprintf(out, size, "docs/status-codes.md");
#endif
}

static void test_doc_lists_every_status(void **state)
{
    (void)state;
    char path[1024];
    doc_path(path, sizeof path);
    char *doc = read_file(path);
    if (doc == NULL) {
#ifdef _WIN32
        print_message("%s cannot be read here: not checked\n", path);
        skip();
        return;
#else
        fail_msg("%s cannot be read", path);
#endif
    }
    const char *begin = strstr(doc, DOC_BEGIN);
    const char *end = begin != NULL ? strstr(begin, DOC_END) : NULL;
    if (begin == NULL || end == NULL) {
        free(doc);
        fail_msg("%s: the markers of the status list are missing", path);
    }
    begin += strlen(DOC_BEGIN);
    struct text want = {0};
    markdown(&want);
    bool same = (size_t)(end - begin) == want.len && memcmp(begin, want.s, want.len) == 0;
    free(doc);
    free(want.s);
    if (!same)
        fail_msg("%s is out of date: replace its status list with what `test_status --markdown` prints", path);
}

/* ------------------------------------------------------------------------------------------------ */

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
    static const wbemev_status unknown[] = {2,
                                            -1,
                                            0x40000,
                                            0x43000,
                                            (int32_t)0x80041000u,
                                            (int32_t)0x8004104Au,
                                            (int32_t)0x8004105Eu,
                                            (int32_t)0x8004107Bu,
                                            (int32_t)0x80042004u,
                                            (int32_t)0x80044032u,
                                            (int32_t)0x80004005u,
                                            INT32_MIN,
                                            INT32_MAX};
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

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--markdown") == 0) {
        struct text t = {0};
        markdown(&t);
        fputs(DOC_BEGIN, stdout);
        fwrite(t.s, 1, t.len, stdout);
        fputs(DOC_END, stdout);
        free(t.s);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract_values),  cmocka_unit_test(test_extra_values),
        cmocka_unit_test(test_names),            cmocka_unit_test(test_table_consistent),
        cmocka_unit_test(test_table_is_wbemcli), cmocka_unit_test(test_copy_is_the_headers),
        cmocka_unit_test(test_doc_lists_every_status), cmocka_unit_test(test_messages),
        cmocka_unit_test(test_unknown),          cmocka_unit_test(test_succeeded_macros),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
