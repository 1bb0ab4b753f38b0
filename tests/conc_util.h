/*
 * tests/conc_util.h: helpers for the concurrency tests (test_queue, test_aggregate, test_stress):
 * a provider that keeps its sink, a consumer that logs every call in order and can be held at a gate,
 * a controllable clock and tiny thread wrappers. No sleeps: tests synchronize on counts.
 */
#ifndef WBEMEV_CONC_UTIL_H
#define WBEMEV_CONC_UTIL_H

#include "test_support.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a provider that keeps the sink it is given ---- */
struct cprov {
    wbemev_provider_t base;
    atomic_int refs;
    _Atomic(wbemev_sink_t *) sink;
    atomic_int cancels;
};

static inline struct cprov *cprov_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct cprov, base);
}
static inline void cprov_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add(&cprov_from(p)->refs, 1);
}
static inline void cprov_release(wbemev_provider_t *p)
{
    struct cprov *f = cprov_from(p);
    if (atomic_fetch_sub(&f->refs, 1) == 1) {
        wbemev_sink_t *s = atomic_exchange(&f->sink, NULL);
        if (s != NULL)
            wbemev_sink_release(s);
    }
}
static inline wbemev_status cprov_provide(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    (void)flags;
    wbemev_sink_t *old = atomic_exchange(&cprov_from(p)->sink, wbemev_sink_add_ref(sink));
    if (old != NULL)
        wbemev_sink_release(old);
    return WBEMEV_S_NO_ERROR;
}
static inline wbemev_status cprov_cancel(wbemev_provider_t *p, uint32_t id)
{
    (void)id;
    atomic_fetch_add(&cprov_from(p)->cancels, 1);
    return WBEMEV_S_NO_ERROR;
}
static const wbemev_provider_vtbl cprov_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, cprov_add_ref, cprov_release, NULL, cprov_provide, NULL, cprov_cancel, NULL,
};
static inline void cprov_init(struct cprov *p)
{
    memset(p, 0, sizeof *p);
    p->base.vtbl = &cprov_vtbl;
    atomic_init(&p->refs, 1);
    atomic_init(&p->sink, NULL);
    atomic_init(&p->cancels, 0);
}

/* ---- a consumer that logs calls in order; optionally held at a gate inside Indicate ---- */
enum centry_kind { CE_EVENT = 1, CE_PROGRESS = 2, CE_COMPLETE = 3 };
struct centry {
    int kind;
    int32_t value;        /* the event's Severity, or NumberOfEvents for aggregates */
    wbemev_status status; /* SetStatus */
    wbemev_object_t *obj; /* a reference to the event (released by ccons_free) */
};
#define CCONS_MAX 4096

struct ccons {
    wbemev_sink_t base;
    atomic_int refs;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct centry log[CCONS_MAX];
    size_t n;
    size_t events, progress, completes;
    bool keep_objects;
    bool gate_closed;      /* Indicate waits while true */
    size_t entered;        /* Indicates that reached the gate */
    size_t fail_after;     /* 0: never; else fail the Indicate after this many events */
    bool event_after_complete;
};

static inline struct ccons *ccons_from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, struct ccons, base);
}
static inline void ccons_add_ref(wbemev_sink_t *s)
{
    atomic_fetch_add(&ccons_from(s)->refs, 1);
}
static inline void ccons_release(wbemev_sink_t *s)
{
    atomic_fetch_sub(&ccons_from(s)->refs, 1); /* the test owns the memory */
}
static inline int32_t event_value(wbemev_object_t *o)
{
    int32_t v = -1;
    uint32_t n;
    if (WBEMEV_SUCCEEDED(wbemev_object_get_sint32(o, "Severity", &v)))
        return v;
    if (WBEMEV_SUCCEEDED(wbemev_object_get_uint32(o, "NumberOfEvents", &n)))
        return (int32_t)n;
    return v;
}
static inline wbemev_status ccons_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objs)
{
    struct ccons *c = ccons_from(s);
    pthread_mutex_lock(&c->mu);
    c->entered++;
    pthread_cond_broadcast(&c->cv);
    while (c->gate_closed)
        pthread_cond_wait(&c->cv, &c->mu);
    wbemev_status st = WBEMEV_S_NO_ERROR;
    for (int32_t i = 0; i < count; i++) {
        if (c->completes > 0)
            c->event_after_complete = true;
        if (c->fail_after != 0 && c->events >= c->fail_after) {
            st = WBEMEV_E_FAILED;
            break;
        }
        if (c->n < CCONS_MAX) {
            c->log[c->n] = (struct centry){CE_EVENT, event_value(objs[i]), 0,
                                           c->keep_objects ? wbemev_object_add_ref(objs[i]) : NULL};
            c->n++;
        }
        c->events++;
    }
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return st;
}
static inline wbemev_status ccons_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status status, const char *text,
                                      wbemev_object_t *obj)
{
    (void)text, (void)obj;
    struct ccons *c = ccons_from(s);
    pthread_mutex_lock(&c->mu);
    if (c->n < CCONS_MAX)
        c->log[c->n++] = (struct centry){flags == WBEMEV_STATUS_COMPLETE ? CE_COMPLETE : CE_PROGRESS, 0, status, NULL};
    if (flags == WBEMEV_STATUS_COMPLETE)
        c->completes++;
    else
        c->progress++;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return WBEMEV_S_NO_ERROR;
}
static const wbemev_sink_vtbl ccons_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, ccons_add_ref, ccons_release, ccons_indicate, ccons_set_status,
};
static inline struct ccons *ccons_new(void)
{
    struct ccons *c = calloc(1, sizeof *c);
    c->base.vtbl = &ccons_vtbl;
    atomic_init(&c->refs, 1);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    return c;
}
static inline void ccons_free(struct ccons *c)
{
    assert_int_equal(atomic_load(&c->refs), 1); /* the dispatcher released it */
    for (size_t i = 0; i < c->n; i++)
        if (c->log[i].obj != NULL)
            wbemev_object_release(c->log[i].obj);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
static inline void ccons_gate(struct ccons *c, bool closed)
{
    pthread_mutex_lock(&c->mu);
    c->gate_closed = closed;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}
/* Waits until `n` Indicate calls reached the gates of the `count` consumers at c, together (say,
 * every worker parked at one). Driven by the count: it yields, it does not sleep. */
static inline void ccons_wait_entered_total(struct ccons *const *c, size_t count, size_t n)
{
    for (;;) {
        size_t sum = 0;
        for (size_t k = 0; k < count; k++) {
            pthread_mutex_lock(&c[k]->mu);
            sum += c[k]->entered;
            pthread_mutex_unlock(&c[k]->mu);
        }
        if (sum >= n)
            return;
        sched_yield();
    }
}
/* Waits until `n` Indicate calls reached the gate. */
static inline void ccons_wait_entered(struct ccons *c, size_t n)
{
    pthread_mutex_lock(&c->mu);
    while (c->entered < n)
        pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
}
/* Waits until the consumer received its final SetStatus. */
static inline void ccons_wait_complete(struct ccons *c)
{
    pthread_mutex_lock(&c->mu);
    while (c->completes == 0)
        pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
}
/* Exactly one final SetStatus, last, with `status`. */
static inline void ccons_assert_ended(struct ccons *c, wbemev_status status)
{
    pthread_mutex_lock(&c->mu);
    assert_int_equal(c->completes, 1);
    assert_false(c->event_after_complete);
    assert_true(c->n > 0);
    assert_int_equal(c->log[c->n - 1].kind, CE_COMPLETE);
    assert_wbemev_status(c->log[c->n - 1].status, status);
    pthread_mutex_unlock(&c->mu);
}

/* ---- a controllable clock ---- */
static inline uint64_t test_clock(void *ctx)
{
    return atomic_load((atomic_uint_fast64_t *)ctx);
}

/* ---- fixture pieces ---- */
static inline wbemev_class_t *define_event_class(wbemev_dispatcher_t *d, const char *name)
{
    const wbemev_property_def props[] = {
        {"Name", WBEMEV_CIM_STRING, NULL},
        {"Severity", WBEMEV_CIM_SINT32, NULL},
    };
    wbemev_class_t *cls;
    assert_wbemev_ok(wbemev_namespace_define_class(wbemev_dispatcher_namespace(d), name, "__ExtrinsicEvent", props, 2, &cls));
    return cls;
}

static inline wbemev_object_t *new_event(wbemev_class_t *cls, const char *name, int32_t severity)
{
    wbemev_object_t *o;
    assert_wbemev_ok(wbemev_class_spawn_instance(cls, &o));
    assert_wbemev_ok(wbemev_object_put_string(o, "Name", name));
    assert_wbemev_ok(wbemev_object_put_sint32(o, "Severity", severity));
    return o;
}

static inline wbemev_status fire_event(wbemev_sink_t *sink, wbemev_class_t *cls, const char *name, int32_t severity)
{
    wbemev_object_t *o = new_event(cls, name, severity);
    wbemev_status st = wbemev_sink_indicate1(sink, o);
    wbemev_object_release(o);
    return st;
}

/* indicated == delivered + dropped + discarded + refused + queued */
static inline void assert_balanced(const wbemev_subscription_stats *s)
{
    if (s->indicated != s->delivered + s->dropped + s->discarded + s->refused + s->queued)
        fail_msg("indicated %llu != delivered %llu + dropped %llu + discarded %llu + refused %llu + queued %llu",
                 (unsigned long long)s->indicated, (unsigned long long)s->delivered,
                 (unsigned long long)s->dropped, (unsigned long long)s->discarded,
                 (unsigned long long)s->refused, (unsigned long long)s->queued);
}

#endif
