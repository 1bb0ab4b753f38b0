#include "test_support.h"

#include <stdio.h>

void wbemev_test_assert_status(wbemev_status got, wbemev_status expected, const char *expr,
                               const char *file, int line)
{
    if (got == expected)
        return;
    const char *gn = wbemev_status_name(got);
    const char *en = wbemev_status_name(expected);
    print_error("%s\n  returned %s (0x%08X), expected %s (0x%08X)\n", expr, gn ? gn : "?",
                (unsigned)got, en ? en : "?", (unsigned)expected);
    _fail(file, line);
}

void wbemev_test_assert_no_leaks(void)
{
    size_t objects = wbemev_live_objects();
    if (objects != 0) {
        print_error("%zu event object(s) still alive\n", objects);
        fail();
    }
}
