/*
 * lib/provider_sink.c: the sinks the dispatcher gives a provider: the event sink of ProvideEvents
 * (the Indicate hot path: validate, stamp, freeze, route, deliver) and the init sink of Initialize.
 */
#include "dispatcher-int.h"

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

/* ------------------------------------------------------------------------------------------------
 * The event sink
 */
static struct wbemev__psink *psink_from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, struct wbemev__psink, base);
}

static void psink_add_ref(wbemev_sink_t *s)
{
    wbemev__ref_inc(&psink_from(s)->refs);
}

static void psink_release(wbemev_sink_t *s)
{
    struct wbemev__psink *ps = psink_from(s);
    if (wbemev__ref_dec(&ps->refs)) {
        wbemev__reg_release(ps->reg);
        wbemev__free(ps);
    }
}

/* Each Indicate call gets a token; objects remember the token they were indicated with, which tells
 * a duplicate within one call from an object indicated again later. */
static atomic_uint_fast64_t indicate_tokens = 1;

static WBEMEV__THREAD_LOCAL unsigned tls_consumer_depth;

bool wbemev__in_consumer_call(void)
{
    return tls_consumer_depth > 0;
}

/* True when one of the provider's EventQueryList classes is cls or a superclass of it. */
static bool registered_for(const struct wbemev__reg *reg, const wbemev_class_t *cls)
{
    for (size_t i = 0; i < reg->nqueries; i++)
        if (wbemev_class_inherits_from(cls, wbemev_query_class(reg->queries[i])))
            return true;
    return false;
}

/* Every object must be a non-NULL instance of an event class the provider registered for: checked
 * before anything is touched, so a refused call changes nothing. */
static wbemev_status validate(struct wbemev__reg *reg, int32_t count, wbemev_object_t *const *objects)
{
    wbemev_dispatcher_t *d = reg->d;
    if (count < 0 || (count > 0 && objects == NULL))
        return WBEMEV_E_INVALID_PARAMETER;
    const wbemev_class_t *checked = NULL; /* the class the previous instance passed with */
    for (int32_t i = 0; i < count; i++) {
        const wbemev_object_t *o = objects[i];
        if (o == NULL)
            return WBEMEV_E_INVALID_PARAMETER;
        const wbemev_class_t *cls = wbemev_object_class(o);
        bool instance = wbemev_object_genus(o) == WBEMEV_GENUS_INSTANCE;
        if (instance && cls == checked)
            continue; /* a batch is usually one class: check it once */
        if (!instance) {
            wbemev__violation(d, WBEMEV_VIOLATION_CLASS_OBJECT_INDICATED, reg->name, "Indicate", wbemev_class_name(cls));
            return WBEMEV_E_INVALID_OBJECT;
        }
        if (!wbemev_class_is_event_class(cls)) {
            wbemev__violation(d, WBEMEV_VIOLATION_NOT_EVENT_CLASS, reg->name, "Indicate", wbemev_class_name(cls));
            return WBEMEV_E_NOT_EVENT_CLASS;
        }
        if (wbemev__checking(d) && !registered_for(reg, cls) &&
            wbemev__violation(d, WBEMEV_VIOLATION_CLASS_NOT_REGISTERED, reg->name, "Indicate",
                              wbemev_class_name(cls)) == WBEMEV_S_FALSE)
            return WBEMEV_E_INVALID_CLASS;
        checked = cls;
    }
    return WBEMEV_S_NO_ERROR;
}

/* One unique object per event: marks each object with this call's token. A duplicate in the call or
 * an object indicated before is reported; under strict the marks are undone and the call refused. */
static wbemev_status mark_unique(struct wbemev__reg *reg, int32_t count, wbemev_object_t *const *objects)
{
    wbemev_dispatcher_t *d = reg->d;
    uint64_t token = atomic_fetch_add_explicit(&indicate_tokens, 1, memory_order_relaxed);
    for (int32_t i = 0; i < count; i++) {
        uint64_t prev = wbemev__object_mark_indicated(objects[i], token, reg->serial);
        if (prev == 0)
            continue;
        wbemev_violation_code code =
            prev == token ? WBEMEV_VIOLATION_DUPLICATE_IN_BATCH : WBEMEV_VIOLATION_OBJECT_REINDICATED;
        if (wbemev__violation(d, code, reg->name, "Indicate", wbemev_object_class_name(objects[i])) ==
            WBEMEV_S_FALSE) {
            for (int32_t j = 0; j < i; j++)
                wbemev__object_unmark_indicated(objects[j], token);
            return code == WBEMEV_VIOLATION_DUPLICATE_IN_BATCH ? WBEMEV_E_INVALID_PARAMETER
                                                               : WBEMEV_E_INVALID_OBJECT;
        }
    }
    return WBEMEV_S_NO_ERROR;
}

/* The throttling model (guideline 3): while a NewQuery/CancelQuery waits to get into the provider,
 * Indicate is answered SERVER_TOO_BUSY. A provider that refires refire_limit times without letting
 * the request in is reported, then let through (record) or cancelled (strict): never a hang. */
static wbemev_status throttle(struct wbemev__reg *reg)
{
    wbemev_dispatcher_t *d = reg->d;
    if (atomic_load(&reg->requests_waiting) == 0) {
        atomic_store(&reg->refires, 0);
        return WBEMEV_S_NO_ERROR;
    }
    unsigned n = atomic_fetch_add(&reg->refires, 1) + 1;
    if (n < d->refire_limit)
        return WBEMEV_E_SERVER_TOO_BUSY;
    if (n == d->refire_limit &&
        wbemev__violation(d, WBEMEV_VIOLATION_REFIRE_WHILE_PENDING, reg->name, "Indicate", NULL) == WBEMEV_S_FALSE) {
        atomic_store(&reg->answered_cancelled, true);
        return WBEMEV_E_CALL_CANCELLED;
    }
    return WBEMEV_S_NO_ERROR;
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

/* Calls the consumer's Indicate with n events, the first being the subscription's delivery number
 * `nth` (from 0). Slow consumers are found by timing the calls that include every 64th delivery,
 * the first included (a slow one is slow every time). */
static wbemev_status consumer_call(wbemev_dispatcher_t *d, struct wbemev__sub *sub, int32_t n,
                                   wbemev_object_t *const *events, uint64_t nth)
{
    bool timed = wbemev__checking(d) && ((nth + 63u) & ~(uint64_t)63u) < nth + (uint64_t)n;
    uint64_t t0 = timed ? wbemev__now(d) : 0;
    tls_consumer_depth++;
    wbemev_status st = wbemev_sink_indicate(sub->consumer, n, events);
    tls_consumer_depth--;
    if (timed && wbemev__now(d) - t0 > d->consumer_limit_ns)
        wbemev__violation(d, WBEMEV_VIOLATION_SLOW_CONSUMER, "(consumer)", "Indicate", wbemev_object_class_name(events[0]));
    return st;
}

/* May this subscription's consumer see this event (security descriptor, WHERE)? Calls no consumer
 * code, so it runs before the delivery counts itself in. */
static bool passes(const wbemev_dispatcher_t *d, const struct wbemev__sub *sub, const wbemev_object_t *event)
{
    return (!sub->check_sds || sd_allows(d, sub, event)) && (!sub->has_where || wbemev_query_matches(sub->query, event));
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
    uint64_t nth;
    if (e != NULL) {
        e->indicated += (uint64_t)n;
        nth = atomic_load_explicit(&sub->delivered, memory_order_relaxed) + e->delivered;
        e->delivered += (uint64_t)n;
    } else {
        atomic_fetch_add_explicit(&sub->indicated, (uint64_t)n, memory_order_relaxed);
        nth = atomic_fetch_add_explicit(&sub->delivered, (uint64_t)n, memory_order_relaxed);
    }
    if (WBEMEV_SUCCEEDED(consumer_call(d, sub, n, events, nth)))
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

wbemev_status wbemev__consumer_indicate(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_object_t *event)
{
    /* Counts as a delivery, so a consumer ending a subscription from its Indicate is deferred. */
    depth_push(d);
    uint64_t nth = atomic_fetch_add_explicit(&sub->delivered, 1, memory_order_relaxed);
    wbemev_status st = consumer_call(d, sub, 1, &event, nth);
    depth_pop(d);
    if (WBEMEV_FAILED(st))
        atomic_fetch_sub_explicit(&sub->delivered, 1, memory_order_relaxed);
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
                    struct wbemev__stage *stage, struct call_subs *t)
{
    if (atomic_load_explicit(&sub->state, memory_order_relaxed) != SUB_ACTIVE)
        return true;
    if (!passes(d, sub, event)) {
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
                     struct wbemev__stage *stage, struct call_subs *calls)
{
    if (!deliver(d, sub, event, stage, calls)) {
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

static bool route_visit(void *arg, struct wbemev__sub *sub)
{
    struct route_visit *v = arg;
    route_to(v->d, sub, v->event, v->stage, v->calls);
    return true;
}

/* Routes one event to the subscriptions on its class and on each of its superclasses. */
static void route(wbemev_dispatcher_t *d, const struct wbemev__snapshot *snap, wbemev_object_t *event,
                  struct wbemev__stage *stage, struct call_subs *calls, struct wbemev__route *r)
{
    const wbemev_class_t *cls = wbemev_object_class(event);
    wbemev__route_find(snap, r, cls);
    if (!r->whole) {
        struct route_visit v = {d, event, stage, calls};
        wbemev__route_walk(snap, cls, route_visit, &v);
        return;
    }
    for (uint32_t k = 0; k < r->n; k++)
        route_to(d, r->subs[k], event, stage, calls);
}

/* Answers an Indicate without delivering it: counts the objects as refused. */
static wbemev_status refuse(struct wbemev__reg *reg, int32_t count, wbemev_status st)
{
    if (count > 0)
        atomic_fetch_add_explicit(&reg->refused, (uint64_t)count, memory_order_relaxed);
    if (st == WBEMEV_E_CALL_CANCELLED)
        atomic_store(&reg->answered_cancelled, true);
    wbemev__reg_leave(reg);
    return st;
}

static wbemev_status psink_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objects)
{
    struct wbemev__reg *reg = psink_from(s)->reg;
    if (!wbemev__reg_enter(reg))
        return WBEMEV_E_CALL_CANCELLED; /* unregistered or shut down: stop indicating */
    wbemev_dispatcher_t *d = reg->d;
    if (count > 0)
        atomic_fetch_add_explicit(&reg->indicated, (uint64_t)count, memory_order_relaxed);

    /* Test kit injection: answer the next Indicates with a given status. */
    if (atomic_load_explicit(&reg->inject_count, memory_order_relaxed) > 0) {
        unsigned left = atomic_load(&reg->inject_count);
        while (left > 0 && !atomic_compare_exchange_weak(&reg->inject_count, &left, left - 1))
            ;
        if (left > 0)
            return refuse(reg, count, atomic_load(&reg->inject_status));
    }
    if (atomic_load_explicit(&reg->answered_cancelled, memory_order_relaxed)) {
        /* The provider was told to stop and indicates anyway. */
        wbemev__violation(d, WBEMEV_VIOLATION_INDICATE_AFTER_CANCEL, reg->name, "Indicate", NULL);
        return refuse(reg, count, WBEMEV_E_CALL_CANCELLED);
    }
    wbemev_status st = validate(reg, count, objects);
    if (WBEMEV_SUCCEEDED(st) && d->model_throttling)
        st = throttle(reg);
    if (WBEMEV_FAILED(st))
        return refuse(reg, count, st);

    /* Stamp TIME_CREATED where the provider left it NULL (a refired object keeps its first stamp). */
    uint64_t now = wbemev__clock_filetime();
    for (int32_t i = 0; i < count; i++)
        if (!wbemev_object_is_frozen(objects[i]))
            wbemev__object_stamp_time_created(objects[i], now);

    /* Room in every BLOCK/REFUSE queue the objects go to, before anything is delivered: a refused
     * call delivers nothing (and leaves the objects unfrozen), so the provider can refire it. */
    struct wbemev__snapshot *snap = wbemev__index_acquire(&d->index);
    struct wbemev__reservations room;
    st = wbemev__reserve_all(d, snap, count, objects, &room);
    if (WBEMEV_SUCCEEDED(st) && wbemev__checking(d)) {
        st = mark_unique(reg, count, objects);
        if (WBEMEV_FAILED(st))
            wbemev__reservations_release(&room);
    }
    if (WBEMEV_FAILED(st)) {
        wbemev__snapshot_release(snap);
        return refuse(reg, count, st);
    }

    /* Freeze: from here the objects are shared read-only with every consumer and queue. */
    for (int32_t i = 0; i < count; i++)
        if (!wbemev_object_is_frozen(objects[i]))
            wbemev_object_freeze(objects[i]);

    struct wbemev__stage stage;
    wbemev__stage_init(&stage);
    struct call_subs calls;
    calls.n = 0;
    struct wbemev__route memo;
    memo.cls = NULL;
    depth_push(d);
    for (int32_t i = 0; i < count; i++)
        route(d, snap, objects[i], &stage, &calls, &memo);
    call_subs_finish(d, &calls, &stage);
    wbemev__stage_flush(&stage); /* before the reservations go: the pushes use them */
    unsigned left = depth_pop(d);
    wbemev__reservations_release(&room);
    wbemev__snapshot_release(snap);
    if (left == 0)
        wbemev__run_deferred_ends(d);
    atomic_fetch_add_explicit(&reg->accepted, (uint64_t)count, memory_order_relaxed);
    wbemev__reg_leave(reg);
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status psink_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status status,
                                      const char *text, wbemev_object_t *object)
{
    (void)flags, (void)status, (void)text, (void)object;
    /* Guideline 4: a provider never calls SetStatus on its event sink. */
    struct wbemev__reg *reg = psink_from(s)->reg;
    if (wbemev__reg_enter(reg)) {
        wbemev__violation(reg->d, WBEMEV_VIOLATION_SET_STATUS_FROM_PROVIDER, reg->name, "SetStatus", NULL);
        wbemev__reg_leave(reg);
    }
    return WBEMEV_E_INVALID_OPERATION;
}

static const wbemev_sink_vtbl psink_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, psink_add_ref, psink_release, psink_indicate, psink_set_status,
};

wbemev_status wbemev__psink_new(struct wbemev__reg *reg, struct wbemev__psink **out)
{
    struct wbemev__psink *ps = wbemev__malloc(sizeof *ps);
    if (ps == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    ps->base.vtbl = &psink_vtbl;
    wbemev__ref_init(&ps->refs, 1);
    ps->reg = reg;
    wbemev__ref_inc(&reg->refs);
    *out = ps;
    return WBEMEV_S_NO_ERROR;
}

/* ------------------------------------------------------------------------------------------------
 * The init sink: the provider reports readiness through SetStatus, once, now or later.
 */
struct init_sink {
    wbemev_sink_t base;
    wbemev__refcount refs;
    struct wbemev__reg *reg;
    atomic_bool reported;
};

static struct init_sink *init_sink_from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, struct init_sink, base);
}

static void init_sink_add_ref(wbemev_sink_t *s)
{
    wbemev__ref_inc(&init_sink_from(s)->refs);
}

static void init_sink_release(wbemev_sink_t *s)
{
    struct init_sink *is = init_sink_from(s);
    if (wbemev__ref_dec(&is->refs)) {
        wbemev__reg_release(is->reg);
        wbemev__free(is);
    }
}

static wbemev_status init_sink_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objects)
{
    (void)s, (void)count, (void)objects;
    return WBEMEV_E_INVALID_OPERATION; /* the init sink takes a status, not events */
}

static wbemev_status init_sink_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status status,
                                          const char *text, wbemev_object_t *object)
{
    (void)text, (void)object;
    struct init_sink *is = init_sink_from(s);
    if (flags != WBEMEV_STATUS_COMPLETE)
        return WBEMEV_S_NO_ERROR; /* progress reports are allowed and ignored */
    if (atomic_exchange(&is->reported, true))
        return WBEMEV_E_INVALID_OPERATION; /* readiness is reported once */
    if (!wbemev__reg_enter(is->reg))
        return WBEMEV_E_CALL_CANCELLED;
    wbemev__reg_initialized(is->reg, status);
    wbemev__reg_leave(is->reg);
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_sink_vtbl init_sink_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, init_sink_add_ref, init_sink_release, init_sink_indicate,
    init_sink_set_status,
};

wbemev_status wbemev__init_sink_new(struct wbemev__reg *reg, wbemev_sink_t **out)
{
    struct init_sink *is = wbemev__malloc(sizeof *is);
    if (is == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    is->base.vtbl = &init_sink_vtbl;
    wbemev__ref_init(&is->refs, 1);
    atomic_init(&is->reported, false);
    is->reg = reg;
    wbemev__ref_inc(&reg->refs);
    *out = &is->base;
    return WBEMEV_S_NO_ERROR;
}
