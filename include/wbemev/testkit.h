/*
 * wbemev/testkit.h: the provider test kit (library wbemev_testkit, CMake target wbemev::testkit).
 *
 * Unit-test a provider on Linux CI against the dispatcher, WMI's model:
 *
 *   - the recording sink: a consumer that keeps every event and every SetStatus it receives;
 *   - lookups on what a recording sink received, by class and property;
 *   - a consumer that fails after N events (tests consumer-failure cancellation);
 *   - make the provider's sink answer WBEMEV_E_SERVER_TOO_BUSY or WBEMEV_E_CALL_CANCELLED for the
 *     next N Indicates, to test retry and stop paths (wbemev_testkit_inject_indicate_status);
 *   - the test provider: a provider that indicates whatever the test hands it, and tells which
 *     queries it was sent, so that a test needs no provider vtable of its own;
 *   - waits with a timeout, on condition variables (no sleeps, no polling): until a recording sink
 *     holds N events of a class (wbemev_testkit_wait_events), until it received its final
 *     SetStatus (wbemev_testkit_wait_status); wbemev_dispatcher_wait_idle waits until the queued
 *     deliveries are done;
 *   - CMocka assertions that print the status names, or the whole contract report, on failure.
 *
 * A provider's worker thread can be written with wbemev/thread.h, installed with the core headers
 * (header-only: a provider needs no library for it, the test kit least of all).
 *
 * The test kit is built on the public API only: link it with the static or the shared library.
 * (wbemev_testkit_inject_indicate_status() reaches into the dispatcher: it is implemented and
 * exported by the core library, and declared only here.)
 * Its own memory (the recording sink's arrays and status texts, the test provider) comes from the C
 * library's malloc,
 * not from the wbemev_set_allocator hook: a test that makes the library's allocations fail still
 * records what arrives, and wbemev_live_allocations() does not count the kit's blocks.
 *
 * Thread-safety: every function here may be called from any thread; the recording sink's
 * functions and the lookups lock the sink and may run while events arrive.
 */
#ifndef WBEMEV_TESTKIT_H
#define WBEMEV_TESTKIT_H

#include "../wbemev.h"

WBEMEV_BEGIN_DECLS

/* ---- the recording sink ---- */

/** One SetStatus the recording sink received (see wbemev_recording_sink_status_at()). */
typedef struct wbemev_recorded_status {
    int32_t flags;         /**< WBEMEV_STATUS_COMPLETE or WBEMEV_STATUS_PROGRESS */
    wbemev_status status;  /**< the status reported */
    const char *text;      /**< the sink's copy of the text, or NULL */
} wbemev_recorded_status;

/**
 * A consumer sink that keeps every event (add_ref) and every SetStatus, for a test to read back. It
 * is an ordinary sink: one reference owned by the caller, released with wbemev_sink_release(); its
 * Indicate may be called from several threads at once. Its Indicate keeps all of the call's events
 * or, answering WBEMEV_E_OUT_OF_MEMORY, none of them.
 */
WBEMEV_API wbemev_status wbemev_recording_sink_new(wbemev_sink_t **out);

/** Events received so far (0 for a sink that is not a recording sink). */
WBEMEV_API size_t wbemev_recording_sink_count(wbemev_sink_t *sink);
/**
 * Event number `index` (from 0, in the order received) into *out, borrowed: it stays valid until
 * wbemev_recording_sink_clear() or the sink's last release, whatever arrives meanwhile; add_ref it
 * to keep it longer.
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL out, a sink that is not a
 *         recording sink, or index >= wbemev_recording_sink_count()
 */
WBEMEV_API wbemev_status wbemev_recording_sink_event_at(wbemev_sink_t *sink, size_t index,
                                                        wbemev_object_t **out);
/** Number of Indicate calls received (an Indicate may carry several events). */
WBEMEV_API size_t wbemev_recording_sink_indicate_calls(wbemev_sink_t *sink);
/** SetStatus calls received so far. */
WBEMEV_API size_t wbemev_recording_sink_status_count(wbemev_sink_t *sink);
/**
 * SetStatus number `index` (from 0, in the order received), copied into *out. out->text (NULL when
 * the SetStatus had no text) points to the sink's own copy of the text: it stays valid until
 * wbemev_recording_sink_clear() or the sink's last release, whatever SetStatus calls arrive
 * meanwhile; copy it to keep it longer.
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL out, a sink that is not a
 *         recording sink, or index >= wbemev_recording_sink_status_count()
 */
WBEMEV_API wbemev_status wbemev_recording_sink_status_at(wbemev_sink_t *sink, size_t index,
                                                         wbemev_recorded_status *out);
/** The sink's reference count now (tests assert balance with it). */
WBEMEV_API uint32_t wbemev_recording_sink_refs(wbemev_sink_t *sink);
/** Makes the next Indicate calls fail: after `after` more successful events, every Indicate answers
 * `status` (a failure). Use to test consumer-failure cancellation. */
WBEMEV_API void wbemev_recording_sink_fail_after(wbemev_sink_t *sink, size_t after, wbemev_status status);
/** Forgets the recorded events (releasing them) and statuses (freeing their texts). */
WBEMEV_API void wbemev_recording_sink_clear(wbemev_sink_t *sink);

/* ---- lookups ---- */

/** Events in a recording sink whose class is `class_name` or derives from it. */
WBEMEV_API size_t wbemev_testkit_count(wbemev_sink_t *recording, const char *class_name);

/**
 * Events of class `class_name` (or a subclass; NULL for any class) whose property `property` equals
 * *value (same CIM type; strings compare case-sensitively; value NULL or is_null matches NULL).
 */
WBEMEV_API size_t wbemev_testkit_count_where(wbemev_sink_t *recording, const char *class_name,
                                             const char *property, const wbemev_value *value);

/** The first event matching as wbemev_testkit_count_where (borrowed), or NULL. */
WBEMEV_API wbemev_object_t *wbemev_testkit_find(wbemev_sink_t *recording, const char *class_name,
                                                const char *property, const wbemev_value *value);

/* ---- the provider's sink ---- */

/**
 * Makes the next `count` Indicate calls from provider `name` answer `status` (for example
 * WBEMEV_E_SERVER_TOO_BUSY or WBEMEV_E_CALL_CANCELLED) without delivering anything, so that a
 * provider's retry and stop paths can be tested. The objects of those calls count as refused
 * (wbemev_provider_stats). An injected WBEMEV_E_CALL_CANCELLED is final, as a real one: the
 * provider must stop, and an Indicate after it is an INDICATE_AFTER_CANCEL violation.
 * count 0 turns the injection off. Thread-safe.
 * @param d the dispatcher
 * @param name the provider's registered name
 * @param status a failure status
 * @param count how many Indicate calls answer it
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_NOT_FOUND for an unknown provider;
 *         WBEMEV_E_INVALID_PARAMETER for NULL d or name, or a success status with count > 0
 */
WBEMEV_API wbemev_status wbemev_testkit_inject_indicate_status(wbemev_dispatcher_t *d, const char *name,
                                                               wbemev_status status, uint32_t count);

/* ---- the test provider ---- */

/**
 * A provider that indicates whatever the test hands it (wbemev_testkit_provider_new()). Opaque.
 */
typedef struct wbemev_testkit_provider wbemev_testkit_provider;

/**
 * Creates a test provider: the test's handle `*out`, and a provider (wbemev_testkit_provider_base())
 * with one reference, the creator's, to register with a dispatcher. The creator gives its reference
 * away once the provider is registered, so that the dispatcher holds the only one, as WMI does:
 * @code{.c}
 * wbemev_testkit_provider *p;
 * assert_wbemev_ok(wbemev_testkit_provider_new(&p));
 * assert_wbemev_ok(wbemev_dispatcher_register(d, "TestProvider", wbemev_testkit_provider_base(p),
 *                                             queries, 1));
 * wbemev_provider_release(wbemev_testkit_provider_base(p)); // the dispatcher's is the only one
 * assert_wbemev_ok(wbemev_dispatcher_subscribe(d, "SELECT * FROM Test_Event", rec, NULL, &id));
 * assert_wbemev_ok(wbemev_testkit_provider_indicate1(p, ev));
 * wbemev_dispatcher_destroy(d);     // its final Release: the provider lets go of its sink
 * wbemev_testkit_provider_free(p);
 * @endcode
 *
 * It keeps every rule of the contract (docs/contract.md), so that a dispatcher under the `abort`
 * policy records nothing against it: it has no initialize (ready at once) and no access_check
 * (every consumer is admitted); provide_events add_refs the sink and returns at once; new_query and
 * cancel_query note the id and answer WBEMEV_S_NO_ERROR (a repeated NewQuery is an update, an
 * unknown id in CancelQuery is ignored); no lock of its own is held across an Indicate; after an
 * Indicate answered WBEMEV_E_CALL_CANCELLED it never calls the sink again; it never calls SetStatus
 * on the sink; its final Release waits for the wbemev_testkit_provider_indicate() calls other
 * threads have in progress (they are answered WBEMEV_E_CALL_CANCELLED by then), then releases the
 * sink. A provider still referenced when its dispatcher shuts down keeps its sink, which the checker
 * reports (SINK_HELD_AFTER_STOP): give the creator's reference away (or release it) before.
 *
 * The handle and the provider are one block of memory, freed once wbemev_testkit_provider_free() was
 * called and the last reference was released, in either order: what the provider was told stays
 * readable after its final Release, until the handle is freed.
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL out; WBEMEV_E_OUT_OF_MEMORY
 */
WBEMEV_API wbemev_status wbemev_testkit_provider_new(wbemev_testkit_provider **out);

/**
 * Gives back the test's handle (NULL is ignored); it releases no reference to the provider. The
 * memory goes when the provider's last reference goes too (at once if its final Release came). No
 * other call on the handle may follow.
 */
WBEMEV_API void wbemev_testkit_provider_free(wbemev_testkit_provider *p);

/** The provider, to register with wbemev_dispatcher_register() (borrowed: valid while the handle
 * is, or longer while the provider has references); NULL for NULL. */
WBEMEV_API wbemev_provider_t *wbemev_testkit_provider_base(wbemev_testkit_provider *p);

/**
 * Indicates `count` events through the sink ProvideEvents gave the provider, and returns what the
 * sink answered (docs/contract.md, "What Indicate answers"). The array and the objects are borrowed
 * for the call, as by any Indicate: the caller releases them after it, whatever the answer. One
 * unique object per event: a new instance or clone each time, never one indicated before. Any
 * thread may call it, several at once; not from inside a call the host makes into this provider.
 * @return the sink's answer: WBEMEV_S_NO_ERROR when the events were accepted;
 *         WBEMEV_E_SERVER_TOO_BUSY (the caller may refire the same array);
 *         WBEMEV_E_CALL_CANCELLED, from the sink or, without calling it, once the provider was
 *         stopped (its final Release) or any Indicate answered it; WBEMEV_E_NOT_AVAILABLE before
 *         ProvideEvents; WBEMEV_E_INVALID_PARAMETER for NULL p, a negative count or a NULL array
 *         with count > 0, without calling the sink
 */
WBEMEV_API wbemev_status wbemev_testkit_provider_indicate(wbemev_testkit_provider *p, int32_t count,
                                                          wbemev_object_t *const *objects);

/** wbemev_testkit_provider_indicate() of one borrowed object; WBEMEV_E_INVALID_PARAMETER for a
 * NULL object, without calling the sink. */
WBEMEV_API wbemev_status wbemev_testkit_provider_indicate1(wbemev_testkit_provider *p,
                                                           wbemev_object_t *object);

/** The live queries: NewQuery ids not cancelled since (0 for NULL). */
WBEMEV_API size_t wbemev_testkit_provider_query_count(wbemev_testkit_provider *p);

/**
 * Live query number `index` (from 0, in the order their NewQuery came): its id into *out.
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_INVALID_PARAMETER for NULL p or out, or index >=
 *         wbemev_testkit_provider_query_count()
 */
WBEMEV_API wbemev_status wbemev_testkit_provider_query_at(wbemev_testkit_provider *p, size_t index,
                                                          uint32_t *out);

/** True when `id` is a live query: NewQuery came for it and CancelQuery has not (false for NULL). */
WBEMEV_API bool wbemev_testkit_provider_has_query(wbemev_testkit_provider *p, uint32_t id);

/** CancelQuery calls received, whatever their id (0 for NULL). */
WBEMEV_API size_t wbemev_testkit_provider_cancelled(wbemev_testkit_provider *p);

/** True once ProvideEvents came: the provider has a sink to indicate through (false for NULL). */
WBEMEV_API bool wbemev_testkit_provider_provided(wbemev_testkit_provider *p);

/** True once the final Release came: the provider released its sink and indicates no more (false
 * for NULL). */
WBEMEV_API bool wbemev_testkit_provider_stopped(wbemev_testkit_provider *p);

/* ---- waiting ---- */

/**
 * Waits until the recording sink holds at least `n` events of class `class_name` or a subclass
 * (NULL: of any class), counted as wbemev_testkit_count() counts them, or until `timeout_ms`
 * milliseconds passed (on a monotonic clock). It sleeps on the sink's condition variable, which
 * every Indicate, SetStatus and wbemev_recording_sink_clear() signals: no polling. A clear during
 * the wait starts the count over. Not from inside a consumer's Indicate: the events may have to
 * come on that very thread.
 * @return WBEMEV_S_NO_ERROR (at once when they are there already, n 0 included);
 *         WBEMEV_E_TIMED_OUT; WBEMEV_E_INVALID_PARAMETER for a sink that is not a recording sink
 */
WBEMEV_API wbemev_status wbemev_testkit_wait_events(wbemev_sink_t *recording, const char *class_name,
                                                    size_t n, uint32_t timeout_ms);

/**
 * Waits until the recording sink received a SetStatus(WBEMEV_STATUS_COMPLETE, ...), its
 * subscription's final one, or until `timeout_ms` milliseconds passed (on a monotonic clock), on the
 * sink's condition variable as wbemev_testkit_wait_events(). Progress reports do not end the wait;
 * a clear forgets the statuses received before it. Read the status with
 * wbemev_recording_sink_status_at().
 * @return WBEMEV_S_NO_ERROR; WBEMEV_E_TIMED_OUT; WBEMEV_E_INVALID_PARAMETER for a sink that is not a
 *         recording sink
 */
WBEMEV_API wbemev_status wbemev_testkit_wait_status(wbemev_sink_t *recording, uint32_t timeout_ms);

/* ---- values, consumers ---- */

/** True when two values are equal: same type and null-ness, same contents (arrays element-wise). */
WBEMEV_API bool wbemev_value_equal(const wbemev_value *a, const wbemev_value *b);

/**
 * A recording consumer that accepts `after` events and then answers `status` (a failure) to every
 * Indicate, which makes the dispatcher cancel its subscription.
 */
WBEMEV_API wbemev_status wbemev_testkit_failing_consumer_new(size_t after, wbemev_status status,
                                                             wbemev_sink_t **out);

WBEMEV_END_DECLS

/*
 * CMocka helpers: include <cmocka.h> (with its usual prerequisites) before this header to get them.
 * Each prints names and reports instead of bare numbers when it fails.
 */
#ifdef cmocka_unit_test
#include <stdio.h>

/** Fails unless `expr` returned `expected`; prints both status names. */
#define assert_wbemev_status(expr, expected)                                                       \
    do {                                                                                           \
        wbemev_status wbemev__got = (expr), wbemev__want = (expected);                             \
        if (wbemev__got != wbemev__want) {                                                         \
            print_error("%s\n  returned %s (0x%08X), expected %s (0x%08X)\n", #expr,               \
                        wbemev_status_name(wbemev__got) ? wbemev_status_name(wbemev__got) : "?",   \
                        (unsigned)wbemev__got,                                                     \
                        wbemev_status_name(wbemev__want) ? wbemev_status_name(wbemev__want) : "?", \
                        (unsigned)wbemev__want);                                                   \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/** Fails unless `expr` succeeded (WBEMEV_SUCCEEDED). */
#define assert_wbemev_ok(expr)                                                                     \
    do {                                                                                           \
        wbemev_status wbemev__got = (expr);                                                        \
        if (WBEMEV_FAILED(wbemev__got)) {                                                          \
            print_error("%s\n  failed with %s (0x%08X): %s\n", #expr,                              \
                        wbemev_status_name(wbemev__got) ? wbemev_status_name(wbemev__got) : "?",   \
                        (unsigned)wbemev__got, wbemev_status_message(wbemev__got));                \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/** Fails when the dispatcher recorded any violation; prints the contract report. */
#define assert_no_violations(d)                                                                    \
    do {                                                                                           \
        if (wbemev_dispatcher_violation_count(d) != 0) {                                           \
            wbemev_dispatcher_report((d), stderr);                                                 \
            fail_msg("the provider broke the WMI contract (report above)");                        \
        }                                                                                          \
    } while (0)

/** Fails unless a violation with `code` was recorded; prints the report otherwise. */
#define assert_violation(d, want)                                                                  \
    do {                                                                                           \
        if (wbemev_dispatcher_violations_of((d), (want)) == 0) {                                   \
            wbemev_dispatcher_report((d), stderr);                                                 \
            fail_msg("expected violation %s; report above", wbemev_violation_name(want));          \
        }                                                                                          \
    } while (0)

/** Fails unless the only violation recorded is `code` (each provider mistake has exactly one). */
#define assert_only_violation(d, want)                                                             \
    do {                                                                                           \
        wbemev_violation wbemev__v;                                                                \
        if (wbemev_dispatcher_violation_count(d) != 1 ||                                           \
            WBEMEV_FAILED(wbemev_dispatcher_violation_at((d), 0, &wbemev__v)) ||                   \
            wbemev__v.code != (want)) {                                                            \
            wbemev_dispatcher_report((d), stderr);                                                 \
            fail_msg("expected exactly one violation, %s; report above", wbemev_violation_name(want)); \
        }                                                                                          \
    } while (0)
#endif /* cmocka_unit_test */

#endif /* WBEMEV_TESTKIT_H */
