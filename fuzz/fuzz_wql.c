/*
 * fuzz/fuzz_wql.c: libFuzzer entry point for the WQL engine.
 *
 * Each input is a query text. It is parsed, compiled against a small namespace, evaluated against a
 * few events, formatted and released. Beyond the sanitizers, it checks the engine's invariants and
 * aborts when one breaks:
 *  - compile succeeds only when parse does, and fails with parse's status when parse fails;
 *  - a failure fills the error with the same status and a NUL-terminated message;
 *  - parse(format(q)) succeeds and formats identically (when the normalized text fits the limit),
 *    and compiles when q compiled;
 *  - a compiled query and the same query only parsed agree on every event.
 */
#include "wbemev.h"
#include "query/wql.h" /* white-box: projection and grouping accessors */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_wql: invariant failed: %s (line %d)\n", #c, __LINE__);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define NEVENTS 5
static wbemev_namespace_t *g_ns;
static wbemev_object_t *g_events[NEVENTS];

static void define(const char *name, const char *super, const wbemev_property_def *p, size_t n)
{
    CHECK(wbemev_namespace_define_class(g_ns, name, super, p, n, NULL) == WBEMEV_S_NO_ERROR);
}

static wbemev_object_t *spawn(const char *name)
{
    wbemev_class_t *cls = NULL;
    wbemev_object_t *obj = NULL;
    CHECK(wbemev_namespace_get_class(g_ns, name, &cls) == WBEMEV_S_NO_ERROR);
    CHECK(wbemev_class_spawn_instance(cls, &obj) == WBEMEV_S_NO_ERROR);
    wbemev_class_release(cls);
    return obj;
}

static void put(wbemev_object_t *obj, const char *name, wbemev_value v)
{
    CHECK(wbemev_object_put(obj, name, &v) == WBEMEV_S_NO_ERROR);
}

static void put_obj(wbemev_object_t *obj, const char *name, wbemev_object_t *child)
{
    put(obj, name, WBEMEV_V_OBJECT(child));
    wbemev_object_release(child);
}

static void init(void)
{
    CHECK(wbemev_namespace_new("root\\fuzz", &g_ns) == WBEMEV_S_NO_ERROR);
    static const wbemev_property_def proc[] = {{"Name", WBEMEV_CIM_STRING, NULL},
                                               {"ProcessId", WBEMEV_CIM_UINT32, NULL}};
    static const wbemev_property_def leaf[] = {{"Value", WBEMEV_CIM_SINT32, NULL},
                                               {"Label", WBEMEV_CIM_STRING, NULL}};
    static const wbemev_property_def child[] = {{"Name", WBEMEV_CIM_STRING, NULL},
                                                {"Leaf", WBEMEV_CIM_OBJECT, "MyLeaf"}};
    static const wbemev_property_def ev[] = {
        {"S8", WBEMEV_CIM_SINT8, NULL},        {"U8", WBEMEV_CIM_UINT8, NULL},
        {"S16", WBEMEV_CIM_SINT16, NULL},      {"U16", WBEMEV_CIM_UINT16, NULL},
        {"S32", WBEMEV_CIM_SINT32, NULL},      {"U32", WBEMEV_CIM_UINT32, NULL},
        {"S64", WBEMEV_CIM_SINT64, NULL},      {"U64", WBEMEV_CIM_UINT64, NULL},
        {"R32", WBEMEV_CIM_REAL32, NULL},      {"R64", WBEMEV_CIM_REAL64, NULL},
        {"Flag", WBEMEV_CIM_BOOLEAN, NULL},    {"Text", WBEMEV_CIM_STRING, NULL},
        {"When", WBEMEV_CIM_DATETIME, NULL},   {"Letter", WBEMEV_CIM_CHAR16, NULL},
        {"Ref", WBEMEV_CIM_REFERENCE, NULL},   {"Child", WBEMEV_CIM_OBJECT, "MyChild"},
        {"Any", WBEMEV_CIM_OBJECT, NULL},      {"Numbers", WBEMEV_CIM_SINT32 | WBEMEV_CIM_FLAG_ARRAY, NULL},
    };
    static const wbemev_property_def sub[] = {{"Extra", WBEMEV_CIM_STRING, NULL}};
    static const wbemev_property_def email[] = {{"Sender", WBEMEV_CIM_STRING, NULL},
                                                {"Importance", WBEMEV_CIM_UINT32, NULL}};
    define("Win32_Process", NULL, proc, 2);
    define("Win32_SubProcess", "Win32_Process", sub, 1);
    define("MyLeaf", NULL, leaf, 2);
    define("MyChild", NULL, child, 2);
    define("MyEvent", "__ExtrinsicEvent", ev, sizeof ev / sizeof ev[0]);
    define("MySubEvent", "MyEvent", sub, 1);
    define("EmailEvent", "__ExtrinsicEvent", email, 2);

    static const int32_t numbers[] = {1, 2, 3};
    wbemev_datetime when;
    CHECK(wbemev_datetime_parse("20240315123045.123456+060", &when) == WBEMEV_S_NO_ERROR);
    wbemev_object_t *e = g_events[0] = spawn("MyEvent");
    put(e, "S8", WBEMEV_V_SINT8(-8));
    put(e, "U8", WBEMEV_V_UINT8(200));
    put(e, "S16", WBEMEV_V_SINT16(-1600));
    put(e, "U16", WBEMEV_V_UINT16(60000));
    put(e, "S32", WBEMEV_V_SINT32(42));
    put(e, "U32", WBEMEV_V_UINT32(4000000000u));
    put(e, "S64", WBEMEV_V_SINT64(INT64_MIN));
    put(e, "U64", WBEMEV_V_UINT64(UINT64_MAX));
    put(e, "R32", WBEMEV_V_REAL32(2.5));
    put(e, "R64", WBEMEV_V_REAL64(-0.0));
    put(e, "Flag", WBEMEV_V_BOOLEAN(true));
    put(e, "Text", WBEMEV_V_STRING("Hello World 100%_[x] \xe6\x97\xa5"));
    put(e, "When", WBEMEV_V_DATETIME(when));
    put(e, "Letter", WBEMEV_V_CHAR16('Q'));
    put(e, "Ref", WBEMEV_V_REFERENCE("Win32_Process.Handle=\"42\""));
    put(e, "Numbers", WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, numbers, 3));
    wbemev_object_t *l = spawn("MyLeaf");
    put(l, "Value", WBEMEV_V_SINT32(-7));
    put(l, "Label", WBEMEV_V_STRING("leafy"));
    wbemev_object_t *c = spawn("MyChild");
    put(c, "Name", WBEMEV_V_STRING("kid"));
    put_obj(c, "Leaf", l);
    put_obj(e, "Child", c);
    wbemev_object_t *p = spawn("Win32_SubProcess");
    put(p, "Name", WBEMEV_V_STRING("notepad.exe"));
    put_obj(e, "Any", p);

    g_events[1] = spawn("MySubEvent"); /* all NULL */
    e = g_events[2] = spawn("__InstanceModificationEvent");
    p = spawn("Win32_Process");
    put(p, "Name", WBEMEV_V_STRING("svc.exe"));
    put(p, "ProcessId", WBEMEV_V_UINT32(4));
    put_obj(e, "TargetInstance", p);
    e = g_events[3] = spawn("EmailEvent");
    put(e, "Sender", WBEMEV_V_STRING("MyBoss"));
    put(e, "Importance", WBEMEV_V_UINT32(5));
    e = g_events[4] = spawn("MyEvent");
    put(e, "Text", WBEMEV_V_STRING("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    for (int i = 0; i < NEVENTS; i++)
        wbemev_object_freeze(g_events[i]);
}

static void check_error(wbemev_status st, const wbemev_query_error *err)
{
    CHECK(err->status == st);
    CHECK(memchr(err->message, '\0', sizeof err->message) != NULL);
    CHECK(err->message[0] != '\0');
}

/* Formats q; the caller frees the text. */
static char *format(const wbemev_query_t *q, size_t *len)
{
    size_t n = wbemev_query_format(q, NULL, 0);
    char *buf = malloc(n + 1);
    CHECK(buf != NULL);
    CHECK(wbemev_query_format(q, buf, n + 1) == n);
    CHECK(strlen(buf) == n);
    *len = n;
    return buf;
}

static void exercise(const wbemev_query_t *q)
{
    wbemev_value v;
    for (int i = 0; i < NEVENTS; i++) {
        (void)wbemev_query_matches(q, g_events[i]);
        for (size_t k = 0; k < wbemev_query_group_by_count(q); k++)
            (void)wbemev_query_group_by_get(q, k, g_events[i], &v);
    }
    (void)wbemev_query_having_matches(q, 0);
    (void)wbemev_query_having_matches(q, 6);
    (void)wbemev_query_having_matches(q, UINT32_MAX);
    for (size_t k = 0; k < wbemev_query_select_count(q); k++)
        CHECK(wbemev_query_select_name(q, k) != NULL);
    (void)wbemev_query_selects(q, "Text");
    (void)wbemev_query_within(q);
    (void)wbemev_query_group_within(q);
    CHECK(wbemev_query_class_name(q) != NULL);
    CHECK(wbemev_query_text(q) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (g_ns == NULL)
        init();
    if (size > 4 * WBEMEV_MAX_QUERY + 64)
        return 0;
    char *text = malloc(size + 1);
    CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';

    wbemev_query_t *parsed = NULL, *compiled = NULL;
    wbemev_query_error err;
    wbemev_status ps = wbemev_query_parse(text, &parsed, &err);
    if (ps != WBEMEV_S_NO_ERROR) {
        check_error(ps, &err);
        CHECK(parsed == NULL);
    }
    wbemev_status cs = wbemev_query_compile(text, g_ns, &compiled, &err);
    if (cs != WBEMEV_S_NO_ERROR) {
        check_error(cs, &err);
        CHECK(compiled == NULL);
    }
    if (ps != WBEMEV_S_NO_ERROR)
        CHECK(cs == ps);
    if (cs == WBEMEV_S_NO_ERROR)
        CHECK(ps == WBEMEV_S_NO_ERROR);

    if (parsed != NULL) {
        exercise(parsed);
        size_t n;
        char *a = format(parsed, &n);
        if (n <= WBEMEV_MAX_QUERY) {
            wbemev_query_t *again = NULL;
            wbemev_status st = wbemev_query_parse(a, &again, &err);
            if (st != WBEMEV_S_NO_ERROR)
                fprintf(stderr, "fuzz_wql: \"%s\" does not parse: %s\n", a, err.message);
            CHECK(st == WBEMEV_S_NO_ERROR);
            size_t m;
            char *b = format(again, &m);
            if (m != n || strcmp(a, b) != 0)
                fprintf(stderr, "fuzz_wql: \"%s\" formats as \"%s\"\n", a, b);
            CHECK(m == n && strcmp(a, b) == 0);
            free(b);
            wbemev_query_release(again);
            if (compiled != NULL) {
                CHECK(wbemev_query_compile(a, g_ns, &again, &err) == WBEMEV_S_NO_ERROR);
                for (int i = 0; i < NEVENTS; i++)
                    CHECK(wbemev_query_matches(again, g_events[i]) ==
                          wbemev_query_matches(compiled, g_events[i]));
                wbemev_query_release(again);
            }
        }
        free(a);
    }
    if (compiled != NULL) {
        exercise(compiled);
        CHECK(wbemev_query_class(compiled) != NULL);
        for (int i = 0; i < NEVENTS; i++)
            CHECK(wbemev_query_matches(compiled, g_events[i]) == wbemev_query_matches(parsed, g_events[i]));
        wbemev_query_release(wbemev_query_add_ref(compiled));
    }
    wbemev_query_release(parsed);
    wbemev_query_release(compiled);
    free(text);
    return 0;
}
