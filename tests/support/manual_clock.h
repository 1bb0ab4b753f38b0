/*
 * tests/support/manual_clock.h: a clock that moves only when told, for the dispatcher's `clock`
 * option (wbemev/dispatcher.h): time limits and aggregation windows without sleeping. Embed one in
 * a fixture; any thread may read or move it.
 */
#ifndef WBEMEV_MANUAL_CLOCK_H
#define WBEMEV_MANUAL_CLOCK_H

#include "wbemev.h"

#include <stdatomic.h>

typedef struct manual_clock {
    atomic_uint_fast64_t now_ns;
} manual_clock;

void manual_clock_init(manual_clock *c, uint64_t start_ns);
/* The dispatcher's clock callback: ctx is the manual_clock. */
uint64_t manual_clock_now(void *ctx);
void manual_clock_advance(manual_clock *c, uint64_t ns);
void manual_clock_advance_ms(manual_clock *c, uint64_t ms);
/* Makes the dispatcher options read this clock (clock and clock_ctx). */
void manual_clock_install(manual_clock *c, wbemev_dispatcher_options *opts);

#endif /* WBEMEV_MANUAL_CLOCK_H */
