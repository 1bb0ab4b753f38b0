/*
 * lib/queue.c: queued delivery. One bounded FIFO of frozen event references per queued
 * subscription, and the worker pool that empties them.
 *
 * - A queue holds references to frozen events (shared with every other consumer: no copy). Its
 *   limits are events (max_events), bytes (max_bytes, wbemev__object_footprint) and the
 *   dispatcher's total (d->queued_bytes against d->queue_total_bytes).
 * - BLOCK and REFUSE queues are "reserving": an Indicate first reserves room in each of them for
 *   every object it routes there (wbemev__reserve_all), waiting if need be, and only then delivers
 *   anything; so a refused Indicate delivers nothing and can be refired. Reservations count against
 *   the limits until the Indicate returns. DROP queues never refuse: push drops instead.
 * - A queue is "scheduled" (on the pool's run list, holding a reference to its subscription) while
 *   it has events or an overflow notice to deliver; one worker at a time runs it ("running"), so a
 *   consumer is never called concurrently and sees the queue's order, which is each provider
 *   thread's order.
 * - Inline queues (GROUP WITHIN with synchronous delivery) are run by whoever pushes to them (the
 *   timer), never by the workers.
 * - Locks: q->mu (one queue), pool->mu (run list), pool->space_mu (producers blocked for room).
 *   Order: space_mu before q->mu; pool->mu is never held with another. None is held across user
 *   code.
 */
#include "dispatcher-int.h"

#include <stdio.h>

struct qitem {
    wbemev_object_t *obj;
    uint64_t bytes;
};

struct wbemev__queue {
    wbemev__mutex mu;
    wbemev__cond idle_cv; /* running became false */
    wbemev_dispatcher_t *d;
    struct wbemev__sub *sub;
    struct qitem *ring;
    size_t cap, head, count;
    uint64_t bytes;
    uint64_t reserved_n, reserved_bytes;
    uint64_t high;
    uint64_t unreported; /* drops the consumer was not told about yet */
    uint32_t max_events;
    uint64_t max_bytes;
    wbemev_backpressure policy;
    uint64_t max_wait_ns;
    bool inline_run;
    bool closed;    /* pushes are discarded */
    atomic_bool ended; /* nothing more is delivered; set under q->mu, read without it by a worker
                        * delivering a batch */
    bool scheduled; /* on the run list or running (workers' queues) */
    bool running;
    /* Events a worker took out of the ring and has not delivered (or discarded) yet: still queued
     * for the stats. Written by the one worker running the queue, read by stats. */
    atomic_size_t in_hand;
    struct wbemev__queue *run_next;
};

struct wbemev__pool {
    wbemev_dispatcher_t *d;
    wbemev__mutex mu;
    wbemev__cond work_cv; /* a queue became runnable, or stop */
    wbemev__cond idle_cv; /* busy reached 0 */
    struct wbemev__queue *head, *tail;
    size_t busy; /* queues scheduled (listed or running) */
    bool stop;
    uint32_t nworkers, started;
    wbemev__thread *threads;
    /* producers waiting for room (BLOCK) */
    wbemev__mutex space_mu;
    wbemev__cond space_cv;
    atomic_uint space_waiters;
    /* keep_final_stats, under mu */
    struct final_stats {
        uint32_t id;
        wbemev_subscription_stats st;
    } *finals;
    size_t nfinals, capfinals;
};

static WBEMEV__THREAD_LOCAL const struct wbemev__pool *tls_worker_of;

/* ------------------------------------------------------------------------------------------------
 * Pool
 */
wbemev_status wbemev__pool_new(wbemev_dispatcher_t *d, uint32_t workers)
{
    struct wbemev__pool *p = wbemev__calloc(1, sizeof *p);
    if (p == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    p->d = d;
    p->nworkers = workers ? workers : 1;
    p->threads = wbemev__calloc(p->nworkers, sizeof *p->threads);
    bool ok[5] = {p->threads != NULL};
    if (ok[0]) {
        ok[1] = wbemev__mutex_init(&p->mu);
        ok[2] = wbemev__cond_init(&p->work_cv);
        ok[3] = wbemev__cond_init(&p->idle_cv);
        ok[4] = wbemev__mutex_init(&p->space_mu);
    }
    bool cv_ok = ok[4] && wbemev__cond_init(&p->space_cv);
    if (!cv_ok) {
        if (ok[4])
            wbemev__mutex_destroy(&p->space_mu);
        if (ok[3])
            wbemev__cond_destroy(&p->idle_cv);
        if (ok[2])
            wbemev__cond_destroy(&p->work_cv);
        if (ok[1])
            wbemev__mutex_destroy(&p->mu);
        wbemev__free(p->threads);
        wbemev__free(p);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    atomic_init(&p->space_waiters, 0);
    d->pool = p;
    return WBEMEV_S_NO_ERROR;
}

void wbemev__pool_free(wbemev_dispatcher_t *d)
{
    struct wbemev__pool *p = d->pool;
    if (p == NULL)
        return;
    wbemev__cond_destroy(&p->space_cv);
    wbemev__mutex_destroy(&p->space_mu);
    wbemev__cond_destroy(&p->idle_cv);
    wbemev__cond_destroy(&p->work_cv);
    wbemev__mutex_destroy(&p->mu);
    wbemev__free(p->finals);
    wbemev__free(p->threads);
    wbemev__free(p);
    d->pool = NULL;
}

void wbemev__pool_record_final(wbemev_dispatcher_t *d, uint32_t id, const wbemev_subscription_stats *st)
{
    struct wbemev__pool *p = d->pool;
    if (p == NULL)
        return;
    wbemev__mutex_lock(&p->mu);
    if (p->nfinals == p->capfinals) {
        size_t cap = p->capfinals ? p->capfinals * 2 : 16;
        struct final_stats *v = wbemev__realloc(p->finals, cap * sizeof *v);
        if (v != NULL) {
            p->finals = v;
            p->capfinals = cap;
        }
    }
    if (p->nfinals < p->capfinals)
        p->finals[p->nfinals++] = (struct final_stats){id, *st};
    wbemev__mutex_unlock(&p->mu);
}

bool wbemev__pool_final_stats(wbemev_dispatcher_t *d, uint32_t id, wbemev_subscription_stats *out)
{
    struct wbemev__pool *p = d->pool;
    bool found = false;
    wbemev__mutex_lock(&p->mu);
    for (size_t i = p->nfinals; i-- > 0;) {
        if (p->finals[i].id == id) {
            *out = p->finals[i].st;
            found = true;
            break;
        }
    }
    wbemev__mutex_unlock(&p->mu);
    return found;
}

static void wake_space_waiters(struct wbemev__pool *p)
{
    if (atomic_load(&p->space_waiters) == 0)
        return;
    wbemev__mutex_lock(&p->space_mu);
    wbemev__cond_broadcast(&p->space_cv);
    wbemev__mutex_unlock(&p->space_mu);
}

/* Appends a queue that was just marked scheduled (its subscription reference taken). */
static void pool_append(struct wbemev__pool *p, struct wbemev__queue *q, bool new_busy)
{
    wbemev__mutex_lock(&p->mu);
    q->run_next = NULL;
    if (p->tail != NULL)
        p->tail->run_next = q;
    else
        p->head = q;
    p->tail = q;
    if (new_busy)
        p->busy++;
    wbemev__cond_signal(&p->work_cv);
    wbemev__mutex_unlock(&p->mu);
}

static void pool_unbusy(struct wbemev__pool *p)
{
    wbemev__mutex_lock(&p->mu);
    if (--p->busy == 0)
        wbemev__cond_broadcast(&p->idle_cv);
    wbemev__mutex_unlock(&p->mu);
}

static bool queue_run_some(struct wbemev__queue *q, unsigned budget);

static void worker_main(void *arg)
{
    struct wbemev__pool *p = arg;
    tls_worker_of = p;
    for (;;) {
        wbemev__mutex_lock(&p->mu);
        while (p->head == NULL && !p->stop)
            wbemev__cond_wait(&p->work_cv, &p->mu);
        struct wbemev__queue *q = p->head;
        if (q == NULL) {
            wbemev__mutex_unlock(&p->mu);
            break;
        }
        p->head = q->run_next;
        if (p->head == NULL)
            p->tail = NULL;
        wbemev__mutex_unlock(&p->mu);
        struct wbemev__sub *sub = q->sub;
        if (queue_run_some(q, 64)) {
            pool_append(p, q, false); /* more to do: back of the line, still busy */
        } else {
            wbemev__sub_release(sub); /* the run list's reference; may free q */
            pool_unbusy(p);           /* after: wait_idle then sees the subscription freed */
        }
    }
    tls_worker_of = NULL;
}

/* Starts the workers on first use. */
static wbemev_status pool_start(struct wbemev__pool *p)
{
    wbemev_status st = WBEMEV_S_NO_ERROR;
    wbemev__mutex_lock(&p->mu);
    if (p->stop)
        st = WBEMEV_E_SHUTTING_DOWN;
    while (WBEMEV_SUCCEEDED(st) && p->started < p->nworkers) {
        if (!wbemev__thread_start(&p->threads[p->started], worker_main, p)) {
            if (p->started == 0)
                st = WBEMEV_E_OUT_OF_MEMORY;
            p->nworkers = p->started; /* fewer workers than asked: still correct */
            break;
        }
        p->started++;
    }
    wbemev__mutex_unlock(&p->mu);
    return st;
}

wbemev_status wbemev__pool_wait_idle(wbemev_dispatcher_t *d, uint64_t timeout_ns)
{
    struct wbemev__pool *p = d->pool;
    uint64_t deadline = wbemev__clock_monotonic_ns() + timeout_ns;
    bool idle = true;
    wbemev__mutex_lock(&p->mu);
    while (p->busy > 0) {
        uint64_t now = wbemev__clock_monotonic_ns();
        if (now >= deadline) {
            idle = false;
            break;
        }
        wbemev__cond_timedwait(&p->idle_cv, &p->mu, deadline - now);
    }
    wbemev__mutex_unlock(&p->mu);
    return idle ? WBEMEV_S_NO_ERROR : WBEMEV_E_TIMED_OUT;
}

void wbemev__pool_stop(wbemev_dispatcher_t *d)
{
    struct wbemev__pool *p = d->pool;
    wbemev__mutex_lock(&p->mu);
    p->stop = true;
    wbemev__cond_broadcast(&p->work_cv);
    uint32_t n = p->started;
    p->started = 0;
    wbemev__mutex_unlock(&p->mu);
    /* Queues still listed are ended: workers run through them without delivering, then exit. */
    for (uint32_t i = 0; i < n; i++)
        wbemev__thread_join(&p->threads[i]);
}

/* ------------------------------------------------------------------------------------------------
 * Queues
 */
wbemev_status wbemev__queue_new(wbemev_dispatcher_t *d, struct wbemev__sub *sub,
                                const wbemev_subscribe_options *o, bool inline_run, struct wbemev__queue **out)
{
    if ((unsigned)o->backpressure > WBEMEV_BACKPRESSURE_DROP_NEWEST)
        return WBEMEV_E_INVALID_PARAMETER;
    struct wbemev__queue *q = wbemev__calloc(1, sizeof *q);
    if (q == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    bool mu_ok = wbemev__mutex_init(&q->mu);
    bool cv_ok = wbemev__cond_init(&q->idle_cv);
    if (!mu_ok || !cv_ok) {
        if (mu_ok)
            wbemev__mutex_destroy(&q->mu);
        if (cv_ok)
            wbemev__cond_destroy(&q->idle_cv);
        wbemev__free(q);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    q->d = d;
    q->sub = sub;
    atomic_init(&q->ended, false);
    atomic_init(&q->in_hand, 0);
    q->max_events = o->queue_max_events;
    q->max_bytes = o->queue_max_bytes;
    q->policy = o->backpressure;
    q->max_wait_ns = (uint64_t)o->max_wait_ms * 1000000u;
    q->inline_run = inline_run;
    if (!inline_run) {
        wbemev_status st = pool_start(d->pool);
        if (WBEMEV_FAILED(st)) {
            wbemev__queue_free(q);
            return st;
        }
    }
    *out = q;
    return WBEMEV_S_NO_ERROR;
}

void wbemev__queue_free(struct wbemev__queue *q)
{
    if (q == NULL)
        return;
    /* Ended (or never used) by now: nothing queued. */
    for (size_t i = 0; i < q->count; i++)
        wbemev_object_release(q->ring[(q->head + i) % q->cap].obj);
    wbemev__free(q->ring);
    wbemev__cond_destroy(&q->idle_cv);
    wbemev__mutex_destroy(&q->mu);
    wbemev__free(q);
}

bool wbemev__queue_reserving(const struct wbemev__queue *q)
{
    return !q->inline_run &&
           (q->policy == WBEMEV_BACKPRESSURE_BLOCK || q->policy == WBEMEV_BACKPRESSURE_REFUSE);
}

/* Room for n more events of `bytes`? Called with q->mu held. An empty queue always takes one event
 * (else an event larger than max_bytes could never pass); the dispatcher's total always applies. */
static bool fits(const struct wbemev__queue *q, uint64_t n, uint64_t bytes)
{
    uint64_t total = q->d->queue_total_bytes;
    if (total != 0 && atomic_load(&q->d->queued_bytes) + bytes > total)
        return false;
    if (q->count + q->reserved_n == 0 && n == 1)
        return true;
    if (q->max_events != 0 && q->count + q->reserved_n + n > q->max_events)
        return false;
    if (q->max_bytes != 0 && q->bytes + q->reserved_bytes + bytes > q->max_bytes)
        return false;
    return true;
}

/* Takes room for n events of `bytes` in all under q->mu. */
static void take_room(struct wbemev__queue *q, uint64_t n, uint64_t bytes)
{
    q->reserved_n += n;
    q->reserved_bytes += bytes;
    atomic_fetch_add(&q->d->queued_bytes, bytes);
}

static bool ring_grow(struct wbemev__queue *q);

/* Takes room under q->mu, with ring slots for it: the pushes that follow cannot fail. */
static wbemev_status take_room_slots(struct wbemev__queue *q, uint64_t n, uint64_t bytes)
{
    while (!q->closed && q->count + q->reserved_n + n > q->cap)
        if (!ring_grow(q))
            return WBEMEV_E_OUT_OF_MEMORY;
    take_room(q, n, bytes);
    return WBEMEV_S_NO_ERROR;
}

/* Reserves room for n events of `bytes` in all (one Indicate call's share of this queue), waiting
 * until `deadline` (real clock) under BLOCK. A closed queue always has room (the events will be
 * discarded). */
static wbemev_status reserve_n(struct wbemev__queue *q, uint64_t n, uint64_t bytes, uint64_t deadline,
                               bool may_block)
{
    struct wbemev__pool *p = q->d->pool;
    wbemev__mutex_lock(&q->mu);
    if (q->closed || fits(q, n, bytes)) {
        wbemev_status st = take_room_slots(q, n, bytes);
        wbemev__mutex_unlock(&q->mu);
        return st;
    }
    wbemev__mutex_unlock(&q->mu);
    if (!may_block || q->policy != WBEMEV_BACKPRESSURE_BLOCK)
        return WBEMEV_E_SERVER_TOO_BUSY;
    wbemev_status st = WBEMEV_E_SERVER_TOO_BUSY;
    atomic_fetch_add(&p->space_waiters, 1);
    wbemev__mutex_lock(&p->space_mu);
    for (;;) {
        bool done = false;
        wbemev__mutex_lock(&q->mu);
        if (q->closed || fits(q, n, bytes)) {
            st = take_room_slots(q, n, bytes);
            done = true;
        }
        wbemev__mutex_unlock(&q->mu);
        uint64_t now = wbemev__clock_monotonic_ns();
        if (done || now >= deadline)
            break;
        wbemev__cond_timedwait(&p->space_cv, &p->space_mu, deadline - now);
    }
    wbemev__mutex_unlock(&p->space_mu);
    atomic_fetch_sub(&p->space_waiters, 1);
    return st;
}

/* Adds one event to the call's tally for q (nothing is reserved yet). */
static bool reservations_add(struct wbemev__reservations *r, struct wbemev__queue *q, uint64_t bytes)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].q == q) {
            r->v[i].n++;
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
    r->v[r->n++] = (struct wbemev__reservation){q, 1, bytes};
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
    struct wbemev__pool *p = NULL;
    for (size_t i = 0; i < r->n; i++) {
        struct wbemev__queue *q = r->v[i].q;
        wbemev__mutex_lock(&q->mu);
        q->reserved_n -= r->v[i].n;
        q->reserved_bytes -= r->v[i].bytes;
        atomic_fetch_sub(&q->d->queued_bytes, r->v[i].bytes);
        wbemev__mutex_unlock(&q->mu);
        p = q->d->pool;
    }
    if (p != NULL)
        wake_space_waiters(p);
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
static bool target_apply(const struct targets *t, struct wbemev__sub *sub, wbemev_object_t *obj, uint64_t bytes)
{
    if (t->reserving_only ? !sub->reserving : sub->agg != NULL)
        return true;
    if (t->where && sub->has_where && !wbemev_query_matches(sub->query, obj))
        return true;
    return t->fn(t->ctx, sub, obj, bytes);
}

static bool target_visit(void *arg, struct wbemev__sub *sub)
{
    struct target_visit *v = arg;
    return target_apply(v->t, sub, v->obj, v->bytes);
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
        if (!route.whole) {
            struct target_visit v = {t, obj, bytes};
            if (!wbemev__route_walk(snap, cls, target_visit, &v))
                return false;
            continue;
        }
        for (uint32_t k = 0; k < route.n; k++)
            if (!target_apply(t, route.subs[k], obj, bytes))
                return false;
    }
    return true;
}

static bool tally_target(void *ctx, struct wbemev__sub *sub, wbemev_object_t *obj, uint64_t bytes)
{
    (void)obj;
    return reservations_add(ctx, sub->queue, bytes);
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
    /* First a bound: every object its class routes to a queue, whatever the WHERE says (none is
     * evaluated), taken only if every queue has room for it at once: the usual case, a queue far
     * from its limits. What the call does not use goes back with the reservations at its end. */
    const struct targets bound = {tally_target, r, true, false};
    if (for_each_target(snap, count, objects, &bound, true)) {
        size_t i = 0;
        for (; i < r->n; i++)
            if (reserve_n(r->v[i].q, r->v[i].n, r->v[i].bytes, 0, false) != WBEMEV_S_NO_ERROR)
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
    bool may_block = tls_worker_of != d->pool;
    uint64_t t0 = wbemev__clock_monotonic_ns();
    wbemev_status st = WBEMEV_S_NO_ERROR;
    for (size_t i = 0; i < r->n; i++) {
        struct wbemev__reservation *v = &r->v[i];
        st = reserve_n(v->q, v->n, v->bytes, t0 + v->q->max_wait_ns, may_block);
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

/* ------------------------------------------------------------------------------------------------
 * Push, run, end
 */
static bool ring_grow(struct wbemev__queue *q)
{
    size_t cap = q->cap ? q->cap * 2 : 16;
    struct qitem *v = wbemev__calloc(cap, sizeof *v);
    if (v == NULL)
        return false;
    for (size_t i = 0; i < q->count; i++)
        v[i] = q->ring[(q->head + i) % q->cap];
    wbemev__free(q->ring);
    q->ring = v;
    q->cap = cap;
    q->head = 0;
    return true;
}

static struct qitem ring_pop(struct wbemev__queue *q)
{
    struct qitem it = q->ring[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    q->bytes -= it.bytes;
    atomic_fetch_sub(&q->d->queued_bytes, it.bytes);
    return it;
}

/* Marks q scheduled when it has work; returns true when the caller must append it to the run list.
 * Called with q->mu held. */
static bool schedule_locked(struct wbemev__queue *q)
{
    if (q->inline_run || q->scheduled || q->ended || (q->count == 0 && q->unreported == 0))
        return false;
    q->scheduled = true;
    wbemev__ref_inc(&q->sub->refs); /* the run list's */
    return true;
}

/* Objects to release once q->mu is dropped (releasing calls no user code, but need not hold the
 * lock); past its capacity they are released under the lock. */
struct release_list {
    size_t n;
    wbemev_object_t *v[WBEMEV__STAGE_MAX + 8];
};

static void release_later(struct release_list *l, wbemev_object_t *obj)
{
    if (l->n < sizeof l->v / sizeof l->v[0])
        l->v[l->n++] = obj;
    else
        wbemev_object_release(obj);
}

/* Remembers q for the wake-up at the end of the call; false when the stage has no room for it
 * (the caller schedules q now). */
static bool stage_defer_wake(struct wbemev__stage *s, struct wbemev__queue *q)
{
    for (size_t i = 0; i < s->nwake; i++)
        if (s->wake[i] == q)
            return true;
    if (s->nwake == WBEMEV__STAGE_WAKES)
        return false;
    s->wake[s->nwake++] = q;
    return true;
}

/* Queues n events in order, taking over the caller's reference to each (a NULL entry records a
 * drop: an event that could not be prepared, which the consumer is told of). One q->mu round-trip
 * and at most one wake-up of the workers for the whole batch. `force`: room was reserved. */
static void push_adopted(struct wbemev__queue *q, wbemev_object_t *const *objs, size_t n, bool force,
                         struct wbemev__stage *defer_wake)
{
    struct wbemev__sub *sub = q->sub;
    uint64_t bytes[WBEMEV__STAGE_MAX];
    for (size_t i = 0; i < n; i++)
        bytes[i] = objs[i] != NULL ? wbemev__object_footprint(objs[i]) : 0;
    atomic_fetch_add_explicit(&sub->indicated, n, memory_order_relaxed);
    struct release_list rel;
    rel.n = 0;
    uint64_t drops = 0, discards = 0;
    size_t nevicted = 0;
    uint64_t added = 0;
    wbemev__mutex_lock(&q->mu);
    for (size_t i = 0; i < n; i++) {
        wbemev_object_t *event = objs[i];
        if (q->closed) {
            discards++;
            if (event != NULL)
                release_later(&rel, event);
            continue;
        }
        if (event == NULL) {
            q->unreported++;
            drops++;
            continue;
        }
        bool dropped_new = false;
        if (!force && !wbemev__queue_reserving(q) && !fits(q, 1, bytes[i])) {
            if (q->policy == WBEMEV_BACKPRESSURE_DROP_OLDEST) {
                size_t k = 0;
                for (; q->count > 0 && k < 8 && !fits(q, 1, bytes[i]); k++)
                    release_later(&rel, ring_pop(q).obj);
                q->unreported += k;
                drops += k;
                nevicted += k;
            }
            dropped_new = !fits(q, 1, bytes[i]);
        }
        if (!dropped_new && q->count == q->cap && !ring_grow(q))
            dropped_new = true; /* out of memory: a drop like any other (the consumer is told) */
        if (dropped_new) {
            q->unreported++;
            drops++;
            release_later(&rel, event);
            continue;
        }
        q->ring[(q->head + q->count) % q->cap] = (struct qitem){event, bytes[i]};
        q->count++;
        q->bytes += bytes[i];
        added += bytes[i];
        if (q->count > q->high)
            q->high = q->count;
    }
    if (added > 0)
        atomic_fetch_add(&q->d->queued_bytes, added);
    bool append = false;
    if (defer_wake == NULL || !stage_defer_wake(defer_wake, q))
        append = schedule_locked(q);
    wbemev__mutex_unlock(&q->mu);
    if (drops > 0)
        atomic_fetch_add_explicit(&sub->dropped, drops, memory_order_relaxed);
    if (discards > 0)
        atomic_fetch_add_explicit(&sub->discarded, discards, memory_order_relaxed);
    for (size_t i = 0; i < rel.n; i++)
        wbemev_object_release(rel.v[i]);
    if (nevicted > 0)
        wake_space_waiters(q->d->pool);
    if (append)
        pool_append(q->d->pool, q, true);
}

void wbemev__queue_push(struct wbemev__queue *q, wbemev_object_t *event, bool force)
{
    wbemev_object_t *ref = event != NULL ? wbemev_object_add_ref(event) : NULL;
    push_adopted(q, &ref, 1, force, NULL);
}

void wbemev__stage_init(struct wbemev__stage *s)
{
    s->n = 0;
    s->nwake = 0;
}

static void stage_push(struct wbemev__stage *s);

void wbemev__stage_add(struct wbemev__stage *s, struct wbemev__queue *q, wbemev_object_t *event)
{
    if (s->n == WBEMEV__STAGE_MAX)
        stage_push(s);
    s->v[s->n].q = q;
    s->v[s->n].obj = event != NULL ? wbemev_object_add_ref(event) : NULL;
    s->n++;
}

void wbemev__stage_flush(struct wbemev__stage *s)
{
    stage_push(s);
    for (size_t i = 0; i < s->nwake; i++) {
        struct wbemev__queue *q = s->wake[i];
        wbemev__mutex_lock(&q->mu);
        bool append = schedule_locked(q);
        wbemev__mutex_unlock(&q->mu);
        if (append)
            pool_append(q->d->pool, q, true);
    }
    s->nwake = 0;
}

/* Pushes what is staged, per queue, deferring the wake-ups to wbemev__stage_flush. */
static void stage_push(struct wbemev__stage *s)
{
    wbemev_object_t *batch[WBEMEV__STAGE_MAX];
    for (size_t i = 0; i < s->n; i++) {
        struct wbemev__queue *q = s->v[i].q;
        if (q == NULL)
            continue; /* already pushed with an earlier entry's queue */
        size_t k = 0;
        for (size_t j = i; j < s->n; j++) {
            if (s->v[j].q == q) {
                batch[k++] = s->v[j].obj;
                s->v[j].q = NULL;
            }
        }
        push_adopted(q, batch, k, wbemev__queue_reserving(q), s);
    }
    s->n = 0;
}

static void send_overflow(struct wbemev__queue *q, uint64_t n)
{
    char text[64];
    snprintf(text, sizeof text, "%llu events dropped", (unsigned long long)n);
    wbemev_sink_set_status(q->sub->consumer, WBEMEV_STATUS_PROGRESS, WBEMEV_E_QUEUE_OVERFLOW, text, NULL);
}

/* Delivers up to `budget` items. Returns true when the queue (a workers' one) stays scheduled with
 * more to do; false when it was unscheduled (the caller drops the run list's reference). Items are
 * taken out in batches under one q->mu round-trip and delivered outside the lock; an end that
 * arrives meanwhile (q->ended) discards the rest of the batch. */
static bool queue_run_some(struct wbemev__queue *q, unsigned budget)
{
    wbemev_dispatcher_t *d = q->d;
    struct wbemev__sub *sub = q->sub;
    bool failed = false;
    struct qitem batch[WBEMEV__STAGE_MAX];
    wbemev__mutex_lock(&q->mu);
    if (q->running) { /* inline queues only: another thread is on it and will see our push */
        wbemev__mutex_unlock(&q->mu);
        return false;
    }
    q->running = true;
    while (budget > 0 && !failed && !q->ended) {
        if (q->unreported > 0) {
            uint64_t n = q->unreported;
            q->unreported = 0;
            wbemev__mutex_unlock(&q->mu);
            send_overflow(q, n);
            wbemev__mutex_lock(&q->mu);
            budget--;
            continue;
        }
        size_t n = 0;
        while (n < budget && n < WBEMEV__STAGE_MAX && q->count > 0)
            batch[n++] = ring_pop(q);
        if (n == 0)
            break;
        budget -= (unsigned)n;
        atomic_store_explicit(&q->in_hand, n, memory_order_relaxed);
        wbemev__mutex_unlock(&q->mu);
        wake_space_waiters(d->pool);
        uint64_t discards = 0;
        wbemev__object_free_batch_begin();
        for (size_t i = 0; i < n; i++) {
            atomic_store_explicit(&q->in_hand, n - i - 1, memory_order_relaxed);
            if (failed || atomic_load_explicit(&q->ended, memory_order_relaxed)) {
                discards++;
            } else if (WBEMEV_FAILED(wbemev__consumer_indicate(d, sub, batch[i].obj))) {
                discards++;
                failed = true;
            }
            wbemev_object_release(batch[i].obj);
        }
        wbemev__object_free_batch_end();
        if (discards > 0)
            atomic_fetch_add_explicit(&sub->discarded, discards, memory_order_relaxed);
        wbemev__mutex_lock(&q->mu);
    }
    bool more = !failed && !q->ended && (q->count > 0 || q->unreported > 0);
    q->running = false;
    if (!q->inline_run && !more)
        q->scheduled = false;
    wbemev__cond_broadcast(&q->idle_cv);
    wbemev__mutex_unlock(&q->mu);
    /* Ends deferred by a consumer call on this thread (a consumer that unsubscribed, or failed). */
    if (failed)
        wbemev__sub_end(d, sub, WBEMEV_E_CALL_CANCELLED);
    wbemev__run_deferred_ends(d);
    return more;
}

void wbemev__queue_run(struct wbemev__queue *q)
{
    if (!q->inline_run)
        return; /* the workers run it */
    while (queue_run_some(q, 64)) {
    }
    /* A push that raced with the end of the run found it running: look again. */
    wbemev__mutex_lock(&q->mu);
    bool again = !q->ended && !q->running && (q->count > 0 || q->unreported > 0);
    wbemev__mutex_unlock(&q->mu);
    if (again)
        wbemev__queue_run(q);
}

void wbemev__queue_close(struct wbemev__queue *q)
{
    wbemev__mutex_lock(&q->mu);
    q->closed = true;
    wbemev__mutex_unlock(&q->mu);
    /* Blocked producers recheck: a closed queue has room (what they push is discarded). */
    struct wbemev__pool *p = q->d->pool;
    wbemev__mutex_lock(&p->space_mu);
    wbemev__cond_broadcast(&p->space_cv);
    wbemev__mutex_unlock(&p->space_mu);
}

void wbemev__queue_end(struct wbemev__queue *q)
{
    wbemev__queue_close(q);
    wbemev__mutex_lock(&q->mu);
    atomic_store(&q->ended, true); /* a worker delivering a batch stops at the next item */
    while (q->running)
        wbemev__cond_wait(&q->idle_cv, &q->mu);
    size_t n = q->count;
    struct qitem *items = NULL;
    if (n > 0) {
        items = wbemev__calloc(n, sizeof *items);
        for (size_t i = 0; items != NULL && i < n; i++)
            items[i] = ring_pop(q);
    }
    if (items == NULL) {
        /* Out of memory for the list: release under the lock (object release calls no user code). */
        while (q->count > 0)
            wbemev_object_release(ring_pop(q).obj);
    }
    uint64_t unreported = q->unreported;
    q->unreported = 0;
    wbemev__mutex_unlock(&q->mu);
    wake_space_waiters(q->d->pool);
    for (size_t i = 0; items != NULL && i < n; i++)
        wbemev_object_release(items[i].obj);
    wbemev__free(items);
    if (n > 0)
        atomic_fetch_add_explicit(&q->sub->discarded, n, memory_order_relaxed);
    if (unreported > 0 && q->sub->consumer != NULL)
        send_overflow(q, unreported);
}

void wbemev__queue_stats(struct wbemev__queue *q, uint64_t *queued, uint64_t *high)
{
    wbemev__mutex_lock(&q->mu);
    *queued = q->count + atomic_load_explicit(&q->in_hand, memory_order_relaxed);
    *high = q->high;
    wbemev__mutex_unlock(&q->mu);
}
