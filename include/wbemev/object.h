/*
 * wbemev/object.h: event objects (instances) with typed CIM properties.
 *
 * Ownership:
 *  1. Every object starts with one reference, owned by its creator. wbemev_object_add_ref returns its
 *     argument; wbemev_object_release frees the object when the count reaches 0. Counts are atomic:
 *     add_ref and release may be called from any thread.
 *  2. Indicate borrows the array and the objects in it. A receiver that keeps an object past the
 *     call must add_ref it.
 *  3. An object becomes immutable once indicated (freeze-on-indicate), so the dispatcher can share one
 *     object with every consumer and queue without copying. Put on a frozen object fails with
 *     WBEMEV_E_READ_ONLY (and is a contract violation); wbemev_object_clone of a frozen object gives
 *     a mutable copy. Send one unique object per event: spawn or clone one for each.
 *  4. Put copies strings and arrays. An embedded object value is copied as WMI does (a clone), unless
 *     it is frozen, in which case it is shared by reference.
 *  5. Get fills a wbemev_value that points into the object: valid while you hold a reference and do
 *     not Put that property again.
 *
 * Thread-safety: an unfrozen object belongs to one thread at a time (Put and Get are not locked).
 * A frozen object may be read (Get, clone, add_ref, release) from any number of threads at once.
 *
 * System properties: __CLASS, __SUPERCLASS, __DYNASTY (strings), __DERIVATION (string array),
 * __GENUS (sint32: 1 class, 2 instance) and __PROPERTY_COUNT (sint32) can be read with Get and are
 * read-only: Put gives WBEMEV_E_READ_ONLY.
 */
#ifndef WBEMEV_OBJECT_H
#define WBEMEV_OBJECT_H

#include "class.h"

WBEMEV_BEGIN_DECLS

/** WBEM_GENUS_TYPE: what an object is. */
typedef enum wbemev_genus { WBEMEV_GENUS_CLASS = 1, WBEMEV_GENUS_INSTANCE = 2 } wbemev_genus;

/**
 * Makes a new instance of cls, every property at the class's default (NULL unless set on the class
 * object). WBEMEV_E_INVALID_PARAMETER for NULL arguments, WBEMEV_E_INVALID_OPERATION for an abstract
 * system class (__Event, __InstanceOperationEvent), WBEMEV_E_OUT_OF_MEMORY.
 */
WBEMEV_API wbemev_status wbemev_class_spawn_instance(wbemev_class_t *cls, wbemev_object_t **out);

/** SpawnInstance on a class object (genus 1); WBEMEV_E_INVALID_OPERATION on an instance. */
WBEMEV_API wbemev_status wbemev_object_spawn_instance(wbemev_object_t *class_object,
                                                      wbemev_object_t **out);

/**
 * A complete, mutable copy of obj with one reference: same genus, same values. The suggested
 * pattern for bursts: spawn one template, clone it for each event.
 */
WBEMEV_API wbemev_status wbemev_object_clone(const wbemev_object_t *obj, wbemev_object_t **out);

/** Adds a reference to obj and returns it (rule 1). Thread-safe. */
WBEMEV_API wbemev_object_t *wbemev_object_add_ref(wbemev_object_t *obj);
/** Drops a reference; the object is freed at 0 (rule 1). NULL is ignored. Thread-safe. */
WBEMEV_API void wbemev_object_release(wbemev_object_t *obj);

/** The object's class (borrowed). */
WBEMEV_API wbemev_class_t *wbemev_object_class(const wbemev_object_t *obj);
/** The object's class name (borrowed). */
WBEMEV_API const char *wbemev_object_class_name(const wbemev_object_t *obj);
/** Whether obj is a class object or an instance. */
WBEMEV_API wbemev_genus wbemev_object_genus(const wbemev_object_t *obj);

/** Makes obj immutable (idempotent). Indicate does this to every object it is given. */
WBEMEV_API void wbemev_object_freeze(wbemev_object_t *obj);
/** True once obj is immutable (indicated, or frozen with wbemev_object_freeze()). */
WBEMEV_API bool wbemev_object_is_frozen(const wbemev_object_t *obj);

/**
 * Says that a consumer keeps the event obj past its Indicate (`held` true: a recording sink, a
 * queue of the consumer's own), or has let go of it (`held` false, before its reference is
 * released). At shutdown the dispatcher reports instances still alive as leaked
 * (OBJECTS_LEAKED) only beyond those consumers hold. Pair each true with one false. NULL and class
 * objects are ignored. Thread-safe.
 */
WBEMEV_API void wbemev_object_note_held(wbemev_object_t *obj, bool held);

/**
 * Sets property `name` (case-insensitive) to *value, or to NULL when value is NULL or value->is_null.
 * The value's type must be the property's CIM type exactly (no conversions), except that a NULL
 * value of type WBEMEV_CIM_EMPTY fits any property.
 *
 * WBEMEV_E_INVALID_PARAMETER: NULL obj or name, invalid UTF-8, bad array; WBEMEV_E_NOT_FOUND:
 * unknown property; WBEMEV_E_READ_ONLY: a system property, or obj is frozen; WBEMEV_E_TYPE_MISMATCH:
 * another CIM type, or an embedded object not of the property's ref_class;
 * WBEMEV_E_VALUE_OUT_OF_RANGE: an integer outside its width; WBEMEV_E_OUT_OF_MEMORY.
 * A failed Put changes nothing.
 */
WBEMEV_API wbemev_status wbemev_object_put(wbemev_object_t *obj, const char *name,
                                           const wbemev_value *value);

/**
 * Reads property `name` (case-insensitive), system properties included, into *out (see rule 5).
 * A NULL property gives is_null with the property's type. WBEMEV_E_NOT_FOUND when unknown.
 */
WBEMEV_API wbemev_status wbemev_object_get(const wbemev_object_t *obj, const char *name,
                                           wbemev_value *out);

/**
 * A property handle for `name` on obj's class; works for that class's subclasses too.
 * WBEMEV_E_NOT_FOUND for unknown or system properties.
 */
WBEMEV_API wbemev_status wbemev_object_property_handle(const wbemev_object_t *obj, const char *name,
                                                       wbemev_prop_handle *out);

/** Put through a handle: as wbemev_object_put, and WBEMEV_E_INVALID_PARAMETER when the handle does
 * not belong to obj's class or one of its superclasses. */
WBEMEV_API wbemev_status wbemev_object_put_h(wbemev_object_t *obj, wbemev_prop_handle handle,
                                             const wbemev_value *value);
/**
 * Typed Puts through a handle, for a provider's per-event loop (what IWbemObjectAccess's WriteDWORD,
 * WriteQWORD and WritePropertyValue are in WMI): each is wbemev_object_put_h with a non-NULL value
 * of its CIM type, with the same statuses in the same order (WBEMEV_E_INVALID_PARAMETER for a NULL
 * obj or a handle of another class, WBEMEV_E_READ_ONLY when obj is frozen, WBEMEV_E_TYPE_MISMATCH
 * when the property has another type), and the same outcome. The C type holds only values of the
 * CIM type's range, so a Put of the property's own type is a handle check, a type check and a
 * store; char16 still refuses a UTF-16 surrogate (WBEMEV_E_VALUE_OUT_OF_RANGE), a datetime is
 * validated (wbemev_datetime_validate), a string copied as by wbemev_object_put_h. A NULL datetime
 * or string pointer sets the property to NULL.
 * Thread safety: as wbemev_object_put_h (one writer per object, before it is indicated).
 */
WBEMEV_API wbemev_status wbemev_object_put_sint8_h(wbemev_object_t *obj, wbemev_prop_handle h, int8_t x);
/** The typed Put of a uint8 property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_uint8_h(wbemev_object_t *obj, wbemev_prop_handle h, uint8_t x);
/** The typed Put of a sint16 property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_sint16_h(wbemev_object_t *obj, wbemev_prop_handle h, int16_t x);
/** The typed Put of a uint16 property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_uint16_h(wbemev_object_t *obj, wbemev_prop_handle h, uint16_t x);
/** The typed Put of a sint32 property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_sint32_h(wbemev_object_t *obj, wbemev_prop_handle h, int32_t x);
/** The typed Put of a uint32 property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_uint32_h(wbemev_object_t *obj, wbemev_prop_handle h, uint32_t x);
/** The typed Put of a sint64 property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_sint64_h(wbemev_object_t *obj, wbemev_prop_handle h, int64_t x);
/** The typed Put of a uint64 property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_uint64_h(wbemev_object_t *obj, wbemev_prop_handle h, uint64_t x);
/** The typed Put of a real32 property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_real32_h(wbemev_object_t *obj, wbemev_prop_handle h, float x);
/** The typed Put of a real64 property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_real64_h(wbemev_object_t *obj, wbemev_prop_handle h, double x);
/** The typed Put of a boolean property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_boolean_h(wbemev_object_t *obj, wbemev_prop_handle h, bool x);
/** The typed Put of a char16 property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_char16_h(wbemev_object_t *obj, wbemev_prop_handle h, uint16_t x);
/** The typed Put of a datetime property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_datetime_h(wbemev_object_t *obj, wbemev_prop_handle h,
                                                      const wbemev_datetime *x);
/** The typed Put of a string property through a handle, as wbemev_object_put_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_put_string_h(wbemev_object_t *obj, wbemev_prop_handle h, const char *x);

/** Get through a handle: as wbemev_object_get. */
WBEMEV_API wbemev_status wbemev_object_get_h(const wbemev_object_t *obj, wbemev_prop_handle handle,
                                             wbemev_value *out);
/**
 * Typed Gets through a handle, for a consumer's per-event read (IWbemObjectAccess's ReadDWORD and
 * ReadQWORD in WMI): WBEMEV_E_INVALID_PARAMETER for a NULL obj or out, or a handle of another
 * class (as wbemev_object_get_h); WBEMEV_E_TYPE_MISMATCH when the property has another CIM type;
 * WBEMEV_E_ILLEGAL_NULL when it is NULL. *out is written only on success; a string is borrowed
 * from obj (valid while obj is). Thread safety: as wbemev_object_get_h (any number of readers of a
 * frozen object).
 */
WBEMEV_API wbemev_status wbemev_object_get_sint8_h(const wbemev_object_t *obj, wbemev_prop_handle h, int8_t *out);
/** The typed Get of a uint8 property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_uint8_h(const wbemev_object_t *obj, wbemev_prop_handle h, uint8_t *out);
/** The typed Get of a sint16 property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_sint16_h(const wbemev_object_t *obj, wbemev_prop_handle h, int16_t *out);
/** The typed Get of a uint16 property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_uint16_h(const wbemev_object_t *obj, wbemev_prop_handle h, uint16_t *out);
/** The typed Get of a sint32 property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_sint32_h(const wbemev_object_t *obj, wbemev_prop_handle h, int32_t *out);
/** The typed Get of a uint32 property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_uint32_h(const wbemev_object_t *obj, wbemev_prop_handle h, uint32_t *out);
/** The typed Get of a sint64 property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_sint64_h(const wbemev_object_t *obj, wbemev_prop_handle h, int64_t *out);
/** The typed Get of a uint64 property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_uint64_h(const wbemev_object_t *obj, wbemev_prop_handle h, uint64_t *out);
/** The typed Get of a real32 property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_real32_h(const wbemev_object_t *obj, wbemev_prop_handle h, float *out);
/** The typed Get of a real64 property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_real64_h(const wbemev_object_t *obj, wbemev_prop_handle h, double *out);
/** The typed Get of a boolean property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_boolean_h(const wbemev_object_t *obj, wbemev_prop_handle h, bool *out);
/** The typed Get of a char16 property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_char16_h(const wbemev_object_t *obj, wbemev_prop_handle h, uint16_t *out);
/** The typed Get of a datetime property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_datetime_h(const wbemev_object_t *obj, wbemev_prop_handle h,
                                                      wbemev_datetime *out);
/** The typed Get of a string property through a handle, as wbemev_object_get_sint8_h says. */
WBEMEV_API wbemev_status wbemev_object_get_string_h(const wbemev_object_t *obj, wbemev_prop_handle h,
                                                    const char **out);

/** True when the property exists and is NULL (a missing property gives false). */
WBEMEV_API bool wbemev_object_is_null(const wbemev_object_t *obj, const char *name);

/*
 * Typed helpers: one Put and one Get per CIM scalar type, by name. Get fails with
 * WBEMEV_E_TYPE_MISMATCH when the property has another type and WBEMEV_E_ILLEGAL_NULL when it is
 * NULL (use wbemev_object_is_null first when NULL is expected).
 */
#define WBEMEV__TYPED(suffix, ctype, cim, member, conv)                                                \
    static inline wbemev_status wbemev_object_put_##suffix(wbemev_object_t *obj, const char *name,  \
                                                           ctype x)                                 \
    {                                                                                              \
        wbemev_value v;                                                                            \
        v.type = cim;                                                                              \
        v.is_null = false;                                                                         \
        v.u.member = x;                                                                            \
        return wbemev_object_put(obj, name, &v);                                                   \
    }                                                                                              \
    static inline wbemev_status wbemev_object_get_##suffix(const wbemev_object_t *obj,              \
                                                           const char *name, ctype *out)            \
    {                                                                                              \
        wbemev_value v;                                                                            \
        wbemev_status s = wbemev_object_get(obj, name, &v);                                        \
        if (WBEMEV_FAILED(s))                                                                      \
            return s;                                                                              \
        if (v.type != (cim))                                                                       \
            return WBEMEV_E_TYPE_MISMATCH;                                                         \
        if (v.is_null)                                                                             \
            return WBEMEV_E_ILLEGAL_NULL;                                                          \
        if (out == NULL)                                                                           \
            return WBEMEV_E_INVALID_PARAMETER;                                                     \
        *out = conv v.u.member;                                                                     \
        return WBEMEV_S_NO_ERROR;                                                                  \
    }

WBEMEV__TYPED(sint8, int8_t, WBEMEV_CIM_SINT8, sint, (int8_t))
WBEMEV__TYPED(uint8, uint8_t, WBEMEV_CIM_UINT8, uint, (uint8_t))
WBEMEV__TYPED(sint16, int16_t, WBEMEV_CIM_SINT16, sint, (int16_t))
WBEMEV__TYPED(uint16, uint16_t, WBEMEV_CIM_UINT16, uint, (uint16_t))
WBEMEV__TYPED(sint32, int32_t, WBEMEV_CIM_SINT32, sint, (int32_t))
WBEMEV__TYPED(uint32, uint32_t, WBEMEV_CIM_UINT32, uint, (uint32_t))
WBEMEV__TYPED(sint64, int64_t, WBEMEV_CIM_SINT64, sint, (int64_t))
WBEMEV__TYPED(uint64, uint64_t, WBEMEV_CIM_UINT64, uint, (uint64_t))
WBEMEV__TYPED(real32, float, WBEMEV_CIM_REAL32, real, (float))
WBEMEV__TYPED(real64, double, WBEMEV_CIM_REAL64, real, (double))
WBEMEV__TYPED(boolean, bool, WBEMEV_CIM_BOOLEAN, boolean, (bool))
WBEMEV__TYPED(char16, uint16_t, WBEMEV_CIM_CHAR16, char16, (uint16_t))
WBEMEV__TYPED(string, const char *, WBEMEV_CIM_STRING, string, )
WBEMEV__TYPED(reference, const char *, WBEMEV_CIM_REFERENCE, string, )
WBEMEV__TYPED(datetime, wbemev_datetime, WBEMEV_CIM_DATETIME, datetime, )
WBEMEV__TYPED(object, wbemev_object_t *, WBEMEV_CIM_OBJECT, object, )
#undef WBEMEV__TYPED

WBEMEV_END_DECLS

#endif /* WBEMEV_OBJECT_H */
