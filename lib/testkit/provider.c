/*
 * lib/testkit/provider.c: the test provider (wbemev/testkit.h), a provider that indicates whatever
 * the test hands it, so that a test needs no vtable of its own.
 *
 * It keeps the rules of docs/contract.md:
 *  - no initialize, no access_check (a provider without them is ready at once and admits everyone);
 *  - provide_events add_refs the sink and returns at once; the final Release releases it;
 *  - new_query and cancel_query only note the id under the lock and return;
 *  - its lock is never held across an Indicate, so the host's requests (NewQuery, CancelQuery,
 *    Release) always get in;
 *  - once an Indicate answered WBEMEV_E_CALL_CANCELLED it never indicates again (every later
 *    wbemev_testkit_provider_indicate answers it without calling the sink);
 *  - it never calls SetStatus on its event sink;
 *  - nothing of it runs after its final Release: the Release waits for the indicate calls other
 *    threads have in progress (the sink answers them WBEMEV_E_CALL_CANCELLED by then) before it
 *    releases the sink, so no reference to the sink is left once it returns. A final Release made
 *    from inside an indicate call of its own thread (a consumer that unregistered the provider from
 *    its Indicate) cannot wait for that call: the sink is then released when the call returns.
 *
 * Memory and references are separate. The provider's references (COM's AddRef and Release) are
 * counted in `refs`: the creator's one, the dispatcher's. `holds` keeps the memory: the handle, the
 * references until the final Release, and each indicate call in progress; the memory goes when the
 * last of them does, in any order, so the test can read what the provider was told after its final
 * Release.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* lock.h: clock_gettime, pthread_condattr_setclock */
#endif
#include "wbemev/testkit.h"
#include "testkit/lock.h"

#include <stdatomic.h>
#include <stdlib.h>

struct wbemev_testkit_provider {
    wbemev_provider_t base;
    atomic_uint refs;      /* provider references; the final Release stops it */
    atomic_uint holds;     /* the handle, the references, each indicate call: the memory goes at 0 */
    testkit_lock lock;     /* everything below */
    testkit_cond idle;     /* broadcast whenever an indicate call in progress returns */
    wbemev_sink_t *sink;   /* kept from ProvideEvents until the final Release */
    wbemev_sink_t *orphan; /* released by the last indicate call in progress (see kit_release) */
    size_t indicating;     /* indicate calls in progress, between taking the sink and giving it back */
    bool provided;         /* ProvideEvents came */
    bool stopped;          /* the final Release came */
    bool cancelled;        /* an Indicate answered WBEMEV_E_CALL_CANCELLED */
    uint32_t *queries;     /* live NewQuery ids, in the order they came */
    size_t nqueries, cap;
    size_t cancel_calls;
};

/* The indicate calls in progress on this thread, innermost first: a final Release made from inside
 * one (a consumer that unregistered the provider from its Indicate) must not wait for it. */
struct kit_frame {
    const wbemev_testkit_provider *provider;
    struct kit_frame *outer;
};
#if defined(_MSC_VER) && !defined(__clang__)
static __declspec(thread) struct kit_frame *tls_frames;
#else
static _Thread_local struct kit_frame *tls_frames;
#endif

static wbemev_testkit_provider *kit_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, wbemev_testkit_provider, base);
}

static size_t frames_on_this_thread(const wbemev_testkit_provider *k)
{
    size_t n = 0;
    for (const struct kit_frame *f = tls_frames; f != NULL; f = f->outer)
        n += f->provider == k;
    return n;
}

/* Under k->lock: waits until the only indicate calls in progress are `mine`, this thread's own. */
static void wait_for_other_indicates(wbemev_testkit_provider *k, size_t mine)
{
    while (k->indicating > mine)
        testkit_cond_wait(&k->idle, &k->lock);
}

static void kit_drop_hold(wbemev_testkit_provider *k)
{
    if (atomic_fetch_sub_explicit(&k->holds, 1, memory_order_acq_rel) != 1)
        return;
    testkit_cond_destroy(&k->idle);
    testkit_lock_destroy(&k->lock);
    free(k->queries);
    free(k);
}

static void kit_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add_explicit(&kit_from(p)->refs, 1, memory_order_relaxed);
}

static void kit_release(wbemev_provider_t *p)
{
    wbemev_testkit_provider *k = kit_from(p);
    if (atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) != 1)
        return;
    /* The final Release stops the provider. Its "threads" are the test's indicate calls: no new one
     * takes the sink from now on, and those in progress on other threads are waited for (the host
     * answers them WBEMEV_E_CALL_CANCELLED by now); then the sink goes. */
    size_t mine = frames_on_this_thread(k);
    testkit_lock_acquire(&k->lock);
    k->stopped = true;
    wait_for_other_indicates(k, mine);
    wbemev_sink_t *sink = k->sink;
    k->sink = NULL;
    /* Still in use further up this thread's stack: released on the way out. */
    if (mine > 0 && sink != NULL && k->orphan == NULL) {
        k->orphan = sink;
        sink = NULL;
    }
    testkit_lock_release(&k->lock);
    if (sink != NULL)
        wbemev_sink_release(sink);
    kit_drop_hold(k);
}

static wbemev_status kit_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    (void)flags;
    wbemev_testkit_provider *k = kit_from(p);
    if (sink == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_sink_add_ref(sink);
    size_t mine = frames_on_this_thread(k);
    testkit_lock_acquire(&k->lock);
    /* A second ProvideEvents (registered again under a reference the test kept) replaces the sink,
     * once the calls other threads make through the old one have returned (it is cancelled: they
     * return at once). */
    wait_for_other_indicates(k, mine);
    wbemev_sink_t *old = k->sink;
    if (old != NULL && mine > 0 && k->orphan == NULL) { /* in use further up this thread's stack */
        k->orphan = old;
        old = NULL;
    }
    k->sink = sink;
    k->provided = true;
    k->cancelled = false;
    testkit_lock_release(&k->lock);
    if (old != NULL)
        wbemev_sink_release(old);
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status kit_new_query(wbemev_provider_t *p, uint32_t id, const char *language, const char *query)
{
    (void)language, (void)query;
    wbemev_testkit_provider *k = kit_from(p);
    wbemev_status st = WBEMEV_S_NO_ERROR;
    testkit_lock_acquire(&k->lock);
    bool known = false;
    for (size_t i = 0; i < k->nqueries && !known; i++)
        known = k->queries[i] == id; /* a repeated NewQuery is an update */
    if (!known) {
        if (k->nqueries == k->cap) {
            size_t cap = k->cap != 0 ? k->cap * 2 : 8;
            uint32_t *q = cap <= SIZE_MAX / sizeof *q ? realloc(k->queries, cap * sizeof *q) : NULL;
            if (q == NULL) {
                st = WBEMEV_E_OUT_OF_MEMORY; /* the subscribe fails with it */
            } else {
                k->queries = q;
                k->cap = cap;
            }
        }
        if (WBEMEV_SUCCEEDED(st))
            k->queries[k->nqueries++] = id;
    }
    testkit_lock_release(&k->lock);
    return st;
}

static wbemev_status kit_cancel_query(wbemev_provider_t *p, uint32_t id)
{
    wbemev_testkit_provider *k = kit_from(p);
    testkit_lock_acquire(&k->lock);
    k->cancel_calls++;
    for (size_t i = 0; i < k->nqueries; i++) {
        if (k->queries[i] == id) { /* an unknown id is harmless */
            for (size_t j = i + 1; j < k->nqueries; j++)
                k->queries[j - 1] = k->queries[j];
            k->nqueries--;
            break;
        }
    }
    testkit_lock_release(&k->lock);
    return WBEMEV_S_NO_ERROR;
}

static const wbemev_provider_vtbl kit_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION,
    kit_add_ref,
    kit_release,
    NULL, /* initialize: ready at once */
    kit_provide_events,
    kit_new_query,
    kit_cancel_query,
    NULL, /* access_check: every consumer is admitted */
};

/* ---- the test's side ---- */

wbemev_status wbemev_testkit_provider_new(wbemev_testkit_provider **out)
{
    if (out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    wbemev_testkit_provider *k = calloc(1, sizeof *k);
    if (k == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    k->base.vtbl = &kit_vtbl;
    atomic_init(&k->refs, 1);  /* the creator's reference */
    atomic_init(&k->holds, 2); /* the handle, and the references until the final Release */
    testkit_lock_init(&k->lock);
    testkit_cond_init(&k->idle);
    *out = k;
    return WBEMEV_S_NO_ERROR;
}

void wbemev_testkit_provider_free(wbemev_testkit_provider *p)
{
    if (p != NULL)
        kit_drop_hold(p);
}

wbemev_provider_t *wbemev_testkit_provider_base(wbemev_testkit_provider *p)
{
    return p != NULL ? &p->base : NULL;
}

wbemev_status wbemev_testkit_provider_indicate(wbemev_testkit_provider *p, int32_t count,
                                               wbemev_object_t *const *objects)
{
    if (p == NULL || count < 0 || (count > 0 && objects == NULL))
        return WBEMEV_E_INVALID_PARAMETER;
    testkit_lock_acquire(&p->lock);
    wbemev_sink_t *sink = NULL;
    wbemev_status st = WBEMEV_S_NO_ERROR;
    if (p->stopped || p->cancelled) {
        st = WBEMEV_E_CALL_CANCELLED; /* stop on WBEMEV_E_CALL_CANCELLED: the sink is not called again */
    } else if (p->sink == NULL) {
        st = WBEMEV_E_NOT_AVAILABLE; /* no ProvideEvents yet */
    } else {
        sink = p->sink; /* the provider's own reference: the final Release waits for this call */
        p->indicating++;
        atomic_fetch_add_explicit(&p->holds, 1, memory_order_relaxed);
    }
    testkit_lock_release(&p->lock);
    if (sink == NULL)
        return st;

    struct kit_frame frame = {p, tls_frames};
    tls_frames = &frame;
    st = wbemev_sink_indicate(sink, count, objects); /* without the lock: the host's requests get in */
    tls_frames = frame.outer;

    testkit_lock_acquire(&p->lock);
    if (st == WBEMEV_E_CALL_CANCELLED)
        p->cancelled = true;
    wbemev_sink_t *orphan = NULL;
    if (--p->indicating == 0) {
        orphan = p->orphan;
        p->orphan = NULL;
    }
    testkit_cond_broadcast(&p->idle);
    testkit_lock_release(&p->lock);
    if (orphan != NULL)
        wbemev_sink_release(orphan);
    kit_drop_hold(p);
    return st;
}

wbemev_status wbemev_testkit_provider_indicate1(wbemev_testkit_provider *p, wbemev_object_t *object)
{
    if (object == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    return wbemev_testkit_provider_indicate(p, 1, &object);
}

size_t wbemev_testkit_provider_query_count(wbemev_testkit_provider *p)
{
    if (p == NULL)
        return 0;
    testkit_lock_acquire(&p->lock);
    size_t n = p->nqueries;
    testkit_lock_release(&p->lock);
    return n;
}

wbemev_status wbemev_testkit_provider_query_at(wbemev_testkit_provider *p, size_t index, uint32_t *out)
{
    if (p == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    testkit_lock_acquire(&p->lock);
    bool found = index < p->nqueries;
    if (found)
        *out = p->queries[index];
    testkit_lock_release(&p->lock);
    return found ? WBEMEV_S_NO_ERROR : WBEMEV_E_INVALID_PARAMETER;
}

bool wbemev_testkit_provider_has_query(wbemev_testkit_provider *p, uint32_t id)
{
    if (p == NULL)
        return false;
    testkit_lock_acquire(&p->lock);
    bool found = false;
    for (size_t i = 0; i < p->nqueries && !found; i++)
        found = p->queries[i] == id;
    testkit_lock_release(&p->lock);
    return found;
}

size_t wbemev_testkit_provider_cancelled(wbemev_testkit_provider *p)
{
    if (p == NULL)
        return 0;
    testkit_lock_acquire(&p->lock);
    size_t n = p->cancel_calls;
    testkit_lock_release(&p->lock);
    return n;
}

bool wbemev_testkit_provider_provided(wbemev_testkit_provider *p)
{
    if (p == NULL)
        return false;
    testkit_lock_acquire(&p->lock);
    bool provided = p->provided;
    testkit_lock_release(&p->lock);
    return provided;
}

bool wbemev_testkit_provider_stopped(wbemev_testkit_provider *p)
{
    if (p == NULL)
        return false;
    testkit_lock_acquire(&p->lock);
    bool stopped = p->stopped;
    testkit_lock_release(&p->lock);
    return stopped;
}
