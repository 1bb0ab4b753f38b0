/*
 * tests/test_format.c: JSON lines, the format dispatch and the formatting sinks (wbemev/format.h).
 */
#include "test_support.h"

#include "wbemev/format.h"
#include "wbemev/mof.h"
#include "wbemev/testkit.h" /* the recording sink */

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fixtures: a namespace with a class of every CIM type ---- */

static const wbemev_property_def target_props[] = {
    {"Id", WBEMEV_CIM_UINT32, NULL},
    {"Label", WBEMEV_CIM_STRING, NULL},
};

static const wbemev_property_def all_props[] = {
    {"S8", WBEMEV_CIM_SINT8, NULL},
    {"U8", WBEMEV_CIM_UINT8, NULL},
    {"S16", WBEMEV_CIM_SINT16, NULL},
    {"U16", WBEMEV_CIM_UINT16, NULL},
    {"S32", WBEMEV_CIM_SINT32, NULL},
    {"U32", WBEMEV_CIM_UINT32, NULL},
    {"S64", WBEMEV_CIM_SINT64, NULL},
    {"U64", WBEMEV_CIM_UINT64, NULL},
    {"R32", WBEMEV_CIM_REAL32, NULL},
    {"R64", WBEMEV_CIM_REAL64, NULL},
    {"Flag", WBEMEV_CIM_BOOLEAN, NULL},
    {"Text", WBEMEV_CIM_STRING, NULL},
    {"When", WBEMEV_CIM_DATETIME, NULL},
    {"Path", WBEMEV_CIM_REFERENCE, NULL},
    {"Initial", WBEMEV_CIM_CHAR16, NULL},
    {"Target", WBEMEV_CIM_OBJECT, "Test_Target"},
    {"Tags", WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY, NULL},
    {"Values", WBEMEV_CIM_SINT64 | WBEMEV_CIM_FLAG_ARRAY, NULL},
};

struct fixture {
    wbemev_namespace_t *ns;
    wbemev_class_t *all;    /* Test_All : __ExtrinsicEvent */
    wbemev_class_t *target; /* Test_Target (root class) */
    wbemev_class_t *small;  /* Test_Small : __ExtrinsicEvent { string Name; sint32 Severity; } */
    test_fakes fakes;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_wbemev_ok(wbemev_namespace_new("root\\test", &f->ns));
    assert_wbemev_ok(wbemev_namespace_define_class(f->ns, "Test_Target", NULL, target_props, 2, &f->target));
    assert_wbemev_ok(wbemev_namespace_define_class(f->ns, "Test_All", "__ExtrinsicEvent", all_props,
                                                   sizeof all_props / sizeof all_props[0], &f->all));
    static const wbemev_property_def small_props[] = {{"Name", WBEMEV_CIM_STRING, NULL},
                                                      {"Severity", WBEMEV_CIM_SINT32, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(f->ns, "Test_Small", "__ExtrinsicEvent", small_props, 2, &f->small));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    wbemev_class_release(f->all);
    wbemev_class_release(f->target);
    wbemev_class_release(f->small);
    wbemev_namespace_release(f->ns);
    test_fakes_teardown(&f->fakes);
    free(f);
    wbemev_test_assert_no_leaks();
    assert_int_equal(wbemev_live_allocations(), 0);
    return 0;
}

/* Sample_Event-like instance: Name = "x", Severity = 3. */
static wbemev_object_t *small_event(struct fixture *f, const char *name, int32_t severity)
{
    wbemev_object_t *o;
    assert_wbemev_ok(wbemev_class_spawn_instance(f->small, &o));
    assert_wbemev_ok(wbemev_object_put_string(o, "Name", name));
    assert_wbemev_ok(wbemev_object_put_sint32(o, "Severity", severity));
    return o;
}

/* The JSON line of obj, through the two-call buffer API; free() the result. */
static char *json_of(const wbemev_object_t *obj, uint32_t flags)
{
    size_t len = 0;
    assert_wbemev_ok(wbemev_json_format_instance(obj, flags, NULL, 0, &len));
    char *buf = malloc(len + 1);
    assert_non_null(buf);
    size_t len2 = 0;
    assert_wbemev_ok(wbemev_json_format_instance(obj, flags, buf, len + 1, &len2));
    assert_int_equal(len, len2);
    assert_int_equal(strlen(buf), len);
    return buf;
}

/* A writer that collects into a fixed buffer. */
struct collect {
    char buf[4096];
    size_t len;
};

static wbemev_status collect_write(void *ctx, const char *text, size_t len)
{
    struct collect *c = ctx;
    assert_true(c->len + len < sizeof c->buf);
    memcpy(c->buf + c->len, text, len);
    c->len += len;
    c->buf[c->len] = '\0';
    return WBEMEV_S_NO_ERROR;
}

static const char *json_value(const wbemev_value *v, uint32_t flags, struct collect *c)
{
    c->len = 0;
    c->buf[0] = '\0';
    assert_wbemev_ok(wbemev_json_write_value(v, flags, collect_write, c));
    return c->buf;
}

/* Reads a whole stream from its start. */
static char *slurp(FILE *f)
{
    assert_int_equal(fflush(f), 0);
    long size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    char *buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    return buf;
}

/* ---- JSON: the lossless forms ---- */

static void test_json_small_instance(void **state)
{
    struct fixture *f = *state;
    wbemev_object_t *o = small_event(f, "x", 3);
    char *line = json_of(o, 0);
    assert_string_equal(line, "{\"__CLASS\":\"Test_Small\",\"SECURITY_DESCRIPTOR\":null,\"TIME_CREATED\":null,"
                              "\"Name\":\"x\",\"Severity\":3}\n");
    free(line);
    line = json_of(o, WBEMEV_FORMAT_SKIP_NULLS);
    assert_string_equal(line, "{\"__CLASS\":\"Test_Small\",\"Name\":\"x\",\"Severity\":3}\n");
    free(line);
    wbemev_object_release(o);
}

static void test_json_every_type(void **state)
{
    struct fixture *f = *state;
    wbemev_object_t *o, *t;
    assert_wbemev_ok(wbemev_class_spawn_instance(f->all, &o));
    assert_wbemev_ok(wbemev_class_spawn_instance(f->target, &t));
    assert_wbemev_ok(wbemev_object_put_uint32(t, "Id", 7));
    assert_wbemev_ok(wbemev_object_put_string(t, "Label", "seven"));
    wbemev_datetime when;
    assert_wbemev_ok(wbemev_datetime_parse("20240131120000.000123+060", &when));
    static const char *const tags[] = {"a", "b\"c"};
    static const int64_t values[] = {INT64_MIN, 0, INT64_MAX};
    assert_wbemev_ok(wbemev_object_put_sint8(o, "S8", -128));
    assert_wbemev_ok(wbemev_object_put_uint8(o, "U8", 255));
    assert_wbemev_ok(wbemev_object_put_sint16(o, "S16", -32768));
    assert_wbemev_ok(wbemev_object_put_uint16(o, "U16", 65535));
    assert_wbemev_ok(wbemev_object_put_sint32(o, "S32", INT32_MIN));
    assert_wbemev_ok(wbemev_object_put_uint32(o, "U32", UINT32_MAX));
    assert_wbemev_ok(wbemev_object_put_sint64(o, "S64", INT64_MIN));
    assert_wbemev_ok(wbemev_object_put_uint64(o, "U64", UINT64_MAX));
    assert_wbemev_ok(wbemev_object_put_real32(o, "R32", 0.1f));
    assert_wbemev_ok(wbemev_object_put_real64(o, "R64", 0.1));
    assert_wbemev_ok(wbemev_object_put_boolean(o, "Flag", true));
    assert_wbemev_ok(wbemev_object_put_string(o, "Text", "h\xC3\xA9llo"));
    assert_wbemev_ok(wbemev_object_put_datetime(o, "When", when));
    assert_wbemev_ok(wbemev_object_put_reference(o, "Path", "Test_Target.Id=7"));
    assert_wbemev_ok(wbemev_object_put_char16(o, "Initial", 'Z'));
    assert_wbemev_ok(wbemev_object_put_object(o, "Target", t));
    assert_wbemev_ok(wbemev_object_put(o, "Tags", &WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, tags, 2)));
    assert_wbemev_ok(wbemev_object_put(o, "Values", &WBEMEV_V_ARRAY(WBEMEV_CIM_SINT64, values, 3)));
    assert_wbemev_ok(wbemev_object_put_uint64(o, "TIME_CREATED", 133497840000000000ull));
    wbemev_object_release(t);

    char *line = json_of(o, WBEMEV_FORMAT_SKIP_NULLS);
    assert_string_equal(line,
                        "{\"__CLASS\":\"Test_All\",\"TIME_CREATED\":\"133497840000000000\","
                        "\"S8\":-128,\"U8\":255,\"S16\":-32768,\"U16\":65535,"
                        "\"S32\":-2147483648,\"U32\":4294967295,"
                        "\"S64\":\"-9223372036854775808\",\"U64\":\"18446744073709551615\","
                        "\"R32\":0.1,\"R64\":0.1,\"Flag\":true,\"Text\":\"h\xC3\xA9llo\","
                        "\"When\":\"20240131120000.000123+060\",\"Path\":\"Test_Target.Id=7\","
                        "\"Initial\":\"Z\",\"Target\":{\"__CLASS\":\"Test_Target\",\"Id\":7,\"Label\":\"seven\"},"
                        "\"Tags\":[\"a\",\"b\\\"c\"],"
                        "\"Values\":[\"-9223372036854775808\",\"0\",\"9223372036854775807\"]}\n");
    free(line);
    wbemev_object_release(o);
}

static void test_json_reals(void **state)
{
    (void)state;
    struct collect c;
    assert_string_equal(json_value(&WBEMEV_V_REAL64(1.0), 0, &c), "1");
    assert_string_equal(json_value(&WBEMEV_V_REAL64(-0.0), 0, &c), "-0");
    assert_string_equal(json_value(&WBEMEV_V_REAL64(1e300), 0, &c), "1e+300");
    assert_string_equal(json_value(&WBEMEV_V_REAL64(0.30000000000000004), 0, &c), "0.30000000000000004");
    assert_string_equal(json_value(&WBEMEV_V_REAL32(3.14159274f), 0, &c), "3.1415927");
    assert_string_equal(json_value(&WBEMEV_V_REAL64(NAN), 0, &c), "\"NaN\"");
    assert_string_equal(json_value(&WBEMEV_V_REAL64(INFINITY), 0, &c), "\"Infinity\"");
    assert_string_equal(json_value(&WBEMEV_V_REAL64(-INFINITY), 0, &c), "\"-Infinity\"");
    /* Every double written reads back exactly. */
    const double samples[] = {1.0 / 3.0, 2.5e-308, 123456789.123456789, -7.0e22, 5e-324};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        assert_true(strtod(json_value(&WBEMEV_V_REAL64(samples[i]), 0, &c), NULL) == samples[i]);
}

static void test_json_reals_ignore_locale(void **state)
{
    (void)state;
    /* A locale whose decimal point is ',' must not leak into JSON. Skipped when none is installed. */
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "de_DE", NULL};
    const char *old = setlocale(LC_NUMERIC, NULL);
    char saved[256] = "C";
    if (old != NULL && strlen(old) < sizeof saved)
        strcpy(saved, old);
    bool found = false;
    for (size_t i = 0; names[i] != NULL && !found; i++)
        found = setlocale(LC_NUMERIC, names[i]) != NULL;
    if (found) {
        struct collect c;
        assert_string_equal(json_value(&WBEMEV_V_REAL64(2.5), 0, &c), "2.5");
    }
    setlocale(LC_NUMERIC, saved);
    if (!found)
        skip();
}

static void test_json_strings(void **state)
{
    (void)state;
    struct collect c;
    assert_string_equal(json_value(&WBEMEV_V_STRING("a\"b\\c/d"), 0, &c), "\"a\\\"b\\\\c/d\"");
    assert_string_equal(json_value(&WBEMEV_V_STRING("\n\t\r\b\f\x01\x1f"), 0, &c),
                        "\"\\n\\t\\r\\b\\f\\u0001\\u001f\"");
    /* DEL is a control character too: escaped, so ASCII output stays printable. */
    assert_string_equal(json_value(&WBEMEV_V_STRING("a\x7f" "b"), WBEMEV_FORMAT_ASCII, &c), "\"a\\u007fb\"");
    /* U+2028 and U+2029 are escaped for JavaScript readers; other characters are kept as UTF-8. */
    assert_string_equal(json_value(&WBEMEV_V_STRING("\xE2\x80\xA8\xE2\x80\xA9\xC3\xA9"), 0, &c),
                        "\"\\u2028\\u2029\xC3\xA9\"");
    /* ASCII output: \u escapes, surrogate pairs beyond the BMP. */
    assert_string_equal(json_value(&WBEMEV_V_STRING("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), WBEMEV_FORMAT_ASCII, &c),
                        "\"\\u00e9\\u20ac\\ud83d\\ude00\"");
    assert_string_equal(json_value(&WBEMEV_V_CHAR16(0x20AC), 0, &c), "\"\xE2\x82\xAC\"");
    assert_string_equal(json_value(&WBEMEV_V_CHAR16(0), 0, &c), "\"\\u0000\"");
    assert_string_equal(json_value(&WBEMEV_V_STRING(""), 0, &c), "\"\"");
}

static void test_json_values(void **state)
{
    (void)state;
    struct collect c;
    assert_string_equal(json_value(&WBEMEV_V_NULL(WBEMEV_CIM_STRING), 0, &c), "null");
    assert_string_equal(json_value(&WBEMEV_V_BOOLEAN(false), 0, &c), "false");
    assert_string_equal(json_value(&WBEMEV_V_UINT64(0), 0, &c), "\"0\"");
    assert_string_equal(json_value(&WBEMEV_V_SINT64(-1), 0, &c), "\"-1\"");
    wbemev_datetime iv;
    assert_wbemev_ok(wbemev_datetime_parse("00000001020304.000005:000", &iv));
    assert_string_equal(json_value(&WBEMEV_V_DATETIME(iv), 0, &c), "\"00000001020304.000005:000\"");
    static const uint8_t bytes[] = {1, 2, 255};
    assert_string_equal(json_value(&WBEMEV_V_ARRAY(WBEMEV_CIM_UINT8, bytes, 3), 0, &c), "[1,2,255]");
    assert_string_equal(json_value(&WBEMEV_V_ARRAY(WBEMEV_CIM_UINT8, NULL, 0), 0, &c), "[]");
    static const bool flags[] = {true, false};
    assert_string_equal(json_value(&WBEMEV_V_ARRAY(WBEMEV_CIM_BOOLEAN, flags, 2), 0, &c), "[true,false]");
    static const double reals[] = {0.5, NAN};
    assert_string_equal(json_value(&WBEMEV_V_ARRAY(WBEMEV_CIM_REAL64, reals, 2), 0, &c), "[0.5,\"NaN\"]");

    /* Invalid values are refused before anything is written. */
    c.len = 0;
    assert_wbemev_status(wbemev_json_write_value(&WBEMEV_V_STRING("\xC3"), 0, collect_write, &c),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_json_write_value(&WBEMEV_V_UINT8(256), 0, collect_write, &c),
                         WBEMEV_E_VALUE_OUT_OF_RANGE);
    assert_int_equal(c.len, 0);
    assert_wbemev_status(wbemev_json_write_value(NULL, 0, collect_write, &c), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_json_write_value(&WBEMEV_V_UINT8(1), 0, NULL, &c), WBEMEV_E_INVALID_PARAMETER);
}

static void test_json_nested_null_and_class_object(void **state)
{
    struct fixture *f = *state;
    wbemev_object_t *o;
    assert_wbemev_ok(wbemev_class_spawn_instance(f->all, &o));
    char *line = json_of(o, WBEMEV_FORMAT_SKIP_NULLS);
    assert_string_equal(line, "{\"__CLASS\":\"Test_All\"}\n");
    free(line);
    wbemev_object_release(o);

    struct collect c = {{0}, 0};
    assert_wbemev_status(wbemev_json_write_instance(wbemev_class_object(f->all), 0, collect_write, &c),
                         WBEMEV_E_INVALID_OPERATION);
    assert_wbemev_status(wbemev_json_write_instance(NULL, 0, collect_write, &c), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(c.len, 0);
}

static void test_json_buffer_semantics(void **state)
{
    struct fixture *f = *state;
    wbemev_object_t *o = small_event(f, "x", 3);
    const char *full = "{\"__CLASS\":\"Test_Small\",\"Name\":\"x\",\"Severity\":3}\n";
    size_t len = 12345;
    char buf[16];
    memset(buf, 'Q', sizeof buf);
    assert_wbemev_status(wbemev_json_format_instance(o, WBEMEV_FORMAT_SKIP_NULLS, buf, sizeof buf, &len),
                         WBEMEV_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, 12345); /* not written on failure */
    assert_int_equal(strlen(buf), sizeof buf - 1);
    assert_memory_equal(buf, full, sizeof buf - 1);
    assert_wbemev_status(wbemev_json_format_instance(o, 0, NULL, 5, &len), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_json_format_instance(o, 0, buf, 0, &len), WBEMEV_E_INVALID_PARAMETER);
    /* Exactly enough room. */
    char exact[64];
    size_t need = strlen(full);
    assert_wbemev_ok(wbemev_json_format_instance(o, WBEMEV_FORMAT_SKIP_NULLS, exact, need + 1, NULL));
    assert_string_equal(exact, full);
    assert_wbemev_status(wbemev_json_format_instance(o, WBEMEV_FORMAT_SKIP_NULLS, exact, need, NULL),
                         WBEMEV_E_BUFFER_TOO_SMALL);
    wbemev_object_release(o);
}

static void test_json_fwrite_and_dispatch(void **state)
{
    struct fixture *f = *state;
    wbemev_object_t *o = small_event(f, "x", 3);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    assert_wbemev_ok(wbemev_json_fwrite_instance(o, WBEMEV_FORMAT_SKIP_NULLS, tmp));
    assert_wbemev_status(wbemev_json_fwrite_instance(o, 0, NULL), WBEMEV_E_INVALID_PARAMETER);
    char *text = slurp(tmp);
    assert_string_equal(text, "{\"__CLASS\":\"Test_Small\",\"Name\":\"x\",\"Severity\":3}\n");
    free(text);
    fclose(tmp);

    /* The MOF form is wbemev_mof_write_instance's text plus an empty line. */
    struct collect c = {{0}, 0};
    assert_wbemev_ok(wbemev_format_write_instance(WBEMEV_FORMAT_MOF, o, 0, collect_write, &c));
    size_t mof_len = 0;
    assert_wbemev_ok(wbemev_mof_format_instance(o, NULL, 0, &mof_len));
    char *mof = malloc(mof_len + 1);
    assert_non_null(mof);
    assert_wbemev_ok(wbemev_mof_format_instance(o, mof, mof_len + 1, NULL));
    assert_int_equal(c.len, mof_len + 1);
    assert_memory_equal(c.buf, mof, mof_len);
    assert_int_equal(c.buf[mof_len], '\n');
    assert_non_null(strstr(c.buf, "instance of Test_Small\n{\n    Name = \"x\";\n    Severity = 3;\n};\n"));
    free(mof);
    c.len = 0;
    assert_wbemev_ok(wbemev_format_write_instance(WBEMEV_FORMAT_JSON, o, WBEMEV_FORMAT_SKIP_NULLS, collect_write, &c));
    assert_string_equal(c.buf, "{\"__CLASS\":\"Test_Small\",\"Name\":\"x\",\"Severity\":3}\n");
    assert_wbemev_status(wbemev_format_write_instance((wbemev_format)99, o, 0, collect_write, &c),
                         WBEMEV_E_INVALID_PARAMETER);
    wbemev_object_release(o);
}

static wbemev_status failing_write(void *ctx, const char *text, size_t len)
{
    (void)text, (void)len;
    int *calls = ctx;
    return ++*calls == 3 ? WBEMEV_E_ACCESS_DENIED : WBEMEV_S_NO_ERROR;
}

static void test_json_writer_failure_stops(void **state)
{
    struct fixture *f = *state;
    wbemev_object_t *o = small_event(f, "x", 3);
    int calls = 0;
    assert_wbemev_status(wbemev_json_write_instance(o, 0, failing_write, &calls), WBEMEV_E_ACCESS_DENIED);
    assert_int_equal(calls, 3); /* nothing more after the failure */
    wbemev_object_release(o);
}

static void test_format_names(void **state)
{
    (void)state;
    wbemev_format fmt = (wbemev_format)0;
    assert_string_equal(wbemev_format_name(WBEMEV_FORMAT_MOF), "mof");
    assert_string_equal(wbemev_format_name(WBEMEV_FORMAT_JSON), "json");
    assert_null(wbemev_format_name((wbemev_format)0));
    assert_wbemev_ok(wbemev_format_from_name("JSON", &fmt));
    assert_int_equal(fmt, WBEMEV_FORMAT_JSON);
    assert_wbemev_ok(wbemev_format_from_name("mof", &fmt));
    assert_int_equal(fmt, WBEMEV_FORMAT_MOF);
    assert_wbemev_status(wbemev_format_from_name("text", &fmt), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(fmt, WBEMEV_FORMAT_MOF); /* untouched on failure */
    assert_wbemev_status(wbemev_format_from_name(NULL, &fmt), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_format_from_name("mof", NULL), WBEMEV_E_INVALID_PARAMETER);
}

/* ---- formatting sinks ---- */

static void test_format_sink_json(void **state)
{
    struct fixture *f = *state;
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    wbemev_sink_t *sink = NULL;
    assert_wbemev_ok(wbemev_format_sink_new(tmp, WBEMEV_FORMAT_JSON, WBEMEV_FORMAT_SKIP_NULLS | WBEMEV_FORMAT_FLUSH,
                                            &sink));
    assert_true(wbemev_sink_is_valid(sink));
    wbemev_object_t *batch[2] = {small_event(f, "a", 1), small_event(f, "b", 2)};
    assert_wbemev_status(wbemev_sink_indicate(sink, 2, batch), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_sink_indicate(sink, 0, NULL), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_sink_indicate(sink, -1, batch), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_sink_indicate(sink, 1, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(wbemev_format_sink_count(sink), 2);
    assert_wbemev_status(wbemev_sink_set_status(sink, WBEMEV_STATUS_COMPLETE, WBEMEV_E_CALL_CANCELLED, NULL, NULL),
                         WBEMEV_S_NO_ERROR);
    char *text = slurp(tmp);
    assert_string_equal(text, "{\"__CLASS\":\"Test_Small\",\"Name\":\"a\",\"Severity\":1}\n"
                              "{\"__CLASS\":\"Test_Small\",\"Name\":\"b\",\"Severity\":2}\n");
    free(text);
    wbemev_object_release(batch[0]);
    wbemev_object_release(batch[1]);
    wbemev_sink_release(sink);
    fclose(tmp);
}

static void test_format_sink_mof(void **state)
{
    struct fixture *f = *state;
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    wbemev_sink_t *sink = NULL;
    assert_wbemev_ok(wbemev_format_sink_new(tmp, WBEMEV_FORMAT_MOF, 0, &sink));
    wbemev_object_t *o = small_event(f, "x", 3);
    assert_wbemev_status(wbemev_sink_indicate1(sink, o), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(wbemev_sink_indicate1(sink, o), WBEMEV_S_NO_ERROR);
    wbemev_sink_release(sink);
    char *text = slurp(tmp);
    const char *one = "instance of Test_Small\n{\n    Name = \"x\";\n    Severity = 3;\n};\n\n";
    size_t n = strlen(one);
    assert_int_equal(strlen(text), 2 * n);
    assert_memory_equal(text, one, n);
    assert_memory_equal(text + n, one, n);
    free(text);
    wbemev_object_release(o);
    fclose(tmp);
}

static void test_format_sink_arguments(void **state)
{
    (void)state;
    wbemev_sink_t *sink = (wbemev_sink_t *)(uintptr_t)1;
    assert_wbemev_status(wbemev_format_sink_new(NULL, WBEMEV_FORMAT_JSON, 0, &sink), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_format_sink_new(stdout, (wbemev_format)7, 0, &sink), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_format_sink_new(stdout, WBEMEV_FORMAT_JSON, 0, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_ptr_equal(sink, (wbemev_sink_t *)(uintptr_t)1); /* untouched */
    assert_int_equal(wbemev_format_sink_count(NULL), 0);
    wbemev_sink_t *rec;
    assert_wbemev_ok(wbemev_recording_sink_new(&rec));
    assert_int_equal(wbemev_format_sink_count(rec), 0); /* not a formatting sink */
    wbemev_sink_release(rec);
}

static void test_format_sink_write_error(void **state)
{
    struct fixture *f = *state;
    /* A stream open for reading only: every fwrite fails. */
    FILE *in = fopen(__FILE__, "r");
    if (in == NULL)
        skip(); /* the source is not reachable from here (cross builds) */
    wbemev_sink_t *sink;
    assert_wbemev_ok(wbemev_format_sink_new(in, WBEMEV_FORMAT_JSON, 0, &sink));
    wbemev_object_t *o = small_event(f, "x", 3);
    assert_wbemev_status(wbemev_sink_indicate1(sink, o), WBEMEV_E_FAILED);
    assert_int_equal(wbemev_format_sink_count(sink), 0);
    wbemev_object_release(o);
    wbemev_sink_release(sink);
    fclose(in);
}

/* An allocator that fails after `budget` allocations. */
static size_t budget;
static void *limited_malloc(void *ctx, size_t size)
{
    (void)ctx;
    if (budget == 0)
        return NULL;
    budget--;
    return malloc(size);
}
static void *limited_realloc(void *ctx, void *p, size_t size)
{
    (void)ctx;
    if (budget == 0)
        return NULL;
    budget--;
    return realloc(p, size);
}
static void limited_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static void test_format_sink_out_of_memory(void **state)
{
    (void)state;
    /* No fixture: nothing is alive, so the allocator can change. */
    static const wbemev_allocator limited = {limited_malloc, limited_realloc, limited_free, NULL};
    assert_int_equal(wbemev_live_allocations(), 0);
    budget = SIZE_MAX;
    assert_wbemev_ok(wbemev_set_allocator(&limited));
    struct fixture f;
    assert_wbemev_ok(wbemev_namespace_new("root\\test", &f.ns));
    static const wbemev_property_def small_props[] = {{"Name", WBEMEV_CIM_STRING, NULL},
                                                      {"Severity", WBEMEV_CIM_SINT32, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(f.ns, "Test_Small", "__ExtrinsicEvent", small_props, 2, &f.small));

    /* Creating the sink fails cleanly at every allocation. */
    for (size_t b = 0;; b++) {
        size_t before = wbemev_live_allocations();
        budget = b;
        wbemev_sink_t *sink = (wbemev_sink_t *)(uintptr_t)1;
        wbemev_status st = wbemev_format_sink_new(stdout, WBEMEV_FORMAT_JSON, 0, &sink);
        budget = SIZE_MAX;
        if (WBEMEV_SUCCEEDED(st)) {
            wbemev_sink_release(sink);
            break;
        }
        assert_wbemev_status(st, WBEMEV_E_OUT_OF_MEMORY);
        assert_ptr_equal(sink, (wbemev_sink_t *)(uintptr_t)1);
        assert_int_equal(wbemev_live_allocations(), before);
    }

    /* An event bigger than the sink's stack buffer needs the heap: without it, Indicate fails and
     * leaks nothing; with it, the whole event is written. */
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    wbemev_sink_t *sink;
    assert_wbemev_ok(wbemev_format_sink_new(tmp, WBEMEV_FORMAT_JSON, WBEMEV_FORMAT_SKIP_NULLS, &sink));
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    wbemev_object_t *o = small_event(&f, big, 1);
    size_t before = wbemev_live_allocations();
    budget = 0;
    assert_wbemev_status(wbemev_sink_indicate1(sink, o), WBEMEV_E_OUT_OF_MEMORY);
    budget = SIZE_MAX;
    assert_int_equal(wbemev_live_allocations(), before);
    assert_int_equal(wbemev_format_sink_count(sink), 0);
    assert_wbemev_status(wbemev_sink_indicate1(sink, o), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_format_sink_count(sink), 1);
    assert_int_equal(wbemev_live_allocations(), before);
    char *text = slurp(tmp);
    assert_int_equal(strlen(text),
                     strlen("{\"__CLASS\":\"Test_Small\",\"Name\":\"\",\"Severity\":1}\n") + sizeof big - 1);
    free(text);
    fclose(tmp);
    wbemev_object_release(o);
    wbemev_sink_release(sink);
    wbemev_class_release(f.small);
    wbemev_namespace_release(f.ns);
    assert_int_equal(wbemev_live_allocations(), 0);
    assert_wbemev_ok(wbemev_set_allocator(NULL));
}

/* ---- through a dispatcher: a provider indicates, the formatting sink writes ---- */

static void test_format_sink_in_dispatcher(void **state)
{
    struct fixture *f = *state;
    wbemev_dispatcher_t *d;
    assert_wbemev_ok(wbemev_dispatcher_new(NULL, &d));
    static const wbemev_property_def props[] = {{"Name", WBEMEV_CIM_STRING, NULL},
                                                {"Severity", WBEMEV_CIM_SINT32, NULL}};
    wbemev_class_t *cls;
    assert_wbemev_ok(wbemev_namespace_define_class(wbemev_dispatcher_namespace(d), "Sample_Event", "__ExtrinsicEvent",
                                                   props, 2, &cls));
    fake_provider *pp = test_fakes_provider(&f->fakes);
    fake_provider_set_methods(pp, 0); /* a provider that keeps its sink, nothing more */
    const char *const queries[] = {"SELECT * FROM Sample_Event"};
    assert_wbemev_status(wbemev_dispatcher_register(d, "Push", fake_provider_base(pp), queries, 1),
                         WBEMEV_S_NO_ERROR);

    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    wbemev_sink_t *sink;
    uint32_t id;
    assert_wbemev_ok(wbemev_format_sink_new(tmp, WBEMEV_FORMAT_JSON, WBEMEV_FORMAT_SKIP_NULLS, &sink));
    assert_wbemev_status(wbemev_dispatcher_subscribe(d, "SELECT * FROM Sample_Event WHERE Severity > 2", sink, NULL, &id),
                         WBEMEV_S_NO_ERROR);
    assert_non_null(fake_provider_sink(pp));
    for (int32_t sev = 1; sev <= 4; sev++) {
        wbemev_object_t *o;
        assert_wbemev_ok(wbemev_class_spawn_instance(cls, &o));
        assert_wbemev_ok(wbemev_object_put_string(o, "Name", "x"));
        assert_wbemev_ok(wbemev_object_put_sint32(o, "Severity", sev));
        assert_wbemev_ok(wbemev_object_put_uint64(o, "TIME_CREATED", 1));
        assert_wbemev_status(fake_provider_indicate1(pp, o), WBEMEV_S_NO_ERROR);
        wbemev_object_release(o);
    }
    assert_wbemev_status(wbemev_dispatcher_unsubscribe(d, id), WBEMEV_S_NO_ERROR);
    assert_int_equal(wbemev_format_sink_count(sink), 2);
    char *text = slurp(tmp);
    assert_string_equal(text,
                        "{\"__CLASS\":\"Sample_Event\",\"TIME_CREATED\":\"1\",\"Name\":\"x\",\"Severity\":3}\n"
                        "{\"__CLASS\":\"Sample_Event\",\"TIME_CREATED\":\"1\",\"Name\":\"x\",\"Severity\":4}\n");
    free(text);
    wbemev_sink_release(sink);
    wbemev_class_release(cls);
    wbemev_dispatcher_destroy(d);
    fclose(tmp);
}

/* An event the format cannot write (nested past WBEMEV_FORMAT_MAX_DEPTH) is left out and counted;
 * the events around it are written and the subscription goes on. Both formats. */
static void run_sink_skips_deep(struct fixture *f, wbemev_format format)
{
    wbemev_dispatcher_t *d;
    assert_wbemev_ok(wbemev_dispatcher_new(NULL, &d));
    static const wbemev_property_def props[] = {{"Name", WBEMEV_CIM_STRING, NULL},
                                                {"Child", WBEMEV_CIM_OBJECT, "Deep_Event"}};
    wbemev_class_t *cls;
    assert_wbemev_ok(wbemev_namespace_define_class(wbemev_dispatcher_namespace(d), "Deep_Event", "__ExtrinsicEvent",
                                                   props, 2, &cls));
    fake_provider *pp = test_fakes_provider(&f->fakes);
    fake_provider_set_methods(pp, 0);
    const char *const queries[] = {"SELECT * FROM Deep_Event"};
    assert_wbemev_ok(wbemev_dispatcher_register(d, "Push", fake_provider_base(pp), queries, 1));
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    wbemev_sink_t *sink;
    uint32_t id;
    assert_wbemev_ok(wbemev_format_sink_new(tmp, format, WBEMEV_FORMAT_SKIP_NULLS, &sink));
    assert_wbemev_ok(wbemev_dispatcher_subscribe(d, "SELECT * FROM Deep_Event", sink, NULL, &id));
    /* Depths 0, MAX (written), MAX + 1 (left out), then 0 again. */
    const uint32_t depths[] = {0, WBEMEV_FORMAT_MAX_DEPTH, WBEMEV_FORMAT_MAX_DEPTH + 1, 0};
    for (size_t k = 0; k < 4; k++) {
        wbemev_object_t *top = NULL;
        for (uint32_t level = 0; level <= depths[k]; level++) {
            wbemev_object_t *o;
            assert_wbemev_ok(wbemev_class_spawn_instance(cls, &o));
            assert_wbemev_ok(wbemev_object_put_string(o, "Name", "n"));
            if (top != NULL) {
                wbemev_object_freeze(top);
                assert_wbemev_ok(wbemev_object_put(o, "Child", &WBEMEV_V_OBJECT(top)));
                wbemev_object_release(top);
            }
            top = o;
        }
        assert_wbemev_status(fake_provider_indicate1(pp, top), WBEMEV_S_NO_ERROR);
        wbemev_object_release(top);
    }
    wbemev_format_sink_counters st;
    assert_wbemev_ok(wbemev_format_sink_stats(sink, &st));
    assert_int_equal(st.written, 3);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.failed, 0);
    assert_wbemev_status(st.last_skip, WBEMEV_E_INVALID_OBJECT);
    assert_int_equal(wbemev_format_sink_count(sink), 3);
    assert_int_equal(wbemev_dispatcher_subscription_count(d), 1); /* not cancelled */
    assert_wbemev_ok(wbemev_dispatcher_unsubscribe(d, id));
    char *text = slurp(tmp);
    size_t classes = 0; /* each written event names its class once per level */
    for (const char *p = text; (p = strstr(p, "Deep_Event")) != NULL; p++)
        classes++;
    assert_int_equal(classes, 1 + (WBEMEV_FORMAT_MAX_DEPTH + 1) + 1);
    free(text);
    wbemev_sink_release(sink);
    wbemev_class_release(cls);
    wbemev_dispatcher_destroy(d);
    fclose(tmp);
}

static void test_format_sink_skips_deep_json(void **state)
{
    run_sink_skips_deep(*state, WBEMEV_FORMAT_JSON);
}

static void test_format_sink_skips_deep_mof(void **state)
{
    run_sink_skips_deep(*state, WBEMEV_FORMAT_MOF);
}

/* A call mixing a good event, a class object and another good event: the class object is left
 * out, the call succeeds. */
static void test_format_sink_skips_class_object(void **state)
{
    struct fixture *f = *state;
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    wbemev_sink_t *sink;
    assert_wbemev_ok(wbemev_format_sink_new(tmp, WBEMEV_FORMAT_JSON, WBEMEV_FORMAT_SKIP_NULLS, &sink));
    wbemev_object_t *a = small_event(f, "a", 1), *b = small_event(f, "b", 2);
    wbemev_object_t *objs[3] = {a, wbemev_class_object(f->small), b};
    assert_wbemev_ok(wbemev_sink_indicate(sink, 3, objs));
    wbemev_format_sink_counters st;
    assert_wbemev_ok(wbemev_format_sink_stats(sink, &st));
    assert_int_equal(st.written, 2);
    assert_int_equal(st.skipped, 1);
    assert_wbemev_status(st.last_skip, WBEMEV_E_INVALID_OPERATION);
    char *text = slurp(tmp);
    assert_string_equal(text, "{\"__CLASS\":\"Test_Small\",\"Name\":\"a\",\"Severity\":1}\n"
                              "{\"__CLASS\":\"Test_Small\",\"Name\":\"b\",\"Severity\":2}\n");
    free(text);
    wbemev_object_release(a);
    wbemev_object_release(b);
    wbemev_sink_release(sink);
    fclose(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_small_instance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_every_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_reals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_reals_ignore_locale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_nested_null_and_class_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_buffer_semantics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_fwrite_and_dispatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_writer_failure_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_sink_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_sink_mof, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_sink_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_sink_write_error, setup, teardown),
        cmocka_unit_test(test_format_sink_out_of_memory),
        cmocka_unit_test_setup_teardown(test_format_sink_in_dispatcher, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_sink_skips_deep_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_sink_skips_deep_mof, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_sink_skips_class_object, setup, teardown),
    };
    return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
