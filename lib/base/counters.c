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
 * Slots are static (no allocation, nothing to leak or to fail): a thread claims one on first use and
 * gives it back at exit, where the platform can tell (platform/platform.h: wbemev__thread_at_exit); the
 * next thread to claim it continues its counts, so nothing is lost. Threads that find no slot free
 * count in shared atomics, as before.
 */
#include "base/base.h"

#define COUNTER_SLOTS 128

struct counter_slot {
    _Alignas(64) atomic_long allocations; /* written by the owner only */
    atomic_long objects;
    atomic_bool taken;
};

static struct counter_slot slots[COUNTER_SLOTS];
static atomic_long shared_allocations, shared_objects; /* threads without a slot */
static struct counter_slot no_slot;                    /* tls_slot's "none free" mark */
static WBEMEV__THREAD_LOCAL struct counter_slot *tls_slot;

static void give_back(void *arg)
{
    struct counter_slot *s = arg;
    tls_slot = NULL;
    atomic_store_explicit(&s->taken, false, memory_order_release); /* the next owner sees our counts */
}

static WBEMEV__NOINLINE struct counter_slot *claim(void)
{
    for (size_t i = 0; i < COUNTER_SLOTS; i++) {
        struct counter_slot *s = &slots[i];
        bool expected = false;
        if (!atomic_load_explicit(&s->taken, memory_order_relaxed) &&
            atomic_compare_exchange_strong_explicit(&s->taken, &expected, true, memory_order_acquire,
                                                    memory_order_relaxed)) {
            /* Without an exit hook the slot stays taken after the thread ends: its counts still
             * add up, it is just not reused. */
            wbemev__thread_at_exit(give_back, s);
            tls_slot = s;
            return s;
        }
    }
    tls_slot = &no_slot;
    return &no_slot;
}

static void add(size_t field, atomic_long *shared, long delta)
{
    struct counter_slot *s = tls_slot;
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

void wbemev__live_allocations_add(long delta)
{
    add(offsetof(struct counter_slot, allocations), &shared_allocations, delta);
}

void wbemev__live_objects_add(long delta)
{
    add(offsetof(struct counter_slot, objects), &shared_objects, delta);
}

size_t wbemev_live_allocations(void)
{
    long n = sum(offsetof(struct counter_slot, allocations), &shared_allocations);
    return n > 0 ? (size_t)n : 0; /* a negative count is a bug elsewhere; never report a huge size */
}

size_t wbemev_live_objects(void)
{
    long n = sum(offsetof(struct counter_slot, objects), &shared_objects);
    return n > 0 ? (size_t)n : 0;
}
