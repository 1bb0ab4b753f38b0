/*
 * examples/heartbeat_plugin.c: the heartbeat provider as a plugin for `wbemev run`.
 *
 *   wbemev run heartbeat_plugin.so [--param interval_ms=N] [--param beats=N] [--param source=TEXT]
 */
#include "heartbeat_provider.h"
#include "plugin_args.h"

static wbemev_status heartbeat_create(void *ctx, const wbemev_module_args *args, wbemev_provider_t **out)
{
    (void)ctx;
    unsigned long interval, beats;
    wbemev_status st = plugin_arg_unsigned(args, "interval_ms", 1000, 1, 86400000ul, &interval);
    if (WBEMEV_SUCCEEDED(st))
        st = plugin_arg_unsigned(args, "beats", 0, 0, 0xFFFFFFFFul, &beats);
    if (WBEMEV_FAILED(st))
        return st;
    heartbeat_options opts = {(unsigned)interval, beats, wbemev_module_arg(args, "source", NULL)};
    return heartbeat_provider_new(&opts, out);
}

WBEMEV_MODULE(&heartbeat_registration, heartbeat_create, NULL,
              "Fires one Heartbeat_Event every interval from a timer thread",
              "interval_ms=N  time between beats in milliseconds (default 1000)\n"
              "beats=N        number of beats, 0 (default) until stopped\n"
              "source=TEXT    the Source property (default \"heartbeat\")");
