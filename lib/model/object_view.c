/*
 * lib/model/object_view.c: projection views (SELECT a, b): an object with no slots of its own that
 * reads its base's selected properties and sees NULL for the others. No value is copied, so a
 * projection costs one small block whatever the event holds.
 */
#include "model/object_layout.h"

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
    object_init_header(v, cls, (wbemev_genus)base->genus, true, false);
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
