/*
 * tests/package/consumer.c: a tiny program built against an installed wbemev, out of tree (with
 * find_package in tests/package/cmake, with pkg-config in tests/package/pkgconfig).
 *
 * A provider keeps the sink the dispatcher gives it; main indicates three events through it; a
 * formatting sink prints them as JSON lines. Exits 0 when the three lines were written.
 */
#include <wbemev.h>
#include <wbemev/format.h>
#include <wbemev/module.h>

#include <stdio.h>
#include <string.h>

struct provider {
    wbemev_provider_t base;
    int refs;
    wbemev_sink_t *sink;
};

static struct provider *from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct provider, base);
}
static void add_ref(wbemev_provider_t *p)
{
    from(p)->refs++;
}
static void release(wbemev_provider_t *p)
{
    struct provider *me = from(p);
    if (--me->refs == 0 && me->sink != NULL) {
        wbemev_sink_release(me->sink);
        me->sink = NULL;
    }
}
static wbemev_status provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    (void)flags;
    from(p)->sink = wbemev_sink_add_ref(sink);
    return WBEMEV_S_NO_ERROR;
}
static const wbemev_provider_vtbl vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, add_ref, release, NULL, provide_events, NULL, NULL, NULL,
};

static int check(const char *what, wbemev_status st)
{
    if (WBEMEV_FAILED(st)) {
        fprintf(stderr, "consumer: %s: %s\n", what, wbemev_status_name(st));
        return 1;
    }
    return 0;
}

int main(void)
{
    printf("# wbemev %s (headers %s)\n", wbemev_version_string(), WBEMEV_VERSION_STRING);
    if (wbemev_version() != WBEMEV_VERSION_HEX)
        return 1;
    static const wbemev_property_def props[] = {{"Name", WBEMEV_CIM_STRING, NULL},
                                                {"Severity", WBEMEV_CIM_SINT32, NULL}};
    wbemev_dispatcher_t *d;
    wbemev_class_t *cls;
    wbemev_sink_t *printer;
    uint32_t id;
    struct provider p = {{&vtbl}, 1, NULL};
    const char *const queries[] = {"SELECT * FROM Sample_Event"};
    if (check("dispatcher", wbemev_dispatcher_new(NULL, &d)) ||
        check("class", wbemev_namespace_define_class(wbemev_dispatcher_namespace(d), "Sample_Event",
                                                     "__ExtrinsicEvent", props, 2, &cls)) ||
        check("register", wbemev_dispatcher_register(d, "SampleProvider", &p.base, queries, 1)) ||
        check("sink", wbemev_format_sink_new(stdout, WBEMEV_FORMAT_JSON, WBEMEV_FORMAT_SKIP_NULLS, &printer)) ||
        check("subscribe", wbemev_dispatcher_subscribe(d, "SELECT * FROM Sample_Event WHERE Severity >= 2",
                                                       printer, NULL, &id)))
        return 1;
    for (int32_t severity = 1; severity <= 4; severity++) {
        wbemev_object_t *ev; /* one unique object per event */
        if (check("spawn", wbemev_class_spawn_instance(cls, &ev)))
            return 1;
        wbemev_object_put_string(ev, "Name", "x");
        wbemev_object_put_sint32(ev, "Severity", severity);
        if (check("indicate", wbemev_sink_indicate1(p.sink, ev)))
            return 1;
        wbemev_object_release(ev);
    }
    uint64_t written = wbemev_format_sink_count(printer);
    wbemev_class_release(cls);
    wbemev_dispatcher_destroy(d);
    wbemev_sink_release(printer);
    release(&p.base);
    printf("# %llu events written\n", (unsigned long long)written);
    return written == 3 && wbemev_live_objects() == 0 ? 0 : 1;
}
