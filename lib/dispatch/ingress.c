/*
 * lib/dispatch/ingress.c: the provider's event sink, what ProvideEvents receives: where an event
 * enters the host. Indicate validates every object (before anything is touched, so a refused call
 * changes nothing), applies the throttling model, reserves room in bounded queues, marks each
 * object for the one-unique-object rule, stamps TIME_CREATED, freezes the objects and hands them
 * to delivery. SetStatus from a provider is a violation (guideline 4). The sink outlives the
 * registration's active life: after stop, its Indicate answers WBEMEV_E_CALL_CANCELLED.
 * Its reference count keeps the host's reference apart from the provider's (dispatch.h).
 */
#include "dispatch/dispatch.h"

static struct wbemev__psink *psink_from(wbemev_sink_t *s)
{
    return WBEMEV_CONTAINER_OF(s, struct wbemev__psink, base);
}

static void psink_free(struct wbemev__psink *ps)
{
    wbemev__reg_release(ps->reg);
    wbemev__free(ps);
}

static void psink_add_ref(wbemev_sink_t *s)
{
    atomic_fetch_add_explicit(&psink_from(s)->word, 2, memory_order_relaxed);
}

/* A provider's release. One it does not own (its count is already 0) is reported and ignored: the
 * host's reference keeps the sink, so the provider's mistake cannot free it under the host. */
static void psink_release(wbemev_sink_t *s)
{
    struct wbemev__psink *ps = psink_from(s);
    uint_fast64_t w = atomic_load_explicit(&ps->word, memory_order_relaxed);
    do {
        if (w < 2) {
            wbemev__checker_violation_tagged(atomic_load(&ps->reg->tag), WBEMEV_VIOLATION_SINK_OVER_RELEASED,
                                             "Release", NULL);
            return;
        }
    } while (!atomic_compare_exchange_weak_explicit(&ps->word, &w, w - 2, memory_order_acq_rel, memory_order_relaxed));
    if (w - 2 == 0)
        psink_free(ps);
}

uint64_t wbemev__psink_provider_refs(const struct wbemev__psink *ps)
{
    return atomic_load(&((struct wbemev__psink *)ps)->word) >> 1;
}

void wbemev__psink_host_release(struct wbemev__psink *ps)
{
    if ((atomic_fetch_and(&ps->word, ~(uint_fast64_t)1) & ~(uint_fast64_t)1) == 0)
        psink_free(ps);
}

/* What this thread was told by a sink: per thread, since "refire while a request waits" and
 * "indicate after CALL_CANCELLED" are about one caller, not about every thread of a provider.
 * A few sinks per thread; an evicted mark only forgets (it never accuses). */
#define THREAD_MARKS 8
struct sink_mark {
    uint64_t sink;     /* wbemev__psink.id; 0: free */
    uint32_t refires;  /* Indicates answered SERVER_TOO_BUSY in a row while a request waited */
    bool cancelled;    /* this thread was answered CALL_CANCELLED */
};
static WBEMEV__THREAD_LOCAL struct sink_mark tls_marks[THREAD_MARKS];
static WBEMEV__THREAD_LOCAL unsigned tls_marks_next;

static struct sink_mark *mark_for(const struct wbemev__psink *ps)
{
    for (unsigned i = 0; i < THREAD_MARKS; i++)
        if (tls_marks[i].sink == ps->id)
            return &tls_marks[i];
    struct sink_mark *m = &tls_marks[tls_marks_next++ % THREAD_MARKS];
    *m = (struct sink_mark){ps->id, 0, false};
    return m;
}

/* True when one of the provider's EventQueryList classes is cls or a superclass of it. */
static bool registered_for(const struct wbemev__reg *reg, const wbemev_class_t *cls)
{
    for (size_t i = 0; i < reg->nqueries; i++)
        if (wbemev_class_inherits_from(cls, wbemev_query_class(reg->queries[i])))
            return true;
    return false;
}

/* True when cls is the class its name names in the host's namespace (not a namesake from another
 * namespace or dispatcher, or from before a delete and define). */
static bool class_of_host(const wbemev_dispatcher_t *d, const wbemev_class_t *cls)
{
    wbemev_class_t *mine = NULL;
    if (WBEMEV_FAILED(wbemev_namespace_get_class(d->ns, wbemev_class_name(cls), &mine)))
        return false;
    wbemev_class_release(mine);
    return mine == cls;
}

/* An event class the EventQueryList does not cover: reported (a class of another namespace with
 * its own advice); true when strict refuses the call. */
static bool unregistered_class(struct wbemev__reg *reg, const wbemev_class_t *cls)
{
    wbemev_dispatcher_t *d = reg->d;
    wbemev_violation_code code =
        class_of_host(d, cls) ? WBEMEV_VIOLATION_CLASS_NOT_REGISTERED : WBEMEV_VIOLATION_CLASS_FROM_OTHER_NAMESPACE;
    return wbemev__checker_violation(&d->checker, code, reg->name, "Indicate", wbemev_class_name(cls));
}

/* Every object must be a non-NULL instance of an event class the provider registered for: checked
 * before anything is touched, so a refused call changes nothing. */
static wbemev_status validate(struct wbemev__reg *reg, int32_t count, wbemev_object_t *const *objects)
{
    wbemev_dispatcher_t *d = reg->d;
    if (count < 0 || (count > 0 && objects == NULL))
        return WBEMEV_E_INVALID_PARAMETER;
    /* A batch is usually instances of one class: one pass finds it, then the class is checked once. */
    const wbemev_class_t *checked = NULL; /* the class the previous instance passed with */
    const wbemev_class_t *one = wbemev__objects_single_class(count, objects);
    for (int32_t i = one != NULL ? count - 1 : 0; i < count; i++) {
        const wbemev_object_t *o = objects[i];
        if (o == NULL)
            return WBEMEV_E_INVALID_PARAMETER;
        const wbemev_class_t *cls = wbemev_object_class(o);
        bool instance = wbemev_object_genus(o) == WBEMEV_GENUS_INSTANCE;
        if (instance && cls == checked)
            continue; /* a batch is usually one class: check it once */
        if (!instance) {
            wbemev__checker_violation(&d->checker, WBEMEV_VIOLATION_CLASS_OBJECT_INDICATED, reg->name, "Indicate", wbemev_class_name(cls));
            return WBEMEV_E_INVALID_OBJECT;
        }
        if (!wbemev_class_is_event_class(cls)) {
            wbemev__checker_violation(&d->checker, WBEMEV_VIOLATION_NOT_EVENT_CLASS, reg->name, "Indicate", wbemev_class_name(cls));
            return WBEMEV_E_NOT_EVENT_CLASS;
        }
        if (wbemev__checker_on(&d->checker) && !registered_for(reg, cls) && unregistered_class(reg, cls))
            return WBEMEV_E_INVALID_CLASS;
        checked = cls;
    }
    return WBEMEV_S_NO_ERROR;
}

/* The throttling model (guideline 3): while a NewQuery/CancelQuery waits to get into the provider,
 * Indicate is answered SERVER_TOO_BUSY (not the request this thread is servicing: a provider may
 * indicate from inside NewQuery). A thread that refires refire_limit times in a row without
 * letting the request in is reported, then let through (record) or cancelled (strict): never a
 * hang. */
static wbemev_status throttle(struct wbemev__reg *reg, struct sink_mark *m)
{
    wbemev_dispatcher_t *d = reg->d;
    unsigned waiting = atomic_load(&reg->requests_waiting);
    if (waiting > 0 && wbemev__servicing_request(reg))
        waiting--;
    if (waiting == 0) {
        m->refires = 0;
        return WBEMEV_S_NO_ERROR;
    }
    unsigned n = ++m->refires;
    if (n < d->refire_limit)
        return WBEMEV_E_SERVER_TOO_BUSY;
    if (n == d->refire_limit &&
        wbemev__checker_violation(&d->checker, WBEMEV_VIOLATION_REFIRE_WHILE_PENDING, reg->name, "Indicate", NULL))
        return WBEMEV_E_CALL_CANCELLED;
    return WBEMEV_S_NO_ERROR;
}

/* Answers an Indicate without delivering it: counts the objects as refused. CALL_CANCELLED ends
 * the sink for every thread (as WMI's does); this thread is marked as told. */
static wbemev_status refuse(struct wbemev__reg *reg, struct sink_mark *m, int32_t count, wbemev_status st)
{
    if (count > 0)
        atomic_fetch_add_explicit(&reg->refused, (uint64_t)count, memory_order_relaxed);
    if (st == WBEMEV_E_CALL_CANCELLED) {
        atomic_store(&reg->answered_cancelled, true);
        m->cancelled = true;
    }
    wbemev__reg_leave(reg);
    return st;
}

/* Test kit injection: answers the next Indicates with a given status. */
static bool injected(struct wbemev__reg *reg, wbemev_status *st)
{
    if (atomic_load_explicit(&reg->inject_count, memory_order_relaxed) == 0)
        return false;
    unsigned left = atomic_load(&reg->inject_count);
    while (left > 0 && !atomic_compare_exchange_weak(&reg->inject_count, &left, left - 1))
        ;
    *st = atomic_load(&reg->inject_status);
    return left > 0;
}

/* Stamps TIME_CREATED where the provider left it NULL (a refired object keeps its first stamp). */
static void stamp(int32_t count, wbemev_object_t *const *objects)
{
    wbemev__objects_stamp(count, objects, wbemev__clock_filetime());
}

/* From here the objects are shared read-only with every consumer and queue. */
static void freeze(int32_t count, wbemev_object_t *const *objects)
{
    wbemev__objects_freeze(count, objects);
}

/* Indicate from a thread that was already answered CALL_CANCELLED by this sink, whatever the
 * cause (unregistration, shutdown, a strict rejection, an injected status): reported, answered
 * CALL_CANCELLED again. Reported through the tag: the registration may be stopped. */
static wbemev_status indicate_after_cancel(struct wbemev__reg *reg, int32_t count)
{
    wbemev__checker_violation_tagged(atomic_load(&reg->tag), WBEMEV_VIOLATION_INDICATE_AFTER_CANCEL, "Indicate",
                                     NULL);
    if (wbemev__reg_enter(reg)) {
        if (count > 0) { /* indicated = accepted + refused, as for every Indicate counted */
            atomic_fetch_add_explicit(&reg->indicated, (uint64_t)count, memory_order_relaxed);
            atomic_fetch_add_explicit(&reg->refused, (uint64_t)count, memory_order_relaxed);
        }
        wbemev__reg_leave(reg);
    }
    return WBEMEV_E_CALL_CANCELLED;
}

static wbemev_status psink_indicate(wbemev_sink_t *s, int32_t count, wbemev_object_t *const *objects)
{
    struct wbemev__psink *ps = psink_from(s);
    struct wbemev__reg *reg = ps->reg;
    struct sink_mark *m = mark_for(ps);
    if (m->cancelled)
        return indicate_after_cancel(reg, count);
    if (!wbemev__reg_enter(reg)) {
        m->cancelled = true;
        return WBEMEV_E_CALL_CANCELLED; /* unregistered or shut down: stop indicating */
    }
    wbemev_dispatcher_t *d = reg->d;
    if (count > 0)
        atomic_fetch_add_explicit(&reg->indicated, (uint64_t)count, memory_order_relaxed);
    wbemev_status st;
    if (injected(reg, &st))
        return refuse(reg, m, count, st);
    if (atomic_load_explicit(&reg->answered_cancelled, memory_order_relaxed))
        return refuse(reg, m, count, WBEMEV_E_CALL_CANCELLED); /* another thread was told first */
    st = validate(reg, count, objects);
    if (WBEMEV_SUCCEEDED(st) && d->model_throttling)
        st = throttle(reg, m);
    if (WBEMEV_FAILED(st))
        return refuse(reg, m, count, st);
    stamp(count, objects);
    /* Room in every BLOCK/REFUSE queue the objects go to, before anything is delivered: a refused
     * call delivers nothing (and leaves the objects unfrozen), so the provider can refire it. */
    struct wbemev__snapshot *snap = wbemev__index_acquire(&d->index);
    struct wbemev__reservations room;
    st = wbemev__reserve_all(d, snap, count, objects, &room);
    if (WBEMEV_SUCCEEDED(st) && wbemev__checker_on(&d->checker)) {
        st = wbemev__checker_mark_unique(&d->checker, reg->name, atomic_load(&reg->tag), count, objects);
        if (WBEMEV_FAILED(st))
            wbemev__reservations_release(&room);
    }
    if (WBEMEV_FAILED(st)) {
        wbemev__snapshot_release(snap);
        return refuse(reg, m, count, st);
    }
    freeze(count, objects);
    unsigned depth = wbemev__deliver(d, snap, count, objects); /* its pushes use the reservations */
    wbemev__reservations_release(&room);
    wbemev__snapshot_release(snap);
    if (depth == 0)
        wbemev__run_deferred_ends(d); /* ends of subscriptions this delivery cancelled */
    atomic_fetch_add_explicit(&reg->accepted, (uint64_t)count, memory_order_relaxed);
    wbemev__reg_leave(reg);
    return WBEMEV_S_NO_ERROR;
}

static wbemev_status psink_set_status(wbemev_sink_t *s, int32_t flags, wbemev_status status,
                                      const char *text, wbemev_object_t *object)
{
    (void)flags, (void)status, (void)text, (void)object;
    /* Guideline 4: a provider never calls SetStatus on its event sink, at any moment: before,
     * during or after its final Release (reported until the dispatcher is destroyed). */
    struct wbemev__reg *reg = psink_from(s)->reg;
    wbemev__checker_violation_tagged(atomic_load(&reg->tag), WBEMEV_VIOLATION_SET_STATUS_FROM_PROVIDER,
                                     "SetStatus", NULL);
    return WBEMEV_E_INVALID_OPERATION;
}

static const wbemev_sink_vtbl psink_vtbl = {
    WBEMEV_SINK_VTBL_VERSION, psink_add_ref, psink_release, psink_indicate, psink_set_status,
};

wbemev_status wbemev__psink_new(struct wbemev__reg *reg, struct wbemev__psink **out)
{
    struct wbemev__psink *ps = wbemev__malloc(sizeof *ps);
    if (ps == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    ps->base.vtbl = &psink_vtbl;
    static atomic_uint_fast64_t next_id = 1;
    atomic_init(&ps->word, 1); /* the host's reference */
    ps->id = atomic_fetch_add(&next_id, 1);
    ps->reg = reg;
    wbemev__ref_inc(&reg->refs);
    *out = ps;
    return WBEMEV_S_NO_ERROR;
}
