/*
 * wbemev/sinks.h: ready-made consumer sinks.
 *
 *  - the callback sink calls a function for each event and for the final status;
 *  - the recording sink keeps a reference to every event it receives and every SetStatus, so a test
 *    can read back what arrived.
 *
 * Both are ordinary wbemev sinks: reference counted, starting at 1 owned by the creator, released with
 * wbemev_sink_release. Their counters are updated atomically; Indicate may be called from several
 * threads at once.
 */
#ifndef WBEMEV_SINKS_H
#define WBEMEV_SINKS_H

#include "sink.h"

WBEMEV_BEGIN_DECLS

/** Called once per event; return a failure to cancel the subscription. The event is borrowed. */
typedef wbemev_status (*wbemev_event_fn)(void *ctx, wbemev_object_t *event);
/** Called once with the final status (may be NULL). */
typedef void (*wbemev_status_fn)(void *ctx, int32_t flags, wbemev_status status, const char *text);

/**
 * A sink that calls on_event for each event and on_status (optional) for each SetStatus.
 * WBEMEV_E_INVALID_PARAMETER when on_event or out is NULL.
 */
WBEMEV_API wbemev_status wbemev_callback_sink_new(wbemev_event_fn on_event, wbemev_status_fn on_status,
                                                  void *ctx, wbemev_sink_t **out);

/** One SetStatus the recording sink received. text is a copy (may be NULL). */
typedef struct wbemev_recorded_status {
    int32_t flags;         /**< WBEMEV_STATUS_COMPLETE or WBEMEV_STATUS_PROGRESS */
    wbemev_status status;  /**< the status reported */
    const char *text;      /**< a copy of the text, or NULL */
} wbemev_recorded_status;

/** A sink that keeps every event (add_ref) and every SetStatus. Its Indicate keeps all of the call's
 * events or, answering WBEMEV_E_OUT_OF_MEMORY, none of them. */
WBEMEV_API wbemev_status wbemev_recording_sink_new(wbemev_sink_t **out);

/** Events received so far (0 for a sink that is not a recording sink). */
WBEMEV_API size_t wbemev_recording_sink_count(wbemev_sink_t *sink);
/** Event number `index` (borrowed; alive as long as the sink), or NULL when out of range. */
WBEMEV_API wbemev_object_t *wbemev_recording_sink_event(wbemev_sink_t *sink, size_t index);
/** Number of Indicate calls received (an Indicate may carry several events). */
WBEMEV_API size_t wbemev_recording_sink_indicate_calls(wbemev_sink_t *sink);
/** SetStatus calls received so far. */
WBEMEV_API size_t wbemev_recording_sink_status_count(wbemev_sink_t *sink);
/** SetStatus number `index`, or NULL when out of range. */
WBEMEV_API const wbemev_recorded_status *wbemev_recording_sink_status(wbemev_sink_t *sink, size_t index);
/** The sink's reference count now (tests assert balance with it). */
WBEMEV_API uint32_t wbemev_recording_sink_refs(wbemev_sink_t *sink);
/** Makes the next Indicate calls fail: after `after` more successful events, every Indicate answers
 * `status` (a failure). Use to test consumer-failure cancellation. */
WBEMEV_API void wbemev_recording_sink_fail_after(wbemev_sink_t *sink, size_t after, wbemev_status status);
/** Forgets the recorded events (releasing them) and statuses. */
WBEMEV_API void wbemev_recording_sink_clear(wbemev_sink_t *sink);

WBEMEV_END_DECLS

#endif /* WBEMEV_SINKS_H */
