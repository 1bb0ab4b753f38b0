/*
 * examples/burst_main.c: host the burst provider in a dispatcher and print what a consumer saw.
 *
 *   burst_example [BURSTS [SIZE]]     (default: 3 bursts of 400 events)
 */
#include "burst_provider.h"

#include <stdio.h>
#include <stdlib.h>

struct summary {
    unsigned long long count;
    wbemev_object_t *first, *last; /* kept past Indicate: add_ref'd */
};

static wbemev_status on_event(void *ctx, wbemev_object_t *event)
{
    struct summary *s = ctx;
    if (s->first == NULL)
        s->first = wbemev_object_add_ref(event);
    if (s->last != NULL)
        wbemev_object_release(s->last);
    s->last = wbemev_object_add_ref(event);
    s->count++;
    return WBEMEV_S_NO_ERROR;
}

static void print_event(const burst_handles *h, const char *label, const wbemev_object_t *e)
{
    const char *name = "?";
    uint64_t seq = 0, created = 0;
    uint32_t burst = 0;
    burst_event_get_name(h, e, &name); /* typed getters from burst.mof (burst_mof.h) */
    burst_event_get_sequence(h, e, &seq);
    burst_event_get_burst(h, e, &burst);
    wbemev_object_get_uint64(e, "TIME_CREATED", &created); /* inherited from __Event */
    char when[WBEMEV_DATETIME_LEN + 1] = "?";
    wbemev_datetime dt;
    if (WBEMEV_SUCCEEDED(wbemev_datetime_from_filetime(created, &dt)))
        wbemev_datetime_format(&dt, when, sizeof when);
    printf("  %-5s %s { Name = \"%s\"; Burst = %u; Sequence = %llu; TIME_CREATED = %s }\n", label,
           wbemev_object_class_name(e), name, burst, (unsigned long long)seq, when);
}

static int fail(const char *what, wbemev_status st)
{
    fprintf(stderr, "burst_example: %s: %s (0x%08X)\n", what, wbemev_status_name(st), (unsigned)st);
    return 1;
}

int main(int argc, char **argv)
{
    burst_options opts = {3, 400};
    if (argc > 1)
        opts.bursts = (unsigned)strtoul(argv[1], NULL, 10);
    if (argc > 2)
        opts.burst_size = (unsigned)strtoul(argv[2], NULL, 10);
    if (opts.bursts == 0 || opts.burst_size == 0) {
        fprintf(stderr, "usage: burst_example [BURSTS [SIZE]] (both > 0)\n");
        return 2;
    }

    wbemev_dispatcher_t *d;
    wbemev_status st = wbemev_dispatcher_new(NULL, &d);
    if (WBEMEV_FAILED(st))
        return fail("dispatcher", st);
    if (WBEMEV_FAILED(st = burst_provider_define_classes(wbemev_dispatcher_namespace(d))))
        return fail("define Burst_Event", st);

    struct summary sum = {0, NULL, NULL};
    wbemev_sink_t *consumer;
    uint32_t id;
    wbemev_provider_t *provider;
    if (WBEMEV_FAILED(st = wbemev_callback_sink_new(on_event, NULL, &sum, &consumer)))
        return fail("consumer", st);
    if (WBEMEV_FAILED(st = burst_provider_new(&opts, &provider)))
        return fail("provider", st);
    if (WBEMEV_FAILED(st = wbemev_dispatcher_register(d, "BurstProvider", provider, burst_event_queries,
                                                      burst_event_query_count)))
        return fail("register", st);
    /* The subscription activates the provider: NewQuery, then ProvideEvents starts its worker. */
    if (WBEMEV_FAILED(st = wbemev_dispatcher_subscribe(d, "SELECT * FROM " BURST_EVENT_CLASS_NAME, consumer, NULL, &id)))
        return fail("subscribe", st);
    burst_handles h; /* to read the events back */
    if (WBEMEV_FAILED(st = burst_init(&h, wbemev_dispatcher_namespace(d))))
        return fail("Burst_Event's handles", st);

    unsigned long long accepted = burst_provider_wait(provider);
    wbemev_provider_release(provider); /* the dispatcher holds its own reference */
    wbemev_dispatcher_destroy(d);

    printf("burst example: %u bursts of %u events\n", opts.bursts, opts.burst_size);
    printf("  provider indicated %llu events; consumer received %llu events\n", accepted, sum.count);
    if (sum.first != NULL)
        print_event(&h, "first", sum.first);
    if (sum.last != NULL)
        print_event(&h, "last", sum.last);
    burst_fini(&h);
    if (sum.first != NULL)
        wbemev_object_release(sum.first);
    if (sum.last != NULL)
        wbemev_object_release(sum.last);
    wbemev_sink_release(consumer);
    int ok = sum.count == (unsigned long long)opts.bursts * opts.burst_size && accepted == sum.count;
    printf("%s\n", ok ? "OK: every event delivered" : "MISMATCH: events were lost");
    return ok ? 0 : 1;
}
