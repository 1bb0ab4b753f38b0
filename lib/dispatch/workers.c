/*
 * lib/dispatch/workers.c: the worker threads that run queued subscriptions. A queue with work is
 * "scheduled": on the run list, holding a reference to its subscription, until a worker has
 * emptied it. One worker at a time runs a queue, for a turn of up to 64 events, then puts it at
 * the back of the list if more is left, so a busy consumer does not starve the others. Workers
 * start with the first queued subscription. Lock: pool->mu (the run list), never held with
 * another and never across user code.
 *
 * A worker that finds the list empty watches it for a moment (IDLE_SPINS steps of a spin-wait,
 * a fraction of a millisecond) before it sleeps: a provider that indicates again within that time
 * finds it awake, and its push costs no wake-up of a sleeping thread (a system call, a tenth of
 * the time of an array of 64 events). Not on a machine with one processor, where the watch would
 * only keep the provider from running.
 */
#include "dispatch/dispatch.h"

struct wbemev__pool {
    wbemev_dispatcher_t *d;
    wbemev__mutex mu;
    wbemev__cond work_cv; /* a queue became runnable, or stop */
    wbemev__cond idle_cv; /* busy reached 0, or a turn ended while someone waits for one */
    struct wbemev__queue *head, *tail;
    atomic_bool listed; /* head != NULL, for the idle workers' watch (written under mu) */
    unsigned idle_spins; /* IDLE_SPINS, or 0 with one processor: a watch there only delays the provider */
    /* Each worker's: the queue it is running (NULL between turns); and the threads waiting for a
     * turn to end (shutdown waiting for a consumer's Indicate): a turn's end wakes them only then. */
    struct worker_slot {
        struct wbemev__pool *p;
        uint32_t index;
        const struct wbemev__queue *running;
    } *slots;
    unsigned turn_waiters;
    size_t busy; /* queues scheduled (listed or running) */
    bool stop;
    uint32_t nworkers, started;
    wbemev__thread *threads;
};

/* 0.1 to 0.3 ms, as long as the CPU's spin-wait step is: longer than a provider's usual pause
 * between two arrays, short beside the time a burst takes. */
#define IDLE_SPINS 4000u

static WBEMEV__THREAD_LOCAL const struct wbemev__pool *tls_worker_of;

bool wbemev__on_worker_of(const wbemev_dispatcher_t *d)
{
    return tls_worker_of == d->pool;
}

wbemev_status wbemev__pool_new(wbemev_dispatcher_t *d, uint32_t workers)
{
    struct wbemev__pool *p = wbemev__calloc(1, sizeof *p);
    if (p == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    p->d = d;
    p->nworkers = workers ? workers : 1;
    p->threads = wbemev__calloc(p->nworkers, sizeof *p->threads);
    p->slots = wbemev__calloc(p->nworkers, sizeof *p->slots);
    if (p->threads == NULL || p->slots == NULL) {
        wbemev__free(p->threads);
        wbemev__free(p->slots);
        wbemev__free(p);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    atomic_init(&p->listed, false);
    p->idle_spins = wbemev__cpu_count() > 1 ? IDLE_SPINS : 0;
    wbemev__mutex_init(&p->mu);
    wbemev__cond_init(&p->work_cv);
    wbemev__cond_init(&p->idle_cv);
    d->pool = p;
    return WBEMEV_S_NO_ERROR;
}

void wbemev__pool_free(wbemev_dispatcher_t *d)
{
    struct wbemev__pool *p = d->pool;
    if (p == NULL)
        return;
    wbemev__cond_destroy(&p->idle_cv);
    wbemev__cond_destroy(&p->work_cv);
    wbemev__mutex_destroy(&p->mu);
    wbemev__free(p->threads);
    wbemev__free(p->slots);
    wbemev__free(p);
    d->pool = NULL;
}

#define NOT_A_WORKER UINT32_MAX

/* Marks what worker `index` runs; at the end of a turn (q NULL) wakes those waiting for one. Called
 * with p->mu held. */
static void set_running(struct wbemev__pool *p, uint32_t index, const struct wbemev__queue *q)
{
    p->slots[index].running = q;
    if (q == NULL && p->turn_waiters > 0)
        wbemev__cond_broadcast(&p->idle_cv);
}

/* Appends a queue that was just marked scheduled (its subscription reference taken); `worker`
 * (or NOT_A_WORKER) ended its turn on it. */
static void pool_append(struct wbemev__pool *p, struct wbemev__queue *q, bool new_busy, uint32_t worker)
{
    wbemev__mutex_lock(&p->mu);
    if (worker != NOT_A_WORKER)
        set_running(p, worker, NULL);
    *wbemev__queue_run_link(q) = NULL;
    if (p->tail != NULL)
        *wbemev__queue_run_link(p->tail) = q;
    else
        p->head = q;
    p->tail = q;
    atomic_store_explicit(&p->listed, true, memory_order_relaxed);
    if (new_busy)
        p->busy++;
    wbemev__cond_signal(&p->work_cv);
    wbemev__mutex_unlock(&p->mu);
}

void wbemev__pool_schedule(struct wbemev__pool *p, struct wbemev__queue *q)
{
    pool_append(p, q, true, NOT_A_WORKER);
}

/* Worker `worker` ended its turn on a queue that is done. */
static void pool_unbusy(struct wbemev__pool *p, uint32_t worker)
{
    wbemev__mutex_lock(&p->mu);
    set_running(p, worker, NULL);
    if (--p->busy == 0)
        wbemev__cond_broadcast(&p->idle_cv);
    wbemev__mutex_unlock(&p->mu);
}

static void worker_main(void *arg)
{
    struct worker_slot *slot = arg;
    struct wbemev__pool *p = slot->p;
    uint32_t index = slot->index;
    tls_worker_of = p;
    for (;;) {
        wbemev__mutex_lock(&p->mu);
        if (p->head == NULL && !p->stop) {
            wbemev__mutex_unlock(&p->mu);
            for (unsigned i = 0; i < p->idle_spins && !atomic_load_explicit(&p->listed, memory_order_relaxed); i++)
                wbemev__cpu_relax();
            wbemev__mutex_lock(&p->mu);
        }
        while (p->head == NULL && !p->stop)
            wbemev__cond_wait(&p->work_cv, &p->mu);
        struct wbemev__queue *q = p->head;
        if (q == NULL) {
            wbemev__mutex_unlock(&p->mu);
            break;
        }
        p->head = *wbemev__queue_run_link(q);
        if (p->head == NULL) {
            p->tail = NULL;
            atomic_store_explicit(&p->listed, false, memory_order_relaxed);
        }
        set_running(p, index, q);
        wbemev__mutex_unlock(&p->mu);
        struct wbemev__sub *sub = wbemev__queue_sub(q);
        if (wbemev__queue_run_some(q, 64)) {
            pool_append(p, q, false, index); /* more to do: back of the line, still busy */
        } else {
            wbemev__sub_release(sub); /* the run list's reference; may free q */
            pool_unbusy(p, index);    /* after: wait_idle then sees the subscription freed */
        }
    }
    tls_worker_of = NULL;
}

wbemev_status wbemev__pool_start(struct wbemev__pool *p)
{
    wbemev_status st = WBEMEV_S_NO_ERROR;
    wbemev__mutex_lock(&p->mu);
    if (p->stop)
        st = WBEMEV_E_SHUTTING_DOWN;
    while (WBEMEV_SUCCEEDED(st) && p->started < p->nworkers) {
        struct worker_slot *slot = &p->slots[p->started];
        *slot = (struct worker_slot){p, p->started, NULL};
        if (!wbemev__thread_start(&p->threads[p->started], worker_main, slot)) {
            if (p->started == 0)
                st = WBEMEV_E_OUT_OF_MEMORY;
            p->nworkers = p->started; /* fewer workers than asked: still correct */
            break;
        }
        p->started++;
    }
    wbemev__mutex_unlock(&p->mu);
    return st;
}

wbemev_status wbemev__pool_wait_idle(wbemev_dispatcher_t *d, uint64_t timeout_ns)
{
    struct wbemev__pool *p = d->pool;
    uint64_t deadline = wbemev__clock_monotonic_ns() + timeout_ns;
    bool idle = true;
    wbemev__mutex_lock(&p->mu);
    while (p->busy > 0) {
        uint64_t now = wbemev__clock_monotonic_ns();
        if (now >= deadline) {
            idle = false;
            break;
        }
        wbemev__cond_timedwait(&p->idle_cv, &p->mu, deadline - now);
    }
    wbemev__mutex_unlock(&p->mu);
    return idle ? WBEMEV_S_NO_ERROR : WBEMEV_E_TIMED_OUT;
}

static bool is_running(const struct wbemev__pool *p, const struct wbemev__queue *q)
{
    for (uint32_t i = 0; i < p->started; i++)
        if (p->slots[i].running == q)
            return true;
    return false;
}

void wbemev__pool_wait_not_running(wbemev_dispatcher_t *d, const struct wbemev__queue *q)
{
    struct wbemev__pool *p = d->pool;
    wbemev__mutex_lock(&p->mu);
    p->turn_waiters++;
    while (is_running(p, q))
        wbemev__cond_wait(&p->idle_cv, &p->mu);
    p->turn_waiters--;
    wbemev__mutex_unlock(&p->mu);
}

void wbemev__pool_stop(wbemev_dispatcher_t *d)
{
    struct wbemev__pool *p = d->pool;
    wbemev__mutex_lock(&p->mu);
    p->stop = true;
    wbemev__cond_broadcast(&p->work_cv);
    uint32_t n = p->started;
    p->started = 0;
    wbemev__mutex_unlock(&p->mu);
    /* Queues still listed are ended: workers run through them without delivering, then exit. */
    for (uint32_t i = 0; i < n; i++)
        wbemev__thread_join(&p->threads[i]);
}
