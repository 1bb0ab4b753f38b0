/*
 * lib/win/dll.c: what a provider DLL exports: the class factory behind DllGetClassObject,
 * DllCanUnloadNow (object and lock counts) and DllRegisterServer / DllUnregisterServer.
 */
#include "win-int.h"

#include <stdarg.h>
#include <stdio.h>

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

/* ---- what a DLL serves ---- */

/* A wbemev_win_module (create, no parameters) or a plugin descriptor (plugin). */
struct served {
    const wbemev_registration *registration;
    wbemev_win_create_fn create;
    const wbemev_module *plugin;
    void *ctx;
};

static bool served_module(const wbemev_win_module *module, struct served *out)
{
    if (module == NULL || module->create_provider == NULL || module->registration == NULL ||
        WBEMEV_FAILED(wbemev_registration_validate(module->registration)))
        return false;
    *out = (struct served){module->registration, module->create_provider, NULL, module->ctx};
    return true;
}

static bool served_plugin(const wbemev_module *plugin, struct served *out)
{
    /* wbemev_module_validate accepts a registration without a CLSID; a DLL needs one. */
    if (plugin == NULL || WBEMEV_FAILED(wbemev_module_validate(plugin)) ||
        plugin->registration->clsid == NULL ||
        WBEMEV_FAILED(wbemev_registration_validate(plugin->registration)))
        return false;
    *out = (struct served){plugin->registration, NULL, plugin, plugin->ctx};
    return true;
}

/* Writes "wbemev: {clsid}: <message>" with OutputDebugString. */
static void log_failure(const char *clsid, const char *fmt, ...)
{
    char text[640];
    int n = snprintf(text, sizeof text, "wbemev: %s: ", clsid);
    if (n < 0 || (size_t)n >= sizeof text)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text + n, sizeof text - (size_t)n - 1, fmt, ap);
    va_end(ap);
    strcat(text, "\n");
    WCHAR wide[sizeof text];
    if (MultiByteToWideChar(CP_UTF8, 0, text, -1, wide, (int)(sizeof wide / sizeof wide[0])) > 0)
        OutputDebugStringW(wide);
}

/* Creates the wbemev provider, with the registry's parameters for a plugin. */
static HRESULT create_provider(const struct served *sv, wbemev_provider_t **out)
{
    const char *clsid = sv->registration->clsid;
    char why[320] = "";
    struct wbemev__win_params params;
    HRESULT hr = wbemev__win_params_read(clsid, sv->plugin != NULL ? sv->plugin->params_help : NULL,
                                         &params, why, sizeof why);
    if (FAILED(hr)) {
        if (hr == E_OUTOFMEMORY)
            snprintf(why, sizeof why, "out of memory");
        log_failure(clsid, "HKEY_CLASSES_ROOT\\CLSID\\%s\\wbemev: %s; no provider created", clsid, why);
        return hr;
    }
    wbemev_status s;
    if (sv->plugin == NULL && params.args.count > 0) {
        log_failure(clsid,
                    "HKEY_CLASSES_ROOT\\CLSID\\%s\\wbemev: Parameters holds %zu parameter(s), but "
                    "this DLL takes none (it serves a wbemev_win_module); no provider created",
                    clsid, params.args.count);
        s = WBEMEV_E_INVALID_PARAMETER;
    } else {
        s = sv->plugin != NULL ? sv->plugin->create_provider(sv->ctx, &params.args, out)
                               : sv->create(sv->ctx, out);
        if (WBEMEV_FAILED(s)) {
            const char *name = wbemev_status_name(s);
            log_failure(clsid, "create_provider failed with %s (0x%08lX), given %zu parameter(s)",
                        name != NULL ? name : "a failure", (unsigned long)(uint32_t)s,
                        params.args.count);
        } else if (*out == NULL) {
            log_failure(clsid, "create_provider succeeded but gave no provider");
            s = WBEMEV_E_FAILED;
        }
    }
    wbemev__win_params_free(&params);
    return s;
}

/* ---- class factory ---- */

struct class_factory {
    IClassFactory IClassFactory_iface;
    LONG refs;
    struct served served;
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
    HRESULT hr = create_provider(&cf->served, &provider);
    if (FAILED(hr))
        return hr;
    if (!wbemev_provider_is_valid(provider)) {
        log_failure(cf->served.registration->clsid,
                    "create_provider gave a provider without a valid vtable");
        if (provider->vtbl != NULL && provider->vtbl->release != NULL)
            wbemev_provider_release(provider);
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    }
    hr = wbemev_win_provider_create(cf->served.registration, provider, riid, ppv);
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

static HRESULT get_class_object(bool valid, const struct served *sv, REFCLSID rclsid, REFIID riid,
                                void **out)
{
    if (out == NULL)
        return E_POINTER;
    *out = NULL;
    if (rclsid == NULL || riid == NULL)
        return E_INVALIDARG;
    CLSID clsid;
    if (!valid || FAILED(wbemev_win_registration_clsid(sv->registration, &clsid)) ||
        !IsEqualGUID(rclsid, &clsid))
        return CLASS_E_CLASSNOTAVAILABLE;

    struct class_factory *cf = wbemev__win_alloc(sizeof *cf);
    if (cf == NULL)
        return E_OUTOFMEMORY;
    cf->IClassFactory_iface.lpVtbl = &class_factory_vtbl;
    cf->refs = 1;
    cf->served = *sv;
    wbemev__win_object_created();
    HRESULT hr = class_factory_QueryInterface(&cf->IClassFactory_iface, riid, out);
    class_factory_Release(&cf->IClassFactory_iface);
    return hr;
}

HRESULT wbemev_win_dll_get_class_object(const wbemev_win_module *module, REFCLSID rclsid,
                                        REFIID riid, void **out)
{
    struct served sv;
    bool valid = served_module(module, &sv);
    return get_class_object(valid, &sv, rclsid, riid, out);
}

HRESULT wbemev_win_plugin_get_class_object(const wbemev_module *plugin, REFCLSID rclsid,
                                           REFIID riid, void **out)
{
    struct served sv;
    bool valid = served_plugin(plugin, &sv);
    return get_class_object(valid, &sv, rclsid, riid, out);
}

/* ---- registration ---- */

/* An object of this library, so of the DLL it is linked into: finds the DLL's path. */
static const char module_anchor = 0;

static HRESULT clsid_key_path(const wbemev_registration *reg, WCHAR *path, size_t size)
{
    const char *clsid = reg->clsid;
    static const WCHAR prefix[] = L"CLSID\\";
    size_t plen = wcslen(prefix), clen = strlen(clsid);
    if (plen + clen + 1 > size)
        return E_UNEXPECTED;
    memcpy(path, prefix, plen * sizeof(WCHAR));
    for (size_t i = 0; i <= clen; i++)
        path[plen + i] = (WCHAR)(unsigned char)clsid[i]; /* validated: ASCII */
    return S_OK;
}

static HRESULT unregister_server(const wbemev_registration *reg);

static LSTATUS set_string(HKEY key, const WCHAR *name, const WCHAR *value)
{
    return RegSetValueExW(key, name, 0, REG_SZ, (const BYTE *)value,
                          (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
}

/* The CLSID's key, its name and InprocServer32. The parameters (WBEMEV_WIN_PARAMETERS_KEY) are not
 * written: registering again keeps what an administrator wrote. */
static HRESULT register_server(const wbemev_registration *reg)
{
    WCHAR key_path[64];
    HRESULT hr = clsid_key_path(reg, key_path, sizeof key_path / sizeof key_path[0]);
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

    WCHAR *name = wbemev__win_utf16(reg->provider_name);
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
        unregister_server(reg);
        return SELFREG_E_CLASS;
    }
    return S_OK;
}

static HRESULT unregister_server(const wbemev_registration *reg)
{
    WCHAR key_path[64];
    HRESULT hr = clsid_key_path(reg, key_path, sizeof key_path / sizeof key_path[0]);
    if (FAILED(hr))
        return hr;
    LSTATUS rc = RegDeleteTreeW(HKEY_CLASSES_ROOT, key_path);
    if (rc == ERROR_SUCCESS || rc == ERROR_FILE_NOT_FOUND)
        return S_OK;
    return SELFREG_E_CLASS;
}

HRESULT wbemev_win_dll_register_server(const wbemev_win_module *module)
{
    struct served sv;
    return served_module(module, &sv) ? register_server(sv.registration)
                                      : (HRESULT)WBEM_E_INVALID_PARAMETER;
}

HRESULT wbemev_win_dll_unregister_server(const wbemev_win_module *module)
{
    struct served sv;
    return served_module(module, &sv) ? unregister_server(sv.registration)
                                      : (HRESULT)WBEM_E_INVALID_PARAMETER;
}

HRESULT wbemev_win_plugin_register_server(const wbemev_module *plugin)
{
    struct served sv;
    return served_plugin(plugin, &sv) ? register_server(sv.registration)
                                      : (HRESULT)WBEM_E_INVALID_PARAMETER;
}

HRESULT wbemev_win_plugin_unregister_server(const wbemev_module *plugin)
{
    struct served sv;
    return served_plugin(plugin, &sv) ? unregister_server(sv.registration)
                                      : (HRESULT)WBEM_E_INVALID_PARAMETER;
}
