/*
 * bench/bench.h: what the benchmark's peers share: the workload's values, a monotonic clock, and the
 * interface of each peer (floor, GLib).
 *
 * The workload: events of class Bench_Event : __ExtrinsicEvent { string Name; sint32
 * Severity; uint64 Sequence; datetime Stamp; boolean Flag; real64 Load; }. Each event is made from a
 * template (Name stays the template's), the five varying properties are set from the sequence number
 * with the functions below, and it is handed to three consumers: one takes every Bench_Event and
 * reads Sequence, one takes those with Severity > 2 and reads Severity, one waits for another class
 * and never fires. Every peer computes the same values with the same functions.
 */
#ifndef WBEMEV_BENCH_H
#define WBEMEV_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_CLASS "Bench_Event"
#define BENCH_OTHER_CLASS "Bench_Other"
#define BENCH_NAME "bench-event" /* the template's Name */
#define BENCH_SEVERITY_LIMIT 2   /* the second consumer's WHERE Severity > 2 */

/* The varying properties of event number `seq`. Severity cycles 0..4, so 2 in 5 events pass the
 * second consumer's predicate. */
static inline int32_t bench_severity(uint64_t seq)
{
    return (int32_t)(seq % 5u);
}
static inline double bench_load(uint64_t seq)
{
    return (double)(seq % 100u) * 0.25;
}
static inline bool bench_flag(uint64_t seq)
{
    return (seq & 1u) != 0;
}
/* Stamp: 2024-05-01 12:mm:ss.uuuuuu UTC, moving one microsecond per event. */
static inline void bench_stamp(uint64_t seq, uint8_t *minute, uint8_t *second, uint32_t *micro)
{
    *micro = (uint32_t)(seq % 1000000u);
    *second = (uint8_t)((seq / 1000000u) % 60u);
    *minute = (uint8_t)((seq / 60000000u) % 60u);
}
/* The same instant in microseconds since the Unix epoch (the GLib peer's representation). */
static inline int64_t bench_stamp_unix_us(uint64_t seq)
{
    uint8_t minute, second;
    uint32_t micro;
    bench_stamp(seq, &minute, &second, &micro);
    return ((int64_t)1714564800 + minute * 60 + second) * 1000000 + micro;
}

/* Expected deliveries for events [first, first + n): to the first consumer and to the second. */
static inline uint64_t bench_expected_severe(uint64_t first, uint64_t n)
{
    uint64_t c = 0;
    for (uint64_t s = first; s < first + n; s++)
        c += bench_severity(s) > BENCH_SEVERITY_LIMIT;
    return c;
}

/* ---- clock (bench_clock.c) ---- */
uint64_t bench_now_ns(void); /* monotonic */
void bench_yield(void);

/* What a consumer saw: how many events and a checksum of the property it read. */
typedef struct bench_tally {
    uint64_t all, all_sum;       /* first consumer: every Bench_Event, sums Sequence */
    uint64_t severe, severe_sum; /* second consumer: Severity > 2, sums Severity */
    uint64_t other;              /* third consumer: another class (stays 0) */
} bench_tally;

/* ---- the floor (peer_floor.c): plain C structs, malloc/free, function pointers ---- */
typedef struct floor_peer floor_peer;
floor_peer *floor_peer_new(size_t max_batch);
/* Makes, delivers and frees `events` events in arrays of `batch`, numbered from *seq (advanced). */
void floor_peer_run(floor_peer *p, uint64_t *seq, size_t batch, uint64_t events);
const bench_tally *floor_peer_tally(const floor_peer *p);
void floor_peer_free(floor_peer *p);

/* ---- the GLib peer (peer_glib.c, built when GLib is found) ---- */
typedef struct glib_peer glib_peer;
glib_peer *glib_peer_new(size_t max_batch);
/* As floor_peer_run: a GVariant a{sv} per event, emitted with g_signal_emit to three handlers. */
void glib_peer_run(glib_peer *p, uint64_t *seq, size_t batch, uint64_t events);
const bench_tally *glib_peer_tally(const glib_peer *p);
const char *glib_peer_version(void);
void glib_peer_free(glib_peer *p);

/* ---- the other benchmarks' reports, printed after the table and before the JSON line (each built
 * when its file is in the tree: bench/CMakeLists.txt defines WBEMEV_BENCH_HAVE_FILTERS /
 * WBEMEV_BENCH_HAVE_MOF) ---- */
/* bench_filters.c: filtered subscriptions: rows `filter eq N=...`, `filter range 1000`, `subscribe
 * 10000`, `unsubscribe 10000`, then one line of JSON with the same figures. quick: fewer rounds. */
void bench_filters_report(FILE *out, int quick);
/* bench_mof.c: the MOF reader's row: parsing and loading a schema. */
void bench_mof_report(FILE *out);

#endif /* WBEMEV_BENCH_H */
