/*
 * lib/dispatch/timers.c: what closes GROUP WITHIN windows. wbemev_dispatcher_tick closes every
 * window that is due; unless the dispatcher has manual timers, so does the timer thread (started
 * with the first GROUP WITHIN subscription), which sleeps until the earliest window ends. Lock:
 * t->mu (the list of subscriptions with windows and the thread's sleep), never held across user
 * code or with a window's lock taken first.
 */
#include "dispatch/dispatch.h"

struct wbemev__timers {
    wbemev_dispatcher_t *d;
    wbemev__mutex mu;
    wbemev__cond cv;
    struct wbemev__sub **subs; /* a reference each */
    size_t n, cap;
    bool manual;
    bool stop;
    bool started;
    wbemev__thread thread;
};

wbemev_status wbemev__timers_new(wbemev_dispatcher_t *d, bool manual)
{
    struct wbemev__timers *t = wbemev__calloc(1, sizeof *t);
    if (t == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__mutex_init(&t->mu);
    wbemev__cond_init(&t->cv);
    t->d = d;
    t->manual = manual;
    d->timers = t;
    return WBEMEV_S_NO_ERROR;
}

void wbemev__timers_free(wbemev_dispatcher_t *d)
{
    struct wbemev__timers *t = d->timers;
    if (t == NULL)
        return;
    wbemev__free(t->subs); /* empty: every subscription left the list when it ended */
    wbemev__cond_destroy(&t->cv);
    wbemev__mutex_destroy(&t->mu);
    wbemev__free(t);
    d->timers = NULL;
}

void wbemev__timers_wake(struct wbemev__timers *t)
{
    if (t->manual)
        return;
    wbemev__mutex_lock(&t->mu);
    wbemev__cond_signal(&t->cv);
    wbemev__mutex_unlock(&t->mu);
}

size_t wbemev__timers_tick(wbemev_dispatcher_t *d)
{
    struct wbemev__timers *t = d->timers;
    uint64_t now = wbemev__now(d);
    /* Take a reference on each listed subscription, then flush outside the list lock. */
    wbemev__mutex_lock(&t->mu);
    size_t n = t->n;
    struct wbemev__sub **subs = n ? wbemev__calloc(n, sizeof *subs) : NULL;
    size_t k = 0;
    for (size_t i = 0; subs != NULL && i < n; i++) {
        wbemev__ref_inc(&t->subs[i]->refs);
        subs[k++] = t->subs[i];
    }
    wbemev__mutex_unlock(&t->mu);
    size_t produced = 0;
    for (size_t i = 0; i < k; i++) {
        produced += wbemev__agg_flush(subs[i]->agg, now);
        wbemev__sub_release(subs[i]);
    }
    wbemev__free(subs);
    return produced;
}

/* The earliest open window's end, or UINT64_MAX. Called with t->mu held. */
static uint64_t next_due(struct wbemev__timers *t)
{
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < t->n; i++) {
        uint64_t due = wbemev__agg_due(t->subs[i]->agg);
        if (due < next)
            next = due;
    }
    return next;
}

static void timer_main(void *arg)
{
    struct wbemev__timers *t = arg;
    wbemev_dispatcher_t *d = t->d;
    wbemev__mutex_lock(&t->mu);
    while (!t->stop) {
        uint64_t due = next_due(t);
        uint64_t now = wbemev__now(d);
        if (due > now) {
            /* Sleep until the earliest window ends (or a new window opens, or stop). */
            if (due == UINT64_MAX)
                wbemev__cond_wait(&t->cv, &t->mu);
            else
                wbemev__cond_timedwait(&t->cv, &t->mu, due - now);
            continue;
        }
        wbemev__mutex_unlock(&t->mu);
        wbemev__timers_tick(d);
        wbemev__mutex_lock(&t->mu);
    }
    wbemev__mutex_unlock(&t->mu);
}

/* Room for one more subscription on the list; called with t->mu held. */
static bool list_reserve(struct wbemev__timers *t)
{
    if (t->n < t->cap)
        return true;
    size_t cap = t->cap ? t->cap * 2 : 8;
    struct wbemev__sub **v = wbemev__realloc(t->subs, cap * sizeof *v);
    if (v == NULL)
        return false;
    t->subs = v;
    t->cap = cap;
    return true;
}

wbemev_status wbemev__timers_add(struct wbemev__timers *t, struct wbemev__sub *sub)
{
    wbemev_status st = WBEMEV_S_NO_ERROR;
    wbemev__mutex_lock(&t->mu);
    if (t->stop)
        st = WBEMEV_E_SHUTTING_DOWN;
    else if (!list_reserve(t))
        st = WBEMEV_E_OUT_OF_MEMORY;
    else if (!t->manual && !t->started && !(t->started = wbemev__thread_start(&t->thread, timer_main, t)))
        st = WBEMEV_E_OUT_OF_MEMORY;
    if (WBEMEV_SUCCEEDED(st)) {
        wbemev__ref_inc(&sub->refs);
        t->subs[t->n++] = sub;
    }
    wbemev__mutex_unlock(&t->mu);
    return st;
}

bool wbemev__timers_remove(struct wbemev__timers *t, struct wbemev__sub *sub)
{
    bool found = false;
    wbemev__mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n; i++) {
        if (t->subs[i] == sub) {
            t->subs[i] = t->subs[--t->n];
            found = true;
            break;
        }
    }
    wbemev__mutex_unlock(&t->mu);
    if (found)
        wbemev__sub_release(sub); /* the list's reference */
    return found;
}

void wbemev__timers_stop(wbemev_dispatcher_t *d)
{
    struct wbemev__timers *t = d->timers;
    wbemev__mutex_lock(&t->mu);
    t->stop = true;
    wbemev__cond_broadcast(&t->cv);
    bool started = t->started;
    t->started = false;
    wbemev__mutex_unlock(&t->mu);
    if (started)
        wbemev__thread_join(&t->thread);
}
