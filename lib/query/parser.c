/*
 * lib/query/parser.c: recursive descent over the token array, building the flat query arrays.
 *
 *   query   := SELECT ('*' | path {',' path}) FROM name [WITHIN number] [WHERE or]
 *              [GROUP WITHIN number [BY path {',' path}] [HAVING or]] [';'] EOF
 *   or      := and {OR and}            (n-ary node: chains stay one level deep)
 *   and     := not {AND not}
 *   not     := NOT not | primary       (NOT and '(' count towards WQ_MAX_DEPTH)
 *   primary := '(' or ')' | path cmpop const | const cmpop path | path IS [NOT] NULL
 *            | path ISA string | path LIKE string
 *   path    := name {'.' name}
 *
 * Errors: a text that does not start with SELECT (or a lexical error) is unparsable; anything else
 * wrong after SELECT is WBEMEV_E_INVALID_QUERY with the column of the offending token.
 */
#include "query-int.h"

#include <stdio.h>

typedef struct wq_parser {
    const char *text;
    const wq_token *toks;
    size_t ntok;
    size_t pos;
    wbemev_query_t *q;
    size_t cap_nodes, cap_props, cap_segs, cap_consts, cap_pool, cap_select, cap_group;
    int depth;
    bool in_having;
    wbemev_query_error *err;
} wq_parser;

/* ---- growable arrays ---- */

static bool wq_reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *p = wbemev__realloc(*arr, ncap * elem);
    if (p == NULL)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

static wbemev_status wq_oom(wq_parser *p)
{
    wbemev__wq_set_error(p->err, WBEMEV_E_OUT_OF_MEMORY, 0, "out of memory");
    return WBEMEV_E_OUT_OF_MEMORY;
}

/* Appends len bytes and a NUL to the pool; *off receives their offset. */
static wbemev_status wq_pool_add(wq_parser *p, const char *s, size_t len, uint32_t *off)
{
    wbemev_query_t *q = p->q;
    if (!wq_reserve((void **)&q->pool, &p->cap_pool, q->pool_len + len + 1, 1))
        return wq_oom(p);
    memcpy(q->pool + q->pool_len, s, len);
    q->pool[q->pool_len + len] = '\0';
    *off = (uint32_t)q->pool_len;
    q->pool_len += len + 1;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status wq_new_node(wq_parser *p, wq_node_kind kind, uint32_t column, uint32_t *out)
{
    wbemev_query_t *q = p->q;
    if (!wq_reserve((void **)&q->nodes, &p->cap_nodes, q->node_count + 1, sizeof *q->nodes))
        return wq_oom(p);
    wq_node *n = &q->nodes[q->node_count];
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->child = WQ_NONE;
    n->next = WQ_NONE;
    n->prop = WQ_NONE;
    n->cst = WQ_NONE;
    n->column = column;
    *out = (uint32_t)q->node_count++;
    return WBEMEV_S_NO_ERROR;
}

/* ---- tokens ---- */

static const wq_token *wq_peek(const wq_parser *p)
{
    return &p->toks[p->pos];
}

static wq_tok_kind wq_kind(const wq_parser *p)
{
    return p->toks[p->pos].kind;
}

static void wq_advance(wq_parser *p)
{
    if (p->toks[p->pos].kind != WQ_T_EOF)
        p->pos++;
}

static bool wq_is_keyword(wq_tok_kind k)
{
    return k >= WQ_T_SELECT;
}

static bool wq_is_constant(wq_tok_kind k)
{
    return k == WQ_T_STRING || k == WQ_T_INT || k == WQ_T_REAL || k == WQ_T_TRUE ||
           k == WQ_T_FALSE || k == WQ_T_NULL;
}

static bool wq_is_cmp(wq_tok_kind k)
{
    return k >= WQ_T_EQ && k <= WQ_T_GE;
}

/* "expected <what>, found <token>" at the current token. */
static wbemev_status wq_expected(wq_parser *p, wbemev_status status, const char *what)
{
    const wq_token *t = wq_peek(p);
    if (t->kind == WQ_T_EOF) {
        wbemev__wq_set_error(p->err, status, t->column, "expected %s, found the end of the query", what);
    } else if (t->kind == WQ_T_ERROR) {
        int len = (int)(t->len > 40 ? 40 : t->len);
        wbemev__wq_set_error(p->err, status, t->column, "%s: '%.*s'%s", t->error, len, p->text + t->off,
                             t->len > 40 ? "..." : "");
    } else {
        int len = (int)(t->len > 40 ? 40 : t->len);
        wbemev__wq_set_error(p->err, status, t->column, "expected %s, found '%.*s'%s%s", what, len,
                             p->text + t->off, t->len > 40 ? "..." : "",
                             wq_is_keyword(t->kind) ? " (a reserved word)" : "");
    }
    return status;
}

static wq_op wq_tok_op(wq_tok_kind k)
{
    switch (k) {
    case WQ_T_EQ: return WQ_OP_EQ;
    case WQ_T_NE: return WQ_OP_NE;
    case WQ_T_LT: return WQ_OP_LT;
    case WQ_T_GT: return WQ_OP_GT;
    case WQ_T_LE: return WQ_OP_LE;
    default: return WQ_OP_GE;
    }
}

/* The comparison seen from the other side: 5 < X is X > 5. */
static wq_op wq_swap_op(wq_op op)
{
    switch (op) {
    case WQ_OP_LT: return WQ_OP_GT;
    case WQ_OP_GT: return WQ_OP_LT;
    case WQ_OP_LE: return WQ_OP_GE;
    case WQ_OP_GE: return WQ_OP_LE;
    default: return op;
    }
}

/* ---- constants ---- */

/* Makes a constant from the current token (a constant token) and advances. */
static wbemev_status wq_new_const(wq_parser *p, uint32_t *out)
{
    wbemev_query_t *q = p->q;
    const wq_token *t = wq_peek(p);
    if (!wq_reserve((void **)&q->consts, &p->cap_consts, q->const_count + 1, sizeof *q->consts))
        return wq_oom(p);
    wq_const c;
    memset(&c, 0, sizeof c);
    c.column = t->column;
    switch (t->kind) {
    case WQ_T_NULL: c.kind = WQ_C_NULL; break;
    case WQ_T_TRUE:
    case WQ_T_FALSE:
        c.kind = WQ_C_BOOL;
        c.boolean = t->kind == WQ_T_TRUE;
        break;
    case WQ_T_INT:
        if (t->neg) {
            c.kind = WQ_C_INT;
            /* -(2^63) has no positive int64 counterpart: negate in unsigned arithmetic */
            c.i = t->mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)t->mag;
        } else {
            c.kind = WQ_C_UINT;
            c.u = t->mag;
        }
        break;
    case WQ_T_REAL:
        c.kind = WQ_C_REAL;
        c.r = t->real;
        break;
    default: { /* WQ_T_STRING */
        c.kind = WQ_C_STRING;
        if (!wq_reserve((void **)&q->pool, &p->cap_pool, q->pool_len + t->len + 1, 1))
            return wq_oom(p);
        char *dst = q->pool + q->pool_len;
        size_t n = wbemev__wq_decode_string(p->text, t, dst);
        c.str = (uint32_t)q->pool_len;
        c.str_len = (uint32_t)n;
        q->pool_len += n + 1;
        /* Precompute the other readings the evaluator may need, once. */
        wbemev_datetime dt;
        if (n == WBEMEV_DATETIME_LEN && WBEMEV_SUCCEEDED(wbemev_datetime_parse(dst, &dt))) {
            c.has_dt = true;
            c.dt_interval = dt.is_interval;
            c.dt_us = wbemev__wq_datetime_us(&dt);
        }
        if (n > 0) {
            const unsigned char *end = (const unsigned char *)dst; /* valid UTF-8: the lexer checked */
            uint32_t cp = wbemev__utf8_decode(&end);
            if (end == (const unsigned char *)dst + n && cp <= 0xFFFF) {
                c.has_ch = true;
                c.ch = (uint16_t)cp;
            }
        }
        if (wbemev__strcaseeq(dst, "TRUE") || wbemev__strcaseeq(dst, "FALSE")) {
            c.str_bool = true;
            c.str_bool_value = wbemev__strcaseeq(dst, "TRUE");
        }
        break;
    }
    }
    q->consts[q->const_count] = c;
    *out = (uint32_t)q->const_count++;
    wq_advance(p);
    return WBEMEV_S_NO_ERROR;
}

/* ---- paths ---- */

/* path := name {'.' name}; the current token is a name. */
static wbemev_status wq_parse_path(wq_parser *p, uint32_t *out)
{
    wbemev_query_t *q = p->q;
    wbemev_status st;
    if (!wq_reserve((void **)&q->props, &p->cap_props, q->prop_count + 1, sizeof *q->props))
        return wq_oom(p);
    uint32_t first_seg = (uint32_t)q->seg_count;
    uint32_t column = wq_peek(p)->column;
    size_t start_tok = p->pos;
    size_t path_len = 0;
    for (;;) {
        const wq_token *t = wq_peek(p);
        if (t->kind != WQ_T_IDENT)
            return wq_expected(p, WBEMEV_E_INVALID_QUERY, "a property name after '.'");
        if (!wq_reserve((void **)&q->segs, &p->cap_segs, q->seg_count + 1, sizeof *q->segs))
            return wq_oom(p);
        uint32_t off;
        st = wq_pool_add(p, p->text + t->off, t->len, &off);
        if (WBEMEV_FAILED(st))
            return st;
        q->segs[q->seg_count].name = off;
        q->segs[q->seg_count].column = t->column;
        q->seg_count++;
        path_len += t->len + 1;
        wq_advance(p);
        if (wq_kind(p) != WQ_T_DOT)
            break;
        wq_advance(p);
    }
    /* The dotted text, normalized (no blanks around the dots). */
    uint32_t nseg = (uint32_t)q->seg_count - first_seg;
    if (!wq_reserve((void **)&q->pool, &p->cap_pool, q->pool_len + path_len, 1))
        return wq_oom(p);
    uint32_t path = (uint32_t)q->pool_len;
    char *dst = q->pool + q->pool_len;
    for (size_t i = start_tok, k = 0; k < nseg; i += 2, k++) {
        const wq_token *t = &p->toks[i];
        memcpy(dst, p->text + t->off, t->len);
        dst += t->len;
        *dst++ = k + 1 < nseg ? '.' : '\0';
    }
    q->pool_len += path_len;

    if (p->in_having && (nseg != 1 || !wbemev__strcaseeq(q->pool + path, "NumberOfEvents"))) {
        wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_PROPERTY, column,
                             "HAVING can only test NumberOfEvents, not '%.64s'", q->pool + path);
        return WBEMEV_E_INVALID_PROPERTY;
    }

    wq_prop *pr = &q->props[q->prop_count];
    memset(pr, 0, sizeof *pr);
    pr->seg_first = first_seg;
    pr->seg_count = nseg;
    pr->path = path;
    pr->column = column;
    pr->type = WBEMEV_CIM_ILLEGAL;
    *out = (uint32_t)q->prop_count++;
    return WBEMEV_S_NO_ERROR;
}

/* Appends a property index to one of the query's lists. */
static wbemev_status wq_list_add(wq_parser *p, uint32_t **list, size_t *count, size_t *cap, uint32_t v)
{
    if (!wq_reserve((void **)list, cap, *count + 1, sizeof **list))
        return wq_oom(p);
    (*list)[(*count)++] = v;
    return WBEMEV_S_NO_ERROR;
}

/* ---- expressions ---- */

static wbemev_status wq_parse_or(wq_parser *p, uint32_t *out);

static wbemev_status wq_deeper(wq_parser *p)
{
    if (++p->depth > WQ_MAX_DEPTH) {
        wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_QUERY, wq_peek(p)->column,
                             "the condition is too deeply nested (more than %d parentheses and NOTs)",
                             WQ_MAX_DEPTH);
        return WBEMEV_E_INVALID_QUERY;
    }
    return WBEMEV_S_NO_ERROR;
}

/* The constant after an operator: NULL only with = and <>. */
static wbemev_status wq_check_null_op(wq_parser *p, const wq_token *c, wq_op op)
{
    if (c->kind == WQ_T_NULL && op != WQ_OP_EQ && op != WQ_OP_NE) {
        wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_QUERY, c->column,
                             "NULL can only be compared with = or <>; use IS [NOT] NULL");
        return WBEMEV_E_INVALID_QUERY;
    }
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status wq_parse_comparison(wq_parser *p, uint32_t *out)
{
    wbemev_status st;
    const wq_token *t = wq_peek(p);
    uint32_t column = t->column;
    uint32_t node, prop, cst;

    if (wq_is_constant(t->kind)) { /* constant op property */
        const wq_token *ctok = t;
        st = wq_new_const(p, &cst);
        if (WBEMEV_FAILED(st))
            return st;
        const wq_token *o = wq_peek(p);
        if (o->kind == WQ_T_LIKE || o->kind == WQ_T_ISA || o->kind == WQ_T_IS) {
            wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_QUERY, o->column,
                                 "%s needs the property on its left", wbemev__wq_tok_name(o->kind));
            return WBEMEV_E_INVALID_QUERY;
        }
        if (!wq_is_cmp(o->kind))
            return wq_expected(p, WBEMEV_E_INVALID_QUERY, "a comparison operator after the constant");
        wq_op op = wq_tok_op(o->kind);
        st = wq_check_null_op(p, ctok, op);
        if (WBEMEV_FAILED(st))
            return st;
        wq_advance(p);
        if (wq_is_constant(wq_kind(p))) {
            wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_QUERY, wq_peek(p)->column,
                                 "a comparison needs a property on one side");
            return WBEMEV_E_INVALID_QUERY;
        }
        if (wq_kind(p) != WQ_T_IDENT)
            return wq_expected(p, WBEMEV_E_INVALID_QUERY, "a property name after the operator");
        st = wq_parse_path(p, &prop);
        if (WBEMEV_FAILED(st))
            return st;
        st = wq_new_node(p, WQ_N_CMP, column, &node);
        if (WBEMEV_FAILED(st))
            return st;
        wq_node *n = &p->q->nodes[node];
        n->op = (uint8_t)op;
        n->eval_op = (uint8_t)wq_swap_op(op);
        n->const_left = true;
        n->prop = prop;
        n->cst = cst;
        *out = node;
        return WBEMEV_S_NO_ERROR;
    }

    if (t->kind != WQ_T_IDENT)
        return wq_expected(p, WBEMEV_E_INVALID_QUERY, "a condition");
    st = wq_parse_path(p, &prop);
    if (WBEMEV_FAILED(st))
        return st;
    const wq_token *o = wq_peek(p);
    switch (o->kind) {
    case WQ_T_IS: {
        wq_advance(p);
        wq_node_kind kind = WQ_N_ISNULL;
        if (wq_kind(p) == WQ_T_NOT) {
            kind = WQ_N_ISNOTNULL;
            wq_advance(p);
        }
        if (wq_kind(p) != WQ_T_NULL)
            return wq_expected(p, WBEMEV_E_INVALID_QUERY,
                               kind == WQ_N_ISNULL ? "NULL or NOT NULL after IS" : "NULL after IS NOT");
        wq_advance(p);
        st = wq_new_node(p, kind, o->column, &node);
        if (WBEMEV_FAILED(st))
            return st;
        p->q->nodes[node].prop = prop;
        *out = node;
        return WBEMEV_S_NO_ERROR;
    }
    case WQ_T_ISA:
        wq_advance(p);
        if (wq_kind(p) != WQ_T_STRING)
            return wq_expected(p, WBEMEV_E_INVALID_QUERY, "a quoted class name after ISA");
        st = wq_new_const(p, &cst);
        if (WBEMEV_FAILED(st))
            return st;
        st = wq_new_node(p, WQ_N_ISA, o->column, &node);
        if (WBEMEV_FAILED(st))
            return st;
        p->q->nodes[node].prop = prop;
        p->q->nodes[node].cst = cst;
        *out = node;
        return WBEMEV_S_NO_ERROR;
    case WQ_T_LIKE:
        wq_advance(p);
        if (wq_kind(p) != WQ_T_STRING)
            return wq_expected(p, WBEMEV_E_INVALID_QUERY, "a quoted pattern after LIKE");
        st = wq_new_const(p, &cst);
        if (WBEMEV_FAILED(st))
            return st;
        st = wq_new_node(p, WQ_N_CMP, o->column, &node);
        if (WBEMEV_FAILED(st))
            return st;
        p->q->nodes[node].op = WQ_OP_LIKE;
        p->q->nodes[node].eval_op = WQ_OP_LIKE;
        p->q->nodes[node].prop = prop;
        p->q->nodes[node].cst = cst;
        *out = node;
        return WBEMEV_S_NO_ERROR;
    default:
        break;
    }
    if (!wq_is_cmp(o->kind))
        return wq_expected(p, WBEMEV_E_INVALID_QUERY, "a comparison operator, IS, ISA or LIKE");
    wq_op op = wq_tok_op(o->kind);
    wq_advance(p);
    const wq_token *c = wq_peek(p);
    if (c->kind == WQ_T_IDENT) {
        wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_QUERY, c->column,
                             "cannot compare two properties: the other side must be a constant");
        return WBEMEV_E_INVALID_QUERY;
    }
    if (!wq_is_constant(c->kind))
        return wq_expected(p, WBEMEV_E_INVALID_QUERY, "a constant after the operator");
    st = wq_check_null_op(p, c, op);
    if (WBEMEV_FAILED(st))
        return st;
    st = wq_new_const(p, &cst);
    if (WBEMEV_FAILED(st))
        return st;
    st = wq_new_node(p, WQ_N_CMP, o->column, &node);
    if (WBEMEV_FAILED(st))
        return st;
    wq_node *n = &p->q->nodes[node];
    n->op = (uint8_t)op;
    n->eval_op = (uint8_t)op;
    n->prop = prop;
    n->cst = cst;
    *out = node;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status wq_parse_primary(wq_parser *p, uint32_t *out)
{
    if (wq_kind(p) != WQ_T_LPAREN)
        return wq_parse_comparison(p, out);
    const wq_token *open = wq_peek(p);
    wbemev_status st = wq_deeper(p);
    if (WBEMEV_FAILED(st))
        return st;
    wq_advance(p);
    st = wq_parse_or(p, out);
    if (WBEMEV_FAILED(st))
        return st;
    if (wq_kind(p) != WQ_T_RPAREN) {
        char what[64];
        snprintf(what, sizeof what, "')' to close the '(' at column %u", (unsigned)open->column);
        return wq_expected(p, WBEMEV_E_INVALID_QUERY, what);
    }
    wq_advance(p);
    p->depth--;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status wq_parse_not(wq_parser *p, uint32_t *out)
{
    if (wq_kind(p) != WQ_T_NOT)
        return wq_parse_primary(p, out);
    uint32_t column = wq_peek(p)->column;
    wbemev_status st = wq_deeper(p);
    if (WBEMEV_FAILED(st))
        return st;
    wq_advance(p);
    uint32_t child, node;
    st = wq_parse_not(p, &child);
    if (WBEMEV_FAILED(st))
        return st;
    p->depth--;
    st = wq_new_node(p, WQ_N_NOT, column, &node);
    if (WBEMEV_FAILED(st))
        return st;
    p->q->nodes[node].child = child;
    *out = node;
    return WBEMEV_S_NO_ERROR;
}

/* op_tok {op_tok operand}: one n-ary node over the operands. */
static wbemev_status wq_parse_chain(wq_parser *p, wq_tok_kind op_tok, wq_node_kind kind,
                                    wbemev_status (*operand)(wq_parser *, uint32_t *), uint32_t *out)
{
    uint32_t first;
    wbemev_status st = operand(p, &first);
    if (WBEMEV_FAILED(st))
        return st;
    if (wq_kind(p) != op_tok) {
        *out = first;
        return WBEMEV_S_NO_ERROR;
    }
    uint32_t node;
    st = wq_new_node(p, kind, wq_peek(p)->column, &node);
    if (WBEMEV_FAILED(st))
        return st;
    p->q->nodes[node].child = first;
    uint32_t last = first;
    while (wq_kind(p) == op_tok) {
        wq_advance(p);
        uint32_t next;
        st = operand(p, &next);
        if (WBEMEV_FAILED(st))
            return st;
        p->q->nodes[last].next = next;
        last = next;
    }
    *out = node;
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status wq_parse_and(wq_parser *p, uint32_t *out)
{
    return wq_parse_chain(p, WQ_T_AND, WQ_N_AND, wq_parse_not, out);
}

static wbemev_status wq_parse_or(wq_parser *p, uint32_t *out)
{
    return wq_parse_chain(p, WQ_T_OR, WQ_N_OR, wq_parse_and, out);
}

/* ---- clauses ---- */

/* A WITHIN or GROUP WITHIN interval: a positive number of seconds. */
static wbemev_status wq_parse_interval(wq_parser *p, const char *after, uint32_t *out)
{
    const wq_token *t = wq_peek(p);
    if (t->kind != WQ_T_INT && t->kind != WQ_T_REAL) {
        char what[64];
        snprintf(what, sizeof what, "a number of seconds after %s", after);
        return wq_expected(p, WBEMEV_E_INVALID_QUERY, what);
    }
    if ((t->kind == WQ_T_INT && (t->neg || t->mag == 0)) || (t->kind == WQ_T_REAL && !(t->real > 0))) {
        wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_QUERY, t->column,
                             "the %s interval must be a positive number of seconds", after);
        return WBEMEV_E_INVALID_QUERY;
    }
    return wq_new_const(p, out);
}

static wbemev_status wq_parse_path_list(wq_parser *p, uint32_t **list, size_t *count, size_t *cap,
                                        const char *what)
{
    for (;;) {
        if (wq_kind(p) != WQ_T_IDENT)
            return wq_expected(p, WBEMEV_E_INVALID_QUERY, what);
        uint32_t prop;
        wbemev_status st = wq_parse_path(p, &prop);
        if (WBEMEV_FAILED(st))
            return st;
        st = wq_list_add(p, list, count, cap, prop);
        if (WBEMEV_FAILED(st))
            return st;
        if (wq_kind(p) != WQ_T_COMMA)
            return WBEMEV_S_NO_ERROR;
        wq_advance(p);
        what = "a property name after ','";
    }
}

static wbemev_status wq_missing_group(wq_parser *p)
{
    const wq_token *t = wq_peek(p);
    wbemev__wq_set_error(p->err, WBEMEV_E_MISSING_GROUP_WITHIN, t->column, "%s needs GROUP WITHIN first",
                         wbemev__wq_tok_name(t->kind));
    return WBEMEV_E_MISSING_GROUP_WITHIN;
}

static wbemev_status wq_parse_query(wq_parser *p)
{
    wbemev_query_t *q = p->q;
    wbemev_status st;

    if (wq_kind(p) == WQ_T_EOF) {
        wbemev__wq_set_error(p->err, WBEMEV_E_UNPARSABLE_QUERY, 0, "the query is empty");
        return WBEMEV_E_UNPARSABLE_QUERY;
    }
    if (wq_kind(p) != WQ_T_SELECT)
        return wq_expected(p, WBEMEV_E_UNPARSABLE_QUERY, "SELECT (an event query starts with SELECT)");
    wq_advance(p);

    if (wq_kind(p) == WQ_T_STAR) {
        q->select_all = true;
        wq_advance(p);
        if (wq_kind(p) == WQ_T_COMMA) {
            wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_QUERY, wq_peek(p)->column,
                                 "'*' cannot be combined with property names");
            return WBEMEV_E_INVALID_QUERY;
        }
    } else {
        st = wq_parse_path_list(p, &q->select, &q->select_count, &p->cap_select,
                                "'*' or a property name after SELECT");
        if (WBEMEV_FAILED(st))
            return st;
    }

    if (wq_kind(p) != WQ_T_FROM)
        return wq_expected(p, WBEMEV_E_INVALID_QUERY, "FROM after the select list");
    wq_advance(p);
    const wq_token *cls = wq_peek(p);
    if (cls->kind != WQ_T_IDENT)
        return wq_expected(p, WBEMEV_E_INVALID_QUERY, "an event class name after FROM");
    st = wq_pool_add(p, p->text + cls->off, cls->len, &q->class_name);
    if (WBEMEV_FAILED(st))
        return st;
    q->class_column = cls->column;
    wq_advance(p);

    const char *expect_end = "WITHIN, WHERE, GROUP or the end of the query";
    if (wq_kind(p) == WQ_T_WITHIN) {
        wq_advance(p);
        st = wq_parse_interval(p, "WITHIN", &q->within);
        if (WBEMEV_FAILED(st))
            return st;
        q->has_within = true;
        expect_end = "WHERE, GROUP or the end of the query";
    }
    if (wq_kind(p) == WQ_T_WHERE) {
        wq_advance(p);
        st = wq_parse_or(p, &q->where);
        if (WBEMEV_FAILED(st))
            return st;
        expect_end = "AND, OR, GROUP or the end of the query";
        if (wq_kind(p) == WQ_T_WITHIN && !q->has_within) {
            wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_QUERY, wq_peek(p)->column,
                                 "WITHIN must come before WHERE");
            return WBEMEV_E_INVALID_QUERY;
        }
    }
    if (wq_kind(p) == WQ_T_GROUP) {
        wq_advance(p);
        if (wq_kind(p) == WQ_T_BY || wq_kind(p) == WQ_T_HAVING)
            return wq_missing_group(p);
        if (wq_kind(p) != WQ_T_WITHIN)
            return wq_expected(p, WBEMEV_E_INVALID_QUERY, "WITHIN after GROUP");
        wq_advance(p);
        st = wq_parse_interval(p, "GROUP WITHIN", &q->group_within);
        if (WBEMEV_FAILED(st))
            return st;
        q->has_group = true;
        expect_end = "BY, HAVING or the end of the query";
        if (wq_kind(p) == WQ_T_BY) {
            wq_advance(p);
            st = wq_parse_path_list(p, &q->group_by, &q->group_by_count, &p->cap_group,
                                    "a property name after BY");
            if (WBEMEV_FAILED(st))
                return st;
            expect_end = "',', HAVING or the end of the query";
        }
        if (wq_kind(p) == WQ_T_HAVING) {
            wq_advance(p);
            p->in_having = true;
            st = wq_parse_or(p, &q->having);
            p->in_having = false;
            if (WBEMEV_FAILED(st))
                return st;
            expect_end = "AND, OR or the end of the query";
        }
    } else if (wq_kind(p) == WQ_T_BY || wq_kind(p) == WQ_T_HAVING) {
        return wq_missing_group(p);
    }
    if (wq_kind(p) == WQ_T_SEMI) {
        q->has_semicolon = true;
        wq_advance(p);
        expect_end = "the end of the query after ';'";
    }
    if (wq_kind(p) != WQ_T_EOF)
        return wq_expected(p, WBEMEV_E_INVALID_QUERY, expect_end);
    return WBEMEV_S_NO_ERROR;
}

/* Gives back the slack of a grown array. */
static void wq_shrink(void **arr, size_t count, size_t elem)
{
    if (*arr == NULL)
        return;
    if (count == 0) {
        wbemev__free(*arr);
        *arr = NULL;
        return;
    }
    void *p = wbemev__realloc(*arr, count * elem);
    if (p != NULL) /* a failed shrink keeps the larger block: harmless */
        *arr = p;
}

wbemev_status wbemev__wq_parse(const char *text, wbemev_query_t **out, wbemev_query_error *err)
{
    /* Length in characters, stopping as soon as it is too long. */
    size_t chars = 0, len = 0;
    for (; text[len] != '\0'; len++) {
        if (((unsigned char)text[len] & 0xC0) != 0x80 && ++chars > WBEMEV_MAX_QUERY) {
            wbemev__wq_set_error(err, WBEMEV_E_INVALID_QUERY, 0, "the query is longer than %d characters",
                                 WBEMEV_MAX_QUERY);
            return WBEMEV_E_INVALID_QUERY;
        }
    }

    wq_token *toks = NULL;
    size_t ntok = 0;
    wbemev_status st = wbemev__wq_lex(text, len, &toks, &ntok, err);
    if (WBEMEV_FAILED(st))
        return st;

    wbemev_query_t *q = wbemev__calloc(1, sizeof *q);
    if (q == NULL) {
        wbemev__free(toks);
        wbemev__wq_set_error(err, WBEMEV_E_OUT_OF_MEMORY, 0, "out of memory");
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    wbemev__ref_init(&q->refs, 1);
    q->where = WQ_NONE;
    q->having = WQ_NONE;
    q->within = WQ_NONE;
    q->group_within = WQ_NONE;

    wq_parser p;
    memset(&p, 0, sizeof p);
    p.text = text;
    p.toks = toks;
    p.ntok = ntok;
    p.q = q;
    p.err = err;
    st = wq_parse_query(&p);
    wbemev__free(toks);
    if (WBEMEV_SUCCEEDED(st)) {
        q->text = wbemev__strndup(text, len);
        if (q->text == NULL)
            st = wq_oom(&p);
    }
    if (WBEMEV_FAILED(st)) {
        wbemev__wq_free(q);
        return st;
    }
    wq_shrink((void **)&q->nodes, q->node_count, sizeof *q->nodes);
    wq_shrink((void **)&q->props, q->prop_count, sizeof *q->props);
    wq_shrink((void **)&q->segs, q->seg_count, sizeof *q->segs);
    wq_shrink((void **)&q->consts, q->const_count, sizeof *q->consts);
    wq_shrink((void **)&q->select, q->select_count, sizeof *q->select);
    wq_shrink((void **)&q->group_by, q->group_by_count, sizeof *q->group_by);
    wq_shrink((void **)&q->pool, q->pool_len, 1);
    *out = q;
    return WBEMEV_S_NO_ERROR;
}
