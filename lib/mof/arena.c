/*
 * lib/mof/arena.c: the document's memory: bump allocation in chunks, freed all at once, so a parse
 * that fails anywhere unwinds with one call. Also the growable arrays and the heap text buffer.
 */
#include <stddef.h>

#include "mof/mof_int.h"

/* Chunks start small (a provider's MOF needs a few KiB) and double up to 64 KiB (a schema). */
#define CHUNK_FIRST ((size_t)512)
#define CHUNK_MAX ((size_t)64 * 1024)
#define ALIGN (sizeof(max_align_t))

struct wbemev__mof_chunk {
    wbemev__mof_chunk *next;
    size_t used, size;
    max_align_t data[];
};

void *wbemev__mof_alloc(wbemev__mof_arena *a, size_t size)
{
    size = size == 0 ? ALIGN : size;
    if (size > SIZE_MAX - ALIGN - sizeof(wbemev__mof_chunk))
        return NULL;
    size = (size + ALIGN - 1) / ALIGN * ALIGN;
    wbemev__mof_chunk *c = a->head;
    if (c == NULL || c->size - c->used < size) {
        size_t step = c == NULL ? CHUNK_FIRST : c->size < CHUNK_MAX ? c->size * 2 : CHUNK_MAX;
        size_t want = size > step ? size : step;
        c = wbemev__malloc(sizeof *c + want);
        if (c == NULL)
            return NULL;
        c->size = want;
        c->used = 0;
        if (a->head != NULL && size > step) {
            /* A big block gets its own chunk behind the current one, which keeps its free room. */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

void *wbemev__mof_alloc_array(wbemev__mof_arena *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return wbemev__mof_alloc(a, count * size);
}

char *wbemev__mof_strndup(wbemev__mof_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = wbemev__mof_alloc(a, n + 1);
    if (d != NULL && n > 0)
        memcpy(d, s, n);
    return d;
}

void wbemev__mof_arena_free(wbemev__mof_arena *a)
{
    wbemev__mof_chunk *c = a->head;
    while (c != NULL) {
        wbemev__mof_chunk *next = c->next;
        wbemev__free(c);
        c = next;
    }
    a->head = NULL;
}

void *wbemev__mof_vec_push(wbemev__mof_arena *a, wbemev__mof_vec *v, size_t elem_size)
{
    if (v->count == v->cap) {
        size_t cap = v->cap == 0 ? 4 : v->cap * 2;
        void *items = wbemev__mof_alloc_array(a, cap, elem_size);
        if (items == NULL)
            return NULL;
        if (v->count > 0)
            memcpy(items, v->items, v->count * elem_size);
        v->items = items;
        v->cap = cap;
    }
    return (char *)v->items + elem_size * v->count++;
}

bool wbemev__mof_buf_append(wbemev__mof_buf *b, const char *s, size_t n)
{
    if (n > SIZE_MAX / 2 - b->len - 1) {
        b->out_of_memory = true;
        return false;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap < 256 ? 256 : b->cap;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = wbemev__realloc(b->data, cap);
        if (d == NULL) {
            b->out_of_memory = true;
            return false;
        }
        b->data = d;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
    return true;
}

bool wbemev__mof_buf_put_utf8(wbemev__mof_buf *b, uint32_t c)
{
    char u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xC0 | (c >> 6));
        u[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xE0 | (c >> 12));
        u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (c >> 18));
        u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    return wbemev__mof_buf_append(b, u, n);
}
