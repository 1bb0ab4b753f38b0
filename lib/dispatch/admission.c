/*
 * lib/dispatch/admission.c: room in bounded queues for one Indicate call. BLOCK and REFUSE queues
 * are "reserving": an Indicate first reserves room in each of them for every object it routes
 * there, waiting if need be (BLOCK), and only then delivers anything, so a refused Indicate
 * delivers nothing and can be refired. Reservations count against the limits until the Indicate
 * returns. First a bound is tried (every object its class routes to a queue, no WHERE evaluated),
 * taken only when every queue has room for it at once: the usual case, a queue far from its
 * limits. Else the exact share: each queue's share of the call, after the filters, reserved in
 * one step per queue.
 */
#include "dispatch/dispatch.h"

/* Adds n events of `bytes` in all to the call's tally for q (nothing is reserved yet). */
static bool reservations_add(struct wbemev__reservations *r, struct wbemev__queue *q, uint64_t n, uint64_t bytes)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].q == q) {
            r->v[i].n += n;
            r->v[i].bytes += bytes;
            return true;
        }
    }
    if (r->n == r->cap) {
        size_t cap = r->cap * 2;
        struct wbemev__reservation *v = wbemev__calloc(cap, sizeof *v);
        if (v == NULL)
            return false;
        memcpy(v, r->v, r->n * sizeof *v);
        if (r->v != r->local)
            wbemev__free(r->v);
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = (struct wbemev__reservation){q, n, bytes};
    return true;
}

/* Forgets the tally without touching the queues. */
static void reservations_reset(struct wbemev__reservations *r)
{
    if (r->v != r->local)
        wbemev__free(r->v);
    r->v = r->local;
    r->n = 0;
    r->cap = sizeof r->local / sizeof r->local[0];
}

void wbemev__reservations_release(struct wbemev__reservations *r)
{
    for (size_t i = 0; i < r->n; i++)
        wbemev__queue_unreserve(r->v[i].q, r->v[i].n, r->v[i].bytes);
    reservations_reset(r);
}

/* What for_each_target calls fn for. */
struct targets {
    bool (*fn)(void *ctx, struct wbemev__sub *sub, wbemev_object_t *obj, uint64_t bytes);
    void *ctx;
    bool reserving_only; /* only BLOCK and REFUSE queues */
    bool where;          /* only the subscriptions whose WHERE the object passes */
};

/* One object's visit, for a class with more subscriptions than a route keeps. */
struct target_visit {
    const struct targets *t;
    wbemev_object_t *obj;
    uint64_t bytes;
};

/* Calls t->fn for (obj, sub) if sub is one of t's targets: not GROUP WITHIN, reserving when asked,
 * and passing its WHERE when asked. */
static bool target_apply(const struct targets *t, struct wbemev__sub *sub, wbemev_object_t *obj, uint64_t bytes,
                         bool where_passed)
{
    if (t->reserving_only ? !sub->reserving : sub->agg != NULL)
        return true;
    if (t->where && !where_passed && sub->has_where && !wbemev_query_matches(sub->query, obj))
        return true;
    return t->fn(t->ctx, sub, obj, bytes);
}

static bool target_visit(void *arg, struct wbemev__sub *sub, bool where_passed)
{
    struct target_visit *v = arg;
    return target_apply(v->t, sub, v->obj, v->bytes, where_passed);
}

/* Calls t->fn for every (object, subscription) pair the call routes; stops when it returns false. */
static bool for_each_target(const struct wbemev__snapshot *snap, int32_t count, wbemev_object_t *const *objects,
                            const struct targets *t, bool need_bytes)
{
    struct wbemev__route route;
    route.cls = NULL;
    for (int32_t i = 0; i < count; i++) {
        wbemev_object_t *obj = objects[i];
        const wbemev_class_t *cls = wbemev_object_class(obj);
        uint64_t bytes = need_bytes ? wbemev__object_footprint(obj) : 0;
        wbemev__route_find(snap, &route, cls);
        if (!route.map->whole) {
            struct target_visit v = {t, obj, bytes};
            if (!wbemev__route_walk(snap, &route, obj, target_visit, &v))
                return false;
            continue;
        }
        for (uint32_t k = 0; k < route.map->n; k++)
            if (!target_apply(t, route.map->subs[k], obj, bytes, false))
                return false;
    }
    return true;
}

static bool tally_target(void *ctx, struct wbemev__sub *sub, wbemev_object_t *obj, uint64_t bytes)
{
    (void)obj;
    return reservations_add(ctx, sub->queue, 1, bytes);
}

/* The bound: every object to every reserving queue its class routes it to, WHERE not evaluated.
 * A run of objects of one class with a whole route is tallied once per queue, not per object. */
static bool tally_bound(const struct wbemev__snapshot *snap, int32_t count, wbemev_object_t *const *objects,
                        struct wbemev__reservations *r)
{
    const struct targets one = {tally_target, r, true, false};
    struct wbemev__route route;
    route.cls = NULL;
    for (int32_t i = 0; i < count;) {
        const wbemev_class_t *cls = wbemev_object_class(objects[i]);
        wbemev__route_find(snap, &route, cls);
        if (!route.map->whole) {
            if (!for_each_target(snap, 1, &objects[i], &one, true))
                return false;
            i++;
            continue;
        }
        uint64_t n = 0, bytes = 0;
        for (; i < count && wbemev_object_class(objects[i]) == cls; i++, n++)
            bytes += wbemev__object_footprint(objects[i]);
        for (uint32_t k = 0; k < route.map->n; k++) {
            struct wbemev__sub *sub = route.map->subs[k];
            if (sub->reserving && !reservations_add(r, sub->queue, n, bytes))
                return false;
        }
    }
    return true;
}

static bool count_refused(void *ctx, struct wbemev__sub *sub, wbemev_object_t *obj, uint64_t bytes)
{
    (void)ctx, (void)obj, (void)bytes;
    if (atomic_load_explicit(&sub->state, memory_order_acquire) == SUB_ACTIVE) {
        atomic_fetch_add_explicit(&sub->indicated, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&sub->refused, 1, memory_order_relaxed);
    }
    return true;
}

wbemev_status wbemev__reserve_all(wbemev_dispatcher_t *d, const struct wbemev__snapshot *snap, int32_t count,
                                  wbemev_object_t *const *objects, struct wbemev__reservations *r)
{
    r->v = r->local;
    r->n = 0;
    r->cap = sizeof r->local / sizeof r->local[0];
    if (!snap->reserving)
        return WBEMEV_S_NO_ERROR;
    /* First the bound; what the call does not use goes back with the reservations at its end. */
    if (tally_bound(snap, count, objects, r)) {
        size_t i = 0;
        for (; i < r->n; i++)
            if (wbemev__queue_reserve(r->v[i].q, r->v[i].n, r->v[i].bytes, 0, false) != WBEMEV_S_NO_ERROR)
                break;
        if (i == r->n)
            return WBEMEV_S_NO_ERROR;
        r->n = i; /* release what was reserved, then reserve the exact share */
        wbemev__reservations_release(r);
    } else {
        reservations_reset(r);
    }
    /* The exact share: tally each queue's share of the call, then reserve it in one step per
     * queue: one q->mu round-trip per queue per call, not per event. */
    const struct targets exact = {tally_target, r, true, true};
    if (!for_each_target(snap, count, objects, &exact, true)) {
        reservations_reset(r);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    /* A worker (a consumer indicating into its own dispatcher) must not wait for itself. */
    bool may_block = !wbemev__on_worker_of(d);
    uint64_t t0 = wbemev__clock_monotonic_ns();
    wbemev_status st = WBEMEV_S_NO_ERROR;
    for (size_t i = 0; i < r->n; i++) {
        struct wbemev__reservation *v = &r->v[i];
        st = wbemev__queue_reserve(v->q, v->n, v->bytes, t0, may_block);
        if (WBEMEV_FAILED(st)) {
            r->n = i; /* release what was reserved */
            break;
        }
    }
    if (WBEMEV_SUCCEEDED(st))
        return st;
    wbemev__reservations_release(r);
    if (st == WBEMEV_E_SERVER_TOO_BUSY)
        for_each_target(snap, count, objects, &(const struct targets){count_refused, NULL, false, true}, false);
    return st;
}
