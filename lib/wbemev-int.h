/*
 * lib/wbemev-int.h: internals shared by the core's files. Not installed.
 */
#ifndef WBEMEV_INT_H
#define WBEMEV_INT_H

#include "wbemev.h"
#include "platform.h"

#include <stdatomic.h>
#include <string.h>

/* ---- allocation (alloc.c): every allocation goes through the hook ---- */
void *wbemev__malloc(size_t size);
void *wbemev__calloc(size_t count, size_t size); /* overflow-checked, zeroed */
void *wbemev__realloc(void *ptr, size_t size);
void wbemev__free(void *ptr);
char *wbemev__strdup(const char *s);
char *wbemev__strndup(const char *s, size_t n);

/* ---- live counters (counters.c): blocks (kept by alloc.c), objects (kept by object.c) ---- */
void wbemev__live_allocations_add(long delta);
void wbemev__live_objects_add(long delta);

/* ---- strings (value.c) ---- */
/* ASCII case-insensitive comparisons. */
int wbemev__strcasecmp(const char *a, const char *b);
bool wbemev__strcaseeq(const char *a, const char *b);
/* A case-insensitive hash of an ASCII name (FNV-1a over lower-cased bytes). */
uint32_t wbemev__name_hash(const char *s);
/* Decodes one UTF-8 code point at *p (not at a NUL) and advances past it; an invalid or truncated
 * sequence gives WBEMEV__UTF8_INVALID and advances one byte. The one decoder of the library. */
#define WBEMEV__UTF8_INVALID 0xFFFFFFFFu
uint32_t wbemev__utf8_decode(const unsigned char **p);
/* The same, with U+FFFD for an invalid sequence: what a writer emits, so its output stays valid
 * whatever the input. */
uint32_t wbemev__utf8_decode_lossy(const unsigned char **p);
/* Decimal text of an integer, without a NUL, into buf (WBEMEV__INT_TEXT_MAX bytes); returns the
 * length. */
#define WBEMEV__INT_TEXT_MAX 24
size_t wbemev__format_u64(char *buf, uint64_t v);
size_t wbemev__format_i64(char *buf, int64_t v);
/* Identifier check: ASCII letters, digits, '_', not starting with a digit, 1..WBEMEV_MAX_IDENTIFIER. */
bool wbemev__identifier_valid(const char *s);

/* ---- classes (class.c) ---- */
/* Ancestor of cls at `depth` (0 = root), or NULL when depth > class depth. */
wbemev_class_t *wbemev__class_ancestor(const wbemev_class_t *cls, size_t depth);

/* Asked (with no namespace lock held) before a class is defined or deleted, once the request is
 * otherwise valid; a failure vetoes the change and is returned to the caller. The dispatcher uses it
 * for the contract checker (guideline 1). */
typedef wbemev_status (*wbemev__class_change_fn)(void *ctx, const char *class_name, const char *what);
void wbemev__namespace_set_change_hook(wbemev_namespace_t *ns, wbemev__class_change_fn fn, void *ctx);
/* Calls fn for every class defined in ns (under the namespace lock: fn must not call back into ns). */
void wbemev__namespace_foreach_class(wbemev_namespace_t *ns, void (*fn)(void *ctx, wbemev_class_t *cls),
                                     void *ctx);

/* ---- objects (object.c) ---- */
/* Marks obj as indicated by registration `reg_serial` in Indicate call `token` (never 0) and returns
 * the token it carried before: 0 when never indicated, `token` for a duplicate in the same call. */
uint64_t wbemev__object_mark_indicated(wbemev_object_t *obj, uint64_t token, uint32_t reg_serial);
/* Clears the mark set by this token (a strict rejection undoes its marks). */
void wbemev__object_unmark_indicated(wbemev_object_t *obj, uint64_t token);
/* A read-only projection of base (SELECT a, b): properties for which selects(ctx, name) is false
 * read as NULL; system properties read through. No values are copied. */
wbemev_status wbemev__object_new_view(wbemev_object_t *base, bool (*selects)(void *ctx, const char *name),
                                      void *ctx, wbemev_object_t **out);
/* dispatcher.c: a Put on an object indicated by registration `reg_serial` (PUT_AFTER_INDICATE). */
void wbemev__report_put_after_indicate(uint32_t reg_serial, const char *class_name);
/* Sets __Event.TIME_CREATED to `ticks` when it is NULL. obj must be an event instance, not frozen. */
void wbemev__object_stamp_time_created(wbemev_object_t *obj, uint64_t ticks);
/* The 64 bits of an integer property's slot, read through a handle (the WQL integer fast path):
 * 1 with *bits set, 0 when the property is NULL, -1 when the handle is not valid for obj. */
int wbemev__object_get_bits_h(const wbemev_object_t *obj, wbemev_prop_handle handle, uint64_t *bits);
/* Bytes an object keeps alive (queue accounting, queue.c). */
size_t wbemev__object_footprint(const wbemev_object_t *obj);
/* Reads __Event.SECURITY_DESCRIPTOR into bytes and len (NULL and 0 when it is NULL). */
void wbemev__object_security_descriptor(const wbemev_object_t *obj, const uint8_t **bytes, size_t *len);
/* Between begin and end, instances this thread frees give their class count and their cached
 * block back once per run of one class instead of once each, so a queued worker freeing a batch
 * does not take the class's cache lines from the provider thread per event. Until end the class
 * counts them as live (wbemev_class_live_instances) and stays alive. Pairs may nest. */
void wbemev__object_free_batch_begin(void);
void wbemev__object_free_batch_end(void);

/* ---- refcount helpers ---- */
typedef atomic_uint_fast32_t wbemev__refcount;
static inline void wbemev__ref_init(wbemev__refcount *r, uint32_t n)
{
    atomic_init(r, n);
}
static inline void wbemev__ref_inc(wbemev__refcount *r)
{
    atomic_fetch_add_explicit(r, 1, memory_order_relaxed);
}
/* Returns true when the count reached zero (the caller frees). */
static inline bool wbemev__ref_dec(wbemev__refcount *r)
{
    return atomic_fetch_sub_explicit(r, 1, memory_order_acq_rel) == 1;
}
/* The same, for objects no one can take a reference to without holding one (no table of borrowed
 * pointers that add_refs): read with acquire, a count of 1 is the caller's own, the last, and
 * needs no locked read-modify-write (most events are released once, by their provider). */
static inline bool wbemev__ref_dec_held(wbemev__refcount *r)
{
    return atomic_load_explicit(r, memory_order_acquire) == 1 || wbemev__ref_dec(r);
}
static inline uint32_t wbemev__ref_get(wbemev__refcount *r)
{
    return (uint32_t)atomic_load_explicit(r, memory_order_relaxed);
}

#endif /* WBEMEV_INT_H */
