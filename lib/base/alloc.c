/*
 * lib/base/alloc.c: the allocator hook and the internal allocation wrappers.
 *
 * Every wbemev allocation goes through wbemev__malloc & co., which call the hook and keep the count
 * of live blocks (counters.c), and say while the hook runs which source line asked
 * (wbemev__alloc_site). The hook's functions are never called with size 0 (see wbemev/alloc.h):
 * the wrappers round 0 up to 1 so that a successful allocation is always a unique non-NULL pointer.
 */
#include "base/base.h"

#include <stdlib.h>

static void *default_malloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void *default_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return realloc(ptr, size);
}

static void default_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static const wbemev_allocator default_allocator = {default_malloc, default_realloc, default_free, NULL};

/* Plain (non-atomic) state: set_allocator is documented as not thread-safe, and it refuses to run
 * while blocks are alive, so no other thread can be inside the hook when it changes. */
static wbemev_allocator current_allocator = {default_malloc, default_realloc, default_free, NULL};


wbemev_status wbemev_set_allocator(const wbemev_allocator *allocator)
{
    if (allocator == NULL)
        allocator = &default_allocator;
    if (allocator->malloc == NULL || allocator->realloc == NULL || allocator->free == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (allocator->malloc == current_allocator.malloc && allocator->realloc == current_allocator.realloc &&
        allocator->free == current_allocator.free && allocator->ctx == current_allocator.ctx)
        return WBEMEV_S_NO_ERROR; /* same allocator: nothing changes, live blocks stay valid */
    /* Blocks must be freed by the allocator that made them. */
    if (wbemev_live_allocations() != 0)
        return WBEMEV_E_INVALID_OPERATION;
    current_allocator = *allocator;
    return WBEMEV_S_NO_ERROR;
}

/* The allocation the hook is serving on this thread (wbemev__alloc_site). */
static WBEMEV__THREAD_LOCAL struct {
    const char *file;
    int line;
} current_site;

void wbemev__alloc_site(const char **file, int *line)
{
    *file = current_site.file;
    *line = current_site.line;
}

void *wbemev__malloc_at(size_t size, const char *file, int line)
{
    current_site.file = file;
    current_site.line = line;
    void *p = current_allocator.malloc(current_allocator.ctx, size != 0 ? size : 1);
    current_site.file = NULL;
    current_site.line = 0;
    if (p != NULL)
        wbemev__live_allocations_add(1);
    return p;
}

void *wbemev__calloc_at(size_t count, size_t size, const char *file, int line)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    size_t total = count * size;
    void *p = wbemev__malloc_at(total, file, line);
    if (p != NULL)
        memset(p, 0, total != 0 ? total : 1);
    return p;
}

void *wbemev__realloc_at(void *ptr, size_t size, const char *file, int line)
{
    if (ptr == NULL)
        return wbemev__malloc_at(size, file, line);
    /* The block count does not change: one block in, one block out (or the old one kept on failure). */
    current_site.file = file;
    current_site.line = line;
    void *p = current_allocator.realloc(current_allocator.ctx, ptr, size != 0 ? size : 1);
    current_site.file = NULL;
    current_site.line = 0;
    return p;
}

void wbemev__free(void *ptr)
{
    if (ptr == NULL)
        return;
    wbemev__live_allocations_add(-1);
    current_allocator.free(current_allocator.ctx, ptr);
}

char *wbemev__strdup_at(const char *s, const char *file, int line)
{
    if (s == NULL)
        return NULL;
    return wbemev__strndup_at(s, strlen(s), file, line);
}

char *wbemev__strndup_at(const char *s, size_t n, const char *file, int line)
{
    if (s == NULL)
        return NULL;
    /* Count by hand instead of strnlen (POSIX, not C11) or memchr (may read past a short string). */
    size_t len = 0;
    while (len < n && s[len] != '\0')
        len++;
    if (len == SIZE_MAX)
        return NULL;
    char *copy = wbemev__malloc_at(len + 1, file, line);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}
