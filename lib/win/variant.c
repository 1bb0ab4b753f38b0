/*
 * lib/win/variant.c: wbemev values as the VARIANTs a Windows Put uses (docs/contract.md#cim-types).
 *
 *   sint8 VT_I2     uint8 VT_UI1    sint16 VT_I2      uint16 VT_I4     sint32 VT_I4   uint32 VT_I4
 *   sint64 and uint64 VT_BSTR (decimal)   real32 VT_R4   real64 VT_R8   boolean VT_BOOL (-1/0)
 *   string VT_BSTR   datetime VT_BSTR (DMTF)   reference VT_BSTR (path)   char16 VT_I2
 *   object VT_UNKNOWN (an IWbemClassObject instance)   arrays VT_ARRAY | the element's type
 */
#include "win-int.h"

/* The VARTYPE of one value (or array element) of a base CIM type; VT_EMPTY when invalid. */
static VARTYPE element_vt(wbemev_cimtype base)
{
    switch (base) {
    case WBEMEV_CIM_SINT8: return VT_I2;
    case WBEMEV_CIM_UINT8: return VT_UI1;
    case WBEMEV_CIM_SINT16: return VT_I2;
    case WBEMEV_CIM_UINT16: return VT_I4;
    case WBEMEV_CIM_SINT32: return VT_I4;
    case WBEMEV_CIM_UINT32: return VT_I4;
    case WBEMEV_CIM_SINT64: return VT_BSTR;
    case WBEMEV_CIM_UINT64: return VT_BSTR;
    case WBEMEV_CIM_REAL32: return VT_R4;
    case WBEMEV_CIM_REAL64: return VT_R8;
    case WBEMEV_CIM_BOOLEAN: return VT_BOOL;
    case WBEMEV_CIM_STRING: return VT_BSTR;
    case WBEMEV_CIM_DATETIME: return VT_BSTR;
    case WBEMEV_CIM_REFERENCE: return VT_BSTR;
    case WBEMEV_CIM_CHAR16: return VT_I2;
    case WBEMEV_CIM_OBJECT: return VT_UNKNOWN;
    default: return VT_EMPTY;
    }
}

struct object_converter {
    wbemev__win_object_fn fn;
    void *ctx;
};

/* One scalar (the base type's member of `v`) into the element storage `slot` of type element_vt. */
static HRESULT convert_scalar(wbemev_cimtype base, const wbemev_value *v,
                              const struct object_converter *conv, void *slot)
{
    HRESULT hr;
    switch (base) {
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16: *(SHORT *)slot = (SHORT)v->u.sint; return S_OK;
    case WBEMEV_CIM_UINT8: *(BYTE *)slot = (BYTE)v->u.uint; return S_OK;
    case WBEMEV_CIM_UINT16: *(LONG *)slot = (LONG)v->u.uint; return S_OK;
    case WBEMEV_CIM_SINT32: *(LONG *)slot = (LONG)v->u.sint; return S_OK;
    /* uint32 travels as VT_I4: values past INT32_MAX keep their bits (WMI reads them back). */
    case WBEMEV_CIM_UINT32: *(LONG *)slot = (LONG)(ULONG)v->u.uint; return S_OK;
    case WBEMEV_CIM_REAL32: *(FLOAT *)slot = (FLOAT)v->u.real; return S_OK;
    case WBEMEV_CIM_REAL64: *(DOUBLE *)slot = v->u.real; return S_OK;
    case WBEMEV_CIM_BOOLEAN: *(VARIANT_BOOL *)slot = v->u.boolean ? VARIANT_TRUE : VARIANT_FALSE; return S_OK;
    case WBEMEV_CIM_CHAR16: *(SHORT *)slot = (SHORT)v->u.char16; return S_OK;
    case WBEMEV_CIM_SINT64:
    case WBEMEV_CIM_UINT64: {
        BSTR b = base == WBEMEV_CIM_SINT64 ? wbemev__win_bstr_i64(v->u.sint) : wbemev__win_bstr_u64(v->u.uint);
        if (b == NULL)
            return E_OUTOFMEMORY;
        *(BSTR *)slot = b;
        return S_OK;
    }
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE:
        if (v->u.string == NULL)
            return (HRESULT)WBEM_E_INVALID_PARAMETER;
        return wbemev_win_utf8_to_bstr(v->u.string, (BSTR *)slot);
    case WBEMEV_CIM_DATETIME: {
        char text[WBEMEV_DATETIME_LEN + 1];
        wbemev_status s = wbemev_datetime_format(&v->u.datetime, text, sizeof text);
        if (WBEMEV_FAILED(s))
            return s;
        return wbemev_win_utf8_to_bstr(text, (BSTR *)slot);
    }
    case WBEMEV_CIM_OBJECT: {
        if (v->u.object == NULL) {
            *(IUnknown **)slot = NULL;
            return S_OK;
        }
        if (conv == NULL || conv->fn == NULL)
            return (HRESULT)WBEM_E_NOT_SUPPORTED;
        IWbemClassObject *inst = NULL;
        hr = conv->fn(conv->ctx, v->u.object, &inst);
        if (FAILED(hr))
            return hr;
        *(IUnknown **)slot = (IUnknown *)inst;
        return S_OK;
    }
    default: return (HRESULT)WBEM_E_INVALID_CIM_TYPE;
    }
}

static HRESULT convert_array(wbemev_cimtype base, VARTYPE vt, const wbemev_value *value,
                             const struct object_converter *conv, VARIANT *out)
{
    size_t count = value->u.array.count;
    if (count > 0 && value->u.array.items == NULL)
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    if (count > 0x7fffffff)
        return (HRESULT)WBEM_E_VALUE_OUT_OF_RANGE;
    SAFEARRAY *sa = SafeArrayCreateVector(vt, 0, (ULONG)count);
    if (sa == NULL)
        return E_OUTOFMEMORY;
    char *data = NULL;
    HRESULT hr = SafeArrayAccessData(sa, (void **)&data);
    if (FAILED(hr)) {
        SafeArrayDestroy(sa);
        return hr;
    }
    UINT size = SafeArrayGetElemsize(sa);
    for (size_t i = 0; i < count && SUCCEEDED(hr); i++) {
        wbemev_value e;
        (void)wbemev_value_array_element(value, i, &e); /* checked above */
        hr = convert_scalar(base, &e, conv, data + i * size);
    }
    SafeArrayUnaccessData(sa);
    if (FAILED(hr)) {
        SafeArrayDestroy(sa); /* frees the BSTRs and releases the objects already stored */
        return hr;
    }
    V_VT(out) = (VARTYPE)(VT_ARRAY | vt);
    V_ARRAY(out) = sa;
    return S_OK;
}

HRESULT wbemev__win_variant_from_value(const wbemev_value *value, wbemev__win_object_fn object_fn,
                                       void *ctx, VARIANT *out)
{
    if (value == NULL || out == NULL)
        return E_POINTER;
    wbemev_cimtype base = WBEMEV_CIM_BASE(value->type);
    if (value->is_null) {
        VariantInit(out);
        V_VT(out) = VT_NULL;
        return S_OK;
    }
    VARTYPE vt = element_vt(base);
    if (vt == VT_EMPTY)
        return (HRESULT)WBEM_E_INVALID_CIM_TYPE;
    struct object_converter conv = {object_fn, ctx};
    VARIANT v;
    VariantInit(&v);
    HRESULT hr;
    if (WBEMEV_CIM_IS_ARRAY(value->type)) {
        hr = convert_array(base, vt, value, &conv, &v);
    } else {
        hr = convert_scalar(base, value, &conv, &V_I4(&v)); /* the union's start */
        if (SUCCEEDED(hr))
            V_VT(&v) = vt;
    }
    if (FAILED(hr))
        return hr;
    *out = v;
    return S_OK;
}

HRESULT wbemev_win_variant_from_value(const wbemev_value *value, VARIANT *out)
{
    return wbemev__win_variant_from_value(value, NULL, NULL, out);
}
