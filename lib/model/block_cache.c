/*
 * lib/model/block_cache.c: a class's cache of freed instance blocks, reused by the next clone or spawn.
 *
 * The cache has two lanes, each belonging to one thread: the first two threads to take a block (a
 * provider's, and a second one indicating at the same time). A lane's owner takes and returns its
 * own blocks on a list without a lock. Other threads (a queued worker releasing the last reference
 * to events) hand blocks back as *chunks* pushed on a lock-free stack, which lane 0's owner takes
 * whole (one taker, so no ABA). A chunk is a freed block that lists up to chunk_capacity() other
 * freed blocks. The owner walks a chunk by index, so it can prefetch blocks several events ahead:
 * those blocks were last written by the other core, and a list linked through the blocks
 * themselves would let it see only one block ahead (each next pointer sits in a block that is
 * itself still in the other core's cache).
 *
 * Each lane and the stack keep at most BLOCK_CACHE_BYTES of blocks (a count is a bound, not a tally).
 */
#include "model/block_cache.h"

#include "model/class_layout.h"

#include <string.h>

#define BLOCK_CACHE_BYTES WBEMEV__BLOCK_CACHE_BYTES
#define PREFETCH_AHEAD 4 /* blocks of a chunk asked for ahead of the one taken */

struct wbemev__chunk {
    struct wbemev__chunk *next;
    uint32_t n;     /* blocks listed */
    void *blocks[]; /* as many as fit in the chunk's own block */
};

WBEMEV__THREAD_LOCAL char wbemev__block_cache_token;
#define tls_token wbemev__block_cache_token

static size_t limit_for(size_t size)
{
    return BLOCK_CACHE_BYTES / size;
}

static size_t chunk_capacity(size_t size)
{
    return (size - offsetof(struct wbemev__chunk, blocks)) / sizeof(void *);
}

static void *block_next(void *block)
{
    void *next;
    memcpy(&next, block, sizeof next);
    return next;
}

/* Asks for a block to be brought in for writing while the current event is made. */
static void prefetch_block(const void *block, size_t size)
{
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    /* PREFETCHW: takes the lines from the other core's cache exclusive (the compiler's generic
     * prefetch does not without -mprfchw); a no-op on x86-64 CPUs without it. */
    for (size_t off = 0; off < size; off += 64)
        __asm__ __volatile__("prefetchw %0" : : "m"(*((const char *)block + off)));
#elif defined(__GNUC__) || defined(__clang__)
    for (size_t off = 0; off < size; off += 64)
        __builtin_prefetch((const char *)block + off, 1, 3);
#else
    (void)block, (void)size;
#endif
}

void wbemev__block_cache_init(struct wbemev__block_cache *c)
{
    for (int i = 0; i < WBEMEV__CACHE_LANES; i++) {
        struct wbemev__cache_lane *l = &c->lane[i];
        atomic_init(&c->owner[i], NULL);
        atomic_init(&l->live_delta, 0);
        l->live_pinned = false;
        l->head = NULL;
        l->count = 0;
        l->limit = 0;
        l->chunk = NULL;
        l->chunk_i = 0;
        l->chunks = NULL;
    }
    atomic_init(&c->remote, NULL);
    atomic_init(&c->remote_count, 0);
}

enum wbemev__cache_owner wbemev__block_cache_owner(const struct wbemev__block_cache *c)
{
    struct wbemev__block_cache *m = (struct wbemev__block_cache *)c;
    if (wbemev__block_cache_my_lane(m) != NULL)
        return WBEMEV__CACHE_MINE;
    return atomic_load_explicit(&m->owner[0], memory_order_relaxed) == NULL ? WBEMEV__CACHE_NO_OWNER
                                                                            : WBEMEV__CACHE_OTHERS;
}

/* Lane 0's next block from the chunks, taking the remote stack when they are used up. */
static void *chunk_take(struct wbemev__block_cache *c, struct wbemev__cache_lane *l, size_t size)
{
    struct wbemev__chunk *k = l->chunk;
    if (k == NULL) {
        k = l->chunks;
        if (k == NULL) {
            if (atomic_load_explicit(&c->remote, memory_order_relaxed) == NULL)
                return NULL;
            /* Acquire: the other threads' writes to the chunks and blocks. */
            k = atomic_exchange_explicit(&c->remote, NULL, memory_order_acquire);
            l->count += atomic_exchange_explicit(&c->remote_count, 0, memory_order_relaxed);
        }
        l->chunks = k->next;
        l->chunk = k;
        l->chunk_i = 0;
        for (uint32_t i = 0; i < k->n && i < PREFETCH_AHEAD; i++)
            prefetch_block(k->blocks[i], size);
        if (l->chunks != NULL) /* its list, for when this chunk is used up */
            prefetch_block(l->chunks, 128);
    }
    if (l->chunk_i < k->n) {
        void *block = k->blocks[l->chunk_i++];
        uint32_t ahead = l->chunk_i + PREFETCH_AHEAD - 1;
        if (ahead < k->n)
            prefetch_block(k->blocks[ahead], size);
        else if (ahead == k->n)
            prefetch_block(k, size); /* the chunk's own block comes last */
        return block;
    }
    l->chunk = NULL;
    return k;
}

/* The calling thread's lane, claiming a free one when it has none (for blocks of `size`). */
static struct wbemev__cache_lane *claim_lane(struct wbemev__block_cache *c, size_t size)
{
    struct wbemev__cache_lane *l = wbemev__block_cache_my_lane(c);
    if (l != NULL)
        return l;
    for (int i = 0; i < WBEMEV__CACHE_LANES; i++) {
        const void *owner = atomic_load_explicit(&c->owner[i], memory_order_relaxed);
        if (owner == NULL && atomic_compare_exchange_strong_explicit(&c->owner[i], &owner, &tls_token,
                                                                     memory_order_relaxed, memory_order_relaxed)) {
            c->lane[i].limit = limit_for(size);
            return &c->lane[i];
        }
    }
    return NULL;
}

void *wbemev__block_cache_take(struct wbemev__block_cache *c, size_t size)
{
    struct wbemev__cache_lane *l = claim_lane(c, size);
    if (l == NULL)
        return NULL;
    void *block = wbemev__lane_pop(l); /* its own frees: still in this core's cache */
    if (block == NULL) {
        if (l != &c->lane[0] || (block = chunk_take(c, l, size)) == NULL)
            return NULL;
        if (l->count > 0) /* the chunks' blocks were counted when the stack was taken */
            l->count--;
    }
    wbemev__live_allocations_add(1);
    return block;
}

size_t wbemev__block_cache_give(struct wbemev__block_cache *c, void **blocks, size_t n, size_t size)
{
    if (n == 0 || atomic_load_explicit(&c->owner[0], memory_order_relaxed) == NULL)
        return 0;
    /* Room under the limit, taken with a CAS: an add undone afterwards could wrap the count
     * below 0 if the owner took the stack (and zeroed the count) in between. */
    size_t limit = limit_for(size);
    size_t cur = atomic_load_explicit(&c->remote_count, memory_order_relaxed), take;
    do {
        if (cur >= limit)
            return 0;
        take = n < limit - cur ? n : limit - cur;
    } while (!atomic_compare_exchange_weak_explicit(&c->remote_count, &cur, cur + take, memory_order_relaxed,
                                                    memory_order_relaxed));
    n = take;
    /* Chunks in order: each is a block listing the ones after it. */
    size_t cap = chunk_capacity(size);
    struct wbemev__chunk *first = NULL, *last = NULL;
    for (size_t i = 0; i < n;) {
        struct wbemev__chunk *k = blocks[i++];
        size_t m = n - i < cap ? n - i : cap;
        k->next = NULL;
        k->n = (uint32_t)m;
        memcpy(k->blocks, &blocks[i], m * sizeof(void *));
        i += m;
        if (last != NULL)
            last->next = k;
        else
            first = k;
        last = k;
    }
    struct wbemev__chunk *head = atomic_load_explicit(&c->remote, memory_order_relaxed);
    do {
        last->next = head;
    } while (!atomic_compare_exchange_weak_explicit(&c->remote, &head, first, memory_order_release,
                                                    memory_order_relaxed));
    wbemev__live_allocations_add(-(long)n);
    return n;
}

bool wbemev__block_cache_put(struct wbemev__block_cache *c, void *block, size_t size)
{
    struct wbemev__cache_lane *l = wbemev__block_cache_my_lane(c);
    if (l == NULL)
        return wbemev__block_cache_give(c, &block, 1, size) == 1;
    if (!wbemev__lane_push(l, block))
        return false;
    wbemev__live_allocations_add(-1);
    return true;
}

static void free_block(void *block)
{
    wbemev__live_allocations_add(1); /* counted again, as wbemev__free uncounts it */
    wbemev__free(block);
}

static void free_chunks(struct wbemev__chunk *k, uint32_t from)
{
    while (k != NULL) {
        struct wbemev__chunk *next = k->next;
        for (uint32_t i = from; i < k->n; i++)
            free_block(k->blocks[i]);
        free_block(k);
        k = next;
        from = 0;
    }
}

void wbemev__block_cache_free(struct wbemev__block_cache *c)
{
    for (int i = 0; i < WBEMEV__CACHE_LANES; i++) {
        struct wbemev__cache_lane *l = &c->lane[i];
        for (void *b = l->head; b != NULL;) {
            void *next = block_next(b);
            free_block(b);
            b = next;
        }
        if (l->chunk != NULL) {
            l->chunk->next = NULL; /* it was unlinked from the rest when taken */
            free_chunks(l->chunk, l->chunk_i);
        }
        free_chunks(l->chunks, 0);
        l->head = NULL;
        l->chunk = NULL;
        l->chunks = NULL;
        l->count = 0;
    }
    free_chunks(atomic_exchange(&c->remote, NULL), 0);
    atomic_store(&c->remote_count, 0);
}
