/*
 * tests/test_datetime.c: DMTF datetime parsing, formatting, validation and FILETIME conversions.
 */
#include "test_support.h"

#include <string.h>

/* ---- the table: valid strings round trip, invalid ones are refused ---- */

static const char *const valid_texts[] = {
    "20240229123456.789012+060", /* Feb 29 of a leap year */
    "20000229000000.000000+000", /* 2000: divisible by 400, leap */
    "19000228235959.999999-300", /* 1900: last day of February */
    "19960229120000.000000+000",
    "16010101000000.000000+000", /* the FILETIME epoch */
    "19700101000000.000000+000",
    "99991231235959.999999+999", /* every field at its maximum */
    "00000101000000.000000-999",
    "00000229000000.000000+000", /* year 0 is a leap year (proleptic Gregorian) */
    "20231231235960.000000+000", /* leap second */
    "20240131000000.000000+000",
    "20240331000000.000000+000",
    "20240430000000.000000+000",
    "20240630000000.000000+000",
    "20240930000000.000000+000",
    "20241130000000.000000+000",
    "20241231235959.000001+000",
    "20241101120000.000000+330",
    "20240315000000.000000-480",
    "20240615083000.500000-001",
    "00000000000000.000000:000", /* zero interval */
    "00000001000000.000000:000",
    "12345678123456.654321:000",
    "99999999235959.999999:000", /* longest interval */
};

static const char *const invalid_texts[] = {
    "",
    "2024",
    "20240229123456.789012+06",   /* 24 characters */
    "20240229123456.789012+0600", /* 26 characters */
    "20240101000000.000000+000\n",
    "20240101000000.000000+000 ",
    " 0240101000000.000000+000",
    "19000229000000.000000+000", /* 1900 is not a leap year */
    "21000229000000.000000+000",
    "20230229000000.000000+000",
    "20240230000000.000000+000",
    "20241301000000.000000+000", /* month 13 */
    "20240001000000.000000+000", /* month 0 */
    "20240100000000.000000+000", /* day 0 */
    "20240132000000.000000+000",
    "20240431000000.000000+000", /* April 31 */
    "20240631000000.000000+000",
    "20240931000000.000000+000",
    "20241131000000.000000+000",
    "20240101240000.000000+000", /* hour 24 */
    "20240101006000.000000+000", /* minute 60 */
    "20240101000061.000000+000", /* second 61 */
    "20240101000000 000000+000", /* no dot */
    "20240101000000,000000+000",
    "2024010100000.0000000+000", /* dot one place early */
    "20240101000000.000000*000", /* bad sign */
    "20240101000000.000000 000",
    "20240101000000.000000;000",
    "2024010100000a.000000+000",
    "2024-1-1000000.000000+000",
    "20240101000000.00000x+000",
    "20240101000000.000000+0a0",
    "20240101000000.000000+-10",
    "+0240101000000.000000+000",
    "********000000.000000+000", /* wildcards are not supported */
    "20240101000000.******+000",
    "00000000000000.000000:001", /* interval offset must be 000 */
    "00000000000000.000000:999",
    "00000000240000.000000:000", /* interval hour 24 */
    "00000000006000.000000:000",
    "00000000000060.000000:000", /* no leap second in an interval */
    "0000000a000000.000000:000",
    "00000000000000.000000:+00",
    "-0000001000000.000000:000",
};

static void test_parse_table(void **state)
{
    (void)state;
    size_t nvalid = sizeof valid_texts / sizeof valid_texts[0];
    size_t ninvalid = sizeof invalid_texts / sizeof invalid_texts[0];
    assert_true(nvalid + ninvalid >= 40);
    for (size_t i = 0; i < nvalid; i++) {
        wbemev_datetime dt;
        char buf[WBEMEV_DATETIME_LEN + 1];
        wbemev_status st = wbemev_datetime_parse(valid_texts[i], &dt);
        if (st != WBEMEV_S_NO_ERROR)
            fail_msg("valid \"%s\" rejected: %s", valid_texts[i], wbemev_status_name(st));
        assert_wbemev_ok(wbemev_datetime_validate(&dt));
        assert_wbemev_ok(wbemev_datetime_format(&dt, buf, sizeof buf));
        assert_string_equal(buf, valid_texts[i]); /* format(parse(x)) == x */
    }
    for (size_t i = 0; i < ninvalid; i++) {
        wbemev_datetime dt;
        memset(&dt, 0xA5, sizeof dt);
        wbemev_datetime before = dt;
        if (wbemev_datetime_parse(invalid_texts[i], &dt) != WBEMEV_E_INVALID_PARAMETER)
            fail_msg("invalid \"%s\" not refused", invalid_texts[i]);
        assert_memory_equal(&dt, &before, sizeof dt); /* out untouched */
    }
}

static void test_parse_fields(void **state)
{
    (void)state;
    wbemev_datetime dt;
    assert_wbemev_ok(wbemev_datetime_parse("20240229123456.789012+060", &dt));
    assert_false(dt.is_interval);
    assert_int_equal(dt.year, 2024);
    assert_int_equal(dt.month, 2);
    assert_int_equal(dt.day, 29);
    assert_int_equal(dt.hour, 12);
    assert_int_equal(dt.minute, 34);
    assert_int_equal(dt.second, 56);
    assert_int_equal(dt.microseconds, 789012);
    assert_int_equal(dt.utc_offset, 60);
    assert_int_equal(dt.days, 0);

    assert_wbemev_ok(wbemev_datetime_parse("19991231235959.000001-480", &dt));
    assert_int_equal(dt.utc_offset, -480);

    assert_wbemev_ok(wbemev_datetime_parse("12345678012345.654321:000", &dt));
    assert_true(dt.is_interval);
    assert_int_equal(dt.days, 12345678);
    assert_int_equal(dt.hour, 1);
    assert_int_equal(dt.minute, 23);
    assert_int_equal(dt.second, 45);
    assert_int_equal(dt.microseconds, 654321);
    assert_int_equal(dt.year, 0);
    assert_int_equal(dt.month, 0);
    assert_int_equal(dt.day, 0);
    assert_int_equal(dt.utc_offset, 0);

    /* "-000" is accepted as offset 0 and formatted back as "+000". */
    char buf[32];
    assert_wbemev_ok(wbemev_datetime_parse("20240101000000.000000-000", &dt));
    assert_int_equal(dt.utc_offset, 0);
    assert_wbemev_ok(wbemev_datetime_format(&dt, buf, sizeof buf));
    assert_string_equal(buf, "20240101000000.000000+000");

    assert_wbemev_status(wbemev_datetime_parse(NULL, &dt), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_datetime_parse("20240101000000.000000+000", NULL), WBEMEV_E_INVALID_PARAMETER);
}

static void test_leap_years(void **state)
{
    (void)state;
    struct {
        uint16_t year;
        bool leap;
    } rows[] = {{1600, true}, {1700, false}, {1800, false}, {1900, false}, {1996, true}, {2000, true},
                {2023, false}, {2024, true}, {2100, false}, {2400, true}, {0, true}, {4, true}, {9996, true}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        wbemev_datetime feb28 = {.year = rows[i].year, .month = 2, .day = 28};
        wbemev_datetime feb29 = {.year = rows[i].year, .month = 2, .day = 29};
        wbemev_datetime feb30 = {.year = rows[i].year, .month = 2, .day = 30};
        assert_wbemev_ok(wbemev_datetime_validate(&feb28));
        assert_wbemev_status(wbemev_datetime_validate(&feb29),
                             rows[i].leap ? WBEMEV_S_NO_ERROR : WBEMEV_E_INVALID_PARAMETER);
        assert_wbemev_status(wbemev_datetime_validate(&feb30), WBEMEV_E_INVALID_PARAMETER);
    }
}

/* Equality is by field: padding never counts, each field does; the test kit's value equality and
 * an object's stored value agree. */
static void test_equal(void **state)
{
    (void)state;
    wbemev_datetime a = filled_timestamp(0x00, 30), b = filled_timestamp(0xff, 30);
    assert_true(wbemev_datetime_equal(&a, &b));
    assert_true(wbemev_datetime_equal(NULL, NULL));
    assert_false(wbemev_datetime_equal(&a, NULL));
    assert_false(wbemev_datetime_equal(NULL, &a));
    wbemev_value va = WBEMEV_V_DATETIME(a), vb = WBEMEV_V_DATETIME(b);
    assert_true(wbemev_value_equal(&va, &vb));
    wbemev_datetime c;
    c = b, c.is_interval = true, assert_false(wbemev_datetime_equal(&a, &c));
    c = b, c.year++, assert_false(wbemev_datetime_equal(&a, &c));
    c = b, c.month++, assert_false(wbemev_datetime_equal(&a, &c));
    c = b, c.day++, assert_false(wbemev_datetime_equal(&a, &c));
    c = b, c.days++, assert_false(wbemev_datetime_equal(&a, &c));
    c = b, c.hour++, assert_false(wbemev_datetime_equal(&a, &c));
    c = b, c.minute++, assert_false(wbemev_datetime_equal(&a, &c));
    c = b, c.second++, assert_false(wbemev_datetime_equal(&a, &c));
    c = b, c.microseconds++, assert_false(wbemev_datetime_equal(&a, &c));
    c = b, c.utc_offset++, assert_false(wbemev_datetime_equal(&a, &c));
    vb = WBEMEV_V_DATETIME(c);
    assert_false(wbemev_value_equal(&va, &vb));
}

static void test_validate(void **state)
{
    (void)state;
    wbemev_datetime ts = {.year = 2024, .month = 6, .day = 15, .hour = 23, .minute = 59, .second = 60,
                          .microseconds = 999999, .utc_offset = -999};
    assert_wbemev_ok(wbemev_datetime_validate(&ts));
    wbemev_datetime d;
#define BAD_TS(field, v)                                                                           \
    do {                                                                                           \
        d = ts;                                                                                    \
        d.field = (v);                                                                             \
        assert_wbemev_status(wbemev_datetime_validate(&d), WBEMEV_E_INVALID_PARAMETER);            \
    } while (0)
    BAD_TS(year, 10000);
    BAD_TS(month, 0);
    BAD_TS(month, 13);
    BAD_TS(day, 0);
    BAD_TS(day, 31); /* June */
    BAD_TS(hour, 24);
    BAD_TS(minute, 60);
    BAD_TS(second, 61);
    BAD_TS(microseconds, 1000000);
    BAD_TS(utc_offset, -1000);
    BAD_TS(utc_offset, 1000);
    BAD_TS(days, 1); /* a field of the other form */
#undef BAD_TS

    wbemev_datetime iv = {.is_interval = true, .days = 99999999, .hour = 23, .minute = 59, .second = 59,
                          .microseconds = 999999};
    assert_wbemev_ok(wbemev_datetime_validate(&iv));
#define BAD_IV(field, v)                                                                           \
    do {                                                                                           \
        d = iv;                                                                                    \
        d.field = (v);                                                                             \
        assert_wbemev_status(wbemev_datetime_validate(&d), WBEMEV_E_INVALID_PARAMETER);            \
    } while (0)
    BAD_IV(days, 100000000);
    BAD_IV(hour, 24);
    BAD_IV(minute, 60);
    BAD_IV(second, 60); /* no leap second in an interval */
    BAD_IV(microseconds, 1000000);
    BAD_IV(year, 1);
    BAD_IV(month, 1);
    BAD_IV(day, 1);
    BAD_IV(utc_offset, 1);
#undef BAD_IV
    assert_wbemev_status(wbemev_datetime_validate(NULL), WBEMEV_E_INVALID_PARAMETER);
}

static void test_format(void **state)
{
    (void)state;
    wbemev_datetime ts = {.year = 7, .month = 3, .day = 9, .hour = 1, .minute = 2, .second = 3,
                          .microseconds = 45, .utc_offset = -5};
    char buf[64];
    assert_wbemev_ok(wbemev_datetime_format(&ts, buf, sizeof buf));
    assert_string_equal(buf, "00070309010203.000045-005");
    wbemev_datetime iv = {.is_interval = true, .days = 42, .second = 1};
    assert_wbemev_ok(wbemev_datetime_format(&iv, buf, WBEMEV_DATETIME_LEN + 1)); /* the exact size is enough */
    assert_string_equal(buf, "00000042000001.000000:000");

    /* Too small: BUFFER_TOO_SMALL and buf untouched. */
    memset(buf, 'x', sizeof buf);
    assert_wbemev_status(wbemev_datetime_format(&ts, buf, WBEMEV_DATETIME_LEN), WBEMEV_E_BUFFER_TOO_SMALL);
    assert_wbemev_status(wbemev_datetime_format(&ts, buf, 0), WBEMEV_E_BUFFER_TOO_SMALL);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'x');

    wbemev_datetime bad = ts;
    bad.month = 13;
    assert_wbemev_status(wbemev_datetime_format(&bad, buf, sizeof buf), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(buf[0], 'x');
    assert_wbemev_status(wbemev_datetime_format(NULL, buf, sizeof buf), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_datetime_format(&ts, NULL, sizeof buf), WBEMEV_E_INVALID_PARAMETER);
}

/* ---- FILETIME ---- */

#define TICKS_1970 116444736000000000ull
#define TICKS_PER_DAY 864000000000ull

static void check_from(uint64_t ticks, const char *expected)
{
    wbemev_datetime dt;
    char buf[WBEMEV_DATETIME_LEN + 1];
    assert_wbemev_ok(wbemev_datetime_from_filetime(ticks, &dt));
    assert_wbemev_ok(wbemev_datetime_format(&dt, buf, sizeof buf));
    assert_string_equal(buf, expected);
}

static void check_to(const char *text, uint64_t expected)
{
    wbemev_datetime dt;
    uint64_t ticks = 0;
    assert_wbemev_ok(wbemev_datetime_parse(text, &dt));
    assert_wbemev_ok(wbemev_datetime_to_filetime(&dt, &ticks));
    assert_true(ticks == expected);
}

static void check_to_status(const char *text, wbemev_status expected)
{
    wbemev_datetime dt;
    uint64_t ticks = 12345;
    assert_wbemev_ok(wbemev_datetime_parse(text, &dt));
    assert_wbemev_status(wbemev_datetime_to_filetime(&dt, &ticks), expected);
    assert_true(ticks == 12345); /* out untouched */
}

static void test_filetime_known(void **state)
{
    (void)state;
    check_from(0, "16010101000000.000000+000");
    check_from(TICKS_1970, "19700101000000.000000+000");
    check_from(125911584000000000ull, "20000101000000.000000+000");
    check_from(133536836967890120ull, "20240229123456.789012+000");
    check_from(94405824000000000ull, "19000301000000.000000+000");
    check_from(157520159990000000ull, "21000228235959.000000+000");
    check_from(TICKS_1970 + 9, "19700101000000.000000+000"); /* sub-microsecond ticks truncated */
    check_from(TICKS_1970 + 10, "19700101000000.000001+000");
    check_from(TICKS_1970 - 1, "19691231235959.999999+000");
    check_from(2650467743999999999ull, "99991231235959.999999+000"); /* the last representable tick */

    check_to("16010101000000.000000+000", 0);
    check_to("19700101000000.000000+000", TICKS_1970);
    check_to("20000101000000.000000+000", 125911584000000000ull);
    check_to("20240229123456.789012+000", 133536836967890120ull);
    check_to("99991231235959.999999+000", 2650467743999999990ull);
}

static void test_filetime_offsets(void **state)
{
    (void)state;
    /* Local = UTC + offset: 01:00 at +060 and 19:00 the day before at -300 are both 1970-01-01Z. */
    check_to("19700101010000.000000+060", TICKS_1970);
    check_to("19691231190000.000000-300", TICKS_1970);
    check_to("19700101053000.000000+330", TICKS_1970);
    check_to("19700101000000.000000-001", TICKS_1970 + 600000000ull);
    check_to("19700101000000.000000+999", TICKS_1970 - 999ull * 600000000ull);
    /* A leap second is :00 of the next minute. */
    check_to("19700101000060.000000+000", TICKS_1970 + 60ull * 10000000ull);
    /* 1601-01-01 00:00 at -001 is 00:01Z; at +001 it is before the epoch. */
    check_to("16010101000000.000000-001", 600000000ull);
    check_to_status("16010101000000.000000+001", WBEMEV_E_VALUE_OUT_OF_RANGE);
    check_to_status("16001231235959.999999+000", WBEMEV_E_VALUE_OUT_OF_RANGE);
    check_to_status("00000101000000.000000+000", WBEMEV_E_VALUE_OUT_OF_RANGE);
    /* Past 9999 in UTC still fits in a FILETIME. */
    check_to("99991231235959.000000-999", 2650467743990000000ull + 999ull * 600000000ull);
}

static void test_filetime_intervals(void **state)
{
    (void)state;
    check_to("00000000000000.000000:000", 0);
    check_to("00000001000000.000000:000", TICKS_PER_DAY);
    check_to("00000000000001.000001:000", 10000010ull);
    check_to("00000000010203.000000:000", (3600ull + 120 + 3) * 10000000ull);
    check_to("21350398000000.000000:000", 21350398ull * TICKS_PER_DAY); /* the largest whole day */
    check_to_status("21350398235959.999999:000", WBEMEV_E_VALUE_OUT_OF_RANGE);
    check_to_status("21350399000000.000000:000", WBEMEV_E_VALUE_OUT_OF_RANGE);
    check_to_status("99999999235959.999999:000", WBEMEV_E_VALUE_OUT_OF_RANGE);
}

static void test_filetime_errors(void **state)
{
    (void)state;
    wbemev_datetime dt;
    memset(&dt, 0x5A, sizeof dt);
    wbemev_datetime before = dt;
    assert_wbemev_status(wbemev_datetime_from_filetime(2650467744000000000ull, &dt), WBEMEV_E_VALUE_OUT_OF_RANGE);
    assert_wbemev_status(wbemev_datetime_from_filetime(UINT64_MAX, &dt), WBEMEV_E_VALUE_OUT_OF_RANGE);
    assert_memory_equal(&dt, &before, sizeof dt);
    assert_wbemev_status(wbemev_datetime_from_filetime(0, NULL), WBEMEV_E_INVALID_PARAMETER);

    uint64_t ticks = 7;
    wbemev_datetime ok = {.year = 2000, .month = 1, .day = 1};
    wbemev_datetime bad = {.year = 2000, .month = 2, .day = 30};
    assert_wbemev_status(wbemev_datetime_to_filetime(NULL, &ticks), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_datetime_to_filetime(&ok, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_datetime_to_filetime(&bad, &ticks), WBEMEV_E_INVALID_PARAMETER);
    assert_true(ticks == 7);
}

/* Every day from 1601-01-01 to 9999-12-31: consecutive, valid, and to_filetime inverts from_filetime. */
static void test_filetime_every_day(void **state)
{
    (void)state;
    wbemev_datetime prev = {.year = 1600, .month = 12, .day = 31};
    uint64_t day = 0;
    for (;; day++) {
        /* A different time of day each day exercises the hour/minute/second split too. */
        uint64_t tod = (day * 7919u % 86400u) * 10000000u + (day % 1000000u) * 10u;
        uint64_t ticks = day * TICKS_PER_DAY + tod;
        wbemev_datetime dt;
        wbemev_status st = wbemev_datetime_from_filetime(ticks, &dt);
        if (st == WBEMEV_E_VALUE_OUT_OF_RANGE)
            break;
        assert_wbemev_status(st, WBEMEV_S_NO_ERROR);
        assert_wbemev_ok(wbemev_datetime_validate(&dt));
        bool next_day = dt.year == prev.year && dt.month == prev.month && dt.day == prev.day + 1;
        bool next_month = dt.year == prev.year && dt.month == prev.month + 1 && dt.day == 1;
        bool next_year = dt.year == prev.year + 1 && dt.month == 1 && dt.day == 1 && prev.month == 12 &&
                         prev.day == 31;
        if (!next_day && !next_month && !next_year)
            fail_msg("day %llu: %04u-%02u-%02u after %04u-%02u-%02u", (unsigned long long)day,
                     (unsigned)dt.year, (unsigned)dt.month, (unsigned)dt.day, (unsigned)prev.year,
                     (unsigned)prev.month, (unsigned)prev.day);
        uint64_t back = 0;
        assert_wbemev_ok(wbemev_datetime_to_filetime(&dt, &back));
        assert_true(back == ticks);
        prev = dt;
    }
    assert_int_equal(prev.year, 9999);
    assert_int_equal(prev.month, 12);
    assert_int_equal(prev.day, 31);
    assert_true(day == 3067671u); /* days from 1601-01-01 to 10000-01-01 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),        cmocka_unit_test(test_parse_fields),
        cmocka_unit_test(test_leap_years),         cmocka_unit_test(test_validate),         cmocka_unit_test(test_equal),
        cmocka_unit_test(test_format),             cmocka_unit_test(test_filetime_known),
        cmocka_unit_test(test_filetime_offsets),   cmocka_unit_test(test_filetime_intervals),
        cmocka_unit_test(test_filetime_errors),    cmocka_unit_test(test_filetime_every_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
