/*
 * wbemev/class.h: namespaces and class definitions.
 *
 * A namespace holds class definitions and is preloaded with the system event classes:
 *
 *   __Event (abstract)             uint8 SECURITY_DESCRIPTOR[]; uint64 TIME_CREATED
 *     __ExtrinsicEvent             parent of user events
 *     __InstanceOperationEvent     object TargetInstance
 *       __InstanceCreationEvent
 *       __InstanceDeletionEvent
 *       __InstanceModificationEvent  object PreviousInstance
 *     __AggregateEvent             uint32 NumberOfEvents; object Representative
 *
 * Ownership:
 *  1. Namespaces and classes are reference counted; new ones start at 1, owned by the creator.
 *     add_ref returns its argument, release frees at 0.
 *  2. A namespace holds a reference on each class it defines; a class holds one on its superclass;
 *     an instance holds one on its class. Deleting a class from its namespace only removes the name:
 *     instances and subclasses already made keep working.
 *  3. Strings passed in are copied; strings returned are borrowed and live as long as the class.
 *
 * Naming: class and property names are ASCII letters, digits and '_', not starting with a digit, at
 * most WBEMEV_MAX_IDENTIFIER characters. User classes cannot start with "__"; user property names
 * cannot start or end with '_'. Lookups are case-insensitive (ASCII).
 *
 * Thread-safety: namespace functions may be called from any thread (an internal lock serializes
 * changes). A class definition never changes once defined, except its default values (see
 * wbemev_class_object()), which must not be Put while other threads spawn instances of it.
 */
#ifndef WBEMEV_CLASS_H
#define WBEMEV_CLASS_H

#include "value.h"

WBEMEV_BEGIN_DECLS

/** WBEM_MAX_IDENTIFIER: longest class or property name. */
#define WBEMEV_MAX_IDENTIFIER 0x1000
/** WBEM_MAX_PROPERTIES: most properties a class may have, inherited ones included. */
#define WBEMEV_MAX_PROPERTIES 0x400

/** One property of a class being defined. */
typedef struct wbemev_property_def {
    const char *name;    /**< the property name */
    wbemev_cimtype type; /**< its CIM type, WBEMEV_CIM_FLAG_ARRAY for arrays */
    /** For object and reference properties: the class the value must be (or derive from), by
     * name, or NULL for any class. Ignored for other types. */
    const char *ref_class;
} wbemev_property_def;

/**
 * A precomputed property handle: the fast path for Put and Get, in the spirit of IWbemObjectAccess.
 * A handle obtained from class C works on instances of C and of every subclass of C. The fields are
 * private; treat the struct as a value.
 */
typedef struct wbemev_prop_handle {
    uint32_t index;    /**< private */
    uint32_t class_id; /**< private */
    uint16_t depth;    /**< private */
    uint16_t type;     /**< private */
} wbemev_prop_handle;

/** What wbemev_class_property_at() and wbemev_class_find_property() report. Borrowed strings. */
typedef struct wbemev_property_info {
    const char *name;          /**< the property name, as defined */
    wbemev_cimtype type;       /**< its CIM type */
    const char *ref_class;     /**< NULL when any class is allowed */
    const char *origin;        /**< name of the class that declared the property */
    wbemev_prop_handle handle; /**< valid for the class asked and its subclasses */
} wbemev_property_info;

/**
 * Creates a namespace named `name` (e.g. "root\\cimv2"; copied) with the system event classes.
 * WBEMEV_E_INVALID_PARAMETER for a NULL argument or an empty name, WBEMEV_E_OUT_OF_MEMORY.
 */
WBEMEV_API wbemev_status wbemev_namespace_new(const char *name, wbemev_namespace_t **out);
/** Adds a reference to ns and returns it. Thread-safe. */
WBEMEV_API wbemev_namespace_t *wbemev_namespace_add_ref(wbemev_namespace_t *ns);
/** Drops a reference; the namespace is freed at 0. NULL is ignored. Thread-safe. */
WBEMEV_API void wbemev_namespace_release(wbemev_namespace_t *ns);
/** The namespace's name (borrowed). */
WBEMEV_API const char *wbemev_namespace_name(const wbemev_namespace_t *ns);

/**
 * Defines class `name` deriving from `superclass` (NULL for a root class) with `count` properties of
 * its own; it inherits the superclass's properties, which come first in property order.
 * When `out` is non-NULL it receives a new reference to the class.
 *
 * WBEMEV_E_INVALID_PARAMETER: NULL ns or name, props NULL with count > 0, an invalid class or
 * property name; WBEMEV_E_SYSTEM_PROPERTY: a property name starting or ending with '_';
 * WBEMEV_E_INVALID_PROPERTY_TYPE: a type that is not a CIM type; WBEMEV_E_ALREADY_EXISTS: the class
 * exists, or two properties (own or inherited) share a name; WBEMEV_E_INVALID_SUPERCLASS: unknown
 * superclass; WBEMEV_E_INVALID_CLASS: unknown ref_class; WBEMEV_E_TOO_MANY_PROPERTIES.
 */
WBEMEV_API wbemev_status wbemev_namespace_define_class(wbemev_namespace_t *ns, const char *name,
                                                       const char *superclass,
                                                       const wbemev_property_def *props,
                                                       size_t count, wbemev_class_t **out);

/**
 * Deletes class `name` and, as WMI's DeleteClass does, all its subclasses. Live instances keep
 * their class. WBEMEV_E_NOT_FOUND for an unknown class, WBEMEV_E_ACCESS_DENIED for a system class.
 */
WBEMEV_API wbemev_status wbemev_namespace_delete_class(wbemev_namespace_t *ns, const char *name);

/** Looks up a class (case-insensitive); *out receives a new reference. WBEMEV_E_NOT_FOUND. */
WBEMEV_API wbemev_status wbemev_namespace_get_class(wbemev_namespace_t *ns, const char *name,
                                                    wbemev_class_t **out);

/** Number of classes in the namespace, system classes included. */
WBEMEV_API size_t wbemev_namespace_class_count(wbemev_namespace_t *ns);

/** Adds a reference to cls and returns it. Thread-safe. */
WBEMEV_API wbemev_class_t *wbemev_class_add_ref(wbemev_class_t *cls);
/** Drops a reference; the class is freed at 0. NULL is ignored. Thread-safe. */
WBEMEV_API void wbemev_class_release(wbemev_class_t *cls);

/** The class name, as defined (borrowed). */
WBEMEV_API const char *wbemev_class_name(const wbemev_class_t *cls);
/** The superclass (borrowed), or NULL for a root class. */
WBEMEV_API wbemev_class_t *wbemev_class_superclass(const wbemev_class_t *cls);
/** Number of classes above this one (0 for a root class). */
WBEMEV_API size_t wbemev_class_depth(const wbemev_class_t *cls);
/** True when cls is `ancestor` or derives from it. NULL arguments give false. */
WBEMEV_API bool wbemev_class_inherits_from(const wbemev_class_t *cls, const wbemev_class_t *ancestor);
/** True when cls is named `name` or derives from a class of that name (case-insensitive). */
WBEMEV_API bool wbemev_class_is_a(const wbemev_class_t *cls, const char *name);
/** True when cls derives from __Event (and so may be indicated). */
WBEMEV_API bool wbemev_class_is_event_class(const wbemev_class_t *cls);
/** True for the preloaded system classes (names starting with "__"). */
WBEMEV_API bool wbemev_class_is_system(const wbemev_class_t *cls);
/** True while the class is still defined in its namespace (false after delete_class). */
WBEMEV_API bool wbemev_class_is_defined(const wbemev_class_t *cls);
/** A small integer unique within the process, stable for the class's lifetime. */
WBEMEV_API uint32_t wbemev_class_id(const wbemev_class_t *cls);

/** Number of properties, inherited ones included (system properties not counted). */
WBEMEV_API size_t wbemev_class_property_count(const wbemev_class_t *cls);
/** Property number `index` (inherited first) into *out (its strings live as long as cls).
 * WBEMEV_E_INVALID_PARAMETER for NULL cls or out, or index >= wbemev_class_property_count(). */
WBEMEV_API wbemev_status wbemev_class_property_at(const wbemev_class_t *cls, size_t index,
                                                  wbemev_property_info *out);
/** Finds a property by name, case-insensitively. WBEMEV_E_NOT_FOUND when absent. */
WBEMEV_API wbemev_status wbemev_class_find_property(const wbemev_class_t *cls, const char *name,
                                                   wbemev_property_info *out);

/**
 * The class object (genus WBEMEV_GENUS_CLASS) of cls, borrowed: what GetObject("Class") returns on
 * Windows. Put on it sets the default values that new instances start with. Never frozen by the
 * library; freezing it (wbemev_object_freeze) makes the defaults final.
 */
WBEMEV_API wbemev_object_t *wbemev_class_object(wbemev_class_t *cls);

/**
 * Instances of this class alive now (spawned or cloned, not yet freed). Thread-safe; the contract
 * checker uses it to report leaks by class. A queued-delivery worker counts the events it frees in
 * batches, so while it works the figure may still include events it has just freed; once the
 * dispatcher is idle (wbemev_dispatcher_wait_idle) it is exact.
 */
WBEMEV_API size_t wbemev_class_live_instances(const wbemev_class_t *cls);

WBEMEV_END_DECLS

#endif /* WBEMEV_CLASS_H */
