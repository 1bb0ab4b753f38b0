/*
 * lib/dispatch/dispatch.h: the dispatcher's internal structures and the interfaces of its files,
 * in the order an event travels:
 *
 *   ingress.c        the provider's event sink: validate, throttle, mark, stamp, freeze
 *   init_sink.c      the sink Initialize reports readiness through
 *   filter_index.c   a layer of the index: subscriptions by class and by their WHERE's terms
 *   index.c          the immutable snapshot (an indexed base and a small delta), and routes
 *   admission.c      room in bounded (BLOCK, REFUSE) queues, reserved before anything is delivered
 *   delivery.c       filter, security descriptors, projection, synchronous batches
 *   queue.c          one subscription's bounded ring, backpressure, staging (no threads)
 *   workers.c        the threads that run the queues
 *   aggregate.c      GROUP WITHIN windows;  timers.c: the thread and tick that close them
 *   provider_calls.c the host's calls into a provider, in WMI's order, bracketed for the checker
 *   registration.c   a provider registration's life
 *   shutdown.c       the shutdown sequence, on a thread of its own so that the caller's wait has a
 *                    deadline (a call that overruns it is reported, and waited for by destroy)
 *   subscription.c   a subscription's life, and its end: the one place a consumer gets its final
 *                    SetStatus
 *   dispatcher.c     the public API
 *
 * Concurrency design:
 *  - d->lock serializes the control plane (registrations, subscriptions, ids). It is never held
 *    while calling user code.
 *  - The Indicate hot path takes no dispatcher lock: it reads an immutable, reference-counted
 *    snapshot of the subscription index (index.c), published by the control plane, and allocates
 *    nothing: the filter index's candidates and probe keys are on its stack. A snapshot is two
 *    shared, immutable layers (filter_index.c): the base, and a delta of the subscriptions listed
 *    since. Subscribing republishes {base, new delta}; past a bound the delta is merged into a
 *    new base (amortized). Unsubscribing republishes nothing until removed base subscriptions
 *    pass the same bound: the ENDING state keeps delivery off them meanwhile. The only thing a
 *    reader writes in a layer is its routed counters (relaxed atomics, for the filtered
 *    statistic), folded into the subscriptions when the layer is freed.
 *  - Calls into a provider and Indicates from its sink "enter" the registration (reg->busy); stopping
 *    a registration waits until it is no longer busy before releasing the provider, so nothing calls
 *    a released provider and the dispatcher outlives every Indicate in progress.
 *  - Ending a subscription marks it ENDING (freezing its filtered count) and unlists it (the
 *    index drops it at its next rebuild), then waits until no delivery to it is in progress (sub->inflight == 0; a delivery counts itself in before it checks
 *    the state): after that no thread can still be delivering to it, so its one SetStatus is really
 *    the last call. (Queued subscriptions skip the count: Indicate only stages their events, and
 *    a push to an ended queue is discarded.) It does not wait for the snapshots holding it to go: a
 *    failed republish, or a provider blocked for queue room while holding a snapshot, must not
 *    delay or hang the end. A thread that ends a subscription while itself delivering (a consumer
 *    unsubscribing from its Indicate) defers the end until its delivery unwinds.
 *  - Shutdown runs its sequence on a thread of its own (shutdown.c) and names, before each wait for
 *    user code, what it waits for; the caller gives up on a wait that outlasts the deadline and the
 *    call limit, and destroy joins the sequence: nothing is freed while a user call still runs.
 */
#ifndef WBEMEV_DISPATCH_H
#define WBEMEV_DISPATCH_H

#include "contract/checker.h"
#include "query/wql.h"

/* Producers waiting for room in BLOCK queues (queue.c). */
struct wbemev__space {
    wbemev__mutex mu;
    wbemev__cond cv;
    atomic_uint waiters;
};

/* The counters of an ended subscription, kept for wbemev_dispatcher_subscription_stats. */
struct wbemev__final_stats {
    uint32_t id;
    wbemev_subscription_stats st;
};

struct wbemev__reg;

enum sub_state { SUB_ACTIVE = 0, SUB_ENDING = 1 };

/* One consumer subscription. The counters are grouped by the thread that writes them (the
 * provider's, or with queued delivery the worker's) on cache lines apart from the read-mostly
 * fields, so the two threads do not take each other's lines on every event. */
struct wbemev__sub {
    atomic_int state; /* enum sub_state */
    wbemev_dispatcher_t *d;
    uint32_t id;
    uint32_t class_id;
    wbemev_query_t *query; /* compiled */
    bool has_where;
    bool projected; /* SELECT a, b: consumers get views */
    bool check_sds; /* a provider answered WBEMEV_S_SUBJECT_TO_SDS */
    bool reserving; /* a BLOCK or REFUSE queue, not GROUP WITHIN: Indicate reserves room first */
    bool indexed;   /* its WHERE has terms for the filter index (terms, nterms below) */
    bool count_visits; /* indexed, queued or GROUP WITHIN: its visits are counted (evaluated) */
    wbemev_sink_t *consumer;
    uint8_t *sid;
    size_t sid_length;
    /* Registrations that received new_query for this subscription (references held). */
    struct wbemev__reg **regs;
    size_t nregs;
    struct wbemev__queue *queue; /* queued delivery (and GROUP WITHIN); NULL: synchronous */
    struct wbemev__agg *agg;     /* GROUP WITHIN windows (aggregate.c); NULL otherwise */
    wbemev_status end_status;       /* the SetStatus the consumer gets */
    struct wbemev__sub *next;       /* d->subs, under d->lock */
    struct wbemev__sub *prev;       /* d->subs, under d->lock (unlinking is O(1)) */
    struct wbemev__sub *id_next;    /* the index's id table (index.c), under d->lock */
    /* keep_final_stats: ended, but still held (by a layer until the index is rebuilt): on the
     * index's ended list, under d->finals_lock, until it is freed and its counters kept. */
    struct wbemev__sub *held_next;
    bool held;
    /* The filter index (filter_index.c): one term per disjunct of the WHERE; none when it cannot
     * be indexed (the subscription is then evaluated for every event of its class). */
    struct wbemev_query_index_term *terms;
    size_t nterms;
    uint64_t link_seq; /* when it was listed: below the base layer's seq_end means in the base */
    struct wbemev__sub *defer_next; /* this thread's deferred ends */
    /* Ending: on d->ending (under d->lock) from its unlinking until its final SetStatus went out,
     * so an unsubscribe of it on another thread can wait for that. */
    struct wbemev__sub *ending_next, *ending_prev;
    const void *ender;    /* the ending thread (subscription.c's thread token) */
    bool finished;        /* the end is complete; under d->wait_lock */
    /* Delivery accounting: indicated == delivered + dropped + discarded + refused + queued */
    char pad_provider_side[64];
    wbemev__refcount refs; /* the dispatcher's list holds one, each snapshot one, a scheduled queue one */
    atomic_uint snap_refs; /* snapshots that contain this subscription */
    atomic_uint inflight;  /* deliveries to it in progress (delivery.c) */
    atomic_uint_fast64_t filtered, indicated, dropped, refused, grouped;
    /* An indexed subscription is not visited for the events the index rules out: its `filtered`
     * adds those, as (events routed to its class's entries) - (events it was visited for). A
     * synchronous one's visits are its filtered + indicated, which delivery counts anyway;
     * queued and GROUP WITHIN ones count them in `evaluated` (count_visits). routed_folded: the
     * routed counts of the layers that held it and are gone (index.c adds the live ones). At its
     * end both are frozen in the *_final fields. */
    atomic_uint_fast64_t evaluated, routed_folded;
    uint64_t routed_final, evaluated_final;
    atomic_bool stats_frozen;
    char pad_consumer_side[64];
    atomic_uint_fast64_t delivered, discarded; /* the worker's, under queued delivery */
    char pad_end[64];
};

/* The published subscription index (index.c): an immutable pair of layers (filter_index.c), the
 * indexed base and a small delta of the subscriptions listed since the base was built. An event of
 * class X is delivered to the subscriptions found under each class on X's ancestor chain, root
 * first; under each class, the delta's (newer) before the base's, each in subscription order
 * (newest first). */
struct wbemev__layer;
#define WBEMEV__SNAPSHOT_ROUTES 16
struct wbemev__route_map;
struct wbemev__snapshot {
    wbemev__refcount refs;
    wbemev_dispatcher_t *d;
    struct wbemev__layer *base;  /* a reference; NULL when empty */
    struct wbemev__layer *delta; /* a reference; NULL when empty */
    uint64_t base_seq_end;       /* subscriptions listed with a link_seq below it are in base */
    bool reserving; /* a subscription's queue refuses or blocks when full (queue.c reserves first) */
    bool full;      /* test switch: every subscription of a class is visited (no filter index) */
    /* The route maps of the classes routed so far, by class id (index.c); a slot taken by another
     * class leaves the route to be made per call. */
    _Atomic(struct wbemev__route_map *) routes[WBEMEV__SNAPSHOT_ROUTES];
};

/* The published snapshot and the two-phase reader counters that make replacing it safe without a
 * reader lock: a reader registers in readers[phase] only while it loads the pointer and takes a
 * reference; the writer flips the phase and waits for the old phase's readers to drain.
 * The rest is the control plane's, under d->lock: the base being built on, the subscriptions
 * by id, and how far the delta has grown. */
struct wbemev__index {
    _Atomic(struct wbemev__snapshot *) current;
    atomic_uint readers[2];
    atomic_uint phase;
    struct wbemev__layer *base; /* the current base (a reference), NULL when none */
    uint64_t base_seq_end;
    size_t nbase;       /* subscriptions in base */
    size_t ndelta;      /* listed subscriptions not in base */
    size_t nremoved;    /* subscriptions in base no longer listed */
    uint64_t next_seq;  /* the next link_seq */
    struct wbemev__sub **ids; /* by id, chained through id_next */
    uint32_t ids_mask;
    size_t nids;
    bool full; /* test switch (wbemev__index_set_full_evaluation) */
    struct wbemev__sub *ended; /* keep_final_stats: ended, not yet freed (held_next), finals_lock */
    /* The indexed property paths, one copy per distinct path (compared case-insensitively) for the
     * dispatcher's life: layers name a path by its copy, so an event's probe of a path is shared
     * by every layer that indexes it with one pointer compare. Open addressing on the path hash. */
    char **paths;
    uint32_t paths_mask; /* slots - 1; 0 with paths NULL */
    uint32_t npaths;
};

enum reg_state { REG_INITIALIZING = 0, REG_READY = 1, REG_FAILED = 2, REG_STOPPED = 3 };

/* The host's calls into a provider, counted while in progress (reg->calls_in_progress): shutdown
 * names the one a provider is stuck in. */
enum reg_call {
    REG_CALL_INITIALIZE,
    REG_CALL_PROVIDE_EVENTS,
    REG_CALL_NEW_QUERY,
    REG_CALL_CANCEL_QUERY,
    REG_CALL_ACCESS_CHECK,
    REG_CALL_KINDS
};

/* The provider-side sink: what provide_events receives. It outlives the registration's active life:
 * after stop, its Indicate answers WBEMEV_E_CALL_CANCELLED. The host keeps its own reference until
 * the dispatcher is destroyed, apart from the provider's: a provider that releases more than it
 * added is caught (SINK_OVER_RELEASED) and cannot free the sink under the host. */
struct wbemev__psink {
    wbemev_sink_t base;
    /* The provider's references times two, plus one while the host holds its own: one word, so
     * exactly one release frees the sink whoever makes it. */
    atomic_uint_fast64_t word;
    uint64_t id;             /* process-unique: a thread's marks (ingress.c) name the sink by it */
    struct wbemev__reg *reg; /* reference held */
};

/* One provider registration. */
struct wbemev__reg {
    wbemev__refcount refs; /* d->regs, the psink, the init sink, subscriptions, callers */
    wbemev_dispatcher_t *d;
    char *name;
    wbemev_provider_t *provider; /* reference held until stopped */
    wbemev_query_t **queries;    /* the EventQueryList, compiled */
    size_t nqueries;
    struct wbemev__psink *psink;
    atomic_int state;     /* enum reg_state */
    atomic_bool provided; /* provide_events was called (successfully) */
    atomic_uint busy;     /* calls into the provider and Indicates in progress */
    atomic_uint calls_in_progress[REG_CALL_KINDS]; /* of busy, the calls into the provider */
    bool in_initialize;   /* initialize is running (under d->lock) */
    wbemev__mutex mu;     /* with cv: waits for busy to drain */
    wbemev__cond cv;
    atomic_uint_fast64_t indicated, accepted, refused;
    atomic_uint provide_events_calls;
    /* The checker's tag: names this registration in the objects it indicates and reports what its
     * provider does after the registration is stopped, until the dispatcher is destroyed (0). */
    atomic_uint tag;
    /* contract checker */
    atomic_uint requests_waiting; /* NewQuery/CancelQuery calls waiting to get into the provider */
    atomic_bool answered_cancelled;
    atomic_int inject_status; /* test hook: answer this to the next inject_count Indicates */
    atomic_uint inject_count;
    struct wbemev__reg *next;         /* d->regs, under d->lock */
    struct wbemev__reg *retired_next; /* d->retired, under d->lock */
    bool on_retired;                  /* listed in d->retired (under d->lock) */
    atomic_bool stop_done;            /* its stop has released the provider (set under mu) */
};

struct wbemev_dispatcher_s {
    wbemev__mutex lock; /* the control plane */
    wbemev__mutex wait_lock;
    wbemev__cond wait_cv; /* signalled when a delivery in progress ends, or a subscription's end */
    struct wbemev__sub *ending; /* subscriptions being ended (sub->ending_next), under lock */
    wbemev_namespace_t *ns;
    struct wbemev__reg *regs;
    struct wbemev__reg *retired; /* stopped registrations, kept with their sinks until destroy */
    struct wbemev__sub *subs;
    size_t nsubs;
    uint32_t next_id;
    atomic_bool shutting_down;
    struct wbemev__shutdown *shutdown; /* shutdown.c: the shutdown's thread and watch; under lock */
    struct wbemev__index index;
    struct wbemev__checker checker;
    uint64_t (*clock)(void *ctx); /* the host's clock: provider-call limits, GROUP WITHIN windows */
    void *clock_ctx;
    bool model_throttling;
    uint32_t refire_limit;
    bool (*sd_check)(void *ctx, const uint8_t *sd, size_t sd_length, const uint8_t *sid, size_t sid_length);
    void *sd_check_ctx;
    /* queued delivery (queue.c, workers.c) and timers (timers.c); made by dispatcher_new, their
     * threads started on first use */
    uint64_t queue_total_bytes; /* 0: no total limit */
    uint64_t shutdown_drain_ns;
    atomic_uint_fast64_t queued_bytes; /* bytes in (or reserved in) every queue, and held by the open
                                        * GROUP WITHIN windows' groups when queue_total_bytes is set */
    struct wbemev__space space;        /* producers waiting for room in BLOCK queues */
    struct wbemev__pool *pool;
    struct wbemev__timers *timers;
    /* keep_final_stats: the counters of ended subscriptions (subscription.c), under finals_lock */
    bool keep_final_stats;
    wbemev__mutex finals_lock;
    struct wbemev__final_stats *finals;
    size_t nfinals, capfinals;
};

/* The host's clock (nanoseconds): the one the options gave, else the platform's monotonic one. */
static inline uint64_t wbemev__now(const wbemev_dispatcher_t *d)
{
    return d->clock != NULL ? d->clock(d->clock_ctx) : wbemev__clock_monotonic_ns();
}

/* ---- ingress.c: the provider's event sink ---- */
wbemev_status wbemev__psink_new(struct wbemev__reg *reg, struct wbemev__psink **out);
/* References the provider holds on its sink (not the host's). */
uint64_t wbemev__psink_provider_refs(const struct wbemev__psink *ps);
/* Drops the host's reference (the dispatcher is being destroyed, or the registration never got
 * going); the sink goes when the provider's references are gone too. */
void wbemev__psink_host_release(struct wbemev__psink *ps);

/* ---- init_sink.c ---- */
wbemev_status wbemev__init_sink_new(struct wbemev__reg *reg, wbemev_sink_t **out);
/* True when someone besides the caller holds the init sink (the provider kept it). */
bool wbemev__init_sink_kept(wbemev_sink_t *s);

/* ---- filter_index.c: one immutable layer of subscriptions, by class and by filter ---- */
/* A layer of subs[0..n) (subscription order), each referenced and counted in its snap_refs. */
wbemev_status wbemev__layer_build(wbemev_dispatcher_t *d, struct wbemev__sub *const *subs, size_t n,
                                  struct wbemev__layer **out);
void wbemev__layer_ref(struct wbemev__layer *l);
/* Dropping the last reference folds the layer's routed counts into its subscriptions. */
void wbemev__layer_release(struct wbemev__layer *l);
/* A layer's entry for one class: its subscriptions on exactly that class. */
struct wbemev__layer_class;
/* NULL when the layer (or NULL) has none on class_id. */
const struct wbemev__layer_class *wbemev__layer_class_find(const struct wbemev__layer *l, uint32_t class_id);
/* The entry's subscriptions, in subscription order; *indexed: the index narrows them, so an event
 * goes through wbemev__layer_class_walk. */
struct wbemev__sub *const *wbemev__layer_class_subs(const struct wbemev__layer_class *c, uint32_t *count,
                                                   bool *indexed);
/* The probe keys an event offered for each indexed path, reused by the next entry of the same
 * class (a delta and a base often index the same property). On the stack: per event. */
#define WBEMEV__PROBES_CACHED 4
#define WBEMEV__PROBES_KEYS 16
struct wbemev__probes {
    const wbemev_object_t *event;
    uint32_t n;
    struct {
        uint64_t path_hash;
        const char *path;
        const uint32_t *prefix;
        uint32_t nprefix;
        uint32_t np;
        wbemev_query_probed_value value; /* what the probe read of the event's value */
        wbemev_query_index_probe v[WBEMEV__PROBES_KEYS];
    } at[WBEMEV__PROBES_CACHED];
};
/* What the walks call for each subscription an event may pass. `where_passed`: the filter index
 * decided the subscription's whole WHERE and the event passes it (the visitor need not evaluate
 * it; a security descriptor is still the visitor's to check). */
typedef bool (*wbemev__visit_fn)(void *arg, struct wbemev__sub *sub, bool where_passed);
/* Calls visit, in subscription order, for each subscription of the entry that event may pass (the
 * candidates of the filter index, plus those it does not index; every one when `full`); stops when
 * visit returns false. `count`: the visit is a delivery, each indexed subscription's visit counted
 * for the filtered statistic (its routed count the caller adds, wbemev__layer_class_routed). */
bool wbemev__layer_class_walk(const struct wbemev__layer_class *c, const wbemev_object_t *event, bool full, bool count,
                              struct wbemev__probes *pc, wbemev__visit_fn visit, void *arg);
/* Adds n events routed to an entry (for the filtered statistic of its indexed subscriptions). */
void wbemev__layer_class_routed(const struct wbemev__layer_class *c, uint64_t n);
/* Some subscription of the layer reserves room in its queue (BLOCK, REFUSE). */
bool wbemev__layer_reserving(const struct wbemev__layer *l);
/* Events routed to class_id's subscriptions in this layer (counted ones). */
uint64_t wbemev__layer_routed(const struct wbemev__layer *l, uint32_t class_id);

/* ---- index.c ---- */
/* The dispatcher's copy of property path `text` (hash: wbemev_query_index_hash of it), the same
 * pointer for every spelling of one path; NULL out of memory. d->lock held. Freed by index_fini. */
const char *wbemev__index_path(struct wbemev__index *ix, const char *text, uint64_t hash);
/* Frees what the index keeps for the dispatcher's life (after the last snapshot is gone). */
void wbemev__index_fini(struct wbemev__index *ix);
/* A snapshot of every listed subscription, in one new base (d->lock held). */
wbemev_status wbemev__snapshot_build(wbemev_dispatcher_t *d, struct wbemev__snapshot **out);
void wbemev__snapshot_release(struct wbemev__snapshot *s);
/* sub was just listed (d->subs, link_seq set): publishes a snapshot holding it. d->lock held. */
wbemev_status wbemev__index_added(wbemev_dispatcher_t *d, struct wbemev__sub *sub);
/* sub was unlisted (and is ENDING): republishes only when the removed ones call for a new base
 * (best effort: delivery skips an ENDING subscription anyway). d->lock held. */
void wbemev__index_removed(wbemev_dispatcher_t *d, struct wbemev__sub *sub);
/* The subscriptions by id (d->lock held): add fails only out of memory. */
wbemev_status wbemev__index_id_add(wbemev_dispatcher_t *d, struct wbemev__sub *sub);
void wbemev__index_id_remove(wbemev_dispatcher_t *d, struct wbemev__sub *sub);
struct wbemev__sub *wbemev__index_id_find(wbemev_dispatcher_t *d, uint32_t id);
/* Events routed to sub's class entries while it was indexed (the layers gone and the current). */
uint64_t wbemev__index_routed(wbemev_dispatcher_t *d, const struct wbemev__sub *sub);
/* Test switch (white-box tests): true makes every event visit every subscription of its class,
 * evaluating each WHERE, as with no filter index; republishes. */
wbemev_status wbemev__index_set_full_evaluation(wbemev_dispatcher_t *d, bool full);
/* The route of a run of events of one class (a batch is usually one class): its subscriptions
 * gathered once when the index narrows none of them (whole), and the class entries on the chain,
 * root first, each level's delta before its base, walked per event when it does. A snapshot keeps
 * the map of each class it routes (made on first use, immutable, freed with it), so an Indicate of
 * one event looks its route up instead of walking the chain. Set cls to NULL before the first
 * wbemev__route_find; after delivering, wbemev__route_done. */
#define WBEMEV__ROUTE_MAX 16
#define WBEMEV__ROUTE_ENTRIES 16
struct wbemev__route_map {
    const wbemev_class_t *cls;
    uint32_t class_id;
    bool whole; /* subs holds the route (few, none narrowed by the index) */
    uint32_t n;
    struct wbemev__sub *subs[WBEMEV__ROUTE_MAX];
    wbemev_query_filter filters[WBEMEV__ROUTE_MAX]; /* whole: subs[k]'s WHERE for events of cls */
    bool entries_ok; /* !whole: entries holds the chain's entries (false: too many, look them up) */
    uint32_t nentries;
    const struct wbemev__layer_class *entries[WBEMEV__ROUTE_ENTRIES];
};
struct wbemev__route {
    const wbemev_class_t *cls;          /* the class described */
    const struct wbemev__route_map *map; /* cls's: the snapshot's, or &own */
    uint32_t routed[WBEMEV__ROUTE_ENTRIES]; /* delivered events not yet added to the entries' counts */
    uint32_t visited; /* a whole map's: delivered events not yet added to its counted visits */
    struct wbemev__route_map own;           /* the map, when the snapshot keeps none for cls */
};

/* Makes r describe cls, unless it already does. */
void wbemev__route_find(const struct wbemev__snapshot *s, struct wbemev__route *r, const wbemev_class_t *cls);
/* The same for delivering one event of class cls: the event is counted routed (for the filtered
 * statistic of indexed subscriptions; added by wbemev__route_done). */
void wbemev__route_find_deliver(const struct wbemev__snapshot *s, struct wbemev__route *r, const wbemev_class_t *cls);
/* For a route that is not whole: calls visit for each subscription of the route that `event` may
 * pass, in route order (the filter index leaves out those whose WHERE it proves false); stops when
 * visit returns false. route_walk only looks (admission); route_deliver is the delivery, counted
 * for the filtered statistic. */
bool wbemev__route_walk(const struct wbemev__snapshot *s, struct wbemev__route *r, const wbemev_object_t *event,
                        wbemev__visit_fn visit, void *arg);
bool wbemev__route_deliver(const struct wbemev__snapshot *s, struct wbemev__route *r, const wbemev_object_t *event,
                           wbemev__visit_fn visit, void *arg);
/* Adds the route's pending counts (call before letting go of the snapshot). */
void wbemev__route_done(struct wbemev__route *r);
void wbemev__index_init(struct wbemev__index *ix);
/* A reference to the current snapshot (never NULL after init, until shutdown). Lock-free. */
struct wbemev__snapshot *wbemev__index_acquire(struct wbemev__index *ix);
/* Replaces the current snapshot (the index takes the caller's reference to `s`) and drops the old
 * one. Call with d->lock held: one writer at a time. NULL (shutdown, destroy) also drops the base
 * and the id table. */
void wbemev__index_publish(struct wbemev__index *ix, struct wbemev__snapshot *s);

/* ---- admission.c: room in BLOCK/REFUSE queues for one Indicate call, before any delivery ---- */
struct wbemev__reservation {
    struct wbemev__queue *q;
    uint64_t n, bytes;
};
struct wbemev__reservations {
    struct wbemev__reservation local[8];
    struct wbemev__reservation *v; /* local, or heap when more queues are involved */
    size_t n, cap;
};
/* Reserves room for every (object, subscription) pair of the call; on failure reserves nothing and
 * counts the objects as refused by the subscriptions they were routed to. */
wbemev_status wbemev__reserve_all(wbemev_dispatcher_t *d, const struct wbemev__snapshot *snap, int32_t count,
                                  wbemev_object_t *const *objects, struct wbemev__reservations *r);
void wbemev__reservations_release(struct wbemev__reservations *r);

/* ---- delivery.c ---- */
/* Delivers one Indicate call's frozen objects to every subscription of their routes in snap:
 * synchronous consumers in arrays, queued ones staged and pushed at the end of the call. Returns
 * this thread's delivery depth left for d: at 0 the caller runs wbemev__run_deferred_ends once it
 * has let go of the call's snapshot and reservations. */
unsigned wbemev__deliver(wbemev_dispatcher_t *d, const struct wbemev__snapshot *snap, int32_t count,
                         wbemev_object_t *const *objects);
/* Calls the consumer's Indicate with n events (timed, marked as a consumer call); counts them
 * delivered on success. A queue's runner delivers through it, an array per batch it takes. */
wbemev_status wbemev__consumer_indicate(wbemev_dispatcher_t *d, struct wbemev__sub *sub, int32_t n,
                                        wbemev_object_t *const *events);
/* The delivery depth of this thread for dispatcher d (> 0 inside a delivery). */
unsigned wbemev__delivery_depth(const wbemev_dispatcher_t *d);

/* ---- queue.c: one subscription's bounded FIFO of frozen event references ---- */
/* A queue for sub. `inline_run`: not served by workers: whoever pushes runs it (wbemev__queue_run). */
wbemev_status wbemev__queue_new(wbemev_dispatcher_t *d, struct wbemev__sub *sub,
                                const wbemev_subscribe_options *o, bool inline_run, struct wbemev__queue **out);
void wbemev__queue_free(struct wbemev__queue *q);
bool wbemev__queue_reserving(const struct wbemev__queue *q);
/* The subscription's queue_max_bytes (0: none). */
uint64_t wbemev__queue_max_bytes(const struct wbemev__queue *q);
/* Queues one event (a reference is taken). `force`: room was reserved, or no limit applies. */
/* event NULL records a drop (an event that could not be prepared) the consumer is told of. */
void wbemev__queue_push(struct wbemev__queue *q, wbemev_object_t *event, bool force);
/* Pushes staged during one Indicate call, pushed per queue when the stage fills: one q->mu
 * round-trip per queue per WBEMEV__STAGE_MAX events. The workers are woken once per queue per
 * call, by the last flush (a worker already running the queue sees the earlier pushes anyway).
 * Each queue keeps the call's order. Flush before the call's reservations are released. */
#define WBEMEV__STAGE_MAX 64
#define WBEMEV__STAGE_WAKES 8
struct wbemev__stage {
    size_t n;
    struct {
        struct wbemev__queue *q; /* NULL once pushed */
        wbemev_object_t *obj;    /* a reference the stage holds; NULL records a drop */
    } v[WBEMEV__STAGE_MAX];
    size_t nwake; /* queues pushed to whose workers the last flush wakes */
    struct wbemev__queue *wake[WBEMEV__STAGE_WAKES];
};
void wbemev__stage_init(struct wbemev__stage *s);
/* Stages a push of event to q (a reference is taken; NULL: a drop), pushing first when full. */
void wbemev__stage_add(struct wbemev__stage *s, struct wbemev__queue *q, wbemev_object_t *event);
/* Pushes what is staged and wakes the workers of every queue the call pushed to. */
void wbemev__stage_flush(struct wbemev__stage *s);
/* Delivers what q holds on this thread (inline queues; no-op when another thread runs it). */
void wbemev__queue_run(struct wbemev__queue *q);
/* Delivers up to `budget` items on this thread (a worker's turn). Returns true when the queue
 * stays scheduled with more to do; false when it was unscheduled (the caller drops the run
 * list's reference to its subscription). */
bool wbemev__queue_run_some(struct wbemev__queue *q, unsigned budget);
struct wbemev__sub *wbemev__queue_sub(const struct wbemev__queue *q);
/* The link the workers' run list threads the queue on. */
struct wbemev__queue **wbemev__queue_run_link(struct wbemev__queue *q);
/* Ending: close refuses further pushes (counted discarded) and wakes blocked producers; end stops
 * delivery, waits for a delivery in progress, discards what is left and sends a pending overflow
 * notice. After end, the consumer gets nothing more from the queue: send the final SetStatus. */
void wbemev__queue_close(struct wbemev__queue *q);
void wbemev__queue_end(struct wbemev__queue *q);
void wbemev__queue_stats(struct wbemev__queue *q, uint64_t *queued, uint64_t *high);
/* Room (admission.c): reserves n events of `bytes` in all, waiting until `deadline` (monotonic ns)
 * under BLOCK when may_block; SERVER_TOO_BUSY without room. A closed queue always has room (what
 * is pushed to it is discarded). unreserve gives room back. */
wbemev_status wbemev__queue_reserve(struct wbemev__queue *q, uint64_t n, uint64_t bytes, uint64_t deadline,
                                    bool may_block);
void wbemev__queue_unreserve(struct wbemev__queue *q, uint64_t n, uint64_t bytes);
void wbemev__space_init(struct wbemev__space *s);
void wbemev__space_fini(struct wbemev__space *s);
/* Room was made: producers waiting for it look again. */
void wbemev__space_wake(struct wbemev__space *s);

/* ---- workers.c: the threads that run queued subscriptions ---- */
wbemev_status wbemev__pool_new(wbemev_dispatcher_t *d, uint32_t workers);
/* Starts the workers on first use (a queued subscription). */
wbemev_status wbemev__pool_start(struct wbemev__pool *p);
/* Shutdown: stops and joins the workers (end every queue first). */
void wbemev__pool_stop(wbemev_dispatcher_t *d);
void wbemev__pool_free(wbemev_dispatcher_t *d);
wbemev_status wbemev__pool_wait_idle(wbemev_dispatcher_t *d, uint64_t timeout_ns);
/* Puts a queue that was just marked scheduled (its subscription reference taken) on the run list. */
void wbemev__pool_schedule(struct wbemev__pool *p, struct wbemev__queue *q);
/* True on one of d's workers (which must never wait for room in a queue it may have to drain). */
bool wbemev__on_worker_of(const wbemev_dispatcher_t *d);
/* Shutdown: waits until no worker is running q (delivering from it to its consumer). */
void wbemev__pool_wait_not_running(wbemev_dispatcher_t *d, const struct wbemev__queue *q);

/* ---- groups.c: the groups of one window, found by a hash of their BY values ---- */
struct wbemev__group {
    wbemev_object_t *representative; /* the first event (a reference); the BY values are read from it */
    uint32_t count;
    uint32_t hash; /* of the BY values */
};
struct wbemev__groups {
    struct wbemev__group *v;
    size_t n, cap;
    uint32_t *slots; /* open addressing: group index + 1, 0 = empty; at most half full */
    uint32_t mask;
    uint64_t bytes; /* what the groups hold: wbemev__group_bytes of each Representative */
};
/* The group event falls in, or NULL when it opens a new one; *hash is for wbemev__groups_add. Not
 * thread-safe (both): the window's lock is held. */
struct wbemev__group *wbemev__groups_lookup(const struct wbemev__groups *g, const wbemev_query_t *q,
                                            wbemev_object_t *event, uint32_t *hash);
/* A new group for event (count 0, a reference to event taken as its Representative), adding
 * `bytes` (wbemev__group_bytes(event)) to g->bytes; NULL out of memory. */
struct wbemev__group *wbemev__groups_add(struct wbemev__groups *g, wbemev_object_t *event, uint32_t hash,
                                         uint64_t bytes);
/* The bytes a group whose Representative is event holds: the event's footprint and its share of
 * the tables. */
uint64_t wbemev__group_bytes(const wbemev_object_t *event);
/* Moves g's groups to out, leaving g empty. */
void wbemev__groups_take(struct wbemev__groups *g, struct wbemev__groups *out);
void wbemev__groups_free(struct wbemev__groups *g);

/* ---- aggregate.c: GROUP WITHIN windows ---- */
wbemev_status wbemev__agg_new(struct wbemev__sub *sub, struct wbemev__agg **out);
/* Puts the window on the timer list (call once the subscription is published). */
wbemev_status wbemev__agg_attach(struct wbemev__agg *a);
void wbemev__agg_add(struct wbemev__agg *a, wbemev_object_t *event);
/* Abandons open windows and leaves the timer list. */
void wbemev__agg_close(struct wbemev__agg *a);
void wbemev__agg_free(struct wbemev__agg *a);
/* When the open window ends (the host's clock), UINT64_MAX when none is open. */
uint64_t wbemev__agg_due(struct wbemev__agg *a);
/* Closes the window if it is due at `now`; returns the aggregates it produced. */
size_t wbemev__agg_flush(struct wbemev__agg *a, uint64_t now);

/* ---- timers.c: what closes the windows: wbemev_dispatcher_tick, or the timer thread ---- */
wbemev_status wbemev__timers_new(wbemev_dispatcher_t *d, bool manual);
void wbemev__timers_stop(wbemev_dispatcher_t *d); /* joins the timer thread */
void wbemev__timers_free(wbemev_dispatcher_t *d);
size_t wbemev__timers_tick(wbemev_dispatcher_t *d);
/* The window list (references to the subscriptions held while listed). add starts the timer
 * thread on first use; remove is false when sub was not listed. */
wbemev_status wbemev__timers_add(struct wbemev__timers *t, struct wbemev__sub *sub);
bool wbemev__timers_remove(struct wbemev__timers *t, struct wbemev__sub *sub);
/* A window opened: the timer thread recomputes its sleep. */
void wbemev__timers_wake(struct wbemev__timers *t);

/* ---- provider_calls.c: the host's calls into a provider, each entered and marked ---- */
/* Initialize, with the init sink; the provider's status. */
wbemev_status wbemev__call_initialize(struct wbemev__reg *reg, wbemev_sink_t *init_sink);
/* ProvideEvents, once per registration (the first caller does it). */
void wbemev__call_provide_events(struct wbemev__reg *reg);
/* NewQuery for sub (recording reg in sub->regs); S_FALSE when not sent. */
wbemev_status wbemev__call_new_query(struct wbemev__reg *reg, struct wbemev__sub *sub);
void wbemev__call_cancel_query(struct wbemev__reg *reg, uint32_t id);
/* AccessCheck for sub's consumer; S_NO_ERROR when the provider has none. */
wbemev_status wbemev__call_access_check(struct wbemev__reg *reg, struct wbemev__sub *sub);
/* The dispatcher's last reference to the provider (its final Release, normally). */
void wbemev__call_release(struct wbemev__reg *reg, wbemev_provider_t *provider);
/* True while this thread is inside reg's NewQuery or CancelQuery: the request it is servicing is
 * not one that waits to get in (the throttling model). */
bool wbemev__servicing_request(const struct wbemev__reg *reg);

/* A call into reg's provider in progress ("ProvideEvents", ...), NULL when none (what keeps reg
 * busy then is Indicates from its sink). */
const char *wbemev__reg_call_in_progress(struct wbemev__reg *reg);

/* ---- registration.c ---- */
/* A new registration (not listed): the EventQueryList compiled, the event sink made. */
wbemev_status wbemev__reg_new(wbemev_dispatcher_t *d, const char *name, const char *const *event_queries,
                              size_t count, struct wbemev__reg **out);
void wbemev__reg_release(struct wbemev__reg *reg);
/* Lists reg with its provider (a reference taken); SHUTTING_DOWN or ALREADY_EXISTS. */
wbemev_status wbemev__reg_add(wbemev_dispatcher_t *d, struct wbemev__reg *reg, wbemev_provider_t *provider);
/* Initializes a listed registration and, once ready, tells it of the subscriptions it covers. On
 * failure it is unlisted and stopped. */
wbemev_status wbemev__reg_start(wbemev_dispatcher_t *d, struct wbemev__reg *reg);
/* Enter/leave a registration around a call into its provider or an Indicate. enter fails when the
 * registration is stopped. */
bool wbemev__reg_enter(struct wbemev__reg *reg);
void wbemev__reg_leave(struct wbemev__reg *reg);
/* Stops a registration: no call gets in any more; waits for those in progress (except this
 * thread's own), then releases the provider and the sink. */
void wbemev__reg_stop(struct wbemev__reg *reg);
/* The three steps of wbemev__reg_stop, for shutdown to watch each: begin (false when already
 * stopped: nothing more to do), wait for the calls in progress, release the provider and retire. */
bool wbemev__reg_stop_begin(struct wbemev__reg *reg);
void wbemev__reg_stop_wait(struct wbemev__reg *reg);
void wbemev__reg_stop_finish(struct wbemev__reg *reg);
/* True when this thread is inside a call into, or an Indicate from, one of d's registrations. */
bool wbemev__inside_registration_of(const wbemev_dispatcher_t *d);
/* Registration `name` (case-insensitive), called with d->lock held; NULL when none. */
struct wbemev__reg *wbemev__reg_find(wbemev_dispatcher_t *d, const char *name);
/* Unlists reg; called with d->lock held. */
void wbemev__reg_unlink(wbemev_dispatcher_t *d, struct wbemev__reg *reg);
/* True when one of reg's EventQueryList classes overlaps cls (same class, subclass or superclass). */
bool wbemev__reg_covers(const struct wbemev__reg *reg, const wbemev_class_t *cls);
/* Initialization reported through the init sink (any thread). */
void wbemev__reg_initialized(struct wbemev__reg *reg, wbemev_status status);
/* Shutdown: a provider that still holds its sink once the dispatcher released it
 * (SINK_HELD_AFTER_STOP). Destroy: the stopped registrations' sinks and tags go. */
void wbemev__regs_check_retired(wbemev_dispatcher_t *d);
/* Shutdown: waits until no Indicate or call of a stopped registration is still in progress (a stop
 * made from inside one does not wait for it), so the dispatcher outlives them all. */
/* before(ctx, reg), when not NULL, is called ahead of each wait (shutdown names what it waits for). */
void wbemev__regs_wait_retired(wbemev_dispatcher_t *d, void (*before)(void *ctx, struct wbemev__reg *reg),
                               void *ctx);
void wbemev__regs_free_retired(wbemev_dispatcher_t *d);
/* The ready registrations covering cls, each with a reference (release with wbemev__regs_release).
 * Called with d->lock held. */
wbemev_status wbemev__regs_covering(wbemev_dispatcher_t *d, const wbemev_class_t *cls, struct wbemev__reg ***out,
                                    size_t *count);
void wbemev__regs_release(struct wbemev__reg **v, size_t n);

/* ---- shutdown.c ---- */
/* wbemev_dispatcher_shutdown_deadline: the first call starts the sequence (on its own thread when
 * it can) and waits for it; later ones wait for it too. WBEMEV_E_TIMED_OUT when a call it waits
 * for overran the deadline (reported as CALL_OVERRAN_SHUTDOWN); the sequence goes on without the
 * caller. */
wbemev_status wbemev__shutdown(wbemev_dispatcher_t *d, uint32_t deadline_ms);
/* Destroy: waits, without a deadline, for the sequence to finish and joins its thread. */
void wbemev__shutdown_join(wbemev_dispatcher_t *d);

/* ---- subscription.c ---- */
/* A new subscription of consumer-to-be to `query` (compiled, its queue and windows made; not
 * listed, no consumer yet). */
wbemev_status wbemev__sub_new(wbemev_dispatcher_t *d, const char *query, const wbemev_subscribe_options *so,
                              struct wbemev__sub **out);
void wbemev__sub_release(struct wbemev__sub *sub);
/* Adds reg to sub->regs (a reference taken); S_FALSE when present. */
wbemev_status wbemev__sub_add_reg(struct wbemev__sub *sub, struct wbemev__reg *reg);
/* Lists sub and publishes the index; called with d->lock held. */
wbemev_status wbemev__sub_link(wbemev_dispatcher_t *d, struct wbemev__sub *sub);
/* Subscription `id`; called with d->lock held. */
struct wbemev__sub *wbemev__sub_find(wbemev_dispatcher_t *d, uint32_t id);
/* A subscription's counters as wbemev_dispatcher_subscription_stats reports them. */
void wbemev__sub_read_stats(struct wbemev__sub *sub, wbemev_subscription_stats *out);
/* keep_final_stats: the counters an ended subscription `id` had; false when not kept. */
bool wbemev__sub_final_stats(wbemev_dispatcher_t *d, uint32_t id, wbemev_subscription_stats *out);
/* Ends a subscription (exactly once: the caller that moves it from ACTIVE wins): removes it from
 * the index, cancels its queries with providers, waits for deliveries in progress, sends the one
 * SetStatus(COMPLETE, status), releases the consumer. Deferred when this thread is delivering. */
bool wbemev__sub_end(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_status status);
/* Unsubscribe: ends subscription `id`; NOT_FOUND when it is not listed, once an end of it in
 * progress on another thread is complete. */
wbemev_status wbemev__sub_end_id(wbemev_dispatcher_t *d, uint32_t id, wbemev_status status);
/* Shutdown: marks every listed subscription ENDING and takes them all off the list; returns those
 * this call ends (others are being ended by another thread). Called with d->lock held. */
struct wbemev__sub *wbemev__sub_take_all(wbemev_dispatcher_t *d, wbemev_status status);
/* The second half of an end begun by this thread: cancel, wait, drain, the final SetStatus. */
void wbemev__sub_finish(wbemev_dispatcher_t *d, struct wbemev__sub *sub);
/* Called on a thread that finished its outermost delivery for d: runs the ends it deferred. */
void wbemev__run_deferred_ends(wbemev_dispatcher_t *d);

#endif /* WBEMEV_DISPATCH_H */
