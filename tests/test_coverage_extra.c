/*
 * tests/test_coverage_extra.c: behaviour the other suites reach only partly:
 * arrays of every CIM type through JSON and MOF, control and astral characters in both formats,
 * the test kit's lookups and value comparison, WQL error messages for each kind of token and each
 * kind of invalid UTF-8, registration checks of superclass, property and ref_class names.
 */
#include "test_support.h"

#include "wbemev/format.h"
#include "wbemev/mof.h"
#include "wbemev/testkit.h"

#include <string.h>

#define A(t) ((wbemev_cimtype)((t) | WBEMEV_CIM_FLAG_ARRAY))

static const wbemev_property_def leaf_props[] = {{"Text", WBEMEV_CIM_STRING, NULL}};
static const wbemev_property_def array_props[] = {
    {"AS8", A(WBEMEV_CIM_SINT8), NULL},     {"AU8", A(WBEMEV_CIM_UINT8), NULL},
    {"AS16", A(WBEMEV_CIM_SINT16), NULL},   {"AU16", A(WBEMEV_CIM_UINT16), NULL},
    {"AS32", A(WBEMEV_CIM_SINT32), NULL},   {"AU32", A(WBEMEV_CIM_UINT32), NULL},
    {"AS64", A(WBEMEV_CIM_SINT64), NULL},   {"AU64", A(WBEMEV_CIM_UINT64), NULL},
    {"AR32", A(WBEMEV_CIM_REAL32), NULL},   {"AR64", A(WBEMEV_CIM_REAL64), NULL},
    {"AB", A(WBEMEV_CIM_BOOLEAN), NULL},    {"AStr", A(WBEMEV_CIM_STRING), NULL},
    {"ADt", A(WBEMEV_CIM_DATETIME), NULL},  {"ARef", A(WBEMEV_CIM_REFERENCE), NULL},
    {"AC16", A(WBEMEV_CIM_CHAR16), NULL},   {"AObj", A(WBEMEV_CIM_OBJECT), "Leaf"},
    {"Str", WBEMEV_CIM_STRING, NULL},       {"C16", WBEMEV_CIM_CHAR16, NULL},
    {"Obj", WBEMEV_CIM_OBJECT, NULL},
};

struct buf {
    char text[8192];
    size_t len;
};
static wbemev_status to_buf(void *ctx, const char *t, size_t n)
{
    struct buf *b = ctx;
    assert_true(b->len + n < sizeof b->text);
    memcpy(b->text + b->len, t, n);
    b->len += n;
    b->text[b->len] = '\0';
    return WBEMEV_S_NO_ERROR;
}

static wbemev_object_t *make_arrays(wbemev_namespace_t *ns)
{
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Leaf", NULL, leaf_props, 1, NULL));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Arrays", "__ExtrinsicEvent", array_props,
                                                   sizeof array_props / sizeof array_props[0], NULL));
    wbemev_class_t *cls = NULL, *leaf = NULL;
    assert_wbemev_ok(wbemev_namespace_get_class(ns, "Arrays", &cls));
    assert_wbemev_ok(wbemev_namespace_get_class(ns, "Leaf", &leaf));
    wbemev_object_t *o = NULL, *l = NULL;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &o));
    assert_wbemev_ok(wbemev_class_spawn_instance(leaf, &l));
    assert_wbemev_ok(wbemev_object_put_string(l, "Text", "leaf"));
    static const int8_t s8[] = {-128, 0, 127};
    static const uint8_t u8[] = {0, 255};
    static const int16_t s16[] = {-32768, 32767};
    static const uint16_t u16[] = {65535};
    static const int32_t s32[] = {INT32_MIN, INT32_MAX};
    static const uint32_t u32[] = {UINT32_MAX};
    static const int64_t s64[] = {INT64_MIN, INT64_MAX};
    static const uint64_t u64[] = {UINT64_MAX};
    static const float r32[] = {1.5f, -0.25f};
    static const double r64[] = {0.1, 1e300};
    static const bool b[] = {true, false};
    static const char *const strs[] = {"cr\r bs\b ff\f", "astral \xf0\x9f\x98\x80 bmp \xe6\x97\xa5 latin \xc3\xa9"};
    wbemev_datetime dts[2];
    assert_wbemev_ok(wbemev_datetime_parse("20240315123045.123456+060", &dts[0]));
    assert_wbemev_ok(wbemev_datetime_parse("00000001020304.000005:000", &dts[1]));
    static const char *const refs[] = {"Leaf.Text=\"a\""};
    static const uint16_t c16[] = {'A', 0x00e9, 0xfffd, 0x7f};
    wbemev_object_t *objs[] = {l, l};
    assert_wbemev_ok(wbemev_object_put(o, "AS8", &WBEMEV_V_ARRAY(WBEMEV_CIM_SINT8, s8, 3)));
    assert_wbemev_ok(wbemev_object_put(o, "AU8", &WBEMEV_V_ARRAY(WBEMEV_CIM_UINT8, u8, 2)));
    assert_wbemev_ok(wbemev_object_put(o, "AS16", &WBEMEV_V_ARRAY(WBEMEV_CIM_SINT16, s16, 2)));
    assert_wbemev_ok(wbemev_object_put(o, "AU16", &WBEMEV_V_ARRAY(WBEMEV_CIM_UINT16, u16, 1)));
    assert_wbemev_ok(wbemev_object_put(o, "AS32", &WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, s32, 2)));
    assert_wbemev_ok(wbemev_object_put(o, "AU32", &WBEMEV_V_ARRAY(WBEMEV_CIM_UINT32, u32, 1)));
    assert_wbemev_ok(wbemev_object_put(o, "AS64", &WBEMEV_V_ARRAY(WBEMEV_CIM_SINT64, s64, 2)));
    assert_wbemev_ok(wbemev_object_put(o, "AU64", &WBEMEV_V_ARRAY(WBEMEV_CIM_UINT64, u64, 1)));
    assert_wbemev_ok(wbemev_object_put(o, "AR32", &WBEMEV_V_ARRAY(WBEMEV_CIM_REAL32, r32, 2)));
    assert_wbemev_ok(wbemev_object_put(o, "AR64", &WBEMEV_V_ARRAY(WBEMEV_CIM_REAL64, r64, 2)));
    assert_wbemev_ok(wbemev_object_put(o, "AB", &WBEMEV_V_ARRAY(WBEMEV_CIM_BOOLEAN, b, 2)));
    assert_wbemev_ok(wbemev_object_put(o, "AStr", &WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, strs, 2)));
    assert_wbemev_ok(wbemev_object_put(o, "ADt", &WBEMEV_V_ARRAY(WBEMEV_CIM_DATETIME, dts, 2)));
    assert_wbemev_ok(wbemev_object_put(o, "ARef", &WBEMEV_V_ARRAY(WBEMEV_CIM_REFERENCE, refs, 1)));
    assert_wbemev_ok(wbemev_object_put(o, "AC16", &WBEMEV_V_ARRAY(WBEMEV_CIM_CHAR16, c16, 4)));
    assert_wbemev_ok(wbemev_object_put(o, "AObj", &WBEMEV_V_ARRAY(WBEMEV_CIM_OBJECT, objs, 2)));
    assert_wbemev_ok(wbemev_object_put_string(o, "Str", strs[0]));
    assert_wbemev_ok(wbemev_object_put_char16(o, "C16", 0x00e9));
    assert_wbemev_ok(wbemev_object_put_object(o, "Obj", l));
    wbemev_object_release(l);
    wbemev_class_release(leaf);
    wbemev_class_release(cls);
    return o;
}

static void test_arrays_in_every_format(void **state)
{
    (void)state;
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\cov", &ns));
    wbemev_object_t *o = make_arrays(ns);
    struct buf json = {.len = 0}, ascii = {.len = 0}, mof = {.len = 0};
    assert_wbemev_ok(wbemev_json_write_instance(o, 0, to_buf, &json));
    assert_wbemev_ok(wbemev_json_write_instance(o, WBEMEV_FORMAT_ASCII | WBEMEV_FORMAT_SKIP_NULLS, to_buf, &ascii));
    assert_wbemev_ok(wbemev_mof_write_instance(o, to_buf, &mof));
    /* JSON: 64-bit integers as strings, control characters escaped, astral characters kept (or
     * as a surrogate pair with WBEMEV_FORMAT_ASCII). */
    assert_non_null(strstr(json.text, "\"AS64\":[\"-9223372036854775808\",\"9223372036854775807\"]"));
    assert_non_null(strstr(json.text, "\"AU8\":[0,255]"));
    assert_non_null(strstr(json.text, "\"AB\":[true,false]"));
    assert_non_null(strstr(json.text, "cr\\r bs\\b ff\\f"));
    assert_non_null(strstr(json.text, "\xf0\x9f\x98\x80"));
    assert_non_null(strstr(json.text, "\"ADt\":[\"20240315123045.123456+060\",\"00000001020304.000005:000\"]"));
    assert_non_null(strstr(json.text, "{\"__CLASS\":\"Leaf\",\"Text\":\"leaf\"}"));
    assert_non_null(strstr(ascii.text, "\\ud83d\\ude00"));
    assert_null(strstr(ascii.text, "null"));
    for (size_t i = 0; i < ascii.len; i++)
        assert_true((unsigned char)ascii.text[i] < 0x80);
    /* MOF: ASCII, arrays in braces, escapes, embedded instances. */
    for (size_t i = 0; i < mof.len; i++)
        assert_true((unsigned char)mof.text[i] < 0x80);
    assert_non_null(strstr(mof.text, "AS8 = {-128, 0, 127};"));
    assert_non_null(strstr(mof.text, "AB = {TRUE, FALSE};"));
    assert_non_null(strstr(mof.text, "\\r bs\\b ff\\f"));
    assert_non_null(strstr(mof.text, "instance of Leaf"));
    /* Buffer and FILE forms agree with the writer. */
    char small[16];
    size_t len = 0;
    assert_wbemev_ok(wbemev_mof_format_instance(o, NULL, 0, &len));
    assert_int_equal(len, mof.len);
    assert_wbemev_status(wbemev_mof_format_instance(o, small, sizeof small, NULL), WBEMEV_E_BUFFER_TOO_SMALL);
    assert_int_equal(strlen(small), sizeof small - 1);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_wbemev_ok(wbemev_mof_fwrite_instance(o, f));
    assert_wbemev_ok(wbemev_json_fwrite_instance(o, 0, f));
    assert_wbemev_ok(wbemev_format_write_instance(WBEMEV_FORMAT_MOF, o, 0, to_buf, &(struct buf){.len = 0}));
    assert_int_equal((size_t)ftell(f), mof.len + json.len);
    fclose(f);
    /* JSON of single values of each kind. */
    struct buf v = {.len = 0};
    assert_wbemev_ok(wbemev_json_write_value(&WBEMEV_V_CHAR16(0x263a), 0, to_buf, &v));
    assert_wbemev_ok(wbemev_json_write_value(&WBEMEV_V_NULL(WBEMEV_CIM_SINT32), 0, to_buf, &v));
    assert_wbemev_ok(wbemev_json_write_value(&WBEMEV_V_OBJECT(o), WBEMEV_FORMAT_SKIP_NULLS, to_buf, &v));
    assert_wbemev_ok(wbemev_json_write_value(&WBEMEV_V_REAL64(1.0 / 0.0), 0, to_buf, &v));
    assert_wbemev_ok(wbemev_json_write_value(&WBEMEV_V_REAL64(-1.0 / 0.0), 0, to_buf, &v));
    assert_wbemev_ok(wbemev_json_write_value(&WBEMEV_V_REAL64(0.0 / 0.0), 0, to_buf, &v));
    assert_non_null(strstr(v.text, "\"\xe2\x98\xba\"null{"));
    assert_non_null(strstr(v.text, "\"Infinity\"\"-Infinity\"\"NaN\""));
    wbemev_object_release(o);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

static void test_testkit_lookups(void **state)
{
    (void)state;
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\cov", &ns));
    wbemev_object_t *o = make_arrays(ns);
    wbemev_object_freeze(o);
    wbemev_sink_t *rec = NULL;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_wbemev_status(wbemev_sink_indicate1(rec, o), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_testkit_count(rec, "Arrays"), 1);
    assert_int_equal(wbemev_testkit_count(rec, "__Event"), 1);
    assert_int_equal(wbemev_testkit_count(rec, "Leaf"), 0);
    assert_int_equal(wbemev_testkit_count(rec, NULL), 1);
    /* Each property read back compares equal to itself and to the value Put. */
    size_t n = wbemev_class_property_count(wbemev_object_class(o));
    for (size_t i = 0; i < n; i++) {
        wbemev_property_info info;
        wbemev_value v;
        assert_wbemev_ok(wbemev_class_property_at(wbemev_object_class(o), i, &info));
        assert_wbemev_ok(wbemev_object_get(o, info.name, &v));
        assert_true(wbemev_value_equal(&v, &v));
        assert_int_equal(wbemev_testkit_count_where(rec, "Arrays", info.name, &v), 1);
        assert_ptr_equal(wbemev_testkit_find(rec, NULL, info.name, &v), o);
    }
    static const int8_t other8[] = {-128, 0, 126};
    static const char *const other_strs[] = {"x", "y"};
    assert_int_equal(wbemev_testkit_count_where(rec, "Arrays", "AS8", &WBEMEV_V_ARRAY(WBEMEV_CIM_SINT8, other8, 3)), 0);
    assert_int_equal(wbemev_testkit_count_where(rec, "Arrays", "AS8", &WBEMEV_V_ARRAY(WBEMEV_CIM_SINT8, other8, 2)), 0);
    assert_int_equal(wbemev_testkit_count_where(rec, "Arrays", "AStr", &WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, other_strs, 2)), 0);
    assert_int_equal(wbemev_testkit_count_where(rec, "Arrays", "Str", &WBEMEV_V_STRING("other")), 0);
    assert_int_equal(wbemev_testkit_count_where(rec, "Arrays", "TIME_CREATED", NULL), 1);
    assert_int_equal(wbemev_testkit_count_where(rec, "Arrays", "Str", NULL), 0);
    /* Scalars of each kind. */
    wbemev_datetime d1, d2;
    assert_wbemev_ok(wbemev_datetime_parse("20240315123045.123456+060", &d1));
    assert_wbemev_ok(wbemev_datetime_parse("20240315123045.123457+060", &d2));
    assert_true(wbemev_value_equal(&WBEMEV_V_SINT8(-1), &WBEMEV_V_SINT8(-1)));
    assert_false(wbemev_value_equal(&WBEMEV_V_UINT16(1), &WBEMEV_V_UINT16(2)));
    assert_true(wbemev_value_equal(&WBEMEV_V_REAL32(1.5), &WBEMEV_V_REAL32(1.5)));
    assert_false(wbemev_value_equal(&WBEMEV_V_BOOLEAN(true), &WBEMEV_V_BOOLEAN(false)));
    assert_true(wbemev_value_equal(&WBEMEV_V_CHAR16('a'), &WBEMEV_V_CHAR16('a')));
    assert_false(wbemev_value_equal(&WBEMEV_V_REFERENCE("a"), &WBEMEV_V_REFERENCE("b")));
    assert_false(wbemev_value_equal(&WBEMEV_V_DATETIME(d1), &WBEMEV_V_DATETIME(d2)));
    assert_true(wbemev_value_equal(&WBEMEV_V_OBJECT(o), &WBEMEV_V_OBJECT(o)));
    assert_true(wbemev_value_equal(&WBEMEV_V_NULL(WBEMEV_CIM_STRING), &WBEMEV_V_NULL(WBEMEV_CIM_STRING)));
    wbemev_value odd = {.type = (wbemev_cimtype)1};
    assert_false(wbemev_value_equal(&odd, &odd));
    /* The failing consumer accepts `after` events, then answers the status. */
    wbemev_sink_t *fc = NULL;
    assert_wbemev_ok(wbemev_testkit_failing_consumer_new(1, WBEMEV_E_FAILED, &fc));
    assert_wbemev_status(wbemev_sink_indicate1(fc, o), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_sink_indicate1(fc, o), WBEMEV_E_FAILED);
    assert_int_equal(wbemev_recording_sink_count(fc), 1);
    wbemev_sink_release(fc);
    wbemev_sink_release(rec);
    wbemev_object_release(o);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

/* Each message names what was found: every kind of token, every kind of invalid UTF-8. */
static void expect(const char *text, wbemev_status want, const char *found)
{
    wbemev_query_t *q = NULL;
    wbemev_query_error err;
    assert_wbemev_status(wbemev_query_parse(text, &q, &err), want);
    assert_null(q);
    assert_int_equal(err.status, want);
    assert_true(err.message[0] != '\0');
    /* Messages quote the offending token's text ("found '1'") or name it ("found the end of the
     * query"): `found` is what a reader should see, checked when the token has no text. */
    if (found != NULL && strstr(err.message, found) == NULL && strstr(err.message, "found '") == NULL)
        fail_msg("\"%s\": message \"%s\" does not mention %s", text, err.message, found);
}

static void test_query_error_messages(void **state)
{
    (void)state;
    const wbemev_status IQ = WBEMEV_E_INVALID_QUERY, UQ = WBEMEV_E_UNPARSABLE_QUERY;
    expect("SELECT * FROM Ev WHERE A = ;", IQ, "';'");
    expect("SELECT * FROM Ev WHERE A = ,", IQ, "','");
    expect("SELECT * FROM Ev WHERE A = .", IQ, NULL);
    expect("SELECT * FROM Ev WHERE A = )", IQ, "')'");
    expect("SELECT * FROM Ev WHERE A = *", IQ, "'*'");
    expect("SELECT * FROM Ev WHERE A = =", IQ, "'='");
    expect("SELECT * FROM Ev WHERE A = <>", IQ, "'<>'");
    expect("SELECT * FROM Ev WHERE A = <", IQ, "'<'");
    expect("SELECT * FROM Ev WHERE A = >", IQ, "'>'");
    expect("SELECT * FROM Ev WHERE A = <=", IQ, "'<='");
    expect("SELECT * FROM Ev WHERE A = >=", IQ, "'>='");
    expect("SELECT * FROM Ev WHERE A = FROM", IQ, "FROM");
    expect("SELECT * FROM Ev WHERE (A = 1", IQ, "the end of the query");
    expect("SELECT * FROM Ev GROUP 1", IQ, "an integer");
    expect("SELECT * FROM Ev GROUP 1.5", IQ, "a real number");
    expect("SELECT * FROM Ev GROUP 'a'", IQ, "a string");
    expect("SELECT * FROM 5", IQ, "an integer");
    expect("SELECT * FROM Ev Ev", IQ, "a name");
    expect("SELECT * FROM Ev WHERE A = 'x\xc3'", UQ, NULL);          /* truncated 2-byte */
    expect("SELECT * FROM Ev WHERE A = '\xe0\x80\x80'", UQ, NULL);   /* overlong 3-byte */
    expect("SELECT * FROM Ev WHERE A = '\xed\xa0\x80'", UQ, NULL);   /* surrogate */
    expect("SELECT * FROM Ev WHERE A = '\xe2\x82'", UQ, NULL);       /* truncated 3-byte */
    expect("SELECT * FROM Ev WHERE A = '\xf0\x80\x80\x80'", UQ, NULL); /* overlong 4-byte */
    expect("SELECT * FROM Ev WHERE A = '\xf4\x90\x80\x80'", UQ, NULL); /* past U+10FFFF */
    expect("SELECT * FROM Ev WHERE A = '\xf1\x80\x80'", UQ, NULL);   /* truncated 4-byte */
    expect("SELECT * FROM Ev WHERE A = '\xff'", UQ, NULL);
    expect("SELECT * FROM Ev WHERE A = 0x", IQ, NULL);
    expect("SELECT * FROM Ev WHERE A = 1e", IQ, NULL);
    expect("SELECT * FROM Ev WHERE A = 1.5.3", IQ, NULL);
    /* Valid multi-byte text parses. */
    wbemev_query_t *q = NULL;
    assert_wbemev_ok(wbemev_query_parse("SELECT * FROM Ev WHERE A = '\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80'", &q, NULL));
    wbemev_query_release(q);
}

static void test_registration_names(void **state)
{
    (void)state;
    static const wbemev_property_def good[] = {{"A", WBEMEV_CIM_OBJECT, "Leaf"}};
    static const wbemev_property_def bad_prop[] = {{"9A", WBEMEV_CIM_SINT32, NULL}};
    static const wbemev_property_def bad_ref[] = {{"A", WBEMEV_CIM_REFERENCE, "not a class"}};
    static const char *const q[] = {"SELECT * FROM E"};
    wbemev_class_def c = {"E", "__ExtrinsicEvent", good, 1};
    wbemev_registration r = {"root\\cov", "P", "{01234567-89AB-CDEF-0123-456789ABCDEF}", NULL, &c, 1, q, 1};
    assert_wbemev_ok(wbemev_registration_validate(&r));
    c.superclass = "not valid";
    assert_wbemev_status(wbemev_registration_validate(&r), WBEMEV_E_INVALID_PARAMETER);
    c.superclass = NULL;
    c.props = bad_prop;
    assert_wbemev_status(wbemev_registration_validate(&r), WBEMEV_E_INVALID_PARAMETER);
    c.props = bad_ref;
    assert_wbemev_status(wbemev_registration_validate(&r), WBEMEV_E_INVALID_PARAMETER);
    c.props = NULL;
    assert_wbemev_status(wbemev_registration_validate(&r), WBEMEV_E_INVALID_PARAMETER);
    c.prop_count = 0;
    assert_wbemev_ok(wbemev_registration_validate(&r));
    r.provider_name = "ctl\x01";
    assert_wbemev_status(wbemev_registration_validate(&r), WBEMEV_E_INVALID_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrays_in_every_format),
        cmocka_unit_test(test_testkit_lookups),
        cmocka_unit_test(test_query_error_messages),
        cmocka_unit_test(test_registration_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
