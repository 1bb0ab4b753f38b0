/*
 * lib/dispatch/provider_calls.c: the host's calls into a provider. Each one enters the
 * registration (a stopped provider is never called) and is bracketed for the contract checker,
 * which times it and knows, while it runs, which call this thread is servicing (guidelines 1 and
 * 2 are about what a provider does from inside these calls).
 *
 * NewQuery and CancelQuery also count as requests waiting to get into the provider, which the
 * throttling model (ingress.c, guideline 3) answers with SERVER_TOO_BUSY meanwhile.
 */
#include "dispatch/dispatch.h"

/* The registration whose NewQuery or CancelQuery this thread is inside, if any. */
static WBEMEV__THREAD_LOCAL const struct wbemev__reg *tls_servicing;

bool wbemev__servicing_request(const struct wbemev__reg *reg)
{
    return tls_servicing == reg;
}

static const char *const call_names[REG_CALL_KINDS] = {
    [REG_CALL_INITIALIZE] = "Initialize",
    [REG_CALL_PROVIDE_EVENTS] = "ProvideEvents",
    [REG_CALL_NEW_QUERY] = "NewQuery",
    [REG_CALL_CANCEL_QUERY] = "CancelQuery",
    [REG_CALL_ACCESS_CHECK] = "AccessCheck",
};

const char *wbemev__reg_call_in_progress(struct wbemev__reg *reg)
{
    for (int k = 0; k < REG_CALL_KINDS; k++)
        if (atomic_load(&reg->calls_in_progress[k]) > 0)
            return call_names[k];
    return NULL;
}

/* Enters reg and marks this thread as servicing the call; false when reg is stopped. */
static bool call_begin(struct wbemev__reg *reg, enum reg_call call, struct wbemev__provider_call *pc)
{
    if (!wbemev__reg_enter(reg))
        return false;
    atomic_fetch_add(&reg->calls_in_progress[call], 1);
    wbemev__checker_provider_call_begin(&reg->d->checker, pc, reg->name, call_names[call]);
    return true;
}

static void call_end(struct wbemev__reg *reg, enum reg_call call, struct wbemev__provider_call *pc)
{
    wbemev__checker_provider_call_end(&reg->d->checker, pc);
    atomic_fetch_sub(&reg->calls_in_progress[call], 1);
    wbemev__reg_leave(reg);
}

wbemev_status wbemev__call_initialize(struct wbemev__reg *reg, wbemev_sink_t *init_sink)
{
    wbemev_dispatcher_t *d = reg->d;
    wbemev_provider_init init = {
        .user = NULL,
        .namespace_name = wbemev_namespace_name(d->ns),
        .locale = NULL,
        .ns = d->ns,
        .provider_name = reg->name,
    };
    struct wbemev__provider_call pc;
    if (!call_begin(reg, REG_CALL_INITIALIZE, &pc))
        return WBEMEV_E_CALL_CANCELLED;
    wbemev_status st = reg->provider->vtbl->initialize(reg->provider, &init, init_sink);
    call_end(reg, REG_CALL_INITIALIZE, &pc);
    return st;
}

void wbemev__call_provide_events(struct wbemev__reg *reg)
{
    if (atomic_load(&reg->state) != REG_READY || atomic_exchange(&reg->provided, true))
        return;
    struct wbemev__provider_call pc;
    if (!call_begin(reg, REG_CALL_PROVIDE_EVENTS, &pc))
        return;
    atomic_fetch_add(&reg->provide_events_calls, 1);
    wbemev_status st = reg->provider->vtbl->provide_events(reg->provider, &reg->psink->base, 0);
    call_end(reg, REG_CALL_PROVIDE_EVENTS, &pc);
    if (WBEMEV_FAILED(st))
        atomic_store(&reg->provided, false); /* retried at the next subscription */
    else if (wbemev__checker_on(&reg->d->checker) && wbemev__psink_provider_refs(reg->psink) == 0)
        wbemev__checker_violation(&reg->d->checker, WBEMEV_VIOLATION_SINK_NOT_KEPT, reg->name, "ProvideEvents",
                                  NULL);
}

wbemev_status wbemev__call_new_query(struct wbemev__reg *reg, struct wbemev__sub *sub)
{
    if (!wbemev__reg_enter(reg))
        return WBEMEV_S_FALSE;
    /* sub->regs under d->lock: a catch-up on another thread may add to it, and an end reads it
     * once it has taken d->lock to unlink the subscription. An ending subscription gets no more. */
    wbemev_dispatcher_t *d = reg->d;
    wbemev__mutex_lock(&d->lock);
    wbemev_status st = atomic_load(&sub->state) == SUB_ACTIVE ? wbemev__sub_add_reg(sub, reg) : WBEMEV_S_FALSE;
    wbemev__mutex_unlock(&d->lock);
    if (st == WBEMEV_S_NO_ERROR && reg->provider->vtbl->new_query != NULL) {
        struct wbemev__provider_call pc;
        const struct wbemev__reg *outer = tls_servicing;
        atomic_fetch_add(&reg->requests_waiting, 1);
        atomic_fetch_add(&reg->calls_in_progress[REG_CALL_NEW_QUERY], 1);
        wbemev__checker_provider_call_begin(&d->checker, &pc, reg->name, "NewQuery");
        tls_servicing = reg;
        st = reg->provider->vtbl->new_query(reg->provider, sub->id, "WQL", wbemev_query_text(sub->query));
        tls_servicing = outer;
        atomic_fetch_sub(&reg->requests_waiting, 1);
        wbemev__checker_provider_call_end(&d->checker, &pc);
        atomic_fetch_sub(&reg->calls_in_progress[REG_CALL_NEW_QUERY], 1);
    }
    wbemev__reg_leave(reg);
    return st;
}

void wbemev__call_cancel_query(struct wbemev__reg *reg, uint32_t id)
{
    struct wbemev__provider_call pc;
    if (!call_begin(reg, REG_CALL_CANCEL_QUERY, &pc))
        return;
    if (reg->provider->vtbl->cancel_query != NULL) {
        const struct wbemev__reg *outer = tls_servicing;
        atomic_fetch_add(&reg->requests_waiting, 1); /* throttling model: Indicate is busy meanwhile */
        tls_servicing = reg;
        reg->provider->vtbl->cancel_query(reg->provider, id);
        tls_servicing = outer;
        atomic_fetch_sub(&reg->requests_waiting, 1); /* first: the provider may refire now */
    }
    call_end(reg, REG_CALL_CANCEL_QUERY, &pc);
}

wbemev_status wbemev__call_access_check(struct wbemev__reg *reg, struct wbemev__sub *sub)
{
    struct wbemev__provider_call pc;
    if (!call_begin(reg, REG_CALL_ACCESS_CHECK, &pc))
        return WBEMEV_S_NO_ERROR;
    wbemev_status st = WBEMEV_S_NO_ERROR;
    if (reg->provider->vtbl->access_check != NULL)
        st = reg->provider->vtbl->access_check(reg->provider, "WQL", wbemev_query_text(sub->query), sub->sid,
                                               sub->sid_length);
    call_end(reg, REG_CALL_ACCESS_CHECK, &pc);
    return st;
}

void wbemev__call_release(struct wbemev__reg *reg, wbemev_provider_t *provider)
{
    /* Marked, not entered (the registration is stopped) and not timed (WMI does not time a
     * release; joining a worker may take a while): what the provider does from inside it is
     * still done from inside a call. */
    struct wbemev__provider_call pc;
    wbemev__checker_provider_call_begin(&reg->d->checker, &pc, reg->name, "Release");
    pc.timed = false;
    wbemev_provider_release(provider);
    wbemev__checker_provider_call_end(&reg->d->checker, &pc);
}
