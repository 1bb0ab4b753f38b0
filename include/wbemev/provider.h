/*
 * wbemev/provider.h: the provider interface (IWbemProviderInit, IWbemEventProvider,
 * IWbemEventProviderQuerySink, IWbemEventProviderSecurity in one vtable).
 *
 * Implement a provider like a sink: embed a wbemev_provider_t, point it at a static const vtable,
 * recover your struct with WBEMEV_CONTAINER_OF. provide_events, add_ref and release are mandatory;
 * initialize, new_query, cancel_query and access_check are optional (NULL slots), like the optional
 * COM interfaces.
 *
 * Call order, as the dispatcher makes the calls (WMI's order, docs/contract.md#lifecycle):
 *  1. initialize, once, at registration. The provider reports readiness through init_sink:
 *     wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE, WBEMEV_S_INITIALIZED or
 *     WBEMEV_E_FAILED, NULL, NULL), before returning or later from another thread (add_ref the init
 *     sink to keep it). The dispatcher calls nothing else before readiness is reported.
 *  2. For each new subscription whose class the provider's EventQueryList covers, in this order:
 *     a. access_check("WQL", text, sid, sid_len), when the provider has it, before the subscription
 *        exists: WBEMEV_S_NO_ERROR allows; WBEMEV_S_SUBJECT_TO_SDS asks the dispatcher to check each
 *        event's SECURITY_DESCRIPTOR; a failure (WBEMEV_E_ACCESS_DENIED) denies: the subscribe fails
 *        with it and no new_query follows. sid is NULL for a temporary consumer. Every provider
 *        covering the class is asked before any of them gets new_query.
 *     b. new_query(id, "WQL", text). Advisory (the dispatcher filters anyway), but a failure fails
 *        the subscribe with that status, and the providers that got new_query get cancel_query(id).
 *        It may repeat for an id: treat it as an upsert.
 *     c. provide_events(sink, 0), once per registration: with the first subscription it covers,
 *        after that subscription's new_query. add_ref the sink, return quickly (start a thread;
 *        never block), and indicate later. A failing provide_events is called again with the next
 *        subscription.
 *  3. A provider that reports readiness while subscriptions it covers exist gets new_query for
 *     each of them (no access_check: they were admitted already), then provide_events.
 *  4. cancel_query(id) when a subscription goes away: unsubscribe, its consumer failed, shutdown,
 *     or a subscribe that failed after new_query. Unknown ids are harmless.
 *  5. The final release stops the provider: it must stop indicating, release the sink and join its
 *     threads before returning.
 *
 * Guidelines the contract checker enforces: no class changes and no event-related calls
 * (subscribe, unsubscribe, register) from inside any of these calls; never SetStatus on the event
 * sink; process pending requests (CancelQuery) before refiring an event that was refused with
 * WBEMEV_E_SERVER_TOO_BUSY; stop when Indicate answers WBEMEV_E_CALL_CANCELLED.
 *
 * Threading: the dispatcher may call new_query, cancel_query and access_check from any thread, and
 * concurrently with the provider's own threads (WMI's "Both" model): protect your state.
 */
#ifndef WBEMEV_PROVIDER_H
#define WBEMEV_PROVIDER_H

#include "sink.h"

WBEMEV_BEGIN_DECLS

/** The provider vtable version this header defines. */
#define WBEMEV_PROVIDER_VTBL_VERSION 1

/** What Initialize is told (IWbemProviderInit::Initialize). Borrowed for the call. */
typedef struct wbemev_provider_init {
    const char *user;             /**< may be NULL */
    const char *namespace_name;   /**< e.g. "root\\cimv2" */
    const char *locale;           /**< may be NULL */
    wbemev_namespace_t *ns;       /**< the services: look up class definitions here (add_ref to keep) */
    const char *provider_name;    /**< the name it was registered under */
} wbemev_provider_init;

/** The provider's methods, in COM order; slots are only ever appended. */
typedef struct wbemev_provider_vtbl {
    uint32_t version; /**< WBEMEV_PROVIDER_VTBL_VERSION */
    void (*add_ref)(wbemev_provider_t *provider); /**< Mandatory. Atomic: any thread may call it. */
    void (*release)(wbemev_provider_t *provider); /**< Mandatory. The final one stops the provider. */
    /** Optional. Report readiness through init_sink (see rule 1); return WBEMEV_S_NO_ERROR. */
    wbemev_status (*initialize)(wbemev_provider_t *provider, const wbemev_provider_init *init,
                                wbemev_sink_t *init_sink);
    /** Mandatory. flags is 0. */
    wbemev_status (*provide_events)(wbemev_provider_t *provider, wbemev_sink_t *sink, int32_t flags);
    /** Optional. language is "WQL". */
    wbemev_status (*new_query)(wbemev_provider_t *provider, uint32_t query_id, const char *language,
                               const char *query);
    /** Optional. */
    wbemev_status (*cancel_query)(wbemev_provider_t *provider, uint32_t query_id);
    /** Optional. sid may be NULL (temporary consumer) with sid_length 0. */
    wbemev_status (*access_check)(wbemev_provider_t *provider, const char *language,
                                  const char *query, const uint8_t *sid, size_t sid_length);
} wbemev_provider_vtbl;

/** The base struct: embed it in your provider and point vtbl at a static const table. */
struct wbemev_provider_s {
    const wbemev_provider_vtbl *vtbl; /**< a static const table */
};

/** True when the provider has a vtable of a known version with every mandatory slot set. */
static inline bool wbemev_provider_is_valid(const wbemev_provider_t *p)
{
    return p != NULL && p->vtbl != NULL && p->vtbl->version >= 1 && p->vtbl->add_ref != NULL &&
           p->vtbl->release != NULL && p->vtbl->provide_events != NULL;
}

/** Calls the provider's add_ref and returns p. */
static inline wbemev_provider_t *wbemev_provider_add_ref(wbemev_provider_t *p)
{
    p->vtbl->add_ref(p);
    return p;
}
/** Calls the provider's release (the final one stops the provider). */
static inline void wbemev_provider_release(wbemev_provider_t *p)
{
    p->vtbl->release(p);
}

WBEMEV_END_DECLS

#endif /* WBEMEV_PROVIDER_H */
