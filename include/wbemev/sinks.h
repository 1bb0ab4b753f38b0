/*
 * wbemev/sinks.h: a ready-made consumer sink, the callback sink: it calls a function for each event
 * and for each SetStatus. (The formatting sink is in wbemev/format.h; the recording sink, for
 * tests, in wbemev/testkit.h.)
 *
 * It is an ordinary wbemev sink: reference counted, starting at 1 owned by the creator, released
 * with wbemev_sink_release. Indicate may be called from several threads at once: the functions are
 * then called concurrently.
 */
#ifndef WBEMEV_SINKS_H
#define WBEMEV_SINKS_H

#include "sink.h"

WBEMEV_BEGIN_DECLS

/** Called once per event; return a failure to cancel the subscription. The event is borrowed. */
typedef wbemev_status (*wbemev_event_fn)(void *ctx, wbemev_object_t *event);
/** Called for each SetStatus the sink receives: the non-terminal WBEMEV_STATUS_PROGRESS notices and
 * the final WBEMEV_STATUS_COMPLETE one. text may be NULL. */
typedef void (*wbemev_status_fn)(void *ctx, int32_t flags, wbemev_status status, const char *text);

/**
 * A sink that calls on_event for each event and on_status (optional) for each SetStatus.
 * WBEMEV_E_INVALID_PARAMETER when on_event or out is NULL.
 */
WBEMEV_API wbemev_status wbemev_callback_sink_new(wbemev_event_fn on_event, wbemev_status_fn on_status,
                                                  void *ctx, wbemev_sink_t **out);

WBEMEV_END_DECLS

#endif /* WBEMEV_SINKS_H */
