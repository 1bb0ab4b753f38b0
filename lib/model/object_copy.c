/*
 * lib/model/object_copy.c: clone and spawn: a new object in one block, its values copied from
 * another object (spawn: from the class object, whose values are the defaults). Embedded objects
 * are shared when frozen and cloned otherwise.
 *
 * A copy is made level by level: each new object first gets its values with a placeholder for
 * every unfrozen embedded object, then a walk over the new objects replaces each placeholder with
 * a copy of its source, whose own placeholders the walk meets later. So cloning a deep chain of
 * unfrozen embedded objects takes constant stack, and only allocating a block can fail.
 */
#include "model/object_layout.h"

/* ---- placeholders ---- */

/* A placeholder stands for unfrozen embedded object `src` in a copy being made: src's address with
 * the low bit set (objects are aligned), never a reference, replaced before the copy is handed out. */
_Static_assert(_Alignof(struct wbemev_object_s) >= 2, "the low bit of an object's address must be free");

static wbemev_object_t *placeholder_for(const wbemev_object_t *src)
{
    return (wbemev_object_t *)((uintptr_t)src | 1u);
}

static bool is_placeholder(const wbemev_object_t *p)
{
    return ((uintptr_t)p & 1u) != 0;
}

static const wbemev_object_t *placeholder_source(const wbemev_object_t *p)
{
    return (const wbemev_object_t *)((uintptr_t)p & ~(uintptr_t)1u);
}

/* What a copy stores for embedded object src: a reference when src is frozen (shared), else a
 * placeholder, counted in *deferred. */
static wbemev_object_t *embed_or_defer(wbemev_object_t *src, size_t *deferred)
{
    if (is_frozen(src))
        return wbemev_object_add_ref(src);
    ++*deferred;
    return placeholder_for(src);
}

/* ---- one level ---- */

/* Copies src into the NULL slot dst; out-of-line bytes go to *arena, unfrozen embedded objects
 * become placeholders (counted in *deferred). */
static void slot_copy(wbemev__slot *dst, const wbemev__slot *src, wbemev_cimtype type, char **arena,
                      size_t *deferred)
{
    if (src->is_null)
        return;
    wbemev_cimtype base = WBEMEV_CIM_BASE(type);
    if (!WBEMEV_CIM_IS_ARRAY(type)) {
        if (base == WBEMEV_CIM_OBJECT) {
            dst->u.object = embed_or_defer(src->u.object, deferred);
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
        return;
    }

    size_t count = src->u.arr.count;
    if (count == 0) {
        slot_set_array(dst, NULL, 0, 0, STORE_INLINE);
        return;
    }
    char *block = *arena;
    size_t bytes;
    if (base == WBEMEV_CIM_OBJECT) {
        wbemev_object_t *const *from = src->u.arr.items;
        wbemev_object_t **to = (wbemev_object_t **)(void *)block;
        for (size_t i = 0; i < count; i++)
            to[i] = embed_or_defer(from[i], deferred);
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
    slot_set_array(dst, block, count, bytes, STORE_ARENA);
    *arena += align_up(bytes);
}

/* Copies src's slots, plain bytes, into obj's. */
static inline void copy_plain_slots(wbemev_object_t *obj, const wbemev_object_t *src)
{
    memcpy(obj->slots, src->slots, (size_t)obj->count * sizeof(wbemev__slot));
}

/* Scalars and short strings only (no heavy slot, not a view): the slots are plain bytes. */
static wbemev_object_t *copy_plain(const wbemev_object_t *src, wbemev_genus genus)
{
    wbemev_object_t *obj = object_alloc_raw(src->cls, genus, 0);
    if (obj == NULL)
        return NULL;
    copy_plain_slots(obj, src);
    return object_publish(obj);
}

/* The provider's per-event clone: an instance of scalars and short strings, on the thread that
 * holds its class's pin, with a block in that thread's lane: taken from the lane and counted
 * there, with no other check. NULL when that is not the case (the general way applies). */
static inline wbemev_object_t *clone_from_lane(const wbemev_object_t *src)
{
    wbemev_class_t *cls = src->cls;
    struct wbemev__cache_lane *l = pinned_lane(cls);
    wbemev_object_t *obj = l != NULL ? wbemev__lane_pop(l) : NULL;
    if (obj == NULL)
        return NULL;
    object_init_header(obj, cls, WBEMEV_GENUS_INSTANCE, false, true);
    copy_plain_slots(obj, src);
    lane_live_add(cls, l, 1);
    wbemev__live_counts_add(1, 1);
    return obj;
}

/* A new object of `genus` with src's values, in one block, published (counted); its unfrozen
 * embedded objects are placeholders, counted in *deferred. NULL when out of memory. */
static wbemev_object_t *copy_level(const wbemev_object_t *src, wbemev_genus genus, size_t *deferred)
{
    const wbemev_class_t *cls = src->cls;
    if (src->view_of == NULL && src->heavy == 0)
        return copy_plain(src, genus);
    size_t arena = 0;
    for (uint32_t i = 0; i < src->count; i++) {
        size_t n = slot_arena_size(slot_at(src, i), cls->props[i].type);
        if (n > SIZE_MAX - arena)
            return NULL;
        arena += n;
    }
    wbemev_object_t *obj = object_alloc(cls, genus, arena);
    if (obj == NULL)
        return NULL;
    char *cursor = (char *)obj + header_size(obj->count);
    for (uint32_t i = 0; i < obj->count; i++) {
        slot_copy(&obj->slots[i], slot_at(src, i), cls->props[i].type, &cursor, deferred);
        obj->heavy += slot_heavy(&obj->slots[i], cls->props[i].type);
    }
    return object_publish(obj);
}

/* ---- the levels below ---- */

/* Replaces each placeholder in obj with a copy of its source; the copies that hold placeholders
 * go on *pending. On failure (out of memory) the placeholders not replaced yet stay. */
static wbemev_status fill_placeholders(wbemev_object_t *obj, wbemev_object_t **pending)
{
    for (uint32_t i = 0; i < obj->count; i++) {
        size_t n;
        wbemev_object_t **items = slot_objects(&obj->slots[i], obj->cls->props[i].type, &n);
        for (size_t k = 0; k < n; k++) {
            if (!is_placeholder(items[k]))
                continue;
            const wbemev_object_t *src = placeholder_source(items[k]);
            size_t deferred = 0;
            wbemev_object_t *copy = copy_level(src, (wbemev_genus)src->genus, &deferred);
            if (copy == NULL)
                return WBEMEV_E_OUT_OF_MEMORY;
            items[k] = copy;
            if (deferred != 0)
                walk_push(pending, copy);
        }
    }
    return WBEMEV_S_NO_ERROR;
}

/* Leaves NULL where obj has placeholders, so that releasing it releases only references. */
static void drop_placeholders(wbemev_object_t *obj)
{
    for (uint32_t i = 0; i < obj->count; i++) {
        size_t n;
        wbemev_object_t **items = slot_objects(&obj->slots[i], obj->cls->props[i].type, &n);
        for (size_t k = 0; k < n; k++)
            if (is_placeholder(items[k]))
                items[k] = NULL;
    }
}

/* Replaces every placeholder under top, a copy just made, level by level. On failure none is left
 * (NULLs instead) and the caller releases top, which frees every copy made meanwhile. */
static wbemev_status fill_levels(wbemev_object_t *top)
{
    wbemev_object_t *pending = NULL;
    wbemev_object_t *obj = top;
    do {
        if (WBEMEV_FAILED(fill_placeholders(obj, &pending))) {
            do
                drop_placeholders(obj);
            while ((obj = walk_pop(&pending)) != NULL);
            return WBEMEV_E_OUT_OF_MEMORY;
        }
    } while ((obj = walk_pop(&pending)) != NULL);
    return WBEMEV_S_NO_ERROR;
}

/* A new object of `genus` with src's values, embedded unfrozen objects cloned. */
static wbemev_status object_copy(const wbemev_object_t *src, wbemev_genus genus, wbemev_object_t **out)
{
    if (src->view_of == NULL && src->heavy == 0) { /* the usual event: no call on this path */
        wbemev_object_t *obj = copy_plain(src, genus);
        if (obj == NULL)
            return WBEMEV_E_OUT_OF_MEMORY;
        *out = obj;
        return WBEMEV_S_NO_ERROR;
    }
    size_t deferred = 0;
    wbemev_object_t *obj = copy_level(src, genus, &deferred);
    if (obj == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    if (deferred != 0 && WBEMEV_FAILED(fill_levels(obj))) {
        wbemev_object_release(obj);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    *out = obj;
    return WBEMEV_S_NO_ERROR;
}

/* ---- embedding (Put) ---- */

wbemev_status wbemev__object_embed_ref(wbemev_object_t *src, wbemev_object_t **out)
{
    if (is_frozen(src)) {
        *out = wbemev_object_add_ref(src);
        return WBEMEV_S_NO_ERROR;
    }
    return wbemev_object_clone(src, out);
}

wbemev_status wbemev__object_embed_refs(wbemev_object_t *const *from, size_t count, wbemev_object_t **to)
{
    for (size_t i = 0; i < count; i++) {
        wbemev_status st = wbemev__object_embed_ref(from[i], &to[i]);
        if (WBEMEV_FAILED(st)) {
            while (i-- > 0)
                wbemev_object_release(to[i]);
            return st;
        }
    }
    return WBEMEV_S_NO_ERROR;
}

/* ---- the API ---- */

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
    if (obj->genus == WBEMEV_GENUS_INSTANCE && obj->view_of == NULL && obj->heavy == 0) {
        wbemev_object_t *copy = clone_from_lane(obj);
        if (copy != NULL) {
            *out = copy;
            return WBEMEV_S_NO_ERROR;
        }
    }
    return object_copy(obj, (wbemev_genus)obj->genus, out);
}
