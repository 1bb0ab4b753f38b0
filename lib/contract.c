/*
 * lib/contract.c: the contract checker's records and report. The checks themselves sit where the
 * rules apply (provider_sink.c, dispatcher.c, object Put); each calls wbemev__violation().
 */
#include "dispatcher-int.h"

#include <stdio.h>
#include <stdlib.h>

struct violation_info {
    const char *name, *rule, *message;
};

#define INFO(name, num, rule, fix) [num] = {#name, rule, fix},
static const struct violation_info infos[] = {WBEMEV_VIOLATION_MAP(INFO)};
#undef INFO
#define NINFOS (sizeof infos / sizeof infos[0])

const char *wbemev_violation_name(wbemev_violation_code code)
{
    if ((unsigned)code >= NINFOS)
        return NULL;
    return infos[code].name;
}

wbemev_status wbemev_contract_policy_from_name(const char *name, wbemev_contract_policy *out)
{
    static const char *const names[] = {"off", "record", "strict", "abort"};
    if (name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    for (int i = 0; i < 4; i++) {
        if (wbemev__strcaseeq(name, names[i])) {
            *out = (wbemev_contract_policy)i;
            return WBEMEV_S_NO_ERROR;
        }
    }
    return WBEMEV_E_INVALID_PARAMETER;
}

const char *wbemev__policy_name(wbemev_contract_policy p)
{
    static const char *const names[] = {"off", "record", "strict", "abort"};
    return (unsigned)p < 4 ? names[p] : "?";
}

/* ------------------------------------------------------------------------------------------------
 * Records
 */
wbemev_status wbemev__violation(wbemev_dispatcher_t *d, wbemev_violation_code code, const char *provider,
                                const char *call, const char *class_name)
{
    if (d->policy == WBEMEV_CONTRACT_OFF)
        return WBEMEV_S_NO_ERROR;
    if (provider == NULL)
        provider = "(dispatcher)";
    wbemev__mutex_lock(&d->check_lock);
    struct wbemev__violation_rec *rec = NULL;
    for (size_t i = 0; i < d->nviolations; i++) {
        if (d->violations[i].code == code && strcmp(d->violations[i].provider, provider) == 0) {
            rec = &d->violations[i];
            break;
        }
    }
    if (rec == NULL) {
        struct wbemev__violation_rec *v =
            wbemev__realloc(d->violations, (d->nviolations + 1) * sizeof *v);
        char *p = wbemev__strdup(provider);
        char *c = class_name ? wbemev__strdup(class_name) : NULL;
        if (v != NULL)
            d->violations = v;
        if (v == NULL || p == NULL || (class_name && c == NULL)) {
            /* Out of memory: the violation is counted in the total only. */
            wbemev__free(p);
            wbemev__free(c);
            d->violations_lost++;
            wbemev__mutex_unlock(&d->check_lock);
            return d->policy == WBEMEV_CONTRACT_STRICT ? WBEMEV_S_FALSE : WBEMEV_S_NO_ERROR;
        }
        rec = &d->violations[d->nviolations++];
        rec->code = code;
        rec->provider = p;
        rec->first_call = call;
        rec->first_class = c;
        rec->count = 0;
    }
    rec->count++;
    wbemev__mutex_unlock(&d->check_lock);

    if (d->policy == WBEMEV_CONTRACT_ABORT) {
        fprintf(stderr, "wbemev: contract violation under policy \"abort\":\n");
        wbemev_dispatcher_report(d, stderr);
        wbemev__abort();
    }
    /* S_FALSE tells the caller to reject the offending call (strict). */
    return d->policy == WBEMEV_CONTRACT_STRICT ? WBEMEV_S_FALSE : WBEMEV_S_NO_ERROR;
}

void wbemev__violations_free(wbemev_dispatcher_t *d)
{
    for (size_t i = 0; i < d->nviolations; i++) {
        wbemev__free(d->violations[i].provider);
        wbemev__free(d->violations[i].first_class);
    }
    wbemev__free(d->violations);
    d->violations = NULL;
    d->nviolations = 0;
}

static void fill(const struct wbemev__violation_rec *rec, wbemev_violation *out)
{
    out->code = rec->code;
    out->name = infos[rec->code].name;
    out->rule = infos[rec->code].rule;
    out->message = infos[rec->code].message;
    out->provider = rec->provider;
    out->first_call = rec->first_call;
    out->first_class = rec->first_class;
    out->count = rec->count;
    out->warning = rec->code == WBEMEV_VIOLATION_SLOW_CONSUMER;
}

wbemev_contract_policy wbemev_dispatcher_contract_policy(wbemev_dispatcher_t *d)
{
    return d != NULL ? d->policy : WBEMEV_CONTRACT_OFF;
}

size_t wbemev_dispatcher_violation_count(wbemev_dispatcher_t *d)
{
    if (d == NULL)
        return 0;
    wbemev__mutex_lock(&d->check_lock);
    size_t n = d->nviolations;
    wbemev__mutex_unlock(&d->check_lock);
    return n;
}

wbemev_status wbemev_dispatcher_violation_at(wbemev_dispatcher_t *d, size_t index, wbemev_violation *out)
{
    if (d == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev__mutex_lock(&d->check_lock);
    bool ok = index < d->nviolations;
    if (ok)
        fill(&d->violations[index], out);
    wbemev__mutex_unlock(&d->check_lock);
    return ok ? WBEMEV_S_NO_ERROR : WBEMEV_E_INVALID_PARAMETER;
}

uint64_t wbemev_dispatcher_violations_of(wbemev_dispatcher_t *d, wbemev_violation_code code)
{
    if (d == NULL)
        return 0;
    uint64_t n = 0;
    wbemev__mutex_lock(&d->check_lock);
    for (size_t i = 0; i < d->nviolations; i++)
        if (d->violations[i].code == code)
            n += d->violations[i].count;
    wbemev__mutex_unlock(&d->check_lock);
    return n;
}

size_t wbemev_dispatcher_report(wbemev_dispatcher_t *d, FILE *f)
{
    if (d == NULL || f == NULL)
        return 0;
    wbemev__mutex_lock(&d->check_lock);
    size_t n = d->nviolations;
    if (n == 0) {
        fprintf(f, "wbemev contract report (policy %s): no violations.\n", wbemev__policy_name(d->policy));
    } else {
        fprintf(f, "wbemev contract report (policy %s): %zu violation%s\n", wbemev__policy_name(d->policy),
                n, n == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++) {
            wbemev_violation v;
            fill(&d->violations[i], &v);
            fprintf(f, "  %s %s [%d] x%llu, provider \"%s\", first in %s%s%s\n", v.warning ? "warning" : "error",
                    v.name, (int)v.code, (unsigned long long)v.count, v.provider, v.first_call,
                    v.first_class ? " on class " : "", v.first_class ? v.first_class : "");
            fprintf(f, "    rule: %s\n    fix:  %s\n", v.rule, v.message);
        }
    }
    if (d->violations_lost)
        fprintf(f, "  (%llu more not recorded: out of memory)\n", (unsigned long long)d->violations_lost);
    wbemev__mutex_unlock(&d->check_lock);
    return n;
}
