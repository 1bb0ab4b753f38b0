/*
 * examples/burst_provider.c: see burst_provider.h.
 */
#include "burst_provider.h"
#include "example_thread.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

wbemev_status burst_provider_define_classes(wbemev_namespace_t *ns)
{
    return burst_define_classes(ns, false);
}

struct burst {
    wbemev_provider_t base;
    atomic_int refs;
    burst_options opts;
    /* Burst_Event and its property handles, looked up once, in initialize (burst_mof.h) */
    burst_handles mof;
    wbemev_sink_t *sink; /* kept from provide_events */
    example_mutex lock;
    example_cond cond;
    example_thread worker;
    bool running;
    bool done;
    atomic_bool stop;
    /* The host's requests, counted under `lock` by NewQuery/CancelQuery and looked at by the
     * worker before each burst and before it refires (guideline 3): how many subscriptions want
     * events. */
    unsigned listeners;
    bool free_on_exit; /* the final Release came on the worker's own thread: it frees at its end */
    unsigned long long accepted;
};

static struct burst *burst_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct burst, base);
}

static void burst_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add(&burst_from(p)->refs, 1);
}

static void burst_free(struct burst *b)
{
    if (b->sink != NULL)
        wbemev_sink_release(b->sink);
    burst_fini(&b->mof);
    example_cond_destroy(&b->cond);
    example_mutex_destroy(&b->lock);
    free(b);
}

static void burst_release(wbemev_provider_t *p)
{
    struct burst *b = burst_from(p);
    if (atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    /* The final release stops the provider: stop and join the worker, then let go of the sink. A
     * release made on the worker itself (from inside its own Indicate: a consumer that
     * unregistered us) cannot join it: the worker stops and frees at its end instead. */
    example_mutex_lock(&b->lock);
    atomic_store(&b->stop, true);
    example_cond_broadcast(&b->cond); /* a worker waiting for listeners */
    example_mutex_unlock(&b->lock);
    if (b->running && example_thread_is_self(b->worker)) {
        example_mutex_lock(&b->lock);
        b->free_on_exit = true;
        example_mutex_unlock(&b->lock);
        example_thread_detach(b->worker);
        return;
    }
    if (b->running)
        example_thread_join(b->worker);
    burst_free(b);
}

static wbemev_status burst_initialize(wbemev_provider_t *p, const wbemev_provider_init *init,
                                      wbemev_sink_t *init_sink)
{
    struct burst *b = burst_from(p);
    /* Fetch the class definition and its property handles once, as a WMI provider does with
     * GetObject and IWbemObjectAccess::GetPropertyHandle. */
    wbemev_status st = burst_init(&b->mof, init->ns);
    wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE,
                           WBEMEV_SUCCEEDED(st) ? WBEMEV_S_INITIALIZED : WBEMEV_E_FAILED, NULL, NULL);
    return WBEMEV_S_NO_ERROR;
}

static void finish(struct burst *b, unsigned long long accepted)
{
    example_mutex_lock(&b->lock);
    b->accepted = accepted;
    b->done = true;
    bool free_now = b->free_on_exit;
    example_cond_broadcast(&b->cond);
    example_mutex_unlock(&b->lock);
    if (free_now)
        burst_free(b);
}

/* Before each burst: the requests the host made are looked at, and with no subscription left the
 * worker waits for one (or for stop) instead of polling. False when stopping. */
static bool wait_for_listeners(struct burst *b)
{
    example_mutex_lock(&b->lock);
    while (b->listeners == 0 && !atomic_load(&b->stop))
        example_cond_wait(&b->cond, &b->lock);
    example_mutex_unlock(&b->lock);
    return !atomic_load(&b->stop);
}

/* SERVER_TOO_BUSY: the host has requests waiting. Look at them, then back off before refiring, a
 * little longer each time in a row. */
static void back_off(struct burst *b, unsigned *busy_in_a_row)
{
    wait_for_listeners(b);
    unsigned spins = 1u << (*busy_in_a_row < 10 ? *busy_in_a_row : 10);
    for (unsigned i = 0; i < spins; i++)
        example_yield();
    ++*busy_in_a_row;
}

EXAMPLE_THREAD_FN(burst_worker)
{
    struct burst *b = arg;
    unsigned size = b->opts.burst_size;
    wbemev_object_t **batch = calloc(size, sizeof *batch);
    wbemev_object_t *template = NULL;
    unsigned long long accepted = 0, sequence = 0;
    if (batch == NULL || WBEMEV_FAILED(burst_event_spawn(&b->mof, &template))) {
        free(batch);
        finish(b, 0);
        EXAMPLE_THREAD_RETURN;
    }
    /* Typed setters generated from burst.mof: a misspelled property does not compile. */
    burst_event_put_name(&b->mof, template, "burst");
    burst_event_put_severity(&b->mof, template, 1);

    unsigned busy_in_a_row = 0;
    for (unsigned burst = 0; (b->opts.bursts == 0 || burst < b->opts.bursts) && wait_for_listeners(b);) {
        /* One unique object per event: clone the template. */
        unsigned n = 0;
        for (; n < size; n++) {
            if (WBEMEV_FAILED(wbemev_object_clone(template, &batch[n])))
                break;
            burst_event_put_sequence(&b->mof, batch[n], sequence + n);
            burst_event_put_burst(&b->mof, batch[n], burst);
        }
        wbemev_status st = wbemev_sink_indicate(b->sink, (int32_t)n, batch);
        for (unsigned i = 0; i < n; i++)
            wbemev_object_release(batch[i]);
        if (st == WBEMEV_E_CALL_CANCELLED)
            break; /* the host is stopping us: stop */
        if (st == WBEMEV_E_SERVER_TOO_BUSY) {
            /* Refire only after looking at what the host asked meanwhile (guideline 3). */
            back_off(b, &busy_in_a_row);
            continue;
        }
        busy_in_a_row = 0;
        if (WBEMEV_SUCCEEDED(st))
            accepted += n;
        sequence += n;
        burst++;
    }
    wbemev_object_release(template);
    free(batch);
    finish(b, accepted); /* may free b */
    EXAMPLE_THREAD_RETURN;
}

static wbemev_status burst_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    struct burst *b = burst_from(p);
    (void)flags;
    if (b->running)
        return WBEMEV_S_NO_ERROR; /* a second call keeps the running worker */
    b->sink = wbemev_sink_add_ref(sink);
    /* Return at once: the worker indicates. */
    if (example_thread_start(&b->worker, burst_worker, b) != 0) {
        wbemev_sink_release(b->sink);
        b->sink = NULL;
        return WBEMEV_E_FAILED;
    }
    b->running = true;
    return WBEMEV_S_NO_ERROR;
}

/* NewQuery and CancelQuery only note the request and return at once (the host filters; the
 * worker looks at what changed before it refires). */
static void note_request(struct burst *b, int listeners_delta)
{
    example_mutex_lock(&b->lock);
    b->listeners = (unsigned)((int)b->listeners + listeners_delta);
    example_cond_broadcast(&b->cond);
    example_mutex_unlock(&b->lock);
}

static wbemev_status burst_new_query(wbemev_provider_t *p, uint32_t id, const char *language, const char *query)
{
    (void)id, (void)language, (void)query;
    note_request(burst_from(p), +1);
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status burst_cancel_query(wbemev_provider_t *p, uint32_t id)
{
    (void)id;
    note_request(burst_from(p), -1);
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_provider_vtbl burst_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, burst_add_ref,   burst_release,      burst_initialize,
    burst_provide_events,         burst_new_query, burst_cancel_query, NULL,
};

wbemev_status burst_provider_new(const burst_options *opts, wbemev_provider_t **out)
{
    if (out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    struct burst *b = calloc(1, sizeof *b);
    if (b == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    b->base.vtbl = &burst_vtbl;
    atomic_init(&b->refs, 1);
    b->opts.bursts = opts ? opts->bursts : 3;
    b->opts.burst_size = opts && opts->burst_size ? opts->burst_size : 400;
    example_mutex_init(&b->lock);
    example_cond_init(&b->cond);
    *out = &b->base;
    return WBEMEV_S_NO_ERROR;
}

unsigned long long burst_provider_wait(wbemev_provider_t *provider)
{
    struct burst *b = burst_from(provider);
    example_mutex_lock(&b->lock);
    while (!b->done)
        example_cond_wait(&b->cond, &b->lock);
    unsigned long long n = b->accepted;
    example_mutex_unlock(&b->lock);
    return n;
}
