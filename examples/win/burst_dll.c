/*
 * examples/win/burst_dll.c: the burst provider (examples/burst_provider.c, the same source as the
 * Linux example) as a WMI event provider DLL. This file is all the Windows-specific code it needs.
 *
 *   regsvr32 wbemev_burst_provider.dll        (DllRegisterServer: CLSID, InprocServer32, "Both")
 *   mofcomp burst_provider.mof                (Burst_Event, __Win32Provider, the registration)
 *
 * See docs/shipping-into-wmi.md.
 */
#include "wbemev/win.h"

#include "burst_provider.h"

/* One wbemev provider per COM provider object WMI creates: three bursts of 400 events once a
 * consumer subscribes (burst_provider.h). */
static wbemev_status create_burst_provider(void *ctx, wbemev_provider_t **out)
{
    (void)ctx;
    return burst_provider_new(NULL, out);
}

static const wbemev_win_module burst_module = {&burst_registration, create_burst_provider, NULL};

WBEMEV_WIN_DLL_EXPORTS(burst_module)
