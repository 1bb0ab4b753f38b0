/*
 * lib/win/sinks.c: wbemev sinks over WMI's sinks.
 *
 *  - The event sink is what the wbemev provider receives in provide_events. Its indicate turns
 *    wbemev objects into IWbemClassObject instances and calls WMI's IWbemObjectSink::Indicate.
 *  - The init sink is what the wbemev provider receives in initialize. Its set_status calls WMI's
 *    IWbemProviderInitSink::SetStatus.
 *
 * Both hold WMI's sink until they are detached (the final Release of the provider object) or
 * freed. Calls into WMI pass a gate: the shared side of an SRW lock, whose exclusive side detach
 * takes, so that once detach returns nothing reaches WMI again and later calls answer
 * WBEMEV_E_CALL_CANCELLED. One exception: a detach from inside a call into WMI on the same thread
 * (WMI releasing the provider within Indicate) cannot wait for that call; it closes the gate to
 * new calls and the call lets go of WMI's sink as it returns.
 */
#include "win-int.h"
#include "wbemev/format.h" /* WBEMEV_FORMAT_MAX_DEPTH */

#if defined(_MSC_VER) && !defined(__clang__)
#define THREAD_LOCAL __declspec(thread)
#else
#define THREAD_LOCAL _Thread_local
#endif

/* ---- the gate in front of WMI's sinks ---- */

struct gate {
    SRWLOCK lock;          /* shared: a call into WMI; exclusive: detach */
    volatile LONG closed;  /* detached, or being detached from inside a call on its own thread */
};

/* The gates this thread is inside, innermost first (a call into WMI may call back into us). */
struct gate_pass {
    const struct gate *gate;
    bool locked; /* false for a pass nested in another of this thread: SRW locks do not nest */
    struct gate_pass *outer;
};
static THREAD_LOCAL struct gate_pass *tls_passes;

static bool gate_passing_here(const struct gate *g)
{
    for (const struct gate_pass *p = tls_passes; p != NULL; p = p->outer)
        if (p->gate == g)
            return true;
    return false;
}

static bool gate_is_closed(struct gate *g)
{
    return InterlockedCompareExchange(&g->closed, 0, 0) != 0;
}

/* Enters g for a call into WMI; false once g is closed. */
static bool gate_enter(struct gate *g, struct gate_pass *pass)
{
    pass->locked = !gate_passing_here(g);
    if (pass->locked)
        AcquireSRWLockShared(&g->lock);
    if (gate_is_closed(g)) {
        if (pass->locked)
            ReleaseSRWLockShared(&g->lock);
        return false;
    }
    pass->gate = g;
    pass->outer = tls_passes;
    tls_passes = pass;
    return true;
}

/* Lets go of WMI's sink: run with the gate held exclusively, or when the sink is dying. */
typedef void (*gate_drop_fn)(void *sink);

/* Leaves g. The last pass of this thread through a gate closed meanwhile drops WMI's sink. */
static void gate_leave(struct gate *g, struct gate_pass *pass, gate_drop_fn drop, void *sink)
{
    tls_passes = pass->outer;
    if (!pass->locked)
        return;
    ReleaseSRWLockShared(&g->lock);
    if (gate_is_closed(g)) {
        AcquireSRWLockExclusive(&g->lock);
        drop(sink); /* again, if another thread's detach got here first: drops are idempotent */
        ReleaseSRWLockExclusive(&g->lock);
    }
}

/* Detach: closes g and drops WMI's sink once the calls in progress are over; from inside one of
 * them on this thread, leaves the drop to that call (gate_leave) instead of waiting for itself. */
static void gate_detach(struct gate *g, gate_drop_fn drop, void *sink)
{
    if (gate_passing_here(g)) {
        InterlockedExchange(&g->closed, 1);
        return;
    }
    AcquireSRWLockExclusive(&g->lock);
    InterlockedExchange(&g->closed, 1);
    drop(sink);
    ReleaseSRWLockExclusive(&g->lock);
}

/* ---- event sink ---- */

struct event_sink {
    wbemev_sink_t base;
    LONG refs;
    struct gate gate;
    IWbemObjectSink *wmi;     /* NULL once detached */
    IWbemServices *services;  /* for classes not fetched at Initialize; may be NULL */
    CRITICAL_SECTION cache_lock;
    struct wbemev__win_class_entry *classes; /* one reference each */
    size_t class_count, class_capacity;
};

static inline struct event_sink *impl_from_event_sink(wbemev_sink_t *sink)
{
    return WBEMEV_CONTAINER_OF(sink, struct event_sink, base);
}

/* Drops what reaches WMI (a gate_drop_fn). */
static void event_sink_drop_wmi(void *sink)
{
    struct event_sink *s = sink;
    if (s->wmi != NULL) {
        IWbemObjectSink_Release(s->wmi);
        s->wmi = NULL;
    }
    if (s->services != NULL) {
        IWbemServices_Release(s->services);
        s->services = NULL;
    }
    EnterCriticalSection(&s->cache_lock);
    for (size_t i = 0; i < s->class_count; i++) {
        IWbemClassObject_Release(s->classes[i].object);
        wbemev__win_free(s->classes[i].name);
    }
    wbemev__win_free(s->classes);
    s->classes = NULL;
    s->class_count = s->class_capacity = 0;
    LeaveCriticalSection(&s->cache_lock);
}

static void event_sink_add_ref(wbemev_sink_t *sink)
{
    InterlockedIncrement(&impl_from_event_sink(sink)->refs);
}

static void event_sink_release(wbemev_sink_t *sink)
{
    struct event_sink *s = impl_from_event_sink(sink);
    if (InterlockedDecrement(&s->refs) == 0) {
        event_sink_drop_wmi(s);
        DeleteCriticalSection(&s->cache_lock);
        wbemev__win_free(s);
    }
}

/* Adds a class object to the cache (AddRefs it). */
static HRESULT cache_add(struct event_sink *s, const char *name, IWbemClassObject *object)
{
    size_t len = strlen(name);
    char *copy = wbemev__win_alloc(len + 1);
    if (copy == NULL)
        return E_OUTOFMEMORY;
    memcpy(copy, name, len + 1);
    if (s->class_count == s->class_capacity) {
        size_t cap = s->class_capacity != 0 ? s->class_capacity * 2 : 4;
        struct wbemev__win_class_entry *grown = wbemev__win_alloc(cap * sizeof *grown);
        if (grown == NULL) {
            wbemev__win_free(copy);
            return E_OUTOFMEMORY;
        }
        if (s->class_count > 0)
            memcpy(grown, s->classes, s->class_count * sizeof *grown);
        wbemev__win_free(s->classes);
        s->classes = grown;
        s->class_capacity = cap;
    }
    IWbemClassObject_AddRef(object);
    s->classes[s->class_count].name = copy;
    s->classes[s->class_count].object = object;
    s->class_count++;
    return S_OK;
}

/* The WMI class object named `name` (one reference): from the cache, else GetObject once. Called
 * with the lock held shared. */
static HRESULT event_sink_class(struct event_sink *s, const char *name, IWbemClassObject **out)
{
    HRESULT hr = S_OK;
    EnterCriticalSection(&s->cache_lock);
    for (size_t i = 0; i < s->class_count; i++) {
        if (wbemev__win_name_eq(s->classes[i].name, name)) {
            *out = s->classes[i].object;
            IWbemClassObject_AddRef(*out);
            LeaveCriticalSection(&s->cache_lock);
            return S_OK;
        }
    }
    LeaveCriticalSection(&s->cache_lock);

    if (s->services == NULL)
        return (HRESULT)WBEM_E_INVALID_CLASS;
    BSTR path = NULL;
    hr = wbemev_win_utf8_to_bstr(name, &path);
    if (FAILED(hr))
        return hr;
    IWbemClassObject *object = NULL;
    hr = IWbemServices_GetObject(s->services, path, 0, NULL, &object, NULL);
    SysFreeString(path);
    if (FAILED(hr))
        return hr;
    if (object == NULL)
        return (HRESULT)WBEM_E_INVALID_CLASS;
    EnterCriticalSection(&s->cache_lock);
    (void)cache_add(s, name, object); /* a failure only costs a later GetObject */
    LeaveCriticalSection(&s->cache_lock);
    *out = object;
    return S_OK;
}

static HRESULT put_property(IWbemClassObject *inst, const char *name, VARIANT *v)
{
    WCHAR *wname = wbemev__win_utf16(name);
    if (wname == NULL)
        return E_OUTOFMEMORY;
    HRESULT hr = IWbemClassObject_Put(inst, wname, 0, v, 0);
    wbemev__win_free(wname);
    return hr;
}

/* An object being converted, for the conversion of the objects embedded in it: one level deeper.
 * Embedded objects nest at most WBEMEV_FORMAT_MAX_DEPTH levels (as in the text formats), which
 * bounds the recursion; deeper ones are refused with WBEM_E_INVALID_OBJECT. */
struct convert_level {
    struct event_sink *s;
    unsigned level;
};

static HRESULT instance_from_object(struct event_sink *s, wbemev_object_t *obj, bool stamp, unsigned level,
                                    IWbemClassObject **out);

static HRESULT embedded_instance(void *ctx, wbemev_object_t *obj, IWbemClassObject **out)
{
    const struct convert_level *up = ctx;
    return instance_from_object(up->s, obj, false, up->level + 1, out);
}

/* A new WMI instance with every non-NULL property of obj, `level` embedded objects deep (0 for an
 * event). With `stamp`, a NULL TIME_CREATED of an event is set to now. */
static HRESULT instance_from_object(struct event_sink *s, wbemev_object_t *obj, bool stamp, unsigned level,
                                    IWbemClassObject **out)
{
    if (level > WBEMEV_FORMAT_MAX_DEPTH)
        return (HRESULT)WBEM_E_INVALID_OBJECT;
    if (wbemev_object_genus(obj) != WBEMEV_GENUS_INSTANCE)
        return (HRESULT)WBEM_E_INVALID_OBJECT;
    IWbemClassObject *cls = NULL, *inst = NULL;
    HRESULT hr = event_sink_class(s, wbemev_object_class_name(obj), &cls);
    if (FAILED(hr))
        return hr;
    hr = IWbemClassObject_SpawnInstance(cls, 0, &inst);
    IWbemClassObject_Release(cls);
    if (FAILED(hr))
        return hr;
    if (inst == NULL)
        return (HRESULT)WBEM_E_FAILED;

    const wbemev_class_t *c = wbemev_object_class(obj);
    size_t n = wbemev_class_property_count(c);
    for (size_t i = 0; i < n && SUCCEEDED(hr); i++) {
        wbemev_property_info info;
        wbemev_value value;
        hr = wbemev_class_property_at(c, i, &info);
        if (SUCCEEDED(hr))
            hr = wbemev_object_get_h(obj, info.handle, &value);
        if (FAILED(hr))
            break;
        VARIANT v;
        VariantInit(&v);
        if (value.is_null) {
            if (!stamp || !wbemev__win_name_eq(info.name, "TIME_CREATED") ||
                info.type != WBEMEV_CIM_UINT64)
                continue;
            FILETIME ft;
            GetSystemTimeAsFileTime(&ft);
            V_VT(&v) = VT_BSTR;
            V_BSTR(&v) = wbemev__win_bstr_u64(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
            hr = V_BSTR(&v) != NULL ? S_OK : E_OUTOFMEMORY;
        } else {
            struct convert_level here = {s, level};
            hr = wbemev__win_variant_from_value(&value, embedded_instance, &here, &v);
        }
        if (SUCCEEDED(hr))
            hr = put_property(inst, info.name, &v);
        VariantClear(&v);
    }
    if (FAILED(hr)) {
        IWbemClassObject_Release(inst);
        return hr;
    }
    *out = inst;
    return S_OK;
}

static wbemev_status event_sink_indicate(wbemev_sink_t *sink, int32_t count,
                                         wbemev_object_t *const *objects)
{
    struct event_sink *s = impl_from_event_sink(sink);
    if (count < 0 || (count > 0 && objects == NULL))
        return WBEMEV_E_INVALID_PARAMETER;
    for (int32_t i = 0; i < count; i++) {
        if (objects[i] == NULL)
            return WBEMEV_E_INVALID_PARAMETER;
    }

    struct gate_pass pass;
    if (!gate_enter(&s->gate, &pass))
        return WBEMEV_E_CALL_CANCELLED;
    event_sink_add_ref(sink); /* a final Release inside WMI's Indicate must not free us under the call */
    HRESULT hr = S_OK;
    IWbemClassObject *stack[16];
    IWbemClassObject **made = stack;
    if ((size_t)count > sizeof stack / sizeof stack[0]) {
        made = wbemev__win_alloc((size_t)count * sizeof *made);
        if (made == NULL)
            hr = E_OUTOFMEMORY;
    }
    int32_t done = 0;
    for (; done < count && SUCCEEDED(hr); done++) {
        /* Indicated objects are immutable from now on, as with the dispatcher. */
        wbemev_object_freeze(objects[done]);
        hr = instance_from_object(s, objects[done], true, 0, &made[done]);
        if (FAILED(hr))
            break;
    }
    if (SUCCEEDED(hr) && count > 0) /* nothing to send: nothing reaches WMI */
        hr = IWbemObjectSink_Indicate(s->wmi, count, made);
    gate_leave(&s->gate, &pass, event_sink_drop_wmi, s);

    for (int32_t i = 0; i < done; i++)
        IWbemClassObject_Release(made[i]);
    if (made != stack && made != NULL)
        wbemev__win_free(made);
    event_sink_release(sink);
    return hr == E_OUTOFMEMORY ? WBEMEV_E_OUT_OF_MEMORY : (wbemev_status)hr;
}

static wbemev_status event_sink_set_status(wbemev_sink_t *sink, int32_t flags, wbemev_status status,
                                           const char *text, wbemev_object_t *object)
{
    /* Guideline 4: a provider never calls SetStatus on its event sink. WMI does not see it. */
    (void)sink;
    (void)flags;
    (void)status;
    (void)text;
    (void)object;
    return WBEMEV_E_INVALID_OPERATION;
}

static const wbemev_sink_vtbl event_sink_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, event_sink_add_ref, event_sink_release, event_sink_indicate,
    event_sink_set_status,
};

HRESULT wbemev__win_event_sink_create(IWbemObjectSink *wmi, IWbemServices *services,
                                      const struct wbemev__win_class_cache *classes,
                                      wbemev_sink_t **out)
{
    struct event_sink *s = wbemev__win_alloc(sizeof *s);
    if (s == NULL)
        return E_OUTOFMEMORY;
    s->base.vtbl = &event_sink_vtbl;
    s->refs = 1;
    InitializeSRWLock(&s->gate.lock);
    s->gate.closed = 0;
    InitializeCriticalSection(&s->cache_lock);
    for (size_t i = 0; classes != NULL && i < classes->count; i++) {
        if (classes->entries[i].object == NULL)
            continue;
        HRESULT hr = cache_add(s, classes->entries[i].name, classes->entries[i].object);
        if (FAILED(hr)) {
            event_sink_release(&s->base);
            return hr;
        }
    }
    IWbemObjectSink_AddRef(wmi);
    s->wmi = wmi;
    if (services != NULL) {
        IWbemServices_AddRef(services);
        s->services = services;
    }
    *out = &s->base;
    return S_OK;
}

void wbemev__win_event_sink_detach(wbemev_sink_t *sink)
{
    struct event_sink *s = impl_from_event_sink(sink);
    gate_detach(&s->gate, event_sink_drop_wmi, s);
}

/* ---- init sink ---- */

struct init_sink {
    wbemev_sink_t base;
    LONG refs;
    LONG reported;
    struct gate gate;
    IWbemProviderInitSink *wmi; /* NULL once detached */
};

static inline struct init_sink *impl_from_init_sink(wbemev_sink_t *sink)
{
    return WBEMEV_CONTAINER_OF(sink, struct init_sink, base);
}

/* Drops WMI's sink (a gate_drop_fn). */
static void init_sink_drop_wmi(void *sink)
{
    struct init_sink *s = sink;
    if (s->wmi != NULL) {
        IWbemProviderInitSink_Release(s->wmi);
        s->wmi = NULL;
    }
}

static void init_sink_add_ref(wbemev_sink_t *sink)
{
    InterlockedIncrement(&impl_from_init_sink(sink)->refs);
}

static void init_sink_release(wbemev_sink_t *sink)
{
    struct init_sink *s = impl_from_init_sink(sink);
    if (InterlockedDecrement(&s->refs) == 0) {
        init_sink_drop_wmi(s);
        wbemev__win_free(s);
    }
}

static wbemev_status init_sink_indicate(wbemev_sink_t *sink, int32_t count,
                                        wbemev_object_t *const *objects)
{
    (void)sink;
    (void)count;
    (void)objects;
    return WBEMEV_E_INVALID_OPERATION;
}

static wbemev_status init_sink_set_status(wbemev_sink_t *sink, int32_t flags, wbemev_status status,
                                          const char *text, wbemev_object_t *object)
{
    struct init_sink *s = impl_from_init_sink(sink);
    (void)flags;
    (void)text;
    (void)object;
    struct gate_pass pass;
    if (!gate_enter(&s->gate, &pass))
        return WBEMEV_E_CALL_CANCELLED;
    init_sink_add_ref(sink); /* alive until the call is over, whatever WMI releases within it */
    HRESULT hr = (HRESULT)WBEMEV_E_INVALID_OPERATION;
    /* Readiness is reported once. */
    if (InterlockedCompareExchange(&s->reported, 1, 0) == 0)
        hr = IWbemProviderInitSink_SetStatus(s->wmi, status, 0);
    gate_leave(&s->gate, &pass, init_sink_drop_wmi, s);
    init_sink_release(sink);
    return (wbemev_status)hr;
}

static const wbemev_sink_vtbl init_sink_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, init_sink_add_ref, init_sink_release, init_sink_indicate,
    init_sink_set_status,
};

HRESULT wbemev__win_init_sink_create(IWbemProviderInitSink *wmi, wbemev_sink_t **out)
{
    struct init_sink *s = wbemev__win_alloc(sizeof *s);
    if (s == NULL)
        return E_OUTOFMEMORY;
    s->base.vtbl = &init_sink_vtbl;
    s->refs = 1;
    InitializeSRWLock(&s->gate.lock);
    s->gate.closed = 0;
    IWbemProviderInitSink_AddRef(wmi);
    s->wmi = wmi;
    *out = &s->base;
    return S_OK;
}

bool wbemev__win_init_sink_reported(wbemev_sink_t *sink)
{
    return InterlockedCompareExchange(&impl_from_init_sink(sink)->reported, 0, 0) != 0;
}

void wbemev__win_init_sink_detach(wbemev_sink_t *sink)
{
    struct init_sink *s = impl_from_init_sink(sink);
    gate_detach(&s->gate, init_sink_drop_wmi, s);
}
