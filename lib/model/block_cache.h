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

#include "platform/platform.h"

struct wbemev__chunk;

/* One per class. The owner (the first thread to take a block: the provider's) uses its fields
 * without a lock; other threads only push chunks on `remote`. Fields written by the two sides sit
 * on separate cache lines. */
struct wbemev__block_cache {
    _Atomic(const void *) owner; /* set once; read by every thread that frees a block */
    char pad_owner[64];
    /* the owner's */
    /* The owner thread's share of its class's live-instance count (object_layout.h: live_count_add):
     * spawns minus frees not yet added to the class's shared count. Written by the owner only (a
     * plain load and store); read by any thread that asks the count. */
    atomic_int_least64_t live_delta;
    bool live_pinned; /* the owner holds the class's pin (owner only) */
    void *head;                     /* blocks the owner freed, linked through their first bytes */
    struct wbemev__chunk *chunk;    /* the chunk being taken from, by index */
    uint32_t chunk_i;
    struct wbemev__chunk *chunks;   /* chunks taken from `remote`, not started yet */
    size_t count;                   /* blocks held by the owner (a bound) */
    char pad[64];
    /* other threads' */
    _Atomic(struct wbemev__chunk *) remote;
    atomic_size_t remote_count;
};

/* `size`: the size of every block of the cache (the class's instance block, at least 64 bytes). A
 * cached block is not counted as a live allocation (wbemev_live_allocations). */
void wbemev__block_cache_init(struct wbemev__block_cache *c);
/* Frees every cached block (the class is being freed: no thread uses the cache any more). */
void wbemev__block_cache_free(struct wbemev__block_cache *c);
/* A cached block for the owner thread (the first caller becomes the owner); NULL when the caller
 * is not the owner or nothing is cached. */
void *wbemev__block_cache_take(struct wbemev__block_cache *c, size_t size);
/* Keeps a freed block; false when the cache is full or has no owner yet (the caller frees it). */
bool wbemev__block_cache_put(struct wbemev__block_cache *c, void *block, size_t size);
/* Keeps up to n freed blocks given back together by a thread that is not the owner (one push);
 * returns how many were kept, from the front of `blocks`: the caller frees the rest. */
size_t wbemev__block_cache_give(struct wbemev__block_cache *c, void **blocks, size_t n, size_t size);
/* Tells the threads apart by the address (unique among live threads). */
extern WBEMEV__THREAD_LOCAL char wbemev__block_cache_token;
/* True when the calling thread owns c. Inline: every spawn and free of an instance asks it. */
static inline bool wbemev__block_cache_is_mine(const struct wbemev__block_cache *c)
{
    return atomic_load_explicit(&((struct wbemev__block_cache *)c)->owner, memory_order_relaxed) ==
           &wbemev__block_cache_token;
}
/* The cache's owner thread: this one, another one, or none yet. */
enum wbemev__cache_owner { WBEMEV__CACHE_NO_OWNER, WBEMEV__CACHE_MINE, WBEMEV__CACHE_OTHERS };
enum wbemev__cache_owner wbemev__block_cache_owner(const struct wbemev__block_cache *c);

#endif /* WBEMEV_BLOCK_CACHE_H */
