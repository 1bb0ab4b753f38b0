/*
 * lib/win/win-int.h: internals of the COM shim. Not installed.
 *
 * COM in plain C, Wine's way (dlls/wbemprox): each object embeds its interface structs, recovers
 * itself with impl_from_*(), counts references with Interlocked*, and QueryInterface returns
 * &obj->IFoo_iface and AddRefs it.
 */
#ifndef WBEMEV_WIN_INT_H
#define WBEMEV_WIN_INT_H

#ifndef CONST_VTABLE
#define CONST_VTABLE /* static const vtables, as Wine */
#endif
#ifndef COBJMACROS
#define COBJMACROS
#endif
#ifndef CINTERFACE
#define CINTERFACE
#endif

#include "wbemev/win.h"

#include <string.h>

/* ---- memory (util.c): the process heap, as Wine's heap_alloc ---- */
void *wbemev__win_alloc(size_t size);  /* zeroed */
void wbemev__win_free(void *p);

/* ---- text (util.c) ---- */
/* UTF-8 to a heap UTF-16 string (wbemev__win_free), NULL on bad input or no memory. */
WCHAR *wbemev__win_utf16(const char *utf8);
/* Case-insensitive ASCII comparison (class and property names). */
bool wbemev__win_name_eq(const char *a, const char *b);
/* A decimal BSTR of a 64-bit integer. NULL when out of memory. */
BSTR wbemev__win_bstr_i64(int64_t v);
BSTR wbemev__win_bstr_u64(uint64_t v);

/* ---- module object counts (dll.c) ---- */
void wbemev__win_object_created(void);
void wbemev__win_object_destroyed(void);

/* ---- provider parameters (params.c) ---- */
/* Parameters as create_provider gets them: args.keys[i] and args.values[i] point into entries[i]
 * (one heap string "KEY\0VALUE" each). Zeroed: no parameters. */
struct wbemev__win_params {
    wbemev_module_args args;
    char **entries;
};
/* Parses a Parameters value as RegQueryValueEx gives it (type, bytes). `help` is the plugin's
 * params_help (a key it does not document is refused) or NULL (any key). S_OK; E_OUTOFMEMORY;
 * WBEM_E_INVALID_PARAMETER for a malformed value, with the reason in why (may be NULL). */
HRESULT wbemev__win_params_parse(DWORD type, const void *data, size_t bytes, const char *help,
                                 struct wbemev__win_params *out, char *why, size_t why_size);
/* Reads and parses HKEY_CLASSES_ROOT\CLSID\{clsid}\wbemev, value Parameters. A missing key or
 * value is S_OK with no parameters; a key or value that cannot be read, its Windows error as an
 * HRESULT (with the reason in why). */
HRESULT wbemev__win_params_read(const char *clsid, const char *help, struct wbemev__win_params *out,
                                char *why, size_t why_size);
void wbemev__win_params_free(struct wbemev__win_params *p);

/* ---- values (variant.c) ---- */
/* Resolves an embedded wbemev object into a new WMI instance (one reference). */
typedef HRESULT (*wbemev__win_object_fn)(void *ctx, wbemev_object_t *obj, IWbemClassObject **out);
/* wbemev_win_variant_from_value, with embedded objects converted through `object_fn`. */
HRESULT wbemev__win_variant_from_value(const wbemev_value *value, wbemev__win_object_fn object_fn,
                                       void *ctx, VARIANT *out);

/* ---- sinks (sinks.c): wbemev sinks over COM sinks ---- */
struct wbemev__win_class_entry {
    char *name;              /* heap */
    IWbemClassObject *object; /* one reference */
};

/* The class objects the provider fetched at Initialize (borrowed here; the sink AddRefs them). */
struct wbemev__win_class_cache {
    const struct wbemev__win_class_entry *entries;
    size_t count;
};

/* A wbemev sink over WMI's IWbemObjectSink (AddRef'd), refcount 1. services may be NULL. */
HRESULT wbemev__win_event_sink_create(IWbemObjectSink *wmi, IWbemServices *services,
                                      const struct wbemev__win_class_cache *classes,
                                      wbemev_sink_t **out);
/* Stops the sink reaching WMI: waits for an Indicate in progress, then releases WMI's sink, the
 * services and the class objects. Later calls answer WBEMEV_E_CALL_CANCELLED. Idempotent. */
void wbemev__win_event_sink_detach(wbemev_sink_t *sink);

/* A wbemev sink over IWbemProviderInitSink (AddRef'd), refcount 1. */
HRESULT wbemev__win_init_sink_create(IWbemProviderInitSink *wmi, wbemev_sink_t **out);
/* True once set_status went through to WMI. */
bool wbemev__win_init_sink_reported(wbemev_sink_t *sink);
void wbemev__win_init_sink_detach(wbemev_sink_t *sink);

#endif /* WBEMEV_WIN_INT_H */
