/*
 * lib/win/dll.c: what a provider DLL exports: the class factory behind DllGetClassObject,
 * DllCanUnloadNow (object and lock counts) and DllRegisterServer / DllUnregisterServer.
 */
#include "win-int.h"

static LONG module_objects; /* provider objects and class factories alive */
static LONG module_locks;   /* IClassFactory::LockServer(TRUE) not yet undone */

void wbemev__win_object_created(void)
{
    InterlockedIncrement(&module_objects);
}

void wbemev__win_object_destroyed(void)
{
    InterlockedDecrement(&module_objects);
}

LONG wbemev_win_object_count(void)
{
    return InterlockedCompareExchange(&module_objects, 0, 0);
}

LONG wbemev_win_lock_count(void)
{
    return InterlockedCompareExchange(&module_locks, 0, 0);
}

HRESULT wbemev_win_dll_can_unload_now(void)
{
    return wbemev_win_object_count() == 0 && wbemev_win_lock_count() == 0 ? S_OK : S_FALSE;
}

/* ---- class factory ---- */

struct class_factory {
    IClassFactory IClassFactory_iface;
    LONG refs;
    const wbemev_win_module *module;
};

static inline struct class_factory *impl_from_IClassFactory(IClassFactory *iface)
{
    return CONTAINING_RECORD(iface, struct class_factory, IClassFactory_iface);
}

static HRESULT WINAPI class_factory_QueryInterface(IClassFactory *iface, REFIID riid, void **ppv)
{
    struct class_factory *cf = impl_from_IClassFactory(iface);
    if (ppv == NULL)
        return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IClassFactory)) {
        *ppv = &cf->IClassFactory_iface;
        IClassFactory_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI class_factory_AddRef(IClassFactory *iface)
{
    return (ULONG)InterlockedIncrement(&impl_from_IClassFactory(iface)->refs);
}

static ULONG WINAPI class_factory_Release(IClassFactory *iface)
{
    struct class_factory *cf = impl_from_IClassFactory(iface);
    LONG refs = InterlockedDecrement(&cf->refs);
    if (refs == 0) {
        wbemev__win_free(cf);
        wbemev__win_object_destroyed();
    }
    return (ULONG)refs;
}

static HRESULT WINAPI class_factory_CreateInstance(IClassFactory *iface, IUnknown *outer, REFIID riid,
                                                   void **ppv)
{
    struct class_factory *cf = impl_from_IClassFactory(iface);
    if (ppv == NULL)
        return E_POINTER;
    *ppv = NULL;
    if (outer != NULL)
        return CLASS_E_NOAGGREGATION;
    wbemev_provider_t *provider = NULL;
    wbemev_status s = cf->module->create_provider(cf->module->ctx, &provider);
    if (WBEMEV_FAILED(s))
        return s;
    HRESULT hr = wbemev_win_provider_create(cf->module->registration, provider, riid, ppv);
    wbemev_provider_release(provider); /* the COM object holds its own reference */
    return hr;
}

static HRESULT WINAPI class_factory_LockServer(IClassFactory *iface, BOOL lock)
{
    (void)iface;
    if (lock)
        InterlockedIncrement(&module_locks);
    else
        InterlockedDecrement(&module_locks);
    return S_OK;
}

static const IClassFactoryVtbl class_factory_vtbl = {
    class_factory_QueryInterface,
    class_factory_AddRef,
    class_factory_Release,
    class_factory_CreateInstance,
    class_factory_LockServer,
};

static bool module_valid(const wbemev_win_module *module)
{
    return module != NULL && module->create_provider != NULL && module->registration != NULL &&
           WBEMEV_SUCCEEDED(wbemev_registration_validate(module->registration));
}

HRESULT wbemev_win_dll_get_class_object(const wbemev_win_module *module, REFCLSID rclsid,
                                        REFIID riid, void **out)
{
    if (out == NULL)
        return E_POINTER;
    *out = NULL;
    if (rclsid == NULL || riid == NULL)
        return E_INVALIDARG;
    CLSID clsid;
    if (!module_valid(module) || FAILED(wbemev_win_registration_clsid(module->registration, &clsid)) ||
        !IsEqualGUID(rclsid, &clsid))
        return CLASS_E_CLASSNOTAVAILABLE;

    struct class_factory *cf = wbemev__win_alloc(sizeof *cf);
    if (cf == NULL)
        return E_OUTOFMEMORY;
    cf->IClassFactory_iface.lpVtbl = &class_factory_vtbl;
    cf->refs = 1;
    cf->module = module;
    wbemev__win_object_created();
    HRESULT hr = class_factory_QueryInterface(&cf->IClassFactory_iface, riid, out);
    class_factory_Release(&cf->IClassFactory_iface);
    return hr;
}

/* ---- registration ---- */

/* An object of this library, so of the DLL it is linked into: finds the DLL's path. */
static const char module_anchor = 0;

static HRESULT clsid_key_path(const wbemev_win_module *module, WCHAR *path, size_t size)
{
    if (!module_valid(module))
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    const char *clsid = module->registration->clsid;
    static const WCHAR prefix[] = L"CLSID\\";
    size_t plen = wcslen(prefix), clen = strlen(clsid);
    if (plen + clen + 1 > size)
        return E_UNEXPECTED;
    memcpy(path, prefix, plen * sizeof(WCHAR));
    for (size_t i = 0; i <= clen; i++)
        path[plen + i] = (WCHAR)(unsigned char)clsid[i]; /* validated: ASCII */
    return S_OK;
}

static LSTATUS set_string(HKEY key, const WCHAR *name, const WCHAR *value)
{
    return RegSetValueExW(key, name, 0, REG_SZ, (const BYTE *)value,
                          (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
}

HRESULT wbemev_win_dll_register_server(const wbemev_win_module *module)
{
    WCHAR key_path[64];
    HRESULT hr = clsid_key_path(module, key_path, sizeof key_path / sizeof key_path[0]);
    if (FAILED(hr))
        return hr;

    HMODULE self = NULL;
    WCHAR dll_path[MAX_PATH + 1];
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                                GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            (LPCWSTR)(const void *)&module_anchor, &self))
        return HRESULT_FROM_WIN32(GetLastError());
    DWORD n = GetModuleFileNameW(self, dll_path, MAX_PATH + 1);
    if (n == 0 || n > MAX_PATH)
        return E_UNEXPECTED;

    WCHAR *name = wbemev__win_utf16(module->registration->provider_name);
    if (name == NULL)
        return E_OUTOFMEMORY;
    HKEY clsid_key = NULL, server_key = NULL;
    LSTATUS rc = RegCreateKeyExW(HKEY_CLASSES_ROOT, key_path, 0, NULL, 0, KEY_WRITE, NULL, &clsid_key,
                                 NULL);
    if (rc == ERROR_SUCCESS)
        rc = set_string(clsid_key, NULL, name);
    if (rc == ERROR_SUCCESS)
        rc = RegCreateKeyExW(clsid_key, L"InprocServer32", 0, NULL, 0, KEY_WRITE, NULL, &server_key,
                             NULL);
    if (rc == ERROR_SUCCESS)
        rc = set_string(server_key, NULL, dll_path);
    if (rc == ERROR_SUCCESS) /* event providers must support "Both" */
        rc = set_string(server_key, L"ThreadingModel", L"Both");
    if (server_key != NULL)
        RegCloseKey(server_key);
    if (clsid_key != NULL)
        RegCloseKey(clsid_key);
    wbemev__win_free(name);
    if (rc != ERROR_SUCCESS) {
        wbemev_win_dll_unregister_server(module);
        return SELFREG_E_CLASS;
    }
    return S_OK;
}

HRESULT wbemev_win_dll_unregister_server(const wbemev_win_module *module)
{
    WCHAR key_path[64];
    HRESULT hr = clsid_key_path(module, key_path, sizeof key_path / sizeof key_path[0]);
    if (FAILED(hr))
        return hr;
    LSTATUS rc = RegDeleteTreeW(HKEY_CLASSES_ROOT, key_path);
    if (rc == ERROR_SUCCESS || rc == ERROR_FILE_NOT_FOUND)
        return S_OK;
    return SELFREG_E_CLASS;
}
