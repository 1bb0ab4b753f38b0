/*
 * lib/base/counters.c: the live counters (wbemev_live_allocations, wbemev_live_objects), kept per thread.
 *
 * Every event allocates and frees an object, so a pair of global atomic counters cost four locked
 * read-modify-writes per event, and with queued delivery (made on the provider's thread, freed on a
 * worker) their cache line moved between cores on every event. Instead each thread counts in a
 * slot of its own with plain loads and stores (one writer), and a read sums every slot. The sum is
 * exact whenever the counting threads are quiescent (joined, or synchronized with the reader), which
 * is when a leak check reads it.
 *
 * The add itself is inline (base.h): one thread-local load, a load and a store; counters.c has
 * the rest.
 *
 * Slots are static (no allocation, nothing to leak or to fail): a thread claims one on first use and
 * gives it back at exit, where the platform can tell (platform/platform.h: wbemev__thread_at_exit); the
 * next thread to claim it continues its counts, so nothing is lost. Threads that find no slot free
 * count in shared atomics, as before.
 */
#include "base/base.h"

#define COUNTER_SLOTS 128

static struct wbemev__counter_slot slots[COUNTER_SLOTS];
static atomic_long shared_allocations, shared_objects; /* threads without a slot */
struct wbemev__counter_slot wbemev__no_counter_slot; /* tls_slot's "none free" mark */
#define no_slot wbemev__no_counter_slot
WBEMEV__THREAD_LOCAL struct wbemev__counter_slot *wbemev__tls_counter_slot;
#define tls_slot wbemev__tls_counter_slot

/* ---- what runs when a thread exits ---- */

/* The platform runs one function at a thread's exit; these are the library's, last added first. */
#define EXIT_HOOKS 4
struct exit_hooks {
    bool registered; /* with the platform */
    unsigned n;
    struct {
        void (*fn)(void *);
        void *arg;
    } hook[EXIT_HOOKS];
};
static WBEMEV__THREAD_LOCAL struct exit_hooks tls_exit_hooks;

static void run_exit_hooks(void *arg)
{
    struct exit_hooks *e = arg;
    e->registered = false; /* a hook that counts claims a slot and registers again: it runs once more */
    while (e->n > 0) {
        e->n--;
        e->hook[e->n].fn(e->hook[e->n].arg);
    }
}

bool wbemev__thread_exit_hook(void (*fn)(void *), void *arg)
{
    struct exit_hooks *e = &tls_exit_hooks;
    if (e->n == EXIT_HOOKS)
        return false;
    if (!e->registered) {
        if (!wbemev__thread_at_exit(run_exit_hooks, e))
            return false;
        e->registered = true;
    }
    e->hook[e->n].fn = fn;
    e->hook[e->n].arg = arg;
    e->n++;
    return true;
}

/* ---- the slots ---- */

static void give_back(void *arg)
{
    struct wbemev__counter_slot *s = arg;
    tls_slot = NULL;
    atomic_store_explicit(&s->taken, false, memory_order_release); /* the next owner sees our counts */
}

static struct wbemev__counter_slot *claim(void)
{
    for (size_t i = 0; i < COUNTER_SLOTS; i++) {
        struct wbemev__counter_slot *s = &slots[i];
        bool expected = false;
        if (!atomic_load_explicit(&s->taken, memory_order_relaxed) &&
            atomic_compare_exchange_strong_explicit(&s->taken, &expected, true, memory_order_acquire,
                                                    memory_order_relaxed)) {
            /* Without an exit hook the slot stays taken after the thread ends: its counts still
             * add up, it is just not reused. */
            wbemev__thread_exit_hook(give_back, s);
            tls_slot = s;
            return s;
        }
    }
    tls_slot = &no_slot;
    return &no_slot;
}

/* The slow side of the inline adds in base.h: a thread without its slot yet, or without one. */
static void add(size_t field, atomic_long *shared, long delta)
{
    struct wbemev__counter_slot *s = tls_slot;
    if (s == NULL)
        s = claim();
    if (s == &no_slot) {
        atomic_fetch_add_explicit(shared, delta, memory_order_relaxed);
        return;
    }
    atomic_long *c = (atomic_long *)(void *)((char *)s + field);
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + delta, memory_order_relaxed);
}

static long sum(size_t field, atomic_long *shared)
{
    long n = atomic_load_explicit(shared, memory_order_relaxed);
    for (size_t i = 0; i < COUNTER_SLOTS; i++)
        n += atomic_load_explicit((atomic_long *)(void *)((char *)&slots[i] + field), memory_order_relaxed);
    return n;
}

void wbemev__live_allocations_add_slow(long delta)
{
    add(offsetof(struct wbemev__counter_slot, allocations), &shared_allocations, delta);
}

void wbemev__live_objects_add_slow(long delta)
{
    add(offsetof(struct wbemev__counter_slot, objects), &shared_objects, delta);
}

size_t wbemev_live_allocations(void)
{
    long n = sum(offsetof(struct wbemev__counter_slot, allocations), &shared_allocations);
    return n > 0 ? (size_t)n : 0; /* a negative count is a bug elsewhere; never report a huge size */
}

size_t wbemev_live_objects(void)
{
    long n = sum(offsetof(struct wbemev__counter_slot, objects), &shared_objects);
    return n > 0 ? (size_t)n : 0;
}
