/*
 * wbemev/testkit.h: the provider test kit (library wbemev_testkit).
 *
 * Unit-test a provider on Linux CI against the dispatcher, WMI's model:
 *
 *   - lookups on what a recording sink (wbemev/sinks.h) received, by class and property;
 *   - a consumer that fails after N events (tests consumer-failure cancellation);
 *   - make the provider's sink answer WBEMEV_E_SERVER_TOO_BUSY or WBEMEV_E_CALL_CANCELLED for the
 *     next N Indicates, to test retry and stop paths (wbemev_dispatcher_inject_indicate_status);
 *   - CMocka assertions that print the status names, or the whole contract report, on failure.
 *
 * Thread-safety: the lookups lock the recording sink and may run while events arrive.
 */
#ifndef WBEMEV_TESTKIT_H
#define WBEMEV_TESTKIT_H

#include "../wbemev.h"

WBEMEV_BEGIN_DECLS

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
