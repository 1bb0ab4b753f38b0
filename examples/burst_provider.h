/*
 * examples/burst_provider.h: a provider that fires bursts of events from its own thread.
 *
 * It follows docs/contract.md to the letter: ProvideEvents keeps the sink and starts a worker thread, then
 * returns at once; the worker spawns one template and clones it for every event (one unique object
 * per event, the "400 events" rule), indicates a burst as one array, stops when Indicate answers
 * WBEMEV_E_CALL_CANCELLED, refires after WBEMEV_E_SERVER_TOO_BUSY only once it has looked at pending
 * requests (CancelQuery), and the final release stops and joins the worker before the sink goes.
 *
 * The same source builds into the Linux example and into the Windows provider DLL.
 */
#ifndef BURST_PROVIDER_H
#define BURST_PROVIDER_H

#include "wbemev.h"
#include "wbemev/mof.h"

#define BURST_EVENT_CLASS "Burst_Event"

/* Burst_Event : __ExtrinsicEvent { string Name; uint64 Sequence; uint32 Burst; sint32 Severity;
 * datetime Stamp; } */
extern const wbemev_property_def burst_event_properties[];
extern const size_t burst_event_property_count;
/* The provider's EventQueryList. */
extern const char *const burst_event_queries[];
extern const size_t burst_event_query_count;

/* The whole registration as data (wbemev/mof.h): namespace, provider name "BurstProvider", CLSID,
 * the Burst_Event class and the EventQueryList. The plugin (burst_plugin.c), the registration MOF
 * and a Windows DLL take it from here. */
extern const wbemev_registration burst_registration;

/* Defines Burst_Event in ns (what mofcomp does on Windows). */
wbemev_status burst_provider_define_classes(wbemev_namespace_t *ns);

typedef struct burst_options {
    unsigned bursts;     /* how many bursts to fire; 0 = until stopped */
    unsigned burst_size; /* events per Indicate; 400 by default */
} burst_options;

/* Creates the provider with one reference. opts may be NULL (3 bursts of 400). */
wbemev_status burst_provider_new(const burst_options *opts, wbemev_provider_t **out);

/* Blocks until the worker fired every burst (or was cancelled). Returns the number of events
 * Indicate accepted. */
unsigned long long burst_provider_wait(wbemev_provider_t *provider);

#endif /* BURST_PROVIDER_H */
