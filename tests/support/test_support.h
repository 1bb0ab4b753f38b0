/*
 * tests/support/test_support.h: helpers shared by the unit tests (cmocka 1.1 API). Status assertions
 * are the test kit's (wbemev/testkit.h: assert_wbemev_status, assert_wbemev_ok, assert_no_violations...).
 */
#ifndef WBEMEV_TEST_SUPPORT_H
#define WBEMEV_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wbemev.h"
#include "wbemev/testkit.h"

/* Fails the test when event objects or allocations made by the library are still alive. Call it at
 * the end of each test (or in its teardown) after releasing everything. */
void wbemev_test_assert_no_leaks(void);

#endif
