/*
 * lib/model/namespace.c: namespaces: the table of their classes by name, the system classes every
 * namespace starts with, and defining, deleting and looking up classes.
 *
 * Only the name table is locked; a class, once built (class.c), is immutable. The change hook is
 * asked without the lock, so it may call back into the namespace.
 */
#include "model/class_layout.h"

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

wbemev_class_t *wbemev__namespace_find_locked(const wbemev_namespace_t *ns, const char *name)
{
    return wbemev__identifier_valid(name) ? table_lookup(ns, name) : NULL;
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
        super = wbemev__namespace_find_locked(ns, superclass);
        if (super == NULL)
            return WBEMEV_E_INVALID_SUPERCLASS;
    }
    return wbemev__class_build(ns, name, super, system, abstract, props, count, out);
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
