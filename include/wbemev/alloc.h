/*
 * wbemev/alloc.h: the allocator hook and the live-object counters.
 *
 * The library allocates only through the functions set here (default: malloc, realloc, free), so an
 * application, a test or a benchmark can count allocations or make them fail.
 */
#ifndef WBEMEV_ALLOC_H
#define WBEMEV_ALLOC_H

#include "status.h"

WBEMEV_BEGIN_DECLS

/**
 * Allocation functions. Semantics are those of malloc/realloc/free: malloc(0) and realloc(p, 0) are
 * never called by wbemev; free(NULL) may be. Returning NULL from malloc or realloc makes the calling
 * wbemev function fail with WBEMEV_E_OUT_OF_MEMORY and leave its state as it was.
 */
typedef struct wbemev_allocator {
    void *(*malloc)(void *ctx, size_t size);             /**< as malloc */
    void *(*realloc)(void *ctx, void *ptr, size_t size); /**< as realloc */
    void (*free)(void *ctx, void *ptr);                  /**< as free */
    void *ctx; /**< passed to each function unchanged */
} wbemev_allocator;

/**
 * Replaces the process-wide allocator; NULL restores malloc/realloc/free.
 *
 * Not thread-safe: call it before any other wbemev function, or when no wbemev object is alive
 * (wbemev_live_allocations() == 0), since memory must be freed by the allocator that made it.
 * Returns WBEMEV_E_INVALID_PARAMETER when a function pointer is NULL, WBEMEV_E_INVALID_OPERATION when
 * blocks allocated by the current allocator are still alive.
 */
WBEMEV_API wbemev_status wbemev_set_allocator(const wbemev_allocator *allocator);

/**
 * Blocks allocated through the hook and in use. A class keeps the blocks of its freed instances for
 * its next ones (up to 256 KiB a class, given back to the hook when the class is freed); those are
 * not counted, so a leak check sees an object's block go when the object does.
 *
 * Thread-safe. Each thread counts on its own and a call sums the counts: exact when the threads
 * that allocate are idle or joined, as in a leak check.
 */
WBEMEV_API size_t wbemev_live_allocations(void);

/** Event objects (instances and class objects) alive now, across all namespaces. Thread-safe, summed
 * as wbemev_live_allocations is. */
WBEMEV_API size_t wbemev_live_objects(void);

WBEMEV_END_DECLS

#endif /* WBEMEV_ALLOC_H */
