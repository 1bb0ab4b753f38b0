/*
 * wbemev/sink.h: the sink interface (IWbemObjectSink).
 *
 * A sink receives events. The dispatcher hands one to each provider (ProvideEvents); consumers hand
 * one to the dispatcher (subscribe). Implement a sink by embedding a wbemev_sink_t as a member of
 * your struct, pointing it at a static const vtable, and recovering your struct with
 * WBEMEV_CONTAINER_OF in each slot:
 *
 *     struct counter { wbemev_sink_t base; atomic_uint refs; size_t events; };
 *     static wbemev_status counter_indicate(wbemev_sink_t *s, int32_t n, wbemev_object_t *const *objs)
 *     {
 *         struct counter *c = WBEMEV_CONTAINER_OF(s, struct counter, base);
 *         c->events += (size_t)n;
 *         return WBEMEV_S_NO_ERROR;
 *     }
 *     static const wbemev_sink_vtbl counter_vtbl = {
 *         WBEMEV_SINK_VTBL_VERSION, counter_add_ref, counter_release, counter_indicate, counter_set_status,
 *     };
 *
 * Rules (docs/contract.md#indicate):
 *  1. Indicate borrows `objects` and every object in it for the duration of the call. A sink that
 *     keeps an object afterwards add_refs it (wbemev_object_add_ref).
 *  2. Whoever stores a sink pointer add_refs it, and releases it exactly once when done.
 *  3. A consumer sink receives Indicate zero or more times, then exactly one
 *     SetStatus(WBEMEV_STATUS_COMPLETE, ...) when its subscription ends, then nothing. It must not
 *     call back into the dispatcher from Indicate, and should return within about 100 ms.
 *  4. A provider never calls SetStatus on the sink it was given (guideline 4): an event stream has
 *     no end. The dispatcher answers such a call with WBEMEV_E_INVALID_OPERATION.
 *  5. A failing status from a consumer's Indicate cancels its subscription.
 *  6. A queued consumer (WBEMEV_DELIVERY_QUEUED) whose queue dropped events is told, before its next
 *     event, with a non-terminal SetStatus(WBEMEV_STATUS_PROGRESS, WBEMEV_E_QUEUE_OVERFLOW,
 *     "<n> events dropped", NULL); see wbemev_backpressure in wbemev/dispatcher.h. Only
 *     SetStatus(WBEMEV_STATUS_COMPLETE, ...) ends the subscription.
 *
 * The vtable is versioned: slots are only ever appended, and `version` tells which exist.
 * add_ref, release, indicate and set_status are all mandatory.
 */
#ifndef WBEMEV_SINK_H
#define WBEMEV_SINK_H

#include "object.h"

WBEMEV_BEGIN_DECLS

/** The sink vtable version this header defines. */
#define WBEMEV_SINK_VTBL_VERSION 1

/** The sink's methods, in COM order (IWbemObjectSink); slots are only ever appended. */
typedef struct wbemev_sink_vtbl {
    uint32_t version; /**< WBEMEV_SINK_VTBL_VERSION */
    void (*add_ref)(wbemev_sink_t *sink); /**< Mandatory. Atomic: any thread may call it. */
    void (*release)(wbemev_sink_t *sink); /**< Mandatory. Frees the sink at 0. */
    /** count >= 0 objects; objects may be NULL only when count is 0. */
    wbemev_status (*indicate)(wbemev_sink_t *sink, int32_t count, wbemev_object_t *const *objects);
    /** flags: WBEMEV_STATUS_COMPLETE or WBEMEV_STATUS_PROGRESS; text and object may be NULL. */
    wbemev_status (*set_status)(wbemev_sink_t *sink, int32_t flags, wbemev_status status,
                                const char *text, wbemev_object_t *object);
} wbemev_sink_vtbl;

/** The base struct: embed it in your sink and point vtbl at a static const table. */
struct wbemev_sink_s {
    const wbemev_sink_vtbl *vtbl; /**< a static const table */
};

/** True when the sink has a vtable of a known version with every mandatory slot set. */
static inline bool wbemev_sink_is_valid(const wbemev_sink_t *sink)
{
    return sink != NULL && sink->vtbl != NULL && sink->vtbl->version >= 1 &&
           sink->vtbl->add_ref != NULL && sink->vtbl->release != NULL &&
           sink->vtbl->indicate != NULL && sink->vtbl->set_status != NULL;
}

/* Call helpers, in the spirit of COBJMACROS' IWbemObjectSink_Indicate(). */
/** Calls the sink's add_ref and returns sink. */
static inline wbemev_sink_t *wbemev_sink_add_ref(wbemev_sink_t *sink)
{
    sink->vtbl->add_ref(sink);
    return sink;
}
/** Calls the sink's release. */
static inline void wbemev_sink_release(wbemev_sink_t *sink)
{
    sink->vtbl->release(sink);
}
/** Calls the sink's indicate with `count` borrowed objects (rule 1). */
static inline wbemev_status wbemev_sink_indicate(wbemev_sink_t *sink, int32_t count,
                                                 wbemev_object_t *const *objects)
{
    return sink->vtbl->indicate(sink, count, objects);
}
/** Indicates one borrowed object. */
static inline wbemev_status wbemev_sink_indicate1(wbemev_sink_t *sink, wbemev_object_t *object)
{
    return sink->vtbl->indicate(sink, 1, &object);
}
/** Calls the sink's set_status (never on a provider's event sink: rule 4). */
static inline wbemev_status wbemev_sink_set_status(wbemev_sink_t *sink, int32_t flags,
                                                   wbemev_status status, const char *text,
                                                   wbemev_object_t *object)
{
    return sink->vtbl->set_status(sink, flags, status, text, object);
}

WBEMEV_END_DECLS

#endif /* WBEMEV_SINK_H */
