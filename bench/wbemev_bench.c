/*
 * bench/wbemev_bench.c: wbemev's benchmark.
 *
 *   wbemev_bench [--quick] [--reps N] [--events N] [--only MODE] [--batch N] [--no-glib]
 *
 * Runs, side by side in one process and interleaved round by round so that machine noise hits every
 * peer alike: the floor (plain C structs and function pointers), the GLib peer (GVariant + GSignal),
 * and wbemev synchronous, queued (one worker), contract checker off and strict. Then burst sizes,
 * subscription scaling, allocation counts and queued burst latency. Prints a table, then one JSON
 * line, last. Targets are reported, never enforced: the exit status is non-zero only when the
 * benchmark itself fails (a setup error, or events lost on the synchronous path).
 * See bench/README.md for what each figure means.
 */
#include "bench.h"

#include <wbemev.h>
#include <wbemev/thread.h> /* the second producer thread */

#include "fake_provider.h" /* the tests' fake provider (tests/support) */

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_MSC_VER)
#define BENCH_THREAD_LOCAL __declspec(thread)
#else
#define BENCH_THREAD_LOCAL _Thread_local
#endif

#ifndef WBEMEV_BENCH_BUILD
#define WBEMEV_BENCH_BUILD "unknown build"
#endif

#define BATCH_MAX 400u
#define NUM_UNRELATED 5
#define NUM_WHERES 3
static const unsigned unrelated_counts[NUM_UNRELATED] = {0, 1, 10, 100, 1000};
static const unsigned where_counts[NUM_WHERES] = {1, 10, 100};
#define NUM_GROUPS 3
static const uint64_t group_counts[NUM_GROUPS] = {1, 1000, 100000};
#define NUM_BURSTS 4
static const uint64_t burst_sizes_full[NUM_BURSTS] = {400, 4000, 40000, 1000000};

/* ================================================================================================
 * Counting allocator: installed before anything is created; counts only while g_counting is set
 * (a relaxed load, a plain move on common hardware, when it is not).
 */
static atomic_bool g_counting;
static atomic_uint_fast64_t g_allocs, g_bytes;

static void count(size_t size)
{
    if (atomic_load_explicit(&g_counting, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&g_allocs, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&g_bytes, size, memory_order_relaxed);
    }
}

static void *count_malloc(void *ctx, size_t size)
{
    (void)ctx;
    count(size);
    return malloc(size);
}

static void *count_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    count(size);
    return realloc(ptr, size);
}

static void count_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

/* ================================================================================================
 * Small statistics
 */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-th percentile (0..100, nearest rank) of v[0..n); sorts v. NaN when n is 0. */
static double percentile(double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

static double median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Events in [first, first + n) that pass Severity > 2 (severity = seq % 5, passing 3 and 4). */
static uint64_t severe_below(uint64_t x)
{
    uint64_t r = x % 5u;
    return x / 5u * 2u + (r > 3u ? r - 3u : 0u);
}
static uint64_t expected_severe(uint64_t first, uint64_t n)
{
    return severe_below(first + n) - severe_below(first);
}

/* ================================================================================================
 * The wbemev side: a provider that keeps its sink (the fake, with ProvideEvents only), counting
 * consumers, one dispatcher per mode.
 */
static BENCH_THREAD_LOCAL bool tls_producer; /* set on the thread that calls Indicate */
static BENCH_THREAD_LOCAL bool tls_second;   /* set on the second producer thread */

/* One consumer: counts and reads one property. `pub` and `done_ns` are what another thread reads.
 * Padded onto cache lines of its own: a queued consumer writes these on the worker per event, and
 * the provider's loop (reading the handles next to them in struct wb) must not pay for that. A
 * synchronous consumer called on the second producer thread counts in `second` instead, so two
 * producers share no line written per event (and do not race on the counts). */
struct consumer {
    char pad_before[64];
    struct consumer *second;
    wbemev_prop_handle handle;
    bool has_handle;
    bool is_signed; /* the property is a sint32 (else a uint64) */
    uint64_t count, sum;
    atomic_uint_fast64_t target; /* when count reaches it, the time is written to done_ns */
    atomic_uint_fast64_t pub;
    atomic_uint_fast64_t done_ns;
    atomic_bool inline_seen; /* delivered on the producer's thread */
    char pad_after[64];
};

static wbemev_status on_event(void *ctx, wbemev_object_t *event)
{
    struct consumer *c = ctx;
    if (tls_second)
        c = c->second;
    if (c->has_handle) { /* the typed Gets through a handle */
        int32_t i;
        uint64_t u;
        if (c->is_signed && WBEMEV_SUCCEEDED(wbemev_object_get_sint32_h(event, c->handle, &i)))
            c->sum += (uint64_t)(int64_t)i;
        else if (!c->is_signed && WBEMEV_SUCCEEDED(wbemev_object_get_uint64_h(event, c->handle, &u)))
            c->sum += u;
    }
    uint64_t n = ++c->count;
    if (n == atomic_load_explicit(&c->target, memory_order_relaxed))
        atomic_store_explicit(&c->done_ns, bench_now_ns(), memory_order_relaxed);
    if (tls_producer)
        atomic_store_explicit(&c->inline_seen, true, memory_order_relaxed);
    /* Last: whoever sees this count also sees done_ns, inline_seen, count and sum. */
    atomic_store_explicit(&c->pub, n, memory_order_release);
    return WBEMEV_S_NO_ERROR;
}

enum { C_ALL, C_SEVERE, C_OTHER, C_EXTRA, NUM_CONSUMERS };

/* One configured dispatcher. */
struct wb {
    const char *label;
    wbemev_status status; /* a failed setup or run: the figures are n/a */
    char why[160];        /* why they are n/a */
    wbemev_dispatcher_t *d;
    fake_provider *prov;
    wbemev_class_t *cls;
    wbemev_object_t *template_obj;
    wbemev_prop_handle h_severity, h_sequence, h_stamp, h_flag, h_load;
    struct consumer cons[NUM_CONSUMERS];
    struct consumer cons2[NUM_CONSUMERS]; /* the second producer thread's counts */
    wbemev_sink_t *sinks[NUM_CONSUMERS];
    bool queued;
    uint64_t seq_mod; /* Sequence is seq % seq_mod (the GROUP BY key) when not 0 */
    uint64_t seq;     /* next sequence number */
    uint64_t base_subs_events; /* events sent while the C_ALL/C_SEVERE subscriptions exist */
    uint64_t severe_expected;
    uint64_t refires; /* Indicates refused with WBEMEV_E_SERVER_TOO_BUSY and refired */
    wbemev_object_t *batch[BATCH_MAX];
};

static void wb_fail(struct wb *w, wbemev_status st, const char *what)
{
    if (WBEMEV_FAILED(w->status))
        return;
    w->status = WBEMEV_FAILED(st) ? st : WBEMEV_E_FAILED;
    snprintf(w->why, sizeof w->why, "%s: %s", what, wbemev_status_name(st));
}

/* A wb has its figures when it was set up and ran without error. */
static bool wb_ok(const struct wb *w)
{
    return WBEMEV_SUCCEEDED(w->status);
}

static const wbemev_property_def bench_props[] = {
    {"Name", WBEMEV_CIM_STRING, NULL},     {"Severity", WBEMEV_CIM_SINT32, NULL},
    {"Sequence", WBEMEV_CIM_UINT64, NULL}, {"Stamp", WBEMEV_CIM_DATETIME, NULL},
    {"Flag", WBEMEV_CIM_BOOLEAN, NULL},    {"Load", WBEMEV_CIM_REAL64, NULL},
};
static const wbemev_property_def other_props[] = {{"Value", WBEMEV_CIM_SINT32, NULL}};

static const wbemev_datetime stamp_base = {
    .is_interval = false, .year = 2024, .month = 5, .day = 1, .hour = 12,
};

struct wb_config {
    const char *label;
    bool set_policy;
    wbemev_contract_policy policy;
    wbemev_delivery delivery;
    bool base_subs;     /* the two Bench_Event subscriptions */
    bool other_sub;     /* the third: one on Bench_Other */
    unsigned unrelated; /* subscriptions on distinct unrelated classes (besides Bench_Other) */
    unsigned wheres;    /* subscriptions with distinct WHEREs on Bench_Event */
    uint64_t groups;    /* one subscription GROUP WITHIN 3600 BY Sequence, Sequence = seq % groups */
};

static wbemev_status subscribe(struct wb *w, const char *query, int consumer, wbemev_delivery delivery)
{
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    so.delivery = delivery;
    uint32_t id;
    return wbemev_dispatcher_subscribe(w->d, query, w->sinks[consumer], &so, &id);
}

/* The k-th distinct WHERE: four shapes with varied selectivity. */
static void where_query(unsigned k, char *buf, size_t size)
{
    switch (k % 4) {
    case 0:
        snprintf(buf, size, "SELECT * FROM " BENCH_CLASS " WHERE Severity > %u", k % 5);
        break;
    case 1:
        snprintf(buf, size, "SELECT * FROM " BENCH_CLASS " WHERE Name = 'bench-%u'", k);
        break;
    case 2:
        snprintf(buf, size, "SELECT * FROM " BENCH_CLASS " WHERE Load >= %u.5 AND Flag = TRUE", k % 25);
        break;
    default:
        snprintf(buf, size, "SELECT * FROM " BENCH_CLASS " WHERE Severity = %u OR Sequence < %u", k % 5,
                 k);
        break;
    }
}

static void wb_setup(struct wb *w, const struct wb_config *cfg)
{
    memset(w, 0, sizeof *w);
    w->label = cfg->label;
    w->queued = cfg->delivery == WBEMEV_DELIVERY_QUEUED;
    wbemev_status st;

    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.namespace_name = "root\\bench";
    o.workers = 1;
    if (cfg->set_policy)
        o.contract = cfg->policy;
    if (WBEMEV_FAILED(st = wbemev_dispatcher_new(&o, &w->d))) {
        w->d = NULL;
        wb_fail(w, st, "dispatcher_new");
        return;
    }
    if (cfg->set_policy && wbemev_dispatcher_contract_policy(w->d) != cfg->policy) {
        w->status = WBEMEV_E_NOT_SUPPORTED;
        snprintf(w->why, sizeof w->why, "contract policy %d not in force (got %d%s)", (int)cfg->policy,
                 (int)wbemev_dispatcher_contract_policy(w->d),
                 getenv("WBEMEV_CONTRACT") ? ", WBEMEV_CONTRACT is set" : "");
        return;
    }

    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(w->d);
    if (WBEMEV_FAILED(st = wbemev_namespace_define_class(ns, BENCH_CLASS, "__ExtrinsicEvent", bench_props,
                                                          sizeof bench_props / sizeof bench_props[0],
                                                          &w->cls)) ||
        WBEMEV_FAILED(st = wbemev_namespace_define_class(ns, BENCH_OTHER_CLASS, "__ExtrinsicEvent",
                                                          other_props, 1, NULL))) {
        wb_fail(w, st, "define_class");
        return;
    }
    for (unsigned k = 0; k < cfg->unrelated; k++) {
        char name[32];
        snprintf(name, sizeof name, "Bench_Unrelated%u", k);
        if (WBEMEV_FAILED(st = wbemev_namespace_define_class(ns, name, "__ExtrinsicEvent", other_props, 1,
                                                              NULL))) {
            wb_fail(w, st, "define_class");
            return;
        }
    }

    w->prov = fake_provider_new();
    if (w->prov == NULL) {
        wb_fail(w, WBEMEV_E_OUT_OF_MEMORY, "provider");
        return;
    }
    fake_provider_set_methods(w->prov, 0);
    const char *list[] = {"SELECT * FROM " BENCH_CLASS};
    if (WBEMEV_FAILED(st = wbemev_dispatcher_register(w->d, "BenchProvider", fake_provider_base(w->prov), list, 1))) {
        wb_fail(w, st, "register");
        return;
    }

    /* The template: every property set, cloned for each event. */
    if (WBEMEV_FAILED(st = wbemev_class_spawn_instance(w->cls, &w->template_obj))) {
        wb_fail(w, st, "spawn_instance");
        return;
    }
    wbemev_object_t *t = w->template_obj;
    if (WBEMEV_FAILED(st = wbemev_object_put_string(t, "Name", BENCH_NAME)) ||
        WBEMEV_FAILED(st = wbemev_object_put_sint32(t, "Severity", 0)) ||
        WBEMEV_FAILED(st = wbemev_object_put_uint64(t, "Sequence", 0)) ||
        WBEMEV_FAILED(st = wbemev_object_put_datetime(t, "Stamp", stamp_base)) ||
        WBEMEV_FAILED(st = wbemev_object_put_boolean(t, "Flag", false)) ||
        WBEMEV_FAILED(st = wbemev_object_put_real64(t, "Load", 0.0)) ||
        WBEMEV_FAILED(st = wbemev_object_property_handle(t, "Severity", &w->h_severity)) ||
        WBEMEV_FAILED(st = wbemev_object_property_handle(t, "Sequence", &w->h_sequence)) ||
        WBEMEV_FAILED(st = wbemev_object_property_handle(t, "Stamp", &w->h_stamp)) ||
        WBEMEV_FAILED(st = wbemev_object_property_handle(t, "Flag", &w->h_flag)) ||
        WBEMEV_FAILED(st = wbemev_object_property_handle(t, "Load", &w->h_load))) {
        wb_fail(w, st, "template");
        return;
    }

    /* Consumers: callback sinks, as an application would write them. */
    for (int c = 0; c < NUM_CONSUMERS; c++) {
        w->cons[c].second = &w->cons2[c];
        atomic_init(&w->cons[c].pub, 0);
        atomic_init(&w->cons[c].done_ns, 0);
        atomic_init(&w->cons[c].inline_seen, false);
        atomic_init(&w->cons[c].target, UINT64_MAX);
        if (WBEMEV_FAILED(st = wbemev_callback_sink_new(on_event, NULL, &w->cons[c], &w->sinks[c]))) {
            w->sinks[c] = NULL;
            wb_fail(w, st, "callback_sink_new");
            return;
        }
    }
    w->cons[C_ALL].handle = w->h_sequence;
    w->cons[C_ALL].has_handle = true;
    w->cons[C_SEVERE].handle = w->h_severity;
    w->cons[C_SEVERE].has_handle = true;
    w->cons[C_SEVERE].is_signed = true;
    for (int c = 0; c < NUM_CONSUMERS; c++) {
        w->cons2[c].handle = w->cons[c].handle;
        w->cons2[c].has_handle = w->cons[c].has_handle;
        w->cons2[c].is_signed = w->cons[c].is_signed;
    }

    if (cfg->base_subs) {
        char q[96];
        snprintf(q, sizeof q, "SELECT * FROM " BENCH_CLASS " WHERE Severity > %d", BENCH_SEVERITY_LIMIT);
        if (WBEMEV_FAILED(st = subscribe(w, "SELECT * FROM " BENCH_CLASS, C_ALL, cfg->delivery)) ||
            WBEMEV_FAILED(st = subscribe(w, q, C_SEVERE, cfg->delivery))) {
            wb_fail(w, st, "subscribe");
            return;
        }
        if (cfg->other_sub &&
            WBEMEV_FAILED(st = subscribe(w, "SELECT * FROM " BENCH_OTHER_CLASS, C_OTHER, cfg->delivery))) {
            wb_fail(w, st, "subscribe");
            return;
        }
    }
    for (unsigned k = 0; k < cfg->unrelated; k++) {
        char q[64];
        snprintf(q, sizeof q, "SELECT * FROM Bench_Unrelated%u", k);
        if (WBEMEV_FAILED(st = subscribe(w, q, C_OTHER, cfg->delivery))) {
            wb_fail(w, st, "subscribe");
            return;
        }
    }
    if (cfg->groups > 0) {
        w->seq_mod = cfg->groups;
        if (WBEMEV_FAILED(st = subscribe(w, "SELECT * FROM " BENCH_CLASS " GROUP WITHIN 3600 BY Sequence", C_EXTRA,
                                         cfg->delivery))) {
            wb_fail(w, st, "subscribe");
            return;
        }
    }
    for (unsigned k = 0; k < cfg->wheres; k++) {
        char q[128];
        where_query(k, q, sizeof q);
        if (WBEMEV_FAILED(st = subscribe(w, q, C_EXTRA, cfg->delivery))) {
            wb_fail(w, st, "subscribe");
            return;
        }
    }
    if (fake_provider_sink(w->prov) == NULL)
        wb_fail(w, WBEMEV_E_FAILED, "provide_events was not called");
}

static void wb_teardown(struct wb *w)
{
    if (w->template_obj != NULL)
        wbemev_object_release(w->template_obj);
    if (w->cls != NULL)
        wbemev_class_release(w->cls);
    wbemev_dispatcher_destroy(w->d);
    if (w->prov != NULL) {
        fake_provider_release(w->prov); /* ours, the last: it lets go of its sink */
        fake_provider_free(w->prov);
    }
    for (int c = 0; c < NUM_CONSUMERS; c++)
        if (w->sinks[c] != NULL)
            wbemev_sink_release(w->sinks[c]);
    memset(w, 0, sizeof *w);
}

/* Clones and fills event number seq into *out: the provider's per-event work, with the typed Puts
 * through handles (wbemev_object_put_<type>_h). */
static wbemev_status make_event(struct wb *w, uint64_t seq, wbemev_object_t **out)
{
    wbemev_object_t *o;
    wbemev_status st = wbemev_object_clone(w->template_obj, &o);
    if (WBEMEV_FAILED(st))
        return st;
    wbemev_datetime stamp = stamp_base;
    bench_stamp(seq, &stamp.minute, &stamp.second, &stamp.microseconds);
    if (WBEMEV_FAILED(st = wbemev_object_put_sint32_h(o, w->h_severity, bench_severity(seq))) ||
        WBEMEV_FAILED(st = wbemev_object_put_uint64_h(o, w->h_sequence, w->seq_mod != 0 ? seq % w->seq_mod : seq)) ||
        WBEMEV_FAILED(st = wbemev_object_put_datetime_h(o, w->h_stamp, &stamp)) ||
        WBEMEV_FAILED(st = wbemev_object_put_boolean_h(o, w->h_flag, bench_flag(seq))) ||
        WBEMEV_FAILED(st = wbemev_object_put_real64_h(o, w->h_load, bench_load(seq)))) {
        wbemev_object_release(o);
        return st;
    }
    *out = o;
    return WBEMEV_S_NO_ERROR;
}

/* Indicates one array of n events starting at w->seq. A refusal with WBEMEV_E_SERVER_TOO_BUSY is
 * refired, with fresh clones (the refused objects may already be frozen). */
static wbemev_status indicate_batch(struct wb *w, size_t n)
{
    uint64_t busy_since = 0;
    for (;;) {
        for (size_t i = 0; i < n; i++) {
            wbemev_status st = make_event(w, w->seq + i, &w->batch[i]);
            if (WBEMEV_FAILED(st)) {
                while (i-- > 0)
                    wbemev_object_release(w->batch[i]);
                return st;
            }
        }
        wbemev_status st = fake_provider_indicate(w->prov, (int32_t)n, w->batch);
        for (size_t i = 0; i < n; i++)
            wbemev_object_release(w->batch[i]);
        if (st != WBEMEV_E_SERVER_TOO_BUSY) {
            if (WBEMEV_SUCCEEDED(st)) {
                w->severe_expected += expected_severe(w->seq, n);
                w->base_subs_events += n;
                w->seq += n;
            }
            return st;
        }
        /* Refused: refire, as a provider should, but not forever. */
        uint64_t now = bench_now_ns();
        if (busy_since == 0)
            busy_since = now;
        else if (now - busy_since > 10000000000u)
            return st; /* 10 s of WBEMEV_E_SERVER_TOO_BUSY: give up, the mode is n/a */
        w->refires++;
        bench_yield();
    }
}

/* Waits until the two main consumers received everything sent so far (queued delivery). Gives up
 * after 5 s without progress. */
static bool wb_drain(struct wb *w)
{
    uint64_t last = 0, since = bench_now_ns();
    for (;;) {
        uint64_t a = atomic_load_explicit(&w->cons[C_ALL].pub, memory_order_acquire);
        uint64_t s = atomic_load_explicit(&w->cons[C_SEVERE].pub, memory_order_acquire);
        if (a >= w->base_subs_events && s >= w->severe_expected)
            return true;
        uint64_t now = bench_now_ns();
        if (a + s != last) {
            last = a + s;
            since = now;
        } else if (now - since > 5000000000u) {
            return false;
        }
        bench_yield();
    }
}

/* Sends `events` events in arrays of `batch`, waits for queued delivery to finish, and returns the
 * elapsed nanoseconds (0 on failure, which marks w failed). */
static uint64_t wb_run(struct wb *w, size_t batch, uint64_t events, bool drain)
{
    if (!wb_ok(w))
        return 0;
    uint64_t t0 = bench_now_ns();
    for (uint64_t done = 0; done < events;) {
        size_t n = events - done < batch ? (size_t)(events - done) : batch;
        wbemev_status st = indicate_batch(w, n);
        if (WBEMEV_FAILED(st)) {
            wb_fail(w, st, "Indicate");
            return 0;
        }
        done += n;
    }
    if (drain && w->queued && !wb_drain(w)) {
        wb_fail(w, WBEMEV_E_FAILED, "queued events were not all delivered (5 s without progress)");
        return 0;
    }
    uint64_t t1 = bench_now_ns();
    return t1 - t0 > 0 ? t1 - t0 : 1;
}

/* After the runs: every event reached the first consumer, the right ones the second, none the third;
 * and queued delivery really happened on another thread. Returns false on a mismatch. */
static bool wb_verify(struct wb *w, bool base_subs)
{
    if (!wb_ok(w))
        return true;
    if (w->queued && !wb_drain(w)) {
        wb_fail(w, WBEMEV_E_FAILED, "queued events were not all delivered");
        return false;
    }
    if (w->queued && (atomic_load(&w->cons[C_ALL].inline_seen) || atomic_load(&w->cons[C_SEVERE].inline_seen))) {
        w->status = WBEMEV_E_NOT_SUPPORTED;
        snprintf(w->why, sizeof w->why, "QUEUED delivery ran on the provider's thread (not implemented yet)");
        return true;
    }
    if (!base_subs)
        return true;
    const struct consumer *a = &w->cons[C_ALL], *s = &w->cons[C_SEVERE], *o = &w->cons[C_OTHER];
    uint64_t n = w->base_subs_events;
    uint64_t seq_sum = w->seq % 2 == 0 ? (w->seq / 2) * (w->seq - 1) : w->seq * ((w->seq - 1) / 2);
    if (a->count != n || s->count != w->severe_expected || o->count != 0 || a->sum != seq_sum) {
        w->status = WBEMEV_E_FAILED;
        snprintf(w->why, sizeof w->why,
                 "delivery mismatch: all %llu/%llu, severe %llu/%llu, other %llu (expected 0)",
                 (unsigned long long)a->count, (unsigned long long)n, (unsigned long long)s->count,
                 (unsigned long long)w->severe_expected, (unsigned long long)o->count);
        return false;
    }
    return true;
}

/* ================================================================================================
 * Results: every figure, NaN when not measured (printed as n/a and JSON null).
 */
struct results {
    /* headline, arrays of 400 and of 1 */
    double floor_ns, glib_ns, sync_ns, queued_ns, strict_ns, off_ns;
    double floor_b1_ns, glib_b1_ns, sync_b1_ns, queued_b1_ns, strict_b1_ns, off_b1_ns;
    double objects_ns, objects_b1_ns; /* clone + put + release only */
    double allocs_sync, bytes_sync, allocs_sync_b1, bytes_sync_b1, allocs_queued, bytes_queued;
    double unrelated_ns[NUM_UNRELATED];
    double where_ns[NUM_WHERES];
    uint64_t burst_sizes[NUM_BURSTS];
    double burst_floor_ns[NUM_BURSTS], burst_sync_ns[NUM_BURSTS], burst_queued_ns[NUM_BURSTS];
    double lat_q_p50_us, lat_q_p99_us, lat_s_p50_us, lat_s_p99_us;
    unsigned lat_bursts;
    uint64_t refires;
    double producers_ns[2];         /* sync, per event: one producer thread, two at once */
    double producers_events_per_s[2];
    double group_ns[NUM_GROUPS];    /* GROUP WITHIN 3600 BY Sequence, at group_counts[i] groups */
};

static void results_init(struct results *r)
{
    double *all[] = {&r->floor_ns,      &r->glib_ns,      &r->sync_ns,       &r->queued_ns,
                     &r->strict_ns,     &r->off_ns,       &r->floor_b1_ns,   &r->glib_b1_ns,
                     &r->sync_b1_ns,    &r->queued_b1_ns, &r->strict_b1_ns,  &r->off_b1_ns,
                     &r->allocs_sync,   &r->bytes_sync,   &r->allocs_sync_b1, &r->bytes_sync_b1,
                     &r->allocs_queued, &r->bytes_queued, &r->lat_q_p50_us,  &r->lat_q_p99_us,
                     &r->lat_s_p50_us,  &r->lat_s_p99_us, &r->objects_ns, &r->objects_b1_ns};
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        *all[i] = NAN;
    for (int i = 0; i < NUM_UNRELATED; i++)
        r->unrelated_ns[i] = NAN;
    for (int i = 0; i < NUM_WHERES; i++)
        r->where_ns[i] = NAN;
    for (int i = 0; i < NUM_BURSTS; i++)
        r->burst_floor_ns[i] = r->burst_sync_ns[i] = r->burst_queued_ns[i] = NAN;
    for (int i = 0; i < 2; i++)
        r->producers_ns[i] = r->producers_events_per_s[i] = NAN;
    for (int i = 0; i < NUM_GROUPS; i++)
        r->group_ns[i] = NAN;
}

/* Notes printed under the table (why a figure is n/a, what quick mode changed). */
static char g_notes[16][200];
static int g_nnotes;
static void note(const char *a, const char *b, const char *c)
{
    if (g_nnotes < 16)
        snprintf(g_notes[g_nnotes++], sizeof g_notes[0], "%s%s%s", a, b, c);
}

struct config {
    bool quick;
    unsigned reps;            /* measured repetitions of each headline figure (after a warm-up) */
    uint64_t events;          /* events per repetition, wbemev and floor */
    uint64_t glib_events;     /* events per repetition, GLib (slower) */
    unsigned scale_reps;      /* repetitions of the scaling figures */
    uint64_t scale_events;    /* events per repetition of the scaling figures */
    uint64_t bursts[NUM_BURSTS];
    unsigned lat_bursts;      /* 400-event bursts timed for the latency percentiles */
    bool glib;
    const char *only;         /* run one headline mode only (profiling) */
    size_t batch;             /* array size of the headline (default 400) */
};

/* ================================================================================================
 * Sections
 */
/* M_OBJECTS: the provider's share of the sync figure: clone, put and release, no Indicate. */
enum mode { M_FLOOR, M_GLIB, M_SYNC, M_QUEUED, M_OFF, M_STRICT, M_OBJECTS, NUM_MODES };
#define NUM_WB_MODES (M_STRICT + 1)
static const char *const mode_names[NUM_MODES] = {"floor", "glib", "sync", "queued", "off", "strict",
                                                  "objects"};

/* The objects alone: what the provider's loop costs without the Indicate. */
static uint64_t objects_run(struct wb *w, size_t batch, uint64_t events)
{
    static uint64_t seq;
    if (!wb_ok(w))
        return 0;
    uint64_t t0 = bench_now_ns();
    for (uint64_t done = 0; done < events;) {
        size_t n = events - done < batch ? (size_t)(events - done) : batch;
        for (size_t i = 0; i < n; i++) {
            wbemev_status st = make_event(w, seq + i, &w->batch[i]);
            if (WBEMEV_FAILED(st)) {
                while (i-- > 0)
                    wbemev_object_release(w->batch[i]);
                wb_fail(w, st, "clone");
                return 0;
            }
        }
        for (size_t i = 0; i < n; i++)
            wbemev_object_release(w->batch[i]);
        seq += n;
        done += n;
    }
    uint64_t t1 = bench_now_ns();
    return t1 - t0 > 0 ? t1 - t0 : 1;
}

static double ns_per_event(uint64_t ns, uint64_t events)
{
    return events ? (double)ns / (double)events : NAN;
}

/* Headline: all modes interleaved, `reps` + 1 rounds (the first is a warm-up), arrays of `batch`. */
static uint64_t g_floor_seq, g_glib_seq; /* the peers' next sequence numbers */

static void run_headline(const struct config *cfg, struct wb *wbs[NUM_MODES], floor_peer *fp,
                         glib_peer *gp, size_t batch, double out[NUM_MODES])
{
    double *samples[NUM_MODES];
    for (int m = 0; m < NUM_MODES; m++) {
        samples[m] = calloc(cfg->reps, sizeof(double));
        if (samples[m] == NULL)
            abort();
    }
    for (unsigned round = 0; round <= cfg->reps; round++) {
        for (int m = 0; m < NUM_MODES; m++) {
            if (cfg->only != NULL && strcmp(cfg->only, mode_names[m]) != 0)
                continue;
            double v = NAN;
            if (m == M_FLOOR) {
                uint64_t t0 = bench_now_ns();
                floor_peer_run(fp, &g_floor_seq, batch, cfg->events);
                v = ns_per_event(bench_now_ns() - t0, cfg->events);
            } else if (m == M_GLIB) {
                if (gp == NULL)
                    continue;
#ifdef WBEMEV_BENCH_HAVE_GLIB
                uint64_t t0 = bench_now_ns();
                glib_peer_run(gp, &g_glib_seq, batch, cfg->glib_events);
                v = ns_per_event(bench_now_ns() - t0, cfg->glib_events);
#else
                (void)g_glib_seq; /* gp is always NULL without the GLib peer */
#endif
            } else if (m == M_OBJECTS) {
                uint64_t ns = objects_run(wbs[M_SYNC], batch, cfg->events);
                if (ns != 0)
                    v = ns_per_event(ns, cfg->events);
            } else if (wbs[m] != NULL && wb_ok(wbs[m])) {
                uint64_t ns = wb_run(wbs[m], batch, cfg->events, true);
                if (ns != 0)
                    v = ns_per_event(ns, cfg->events);
            }
            if (round > 0)
                samples[m][round - 1] = v;
        }
    }
    for (int m = 0; m < NUM_MODES; m++) {
        out[m] = NAN;
        bool ok = cfg->only == NULL || strcmp(cfg->only, mode_names[m]) == 0;
        if (m == M_GLIB && gp == NULL)
            ok = false;
        if (m >= M_SYNC && m < NUM_WB_MODES && (wbs[m] == NULL || !wb_ok(wbs[m])))
            ok = false;
        if (m == M_OBJECTS && !wb_ok(wbs[M_SYNC]))
            ok = false;
        if (ok)
            out[m] = median(samples[m], cfg->reps);
        free(samples[m]);
    }
}

/* Allocations and bytes per event through the library's hook, over `events` events (after the
 * headline runs warmed every cache and pool). */
static void count_allocs(struct wb *w, size_t batch, uint64_t events, double *allocs, double *bytes)
{
    *allocs = *bytes = NAN;
    if (w == NULL || !wb_ok(w))
        return;
    atomic_store(&g_allocs, 0);
    atomic_store(&g_bytes, 0);
    atomic_store(&g_counting, true);
    uint64_t ns = wb_run(w, batch, events, true);
    atomic_store(&g_counting, false);
    if (ns == 0)
        return;
    *allocs = (double)atomic_load(&g_allocs) / (double)events;
    *bytes = (double)atomic_load(&g_bytes) / (double)events;
}

/* Queued 400-event bursts: from just before the Indicate of the array to the last delivery of its
 * events, each burst after the previous one was fully delivered. Also the same for sync (the
 * Indicate call's duration). */
static void run_latency(const struct config *cfg, struct wb *w, double *p50, double *p99,
                        double *per_event_ns)
{
    *p50 = *p99 = NAN;
    if (per_event_ns != NULL)
        *per_event_ns = NAN;
    if (w == NULL || !wb_ok(w))
        return;
    double *lat = calloc(cfg->lat_bursts, sizeof *lat);
    if (lat == NULL)
        abort();
    unsigned warm = cfg->lat_bursts / 10 + 1;
    size_t nlat = 0;
    for (unsigned b = 0; b < warm + cfg->lat_bursts; b++) {
        struct consumer *a = &w->cons[C_ALL], *s = &w->cons[C_SEVERE];
        /* Clone the burst first: the latency runs from the Indicate. */
        for (size_t i = 0; i < BATCH_MAX; i++) {
            wbemev_status st = make_event(w, w->seq + i, &w->batch[i]);
            if (WBEMEV_FAILED(st)) {
                while (i-- > 0)
                    wbemev_object_release(w->batch[i]);
                wb_fail(w, st, "clone");
                free(lat);
                return;
            }
        }
        uint64_t sev = expected_severe(w->seq, BATCH_MAX);
        atomic_store(&a->done_ns, 0);
        atomic_store(&s->done_ns, 0);
        atomic_store_explicit(&a->target, w->base_subs_events + BATCH_MAX, memory_order_relaxed);
        atomic_store_explicit(&s->target, w->severe_expected + sev, memory_order_relaxed);
        uint64_t t0 = bench_now_ns();
        wbemev_status st = fake_provider_indicate(w->prov, (int32_t)BATCH_MAX, w->batch);
        uint64_t t_ret = bench_now_ns();
        for (size_t i = 0; i < BATCH_MAX; i++)
            wbemev_object_release(w->batch[i]);
        if (WBEMEV_FAILED(st)) {
            if (st == WBEMEV_E_SERVER_TOO_BUSY) { /* count it and try another burst */
                w->refires++;
                atomic_store_explicit(&a->target, UINT64_MAX, memory_order_relaxed);
                atomic_store_explicit(&s->target, UINT64_MAX, memory_order_relaxed);
                continue;
            }
            wb_fail(w, st, "Indicate");
            free(lat);
            return;
        }
        w->base_subs_events += BATCH_MAX;
        w->severe_expected += sev;
        w->seq += BATCH_MAX;
        uint64_t t_end;
        if (w->queued) {
            if (!wb_drain(w)) {
                wb_fail(w, WBEMEV_E_FAILED, "queued burst not delivered");
                free(lat);
                return;
            }
            uint64_t ta = atomic_load_explicit(&a->done_ns, memory_order_acquire);
            uint64_t ts = atomic_load_explicit(&s->done_ns, memory_order_acquire);
            t_end = ta > ts ? ta : ts;
        } else {
            t_end = t_ret;
        }
        atomic_store_explicit(&a->target, UINT64_MAX, memory_order_relaxed);
        atomic_store_explicit(&s->target, UINT64_MAX, memory_order_relaxed);
        if (b >= warm && nlat < cfg->lat_bursts)
            lat[nlat++] = (double)(t_end - t0) / 1000.0;
    }
    double *copy = calloc(nlat ? nlat : 1, sizeof *copy);
    if (copy == NULL)
        abort();
    memcpy(copy, lat, nlat * sizeof *lat);
    *p50 = percentile(lat, nlat, 50.0);
    *p99 = percentile(copy, nlat, 99.0);
    if (per_event_ns != NULL)
        *per_event_ns = *p50 * 1000.0 / BATCH_MAX;
    free(copy);
    free(lat);
}

/* One burst of n events in arrays of 400 (timed to the last delivery), for each peer, repeated. */
static unsigned burst_reps(uint64_t n, bool quick)
{
    if (n <= 400)
        return quick ? 201 : 1001;
    if (n <= 4000)
        return quick ? 41 : 201;
    if (n <= 40000)
        return quick ? 9 : 31;
    return quick ? 5 : 7;
}

static void run_bursts(const struct config *cfg, struct wb *sync_w, struct wb *queued_w, floor_peer *fp,
                       struct results *r)
{
    for (int i = 0; i < NUM_BURSTS; i++) {
        uint64_t n = cfg->bursts[i];
        r->burst_sizes[i] = n;
        unsigned reps = burst_reps(n, cfg->quick);
        double *f = calloc(reps, sizeof *f), *s = calloc(reps, sizeof *s), *q = calloc(reps, sizeof *q);
        if (f == NULL || s == NULL || q == NULL)
            abort();
        size_t nq = 0;
        for (unsigned k = 0; k <= reps; k++) { /* k == 0: warm-up */
            uint64_t t0 = bench_now_ns();
            floor_peer_run(fp, &g_floor_seq, BATCH_MAX, n);
            double vf = ns_per_event(bench_now_ns() - t0, n);
            uint64_t ns_s = wb_run(sync_w, BATCH_MAX, n, true);
            uint64_t ns_q = wb_run(queued_w, BATCH_MAX, n, true);
            if (k == 0)
                continue;
            f[k - 1] = vf;
            s[k - 1] = ns_per_event(ns_s, n);
            if (ns_q != 0)
                q[nq++] = ns_per_event(ns_q, n);
        }
        r->burst_floor_ns[i] = median(f, reps);
        r->burst_sync_ns[i] = wb_ok(sync_w) ? median(s, reps) : NAN;
        r->burst_queued_ns[i] = queued_w != NULL && wb_ok(queued_w) && nq == reps ? median(q, nq) : NAN;
        free(f);
        free(s);
        free(q);
    }
}

/* Subscription scaling: one dispatcher per count, all interleaved. */
static bool run_scaling(const struct config *cfg, struct results *r)
{
    struct wb *u = calloc(NUM_UNRELATED + NUM_WHERES, sizeof *u);
    if (u == NULL)
        abort();
    bool ok = true;
    for (int i = 0; i < NUM_UNRELATED + NUM_WHERES; i++) {
        struct wb_config c = {"scale", false, WBEMEV_CONTRACT_RECORD, WBEMEV_DELIVERY_SYNC, true, false, 0, 0, 0};
        if (i < NUM_UNRELATED) {
            c.unrelated = unrelated_counts[i];
        } else {
            c.base_subs = false;
            c.wheres = where_counts[i - NUM_UNRELATED];
        }
        wb_setup(&u[i], &c);
        if (!wb_ok(&u[i])) {
            fprintf(stderr, "wbemev_bench: scaling setup: %s\n", u[i].why);
            ok = false;
        }
    }
    double *samples = calloc((size_t)(NUM_UNRELATED + NUM_WHERES) * cfg->scale_reps, sizeof *samples);
    if (samples == NULL)
        abort();
    for (unsigned round = 0; round <= cfg->scale_reps; round++) {
        for (int i = 0; i < NUM_UNRELATED + NUM_WHERES; i++) {
            /* Many WHEREs cost microseconds per event: fewer events, same order of time. */
            uint64_t events = cfg->scale_events;
            if (i >= NUM_UNRELATED && where_counts[i - NUM_UNRELATED] >= 10)
                events = events / (where_counts[i - NUM_UNRELATED] / 5) / BATCH_MAX * BATCH_MAX + BATCH_MAX;
            uint64_t ns = wb_run(&u[i], BATCH_MAX, events, false);
            if (round > 0)
                samples[(size_t)i * cfg->scale_reps + round - 1] = ns ? ns_per_event(ns, events) : NAN;
        }
    }
    for (int i = 0; i < NUM_UNRELATED + NUM_WHERES; i++) {
        if (!wb_verify(&u[i], i < NUM_UNRELATED))
            ok = false;
        double m = wb_ok(&u[i]) ? median(samples + (size_t)i * cfg->scale_reps, cfg->scale_reps) : NAN;
        if (i < NUM_UNRELATED)
            r->unrelated_ns[i] = m;
        else
            r->where_ns[i - NUM_UNRELATED] = m;
        if (!wb_ok(&u[i]))
            fprintf(stderr, "wbemev_bench: scaling: %s\n", u[i].why);
        wb_teardown(&u[i]);
    }
    free(samples);
    free(u);
    return ok;
}

/* ================================================================================================
 * Two producers: the synchronous headline's workload (same dispatcher, provider sink, class and
 * subscriptions) from one thread, then from two threads at once. The first is the main thread (it
 * spawned the template, so it owns the class's block cache); the second clones from the same
 * template and counts in its consumers' second lanes.
 */
struct producer {
    struct wb *w;
    bool second;
    uint64_t seq, events, sent, severe;
    wbemev_status status;
    atomic_bool *go;
    uint64_t end_ns;
    wbemev_object_t *batch[BATCH_MAX];
};

static void producer_run(struct producer *p)
{
    struct wb *w = p->w;
    p->status = WBEMEV_S_NO_ERROR;
    for (uint64_t done = 0; done < p->events;) {
        size_t n = p->events - done < BATCH_MAX ? (size_t)(p->events - done) : BATCH_MAX;
        for (size_t i = 0; i < n; i++) {
            wbemev_status st = make_event(w, p->seq + i, &p->batch[i]);
            if (WBEMEV_FAILED(st)) {
                while (i-- > 0)
                    wbemev_object_release(p->batch[i]);
                p->status = st;
                return;
            }
        }
        wbemev_status st = fake_provider_indicate(w->prov, (int32_t)n, p->batch);
        for (size_t i = 0; i < n; i++)
            wbemev_object_release(p->batch[i]);
        if (WBEMEV_FAILED(st)) {
            p->status = st;
            return;
        }
        p->severe += expected_severe(p->seq, n);
        p->sent += n;
        p->seq += n;
        done += n;
    }
    p->end_ns = bench_now_ns();
}

static void producer_thread(void *arg)
{
    struct producer *p = arg;
    tls_producer = true;
    tls_second = p->second;
    while (!atomic_load_explicit(p->go, memory_order_acquire))
        ; /* spin: both start within a few nanoseconds */
    producer_run(p);
}

static void run_producers(const struct config *cfg, struct results *r)
{
    static struct wb w;
    struct wb_config c = {"producers", false, WBEMEV_CONTRACT_RECORD, WBEMEV_DELIVERY_SYNC, true, true, 0, 0, 0};
    wb_setup(&w, &c);
    if (!wb_ok(&w)) {
        note("two producers: n/a: ", w.why, "");
        wb_teardown(&w);
        return;
    }
    static struct producer a, b;
    atomic_bool go;
    a = (struct producer){.w = &w, .second = false, .seq = 0, .go = &go};
    b = (struct producer){.w = &w, .second = true, .seq = (uint64_t)1 << 40, .go = &go};
    double *one = calloc(cfg->reps, sizeof *one), *two = calloc(cfg->reps, sizeof *two);
    if (one == NULL || two == NULL)
        abort();
    bool ok = true;
    for (unsigned round = 0; round <= cfg->reps && ok; round++) {
        /* one thread */
        a.events = cfg->events;
        uint64_t t0 = bench_now_ns();
        producer_run(&a);
        double v1 = ns_per_event(a.end_ns - t0, cfg->events);
        /* two threads at once */
        atomic_store(&go, false);
        a.events = b.events = cfg->events;
        wbemev_thread th;
        if (WBEMEV_FAILED(wbemev_thread_start(&th, producer_thread, &b))) {
            note("two producers: n/a: ", "the second thread could not be started", "");
            ok = false;
            break;
        }
        t0 = bench_now_ns();
        atomic_store_explicit(&go, true, memory_order_release);
        producer_run(&a);
        wbemev_thread_join(&th);
        uint64_t end = a.end_ns > b.end_ns ? a.end_ns : b.end_ns;
        double v2 = ns_per_event(end - t0, 2 * cfg->events);
        if (WBEMEV_FAILED(a.status) || WBEMEV_FAILED(b.status)) {
            note("two producers: n/a: ", wbemev_status_name(WBEMEV_FAILED(a.status) ? a.status : b.status), "");
            ok = false;
            break;
        }
        if (round > 0) {
            one[round - 1] = v1;
            two[round - 1] = v2;
        }
    }
    /* Every event reached the first consumer, the right ones the second, none the third. */
    const struct consumer *all = &w.cons[C_ALL], *sev = &w.cons[C_SEVERE], *oth = &w.cons[C_OTHER];
    if (ok && (all->count + all->second->count != a.sent + b.sent ||
               sev->count + sev->second->count != a.severe + b.severe || oth->count + oth->second->count != 0)) {
        note("two producers: n/a: ", "delivery mismatch", "");
        ok = false;
    }
    if (ok) {
        r->producers_ns[0] = median(one, cfg->reps);
        r->producers_ns[1] = median(two, cfg->reps);
        for (int i = 0; i < 2; i++)
            r->producers_events_per_s[i] = 1e9 / r->producers_ns[i];
    }
    free(one);
    free(two);
    wb_teardown(&w);
}

/* GROUP WITHIN 3600 BY Sequence with Sequence = seq % N: N groups in the window (it does not close
 * during the run), one dispatcher per N, interleaved. */
static void run_groups(const struct config *cfg, struct results *r)
{
    static struct wb g[NUM_GROUPS];
    for (int i = 0; i < NUM_GROUPS; i++) {
        struct wb_config c = {"groups", false, WBEMEV_CONTRACT_RECORD, WBEMEV_DELIVERY_SYNC, false, false, 0, 0,
                              group_counts[i]};
        wb_setup(&g[i], &c);
        if (!wb_ok(&g[i]))
            note("GROUP WITHIN: n/a: ", g[i].why, "");
    }
    double *samples = calloc((size_t)NUM_GROUPS * cfg->scale_reps, sizeof *samples);
    if (samples == NULL)
        abort();
    for (unsigned round = 0; round <= cfg->scale_reps; round++) {
        for (int i = 0; i < NUM_GROUPS; i++) {
            /* the warm-up round makes every group */
            uint64_t events = cfg->scale_events;
            if (round == 0 && events < group_counts[i])
                events = (group_counts[i] + BATCH_MAX - 1) / BATCH_MAX * BATCH_MAX;
            uint64_t ns = wb_run(&g[i], BATCH_MAX, events, false);
            if (round > 0)
                samples[(size_t)i * cfg->scale_reps + round - 1] = ns ? ns_per_event(ns, events) : NAN;
        }
    }
    for (int i = 0; i < NUM_GROUPS; i++) {
        r->group_ns[i] = wb_ok(&g[i]) ? median(samples + (size_t)i * cfg->scale_reps, cfg->scale_reps) : NAN;
        wb_teardown(&g[i]);
    }
    free(samples);
}

/* ================================================================================================
 * Output
 */
static void fmt_ns(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "n/a");
    else if (v >= 100)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.1f", v);
}

static void fmt_ratio(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, "%.2fx", v);
}

static void fmt_rate(char *buf, size_t size, double ns)
{
    if (isnan(ns) || ns <= 0)
        snprintf(buf, size, "n/a");
    else if (1e9 / ns >= 1e6)
        snprintf(buf, size, "%.2f M/s", 1e3 / ns);
    else
        snprintf(buf, size, "%.0f k/s", 1e6 / ns);
}

static void json_num(FILE *f, bool *first, const char *key, double v, int decimals)
{
    fprintf(f, "%s\"%s\":", *first ? "" : ",", key);
    *first = false;
    if (isnan(v) || isinf(v))
        fputs("null", f);
    else
        fprintf(f, "%.*f", decimals, v);
}

static double ratio(double a, double b)
{
    return isnan(a) || isnan(b) || b <= 0 ? NAN : a / b;
}

struct target {
    const char *what;
    double value;
    double limit;
    bool lower_is_better;
    const char *unit;
};

/* The CPU the figures are from: /proc/cpuinfo's first model name, or "unknown". */
static char g_cpu[128] = "unknown";
static void read_cpu_model(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[256];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        const char *v = strchr(line, ':');
        if (v == NULL)
            break;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t n = strcspn(v, "\r\n");
        if (n >= sizeof g_cpu)
            n = sizeof g_cpu - 1;
        memcpy(g_cpu, v, n);
        g_cpu[n] = '\0';
        for (char *q = g_cpu; *q; q++) /* it goes into the JSON line */
            if (*q == '"' || *q == '\\' || (unsigned char)*q < 0x20)
                *q = ' ';
        break;
    }
    fclose(f);
}

static void print_table(const struct config *cfg, const struct results *r, const char *glib_version)
{
    char a[32], b[32], c[32], d[32], e[32];
    printf("\nwbemev benchmark (%s sizes), %s\n", cfg->quick ? "--quick" : "full", WBEMEV_BENCH_BUILD);
    printf("CPU: %s\n", g_cpu);
    printf("workload: Bench_Event (6 properties) cloned from a template, 5 properties put per event;\n"
           "three subscriptions: all Bench_Event, WHERE Severity > 2 (2 in 5 pass), another class.\n"
           "median of %u repetitions of %llu events (GLib: %llu), after a warm-up round.\n\n",
           cfg->reps, (unsigned long long)cfg->events, (unsigned long long)cfg->glib_events);

    printf("%-34s %12s %12s %10s %12s %10s\n", "per event", "ns (x400)", "rate (x400)", "vs floor", "ns (x1)",
           "x1 vs flr");
    const struct {
        const char *name;
        double v400, v1;
    } rows[] = {
        {"floor (C struct + fn pointers)", r->floor_ns, r->floor_b1_ns},
#ifdef WBEMEV_BENCH_HAVE_GLIB
        {"GLib (GVariant + g_signal_emit)", r->glib_ns, r->glib_b1_ns},
#endif
        {"wbemev sync (checker: record)", r->sync_ns, r->sync_b1_ns},
        {"wbemev queued (1 worker)", r->queued_ns, r->queued_b1_ns},
        {"wbemev sync, checker off", r->off_ns, r->off_b1_ns},
        {"wbemev sync, checker strict", r->strict_ns, r->strict_b1_ns},
        {"  of which clone+put+release", r->objects_ns, r->objects_b1_ns},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fmt_ns(a, sizeof a, rows[i].v400);
        fmt_rate(b, sizeof b, rows[i].v400);
        fmt_ratio(c, sizeof c, ratio(rows[i].v400, r->floor_ns));
        fmt_ns(d, sizeof d, rows[i].v1);
        fmt_ratio(e, sizeof e, ratio(rows[i].v1, r->floor_b1_ns));
        printf("%-34s %12s %12s %10s %12s %10s\n", rows[i].name, a, b, c, d, e);
    }
    if (glib_version != NULL)
        printf("(GLib %s)\n", glib_version);
#ifndef WBEMEV_BENCH_HAVE_GLIB
    printf("%-34s skipped: GLib not found\n", "GLib (GVariant + g_signal_emit)");
#endif

    printf("\n%-34s %12s %12s\n", "heap use per event (wbemev)", "allocations", "bytes");
    fmt_ns(a, sizeof a, r->allocs_sync);
    fmt_ns(b, sizeof b, r->bytes_sync);
    printf("%-34s %12s %12s\n", "sync, arrays of 400", a, b);
    fmt_ns(a, sizeof a, r->allocs_sync_b1);
    fmt_ns(b, sizeof b, r->bytes_sync_b1);
    printf("%-34s %12s %12s\n", "sync, arrays of 1", a, b);
    fmt_ns(a, sizeof a, r->allocs_queued);
    fmt_ns(b, sizeof b, r->bytes_queued);
    printf("%-34s %12s %12s\n", "queued, arrays of 400", a, b);

    printf("\n%-34s %12s %12s\n", "400-event burst latency (us)", "p50", "p99");
    fmt_ns(a, sizeof a, r->lat_q_p50_us);
    fmt_ns(b, sizeof b, r->lat_q_p99_us);
    printf("%-34s %12s %12s\n", "queued: Indicate to last delivery", a, b);
    fmt_ns(a, sizeof a, r->lat_s_p50_us);
    fmt_ns(b, sizeof b, r->lat_s_p99_us);
    printf("%-34s %12s %12s   (%u bursts each)\n", "sync: the Indicate call", a, b, r->lat_bursts);

    printf("\n%-34s %10s %10s %10s %10s\n", "burst size (ns/event, x400)", "floor", "sync", "queued",
           "sync/flr");
    for (int i = 0; i < NUM_BURSTS; i++) {
        char label[40];
        snprintf(label, sizeof label, "%llu events", (unsigned long long)r->burst_sizes[i]);
        fmt_ns(a, sizeof a, r->burst_floor_ns[i]);
        fmt_ns(b, sizeof b, r->burst_sync_ns[i]);
        fmt_ns(c, sizeof c, r->burst_queued_ns[i]);
        fmt_ratio(d, sizeof d, ratio(r->burst_sync_ns[i], r->burst_floor_ns[i]));
        printf("%-34s %10s %10s %10s %10s\n", label, a, b, c, d);
    }

    printf("\n%-34s %10s %10s\n", "subscriptions (sync, ns/event)", "ns", "vs none");
    for (int i = 0; i < NUM_UNRELATED; i++) {
        char label[48];
        snprintf(label, sizeof label, "%u on unrelated classes", unrelated_counts[i]);
        fmt_ns(a, sizeof a, r->unrelated_ns[i]);
        fmt_ratio(b, sizeof b, ratio(r->unrelated_ns[i], r->unrelated_ns[0]));
        printf("%-34s %10s %10s\n", label, a, b);
    }
    for (int i = 0; i < NUM_WHERES; i++) {
        char label[48];
        snprintf(label, sizeof label, "%u distinct WHEREs, same class", where_counts[i]);
        fmt_ns(a, sizeof a, r->where_ns[i]);
        fmt_ns(b, sizeof b, i > 0 ? (r->where_ns[i] - r->where_ns[0]) / (where_counts[i] - where_counts[0]) : NAN);
        printf("%-34s %10s %10s\n", label, a, i > 0 ? b : "");
    }
    printf("(unrelated: the two Bench_Event subscriptions plus N on distinct classes; WHERE rows: N\n"
           " subscriptions only, second column = ns per added subscription)\n");

    printf("\n%-34s %10s %10s\n", "GROUP WITHIN 3600 BY (sync)", "ns/event", "vs 1 group");
    for (int i = 0; i < NUM_GROUPS; i++) {
        char label[48];
        snprintf(label, sizeof label, "%llu group%s", (unsigned long long)group_counts[i], group_counts[i] > 1 ? "s" : "");
        fmt_ns(a, sizeof a, r->group_ns[i]);
        fmt_ratio(b, sizeof b, ratio(r->group_ns[i], r->group_ns[0]));
        printf("%-34s %10s %10s\n", label, a, b);
    }
    printf("(one subscription, SELECT * FROM Bench_Event GROUP WITHIN 3600 BY Sequence, Sequence cycling\n"
           " over N values: clone, puts, Indicate and the group's count; the window stays open)\n");

    printf("\n%-34s %10s %12s %10s\n", "producer threads (sync, x400)", "ns/event", "events/s", "vs 1");
    for (int i = 0; i < 2; i++) {
        fmt_ns(a, sizeof a, r->producers_ns[i]);
        fmt_rate(b, sizeof b, r->producers_ns[i]);
        fmt_ratio(c, sizeof c, ratio(r->producers_events_per_s[i], r->producers_events_per_s[0]));
        printf("%-34s %10s %12s %10s\n", i == 0 ? "1 thread" : "2 threads at once", a, b, c);
    }
    printf("(the headline's sync workload on one dispatcher, provider sink and class; ns/event is wall\n"
           " time over every event sent, so 2 threads at twice the rate show half the ns)\n");

    const struct target targets[] = {
        {"clone+5 puts+release <= 1.3x floor", ratio(r->objects_ns, r->floor_ns), 1.3, true, "x"},
        {"sync <= 2.5x floor", ratio(r->sync_ns, r->floor_ns), 2.5, true, "x"},
        {"queued <= 4x floor", ratio(r->queued_ns, r->floor_ns), 4.0, true, "x"},
        {"sync x1 <= 5x floor x1", ratio(r->sync_b1_ns, r->floor_b1_ns), 5.0, true, "x"},
        {"queued x1 <= 12x floor x1", ratio(r->queued_b1_ns, r->floor_b1_ns), 12.0, true, "x"},
        {"2 producers >= 1.6x the rate of 1", ratio(r->producers_events_per_s[1], r->producers_events_per_s[0]), 1.6, false, "x"},
        {"100,000 groups <= 1.5x 1 group", ratio(r->group_ns[NUM_GROUPS - 1], r->group_ns[0]), 1.5, true, "x"},
        {"GLib >= 30x slower than sync", ratio(r->glib_ns, r->sync_ns), 30.0, false, "x"},
        {"1000 unrelated subs <= +10%", ratio(r->unrelated_ns[NUM_UNRELATED - 1], r->unrelated_ns[0]), 1.10, true, "x"},
        {"1M burst <= 1.5x 400 burst (queued)", ratio(r->burst_queued_ns[NUM_BURSTS - 1], r->burst_queued_ns[0]), 1.5, true, "x"},
        {"1M burst <= 1.5x 400 burst (sync)", ratio(r->burst_sync_ns[NUM_BURSTS - 1], r->burst_sync_ns[0]), 1.5, true, "x"},
        {"0 allocations/event, sync", r->allocs_sync, 0.0, true, ""},
        {"strict <= off + 5%", ratio(r->strict_ns, r->off_ns), 1.05, true, "x"},
    };
    printf("\n%-40s %10s %10s %8s\n", "target (reported, not enforced)", "measured", "limit", "status");
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        const struct target *t = &targets[i];
        const char *status = isnan(t->value) ? "n/a"
                             : (t->lower_is_better ? t->value <= t->limit : t->value >= t->limit) ? "met"
                                                                                                   : "MISSED";
        if (isnan(t->value))
            snprintf(a, sizeof a, "n/a");
        else
            snprintf(a, sizeof a, "%.2f%s", t->value, t->unit);
        snprintf(b, sizeof b, "%.2f%s", t->limit, t->unit);
        printf("%-40s %10s %10s %8s\n", t->what, a, b, status);
    }
    if (cfg->bursts[NUM_BURSTS - 1] != burst_sizes_full[NUM_BURSTS - 1])
        printf("note: --quick uses a large burst of %llu events instead of 1,000,000 (burst_1m_ratio is "
               "measured with it)\n",
               (unsigned long long)cfg->bursts[NUM_BURSTS - 1]);
    for (int i = 0; i < g_nnotes; i++)
        printf("note: %s\n", g_notes[i]);
    if (r->refires)
        printf("note: %llu Indicates answered WBEMEV_E_SERVER_TOO_BUSY and were refired\n",
               (unsigned long long)r->refires);
    printf("\n");
}

static void print_json(const struct config *cfg, const struct results *r)
{
    bool first = true;
    printf("{\"bench\":\"wbemev\",\"version\":\"%s\",\"mode\":\"%s\",\"reps\":%u,\"events_per_rep\":%llu,",
           WBEMEV_VERSION_STRING, cfg->quick ? "quick" : "full", cfg->reps, (unsigned long long)cfg->events);
    json_num(stdout, &first, "floor_ns", r->floor_ns, 1);
    json_num(stdout, &first, "glib_ns", r->glib_ns, 1);
    json_num(stdout, &first, "sync_ns", r->sync_ns, 1);
    json_num(stdout, &first, "queued_ns", r->queued_ns, 1);
    json_num(stdout, &first, "strict_ns", r->strict_ns, 1);
    json_num(stdout, &first, "off_ns", r->off_ns, 1);
    json_num(stdout, &first, "allocs_per_event_sync", r->allocs_sync, 3);
    json_num(stdout, &first, "bytes_per_event_sync", r->bytes_sync, 1);
    json_num(stdout, &first, "unrelated_1000_ratio", ratio(r->unrelated_ns[NUM_UNRELATED - 1], r->unrelated_ns[0]), 3);
    json_num(stdout, &first, "burst_1m_ratio", ratio(r->burst_queued_ns[NUM_BURSTS - 1], r->burst_queued_ns[0]), 3);
    json_num(stdout, &first, "burst400_p50_us", r->lat_q_p50_us, 1);
    json_num(stdout, &first, "burst400_p99_us", r->lat_q_p99_us, 1);
    /* extras */
    json_num(stdout, &first, "burst_1m_ratio_sync", ratio(r->burst_sync_ns[NUM_BURSTS - 1], r->burst_sync_ns[0]), 3);
    json_num(stdout, &first, "burst_large_events", (double)cfg->bursts[NUM_BURSTS - 1], 0);
    json_num(stdout, &first, "sync_over_floor", ratio(r->sync_ns, r->floor_ns), 3);
    json_num(stdout, &first, "queued_over_floor", ratio(r->queued_ns, r->floor_ns), 3);
    json_num(stdout, &first, "glib_over_sync", ratio(r->glib_ns, r->sync_ns), 2);
    json_num(stdout, &first, "strict_over_off", ratio(r->strict_ns, r->off_ns), 3);
    json_num(stdout, &first, "objects_ns", r->objects_ns, 1);
    json_num(stdout, &first, "floor_b1_ns", r->floor_b1_ns, 1);
    json_num(stdout, &first, "glib_b1_ns", r->glib_b1_ns, 1);
    json_num(stdout, &first, "sync_b1_ns", r->sync_b1_ns, 1);
    json_num(stdout, &first, "queued_b1_ns", r->queued_b1_ns, 1);
    json_num(stdout, &first, "off_b1_ns", r->off_b1_ns, 1);
    json_num(stdout, &first, "strict_b1_ns", r->strict_b1_ns, 1);
    json_num(stdout, &first, "sync_events_per_s", isnan(r->sync_ns) ? NAN : 1e9 / r->sync_ns, 0);
    json_num(stdout, &first, "allocs_per_event_sync_b1", r->allocs_sync_b1, 3);
    json_num(stdout, &first, "bytes_per_event_sync_b1", r->bytes_sync_b1, 1);
    json_num(stdout, &first, "allocs_per_event_queued", r->allocs_queued, 3);
    json_num(stdout, &first, "bytes_per_event_queued", r->bytes_queued, 1);
    json_num(stdout, &first, "burst400_sync_p50_us", r->lat_s_p50_us, 1);
    json_num(stdout, &first, "burst400_sync_p99_us", r->lat_s_p99_us, 1);
    char key[48];
    for (int i = 0; i < NUM_BURSTS; i++) {
        const char *names[NUM_BURSTS] = {"400", "4k", "40k", "large"};
        snprintf(key, sizeof key, "burst_%s_floor_ns", names[i]);
        json_num(stdout, &first, key, r->burst_floor_ns[i], 1);
        snprintf(key, sizeof key, "burst_%s_sync_ns", names[i]);
        json_num(stdout, &first, key, r->burst_sync_ns[i], 1);
        snprintf(key, sizeof key, "burst_%s_queued_ns", names[i]);
        json_num(stdout, &first, key, r->burst_queued_ns[i], 1);
    }
    for (int i = 0; i < NUM_UNRELATED; i++) {
        snprintf(key, sizeof key, "unrelated_%u_ns", unrelated_counts[i]);
        json_num(stdout, &first, key, r->unrelated_ns[i], 1);
    }
    for (int i = 0; i < NUM_WHERES; i++) {
        snprintf(key, sizeof key, "where_%u_ns", where_counts[i]);
        json_num(stdout, &first, key, r->where_ns[i], 1);
    }
    json_num(stdout, &first, "objects_over_floor", ratio(r->objects_ns, r->floor_ns), 3);
    json_num(stdout, &first, "sync_b1_over_floor_b1", ratio(r->sync_b1_ns, r->floor_b1_ns), 3);
    json_num(stdout, &first, "queued_b1_over_floor_b1", ratio(r->queued_b1_ns, r->floor_b1_ns), 3);
    json_num(stdout, &first, "producers_1_ns", r->producers_ns[0], 1);
    json_num(stdout, &first, "producers_2_ns", r->producers_ns[1], 1);
    json_num(stdout, &first, "producers_1_events_per_s", r->producers_events_per_s[0], 0);
    json_num(stdout, &first, "producers_2_events_per_s", r->producers_events_per_s[1], 0);
    json_num(stdout, &first, "producers_2_over_1", ratio(r->producers_events_per_s[1], r->producers_events_per_s[0]), 3);
    for (int i = 0; i < NUM_GROUPS; i++) {
        snprintf(key, sizeof key, "group_%llu_ns", (unsigned long long)group_counts[i]);
        json_num(stdout, &first, key, r->group_ns[i], 1);
    }
    json_num(stdout, &first, "group_100000_ratio", ratio(r->group_ns[NUM_GROUPS - 1], r->group_ns[0]), 3);
    printf(",\"cpu\":\"%s\"}\n", g_cpu);
}

/* ================================================================================================
 * main
 */
static void usage(void)
{
    fprintf(stderr, "usage: wbemev_bench [--quick] [--reps N] [--events N] [--no-glib] [--only MODE]\n"
                    "                    [--batch N]\n"
                    "  --quick     small sizes, under 30 s\n"
                    "  --reps N    headline repetitions (default 7 quick, 11 full; at least 5)\n"
                    "  --events N  events per headline repetition\n"
                    "  --no-glib   skip the GLib peer\n"
                    "  --only MODE run only the headline (arrays of --batch) of MODE (floor, glib,\n"
                    "              sync, queued, off, strict, objects), or the producers, groups\n"
                    "              or filters section, for profiling\n"
                    "  --batch N   array size of the headline (1..400, default 400)\n");
}

int main(int argc, char **argv)
{
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.glib = true;
    unsigned reps = 0;
    uint64_t events = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            cfg.quick = true;
        } else if (strcmp(argv[i], "--no-glib") == 0) {
            cfg.glib = false;
        } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
            events = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            cfg.only = argv[++i];
        } else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            cfg.batch = (size_t)strtoul(argv[++i], NULL, 10);
            if (cfg.batch == 0 || cfg.batch > BATCH_MAX) {
                usage();
                return 2;
            }
        } else {
            usage();
            return 2;
        }
    }
    cfg.reps = reps ? reps : cfg.quick ? 7 : 11;
    if (cfg.reps < 5)
        cfg.reps = 5;
    cfg.events = events ? events : cfg.quick ? 100000 : 1000000;
    cfg.events = (cfg.events + BATCH_MAX - 1) / BATCH_MAX * BATCH_MAX;
    cfg.glib_events = cfg.events / 4 < BATCH_MAX ? BATCH_MAX : cfg.events / 4 / BATCH_MAX * BATCH_MAX;
    cfg.scale_reps = cfg.quick ? 15 : 21;
    cfg.scale_events = cfg.quick ? 40000 : 200000;
    cfg.lat_bursts = cfg.quick ? 500 : 5000;
    for (int i = 0; i < NUM_BURSTS; i++)
        cfg.bursts[i] = burst_sizes_full[i];
    if (cfg.quick)
        cfg.bursts[NUM_BURSTS - 1] = 400000;

    wbemev_allocator counting = {count_malloc, count_realloc, count_free, NULL};
    wbemev_status st = wbemev_set_allocator(&counting);
    if (WBEMEV_FAILED(st)) {
        fprintf(stderr, "wbemev_bench: set_allocator: %s\n", wbemev_status_name(st));
        return 1;
    }
    tls_producer = true;
    read_cpu_model();
    if (getenv("WBEMEV_CONTRACT") != NULL)
        note("WBEMEV_CONTRACT=", getenv("WBEMEV_CONTRACT"), " overrides the contract policy of every dispatcher");

    struct results r;
    results_init(&r);
    int exit_code = 0;

    floor_peer *fp = floor_peer_new(BATCH_MAX);
    if (fp == NULL)
        return 1;
    glib_peer *gp = NULL;
    const char *glib_version = NULL;
#ifdef WBEMEV_BENCH_HAVE_GLIB
    if (cfg.glib) {
        gp = glib_peer_new(BATCH_MAX);
        glib_version = glib_peer_version();
    }
#else
    note("GLib peer not built (GLib not found at configure time)", "", "");
#endif

    /* One dispatcher per wbemev mode, all alive at once, so rounds interleave. */
    static struct wb wb_sync, wb_queued, wb_off, wb_strict;
    const struct wb_config mode_cfgs[] = {
        {"sync", false, WBEMEV_CONTRACT_RECORD, WBEMEV_DELIVERY_SYNC, true, true, 0, 0, 0},
        {"queued", false, WBEMEV_CONTRACT_RECORD, WBEMEV_DELIVERY_QUEUED, true, true, 0, 0, 0},
        {"off", true, WBEMEV_CONTRACT_OFF, WBEMEV_DELIVERY_SYNC, true, true, 0, 0, 0},
        {"strict", true, WBEMEV_CONTRACT_STRICT, WBEMEV_DELIVERY_SYNC, true, true, 0, 0, 0},
    };
    struct wb *wbs[NUM_MODES] = {NULL, NULL, &wb_sync, &wb_queued, &wb_off, &wb_strict, NULL};
    for (int m = M_SYNC; m < NUM_WB_MODES; m++) {
        wb_setup(wbs[m], &mode_cfgs[m - M_SYNC]);
        if (!wb_ok(wbs[m]) && m == M_SYNC) {
            fprintf(stderr, "wbemev_bench: sync setup failed: %s\n", wbs[m]->why);
            exit_code = 1;
        }
    }

    double v400[NUM_MODES], v1[NUM_MODES];
    if (cfg.only != NULL && strcmp(cfg.only, "producers") == 0)
        run_producers(&cfg, &r);
    if (cfg.only != NULL && strcmp(cfg.only, "groups") == 0)
        run_groups(&cfg, &r);
    run_headline(&cfg, wbs, fp, gp, cfg.batch ? cfg.batch : BATCH_MAX, v400);
    for (int m = 0; m < NUM_MODES; m++)
        v1[m] = NAN;
    if (cfg.only == NULL) {
        /* Arrays of 1: a quarter of the events, the per-call costs dominate. */
        struct config c1 = cfg;
        c1.events = cfg.events / 4;
        c1.glib_events = cfg.glib_events / 4;
        run_headline(&c1, wbs, fp, gp, 1, v1);
    }
    r.floor_ns = v400[M_FLOOR], r.glib_ns = v400[M_GLIB], r.sync_ns = v400[M_SYNC];
    r.queued_ns = v400[M_QUEUED], r.off_ns = v400[M_OFF], r.strict_ns = v400[M_STRICT];
    r.floor_b1_ns = v1[M_FLOOR], r.glib_b1_ns = v1[M_GLIB], r.sync_b1_ns = v1[M_SYNC];
    r.queued_b1_ns = v1[M_QUEUED], r.off_b1_ns = v1[M_OFF], r.strict_b1_ns = v1[M_STRICT];
    r.objects_ns = v400[M_OBJECTS], r.objects_b1_ns = v1[M_OBJECTS];

    if (cfg.only == NULL) {
        count_allocs(&wb_sync, BATCH_MAX, cfg.events, &r.allocs_sync, &r.bytes_sync);
        count_allocs(&wb_sync, 1, cfg.events / 4, &r.allocs_sync_b1, &r.bytes_sync_b1);
        count_allocs(&wb_queued, BATCH_MAX, cfg.events, &r.allocs_queued, &r.bytes_queued);

        r.lat_bursts = cfg.lat_bursts;
        double q400 = NAN;
        run_latency(&cfg, &wb_queued, &r.lat_q_p50_us, &r.lat_q_p99_us, &q400);
        run_latency(&cfg, &wb_sync, &r.lat_s_p50_us, &r.lat_s_p99_us, NULL);

        run_bursts(&cfg, &wb_sync, &wb_queued, fp, &r);
        if (!run_scaling(&cfg, &r))
            exit_code = 1;
        run_groups(&cfg, &r);
        run_producers(&cfg, &r);
    }

    /* Check what the consumers saw, then report n/a for whatever failed. */
    for (int m = M_SYNC; m < NUM_WB_MODES; m++) {
        struct wb *w = wbs[m];
        if (!wb_verify(w, true) && m != M_QUEUED)
            exit_code = 1;
        r.refires += w->refires;
        if (!wb_ok(w)) {
            note(w->label, ": n/a: ", w->why);
            if (m == M_SYNC)
                exit_code = 1;
        }
    }
    if (!wb_ok(&wb_queued)) {
        r.queued_ns = r.queued_b1_ns = r.allocs_queued = r.bytes_queued = NAN;
        r.lat_q_p50_us = r.lat_q_p99_us = NAN;
        for (int i = 0; i < NUM_BURSTS; i++)
            r.burst_queued_ns[i] = NAN;
    }
    if (!wb_ok(&wb_off))
        r.off_ns = r.off_b1_ns = NAN;
    if (!wb_ok(&wb_strict))
        r.strict_ns = r.strict_b1_ns = NAN;
    if (!wb_ok(&wb_sync)) {
        r.objects_ns = r.objects_b1_ns = NAN;
        r.sync_ns = r.sync_b1_ns = r.allocs_sync = r.bytes_sync = NAN;
        r.allocs_sync_b1 = r.bytes_sync_b1 = r.lat_s_p50_us = r.lat_s_p99_us = NAN;
        for (int i = 0; i < NUM_BURSTS; i++)
            r.burst_sync_ns[i] = NAN;
    }
    const bench_tally *ft = floor_peer_tally(fp);
    if ((cfg.only == NULL && ft->all == 0) || ft->other != 0 || ft->severe != expected_severe(0, ft->all)) {
        fprintf(stderr, "wbemev_bench: floor peer delivery mismatch\n");
        exit_code = 1;
    }
#ifdef WBEMEV_BENCH_HAVE_GLIB
    if (gp != NULL) {
        const bench_tally *gt = glib_peer_tally(gp);
        if ((cfg.only == NULL && gt->all == 0) || gt->other != 0 || gt->severe != expected_severe(0, gt->all)) {
            fprintf(stderr, "wbemev_bench: GLib peer delivery mismatch\n");
            exit_code = 1;
        }
    }
#endif

    for (int m = M_SYNC; m < NUM_WB_MODES; m++)
        wb_teardown(wbs[m]);
    floor_peer_free(fp);
#ifdef WBEMEV_BENCH_HAVE_GLIB
    glib_peer_free(gp);
#endif

    bool only_filters = cfg.only != NULL && strcmp(cfg.only, "filters") == 0;
    if (!only_filters)
        print_table(&cfg, &r, glib_version);
    fflush(stdout);
    /* The reports of the other benchmarks, each built when its file is in the tree (CMakeLists.txt);
     * before the JSON line, which stays last. */
#ifdef WBEMEV_BENCH_HAVE_FILTERS
    if (cfg.only == NULL || only_filters) {
        bench_filters_report(stdout, cfg.quick);
        fflush(stdout);
    }
#endif
    if (cfg.only == NULL) {
#ifdef WBEMEV_BENCH_HAVE_MOF
        bench_mof_report(stdout);
        fflush(stdout);
#endif
    }
    print_json(&cfg, &r);
    fflush(stdout);
    return exit_code;
}
