/*
 * tests/win/plugin_dll.c: a provider DLL made the way a plugin ships into WMI: a module descriptor
 * (WBEMEV_MODULE, as `wbemev run` loads on Linux) and WBEMEV_WIN_PLUGIN_DLL_EXPORTS. Its create
 * function records the parameters it is given (plugin_dll_seen) and refuses to create a provider
 * when given "fail", as a plugin refuses a bad value.
 */
#include "wbemev/win.h"

#include "plugin_dll.h"

#include <stdio.h>
#include <string.h>

struct tiny_provider {
    wbemev_provider_t base;
    LONG refs;
};

static void tiny_add_ref(wbemev_provider_t *p)
{
    InterlockedIncrement(&((struct tiny_provider *)p)->refs);
}

static void tiny_release(wbemev_provider_t *p)
{
    if (InterlockedDecrement(&((struct tiny_provider *)p)->refs) == 0)
        HeapFree(GetProcessHeap(), 0, p);
}

static wbemev_status tiny_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    (void)p, (void)sink, (void)flags;
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_provider_vtbl tiny_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, tiny_add_ref, tiny_release, NULL, tiny_provide_events, NULL, NULL,
    NULL,
};

static const wbemev_property_def plugin_event_props[] = {{"Name", WBEMEV_CIM_STRING, NULL}};
static const wbemev_class_def plugin_classes[] = {
    {"Plugin_Event", "__ExtrinsicEvent", plugin_event_props, 1},
};
static const char *const plugin_queries[] = {"SELECT * FROM Plugin_Event"};
static const wbemev_registration plugin_registration = {
    "root\\cimv2", "PluginDllTestProvider", PLUGIN_DLL_CLSID, NULL, plugin_classes, 1,
    plugin_queries, 1,
};

static LONG creates;
static char seen[4096];

static wbemev_status plugin_create(void *ctx, const wbemev_module_args *args, wbemev_provider_t **out)
{
    (void)ctx;
    InterlockedIncrement(&creates);
    seen[0] = '\0';
    if (args == NULL) {
        snprintf(seen, sizeof seen, "(null)");
    } else {
        size_t used = 0;
        for (size_t i = 0; i < args->count && used < sizeof seen; i++) {
            int n = snprintf(seen + used, sizeof seen - used, "%s=%s\n", args->keys[i], args->values[i]);
            if (n < 0)
                break;
            used += (size_t)n;
        }
    }
    if (wbemev_module_arg(args, "fail", NULL) != NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    struct tiny_provider *p = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof *p);
    if (p == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    p->base.vtbl = &tiny_vtbl;
    p->refs = 1;
    *out = &p->base;
    return WBEMEV_S_NO_ERROR;
}

__declspec(dllexport) long plugin_dll_seen(char *buf, size_t size);

__declspec(dllexport) long plugin_dll_seen(char *buf, size_t size)
{
    snprintf(buf, size, "%s", seen);
    return InterlockedCompareExchange(&creates, 0, 0);
}

WBEMEV_MODULE(&plugin_registration, plugin_create, NULL, "Records the parameters it is created with",
              "interval=N   a number\n"
              "name=TEXT    a text (may repeat)\n"
              "empty=TEXT   may be empty\n"
              "eq=TEXT      may hold '='\n"
              "fail=ANY     create_provider refuses");

WBEMEV_WIN_PLUGIN_DLL_EXPORTS(wbemev_module_v1)
