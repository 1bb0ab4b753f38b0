/*
 * tests/win/fake_wbem.c: the COM test doubles (see fake_wbem.h).
 */
#include "fake_wbem.h"

#include <stdlib.h>
#include <string.h>

static LONG live_instances;

LONG fake_live_instances(void)
{
    return InterlockedCompareExchange(&live_instances, 0, 0);
}

static void widen(WCHAR *dst, const char *src)
{
    size_t i = 0;
    for (; src[i] != 0 && i + 1 < FAKE_MAX_NAME; i++)
        dst[i] = (WCHAR)(unsigned char)src[i];
    dst[i] = 0;
}

/* ---- class objects and instances ---- */

static const IWbemClassObjectVtbl fake_object_vtbl;

static inline struct fake_object *impl_from_IWbemClassObject(IWbemClassObject *iface)
{
    return CONTAINING_RECORD(iface, struct fake_object, IWbemClassObject_iface);
}

struct fake_object *fake_object_from(IUnknown *unk)
{
    if (unk == NULL || ((IWbemClassObject *)unk)->lpVtbl != &fake_object_vtbl)
        return NULL;
    return impl_from_IWbemClassObject((IWbemClassObject *)unk);
}

LONG fake_object_refs(const struct fake_object *obj)
{
    return InterlockedCompareExchange((LONG *)&obj->refs, 0, 0);
}

const struct fake_put *fake_find_put(const struct fake_object *inst, const WCHAR *name)
{
    for (size_t i = 0; i < inst->put_count; i++) {
        if (_wcsicmp(inst->puts[i].name, name) == 0)
            return &inst->puts[i];
    }
    return NULL;
}

static struct fake_object *fake_object_alloc(void)
{
    struct fake_object *o = calloc(1, sizeof *o);
    if (o == NULL)
        abort();
    o->IWbemClassObject_iface.lpVtbl = &fake_object_vtbl;
    o->refs = 1;
    return o;
}

struct fake_object *fake_class_new(const char *name, const char *const *props, size_t count)
{
    struct fake_object *c = fake_object_alloc();
    c->is_class = true;
    widen(c->class_name, name);
    for (size_t i = 0; i < count && i < FAKE_MAX_PROPS; i++)
        widen(c->props[i], props[i]);
    c->prop_count = count;
    return c;
}

void fake_class_fail_puts(struct fake_object *cls, HRESULT hr)
{
    cls->put_result = hr;
}

static HRESULT WINAPI fake_object_QueryInterface(IWbemClassObject *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IWbemClassObject)) {
        *ppv = iface;
        IWbemClassObject_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI fake_object_AddRef(IWbemClassObject *iface)
{
    return (ULONG)InterlockedIncrement(&impl_from_IWbemClassObject(iface)->refs);
}

static ULONG WINAPI fake_object_Release(IWbemClassObject *iface)
{
    struct fake_object *o = impl_from_IWbemClassObject(iface);
    LONG refs = InterlockedDecrement(&o->refs);
    if (refs == 0) {
        for (size_t i = 0; i < o->put_count; i++)
            VariantClear(&o->puts[i].value);
        if (o->cls != NULL) {
            IWbemClassObject_Release(&o->cls->IWbemClassObject_iface);
            InterlockedDecrement(&live_instances);
        }
        free(o);
    }
    return (ULONG)refs;
}

static HRESULT WINAPI fake_object_GetQualifierSet(IWbemClassObject *iface, IWbemQualifierSet **set)
{
    (void)iface;
    (void)set;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_Get(IWbemClassObject *iface, LPCWSTR name, LONG flags, VARIANT *val,
                                      CIMTYPE *type, LONG *flavor)
{
    (void)iface;
    (void)name;
    (void)flags;
    (void)val;
    (void)type;
    (void)flavor;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_Put(IWbemClassObject *iface, LPCWSTR name, LONG flags, VARIANT *val,
                                      CIMTYPE type)
{
    struct fake_object *o = impl_from_IWbemClassObject(iface);
    if (o->is_class || name == NULL || val == NULL || flags != 0 || type != 0)
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    if (o->cls->put_result != S_OK)
        return o->cls->put_result;
    bool known = false;
    for (size_t i = 0; i < o->cls->prop_count && !known; i++)
        known = _wcsicmp(o->cls->props[i], name) == 0;
    if (!known)
        return (HRESULT)WBEM_E_NOT_FOUND;
    if (fake_find_put(o, name) != NULL || o->put_count == FAKE_MAX_PROPS)
        return (HRESULT)WBEM_E_FAILED; /* the shim Puts each property once */
    struct fake_put *p = &o->puts[o->put_count];
    size_t n = 0;
    for (; name[n] != 0 && n + 1 < FAKE_MAX_NAME; n++)
        p->name[n] = name[n];
    p->name[n] = 0;
    VariantInit(&p->value);
    HRESULT hr = VariantCopy(&p->value, val);
    if (FAILED(hr))
        return hr;
    o->put_count++;
    return S_OK;
}

static HRESULT WINAPI fake_object_Delete(IWbemClassObject *iface, LPCWSTR name)
{
    (void)iface;
    (void)name;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_GetNames(IWbemClassObject *iface, LPCWSTR qualifier, LONG flags,
                                           VARIANT *qualifier_val, SAFEARRAY **names)
{
    (void)iface;
    (void)qualifier;
    (void)flags;
    (void)qualifier_val;
    (void)names;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_BeginEnumeration(IWbemClassObject *iface, LONG flags)
{
    (void)iface;
    (void)flags;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_Next(IWbemClassObject *iface, LONG flags, BSTR *name, VARIANT *val,
                                       CIMTYPE *type, LONG *flavor)
{
    (void)iface;
    (void)flags;
    (void)name;
    (void)val;
    (void)type;
    (void)flavor;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_EndEnumeration(IWbemClassObject *iface)
{
    (void)iface;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_GetPropertyQualifierSet(IWbemClassObject *iface, LPCWSTR prop,
                                                          IWbemQualifierSet **set)
{
    (void)iface;
    (void)prop;
    (void)set;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_Clone(IWbemClassObject *iface, IWbemClassObject **copy)
{
    (void)iface;
    (void)copy;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_GetObjectText(IWbemClassObject *iface, LONG flags, BSTR *text)
{
    (void)iface;
    (void)flags;
    (void)text;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_SpawnDerivedClass(IWbemClassObject *iface, LONG flags,
                                                    IWbemClassObject **out)
{
    (void)iface;
    (void)flags;
    (void)out;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_SpawnInstance(IWbemClassObject *iface, LONG flags,
                                                IWbemClassObject **out)
{
    struct fake_object *c = impl_from_IWbemClassObject(iface);
    if (!c->is_class || out == NULL || flags != 0)
        return (HRESULT)WBEM_E_INVALID_OPERATION;
    struct fake_object *inst = fake_object_alloc();
    memcpy(inst->class_name, c->class_name, sizeof inst->class_name);
    IWbemClassObject_AddRef(iface);
    inst->cls = c;
    InterlockedIncrement(&c->spawn_calls);
    InterlockedIncrement(&live_instances);
    *out = &inst->IWbemClassObject_iface;
    return S_OK;
}

static HRESULT WINAPI fake_object_CompareTo(IWbemClassObject *iface, LONG flags, IWbemClassObject *other)
{
    (void)iface;
    (void)flags;
    (void)other;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_GetPropertyOrigin(IWbemClassObject *iface, LPCWSTR name, BSTR *cls)
{
    (void)iface;
    (void)name;
    (void)cls;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_InheritsFrom(IWbemClassObject *iface, LPCWSTR ancestor)
{
    (void)iface;
    (void)ancestor;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_GetMethod(IWbemClassObject *iface, LPCWSTR name, LONG flags,
                                            IWbemClassObject **in, IWbemClassObject **out)
{
    (void)iface;
    (void)name;
    (void)flags;
    (void)in;
    (void)out;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_PutMethod(IWbemClassObject *iface, LPCWSTR name, LONG flags,
                                            IWbemClassObject *in, IWbemClassObject *out)
{
    (void)iface;
    (void)name;
    (void)flags;
    (void)in;
    (void)out;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_DeleteMethod(IWbemClassObject *iface, LPCWSTR name)
{
    (void)iface;
    (void)name;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_BeginMethodEnumeration(IWbemClassObject *iface, LONG flags)
{
    (void)iface;
    (void)flags;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_NextMethod(IWbemClassObject *iface, LONG flags, BSTR *name,
                                             IWbemClassObject **in, IWbemClassObject **out)
{
    (void)iface;
    (void)flags;
    (void)name;
    (void)in;
    (void)out;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_EndMethodEnumeration(IWbemClassObject *iface)
{
    (void)iface;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_GetMethodQualifierSet(IWbemClassObject *iface, LPCWSTR method,
                                                        IWbemQualifierSet **set)
{
    (void)iface;
    (void)method;
    (void)set;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_object_GetMethodOrigin(IWbemClassObject *iface, LPCWSTR method, BSTR *cls)
{
    (void)iface;
    (void)method;
    (void)cls;
    return E_NOTIMPL;
}

static const IWbemClassObjectVtbl fake_object_vtbl = {
    fake_object_QueryInterface,
    fake_object_AddRef,
    fake_object_Release,
    fake_object_GetQualifierSet,
    fake_object_Get,
    fake_object_Put,
    fake_object_Delete,
    fake_object_GetNames,
    fake_object_BeginEnumeration,
    fake_object_Next,
    fake_object_EndEnumeration,
    fake_object_GetPropertyQualifierSet,
    fake_object_Clone,
    fake_object_GetObjectText,
    fake_object_SpawnDerivedClass,
    fake_object_SpawnInstance,
    fake_object_CompareTo,
    fake_object_GetPropertyOrigin,
    fake_object_InheritsFrom,
    fake_object_GetMethod,
    fake_object_PutMethod,
    fake_object_DeleteMethod,
    fake_object_BeginMethodEnumeration,
    fake_object_NextMethod,
    fake_object_EndMethodEnumeration,
    fake_object_GetMethodQualifierSet,
    fake_object_GetMethodOrigin,
};

/* ---- IWbemServices ---- */

static inline struct fake_services *impl_from_IWbemServices(IWbemServices *iface)
{
    return CONTAINING_RECORD(iface, struct fake_services, IWbemServices_iface);
}

static HRESULT WINAPI fake_services_QueryInterface(IWbemServices *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IWbemServices)) {
        *ppv = iface;
        IWbemServices_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI fake_services_AddRef(IWbemServices *iface)
{
    return (ULONG)InterlockedIncrement(&impl_from_IWbemServices(iface)->refs);
}

static ULONG WINAPI fake_services_Release(IWbemServices *iface)
{
    struct fake_services *s = impl_from_IWbemServices(iface);
    LONG refs = InterlockedDecrement(&s->refs);
    if (refs == 0) {
        for (size_t i = 0; i < s->class_count; i++)
            IWbemClassObject_Release(&s->classes[i]->IWbemClassObject_iface);
        free(s);
    }
    return (ULONG)refs;
}

ULONG fake_services_release(struct fake_services *s)
{
    return fake_services_Release(&s->IWbemServices_iface);
}

static HRESULT WINAPI fake_services_OpenNamespace(IWbemServices *iface, const BSTR ns, LONG flags,
                                                  IWbemContext *ctx, IWbemServices **out,
                                                  IWbemCallResult **result)
{
    (void)iface;
    (void)ns;
    (void)flags;
    (void)ctx;
    (void)out;
    (void)result;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_services_CancelAsyncCall(IWbemServices *iface, IWbemObjectSink *sink)
{
    (void)iface;
    (void)sink;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_services_QueryObjectSink(IWbemServices *iface, LONG flags,
                                                    IWbemObjectSink **out)
{
    (void)iface;
    (void)flags;
    (void)out;
    return E_NOTIMPL;
}

static HRESULT WINAPI fake_services_GetObject(IWbemServices *iface, const BSTR path, LONG flags,
                                              IWbemContext *ctx, IWbemClassObject **out,
                                              IWbemCallResult **result)
{
    struct fake_services *s = impl_from_IWbemServices(iface);
    (void)flags;
    (void)ctx;
    InterlockedIncrement(&s->get_object_calls);
    if (path == NULL || out == NULL || result != NULL)
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    /* A real BSTR: its length prefix agrees with the text. */
    if (SysStringLen(path) != wcslen(path))
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    for (size_t i = 0; i < s->class_count; i++) {
        if (_wcsicmp(s->classes[i]->class_name, path) == 0) {
            InterlockedIncrement(&s->get_object_calls_by_class[i]);
            *out = &s->classes[i]->IWbemClassObject_iface;
            IWbemClassObject_AddRef(*out);
            return S_OK;
        }
    }
    return (HRESULT)WBEM_E_NOT_FOUND;
}

#define FAKE_SERVICES_STUB(name, ...)                                                              \
    static HRESULT WINAPI fake_services_##name(IWbemServices *iface, __VA_ARGS__)                \
    {                                                                                              \
        (void)iface;                                                                               \
        return E_NOTIMPL;                                                                          \
    }

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
FAKE_SERVICES_STUB(GetObjectAsync, const BSTR a, LONG b, IWbemContext *c, IWbemObjectSink *d)
FAKE_SERVICES_STUB(PutClass, IWbemClassObject *a, LONG b, IWbemContext *c, IWbemCallResult **d)
FAKE_SERVICES_STUB(PutClassAsync, IWbemClassObject *a, LONG b, IWbemContext *c, IWbemObjectSink *d)
FAKE_SERVICES_STUB(DeleteClass, const BSTR a, LONG b, IWbemContext *c, IWbemCallResult **d)
FAKE_SERVICES_STUB(DeleteClassAsync, const BSTR a, LONG b, IWbemContext *c, IWbemObjectSink *d)
FAKE_SERVICES_STUB(CreateClassEnum, const BSTR a, LONG b, IWbemContext *c, IEnumWbemClassObject **d)
FAKE_SERVICES_STUB(CreateClassEnumAsync, const BSTR a, LONG b, IWbemContext *c, IWbemObjectSink *d)
FAKE_SERVICES_STUB(PutInstance, IWbemClassObject *a, LONG b, IWbemContext *c, IWbemCallResult **d)
FAKE_SERVICES_STUB(PutInstanceAsync, IWbemClassObject *a, LONG b, IWbemContext *c, IWbemObjectSink *d)
FAKE_SERVICES_STUB(DeleteInstance, const BSTR a, LONG b, IWbemContext *c, IWbemCallResult **d)
FAKE_SERVICES_STUB(DeleteInstanceAsync, const BSTR a, LONG b, IWbemContext *c, IWbemObjectSink *d)
FAKE_SERVICES_STUB(CreateInstanceEnum, const BSTR a, LONG b, IWbemContext *c, IEnumWbemClassObject **d)
FAKE_SERVICES_STUB(CreateInstanceEnumAsync, const BSTR a, LONG b, IWbemContext *c, IWbemObjectSink *d)
FAKE_SERVICES_STUB(ExecQuery, const BSTR a, const BSTR b, LONG c, IWbemContext *d, IEnumWbemClassObject **e)
FAKE_SERVICES_STUB(ExecQueryAsync, const BSTR a, const BSTR b, LONG c, IWbemContext *d, IWbemObjectSink *e)
FAKE_SERVICES_STUB(ExecNotificationQuery, const BSTR a, const BSTR b, LONG c, IWbemContext *d,
                   IEnumWbemClassObject **e)
FAKE_SERVICES_STUB(ExecNotificationQueryAsync, const BSTR a, const BSTR b, LONG c, IWbemContext *d,
                   IWbemObjectSink *e)
FAKE_SERVICES_STUB(ExecMethod, const BSTR a, const BSTR b, LONG c, IWbemContext *d, IWbemClassObject *e,
                   IWbemClassObject **f, IWbemCallResult **g)
FAKE_SERVICES_STUB(ExecMethodAsync, const BSTR a, const BSTR b, LONG c, IWbemContext *d,
                   IWbemClassObject *e, IWbemObjectSink *f)
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

static const IWbemServicesVtbl fake_services_vtbl = {
    fake_services_QueryInterface,
    fake_services_AddRef,
    fake_services_Release,
    fake_services_OpenNamespace,
    fake_services_CancelAsyncCall,
    fake_services_QueryObjectSink,
    fake_services_GetObject,
    fake_services_GetObjectAsync,
    fake_services_PutClass,
    fake_services_PutClassAsync,
    fake_services_DeleteClass,
    fake_services_DeleteClassAsync,
    fake_services_CreateClassEnum,
    fake_services_CreateClassEnumAsync,
    fake_services_PutInstance,
    fake_services_PutInstanceAsync,
    fake_services_DeleteInstance,
    fake_services_DeleteInstanceAsync,
    fake_services_CreateInstanceEnum,
    fake_services_CreateInstanceEnumAsync,
    fake_services_ExecQuery,
    fake_services_ExecQueryAsync,
    fake_services_ExecNotificationQuery,
    fake_services_ExecNotificationQueryAsync,
    fake_services_ExecMethod,
    fake_services_ExecMethodAsync,
};

struct fake_services *fake_services_new(void)
{
    struct fake_services *s = calloc(1, sizeof *s);
    if (s == NULL)
        abort();
    s->IWbemServices_iface.lpVtbl = &fake_services_vtbl;
    s->refs = 1;
    return s;
}

void fake_services_add(struct fake_services *s, struct fake_object *cls)
{
    if (s->class_count == sizeof s->classes / sizeof s->classes[0])
        abort();
    IWbemClassObject_AddRef(&cls->IWbemClassObject_iface);
    s->classes[s->class_count++] = cls;
}

/* ---- IWbemObjectSink ---- */

static inline struct fake_sink *impl_from_IWbemObjectSink(IWbemObjectSink *iface)
{
    return CONTAINING_RECORD(iface, struct fake_sink, IWbemObjectSink_iface);
}

static HRESULT WINAPI fake_sink_QueryInterface(IWbemObjectSink *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IWbemObjectSink)) {
        *ppv = iface;
        IWbemObjectSink_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI fake_sink_AddRef(IWbemObjectSink *iface)
{
    return (ULONG)InterlockedIncrement(&impl_from_IWbemObjectSink(iface)->refs);
}

static ULONG WINAPI fake_sink_Release(IWbemObjectSink *iface)
{
    struct fake_sink *s = impl_from_IWbemObjectSink(iface);
    LONG refs = InterlockedDecrement(&s->refs);
    if (refs == 0) {
        fake_sink_clear(s);
        DeleteCriticalSection(&s->cs);
        free(s);
    }
    return (ULONG)refs;
}

ULONG fake_sink_release(struct fake_sink *s)
{
    return fake_sink_Release(&s->IWbemObjectSink_iface);
}

static HRESULT WINAPI fake_sink_Indicate(IWbemObjectSink *iface, LONG count, IWbemClassObject **objects)
{
    struct fake_sink *s = impl_from_IWbemObjectSink(iface);
    InterlockedIncrement(&s->indicate_calls);
    if (count < 0 || (count > 0 && objects == NULL))
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    InterlockedExchangeAdd(&s->objects, count);
    EnterCriticalSection(&s->cs);
    for (LONG i = 0; i < count; i++) {
        if (s->log_count < FAKE_SINK_LOG) {
            IWbemClassObject_AddRef(objects[i]); /* kept past the call: AddRef, as the contract says */
            s->log[s->log_count++] = objects[i];
        }
    }
    LeaveCriticalSection(&s->cs);
    if (s->on_indicate != NULL)
        s->on_indicate(s->on_indicate_ctx);
    return s->indicate_result;
}

static HRESULT WINAPI fake_sink_SetStatus(IWbemObjectSink *iface, LONG flags, HRESULT hr, BSTR text,
                                          IWbemClassObject *obj)
{
    (void)flags;
    (void)hr;
    (void)text;
    (void)obj;
    InterlockedIncrement(&impl_from_IWbemObjectSink(iface)->set_status_calls);
    return S_OK;
}

static const IWbemObjectSinkVtbl fake_sink_vtbl = {
    fake_sink_QueryInterface, fake_sink_AddRef, fake_sink_Release, fake_sink_Indicate, fake_sink_SetStatus,
};

struct fake_sink *fake_sink_new(void)
{
    struct fake_sink *s = calloc(1, sizeof *s);
    if (s == NULL)
        abort();
    s->IWbemObjectSink_iface.lpVtbl = &fake_sink_vtbl;
    s->refs = 1;
    s->indicate_result = (HRESULT)WBEM_S_NO_ERROR;
    InitializeCriticalSection(&s->cs);
    return s;
}

void fake_sink_clear(struct fake_sink *s)
{
    EnterCriticalSection(&s->cs);
    for (size_t i = 0; i < s->log_count; i++)
        IWbemClassObject_Release(s->log[i]);
    s->log_count = 0;
    LeaveCriticalSection(&s->cs);
}

/* ---- IWbemProviderInitSink ---- */

static inline struct fake_init_sink *impl_from_IWbemProviderInitSink(IWbemProviderInitSink *iface)
{
    return CONTAINING_RECORD(iface, struct fake_init_sink, IWbemProviderInitSink_iface);
}

static HRESULT WINAPI fake_init_sink_QueryInterface(IWbemProviderInitSink *iface, REFIID riid, void **ppv)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IWbemProviderInitSink)) {
        *ppv = iface;
        IWbemProviderInitSink_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI fake_init_sink_AddRef(IWbemProviderInitSink *iface)
{
    return (ULONG)InterlockedIncrement(&impl_from_IWbemProviderInitSink(iface)->refs);
}

static ULONG WINAPI fake_init_sink_Release(IWbemProviderInitSink *iface)
{
    struct fake_init_sink *s = impl_from_IWbemProviderInitSink(iface);
    LONG refs = InterlockedDecrement(&s->refs);
    if (refs == 0)
        free(s);
    return (ULONG)refs;
}

ULONG fake_init_sink_release(struct fake_init_sink *s)
{
    return fake_init_sink_Release(&s->IWbemProviderInitSink_iface);
}

static HRESULT WINAPI fake_init_sink_SetStatus(IWbemProviderInitSink *iface, LONG status, LONG flags)
{
    struct fake_init_sink *s = impl_from_IWbemProviderInitSink(iface);
    InterlockedIncrement(&s->calls);
    s->last_status = status;
    s->last_flags = flags;
    if (s->on_set_status != NULL)
        s->on_set_status(s->on_set_status_ctx);
    return S_OK;
}

static const IWbemProviderInitSinkVtbl fake_init_sink_vtbl = {
    fake_init_sink_QueryInterface, fake_init_sink_AddRef, fake_init_sink_Release, fake_init_sink_SetStatus,
};

struct fake_init_sink *fake_init_sink_new(void)
{
    struct fake_init_sink *s = calloc(1, sizeof *s);
    if (s == NULL)
        abort();
    s->IWbemProviderInitSink_iface.lpVtbl = &fake_init_sink_vtbl;
    s->refs = 1;
    s->last_status = -1;
    return s;
}
