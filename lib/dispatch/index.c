/*
 * lib/snapshot.c: the subscription index, as immutable reference-counted snapshots.
 *
 * Subscriptions are grouped by the id of their FROM class in a small open-addressing table. An event
 * of class X looks up each class on X's ancestor chain (typically 3), so subscriptions on unrelated
 * classes cost nothing per event, and a subscription on a superclass sees every subclass's events,
 * including classes defined after the snapshot was built.
 */
#include "dispatch/dispatch.h"

static uint32_t bucket_of(uint32_t class_id, uint32_t mask)
{
    return (class_id * 2654435761u) & mask; /* Knuth's multiplicative hash */
}

static void snapshot_free(struct wbemev__snapshot *s)
{
    wbemev_dispatcher_t *d = s->d;
    bool signal = false;
    for (size_t i = 0; i < s->nsubs; i++) {
        struct wbemev__sub *sub = s->subs[i];
        if (atomic_fetch_sub(&sub->snap_refs, 1) == 1 && atomic_load(&sub->state) != SUB_ACTIVE)
            signal = true;
        wbemev__sub_release(sub);
    }
    wbemev__free(s->subs);
    wbemev__free(s->buckets);
    wbemev__free(s);
    if (signal) {
        /* Someone may be waiting in wbemev__sub_end for the last snapshot holding its subscription.
         * The dispatcher is alive: snapshots are freed by the control plane or inside an Indicate,
         * and destroy waits for both. */
        wbemev__mutex_lock(&d->wait_lock);
        wbemev__cond_broadcast(&d->wait_cv);
        wbemev__mutex_unlock(&d->wait_lock);
    }
}

void wbemev__snapshot_release(struct wbemev__snapshot *s)
{
    if (s != NULL && wbemev__ref_dec(&s->refs))
        snapshot_free(s);
}

wbemev_status wbemev__snapshot_build(wbemev_dispatcher_t *d, struct wbemev__snapshot **out)
{
    struct wbemev__snapshot *s = wbemev__calloc(1, sizeof *s);
    if (s == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__ref_init(&s->refs, 1);
    s->d = d;

    /* Every linked subscription goes in. Not filtered by state: a subscription's state changes
     * without d->lock (wbemev__sub_end marks it ENDING before unlinking it), so a filter could
     * count it in one pass and skip it in the next. Delivery skips ENDING subscriptions anyway. */
    size_t n = 0;
    for (struct wbemev__sub *sub = d->subs; sub != NULL; sub = sub->next)
        n++;
    uint32_t nb = 8;
    while (nb < 2 * n)
        nb *= 2;
    s->mask = nb - 1;
    s->buckets = wbemev__calloc(nb, sizeof *s->buckets);
    s->subs = n ? wbemev__calloc(n, sizeof *s->subs) : NULL;
    if (s->buckets == NULL || (n && s->subs == NULL)) {
        wbemev__free(s->buckets);
        wbemev__free(s->subs);
        wbemev__free(s);
        return WBEMEV_E_OUT_OF_MEMORY;
    }

    /* Pass 1: count per class. Pass 2: assign ranges. Pass 3: place, in subscription order. */
    for (struct wbemev__sub *sub = d->subs; sub != NULL; sub = sub->next) {
        uint32_t b = bucket_of(sub->class_id, s->mask);
        while (s->buckets[b].class_id != 0 && s->buckets[b].class_id != sub->class_id)
            b = (b + 1) & s->mask;
        s->buckets[b].class_id = sub->class_id;
        s->buckets[b].count++;
    }
    uint32_t next = 0;
    for (uint32_t b = 0; b < nb; b++) {
        s->buckets[b].first = next;
        next += s->buckets[b].count;
        s->buckets[b].count = 0;
    }
    for (struct wbemev__sub *sub = d->subs; sub != NULL; sub = sub->next) {
        uint32_t b = bucket_of(sub->class_id, s->mask);
        while (s->buckets[b].class_id != sub->class_id)
            b = (b + 1) & s->mask;
        s->subs[s->buckets[b].first + s->buckets[b].count++] = sub;
        if (sub->reserving)
            s->reserving = true;
        wbemev__ref_inc(&sub->refs);
        atomic_fetch_add(&sub->snap_refs, 1);
    }
    s->nsubs = n;
    *out = s;
    return WBEMEV_S_NO_ERROR;
}

struct wbemev__sub *const *wbemev__snapshot_lookup(const struct wbemev__snapshot *s, uint32_t class_id,
                                                  uint32_t *count)
{
    uint32_t b = bucket_of(class_id, s->mask);
    for (;;) {
        const struct snap_bucket *bk = &s->buckets[b];
        if (bk->class_id == class_id) {
            *count = bk->count;
            return s->subs + bk->first;
        }
        if (bk->class_id == 0) {
            *count = 0;
            return NULL;
        }
        b = (b + 1) & s->mask;
    }
}

bool wbemev__route_walk(const struct wbemev__snapshot *s, const wbemev_class_t *cls,
                        bool (*visit)(void *arg, struct wbemev__sub *sub), void *arg)
{
    size_t depth = wbemev_class_depth(cls);
    for (size_t level = 0; level <= depth; level++) {
        uint32_t n;
        struct wbemev__sub *const *subs =
            wbemev__snapshot_lookup(s, wbemev_class_id(wbemev__class_ancestor(cls, level)), &n);
        for (uint32_t k = 0; k < n; k++)
            if (!visit(arg, subs[k]))
                return false;
    }
    return true;
}

static bool route_add(void *arg, struct wbemev__sub *sub)
{
    struct wbemev__route *r = arg;
    if (r->n == WBEMEV__ROUTE_MAX)
        return false;
    r->subs[r->n++] = sub;
    return true;
}

void wbemev__route_find(const struct wbemev__snapshot *s, struct wbemev__route *r, const wbemev_class_t *cls)
{
    if (r->cls == cls)
        return;
    r->cls = cls;
    r->n = 0;
    r->whole = wbemev__route_walk(s, cls, route_add, r);
}

void wbemev__index_init(struct wbemev__index *ix)
{
    atomic_init(&ix->current, NULL);
    atomic_init(&ix->readers[0], 0);
    atomic_init(&ix->readers[1], 0);
    atomic_init(&ix->phase, 0);
}

struct wbemev__snapshot *wbemev__index_acquire(struct wbemev__index *ix)
{
    unsigned p = atomic_load(&ix->phase) & 1u;
    atomic_fetch_add(&ix->readers[p], 1);
    struct wbemev__snapshot *s = atomic_load(&ix->current);
    wbemev__ref_inc(&s->refs);
    atomic_fetch_sub(&ix->readers[p], 1);
    return s;
}

void wbemev__index_publish(struct wbemev__index *ix, struct wbemev__snapshot *s)
{
    struct wbemev__snapshot *old = atomic_exchange(&ix->current, s);
    if (old == NULL)
        return;
    /* A reader that loaded `old` without yet taking its reference is counted in one of the two
     * phases. Flip the phase so new readers count elsewhere, then wait for each phase to drain in
     * turn. Readers hold the counter only across two instructions, so the wait is short. */
    for (int round = 0; round < 2; round++) {
        unsigned p = atomic_load(&ix->phase) & 1u;
        atomic_store(&ix->phase, p ^ 1u);
        while (atomic_load(&ix->readers[p]) != 0)
            wbemev__thread_yield();
    }
    wbemev__snapshot_release(old);
}
