/*
 * lib/mof/parse_class.c: class declarations (DSP0221 classDeclaration): `[quals] class Name
 * [: Super] { features };` where a feature is a property (`type name[N] = default;`), a
 * reference (`Class REF name;`) or a method (`type name([quals] type param[], ...);`). A class
 * name used as a type is an embedded object of that class (WMI's form, which the writer uses);
 * a string with EmbeddedInstance("X") or EmbeddedObject is an object property too.
 */
#include "mof/mof_int.h"

static bool true_qualifier(const wbemev__mof_quals *q, const char *name)
{
    const wbemev_mof_qualifier *f = wbemev_mof_find_qualifier(q->items, q->count, name);
    return f != NULL && f->value.type == WBEMEV_CIM_BOOLEAN && !f->value.is_null && f->value.u.boolean;
}

bool wbemev__mof_parse_type(wbemev__mof_parser *p, bool void_ok, wbemev_cimtype *type, char **ref_class)
{
    *ref_class = NULL;
    if (p->tok.kind != WBEMEV__MOF_TK_IDENT)
        return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_TYPE_IDENTIFIER, "expected a type");
    char name[16];
    bool is_ref_word = wbemev__mof_is_word(p, "ref") || wbemev__mof_is_word(p, "reference");
    if (p->tok.len < sizeof name && !is_ref_word) {
        memcpy(name, p->tok.start, p->tok.len);
        name[p->tok.len] = 0;
        if (WBEMEV_SUCCEEDED(wbemev_cimtype_from_name(name, type)))
            return wbemev__mof_advance(p);
        if (void_ok && wbemev__strcaseeq(name, "void")) {
            *type = WBEMEV_CIM_EMPTY;
            return wbemev__mof_advance(p);
        }
    }
    if (is_ref_word)
        return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_TYPE_IDENTIFIER, "expected a class name before REF");
    *type = WBEMEV_CIM_OBJECT; /* a class name: an embedded object of that class */
    return (*ref_class = wbemev__mof_take_ident(p, "a type")) != NULL;
}

/* The type, then `REF` when it is a reference: *type REFERENCE. "object ref" refers to any class.
 * `Class ref;` is an embedded object named ref: then *name receives "ref". */
static bool parse_feature_type(wbemev__mof_parser *p, bool void_ok, wbemev_cimtype *type, char **ref_class,
                               char **name)
{
    *name = NULL;
    if (!wbemev__mof_parse_type(p, void_ok, type, ref_class))
        return false;
    if (*type != WBEMEV_CIM_OBJECT || !wbemev__mof_is_word(p, "ref"))
        return true;
    wbemev__mof_token ref = p->tok;
    if (!wbemev__mof_advance(p))
        return false;
    if (p->tok.kind == WBEMEV__MOF_TK_IDENT) {
        *type = WBEMEV_CIM_REFERENCE;
        return true;
    }
    if ((*name = wbemev__mof_strndup(&p->doc->arena, ref.start, ref.len)) == NULL)
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    return true;
}

/* The feature's name: the one parse_feature_type already read, or the next identifier. */
static char *feature_name(wbemev__mof_parser *p, char *already, const char *what)
{
    return already != NULL ? already : wbemev__mof_take_ident(p, what);
}

/* `[]` or `[N]` after a name: *type gets the array flag, *size N (0 for []). Parameters may be
 * arrays of references, properties not (DSP0004). */
static bool parse_array_suffix(wbemev__mof_parser *p, bool ref_ok, wbemev_cimtype *type, size_t *size)
{
    *size = 0;
    if (!wbemev__mof_is_punct(p, '['))
        return true;
    if (*type == WBEMEV_CIM_REFERENCE && !ref_ok)
        return wbemev__mof_fail(p, WBEMEV_E_INVALID_PROPERTY_TYPE, "a reference cannot be an array");
    if (!wbemev__mof_advance(p))
        return false;
    if (p->tok.kind == WBEMEV__MOF_TK_INT) {
        if (p->tok.negative || p->tok.u64 == 0 || p->tok.u64 > UINT32_MAX)
            return wbemev__mof_fail(p, WBEMEV_E_VALUE_OUT_OF_RANGE, "invalid array size");
        *size = (size_t)p->tok.u64;
        if (!wbemev__mof_advance(p))
            return false;
    }
    *type = (wbemev_cimtype)(*type | WBEMEV_CIM_FLAG_ARRAY);
    return wbemev__mof_expect(p, ']', "after the array size");
}

/* EmbeddedInstance("X") and EmbeddedObject on a string make it an object property. */
static bool apply_embedded(wbemev__mof_parser *p, const wbemev__mof_quals *q, wbemev_cimtype *type,
                           const char **ref_class, const wbemev__mof_pos *at)
{
    const wbemev_mof_qualifier *ei = wbemev_mof_find_qualifier(q->items, q->count, "EmbeddedInstance");
    bool eo = true_qualifier(q, "EmbeddedObject");
    if (ei == NULL && !eo)
        return true;
    if (WBEMEV_CIM_BASE(*type) != WBEMEV_CIM_STRING)
        return wbemev__mof_fail_at(p, at, WBEMEV_E_TYPE_MISMATCH,
                                   "EmbeddedInstance and EmbeddedObject apply to string properties");
    if (ei != NULL) {
        if (ei->value.type != WBEMEV_CIM_STRING || ei->value.is_null)
            return wbemev__mof_fail_at(p, at, WBEMEV_E_TYPE_MISMATCH, "EmbeddedInstance needs a class name");
        *ref_class = ei->value.u.string;
    }
    *type = (wbemev_cimtype)(WBEMEV_CIM_OBJECT | (*type & WBEMEV_CIM_FLAG_ARRAY));
    return true;
}

static bool parse_parameter(wbemev__mof_parser *p, wbemev__mof_vec *params)
{
    wbemev__mof_quals q;
    if (!wbemev__mof_parse_qualifier_list(p, &q))
        return false;
    wbemev_mof_parameter *prm = wbemev__mof_vec_push(&p->doc->arena, params, sizeof *prm);
    if (prm == NULL)
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    wbemev__mof_pos at = p->tok.pos;
    char *ref_class, *name;
    if (!parse_feature_type(p, false, &prm->type, &ref_class, &name) ||
        (prm->name = feature_name(p, name, "a parameter name")) == NULL ||
        !parse_array_suffix(p, true, &prm->type, &prm->array_size))
        return false;
    prm->ref_class = ref_class;
    prm->qualifiers = q.items;
    prm->qualifier_count = q.count;
    if (!apply_embedded(p, &q, &prm->type, &prm->ref_class, &at))
        return false;
    if (wbemev__mof_is_punct(p, '=')) { /* a default (DSP0221 3): read, not kept */
        wbemev__mof_lit lit;
        return wbemev__mof_advance(p) && wbemev__mof_parse_literal(p, true, &lit);
    }
    return true;
}

static bool parse_method(wbemev__mof_parser *p, wbemev__mof_class_slot *c, const wbemev__mof_quals *q,
                         const char *name, wbemev_cimtype type)
{
    if (WBEMEV_CIM_IS_ARRAY(type))
        return wbemev__mof_fail(p, WBEMEV_MOF_E_NO_ARRAYS_RETURNED, "a method cannot return an array");
    wbemev__mof_vec params = {0};
    if (!wbemev__mof_advance(p)) /* '(' */
        return false;
    while (!wbemev__mof_is_punct(p, ')')) {
        if (params.count >= WBEMEV__MOF_MAX_ITEMS)
            return wbemev__mof_fail(p, WBEMEV_E_QUOTA_VIOLATION, "method '%s' has more than %u parameters", name,
                                    (unsigned)WBEMEV__MOF_MAX_ITEMS);
        if (!parse_parameter(p, &params))
            return false;
        if (wbemev__mof_is_punct(p, ')'))
            break;
        if (!wbemev__mof_expect(p, ',', "between parameters"))
            return false;
    }
    if (!wbemev__mof_advance(p) || !wbemev__mof_expect(p, ';', "after the method"))
        return false;
    wbemev_mof_method *m = wbemev__mof_vec_push(&p->doc->arena, &c->methods, sizeof *m);
    if (m == NULL)
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    m->name = name;
    m->return_type = type;
    m->parameters = params.items;
    m->parameter_count = params.count;
    m->qualifiers = q->items;
    m->qualifier_count = q->count;
    return true;
}

static bool parse_property_rest(wbemev__mof_parser *p, wbemev__mof_class_slot *c, wbemev_mof_property *prop,
                                const wbemev__mof_quals *q, const wbemev__mof_pos *at)
{
    if (!parse_array_suffix(p, false, &prop->type, &prop->array_size) ||
        !apply_embedded(p, q, &prop->type, &prop->ref_class, at))
        return false;
    prop->is_key = true_qualifier(q, "Key");
    if (wbemev__mof_is_punct(p, '=')) {
        wbemev__mof_lit lit;
        if (!wbemev__mof_advance(p) || !wbemev__mof_parse_literal(p, true, &lit) ||
            !wbemev__mof_convert(p, &lit, prop->type, false, &prop->default_value))
            return false;
        prop->has_default = true;
    }
    (void)c;
    return wbemev__mof_expect(p, ';', "after the property");
}

static bool parse_feature(wbemev__mof_parser *p, wbemev__mof_class_slot *c)
{
    wbemev__mof_quals q;
    if (!wbemev__mof_parse_qualifier_list(p, &q))
        return false;
    wbemev__mof_pos at = p->tok.pos;
    wbemev_cimtype type;
    char *ref_class, *name;
    if (!parse_feature_type(p, true, &type, &ref_class, &name))
        return false;
    wbemev__mof_pos name_at = p->tok.pos;
    name = feature_name(p, name, "a property or method name");
    if (name == NULL)
        return false;
    if (c->props.count + c->methods.count >= WBEMEV__MOF_MAX_ITEMS)
        return wbemev__mof_fail_at(p, &name_at, WBEMEV_E_QUOTA_VIOLATION, "class '%s' has more than %u features",
                                   c->view.name, (unsigned)WBEMEV__MOF_MAX_ITEMS);
    const wbemev_mof_property *props = c->props.items;
    for (size_t i = 0; i < c->props.count; i++) {
        if (wbemev__strcaseeq(props[i].name, name))
            return wbemev__mof_fail_at(p, &name_at, WBEMEV_MOF_E_DUPLICATE_PROPERTY, "property '%s' is declared twice", name);
    }
    if (wbemev__mof_is_punct(p, '('))
        return parse_method(p, c, &q, name, type);
    if (type == WBEMEV_CIM_EMPTY)
        return wbemev__mof_fail_at(p, &at, WBEMEV_MOF_E_UNRECOGNIZED_TYPE, "a property cannot be void");
    wbemev_mof_property *prop = wbemev__mof_vec_push(&p->doc->arena, &c->props, sizeof *prop);
    if (prop == NULL)
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    prop->name = name;
    prop->type = type;
    prop->ref_class = ref_class != NULL && !wbemev__strcaseeq(ref_class, "object") ? ref_class : NULL;
    prop->qualifiers = q.items;
    prop->qualifier_count = q.count;
    prop->line = name_at.line;
    if (!parse_property_rest(p, c, prop, &q, &at))
        return false;
    if (!wbemev__mof_is_punct(p, '}') && p->tok.kind == WBEMEV__MOF_TK_EOF)
        return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_CLOSE_BRACE, "expected '}' to end class '%s'", c->view.name);
    return true;
}

/* `class Name [: Super]`, into the slot's view. */
static bool parse_class_head(wbemev__mof_parser *p, wbemev__mof_class_slot *c)
{
    wbemev__mof_pos at = p->tok.pos;
    if (!wbemev__mof_advance(p))
        return false;
    wbemev__mof_pos name_at = p->tok.pos;
    if (p->tok.kind != WBEMEV__MOF_TK_IDENT)
        return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_CLASS_NAME, "expected a class name after 'class'");
    if ((c->view.name = wbemev__mof_take_ident(p, "a class name")) == NULL)
        return false;
    if (wbemev__mof_document_class_index(p->doc, c->view.name) != SIZE_MAX)
        return wbemev__mof_fail_at(p, &name_at, WBEMEV_E_ALREADY_EXISTS, "class '%s' is declared twice", c->view.name);
    c->view.file = p->file_name;
    c->view.line = at.line;
    c->view.namespace_name = p->namespace_name;
    if (wbemev__mof_is_punct(p, ':')) {
        if (!wbemev__mof_advance(p))
            return false;
        if (p->tok.kind != WBEMEV__MOF_TK_IDENT)
            return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_CLASS_NAME, "expected the superclass name after ':'");
        if ((c->view.superclass = wbemev__mof_take_ident(p, "the superclass name")) == NULL)
            return false;
    }
    if (wbemev__mof_is_word(p, "as")) /* a class alias (mofcomp): read, not kept */
        return wbemev__mof_advance(p) && (p->tok.kind == WBEMEV__MOF_TK_ALIAS
                                              ? wbemev__mof_advance(p)
                                              : wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_ALIAS_NAME, "expected $alias after 'as'"));
    return true;
}

bool wbemev__mof_parse_class(wbemev__mof_parser *p, const wbemev__mof_quals *quals)
{
    wbemev__mof_class_slot c = {0};
    c.view.qualifiers = quals->items;
    c.view.qualifier_count = quals->count;
    c.view.is_abstract = true_qualifier(quals, "Abstract");
    c.view.is_association = true_qualifier(quals, "Association");
    c.view.is_indication = true_qualifier(quals, "Indication");
    if (!parse_class_head(p, &c))
        return false;
    if (!wbemev__mof_is_punct(p, '{'))
        return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_OPEN_BRACE, "expected '{' after class '%s'", c.view.name);
    if (!wbemev__mof_advance(p))
        return false;
    while (!wbemev__mof_is_punct(p, '}')) {
        if (p->tok.kind == WBEMEV__MOF_TK_EOF)
            return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_CLOSE_BRACE, "expected '}' to end class '%s'", c.view.name);
        if (!parse_feature(p, &c))
            return false;
    }
    if (!wbemev__mof_advance(p) || !wbemev__mof_expect(p, ';', "after the class declaration"))
        return false;
    c.view.properties = c.props.items;
    c.view.property_count = c.props.count;
    c.view.methods = c.methods.items;
    c.view.method_count = c.methods.count;
    wbemev_mof_class *slot = wbemev__mof_vec_push(&p->doc->arena, &p->doc->classes, sizeof *slot);
    if (slot == NULL)
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    *slot = c.view;
    if (!wbemev__mof_document_index_class(p->doc, p->doc->classes.count - 1)) {
        p->doc->classes.count--; /* not indexed: not in the document */
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    }
    return true;
}
