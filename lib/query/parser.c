/*
 * lib/query/parser.c: the statement: the select list, FROM, WITHIN, WHERE, GROUP WITHIN ... BY ...
 * HAVING, and the entry point that lexes the text, parses it and gives back the arrays' slack.
 * The grammar is in parser.h.
 */
#include "query/parser.h"

#include <stdio.h>

/* ---- clauses ---- */

/* A WITHIN or GROUP WITHIN interval: a positive number of seconds. */
static wbemev_status wq_parse_interval(wq_parser *p, const char *after, uint32_t *out)
{
    const wq_token *t = wq_peek(p);
    if (t->kind != WQ_T_INT && t->kind != WQ_T_REAL) {
        char what[64];
        snprintf(what, sizeof what, "a number of seconds after %s", after);
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, what);
    }
    if ((t->kind == WQ_T_INT && (t->neg || t->mag == 0)) || (t->kind == WQ_T_REAL && !(t->real > 0))) {
        wbemev__wq_set_error(p->err, WBEMEV_E_INVALID_QUERY, t->column,
                             "the %s interval must be a positive number of seconds", after);
        return WBEMEV_E_INVALID_QUERY;
    }
    return wbemev__wq_new_const(p, out);
}

/* path {',' path} into one of the query's lists; `what` names the first path in an error. */
static wbemev_status wq_parse_path_list(wq_parser *p, uint32_t **list, size_t *count, size_t *cap,
                                        const char *what)
{
    for (;;) {
        if (wq_kind(p) != WQ_T_IDENT)
            return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, what);
        uint32_t prop;
        wbemev_status st = wbemev__wq_parse_path(p, &prop);
        if (WBEMEV_FAILED(st))
            return st;
        st = wbemev__wq_list_add(p, list, count, cap, prop);
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

/* SELECT ('*' | path {',' path}) FROM name */
static wbemev_status wq_parse_select_from(wq_parser *p)
{
    wbemev_query_t *q = p->q;
    wbemev_status st;
    if (wq_kind(p) == WQ_T_EOF) {
        wbemev__wq_set_error(p->err, WBEMEV_E_UNPARSABLE_QUERY, 0, "the query is empty");
        return WBEMEV_E_UNPARSABLE_QUERY;
    }
    if (wq_kind(p) != WQ_T_SELECT)
        return wbemev__wq_expected(p, WBEMEV_E_UNPARSABLE_QUERY, "SELECT (an event query starts with SELECT)");
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
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, "FROM after the select list");
    wq_advance(p);
    const wq_token *cls = wq_peek(p);
    if (cls->kind != WQ_T_IDENT)
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, "an event class name after FROM");
    st = wbemev__wq_pool_add(p, p->text + cls->off, cls->len, &q->class_name);
    if (WBEMEV_FAILED(st))
        return st;
    q->class_column = cls->column;
    wq_advance(p);
    return WBEMEV_S_NO_ERROR;
}

/* GROUP WITHIN number [BY path {',' path}] [HAVING or]; the current token is GROUP. *expect_end
 * receives what may follow, for the error at an unexpected token. */
static wbemev_status wq_parse_group(wq_parser *p, const char **expect_end)
{
    wbemev_query_t *q = p->q;
    wq_advance(p);
    if (wq_kind(p) == WQ_T_BY || wq_kind(p) == WQ_T_HAVING)
        return wq_missing_group(p);
    if (wq_kind(p) != WQ_T_WITHIN)
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, "WITHIN after GROUP");
    wq_advance(p);
    wbemev_status st = wq_parse_interval(p, "GROUP WITHIN", &q->group_within);
    if (WBEMEV_FAILED(st))
        return st;
    q->has_group = true;
    *expect_end = "BY, HAVING or the end of the query";
    if (wq_kind(p) == WQ_T_BY) {
        wq_advance(p);
        st = wq_parse_path_list(p, &q->group_by, &q->group_by_count, &p->cap_group,
                                "a property name after BY");
        if (WBEMEV_FAILED(st))
            return st;
        *expect_end = "',', HAVING or the end of the query";
    }
    if (wq_kind(p) == WQ_T_HAVING) {
        wq_advance(p);
        p->in_having = true;
        st = wbemev__wq_parse_condition(p, &q->having);
        p->in_having = false;
        if (WBEMEV_FAILED(st))
            return st;
        *expect_end = "AND, OR or the end of the query";
    }
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status wq_parse_query(wq_parser *p)
{
    wbemev_query_t *q = p->q;
    wbemev_status st = wq_parse_select_from(p);
    if (WBEMEV_FAILED(st))
        return st;
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
        st = wbemev__wq_parse_condition(p, &q->where);
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
        st = wq_parse_group(p, &expect_end);
        if (WBEMEV_FAILED(st))
            return st;
    } else if (wq_kind(p) == WQ_T_BY || wq_kind(p) == WQ_T_HAVING) {
        return wq_missing_group(p);
    }
    if (wq_kind(p) == WQ_T_SEMI) {
        q->has_semicolon = true;
        wq_advance(p);
        expect_end = "the end of the query after ';'";
    }
    if (wq_kind(p) != WQ_T_EOF)
        return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, expect_end);
    return WBEMEV_S_NO_ERROR;
}

/* ---- entry point ---- */

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
            st = wbemev__wq_oom(&p);
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
