/*
 * wbemev/win.h: the Windows COM shim (library wbemev_win, Windows only; not part of wbemev.h).
 *
 * It puts a wbemev provider (wbemev/provider.h) into WMI unchanged: a COM object implements
 * IWbemProviderInit and IWbemEventProvider over it, plus IWbemEventProviderQuerySink and
 * IWbemEventProviderSecurity exactly when the wbemev provider has the matching slots. Events the
 * provider indicates on the wbemev sink it was given become IWbemClassObject instances of the WMI
 * classes (docs/contract.md#cim-types gives each CIM type's VARIANT), handed to WMI's IWbemObjectSink.
 * Status codes pass through unchanged in both directions (wbemev statuses are WBEM HRESULTs).
 *
 * A provider DLL is the provider's plugin (wbemev/module.h: the same source `wbemev run` hosts on
 * Linux) plus one macro:
 *
 *     #include <wbemev/win.h>
 *     #include "my_provider.h"          // my_registration, my_provider_new()
 *
 *     static wbemev_status create(void *ctx, const wbemev_module_args *args, wbemev_provider_t **out)
 *     {
 *         (void)ctx;
 *         return my_provider_new(wbemev_module_arg(args, "interval_ms", "1000"), out);
 *     }
 *     WBEMEV_MODULE(&my_registration, create, NULL, "What my provider reports", "interval_ms=N  ...");
 *     WBEMEV_WIN_PLUGIN_DLL_EXPORTS(wbemev_module_v1) // DllGetClassObject, DllCanUnloadNow,
 *                                                      // DllRegisterServer, DllUnregisterServer
 *
 * create gets the parameters the registry holds for the CLSID (see "Provider parameters" below),
 * as a plugin gets `wbemev run --param KEY=VALUE`. A DLL may instead serve a wbemev_win_module,
 * whose create function takes no parameters (WBEMEV_WIN_DLL_EXPORTS). The registration MOF comes
 * from wbemev_mof_write_registration(&my_registration, ...).
 *
 * What the COM provider object does (docs/contract.md#lifecycle and #indicate):
 *  - Initialize keeps IWbemServices, fetches each class of the registration once (GetObject),
 *    creates a wbemev namespace holding the registration's classes and calls the wbemev provider's
 *    initialize with it (wbemev_provider_init.ns), whose init sink forwards to WMI's
 *    IWbemProviderInitSink. A provider without initialize is reported WBEM_S_INITIALIZED; a failed
 *    GetObject is reported WBEM_E_FAILED.
 *  - ProvideEvents AddRefs WMI's sink and gives the wbemev provider a wbemev sink over it. Its
 *    indicate freezes each wbemev object, spawns an instance of its WMI class, Puts every non-NULL
 *    property (and TIME_CREATED, stamped now when NULL), calls WMI's Indicate and releases all it
 *    made. Its set_status answers WBEMEV_E_INVALID_OPERATION and reaches nothing (guideline 4).
 *    A second ProvideEvents replaces the sink (the old one answers WBEMEV_E_CALL_CANCELLED).
 *  - NewQuery, CancelQuery and AccessCheck forward to the wbemev provider (UTF-16 to UTF-8, the
 *    SID's bytes as they are).
 *  - The final Release detaches the sinks (from then on they answer WBEMEV_E_CALL_CANCELLED and never
 *    call WMI; a call in progress is waited for, unless the Release happens inside that call on
 *    its own thread: then the call lets go of WMI's sink as it returns), releases the wbemev
 *    provider (which stops it), the class objects and IWbemServices.
 *
 * Threading: every object here is free-threaded (ThreadingModel "Both"): refcounts are Interlocked,
 * state is locked, and no lock of the provider object is held while calling the wbemev provider.
 */
#ifndef WBEMEV_WIN_H
#define WBEMEV_WIN_H

#include <windows.h>
#include <ole2.h>
#include <olectl.h>
#include <wbemcli.h>
#include <wbemprov.h>

#include "../wbemev.h"
#include "mof.h"
#include "module.h"

WBEMEV_BEGIN_DECLS

/** Makes the wbemev provider for one COM provider object: one reference, owned by the caller. */
typedef wbemev_status (*wbemev_win_create_fn)(void *ctx, wbemev_provider_t **out);

/**
 * What a provider DLL serves when it is not made from a plugin descriptor. Usually `static const`;
 * must outlive every object made from it. Its create function takes no parameters: when the
 * registry holds any for the CLSID, IClassFactory::CreateInstance fails with
 * WBEM_E_INVALID_PARAMETER rather than drop them. A DLL that takes parameters serves its plugin
 * descriptor (WBEMEV_WIN_PLUGIN_DLL_EXPORTS).
 */
typedef struct wbemev_win_module {
    /** Namespace, provider name, CLSID (as text), classes, EventQueryList. */
    const wbemev_registration *registration;
    /** Called once per COM provider object (IClassFactory::CreateInstance). */
    wbemev_win_create_fn create_provider;
    void *ctx; /**< passed to create_provider */
} wbemev_win_module;

/*
 * Provider parameters. A provider DLL takes the KEY=VALUE parameters that `wbemev run --param`
 * gives the same plugin on Linux from the registry, under the provider's CLSID:
 *
 *     HKEY_CLASSES_ROOT\CLSID\{clsid}\wbemev      value Parameters, REG_MULTI_SZ
 *
 * one "KEY=VALUE" string each, in order (a key may repeat: wbemev_module_arg() takes the last).
 * Each IClassFactory::CreateInstance reads the value afresh, converts it to UTF-8 and passes it to
 * the plugin's create_provider as wbemev_module_args; a new value takes effect with the next
 * provider object WMI creates (after WMI unloads the provider, or restarts).
 *
 *  - No key or no value: no parameters (args->count 0; the provider's defaults).
 *  - Malformed, and CreateInstance fails with WBEM_E_INVALID_PARAMETER without calling
 *    create_provider: not REG_MULTI_SZ; an entry without '=' or with nothing before it; an empty
 *    entry before the last one; text that is not UTF-16; a key the plugin's params_help does not
 *    document (when it has one, as `wbemev run` checks); more than 64 KiB. A key or value that
 *    cannot be read fails with its Windows error (HRESULT_FROM_WIN32). The split is at the first
 *    '=': the value may be empty and may hold '='.
 *  - Every failure of CreateInstance, these and create_provider's own (a bad value), is also
 *    written with OutputDebugString: "wbemev: {clsid}: ..." with the reason.
 *
 * DllRegisterServer does not write Parameters: a first registration has none, and registering
 * again keeps what an administrator wrote. DllUnregisterServer removes it with the CLSID's key.
 */
/** The key under `HKEY_CLASSES_ROOT\CLSID\{clsid}` that holds the parameters. */
#define WBEMEV_WIN_PARAMETERS_KEY L"wbemev"
/** The REG_MULTI_SZ value of WBEMEV_WIN_PARAMETERS_KEY with one KEY=VALUE string per parameter. */
#define WBEMEV_WIN_PARAMETERS_VALUE L"Parameters"

/**
 * Makes a COM provider object over `provider` (which it add_refs; the caller keeps its own
 * reference) and returns its `riid` interface in *out. `reg` is borrowed for the object's life.
 * E_POINTER for a NULL out; WBEM_E_INVALID_PARAMETER for an invalid registration or provider
 * vtable; E_NOINTERFACE (no object is kept) when riid is not served; E_OUTOFMEMORY.
 */
HRESULT wbemev_win_provider_create(const wbemev_registration *reg, wbemev_provider_t *provider,
                                   REFIID riid, void **out);

/** The registration's CLSID as a GUID. WBEM_E_INVALID_PARAMETER when it is not one. */
HRESULT wbemev_win_registration_clsid(const wbemev_registration *reg, CLSID *out);

/*
 * DLL entry-point helpers. The module's objects (provider objects and class factories) and
 * IClassFactory::LockServer locks are counted; DllCanUnloadNow answers S_OK only at zero.
 */

/** DllGetClassObject: a class factory for the module's CLSID (CLASS_E_CLASSNOTAVAILABLE else). */
HRESULT wbemev_win_dll_get_class_object(const wbemev_win_module *module, REFCLSID rclsid,
                                        REFIID riid, void **out);
/** DllCanUnloadNow: S_OK when no object is alive and no lock is held, else S_FALSE. */
HRESULT wbemev_win_dll_can_unload_now(void);
/**
 * DllRegisterServer: `HKEY_CLASSES_ROOT\CLSID\{clsid}` = provider name, with InprocServer32 = this
 * DLL's path and ThreadingModel = "Both". SELFREG_E_CLASS when the registry refuses (not an
 * administrator).
 */
HRESULT wbemev_win_dll_register_server(const wbemev_win_module *module);
/** DllUnregisterServer: removes `HKEY_CLASSES_ROOT\CLSID\{clsid}`. S_OK when it was not there. */
HRESULT wbemev_win_dll_unregister_server(const wbemev_win_module *module);

/*
 * The same for a DLL made from a plugin descriptor (wbemev/module.h), whose registration must have
 * a CLSID: the class factory passes the registry's parameters to its create_provider.
 */
/** DllGetClassObject for a plugin: CLASS_E_CLASSNOTAVAILABLE for another CLSID, or when the
 * descriptor does not validate (wbemev_module_validate()) or has no CLSID. */
HRESULT wbemev_win_plugin_get_class_object(const wbemev_module *plugin, REFCLSID rclsid,
                                           REFIID riid, void **out);
/** DllRegisterServer for a plugin, as wbemev_win_dll_register_server(). */
HRESULT wbemev_win_plugin_register_server(const wbemev_module *plugin);
/** DllUnregisterServer for a plugin, as wbemev_win_dll_unregister_server(). */
HRESULT wbemev_win_plugin_unregister_server(const wbemev_module *plugin);

/** The module's live objects and locks now (what DllCanUnloadNow looks at). */
LONG wbemev_win_object_count(void);
/** The module's IClassFactory::LockServer locks now. */
LONG wbemev_win_lock_count(void);

/* GCC and clang export the DLL entry points with __declspec(dllexport); MSVC, whose
 * combaseapi.h/olectl.h declarations would clash with that (C2375), with /EXPORT:name,PRIVATE. */
#if defined(_MSC_VER) && !defined(__clang__)
#if defined(_WIN64)
#define WBEMEV_WIN__EXPORT(name, decorated) __pragma(comment(linker, "/EXPORT:" #name ",PRIVATE"))
#else
#define WBEMEV_WIN__EXPORT(name, decorated)                                                        \
    __pragma(comment(linker, "/EXPORT:" #name "=" decorated ",PRIVATE"))
#endif
#define WBEMEV_WIN__DLLEXPORT
#else
#define WBEMEV_WIN__EXPORT(name, decorated)
#define WBEMEV_WIN__DLLEXPORT __declspec(dllexport)
#endif

#define WBEMEV_WIN__DLL_EXPORTS(get_class_object, register_server, unregister_server, served)      \
    WBEMEV_WIN__EXPORT(DllGetClassObject, "_DllGetClassObject@12")                                 \
    WBEMEV_WIN__EXPORT(DllCanUnloadNow, "_DllCanUnloadNow@0")                                      \
    WBEMEV_WIN__EXPORT(DllRegisterServer, "_DllRegisterServer@0")                                  \
    WBEMEV_WIN__EXPORT(DllUnregisterServer, "_DllUnregisterServer@0")                              \
    WBEMEV_WIN__DLLEXPORT HRESULT WINAPI DllGetClassObject(REFCLSID rclsid, REFIID riid,           \
                                                           LPVOID *ppv)                            \
    {                                                                                              \
        return get_class_object(&(served), rclsid, riid, ppv);                                     \
    }                                                                                              \
    WBEMEV_WIN__DLLEXPORT HRESULT WINAPI DllCanUnloadNow(void)                                     \
    {                                                                                              \
        return wbemev_win_dll_can_unload_now();                                                    \
    }                                                                                              \
    WBEMEV_WIN__DLLEXPORT HRESULT WINAPI DllRegisterServer(void)                                   \
    {                                                                                              \
        return register_server(&(served));                                                         \
    }                                                                                              \
    WBEMEV_WIN__DLLEXPORT HRESULT WINAPI DllUnregisterServer(void)                                 \
    {                                                                                              \
        return unregister_server(&(served));                                                       \
    }

/**
 * Defines the four DLL exports for `module` (a wbemev_win_module variable). Use it once, in one
 * source file of the DLL.
 */
#define WBEMEV_WIN_DLL_EXPORTS(module)                                                             \
    WBEMEV_WIN__DLL_EXPORTS(wbemev_win_dll_get_class_object, wbemev_win_dll_register_server,       \
                            wbemev_win_dll_unregister_server, module)

/**
 * Defines the four DLL exports for `plugin`, a wbemev_module variable: usually wbemev_module_v1,
 * defined by WBEMEV_MODULE in the same source file (from another file, declare it first:
 * `extern const wbemev_module wbemev_module_v1;`). Use it once, in one source file of the DLL.
 */
#define WBEMEV_WIN_PLUGIN_DLL_EXPORTS(plugin)                                                      \
    WBEMEV_WIN__DLL_EXPORTS(wbemev_win_plugin_get_class_object, wbemev_win_plugin_register_server, \
                            wbemev_win_plugin_unregister_server, plugin)

/*
 * Text conversions the shim uses, for providers that talk to WMI themselves. Invalid input (bad
 * UTF-8, lone surrogates) gives WBEM_E_INVALID_PARAMETER; NULL in gives NULL out and S_OK.
 */
/** UTF-8 to a BSTR (free with SysFreeString). */
HRESULT wbemev_win_utf8_to_bstr(const char *utf8, BSTR *out);
/** UTF-16 to UTF-8 (free with wbemev_win_free). */
HRESULT wbemev_win_utf16_to_utf8(const WCHAR *utf16, char **out);
/** Frees what wbemev_win_utf16_to_utf8 returned. NULL is ignored. */
void wbemev_win_free(void *p);

/**
 * The VARIANT a Windows Put uses for a wbemev value (docs/contract.md, CIM types): 64-bit integers as
 * decimal BSTRs, datetimes as DMTF BSTRs, booleans as VARIANT_BOOL, arrays as SAFEARRAYs, char16 as
 * VT_I2, uint16 and uint32 as VT_I4; a NULL value gives VT_NULL. Embedded objects need WMI class
 * objects and are not handled here: WBEM_E_NOT_SUPPORTED (the provider object converts them).
 * Clear the result with VariantClear.
 */
HRESULT wbemev_win_variant_from_value(const wbemev_value *value, VARIANT *out);

WBEMEV_END_DECLS

#endif /* WBEMEV_WIN_H */
