/*
 * lib/model/class.c: class definitions: building a class from its superclass and property
 * definitions, the property index, and the class's accessors and references.
 *
 * A class is immutable once defined (only its class object's defaults change), so readers never
 * lock: inherits_from is one array read thanks to the ancestor array, property lookup is a small
 * case-insensitive hash. namespace.c keeps the classes of a namespace by name.
 */
#include "model/object_layout.h"

/* Process-wide class ids; zero-initialized, so the first id handed out is 1. */
static atomic_uint_fast32_t g_last_class_id;

/* ---- property index ---- */

int32_t wbemev__class_find_index(const wbemev_class_t *cls, const char *name)
{
    if (cls->prop_index == NULL)
        return -1;
    uint32_t h = wbemev__name_hash(name);
    for (uint32_t i = h & cls->prop_index_mask;; i = (i + 1) & cls->prop_index_mask) {
        uint16_t e = cls->prop_index[i];
        if (e == 0)
            return -1;
        const wbemev__prop *p = &cls->props[e - 1];
        if (p->hash == h && wbemev__strcaseeq(p->name, name))
            return (int32_t)(e - 1);
    }
}

/* Inserts property `index` in the index; false when a property of that name is there already. */
static bool prop_index_insert(wbemev_class_t *cls, uint32_t index)
{
    const wbemev__prop *np = &cls->props[index];
    for (uint32_t i = np->hash & cls->prop_index_mask;; i = (i + 1) & cls->prop_index_mask) {
        uint16_t e = cls->prop_index[i];
        if (e == 0) {
            cls->prop_index[i] = (uint16_t)(index + 1);
            return true;
        }
        const wbemev__prop *p = &cls->props[e - 1];
        if (p->hash == np->hash && wbemev__strcaseeq(p->name, np->name))
            return false;
    }
}

bool wbemev__class_ref_accepts(const wbemev__prop *p, const wbemev_class_t *of)
{
    if (p->ref_class == NULL)
        return true;
    if (wbemev_class_inherits_from(of, p->ref_cls))
        return true;
    /* A class deleted and defined again under the same name is still that class for WMI. */
    return wbemev_class_is_a(of, p->ref_class);
}

/* ---- class construction ---- */

/* Frees everything a (possibly half-built) class owns except its superclass reference. */
static void class_free(wbemev_class_t *cls)
{
    if (cls->class_object != NULL)
        wbemev__object_destroy_class_object(cls->class_object);
    wbemev__block_cache_free(&cls->cache);
    if (cls->props != NULL) {
        for (uint32_t i = cls->own_first; i < cls->prop_count; i++) {
            wbemev__prop *p = &cls->props[i];
            if (p->ref_cls != NULL && p->ref_cls != cls)
                wbemev_class_release(p->ref_cls);
            wbemev__free((char *)p->ref_class);
            wbemev__free((char *)p->name);
        }
    }
    wbemev__free(cls->props);
    wbemev__free(cls->prop_index);
    wbemev__free(cls->derivation);
    wbemev__free(cls->name);
    wbemev__free(cls);
}

/* Classes whose last reference went on this thread while it was freeing classes: freeing a class
 * drops its superclass, the classes its properties refer to and, with its class object, objects
 * whose classes may go in turn. The outermost call frees them one after the other, not one inside
 * the other, so a long chain of classes (or of classes and objects) takes constant stack. */
static WBEMEV__THREAD_LOCAL struct class_frees {
    bool running;
    wbemev_class_t *pending; /* linked through free_next */
} tls_class_frees;

/* Frees cls (its last reference is gone, or it was never published) and every class that loses
 * its last reference meanwhile. */
static void class_destroy(wbemev_class_t *cls)
{
    struct class_frees *f = &tls_class_frees;
    cls->free_next = f->pending;
    f->pending = cls;
    if (f->running)
        return; /* an outer call on this thread frees it */
    f->running = true;
    while ((cls = f->pending) != NULL) {
        f->pending = cls->free_next;
        wbemev_class_t *super = cls->super;
        class_free(cls);
        wbemev_class_release(super);
    }
    f->running = false;
}

/* A class with its name, superclass, ancestors and __DERIVATION, and no properties yet. */
static wbemev_status class_alloc(const char *name, wbemev_class_t *super, size_t depth, bool system,
                                 bool abstract, wbemev_class_t **out)
{
    wbemev_class_t *cls = wbemev__calloc(1, sizeof *cls + (depth + 1) * sizeof(wbemev_class_t *));
    if (cls == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__ref_init(&cls->refs, 1);
    atomic_init(&cls->defined, false);
    atomic_init(&cls->live_instances, 0);
    atomic_init(&cls->consumer_held, 0);
    wbemev__block_cache_init(&cls->cache);
    cls->depth = (uint16_t)depth;
    cls->system = system;
    cls->abstract = abstract;
    cls->super = super != NULL ? wbemev_class_add_ref(super) : NULL;
    cls->event = super != NULL ? super->event : (system && strcmp(name, "__Event") == 0);
    *out = cls; /* from here on, class_destroy frees what is there */
    cls->name = wbemev__strdup(name);
    if (cls->name == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    cls->name_hash = wbemev__name_hash(name);
    for (size_t i = 0; i < depth; i++)
        cls->ancestors[i] = super->ancestors[i];
    cls->ancestors[depth] = cls;
    if (depth > 0) {
        cls->derivation = wbemev__calloc(depth, sizeof *cls->derivation);
        if (cls->derivation == NULL)
            return WBEMEV_E_OUT_OF_MEMORY;
        for (size_t i = 0; i < depth; i++)
            cls->derivation[i] = cls->ancestors[depth - 1 - i]->name;
    }
    return WBEMEV_S_NO_ERROR;
}

/* The property table and its index for `total` properties, the superclass's copied in first. */
static wbemev_status class_inherit_props(wbemev_class_t *cls, uint32_t total)
{
    const wbemev_class_t *super = cls->super;
    uint32_t inherited = cls->own_first;
    if (total == 0)
        return WBEMEV_S_NO_ERROR;
    uint32_t cap = 8;
    while (cap < total * 2)
        cap *= 2;
    cls->props = wbemev__calloc(total, sizeof *cls->props);
    cls->prop_index = wbemev__calloc(cap, sizeof *cls->prop_index);
    if (cls->props == NULL || cls->prop_index == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    cls->prop_index_mask = cap - 1;
    /* prop_count grows as entries are filled so class_free knows what to free. */
    for (uint32_t i = 0; i < inherited; i++) {
        cls->props[i] = super->props[i];
        cls->prop_count = i + 1;
        prop_index_insert(cls, i);
    }
    return WBEMEV_S_NO_ERROR;
}

/* Adds the property `def` declares as property `i`; an object or reference property resolves its
 * ref_class in ns (the class itself for a self-reference). */
static wbemev_status class_add_prop(wbemev_namespace_t *ns, wbemev_class_t *cls, uint32_t i,
                                    const wbemev_property_def *def)
{
    wbemev__prop *p = &cls->props[i];
    cls->prop_count = i + 1;
    p->name = wbemev__strdup(def->name);
    if (p->name == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    p->hash = wbemev__name_hash(p->name);
    p->origin = cls->name;
    p->type = def->type;
    if (!prop_index_insert(cls, i))
        return WBEMEV_E_ALREADY_EXISTS;
    wbemev_cimtype base = WBEMEV_CIM_BASE(p->type);
    const char *ref = def->ref_class;
    if (ref == NULL || (base != WBEMEV_CIM_OBJECT && base != WBEMEV_CIM_REFERENCE))
        return WBEMEV_S_NO_ERROR;
    if (wbemev__strcaseeq(ref, cls->name)) {
        p->ref_cls = cls; /* a self-reference holds no count (it would be a cycle) */
    } else {
        wbemev_class_t *target = wbemev__namespace_find_locked(ns, ref);
        if (target == NULL)
            return WBEMEV_E_INVALID_CLASS;
        p->ref_cls = wbemev_class_add_ref(target);
    }
    p->ref_class = wbemev__strdup(p->ref_cls->name);
    return p->ref_class != NULL ? WBEMEV_S_NO_ERROR : WBEMEV_E_OUT_OF_MEMORY;
}

wbemev_status wbemev__class_build(wbemev_namespace_t *ns, const char *name, wbemev_class_t *super,
                                  bool system, bool abstract, const wbemev_property_def *defs,
                                  size_t count, wbemev_class_t **out)
{
    size_t depth = super != NULL ? (size_t)super->depth + 1 : 0;
    if (depth > UINT16_MAX)
        return WBEMEV_E_INVALID_SUPERCLASS; /* the handle stores depth in 16 bits */
    size_t inherited = super != NULL ? super->prop_count : 0;
    if (count > WBEMEV_MAX_PROPERTIES || inherited + count > WBEMEV_MAX_PROPERTIES)
        return WBEMEV_E_TOO_MANY_PROPERTIES;

    wbemev_class_t *cls = NULL;
    wbemev_status st = class_alloc(name, super, depth, system, abstract, &cls);
    if (WBEMEV_SUCCEEDED(st)) {
        cls->own_first = (uint32_t)inherited;
        st = class_inherit_props(cls, (uint32_t)(inherited + count));
    }
    for (size_t k = 0; k < count && WBEMEV_SUCCEEDED(st); k++)
        st = class_add_prop(ns, cls, (uint32_t)(inherited + k), &defs[k]);
    if (WBEMEV_SUCCEEDED(st))
        st = wbemev__object_new_class_object(cls, &cls->class_object);
    if (WBEMEV_FAILED(st)) {
        if (cls != NULL)
            class_destroy(cls);
        return st;
    }
    cls->id = (uint32_t)(atomic_fetch_add_explicit(&g_last_class_id, 1, memory_order_relaxed) + 1);
    *out = cls;
    return WBEMEV_S_NO_ERROR;
}

/* ---- classes ---- */

wbemev_class_t *wbemev_class_add_ref(wbemev_class_t *cls)
{
    if (cls != NULL)
        wbemev__ref_inc(&cls->refs);
    return cls;
}

void wbemev_class_release(wbemev_class_t *cls)
{
    if (cls == NULL)
        return;
    /* A thread counting on its own gives its pin back first, so a class no one refers to any more
     * can go. */
    struct wbemev__cache_lane *l = wbemev__block_cache_my_lane(&cls->cache);
    if (l != NULL && l->live_pinned)
        wbemev__class_live_unpin(cls, l);
    if (wbemev__ref_dec(&cls->refs))
        class_destroy(cls);
}

const char *wbemev_class_name(const wbemev_class_t *cls)
{
    return cls != NULL ? cls->name : NULL;
}

wbemev_class_t *wbemev_class_superclass(const wbemev_class_t *cls)
{
    return cls != NULL ? cls->super : NULL;
}

size_t wbemev_class_depth(const wbemev_class_t *cls)
{
    return cls != NULL ? cls->depth : 0;
}

wbemev_class_t *wbemev__class_ancestor(const wbemev_class_t *cls, size_t depth)
{
    return cls != NULL && depth <= cls->depth ? cls->ancestors[depth] : NULL;
}

bool wbemev_class_inherits_from(const wbemev_class_t *cls, const wbemev_class_t *ancestor)
{
    if (cls == NULL || ancestor == NULL)
        return false;
    return ancestor->depth <= cls->depth && cls->ancestors[ancestor->depth] == ancestor;
}

bool wbemev_class_is_a(const wbemev_class_t *cls, const char *name)
{
    if (cls == NULL || name == NULL)
        return false;
    for (size_t d = cls->depth + 1; d-- > 0;)
        if (wbemev__strcaseeq(cls->ancestors[d]->name, name))
            return true;
    return false;
}

bool wbemev_class_is_event_class(const wbemev_class_t *cls)
{
    return cls != NULL && cls->event;
}

bool wbemev_class_is_system(const wbemev_class_t *cls)
{
    return cls != NULL && cls->system;
}

bool wbemev_class_is_defined(const wbemev_class_t *cls)
{
    return cls != NULL && atomic_load_explicit(&cls->defined, memory_order_acquire);
}

uint32_t wbemev_class_id(const wbemev_class_t *cls)
{
    return cls != NULL ? cls->id : 0;
}

size_t wbemev_class_property_count(const wbemev_class_t *cls)
{
    return cls != NULL ? cls->prop_count : 0;
}

static void fill_info(const wbemev_class_t *cls, uint32_t index, wbemev_property_info *out)
{
    const wbemev__prop *p = &cls->props[index];
    out->name = p->name;
    out->type = p->type;
    out->ref_class = p->ref_class;
    out->origin = p->origin;
    out->handle.index = index;
    out->handle.class_id = cls->id;
    out->handle.depth = cls->depth;
    out->handle.type = (uint16_t)p->type;
}

wbemev_status wbemev_class_property_at(const wbemev_class_t *cls, size_t index,
                                       wbemev_property_info *out)
{
    if (cls == NULL || out == NULL || index >= cls->prop_count)
        return WBEMEV_E_INVALID_PARAMETER;
    fill_info(cls, (uint32_t)index, out);
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_class_find_property(const wbemev_class_t *cls, const char *name,
                                         wbemev_property_info *out)
{
    if (cls == NULL || name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    int32_t i = wbemev__class_find_index(cls, name);
    if (i < 0)
        return WBEMEV_E_NOT_FOUND;
    fill_info(cls, (uint32_t)i, out);
    return WBEMEV_S_NO_ERROR;
}

wbemev_object_t *wbemev_class_object(wbemev_class_t *cls)
{
    return cls != NULL ? cls->class_object : NULL;
}

size_t wbemev__class_consumer_held(const wbemev_class_t *cls)
{
    return atomic_load_explicit(&((wbemev_class_t *)cls)->consumer_held, memory_order_relaxed);
}

void wbemev_object_note_held(wbemev_object_t *obj, bool held)
{
    if (obj == NULL || wbemev_object_genus(obj) != WBEMEV_GENUS_INSTANCE)
        return;
    wbemev_class_t *cls = (wbemev_class_t *)wbemev_object_class(obj);
    if (held)
        atomic_fetch_add_explicit(&cls->consumer_held, 1, memory_order_relaxed);
    else
        atomic_fetch_sub_explicit(&cls->consumer_held, 1, memory_order_relaxed);
}

size_t wbemev_class_live_instances(const wbemev_class_t *cls)
{
    if (cls == NULL)
        return 0;
    wbemev_class_t *c = (wbemev_class_t *)cls;
    /* The shared count and the lanes' deltas, less the pins held: the count itself stays far below
     * half a pin, so the pins are what the sum holds in whole pins, rounded. */
    int64_t n = atomic_load_explicit(&c->live_instances, memory_order_acquire);
    for (int i = 0; i < WBEMEV__CACHE_LANES; i++)
        n += atomic_load_explicit(&c->cache.lane[i].live_delta, memory_order_relaxed);
    if (n > 0)
        n -= (n + WBEMEV__LIVE_PIN / 2) / WBEMEV__LIVE_PIN * WBEMEV__LIVE_PIN;
    return n > 0 ? (size_t)n : 0;
}
