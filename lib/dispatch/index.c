/*
 * lib/dispatch/index.c: the subscription index, as immutable reference-counted snapshots, and the
 * routes events take through them.
 *
 * A snapshot is two layers (filter_index.c): the base, indexed by class and by filter, and the
 * delta, the subscriptions listed since the base was built, indexed the same way but small. An event
 * of class X looks up each class on X's ancestor chain (typically 3) in both, so subscriptions on
 * unrelated classes cost nothing per event, and a subscription on a superclass sees every
 * subclass's events, including classes defined after the snapshot was built.
 *
 * Keeping subscribe and unsubscribe cheap among many subscriptions:
 *  - Subscribing builds a new delta (every listed subscription newer than the base: the head of
 *    d->subs, which is newest first) and publishes {base, new delta}; the base is shared, not
 *    copied. When the delta grows past a bound (32 + base/64) it is merged: a new base of every
 *    listed subscription, an empty delta. Each change costs O(bound) plus O(N) every bound
 *    changes: amortized O(bound) for N subscriptions.
 *  - Unsubscribing publishes nothing: the subscription is ENDING, which delivery checks, and stays
 *    in the layers until the next publish (delta) or merge (base). Removed base subscriptions
 *    count toward the same bound, so the base is rebuilt once they are many.
 *  - Subscriptions are found by id in a hash (ids), and d->subs is doubly linked, so neither
 *    unsubscribe nor its unlinking walks the list.
 * The one thing that changes in a snapshot is its cache of route maps, one per class routed (made
 * by the first Indicate of that class, published with a compare-and-swap, freed with the snapshot):
 * so an Indicate of one event finds its route with one lookup instead of walking the chain.
 * Order is kept: within a class, the delta's subscriptions are newer than the base's, and each
 * layer keeps subscription order, so delta-then-base is the order a single layer of d->subs would
 * give.
 */
#include "dispatch/dispatch.h"

/* Listed subscriptions newer than the base, or removed from it, past which a new base is built. */
static size_t merge_bound(size_t nbase)
{
    return 32 + nbase / 64;
}

static void snapshot_free(struct wbemev__snapshot *s)
{
    for (int i = 0; i < WBEMEV__SNAPSHOT_ROUTES; i++)
        wbemev__free(atomic_load_explicit(&s->routes[i], memory_order_relaxed));
    wbemev__layer_release(s->delta);
    wbemev__layer_release(s->base);
    wbemev__free(s);
}

void wbemev__snapshot_release(struct wbemev__snapshot *s)
{
    if (s != NULL && wbemev__ref_dec(&s->refs))
        snapshot_free(s);
}

/* A snapshot of base and delta (references taken). */
static wbemev_status snapshot_new(wbemev_dispatcher_t *d, struct wbemev__layer *base, struct wbemev__layer *delta,
                                  struct wbemev__snapshot **out)
{
    struct wbemev__snapshot *s = wbemev__calloc(1, sizeof *s);
    if (s == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__ref_init(&s->refs, 1);
    s->d = d;
    s->base = base;
    s->delta = delta;
    if (base != NULL)
        wbemev__layer_ref(base);
    if (delta != NULL)
        wbemev__layer_ref(delta);
    s->base_seq_end = d->index.base_seq_end;
    s->reserving = wbemev__layer_reserving(base) || wbemev__layer_reserving(delta);
    s->full = d->index.full;
    for (int i = 0; i < WBEMEV__SNAPSHOT_ROUTES; i++)
        atomic_init(&s->routes[i], NULL);
    *out = s;
    return WBEMEV_S_NO_ERROR;
}

/* Every listed subscription not in the base (newest first), as a layer; NULL when none. Not
 * filtered by state: a subscription's state changes without d->lock (wbemev__sub_end marks it
 * ENDING before unlinking it); delivery skips ENDING subscriptions anyway. */
static wbemev_status delta_build(wbemev_dispatcher_t *d, struct wbemev__layer **out)
{
    struct wbemev__index *ix = &d->index;
    *out = NULL;
    size_t n = 0;
    for (struct wbemev__sub *sub = d->subs; sub != NULL && sub->link_seq >= ix->base_seq_end; sub = sub->next)
        n++;
    if (n == 0)
        return WBEMEV_S_NO_ERROR;
    struct wbemev__sub **v = wbemev__malloc(n * sizeof *v);
    if (v == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    size_t k = 0;
    for (struct wbemev__sub *sub = d->subs; k < n; sub = sub->next)
        v[k++] = sub;
    wbemev_status st = wbemev__layer_build(d, v, n, out);
    wbemev__free(v);
    return st;
}

/* A new base of every listed subscription, the delta empty. */
static wbemev_status merge(wbemev_dispatcher_t *d)
{
    struct wbemev__index *ix = &d->index;
    size_t n = d->nsubs;
    struct wbemev__sub **v = n ? wbemev__malloc(n * sizeof *v) : NULL;
    if (n && v == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    size_t k = 0;
    for (struct wbemev__sub *sub = d->subs; sub != NULL && k < n; sub = sub->next)
        v[k++] = sub;
    struct wbemev__layer *base = NULL;
    wbemev_status st = k ? wbemev__layer_build(d, v, k, &base) : WBEMEV_S_NO_ERROR;
    wbemev__free(v);
    if (WBEMEV_FAILED(st))
        return st;
    wbemev__layer_release(ix->base);
    ix->base = base;
    ix->base_seq_end = ix->next_seq;
    ix->nbase = k;
    ix->ndelta = 0;
    ix->nremoved = 0;
    return WBEMEV_S_NO_ERROR;
}

/* Publishes {base, delta} (the delta rebuilt, or a merge first when `merged`). */
static wbemev_status republish(wbemev_dispatcher_t *d, bool do_merge)
{
    if (do_merge) {
        wbemev_status st = merge(d);
        if (WBEMEV_FAILED(st))
            return st;
    }
    struct wbemev__layer *delta = NULL;
    wbemev_status st = delta_build(d, &delta);
    if (WBEMEV_FAILED(st))
        return st;
    struct wbemev__snapshot *s;
    st = snapshot_new(d, d->index.base, delta, &s);
    wbemev__layer_release(delta); /* the snapshot's reference, or none */
    if (WBEMEV_FAILED(st))
        return st;
    wbemev__index_publish(&d->index, s);
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__snapshot_build(wbemev_dispatcher_t *d, struct wbemev__snapshot **out)
{
    wbemev_status st = merge(d);
    if (WBEMEV_FAILED(st))
        return st;
    return snapshot_new(d, d->index.base, NULL, out);
}

wbemev_status wbemev__index_added(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    (void)sub;
    struct wbemev__index *ix = &d->index;
    ix->ndelta++;
    wbemev_status st = republish(d, ix->ndelta > merge_bound(ix->nbase));
    if (WBEMEV_FAILED(st))
        ix->ndelta--; /* the caller unlists it */
    return st;
}

void wbemev__index_removed(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    struct wbemev__index *ix = &d->index;
    if (sub->link_seq >= ix->base_seq_end) {
        ix->ndelta--;
        return;
    }
    ix->nremoved++;
    /* Out of memory the old base stays (its ENDING subscriptions skipped) until the next change. */
    if (ix->nremoved > merge_bound(ix->nbase))
        (void)republish(d, true);
}

wbemev_status wbemev__index_set_full_evaluation(wbemev_dispatcher_t *d, bool full)
{
    wbemev__mutex_lock(&d->lock);
    d->index.full = full;
    wbemev_status st = republish(d, false);
    wbemev__mutex_unlock(&d->lock);
    return st;
}

/* ---- subscriptions by id ---- */

static uint32_t id_bucket(uint32_t id, uint32_t mask)
{
    return (id * 2654435761u) & mask;
}

wbemev_status wbemev__index_id_add(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    struct wbemev__index *ix = &d->index;
    if (ix->ids == NULL || ix->nids >= ix->ids_mask + 1) {
        uint32_t nb = ix->ids ? (ix->ids_mask + 1) * 2 : 64;
        struct wbemev__sub **v = wbemev__calloc(nb, sizeof *v);
        if (v == NULL)
            return WBEMEV_E_OUT_OF_MEMORY;
        for (uint32_t b = 0; ix->ids != NULL && b <= ix->ids_mask; b++) {
            for (struct wbemev__sub *s = ix->ids[b], *next; s != NULL; s = next) {
                next = s->id_next;
                uint32_t nbk = id_bucket(s->id, nb - 1);
                s->id_next = v[nbk];
                v[nbk] = s;
            }
        }
        wbemev__free(ix->ids);
        ix->ids = v;
        ix->ids_mask = nb - 1;
    }
    uint32_t b = id_bucket(sub->id, ix->ids_mask);
    sub->id_next = ix->ids[b];
    ix->ids[b] = sub;
    ix->nids++;
    return WBEMEV_S_NO_ERROR;
}

void wbemev__index_id_remove(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    struct wbemev__index *ix = &d->index;
    if (ix->ids == NULL)
        return;
    for (struct wbemev__sub **pp = &ix->ids[id_bucket(sub->id, ix->ids_mask)]; *pp != NULL; pp = &(*pp)->id_next) {
        if (*pp == sub) {
            *pp = sub->id_next;
            sub->id_next = NULL;
            ix->nids--;
            return;
        }
    }
}

struct wbemev__sub *wbemev__index_id_find(wbemev_dispatcher_t *d, uint32_t id)
{
    struct wbemev__index *ix = &d->index;
    if (ix->ids == NULL)
        return NULL;
    for (struct wbemev__sub *s = ix->ids[id_bucket(id, ix->ids_mask)]; s != NULL; s = s->id_next)
        if (s->id == id)
            return s;
    return NULL;
}

/* ---- indexed property paths ---- */

static bool paths_grow(struct wbemev__index *ix)
{
    uint32_t nb = ix->paths != NULL ? (ix->paths_mask + 1) * 2 : 16;
    char **v = wbemev__calloc(nb, sizeof *v);
    if (v == NULL)
        return false;
    for (uint32_t b = 0; ix->paths != NULL && b <= ix->paths_mask; b++) {
        if (ix->paths[b] == NULL)
            continue;
        const char *t = ix->paths[b];
        uint32_t k = (uint32_t)wbemev_query_index_hash(t, strlen(t)) & (nb - 1);
        while (v[k] != NULL)
            k = (k + 1) & (nb - 1);
        v[k] = ix->paths[b];
    }
    wbemev__free(ix->paths);
    ix->paths = v;
    ix->paths_mask = nb - 1;
    return true;
}

const char *wbemev__index_path(struct wbemev__index *ix, const char *text, uint64_t hash)
{
    if ((ix->paths == NULL || 2 * (ix->npaths + 1) > ix->paths_mask + 1) && !paths_grow(ix))
        return NULL;
    uint32_t b = (uint32_t)hash & ix->paths_mask;
    for (; ix->paths[b] != NULL; b = (b + 1) & ix->paths_mask)
        if (wbemev__strcaseeq(ix->paths[b], text))
            return ix->paths[b];
    size_t len = strlen(text);
    char *copy = wbemev__malloc(len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, text, len + 1);
    ix->paths[b] = copy;
    ix->npaths++;
    return copy;
}

void wbemev__index_fini(struct wbemev__index *ix)
{
    for (uint32_t b = 0; ix->paths != NULL && b <= ix->paths_mask; b++)
        wbemev__free(ix->paths[b]);
    wbemev__free(ix->paths);
    ix->paths = NULL;
    ix->paths_mask = 0;
    ix->npaths = 0;
}

/* ---- routes ---- */

/* Without a route's entries: under each class on cls's chain, root first, the delta's entry then
 * the base's, looked up per event. */
static bool walk_chain(const struct wbemev__snapshot *s, const wbemev_class_t *cls, const wbemev_object_t *event,
                       bool count, struct wbemev__probes *pc, wbemev__visit_fn visit, void *arg)
{
    size_t depth = wbemev_class_depth(cls);
    for (size_t level = 0; level <= depth; level++) {
        uint32_t id = wbemev_class_id(wbemev__class_ancestor(cls, level));
        const struct wbemev__layer_class *e[2] = {wbemev__layer_class_find(s->delta, id),
                                                  wbemev__layer_class_find(s->base, id)};
        for (int k = 0; k < 2; k++) {
            if (e[k] == NULL)
                continue;
            if (count)
                wbemev__layer_class_routed(e[k], 1);
            if (!wbemev__layer_class_walk(e[k], event, s->full, count, pc, visit, arg))
                return false;
        }
    }
    return true;
}

static bool walk(const struct wbemev__snapshot *s, struct wbemev__route *r, const wbemev_object_t *event, bool count,
                 wbemev__visit_fn visit, void *arg)
{
    struct wbemev__probes pc;
    pc.event = NULL;
    pc.n = 0;
    if (!r->map->entries_ok)
        return walk_chain(s, r->cls, event, count, &pc, visit, arg);
    for (uint32_t i = 0; i < r->map->nentries; i++) { /* routed: counted by wbemev__route_find_deliver */
        if (!wbemev__layer_class_walk(r->map->entries[i], event, s->full, count, &pc, visit, arg))
            return false;
    }
    return true;
}

bool wbemev__route_walk(const struct wbemev__snapshot *s, struct wbemev__route *r, const wbemev_object_t *event,
                        wbemev__visit_fn visit, void *arg)
{
    return walk(s, r, event, false, visit, arg);
}

bool wbemev__route_deliver(const struct wbemev__snapshot *s, struct wbemev__route *r, const wbemev_object_t *event,
                           wbemev__visit_fn visit, void *arg)
{
    return walk(s, r, event, true, visit, arg);
}

/* A whole map's subscriptions are each visited for every event routed through it: those whose
 * visits are counted (queued, indexed) are counted once per run here, not per event. Before the
 * routed counts, as a walk counts a visit before the route's run ends. */
static void add_visits(const struct wbemev__route_map *m, uint32_t n)
{
    for (uint32_t k = 0; k < m->n; k++)
        if (m->subs[k]->count_visits)
            atomic_fetch_add_explicit(&m->subs[k]->evaluated, n, memory_order_relaxed);
}

void wbemev__route_done(struct wbemev__route *r)
{
    if (r->cls == NULL)
        return;
    if (r->visited != 0) {
        add_visits(r->map, r->visited);
        r->visited = 0;
    }
    if (!r->map->entries_ok)
        return;
    for (uint32_t i = 0; i < r->map->nentries; i++) {
        if (r->routed[i] != 0) {
            wbemev__layer_class_routed(r->map->entries[i], r->routed[i]);
            r->routed[i] = 0;
        }
    }
}

/* Appends an entry to m: its subscriptions while the route stays whole, and the entry itself. */
static void map_add(const struct wbemev__layer_class *c, struct wbemev__route_map *m)
{
    if (c == NULL)
        return;
    uint32_t n;
    bool indexed;
    struct wbemev__sub *const *subs = wbemev__layer_class_subs(c, &n, &indexed);
    if (indexed || n > WBEMEV__ROUTE_MAX - m->n)
        m->whole = false;
    for (uint32_t k = 0; m->whole && k < n; k++)
        m->subs[m->n++] = subs[k];
    if (m->nentries == WBEMEV__ROUTE_ENTRIES) {
        m->entries_ok = false;
        return;
    }
    m->entries[m->nentries++] = c;
}

/* The route of cls in s: under each class of its chain, root first, the delta's entry then the base's. */
static void map_build(const struct wbemev__snapshot *s, const wbemev_class_t *cls, struct wbemev__route_map *m)
{
    m->cls = cls;
    m->class_id = wbemev_class_id(cls);
    m->n = 0;
    m->whole = true;
    m->entries_ok = true;
    m->nentries = 0;
    size_t depth = wbemev_class_depth(cls);
    for (size_t level = 0; level <= depth; level++) {
        uint32_t id = wbemev_class_id(wbemev__class_ancestor(cls, level));
        map_add(wbemev__layer_class_find(s->delta, id), m);
        map_add(wbemev__layer_class_find(s->base, id), m);
    }
    /* A whole route counts its routed events by its entries: too many, and the walk counts them */
    m->whole = m->whole && m->entries_ok;
    for (uint32_t k = 0; m->whole && k < m->n; k++)
        wbemev_query_filter_make(m->subs[k]->query, cls, &m->filters[k]);
}

/* The map s keeps for cls, made on first use (the first to publish it wins; class ids are never
 * reused, so a slot cannot name a class that is gone and another at its address); NULL when the
 * slot holds another class's, or out of memory. */
static const struct wbemev__route_map *snapshot_map(const struct wbemev__snapshot *s, const wbemev_class_t *cls)
{
    uint32_t id = wbemev_class_id(cls);
    _Atomic(struct wbemev__route_map *) *slot =
        &((struct wbemev__snapshot *)s)->routes[id % WBEMEV__SNAPSHOT_ROUTES]; /* the one mutable part */
    struct wbemev__route_map *m = atomic_load_explicit(slot, memory_order_acquire);
    if (m == NULL) {
        struct wbemev__route_map *made = wbemev__malloc(sizeof *made);
        if (made == NULL)
            return NULL;
        map_build(s, cls, made);
        if (atomic_compare_exchange_strong_explicit(slot, &m, made, memory_order_acq_rel, memory_order_acquire))
            return made;
        wbemev__free(made); /* another thread published first: m is its map */
    }
    return m->class_id == id && m->cls == cls ? m : NULL;
}

void wbemev__route_find(const struct wbemev__snapshot *s, struct wbemev__route *r, const wbemev_class_t *cls)
{
    if (r->cls == cls)
        return;
    wbemev__route_done(r);
    const struct wbemev__route_map *m = snapshot_map(s, cls);
    if (m == NULL) {
        map_build(s, cls, &r->own);
        m = &r->own;
    }
    r->cls = cls;
    r->map = m;
    r->visited = 0;
    memset(r->routed, 0, m->nentries * sizeof r->routed[0]);
}

void wbemev__route_find_deliver(const struct wbemev__snapshot *s, struct wbemev__route *r, const wbemev_class_t *cls)
{
    wbemev__route_find(s, r, cls);
    if (r->map->whole)
        r->visited++;
    if (r->map->entries_ok) /* else walk_chain counts them */
        for (uint32_t i = 0; i < r->map->nentries; i++)
            r->routed[i]++; /* added to the entry once per run (wbemev__route_done) */
}

/* ---- the filtered statistic's routed count ---- */

/* A reference to the current snapshot, NULL when none is published (shutdown). */
static struct wbemev__snapshot *acquire_or_null(struct wbemev__index *ix)
{
    unsigned p = atomic_load(&ix->phase) & 1u;
    atomic_fetch_add(&ix->readers[p], 1);
    struct wbemev__snapshot *s = atomic_load(&ix->current);
    if (s != NULL)
        wbemev__ref_inc(&s->refs);
    atomic_fetch_sub(&ix->readers[p], 1);
    return s;
}

uint64_t wbemev__index_routed(wbemev_dispatcher_t *d, const struct wbemev__sub *sub)
{
    uint64_t routed = atomic_load_explicit(&sub->routed_folded, memory_order_relaxed);
    struct wbemev__snapshot *s = acquire_or_null(&d->index);
    if (s == NULL)
        return routed;
    /* A listed subscription is in exactly one of the current snapshot's layers. */
    routed += wbemev__layer_routed(sub->link_seq < s->base_seq_end ? s->base : s->delta, sub->class_id);
    wbemev__snapshot_release(s);
    return routed;
}

/* ---- publishing ---- */

void wbemev__index_init(struct wbemev__index *ix)
{
    atomic_init(&ix->current, NULL);
    atomic_init(&ix->readers[0], 0);
    atomic_init(&ix->readers[1], 0);
    atomic_init(&ix->phase, 0);
    ix->base = NULL;
    ix->base_seq_end = 0;
    ix->nbase = ix->ndelta = ix->nremoved = 0;
    ix->next_seq = 1;
    ix->ids = NULL;
    ix->ids_mask = 0;
    ix->nids = 0;
    ix->full = false;
    ix->ended = NULL;
    ix->paths = NULL;
    ix->paths_mask = 0;
    ix->npaths = 0;
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
    if (old != NULL) {
        /* A reader that loaded `old` without yet taking its reference is counted in one of the two
         * phases. Flip the phase so new readers count elsewhere, then wait for each phase to drain
         * in turn. Readers hold the counter only across two instructions, so the wait is short. */
        for (int round = 0; round < 2; round++) {
            unsigned p = atomic_load(&ix->phase) & 1u;
            atomic_store(&ix->phase, p ^ 1u);
            while (atomic_load(&ix->readers[p]) != 0)
                wbemev__thread_yield();
        }
        wbemev__snapshot_release(old);
    }
    if (s == NULL) { /* shutdown or destroy: nothing is listed any more */
        wbemev__layer_release(ix->base);
        ix->base = NULL;
        ix->nbase = ix->ndelta = ix->nremoved = 0;
        ix->base_seq_end = ix->next_seq;
        wbemev__free(ix->ids);
        ix->ids = NULL;
        ix->ids_mask = 0;
        ix->nids = 0;
    }
}
