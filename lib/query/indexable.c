/*
 * lib/query/indexable.c: what of a WHERE clause a filter index can use, and the keys an event
 * offers it.
 *
 * A WHERE clause is split into its disjuncts (the operands of a top-level OR, or the clause itself);
 * each disjunct's conjuncts (the operands of its AND) are looked at for one comparison that holds
 * only when the property's value has one of a few keys or lies in a closed interval. Every rule
 * below follows eval.c's wq_compare: a key is produced for every kind of value the comparison can
 * hold for, so "the event's value offers none of the term's keys" proves the disjunct false. The
 * keys may match more than the comparison does (hashes of strings, doubles for 64-bit integers,
 * closed bounds for open ones): an index built on them only narrows, the full WHERE still decides.
 *
 * Domains (what kind of value a key is of, since wq_compare compares each kind its own way):
 *   STR     strings and references, compared ASCII case-insensitively: a hash of the folded text
 *   PREFIX  LIKE 'abc%': a hash of the folded first prefix_len bytes
 *   NUM     integers, reals, and char16 compared with a number: the value as a double (rounding is
 *           monotonic, so x <= c implies (double)x <= (double)c and equality survives it too)
 *   DTS/DTI datetime timestamps / intervals: microseconds as a double
 *   BOOL    booleans: 0 or 1
 *   CH      char16 compared with a one-character string: the folded character
 *   ISA     an embedded object's class or one of its superclasses: a hash of the folded name
 */
#include "query/query-int.h"

#include <math.h>

#define FNV64_BASIS 14695981039346656037ull
#define FNV64_PRIME 1099511628211ull

static unsigned char fold_byte(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

uint64_t wbemev_query_index_hash(const char *s, size_t len)
{
    uint64_t h = FNV64_BASIS;
    for (size_t i = 0; i < len; i++) {
        h ^= fold_byte((unsigned char)s[i]);
        h *= FNV64_PRIME;
    }
    return h;
}

/* -0.0 and 0.0 are one key (they compare equal). */
static uint64_t double_key(double d)
{
    if (d == 0)
        d = 0;
    uint64_t k;
    memcpy(&k, &d, sizeof k);
    return k;
}

static bool const_number(const wq_const *c, double *out)
{
    switch (c->kind) {
    case WQ_C_INT: *out = (double)c->i; return true;
    case WQ_C_UINT: *out = (double)c->u; return true;
    case WQ_C_REAL: *out = c->r; return !isnan(c->r); /* NaN: only <> holds, never indexed */
    default: return false;
    }
}

static void add_key(wbemev_query_index_term *t, uint8_t domain, uint64_t key)
{
    wbemev_query_index_key *k = &t->keys[t->nkeys++];
    memset(k, 0, sizeof *k);
    k->domain = domain;
    k->key = key;
}

static void add_range(wbemev_query_index_term *t, uint8_t domain, double lo, double hi)
{
    wbemev_query_index_key *k = &t->keys[t->nkeys++];
    memset(k, 0, sizeof *k);
    k->domain = domain;
    k->ranged = true;
    k->lo = lo;
    k->hi = hi;
}

/* The keys of `prop = c`: one per kind of value wq_compare can find equal to c. */
static bool equality_keys(const wbemev_query_t *q, const wq_const *c, wbemev_query_index_term *t)
{
    double d;
    switch (c->kind) {
    case WQ_C_STRING:
        add_key(t, WBEMEV_QX_STR, wbemev_query_index_hash(wq_str(q, c->str), c->str_len));
        if (c->has_dt)
            add_key(t, c->dt_interval ? WBEMEV_QX_DTI : WBEMEV_QX_DTS, double_key((double)c->dt_us));
        if (c->str_bool)
            add_key(t, WBEMEV_QX_BOOL, c->str_bool_value);
        if (c->has_ch)
            add_key(t, WBEMEV_QX_CH, c->ch < 0x80 ? fold_byte((unsigned char)c->ch) : c->ch);
        return true;
    case WQ_C_BOOL: add_key(t, WBEMEV_QX_BOOL, c->boolean); return true;
    case WQ_C_INT:
    case WQ_C_UINT:
    case WQ_C_REAL:
        if (!const_number(c, &d))
            return false;
        add_key(t, WBEMEV_QX_NUM, double_key(d));
        /* booleans compare with 0, 1 and -1 (VARIANT_TRUE) */
        if (c->kind == WQ_C_UINT && c->u <= 1)
            add_key(t, WBEMEV_QX_BOOL, c->u);
        else if (c->kind == WQ_C_INT && c->i == -1)
            add_key(t, WBEMEV_QX_BOOL, 1);
        return true;
    default: return false; /* = NULL holds for nothing: left to the evaluation */
    }
}

/* The length of the literal ASCII start of a LIKE pattern (no %, _, [ and no multi-byte
 * characters, whose matching eval.c does by code point). */
static size_t like_prefix(const char *p)
{
    size_t n = 0;
    while (p[n] != '\0' && p[n] != '%' && p[n] != '_' && p[n] != '[' && (unsigned char)p[n] < 0x80)
        n++;
    return n;
}

/* Conjuncts or disjuncts waiting to be looked at: nesting is bounded by WQ_MAX_DEPTH. */
#define STACK_MAX (2 * WQ_MAX_DEPTH + 2)

/* How good a term is to index by: equality narrows most, a one-sided range least. */
enum { RANK_NONE = 0, RANK_RANGE1, RANK_RANGE2, RANK_PREFIX, RANK_ISA, RANK_EQ };

/* An ordered comparison `prop op c` (op with the property on the left) as a closed interval in
 * the domain of values it can hold for; false when values of another domain could satisfy it (a
 * string against a string constant is ordered too, and not indexed). */
static bool range_of(const wq_prop *pr, const wq_const *c, wq_op op, uint8_t *domain, double *lo, double *hi)
{
    double v;
    if (c->kind == WQ_C_STRING) {
        /* Strings compare in order too, so only a property known to be a datetime is indexed. */
        if (!c->has_dt || pr->type != WBEMEV_CIM_DATETIME)
            return false;
        *domain = c->dt_interval ? WBEMEV_QX_DTI : WBEMEV_QX_DTS;
        v = (double)c->dt_us;
    } else {
        if (!const_number(c, &v))
            return false;
        *domain = WBEMEV_QX_NUM;
    }
    *lo = -INFINITY;
    *hi = INFINITY;
    if (op == WQ_OP_GT || op == WQ_OP_GE)
        *lo = v;
    else
        *hi = v;
    return true;
}

/* The best term among one disjunct's conjuncts (the node itself, or the operands of an AND,
 * flattened); false when none can be indexed. */
static bool best_term(const wbemev_query_t *q, uint32_t node, wbemev_query_index_term *best)
{
    int best_rank = RANK_NONE;
    uint32_t first = node, single = WQ_NONE;
    if (q->nodes[node].kind == WQ_N_AND)
        first = q->nodes[node].child;
    else
        single = node;
    /* Conjuncts in a stack, to flatten nested ANDs without recursion (one skipped for want of
     * room only leaves fewer to choose from). */
    uint32_t stack[STACK_MAX];
    size_t top = 0;
    stack[top++] = first;
    while (top > 0) {
        uint32_t c = stack[--top];
        if (c == WQ_NONE)
            continue;
        const wq_node *n = &q->nodes[c];
        if (single == WQ_NONE && n->next != WQ_NONE && top < STACK_MAX)
            stack[top++] = n->next; /* its siblings in the AND */
        if (n->kind == WQ_N_AND) {
            if (top < STACK_MAX)
                stack[top++] = n->child;
            continue;
        }
        wbemev_query_index_term t;
        memset(&t, 0, sizeof t);
        t.prop = n->prop;
        int rank = RANK_NONE;
        const wq_prop *pr = n->kind == WQ_N_CMP || n->kind == WQ_N_ISA ? &q->props[n->prop] : NULL;
        if (n->kind == WQ_N_ISA) {
            const wq_const *k = &q->consts[n->cst];
            add_key(&t, WBEMEV_QX_ISA, wbemev_query_index_hash(wq_str(q, k->str), k->str_len));
            rank = RANK_ISA;
        } else if (n->kind == WQ_N_CMP) {
            const wq_const *k = &q->consts[n->cst];
            wq_op op = (wq_op)n->eval_op;
            uint8_t domain;
            double lo, hi;
            if (op == WQ_OP_EQ && equality_keys(q, k, &t)) {
                rank = RANK_EQ;
            } else if (op == WQ_OP_LIKE && k->kind == WQ_C_STRING) {
                size_t len = like_prefix(wq_str(q, k->str));
                if (len > 0) {
                    add_key(&t, WBEMEV_QX_PREFIX, wbemev_query_index_hash(wq_str(q, k->str), len));
                    t.keys[0].prefix_len = (uint32_t)len;
                    rank = RANK_PREFIX;
                }
            } else if ((op == WQ_OP_LT || op == WQ_OP_LE || op == WQ_OP_GT || op == WQ_OP_GE) &&
                       range_of(pr, k, op, &domain, &lo, &hi)) {
                /* Another bound on the same path and domain in this disjunct narrows the interval. */
                if (best_rank >= RANK_RANGE1 && best_rank <= RANK_RANGE2 && best->keys[0].domain == domain &&
                    wbemev__strcaseeq(wq_str(q, q->props[best->prop].path), wq_str(q, pr->path))) {
                    if (lo > best->keys[0].lo)
                        best->keys[0].lo = lo;
                    if (hi < best->keys[0].hi)
                        best->keys[0].hi = hi;
                    best_rank = isinf(best->keys[0].lo) || isinf(best->keys[0].hi) ? RANK_RANGE1 : RANK_RANGE2;
                    continue;
                }
                add_range(&t, domain, lo, hi);
                rank = RANK_RANGE1;
            }
        }
        if (rank > best_rank) {
            best_rank = rank;
            *best = t;
        }
    }
    return best_rank != RANK_NONE;
}

wbemev_status wbemev_query_index_terms(const wbemev_query_t *q, wbemev_query_index_term **out, size_t *count)
{
    if (q == NULL || out == NULL || count == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    *out = NULL;
    *count = 0;
    if (q->where == WQ_NONE)
        return WBEMEV_S_NO_ERROR;
    /* The disjuncts: the operands of the top-level OR (nested ORs flattened), or the clause. */
    uint32_t disj[WBEMEV_QUERY_INDEX_DISJUNCTS_MAX];
    size_t nd = 0;
    uint32_t stack[STACK_MAX];
    size_t top = 0;
    if (q->nodes[q->where].kind == WQ_N_OR)
        stack[top++] = q->nodes[q->where].child;
    else
        disj[nd++] = q->where;
    while (top > 0) {
        uint32_t c = stack[--top];
        if (c == WQ_NONE)
            continue;
        if (top + 2 > STACK_MAX)
            return WBEMEV_S_NO_ERROR; /* a disjunct would be missed: not indexed */
        if (q->nodes[c].next != WQ_NONE)
            stack[top++] = q->nodes[c].next;
        if (q->nodes[c].kind == WQ_N_OR) {
            stack[top++] = q->nodes[c].child;
            continue;
        }
        if (nd == WBEMEV_QUERY_INDEX_DISJUNCTS_MAX)
            return WBEMEV_S_NO_ERROR; /* too many: evaluated for every event */
        disj[nd++] = c;
    }
    wbemev_query_index_term *v = wbemev__calloc(nd, sizeof *v);
    if (v == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    for (size_t i = 0; i < nd; i++) {
        if (!best_term(q, disj[i], &v[i])) {
            wbemev__free(v); /* one disjunct with nothing to index: the whole clause is not indexed */
            return WBEMEV_S_NO_ERROR;
        }
        const char *path = wq_str(q, q->props[v[i].prop].path);
        v[i].path_hash = wbemev_query_index_hash(path, strlen(path));
    }
    *out = v;
    *count = nd;
    return WBEMEV_S_NO_ERROR;
}

const char *wbemev_query_prop_path(const wbemev_query_t *q, uint32_t prop)
{
    return q != NULL && prop < q->prop_count ? wq_str(q, q->props[prop].path) : NULL;
}

static bool put_probe(wbemev_query_index_probe *out, size_t max, size_t *n, uint8_t domain, bool ordered,
                      uint32_t prefix_len, uint64_t key, double point)
{
    if (*n == max)
        return false;
    out[*n] = (wbemev_query_index_probe){domain, ordered, prefix_len, key, point};
    (*n)++;
    return true;
}

static bool put_point(wbemev_query_index_probe *out, size_t max, size_t *n, uint8_t domain, double point)
{
    if (isnan(point))
        return true; /* a NaN satisfies no indexed comparison */
    return put_probe(out, max, n, domain, true, 0, double_key(point), point);
}

/* The keys of string str: its own and those of its prefixes of the lengths in prefix_lens. */
static size_t probe_string(const char *str, const uint32_t *prefix_lens, size_t nprefix,
                           wbemev_query_index_probe *out, size_t max, wbemev_query_probed_value *value)
{
    size_t n = 0;
    value->str = str;
    size_t len = strlen(str);
    bool ok = put_probe(out, max, &n, WBEMEV_QX_STR, false, 0, wbemev_query_index_hash(str, len), 0);
    for (size_t i = 0; ok && i < nprefix; i++)
        if (prefix_lens[i] <= len)
            ok = put_probe(out, max, &n, WBEMEV_QX_PREFIX, false, prefix_lens[i],
                           wbemev_query_index_hash(str, prefix_lens[i]), 0);
    return ok ? n : max + 1;
}

/* The keys of value v, as wbemev_query_index_probe_event describes. */
static size_t probe_value(const wbemev_value *v, const uint32_t *prefix_lens, size_t nprefix,
                          wbemev_query_index_probe *out, size_t max, wbemev_query_probed_value *value)
{
    if (v->is_null || WBEMEV_CIM_IS_ARRAY(v->type))
        return 0; /* no comparison and no ISA holds */
    size_t n = 0;
    bool ok = true;
    switch (v->type) {
    case WBEMEV_CIM_STRING:
    case WBEMEV_CIM_REFERENCE:
        return v->u.string != NULL ? probe_string(v->u.string, prefix_lens, nprefix, out, max, value) : 0;
    case WBEMEV_CIM_DATETIME:
        ok = put_point(out, max, &n, v->u.datetime.is_interval ? WBEMEV_QX_DTI : WBEMEV_QX_DTS,
                       (double)wbemev__wq_datetime_us(&v->u.datetime));
        break;
    case WBEMEV_CIM_BOOLEAN: ok = put_probe(out, max, &n, WBEMEV_QX_BOOL, false, 0, v->u.boolean ? 1 : 0, 0); break;
    case WBEMEV_CIM_CHAR16:
        ok = put_probe(out, max, &n, WBEMEV_QX_CH, false, 0,
                       v->u.char16 < 0x80 ? fold_byte((unsigned char)v->u.char16) : v->u.char16, 0) &&
             put_point(out, max, &n, WBEMEV_QX_NUM, (double)v->u.char16);
        break;
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
        value->has_number = true; /* a double holds every 32-bit integer */
        value->number = (double)v->u.sint;
        ok = put_point(out, max, &n, WBEMEV_QX_NUM, (double)v->u.sint);
        break;
    case WBEMEV_CIM_SINT64: ok = put_point(out, max, &n, WBEMEV_QX_NUM, (double)v->u.sint); break;
    case WBEMEV_CIM_UINT8:
    case WBEMEV_CIM_UINT16:
    case WBEMEV_CIM_UINT32:
        value->has_number = true;
        value->number = (double)v->u.uint;
        ok = put_point(out, max, &n, WBEMEV_QX_NUM, (double)v->u.uint);
        break;
    case WBEMEV_CIM_UINT64: ok = put_point(out, max, &n, WBEMEV_QX_NUM, (double)v->u.uint); break;
    case WBEMEV_CIM_REAL32:
    case WBEMEV_CIM_REAL64:
        value->has_number = !isnan(v->u.real);
        value->number = v->u.real;
        ok = put_point(out, max, &n, WBEMEV_QX_NUM, v->u.real);
        break;
    case WBEMEV_CIM_OBJECT: {
        if (v->u.object == NULL)
            return 0;
        const wbemev_class_t *oc = wbemev_object_class(v->u.object);
        if (oc == NULL)
            return 0;
        size_t depth = wbemev_class_depth(oc);
        for (size_t i = 0; ok && i <= depth; i++) {
            const char *name = wbemev_class_name(wbemev__class_ancestor(oc, i));
            ok = put_probe(out, max, &n, WBEMEV_QX_ISA, false, 0, wbemev_query_index_hash(name, strlen(name)), 0);
        }
        break;
    }
    default: return 0;
    }
    return ok ? n : max + 1;
}

/* wbemev_query_index_probe_event's value read as the evaluation reads it. */
static size_t probe_general(const wbemev_query_t *q, const wq_prop *p, const wbemev_object_t *event,
                            const wbemev_class_t *cls, const uint32_t *prefix_lens, size_t nprefix,
                            wbemev_query_index_probe *out, size_t max, wbemev_query_probed_value *value)
{
    wq_ctx cx = {q, event, q->cls != NULL && cls != NULL && wbemev_class_inherits_from(cls, q->cls), NULL};
    wbemev_value v;
    if (WBEMEV_FAILED(wbemev__wq_get_property(&cx, p, &v)))
        return 0;
    return probe_value(&v, prefix_lens, nprefix, out, max, value);
}

size_t wbemev_query_index_probe_event(const wbemev_query_t *q, uint32_t prop, const wbemev_object_t *event,
                                      const uint32_t *prefix_lens, size_t nprefix, wbemev_query_index_probe *out,
                                      size_t max, wbemev_query_probed_value *value)
{
    const wbemev_class_t *cls = wbemev_object_class(event);
    const wq_prop *p = &q->props[prop];
    value->str = NULL;
    value->has_number = false;
    if (cls != NULL && cls == q->cls && p->has_handle && p->seg_count == 1 && p->type == WBEMEV_CIM_STRING) {
        /* The commonest probe, a string of the compiled class itself: read in place */
        const char *str;
        wbemev_status st = wbemev_object_get_string_h(event, p->handle, &str);
        if (st == WBEMEV_S_NO_ERROR)
            return str != NULL ? probe_string(str, prefix_lens, nprefix, out, max, value) : 0;
        if (st == WBEMEV_E_ILLEGAL_NULL)
            return 0;
    }
    return probe_general(q, p, event, cls, prefix_lens, nprefix, out, max, value);
}

const char *wbemev_query_sole_string_eq(const wbemev_query_t *q, uint32_t *prop)
{
    if (q == NULL || q->where == WQ_NONE)
        return NULL;
    const wq_node *n = &q->nodes[q->where];
    if (n->kind != WQ_N_CMP || n->eval_op != WQ_OP_EQ)
        return NULL;
    const wq_const *c = &q->consts[n->cst];
    wbemev_cimtype type = q->props[n->prop].type;
    if (c->kind != WQ_C_STRING || (type != WBEMEV_CIM_STRING && type != WBEMEV_CIM_REFERENCE))
        return NULL;
    *prop = n->prop;
    return wq_str(q, c->str);
}

/* eval.c's wq_compare for a string value and a string constant under `=`. */
bool wbemev_query_strings_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    /* Byte by byte, folding only where the bytes differ: the two usually agree in case too. */
    const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
    for (;; pa++, pb++) {
        if (*pa != *pb && fold_byte(*pa) != fold_byte(*pb))
            return false;
        if (*pa == 0)
            return true;
    }
}

/* A numeric property of at most 32 bits, or a real: its values are exact as doubles. */
static bool exact_number_type(wbemev_cimtype type)
{
    switch (type) {
    case WBEMEV_CIM_SINT8:
    case WBEMEV_CIM_SINT16:
    case WBEMEV_CIM_SINT32:
    case WBEMEV_CIM_UINT8:
    case WBEMEV_CIM_UINT16:
    case WBEMEV_CIM_UINT32:
    case WBEMEV_CIM_REAL32:
    case WBEMEV_CIM_REAL64: return true;
    default: return false;
    }
}

/* Narrows *r by `property op c` (c exact as a double); false for a comparison that is not one. */
static bool narrow_range(const wbemev_query_t *q, const wq_node *n, wbemev_query_range *r)
{
    if (n->kind != WQ_N_CMP || !exact_number_type(q->props[n->prop].type))
        return false;
    const wq_const *c = &q->consts[n->cst];
    double x;
    if (c->kind == WQ_C_REAL)
        x = c->r;
    else if (c->kind == WQ_C_INT && c->i >= -(INT64_C(1) << 53))
        x = (double)c->i;
    else if (c->kind == WQ_C_UINT && c->u <= (UINT64_C(1) << 53))
        x = (double)c->u;
    else
        return false;
    if (isnan(x))
        return false;
    bool lo = false, hi = false, open = false;
    switch ((wq_op)n->eval_op) {
    case WQ_OP_GT: lo = true, open = true; break;
    case WQ_OP_GE: lo = true; break;
    case WQ_OP_LT: hi = true, open = true; break;
    case WQ_OP_LE: hi = true; break;
    case WQ_OP_EQ: lo = hi = true; break;
    default: return false;
    }
    if (lo && (x > r->lo || (x == r->lo && open))) {
        r->lo = x;
        r->lo_open = open;
    }
    if (hi && (x < r->hi || (x == r->hi && open))) {
        r->hi = x;
        r->hi_open = open;
    }
    return true;
}

bool wbemev_query_sole_range(const wbemev_query_t *q, uint32_t *prop, wbemev_query_range *out)
{
    if (q == NULL || q->where == WQ_NONE)
        return false;
    wbemev_query_range r = {-INFINITY, INFINITY, false, false};
    const wq_node *n = &q->nodes[q->where];
    if (n->kind == WQ_N_AND) {
        const wq_node *a = n->child != WQ_NONE ? &q->nodes[n->child] : NULL;
        const wq_node *b = a != NULL && a->next != WQ_NONE ? &q->nodes[a->next] : NULL;
        if (b == NULL || b->next != WQ_NONE || a->kind != WQ_N_CMP || b->kind != WQ_N_CMP ||
            !wbemev__strcaseeq(wq_str(q, q->props[a->prop].path), wq_str(q, q->props[b->prop].path)) ||
            !narrow_range(q, a, &r) || !narrow_range(q, b, &r))
            return false;
        *prop = a->prop;
    } else if (narrow_range(q, n, &r)) {
        *prop = n->prop;
    } else {
        return false;
    }
    *out = r;
    return true;
}
