/*
 * examples/heartbeat_provider.c: see heartbeat_provider.h.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime, pthread_condattr_setclock */
#endif

#include "heartbeat_provider.h"
#include "example_thread.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <time.h>
#endif

static const wbemev_property_def heartbeat_properties[] = {
    {"Source", WBEMEV_CIM_STRING, NULL},
    {"Sequence", WBEMEV_CIM_UINT64, NULL},
    {"IntervalMs", WBEMEV_CIM_UINT32, NULL},
    {"Uptime", WBEMEV_CIM_DATETIME, NULL},
};
static const wbemev_class_def heartbeat_classes[] = {
    {HEARTBEAT_EVENT_CLASS, "__ExtrinsicEvent", heartbeat_properties,
     sizeof heartbeat_properties / sizeof heartbeat_properties[0]},
};
static const char *const heartbeat_queries[] = {"SELECT * FROM " HEARTBEAT_EVENT_CLASS};

const wbemev_registration heartbeat_registration = {
    "root\\cimv2",
    "HeartbeatProvider",
    "{5E9AE4DC-A067-424D-AC4A-9E48AEF9F54B}",
    NULL,
    heartbeat_classes,
    sizeof heartbeat_classes / sizeof heartbeat_classes[0],
    heartbeat_queries,
    sizeof heartbeat_queries / sizeof heartbeat_queries[0],
};

/* ---- a monotonic clock and a timed wait, on POSIX or Win32 ---- */

#ifdef _WIN32
typedef CONDITION_VARIABLE hb_cond;
static bool hb_cond_init(hb_cond *c)
{
    InitializeConditionVariable(c);
    return true;
}
static void hb_cond_destroy(hb_cond *c)
{
    (void)c;
}
static uint64_t hb_now_ms(void)
{
    return (uint64_t)GetTickCount64();
}
/* Waits until woken or until the monotonic time `deadline_ms`. */
static void hb_cond_wait_until(hb_cond *c, example_mutex *m, uint64_t deadline_ms)
{
    uint64_t now = hb_now_ms();
    if (now < deadline_ms)
        SleepConditionVariableSRW(c, m, (DWORD)(deadline_ms - now), 0);
}
static void hb_cond_signal(hb_cond *c)
{
    WakeAllConditionVariable(c);
}
#else
typedef pthread_cond_t hb_cond;
static bool hb_cond_init(hb_cond *c)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return false;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* immune to wall-clock changes */
    int rc = pthread_cond_init(c, &attr);
    pthread_condattr_destroy(&attr);
    return rc == 0;
}
static void hb_cond_destroy(hb_cond *c)
{
    pthread_cond_destroy(c);
}
static uint64_t hb_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
static void hb_cond_wait_until(hb_cond *c, example_mutex *m, uint64_t deadline_ms)
{
    struct timespec ts = {(time_t)(deadline_ms / 1000u), (long)(deadline_ms % 1000u) * 1000000L};
    pthread_cond_timedwait(c, m, &ts);
}
static void hb_cond_signal(hb_cond *c)
{
    pthread_cond_broadcast(c);
}
#endif

/* ---- the provider ---- */

struct heartbeat {
    wbemev_provider_t base;
    atomic_int refs;
    heartbeat_options opts;
    char *source;
    wbemev_class_t *cls; /* looked up once, in initialize */
    wbemev_sink_t *sink; /* kept from provide_events */
    example_mutex lock;  /* guards stop; the timer waits on wake under it */
    hb_cond wake;
    bool stop;
    bool running;
    example_thread worker;
};

static struct heartbeat *hb_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct heartbeat, base);
}

static void hb_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add(&hb_from(p)->refs, 1);
}

static void hb_release(wbemev_provider_t *p)
{
    struct heartbeat *hb = hb_from(p);
    if (atomic_fetch_sub(&hb->refs, 1) != 1)
        return;
    /* The final release stops the provider: wake the timer, join it, then let go of the sink. */
    example_mutex_lock(&hb->lock);
    hb->stop = true;
    hb_cond_signal(&hb->wake);
    example_mutex_unlock(&hb->lock);
    if (hb->running)
        example_thread_join(hb->worker);
    if (hb->sink != NULL)
        wbemev_sink_release(hb->sink);
    if (hb->cls != NULL)
        wbemev_class_release(hb->cls);
    hb_cond_destroy(&hb->wake);
    example_mutex_destroy(&hb->lock);
    free(hb->source);
    free(hb);
}

static wbemev_status hb_initialize(wbemev_provider_t *p, const wbemev_provider_init *init,
                                   wbemev_sink_t *init_sink)
{
    struct heartbeat *hb = hb_from(p);
    wbemev_status st = wbemev_namespace_get_class(init->ns, HEARTBEAT_EVENT_CLASS, &hb->cls);
    wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE,
                           WBEMEV_SUCCEEDED(st) ? WBEMEV_S_INITIALIZED : WBEMEV_E_FAILED, NULL, NULL);
    return WBEMEV_S_NO_ERROR;
}

/* The interval since start as a CIM interval datetime. */
static wbemev_datetime uptime(uint64_t ms)
{
    wbemev_datetime dt;
    memset(&dt, 0, sizeof dt);
    dt.is_interval = true;
    dt.days = (uint32_t)(ms / 86400000u);
    dt.hour = (uint8_t)(ms / 3600000u % 24u);
    dt.minute = (uint8_t)(ms / 60000u % 60u);
    dt.second = (uint8_t)(ms / 1000u % 60u);
    dt.microseconds = (uint32_t)(ms % 1000u) * 1000u;
    return dt;
}

EXAMPLE_THREAD_FN(hb_worker)
{
    struct heartbeat *hb = arg;
    wbemev_object_t *template = NULL;
    if (WBEMEV_FAILED(wbemev_class_spawn_instance(hb->cls, &template)))
        EXAMPLE_THREAD_RETURN;
    wbemev_object_put_string(template, "Source", hb->source);
    wbemev_object_put_uint32(template, "IntervalMs", hb->opts.interval_ms);

    uint64_t start = hb_now_ms(), next = start;
    for (uint64_t seq = 0; hb->opts.beats == 0 || seq < hb->opts.beats; seq++) {
        /* Sleep until the next beat, or until the final release wakes us. */
        example_mutex_lock(&hb->lock);
        while (!hb->stop && hb_now_ms() < next)
            hb_cond_wait_until(&hb->wake, &hb->lock, next);
        bool stop = hb->stop;
        example_mutex_unlock(&hb->lock);
        if (stop)
            break;

        wbemev_object_t *ev; /* one unique object per event */
        if (WBEMEV_SUCCEEDED(wbemev_object_clone(template, &ev))) {
            wbemev_object_put_uint64(ev, "Sequence", seq);
            wbemev_object_put_datetime(ev, "Uptime", uptime(hb_now_ms() - start));
            wbemev_status st = wbemev_sink_indicate1(hb->sink, ev); /* no lock held */
            wbemev_object_release(ev);
            if (st == WBEMEV_E_CALL_CANCELLED)
                break; /* the host is stopping us */
        }
        next += hb->opts.interval_ms;
        uint64_t now = hb_now_ms();
        if (next < now)
            next = now; /* fell behind (suspended, slow consumer): no catch-up storm */
    }
    wbemev_object_release(template);
    EXAMPLE_THREAD_RETURN;
}

static wbemev_status hb_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    struct heartbeat *hb = hb_from(p);
    (void)flags;
    if (hb->running)
        return WBEMEV_S_NO_ERROR; /* a second call keeps the running timer */
    hb->sink = wbemev_sink_add_ref(sink);
    if (example_thread_start(&hb->worker, hb_worker, hb) != 0) {
        wbemev_sink_release(hb->sink);
        hb->sink = NULL;
        return WBEMEV_E_FAILED;
    }
    hb->running = true;
    return WBEMEV_S_NO_ERROR; /* at once: the timer thread indicates */
}

static const wbemev_provider_vtbl hb_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, hb_add_ref, hb_release, hb_initialize, hb_provide_events,
    NULL /* new_query: the host filters */, NULL /* cancel_query */, NULL /* access_check */,
};

wbemev_status heartbeat_provider_new(const heartbeat_options *opts, wbemev_provider_t **out)
{
    if (out == NULL || (opts != NULL && opts->interval_ms == 0))
        return WBEMEV_E_INVALID_PARAMETER;
    const char *source = opts != NULL && opts->source != NULL ? opts->source : "heartbeat";
    struct heartbeat *hb = calloc(1, sizeof *hb);
    char *copy = malloc(strlen(source) + 1);
    if (hb == NULL || copy == NULL || !hb_cond_init(&hb->wake)) {
        free(copy);
        free(hb);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    strcpy(copy, source);
    hb->base.vtbl = &hb_vtbl;
    atomic_init(&hb->refs, 1);
    hb->opts.interval_ms = opts != NULL ? opts->interval_ms : 1000;
    hb->opts.beats = opts != NULL ? opts->beats : 0;
    hb->source = copy;
    example_mutex_init(&hb->lock);
    *out = &hb->base;
    return WBEMEV_S_NO_ERROR;
}
