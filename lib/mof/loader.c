/*
 * lib/mof/loader.c: wbemev_namespace_load_mof: a document's classes defined in a namespace, in the
 * order order.c gives. What the model cannot hold is settled here: system classes are not
 * defined (the namespace's own serve), a property that repeats an inherited one keeps the
 * inherited definition, and a reference that would close a cycle refers to any class. A failure
 * deletes what this call defined.
 */
#include "mof/mof_int.h"

typedef struct loader {
    wbemev_namespace_t *ns;
    const wbemev_mof_document_t *doc;
    bool skip_existing;
    wbemev_mof_diagnostic *err;
    size_t *order, *pos; /* pos[class]: its place in order */
    bool *defined;
} loader;

static wbemev_status class_failed(loader *l, const wbemev_mof_class *c, wbemev_status s, const char *fmt, ...)
    WBEMEV__PRINTF(4, 5);

static wbemev_status class_failed(loader *l, const wbemev_mof_class *c, wbemev_status s, const char *fmt, ...)
{
    wbemev__mof_pos at = {c->file, NULL, NULL, c->line, 0};
    va_list ap;
    va_start(ap, fmt);
    wbemev__mof_diag_fill(l->err, s, &at, fmt, ap);
    va_end(ap);
    return s;
}

static bool namespace_has(wbemev_namespace_t *ns, const char *name, wbemev_class_t **out)
{
    wbemev_class_t *cls = NULL;
    if (name == NULL || WBEMEV_FAILED(wbemev_namespace_get_class(ns, name, &cls)))
        return false;
    if (out != NULL)
        *out = cls;
    else
        wbemev_class_release(cls);
    return true;
}

/* The property definitions of class number ci (heap, *count of them). */
static wbemev_status build_props(loader *l, size_t ci, wbemev_class_t *super, wbemev_property_def **out,
                                 size_t *count)
{
    const wbemev_mof_class *c = wbemev_mof_document_class_at(l->doc, ci);
    wbemev_property_def *defs = wbemev__calloc(c->property_count == 0 ? 1 : c->property_count, sizeof *defs);
    if (defs == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    size_t n = 0;
    for (size_t k = 0; k < c->property_count; k++) {
        const wbemev_mof_property *p = &c->properties[k];
        wbemev_property_info info;
        if ((super != NULL && WBEMEV_SUCCEEDED(wbemev_class_find_property(super, p->name, &info))) ||
            wbemev__mof_property_is_override(l->doc, c, p->name))
            continue; /* an override: the inherited definition stands */
        size_t t = wbemev__mof_property_target(l->doc, p);
        defs[n].name = p->name;
        defs[n].type = p->type;
        defs[n].ref_class = p->ref_class;
        if (t != SIZE_MAX && t != ci && l->pos[t] > l->pos[ci])
            defs[n].ref_class = NULL; /* would close a cycle: any class */
        n++;
    }
    *out = defs;
    *count = n;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status define_one(loader *l, size_t ci)
{
    const wbemev_mof_class *c = wbemev_mof_document_class_at(l->doc, ci);
    if (wbemev__mof_is_system_name(c->name))
        return WBEMEV_S_NO_ERROR; /* never defined: the namespace's own system classes serve */
    if (namespace_has(l->ns, c->name, NULL)) {
        if (l->skip_existing)
            return WBEMEV_S_NO_ERROR;
        return class_failed(l, c, WBEMEV_E_ALREADY_EXISTS, "class '%s' already exists in the namespace", c->name);
    }
    wbemev_class_t *super = NULL;
    if (c->superclass != NULL && !namespace_has(l->ns, c->superclass, &super))
        return class_failed(l, c, WBEMEV_E_INVALID_SUPERCLASS, "class '%s': unknown superclass '%s'", c->name,
                            c->superclass);
    wbemev_property_def *defs = NULL;
    size_t n = 0;
    wbemev_status s = build_props(l, ci, super, &defs, &n);
    wbemev_class_release(super);
    if (WBEMEV_FAILED(s))
        return class_failed(l, c, s, "class '%s': out of memory", c->name);
    s = wbemev_namespace_define_class(l->ns, c->name, c->superclass, defs, n, NULL);
    wbemev__free(defs);
    if (WBEMEV_FAILED(s))
        return class_failed(l, c, s, "cannot define class '%s': %s", c->name, wbemev_status_message(s));
    l->defined[ci] = true;
    return s;
}

static wbemev_status load(loader *l)
{
    size_t n = l->doc->classes.count, bad = 0;
    wbemev_status s = wbemev__mof_order_classes(l->doc, &l->order, &bad);
    if (s == WBEMEV_E_INVALID_SUPERCLASS)
        return class_failed(l, wbemev_mof_document_class_at(l->doc, bad), s,
                            "class '%s' is its own ancestor (a superclass cycle)",
                            wbemev_mof_document_class_at(l->doc, bad)->name);
    if (WBEMEV_FAILED(s))
        return class_failed(l, wbemev_mof_document_class_at(l->doc, 0), s, "out of memory");
    l->pos = wbemev__calloc(n, sizeof *l->pos);
    l->defined = wbemev__calloc(n, sizeof *l->defined);
    if (l->pos == NULL || l->defined == NULL)
        return class_failed(l, wbemev_mof_document_class_at(l->doc, 0), WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++)
        l->pos[l->order[i]] = i;
    size_t i;
    for (i = 0; i < n && WBEMEV_SUCCEEDED(s); i++)
        s = define_one(l, l->order[i]);
    if (WBEMEV_FAILED(s)) {
        while (i-- > 0) { /* deleting a class deletes its subclasses: a miss is fine */
            if (l->defined[l->order[i]])
                (void)wbemev_namespace_delete_class(l->ns, wbemev_mof_document_class_at(l->doc, l->order[i])->name);
        }
    }
    return s;
}

wbemev_status wbemev_namespace_load_mof(wbemev_namespace_t *ns, const wbemev_mof_document_t *doc, bool skip_existing,
                                        wbemev_mof_diagnostic *err)
{
    wbemev_mof_diagnostic local;
    loader l = {ns, doc, skip_existing, err != NULL ? err : &local, NULL, NULL, NULL};
    if (ns == NULL || doc == NULL) {
        wbemev__mof_diag_set(l.err, WBEMEV_E_INVALID_PARAMETER, NULL, "invalid parameter");
        return WBEMEV_E_INVALID_PARAMETER;
    }
    if (doc->classes.count == 0)
        return WBEMEV_S_NO_ERROR;
    wbemev_status s = load(&l);
    wbemev__free(l.order);
    wbemev__free(l.pos);
    wbemev__free(l.defined);
    return WBEMEV_FAILED(s) ? s : WBEMEV_S_NO_ERROR;
}
