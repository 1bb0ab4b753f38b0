/*
 * lib/model/object.c: the life of an object: its block, its references, its freeing (the class's
 * block cache and a queued worker's batched frees), the class object and the accessors.
 * object_layout.h describes the layout and the fast paths.
 */
#include "model/object_layout.h"

/* ---- freeing ---- */

/* Instances freed by a thread between wbemev__object_free_batch_begin and _end, all of one class
 * (a free of another class flushes first). */
#define FREE_BATCH_BLOCKS 64
struct free_batch {
    unsigned depth; /* begin calls not ended yet */
    wbemev_class_t *cls;
    enum wbemev__cache_owner owner; /* cls's cache owner when the batch took up cls */
    size_t ninstances; /* class count decrements held back */
    size_t nblocks;    /* blocks for the class's cache, given back together */
    void *blocks[FREE_BATCH_BLOCKS];
};
static WBEMEV__THREAD_LOCAL struct free_batch tls_free_batch;
static void free_batch_add(struct free_batch *b, wbemev_class_t *cls, wbemev_object_t *obj);

/* Drops a reference that an object being freed held (an embedded object, a view's base). A last
 * reference queues the object on *pending instead of freeing it here: each level of a chain of
 * embedded objects may hold the last reference to the next, and freeing them one after the other,
 * not one inside the other, takes constant stack however deep the chain. */
static inline void release_held(wbemev_object_t *obj, wbemev_object_t **pending)
{
    if (obj == NULL)
        return;
    if (obj->class_owned) {
        wbemev_class_release(obj->cls); /* class.c frees classes one after the other too */
    } else if (wbemev__ref_dec_held(&obj->refs)) {
        walk_push(pending, obj);
    }
}

/* Drops what an object whose last reference is gone holds: its slots' values or a view's base;
 * the objects it held the last reference to go on *pending. */
static void object_drop_values(wbemev_object_t *obj, wbemev_object_t **pending)
{
    if (obj->view_of != NULL) {
        release_held(obj->view_of, pending);
        return;
    }
    if (obj->heavy == 0)
        return; /* scalars and short strings only */
    for (uint32_t i = 0; i < obj->count; i++) {
        wbemev_cimtype type = obj->cls->props[i].type;
        size_t n;
        wbemev_object_t **items = slot_objects(&obj->slots[i], type, &n);
        for (size_t k = 0; k < n; k++)
            release_held(items[k], pending);
        slot_free_storage(&obj->slots[i], type);
    }
}

/* Frees the block of an object whose values are dropped, and its share of its class. */
static inline void object_free_block(wbemev_object_t *obj)
{
    wbemev_class_t *cls = obj->cls;
    wbemev_class_t *owner = obj->class_owned ? NULL : obj->cls;
    wbemev__live_objects_add(-1);
    if (obj->genus != WBEMEV_GENUS_INSTANCE) {
        wbemev__free(obj);
        wbemev_class_release(owner);
        return;
    }
    if (tls_free_batch.depth > 0) {
        free_batch_add(&tls_free_batch, cls, obj);
        return;
    }
    /* Instances share one class reference, held while the class has live instances: the thread
     * that takes the count to 0 drops it. Other objects hold a reference each. */
    if (!obj->plain_block || !wbemev__block_cache_put_fast(&cls->cache, obj, header_size(cls->prop_count)))
        wbemev__free(obj);
    live_count_add(cls, -1);
}

/* Frees an instance of scalars and short strings in a plain block, whose last reference is gone,
 * on the thread that holds its class's pin, when its lane has room: the provider's per-event
 * release, one look at the lane. False for any other case (object_free applies). */
static inline bool object_free_to_lane(wbemev_object_t *obj)
{
    if (!obj->plain_block || obj->genus != WBEMEV_GENUS_INSTANCE || obj->heavy != 0 || obj->view_of != NULL ||
        tls_free_batch.depth > 0)
        return false;
    wbemev_class_t *cls = obj->cls;
    struct wbemev__cache_lane *l = pinned_lane(cls);
    if (l == NULL || !wbemev__lane_push(l, obj))
        return false;
    wbemev__live_counts_add(-1, -1);
    lane_live_add(cls, l, -1); /* may drop the class: last */
    return true;
}

/* Frees obj, which holds references or out-of-line values, then the objects that lost their last
 * reference with it, one after the other. Out of line: the usual event takes the path below. */
static WBEMEV__NOINLINE void object_free_deep(wbemev_object_t *obj)
{
    wbemev_object_t *pending = NULL;
    do {
        object_drop_values(obj, &pending);
        object_free_block(obj);
    } while ((obj = walk_pop(&pending)) != NULL);
}

/* Frees obj, whose last reference is gone. Out of line: the provider's release takes the lane. */
static WBEMEV__NOINLINE void object_free(wbemev_object_t *obj)
{
    if (obj->view_of == NULL && obj->heavy == 0)
        object_free_block(obj); /* scalars and short strings: nothing else to free */
    else
        object_free_deep(obj);
}

/* ---- batched frees (a queued worker's batch; see wbemev__object_free_batch_begin) ---- */

/* Gives the gathered blocks to the class's cache in one push (what it does not keep is freed). */
static void free_batch_give(struct free_batch *b)
{
    size_t kept = wbemev__block_cache_give(&b->cls->cache, b->blocks, b->nblocks, header_size(b->cls->prop_count));
    for (size_t i = kept; i < b->nblocks; i++)
        wbemev__free(b->blocks[i]);
    b->nblocks = 0;
}

static void free_batch_flush(struct free_batch *b)
{
    wbemev_class_t *cls = b->cls;
    if (cls == NULL)
        return;
    /* The blocks first: the class, and its cache, live while the count is above 0. */
    if (b->nblocks > 0)
        free_batch_give(b);
    int64_t n = (int64_t)b->ninstances;
    b->cls = NULL; /* first: the count may free the class */
    b->ninstances = 0;
    live_count_add(cls, -n);
}

/* ---- the owner thread's share of a class's live count (object_layout.h) ---- */

/* Classes this thread holds a pin on, given back when it exits. A class with a live instance made
 * here (a provider's template) keeps its pin: enough for a provider of many event classes, since
 * a class without one counts each spawn and free on the shared count. */
#define THREAD_PINS 64
static WBEMEV__THREAD_LOCAL struct thread_pins {
    bool hooked; /* the exit hook is registered */
    unsigned n;
    wbemev_class_t *cls[THREAD_PINS];
} tls_pins;

static void unpin_all(void *arg)
{
    struct thread_pins *p = arg;
    while (p->n > 0) {
        wbemev_class_t *cls = p->cls[p->n - 1];
        wbemev__class_live_unpin(cls, wbemev__block_cache_my_lane(&cls->cache));
    }
    p->hooked = false; /* the hook ran */
}

bool wbemev__class_live_pin(wbemev_class_t *cls, struct wbemev__cache_lane *l)
{
    struct thread_pins *p = &tls_pins;
    if (p->n == THREAD_PINS)
        return false;
    if (!p->hooked) {
        if (!wbemev__thread_exit_hook(unpin_all, p))
            return false;
        p->hooked = true;
    }
    if (atomic_fetch_add_explicit(&cls->live_instances, WBEMEV__LIVE_PIN, memory_order_relaxed) == 0)
        wbemev_class_add_ref(cls);
    p->cls[p->n++] = cls;
    l->live_pinned = true;
    return true;
}

void wbemev__class_live_unpin(wbemev_class_t *cls, struct wbemev__cache_lane *l)
{
    struct thread_pins *p = &tls_pins;
    for (unsigned i = p->n; i-- > 0;) {
        if (p->cls[i] == cls) {
            p->cls[i] = p->cls[--p->n];
            break;
        }
    }
    int64_t d = atomic_load_explicit(&l->live_delta, memory_order_relaxed);
    int64_t add = d - WBEMEV__LIVE_PIN;
    l->live_pinned = false;
    atomic_store_explicit(&l->live_delta, 0, memory_order_relaxed);
    /* acq_rel, as every count that may take the shared count to 0 */
    if (atomic_fetch_add_explicit(&cls->live_instances, add, memory_order_acq_rel) == -add)
        wbemev_class_release(cls);
}

void wbemev__class_live_fold(wbemev_class_t *cls, struct wbemev__cache_lane *l)
{
    int64_t d = atomic_load_explicit(&l->live_delta, memory_order_relaxed);
    atomic_store_explicit(&l->live_delta, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&cls->live_instances, d, memory_order_relaxed); /* stays above the pin's share */
}

/* Frees an instance (its slots already cleared) into the batch: its block is gathered when the
 * class's cache belongs to another thread, and its class count is kept back until the flush
 * (which keeps the class alive meanwhile). */
static void free_batch_add(struct free_batch *b, wbemev_class_t *cls, wbemev_object_t *obj)
{
    if (b->cls != cls) {
        free_batch_flush(b);
        b->cls = cls;
        b->owner = wbemev__block_cache_owner(&cls->cache); /* set once: no need to look again */
    }
    b->ninstances++;
    if (!obj->plain_block) {
        wbemev__free(obj);
        return;
    }
    switch (b->owner) {
    case WBEMEV__CACHE_OTHERS:
        if (b->nblocks == FREE_BATCH_BLOCKS)
            free_batch_give(b);
        b->blocks[b->nblocks++] = obj;
        break;
    case WBEMEV__CACHE_MINE:
        if (!wbemev__block_cache_put(&cls->cache, obj, header_size(cls->prop_count)))
            wbemev__free(obj);
        break;
    default:
        wbemev__free(obj);
        break;
    }
}

void wbemev__object_free_batch_begin(void)
{
    tls_free_batch.depth++;
}

void wbemev__object_free_batch_end(void)
{
    if (--tls_free_batch.depth == 0)
        free_batch_flush(&tls_free_batch);
}

/* ---- class objects and references ---- */

wbemev_status wbemev__object_new_class_object(wbemev_class_t *cls, wbemev_object_t **out)
{
    wbemev_object_t *obj = object_alloc(cls, WBEMEV_GENUS_CLASS, 0);
    if (obj == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    obj->class_owned = true;
    *out = object_publish(obj);
    return WBEMEV_S_NO_ERROR;
}

void wbemev__object_destroy_class_object(wbemev_object_t *obj)
{
    object_free(obj);
}

wbemev_object_t *wbemev_object_add_ref(wbemev_object_t *obj)
{
    if (obj == NULL)
        return NULL;
    if (obj->class_owned)
        wbemev_class_add_ref(obj->cls); /* the class object lives exactly as long as its class */
    else
        wbemev__ref_inc(&obj->refs);
    return obj;
}

void wbemev_object_release(wbemev_object_t *obj)
{
    if (obj == NULL)
        return;
    if (obj->class_owned)
        wbemev_class_release(obj->cls);
    else if (wbemev__ref_dec_held(&obj->refs) && /* every holder of an object took its own reference */
             !object_free_to_lane(obj))
        object_free(obj);
}

/* ---- accessors ---- */

wbemev_class_t *wbemev_object_class(const wbemev_object_t *obj)
{
    return obj != NULL ? obj->cls : NULL;
}

const char *wbemev_object_class_name(const wbemev_object_t *obj)
{
    return obj != NULL ? obj->cls->name : NULL;
}

wbemev_genus wbemev_object_genus(const wbemev_object_t *obj)
{
    return obj != NULL ? (wbemev_genus)obj->genus : (wbemev_genus)0;
}
