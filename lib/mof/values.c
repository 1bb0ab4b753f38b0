/*
 * lib/mof/values.c: MOF literals and their typed values. A literal is read before its type is
 * known (a property's type is known, an instance's or a qualifier's may not be), then converted:
 * to the declared type with range checks, or, with no declared type, to the literal's own type
 * (integers sint64, or uint64 past its range; reals real64). Datetimes are strings in MOF.
 */
#include "model/model.h"
#include "mof/mof_int.h"

static bool lit_array(wbemev__mof_parser *p, wbemev__mof_lit *out)
{
    wbemev__mof_vec items = {0};
    out->kind = WBEMEV__MOF_LIT_ARRAY;
    if (!wbemev__mof_advance(p))
        return false;
    while (items.count > 0 || !wbemev__mof_is_punct(p, '}')) { /* no trailing comma */
        wbemev__mof_lit *item = wbemev__mof_vec_push(&p->doc->arena, &items, sizeof *item);
        if (item == NULL)
            return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
        if (!wbemev__mof_parse_literal(p, false, item))
            return false;
        if (wbemev__mof_is_punct(p, '}'))
            break;
        if (!wbemev__mof_expect(p, ',', "between array elements"))
            return false;
    }
    out->items = items.items;
    out->count = items.count;
    return wbemev__mof_advance(p);
}

static bool lit_word(wbemev__mof_parser *p, wbemev__mof_lit *out)
{
    if (wbemev__mof_is_word(p, "true") || wbemev__mof_is_word(p, "false")) {
        out->kind = WBEMEV__MOF_LIT_BOOL;
        out->boolean = wbemev__mof_is_word(p, "true");
        return wbemev__mof_advance(p);
    }
    if (wbemev__mof_is_word(p, "null")) {
        out->kind = WBEMEV__MOF_LIT_NULL;
        return wbemev__mof_advance(p);
    }
    if (wbemev__mof_is_word(p, "instance")) {
        out->kind = WBEMEV__MOF_LIT_OBJECT;
        if (p->nesting >= p->max_nesting)
            return wbemev__mof_fail(p, WBEMEV_E_QUOTA_VIOLATION, "values nested more than %u deep", p->max_nesting);
        p->nesting++;
        bool ok = wbemev__mof_parse_instance(p, NULL, true);
        p->nesting--;
        return ok;
    }
    return wbemev__mof_fail(p, WBEMEV_E_INVALID_SYNTAX, "expected a value, found '%.*s'",
                            (int)(p->tok.len > 64 ? 64 : p->tok.len), p->tok.start);
}

bool wbemev__mof_parse_literal(wbemev__mof_parser *p, bool allow_array, wbemev__mof_lit *out)
{
    memset(out, 0, sizeof *out);
    out->pos = p->tok.pos;
    const wbemev__mof_token *t = &p->tok;
    switch (t->kind) {
    case WBEMEV__MOF_TK_INT:
        out->kind = WBEMEV__MOF_LIT_INT;
        out->negative = t->negative && t->u64 != 0;
        out->u64 = t->u64;
        return wbemev__mof_advance(p);
    case WBEMEV__MOF_TK_REAL:
        out->kind = WBEMEV__MOF_LIT_REAL;
        out->real = t->real;
        return wbemev__mof_advance(p);
    case WBEMEV__MOF_TK_CHAR:
        out->kind = WBEMEV__MOF_LIT_CHAR;
        out->u64 = t->u64;
        return wbemev__mof_advance(p);
    case WBEMEV__MOF_TK_STRING:
        out->kind = WBEMEV__MOF_LIT_STRING;
        return (out->str = wbemev__mof_take_string(p, "a string")) != NULL;
    case WBEMEV__MOF_TK_ALIAS:
        out->kind = WBEMEV__MOF_LIT_ALIAS;
        out->str = wbemev__mof_strndup(&p->doc->arena, t->start, t->len);
        if (out->str == NULL)
            return wbemev__mof_fail(p, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
        return wbemev__mof_advance(p);
    case WBEMEV__MOF_TK_IDENT:
        return lit_word(p, out);
    case WBEMEV__MOF_TK_PUNCT:
        if (t->punct == '{' && allow_array)
            return lit_array(p, out);
        if (t->punct == '{')
            return wbemev__mof_fail(p, WBEMEV_MOF_E_UNEXPECTED_ARRAY_INIT, "an array is not allowed here");
        break;
    default:
        break;
    }
    return wbemev__mof_fail(p, WBEMEV_E_INVALID_SYNTAX, "expected a value");
}

static const char *lit_name(wbemev__mof_lit_kind k)
{
    static const char *const names[] = {"an integer", "a real number", "a string", "a char16 literal",
                                        "a boolean", "NULL", "an alias", "an instance", "an array"};
    return names[k];
}

static bool mismatch(wbemev__mof_parser *p, const wbemev__mof_lit *lit, wbemev_cimtype type)
{
    const char *tn = wbemev_cimtype_name(WBEMEV_CIM_BASE(type));
    return wbemev__mof_fail_at(p, &lit->pos, WBEMEV_E_TYPE_MISMATCH, "%s is not a value of type %s%s",
                               lit_name(lit->kind), tn != NULL ? tn : "?", WBEMEV_CIM_IS_ARRAY(type) ? "[]" : "");
}

/* The type a literal has on its own. */
static wbemev_cimtype lit_own_type(const wbemev__mof_lit *lit)
{
    switch (lit->kind) {
    case WBEMEV__MOF_LIT_INT: return !lit->negative && lit->u64 > INT64_MAX ? WBEMEV_CIM_UINT64 : WBEMEV_CIM_SINT64;
    case WBEMEV__MOF_LIT_REAL: return WBEMEV_CIM_REAL64;
    case WBEMEV__MOF_LIT_STRING: return WBEMEV_CIM_STRING;
    case WBEMEV__MOF_LIT_CHAR: return WBEMEV_CIM_CHAR16;
    case WBEMEV__MOF_LIT_BOOL: return WBEMEV_CIM_BOOLEAN;
    case WBEMEV__MOF_LIT_ALIAS: return WBEMEV_CIM_REFERENCE;
    case WBEMEV__MOF_LIT_OBJECT: return WBEMEV_CIM_OBJECT;
    default: return WBEMEV_CIM_EMPTY;
    }
}

/* An array literal's element type: its elements' common type (integers and reals: real64). */
static wbemev_cimtype array_own_type(const wbemev__mof_lit *lit)
{
    wbemev_cimtype t = WBEMEV_CIM_EMPTY;
    for (size_t i = 0; i < lit->count; i++) {
        wbemev_cimtype e = lit_own_type(&lit->items[i]);
        if (e == WBEMEV_CIM_EMPTY)
            continue;
        bool numeric = e == WBEMEV_CIM_SINT64 || e == WBEMEV_CIM_UINT64 || e == WBEMEV_CIM_REAL64;
        bool t_numeric = t == WBEMEV_CIM_SINT64 || t == WBEMEV_CIM_UINT64 || t == WBEMEV_CIM_REAL64;
        if (t == WBEMEV_CIM_EMPTY || (numeric && t_numeric && (e == WBEMEV_CIM_REAL64 || t == WBEMEV_CIM_SINT64)))
            t = e;
    }
    return t == WBEMEV_CIM_EMPTY ? WBEMEV_CIM_STRING : t;
}

static bool convert_int(wbemev__mof_parser *p, const wbemev__mof_lit *lit, wbemev_cimtype base, wbemev_value *out)
{
    bool is_signed = base == WBEMEV_CIM_SINT8 || base == WBEMEV_CIM_SINT16 || base == WBEMEV_CIM_SINT32 ||
                     base == WBEMEV_CIM_SINT64;
    bool ok;
    if (is_signed) {
        ok = lit->negative ? lit->u64 <= (uint64_t)INT64_MAX + 1 : lit->u64 <= INT64_MAX;
        out->u.sint = !ok ? 0 : lit->negative ? (int64_t)(0 - lit->u64) : (int64_t)lit->u64;
    } else {
        ok = !lit->negative;
        out->u.uint = lit->u64;
    }
    if (!ok || !wbemev__int_in_range(base, out))
        return wbemev__mof_fail_at(p, &lit->pos, WBEMEV_E_VALUE_OUT_OF_RANGE, "the value is out of range for %s",
                                   wbemev_cimtype_name(base));
    return true;
}

/* A scalar literal to a scalar of type base. */
static bool convert_scalar(wbemev__mof_parser *p, const wbemev__mof_lit *lit, wbemev_cimtype base, wbemev_value *out)
{
    memset(out, 0, sizeof *out);
    if (base == WBEMEV_CIM_EMPTY)
        base = lit_own_type(lit);
    out->type = base;
    if (lit->kind == WBEMEV__MOF_LIT_NULL) {
        out->is_null = true;
        return true;
    }
    switch (base) {
    case WBEMEV_CIM_SINT8: case WBEMEV_CIM_SINT16: case WBEMEV_CIM_SINT32: case WBEMEV_CIM_SINT64:
    case WBEMEV_CIM_UINT8: case WBEMEV_CIM_UINT16: case WBEMEV_CIM_UINT32: case WBEMEV_CIM_UINT64:
        return lit->kind == WBEMEV__MOF_LIT_INT ? convert_int(p, lit, base, out) : mismatch(p, lit, base);
    case WBEMEV_CIM_REAL32: case WBEMEV_CIM_REAL64:
        if (lit->kind != WBEMEV__MOF_LIT_INT && lit->kind != WBEMEV__MOF_LIT_REAL)
            return mismatch(p, lit, base);
        out->u.real = lit->kind == WBEMEV__MOF_LIT_REAL ? lit->real
                      : lit->negative                   ? -(double)lit->u64
                                                        : (double)lit->u64;
        if (!wbemev__scalar_in_range(base, out))
            return wbemev__mof_fail_at(p, &lit->pos, WBEMEV_E_VALUE_OUT_OF_RANGE, "the value is out of range for real32");
        return true;
    case WBEMEV_CIM_BOOLEAN:
        out->u.boolean = lit->boolean;
        return lit->kind == WBEMEV__MOF_LIT_BOOL || mismatch(p, lit, base);
    case WBEMEV_CIM_CHAR16: /* a character, or its code as an integer (mofcomp: `= 65`, `= 0x1000`) */
        if (lit->kind != WBEMEV__MOF_LIT_CHAR && lit->kind != WBEMEV__MOF_LIT_INT)
            return mismatch(p, lit, base);
        if (lit->negative || lit->u64 > 0xFFFF || wbemev__is_surrogate((uint16_t)lit->u64))
            return wbemev__mof_fail_at(p, &lit->pos, WBEMEV_E_VALUE_OUT_OF_RANGE, "not a char16 value");
        out->u.char16 = (uint16_t)lit->u64;
        return true;
    case WBEMEV_CIM_STRING:
        out->u.string = lit->str;
        return lit->kind == WBEMEV__MOF_LIT_STRING || mismatch(p, lit, base);
    case WBEMEV_CIM_DATETIME:
        if (lit->kind != WBEMEV__MOF_LIT_STRING)
            return mismatch(p, lit, base);
        if (WBEMEV_FAILED(wbemev_datetime_parse(lit->str, &out->u.datetime)))
            return wbemev__mof_fail_at(p, &lit->pos, WBEMEV_E_TYPE_MISMATCH,
                                       "'%.64s' is not a DMTF datetime (yyyymmddHHMMSS.mmmmmmsUUU)", lit->str);
        return true;
    case WBEMEV_CIM_REFERENCE:
        /* An alias stays "$name" here; wbemev__mof_resolve_aliases makes it a path. */
        if (lit->kind == WBEMEV__MOF_LIT_ALIAS) {
            size_t n = strlen(lit->str);
            char *s = wbemev__mof_alloc(&p->doc->arena, n + 2);
            if (s == NULL)
                return wbemev__mof_fail_at(p, &lit->pos, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
            s[0] = '$';
            memcpy(s + 1, lit->str, n);
            out->u.string = s;
            return true;
        }
        out->u.string = lit->str;
        return lit->kind == WBEMEV__MOF_LIT_STRING || mismatch(p, lit, base);
    case WBEMEV_CIM_OBJECT:
        out->is_null = true; /* an embedded instance: no object without a namespace */
        return lit->kind == WBEMEV__MOF_LIT_OBJECT || mismatch(p, lit, base);
    default:
        return mismatch(p, lit, base);
    }
}

static void store_element(wbemev_cimtype base, void *items, size_t i, const wbemev_value *v)
{
    switch (base) {
    case WBEMEV_CIM_SINT8: ((int8_t *)items)[i] = (int8_t)v->u.sint; break;
    case WBEMEV_CIM_UINT8: ((uint8_t *)items)[i] = (uint8_t)v->u.uint; break;
    case WBEMEV_CIM_SINT16: ((int16_t *)items)[i] = (int16_t)v->u.sint; break;
    case WBEMEV_CIM_UINT16: ((uint16_t *)items)[i] = (uint16_t)v->u.uint; break;
    case WBEMEV_CIM_SINT32: ((int32_t *)items)[i] = (int32_t)v->u.sint; break;
    case WBEMEV_CIM_UINT32: ((uint32_t *)items)[i] = (uint32_t)v->u.uint; break;
    case WBEMEV_CIM_SINT64: ((int64_t *)items)[i] = v->u.sint; break;
    case WBEMEV_CIM_UINT64: ((uint64_t *)items)[i] = v->u.uint; break;
    case WBEMEV_CIM_REAL32: ((float *)items)[i] = (float)v->u.real; break;
    case WBEMEV_CIM_REAL64: ((double *)items)[i] = v->u.real; break;
    case WBEMEV_CIM_BOOLEAN: ((bool *)items)[i] = v->u.boolean; break;
    case WBEMEV_CIM_CHAR16: ((uint16_t *)items)[i] = v->u.char16; break;
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE: ((const char **)items)[i] = v->u.string; break;
    case WBEMEV_CIM_DATETIME: ((wbemev_datetime *)items)[i] = v->u.datetime; break;
    case WBEMEV_CIM_OBJECT: ((wbemev_object_t **)items)[i] = NULL; break;
    default: break;
    }
}

static bool convert_array(wbemev__mof_parser *p, const wbemev__mof_lit *lit, wbemev_cimtype base, wbemev_value *out)
{
    if (base == WBEMEV_CIM_EMPTY)
        base = array_own_type(lit);
    size_t esize = wbemev_cimtype_element_size(base);
    void *items = wbemev__mof_alloc_array(&p->doc->arena, lit->count == 0 ? 1 : lit->count, esize);
    if (items == NULL)
        return wbemev__mof_fail_at(p, &lit->pos, WBEMEV_E_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < lit->count; i++) {
        wbemev_value v;
        if (lit->items[i].kind == WBEMEV__MOF_LIT_NULL)
            return wbemev__mof_fail_at(p, &lit->items[i].pos, WBEMEV_MOF_E_NULL_ARRAY_ELEM,
                                       "NULL is not allowed as an array element");
        if (!convert_scalar(p, &lit->items[i], base, &v))
            return false;
        store_element(base, items, i, &v);
    }
    *out = (wbemev_value){.type = (wbemev_cimtype)(base | WBEMEV_CIM_FLAG_ARRAY)};
    out->u.array.items = items;
    out->u.array.count = lit->count;
    return true;
}

bool wbemev__mof_convert(wbemev__mof_parser *p, const wbemev__mof_lit *lit, wbemev_cimtype type, bool lenient,
                         wbemev_value *out)
{
    if (lit->kind == WBEMEV__MOF_LIT_NULL) {
        *out = (wbemev_value){.type = WBEMEV_CIM_EMPTY, .is_null = true};
        return true;
    }
    wbemev_cimtype base = WBEMEV_CIM_BASE(type);
    if (lit->kind == WBEMEV__MOF_LIT_ARRAY) {
        if (type != WBEMEV_CIM_EMPTY && !WBEMEV_CIM_IS_ARRAY(type))
            return mismatch(p, lit, type);
        return convert_array(p, lit, base, out);
    }
    if (WBEMEV_CIM_IS_ARRAY(type)) {
        if (!lenient)
            return mismatch(p, lit, type);
        wbemev__mof_lit one = {.kind = WBEMEV__MOF_LIT_ARRAY, .items = (wbemev__mof_lit *)lit, .count = 1, .pos = lit->pos};
        return convert_array(p, &one, base, out);
    }
    return convert_scalar(p, lit, base, out);
}
