/*
 * lib/dispatch/delivery.c: one Indicate call's events, frozen, to the subscriptions of their
 * routes: each subscription's security descriptor check and WHERE filter, SELECT projections
 * (views, not copies), GROUP WITHIN windows, and then either a synchronous consumer's Indicate
 * with an array of the call's events, or a staged push to a queue. A consumer that fails is
 * cancelled (its end deferred to the end of the call, since this thread holds the snapshot).
 */
#include "dispatch/dispatch.h"

/* Delivery depth per dispatcher on this thread (a consumer may indicate into another dispatcher). */
#define MAX_DEPTH_SLOTS 4
static WBEMEV__THREAD_LOCAL struct {
    const wbemev_dispatcher_t *d;
    unsigned depth;
} tls_depth[MAX_DEPTH_SLOTS];

unsigned wbemev__delivery_depth(const wbemev_dispatcher_t *d)
{
    for (int i = 0; i < MAX_DEPTH_SLOTS; i++)
        if (tls_depth[i].d == d)
            return tls_depth[i].depth;
    return 0;
}

static void depth_push(const wbemev_dispatcher_t *d)
{
    int free_slot = -1;
    for (int i = 0; i < MAX_DEPTH_SLOTS; i++) {
        if (tls_depth[i].d == d) {
            tls_depth[i].depth++;
            return;
        }
        if (tls_depth[i].depth == 0 && free_slot < 0)
            free_slot = i;
    }
    if (free_slot >= 0) {
        tls_depth[free_slot].d = d;
        tls_depth[free_slot].depth = 1;
    }
}

/* Returns the depth left for d. */
static unsigned depth_pop(const wbemev_dispatcher_t *d)
{
    for (int i = 0; i < MAX_DEPTH_SLOTS; i++) {
        if (tls_depth[i].d == d) {
            if (--tls_depth[i].depth == 0)
                tls_depth[i].d = NULL;
            return tls_depth[i].depth;
        }
    }
    return 0;
}

/* WBEMEV_S_SUBJECT_TO_SDS: may this subscription's consumer see this event? */
static bool sd_allows(const wbemev_dispatcher_t *d, const struct wbemev__sub *sub, const wbemev_object_t *event)
{
    const uint8_t *sd;
    size_t sd_len;
    wbemev__object_security_descriptor(event, &sd, &sd_len);
    if (d->sd_check != NULL)
        return d->sd_check(d->sd_check_ctx, sd, sd_len, sub->sid, sub->sid_length);
    if (sd == NULL)
        return true; /* no descriptor: everyone */
    /* The default check: an ACE of the descriptor names the consumer's SID. */
    if (sub->sid == NULL || sub->sid_length == 0 || sub->sid_length > sd_len)
        return false;
    for (size_t i = 0; i + sub->sid_length <= sd_len; i++)
        if (memcmp(sd + i, sub->sid, sub->sid_length) == 0)
            return true;
    return false;
}

static bool query_selects(void *ctx, const char *name)
{
    return wbemev_query_selects(ctx, name);
}

/* What one Indicate call does for each subscription it reaches, kept for the first CALL_SUBS_MAX
 * of them: its counts, added to the subscription's atomics once at the end of the call instead of
 * per event (an uncontended atomic add still costs more than the rest of a filtered delivery), and
 * the events for a synchronous consumer, handed over in arrays: one Indicate and one in-flight
 * count per array instead of per event. Past CALL_SUBS_MAX a subscription is served event by event
 * and counted directly. */
#define CALL_SUBS_MAX 8
#define CALL_BATCH_MAX 64
struct call_sub {
    struct wbemev__sub *sub;
    uint64_t filtered, indicated, delivered;
    uint32_t pending;                        /* events in batch, not handed over yet */
    wbemev_object_t *batch[CALL_BATCH_MAX]; /* borrowed from the provider's array */
};

struct call_subs {
    unsigned n;
    struct call_sub v[CALL_SUBS_MAX];
};

/* The call's entry for sub, or NULL when the table is full (serve and count directly). */
static struct call_sub *call_sub_for(struct call_subs *t, struct wbemev__sub *sub)
{
    for (unsigned i = 0; i < t->n; i++)
        if (t->v[i].sub == sub)
            return &t->v[i];
    if (t->n == CALL_SUBS_MAX)
        return NULL;
    struct call_sub *e = &t->v[t->n++];
    e->sub = sub; /* field by field: the batch needs no clearing */
    e->filtered = e->indicated = e->delivered = 0;
    e->pending = 0;
    return e;
}

/* Calls the consumer's Indicate with n events, marked as a consumer call for the checker and,
 * when it checks, timed: every call, so one slow call is enough to be seen (a synchronous call
 * carries an array of events, so the clock is read twice per array, not per event). */
static wbemev_status consumer_call(wbemev_dispatcher_t *d, struct wbemev__sub *sub, int32_t n,
                                   wbemev_object_t *const *events)
{
    struct wbemev__consumer_call cc;
    wbemev__checker_consumer_call_begin(&d->checker, &cc, sub->id, wbemev_query_text(sub->query),
                                        wbemev__checker_on(&d->checker));
    wbemev_status st = wbemev_sink_indicate(sub->consumer, n, events);
    wbemev__checker_consumer_call_end(&d->checker, &cc, wbemev_object_class_name(events[0]));
    return st;
}

/* May this subscription's consumer see this event (security descriptor, WHERE)? Calls no consumer
 * code, so it runs before the delivery counts itself in. where_passed: the filter index decided
 * the WHERE; filter: the route's test of the WHERE for the event's class, or NULL. */
static bool passes(const wbemev_dispatcher_t *d, const struct wbemev__sub *sub, const wbemev_object_t *event,
                   bool where_passed, const wbemev_query_filter *filter)
{
    return (!sub->check_sds || sd_allows(d, sub, event)) &&
           (where_passed || !sub->has_where ||
            (filter != NULL ? wbemev_query_filter_holds(filter, event) : wbemev_query_matches(sub->query, event)));
}

/* SELECT a, b: the consumer gets a view that shows only those, not a copy of the event. Out of
 * memory, *view stays NULL: this consumer loses the event (the others still get it), not silently:
 * it is counted as dropped and the consumer is told, as for a queue overflow. */
static bool make_view(struct wbemev__sub *sub, wbemev_object_t *event, struct wbemev__stage *stage,
                      wbemev_object_t **view)
{
    *view = NULL;
    if (WBEMEV_SUCCEEDED(wbemev__object_new_view(event, query_selects, sub->query, view)))
        return true;
    if (sub->queue != NULL) {
        wbemev__stage_add(stage, sub->queue, NULL);
    } else {
        atomic_fetch_add_explicit(&sub->indicated, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&sub->dropped, 1, memory_order_relaxed);
        wbemev_sink_set_status(sub->consumer, WBEMEV_STATUS_PROGRESS, WBEMEV_E_QUEUE_OVERFLOW,
                               "1 event dropped: out of memory", NULL);
    }
    return false;
}

/* Hands n frozen events that passed the filter to a synchronous consumer, counted delivered
 * before the call (a stats reader sees them delivered, not lost, while the consumer has them) and
 * taken back if the consumer fails. e: the call's entry for sub, or NULL (count directly).
 * Returns false when the consumer failed. */
static bool consumer_deliver(wbemev_dispatcher_t *d, struct wbemev__sub *sub, int32_t n,
                             wbemev_object_t *const *events, struct call_sub *e)
{
    if (e != NULL) {
        e->indicated += (uint64_t)n;
        e->delivered += (uint64_t)n;
    } else {
        atomic_fetch_add_explicit(&sub->indicated, (uint64_t)n, memory_order_relaxed);
        atomic_fetch_add_explicit(&sub->delivered, (uint64_t)n, memory_order_relaxed);
    }
    if (WBEMEV_SUCCEEDED(consumer_call(d, sub, n, events)))
        return true;
    if (e != NULL)
        e->delivered -= (uint64_t)n;
    else
        atomic_fetch_sub_explicit(&sub->delivered, (uint64_t)n, memory_order_relaxed);
    atomic_fetch_add_explicit(&sub->discarded, (uint64_t)n, memory_order_relaxed);
    return false;
}

/* Delivers one frozen event that passed the subscription's filter (queued ones: staged). Returns
 * false when the consumer failed. */
static bool deliver_one(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_object_t *event,
                        struct wbemev__stage *stage, struct call_sub *e)
{
    if (atomic_load_explicit(&sub->state, memory_order_acquire) != SUB_ACTIVE)
        return true;
    if (sub->agg != NULL) { /* GROUP WITHIN: counted into the window; the timer delivers */
        wbemev__agg_add(sub->agg, event);
        return true;
    }
    wbemev_object_t *view = NULL;
    if (sub->projected && !make_view(sub, event, stage, &view))
        return true;
    wbemev_object_t *out = view != NULL ? view : event;
    if (sub->queue != NULL) {
        /* Queued: a reference goes to the queue at the end of the call (room was reserved for
         * BLOCK and REFUSE). */
        wbemev__stage_add(stage, sub->queue, out);
        wbemev_object_release(view);
        return true;
    }
    bool ok = consumer_deliver(d, sub, 1, &out, e);
    wbemev_object_release(view);
    return ok;
}

wbemev_status wbemev__consumer_indicate(wbemev_dispatcher_t *d, struct wbemev__sub *sub, int32_t n,
                                        wbemev_object_t *const *events)
{
    /* Counts as a delivery, so a consumer ending a subscription from its Indicate is deferred. */
    depth_push(d);
    atomic_fetch_add_explicit(&sub->delivered, (uint64_t)n, memory_order_relaxed);
    wbemev_status st = consumer_call(d, sub, n, events);
    depth_pop(d);
    if (WBEMEV_FAILED(st))
        atomic_fetch_sub_explicit(&sub->delivered, (uint64_t)n, memory_order_relaxed);
    return st;
}

/* Consumer code runs counted in sub->inflight: ending a subscription marks it ENDING (checked
 * after counting in), then waits for inflight to reach 0, so no delivery is still running when its
 * final SetStatus goes out, without waiting for the snapshots that contain it. */
static void inflight_enter(struct wbemev__sub *sub)
{
    atomic_fetch_add(&sub->inflight, 1);
}

static void inflight_leave(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    if (atomic_fetch_sub(&sub->inflight, 1) == 1 && atomic_load(&sub->state) != SUB_ACTIVE) {
        wbemev__mutex_lock(&d->wait_lock);
        wbemev__cond_broadcast(&d->wait_cv);
        wbemev__mutex_unlock(&d->wait_lock);
    }
}

/* Hands the events gathered for e's synchronous consumer over in one Indicate. A failing consumer
 * is cancelled: one SetStatus(COMPLETE, CALL_CANCELLED), deferred to the end of this Indicate,
 * since this thread holds the snapshot. */
static void hand_over(wbemev_dispatcher_t *d, struct call_sub *e, struct wbemev__stage *stage)
{
    struct wbemev__sub *sub = e->sub;
    int32_t n = (int32_t)e->pending;
    e->pending = 0;
    bool ok = true;
    inflight_enter(sub);
    if (atomic_load_explicit(&sub->state, memory_order_acquire) == SUB_ACTIVE) {
        if (sub->projected) { /* views in place of the events; one that cannot be made is dropped */
            int32_t m = 0;
            for (int32_t i = 0; i < n; i++)
                if (make_view(sub, e->batch[i], stage, &e->batch[m]))
                    m++;
            n = m;
        }
        if (n > 0)
            ok = consumer_deliver(d, sub, n, e->batch, e);
        if (sub->projected)
            for (int32_t i = 0; i < n; i++)
                wbemev_object_release(e->batch[i]);
    }
    inflight_leave(d, sub);
    if (!ok)
        wbemev__sub_end(d, sub, WBEMEV_E_CALL_CANCELLED);
}

/* The end of the call: what is gathered goes to the consumers, the counts to the subscriptions
 * (each is kept alive by the call's snapshot). */
static void call_subs_finish(wbemev_dispatcher_t *d, struct call_subs *t, struct wbemev__stage *stage)
{
    for (unsigned i = 0; i < t->n; i++)
        if (t->v[i].pending > 0)
            hand_over(d, &t->v[i], stage);
    for (unsigned i = 0; i < t->n; i++) {
        struct call_sub *e = &t->v[i];
        if (e->filtered)
            atomic_fetch_add_explicit(&e->sub->filtered, e->filtered, memory_order_relaxed);
        if (e->indicated)
            atomic_fetch_add_explicit(&e->sub->indicated, e->indicated, memory_order_relaxed);
        if (e->delivered)
            atomic_fetch_add_explicit(&e->sub->delivered, e->delivered, memory_order_relaxed);
    }
    t->n = 0;
}

/* Filters, then delivers: a synchronous consumer's events are gathered for hand_over; the rest
 * runs deliver_one now (counted in sub->inflight when it may call consumer code). An event the
 * filter rejects costs no atomic. Returns false when the consumer failed. */
static bool deliver(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_object_t *event,
                    struct wbemev__stage *stage, struct call_subs *t, bool where_passed,
                    const wbemev_query_filter *filter)
{
    if (atomic_load_explicit(&sub->state, memory_order_relaxed) != SUB_ACTIVE)
        return true;
    if (!passes(d, sub, event, where_passed, filter)) {
        struct call_sub *e = call_sub_for(t, sub);
        if (e != NULL)
            e->filtered++;
        else
            atomic_fetch_add_explicit(&sub->filtered, 1, memory_order_relaxed);
        return true;
    }
    if (sub->queue != NULL && sub->agg == NULL) {
        /* Queued: this thread only stages the event; the push finds the queue closed if the
         * subscription ended meanwhile (the event is then discarded, and counted), and the
         * call's snapshot keeps the queue alive. No consumer code runs here, so nothing for
         * the end to wait for. */
        return deliver_one(d, sub, event, stage, NULL);
    }
    struct call_sub *e = sub->agg == NULL ? call_sub_for(t, sub) : NULL; /* GROUP WITHIN: no consumer call */
    if (e != NULL) {
        if (e->pending == CALL_BATCH_MAX)
            hand_over(d, e, stage);
        e->batch[e->pending++] = event;
        return true;
    }
    inflight_enter(sub);
    bool ok = deliver_one(d, sub, event, stage, e);
    inflight_leave(d, sub);
    return ok;
}

/* Delivers to one subscription of the event's route. */
static void route_to(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_object_t *event,
                     struct wbemev__stage *stage, struct call_subs *calls, bool where_passed,
                     const wbemev_query_filter *filter)
{
    if (!deliver(d, sub, event, stage, calls, where_passed, filter)) {
        /* A failing consumer is cancelled: one SetStatus(COMPLETE, CALL_CANCELLED). The end is
         * deferred to the end of this Indicate, since this thread holds the snapshot. */
        wbemev__sub_end(d, sub, WBEMEV_E_CALL_CANCELLED);
    }
}

/* One event's delivery, for a class with more subscriptions than a route keeps. */
struct route_visit {
    wbemev_dispatcher_t *d;
    wbemev_object_t *event;
    struct wbemev__stage *stage;
    struct call_subs *calls;
};

static bool route_visit(void *arg, struct wbemev__sub *sub, bool where_passed)
{
    struct route_visit *v = arg;
    route_to(v->d, sub, v->event, v->stage, v->calls, where_passed, NULL);
    return true;
}

/* Routes one event to the subscriptions on its class and on each of its superclasses. */
static void route(wbemev_dispatcher_t *d, const struct wbemev__snapshot *snap, wbemev_object_t *event,
                  struct wbemev__stage *stage, struct call_subs *calls, struct wbemev__route *r)
{
    const wbemev_class_t *cls = wbemev_object_class(event);
    wbemev__route_find_deliver(snap, r, cls);
    if (!r->map->whole) {
        struct route_visit v = {d, event, stage, calls};
        wbemev__route_deliver(snap, r, event, route_visit, &v);
        return;
    }
    for (uint32_t k = 0; k < r->map->n; k++)
        route_to(d, r->map->subs[k], event, stage, calls, false, &r->map->filters[k]);
}

unsigned wbemev__deliver(wbemev_dispatcher_t *d, const struct wbemev__snapshot *snap, int32_t count,
                         wbemev_object_t *const *objects)
{
    struct wbemev__stage stage;
    wbemev__stage_init(&stage);
    struct call_subs calls;
    calls.n = 0;
    struct wbemev__route memo;
    memo.cls = NULL;
    depth_push(d);
    for (int32_t i = 0; i < count; i++)
        route(d, snap, objects[i], &stage, &calls, &memo);
    wbemev__route_done(&memo);
    call_subs_finish(d, &calls, &stage);
    wbemev__stage_flush(&stage);
    return depth_pop(d);
}
