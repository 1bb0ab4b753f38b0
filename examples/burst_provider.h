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

/* Generated from burst.mof (`wbemev gen burst.mof --prefix burst`, CMake's wbemev_generate): the
 * Burst_Event class (string Name; uint64 Sequence; uint32 Burst; sint32 Severity; datetime Stamp),
 * its typed accessors (burst_event_put_severity...), and burst_registration: the namespace,
 * provider name "BurstProvider", CLSID, the class and the EventQueryList (burst_event_queries,
 * burst_event_query_count). The plugin (burst_plugin.c), the registration MOF and the Windows DLL
 * take it from there. */
#include "burst_mof.h"

/* Burst_Event's name and its own property table, by the names the tests know them by. */
#define BURST_EVENT_CLASS BURST_EVENT_CLASS_NAME
#define burst_event_properties (burst_classes[0].props)
#define burst_event_property_count (burst_classes[0].prop_count)

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
