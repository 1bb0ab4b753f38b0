/*
 * examples/burst_plugin.c: the burst provider (burst_provider.c, unchanged) as a plugin for
 * `wbemev run`: one module descriptor and a create function that reads its parameters.
 *
 *   wbemev run burst_plugin.so [--param bursts=N] [--param size=N]
 */
#include "burst_provider.h"
#include "plugin_args.h"

static wbemev_status burst_create(void *ctx, const wbemev_module_args *args, wbemev_provider_t **out)
{
    (void)ctx;
    unsigned long bursts, size;
    wbemev_status st = plugin_arg_unsigned(args, "bursts", 0, 0, 1000000000ul, &bursts);
    if (WBEMEV_SUCCEEDED(st))
        st = plugin_arg_unsigned(args, "size", 400, 1, 1000000ul, &size);
    if (WBEMEV_FAILED(st))
        return st;
    burst_options opts = {(unsigned)bursts, (unsigned)size};
    return burst_provider_new(&opts, out);
}

WBEMEV_MODULE(&burst_registration, burst_create, NULL,
              "Fires Burst_Event in bursts of 400 events (one Indicate each) from its own thread",
              "bursts=N  number of bursts, 0 (default) until stopped\n"
              "size=N    events per burst (one Indicate), default 400");
