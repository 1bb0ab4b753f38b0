/*
 * tests/test_value.c: CIM types, value validation, UTF-8, the allocator hook and the internal string
 * helpers (reached through the internal header: the tests link the static library).
 */
#include "test_support.h"

#include "model/model.h" /* white-box: the model's internal interface */

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- CIM types ---- */

typedef struct type_row {
    wbemev_cimtype type;
    const char *name;
    size_t size;
} type_row;

static const type_row types[] = {
    {WBEMEV_CIM_SINT8, "sint8", sizeof(int8_t)},
    {WBEMEV_CIM_UINT8, "uint8", sizeof(uint8_t)},
    {WBEMEV_CIM_SINT16, "sint16", sizeof(int16_t)},
    {WBEMEV_CIM_UINT16, "uint16", sizeof(uint16_t)},
    {WBEMEV_CIM_SINT32, "sint32", sizeof(int32_t)},
    {WBEMEV_CIM_UINT32, "uint32", sizeof(uint32_t)},
    {WBEMEV_CIM_SINT64, "sint64", sizeof(int64_t)},
    {WBEMEV_CIM_UINT64, "uint64", sizeof(uint64_t)},
    {WBEMEV_CIM_REAL32, "real32", sizeof(float)},
    {WBEMEV_CIM_REAL64, "real64", sizeof(double)},
    {WBEMEV_CIM_BOOLEAN, "boolean", sizeof(bool)},
    {WBEMEV_CIM_STRING, "string", sizeof(const char *)},
    {WBEMEV_CIM_DATETIME, "datetime", sizeof(wbemev_datetime)},
    {WBEMEV_CIM_REFERENCE, "reference", sizeof(const char *)},
    {WBEMEV_CIM_CHAR16, "char16", sizeof(uint16_t)},
    {WBEMEV_CIM_OBJECT, "object", sizeof(wbemev_object_t *)},
};
#define NTYPES (sizeof types / sizeof types[0])

static void test_cimtype_values(void **state)
{
    (void)state;
    /* CIMTYPE values of wbemcli.h (docs/contract.md#cim-types). */
    assert_int_equal(WBEMEV_CIM_SINT8, 16);
    assert_int_equal(WBEMEV_CIM_UINT8, 17);
    assert_int_equal(WBEMEV_CIM_SINT16, 2);
    assert_int_equal(WBEMEV_CIM_UINT16, 18);
    assert_int_equal(WBEMEV_CIM_SINT32, 3);
    assert_int_equal(WBEMEV_CIM_UINT32, 19);
    assert_int_equal(WBEMEV_CIM_SINT64, 20);
    assert_int_equal(WBEMEV_CIM_UINT64, 21);
    assert_int_equal(WBEMEV_CIM_REAL32, 4);
    assert_int_equal(WBEMEV_CIM_REAL64, 5);
    assert_int_equal(WBEMEV_CIM_BOOLEAN, 11);
    assert_int_equal(WBEMEV_CIM_STRING, 8);
    assert_int_equal(WBEMEV_CIM_DATETIME, 101);
    assert_int_equal(WBEMEV_CIM_REFERENCE, 102);
    assert_int_equal(WBEMEV_CIM_CHAR16, 103);
    assert_int_equal(WBEMEV_CIM_OBJECT, 13);
    assert_int_equal(WBEMEV_CIM_FLAG_ARRAY, 0x2000);
}

static void test_cimtype_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < NTYPES; i++) {
        wbemev_cimtype arr = (wbemev_cimtype)(types[i].type | WBEMEV_CIM_FLAG_ARRAY);
        assert_true(wbemev_cimtype_is_valid(types[i].type));
        assert_true(wbemev_cimtype_is_valid(arr));
        assert_true(WBEMEV_CIM_IS_ARRAY(arr));
        assert_false(WBEMEV_CIM_IS_ARRAY(types[i].type));
        assert_int_equal(WBEMEV_CIM_BASE(arr), types[i].type);
    }
    static const int invalid[] = {0, 1, 6, 7, 9, 10, 12, 14, 15, 22, 100, 104, 0xfff, 0x2000,
                                  0x2000 | 0xfff, 0x4000 | 3, 0x1000 | 8, -1, 0x2000 | 0x4000 | 3};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        assert_false(wbemev_cimtype_is_valid((wbemev_cimtype)invalid[i]));
        assert_null(wbemev_cimtype_name((wbemev_cimtype)invalid[i]));
        assert_int_equal(wbemev_cimtype_element_size((wbemev_cimtype)invalid[i]), 0);
    }
    assert_false(wbemev_cimtype_is_valid(WBEMEV_CIM_EMPTY));
    assert_false(wbemev_cimtype_is_valid(WBEMEV_CIM_ILLEGAL));
}

static void test_cimtype_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < NTYPES; i++) {
        wbemev_cimtype arr = (wbemev_cimtype)(types[i].type | WBEMEV_CIM_FLAG_ARRAY);
        assert_string_equal(wbemev_cimtype_name(types[i].type), types[i].name);
        assert_string_equal(wbemev_cimtype_name(arr), types[i].name); /* arrays: the base name */
        wbemev_cimtype got = WBEMEV_CIM_ILLEGAL;
        assert_wbemev_ok(wbemev_cimtype_from_name(wbemev_cimtype_name(types[i].type), &got));
        assert_int_equal(got, types[i].type);
        /* Case-insensitive. */
        char upper[32];
        size_t n = strlen(types[i].name);
        for (size_t k = 0; k <= n; k++)
            upper[k] = (char)((types[i].name[k] >= 'a' && types[i].name[k] <= 'z') ? types[i].name[k] - 32
                                                                                   : types[i].name[k]);
        got = WBEMEV_CIM_ILLEGAL;
        assert_wbemev_ok(wbemev_cimtype_from_name(upper, &got));
        assert_int_equal(got, types[i].type);
    }
}

static void test_cimtype_from_name_special(void **state)
{
    (void)state;
    wbemev_cimtype got = WBEMEV_CIM_ILLEGAL;
    assert_wbemev_ok(wbemev_cimtype_from_name("ref", &got));
    assert_int_equal(got, WBEMEV_CIM_REFERENCE);
    got = WBEMEV_CIM_ILLEGAL;
    assert_wbemev_ok(wbemev_cimtype_from_name("Ref", &got));
    assert_int_equal(got, WBEMEV_CIM_REFERENCE);
    got = WBEMEV_CIM_ILLEGAL;
    assert_wbemev_ok(wbemev_cimtype_from_name("Reference", &got));
    assert_int_equal(got, WBEMEV_CIM_REFERENCE);
    got = WBEMEV_CIM_ILLEGAL;
    assert_wbemev_ok(wbemev_cimtype_from_name("DateTime", &got));
    assert_int_equal(got, WBEMEV_CIM_DATETIME);

    static const char *const unknown[] = {"", "int", "sint", "sint128", "sint32 ", " sint32", "string[]",
                                          "refs", "re", "empty", "illegal", "bool", "char", "uint8\n"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        got = WBEMEV_CIM_ILLEGAL;
        assert_wbemev_status(wbemev_cimtype_from_name(unknown[i], &got), WBEMEV_E_INVALID_CIM_TYPE);
        assert_int_equal(got, WBEMEV_CIM_ILLEGAL); /* untouched on failure */
    }
    assert_wbemev_status(wbemev_cimtype_from_name(NULL, &got), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_cimtype_from_name("sint32", NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(got, WBEMEV_CIM_ILLEGAL);
}

static void test_cimtype_element_size(void **state)
{
    (void)state;
    for (size_t i = 0; i < NTYPES; i++) {
        wbemev_cimtype arr = (wbemev_cimtype)(types[i].type | WBEMEV_CIM_FLAG_ARRAY);
        assert_int_equal(wbemev_cimtype_element_size(types[i].type), types[i].size);
        assert_int_equal(wbemev_cimtype_element_size(arr), types[i].size);
    }
    assert_int_equal(wbemev_cimtype_element_size(WBEMEV_CIM_EMPTY), 0);
}

/* ---- value validation ---- */

static wbemev_value sval(wbemev_cimtype t, int64_t x)
{
    wbemev_value v = {.type = t};
    v.u.sint = x;
    return v;
}

static wbemev_value uval(wbemev_cimtype t, uint64_t x)
{
    wbemev_value v = {.type = t};
    v.u.uint = x;
    return v;
}

static void test_validate_integers(void **state)
{
    (void)state;
    struct {
        wbemev_cimtype type;
        int64_t min, max;
    } srows[] = {{WBEMEV_CIM_SINT8, INT8_MIN, INT8_MAX},
                 {WBEMEV_CIM_SINT16, INT16_MIN, INT16_MAX},
                 {WBEMEV_CIM_SINT32, INT32_MIN, INT32_MAX},
                 {WBEMEV_CIM_SINT64, INT64_MIN, INT64_MAX}};
    for (size_t i = 0; i < sizeof srows / sizeof srows[0]; i++) {
        wbemev_value v;
        v = sval(srows[i].type, srows[i].min);
        assert_wbemev_ok(wbemev_value_validate(&v));
        v = sval(srows[i].type, srows[i].max);
        assert_wbemev_ok(wbemev_value_validate(&v));
        v = sval(srows[i].type, 0);
        assert_wbemev_ok(wbemev_value_validate(&v));
        if (srows[i].type != WBEMEV_CIM_SINT64) {
            v = sval(srows[i].type, srows[i].min - 1);
            assert_wbemev_status(wbemev_value_validate(&v), WBEMEV_E_VALUE_OUT_OF_RANGE);
            v = sval(srows[i].type, srows[i].max + 1);
            assert_wbemev_status(wbemev_value_validate(&v), WBEMEV_E_VALUE_OUT_OF_RANGE);
        }
    }
    struct {
        wbemev_cimtype type;
        uint64_t max;
    } urows[] = {{WBEMEV_CIM_UINT8, UINT8_MAX},
                 {WBEMEV_CIM_UINT16, UINT16_MAX},
                 {WBEMEV_CIM_UINT32, UINT32_MAX},
                 {WBEMEV_CIM_UINT64, UINT64_MAX}};
    for (size_t i = 0; i < sizeof urows / sizeof urows[0]; i++) {
        wbemev_value v = uval(urows[i].type, 0);
        assert_wbemev_ok(wbemev_value_validate(&v));
        v = uval(urows[i].type, urows[i].max);
        assert_wbemev_ok(wbemev_value_validate(&v));
        if (urows[i].type != WBEMEV_CIM_UINT64) {
            v = uval(urows[i].type, urows[i].max + 1);
            assert_wbemev_status(wbemev_value_validate(&v), WBEMEV_E_VALUE_OUT_OF_RANGE);
            /* -1 stored by mistake in .uint is a huge unsigned value. */
            v = uval(urows[i].type, UINT64_MAX);
            assert_wbemev_status(wbemev_value_validate(&v), WBEMEV_E_VALUE_OUT_OF_RANGE);
        }
    }
    /* The builder macros. */
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_SINT8(-128)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_SINT8(200)), WBEMEV_E_VALUE_OUT_OF_RANGE);
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_UINT16(65535)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_UINT16(65536)), WBEMEV_E_VALUE_OUT_OF_RANGE);
}

static void test_validate_reals_bool_char16(void **state)
{
    (void)state;
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_REAL32(1.5)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_REAL32((double)FLT_MAX)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_REAL32(-(double)FLT_MAX)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_REAL32(1e-300))); /* underflows to 0: fine */
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_REAL32(NAN)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_REAL32(INFINITY)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_REAL32(-INFINITY)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_REAL32(1e39)), WBEMEV_E_VALUE_OUT_OF_RANGE);
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_REAL32(-1e39)), WBEMEV_E_VALUE_OUT_OF_RANGE);
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_REAL32(DBL_MAX)), WBEMEV_E_VALUE_OUT_OF_RANGE);
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_REAL64(DBL_MAX)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_REAL64(NAN)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_BOOLEAN(true)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_BOOLEAN(false)));

    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_CHAR16(0x41)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_CHAR16(0)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_CHAR16(0xD7FF)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_CHAR16(0xE000)));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_CHAR16(0xFFFF)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_CHAR16(0xD800)), WBEMEV_E_VALUE_OUT_OF_RANGE);
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_CHAR16(0xDBFF)), WBEMEV_E_VALUE_OUT_OF_RANGE);
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_CHAR16(0xDC00)), WBEMEV_E_VALUE_OUT_OF_RANGE);
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_CHAR16(0xDFFF)), WBEMEV_E_VALUE_OUT_OF_RANGE);
}

static void test_validate_strings_datetime_object(void **state)
{
    (void)state;
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_STRING("")));
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_STRING("h\xC3\xA9llo \xE2\x82\xAC")));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_STRING(NULL)), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_STRING("bad \xFF")), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_REFERENCE("MyClass.Name=\"x\"")));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_REFERENCE(NULL)), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_REFERENCE("\xC0\x80")), WBEMEV_E_INVALID_PARAMETER);

    wbemev_datetime ok = {.year = 2024, .month = 2, .day = 29, .hour = 23, .minute = 59, .second = 59};
    wbemev_datetime bad = {.year = 2023, .month = 2, .day = 29};
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_DATETIME(ok)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_DATETIME(bad)), WBEMEV_E_INVALID_PARAMETER);

    /* Any non-NULL pointer will do: validate never dereferences an object. */
    wbemev_object_t *fake = (wbemev_object_t *)(void *)&ok;
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_OBJECT(fake)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_OBJECT(NULL)), WBEMEV_E_INVALID_PARAMETER);
}

static void test_validate_null_and_types(void **state)
{
    (void)state;
    /* is_null with any valid type (scalar or array) or EMPTY is valid, whatever the union holds. */
    for (size_t i = 0; i < NTYPES; i++) {
        wbemev_value v = WBEMEV_V_NULL(types[i].type);
        v.u.uint = UINT64_MAX;
        assert_wbemev_ok(wbemev_value_validate(&v));
        v = WBEMEV_V_NULL((wbemev_cimtype)(types[i].type | WBEMEV_CIM_FLAG_ARRAY));
        assert_wbemev_ok(wbemev_value_validate(&v));
    }
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_NULL(WBEMEV_CIM_EMPTY)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_NULL(WBEMEV_CIM_ILLEGAL)), WBEMEV_E_INVALID_CIM_TYPE);
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_NULL((wbemev_cimtype)7)), WBEMEV_E_INVALID_CIM_TYPE);
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_NULL((wbemev_cimtype)(WBEMEV_CIM_EMPTY | WBEMEV_CIM_FLAG_ARRAY))),
                         WBEMEV_E_INVALID_CIM_TYPE);
    /* Not NULL: EMPTY and invalid types are refused. */
    wbemev_value empty = {.type = WBEMEV_CIM_EMPTY};
    assert_wbemev_status(wbemev_value_validate(&empty), WBEMEV_E_INVALID_CIM_TYPE);
    wbemev_value illegal = {.type = WBEMEV_CIM_ILLEGAL};
    assert_wbemev_status(wbemev_value_validate(&illegal), WBEMEV_E_INVALID_CIM_TYPE);
    wbemev_value odd = {.type = (wbemev_cimtype)(0x4000 | WBEMEV_CIM_SINT32)};
    assert_wbemev_status(wbemev_value_validate(&odd), WBEMEV_E_INVALID_CIM_TYPE);
    assert_wbemev_status(wbemev_value_validate(NULL), WBEMEV_E_INVALID_PARAMETER);
}

static void test_validate_arrays(void **state)
{
    (void)state;
    /* Empty arrays need no items, whatever the type. */
    for (size_t i = 0; i < NTYPES; i++) {
        wbemev_value v = WBEMEV_V_ARRAY(types[i].type, NULL, 0);
        assert_wbemev_ok(wbemev_value_validate(&v));
        v = WBEMEV_V_ARRAY(types[i].type, NULL, 1);
        assert_wbemev_status(wbemev_value_validate(&v), WBEMEV_E_INVALID_PARAMETER);
    }
    static const int8_t s8[] = {-128, 0, 127};
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_SINT8, s8, 3)));
    static const uint64_t u64[] = {0, UINT64_MAX};
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_UINT64, u64, 2)));
    static const float f32[] = {1.0f, FLT_MAX};
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_REAL32, f32, 2)));
    static const bool bools[] = {true, false};
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_BOOLEAN, bools, 2)));

    static const char *const strs[] = {"a", "", "\xE2\x82\xAC"};
    static const char *const strs_null[] = {"a", NULL};
    static const char *const strs_bad[] = {"a", "\xED\xA0\x80"};
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, strs, 3)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, strs_null, 2)),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, strs_bad, 2)),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_REFERENCE, strs, 3)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_REFERENCE, strs_null, 2)),
                         WBEMEV_E_INVALID_PARAMETER);

    static const uint16_t c16[] = {0x41, 0xFFFF};
    static const uint16_t c16_bad[] = {0x41, 0xDC00};
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_CHAR16, c16, 2)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_CHAR16, c16_bad, 2)),
                         WBEMEV_E_VALUE_OUT_OF_RANGE);

    static const wbemev_datetime dts[] = {{.year = 2000, .month = 1, .day = 1},
                                          {.is_interval = true, .days = 3}};
    static const wbemev_datetime dts_bad[] = {{.year = 2000, .month = 1, .day = 1},
                                              {.year = 2000, .month = 13, .day = 1}};
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_DATETIME, dts, 2)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_DATETIME, dts_bad, 2)),
                         WBEMEV_E_INVALID_PARAMETER);

    int dummy = 0;
    wbemev_object_t *objs[] = {(wbemev_object_t *)(void *)&dummy, (wbemev_object_t *)(void *)&dummy};
    wbemev_object_t *objs_null[] = {(wbemev_object_t *)(void *)&dummy, NULL};
    assert_wbemev_ok(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_OBJECT, objs, 2)));
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_OBJECT, objs_null, 2)),
                         WBEMEV_E_INVALID_PARAMETER);

    /* A count whose byte size overflows size_t is refused before any element is read. */
    assert_wbemev_status(wbemev_value_validate(&WBEMEV_V_ARRAY(WBEMEV_CIM_UINT64, u64, SIZE_MAX / 4)),
                         WBEMEV_E_VALUE_OUT_OF_RANGE);
}

/* ---- UTF-8 ---- */

static void test_array_element(void **state)
{
    (void)state;
    const int8_t s8[] = {-128, 127};
    const uint16_t u16[] = {1, 65535};
    const int64_t s64[] = {INT64_MIN, 5};
    const uint64_t u64[] = {0, UINT64_MAX};
    const float r32[] = {1.5f, -0.25f};
    const bool b[] = {true, false};
    const char *const str[] = {"a", "b\xc3\xa9"};
    const wbemev_datetime dt[] = {{.is_interval = true, .days = 3}, {.year = 2026, .month = 11, .day = 24}};
    wbemev_value e;
    assert_wbemev_ok(wbemev_value_array_element(&WBEMEV_V_ARRAY(WBEMEV_CIM_SINT8, s8, 2), 0, &e));
    assert_int_equal(e.type, WBEMEV_CIM_SINT8);
    assert_false(e.is_null);
    assert_true(e.u.sint == -128);
    assert_wbemev_ok(wbemev_value_array_element(&WBEMEV_V_ARRAY(WBEMEV_CIM_UINT16, u16, 2), 1, &e));
    assert_true(e.type == WBEMEV_CIM_UINT16 && e.u.uint == 65535);
    assert_wbemev_ok(wbemev_value_array_element(&WBEMEV_V_ARRAY(WBEMEV_CIM_CHAR16, u16, 2), 0, &e));
    assert_true(e.type == WBEMEV_CIM_CHAR16 && e.u.char16 == 1);
    assert_wbemev_ok(wbemev_value_array_element(&WBEMEV_V_ARRAY(WBEMEV_CIM_SINT64, s64, 2), 0, &e));
    assert_true(e.u.sint == INT64_MIN);
    assert_wbemev_ok(wbemev_value_array_element(&WBEMEV_V_ARRAY(WBEMEV_CIM_UINT64, u64, 2), 1, &e));
    assert_true(e.u.uint == UINT64_MAX);
    assert_wbemev_ok(wbemev_value_array_element(&WBEMEV_V_ARRAY(WBEMEV_CIM_REAL32, r32, 2), 1, &e));
    assert_true(e.type == WBEMEV_CIM_REAL32 && e.u.real == -0.25);
    assert_wbemev_ok(wbemev_value_array_element(&WBEMEV_V_ARRAY(WBEMEV_CIM_BOOLEAN, b, 2), 1, &e));
    assert_true(e.type == WBEMEV_CIM_BOOLEAN && !e.u.boolean);
    assert_wbemev_ok(wbemev_value_array_element(&WBEMEV_V_ARRAY(WBEMEV_CIM_REFERENCE, str, 2), 1, &e));
    assert_true(e.type == WBEMEV_CIM_REFERENCE && e.u.string == str[1]); /* borrowed, not copied */
    assert_wbemev_ok(wbemev_value_array_element(&WBEMEV_V_ARRAY(WBEMEV_CIM_DATETIME, dt, 2), 1, &e));
    assert_true(e.type == WBEMEV_CIM_DATETIME && e.u.datetime.year == 2026 && !e.u.datetime.is_interval);
    /* Every element of an array read back equals the scalar Put would have taken. */
    wbemev_value whole = WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, str, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_wbemev_ok(wbemev_value_array_element(&whole, i, &e));
        assert_wbemev_ok(wbemev_value_validate(&e));
        assert_string_equal(e.u.string, str[i]);
    }

    /* Bad input: a null EMPTY value comes back with the status. */
    assert_wbemev_status(wbemev_value_array_element(&whole, 2, &e), WBEMEV_E_INVALID_PARAMETER);
    assert_true(e.type == WBEMEV_CIM_EMPTY && e.is_null);
    assert_wbemev_status(wbemev_value_array_element(&WBEMEV_V_SINT32(1), 0, &e), WBEMEV_E_INVALID_PARAMETER);
    wbemev_value nul = whole;
    nul.is_null = true;
    assert_wbemev_status(wbemev_value_array_element(&nul, 0, &e), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_value_array_element(&WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, NULL, 1), 0, &e),
                         WBEMEV_E_INVALID_PARAMETER);
    wbemev_value bad = whole;
    bad.type = (wbemev_cimtype)(0x4000 | WBEMEV_CIM_FLAG_ARRAY);
    assert_wbemev_status(wbemev_value_array_element(&bad, 0, &e), WBEMEV_E_INVALID_CIM_TYPE);
    assert_true(e.type == WBEMEV_CIM_EMPTY && e.is_null);
    assert_wbemev_status(wbemev_value_array_element(NULL, 0, &e), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_value_array_element(&whole, 0, NULL), WBEMEV_E_INVALID_PARAMETER);
}

static void test_utf8(void **state)
{
    (void)state;
    static const char *const valid[] = {
        "",
        "ascii only",
        "\x7F",
        "\xC2\x80",         /* U+0080, smallest 2-byte */
        "\xDF\xBF",         /* U+07FF */
        "\xE0\xA0\x80",     /* U+0800, smallest 3-byte */
        "\xED\x9F\xBF",     /* U+D7FF, just below the surrogates */
        "\xEE\x80\x80",     /* U+E000, just above */
        "\xEF\xBF\xBF",     /* U+FFFF */
        "\xF0\x90\x80\x80", /* U+10000, smallest 4-byte */
        "\xF4\x8F\xBF\xBF", /* U+10FFFF, the last code point */
        "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
    };
    static const char *const invalid[] = {
        "\x80",                 /* lone continuation */
        "a\xBF",                /* lone continuation after ASCII */
        "\xC0\x80",             /* overlong NUL */
        "\xC1\xBF",             /* overlong U+007F */
        "\xE0\x80\x80",         /* overlong 3-byte */
        "\xE0\x9F\xBF",         /* overlong U+07FF */
        "\xF0\x80\x80\x80",     /* overlong 4-byte */
        "\xF0\x8F\xBF\xBF",     /* overlong U+FFFF */
        "\xED\xA0\x80",         /* U+D800, high surrogate */
        "\xED\xBF\xBF",         /* U+DFFF, low surrogate */
        "\xED\xA0\xBD\xED\xB8\x80", /* CESU-8 surrogate pair */
        "\xF4\x90\x80\x80",     /* U+110000 */
        "\xF5\x80\x80\x80",     /* lead byte past U+10FFFF */
        "\xF7\xBF\xBF\xBF",     /* U+1FFFFF */
        "\xF8\x88\x80\x80\x80", /* 5-byte form */
        "\xFC\x84\x80\x80\x80\x80", /* 6-byte form */
        "\xFE",
        "\xFF",
        "\xC3",                 /* truncated 2-byte */
        "\xE2\x82",             /* truncated 3-byte */
        "\xF0\x9F\x98",         /* truncated 4-byte */
        "\xE2\x82x",            /* continuation replaced by ASCII */
        "\xC3\xC3\xA9",         /* lead where a continuation goes */
        "ok\xE2\x82",           /* truncated at the end after valid text */
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        if (!wbemev_utf8_is_valid(valid[i]))
            fail_msg("valid[%u] rejected", (unsigned)i);
    }
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        if (wbemev_utf8_is_valid(invalid[i]))
            fail_msg("invalid[%u] accepted", (unsigned)i);
    }
    assert_false(wbemev_utf8_is_valid(NULL));
}

/* ---- allocator hook ---- */

typedef struct counting {
    size_t mallocs, reallocs, frees;
    size_t fail_after; /* mallocs and reallocs allowed before they start failing; SIZE_MAX: never */
    size_t last_size;
} counting;

static void *count_malloc(void *ctx, size_t size)
{
    counting *c = ctx;
    assert_true(size > 0); /* the hook is never called with 0 */
    c->last_size = size;
    if (c->fail_after == 0)
        return NULL;
    c->fail_after--;
    c->mallocs++;
    return malloc(size);
}

static void *count_realloc(void *ctx, void *ptr, size_t size)
{
    counting *c = ctx;
    assert_true(size > 0);
    assert_non_null(ptr);
    c->last_size = size;
    if (c->fail_after == 0)
        return NULL;
    c->fail_after--;
    c->reallocs++;
    return realloc(ptr, size);
}

static void count_free(void *ctx, void *ptr)
{
    counting *c = ctx;
    assert_non_null(ptr); /* the wrappers filter free(NULL) */
    c->frees++;
    free(ptr);
}

static void test_allocator_counting(void **state)
{
    (void)state;
    assert_int_equal(wbemev_live_allocations(), 0);
    counting c = {.fail_after = SIZE_MAX};
    wbemev_allocator a = {count_malloc, count_realloc, count_free, &c};
    assert_wbemev_ok(wbemev_set_allocator(&a));

    void *p0 = wbemev__malloc(0);
    void *p1 = wbemev__malloc(0);
    assert_non_null(p0);
    assert_non_null(p1);
    assert_ptr_not_equal(p0, p1); /* malloc(0) still gives unique pointers */
    assert_int_equal(c.last_size, 1);
    assert_int_equal(wbemev_live_allocations(), 2);

    unsigned char *z = wbemev__calloc(4, 8);
    assert_non_null(z);
    for (size_t i = 0; i < 32; i++)
        assert_int_equal(z[i], 0);
    assert_int_equal(wbemev_live_allocations(), 3);

    char *s = wbemev__strdup("hello");
    assert_string_equal(s, "hello");
    char *t = wbemev__strndup("hello", 3);
    assert_string_equal(t, "hel");
    char *u = wbemev__strndup("hi", 10); /* n past the end: stops at the NUL */
    assert_string_equal(u, "hi");
    assert_int_equal(wbemev_live_allocations(), 6);

    /* realloc keeps the count; realloc(NULL, n) is a malloc. */
    s = wbemev__realloc(s, 100);
    assert_non_null(s);
    assert_string_equal(s, "hello");
    assert_int_equal(wbemev_live_allocations(), 6);
    void *r = wbemev__realloc(NULL, 16);
    assert_non_null(r);
    assert_int_equal(wbemev_live_allocations(), 7);

    /* The allocator cannot change while blocks are alive... unless it is the same one. */
    assert_wbemev_status(wbemev_set_allocator(NULL), WBEMEV_E_INVALID_OPERATION);
    assert_wbemev_ok(wbemev_set_allocator(&a));

    wbemev__free(NULL);
    wbemev__free(p0);
    wbemev__free(p1);
    wbemev__free(z);
    wbemev__free(s);
    wbemev__free(t);
    wbemev__free(u);
    wbemev__free(r);
    assert_int_equal(wbemev_live_allocations(), 0);
    assert_int_equal(c.mallocs, 7);
    assert_int_equal(c.reallocs, 1);
    assert_int_equal(c.frees, 7); /* one per block; the realloc'd block is freed once */

    assert_wbemev_ok(wbemev_set_allocator(NULL));
    assert_null(wbemev__strdup(NULL));
    assert_null(wbemev__strndup(NULL, 3));
    assert_int_equal(wbemev_live_allocations(), 0);
}

static void test_allocator_failing(void **state)
{
    (void)state;
    counting c = {.fail_after = 0};
    wbemev_allocator a = {count_malloc, count_realloc, count_free, &c};
    assert_wbemev_ok(wbemev_set_allocator(&a));
    assert_null(wbemev__malloc(10));
    assert_null(wbemev__malloc(0));
    assert_null(wbemev__calloc(2, 2));
    assert_null(wbemev__strdup("x"));
    assert_null(wbemev__strndup("xyz", 2));
    assert_null(wbemev__realloc(NULL, 5));
    assert_int_equal(wbemev_live_allocations(), 0);
    assert_int_equal(c.frees, 0);

    /* A failed realloc leaves the block alive and unchanged. */
    c.fail_after = 1;
    char *p = wbemev__strdup("keep");
    assert_non_null(p);
    assert_null(wbemev__realloc(p, 1000));
    assert_string_equal(p, "keep");
    assert_int_equal(wbemev_live_allocations(), 1);
    wbemev__free(p);
    assert_int_equal(wbemev_live_allocations(), 0);

    /* calloc overflow never reaches the allocator. */
    c.fail_after = SIZE_MAX;
    size_t before = c.mallocs;
    assert_null(wbemev__calloc(SIZE_MAX, 2));
    assert_null(wbemev__calloc(SIZE_MAX / 2 + 1, 2));
    assert_int_equal(c.mallocs, before);
    void *zero = wbemev__calloc(0, 8); /* zero-size calloc: a unique 1-byte block */
    assert_non_null(zero);
    wbemev__free(zero);
    assert_wbemev_ok(wbemev_set_allocator(NULL));
    assert_int_equal(wbemev_live_allocations(), 0);
}

static void test_allocator_bad_input(void **state)
{
    (void)state;
    counting c = {.fail_after = SIZE_MAX};
    wbemev_allocator no_malloc = {NULL, count_realloc, count_free, &c};
    wbemev_allocator no_realloc = {count_malloc, NULL, count_free, &c};
    wbemev_allocator no_free = {count_malloc, count_realloc, NULL, &c};
    assert_wbemev_status(wbemev_set_allocator(&no_malloc), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_set_allocator(&no_realloc), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_set_allocator(&no_free), WBEMEV_E_INVALID_PARAMETER);
    /* The default allocator is still in place: the counting one was never called. */
    void *p = wbemev__malloc(8);
    assert_non_null(p);
    assert_int_equal(c.mallocs, 0);

    /* Live blocks from the default allocator block a switch to another one. */
    wbemev_allocator ok = {count_malloc, count_realloc, count_free, &c};
    assert_wbemev_status(wbemev_set_allocator(&ok), WBEMEV_E_INVALID_OPERATION);
    assert_wbemev_ok(wbemev_set_allocator(NULL)); /* already the default: allowed */
    wbemev__free(p);
    assert_int_equal(c.frees, 0);
    assert_int_equal(wbemev_live_allocations(), 0);
}

static void test_live_objects(void **state)
{
    (void)state;
    size_t base = wbemev_live_objects();
    wbemev__live_objects_add(3);
    assert_int_equal(wbemev_live_objects(), base + 3);
    wbemev__live_objects_add(-3);
    assert_int_equal(wbemev_live_objects(), base);
    wbemev_test_assert_no_leaks();
}

/* ---- internal string helpers ---- */

static void test_strcase(void **state)
{
    (void)state;
    assert_int_equal(wbemev__strcasecmp("abc", "ABC"), 0);
    assert_int_equal(wbemev__strcasecmp("", ""), 0);
    assert_true(wbemev__strcasecmp("abc", "abd") < 0);
    assert_true(wbemev__strcasecmp("ABD", "abc") > 0);
    assert_true(wbemev__strcasecmp("ab", "abc") < 0);
    assert_true(wbemev__strcasecmp("abc", "AB") > 0);
    /* '_' (0x5F) sits between 'Z' and 'a': comparing lower-cased bytes puts it before letters. */
    assert_true(wbemev__strcasecmp("_", "a") < 0);
    assert_true(wbemev__strcasecmp("_", "A") < 0);
    /* Bytes >= 0x80 compare as unsigned and are not folded. */
    assert_true(wbemev__strcasecmp("\xC3\xA9", "a") > 0);
    assert_true(wbemev__strcasecmp("\xC3\x89", "\xC3\xA9") != 0);
    assert_true(wbemev__strcasecmp(NULL, "a") < 0);
    assert_true(wbemev__strcasecmp("a", NULL) > 0);
    assert_int_equal(wbemev__strcasecmp(NULL, NULL), 0);

    assert_true(wbemev__strcaseeq("TargetInstance", "targetinstance"));
    assert_true(wbemev__strcaseeq("__CLASS", "__class"));
    assert_false(wbemev__strcaseeq("Name", "Names"));
    assert_false(wbemev__strcaseeq("Name", NULL));
    assert_false(wbemev__strcaseeq("[", "{")); /* 0x5B vs 0x7B: not letters, not folded */
}

static void test_name_hash(void **state)
{
    (void)state;
    /* FNV-1a 32-bit reference values (the hash of lower-cased ASCII). */
    assert_int_equal(wbemev__name_hash(""), 0x811C9DC5u);
    assert_int_equal(wbemev__name_hash("a"), 0xE40C292Cu);
    assert_int_equal(wbemev__name_hash("foobar"), 0xBF9CF968u);
    assert_int_equal(wbemev__name_hash("A"), 0xE40C292Cu);
    assert_int_equal(wbemev__name_hash("FooBar"), wbemev__name_hash("fOObAR"));
    assert_int_not_equal(wbemev__name_hash("foobar"), wbemev__name_hash("foobaz"));
    assert_int_equal(wbemev__name_hash(NULL), wbemev__name_hash(""));
}

static void test_identifier_valid(void **state)
{
    (void)state;
    static const char *const good[] = {"a", "Z", "_", "__CLASS", "MyEvent", "x1", "_9", "A_b_C_123"};
    static const char *const bad[] = {"", "1abc", "9", "a b", "a-b", "a.b", "caf\xC3\xA9", "a\tb", "$x", "x!"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(wbemev__identifier_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(wbemev__identifier_valid(bad[i]));
    assert_false(wbemev__identifier_valid(NULL));

    /* Length limit: WBEMEV_MAX_IDENTIFIER is accepted, one more is not. */
    char *longest = malloc(WBEMEV_MAX_IDENTIFIER + 2);
    assert_non_null(longest);
    memset(longest, 'a', WBEMEV_MAX_IDENTIFIER + 1);
    longest[WBEMEV_MAX_IDENTIFIER] = '\0';
    assert_true(wbemev__identifier_valid(longest));
    longest[WBEMEV_MAX_IDENTIFIER] = 'a';
    longest[WBEMEV_MAX_IDENTIFIER + 1] = '\0';
    assert_false(wbemev__identifier_valid(longest));
    free(longest);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cimtype_values),
        cmocka_unit_test(test_cimtype_valid),
        cmocka_unit_test(test_cimtype_names),
        cmocka_unit_test(test_cimtype_from_name_special),
        cmocka_unit_test(test_cimtype_element_size),
        cmocka_unit_test(test_validate_integers),
        cmocka_unit_test(test_validate_reals_bool_char16),
        cmocka_unit_test(test_validate_strings_datetime_object),
        cmocka_unit_test(test_validate_null_and_types),
        cmocka_unit_test(test_validate_arrays),
        cmocka_unit_test(test_array_element),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_allocator_counting),
        cmocka_unit_test(test_allocator_failing),
        cmocka_unit_test(test_allocator_bad_input),
        cmocka_unit_test(test_live_objects),
        cmocka_unit_test(test_strcase),
        cmocka_unit_test(test_name_hash),
        cmocka_unit_test(test_identifier_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
