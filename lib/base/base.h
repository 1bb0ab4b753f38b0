/*
 * lib/base/base.h: the base layer, what every layer above uses: the allocation wrappers, the live
 * counters, refcount helpers, and the small text and calendar utilities written once for the whole
 * library. Not installed. Calls nothing above it.
 */
#ifndef WBEMEV_BASE_H
#define WBEMEV_BASE_H

#include "wbemev.h"
#include "platform/platform.h"

#include <stdatomic.h>
#include <string.h>

/* ---- allocation (alloc.c): every allocation goes through the hook ----
 * The wrappers are macros that pass the caller's source file and line: while the hook runs,
 * wbemev__alloc_site says which line of the library asked, so an out-of-memory test names each
 * allocation site the same way in every build (optimized, sanitized, any compiler). */
void *wbemev__malloc_at(size_t size, const char *file, int line);
void *wbemev__calloc_at(size_t count, size_t size, const char *file, int line); /* overflow-checked, zeroed */
void *wbemev__realloc_at(void *ptr, size_t size, const char *file, int line);
char *wbemev__strdup_at(const char *s, const char *file, int line);
char *wbemev__strndup_at(const char *s, size_t n, const char *file, int line);
void wbemev__free(void *ptr);
#define wbemev__malloc(size) wbemev__malloc_at((size), __FILE__, __LINE__)
#define wbemev__calloc(count, size) wbemev__calloc_at((count), (size), __FILE__, __LINE__)
#define wbemev__realloc(ptr, size) wbemev__realloc_at((ptr), (size), __FILE__, __LINE__)
#define wbemev__strdup(s) wbemev__strdup_at((s), __FILE__, __LINE__)
#define wbemev__strndup(s, n) wbemev__strndup_at((s), (n), __FILE__, __LINE__)
/* The source line of the allocation the hook is serving on this thread: *file NULL and *line 0
 * outside the hook. For tests. */
void wbemev__alloc_site(const char **file, int *line);

/* ---- live counters (counters.c): blocks (kept by alloc.c), objects (kept by object.c) ---- */
/* Each thread counts in a slot of its own (one writer: a plain load and store); a read sums them. */
struct wbemev__counter_slot {
    _Alignas(64) atomic_long allocations; /* written by the owner only */
    atomic_long objects;
    atomic_bool taken;
};
/* The calling thread's slot; NULL before its first count. counters.c also marks a thread that
 * found no free slot with a slot that is not in the table (its adds go to shared atomics). */
extern WBEMEV__THREAD_LOCAL struct wbemev__counter_slot *wbemev__tls_counter_slot;
extern struct wbemev__counter_slot wbemev__no_counter_slot;
void wbemev__live_allocations_add_slow(long delta);
void wbemev__live_objects_add_slow(long delta);
/* Inline: every event allocates and frees an object, and the call was a tenth of a clone. */
static inline void wbemev__live_allocations_add(long delta)
{
    struct wbemev__counter_slot *s = wbemev__tls_counter_slot;
    if (s == NULL || s == &wbemev__no_counter_slot) {
        wbemev__live_allocations_add_slow(delta);
        return;
    }
    atomic_store_explicit(&s->allocations, atomic_load_explicit(&s->allocations, memory_order_relaxed) + delta,
                          memory_order_relaxed);
}
static inline void wbemev__live_objects_add(long delta)
{
    struct wbemev__counter_slot *s = wbemev__tls_counter_slot;
    if (s == NULL || s == &wbemev__no_counter_slot) {
        wbemev__live_objects_add_slow(delta);
        return;
    }
    atomic_store_explicit(&s->objects, atomic_load_explicit(&s->objects, memory_order_relaxed) + delta,
                          memory_order_relaxed);
}
/* Both at once, for the spawn and the free of an object in a block of its own: one look at the
 * thread's slot. */
static inline void wbemev__live_counts_add(long allocations, long objects)
{
    struct wbemev__counter_slot *s = wbemev__tls_counter_slot;
    if (s == NULL || s == &wbemev__no_counter_slot) {
        wbemev__live_allocations_add_slow(allocations);
        wbemev__live_objects_add_slow(objects);
        return;
    }
    atomic_store_explicit(&s->allocations,
                          atomic_load_explicit(&s->allocations, memory_order_relaxed) + allocations,
                          memory_order_relaxed);
    atomic_store_explicit(&s->objects, atomic_load_explicit(&s->objects, memory_order_relaxed) + objects,
                          memory_order_relaxed);
}
/* Runs fn(arg) when the calling thread exits, before the thread's counter slot is given back
 * (hooks run last added first); false where the platform cannot tell (Windows) or when the thread
 * has as many hooks as it can keep. */
bool wbemev__thread_exit_hook(void (*fn)(void *), void *arg);

/* ---- text (text.c) ---- */
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

/* ---- civil dates (civil.c): the proleptic Gregorian calendar, days counted from 1970-01-01 ---- */
static inline bool wbemev__is_leap_year(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}
/* Days in `month` (1..12) of `year`. Inline: datetime validation, on the typed Put path, calls it. */
static inline unsigned wbemev__days_in_month(int64_t year, unsigned month)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && wbemev__is_leap_year(year) ? 29u : dim[month - 1];
}
/* The day number of year-month-day (month 1..12, day 1..31); 1970-01-01 is 0, earlier days are
 * negative. Exact for every year. Inline: WQL evaluation calls it for every datetime it compares. */
static inline int64_t wbemev__days_from_civil(int64_t year, unsigned month, unsigned day)
{
    /* Years start in March, so the leap day is the last day of the year. */
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    unsigned yoe = (unsigned)(year - era * 400); /* [0, 399] */
    unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1; /* [0, 365] */
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + (int64_t)doe - 719468; /* 719468: days from 0000-03-01 to 1970-01-01 */
}
/* The inverse: the year, month (1..12) and day (1..31) of day number `days`. */
void wbemev__civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

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

#endif /* WBEMEV_BASE_H */
