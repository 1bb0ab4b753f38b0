/*
 * bench/bench_filters.c: what many filtered subscriptions on one class cost.
 *
 *   filter eq N=...      N subscriptions WHERE Name = '<distinct>', each event matching exactly one
 *   filter range 1000    1000 subscriptions WHERE Load >= k AND Load < k + 1, one matching per event,
 *                        against the same with only the matching one ("range 1")
 *   subscribe 10000      10,000 subscribes into a dispatcher (total), then 10,000 unsubscribes
 *
 * Events are made once and indicated again and again in arrays of BATCH (the contract checker off,
 * so re-indicating is not reported): the figures are the dispatcher's routing, filtering and
 * delivery to a callback consumer, not the making of events. Medians of REPS runs; printed, never
 * asserted. The last line is a JSON object of the same figures.
 */
#include "bench.h"
#include "fake_provider.h"

#include <wbemev.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FB_CLASS "Filter_Event"
#define BATCH 64
#define REPS 5

struct fb {
    wbemev_dispatcher_t *d;
    fake_provider *prov;
    wbemev_class_t *cls;
    wbemev_sink_t *sink;
    uint64_t hits;
    uint32_t *ids;
    size_t nids;
    wbemev_object_t *events[BATCH];
    bool ok;
};

static wbemev_status on_event(void *ctx, wbemev_object_t *event)
{
    (void)event;
    ((struct fb *)ctx)->hits++;
    return WBEMEV_S_NO_ERROR;
}

static void fb_fail(struct fb *f, const char *what, wbemev_status st)
{
    if (f->ok)
        fprintf(stderr, "bench_filters: %s: %s\n", what, wbemev_status_name(st));
    f->ok = false;
}

static void fb_setup(struct fb *f, size_t cap)
{
    memset(f, 0, sizeof *f);
    f->ok = true;
    wbemev_dispatcher_options o;
    wbemev_dispatcher_options_init(&o);
    o.contract = WBEMEV_CONTRACT_OFF;
    wbemev_status st = wbemev_dispatcher_new(&o, &f->d);
    if (WBEMEV_FAILED(st)) {
        fb_fail(f, "dispatcher_new", st);
        return;
    }
    static const wbemev_property_def props[] = {
        {"Name", WBEMEV_CIM_STRING, NULL}, {"Severity", WBEMEV_CIM_SINT32, NULL}, {"Load", WBEMEV_CIM_REAL64, NULL}};
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(f->d);
    if (WBEMEV_FAILED(st = wbemev_namespace_define_class(ns, FB_CLASS, "__ExtrinsicEvent", props, 3, &f->cls))) {
        fb_fail(f, "define_class", st);
        return;
    }
    f->prov = fake_provider_new();
    fake_provider_set_methods(f->prov, 0);
    const char *list[] = {"SELECT * FROM " FB_CLASS};
    if (WBEMEV_FAILED(st = wbemev_dispatcher_register(f->d, "FilterBench", fake_provider_base(f->prov), list, 1))) {
        fb_fail(f, "register", st);
        return;
    }
    if (WBEMEV_FAILED(st = wbemev_callback_sink_new(on_event, NULL, f, &f->sink))) {
        f->sink = NULL;
        fb_fail(f, "callback_sink_new", st);
        return;
    }
    f->ids = calloc(cap ? cap : 1, sizeof *f->ids);
    if (f->ids == NULL)
        abort();
}

static void fb_subscribe(struct fb *f, const char *q)
{
    if (!f->ok)
        return;
    wbemev_status st = wbemev_dispatcher_subscribe(f->d, q, f->sink, NULL, &f->ids[f->nids]);
    if (WBEMEV_FAILED(st))
        fb_fail(f, "subscribe", st);
    else
        f->nids++;
}

/* Event i of the batch: Name 'n<name_of(i)>', Load load_of(i). */
static void fb_events(struct fb *f, size_t n_names, double (*load_of)(size_t))
{
    for (size_t i = 0; i < BATCH && f->ok; i++) {
        wbemev_object_t *o;
        wbemev_status st = wbemev_class_spawn_instance(f->cls, &o);
        if (WBEMEV_FAILED(st)) {
            fb_fail(f, "spawn", st);
            return;
        }
        char name[32];
        /* spread over the subscriptions: event i matches subscription (i * 7919) % n */
        snprintf(name, sizeof name, "n%zu", n_names ? (i * 7919u) % n_names : 0);
        wbemev_object_put_string(o, "Name", name);
        wbemev_object_put_sint32(o, "Severity", (int32_t)(i % 5));
        wbemev_object_put_real64(o, "Load", load_of(i));
        f->events[i] = o;
    }
}

/* Nanoseconds per event over `rounds` arrays of BATCH. */
static double fb_run(struct fb *f, unsigned rounds)
{
    if (!f->ok || fake_provider_sink(f->prov) == NULL)
        return NAN;
    uint64_t t0 = bench_now_ns();
    for (unsigned r = 0; r < rounds; r++) {
        wbemev_status st = fake_provider_indicate(f->prov, BATCH, f->events);
        if (WBEMEV_FAILED(st)) {
            fb_fail(f, "indicate", st);
            return NAN;
        }
    }
    return (double)(bench_now_ns() - t0) / ((double)rounds * BATCH);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double fb_median_run(struct fb *f, unsigned rounds)
{
    double v[REPS];
    fb_run(f, rounds / 4 + 1); /* warm */
    for (int i = 0; i < REPS; i++)
        v[i] = fb_run(f, rounds);
    qsort(v, REPS, sizeof v[0], cmp_double);
    return v[REPS / 2];
}

/* Unsubscribes everything; the total time in milliseconds. */
static double fb_unsubscribe_all(struct fb *f)
{
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < f->nids; i++) {
        wbemev_status st = wbemev_dispatcher_unsubscribe(f->d, f->ids[i]);
        if (WBEMEV_FAILED(st))
            fb_fail(f, "unsubscribe", st);
    }
    double ms = (double)(bench_now_ns() - t0) / 1e6;
    f->nids = 0;
    return ms;
}

static void fb_teardown(struct fb *f)
{
    for (size_t i = 0; i < BATCH; i++)
        if (f->events[i] != NULL)
            wbemev_object_release(f->events[i]);
    if (f->cls != NULL)
        wbemev_class_release(f->cls);
    wbemev_dispatcher_destroy(f->d);
    if (f->prov != NULL) {
        fake_provider_release(f->prov);
        fake_provider_free(f->prov);
    }
    if (f->sink != NULL)
        wbemev_sink_release(f->sink);
    free(f->ids);
    memset(f, 0, sizeof *f);
}

static double load_spread(size_t i)
{
    return (double)((i * 7919u) % 1000u) + 0.5; /* one of 1000 unit ranges */
}

static double load_first(size_t i)
{
    (void)i;
    return 0.5; /* the only subscription's range */
}

static void row(FILE *out, const char *label, double v, const char *unit)
{
    if (isnan(v))
        fprintf(out, "%-34s %12s %s\n", label, "n/a", unit);
    else
        fprintf(out, "%-34s %12.1f %s\n", label, v, unit);
}

static void json_field(FILE *out, bool *first, const char *key, double v)
{
    fprintf(out, "%s\"%s\":", *first ? "" : ",", key);
    if (isnan(v))
        fprintf(out, "null");
    else
        fprintf(out, "%.1f", v);
    *first = false;
}

void bench_filters_report(FILE *out, int quick)
{
    static const size_t counts[] = {1, 100, 1000, 10000};
    enum { NCOUNTS = sizeof counts / sizeof counts[0] };
    double eq_ns[NCOUNTS], range_ns = NAN, range1_ns = NAN, sub_ms = NAN, unsub_ms = NAN;
    unsigned rounds = quick ? 200 : 2000;
    char q[128], label[64];
    bool ok = true;

    fprintf(out, "\n%-34s %12s\n", "filtered subscriptions, one class", "");
    for (size_t c = 0; c < NCOUNTS; c++) {
        struct fb f;
        fb_setup(&f, counts[c]);
        uint64_t t0 = bench_now_ns();
        for (size_t k = 0; k < counts[c] && f.ok; k++) {
            snprintf(q, sizeof q, "SELECT * FROM " FB_CLASS " WHERE Name = 'n%zu'", k);
            fb_subscribe(&f, q);
        }
        double ms = (double)(bench_now_ns() - t0) / 1e6;
        fb_events(&f, counts[c], load_first);
        eq_ns[c] = fb_median_run(&f, rounds);
        /* one delivery per event: each event's Name is one subscription's */
        uint64_t want = ((uint64_t)rounds * (REPS + 0) + rounds / 4 + 1) * BATCH;
        if (f.ok && f.hits != want) {
            fprintf(stderr, "bench_filters: eq N=%zu: %llu deliveries, expected %llu\n", counts[c],
                    (unsigned long long)f.hits, (unsigned long long)want);
            ok = false;
        }
        if (counts[c] == 10000) {
            sub_ms = ms;
            unsub_ms = fb_unsubscribe_all(&f);
        }
        ok = ok && f.ok;
        if (!f.ok)
            eq_ns[c] = NAN;
        fb_teardown(&f);
        snprintf(label, sizeof label, "filter eq N=%zu", counts[c]);
        row(out, label, eq_ns[c], "ns/event");
    }
    for (int which = 0; which < 2; which++) {
        struct fb f;
        size_t n = which == 0 ? 1000 : 1;
        fb_setup(&f, n);
        for (size_t k = 0; k < n && f.ok; k++) {
            snprintf(q, sizeof q, "SELECT * FROM " FB_CLASS " WHERE Load >= %zu AND Load < %zu", k, k + 1);
            fb_subscribe(&f, q);
        }
        fb_events(&f, 0, which == 0 ? load_spread : load_first);
        double ns = fb_median_run(&f, rounds);
        uint64_t want = ((uint64_t)rounds * REPS + rounds / 4 + 1) * BATCH;
        if (f.ok && f.hits != want) {
            fprintf(stderr, "bench_filters: range %zu: %llu deliveries, expected %llu\n", n,
                    (unsigned long long)f.hits, (unsigned long long)want);
            ok = false;
        }
        ok = ok && f.ok;
        if (which == 0)
            range_ns = f.ok ? ns : NAN;
        else
            range1_ns = f.ok ? ns : NAN;
        fb_teardown(&f);
    }
    row(out, "filter range 1000 (one matches)", range_ns, "ns/event");
    row(out, "filter range 1 (the matching one)", range1_ns, "ns/event");
    row(out, "subscribe 10000 (total)", sub_ms, "ms");
    row(out, "unsubscribe 10000 (total)", unsub_ms, "ms");
    fprintf(out, "%-34s %11.2fx (aim <= 3x)\n", "filter eq N=10000 / N=1", eq_ns[NCOUNTS - 1] / eq_ns[0]);
    fprintf(out, "%-34s %11.2fx (aim <= 3x)\n", "filter range 1000 / 1", range_ns / range1_ns);
    if (!ok)
        fprintf(out, "bench_filters: some deliveries were wrong (see stderr)\n");
    bool first = true;
    fprintf(out, "{");
    json_field(out, &first, "filter_eq_1_ns", eq_ns[0]);
    json_field(out, &first, "filter_eq_100_ns", eq_ns[1]);
    json_field(out, &first, "filter_eq_1000_ns", eq_ns[2]);
    json_field(out, &first, "filter_eq_10000_ns", eq_ns[3]);
    json_field(out, &first, "filter_range_1000_ns", range_ns);
    json_field(out, &first, "filter_range_1_ns", range1_ns);
    json_field(out, &first, "subscribe_10000_ms", sub_ms);
    json_field(out, &first, "unsubscribe_10000_ms", unsub_ms);
    fprintf(out, "}\n");
}
