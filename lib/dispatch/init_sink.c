/*
 * lib/dispatch/init_sink.c: the sink Initialize receives. The provider reports readiness through
 * its SetStatus, once, from inside Initialize or later from any thread; it takes no events.
 */
#include "dispatch/dispatch.h"

struct init_sink {
    wbemev_sink_t base;
    wbemev__refcount refs;
    struct wbemev__reg *reg;
    atomic_bool reported;
};

static struct init_sink *init_sink_from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, struct init_sink, base);
}

static void init_sink_add_ref(wbemev_sink_t *s)
{
    wbemev__ref_inc(&init_sink_from(s)->refs);
}

static void init_sink_release(wbemev_sink_t *s)
{
    struct init_sink *is = init_sink_from(s);
    if (wbemev__ref_dec(&is->refs)) {
        wbemev__reg_release(is->reg);
        wbemev__free(is);
    }
}

static wbemev_status init_sink_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objects)
{
    (void)s, (void)count, (void)objects;
    return WBEMEV_E_INVALID_OPERATION; /* the init sink takes a status, not events */
}

static wbemev_status init_sink_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status status,
                                          const char *text, wbemev_object_t *object)
{
    (void)text, (void)object;
    struct init_sink *is = init_sink_from(s);
    if (flags != WBEMEV_STATUS_COMPLETE)
        return WBEMEV_S_NO_ERROR; /* progress reports are allowed and ignored */
    if (atomic_exchange(&is->reported, true))
        return WBEMEV_E_INVALID_OPERATION; /* readiness is reported once */
    if (!wbemev__reg_enter(is->reg))
        return WBEMEV_E_CALL_CANCELLED;
    wbemev__reg_initialized(is->reg, status);
    wbemev__reg_leave(is->reg);
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_sink_vtbl init_sink_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, init_sink_add_ref, init_sink_release, init_sink_indicate,
    init_sink_set_status,
};

wbemev_status wbemev__init_sink_new(struct wbemev__reg *reg, wbemev_sink_t **out)
{
    struct init_sink *is = wbemev__malloc(sizeof *is);
    if (is == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    is->base.vtbl = &init_sink_vtbl;
    wbemev__ref_init(&is->refs, 1);
    atomic_init(&is->reported, false);
    is->reg = reg;
    wbemev__ref_inc(&reg->refs);
    *out = &is->base;
    return WBEMEV_S_NO_ERROR;
}

bool wbemev__init_sink_kept(wbemev_sink_t *s)
{
    return wbemev__ref_get(&init_sink_from(s)->refs) > 1;
}
