/*
 * lib/base/status.c: names and messages of status codes, generated from WBEMEV_STATUS_MAP.
 *
 * A switch rather than a table scan: the compiler turns it into a jump table or a binary search, and a
 * duplicate value in the table becomes a compile error (duplicate case) instead of a silent shadowing.
 */
#include "base/base.h"

const char *wbemev_status_name(wbemev_status status)
{
    switch (status) {
#define WBEMEV__STATUS_NAME_CASE(name, value, msg)                                                \
    case WBEMEV_##name:                                                                            \
        return "WBEM_" #name;
        WBEMEV_STATUS_MAP(WBEMEV__STATUS_NAME_CASE)
#undef WBEMEV__STATUS_NAME_CASE
    default:
        return NULL;
    }
}

const char *wbemev_status_message(wbemev_status status)
{
    switch (status) {
#define WBEMEV__STATUS_MSG_CASE(name, value, msg)                                                 \
    case WBEMEV_##name:                                                                            \
        return msg;
        WBEMEV_STATUS_MAP(WBEMEV__STATUS_MSG_CASE)
#undef WBEMEV__STATUS_MSG_CASE
    default:
        return "unknown status";
    }
}
