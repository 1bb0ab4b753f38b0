/*
 * examples/heartbeat_provider.h: a timer provider. Its thread fires one Heartbeat_Event every
 * interval, the way a service reports that it is alive.
 *
 *   Heartbeat_Event : __ExtrinsicEvent { string Source; uint64 Sequence; uint32 IntervalMs;
 *                                        datetime Uptime; }
 *
 * Uptime is a CIM interval (ddddddddHHMMSS.mmmmmm:000): the time since the provider started.
 * The provider follows docs/contract.md: ProvideEvents keeps the sink and starts the timer thread, one
 * object per event (cloned from a template), stop on WBEMEV_E_CALL_CANCELLED, and the final release
 * wakes and joins the thread before letting go of the sink. A beat refused with
 * WBEMEV_E_SERVER_TOO_BUSY is not refired: the next beat says the same thing.
 *
 * The source is portable (POSIX threads or Win32), like burst_provider.c.
 */
#ifndef HEARTBEAT_PROVIDER_H
#define HEARTBEAT_PROVIDER_H

#include "wbemev.h"
#include "wbemev/mof.h"

#define HEARTBEAT_EVENT_CLASS "Heartbeat_Event"

/* Namespace, provider name "HeartbeatProvider", CLSID, Heartbeat_Event and the EventQueryList. */
extern const wbemev_registration heartbeat_registration;

typedef struct heartbeat_options {
    unsigned interval_ms; /* time between beats, >= 1; default 1000 */
    unsigned long long beats; /* how many beats; 0 = until stopped */
    const char *source;   /* Source property (copied); NULL for "heartbeat" */
} heartbeat_options;

/* Creates the provider with one reference. opts may be NULL (one beat a second, until stopped). */
wbemev_status heartbeat_provider_new(const heartbeat_options *opts, wbemev_provider_t **out);

#endif /* HEARTBEAT_PROVIDER_H */
