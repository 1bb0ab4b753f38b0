/*
 * lib/object.c: event objects (instances and class objects) with typed CIM properties.
 *
 * Layout: one block per object: the header, an inline array of 32-byte slots (one per property,
 * in class property order) and, for objects made by clone or spawn, an arena after the slots that
 * holds the copies of long strings and arrays. So clone and spawn cost one allocation whatever the
 * values; Put stores scalars and short strings (up to WBEMEV__SSO_CAP - 1 bytes) in the slot and
 * reuses a slot's out-of-line storage when the new value fits, allocating only when it does not.
 *
 * Fast paths, for a provider's per-event loop (clone a template, Put scalars, indicate, release):
 *  - each object counts its "heavy" slots, those holding out-of-line bytes or object references;
 *    an object without any (the usual event: scalars and short strings) is cloned with one memcpy
 *    of its slots, and freed and frozen without visiting them;
 *  - Put of a fixed-size scalar checks the value itself instead of the generic validation, and the
 *    general Put stays out of line so this path has no big frame;
 *  - Get fills the caller's value in place;
 *  - instances hold one reference on their class as a group (taken when the class's live instance
 *    count leaves 0, dropped when it returns to 0): one atomic per instance, not two;
 *  - a freed instance's block, when it has no arena, is kept by its class for the next clone or
 *    spawn (block_cache.c: 256 KiB a class, owned by the provider's thread), so a provider's
 *    steady state allocates nothing. A cached block is not a live allocation
 *    (wbemev_live_allocations); the class gives its cache back to the hook when it is freed;
 *  - a queued worker frees a batch of events with one class count update and one hand-back of
 *    their blocks (wbemev__object_free_batch_begin/end), not one contended atomic each.
 */
#include "model/class_layout.h"

#include <float.h>

/* Bytes of a string stored inside its slot, the terminating NUL included. */
#define WBEMEV__SSO_CAP 24

/* Where a slot's out-of-line bytes live. */
enum {
    STORE_INLINE = 0, /* nothing out of line */
    STORE_OWNED = 1,  /* a block of its own, freed with the value */
    STORE_ARENA = 2   /* inside the object's block: never freed on its own */
};

typedef struct wbemev__slot {
    union {
        int64_t sint;
        uint64_t uint;
        double real;
        bool boolean;
        uint16_t char16;
        wbemev_datetime datetime;
        wbemev_object_t *object; /* a reference: shared when frozen, else our own copy */
        struct {
            char *ptr;
            size_t len;
            size_t cap;
        } str; /* long string */
        struct {
            void *items;
            size_t count;
            size_t cap; /* bytes available; exactly the bytes used for string arrays */
        } arr;         /* string arrays: count pointers, then the bytes they point to */
        char sso[WBEMEV__SSO_CAP];
    } u;
    uint8_t is_null;
    uint8_t storage;
} wbemev__slot;

/* Keeps the per-property cost at 32 bytes on every supported ABI. */
_Static_assert(sizeof(wbemev__slot) <= 32, "a slot must stay within 32 bytes");

struct wbemev_object_s {
    wbemev__refcount refs;
    atomic_bool frozen;
    atomic_uint_fast64_t indicated; /* the token of the Indicate call that sent it; 0 never */
    atomic_uint indicated_by;       /* the tag of the Indicate that marked it (model.h) */
    uint8_t genus;
    bool class_owned; /* the class's own class object: references go to the class */
    bool plain_block; /* header and slots only (no arena): reusable for any object of the class */
    uint32_t count;
    uint32_t heavy;      /* own slots for which slot_heavy() is true (0 for views) */
    wbemev_class_t *cls; /* a reference, except for the class-owned class object */
    /* A projection view (SELECT a, b): no slots of its own; reads go to view_of for the properties
     * whose bit is set in view_mask and see NULL for the others. Always frozen. */
    wbemev_object_t *view_of;
    const uint8_t *view_mask;
    wbemev__slot slots[];
};

static const wbemev__slot null_slot = {.is_null = 1, .storage = STORE_INLINE};

/* The slot a read of property i sees: the object's own, or for a view its base's or NULL. */
static const wbemev__slot *slot_at(const wbemev_object_t *obj, uint32_t i)
{
    if (obj->view_of == NULL)
        return &obj->slots[i];
    return (obj->view_mask[i >> 3] >> (i & 7u)) & 1u ? &obj->view_of->slots[i] : &null_slot;
}

/* Arena pieces are aligned for every element type a value can hold. */
#define WBEMEV__ALIGN 8u
static size_t align_up(size_t n)
{
    return (n + (WBEMEV__ALIGN - 1)) & ~(size_t)(WBEMEV__ALIGN - 1);
}

static bool is_stringy(wbemev_cimtype base)
{
    return base == WBEMEV_CIM_STRING || base == WBEMEV_CIM_REFERENCE;
}

static bool is_frozen(const wbemev_object_t *obj)
{
    return atomic_load_explicit(&((wbemev_object_t *)obj)->frozen, memory_order_acquire);
}

/* ---- allocation and teardown ---- */

/* True when slot s needs work to copy, freeze or release: out-of-line bytes or object references. */
static bool slot_heavy(const wbemev__slot *s, wbemev_cimtype type)
{
    return !s->is_null && (s->storage != STORE_INLINE || WBEMEV_CIM_BASE(type) == WBEMEV_CIM_OBJECT);
}

static size_t header_size(uint32_t count)
{
    return align_up(offsetof(struct wbemev_object_s, slots) + (size_t)count * sizeof(wbemev__slot));
}

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

/* A new object with its slots uninitialized and `arena` spare bytes after them. Counters untouched. */
static wbemev_object_t *object_alloc_raw(const wbemev_class_t *cls, wbemev_genus genus, size_t arena)
{
    size_t head = header_size(cls->prop_count);
    if (arena > SIZE_MAX - head)
        return NULL;
    wbemev_object_t *obj = arena == 0 && genus == WBEMEV_GENUS_INSTANCE
                               ? wbemev__block_cache_take(&((wbemev_class_t *)cls)->cache, head)
                               : NULL;
    if (obj == NULL)
        obj = wbemev__malloc(head + arena);
    if (obj == NULL)
        return NULL;
    obj->plain_block = arena == 0;
    wbemev__ref_init(&obj->refs, 1);
    atomic_init(&obj->frozen, false);
    atomic_init(&obj->indicated, 0);
    atomic_init(&obj->indicated_by, 0);
    obj->genus = (uint8_t)genus;
    obj->class_owned = false;
    obj->count = cls->prop_count;
    obj->cls = (wbemev_class_t *)cls;
    obj->heavy = 0;
    obj->view_of = NULL;
    obj->view_mask = NULL;
    return obj;
}

/* A new object with every slot NULL and `arena` spare bytes after the slots. Counters untouched. */
static wbemev_object_t *object_alloc(const wbemev_class_t *cls, wbemev_genus genus, size_t arena)
{
    wbemev_object_t *obj = object_alloc_raw(cls, genus, arena);
    if (obj == NULL)
        return NULL;
    for (uint32_t i = 0; i < obj->count; i++) {
        obj->slots[i].is_null = 1;
        obj->slots[i].storage = STORE_INLINE;
    }
    return obj;
}

/* Releases what a slot holds and leaves it NULL. */
static void slot_clear(wbemev__slot *s, wbemev_cimtype type)
{
    if (s->is_null)
        return;
    if (WBEMEV_CIM_BASE(type) == WBEMEV_CIM_OBJECT) {
        if (WBEMEV_CIM_IS_ARRAY(type)) {
            wbemev_object_t **items = s->u.arr.items;
            for (size_t i = 0; i < s->u.arr.count; i++)
                wbemev_object_release(items[i]);
        } else {
            wbemev_object_release(s->u.object);
        }
    }
    if (s->storage == STORE_OWNED)
        wbemev__free(WBEMEV_CIM_IS_ARRAY(type) ? s->u.arr.items : (void *)s->u.str.ptr);
    s->is_null = 1;
    s->storage = STORE_INLINE;
}

static void object_free(wbemev_object_t *obj)
{
    wbemev_class_t *cls = obj->cls;
    if (obj->view_of != NULL)
        wbemev_object_release(obj->view_of);
    else if (obj->heavy != 0)
        for (uint32_t i = 0; i < obj->count; i++)
            slot_clear(&obj->slots[i], cls->props[i].type);
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
     * that takes the count to 0 drops it (acq_rel: every instance's last use of the class, the
     * cache included, happens before that). Other objects hold a reference each. */
    if (!obj->plain_block || !wbemev__block_cache_put(&cls->cache, obj, header_size(cls->prop_count)))
        wbemev__free(obj);
    if (atomic_fetch_sub_explicit(&cls->live_instances, 1, memory_order_acq_rel) == 1)
        wbemev_class_release(owner);
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
    if (atomic_fetch_sub_explicit(&cls->live_instances, b->ninstances, memory_order_acq_rel) == b->ninstances)
        wbemev_class_release(cls);
    b->cls = NULL;
    b->ninstances = 0;
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

/* Counts a finished object as alive and takes its class reference (for an instance: the group
 * reference when it is the class's first live instance; whoever creates it holds a reference to
 * the class or to an object of it, so the class cannot go away meanwhile). */
static wbemev_object_t *object_publish(wbemev_object_t *obj)
{
    if (obj->genus == WBEMEV_GENUS_INSTANCE) {
        if (atomic_fetch_add_explicit(&obj->cls->live_instances, 1, memory_order_relaxed) == 0)
            wbemev_class_add_ref(obj->cls);
    } else if (!obj->class_owned) {
        wbemev_class_add_ref(obj->cls);
    }
    wbemev__live_objects_add(1);
    return obj;
}

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
    else if (wbemev__ref_dec_held(&obj->refs)) /* every holder of an object took its own reference */
        object_free(obj);
}

/* ---- copying ---- */

/* A reference to store for embedded object src: shared when frozen, else a private clone. */
static wbemev_status embed_ref(wbemev_object_t *src, wbemev_object_t **out)
{
    if (is_frozen(src)) {
        *out = wbemev_object_add_ref(src);
        return WBEMEV_S_NO_ERROR;
    }
    return wbemev_object_clone(src, out);
}

/* Out-of-line bytes slot s needs in a copy. */
static size_t slot_arena_size(const wbemev__slot *s, wbemev_cimtype type)
{
    if (s->is_null)
        return 0;
    wbemev_cimtype base = WBEMEV_CIM_BASE(type);
    if (!WBEMEV_CIM_IS_ARRAY(type))
        return is_stringy(base) && s->storage != STORE_INLINE ? align_up(s->u.str.len + 1) : 0;
    if (s->u.arr.count == 0)
        return 0;
    if (is_stringy(base))
        return align_up(s->u.arr.cap);
    return align_up(s->u.arr.count * wbemev_cimtype_element_size(base));
}

/* Copies src into the NULL slot dst; out-of-line bytes go to *arena. On failure dst stays NULL. */
static wbemev_status slot_copy(wbemev__slot *dst, const wbemev__slot *src, wbemev_cimtype type,
                               char **arena)
{
    if (src->is_null)
        return WBEMEV_S_NO_ERROR;
    wbemev_cimtype base = WBEMEV_CIM_BASE(type);
    if (!WBEMEV_CIM_IS_ARRAY(type)) {
        if (base == WBEMEV_CIM_OBJECT) {
            wbemev_status st = embed_ref(src->u.object, &dst->u.object);
            if (WBEMEV_FAILED(st))
                return st;
        } else if (is_stringy(base) && src->storage != STORE_INLINE) {
            size_t n = src->u.str.len + 1;
            memcpy(*arena, src->u.str.ptr, n);
            dst->u.str.ptr = *arena;
            dst->u.str.len = src->u.str.len;
            dst->u.str.cap = n;
            dst->storage = STORE_ARENA;
            *arena += align_up(n);
        } else {
            dst->u = src->u;
        }
        dst->is_null = 0;
        return WBEMEV_S_NO_ERROR;
    }

    size_t count = src->u.arr.count;
    if (count == 0) {
        dst->u.arr.items = NULL;
        dst->u.arr.count = 0;
        dst->u.arr.cap = 0;
        dst->is_null = 0;
        return WBEMEV_S_NO_ERROR;
    }
    char *block = *arena;
    size_t bytes;
    if (base == WBEMEV_CIM_OBJECT) {
        wbemev_object_t *const *from = src->u.arr.items;
        wbemev_object_t **to = (wbemev_object_t **)(void *)block;
        for (size_t i = 0; i < count; i++) {
            wbemev_status st = embed_ref(from[i], &to[i]);
            if (WBEMEV_FAILED(st)) {
                while (i-- > 0)
                    wbemev_object_release(to[i]);
                return st;
            }
        }
        bytes = count * sizeof(wbemev_object_t *);
    } else if (is_stringy(base)) {
        /* One block: rebase each pointer by its offset in the source block. */
        bytes = src->u.arr.cap;
        memcpy(block, src->u.arr.items, bytes);
        const char *const *from = src->u.arr.items;
        const char **to = (const char **)(void *)block;
        for (size_t i = 0; i < count; i++)
            to[i] = block + (from[i] - (const char *)src->u.arr.items);
    } else {
        bytes = count * wbemev_cimtype_element_size(base);
        memcpy(block, src->u.arr.items, bytes);
    }
    dst->u.arr.items = block;
    dst->u.arr.count = count;
    dst->u.arr.cap = bytes;
    dst->storage = STORE_ARENA;
    dst->is_null = 0;
    *arena += align_up(bytes);
    return WBEMEV_S_NO_ERROR;
}

/* A new object of `genus` with src's values, in one block; published (counted) on success. */
static wbemev_status object_copy(const wbemev_object_t *src, wbemev_genus genus,
                                 wbemev_object_t **out)
{
    const wbemev_class_t *cls = src->cls;
    if (src->view_of == NULL && src->heavy == 0) {
        /* Scalars and short strings only: the slots are plain bytes. */
        wbemev_object_t *obj = object_alloc_raw(cls, genus, 0);
        if (obj == NULL)
            return WBEMEV_E_OUT_OF_MEMORY;
        memcpy(obj->slots, src->slots, (size_t)obj->count * sizeof(wbemev__slot));
        *out = object_publish(obj);
        return WBEMEV_S_NO_ERROR;
    }
    size_t arena = 0;
    for (uint32_t i = 0; i < src->count; i++) {
        size_t n = slot_arena_size(slot_at(src, i), cls->props[i].type);
        if (n > SIZE_MAX - arena)
            return WBEMEV_E_OUT_OF_MEMORY;
        arena += n;
    }
    wbemev_object_t *obj = object_alloc(cls, genus, arena);
    if (obj == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    char *cursor = (char *)obj + header_size(obj->count);
    for (uint32_t i = 0; i < obj->count; i++) {
        wbemev_status st = slot_copy(&obj->slots[i], slot_at(src, i), cls->props[i].type, &cursor);
        if (WBEMEV_FAILED(st)) {
            for (uint32_t j = 0; j < i; j++)
                slot_clear(&obj->slots[j], cls->props[j].type);
            wbemev__free(obj);
            return st;
        }
        obj->heavy += slot_heavy(&obj->slots[i], cls->props[i].type);
    }
    *out = object_publish(obj);
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_class_spawn_instance(wbemev_class_t *cls, wbemev_object_t **out)
{
    if (cls == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (cls->abstract)
        return WBEMEV_E_INVALID_OPERATION;
    return object_copy(cls->class_object, WBEMEV_GENUS_INSTANCE, out);
}

wbemev_status wbemev_object_spawn_instance(wbemev_object_t *class_object, wbemev_object_t **out)
{
    if (class_object == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (class_object->genus != WBEMEV_GENUS_CLASS || class_object->cls->abstract)
        return WBEMEV_E_INVALID_OPERATION;
    return object_copy(class_object, WBEMEV_GENUS_INSTANCE, out);
}

wbemev_status wbemev_object_clone(const wbemev_object_t *obj, wbemev_object_t **out)
{
    if (obj == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    return object_copy(obj, (wbemev_genus)obj->genus, out);
}

wbemev_status wbemev__object_new_view(wbemev_object_t *base, bool (*selects)(void *ctx, const char *name),
                                      void *ctx, wbemev_object_t **out)
{
    if (base->view_of != NULL)
        base = base->view_of; /* a view of a view reads the original */
    const wbemev_class_t *cls = base->cls;
    size_t head = header_size(0);
    size_t mask_bytes = ((size_t)cls->prop_count + 7) / 8;
    wbemev_object_t *v = wbemev__malloc(head + (mask_bytes ? mask_bytes : 1));
    if (v == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__ref_init(&v->refs, 1);
    atomic_init(&v->frozen, true);
    atomic_init(&v->indicated, 0);
    atomic_init(&v->indicated_by, 0);
    v->genus = base->genus;
    v->class_owned = false;
    v->plain_block = false;
    v->count = cls->prop_count;
    v->heavy = 0;
    v->cls = (wbemev_class_t *)cls;
    uint8_t *mask = (uint8_t *)v + head;
    memset(mask, 0, mask_bytes);
    for (uint32_t i = 0; i < cls->prop_count; i++)
        if (selects(ctx, cls->props[i].name))
            mask[i >> 3] |= (uint8_t)(1u << (i & 7u));
    v->view_mask = mask;
    v->view_of = wbemev_object_add_ref(base);
    *out = object_publish(v);
    return WBEMEV_S_NO_ERROR;
}

/* ---- accessors and flags ---- */

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

void wbemev_object_freeze(wbemev_object_t *obj)
{
    if (obj == NULL || atomic_load_explicit(&obj->frozen, memory_order_acquire))
        return;
    /* A store, not an exchange: an unfrozen object belongs to one thread (object.h), so nobody else
     * is freezing it now. Two threads racing here (the same object indicated twice at once, which
     * the contract checker reports) both store true and both walk the embedded objects: harmless,
     * freezing is idempotent. */
    atomic_store_explicit(&obj->frozen, true, memory_order_release);
    if (obj->heavy == 0)
        return; /* no embedded objects */
    /* Deep: a frozen object is shared between threads, so nothing reachable from it may change. */
    for (uint32_t i = 0; i < obj->count; i++) {
        const wbemev__slot *s = &obj->slots[i];
        wbemev_cimtype type = obj->cls->props[i].type;
        if (s->is_null || WBEMEV_CIM_BASE(type) != WBEMEV_CIM_OBJECT)
            continue;
        if (!WBEMEV_CIM_IS_ARRAY(type)) {
            wbemev_object_freeze(s->u.object);
        } else {
            wbemev_object_t **items = s->u.arr.items;
            for (size_t k = 0; k < s->u.arr.count; k++)
                wbemev_object_freeze(items[k]);
        }
    }
}

bool wbemev_object_is_frozen(const wbemev_object_t *obj)
{
    return obj != NULL && is_frozen(obj);
}

uint64_t wbemev__object_mark_indicated(wbemev_object_t *obj, uint64_t token, uint32_t tag)
{
    /* Only the first Indicate marks the object, so a rejected later one cannot undo that mark. */
    uint64_t prev = 0;
    if (!atomic_load_explicit(&obj->frozen, memory_order_acquire)) {
        /* Not indicated yet (or refused and refired): an unfrozen object belongs to the calling
         * thread (object.h), so a load and a store do; no locked instruction on the hot path. */
        prev = atomic_load_explicit(&obj->indicated, memory_order_relaxed);
        if (prev == 0) {
            atomic_store_explicit(&obj->indicated, token, memory_order_relaxed);
            atomic_store_explicit(&obj->indicated_by, tag, memory_order_release);
        }
        return prev;
    }
    if (atomic_compare_exchange_strong_explicit(&obj->indicated, &prev, token, memory_order_acq_rel,
                                                memory_order_acquire))
        atomic_store_explicit(&obj->indicated_by, tag, memory_order_release);
    return prev;
}

void wbemev__object_unmark_indicated(wbemev_object_t *obj, uint64_t token)
{
    uint64_t expected = token;
    atomic_compare_exchange_strong(&obj->indicated, &expected, 0);
}

static _Atomic(wbemev__frozen_put_fn) frozen_put_hook;

void wbemev__object_set_frozen_put_hook(wbemev__frozen_put_fn fn)
{
    atomic_store_explicit(&frozen_put_hook, fn, memory_order_release);
}

/* Put on a frozen object: refused; if an Indicate marked it with a tag, the hook hears of it. */
static wbemev_status put_frozen(const wbemev_object_t *obj)
{
    wbemev_object_t *o = (wbemev_object_t *)obj;
    if (atomic_load_explicit(&o->indicated, memory_order_relaxed) != 0) {
        uint32_t tag = atomic_load_explicit(&o->indicated_by, memory_order_acquire);
        wbemev__frozen_put_fn fn = atomic_load_explicit(&frozen_put_hook, memory_order_acquire);
        if (tag != 0 && fn != NULL)
            fn(tag, obj->cls->name);
    }
    return WBEMEV_E_READ_ONLY;
}

/* __Event's properties come first in every event class: SECURITY_DESCRIPTOR 0, TIME_CREATED 1. */
#define WBEMEV__SLOT_SECURITY_DESCRIPTOR 0
#define WBEMEV__SLOT_TIME_CREATED 1

void wbemev__object_stamp_time_created(wbemev_object_t *obj, uint64_t ticks)
{
    if (obj == NULL || !obj->cls->event)
        return;
    wbemev__slot *s = &obj->slots[WBEMEV__SLOT_TIME_CREATED];
    if (s->is_null) {
        s->u.uint = ticks;
        s->is_null = 0;
    }
}

void wbemev__object_security_descriptor(const wbemev_object_t *obj, const uint8_t **bytes,
                                        size_t *len)
{
    const wbemev__slot *s =
        obj != NULL && obj->cls->event ? slot_at(obj, WBEMEV__SLOT_SECURITY_DESCRIPTOR) : NULL;
    if (s == NULL || s->is_null || s->u.arr.count == 0) {
        *bytes = NULL;
        *len = 0;
        return;
    }
    *bytes = s->u.arr.items;
    *len = s->u.arr.count;
}

/* ---- Put ---- */

/* Embedded objects must exist and be of the property's ref_class (or a subclass). */
static wbemev_status check_embedded(const wbemev__prop *p, const wbemev_value *v)
{
    if (!WBEMEV_CIM_IS_ARRAY(p->type)) {
        if (v->u.object == NULL)
            return WBEMEV_E_INVALID_PARAMETER;
        return wbemev__class_ref_accepts(p, v->u.object->cls) ? WBEMEV_S_NO_ERROR
                                                              : WBEMEV_E_TYPE_MISMATCH;
    }
    wbemev_object_t *const *items = v->u.array.items;
    for (size_t i = 0; i < v->u.array.count; i++) {
        if (items[i] == NULL)
            return WBEMEV_E_INVALID_PARAMETER;
        if (!wbemev__class_ref_accepts(p, items[i]->cls))
            return WBEMEV_E_TYPE_MISMATCH;
    }
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status put_string(wbemev__slot *s, wbemev_cimtype type, const char *str)
{
    size_t len = strlen(str);
    if (len < WBEMEV__SSO_CAP) {
        char tmp[WBEMEV__SSO_CAP]; /* str may point into the storage slot_clear frees */
        memcpy(tmp, str, len + 1);
        slot_clear(s, type);
        memcpy(s->u.sso, tmp, len + 1);
    } else if (!s->is_null && s->storage != STORE_INLINE && s->u.str.cap > len) {
        memmove(s->u.str.ptr, str, len + 1); /* reuse: no allocation in steady state */
        s->u.str.len = len;
    } else {
        char *p = wbemev__malloc(len + 1);
        if (p == NULL)
            return WBEMEV_E_OUT_OF_MEMORY;
        memcpy(p, str, len + 1);
        slot_clear(s, type);
        s->u.str.ptr = p;
        s->u.str.len = len;
        s->u.str.cap = len + 1;
        s->storage = STORE_OWNED;
    }
    s->is_null = 0;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status put_array(wbemev__slot *s, wbemev_cimtype type, const wbemev_value *v)
{
    wbemev_cimtype base = WBEMEV_CIM_BASE(type);
    size_t count = v->u.array.count;
    if (count == 0) {
        slot_clear(s, type);
        s->u.arr.items = NULL;
        s->u.arr.count = 0;
        s->u.arr.cap = 0;
        s->is_null = 0;
        return WBEMEV_S_NO_ERROR;
    }
    size_t elem = is_stringy(base) ? sizeof(char *) : wbemev_cimtype_element_size(base);
    if (count > SIZE_MAX / elem)
        return WBEMEV_E_OUT_OF_MEMORY;
    size_t bytes = count * elem;

    if (!is_stringy(base) && base != WBEMEV_CIM_OBJECT && !s->is_null &&
        s->storage != STORE_INLINE && s->u.arr.cap >= bytes) {
        memmove(s->u.arr.items, v->u.array.items, bytes); /* reuse: same element layout */
        s->u.arr.count = count;
        return WBEMEV_S_NO_ERROR;
    }

    const char *const *strs = v->u.array.items;
    if (is_stringy(base)) {
        for (size_t i = 0; i < count; i++) {
            size_t n = strlen(strs[i]) + 1;
            if (n > SIZE_MAX - bytes)
                return WBEMEV_E_OUT_OF_MEMORY;
            bytes += n;
        }
    }
    char *block = wbemev__malloc(bytes);
    if (block == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    if (base == WBEMEV_CIM_OBJECT) {
        wbemev_object_t *const *from = v->u.array.items;
        wbemev_object_t **to = (wbemev_object_t **)(void *)block;
        for (size_t i = 0; i < count; i++) {
            wbemev_status st = embed_ref(from[i], &to[i]);
            if (WBEMEV_FAILED(st)) {
                while (i-- > 0)
                    wbemev_object_release(to[i]);
                wbemev__free(block);
                return st;
            }
        }
    } else if (is_stringy(base)) {
        const char **to = (const char **)(void *)block;
        char *text = block + count * sizeof(char *);
        for (size_t i = 0; i < count; i++) {
            size_t n = strlen(strs[i]) + 1;
            memcpy(text, strs[i], n);
            to[i] = text;
            text += n;
        }
    } else {
        memcpy(block, v->u.array.items, bytes);
    }
    slot_clear(s, type);
    s->u.arr.items = block;
    s->u.arr.count = count;
    s->u.arr.cap = bytes;
    s->storage = STORE_OWNED;
    s->is_null = 0;
    return WBEMEV_S_NO_ERROR;
}

/* Put into property `index`: every check happens before the slot changes. */
static WBEMEV__NOINLINE wbemev_status put_index_slow(wbemev_object_t *obj, uint32_t index, const wbemev_value *v)
{
    const wbemev__prop *p = &obj->cls->props[index];
    wbemev__slot *s = &obj->slots[index];
    if (v == NULL || v->is_null) {
        if (v != NULL && v->type != p->type && v->type != WBEMEV_CIM_EMPTY)
            return WBEMEV_E_TYPE_MISMATCH;
        slot_clear(s, p->type);
        return WBEMEV_S_NO_ERROR;
    }
    if (v->type != p->type)
        return WBEMEV_E_TYPE_MISMATCH;
    wbemev_cimtype base = WBEMEV_CIM_BASE(p->type);
    wbemev_status st;
    if (WBEMEV_FAILED(st = wbemev_value_validate(v)))
        return st;
    if (base == WBEMEV_CIM_OBJECT && WBEMEV_FAILED(st = check_embedded(p, v)))
        return st;
    if (WBEMEV_CIM_IS_ARRAY(p->type))
        return put_array(s, p->type, v);

    switch (base) {
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE:
        return put_string(s, p->type, v->u.string);
    case WBEMEV_CIM_OBJECT: {
        wbemev_object_t *ref;
        if (WBEMEV_FAILED(st = embed_ref(v->u.object, &ref)))
            return st;
        slot_clear(s, p->type);
        s->u.object = ref;
        break;
    }
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_SINT64:
        s->u.sint = v->u.sint;
        break;
    case WBEMEV_CIM_REAL32:
        s->u.real = (double)(float)v->u.real; /* keep real32 precision, as WMI stores a float */
        break;
    case WBEMEV_CIM_REAL64:
        s->u.real = v->u.real;
        break;
    case WBEMEV_CIM_BOOLEAN:
        s->u.boolean = v->u.boolean;
        break;
    case WBEMEV_CIM_CHAR16:
        s->u.char16 = v->u.char16;
        break;
    case WBEMEV_CIM_DATETIME:
        s->u.datetime = v->u.datetime;
        break;
    default: /* unsigned integers */
        s->u.uint = v->u.uint;
        break;
    }
    s->is_null = 0;
    return WBEMEV_S_NO_ERROR;
}

/* Put into property `index`. A non-NULL fixed-size scalar of the property's type is checked here
 * exactly as wbemev_value_validate checks it, and stored; everything else goes the general way,
 * which keeps the heavy-slot count. */
static wbemev_status put_index(wbemev_object_t *obj, uint32_t index, const wbemev_value *v)
{
    wbemev_cimtype type = obj->cls->props[index].type;
    wbemev__slot *s = &obj->slots[index];
    if (v != NULL && !v->is_null && v->type == type) {
        switch (type) {
        case WBEMEV_CIM_SINT8:
            if (v->u.sint < INT8_MIN || v->u.sint > INT8_MAX)
                return WBEMEV_E_VALUE_OUT_OF_RANGE;
            goto store_sint;
        case WBEMEV_CIM_SINT16:
            if (v->u.sint < INT16_MIN || v->u.sint > INT16_MAX)
                return WBEMEV_E_VALUE_OUT_OF_RANGE;
            goto store_sint;
        case WBEMEV_CIM_SINT32:
            if (v->u.sint < INT32_MIN || v->u.sint > INT32_MAX)
                return WBEMEV_E_VALUE_OUT_OF_RANGE;
            goto store_sint;
        case WBEMEV_CIM_SINT64:
        store_sint:
            s->u.sint = v->u.sint;
            s->is_null = 0;
            return WBEMEV_S_NO_ERROR;
        case WBEMEV_CIM_UINT8:
            if (v->u.uint > UINT8_MAX)
                return WBEMEV_E_VALUE_OUT_OF_RANGE;
            goto store_uint;
        case WBEMEV_CIM_UINT16:
            if (v->u.uint > UINT16_MAX)
                return WBEMEV_E_VALUE_OUT_OF_RANGE;
            goto store_uint;
        case WBEMEV_CIM_UINT32:
            if (v->u.uint > UINT32_MAX)
                return WBEMEV_E_VALUE_OUT_OF_RANGE;
            goto store_uint;
        case WBEMEV_CIM_UINT64:
        store_uint:
            s->u.uint = v->u.uint;
            s->is_null = 0;
            return WBEMEV_S_NO_ERROR;
        case WBEMEV_CIM_REAL64:
            s->u.real = v->u.real;
            s->is_null = 0;
            return WBEMEV_S_NO_ERROR;
        case WBEMEV_CIM_BOOLEAN:
            s->u.boolean = v->u.boolean;
            s->is_null = 0;
            return WBEMEV_S_NO_ERROR;
        case WBEMEV_CIM_DATETIME: {
            wbemev_status st = wbemev_datetime_validate(&v->u.datetime);
            if (WBEMEV_FAILED(st))
                return st;
            s->u.datetime = v->u.datetime;
            s->is_null = 0;
            return WBEMEV_S_NO_ERROR;
        }
        default:
            break;
        }
    }
    bool was = slot_heavy(s, type);
    wbemev_status st = put_index_slow(obj, index, v);
    bool now = slot_heavy(s, type);
    if (now != was) {
        if (now)
            obj->heavy++;
        else
            obj->heavy--;
    }
    return st;
}

/* System property names (read-only), in the order of enum sys_prop. */
enum sys_prop { SYS_CLASS, SYS_SUPERCLASS, SYS_DYNASTY, SYS_DERIVATION, SYS_GENUS, SYS_PROPERTY_COUNT };
static const char *const g_sys_names[] = {"__CLASS",      "__SUPERCLASS", "__DYNASTY",
                                          "__DERIVATION", "__GENUS",      "__PROPERTY_COUNT"};

/* The system property `name` denotes, or -1. */
static int sys_prop_find(const char *name)
{
    if (name[0] != '_' || name[1] != '_')
        return -1;
    for (int i = 0; i < (int)(sizeof g_sys_names / sizeof g_sys_names[0]); i++)
        if (wbemev__strcaseeq(name, g_sys_names[i]))
            return i;
    return -1;
}

wbemev_status wbemev_object_put(wbemev_object_t *obj, const char *name, const wbemev_value *value)
{
    if (obj == NULL || name == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (sys_prop_find(name) >= 0)
        return WBEMEV_E_READ_ONLY;
    if (is_frozen(obj))
        return put_frozen(obj);
    int32_t i = wbemev__class_find_index(obj->cls, name);
    if (i < 0)
        return WBEMEV_E_NOT_FOUND;
    return put_index(obj, (uint32_t)i, value);
}

/* O(1): the handle's class must be obj's class or one of its ancestors. */
static bool handle_valid(const wbemev_object_t *obj, wbemev_prop_handle h)
{
    const wbemev_class_t *cls = obj->cls;
    if (h.depth > cls->depth)
        return false;
    const wbemev_class_t *owner = cls->ancestors[h.depth];
    return owner->id == h.class_id && h.index < owner->prop_count;
}

wbemev_status wbemev_object_put_h(wbemev_object_t *obj, wbemev_prop_handle handle,
                                  const wbemev_value *value)
{
    if (obj == NULL || !handle_valid(obj, handle))
        return WBEMEV_E_INVALID_PARAMETER;
    if (is_frozen(obj))
        return put_frozen(obj);
    return put_index(obj, handle.index, value);
}

/* ---- Get ---- */

/* Fills *out in place: building the value in a local and copying it out made the compiler reload
 * the local's freshly stored halves as 16-byte words, a store-forwarding stall that cost more than
 * the rest of the Get. */
static void slot_get(const wbemev__slot *s, wbemev_cimtype type, wbemev_value *out)
{
    memset(out, 0, sizeof *out);
    out->type = type;
    out->is_null = s->is_null != 0;
    if (out->is_null)
        return;
    wbemev_cimtype base = WBEMEV_CIM_BASE(type);
    if (WBEMEV_CIM_IS_ARRAY(type)) {
        out->u.array.items = s->u.arr.items;
        out->u.array.count = s->u.arr.count;
    } else if (is_stringy(base)) {
        out->u.string = s->storage == STORE_INLINE ? s->u.sso : s->u.str.ptr;
    } else if (base == WBEMEV_CIM_OBJECT) {
        out->u.object = s->u.object;
    } else if (base == WBEMEV_CIM_DATETIME) {
        out->u.datetime = s->u.datetime;
    } else if (base == WBEMEV_CIM_REAL32 || base == WBEMEV_CIM_REAL64) {
        out->u.real = s->u.real;
    } else if (base == WBEMEV_CIM_BOOLEAN) {
        out->u.boolean = s->u.boolean;
    } else if (base == WBEMEV_CIM_CHAR16) {
        out->u.char16 = s->u.char16;
    } else {
        out->u.uint = s->u.uint; /* integers: sint and uint share the bits */
    }
}

static void sys_get(const wbemev_object_t *obj, int which, wbemev_value *out)
{
    const wbemev_class_t *cls = obj->cls;
    wbemev_value v;
    memset(&v, 0, sizeof v);
    v.type = WBEMEV_CIM_STRING;
    switch (which) {
    case SYS_CLASS:
        v.u.string = cls->name;
        break;
    case SYS_SUPERCLASS:
        v.is_null = cls->super == NULL;
        v.u.string = cls->super != NULL ? cls->super->name : NULL;
        break;
    case SYS_DYNASTY:
        v.u.string = cls->ancestors[0]->name;
        break;
    case SYS_DERIVATION:
        v.type = (wbemev_cimtype)(WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY);
        v.u.array.items = cls->derivation;
        v.u.array.count = cls->depth;
        break;
    case SYS_GENUS:
        v.type = WBEMEV_CIM_SINT32;
        v.u.sint = obj->genus;
        break;
    default: /* SYS_PROPERTY_COUNT */
        v.type = WBEMEV_CIM_SINT32;
        v.u.sint = cls->prop_count;
        break;
    }
    *out = v;
}

wbemev_status wbemev_object_get(const wbemev_object_t *obj, const char *name, wbemev_value *out)
{
    if (obj == NULL || name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    int32_t i = wbemev__class_find_index(obj->cls, name);
    if (i >= 0) {
        slot_get(slot_at(obj, (uint32_t)i), obj->cls->props[i].type, out);
        return WBEMEV_S_NO_ERROR;
    }
    int sys = sys_prop_find(name);
    if (sys < 0)
        return WBEMEV_E_NOT_FOUND;
    sys_get(obj, sys, out);
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_object_get_h(const wbemev_object_t *obj, wbemev_prop_handle handle,
                                  wbemev_value *out)
{
    if (obj == NULL || out == NULL || !handle_valid(obj, handle))
        return WBEMEV_E_INVALID_PARAMETER;
    slot_get(slot_at(obj, handle.index), obj->cls->props[handle.index].type, out);
    return WBEMEV_S_NO_ERROR;
}

int wbemev__object_get_bits_h(const wbemev_object_t *obj, wbemev_prop_handle handle, uint64_t *bits)
{
    if (!handle_valid(obj, handle))
        return -1;
    const wbemev__slot *s = slot_at(obj, handle.index);
    if (s->is_null)
        return 0;
    *bits = s->u.uint;
    return 1;
}

wbemev_status wbemev_object_property_handle(const wbemev_object_t *obj, const char *name,
                                            wbemev_prop_handle *out)
{
    if (obj == NULL || name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    int32_t i = wbemev__class_find_index(obj->cls, name);
    if (i < 0)
        return WBEMEV_E_NOT_FOUND;
    out->index = (uint32_t)i;
    out->class_id = obj->cls->id;
    out->depth = obj->cls->depth;
    out->type = (uint16_t)obj->cls->props[i].type;
    return WBEMEV_S_NO_ERROR;
}

bool wbemev_object_is_null(const wbemev_object_t *obj, const char *name)
{
    wbemev_value v;
    return WBEMEV_SUCCEEDED(wbemev_object_get(obj, name, &v)) && v.is_null;
}

size_t wbemev__object_footprint(const wbemev_object_t *obj)
{
    /* What queuing the object keeps alive: its block, out-of-line values, a view's base; embedded
     * objects count their own blocks (one level: they are shared when frozen). */
    size_t n = header_size(obj->count);
    if (obj->view_of != NULL)
        return n + wbemev__object_footprint(obj->view_of);
    if (obj->heavy == 0)
        return n;
    for (uint32_t i = 0; i < obj->count; i++) {
        const wbemev__slot *s = &obj->slots[i];
        wbemev_cimtype type = obj->cls->props[i].type;
        if (s->is_null)
            continue;
        if (WBEMEV_CIM_BASE(type) == WBEMEV_CIM_OBJECT && !WBEMEV_CIM_IS_ARRAY(type))
            n += header_size(s->u.object->count);
        else if (s->storage != STORE_INLINE)
            n += slot_arena_size(s, type);
    }
    return n;
}
