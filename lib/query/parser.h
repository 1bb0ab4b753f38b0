/*
 * lib/query/parser.h: the WQL parser's state and what its three files share. Private to them:
 *   parse_terms.c      growable arrays, token tests, error text, constants, property paths
 *   parse_condition.c  the conditions of WHERE and HAVING
 *   parser.c           the statement (SELECT ... FROM ... clauses) and the entry point
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
 * Recursive descent over the token array, building the flat query arrays. Errors: a text that
 * does not start with SELECT (or a lexical error) is unparsable; anything else wrong after SELECT
 * is WBEMEV_E_INVALID_QUERY with the column of the offending token.
 */
#ifndef WBEMEV_QUERY_PARSER_H
#define WBEMEV_QUERY_PARSER_H

#include "query/query-int.h"

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

/* ---- tokens ---- */

static inline const wq_token *wq_peek(const wq_parser *p)
{
    return &p->toks[p->pos];
}

static inline wq_tok_kind wq_kind(const wq_parser *p)
{
    return p->toks[p->pos].kind;
}

/* Moves to the next token; the EOF token stays current. */
static inline void wq_advance(wq_parser *p)
{
    if (p->toks[p->pos].kind != WQ_T_EOF)
        p->pos++;
}

/* ---- parse_terms.c ---- */

/* Grows *arr (of *cap elements of `elem` bytes) to hold `need`; false when out of memory. */
bool wbemev__wq_reserve(void **arr, size_t *cap, size_t need, size_t elem);
/* Reports out of memory in p->err; returns WBEMEV_E_OUT_OF_MEMORY. */
wbemev_status wbemev__wq_oom(wq_parser *p);
/* Appends len bytes and a NUL to the pool; *off receives their offset. */
wbemev_status wbemev__wq_pool_add(wq_parser *p, const char *s, size_t len, uint32_t *off);
/* A new node of `kind` with no operands; *out receives its index. */
wbemev_status wbemev__wq_new_node(wq_parser *p, wq_node_kind kind, uint32_t column, uint32_t *out);
/* Appends a property index to one of the query's lists. */
wbemev_status wbemev__wq_list_add(wq_parser *p, uint32_t **list, size_t *count, size_t *cap, uint32_t v);
/* Reports "expected <what>, found <token>" at the current token; returns status. */
wbemev_status wbemev__wq_expected(wq_parser *p, wbemev_status status, const char *what);
/* Makes a constant from the current token (a constant token) and advances. */
wbemev_status wbemev__wq_new_const(wq_parser *p, uint32_t *out);
/* path := name {'.' name}; the current token is a name. */
wbemev_status wbemev__wq_parse_path(wq_parser *p, uint32_t *out);

/* ---- parse_condition.c ---- */

/* or := and {OR and}: a whole WHERE or HAVING condition; *out receives its root node. */
wbemev_status wbemev__wq_parse_condition(wq_parser *p, uint32_t *out);

#endif /* WBEMEV_QUERY_PARSER_H */
