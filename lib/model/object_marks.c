/*
 * lib/model/object_marks.c: what Indicate and the dispatcher do to an object besides reading it:
 * freezing (deep), the marks of the Indicate call that sent it, the hook told of a refused Put on a
 * frozen object, and the __Event properties the dispatcher stamps and reads.
 */
#include "model/object_layout.h"

/* __Event's properties come first in every event class: SECURITY_DESCRIPTOR 0, TIME_CREATED 1. */
#define WBEMEV__SLOT_SECURITY_DESCRIPTOR 0
#define WBEMEV__SLOT_TIME_CREATED 1

/* ---- freezing ---- */

/* Freezes o, an object embedded in one being frozen, unless it is frozen already; queues it on
 * *pending when its own slots may hold objects. The flag is set with a compare-exchange, so when
 * two threads freeze one tree at once (the same object indicated twice at once: a contract
 * violation the checker reports) each object is claimed, and its link written, by one of them. */
static void freeze_claim(wbemev_object_t *o, wbemev_object_t **pending)
{
    bool expected = false;
    if (o == NULL || is_frozen(o) ||
        !atomic_compare_exchange_strong_explicit(&o->frozen, &expected, true, memory_order_acq_rel,
                                                 memory_order_acquire))
        return;
    if (o->heavy != 0)
        walk_push(pending, o);
}

/* Freezes every object reachable from root (frozen already) that is not frozen yet: a walk over the
 * objects one after the other, so a deep chain of unfrozen embedded objects takes constant stack.
 * Frozen objects are not entered: everything they reach is frozen already, footprints cached. */
static WBEMEV__NOINLINE void freeze_embedded(wbemev_object_t *root)
{
    wbemev_object_t *pending = NULL, *claimed = NULL, *obj = root;
    do {
        for (uint32_t i = 0; i < obj->count; i++) {
            size_t n;
            wbemev_object_t **items = slot_objects(&obj->slots[i], obj->cls->props[i].type, &n);
            for (size_t k = 0; k < n; k++)
                freeze_claim(items[k], &pending);
        }
        if (obj != root)
            walk_push(&claimed, obj);
    } while ((obj = walk_pop(&pending)) != NULL);
    /* Footprints (object_footprint.c), the objects an object holds first: each was claimed after
     * the object holding it, so the list, last claimed first, has them before it. */
    while ((obj = walk_pop(&claimed)) != NULL)
        wbemev__object_footprint_cache(obj);
    wbemev__object_footprint_cache(root);
}

void wbemev_object_freeze(wbemev_object_t *obj)
{
    if (obj == NULL || atomic_load_explicit(&obj->frozen, memory_order_acquire))
        return;
    /* A store, not an exchange: an unfrozen object belongs to one thread (wbemev/object.h), so
     * nobody else is freezing it now. Two threads racing here (the same object indicated twice at
     * once, which the contract checker reports) both store true and both walk the embedded
     * objects, each freezing those it claims first (one may return while the other still walks a
     * deeper level): harmless, freezing is idempotent. */
    atomic_store_explicit(&obj->frozen, true, memory_order_release);
    if (obj->heavy == 0)
        return; /* no embedded objects */
    /* Deep: a frozen object is shared between threads, so nothing reachable from it may change.
     * Out of line, so the usual event (no embedded object) freezes without the walk's frame. */
    freeze_embedded(obj);
}

bool wbemev_object_is_frozen(const wbemev_object_t *obj)
{
    return obj != NULL && is_frozen(obj);
}

/* ---- Indicate marks ---- */

uint64_t wbemev__object_mark_indicated(wbemev_object_t *obj, uint64_t token, uint32_t tag)
{
    /* Only the first Indicate marks the object, so a rejected later one cannot undo that mark. One
     * compare-and-swap, also for an object not frozen yet: the same object indicated from two
     * threads at once (a provider's mistake) must be seen as reliably as from one thread. */
    uint64_t prev = 0;
    if (atomic_compare_exchange_strong_explicit(&obj->indicated, &prev, token, memory_order_acq_rel,
                                                memory_order_acquire))
        atomic_store_explicit(&obj->indicated_by, tag, memory_order_release);
    return prev;
}

/* One compare-and-swap an object, as above, inline in the loop. */
static inline uint64_t mark_one(wbemev_object_t *obj, uint64_t token, uint32_t tag)
{
    uint64_t prev = 0;
    if (atomic_compare_exchange_strong_explicit(&obj->indicated, &prev, token, memory_order_acq_rel,
                                                memory_order_acquire))
        atomic_store_explicit(&obj->indicated_by, tag, memory_order_release);
    return prev;
}

int32_t wbemev__objects_mark_indicated(int32_t from, int32_t count, wbemev_object_t *const *objects, uint64_t token,
                                       uint32_t tag, uint64_t *prev)
{
    for (int32_t i = from; i < count; i++) {
        uint64_t p = mark_one(objects[i], token, tag);
        if (p != 0) {
            *prev = p;
            return i;
        }
    }
    return count;
}

const wbemev_class_t *wbemev__objects_single_class(int32_t count, wbemev_object_t *const *objects)
{
    if (count <= 0 || objects[0] == NULL)
        return NULL;
    const wbemev_class_t *cls = objects[0]->cls;
    for (int32_t i = 0; i < count; i++) {
        const wbemev_object_t *o = objects[i];
        if (o == NULL || o->cls != cls || o->genus != WBEMEV_GENUS_INSTANCE)
            return NULL;
    }
    return cls;
}

void wbemev__objects_stamp(int32_t count, wbemev_object_t *const *objects, uint64_t ticks)
{
    for (int32_t i = 0; i < count; i++) {
        wbemev_object_t *o = objects[i];
        if (o->cls->event && !is_frozen(o)) {
            wbemev__slot *s = &o->slots[WBEMEV__SLOT_TIME_CREATED];
            if (s->is_null) {
                s->u.uint = ticks;
                s->is_null = 0;
            }
        }
    }
}

void wbemev__objects_freeze(int32_t count, wbemev_object_t *const *objects)
{
    for (int32_t i = 0; i < count; i++) {
        wbemev_object_t *o = objects[i];
        if (!is_frozen(o)) {
            atomic_store_explicit(&o->frozen, true, memory_order_release); /* as wbemev_object_freeze */
            if (o->heavy != 0)
                freeze_embedded(o);
        }
    }
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
wbemev_status wbemev__object_put_frozen(const wbemev_object_t *obj)
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
