/*
 * tests/support/test_support.h: helpers shared by the unit tests (cmocka 1.1 API).
 */
#ifndef WBEMEV_TEST_SUPPORT_H
#define WBEMEV_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wbemev.h"

/* Asserts that a wbemev call returned `expected`, printing both status names when it did not. */
#define assert_status(expr, expected) wbemev_test_assert_status((expr), (expected), #expr, __FILE__, __LINE__)
#define assert_ok(expr) assert_status((expr), WBEMEV_S_NO_ERROR)

void wbemev_test_assert_status(wbemev_status got, wbemev_status expected, const char *expr,
                               const char *file, int line);

/* Fails the test when event objects or allocations made by the library are still alive. Call it at
 * the end of each test (or in its teardown) after releasing everything. */
void wbemev_test_assert_no_leaks(void);

#endif
