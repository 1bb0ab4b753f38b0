/*
 * tests/support/manual_clock.c: the clock that moves only when told (manual_clock.h).
 */
#include "manual_clock.h"

void manual_clock_init(manual_clock *c, uint64_t start_ns)
{
    atomic_init(&c->now_ns, start_ns);
}

uint64_t manual_clock_now(void *ctx)
{
    return atomic_load(&((manual_clock *)ctx)->now_ns);
}

void manual_clock_advance(manual_clock *c, uint64_t ns)
{
    atomic_fetch_add(&c->now_ns, ns);
}

void manual_clock_advance_ms(manual_clock *c, uint64_t ms)
{
    manual_clock_advance(c, ms * 1000000u);
}

void manual_clock_install(manual_clock *c, wbemev_dispatcher_options *opts)
{
    opts->clock = manual_clock_now;
    opts->clock_ctx = c;
}
