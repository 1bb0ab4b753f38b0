/*
 * lib/output/registration.c: a provider's registration: its checks, and defining its classes in a
 * namespace. See wbemev/mof.h (the MOF text for it is written by mof.c).
 */
#include "output/output.h"

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool clsid_valid(const char *s)
{
    static const char pattern[] = "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";
    if (s == NULL || strlen(s) != sizeof pattern - 1)
        return false;
    for (size_t i = 0; pattern[i] != 0; i++) {
        if (pattern[i] == 'x' ? !is_hex(s[i]) : s[i] != pattern[i])
            return false;
    }
    return true;
}

/* Non-empty, without '"' or control characters: what a MOF string holds without escapes. */
static bool plain_text(const char *s)
{
    if (s == NULL || *s == 0)
        return false;
    for (; *s != 0; s++) {
        if ((unsigned char)*s < 0x20 || *s == '"' || *s == 0x7F)
            return false;
    }
    return true;
}

wbemev_status wbemev__class_def_validate(const wbemev_class_def *cls)
{
    if (cls == NULL || !wbemev__identifier_valid(cls->name) || (cls->props == NULL && cls->prop_count > 0))
        return WBEMEV_E_INVALID_PARAMETER;
    if (cls->superclass != NULL && !wbemev__identifier_valid(cls->superclass))
        return WBEMEV_E_INVALID_PARAMETER;
    for (size_t i = 0; i < cls->prop_count; i++) {
        const wbemev_property_def *p = &cls->props[i];
        if (!wbemev__identifier_valid(p->name))
            return WBEMEV_E_INVALID_PARAMETER;
        if (!wbemev_cimtype_is_valid(p->type))
            return WBEMEV_E_INVALID_PROPERTY_TYPE;
        wbemev_cimtype base = WBEMEV_CIM_BASE(p->type);
        if ((base == WBEMEV_CIM_OBJECT || base == WBEMEV_CIM_REFERENCE) && p->ref_class != NULL &&
            !wbemev__identifier_valid(p->ref_class))
            return WBEMEV_E_INVALID_PARAMETER;
    }
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_registration_validate(const wbemev_registration *reg)
{
    if (reg == NULL || !plain_text(reg->namespace_name) || !plain_text(reg->provider_name) ||
        !clsid_valid(reg->clsid) || (reg->hosting_model != NULL && !plain_text(reg->hosting_model)))
        return WBEMEV_E_INVALID_PARAMETER;
    if (reg->classes == NULL && reg->class_count > 0)
        return WBEMEV_E_INVALID_PARAMETER;
    for (size_t i = 0; i < reg->class_count; i++) {
        wbemev_status s = wbemev__class_def_validate(&reg->classes[i]);
        if (WBEMEV_FAILED(s))
            return s;
    }
    if (reg->event_queries == NULL || reg->query_count == 0)
        return WBEMEV_E_INVALID_PARAMETER;
    for (size_t i = 0; i < reg->query_count; i++) {
        if (reg->event_queries[i] == NULL || reg->event_queries[i][0] == 0)
            return WBEMEV_E_INVALID_PARAMETER;
    }
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_registration_define_classes(const wbemev_registration *reg,
                                                 wbemev_namespace_t *ns, bool skip_existing)
{
    if (reg == NULL || ns == NULL || (reg->classes == NULL && reg->class_count > 0))
        return WBEMEV_E_INVALID_PARAMETER;
    size_t i;
    wbemev_status s = WBEMEV_S_NO_ERROR;
    bool *defined = NULL;
    if (reg->class_count > 0) {
        defined = wbemev__calloc(reg->class_count, sizeof *defined);
        if (defined == NULL)
            return WBEMEV_E_OUT_OF_MEMORY;
    }
    for (i = 0; i < reg->class_count; i++) {
        const wbemev_class_def *c = &reg->classes[i];
        if (skip_existing) {
            wbemev_class_t *existing = NULL;
            if (c->name != NULL && WBEMEV_SUCCEEDED(wbemev_namespace_get_class(ns, c->name, &existing))) {
                wbemev_class_release(existing);
                continue;
            }
        }
        s = wbemev_namespace_define_class(ns, c->name, c->superclass, c->props, c->prop_count, NULL);
        if (WBEMEV_FAILED(s))
            break;
        defined[i] = true;
    }
    if (WBEMEV_FAILED(s)) {
        /* Undo in reverse order; deleting a class deletes its subclasses, so a miss is fine. */
        while (i-- > 0) {
            if (defined[i])
                (void)wbemev_namespace_delete_class(ns, reg->classes[i].name);
        }
    }
    wbemev__free(defined);
    return s;
}
