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
 *  5. Besides the terminal SetStatus a consumer may receive non-terminal
 *     SetStatus(WBEMEV_STATUS_PROGRESS, WBEMEV_E_QUEUE_OVERFLOW, ...) notices when its queue dropped
 *     events (see wbemev_backpressure).
 *
 * Delivery and threads:
 *  - Any number of provider threads may Indicate at once, concurrently with every call here. The
 *    Indicate path takes no dispatcher-wide lock (it reads a reference-counted snapshot of the
 *    subscriptions); a queued subscription's own queue lock is held briefly, never around user code.
 *  - WBEMEV_DELIVERY_SYNC: the consumer's Indicate runs on the provider's thread inside its
 *    Indicate. It receives that call's events in order, in one or more arrays (as WMI hands arrays
 *    to its sinks): an array holds events of that one call only, and how many is the dispatcher's
 *    choice, from one to all of them, so a consumer must accept any count. Several provider
 *    threads may call one consumer at once. A consumer that fails an Indicate loses that whole
 *    array (counted as discarded).
 *  - WBEMEV_DELIVERY_QUEUED: events are queued by reference (the frozen event is shared, never
 *    copied) and delivered by the worker threads (`workers`, started at the first queued
 *    subscription), in arrays too: what a worker takes from the queue at once, from one to 64
 *    events, possibly from several Indicate calls. One consumer is never called by two workers at
 *    once. A consumer that fails an Indicate loses that array and what is still queued for it
 *    (counted as discarded): the subscription is cancelled.
 *  - Ordering: the events one provider thread indicates reach each consumer in that order, in
 *    both modes. Events from different threads have no order between them.
 *  - After wbemev_dispatcher_unsubscribe returns the consumer gets no further Indicate; it has
 *    received its one SetStatus(COMPLETE, WBEMEV_E_CALL_CANCELLED); events still queued for it were
 *    released and counted as discarded.
 *  - GROUP WITHIN subscriptions receive __AggregateEvent objects from the dispatcher's timer (the
 *    timer thread, or wbemev_dispatcher_tick), never on the provider's thread.
 *  - GROUP WITHIN memory is bounded like a queue's: each group of an open window holds its
 *    Representative, counted as queue_total_bytes says plus about 50 bytes of table, against the
 *    subscription's queue_max_bytes and, together with every queue, the dispatcher's
 *    queue_total_bytes, until the window closes (so the default 10 MB total holds some 40,000
 *    groups of small events; set queue_total_bytes to 0 for no bound). An event that would open a
 *    group past either bound is dropped: counted in the subscription's indicated and dropped, and
 *    the consumer gets the overflow notice (SetStatus PROGRESS, WBEMEV_E_QUEUE_OVERFLOW) before the
 *    window's aggregates. Events that fall in a group already open are always counted.
 *
 * Thread-safety: every function here may be called from any thread, concurrently, except
 * wbemev_dispatcher_destroy, which must be the last call (no other call on this dispatcher may be in
 * progress or follow it; provider threads may still call Indicate on their sinks).
 * Calling subscribe, unsubscribe, register or unregister from inside a provider call or a
 * consumer's Indicate is a contract violation (guideline 2).
 */
#ifndef WBEMEV_DISPATCHER_H
#define WBEMEV_DISPATCHER_H

#include "contract.h"
#include "provider.h"
#include "query.h"

WBEMEV_BEGIN_DECLS

/** Dispatcher options. Initialize with wbemev_dispatcher_options_init, then change fields. */
typedef struct wbemev_dispatcher_options {
    size_t struct_size;         /**< set by wbemev_dispatcher_options_init */
    const char *namespace_name; /**< default "root\\default"; copied */
    /** The contract checker's policy (default WBEMEV_CONTRACT_RECORD); the environment variable
     * WBEMEV_CONTRACT overrides it. */
    wbemev_contract_policy contract;
    /** A call into a provider longer than this is reported (SLOW_PROVIDER_CALL); default 2000. */
    uint32_t provider_call_limit_ms;
    /** A consumer Indicate longer than this is reported as a warning (SLOW_CONSUMER); default 100. */
    uint32_t consumer_call_limit_ms;
    /** Worker threads for queued delivery (WBEMEV_DELIVERY_QUEUED), started with the first queued
     * subscription and joined at shutdown; default 1 (0 counts as 1). */
    uint32_t workers;
    /** Models WMI's throttling (guideline 3): while a NewQuery or CancelQuery waits to get into a
     * provider, the provider's Indicate is answered WBEMEV_E_SERVER_TOO_BUSY; a provider that
     * refires `refire_limit` times without letting the request through is reported
     * (REFIRE_WHILE_PENDING) and then let through (record) or cancelled (strict), so it never hangs.
     * Default off. */
    bool model_throttling;
    uint32_t refire_limit; /**< default 64 */
    /** The monotonic clock in nanoseconds used for time limits and aggregation windows; NULL for the
     * system clock. Tests pass a controllable clock so nothing has to sleep. */
    uint64_t (*clock)(void *clock_ctx);
    void *clock_ctx; /**< passed to clock */
    /** For subscriptions a provider's access_check answered WBEMEV_S_SUBJECT_TO_SDS: decides per
     * event whether the consumer (sid, NULL for a temporary consumer) may see an event whose
     * __Event.SECURITY_DESCRIPTOR is `sd` (NULL when the property is NULL). Called on the
     * delivering thread; must be thread-safe. NULL selects the default: a NULL descriptor allows
     * everyone, any other allows a consumer whose SID bytes appear in it (an ACE names it). On
     * Windows pass a function built on AccessCheck. */
    bool (*sd_check)(void *sd_check_ctx, const uint8_t *sd, size_t sd_length, const uint8_t *sid,
                     size_t sid_length);
    void *sd_check_ctx; /**< passed to sd_check */
    /** Bytes of events queued for all queued subscriptions together, counted once per queue that
     * holds an event (WMI's default: 10 MB); past it each subscription's backpressure policy
     * applies. 0: no total limit. Default 10485760.
     *
     * An event counts everything it keeps alive: its own block, its strings and arrays, and its
     * embedded objects and object arrays whole, at every depth (a projection: its view and the
     * event). An embedded object shared by several references (frozen objects are shared, not
     * copied) is counted once per reference, so the figure is an upper bound of the memory held,
     * never less; the allocator's own per-block overhead is not counted. An event counts from the
     * moment room is reserved or it is queued until the worker that delivered it released it.
     * (Each event's footprint is computed once, when Indicate freezes it.) */
    uint64_t queue_total_bytes;
    /** The deadline of wbemev_dispatcher_shutdown (and destroy), in milliseconds: how long queued
     * events drain before the rest is discarded, and how long shutdown waits for calls in
     * progress (see wbemev_dispatcher_shutdown_deadline); default 2000. */
    uint32_t shutdown_drain_ms;
    /** No timer thread: aggregation windows (GROUP WITHIN) close only when wbemev_dispatcher_tick
     * is called. With a controllable `clock`, tests drive windows without sleeping. Default false. */
    bool manual_timers;
    /** Keep each ended subscription's final counters, readable with
     * wbemev_dispatcher_subscription_stats until destroy (diagnostics and tests; costs memory per
     * ended subscription). They are recorded once nothing can touch the subscription any more:
     * after its final SetStatus, once the Indicate calls, worker and timer runs that still held it
     * returned (after wbemev_dispatcher_wait_idle, or shutdown, they all have). Default false. */
    bool keep_final_stats;
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
 * Shuts the dispatcher down without freeing it: every subscription's queries are cancelled with the
 * providers (cancel_query), every provider is stopped and released (after its calls and Indicates
 * in progress), every consumer gets one SetStatus(COMPLETE, WBEMEV_E_SHUTTING_DOWN) and is released,
 * and event objects of the namespace's classes still alive are reported (OBJECTS_LEAKED). Provider
 * sinks still held answer WBEMEV_E_CALL_CANCELLED from then on; register and subscribe answer
 * WBEMEV_E_SHUTTING_DOWN. The contract report, stats and the namespace stay readable until destroy.
 * The same as wbemev_dispatcher_shutdown_deadline with the shutdown_drain_ms option (default 2000),
 * with the same statuses: see there for the order and for what the deadline bounds.
 */
WBEMEV_API wbemev_status wbemev_dispatcher_shutdown(wbemev_dispatcher_t *d);

/**
 * wbemev_dispatcher_shutdown with an explicit deadline, `deadline_ms` milliseconds (real time) from
 * the call. In this order:
 *  1. register and subscribe start answering WBEMEV_E_SHUTTING_DOWN; providers' Indicate answers
 *     WBEMEV_E_CALL_CANCELLED (events from then on are refused and counted so);
 *  2. every subscription's cancel_query reaches its providers; providers are stopped and released
 *     (after the calls and Indicates in progress return);
 *  3. open aggregation windows are abandoned; queued events keep being delivered by the workers
 *     until the deadline; what is still queued then is released and counted as discarded;
 *  4. each consumer gets exactly one SetStatus(COMPLETE, WBEMEV_E_SHUTTING_DOWN) and is released
 *     (after its Indicate in progress returns);
 *  5. the worker and timer threads are joined.
 *
 * What the deadline bounds: the caller's wait. The sequence runs on a thread of its own; the caller
 * waits for it until it is done, or until it has waited past the deadline for a call that is not
 * the dispatcher's (a provider's Initialize, ProvideEvents, NewQuery, CancelQuery, AccessCheck,
 * Indicate or final Release; a consumer's Indicate or SetStatus) which has also run longer than its
 * call limit (provider_call_limit_ms or consumer_call_limit_ms, counted from when shutdown began to
 * wait for it: a call the contract lets run is not cut short). Then that call overran: it is
 * reported as CALL_OVERRAN_SHUTDOWN (naming the provider, or the consumer's subscription, and the
 * call) and this returns WBEMEV_E_TIMED_OUT. So the wait is at most the later of the deadline and
 * the limit, plus the dispatcher's own work.
 *
 * After WBEMEV_E_TIMED_OUT the dispatcher is shutting down (register and subscribe refused as
 * above) and the sequence goes on by itself: it finishes, every step in the order above, once the
 * overrunning call returns. Nothing is freed while that call runs. Calling this again waits for the
 * sequence again, up to the new deadline (WBEMEV_S_NO_ERROR once it finished, WBEMEV_E_TIMED_OUT
 * again otherwise; an overrun is reported once). wbemev_dispatcher_destroy waits for it without a
 * deadline, then frees everything: a process that cannot wait for a hung provider or consumer exits
 * without destroying the dispatcher.
 *
 * Returns WBEMEV_S_NO_ERROR when the sequence has finished (or when called again from inside one of
 * the dispatcher's calls, where waiting would wait for itself: it returns at once), WBEMEV_E_TIMED_OUT
 * as above, WBEMEV_E_INVALID_PARAMETER for a NULL dispatcher. Thread-safe; any number of calls, the
 * first starts the sequence. A first call from inside one of the dispatcher's calls (a consumer's
 * Indicate, a call into a provider, a worker) runs the sequence on that thread, without a deadline
 * for the calls in progress; it is not meant to be made from there. If no thread can be started
 * (out of resources) the sequence runs on the caller's thread, likewise.
 *
 * A provider thread that still holds its sink may keep calling Indicate (answered
 * WBEMEV_E_CALL_CANCELLED) until it releases the sink, even after destroy.
 */
WBEMEV_API wbemev_status wbemev_dispatcher_shutdown_deadline(wbemev_dispatcher_t *d, uint32_t deadline_ms);

/**
 * Runs the dispatcher's due timers on the calling thread: every aggregation window (GROUP WITHIN)
 * whose end is at or before the dispatcher's clock closes, producing one __AggregateEvent per BY
 * group that satisfies HAVING. Aggregates of WBEMEV_DELIVERY_SYNC subscriptions are delivered to
 * their consumers before this returns, on this thread; those of queued subscriptions are queued.
 * The timer thread does the same on its own unless manual_timers is set. Returns the number of
 * aggregate events produced. Thread-safe; not from inside a consumer's Indicate.
 */
WBEMEV_API size_t wbemev_dispatcher_tick(wbemev_dispatcher_t *d);

/**
 * Waits until every queue is empty and no worker is delivering (or `timeout_ms` passed, real
 * time): WBEMEV_S_NO_ERROR when idle, WBEMEV_E_TIMED_OUT otherwise. Events indicated meanwhile
 * extend the wait. Thread-safe; not from inside a consumer's Indicate (it would wait for itself).
 */
WBEMEV_API wbemev_status wbemev_dispatcher_wait_idle(wbemev_dispatcher_t *d, uint32_t timeout_ms);

/**
 * Shuts down (if not done yet) and frees the dispatcher. NULL is ignored. Must be the last call on d;
 * provider threads may still call Indicate on sinks they hold. After a shutdown that returned
 * WBEMEV_E_TIMED_OUT (or when this one's shutdown overruns), it waits, without a deadline, for the
 * overrunning call to return and the shutdown to finish before it frees anything.
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

/** How events reach a consumer. */
typedef enum wbemev_delivery {
    WBEMEV_DELIVERY_SYNC = 0,  /**< on the provider's thread, inside its Indicate */
    WBEMEV_DELIVERY_QUEUED = 1 /**< queued, delivered by the dispatcher's worker threads */
} wbemev_delivery;

/**
 * What a queued subscription does when its queue is full (queue_max_events, queue_max_bytes, or the
 * dispatcher's queue_total_bytes reached). Synchronous subscriptions have no queue.
 *
 *  - BLOCK: the provider's Indicate waits (on the provider's thread) up to max_wait_ms for room,
 *    then answers WBEMEV_E_SERVER_TOO_BUSY (WMI's throttling; MaxWaitOnEvents is 2000 ms).
 *  - REFUSE: Indicate answers WBEMEV_E_SERVER_TOO_BUSY at once.
 *  - DROP_OLDEST: the oldest queued event is dropped to make room; Indicate succeeds.
 *  - DROP_NEWEST: the new event is dropped; Indicate succeeds.
 *
 * A refused Indicate is all or nothing: when any BLOCK or REFUSE subscription an object is routed
 * to has no room, no object of that Indicate call reaches any subscription (synchronous ones
 * included), every object is counted as `refused` by the provider and, for each subscription it
 * was routed to, by that subscription, and the provider may refire the same call later. (So a
 * single Indicate routing more objects to one queue than its queue_max_events is never accepted.)
 *
 * Dropped events are counted (wbemev_subscription_stats.dropped) and the consumer is told, WMI's
 * way, with a non-terminal SetStatus(WBEMEV_STATUS_PROGRESS, WBEMEV_E_QUEUE_OVERFLOW,
 * "<n> events dropped", NULL) delivered in order, before the next event (or before the final
 * SetStatus), for the events dropped since the previous such notice. An event whose projection
 * (SELECT a, b) cannot be allocated for a consumer is dropped for that consumer the same way. The final
 * SetStatus(WBEMEV_STATUS_COMPLETE, ...) still comes exactly once, last.
 *
 * Out of memory: room in BLOCK and REFUSE queues is allocated when it is reserved, so Indicate
 * answers WBEMEV_E_OUT_OF_MEMORY with nothing delivered (as for SERVER_TOO_BUSY, the provider may
 * refire); in DROP queues, and for aggregates, an event that cannot be queued counts as dropped.
 */
typedef enum wbemev_backpressure {
    WBEMEV_BACKPRESSURE_BLOCK = 0,       /**< wait up to max_wait_ms, then SERVER_TOO_BUSY (default) */
    WBEMEV_BACKPRESSURE_REFUSE = 1,      /**< SERVER_TOO_BUSY at once */
    WBEMEV_BACKPRESSURE_DROP_OLDEST = 2, /**< drop the oldest queued event */
    WBEMEV_BACKPRESSURE_DROP_NEWEST = 3  /**< drop the new event */
} wbemev_backpressure;

/** A subscription's options. */
typedef struct wbemev_subscribe_options {
    size_t struct_size; /**< set by wbemev_subscribe_options_init */
    const uint8_t *sid; /**< the consumer's identity: SID bytes, copied; NULL for a temporary consumer */
    size_t sid_length;  /**< bytes at sid */
    wbemev_delivery delivery; /**< default WBEMEV_DELIVERY_SYNC */
    /* Queued delivery only (WBEMEV_DELIVERY_QUEUED, and the aggregates of GROUP WITHIN): */
    uint32_t queue_max_events;  /**< events queued at most; 0 (default): no count limit */
    /** bytes queued at most, counted as queue_total_bytes says; 0 (default): only the dispatcher's
     * total */
    uint64_t queue_max_bytes;
    wbemev_backpressure backpressure; /**< default WBEMEV_BACKPRESSURE_BLOCK */
    uint32_t max_wait_ms;       /**< BLOCK's longest wait; default 2000 (WMI's MaxWaitOnEvents) */
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
 * and has been released. WBEMEV_E_NOT_FOUND for an unknown or already ended id; when another thread
 * is ending it at that moment (a worker cancelling a failing consumer), this first waits until that
 * end is complete, except from inside a delivery of this dispatcher (where waiting could wait for
 * itself).
 */
WBEMEV_API wbemev_status wbemev_dispatcher_unsubscribe(wbemev_dispatcher_t *d, uint32_t id);

/** Number of subscriptions alive now. */
WBEMEV_API size_t wbemev_dispatcher_subscription_count(wbemev_dispatcher_t *d);

/** Counters of one subscription. */
typedef struct wbemev_subscription_stats {
    uint64_t delivered; /**< events the consumer's Indicate accepted */
    uint64_t filtered;  /**< events of a matching class rejected by the WHERE clause or, under
                             WBEMEV_S_SUBJECT_TO_SDS, by the event's security descriptor */
    /* Every event offered to the consumer's delivery (past the WHERE clause; for GROUP WITHIN,
     * each __AggregateEvent) ends up in exactly one of delivered, dropped, discarded, refused:
     * indicated == delivered + dropped + discarded + refused + queued. The counters are read one
     * by one: while an event moves from one to another (a worker handing it to the consumer) a
     * read can find them one apart; idle, or with the consumer inside its Indicate, they add up. */
    uint64_t indicated;   /**< events offered to this subscription's delivery */
    uint64_t dropped;     /**< dropped by DROP_OLDEST / DROP_NEWEST, or because the consumer's
                               projection of it could not be allocated (the consumer is told) */
    uint64_t discarded;   /**< released undelivered: queued at unsubscribe, at shutdown past its
                               drain deadline, after the consumer failed, or the array it failed */
    uint64_t refused;     /**< in Indicate calls answered WBEMEV_E_SERVER_TOO_BUSY (BLOCK, REFUSE) */
    uint64_t queued;      /**< in the queue now */
    uint64_t queued_high; /**< the most ever queued at once (high-water mark) */
    uint64_t grouped;     /**< GROUP WITHIN: events folded into aggregation windows */
} wbemev_subscription_stats;

/** Reads the counters of subscription `id` (of an ended one too with keep_final_stats).
 * WBEMEV_E_NOT_FOUND. Thread-safe. The counts of an Indicate call's synchronous deliveries
 * (delivered, filtered, indicated) may be added only when the call returns, so the identity above
 * holds between calls; a consumer reading its own counters from its Indicate sees at least the
 * calls before. */
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

/** The policy in force (after the WBEMEV_CONTRACT override). */
WBEMEV_API wbemev_contract_policy wbemev_dispatcher_contract_policy(wbemev_dispatcher_t *d);
/** Number of distinct violations recorded (each kind once per provider, with its count). */
WBEMEV_API size_t wbemev_dispatcher_violation_count(wbemev_dispatcher_t *d);
/** Violation number `index`, copied into *out (its strings live as long as d).
 * WBEMEV_E_INVALID_PARAMETER for NULL d or out, or index >= wbemev_dispatcher_violation_count(). */
WBEMEV_API wbemev_status wbemev_dispatcher_violation_at(wbemev_dispatcher_t *d, size_t index,
                                                        wbemev_violation *out);
/** Total count of violations with this code across providers (0 when none). */
WBEMEV_API uint64_t wbemev_dispatcher_violations_of(wbemev_dispatcher_t *d, wbemev_violation_code code);
/** Writes a readable report (each violation once, with its count, rule and fix) to f. Returns the
 * number of violations listed (warnings included). */
WBEMEV_API size_t wbemev_dispatcher_report(wbemev_dispatcher_t *d, FILE *f);

WBEMEV_END_DECLS

#endif /* WBEMEV_DISPATCHER_H */
