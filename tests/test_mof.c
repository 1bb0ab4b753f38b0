/*
 * tests/test_mof.c: MOF generation (wbemev/mof.h) against golden files in tests/golden/.
 *
 * WBEMEV_UPDATE_GOLDEN=1 rewrites the golden files from the current output instead of comparing
 * (review the diff before committing it).
 */
#include "test_support.h"

#include "wbemev/mof.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WBEMEV_GOLDEN_DIR
#error "WBEMEV_GOLDEN_DIR must name tests/golden"
#endif

/* ---- a registration with every CIM type ---- */

static const wbemev_property_def target_props[] = {
    {"Id", WBEMEV_CIM_UINT32, NULL},
    {"Label", WBEMEV_CIM_STRING, NULL},
};

static const wbemev_property_def event_props[] = {
    {"Name", WBEMEV_CIM_STRING, NULL},
    {"Severity", WBEMEV_CIM_SINT32, NULL},
    {"Small", WBEMEV_CIM_SINT8, NULL},
    {"Octet", WBEMEV_CIM_UINT8, NULL},
    {"Short", WBEMEV_CIM_SINT16, NULL},
    {"Port", WBEMEV_CIM_UINT16, NULL},
    {"Count", WBEMEV_CIM_UINT32, NULL},
    {"Big", WBEMEV_CIM_SINT64, NULL},
    {"Huge", WBEMEV_CIM_UINT64, NULL},
    {"Ratio", WBEMEV_CIM_REAL32, NULL},
    {"Precise", WBEMEV_CIM_REAL64, NULL},
    {"Flag", WBEMEV_CIM_BOOLEAN, NULL},
    {"When", WBEMEV_CIM_DATETIME, NULL},
    {"Initial", WBEMEV_CIM_CHAR16, NULL},
    {"Path", WBEMEV_CIM_REFERENCE, "Sample_Target"},
    {"Target", WBEMEV_CIM_OBJECT, "Sample_Target"},
    {"Anything", WBEMEV_CIM_OBJECT, NULL},
    {"Tags", WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY, NULL},
    {"Samples", WBEMEV_CIM_SINT32 | WBEMEV_CIM_FLAG_ARRAY, NULL},
    {"Targets", WBEMEV_CIM_OBJECT | WBEMEV_CIM_FLAG_ARRAY, "Sample_Target"},
};

static const wbemev_property_def sub_props[] = {
    {"Detail", WBEMEV_CIM_STRING, NULL},
};

static const wbemev_class_def sample_classes[] = {
    {"Sample_Target", NULL, target_props, sizeof target_props / sizeof target_props[0]},
    {"Sample_Event", "__ExtrinsicEvent", event_props, sizeof event_props / sizeof event_props[0]},
    {"Sample_SubEvent", "Sample_Event", sub_props, 1},
};

static const char *const sample_queries[] = {
    "SELECT * FROM Sample_Event",
    "SELECT * FROM Sample_SubEvent WHERE Name = \"x\"",
};

static const wbemev_registration sample_registration = {
    .namespace_name = "root\\cimv2",
    .provider_name = "SampleEventProvider",
    .clsid = "{6B5C1E2A-3F4D-4A8B-9C0D-1E2F3A4B5C6D}",
    .hosting_model = NULL,
    .classes = sample_classes,
    .class_count = sizeof sample_classes / sizeof sample_classes[0],
    .event_queries = sample_queries,
    .query_count = sizeof sample_queries / sizeof sample_queries[0],
};

/* ---- helpers ---- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
        if (cap - len - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    /* Tolerate a checkout with CRLF line ends. */
    size_t w = 0;
    for (size_t r = 0; r < len; r++) {
        if (buf[r] != '\r')
            buf[w++] = buf[r];
    }
    buf[w] = 0;
    return buf;
}

static void check_golden(const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", WBEMEV_GOLDEN_DIR, name);
    const char *update = getenv("WBEMEV_UPDATE_GOLDEN");
    if (update != NULL && strcmp(update, "1") == 0) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
        assert_int_equal(fclose(f), 0);
        print_message("updated %s\n", path);
        return;
    }
    char *golden = read_file(path);
    if (golden == NULL) {
        print_error("cannot read golden file %s (WBEMEV_UPDATE_GOLDEN=1 creates it)\n", path);
        fail();
    }
    if (strcmp(golden, text) != 0) {
        size_t i = 0, line = 1;
        while (golden[i] != 0 && golden[i] == text[i]) {
            if (golden[i] == '\n')
                line++;
            i++;
        }
        print_error("%s differs from the output at line %zu.\n--- output ---\n%s--- end ---\n", path,
                    line, text);
        free(golden);
        fail();
    }
    free(golden);
}

/* The registration MOF through the two-call buffer API; free() the result. */
static char *format_registration(const wbemev_registration *reg)
{
    size_t needed = 0;
    assert_wbemev_ok(wbemev_mof_format_registration(reg, NULL, 0, &needed));
    assert_true(needed > 0);
    char *buf = malloc(needed + 1);
    assert_non_null(buf);
    size_t length = 0;
    assert_wbemev_ok(wbemev_mof_format_registration(reg, buf, needed + 1, &length));
    assert_int_equal(length, needed);
    assert_int_equal(strlen(buf), needed);
    return buf;
}

static char *format_instance(const wbemev_object_t *obj)
{
    size_t needed = 0;
    assert_wbemev_ok(wbemev_mof_format_instance(obj, NULL, 0, &needed));
    char *buf = malloc(needed + 1);
    assert_non_null(buf);
    assert_wbemev_ok(wbemev_mof_format_instance(obj, buf, needed + 1, NULL));
    return buf;
}

static wbemev_namespace_t *sample_namespace(void)
{
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\cimv2", &ns));
    assert_wbemev_ok(wbemev_registration_define_classes(&sample_registration, ns, false));
    return ns;
}

static wbemev_object_t *spawn(wbemev_namespace_t *ns, const char *cls_name)
{
    wbemev_class_t *cls = NULL;
    wbemev_object_t *obj = NULL;
    assert_wbemev_ok(wbemev_namespace_get_class(ns, cls_name, &cls));
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &obj));
    wbemev_class_release(cls);
    return obj;
}

static wbemev_object_t *target(wbemev_namespace_t *ns, uint32_t id, const char *label)
{
    wbemev_object_t *t = spawn(ns, "Sample_Target");
    assert_wbemev_ok(wbemev_object_put_uint32(t, "Id", id));
    assert_wbemev_ok(wbemev_object_put_string(t, "Label", label));
    return t;
}

/* ---- registration ---- */

static void test_registration_golden(void **state)
{
    (void)state;
    char *mof = format_registration(&sample_registration);
    check_golden("sample_registration.mof", mof);
    free(mof);
}

static void test_registration_hosting_model_and_escapes(void **state)
{
    (void)state;
    wbemev_registration reg = sample_registration;
    reg.hosting_model = "LocalSystemHost";
    reg.provider_name = "Provider \xC3\xA9t\xC3\xA9 \\ 1";
    reg.class_count = 0;
    reg.query_count = 1;
    char *mof = format_registration(&reg);
    assert_non_null(strstr(mof, "    HostingModel = \"LocalSystemHost\";\n"));
    assert_non_null(strstr(mof, "    Name = \"Provider \\x00E9t\\x00E9 \\\\ 1\";\n"));
    assert_non_null(strstr(mof, "#pragma namespace(\"\\\\\\\\.\\\\root\\\\cimv2\")\n"));
    assert_non_null(strstr(mof, "    EventQueryList = {\"SELECT * FROM Sample_Event\"};\n"));
    assert_null(strstr(mof, "class "));
    free(mof);
}

static void test_registration_validate(void **state)
{
    (void)state;
    assert_wbemev_ok(wbemev_registration_validate(&sample_registration));
    assert_wbemev_status(wbemev_registration_validate(NULL), WBEMEV_E_INVALID_PARAMETER);

    static const char *const bad_clsids[] = {
        NULL,
        "6B5C1E2A-3F4D-4A8B-9C0D-1E2F3A4B5C6D",
        "{6B5C1E2A-3F4D-4A8B-9C0D-1E2F3A4B5C6}",
        "{6B5C1E2A-3F4D-4A8B-9C0D-1E2F3A4B5C6G}",
        "{6B5C1E2A+3F4D-4A8B-9C0D-1E2F3A4B5C6D}",
    };
    for (size_t i = 0; i < sizeof bad_clsids / sizeof bad_clsids[0]; i++) {
        wbemev_registration reg = sample_registration;
        reg.clsid = bad_clsids[i];
        assert_wbemev_status(wbemev_registration_validate(&reg), WBEMEV_E_INVALID_PARAMETER);
    }

    wbemev_registration reg = sample_registration;
    reg.query_count = 0;
    assert_wbemev_status(wbemev_registration_validate(&reg), WBEMEV_E_INVALID_PARAMETER);
    static const char *const null_query[] = {NULL};
    reg = sample_registration;
    reg.event_queries = null_query;
    reg.query_count = 1;
    assert_wbemev_status(wbemev_registration_validate(&reg), WBEMEV_E_INVALID_PARAMETER);
    reg = sample_registration;
    reg.provider_name = "quote\"d";
    assert_wbemev_status(wbemev_registration_validate(&reg), WBEMEV_E_INVALID_PARAMETER);
    reg = sample_registration;
    reg.namespace_name = NULL;
    assert_wbemev_status(wbemev_registration_validate(&reg), WBEMEV_E_INVALID_PARAMETER);

    static const wbemev_property_def bad_type[] = {{"X", (wbemev_cimtype)99, NULL}};
    static const wbemev_class_def bad_type_class[] = {{"Bad_Event", "__ExtrinsicEvent", bad_type, 1}};
    reg = sample_registration;
    reg.classes = bad_type_class;
    reg.class_count = 1;
    assert_wbemev_status(wbemev_registration_validate(&reg), WBEMEV_E_INVALID_PROPERTY_TYPE);
    static const wbemev_property_def bad_name[] = {{"has space", WBEMEV_CIM_STRING, NULL}};
    static const wbemev_class_def bad_name_class[] = {{"Bad_Event", "__ExtrinsicEvent", bad_name, 1}};
    reg.classes = bad_name_class;
    assert_wbemev_status(wbemev_registration_validate(&reg), WBEMEV_E_INVALID_PARAMETER);

    /* The writers validate too, and write nothing then. */
    size_t needed = 7;
    reg = sample_registration;
    reg.clsid = "nope";
    assert_wbemev_status(wbemev_mof_format_registration(&reg, NULL, 0, &needed), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(needed, 7);
}

static void test_format_buffer_semantics(void **state)
{
    (void)state;
    size_t needed = 0;
    assert_wbemev_ok(wbemev_mof_format_registration(&sample_registration, NULL, 0, &needed));
    char *buf = malloc(needed + 1);
    assert_non_null(buf);

    /* One byte short: too small, truncated prefix, length untouched. */
    size_t length = 12345;
    assert_wbemev_status(wbemev_mof_format_registration(&sample_registration, buf, needed, &length),
                         WBEMEV_E_BUFFER_TOO_SMALL);
    assert_int_equal(length, 12345);
    assert_int_equal(strlen(buf), needed - 1);

    assert_wbemev_status(wbemev_mof_format_registration(&sample_registration, buf, 1, &length),
                         WBEMEV_E_BUFFER_TOO_SMALL);
    assert_string_equal(buf, "");

    assert_wbemev_ok(wbemev_mof_format_registration(&sample_registration, buf, needed + 1, &length));
    assert_int_equal(length, needed);

    /* Inconsistent buffer arguments. */
    assert_wbemev_status(wbemev_mof_format_registration(&sample_registration, NULL, 10, &length),
                         WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_mof_format_registration(&sample_registration, buf, 0, &length),
                         WBEMEV_E_INVALID_PARAMETER);
    free(buf);
}

struct failing_writer {
    size_t calls_left;
    size_t calls;
};

static wbemev_status fail_after(void *ctx, const char *text, size_t len)
{
    struct failing_writer *w = ctx;
    (void)text;
    assert_true(len > 0);
    w->calls++;
    if (w->calls_left == 0)
        return WBEMEV_E_OUT_OF_MEMORY;
    w->calls_left--;
    return WBEMEV_S_NO_ERROR;
}

static void test_writer_failure_stops(void **state)
{
    (void)state;
    struct failing_writer w = {3, 0};
    assert_wbemev_status(wbemev_mof_write_registration(&sample_registration, fail_after, &w),
                         WBEMEV_E_OUT_OF_MEMORY);
    assert_int_equal(w.calls, 4); /* nothing after the failing call */
    assert_wbemev_status(wbemev_mof_write_registration(&sample_registration, NULL, NULL),
                         WBEMEV_E_INVALID_PARAMETER);
}

static void test_fwrite_matches_format(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    if (f == NULL)
        skip();
    assert_wbemev_ok(wbemev_mof_fwrite_registration(&sample_registration, f));
    long size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    char *from_file = calloc(1, (size_t)size + 1);
    assert_non_null(from_file);
    assert_int_equal(fread(from_file, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    char *from_buffer = format_registration(&sample_registration);
    assert_string_equal(from_file, from_buffer);
    free(from_file);
    free(from_buffer);
    assert_wbemev_status(wbemev_mof_fwrite_registration(&sample_registration, NULL),
                         WBEMEV_E_INVALID_PARAMETER);
}

struct accumulator {
    char text[512];
    size_t len;
};

static wbemev_status accumulate(void *ctx, const char *text, size_t len)
{
    struct accumulator *acc = ctx;
    assert_true(acc->len + len < sizeof acc->text);
    memcpy(acc->text + acc->len, text, len);
    acc->len += len;
    acc->text[acc->len] = 0;
    return WBEMEV_S_NO_ERROR;
}

static void test_write_class(void **state)
{
    (void)state;
    static const wbemev_property_def props[] = {
        {"Names", WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY, NULL},
        {"Owner", WBEMEV_CIM_REFERENCE, NULL},
        {"Blob", WBEMEV_CIM_OBJECT, NULL},
        {"Paths", WBEMEV_CIM_REFERENCE | WBEMEV_CIM_FLAG_ARRAY, "Sample_Target"},
    };
    const wbemev_class_def def = {"Lone_Class", NULL, props, 4};
    struct accumulator acc = {{0}, 0};
    assert_wbemev_ok(wbemev_mof_write_class(&def, accumulate, &acc));
    assert_string_equal(acc.text, "class Lone_Class\n{\n    string Names[];\n    object ref Owner;\n"
                                  "    object Blob;\n    Sample_Target ref Paths[];\n};\n");
    assert_wbemev_status(wbemev_mof_write_class(&def, NULL, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_mof_write_class(NULL, accumulate, &acc), WBEMEV_E_INVALID_PARAMETER);
}

/* ---- classes into a namespace ---- */

static void test_define_classes(void **state)
{
    (void)state;
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\cimv2", &ns));
    size_t before = wbemev_namespace_class_count(ns);
    assert_wbemev_ok(wbemev_registration_define_classes(&sample_registration, ns, false));
    assert_int_equal(wbemev_namespace_class_count(ns), before + 3);

    wbemev_class_t *cls = NULL;
    assert_wbemev_ok(wbemev_namespace_get_class(ns, "sample_subevent", &cls));
    assert_true(wbemev_class_is_event_class(cls));
    assert_true(wbemev_class_is_a(cls, "Sample_Event"));
    wbemev_property_info info;
    assert_wbemev_ok(wbemev_class_find_property(cls, "Targets", &info));
    assert_int_equal(info.type, WBEMEV_CIM_OBJECT | WBEMEV_CIM_FLAG_ARRAY);
    assert_string_equal(info.ref_class, "Sample_Target");
    wbemev_class_release(cls);

    /* Again: already there, unless told to skip. */
    assert_wbemev_status(wbemev_registration_define_classes(&sample_registration, ns, false),
                         WBEMEV_E_ALREADY_EXISTS);
    assert_int_equal(wbemev_namespace_class_count(ns), before + 3);
    assert_wbemev_ok(wbemev_registration_define_classes(&sample_registration, ns, true));
    assert_int_equal(wbemev_namespace_class_count(ns), before + 3);
    wbemev_namespace_release(ns);

    /* A failure half-way undoes what the call defined. */
    static const wbemev_class_def broken[] = {
        {"Good_Event", "__ExtrinsicEvent", sub_props, 1},
        {"Orphan_Event", "No_Such_Class", sub_props, 1},
    };
    wbemev_registration reg = sample_registration;
    reg.classes = broken;
    reg.class_count = 2;
    assert_wbemev_ok(wbemev_namespace_new("root\\cimv2", &ns));
    assert_wbemev_status(wbemev_registration_define_classes(&reg, ns, false), WBEMEV_E_INVALID_SUPERCLASS);
    assert_int_equal(wbemev_namespace_class_count(ns), before);
    assert_wbemev_status(wbemev_namespace_get_class(ns, "Good_Event", &cls), WBEMEV_E_NOT_FOUND);
    assert_wbemev_status(wbemev_registration_define_classes(NULL, ns, false), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_registration_define_classes(&reg, NULL, false), WBEMEV_E_INVALID_PARAMETER);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

/* ---- instances ---- */

static void test_instance_golden(void **state)
{
    (void)state;
    wbemev_namespace_t *ns = sample_namespace();
    wbemev_object_t *ev = spawn(ns, "Sample_Event");

    assert_wbemev_ok(wbemev_object_put_string(ev, "Name", "say \"hi\"\\\ttab\nline"));
    assert_wbemev_ok(wbemev_object_put_sint32(ev, "Severity", -3));
    assert_wbemev_ok(wbemev_object_put_sint8(ev, "Small", -128));
    assert_wbemev_ok(wbemev_object_put_uint8(ev, "Octet", 255));
    assert_wbemev_ok(wbemev_object_put_sint16(ev, "Short", -32768));
    assert_wbemev_ok(wbemev_object_put_uint16(ev, "Port", 65535));
    assert_wbemev_ok(wbemev_object_put_uint32(ev, "Count", 4294967295u));
    assert_wbemev_ok(wbemev_object_put_sint64(ev, "Big", INT64_MIN));
    assert_wbemev_ok(wbemev_object_put_uint64(ev, "Huge", UINT64_MAX));
    assert_wbemev_ok(wbemev_object_put_real32(ev, "Ratio", 0.1f));
    assert_wbemev_ok(wbemev_object_put_real64(ev, "Precise", 2.0));
    assert_wbemev_ok(wbemev_object_put_boolean(ev, "Flag", true));
    wbemev_datetime when;
    assert_wbemev_ok(wbemev_datetime_parse("20240229235958.123456+060", &when));
    assert_wbemev_ok(wbemev_object_put_datetime(ev, "When", when));
    assert_wbemev_ok(wbemev_object_put_char16(ev, "Initial", 0x00E9));
    assert_wbemev_ok(wbemev_object_put_reference(ev, "Path", "Sample_Target.Id=7"));

    wbemev_object_t *t1 = target(ns, 7, "Z\xC3\xBCrich \xE2\x98\x83 \xF0\x9D\x84\x9E");
    assert_wbemev_ok(wbemev_object_put_object(ev, "Target", t1));
    wbemev_object_t *t2 = target(ns, 8, "second");
    wbemev_object_t *targets[] = {t1, t2};
    wbemev_value arr = WBEMEV_V_ARRAY(WBEMEV_CIM_OBJECT, targets, 2);
    assert_wbemev_ok(wbemev_object_put(ev, "Targets", &arr));
    wbemev_object_release(t1);
    wbemev_object_release(t2);

    const char *tags[] = {"a", "b,c", ""};
    arr = WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, tags, 3);
    assert_wbemev_ok(wbemev_object_put(ev, "Tags", &arr));
    const int32_t samples[] = {1, -2, 2147483647};
    arr = WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, samples, 3);
    assert_wbemev_ok(wbemev_object_put(ev, "Samples", &arr));
    /* TIME_CREATED (inherited from __Event) is written like any uint64. */
    assert_wbemev_ok(wbemev_object_put_uint64(ev, "TIME_CREATED", 133515360000000000ull));
    /* Anything stays NULL: not written. */

    char *mof = format_instance(ev);
    check_golden("sample_instance.mof", mof);
    free(mof);

    /* Subclass instance: inherited properties first, then its own. */
    wbemev_object_t *sub = spawn(ns, "Sample_SubEvent");
    assert_wbemev_ok(wbemev_object_put_string(sub, "Detail", "d"));
    assert_wbemev_ok(wbemev_object_put_string(sub, "Name", "n"));
    mof = format_instance(sub);
    assert_string_equal(mof, "instance of Sample_SubEvent\n{\n    Name = \"n\";\n    Detail = \"d\";\n};\n");
    free(mof);

    wbemev_object_release(sub);
    wbemev_object_release(ev);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

static void test_instance_reals_and_empty(void **state)
{
    (void)state;
    wbemev_namespace_t *ns = sample_namespace();
    wbemev_object_t *ev = spawn(ns, "Sample_Event");

    char *mof = format_instance(ev);
    assert_string_equal(mof, "instance of Sample_Event\n{\n};\n");
    free(mof);

    assert_wbemev_ok(wbemev_object_put_real64(ev, "Precise", NAN));
    assert_wbemev_ok(wbemev_object_put_real32(ev, "Ratio", 1e30f));
    const int32_t none[1] = {0};
    wbemev_value empty = WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, none, 0);
    assert_wbemev_ok(wbemev_object_put(ev, "Samples", &empty));
    mof = format_instance(ev);
    assert_string_equal(mof, "instance of Sample_Event\n{\n    Ratio = 1e+30;\n"
                             "    // Precise: a real that is not finite has no MOF form\n"
                             "    Samples = {};\n};\n");
    free(mof);

    assert_wbemev_ok(wbemev_object_put_real64(ev, "Precise", -1.5e-300));
    mof = format_instance(ev);
    assert_non_null(strstr(mof, "    Precise = -1.5e-300;\n"));
    free(mof);

    /* A class object is not an instance. */
    wbemev_class_t *cls = NULL;
    assert_wbemev_ok(wbemev_namespace_get_class(ns, "Sample_Event", &cls));
    size_t n = 0;
    assert_wbemev_status(wbemev_mof_format_instance(wbemev_class_object(cls), NULL, 0, &n),
                         WBEMEV_E_INVALID_OPERATION);
    wbemev_class_release(cls);
    assert_wbemev_status(wbemev_mof_format_instance(NULL, NULL, 0, &n), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_mof_fwrite_instance(ev, NULL), WBEMEV_E_INVALID_PARAMETER);

    wbemev_object_release(ev);
    wbemev_namespace_release(ns);
    wbemev_test_assert_no_leaks();
}

#ifdef WBEMEV_TEST_EXAMPLE_REGISTRATION
/* The example provider DLL's registration (examples/win): its golden MOF names the DLL's CLSID. */
#include "burst_provider.h"

static void test_example_registration_golden(void **state)
{
    (void)state;
    assert_wbemev_ok(wbemev_registration_validate(&burst_registration));
    char *mof = format_registration(&burst_registration);
    assert_non_null(strstr(mof, burst_registration.clsid));
    check_golden("burst_provider.mof", mof);
    free(mof);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registration_golden),
        cmocka_unit_test(test_registration_hosting_model_and_escapes),
        cmocka_unit_test(test_registration_validate),
        cmocka_unit_test(test_format_buffer_semantics),
        cmocka_unit_test(test_writer_failure_stops),
        cmocka_unit_test(test_fwrite_matches_format),
        cmocka_unit_test(test_write_class),
        cmocka_unit_test(test_define_classes),
        cmocka_unit_test(test_instance_golden),
        cmocka_unit_test(test_instance_reals_and_empty),
#ifdef WBEMEV_TEST_EXAMPLE_REGISTRATION
        cmocka_unit_test(test_example_registration_golden),
#endif
    };
    return cmocka_run_group_tests_name("mof", tests, NULL, NULL);
}
