/*
 * lib/query/query.c: the query object: parse entry point, reference counting, accessors.
 */
#include "query/query-int.h"

void wbemev__wq_free(wbemev_query_t *q)
{
    if (q == NULL)
        return;
    wbemev__free(q->text);
    wbemev__free(q->pool);
    wbemev__free(q->nodes);
    wbemev__free(q->props);
    wbemev__free(q->segs);
    wbemev__free(q->consts);
    wbemev__free(q->select);
    wbemev__free(q->group_by);
    if (q->cls != NULL)
        wbemev_class_release(q->cls);
    wbemev__free(q);
}

wbemev_status wbemev_query_parse(const char *text, wbemev_query_t **out, wbemev_query_error *err)
{
    if (text == NULL || out == NULL) {
        wbemev__wq_set_error(err, WBEMEV_E_INVALID_PARAMETER, 0, "the query text and out must not be NULL");
        return WBEMEV_E_INVALID_PARAMETER;
    }
    wbemev_query_t *q;
    wbemev_status st = wbemev__wq_parse(text, &q, err);
    if (WBEMEV_FAILED(st))
        return st;
    wbemev__wq_clear_error(err);
    *out = q;
    return WBEMEV_S_NO_ERROR;
}

wbemev_query_t *wbemev_query_add_ref(wbemev_query_t *q)
{
    if (q != NULL)
        wbemev__ref_inc(&q->refs);
    return q;
}

void wbemev_query_release(wbemev_query_t *q)
{
    if (q != NULL && wbemev__ref_dec(&q->refs))
        wbemev__wq_free(q);
}

const char *wbemev_query_class_name(const wbemev_query_t *q)
{
    return q != NULL ? wq_str(q, q->class_name) : NULL;
}

wbemev_class_t *wbemev_query_class(const wbemev_query_t *q)
{
    return q != NULL ? q->cls : NULL;
}

const char *wbemev_query_text(const wbemev_query_t *q)
{
    return q != NULL ? q->text : NULL;
}

bool wbemev_query_has_where(const wbemev_query_t *q)
{
    return q != NULL && q->where != WQ_NONE;
}

bool wbemev_query_selects_all(const wbemev_query_t *q)
{
    return q != NULL && q->select_all;
}

size_t wbemev_query_select_count(const wbemev_query_t *q)
{
    if (q == NULL)
        return 0;
    return q->select_all ? 1 : q->select_count;
}

const char *wbemev_query_select_name(const wbemev_query_t *q, size_t index)
{
    if (q == NULL)
        return NULL;
    if (q->select_all)
        return index == 0 ? "*" : NULL;
    if (index >= q->select_count)
        return NULL;
    return wq_str(q, q->props[q->select[index]].path);
}

bool wbemev_query_selects(const wbemev_query_t *q, const char *name)
{
    if (q == NULL || name == NULL)
        return false;
    if (q->select_all)
        return true;
    /* System properties come with every event, whatever the select list says. */
    if (name[0] == '_' && name[1] == '_')
        return true;
    for (size_t i = 0; i < q->select_count; i++) {
        const wq_prop *pr = &q->props[q->select[i]];
        /* "TargetInstance.Name" selects the whole embedded TargetInstance, as WMI does. */
        if (wbemev__strcaseeq(name, wq_str(q, pr->path)) ||
            wbemev__strcaseeq(name, wq_str(q, q->segs[pr->seg_first].name)))
            return true;
    }
    return false;
}

static double wq_const_number(const wbemev_query_t *q, uint32_t c)
{
    const wq_const *k = &q->consts[c];
    return k->kind == WQ_C_REAL ? k->r : (double)k->u;
}

bool wbemev_query_has_within(const wbemev_query_t *q)
{
    return q != NULL && q->has_within;
}

double wbemev_query_within(const wbemev_query_t *q)
{
    return (q != NULL && q->has_within) ? wq_const_number(q, q->within) : 0.0;
}

bool wbemev_query_has_group(const wbemev_query_t *q)
{
    return q != NULL && q->has_group;
}

double wbemev_query_group_within(const wbemev_query_t *q)
{
    return (q != NULL && q->has_group) ? wq_const_number(q, q->group_within) : 0.0;
}

size_t wbemev_query_group_by_count(const wbemev_query_t *q)
{
    return q != NULL ? q->group_by_count : 0;
}

const char *wbemev_query_group_by_name(const wbemev_query_t *q, size_t index)
{
    if (q == NULL || index >= q->group_by_count)
        return NULL;
    return wq_str(q, q->props[q->group_by[index]].path);
}

const char *wbemev_query_group_by(const wbemev_query_t *q)
{
    return wbemev_query_group_by_name(q, 0);
}

bool wbemev_query_has_having(const wbemev_query_t *q)
{
    return q != NULL && q->having != WQ_NONE;
}

bool wbemev_query_having_matches(const wbemev_query_t *q, uint32_t number_of_events)
{
    if (q == NULL)
        return false;
    if (q->having == WQ_NONE)
        return true;
    wbemev_value v;
    memset(&v, 0, sizeof v);
    v.type = WBEMEV_CIM_UINT32;
    v.u.uint = number_of_events;
    wq_ctx cx = {q, NULL, false, &v};
    return wbemev__wq_eval(&cx, q->having);
}
