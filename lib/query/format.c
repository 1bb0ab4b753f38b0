/*
 * lib/query/format.c: the normalized text of a query.
 *
 * Keywords upper case, one space between tokens, names as written, strings in double quotes
 * (backslash escapes for \ and "), integers in decimal, reals in the shortest form that reads back
 * to the same double, != written <>, parentheses only where precedence needs them
 * (OR < AND < NOT < comparison), a trailing ';' dropped. parse(format(q)) formats identically.
 */
#include "query/query-int.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct wq_out {
    char *buf;
    size_t size;
    size_t len; /* what the whole text needs, like snprintf */
} wq_out;

static void wq_put(wq_out *o, const char *s, size_t n)
{
    if (o->len < o->size) {
        size_t room = o->size - 1 - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void wq_puts(wq_out *o, const char *s)
{
    wq_put(o, s, strlen(s));
}

static void wq_put_int(wq_out *o, int64_t v)
{
    char tmp[WBEMEV__INT_TEXT_MAX];
    wq_put(o, tmp, wbemev__format_i64(tmp, v));
}

static void wq_put_uint(wq_out *o, uint64_t v)
{
    char tmp[WBEMEV__INT_TEXT_MAX];
    wq_put(o, tmp, wbemev__format_u64(tmp, v));
}

/* %.*g (or %.*f when fixed) of d with '.' as the decimal point whatever the C locale says. */
static size_t wq_print_real(char *out, size_t size, bool fixed, int prec, double d)
{
    char tmp[400];
    char dp[16];
    size_t dpl = wbemev__wq_decimal_point(dp, sizeof dp);
    if (fixed)
        snprintf(tmp, sizeof tmp, "%.*f", prec, d);
    else
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
    size_t k = 0;
    for (size_t i = 0; tmp[i] != '\0' && k + 1 < size;) {
        if (dpl > 0 && strncmp(tmp + i, dp, dpl) == 0) {
            out[k++] = '.';
            i += dpl;
        } else {
            out[k++] = tmp[i++];
        }
    }
    out[k] = '\0';
    return k;
}

/* The fewest significant digits that read back as d; plain notation for exponents -5..16,
 * and a ".0" when the text would otherwise read as an integer. */
static void wq_put_real(wq_out *o, double d)
{
    char best[400], alt[400];
    size_t k = 0;
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        double back;
        k = wq_print_real(best, sizeof best, false, prec, d);
        if (wbemev__wq_parse_real(best, k, &back) && back == d)
            break;
    }
    if (prec > 17)
        prec = 17;
    const char *e = strchr(best, 'e');
    if (e != NULL) {
        long x = strtol(e + 1, NULL, 10);
        if (x >= -5 && x <= 16) {
            int decimals = prec - 1 - (int)x;
            size_t ka = wq_print_real(alt, sizeof alt, true, decimals > 0 ? decimals : 0, d);
            double back;
            if (wbemev__wq_parse_real(alt, ka, &back) && back == d) {
                memcpy(best, alt, ka + 1);
                k = ka;
            }
        }
    }
    if (strchr(best, '.') == NULL && strchr(best, 'e') == NULL && k + 2 < sizeof best) {
        best[k++] = '.';
        best[k++] = '0';
        best[k] = '\0';
    }
    wq_puts(o, best);
}

static void wq_put_const(wq_out *o, const wbemev_query_t *q, const wq_const *c)
{
    switch (c->kind) {
    case WQ_C_NULL: wq_puts(o, "NULL"); break;
    case WQ_C_BOOL: wq_puts(o, c->boolean ? "TRUE" : "FALSE"); break;
    case WQ_C_UINT: wq_put_uint(o, c->u); break;
    case WQ_C_INT: wq_put_int(o, c->i); break;
    case WQ_C_REAL: wq_put_real(o, c->r); break;
    default: {
        const char *s = wq_str(q, c->str);
        wq_puts(o, "\"");
        for (uint32_t i = 0; i < c->str_len; i++) {
            if (s[i] == '\\' || s[i] == '"')
                wq_puts(o, "\\");
            wq_put(o, s + i, 1);
        }
        wq_puts(o, "\"");
        break;
    }
    }
}

static const char *wq_op_text(wq_op op)
{
    switch (op) {
    case WQ_OP_EQ: return "=";
    case WQ_OP_NE: return "<>";
    case WQ_OP_LT: return "<";
    case WQ_OP_GT: return ">";
    case WQ_OP_LE: return "<=";
    case WQ_OP_GE: return ">=";
    default: return "LIKE";
    }
}

static int wq_prec(const wq_node *n)
{
    switch ((wq_node_kind)n->kind) {
    case WQ_N_OR: return 1;
    case WQ_N_AND: return 2;
    case WQ_N_NOT: return 3;
    default: return 4;
    }
}

/* The condition rooted at index (recursion as deep as the parser allows conditions to nest). */
static void wq_put_expr(wq_out *o, const wbemev_query_t *q, uint32_t index, int parent_prec)
{
    const wq_node *n = &q->nodes[index];
    int prec = wq_prec(n);
    bool paren = prec < parent_prec;
    if (paren)
        wq_puts(o, "(");
    switch ((wq_node_kind)n->kind) {
    case WQ_N_AND:
    case WQ_N_OR:
        for (uint32_t c = n->child; c != WQ_NONE; c = q->nodes[c].next) {
            if (c != n->child)
                wq_puts(o, n->kind == WQ_N_AND ? " AND " : " OR ");
            wq_put_expr(o, q, c, prec);
        }
        break;
    case WQ_N_NOT:
        wq_puts(o, "NOT ");
        wq_put_expr(o, q, n->child, prec);
        break;
    case WQ_N_ISNULL:
        wq_puts(o, wq_str(q, q->props[n->prop].path));
        wq_puts(o, " IS NULL");
        break;
    case WQ_N_ISNOTNULL:
        wq_puts(o, wq_str(q, q->props[n->prop].path));
        wq_puts(o, " IS NOT NULL");
        break;
    case WQ_N_ISA:
        wq_puts(o, wq_str(q, q->props[n->prop].path));
        wq_puts(o, " ISA ");
        wq_put_const(o, q, &q->consts[n->cst]);
        break;
    case WQ_N_CMP:
        if (n->const_left) {
            wq_put_const(o, q, &q->consts[n->cst]);
            wq_puts(o, " ");
            wq_puts(o, wq_op_text((wq_op)n->op));
            wq_puts(o, " ");
            wq_puts(o, wq_str(q, q->props[n->prop].path));
        } else {
            wq_puts(o, wq_str(q, q->props[n->prop].path));
            wq_puts(o, " ");
            wq_puts(o, wq_op_text((wq_op)n->op));
            wq_puts(o, " ");
            wq_put_const(o, q, &q->consts[n->cst]);
        }
        break;
    }
    if (paren)
        wq_puts(o, ")");
}

static void wq_put_list(wq_out *o, const wbemev_query_t *q, const uint32_t *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            wq_puts(o, ", ");
        wq_puts(o, wq_str(q, q->props[list[i]].path));
    }
}

size_t wbemev_query_format(const wbemev_query_t *q, char *buf, size_t size)
{
    wq_out o = {buf, buf != NULL ? size : 0, 0};
    if (q != NULL) {
        wq_puts(&o, "SELECT ");
        if (q->select_all)
            wq_puts(&o, "*");
        else
            wq_put_list(&o, q, q->select, q->select_count);
        wq_puts(&o, " FROM ");
        wq_puts(&o, wq_str(q, q->class_name));
        if (q->has_within) {
            wq_puts(&o, " WITHIN ");
            wq_put_const(&o, q, &q->consts[q->within]);
        }
        if (q->where != WQ_NONE) {
            wq_puts(&o, " WHERE ");
            wq_put_expr(&o, q, q->where, 0);
        }
        if (q->has_group) {
            wq_puts(&o, " GROUP WITHIN ");
            wq_put_const(&o, q, &q->consts[q->group_within]);
            if (q->group_by_count > 0) {
                wq_puts(&o, " BY ");
                wq_put_list(&o, q, q->group_by, q->group_by_count);
            }
            if (q->having != WQ_NONE) {
                wq_puts(&o, " HAVING ");
                wq_put_expr(&o, q, q->having, 0);
            }
        }
    }
    if (o.size > 0)
        o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
    return o.len;
}
