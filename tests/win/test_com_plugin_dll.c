/*
 * tests/win/test_com_plugin_dll.c: a provider DLL made from a plugin descriptor (plugin_dll.c) gets
 * its parameters from the registry, as WMI would create it: the test writes
 * HKEY_CLASSES_ROOT\CLSID\{clsid}\wbemev, value Parameters, then calls DllGetClassObject and
 * IClassFactory::CreateInstance and asks the DLL what its create_provider was given. Absent,
 * well-formed and malformed values; DllRegisterServer keeps the value, DllUnregisterServer removes
 * it. Runs from the DLL's directory (LoadLibrary by name).
 */
#define COBJMACROS
#define CINTERFACE
#define CONST_VTABLE

#include "test_support.h"

#include "plugin_dll.h"

#include <windows.h>
#include <ole2.h>
#include <olectl.h>
#include <wbemcli.h>
#include <wbemprov.h>

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#ifndef PLUGIN_DLL_NAME
#error "PLUGIN_DLL_NAME must name the provider DLL"
#endif

#define CLSID_KEY L"CLSID\\" PLUGIN_DLL_CLSID_W
#define PARAMS_KEY CLSID_KEY L"\\wbemev"

typedef HRESULT(WINAPI *get_class_object_fn)(REFCLSID, REFIID, void **);
typedef HRESULT(WINAPI *no_arg_fn)(void);

struct dll {
    HMODULE module;
    get_class_object_fn get_class_object;
    no_arg_fn can_unload_now, register_server, unregister_server;
    plugin_dll_seen_fn seen;
    CLSID clsid;
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

static void clear_registry(void)
{
    LSTATUS rc = RegDeleteTreeW(HKEY_CLASSES_ROOT, CLSID_KEY);
    assert_true(rc == ERROR_SUCCESS || rc == ERROR_FILE_NOT_FOUND);
}

static int setup(void **state)
{
    struct dll *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->module = LoadLibraryA(PLUGIN_DLL_NAME);
    if (d->module == NULL) {
        print_error("LoadLibrary(%s) failed: %lu\n", PLUGIN_DLL_NAME, (unsigned long)GetLastError());
        free(d);
        return -1;
    }
    union {
        void *p;
        get_class_object_fn g;
        no_arg_fn n;
        plugin_dll_seen_fn s;
    } u;
    u.p = proc(d->module, "DllGetClassObject");
    d->get_class_object = u.g;
    u.p = proc(d->module, "DllCanUnloadNow");
    d->can_unload_now = u.n;
    u.p = proc(d->module, "DllRegisterServer");
    d->register_server = u.n;
    u.p = proc(d->module, "DllUnregisterServer");
    d->unregister_server = u.n;
    u.p = proc(d->module, "plugin_dll_seen");
    d->seen = u.s;
    WCHAR text[] = PLUGIN_DLL_CLSID_W;
    assert_int_equal(CLSIDFromString(text, &d->clsid), S_OK);
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    struct dll *d = *state;
    RegDeleteTreeW(HKEY_CLASSES_ROOT, CLSID_KEY);
    FreeLibrary(d->module);
    free(d);
    return 0;
}

/* Writes the Parameters value (creating the key); skips the test when HKEY_CLASSES_ROOT is not
 * writable here. */
static void write_parameters(DWORD type, const void *data, DWORD bytes)
{
    HKEY key = NULL;
    LSTATUS rc = RegCreateKeyExW(HKEY_CLASSES_ROOT, PARAMS_KEY, 0, NULL, 0, KEY_WRITE, NULL, &key, NULL);
    if (rc == ERROR_ACCESS_DENIED) {
        print_message("HKEY_CLASSES_ROOT is not writable here (not an administrator): skipped\n");
        skip();
    }
    assert_int_equal(rc, ERROR_SUCCESS);
    assert_int_equal(RegSetValueExW(key, L"Parameters", 0, type, (const BYTE *)data, bytes), ERROR_SUCCESS);
    RegCloseKey(key);
}

/* A REG_MULTI_SZ from a wide string literal with embedded NULs: the literal's own terminator ends
 * the list. */
#define WRITE_MULTI_SZ(literal) write_parameters(REG_MULTI_SZ, literal, (DWORD)sizeof(literal))

/* DllGetClassObject, then CreateInstance for IWbemProviderInit, as WMI does. The provider object
 * (on success) is released again: the test looks at what create_provider got. */
static HRESULT create_instance(struct dll *d)
{
    IClassFactory *cf = NULL;
    assert_int_equal(d->get_class_object(&d->clsid, &IID_IClassFactory, (void **)&cf), S_OK);
    IWbemProviderInit *init = (IWbemProviderInit *)(uintptr_t)1;
    HRESULT hr = IClassFactory_CreateInstance(cf, NULL, &IID_IWbemProviderInit, (void **)&init);
    IClassFactory_Release(cf);
    if (SUCCEEDED(hr)) {
        assert_non_null(init);
        assert_int_equal(d->can_unload_now(), S_FALSE);
        assert_int_equal(IWbemProviderInit_Release(init), 0);
    } else {
        assert_null(init); /* no object kept */
    }
    assert_int_equal(d->can_unload_now(), S_OK);
    return hr;
}

static void test_exports(void **state)
{
    struct dll *d = *state;
    assert_non_null(d->get_class_object);
    assert_non_null(d->can_unload_now);
    assert_non_null(d->register_server);
    assert_non_null(d->unregister_server);
    assert_non_null(d->seen);
    assert_non_null(proc(d->module, "wbemev_module_v1")); /* the plugin's descriptor, as on Linux */
    assert_int_equal(d->can_unload_now(), S_OK);
    IClassFactory *cf = NULL;
    assert_int_equal(d->get_class_object(&IID_IWbemServices, &IID_IClassFactory, (void **)&cf),
                     CLASS_E_CLASSNOTAVAILABLE);
}

static void test_no_parameters(void **state)
{
    struct dll *d = *state;
    char seen[512];
    clear_registry();
    long calls = d->seen(seen, sizeof seen);

    /* No CLSID key at all: no parameters. */
    assert_int_equal(create_instance(d), S_OK);
    assert_int_equal(d->seen(seen, sizeof seen), calls + 1);
    assert_string_equal(seen, "");

    /* The key without the value, and an empty list: no parameters either. */
    write_parameters(REG_MULTI_SZ, L"", sizeof(WCHAR));
    HKEY key = NULL;
    assert_int_equal(RegOpenKeyExW(HKEY_CLASSES_ROOT, PARAMS_KEY, 0, KEY_SET_VALUE, &key), ERROR_SUCCESS);
    assert_int_equal(RegDeleteValueW(key, L"Parameters"), ERROR_SUCCESS);
    RegCloseKey(key);
    assert_int_equal(create_instance(d), S_OK);
    assert_int_equal(d->seen(seen, sizeof seen), calls + 2);
    assert_string_equal(seen, "");

    write_parameters(REG_MULTI_SZ, L"\0", 2 * sizeof(WCHAR));
    assert_int_equal(create_instance(d), S_OK);
    assert_int_equal(d->seen(seen, sizeof seen), calls + 3);
    assert_string_equal(seen, "");
    write_parameters(REG_MULTI_SZ, NULL, 0);
    assert_int_equal(create_instance(d), S_OK);
    assert_int_equal(d->seen(seen, sizeof seen), calls + 4);
    assert_string_equal(seen, "");
    clear_registry();
}

static void test_parameters_reach_create(void **state)
{
    struct dll *d = *state;
    char seen[512];
    /* In order, repeated keys kept, UTF-8, split at the first '=', empty values. */
    WRITE_MULTI_SZ(L"interval=250\0name=caf\u00e9 \u2603 \U0001F600\0name=second\0empty=\0eq=a=b==\0");
    long calls = d->seen(seen, sizeof seen);
    assert_int_equal(create_instance(d), S_OK);
    assert_int_equal(d->seen(seen, sizeof seen), calls + 1);
    assert_string_equal(seen, "interval=250\n"
                              "name=caf\xC3\xA9 \xE2\x98\x83 \xF0\x9F\x98\x80\n"
                              "name=second\n"
                              "empty=\n"
                              "eq=a=b==\n");

    /* Read afresh by each CreateInstance. */
    WRITE_MULTI_SZ(L"interval=5\0");
    assert_int_equal(create_instance(d), S_OK);
    d->seen(seen, sizeof seen);
    assert_string_equal(seen, "interval=5\n");

    /* Data without its terminators, as a hand-made value may be: still the same entries. */
    static const WCHAR bare[] = {'n', 'a', 'm', 'e', '=', 'x', 0, 'e', 'q', '=', 'y'};
    write_parameters(REG_MULTI_SZ, bare, (DWORD)sizeof bare);
    assert_int_equal(create_instance(d), S_OK);
    d->seen(seen, sizeof seen);
    assert_string_equal(seen, "name=x\neq=y\n");
    clear_registry();
}

/* Each of these fails CreateInstance with WBEM_E_INVALID_PARAMETER before create_provider runs. */
static void test_malformed_parameters(void **state)
{
    struct dll *d = *state;
    char seen[512];
    static const WCHAR lone_surrogate[] = {'n', 'a', 'm', 'e', '=', 0xD800, 'x', 0, 0};
    static const DWORD number = 42;
    static const BYTE odd[] = {'a', 0, '=', 0, '1', 0, 0};
    static const struct {
        const char *what;
        DWORD type;
        const void *data;
        DWORD bytes;
    } cases[] = {
        {"no '='", REG_MULTI_SZ, L"interval=1\0interval\0", sizeof L"interval=1\0interval\0"},
        {"nothing before '='", REG_MULTI_SZ, L"=5\0", sizeof L"=5\0"},
        {"an undocumented key", REG_MULTI_SZ, L"interval=1\0colour=red\0", sizeof L"interval=1\0colour=red\0"},
        {"a key with a space", REG_MULTI_SZ, L"interval =1\0", sizeof L"interval =1\0"},
        {"an empty entry in the middle", REG_MULTI_SZ, L"interval=1\0\0name=x\0", sizeof L"interval=1\0\0name=x\0"},
        {"a lone surrogate", REG_MULTI_SZ, lone_surrogate, sizeof lone_surrogate},
        {"half a character", REG_MULTI_SZ, odd, sizeof odd},
        {"REG_SZ", REG_SZ, L"interval=1", sizeof L"interval=1"},
        {"REG_EXPAND_SZ", REG_EXPAND_SZ, L"interval=1", sizeof L"interval=1"},
        {"REG_DWORD", REG_DWORD, &number, sizeof number},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_parameters(cases[i].type, cases[i].data, cases[i].bytes);
        long calls = d->seen(seen, sizeof seen);
        HRESULT hr = create_instance(d);
        if (hr != (HRESULT)WBEM_E_INVALID_PARAMETER)
            fail_msg("%s: CreateInstance gave 0x%08lx", cases[i].what, (unsigned long)hr);
        if (d->seen(seen, sizeof seen) != calls)
            fail_msg("%s: create_provider was called", cases[i].what);
    }

    /* Too long to be parameters: refused without reading it. */
    size_t n = 40000;
    WCHAR *big = calloc(n + 2, sizeof *big);
    assert_non_null(big);
    wmemcpy(big, L"name=", 5);
    for (size_t i = 5; i < n; i++)
        big[i] = L'x';
    write_parameters(REG_MULTI_SZ, big, (DWORD)((n + 2) * sizeof *big));
    free(big);
    long calls = d->seen(seen, sizeof seen);
    assert_int_equal(create_instance(d), (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(d->seen(seen, sizeof seen), calls);
    clear_registry();
}

/* The plugin's own refusal (a value it does not accept) passes through, and no object is kept. */
static void test_create_refuses(void **state)
{
    struct dll *d = *state;
    char seen[512];
    WRITE_MULTI_SZ(L"interval=1\0fail=yes\0");
    long calls = d->seen(seen, sizeof seen);
    assert_int_equal(create_instance(d), (HRESULT)WBEM_E_INVALID_PARAMETER);
    assert_int_equal(d->seen(seen, sizeof seen), calls + 1);
    assert_string_equal(seen, "interval=1\nfail=yes\n");
    clear_registry();
}

static void test_register_keeps_parameters(void **state)
{
    struct dll *d = *state;
    char seen[512];
    clear_registry();
    HRESULT hr = d->register_server();
    if (hr == SELFREG_E_CLASS) {
        print_message("HKEY_CLASSES_ROOT is not writable here (not an administrator): skipped\n");
        skip();
    }
    assert_int_equal(hr, S_OK);
    HKEY key = NULL;
    assert_int_equal(RegOpenKeyExW(HKEY_CLASSES_ROOT, PARAMS_KEY, 0, KEY_READ, &key), ERROR_FILE_NOT_FOUND);
    WCHAR value[MAX_PATH + 1], dll_path[MAX_PATH + 1];
    DWORD type = 0, bytes = sizeof value;
    assert_int_equal(RegOpenKeyExW(HKEY_CLASSES_ROOT, CLSID_KEY L"\\InprocServer32", 0, KEY_READ, &key),
                     ERROR_SUCCESS);
    assert_int_equal(RegQueryValueExW(key, NULL, NULL, &type, (BYTE *)value, &bytes), ERROR_SUCCESS);
    RegCloseKey(key);
    assert_true(GetModuleFileNameW(d->module, dll_path, MAX_PATH + 1) > 0);
    assert_true(_wcsicmp(value, dll_path) == 0);

    /* An administrator's value survives registering again. */
    WRITE_MULTI_SZ(L"interval=7\0");
    assert_int_equal(d->register_server(), S_OK);
    assert_int_equal(create_instance(d), S_OK);
    d->seen(seen, sizeof seen);
    assert_string_equal(seen, "interval=7\n");

    assert_int_equal(d->unregister_server(), S_OK);
    assert_int_equal(RegOpenKeyExW(HKEY_CLASSES_ROOT, CLSID_KEY, 0, KEY_READ, &key), ERROR_FILE_NOT_FOUND);
    assert_int_equal(create_instance(d), S_OK); /* unregistered: no parameters */
    d->seen(seen, sizeof seen);
    assert_string_equal(seen, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exports),
        cmocka_unit_test(test_no_parameters),
        cmocka_unit_test(test_parameters_reach_create),
        cmocka_unit_test(test_malformed_parameters),
        cmocka_unit_test(test_create_refuses),
        cmocka_unit_test(test_register_keeps_parameters),
    };
    return cmocka_run_group_tests_name("com_plugin_dll", tests, setup, teardown);
}
