/*
 * lib/base/version.c: the library version, from the macros in wbemev/common.h.
 */
#include "base/base.h"

const char *wbemev_version_string(void)
{
    return WBEMEV_VERSION_STRING;
}

unsigned wbemev_version(void)
{
    return (unsigned)WBEMEV_VERSION_HEX;
}
