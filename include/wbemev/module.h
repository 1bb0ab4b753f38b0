/*
 * wbemev/module.h: provider plugins. A provider built as a shared object exports one versioned
 * module descriptor; hosts (the `wbemev` tool, tests, your own program) load it and register the
 * provider it describes with a dispatcher.
 */
#ifndef WBEMEV_MODULE_H
#define WBEMEV_MODULE_H

#include "dispatcher.h"
#include "mof.h"

WBEMEV_BEGIN_DECLS

/**
 * @file wbemev/module.h
 * @brief Provider plugins: the versioned module descriptor a provider shared object exports.
 *
 * A module descriptor says everything a host needs to know about one provider: its registration
 * (namespace, provider name, CLSID, class definitions and EventQueryList, the same
 * wbemev_registration the Windows DLL and the registration MOF use, see wbemev/mof.h) and a function
 * that creates the provider. A plugin is the provider's source plus one line:
 *
 *     #include <wbemev/module.h>
 *     #include "my_provider.h"            // my_registration, my_provider_new()
 *
 *     static wbemev_status create(void *ctx, const wbemev_module_args *args, wbemev_provider_t **out)
 *     {
 *         (void)ctx;
 *         return my_provider_new(wbemev_module_arg(args, "interval_ms", "1000"), out);
 *     }
 *     WBEMEV_MODULE(&my_registration, create, NULL, "What my provider reports", "interval_ms=N  ...");
 *
 * built as a shared object (CMake: `add_library(my_plugin MODULE my_plugin.c my_provider.c)` linked
 * to the shared library `wbemev::wbemev_shared`). WBEMEV_MODULE defines the exported constant
 * `wbemev_module_v1` (WBEMEV_MODULE_SYMBOL). A host finds it with dlsym (GetProcAddress on
 * Windows), checks it with wbemev_module_validate() and registers the provider with
 * wbemev_module_register(). The same provider source links statically into tests, which call
 * wbemev_module_register() on a descriptor of their own, and into the Windows DLL
 * (wbemev/win.h), whose wbemev_win_module takes the same registration.
 *
 * Plugins must link the shared library (never a static copy): the host and the plugin then share
 * one wbemev, its allocator and its classes.
 *
 * Versioning: `abi_version` changes only when the descriptor changes incompatibly (a new symbol
 * name comes with it: wbemev_module_v2). Fields are only ever appended; `size` tells the host which
 * exist. `wbemev_version` records the headers the module was built with: a host refuses a module
 * built for another major version, or for a newer minor version than the library it runs.
 */

/** The descriptor layout this header defines. */
#define WBEMEV_MODULE_ABI_VERSION 1
/** The name of the exported descriptor, for dlsym / GetProcAddress. */
#define WBEMEV_MODULE_SYMBOL "wbemev_module_v1"

/**
 * Parameters a host passes to a module's create function: `count` key/value pairs (the `wbemev run
 * --param KEY=VALUE` options). Borrowed for the call; copy what you keep. Keys are matched exactly.
 */
typedef struct wbemev_module_args {
    size_t count;              /**< number of pairs */
    const char *const *keys;   /**< count keys */
    const char *const *values; /**< count values, never NULL */
} wbemev_module_args;

/**
 * The value of parameter `key`, or `fallback` when args is NULL or has no such key. When a key
 * repeats, the last value wins.
 * @param args the parameters (may be NULL)
 * @param key the key
 * @param fallback returned when the key is absent (may be NULL)
 * @return a borrowed string
 */
static inline const char *wbemev_module_arg(const wbemev_module_args *args, const char *key,
                                            const char *fallback)
{
    const char *found = fallback;
    if (args == NULL || key == NULL)
        return fallback;
    for (size_t i = 0; i < args->count; i++) {
        const char *a = args->keys[i], *b = key;
        while (*a != '\0' && *a == *b)
            a++, b++;
        if (*a == *b)
            found = args->values[i];
    }
    return found;
}

/**
 * Creates the provider: one reference, owned by the caller, written to *out only on success.
 * @param ctx the descriptor's ctx
 * @param args parameters from the host (may be NULL; see wbemev_module_arg())
 * @param[out] out the provider
 * @return WBEMEV_S_NO_ERROR, or a failure the host reports (WBEMEV_E_INVALID_PARAMETER for a bad
 *         parameter, WBEMEV_E_OUT_OF_MEMORY, ...)
 */
typedef wbemev_status (*wbemev_module_create_fn)(void *ctx, const wbemev_module_args *args,
                                                 wbemev_provider_t **out);

/** The module descriptor, version 1. Usually defined with WBEMEV_MODULE. */
typedef struct wbemev_module {
    uint32_t abi_version;    /**< WBEMEV_MODULE_ABI_VERSION */
    uint32_t size;           /**< sizeof(wbemev_module) as the module was built */
    uint32_t wbemev_version; /**< WBEMEV_VERSION_HEX of the headers the module was built with */
    /** Namespace, provider name, CLSID (may be NULL: `wbemev mof --clsid` supplies one), classes and
     * EventQueryList. */
    const wbemev_registration *registration;
    wbemev_module_create_fn create_provider; /**< creates one provider */
    void *ctx;                               /**< passed to create_provider */
    const char *description;                 /**< one line for humans, or NULL */
    /** The parameters create_provider understands, one "key=VALUE  meaning" per line, or NULL. */
    const char *params_help;
    /* Version 1 ends here; fields are only ever appended. */
} wbemev_module;

#if defined(_WIN32) || defined(__CYGWIN__)
#define WBEMEV_MODULE_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define WBEMEV_MODULE_EXPORT __attribute__((visibility("default")))
#else
/** Exports the descriptor from a shared object, whatever the default visibility. */
#define WBEMEV_MODULE_EXPORT
#endif

#ifdef __cplusplus
#define WBEMEV__MODULE_DECL extern "C"
#define WBEMEV__MODULE_DEF extern "C"
#else
#define WBEMEV__MODULE_DECL extern
#define WBEMEV__MODULE_DEF
#endif

/**
 * Defines and exports the module descriptor `wbemev_module_v1`. Use it once per shared object, at
 * file scope, followed by a semicolon.
 * @param registration a `const wbemev_registration *` (must outlive the module)
 * @param create a wbemev_module_create_fn
 * @param ctx passed to create
 * @param description one line, or NULL
 * @param params_help the parameters create understands, or NULL
 */
#define WBEMEV_MODULE(registration, create, ctx, description, params_help)                          \
    WBEMEV__MODULE_DECL WBEMEV_MODULE_EXPORT const wbemev_module wbemev_module_v1;                   \
    WBEMEV__MODULE_DEF WBEMEV_MODULE_EXPORT const wbemev_module wbemev_module_v1 = {                 \
        WBEMEV_MODULE_ABI_VERSION, (uint32_t)sizeof(wbemev_module), WBEMEV_VERSION_HEX,              \
        (registration), (create), (ctx), (description), (params_help)}

/**
 * Checks a descriptor before use: ABI version and size, version compatibility with this library
 * (same major version, minor version not newer), a create function, and a valid registration
 * (wbemev_registration_validate(), except that the CLSID may be NULL). Thread-safe.
 * @param module the descriptor
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL or a malformed descriptor;
 *         WBEMEV_E_NOT_SUPPORTED for an incompatible ABI or library version; the statuses of
 *         wbemev_registration_validate()
 */
WBEMEV_API wbemev_status wbemev_module_validate(const wbemev_module *module);

/**
 * Hosts a module's provider in a dispatcher: validates the descriptor, defines the registration's
 * classes in the dispatcher's namespace (classes that already exist are kept), creates the provider
 * with `args` and registers it under the registration's provider name with its EventQueryList
 * (wbemev_dispatcher_register()). The dispatcher then holds the only reference to the provider:
 * wbemev_dispatcher_unregister() or wbemev_dispatcher_destroy() stops it.
 *
 * Call it from the host's thread, not from inside a provider call (guideline 1).
 * @param d the dispatcher
 * @param module the descriptor (borrowed; must outlive the provider)
 * @param args parameters for create_provider (may be NULL)
 * @return WBEMEV_S_NO_ERROR; the statuses of wbemev_module_validate(),
 *         wbemev_registration_define_classes(), the create function and
 *         wbemev_dispatcher_register(). On failure the classes this call defined are deleted
 *         again and no provider is kept.
 */
WBEMEV_API wbemev_status wbemev_module_register(wbemev_dispatcher_t *d, const wbemev_module *module,
                                                const wbemev_module_args *args);

WBEMEV_END_DECLS

#endif /* WBEMEV_MODULE_H */
