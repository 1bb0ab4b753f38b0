/*
 * lib/model/class_layout.h: the class layout shared by the model's own files only. Not installed.
 *
 * The object files read the property table directly (no call per Put/Get); class.c builds the
 * class object through the two object functions at the end; namespace.c keeps classes by name and
 * has class.c build them.
 */
#ifndef WBEMEV_CLASS_LAYOUT_H
#define WBEMEV_CLASS_LAYOUT_H

#include "model/model.h"
#include "model/block_cache.h"

/* One property of a class. Inherited entries are copies whose strings are borrowed from the
 * declaring class, which the superclass chain keeps alive. */
typedef struct wbemev__prop {
    const char *name;
    const char *origin;      /* name of the declaring class */
    const char *ref_class;   /* object/reference target class name, NULL for any */
    wbemev_class_t *ref_cls; /* ref_class resolved at definition; NULL for any */
    wbemev_cimtype type;
    uint32_t hash; /* wbemev__name_hash(name) */
} wbemev__prop;

struct wbemev_class_s {
    wbemev__refcount refs;
    uint32_t id;
    uint32_t name_hash;
    uint16_t depth;
    bool system;
    bool abstract; /* spawn refused */
    bool event;    /* derives from __Event */
    atomic_bool defined;
    char *name;
    wbemev_class_t *super;        /* reference held */
    const char **derivation;      /* `depth` names, superclass first (the __DERIVATION value) */
    wbemev__prop *props;          /* `prop_count` entries, inherited first */
    uint32_t prop_count;
    uint32_t own_first;           /* index of the first property this class declares */
    uint16_t *prop_index;         /* open addressing: property index + 1, 0 = empty */
    uint32_t prop_index_mask;
    wbemev_object_t *class_object; /* owned; its add_ref/release forward to the class */
    wbemev_class_t *free_next;     /* the queue of classes being freed (class.c), once unreferenced */
    /* The live-instance count shared by every thread: instances, plus WBEMEV__LIVE_PIN for each
     * cache lane whose owner counts on its own (cache.lane[i].live_delta, object_layout.h), minus
     * those deltas. The class holds its instances' group reference while it is above 0. Written by
     * threads without a lane and, rarely, by the owners (pin, fold, unpin): kept off the cache
     * lines the read-mostly fields above share. */
    char live_pad_before[64];
    atomic_int_least64_t live_instances;
    /* A thread that is not the owner writes live_instances at every spawn and free; the owner reads
     * the cache's owner field at each of its own: not on one line. */
    char live_pad_mid[64];
    /* Blocks of freed instances kept for the next clone or spawn (object.c, object_copy.c), freed with the class. */
    struct wbemev__block_cache cache;
    char live_pad_after[64];
    /* Instances consumers said they keep (wbemev_object_note_held): a leak check at shutdown
     * counts them as the consumers', not as leaked. Off the hot path: only such consumers write it. */
    atomic_size_t consumer_held;
    wbemev_class_t *ancestors[]; /* depth + 1 entries: root ... self (borrowed) */
};

/* class.c: builds a class (not yet in the namespace's table). The caller validated the names and
 * holds ns->lock, under which ref_class names resolve. On success *out holds the one reference the
 * caller owns. */
wbemev_status wbemev__class_build(wbemev_namespace_t *ns, const char *name, wbemev_class_t *super,
                                  bool system, bool abstract, const wbemev_property_def *defs,
                                  size_t count, wbemev_class_t **out);
/* namespace.c: the class named `name` in ns, NULL when there is none or the name is not a valid
 * identifier. The caller holds ns->lock. */
wbemev_class_t *wbemev__namespace_find_locked(const wbemev_namespace_t *ns, const char *name);

/* Index of property `name` (case-insensitive) or -1. */
int32_t wbemev__class_find_index(const wbemev_class_t *cls, const char *name);

/* True when cls may hold an embedded object of class `of` for property p. */
bool wbemev__class_ref_accepts(const wbemev__prop *p, const wbemev_class_t *of);

/* object.c: the class object of a class being defined (all NULL, refcount forwarded to cls). */
wbemev_status wbemev__object_new_class_object(wbemev_class_t *cls, wbemev_object_t **out);
/* object.c: frees a class object made by wbemev__object_new_class_object (class teardown). */
void wbemev__object_destroy_class_object(wbemev_object_t *obj);

#endif /* WBEMEV_CLASS_LAYOUT_H */
