/*
 * tests/win/test_com_dll.c: the example provider DLL (examples/win) end to end, through its four
 * exports, as WMI drives it: DllGetClassObject, IClassFactory::CreateInstance, Initialize,
 * ProvideEvents, the bursts arriving at the sink, the final Release, DllCanUnloadNow, and
 * DllRegisterServer / DllUnregisterServer. Runs from the DLL's directory (LoadLibrary by name).
 */
#define COBJMACROS
#define CINTERFACE
#define CONST_VTABLE

#include "test_support.h"

#include "fake_wbem.h"
#include "burst_provider.h"

#include <olectl.h>
#include <stdlib.h>
#include <wchar.h>

#ifndef BURST_DLL_NAME
#error "BURST_DLL_NAME must name the provider DLL"
#endif

typedef HRESULT(WINAPI *get_class_object_fn)(REFCLSID, REFIID, void **);
typedef HRESULT(WINAPI *no_arg_fn)(void);

struct dll {
    HMODULE module;
    get_class_object_fn get_class_object;
    no_arg_fn can_unload_now, register_server, unregister_server;
};

/* GetProcAddress gives a FARPROC; convert through a union, as -Wpedantic asks. */
static void *proc(HMODULE module, const char *name)
{
    union {
        FARPROC f;
        void *p;
    } u;
    u.f = GetProcAddress(module, name);
    return u.p;
}

static int setup(void **state)
{
    struct dll *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->module = LoadLibraryA(BURST_DLL_NAME);
    if (d->module == NULL) {
        print_error("LoadLibrary(%s) failed: %lu\n", BURST_DLL_NAME, (unsigned long)GetLastError());
        free(d);
        return -1;
    }
    union {
        void *p;
        get_class_object_fn g;
        no_arg_fn n;
    } u;
    u.p = proc(d->module, "DllGetClassObject");
    d->get_class_object = u.g;
    u.p = proc(d->module, "DllCanUnloadNow");
    d->can_unload_now = u.n;
    u.p = proc(d->module, "DllRegisterServer");
    d->register_server = u.n;
    u.p = proc(d->module, "DllUnregisterServer");
    d->unregister_server = u.n;
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    struct dll *d = *state;
    FreeLibrary(d->module);
    free(d);
    return 0;
}

static void test_exports(void **state)
{
    struct dll *d = *state;
    assert_non_null(d->get_class_object);
    assert_non_null(d->can_unload_now);
    assert_non_null(d->register_server);
    assert_non_null(d->unregister_server);
    assert_int_equal(d->can_unload_now(), S_OK);
}

static CLSID burst_clsid(void)
{
    WCHAR text[64];
    CLSID clsid;
    MultiByteToWideChar(CP_UTF8, 0, burst_registration.clsid, -1, text, 64);
    assert_int_equal(CLSIDFromString(text, &clsid), S_OK);
    return clsid;
}

static void test_bursts_reach_the_sink(void **state)
{
    struct dll *d = *state;
    CLSID clsid = burst_clsid();

    IClassFactory *cf = NULL;
    assert_int_equal(d->get_class_object(&IID_IWbemServices, &IID_IClassFactory, (void **)&cf),
                     CLASS_E_CLASSNOTAVAILABLE);
    assert_int_equal(d->get_class_object(&clsid, &IID_IClassFactory, (void **)&cf), S_OK);
    IWbemProviderInit *init = NULL;
    assert_int_equal(IClassFactory_CreateInstance(cf, NULL, &IID_IWbemProviderInit, (void **)&init), S_OK);
    IClassFactory_Release(cf);
    assert_int_equal(d->can_unload_now(), S_FALSE);

    /* WMI's side: the Burst_Event class with __Event's properties, a sink, an init sink. */
    const char *names[FAKE_MAX_PROPS] = {"SECURITY_DESCRIPTOR", "TIME_CREATED"};
    for (size_t i = 0; i < burst_event_property_count; i++)
        names[2 + i] = burst_event_properties[i].name;
    struct fake_object *cls = fake_class_new(BURST_EVENT_CLASS, names, 2 + burst_event_property_count);
    struct fake_services *services = fake_services_new();
    fake_services_add(services, cls);
    struct fake_sink *sink = fake_sink_new();
    struct fake_init_sink *init_sink = fake_init_sink_new();

    WCHAR ns[] = L"root\\cimv2";
    assert_int_equal(IWbemProviderInit_Initialize(init, NULL, 0, ns, NULL, &services->IWbemServices_iface, NULL,
                                                  &init_sink->IWbemProviderInitSink_iface),
                     S_OK);
    assert_int_equal(init_sink->calls, 1);
    assert_int_equal(init_sink->last_status, (HRESULT)WBEM_S_INITIALIZED);

    /* WMI asks for the primary interface, and finds the query sink the provider implements. */
    IWbemEventProvider *ep = NULL;
    IWbemEventProviderQuerySink *qs = NULL;
    void *none = NULL;
    assert_int_equal(IWbemProviderInit_QueryInterface(init, &IID_IWbemEventProvider, (void **)&ep), S_OK);
    assert_int_equal(IWbemProviderInit_QueryInterface(init, &IID_IWbemEventProviderQuerySink, (void **)&qs), S_OK);
    assert_int_equal(IWbemProviderInit_QueryInterface(init, &IID_IWbemEventProviderSecurity, &none),
                     E_NOINTERFACE);
    IWbemProviderInit_Release(init);
    WCHAR wql[] = L"WQL", query[] = L"SELECT * FROM Burst_Event";
    assert_int_equal(IWbemEventProviderQuerySink_NewQuery(qs, 1, wql, query), S_OK);

    assert_int_equal(IWbemEventProvider_ProvideEvents(ep, &sink->IWbemObjectSink_iface, 0), S_OK);
    assert_int_equal(sink->refs, 2);
    /* Three bursts of 400, from the provider's thread. */
    for (int i = 0; i < 10000 && InterlockedCompareExchange(&sink->objects, 0, 0) < 1200; i++)
        Sleep(1);
    assert_int_equal(sink->objects, 1200);
    assert_int_equal(sink->indicate_calls, 3);
    assert_int_equal(sink->set_status_calls, 0);
    assert_int_equal(sink->log_count, FAKE_SINK_LOG);

    /* The event as WMI sees it: one unique instance per event, the types of docs/contract.md#cim-types. */
    const struct fake_object *first = fake_object_from((IUnknown *)sink->log[0]);
    const struct fake_object *second = fake_object_from((IUnknown *)sink->log[1]);
    assert_non_null(first);
    assert_ptr_not_equal(first, second);
    const struct fake_put *p = fake_find_put(second, L"Name");
    assert_non_null(p);
    assert_int_equal(V_VT(&p->value), VT_BSTR);
    assert_true(wcscmp(V_BSTR(&p->value), L"burst") == 0);
    p = fake_find_put(second, L"Sequence");
    assert_non_null(p);
    assert_int_equal(V_VT(&p->value), VT_BSTR); /* uint64: a decimal string */
    assert_true(wcscmp(V_BSTR(&p->value), L"1") == 0);
    p = fake_find_put(second, L"Burst");
    assert_non_null(p);
    assert_int_equal(V_VT(&p->value), VT_I4);
    assert_int_equal(V_I4(&p->value), 0);
    p = fake_find_put(second, L"Severity");
    assert_non_null(p);
    assert_int_equal(V_VT(&p->value), VT_I4);
    assert_int_equal(V_I4(&p->value), 1);
    p = fake_find_put(second, L"TIME_CREATED");
    assert_non_null(p);
    assert_int_equal(V_VT(&p->value), VT_BSTR);
    assert_null(fake_find_put(second, L"Stamp")); /* NULL: not Put */

    /* The final Release stops the provider and lets go of everything WMI gave it. */
    IWbemEventProviderQuerySink_Release(qs);
    assert_int_equal(IWbemEventProvider_Release(ep), 0);
    assert_int_equal(sink->refs, 1);
    assert_int_equal(init_sink->refs, 1);
    assert_int_equal(services->refs, 1);
    assert_int_equal(d->can_unload_now(), S_OK);

    fake_sink_clear(sink);
    assert_int_equal(fake_live_instances(), 0);
    assert_int_equal(fake_sink_release(sink), 0);
    assert_int_equal(fake_init_sink_release(init_sink), 0);
    assert_int_equal(fake_services_release(services), 0);
    IWbemClassObject_Release(&cls->IWbemClassObject_iface);
}

static void test_register_unregister(void **state)
{
    struct dll *d = *state;
    WCHAR key[128], server[160], dll_path[MAX_PATH + 1], value[MAX_PATH + 1];
    swprintf(key, 128, L"CLSID\\%hs", burst_registration.clsid);
    swprintf(server, 160, L"%ls\\InprocServer32", key);

    HRESULT hr = d->register_server();
    if (hr == SELFREG_E_CLASS) {
        print_message("HKEY_CLASSES_ROOT is not writable here (not an administrator): skipped\n");
        skip();
    }
    assert_int_equal(hr, S_OK);
    HKEY k = NULL;
    DWORD type = 0, bytes = sizeof value;
    assert_int_equal(RegOpenKeyExW(HKEY_CLASSES_ROOT, server, 0, KEY_READ, &k), ERROR_SUCCESS);
    assert_int_equal(RegQueryValueExW(k, NULL, NULL, &type, (BYTE *)value, &bytes), ERROR_SUCCESS);
    assert_true(GetModuleFileNameW(d->module, dll_path, MAX_PATH + 1) > 0);
    assert_true(_wcsicmp(value, dll_path) == 0); /* the DLL, not the test program */
    bytes = sizeof value;
    assert_int_equal(RegQueryValueExW(k, L"ThreadingModel", NULL, &type, (BYTE *)value, &bytes), ERROR_SUCCESS);
    assert_true(wcscmp(value, L"Both") == 0);
    RegCloseKey(k);

    assert_int_equal(d->unregister_server(), S_OK);
    assert_int_equal(RegOpenKeyExW(HKEY_CLASSES_ROOT, key, 0, KEY_READ, &k), ERROR_FILE_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exports),
        cmocka_unit_test(test_bursts_reach_the_sink),
        cmocka_unit_test(test_register_unregister),
    };
    return cmocka_run_group_tests_name("com_dll", tests, setup, teardown);
}
