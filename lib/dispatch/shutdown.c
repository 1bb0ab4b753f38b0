/*
 * lib/dispatch/shutdown.c: the shutdown sequence (wbemev_dispatcher_shutdown_deadline), run on a
 * thread of its own so that its caller waits no longer than the deadline for code that is not the
 * dispatcher's.
 *
 * Before each step that calls a provider or a consumer, or waits for one of their calls in
 * progress, the sequence says what it waits for: the watch. The caller waits for the sequence to
 * finish, and gives up on a watch that has outlasted both the deadline and the call limit of whom
 * it waits for (provider_call_limit_ms, consumer_call_limit_ms: shutdown never calls hung a call
 * the contract lets run). It then reports CALL_OVERRAN_SHUTDOWN and returns WBEMEV_E_TIMED_OUT.
 * The sequence goes on by itself and finishes once the call returns; destroy waits for that, so
 * nothing is freed under a running call.
 *
 * Lock: sd->mu (the watch, done), never held across user code; the checker's lock is taken inside
 * it to report.
 */
#include "dispatch/dispatch.h"

/* What the sequence is waiting for. Strings borrowed: the sequence keeps their owners alive until
 * it clears the watch. */
struct watch {
    bool active;
    bool reported;         /* CALL_OVERRAN_SHUTDOWN was recorded for this watch */
    const char *provider;  /* a provider's name, "(dispatcher)" for a thread, NULL: a consumer */
    uint32_t subscription; /* the consumer's */
    const char *query;     /* the consumer's subscription query */
    const char *call;      /* a static string: "ProvideEvents", "Indicate", ... */
    uint64_t since, limit_ns; /* real time */
};

struct wbemev__shutdown {
    wbemev_dispatcher_t *d;
    wbemev__mutex mu;
    wbemev__cond cv; /* the watch changed, or the sequence is done */
    struct watch watch;
    uint64_t drain_deadline; /* real time: queues drain until then */
    bool done;
    bool threaded; /* the sequence runs on `thread`, joined by destroy */
    wbemev__thread thread;
};

/* The dispatcher whose sequence this thread runs (a provider's Release calling shutdown must not
 * wait for itself). */
static WBEMEV__THREAD_LOCAL const wbemev_dispatcher_t *tls_sequence_of;

static uint64_t deadline_after(uint64_t now, uint64_t ns)
{
    return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

/* ------------------------------------------------------------------------------------------------
 * The watch (on the sequence's thread; sd NULL: the sequence runs on the caller's thread, unwatched)
 */
static void watch_set(struct wbemev__shutdown *sd, struct watch w)
{
    if (sd == NULL)
        return;
    w.active = true;
    w.since = wbemev__clock_monotonic_ns();
    wbemev__mutex_lock(&sd->mu);
    sd->watch = w;
    wbemev__cond_broadcast(&sd->cv);
    wbemev__mutex_unlock(&sd->mu);
}

static void watch_end(struct wbemev__shutdown *sd)
{
    if (sd == NULL)
        return;
    wbemev__mutex_lock(&sd->mu);
    sd->watch = (struct watch){0};
    wbemev__cond_broadcast(&sd->cv);
    wbemev__mutex_unlock(&sd->mu);
}

static void watch_provider(struct wbemev__shutdown *sd, struct wbemev__reg *reg, const char *call)
{
    watch_set(sd, (struct watch){.provider = reg->name, .call = call, .limit_ns = reg->d->checker.provider_limit_ns});
}

static void watch_consumer(struct wbemev__shutdown *sd, struct wbemev__sub *sub, const char *call)
{
    watch_set(sd, (struct watch){.subscription = sub->id,
                                 .query = wbemev_query_text(sub->query),
                                 .call = call,
                                 .limit_ns = sub->d->checker.consumer_limit_ns});
}

/* A thread of the dispatcher's own (timer, workers) that may be inside a consumer's Indicate. */
static void watch_thread(struct wbemev__shutdown *sd, const char *call)
{
    watch_set(sd, (struct watch){.provider = "(dispatcher)", .call = call,
                                 .limit_ns = sd != NULL ? sd->d->checker.consumer_limit_ns : 0});
}

/* Waiting for reg's calls and Indicates in progress: names a call into the provider if one is in
 * progress, else a synchronous consumer one of its Indicates is delivering to, else its Indicate. */
static void watch_registration(struct wbemev__shutdown *sd, struct wbemev__reg *reg, struct wbemev__sub *subs)
{
    if (sd == NULL)
        return;
    const char *call = wbemev__reg_call_in_progress(reg);
    if (call == NULL) {
        for (struct wbemev__sub *sub = subs; sub != NULL; sub = sub->next) {
            if (atomic_load(&sub->inflight) > 0) {
                watch_consumer(sd, sub, "Indicate");
                return;
            }
        }
        call = "Indicate";
    }
    watch_provider(sd, reg, call);
}

struct retired_ctx {
    struct wbemev__shutdown *sd;
    struct wbemev__sub *subs;
};

static void before_retired_wait(void *ctx, struct wbemev__reg *reg)
{
    struct retired_ctx *rc = ctx;
    watch_registration(rc->sd, reg, rc->subs);
}

/* ------------------------------------------------------------------------------------------------
 * The sequence (the order wbemev/dispatcher.h documents)
 */

/* Instances of cls still alive beyond those consumers said they keep: one occurrence each. */
static void report_live_instances(void *ctx, wbemev_class_t *cls)
{
    wbemev_dispatcher_t *d = ctx;
    size_t live = wbemev_class_live_instances(cls), held = wbemev__class_consumer_held(cls);
    for (size_t i = held; i < live; i++)
        wbemev__checker_violation(&d->checker, WBEMEV_VIOLATION_OBJECTS_LEAKED, "(dispatcher)", "shutdown",
                                  wbemev_class_name(cls));
}

/* Until no synchronous delivery to sub is in progress (it is ENDING: none starts any more). */
static void wait_inflight(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    wbemev__mutex_lock(&d->wait_lock);
    while (atomic_load(&sub->inflight) != 0)
        wbemev__cond_wait(&d->wait_cv, &d->wait_lock);
    wbemev__mutex_unlock(&d->wait_lock);
}

static void run_sequence(wbemev_dispatcher_t *d, struct wbemev__shutdown *sd, uint64_t drain_deadline)
{
    /* 1. Providers: cancel every subscription's queries, then stop (waiting for calls and Indicates
     *    in progress) and release each provider. From here their sinks answer CALL_CANCELLED. */
    wbemev__mutex_lock(&d->lock);
    struct wbemev__sub *subs = wbemev__sub_take_all(d, WBEMEV_E_SHUTTING_DOWN);
    struct wbemev__reg *regs = d->regs;
    d->regs = NULL;
    wbemev__mutex_unlock(&d->lock);
    for (struct wbemev__sub *sub = subs; sub != NULL; sub = sub->next)
        if (sub->queue != NULL)
            wbemev__queue_close(sub->queue); /* blocked producers wake; later pushes are discarded */
    for (struct wbemev__sub *sub = subs; sub != NULL; sub = sub->next) {
        for (size_t i = 0; i < sub->nregs; i++) {
            watch_provider(sd, sub->regs[i], "CancelQuery");
            wbemev__call_cancel_query(sub->regs[i], sub->id);
        }
    }
    while (regs != NULL) {
        struct wbemev__reg *next = regs->next;
        if (wbemev__reg_stop_begin(regs)) {
            watch_registration(sd, regs, subs);
            wbemev__reg_stop_wait(regs);
            watch_provider(sd, regs, "Release");
            wbemev__reg_stop_finish(regs);
        }
        watch_end(sd);
        wbemev__reg_release(regs); /* the list's reference */
        regs = next;
    }
    struct retired_ctx rc = {sd, subs};
    wbemev__regs_wait_retired(d, before_retired_wait, &rc);
    watch_end(sd);

    /* 2. No Indicate is in progress now: drop the index and stop the timers (open aggregation
     *    windows are abandoned; the timer thread may be delivering an aggregate). Queues drain
     *    until the deadline. */
    wbemev__mutex_lock(&d->lock);
    wbemev__index_publish(&d->index, NULL);
    wbemev__mutex_unlock(&d->lock);
    watch_thread(sd, "Indicate (timer thread)");
    wbemev__timers_stop(d);
    watch_end(sd);
    uint64_t now = wbemev__clock_monotonic_ns();
    wbemev__pool_wait_idle(d, drain_deadline > now ? drain_deadline - now : 0);

    /* 3. End each consumer exactly once (what is still queued is discarded), then join the workers.
     *    A consumer still in Indicate is waited for here, named, before its end waits for it too. */
    while (subs != NULL) {
        struct wbemev__sub *next = subs->next;
        watch_consumer(sd, subs, "Indicate");
        wait_inflight(d, subs);
        if (subs->queue != NULL)
            wbemev__pool_wait_not_running(d, subs->queue);
        watch_consumer(sd, subs, "SetStatus");
        wbemev__ref_inc(&subs->refs); /* the watch borrows its query until cleared */
        wbemev__sub_finish(d, subs);
        watch_end(sd);
        wbemev__sub_release(subs);
        subs = next;
    }
    watch_thread(sd, "Indicate (worker)");
    wbemev__pool_stop(d);
    watch_end(sd);

    /* 4. Objects of this namespace's classes still alive: leaked by someone (OBJECTS_LEAKED). A
     *    provider that still holds its sink now that every one was released (SINK_HELD_AFTER_STOP). */
    if (wbemev__checker_on(&d->checker)) {
        wbemev__namespace_foreach_class(d->ns, report_live_instances, d);
        wbemev__regs_check_retired(d);
    }
}

static void sequence_main(void *arg)
{
    struct wbemev__shutdown *sd = arg;
    const wbemev_dispatcher_t *outer = tls_sequence_of;
    tls_sequence_of = sd->d;
    run_sequence(sd->d, sd, sd->drain_deadline);
    tls_sequence_of = outer;
    wbemev__mutex_lock(&sd->mu);
    sd->done = true;
    wbemev__cond_broadcast(&sd->cv);
    wbemev__mutex_unlock(&sd->mu);
}

/* ------------------------------------------------------------------------------------------------
 * The callers
 */

/* The watch has overrun: recorded once. Called with sd->mu held. */
static void report_overrun(struct wbemev__shutdown *sd)
{
    struct watch *w = &sd->watch;
    if (w->reported)
        return;
    w->reported = true;
    struct wbemev__checker *c = &sd->d->checker;
    if (w->provider != NULL)
        wbemev__checker_violation(c, WBEMEV_VIOLATION_CALL_OVERRAN_SHUTDOWN, w->provider, w->call, NULL);
    else
        wbemev__checker_consumer_violation(c, WBEMEV_VIOLATION_CALL_OVERRAN_SHUTDOWN, w->subscription, w->query,
                                           w->call, NULL);
}

/* Waits for the sequence until it is done, or until `deadline` has passed while it waits for a
 * call that has also run past its limit. */
static wbemev_status wait_for_sequence(struct wbemev__shutdown *sd, uint64_t deadline)
{
    wbemev_status st = WBEMEV_S_NO_ERROR;
    wbemev__mutex_lock(&sd->mu);
    while (!sd->done) {
        uint64_t now = wbemev__clock_monotonic_ns(), until = deadline;
        if (sd->watch.active) {
            uint64_t limit = deadline_after(sd->watch.since, sd->watch.limit_ns);
            if (limit > until)
                until = limit;
            if (now >= until) {
                report_overrun(sd);
                st = WBEMEV_E_TIMED_OUT;
                break;
            }
        }
        if (now < until)
            wbemev__cond_timedwait(&sd->cv, &sd->mu, until - now);
        else
            wbemev__cond_wait(&sd->cv, &sd->mu); /* past the deadline, the sequence's own short work */
    }
    wbemev__mutex_unlock(&sd->mu);
    return st;
}

/* This thread is inside one of d's calls (a consumer's Indicate, a call into a provider, a worker):
 * a sequence on another thread would wait for it while it waits for the sequence. */
static bool inside_dispatcher(const wbemev_dispatcher_t *d)
{
    return wbemev__delivery_depth(d) > 0 || wbemev__inside_registration_of(d) || wbemev__on_worker_of(d);
}

wbemev_status wbemev__shutdown(wbemev_dispatcher_t *d, uint32_t deadline_ms)
{
    uint64_t deadline = deadline_after(wbemev__clock_monotonic_ns(), (uint64_t)deadline_ms * 1000000u);
    if (tls_sequence_of == d)
        return WBEMEV_S_NO_ERROR; /* from inside the sequence (a provider's Release) */
    bool inside = inside_dispatcher(d);
    struct wbemev__shutdown *sd = NULL;
    wbemev__mutex_lock(&d->lock);
    bool first = !atomic_exchange(&d->shutting_down, true);
    if (first && !inside) {
        sd = wbemev__calloc(1, sizeof *sd);
        if (sd != NULL) {
            sd->d = d;
            sd->drain_deadline = deadline;
            wbemev__mutex_init(&sd->mu);
            wbemev__cond_init(&sd->cv);
            d->shutdown = sd;
        }
    } else if (!first) {
        sd = d->shutdown;
    }
    wbemev__mutex_unlock(&d->lock);
    if (first && sd == NULL) {
        /* Inside one of d's calls, or out of memory: the sequence runs here, unbounded. */
        const wbemev_dispatcher_t *outer = tls_sequence_of;
        tls_sequence_of = d;
        run_sequence(d, NULL, deadline);
        tls_sequence_of = outer;
        return WBEMEV_S_NO_ERROR;
    }
    if (first) {
        sd->threaded = wbemev__thread_start(&sd->thread, sequence_main, sd);
        if (!sd->threaded)
            sequence_main(sd); /* no thread to be had: here, unbounded */
    }
    if (sd == NULL || inside)
        return WBEMEV_S_NO_ERROR; /* a later call from inside: waiting would wait for itself */
    return wait_for_sequence(sd, deadline);
}

void wbemev__shutdown_join(wbemev_dispatcher_t *d)
{
    struct wbemev__shutdown *sd = d->shutdown;
    if (sd == NULL)
        return;
    wbemev__mutex_lock(&sd->mu);
    while (!sd->done)
        wbemev__cond_wait(&sd->cv, &sd->mu);
    wbemev__mutex_unlock(&sd->mu);
    if (sd->threaded)
        wbemev__thread_join(&sd->thread);
    wbemev__cond_destroy(&sd->cv);
    wbemev__mutex_destroy(&sd->mu);
    wbemev__free(sd);
    d->shutdown = NULL;
}
