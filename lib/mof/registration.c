/*
 * lib/mof/registration.c: the provider registration a document writes, read back into a
 * wbemev_registration once the document is parsed (so the document stays immutable): the
 * __EventProviderRegistration instance, the __Win32Provider its Provider names (by alias or by
 * the path `__Win32Provider.Name="..."`), the namespace, and the non-system classes.
 */
#include "mof/mof_int.h"

#define DEFAULT_NAMESPACE "root\\default" /* mofcomp's, with no #pragma namespace */

static const wbemev_value *value_of(const wbemev_mof_instance *inst, const char *name, wbemev_cimtype type)
{
    for (size_t i = 0; i < inst->property_count; i++) {
        const wbemev_value *v = &inst->property_values[i];
        if (wbemev__strcaseeq(inst->property_names[i], name))
            return !v->is_null && v->type == type ? v : NULL;
    }
    return NULL;
}

static const char *string_of(const wbemev_mof_instance *inst, const char *name)
{
    const wbemev_value *v = value_of(inst, name, WBEMEV_CIM_STRING);
    return v != NULL ? v->u.string : NULL;
}

/* Does the Provider value `ref` name instance `prov`? "$alias" or __Win32Provider.Name="x". */
static bool names_provider(const char *ref, const wbemev_mof_instance *prov)
{
    static const char head[] = "__Win32Provider.Name=\"";
    if (ref[0] == '$')
        return prov->alias != NULL && wbemev__strcaseeq(ref + 1, prov->alias);
    const char *name = string_of(prov, "Name");
    size_t hl = sizeof head - 1;
    if (name == NULL || strlen(ref) < hl)
        return false;
    for (size_t i = 0; i < hl; i++) {
        char a = ref[i], b = head[i];
        if ((a | 0x20) != (b | 0x20))
            return false;
    }
    const char *q = ref + hl;
    for (; *name != 0; name++, q++) {
        if (*q == '\\')
            q++;
        if (*q != *name)
            return false;
    }
    return q[0] == '"' && q[1] == 0;
}

static const wbemev_mof_instance *find_instance(const wbemev_mof_document_t *doc, const char *class_name,
                                                const char *provider_ref)
{
    for (size_t i = 0; i < doc->instances.count; i++) {
        const wbemev_mof_instance *inst = wbemev_mof_document_instance_at(doc, i);
        if (wbemev__strcaseeq(inst->class_name, class_name) &&
            (provider_ref == NULL || names_provider(provider_ref, inst)))
            return inst;
    }
    return NULL;
}

/* The registration's class definitions, superclasses first, in the arena. */
static wbemev_status build_classes(wbemev_mof_document_t *doc)
{
    size_t *order = NULL, bad = 0, n = doc->classes.count;
    wbemev_status s = wbemev__mof_order_classes(doc, &order, &bad);
    if (WBEMEV_FAILED(s))
        return s;
    wbemev_class_def *defs = wbemev__mof_alloc_array(&doc->arena, n == 0 ? 1 : n, sizeof *defs);
    size_t *pos = wbemev__calloc(n == 0 ? 1 : n, sizeof *pos);
    s = defs != NULL && pos != NULL ? WBEMEV_S_NO_ERROR : WBEMEV_E_OUT_OF_MEMORY;
    for (size_t i = 0; i < n && WBEMEV_SUCCEEDED(s); i++)
        pos[order[i]] = i;
    size_t count = 0;
    for (size_t i = 0; i < n && WBEMEV_SUCCEEDED(s); i++) {
        const wbemev_mof_class *c = wbemev_mof_document_class_at(doc, order[i]);
        if (wbemev__mof_is_system_name(c->name))
            continue;
        wbemev_property_def *props = wbemev__mof_alloc_array(&doc->arena, c->property_count + 1, sizeof *props);
        if (props == NULL) {
            s = WBEMEV_E_OUT_OF_MEMORY;
            break;
        }
        size_t np = 0;
        for (size_t k = 0; k < c->property_count; k++) {
            const wbemev_mof_property *p = &c->properties[k];
            if (wbemev__mof_property_is_override(doc, c, p->name))
                continue;
            size_t t = wbemev__mof_property_target(doc, p);
            props[np++] = (wbemev_property_def){p->name, p->type,
                                                t != SIZE_MAX && t != order[i] && pos[t] > i ? NULL : p->ref_class};
        }
        defs[count++] = (wbemev_class_def){c->name, c->superclass, props, np};
    }
    wbemev__free(order);
    wbemev__free(pos);
    if (WBEMEV_SUCCEEDED(s)) {
        doc->reg.classes = defs;
        doc->reg.class_count = count;
    }
    return s;
}

wbemev_status wbemev__mof_build_registration(wbemev_mof_document_t *doc)
{
    const wbemev_mof_instance *epr = find_instance(doc, "__EventProviderRegistration", NULL);
    if (epr == NULL) {
        doc->reg_status = WBEMEV_E_NOT_FOUND;
        return WBEMEV_S_NO_ERROR;
    }
    const wbemev_value *ref = value_of(epr, "Provider", WBEMEV_CIM_REFERENCE);
    const char *ref_text = ref != NULL ? ref->u.string : string_of(epr, "Provider");
    const wbemev_mof_instance *prov = ref_text != NULL ? find_instance(doc, "__Win32Provider", ref_text) : NULL;
    const wbemev_value *queries = value_of(epr, "EventQueryList", WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY);
    doc->reg_status = WBEMEV_E_INVALID_PROVIDER_REGISTRATION;
    if (prov == NULL || queries == NULL || queries->u.array.count == 0)
        return WBEMEV_S_NO_ERROR;
    doc->reg.namespace_name = epr->namespace_name != NULL ? epr->namespace_name : DEFAULT_NAMESPACE;
    doc->reg.provider_name = string_of(prov, "Name");
    doc->reg.clsid = string_of(prov, "CLSID");
    doc->reg.hosting_model = string_of(prov, "HostingModel");
    doc->reg.event_queries = queries->u.array.items;
    doc->reg.query_count = queries->u.array.count;
    wbemev_status s = build_classes(doc);
    if (s == WBEMEV_E_OUT_OF_MEMORY)
        return s;
    doc->reg_status = WBEMEV_FAILED(s) ? s : WBEMEV_S_NO_ERROR;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_mof_document_registration(const wbemev_mof_document_t *doc, const wbemev_registration **out)
{
    if (doc == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (WBEMEV_FAILED(doc->reg_status))
        return doc->reg_status;
    *out = &doc->reg;
    return WBEMEV_S_NO_ERROR;
}
