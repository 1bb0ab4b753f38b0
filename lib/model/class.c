/*
 * lib/class.c: namespaces and class definitions.
 *
 * A class is immutable once defined (only its class object's defaults change), so readers never
 * lock: inherits_from is one array read thanks to the ancestor array, property lookup is a small
 * case-insensitive hash. Only the namespace's name table is locked.
 */
#include "model/class_layout.h"

/* Process-wide class ids; zero-initialized, so the first id handed out is 1. */
static atomic_uint_fast32_t g_last_class_id;

struct wbemev_namespace_s {
    wbemev__refcount refs;
    char *name;
    wbemev__mutex lock; /* guards table, count and the hook */
    /* Open addressing (linear probing, backward-shift deletion) keyed by the class name hash. */
    wbemev_class_t **table;
    size_t table_mask;
    size_t count;
    wbemev__class_change_fn hook;
    void *hook_ctx;
};

#define WBEMEV__NS_INITIAL_CAP 32u

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

/* ---- namespace name table (caller holds ns->lock) ---- */

static size_t table_find(const wbemev_namespace_t *ns, const char *name, uint32_t hash)
{
    for (size_t i = hash & ns->table_mask;; i = (i + 1) & ns->table_mask) {
        const wbemev_class_t *c = ns->table[i];
        if (c == NULL)
            return SIZE_MAX;
        if (c->name_hash == hash && wbemev__strcaseeq(c->name, name))
            return i;
    }
}

static wbemev_class_t *table_lookup(const wbemev_namespace_t *ns, const char *name)
{
    size_t i = table_find(ns, name, wbemev__name_hash(name));
    return i == SIZE_MAX ? NULL : ns->table[i];
}

static void table_put(wbemev_class_t **table, size_t mask, wbemev_class_t *cls)
{
    size_t i = cls->name_hash & mask;
    while (table[i] != NULL)
        i = (i + 1) & mask;
    table[i] = cls;
}

/* Makes room for one more class (load factor at most 1/2). */
static bool table_reserve(wbemev_namespace_t *ns)
{
    size_t cap = ns->table_mask + 1;
    if ((ns->count + 1) * 2 <= cap)
        return true;
    wbemev_class_t **t = wbemev__calloc(cap * 2, sizeof *t);
    if (t == NULL)
        return false;
    for (size_t i = 0; i < cap; i++)
        if (ns->table[i] != NULL)
            table_put(t, cap * 2 - 1, ns->table[i]);
    wbemev__free(ns->table);
    ns->table = t;
    ns->table_mask = cap * 2 - 1;
    return true;
}

/* Backward-shift deletion: no tombstones, so removal never allocates. */
static void table_remove_at(wbemev_namespace_t *ns, size_t i)
{
    size_t mask = ns->table_mask;
    ns->table[i] = NULL;
    for (size_t j = (i + 1) & mask; ns->table[j] != NULL; j = (j + 1) & mask) {
        size_t home = ns->table[j]->name_hash & mask;
        bool stays = (j > i) ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            ns->table[i] = ns->table[j];
            ns->table[j] = NULL;
            i = j;
        }
    }
    ns->count--;
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

static void class_destroy(wbemev_class_t *cls)
{
    wbemev_class_t *super = cls->super;
    class_free(cls);
    wbemev_class_release(super);
}

/*
 * Builds a class (not yet in the table). The caller validated the names and holds ns->lock, which
 * resolves ref_class names. On success *out holds the one reference the caller owns.
 */
static wbemev_status class_build(wbemev_namespace_t *ns, const char *name, wbemev_class_t *super,
                                 bool system, bool abstract, const wbemev_property_def *defs,
                                 size_t count, wbemev_class_t **out)
{
    size_t depth = super != NULL ? (size_t)super->depth + 1 : 0;
    if (depth > UINT16_MAX)
        return WBEMEV_E_INVALID_SUPERCLASS; /* the handle stores depth in 16 bits */
    size_t inherited = super != NULL ? super->prop_count : 0;
    if (count > WBEMEV_MAX_PROPERTIES || inherited + count > WBEMEV_MAX_PROPERTIES)
        return WBEMEV_E_TOO_MANY_PROPERTIES;
    uint32_t total = (uint32_t)(inherited + count);

    wbemev_class_t *cls =
        wbemev__calloc(1, sizeof *cls + (depth + 1) * sizeof(wbemev_class_t *));
    if (cls == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__ref_init(&cls->refs, 1);
    atomic_init(&cls->defined, false);
    atomic_init(&cls->live_instances, 0);
    wbemev__block_cache_init(&cls->cache);
    cls->depth = (uint16_t)depth;
    cls->system = system;
    cls->abstract = abstract;
    cls->super = super != NULL ? wbemev_class_add_ref(super) : NULL;
    cls->event = super != NULL ? super->event : (system && strcmp(name, "__Event") == 0);
    cls->own_first = (uint32_t)inherited;
    cls->name = wbemev__strdup(name);
    if (cls->name == NULL)
        goto oom;
    cls->name_hash = wbemev__name_hash(name);
    for (size_t i = 0; i < depth; i++)
        cls->ancestors[i] = super->ancestors[i];
    cls->ancestors[depth] = cls;

    if (depth > 0) {
        cls->derivation = wbemev__calloc(depth, sizeof *cls->derivation);
        if (cls->derivation == NULL)
            goto oom;
        for (size_t i = 0; i < depth; i++)
            cls->derivation[i] = cls->ancestors[depth - 1 - i]->name;
    }

    if (total > 0) {
        uint32_t cap = 8;
        while (cap < total * 2)
            cap *= 2;
        cls->props = wbemev__calloc(total, sizeof *cls->props);
        cls->prop_index = wbemev__calloc(cap, sizeof *cls->prop_index);
        if (cls->props == NULL || cls->prop_index == NULL)
            goto oom;
        cls->prop_index_mask = cap - 1;
    }
    /* prop_count grows as entries are filled so class_free knows what to free. */
    for (uint32_t i = 0; i < inherited; i++) {
        cls->props[i] = super->props[i];
        cls->prop_count = i + 1;
        prop_index_insert(cls, i);
    }
    wbemev_status st = WBEMEV_S_NO_ERROR;
    for (size_t k = 0; k < count; k++) {
        uint32_t i = (uint32_t)(inherited + k);
        wbemev__prop *p = &cls->props[i];
        cls->prop_count = i + 1;
        p->name = wbemev__strdup(defs[k].name);
        if (p->name == NULL)
            goto oom;
        p->hash = wbemev__name_hash(p->name);
        p->origin = cls->name;
        p->type = defs[k].type;
        if (!prop_index_insert(cls, i)) {
            st = WBEMEV_E_ALREADY_EXISTS;
            goto fail;
        }
        wbemev_cimtype base = WBEMEV_CIM_BASE(p->type);
        const char *ref = defs[k].ref_class;
        if (ref == NULL || (base != WBEMEV_CIM_OBJECT && base != WBEMEV_CIM_REFERENCE))
            continue;
        if (wbemev__strcaseeq(ref, name)) {
            p->ref_cls = cls; /* a self-reference holds no count (it would be a cycle) */
        } else {
            wbemev_class_t *target = wbemev__identifier_valid(ref) ? table_lookup(ns, ref) : NULL;
            if (target == NULL) {
                st = WBEMEV_E_INVALID_CLASS;
                goto fail;
            }
            p->ref_cls = wbemev_class_add_ref(target);
        }
        p->ref_class = wbemev__strdup(p->ref_cls->name);
        if (p->ref_class == NULL)
            goto oom;
    }

    wbemev_status os = wbemev__object_new_class_object(cls, &cls->class_object);
    if (WBEMEV_FAILED(os)) {
        st = os;
        goto fail;
    }
    cls->id = (uint32_t)(atomic_fetch_add_explicit(&g_last_class_id, 1, memory_order_relaxed) + 1);
    *out = cls;
    return WBEMEV_S_NO_ERROR;

oom:
    st = WBEMEV_E_OUT_OF_MEMORY;
fail:
    class_destroy(cls);
    return st;
}

/* ---- namespaces ---- */

/* Resolves the superclass and builds the class (not yet visible). Caller holds ns->lock. */
static wbemev_status build_locked(wbemev_namespace_t *ns, const char *name, const char *superclass,
                                  bool system, bool abstract, const wbemev_property_def *props,
                                  size_t count, wbemev_class_t **out)
{
    if (table_lookup(ns, name) != NULL)
        return WBEMEV_E_ALREADY_EXISTS;
    wbemev_class_t *super = NULL;
    if (superclass != NULL) {
        super = wbemev__identifier_valid(superclass) ? table_lookup(ns, superclass) : NULL;
        if (super == NULL)
            return WBEMEV_E_INVALID_SUPERCLASS;
    }
    return class_build(ns, name, super, system, abstract, props, count, out);
}

/* Makes a built class visible; the namespace takes over the caller's reference. Caller holds
 * ns->lock. Checks again what may have changed while the lock was dropped for the hook. */
static wbemev_status insert_locked(wbemev_namespace_t *ns, wbemev_class_t *cls)
{
    if (table_lookup(ns, cls->name) != NULL)
        return WBEMEV_E_ALREADY_EXISTS;
    if (cls->super != NULL && !atomic_load_explicit(&cls->super->defined, memory_order_relaxed))
        return WBEMEV_E_INVALID_SUPERCLASS;
    if (!table_reserve(ns))
        return WBEMEV_E_OUT_OF_MEMORY;
    table_put(ns->table, ns->table_mask, cls);
    ns->count++;
    atomic_store_explicit(&cls->defined, true, memory_order_release);
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status define_system(wbemev_namespace_t *ns, const char *name, const char *super,
                                   bool abstract, const wbemev_property_def *props, size_t count)
{
    wbemev_class_t *cls;
    wbemev_status st = build_locked(ns, name, super, true, abstract, props, count, &cls);
    if (WBEMEV_SUCCEEDED(st) && WBEMEV_FAILED(st = insert_locked(ns, cls)))
        wbemev_class_release(cls);
    return st;
}

static wbemev_status define_system_classes(wbemev_namespace_t *ns)
{
    static const wbemev_property_def event[] = {
        {"SECURITY_DESCRIPTOR", (wbemev_cimtype)(WBEMEV_CIM_UINT8 | WBEMEV_CIM_FLAG_ARRAY), NULL},
        {"TIME_CREATED", WBEMEV_CIM_UINT64, NULL},
    };
    static const wbemev_property_def op[] = {{"TargetInstance", WBEMEV_CIM_OBJECT, NULL}};
    static const wbemev_property_def mod[] = {{"PreviousInstance", WBEMEV_CIM_OBJECT, NULL}};
    static const wbemev_property_def agg[] = {
        {"NumberOfEvents", WBEMEV_CIM_UINT32, NULL},
        {"Representative", WBEMEV_CIM_OBJECT, NULL},
    };
    wbemev_status st;
    if (WBEMEV_FAILED(st = define_system(ns, "__Event", NULL, true, event, 2)) ||
        WBEMEV_FAILED(st = define_system(ns, "__ExtrinsicEvent", "__Event", false, NULL, 0)) ||
        WBEMEV_FAILED(st = define_system(ns, "__InstanceOperationEvent", "__Event", true, op, 1)) ||
        WBEMEV_FAILED(st = define_system(ns, "__InstanceCreationEvent", "__InstanceOperationEvent",
                                         false, NULL, 0)) ||
        WBEMEV_FAILED(st = define_system(ns, "__InstanceDeletionEvent", "__InstanceOperationEvent",
                                         false, NULL, 0)) ||
        WBEMEV_FAILED(st = define_system(ns, "__InstanceModificationEvent",
                                         "__InstanceOperationEvent", false, mod, 1)) ||
        WBEMEV_FAILED(st = define_system(ns, "__AggregateEvent", "__Event", false, agg, 2)))
        return st;
    return WBEMEV_S_NO_ERROR;
}

static void namespace_free(wbemev_namespace_t *ns)
{
    if (ns->table != NULL) {
        for (size_t i = 0; i <= ns->table_mask; i++) {
            wbemev_class_t *c = ns->table[i];
            if (c != NULL) {
                atomic_store_explicit(&c->defined, false, memory_order_release);
                wbemev_class_release(c);
            }
        }
    }
    wbemev__mutex_destroy(&ns->lock);
    wbemev__free(ns->table);
    wbemev__free(ns->name);
    wbemev__free(ns);
}

wbemev_status wbemev_namespace_new(const char *name, wbemev_namespace_t **out)
{
    if (name == NULL || name[0] == '\0' || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_namespace_t *ns = wbemev__calloc(1, sizeof *ns);
    if (ns == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__mutex_init(&ns->lock);
    wbemev__ref_init(&ns->refs, 1);
    ns->name = wbemev__strdup(name);
    ns->table = wbemev__calloc(WBEMEV__NS_INITIAL_CAP, sizeof *ns->table);
    ns->table_mask = WBEMEV__NS_INITIAL_CAP - 1;
    wbemev_status st = WBEMEV_E_OUT_OF_MEMORY;
    if (ns->name != NULL && ns->table != NULL) {
        wbemev__mutex_lock(&ns->lock);
        st = define_system_classes(ns);
        wbemev__mutex_unlock(&ns->lock);
    }
    if (WBEMEV_FAILED(st)) {
        namespace_free(ns);
        return st;
    }
    *out = ns;
    return WBEMEV_S_NO_ERROR;
}

wbemev_namespace_t *wbemev_namespace_add_ref(wbemev_namespace_t *ns)
{
    if (ns != NULL)
        wbemev__ref_inc(&ns->refs);
    return ns;
}

void wbemev_namespace_release(wbemev_namespace_t *ns)
{
    if (ns != NULL && wbemev__ref_dec(&ns->refs))
        namespace_free(ns);
}

const char *wbemev_namespace_name(const wbemev_namespace_t *ns)
{
    return ns != NULL ? ns->name : NULL;
}

void wbemev__namespace_set_change_hook(wbemev_namespace_t *ns, wbemev__class_change_fn fn, void *ctx)
{
    if (ns == NULL)
        return;
    wbemev__mutex_lock(&ns->lock);
    ns->hook = fn;
    ns->hook_ctx = ctx;
    wbemev__mutex_unlock(&ns->lock);
}

static wbemev_status check_property_defs(const wbemev_property_def *props, size_t count)
{
    if (count > WBEMEV_MAX_PROPERTIES)
        return WBEMEV_E_TOO_MANY_PROPERTIES;
    for (size_t i = 0; i < count; i++) {
        const char *n = props[i].name;
        if (n == NULL || !wbemev__identifier_valid(n))
            return WBEMEV_E_INVALID_PARAMETER;
        if (n[0] == '_' || n[strlen(n) - 1] == '_')
            return WBEMEV_E_SYSTEM_PROPERTY;
        if (!wbemev_cimtype_is_valid(props[i].type))
            return WBEMEV_E_INVALID_PROPERTY_TYPE;
    }
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_namespace_define_class(wbemev_namespace_t *ns, const char *name,
                                            const char *superclass,
                                            const wbemev_property_def *props, size_t count,
                                            wbemev_class_t **out)
{
    if (ns == NULL || name == NULL || (props == NULL && count > 0))
        return WBEMEV_E_INVALID_PARAMETER;
    if (!wbemev__identifier_valid(name) || (name[0] == '_' && name[1] == '_'))
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status st = check_property_defs(props, count);
    if (WBEMEV_FAILED(st))
        return st;

    wbemev_class_t *cls = NULL;
    wbemev__mutex_lock(&ns->lock);
    st = build_locked(ns, name, superclass, false, false, props, count, &cls);
    wbemev__class_change_fn hook = ns->hook;
    void *hook_ctx = ns->hook_ctx;
    if (WBEMEV_SUCCEEDED(st) && hook != NULL) {
        /* Asked without the lock (it may call back into the namespace); it may veto. */
        wbemev__mutex_unlock(&ns->lock);
        st = hook(hook_ctx, cls->name, "define");
        wbemev__mutex_lock(&ns->lock);
    }
    if (WBEMEV_SUCCEEDED(st))
        st = insert_locked(ns, cls);
    if (WBEMEV_SUCCEEDED(st) && out != NULL)
        wbemev_class_add_ref(cls); /* taken under the lock: a concurrent delete cannot free it */
    wbemev__mutex_unlock(&ns->lock);
    if (WBEMEV_FAILED(st)) {
        wbemev_class_release(cls); /* built but never made visible */
        return st;
    }
    if (out != NULL)
        *out = cls;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_namespace_delete_class(wbemev_namespace_t *ns, const char *name)
{
    if (ns == NULL || name == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev__mutex_lock(&ns->lock);
    size_t at = table_find(ns, name, wbemev__name_hash(name));
    wbemev_class_t *target = at != SIZE_MAX ? ns->table[at] : NULL;
    wbemev_status st = target == NULL ? WBEMEV_E_NOT_FOUND
                       : target->system ? WBEMEV_E_ACCESS_DENIED
                                        : WBEMEV_S_NO_ERROR;
    if (WBEMEV_FAILED(st)) {
        wbemev__mutex_unlock(&ns->lock);
        return st;
    }
    wbemev_class_add_ref(target); /* keeps the name valid for the hook, whatever happens */
    wbemev__class_change_fn hook = ns->hook;
    void *hook_ctx = ns->hook_ctx;
    if (hook != NULL) {
        wbemev__mutex_unlock(&ns->lock);
        st = hook(hook_ctx, target->name, "delete");
        wbemev__mutex_lock(&ns->lock);
        if (WBEMEV_SUCCEEDED(st) && !atomic_load_explicit(&target->defined, memory_order_relaxed))
            st = WBEMEV_E_NOT_FOUND; /* deleted by another thread meanwhile */
    }
    /* The namespace's references move to `removed` and are dropped after the unlock. Allocated
     * before anything changes: an out-of-memory failure must change nothing. */
    wbemev_class_t **removed = NULL;
    if (WBEMEV_SUCCEEDED(st)) {
        removed = wbemev__calloc(ns->count, sizeof *removed);
        if (removed == NULL)
            st = WBEMEV_E_OUT_OF_MEMORY;
    }
    size_t n = 0;
    bool again = WBEMEV_SUCCEEDED(st);
    while (again) { /* a removal shifts entries around: rescan until nothing matches */
        again = false;
        for (size_t i = 0; i <= ns->table_mask; i++) {
            wbemev_class_t *c = ns->table[i];
            if (c != NULL && wbemev_class_inherits_from(c, target)) {
                atomic_store_explicit(&c->defined, false, memory_order_release);
                removed[n++] = c;
                table_remove_at(ns, i);
                again = true;
            }
        }
    }
    wbemev__mutex_unlock(&ns->lock);

    for (size_t i = 0; i < n; i++)
        wbemev_class_release(removed[i]);
    wbemev__free(removed);
    wbemev_class_release(target);
    return WBEMEV_FAILED(st) ? st : WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_namespace_get_class(wbemev_namespace_t *ns, const char *name,
                                         wbemev_class_t **out)
{
    if (ns == NULL || name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev__mutex_lock(&ns->lock);
    wbemev_class_t *c = table_lookup(ns, name);
    if (c != NULL)
        wbemev_class_add_ref(c);
    wbemev__mutex_unlock(&ns->lock);
    if (c == NULL)
        return WBEMEV_E_NOT_FOUND;
    *out = c;
    return WBEMEV_S_NO_ERROR;
}

void wbemev__namespace_foreach_class(wbemev_namespace_t *ns,
                                     void (*fn)(void *ctx, wbemev_class_t *cls), void *ctx)
{
    if (ns == NULL || fn == NULL)
        return;
    wbemev__mutex_lock(&ns->lock);
    for (size_t i = 0; i <= ns->table_mask; i++)
        if (ns->table[i] != NULL)
            fn(ctx, ns->table[i]);
    wbemev__mutex_unlock(&ns->lock);
}

size_t wbemev_namespace_class_count(wbemev_namespace_t *ns)
{
    if (ns == NULL)
        return 0;
    wbemev__mutex_lock(&ns->lock);
    size_t n = ns->count;
    wbemev__mutex_unlock(&ns->lock);
    return n;
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
    /* Iterative up the superclass chain: a deep hierarchy must not recurse. */
    while (cls != NULL && wbemev__ref_dec(&cls->refs)) {
        wbemev_class_t *super = cls->super;
        class_free(cls);
        cls = super;
    }
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

size_t wbemev_class_live_instances(const wbemev_class_t *cls)
{
    return cls != NULL ? atomic_load_explicit(&cls->live_instances, memory_order_relaxed) : 0;
}
