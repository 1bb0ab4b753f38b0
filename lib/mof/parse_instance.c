/*
 * lib/mof/parse_instance.c: instance declarations, `[quals] instance of Class [as $Alias]
 * { Prop = value; ... };`, as provider registrations are written. Values are typed by the class
 * when the document declares it (its properties and its ancestors'), else by their literals.
 * Alias references ($P) are resolved once the whole document is read, to the object path of the
 * aliased instance.
 */
#include <stdio.h>

#include "mof/mof_int.h"

/* The property `name` of class `class_name` or of a document ancestor of it, or NULL. */
static const wbemev_mof_property *find_doc_property(const wbemev_mof_document_t *doc, const char *class_name,
                                                    const char *name)
{
    for (unsigned depth = 0; class_name != NULL && depth < WBEMEV__MOF_MAX_ITEMS; depth++) {
        size_t i = wbemev__mof_document_class_index(doc, class_name);
        if (i == SIZE_MAX)
            return NULL;
        const wbemev_mof_class *c = &((const wbemev_mof_class *)doc->classes.items)[i];
        for (size_t k = 0; k < c->property_count; k++) {
            if (wbemev__strcaseeq(c->properties[k].name, name))
                return &c->properties[k];
        }
        class_name = c->superclass;
    }
    return NULL;
}

/* Notes every alias literal of a value, for wbemev__mof_resolve_aliases. */
static bool note_aliases(wbemev__mof_parser *p, const wbemev__mof_lit *lit, size_t prop)
{
    size_t n = lit->kind == WBEMEV__MOF_LIT_ARRAY ? lit->count : 1;
    for (size_t i = 0; i < n; i++) {
        const wbemev__mof_lit *l = lit->kind == WBEMEV__MOF_LIT_ARRAY ? &lit->items[i] : lit;
        if (l->kind != WBEMEV__MOF_LIT_ALIAS)
            continue;
        wbemev__mof_alias_ref *r = wbemev__mof_vec_push(&p->doc->arena, &p->alias_refs, sizeof *r);
        if (r == NULL)
            return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
        r->instance = p->doc->instances.count;
        r->property = prop;
        r->element = lit->kind == WBEMEV__MOF_LIT_ARRAY ? i : SIZE_MAX;
        r->alias = l->str;
        r->pos = l->pos;
    }
    return true;
}

static bool parse_instance_property(wbemev__mof_parser *p, const char *class_name, wbemev__mof_vec *names,
                                    wbemev__mof_vec *values, bool embedded)
{
    wbemev__mof_quals q; /* property qualifiers in an instance: read, not kept */
    if (!wbemev__mof_parse_qualifier_list(p, &q))
        return false;
    wbemev__mof_pos name_at = p->tok.pos;
    if (p->tok.kind != WBEMEV__MOF_TK_IDENT)
        return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_PROPERTY_NAME, "expected a property name");
    char *name = wbemev__mof_take_ident(p, "a property name");
    if (name == NULL)
        return false;
    if (names->count >= WBEMEV__MOF_MAX_ITEMS)
        return wbemev__mof_fail_at(p, &name_at, WBEMEV_E_QUOTA_VIOLATION, "an instance has more than %u values",
                                   (unsigned)WBEMEV__MOF_MAX_ITEMS);
    for (size_t i = 0; i < names->count; i++) {
        if (wbemev__strcaseeq(((const char **)names->items)[i], name))
            return wbemev__mof_fail_at(p, &name_at, WBEMEV_MOF_E_DUPLICATE_PROPERTY, "property '%s' is given twice", name);
    }
    if (!wbemev__mof_expect(p, '=', "after the property name"))
        return false;
    const wbemev_mof_property *decl = find_doc_property(p->doc, class_name, name);
    wbemev__mof_lit lit;
    const char **n = wbemev__mof_vec_push(&p->doc->arena, names, sizeof *n);
    wbemev_value *v = wbemev__mof_vec_push(&p->doc->arena, values, sizeof *v);
    if (n == NULL || v == NULL)
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    *n = name;
    if (!wbemev__mof_parse_literal(p, true, &lit) ||
        !wbemev__mof_convert(p, &lit, decl != NULL ? decl->type : WBEMEV_CIM_EMPTY, false, v))
        return false;
    if (!embedded && !note_aliases(p, &lit, values->count - 1))
        return false;
    return wbemev__mof_expect(p, ';', "after the property value");
}

/* The alias of instance number i (the index holds only instances that have one). */
static const char *alias_at(const void *ctx, size_t i)
{
    return ((const wbemev_mof_instance *)((const wbemev_mof_document_t *)ctx)->instances.items)[i].alias;
}

static bool parse_instance_head(wbemev__mof_parser *p, wbemev_mof_instance *inst, bool embedded)
{
    wbemev__mof_pos at = p->tok.pos;
    if (!wbemev__mof_advance(p))
        return false;
    if (!wbemev__mof_is_word(p, "of"))
        return wbemev__mof_fail(p, WBEMEV_MOF_E_INVALID_INSTANCE_DECLARATION, "expected 'of' after 'instance'");
    if (!wbemev__mof_advance(p))
        return false;
    if (p->tok.kind != WBEMEV__MOF_TK_IDENT)
        return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_CLASS_NAME, "expected a class name after 'instance of'");
    if ((inst->class_name = wbemev__mof_take_ident(p, "a class name")) == NULL)
        return false;
    inst->file = p->file_name;
    inst->line = at.line;
    inst->namespace_name = p->namespace_name;
    if (!wbemev__mof_is_word(p, "as"))
        return true;
    if (embedded)
        return wbemev__mof_fail(p, WBEMEV_MOF_E_ALIASES_IN_EMBEDDED, "an embedded instance cannot have an alias");
    if (!wbemev__mof_advance(p))
        return false;
    if (p->tok.kind != WBEMEV__MOF_TK_ALIAS)
        return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_ALIAS_NAME, "expected $alias after 'as'");
    if ((inst->alias = wbemev__mof_strndup(&p->doc->arena, p->tok.start, p->tok.len)) == NULL)
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    if (wbemev__mof_index_find(&p->alias_index, alias_at, p->doc, inst->alias) != SIZE_MAX)
        return wbemev__mof_fail(p, WBEMEV_MOF_E_MULTIPLE_ALIASES, "alias '$%s' is defined twice", inst->alias);
    return wbemev__mof_advance(p);
}

bool wbemev__mof_parse_instance(wbemev__mof_parser *p, const wbemev__mof_quals *quals, bool embedded)
{
    wbemev_mof_instance inst = {0};
    if (quals != NULL) {
        inst.qualifiers = quals->items;
        inst.qualifier_count = quals->count;
    }
    if (!parse_instance_head(p, &inst, embedded))
        return false;
    if (!wbemev__mof_is_punct(p, '{'))
        return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_OPEN_BRACE, "expected '{' after 'instance of %s'", inst.class_name);
    if (!wbemev__mof_advance(p))
        return false;
    wbemev__mof_vec names = {0}, values = {0};
    while (!wbemev__mof_is_punct(p, '}')) {
        if (p->tok.kind == WBEMEV__MOF_TK_EOF)
            return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_CLOSE_BRACE, "expected '}' to end the instance");
        if (!parse_instance_property(p, inst.class_name, &names, &values, embedded))
            return false;
    }
    if (!wbemev__mof_advance(p))
        return false;
    if (embedded)
        return true; /* an embedded instance's value is not kept (see wbemev_mof_instance) */
    if (!wbemev__mof_expect(p, ';', "after the instance"))
        return false;
    inst.property_names = names.items;
    inst.property_values = values.items;
    inst.property_count = names.count;
    wbemev_mof_instance *slot = wbemev__mof_vec_push(&p->doc->arena, &p->doc->instances, sizeof *slot);
    if (slot == NULL)
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    *slot = inst;
    if (inst.alias != NULL && !wbemev__mof_index_add(&p->alias_index, alias_at, p->doc, p->doc->instances.count - 1)) {
        p->doc->instances.count--;
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    }
    return true;
}

/* ---- object paths for alias references ---- */

static bool path_add(wbemev__mof_buf *b, const char *s)
{
    return wbemev__mof_buf_append(b, s, strlen(s));
}

/* `"text"` with '"' and '\' escaped, as in a WMI object path. */
static bool path_add_quoted(wbemev__mof_buf *b, const char *s)
{
    bool ok = path_add(b, "\"");
    for (; ok && *s != 0; s++)
        ok = (*s == '"' || *s == '\\' ? path_add(b, "\\") : true) && wbemev__mof_buf_append(b, s, 1);
    return ok && path_add(b, "\"");
}

static bool path_add_key(wbemev__mof_buf *b, const char *name, const wbemev_value *v)
{
    char num[32];
    if (!path_add(b, name) || !path_add(b, "="))
        return false;
    switch (v->type) {
    case WBEMEV_CIM_STRING: case WBEMEV_CIM_REFERENCE: return path_add_quoted(b, v->u.string);
    case WBEMEV_CIM_BOOLEAN: return path_add(b, v->u.boolean ? "TRUE" : "FALSE");
    case WBEMEV_CIM_SINT8: case WBEMEV_CIM_SINT16: case WBEMEV_CIM_SINT32: case WBEMEV_CIM_SINT64:
        num[wbemev__format_i64(num, v->u.sint)] = 0;
        return path_add(b, num);
    case WBEMEV_CIM_UINT8: case WBEMEV_CIM_UINT16: case WBEMEV_CIM_UINT32: case WBEMEV_CIM_UINT64:
        num[wbemev__format_u64(num, v->u.uint)] = 0;
        return path_add(b, num);
    default: return false;
    }
}

static const wbemev_value *instance_value(const wbemev_mof_instance *inst, const char *name)
{
    for (size_t i = 0; i < inst->property_count; i++) {
        if (wbemev__strcaseeq(inst->property_names[i], name))
            return inst->property_values[i].is_null ? NULL : &inst->property_values[i];
    }
    return NULL;
}

/* Appends `Key=value` for each key of the class chain; false when a key has no usable value. */
static bool add_doc_keys(const wbemev_mof_document_t *doc, const wbemev_mof_instance *inst, wbemev__mof_buf *b,
                         size_t *keys)
{
    const char *name = inst->class_name;
    for (unsigned depth = 0; name != NULL && depth < WBEMEV__MOF_MAX_ITEMS; depth++) {
        size_t i = wbemev__mof_document_class_index(doc, name);
        if (i == SIZE_MAX)
            break;
        const wbemev_mof_class *c = &((const wbemev_mof_class *)doc->classes.items)[i];
        for (size_t k = 0; k < c->property_count; k++) {
            if (!c->properties[k].is_key)
                continue;
            const wbemev_value *v = instance_value(inst, c->properties[k].name);
            if (v == NULL || !path_add(b, *keys > 0 ? "," : ".") || !path_add_key(b, c->properties[k].name, v))
                return false;
            ++*keys;
        }
        name = c->superclass;
    }
    return true;
}

/* The object path of inst, in the arena, or `fallback` ("$alias") when its keys are not known;
 * NULL when out of memory. */
static const char *object_path(wbemev__mof_parser *p, const wbemev_mof_instance *inst, const char *fallback)
{
    wbemev__mof_buf b = {0};
    size_t keys = 0;
    bool ok = path_add(&b, inst->class_name);
    if (ok && wbemev__strcaseeq(inst->class_name, "__Win32Provider")) {
        const wbemev_value *v = instance_value(inst, "Name");
        ok = v != NULL && path_add(&b, ".") && path_add_key(&b, "Name", v);
        keys = ok;
    } else if (ok) {
        ok = add_doc_keys(p->doc, inst, &b, &keys);
    }
    const char *path = b.out_of_memory ? NULL : fallback;
    if (ok && keys > 0)
        path = wbemev__mof_strndup(&p->doc->arena, b.data, b.len);
    wbemev__free(b.data);
    return path;
}

bool wbemev__mof_resolve_aliases(wbemev__mof_parser *p)
{
    const wbemev__mof_alias_ref *refs = p->alias_refs.items;
    wbemev_mof_instance *all = p->doc->instances.items;
    for (size_t i = 0; i < p->alias_refs.count; i++) {
        size_t k = wbemev__mof_index_find(&p->alias_index, alias_at, p->doc, refs[i].alias);
        const wbemev_mof_instance *target = k != SIZE_MAX ? &all[k] : NULL;
        if (target == NULL)
            return wbemev__mof_fail_at(p, &refs[i].pos, WBEMEV_MOF_E_UNEXPECTED_ALIAS, "undefined alias '$%s'",
                                       refs[i].alias);
        wbemev_value *v = (wbemev_value *)&all[refs[i].instance].property_values[refs[i].property];
        const char *fallback = refs[i].element == SIZE_MAX ? v->u.string
                                                          : ((const char **)v->u.array.items)[refs[i].element];
        const char *path = object_path(p, target, fallback);
        if (path == NULL)
            return wbemev__mof_fail_at(p, &refs[i].pos, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
        if (refs[i].element == SIZE_MAX)
            v->u.string = path;
        else
            ((const char **)v->u.array.items)[refs[i].element] = path;
    }
    return true;
}
