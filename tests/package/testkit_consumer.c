/*
 * tests/package/testkit_consumer.c: a provider test built against an installed wbemev and its test
 * kit, out of tree (wbemev::testkit with find_package in tests/package/cmake, wbemev-testkit with
 * pkg-config in tests/package/pkgconfig). Plain C, no CMocka: the kit works without it.
 *
 * A dispatcher under the `abort` policy hosts the kit's test provider; a worker thread
 * (wbemev/thread.h) indicates five events through it; the test waits for them on the recording
 * sink, unsubscribes, waits for the final SetStatus, and shuts down. Exits 0 when everything came,
 * nothing was reported and nothing is left alive.
 */
#include <wbemev.h>
#include <wbemev/testkit.h>
#include <wbemev/thread.h>

#include <stdio.h>

struct worker {
    wbemev_testkit_provider *p;
    wbemev_class_t *cls;
    wbemev_stop_flag stop;
    int accepted;
};

static void send_events(void *arg)
{
    struct worker *w = arg;
    for (uint32_t i = 0; i < 5 && !wbemev_stop_flag_wait(&w->stop, 5); i++) {
        wbemev_object_t *ev; /* one unique object per event */
        if (WBEMEV_FAILED(wbemev_class_spawn_instance(w->cls, &ev)))
            return;
        wbemev_object_put_uint32(ev, "Seq", i);
        wbemev_status st = wbemev_testkit_provider_indicate1(w->p, ev);
        wbemev_object_release(ev);
        if (WBEMEV_FAILED(st))
            return;
        w->accepted++;
    }
}

static int check(const char *what, wbemev_status st)
{
    if (WBEMEV_FAILED(st)) {
        fprintf(stderr, "testkit_consumer: %s: %s\n", what, wbemev_status_name(st));
        return 1;
    }
    return 0;
}

int main(void)
{
    static const wbemev_property_def props[] = {{"Seq", WBEMEV_CIM_UINT32, NULL}};
    static const char *const queries[] = {"SELECT * FROM Kit_Event"};
    wbemev_dispatcher_options opts;
    wbemev_dispatcher_options_init(&opts);
    opts.contract = WBEMEV_CONTRACT_ABORT; /* any violation ends the process */
    wbemev_dispatcher_t *d;
    wbemev_sink_t *rec;
    wbemev_testkit_provider *p;
    struct worker w = {.p = NULL};
    wbemev_thread t = {0};
    uint32_t id;
    if (check("dispatcher", wbemev_dispatcher_new(&opts, &d)) ||
        check("class", wbemev_namespace_define_class(wbemev_dispatcher_namespace(d), "Kit_Event",
                                                     "__ExtrinsicEvent", props, 1, &w.cls)) ||
        check("provider", wbemev_testkit_provider_new(&p)) ||
        check("register",
              wbemev_dispatcher_register(d, "KitProvider", wbemev_testkit_provider_base(p), queries, 1)))
        return 1;
    wbemev_provider_release(wbemev_testkit_provider_base(p)); /* the dispatcher holds the only reference */
    w.p = p;
    if (check("recording sink", wbemev_recording_sink_new(&rec)) ||
        check("subscribe", wbemev_dispatcher_subscribe(d, "SELECT * FROM Kit_Event", rec, NULL, &id)) ||
        check("stop flag", wbemev_stop_flag_init(&w.stop)) ||
        check("thread", wbemev_thread_start(&t, send_events, &w)) ||
        check("wait for 5 events", wbemev_testkit_wait_events(rec, "Kit_Event", 5, 20000)) ||
        check("join", wbemev_thread_join(&t)) ||
        check("unsubscribe", wbemev_dispatcher_unsubscribe(d, id)) ||
        check("wait for the final SetStatus", wbemev_testkit_wait_status(rec, 20000)))
        return 1;
    wbemev_stop_flag_destroy(&w.stop);
    int ok = w.accepted == 5 && wbemev_testkit_count(rec, "Kit_Event") == 5 &&
             wbemev_testkit_provider_cancelled(p) == 1 && wbemev_testkit_provider_query_count(p) == 0;
    wbemev_recording_sink_clear(rec);
    wbemev_class_release(w.cls);
    wbemev_dispatcher_destroy(d); /* the provider's final Release */
    ok = ok && wbemev_testkit_provider_stopped(p) && wbemev_recording_sink_refs(rec) == 1;
    wbemev_testkit_provider_free(p);
    wbemev_sink_release(rec);
    printf("# test kit: %d events, provider %s\n", w.accepted, ok ? "stopped cleanly" : "NOT as expected");
    return ok && wbemev_live_objects() == 0 ? 0 : 1;
}
