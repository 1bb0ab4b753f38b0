/*
 * lib/query/parse_terms.c: the parser's building blocks: the growable query arrays, error text,
 * constants (with the other readings the evaluator may need, computed once) and property paths.
 */
#include "query/parser.h"

/* ---- growable arrays ---- */

bool wbemev__wq_reserve(void **arr, size_t *cap, size_t need, size_t elem)
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

wbemev_status wbemev__wq_oom(wq_parser *p)
{
    wbemev__wq_set_error(p->err, WBEMEV_E_OUT_OF_MEMORY, 0, "out of memory");
    return WBEMEV_E_OUT_OF_MEMORY;
}

wbemev_status wbemev__wq_pool_add(wq_parser *p, const char *s, size_t len, uint32_t *off)
{
    wbemev_query_t *q = p->q;
    if (!wbemev__wq_reserve((void **)&q->pool, &p->cap_pool, q->pool_len + len + 1, 1))
        return wbemev__wq_oom(p);
    memcpy(q->pool + q->pool_len, s, len);
    q->pool[q->pool_len + len] = '\0';
    *off = (uint32_t)q->pool_len;
    q->pool_len += len + 1;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__wq_new_node(wq_parser *p, wq_node_kind kind, uint32_t column, uint32_t *out)
{
    wbemev_query_t *q = p->q;
    if (!wbemev__wq_reserve((void **)&q->nodes, &p->cap_nodes, q->node_count + 1, sizeof *q->nodes))
        return wbemev__wq_oom(p);
    q->nodes[q->node_count] = (wq_node){.kind = (uint8_t)kind, .child = WQ_NONE, .next = WQ_NONE,
                                        .prop = WQ_NONE, .cst = WQ_NONE, .column = column};
    *out = (uint32_t)q->node_count++;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__wq_list_add(wq_parser *p, uint32_t **list, size_t *count, size_t *cap, uint32_t v)
{
    if (!wbemev__wq_reserve((void **)list, cap, *count + 1, sizeof **list))
        return wbemev__wq_oom(p);
    (*list)[(*count)++] = v;
    return WBEMEV_S_NO_ERROR;
}

/* ---- tokens ---- */

static bool wq_is_keyword(wq_tok_kind k)
{
    return k >= WQ_T_SELECT;
}

wbemev_status wbemev__wq_expected(wq_parser *p, wbemev_status status, const char *what)
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

/* ---- constants ---- */

wbemev_status wbemev__wq_new_const(wq_parser *p, uint32_t *out)
{
    wbemev_query_t *q = p->q;
    const wq_token *t = wq_peek(p);
    if (!wbemev__wq_reserve((void **)&q->consts, &p->cap_consts, q->const_count + 1, sizeof *q->consts))
        return wbemev__wq_oom(p);
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
        if (!wbemev__wq_reserve((void **)&q->pool, &p->cap_pool, q->pool_len + t->len + 1, 1))
            return wbemev__wq_oom(p);
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

wbemev_status wbemev__wq_parse_path(wq_parser *p, uint32_t *out)
{
    wbemev_query_t *q = p->q;
    wbemev_status st;
    if (!wbemev__wq_reserve((void **)&q->props, &p->cap_props, q->prop_count + 1, sizeof *q->props))
        return wbemev__wq_oom(p);
    uint32_t first_seg = (uint32_t)q->seg_count;
    uint32_t column = wq_peek(p)->column;
    size_t start_tok = p->pos;
    size_t path_len = 0;
    for (;;) {
        const wq_token *t = wq_peek(p);
        if (t->kind != WQ_T_IDENT)
            return wbemev__wq_expected(p, WBEMEV_E_INVALID_QUERY, "a property name after '.'");
        if (!wbemev__wq_reserve((void **)&q->segs, &p->cap_segs, q->seg_count + 1, sizeof *q->segs))
            return wbemev__wq_oom(p);
        uint32_t off;
        st = wbemev__wq_pool_add(p, p->text + t->off, t->len, &off);
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
    if (!wbemev__wq_reserve((void **)&q->pool, &p->cap_pool, q->pool_len + path_len, 1))
        return wbemev__wq_oom(p);
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

    /* compile.c fills in the handle and the static type */
    q->props[q->prop_count] = (wq_prop){.seg_first = first_seg, .seg_count = nseg, .path = path,
                                        .column = column, .type = WBEMEV_CIM_ILLEGAL};
    *out = (uint32_t)q->prop_count++;
    return WBEMEV_S_NO_ERROR;
}
