/*
 * lib/dispatch/filter_index.c: a layer of the subscription index: subscriptions grouped by their
 * FROM class and, within a class, indexed by their WHERE clauses, so that an event is evaluated
 * against the subscriptions it may pass instead of all of them.
 *
 * Each indexed subscription contributes one term per disjunct of its WHERE (query/indexable.c):
 * keys of a property's value (looked up in one hash per class) or a closed interval (stabbed in an
 * interval tree per property and ordered domain). An event's value of each indexed property gives
 * a few probe keys; the subscriptions they reach, plus those with nothing to index, are the
 * candidates, visited in subscription order (sorted positions, duplicates from several disjuncts
 * dropped) and still filtered by their full WHERE. So the index only narrows: what is delivered,
 * and in which order, is what evaluating every WHERE gives.
 *
 * Per event nothing is allocated: candidates and probes live on the stack, bounded; past the bound
 * the class's subscriptions are all visited, as without an index. A layer is immutable once built
 * and shared by the snapshots that hold it; only its routed counters change (for the filtered
 * statistic, dispatch.h), and they are folded into the subscriptions when the layer goes.
 */
#include "dispatch/dispatch.h"

#include <stdlib.h>

/* Candidates and probes one event may have per class before the class is walked whole. */
#define CAND_MAX 512
#define PROBE_MAX 64
/* Fewer indexable subscriptions than this in a class are all visited: reading the event's keys
 * and looking them up costs about what evaluating a few WHEREs does. */
#define INDEX_MIN 8

/* One indexed property path of a class, read through a representative query. */
struct fx_path {
    const wbemev_query_t *q; /* a subscription's query (the layer holds the subscription) */
    uint32_t prop;
    const char *text;      /* the dotted path: the dispatcher's copy, compared by pointer */
    uint64_t hash;         /* of the folded text */
    uint32_t prefix[8];    /* the LIKE prefix lengths indexed on it */
    uint32_t nprefix;
};

/* A subscription whose whole WHERE the index decides from the value the probe read, without
 * evaluating it: `path = 'literal'` (FX_EQ, FX_EQ_HERE) or a range of numbers on path (FX_RANGE).
 * A short literal is copied here: among many subscriptions the query's own copy is one more cache
 * miss per candidate. */
enum { FX_NONE, FX_EQ, FX_EQ_HERE, FX_RANGE };
#define FX_LITERAL_HERE sizeof(wbemev_query_range)
struct fx_decide {
    uint8_t kind;
    uint32_t path;
    union {
        const char *literal;           /* FX_EQ: the query's */
        char text[FX_LITERAL_HERE];    /* FX_EQ_HERE: a copy, NUL-terminated */
        wbemev_query_range range;      /* FX_RANGE */
    } u;
};

/* One distinct key of the class's hash: the positions of the subscriptions it leads to. */
struct fx_key {
    uint64_t key;
    uint32_t path, prefix_len;
    uint8_t domain;
    bool used;
    /* The subscriptions' positions: postings[first .. first + count), or, for a key only one
     * subscription has (every key, with distinct names), that position itself in `first`, which
     * spares a lookup a second cache miss. */
    uint32_t first, count;
};

/* The intervals of one (path, ordered domain), sorted by lo, with the implicit balanced tree's
 * largest hi per subtree (kept at the subtree's middle element). */
struct fx_ranges {
    uint32_t path;
    uint8_t domain;
    uint32_t n;
    double *lo, *hi, *maxhi;
    uint32_t *pos;
};

struct wbemev__layer_class {
    uint32_t class_id; /* 0 = empty slot */
    uint32_t first, count; /* into layer->subs */
    struct wbemev__sub **subs; /* layer->subs + first */
    bool indexed; /* the index narrows its subscriptions (else every one is visited) */
    bool counted; /* it holds indexed subscriptions: routed events are counted (their filtered) */
    atomic_uint_fast64_t routed; /* counted events routed here (counted classes only) */
    uint32_t *plain; /* positions not indexed, ascending */
    uint32_t nplain;
    /* Per position, the WHERE the index decides itself (none when NULL): see struct fx_decide. */
    struct fx_decide *decide;
    struct fx_path *paths;
    uint32_t npaths;
    struct fx_key *keys; /* open addressing */
    uint32_t keymask;
    uint32_t *postings;
    struct fx_ranges *ranges;
    uint32_t nranges;
};

struct wbemev__layer {
    wbemev__refcount refs;
    wbemev_dispatcher_t *d;
    uint32_t mask;
    struct wbemev__layer_class *classes;
    struct wbemev__sub **subs; /* grouped by class, each class in subscription order */
    size_t nsubs;
    bool reserving; /* a subscription's queue reserves room (BLOCK, REFUSE) */
};

static uint32_t bucket_of(uint32_t class_id, uint32_t mask)
{
    return (class_id * 2654435761u) & mask; /* Knuth's multiplicative hash */
}

static uint32_t key_hash(uint64_t key, uint32_t path, uint8_t domain, uint32_t prefix_len)
{
    uint64_t h = key ^ ((uint64_t)path << 40) ^ ((uint64_t)domain << 56) ^ ((uint64_t)prefix_len << 20);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

/* ---- building ---- */

/* One (key, position) pair gathered for a class before its hash is made. */
struct fx_entry {
    uint64_t key;
    uint32_t path, prefix_len;
    uint8_t domain;
    uint32_t pos;
};

static bool same_key(const struct fx_entry *x, const struct fx_entry *y)
{
    return x->key == y->key && x->path == y->path && x->domain == y->domain && x->prefix_len == y->prefix_len;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct fx_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->path != y->path)
        return x->path < y->path ? -1 : 1;
    if (x->domain != y->domain)
        return x->domain < y->domain ? -1 : 1;
    if (x->prefix_len != y->prefix_len)
        return x->prefix_len < y->prefix_len ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

struct fx_interval {
    uint32_t path;
    uint8_t domain;
    double lo, hi;
    uint32_t pos;
};

static int interval_cmp(const void *a, const void *b)
{
    const struct fx_interval *x = a, *y = b;
    if (x->path != y->path)
        return x->path < y->path ? -1 : 1;
    if (x->domain != y->domain)
        return x->domain < y->domain ? -1 : 1;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static double tree_maxhi(struct fx_ranges *r, uint32_t l, uint32_t h)
{
    if (l >= h)
        return -INFINITY;
    uint32_t m = l + (h - l) / 2;
    double a = tree_maxhi(r, l, m), b = tree_maxhi(r, m + 1, h);
    double x = r->hi[m];
    if (a > x)
        x = a;
    if (b > x)
        x = b;
    r->maxhi[m] = x;
    return x;
}

static void class_free(struct wbemev__layer_class *c)
{
    wbemev__free(c->plain);
    wbemev__free(c->decide);
    wbemev__free(c->paths);
    wbemev__free(c->keys);
    wbemev__free(c->postings);
    for (uint32_t i = 0; i < c->nranges; i++) {
        wbemev__free(c->ranges[i].lo);
        wbemev__free(c->ranges[i].hi);
        wbemev__free(c->ranges[i].maxhi);
        wbemev__free(c->ranges[i].pos);
    }
    wbemev__free(c->ranges);
}

/* The index of property `prop`'s path (its hash: wbemev_query_index_hash of it) among the class's
 * paths, added when new; UINT32_MAX out of memory. Paths are the dispatcher's copies
 * (wbemev__index_path): one pointer per path. */
static uint32_t path_of(struct wbemev__index *ix, struct wbemev__layer_class *c, uint32_t *cap,
                        const wbemev_query_t *q, uint32_t prop, uint64_t hash)
{
    const char *text = wbemev__index_path(ix, wbemev_query_prop_path(q, prop), hash);
    if (text == NULL)
        return UINT32_MAX;
    for (uint32_t i = 0; i < c->npaths; i++)
        if (c->paths[i].text == text)
            return i;
    if (c->npaths == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 4;
        struct fx_path *v = wbemev__realloc(c->paths, ncap * sizeof *v);
        if (v == NULL)
            return UINT32_MAX;
        c->paths = v;
        *cap = ncap;
    }
    struct fx_path *p = &c->paths[c->npaths];
    memset(p, 0, sizeof *p);
    p->q = q;
    p->prop = prop;
    p->text = text;
    p->hash = hash;
    return c->npaths++;
}

/* Can this subscription be indexed in this layer? Its LIKE prefixes must fit the path's table. */
static bool prefixes_fit(struct wbemev__index *ix, struct wbemev__layer_class *c, uint32_t *cap,
                         const struct wbemev__sub *sub, bool *oom)
{
    for (size_t t = 0; t < sub->nterms; t++) {
        const wbemev_query_index_term *term = &sub->terms[t];
        for (uint32_t k = 0; k < term->nkeys; k++) {
            if (term->keys[k].domain != WBEMEV_QX_PREFIX)
                continue;
            uint32_t p = path_of(ix, c, cap, sub->query, term->prop, term->path_hash);
            if (p == UINT32_MAX) {
                *oom = true;
                return false;
            }
            struct fx_path *fp = &c->paths[p];
            uint32_t len = term->keys[k].prefix_len, i = 0;
            while (i < fp->nprefix && fp->prefix[i] != len)
                i++;
            if (i == fp->nprefix) {
                if (fp->nprefix == sizeof fp->prefix / sizeof fp->prefix[0])
                    return false; /* too many prefix lengths on one path: evaluated for every event */
                fp->prefix[fp->nprefix++] = len;
            }
        }
    }
    return true;
}

static wbemev_status class_build(struct wbemev__layer *l, struct wbemev__layer_class *c)
{
    struct wbemev__sub **subs = c->subs = l->subs + c->first;
    size_t nentries = 0, nintervals = 0;
    for (uint32_t i = 0; i < c->count; i++)
        for (size_t t = 0; t < subs[i]->nterms; t++)
            for (uint32_t k = 0; k < subs[i]->terms[t].nkeys; k++) {
                if (subs[i]->terms[t].keys[k].ranged)
                    nintervals++;
                else
                    nentries++;
            }
    c->plain = wbemev__malloc(c->count * sizeof *c->plain);
    struct fx_entry *entries = nentries ? wbemev__malloc(nentries * sizeof *entries) : NULL;
    struct fx_interval *iv = nintervals ? wbemev__malloc(nintervals * sizeof *iv) : NULL;
    wbemev_status st = WBEMEV_E_OUT_OF_MEMORY;
    if (c->plain == NULL || (nentries && entries == NULL) || (nintervals && iv == NULL))
        goto out;
    uint32_t pathcap = 0;
    size_t ne = 0, ni = 0;
    for (uint32_t i = 0; i < c->count; i++) {
        struct wbemev__sub *sub = subs[i];
        bool oom = false;
        if (!sub->indexed || !prefixes_fit(&l->d->index, c, &pathcap, sub, &oom)) {
            if (oom)
                goto out;
            c->plain[c->nplain++] = i;
            continue;
        }
        struct fx_decide dc;
        memset(&dc, 0, sizeof dc);
        dc.kind = FX_NONE;
        uint32_t dprop = 0;
        const char *literal = sub->nterms == 1 ? wbemev_query_sole_string_eq(sub->query, &dprop) : NULL;
        if (literal != NULL && strlen(literal) < FX_LITERAL_HERE) {
            dc.kind = FX_EQ_HERE;
            memcpy(dc.u.text, literal, strlen(literal) + 1);
        } else if (literal != NULL) {
            dc.kind = FX_EQ;
            dc.u.literal = literal;
        } else if (sub->nterms == 1 && wbemev_query_sole_range(sub->query, &dprop, &dc.u.range)) {
            dc.kind = FX_RANGE;
        }
        if (dc.kind != FX_NONE) {
            const char *path = wbemev_query_prop_path(sub->query, dprop);
            dc.path = path_of(&l->d->index, c, &pathcap, sub->query, dprop, wbemev_query_index_hash(path, strlen(path)));
            if (dc.path == UINT32_MAX)
                goto out;
            if (c->decide == NULL && (c->decide = wbemev__calloc(c->count, sizeof *c->decide)) == NULL)
                goto out;
            c->decide[i] = dc;
        }
        for (size_t t = 0; t < sub->nterms; t++) {
            const wbemev_query_index_term *term = &sub->terms[t];
            uint32_t p = path_of(&l->d->index, c, &pathcap, sub->query, term->prop, term->path_hash);
            if (p == UINT32_MAX)
                goto out;
            for (uint32_t k = 0; k < term->nkeys; k++) {
                const wbemev_query_index_key *key = &term->keys[k];
                if (key->ranged)
                    iv[ni++] = (struct fx_interval){p, key->domain, key->lo, key->hi, i};
                else
                    entries[ne++] = (struct fx_entry){key->key, p, key->prefix_len, key->domain, i};
            }
        }
    }
    for (uint32_t i = 0; i < c->count; i++) {
        c->counted = c->counted || subs[i]->indexed;
    }
    c->indexed = c->nplain < c->count && c->count - c->nplain >= INDEX_MIN;
    if (!c->indexed) { /* every one evaluated: nothing to look up */
        c->npaths = 0;
        ne = ni = 0;
        wbemev__free(c->decide);
        c->decide = NULL;
    }
    /* The hash: distinct keys, each with its positions in subscription order. */
    if (ne > 0) {
        qsort(entries, ne, sizeof *entries, entry_cmp);
        c->postings = wbemev__malloc(ne * sizeof *c->postings);
        uint32_t nk = 8;
        while (nk < 2 * ne)
            nk *= 2;
        c->keys = wbemev__calloc(nk, sizeof *c->keys);
        if (c->postings == NULL || c->keys == NULL)
            goto out;
        c->keymask = nk - 1;
        uint32_t np = 0;
        for (size_t i = 0; i < ne;) {
            size_t j = i;
            while (j < ne && same_key(&entries[i], &entries[j]))
                j++;
            uint32_t b = key_hash(entries[i].key, entries[i].path, entries[i].domain, entries[i].prefix_len) &
                         c->keymask;
            while (c->keys[b].used)
                b = (b + 1) & c->keymask;
            c->keys[b] = (struct fx_key){entries[i].key, entries[i].path, entries[i].prefix_len,
                                         entries[i].domain, true, np, 0};
            for (size_t k = i; k < j; k++) /* a subscription with the same key twice (OR) once */
                if (k == i || entries[k].pos != entries[k - 1].pos)
                    c->postings[np++] = entries[k].pos;
            c->keys[b].count = np - c->keys[b].first;
            if (c->keys[b].count == 1)
                c->keys[b].first = c->postings[--np]; /* in place (key_positions) */
            i = j;
        }
    }
    /* The interval trees, one per (path, domain). */
    if (ni > 0) {
        qsort(iv, ni, sizeof *iv, interval_cmp);
        uint32_t nsets = 0;
        for (size_t i = 0; i < ni; i++)
            nsets += i == 0 || iv[i].path != iv[i - 1].path || iv[i].domain != iv[i - 1].domain;
        c->ranges = wbemev__calloc(nsets, sizeof *c->ranges);
        if (c->ranges == NULL)
            goto out;
        for (size_t i = 0; i < ni;) {
            size_t j = i;
            while (j < ni && iv[j].path == iv[i].path && iv[j].domain == iv[i].domain)
                j++;
            struct fx_ranges *r = &c->ranges[c->nranges++];
            r->path = iv[i].path;
            r->domain = iv[i].domain;
            r->n = (uint32_t)(j - i);
            r->lo = wbemev__malloc(r->n * sizeof *r->lo);
            r->hi = wbemev__malloc(r->n * sizeof *r->hi);
            r->maxhi = wbemev__malloc(r->n * sizeof *r->maxhi);
            r->pos = wbemev__malloc(r->n * sizeof *r->pos);
            if (r->lo == NULL || r->hi == NULL || r->maxhi == NULL || r->pos == NULL)
                goto out;
            for (uint32_t k = 0; k < r->n; k++) {
                r->lo[k] = iv[i + k].lo;
                r->hi[k] = iv[i + k].hi;
                r->pos[k] = iv[i + k].pos;
            }
            tree_maxhi(r, 0, r->n);
            i = j;
        }
    }
    st = WBEMEV_S_NO_ERROR;
out:
    wbemev__free(entries);
    wbemev__free(iv);
    return st;
}

static void layer_free(struct wbemev__layer *l)
{
    wbemev_dispatcher_t *d = l->d;
    bool signal = false;
    for (uint32_t b = 0; l->classes != NULL && b <= l->mask; b++) {
        struct wbemev__layer_class *c = &l->classes[b];
        if (c->class_id == 0)
            continue;
        /* The events the index kept from its subscriptions, for their filtered counts. */
        uint64_t routed = atomic_load_explicit(&c->routed, memory_order_relaxed);
        if (routed != 0)
            for (uint32_t i = 0; i < c->count; i++)
                if (l->subs[c->first + i]->indexed)
                    atomic_fetch_add_explicit(&l->subs[c->first + i]->routed_folded, routed, memory_order_relaxed);
        class_free(c);
    }
    for (size_t i = 0; i < l->nsubs; i++) {
        struct wbemev__sub *sub = l->subs[i];
        if (atomic_fetch_sub(&sub->snap_refs, 1) == 1 && atomic_load(&sub->state) != SUB_ACTIVE)
            signal = true;
        wbemev__sub_release(sub);
    }
    wbemev__free(l->subs);
    wbemev__free(l->classes);
    wbemev__free(l);
    if (signal) {
        /* Someone may be waiting for the last snapshot holding its subscription. The dispatcher
         * is alive: layers are freed by the control plane or inside an Indicate, and destroy
         * waits for both. */
        wbemev__mutex_lock(&d->wait_lock);
        wbemev__cond_broadcast(&d->wait_cv);
        wbemev__mutex_unlock(&d->wait_lock);
    }
}

void wbemev__layer_ref(struct wbemev__layer *l)
{
    wbemev__ref_inc(&l->refs);
}

void wbemev__layer_release(struct wbemev__layer *l)
{
    if (l != NULL && wbemev__ref_dec(&l->refs))
        layer_free(l);
}

wbemev_status wbemev__layer_build(wbemev_dispatcher_t *d, struct wbemev__sub *const *subs, size_t n,
                                  struct wbemev__layer **out)
{
    struct wbemev__layer *l = wbemev__calloc(1, sizeof *l);
    if (l == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__ref_init(&l->refs, 1);
    l->d = d;
    uint32_t nb = 8;
    while (nb < 2 * n)
        nb *= 2;
    l->mask = nb - 1;
    l->classes = wbemev__calloc(nb, sizeof *l->classes);
    l->subs = n ? wbemev__calloc(n, sizeof *l->subs) : NULL;
    if (l->classes == NULL || (n && l->subs == NULL)) {
        wbemev__free(l->classes);
        wbemev__free(l->subs);
        wbemev__free(l);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    /* Pass 1: count per class. Pass 2: assign ranges. Pass 3: place, in subscription order. */
    for (size_t i = 0; i < n; i++) {
        uint32_t b = bucket_of(subs[i]->class_id, l->mask);
        while (l->classes[b].class_id != 0 && l->classes[b].class_id != subs[i]->class_id)
            b = (b + 1) & l->mask;
        l->classes[b].class_id = subs[i]->class_id;
        l->classes[b].count++;
    }
    uint32_t next = 0;
    for (uint32_t b = 0; b < nb; b++) {
        l->classes[b].first = next;
        next += l->classes[b].count;
        l->classes[b].count = 0;
        atomic_init(&l->classes[b].routed, 0);
    }
    for (size_t i = 0; i < n; i++) {
        struct wbemev__sub *sub = subs[i];
        uint32_t b = bucket_of(sub->class_id, l->mask);
        while (l->classes[b].class_id != sub->class_id)
            b = (b + 1) & l->mask;
        l->subs[l->classes[b].first + l->classes[b].count++] = sub;
        wbemev__ref_inc(&sub->refs);
        atomic_fetch_add(&sub->snap_refs, 1);
        if (sub->reserving)
            l->reserving = true;
    }
    l->nsubs = n;
    for (uint32_t b = 0; b < nb; b++) {
        if (l->classes[b].class_id != 0 && WBEMEV_FAILED(class_build(l, &l->classes[b]))) {
            layer_free(l);
            return WBEMEV_E_OUT_OF_MEMORY;
        }
    }
    *out = l;
    return WBEMEV_S_NO_ERROR;
}

/* ---- looking up ---- */

static const struct wbemev__layer_class *class_find(const struct wbemev__layer *l, uint32_t class_id)
{
    uint32_t b = bucket_of(class_id, l->mask);
    for (;;) {
        const struct wbemev__layer_class *c = &l->classes[b];
        if (c->class_id == class_id)
            return c;
        if (c->class_id == 0)
            return NULL;
        b = (b + 1) & l->mask;
    }
}

const struct wbemev__layer_class *wbemev__layer_class_find(const struct wbemev__layer *l, uint32_t class_id)
{
    return l != NULL ? class_find(l, class_id) : NULL;
}

struct wbemev__sub *const *wbemev__layer_class_subs(const struct wbemev__layer_class *c, uint32_t *count,
                                                   bool *indexed)
{
    *count = c->count;
    *indexed = c->indexed;
    return c->subs;
}

void wbemev__layer_class_routed(const struct wbemev__layer_class *c, uint64_t n)
{
    if (!c->counted)
        return;
    /* The counter is the one thing about a layer that changes. */
    atomic_fetch_add_explicit((atomic_uint_fast64_t *)&c->routed, n, memory_order_relaxed);
}

bool wbemev__layer_reserving(const struct wbemev__layer *l)
{
    return l != NULL && l->reserving;
}

uint64_t wbemev__layer_routed(const struct wbemev__layer *l, uint32_t class_id)
{
    const struct wbemev__layer_class *c = l != NULL ? class_find(l, class_id) : NULL;
    return c != NULL ? atomic_load_explicit(&c->routed, memory_order_relaxed) : 0;
}

/* The candidates gathered for one event: positions, unsorted, possibly repeated. */
struct cands {
    uint32_t n;
    bool overflow;
    uint32_t v[CAND_MAX];
};

static void cands_add(struct cands *k, const uint32_t *pos, uint32_t n)
{
    if (n > CAND_MAX - k->n) {
        k->overflow = true;
        return;
    }
    for (uint32_t i = 0; i < n; i++) /* usually one or two: no memcpy call */
        k->v[k->n + i] = pos[i];
    k->n += n;
}

static void stab(const struct fx_ranges *r, uint32_t l, uint32_t h, double x, struct cands *k)
{
    while (l < h && !k->overflow) {
        uint32_t m = l + (h - l) / 2;
        if (r->maxhi[m] < x)
            return; /* every interval here ends before x */
        if (l < m && r->maxhi[l + (m - l) / 2] >= x) /* the left half's own test, without the call */
            stab(r, l, m, x, k);
        if (r->lo[m] > x)
            return; /* this one and all after it start past x */
        if (r->hi[m] >= x)
            cands_add(k, &r->pos[m], 1);
        l = m + 1;
    }
}

static inline const uint32_t *key_positions(const struct wbemev__layer_class *c, const struct fx_key *e)
{
    return e->count == 1 ? &e->first : c->postings + e->first;
}

static const struct fx_key *key_find(const struct wbemev__layer_class *c, uint32_t path, const wbemev_query_index_probe *p)
{
    uint32_t b = key_hash(p->key, path, p->domain, p->prefix_len) & c->keymask;
    for (;;) {
        const struct fx_key *e = &c->keys[b];
        if (!e->used)
            return NULL;
        if (e->key == p->key && e->path == path && e->domain == p->domain && e->prefix_len == p->prefix_len)
            return e;
        b = (b + 1) & c->keymask;
    }
}

static int pos_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void sort_positions(uint32_t *v, uint32_t n)
{
    if (n > 24) {
        qsort(v, n, sizeof *v, pos_cmp);
        return;
    }
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = v[i], j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Gathers the candidates of event in class c; false when they do not fit (visit every one). */
/* The keys event offers for path fp: from the cache when an entry before this one asked for the
 * same path and prefixes, else read (and cached when there is room). NULL: more than PROBE_MAX. */
static const wbemev_query_index_probe *probe(const struct fx_path *fp, const wbemev_object_t *event,
                                             struct wbemev__probes *pc, wbemev_query_index_probe *scratch,
                                             size_t *np)
{
    if (pc->event != event) {
        pc->event = event;
        pc->n = 0;
    }
    for (uint32_t i = 0; i < pc->n; i++) {
        if (pc->at[i].path == fp->text && pc->at[i].nprefix == fp->nprefix &&
            (fp->nprefix == 0 || memcmp(pc->at[i].prefix, fp->prefix, fp->nprefix * sizeof *fp->prefix) == 0)) {
            *np = pc->at[i].np;
            return pc->at[i].v;
        }
    }
    if (pc->n < WBEMEV__PROBES_CACHED) { /* read straight into the cache */
        *np = wbemev_query_index_probe_event(fp->q, fp->prop, event, fp->prefix, fp->nprefix, pc->at[pc->n].v,
                                             WBEMEV__PROBES_KEYS, &pc->at[pc->n].value);
        if (*np <= WBEMEV__PROBES_KEYS) {
            pc->at[pc->n].path_hash = fp->hash;
            pc->at[pc->n].path = fp->text;
            pc->at[pc->n].prefix = fp->prefix;
            pc->at[pc->n].nprefix = fp->nprefix;
            pc->at[pc->n].np = (uint32_t)*np;
            return pc->at[pc->n++].v;
        }
    }
    wbemev_query_probed_value value;
    *np = wbemev_query_index_probe_event(fp->q, fp->prop, event, fp->prefix, fp->nprefix, scratch, PROBE_MAX, &value);
    return *np > PROBE_MAX ? NULL : scratch;
}

static bool gather(const struct wbemev__layer_class *c, const wbemev_object_t *event, struct wbemev__probes *pc,
                   struct cands *k)
{
    k->n = 0;
    k->overflow = false;
    cands_add(k, c->plain, c->nplain);
    wbemev_query_index_probe scratch[PROBE_MAX];
    for (uint32_t p = 0; p < c->npaths && !k->overflow; p++) {
        const struct fx_path *fp = &c->paths[p];
        size_t np;
        const wbemev_query_index_probe *probes = probe(fp, event, pc, scratch, &np);
        if (probes == NULL)
            return false;
        for (size_t i = 0; i < np && !k->overflow; i++) {
            if (c->keys != NULL) {
                const struct fx_key *e = key_find(c, p, &probes[i]);
                if (e != NULL)
                    cands_add(k, key_positions(c, e), e->count);
            }
            if (probes[i].ordered)
                for (uint32_t r = 0; r < c->nranges; r++)
                    if (c->ranges[r].path == p && c->ranges[r].domain == probes[i].domain)
                        stab(&c->ranges[r], 0, c->ranges[r].n, probes[i].point, k);
        }
    }
    if (k->overflow)
        return false;
    if (k->n <= 1)
        return true;
    sort_positions(k->v, k->n);
    uint32_t m = 0;
    for (uint32_t i = 0; i < k->n; i++)
        if (m == 0 || k->v[i] != k->v[m - 1])
            k->v[m++] = k->v[i];
    k->n = m;
    return true;
}

/* count: the class's routed events are counted, so each indexed subscription's visits are too
 * (the difference is what the index kept from it). */
static bool visit_counted(struct wbemev__sub *sub, bool count, bool where_passed, wbemev__visit_fn visit, void *arg)
{
    if (count && sub->count_visits)
        atomic_fetch_add_explicit(&sub->evaluated, 1, memory_order_relaxed);
    return visit(arg, sub, where_passed);
}

/* The event's value of path p as the probes read it; NULL when it was not kept. */
static const wbemev_query_probed_value *probed_value(const struct wbemev__layer_class *c,
                                                    const struct wbemev__probes *pc, uint32_t p)
{
    for (uint32_t i = 0; i < pc->n; i++)
        if (pc->at[i].path == c->paths[p].text)
            return &pc->at[i].value;
    return NULL;
}

/* 1: the candidate's whole WHERE holds for the event, 0: it does not, -1: evaluate it (nothing to
 * decide with). As the evaluation would: the string compared as `=` compares it (a key's hash may
 * collide), the number tested against the exact ends (the index's intervals are closed). */
static int decided(const struct wbemev__layer_class *c, const struct wbemev__probes *pc, uint32_t pos)
{
    const struct fx_decide *dc = &c->decide[pos];
    if (dc->kind == FX_NONE)
        return -1;
    const wbemev_query_probed_value *v = probed_value(c, pc, dc->path);
    if (v == NULL)
        return -1;
    if (dc->kind == FX_EQ_HERE)
        return v->str != NULL ? wbemev_query_strings_equal(v->str, dc->u.text) : -1;
    if (dc->kind == FX_EQ)
        return v->str != NULL ? wbemev_query_strings_equal(v->str, dc->u.literal) : -1;
    return v->has_number ? wbemev_query_range_holds(&dc->u.range, v->number) : -1;
}

bool wbemev__layer_class_walk(const struct wbemev__layer_class *c, const wbemev_object_t *event, bool full, bool count,
                              struct wbemev__probes *pc, wbemev__visit_fn visit, void *arg)
{
    struct wbemev__sub *const *subs = c->subs;
    count = count && c->counted;
    struct cands k;
    if (full || !c->indexed || !gather(c, event, pc, &k)) {
        for (uint32_t i = 0; i < c->count; i++)
            if (!visit_counted(subs[i], count, false, visit, arg))
                return false;
        return true;
    }
    for (uint32_t i = 0; i < k.n; i++) {
        uint32_t pos = k.v[i];
        int holds = c->decide != NULL ? decided(c, pc, pos) : -1;
        if (holds == 0)
            continue; /* not passed: as if the index had kept it out */
        if (!visit_counted(subs[pos], count, holds == 1, visit, arg))
            return false;
    }
    return true;
}
