/*
 * lib/model/object_put.c: Put, by name and through a handle. A fixed-size scalar of the property's
 * type is checked and stored inline; everything else goes through the general path, kept out of
 * line so the fast one has no big frame. Every check happens before the slot changes: a failed Put
 * changes nothing.
 */
#include "model/object_layout.h"

/* Embedded objects must exist and be of the property's ref_class (or a subclass). */
static wbemev_status check_embedded(const wbemev__prop *p, const wbemev_value *v)
{
    if (!WBEMEV_CIM_IS_ARRAY(p->type)) {
        if (v->u.object == NULL)
            return WBEMEV_E_INVALID_PARAMETER;
        return wbemev__class_ref_accepts(p, v->u.object->cls) ? WBEMEV_S_NO_ERROR
                                                              : WBEMEV_E_TYPE_MISMATCH;
    }
    wbemev_object_t *const *items = v->u.array.items;
    for (size_t i = 0; i < v->u.array.count; i++) {
        if (items[i] == NULL)
            return WBEMEV_E_INVALID_PARAMETER;
        if (!wbemev__class_ref_accepts(p, items[i]->cls))
            return WBEMEV_E_TYPE_MISMATCH;
    }
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status put_string(wbemev__slot *s, wbemev_cimtype type, const char *str)
{
    size_t len = strlen(str);
    if (len < WBEMEV__SSO_CAP) {
        char tmp[WBEMEV__SSO_CAP]; /* str may point into the storage slot_clear frees */
        memcpy(tmp, str, len + 1);
        slot_clear(s, type);
        memcpy(s->u.sso, tmp, len + 1);
    } else if (!s->is_null && s->storage != STORE_INLINE && s->u.str.cap > len) {
        memmove(s->u.str.ptr, str, len + 1); /* reuse: no allocation in steady state */
        s->u.str.len = len;
    } else {
        char *p = wbemev__malloc(len + 1);
        if (p == NULL)
            return WBEMEV_E_OUT_OF_MEMORY;
        memcpy(p, str, len + 1);
        slot_clear(s, type);
        s->u.str.ptr = p;
        s->u.str.len = len;
        s->u.str.cap = len + 1;
        s->storage = STORE_OWNED;
    }
    s->is_null = 0;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status put_array(wbemev__slot *s, wbemev_cimtype type, const wbemev_value *v)
{
    wbemev_cimtype base = WBEMEV_CIM_BASE(type);
    size_t count = v->u.array.count;
    if (count == 0) {
        slot_clear(s, type);
        slot_set_array(s, NULL, 0, 0, STORE_INLINE);
        return WBEMEV_S_NO_ERROR;
    }
    size_t elem = is_stringy(base) ? sizeof(char *) : wbemev_cimtype_element_size(base);
    if (count > SIZE_MAX / elem)
        return WBEMEV_E_OUT_OF_MEMORY;
    size_t bytes = count * elem;

    if (!is_stringy(base) && base != WBEMEV_CIM_OBJECT && !s->is_null &&
        s->storage != STORE_INLINE && s->u.arr.cap >= bytes) {
        memmove(s->u.arr.items, v->u.array.items, bytes); /* reuse: same element layout */
        s->u.arr.count = count;
        return WBEMEV_S_NO_ERROR;
    }

    const char *const *strs = v->u.array.items;
    if (is_stringy(base)) {
        for (size_t i = 0; i < count; i++) {
            size_t n = strlen(strs[i]) + 1;
            if (n > SIZE_MAX - bytes)
                return WBEMEV_E_OUT_OF_MEMORY;
            bytes += n;
        }
    }
    char *block = wbemev__malloc(bytes);
    if (block == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    if (base == WBEMEV_CIM_OBJECT) {
        wbemev_status st = wbemev__object_embed_refs(v->u.array.items, count, (wbemev_object_t **)(void *)block);
        if (WBEMEV_FAILED(st)) {
            wbemev__free(block);
            return st;
        }
    } else if (is_stringy(base)) {
        const char **to = (const char **)(void *)block;
        char *text = block + count * sizeof(char *);
        for (size_t i = 0; i < count; i++) {
            size_t n = strlen(strs[i]) + 1;
            memcpy(text, strs[i], n);
            to[i] = text;
            text += n;
        }
    } else {
        memcpy(block, v->u.array.items, bytes);
    }
    slot_clear(s, type);
    slot_set_array(s, block, count, bytes, STORE_OWNED);
    return WBEMEV_S_NO_ERROR;
}

/* Put into property `index`: every check happens before the slot changes. */
static wbemev_status put_value(wbemev_object_t *obj, uint32_t index, const wbemev_value *v)
{
    const wbemev__prop *p = &obj->cls->props[index];
    wbemev__slot *s = &obj->slots[index];
    if (v == NULL || v->is_null) {
        if (v != NULL && v->type != p->type && v->type != WBEMEV_CIM_EMPTY)
            return WBEMEV_E_TYPE_MISMATCH;
        slot_clear(s, p->type);
        return WBEMEV_S_NO_ERROR;
    }
    if (v->type != p->type)
        return WBEMEV_E_TYPE_MISMATCH;
    wbemev_cimtype base = WBEMEV_CIM_BASE(p->type);
    wbemev_status st;
    if (WBEMEV_FAILED(st = wbemev_value_validate(v)))
        return st;
    if (base == WBEMEV_CIM_OBJECT && WBEMEV_FAILED(st = check_embedded(p, v)))
        return st;
    if (WBEMEV_CIM_IS_ARRAY(p->type))
        return put_array(s, p->type, v);

    if (base != WBEMEV_CIM_OBJECT)
        return put_string(s, p->type, v->u.string); /* put_index stored every fixed-size scalar */
    wbemev_object_t *ref;
    if (WBEMEV_FAILED(st = wbemev__object_embed_ref(v->u.object, &ref)))
        return st;
    slot_clear(s, p->type);
    s->u.object = ref;
    s->is_null = 0;
    return WBEMEV_S_NO_ERROR;
}

/* The general Put, which keeps the heavy-slot count. Out of line, so the fast path below has no
 * frame of its own. */
static WBEMEV__NOINLINE wbemev_status put_general(wbemev_object_t *obj, uint32_t index, const wbemev_value *v)
{
    wbemev_cimtype type = obj->cls->props[index].type;
    wbemev__slot *s = &obj->slots[index];
    bool was = slot_heavy(s, type);
    wbemev_status st = put_value(obj, index, v);
    bool now = slot_heavy(s, type);
    if (now != was) {
        if (now)
            obj->heavy++;
        else
            obj->heavy--;
    }
    return st;
}

/* Put into property `index`. A non-NULL fixed-size scalar of the property's type is checked here
 * exactly as wbemev_value_validate checks it, and stored; everything else (NULL, another type,
 * strings, arrays, embedded objects) goes the general way, which keeps the heavy-slot count.
 * Inline in both Puts: through a handle, a Put is the handle check, the frozen check, the type
 * check and the store. */
static inline wbemev_status put_index(wbemev_object_t *obj, uint32_t index, const wbemev_value *v)
{
    wbemev_cimtype type = obj->cls->props[index].type;
    wbemev__slot *s = &obj->slots[index];
    if (v != NULL && !v->is_null && v->type == type) {
        switch (type) {
        case WBEMEV_CIM_SINT8:
        case WBEMEV_CIM_SINT16:
        case WBEMEV_CIM_SINT32:
        case WBEMEV_CIM_SINT64:
        case WBEMEV_CIM_UINT8:
        case WBEMEV_CIM_UINT16:
        case WBEMEV_CIM_UINT32:
        case WBEMEV_CIM_UINT64:
            if (!wbemev__int_in_range(type, v))
                return WBEMEV_E_VALUE_OUT_OF_RANGE;
            s->u.uint = v->u.uint; /* sint and uint share the bits */
            s->is_null = 0;
            return WBEMEV_S_NO_ERROR;
        case WBEMEV_CIM_REAL32:
            if (!wbemev__scalar_in_range(type, v))
                return WBEMEV_E_VALUE_OUT_OF_RANGE;
            s->u.real = (double)(float)v->u.real; /* keep real32 precision, as WMI stores a float */
            s->is_null = 0;
            return WBEMEV_S_NO_ERROR;
        case WBEMEV_CIM_REAL64:
            s->u.real = v->u.real;
            s->is_null = 0;
            return WBEMEV_S_NO_ERROR;
        case WBEMEV_CIM_BOOLEAN:
            s->u.boolean = v->u.boolean;
            s->is_null = 0;
            return WBEMEV_S_NO_ERROR;
        case WBEMEV_CIM_CHAR16:
            if (!wbemev__scalar_in_range(type, v))
                return WBEMEV_E_VALUE_OUT_OF_RANGE;
            s->u.char16 = v->u.char16;
            s->is_null = 0;
            return WBEMEV_S_NO_ERROR;
        case WBEMEV_CIM_DATETIME: {
            wbemev_status st = wbemev_datetime_validate(&v->u.datetime);
            if (WBEMEV_FAILED(st))
                return st;
            s->u.datetime = v->u.datetime;
            s->is_null = 0;
            return WBEMEV_S_NO_ERROR;
        }
        default:
            break;
        }
    }
    return put_general(obj, index, v);
}

wbemev_status wbemev_object_put(wbemev_object_t *obj, const char *name, const wbemev_value *value)
{
    if (obj == NULL || name == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (sys_prop_find(name) >= 0)
        return WBEMEV_E_READ_ONLY;
    if (is_frozen(obj))
        return wbemev__object_put_frozen(obj);
    int32_t i = wbemev__class_find_index(obj->cls, name);
    if (i < 0)
        return WBEMEV_E_NOT_FOUND;
    return put_index(obj, (uint32_t)i, value);
}

/* Put through a handle, every check in order; what the fast path below leaves. */
static WBEMEV__NOINLINE wbemev_status put_h_checked(wbemev_object_t *obj, wbemev_prop_handle handle,
                                                    const wbemev_value *value)
{
    if (obj == NULL || !handle_valid(obj, handle))
        return WBEMEV_E_INVALID_PARAMETER;
    if (is_frozen(obj))
        return wbemev__object_put_frozen(obj);
    return put_index(obj, handle.index, value);
}

/* A timestamp every month has (day 1..28): valid without the calendar; the rest is validated by
 * wbemev_datetime_validate. */
static inline bool datetime_plainly_valid(const wbemev_datetime *dt)
{
    return !dt->is_interval && dt->days == 0 && dt->year <= 9999 && dt->month >= 1 && dt->month <= 12 &&
           dt->day >= 1 && dt->day <= 28 && dt->hour <= 23 && dt->minute <= 59 && dt->second <= 59 &&
           dt->microseconds <= 999999 && dt->utc_offset >= -999 && dt->utc_offset <= 999;
}

/* A datetime is validated by a call: out here, so that the fast path makes only tail calls. */
static WBEMEV__NOINLINE wbemev_status put_datetime_slot(wbemev__slot *s, const wbemev_datetime *dt)
{
    wbemev_status st = wbemev_datetime_validate(dt);
    if (WBEMEV_FAILED(st))
        return st;
    s->u.datetime = *dt;
    s->is_null = 0;
    return WBEMEV_S_NO_ERROR;
}

/* The provider's per-event Put: a handle of obj's own class, an unfrozen object, a non-NULL
 * fixed-size scalar of the property's type. A leaf (no frame): the handle check, the frozen check,
 * the type check, the range check of the type and the store. Anything else, including every
 * refusal, takes put_h_checked, which checks again in the documented order. */
wbemev_status wbemev_object_put_h(wbemev_object_t *obj, wbemev_prop_handle handle,
                                  const wbemev_value *value)
{
    if (obj == NULL || value == NULL)
        return put_h_checked(obj, handle, value);
    const wbemev_class_t *cls = obj->cls;
    if (cls->id != handle.class_id || cls->depth != handle.depth || handle.index >= cls->prop_count ||
        is_frozen(obj) || value->is_null)
        return put_h_checked(obj, handle, value);
    wbemev_cimtype type = cls->props[handle.index].type;
    if (value->type != type)
        return put_h_checked(obj, handle, value);
    wbemev__slot *s = &obj->slots[handle.index];
    switch (type) {
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_SINT64:
    case WBEMEV_CIM_UINT8:
    case WBEMEV_CIM_UINT16:
    case WBEMEV_CIM_UINT32:
    case WBEMEV_CIM_UINT64:
        if (!wbemev__int_in_range(type, value))
            return WBEMEV_E_VALUE_OUT_OF_RANGE;
        s->u.uint = value->u.uint; /* sint and uint share the bits */
        s->is_null = 0;
        return WBEMEV_S_NO_ERROR;
    case WBEMEV_CIM_REAL64:
        s->u.real = value->u.real;
        s->is_null = 0;
        return WBEMEV_S_NO_ERROR;
    case WBEMEV_CIM_BOOLEAN:
        s->u.boolean = value->u.boolean;
        s->is_null = 0;
        return WBEMEV_S_NO_ERROR;
    case WBEMEV_CIM_DATETIME: {
        const wbemev_datetime *dt = &value->u.datetime;
        if (!datetime_plainly_valid(dt))
            return put_datetime_slot(s, dt);
        s->u.datetime = *dt;
        s->is_null = 0;
        return WBEMEV_S_NO_ERROR;
    }
    default:
        return put_h_checked(obj, handle, value); /* real32, char16, strings, arrays, objects */
    }
}

/* ---- typed Puts through a handle ---- */

/* The slot a typed Put of CIM type `type` may store into directly: obj's own class's handle, the
 * property of that type, obj not frozen. NULL: take wbemev_object_put_h, which checks in order. */
static inline wbemev__slot *typed_slot(wbemev_object_t *obj, wbemev_prop_handle h, wbemev_cimtype type)
{
    if (obj == NULL)
        return NULL;
    const wbemev_class_t *cls = obj->cls;
    if (cls->id != h.class_id || cls->depth != h.depth || h.index >= cls->prop_count ||
        cls->props[h.index].type != type || is_frozen(obj))
        return NULL;
    return &obj->slots[h.index];
}

/* A typed Put's other cases (another class's handle, another type, a frozen or NULL object): the
 * value through wbemev_object_put_h, which checks in order. Out of line, so that the fast paths
 * need no frame. */
#define PUT_TYPED_SLOW(name, ctype, member)                                                               \
    static WBEMEV__NOINLINE wbemev_status name(wbemev_object_t *obj, wbemev_prop_handle h, wbemev_cimtype cim, \
                                               ctype x)                                                   \
    {                                                                                                     \
        wbemev_value v;                                                                                   \
        memset(&v, 0, sizeof v);                                                                          \
        v.type = cim;                                                                                     \
        v.u.member = x;                                                                                   \
        return wbemev_object_put_h(obj, h, &v);                                                           \
    }
PUT_TYPED_SLOW(put_sint_slow, int64_t, sint)
PUT_TYPED_SLOW(put_uint_slow, uint64_t, uint)
PUT_TYPED_SLOW(put_real_slow, double, real)
PUT_TYPED_SLOW(put_boolean_slow, bool, boolean)
PUT_TYPED_SLOW(put_char16_slow, uint16_t, char16)
#undef PUT_TYPED_SLOW

/* The C type holds only the CIM type's values: no range check. */
#define PUT_TYPED_H(suffix, ctype, cim, member, stored)                                               \
    wbemev_status wbemev_object_put_##suffix##_h(wbemev_object_t *obj, wbemev_prop_handle h, ctype x) \
    {                                                                                              \
        wbemev__slot *s = typed_slot(obj, h, cim);                                                 \
        if (s == NULL)                                                                             \
            return put_##member##_slow(obj, h, cim, (stored)x);                                    \
        s->u.member = (stored)x;                                                                   \
        s->is_null = 0;                                                                            \
        return WBEMEV_S_NO_ERROR;                                                                  \
    }

PUT_TYPED_H(sint8, int8_t, WBEMEV_CIM_SINT8, sint, int64_t)
PUT_TYPED_H(uint8, uint8_t, WBEMEV_CIM_UINT8, uint, uint64_t)
PUT_TYPED_H(sint16, int16_t, WBEMEV_CIM_SINT16, sint, int64_t)
PUT_TYPED_H(uint16, uint16_t, WBEMEV_CIM_UINT16, uint, uint64_t)
PUT_TYPED_H(sint32, int32_t, WBEMEV_CIM_SINT32, sint, int64_t)
PUT_TYPED_H(uint32, uint32_t, WBEMEV_CIM_UINT32, uint, uint64_t)
PUT_TYPED_H(sint64, int64_t, WBEMEV_CIM_SINT64, sint, int64_t)
PUT_TYPED_H(uint64, uint64_t, WBEMEV_CIM_UINT64, uint, uint64_t)
PUT_TYPED_H(real32, float, WBEMEV_CIM_REAL32, real, double) /* a float is always in range */
PUT_TYPED_H(real64, double, WBEMEV_CIM_REAL64, real, double)
PUT_TYPED_H(boolean, bool, WBEMEV_CIM_BOOLEAN, boolean, bool)
#undef PUT_TYPED_H

/* Surrogates are refused: the general Put says so. */
wbemev_status wbemev_object_put_char16_h(wbemev_object_t *obj, wbemev_prop_handle h, uint16_t x)
{
    wbemev__slot *s = typed_slot(obj, h, WBEMEV_CIM_CHAR16);
    if (s == NULL || wbemev__is_surrogate(x))
        return put_char16_slow(obj, h, WBEMEV_CIM_CHAR16, x);
    s->u.char16 = x;
    s->is_null = 0;
    return WBEMEV_S_NO_ERROR;
}

/* wbemev_object_put_datetime_h's other cases, as put_sint_slow and its kin. */
static WBEMEV__NOINLINE wbemev_status put_datetime_slow(wbemev_object_t *obj, wbemev_prop_handle h,
                                                        const wbemev_datetime *x)
{
    wbemev_value v;
    memset(&v, 0, sizeof v);
    v.type = WBEMEV_CIM_DATETIME;
    v.is_null = x == NULL;
    if (x != NULL)
        v.u.datetime = *x;
    return wbemev_object_put_h(obj, h, &v);
}

/* NULL x sets the property to NULL, as a NULL value does. */
wbemev_status wbemev_object_put_datetime_h(wbemev_object_t *obj, wbemev_prop_handle h, const wbemev_datetime *x)
{
    wbemev__slot *s = x != NULL ? typed_slot(obj, h, WBEMEV_CIM_DATETIME) : NULL;
    if (s == NULL)
        return put_datetime_slow(obj, h, x);
    if (!datetime_plainly_valid(x))
        return put_datetime_slot(s, x);
    s->u.datetime = *x;
    s->is_null = 0;
    return WBEMEV_S_NO_ERROR;
}

/* NULL x sets the property to NULL. */
wbemev_status wbemev_object_put_string_h(wbemev_object_t *obj, wbemev_prop_handle h, const char *x)
{
    wbemev_value v;
    memset(&v, 0, sizeof v);
    v.type = WBEMEV_CIM_STRING;
    v.is_null = x == NULL;
    v.u.string = x;
    return wbemev_object_put_h(obj, h, &v);
}
