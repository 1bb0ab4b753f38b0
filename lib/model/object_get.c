/*
 * lib/model/object_get.c: Get, by name and through a handle, the system properties (__CLASS, ...)
 * and property handles. Reads go through slot_at, so a projection view reads its base.
 */
#include "model/object_layout.h"

/* ---- system properties ---- */

/* System property names (read-only), in the order of enum sys_prop. */
enum sys_prop { SYS_CLASS, SYS_SUPERCLASS, SYS_DYNASTY, SYS_DERIVATION, SYS_GENUS, SYS_PROPERTY_COUNT };
static const char *const g_sys_names[] = {"__CLASS",      "__SUPERCLASS", "__DYNASTY",
                                          "__DERIVATION", "__GENUS",      "__PROPERTY_COUNT"};

int wbemev__object_sys_prop_lookup(const char *name)
{
    for (int i = 0; i < (int)(sizeof g_sys_names / sizeof g_sys_names[0]); i++)
        if (wbemev__strcaseeq(name, g_sys_names[i]))
            return i;
    return -1;
}

/* ---- Get ---- */

/* Fills *out in place: building the value in a local and copying it out made the compiler reload
 * the local's freshly stored halves as 16-byte words, a store-forwarding stall that cost more than
 * the rest of the Get. */
static inline void slot_get(const wbemev__slot *s, wbemev_cimtype type, wbemev_value *out)
{
    memset(out, 0, sizeof *out);
    out->type = type;
    out->is_null = s->is_null != 0;
    if (out->is_null)
        return;
    wbemev_cimtype base = WBEMEV_CIM_BASE(type);
    if (WBEMEV_CIM_IS_ARRAY(type)) {
        out->u.array.items = s->u.arr.items;
        out->u.array.count = s->u.arr.count;
    } else if (is_stringy(base)) {
        out->u.string = s->storage == STORE_INLINE ? s->u.sso : s->u.str.ptr;
    } else if (base == WBEMEV_CIM_OBJECT) {
        out->u.object = s->u.object;
    } else if (base == WBEMEV_CIM_DATETIME) {
        out->u.datetime = s->u.datetime;
    } else if (base == WBEMEV_CIM_REAL32 || base == WBEMEV_CIM_REAL64) {
        out->u.real = s->u.real;
    } else if (base == WBEMEV_CIM_BOOLEAN) {
        out->u.boolean = s->u.boolean;
    } else if (base == WBEMEV_CIM_CHAR16) {
        out->u.char16 = s->u.char16;
    } else {
        out->u.uint = s->u.uint; /* integers: sint and uint share the bits */
    }
}

static void sys_get(const wbemev_object_t *obj, int which, wbemev_value *out)
{
    const wbemev_class_t *cls = obj->cls;
    wbemev_value v;
    memset(&v, 0, sizeof v);
    v.type = WBEMEV_CIM_STRING;
    switch (which) {
    case SYS_CLASS:
        v.u.string = cls->name;
        break;
    case SYS_SUPERCLASS:
        v.is_null = cls->super == NULL;
        v.u.string = cls->super != NULL ? cls->super->name : NULL;
        break;
    case SYS_DYNASTY:
        v.u.string = cls->ancestors[0]->name;
        break;
    case SYS_DERIVATION:
        v.type = (wbemev_cimtype)(WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY);
        v.u.array.items = cls->derivation;
        v.u.array.count = cls->depth;
        break;
    case SYS_GENUS:
        v.type = WBEMEV_CIM_SINT32;
        v.u.sint = obj->genus;
        break;
    default: /* SYS_PROPERTY_COUNT */
        v.type = WBEMEV_CIM_SINT32;
        v.u.sint = cls->prop_count;
        break;
    }
    *out = v;
}

wbemev_status wbemev_object_get(const wbemev_object_t *obj, const char *name, wbemev_value *out)
{
    if (obj == NULL || name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    int32_t i = wbemev__class_find_index(obj->cls, name);
    if (i >= 0) {
        slot_get(slot_at(obj, (uint32_t)i), obj->cls->props[i].type, out);
        return WBEMEV_S_NO_ERROR;
    }
    int sys = sys_prop_find(name);
    if (sys < 0)
        return WBEMEV_E_NOT_FOUND;
    sys_get(obj, sys, out);
    return WBEMEV_S_NO_ERROR;
}

/* Get through a handle of a superclass, or of anything else: every check. */
static WBEMEV__NOINLINE wbemev_status get_h_checked(const wbemev_object_t *obj, wbemev_prop_handle handle,
                                                    wbemev_value *out)
{
    if (obj == NULL || out == NULL || !handle_valid(obj, handle))
        return WBEMEV_E_INVALID_PARAMETER;
    slot_get(slot_at(obj, handle.index), obj->cls->props[handle.index].type, out);
    return WBEMEV_S_NO_ERROR;
}

/* A consumer's per-event Get: the handle of the object's own class is checked on the class's own
 * fields, the rest takes get_h_checked. */
wbemev_status wbemev_object_get_h(const wbemev_object_t *obj, wbemev_prop_handle handle,
                                  wbemev_value *out)
{
    if (obj == NULL || out == NULL)
        return get_h_checked(obj, handle, out);
    const wbemev_class_t *cls = obj->cls;
    if (cls->id != handle.class_id || cls->depth != handle.depth || handle.index >= cls->prop_count)
        return get_h_checked(obj, handle, out);
    slot_get(slot_at(obj, handle.index), cls->props[handle.index].type, out);
    return WBEMEV_S_NO_ERROR;
}

int wbemev__object_get_bits_h(const wbemev_object_t *obj, wbemev_prop_handle handle, uint64_t *bits)
{
    if (!handle_valid(obj, handle))
        return -1;
    const wbemev__slot *s = slot_at(obj, handle.index);
    if (s->is_null)
        return 0;
    *bits = s->u.uint;
    return 1;
}

bool wbemev__object_get_bits_at(const wbemev_object_t *obj, uint32_t index, uint64_t *bits)
{
    const wbemev__slot *s = slot_at(obj, index);
    *bits = s->u.uint;
    return !s->is_null;
}

wbemev_status wbemev_object_property_handle(const wbemev_object_t *obj, const char *name,
                                            wbemev_prop_handle *out)
{
    if (obj == NULL || name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    int32_t i = wbemev__class_find_index(obj->cls, name);
    if (i < 0)
        return WBEMEV_E_NOT_FOUND;
    out->index = (uint32_t)i;
    out->class_id = obj->cls->id;
    out->depth = obj->cls->depth;
    out->type = (uint16_t)obj->cls->props[i].type;
    return WBEMEV_S_NO_ERROR;
}

bool wbemev_object_is_null(const wbemev_object_t *obj, const char *name)
{
    wbemev_value v;
    return WBEMEV_SUCCEEDED(wbemev_object_get(obj, name, &v)) && v.is_null;
}

/* ---- typed Gets through a handle ---- */

/* The slot a typed Get of CIM type `type` reads directly: obj's own class's handle, the property
 * of that type, not a view. NULL: take wbemev_object_get_h and check what it read. */
static inline const wbemev__slot *typed_slot(const wbemev_object_t *obj, wbemev_prop_handle h, wbemev_cimtype type)
{
    const wbemev_class_t *cls = obj->cls;
    if (cls->id != h.class_id || cls->depth != h.depth || h.index >= cls->prop_count ||
        cls->props[h.index].type != type || obj->view_of != NULL)
        return NULL;
    return &obj->slots[h.index];
}

/* The general way: wbemev_object_get_h, then the type and NULL checks of the typed Gets. */
static wbemev_status typed_get_checked(const wbemev_object_t *obj, wbemev_prop_handle h, wbemev_cimtype type,
                                       wbemev_value *v)
{
    wbemev_status st = wbemev_object_get_h(obj, h, v);
    if (WBEMEV_FAILED(st))
        return st;
    if (v->type != type)
        return WBEMEV_E_TYPE_MISMATCH;
    return v->is_null ? WBEMEV_E_ILLEGAL_NULL : WBEMEV_S_NO_ERROR;
}

/* Each typed Get: the fast path, then its other cases out of line (so the fast path needs no
 * frame) through typed_get_checked. */
#define GET_TYPED_H(suffix, ctype, cim, member, conv)                                                     \
    static WBEMEV__NOINLINE wbemev_status get_##suffix##_slow(const wbemev_object_t *obj, wbemev_prop_handle h, \
                                                              ctype *out)                                 \
    {                                                                                                     \
        wbemev_value v;                                                                                   \
        wbemev_status st = typed_get_checked(obj, h, cim, &v);                                            \
        if (WBEMEV_SUCCEEDED(st))                                                                         \
            *out = conv v.u.member;                                                                       \
        return st;                                                                                        \
    }                                                                                                     \
    wbemev_status wbemev_object_get_##suffix##_h(const wbemev_object_t *obj, wbemev_prop_handle h, ctype *out) \
    {                                                                                                     \
        if (obj == NULL || out == NULL)                                                                   \
            return WBEMEV_E_INVALID_PARAMETER;                                                            \
        const wbemev__slot *s = typed_slot(obj, h, cim);                                                  \
        if (s == NULL)                                                                                    \
            return get_##suffix##_slow(obj, h, out);                                                      \
        if (s->is_null)                                                                                   \
            return WBEMEV_E_ILLEGAL_NULL;                                                                 \
        *out = conv s->u.member;                                                                          \
        return WBEMEV_S_NO_ERROR;                                                                         \
    }

GET_TYPED_H(sint8, int8_t, WBEMEV_CIM_SINT8, sint, (int8_t))
GET_TYPED_H(uint8, uint8_t, WBEMEV_CIM_UINT8, uint, (uint8_t))
GET_TYPED_H(sint16, int16_t, WBEMEV_CIM_SINT16, sint, (int16_t))
GET_TYPED_H(uint16, uint16_t, WBEMEV_CIM_UINT16, uint, (uint16_t))
GET_TYPED_H(sint32, int32_t, WBEMEV_CIM_SINT32, sint, (int32_t))
GET_TYPED_H(uint32, uint32_t, WBEMEV_CIM_UINT32, uint, (uint32_t))
GET_TYPED_H(sint64, int64_t, WBEMEV_CIM_SINT64, sint, (int64_t))
GET_TYPED_H(uint64, uint64_t, WBEMEV_CIM_UINT64, uint, (uint64_t))
GET_TYPED_H(real32, float, WBEMEV_CIM_REAL32, real, (float))
GET_TYPED_H(real64, double, WBEMEV_CIM_REAL64, real, (double))
GET_TYPED_H(boolean, bool, WBEMEV_CIM_BOOLEAN, boolean, (bool))
GET_TYPED_H(char16, uint16_t, WBEMEV_CIM_CHAR16, char16, (uint16_t))
GET_TYPED_H(datetime, wbemev_datetime, WBEMEV_CIM_DATETIME, datetime, )
#undef GET_TYPED_H

static WBEMEV__NOINLINE wbemev_status get_string_slow(const wbemev_object_t *obj, wbemev_prop_handle h,
                                                      const char **out)
{
    wbemev_value v;
    wbemev_status st = typed_get_checked(obj, h, WBEMEV_CIM_STRING, &v);
    if (WBEMEV_SUCCEEDED(st))
        *out = v.u.string;
    return st;
}

wbemev_status wbemev_object_get_string_h(const wbemev_object_t *obj, wbemev_prop_handle h, const char **out)
{
    if (obj == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    const wbemev__slot *s = typed_slot(obj, h, WBEMEV_CIM_STRING);
    if (s == NULL)
        return get_string_slow(obj, h, out);
    if (s->is_null)
        return WBEMEV_E_ILLEGAL_NULL;
    *out = s->storage == STORE_INLINE ? s->u.sso : s->u.str.ptr;
    return WBEMEV_S_NO_ERROR;
}
