/*
 * lib/dispatch/subscription.c: a subscription's life: made (its query compiled, its queue and
 * windows), listed, and ended exactly once. Whoever ends it (unsubscribe, a failing consumer,
 * shutdown) goes through the same two halves: end_begin marks it ENDING under d->lock and takes it
 * off the list; sub_finish cancels its queries with the providers, waits for deliveries in
 * progress, drains its queue and sends the consumer its one final SetStatus. A thread that is
 * delivering defers the second half until its delivery unwinds.
 */
#include "dispatch/dispatch.h"

/* The subscription ends this thread deferred while delivering. */
static WBEMEV__THREAD_LOCAL struct wbemev__sub *tls_deferred;
/* Its address tells the threads apart (which one is ending a subscription). */
static WBEMEV__THREAD_LOCAL char tls_thread_token;

/* The events the filter index kept from an indexed subscription: rejected by its WHERE without
 * being looked at, so counted filtered (dispatch.h). Frozen when it ends. */
static uint64_t index_filtered(struct wbemev__sub *sub)
{
    if (!sub->indexed)
        return 0;
    uint64_t routed, evaluated;
    if (atomic_load_explicit(&sub->stats_frozen, memory_order_acquire)) {
        routed = sub->routed_final;
        evaluated = sub->evaluated_final;
    } else {
        evaluated = atomic_load_explicit(&sub->evaluated, memory_order_relaxed);
        routed = wbemev__index_routed(sub->d, sub);
    }
    return routed > evaluated ? routed - evaluated : 0;
}

void wbemev__sub_read_stats(struct wbemev__sub *sub, wbemev_subscription_stats *out)
{
    wbemev_subscription_stats o = {0};
    o.delivered = atomic_load(&sub->delivered);
    o.filtered = atomic_load(&sub->filtered) + index_filtered(sub);
    o.indicated = atomic_load(&sub->indicated);
    o.dropped = atomic_load(&sub->dropped);
    o.discarded = atomic_load(&sub->discarded);
    o.refused = atomic_load(&sub->refused);
    o.grouped = atomic_load(&sub->grouped);
    if (sub->queue != NULL)
        wbemev__queue_stats(sub->queue, &o.queued, &o.queued_high);
    *out = o;
}

/* keep_final_stats: keeps the counters of a subscription being freed (best effort: out of memory
 * they are not kept, and the subscription reads as not found). It leaves the ended list in the same
 * hold of finals_lock, so a reader finds it in one place or the other. */
static void record_final(wbemev_dispatcher_t *d, struct wbemev__sub *sub, uint32_t id, const wbemev_subscription_stats *st)
{
    wbemev__mutex_lock(&d->finals_lock);
    if (sub->held) {
        for (struct wbemev__sub **pp = &d->index.ended; *pp != NULL; pp = &(*pp)->held_next) {
            if (*pp == sub) {
                *pp = sub->held_next;
                break;
            }
        }
        sub->held = false;
    }
    if (d->nfinals == d->capfinals) {
        size_t cap = d->capfinals ? d->capfinals * 2 : 16;
        struct wbemev__final_stats *v = wbemev__realloc(d->finals, cap * sizeof *v);
        if (v != NULL) {
            d->finals = v;
            d->capfinals = cap;
        }
    }
    if (d->nfinals < d->capfinals)
        d->finals[d->nfinals++] = (struct wbemev__final_stats){id, *st};
    wbemev__mutex_unlock(&d->finals_lock);
}

bool wbemev__sub_final_stats(wbemev_dispatcher_t *d, uint32_t id, wbemev_subscription_stats *out)
{
    bool found = false;
    wbemev__mutex_lock(&d->finals_lock);
    /* Ended but not yet freed: an older snapshot still holds it; its counters are read live. */
    for (struct wbemev__sub *s = d->index.ended; s != NULL && !found; s = s->held_next) {
        if (s->id == id) {
            wbemev__sub_read_stats(s, out);
            found = true;
        }
    }
    for (size_t i = d->nfinals; !found && i-- > 0;) {
        if (d->finals[i].id == id) {
            *out = d->finals[i].st;
            found = true;
            break;
        }
    }
    wbemev__mutex_unlock(&d->finals_lock);
    return found;
}

static void sub_free(struct wbemev__sub *sub)
{
    if (sub->d->keep_final_stats && sub->id != 0 && sub->consumer == NULL && sub->end_status != 0) {
        wbemev_subscription_stats o;
        wbemev__sub_read_stats(sub, &o);
        record_final(sub->d, sub, sub->id, &o);
    }
    for (size_t i = 0; i < sub->nregs; i++)
        wbemev__reg_release(sub->regs[i]);
    wbemev__free(sub->regs);
    wbemev__free(sub->terms);
    if (sub->query != NULL)
        wbemev_query_release(sub->query);
    wbemev__agg_free(sub->agg);
    wbemev__queue_free(sub->queue);
    wbemev__free(sub->sid);
    wbemev__free(sub);
}

void wbemev__sub_release(struct wbemev__sub *sub)
{
    if (sub != NULL && wbemev__ref_dec(&sub->refs))
        sub_free(sub);
}

wbemev_status wbemev__sub_add_reg(struct wbemev__sub *sub, struct wbemev__reg *reg)
{
    for (size_t i = 0; i < sub->nregs; i++)
        if (sub->regs[i] == reg)
            return WBEMEV_S_FALSE;
    struct wbemev__reg **v = wbemev__realloc(sub->regs, (sub->nregs + 1) * sizeof *v);
    if (v == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    sub->regs = v;
    sub->regs[sub->nregs++] = reg;
    wbemev__ref_inc(&reg->refs);
    return WBEMEV_S_NO_ERROR;
}

/* Takes sub off d->subs and the id table. Called with d->lock held, sub listed. */
static void unlink_sub(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    if (sub->prev != NULL)
        sub->prev->next = sub->next;
    else
        d->subs = sub->next;
    if (sub->next != NULL)
        sub->next->prev = sub->prev;
    sub->next = sub->prev = NULL;
    d->nsubs--;
    wbemev__index_id_remove(d, sub);
}

struct wbemev__sub *wbemev__sub_find(wbemev_dispatcher_t *d, uint32_t id)
{
    return wbemev__index_id_find(d, id);
}

/* Marks sub ENDING, by this thread, and puts it on d->ending. Called with d->lock held; false when
 * it was not active. */
static bool end_begin(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_status status)
{
    int expected = SUB_ACTIVE;
    if (!atomic_compare_exchange_strong(&sub->state, &expected, SUB_ENDING))
        return false;
    sub->end_status = status;
    /* Its filtered count stops here: the index may go on routing events past it until its layers
     * are rebuilt. Still listed, so the current snapshot holds it. */
    if (sub->indexed) {
        sub->routed_final = wbemev__index_routed(d, sub);
        sub->evaluated_final = atomic_load_explicit(&sub->evaluated, memory_order_relaxed);
        atomic_store_explicit(&sub->stats_frozen, true, memory_order_release);
    }
    sub->ender = &tls_thread_token;
    sub->ending_next = d->ending;
    d->ending = sub;
    return true;
}

/* The consumer has had its final SetStatus: off d->ending, and an unsubscribe waiting for this end
 * (wait_for_end) may return. */
static void end_done(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    wbemev__mutex_lock(&d->lock);
    for (struct wbemev__sub **pp = &d->ending; *pp != NULL; pp = &(*pp)->ending_next) {
        if (*pp == sub) {
            *pp = sub->ending_next;
            break;
        }
    }
    wbemev__mutex_unlock(&d->lock);
    wbemev__mutex_lock(&d->wait_lock);
    sub->finished = true;
    wbemev__cond_broadcast(&d->wait_cv);
    wbemev__mutex_unlock(&d->wait_lock);
}

void wbemev__sub_finish(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    for (size_t i = 0; i < sub->nregs; i++)
        wbemev__call_cancel_query(sub->regs[i], sub->id);
    /* Wait until no delivery to it is in progress (it is ENDING: none starts any more). */
    wbemev__mutex_lock(&d->wait_lock);
    while (atomic_load(&sub->inflight) != 0)
        wbemev__cond_wait(&d->wait_cv, &d->wait_lock);
    wbemev__mutex_unlock(&d->wait_lock);
    if (sub->agg != NULL)
        wbemev__agg_close(sub->agg); /* open windows are abandoned */
    if (sub->queue != NULL)
        wbemev__queue_end(sub->queue); /* waits for its runner; discards what is queued */
    wbemev_sink_t *consumer = sub->consumer;
    sub->consumer = NULL;
    wbemev_sink_set_status(consumer, WBEMEV_STATUS_COMPLETE, sub->end_status, NULL, NULL);
    wbemev_sink_release(consumer);
    end_done(d, sub);
    if (d->keep_final_stats) { /* readable as ended until it is freed (record_final) */
        wbemev__mutex_lock(&d->finals_lock);
        sub->held = true;
        sub->held_next = d->index.ended;
        d->index.ended = sub;
        wbemev__mutex_unlock(&d->finals_lock);
    }
    wbemev__sub_release(sub); /* the list's reference */
}

/* The first half of ending a subscription, under d->lock: marks it ENDING (see end_begin) and takes
 * it out of the listing, so that it is always either listed or on d->ending until its end is done
 * (an unsubscribe looks in both). False when it was not active. */
static bool end_and_unlist(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_status status)
{
    if (!end_begin(d, sub, status))
        return false;
    unlink_sub(d, sub);
    /* The snapshots keep the subscription until the index is next rebuilt; delivery skips it
     * because it is ENDING, and sub_finish waits only for deliveries in progress (sub->inflight),
     * not for snapshots to go. */
    wbemev__index_removed(d, sub);
    return true;
}

/* The second half, without d->lock: now, or when this thread's delivery returns. */
static void end_finish_or_defer(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    if (wbemev__delivery_depth(d) > 0) {
        /* This thread is delivering (maybe to this subscription): waiting would wait for itself. */
        sub->defer_next = tls_deferred;
        tls_deferred = sub;
        return;
    }
    wbemev__sub_finish(d, sub);
}

bool wbemev__sub_end(wbemev_dispatcher_t *d, struct wbemev__sub *sub, wbemev_status status)
{
    wbemev__mutex_lock(&d->lock);
    bool ending = end_and_unlist(d, sub, status);
    wbemev__mutex_unlock(&d->lock);
    if (ending)
        end_finish_or_defer(d, sub);
    return ending;
}

void wbemev__run_deferred_ends(wbemev_dispatcher_t *d)
{
    struct wbemev__sub **pp = &tls_deferred;
    while (*pp != NULL) {
        struct wbemev__sub *sub = *pp;
        if (sub->d != d) { /* deferred inside a delivery of another dispatcher */
            pp = &sub->defer_next;
            continue;
        }
        *pp = sub->defer_next;
        sub->defer_next = NULL;
        wbemev__sub_finish(d, sub);
    }
}

/* Subscription `id` is not listed: if another thread is ending it (a worker cancelling a failed
 * consumer, say), waits until its final SetStatus went out, so that "not found" means ended. Not
 * when this thread is delivering, or is the one ending it (that would wait for itself). */
static void wait_for_end(wbemev_dispatcher_t *d, uint32_t id)
{
    if (wbemev__delivery_depth(d) > 0)
        return;
    wbemev__mutex_lock(&d->lock);
    struct wbemev__sub *sub = d->ending;
    while (sub != NULL && sub->id != id)
        sub = sub->ending_next;
    if (sub != NULL && sub->ender != &tls_thread_token)
        wbemev__ref_inc(&sub->refs);
    else
        sub = NULL;
    wbemev__mutex_unlock(&d->lock);
    if (sub == NULL)
        return;
    wbemev__mutex_lock(&d->wait_lock);
    while (!sub->finished)
        wbemev__cond_wait(&d->wait_cv, &d->wait_lock);
    wbemev__mutex_unlock(&d->wait_lock);
    wbemev__sub_release(sub);
}

wbemev_status wbemev__sub_end_id(wbemev_dispatcher_t *d, uint32_t id, wbemev_status status)
{
    /* Found and marked in one hold of d->lock: another thread (a worker ending a failed consumer)
     * cannot begin ending it in between, leaving this call to return before that end is done. */
    wbemev__mutex_lock(&d->lock);
    struct wbemev__sub *sub = wbemev__sub_find(d, id);
    bool ending = sub != NULL && end_and_unlist(d, sub, status);
    wbemev__mutex_unlock(&d->lock);
    if (ending) {
        end_finish_or_defer(d, sub); /* the list's reference keeps sub until it is finished */
        return WBEMEV_S_NO_ERROR;
    }
    wait_for_end(d, id);
    return WBEMEV_E_NOT_FOUND;
}

struct wbemev__sub *wbemev__sub_take_all(wbemev_dispatcher_t *d, wbemev_status status)
{
    struct wbemev__sub *subs = d->subs;
    for (struct wbemev__sub *sub = subs; sub != NULL; sub = sub->next) {
        wbemev__index_id_remove(d, sub);
        sub->prev = NULL;
    }
    d->subs = NULL;
    d->nsubs = 0;
    /* Keep the subscriptions this call ends; one that another thread is ending (unsubscribe, a
     * failed consumer) is finished by that thread, which also drops the list's reference. */
    for (struct wbemev__sub **pp = &subs; *pp != NULL;) {
        struct wbemev__sub *sub = *pp;
        if (end_begin(d, sub, status))
            pp = &sub->next;
        else
            *pp = sub->next;
    }
    return subs;
}

wbemev_status wbemev__sub_link(wbemev_dispatcher_t *d, struct wbemev__sub *sub)
{
    if (atomic_load(&d->shutting_down))
        return WBEMEV_E_SHUTTING_DOWN;
    wbemev_status st = wbemev__index_id_add(d, sub);
    if (WBEMEV_FAILED(st))
        return st;
    sub->prev = NULL;
    sub->next = d->subs;
    if (d->subs != NULL)
        d->subs->prev = sub;
    d->subs = sub;
    d->nsubs++;
    sub->link_seq = d->index.next_seq++;
    st = wbemev__index_added(d, sub);
    if (WBEMEV_FAILED(st))
        unlink_sub(d, sub);
    return st;
}

/* The consumer's SID, copied. */
static wbemev_status sub_set_sid(struct wbemev__sub *sub, const uint8_t *sid, size_t length)
{
    if (sid == NULL)
        return WBEMEV_S_NO_ERROR;
    sub->sid = wbemev__malloc(length);
    if (sub->sid == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    memcpy(sub->sid, sid, length);
    sub->sid_length = length;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev__sub_new(wbemev_dispatcher_t *d, const char *query, const wbemev_subscribe_options *so,
                              struct wbemev__sub **out)
{
    struct wbemev__sub *sub = wbemev__calloc(1, sizeof *sub);
    if (sub == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    wbemev__ref_init(&sub->refs, 1);
    atomic_init(&sub->state, SUB_ACTIVE);
    sub->d = d;
    wbemev_status st = wbemev_query_compile(query, d->ns, &sub->query, NULL);
    if (WBEMEV_FAILED(st))
        goto fail;
    sub->class_id = wbemev_class_id(wbemev_query_class(sub->query));
    sub->has_where = wbemev_query_has_where(sub->query);
    st = wbemev_query_index_terms(sub->query, &sub->terms, &sub->nterms);
    if (WBEMEV_FAILED(st))
        goto fail;
    sub->indexed = sub->nterms > 0;
    sub->projected = !wbemev_query_selects_all(sub->query);
    st = sub_set_sid(sub, so->sid, so->sid_length);
    if (WBEMEV_FAILED(st))
        goto fail;
    /* Queued delivery, and GROUP WITHIN (whose aggregates come from the timer through a queue that
     * the timer itself runs when delivery is synchronous). */
    bool group = wbemev_query_has_group(sub->query);
    if (so->delivery == WBEMEV_DELIVERY_QUEUED || group) {
        st = wbemev__queue_new(d, sub, so, so->delivery != WBEMEV_DELIVERY_QUEUED, &sub->queue);
        if (WBEMEV_FAILED(st))
            goto fail;
    }
    if (group) {
        st = wbemev__agg_new(sub, &sub->agg);
        if (WBEMEV_FAILED(st))
            goto fail;
    }
    sub->reserving = sub->agg == NULL && sub->queue != NULL && wbemev__queue_reserving(sub->queue);
    *out = sub;
    return WBEMEV_S_NO_ERROR;
fail:
    wbemev__sub_release(sub);
    return st;
}
