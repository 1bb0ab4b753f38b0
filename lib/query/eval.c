/*
 * lib/query/eval.c: evaluating a query against an event.
 *
 * Two-valued logic: a comparison that cannot be made (NULL on either side, a missing property, a
 * value of a type the constant does not fit) is false, and NOT of it is true. Only IS [NOT] NULL
 * looks at NULLs. Work is bounded by the number of nodes (each is visited at most once) plus the
 * LIKE matches, O(len(value) * len(pattern)) each.
 *
 * Stack: the evaluation recurses only into nested conditions, which the parser bounds (at most
 * WQ_MAX_DEPTH parentheses and NOTs, an AND and an OR level within each); AND and OR operands
 * are siblings walked in a loop, and a dotted path (TargetInstance.x.y) is followed in a loop,
 * however deep the event's embedded objects.
 */
#include "query/query-int.h"

#include <math.h>

/* ---- datetime ---- */

int64_t wbemev__wq_datetime_us(const wbemev_datetime *dt)
{
    int64_t secs = (int64_t)dt->hour * 3600 + (int64_t)dt->minute * 60 + dt->second;
    if (dt->is_interval)
        return ((int64_t)dt->days * 86400 + secs) * 1000000 + dt->microseconds;
    /* Any year converts (the calendar is proleptic), so timestamps before 1601 (no FILETIME) still
     * compare. */
    int64_t days = wbemev__days_from_civil(dt->year, dt->month ? dt->month : 1, dt->day ? dt->day : 1);
    /* local = UTC + offset */
    return (days * 86400 + secs - (int64_t)dt->utc_offset * 60) * 1000000 + dt->microseconds;
}

/* ---- numbers ---- */

typedef struct wq_num {
    int k; /* 0: negative integer in i, 1: non-negative integer in u, 2: real in r */
    int64_t i;
    uint64_t u;
    double r;
} wq_num;

#define WQ_UNORDERED 2

/* Exact comparison of an integer with a double (no rounding of 64-bit values through double). */
static int wq_cmp_int_real(const wq_num *a, double d)
{
    if (isnan(d))
        return WQ_UNORDERED;
    if (a->k == 1) {
        if (d < 0)
            return 1;
        if (d >= 18446744073709551616.0)
            return -1;
        uint64_t t = (uint64_t)d; /* truncates; d is in [0, 2^64) */
        if (a->u != t)
            return a->u < t ? -1 : 1;
        return d > (double)t ? -1 : 0;
    }
    if (d >= 0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    int64_t t = (int64_t)d; /* truncates towards 0; d is in [-2^63, 0) */
    if (a->i != t)
        return a->i < t ? -1 : 1;
    return d < (double)t ? 1 : 0;
}

static int wq_cmp_num(const wq_num *a, const wq_num *b)
{
    if (a->k == 2 && b->k == 2) {
        if (isnan(a->r) || isnan(b->r))
            return WQ_UNORDERED;
        return a->r < b->r ? -1 : a->r > b->r ? 1 : 0;
    }
    if (a->k == 2) {
        int r = wq_cmp_int_real(b, a->r);
        return r == WQ_UNORDERED ? r : -r;
    }
    if (b->k == 2)
        return wq_cmp_int_real(a, b->r);
    if (a->k != b->k)
        return a->k < b->k ? -1 : 1; /* negative < non-negative */
    if (a->k == 0)
        return a->i < b->i ? -1 : a->i > b->i ? 1 : 0;
    return a->u < b->u ? -1 : a->u > b->u ? 1 : 0;
}

static bool wq_apply(int r, wq_op op)
{
    if (r == WQ_UNORDERED) /* NaN: only <> holds */
        return op == WQ_OP_NE;
    switch (op) {
    case WQ_OP_EQ: return r == 0;
    case WQ_OP_NE: return r != 0;
    case WQ_OP_LT: return r < 0;
    case WQ_OP_GT: return r > 0;
    case WQ_OP_LE: return r <= 0;
    case WQ_OP_GE: return r >= 0;
    default: return false;
    }
}

static bool wq_const_num(const wq_const *c, wq_num *n)
{
    switch (c->kind) {
    case WQ_C_INT: n->k = 0; n->i = c->i; return true;
    case WQ_C_UINT: n->k = 1; n->u = c->u; return true;
    case WQ_C_REAL: n->k = 2; n->r = c->r; return true;
    default: return false;
    }
}

static bool wq_value_num(const wbemev_value *v, wq_num *n)
{
    switch (v->type) {
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_SINT64:
        if (v->u.sint < 0) {
            n->k = 0;
            n->i = v->u.sint;
        } else {
            n->k = 1;
            n->u = (uint64_t)v->u.sint;
        }
        return true;
    case WBEMEV_CIM_UINT8:
    case WBEMEV_CIM_UINT16:
    case WBEMEV_CIM_UINT32:
    case WBEMEV_CIM_UINT64:
        n->k = 1;
        n->u = v->u.uint;
        return true;
    case WBEMEV_CIM_REAL32:
    case WBEMEV_CIM_REAL64:
        n->k = 2;
        n->r = v->u.real;
        return true;
    case WBEMEV_CIM_CHAR16:
        n->k = 1;
        n->u = v->u.char16;
        return true;
    default: return false;
    }
}

/* ---- LIKE ---- */

/* Decodes one character and advances; a stray byte (not UTF-8) counts as one character, its byte
 * value. ASCII, the common case, is decoded here without a call. */
static uint32_t wq_next_cp(const char **sp)
{
    const unsigned char *s = (const unsigned char *)*sp;
    uint32_t c = s[0];
    if (c < 0x80) {
        *sp += 1;
        return c;
    }
    c = wbemev__utf8_decode(&s);
    *sp = (const char *)s;
    return c != WBEMEV__UTF8_INVALID ? c : s[-1];
}

static uint32_t wq_fold(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Matches the pattern element at *pp (a literal, '_' or a [set]) against c; *pp moves past it. */
static bool wq_like_elem(const char **pp, uint32_t c)
{
    const char *p = *pp;
    if (*p == '_') {
        *pp = p + 1;
        return true;
    }
    if (*p == '[') {
        const char *q = p + 1;
        bool neg = false;
        if (*q == '^') {
            neg = true;
            q++;
        }
        /* A ']' right after '[' or '[^' is a member, so "[]]" and "[^]]" work. */
        const char *close = *q == ']' ? q + 1 : q;
        while (*close != '\0' && *close != ']')
            close++;
        if (*close == ']') {
            bool in = false;
            uint32_t fc = wq_fold(c);
            const char *r = q;
            while (r < close) {
                uint32_t lo = wq_next_cp(&r);
                uint32_t hi = lo;
                if (*r == '-' && r + 1 < close) {
                    r++;
                    hi = wq_next_cp(&r);
                }
                if ((c >= lo && c <= hi) || (fc >= wq_fold(lo) && fc <= wq_fold(hi)))
                    in = true;
            }
            *pp = close + 1;
            return in != neg;
        }
        /* no closing ']': the '[' is an ordinary character */
    }
    uint32_t pc = wq_next_cp(&p);
    *pp = p;
    return wq_fold(pc) == wq_fold(c);
}

bool wbemev__wq_like(const char *s, const char *p)
{
    /* Greedy matching with one backtrack point (the last '%'): every other element consumes
     * exactly one character, so trying longer runs for earlier '%'s can never help. */
    const char *star_p = NULL, *star_s = NULL;
    for (;;) {
        if (*p == '%') {
            while (*p == '%')
                p++;
            if (*p == '\0')
                return true;
            star_p = p;
            star_s = s;
            continue;
        }
        if (*s == '\0')
            break;
        const char *s_next = s;
        uint32_t c = wq_next_cp(&s_next);
        const char *p_next = p;
        if (*p != '\0' && wq_like_elem(&p_next, c)) {
            p = p_next;
            s = s_next;
            continue;
        }
        if (star_p == NULL)
            return false;
        (void)wq_next_cp(&star_s); /* the last '%' takes one more character */
        s = star_s;
        p = star_p;
    }
    while (*p == '%')
        p++;
    return *p == '\0';
}

/* ---- comparisons ---- */

static bool wq_const_bool(const wq_const *c, bool *out)
{
    switch (c->kind) {
    case WQ_C_BOOL: *out = c->boolean; return true;
    case WQ_C_UINT:
        if (c->u > 1)
            return false;
        *out = c->u == 1;
        return true;
    case WQ_C_INT: /* VARIANT_TRUE */
        if (c->i != -1)
            return false;
        *out = true;
        return true;
    case WQ_C_STRING:
        if (!c->str_bool)
            return false;
        *out = c->str_bool_value;
        return true;
    default: return false;
    }
}

/* value op constant; false when the two cannot be compared. */
static bool wq_compare(const wbemev_query_t *q, const wbemev_value *v, const wq_const *c, wq_op op)
{
    if (v->is_null || c->kind == WQ_C_NULL || WBEMEV_CIM_IS_ARRAY(v->type))
        return false;
    wq_num a, b;
    switch (v->type) {
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE:
        if (c->kind != WQ_C_STRING || v->u.string == NULL)
            return false;
        if (op == WQ_OP_LIKE)
            return wbemev__wq_like(v->u.string, wq_str(q, c->str));
        return wq_apply(wbemev__strcasecmp(v->u.string, wq_str(q, c->str)), op);
    case WBEMEV_CIM_DATETIME: {
        if (op == WQ_OP_LIKE || c->kind != WQ_C_STRING || !c->has_dt ||
            c->dt_interval != v->u.datetime.is_interval)
            return false;
        int64_t t = wbemev__wq_datetime_us(&v->u.datetime);
        return wq_apply(t < c->dt_us ? -1 : t > c->dt_us ? 1 : 0, op);
    }
    case WBEMEV_CIM_BOOLEAN: {
        bool cb;
        if ((op != WQ_OP_EQ && op != WQ_OP_NE) || !wq_const_bool(c, &cb))
            return false;
        return (v->u.boolean == cb) == (op == WQ_OP_EQ);
    }
    case WBEMEV_CIM_CHAR16:
        if (op == WQ_OP_LIKE)
            return false;
        if (c->kind == WQ_C_STRING) {
            if (!c->has_ch)
                return false;
            uint32_t x = wq_fold(v->u.char16), y = wq_fold(c->ch);
            return wq_apply(x < y ? -1 : x > y ? 1 : 0, op);
        }
        break;
    default: break;
    }
    if (op == WQ_OP_LIKE || !wq_value_num(v, &a) || !wq_const_num(c, &b))
        return false;
    return wq_apply(wq_cmp_num(&a, &b), op);
}

/* ---- properties ---- */

/* __PATH, __RELPATH, __SERVER and __NAMESPACE are NULL for events (they are not stored). */
static bool wq_null_system_property(const char *name)
{
    return wbemev__strcaseeq(name, "__PATH") || wbemev__strcaseeq(name, "__RELPATH") ||
           wbemev__strcaseeq(name, "__SERVER") || wbemev__strcaseeq(name, "__NAMESPACE");
}

static wbemev_status wq_get_named(const wbemev_object_t *obj, const char *name, wbemev_value *v)
{
    wbemev_status st = wbemev_object_get(obj, name, v);
    if (WBEMEV_FAILED(st) && wq_null_system_property(name)) {
        memset(v, 0, sizeof *v);
        v->type = WBEMEV_CIM_STRING;
        v->is_null = true;
        return WBEMEV_S_NO_ERROR;
    }
    return WBEMEV_FAILED(st) ? WBEMEV_E_NOT_FOUND : WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__wq_get_property(const wq_ctx *cx, const wq_prop *prop, wbemev_value *out)
{
    if (cx->number_of_events != NULL) { /* HAVING: only NumberOfEvents exists */
        *out = *cx->number_of_events;
        return WBEMEV_S_NO_ERROR;
    }
    const wbemev_query_t *q = cx->q;
    const wq_seg *seg = &q->segs[prop->seg_first];
    wbemev_value v;
    wbemev_status st;
    if (prop->has_handle && cx->use_handles) {
        st = wbemev_object_get_h(cx->event, prop->handle, &v);
        if (WBEMEV_FAILED(st))
            return WBEMEV_E_NOT_FOUND;
    } else {
        st = wq_get_named(cx->event, wq_str(q, seg[0].name), &v);
        if (WBEMEV_FAILED(st))
            return st;
    }
    for (uint32_t i = 1; i < prop->seg_count; i++) {
        if (v.is_null || (v.type == WBEMEV_CIM_OBJECT && v.u.object == NULL)) {
            /* a NULL embedded object: everything below it reads as NULL */
            memset(out, 0, sizeof *out);
            out->type = WBEMEV_CIM_EMPTY;
            out->is_null = true;
            return WBEMEV_S_NO_ERROR;
        }
        if (v.type != WBEMEV_CIM_OBJECT)
            return WBEMEV_E_NOT_FOUND;
        st = wq_get_named(v.u.object, wq_str(q, seg[i].name), &v);
        if (WBEMEV_FAILED(st))
            return st;
    }
    *out = v;
    return WBEMEV_S_NO_ERROR;
}

/* A CMP node compile.c marked int_cmp: the same result as wq_compare on the value, as one range
 * test on the slot's bits (compile.c's wq_int_keys). */
/* An integer comparison compiled to a range of the slot's bits: inside [lo, hi], or outside it. */
static inline bool int_bits_hold(uint64_t bits, bool is_signed, uint64_t lo, uint64_t hi, bool outside)
{
    uint64_t key = is_signed ? bits ^ WQ_SIGN_BIT : bits; /* signed order as unsigned */
    return (key >= lo && key <= hi) != outside;
}

static bool wq_int_compare(const wbemev_query_t *q, const wq_node *n, const wbemev_object_t *event)
{
    uint64_t bits;
    if (wbemev__object_get_bits_h(event, q->props[n->prop].handle, &bits) != 1)
        return false; /* NULL (or not this class's handle): no comparison holds */
    return int_bits_hold(bits, n->int_signed, n->int_lo, n->int_hi, n->int_outside);
}

bool wbemev__wq_eval(const wq_ctx *cx, uint32_t index)
{
    const wbemev_query_t *q = cx->q;
    const wq_node *n = &q->nodes[index];
    wbemev_value v;
    switch ((wq_node_kind)n->kind) {
    case WQ_N_AND:
        for (uint32_t c = n->child; c != WQ_NONE; c = q->nodes[c].next)
            if (!wbemev__wq_eval(cx, c))
                return false;
        return true;
    case WQ_N_OR:
        for (uint32_t c = n->child; c != WQ_NONE; c = q->nodes[c].next)
            if (wbemev__wq_eval(cx, c))
                return true;
        return false;
    case WQ_N_NOT: return !wbemev__wq_eval(cx, n->child);
    case WQ_N_ISNULL:
        return WBEMEV_SUCCEEDED(wbemev__wq_get_property(cx, &q->props[n->prop], &v)) && v.is_null;
    case WQ_N_ISNOTNULL:
        return WBEMEV_SUCCEEDED(wbemev__wq_get_property(cx, &q->props[n->prop], &v)) && !v.is_null;
    case WQ_N_ISA:
        if (WBEMEV_FAILED(wbemev__wq_get_property(cx, &q->props[n->prop], &v)) || v.is_null ||
            v.type != WBEMEV_CIM_OBJECT || v.u.object == NULL)
            return false;
        return wbemev_class_is_a(wbemev_object_class(v.u.object), wq_str(q, q->consts[n->cst].str));
    case WQ_N_CMP:
        if (n->int_cmp && cx->use_handles && cx->number_of_events == NULL)
            return wq_int_compare(q, n, cx->event);
        if (WBEMEV_FAILED(wbemev__wq_get_property(cx, &q->props[n->prop], &v)))
            return false;
        return wq_compare(q, &v, &q->consts[n->cst], (wq_op)n->eval_op);
    }
    return false;
}

bool wbemev_query_matches(const wbemev_query_t *q, const wbemev_object_t *event)
{
    if (q == NULL || event == NULL)
        return false;
    const wbemev_class_t *cls = wbemev_object_class(event);
    if (cls == NULL)
        return false;
    /* Handles are valid on the compiled FROM class and its subclasses. A class deleted and
     * defined again under the same name is still that class for WMI: read it by name. */
    bool use_handles = q->cls != NULL && wbemev_class_inherits_from(cls, q->cls);
    if (!use_handles && !wbemev_class_is_a(cls, wq_str(q, q->class_name)))
        return false;
    if (q->where == WQ_NONE)
        return true;
    const wq_node *root = &q->nodes[q->where];
    if (root->kind == WQ_N_CMP && root->int_cmp && use_handles) /* the commonest filter, without the walk */
        return wq_int_compare(q, root, event);
    wq_ctx cx = {q, event, use_handles, NULL};
    return wbemev__wq_eval(&cx, q->where);
}

/* A filter's kinds: what wbemev_query_matches would do for the class. */
enum { FILTER_NEVER, FILTER_ALWAYS, FILTER_INT, FILTER_EVAL };

void wbemev_query_filter_make(const wbemev_query_t *q, const wbemev_class_t *cls, wbemev_query_filter *out)
{
    memset(out, 0, sizeof *out);
    out->q = q;
    out->kind = FILTER_NEVER;
    if (q == NULL || cls == NULL)
        return;
    /* The class checks of wbemev_query_matches, once */
    out->use_handles = q->cls != NULL && wbemev_class_inherits_from(cls, q->cls);
    if (!out->use_handles && !wbemev_class_is_a(cls, wq_str(q, q->class_name)))
        return;
    if (q->where == WQ_NONE) {
        out->kind = FILTER_ALWAYS;
        return;
    }
    const wq_node *root = &q->nodes[q->where];
    if (root->kind == WQ_N_CMP && root->int_cmp && out->use_handles) {
        /* A handle valid for the FROM class: its index is the property's in every subclass */
        out->kind = FILTER_INT;
        out->index = q->props[root->prop].handle.index;
        out->int_signed = root->int_signed;
        out->int_outside = root->int_outside;
        out->lo = root->int_lo;
        out->hi = root->int_hi;
        return;
    }
    out->kind = FILTER_EVAL;
}

bool wbemev_query_filter_holds(const wbemev_query_filter *f, const wbemev_object_t *event)
{
    switch (f->kind) {
    case FILTER_ALWAYS:
        return true;
    case FILTER_INT: { /* wq_int_compare, the handle known valid */
        uint64_t bits;
        if (!wbemev__object_get_bits_at(event, f->index, &bits))
            return false;
        return int_bits_hold(bits, f->int_signed, f->lo, f->hi, f->int_outside);
    }
    case FILTER_EVAL: {
        wq_ctx cx = {f->q, event, f->use_handles, NULL};
        return wbemev__wq_eval(&cx, f->q->where);
    }
    default:
        return false;
    }
}

wbemev_status wbemev_query_group_by_get(const wbemev_query_t *q, size_t index,
                                        const wbemev_object_t *event, wbemev_value *out)
{
    if (q == NULL || event == NULL || out == NULL || index >= q->group_by_count)
        return WBEMEV_E_INVALID_PARAMETER;
    const wbemev_class_t *cls = wbemev_object_class(event);
    wq_ctx cx = {q, event, q->cls != NULL && wbemev_class_inherits_from(cls, q->cls), NULL};
    wbemev_value v;
    wbemev_status st = wbemev__wq_get_property(&cx, &q->props[q->group_by[index]], &v);
    if (WBEMEV_FAILED(st))
        return st;
    *out = v;
    return WBEMEV_S_NO_ERROR;
}
