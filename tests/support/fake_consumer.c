/*
 * tests/support/fake_consumer.c: the ordered-log fake consumer (fake_consumer.h).
 */
#include "fake_consumer.h"
#include "fake_sync.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_consumer {
    wbemev_sink_t base;
    atomic_int refs;

    fake_mutex mu; /* everything below */
    fake_cond cv;  /* broadcast at every change */
    fake_entry *log;
    size_t nlog, log_cap;
    size_t events, indicates, entered, progress, completes, status_entered, after_complete;
    wbemev_status final_status;
    bool keep_objects, log_events, gate_closed, status_gate_closed;
    size_t fail_after;
    wbemev_status fail_status;
    size_t subscriptions; /* the final SetStatus calls it expects */
    unsigned yields;
    size_t anomalies;
    char anomaly[256];
    char verdict[320];
};

static fake_consumer *from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, fake_consumer, base);
}

/* Under c->mu. */
static void note_anomaly(fake_consumer *c, const char *what)
{
    if (c->anomalies++ == 0)
        snprintf(c->anomaly, sizeof c->anomaly, "%s", what);
}

/* Under c->mu. */
static void append(fake_consumer *c, fake_entry e)
{
    if (c->nlog == c->log_cap) {
        size_t cap = c->log_cap != 0 ? c->log_cap * 2 : 64;
        fake_entry *log = realloc(c->log, cap * sizeof *log);
        if (log == NULL) {
            note_anomaly(c, "the fake's log could not grow (out of memory)");
            if (e.obj != NULL)
                wbemev_object_release(e.obj);
            return;
        }
        c->log = log;
        c->log_cap = cap;
    }
    c->log[c->nlog++] = e;
}

static int32_t event_value(wbemev_object_t *o)
{
    int32_t v = -1;
    uint32_t n;
    if (WBEMEV_SUCCEEDED(wbemev_object_get_sint32(o, "Severity", &v)))
        return v;
    if (WBEMEV_SUCCEEDED(wbemev_object_get_uint32(o, "NumberOfEvents", &n)))
        return (int32_t)n;
    return -1;
}

/* ---- the vtable ---- */

static void vt_add_ref(wbemev_sink_t *s)
{
    atomic_fetch_add(&from(s)->refs, 1);
}

static void vt_release(wbemev_sink_t *s)
{
    fake_consumer *c = from(s);
    if (atomic_fetch_sub(&c->refs, 1) <= 1) {
        fake_mutex_lock(&c->mu);
        note_anomaly(c, "release of the creator's reference (more releases than add_refs)");
        fake_mutex_unlock(&c->mu);
    }
}

static wbemev_status vt_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objs)
{
    fake_consumer *c = from(s);
    fake_mutex_lock(&c->mu);
    unsigned yields = c->yields;
    fake_mutex_unlock(&c->mu);
    for (unsigned i = 0; i < yields; i++)
        fake_yield();

    fake_mutex_lock(&c->mu);
    c->indicates++;
    c->entered++;
    fake_cond_broadcast(&c->cv);
    while (c->gate_closed)
        fake_cond_wait(&c->cv, &c->mu);
    if (c->completes >= c->subscriptions) {
        c->after_complete++;
        note_anomaly(c, "Indicate after the final SetStatus");
    }
    bool objs_ok = count >= 1 && objs != NULL;
    if (!objs_ok)
        note_anomaly(c, "Indicate without events");
    for (int32_t i = 0; objs_ok && i < count; i++) {
        if (objs[i] == NULL || !wbemev_object_is_frozen(objs[i])) {
            note_anomaly(c, "Indicate with a NULL or unfrozen object");
            objs_ok = false;
        }
    }
    size_t n = count > 0 ? (size_t)count : 0;
    wbemev_status st = WBEMEV_S_NO_ERROR;
    if (c->fail_after != SIZE_MAX && (c->events > c->fail_after || n > c->fail_after - c->events)) {
        st = c->fail_status;
    } else {
        for (size_t i = 0; i < n && objs_ok; i++) {
            if (c->log_events)
                append(c, (fake_entry){FAKE_EVENT, event_value(objs[i]), WBEMEV_S_NO_ERROR,
                                       c->keep_objects ? wbemev_object_add_ref(objs[i]) : NULL});
        }
        c->events += n;
    }
    fake_cond_broadcast(&c->cv);
    fake_mutex_unlock(&c->mu);
    return st;
}

static wbemev_status vt_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status status, const char *text,
                                   wbemev_object_t *obj)
{
    (void)text, (void)obj;
    fake_consumer *c = from(s);
    fake_mutex_lock(&c->mu);
    if (c->completes >= c->subscriptions) {
        c->after_complete++;
        note_anomaly(c, flags == WBEMEV_STATUS_COMPLETE ? "more final SetStatus calls than subscriptions"
                                                        : "SetStatus after the final SetStatus");
    }
    if (flags == WBEMEV_STATUS_COMPLETE) {
        c->status_entered++;
        fake_cond_broadcast(&c->cv);
        while (c->status_gate_closed)
            fake_cond_wait(&c->cv, &c->mu);
        c->completes++;
        c->final_status = status;
        append(c, (fake_entry){FAKE_COMPLETE, 0, status, NULL});
    } else {
        if (flags != WBEMEV_STATUS_PROGRESS)
            note_anomaly(c, "SetStatus with flags other than COMPLETE or PROGRESS");
        c->progress++;
        append(c, (fake_entry){FAKE_PROGRESS, 0, status, NULL});
    }
    fake_cond_broadcast(&c->cv);
    fake_mutex_unlock(&c->mu);
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_sink_vtbl consumer_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, vt_add_ref, vt_release, vt_indicate, vt_set_status,
};

/* ---- lifetime and scripting ---- */

fake_consumer *fake_consumer_new(void)
{
    fake_consumer *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->base.vtbl = &consumer_vtbl;
    atomic_init(&c->refs, 1);
    fake_mutex_init(&c->mu);
    fake_cond_init(&c->cv);
    c->log_events = true;
    c->fail_after = SIZE_MAX;
    c->subscriptions = 1;
    c->final_status = WBEMEV_E_UNEXPECTED;
    return c;
}

static void forget_log(fake_consumer *c)
{
    for (size_t i = 0; i < c->nlog; i++)
        if (c->log[i].obj != NULL)
            wbemev_object_release(c->log[i].obj);
    c->nlog = 0;
}

void fake_consumer_free(fake_consumer *c)
{
    if (c == NULL)
        return;
    forget_log(c);
    free(c->log);
    fake_cond_destroy(&c->cv);
    fake_mutex_destroy(&c->mu);
    free(c);
}

wbemev_sink_t *fake_consumer_sink(fake_consumer *c)
{
    return &c->base;
}

void fake_consumer_keep_objects(fake_consumer *c, bool keep)
{
    fake_mutex_lock(&c->mu);
    c->keep_objects = keep;
    fake_mutex_unlock(&c->mu);
}

void fake_consumer_log_events(fake_consumer *c, bool log)
{
    fake_mutex_lock(&c->mu);
    c->log_events = log;
    fake_mutex_unlock(&c->mu);
}

void fake_consumer_fail_after(fake_consumer *c, size_t events, wbemev_status status)
{
    fake_mutex_lock(&c->mu);
    c->fail_after = events;
    c->fail_status = status;
    fake_mutex_unlock(&c->mu);
}

void fake_consumer_set_subscriptions(fake_consumer *c, size_t n)
{
    fake_mutex_lock(&c->mu);
    c->subscriptions = n;
    fake_mutex_unlock(&c->mu);
}

void fake_consumer_yield_in_indicate(fake_consumer *c, unsigned yields)
{
    fake_mutex_lock(&c->mu);
    c->yields = yields;
    fake_mutex_unlock(&c->mu);
}

void fake_consumer_gate(fake_consumer *c, bool closed)
{
    fake_mutex_lock(&c->mu);
    c->gate_closed = closed;
    fake_cond_broadcast(&c->cv);
    fake_mutex_unlock(&c->mu);
}

void fake_consumer_status_gate(fake_consumer *c, bool closed)
{
    fake_mutex_lock(&c->mu);
    c->status_gate_closed = closed;
    fake_cond_broadcast(&c->cv);
    fake_mutex_unlock(&c->mu);
}

void fake_consumer_reset(fake_consumer *c)
{
    fake_mutex_lock(&c->mu);
    forget_log(c);
    c->events = c->indicates = c->entered = c->progress = c->completes = c->status_entered = 0;
    c->after_complete = 0;
    c->final_status = WBEMEV_E_UNEXPECTED;
    fake_cond_broadcast(&c->cv);
    fake_mutex_unlock(&c->mu);
}

/* ---- waiting ---- */

void fake_consumer_wait_entered(fake_consumer *c, size_t n)
{
    fake_mutex_lock(&c->mu);
    while (c->entered < n)
        fake_cond_wait(&c->cv, &c->mu);
    fake_mutex_unlock(&c->mu);
}

void fake_consumer_wait_entered_total(fake_consumer *const *c, size_t count, size_t n)
{
    for (;;) {
        size_t sum = 0;
        for (size_t k = 0; k < count; k++)
            sum += fake_consumer_entered(c[k]);
        if (sum >= n)
            return;
        fake_yield();
    }
}

void fake_consumer_wait_events(fake_consumer *c, size_t n)
{
    fake_mutex_lock(&c->mu);
    while (c->events < n)
        fake_cond_wait(&c->cv, &c->mu);
    fake_mutex_unlock(&c->mu);
}

void fake_consumer_wait_complete(fake_consumer *c)
{
    fake_mutex_lock(&c->mu);
    while (c->completes == 0)
        fake_cond_wait(&c->cv, &c->mu);
    fake_mutex_unlock(&c->mu);
}

void fake_consumer_wait_status_entered(fake_consumer *c)
{
    fake_mutex_lock(&c->mu);
    while (c->status_entered == 0)
        fake_cond_wait(&c->cv, &c->mu);
    fake_mutex_unlock(&c->mu);
}

/* ---- what happened ---- */

static size_t read_locked(fake_consumer *c, const size_t *field)
{
    fake_mutex_lock(&c->mu);
    size_t v = *field;
    fake_mutex_unlock(&c->mu);
    return v;
}

size_t fake_consumer_events(fake_consumer *c)
{
    return read_locked(c, &c->events);
}

size_t fake_consumer_indicates(fake_consumer *c)
{
    return read_locked(c, &c->indicates);
}

size_t fake_consumer_entered(fake_consumer *c)
{
    return read_locked(c, &c->entered);
}

size_t fake_consumer_progress(fake_consumer *c)
{
    return read_locked(c, &c->progress);
}

size_t fake_consumer_completes(fake_consumer *c)
{
    return read_locked(c, &c->completes);
}

size_t fake_consumer_after_complete(fake_consumer *c)
{
    return read_locked(c, &c->after_complete);
}

size_t fake_consumer_log_size(fake_consumer *c)
{
    return read_locked(c, &c->nlog);
}

size_t fake_consumer_anomalies(fake_consumer *c)
{
    return read_locked(c, &c->anomalies);
}

size_t fake_consumer_progress_of(fake_consumer *c, wbemev_status status)
{
    size_t n = 0;
    fake_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->nlog; i++)
        n += c->log[i].kind == FAKE_PROGRESS && c->log[i].status == status;
    fake_mutex_unlock(&c->mu);
    return n;
}

wbemev_status fake_consumer_final_status(fake_consumer *c)
{
    fake_mutex_lock(&c->mu);
    wbemev_status st = c->final_status;
    fake_mutex_unlock(&c->mu);
    return st;
}

fake_entry fake_consumer_entry(fake_consumer *c, size_t i)
{
    fake_entry e = {0, -1, WBEMEV_S_NO_ERROR, NULL};
    fake_mutex_lock(&c->mu);
    if (i < c->nlog)
        e = c->log[i];
    fake_mutex_unlock(&c->mu);
    return e;
}

int fake_consumer_refs(fake_consumer *c)
{
    return atomic_load(&c->refs);
}

const char *fake_consumer_anomaly(fake_consumer *c)
{
    fake_mutex_lock(&c->mu);
    const char *a = c->anomalies != 0 ? c->anomaly : NULL;
    fake_mutex_unlock(&c->mu);
    return a;
}

const char *fake_consumer_check(fake_consumer *c)
{
    int refs = atomic_load(&c->refs);
    const char *verdict = NULL;
    fake_mutex_lock(&c->mu);
    if (c->anomalies != 0) {
        snprintf(c->verdict, sizeof c->verdict, "%zu anomal%s, the first: %s", c->anomalies,
                 c->anomalies == 1 ? "y" : "ies", c->anomaly);
        verdict = c->verdict;
    } else if (refs != 1) {
        snprintf(c->verdict, sizeof c->verdict, "%d references (only the creator's should be left)", refs);
        verdict = c->verdict;
    }
    fake_mutex_unlock(&c->mu);
    return verdict;
}
