/*
 * lib/dispatch/dispatcher.c: the dispatcher's public API (wbemev/dispatcher.h): create, shut down
 * and destroy; register and unregister providers; subscribe and unsubscribe consumers, in WMI's
 * call order (AccessCheck, then NewQuery, then ProvideEvents for the first interested
 * subscription); the counters and the contract report. The work is done by the files dispatch.h
 * lists; this file checks arguments and sequences the steps.
 */
#include "dispatch/dispatch.h"
#include "wbemev/testkit.h" /* wbemev_testkit_inject_indicate_status, the test kit's hook */

#define DEFAULT_NAMESPACE "root\\default"

/* ------------------------------------------------------------------------------------------------
 * Lifecycle
 */
void wbemev_dispatcher_options_init(wbemev_dispatcher_options *opts)
{
    if (opts == NULL)
        return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->namespace_name = DEFAULT_NAMESPACE;
    opts->contract = WBEMEV_CONTRACT_RECORD;
    opts->provider_call_limit_ms = 2000;
    opts->consumer_call_limit_ms = 100;
    opts->workers = 1;
    opts->refire_limit = 64;
    opts->queue_total_bytes = 10u * 1024u * 1024u;
    opts->shutdown_drain_ms = 2000;
}

void wbemev_subscribe_options_init(wbemev_subscribe_options *opts)
{
    if (opts == NULL)
        return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->backpressure = WBEMEV_BACKPRESSURE_BLOCK;
    opts->max_wait_ms = 2000;
}

/* No class changes while servicing a call, or from a consumer. The namespace asks before each. */
static wbemev_status on_class_change(void *ctx, const char *class_name, const char *what)
{
    wbemev_dispatcher_t *d = ctx;
    return wbemev__checker_class_change(&d->checker, class_name,
                                        strcmp(what, "define") == 0 ? "define class" : "delete class");
}

/* Options checked and completed: fields past struct_size keep their defaults (an older caller's
 * smaller struct), and WBEMEV_CONTRACT in the environment overrides the policy. */
static wbemev_status read_options(const wbemev_dispatcher_options *opts, wbemev_dispatcher_options *o)
{
    wbemev_dispatcher_options_init(o);
    if (opts == NULL)
        opts = o;
    if (opts->struct_size < sizeof(size_t) || opts->struct_size > sizeof *opts)
        return WBEMEV_E_INVALID_PARAMETER;
    memmove(o, opts, opts->struct_size);
    if (o->namespace_name == NULL)
        o->namespace_name = DEFAULT_NAMESPACE;
    if ((unsigned)o->contract > WBEMEV_CONTRACT_ABORT)
        return WBEMEV_E_INVALID_PARAMETER;
    const char *env = wbemev__getenv("WBEMEV_CONTRACT");
    if (env != NULL && env[0] != '\0' && WBEMEV_FAILED(wbemev_contract_policy_from_name(env, &o->contract)))
        return WBEMEV_E_INVALID_PARAMETER; /* a typo in CI must not silently weaken the checks */
    return WBEMEV_S_NO_ERROR;
}

static void apply_options(wbemev_dispatcher_t *d, const wbemev_dispatcher_options *o)
{
    struct wbemev__checker_options co = {
        .policy = o->contract,
        .provider_limit_ns = (uint64_t)o->provider_call_limit_ms * 1000000u,
        .consumer_limit_ns = (uint64_t)o->consumer_call_limit_ms * 1000000u,
        .clock = o->clock,
        .clock_ctx = o->clock_ctx,
    };
    wbemev__checker_init(&d->checker, &co);
    d->clock = o->clock;
    d->clock_ctx = o->clock_ctx;
    d->model_throttling = o->model_throttling;
    d->refire_limit = o->refire_limit ? o->refire_limit : 64;
    d->sd_check = o->sd_check;
    d->sd_check_ctx = o->sd_check_ctx;
    d->queue_total_bytes = o->queue_total_bytes;
    d->shutdown_drain_ns = (uint64_t)o->shutdown_drain_ms * 1000000u;
    d->keep_final_stats = o->keep_final_stats;
    d->next_id = 1;
    atomic_init(&d->queued_bytes, 0);
    atomic_init(&d->shutting_down, false);
    wbemev__mutex_init(&d->lock);
    wbemev__mutex_init(&d->wait_lock);
    wbemev__cond_init(&d->wait_cv);
    wbemev__mutex_init(&d->finals_lock);
    wbemev__space_init(&d->space);
    wbemev__index_init(&d->index);
}

/* Frees what apply_options and dispatcher_new made (each part may be missing). */
static void dispatcher_free(wbemev_dispatcher_t *d)
{
    wbemev__regs_free_retired(d);
    wbemev__mutex_lock(&d->lock);
    wbemev__index_publish(&d->index, NULL);
    wbemev__mutex_unlock(&d->lock);
    wbemev__index_fini(&d->index);
    wbemev__timers_free(d);
    wbemev__pool_free(d);
    if (d->ns != NULL) {
        wbemev__namespace_set_change_hook(d->ns, NULL, NULL);
        wbemev_namespace_release(d->ns);
    }
    wbemev__free(d->finals);
    wbemev__checker_fini(&d->checker);
    wbemev__space_fini(&d->space);
    wbemev__mutex_destroy(&d->finals_lock);
    wbemev__cond_destroy(&d->wait_cv);
    wbemev__mutex_destroy(&d->wait_lock);
    wbemev__mutex_destroy(&d->lock);
    wbemev__free(d);
}

wbemev_status wbemev_dispatcher_new(const wbemev_dispatcher_options *opts, wbemev_dispatcher_t **out)
{
    wbemev_dispatcher_options o;
    if (out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status st = read_options(opts, &o);
    if (WBEMEV_FAILED(st))
        return st;
    wbemev_dispatcher_t *d = wbemev__calloc(1, sizeof *d);
    if (d == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    apply_options(d, &o);
    struct wbemev__snapshot *s = NULL;
    st = wbemev__pool_new(d, o.workers);
    if (WBEMEV_SUCCEEDED(st))
        st = wbemev__timers_new(d, o.manual_timers);
    if (WBEMEV_SUCCEEDED(st))
        st = wbemev_namespace_new(o.namespace_name, &d->ns);
    if (WBEMEV_SUCCEEDED(st))
        st = wbemev__snapshot_build(d, &s);
    if (WBEMEV_FAILED(st)) {
        dispatcher_free(d);
        return st;
    }
    wbemev__index_publish(&d->index, s);
    wbemev__namespace_set_change_hook(d->ns, on_class_change, d);
    *out = d;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_dispatcher_shutdown(wbemev_dispatcher_t *d)
{
    if (d == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    return wbemev__shutdown(d, (uint32_t)(d->shutdown_drain_ns / 1000000u));
}

wbemev_status wbemev_dispatcher_shutdown_deadline(wbemev_dispatcher_t *d, uint32_t deadline_ms)
{
    if (d == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    return wbemev__shutdown(d, deadline_ms); /* shutdown.c */
}

void wbemev_dispatcher_destroy(wbemev_dispatcher_t *d)
{
    if (d == NULL)
        return;
    wbemev_dispatcher_shutdown(d);
    wbemev__shutdown_join(d); /* a call that overran the deadline: waited for, nothing freed under it */
    dispatcher_free(d);       /* a subscription ended during shutdown may have republished an index */
}

/* Declared in wbemev/testkit.h only: a test hook, exported from the core since it needs the
 * registration. */
wbemev_status wbemev_testkit_inject_indicate_status(wbemev_dispatcher_t *d, const char *name,
                                                    wbemev_status status, uint32_t count)
{
    if (d == NULL || name == NULL || (count > 0 && WBEMEV_SUCCEEDED(status)))
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev__mutex_lock(&d->lock);
    struct wbemev__reg *reg = wbemev__reg_find(d, name);
    if (reg != NULL) {
        atomic_store(&reg->inject_status, status);
        atomic_store(&reg->inject_count, count);
    }
    wbemev__mutex_unlock(&d->lock);
    return reg != NULL ? WBEMEV_S_NO_ERROR : WBEMEV_E_NOT_FOUND;
}

wbemev_namespace_t *wbemev_dispatcher_namespace(wbemev_dispatcher_t *d)
{
    return d != NULL ? d->ns : NULL;
}

wbemev_status wbemev_dispatcher_register(wbemev_dispatcher_t *d, const char *name,
                                         wbemev_provider_t *provider,
                                         const char *const *event_queries, size_t count)
{
    if (d == NULL || name == NULL || name[0] == '\0' || !wbemev_provider_is_valid(provider) ||
        event_queries == NULL || count == 0)
        return WBEMEV_E_INVALID_PARAMETER;
    if (atomic_load(&d->shutting_down))
        return WBEMEV_E_SHUTTING_DOWN;
    wbemev_status st = wbemev__checker_host_call(&d->checker, "register");
    if (WBEMEV_FAILED(st))
        return st;
    struct wbemev__reg *reg;
    st = wbemev__reg_new(d, name, event_queries, count, &reg);
    if (WBEMEV_SUCCEEDED(st))
        st = wbemev__reg_add(d, reg, provider); /* on failure reg is gone */
    if (WBEMEV_FAILED(st))
        return st;
    st = wbemev__reg_start(d, reg);
    wbemev__reg_release(reg);
    return st;
}

wbemev_status wbemev_dispatcher_unregister(wbemev_dispatcher_t *d, const char *name)
{
    if (d == NULL || name == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status chk = wbemev__checker_host_call(&d->checker, "unregister");
    if (WBEMEV_FAILED(chk))
        return chk;
    wbemev__mutex_lock(&d->lock);
    struct wbemev__reg *reg = wbemev__reg_find(d, name);
    if (reg != NULL)
        wbemev__reg_unlink(d, reg);
    wbemev__mutex_unlock(&d->lock);
    if (reg == NULL)
        return WBEMEV_E_NOT_FOUND;
    wbemev__reg_stop(reg);
    wbemev__reg_release(reg);
    return WBEMEV_S_NO_ERROR;
}

/* Subscribe's arguments checked, the options completed (fields past struct_size keep their
 * defaults: an older caller's smaller struct). */
static wbemev_status read_subscribe_options(const wbemev_subscribe_options *opts, wbemev_subscribe_options *so)
{
    wbemev_subscribe_options_init(so);
    if (opts == NULL)
        return WBEMEV_S_NO_ERROR;
    if (opts->struct_size < sizeof(size_t) || opts->struct_size > sizeof *opts ||
        (opts->sid == NULL && opts->sid_length != 0) || (opts->sid != NULL && opts->sid_length == 0))
        return WBEMEV_E_INVALID_PARAMETER;
    memcpy(so, opts, opts->struct_size);
    if ((unsigned)so->delivery > WBEMEV_DELIVERY_QUEUED || (unsigned)so->backpressure > WBEMEV_BACKPRESSURE_DROP_NEWEST)
        return WBEMEV_E_INVALID_PARAMETER;
    return WBEMEV_S_NO_ERROR;
}

/* AccessCheck to each covering provider, before the subscription exists: a denial ends here, with
 * no NewQuery; then NewQuery to each (advisory, but a failure fails the subscribe). */
static wbemev_status ask_providers(struct wbemev__sub *sub, struct wbemev__reg **regs, size_t nregs)
{
    for (size_t i = 0; i < nregs; i++) {
        wbemev_status ac = wbemev__call_access_check(regs[i], sub);
        if (ac == WBEMEV_S_SUBJECT_TO_SDS)
            sub->check_sds = true;
        else if (WBEMEV_FAILED(ac))
            return ac;
    }
    for (size_t i = 0; i < nregs; i++) {
        wbemev_status nq = wbemev__call_new_query(regs[i], sub);
        if (WBEMEV_FAILED(nq))
            return nq;
    }
    return WBEMEV_S_NO_ERROR;
}

/* Lists sub with its consumer, its windows on the timer list. */
static wbemev_status publish(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_sink_t *consumer)
{
    wbemev_status st = sub->agg != NULL ? wbemev__agg_attach(sub->agg) : WBEMEV_S_NO_ERROR;
    if (WBEMEV_FAILED(st))
        return st;
    sub->consumer = wbemev_sink_add_ref(consumer);
    wbemev__mutex_lock(&d->lock);
    st = wbemev__sub_link(d, sub);
    wbemev__mutex_unlock(&d->lock);
    if (WBEMEV_FAILED(st)) {
        wbemev_sink_release(sub->consumer);
        sub->consumer = NULL;
    }
    return st;
}

wbemev_status wbemev_dispatcher_subscribe(wbemev_dispatcher_t *d, const char *query,
                                          wbemev_sink_t *consumer,
                                          const wbemev_subscribe_options *opts, uint32_t *id)
{
    wbemev_subscribe_options so;
    if (d == NULL || query == NULL || !wbemev_sink_is_valid(consumer) || id == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status st = read_subscribe_options(opts, &so);
    if (WBEMEV_FAILED(st))
        return st;
    if (atomic_load(&d->shutting_down))
        return WBEMEV_E_SHUTTING_DOWN;
    st = wbemev__checker_host_call(&d->checker, "subscribe");
    if (WBEMEV_FAILED(st))
        return st;
    struct wbemev__sub *sub;
    st = wbemev__sub_new(d, query, &so, &sub);
    if (WBEMEV_FAILED(st))
        return st;

    /* 1. Which providers cover it; reserve the id. */
    struct wbemev__reg **regs = NULL;
    size_t nregs = 0;
    wbemev__mutex_lock(&d->lock);
    st = wbemev__regs_covering(d, wbemev_query_class(sub->query), &regs, &nregs);
    if (WBEMEV_SUCCEEDED(st)) {
        sub->id = d->next_id++;
        if (d->next_id == 0)
            d->next_id = 1;
    }
    wbemev__mutex_unlock(&d->lock);
    /* 2. AccessCheck and NewQuery; 3. publish. Providers that became ready meanwhile missed step
     *    2: they catch up when they do. */
    if (WBEMEV_SUCCEEDED(st))
        st = ask_providers(sub, regs, nregs);
    /* Once published, sub may be ended and freed by another thread (an unsubscribe of its id, a
     * shutdown) at any moment: what this call still needs of it is read first. */
    uint32_t sub_id = sub->id;
    if (WBEMEV_SUCCEEDED(st))
        st = publish(d, sub, consumer);
    if (WBEMEV_FAILED(st)) {
        if (sub->agg != NULL)
            wbemev__agg_close(sub->agg);
        for (size_t i = 0; i < sub->nregs; i++)
            wbemev__call_cancel_query(sub->regs[i], sub->id);
        wbemev__regs_release(regs, nregs);
        wbemev__sub_release(sub);
        return st;
    }
    /* 4. ProvideEvents for providers not yet active (the first interested subscription). */
    for (size_t i = 0; i < nregs; i++)
        wbemev__call_provide_events(regs[i]);
    wbemev__regs_release(regs, nregs);
    *id = sub_id;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_dispatcher_unsubscribe(wbemev_dispatcher_t *d, uint32_t id)
{
    if (d == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status chk = wbemev__checker_host_call(&d->checker, "unsubscribe");
    if (WBEMEV_FAILED(chk))
        return chk;
    return wbemev__sub_end_id(d, id, WBEMEV_E_CALL_CANCELLED);
}

size_t wbemev_dispatcher_subscription_count(wbemev_dispatcher_t *d)
{
    if (d == NULL)
        return 0;
    wbemev__mutex_lock(&d->lock);
    size_t n = d->nsubs;
    wbemev__mutex_unlock(&d->lock);
    return n;
}

wbemev_status wbemev_dispatcher_subscription_stats(wbemev_dispatcher_t *d, uint32_t id,
                                                   wbemev_subscription_stats *out)
{
    if (d == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev__mutex_lock(&d->lock);
    struct wbemev__sub *sub = wbemev__sub_find(d, id);
    if (sub != NULL)
        wbemev__sub_read_stats(sub, out);
    wbemev__mutex_unlock(&d->lock);
    if (sub == NULL && d->keep_final_stats && wbemev__sub_final_stats(d, id, out))
        return WBEMEV_S_NO_ERROR;
    return sub != NULL ? WBEMEV_S_NO_ERROR : WBEMEV_E_NOT_FOUND;
}

wbemev_status wbemev_dispatcher_provider_stats(wbemev_dispatcher_t *d, const char *name,
                                               wbemev_provider_stats *out)
{
    if (d == NULL || name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev__mutex_lock(&d->lock);
    struct wbemev__reg *reg = wbemev__reg_find(d, name);
    if (reg != NULL) {
        out->indicated = atomic_load(&reg->indicated);
        out->accepted = atomic_load(&reg->accepted);
        out->refused = atomic_load(&reg->refused);
        out->provide_events_calls = atomic_load(&reg->provide_events_calls);
        out->ready = atomic_load(&reg->state) == REG_READY;
    }
    wbemev__mutex_unlock(&d->lock);
    return reg != NULL ? WBEMEV_S_NO_ERROR : WBEMEV_E_NOT_FOUND;
}

size_t wbemev_dispatcher_tick(wbemev_dispatcher_t *d)
{
    if (d == NULL || atomic_load(&d->shutting_down))
        return 0;
    return wbemev__timers_tick(d);
}

wbemev_status wbemev_dispatcher_wait_idle(wbemev_dispatcher_t *d, uint32_t timeout_ms)
{
    if (d == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status st = wbemev__checker_host_call(&d->checker, "wait_idle");
    if (WBEMEV_FAILED(st))
        return st;
    if (wbemev__on_worker_of(d))
        return WBEMEV_E_INVALID_OPERATION; /* a worker's consumer would wait for its own delivery */
    return wbemev__pool_wait_idle(d, (uint64_t)timeout_ms * 1000000u);
}

wbemev_contract_policy wbemev_dispatcher_contract_policy(wbemev_dispatcher_t *d)
{
    return d != NULL ? d->checker.policy : WBEMEV_CONTRACT_OFF;
}

size_t wbemev_dispatcher_violation_count(wbemev_dispatcher_t *d)
{
    return d != NULL ? wbemev__checker_count(&d->checker) : 0;
}

wbemev_status wbemev_dispatcher_violation_at(wbemev_dispatcher_t *d, size_t index, wbemev_violation *out)
{
    if (d == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    return wbemev__checker_get(&d->checker, index, out) ? WBEMEV_S_NO_ERROR : WBEMEV_E_INVALID_PARAMETER;
}

uint64_t wbemev_dispatcher_violations_of(wbemev_dispatcher_t *d, wbemev_violation_code code)
{
    return d != NULL ? wbemev__checker_count_of(&d->checker, code) : 0;
}

size_t wbemev_dispatcher_report(wbemev_dispatcher_t *d, FILE *f)
{
    if (d == NULL || f == NULL)
        return 0;
    return wbemev__checker_report(&d->checker, f);
}
