/*
 * lib/dispatch/queue.c: one queued subscription's bounded FIFO of frozen event references, its
 * backpressure and the staging of one Indicate call's pushes. No threads here: the workers
 * (workers.c) or, for inline queues, whoever pushes runs a queue.
 *
 * - A queue holds references to frozen events (shared with every other consumer: no copy). Its
 *   limits are events (max_events), bytes (max_bytes, wbemev__object_footprint: everything an
 *   event keeps alive, at every depth) and the dispatcher's total (d->queued_bytes against
 *   d->queue_total_bytes). An event's bytes count from its reservation or push until the worker
 *   delivering it released it.
 * - BLOCK and REFUSE queues take room reserved by admission.c before the call delivers; DROP
 *   queues never refuse: push drops instead (the oldest or the newest).
 * - A queue is "scheduled" (on the workers' run list, holding a reference to its subscription)
 *   while it has events or an overflow notice to deliver; one runner at a time ("running"), so a
 *   consumer is never called concurrently and sees the queue's order, which is each provider
 *   thread's order.
 * - Inline queues (GROUP WITHIN with synchronous delivery) are run by whoever pushes to them (the
 *   timer), never by the workers.
 * - Locks: q->mu (one queue), d->space.mu (producers blocked for room). Order: space.mu before
 *   q->mu. None is held across user code.
 */
#include "dispatch/dispatch.h"

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
    struct wbemev__queue *run_next; /* the workers' run list */
};

/* The ring's capacity is 0 or a power of two (16, doubled): its positions wrap with a mask. */
static inline size_t ring_at(const struct wbemev__queue *q, size_t i)
{
    return (q->head + i) & (q->cap - 1);
}

void wbemev__space_init(struct wbemev__space *s)
{
    wbemev__mutex_init(&s->mu);
    wbemev__cond_init(&s->cv);
    atomic_init(&s->waiters, 0);
}

void wbemev__space_fini(struct wbemev__space *s)
{
    wbemev__cond_destroy(&s->cv);
    wbemev__mutex_destroy(&s->mu);
}

void wbemev__space_wake(struct wbemev__space *s)
{
    if (atomic_load(&s->waiters) == 0)
        return;
    wbemev__mutex_lock(&s->mu);
    wbemev__cond_broadcast(&s->cv);
    wbemev__mutex_unlock(&s->mu);
}

struct wbemev__sub *wbemev__queue_sub(const struct wbemev__queue *q)
{
    return q->sub;
}

struct wbemev__queue **wbemev__queue_run_link(struct wbemev__queue *q)
{
    return &q->run_next;
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
    wbemev__mutex_init(&q->mu);
    wbemev__cond_init(&q->idle_cv);
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
        wbemev_status st = wbemev__pool_start(d->pool);
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
        wbemev_object_release(q->ring[ring_at(q, i)].obj);
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

uint64_t wbemev__queue_max_bytes(const struct wbemev__queue *q)
{
    return q->max_bytes;
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

wbemev_status wbemev__queue_reserve(struct wbemev__queue *q, uint64_t n, uint64_t bytes, uint64_t since,
                                    bool may_block)
{
    struct wbemev__space *p = &q->d->space;
    uint64_t deadline = since + q->max_wait_ns;
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
    atomic_fetch_add(&p->waiters, 1);
    wbemev__mutex_lock(&p->mu);
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
        wbemev__cond_timedwait(&p->cv, &p->mu, deadline - now);
    }
    wbemev__mutex_unlock(&p->mu);
    atomic_fetch_sub(&p->waiters, 1);
    return st;
}

void wbemev__queue_unreserve(struct wbemev__queue *q, uint64_t n, uint64_t bytes)
{
    wbemev__mutex_lock(&q->mu);
    q->reserved_n -= n;
    q->reserved_bytes -= bytes;
    atomic_fetch_sub(&q->d->queued_bytes, bytes);
    wbemev__mutex_unlock(&q->mu);
    wbemev__space_wake(&q->d->space);
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
        v[i] = q->ring[ring_at(q, i)];
    wbemev__free(q->ring);
    q->ring = v;
    q->cap = cap;
    q->head = 0;
    return true;
}

/* Takes the oldest item out of the ring; its bytes stay counted (the caller still holds it). */
static struct qitem ring_take(struct wbemev__queue *q)
{
    struct qitem it = q->ring[q->head];
    q->head = ring_at(q, 1);
    q->count--;
    return it;
}

/* Stops counting `bytes` that left q (under q->mu). */
static void uncount_bytes(struct wbemev__queue *q, uint64_t bytes)
{
    q->bytes -= bytes;
    atomic_fetch_sub(&q->d->queued_bytes, bytes);
}

static struct qitem ring_pop(struct wbemev__queue *q)
{
    struct qitem it = ring_take(q);
    uncount_bytes(q, it.bytes);
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
    bool counts_bytes = q->max_bytes != 0 || q->d->queue_total_bytes != 0; /* the limits never change */
    for (size_t i = 0; i < n; i++)
        bytes[i] = counts_bytes && objs[i] != NULL ? wbemev__object_footprint(objs[i]) : 0;
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
        q->ring[ring_at(q, q->count)] = (struct qitem){event, bytes[i]};
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
        wbemev__space_wake(&q->d->space);
    if (append)
        wbemev__pool_schedule(q->d->pool, q);
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
            wbemev__pool_schedule(q->d->pool, q);
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
bool wbemev__queue_run_some(struct wbemev__queue *q, unsigned budget)
{
    wbemev_dispatcher_t *d = q->d;
    struct wbemev__sub *sub = q->sub;
    bool failed = false;
    struct qitem batch[WBEMEV__STAGE_MAX];
    wbemev_object_t *events[WBEMEV__STAGE_MAX]; /* the batch's, the consumer's array */
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
        /* The batch's bytes stay counted until its events are released: a consumer slow on the
         * first event of a batch keeps the others alive too. */
        size_t n = 0;
        uint64_t batch_bytes = 0;
        while (n < budget && n < WBEMEV__STAGE_MAX && q->count > 0) {
            batch[n] = ring_take(q);
            events[n] = batch[n].obj;
            batch_bytes += batch[n++].bytes;
        }
        if (n == 0)
            break;
        budget -= (unsigned)n;
        atomic_store_explicit(&q->in_hand, n, memory_order_relaxed);
        wbemev__mutex_unlock(&q->mu);
        wbemev__space_wake(&d->space);
        /* One Indicate with the whole batch, as WMI hands its sinks arrays: a consumer that
         * fails it loses the batch (discarded). An ended queue's batch is discarded undelivered. */
        uint64_t discards = 0;
        atomic_store_explicit(&q->in_hand, 0, memory_order_relaxed);
        if (atomic_load_explicit(&q->ended, memory_order_relaxed)) {
            discards = n;
        } else if (WBEMEV_FAILED(wbemev__consumer_indicate(d, sub, (int32_t)n, events))) {
            discards = n;
            failed = true;
        }
        wbemev__object_free_batch_begin();
        for (size_t i = 0; i < n; i++)
            wbemev_object_release(events[i]);
        wbemev__object_free_batch_end();
        if (discards > 0)
            atomic_fetch_add_explicit(&sub->discarded, discards, memory_order_relaxed);
        wbemev__mutex_lock(&q->mu);
        if (batch_bytes > 0) {
            uncount_bytes(q, batch_bytes);
            wbemev__mutex_unlock(&q->mu);
            wbemev__space_wake(&d->space);
            wbemev__mutex_lock(&q->mu);
        }
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
    while (wbemev__queue_run_some(q, 64)) {
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
    struct wbemev__space *p = &q->d->space;
    wbemev__mutex_lock(&p->mu);
    wbemev__cond_broadcast(&p->cv);
    wbemev__mutex_unlock(&p->mu);
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
    wbemev__space_wake(&q->d->space);
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
