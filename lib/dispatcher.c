/*
 * lib/dispatcher.c: the dispatcher's control plane: create/destroy, provider registrations,
 * subscriptions, and the WMI call order into providers (CONTRACT.md section 2).
 * The Indicate hot path is in provider_sink.c; the subscription index in snapshot.c.
 */
#include "dispatcher-int.h"

#define DEFAULT_NAMESPACE "root\\default"

/* ------------------------------------------------------------------------------------------------
 * Thread-local bookkeeping: which registrations this thread is inside (so a thread never waits for
 * itself), and the subscription ends it deferred while delivering.
 */
#define MAX_ENTERED 16
static WBEMEV__THREAD_LOCAL struct wbemev__reg *tls_entered[MAX_ENTERED];
static WBEMEV__THREAD_LOCAL unsigned tls_nentered;
static WBEMEV__THREAD_LOCAL struct wbemev__sub *tls_deferred;
/* Its address tells the threads apart (which one is ending a subscription). */
static WBEMEV__THREAD_LOCAL char tls_thread_token;

/* The call into a provider this thread is servicing (guidelines 1 and 2 are about these). */
static WBEMEV__THREAD_LOCAL struct wbemev__reg *tls_call_reg;
static WBEMEV__THREAD_LOCAL const char *tls_call_name;

/* Brackets a call into a provider: sets the thread's call context and times it. */
struct pcall {
    struct wbemev__reg *saved_reg;
    const char *saved_name;
    uint64_t t0;
};

static void pcall_begin(struct wbemev__reg *reg, const char *name, struct pcall *pc)
{
    pc->saved_reg = tls_call_reg;
    pc->saved_name = tls_call_name;
    tls_call_reg = reg;
    tls_call_name = name;
    pc->t0 = wbemev__checking(reg->d) ? wbemev__now(reg->d) : 0;
}

static void pcall_end(struct wbemev__reg *reg, const char *name, struct pcall *pc)
{
    wbemev_dispatcher_t *d = reg->d;
    tls_call_reg = pc->saved_reg;
    tls_call_name = pc->saved_name;
    if (wbemev__checking(d) && wbemev__now(d) - pc->t0 > d->provider_limit_ns)
        wbemev__violation(d, WBEMEV_VIOLATION_SLOW_PROVIDER_CALL, reg->name, name, NULL);
}

/* Guideline 2: no event-related calls from inside a call into a provider or a consumer's Indicate.
 * Returns a failure when the strict policy rejects the call. */
static wbemev_status check_event_call(wbemev_dispatcher_t *d, const char *what)
{
    if (!wbemev__checking(d))
        return WBEMEV_S_NO_ERROR;
    wbemev_status st = WBEMEV_S_NO_ERROR;
    if (tls_call_reg != NULL &&
        wbemev__violation(d, WBEMEV_VIOLATION_EVENT_CALL_IN_CALL, tls_call_reg->name, tls_call_name,
                          NULL) == WBEMEV_S_FALSE)
        st = WBEMEV_E_INVALID_OPERATION;
    if (wbemev__in_consumer_call() &&
        wbemev__violation(d, WBEMEV_VIOLATION_CONSUMER_REENTRY, "(consumer)", what, NULL) == WBEMEV_S_FALSE)
        st = WBEMEV_E_INVALID_OPERATION;
    return st;
}

/* Guideline 1: no class changes while servicing a call. The namespace asks before each change. */
static wbemev_status on_class_change(void *ctx, const char *class_name, const char *what)
{
    wbemev_dispatcher_t *d = ctx;
    (void)what;
    if (tls_call_reg == NULL || !wbemev__checking(d))
        return WBEMEV_S_NO_ERROR;
    if (wbemev__violation(d, WBEMEV_VIOLATION_CLASS_CHANGE_IN_CALL, tls_call_reg->name, tls_call_name,
                          class_name) == WBEMEV_S_FALSE)
        return WBEMEV_E_INVALID_OPERATION;
    return WBEMEV_S_NO_ERROR;
}

/* ------------------------------------------------------------------------------------------------
 * Registration serials: indicated objects remember which registration indicated them, so a Put on
 * one later can be reported against its provider (PUT_AFTER_INDICATE). A tiny global table.
 */
static atomic_flag serial_lock = ATOMIC_FLAG_INIT;
static atomic_uint next_serial = 1;
static struct wbemev__reg **serial_regs;
static size_t serial_nregs, serial_cap;

static void serial_lock_take(void)
{
    while (atomic_flag_test_and_set_explicit(&serial_lock, memory_order_acquire))
        wbemev__thread_yield();
}

static void serial_lock_drop(void)
{
    atomic_flag_clear_explicit(&serial_lock, memory_order_release);
}

static bool serial_add(struct wbemev__reg *reg)
{
    serial_lock_take();
    if (serial_nregs == serial_cap) {
        size_t cap = serial_cap ? serial_cap * 2 : 8;
        struct wbemev__reg **v = wbemev__realloc(serial_regs, cap * sizeof *v);
        if (v == NULL) {
            serial_lock_drop();
            return false;
        }
        serial_regs = v;
        serial_cap = cap;
    }
    serial_regs[serial_nregs++] = reg;
    serial_lock_drop();
    return true;
}

static void serial_remove(struct wbemev__reg *reg)
{
    serial_lock_take();
    for (size_t i = 0; i < serial_nregs; i++) {
        if (serial_regs[i] == reg) {
            serial_regs[i] = serial_regs[--serial_nregs];
            break;
        }
    }
    if (serial_nregs == 0) {
        wbemev__free(serial_regs); /* nothing left behind for leak checkers */
        serial_regs = NULL;
        serial_cap = 0;
    }
    serial_lock_drop();
}

void wbemev__report_put_after_indicate(uint32_t reg_serial, const char *class_name)
{
    struct wbemev__reg *reg = NULL;
    serial_lock_take();
    for (size_t i = 0; i < serial_nregs; i++) {
        if (serial_regs[i]->serial == reg_serial) {
            /* Take a reference only while it is still alive (it may be on its way to reg_free). */
            uint_fast32_t n = atomic_load(&serial_regs[i]->refs);
            while (n != 0 && !atomic_compare_exchange_weak(&serial_regs[i]->refs, &n, n + 1))
                ;
            if (n != 0)
                reg = serial_regs[i];
            break;
        }
    }
    serial_lock_drop();
    if (reg == NULL)
        return;
    /* Entering keeps the dispatcher alive while recording; a stopped registration is not reported. */
    if (wbemev__reg_enter(reg)) {
        wbemev__violation(reg->d, WBEMEV_VIOLATION_PUT_AFTER_INDICATE, reg->name, "Put", class_name);
        wbemev__reg_leave(reg);
    }
    wbemev__reg_release(reg);
}

static unsigned entered_by_me(const struct wbemev__reg *reg)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tls_nentered && i < MAX_ENTERED; i++)
        n += tls_entered[i] == reg;
    return n;
}

static struct wbemev__reg *find_reg(wbemev_dispatcher_t *d, const char *name);

/* ------------------------------------------------------------------------------------------------
 * Registrations
 */
static void reg_free(struct wbemev__reg *reg)
{
    if (reg->serial != 0)
        serial_remove(reg);
    for (size_t i = 0; i < reg->nqueries; i++)
        wbemev_query_release(reg->queries[i]);
    wbemev__free(reg->queries);
    wbemev__free(reg->name);
    wbemev__cond_destroy(&reg->cv);
    wbemev__mutex_destroy(&reg->mu);
    wbemev__free(reg);
}

void wbemev__reg_release(struct wbemev__reg *reg)
{
    if (reg != NULL && wbemev__ref_dec(&reg->refs))
        reg_free(reg);
}

bool wbemev__reg_enter(struct wbemev__reg *reg)
{
    atomic_fetch_add(&reg->busy, 1);
    if (atomic_load(&reg->state) == REG_STOPPED) {
        wbemev__reg_leave(reg);
        return false;
    }
    if (tls_nentered < MAX_ENTERED)
        tls_entered[tls_nentered] = reg;
    tls_nentered++;
    return true;
}

void wbemev__reg_leave(struct wbemev__reg *reg)
{
    if (tls_nentered > 0 && tls_nentered <= MAX_ENTERED && tls_entered[tls_nentered - 1] == reg)
        tls_nentered--;
    else if (tls_nentered > MAX_ENTERED)
        tls_nentered--;
    if (atomic_fetch_sub(&reg->busy, 1) == 1 && atomic_load(&reg->state) == REG_STOPPED) {
        /* The stopper may be waiting; the caller holds a reference, so reg is alive. */
        wbemev__mutex_lock(&reg->mu);
        wbemev__cond_broadcast(&reg->cv);
        wbemev__mutex_unlock(&reg->mu);
    }
}

/* Stops a registration: no further calls into its provider and no further Indicates get through;
 * waits for those in progress (except this thread's own), then releases the provider. */
static void reg_stop(struct wbemev__reg *reg)
{
    int prev = atomic_exchange(&reg->state, REG_STOPPED);
    if (prev == REG_STOPPED)
        return;
    unsigned mine = entered_by_me(reg);
    wbemev__mutex_lock(&reg->mu);
    while (atomic_load(&reg->busy) > mine)
        wbemev__cond_wait(&reg->cv, &reg->mu);
    wbemev__mutex_unlock(&reg->mu);
    wbemev_provider_t *p = reg->provider;
    reg->provider = NULL;
    if (p != NULL)
        wbemev_provider_release(p);
    /* Drop the registration's own reference to the provider's sink. If the provider still holds one
     * after the dispatcher's release, its final Release did not let go of the sink. */
    struct wbemev__psink *ps = reg->psink;
    reg->psink = NULL;
    if (ps != NULL) {
        if (wbemev__checking(reg->d) && atomic_load(&reg->provided) && wbemev__ref_get(&ps->refs) > 1)
            wbemev__violation(reg->d, WBEMEV_VIOLATION_SINK_HELD_AFTER_STOP, reg->name, "Release", NULL);
        wbemev_sink_release(&ps->base);
    }
}

/* True when one of reg's EventQueryList classes overlaps `cls` (same class, subclass or
 * superclass): such a provider may send events the subscription wants. */
static bool reg_covers(const struct wbemev__reg *reg, const wbemev_class_t *cls)
{
    for (size_t i = 0; i < reg->nqueries; i++) {
        const wbemev_class_t *rc = wbemev_query_class(reg->queries[i]);
        if (wbemev_class_inherits_from(rc, cls) || wbemev_class_inherits_from(cls, rc))
            return true;
    }
    return false;
}

/* ------------------------------------------------------------------------------------------------
 * Subscriptions
 */
/* A subscription's counters as wbemev_dispatcher_subscription_stats reports them. */
static void sub_read_stats(struct wbemev__sub *sub, wbemev_subscription_stats *out)
{
    wbemev_subscription_stats o = {0};
    o.delivered = atomic_load(&sub->delivered);
    o.filtered = atomic_load(&sub->filtered);
    o.indicated = atomic_load(&sub->indicated);
    o.dropped = atomic_load(&sub->dropped);
    o.discarded = atomic_load(&sub->discarded);
    o.refused = atomic_load(&sub->refused);
    o.grouped = atomic_load(&sub->grouped);
    if (sub->queue != NULL)
        wbemev__queue_stats(sub->queue, &o.queued, &o.queued_high);
    *out = o;
}

static void sub_free(struct wbemev__sub *sub)
{
    if (sub->d->keep_final_stats && sub->id != 0 && sub->consumer == NULL && sub->end_status != 0) {
        wbemev_subscription_stats o;
        sub_read_stats(sub, &o);
        wbemev__pool_record_final(sub->d, sub->id, &o);
    }
    for (size_t i = 0; i < sub->nregs; i++)
        wbemev__reg_release(sub->regs[i]);
    wbemev__free(sub->regs);
    if (sub->query != NULL)
        wbemev_query_release(sub->query);
    wbemev__agg_free(sub->agg);
    wbemev__queue_free(sub->queue);
    wbemev__free(sub->sid);
    wbemev__free(sub);
}

void wbemev__sub_release(struct wbemev__sub *sub)
{
    if (sub != NULL && wbemev__ref_dec(&sub->refs))
        sub_free(sub);
}

/* Adds reg to sub->regs (taking a reference) unless present. */
static wbemev_status sub_add_reg(struct wbemev__sub *sub, struct wbemev__reg *reg)
{
    for (size_t i = 0; i < sub->nregs; i++)
        if (sub->regs[i] == reg)
            return WBEMEV_S_FALSE;
    struct wbemev__reg **v = wbemev__realloc(sub->regs, (sub->nregs + 1) * sizeof *v);
    if (v == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    sub->regs = v;
    sub->regs[sub->nregs++] = reg;
    wbemev__ref_inc(&reg->refs);
    return WBEMEV_S_NO_ERROR;
}

/* Rebuilds and publishes the index. Called with d->lock held. On allocation failure the old index
 * stays; callers that remove a subscription also mark it ENDING, which delivery checks. */
static wbemev_status republish(wbemev_dispatcher_t *d)
{
    struct wbemev__snapshot *s;
    wbemev_status st = wbemev__snapshot_build(d, &s);
    if (WBEMEV_FAILED(st))
        return st;
    wbemev__index_publish(&d->index, s);
    return WBEMEV_S_NO_ERROR;
}

/* Unlinks sub from d->subs. Called with d->lock held; returns false when it was not linked. */
static bool unlink_sub(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    for (struct wbemev__sub **pp = &d->subs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == sub) {
            *pp = sub->next;
            sub->next = NULL;
            d->nsubs--;
            return true;
        }
    }
    return false;
}

static void call_cancel_query(struct wbemev__reg *reg, uint32_t id)
{
    if (!wbemev__reg_enter(reg))
        return;
    if (reg->provider->vtbl->cancel_query != NULL) {
        struct pcall pc;
        atomic_fetch_add(&reg->requests_waiting, 1); /* throttling model: Indicate is busy meanwhile */
        pcall_begin(reg, "CancelQuery", &pc);
        reg->provider->vtbl->cancel_query(reg->provider, id);
        atomic_fetch_sub(&reg->requests_waiting, 1); /* first: the provider may refire now */
        pcall_end(reg, "CancelQuery", &pc);
    }
    wbemev__reg_leave(reg);
}

/* Marks sub ENDING, by this thread, and puts it on d->ending. Called with d->lock held; false when
 * it was not active. */
static bool end_begin(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_status status)
{
    int expected = SUB_ACTIVE;
    if (!atomic_compare_exchange_strong(&sub->state, &expected, SUB_ENDING))
        return false;
    sub->end_status = status;
    sub->ender = &tls_thread_token;
    sub->ending_next = d->ending;
    d->ending = sub;
    return true;
}

/* The consumer has had its final SetStatus: off d->ending, and an unsubscribe waiting for this end
 * (wait_for_end) may return. */
static void end_done(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    wbemev__mutex_lock(&d->lock);
    for (struct wbemev__sub **pp = &d->ending; *pp != NULL; pp = &(*pp)->ending_next) {
        if (*pp == sub) {
            *pp = sub->ending_next;
            break;
        }
    }
    wbemev__mutex_unlock(&d->lock);
    wbemev__mutex_lock(&d->wait_lock);
    sub->finished = true;
    wbemev__cond_broadcast(&d->wait_cv);
    wbemev__mutex_unlock(&d->wait_lock);
}

/* The second half of ending a subscription: it is already ENDING and out of d->subs. */
static void sub_finish(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    for (size_t i = 0; i < sub->nregs; i++)
        call_cancel_query(sub->regs[i], sub->id);
    /* Wait until no delivery to it is in progress (it is ENDING: none starts any more). */
    wbemev__mutex_lock(&d->wait_lock);
    while (atomic_load(&sub->inflight) != 0)
        wbemev__cond_wait(&d->wait_cv, &d->wait_lock);
    wbemev__mutex_unlock(&d->wait_lock);
    if (sub->agg != NULL)
        wbemev__agg_close(sub->agg); /* open windows are abandoned */
    if (sub->queue != NULL)
        wbemev__queue_end(sub->queue); /* waits for its runner; discards what is queued */
    wbemev_sink_t *consumer = sub->consumer;
    sub->consumer = NULL;
    wbemev_sink_set_status(consumer, WBEMEV_STATUS_COMPLETE, sub->end_status, NULL, NULL);
    wbemev_sink_release(consumer);
    end_done(d, sub);
    wbemev__sub_release(sub); /* the list's reference */
}

/* The first half of ending a subscription, under d->lock: marks it ENDING (see end_begin) and takes
 * it out of the listing, so that it is always either listed or on d->ending until its end is done
 * (an unsubscribe looks in both). False when it was not active. */
static bool end_and_unlist(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_status status)
{
    if (!end_begin(d, sub, status))
        return false;
    unlink_sub(d, sub);
    /* If this allocation fails the old snapshot keeps the subscription until the next change;
     * delivery skips it because it is ENDING, and sub_finish waits only for deliveries in
     * progress (sub->inflight), not for snapshots to go. */
    republish(d);
    return true;
}

/* The second half, without d->lock: now, or when this thread's delivery returns. */
static void end_finish_or_defer(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    if (wbemev__delivery_depth(d) > 0) {
        /* This thread is delivering (maybe to this subscription): waiting would wait for itself. */
        sub->defer_next = tls_deferred;
        tls_deferred = sub;
        return;
    }
    sub_finish(d, sub);
}

bool wbemev__sub_end(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_status status)
{
    wbemev__mutex_lock(&d->lock);
    bool ending = end_and_unlist(d, sub, status);
    wbemev__mutex_unlock(&d->lock);
    if (ending)
        end_finish_or_defer(d, sub);
    return ending;
}

void wbemev__run_deferred_ends(wbemev_dispatcher_t *d)
{
    struct wbemev__sub **pp = &tls_deferred;
    while (*pp != NULL) {
        struct wbemev__sub *sub = *pp;
        if (sub->d != d) { /* deferred inside a delivery of another dispatcher */
            pp = &sub->defer_next;
            continue;
        }
        *pp = sub->defer_next;
        sub->defer_next = NULL;
        sub_finish(d, sub);
    }
}

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

wbemev_status wbemev_dispatcher_new(const wbemev_dispatcher_options *opts, wbemev_dispatcher_t **out)
{
    wbemev_dispatcher_options defaults;
    wbemev_dispatcher_options_init(&defaults);
    if (out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (opts == NULL)
        opts = &defaults;
    if (opts->struct_size < sizeof(size_t) || opts->struct_size > sizeof *opts)
        return WBEMEV_E_INVALID_PARAMETER;
    const char *ns_name = opts->namespace_name ? opts->namespace_name : DEFAULT_NAMESPACE;

    /* Fields past struct_size keep their defaults (an older caller's smaller struct). */
    wbemev_dispatcher_options o = defaults;
    memcpy(&o, opts, opts->struct_size);
    if ((unsigned)o.contract > WBEMEV_CONTRACT_ABORT)
        return WBEMEV_E_INVALID_PARAMETER;
    const char *env = wbemev__getenv("WBEMEV_CONTRACT");
    if (env != NULL && env[0] != '\0' && WBEMEV_FAILED(wbemev_contract_policy_from_name(env, &o.contract)))
        return WBEMEV_E_INVALID_PARAMETER; /* a typo in CI must not silently weaken the checks */

    wbemev_dispatcher_t *d = wbemev__calloc(1, sizeof *d);
    if (d == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    d->policy = o.contract;
    d->provider_limit_ns = (uint64_t)o.provider_call_limit_ms * 1000000u;
    d->consumer_limit_ns = (uint64_t)o.consumer_call_limit_ms * 1000000u;
    d->clock = o.clock;
    d->clock_ctx = o.clock_ctx;
    d->model_throttling = o.model_throttling;
    d->refire_limit = o.refire_limit ? o.refire_limit : 64;
    d->sd_check = o.sd_check;
    d->sd_check_ctx = o.sd_check_ctx;
    d->queue_total_bytes = o.queue_total_bytes;
    d->shutdown_drain_ns = (uint64_t)o.shutdown_drain_ms * 1000000u;
    d->keep_final_stats = o.keep_final_stats;
    atomic_init(&d->queued_bytes, 0);
    wbemev_status st = wbemev__pool_new(d, o.workers);
    if (WBEMEV_SUCCEEDED(st)) {
        st = wbemev__timers_new(d, o.manual_timers);
        if (WBEMEV_FAILED(st))
            wbemev__pool_free(d);
    }
    if (WBEMEV_SUCCEEDED(st)) {
        st = wbemev_namespace_new(ns_name, &d->ns);
        if (WBEMEV_FAILED(st)) {
            wbemev__timers_free(d);
            wbemev__pool_free(d);
        }
    }
    if (WBEMEV_FAILED(st)) {
        wbemev__free(d);
        return st;
    }
    if (!wbemev__mutex_init(&d->check_lock)) {
        wbemev_namespace_release(d->ns);
        wbemev__timers_free(d);
        wbemev__pool_free(d);
        wbemev__free(d);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    bool lock_ok = wbemev__mutex_init(&d->lock);
    bool wait_ok = wbemev__mutex_init(&d->wait_lock);
    bool cv_ok = wbemev__cond_init(&d->wait_cv);
    struct wbemev__snapshot *s = NULL;
    wbemev__index_init(&d->index);
    if (lock_ok && wait_ok && cv_ok)
        st = wbemev__snapshot_build(d, &s);
    if (!lock_ok || !wait_ok || !cv_ok || WBEMEV_FAILED(st)) {
        if (cv_ok)
            wbemev__cond_destroy(&d->wait_cv);
        if (wait_ok)
            wbemev__mutex_destroy(&d->wait_lock);
        if (lock_ok)
            wbemev__mutex_destroy(&d->lock);
        wbemev__mutex_destroy(&d->check_lock);
        wbemev_namespace_release(d->ns);
        wbemev__timers_free(d);
        wbemev__pool_free(d);
        wbemev__free(d);
        return WBEMEV_FAILED(st) ? st : WBEMEV_E_OUT_OF_MEMORY;
    }
    wbemev__index_publish(&d->index, s);
    wbemev__namespace_set_change_hook(d->ns, on_class_change, d);
    d->next_id = 1;
    atomic_init(&d->shutting_down, false);
    *out = d;
    return WBEMEV_S_NO_ERROR;
}

static void report_live_instances(void *ctx, wbemev_class_t *cls)
{
    wbemev_dispatcher_t *d = ctx;
    if (wbemev_class_live_instances(cls) > 0)
        wbemev__violation(d, WBEMEV_VIOLATION_OBJECTS_LEAKED, "(dispatcher)", "destroy", wbemev_class_name(cls));
}

void wbemev_dispatcher_shutdown(wbemev_dispatcher_t *d)
{
    if (d != NULL)
        wbemev_dispatcher_shutdown_deadline(d, (uint32_t)(d->shutdown_drain_ns / 1000000u));
}

void wbemev_dispatcher_shutdown_deadline(wbemev_dispatcher_t *d, uint32_t drain_ms)
{
    if (d == NULL || atomic_exchange(&d->shutting_down, true))
        return;

    /* 1. Providers: cancel every subscription's queries, then stop (waiting for calls and Indicates
     *    in progress) and release each provider. From here their sinks answer CALL_CANCELLED. */
    wbemev__mutex_lock(&d->lock);
    struct wbemev__sub *subs = d->subs;
    struct wbemev__reg *regs = d->regs;
    d->subs = NULL;
    d->regs = NULL;
    d->nsubs = 0;
    /* Keep the subscriptions this call ends; one that another thread is ending (unsubscribe, a
     * failed consumer) is finished by that thread, which also drops the list's reference. */
    for (struct wbemev__sub **pp = &subs; *pp != NULL;) {
        struct wbemev__sub *sub = *pp;
        if (end_begin(d, sub, WBEMEV_E_SHUTTING_DOWN))
            pp = &sub->next;
        else
            *pp = sub->next;
    }
    wbemev__mutex_unlock(&d->lock);
    for (struct wbemev__sub *sub = subs; sub != NULL; sub = sub->next)
        if (sub->queue != NULL)
            wbemev__queue_close(sub->queue); /* blocked producers wake; later pushes are discarded */

    for (struct wbemev__sub *sub = subs; sub != NULL; sub = sub->next)
        for (size_t i = 0; i < sub->nregs; i++)
            call_cancel_query(sub->regs[i], sub->id);
    while (regs != NULL) {
        struct wbemev__reg *next = regs->next;
        reg_stop(regs);
        wbemev__reg_release(regs); /* the list's reference */
        regs = next;
    }

    /* 2. No Indicate is in progress now: drop the index. Open aggregation windows are abandoned;
     *    queues drain until the deadline, then what is left is discarded; the threads are joined. */
    wbemev__mutex_lock(&d->lock);
    wbemev__index_publish(&d->index, NULL);
    wbemev__mutex_unlock(&d->lock);
    wbemev__timers_stop(d);
    for (struct wbemev__sub *sub = subs; sub != NULL; sub = sub->next)
        if (sub->agg != NULL)
            wbemev__agg_close(sub->agg);
    wbemev__pool_wait_idle(d, (uint64_t)drain_ms * 1000000u);
    for (struct wbemev__sub *sub = subs; sub != NULL; sub = sub->next)
        if (sub->queue != NULL)
            wbemev__queue_end(sub->queue);
    wbemev__pool_stop(d);

    /* 3. End each consumer exactly once. */
    while (subs != NULL) {
        struct wbemev__sub *next = subs->next;
        wbemev_sink_t *consumer = subs->consumer;
        subs->consumer = NULL;
        wbemev_sink_set_status(consumer, WBEMEV_STATUS_COMPLETE, WBEMEV_E_SHUTTING_DOWN, NULL, NULL);
        wbemev_sink_release(consumer);
        end_done(d, subs);
        wbemev__sub_release(subs);
        subs = next;
    }

    /* 4. Objects of this namespace's classes still alive: leaked by someone (OBJECTS_LEAKED). */
    if (wbemev__checking(d))
        wbemev__namespace_foreach_class(d->ns, report_live_instances, d);
}

void wbemev_dispatcher_destroy(wbemev_dispatcher_t *d)
{
    if (d == NULL)
        return;
    wbemev_dispatcher_shutdown(d);
    /* A subscription ended concurrently with shutdown may have republished an (empty) index. */
    wbemev__mutex_lock(&d->lock);
    wbemev__index_publish(&d->index, NULL);
    wbemev__mutex_unlock(&d->lock);
    wbemev__timers_free(d);
    wbemev__pool_free(d);
    wbemev__namespace_set_change_hook(d->ns, NULL, NULL);
    wbemev_namespace_release(d->ns);
    wbemev__violations_free(d);
    wbemev__mutex_destroy(&d->check_lock);
    wbemev__cond_destroy(&d->wait_cv);
    wbemev__mutex_destroy(&d->wait_lock);
    wbemev__mutex_destroy(&d->lock);
    wbemev__free(d);
}

wbemev_status wbemev_dispatcher_inject_indicate_status(wbemev_dispatcher_t *d, const char *name,
                                                       wbemev_status status, uint32_t count)
{
    if (d == NULL || name == NULL || (count > 0 && WBEMEV_SUCCEEDED(status)))
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev__mutex_lock(&d->lock);
    struct wbemev__reg *reg = find_reg(d, name);
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

/* ------------------------------------------------------------------------------------------------
 * Registration
 */
static struct wbemev__reg *find_reg(wbemev_dispatcher_t *d, const char *name)
{
    for (struct wbemev__reg *r = d->regs; r != NULL; r = r->next)
        if (wbemev__strcaseeq(r->name, name))
            return r;
    return NULL;
}

static void unlink_reg(wbemev_dispatcher_t *d, struct wbemev__reg *reg)
{
    for (struct wbemev__reg **pp = &d->regs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == reg) {
            *pp = reg->next;
            reg->next = NULL;
            return;
        }
    }
}

/* Unregisters reg if it is still listed (a failed initialization or catch-up): stops it and
 * drops the list's reference. */
static void drop_reg(wbemev_dispatcher_t *d, struct wbemev__reg *reg)
{
    wbemev__mutex_lock(&d->lock);
    bool linked = find_reg(d, reg->name) == reg;
    if (linked)
        unlink_reg(d, reg);
    wbemev__mutex_unlock(&d->lock);
    if (linked) {
        reg_stop(reg);
        wbemev__reg_release(reg); /* the list's */
    }
}

/* Sends new_query for sub to reg (recording reg in sub->regs). */
static wbemev_status call_new_query(struct wbemev__reg *reg, struct wbemev__sub *sub)
{
    if (!wbemev__reg_enter(reg))
        return WBEMEV_S_FALSE;
    /* sub->regs under d->lock: a catch-up on another thread may add to it, and an end reads it
     * once it has taken d->lock to unlink the subscription. An ending subscription gets no more. */
    wbemev_dispatcher_t *d = reg->d;
    wbemev__mutex_lock(&d->lock);
    wbemev_status st =
        atomic_load(&sub->state) == SUB_ACTIVE ? sub_add_reg(sub, reg) : WBEMEV_S_FALSE;
    wbemev__mutex_unlock(&d->lock);
    if (st == WBEMEV_S_NO_ERROR && reg->provider->vtbl->new_query != NULL) {
        struct pcall pc;
        atomic_fetch_add(&reg->requests_waiting, 1);
        pcall_begin(reg, "NewQuery", &pc);
        st = reg->provider->vtbl->new_query(reg->provider, sub->id, "WQL", wbemev_query_text(sub->query));
        atomic_fetch_sub(&reg->requests_waiting, 1);
        pcall_end(reg, "NewQuery", &pc);
    }
    wbemev__reg_leave(reg);
    return st;
}

/* Calls provide_events once per registration: the first caller to flip `provided` does it. */
static void activate(struct wbemev__reg *reg)
{
    if (atomic_load(&reg->state) != REG_READY || atomic_exchange(&reg->provided, true))
        return;
    if (!wbemev__reg_enter(reg))
        return;
    atomic_fetch_add(&reg->provide_events_calls, 1);
    struct pcall pc;
    pcall_begin(reg, "ProvideEvents", &pc);
    wbemev_status st = reg->provider->vtbl->provide_events(reg->provider, &reg->psink->base, 0);
    pcall_end(reg, "ProvideEvents", &pc);
    if (WBEMEV_FAILED(st))
        atomic_store(&reg->provided, false); /* retried at the next subscription */
    else if (wbemev__checking(reg->d) && wbemev__ref_get(&reg->psink->refs) < 2)
        wbemev__violation(reg->d, WBEMEV_VIOLATION_SINK_NOT_KEPT, reg->name, "ProvideEvents", NULL);
    wbemev__reg_leave(reg);
}

/* A registration became ready: tell it about the subscriptions it covers, then activate it. */
/* Out of memory (the list, or a sub_add_reg in call_new_query) fails it: the caller unregisters
 * the provider rather than leave it unaware of subscriptions (it would never be activated). */
static wbemev_status catch_up(wbemev_dispatcher_t *d, struct wbemev__reg *reg)
{
    wbemev__mutex_lock(&d->lock);
    size_t n = 0;
    for (struct wbemev__sub *s = d->subs; s != NULL; s = s->next)
        n += reg_covers(reg, wbemev_query_class(s->query));
    struct wbemev__sub **v = n ? wbemev__calloc(n, sizeof *v) : NULL;
    wbemev_status st = n != 0 && v == NULL ? WBEMEV_E_OUT_OF_MEMORY : WBEMEV_S_NO_ERROR;
    size_t k = 0;
    if (v != NULL) {
        for (struct wbemev__sub *s = d->subs; s != NULL && k < n; s = s->next) {
            if (reg_covers(reg, wbemev_query_class(s->query))) {
                wbemev__ref_inc(&s->refs);
                v[k++] = s;
            }
        }
    }
    wbemev__mutex_unlock(&d->lock);
    for (size_t i = 0; i < k; i++) {
        if (WBEMEV_SUCCEEDED(st) && atomic_load(&v[i]->state) == SUB_ACTIVE &&
            call_new_query(reg, v[i]) == WBEMEV_E_OUT_OF_MEMORY)
            st = WBEMEV_E_OUT_OF_MEMORY;
        wbemev__sub_release(v[i]);
    }
    wbemev__free(v);
    if (WBEMEV_SUCCEEDED(st) && k > 0)
        activate(reg);
    return st;
}

void wbemev__reg_initialized(struct wbemev__reg *reg, wbemev_status status)
{
    int expected = REG_INITIALIZING;
    int next = WBEMEV_SUCCEEDED(status) ? REG_READY : REG_FAILED;
    wbemev_dispatcher_t *d = reg->d;
    wbemev__mutex_lock(&d->lock);
    bool during_initialize = reg->in_initialize;
    bool changed = atomic_compare_exchange_strong(&reg->state, &expected, next);
    wbemev__mutex_unlock(&d->lock);
    /* Reported from inside initialize: register finishes the job when initialize returns. */
    if (!changed || during_initialize)
        return;
    /* Ready: catch up; if that runs out of memory, drop the provider as for a failed init. */
    if (next != REG_READY || WBEMEV_FAILED(catch_up(d, reg))) {
        drop_reg(d, reg);
    }
}

static wbemev_status compile_event_queries(wbemev_dispatcher_t *d, struct wbemev__reg *reg,
                                           const char *const *queries, size_t count)
{
    reg->queries = wbemev__calloc(count, sizeof *reg->queries);
    if (reg->queries == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    for (size_t i = 0; i < count; i++) {
        if (queries[i] == NULL)
            return WBEMEV_E_INVALID_PARAMETER;
        wbemev_status st = wbemev_query_compile(queries[i], d->ns, &reg->queries[i], NULL);
        if (WBEMEV_FAILED(st))
            return st;
        reg->nqueries++;
    }
    return WBEMEV_S_NO_ERROR;
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
    wbemev_status chk = check_event_call(d, "register");
    if (WBEMEV_FAILED(chk))
        return chk;

    struct wbemev__reg *reg = wbemev__calloc(1, sizeof *reg);
    if (reg == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__ref_init(&reg->refs, 1);
    reg->d = d;
    atomic_init(&reg->state, REG_INITIALIZING);
    bool mu_ok = wbemev__mutex_init(&reg->mu);
    bool cv_ok = wbemev__cond_init(&reg->cv);
    if (!mu_ok || !cv_ok) {
        if (cv_ok)
            wbemev__cond_destroy(&reg->cv);
        if (mu_ok)
            wbemev__mutex_destroy(&reg->mu);
        wbemev__free(reg);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    wbemev_status st = WBEMEV_S_NO_ERROR;
    reg->name = wbemev__strdup(name);
    if (reg->name == NULL)
        st = WBEMEV_E_OUT_OF_MEMORY;
    if (WBEMEV_SUCCEEDED(st))
        st = compile_event_queries(d, reg, event_queries, count);
    if (WBEMEV_SUCCEEDED(st))
        st = wbemev__psink_new(reg, &reg->psink);
    if (WBEMEV_SUCCEEDED(st)) {
        reg->serial = atomic_fetch_add(&next_serial, 1);
        if (!serial_add(reg)) {
            reg->serial = 0;
            st = WBEMEV_E_OUT_OF_MEMORY;
        }
    }
    if (WBEMEV_FAILED(st)) {
        if (reg->psink != NULL) {
            struct wbemev__psink *ps = reg->psink;
            reg->psink = NULL;
            wbemev_sink_release(&ps->base);
        }
        wbemev__reg_release(reg);
        return st;
    }

    wbemev__mutex_lock(&d->lock);
    if (atomic_load(&d->shutting_down))
        st = WBEMEV_E_SHUTTING_DOWN;
    else if (find_reg(d, name) != NULL)
        st = WBEMEV_E_ALREADY_EXISTS;
    if (WBEMEV_SUCCEEDED(st)) {
        reg->provider = wbemev_provider_add_ref(provider);
        reg->next = d->regs;
        d->regs = reg;
        wbemev__ref_inc(&reg->refs); /* the list's */
        reg->in_initialize = provider->vtbl->initialize != NULL;
    }
    wbemev__mutex_unlock(&d->lock);
    if (WBEMEV_FAILED(st)) {
        struct wbemev__psink *ps = reg->psink;
        reg->psink = NULL;
        wbemev_sink_release(&ps->base);
        wbemev__reg_release(reg);
        return st;
    }

    if (provider->vtbl->initialize != NULL) {
        wbemev_sink_t *init_sink = NULL;
        st = wbemev__init_sink_new(reg, &init_sink);
        if (WBEMEV_SUCCEEDED(st)) {
            wbemev_provider_init init = {
                .user = NULL,
                .namespace_name = wbemev_namespace_name(d->ns),
                .locale = NULL,
                .ns = d->ns,
                .provider_name = reg->name,
            };
            struct pcall pc;
            wbemev__reg_enter(reg);
            pcall_begin(reg, "Initialize", &pc);
            st = provider->vtbl->initialize(provider, &init, init_sink);
            pcall_end(reg, "Initialize", &pc);
            wbemev__reg_leave(reg);
            wbemev_sink_release(init_sink);
        }
        wbemev__mutex_lock(&d->lock);
        reg->in_initialize = false;
        int state = atomic_load(&reg->state);
        if (WBEMEV_FAILED(st) || state == REG_FAILED) {
            unlink_reg(d, reg);
            /* Out of memory (the init sink, or the provider's own) is reported as such. */
            if (st != WBEMEV_E_OUT_OF_MEMORY)
                st = WBEMEV_E_PROVIDER_LOAD_FAILURE;
        }
        wbemev__mutex_unlock(&d->lock);
        if (WBEMEV_FAILED(st)) {
            reg_stop(reg);
            wbemev__reg_release(reg); /* the list's */
            wbemev__reg_release(reg); /* ours */
            return st;
        }
        if (state == REG_INITIALIZING) {
            /* Readiness will be reported later, from another thread. */
            wbemev__reg_release(reg);
            return WBEMEV_S_NO_ERROR;
        }
    } else {
        atomic_store(&reg->state, REG_READY);
    }
    if (WBEMEV_FAILED(catch_up(d, reg))) { /* out of memory: undo the registration */
        drop_reg(d, reg);
        wbemev__reg_release(reg);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    wbemev__reg_release(reg);
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_dispatcher_unregister(wbemev_dispatcher_t *d, const char *name)
{
    if (d == NULL || name == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status chk = check_event_call(d, "unregister");
    if (WBEMEV_FAILED(chk))
        return chk;
    wbemev__mutex_lock(&d->lock);
    struct wbemev__reg *reg = find_reg(d, name);
    if (reg != NULL)
        unlink_reg(d, reg);
    wbemev__mutex_unlock(&d->lock);
    if (reg == NULL)
        return WBEMEV_E_NOT_FOUND;
    reg_stop(reg);
    wbemev__reg_release(reg);
    return WBEMEV_S_NO_ERROR;
}

/* ------------------------------------------------------------------------------------------------
 * Subscribe / unsubscribe
 */

/* The ready registrations covering cls, each with a reference. Called with d->lock held. */
static wbemev_status collect_regs(wbemev_dispatcher_t *d, const wbemev_class_t *cls,
                                  struct wbemev__reg ***out, size_t *count)
{
    size_t n = 0;
    for (struct wbemev__reg *r = d->regs; r != NULL; r = r->next)
        n += atomic_load(&r->state) == REG_READY && reg_covers(r, cls);
    *out = NULL;
    *count = 0;
    if (n == 0)
        return WBEMEV_S_NO_ERROR;
    struct wbemev__reg **v = wbemev__calloc(n, sizeof *v);
    if (v == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    size_t k = 0;
    for (struct wbemev__reg *r = d->regs; r != NULL && k < n; r = r->next) {
        if (atomic_load(&r->state) == REG_READY && reg_covers(r, cls)) {
            wbemev__ref_inc(&r->refs);
            v[k++] = r;
        }
    }
    *out = v;
    *count = k;
    return WBEMEV_S_NO_ERROR;
}

static void release_regs(struct wbemev__reg **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wbemev__reg_release(v[i]);
    wbemev__free(v);
}

static wbemev_status call_access_check(struct wbemev__reg *reg, struct wbemev__sub *sub)
{
    if (reg->provider == NULL || !wbemev__reg_enter(reg))
        return WBEMEV_S_NO_ERROR;
    wbemev_status st = WBEMEV_S_NO_ERROR;
    if (reg->provider->vtbl->access_check != NULL) {
        struct pcall pc;
        pcall_begin(reg, "AccessCheck", &pc);
        st = reg->provider->vtbl->access_check(reg->provider, "WQL", wbemev_query_text(sub->query), sub->sid,
                                               sub->sid_length);
        pcall_end(reg, "AccessCheck", &pc);
    }
    wbemev__reg_leave(reg);
    return st;
}

wbemev_status wbemev_dispatcher_subscribe(wbemev_dispatcher_t *d, const char *query,
                                          wbemev_sink_t *consumer,
                                          const wbemev_subscribe_options *opts, uint32_t *id)
{
    if (d == NULL || query == NULL || !wbemev_sink_is_valid(consumer) || id == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (opts != NULL && (opts->struct_size < sizeof(size_t) || opts->struct_size > sizeof *opts ||
                         (opts->sid == NULL && opts->sid_length != 0) ||
                         (opts->sid != NULL && opts->sid_length == 0)))
        return WBEMEV_E_INVALID_PARAMETER;
    /* Fields past struct_size keep their defaults (an older caller's smaller struct). */
    wbemev_subscribe_options so;
    wbemev_subscribe_options_init(&so);
    if (opts != NULL)
        memcpy(&so, opts, opts->struct_size);
    if ((unsigned)so.delivery > WBEMEV_DELIVERY_QUEUED || (unsigned)so.backpressure > WBEMEV_BACKPRESSURE_DROP_NEWEST)
        return WBEMEV_E_INVALID_PARAMETER;
    if (atomic_load(&d->shutting_down))
        return WBEMEV_E_SHUTTING_DOWN;
    wbemev_status chk = check_event_call(d, "subscribe");
    if (WBEMEV_FAILED(chk))
        return chk;

    struct wbemev__sub *sub = wbemev__calloc(1, sizeof *sub);
    if (sub == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__ref_init(&sub->refs, 1);
    atomic_init(&sub->state, SUB_ACTIVE);
    sub->d = d;
    wbemev_status st = wbemev_query_compile(query, d->ns, &sub->query, NULL);
    if (WBEMEV_SUCCEEDED(st)) {
        sub->class_id = wbemev_class_id(wbemev_query_class(sub->query));
        sub->has_where = wbemev_query_has_where(sub->query);
        sub->projected = !wbemev_query_selects_all(sub->query);
        if (opts != NULL && opts->sid != NULL) {
            sub->sid = wbemev__malloc(opts->sid_length);
            if (sub->sid == NULL)
                st = WBEMEV_E_OUT_OF_MEMORY;
            else {
                memcpy(sub->sid, opts->sid, opts->sid_length);
                sub->sid_length = opts->sid_length;
            }
        }
    }
    /* Queued delivery, and GROUP WITHIN (whose aggregates come from the timer through a queue that
     * the timer itself runs when delivery is synchronous). */
    bool group = WBEMEV_SUCCEEDED(st) && wbemev_query_has_group(sub->query);
    if (WBEMEV_SUCCEEDED(st) && (so.delivery == WBEMEV_DELIVERY_QUEUED || group))
        st = wbemev__queue_new(d, sub, &so, so.delivery != WBEMEV_DELIVERY_QUEUED, &sub->queue);
    if (WBEMEV_SUCCEEDED(st) && group)
        st = wbemev__agg_new(sub, &sub->agg);
    sub->reserving = sub->agg == NULL && sub->queue != NULL && wbemev__queue_reserving(sub->queue);
    if (WBEMEV_FAILED(st)) {
        wbemev__sub_release(sub);
        return st;
    }

    /* 1. Which providers cover it; reserve the id. */
    struct wbemev__reg **regs = NULL;
    size_t nregs = 0;
    wbemev__mutex_lock(&d->lock);
    st = collect_regs(d, wbemev_query_class(sub->query), &regs, &nregs);
    if (WBEMEV_SUCCEEDED(st)) {
        sub->id = d->next_id++;
        if (d->next_id == 0)
            d->next_id = 1;
    }
    wbemev__mutex_unlock(&d->lock);

    /* 2. AccessCheck, before the subscription exists: a denial ends here, with no NewQuery. */
    for (size_t i = 0; i < nregs && WBEMEV_SUCCEEDED(st); i++) {
        wbemev_status ac = call_access_check(regs[i], sub);
        if (ac == WBEMEV_S_SUBJECT_TO_SDS)
            sub->check_sds = true;
        else if (WBEMEV_FAILED(ac))
            st = ac;
    }
    /* 3. NewQuery to each covering provider (advisory, but a failure fails the subscribe). */
    for (size_t i = 0; i < nregs && WBEMEV_SUCCEEDED(st); i++) {
        wbemev_status nq = call_new_query(regs[i], sub);
        if (WBEMEV_FAILED(nq))
            st = nq;
    }
    /* 4. Publish. Providers that became ready meanwhile missed step 3: catch them up. */
    if (WBEMEV_SUCCEEDED(st) && sub->agg != NULL)
        st = wbemev__agg_attach(sub->agg); /* on the timer's list */
    if (WBEMEV_SUCCEEDED(st)) {
        sub->consumer = wbemev_sink_add_ref(consumer);
        wbemev__mutex_lock(&d->lock);
        if (atomic_load(&d->shutting_down)) {
            st = WBEMEV_E_SHUTTING_DOWN;
        } else {
            sub->next = d->subs;
            d->subs = sub;
            d->nsubs++;
            st = republish(d);
            if (WBEMEV_FAILED(st))
                unlink_sub(d, sub);
        }
        wbemev__mutex_unlock(&d->lock);
        if (WBEMEV_FAILED(st)) {
            wbemev_sink_release(sub->consumer);
            sub->consumer = NULL;
        }
    }
    if (WBEMEV_FAILED(st)) {
        if (sub->agg != NULL)
            wbemev__agg_close(sub->agg);
        for (size_t i = 0; i < sub->nregs; i++)
            call_cancel_query(sub->regs[i], sub->id);
        release_regs(regs, nregs);
        wbemev__sub_release(sub);
        return st;
    }
    /* 5. ProvideEvents for providers not yet active (the first interested subscription). */
    for (size_t i = 0; i < nregs; i++)
        activate(regs[i]);
    release_regs(regs, nregs);
    *id = sub->id;
    return WBEMEV_S_NO_ERROR;
}

static struct wbemev__sub *find_sub(wbemev_dispatcher_t *d, uint32_t id)
{
    for (struct wbemev__sub *s = d->subs; s != NULL; s = s->next)
        if (s->id == id)
            return s;
    return NULL;
}

/* Subscription `id` is not listed: if another thread is ending it (a worker cancelling a failed
 * consumer, say), waits until its final SetStatus went out, so that "not found" means ended. Not
 * when this thread is delivering, or is the one ending it (that would wait for itself). */
static void wait_for_end(wbemev_dispatcher_t *d, uint32_t id)
{
    if (wbemev__delivery_depth(d) > 0)
        return;
    wbemev__mutex_lock(&d->lock);
    struct wbemev__sub *sub = d->ending;
    while (sub != NULL && sub->id != id)
        sub = sub->ending_next;
    if (sub != NULL && sub->ender != &tls_thread_token)
        wbemev__ref_inc(&sub->refs);
    else
        sub = NULL;
    wbemev__mutex_unlock(&d->lock);
    if (sub == NULL)
        return;
    wbemev__mutex_lock(&d->wait_lock);
    while (!sub->finished)
        wbemev__cond_wait(&d->wait_cv, &d->wait_lock);
    wbemev__mutex_unlock(&d->wait_lock);
    wbemev__sub_release(sub);
}

wbemev_status wbemev_dispatcher_unsubscribe(wbemev_dispatcher_t *d, uint32_t id)
{
    if (d == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status chk = check_event_call(d, "unsubscribe");
    if (WBEMEV_FAILED(chk))
        return chk;
    /* Found and marked in one hold of d->lock: another thread (a worker ending a failed consumer)
     * cannot begin ending it in between, leaving this call to return before that end is done. */
    wbemev__mutex_lock(&d->lock);
    struct wbemev__sub *sub = find_sub(d, id);
    bool ending = sub != NULL && end_and_unlist(d, sub, WBEMEV_E_CALL_CANCELLED);
    wbemev__mutex_unlock(&d->lock);
    if (ending) {
        end_finish_or_defer(d, sub); /* the list's reference keeps sub until it is finished */
        return WBEMEV_S_NO_ERROR;
    }
    wait_for_end(d, id);
    return WBEMEV_E_NOT_FOUND;
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
    struct wbemev__sub *sub = find_sub(d, id);
    if (sub != NULL)
        sub_read_stats(sub, out);
    wbemev__mutex_unlock(&d->lock);
    if (sub == NULL && d->keep_final_stats && wbemev__pool_final_stats(d, id, out))
        return WBEMEV_S_NO_ERROR;
    return sub != NULL ? WBEMEV_S_NO_ERROR : WBEMEV_E_NOT_FOUND;
}

wbemev_status wbemev_dispatcher_provider_stats(wbemev_dispatcher_t *d, const char *name,
                                               wbemev_provider_stats *out)
{
    if (d == NULL || name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev__mutex_lock(&d->lock);
    struct wbemev__reg *reg = find_reg(d, name);
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
    return wbemev__pool_wait_idle(d, (uint64_t)timeout_ms * 1000000u);
}
