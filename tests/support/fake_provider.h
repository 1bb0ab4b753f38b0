/*
 * tests/support/fake_provider.h: one configurable fake event provider for the tests, the fuzz
 * targets and the benchmark (no test framework here: test_support.h has the CMocka checks).
 *
 * By default it behaves as docs/contract.md asks of a provider: Initialize reports readiness at once,
 * ProvideEvents add_refs the sink and keeps it, the final Release lets go of every sink it keeps,
 * and every method answers WBEMEV_S_NO_ERROR. A test scripts what differs (which methods exist, how
 * Initialize reports, what each method answers, mistakes with the sink) and can run its own code
 * inside any call (a hook).
 *
 * It counts every call (add_ref and release too), logs the WMI calls and the final release in order
 * with their query ids, and notes anomalies: what the dispatcher must never do to a provider (calls
 * before readiness or after the final release, arguments the contract rules out, more releases than
 * references). fake_provider_check_ended says whether it ended cleanly.
 *
 * Memory and references are separate: fake_provider_new gives the creator one reference (as a
 * provider's factory does) and the memory, which only fake_provider_free returns, so a test can look
 * at the fake after its final release.
 *
 * Thread-safety: the dispatcher may call the fake from any thread, and tests may read it meanwhile.
 * Configure it before registering it.
 */
#ifndef WBEMEV_FAKE_PROVIDER_H
#define WBEMEV_FAKE_PROVIDER_H

#include "wbemev.h"

typedef struct fake_provider fake_provider;

/* The calls the fake counts. The log holds the first five and FAKE_CALL_FINAL_RELEASE. */
typedef enum fake_call {
    FAKE_CALL_INITIALIZE,
    FAKE_CALL_PROVIDE_EVENTS,
    FAKE_CALL_NEW_QUERY,
    FAKE_CALL_CANCEL_QUERY,
    FAKE_CALL_ACCESS_CHECK,
    FAKE_CALL_ADD_REF,
    FAKE_CALL_RELEASE, /* every release, the final one included */
    FAKE_CALL_FINAL_RELEASE,
    FAKE_CALL_KINDS
} fake_call;

/* The optional methods (vtable slots) the fake has; add_ref, release and provide_events it always has. */
#define FAKE_PROVIDER_INITIALIZE 0x1u
#define FAKE_PROVIDER_NEW_QUERY 0x2u
#define FAKE_PROVIDER_CANCEL_QUERY 0x4u
#define FAKE_PROVIDER_ACCESS_CHECK 0x8u
#define FAKE_PROVIDER_ALL_METHODS 0xfu

/* How Initialize reports readiness. */
typedef enum fake_init_mode {
    FAKE_INIT_READY,  /* SetStatus(COMPLETE, status) from inside Initialize; returns what it answered */
    FAKE_INIT_LATER,  /* keeps the init sink; the test reports with fake_provider_report_init */
    FAKE_INIT_NEVER,  /* returns WBEMEV_S_NO_ERROR and never reports */
    FAKE_INIT_RETURN, /* returns status (a failure) without reporting */
} fake_init_mode;

/* What ProvideEvents does with the sink. The last two are contract violations, on purpose. */
typedef enum fake_sink_mode {
    FAKE_SINK_KEEP,   /* add_ref it, keep it, release it at the final Release */
    FAKE_SINK_BORROW, /* keep the pointer without add_ref (and never release it) */
    FAKE_SINK_LEAK,   /* add_ref it; the final Release forgets it unreleased (the test releases it) */
} fake_sink_mode;

/* One call, as the hook sees it. */
typedef struct fake_call_args {
    fake_call call;
    uint32_t query_id;                /* NewQuery, CancelQuery */
    const char *language, *query;     /* NewQuery, AccessCheck */
    const uint8_t *sid;               /* AccessCheck */
    size_t sid_length;                /* AccessCheck */
    const wbemev_provider_init *init; /* Initialize */
    wbemev_sink_t *sink;              /* Initialize: the init sink; ProvideEvents: the event sink */
    int32_t flags;                    /* ProvideEvents */
} fake_call_args;

/* Runs inside a WMI call (Initialize, ProvideEvents, NewQuery, CancelQuery, AccessCheck) and after
 * the final release, without the fake's lock: after the fake logged the call and kept what it keeps,
 * before Initialize reports readiness and before the call returns its scripted answer. */
typedef void (*fake_provider_hook)(void *ctx, fake_provider *p, const fake_call_args *call);

/* A new fake with every method, FAKE_INIT_READY with WBEMEV_S_INITIALIZED, FAKE_SINK_KEEP and
 * WBEMEV_S_NO_ERROR answers; the creator holds its one reference. NULL when out of memory. */
fake_provider *fake_provider_new(void);
/* Returns the memory, whatever the references (check first: fake_provider_check_ended). */
void fake_provider_free(fake_provider *p);

/* What to register with the dispatcher. */
wbemev_provider_t *fake_provider_base(fake_provider *p);
/* The fake's own vtable, to break on purpose (version 0, no provide_events...). */
wbemev_provider_vtbl *fake_provider_vtbl(fake_provider *p);

/* ---- scripting (before registration) ---- */
void fake_provider_set_methods(fake_provider *p, unsigned methods);
void fake_provider_set_init(fake_provider *p, fake_init_mode how, wbemev_status status);
void fake_provider_set_sink_mode(fake_provider *p, fake_sink_mode mode);
/* What ProvideEvents, NewQuery, CancelQuery or AccessCheck answers from now on. A failing
 * ProvideEvents keeps no sink. May change between calls (taken under the fake's lock). */
void fake_provider_answer(fake_provider *p, fake_call call, wbemev_status status);
void fake_provider_set_hook(fake_provider *p, fake_provider_hook hook, void *ctx);

/* ---- the test's own references (counted like the dispatcher's) ---- */
void fake_provider_add_ref(fake_provider *p);
void fake_provider_release(fake_provider *p);

/* ---- the kept sinks ---- */
/* The sink ProvideEvents gave it (borrowed), NULL before or after. */
wbemev_sink_t *fake_provider_sink(fake_provider *p);
/* The init sink kept by FAKE_INIT_LATER (borrowed), NULL otherwise. */
wbemev_sink_t *fake_provider_init_sink(fake_provider *p);
/* Reports readiness (or a failure) through the kept init sink: what SetStatus answered, or
 * WBEMEV_E_NOT_AVAILABLE without an init sink. */
wbemev_status fake_provider_report_init(fake_provider *p, wbemev_status status);
/* Indicate through the kept sink (borrowed for the call: do not race the final release), or
 * WBEMEV_E_NOT_AVAILABLE without one. */
wbemev_status fake_provider_indicate(fake_provider *p, int32_t count, wbemev_object_t *const *objects);
wbemev_status fake_provider_indicate1(fake_provider *p, wbemev_object_t *object);

/* ---- what happened ---- */
int fake_provider_refs(fake_provider *p);
size_t fake_provider_calls(fake_provider *p, fake_call call);
/* The log of WMI calls and the final release, in order. Past the end: FAKE_CALL_KINDS and 0. */
size_t fake_provider_log_size(fake_provider *p);
fake_call fake_provider_log_call(fake_provider *p, size_t i);
uint32_t fake_provider_log_id(fake_provider *p, size_t i);
/* The log index of the first call of that kind, or SIZE_MAX. */
size_t fake_provider_first(fake_provider *p, fake_call call);
/* The query text of the last NewQuery or AccessCheck, copied into buf ("" before any). */
void fake_provider_last_query(fake_provider *p, char *buf, size_t size);
/* The sid_length of the last AccessCheck. */
size_t fake_provider_last_sid_length(fake_provider *p);
/* How many anomalies, and the first one's description (NULL when none). */
size_t fake_provider_anomalies(fake_provider *p);
const char *fake_provider_anomaly(fake_provider *p);
/* NULL when the fake ended as it should: no anomaly, one final release, no reference left, no sink
 * kept. Otherwise what is wrong (valid until the next call on the fake). */
const char *fake_provider_check_ended(fake_provider *p);

#endif /* WBEMEV_FAKE_PROVIDER_H */
