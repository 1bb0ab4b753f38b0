/*
 * lib/dispatch/registration.c: a provider registration's life: made (its EventQueryList compiled,
 * its event sink), listed, initialized (now or later, through the init sink), caught up with the
 * subscriptions it covers, entered by every call into it and every Indicate from it, stopped.
 */
#include "dispatch/dispatch.h"

/* Which registrations this thread is inside, so that stopping one never waits for this thread. */
#define MAX_ENTERED 16
static WBEMEV__THREAD_LOCAL struct wbemev__reg *tls_entered[MAX_ENTERED];
static WBEMEV__THREAD_LOCAL unsigned tls_nentered;

static unsigned entered_by_me(const struct wbemev__reg *reg)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tls_nentered && i < MAX_ENTERED; i++)
        n += tls_entered[i] == reg;
    return n;
}

static void reg_free(struct wbemev__reg *reg)
{
    wbemev__checker_tag_free(atomic_load(&reg->tag));
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
    atomic_fetch_sub(&reg->busy, 1);
    if (atomic_load(&reg->state) == REG_STOPPED) {
        /* The stopper may be waiting, and not for 0: a stopper inside a call of its own waits for
         * its own entries only. The caller holds a reference, so reg is alive. */
        wbemev__mutex_lock(&reg->mu);
        wbemev__cond_broadcast(&reg->cv);
        wbemev__mutex_unlock(&reg->mu);
    }
}

/* Waits until no thread but this one is inside reg (calls into its provider, Indicates from it). */
static void wait_unbusy(struct wbemev__reg *reg)
{
    unsigned mine = entered_by_me(reg);
    wbemev__mutex_lock(&reg->mu);
    while (atomic_load(&reg->busy) > mine)
        wbemev__cond_wait(&reg->cv, &reg->mu);
    wbemev__mutex_unlock(&reg->mu);
}

/* Until reg's stop has released its provider: an unregister made on another thread (or from inside
 * an Indicate, which the wait for calls in progress lets through) may still be in it. */
static void wait_stopped(struct wbemev__reg *reg)
{
    wbemev__mutex_lock(&reg->mu);
    while (!atomic_load(&reg->stop_done))
        wbemev__cond_wait(&reg->cv, &reg->mu);
    wbemev__mutex_unlock(&reg->mu);
}

bool wbemev__reg_stop_begin(struct wbemev__reg *reg)
{
    return atomic_exchange(&reg->state, REG_STOPPED) != REG_STOPPED;
}

void wbemev__reg_stop_wait(struct wbemev__reg *reg)
{
    wait_unbusy(reg);
}

/* Lists reg in d->retired (once), under d->lock. The host keeps its reference to the sink, and
 * the tag, until destroy: what the provider does with its sink from now on (a SetStatus, an extra
 * Release, an Indicate after CALL_CANCELLED) is still caught, and cannot free the sink under the
 * host. */
static void retire_locked(wbemev_dispatcher_t *d, struct wbemev__reg *reg)
{
    if (reg->on_retired)
        return;
    reg->on_retired = true;
    wbemev__ref_inc(&reg->refs);
    reg->retired_next = d->retired;
    d->retired = reg;
}

void wbemev__reg_stop_finish(struct wbemev__reg *reg)
{
    wbemev_provider_t *p = reg->provider;
    reg->provider = NULL;
    if (p != NULL)
        wbemev__call_release(reg, p);
    wbemev_dispatcher_t *d = reg->d;
    wbemev__mutex_lock(&d->lock);
    retire_locked(d, reg);
    wbemev__mutex_unlock(&d->lock);
    wbemev__mutex_lock(&reg->mu);
    atomic_store(&reg->stop_done, true);
    wbemev__cond_broadcast(&reg->cv);
    wbemev__mutex_unlock(&reg->mu);
}

void wbemev__reg_stop(struct wbemev__reg *reg)
{
    if (!wbemev__reg_stop_begin(reg))
        return;
    wbemev__reg_stop_wait(reg);
    wbemev__reg_stop_finish(reg);
}

bool wbemev__inside_registration_of(const wbemev_dispatcher_t *d)
{
    for (unsigned i = 0; i < tls_nentered && i < MAX_ENTERED; i++)
        if (tls_entered[i]->d == d)
            return true;
    return false;
}

void wbemev__regs_wait_retired(wbemev_dispatcher_t *d, void (*before)(void *ctx, struct wbemev__reg *reg),
                               void *ctx)
{
    wbemev__mutex_lock(&d->lock);
    struct wbemev__reg *list = d->retired;
    wbemev__mutex_unlock(&d->lock);
    /* A stop made from inside a call of its own (a consumer unregistering from a delivery) did
     * not wait for that call; it may still be unwinding. The list only grows at its head, and only
     * shutdown and destroy take it: walking it is safe. */
    for (struct wbemev__reg *reg = list; reg != NULL; reg = reg->retired_next) {
        if (before != NULL)
            before(ctx, reg);
        wait_unbusy(reg);
        wait_stopped(reg);
    }
}

void wbemev__regs_check_retired(wbemev_dispatcher_t *d)
{
    wbemev__mutex_lock(&d->lock);
    struct wbemev__reg *list = d->retired;
    wbemev__mutex_unlock(&d->lock);
    /* The list only grows at its head, and only shutdown and destroy take it: walking it is safe. */
    for (struct wbemev__reg *reg = list; reg != NULL; reg = reg->retired_next)
        if (atomic_load(&reg->provided) && wbemev__psink_provider_refs(reg->psink) > 0)
            wbemev__checker_violation(&d->checker, WBEMEV_VIOLATION_SINK_HELD_AFTER_STOP, reg->name, "Release", NULL);
}

void wbemev__regs_free_retired(wbemev_dispatcher_t *d)
{
    wbemev__mutex_lock(&d->lock);
    struct wbemev__reg *list = d->retired;
    d->retired = NULL;
    wbemev__mutex_unlock(&d->lock);
    while (list != NULL) {
        struct wbemev__reg *next = list->retired_next;
        wbemev__checker_tag_free(atomic_exchange(&list->tag, 0));
        struct wbemev__psink *ps = list->psink;
        list->psink = NULL;
        wbemev__psink_host_release(ps); /* the sink may outlive us, held by its provider */
        wbemev__reg_release(list);
        list = next;
    }
}

/* Such a provider may send events a subscription on cls wants. */
bool wbemev__reg_covers(const struct wbemev__reg *reg, const wbemev_class_t *cls)
{
    for (size_t i = 0; i < reg->nqueries; i++) {
        const wbemev_class_t *rc = wbemev_query_class(reg->queries[i]);
        if (wbemev_class_inherits_from(rc, cls) || wbemev_class_inherits_from(cls, rc))
            return true;
    }
    return false;
}

struct wbemev__reg *wbemev__reg_find(wbemev_dispatcher_t *d, const char *name)
{
    for (struct wbemev__reg *r = d->regs; r != NULL; r = r->next)
        if (wbemev__strcaseeq(r->name, name))
            return r;
    return NULL;
}

void wbemev__reg_unlink(wbemev_dispatcher_t *d, struct wbemev__reg *reg)
{
    for (struct wbemev__reg **pp = &d->regs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == reg) {
            *pp = reg->next;
            reg->next = NULL;
            /* Retired from the moment it is no longer listed, so that shutdown, which no longer
             * finds it among the registrations, still waits for the stop that follows. */
            retire_locked(d, reg);
            return;
        }
    }
}

/* Unregisters reg if it is still listed (a failed initialization or catch-up): stops it and
 * drops the list's reference. */
static void drop_reg(wbemev_dispatcher_t *d, struct wbemev__reg *reg)
{
    wbemev__mutex_lock(&d->lock);
    bool linked = wbemev__reg_find(d, reg->name) == reg;
    if (linked)
        wbemev__reg_unlink(d, reg);
    wbemev__mutex_unlock(&d->lock);
    if (linked) {
        wbemev__reg_stop(reg);
        wbemev__reg_release(reg); /* the list's */
    }
}

/* A registration became ready: tell it about the subscriptions it covers, then activate it. */
/* Out of memory (the list, or a sub_add_reg in call_new_query) fails it: the caller unregisters
 * the provider rather than leave it unaware of subscriptions (it would never be activated). */
static wbemev_status catch_up(wbemev_dispatcher_t *d, struct wbemev__reg *reg)
{
    wbemev__mutex_lock(&d->lock);
    size_t n = 0;
    for (struct wbemev__sub *s = d->subs; s != NULL; s = s->next)
        n += wbemev__reg_covers(reg, wbemev_query_class(s->query));
    struct wbemev__sub **v = n ? wbemev__calloc(n, sizeof *v) : NULL;
    wbemev_status st = n != 0 && v == NULL ? WBEMEV_E_OUT_OF_MEMORY : WBEMEV_S_NO_ERROR;
    size_t k = 0;
    if (v != NULL) {
        for (struct wbemev__sub *s = d->subs; s != NULL && k < n; s = s->next) {
            if (wbemev__reg_covers(reg, wbemev_query_class(s->query))) {
                wbemev__ref_inc(&s->refs);
                v[k++] = s;
            }
        }
    }
    wbemev__mutex_unlock(&d->lock);
    for (size_t i = 0; i < k; i++) {
        if (WBEMEV_SUCCEEDED(st) && atomic_load(&v[i]->state) == SUB_ACTIVE &&
            wbemev__call_new_query(reg, v[i]) == WBEMEV_E_OUT_OF_MEMORY)
            st = WBEMEV_E_OUT_OF_MEMORY;
        wbemev__sub_release(v[i]);
    }
    wbemev__free(v);
    if (WBEMEV_SUCCEEDED(st) && k > 0)
        wbemev__call_provide_events(reg);
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

/* Drops the event sink of a registration that never got going. */
static void reg_discard(struct wbemev__reg *reg)
{
    struct wbemev__psink *ps = reg->psink;
    reg->psink = NULL;
    if (ps != NULL)
        wbemev__psink_host_release(ps);
    wbemev__reg_release(reg);
}

wbemev_status wbemev__reg_new(wbemev_dispatcher_t *d, const char *name, const char *const *event_queries,
                              size_t count, struct wbemev__reg **out)
{
    struct wbemev__reg *reg = wbemev__calloc(1, sizeof *reg);
    if (reg == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__ref_init(&reg->refs, 1);
    reg->d = d;
    atomic_init(&reg->state, REG_INITIALIZING);
    wbemev__mutex_init(&reg->mu);
    wbemev__cond_init(&reg->cv);
    wbemev_status st = WBEMEV_E_OUT_OF_MEMORY;
    reg->name = wbemev__strdup(name);
    if (reg->name == NULL)
        goto fail;
    st = compile_event_queries(d, reg, event_queries, count);
    if (WBEMEV_FAILED(st))
        goto fail;
    st = wbemev__psink_new(reg, &reg->psink);
    if (WBEMEV_FAILED(st))
        goto fail;
    if (wbemev__checker_on(&d->checker)) {
        atomic_store(&reg->tag, wbemev__checker_tag_new(&d->checker, reg->name));
        if (atomic_load(&reg->tag) == 0) {
            st = WBEMEV_E_OUT_OF_MEMORY;
            goto fail;
        }
    }
    *out = reg;
    return WBEMEV_S_NO_ERROR;
fail:
    reg_discard(reg);
    return st;
}

wbemev_status wbemev__reg_add(wbemev_dispatcher_t *d, struct wbemev__reg *reg, wbemev_provider_t *provider)
{
    wbemev_status st = WBEMEV_S_NO_ERROR;
    wbemev__mutex_lock(&d->lock);
    if (atomic_load(&d->shutting_down))
        st = WBEMEV_E_SHUTTING_DOWN;
    else if (wbemev__reg_find(d, reg->name) != NULL)
        st = WBEMEV_E_ALREADY_EXISTS;
    if (WBEMEV_SUCCEEDED(st)) {
        reg->provider = wbemev_provider_add_ref(provider);
        reg->next = d->regs;
        d->regs = reg;
        wbemev__ref_inc(&reg->refs); /* the list's */
        reg->in_initialize = provider->vtbl->initialize != NULL;
    }
    wbemev__mutex_unlock(&d->lock);
    if (WBEMEV_FAILED(st))
        reg_discard(reg);
    return st;
}

/* Initialize: the provider reports readiness through the init sink, from inside the call or
 * later from another thread. Returns the state it is in after the call; *st its failure. */
static int reg_initialize(wbemev_dispatcher_t *d, struct wbemev__reg *reg, wbemev_status *st)
{
    wbemev_sink_t *init_sink = NULL;
    *st = wbemev__init_sink_new(reg, &init_sink);
    bool kept = true;
    if (WBEMEV_SUCCEEDED(*st)) {
        *st = wbemev__call_initialize(reg, init_sink);
        kept = wbemev__init_sink_kept(init_sink);
        wbemev_sink_release(init_sink);
    }
    wbemev__mutex_lock(&d->lock);
    reg->in_initialize = false;
    int state = atomic_load(&reg->state);
    if (WBEMEV_SUCCEEDED(*st) && state == REG_INITIALIZING && !kept) {
        /* Not ready, and nothing left to report readiness with: it never could become ready. */
        wbemev__mutex_unlock(&d->lock);
        wbemev__checker_violation(&d->checker, WBEMEV_VIOLATION_INIT_NOT_REPORTED, reg->name, "Initialize", NULL);
        wbemev__mutex_lock(&d->lock);
        int expected = REG_INITIALIZING;
        if (atomic_compare_exchange_strong(&reg->state, &expected, REG_FAILED))
            state = REG_FAILED;
        else
            state = expected;
    }
    if (WBEMEV_FAILED(*st) || state == REG_FAILED) {
        wbemev__reg_unlink(d, reg);
        /* Out of memory (the init sink, or the provider's own) is reported as such. */
        if (*st != WBEMEV_E_OUT_OF_MEMORY)
            *st = WBEMEV_E_PROVIDER_LOAD_FAILURE;
    }
    wbemev__mutex_unlock(&d->lock);
    return state;
}

wbemev_status wbemev__reg_start(wbemev_dispatcher_t *d, struct wbemev__reg *reg)
{
    if (reg->provider->vtbl->initialize != NULL) {
        wbemev_status st;
        int state = reg_initialize(d, reg, &st);
        if (WBEMEV_FAILED(st)) {
            wbemev__reg_stop(reg);
            wbemev__reg_release(reg); /* the list's */
            return st;
        }
        if (state == REG_INITIALIZING)
            return WBEMEV_S_NO_ERROR; /* readiness will be reported later, from another thread */
    } else {
        atomic_store(&reg->state, REG_READY);
    }
    if (WBEMEV_FAILED(catch_up(d, reg))) { /* out of memory: undo the registration */
        drop_reg(d, reg);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__regs_covering(wbemev_dispatcher_t *d, const wbemev_class_t *cls, struct wbemev__reg ***out,
                                    size_t *count)
{
    size_t n = 0;
    for (struct wbemev__reg *r = d->regs; r != NULL; r = r->next)
        n += atomic_load(&r->state) == REG_READY && wbemev__reg_covers(r, cls);
    *out = NULL;
    *count = 0;
    if (n == 0)
        return WBEMEV_S_NO_ERROR;
    struct wbemev__reg **v = wbemev__calloc(n, sizeof *v);
    if (v == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    size_t k = 0;
    for (struct wbemev__reg *r = d->regs; r != NULL && k < n; r = r->next) {
        if (atomic_load(&r->state) == REG_READY && wbemev__reg_covers(r, cls)) {
            wbemev__ref_inc(&r->refs);
            v[k++] = r;
        }
    }
    *out = v;
    *count = k;
    return WBEMEV_S_NO_ERROR;
}

void wbemev__regs_release(struct wbemev__reg **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wbemev__reg_release(v[i]);
    wbemev__free(v);
}
