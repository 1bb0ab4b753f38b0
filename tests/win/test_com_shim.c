/*
 * tests/win/test_com_shim.c: the COM shim (wbemev/win.h) against COM test doubles (fake_wbem.h),
 * under Wine or Windows.
 *
 * Every test ends with the reference balance of every COM object it made: fake services, sinks and
 * init sinks back to the test's single reference, no fake instance alive once the sink's log is
 * cleared, no shim object alive (DllCanUnloadNow), no wbemev provider or object alive.
 */
#define COBJMACROS
#define CINTERFACE
#define CONST_VTABLE

#include "test_support.h"

#include "wbemev/win.h"
#include "fake_wbem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ---- the registration the tests serve ---- */

static const wbemev_property_def target_props[] = {
    {"Id", WBEMEV_CIM_UINT32, NULL},
    {"Label", WBEMEV_CIM_STRING, NULL},
};

static const wbemev_property_def event_props[] = {
    {"Name", WBEMEV_CIM_STRING, NULL},
    {"Small", WBEMEV_CIM_SINT8, NULL},
    {"Octet", WBEMEV_CIM_UINT8, NULL},
    {"Short", WBEMEV_CIM_SINT16, NULL},
    {"Port", WBEMEV_CIM_UINT16, NULL},
    {"Severity", WBEMEV_CIM_SINT32, NULL},
    {"Count", WBEMEV_CIM_UINT32, NULL},
    {"Big", WBEMEV_CIM_SINT64, NULL},
    {"Huge", WBEMEV_CIM_UINT64, NULL},
    {"Ratio", WBEMEV_CIM_REAL32, NULL},
    {"Precise", WBEMEV_CIM_REAL64, NULL},
    {"Flag", WBEMEV_CIM_BOOLEAN, NULL},
    {"Off", WBEMEV_CIM_BOOLEAN, NULL},
    {"When", WBEMEV_CIM_DATETIME, NULL},
    {"Initial", WBEMEV_CIM_CHAR16, NULL},
    {"Path", WBEMEV_CIM_REFERENCE, "Sample_Target"},
    {"Target", WBEMEV_CIM_OBJECT, "Sample_Target"},
    {"Anything", WBEMEV_CIM_OBJECT, NULL},
    {"Tags", WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY, NULL},
    {"Samples", WBEMEV_CIM_SINT32 | WBEMEV_CIM_FLAG_ARRAY, NULL},
    {"Bigs", WBEMEV_CIM_UINT64 | WBEMEV_CIM_FLAG_ARRAY, NULL},
    {"Flags", WBEMEV_CIM_BOOLEAN | WBEMEV_CIM_FLAG_ARRAY, NULL},
    {"Targets", WBEMEV_CIM_OBJECT | WBEMEV_CIM_FLAG_ARRAY, "Sample_Target"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const wbemev_class_def test_classes[] = {
    {"Sample_Target", NULL, target_props, COUNT(target_props)},
    {"Sample_Event", "__ExtrinsicEvent", event_props, COUNT(event_props)},
};

static const char *const test_queries[] = {"SELECT * FROM Sample_Event"};

static const wbemev_registration test_registration = {
    .namespace_name = "root\\cimv2",
    .provider_name = "ShimTestProvider",
    .clsid = "{0F3C8B9E-5A41-4C6D-9E2B-7D1A2C3B4E5F}",
    .classes = test_classes,
    .class_count = COUNT(test_classes),
    .event_queries = test_queries,
    .query_count = COUNT(test_queries),
};

static const GUID test_clsid = {0x0F3C8B9E, 0x5A41, 0x4C6D, {0x9E, 0x2B, 0x7D, 0x1A, 0x2C, 0x3B, 0x4E, 0x5F}};

/* "Zürich ☃ 𝄞" in UTF-8 and UTF-16. */
#define NON_ASCII_UTF8 "Z\xC3\xBCrich \xE2\x98\x83 \xF0\x9D\x84\x9E"
#define NON_ASCII_UTF16 L"Z\x00FCrich \x2603 \xD834\xDD1E"

/* ---- the wbemev provider under the shim ---- */

struct provider_config {
    bool init_async;             /* keep the init sink and report later (test_provider_report) */
    bool init_silent;            /* return init_return without reporting */
    wbemev_status init_report;   /* what initialize reports */
    wbemev_status init_return;
    wbemev_status provide_return;
    wbemev_status new_query_return;
    wbemev_status cancel_return;
    wbemev_status access_return;
    bool start_thread;           /* provide_events starts a thread that indicates until cancelled */
};

struct test_provider {
    wbemev_provider_t base;
    LONG refs;
    struct provider_config cfg;
    wbemev_sink_t *sink;
    wbemev_sink_t *init_sink;
    wbemev_namespace_t *ns;
    char init_user[64], init_namespace[64], init_locale[64], init_provider[64];
    LONG initialize_calls, provide_calls, new_query_calls, cancel_calls, access_calls;
    uint32_t last_id;
    char last_language[16];
    char last_query[256];
    uint8_t last_sid[64];
    size_t last_sid_length;
    bool last_sid_null;
    HANDLE thread;
    volatile LONG stop;
    LONG thread_indicates;
    wbemev_status thread_last_status;
};

static LONG providers_alive;
static LONG providers_stopped;
static struct provider_config next_config; /* what the module's create function uses */

static inline struct test_provider *impl_from_provider(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct test_provider, base);
}

static void copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src != NULL ? src : "(null)");
}

static void tp_add_ref(wbemev_provider_t *p)
{
    InterlockedIncrement(&impl_from_provider(p)->refs);
}

static void tp_release(wbemev_provider_t *p)
{
    struct test_provider *tp = impl_from_provider(p);
    if (InterlockedDecrement(&tp->refs) != 0)
        return;
    /* Stop: end the thread, then let go of the sink (docs/contract.md#release). */
    if (tp->thread != NULL) {
        InterlockedExchange(&tp->stop, 1);
        WaitForSingleObject(tp->thread, INFINITE);
        CloseHandle(tp->thread);
    }
    if (tp->sink != NULL)
        wbemev_sink_release(tp->sink);
    if (tp->init_sink != NULL)
        wbemev_sink_release(tp->init_sink);
    if (tp->ns != NULL)
        wbemev_namespace_release(tp->ns);
    free(tp);
    InterlockedDecrement(&providers_alive);
    InterlockedIncrement(&providers_stopped);
}

static wbemev_status tp_initialize(wbemev_provider_t *p, const wbemev_provider_init *init,
                                   wbemev_sink_t *init_sink)
{
    struct test_provider *tp = impl_from_provider(p);
    InterlockedIncrement(&tp->initialize_calls);
    copy_text(tp->init_user, sizeof tp->init_user, init->user);
    copy_text(tp->init_namespace, sizeof tp->init_namespace, init->namespace_name);
    copy_text(tp->init_locale, sizeof tp->init_locale, init->locale);
    copy_text(tp->init_provider, sizeof tp->init_provider, init->provider_name);
    if (tp->ns != NULL)
        wbemev_namespace_release(tp->ns);
    tp->ns = wbemev_namespace_add_ref(init->ns);
    if (tp->cfg.init_silent)
        return tp->cfg.init_return;
    if (tp->cfg.init_async) {
        tp->init_sink = wbemev_sink_add_ref(init_sink);
        return WBEMEV_S_NO_ERROR;
    }
    wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE, tp->cfg.init_report, NULL, NULL);
    return tp->cfg.init_return;
}

static wbemev_object_t *make_event(wbemev_namespace_t *ns, const char *name);

static DWORD WINAPI indicate_thread(void *arg)
{
    struct test_provider *tp = arg;
    while (!InterlockedCompareExchange(&tp->stop, 0, 0)) {
        wbemev_object_t *ev = make_event(tp->ns, "threaded");
        wbemev_status s = wbemev_sink_indicate1(tp->sink, ev);
        wbemev_object_release(ev);
        tp->thread_last_status = s;
        if (s == WBEMEV_E_CALL_CANCELLED)
            break;
        InterlockedIncrement(&tp->thread_indicates);
        Sleep(0);
    }
    return 0;
}

static wbemev_status tp_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    struct test_provider *tp = impl_from_provider(p);
    (void)flags;
    InterlockedIncrement(&tp->provide_calls);
    if (WBEMEV_FAILED(tp->cfg.provide_return))
        return tp->cfg.provide_return;
    /* A second call replaces the stored sink. */
    if (tp->sink != NULL)
        wbemev_sink_release(tp->sink);
    tp->sink = wbemev_sink_add_ref(sink);
    if (tp->cfg.start_thread && tp->thread == NULL) {
        tp->thread = CreateThread(NULL, 0, indicate_thread, tp, 0, NULL);
        if (tp->thread == NULL)
            return WBEMEV_E_FAILED;
    }
    return tp->cfg.provide_return;
}

static wbemev_status tp_new_query(wbemev_provider_t *p, uint32_t id, const char *language,
                                  const char *query)
{
    struct test_provider *tp = impl_from_provider(p);
    InterlockedIncrement(&tp->new_query_calls);
    tp->last_id = id;
    copy_text(tp->last_language, sizeof tp->last_language, language);
    copy_text(tp->last_query, sizeof tp->last_query, query);
    return tp->cfg.new_query_return;
}

static wbemev_status tp_cancel_query(wbemev_provider_t *p, uint32_t id)
{
    struct test_provider *tp = impl_from_provider(p);
    InterlockedIncrement(&tp->cancel_calls);
    tp->last_id = id;
    return tp->cfg.cancel_return;
}

static wbemev_status tp_access_check(wbemev_provider_t *p, const char *language, const char *query,
                                     const uint8_t *sid, size_t sid_length)
{
    struct test_provider *tp = impl_from_provider(p);
    InterlockedIncrement(&tp->access_calls);
    copy_text(tp->last_language, sizeof tp->last_language, language);
    copy_text(tp->last_query, sizeof tp->last_query, query);
    tp->last_sid_null = sid == NULL;
    tp->last_sid_length = sid_length;
    if (sid != NULL && sid_length <= sizeof tp->last_sid)
        memcpy(tp->last_sid, sid, sid_length);
    return tp->cfg.access_return;
}

static const wbemev_provider_vtbl full_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, tp_add_ref,   tp_release,      tp_initialize,
    tp_provide_events,            tp_new_query, tp_cancel_query, tp_access_check,
};
static const wbemev_provider_vtbl minimal_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, tp_add_ref, tp_release, NULL, tp_provide_events, NULL, NULL, NULL,
};
static const wbemev_provider_vtbl security_only_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, tp_add_ref, tp_release, NULL, tp_provide_events, NULL, NULL,
    tp_access_check,
};
static const wbemev_provider_vtbl cancel_only_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, tp_add_ref, tp_release, NULL, tp_provide_events, NULL,
    tp_cancel_query, NULL,
};

static struct test_provider *test_provider_new(const wbemev_provider_vtbl *vtbl,
                                               const struct provider_config *cfg)
{
    struct test_provider *tp = calloc(1, sizeof *tp);
    assert_non_null(tp);
    tp->base.vtbl = vtbl;
    tp->refs = 1;
    if (cfg != NULL)
        tp->cfg = *cfg;
    InterlockedIncrement(&providers_alive);
    return tp;
}

/* ---- wbemev events ---- */

static wbemev_object_t *spawn(wbemev_namespace_t *ns, const char *cls_name)
{
    wbemev_class_t *cls = NULL;
    wbemev_object_t *obj = NULL;
    assert_wbemev_ok(wbemev_namespace_get_class(ns, cls_name, &cls));
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &obj));
    wbemev_class_release(cls);
    return obj;
}

static wbemev_object_t *make_event(wbemev_namespace_t *ns, const char *name)
{
    wbemev_object_t *ev = spawn(ns, "Sample_Event");
    assert_wbemev_ok(wbemev_object_put_string(ev, "Name", name));
    return ev;
}

/* ---- fixture ---- */

struct fixture {
    struct fake_services *services;
    struct fake_object *target_class, *event_class, *other_class;
    struct fake_sink *sink;
    struct fake_init_sink *init_sink;
};

static struct fake_object *fake_class_for(const char *name, const wbemev_property_def *props, size_t n,
                                          bool event)
{
    const char *names[FAKE_MAX_PROPS];
    size_t count = 0;
    if (event) {
        names[count++] = "SECURITY_DESCRIPTOR";
        names[count++] = "TIME_CREATED";
    }
    for (size_t i = 0; i < n; i++)
        names[count++] = props[i].name;
    return fake_class_new(name, names, count);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->services = fake_services_new();
    f->target_class = fake_class_for("Sample_Target", target_props, COUNT(target_props), false);
    f->event_class = fake_class_for("Sample_Event", event_props, COUNT(event_props), true);
    static const wbemev_property_def other_props[] = {{"Name", WBEMEV_CIM_STRING, NULL}};
    f->other_class = fake_class_for("Other_Event", other_props, 1, true);
    fake_services_add(f->services, f->target_class);
    fake_services_add(f->services, f->event_class);
    fake_services_add(f->services, f->other_class);
    f->sink = fake_sink_new();
    f->init_sink = fake_init_sink_new();
    providers_stopped = 0;
    memset(&next_config, 0, sizeof next_config);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    fake_sink_clear(f->sink);
    /* Reference balance: only the test's own references are left. */
    assert_int_equal(f->sink->refs, 1);
    assert_int_equal(f->init_sink->refs, 1);
    assert_int_equal(f->services->refs, 1);
    assert_int_equal(fake_object_refs(f->target_class), 2); /* the test's and the services' */
    assert_int_equal(fake_object_refs(f->event_class), 2);
    assert_int_equal(fake_object_refs(f->other_class), 2);
    assert_int_equal(fake_live_instances(), 0);
    assert_int_equal(wbemev_win_object_count(), 0);
    assert_int_equal(wbemev_win_lock_count(), 0);
    assert_int_equal(wbemev_win_dll_can_unload_now(), S_OK);
    assert_int_equal(providers_alive, 0);
    wbemev_test_assert_no_leaks();

    assert_int_equal(fake_sink_release(f->sink), 0);
    assert_int_equal(fake_init_sink_release(f->init_sink), 0);
    IWbemClassObject_Release(&f->target_class->IWbemClassObject_iface);
    IWbemClassObject_Release(&f->event_class->IWbemClassObject_iface);
    IWbemClassObject_Release(&f->other_class->IWbemClassObject_iface);
    assert_int_equal(fake_services_release(f->services), 0);
    free(f);
    return 0;
}

/* A COM provider object over a new test provider; *tp stays valid while the object lives. */
static IWbemEventProvider *com_provider(const wbemev_provider_vtbl *vtbl, const struct provider_config *cfg,
                                        struct test_provider **tp)
{
    struct test_provider *p = test_provider_new(vtbl, cfg);
    IWbemEventProvider *ep = NULL;
    assert_int_equal(wbemev_win_provider_create(&test_registration, &p->base, &IID_IWbemEventProvider,
                                                (void **)&ep),
                     S_OK);
    assert_non_null(ep);
    assert_int_equal(p->refs, 2); /* the shim's and ours */
    tp_release(&p->base);
    if (tp != NULL)
        *tp = p;
    return ep;
}

static HRESULT initialize(struct fixture *f, IWbemEventProvider *ep)
{
    IWbemProviderInit *init = NULL;
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemProviderInit, (void **)&init), S_OK);
    WCHAR user[] = L"NT AUTHORITY\\NETWORK SERVICE", ns[] = L"root\\cimv2", locale[] = L"MS_409";
    HRESULT hr = IWbemProviderInit_Initialize(init, user, 0, ns, locale, &f->services->IWbemServices_iface,
                                              NULL, &f->init_sink->IWbemProviderInitSink_iface);
    IWbemProviderInit_Release(init);
    return hr;
}

/* An initialized provider object with events flowing to f->sink. */
static IWbemEventProvider *started_provider(struct fixture *f, const struct provider_config *cfg,
                                            struct test_provider **tp)
{
    IWbemEventProvider *ep = com_provider(&full_vtbl, cfg, tp);
    assert_int_equal(initialize(f, ep), S_OK);
    assert_int_equal(IWbemEventProvider_ProvideEvents(ep, &f->sink->IWbemObjectSink_iface, 0), S_OK);
    assert_non_null((*tp)->sink);
    return ep;
}

/* ---- VARIANT assertions ---- */

static const VARIANT *put_of(const struct fake_object *inst, const WCHAR *name)
{
    const struct fake_put *p = fake_find_put(inst, name);
    if (p == NULL) {
        char n[FAKE_MAX_NAME];
        WideCharToMultiByte(CP_UTF8, 0, name, -1, n, sizeof n, NULL, NULL);
        print_error("no Put of %s\n", n);
        fail();
    }
    return &p->value;
}

static void assert_wstr_equal(const WCHAR *got, const WCHAR *expected)
{
    if (got == NULL || wcscmp(got, expected) != 0) {
        char g[256] = "(null)", e[256];
        if (got != NULL)
            WideCharToMultiByte(CP_UTF8, 0, got, -1, g, sizeof g, NULL, NULL);
        WideCharToMultiByte(CP_UTF8, 0, expected, -1, e, sizeof e, NULL, NULL);
        print_error("got \"%s\", expected \"%s\"\n", g, e);
        fail();
    }
}

static void assert_bstr_put(const struct fake_object *inst, const WCHAR *name, const WCHAR *expected)
{
    const VARIANT *v = put_of(inst, name);
    assert_int_equal(V_VT(v), VT_BSTR);
    assert_int_equal(SysStringLen(V_BSTR(v)), wcslen(expected));
    assert_wstr_equal(V_BSTR(v), expected);
}

static const struct fake_object *logged(struct fixture *f, size_t i)
{
    assert_true(i < f->sink->log_count);
    const struct fake_object *o = fake_object_from((IUnknown *)f->sink->log[i]);
    assert_non_null(o);
    return o;
}

/* ---- QueryInterface and creation ---- */

static void test_query_interface_full(void **state)
{
    (void)state;
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = com_provider(&full_vtbl, NULL, &tp);
    assert_int_equal(wbemev_win_object_count(), 1);
    assert_int_equal(wbemev_win_dll_can_unload_now(), S_FALSE);

    IUnknown *unk = NULL, *unk2 = NULL;
    IWbemProviderInit *init = NULL;
    IWbemEventProviderQuerySink *qs = NULL;
    IWbemEventProviderSecurity *sec = NULL;
    IWbemEventProvider *ep2 = NULL;
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IUnknown, (void **)&unk), S_OK);
    assert_ptr_equal(unk, ep); /* the identity is the primary interface */
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemProviderInit, (void **)&init), S_OK);
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemEventProviderQuerySink, (void **)&qs),
                     S_OK);
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemEventProviderSecurity, (void **)&sec),
                     S_OK);
    assert_non_null(init);
    assert_non_null(qs);
    assert_non_null(sec);
    assert_ptr_not_equal(init, ep);
    assert_ptr_not_equal((void *)qs, (void *)sec);

    /* Every interface leads back to the same identity and to each other. */
    assert_int_equal(IWbemEventProviderSecurity_QueryInterface(sec, &IID_IUnknown, (void **)&unk2), S_OK);
    assert_ptr_equal(unk2, unk);
    IUnknown_Release(unk2);
    assert_int_equal(IWbemEventProviderQuerySink_QueryInterface(qs, &IID_IWbemEventProvider, (void **)&ep2),
                     S_OK);
    assert_ptr_equal(ep2, ep);
    IWbemEventProvider_Release(ep2);

    /* One shared count: each QI added one. */
    assert_int_equal(IWbemEventProvider_AddRef(ep), 6);
    assert_int_equal(IWbemProviderInit_Release(init), 5);
    assert_int_equal(IWbemEventProviderQuerySink_Release(qs), 4);
    assert_int_equal(IWbemEventProviderSecurity_Release(sec), 3);
    assert_int_equal(IUnknown_Release(unk), 2);

    void *none = (void *)1;
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemServices, &none), E_NOINTERFACE);
    assert_null(none);
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemObjectSink, &none), E_NOINTERFACE);
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemEventProvider, NULL), E_POINTER);

    assert_int_equal(IWbemEventProvider_Release(ep), 1);
    assert_int_equal(providers_stopped, 0);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
    assert_int_equal(providers_stopped, 1); /* the final Release stopped the wbemev provider */
}

static void check_optional_interfaces(const wbemev_provider_vtbl *vtbl, HRESULT query_sink, HRESULT security)
{
    IWbemEventProvider *ep = com_provider(vtbl, NULL, NULL);
    void *p = NULL;
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemEventProviderQuerySink, &p), query_sink);
    if (p != NULL)
        IUnknown_Release((IUnknown *)p);
    p = NULL;
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemEventProviderSecurity, &p), security);
    if (p != NULL)
        IUnknown_Release((IUnknown *)p);
    p = NULL;
    /* IWbemProviderInit is always there: the shim needs it to fetch the classes. */
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemProviderInit, &p), S_OK);
    IUnknown_Release((IUnknown *)p);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
}

static void test_query_interface_optional(void **state)
{
    (void)state;
    check_optional_interfaces(&minimal_vtbl, E_NOINTERFACE, E_NOINTERFACE);
    check_optional_interfaces(&security_only_vtbl, E_NOINTERFACE, S_OK);
    check_optional_interfaces(&cancel_only_vtbl, S_OK, E_NOINTERFACE);
    check_optional_interfaces(&full_vtbl, S_OK, S_OK);
    assert_int_equal(providers_stopped, 4);
}

static void test_create_errors(void **state)
{
    (void)state;
    struct test_provider *tp = test_provider_new(&full_vtbl, NULL);
    void *out = (void *)1;
    assert_int_equal(wbemev_win_provider_create(&test_registration, &tp->base, &IID_IWbemEventProvider, NULL),
                     E_POINTER);
    assert_int_equal(wbemev_win_provider_create(&test_registration, NULL, &IID_IWbemEventProvider, &out),
                     (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_null(out);
    wbemev_registration bad = test_registration;
    bad.clsid = "not a clsid";
    assert_int_equal(wbemev_win_provider_create(&bad, &tp->base, &IID_IWbemEventProvider, &out),
                     (HRESULT)WBEM_E_INVALID_PARAMETER);
    const wbemev_provider_vtbl no_provide = {WBEMEV_PROVIDER_VTBL_VERSION, tp_add_ref, tp_release,
                                             NULL, NULL, NULL, NULL, NULL};
    struct test_provider *broken = test_provider_new(&no_provide, NULL);
    assert_int_equal(wbemev_win_provider_create(&test_registration, &broken->base, &IID_IWbemEventProvider,
                                                &out),
                     (HRESULT)WBEM_E_INVALID_PARAMETER);
    tp_release(&broken->base);

    /* An interface it does not serve: no object is left, the provider is released again. */
    assert_int_equal(wbemev_win_provider_create(&test_registration, &tp->base, &IID_IWbemServices, &out),
                     E_NOINTERFACE);
    assert_null(out);
    assert_int_equal(tp->refs, 1);
    assert_int_equal(wbemev_win_object_count(), 0);
    tp_release(&tp->base);
    assert_int_equal(providers_stopped, 2);
}

/* ---- Initialize ---- */

static void test_initialize_reports_ready(void **state)
{
    struct fixture *f = *state;
    struct test_provider *tp = NULL;
    struct provider_config cfg = {.init_report = WBEMEV_S_INITIALIZED};
    IWbemEventProvider *ep = com_provider(&full_vtbl, &cfg, &tp);

    assert_int_equal(initialize(f, ep), (HRESULT)WBEM_S_NO_ERROR);
    assert_int_equal(f->init_sink->calls, 1);
    assert_int_equal(f->init_sink->last_status, (HRESULT)WBEM_S_INITIALIZED);
    assert_int_equal(f->init_sink->last_flags, 0);
    /* The class objects, fetched once each, with real BSTRs. */
    assert_int_equal(f->services->get_object_calls, 2);
    assert_int_equal(f->services->get_object_calls_by_class[0], 1);
    assert_int_equal(f->services->get_object_calls_by_class[1], 1);
    assert_true(f->services->refs > 1); /* kept */
    assert_int_equal(fake_object_refs(f->event_class), 3);

    /* The wbemev provider saw UTF-8 arguments and a namespace defining the registration's classes. */
    assert_int_equal(tp->initialize_calls, 1);
    assert_string_equal(tp->init_user, "NT AUTHORITY\\NETWORK SERVICE");
    assert_string_equal(tp->init_namespace, "root\\cimv2");
    assert_string_equal(tp->init_locale, "MS_409");
    assert_string_equal(tp->init_provider, "ShimTestProvider");
    assert_non_null(tp->ns);
    assert_string_equal(wbemev_namespace_name(tp->ns), "root\\cimv2");
    wbemev_class_t *cls = NULL;
    assert_wbemev_ok(wbemev_namespace_get_class(tp->ns, "Sample_Event", &cls));
    assert_true(wbemev_class_is_event_class(cls));
    assert_int_equal(wbemev_class_property_count(cls), COUNT(event_props) + 2);
    wbemev_class_release(cls);

    assert_int_equal(IWbemEventProvider_Release(ep), 0);
    /* Released: the services, its class objects and the init sink are back to the test's. */
    assert_int_equal(f->services->refs, 1);
    assert_int_equal(f->init_sink->refs, 1);
}

static void test_initialize_without_slot(void **state)
{
    struct fixture *f = *state;
    IWbemEventProvider *ep = com_provider(&minimal_vtbl, NULL, NULL);
    assert_int_equal(initialize(f, ep), (HRESULT)WBEM_S_NO_ERROR);
    assert_int_equal(f->init_sink->calls, 1);
    assert_int_equal(f->init_sink->last_status, (HRESULT)WBEM_S_INITIALIZED);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
}

static void test_initialize_missing_class(void **state)
{
    struct fixture *f = *state;
    struct fake_services *empty = fake_services_new();
    fake_services_add(empty, f->target_class); /* no Sample_Event */
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = com_provider(&full_vtbl, NULL, &tp);
    IWbemProviderInit *init = NULL;
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemProviderInit, (void **)&init), S_OK);
    assert_int_equal(IWbemProviderInit_Initialize(init, NULL, 0, NULL, NULL, &empty->IWbemServices_iface,
                                                  NULL, &f->init_sink->IWbemProviderInitSink_iface),
                     (HRESULT)WBEM_S_NO_ERROR);
    assert_int_equal(f->init_sink->calls, 1);
    assert_int_equal(f->init_sink->last_status, (HRESULT)WBEM_E_FAILED);
    assert_int_equal(tp->initialize_calls, 0); /* the wbemev provider is not asked */
    assert_int_equal(empty->refs, 1);          /* nothing kept */
    assert_int_equal(fake_object_refs(f->target_class), 3);

    /* Not initialized: ProvideEvents refuses and keeps nothing. */
    assert_int_equal(IWbemEventProvider_ProvideEvents(ep, &f->sink->IWbemObjectSink_iface, 0),
                     (HRESULT)WBEM_E_UNEXPECTED);
    assert_int_equal(f->sink->refs, 1);
    assert_int_equal(tp->provide_calls, 0);

    assert_int_equal(IWbemProviderInit_Initialize(init, NULL, 0, NULL, NULL, NULL, NULL,
                                                  &f->init_sink->IWbemProviderInitSink_iface),
                     (HRESULT)WBEM_E_INVALID_PARAMETER);
    IWbemProviderInit_Release(init);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
    assert_int_equal(fake_services_release(empty), 0);
}

static void test_initialize_failure_passes_through(void **state)
{
    struct fixture *f = *state;
    struct provider_config cfg = {.init_silent = true, .init_return = WBEMEV_E_ACCESS_DENIED};
    IWbemEventProvider *ep = com_provider(&full_vtbl, &cfg, NULL);
    assert_int_equal(initialize(f, ep), (HRESULT)WBEM_E_ACCESS_DENIED);
    /* It did not report: the shim reports the failure so WMI is not left waiting. */
    assert_int_equal(f->init_sink->calls, 1);
    assert_int_equal(f->init_sink->last_status, (HRESULT)WBEM_E_FAILED);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);

    cfg = (struct provider_config){.init_report = WBEMEV_E_FAILED};
    ep = com_provider(&full_vtbl, &cfg, NULL);
    assert_int_equal(initialize(f, ep), (HRESULT)WBEM_S_NO_ERROR);
    assert_int_equal(f->init_sink->calls, 2);
    assert_int_equal(f->init_sink->last_status, (HRESULT)WBEM_E_FAILED);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
}

static void test_initialize_reports_later(void **state)
{
    struct fixture *f = *state;
    struct test_provider *tp = NULL;
    struct provider_config cfg = {.init_async = true};
    IWbemEventProvider *ep = com_provider(&full_vtbl, &cfg, &tp);
    assert_int_equal(initialize(f, ep), (HRESULT)WBEM_S_NO_ERROR);
    assert_int_equal(f->init_sink->calls, 0);
    assert_true(f->init_sink->refs > 1); /* WMI's init sink is kept for the later report */

    assert_wbemev_status(wbemev_sink_set_status(tp->init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_INITIALIZED, NULL,
                                                NULL),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(f->init_sink->calls, 1);
    assert_int_equal(f->init_sink->last_status, (HRESULT)WBEM_S_INITIALIZED);
    /* Once only; and the init sink takes no events. */
    assert_wbemev_status(wbemev_sink_set_status(tp->init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_E_FAILED, NULL, NULL),
                         WBEMEV_E_INVALID_OPERATION);
    assert_wbemev_status(wbemev_sink_indicate(tp->init_sink, 0, NULL), WBEMEV_E_INVALID_OPERATION);
    assert_int_equal(f->init_sink->calls, 1);

    /* A wbemev init sink kept past the final Release does not reach WMI. */
    wbemev_sink_t *kept = wbemev_sink_add_ref(tp->init_sink);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
    assert_int_equal(f->init_sink->refs, 1);
    assert_wbemev_status(wbemev_sink_set_status(kept, WBEMEV_STATUS_COMPLETE, WBEMEV_S_INITIALIZED, NULL, NULL),
                         WBEMEV_E_CALL_CANCELLED);
    wbemev_sink_release(kept);
}

/* ---- ProvideEvents and stop ---- */

static void test_provide_events_addrefs_and_stop_releases(void **state)
{
    struct fixture *f = *state;
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = com_provider(&full_vtbl, NULL, &tp);
    assert_int_equal(initialize(f, ep), S_OK);
    assert_int_equal(f->sink->refs, 1);
    assert_int_equal(IWbemEventProvider_ProvideEvents(ep, &f->sink->IWbemObjectSink_iface, 0), S_OK);
    assert_int_equal(f->sink->refs, 2); /* AddRef'd by ProvideEvents */
    assert_int_equal(tp->provide_calls, 1);
    assert_true(wbemev_sink_is_valid(tp->sink));

    /* A provider that still holds its sink after being stopped cannot reach WMI any more. */
    wbemev_sink_t *kept = wbemev_sink_add_ref(tp->sink);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
    assert_int_equal(providers_stopped, 1);
    assert_int_equal(f->sink->refs, 1); /* released on stop */
    assert_int_equal(f->services->refs, 1);

    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\cimv2", &ns));
    assert_wbemev_ok(wbemev_registration_define_classes(&test_registration, ns, false));
    wbemev_object_t *ev = make_event(ns, "late");
    assert_wbemev_status(wbemev_sink_indicate1(kept, ev), WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(f->sink->indicate_calls, 0);
    wbemev_object_release(ev);
    wbemev_namespace_release(ns);
    wbemev_sink_release(kept);
}

static void test_provide_events_failure_keeps_nothing(void **state)
{
    struct fixture *f = *state;
    struct provider_config cfg = {.provide_return = WBEMEV_E_ACCESS_DENIED};
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = com_provider(&full_vtbl, &cfg, &tp);
    assert_int_equal(initialize(f, ep), S_OK);
    assert_int_equal(IWbemEventProvider_ProvideEvents(ep, &f->sink->IWbemObjectSink_iface, 0),
                     (HRESULT)WBEM_E_ACCESS_DENIED);
    assert_int_equal(f->sink->refs, 1);
    assert_int_equal(IWbemEventProvider_ProvideEvents(ep, NULL, 0), (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
}

static void test_provide_events_twice_replaces_sink(void **state)
{
    struct fixture *f = *state;
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = started_provider(f, NULL, &tp);
    wbemev_sink_t *first = wbemev_sink_add_ref(tp->sink);
    struct fake_sink *second = fake_sink_new();
    assert_int_equal(IWbemEventProvider_ProvideEvents(ep, &second->IWbemObjectSink_iface, 0), S_OK);
    assert_int_equal(f->sink->refs, 1); /* the first WMI sink was let go */
    assert_int_equal(second->refs, 2);

    wbemev_object_t *ev = make_event(tp->ns, "to the second");
    assert_wbemev_status(wbemev_sink_indicate1(first, ev), WBEMEV_E_CALL_CANCELLED);
    assert_wbemev_status(wbemev_sink_indicate1(tp->sink, ev), WBEMEV_S_NO_ERROR);
    assert_int_equal(f->sink->indicate_calls, 0);
    assert_int_equal(second->indicate_calls, 1);
    wbemev_object_release(ev);
    wbemev_sink_release(first);

    assert_int_equal(IWbemEventProvider_Release(ep), 0);
    fake_sink_clear(second);
    assert_int_equal(fake_sink_release(second), 0);
}

/* ---- Indicate: the VARIANT of each CIM type ---- */

static void test_indicate_variant_per_cim_type(void **state)
{
    struct fixture *f = *state;
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = started_provider(f, NULL, &tp);
    wbemev_namespace_t *ns = tp->ns;

    wbemev_object_t *ev = spawn(ns, "Sample_Event");
    assert_wbemev_ok(wbemev_object_put_string(ev, "Name", NON_ASCII_UTF8));
    assert_wbemev_ok(wbemev_object_put_sint8(ev, "Small", -128));
    assert_wbemev_ok(wbemev_object_put_uint8(ev, "Octet", 200));
    assert_wbemev_ok(wbemev_object_put_sint16(ev, "Short", -32768));
    assert_wbemev_ok(wbemev_object_put_uint16(ev, "Port", 65535));
    assert_wbemev_ok(wbemev_object_put_sint32(ev, "Severity", -2147483647 - 1));
    assert_wbemev_ok(wbemev_object_put_uint32(ev, "Count", 4294967295u));
    assert_wbemev_ok(wbemev_object_put_sint64(ev, "Big", INT64_MIN));
    assert_wbemev_ok(wbemev_object_put_uint64(ev, "Huge", UINT64_MAX));
    assert_wbemev_ok(wbemev_object_put_real32(ev, "Ratio", 1.5f));
    assert_wbemev_ok(wbemev_object_put_real64(ev, "Precise", -0.125));
    assert_wbemev_ok(wbemev_object_put_boolean(ev, "Flag", true));
    assert_wbemev_ok(wbemev_object_put_boolean(ev, "Off", false));
    wbemev_datetime when;
    assert_wbemev_ok(wbemev_datetime_parse("20240229235958.123456+060", &when));
    assert_wbemev_ok(wbemev_object_put_datetime(ev, "When", when));
    assert_wbemev_ok(wbemev_object_put_char16(ev, "Initial", 0x00E9));
    assert_wbemev_ok(wbemev_object_put_reference(ev, "Path", "Sample_Target.Id=7"));
    wbemev_object_t *t1 = spawn(ns, "Sample_Target");
    assert_wbemev_ok(wbemev_object_put_uint32(t1, "Id", 7));
    assert_wbemev_ok(wbemev_object_put_string(t1, "Label", NON_ASCII_UTF8));
    assert_wbemev_ok(wbemev_object_put_object(ev, "Target", t1));
    wbemev_object_t *t2 = spawn(ns, "Sample_Target");
    assert_wbemev_ok(wbemev_object_put_uint32(t2, "Id", 8));
    wbemev_object_t *targets[] = {t1, t2};
    wbemev_value arr = WBEMEV_V_ARRAY(WBEMEV_CIM_OBJECT, targets, 2);
    assert_wbemev_ok(wbemev_object_put(ev, "Targets", &arr));
    wbemev_object_release(t1);
    wbemev_object_release(t2);
    const char *tags[] = {"a", NON_ASCII_UTF8, ""};
    arr = WBEMEV_V_ARRAY(WBEMEV_CIM_STRING, tags, 3);
    assert_wbemev_ok(wbemev_object_put(ev, "Tags", &arr));
    const int32_t samples[] = {1, -2, 2147483647};
    arr = WBEMEV_V_ARRAY(WBEMEV_CIM_SINT32, samples, 3);
    assert_wbemev_ok(wbemev_object_put(ev, "Samples", &arr));
    const uint64_t bigs[] = {0, UINT64_MAX};
    arr = WBEMEV_V_ARRAY(WBEMEV_CIM_UINT64, bigs, 2);
    assert_wbemev_ok(wbemev_object_put(ev, "Bigs", &arr));
    const bool flags[] = {true, false};
    arr = WBEMEV_V_ARRAY(WBEMEV_CIM_BOOLEAN, flags, 2);
    assert_wbemev_ok(wbemev_object_put(ev, "Flags", &arr));
    const uint8_t sd[] = {1, 0, 4, 0x80};
    arr = WBEMEV_V_ARRAY(WBEMEV_CIM_UINT8, sd, 4);
    assert_wbemev_ok(wbemev_object_put(ev, "SECURITY_DESCRIPTOR", &arr));

    FILETIME before;
    GetSystemTimeAsFileTime(&before);
    assert_wbemev_status(wbemev_sink_indicate1(tp->sink, ev), WBEMEV_S_NO_ERROR);
    assert_true(wbemev_object_is_frozen(ev)); /* indicated: immutable, as with the dispatcher */
    assert_int_equal(f->sink->indicate_calls, 1);
    assert_int_equal(f->sink->objects, 1);
    assert_int_equal(f->event_class->spawn_calls, 1);

    const struct fake_object *inst = logged(f, 0);
    assert_false(inst->is_class);
    assert_wstr_equal(inst->class_name, L"Sample_Event");
    /* Only the sink's log holds the instance: the shim released what it made. */
    assert_int_equal(fake_object_refs(inst), 1);

    const VARIANT *v;
    assert_bstr_put(inst, L"Name", NON_ASCII_UTF16);
    v = put_of(inst, L"Small");
    assert_int_equal(V_VT(v), VT_I2);
    assert_int_equal(V_I2(v), -128);
    v = put_of(inst, L"Octet");
    assert_int_equal(V_VT(v), VT_UI1);
    assert_int_equal(V_UI1(v), 200);
    v = put_of(inst, L"Short");
    assert_int_equal(V_VT(v), VT_I2);
    assert_int_equal(V_I2(v), -32768);
    v = put_of(inst, L"Port");
    assert_int_equal(V_VT(v), VT_I4);
    assert_int_equal(V_I4(v), 65535);
    v = put_of(inst, L"Severity");
    assert_int_equal(V_VT(v), VT_I4);
    assert_true(V_I4(v) == -2147483647L - 1);
    v = put_of(inst, L"Count");
    assert_int_equal(V_VT(v), VT_I4); /* uint32 travels as VT_I4, bits kept */
    assert_int_equal(V_I4(v), -1);
    assert_bstr_put(inst, L"Big", L"-9223372036854775808");
    assert_bstr_put(inst, L"Huge", L"18446744073709551615");
    v = put_of(inst, L"Ratio");
    assert_int_equal(V_VT(v), VT_R4);
    assert_true(V_R4(v) == 1.5f);
    v = put_of(inst, L"Precise");
    assert_int_equal(V_VT(v), VT_R8);
    assert_true(V_R8(v) == -0.125);
    v = put_of(inst, L"Flag");
    assert_int_equal(V_VT(v), VT_BOOL);
    assert_int_equal(V_BOOL(v), VARIANT_TRUE);
    assert_int_equal(V_BOOL(v), -1);
    v = put_of(inst, L"Off");
    assert_int_equal(V_VT(v), VT_BOOL);
    assert_int_equal(V_BOOL(v), VARIANT_FALSE);
    assert_bstr_put(inst, L"When", L"20240229235958.123456+060");
    v = put_of(inst, L"Initial");
    assert_int_equal(V_VT(v), VT_I2);
    assert_int_equal(V_I2(v), 0xE9);
    assert_bstr_put(inst, L"Path", L"Sample_Target.Id=7");

    /* Embedded object: an instance of the WMI class, itself converted. */
    v = put_of(inst, L"Target");
    assert_int_equal(V_VT(v), VT_UNKNOWN);
    const struct fake_object *embedded = fake_object_from(V_UNKNOWN(v));
    assert_non_null(embedded);
    assert_wstr_equal(embedded->class_name, L"Sample_Target");
    assert_int_equal(fake_object_refs(embedded), 1); /* held by the Put record only */
    v = put_of(embedded, L"Id");
    assert_int_equal(V_VT(v), VT_I4);
    assert_int_equal(V_I4(v), 7);
    assert_bstr_put(embedded, L"Label", NON_ASCII_UTF16);

    /* Arrays: SAFEARRAYs of the element's VARIANT type. */
    LONG lb = -1, ub = -1;
    v = put_of(inst, L"Tags");
    assert_int_equal(V_VT(v), VT_ARRAY | VT_BSTR);
    assert_int_equal(SafeArrayGetDim(V_ARRAY(v)), 1);
    assert_int_equal(SafeArrayGetLBound(V_ARRAY(v), 1, &lb), S_OK);
    assert_int_equal(SafeArrayGetUBound(V_ARRAY(v), 1, &ub), S_OK);
    assert_int_equal(lb, 0);
    assert_int_equal(ub, 2);
    BSTR *bstrs = NULL;
    assert_int_equal(SafeArrayAccessData(V_ARRAY(v), (void **)&bstrs), S_OK);
    assert_wstr_equal(bstrs[0], L"a");
    assert_wstr_equal(bstrs[1], NON_ASCII_UTF16);
    assert_int_equal(SysStringLen(bstrs[2]), 0);
    SafeArrayUnaccessData(V_ARRAY(v));

    v = put_of(inst, L"Samples");
    assert_int_equal(V_VT(v), VT_ARRAY | VT_I4);
    LONG *longs = NULL;
    assert_int_equal(SafeArrayAccessData(V_ARRAY(v), (void **)&longs), S_OK);
    assert_int_equal(longs[0], 1);
    assert_int_equal(longs[1], -2);
    assert_int_equal(longs[2], 2147483647);
    SafeArrayUnaccessData(V_ARRAY(v));

    v = put_of(inst, L"Bigs");
    assert_int_equal(V_VT(v), VT_ARRAY | VT_BSTR);
    assert_int_equal(SafeArrayAccessData(V_ARRAY(v), (void **)&bstrs), S_OK);
    assert_wstr_equal(bstrs[0], L"0");
    assert_wstr_equal(bstrs[1], L"18446744073709551615");
    SafeArrayUnaccessData(V_ARRAY(v));

    v = put_of(inst, L"Flags");
    assert_int_equal(V_VT(v), VT_ARRAY | VT_BOOL);
    VARIANT_BOOL *bools = NULL;
    assert_int_equal(SafeArrayAccessData(V_ARRAY(v), (void **)&bools), S_OK);
    assert_int_equal(bools[0], VARIANT_TRUE);
    assert_int_equal(bools[1], VARIANT_FALSE);
    SafeArrayUnaccessData(V_ARRAY(v));

    v = put_of(inst, L"SECURITY_DESCRIPTOR");
    assert_int_equal(V_VT(v), VT_ARRAY | VT_UI1);
    BYTE *bytes = NULL;
    assert_int_equal(SafeArrayAccessData(V_ARRAY(v), (void **)&bytes), S_OK);
    assert_memory_equal(bytes, sd, sizeof sd);
    SafeArrayUnaccessData(V_ARRAY(v));

    v = put_of(inst, L"Targets");
    assert_int_equal(V_VT(v), VT_ARRAY | VT_UNKNOWN);
    IUnknown **unks = NULL;
    assert_int_equal(SafeArrayAccessData(V_ARRAY(v), (void **)&unks), S_OK);
    embedded = fake_object_from(unks[1]);
    assert_non_null(embedded);
    assert_int_equal(V_I4(put_of(embedded, L"Id")), 8);
    assert_null(fake_find_put(embedded, L"Label")); /* NULL: not Put */
    SafeArrayUnaccessData(V_ARRAY(v));

    /* NULL properties are not Put; TIME_CREATED, NULL, is stamped with the time of Indicate. */
    assert_null(fake_find_put(inst, L"Anything"));
    v = put_of(inst, L"TIME_CREATED");
    assert_int_equal(V_VT(v), VT_BSTR);
    uint64_t stamped = wcstoull(V_BSTR(v), NULL, 10);
    uint64_t start = ((uint64_t)before.dwHighDateTime << 32) | before.dwLowDateTime;
    assert_true(stamped >= start);
    assert_true(stamped - start < 600000000ull); /* within a minute */
    assert_int_equal(inst->put_count, COUNT(event_props) - 1 + 2); /* all but Anything, + SD and time */

    wbemev_object_release(ev);
    fake_sink_clear(f->sink);
    assert_int_equal(fake_live_instances(), 0);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
}

static void test_indicate_batches_and_time_created_kept(void **state)
{
    struct fixture *f = *state;
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = started_provider(f, NULL, &tp);

    /* More than fit on the shim's stack array. */
    wbemev_object_t *evs[40];
    for (size_t i = 0; i < COUNT(evs); i++) {
        evs[i] = make_event(tp->ns, "burst");
        assert_wbemev_ok(wbemev_object_put_uint64(evs[i], "TIME_CREATED", 1000 + i));
    }
    assert_wbemev_status(wbemev_sink_indicate(tp->sink, (int32_t)COUNT(evs), evs), WBEMEV_S_NO_ERROR);
    assert_int_equal(f->sink->indicate_calls, 1);
    assert_int_equal(f->sink->objects, 40);
    assert_int_equal(f->sink->log_count, 40);
    assert_bstr_put(logged(f, 0), L"TIME_CREATED", L"1000");
    assert_bstr_put(logged(f, 39), L"TIME_CREATED", L"1039");
    for (size_t i = 0; i < COUNT(evs); i++) {
        assert_int_equal(fake_object_refs(logged(f, i)), 1);
        wbemev_object_release(evs[i]);
    }
    /* No classes were fetched again. */
    assert_int_equal(f->services->get_object_calls, 2);

    /* Nothing to send: nothing reaches WMI. */
    assert_wbemev_status(wbemev_sink_indicate(tp->sink, 0, NULL), WBEMEV_S_NO_ERROR);
    assert_int_equal(f->sink->indicate_calls, 1);
    assert_wbemev_status(wbemev_sink_indicate(tp->sink, -1, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_sink_indicate(tp->sink, 2, NULL), WBEMEV_E_INVALID_PARAMETER);
    wbemev_object_t *with_null[] = {NULL};
    assert_wbemev_status(wbemev_sink_indicate(tp->sink, 1, with_null), WBEMEV_E_INVALID_PARAMETER);
    assert_int_equal(f->sink->indicate_calls, 1);

    assert_int_equal(IWbemEventProvider_Release(ep), 0);
}

/* ---- status pass-through ---- */

static void test_indicate_status_passes_through(void **state)
{
    struct fixture *f = *state;
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = started_provider(f, NULL, &tp);
    wbemev_object_t *ev = make_event(tp->ns, "busy");

    static const HRESULT answers[] = {(HRESULT)WBEM_E_SERVER_TOO_BUSY, (HRESULT)WBEM_E_CALL_CANCELLED, (HRESULT)WBEM_E_QUEUE_OVERFLOW,
                                      (HRESULT)WBEM_S_FALSE, (HRESULT)WBEM_E_FAILED, (HRESULT)WBEM_S_NO_ERROR};
    for (size_t i = 0; i < COUNT(answers); i++) {
        f->sink->indicate_result = answers[i];
        wbemev_object_t *copy = NULL;
        assert_wbemev_ok(wbemev_object_clone(ev, &copy));
        assert_wbemev_status(wbemev_sink_indicate1(tp->sink, copy), (wbemev_status)answers[i]);
        wbemev_object_release(copy);
    }
    assert_int_equal(f->sink->indicate_calls, (LONG)COUNT(answers));

    /* A failing Put on the WMI side: its status comes back, WMI's Indicate is not called and the
     * half-built instance is released. */
    fake_class_fail_puts(f->event_class, (HRESULT)WBEM_E_TYPE_MISMATCH);
    wbemev_object_t *copy = NULL;
    assert_wbemev_ok(wbemev_object_clone(ev, &copy));
    assert_wbemev_status(wbemev_sink_indicate1(tp->sink, copy), WBEMEV_E_TYPE_MISMATCH);
    assert_int_equal(f->sink->indicate_calls, (LONG)COUNT(answers));
    fake_sink_clear(f->sink);
    assert_int_equal(fake_live_instances(), 0);
    fake_class_fail_puts(f->event_class, S_OK);
    wbemev_object_release(copy);

    /* The event sink refuses SetStatus (guideline 4) and WMI never sees it. */
    assert_wbemev_status(wbemev_sink_set_status(tp->sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_NO_ERROR, NULL, NULL),
                         WBEMEV_E_INVALID_OPERATION);
    assert_int_equal(f->sink->set_status_calls, 0);

    wbemev_object_release(ev);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
}

static void test_indicate_class_lookup(void **state)
{
    struct fixture *f = *state;
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = started_provider(f, NULL, &tp);

    /* A class outside the registration is fetched from WMI on first use, then cached. */
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\cimv2", &ns));
    static const wbemev_property_def other_props[] = {{"Name", WBEMEV_CIM_STRING, NULL}};
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Other_Event", "__ExtrinsicEvent", other_props, 1, NULL));
    assert_wbemev_ok(wbemev_namespace_define_class(ns, "Unknown_Event", "__ExtrinsicEvent", other_props, 1, NULL));
    for (int i = 0; i < 2; i++) {
        wbemev_object_t *ev = spawn(ns, "Other_Event");
        assert_wbemev_ok(wbemev_object_put_string(ev, "Name", "other"));
        assert_wbemev_status(wbemev_sink_indicate1(tp->sink, ev), WBEMEV_S_NO_ERROR);
        wbemev_object_release(ev);
    }
    assert_int_equal(f->services->get_object_calls_by_class[2], 1);
    assert_int_equal(f->sink->indicate_calls, 2);
    assert_wstr_equal(logged(f, 1)->class_name, L"Other_Event");

    /* A class WMI does not know: GetObject's status comes back. */
    wbemev_object_t *ev = spawn(ns, "Unknown_Event");
    assert_wbemev_status(wbemev_sink_indicate1(tp->sink, ev), WBEMEV_E_NOT_FOUND);
    assert_int_equal(f->sink->indicate_calls, 2);
    wbemev_object_release(ev);
    wbemev_namespace_release(ns);

    assert_int_equal(IWbemEventProvider_Release(ep), 0);
}

/* ---- NewQuery, CancelQuery, AccessCheck ---- */

static void test_query_sink_forwards_utf8(void **state)
{
    struct fixture *f = *state;
    struct provider_config cfg = {.new_query_return = WBEMEV_E_INVALID_QUERY};
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = com_provider(&full_vtbl, &cfg, &tp);
    (void)f;
    IWbemEventProviderQuerySink *qs = NULL;
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemEventProviderQuerySink, (void **)&qs),
                     S_OK);

    WCHAR wql[] = L"WQL";
    WCHAR query[] = L"SELECT * FROM Sample_Event WHERE Name = '" NON_ASCII_UTF16 L"'";
    assert_int_equal(IWbemEventProviderQuerySink_NewQuery(qs, 4000000000u, wql, query), (HRESULT)WBEM_E_INVALID_QUERY);
    assert_int_equal(tp->new_query_calls, 1);
    assert_true(tp->last_id == 4000000000u);
    assert_string_equal(tp->last_language, "WQL");
    assert_string_equal(tp->last_query, "SELECT * FROM Sample_Event WHERE Name = '" NON_ASCII_UTF8 "'");

    tp->cfg.new_query_return = WBEMEV_S_NO_ERROR;
    assert_int_equal(IWbemEventProviderQuerySink_NewQuery(qs, 7, wql, query), S_OK);
    /* A lone surrogate is not UTF-16 text: refused before the provider. */
    WCHAR broken[] = L"SELECT * FROM Sample_Event WHERE Name = '\xD800'";
    assert_int_equal(IWbemEventProviderQuerySink_NewQuery(qs, 8, wql, broken), (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(IWbemEventProviderQuerySink_NewQuery(qs, 8, NULL, query), (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(tp->new_query_calls, 2);

    tp->cfg.cancel_return = WBEMEV_E_NOT_FOUND;
    assert_int_equal(IWbemEventProviderQuerySink_CancelQuery(qs, 7), (HRESULT)WBEM_E_NOT_FOUND);
    assert_int_equal(tp->cancel_calls, 1);
    assert_int_equal(tp->last_id, 7);

    IWbemEventProviderQuerySink_Release(qs);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
}

static void test_access_check_forwards_sid(void **state)
{
    (void)state;
    struct provider_config cfg = {.access_return = WBEMEV_S_SUBJECT_TO_SDS};
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = com_provider(&security_only_vtbl, &cfg, &tp);
    IWbemEventProviderSecurity *sec = NULL;
    assert_int_equal(IWbemEventProvider_QueryInterface(ep, &IID_IWbemEventProviderSecurity, (void **)&sec),
                     S_OK);

    /* S-1-5-20 (NETWORK SERVICE), as bytes. */
    static const BYTE sid[] = {1, 1, 0, 0, 0, 0, 0, 5, 20, 0, 0, 0};
    assert_int_equal(IWbemEventProviderSecurity_AccessCheck(sec, L"WQL", L"SELECT * FROM Sample_Event",
                                                            (LONG)sizeof sid, sid),
                     (HRESULT)WBEM_S_SUBJECT_TO_SDS);
    assert_int_equal(tp->access_calls, 1);
    assert_string_equal(tp->last_language, "WQL");
    assert_string_equal(tp->last_query, "SELECT * FROM Sample_Event");
    assert_false(tp->last_sid_null);
    assert_int_equal(tp->last_sid_length, sizeof sid);
    assert_memory_equal(tp->last_sid, sid, sizeof sid);

    /* A temporary consumer: no SID. */
    tp->cfg.access_return = WBEMEV_E_ACCESS_DENIED;
    assert_int_equal(IWbemEventProviderSecurity_AccessCheck(sec, L"WQL", L"SELECT * FROM Sample_Event"
                                                                         L" WHERE Name = '" NON_ASCII_UTF16 L"'",
                                                            0, NULL),
                     (HRESULT)WBEM_E_ACCESS_DENIED);
    assert_true(tp->last_sid_null);
    assert_int_equal(tp->last_sid_length, 0);
    assert_string_equal(tp->last_query, "SELECT * FROM Sample_Event WHERE Name = '" NON_ASCII_UTF8 "'");
    assert_int_equal(IWbemEventProviderSecurity_AccessCheck(sec, L"WQL", L"x", -1, sid),
                     (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(IWbemEventProviderSecurity_AccessCheck(sec, L"WQL", L"x", 4, NULL),
                     (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(tp->access_calls, 2);

    IWbemEventProviderSecurity_Release(sec);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
}

/* ---- text and values ---- */

static void test_utf_round_trip(void **state)
{
    (void)state;
    BSTR b = NULL;
    assert_int_equal(wbemev_win_utf8_to_bstr(NON_ASCII_UTF8, &b), S_OK);
    assert_int_equal(SysStringLen(b), wcslen(NON_ASCII_UTF16));
    assert_wstr_equal(b, NON_ASCII_UTF16);
    char *back = NULL;
    assert_int_equal(wbemev_win_utf16_to_utf8(b, &back), S_OK);
    assert_string_equal(back, NON_ASCII_UTF8);
    wbemev_win_free(back);
    SysFreeString(b);

    assert_int_equal(wbemev_win_utf8_to_bstr("", &b), S_OK);
    assert_non_null(b);
    assert_int_equal(SysStringLen(b), 0);
    SysFreeString(b);
    assert_int_equal(wbemev_win_utf8_to_bstr(NULL, &b), S_OK);
    assert_null(b);

    /* Invalid input fails instead of becoming U+FFFD. */
    assert_int_equal(wbemev_win_utf8_to_bstr("bad \xC3\x28", &b), (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(wbemev_win_utf8_to_bstr("surrogate \xED\xA0\x80", &b), (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(wbemev_win_utf16_to_utf8(L"lone \xDC00", &back), (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(wbemev_win_utf8_to_bstr("x", NULL), E_POINTER);
}

static void test_variant_from_value(void **state)
{
    (void)state;
    VARIANT v;
    wbemev_value value = WBEMEV_V_SINT64(-42);
    assert_int_equal(wbemev_win_variant_from_value(&value, &v), S_OK);
    assert_int_equal(V_VT(&v), VT_BSTR);
    assert_wstr_equal(V_BSTR(&v), L"-42");
    VariantClear(&v);

    value = WBEMEV_V_UINT16(40000);
    assert_int_equal(wbemev_win_variant_from_value(&value, &v), S_OK);
    assert_int_equal(V_VT(&v), VT_I4);
    assert_int_equal(V_I4(&v), 40000);

    value = WBEMEV_V_SINT8(-1);
    assert_int_equal(wbemev_win_variant_from_value(&value, &v), S_OK);
    assert_int_equal(V_VT(&v), VT_I2);
    assert_int_equal(V_I2(&v), -1);

    value = WBEMEV_V_NULL(WBEMEV_CIM_STRING);
    assert_int_equal(wbemev_win_variant_from_value(&value, &v), S_OK);
    assert_int_equal(V_VT(&v), VT_NULL);

    const int16_t shorts[] = {-5, 5};
    value = WBEMEV_V_ARRAY(WBEMEV_CIM_SINT16, shorts, 2);
    assert_int_equal(wbemev_win_variant_from_value(&value, &v), S_OK);
    assert_int_equal(V_VT(&v), VT_ARRAY | VT_I2);
    VariantClear(&v);
    const uint16_t chars[] = {0x263A};
    value = WBEMEV_V_ARRAY(WBEMEV_CIM_CHAR16, chars, 0); /* empty arrays are arrays too */
    assert_int_equal(wbemev_win_variant_from_value(&value, &v), S_OK);
    assert_int_equal(V_VT(&v), VT_ARRAY | VT_I2);
    LONG ub = 0;
    assert_int_equal(SafeArrayGetUBound(V_ARRAY(&v), 1, &ub), S_OK);
    assert_int_equal(ub, -1);
    VariantClear(&v);

    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\cimv2", &ns));
    assert_wbemev_ok(wbemev_registration_define_classes(&test_registration, ns, false));
    wbemev_object_t *t = spawn(ns, "Sample_Target");
    value = WBEMEV_V_OBJECT(t);
    assert_int_equal(wbemev_win_variant_from_value(&value, &v), (HRESULT)WBEM_E_NOT_SUPPORTED);
    wbemev_object_release(t);
    wbemev_namespace_release(ns);

    value.type = (wbemev_cimtype)99;
    assert_int_equal(wbemev_win_variant_from_value(&value, &v), (HRESULT)WBEM_E_INVALID_CIM_TYPE);
}

/* ---- the provider DLL helpers ---- */

static wbemev_status module_create(void *ctx, wbemev_provider_t **out)
{
    assert_ptr_equal(ctx, &next_config);
    struct test_provider *tp = test_provider_new(&full_vtbl, &next_config);
    *out = &tp->base;
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_win_module test_module = {&test_registration, module_create, &next_config};

static void test_class_factory(void **state)
{
    (void)state;
    CLSID clsid;
    assert_int_equal(wbemev_win_registration_clsid(&test_registration, &clsid), S_OK);
    assert_true(IsEqualGUID(&clsid, &test_clsid));

    IClassFactory *cf = NULL;
    assert_int_equal(wbemev_win_dll_get_class_object(&test_module, &IID_IWbemServices, &IID_IClassFactory,
                                                     (void **)&cf),
                     CLASS_E_CLASSNOTAVAILABLE);
    assert_null(cf);
    assert_int_equal(wbemev_win_dll_get_class_object(&test_module, &test_clsid, &IID_IWbemServices,
                                                     (void **)&cf),
                     E_NOINTERFACE);
    assert_int_equal(wbemev_win_object_count(), 0);
    assert_int_equal(wbemev_win_dll_get_class_object(&test_module, &test_clsid, &IID_IClassFactory,
                                                     (void **)&cf),
                     S_OK);
    assert_int_equal(wbemev_win_dll_can_unload_now(), S_FALSE); /* the factory is alive */

    IUnknown *outer = (IUnknown *)cf;
    void *obj = NULL;
    assert_int_equal(IClassFactory_CreateInstance(cf, outer, &IID_IUnknown, &obj), CLASS_E_NOAGGREGATION);
    assert_int_equal(providers_alive, 0);
    IWbemEventProvider *ep = NULL;
    assert_int_equal(IClassFactory_CreateInstance(cf, NULL, &IID_IWbemEventProvider, (void **)&ep), S_OK);
    assert_int_equal(providers_alive, 1);
    assert_int_equal(wbemev_win_object_count(), 2);

    assert_int_equal(IClassFactory_LockServer(cf, TRUE), S_OK);
    assert_int_equal(IClassFactory_Release(cf), 0);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
    assert_int_equal(providers_alive, 0);
    assert_int_equal(wbemev_win_object_count(), 0);
    assert_int_equal(wbemev_win_dll_can_unload_now(), S_FALSE); /* still locked */
    assert_int_equal(wbemev_win_dll_get_class_object(&test_module, &test_clsid, &IID_IUnknown, (void **)&cf),
                     S_OK);
    assert_int_equal(IClassFactory_LockServer(cf, FALSE), S_OK);
    IClassFactory_Release(cf);
    assert_int_equal(wbemev_win_dll_can_unload_now(), S_OK);
}

static void read_value(HKEY root, const WCHAR *path, const WCHAR *name, WCHAR *out, DWORD size)
{
    HKEY key = NULL;
    assert_int_equal(RegOpenKeyExW(root, path, 0, KEY_READ, &key), ERROR_SUCCESS);
    DWORD type = 0, bytes = size;
    assert_int_equal(RegQueryValueExW(key, name, NULL, &type, (BYTE *)out, &bytes), ERROR_SUCCESS);
    assert_int_equal(type, REG_SZ);
    RegCloseKey(key);
}

static void test_register_server(void **state)
{
    (void)state;
    static const WCHAR key[] = L"CLSID\\{0F3C8B9E-5A41-4C6D-9E2B-7D1A2C3B4E5F}";
    static const WCHAR server[] = L"CLSID\\{0F3C8B9E-5A41-4C6D-9E2B-7D1A2C3B4E5F}\\InprocServer32";
    HRESULT hr = wbemev_win_dll_register_server(&test_module);
    if (hr == SELFREG_E_CLASS) {
        print_message("HKEY_CLASSES_ROOT is not writable here (not an administrator): skipped\n");
        skip();
    }
    assert_int_equal(hr, S_OK);

    WCHAR value[MAX_PATH + 1], self[MAX_PATH + 1];
    read_value(HKEY_CLASSES_ROOT, key, NULL, value, sizeof value);
    assert_wstr_equal(value, L"ShimTestProvider");
    read_value(HKEY_CLASSES_ROOT, server, L"ThreadingModel", value, sizeof value);
    assert_wstr_equal(value, L"Both");
    read_value(HKEY_CLASSES_ROOT, server, NULL, value, sizeof value);
    assert_true(GetModuleFileNameW(NULL, self, MAX_PATH + 1) > 0); /* the shim is linked into this exe */
    assert_true(_wcsicmp(value, self) == 0);

    assert_int_equal(wbemev_win_dll_unregister_server(&test_module), S_OK);
    HKEY gone = NULL;
    assert_int_equal(RegOpenKeyExW(HKEY_CLASSES_ROOT, key, 0, KEY_READ, &gone), ERROR_FILE_NOT_FOUND);
    assert_int_equal(wbemev_win_dll_unregister_server(&test_module), S_OK); /* already gone: fine */

    wbemev_win_module bad = test_module;
    wbemev_registration reg = test_registration;
    reg.clsid = "{nope}";
    bad.registration = &reg;
    assert_int_equal(wbemev_win_dll_register_server(&bad), (HRESULT)WBEM_E_INVALID_PARAMETER);
}

/* ---- provider parameters from the registry ---- */

#define TEST_PARAMS_KEY L"CLSID\\{0F3C8B9E-5A41-4C6D-9E2B-7D1A2C3B4E5F}\\wbemev"

/* Writes the test CLSID's Parameters (false when HKEY_CLASSES_ROOT is not writable here). */
static bool write_test_parameters(const WCHAR *multi_sz, DWORD bytes)
{
    HKEY key = NULL;
    LSTATUS rc = RegCreateKeyExW(HKEY_CLASSES_ROOT, TEST_PARAMS_KEY, 0, NULL, 0, KEY_WRITE, NULL, &key, NULL);
    if (rc == ERROR_ACCESS_DENIED)
        return false;
    assert_int_equal(rc, ERROR_SUCCESS);
    assert_int_equal(RegSetValueExW(key, L"Parameters", 0, REG_MULTI_SZ, (const BYTE *)multi_sz, bytes),
                     ERROR_SUCCESS);
    RegCloseKey(key);
    return true;
}

static void delete_test_registration(void)
{
    LSTATUS rc = RegDeleteTreeW(HKEY_CLASSES_ROOT, L"CLSID\\{0F3C8B9E-5A41-4C6D-9E2B-7D1A2C3B4E5F}");
    assert_true(rc == ERROR_SUCCESS || rc == ERROR_FILE_NOT_FOUND);
}

static HRESULT create_through_factory(HRESULT (*get)(const void *, REFCLSID, REFIID, void **), const void *served)
{
    IClassFactory *cf = NULL;
    assert_int_equal(get(served, &test_clsid, &IID_IClassFactory, (void **)&cf), S_OK);
    IWbemEventProvider *ep = NULL;
    HRESULT hr = IClassFactory_CreateInstance(cf, NULL, &IID_IWbemEventProvider, (void **)&ep);
    IClassFactory_Release(cf);
    if (SUCCEEDED(hr))
        assert_int_equal(IWbemEventProvider_Release(ep), 0);
    else
        assert_null(ep);
    assert_int_equal(providers_alive, 0);
    assert_int_equal(wbemev_win_dll_can_unload_now(), S_OK);
    return hr;
}

static HRESULT get_module_factory(const void *served, REFCLSID rclsid, REFIID riid, void **out)
{
    return wbemev_win_dll_get_class_object(served, rclsid, riid, out);
}

static HRESULT get_plugin_factory(const void *served, REFCLSID rclsid, REFIID riid, void **out)
{
    return wbemev_win_plugin_get_class_object(served, rclsid, riid, out);
}

/* A wbemev_win_module's create function takes no parameters: it is not called when there are some. */
static void test_module_refuses_parameters(void **state)
{
    (void)state;
    delete_test_registration();
    assert_int_equal(create_through_factory(get_module_factory, &test_module), S_OK);
    if (!write_test_parameters(L"level=1\0", sizeof L"level=1\0")) {
        print_message("HKEY_CLASSES_ROOT is not writable here (not an administrator): skipped\n");
        skip();
    }
    assert_int_equal(create_through_factory(get_module_factory, &test_module), (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_true(write_test_parameters(L"", sizeof L""));
    assert_int_equal(create_through_factory(get_module_factory, &test_module), S_OK); /* an empty list */
    delete_test_registration();
}

static size_t plugin_args_seen = (size_t)-1;
static char plugin_level_seen[16];

static wbemev_status plugin_create(void *ctx, const wbemev_module_args *args, wbemev_provider_t **out)
{
    assert_ptr_equal(ctx, &next_config);
    assert_non_null(args);
    plugin_args_seen = args->count;
    snprintf(plugin_level_seen, sizeof plugin_level_seen, "%s", wbemev_module_arg(args, "level", "-"));
    return module_create(ctx, out);
}

/* The same class factory, serving a plugin descriptor (wbemev/module.h) in this process. */
static void test_plugin_descriptor(void **state)
{
    (void)state;
    wbemev_module plugin = {WBEMEV_MODULE_ABI_VERSION, (uint32_t)sizeof(wbemev_module), WBEMEV_VERSION_HEX,
                            &test_registration, plugin_create, &next_config, "A test plugin",
                            "level=N  a level"};
    delete_test_registration();
    assert_int_equal(create_through_factory(get_plugin_factory, &plugin), S_OK);
    assert_int_equal(plugin_args_seen, 0);
    assert_string_equal(plugin_level_seen, "-");
    if (write_test_parameters(L"level=3\0", sizeof L"level=3\0")) {
        assert_int_equal(create_through_factory(get_plugin_factory, &plugin), S_OK);
        assert_int_equal(plugin_args_seen, 1);
        assert_string_equal(plugin_level_seen, "3");
        plugin_args_seen = 99;
        assert_true(write_test_parameters(L"depth=3\0", sizeof L"depth=3\0")); /* not in params_help */
        assert_int_equal(create_through_factory(get_plugin_factory, &plugin), (HRESULT)WBEM_E_INVALID_PARAMETER);
        assert_int_equal(plugin_args_seen, 99); /* not called */
        delete_test_registration();
    }

    IClassFactory *cf = NULL;
    assert_int_equal(wbemev_win_plugin_get_class_object(&plugin, &IID_IWbemServices, &IID_IClassFactory,
                                                        (void **)&cf),
                     CLASS_E_CLASSNOTAVAILABLE);
    assert_int_equal(wbemev_win_plugin_get_class_object(NULL, &test_clsid, &IID_IClassFactory, (void **)&cf),
                     CLASS_E_CLASSNOTAVAILABLE);
    assert_int_equal(wbemev_win_plugin_register_server(NULL), (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(wbemev_win_plugin_unregister_server(NULL), (HRESULT)WBEM_E_INVALID_PARAMETER);

    /* A descriptor the plugin loader would refuse, or one without a CLSID (fine for `wbemev mof
     * --clsid`, not for a DLL), serves nothing. */
    wbemev_module bad = plugin;
    bad.abi_version = WBEMEV_MODULE_ABI_VERSION + 1;
    assert_int_equal(wbemev_win_plugin_get_class_object(&bad, &test_clsid, &IID_IClassFactory, (void **)&cf),
                     CLASS_E_CLASSNOTAVAILABLE);
    bad = plugin;
    bad.create_provider = NULL;
    assert_int_equal(wbemev_win_plugin_get_class_object(&bad, &test_clsid, &IID_IClassFactory, (void **)&cf),
                     CLASS_E_CLASSNOTAVAILABLE);
    wbemev_registration no_clsid = test_registration;
    no_clsid.clsid = NULL;
    bad = plugin;
    bad.registration = &no_clsid;
    assert_wbemev_ok(wbemev_module_validate(&bad));
    assert_int_equal(wbemev_win_plugin_get_class_object(&bad, &test_clsid, &IID_IClassFactory, (void **)&cf),
                     CLASS_E_CLASSNOTAVAILABLE);
    assert_null(cf);
    assert_int_equal(wbemev_win_plugin_register_server(&bad), (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(wbemev_win_dll_can_unload_now(), S_OK);
}

/* ---- threads: the final Release while the provider's thread indicates ---- */

static void test_release_while_indicating(void **state)
{
    struct fixture *f = *state;
    struct provider_config cfg = {.start_thread = true};
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = started_provider(f, &cfg, &tp);
    for (int i = 0; i < 5000 && InterlockedCompareExchange(&f->sink->indicate_calls, 0, 0) < 20; i++)
        Sleep(1);
    assert_true(f->sink->indicate_calls >= 20);
    fake_sink_clear(f->sink); /* frees the log while the thread goes on: the log has its own lock */

    assert_int_equal(IWbemEventProvider_Release(ep), 0); /* joins the thread */
    assert_int_equal(providers_stopped, 1);
    LONG calls = f->sink->indicate_calls;
    assert_int_equal(f->sink->refs, 1);
    Sleep(20);
    assert_int_equal(f->sink->indicate_calls, calls); /* nothing reaches WMI after the final Release */
}

/* ---- WMI letting go of the provider from inside a call the provider makes into WMI ---- */

static void release_provider(void *ctx)
{
    assert_int_equal(IWbemEventProvider_Release((IWbemEventProvider *)ctx), 0);
}

static void test_final_release_inside_wmi_indicate(void **state)
{
    struct fixture *f = *state;
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = started_provider(f, NULL, &tp);
    wbemev_sink_t *sink = wbemev_sink_add_ref(tp->sink); /* outlives the provider object */
    wbemev_object_t *ev = make_event(tp->ns, "last");
    f->sink->on_indicate = release_provider;
    f->sink->on_indicate_ctx = ep;
    /* Detach runs inside this call on this thread: it must not wait for the call to end. */
    assert_wbemev_status(wbemev_sink_indicate1(sink, ev), WBEMEV_S_NO_ERROR);
    assert_int_equal(providers_stopped, 1);
    assert_int_equal(f->sink->indicate_calls, 1);
    assert_int_equal(f->sink->refs, 1); /* WMI's sink let go as the call returned */
    f->sink->on_indicate = NULL;
    assert_wbemev_status(wbemev_sink_indicate1(sink, ev), WBEMEV_E_CALL_CANCELLED);
    assert_int_equal(f->sink->indicate_calls, 1);
    wbemev_object_release(ev);
    wbemev_sink_release(sink);
}

/* WMI calling back into the provider from its Indicate, which indicates again; the final Release
 * comes inside the inner call. The inner call must not let go of WMI's sink under the outer one. */
struct nested {
    struct fake_sink *wmi;
    wbemev_sink_t *sink;
    wbemev_object_t *ev;
    IWbemEventProvider *ep;
    wbemev_status inner;
};

static void indicate_again_then_release(void *ctx)
{
    struct nested *n = ctx;
    if (n->wmi->indicate_calls == 1) {
        n->inner = wbemev_sink_indicate1(n->sink, n->ev);
        return;
    }
    n->wmi->on_indicate = NULL;
    release_provider(n->ep);
    assert_int_equal(n->wmi->refs, 2); /* still held: the outer call is in progress */
}

static void test_final_release_inside_nested_indicate(void **state)
{
    struct fixture *f = *state;
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = started_provider(f, NULL, &tp);
    struct nested n = {f->sink, wbemev_sink_add_ref(tp->sink), make_event(tp->ns, "inner"), ep, WBEMEV_E_FAILED};
    wbemev_object_t *outer = make_event(tp->ns, "outer");
    f->sink->on_indicate = indicate_again_then_release;
    f->sink->on_indicate_ctx = &n;
    assert_wbemev_status(wbemev_sink_indicate1(n.sink, outer), WBEMEV_S_NO_ERROR);
    assert_wbemev_status(n.inner, WBEMEV_S_NO_ERROR);
    assert_int_equal(f->sink->indicate_calls, 2);
    assert_int_equal(providers_stopped, 1);
    assert_int_equal(f->sink->refs, 1);
    assert_wbemev_status(wbemev_sink_indicate1(n.sink, outer), WBEMEV_E_CALL_CANCELLED);
    wbemev_object_release(outer);
    wbemev_object_release(n.ev);
    wbemev_sink_release(n.sink);
}

static void test_final_release_inside_wmi_set_status(void **state)
{
    struct fixture *f = *state;
    struct provider_config cfg = {.init_async = true};
    struct test_provider *tp = NULL;
    IWbemEventProvider *ep = com_provider(&full_vtbl, &cfg, &tp);
    assert_int_equal(initialize(f, ep), S_OK);
    assert_int_equal(f->init_sink->calls, 0);
    wbemev_sink_t *init_sink = wbemev_sink_add_ref(tp->init_sink);
    f->init_sink->on_set_status = release_provider;
    f->init_sink->on_set_status_ctx = ep;
    assert_wbemev_status(wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_INITIALIZED, NULL, NULL),
                         WBEMEV_S_NO_ERROR);
    assert_int_equal(providers_stopped, 1);
    assert_int_equal(f->init_sink->calls, 1);
    assert_int_equal(f->init_sink->refs, 1);
    assert_wbemev_status(wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_INITIALIZED, NULL, NULL),
                         WBEMEV_E_CALL_CANCELLED);
    wbemev_sink_release(init_sink);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_query_interface_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_interface_optional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initialize_reports_ready, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initialize_without_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initialize_missing_class, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initialize_failure_passes_through, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initialize_reports_later, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provide_events_addrefs_and_stop_releases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provide_events_failure_keeps_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provide_events_twice_replaces_sink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indicate_variant_per_cim_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indicate_batches_and_time_created_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indicate_status_passes_through, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indicate_class_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_sink_forwards_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_check_forwards_sid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_variant_from_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_class_factory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_module_refuses_parameters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plugin_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_while_indicating, setup, teardown),
        cmocka_unit_test_setup_teardown(test_final_release_inside_wmi_indicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_final_release_inside_nested_indicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_final_release_inside_wmi_set_status, setup, teardown),
    };
    return cmocka_run_group_tests_name("com_shim", tests, NULL, NULL);
}
