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
 */
#include "dispatch/dispatch.h"

#include <math.h>


struct group {
    wbemev_object_t *representative; /* the first event; the BY values are read from it */
    uint32_t count;
};

struct wbemev__agg {
    wbemev__mutex mu;
    struct wbemev__sub *sub;
    wbemev_class_t *agg_class; /* __AggregateEvent (a reference) */
    uint64_t window_ns;
    bool open;
    bool closed;
    bool attached;
    uint64_t window_end;
    struct group *groups;
    size_t ngroups, cap;
};

/* ------------------------------------------------------------------------------------------------
 * Group keys
 */
static bool value_equal(const wbemev_value *a, const wbemev_value *b)
{
    if (a->is_null || b->is_null)
        return a->is_null == b->is_null;
    if (a->type != b->type)
        return false;
    if (WBEMEV_CIM_IS_ARRAY(a->type)) {
        if (a->u.array.count != b->u.array.count)
            return false;
        wbemev_cimtype base = WBEMEV_CIM_BASE(a->type);
        if (base == WBEMEV_CIM_STRING || base == WBEMEV_CIM_REFERENCE) {
            const char *const *x = a->u.array.items, *const *y = b->u.array.items;
            for (size_t i = 0; i < a->u.array.count; i++)
                if (!wbemev__strcaseeq(x[i], y[i]))
                    return false;
            return true;
        }
        size_t n = a->u.array.count * wbemev_cimtype_element_size(base);
        return n == 0 || memcmp(a->u.array.items, b->u.array.items, n) == 0;
    }
    switch (a->type) {
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE:
        return wbemev__strcaseeq(a->u.string, b->u.string);
    case WBEMEV_CIM_REAL32:
    case WBEMEV_CIM_REAL64:
        return a->u.real == b->u.real || (isnan(a->u.real) && isnan(b->u.real));
    case WBEMEV_CIM_BOOLEAN:
        return a->u.boolean == b->u.boolean;
    case WBEMEV_CIM_CHAR16:
        return a->u.char16 == b->u.char16;
    case WBEMEV_CIM_DATETIME:
        return memcmp(&a->u.datetime, &b->u.datetime, sizeof a->u.datetime) == 0;
    case WBEMEV_CIM_OBJECT:
        return a->u.object == b->u.object;
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_SINT64:
        return a->u.sint == b->u.sint;
    default:
        return a->u.uint == b->u.uint;
    }
}

/* Do events x and y fall in the same BY group? A BY property missing on an event reads as NULL. */
static bool same_group(const wbemev_query_t *q, const wbemev_object_t *x, const wbemev_object_t *y)
{
    size_t n = wbemev_query_group_by_count(q);
    for (size_t i = 0; i < n; i++) {
        wbemev_value a, b;
        if (WBEMEV_FAILED(wbemev_query_group_by_get(q, i, x, &a)))
            a = WBEMEV_V_NULL(WBEMEV_CIM_EMPTY);
        if (WBEMEV_FAILED(wbemev_query_group_by_get(q, i, y, &b)))
            b = WBEMEV_V_NULL(WBEMEV_CIM_EMPTY);
        if (!value_equal(&a, &b))
            return false;
    }
    return true;
}

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

static void groups_release(struct group *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wbemev_object_release(g[i].representative);
    wbemev__free(g);
}

void wbemev__agg_free(struct wbemev__agg *a)
{
    if (a == NULL)
        return;
    groups_release(a->groups, a->ngroups);
    wbemev_class_release(a->agg_class);
    wbemev__mutex_destroy(&a->mu);
    wbemev__free(a);
}

void wbemev__agg_add(struct wbemev__agg *a, wbemev_object_t *event)
{
    wbemev_dispatcher_t *d = a->sub->d;
    const wbemev_query_t *q = a->sub->query;
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
    size_t i = 0;
    while (i < a->ngroups && !same_group(q, a->groups[i].representative, event))
        i++;
    bool counted = true;
    if (i < a->ngroups) {
        if (a->groups[i].count < UINT32_MAX)
            a->groups[i].count++;
    } else {
        if (a->ngroups == a->cap) {
            size_t cap = a->cap ? a->cap * 2 : 4;
            struct group *v = wbemev__realloc(a->groups, cap * sizeof *v);
            if (v != NULL) {
                a->groups = v;
                a->cap = cap;
            }
        }
        if (a->ngroups < a->cap)
            a->groups[a->ngroups++] = (struct group){wbemev_object_add_ref(event), 1};
        else
            counted = false; /* out of memory: the event is lost to the aggregate */
    }
    wbemev__mutex_unlock(&a->mu);
    if (counted)
        atomic_fetch_add_explicit(&a->sub->grouped, 1, memory_order_relaxed);
    if (opened)
        wbemev__timers_wake(d->timers);
}

/* Builds one __AggregateEvent. NULL when out of memory. */
static wbemev_object_t *make_aggregate(struct wbemev__agg *a, const struct group *g)
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
    struct group *groups = a->groups;
    size_t n = a->ngroups;
    a->groups = NULL;
    a->ngroups = a->cap = 0;
    a->open = false;
    wbemev__mutex_unlock(&a->mu);
    size_t produced = 0;
    struct wbemev__queue *q = a->sub->queue;
    for (size_t i = 0; i < n; i++) {
        if (!wbemev_query_having_matches(a->sub->query, groups[i].count)) {
            atomic_fetch_add_explicit(&a->sub->filtered, 1, memory_order_relaxed);
            continue;
        }
        wbemev_object_t *o = make_aggregate(a, &groups[i]);
        if (o == NULL)
            continue;
        wbemev__queue_push(q, o, true);
        wbemev_object_release(o);
        produced++;
    }
    groups_release(groups, n);
    if (produced > 0)
        wbemev__queue_run(q); /* synchronous delivery: here; queued: the push scheduled it */
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
    struct group *groups = a->groups;
    size_t n = a->ngroups;
    a->groups = NULL;
    a->ngroups = a->cap = 0;
    a->open = false;
    bool attached = a->attached;
    a->attached = false;
    wbemev__mutex_unlock(&a->mu);
    groups_release(groups, n);
    if (attached)
        wbemev__timers_remove(a->sub->d->timers, a->sub);
}
