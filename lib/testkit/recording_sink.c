/*
 * lib/testkit/recording_sink.c: the recording sink (wbemev/testkit.h), a consumer sink that keeps
 * every event and every SetStatus it receives, for a test to read back.
 *
 * Built on the public API only, as the whole test kit. Its own memory (the arrays, the copies of
 * the status texts) comes from the C library's malloc, not from the wbemev_set_allocator hook, so
 * a test that makes the library's allocations fail still records what arrives.
 *
 * Every Indicate and SetStatus it receives, and every clear, broadcasts its condition variable:
 * wbemev_testkit_wait_events() and wbemev_testkit_wait_status() sleep on it until what they wait
 * for has arrived or their deadline passed, without polling.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* lock.h: clock_gettime, pthread_condattr_setclock */
#endif
#include "wbemev/testkit.h"
#include "testkit/lock.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct recording_sink {
    wbemev_sink_t base;
    atomic_uint_fast32_t refs;
    testkit_lock lock;
    testkit_cond changed; /* broadcast on every Indicate, SetStatus and clear */
    uint64_t clears;      /* how many times the sink was cleared: a waiter's scan starts over */
    wbemev_object_t **events;
    size_t nevents, cap;
    size_t indicate_calls;
    wbemev_recorded_status *statuses;
    size_t nstatuses;
    /* fail_after: once `fail_budget` more events were accepted, answer `fail_status` */
    bool failing;
    size_t fail_budget;
    wbemev_status fail_status;
};

static const wbemev_sink_vtbl recording_vtbl;

static struct recording_sink *rec_from(wbemev_sink_t *s)
{
    if (s == NULL || s->vtbl != &recording_vtbl)
        return NULL;
    return WBEMEV_CONTAINER_OF(s, struct recording_sink, base);
}

static char *copy_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c != NULL)
        memcpy(c, s, n);
    return c;
}

static void rec_add_ref(wbemev_sink_t *s)
{
    atomic_fetch_add_explicit(&rec_from(s)->refs, 1, memory_order_relaxed);
}

static void rec_clear_locked(struct recording_sink *r)
{
    for (size_t i = 0; i < r->nevents; i++) {
        wbemev_object_note_held(r->events[i], false);
        wbemev_object_release(r->events[i]);
    }
    free(r->events);
    r->events = NULL;
    r->nevents = r->cap = 0;
    for (size_t i = 0; i < r->nstatuses; i++)
        free((char *)r->statuses[i].text);
    free(r->statuses);
    r->statuses = NULL;
    r->nstatuses = 0;
    r->indicate_calls = 0;
    r->clears++;
}

static void rec_release(wbemev_sink_t *s)
{
    struct recording_sink *r = rec_from(s);
    if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1) {
        rec_clear_locked(r);
        testkit_cond_destroy(&r->changed);
        testkit_lock_destroy(&r->lock);
        free(r);
    }
}

/* Room for `take` more events (locked): all of them, or none and false. */
static bool rec_reserve(struct recording_sink *r, size_t take)
{
    if (r->cap - r->nevents >= take)
        return true;
    size_t cap = r->cap ? r->cap : 16;
    while (cap - r->nevents < take && cap <= SIZE_MAX / 2 / sizeof(wbemev_object_t *))
        cap *= 2;
    wbemev_object_t **v = cap - r->nevents >= take ? realloc(r->events, cap * sizeof *v) : NULL;
    if (v == NULL)
        return false;
    r->events = v;
    r->cap = cap;
    return true;
}

static wbemev_status rec_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objects)
{
    struct recording_sink *r = rec_from(s);
    if (count < 0 || (count > 0 && objects == NULL))
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_status st = WBEMEV_S_NO_ERROR;
    size_t take = (size_t)count;
    testkit_lock_acquire(&r->lock);
    r->indicate_calls++;
    if (r->failing && r->fail_budget < take) {
        take = r->fail_budget; /* the events within the budget are kept, then the failure */
        st = r->fail_status;
    }
    /* Room for all of them first: out of memory keeps none of this call's events. */
    if (!rec_reserve(r, take)) {
        testkit_cond_broadcast(&r->changed); /* the call is counted */
        testkit_lock_release(&r->lock);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    if (r->failing)
        r->fail_budget -= take;
    for (size_t i = 0; i < take; i++) {
        r->events[r->nevents++] = wbemev_object_add_ref(objects[i]); /* kept past the call... */
        wbemev_object_note_held(objects[i], true);                    /* ...as a consumer's, not a leak */
    }
    testkit_cond_broadcast(&r->changed);
    testkit_lock_release(&r->lock);
    return st;
}

static wbemev_status rec_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status status,
                                    const char *text, wbemev_object_t *object)
{
    (void)object;
    struct recording_sink *r = rec_from(s);
    char *copy = NULL;
    if (text != NULL && (copy = copy_text(text)) == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    testkit_lock_acquire(&r->lock);
    wbemev_recorded_status *v = realloc(r->statuses, (r->nstatuses + 1) * sizeof *v);
    if (v == NULL) {
        testkit_lock_release(&r->lock);
        free(copy);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    r->statuses = v;
    r->statuses[r->nstatuses++] = (wbemev_recorded_status){flags, status, copy};
    testkit_cond_broadcast(&r->changed);
    testkit_lock_release(&r->lock);
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_sink_vtbl recording_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, rec_add_ref, rec_release, rec_indicate, rec_set_status,
};

wbemev_status wbemev_recording_sink_new(wbemev_sink_t **out)
{
    if (out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    struct recording_sink *r = calloc(1, sizeof *r);
    if (r == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    testkit_lock_init(&r->lock);
    testkit_cond_init(&r->changed);
    r->base.vtbl = &recording_vtbl;
    atomic_init(&r->refs, 1);
    *out = &r->base;
    return WBEMEV_S_NO_ERROR;
}

size_t wbemev_recording_sink_count(wbemev_sink_t *sink)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return 0;
    testkit_lock_acquire(&r->lock);
    size_t n = r->nevents;
    testkit_lock_release(&r->lock);
    return n;
}

wbemev_status wbemev_recording_sink_event_at(wbemev_sink_t *sink, size_t index, wbemev_object_t **out)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    testkit_lock_acquire(&r->lock);
    bool found = index < r->nevents;
    if (found)
        *out = r->events[index]; /* the sink's reference keeps it until clear or the last release */
    testkit_lock_release(&r->lock);
    return found ? WBEMEV_S_NO_ERROR : WBEMEV_E_INVALID_PARAMETER;
}

size_t wbemev_recording_sink_indicate_calls(wbemev_sink_t *sink)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return 0;
    testkit_lock_acquire(&r->lock);
    size_t n = r->indicate_calls;
    testkit_lock_release(&r->lock);
    return n;
}

size_t wbemev_recording_sink_status_count(wbemev_sink_t *sink)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return 0;
    testkit_lock_acquire(&r->lock);
    size_t n = r->nstatuses;
    testkit_lock_release(&r->lock);
    return n;
}

wbemev_status wbemev_recording_sink_status_at(wbemev_sink_t *sink, size_t index, wbemev_recorded_status *out)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    testkit_lock_acquire(&r->lock);
    bool found = index < r->nstatuses;
    /* A copy: the array moves when a SetStatus grows it. The text it points to does not move; it
     * is freed only by clear and the last release. */
    if (found)
        *out = r->statuses[index];
    testkit_lock_release(&r->lock);
    return found ? WBEMEV_S_NO_ERROR : WBEMEV_E_INVALID_PARAMETER;
}

uint32_t wbemev_recording_sink_refs(wbemev_sink_t *sink)
{
    struct recording_sink *r = rec_from(sink);
    return r != NULL ? (uint32_t)atomic_load_explicit(&r->refs, memory_order_relaxed) : 0;
}

void wbemev_recording_sink_fail_after(wbemev_sink_t *sink, size_t after, wbemev_status status)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return;
    testkit_lock_acquire(&r->lock);
    r->failing = WBEMEV_FAILED(status);
    r->fail_budget = after;
    r->fail_status = status;
    testkit_lock_release(&r->lock);
}

void wbemev_recording_sink_clear(wbemev_sink_t *sink)
{
    struct recording_sink *r = rec_from(sink);
    if (r == NULL)
        return;
    testkit_lock_acquire(&r->lock);
    rec_clear_locked(r);
    testkit_cond_broadcast(&r->changed);
    testkit_lock_release(&r->lock);
}

/* ---- waiting ---- */

wbemev_status wbemev_testkit_wait_events(wbemev_sink_t *recording, const char *class_name, size_t n,
                                         uint32_t timeout_ms)
{
    struct recording_sink *r = rec_from(recording);
    if (r == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    testkit_deadline deadline = testkit_deadline_in(timeout_ms);
    wbemev_status st = WBEMEV_E_TIMED_OUT;
    testkit_lock_acquire(&r->lock);
    /* Each wake-up looks only at the events that arrived since the last look (a clear starts over):
     * the events are frozen and held by the sink, so their classes do not change meanwhile. */
    uint64_t clears = r->clears;
    size_t seen = 0, matching = 0;
    for (bool last_look = false;; last_look = !testkit_cond_wait_until(&r->changed, &r->lock, &deadline)) {
        if (clears != r->clears) {
            clears = r->clears;
            seen = matching = 0;
        }
        for (; seen < r->nevents; seen++)
            matching += class_name == NULL ||
                        wbemev_class_is_a(wbemev_object_class(r->events[seen]), class_name);
        if (matching >= n) {
            st = WBEMEV_S_NO_ERROR;
            break;
        }
        if (last_look)
            break;
    }
    testkit_lock_release(&r->lock);
    return st;
}

wbemev_status wbemev_testkit_wait_status(wbemev_sink_t *recording, uint32_t timeout_ms)
{
    struct recording_sink *r = rec_from(recording);
    if (r == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    testkit_deadline deadline = testkit_deadline_in(timeout_ms);
    wbemev_status st = WBEMEV_E_TIMED_OUT;
    testkit_lock_acquire(&r->lock);
    uint64_t clears = r->clears;
    size_t seen = 0;
    for (bool last_look = false;; last_look = !testkit_cond_wait_until(&r->changed, &r->lock, &deadline)) {
        if (clears != r->clears) {
            clears = r->clears;
            seen = 0;
        }
        bool complete = false;
        for (; seen < r->nstatuses && !complete; seen++)
            complete = r->statuses[seen].flags == WBEMEV_STATUS_COMPLETE;
        if (complete) {
            st = WBEMEV_S_NO_ERROR;
            break;
        }
        if (last_look)
            break;
    }
    testkit_lock_release(&r->lock);
    return st;
}
