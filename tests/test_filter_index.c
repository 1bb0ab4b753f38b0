/*
 * tests/test_filter_index.c: the dispatcher's filter index against evaluating every WHERE.
 *
 * Many generated subscriptions (equality, ranges, LIKE prefixes, OR, ISA, what cannot be indexed,
 * mixed types, NULLs) get many generated events; what each consumer receives, in which order, and
 * its filtered count must be what evaluating every WHERE gives (the white-box switch
 * wbemev__index_set_full_evaluation, and wbemev_query_matches). Subscriptions are added and removed
 * between the rounds (the index's delta and its merges), and while another thread indicates.
 */
#include "test_support.h"
#include "dispatch/dispatch.h"
#include "fake_provider.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocations: counted while `counting` (the steady state makes none) ---- */

static atomic_bool counting;
static atomic_uint_fast64_t allocations;

static void *count_malloc(void *ctx, size_t size)
{
    (void)ctx;
    if (atomic_load(&counting))
        atomic_fetch_add(&allocations, 1);
    return malloc(size);
}

static void *count_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (atomic_load(&counting))
        atomic_fetch_add(&allocations, 1);
    return realloc(ptr, size);
}

static void count_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

/* ---- a small deterministic generator ---- */

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

/* ---- the world ---- */

#define MAX_SUBS 600
#define MAX_EVENTS 400
#define MAX_LOG (MAX_SUBS * MAX_EVENTS)

typedef struct world world;

typedef struct sub_slot {
    world *w;
    int index;
    uint32_t id;
    bool live;
    char text[400];
    wbemev_query_t *q; /* compiled by the test, for the expectation */
    wbemev_sink_t *sink;
} sub_slot;

struct world {
    wbemev_dispatcher_t *d;
    wbemev_namespace_t *ns;
    fake_provider *p;
    wbemev_class_t *ev_cls, *sub_cls, *a_cls, *b_cls, *c_cls;
    sub_slot subs[MAX_SUBS];
    int nsubs;
    wbemev_object_t *events[MAX_EVENTS];
    int nevents;
    /* what the consumers received: (event, subscription) in delivery order */
    int current_event;
    int (*log)[2];
    size_t nlog;
};

static wbemev_status on_event(void *ctx, wbemev_object_t *event)
{
    sub_slot *s = ctx;
    world *w = s->w;
    assert_ptr_equal(event, w->events[w->current_event]);
    if (w->nlog < MAX_LOG) {
        w->log[w->nlog][0] = w->current_event;
        w->log[w->nlog][1] = s->index;
        w->nlog++;
    }
    return WBEMEV_S_NO_ERROR;
}

#define P(n, t) {(n), (t), NULL}

static void world_init(world *w)
{
    memset(w, 0, sizeof *w);
    w->log = calloc(MAX_LOG, sizeof *w->log);
    assert_non_null(w->log);
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = WBEMEV_CONTRACT_OFF; /* the same events are indicated in each pass */
    assert_wbemev_ok(wbemev_dispatcher_new(&o, &w->d));
    w->ns = wbemev_dispatcher_namespace(w->d);
    static const wbemev_property_def ev_props[] = {
        P("Name", WBEMEV_CIM_STRING), P("S", WBEMEV_CIM_SINT32),   P("U", WBEMEV_CIM_UINT64),
        P("R", WBEMEV_CIM_REAL64),    P("B", WBEMEV_CIM_BOOLEAN),  P("When", WBEMEV_CIM_DATETIME),
        P("C", WBEMEV_CIM_CHAR16),    P("Obj", WBEMEV_CIM_OBJECT), P("Nums", WBEMEV_CIM_SINT32 | WBEMEV_CIM_FLAG_ARRAY)};
    static const wbemev_property_def sub_props[] = {P("Extra", WBEMEV_CIM_STRING)};
    static const wbemev_property_def a_props[] = {P("Name", WBEMEV_CIM_STRING), P("N", WBEMEV_CIM_UINT32)};
    static const wbemev_property_def b_props[] = {P("More", WBEMEV_CIM_STRING)};
    assert_wbemev_ok(wbemev_namespace_define_class(w->ns, "Fx_Event", "__ExtrinsicEvent", ev_props,
                                                   sizeof ev_props / sizeof ev_props[0], &w->ev_cls));
    assert_wbemev_ok(wbemev_namespace_define_class(w->ns, "Fx_SubEvent", "Fx_Event", sub_props, 1, &w->sub_cls));
    assert_wbemev_ok(wbemev_namespace_define_class(w->ns, "Fx_A", NULL, a_props, 2, &w->a_cls));
    assert_wbemev_ok(wbemev_namespace_define_class(w->ns, "Fx_B", "Fx_A", b_props, 1, &w->b_cls));
    assert_wbemev_ok(wbemev_namespace_define_class(w->ns, "Fx_C", NULL, a_props, 2, &w->c_cls));
    w->p = fake_provider_new();
    const char *list[] = {"SELECT * FROM Fx_Event", "SELECT * FROM __InstanceCreationEvent"};
    assert_wbemev_ok(wbemev_dispatcher_register(w->d, "P", fake_provider_base(w->p), list, 2));
}

static void world_fini(world *w)
{
    wbemev_dispatcher_destroy(w->d);
    for (int i = 0; i < w->nsubs; i++) {
        if (w->subs[i].sink != NULL)
            wbemev_sink_release(w->subs[i].sink);
        wbemev_query_release(w->subs[i].q);
    }
    for (int i = 0; i < w->nevents; i++)
        wbemev_object_release(w->events[i]);
    wbemev_class_release(w->ev_cls);
    wbemev_class_release(w->sub_cls);
    wbemev_class_release(w->a_cls);
    wbemev_class_release(w->b_cls);
    wbemev_class_release(w->c_cls);
    fake_provider_release(w->p);
    fake_provider_free(w->p);
    free(w->log);
}

/* ---- generated subscriptions ---- */

/* A third of the names are long: past what the index keeps of a literal in place. */
static const char *long_tail(uint64_t *s)
{
    return rnd(s) % 3 == 0 ? ".a-process-name-longer-than-most.EXE" : "";
}

/* One conjunct on Fx_Event's properties (or an intrinsic event's TargetInstance). */
static void atom(uint64_t *s, bool intrinsic, char *out, size_t size)
{
    int k = (int)(rnd(s) % 7) - 3;
    if (intrinsic) {
        static const char *const classes[] = {"Fx_A", "Fx_B", "Fx_C"};
        switch (rnd(s) % 5) {
        case 0:
        case 1: snprintf(out, size, "TargetInstance ISA '%s'", classes[rnd(s) % 3]); return;
        case 2: snprintf(out, size, "TargetInstance.Name = '%c%u'", rnd(s) % 2 ? 'n' : 'N', rnd(s) % 4); return;
        case 3: snprintf(out, size, "TargetInstance.N >= %u", rnd(s) % 4); return;
        default: snprintf(out, size, "TargetInstance.Name LIKE 'n%%'"); return;
        }
    }
    switch (rnd(s) % 24) {
    case 0:
    case 1:
    case 2: snprintf(out, size, "Name = '%c%u%s'", rnd(s) % 3 ? 'n' : 'N', rnd(s) % 6, long_tail(s)); break;
    case 3: snprintf(out, size, "Name LIKE '%s%%'", rnd(s) % 2 ? "n" : "N1"); break;
    case 4: snprintf(out, size, "Name LIKE 'n_'"); break;
    case 5: snprintf(out, size, "S = %d", k); break;
    case 6: snprintf(out, size, "S > %d", k); break;
    case 7: snprintf(out, size, "S <= %d", k); break;
    case 8: snprintf(out, size, "S >= %d AND S < %d", k, k + 2); break;
    case 9: snprintf(out, size, "%d < S", k); break;
    case 10: snprintf(out, size, "U = %u", rnd(s) % 4); break;
    case 11: snprintf(out, size, "U < %u", rnd(s) % 4); break;
    case 12: snprintf(out, size, "R = %d.5", k); break;
    case 13: snprintf(out, size, "R >= %d", k); break;
    case 14: snprintf(out, size, "B = %s", rnd(s) % 2 ? "TRUE" : "FALSE"); break;
    case 15: snprintf(out, size, "B = %u", rnd(s) % 2); break;
    case 16: snprintf(out, size, "When > '2024010%u000000.000000+000'", 1 + rnd(s) % 5); break;
    case 17: snprintf(out, size, "When = '20240103000000.000000+000'"); break;
    case 18: snprintf(out, size, "C = '%c'", rnd(s) % 2 ? 'a' : 'B'); break;
    case 19: snprintf(out, size, "S <> %d", k); break; /* not indexable */
    case 20: snprintf(out, size, "NOT (Name = 'n%u')", rnd(s) % 3); break;
    case 21: snprintf(out, size, "Name IS %sNULL", rnd(s) % 2 ? "NOT " : ""); break;
    case 22: snprintf(out, size, "S = %d.0", k); break;
    default: snprintf(out, size, "U > %d", k); break;
    }
}

static void gen_query(uint64_t *s, char *out, size_t size)
{
    static const char *const froms[] = {"Fx_Event", "Fx_Event", "Fx_Event", "Fx_SubEvent", "__InstanceCreationEvent"};
    const char *from = froms[rnd(s) % 5];
    bool intrinsic = from[0] == '_';
    int n = snprintf(out, size, "SELECT * FROM %s", from);
    if (rnd(s) % 10 == 0)
        return; /* no WHERE */
    n += snprintf(out + n, size - (size_t)n, " WHERE ");
    unsigned nd = 1 + rnd(s) % 3;
    for (unsigned d = 0; d < nd; d++) {
        unsigned nc = 1 + rnd(s) % 3;
        if (d > 0)
            n += snprintf(out + n, size - (size_t)n, " OR ");
        n += snprintf(out + n, size - (size_t)n, "(");
        for (unsigned c = 0; c < nc; c++) {
            char a[96];
            atom(s, intrinsic, a, sizeof a);
            n += snprintf(out + n, size - (size_t)n, "%s%s", c ? " AND " : "", a);
        }
        n += snprintf(out + n, size - (size_t)n, ")");
    }
}

static void add_sub(world *w, uint64_t *s)
{
    assert_true(w->nsubs < MAX_SUBS);
    sub_slot *slot = &w->subs[w->nsubs];
    slot->w = w;
    slot->index = w->nsubs;
    gen_query(s, slot->text, sizeof slot->text);
    wbemev_query_error err;
    if (WBEMEV_FAILED(wbemev_query_compile(slot->text, w->ns, &slot->q, &err))) {
        print_error("%s: %s\n", slot->text, err.message);
        fail();
    }
    assert_wbemev_ok(wbemev_callback_sink_new(on_event, NULL, slot, &slot->sink));
    assert_wbemev_status(wbemev_dispatcher_subscribe(w->d, slot->text, slot->sink, NULL, &slot->id),
                         WBEMEV_S_NO_ERROR);
    slot->live = true;
    w->nsubs++;
}

static void remove_sub(world *w, int i)
{
    assert_wbemev_ok(wbemev_dispatcher_unsubscribe(w->d, w->subs[i].id));
    w->subs[i].live = false;
}

/* ---- generated events ---- */

static void put(wbemev_object_t *o, const char *name, wbemev_value v)
{
    assert_wbemev_ok(wbemev_object_put(o, name, &v));
}

static bool maybe(uint64_t *s)
{
    return rnd(s) % 5 != 0; /* one property in five stays NULL */
}

static wbemev_object_t *gen_event(world *w, uint64_t *s)
{
    wbemev_object_t *o = NULL;
    if (rnd(s) % 5 == 0) {
        wbemev_class_t *ic = NULL;
        assert_wbemev_ok(wbemev_namespace_get_class(w->ns, "__InstanceCreationEvent", &ic));
        assert_wbemev_ok(wbemev_class_spawn_instance(ic, &o));
        wbemev_class_release(ic);
        if (maybe(s)) {
            wbemev_class_t *const cs[] = {w->a_cls, w->b_cls, w->c_cls};
            wbemev_object_t *t = NULL;
            assert_wbemev_ok(wbemev_class_spawn_instance(cs[rnd(s) % 3], &t));
            char name[8];
            snprintf(name, sizeof name, "%c%u", rnd(s) % 2 ? 'n' : 'x', rnd(s) % 4);
            if (maybe(s))
                put(t, "Name", WBEMEV_V_STRING(name));
            if (maybe(s))
                put(t, "N", WBEMEV_V_UINT32(rnd(s) % 5));
            put(o, "TargetInstance", WBEMEV_V_OBJECT(t));
            wbemev_object_release(t);
        }
        return o;
    }
    assert_wbemev_ok(wbemev_class_spawn_instance(rnd(s) % 3 ? w->ev_cls : w->sub_cls, &o));
    char name[64];
    snprintf(name, sizeof name, "%c%u%s", rnd(s) % 3 ? 'n' : 'N', rnd(s) % 7, long_tail(s));
    if (maybe(s))
        put(o, "Name", WBEMEV_V_STRING(rnd(s) % 10 ? name : "n"));
    if (maybe(s))
        put(o, "S", WBEMEV_V_SINT32((int32_t)(rnd(s) % 9) - 4));
    if (maybe(s))
        put(o, "U", WBEMEV_V_UINT64(rnd(s) % 10 ? rnd(s) % 5 : UINT64_MAX));
    if (maybe(s))
        put(o, "R", WBEMEV_V_REAL64((double)((int)(rnd(s) % 9) - 4) + (rnd(s) % 2 ? 0.5 : 0)));
    if (maybe(s))
        put(o, "B", WBEMEV_V_BOOLEAN(rnd(s) % 2));
    if (maybe(s)) {
        wbemev_datetime dt;
        char text[32];
        snprintf(text, sizeof text, "2024010%u000000.000000+000", 1 + rnd(s) % 6);
        assert_wbemev_ok(wbemev_datetime_parse(text, &dt));
        put(o, "When", WBEMEV_V_DATETIME(dt));
    }
    if (maybe(s))
        put(o, "C", WBEMEV_V_CHAR16(rnd(s) % 2 ? 'A' : 'b'));
    if (rnd(s) % 4 == 0) {
        static const int32_t nums[] = {1, 2};
        put(o, "Nums", WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, nums, 2));
    }
    return o;
}

/* ---- running and comparing ---- */

/* Indicates every event, one call each; the log holds what was delivered. */
static void indicate_all(world *w)
{
    w->nlog = 0;
    for (int i = 0; i < w->nevents; i++) {
        w->current_event = i;
        assert_wbemev_status(fake_provider_indicate1(w->p, w->events[i]), WBEMEV_S_NO_ERROR);
    }
}

/* True when event e goes to subscription s (its class on the event's chain, and its WHERE). */
static bool expected(world *w, int s, int e)
{
    return w->subs[s].live && wbemev_query_matches(w->subs[s].q, w->events[e]);
}

/* Reorders a log by consumer, keeping each consumer's order (a stable counting sort). */
static void per_consumer(const world *w, int (*log)[2], size_t n)
{
    static size_t start[MAX_SUBS + 1];
    int (*tmp)[2] = malloc((n ? n : 1) * sizeof *tmp);
    assert_non_null(tmp);
    memset(start, 0, sizeof start);
    for (size_t i = 0; i < n; i++)
        start[log[i][1] + 1]++;
    for (int s = 0; s < w->nsubs; s++)
        start[s + 1] += start[s];
    for (size_t i = 0; i < n; i++)
        memcpy(tmp[start[log[i][1]]++], log[i], sizeof *tmp);
    memcpy(log, tmp, n * sizeof *tmp);
    free(tmp);
}

/* Runs every event with the filter index and with every WHERE evaluated: each consumer receives
 * the same events in the same order both times, each (event, subscription) pair delivered exactly
 * when its WHERE matches, and each subscription's filtered count grows by the events of its class
 * it did not pass, both times. */
static void compare(world *w)
{
    uint64_t filtered_before[MAX_SUBS];
    for (int i = 0; i < w->nsubs; i++) {
        wbemev_subscription_stats st;
        filtered_before[i] = 0;
        if (w->subs[i].live) {
            assert_wbemev_ok(wbemev_dispatcher_subscription_stats(w->d, w->subs[i].id, &st));
            filtered_before[i] = st.filtered;
        }
    }
    size_t nlog_indexed;
    int (*indexed)[2] = calloc(MAX_LOG, sizeof *indexed);
    assert_non_null(indexed);
    assert_wbemev_ok(wbemev__index_set_full_evaluation(w->d, false));
    indicate_all(w);
    nlog_indexed = w->nlog;
    memcpy(indexed, w->log, w->nlog * sizeof *w->log);
    assert_wbemev_ok(wbemev__index_set_full_evaluation(w->d, true));
    indicate_all(w);
    assert_wbemev_ok(wbemev__index_set_full_evaluation(w->d, false));
    int failures = 0;
    /* What each consumer received, in order (the documented order; how the events of one call
     * interleave across consumers is the batching's, not the filter's). */
    per_consumer(w, indexed, nlog_indexed);
    per_consumer(w, w->log, w->nlog);
    if (nlog_indexed != w->nlog || memcmp(indexed, w->log, w->nlog * sizeof *w->log) != 0) {
        size_t i = 0;
        while (i < nlog_indexed && i < w->nlog && memcmp(indexed[i], w->log[i], sizeof w->log[i]) == 0)
            i++;
        print_error("the filter index delivered %zu, every WHERE %zu; first difference at %zu\n", nlog_indexed,
                    w->nlog, i);
        if (i < w->nlog)
            print_error("  expected event %d to \"%s\"\n", w->log[i][0], w->subs[w->log[i][1]].text);
        if (i < nlog_indexed)
            print_error("  got event %d to \"%s\"\n", indexed[i][0], w->subs[indexed[i][1]].text);
        failures++;
    }
    /* Against the evaluation, pair by pair. */
    static bool got[MAX_EVENTS][MAX_SUBS];
    memset(got, 0, sizeof got);
    for (size_t i = 0; i < w->nlog; i++)
        got[w->log[i][0]][w->log[i][1]] = true;
    for (int e = 0; e < w->nevents; e++) {
        for (int s = 0; s < w->nsubs; s++) {
            if (got[e][s] != expected(w, s, e)) {
                print_error("event %d, \"%s\": %s\n", e, w->subs[s].text, got[e][s] ? "delivered" : "missing");
                failures++;
            }
        }
    }
    /* The filtered counts: twice the events of the subscription's class that it did not pass. */
    for (int s = 0; s < w->nsubs; s++) {
        if (!w->subs[s].live)
            continue;
        uint64_t want = 0;
        const wbemev_class_t *from = wbemev_query_class(w->subs[s].q);
        for (int e = 0; e < w->nevents; e++)
            if (wbemev_class_inherits_from(wbemev_object_class(w->events[e]), from) && !expected(w, s, e))
                want += 2;
        wbemev_subscription_stats st;
        assert_wbemev_ok(wbemev_dispatcher_subscription_stats(w->d, w->subs[s].id, &st));
        if (st.filtered - filtered_before[s] != want) {
            print_error("\"%s\": filtered %llu, expected %llu\n", w->subs[s].text,
                        (unsigned long long)(st.filtered - filtered_before[s]), (unsigned long long)want);
            failures++;
        }
    }
    free(indexed);
    assert_int_equal(failures, 0);
}

static void test_generated(void **state)
{
    (void)state;
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    world_init(w);
    uint64_t s = 12345;
    for (int i = 0; i < 300; i++)
        w->events[w->nevents++] = gen_event(w, &s);
    for (int i = 0; i < 250; i++)
        add_sub(w, &s);
    compare(w);
    /* Remove some (in the base and in the delta), add more: the delta, then merges. */
    for (int i = 0; i < 250; i += 1 + (int)(rnd(&s) % 4))
        remove_sub(w, i);
    for (int i = 0; i < 40; i++)
        add_sub(w, &s);
    compare(w);
    for (int i = 0; i < 200; i++)
        add_sub(w, &s);
    for (int i = 250; i < w->nsubs; i += 2)
        remove_sub(w, i);
    compare(w);
    world_fini(w);
    free(w);
}

/* The steady state allocates nothing per event, with the index in use. */
static void test_no_allocation_per_event(void **state)
{
    (void)state;
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    world_init(w);
    uint64_t s = 777;
    for (int i = 0; i < 200; i++)
        w->events[w->nevents++] = gen_event(w, &s);
    for (int i = 0; i < 300; i++)
        add_sub(w, &s);
    indicate_all(w); /* warm: the checker is off, nothing is made lazily */
    atomic_store(&allocations, 0);
    atomic_store(&counting, true);
    indicate_all(w);
    atomic_store(&counting, false);
    assert_true(w->nlog > 0);
    assert_int_equal(atomic_load(&allocations), 0);
    world_fini(w);
    free(w);
}

/* ---- subscriptions coming and going while another thread indicates ---- */

enum { CHURN_SUBS = 40, CHURN_ROUNDS = 300 };

typedef struct churn_sub {
    atomic_uint_fast64_t count;  /* events received */
    atomic_uint_fast64_t last;   /* the last one's sequence number + 1 */
    atomic_bool wrong;           /* one arrived that its WHERE rejects, or out of order */
    wbemev_query_t *q;
    wbemev_sink_t *sink;
    uint32_t id;
    unsigned key;
} churn_sub;

typedef struct churn {
    world w;
    atomic_bool stop;
    atomic_uint_fast64_t started, done; /* events whose Indicate began / returned */
    churn_sub subs[CHURN_SUBS];
} churn;

static wbemev_status churn_on_event(void *ctx, wbemev_object_t *event)
{
    churn_sub *cs = ctx;
    uint64_t seq = 0;
    if (WBEMEV_FAILED(wbemev_object_get_uint64(event, "U", &seq)) || !wbemev_query_matches(cs->q, event) ||
        seq + 1 <= atomic_load(&cs->last))
        atomic_store(&cs->wrong, true);
    atomic_store(&cs->last, seq + 1);
    atomic_fetch_add(&cs->count, 1);
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status ignore_event(void *ctx, wbemev_object_t *event)
{
    (void)ctx, (void)event;
    return WBEMEV_S_NO_ERROR;
}

static void *indicator(void *arg)
{
    churn *c = arg;
    wbemev_sink_t *sink = fake_provider_sink(c->w.p);
    uint64_t seq = 0;
    while (!atomic_load(&c->stop)) {
        wbemev_object_t *o = NULL;
        if (WBEMEV_FAILED(wbemev_class_spawn_instance(c->w.ev_cls, &o)))
            abort();
        char name[16];
        snprintf(name, sizeof name, "n%u", (unsigned)(seq % 16));
        wbemev_value v = WBEMEV_V_STRING(name);
        wbemev_object_put(o, "Name", &v);
        v = WBEMEV_V_UINT64(seq);
        wbemev_object_put(o, "U", &v);
        v = WBEMEV_V_SINT32((int32_t)(seq % 7));
        wbemev_object_put(o, "S", &v);
        atomic_store(&c->started, seq + 1);
        wbemev_sink_indicate(sink, 1, &o);
        atomic_store(&c->done, seq + 1);
        wbemev_object_release(o);
        seq++;
    }
    return NULL;
}

static bool churn_expects(const churn_sub *cs, uint64_t seq)
{
    /* the queries below, by key: Name = 'n<key>', or S >= key % 7 AND Name LIKE 'n%' */
    if (cs->key % 2 == 0)
        return seq % 16 == cs->key % 16;
    return (seq % 7) >= cs->key % 7;
}

static void test_churn_while_indicating(void **state)
{
    (void)state;
    churn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    world_init(&c->w);
    /* a base of other subscriptions, so the churn goes through the delta and merges */
    uint64_t s = 99;
    wbemev_sink_t *quiet = NULL;
    assert_wbemev_ok(wbemev_callback_sink_new(ignore_event, NULL, NULL, &quiet));
    for (int i = 0; i < 60; i++) {
        char text[400];
        uint32_t id;
        gen_query(&s, text, sizeof text);
        assert_wbemev_status(wbemev_dispatcher_subscribe(c->w.d, text, quiet, NULL, &id), WBEMEV_S_NO_ERROR);
    }
    /* provide_events has been called: the provider's sink exists */
    assert_non_null(fake_provider_sink(c->w.p));
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, indicator, c), 0);
    int failures = 0;
    for (int round = 0; round < CHURN_ROUNDS; round++) {
        churn_sub *cs = &c->subs[round % CHURN_SUBS];
        if (cs->sink != NULL) {
            assert_wbemev_ok(wbemev_dispatcher_unsubscribe(c->w.d, cs->id));
            uint64_t count = atomic_load(&cs->count);
            if (atomic_load(&cs->wrong))
                failures++;
            /* nothing more arrives once unsubscribe has returned: let a few whole Indicates
             * begin and end after it (a count of events, not of time), then count again */
            uint64_t after = atomic_load(&c->started);
            while (atomic_load(&c->done) < after + 5)
                wbemev__thread_yield();
            if (atomic_load(&cs->count) != count)
                failures++;
            wbemev_sink_release(cs->sink);
            wbemev_query_release(cs->q);
            cs->sink = NULL;
        }
        cs->key = (unsigned)round;
        char text[160];
        if (cs->key % 2 == 0)
            snprintf(text, sizeof text, "SELECT * FROM Fx_Event WHERE Name = 'n%u'", cs->key % 16);
        else
            snprintf(text, sizeof text, "SELECT * FROM Fx_Event WHERE S >= %u AND Name LIKE 'n%%'", cs->key % 7);
        assert_wbemev_ok(wbemev_query_compile(text, c->w.ns, &cs->q, NULL));
        atomic_store(&cs->count, 0);
        atomic_store(&cs->last, 0);
        atomic_store(&cs->wrong, false);
        assert_wbemev_ok(wbemev_callback_sink_new(churn_on_event, NULL, cs, &cs->sink));
        assert_wbemev_status(wbemev_dispatcher_subscribe(c->w.d, text, cs->sink, NULL, &cs->id), WBEMEV_S_NO_ERROR);
        uint64_t first = atomic_load(&c->started); /* every event numbered from here sees it */
        /* Every event that began after subscribe returned and is done is delivered (those its
         * WHERE matches): wait for a few, then count. */
        while (atomic_load(&c->done) < first + 20)
            wbemev__thread_yield();
        uint64_t last = atomic_load(&c->done);
        uint64_t want = 0;
        for (uint64_t q = first; q < last; q++)
            want += churn_expects(cs, q);
        if (atomic_load(&cs->count) < want) {
            print_error("round %d: %llu events, at least %llu expected\n", round,
                        (unsigned long long)atomic_load(&cs->count), (unsigned long long)want);
            failures++;
        }
    }
    atomic_store(&c->stop, true);
    pthread_join(t, NULL);
    for (int i = 0; i < CHURN_SUBS; i++) {
        if (atomic_load(&c->subs[i].wrong))
            failures++;
    }
    assert_int_equal(failures, 0);
    world_fini(&c->w); /* ends the rest */
    wbemev_sink_release(quiet);
    for (int i = 0; i < CHURN_SUBS; i++) {
        if (c->subs[i].sink != NULL) {
            wbemev_sink_release(c->subs[i].sink);
            wbemev_query_release(c->subs[i].q);
        }
    }
    free(c);
}

int main(void)
{
    wbemev_allocator counter = {count_malloc, count_realloc, count_free, NULL};
    if (WBEMEV_FAILED(wbemev_set_allocator(&counter)))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_no_allocation_per_event),
        cmocka_unit_test(test_churn_while_indicating),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
