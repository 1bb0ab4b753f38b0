/*
 * tests/test_alloc_failure.c: fail every allocation once, as SQLite's and OMI's out-of-memory tests
 * do.
 *
 * Each scenario is a sequence of public calls (define classes, spawn and fill events, subscribe,
 * indicate, unsubscribe, shutdown...). It runs once through a counting allocator (wbemev_set_allocator)
 * to learn how many allocations it makes, then once for every N in 1..count with the Nth allocation
 * failing (only that one: later allocations succeed). Every call of a scenario goes through STEP(),
 * which requires either success or WBEMEV_E_OUT_OF_MEMORY; on WBEMEV_E_OUT_OF_MEMORY it
 *  - checks that an allocation really failed inside that call (no invented out-of-memory),
 *  - runs the step's "unchanged" check (class still absent, subscription count and consumer
 *    references as before, property value as before, out-parameter not written...),
 *  - and calls again, which must now succeed: a call that left half its state behind would
 *    fail the retry (ALREADY_EXISTS, a second subscription...).
 * A failed allocation that no call reported was absorbed: the scenario's later checks (every
 * consumer received every event, the violation was recorded...) say whether that was harmless.
 * After each run every object and block must be freed (no leak), and ASan / Valgrind watch the rest.
 *
 * Allocation sites. wbemev__malloc & co. funnel every allocation into the hook, so the hook's return
 * address says nothing; they are macros that pass their caller's file and line, which
 * wbemev__alloc_site (white-box) reads while the hook runs. A site is one source line of the
 * library: the same in every build, optimized or sanitized, and on every platform. The counting run
 * records the sites the scenarios reach; the failing runs record the site of each failed
 * allocation; the test fails unless every reached site was failed at least once, and prints
 * "N sites, M failures exercised".
 */
#include "test_support.h"

#include "wbemev/format.h"
#include "wbemev/mof.h"
#include "wbemev/module.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h" /* white-box: wbemev__alloc_site */

/* ------------------------------------------------------------------------------------------------
 * The failing allocator
 */
#define MAX_SITES 4096

static struct {
    atomic_long calls;    /* malloc + realloc calls since the run started */
    long fail_at;         /* the call that fails (1-based); 0 = none */
    atomic_bool failed;   /* the fail_at-th call happened (and failed) */
    bool reported;        /* a public call returned WBEMEV_E_OUT_OF_MEMORY for it */
    const char *step;     /* the public call in progress (STEP) */
    const char *fail_step; /* the step during which the allocation failed */
    bool counting;        /* record the sites reached (counting run) */
    bool trace;           /* print the source line of each failed allocation */
    atomic_flag site_lock;
    uint64_t sites[MAX_SITES];   /* open-addressing set of source-line hashes; 0 = empty */
    const char *site_file[MAX_SITES];
    int site_line[MAX_SITES];
    bool site_reached[MAX_SITES];
    bool site_failed[MAX_SITES];
    /* Totals over all scenarios. */
    long failures;  /* runs with a failed allocation */
    long reported_total;
    long absorbed_total;
    long lost_projected; /* events a projected consumer missed (known, reported) */
} g = {.site_lock = ATOMIC_FLAG_INIT};

/* The allocation's source line (file and line the library's wrappers pass), hashed by content: a
 * site in a header's inline function is one site whatever file includes it. */
static uint64_t site_hash(void)
{
    const char *file;
    int line;
    wbemev__alloc_site(&file, &line);
    if (file == NULL)
        return 0;
    uint64_t h = 1469598103934665603ull;
    for (const char *c = file; *c != '\0'; c++) {
        h ^= (unsigned char)*c;
        h *= 1099511628211ull;
    }
    h ^= (uint64_t)line;
    h *= 1099511628211ull;
    return h != 0 ? h : 1;
}

static void site_note(uint64_t h, bool reached, bool failed)
{
    if (h == 0)
        return;
    while (atomic_flag_test_and_set(&g.site_lock))
        ;
    size_t i = (size_t)(h % MAX_SITES);
    for (size_t probe = 0; probe < MAX_SITES; probe++, i = (i + 1) % MAX_SITES) {
        if (g.sites[i] == h || g.sites[i] == 0) {
            g.sites[i] = h;
            wbemev__alloc_site(&g.site_file[i], &g.site_line[i]);
            g.site_reached[i] |= reached;
            g.site_failed[i] |= failed;
            break;
        }
    }
    atomic_flag_clear(&g.site_lock);
}

/* True when this call is the one to fail. */
static bool next_call_fails(void)
{
    long n = atomic_fetch_add(&g.calls, 1) + 1;
    uint64_t site = g.counting || n == g.fail_at ? site_hash() : 0;
    if (g.counting)
        site_note(site, true, false);
    if (n == g.fail_at) {
        atomic_store(&g.failed, true);
        g.fail_step = g.step;
        site_note(site, false, true);
        if (g.trace) { /* WBEMEV_OOM_TRACE=1: where each failing allocation is */
            const char *file;
            int line;
            wbemev__alloc_site(&file, &line);
            fprintf(stderr, "failing allocation %ld at %s:%d in %s\n", n, file, line, g.step ? g.step : "-");
        }
        return true;
    }
    return false;
}

static void *fa_malloc(void *ctx, size_t size)
{
    (void)ctx;
    return next_call_fails() ? NULL : malloc(size);
}

static void *fa_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return next_call_fails() ? NULL : realloc(ptr, size);
}

static void fa_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static const wbemev_allocator failing_allocator = {fa_malloc, fa_realloc, fa_free, NULL};

/* Every public call of a scenario: success, or out of memory with `unchanged` holding and a retry
 * that succeeds. `expected` is the success status (WBEMEV_S_NO_ERROR unless said otherwise).
 * `unchanged` is the variadic part: expanded, the test kit's assertions have top-level commas. */
#define STEP_EXPECT(expr, expected, ...)                                                           \
    do {                                                                                           \
        g.step = #expr;                                                                            \
        wbemev_status step_st_ = (expr);                                                           \
        if (step_st_ == WBEMEV_E_OUT_OF_MEMORY) {                                                  \
            if (!atomic_load(&g.failed) || g.reported)                                             \
                fail_msg("%s returned WBEMEV_E_OUT_OF_MEMORY but no allocation failed", #expr);     \
            g.reported = true;                                                                     \
            __VA_ARGS__;                                                                           \
            g.step = #expr " (retry)";                                                             \
            step_st_ = (expr);                                                                     \
        }                                                                                          \
        assert_wbemev_status(step_st_, (expected));                                                \
        g.step = NULL;                                                                             \
    } while (0)
#define STEP(expr, ...) STEP_EXPECT(expr, WBEMEV_S_NO_ERROR, __VA_ARGS__)
#define NOTHING ((void)0)

/* ------------------------------------------------------------------------------------------------
 * Helpers on the fakes (tests/support): they allocate nothing through the library's allocator, and
 * the consumers count events without reading them.
 */
/* A fake consumer for the scenarios: counts events (no log). */
static fake_consumer *counting_consumer(test_fakes *fakes)
{
    fake_consumer *c = test_fakes_consumer(fakes);
    fake_consumer_log_events(c, false);
    return c;
}

/* SetStatus calls other than the notices of drops (PROGRESS WBEMEV_E_QUEUE_OVERFLOW). */
static size_t statuses(fake_consumer *c)
{
    return fake_consumer_completes(c) + fake_consumer_progress(c) -
           fake_consumer_progress_of(c, WBEMEV_E_QUEUE_OVERFLOW);
}

/* The queries the provider was told of and not told to cancel: NewQuery minus CancelQuery. */
static int queries_of(fake_provider *p)
{
    return (int)fake_provider_calls(p, FAKE_CALL_NEW_QUERY) - (int)fake_provider_calls(p, FAKE_CALL_CANCEL_QUERY);
}

/* A property's value as JSON text, to compare it before and after a failed call (formatting
 * allocates nothing). */
struct text_buf {
    char *p;
    size_t len, size;
};
static wbemev_status buf_write(void *ctx, const char *text, size_t len)
{
    struct text_buf *b = ctx;
    if (b->len + len >= b->size)
        return WBEMEV_E_BUFFER_TOO_SMALL;
    memcpy(b->p + b->len, text, len);
    b->len += len;
    b->p[b->len] = '\0';
    return WBEMEV_S_NO_ERROR;
}
static void value_text(const wbemev_object_t *o, const char *name, char *out, size_t size)
{
    wbemev_value v;
    struct text_buf b = {out, 0, size};
    out[0] = '\0';
    assert_wbemev_ok(wbemev_object_get(o, name, &v));
    assert_wbemev_ok(wbemev_json_write_value(&v, 0, buf_write, &b));
}

static const wbemev_property_def base_props[] = {
    {"Name", WBEMEV_CIM_STRING, NULL},
    {"Id", WBEMEV_CIM_UINT32, NULL},
};
static const wbemev_property_def event_props[] = {
    {"Name", WBEMEV_CIM_STRING, NULL},      {"Severity", WBEMEV_CIM_SINT32, NULL},
    {"Big", WBEMEV_CIM_UINT64, NULL},       {"Ratio", WBEMEV_CIM_REAL64, NULL},
    {"Flag", WBEMEV_CIM_BOOLEAN, NULL},     {"When", WBEMEV_CIM_DATETIME, NULL},
    {"Letter", WBEMEV_CIM_CHAR16, NULL},    {"Path", WBEMEV_CIM_REFERENCE, NULL},
    {"Target", WBEMEV_CIM_OBJECT, "Base"},  {"Tags", WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY, NULL},
    {"Counts", WBEMEV_CIM_SINT32 | WBEMEV_CIM_FLAG_ARRAY, NULL},
};
static const wbemev_property_def sub_props[] = {{"Extra", WBEMEV_CIM_STRING, NULL}};

#define LONG_TEXT "a string long enough to live outside its slot, 0123456789"
#define LONGER_TEXT LONG_TEXT " and then some more so that it needs a bigger block"

/* Defines Base, Ev : __ExtrinsicEvent, SubEv : Ev in ns, each step checked. */
static void define_classes(wbemev_namespace_t *ns)
{
    size_t before = wbemev_namespace_class_count(ns);
    wbemev_class_t *c = NULL;
#define ABSENT(name)                                                                               \
    do {                                                                                           \
        assert_wbemev_status(wbemev_namespace_get_class(ns, name, &c), WBEMEV_E_NOT_FOUND);        \
        assert_int_equal(wbemev_namespace_class_count(ns), before);                                \
    } while (0)
    STEP(wbemev_namespace_define_class(ns, "Base", NULL, base_props, 2, NULL), ABSENT("Base"));
    before++;
    STEP(wbemev_namespace_define_class(ns, "Ev", "__ExtrinsicEvent", event_props,
                                       sizeof event_props / sizeof event_props[0], NULL),
         ABSENT("Ev"));
    before++;
    c = NULL;
    STEP(wbemev_namespace_define_class(ns, "SubEv", "Ev", sub_props, 1, &c), ABSENT("SubEv"); assert_null(c));
    wbemev_class_release(c);
#undef ABSENT
}

static wbemev_class_t *get_class(wbemev_namespace_t *ns, const char *name)
{
    wbemev_class_t *c = NULL;
    STEP(wbemev_namespace_get_class(ns, name, &c), assert_null(c));
    return c;
}

static wbemev_object_t *spawn(wbemev_class_t *cls)
{
    wbemev_object_t *o = NULL;
    size_t live = wbemev_live_objects();
    STEP(wbemev_class_spawn_instance(cls, &o), assert_null(o); assert_int_equal(wbemev_live_objects(), live));
    return o;
}

/* Put with the "value unchanged" check. */
static void put(wbemev_object_t *o, const char *name, wbemev_value v)
{
    static char before[4096], after[4096];
    value_text(o, name, before, sizeof before);
    STEP(wbemev_object_put(o, name, &v), value_text(o, name, after, sizeof after);
         assert_string_equal(before, after));
}

/* ------------------------------------------------------------------------------------------------
 * Scenarios
 */

/* Namespaces and classes: define, look up, delete (with subclasses), registration classes. */
static void scenario_classes(void)
{
    wbemev_namespace_t *ns = NULL;
    STEP(wbemev_namespace_new("root\\oom", &ns), assert_null(ns));
    define_classes(ns);
    wbemev_class_t *ev = get_class(ns, "Ev");
    size_t n = wbemev_namespace_class_count(ns);
    STEP(wbemev_namespace_delete_class(ns, "Ev"), assert_int_equal(wbemev_namespace_class_count(ns), n);
         assert_true(wbemev_class_is_defined(ev)));
    assert_false(wbemev_class_is_defined(ev));
    wbemev_class_release(ev);

    static const wbemev_class_def defs[] = {
        {"Reg_Base", NULL, base_props, 2},
        {"Reg_Event", "__ExtrinsicEvent", sub_props, 1},
    };
    static const char *const queries[] = {"SELECT * FROM Reg_Event"};
    static const wbemev_registration reg = {"root\\oom", "OomProvider", NULL, NULL, defs, 2, queries, 1};
    n = wbemev_namespace_class_count(ns);
    STEP(wbemev_registration_define_classes(&reg, ns, false),
         assert_int_equal(wbemev_namespace_class_count(ns), n));
    wbemev_namespace_release(ns);
}

/* The MOF reader: parse a provider's MOF (qualifier declarations, classes with references, an
 * embedded object, methods, instances with an alias), load it, read its registration. */
static void scenario_mof(void)
{
    static const char text[] =
        "#pragma namespace(\"\\\\\\\\.\\\\root\\\\oom\")\n"
        "Qualifier Description : string = null, Scope(any), Flavor(EnableOverride, ToSubclass);\n"
        "Qualifier Values : string[], Scope(property);\n"
        "[Description(\"a\" \"b\") : Amended] class Oom_Ref { [Key] string Id; Oom_Ev REF Back; };\n"
        "class Oom_Ev : __ExtrinsicEvent {\n"
        "  [Values{\"x\", \"y\"}] uint16 State = 1; string Tags[] = {\"t1\", \"t2\"};\n"
        "  Oom_Ref REF Target; Oom_Ref Detail; datetime When = \"20240101000000.000000+000\";\n"
        "  uint32 Run([In] string Arg, [Out] Oom_Ref REF Result);\n"
        "};\n"
        "instance of Oom_Ref as $R { Id = \"r\"; };\n"
        "instance of __Win32Provider as $P { Name = \"OomProvider\";"
        " CLSID = \"{12345678-1234-1234-1234-123456789ABC}\"; };\n"
        "instance of __EventProviderRegistration { Provider = $P; EventQueryList = {\"select * from Oom_Ev\"}; };\n";
    wbemev_mof_document_t *doc = NULL;
    wbemev_mof_diagnostic d;
    STEP(wbemev_mof_parse_string(text, sizeof text - 1, "oom.mof", NULL, &doc, &d), assert_null(doc);
         assert_int_equal(d.status, WBEMEV_E_OUT_OF_MEMORY));
    assert_int_equal(wbemev_mof_document_class_count(doc), 2);
    const wbemev_registration *reg = NULL;
    assert_wbemev_ok(wbemev_mof_document_registration(doc, &reg));
    assert_string_equal(reg->provider_name, "OomProvider");
    wbemev_namespace_t *ns = NULL;
    STEP(wbemev_namespace_new("root\\oom", &ns), assert_null(ns));
    size_t n = wbemev_namespace_class_count(ns);
    STEP(wbemev_namespace_load_mof(ns, doc, false, &d), assert_int_equal(wbemev_namespace_class_count(ns), n));
    assert_int_equal(wbemev_namespace_class_count(ns), n + 2);
    wbemev_namespace_release(ns);
    wbemev_mof_document_free(doc);
}

/* Objects: spawn, Put of every kind of value (short and long strings, arrays, embedded objects,
 * growing a value), class defaults, clone (mutable and frozen), queries. */
static void scenario_objects(void)
{
    wbemev_namespace_t *ns = NULL;
    STEP(wbemev_namespace_new("root\\oom", &ns), assert_null(ns));
    define_classes(ns);
    wbemev_class_t *base = get_class(ns, "Base");
    wbemev_class_t *ev = get_class(ns, "SubEv");

    /* Class defaults: a long default string is copied into each spawned instance. */
    put(wbemev_class_object(ev), "Name", WBEMEV_V_STRING(LONG_TEXT));
    wbemev_object_t *o = spawn(ev);
    wbemev_object_t *target = spawn(base);
    put(target, "Name", WBEMEV_V_STRING(LONG_TEXT));
    put(target, "Id", WBEMEV_V_UINT32(7));

    static const char *const tags[] = {"alpha", LONG_TEXT, "gamma"};
    static const char *const more_tags[] = {LONGER_TEXT, LONGER_TEXT, LONGER_TEXT, "d"};
    static const int32_t counts[] = {1, 2, 3, 4, 5, 6, 7, 8};
    wbemev_datetime when;
    assert_wbemev_ok(wbemev_datetime_parse("20240315123045.123456+060", &when));
    put(o, "Name", WBEMEV_V_STRING("short"));
    put(o, "Name", WBEMEV_V_STRING(LONG_TEXT));
    put(o, "Name", WBEMEV_V_STRING(LONGER_TEXT)); /* grows out of line */
    put(o, "Severity", WBEMEV_V_SINT32(3));
    put(o, "Big", WBEMEV_V_UINT64(UINT64_MAX));
    put(o, "Ratio", WBEMEV_V_REAL64(0.25));
    put(o, "Flag", WBEMEV_V_BOOLEAN(true));
    put(o, "When", WBEMEV_V_DATETIME(when));
    put(o, "Letter", WBEMEV_V_CHAR16('x'));
    put(o, "Path", WBEMEV_V_REFERENCE("Base.Name=\"" LONG_TEXT "\""));
    put(o, "Target", WBEMEV_V_OBJECT(target)); /* a mutable object is cloned */
    put(o, "Tags", WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, tags, 3));
    put(o, "Tags", WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, more_tags, 4));
    put(o, "Counts", WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, counts, 8));
    put(o, "Extra", WBEMEV_V_STRING(LONGER_TEXT));

    wbemev_object_t *copy = NULL;
    STEP(wbemev_object_clone(o, &copy), assert_null(copy));
    wbemev_object_freeze(o);
    wbemev_object_t *copy2 = NULL;
    STEP(wbemev_object_clone(o, &copy2), assert_null(copy2));
    put(copy2, "Name", WBEMEV_V_STRING(LONG_TEXT "!"));
    wbemev_object_t *inst = NULL;
    STEP(wbemev_object_spawn_instance(wbemev_class_object(base), &inst), assert_null(inst));

    wbemev_query_t *q = NULL;
    STEP(wbemev_query_compile("SELECT Name, Target FROM Ev WHERE Severity > 1 AND Name LIKE \"a%\" "
                              "OR Target ISA \"Base\"",
                              ns, &q, NULL),
         assert_null(q));
    (void)wbemev_query_matches(q, o);
    wbemev_query_release(q);
    q = NULL;
    STEP(wbemev_query_parse("SELECT * FROM Ev WITHIN 5 WHERE Name = 'x' GROUP WITHIN 10 BY Name HAVING "
                            "NumberOfEvents > 2",
                            &q, NULL),
         assert_null(q));
    wbemev_query_release(q);

    wbemev_object_release(inst);
    wbemev_object_release(copy2);
    wbemev_object_release(copy);
    wbemev_object_release(target);
    wbemev_object_release(o);
    wbemev_class_release(ev);
    wbemev_class_release(base);
    wbemev_namespace_release(ns);
}

/* Ready-made sinks used directly: callback, formatting. */
static wbemev_status on_event(void *ctx, wbemev_object_t *e)
{
    (void)e;
    (*(int *)ctx)++;
    return WBEMEV_S_NO_ERROR;
}

static void scenario_sinks(void)
{
    wbemev_namespace_t *ns = NULL;
    STEP(wbemev_namespace_new("root\\oom", &ns), assert_null(ns));
    define_classes(ns);
    wbemev_class_t *ev = get_class(ns, "Ev");
    wbemev_object_t *o = spawn(ev);
    put(o, "Name", WBEMEV_V_STRING(LONG_TEXT));
    wbemev_object_freeze(o);

    wbemev_sink_t *cb = NULL, *fmt = NULL;
    int events = 0;
    STEP(wbemev_callback_sink_new(on_event, NULL, &events, &cb), assert_null(cb));
    STEP(wbemev_sink_indicate1(cb, o), NOTHING);
    assert_int_equal(events, 1);

    FILE *f = tmpfile();
    assert_non_null(f);
    STEP(wbemev_format_sink_new(f, WBEMEV_FORMAT_JSON, 0, &fmt), assert_null(fmt));
    for (int i = 0; i < 3; i++) {
        uint64_t before = wbemev_format_sink_count(fmt);
        STEP(wbemev_sink_indicate1(fmt, o), assert_int_equal(wbemev_format_sink_count(fmt), before));
    }
    wbemev_sink_release(fmt);
    fclose(f);
    wbemev_sink_release(cb);
    wbemev_object_release(o);
    wbemev_class_release(ev);
    wbemev_namespace_release(ns);
}

/* The dispatcher: register, subscribe (SELECT * and a projection, with a SID), indicate, contract
 * violations, unsubscribe, unregister, shutdown. `delivery` is SYNC or QUEUED. */
static void scenario_dispatcher_with(wbemev_delivery delivery)
{
    wbemev_dispatcher_t *d = NULL;
    STEP(wbemev_dispatcher_new(NULL, &d), assert_null(d));
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(d);
    define_classes(ns);

    test_fakes fakes = {0};
    fake_provider *p = test_fakes_provider(&fakes);
    static const char *const queries[] = {"SELECT * FROM Ev"};
    wbemev_provider_stats ps;
    STEP(wbemev_dispatcher_register(d, "P", fake_provider_base(p), queries, 1),
         assert_int_equal(fake_provider_refs(p), 1);
         assert_wbemev_status(wbemev_dispatcher_provider_stats(d, "P", &ps), WBEMEV_E_NOT_FOUND));

    fake_consumer *all = counting_consumer(&fakes), *some = counting_consumer(&fakes);
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    static const uint8_t sid[] = {1, 5, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    so.sid = sid;
    so.sid_length = sizeof sid;
    so.delivery = delivery;
    uint32_t id_all = 0, id_some = 0;
    size_t nsubs = wbemev_dispatcher_subscription_count(d);
    int nq = queries_of(p);
#define SUB_UNCHANGED(c, id)                                                                       \
    do {                                                                                           \
        assert_int_equal(wbemev_dispatcher_subscription_count(d), nsubs);                          \
        assert_int_equal(fake_consumer_refs(c), 1);                                                \
        assert_int_equal(statuses(c), 0);                                                          \
        assert_int_equal(queries_of(p), nq);                                                       \
        assert_int_equal(id, 0);                                                                   \
    } while (0)
    STEP(wbemev_dispatcher_subscribe(d, "SELECT * FROM Ev", fake_consumer_sink(all), &so, &id_all), SUB_UNCHANGED(all, id_all));
    nsubs++;
    nq = queries_of(p);
    STEP(wbemev_dispatcher_subscribe(d, "SELECT Name, Severity FROM Ev WHERE Severity >= 1", fake_consumer_sink(some), &so,
                                     &id_some),
         SUB_UNCHANGED(some, id_some));
    nsubs++;
#undef SUB_UNCHANGED
    assert_non_null(fake_provider_sink(p));

    wbemev_class_t *ev = get_class(ns, "SubEv");
    for (int round = 0; round < 3; round++) {
        wbemev_object_t *e[2] = {spawn(ev), spawn(ev)};
        put(e[0], "Name", WBEMEV_V_STRING(LONG_TEXT));
        put(e[0], "Severity", WBEMEV_V_SINT32(2));
        put(e[1], "Severity", WBEMEV_V_SINT32(5));
        int a = (int)fake_consumer_events(all), s = (int)fake_consumer_events(some);
        int o = (int)fake_consumer_progress_of(some, WBEMEV_E_QUEUE_OVERFLOW);
        STEP(fake_provider_indicate(p, 2, e), assert_int_equal(fake_consumer_events(all), a);
             assert_int_equal(fake_consumer_events(some), s));
        if (delivery == WBEMEV_DELIVERY_QUEUED)
            assert_wbemev_status(wbemev_dispatcher_wait_idle(d, 60000), WBEMEV_S_NO_ERROR);
        if (delivery == WBEMEV_DELIVERY_SYNC) {
            assert_int_equal(fake_consumer_events(all), a + 2);
            /* A projected consumer gets a view of the event; when allocating the view fails, that
             * consumer misses the event (lib/provider_sink.c deliver()): counted as dropped and
             * told with SetStatus(PROGRESS, WBEMEV_E_QUEUE_OVERFLOW), never silently. */
            int got = (int)fake_consumer_events(some) - s;
            assert_true(got >= 1 && got <= 2);
            g.lost_projected += 2 - got;
            assert_int_equal((int)fake_consumer_progress_of(some, WBEMEV_E_QUEUE_OVERFLOW) - o, 2 - got);
        }
        /* Indicating an object again is a contract violation (OBJECT_REINDICATED): recorded. */
        STEP(fake_provider_indicate(p, 1, &e[1]), NOTHING);
        if (delivery == WBEMEV_DELIVERY_QUEUED) /* the worker lets go of it before the next spawn counts */
            assert_wbemev_status(wbemev_dispatcher_wait_idle(d, 60000), WBEMEV_S_NO_ERROR);
        wbemev_object_release(e[0]);
        wbemev_object_release(e[1]);
    }
    /* A violation whose record could not be allocated is still counted. */
    assert_true(wbemev_dispatcher_violations_of(d, WBEMEV_VIOLATION_OBJECT_REINDICATED) >= 1 ||
                wbemev_dispatcher_violation_count(d) == 0);
    wbemev_class_release(ev);

    STEP(wbemev_dispatcher_unsubscribe(d, id_some), assert_int_equal(wbemev_dispatcher_subscription_count(d), nsubs));
    assert_int_equal(statuses(some), 1);
    assert_int_equal(fake_consumer_refs(some), 1);
    STEP(wbemev_dispatcher_unregister(d, "P"), NOTHING);
    wbemev_dispatcher_shutdown(d);
    assert_int_equal(statuses(all), 1);
    assert_int_equal(fake_consumer_final_status(all), WBEMEV_E_SHUTTING_DOWN);
    assert_int_equal(fake_consumer_refs(all), 1);
    wbemev_dispatcher_destroy(d);
    assert_int_equal(fake_provider_refs(p), 1);
    test_fakes_teardown(&fakes); /* ours was the last reference: the provider lets go of its sink */
}

static void scenario_dispatcher(void)
{
    scenario_dispatcher_with(WBEMEV_DELIVERY_SYNC);
}

/* Queued delivery: a worker thread delivers, so the consumer counts are read after wait_idle. */
static void scenario_dispatcher_queued(void)
{
    scenario_dispatcher_with(WBEMEV_DELIVERY_QUEUED);
}

/* A provider registered after the subscriptions exist (catch-up: NewQuery, ProvideEvents), and a
 * module registration. */
static wbemev_status module_create(void *ctx, const wbemev_module_args *args, wbemev_provider_t **out)
{
    (void)args;
    fake_provider *p = ctx;
    fake_provider_add_ref(p);
    *out = fake_provider_base(p);
    return WBEMEV_S_NO_ERROR;
}

static void scenario_late_provider(void)
{
    wbemev_dispatcher_t *d = NULL;
    STEP(wbemev_dispatcher_new(NULL, &d), assert_null(d));
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(d);
    define_classes(ns);
    test_fakes fakes = {0};
    fake_consumer *c = counting_consumer(&fakes);
    fake_consumer_set_subscriptions(c, 2); /* one on Ev, one on Reg_Event */
    uint32_t id = 0;
    STEP(wbemev_dispatcher_subscribe(d, "SELECT * FROM Ev WHERE Severity > 1", fake_consumer_sink(c), NULL, &id),
         assert_int_equal(wbemev_dispatcher_subscription_count(d), 0));

    fake_provider *p = test_fakes_provider(&fakes);
    static const char *const queries[] = {"SELECT * FROM Ev"};
    wbemev_provider_stats ps;
    STEP(wbemev_dispatcher_register(d, "Late", fake_provider_base(p), queries, 1),
         assert_int_equal(fake_provider_refs(p), 1);
         assert_wbemev_status(wbemev_dispatcher_provider_stats(d, "Late", &ps), WBEMEV_E_NOT_FOUND));
    /* Registered after the subscription: it must have been told about it and activated. */
    assert_int_equal(queries_of(p), 1);
    assert_non_null(fake_provider_sink(p));

    static const wbemev_class_def defs[] = {
        {"Reg_Base", NULL, base_props, 2},
        {"Reg_Event", "__ExtrinsicEvent", sub_props, 1},
    };
    static const char *const mqueries[] = {"SELECT * FROM Reg_Event"};
    static const wbemev_registration reg = {"root\\default", "ModProvider", NULL, NULL, defs, 2, mqueries, 1};
    fake_provider *mp = test_fakes_provider(&fakes);
    const wbemev_module module = {WBEMEV_MODULE_ABI_VERSION, (uint32_t)sizeof(wbemev_module),
                                  WBEMEV_VERSION_HEX, &reg, module_create, mp, NULL, NULL};
    size_t classes = wbemev_namespace_class_count(ns);
    STEP(wbemev_module_register(d, &module, NULL), assert_int_equal(wbemev_namespace_class_count(ns), classes);
         assert_int_equal(fake_provider_refs(mp), 1));
    uint32_t id2 = 0;
    STEP(wbemev_dispatcher_subscribe(d, "SELECT * FROM Reg_Event", fake_consumer_sink(c), NULL, &id2),
         assert_int_equal(wbemev_dispatcher_subscription_count(d), 1));
    assert_non_null(fake_provider_sink(mp));
    wbemev_dispatcher_destroy(d);
    assert_int_equal(fake_provider_refs(p), 1);
    assert_int_equal(fake_provider_refs(mp), 1);
    assert_int_equal(fake_consumer_refs(c), 1);
    assert_int_equal(statuses(c), 2);
    test_fakes_teardown(&fakes); /* our references were the last: the providers let go of their sinks */
}

/* ------------------------------------------------------------------------------------------------
 * The driver
 */
static void run_one(void (*fn)(void), long fail_at)
{
    atomic_store(&g.calls, 0);
    g.fail_at = fail_at;
    atomic_store(&g.failed, false);
    g.reported = false;
    g.fail_step = NULL;
    g.step = NULL;
    fn();
    g.fail_at = 0;
    if (wbemev_live_objects() != 0 || wbemev_live_allocations() != 0)
        fail_msg("failing allocation %ld (during %s): %zu objects and %zu blocks leaked", fail_at,
                 g.fail_step ? g.fail_step : "?", wbemev_live_objects(), wbemev_live_allocations());
}

static void run_scenario(const char *name, void (*fn)(void))
{
    assert_wbemev_ok(wbemev_set_allocator(&failing_allocator));
    g.trace = getenv("WBEMEV_OOM_TRACE") != NULL;
    long total = 0, reported = 0, absorbed = 0, missed = 0;
    /* n == 0 is the counting run. One call site for run_one: the call stacks (sites) of the
     * counting run and of the failing runs must be the same. */
    for (long n = 0; n <= total; n++) {
        g.counting = n == 0;
        run_one(fn, n);
        if (n == 0) {
            total = atomic_load(&g.calls);
            continue;
        }
        if (!atomic_load(&g.failed)) {
            missed++; /* a nondeterministic path (threads) made fewer allocations this time */
            continue;
        }
        g.failures++;
        if (g.reported) {
            reported++;
        } else {
            absorbed++;
            if (getenv("WBEMEV_OOM_VERBOSE") != NULL)
                fprintf(stderr, "  %s: allocation %ld absorbed during %s\n", name, n,
                        g.fail_step ? g.fail_step : "(no step)");
        }
    }
    g.reported_total += reported;
    g.absorbed_total += absorbed;
    printf("[ oom      ] %-22s %4ld allocations: %ld reported as out of memory, %ld absorbed%s\n", name,
           total, reported, absorbed, missed ? " (some runs allocated less)" : "");
    assert_wbemev_ok(wbemev_set_allocator(NULL));
}

static void test_every_allocation_fails_once(void **state)
{
    (void)state;
    run_scenario("classes", scenario_classes);
    run_scenario("objects", scenario_objects);
    run_scenario("sinks", scenario_sinks);
    run_scenario("dispatcher (sync)", scenario_dispatcher);
    /* Queued delivery: projection views are made on the provider's thread; one that cannot be
     * allocated is a counted drop the consumer is told of, like in the synchronous case. */
    run_scenario("dispatcher (queued)", scenario_dispatcher_queued);
    run_scenario("late provider, module", scenario_late_provider);
    run_scenario("mof reader", scenario_mof);

    size_t sites = 0, unfailed = 0;
    for (size_t i = 0; i < MAX_SITES; i++) {
        if (g.sites[i] == 0 || !g.site_reached[i])
            continue;
        sites++;
        if (!g.site_failed[i]) {
            unfailed++;
            printf("[ oom      ] reached, never failed: %s:%d\n", g.site_file[i], g.site_line[i]);
        }
    }
    printf("[ oom      ] %zu sites, %ld failures exercised (%ld reported as out of memory, %ld absorbed); "
           "%ld projected deliveries dropped by out of memory (each counted and told to the consumer)\n",
           sites, g.failures, g.reported_total, g.absorbed_total, g.lost_projected);
    assert_int_equal(unfailed, 0);
    wbemev_test_assert_no_leaks();
}

/* The hook itself: NULL functions refused, a change refused while blocks are alive. */
static void test_allocator_hook(void **state)
{
    (void)state;
    wbemev_allocator bad = failing_allocator;
    bad.free = NULL;
    assert_wbemev_status(wbemev_set_allocator(&bad), WBEMEV_E_INVALID_PARAMETER);
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("x", &ns));
    assert_wbemev_status(wbemev_set_allocator(&failing_allocator), WBEMEV_E_INVALID_OPERATION);
    assert_wbemev_ok(wbemev_set_allocator(NULL)); /* the same (default) allocator: allowed */
    wbemev_namespace_release(ns);
    assert_int_equal(wbemev_live_allocations(), 0);
    assert_wbemev_ok(wbemev_set_allocator(&failing_allocator));
    assert_wbemev_ok(wbemev_set_allocator(&failing_allocator));
    assert_wbemev_ok(wbemev_set_allocator(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocator_hook),
        cmocka_unit_test(test_every_allocation_fails_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
