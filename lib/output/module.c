/*
 * lib/module.c: provider modules (plugins): descriptor checks and hosting. See wbemev/module.h.
 * Loading a shared object (dlopen, LoadLibrary) is the host's business: this file only deals with
 * the descriptor, so it stays portable.
 */
#include "base/base.h"
#include "wbemev/module.h"

/* The size of a version-1 descriptor: every field up to params_help. Later versions only append. */
#define MODULE_V1_SIZE (offsetof(wbemev_module, params_help) + sizeof(const char *))

wbemev_status wbemev_module_validate(const wbemev_module *module)
{
    if (module == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (module->abi_version != WBEMEV_MODULE_ABI_VERSION)
        return WBEMEV_E_NOT_SUPPORTED;
    if (module->size < MODULE_V1_SIZE)
        return WBEMEV_E_INVALID_PARAMETER;
    unsigned major = (module->wbemev_version >> 16) & 0xFFu, minor = (module->wbemev_version >> 8) & 0xFFu;
    if (major != WBEMEV_VERSION_MAJOR || minor > WBEMEV_VERSION_MINOR)
        return WBEMEV_E_NOT_SUPPORTED;
    if (module->create_provider == NULL || module->registration == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    const wbemev_registration *reg = module->registration;
    if (reg->clsid != NULL)
        return wbemev_registration_validate(reg);
    /* A module may leave the CLSID to whoever writes its MOF: check the rest. */
    wbemev_registration copy = *reg;
    copy.clsid = "{00000000-0000-0000-0000-000000000000}";
    return wbemev_registration_validate(&copy);
}

/* Deletes the registration's classes that did not exist before (existed[i] false), last first. */
static void undefine_classes(const wbemev_registration *reg, wbemev_namespace_t *ns, const bool *existed)
{
    for (size_t i = reg->class_count; i-- > 0;) {
        if (!existed[i])
            (void)wbemev_namespace_delete_class(ns, reg->classes[i].name); /* NOT_FOUND is fine */
    }
}

wbemev_status wbemev_module_register(wbemev_dispatcher_t *d, const wbemev_module *module,
                                     const wbemev_module_args *args)
{
    if (d == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status st = wbemev_module_validate(module);
    if (WBEMEV_FAILED(st))
        return st;
    const wbemev_registration *reg = module->registration;
    wbemev_namespace_t *ns = wbemev_dispatcher_namespace(d);

    /* Remember which classes exist already, so a failure removes only what this call added. */
    bool *existed = wbemev__calloc(reg->class_count != 0 ? reg->class_count : 1, sizeof *existed);
    if (existed == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    for (size_t i = 0; i < reg->class_count; i++) {
        wbemev_class_t *cls;
        if (WBEMEV_SUCCEEDED(wbemev_namespace_get_class(ns, reg->classes[i].name, &cls))) {
            existed[i] = true;
            wbemev_class_release(cls);
        }
    }

    st = wbemev_registration_define_classes(reg, ns, true);
    if (WBEMEV_FAILED(st)) {
        wbemev__free(existed);
        return st; /* define_classes already removed what it defined */
    }
    wbemev_provider_t *provider = NULL;
    st = module->create_provider(module->ctx, args, &provider);
    if (WBEMEV_SUCCEEDED(st) && !wbemev_provider_is_valid(provider)) {
        /* A create function that "succeeds" without a usable provider is a broken module. */
        st = WBEMEV_E_PROVIDER_LOAD_FAILURE;
        if (provider != NULL && provider->vtbl != NULL && provider->vtbl->release != NULL)
            wbemev_provider_release(provider);
        provider = NULL;
    }
    if (WBEMEV_SUCCEEDED(st)) {
        st = wbemev_dispatcher_register(d, reg->provider_name, provider, reg->event_queries,
                                        reg->query_count);
        wbemev_provider_release(provider); /* the dispatcher keeps its own reference on success */
    }
    if (WBEMEV_FAILED(st))
        undefine_classes(reg, ns, existed);
    wbemev__free(existed);
    return st;
}
