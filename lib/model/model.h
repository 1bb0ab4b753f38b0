/*
 * lib/model/model.h: the data model's internal interface for the layers above it (query, dispatch,
 * output): class ancestry, namespace hooks, and what the dispatcher does to the objects it carries
 * (marks, views, stamps, footprints, batched frees). Not installed.
 *
 * The model calls only the base layer. What it must tell a higher layer (a class change about to
 * happen, a Put refused on a frozen object) goes through a hook that layer sets.
 */
#ifndef WBEMEV_MODEL_H
#define WBEMEV_MODEL_H

#include "base/base.h"

#include <float.h>
#include <math.h>

/* ---- values (value.c) ---- */
/* A UTF-16 surrogate: never a char16 value of its own. */
static inline bool wbemev__is_surrogate(uint16_t c)
{
    return c >= 0xD800u && c <= 0xDFFFu;
}

/* True when integer value v of CIM type `type` (sint8 .. uint64; v->type is not read) is in the
 * type's range. */
static inline bool wbemev__int_in_range(wbemev_cimtype type, const wbemev_value *v)
{
    switch (type) {
    case WBEMEV_CIM_SINT8: return v->u.sint >= INT8_MIN && v->u.sint <= INT8_MAX;
    case WBEMEV_CIM_SINT16: return v->u.sint >= INT16_MIN && v->u.sint <= INT16_MAX;
    case WBEMEV_CIM_SINT32: return v->u.sint >= INT32_MIN && v->u.sint <= INT32_MAX;
    case WBEMEV_CIM_UINT8: return v->u.uint <= UINT8_MAX;
    case WBEMEV_CIM_UINT16: return v->u.uint <= UINT16_MAX;
    case WBEMEV_CIM_UINT32: return v->u.uint <= UINT32_MAX;
    default: return true; /* sint64, uint64: every bit pattern */
    }
}

/* True when numeric value v of CIM type `type` (an integer, real32, real64, boolean or char16;
 * v->type is not read) is in the type's range: the check wbemev_value_validate makes, inline (with
 * the one above) so the typed Put makes it without a call. A finite double beyond float's range is
 * refused for real32 (converting it is undefined behaviour, C11 6.3.1.5; NaN and infinities convert
 * exactly), a UTF-16 surrogate for char16. */
static inline bool wbemev__scalar_in_range(wbemev_cimtype type, const wbemev_value *v)
{
    switch (type) {
    case WBEMEV_CIM_REAL32: return !isfinite(v->u.real) || fabs(v->u.real) <= FLT_MAX;
    case WBEMEV_CIM_CHAR16: return !wbemev__is_surrogate(v->u.char16);
    case WBEMEV_CIM_REAL64:
    case WBEMEV_CIM_BOOLEAN: return true; /* every bit pattern */
    default: return wbemev__int_in_range(type, v);
    }
}

/* ---- classes (class.c, namespace.c) ---- */
/* Ancestor of cls at `depth` (0 = root), or NULL when depth > class depth. */
wbemev_class_t *wbemev__class_ancestor(const wbemev_class_t *cls, size_t depth);

/* Asked (with no namespace lock held) before a class is defined or deleted, once the request is
 * otherwise valid; a failure vetoes the change and is returned to the caller. The dispatcher uses it
 * for the contract checker (guideline 1). */
typedef wbemev_status (*wbemev__class_change_fn)(void *ctx, const char *class_name, const char *what);
void wbemev__namespace_set_change_hook(wbemev_namespace_t *ns, wbemev__class_change_fn fn, void *ctx);
/* Calls fn for every class defined in ns (under the namespace lock: fn must not call back into ns). */
void wbemev__namespace_foreach_class(wbemev_namespace_t *ns, void (*fn)(void *ctx, wbemev_class_t *cls),
                                     void *ctx);

/* ---- objects (object*.c) ---- */
/* Marks obj as indicated in Indicate call `token` (never 0) by the indicator `tag` (an opaque
 * number the caller chooses, 0 for none) and returns the token it carried before: 0 when never
 * indicated, `token` for a duplicate in the same call. */
uint64_t wbemev__object_mark_indicated(wbemev_object_t *obj, uint64_t token, uint32_t tag);
/* Clears the mark set by this token (a strict rejection undoes its marks). */
void wbemev__object_unmark_indicated(wbemev_object_t *obj, uint64_t token);
/* An Indicate's array in one call per pass, not one call per object and pass (object_marks.c).
 * _single_class: the class when every object is a non-NULL instance of that one class, else NULL
 * (the caller then checks each). _mark_indicated: marks objects[from..count) as
 * wbemev__object_mark_indicated does and returns the index of the first one that was marked
 * before (its previous token in *prev), or count. _stamp: wbemev__object_stamp_time_created on
 * each unfrozen event instance. _freeze: wbemev_object_freeze on each. */
const wbemev_class_t *wbemev__objects_single_class(int32_t count, wbemev_object_t *const *objects);
int32_t wbemev__objects_mark_indicated(int32_t from, int32_t count, wbemev_object_t *const *objects, uint64_t token,
                                       uint32_t tag, uint64_t *prev);
void wbemev__objects_stamp(int32_t count, wbemev_object_t *const *objects, uint64_t ticks);
void wbemev__objects_freeze(int32_t count, wbemev_object_t *const *objects);
/* A read-only projection of base (SELECT a, b): properties for which selects(ctx, name) is false
 * read as NULL; system properties read through. No values are copied. */
wbemev_status wbemev__object_new_view(wbemev_object_t *base, bool (*selects)(void *ctx, const char *name),
                                      void *ctx, wbemev_object_t **out);
/* Told of every Put refused because its object was frozen by an Indicate marked with a non-zero
 * tag: the model reports upward through this hook and knows nothing of who listens. One hook for
 * the process (the contract checker's); NULL for none. */
typedef void (*wbemev__frozen_put_fn)(uint32_t tag, const char *class_name);
void wbemev__object_set_frozen_put_hook(wbemev__frozen_put_fn fn);
/* Sets __Event.TIME_CREATED to `ticks` when it is NULL. obj must be an event instance, not frozen. */
void wbemev__object_stamp_time_created(wbemev_object_t *obj, uint64_t ticks);
/* The 64 bits of an integer property's slot, read through a handle (the WQL integer fast path):
 * 1 with *bits set, 0 when the property is NULL, -1 when the handle is not valid for obj. */
int wbemev__object_get_bits_h(const wbemev_object_t *obj, wbemev_prop_handle handle, uint64_t *bits);
/* The same for property `index` of obj's class, which the caller knows to be in range (an index
 * taken from a handle that is valid for that class): true with *bits set, false when NULL. */
bool wbemev__object_get_bits_at(const wbemev_object_t *obj, uint32_t index, uint64_t *bits);
/* Bytes an object keeps alive (queue accounting). */
size_t wbemev__object_footprint(const wbemev_object_t *obj);
/* Reads __Event.SECURITY_DESCRIPTOR into bytes and len (NULL and 0 when it is NULL). */
void wbemev__object_security_descriptor(const wbemev_object_t *obj, const uint8_t **bytes, size_t *len);
/* Between begin and end, instances this thread frees give their class count and their cached
 * block back once per run of one class instead of once each, so a queued worker freeing a batch
 * does not take the class's cache lines from the provider thread per event. Until end the class
 * counts them as live (wbemev_class_live_instances) and stays alive. Pairs may nest. */
void wbemev__object_free_batch_begin(void);
void wbemev__object_free_batch_end(void);

/* Instances of cls that consumers said they keep (wbemev_object_note_held). */
size_t wbemev__class_consumer_held(const wbemev_class_t *cls);

#endif /* WBEMEV_MODEL_H */
