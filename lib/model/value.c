/*
 * lib/model/value.c: CIM types, value validation and array elements.
 */
#include "model/model.h"

/* ---- CIM types ---- */

typedef struct cimtype_info {
    wbemev_cimtype type;
    const char *name; /* MOF keyword */
    size_t element_size;
} cimtype_info;

static const cimtype_info cimtypes[] = {
    {WBEMEV_CIM_SINT8, "sint8", sizeof(int8_t)},
    {WBEMEV_CIM_UINT8, "uint8", sizeof(uint8_t)},
    {WBEMEV_CIM_SINT16, "sint16", sizeof(int16_t)},
    {WBEMEV_CIM_UINT16, "uint16", sizeof(uint16_t)},
    {WBEMEV_CIM_SINT32, "sint32", sizeof(int32_t)},
    {WBEMEV_CIM_UINT32, "uint32", sizeof(uint32_t)},
    {WBEMEV_CIM_SINT64, "sint64", sizeof(int64_t)},
    {WBEMEV_CIM_UINT64, "uint64", sizeof(uint64_t)},
    {WBEMEV_CIM_REAL32, "real32", sizeof(float)},
    {WBEMEV_CIM_REAL64, "real64", sizeof(double)},
    {WBEMEV_CIM_BOOLEAN, "boolean", sizeof(bool)},
    {WBEMEV_CIM_STRING, "string", sizeof(const char *)},
    {WBEMEV_CIM_DATETIME, "datetime", sizeof(wbemev_datetime)},
    {WBEMEV_CIM_REFERENCE, "reference", sizeof(const char *)},
    {WBEMEV_CIM_CHAR16, "char16", sizeof(uint16_t)},
    {WBEMEV_CIM_OBJECT, "object", sizeof(wbemev_object_t *)},
};

#define CIMTYPE_COUNT (sizeof cimtypes / sizeof cimtypes[0])

static const cimtype_info *cimtype_lookup(wbemev_cimtype type)
{
    /* Only the array flag may be set besides the base value (rejects e.g. 0x4000 | sint32). */
    unsigned t = (unsigned)type;
    unsigned base = t & ~(unsigned)WBEMEV_CIM_FLAG_ARRAY;
    for (size_t i = 0; i < CIMTYPE_COUNT; i++) {
        if ((unsigned)cimtypes[i].type == base)
            return &cimtypes[i];
    }
    return NULL;
}

bool wbemev_cimtype_is_valid(wbemev_cimtype type)
{
    return cimtype_lookup(type) != NULL;
}

const char *wbemev_cimtype_name(wbemev_cimtype type)
{
    const cimtype_info *info = cimtype_lookup(type);
    return info != NULL ? info->name : NULL;
}

wbemev_status wbemev_cimtype_from_name(const char *name, wbemev_cimtype *out)
{
    if (name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    /* "ref" is the keyword MOF uses in property declarations ("MyClass ref Target"). */
    if (wbemev__strcaseeq(name, "ref")) {
        *out = WBEMEV_CIM_REFERENCE;
        return WBEMEV_S_NO_ERROR;
    }
    for (size_t i = 0; i < CIMTYPE_COUNT; i++) {
        if (wbemev__strcaseeq(name, cimtypes[i].name)) {
            *out = cimtypes[i].type;
            return WBEMEV_S_NO_ERROR;
        }
    }
    return WBEMEV_E_INVALID_CIM_TYPE;
}

size_t wbemev_cimtype_element_size(wbemev_cimtype type)
{
    const cimtype_info *info = cimtype_lookup(type);
    return info != NULL ? info->element_size : 0;
}

/* ---- validation ---- */

static wbemev_status validate_string(const char *s)
{
    /* A NULL string is expressed with is_null, never with a NULL pointer. */
    return wbemev_utf8_is_valid(s) ? WBEMEV_S_NO_ERROR : WBEMEV_E_INVALID_PARAMETER;
}

static wbemev_status validate_scalar(const wbemev_value *v, wbemev_cimtype base)
{
    switch (base) {
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_UINT8:
    case WBEMEV_CIM_UINT16:
    case WBEMEV_CIM_UINT32:
    case WBEMEV_CIM_REAL32:
    case WBEMEV_CIM_CHAR16:
        return wbemev__scalar_in_range(base, v) ? WBEMEV_S_NO_ERROR : WBEMEV_E_VALUE_OUT_OF_RANGE;
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE:
        return validate_string(v->u.string);
    case WBEMEV_CIM_DATETIME:
        return wbemev_datetime_validate(&v->u.datetime);
    case WBEMEV_CIM_OBJECT:
        return v->u.object != NULL ? WBEMEV_S_NO_ERROR : WBEMEV_E_INVALID_PARAMETER;
    default:
        /* sint64, uint64, real64, boolean: every bit pattern of the union member is in range. */
        return WBEMEV_S_NO_ERROR;
    }
}

static wbemev_status validate_array(const wbemev_value *v, wbemev_cimtype base)
{
    size_t count = v->u.array.count;
    if (count == 0)
        return WBEMEV_S_NO_ERROR;
    if (v->u.array.items == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (count > SIZE_MAX / wbemev_cimtype_element_size(base))
        return WBEMEV_E_VALUE_OUT_OF_RANGE;
    /* Integer, real and boolean elements have exactly the C type of their width: always in range. */
    switch (base) {
    case WBEMEV_CIM_CHAR16: {
        const uint16_t *items = v->u.array.items;
        for (size_t i = 0; i < count; i++) {
            /* Each element is a UCS-2 value of its own, so any surrogate is a lone one. */
            if (wbemev__is_surrogate(items[i]))
                return WBEMEV_E_VALUE_OUT_OF_RANGE;
        }
        return WBEMEV_S_NO_ERROR;
    }
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE: {
        const char *const *items = v->u.array.items;
        for (size_t i = 0; i < count; i++) {
            if (!wbemev_utf8_is_valid(items[i]))
                return WBEMEV_E_INVALID_PARAMETER;
        }
        return WBEMEV_S_NO_ERROR;
    }
    case WBEMEV_CIM_DATETIME: {
        const wbemev_datetime *items = v->u.array.items;
        for (size_t i = 0; i < count; i++) {
            wbemev_status st = wbemev_datetime_validate(&items[i]);
            if (WBEMEV_FAILED(st))
                return st;
        }
        return WBEMEV_S_NO_ERROR;
    }
    case WBEMEV_CIM_OBJECT: {
        wbemev_object_t *const *items = v->u.array.items;
        for (size_t i = 0; i < count; i++) {
            if (items[i] == NULL)
                return WBEMEV_E_INVALID_PARAMETER;
        }
        return WBEMEV_S_NO_ERROR;
    }
    default:
        return WBEMEV_S_NO_ERROR;
    }
}

wbemev_status wbemev_value_validate(const wbemev_value *value)
{
    if (value == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (value->is_null)
        return value->type == WBEMEV_CIM_EMPTY || wbemev_cimtype_is_valid(value->type)
                   ? WBEMEV_S_NO_ERROR
                   : WBEMEV_E_INVALID_CIM_TYPE;
    if (!wbemev_cimtype_is_valid(value->type))
        return WBEMEV_E_INVALID_CIM_TYPE;
    wbemev_cimtype base = WBEMEV_CIM_BASE(value->type);
    if (WBEMEV_CIM_IS_ARRAY(value->type))
        return validate_array(value, base);
    return validate_scalar(value, base);
}

wbemev_status wbemev_value_array_element(const wbemev_value *value, size_t index, wbemev_value *out)
{
    if (out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    memset(out, 0, sizeof *out);
    out->is_null = true; /* what a failure leaves: writers given it fail on its EMPTY type */
    if (value == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (!wbemev_cimtype_is_valid(value->type))
        return WBEMEV_E_INVALID_CIM_TYPE;
    if (!WBEMEV_CIM_IS_ARRAY(value->type) || value->is_null || index >= value->u.array.count ||
        value->u.array.items == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    const void *items = value->u.array.items;
    wbemev_cimtype base = WBEMEV_CIM_BASE(value->type);
    out->is_null = false;
    out->type = base;
    switch (base) {
    case WBEMEV_CIM_SINT8: out->u.sint = ((const int8_t *)items)[index]; break;
    case WBEMEV_CIM_SINT16: out->u.sint = ((const int16_t *)items)[index]; break;
    case WBEMEV_CIM_SINT32: out->u.sint = ((const int32_t *)items)[index]; break;
    case WBEMEV_CIM_SINT64: out->u.sint = ((const int64_t *)items)[index]; break;
    case WBEMEV_CIM_UINT8: out->u.uint = ((const uint8_t *)items)[index]; break;
    case WBEMEV_CIM_UINT16: out->u.uint = ((const uint16_t *)items)[index]; break;
    case WBEMEV_CIM_UINT32: out->u.uint = ((const uint32_t *)items)[index]; break;
    case WBEMEV_CIM_UINT64: out->u.uint = ((const uint64_t *)items)[index]; break;
    case WBEMEV_CIM_REAL32: out->u.real = ((const float *)items)[index]; break;
    case WBEMEV_CIM_REAL64: out->u.real = ((const double *)items)[index]; break;
    case WBEMEV_CIM_BOOLEAN: out->u.boolean = ((const bool *)items)[index]; break;
    case WBEMEV_CIM_CHAR16: out->u.char16 = ((const uint16_t *)items)[index]; break;
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE: out->u.string = ((const char *const *)items)[index]; break;
    case WBEMEV_CIM_DATETIME: out->u.datetime = ((const wbemev_datetime *)items)[index]; break;
    case WBEMEV_CIM_OBJECT:
    default: /* object; no other type is valid here */
        out->u.object = ((wbemev_object_t *const *)items)[index];
        break;
    }
    return WBEMEV_S_NO_ERROR;
}
