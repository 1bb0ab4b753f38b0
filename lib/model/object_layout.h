/*
 * lib/model/object_layout.h: the object layout and the helpers the object files share. Private to
 * the model. Not installed.
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
 *    general Put stays out of line so this path has no big frame (object_put.c);
 *  - Get fills the caller's value in place (object_get.c);
 *  - instances hold one reference on their class as a group (taken when the class's live instance
 *    count leaves 0, dropped when it returns to 0): one atomic per instance, not two;
 *  - a freed instance's block, when it has no arena, is kept by its class for the next clone or
 *    spawn (block_cache.c: 256 KiB a class, owned by the provider's thread), so a provider's
 *    steady state allocates nothing. A cached block is not a live allocation
 *    (wbemev_live_allocations); the class gives its cache back to the hook when it is freed;
 *  - a queued worker frees a batch of events with one class count update and one hand-back of
 *    their blocks (wbemev__object_free_batch_begin/end), not one contended atomic each.
 *
 * The files: object.c (allocation, references, freeing), object_copy.c (clone and spawn),
 * object_put.c, object_get.c, object_view.c (projections), object_marks.c (freezing, the
 * Indicate marks, the dispatcher's stamps) and object_footprint.c (the bytes a queue counts). What
 * runs on a fast path in more than one of them is here as static inline, so splitting the files
 * added no call.
 */
#ifndef WBEMEV_OBJECT_LAYOUT_H
#define WBEMEV_OBJECT_LAYOUT_H

#include "model/class_layout.h"

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
    /* The footprint (object_footprint.c) in units of 8 bytes, cached when the object is frozen; 0
     * until then. In the padding after `frozen` on the usual ABIs. */
    _Atomic uint32_t footprint8;
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
    union {
        const uint8_t *view_mask; /* a view's; NULL for other objects */
        /* The link of a walk over many objects that takes constant stack (freeing, freezing,
         * cloning: see object.c, object_marks.c, object_copy.c). Set only while the walking thread
         * alone may touch the object: its last reference is gone, or it is an unfrozen object that
         * thread is freezing or building; NULL again (view_mask NULL) for an object that lives on. */
        wbemev_object_t *walk_next;
    };
    wbemev__slot slots[];
};

/* ---- slots ---- */

/* Arena pieces are aligned for every element type a value can hold. */
#define WBEMEV__ALIGN 8u
static inline size_t align_up(size_t n)
{
    return (n + (WBEMEV__ALIGN - 1)) & ~(size_t)(WBEMEV__ALIGN - 1);
}

static inline bool is_stringy(wbemev_cimtype base)
{
    return base == WBEMEV_CIM_STRING || base == WBEMEV_CIM_REFERENCE;
}

/* True when slot s needs work to copy, freeze or release: out-of-line bytes or object references. */
static inline bool slot_heavy(const wbemev__slot *s, wbemev_cimtype type)
{
    return !s->is_null && (s->storage != STORE_INLINE || WBEMEV_CIM_BASE(type) == WBEMEV_CIM_OBJECT);
}

/* The bytes of the header and `count` slots, rounded up for the arena that may follow. */
static inline size_t header_size(uint32_t count)
{
    return align_up(offsetof(struct wbemev_object_s, slots) + (size_t)count * sizeof(wbemev__slot));
}

/* The slot a read of property i sees: the object's own, or for a view its base's or NULL. */
static inline const wbemev__slot *slot_at(const wbemev_object_t *obj, uint32_t i)
{
    static const wbemev__slot null_slot = {.is_null = 1, .storage = STORE_INLINE};
    if (obj->view_of == NULL)
        return &obj->slots[i];
    return (obj->view_mask[i >> 3] >> (i & 7u)) & 1u ? &obj->view_of->slots[i] : &null_slot;
}

/* Makes s an array value of `count` items at `items`, `cap` bytes of them in `storage`. */
static inline void slot_set_array(wbemev__slot *s, void *items, size_t count, size_t cap, uint8_t storage)
{
    s->u.arr.items = items;
    s->u.arr.count = count;
    s->u.arr.cap = cap;
    s->storage = storage;
    s->is_null = 0;
}

/* Out-of-line bytes slot s needs in a copy. */
static inline size_t slot_arena_size(const wbemev__slot *s, wbemev_cimtype type)
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

/* The object references slot s holds: *n of them from the returned address (none when the slot is
 * NULL or of another type). */
static inline wbemev_object_t **slot_objects(wbemev__slot *s, wbemev_cimtype type, size_t *n)
{
    if (s->is_null || WBEMEV_CIM_BASE(type) != WBEMEV_CIM_OBJECT) {
        *n = 0;
        return NULL;
    }
    if (WBEMEV_CIM_IS_ARRAY(type)) {
        *n = s->u.arr.count;
        return s->u.arr.items;
    }
    *n = 1;
    return &s->u.object;
}

/* Frees a slot's own out-of-line block, if it has one, and leaves it NULL (its object references
 * already dropped). */
static inline void slot_free_storage(wbemev__slot *s, wbemev_cimtype type)
{
    if (!s->is_null && s->storage == STORE_OWNED)
        wbemev__free(WBEMEV_CIM_IS_ARRAY(type) ? s->u.arr.items : (void *)s->u.str.ptr);
    s->is_null = 1;
    s->storage = STORE_INLINE;
}

/* Releases what a slot holds and leaves it NULL. */
static inline void slot_clear(wbemev__slot *s, wbemev_cimtype type)
{
    size_t n;
    wbemev_object_t **items = slot_objects(s, type, &n);
    for (size_t i = 0; i < n; i++)
        wbemev_object_release(items[i]);
    slot_free_storage(s, type);
}

/* ---- objects ---- */

static inline bool is_frozen(const wbemev_object_t *obj)
{
    return atomic_load_explicit(&((wbemev_object_t *)obj)->frozen, memory_order_acquire);
}

/* O(1): the handle's class must be obj's class or one of its ancestors. The usual handle is of
 * obj's own class: checked on the class's own line first, without the ancestor array. */
static inline bool handle_valid(const wbemev_object_t *obj, wbemev_prop_handle h)
{
    const wbemev_class_t *cls = obj->cls;
    if (cls->id == h.class_id && cls->depth == h.depth)
        return h.index < cls->prop_count;
    if (h.depth > cls->depth)
        return false;
    const wbemev_class_t *owner = cls->ancestors[h.depth];
    return owner->id == h.class_id && h.index < owner->prop_count;
}

/* Fills in a new object's header: one reference, not indicated, no slots visited. */
static inline void object_init_header(wbemev_object_t *obj, const wbemev_class_t *cls, wbemev_genus genus,
                                      bool frozen, bool plain_block)
{
    wbemev__ref_init(&obj->refs, 1);
    atomic_init(&obj->frozen, frozen);
    atomic_init(&obj->footprint8, 0);
    atomic_init(&obj->indicated, 0);
    atomic_init(&obj->indicated_by, 0);
    obj->genus = (uint8_t)genus;
    obj->class_owned = false;
    obj->plain_block = plain_block;
    obj->count = cls->prop_count;
    obj->cls = (wbemev_class_t *)cls;
    obj->heavy = 0;
    obj->view_of = NULL;
    obj->view_mask = NULL;
}

/* A new object with its slots uninitialized and `arena` spare bytes after them. Counters untouched.
 * An instance without an arena takes a block its class cached, when there is one. */
static inline wbemev_object_t *object_alloc_raw(const wbemev_class_t *cls, wbemev_genus genus, size_t arena)
{
    size_t head = header_size(cls->prop_count);
    if (arena > SIZE_MAX - head)
        return NULL;
    wbemev_object_t *obj = arena == 0 && genus == WBEMEV_GENUS_INSTANCE
                               ? wbemev__block_cache_take_fast(&((wbemev_class_t *)cls)->cache, head)
                               : NULL;
    if (obj == NULL)
        obj = wbemev__malloc(head + arena);
    if (obj == NULL)
        return NULL;
    object_init_header(obj, cls, genus, false, arena == 0);
    return obj;
}

/* A new object with every slot NULL and `arena` spare bytes after the slots. Counters untouched. */
static inline wbemev_object_t *object_alloc(const wbemev_class_t *cls, wbemev_genus genus, size_t arena)
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

/* ---- the class's live-instance count ----
 *
 * A locked add at every spawn and at every free was a fifth of the synchronous path. So each thread
 * that owns a lane of the class's block cache (a provider's thread, and a second one indicating at
 * once: block_cache.h) counts its spawns and frees in its lane's live_delta with a plain load and
 * store, and the shared count stays correct by a pin: when such a thread starts counting on its own
 * it adds WBEMEV__LIVE_PIN to the shared count, which so stays above 0 (the class keeps its
 * instances' group reference) whatever the deltas, since each is kept below WBEMEV__LIVE_FOLD
 * (folded into the shared count when it reaches it). The pin is taken by a spawn; a free that
 * brings the delta to 0 or below gives it back with the delta (a synchronous provider: once per
 * Indicate's array), and so does the thread's release of a reference to the class and its exit;
 * only then can the shared count reach 0. A free without the pin, and every count on threads
 * without a lane (a queued worker), go to the shared count itself. The count is the shared count
 * plus the deltas, less the pins held: exact when the threads are quiescent, like every live
 * counter. */
#define WBEMEV__LIVE_PIN ((int64_t)1 << 48)
#define WBEMEV__LIVE_FOLD ((int64_t)1 << 20)

/* object.c: takes the pin of lane l (the calling thread's); false when this thread cannot hold one
 * (no exit hook on this platform, or as many pins as it keeps), and then it adds to the shared
 * count. */
bool wbemev__class_live_pin(wbemev_class_t *cls, struct wbemev__cache_lane *l);
/* object.c: gives lane l's pin back with its delta; may drop the group reference (the class may be
 * freed). */
void wbemev__class_live_unpin(wbemev_class_t *cls, struct wbemev__cache_lane *l);
/* object.c: adds lane l's delta to the shared count (the pin stays). */
void wbemev__class_live_fold(wbemev_class_t *cls, struct wbemev__cache_lane *l);

/* n instances of cls spawned (n > 0) or freed (n < 0) on this thread, which holds the pin of its
 * lane l. A free may give the pin back and so drop the group reference. */
static inline void lane_live_add(wbemev_class_t *cls, struct wbemev__cache_lane *l, int64_t n)
{
    int64_t d = atomic_load_explicit(&l->live_delta, memory_order_relaxed) + n;
    atomic_store_explicit(&l->live_delta, d, memory_order_relaxed);
    if (d <= 0 && n < 0)
        wbemev__class_live_unpin(cls, l);
    else if (d >= WBEMEV__LIVE_FOLD)
        wbemev__class_live_fold(cls, l);
}

/* The calling thread's lane of cls's cache when it holds its pin there (the provider's thread in
 * steady state): then a spawn or a free of a plain block needs that lane alone. NULL otherwise. */
static inline struct wbemev__cache_lane *pinned_lane(wbemev_class_t *cls)
{
    struct wbemev__cache_lane *l = wbemev__block_cache_my_lane(&cls->cache);
    return l != NULL && l->live_pinned ? l : NULL;
}

/* n instances of cls spawned (n > 0) or freed (n < 0) on this thread. A free may drop the group
 * reference: the caller is done with the class (its blocks are given back). */
static inline void live_count_add(wbemev_class_t *cls, int64_t n)
{
    struct wbemev__cache_lane *l = wbemev__block_cache_my_lane(&cls->cache);
    if (l != NULL && (l->live_pinned || (n > 0 && wbemev__class_live_pin(cls, l)))) {
        lane_live_add(cls, l, n);
        return;
    }
    if (n > 0) {
        if (atomic_fetch_add_explicit(&cls->live_instances, n, memory_order_relaxed) == 0)
            wbemev_class_add_ref(cls);
    } else if (atomic_fetch_add_explicit(&cls->live_instances, n, memory_order_acq_rel) == -n) {
        /* acq_rel: every instance's last use of the class, the cache included, happens before */
        wbemev_class_release(cls);
    }
}

/* Counts a finished object as alive and takes its class reference (for an instance: the group
 * reference when it is the class's first live instance; whoever creates it holds a reference to
 * the class or to an object of it, so the class cannot go away meanwhile). */
static inline wbemev_object_t *object_publish(wbemev_object_t *obj)
{
    if (obj->genus == WBEMEV_GENUS_INSTANCE) {
        live_count_add(obj->cls, 1);
    } else if (!obj->class_owned) {
        wbemev_class_add_ref(obj->cls);
    }
    wbemev__live_objects_add(1);
    return obj;
}

/* ---- walks: lists of objects linked through walk_next ---- */

static inline void walk_push(wbemev_object_t **list, wbemev_object_t *obj)
{
    obj->walk_next = *list;
    *list = obj;
}

/* The first object of *list, taken off it (its link NULL again), or NULL when *list is empty. */
static inline wbemev_object_t *walk_pop(wbemev_object_t **list)
{
    wbemev_object_t *obj = *list;
    if (obj != NULL) {
        *list = obj->walk_next;
        obj->walk_next = NULL;
    }
    return obj;
}

/* ---- shared between the object files ---- */

/* object_copy.c: a reference to store for embedded object src: shared when frozen, else a private
 * clone. */
wbemev_status wbemev__object_embed_ref(wbemev_object_t *src, wbemev_object_t **out);
/* object_copy.c: embeds each of the `count` objects at `from` into `to`; on failure none is kept. */
wbemev_status wbemev__object_embed_refs(wbemev_object_t *const *from, size_t count, wbemev_object_t **to);

/* object_footprint.c: computes obj's footprint and caches it in obj; called by the freeze walk on
 * each object it froze, the objects an object holds before it. */
void wbemev__object_footprint_cache(wbemev_object_t *obj);

/* object_marks.c: Put on a frozen object: refused; if an Indicate marked it with a tag, the frozen
 * Put hook hears of it. Returns WBEMEV_E_READ_ONLY. */
wbemev_status wbemev__object_put_frozen(const wbemev_object_t *obj);

/* object_get.c: the system property (__CLASS, ...) `name` denotes, or -1. Inline for the test that
 * rules out nearly every name, so Put by name pays no call for it. */
int wbemev__object_sys_prop_lookup(const char *name);
static inline int sys_prop_find(const char *name)
{
    if (name[0] != '_' || name[1] != '_')
        return -1;
    return wbemev__object_sys_prop_lookup(name);
}

#endif /* WBEMEV_OBJECT_LAYOUT_H */
