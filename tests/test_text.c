/*
 * tests/test_text.c: the base layer's text and calendar utilities (base/text.c, base/civil.c): the
 * UTF-8 decoder, decimal integer text, ASCII case-insensitive comparison and hashing, the
 * identifier check, and the civil-date arithmetic (reached through the internal header: the tests
 * link the static library).
 */
#include "test_support.h"

#include "base/base.h" /* white-box: the base layer */

#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ---- */

/* Decodes the one sequence at s; *len receives how many bytes the decoder consumed. */
static uint32_t decode(const char *s, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c = wbemev__utf8_decode(&p);
    *len = (size_t)(p - (const unsigned char *)s);
    return c;
}

static void test_utf8_valid_sequences(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t code;
        size_t len;
    } rows[] = {
        {"A", 0x41, 1},
        {"\x7F", 0x7F, 1},
        {"\xC2\x80", 0x80, 2},          /* the first two-byte code point */
        {"\xC3\xA9", 0xE9, 2},          /* é */
        {"\xDF\xBF", 0x7FF, 2},         /* the last two-byte code point */
        {"\xE0\xA0\x80", 0x800, 3},     /* the first three-byte code point */
        {"\xE2\x82\xAC", 0x20AC, 3},    /* € */
        {"\xED\x9F\xBF", 0xD7FF, 3},    /* just below the surrogates */
        {"\xEE\x80\x80", 0xE000, 3},    /* just above them */
        {"\xEF\xBF\xBF", 0xFFFF, 3},
        {"\xF0\x90\x80\x80", 0x10000, 4}, /* the first four-byte code point */
        {"\xF0\x9F\x98\x80", 0x1F600, 4},
        {"\xF4\x8F\xBF\xBF", 0x10FFFF, 4}, /* the last code point */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t len;
        assert_int_equal(decode(rows[i].text, &len), rows[i].code);
        assert_int_equal(len, rows[i].len);
        assert_true(wbemev_utf8_is_valid(rows[i].text));
    }
}

static void test_utf8_invalid_sequences(void **state)
{
    (void)state;
    /* Each is refused and the decoder moves on by one byte only, so the next byte is read again. */
    static const char *const rows[] = {
        "\x80",                 /* a stray continuation byte */
        "\xBF",
        "\xC0\x80",             /* overlong NUL */
        "\xC1\xBF",             /* overlong two-byte form */
        "\xE0\x80\x80",         /* overlong three-byte form */
        "\xE0\x9F\xBF",
        "\xF0\x80\x80\x80",     /* overlong four-byte form */
        "\xF0\x8F\xBF\xBF",
        "\xED\xA0\x80",         /* a high surrogate, U+D800 */
        "\xED\xBF\xBF",         /* a low surrogate, U+DFFF */
        "\xF4\x90\x80\x80",     /* past U+10FFFF */
        "\xF5\x80\x80\x80",     /* a lead byte past U+10FFFF */
        "\xFF",
        "\xC3",                 /* truncated by the NUL */
        "\xE2\x82",
        "\xF0\x9F\x98",
        "\xC3\x41",             /* a lead byte followed by ASCII */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t len;
        assert_int_equal(decode(rows[i], &len), WBEMEV__UTF8_INVALID);
        assert_int_equal(len, 1);
        assert_false(wbemev_utf8_is_valid(rows[i]));
        const unsigned char *p = (const unsigned char *)rows[i];
        assert_int_equal(wbemev__utf8_decode_lossy(&p), 0xFFFD);
        assert_ptr_equal(p, (const unsigned char *)rows[i] + 1);
    }
}

static void test_utf8_string(void **state)
{
    (void)state;
    /* "aé€😀" then a stray byte, then "z": the decoder walks the whole string. */
    const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x80z";
    static const uint32_t expected[] = {'a', 0xE9, 0x20AC, 0x1F600, 0xFFFD, 'z'};
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        assert_int_equal(wbemev__utf8_decode_lossy(&p), expected[i]);
    assert_int_equal(*p, '\0');
    assert_true(wbemev_utf8_is_valid(""));
    assert_true(wbemev_utf8_is_valid("plain ASCII"));
    assert_false(wbemev_utf8_is_valid(s));
    assert_false(wbemev_utf8_is_valid(NULL));
}

/* ---- integer text ---- */

/* Formats v and checks the text, and that nothing past it was written (no NUL). */
static void check_u64(uint64_t v, const char *text)
{
    char buf[WBEMEV__INT_TEXT_MAX + 1];
    memset(buf, '#', sizeof buf);
    size_t n = wbemev__format_u64(buf, v);
    assert_int_equal(n, strlen(text));
    assert_memory_equal(buf, text, n);
    assert_int_equal(buf[n], '#');
}

static void check_i64(int64_t v, const char *text)
{
    char buf[WBEMEV__INT_TEXT_MAX + 1];
    memset(buf, '#', sizeof buf);
    size_t n = wbemev__format_i64(buf, v);
    assert_int_equal(n, strlen(text));
    assert_memory_equal(buf, text, n);
    assert_int_equal(buf[n], '#');
}

static void test_integer_text(void **state)
{
    (void)state;
    check_u64(0, "0");
    check_u64(7, "7");
    check_u64(10, "10");
    check_u64(4294967296u, "4294967296");
    check_u64(UINT64_MAX, "18446744073709551615");
    check_i64(0, "0");
    check_i64(42, "42");
    check_i64(-1, "-1");
    check_i64(-1000, "-1000");
    check_i64(INT64_MAX, "9223372036854775807");
    check_i64(INT64_MIN, "-9223372036854775808"); /* no positive counterpart */
    assert_true(strlen("-9223372036854775808") <= WBEMEV__INT_TEXT_MAX);
}

/* ---- case-insensitive comparison and hashing ---- */

static void test_strcasecmp(void **state)
{
    (void)state;
    assert_int_equal(wbemev__strcasecmp("Hello", "hELLO"), 0);
    assert_int_equal(wbemev__strcasecmp("", ""), 0);
    assert_true(wbemev__strcaseeq("__CLASS", "__class"));
    assert_false(wbemev__strcaseeq("abc", "abd"));
    assert_false(wbemev__strcaseeq("abc", "ab"));
    /* The sign only, -1 or 1 whatever the distance between the bytes. */
    assert_int_equal(wbemev__strcasecmp("a", "b"), -1);
    assert_int_equal(wbemev__strcasecmp("c", "A"), 1);
    assert_int_equal(wbemev__strcasecmp("hello world", "HELLO WORJD"), 1);
    assert_int_equal(wbemev__strcasecmp("ab", "abc"), -1); /* a prefix sorts first */
    assert_int_equal(wbemev__strcasecmp("abc", "AB"), 1);
    /* Letters fold to lower case before comparing: '_' (0x5F, between 'Z' and 'a') sorts before
     * every letter. */
    assert_int_equal(wbemev__strcasecmp("_", "A"), -1);
    /* Only ASCII folds: bytes of other characters compare as they are. */
    assert_false(wbemev__strcaseeq("\xC3\x89", "\xC3\xA9")); /* É, é */
    assert_int_equal(wbemev__strcasecmp("\xC3\xA9", "z"), 1);
    /* NULL sorts before any string, and equals NULL. */
    assert_int_equal(wbemev__strcasecmp(NULL, NULL), 0);
    assert_int_equal(wbemev__strcasecmp(NULL, ""), -1);
    assert_int_equal(wbemev__strcasecmp("", NULL), 1);
}

static void test_name_hash(void **state)
{
    (void)state;
    /* FNV-1a, 32 bits, over the lower-cased bytes. */
    assert_int_equal(wbemev__name_hash(""), 2166136261u);
    assert_int_equal(wbemev__name_hash(NULL), 2166136261u);
    assert_int_equal(wbemev__name_hash("a"), 0xE40C292Cu);
    assert_int_equal(wbemev__name_hash("A"), 0xE40C292Cu);
    assert_int_equal(wbemev__name_hash("foobar"), 0xBF9CF968u);
    assert_int_equal(wbemev__name_hash("FooBar"), wbemev__name_hash("fOObAR"));
    assert_int_not_equal(wbemev__name_hash("TargetInstance"), wbemev__name_hash("PreviousInstance"));
    assert_int_not_equal(wbemev__name_hash("\xC3\x89"), wbemev__name_hash("\xC3\xA9"));
}

static void test_identifier(void **state)
{
    (void)state;
    assert_true(wbemev__identifier_valid("a"));
    assert_true(wbemev__identifier_valid("_"));
    assert_true(wbemev__identifier_valid("__Event"));
    assert_true(wbemev__identifier_valid("Win32_Process2"));
    assert_false(wbemev__identifier_valid(NULL));
    assert_false(wbemev__identifier_valid(""));
    assert_false(wbemev__identifier_valid("2Fast"));
    assert_false(wbemev__identifier_valid("a-b"));
    assert_false(wbemev__identifier_valid("a b"));
    assert_false(wbemev__identifier_valid("a.b"));
    assert_false(wbemev__identifier_valid("caf\xC3\xA9")); /* ASCII letters only */
    char *name = malloc(WBEMEV_MAX_IDENTIFIER + 2);
    assert_non_null(name);
    memset(name, 'x', WBEMEV_MAX_IDENTIFIER);
    name[WBEMEV_MAX_IDENTIFIER] = '\0';
    assert_true(wbemev__identifier_valid(name)); /* the longest */
    name[WBEMEV_MAX_IDENTIFIER] = 'x';
    name[WBEMEV_MAX_IDENTIFIER + 1] = '\0';
    assert_false(wbemev__identifier_valid(name)); /* one longer */
    free(name);
}

/* ---- civil dates ---- */

static void test_leap_years_and_month_lengths(void **state)
{
    (void)state;
    assert_true(wbemev__is_leap_year(2000));  /* divisible by 400 */
    assert_false(wbemev__is_leap_year(1900)); /* by 100, not by 400 */
    assert_true(wbemev__is_leap_year(2024));
    assert_false(wbemev__is_leap_year(2023));
    assert_true(wbemev__is_leap_year(0));
    assert_true(wbemev__is_leap_year(-4));
    assert_false(wbemev__is_leap_year(-100));
    assert_true(wbemev__is_leap_year(-400));
    static const unsigned lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (unsigned m = 1; m <= 12; m++) {
        assert_int_equal(wbemev__days_in_month(2023, m), lengths[m - 1]);
        assert_int_equal(wbemev__days_in_month(2024, m), m == 2 ? 29 : lengths[m - 1]);
    }
    assert_int_equal(wbemev__days_in_month(1900, 2), 28);
    assert_int_equal(wbemev__days_in_month(2000, 2), 29);
}

static void test_days_from_civil_known_days(void **state)
{
    (void)state;
    assert_int_equal(wbemev__days_from_civil(1970, 1, 1), 0);
    assert_int_equal(wbemev__days_from_civil(1970, 1, 2), 1);
    assert_int_equal(wbemev__days_from_civil(1969, 12, 31), -1);
    assert_int_equal(wbemev__days_from_civil(2000, 1, 1), 10957);
    assert_int_equal(wbemev__days_from_civil(2000, 3, 1), 11017); /* after 29 February */
    assert_int_equal(wbemev__days_from_civil(1601, 1, 1), -134774); /* the FILETIME epoch */
    assert_int_equal(wbemev__days_from_civil(10000, 1, 1), 2932897);
    assert_int_equal(wbemev__days_from_civil(0, 3, 1), -719468);   /* the algorithm's era start */
    assert_int_equal(wbemev__days_from_civil(-1, 12, 31), -719529); /* year 0 is a leap year */
    int64_t y;
    unsigned m, d;
    wbemev__civil_from_days(-134774, &y, &m, &d);
    assert_true(y == 1601 && m == 1 && d == 1);
    wbemev__civil_from_days(11016, &y, &m, &d);
    assert_true(y == 2000 && m == 2 && d == 29);
    wbemev__civil_from_days(-1, &y, &m, &d);
    assert_true(y == 1969 && m == 12 && d == 31);
    wbemev__civil_from_days(-719529, &y, &m, &d);
    assert_true(y == -1 && m == 12 && d == 31);
}

/* Every day from 1 January 800 BC to 31 December 12000, one after the other: each day number is
 * the last one plus one, and converts back to its date. */
static void test_civil_round_trip(void **state)
{
    (void)state;
    int64_t expected = wbemev__days_from_civil(-800, 1, 1);
    for (int64_t y = -800; y <= 12000; y++) {
        for (unsigned m = 1; m <= 12; m++) {
            unsigned n = wbemev__days_in_month(y, m);
            for (unsigned d = 1; d <= n; d++) {
                int64_t days = wbemev__days_from_civil(y, m, d);
                if (days != expected)
                    fail_msg("%lld-%u-%u is day %lld, expected %lld", (long long)y, m, d, (long long)days,
                             (long long)expected);
                int64_t yy;
                unsigned mm, dd;
                wbemev__civil_from_days(days, &yy, &mm, &dd);
                if (yy != y || mm != m || dd != d)
                    fail_msg("day %lld reads back as %lld-%u-%u, not %lld-%u-%u", (long long)days,
                             (long long)yy, mm, dd, (long long)y, m, d);
                expected++;
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid_sequences),
        cmocka_unit_test(test_utf8_invalid_sequences),
        cmocka_unit_test(test_utf8_string),
        cmocka_unit_test(test_integer_text),
        cmocka_unit_test(test_strcasecmp),
        cmocka_unit_test(test_name_hash),
        cmocka_unit_test(test_identifier),
        cmocka_unit_test(test_leap_years_and_month_lengths),
        cmocka_unit_test(test_days_from_civil_known_days),
        cmocka_unit_test(test_civil_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
