/*
 * lib/model/object_footprint.c: the bytes a queued object keeps alive, which the dispatcher's
 * queue limits count: the object's block, its out-of-line strings and arrays, and everything its
 * embedded objects and object arrays hold, at every depth (a view: its block and its base's).
 *
 * A queue asks on the Indicate path, so the answer must not cost a walk: the freeze walk
 * (object_marks.c) caches each object's footprint as it freezes it, the objects an object holds
 * before the object, and a frozen object's footprint is then one load however deep it is. An object
 * embedded by several references (a frozen object shared by two properties, or by two events) is
 * counted once per reference: the figure is an upper bound of what the queue keeps alive, never
 * less. Saturates at SIZE_MAX.
 *
 * Not counted: the allocator's own overhead per block, and spare room in a block (an arena's bytes a
 * later Put stopped using, a string's reused block longer than its value).
 */
#include "model/object_layout.h"

static inline size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* The cache holds footprint / 8 (every footprint is a multiple of WBEMEV__ALIGN); UINT32_MAX
 * stands for "too big to say" and reads back as SIZE_MAX. */
_Static_assert(WBEMEV__ALIGN == 8u, "the cache counts in units of 8 bytes");

static inline uint32_t cache_encode(size_t bytes)
{
    size_t units = bytes / 8u;
    return units >= UINT32_MAX ? UINT32_MAX : (uint32_t)units;
}

static inline size_t cache_decode(uint32_t units)
{
    return units == UINT32_MAX ? SIZE_MAX : (size_t)units * 8u;
}

/* The bytes of obj's own block and out-of-line values, the objects it holds not included. */
static size_t own_bytes(const wbemev_object_t *obj)
{
    if (obj->view_of != NULL) { /* object_view.c: a header without slots, then the mask */
        size_t mask_bytes = ((size_t)obj->count + 7) / 8;
        return header_size(0) + align_up(mask_bytes != 0 ? mask_bytes : 1);
    }
    size_t n = header_size(obj->count);
    if (obj->heavy == 0)
        return n;
    for (uint32_t i = 0; i < obj->count; i++) {
        const wbemev__slot *s = &obj->slots[i];
        if (s->storage != STORE_INLINE)
            n = add_sat(n, slot_arena_size(s, obj->cls->props[i].type));
    }
    return n;
}

/* The footprint of an object another holds, without a walk: known when the object holds no other
 * object (its own bytes) or was frozen (its cache). An unfrozen object's, or one whose cache another
 * thread is still writing (the same tree frozen by two threads at once, a contract violation),
 * counts its own bytes only. */
static size_t known_footprint(const wbemev_object_t *obj)
{
    if (obj->view_of != NULL) /* a view's base is never a view (object_view.c) */
        return add_sat(own_bytes(obj), known_footprint(obj->view_of));
    if (obj->heavy == 0)
        return header_size(obj->count);
    uint32_t units = atomic_load_explicit(&((wbemev_object_t *)obj)->footprint8, memory_order_relaxed);
    return units != 0 ? cache_decode(units) : own_bytes(obj);
}

/* obj's own bytes plus the known footprint of every object it holds. */
static size_t level_footprint(const wbemev_object_t *obj)
{
    size_t n = own_bytes(obj);
    for (uint32_t i = 0; i < obj->count; i++) {
        size_t k;
        wbemev_object_t *const *items = slot_objects((wbemev__slot *)&obj->slots[i], obj->cls->props[i].type, &k);
        for (size_t j = 0; j < k; j++)
            if (items[j] != NULL)
                n = add_sat(n, known_footprint(items[j]));
    }
    return n;
}

void wbemev__object_footprint_cache(wbemev_object_t *obj)
{
    atomic_store_explicit(&obj->footprint8, cache_encode(level_footprint(obj)), memory_order_relaxed);
}

size_t wbemev__object_footprint(const wbemev_object_t *obj)
{
    if (obj->view_of != NULL)
        return add_sat(own_bytes(obj), wbemev__object_footprint(obj->view_of)); /* never a view */
    if (obj->heavy == 0)
        return header_size(obj->count);
    uint32_t units = atomic_load_explicit(&((wbemev_object_t *)obj)->footprint8, memory_order_relaxed);
    if (units != 0)
        return cache_decode(units);
    return level_footprint(obj); /* not frozen: the objects it holds count as known_footprint says */
}
