/*
 * lib/dispatch/aggregate.c: GROUP WITHIN n [BY props] [HAVING expr].
 *
 * Per subscription, a window opens when the first event arrives (after the WHERE clause) and closes
 * n seconds later by the dispatcher's clock. Events are grouped by the values of the BY properties
 * (compared as WQL compares them: strings case-insensitively); each group keeps its count and its
 * first event, the Representative (a reference to the frozen event, no copy). When the window
 * closes, each group whose count satisfies HAVING becomes one __AggregateEvent { NumberOfEvents,
 * Representative }, handed to the subscription's queue (run inline for synchronous delivery).
 * Windows are closed by timers.c. Lock: a->mu (one subscription's windows), never held across
 * user code or with the timers' lock.
 *
 * Memory: each group holds its Representative, so a window's groups are bounded like a queue: their
 * bytes (wbemev__group_bytes) count against the subscription's queue_max_bytes and, with the queues,
 * against the dispatcher's queue_total_bytes until the window closes. An event that would open a
 * group past either bound (or when memory runs out) is dropped: counted as indicated and dropped,
 * and the consumer gets the usual overflow notice. Events of groups already open are still counted.
 */
#include "dispatch/dispatch.h"

struct wbemev__agg {
    wbemev__mutex mu;
    struct wbemev__sub *sub;
    wbemev_class_t *agg_class; /* __AggregateEvent (a reference) */
    uint64_t window_ns;
    bool open;
    bool closed;
    bool attached;
    uint64_t window_end;
    struct wbemev__groups groups; /* the open window's */
};

static void groups_release(struct wbemev__agg *a, struct wbemev__groups *groups);

/* ------------------------------------------------------------------------------------------------
 * Windows
 */
wbemev_status wbemev__agg_new(struct wbemev__sub *sub, struct wbemev__agg **out)
{
    struct wbemev__agg *a = wbemev__calloc(1, sizeof *a);
    if (a == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev_status st = wbemev_namespace_get_class(sub->d->ns, "__AggregateEvent", &a->agg_class);
    if (WBEMEV_FAILED(st)) {
        wbemev__free(a);
        return st;
    }
    wbemev__mutex_init(&a->mu);
    a->sub = sub;
    double secs = wbemev_query_group_within(sub->query);
    double ns = secs * 1e9;
    a->window_ns = ns >= 1.8e19 ? UINT64_MAX / 2 : ns < 1 ? 1 : (uint64_t)ns;
    *out = a;
    return WBEMEV_S_NO_ERROR;
}

void wbemev__agg_free(struct wbemev__agg *a)
{
    if (a == NULL)
        return;
    groups_release(a, &a->groups);
    wbemev_class_release(a->agg_class);
    wbemev__mutex_destroy(&a->mu);
    wbemev__free(a);
}

/* Takes room for a new group of `bytes` in the window's bound and the dispatcher's total. Called
 * with a->mu held. */
static bool window_admits(struct wbemev__agg *a, uint64_t bytes)
{
    wbemev_dispatcher_t *d = a->sub->d;
    uint64_t max = wbemev__queue_max_bytes(a->sub->queue);
    if (max != 0 && a->groups.bytes + bytes > max)
        return false;
    if (d->queue_total_bytes == 0)
        return true;
    uint_fast64_t cur = atomic_load_explicit(&d->queued_bytes, memory_order_relaxed);
    do {
        if (cur + bytes > d->queue_total_bytes)
            return false;
    } while (!atomic_compare_exchange_weak(&d->queued_bytes, &cur, cur + bytes));
    return true;
}

/* Frees groups taken from a window and gives their bytes back to the dispatcher's total. */
static void groups_release(struct wbemev__agg *a, struct wbemev__groups *groups)
{
    wbemev_dispatcher_t *d = a->sub->d;
    uint64_t bytes = groups->bytes;
    wbemev__groups_free(groups);
    if (d->queue_total_bytes != 0 && bytes > 0) {
        atomic_fetch_sub(&d->queued_bytes, bytes);
        wbemev__space_wake(&d->space);
    }
}

/* The group event falls in, made when new and the window has room; NULL when not. Called with
 * a->mu held. */
static struct wbemev__group *window_group(struct wbemev__agg *a, wbemev_object_t *event)
{
    uint32_t hash;
    struct wbemev__group *g = wbemev__groups_lookup(&a->groups, a->sub->query, event, &hash);
    if (g != NULL)
        return g;
    uint64_t bytes = wbemev__group_bytes(event);
    if (!window_admits(a, bytes))
        return NULL;
    g = wbemev__groups_add(&a->groups, event, hash, bytes);
    if (g == NULL && a->sub->d->queue_total_bytes != 0)
        atomic_fetch_sub(&a->sub->d->queued_bytes, bytes); /* out of memory: give the room back */
    return g;
}

void wbemev__agg_add(struct wbemev__agg *a, wbemev_object_t *event)
{
    wbemev_dispatcher_t *d = a->sub->d;
    bool opened = false;
    wbemev__mutex_lock(&a->mu);
    if (a->closed) {
        wbemev__mutex_unlock(&a->mu);
        return;
    }
    if (!a->open) {
        a->open = true;
        a->window_end = wbemev__now(d) + a->window_ns;
        opened = true;
    }
    struct wbemev__group *g = window_group(a, event);
    if (g != NULL && g->count < UINT32_MAX)
        g->count++;
    wbemev__mutex_unlock(&a->mu);
    if (g != NULL)
        atomic_fetch_add_explicit(&a->sub->grouped, 1, memory_order_relaxed);
    else
        wbemev__queue_push(a->sub->queue, NULL, false); /* a drop: counted, the consumer told */
    if (opened)
        wbemev__timers_wake(d->timers);
}

/* Builds one __AggregateEvent. NULL when out of memory. */
static wbemev_object_t *make_aggregate(struct wbemev__agg *a, const struct wbemev__group *g)
{
    wbemev_object_t *o;
    if (WBEMEV_FAILED(wbemev_class_spawn_instance(a->agg_class, &o)))
        return NULL;
    if (WBEMEV_FAILED(wbemev_object_put(o, "NumberOfEvents", &WBEMEV_V_UINT32(g->count))) ||
        WBEMEV_FAILED(wbemev_object_put(o, "Representative", &WBEMEV_V_OBJECT(g->representative)))) {
        wbemev_object_release(o);
        return NULL;
    }
    wbemev__object_stamp_time_created(o, wbemev__clock_filetime());
    wbemev_object_freeze(o);
    return o;
}

size_t wbemev__agg_flush(struct wbemev__agg *a, uint64_t now)
{
    wbemev__mutex_lock(&a->mu);
    if (a->closed || !a->open || a->window_end > now) {
        wbemev__mutex_unlock(&a->mu);
        return 0;
    }
    struct wbemev__groups groups;
    wbemev__groups_take(&a->groups, &groups);
    a->open = false;
    wbemev__mutex_unlock(&a->mu);
    size_t produced = 0;
    struct wbemev__queue *q = a->sub->queue;
    for (size_t i = 0; i < groups.n; i++) {
        if (!wbemev_query_having_matches(a->sub->query, groups.v[i].count)) {
            atomic_fetch_add_explicit(&a->sub->filtered, 1, memory_order_relaxed);
            continue;
        }
        wbemev_object_t *o = make_aggregate(a, &groups.v[i]);
        if (o == NULL)
            continue;
        wbemev__queue_push(q, o, true);
        wbemev_object_release(o);
        produced++;
    }
    groups_release(a, &groups);
    /* Synchronous delivery: here (with any overflow notice); queued: the push scheduled it. */
    wbemev__queue_run(q);
    return produced;
}

uint64_t wbemev__agg_due(struct wbemev__agg *a)
{
    wbemev__mutex_lock(&a->mu);
    uint64_t due = a->open ? a->window_end : UINT64_MAX;
    wbemev__mutex_unlock(&a->mu);
    return due;
}

wbemev_status wbemev__agg_attach(struct wbemev__agg *a)
{
    wbemev_status st = wbemev__timers_add(a->sub->d->timers, a->sub);
    if (WBEMEV_SUCCEEDED(st)) {
        wbemev__mutex_lock(&a->mu);
        a->attached = true;
        wbemev__mutex_unlock(&a->mu);
    }
    return st;
}

void wbemev__agg_close(struct wbemev__agg *a)
{
    wbemev__mutex_lock(&a->mu);
    a->closed = true;
    struct wbemev__groups groups;
    wbemev__groups_take(&a->groups, &groups);
    a->open = false;
    bool attached = a->attached;
    a->attached = false;
    wbemev__mutex_unlock(&a->mu);
    groups_release(a, &groups);
    if (attached)
        wbemev__timers_remove(a->sub->d->timers, a->sub);
}
