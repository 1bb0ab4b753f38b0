/*
 * lib/win/provider.c: the COM provider object over a wbemev provider.
 *
 * One object, four interfaces sharing one refcount: IWbemEventProvider (the identity: IUnknown
 * gives it), IWbemProviderInit, and IWbemEventProviderQuerySink / IWbemEventProviderSecurity only
 * when the wbemev provider has new_query or cancel_query / access_check.
 */
#include "win-int.h"

struct provider {
    IWbemEventProvider IWbemEventProvider_iface;
    IWbemProviderInit IWbemProviderInit_iface;
    IWbemEventProviderQuerySink IWbemEventProviderQuerySink_iface;
    IWbemEventProviderSecurity IWbemEventProviderSecurity_iface;
    LONG refs;
    const wbemev_registration *reg; /* borrowed: outlives the object */
    wbemev_provider_t *provider;    /* one reference */
    bool has_query_sink, has_security;

    CRITICAL_SECTION cs; /* guards what follows; never held while calling the wbemev provider */
    IWbemServices *services;
    struct wbemev__win_class_entry *classes; /* the registration's classes (GetObject) */
    size_t class_count;
    wbemev_namespace_t *ns;
    wbemev_sink_t *init_sink;  /* over WMI's IWbemProviderInitSink */
    wbemev_sink_t *event_sink; /* over WMI's IWbemObjectSink */
};

static inline struct provider *impl_from_IWbemEventProvider(IWbemEventProvider *iface)
{
    return CONTAINING_RECORD(iface, struct provider, IWbemEventProvider_iface);
}

static inline struct provider *impl_from_IWbemProviderInit(IWbemProviderInit *iface)
{
    return CONTAINING_RECORD(iface, struct provider, IWbemProviderInit_iface);
}

static inline struct provider *impl_from_IWbemEventProviderQuerySink(IWbemEventProviderQuerySink *iface)
{
    return CONTAINING_RECORD(iface, struct provider, IWbemEventProviderQuerySink_iface);
}

static inline struct provider *impl_from_IWbemEventProviderSecurity(IWbemEventProviderSecurity *iface)
{
    return CONTAINING_RECORD(iface, struct provider, IWbemEventProviderSecurity_iface);
}

/* ---- IUnknown, shared ---- */

static HRESULT provider_query_interface(struct provider *p, REFIID riid, void **ppv)
{
    if (ppv == NULL)
        return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IWbemEventProvider)) {
        *ppv = &p->IWbemEventProvider_iface;
    } else if (IsEqualGUID(riid, &IID_IWbemProviderInit)) {
        *ppv = &p->IWbemProviderInit_iface;
    } else if (IsEqualGUID(riid, &IID_IWbemEventProviderQuerySink) && p->has_query_sink) {
        *ppv = &p->IWbemEventProviderQuerySink_iface;
    } else if (IsEqualGUID(riid, &IID_IWbemEventProviderSecurity) && p->has_security) {
        *ppv = &p->IWbemEventProviderSecurity_iface;
    } else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    IUnknown_AddRef((IUnknown *)*ppv);
    return S_OK;
}

static ULONG provider_add_ref(struct provider *p)
{
    return (ULONG)InterlockedIncrement(&p->refs);
}

static void release_classes(struct wbemev__win_class_entry *classes, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (classes[i].object != NULL)
            IWbemClassObject_Release(classes[i].object);
        wbemev__win_free(classes[i].name);
    }
    wbemev__win_free(classes);
}

static void provider_destroy(struct provider *p)
{
    /* Nothing reaches WMI from here on: detach the sinks first (waiting for a call in progress),
     * then stop the wbemev provider, then let go of WMI's objects. */
    if (p->event_sink != NULL) {
        wbemev__win_event_sink_detach(p->event_sink);
        wbemev_sink_release(p->event_sink);
    }
    if (p->init_sink != NULL) {
        wbemev__win_init_sink_detach(p->init_sink);
        wbemev_sink_release(p->init_sink);
    }
    wbemev_provider_release(p->provider);
    release_classes(p->classes, p->class_count);
    if (p->services != NULL)
        IWbemServices_Release(p->services);
    if (p->ns != NULL)
        wbemev_namespace_release(p->ns);
    DeleteCriticalSection(&p->cs);
    wbemev__win_free(p);
    wbemev__win_object_destroyed();
}

static ULONG provider_release(struct provider *p)
{
    LONG refs = InterlockedDecrement(&p->refs);
    if (refs == 0)
        provider_destroy(p);
    return (ULONG)refs;
}

/* ---- IWbemEventProvider ---- */

static HRESULT WINAPI event_provider_QueryInterface(IWbemEventProvider *iface, REFIID riid, void **ppv)
{
    return provider_query_interface(impl_from_IWbemEventProvider(iface), riid, ppv);
}

static ULONG WINAPI event_provider_AddRef(IWbemEventProvider *iface)
{
    return provider_add_ref(impl_from_IWbemEventProvider(iface));
}

static ULONG WINAPI event_provider_Release(IWbemEventProvider *iface)
{
    return provider_release(impl_from_IWbemEventProvider(iface));
}

static HRESULT WINAPI event_provider_ProvideEvents(IWbemEventProvider *iface, IWbemObjectSink *sink,
                                                   LONG flags)
{
    struct provider *p = impl_from_IWbemEventProvider(iface);
    if (sink == NULL)
        return (HRESULT)WBEM_E_INVALID_PARAMETER;

    EnterCriticalSection(&p->cs);
    if (p->services == NULL) {
        LeaveCriticalSection(&p->cs);
        return (HRESULT)WBEM_E_UNEXPECTED; /* Initialize first */
    }
    struct wbemev__win_class_cache cache = {p->classes, p->class_count};
    wbemev_sink_t *es = NULL;
    HRESULT hr = wbemev__win_event_sink_create(sink, p->services, &cache, &es);
    LeaveCriticalSection(&p->cs);
    if (FAILED(hr))
        return hr;

    wbemev_status s = p->provider->vtbl->provide_events(p->provider, es, (int32_t)flags);
    if (WBEMEV_FAILED(s)) {
        /* Keep nothing: the provider must not have kept it either. */
        wbemev__win_event_sink_detach(es);
        wbemev_sink_release(es);
        return s;
    }
    /* A second ProvideEvents replaces the sink. */
    EnterCriticalSection(&p->cs);
    wbemev_sink_t *old = p->event_sink;
    p->event_sink = es;
    LeaveCriticalSection(&p->cs);
    if (old != NULL) {
        wbemev__win_event_sink_detach(old);
        wbemev_sink_release(old);
    }
    return s;
}

static const IWbemEventProviderVtbl event_provider_vtbl = {
    event_provider_QueryInterface,
    event_provider_AddRef,
    event_provider_Release,
    event_provider_ProvideEvents,
};

/* ---- IWbemProviderInit ---- */

static HRESULT WINAPI provider_init_QueryInterface(IWbemProviderInit *iface, REFIID riid, void **ppv)
{
    return provider_query_interface(impl_from_IWbemProviderInit(iface), riid, ppv);
}

static ULONG WINAPI provider_init_AddRef(IWbemProviderInit *iface)
{
    return provider_add_ref(impl_from_IWbemProviderInit(iface));
}

static ULONG WINAPI provider_init_Release(IWbemProviderInit *iface)
{
    return provider_release(impl_from_IWbemProviderInit(iface));
}

/* GetObject of every class of the registration. */
static HRESULT fetch_classes(const wbemev_registration *reg, IWbemServices *services, IWbemContext *ctx,
                             struct wbemev__win_class_entry **out)
{
    struct wbemev__win_class_entry *classes = NULL;
    if (reg->class_count > 0) {
        classes = wbemev__win_alloc(reg->class_count * sizeof *classes);
        if (classes == NULL)
            return E_OUTOFMEMORY;
    }
    HRESULT hr = S_OK;
    for (size_t i = 0; i < reg->class_count && SUCCEEDED(hr); i++) {
        const char *name = reg->classes[i].name;
        size_t len = strlen(name);
        classes[i].name = wbemev__win_alloc(len + 1);
        if (classes[i].name == NULL) {
            hr = E_OUTOFMEMORY;
            break;
        }
        memcpy(classes[i].name, name, len + 1);
        BSTR path = NULL;
        hr = wbemev_win_utf8_to_bstr(name, &path);
        if (FAILED(hr))
            break;
        hr = IWbemServices_GetObject(services, path, 0, ctx, &classes[i].object, NULL);
        SysFreeString(path);
        if (SUCCEEDED(hr) && classes[i].object == NULL)
            hr = (HRESULT)WBEM_E_INVALID_CLASS;
    }
    if (FAILED(hr)) {
        release_classes(classes, reg->class_count);
        return hr;
    }
    *out = classes;
    return S_OK;
}

/* Keeps what Initialize gathered (a reference to each); a second Initialize replaces the first
 * one's, which is let go of outside the lock. */
static void adopt_initialization(struct provider *p, IWbemServices *services, struct wbemev__win_class_entry *classes,
                                 wbemev_namespace_t *ns, wbemev_sink_t *isink)
{
    IWbemServices_AddRef(services);
    EnterCriticalSection(&p->cs);
    IWbemServices *old_services = p->services;
    struct wbemev__win_class_entry *old_classes = p->classes;
    size_t old_count = p->class_count;
    wbemev_namespace_t *old_ns = p->ns;
    wbemev_sink_t *old_init = p->init_sink;
    p->services = services;
    p->classes = classes;
    p->class_count = p->reg->class_count;
    p->ns = ns;
    p->init_sink = isink;
    wbemev_sink_add_ref(isink);
    LeaveCriticalSection(&p->cs);
    if (old_init != NULL) {
        wbemev__win_init_sink_detach(old_init);
        wbemev_sink_release(old_init);
    }
    release_classes(old_classes, old_count);
    if (old_services != NULL)
        IWbemServices_Release(old_services);
    if (old_ns != NULL)
        wbemev_namespace_release(old_ns);
}

static HRESULT WINAPI provider_init_Initialize(IWbemProviderInit *iface, LPWSTR user, LONG flags,
                                               LPWSTR namespace_name, LPWSTR locale,
                                               IWbemServices *services, IWbemContext *ctx,
                                               IWbemProviderInitSink *init_sink)
{
    struct provider *p = impl_from_IWbemProviderInit(iface);
    (void)flags;
    if (services == NULL || init_sink == NULL)
        return (HRESULT)WBEM_E_INVALID_PARAMETER;

    char *user8 = NULL, *ns8 = NULL, *locale8 = NULL;
    HRESULT hr = wbemev_win_utf16_to_utf8(user, &user8);
    if (SUCCEEDED(hr))
        hr = wbemev_win_utf16_to_utf8(namespace_name, &ns8);
    if (SUCCEEDED(hr))
        hr = wbemev_win_utf16_to_utf8(locale, &locale8);
    if (FAILED(hr))
        goto done;

    /* The classes, on both sides: WMI's class objects, and a wbemev namespace defining them. */
    struct wbemev__win_class_entry *classes = NULL;
    wbemev_namespace_t *ns = NULL;
    hr = fetch_classes(p->reg, services, ctx, &classes);
    if (SUCCEEDED(hr)) {
        hr = wbemev_namespace_new(ns8 != NULL && ns8[0] != 0 ? ns8 : p->reg->namespace_name, &ns);
        if (SUCCEEDED(hr))
            hr = wbemev_registration_define_classes(p->reg, ns, false);
    }
    if (FAILED(hr)) {
        release_classes(classes, classes != NULL ? p->reg->class_count : 0);
        if (ns != NULL)
            wbemev_namespace_release(ns);
        hr = IWbemProviderInitSink_SetStatus(init_sink, (HRESULT)WBEM_E_FAILED, 0);
        goto done;
    }

    wbemev_sink_t *isink = NULL;
    hr = wbemev__win_init_sink_create(init_sink, &isink);
    if (FAILED(hr)) {
        release_classes(classes, p->reg->class_count);
        wbemev_namespace_release(ns);
        goto done;
    }

    adopt_initialization(p, services, classes, ns, isink);
    if (p->provider->vtbl->initialize == NULL) {
        wbemev_sink_set_status(isink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_INITIALIZED, NULL, NULL);
        hr = (HRESULT)WBEM_S_NO_ERROR;
    } else {
        wbemev_provider_init init = {
            .user = user8,
            .namespace_name = ns8 != NULL ? ns8 : p->reg->namespace_name,
            .locale = locale8,
            .ns = ns,
            .provider_name = p->reg->provider_name,
        };
        wbemev_status s = p->provider->vtbl->initialize(p->provider, &init, isink);
        if (WBEMEV_FAILED(s) && !wbemev__win_init_sink_reported(isink))
            wbemev_sink_set_status(isink, WBEMEV_STATUS_COMPLETE, WBEMEV_E_FAILED, NULL, NULL);
        hr = s;
    }
    wbemev_sink_release(isink);

done:
    wbemev__win_free(user8);
    wbemev__win_free(ns8);
    wbemev__win_free(locale8);
    return hr;
}

static const IWbemProviderInitVtbl provider_init_vtbl = {
    provider_init_QueryInterface,
    provider_init_AddRef,
    provider_init_Release,
    provider_init_Initialize,
};

/* ---- IWbemEventProviderQuerySink ---- */

/* A query's language and text, as the wbemev provider takes them (free both, whatever happens). */
static HRESULT query_to_utf8(const WCHAR *language, const WCHAR *query, char **language8, char **query8)
{
    HRESULT hr = wbemev_win_utf16_to_utf8(language, language8);
    if (SUCCEEDED(hr))
        hr = wbemev_win_utf16_to_utf8(query, query8);
    return hr;
}

static HRESULT WINAPI query_sink_QueryInterface(IWbemEventProviderQuerySink *iface, REFIID riid, void **ppv)
{
    return provider_query_interface(impl_from_IWbemEventProviderQuerySink(iface), riid, ppv);
}

static ULONG WINAPI query_sink_AddRef(IWbemEventProviderQuerySink *iface)
{
    return provider_add_ref(impl_from_IWbemEventProviderQuerySink(iface));
}

static ULONG WINAPI query_sink_Release(IWbemEventProviderQuerySink *iface)
{
    return provider_release(impl_from_IWbemEventProviderQuerySink(iface));
}

static HRESULT WINAPI query_sink_NewQuery(IWbemEventProviderQuerySink *iface, ULONG id,
                                          WBEM_WSTR language, WBEM_WSTR query)
{
    struct provider *p = impl_from_IWbemEventProviderQuerySink(iface);
    if (language == NULL || query == NULL)
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    if (p->provider->vtbl->new_query == NULL)
        return (HRESULT)WBEM_S_NO_ERROR; /* advisory: nothing to tell */
    char *language8 = NULL, *query8 = NULL;
    HRESULT hr = query_to_utf8(language, query, &language8, &query8);
    if (SUCCEEDED(hr))
        hr = p->provider->vtbl->new_query(p->provider, (uint32_t)id, language8, query8);
    wbemev__win_free(language8);
    wbemev__win_free(query8);
    return hr;
}

static HRESULT WINAPI query_sink_CancelQuery(IWbemEventProviderQuerySink *iface, ULONG id)
{
    struct provider *p = impl_from_IWbemEventProviderQuerySink(iface);
    if (p->provider->vtbl->cancel_query == NULL)
        return (HRESULT)WBEM_S_NO_ERROR;
    return p->provider->vtbl->cancel_query(p->provider, (uint32_t)id);
}

static const IWbemEventProviderQuerySinkVtbl query_sink_vtbl = {
    query_sink_QueryInterface,
    query_sink_AddRef,
    query_sink_Release,
    query_sink_NewQuery,
    query_sink_CancelQuery,
};

/* ---- IWbemEventProviderSecurity ---- */

static HRESULT WINAPI security_QueryInterface(IWbemEventProviderSecurity *iface, REFIID riid, void **ppv)
{
    return provider_query_interface(impl_from_IWbemEventProviderSecurity(iface), riid, ppv);
}

static ULONG WINAPI security_AddRef(IWbemEventProviderSecurity *iface)
{
    return provider_add_ref(impl_from_IWbemEventProviderSecurity(iface));
}

static ULONG WINAPI security_Release(IWbemEventProviderSecurity *iface)
{
    return provider_release(impl_from_IWbemEventProviderSecurity(iface));
}

static HRESULT WINAPI security_AccessCheck(IWbemEventProviderSecurity *iface, WBEM_CWSTR language,
                                           WBEM_CWSTR query, LONG sid_length, const BYTE *sid)
{
    struct provider *p = impl_from_IWbemEventProviderSecurity(iface);
    if (language == NULL || query == NULL || sid_length < 0 || (sid == NULL && sid_length != 0))
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    if (p->provider->vtbl->access_check == NULL)
        return (HRESULT)WBEM_S_NO_ERROR;
    char *language8 = NULL, *query8 = NULL;
    HRESULT hr = query_to_utf8(language, query, &language8, &query8);
    if (SUCCEEDED(hr))
        hr = p->provider->vtbl->access_check(p->provider, language8, query8, sid,
                                             sid != NULL ? (size_t)sid_length : 0);
    wbemev__win_free(language8);
    wbemev__win_free(query8);
    return hr;
}

static const IWbemEventProviderSecurityVtbl security_vtbl = {
    security_QueryInterface,
    security_AddRef,
    security_Release,
    security_AccessCheck,
};

/* ---- constructor ---- */

HRESULT wbemev_win_provider_create(const wbemev_registration *reg, wbemev_provider_t *provider,
                                   REFIID riid, void **out)
{
    if (out == NULL)
        return E_POINTER;
    *out = NULL;
    if (riid == NULL || !wbemev_provider_is_valid(provider) ||
        WBEMEV_FAILED(wbemev_registration_validate(reg)))
        return (HRESULT)WBEM_E_INVALID_PARAMETER;

    struct provider *p = wbemev__win_alloc(sizeof *p);
    if (p == NULL)
        return E_OUTOFMEMORY;
    p->IWbemEventProvider_iface.lpVtbl = &event_provider_vtbl;
    p->IWbemProviderInit_iface.lpVtbl = &provider_init_vtbl;
    p->IWbemEventProviderQuerySink_iface.lpVtbl = &query_sink_vtbl;
    p->IWbemEventProviderSecurity_iface.lpVtbl = &security_vtbl;
    p->refs = 1;
    p->reg = reg;
    p->provider = wbemev_provider_add_ref(provider);
    p->has_query_sink = provider->vtbl->new_query != NULL || provider->vtbl->cancel_query != NULL;
    p->has_security = provider->vtbl->access_check != NULL;
    InitializeCriticalSection(&p->cs);
    wbemev__win_object_created();

    HRESULT hr = provider_query_interface(p, riid, out);
    provider_release(p); /* the QI holds the one that is left, or nothing is */
    return hr;
}
