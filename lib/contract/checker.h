/*
 * lib/contract/checker.h: the contract checker, one object: its policy, its violation records and
 * report, the per-thread marks that say which host call a thread is inside, and the rules checked
 * by calling it. Not installed.
 *
 * The checker calls only the layers below it (the model, to mark indicated objects). The
 * dispatcher owns one and calls it at each point where a rule applies; nothing in the checker
 * knows of registrations or subscriptions, so it is tested on its own.
 *
 * Thread safety: every function may be called from any thread. Records are kept under the
 * checker's lock; marks are per thread and need none.
 */
#ifndef WBEMEV_CHECKER_H
#define WBEMEV_CHECKER_H

#include "model/model.h"

#include <stdio.h>

/* One recorded violation kind for one provider (or one consumer's subscription). */
struct wbemev__violation_rec {
    wbemev_violation_code code;
    char *provider;
    uint32_t subscription; /* a consumer's; 0 otherwise */
    const char *first_call; /* static strings */
    const char *inside;
    char *first_class;
    char *query; /* a consumer's subscription query, or NULL */
    uint64_t count;
};

struct wbemev__checker_options {
    wbemev_contract_policy policy;
    uint64_t provider_limit_ns; /* a call into a provider longer than this is SLOW_PROVIDER_CALL */
    uint64_t consumer_limit_ns; /* a consumer's Indicate longer than this is SLOW_CONSUMER */
    uint64_t (*clock)(void *ctx); /* monotonic nanoseconds; NULL: the platform's */
    void *clock_ctx;
};

struct wbemev__checker {
    wbemev_contract_policy policy;
    uint64_t provider_limit_ns, consumer_limit_ns;
    /* Consumer calls are timed on the coarse clock when its step is at most a sixteenth of the
     * limit (two reads per call, the cost that matters there); a call is slow when the clock moved
     * more than the limit plus one step, so a call within the limit is never reported. 0: the
     * precise clock (or the options' clock) times them. */
    uint64_t consumer_step_ns;
    uint64_t (*clock)(void *ctx);
    void *clock_ctx;
    wbemev__mutex lock; /* the records */
    struct wbemev__violation_rec *records;
    size_t nrecords;
    uint64_t lost; /* violations not recorded: out of memory */
};

void wbemev__checker_init(struct wbemev__checker *c, const struct wbemev__checker_options *o);
/* Frees the records. No thread may use the checker any more. */
void wbemev__checker_fini(struct wbemev__checker *c);

/* False under the policy "off": the caller may skip the work a check needs. */
static inline bool wbemev__checker_on(const struct wbemev__checker *c)
{
    return c->policy != WBEMEV_CONTRACT_OFF;
}
/* The checker's clock (nanoseconds). */
uint64_t wbemev__checker_now(const struct wbemev__checker *c);

/* Records one violation by `provider` (NULL: the host itself) in `call` (a static string) on
 * `class_name` (NULL for none). Under "abort" prints the report and aborts. Returns true when the
 * offending call must be refused (policy "strict"), false otherwise, and always false under "off". */
bool wbemev__checker_violation(struct wbemev__checker *c, wbemev_violation_code code, const char *provider,
                               const char *call, const char *class_name);

/* Records one violation by the consumer of subscription `subscription` (its query borrowed for the
 * call), made outside that consumer's calls (shutdown reporting one that overran). As above. */
bool wbemev__checker_consumer_violation(struct wbemev__checker *c, wbemev_violation_code code, uint32_t subscription,
                                        const char *query, const char *call, const char *class_name);

/* ---- the records ---- */
size_t wbemev__checker_count(struct wbemev__checker *c);
/* Record `index` (strings borrowed from the checker); false when out of range. */
bool wbemev__checker_get(struct wbemev__checker *c, size_t index, wbemev_violation *out);
/* Occurrences of `code`, every provider together. */
uint64_t wbemev__checker_count_of(struct wbemev__checker *c, wbemev_violation_code code);
/* Writes the plain-text report to f; returns the number of records. */
size_t wbemev__checker_report(struct wbemev__checker *c, FILE *f);

/* ---- marks: which host call this thread is inside ----
 * The host brackets each call into a provider (Initialize, ProvideEvents, NewQuery, CancelQuery,
 * AccessCheck, its final Release) and each call into a consumer's Indicate. Calls nest (a provider
 * may indicate from NewQuery, a consumer may be called from there); each bracket keeps the outer
 * one in its frame. A violation recorded meanwhile says which call it happened inside. */
struct wbemev__provider_call {
    const char *provider; /* borrowed for the call */
    const char *call;     /* a static string */
    uint64_t t0;
    bool timed; /* begin sets it; clear it for a call no limit applies to */
    unsigned depth;
    const struct wbemev__provider_call *outer;
};
void wbemev__checker_provider_call_begin(struct wbemev__checker *c, struct wbemev__provider_call *pc,
                                         const char *provider, const char *call);
/* Ends the bracket; a call longer than the limit is SLOW_PROVIDER_CALL. */
void wbemev__checker_provider_call_end(struct wbemev__checker *c, struct wbemev__provider_call *pc);
/* The innermost provider call of this thread, or NULL. */
const struct wbemev__provider_call *wbemev__checker_current_call(void);

/* A consumer's Indicate for subscription `subscription` (its query borrowed for the call); `timed`:
 * measure it against the consumer-call limit (SLOW_CONSUMER). */
struct wbemev__consumer_call {
    uint32_t subscription;
    const char *query;
    uint64_t t0;
    bool timed;
    unsigned depth;
    const struct wbemev__consumer_call *outer;
};
void wbemev__checker_consumer_call_begin(struct wbemev__checker *c, struct wbemev__consumer_call *cc,
                                         uint32_t subscription, const char *query, bool timed);
void wbemev__checker_consumer_call_end(struct wbemev__checker *c, struct wbemev__consumer_call *cc,
                                       const char *class_name);
/* True while this thread is inside a consumer's Indicate. */
bool wbemev__checker_in_consumer_call(void);

/* ---- rules checked on entry to the host ---- */
/* Guideline 2 and consumer re-entry: `what` (subscribe, unsubscribe, register, unregister) is
 * called from inside a provider call or a consumer's Indicate. WBEMEV_E_INVALID_OPERATION when
 * strict refuses it, WBEMEV_S_NO_ERROR otherwise. */
wbemev_status wbemev__checker_host_call(struct wbemev__checker *c, const char *what);
/* Guideline 1 (inside a provider call) and consumer re-entry: a class is about to be defined or
 * deleted (`what`, a static string naming the call). As above. */
wbemev_status wbemev__checker_class_change(struct wbemev__checker *c, const char *class_name, const char *what);

/* ---- one unique object per event ----
 * Marks each object as indicated by `provider` in one Indicate call. A duplicate within the call is
 * DUPLICATE_IN_BATCH, an object indicated before OBJECT_REINDICATED; when strict refuses, the
 * marks this call made are undone and the status to answer is returned (INVALID_PARAMETER,
 * INVALID_OBJECT). `tag` (from wbemev__checker_tag_new, or 0) names the provider in the objects,
 * so a later Put on one is reported against it (PUT_AFTER_INDICATE). */
wbemev_status wbemev__checker_mark_unique(struct wbemev__checker *c, const char *provider, uint32_t tag,
                                          int32_t count, wbemev_object_t *const *objects);
/* A process-unique tag for `provider` (the string must outlive the tag), or 0 out of memory. A Put
 * refused on an object marked with it is recorded in c until wbemev__checker_tag_free. */
uint32_t wbemev__checker_tag_new(struct wbemev__checker *c, const char *provider);
/* Forgets a tag (0 is ignored): waits for a report of it in progress, then none is made. */
void wbemev__checker_tag_free(uint32_t tag);
/* Records a violation by the provider `tag` names, into its checker, if the tag is still known
 * (the checker may be gone: then nothing happens). For what a provider does to objects or sinks
 * that outlive the host's use of them. Returns as wbemev__checker_violation. */
bool wbemev__checker_violation_tagged(uint32_t tag, wbemev_violation_code code, const char *call,
                                      const char *class_name);

/* ---- names (rules.c) ---- */
/* The rule and the fix of a code (static strings); false for an unknown code. */
bool wbemev__rule_text(wbemev_violation_code code, const char **name, const char **rule, const char **fix);

#endif /* WBEMEV_CHECKER_H */
