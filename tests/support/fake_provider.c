/*
 * tests/support/fake_provider.c: the configurable fake provider (fake_provider.h).
 */
#include "fake_provider.h"
#include "fake_sync.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct log_entry {
    fake_call call;
    uint32_t id;
};

/* Readiness as the fake reported it: what the dispatcher may call depends on it. */
enum ready { READY_NO_INITIALIZE, READY_NOT_CALLED, READY_PENDING, READY_YES, READY_FAILED };

struct fake_provider {
    wbemev_provider_t base;
    wbemev_provider_vtbl vtbl;
    atomic_int refs;
    atomic_size_t counts[FAKE_CALL_KINDS];
    _Atomic(wbemev_sink_t *) sink;
    _Atomic(wbemev_sink_t *) init_sink;

    fake_mutex mu; /* everything below */
    fake_init_mode init_how;
    wbemev_status init_status;
    fake_sink_mode sink_mode;
    wbemev_status answer[FAKE_CALL_KINDS];
    fake_provider_hook hook;
    void *hook_ctx;
    enum ready ready;
    bool ended; /* the final release happened */
    struct log_entry *log;
    size_t nlog, log_cap;
    char last_query[256];
    size_t last_sid_length;
    size_t anomalies;
    char anomaly[256];
    char verdict[320];
};

static fake_provider *from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, fake_provider, base);
}

/* Under p->mu. */
static void note_anomaly(fake_provider *p, const char *what)
{
    if (p->anomalies++ == 0)
        snprintf(p->anomaly, sizeof p->anomaly, "%s", what);
}

/* Under p->mu: logs a WMI call and checks what the dispatcher may call at this point. */
static void log_call(fake_provider *p, fake_call call, uint32_t id)
{
    static const char *const names[] = {"Initialize", "ProvideEvents", "NewQuery", "CancelQuery", "AccessCheck"};
    char what[96];
    if (p->ended && call != FAKE_CALL_FINAL_RELEASE) {
        snprintf(what, sizeof what, "%s after the final release", names[call]);
        note_anomaly(p, what);
    } else if (call != FAKE_CALL_INITIALIZE && call != FAKE_CALL_FINAL_RELEASE && p->ready != READY_YES &&
               p->ready != READY_NO_INITIALIZE) {
        snprintf(what, sizeof what, "%s before the provider reported readiness", names[call]);
        note_anomaly(p, what);
    }
    if (p->nlog == p->log_cap) {
        size_t cap = p->log_cap != 0 ? p->log_cap * 2 : 32;
        struct log_entry *log = realloc(p->log, cap * sizeof *log);
        if (log == NULL) {
            note_anomaly(p, "the fake's call log could not grow (out of memory)");
            return;
        }
        p->log = log;
        p->log_cap = cap;
    }
    p->log[p->nlog++] = (struct log_entry){call, id};
}

static void run_hook(fake_provider *p, const fake_call_args *args)
{
    fake_mutex_lock(&p->mu);
    fake_provider_hook hook = p->hook;
    void *ctx = p->hook_ctx;
    fake_mutex_unlock(&p->mu);
    if (hook != NULL)
        hook(ctx, p, args);
}

static wbemev_status answer_of(fake_provider *p, fake_call call)
{
    fake_mutex_lock(&p->mu);
    wbemev_status st = p->answer[call];
    fake_mutex_unlock(&p->mu);
    return st;
}

/* ---- the vtable ---- */

static void vt_add_ref(wbemev_provider_t *base)
{
    fake_provider *p = from(base);
    atomic_fetch_add(&p->counts[FAKE_CALL_ADD_REF], 1);
    if (atomic_fetch_add(&p->refs, 1) <= 0) {
        fake_mutex_lock(&p->mu);
        note_anomaly(p, "add_ref after the final release");
        fake_mutex_unlock(&p->mu);
    }
}

static void vt_release(wbemev_provider_t *base)
{
    fake_provider *p = from(base);
    atomic_fetch_add(&p->counts[FAKE_CALL_RELEASE], 1);
    int before = atomic_fetch_sub(&p->refs, 1);
    if (before > 1)
        return;
    fake_mutex_lock(&p->mu);
    if (before < 1) {
        note_anomaly(p, "release without a reference (after the final release)");
        fake_mutex_unlock(&p->mu);
        return;
    }
    /* The final release stops the provider: it lets go of its sinks (unless told to get it wrong). */
    atomic_fetch_add(&p->counts[FAKE_CALL_FINAL_RELEASE], 1);
    log_call(p, FAKE_CALL_FINAL_RELEASE, 0);
    p->ended = true;
    fake_sink_mode mode = p->sink_mode;
    fake_mutex_unlock(&p->mu);
    wbemev_sink_t *sink = atomic_exchange(&p->sink, NULL);
    wbemev_sink_t *init_sink = atomic_exchange(&p->init_sink, NULL);
    if (sink != NULL && mode == FAKE_SINK_KEEP)
        wbemev_sink_release(sink);
    if (init_sink != NULL)
        wbemev_sink_release(init_sink);
    fake_call_args args = {.call = FAKE_CALL_FINAL_RELEASE};
    run_hook(p, &args);
}

static wbemev_status vt_initialize(wbemev_provider_t *base, const wbemev_provider_init *init, wbemev_sink_t *init_sink)
{
    fake_provider *p = from(base);
    atomic_fetch_add(&p->counts[FAKE_CALL_INITIALIZE], 1);
    fake_mutex_lock(&p->mu);
    log_call(p, FAKE_CALL_INITIALIZE, 0);
    if (init == NULL || init->ns == NULL || init->namespace_name == NULL || init->provider_name == NULL)
        note_anomaly(p, "Initialize without its namespace, namespace name or provider name");
    if (init_sink == NULL)
        note_anomaly(p, "Initialize without an init sink");
    fake_init_mode how = p->init_how;
    wbemev_status status = p->init_status;
    /* Each registration starts with Initialize (a test may register the fake again). Readiness is
     * noted before it is reported: the dispatcher may call on from inside SetStatus. */
    p->ready = how == FAKE_INIT_READY ? (WBEMEV_SUCCEEDED(status) ? READY_YES : READY_FAILED)
               : how == FAKE_INIT_RETURN ? READY_FAILED
                                         : READY_PENDING;
    fake_mutex_unlock(&p->mu);
    if (how == FAKE_INIT_LATER && init_sink != NULL) {
        wbemev_sink_t *old = atomic_exchange(&p->init_sink, wbemev_sink_add_ref(init_sink));
        if (old != NULL)
            wbemev_sink_release(old);
    }
    fake_call_args args = {.call = FAKE_CALL_INITIALIZE, .init = init, .sink = init_sink};
    run_hook(p, &args);
    switch (how) {
    case FAKE_INIT_READY: {
        wbemev_status st = wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE, status, NULL, NULL);
        if (WBEMEV_FAILED(st)) {
            fake_mutex_lock(&p->mu);
            p->ready = READY_PENDING;
            fake_mutex_unlock(&p->mu);
        }
        return st;
    }
    case FAKE_INIT_RETURN:
        return status;
    case FAKE_INIT_LATER:
    case FAKE_INIT_NEVER:
        break;
    }
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status vt_provide_events(wbemev_provider_t *base, wbemev_sink_t *sink, int32_t flags)
{
    fake_provider *p = from(base);
    atomic_fetch_add(&p->counts[FAKE_CALL_PROVIDE_EVENTS], 1);
    fake_mutex_lock(&p->mu);
    log_call(p, FAKE_CALL_PROVIDE_EVENTS, 0);
    if (sink == NULL)
        note_anomaly(p, "ProvideEvents without a sink");
    if (flags != 0)
        note_anomaly(p, "ProvideEvents with flags other than 0");
    wbemev_status st = p->answer[FAKE_CALL_PROVIDE_EVENTS];
    fake_sink_mode mode = p->sink_mode;
    fake_mutex_unlock(&p->mu);
    if (WBEMEV_SUCCEEDED(st) && sink != NULL) {
        wbemev_sink_t *old = atomic_exchange(&p->sink, mode == FAKE_SINK_BORROW ? sink : wbemev_sink_add_ref(sink));
        if (old != NULL && mode != FAKE_SINK_BORROW)
            wbemev_sink_release(old);
    }
    fake_call_args args = {.call = FAKE_CALL_PROVIDE_EVENTS, .sink = sink, .flags = flags};
    run_hook(p, &args);
    return st;
}

static wbemev_status vt_new_query(wbemev_provider_t *base, uint32_t id, const char *language, const char *query)
{
    fake_provider *p = from(base);
    atomic_fetch_add(&p->counts[FAKE_CALL_NEW_QUERY], 1);
    fake_mutex_lock(&p->mu);
    log_call(p, FAKE_CALL_NEW_QUERY, id);
    if (language == NULL || strcmp(language, "WQL") != 0)
        note_anomaly(p, "NewQuery in a language other than WQL");
    if (query == NULL)
        note_anomaly(p, "NewQuery without a query");
    snprintf(p->last_query, sizeof p->last_query, "%s", query != NULL ? query : "");
    fake_mutex_unlock(&p->mu);
    fake_call_args args = {.call = FAKE_CALL_NEW_QUERY, .query_id = id, .language = language, .query = query};
    run_hook(p, &args);
    return answer_of(p, FAKE_CALL_NEW_QUERY);
}

static wbemev_status vt_cancel_query(wbemev_provider_t *base, uint32_t id)
{
    fake_provider *p = from(base);
    atomic_fetch_add(&p->counts[FAKE_CALL_CANCEL_QUERY], 1);
    fake_mutex_lock(&p->mu);
    log_call(p, FAKE_CALL_CANCEL_QUERY, id);
    fake_mutex_unlock(&p->mu);
    fake_call_args args = {.call = FAKE_CALL_CANCEL_QUERY, .query_id = id};
    run_hook(p, &args);
    return answer_of(p, FAKE_CALL_CANCEL_QUERY);
}

static wbemev_status vt_access_check(wbemev_provider_t *base, const char *language, const char *query,
                                     const uint8_t *sid, size_t sid_length)
{
    fake_provider *p = from(base);
    atomic_fetch_add(&p->counts[FAKE_CALL_ACCESS_CHECK], 1);
    fake_mutex_lock(&p->mu);
    log_call(p, FAKE_CALL_ACCESS_CHECK, 0);
    if (language == NULL || strcmp(language, "WQL") != 0)
        note_anomaly(p, "AccessCheck in a language other than WQL");
    if (query == NULL)
        note_anomaly(p, "AccessCheck without a query");
    if ((sid == NULL) != (sid_length == 0))
        note_anomaly(p, "AccessCheck with a SID and length that disagree");
    snprintf(p->last_query, sizeof p->last_query, "%s", query != NULL ? query : "");
    p->last_sid_length = sid_length;
    fake_mutex_unlock(&p->mu);
    fake_call_args args = {.call = FAKE_CALL_ACCESS_CHECK, .language = language, .query = query, .sid = sid,
                           .sid_length = sid_length};
    run_hook(p, &args);
    return answer_of(p, FAKE_CALL_ACCESS_CHECK);
}

/* ---- lifetime and scripting ---- */

fake_provider *fake_provider_new(void)
{
    fake_provider *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->base.vtbl = &p->vtbl;
    atomic_init(&p->refs, 1);
    for (int i = 0; i < FAKE_CALL_KINDS; i++)
        atomic_init(&p->counts[i], 0);
    atomic_init(&p->sink, NULL);
    atomic_init(&p->init_sink, NULL);
    fake_mutex_init(&p->mu);
    p->init_how = FAKE_INIT_READY;
    p->init_status = WBEMEV_S_INITIALIZED;
    p->sink_mode = FAKE_SINK_KEEP;
    fake_provider_set_methods(p, FAKE_PROVIDER_ALL_METHODS);
    return p;
}

void fake_provider_free(fake_provider *p)
{
    if (p == NULL)
        return;
    fake_mutex_destroy(&p->mu);
    free(p->log);
    free(p);
}

wbemev_provider_t *fake_provider_base(fake_provider *p)
{
    return &p->base;
}

wbemev_provider_vtbl *fake_provider_vtbl(fake_provider *p)
{
    return &p->vtbl;
}

void fake_provider_set_methods(fake_provider *p, unsigned methods)
{
    p->vtbl = (wbemev_provider_vtbl){
        WBEMEV_PROVIDER_VTBL_VERSION,
        vt_add_ref,
        vt_release,
        (methods & FAKE_PROVIDER_INITIALIZE) ? vt_initialize : NULL,
        vt_provide_events,
        (methods & FAKE_PROVIDER_NEW_QUERY) ? vt_new_query : NULL,
        (methods & FAKE_PROVIDER_CANCEL_QUERY) ? vt_cancel_query : NULL,
        (methods & FAKE_PROVIDER_ACCESS_CHECK) ? vt_access_check : NULL,
    };
    fake_mutex_lock(&p->mu);
    p->ready = (methods & FAKE_PROVIDER_INITIALIZE) ? READY_NOT_CALLED : READY_NO_INITIALIZE;
    fake_mutex_unlock(&p->mu);
}

void fake_provider_set_init(fake_provider *p, fake_init_mode how, wbemev_status status)
{
    fake_mutex_lock(&p->mu);
    p->init_how = how;
    p->init_status = status;
    fake_mutex_unlock(&p->mu);
}

void fake_provider_set_sink_mode(fake_provider *p, fake_sink_mode mode)
{
    fake_mutex_lock(&p->mu);
    p->sink_mode = mode;
    fake_mutex_unlock(&p->mu);
}

void fake_provider_answer(fake_provider *p, fake_call call, wbemev_status status)
{
    if (call < 0 || call >= FAKE_CALL_KINDS)
        return;
    fake_mutex_lock(&p->mu);
    p->answer[call] = status;
    fake_mutex_unlock(&p->mu);
}

void fake_provider_set_hook(fake_provider *p, fake_provider_hook hook, void *ctx)
{
    fake_mutex_lock(&p->mu);
    p->hook = hook;
    p->hook_ctx = ctx;
    fake_mutex_unlock(&p->mu);
}

/* Not through base.vtbl: a test may have broken that on purpose. */
void fake_provider_add_ref(fake_provider *p)
{
    vt_add_ref(&p->base);
}

void fake_provider_release(fake_provider *p)
{
    vt_release(&p->base);
}

/* ---- the kept sinks ---- */

wbemev_sink_t *fake_provider_sink(fake_provider *p)
{
    return atomic_load(&p->sink);
}

wbemev_sink_t *fake_provider_init_sink(fake_provider *p)
{
    return atomic_load(&p->init_sink);
}

wbemev_status fake_provider_report_init(fake_provider *p, wbemev_status status)
{
    wbemev_sink_t *s = atomic_load(&p->init_sink);
    if (s == NULL)
        return WBEMEV_E_NOT_AVAILABLE;
    fake_mutex_lock(&p->mu);
    enum ready before = p->ready;
    if (p->ready == READY_PENDING)
        p->ready = WBEMEV_SUCCEEDED(status) ? READY_YES : READY_FAILED;
    fake_mutex_unlock(&p->mu);
    wbemev_status st = wbemev_sink_set_status(s, WBEMEV_STATUS_COMPLETE, status, NULL, NULL);
    if (WBEMEV_FAILED(st)) { /* not taken: still pending */
        fake_mutex_lock(&p->mu);
        p->ready = before;
        fake_mutex_unlock(&p->mu);
    }
    return st;
}

wbemev_status fake_provider_indicate(fake_provider *p, int32_t count, wbemev_object_t *const *objects)
{
    wbemev_sink_t *s = atomic_load_explicit(&p->sink, memory_order_acquire);
    return s != NULL ? wbemev_sink_indicate(s, count, objects) : WBEMEV_E_NOT_AVAILABLE;
}

wbemev_status fake_provider_indicate1(fake_provider *p, wbemev_object_t *object)
{
    return fake_provider_indicate(p, 1, &object);
}

/* ---- what happened ---- */

int fake_provider_refs(fake_provider *p)
{
    return atomic_load(&p->refs);
}

size_t fake_provider_calls(fake_provider *p, fake_call call)
{
    return call >= 0 && call < FAKE_CALL_KINDS ? atomic_load(&p->counts[call]) : 0;
}

size_t fake_provider_log_size(fake_provider *p)
{
    fake_mutex_lock(&p->mu);
    size_t n = p->nlog;
    fake_mutex_unlock(&p->mu);
    return n;
}

fake_call fake_provider_log_call(fake_provider *p, size_t i)
{
    fake_mutex_lock(&p->mu);
    fake_call c = i < p->nlog ? p->log[i].call : FAKE_CALL_KINDS;
    fake_mutex_unlock(&p->mu);
    return c;
}

uint32_t fake_provider_log_id(fake_provider *p, size_t i)
{
    fake_mutex_lock(&p->mu);
    uint32_t id = i < p->nlog ? p->log[i].id : 0;
    fake_mutex_unlock(&p->mu);
    return id;
}

size_t fake_provider_first(fake_provider *p, fake_call call)
{
    size_t at = SIZE_MAX;
    fake_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->nlog; i++) {
        if (p->log[i].call == call) {
            at = i;
            break;
        }
    }
    fake_mutex_unlock(&p->mu);
    return at;
}

void fake_provider_last_query(fake_provider *p, char *buf, size_t size)
{
    if (size == 0)
        return;
    fake_mutex_lock(&p->mu);
    snprintf(buf, size, "%s", p->last_query);
    fake_mutex_unlock(&p->mu);
}

size_t fake_provider_last_sid_length(fake_provider *p)
{
    fake_mutex_lock(&p->mu);
    size_t n = p->last_sid_length;
    fake_mutex_unlock(&p->mu);
    return n;
}

size_t fake_provider_anomalies(fake_provider *p)
{
    fake_mutex_lock(&p->mu);
    size_t n = p->anomalies;
    fake_mutex_unlock(&p->mu);
    return n;
}

const char *fake_provider_anomaly(fake_provider *p)
{
    fake_mutex_lock(&p->mu);
    const char *a = p->anomalies != 0 ? p->anomaly : NULL;
    fake_mutex_unlock(&p->mu);
    return a;
}

const char *fake_provider_check_ended(fake_provider *p)
{
    int refs = atomic_load(&p->refs);
    size_t finals = atomic_load(&p->counts[FAKE_CALL_FINAL_RELEASE]);
    bool sinks = atomic_load(&p->sink) != NULL || atomic_load(&p->init_sink) != NULL;
    fake_mutex_lock(&p->mu);
    const char *verdict = NULL;
    if (p->anomalies != 0)
        snprintf(p->verdict, sizeof p->verdict, "%zu anomal%s, the first: %s", p->anomalies,
                 p->anomalies == 1 ? "y" : "ies", p->anomaly);
    else if (refs != 0)
        snprintf(p->verdict, sizeof p->verdict, "%d reference%s still held", refs, refs == 1 ? "" : "s");
    else if (finals != 1)
        snprintf(p->verdict, sizeof p->verdict, "%zu final releases", finals);
    else if (sinks)
        snprintf(p->verdict, sizeof p->verdict, "a sink is still kept after the final release");
    if (p->anomalies != 0 || refs != 0 || finals != 1 || sinks)
        verdict = p->verdict;
    fake_mutex_unlock(&p->mu);
    return verdict;
}
