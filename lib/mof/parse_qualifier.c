/*
 * lib/mof/parse_qualifier.c: qualifier lists (`[Key, Description("x") : Amended ToSubclass,
 * Values{"a", "b"}]`) and qualifier declarations (`Qualifier Name : type[] = value,
 * Scope(...), Flavor(...);`). A qualifier's value takes the type of its declaration when the
 * document declares it before its use; otherwise its literal's own type. A bare qualifier is
 * boolean TRUE.
 */
#include "mof/mof_int.h"

static const struct {
    const char *name;
    unsigned flag;
} flavor_names[] = {
    {"tosubclass", WBEMEV_MOF_FLAVOR_TOSUBCLASS},   {"restricted", WBEMEV_MOF_FLAVOR_RESTRICTED},
    {"nottosubclass", WBEMEV_MOF_FLAVOR_RESTRICTED}, {"amended", WBEMEV_MOF_FLAVOR_AMENDED},
    {"disableoverride", WBEMEV_MOF_FLAVOR_DISABLEOVERRIDE}, {"enableoverride", WBEMEV_MOF_FLAVOR_ENABLEOVERRIDE},
    {"translatable", WBEMEV_MOF_FLAVOR_TRANSLATABLE}, {"toinstance", WBEMEV_MOF_FLAVOR_TOINSTANCE},
    {"nottoinstance", 0},
};

/* The current word as a flavor into *flag; false when it is not one. */
static bool flavor_of(const wbemev__mof_parser *p, unsigned *flag)
{
    for (size_t i = 0; i < sizeof flavor_names / sizeof flavor_names[0]; i++) {
        if (wbemev__mof_is_word(p, flavor_names[i].name)) {
            *flag = flavor_names[i].flag;
            return true;
        }
    }
    return false;
}

static bool check_flavors(wbemev__mof_parser *p, const wbemev__mof_pos *at, unsigned f)
{
    if ((f & WBEMEV_MOF_FLAVOR_TOSUBCLASS) && (f & WBEMEV_MOF_FLAVOR_RESTRICTED))
        return wbemev__mof_fail_at(p, at, WBEMEV_MOF_E_INCOMPATIBLE_FLAVOR_TYPES, "ToSubclass and Restricted together");
    if ((f & WBEMEV_MOF_FLAVOR_ENABLEOVERRIDE) && (f & WBEMEV_MOF_FLAVOR_DISABLEOVERRIDE))
        return wbemev__mof_fail_at(p, at, WBEMEV_MOF_E_INCOMPATIBLE_FLAVOR_TYPES,
                                   "EnableOverride and DisableOverride together");
    return true;
}

/* `: flavor flavor ...` (WMI's form) after a qualifier; the current token is ':'. */
static bool parse_colon_flavors(wbemev__mof_parser *p, unsigned *flavors)
{
    wbemev__mof_pos at = p->tok.pos;
    if (!wbemev__mof_advance(p))
        return false;
    unsigned f;
    if (!flavor_of(p, &f))
        return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_FLAVOR_TYPE, "expected a qualifier flavor after ':'");
    while (flavor_of(p, &f)) {
        *flavors |= f;
        if (!wbemev__mof_advance(p))
            return false;
    }
    return check_flavors(p, &at, *flavors);
}

/* The value of one qualifier of the list, after its name. */
static bool parse_qualifier_value(wbemev__mof_parser *p, wbemev_mof_qualifier *q)
{
    const wbemev_mof_qualifier *decl = wbemev__mof_document_find_qualifier_type(p->doc, q->name);
    wbemev_cimtype type = decl != NULL ? decl->value.type : WBEMEV_CIM_EMPTY;
    wbemev__mof_lit lit;
    if (wbemev__mof_is_punct(p, '(')) {
        if (!wbemev__mof_advance(p) || !wbemev__mof_parse_literal(p, true, &lit) ||
            !wbemev__mof_expect(p, ')', "after the qualifier's value"))
            return false;
    } else if (wbemev__mof_is_punct(p, '{')) {
        if (!wbemev__mof_parse_literal(p, true, &lit))
            return false;
    } else {
        q->value = (wbemev_value){.type = WBEMEV_CIM_BOOLEAN, .u.boolean = true};
        if (decl != NULL && decl->value.type != WBEMEV_CIM_EMPTY && WBEMEV_CIM_BASE(decl->value.type) != WBEMEV_CIM_BOOLEAN)
            q->value = decl->value; /* a bare non-boolean qualifier: its default */
        return true;
    }
    return wbemev__mof_convert(p, &lit, type, true, &q->value);
}

static bool parse_one_qualifier(wbemev__mof_parser *p, wbemev__mof_vec *list)
{
    if (p->tok.kind != WBEMEV__MOF_TK_IDENT)
        return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_QUALIFIER_NAME, "expected a qualifier name");
    if (list->count >= WBEMEV__MOF_MAX_ITEMS)
        return wbemev__mof_fail(p, WBEMEV_E_QUOTA_VIOLATION, "more than %u qualifiers in one list",
                                (unsigned)WBEMEV__MOF_MAX_ITEMS);
    for (size_t i = 0; i < list->count; i++) {
        const wbemev_mof_qualifier *q = &((const wbemev_mof_qualifier *)list->items)[i];
        if (strlen(q->name) == p->tok.len && wbemev__mof_is_word(p, q->name))
            return wbemev__mof_fail(p, WBEMEV_MOF_E_DUPLICATE_QUALIFIER, "qualifier '%s' is given twice", q->name);
    }
    wbemev_mof_qualifier *q = wbemev__mof_vec_push(&p->doc->arena, list, sizeof *q);
    if (q == NULL)
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    if ((q->name = wbemev__mof_take_ident(p, "a qualifier name")) == NULL || !parse_qualifier_value(p, q))
        return false;
    if (wbemev__mof_is_punct(p, ':'))
        return parse_colon_flavors(p, &q->flavors);
    return true;
}

bool wbemev__mof_parse_qualifier_list(wbemev__mof_parser *p, wbemev__mof_quals *out)
{
    out->items = NULL;
    out->count = 0;
    if (!wbemev__mof_is_punct(p, '['))
        return true;
    if (!wbemev__mof_advance(p))
        return false;
    wbemev__mof_vec list = {0};
    for (;;) {
        if (!parse_one_qualifier(p, &list))
            return false;
        if (wbemev__mof_is_punct(p, ']'))
            break;
        if (!wbemev__mof_is_punct(p, ','))
            return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_CLOSE_BRACKET, "expected ',' or ']' in the qualifier list");
        if (!wbemev__mof_advance(p))
            return false;
    }
    out->items = list.items;
    out->count = list.count;
    return wbemev__mof_advance(p);
}

/* `Scope(class, property)` or `Flavor(EnableOverride, ToSubclass)`; the current token is the word. */
static bool parse_decl_group(wbemev__mof_parser *p, bool is_flavor, unsigned *flavors)
{
    if (!wbemev__mof_advance(p) || !wbemev__mof_expect(p, '(', is_flavor ? "after Flavor" : "after Scope"))
        return false;
    wbemev__mof_pos at = p->tok.pos;
    for (;;) {
        unsigned f = 0;
        if (p->tok.kind != WBEMEV__MOF_TK_IDENT)
            return wbemev__mof_fail(p, is_flavor ? WBEMEV_MOF_E_EXPECTED_FLAVOR_TYPE : WBEMEV_MOF_E_INVALID_QUALIFIER_SYNTAX,
                                    is_flavor ? "expected a flavor" : "expected a scope");
        if (is_flavor && !flavor_of(p, &f))
            return wbemev__mof_fail(p, WBEMEV_MOF_E_EXPECTED_FLAVOR_TYPE, "unknown flavor '%.*s'",
                                    (int)(p->tok.len > 64 ? 64 : p->tok.len), p->tok.start);
        *flavors |= f;
        if (!wbemev__mof_advance(p))
            return false;
        if (wbemev__mof_is_punct(p, ')'))
            break;
        if (!wbemev__mof_expect(p, ',', is_flavor ? "between flavors" : "between scopes"))
            return false;
    }
    return wbemev__mof_advance(p) && check_flavors(p, &at, *flavors);
}

/* The declaration's type: an intrinsic type, optionally `[]` or `[N]`. */
static bool parse_decl_type(wbemev__mof_parser *p, wbemev_cimtype *type)
{
    char *ref_class = NULL;
    wbemev__mof_pos at = p->tok.pos;
    if (!wbemev__mof_parse_type(p, false, type, &ref_class))
        return false;
    if (ref_class != NULL || *type == WBEMEV_CIM_OBJECT || *type == WBEMEV_CIM_REFERENCE)
        return wbemev__mof_fail_at(p, &at, WBEMEV_E_INVALID_QUALIFIER_TYPE, "a qualifier has an intrinsic type");
    if (!wbemev__mof_is_punct(p, '['))
        return true;
    if (!wbemev__mof_advance(p))
        return false;
    if (p->tok.kind == WBEMEV__MOF_TK_INT && !wbemev__mof_advance(p))
        return false;
    *type = (wbemev_cimtype)(*type | WBEMEV_CIM_FLAG_ARRAY);
    return wbemev__mof_expect(p, ']', "after the array size");
}

static bool push_decl(wbemev__mof_parser *p, const wbemev_mof_qualifier *decl)
{
    wbemev_mof_qualifier *slot = wbemev__mof_vec_push(&p->doc->arena, &p->doc->qualifier_types, sizeof *slot);
    if (slot == NULL)
        return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    *slot = *decl;
    return true;
}

/* The flavors after `Qualifier Name :`, then ';': a declaration with no type (value EMPTY, NULL). */
static bool parse_flavor_only_decl(wbemev__mof_parser *p, wbemev_mof_qualifier *decl)
{
    wbemev__mof_pos at = p->tok.pos;
    unsigned f;
    while (flavor_of(p, &f)) {
        decl->flavors |= f;
        if (!wbemev__mof_advance(p))
            return false;
    }
    decl->value = (wbemev_value){.type = WBEMEV_CIM_EMPTY, .is_null = true};
    return check_flavors(p, &at, decl->flavors) && wbemev__mof_expect(p, ';', "after the qualifier's flavors") &&
           push_decl(p, decl);
}

bool wbemev__mof_parse_qualifier_decl(wbemev__mof_parser *p)
{
    if (!wbemev__mof_advance(p))
        return false;
    wbemev_mof_qualifier decl = {0};
    wbemev_cimtype type;
    unsigned f;
    if ((decl.name = wbemev__mof_take_ident(p, "the qualifier's name")) == NULL ||
        !wbemev__mof_is_punct(p, ':'))
        return decl.name != NULL && wbemev__mof_expect(p, ':', "after the qualifier's name");
    if (!wbemev__mof_advance(p))
        return false;
    if (flavor_of(p, &f)) /* mofcomp's `Qualifier Description : ToSubclass Amended;`: flavors only */
        return parse_flavor_only_decl(p, &decl);
    if (!parse_decl_type(p, &type))
        return false;
    decl.value = (wbemev_value){.type = type, .is_null = true};
    if (wbemev__mof_is_punct(p, '=')) {
        wbemev__mof_lit lit;
        if (!wbemev__mof_advance(p) || !wbemev__mof_parse_literal(p, true, &lit) ||
            !wbemev__mof_convert(p, &lit, type, true, &decl.value))
            return false;
        if (decl.value.type == WBEMEV_CIM_EMPTY)
            decl.value.type = type; /* = null: a NULL of the declared type */
    }
    for (;;) {
        if (wbemev__mof_is_punct(p, ':')) {
            if (!parse_colon_flavors(p, &decl.flavors))
                return false;
            continue;
        }
        if (!wbemev__mof_is_punct(p, ','))
            break;
        if (!wbemev__mof_advance(p))
            return false;
        bool is_flavor = wbemev__mof_is_word(p, "flavor");
        if (!is_flavor && !wbemev__mof_is_word(p, "scope"))
            return wbemev__mof_fail(p, WBEMEV_MOF_E_INVALID_QUALIFIER_SYNTAX, "expected Scope(...) or Flavor(...)");
        if (!parse_decl_group(p, is_flavor, &decl.flavors))
            return false;
    }
    return wbemev__mof_expect(p, ';', "after the qualifier declaration") && push_decl(p, &decl);
}
