/*
 * lib/model/block_cache.h: a class's cache of freed instance blocks (block_cache.c), so a provider that
 * clones, indicates and releases allocates nothing in steady state.
 */
#ifndef WBEMEV_BLOCK_CACHE_H
#define WBEMEV_BLOCK_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#include <string.h>

struct wbemev__chunk;

/* Threads that keep blocks of their own: the first two to take a block (a provider's thread, and a
 * second one indicating at once). */
#define WBEMEV__CACHE_LANES 2

/* One owner thread's side of the cache, on lines of its own: written by that thread only, without
 * a lock (a plain load and store), on every spawn and free. */
struct wbemev__cache_lane {
    void *head;   /* blocks the owner freed, linked through their first bytes */
    size_t count; /* blocks held (a bound) */
    size_t limit; /* blocks it keeps at most: set when the lane is claimed */
    /* The owner's share of its class's live-instance count (object_layout.h: live_count_add):
     * spawns minus frees not yet added to the shared count. Read by any thread that asks it. */
    atomic_int_least64_t live_delta;
    bool live_pinned; /* the owner holds a pin on the class (its own field) */
    /* lane 0 only: the chunks other threads hand back */
    struct wbemev__chunk *chunk;  /* the chunk being taken from, by index */
    uint32_t chunk_i;
    struct wbemev__chunk *chunks; /* chunks taken from `remote`, not started yet */
    char pad[64];
};

/* One per class. Each lane's owner uses its lane without a lock; other threads only push chunks on
 * `remote`, which lane 0's owner takes. Fields written by different threads sit on separate lines. */
struct wbemev__block_cache {
    _Atomic(const void *) owner[WBEMEV__CACHE_LANES]; /* each set once; read at every spawn and free */
    char pad_owner[64];
    struct wbemev__cache_lane lane[WBEMEV__CACHE_LANES];
    /* other threads' */
    _Atomic(struct wbemev__chunk *) remote;
    atomic_size_t remote_count;
};

/* `size`: the size of every block of the cache (the class's instance block, at least 64 bytes). A
 * cached block is not counted as a live allocation (wbemev_live_allocations). */
void wbemev__block_cache_init(struct wbemev__block_cache *c);
/* Frees every cached block (the class is being freed: no thread uses the cache any more). */
void wbemev__block_cache_free(struct wbemev__block_cache *c);
/* A cached block for a lane's owner thread (the first callers become the owners); NULL when the
 * caller owns no lane or nothing is cached for it. */
void *wbemev__block_cache_take(struct wbemev__block_cache *c, size_t size);
/* Keeps a freed block; false when the cache is full or has no owner yet (the caller frees it). */
bool wbemev__block_cache_put(struct wbemev__block_cache *c, void *block, size_t size);
/* Keeps up to n freed blocks given back together by a thread that owns no lane (one push, taken by
 * lane 0's owner); returns how many were kept, from the front of `blocks`: the caller frees the rest. */
size_t wbemev__block_cache_give(struct wbemev__block_cache *c, void **blocks, size_t n, size_t size);
/* Tells the threads apart by the address (unique among live threads). */
extern WBEMEV__THREAD_LOCAL char wbemev__block_cache_token;
/* The calling thread's lane of c, NULL when it has none. Inline: every spawn and free asks it. */
static inline struct wbemev__cache_lane *wbemev__block_cache_my_lane(struct wbemev__block_cache *c)
{
    const void *me = &wbemev__block_cache_token;
    for (int i = 0; i < WBEMEV__CACHE_LANES; i++)
        if (atomic_load_explicit(&c->owner[i], memory_order_relaxed) == me)
            return &c->lane[i];
    return NULL;
}
/* The limit of blocks a lane keeps (block_cache.c), for the inline paths below. */
#define WBEMEV__BLOCK_CACHE_BYTES (256u * 1024u)

/* The owner's own list, with no lock: a block off the front (NULL when empty), a block onto it
 * (false when the lane holds its limit). The blocks are linked through their first bytes. The
 * caller counts the block as live or freed. */
static inline void *wbemev__lane_pop(struct wbemev__cache_lane *l)
{
    void *block = l->head;
    if (block == NULL)
        return NULL;
    memcpy(&l->head, block, sizeof l->head);
    if (l->count > 0)
        l->count--;
    return block;
}

static inline bool wbemev__lane_push(struct wbemev__cache_lane *l, void *block)
{
    if (l->count >= l->limit)
        return false;
    memcpy(block, &l->head, sizeof l->head);
    l->head = block;
    l->count++;
    return true;
}

/* Inline: a lane owner's own list, the whole of the usual spawn's and free's work with the cache;
 * the rest (claiming a lane, the chunks, handing back) is in block_cache.c. */
static inline void *wbemev__block_cache_take_fast(struct wbemev__block_cache *c, size_t size)
{
    struct wbemev__cache_lane *l = wbemev__block_cache_my_lane(c);
    void *block = l != NULL ? wbemev__lane_pop(l) : NULL;
    if (block == NULL)
        return wbemev__block_cache_take(c, size);
    wbemev__live_allocations_add(1);
    return block;
}

static inline bool wbemev__block_cache_put_fast(struct wbemev__block_cache *c, void *block, size_t size)
{
    struct wbemev__cache_lane *l = wbemev__block_cache_my_lane(c);
    if (l == NULL || !wbemev__lane_push(l, block))
        return wbemev__block_cache_put(c, block, size);
    wbemev__live_allocations_add(-1);
    return true;
}

/* The cache's owners: this thread is one, only others are, or none yet. */
enum wbemev__cache_owner { WBEMEV__CACHE_NO_OWNER, WBEMEV__CACHE_MINE, WBEMEV__CACHE_OTHERS };
enum wbemev__cache_owner wbemev__block_cache_owner(const struct wbemev__block_cache *c);

#endif /* WBEMEV_BLOCK_CACHE_H */
