#include "test_support.h"

#include <stdio.h>

void wbemev_test_assert_no_leaks(void)
{
    size_t objects = wbemev_live_objects();
    if (objects != 0) {
        print_error("%zu event object(s) still alive\n", objects);
        fail();
    }
}
