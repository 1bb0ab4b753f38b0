/*
 * lib/output/callback_sink.c: the callback sink, a consumer sink that calls a function for each
 * event and for each SetStatus. See wbemev/sinks.h.
 */
#include "base/base.h"

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
