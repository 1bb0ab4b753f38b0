/*
 * wbemev/dispatcher.h: the dispatcher, wbemev's model of WMI.
 *
 * It owns a namespace (class definitions), provider registrations (each with its EventQueryList),
 * consumer subscriptions (WQL event queries) and their ids. It calls providers as WMI does
 * (wbemev/provider.h), receives their events through the sink it gives them, checks them, freezes
 * them, stamps __Event.TIME_CREATED when NULL, and delivers each to every subscription whose class
 * is the event's class or a superclass of it and whose WHERE clause matches.
 *
 * Ownership:
 *  1. The dispatcher add_refs every provider and consumer sink it stores and releases each exactly
 *     once: a consumer after its single terminal SetStatus, a provider when it is unregistered or
 *     the dispatcher is destroyed.
 *  2. A consumer receives exactly one SetStatus(WBEMEV_STATUS_COMPLETE, status) and nothing after
 *     it: WBEMEV_E_CALL_CANCELLED after unsubscribe or after its own Indicate failed,
 *     WBEMEV_E_SHUTTING_DOWN at destroy.
 *  3. The sink given to a provider stays valid as long as the provider holds a reference, even past
 *     unregister and destroy; from then on its Indicate answers WBEMEV_E_CALL_CANCELLED.
 *  4. No dispatcher lock is held while calling into providers or consumers.
 *
 * Thread-safety: every function here may be called from any thread, concurrently, except
 * wbemev_dispatcher_destroy, which must be the last call (no other call on this dispatcher may be in
 * progress or follow it; provider threads may still call Indicate on their sinks).
 * Calling subscribe, unsubscribe, register or unregister from inside a provider call or a
 * consumer's Indicate is a contract violation (guideline 2).
 */
#ifndef WBEMEV_DISPATCHER_H
#define WBEMEV_DISPATCHER_H

#include "provider.h"
#include "query.h"

WBEMEV_BEGIN_DECLS

/** Dispatcher options. Initialize with wbemev_dispatcher_options_init, then change fields. */
typedef struct wbemev_dispatcher_options {
    size_t struct_size;         /**< set by wbemev_dispatcher_options_init */
    const char *namespace_name; /**< default "root\\default"; copied */
} wbemev_dispatcher_options;

/** Fills *opts with the defaults. */
WBEMEV_API void wbemev_dispatcher_options_init(wbemev_dispatcher_options *opts);

/**
 * Creates a dispatcher with a fresh namespace. opts may be NULL for defaults.
 * WBEMEV_E_INVALID_PARAMETER (NULL out, bad struct_size), WBEMEV_E_OUT_OF_MEMORY.
 */
WBEMEV_API wbemev_status wbemev_dispatcher_new(const wbemev_dispatcher_options *opts,
                                               wbemev_dispatcher_t **out);

/**
 * Shuts down and frees the dispatcher: every subscription's queries are cancelled with the providers
 * (cancel_query), every provider is released, every consumer gets one
 * SetStatus(COMPLETE, WBEMEV_E_SHUTTING_DOWN) and is released. Provider sinks still held answer
 * WBEMEV_E_CALL_CANCELLED afterwards. NULL is ignored. Must be the last call on d.
 */
WBEMEV_API void wbemev_dispatcher_destroy(wbemev_dispatcher_t *d);

/** The dispatcher's namespace (borrowed; add_ref to keep it past destroy). */
WBEMEV_API wbemev_namespace_t *wbemev_dispatcher_namespace(wbemev_dispatcher_t *d);

/**
 * Registers `provider` under `name` (copied) with its EventQueryList: `count` WQL queries
 * (e.g. "SELECT * FROM MyEvent") saying which event classes it sends; each must name an existing
 * event class. Calls initialize (if any); once the provider reports readiness it receives new_query
 * for the existing subscriptions it covers and, if one exists, provide_events.
 *
 * WBEMEV_E_INVALID_PARAMETER: NULL or empty name, invalid provider vtable (mandatory slot NULL or
 * version 0), queries NULL or count 0; WBEMEV_E_ALREADY_EXISTS: the name is taken;
 * WBEMEV_E_INVALID_QUERY, WBEMEV_E_INVALID_CLASS, WBEMEV_E_NOT_EVENT_CLASS: a bad query in the
 * list; WBEMEV_E_PROVIDER_LOAD_FAILURE: initialize failed or reported failure (the provider is not
 * kept); WBEMEV_E_SHUTTING_DOWN. On failure no reference is kept.
 */
WBEMEV_API wbemev_status wbemev_dispatcher_register(wbemev_dispatcher_t *d, const char *name,
                                                    wbemev_provider_t *provider,
                                                    const char *const *event_queries, size_t count);

/**
 * Unregisters a provider: its sink stops accepting events (WBEMEV_E_CALL_CANCELLED) and the
 * dispatcher releases it. Subscriptions stay. WBEMEV_E_NOT_FOUND for an unknown name.
 */
WBEMEV_API wbemev_status wbemev_dispatcher_unregister(wbemev_dispatcher_t *d, const char *name);

/** A consumer's identity: SID bytes, or none (sid NULL) for a temporary consumer. */
typedef struct wbemev_subscribe_options {
    size_t struct_size; /**< set by wbemev_subscribe_options_init */
    const uint8_t *sid; /**< copied; NULL for a temporary consumer */
    size_t sid_length;
} wbemev_subscribe_options;

/** Fills *opts with the defaults (temporary consumer). */
WBEMEV_API void wbemev_subscribe_options_init(wbemev_subscribe_options *opts);

/**
 * Subscribes `consumer` to the events matching the WQL `query` and writes the subscription id
 * (never 0) to *id. Providers covering the query's class are asked access_check (a denial fails the
 * subscribe and no new_query follows), then new_query, then, for the first interested subscription,
 * provide_events. opts may be NULL.
 *
 * WBEMEV_E_INVALID_PARAMETER: NULL argument or invalid consumer vtable; the query errors of
 * wbemev_query_compile; WBEMEV_E_ACCESS_DENIED; WBEMEV_E_SHUTTING_DOWN; WBEMEV_E_OUT_OF_MEMORY.
 * On failure no reference to the consumer is kept and it is never called.
 */
WBEMEV_API wbemev_status wbemev_dispatcher_subscribe(wbemev_dispatcher_t *d, const char *query,
                                                     wbemev_sink_t *consumer,
                                                     const wbemev_subscribe_options *opts,
                                                     uint32_t *id);

/**
 * Ends subscription `id`: the providers covering it get cancel_query(id). When this returns, the
 * consumer has received its last Indicate and its one SetStatus(COMPLETE, WBEMEV_E_CALL_CANCELLED),
 * and has been released. WBEMEV_E_NOT_FOUND for an unknown or already ended id.
 */
WBEMEV_API wbemev_status wbemev_dispatcher_unsubscribe(wbemev_dispatcher_t *d, uint32_t id);

/** Number of subscriptions alive now. */
WBEMEV_API size_t wbemev_dispatcher_subscription_count(wbemev_dispatcher_t *d);

/** Counters of one subscription. */
typedef struct wbemev_subscription_stats {
    uint64_t delivered; /**< events passed to the consumer's Indicate */
    uint64_t filtered;  /**< events of a matching class rejected by the WHERE clause */
} wbemev_subscription_stats;

/** Reads the counters of subscription `id`. WBEMEV_E_NOT_FOUND. */
WBEMEV_API wbemev_status wbemev_dispatcher_subscription_stats(wbemev_dispatcher_t *d, uint32_t id,
                                                              wbemev_subscription_stats *out);

/** Counters of one provider registration. */
typedef struct wbemev_provider_stats {
    uint64_t indicated;            /**< objects passed to the provider sink's Indicate */
    uint64_t accepted;             /**< objects accepted (validated and routed) */
    uint64_t refused;              /**< objects in Indicate calls answered with a failure */
    uint32_t provide_events_calls; /**< times provide_events was called (0 or 1) */
    bool ready;                    /**< initialization reported success */
} wbemev_provider_stats;

/** Reads the counters of provider `name`. WBEMEV_E_NOT_FOUND. */
WBEMEV_API wbemev_status wbemev_dispatcher_provider_stats(wbemev_dispatcher_t *d, const char *name,
                                                          wbemev_provider_stats *out);

WBEMEV_END_DECLS

#endif /* WBEMEV_DISPATCHER_H */
