/*
 * lib/query/parse_condition.c: the conditions of WHERE and HAVING: AND and OR chains, NOT,
 * parentheses and the comparisons at the leaves (parser.h has the grammar). NOT and '(' nest at
 * most WQ_MAX_DEPTH deep, which bounds this recursion and the evaluator's.
 */
#include "query/parser.h"

#include <stdio.h>

/* ---- tokens ---- */

static bool wq_is_constant(wq_tok_kind k)
{
    return k == WQ_T_STRING || k == WQ_T_INT || k == WQ_T_REAL || k == WQ_T_TRUE ||
           k == WQ_T_FALSE || k == WQ_T_NULL;
}

static bool wq_is_cmp(wq_tok_kind k)
{
    return k >= WQ_T_EQ && k <= WQ_T_GE;
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

/* ---- comparisons (the leaves) ---- */

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

/* A leaf node: property `prop` tested by `kind` against constant `cst` (WQ_NONE for none), with
 * the operator as written (`op`) and as seen with the property on the left (`eval_op`). */
static wbemev_status wq_new_leaf(wq_parser *p, wq_node_kind kind, uint32_t column, uint32_t prop,
                                 uint32_t cst, wq_op op, wq_op eval_op, uint32_t *out)
{
    uint32_t node;
    wbemev_status st = wbemev__wq_new_node(p, kind, column, &node);
    if (WBEMEV_FAILED(st))
        return st;
    wq_node *n = &p->q->nodes[node];
    n->op = (uint8_t)op;
    n->eval_op = (uint8_t)eval_op;
    n->prop = prop;
    n->cst = cst;
    *out = node;
    return WBEMEV_S_NO_ERROR;
}

/* const cmpop path (5 < X): kept as written for the text, evaluated as X > 5. */
static wbemev_status wq_parse_const_first(wq_parser *p, uint32_t *out)
{
    const wq_token *ctok = wq_peek(p);
    uint32_t cst, prop;
    wbemev_status st = wbemev__wq_new_const(p, &cst);
    if (WBEMEV_FAILED(st))
        return st;
    const wq_token *o = wq_peek(p);
    if (o->kind == WQ_T_LIKE || o->kind == WQ_T_ISA || o->kind == WQ_T_IS) {
        wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_QUERY, o->column,
                             "%s needs the property on its left", wbemev__wq_tok_name(o->kind));
        return WBEMEV_E_INVALID_QUERY;
    }
    if (!wq_is_cmp(o->kind))
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, "a comparison operator after the constant");
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
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, "a property name after the operator");
    st = wbemev__wq_parse_path(p, &prop);
    if (WBEMEV_FAILED(st))
        return st;
    st = wq_new_leaf(p, WQ_N_CMP, ctok->column, prop, cst, op, wq_swap_op(op), out);
    if (WBEMEV_SUCCEEDED(st))
        p->q->nodes[*out].const_left = true;
    return st;
}

/* path IS [NOT] NULL; the current token is IS. */
static wbemev_status wq_parse_is(wq_parser *p, uint32_t prop, uint32_t *out)
{
    uint32_t column = wq_peek(p)->column;
    wq_advance(p);
    wq_node_kind kind = WQ_N_ISNULL;
    if (wq_kind(p) == WQ_T_NOT) {
        kind = WQ_N_ISNOTNULL;
        wq_advance(p);
    }
    if (wq_kind(p) != WQ_T_NULL)
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY,
                                   kind == WQ_N_ISNULL ? "NULL or NOT NULL after IS" : "NULL after IS NOT");
    wq_advance(p);
    return wq_new_leaf(p, kind, column, prop, WQ_NONE, WQ_OP_EQ, WQ_OP_EQ, out);
}

/* path ISA 'class' or path LIKE 'pattern': the current token is the operator, a quoted string
 * must follow (`what` names it in the error). */
static wbemev_status wq_parse_string_test(wq_parser *p, uint32_t prop, wq_node_kind kind, wq_op op,
                                          const char *what, uint32_t *out)
{
    uint32_t column = wq_peek(p)->column;
    wq_advance(p);
    if (wq_kind(p) != WQ_T_STRING)
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, what);
    uint32_t cst;
    wbemev_status st = wbemev__wq_new_const(p, &cst);
    if (WBEMEV_FAILED(st))
        return st;
    return wq_new_leaf(p, kind, column, prop, cst, op, op, out);
}

/* path cmpop const; the current token follows the path. */
static wbemev_status wq_parse_path_first(wq_parser *p, uint32_t prop, uint32_t *out)
{
    const wq_token *o = wq_peek(p);
    if (!wq_is_cmp(o->kind))
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, "a comparison operator, IS, ISA or LIKE");
    wq_op op = wq_tok_op(o->kind);
    wq_advance(p);
    const wq_token *c = wq_peek(p);
    if (c->kind == WQ_T_IDENT) {
        wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_QUERY, c->column,
                             "cannot compare two properties: the other side must be a constant");
        return WBEMEV_E_INVALID_QUERY;
    }
    if (!wq_is_constant(c->kind))
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, "a constant after the operator");
    wbemev_status st = wq_check_null_op(p, c, op);
    if (WBEMEV_FAILED(st))
        return st;
    uint32_t cst;
    st = wbemev__wq_new_const(p, &cst);
    if (WBEMEV_FAILED(st))
        return st;
    return wq_new_leaf(p, WQ_N_CMP, o->column, prop, cst, op, op, out);
}

static wbemev_status wq_parse_comparison(wq_parser *p, uint32_t *out)
{
    wq_tok_kind k = wq_kind(p);
    if (wq_is_constant(k))
        return wq_parse_const_first(p, out);
    if (k != WQ_T_IDENT)
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, "a condition");
    uint32_t prop;
    wbemev_status st = wbemev__wq_parse_path(p, &prop);
    if (WBEMEV_FAILED(st))
        return st;
    switch (wq_kind(p)) {
    case WQ_T_IS: return wq_parse_is(p, prop, out);
    case WQ_T_ISA:
        return wq_parse_string_test(p, prop, WQ_N_ISA, WQ_OP_EQ, "a quoted class name after ISA", out);
    case WQ_T_LIKE:
        return wq_parse_string_test(p, prop, WQ_N_CMP, WQ_OP_LIKE, "a quoted pattern after LIKE", out);
    default: return wq_parse_path_first(p, prop, out);
    }
}

/* ---- NOT, parentheses, AND and OR ---- */

static wbemev_status wq_parse_or(wq_parser *p, uint32_t *out);

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
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, what);
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
    st = wbemev__wq_new_node(p, WQ_N_NOT, column, &node);
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
    st = wbemev__wq_new_node(p, kind, wq_peek(p)->column, &node);
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

wbemev_status wbemev__wq_parse_condition(wq_parser *p, uint32_t *out)
{
    return wq_parse_or(p, out);
}
