/*
 * lib/sinks.c: ready-made consumer sinks: the callback sink and the recording sink.
 */
#include "base/base.h"

/* ------------------------------------------------------------------------------------------------
 * Callback sink
 */
struct callback_sink {
    wbemev_sink_t base;
    wbemev__refcount refs;
    wbemev_event_fn on_event;
    wbemev_status_fn on_status;
    void *ctx;
};

static struct callback_sink *cb_from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, struct callback_sink, base);
}

static void cb_add_ref(wbemev_sink_t *s)
{
    wbemev__ref_inc(&cb_from(s)->refs);
}

static void cb_release(wbemev_sink_t *s)
{
    struct callback_sink *cb = cb_from(s);
    if (wbemev__ref_dec(&cb->refs))
        wbemev__free(cb);
}

static wbemev_status cb_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objects)
{
    struct callback_sink *cb = cb_from(s);
    if (count < 0 || (count > 0 && objects == NULL))
        return WBEMEV_E_INVALID_PARAMETER;
    for (int32_t i = 0; i < count; i++) {
        wbemev_status st = cb->on_event(cb->ctx, objects[i]);
        if (WBEMEV_FAILED(st))
            return st;
    }
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status cb_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status status,
                                   const char *text, wbemev_object_t *object)
{
    (void)object;
    struct callback_sink *cb = cb_from(s);
    if (cb->on_status != NULL)
        cb->on_status(cb->ctx, flags, status, text);
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_sink_vtbl callback_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, cb_add_ref, cb_release, cb_indicate, cb_set_status,
};

wbemev_status wbemev_callback_sink_new(wbemev_event_fn on_event, wbemev_status_fn on_status, void *ctx,
                                       wbemev_sink_t **out)
{
    if (on_event == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    struct callback_sink *cb = wbemev__malloc(sizeof *cb);
    if (cb == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    cb->base.vtbl = &callback_vtbl;
    wbemev__ref_init(&cb->refs, 1);
    cb->on_event = on_event;
    cb->on_status = on_status;
    cb->ctx = ctx;
    *out = &cb->base;
    return WBEMEV_S_NO_ERROR;
}

/* ------------------------------------------------------------------------------------------------
 * Recording sink
 */
struct recording_sink {
    wbemev_sink_t base;
    wbemev__refcount refs;
    wbemev__mutex lock;
    wbemev_object_t **events;
    size_t nevents, cap;
    size_t indicate_calls;
    wbemev_recorded_status *statuses;
    size_t nstatuses;
    /* fail_after: once `fail_budget` more events were accepted, answer `fail_status` */
    bool failing;
    size_t fail_budget;
    wbemev_status fail_status;
};

static const wbemev_sink_vtbl recording_vtbl;

static struct recording_sink *rec_from(wbemev_sink_t *s)
{
    if (s == NULL || s->vtbl != &recording_vtbl)
        return NULL;
    return WBEMEV_CONTAINER_OF(s, struct recording_sink, base);
}

static void rec_add_ref(wbemev_sink_t *s)
{
    wbemev__ref_inc(&rec_from(s)->refs);
}

static void rec_clear_locked(struct recording_sink *r)
{
    for (size_t i = 0; i < r->nevents; i++)
        wbemev_object_release(r->events[i]);
    wbemev__free(r->events);
    r->events = NULL;
    r->nevents = r->cap = 0;
    for (size_t i = 0; i < r->nstatuses; i++)
        wbemev__free((char *)r->statuses[i].text);
    wbemev__free(r->statuses);
    r->statuses = NULL;
    r->nstatuses = 0;
    r->indicate_calls = 0;
}

static void rec_release(wbemev_sink_t *s)
{
    struct recording_sink *r = rec_from(s);
    if (wbemev__ref_dec(&r->refs)) {
        rec_clear_locked(r);
        wbemev__mutex_destroy(&r->lock);
        wbemev__free(r);
    }
}

static wbemev_status rec_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objects)
{
    struct recording_sink *r = rec_from(s);
    if (count < 0 || (count > 0 && objects == NULL))
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status st = WBEMEV_S_NO_ERROR;
    size_t take = (size_t)count;
    wbemev__mutex_lock(&r->lock);
    r->indicate_calls++;
    if (r->failing && r->fail_budget < take) {
        take = r->fail_budget; /* the events within the budget are kept, then the failure */
        st = r->fail_status;
    }
    /* Room for all of them first: out of memory keeps none of this call's events. */
    if (r->cap - r->nevents < take) {
        size_t cap = r->cap ? r->cap : 16;
        while (cap - r->nevents < take && cap <= SIZE_MAX / 2 / sizeof(wbemev_object_t *))
            cap *= 2;
        wbemev_object_t **v = cap - r->nevents >= take ? wbemev__realloc(r->events, cap * sizeof *v) : NULL;
        if (v == NULL) {
            wbemev__mutex_unlock(&r->lock);
            return WBEMEV_E_OUT_OF_MEMORY;
        }
        r->events = v;
        r->cap = cap;
    }
    if (r->failing)
        r->fail_budget -= take;
    for (size_t i = 0; i < take; i++)
        r->events[r->nevents++] = wbemev_object_add_ref(objects[i]); /* kept past the call */
    wbemev__mutex_unlock(&r->lock);
    return st;
}

static wbemev_status rec_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status status,
                                    const char *text, wbemev_object_t *object)
{
    (void)object;
    struct recording_sink *r = rec_from(s);
    char *copy = NULL;
    if (text != NULL && (copy = wbemev__strdup(text)) == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__mutex_lock(&r->lock);
    wbemev_recorded_status *v = wbemev__realloc(r->statuses, (r->nstatuses + 1) * sizeof *v);
    if (v == NULL) {
        wbemev__mutex_unlock(&r->lock);
        wbemev__free(copy);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    r->statuses = v;
    r->statuses[r->nstatuses++] = (wbemev_recorded_status){flags, status, copy};
    wbemev__mutex_unlock(&r->lock);
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_sink_vtbl recording_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, rec_add_ref, rec_release, rec_indicate, rec_set_status,
};

wbemev_status wbemev_recording_sink_new(wbemev_sink_t **out)
{
    if (out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    struct recording_sink *r = wbemev__calloc(1, sizeof *r);
    if (r == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__mutex_init(&r->lock);
    r->base.vtbl = &recording_vtbl;
    wbemev__ref_init(&r->refs, 1);
    *out = &r->base;
    return WBEMEV_S_NO_ERROR;
}

size_t wbemev_recording_sink_count(wbemev_sink_t *sink)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return 0;
    wbemev__mutex_lock(&r->lock);
    size_t n = r->nevents;
    wbemev__mutex_unlock(&r->lock);
    return n;
}

wbemev_object_t *wbemev_recording_sink_event(wbemev_sink_t *sink, size_t index)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return NULL;
    wbemev__mutex_lock(&r->lock);
    wbemev_object_t *o = index < r->nevents ? r->events[index] : NULL;
    wbemev__mutex_unlock(&r->lock);
    return o;
}

size_t wbemev_recording_sink_indicate_calls(wbemev_sink_t *sink)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return 0;
    wbemev__mutex_lock(&r->lock);
    size_t n = r->indicate_calls;
    wbemev__mutex_unlock(&r->lock);
    return n;
}

size_t wbemev_recording_sink_status_count(wbemev_sink_t *sink)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return 0;
    wbemev__mutex_lock(&r->lock);
    size_t n = r->nstatuses;
    wbemev__mutex_unlock(&r->lock);
    return n;
}

const wbemev_recorded_status *wbemev_recording_sink_status(wbemev_sink_t *sink, size_t index)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return NULL;
    wbemev__mutex_lock(&r->lock);
    const wbemev_recorded_status *st = index < r->nstatuses ? &r->statuses[index] : NULL;
    wbemev__mutex_unlock(&r->lock);
    return st;
}

uint32_t wbemev_recording_sink_refs(wbemev_sink_t *sink)
{
    struct recording_sink *r = rec_from(sink);
    return r != NULL ? wbemev__ref_get(&r->refs) : 0;
}

void wbemev_recording_sink_fail_after(wbemev_sink_t *sink, size_t after, wbemev_status status)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return;
    wbemev__mutex_lock(&r->lock);
    r->failing = WBEMEV_FAILED(status);
    r->fail_budget = after;
    r->fail_status = status;
    wbemev__mutex_unlock(&r->lock);
}

void wbemev_recording_sink_clear(wbemev_sink_t *sink)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return;
    wbemev__mutex_lock(&r->lock);
    rec_clear_locked(r);
    wbemev__mutex_unlock(&r->lock);
}
