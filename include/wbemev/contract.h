/*
 * wbemev/contract.h: the contract checker: where a provider (or a consumer) breaks the WMI rules.
 *
 * The dispatcher checks every call against the rules of docs/contract.md according to a policy:
 *
 *   WBEMEV_CONTRACT_OFF     no checks, no cost;
 *   WBEMEV_CONTRACT_RECORD  report each violation and behave as WMI would (the default);
 *   WBEMEV_CONTRACT_STRICT  report and reject the offending call with the status named for it;
 *   WBEMEV_CONTRACT_ABORT   print the report to stderr and abort: for CI.
 *
 * The environment variable WBEMEV_CONTRACT (off, record, strict, abort) overrides the policy given in
 * wbemev_dispatcher_options, so CI can tighten it without code changes.
 *
 * Each violation has a stable code, the provider's name, a count, where it first happened (the call
 * and the object class) and a message that cites the rule and says what to change.
 */
#ifndef WBEMEV_CONTRACT_H
#define WBEMEV_CONTRACT_H

#include <stdio.h>

#include "status.h"

WBEMEV_BEGIN_DECLS

/** The contract checker's policy (see the top of this header). */
typedef enum wbemev_contract_policy {
    WBEMEV_CONTRACT_OFF = 0,
    WBEMEV_CONTRACT_RECORD = 1,
    WBEMEV_CONTRACT_STRICT = 2,
    WBEMEV_CONTRACT_ABORT = 3
} wbemev_contract_policy;

/** Violation codes: stable, never renumbered. X(NAME, number, rule, what to change). */
#define WBEMEV_VIOLATION_MAP(X)                                                                    \
    X(SET_STATUS_FROM_PROVIDER, 1, "guideline 4",                                                  \
      "a provider called SetStatus on the event sink it was given; an event stream has no end: "    \
      "never call SetStatus from a provider, just stop indicating")                                \
    X(CLASS_CHANGE_IN_CALL, 2, "guideline 1",                                                      \
      "a class was defined or deleted while the provider was servicing a call from the host; "      \
      "define classes before registering (on Windows: in the MOF), never from Initialize, "         \
      "ProvideEvents, NewQuery, CancelQuery or AccessCheck")                                       \
    X(EVENT_CALL_IN_CALL, 3, "guideline 2",                                                        \
      "an event-related call (subscribe, unsubscribe, register, unregister) was made from inside "  \
      "a call from the host or from inside a consumer's Indicate; queue the work and do it on "     \
      "another thread")                                                                            \
    X(REFIRE_WHILE_PENDING, 4, "guideline 3",                                                      \
      "the provider kept refiring after WBEMEV_E_SERVER_TOO_BUSY while a CancelQuery/NewQuery was " \
      "waiting for it; process the host's requests before refiring")                               \
    X(DUPLICATE_IN_BATCH, 5, "one unique object per event",                                        \
      "the same object appears twice in one Indicate; spawn or clone one object per event")         \
    X(OBJECT_REINDICATED, 6, "one unique object per event",                                        \
      "an object was indicated again; after Indicate it belongs to the consumers: clone the "       \
      "template or spawn a new instance for every event (KB 329283: reuse overflows the queue)")   \
    X(PUT_AFTER_INDICATE, 7, "one unique object per event",                                        \
      "Put on an object after it was indicated; indicated objects are immutable: clone it first")  \
    X(INDICATE_AFTER_CANCEL, 8, "stop on WBEM_E_CALL_CANCELLED",                                   \
      "Indicate was called again after the host answered WBEMEV_E_CALL_CANCELLED; stop the "        \
      "worker and release the sink when Indicate says cancelled")                                  \
    X(SINK_NOT_KEPT, 9, "ProvideEvents keeps the sink",                                            \
      "ProvideEvents returned without keeping a reference to the sink; AddRef the sink in "         \
      "ProvideEvents and indicate through it later")                                               \
    X(SLOW_PROVIDER_CALL, 10, "return quickly",                                                    \
      "a call into the provider blocked longer than the limit; return at once and do slow work on " \
      "the provider's own thread")                                                                 \
    X(CLASS_NOT_REGISTERED, 11, "EventQueryList",                                                  \
      "an event of a class the provider's EventQueryList does not cover was indicated; add a "      \
      "query for it to the registration (__EventProviderRegistration.EventQueryList)")             \
    X(NOT_EVENT_CLASS, 12, "event classes derive from __Event",                                    \
      "an object whose class does not derive from __Event was indicated; derive event classes "     \
      "from __ExtrinsicEvent")                                                                     \
    X(CLASS_OBJECT_INDICATED, 13, "indicate instances",                                            \
      "a class definition was indicated instead of an instance; SpawnInstance first")              \
    X(SINK_HELD_AFTER_STOP, 14, "release the sink on stop",                                        \
      "the provider still holds its sink after its final release; the final Release must stop "     \
      "the worker, join it and release the sink")                                                  \
    X(OBJECTS_LEAKED, 15, "release what you create",                                               \
      "event objects were still alive when the dispatcher shut down, beyond those consumers said "  \
      "they keep; release every spawned or cloned object after Indicate")                          \
    X(SLOW_CONSUMER, 16, "consumers return quickly",                                               \
      "a consumer's Indicate took longer than the consumer-call limit (warning); queue heavy work "  \
      "to another thread")                                                                         \
    X(CONSUMER_REENTRY, 17, "consumers never call back into the host",                             \
      "a consumer called into the dispatcher or its namespace (subscribe, unsubscribe, register, "  \
      "unregister, wait_idle, define or delete class) from inside its Indicate; queue the work "    \
      "and do it on another thread")                                                               \
    X(SINK_OVER_RELEASED, 18, "release only what you AddRef'd",                                    \
      "the provider released its event sink more often than it added references (typically: it "   \
      "stored the sink from ProvideEvents without AddRef and released it at stop, or released it "  \
      "twice); AddRef the sink you keep and release it exactly once; the extra Release was ignored") \
    X(INIT_NOT_REPORTED, 19, "Initialize reports readiness",                                        \
      "Initialize returned without calling SetStatus on its init sink and without keeping the sink "\
      "to call it later, so the provider could never become ready; call "                          \
      "SetStatus(WBEM_STATUS_COMPLETE, WBEM_S_NO_ERROR) on the init sink (the registration failed)") \
    X(CLASS_FROM_OTHER_NAMESPACE, 20, "events come from the host's namespace",                      \
      "an event of a class from another namespace or dispatcher was indicated (a class of the same "\
      "name defined elsewhere, or one from before the class was deleted and defined again); spawn "  \
      "events from the classes of the namespace your Initialize received")                         \
    X(CALL_OVERRAN_SHUTDOWN, 21, "return quickly",                                                  \
      "a call was still running when the dispatcher's shutdown deadline passed (and past its call " \
      "limit), so shutdown returned WBEMEV_E_TIMED_OUT without it; a provider's ProvideEvents, "    \
      "NewQuery, CancelQuery and Release, a provider's Indicate and a consumer's Indicate and "     \
      "SetStatus must return promptly: do slow work on a thread of your own and stop it on Release")

#define WBEMEV__VIOLATION_ENUM(name, num, rule, fix) WBEMEV_VIOLATION_##name = num,
/** Violation codes: WBEMEV_VIOLATION_<NAME> from WBEMEV_VIOLATION_MAP. */
typedef enum wbemev_violation_code {
    WBEMEV_VIOLATION_MAP(WBEMEV__VIOLATION_ENUM) WBEMEV__VIOLATION_END_
} wbemev_violation_code;
#undef WBEMEV__VIOLATION_ENUM

/** One kind of violation, as recorded for one provider (or consumer). Borrowed strings. */
typedef struct wbemev_violation {
    wbemev_violation_code code; /**< the stable code */
    const char *name;     /**< "SET_STATUS_FROM_PROVIDER" */
    const char *rule;     /**< "guideline 4" */
    const char *message;  /**< what to change */
    const char *provider; /**< the provider's name, or "(consumer)" / "(dispatcher)" */
    const char *first_call;  /**< the call that broke the rule, the first time: "Indicate", "subscribe",
                                  "define class", "SetStatus", "Release", ... */
    const char *inside;      /**< the host call it happened inside: "Initialize", "ProvideEvents",
                                  "NewQuery", "CancelQuery", "AccessCheck", "Release" (the provider's
                                  final Release), "consumer Indicate"; NULL when none */
    const char *first_class; /**< the object class involved, or NULL */
    uint32_t subscription;   /**< for a consumer's violation, its subscription id; 0 otherwise */
    const char *query;       /**< for a consumer's violation, its subscription's query; NULL otherwise */
    uint64_t count;          /**< how many times */
    bool warning;            /**< a warning (SLOW_CONSUMER), not an error */
} wbemev_violation;

/** The name of a violation code ("OBJECT_REINDICATED"), or NULL. Thread-safe. */
WBEMEV_API const char *wbemev_violation_name(wbemev_violation_code code);
/** Parses "off", "record", "strict", "abort" (case-insensitive). WBEMEV_E_INVALID_PARAMETER. */
WBEMEV_API wbemev_status wbemev_contract_policy_from_name(const char *name, wbemev_contract_policy *out);
/** The name of a policy ("record"), the one wbemev_contract_policy_from_name parses, or NULL for a
 * value that is not a policy. Thread-safe. */
WBEMEV_API const char *wbemev_contract_policy_name(wbemev_contract_policy policy);

WBEMEV_END_DECLS

#endif /* WBEMEV_CONTRACT_H */
