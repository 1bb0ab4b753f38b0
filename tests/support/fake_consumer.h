/*
 * tests/support/fake_consumer.h: one fake consumer sink for the tests and the fuzz targets (no test
 * framework here: test_support.h has the CMocka checks).
 *
 * It logs every Indicate (one entry per event) and SetStatus in order, and can be scripted to fail
 * after some events, to be slow (it yields, it never sleeps), and to hold callers at two gates: one
 * inside Indicate (a test can see a worker parked there) and one inside the final SetStatus (an end
 * in progress). Tests synchronize on its counts with the wait functions, which block on a condition
 * variable: no sleeps.
 *
 * It notes anomalies, what the dispatcher must never do to a consumer: an Indicate or SetStatus after
 * the final SetStatus, more final SetStatus calls than subscriptions (one unless told), an Indicate
 * without events or with objects that are NULL or not frozen, a release of the creator's
 * reference. fake_consumer_check says whether it is clean.
 *
 * Memory and references are separate: fake_consumer_new gives the creator one reference and the
 * memory, which only fake_consumer_free returns; the dispatcher's references must all come back.
 *
 * Thread-safety: any thread may call it; the reads take its lock.
 */
#ifndef WBEMEV_FAKE_CONSUMER_H
#define WBEMEV_FAKE_CONSUMER_H

#include "wbemev.h"

typedef struct fake_consumer fake_consumer;

typedef enum fake_entry_kind { FAKE_EVENT = 1, FAKE_PROGRESS = 2, FAKE_COMPLETE = 3 } fake_entry_kind;

/* One log entry. */
typedef struct fake_entry {
    fake_entry_kind kind;  /* 0 past the end of the log */
    int32_t value;         /* FAKE_EVENT: the event's Severity (sint32), else its NumberOfEvents
                              (aggregates), else -1 */
    wbemev_status status;  /* FAKE_PROGRESS, FAKE_COMPLETE: the status */
    wbemev_object_t *obj;  /* FAKE_EVENT when keeping objects: the event (the log's reference) */
} fake_entry;

/* A new consumer: accepts everything, logs events, keeps no objects, gates open. NULL when out of
 * memory. */
fake_consumer *fake_consumer_new(void);
/* Returns the memory and the kept objects, whatever the references (check first). */
void fake_consumer_free(fake_consumer *c);
/* What to subscribe with. */
wbemev_sink_t *fake_consumer_sink(fake_consumer *c);

/* ---- scripting ---- */
/* Keep a reference to each event in the log (released by fake_consumer_free). */
void fake_consumer_keep_objects(fake_consumer *c, bool keep);
/* false: count events without logging them (long runs); statuses are always logged. */
void fake_consumer_log_events(fake_consumer *c, bool log);
/* Accept at most `events` events: an Indicate that would take more fails whole with `status` (and
 * is not logged). SIZE_MAX: never fail (the default). */
void fake_consumer_fail_after(fake_consumer *c, size_t events, wbemev_status status);
/* How many subscriptions share this consumer (1 by default): that many final SetStatus calls are
 * expected, and nothing after the last. */
void fake_consumer_set_subscriptions(fake_consumer *c, size_t n);
/* Yield this many times in each Indicate: a slow consumer that does not sleep. */
void fake_consumer_yield_in_indicate(fake_consumer *c, unsigned yields);
/* Closed: Indicate waits at the gate, after counting itself as entered, until it opens. */
void fake_consumer_gate(fake_consumer *c, bool closed);
/* Closed: the final SetStatus waits until it opens; it is logged (and counted) once through. */
void fake_consumer_status_gate(fake_consumer *c, bool closed);
/* Forgets the log and every count but the references: the consumer starts again (a new subscription). */
void fake_consumer_reset(fake_consumer *c);

/* ---- waiting (on a condition variable) ---- */
/* Until `n` Indicates have entered (reached the gate). */
void fake_consumer_wait_entered(fake_consumer *c, size_t n);
/* Until `n` Indicates have entered the `count` consumers at c, together (say, every worker parked at
 * one of them). Driven by the counts: it yields, it does not sleep. */
void fake_consumer_wait_entered_total(fake_consumer *const *c, size_t count, size_t n);
/* Until `n` events were accepted. */
void fake_consumer_wait_events(fake_consumer *c, size_t n);
/* Until the final SetStatus was logged. */
void fake_consumer_wait_complete(fake_consumer *c);
/* Until a final SetStatus has arrived (it may be waiting at the status gate). */
void fake_consumer_wait_status_entered(fake_consumer *c);

/* ---- what happened ---- */
size_t fake_consumer_events(fake_consumer *c);    /* events accepted */
size_t fake_consumer_indicates(fake_consumer *c); /* Indicate calls, failed ones included */
size_t fake_consumer_entered(fake_consumer *c);   /* Indicates that reached the gate */
size_t fake_consumer_progress(fake_consumer *c);  /* SetStatus(PROGRESS) calls */
size_t fake_consumer_progress_of(fake_consumer *c, wbemev_status status); /* ... with that status */
size_t fake_consumer_completes(fake_consumer *c); /* final SetStatus calls (logged) */
/* The last final SetStatus's status; WBEMEV_E_UNEXPECTED before any. */
wbemev_status fake_consumer_final_status(fake_consumer *c);
/* Indicate and SetStatus calls after the final SetStatus (the last expected one). */
size_t fake_consumer_after_complete(fake_consumer *c);
size_t fake_consumer_log_size(fake_consumer *c);
fake_entry fake_consumer_entry(fake_consumer *c, size_t i);
int fake_consumer_refs(fake_consumer *c);
size_t fake_consumer_anomalies(fake_consumer *c);
const char *fake_consumer_anomaly(fake_consumer *c); /* the first, NULL when none */
/* NULL when no anomaly was noted and only the creator's reference is left; otherwise what is wrong
 * (valid until the next call on the consumer). */
const char *fake_consumer_check(fake_consumer *c);

#endif /* WBEMEV_FAKE_CONSUMER_H */
