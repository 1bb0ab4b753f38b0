/*
 * lib/model/object_copy.c: clone and spawn: a new object in one block, its values copied from
 * another object (spawn: from the class object, whose values are the defaults). Embedded objects
 * are shared when frozen and cloned otherwise.
 */
#include "model/object_layout.h"

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

/* Copies src into the NULL slot dst; out-of-line bytes go to *arena. On failure dst stays NULL. */
static wbemev_status slot_copy(wbemev__slot *dst, const wbemev__slot *src, wbemev_cimtype type,
                               char **arena)
{
    if (src->is_null)
        return WBEMEV_S_NO_ERROR;
    wbemev_cimtype base = WBEMEV_CIM_BASE(type);
    if (!WBEMEV_CIM_IS_ARRAY(type)) {
        if (base == WBEMEV_CIM_OBJECT) {
            wbemev_status st = wbemev__object_embed_ref(src->u.object, &dst->u.object);
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
        slot_set_array(dst, NULL, 0, 0, STORE_INLINE);
        return WBEMEV_S_NO_ERROR;
    }
    char *block = *arena;
    size_t bytes;
    if (base == WBEMEV_CIM_OBJECT) {
        wbemev_status st = wbemev__object_embed_refs(src->u.arr.items, count, (wbemev_object_t **)(void *)block);
        if (WBEMEV_FAILED(st))
            return st;
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
