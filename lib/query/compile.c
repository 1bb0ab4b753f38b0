/*
 * lib/query/compile.c: validating a parsed query against a namespace.
 *
 * Resolves the FROM class, every property path (first level to a handle, deeper levels through
 * declared ref_class where there is one) and checks that each constant fits its property's type.
 * Paths through an `object` property without a ref_class (TargetInstance) cannot be checked
 * statically; they are resolved by name at evaluation.
 */
#include "query/query-int.h"

static const struct {
    const char *name;
    wbemev_cimtype type;
} wq_system_props[] = {
    {"__CLASS", WBEMEV_CIM_STRING},
    {"__SUPERCLASS", WBEMEV_CIM_STRING},
    {"__DYNASTY", WBEMEV_CIM_STRING},
    {"__DERIVATION", (wbemev_cimtype)(WBEMEV_CIM_STRING | WBEMEV_CIM_FLAG_ARRAY)},
    {"__GENUS", WBEMEV_CIM_SINT32},
    {"__PROPERTY_COUNT", WBEMEV_CIM_SINT32},
    /* always NULL on events */
    {"__PATH", WBEMEV_CIM_STRING},
    {"__RELPATH", WBEMEV_CIM_STRING},
    {"__SERVER", WBEMEV_CIM_STRING},
    {"__NAMESPACE", WBEMEV_CIM_STRING},
};

bool wbemev__wq_system_property(const char *name, wbemev_cimtype *type)
{
    for (size_t i = 0; i < sizeof wq_system_props / sizeof wq_system_props[0]; i++) {
        if (wbemev__strcaseeq(name, wq_system_props[i].name)) {
            *type = wq_system_props[i].type;
            return true;
        }
    }
    return false;
}

static const char *wq_type_name(wbemev_cimtype t)
{
    if (WBEMEV_CIM_IS_ARRAY(t))
        return "an array";
    const char *n = wbemev_cimtype_name(t);
    return n != NULL ? n : "?";
}

/* Looks up `name` on cls (system properties included). */
static wbemev_status wq_find(const wbemev_query_t *q, const wbemev_class_t *cls, const wq_seg *seg,
                             wbemev_property_info *info, bool *is_system, wbemev_query_error *err)
{
    const char *name = wq_str(q, seg->name);
    wbemev_cimtype st_type;
    *is_system = wbemev__wq_system_property(name, &st_type);
    if (*is_system) {
        memset(info, 0, sizeof *info);
        info->name = name;
        info->type = st_type;
        return WBEMEV_S_NO_ERROR;
    }
    wbemev_status st = wbemev_class_find_property(cls, name, info);
    if (st == WBEMEV_E_NOT_FOUND) {
        wbemev__wq_set_error(err, WBEMEV_E_INVALID_PROPERTY, seg->column,
                             "class %.64s has no property '%.64s'",
                             wbemev_class_name(cls), name);
        return WBEMEV_E_INVALID_PROPERTY;
    }
    if (WBEMEV_FAILED(st))
        wbemev__wq_set_error(err, st, seg->column, "cannot look up property '%.64s'", name);
    return st;
}

/* Resolves a property path of the FROM class: handle, static type. */
static wbemev_status wq_resolve(wbemev_query_t *q, wbemev_namespace_t *ns, wq_prop *pr,
                                wbemev_query_error *err)
{
    const wq_seg *seg = &q->segs[pr->seg_first];
    wbemev_property_info info;
    bool is_system;
    wbemev_status st = wq_find(q, q->cls, &seg[0], &info, &is_system, err);
    if (WBEMEV_FAILED(st))
        return st;
    if (!is_system) { /* system properties have no handle: read by name */
        pr->has_handle = true;
        pr->handle = info.handle;
    }
    wbemev_cimtype type = info.type;
    wbemev_class_t *holder = NULL; /* keeps the class whose info we are reading alive */
    for (uint32_t i = 1; i < pr->seg_count; i++) {
        if (type != WBEMEV_CIM_OBJECT) {
            wbemev__wq_set_error(err, WBEMEV_E_INVALID_PROPERTY, seg[i].column,
                                 "'%.64s' is not an embedded object (it is %s): cannot read '%.64s' in it",
                                 wq_str(q, seg[i - 1].name), wq_type_name(type), wq_str(q, seg[i].name));
            st = WBEMEV_E_INVALID_PROPERTY;
            goto out;
        }
        wbemev_class_t *next = NULL;
        if (info.ref_class == NULL ||
            WBEMEV_FAILED(wbemev_namespace_get_class(ns, info.ref_class, &next))) {
            /* any class may be embedded here: the rest is resolved by name at evaluation */
            type = WBEMEV_CIM_ILLEGAL;
            break;
        }
        if (holder != NULL)
            wbemev_class_release(holder);
        holder = next;
        st = wq_find(q, holder, &seg[i], &info, &is_system, err);
        if (WBEMEV_FAILED(st))
            goto out;
        type = info.type;
    }
    pr->type = type;
    st = WBEMEV_S_NO_ERROR;
out:
    if (holder != NULL)
        wbemev_class_release(holder);
    return st;
}

static bool wq_is_integer_type(wbemev_cimtype t)
{
    switch (t) {
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_UINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_UINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_UINT32:
    case WBEMEV_CIM_SINT64:
    case WBEMEV_CIM_UINT64: return true;
    default: return false;
    }
}

static bool wq_is_numeric_type(wbemev_cimtype t)
{
    return wq_is_integer_type(t) || t == WBEMEV_CIM_REAL32 || t == WBEMEV_CIM_REAL64;
}

static bool wq_is_numeric_const(const wq_const *c)
{
    return c->kind == WQ_C_INT || c->kind == WQ_C_UINT || c->kind == WQ_C_REAL;
}

static const char *wq_const_desc(const wq_const *c)
{
    switch (c->kind) {
    case WQ_C_BOOL: return "a boolean";
    case WQ_C_STRING: return "a string";
    case WQ_C_REAL: return "a real number";
    default: return "an integer";
    }
}

/* Does constant c fit a property of type t under operator op? (The evaluator agrees: what fails
 * here is false there.) */
static wbemev_status wq_check_operand(const wbemev_query_t *q, const wq_prop *pr, wbemev_cimtype t,
                                      const wq_const *c, wq_op op, wbemev_query_error *err)
{
    const char *path = wq_str(q, pr->path);
    if (t == WBEMEV_CIM_ILLEGAL || c->kind == WQ_C_NULL)
        return WBEMEV_S_NO_ERROR; /* only known at evaluation / always false */
    if (WBEMEV_CIM_IS_ARRAY(t)) {
        wbemev__wq_set_error(err, WBEMEV_E_TYPE_MISMATCH, pr->column,
                             "'%.64s' is an array: it can only be tested with IS [NOT] NULL", path);
        return WBEMEV_E_TYPE_MISMATCH;
    }
    if (op == WQ_OP_LIKE && t != WBEMEV_CIM_STRING && t != WBEMEV_CIM_REFERENCE) {
        wbemev__wq_set_error(err, WBEMEV_E_TYPE_MISMATCH, pr->column,
                             "LIKE needs a string property; '%.64s' is %s", path, wq_type_name(t));
        return WBEMEV_E_TYPE_MISMATCH;
    }
    bool ok;
    switch (t) {
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE: ok = c->kind == WQ_C_STRING; break;
    case WBEMEV_CIM_DATETIME:
        if (c->kind == WQ_C_STRING && !c->has_dt) {
            wbemev__wq_set_error(err, WBEMEV_E_TYPE_MISMATCH, c->column,
                                 "'%.64s' is a datetime: the constant must be a DMTF datetime "
                                 "(yyyymmddHHMMSS.mmmmmmsUUU or ddddddddHHMMSS.mmmmmm:000)",
                                 path);
            return WBEMEV_E_TYPE_MISMATCH;
        }
        ok = c->kind == WQ_C_STRING;
        break;
    case WBEMEV_CIM_CHAR16:
        ok = wq_is_numeric_const(c) || (c->kind == WQ_C_STRING && c->has_ch);
        break;
    case WBEMEV_CIM_BOOLEAN:
        if (op != WQ_OP_EQ && op != WQ_OP_NE) {
            wbemev__wq_set_error(err, WBEMEV_E_INVALID_QUERY, c->column,
                                 "'%.64s' is a boolean: only = and <> apply", path);
            return WBEMEV_E_INVALID_QUERY;
        }
        ok = c->kind == WQ_C_BOOL || (c->kind == WQ_C_UINT && c->u <= 1) ||
             (c->kind == WQ_C_INT && c->i == -1) || (c->kind == WQ_C_STRING && c->str_bool);
        break;
    case WBEMEV_CIM_OBJECT:
        wbemev__wq_set_error(err, WBEMEV_E_TYPE_MISMATCH, c->column,
                             "'%.64s' is an embedded object: test it with ISA or IS [NOT] NULL", path);
        return WBEMEV_E_TYPE_MISMATCH;
    default: ok = wq_is_numeric_type(t) && wq_is_numeric_const(c); break;
    }
    if (!ok) {
        wbemev__wq_set_error(err, WBEMEV_E_TYPE_MISMATCH, c->column,
                             "cannot compare %s property '%.64s' with %s",
                             wq_type_name(t), path, wq_const_desc(c));
        return WBEMEV_E_TYPE_MISMATCH;
    }
    return WBEMEV_S_NO_ERROR;
}

/* `integer property op integer constant`, the property read by handle: the commonest filter, which
 * eval.c tests on the slot's bits without going through a wbemev_value. */
static bool wq_is_int_cmp(const wq_prop *pr, const wq_const *c, wq_op op)
{
    return pr->has_handle && pr->seg_count == 1 && op != WQ_OP_LIKE &&
           (c->kind == WQ_C_INT || c->kind == WQ_C_UINT) && wq_is_integer_type(pr->type);
}

/* For an int_cmp node: `property op constant` as the keys it holds on, over the integers (a
 * constant outside the property's 64-bit domain holds for all of it or none). The key of a value
 * is its bits, with the sign bit flipped for a signed property: one unsigned order for both. */
static void wq_int_keys(wq_node *n, const wq_prop *pr, const wq_const *c)
{
    bool is_signed = pr->type == WBEMEV_CIM_SINT8 || pr->type == WBEMEV_CIM_SINT16 ||
                     pr->type == WBEMEV_CIM_SINT32 || pr->type == WBEMEV_CIM_SINT64;
    int where = 0; /* the constant is below the domain (-1), above it (1) or in it, at key k */
    uint64_t k = 0;
    if (is_signed) {
        if (c->kind == WQ_C_INT)
            k = (uint64_t)c->i ^ WQ_SIGN_BIT;
        else if (c->u > (uint64_t)INT64_MAX)
            where = 1;
        else
            k = c->u ^ WQ_SIGN_BIT;
    } else if (c->kind == WQ_C_INT && c->i < 0) {
        where = -1;
    } else {
        k = c->kind == WQ_C_INT ? (uint64_t)c->i : c->u;
    }
    uint64_t lo = 1, hi = 0; /* none */
    n->int_outside = false;
    switch ((wq_op)n->eval_op) {
    case WQ_OP_EQ:
        if (where == 0)
            lo = hi = k;
        break;
    case WQ_OP_NE:
        if (where == 0)
            lo = hi = k, n->int_outside = true;
        else
            lo = 0, hi = UINT64_MAX;
        break;
    case WQ_OP_LT:
    case WQ_OP_LE:
        if (where > 0)
            lo = 0, hi = UINT64_MAX;
        else if (where == 0 && (n->eval_op == WQ_OP_LE || k > 0))
            lo = 0, hi = n->eval_op == WQ_OP_LE ? k : k - 1;
        break;
    case WQ_OP_GT:
    case WQ_OP_GE:
        if (where < 0)
            lo = 0, hi = UINT64_MAX;
        else if (where == 0 && (n->eval_op == WQ_OP_GE || k < UINT64_MAX))
            lo = n->eval_op == WQ_OP_GE ? k : k + 1, hi = UINT64_MAX;
        break;
    default:
        break;
    }
    n->int_signed = is_signed;
    n->int_lo = lo;
    n->int_hi = hi;
}

/* Resolves and checks the expression rooted at index (recursion bounded by WQ_MAX_DEPTH). */
static wbemev_status wq_check_node(wbemev_query_t *q, wbemev_namespace_t *ns, uint32_t index,
                                   bool having, wbemev_query_error *err)
{
    wq_node *n = &q->nodes[index];
    wbemev_status st;
    if (n->kind == WQ_N_AND || n->kind == WQ_N_OR || n->kind == WQ_N_NOT) {
        for (uint32_t c = n->child; c != WQ_NONE; c = q->nodes[c].next) {
            st = wq_check_node(q, ns, c, having, err);
            if (WBEMEV_FAILED(st))
                return st;
            if (n->kind == WQ_N_NOT)
                break;
        }
        return WBEMEV_S_NO_ERROR;
    }
    wq_prop *pr = &q->props[n->prop];
    if (having) {
        pr->type = WBEMEV_CIM_UINT32; /* __AggregateEvent.NumberOfEvents */
    } else {
        st = wq_resolve(q, ns, pr, err);
        if (WBEMEV_FAILED(st))
            return st;
    }
    switch ((wq_node_kind)n->kind) {
    case WQ_N_ISA: {
        if (pr->type != WBEMEV_CIM_OBJECT && pr->type != WBEMEV_CIM_ILLEGAL) {
            wbemev__wq_set_error(err, WBEMEV_E_TYPE_MISMATCH, pr->column,
                                 "ISA needs an embedded object; '%.64s' is %s", wq_str(q, pr->path),
                                 wq_type_name(pr->type));
            return WBEMEV_E_TYPE_MISMATCH;
        }
        const wq_const *c = &q->consts[n->cst];
        wbemev_class_t *isa = NULL;
        st = wbemev_namespace_get_class(ns, wq_str(q, c->str), &isa);
        if (st == WBEMEV_E_NOT_FOUND || st == WBEMEV_E_INVALID_PARAMETER) {
            wbemev__wq_set_error(err, WBEMEV_E_INVALID_CLASS, c->column, "unknown class '%.64s' after ISA",
                                 wq_str(q, c->str));
            return WBEMEV_E_INVALID_CLASS;
        }
        if (WBEMEV_FAILED(st)) {
            wbemev__wq_set_error(err, st, c->column, "cannot look up class '%.64s'", wq_str(q, c->str));
            return st;
        }
        wbemev_class_release(isa);
        return WBEMEV_S_NO_ERROR;
    }
    case WQ_N_CMP:
        st = wq_check_operand(q, pr, pr->type, &q->consts[n->cst], (wq_op)n->op, err);
        if (WBEMEV_SUCCEEDED(st) && !having)
            n->int_cmp = wq_is_int_cmp(pr, &q->consts[n->cst], (wq_op)n->eval_op);
        if (n->int_cmp)
            wq_int_keys(n, pr, &q->consts[n->cst]);
        return st;
    default: /* IS [NOT] NULL fits any property */
        return WBEMEV_S_NO_ERROR;
    }
}

wbemev_status wbemev_query_compile(const char *text, wbemev_namespace_t *ns, wbemev_query_t **out,
                                   wbemev_query_error *err)
{
    if (text == NULL || ns == NULL || out == NULL) {
        wbemev__wq_set_error(err, WBEMEV_E_INVALID_PARAMETER, 0,
                             "the query text, namespace and out must not be NULL");
        return WBEMEV_E_INVALID_PARAMETER;
    }
    wbemev_query_t *q;
    wbemev_status st = wbemev__wq_parse(text, &q, err);
    if (WBEMEV_FAILED(st))
        return st;

    const char *cname = wq_str(q, q->class_name);
    st = wbemev_namespace_get_class(ns, cname, &q->cls);
    if (st == WBEMEV_E_NOT_FOUND || st == WBEMEV_E_INVALID_PARAMETER) {
        q->cls = NULL;
        wbemev__wq_set_error(err, WBEMEV_E_INVALID_CLASS, q->class_column, "unknown class '%.64s'", cname);
        st = WBEMEV_E_INVALID_CLASS;
        goto fail;
    }
    if (WBEMEV_FAILED(st)) {
        q->cls = NULL;
        wbemev__wq_set_error(err, st, q->class_column, "cannot look up class '%.64s'", cname);
        goto fail;
    }
    if (!wbemev_class_is_event_class(q->cls)) {
        wbemev__wq_set_error(err, WBEMEV_E_NOT_EVENT_CLASS, q->class_column,
                             "class %.64s is not an event class (it does not derive from __Event)", cname);
        st = WBEMEV_E_NOT_EVENT_CLASS;
        goto fail;
    }
    for (size_t i = 0; i < q->select_count; i++) {
        st = wq_resolve(q, ns, &q->props[q->select[i]], err);
        if (WBEMEV_FAILED(st))
            goto fail;
    }
    if (q->where != WQ_NONE) {
        st = wq_check_node(q, ns, q->where, false, err);
        if (WBEMEV_FAILED(st))
            goto fail;
    }
    for (size_t i = 0; i < q->group_by_count; i++) {
        wq_prop *pr = &q->props[q->group_by[i]];
        st = wq_resolve(q, ns, pr, err);
        if (WBEMEV_FAILED(st))
            goto fail;
        if (pr->type == WBEMEV_CIM_OBJECT) {
            wbemev__wq_set_error(err, WBEMEV_E_AGGREGATING_BY_OBJECT, pr->column,
                                 "cannot group by the embedded object '%.64s'; "
                                 "group by one of its properties",
                                 wq_str(q, pr->path));
            st = WBEMEV_E_AGGREGATING_BY_OBJECT;
            goto fail;
        }
    }
    if (q->having != WQ_NONE) {
        st = wq_check_node(q, ns, q->having, true, err);
        if (WBEMEV_FAILED(st))
            goto fail;
    }
    wbemev__wq_clear_error(err);
    *out = q;
    return WBEMEV_S_NO_ERROR;
fail:
    wbemev__wq_free(q);
    return st;
}
